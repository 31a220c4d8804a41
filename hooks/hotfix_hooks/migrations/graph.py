"""The whole revision graph: heads, roots, unknown parents, duplicate ids, cycles and id
lengths. Given the base's graph too, only what the change introduced or made worse is
reported (a new second head, a new unknown parent, ...), never a standing condition of
files the change did not touch (``scan --all-violations`` lists those)."""
from __future__ import annotations

from collections import Counter
from collections import defaultdict
from typing import Any

from hotfix_hooks.migrations.catalog import fix_for
from hotfix_hooks.migrations.model import Migration
from hotfix_hooks.migrations.model import Raw

_HINT_HEADS = ('merge the heads (alembic merge heads / makemigrations --merge), or rebase '
               'the new migration onto the current head')


def _key(m: Migration) -> str:
    return m.framework if m.framework != 'sql' else 'sql:' + m.group


def whole_graph(migs: list[Migration], version_column_length: int,
                allow_branch_labels: bool, touched: frozenset[str] = frozenset(),
                base: list[Migration] | None = None) -> list[Raw]:
    """Heads, roots, parents, duplicates, cycles and id lengths of every graph. A finding
    about several migrations points at one the change ``touched`` when there is one.
    With ``base`` (the graph before the change), only findings the change introduced or
    made worse: a condition that the base already had, as many times, is left out."""
    found = _whole_graph(migs, version_column_length, allow_branch_labels, touched)
    if base is None:
        return found
    before = Counter(r.identity() for r in _whole_graph(base, version_column_length,
                                                         allow_branch_labels, frozenset()))
    out = []
    for r in found:
        if before[r.identity()] > 0:
            before[r.identity()] -= 1
        elif not _improved(r, before):
            out.append(r)
    return out


def _improved(r: Raw, before: Counter[tuple[Any, ...]]) -> bool:
    """Several heads (roots) in a group that had at least as many at the base."""
    if r.rule not in ('migration-multiple-heads', 'migration-multiple-roots') or not r.key:
        return False
    group, count = r.key[0], r.key[1]
    return any(k[0] == r.rule and k[1] and k[1][0] == group and k[1][1] >= count
               for k in before)


def _whole_graph(migs: list[Migration], version_column_length: int,
                 allow_branch_labels: bool, touched: frozenset[str]) -> list[Raw]:
    out: list[Raw] = []
    graph = [m for m in migs if m.framework in ('alembic', 'django') and m.revision]
    by_rev: dict[tuple[str, str], list[Migration]] = defaultdict(list)
    for m in graph:
        scope = 'alembic' if m.framework == 'alembic' else 'django:' + m.group
        by_rev[(scope, m.revision or '')].append(m)
    children: dict[tuple[str, str], list[Migration]] = defaultdict(list)
    for (scope, rev), ms in sorted(by_rev.items()):
        if len(ms) > 1:
            first = next((x for x in ms if x.path not in touched), ms[0])
            for dup in ms:
                if dup is first:
                    continue
                out.append(Raw('migration-duplicate-revision', dup.path, dup.revision_line,
                               f'revision {rev!r} is also declared in {first.path}',
                               'give one of the two migrations a new revision id (and fix '
                               'the down_revision of its children)', key=(scope, rev)))
        m = ms[0]
        for p in m.parents:
            if (scope, p) not in by_rev:
                out.append(Raw('migration-unknown-parent', m.path, m.parents_line,
                               f'{m.label} names parent {p!r}, which no migration declares',
                               'point down_revision/dependencies at an existing revision '
                               '(was a migration deleted or renamed?)',
                               key=(scope, m.revision, p)))
            else:
                children[(scope, p)].append(m)
        if m.framework == 'alembic' and m.revision and len(m.revision) > version_column_length:
            out.append(Raw('migration-revision-id-too-long', m.path, m.revision_line,
                           f'revision id {m.revision!r} has {len(m.revision)} characters; '
                           f'alembic_version.version_num holds {version_column_length}',
                           'use a shorter revision id, or widen version_num in production and '
                           'set [tool.hotfix-hooks.migrations] version_column_length',
                           key=(m.revision,)))
    out.extend(_cycles(by_rev))
    sql_versions: dict[tuple[str, str], list[Migration]] = defaultdict(list)
    for m in migs:
        if m.framework == 'sql' and m.revision and m.convention != 'plain':
            sql_versions[(m.group, m.revision)].append(m)
    for (_group, version), ms in sorted(sql_versions.items()):
        for dup in ms[1:]:
            out.append(Raw('migration-duplicate-revision', dup.path, 1,
                           f'version {version} is also used by {ms[0].path}',
                           'give one of the two migrations the next free version',
                           key=(_group, version)))
    groups: dict[str, list[Migration]] = defaultdict(list)
    for (scope, _rev), ms in by_rev.items():
        groups[scope + '|' + (ms[0].group if scope == 'alembic' else '')].append(ms[0])
    for gkey, ms in sorted(groups.items()):
        scope = gkey.split('|')[0]
        heads = [m for m in ms if not children.get((scope, m.revision or ''))
                 and not m.replaces]
        roots = [m for m in ms if not m.parents and not m.replaces]
        if scope == 'alembic' and len(roots) > 1 and not (allow_branch_labels and all(
                r.branch_labels for r in roots)):
            roots.sort(key=lambda r: (r.path in touched, r.path))
            out.append(Raw('migration-multiple-roots', roots[-1].path, roots[-1].parents_line,
                           f'{len(roots)} migrations have no parent: '
                           + ', '.join(r.label for r in roots),
                           'give every migration but the first a down_revision',
                           key=(gkey, len(roots))))
        if len(heads) > 1:
            if allow_branch_labels and scope == 'alembic':
                by_label: dict[tuple[str, ...], list[Migration]] = defaultdict(list)
                for h in heads:
                    by_label[_lineage_label(h, by_rev, scope)].append(h)
                heads = [h for hs in by_label.values() if len(hs) > 1 for h in hs]
                if len(heads) < 2:
                    continue
            heads.sort(key=lambda h: (h.path in touched, h.path))
            where = heads[-1]
            out.append(Raw('migration-multiple-heads', where.path, where.revision_line,
                           f'{len(heads)} heads in {where.group or scope}: '
                           + ', '.join(h.label for h in heads)
                           + ' (upgrade to "head" fails; one branch is never applied)',
                           fix_for('migration-multiple-heads', where.framework)
                           if where.framework == 'django' else _HINT_HEADS,
                           extra={'heads': [h.label for h in heads]},
                           key=(gkey, len(heads))))
    return out


def _lineage_label(m: Migration, by_rev: dict[tuple[str, str], list[Migration]],
                   scope: str) -> tuple[str, ...]:
    seen = set()
    cur: Migration | None = m
    while cur is not None and cur.revision not in seen:
        if cur.branch_labels:
            return cur.branch_labels
        seen.add(cur.revision)
        nxt = by_rev.get((scope, cur.parents[0])) if cur.parents else None
        cur = nxt[0] if nxt else None
    return ()


def _cycles(by_rev: dict[tuple[str, str], list[Migration]]) -> list[Raw]:
    out = []
    state: dict[tuple[str, str], int] = {}
    reported = set()
    for start in by_rev:
        if state.get(start):
            continue
        stack = [(start, iter(by_rev[start][0].parents))]
        path = [start]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            key = (node[0], nxt)
            if key not in by_rev:
                continue
            if state.get(key) == 1:
                cyc = path[path.index(key):]
                ident = frozenset(cyc)
                if ident not in reported:
                    reported.add(ident)
                    m = by_rev[key][0]
                    out.append(Raw('migration-revision-cycle', m.path, m.parents_line,
                                   'revision cycle: ' + ' -> '.join(k[1] for k in cyc + [key]),
                                   'fix down_revision so that the chain ends at a root',
                                   key=tuple(sorted(k[1] for k in cyc))))
                continue
            if not state.get(key):
                state[key] = 1
                path.append(key)
                stack.append((key, iter(by_rev[key][0].parents)))
    return out
