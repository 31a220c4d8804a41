"""The facts the record commands judge (``record``, ``readiness``, ``status``, ``decide``).

All four gather the same facts once: the change (every registered check, waivers
applied), the branch's record, the data-integrity risk derived from the change, and the
gate evidence recorded for the commit's tree. ``readiness_rows`` turns them into the
protocol's mandatory checks (PASS / FAIL / MISSING with evidence); ``status_values`` into
the fields of the status message.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.changeset import matches_any
from hotfix_hooks.checks.naming import check_branch
from hotfix_hooks.checks.registry import CHECKS
from hotfix_hooks.findings import Finding
from hotfix_hooks.findings import summarize
from hotfix_hooks.gates import evidence
from hotfix_hooks.gates import plan as gate_plan
from hotfix_hooks.gates.evidence import GateResult
from hotfix_hooks.gates.plan import GateSpec
from hotfix_hooks.git import changes as git_changes
from hotfix_hooks.git import context
from hotfix_hooks.git import plumbing
from hotfix_hooks.pipeline import scan
from hotfix_hooks.pipeline.parts import governed_parts
from hotfix_hooks.pipeline.parts import policy_tree
from hotfix_hooks.pipeline.trust import folder_policy_findings
from hotfix_hooks.pipeline.trust import Judged
from hotfix_hooks.policy import Policy
from hotfix_hooks.policy.tree import Governed
from hotfix_hooks.policy.tree import PolicyTree
from hotfix_hooks.record import approvals
from hotfix_hooks.record import integrity
from hotfix_hooks.record import model as record
from hotfix_hooks.record.approvals import Verification
from hotfix_hooks.record.decision import decide
from hotfix_hooks.record.model import Record
from hotfix_hooks.record.model import record_path

# the approvals row reports these; the record row the rest of the record's findings
_APPROVAL_RULES = ('record-approval-pending', 'record-approval-unverified',
                   'record-approval-stale')
DIFF_CATEGORIES = ('contract', 'actions', 'migrations', 'scope', 'policy')


def all_checks() -> list[str]:
    """Every registered check, the opt-in record check included."""

    return list(CHECKS)


FAILED = ('fail', 'timeout', 'error')


@dataclasses.dataclass
class PartFacts:
    """What one governing policy (a folder policy in a monorepo, else the root's) gates for
    this change: its gate names, its impacted domains, what cannot run, whether its
    domain map describes this repository at all."""

    governed: Governed
    gates: list[str]                  # qualified gate names ('smoke', 'server/smoke')
    impacted: list[str]               # qualified domain names ('pos', 'server/billing')
    not_run: dict[str, str]           # local gate/domain name -> why it cannot run
    domains_configured: bool


@dataclasses.dataclass
class Facts:
    ctx: context.Context
    branch: str | None
    ticket: str | None
    hotfix: bool
    commit: str | None
    tree: str | None
    findings: list[Finding]
    record: Record | None
    record_path: str | None
    derived: list[str]
    changed: list[str]
    evidence: dict[str, GateResult]
    notes: list[str] = dataclasses.field(default_factory=list)
    record_problems: list[Finding] = dataclasses.field(default_factory=list)
    approvals: Verification | None = None
    rejected: dict[str, str] = dataclasses.field(default_factory=dict)  # gate -> why not
    in_ci: bool = False
    # what each governing policy of the change gates (None: the root policy alone, judged
    # from ``changed`` and the policy given to the row functions)
    parts: list[PartFacts] | None = None

    def record_absence(self) -> str:
        """Why there is no usable record: missing, or present but unreadable."""
        for f in self.record_problems:
            if f.rule != 'record-missing':
                return f'the record {self.record_path} cannot be read ({f.message})'
        return f'no record at {self.record_path or "-"}'

    @property
    def short(self) -> str:
        return self.commit[:12] if self.commit else 'no commit'

    def diff_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.category in DIFF_CATEGORIES]


def gather(judged: Judged, options: Mapping[str, bool] | None = None) -> Facts:
    """The facts of one judged context (its trusted policy, ``pipeline/trust.py``). The
    record commands judge what a merge needs: approvals and waivers must be verified."""
    ctx, policy = judged.ctx, judged.policy
    options = {'require_approvals': True, **(options or {})}
    run = scan.run_info(ctx, policy, options)
    rec = None
    rec_path = None
    rec_problems: list[Finding] = []
    changes = git_changes.build(ctx, policy, judged.base_commit)
    try:
        touched = [p for f in changes.files for p in (f.path, f.old_path) if p]
        findings = scan.run_checks(
            changes, ctx, policy, all_checks(), options, report_stale=True,
            extra=judged.findings() + folder_policy_findings(judged, touched,
                                                             changes.head.read),
            read=judged.policy_reader())
        verification = None
        if run.ticket:
            rec, rec_problems, rec_path = record.load(changes.head, policy, run.ticket)
            if rec is not None:
                verification = approvals.verify(rec, changes.history,
                                                changes.head.read(rec.path), policy)
        derived = integrity.derive(changes, policy)
        changed = sorted({p for f in changes.files for p in (f.path, f.old_path) if p})
        ptree = policy_tree(ctx, policy, changes, judged.policy_reader())
        rec_file = record.record_path(policy, run.ticket) if run.ticket else None
        parts = _parts(changes, ptree, rec_file)
        specs = expected_gates(changes, policy, run.ticket, ptree)
    finally:
        changes.close()
    commit = ctx.head or plumbing.rev_parse('HEAD', ctx.root)
    tree = plumbing.rev_parse(commit, ctx.root, peel='tree') if commit else None
    facts = Facts(ctx=ctx, branch=ctx.branch, ticket=run.ticket, hotfix=run.hotfix,
                  commit=commit, tree=tree, findings=findings, record=rec,
                  record_path=rec_path, derived=derived, changed=changed, evidence={},
                  notes=list(judged.notes), record_problems=rec_problems,
                  approvals=verification, in_ci=ctx.stage == 'ci' or ctx.ci is not None,
                  parts=parts)
    if tree:
        _accepted_evidence(facts, ctx.git_dir, tree, specs, policy.digest())
    return facts


def expected_gates(changes: ChangeSet, policy: Policy, ticket: str | None,
                   tree: PolicyTree) -> dict[str, GateSpec]:
    """What the gates of this change are, by the trusted policy (and, in a monorepo, each
    governing folder policy, read from the same trusted side) and the record: the gates,
    the impacted domains' regressions, the rollback dry-run of the record (or the policy)."""
    rec = None
    if ticket:
        path = record_path(policy, ticket)
        data = changes.head.read(path)
        rec = (path, None if data is None else data.decode('utf-8', 'replace'))
    specs: list[GateSpec] = []
    for gov, part in governed_parts(changes, tree, [rec[0]] if rec else []):
        pol = gov.policy
        selection = gate_plan.select_domains(part, pol['domains'])
        specs += gate_plan.part_specs(pol, selection, gov.folder,
                                      gate_plan.unconfigured(pol, part.head))
    rollback, source, _problems = gate_plan.rollback_command(None, rec, policy)
    specs += gate_plan.rollback_spec(policy, rollback, source)
    return {s.name: s for s in specs}


def _accepted_evidence(facts: Facts, git_dir: str, tree: str, specs: dict[str, GateSpec],
                       digest: str) -> None:
    """Keep the results that prove what ``specs`` ask on ``tree`` (``evidence.accepts``);
    say why the others do not count."""
    results, problem = evidence.load_checked(git_dir, tree)
    if problem:
        facts.notes.append(f'evidence {problem}')
    for name, r in results.items():
        spec = specs.get(name)
        if r.status == 'not-configured' and spec is not None and spec.not_run:
            facts.evidence[name] = r           # never a pass: the row says what is missing
            continue
        if spec is None:
            if name == 'rollback' and r.status != 'skipped':
                facts.rejected[name] = (f'it ran `{" ".join(r.command)}`, which neither the '
                                        'record nor the policy gives')
            elif name == 'rollback':
                facts.evidence[name] = r       # "no rollback dry-run command", as it was
            continue
        why = evidence.accepts(r, gate_plan.expected(spec, tree, digest), ci=facts.in_ci)
        if why:
            facts.rejected[name] = why
        else:
            facts.evidence[name] = r


def _parts(changes: ChangeSet, tree: PolicyTree, record_file: str | None) -> list[PartFacts]:
    out = []
    for gov, part in governed_parts(changes, tree, [record_file] if record_file else []):
        pol = gov.policy
        not_run = gate_plan.unconfigured(pol, part.head)
        selection = gate_plan.select_domains(part, pol['domains'])
        out.append(PartFacts(
            governed=gov, gates=[gov.qualify(g['name']) for g in pol['gates']],
            impacted=[gov.qualify(n) for n in selection.selected], not_run=not_run,
            domains_configured=gate_plan.domains_configured(pol, part.head, not_run)))
    return out


# -- readiness -------------------------------------------------------------------------
@dataclasses.dataclass
class Row:
    check: str
    status: str                  # PASS | FAIL | MISSING
    evidence: str
    commit: str | None = None
    at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _gate_evidence(r: GateResult) -> str:
    took = f', {r.duration_s:.1f}s' if isinstance(r.duration_s, (int, float)) else ''
    code = f' (exit {r.exit_code})' if r.status != 'pass' and r.exit_code is not None else ''
    detail = f': {r.detail}' if r.detail and r.status != 'pass' else ''
    return f'{r.status}{code} on {str(r.commit)[:12]} at {r.finished_at}{took}{detail}'


def _one_gate_row(check: str, name: str, facts: Facts) -> Row:
    r = facts.evidence.get(name)
    if r is None:
        return Row(check, 'MISSING', _no_result(name, facts))
    status = 'PASS' if r.status == 'pass' else ('FAIL' if r.status in FAILED else 'MISSING')
    return Row(check, status, _gate_evidence(r), r.commit, r.finished_at)


def _gate_row(check: str, name: str, facts: Facts) -> Row:
    """The row of a protocol gate (``smoke``, ``integrity``): the gate of that name of
    every policy governing the change (``server/smoke`` in a folder policy)."""
    if facts.parts is None:
        return _one_gate_row(check, name, facts)
    expected = [p.governed.qualify(name) for p in facts.parts
                if p.governed.qualify(name) in p.gates]
    if not expected:
        files = ', '.join(p.governed.label for p in facts.parts) or '(defaults)'
        return Row(check, 'MISSING', f'not configured: no gate named {name!r} in {files} '
                                     '(run "hotfix-hooks init", or add it to the policy)')
    rows = [_one_gate_row(check, q, facts) for q in expected]
    if len(rows) == 1:
        return rows[0]
    status = 'FAIL' if any(r.status == 'FAIL' for r in rows) else (
        'MISSING' if any(r.status == 'MISSING' for r in rows) else 'PASS')
    last = max((r for r in rows if r.at), key=lambda r: r.at or '', default=None)
    return Row(check, status, '; '.join(f'{q}: {r.evidence}' for q, r in zip(expected, rows)),
               last.commit if last else None, last.at if last else None)


def _domain_key(name: str) -> str | None:
    """The domain of an evidence name: ``domain:pos`` -> ``pos``, ``server/domain:billing``
    -> ``server/billing``; ``None`` for a gate."""
    folder, _, local = name.rpartition('/')
    if not local.startswith('domain:'):
        return None
    return (f'{folder}/' if folder else '') + local[len('domain:'):]


def _no_result(name: str, facts: Facts) -> str:
    if name in facts.rejected:
        why = facts.rejected[name]
        if facts.in_ci and why == 'it was not run in CI':
            return ('the gates were not run in CI (hotfix-hooks ci without --no-gates runs '
                    'them)')
        return f'the result for {facts.short} does not count: {why}; run "hotfix-hooks gate"'
    if facts.in_ci:
        return (f'the gates were not run in CI on {facts.short} (hotfix-hooks ci without '
                '--no-gates runs them)')
    return f'no result for this commit ({facts.short}): run "hotfix-hooks gate"'


def impacted_domains(facts: Facts, policy: Policy) -> list[str] | None:
    """Domains whose paths the change touches; ``None`` when no domain map is configured."""

    if facts.parts is not None:
        return [d for p in facts.parts for d in p.impacted]
    domains = policy.get('domains')
    if not isinstance(domains, dict):
        return None
    out = []
    for name, dom in domains.items():
        globs = dom.get('paths', []) if isinstance(dom, dict) else dom
        if isinstance(dom, dict) and dom.get('enabled', True) is False:
            continue
        if isinstance(globs, list) and any(matches_any(p, globs) for p in facts.changed):
            out.append(name)
    return out


def regression_row(facts: Facts, policy: Policy) -> Row:
    results = {key: r for n, r in facts.evidence.items()
               if (key := _domain_key(n)) is not None}
    impacted = impacted_domains(facts, policy)
    failed = [d for d, r in results.items() if r.status in FAILED]
    ran = {d: r for d, r in results.items() if r.status == 'pass'}
    parts = [f'{d}: {_gate_evidence(r)}' for d, r in sorted(results.items())
             if r.status != 'skipped']
    last = max(ran.values(), key=lambda r: r.finished_at or '', default=None)
    if failed:
        return Row('targeted regression', 'FAIL', '; '.join(parts))
    missing = [d for d in (impacted or []) if d not in ran]
    if missing:
        why = [f'domain:{d}: {facts.rejected["domain:" + d]}' for d in missing
               if 'domain:' + d in facts.rejected]
        ci = ' in CI' if facts.in_ci else ''
        return Row('targeted regression', 'MISSING',
                   f'impacted domain(s) {", ".join(missing)} have no passing result{ci} for '
                   f'{facts.short}' + ''.join(f'; {p}' for p in parts + why))
    if ran:
        return Row('targeted regression', 'PASS', '; '.join(parts),
                   last.commit if last else None, last.finished_at if last else None)
    if impacted is None:
        return Row('targeted regression', 'MISSING',
                   'no domain map configured and no domain results for this commit')
    if facts.parts is not None:
        bare = [p.governed.label for p in facts.parts if not p.domains_configured]
        if bare:
            return Row('targeted regression', 'MISSING',
                       f'not configured: no domain of {", ".join(bare)} describes this '
                       'repository (the defaults are the ARIS3 protocol\'s pos, transfers, '
                       'stock, rbac): run "hotfix-hooks init", or set '
                       '[tool.hotfix-hooks.domains]')
        names = [p.governed.qualify(n) for p in facts.parts for n in p.governed.policy['domains']]
        return Row('targeted regression', 'PASS', 'no impacted domain (the change touches '
                                                  'none of: ' + ', '.join(names) + ')')
    return Row('targeted regression', 'PASS', 'no impacted domain (the change touches none '
                                              'of: ' + ', '.join(policy.get('domains')) + ')')


def readiness_rows(facts: Facts, policy: Policy) -> list[Row]:

    rows = []
    diff = facts.diff_findings()
    s = summarize(diff)
    blocking = [f for f in diff if f.blocking]
    rows.append(Row('scope and frozen rules', 'FAIL' if blocking else 'PASS',
                    f'{len(facts.changed)} changed file(s) on {facts.short}: {s["error"]} '
                    f'error(s), {s["warning"]} warning(s), {s["waived"]} waived',
                    facts.commit))
    rows.append(_gate_row('smoke', 'smoke', facts))
    rows.append(_gate_row('integrity', 'integrity', facts))
    rows.append(regression_row(facts, policy))
    rec = facts.record
    rb = _one_gate_row('rollback dry-run', 'rollback', facts)
    if rec is not None and not (rec.rollback_command or rec.release_tag):
        rb = Row('rollback dry-run', 'FAIL', 'the record has no rollback command or '
                                             'release tag' + (f'; {rb.evidence}' if rb.at else ''))
    elif rec is not None and rb.status != 'MISSING':
        rb.evidence = f'{rec.rollback_plan}: {rb.evidence}'
    rows.append(rb)
    rows.append(approvals_row(facts, policy))
    naming = check_branch(facts.branch, policy)
    rows.append(Row('naming', 'FAIL' if any(f.blocking for f in naming) else 'PASS',
                    '; '.join(f.message for f in naming) or f'branch {facts.branch}'))
    rec_findings = [f for f in facts.findings if f.category == 'record'
                    and f.rule not in _APPROVAL_RULES]
    if facts.ticket and any(f.rule == 'record-missing' for f in rec_findings):
        rows.append(Row('hotfix record', 'MISSING', f'{facts.record_path} is not in '
                                                    f'{facts.short}'))
    elif rec is None:
        rows.append(Row('hotfix record', 'MISSING', 'no ticket in the branch name'))
    else:
        bad = [f for f in rec_findings if f.blocking]
        waived = sum(1 for f in rec_findings if f.waived)
        rows.append(Row('hotfix record', 'FAIL' if bad else 'PASS',
                        (f'{rec.path}: ' + ', '.join(sorted({f.rule for f in bad})))
                        if bad else
                        f'{rec.path}: {rec.severity} {rec.eligibility}, {rec.decision}'
                        + (f' ({waived} waived)' if waived else '')))
    return rows


def approvals_row(facts: Facts, policy: Policy) -> Row:
    """PASS when every required role's approval counts (``record/approvals.py``)."""
    rec = facts.record
    roles = list(policy.section('record').get('required_approvers', []))
    if rec is None:
        where = facts.record_path or 'no ticket in the branch name'
        return Row('approvals', 'MISSING', f'no hotfix record ({where})')
    parts = []
    counted = []
    verdicts = facts.approvals.verdicts if facts.approvals is not None else {}
    for r in roles:
        v = verdicts.get(r)
        a = rec.approvals.get(r)
        if v is None or not v.given or a is None:
            parts.append(f'{r}: pending')
        elif v.counted:
            counted.append(a.approved_at)
            parts.append(f'{r}: {a.name} at {a.approved_at} ({v.describe()})')
        else:
            parts.append(f'{r}: {a.name or "?"} at {a.approved_at}, {v.describe()}')
    if facts.approvals is not None and not facts.approvals.owners_listed and roles:
        parts.append('not checked against an owner list (no [tool.hotfix-hooks.owners])')
    status = 'PASS' if len(counted) == len(roles) else 'MISSING'
    return Row('approvals', status, '; '.join(parts), at=max(counted, default=None))


# -- status ----------------------------------------------------------------------------
def _gate_status(r: GateResult | None, facts: Facts) -> str:
    if r is None:
        return f'unknown (not run on {facts.short})'
    return f'{r.status} ({str(r.commit)[:12]}, {r.finished_at})'


def pending_waivers(facts: Facts) -> list[int]:
    """The record's exceptions that do not count yet (not approved after their change)."""
    return list(facts.approvals.waivers) if facts.approvals is not None else []


def _approval_state(role: str, approved_at: str, facts: Facts) -> str:
    v = facts.approvals.verdicts.get(role) if facts.approvals is not None else None
    if not approved_at:
        return 'pending'
    if v is not None and v.counted:
        return f'approved {approved_at}'
    return f'approved {approved_at}, not counted' + (f' ({v.problems[0]})' if v and v.problems
                                                     else '')


def status_values(facts: Facts, policy: Policy) -> dict[str, str]:

    rec = facts.record
    diff = facts.diff_findings()
    waived = summarize(diff)['waived']
    frozen = 'FAIL' if any(f.blocking for f in diff) else 'PASS'
    if waived:
        frozen += f' ({waived} waived)'
    row = regression_row(facts, policy)
    domain_results = {key: r for n, r in facts.evidence.items()
                      if (key := _domain_key(n)) is not None and r.status != 'skipped'}
    if domain_results:
        regression = '; '.join(f'{d}: {_gate_status(r, facts)}'
                               for d, r in sorted(domain_results.items()))
        if row.status == 'MISSING':
            regression += f' ({row.evidence.split(";")[0]})'
    elif row.status == 'PASS':
        regression = 'not needed (no impacted domain)'
    elif row.status == 'MISSING' and impacted_domains(facts, policy):
        regression = (f'unknown (not run on {facts.short}: '
                      + ', '.join(impacted_domains(facts, policy) or []) + ')')
    else:
        regression = ''
    verdict = decide(rec, facts.derived, policy, pending_waivers(facts))
    values = {
        'ticket': (rec.ticket if rec else '') or (facts.ticket or ''),
        'frozen_rules': frozen,
        'smoke': _gate_status(facts.evidence.get('smoke'), facts),
        'integrity': _gate_status(facts.evidence.get('integrity'), facts),
        'targeted_regression': regression,
        'rollback_dry_run': _gate_status(facts.evidence.get('rollback'), facts),
        'recommendation': verdict.recommendation if rec else '',
        'branch': facts.branch or '',
        'commit': facts.commit[:12] if facts.commit else '',
    }
    if rec is not None:
        values.update({
            'severity': rec.severity, 'customer_impact': rec.customer_impact,
            'decision': rec.decision, 'change_scope': rec.change_scope,
            'rollback_plan': rec.rollback_plan, 'owner': rec.owner,
            'next_update_utc': rec.next_update_utc, 'eligibility': rec.eligibility,
            'approvals': '; '.join(
                f'{a.role}: {a.name or "?"} ' + _approval_state(a.role, a.approved_at, facts)
                for a in rec.approvals.values()),
        })
    return values
