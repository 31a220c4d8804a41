"""Find and parse the migrations of one side of the change (no configuration needed).

* Alembic: a ``.py`` file with ``revision``/``down_revision`` and ``def upgrade``.
* Django: ``class Migration(migrations.Migration)`` in a ``migrations/`` package.
* SQL: golang-migrate (``<v>_name.up.sql``/``.down.sql``), dbmate (``-- migrate:up`` /
  ``-- migrate:down``), Flyway (``V<v>__name.sql`` / ``U<v>__name.sql``), and plain ``.sql``
  files under a migrations folder.

Candidate files are the ones under a migrations-like folder (or the policy's
``folders``), plus any changed ``.py``/``.sql`` file; their content decides.
"""
from __future__ import annotations

import ast
import copy
import functools
import posixpath
import re
from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Iterable
from typing import Any
from typing import TYPE_CHECKING

from hotfix_hooks.changeset import decode_text
from hotfix_hooks.changeset import is_binary
from hotfix_hooks.changeset import matches_any
from hotfix_hooks.changeset import Snapshot
from hotfix_hooks.migrations import candidates
from hotfix_hooks.migrations import model as m
from hotfix_hooks.migrations import summary
from hotfix_hooks.migrations import suppress

if TYPE_CHECKING:
    from hotfix_hooks.cache import Cache

_DBMATE_UP = re.compile(r'^--\s*migrate:up\b(?P<opts>[^\n]*)$', re.M)
_DBMATE_DOWN = re.compile(r'^--\s*migrate:down\b[^\n]*$', re.M)
_LEADING_VERSION = re.compile(r'^(\d+)')


class Options:
    def __init__(self, cfg: dict[str, Any]) -> None:
        self.folders: list[str] = list(cfg.get('folders') or [])
        self.exclude: list[str] = list(cfg.get('exclude') or [])
        self.dialect: str = cfg.get('dialect') or 'postgresql'
        self.volatile: tuple[str, ...] = tuple(cfg.get('volatile_functions')
                                               or m.DEFAULT_VOLATILE)
        self.max_bytes = int(cfg.get('max_file_bytes') or 0)


def candidate_paths(snap: Snapshot, changed: Iterable[str], opts: Options) -> list[str]:
    out = set()
    folders = [f.rstrip('/') for f in opts.folders]
    extra = tuple(d + '/' for d in ([] if folders else _alembic_ini_dirs(snap)))
    for p in snap.paths():
        if p.endswith('.py'):
            sql = False
        elif p.endswith('.sql'):
            sql = True
        else:
            continue
        if folders:
            if any(p.startswith(f + '/') or matches_any(posixpath.dirname(p), [f])
                   for f in folders):
                out.add(p)
        elif candidates.in_migration_dir(p) or (sql and candidates.sql_convention(p)) or \
                (extra and p.startswith(extra)):
            out.add(p)
    if not folders:
        out.update(p for p in changed if p.endswith(('.py', '.sql')) and snap.exists(p))
    if opts.exclude:
        out = {p for p in out if not matches_any(p, opts.exclude)}
    return sorted(out)


def _alembic_ini_dirs(snap: Snapshot) -> list[str]:
    """``script_location`` and ``version_locations`` of a root ``alembic.ini``."""
    if not snap.exists('alembic.ini'):
        return []
    text = snap.text('alembic.ini') or ''
    dirs = []
    for key, value in re.findall(r'(?m)^\s*(script_location|version_locations)\s*=\s*(.+)$',
                                 text):
        for item in re.split(r'[\s,;:]+' if key == 'version_locations' else r'\n', value):
            item = item.strip().replace('%(here)s/', '').replace('%(here)s', '').strip('/')
            if item and ':' not in item:
                dirs.append(item if key == 'version_locations' else item + '/versions')
    return dirs


def unreadable(snap: Snapshot, paths: Iterable[str], opts: Options) -> dict[str, str]:
    """The migrations among ``paths`` that cannot be read as text, and why: a NUL byte
    anywhere (git and this guard call the file binary, psql and sqlite3 run it anyway), or
    more than ``max_file_bytes``. They are errors, never skipped quietly."""
    out = {}
    for path in paths:
        data = snap.read(path)
        if data is None or not candidates.migration_like(path, data, opts.folders):
            continue
        if opts.max_bytes and len(data) > opts.max_bytes:
            out[path] = (f'it is {len(data):,} bytes, over the limit of {opts.max_bytes:,} '
                         '([tool.hotfix-hooks.migrations] max_file_bytes)')
        elif b'\0' in data:
            out[path] = ('it holds a NUL byte, so it is not read as text (psql and sqlite3 '
                         'run it all the same)')
    return out


def load(snap: Snapshot, paths: Iterable[str], opts: Options,
         analyse: bool | Collection[str] = True, cache: Cache | None = None,
         changed: Collection[str] = ()) -> list[m.Migration]:
    """Parse every migration among ``paths``. ``analyse`` says which ones get the full
    analysis (True: all, or the set of paths); the others only have their graph facts
    (revision, parents), which is all the history rules need.

    With ``cache`` (the change set's analysis cache), what one file gives is kept per blob
    id, path and options (``summary.cached_file``): an unchanged migration is read and
    parsed once, not on every run. The Python files not in ``changed`` (the ones the change
    does not touch: the same on every run over this base) are also kept as one entry."""
    want: Callable[[str], bool] = (lambda p: analyse) if isinstance(analyse, bool) \
        else (lambda p: p in analyse)
    paths = list(paths)
    py = [p for p in paths if p.endswith('.py')]

    def item(path: str) -> summary.Item:
        deep = want(path)
        return (snap.blob_id(path) if cache else None,
                {'path': path, 'analyse': deep, 'dialect': opts.dialect,
                 'volatile': opts.volatile},
                functools.partial(_python, snap, path, opts, deep))

    # the many files the change does not touch: one cache entry for the whole set
    stable = [p for p in py if p not in changed]
    found = dict(zip(stable, summary.cached_files(cache, 'migrations.python',
                                                  [item(p) for p in stable])))
    migrations: list[m.Migration] = []
    for path in py:
        mig = found[path] if path in found else \
            summary.cached_file(cache, 'migrations.python', *item(path))
        if mig is not None:
            migrations.append(mig)
    migrations.extend(_sql_files(snap, [p for p in paths if p.endswith('.sql')], opts, want,
                                 cache))
    return migrations


def lenient_text(data: bytes | None) -> str | None:
    """A migration's text; one that is not UTF-8 (a latin-1 comment or literal) is read
    with replacement characters rather than skipped, so its statements are still checked.
    ``None`` only for absent or binary content."""
    if data is None:
        return None
    text = decode_text(data)
    if text is None and not is_binary(data):
        text = data.decode('utf-8', 'replace')
    return text


def _python(snap: Snapshot, path: str, opts: Options, analyse: bool) -> m.Migration | None:
    data = snap.read(path)
    if data is None:
        return None
    is_alembic, is_django = candidates.python_kinds(data)
    if not (is_alembic or is_django) or posixpath.basename(path) in ('env.py', '__init__.py'):
        return None
    text = lenient_text(data)
    if text is None:
        return None
    if not analyse:
        quick = _graph_facts(path, text, is_alembic, is_django)
        if quick is not None:
            return quick
    try:
        tree = ast.parse(text, filename=path)
    except (RecursionError, MemoryError, ValueError) as e:
        mig = m.Migration(path=path, framework='alembic' if is_alembic else 'django')
        mig.unreadable = f'Python cannot parse it ({type(e).__name__}: nested too deeply?)'
        mig.analysed = analyse
        return mig
    except SyntaxError as e:
        # a file that does not parse is a migration only if it reads like one (domain
        # code under a folder named like "merchant_migration/" is not)
        alembic_like = is_alembic and re.search(r'^revision\b', text, re.M) and \
            re.search(r'^down_revision\b', text, re.M)
        if not (alembic_like or (is_django and _DJANGO_CLASS.search(text))):
            return None
        mig = m.Migration(path=path, framework='alembic' if alembic_like else 'django')
        mig.parse_error = (e.lineno or 1, f'Python syntax error: {e.msg}')
        mig.analysed = analyse
        mig.suppressions = suppress.scan(path, text)
        return mig
    from hotfix_hooks.migrations.values import Budget

    try:
        return _python_tree(snap, path, opts, analyse, text, tree, is_alembic, is_django)
    except (Budget, MemoryError) as e:
        mig = m.Migration(path=path, framework='alembic' if is_alembic else 'django')
        mig.unreadable = str(e) or 'it does not fit in memory'
        mig.analysed = analyse
        return mig
    except (RecursionError, ValueError, TypeError, AttributeError, KeyError, IndexError) as e:
        mig = m.Migration(path=path, framework='alembic' if is_alembic else 'django')
        mig.parse_error = (1, f'the analyser could not follow this file ({type(e).__name__})')
        mig.analysed = analyse
        return mig


_FACT_RX = re.compile(r'^(revision|down_revision|branch_labels)\s*(?::[^=\n]*)?=\s*(.+)$', re.M)
_DJANGO_CLASS = re.compile(r'^class Migration\(\s*(?:migrations\.)?Migration\s*\)\s*:', re.M)
_DJANGO_DEPS = re.compile(r'^\s+dependencies\s*(?::[^=\n]*)?=\s*', re.M)


def _literal_at(text: str, start: int) -> tuple[Any, int] | None:
    """The Python literal starting at ``start`` (one line, or a bracketed block)."""
    end = text.find('\n', start)
    end = len(text) if end == -1 else end
    chunk = text[start:end].split('#', 1)[0].strip()
    if chunk[:1] in '([{' and chunk.count(chunk[0]) > chunk.count(')]}'['([{'.index(chunk[0])]):
        depth, i = 0, start
        while i < len(text):
            c = text[i]
            if c in '([{':
                depth += 1
            elif c in ')]}':
                depth -= 1
                if depth == 0:
                    chunk = text[start:i + 1]
                    break
            elif c == '#':
                i = text.find('\n', i)
                if i == -1:
                    return None
                continue
            i += 1
        else:
            return None
    try:
        return ast.literal_eval(chunk), text[:start].count('\n') + 1
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def _graph_facts(path: str, text: str, is_alembic: bool, is_django: bool) -> m.Migration | None:
    """Revision and parents without a full parse (for the many unchanged files); None
    when the file is not simple enough, and the caller parses it properly."""
    if is_alembic:
        found: dict[str, tuple[Any, int]] = {}
        for mt in _FACT_RX.finditer(text):
            lit = _literal_at(text, mt.start(2))
            if lit is None:
                return None
            found.setdefault(mt.group(1), lit)
        if 'revision' in found and 'down_revision' in found and \
                re.search(r'^def upgrade\b', text, re.M):
            mig = _alembic(path, ast.Module(body=[], type_ignores=[]), found, Options({}), False)
            mig.suppressions = suppress.scan(path, text)
            return mig
    cls_match = _DJANGO_CLASS.search(text) if is_django else None
    if cls_match is not None and not re.search(r'^\s+replaces\s*=', text, re.M):
        deps = _DJANGO_DEPS.search(text)
        parents: list[str] = []
        line = None
        if deps is not None:
            lit = _literal_at(text, deps.end())
            if lit is None or not isinstance(lit[0], (list, tuple)):
                return None
            line = lit[1]
            app = m.app_label(path)
            for d in lit[0]:
                if not (isinstance(d, (tuple, list)) and len(d) == 2):
                    return None
                if d[0] == app and isinstance(d[1], str):
                    parents.append(d[1])
        mig = m.Migration(path=path, framework='django',
                          revision=posixpath.splitext(posixpath.basename(path))[0],
                          group=m.app_label(path), parents=tuple(parents),
                          parents_line=line, downgrade=[],
                          revision_line=text[:cls_match.start()].count('\n') + 1)
        mig.suppressions = suppress.scan(path, text)
        return mig
    return None


def _python_tree(snap: Snapshot, path: str, opts: Options, analyse: bool, text: str,
                 tree: ast.Module, is_alembic: bool, is_django: bool) -> m.Migration | None:
    from hotfix_hooks.migrations import django
    from hotfix_hooks.migrations import pyfront

    if is_alembic:
        facts = pyfront.module_facts(tree)
        if 'revision' in facts and 'down_revision' in facts:
            # the tree decides (``_dispatches``); the text only rules it out: ``globals ()``
            # is a call too, and the name may be spelt with letters Python normalises (NFKC)
            mig = _alembic(path, tree, facts, opts, analyse,
                           'globals' in text or not text.isascii())
            mig.suppressions = suppress.scan(path, text)
            return mig
    if is_django:
        cls = django.is_django(tree)
        if cls is not None:
            mig = django.parse(path, tree, cls, opts.dialect, opts.volatile) if analyse else \
                _django_graph_only(path, tree, cls)
            mig.suppressions = suppress.scan(path, text)
            return mig
    return None


def _django_graph_only(path: str, tree: ast.Module, cls: ast.ClassDef) -> m.Migration:
    from hotfix_hooks.migrations import django

    keep = ('dependencies', 'replaces', 'atomic')
    skeleton = copy.copy(cls)
    skeleton.body = [n for n in cls.body if isinstance(n, (ast.Assign, ast.AnnAssign)) and any(
        isinstance(t, ast.Name) and t.id in keep
        for t in (n.targets if isinstance(n, ast.Assign) else [n.target]))]
    mig = django.parse(path, tree, skeleton, 'postgresql', ())
    mig.analysed = False
    return mig


def _alembic(path: str, tree: ast.Module, facts: dict[str, tuple[Any, int]], opts: Options,
             analyse: bool, dynamic: bool = False) -> m.Migration:
    rev, rev_line = facts['revision']
    down, down_line = facts['down_revision']
    if isinstance(down, str):
        parents: tuple[str, ...] = (down,)
    elif isinstance(down, (tuple, list)):
        parents = tuple(str(d) for d in down)
    else:
        parents = ()
    labels = facts.get('branch_labels', (None, 0))[0]
    if isinstance(labels, str):
        labels = (labels,)
    mig = m.Migration(
        path=path, framework='alembic', revision=str(rev) if rev is not None else None,
        parents=parents, group=posixpath.dirname(path), revision_line=rev_line,
        parents_line=down_line,
        branch_labels=tuple(labels) if isinstance(labels, (tuple, list)) else ())
    if down is m.UNKNOWN:
        mig.parents = ('<not a literal>',)
    if not analyse:
        return mig
    from hotfix_hooks.migrations import pyfront

    mig.analysed = True
    mod = pyfront.Module(path, tree, opts.dialect, opts.volatile)
    up = mod.funcs.get('upgrade')
    if up is not None:
        mig.upgrade_line = up.lineno
        pyfront.Walker(mod, mig.upgrade).run(up)
        if dynamic and _dispatches(up):      # multidb template: globals()[f"upgrade_{engine}"]()
            for name, fn in mod.funcs.items():
                if name.startswith('upgrade_'):
                    pyfront.Walker(mod, mig.upgrade).run(fn)
    mig.has_work = any(not o.inert for o in mig.upgrade)
    down_fn = mod.funcs.get('downgrade')
    if down_fn is None:
        mig.downgrade = None
        mig.downgrade_state = 'missing'
        return mig
    mig.downgrade_line = down_fn.lineno
    mig.downgrade = []
    walker = pyfront.Walker(mod, mig.downgrade)
    walker.run(down_fn)
    body = [s for s in down_fn.body
            if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if dynamic and _dispatches(down_fn):
        for name, fn in mod.funcs.items():
            if name.startswith('downgrade_'):
                walker.run(fn)
                body += [s for s in fn.body if not (isinstance(s, ast.Expr)
                                                     and isinstance(s.value, ast.Constant))]
    if all(isinstance(s, (ast.Pass, ast.Return)) for s in body):
        mig.downgrade_state = 'noop'
    elif walker.raises:
        unconditional = [r for r in walker.raises if r[1] is None]
        first = (unconditional or walker.raises)[0]
        mig.downgrade_state = 'raises' if unconditional else 'raises-conditional'
        mig.downgrade_raise_line = first[0]
    return mig


def _dispatches(fn: ast.FunctionDef) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
               and n.func.id == 'globals' for n in ast.walk(fn))


# -- SQL files --------------------------------------------------------------------
def _sql_files(snap: Snapshot, paths: list[str], opts: Options,
               want: Callable[[str], bool], cache: Cache | None = None) -> list[m.Migration]:
    out: list[m.Migration] = []
    by_dir_golang: dict[tuple[str, str, str], dict[str, str]] = {}
    flyway_undo: dict[tuple[str, str], str] = {}
    for p in paths:
        base = posixpath.basename(p)
        g = candidates.GOLANG.match(base)
        if g:
            key = (posixpath.dirname(p), g.group('v'), g.group('name'))
            by_dir_golang.setdefault(key, {})[g.group('dir')] = p
            continue
        f = candidates.FLYWAY.match(base)
        if f and f.group('kind') == 'U':
            flyway_undo[(posixpath.dirname(p), _version(f.group('v')))] = p

    def cached(p: str, down: str | None, analyse: bool,
               build: Callable[[], m.Migration | None]) -> None:
        parts = {'path': p, 'analyse': analyse, 'dialect': opts.dialect,
                 'volatile': opts.volatile, 'folders': bool(opts.folders)}
        if down is not None:
            parts['down'] = [down, snap.blob_id(down) if cache else None]
        mig = summary.cached_file(cache, 'migrations.sql', snap.blob_id(p) if cache else None,
                                  parts, build)
        if mig is not None:
            out.append(mig)

    for p in paths:
        base = posixpath.basename(p)
        d = posixpath.dirname(p)
        if base.startswith('R__'):
            continue            # Flyway repeatable migration: re-applied on every change
        g = candidates.GOLANG.match(base)
        if g:
            if g.group('dir') == 'down':
                continue        # read with its up file (a down without an up is no migration)
            pair = by_dir_golang[(d, g.group('v'), g.group('name'))]
            down = pair.get('down')
            deep = want(p) or bool(down and want(down))
            cached(p, down, deep, functools.partial(_sql_mig, snap, p, 'golang-migrate',
                                                    g.group('v'), down, opts, deep))
            continue
        f = candidates.FLYWAY.match(base)
        if f:
            if f.group('kind') == 'V':
                undo = flyway_undo.get((d, _version(f.group('v'))))
                deep = want(p) or bool(undo and want(undo))
                cached(p, undo, deep, functools.partial(_sql_mig, snap, p, 'flyway',
                                                        _version(f.group('v')), undo, opts, deep))
            continue
        cached(p, None, want(p), functools.partial(_other_sql, snap, p, opts, want(p)))
    return out


def _other_sql(snap: Snapshot, p: str, opts: Options, analyse: bool) -> m.Migration | None:
    """A dbmate file, or a plain SQL file under a migrations folder (None: neither)."""
    from hotfix_hooks.migrations import sql as sqlmod

    base = posixpath.basename(p)
    d = posixpath.dirname(p)
    data = snap.read(p)
    if data is None:
        return None
    text = lenient_text(data) or ''
    if _DBMATE_UP.search(text):
        v = _LEADING_VERSION.match(base)
        return _dbmate(p, text, v.group(1) if v else base, opts, analyse)
    if not (candidates.in_migration_dir(p) or opts.folders):
        return None
    v = _LEADING_VERSION.match(base)
    mig = m.Migration(path=p, framework='sql', convention='plain',
                      revision=v.group(1) if v else None, group=d, revision_line=1,
                      downgrade=[], downgrade_state='n/a')
    mig.suppressions = suppress.scan(p, text)
    if analyse:
        mig.analysed = True
        mig.upgrade = sqlmod.analyse(text, 1, opts.dialect, volatile=opts.volatile,
                                     in_transaction=_transactional(text))
        mig.has_work = any(not o.inert for o in mig.upgrade)
    return mig


def _version(v: str) -> str:
    return '.'.join(str(int(x)) for x in re.split(r'[._]', v))


def _transactional(text: str) -> bool:
    """Whether the statements of a file run inside one transaction."""
    from hotfix_hooks.migrations import sql as sqlmod

    return len(sqlmod.split_statements(text)) > 1 or bool(
        re.search(r'^\s*BEGIN\b', text, re.M | re.I))


def _sql_mig(snap: Snapshot, path: str, convention: str, version: str, down_path: str | None,
             opts: Options, analyse: bool) -> m.Migration:
    from hotfix_hooks.migrations import sql as sqlmod

    text = lenient_text(snap.read(path)) or ''
    mig = m.Migration(path=path, framework='sql', convention=convention, revision=version,
                      group=posixpath.dirname(path), revision_line=1, downgrade_path=down_path)
    mig.suppressions = suppress.scan(path, text)
    if not analyse:
        return mig
    mig.analysed = True
    mig.upgrade = sqlmod.analyse(text, 1, opts.dialect, volatile=opts.volatile,
                                 in_transaction=_transactional(text))
    mig.has_work = any(not o.inert for o in mig.upgrade)
    if down_path is None:
        mig.downgrade, mig.downgrade_state = None, 'missing'
        return mig
    down_text = lenient_text(snap.read(down_path)) or ''
    mig.suppressions += suppress.scan(down_path, down_text)
    mig.downgrade = sqlmod.analyse(down_text, 1, opts.dialect, volatile=opts.volatile,
                                   in_transaction=_transactional(down_text))
    for o in mig.downgrade:
        o.path = down_path
    mig.downgrade_line = 1
    if all(o.inert for o in mig.downgrade):
        mig.downgrade_state = 'noop'
    return mig


def _dbmate(path: str, text: str, version: str, opts: Options, analyse: bool) -> m.Migration:
    from hotfix_hooks.migrations import sql as sqlmod

    mig = m.Migration(path=path, framework='sql', convention='dbmate', revision=version,
                      group=posixpath.dirname(path), revision_line=1)
    mig.suppressions = suppress.scan(path, text)
    up = _DBMATE_UP.search(text)
    down = _DBMATE_DOWN.search(text)
    assert up is not None
    up_tx = 'transaction:false' not in up.group('opts').replace(' ', '')
    mig.atomic = up_tx
    up_start = up.end()
    up_end = down.start() if down and down.start() > up_start else len(text)
    up_line = text[:up_start].count('\n') + 1
    if not analyse:
        return mig
    mig.analysed = True
    mig.upgrade = sqlmod.analyse(text[up_start:up_end], up_line, opts.dialect,
                                 in_transaction=up_tx, volatile=opts.volatile)
    mig.has_work = any(not o.inert for o in mig.upgrade)
    if down is None:
        mig.downgrade, mig.downgrade_state = None, 'missing'
        return mig
    d_start = down.end()
    d_end = up.start() if up.start() > d_start else len(text)
    mig.downgrade_line = text[:down.start()].count('\n') + 1
    mig.downgrade = sqlmod.analyse(text[d_start:d_end], text[:d_start].count('\n') + 1,
                                   opts.dialect, volatile=opts.volatile,
                                   in_transaction='transaction:false' not in
                                   text[down.start():d_start].replace(' ', ''))
    if all(o.inert for o in mig.downgrade):
        mig.downgrade_state = 'noop'
    return mig
