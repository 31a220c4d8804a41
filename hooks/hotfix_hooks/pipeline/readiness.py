"""``hotfix-hooks record | readiness | status | decide``: the hotfix record's commands.

All four gather the same facts once: the change (every registered check, waivers
applied), the branch's record, the data-integrity risk derived from the change, and the
gate evidence recorded for the commit's tree. ``readiness`` always judges the committed
HEAD (or the pushed / CI commit): evidence exists for commits only.
"""
from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import sys
from collections.abc import Sequence
from typing import Any

from hotfix_hooks.git import context
from hotfix_hooks.git import plumbing
from hotfix_hooks.findings import Finding
from hotfix_hooks.record.model import Record

DIFF_CATEGORIES = ('contract', 'actions', 'migration', 'scope')


def all_checks() -> list[str]:
    """Every registered check, the opt-in record check included."""
    from hotfix_hooks.checks import CHECKS

    return list(CHECKS)
FAILED = ('fail', 'timeout', 'error')


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
    evidence: dict[str, Any]
    notes: list[str] = dataclasses.field(default_factory=list)
    record_problems: list[Finding] = dataclasses.field(default_factory=list)

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


def gather(ctx: context.Context, policy: Any, options: dict[str, Any] | None = None) -> Facts:
    from hotfix_hooks.gates import evidence
    from hotfix_hooks.git import changes as git_changes
    from hotfix_hooks.record import integrity
    from hotfix_hooks.record import model as record
    from hotfix_hooks.pipeline import scan
    run = scan.run_info(ctx, policy, options)
    rec = None
    rec_path = None
    rec_problems: list[Finding] = []
    changes = git_changes.build(ctx, policy)
    try:
        findings = scan.run_checks(changes, ctx, policy, all_checks(), options,
                                   report_stale=True)
        if run.ticket:
            rec, rec_problems, rec_path = record.load(changes.head, policy, run.ticket)
        derived = integrity.derive(changes, policy)
        changed = sorted({p for f in changes.files for p in (f.path, f.old_path) if p})
    finally:
        changes.close()
    commit = ctx.head or plumbing.rev_parse('HEAD', ctx.root)
    tree = plumbing.rev_parse(commit, ctx.root, peel='tree') if commit else None
    results = evidence.load(ctx.git_dir, tree) if tree else {}
    return Facts(ctx=ctx, branch=ctx.branch, ticket=run.ticket, hotfix=run.hotfix,
                 commit=commit, tree=tree, findings=findings, record=rec,
                 record_path=rec_path, derived=derived, changed=changed, evidence=results,
                 notes=list(ctx.notes), record_problems=rec_problems)


# -- shared CLI plumbing ---------------------------------------------------------------
def _parser(prog: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f'hotfix-hooks {prog}', description=description)
    context.add_arguments(parser)
    parser.add_argument('--config', help='policy file (default: .hotfix-hooks.toml or '
                                         'pyproject.toml of the repository)')
    parser.add_argument('filenames', nargs='*', help=argparse.SUPPRESS)
    return parser


def _contexts(args: argparse.Namespace) -> tuple[Any, list[context.Context]]:
    from hotfix_hooks import policy as policy_mod

    root = plumbing.toplevel()
    policy = policy_mod.load(root, args.config)
    ctxs = context.resolve_all(context.request_from_args(args), policy)
    return policy, ctxs


def _one_context(args: argparse.Namespace, committed: bool) -> tuple[Any, context.Context]:
    from hotfix_hooks.errors import UsageError

    policy, ctxs = _contexts(args)
    ctxs = [c for c in ctxs if c.mode in ('index', 'range', 'worktree')]
    if not ctxs:
        raise UsageError('nothing to read: this invocation is a tag push or a branch deletion')
    ctx = ctxs[0]
    if committed and ctx.mode in ('worktree', 'index'):
        head = plumbing.rev_parse('HEAD', ctx.root)
        if head is None:
            raise UsageError('no commit yet: readiness judges a commit')
        dirty = plumbing.try_out(['status', '--porcelain', '--untracked-files=no'], ctx.root)
        ctx = copy.copy(ctx)
        ctx.mode, ctx.head = 'range', head
        ctx.why = [*ctx.why, 'readiness judges the committed HEAD']
        ctx.notes = list(ctx.notes)
        if dirty:
            ctx.notes.append(f'uncommitted changes are not part of this check; it judges '
                             f'commit {head[:12]}')
    return policy, ctx


def _notes(facts: Facts, prog: str) -> None:
    for n in facts.notes:
        print(f'hotfix-hooks {prog}: note: {n}', file=sys.stderr)


# -- hotfix-hooks record ---------------------------------------------------------------
def record_main(argv: Sequence[str] | None = None) -> int:
    """The hotfix-record hook: the record's findings (and what its waivers waive)."""
    from hotfix_hooks import report
    from hotfix_hooks.pipeline import scan
    from hotfix_hooks.findings import exit_code
    from hotfix_hooks.checks.naming import is_hotfix_branch

    parser = _parser('record', 'Check the hotfix record of the branch (hotfixes/<ticket>.toml).')
    parser.add_argument('--require-approvals', action='store_true',
                        help='missing approvals are errors (run this in CI on the pull '
                             'request); without it they are warnings')
    parser.add_argument('--format', choices=report.FORMATS, default='text')
    args = parser.parse_args(argv)
    policy, ctxs = _contexts(args)
    shown: list[Finding] = []
    for ctx in ctxs:
        if ctx.mode not in ('index', 'range', 'worktree'):
            continue
        run = scan.run_info(ctx, policy)
        if ctx.branch is None:
            from hotfix_hooks.checks.naming import check_branch

            shown += check_branch(None, policy)      # fail closed on an unknown branch
            continue
        if not run.hotfix or not (run.ticket or is_hotfix_branch(run.branch, policy)):
            continue
        for n in ctx.notes:
            print(f'hotfix-hooks record: note: {n}', file=sys.stderr)
        found = scan.collect(ctx, policy, all_checks(),
                             {'require_approvals': args.require_approvals}, report_stale=True)
        shown += [f for f in found if f.category == 'record' or f.waived]
    report.render(shown, args.format)
    return exit_code(shown)


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


def _gate_evidence(r: Any) -> str:
    took = f', {r.duration_s:.1f}s' if isinstance(r.duration_s, (int, float)) else ''
    code = f' (exit {r.exit_code})' if r.status != 'pass' and r.exit_code is not None else ''
    detail = f': {r.detail}' if r.detail and r.status != 'pass' else ''
    return f'{r.status}{code} on {str(r.commit)[:12]} at {r.finished_at}{took}{detail}'


def _gate_row(check: str, name: str, facts: Facts) -> Row:
    r = facts.evidence.get(name)
    if r is None:
        return Row(check, 'MISSING', f'no result for this commit ({facts.short}): run '
                                     '"hotfix-hooks gate"')
    status = 'PASS' if r.status == 'pass' else ('FAIL' if r.status in FAILED else 'MISSING')
    return Row(check, status, _gate_evidence(r), r.commit, r.finished_at)


def impacted_domains(facts: Facts, policy: Any) -> list[str] | None:
    """Domains whose paths the change touches; ``None`` when no domain map is configured."""
    from hotfix_hooks.changeset import matches_any

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


def _regression_row(facts: Facts, policy: Any) -> Row:
    results = {n.partition(':')[2]: r for n, r in facts.evidence.items()
               if n.startswith('domain:')}
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
        return Row('targeted regression', 'MISSING',
                   f'impacted domain(s) {", ".join(missing)} have no passing result for '
                   f'{facts.short}' + (f'; {"; ".join(parts)}' if parts else ''))
    if ran:
        return Row('targeted regression', 'PASS', '; '.join(parts),
                   last.commit if last else None, last.finished_at if last else None)
    if impacted is None:
        return Row('targeted regression', 'MISSING',
                   'no domain map configured and no domain results for this commit')
    return Row('targeted regression', 'PASS', 'no impacted domain (the change touches none '
                                              'of: ' + ', '.join(policy.get('domains')) + ')')


def readiness_rows(facts: Facts, policy: Any) -> list[Row]:
    from hotfix_hooks.findings import summarize
    from hotfix_hooks.checks.naming import check_branch

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
    rows.append(_regression_row(facts, policy))
    rec = facts.record
    rb = _gate_row('rollback dry-run', 'rollback', facts)
    if rec is not None and not (rec.rollback_command or rec.release_tag):
        rb = Row('rollback dry-run', 'FAIL', 'the record has no rollback command or '
                                             'release tag' + (f'; {rb.evidence}' if rb.at else ''))
    elif rec is not None and rb.status != 'MISSING':
        rb.evidence = f'{rec.rollback_plan}: {rb.evidence}'
    rows.append(rb)
    roles = list(policy.section('record').get('required_approvers', []))
    if rec is None:
        where = facts.record_path or 'no ticket in the branch name'
        rows.append(Row('approvals', 'MISSING', f'no hotfix record ({where})'))
    else:
        given = [rec.approvals[r] for r in roles if r in rec.approvals and
                 rec.approvals[r].given]
        pending = [r for r in roles if r not in rec.approvals or not rec.approvals[r].given]
        text = '; '.join([f'{a.role}: {a.name} at {a.approved_at}' for a in given]
                         + [f'{r}: pending' for r in pending])
        rows.append(Row('approvals', 'MISSING' if pending else 'PASS', text,
                        at=max((a.approved_at for a in given), default=None)))
    naming = check_branch(facts.branch, policy)
    rows.append(Row('naming', 'FAIL' if any(f.blocking for f in naming) else 'PASS',
                    '; '.join(f.message for f in naming) or f'branch {facts.branch}'))
    rec_findings = [f for f in facts.findings if f.category == 'record'
                    and f.rule != 'record-approval-pending']
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


def readiness_main(argv: Sequence[str] | None = None) -> int:
    parser = _parser('readiness', 'Is this hotfix ready to merge? Every mandatory check of '
                                  'the protocol with PASS, FAIL or MISSING and its evidence.')
    parser.add_argument('--format', choices=('text', 'json'), default='text')
    args = parser.parse_args(argv)
    policy, ctx = _one_context(args, committed=True)
    facts = gather(ctx, policy)
    rows = readiness_rows(facts, policy)
    ready = all(r.status == 'PASS' for r in rows)
    shown = sorted((f for f in facts.findings if f.blocking or f.waived), key=Finding.sort_key)
    if args.format == 'json':
        print(json.dumps({'ready': ready, 'branch': facts.branch, 'commit': facts.commit,
                          'tree': facts.tree, 'checks': [r.to_json() for r in rows],
                          'findings': [f.to_json() for f in shown], 'notes': facts.notes},
                         indent=2))
        return 0 if ready else 1
    _notes(facts, 'readiness')
    print(f'hotfix readiness: {facts.branch or "(unknown branch)"} at {facts.short}')
    width = max(len(r.check) for r in rows)
    print(f'{"CHECK":<{width}}  {"RESULT":<7}  EVIDENCE')
    for r in rows:
        print(f'{r.check:<{width}}  {r.status:<7}  {r.evidence}')
    for f in shown:
        loc = f'{f.path}:{f.line}: ' if f.path and f.line else (f'{f.path}: ' if f.path else '')
        label = 'waived' if f.waived else f.severity
        print(f'  {loc}{label} [{f.rule}] {f.message}')
    bad = [r for r in rows if r.status != 'PASS']
    if bad:
        print(f'NOT READY: {len(bad)} of {len(rows)} checks are not PASS '
              f'({", ".join(r.check for r in bad)})')
        return 1
    print(f'READY: all {len(rows)} checks PASS on {facts.short}')
    return 0


# -- status ----------------------------------------------------------------------------
def _gate_status(r: Any, facts: Facts) -> str:
    if r is None:
        return f'unknown (not run on {facts.short})'
    return f'{r.status} ({str(r.commit)[:12]}, {r.finished_at})'


def status_values(facts: Facts, policy: Any) -> dict[str, str]:
    from hotfix_hooks.record import model as record_mod
    from hotfix_hooks.findings import summarize

    rec = facts.record
    diff = facts.diff_findings()
    waived = summarize(diff)['waived']
    frozen = 'FAIL' if any(f.blocking for f in diff) else 'PASS'
    if waived:
        frozen += f' ({waived} waived)'
    row = _regression_row(facts, policy)
    domain_results = {n.partition(':')[2]: r for n, r in facts.evidence.items()
                      if n.startswith('domain:') and r.status != 'skipped'}
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
    verdict = record_mod.decide(rec, facts.derived, policy)
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
                f'{a.role}: {a.name or "?"} ' + (f'approved {a.approved_at}' if a.given
                                                  else 'pending')
                for a in rec.approvals.values()),
        })
    return values


def status_main(argv: Sequence[str] | None = None) -> int:
    from hotfix_hooks.record import status
    parser = _parser('status', 'Print the hotfix status message (the protocol\'s '
                               'communication template) from the record and the evidence.')
    args = parser.parse_args(argv)
    policy, ctx = _one_context(args, committed=False)
    facts = gather(ctx, policy)
    _notes(facts, 'status')
    if facts.record is None and facts.ticket:
        print(f'hotfix-hooks status: note: {facts.record_absence()}; its fields are '
              'unknown', file=sys.stderr)
    template = policy.section('record').get('status_template') or ''
    sys.stdout.write(status.render(template, status_values(facts, policy)))
    return 0


# -- decide ----------------------------------------------------------------------------
def decide_main(argv: Sequence[str] | None = None) -> int:
    from hotfix_hooks.record import model as record_mod
    parser = _parser('decide', 'Rollback-first or patch-forward: evaluate the protocol\'s '
                               'four conditions (the data-integrity one also from the change).')
    parser.add_argument('--format', choices=('text', 'json'), default='text')
    args = parser.parse_args(argv)
    policy, ctx = _one_context(args, committed=False)
    facts = gather(ctx, policy)
    verdict = record_mod.decide(facts.record, facts.derived, policy)
    if args.format == 'json':
        data = verdict.to_json()
        data.update({'branch': facts.branch, 'record': facts.record_path,
                     'derived_data_integrity': facts.derived})
        print(json.dumps(data, indent=2))
        return 0 if verdict.matches else 1
    _notes(facts, 'decide')
    print(f'recommendation: {verdict.recommendation}')
    for r in verdict.reasons:
        mark = {True: '[x]', False: '[ ]', None: '[?]'}[r.value]
        print(f'  {mark} {r.text}')
    if facts.record is None:
        print(f'record decision: unknown ({facts.record_absence()})')
        return 1
    recorded = facts.record.decision or 'unknown'
    if verdict.matches:
        print(f'record decision: {recorded} (matches)')
        return 0
    if verdict.unknown:
        print(f'record decision: {recorded}; conditions unknown: {", ".join(verdict.unknown)}')
        return 1
    print(f'record decision: {recorded} (does NOT match: set decision = '
          f'"{verdict.recommendation}" in {facts.record.path}, or correct the conditions)')
    return 1
