"""History rules: the whole revision graph of the head (every run), and what changed
against the base of the change (edited / deleted shipped migrations, revisions inserted
below the production head)."""
from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterable

from hotfix_hooks.migrations.model import Migration
from hotfix_hooks.migrations.model import Raw

_HINT_HEADS = ('merge the heads (alembic merge heads / makemigrations --merge), or rebase '
               'the new migration onto the current head')


def _key(m: Migration) -> str:
    return m.framework if m.framework != 'sql' else 'sql:' + m.group


def whole_graph(migs: list[Migration], version_column_length: int,
                allow_branch_labels: bool, touched: frozenset[str] = frozenset()) -> list[Raw]:
    """Heads, roots, parents, duplicates, cycles and id lengths of every graph. A finding
    about several migrations points at one the change ``touched`` when there is one."""
    out: list[Raw] = []
    graph = [m for m in migs if m.framework in ('alembic', 'django') and m.revision]
    by_rev: dict[tuple[str, str], list[Migration]] = defaultdict(list)
    for m in graph:
        scope = 'alembic' if m.framework == 'alembic' else 'django:' + m.group
        by_rev[(scope, m.revision or '')].append(m)
    children: dict[tuple[str, str], list[Migration]] = defaultdict(list)
    for (scope, rev), ms in sorted(by_rev.items()):
        if len(ms) > 1:
            for dup in ms[1:]:
                out.append(Raw('migration-duplicate-revision', dup.path, dup.revision_line,
                               f'revision {rev!r} is also declared in {ms[0].path}',
                               'give one of the two migrations a new revision id (and fix '
                               'the down_revision of its children)'))
        m = ms[0]
        for p in m.parents:
            if (scope, p) not in by_rev:
                out.append(Raw('migration-unknown-parent', m.path, m.parents_line,
                               f'{m.label} names parent {p!r}, which no migration declares',
                               'point down_revision/dependencies at an existing revision '
                               '(was a migration deleted or renamed?)'))
            else:
                children[(scope, p)].append(m)
        if m.framework == 'alembic' and m.revision and len(m.revision) > version_column_length:
            out.append(Raw('migration-revision-id-too-long', m.path, m.revision_line,
                           f'revision id {m.revision!r} has {len(m.revision)} characters; '
                           f'alembic_version.version_num holds {version_column_length}',
                           'use a shorter revision id, or widen version_num in production and '
                           'set [tool.hotfix-hooks.migrations] version_column_length'))
    out.extend(_cycles(by_rev))
    sql_versions: dict[tuple[str, str], list[Migration]] = defaultdict(list)
    for m in migs:
        if m.framework == 'sql' and m.revision and m.convention != 'plain':
            sql_versions[(m.group, m.revision)].append(m)
    for (_group, version), ms in sorted(sql_versions.items()):
        for dup in ms[1:]:
            out.append(Raw('migration-duplicate-revision', dup.path, 1,
                           f'version {version} is also used by {ms[0].path}',
                           'give one of the two migrations the next free version'))
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
            out.append(Raw('migration-multiple-roots', roots[1].path, roots[1].parents_line,
                           f'{len(roots)} migrations have no parent: '
                           + ', '.join(r.label for r in roots),
                           'give every migration but the first a down_revision'))
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
                           _HINT_HEADS, extra={'heads': [h.label for h in heads]}))
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
                                   'fix down_revision so that the chain ends at a root'))
                continue
            if not state.get(key):
                state[key] = 1
                path.append(key)
                stack.append((key, iter(by_rev[key][0].parents)))
    return out


# -- against the base ---------------------------------------------------------------
def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return tree


def python_changes(old: str, new: str) -> list[str] | None:
    """What changed in behaviour between two versions of a Python migration: [] when only
    docstrings/comments/formatting changed, None when either side does not parse."""
    try:
        a = _strip_docstrings(ast.parse(old))
        b = _strip_docstrings(ast.parse(new))
    except SyntaxError:
        return None
    if ast.dump(a) == ast.dump(b):
        return []
    parts_a, parts_b = _parts(a), _parts(b)
    changed = [k for k in sorted(set(parts_a) | set(parts_b)) if parts_a.get(k) != parts_b.get(k)]
    return changed or ['module']


def _parts(tree: ast.AST) -> dict[str, str]:
    out: dict[str, str] = {}
    rest = []
    for node in getattr(tree, 'body', []):
        if isinstance(node, ast.FunctionDef) and node.name in ('upgrade', 'downgrade'):
            out[f'{node.name}()'] = ast.dump(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and any(
                isinstance(t, ast.Name) and t.id in ('revision', 'down_revision')
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target])):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            name = next(t.id for t in targets if isinstance(t, ast.Name)
                        and t.id in ('revision', 'down_revision'))
            out[name] = ast.dump(node.value) if node.value is not None else ''
        elif isinstance(node, ast.ClassDef) and node.name == 'Migration':
            for sub in node.body:
                if isinstance(sub, ast.Assign) and isinstance(sub.targets[0], ast.Name):
                    out[sub.targets[0].id] = ast.dump(sub.value)
                else:
                    rest.append(ast.dump(sub))
        elif not isinstance(node, (ast.Import, ast.ImportFrom)):
            rest.append(ast.dump(node))
    out['module-level code'] = '\n'.join(rest)
    return out


def normalise_sql(text: str) -> str:
    text = re.sub(r'--[^\n]*|/\*.*?\*/', ' ', text, flags=re.S)
    return ' '.join(text.split()).rstrip(';').strip()


def against_base(base_migs: list[Migration], head_migs: list[Migration],
                 changed: Iterable[tuple[str, str, str | None]],
                 base_text: dict[str, str | None], head_text: dict[str, str | None]) -> list[Raw]:
    """``changed``: (status, old_path, new_path) of the change set's files."""
    out: list[Raw] = []
    base_by_path = {m.path: m for m in base_migs}
    base_down = {m.downgrade_path: m for m in base_migs if m.downgrade_path}
    head_by_path = {m.path: m for m in head_migs}
    for status, old_path, new_path in changed:
        mig = base_by_path.get(old_path) or base_down.get(old_path)
        if mig is None:
            continue
        what = 'down migration ' if old_path in base_down else ''
        if status == 'deleted' or new_path is None:
            out.append(Raw('migration-history-edited', old_path, None,
                           f'shipped {what}migration {mig.label} was deleted: databases that '
                           'applied it no longer match the history',
                           'restore the file; undo its effect with a new migration instead',
                           extra={'change': 'deleted'}))
            continue
        old, new = base_text.get(old_path), head_text.get(new_path)
        if old is None or new is None:
            continue
        if old_path.endswith('.py'):
            diff = python_changes(old, new)
            if diff is None:
                continue
            if new_path != old_path and mig.framework == 'django':
                diff = ['name (file renamed)', *diff]
        else:
            diff = [] if normalise_sql(old) == normalise_sql(new) else ['SQL']
            if new_path != old_path:
                hm = head_by_path.get(new_path)
                if hm is None or hm.revision != mig.revision:
                    diff.append('version (file renamed)')
        if not diff:
            continue
        hm = head_by_path.get(new_path)
        line = None
        if hm is not None:
            if 'revision' in diff:
                line = hm.revision_line
            elif 'down_revision' in diff or 'dependencies' in diff:
                line = hm.parents_line
            elif 'upgrade()' in diff or 'operations' in diff:
                line = hm.upgrade_line
            elif 'downgrade()' in diff:
                line = hm.downgrade_line
        out.append(Raw('migration-history-edited', new_path, line,
                       f'shipped {what}migration {mig.label} was edited ({", ".join(diff)} '
                       'changed): databases that already applied it will never run the new '
                       'version', 'revert the edit and put the change in a new migration',
                       extra={'change': diff}))
    out.extend(_inserted_below(base_migs, head_migs))
    return out


def _inserted_below(base_migs: list[Migration], head_migs: list[Migration]) -> list[Raw]:
    out: list[Raw] = []
    graph_kinds = ('alembic', 'django')
    base_revs: dict[str, set[str]] = defaultdict(set)
    base_parents: dict[str, set[str]] = defaultdict(set)
    for m in base_migs:
        if m.framework in graph_kinds and m.revision:
            scope = 'alembic' if m.framework == 'alembic' else 'django:' + m.group
            base_revs[scope].add(m.revision)
            base_parents[scope].update(m.parents)
    sql_max: dict[str, tuple[int, ...]] = {}
    sql_base: dict[str, set[str]] = defaultdict(set)
    for m in base_migs:
        if m.framework == 'sql' and m.revision:
            sql_base[m.group].add(m.revision)
            v = _vkey(m.revision)
            if v is not None and (m.group not in sql_max or v > sql_max[m.group]):
                sql_max[m.group] = v
    for m in head_migs:
        if not m.revision:
            continue
        if m.framework in graph_kinds:
            scope = 'alembic' if m.framework == 'alembic' else 'django:' + m.group
            revs = base_revs.get(scope)
            if not revs or m.revision in revs:
                continue
            heads = revs - base_parents[scope]
            below = [p for p in m.parents if p in revs and p not in heads]
            if below:
                out.append(Raw('migration-inserted-below-head', m.path, m.parents_line,
                               f'new migration {m.label} follows {", ".join(below)}, which is '
                               f'not the head of the base ({", ".join(sorted(heads))}): '
                               'databases at the head skip it',
                               'set its down_revision/dependencies to the current head '
                               f'({", ".join(sorted(heads))})',
                               extra={'base_heads': sorted(heads)}))
        elif m.framework == 'sql' and m.group in sql_max and m.revision not in sql_base[m.group]:
            v = _vkey(m.revision)
            if v is not None and v < sql_max[m.group]:
                top = '.'.join(str(x) for x in sql_max[m.group])
                out.append(Raw('migration-inserted-below-head', m.path, 1,
                               f'new migration version {m.revision} is lower than the latest '
                               f'shipped version {top}: databases already at {top} never run it',
                               'renumber it above the latest shipped version'))
    return out


def _vkey(v: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(x) for x in re.split(r'[._]', v))
    except ValueError:
        return None
