"""The migration safety guard: ``check(changes, policy, run)``.

File-level rules run on the migrations this change adds or modifies; the revision graph
is checked whole on the head every time, and the history against the base of the change.
On a hotfix branch irreversible / destructive / incompatible / history findings are errors,
locking and meta findings warnings; off hotfix branches everything is one level lower
(unless ``enforce_on = "all"``).
``[tool.hotfix-hooks.migrations] severity`` overrides any rule.
"""
from __future__ import annotations

from typing import Any

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.changeset import DELETED
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.findings import Finding
from hotfix_hooks.findings import lower
from hotfix_hooks.migrations import discover
from hotfix_hooks.migrations import graph
from hotfix_hooks.migrations import model as m
from hotfix_hooks.migrations import suppress
from hotfix_hooks.migrations.catalog import RULES
from hotfix_hooks.migrations.model import Raw
from hotfix_hooks.migrations.rules import check_migration
from hotfix_hooks.policy import Policy


def check(changes: ChangeSet, policy: Policy, run: RunInfo) -> list[Finding]:
    cfg = policy.section('migrations')
    opts = discover.Options(cfg)
    new_paths = [f.path for f in changes.files if f.status != DELETED]
    old_paths = [f.old_path or f.path for f in changes.files]
    changed = set(new_paths)
    head_paths = discover.candidate_paths(changes.head, new_paths, opts)
    if not head_paths and not any(p.endswith(('.py', '.sql')) for p in old_paths):
        return []
    analyse_all = bool(cfg.get('check_unchanged') or run.options.get('all_violations'))
    # a changed migration that cannot be read as text is an error, and is not read further
    bad = discover.unreadable(changes.head, [p for p in head_paths if p in changed], opts)
    head_paths = [p for p in head_paths if p not in bad]
    head_all = discover.load(changes.head, head_paths, opts,
                             analyse=True if analyse_all else changed)
    analysed = [g for g in head_all if g.analysed]
    by_path = {a.path: a for a in analysed}

    owners = _Owners(changes, head_paths, opts, by_path)
    added = {f.path for f in changes.files if f.status == 'added'}
    new_tables = {o.table for a in analysed if a.path in added for o in a.upgrade
                  if o.kind == m.CREATE_TABLE and o.table}
    raws: list[Raw] = [Raw('migration-file-unreadable', p, None,
                           f'{p} cannot be read as text: {why}; nothing in it was checked',
                           RULES['migration-file-unreadable'].fix) for p, why in bad.items()]
    for mig in analysed:
        raws.extend(check_migration(mig, new_tables, owners.find, opts.dialect))
    raws.extend(graph.whole_graph(head_all, cfg['version_column_length'],
                                  cfg['allow_branch_labels'], frozenset(changed)))
    mig_changes = [f for f in changes.files
                   if f.path in head_paths or (f.old_path or f.path).endswith(('.py', '.sql'))]
    if mig_changes:
        # unchanged files are identical on both sides: reuse their head facts
        touched = {f.old_path or f.path for f in changes.files}
        base_paths = discover.candidate_paths(changes.base, old_paths, opts)
        reread = [p for p in base_paths if p in touched]
        base_migs = [g for g in head_all if g.path not in touched
                     and (g.downgrade_path or '') not in touched and changes.base.exists(g.path)]
        base_migs += discover.load(changes.base, _with_pairs(reread, base_paths), opts,
                                   analyse=False)
        shipped = {p for g in base_migs for p in (g.path, g.downgrade_path) if p}
        if base_migs:
            triples = [(f.status, f.old_path or f.path, None if f.status == DELETED else f.path)
                       for f in mig_changes if (f.old_path or f.path) in shipped]
            base_text = {t[1]: discover.lenient_text(changes.base.read(t[1])) for t in triples}
            head_text = {t[2]: discover.lenient_text(changes.head.read(t[2]))
                         for t in triples if t[2]}
            raws.extend(graph.against_base(base_migs, head_all, triples, base_text, head_text))
    return _finish(raws, analysed, head_all, cfg, policy, run)


def _with_pairs(paths: list[str], universe: list[str]) -> list[str]:
    """``paths`` plus the other half of golang-migrate / Flyway pairs (same version)."""
    out = set(paths)
    for p in paths:
        if p.endswith('.sql'):
            stem = p.rsplit('/', 1)[-1].split('_', 1)[0].lstrip('VU')
            d = p.rsplit('/', 1)[0] if '/' in p else ''
            out.update(q for q in universe if q.startswith(d) and
                       q.rsplit('/', 1)[-1].split('_', 1)[0].lstrip('VU') == stem)
    return sorted(out)


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
            g for g in discover.load(self.changes.head, rest, self.opts) if g.path not in self.done]
        index: dict[tuple[str, str], list[tuple[m.Migration, dict[str, Any]]]] = {}
        for mig in sorted(migs, key=lambda x: x.path):
            for o in mig.upgrade:
                if o.kind == m.CREATE_TABLE and o.table:
                    index.setdefault(('table', o.table), []).append((mig, {}))
                    for col, attrs in (o.attrs.get('columns') or {}).items():
                        index.setdefault(('column', f'{o.table}.{col}'), []).append((mig, attrs))
                elif o.kind == m.ADD_COLUMN and o.table and o.column:
                    index.setdefault(('column', f'{o.table}.{o.column}'), []).append(
                        (mig, dict(o.attrs)))
                elif o.kind == m.ALTER_COLUMN and o.table and o.column:
                    index.setdefault(('alter', f'{o.table}.{o.column}'), []).append(
                        (mig, dict(o.attrs)))
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
        family, sev = RULES[raw.rule].family, RULES[raw.rule].severity
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
