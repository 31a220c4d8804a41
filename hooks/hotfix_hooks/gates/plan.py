"""What the pre-push gates will run: pure functions of the change set and the policy.

* ``select_domains`` says which impacted domains a change touches, and which file made each
  one run; changed files that match no domain are listed for the reviewer.
* ``rollback_command`` finds the rollback dry-run command: ``--rollback-dry-run``, else the
  hotfix record (``hotfixes/<ticket>.toml`` ``[rollback] dry_run``), else the policy.
* ``plan`` turns all of it into an ordered list of ``GateSpec`` (gates, then domains, then
  the rollback dry-run); ``reusable`` says which of them already passed on this tree.

Nothing here runs a process or git: ``hooks.gates`` does that.
"""
from __future__ import annotations

import dataclasses
import posixpath
import shlex
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.changeset import matches_any
from hotfix_hooks.changeset import Snapshot
from hotfix_hooks.errors import UsageError
from hotfix_hooks.findings import Finding
from hotfix_hooks.gates.evidence import accepts
from hotfix_hooks.gates.evidence import Expected
from hotfix_hooks.gates.evidence import GateResult
from hotfix_hooks.policy import Policy
from hotfix_hooks.policy.schema import DEFAULT_DOMAINS
from hotfix_hooks.policy.schema import DEFAULT_NEEDS
from hotfix_hooks.record.model import parse


@dataclasses.dataclass
class GateSpec:
    """One thing to run: a gate, a domain regression subset or the rollback dry-run."""

    name: str                                  # 'smoke', 'domain:pos', 'rollback'
    kind: str                                  # 'gate' | 'domain' | 'rollback'
    command: list[str]
    cwd: str = '.'
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    timeout: float = 900.0
    setup: list[list[str]] = dataclasses.field(default_factory=list)
    detail: str = ''                           # why it runs (which file, which source)
    not_run: str = ''                          # why it cannot run here (not configured)
    policy: str = ''                           # the policy file it comes from (monorepos)


@dataclasses.dataclass
class DomainSelection:
    selected: dict[str, list[str]]             # domain -> changed paths that matched, in order
    untouched: list[str]                       # enabled domains the change does not touch
    unmatched: list[str]                       # changed paths that match no domain

    def because(self, domain: str) -> str:
        paths = self.selected[domain]
        more = f' (+{len(paths) - 1} more)' if len(paths) > 1 else ''
        return f'{paths[0]}{more}'


def select_domains(changes: ChangeSet, domains: Mapping[str, Mapping[str, Any]]
                   ) -> DomainSelection:
    """Domains whose path globs match a changed file (its new or its old path)."""
    enabled = {name: d for name, d in domains.items() if d.get('enabled', True) and d['paths']}
    selected: dict[str, list[str]] = {}
    unmatched: list[str] = []
    for f in changes.files:
        candidates = [f.path] + ([f.old_path] if f.old_path and f.old_path != f.path else [])
        hit = False
        for name, dom in enabled.items():
            if any(matches_any(p, dom['paths']) for p in candidates):
                selected.setdefault(name, []).append(f.path)
                hit = True
        if not hit:
            unmatched.append(f.path)
    ordered = {name: selected[name] for name in enabled if name in selected}
    untouched = [name for name in enabled if name not in selected]
    return DomainSelection(selected=ordered, untouched=untouched, unmatched=unmatched)


def record_dry_run(text: str, path: str, policy: Policy
                   ) -> tuple[list[str] | None, Finding | None]:
    """``[rollback] dry_run`` of a hotfix record (its TOML text, parsed as the record check
    parses it): (command or None, problem)."""

    def problem(msg: str) -> Finding:
        return Finding(rule='gate-record-unreadable', category='gate', severity='warning',
                       path=path, message=f'cannot read the rollback dry-run from the hotfix '
                                          f'record: {msg}',
                       hint='fix the record ([rollback] dry_run = "<command>"); the policy\'s '
                            '[tool.hotfix-hooks.gate] rollback_dry_run is used meanwhile')
    rec, findings = parse(text, path, policy)
    if rec is None:
        return None, problem(findings[0].message if findings else 'unreadable')
    for f in findings:
        if f.extra.get('field') in ('rollback', 'rollback.dry_run') and \
                f.rule != 'record-field-missing':
            return None, problem(f.message)
    try:
        argv = shlex.split(rec.rollback_dry_run)
    except ValueError as e:
        return None, problem(f'cannot split dry_run {rec.rollback_dry_run!r}: {e}')
    return (argv or None), None


def rollback_command(cli: str | None, record: tuple[str, str | None] | None,
                     policy: Policy) -> tuple[list[str], str, list[Finding]]:
    """(command, where it came from, problems). An empty command means none is known.

    ``record`` is (record path, its text or None when the file does not exist).
    """

    problems: list[Finding] = []
    if cli:
        try:
            argv = shlex.split(cli)
        except ValueError as e:
            raise UsageError(f'--rollback-dry-run: cannot split {cli!r}: {e}') from None
        if argv:
            return argv, '--rollback-dry-run', problems
    if record is not None and record[1] is not None:
        argv_or_none, problem = record_dry_run(record[1], record[0], policy)
        if problem is not None:
            problems.append(problem)
        if argv_or_none:
            return argv_or_none, f'{record[0]} [rollback] dry_run', problems
    configured = policy.section('gate').get('rollback_dry_run') or []
    if configured:
        return list(configured), '[tool.hotfix-hooks.gate] rollback_dry_run', problems
    return [], '', problems


def _is_default(name: str, entry: Mapping[str, Any], policy: Policy) -> bool:
    """A gate or domain the policy takes from the defaults (the protocol's home service):
    the gates when the policy sets none; a default domain whose command it does not
    change."""
    if not name.startswith('domain:'):
        return policy.sources.get('gates', 'default') == 'default'
    default = DEFAULT_DOMAINS.get(name[len('domain:'):])
    return default is not None and all(entry.get(k) == default[k]
                                       for k in ('command', 'cwd', 'setup'))


def unconfigured(policy: Policy, tree: Snapshot) -> dict[str, str]:
    """Gates and domains (``domain:<name>``) of ``policy`` that cannot run on ``tree``, and
    why: a proposal of ``hotfix-hooks init`` nobody confirmed, or a default of the
    protocol's home service whose files this repository does not have."""
    out: dict[str, str] = {}
    entries: list[tuple[str, Mapping[str, Any]]] = [(g['name'], g) for g in policy['gates']]
    entries += [(f'domain:{n}', d) for n, d in policy['domains'].items()
                if d.get('enabled', True) and d['paths']]
    dirs: set[str] | None = None
    for name, entry in entries:
        if entry.get('proposed'):
            out[name] = ('a proposal of "hotfix-hooks init" that nobody confirmed (check its '
                         'command, then delete its "proposed = true" line)')
            continue
        if not _is_default(name, entry, policy):
            continue
        if dirs is None:
            dirs = {p.rsplit('/', i)[0] for p in tree.paths() for i in range(1, p.count('/') + 1)}
        missing = [n for n in DEFAULT_NEEDS.get(name, ()) if not tree.exists(n) and n not in dirs]
        if missing:
            out[name] = (f'the default of the ARIS3 protocol needs {", ".join(missing)}, which '
                         'this repository does not have')
    return out


def domains_configured(policy: Policy, tree: Snapshot, not_run: Mapping[str, str]) -> bool:
    """Whether the domain map of ``policy`` describes ``tree``: the policy sets domains of
    its own, or one of the default domains can run here and matches one of its files.
    Otherwise "no impacted domain" would be a pass only because the defaults (the ARIS3
    protocol's pos, transfers, stock, rbac) match nothing."""
    if policy.sources.get('domains', 'default') != 'default':
        return True
    domains = policy['domains']
    if any(not _is_default(f'domain:{n}', d, policy) for n, d in domains.items()
           if d.get('enabled', True) and d['paths']):
        return True
    usable = [d['paths'] for n, d in domains.items()
              if d.get('enabled', True) and d['paths'] and f'domain:{n}' not in not_run]
    return any(matches_any(p, globs) for globs in usable for p in tree.paths())


def part_specs(policy: Policy, selection: DomainSelection, folder: str = '',
               not_run: Mapping[str, str] | None = None, label: str = '') -> list[GateSpec]:
    """The gates and the touched domains of one governing policy. A folder policy's names
    are qualified (``server/smoke``) and its ``cwd`` is relative to its folder."""
    not_run = not_run or {}

    def where(cwd: str) -> str:
        return posixpath.normpath(posixpath.join(folder, cwd)) if folder else cwd

    def qualified(name: str) -> str:
        return f'{folder}/{name}' if folder else name

    specs: list[GateSpec] = []
    for g in policy['gates']:
        specs.append(GateSpec(name=qualified(g['name']), kind='gate', command=list(g['command']),
                              cwd=where(g['cwd']), env=dict(g['env']), timeout=g['timeout'],
                              setup=[list(s) for s in g['setup']],
                              not_run=not_run.get(g['name'], ''), policy=label))
    domains = policy['domains']
    for name in selection.selected:
        d = domains[name]
        because = selection.because(name)
        specs.append(GateSpec(name=qualified(f'domain:{name}'), kind='domain',
                              command=list(d['command']), cwd=where(d['cwd']),
                              env=dict(d['env']), timeout=d['timeout'],
                              setup=[list(s) for s in d['setup']],
                              detail=f'touched by {qualified(because) if folder else because}',
                              not_run=not_run.get(f'domain:{name}', ''), policy=label))
    return specs


def rollback_spec(policy: Policy, rollback: Sequence[str], rollback_source: str = ''
                  ) -> list[GateSpec]:
    """The rollback dry-run (one per push, whatever the folders)."""
    if not rollback:
        return []
    return [GateSpec(name='rollback', kind='rollback', command=list(rollback),
                     timeout=policy.section('gate')['rollback_timeout'],
                     detail=f'from {rollback_source}' if rollback_source else '')]


def plan(policy: Policy, selection: DomainSelection, rollback: Sequence[str],
         rollback_source: str = '') -> list[GateSpec]:
    """The ordered list of what runs: gates, touched domains, the rollback dry-run."""
    return part_specs(policy, selection) + rollback_spec(policy, rollback, rollback_source)


def expected(spec: GateSpec, tree: str, policy_digest: str) -> Expected:
    """What a result must show to prove ``spec`` on ``tree`` (``evidence.accepts``)."""
    return Expected(command=list(spec.command), setup=[list(s) for s in spec.setup],
                    cwd=spec.cwd, env=dict(spec.env), tree=tree, policy_digest=policy_digest)


def reusable(spec: GateSpec, evidence: Mapping[str, GateResult], tree: str,
             policy_digest: str) -> GateResult | None:
    """A passing result of exactly this gate (argv, setup, cwd, env) on the same tree under
    the same policy and hotfix-hooks version, if there is one."""
    prev = evidence.get(spec.name)
    if spec.not_run or prev is None or not prev.passed:
        return None
    return None if accepts(prev, expected(spec, tree, policy_digest)) else prev
