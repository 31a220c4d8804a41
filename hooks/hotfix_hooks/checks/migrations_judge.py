"""The migration rules' judgement of a change (``judge``), behind the thin
``checks/migrations.py`` entry that skips it when no changed file can be a migration.

File-level rules run on the migrations this change adds or modifies, and report what the
change introduces (a finding the base version of an edited migration already had is not
reported); the revision graph reports what the change introduced or made worse; the history
rules compare with the base of the change. ``check_unchanged`` / ``scan --all-violations``
list the standing conditions too.
On a hotfix branch irreversible / destructive / incompatible / history findings are errors,
locking and meta findings warnings; off hotfix branches everything is one level lower
(unless ``enforce_on = "all"``).
``[tool.hotfix-hooks.migrations] severity`` overrides any rule.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.changeset import DELETED
from hotfix_hooks.checks import naming
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.findings import Finding
from hotfix_hooks.findings import lower
from hotfix_hooks.migrations import discover
from hotfix_hooks.migrations import graph
from hotfix_hooks.migrations import history
from hotfix_hooks.migrations import model as m
from hotfix_hooks.migrations import releases
from hotfix_hooks.migrations import runcode
from hotfix_hooks.migrations import suppress
from hotfix_hooks.migrations.catalog import RULES
from hotfix_hooks.migrations.model import Raw
from hotfix_hooks.migrations.rules import check_migration
from hotfix_hooks.policy import Policy


def judge(changes: ChangeSet, policy: Policy, run: RunInfo) -> list[Finding]:
    cfg = policy.section('migrations')
    opts = discover.Options(cfg)
    new_paths = [f.path for f in changes.files if f.status != DELETED]
    old_paths = [f.old_path or f.path for f in changes.files]
    changed = set(new_paths)
    head_paths = discover.candidate_paths(changes.head, new_paths, opts)
    if not head_paths and not any(p.endswith(('.py', '.sql')) for p in old_paths):
        return []
    every = bool(cfg.get('check_unchanged') or run.options.get('all_violations'))
    # a changed migration that cannot be read as text is an error, and is not read further
    bad = discover.unreadable(changes.head, [p for p in head_paths if p in changed], opts)
    head_paths = [p for p in head_paths if p not in bad]
    head_all = discover.load(changes.head, head_paths, opts,
                             analyse=True if every else changed, cache=changes.cache,
                             changed=changed)
    analysed = [g for g in head_all if g.analysed]
    by_path = {a.path: a for a in analysed}
    rng = history.Range(changes, head_all, head_paths, opts)

    owners = _Owners(changes, head_paths, opts, by_path)
    code = runcode.RunningCode(changes.base, changes.head, cfg.get('model_paths') or ())
    added = {f.path for f in changes.files if f.status == 'added'}
    new_tables = {o.table for a in analysed if a.path in added for o in a.upgrade
                  if o.kind == m.CREATE_TABLE and o.table}
    young = _Young(changes, policy, head_all, owners)
    raws: list[Raw] = [Raw('migration-file-unreadable', p, None,
                           f'{p} cannot be read as text: {why}; nothing in it was checked',
                           RULES['migration-file-unreadable'].fix) for p, why in bad.items()]
    for mig in analysed:
        if mig.path in rng.never_runs and not every:
            continue                 # a squash: existing databases never run its operations
        found = check_migration(mig, new_tables, owners.find, opts.dialect, code, young.of(mig))
        before = rng.counterparts.get(mig.path)
        if before is not None and not every:
            rng.mark_standing(found, check_migration(before, new_tables, owners.find,
                                                     opts.dialect, code, young.of(before)))
        raws.extend(found)
    if every:
        raws.extend(graph.whole_graph(head_all, cfg['version_column_length'],
                                      cfg['allow_branch_labels'], frozenset(changed)))
    elif rng.mig_changes:
        found = graph.whole_graph(head_all, cfg['version_column_length'],
                                  cfg['allow_branch_labels'], frozenset(rng.touched),
                                  base=rng.base_migs)
        rng.relocate(found)
        raws.extend(found)
    raws.extend(rng.history())
    return _finish(raws, analysed, head_all, cfg, policy, run)


class _Young:
    """Tables created by a revision no release tag holds yet (``migrations/releases.py``):
    they cannot be large in production, so the locking rules leave them alone. Only a
    revision the change does not touch counts: the branch cannot make a table look young by
    renaming or rewriting the file that created it."""

    def __init__(self, changes: ChangeSet, policy: Policy, head_all: list[m.Migration],
                 owners: _Owners) -> None:
        self.releases = releases.Releases(changes.tags,
                                          lambda tag: naming.is_release_tag(tag, policy),
                                          head_all)
        self.owners = owners
        self.touched = frozenset(p for f in changes.files if f.status != 'added'
                                 for p in (f.path, f.old_path) if p)

    def of(self, mig: m.Migration) -> Callable[[str], bool]:
        def young(table: str) -> bool:
            own = self.owners.find('table', table, mig)
            return own is not None and self.releases.unreleased(own[0], self.touched)
        return young


class _Owners:
    """Who created a table/column: analyses the other migrations only when asked."""

    def __init__(self, changes: ChangeSet, paths: list[str], opts: discover.Options,
                 done: dict[str, m.Migration]) -> None:
        self.changes = changes
        self.paths = paths
        self.opts = opts
        self.done = done
        self.index: dict[tuple[str, str], list[tuple[m.Migration, dict[str, Any]]]] | None = None

    def _build(self) -> dict[tuple[str, str], list[tuple[m.Migration, dict[str, Any]]]]:
        rest = [p for p in self.paths if p not in self.done]
        migs = list(self.done.values()) + [
            g for g in discover.load(self.changes.head, rest, self.opts, cache=self.changes.cache)
            if g.path not in self.done]
        index: dict[tuple[str, str], list[tuple[m.Migration, dict[str, Any]]]] = {}
        for mig in sorted(migs, key=lambda x: x.path):
            for o in mig.upgrade:
                if o.kind == m.CREATE_TABLE and o.table:
                    index.setdefault(('table', o.table), []).append((mig, {}))
                    pk = [c for c, a in (o.attrs.get('columns') or {}).items()
                          if a.get('primary_key')]
                    index.setdefault(('pk', o.table), []).append((mig, {'columns': pk}))
                    for col, attrs in (o.attrs.get('columns') or {}).items():
                        index.setdefault(('column', f'{o.table}.{col}'), []).append((mig, attrs))
                    if o.attrs.get('m2m_of'):          # a Django ManyToManyField's table
                        index.setdefault(('column', o.attrs['m2m_of']), []).append(
                            (mig, {'m2m': True}))
                elif o.kind == m.ADD_COLUMN and o.table and o.column:
                    index.setdefault(('column', f'{o.table}.{o.column}'), []).append(
                        (mig, dict(o.attrs)))
                elif o.kind == m.ALTER_COLUMN and o.table and o.column:
                    index.setdefault(('alter', f'{o.table}.{o.column}'), []).append(
                        (mig, dict(o.attrs)))
                elif o.kind == m.CREATE_INDEX and o.name:
                    index.setdefault(('index', o.name), []).append((mig, dict(o.attrs)))
                elif o.kind == m.ADD_CONSTRAINT and o.name:
                    index.setdefault(('constraint', o.name), []).append((mig, dict(o.attrs)))
        return index

    def find(self, kind: str, name: str | None,
             mig: m.Migration) -> tuple[m.Migration, dict[str, Any]] | None:
        if name is None:
            return None
        if self.index is None:
            self.index = self._build()
        for owner, attrs in self.index.get((kind, name), []):
            if owner.path != mig.path:
                attrs = dict(attrs)
                for other, change in self.index.get(('alter', name), []):
                    if other.path == mig.path:
                        continue
                    if change.get('type'):
                        attrs['type'] = change['type']
                    if isinstance(change.get('nullable'), bool):
                        attrs['nullable'] = change['nullable']
                return owner, attrs
        return None


def _finish(raws: list[Raw], analysed: list[m.Migration], head_all: list[m.Migration],
            cfg: dict[str, Any], policy: Policy, run: RunInfo) -> list[Finding]:
    sups: dict[str, list[m.Suppression]] = {}
    for mig in head_all:
        for s in mig.suppressions:
            sups.setdefault(s.path, []).append(s)
    checked_files = {p for a in analysed for p in (a.path, a.downgrade_path) if p}
    overrides = {**(policy.get('severity') or {}), **(cfg.get('severity') or {})}
    disabled = set(policy.get('disable') or []) | set(cfg.get('disable') or [])
    findings: list[Finding] = []
    seen: set[tuple[str, str | None, int | None, str]] = set()

    def emit(raw: Raw, waiver: dict[str, object] | None = None) -> None:
        key = (raw.rule, raw.path, raw.line, raw.message)
        if key in seen or raw.rule in disabled:
            return
        seen.add(key)
        family, sev = RULES[raw.rule].family, raw.severity or RULES[raw.rule].severity
        if not run.enforced:
            sev = lower(sev)
        sev = overrides.get(raw.rule, sev)
        extra = {'family': family, **raw.extra}
        msg = raw.message
        if raw.conditional:
            extra['conditional'] = raw.conditional
            msg += f' [conditional: {raw.conditional}]'
        findings.append(Finding(rule=raw.rule, category='migrations', severity=sev,
                                message=msg, path=raw.path, line=raw.line, hint=raw.hint,
                                extra=extra, waived=waiver is not None, waiver=waiver))

    for raw in raws:
        if raw.rule in disabled:
            continue
        waiver = None
        spans = raw.spans or ([(raw.line, raw.line)] if raw.line else [])
        for s in sups.get(raw.path or '', []):
            if s.reason and suppress.matches(s, raw.rule, raw.path, spans):
                s.used = True
                waiver = {'reason': s.reason, 'line': s.line}
                break
        if not raw.standing:
            emit(raw, waiver)
    for path in sorted(checked_files):
        for s in sups.get(path, []):
            if not s.reason:
                emit(Raw('migration-suppression-reason-missing', path, s.line,
                         f'suppression of {", ".join(s.rules) or "nothing"} has no reason, so it '
                         'does not apply', RULES['migration-suppression-reason-missing'].fix,
                         spans=[(s.line, s.line)]))
            elif not s.used:
                unknown = [r for r in s.rules if r not in RULES]
                near = ''
                if unknown:
                    from hotfix_hooks import catalog  # only for a misspelt suppression

                    near = catalog.did_you_mean(unknown[0], RULES)
                emit(Raw('migration-suppression-unused', path, s.line,
                         f'suppression of {", ".join(s.rules) or "nothing"} matches no finding'
                         + (f' (unknown rule: {", ".join(unknown)}{near})' if unknown else ''),
                         RULES['migration-suppression-unused'].fix, spans=[(s.line, s.line)]))
    findings.sort(key=Finding.sort_key)
    return findings
