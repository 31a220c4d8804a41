"""What a data step does to rows, by effect: the tables it reads and writes, the columns it
writes and the columns that choose the rows, whatever way the code says it.

An Alembic data step can write the same rows in several ways, and a shipped migration is
sometimes rewritten from one to another (an ORM loop that failed on a later schema replaced
by text SQL)::

    for unit in session.execute(select(IngredientUnitModel)).scalars():   # ORM
        unit.name_normalized = normalize(unit.name)
        session.add(unit)

    for unit in session.execute(select(IngredientUnitModel)).scalars():   # text SQL
        session.execute(sa.text(f"UPDATE {IngredientUnitModel.__tablename__} "
                                "SET name_normalized=:n WHERE id=:id").bindparams(...))

Both are the write ``(update, ingredient_units, name_normalized, by id)``: SQLAlchemy's unit
of work sends ``UPDATE ingredient_units SET name_normalized=? WHERE id=?`` for the first.
``data_effects`` gives a data step's effects as a set of such facts:

* ``('read', table, conditions)``: ``select(Model)``, ``session.query(Model)``,
  ``Model.query``, with the conditions of their ``where`` / ``filter`` / ``filter_by``; a
  text ``SELECT``;
* ``('update', table, column, value, conditions)``: an attribute of an object loaded by
  such a read assigned (the condition: its primary key), ``bulk_update_mappings``, Core
  ``update(table).where(...).values(...)``, ``query(...).update({...})``, a text
  ``UPDATE <table> SET <cols> WHERE ...``;
* ``('delete', table, conditions)`` and ``('insert', table, column, value)`` alike.

A condition is ``(column, operator, value)``. A value is a literal's repr (``'active'``,
``7``), ``col:<name>`` for another column, or ``?`` for a value the code computes: the ORM
and Core send it as a bound parameter, as text SQL does with ``:name``. So a literal that
changed, or a condition, is a change; which Python expression computes a bound value is
not compared (an attribute written with another expression was no history edit before
this either: ``history.data_step_changes`` compares the query calls). A ``join``,
``limit`` or another call on a read that may choose other rows makes its rows unknown; an
``order_by`` is part of its conditions.

Table names come from the code the migration imports: a model class's ``__tablename__``, a
Core ``Table('name', ...)`` / ``table('name', ...)``, defined in the migration or in a
module of the repository it imports (``from app.models.unit import Unit``: the module's
file is found by trying ``app/models/unit/__init__.py`` then ``app/models/unit.py`` below
every folder above the migration, following re-exports ``from .unit import Unit`` a few
levels; two such files that disagree resolve nothing, as which one runs depends on
``sys.path``). Those files are parsed, never imported. What cannot be resolved (a table name
computed by a call, a class whose ``__tablename__`` is not a literal, an execute() of SQL
that is not a literal, an attribute written on an object of unknown origin) makes the
effects *unresolved*: the caller then judges the edit as before.

Code the walk does not follow makes the effects unresolved too: a call into a module of
the repository (found where the import looks, or a top-level package of that name anywhere
in the repository: a namespace package, a ``src/`` layout), an import inside the step, and
code imported, run or looked up by a name computed at run time (``__import__``,
``importlib.import_module``, ``exec``, ``eval``, ``getattr(...)(...)``). Only a module that
is no file of the repository is a library whose calls give values.

``Effects.consulted`` lists every file read or probed (present or absent), and, for a
module looked for as a top-level package anywhere, a ``PACKAGE_DEP`` entry saying whether
one was found, so that a cached result is reused only while each of them holds
(``cached``).
"""
from __future__ import annotations

import ast
import dataclasses
import posixpath
import re
from collections.abc import Callable
from typing import Any

from hotfix_hooks.changeset import code_view
from hotfix_hooks.changeset import CodeSnapshot
from hotfix_hooks.changeset import decode_text
from hotfix_hooks.changeset import ExcludingSnapshot
from hotfix_hooks.changeset import PrefixSnapshot
from hotfix_hooks.changeset import Snapshot
from hotfix_hooks.fastclass import dataclass

NAMESPACE = 'migrations.effects'
FORMAT = 1
MAX_VARIANTS = 4
MAX_DEPTH = 4
MAX_REEXPORT = 3
MAX_STEPS = 20_000
# a consulted 'file' that stands for every .py file of a top-level package, wherever it is
PACKAGE_DEP = '\0package:'
# calls that import or run code, or fetch a callable, by a name computed at run time
_DYNAMIC = frozenset({'__import__', 'import_module', 'exec', 'eval', 'compile', 'run_path',
                      'run_module', 'getattr', 'attrgetter', 'methodcaller'})
_DYNAMIC_METHODS = frozenset({'import_module', 'run_path', 'run_module', 'attrgetter',
                              'methodcaller'})

Effect = tuple[Any, ...]
# a condition that chooses rows: (column, operator, value); the value is the repr of a
# literal, ``col:<name>`` for another column, ``?`` for a value the code computes (sent as
# a bound parameter), or the condition's text when it is no such comparison
Cond = tuple[str, str, str]
PARAM = '?'

# :name bind parameters (not ::casts, not 10:30) and %(name)s / %s driver parameters
_BIND = re.compile(r'(^|[^:\w]):([A-Za-z_]\w*)|()%\((\w+)\)s|()(?<!%)%s')
# calls on a read that load the same rows (how, not which); any other (join, limit, ...)
# makes the rows unknown
_ROW_CALLS = frozenset({'scalars', 'all', 'unique', 'yield_per', 'fetchall', 'partitions',
                        'options', 'execution_options', 'iterator', 'with_for_update'})
# calls that give one object of the rows
_ONE_CALLS = frozenset({'first', 'one', 'one_or_none', 'scalar', 'scalar_one',
                        'scalar_one_or_none'})
_FILTER_CALLS = frozenset({'where', 'filter', 'filter_by', 'having'})
# the calls that run a read (a loop over the rows, or execute(), runs it too)
_CONSUMING = frozenset({'all', 'fetchall', 'scalars', 'partitions', 'yield_per', 'iterator'})


@dataclass(frozen=True)
class Model:
    """A mapped class or Core table: its table and primary key columns (empty: not found)."""

    table: str
    pk: tuple[str, ...] = ()

    def by_key(self) -> tuple[Cond, ...]:
        """The condition the unit of work writes one loaded object with."""
        return tuple((c, '=', PARAM) for c in sorted(self.pk)) or \
            (('<primary key>', '=', PARAM),)


@dataclass
class Rows:
    """What a read gives: the rows of ``model`` chosen by ``filters`` (conditions)."""

    model: Model
    filters: tuple[Cond, ...] = ()


@dataclass
class Obj:
    """One object loaded by a read of ``model``."""

    model: Model


@dataclass
class Stmt:
    """A Core statement being built: ``update(t)``, ``delete(t)``, ``insert(t)``."""

    verb: str
    model: Model
    filters: tuple[Cond, ...] = ()
    columns: tuple[tuple[str, str], ...] = ()      # (column, value)


@dataclass
class Effects:
    effects: set[Effect]
    unresolved: list[str]
    consulted: dict[str, str | None]     # path -> blob id (None: probed, absent)

    @property
    def resolved(self) -> bool:
        return not self.unresolved

    def plain(self) -> dict[str, Any]:
        return {'effects': sorted(self.effects, key=repr), 'unresolved': list(self.unresolved)}


class _Unknown:
    pass


_UNKNOWN = _Unknown()


class _Budget(Exception):
    pass


def _norm(name: str) -> str:
    return name.strip().strip('"`[]').lower().removeprefix('public.')


# -- the project's modules, read through the migration's imports -------------------------
class Resolver:
    """The classes and tables a migration's names stand for, on one side of the change.
    Every file it reads or probes is recorded in ``consulted``."""

    def __init__(self, snap: Snapshot, path: str) -> None:
        self.snap = code_view(snap)     # a symbolic link reads as the file it points at
        self.path = path
        self.consulted: dict[str, str | None] = {}
        self._modules: dict[str, ast.Module | None] = {}
        roots = ['']
        parts = path.split('/')[:-1]
        for i in range(1, len(parts) + 1):
            roots.append('/'.join(parts[:i]) + '/')
        self.roots = roots

    def _file(self, path: str) -> ast.Module | None:
        if path in self._modules:
            return self._modules[path]
        data = self.snap.read(path) if self.snap.exists(path) else None
        self.consulted[path] = self.snap.blob_id(path) if data is not None else None
        tree = None
        text = decode_text(data) if data is not None else None
        if text is not None:
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError, RecursionError):
                tree = None
        self._modules[path] = tree
        return tree

    def module_files(self, module: str, importer: str) -> list[str]:
        """The files that may hold ``module`` (absolute, or relative to ``importer``)."""
        return [f for group in self.module_candidates(module, importer) for f in group]

    def module_candidates(self, module: str, importer: str) -> list[list[str]]:
        """The files that may hold ``module``, one group per import root, each in the order
        Python's import tries them: a regular package wins over a module of the same name
        (a namespace package, without ``__init__.py``, loses to the module)."""
        level = len(module) - len(module.lstrip('.'))
        dotted = module[level:]
        rel = dotted.replace('.', '/')
        if level:
            base = posixpath.dirname(importer)
            for _ in range(level - 1):
                base = posixpath.dirname(base)
            stem = posixpath.join(base, rel) if rel else base
            return [[stem + '/__init__.py', stem + '.py'] if rel else [stem + '/__init__.py']]
        return [[f'{root}{rel}/__init__.py', f'{root}{rel}.py'] for root in self.roots]

    def imported(self, module: str, name: str | None, importer: str,
                 depth: int = 0) -> Model | None:
        """The model ``name`` of ``module`` (``name`` None: the module itself is not a model)."""
        if name is None or depth > MAX_REEXPORT:
            return None
        found = []
        for group in self.module_candidates(module, importer):
            for f in group:         # the first file of a root that exists is the module
                tree = self._file(f)
                if tree is not None:
                    found.append((f, tree))
                    break
                if self.snap.exists(f):
                    break           # there but unparseable: it shadows what follows
        got = {self.in_module(tree, name, f, depth) for f, tree in found}
        # two files that may be the module (below different folders) and say different
        # things: which one runs depends on sys.path at run time, so nothing is resolved
        if len(got) != 1:
            return None
        return got.pop()

    def in_repo(self, module: str) -> bool:
        """Whether ``module`` may be code of the repository (probes recorded): a file where
        the import looks, a relative import, or a top-level package of that name anywhere
        in the repository (a namespace package without ``__init__.py``, a ``src/`` layout,
        another ``sys.path`` root): code this walk does not follow, never a library."""
        found = False
        for f in self.module_files(module, self.path):
            if f not in self.consulted:
                self.consulted[f] = self.snap.blob_id(f) if self.snap.exists(f) else None
            found = found or self.consulted[f] is not None
        if found or module.startswith('.'):
            return True
        key = PACKAGE_DEP + module.split('.')[0]
        if key not in self.consulted:
            self.consulted[key] = _package_anywhere(self.snap, module.split('.')[0])
        return self.consulted[key] is not None

    def in_module(self, tree: ast.Module, name: str, path: str, depth: int) -> Model | None:
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name == name:
                return class_model(node)
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                    return core_table(node.value)
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                for a in node.names:
                    if (a.asname or a.name) == name:
                        mod = '.' * node.level + (node.module or '')
                        return self.imported(mod, a.name, path, depth + 1)
        return None


def class_model(cls: ast.ClassDef) -> Model | None:
    """The table of a declarative class (``__tablename__`` a literal) and its primary key
    columns declared in its body."""
    table = None
    pk: list[str] = []
    for node in cls.body:
        if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if '__tablename__' in names:
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                table = node.value.value
            else:
                return None
        elif names and isinstance(node.value, ast.Call) and _primary(node.value):
            first = node.value.args[0] if node.value.args else None
            col = first.value if isinstance(first, ast.Constant) and \
                isinstance(first.value, str) else names[0]
            pk.append(_norm(col))
    return Model(_norm(table), tuple(pk)) if table else None


def core_table(value: ast.expr) -> Model | None:
    """``Table('name', metadata, Column('id', ..., primary_key=True), ...)`` /
    ``table('name', column(...))``."""
    if not isinstance(value, ast.Call) or _callee(value.func) not in ('Table', 'table') or \
            not value.args or not isinstance(value.args[0], ast.Constant) or \
            not isinstance(value.args[0].value, str):
        return None
    pk = [_norm(a.args[0].value) for a in value.args[1:]
          if isinstance(a, ast.Call) and _callee(a.func) == 'Column' and _primary(a) and
          a.args and isinstance(a.args[0], ast.Constant) and isinstance(a.args[0].value, str)]
    return Model(_norm(value.args[0].value), tuple(pk))


def _primary(call: ast.Call) -> bool:
    return _callee(call.func) in ('Column', 'mapped_column', 'Field') and any(
        k.arg == 'primary_key' and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in call.keywords)


def _callee(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ''


# -- the walk -------------------------------------------------------------------------
class _Walk:
    def __init__(self, tree: ast.Module, forward: ast.Module, resolver: Resolver) -> None:
        self.resolver = resolver
        self.effects: set[Effect] = set()
        self.unresolved: list[str] = []
        self.steps = 0
        self.funcs = {n.name: n for n in forward.body
                      if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        self.globals: dict[str, Any] = {}
        self.imports: dict[str, tuple[str, str | None]] = {}
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                model = class_model(node)
                self.globals[node.name] = model if model is not None else _UNKNOWN
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                val: Any = core_table(node.value)
                if val is None and isinstance(node.value, ast.Constant) and \
                        isinstance(node.value.value, str):
                    val = node.value.value
                for t in targets:
                    if isinstance(t, ast.Name):
                        self.globals[t.id] = val if val is not None else _UNKNOWN
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                self.imports.update(_import_names(node))

    def unresolved_(self, why: str) -> None:
        if why not in self.unresolved:
            self.unresolved.append(why)

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _Budget

    # names
    def lookup(self, name: str, env: dict[str, Any]) -> Any:
        if name in env:
            return env[name]
        if name in self.globals:
            return self.globals[name]
        if name in self.imports:
            self.globals[name] = self.import_value(*self.imports[name])
            return self.globals[name]
        return _UNKNOWN

    def import_value(self, module: str, attr: str | None) -> Any:
        model = self.resolver.imported(module, attr, self.resolver.path)
        return model if model is not None else \
            ('module', module) if attr is None else \
            _Project(f'{module}.{attr}') if self.resolver.in_repo(module) else _UNKNOWN

    def member(self, base: Any, attr: str) -> Any:
        """``attr`` of an imported module or of the repository's own code."""
        if isinstance(base, tuple) and len(base) == 2 and base[0] == 'module':
            model = self.resolver.imported(base[1], attr, self.resolver.path)
            return model if model is not None else _Project(f'{base[1]}.{attr}') \
                if self.resolver.in_repo(base[1]) else _UNKNOWN
        if isinstance(base, _Project):
            return _Project(f'{base.name}.{attr}')
        return _UNKNOWN

    # statements
    def body(self, stmts: list[ast.stmt], env: dict[str, Any], depth: int) -> None:
        for s in stmts:
            self.stmt(s, env, depth)

    def stmt(self, s: ast.stmt, env: dict[str, Any], depth: int) -> None:
        self.tick()
        if isinstance(s, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            if s.value is None:
                return
            val = self.ev(s.value, env, depth)
            targets = s.targets if isinstance(s, ast.Assign) else [s.target]
            for t in targets:
                if isinstance(t, ast.Attribute):
                    self.attribute_write(t, s.value, env, depth)
                elif isinstance(t, ast.Name):
                    env[t.id] = _UNKNOWN if isinstance(s, ast.AugAssign) else val
                else:
                    self.bind(t, env)
        elif isinstance(s, (ast.For, ast.AsyncFor)):
            items = self.ev(s.iter, env, depth)
            if isinstance(items, Rows):
                self.read(items)
            if isinstance(s.target, ast.Name):
                env[s.target.id] = Obj(items.model) if isinstance(items, Rows) else _UNKNOWN
            else:
                self.bind(s.target, env)
            self.body(s.body, env, depth)
            self.body(s.orelse, env, depth)
        elif isinstance(s, (ast.If, ast.While)):
            self.ev(s.test, env, depth)
            self.body(s.body, env, depth)
            self.body(s.orelse, env, depth)
        elif isinstance(s, (ast.With, ast.AsyncWith)):
            for item in s.items:
                val = self.ev(item.context_expr, env, depth)
                if isinstance(item.optional_vars, ast.Name):
                    env[item.optional_vars.id] = val
            self.body(s.body, env, depth)
        elif isinstance(s, ast.Try):
            self.body(s.body, env, depth)
            for h in s.handlers:
                self.body(h.body, env, depth)
            self.body(s.orelse, env, depth)
            self.body(s.finalbody, env, depth)
        elif isinstance(s, (ast.Expr, ast.Return)) and s.value is not None:
            self.ev(s.value, env, depth)
        elif isinstance(s, ast.Delete):
            return
        elif isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
            env[s.name] = s
        elif isinstance(s, (ast.Import, ast.ImportFrom)):
            # an import inside the step binds its names there (a library's: unknown values)
            names = _import_names(s)
            for a in s.names:
                bound = a.asname or a.name.split('.')[0]
                env[bound] = self.import_value(*names[bound]) if bound in names else _UNKNOWN

    def read(self, rows: Rows) -> None:
        self.effects.add(('read', rows.model.table, rows.filters))

    def bind(self, target: ast.expr, env: dict[str, Any]) -> None:
        for n in ast.walk(target):
            if isinstance(n, ast.Name):
                env[n.id] = _UNKNOWN

    def attribute_write(self, t: ast.Attribute, value: ast.expr, env: dict[str, Any],
                        depth: int) -> None:
        owner = self.ev(t.value, env, depth)
        if isinstance(owner, Obj):
            self.effects.add(('update', owner.model.table, _norm(t.attr),
                              self.value(value, env, depth), owner.model.by_key()))
        else:
            self.unresolved_(f'an attribute written on {_short(t.value)}, whose rows are not '
                             'known')

    # expressions
    def ev(self, node: ast.expr | None, env: dict[str, Any], depth: int) -> Any:
        self.tick()
        if node is None:
            return _UNKNOWN
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.lookup(node.id, env)
        if isinstance(node, ast.JoinedStr):
            parts = []
            for v in node.values:
                if isinstance(v, ast.Constant):
                    parts.append(str(v.value))
                    continue
                val = self.ev(v.value, env, depth) if isinstance(v, ast.FormattedValue) \
                    else _UNKNOWN
                if not isinstance(val, (str, int)) or isinstance(val, bool):
                    return _UNKNOWN
                parts.append(str(val))
            return ''.join(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            a, b = self.ev(node.left, env, depth), self.ev(node.right, env, depth)
            return a + b if isinstance(a, str) and isinstance(b, str) else _UNKNOWN
        if isinstance(node, ast.Attribute):
            base = self.ev(node.value, env, depth)
            if isinstance(base, Model):
                if node.attr in ('__tablename__', 'name', 'fullname'):
                    return base.table
                if node.attr in ('__table__', 'c', 'columns', 'table'):
                    return base
                if node.attr == 'query':            # Flask-SQLAlchemy's Model.query
                    return Rows(base)
                return ('column', _norm(node.attr))
            if isinstance(base, (tuple, _Project)):
                return self.member(base, node.attr)
            if isinstance(base, (Rows, Stmt)):
                return base
            if isinstance(base, Obj):
                return ('column', _norm(node.attr))
            return _UNKNOWN
        if isinstance(node, ast.Call):
            return self.call(node, env, depth)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return [self.ev(e, env, depth) for e in node.elts]
        if isinstance(node, ast.Dict):
            out: dict[Any, Any] = {}
            for k, v in zip(node.keys, node.values):
                key = self.ev(k, env, depth) if k is not None else _UNKNOWN
                val = self.ev(v, env, depth)
                if isinstance(key, (str, tuple)):
                    out[key] = val
            return out
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.ev(child, env, depth)
        return _UNKNOWN

    def call(self, node: ast.Call, env: dict[str, Any], depth: int) -> Any:
        func = node.func
        args = [self.ev(a.value if isinstance(a, ast.Starred) else a, env, depth)
                for a in node.args]
        kwargs = {k.arg: self.ev(k.value, env, depth) for k in node.keywords if k.arg}
        name = _callee(func)
        base: Any = _UNKNOWN
        target: Any = _UNKNOWN
        if isinstance(func, ast.Name):
            target = self.lookup(func.id, env)
        elif isinstance(func, ast.Attribute):
            base = self.ev(func.value, env, depth)
            target = self.member(base, func.attr)
        if isinstance(func, ast.Name) and func.id in _DYNAMIC and func.id not in env or \
                isinstance(func, ast.Attribute) and func.attr in _DYNAMIC_METHODS or \
                isinstance(func, ast.Call) and _callee(func.func) in _DYNAMIC:
            # code imported, run or looked up by a name computed at run time: it may write
            # rows, and what it is cannot be told statically
            self.unresolved_(f'{_short(node)} calls code chosen at run time, which is not '
                             'followed')
            return _Project(f'<{name or _callee(func)}>')
        if isinstance(target, _Project):
            # code of the repository the step calls but this walk does not follow: it may
            # write rows
            self.unresolved_(f'{_short(node)} calls {target.name}, which is not followed')
            return _UNKNOWN
        if isinstance(func, ast.Attribute):
            if isinstance(base, Rows):
                if name in _FILTER_CALLS:
                    conds = self.conditions(node, env, depth)
                    return Rows(base.model, tuple(sorted(set(base.filters) | set(conds))))
                if name == 'update':
                    cols = self.dict_values(node.args[0] if node.args else None, env, depth)
                    if not cols:
                        self.unresolved_(f'{_short(node)} sets columns that are not known')
                    for c, v in cols:
                        self.effects.add(('update', base.model.table, c, v, base.filters))
                    return _UNKNOWN
                if name == 'delete':
                    self.effects.add(('delete', base.model.table, base.filters))
                    return _UNKNOWN
                if name in _ROW_CALLS:
                    if name in _CONSUMING:
                        self.read(base)
                    return base
                if name in _ONE_CALLS:
                    self.read(base)
                    return Obj(base.model)
                if name == 'order_by':          # which rows first() / one() gives
                    return Rows(base.model, tuple(sorted({*base.filters, (
                        '<order by>', ', '.join(_short(a) for a in node.args), '')})))
                if name == 'get' and node.args:  # Model.query.get(pk)
                    return self.one_by_key(base.model, node.args[0], env, depth)
                return _UNKNOWN
            if isinstance(base, Stmt):
                if name in _FILTER_CALLS:
                    conds = self.conditions(node, env, depth)
                    return Stmt(base.verb, base.model,
                                tuple(sorted(set(base.filters) | set(conds))), base.columns)
                if name == 'values':
                    cols = [(_norm(k.arg), self.value(k.value, env, depth))
                            for k in node.keywords if k.arg]
                    for a in node.args:
                        cols += self.dict_values(a, env, depth)
                    return Stmt(base.verb, base.model, base.filters, tuple(cols))
                return base
            if isinstance(base, Model) and name in ('update', 'delete', 'insert', 'select'):
                return self.core(name, base)
            if isinstance(base, (str, _Bound)) and name in ('bindparams', 'params'):
                bound = _Bound(base) if isinstance(base, str) else base
                return _Bound(bound.text, {**bound.params, **{
                    k.arg: self.value(k.value, env, depth) for k in node.keywords if k.arg}})
            if isinstance(base, (str, _Bound)) and name in ('columns', 'execution_options'):
                return base
            if name in ('execute', 'exec_driver_sql'):
                stmt = args[0] if args else _UNKNOWN
                params = {k.arg: self.value(k.value, env, depth)
                          for k in node.keywords if k.arg}
                if len(node.args) > 1:
                    params.update(self.dict_values(node.args[1], env, depth, norm=False))
                if params and isinstance(stmt, (str, _Bound)):
                    bound = _Bound(stmt) if isinstance(stmt, str) else stmt
                    stmt = _Bound(bound.text, {**bound.params, **params})
                return self.execute(stmt, node)
            if name == 'query':
                if args and isinstance(args[0], Model):
                    return Rows(args[0])
                if args and isinstance(args[0], tuple) and args[0][:1] == ('column',):
                    return _UNKNOWN          # query(Model.col): a read of columns
                return _UNKNOWN
            if name == 'get' and len(node.args) == 2 and isinstance(args[0], Model):
                return self.one_by_key(args[0], node.args[1], env, depth)   # session.get
            if name in ('add', 'add_all', 'merge'):
                return _UNKNOWN              # the unit of work: attribute writes are the effect
            if name in ('bulk_update_mappings', 'bulk_insert_mappings'):
                self.bulk(name, args, node, env, depth)
                return _UNKNOWN
            if name in ('delete',) and args and isinstance(args[0], Obj):
                self.effects.add(('delete', args[0].model.table, args[0].model.by_key()))
                return _UNKNOWN
        elif isinstance(func, ast.Name):
            if isinstance(target, (ast.FunctionDef, ast.AsyncFunctionDef)) or \
                    func.id in self.funcs:
                fn = target if isinstance(target, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                    else self.funcs[func.id]
                return self.inline(fn, args, kwargs, env, depth)
            if isinstance(target, Model):      # Model(col=...) added as a new row
                for k in node.keywords:
                    if k.arg:
                        self.effects.add(('insert', target.table, _norm(k.arg),
                                          self.value(k.value, env, depth)))
                return _UNKNOWN
        if name in ('update', 'delete', 'insert') and args and isinstance(args[0], Model):
            return self.core(name, args[0])
        if name == 'select':
            model = next((a for a in args if isinstance(a, Model)), None)
            if model is not None:
                return Rows(model)
            return _UNKNOWN
        if name in ('text', 'dedent') and args:
            return args[0] if isinstance(args[0], str) else _UNKNOWN
        if name in ('table', 'Table'):
            model = core_table(node)
            return model if model is not None else _UNKNOWN
        return _UNKNOWN

    def value(self, node: ast.expr | None, env: dict[str, Any], depth: int) -> str:
        """What a written value or a compared value is, for comparing two versions: a
        literal's repr, ``col:<name>`` for a column of a model, else ``?`` (a value the code
        computes, sent as a bound parameter)."""
        if isinstance(node, ast.Constant):
            return repr(node.value)
        if isinstance(node, ast.Attribute):
            base = self.ev(node.value, env, depth)
            if isinstance(base, Model):
                return f'col:{_norm(node.attr)}'
        if node is not None:
            self.ev(node, env, depth)
        return PARAM

    def dict_values(self, node: ast.expr | None, env: dict[str, Any], depth: int,
                    norm: bool = True) -> list[tuple[str, str]]:
        """(column, value) of a dict literal ``{"col": v}`` / ``{Model.col: v}``."""
        out: list[tuple[str, str]] = []
        if not isinstance(node, ast.Dict):
            return out
        for k, v in zip(node.keys, node.values):
            if isinstance(k, ast.Constant) and isinstance(k.value, str):
                out.append((_norm(k.value) if norm else k.value, self.value(v, env, depth)))
            elif isinstance(k, ast.Attribute):
                out.append((_norm(k.attr), self.value(v, env, depth)))
            else:
                return []
        return out

    def conditions(self, node: ast.Call, env: dict[str, Any], depth: int
                   ) -> list[Cond]:
        """The conditions of a ``where`` / ``filter`` / ``filter_by`` call."""
        out = [(_norm(k.arg), '=', self.value(k.value, env, depth))
               for k in node.keywords if k.arg]
        for a in node.args:
            out.extend(self.condition(a, env, depth))
        return out

    def condition(self, a: ast.expr, env: dict[str, Any], depth: int) -> list[Cond]:
        if isinstance(a, ast.Call) and _callee(a.func) == 'and_':
            return [c for x in a.args for c in self.condition(x, env, depth)]
        if isinstance(a, ast.BoolOp) and isinstance(a.op, ast.And):
            return [c for x in a.values for c in self.condition(x, env, depth)]
        if isinstance(a, ast.Compare) and len(a.ops) == 1 and \
                isinstance(a.left, ast.Attribute):
            op = _PY_OPS.get(type(a.ops[0]))
            right = a.comparators[0]
            if op in ('is', 'is not') or isinstance(right, ast.Constant) and right.value is None:
                if isinstance(right, ast.Constant) and right.value is None:
                    return [(_norm(a.left.attr),
                             'is null' if op in ('=', 'is') else 'is not null', '')]
            elif op is not None:
                return [(_norm(a.left.attr), op, self.value(right, env, depth))]
        if isinstance(a, ast.Call) and isinstance(a.func, ast.Attribute) and \
                isinstance(a.func.value, ast.Attribute):
            col, how = _norm(a.func.value.attr), a.func.attr
            arg = a.args[0] if a.args else None
            if how in ('is_', 'is_not', 'isnot') and isinstance(arg, ast.Constant) and \
                    arg.value is None:
                return [(col, 'is null' if how == 'is_' else 'is not null', '')]
            if how in ('in_', 'like', 'ilike', 'not_in', 'notin_'):
                value = repr(ast.literal_eval(arg)) if arg is not None and _literal(arg) \
                    else PARAM
                if arg is not None and value == PARAM:
                    self.ev(arg, env, depth)
                return [(col, _PY_CALL_OPS[how], value)]
        return [('<condition>', _short(a), '')]

    def one_by_key(self, model: Model, key: ast.expr, env: dict[str, Any], depth: int
                   ) -> Any:
        if len(model.pk) != 1:
            self.unresolved_(f'the primary key of {model.table} is not known')
            return _UNKNOWN
        self.read(Rows(model, ((model.pk[0], '=', self.value(key, env, depth)),)))
        return Obj(model)

    def core(self, verb: str, model: Model) -> Any:
        if verb == 'select':
            return Rows(model)
        return Stmt(verb, model)

    def bulk(self, name: str, args: list[Any], node: ast.Call, env: dict[str, Any],
             depth: int) -> None:
        model = args[0] if args and isinstance(args[0], Model) else None
        rows = node.args[1] if len(node.args) > 1 else None
        cols: set[tuple[str, str]] = set()
        if isinstance(rows, (ast.List, ast.Tuple)) and rows.elts and \
                all(isinstance(r, ast.Dict) for r in rows.elts):
            for r in rows.elts:
                cols |= set(self.dict_values(r, env, depth))
        if model is None or not cols:
            self.unresolved_(f'{_short(node)}: the table or the columns are not known')
            return
        if name == 'bulk_insert_mappings':
            for c, v in cols:
                self.effects.add(('insert', model.table, c, v))
            return
        for c, v in sorted(cols):
            if c not in model.pk:
                self.effects.add(('update', model.table, c, v, model.by_key()))

    def execute(self, stmt: Any, node: ast.Call) -> Any:
        if isinstance(stmt, Stmt):
            if stmt.verb == 'update':
                if not stmt.columns:
                    self.unresolved_(f'{_short(node)} sets columns that are not known')
                for c, v in stmt.columns:
                    self.effects.add(('update', stmt.model.table, c, v, stmt.filters))
            elif stmt.verb == 'delete':
                self.effects.add(('delete', stmt.model.table, stmt.filters))
            else:
                for c, v in stmt.columns:
                    self.effects.add(('insert', stmt.model.table, c, v))
                if not stmt.columns:
                    self.unresolved_(f'{_short(node)} inserts columns that are not known')
            return _UNKNOWN
        if isinstance(stmt, Rows):
            self.read(stmt)
            return stmt
        if isinstance(stmt, (str, _Bound)):
            bound = _Bound(stmt) if isinstance(stmt, str) else stmt
            found = sql_effects(bound.text, bound.params)
            if found is None:
                self.unresolved_(f'{_short(node)}: its SQL is not understood')
                return _UNKNOWN
            self.effects |= found
            return _UNKNOWN
        self.unresolved_(f'{_short(node)}: its SQL (or the table it names) is not known')
        return _UNKNOWN

    def inline(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, args: list[Any],
               kwargs: dict[str, Any], env: dict[str, Any], depth: int) -> Any:
        if depth >= MAX_DEPTH:
            self.unresolved_(f'{fn.name}() is called deeper than {MAX_DEPTH} levels')
            return _UNKNOWN
        inner: dict[str, Any] = {}
        params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
        for p, v in zip(params, args):
            inner[p] = v
        for k, v in kwargs.items():
            inner[k] = v
        self.body(fn.body, inner, depth + 1)
        return _UNKNOWN


@dataclass(frozen=True)
class _Project:
    """Something the repository's own code defines (not a model): a function, a class."""

    name: str


@dataclass
class _Bound:
    """SQL text and the values bound to its named parameters (``value`` reprs)."""

    text: str
    params: dict[str, str] = dataclasses.field(default_factory=dict)


_PY_OPS: dict[type, str] = {ast.Eq: '=', ast.NotEq: '<>', ast.Lt: '<', ast.LtE: '<=',
                            ast.Gt: '>', ast.GtE: '>=', ast.Is: 'is', ast.IsNot: 'is not'}
_PY_CALL_OPS = {'in_': 'in', 'like': 'like', 'ilike': 'ilike', 'not_in': 'not in',
                'notin_': 'not in'}


def _literal(node: ast.expr | None) -> bool:
    if node is None:
        return False
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def sql_effects(text: str, params: dict[str, str] | None = None) -> set[Effect] | None:
    """The effects of an SQL text (``UPDATE t SET a = ..., b = ... WHERE c = ...``,
    ``DELETE``, ``INSERT``, ``SELECT``), ``params`` the values bound to its named
    parameters; None when it does not parse or is a write this does not follow (``UPDATE
    ... FROM``, ``DELETE ... USING``, ``INSERT ... SELECT``). Other statements (DDL, SET)
    write no rows: the operations compare them."""
    import pglast

    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(2) or match.group(4) or ''
        names.append(name)
        return f'{match.group(1) or ""}${len(names)}'

    sql = _BIND.sub(number, text).replace('%%', '%')
    try:
        stmts = pglast.parse_sql(sql)
    except Exception:  # noqa: BLE001 - pglast raises its own and others on odd input
        return None
    bound = params or {}
    values = [bound.get(n, PARAM) if n else PARAM for n in names]
    out: set[Effect] = set()
    for raw in stmts:
        st: Any = raw.stmt
        kind = type(st).__name__
        if kind == 'SelectStmt':
            for r in _ranges(st.fromClause):
                out.add(('read', _norm(r.relname), _sql_conditions(st.whereClause, values)))
            continue
        if kind not in ('UpdateStmt', 'DeleteStmt', 'InsertStmt'):
            continue
        relation = getattr(st, 'relation', None)
        if relation is None or not getattr(relation, 'relname', None):
            return None
        table = _norm(relation.relname)
        if kind == 'UpdateStmt':
            if st.fromClause:
                return None
            where = _sql_conditions(st.whereClause, values)
            for target in st.targetList or ():
                name = getattr(target, 'name', None)
                if not name:
                    return None
                out.add(('update', table, _norm(name), _sql_value(target.val, values), where))
        elif kind == 'DeleteStmt':
            if getattr(st, 'usingClause', None):
                return None
            out.add(('delete', table, _sql_conditions(st.whereClause, values)))
        else:
            cols = [_norm(c.name) for c in st.cols or () if getattr(c, 'name', None)]
            rows = getattr(st.selectStmt, 'valuesLists', None) if st.selectStmt else None
            if not cols or not rows or len(rows) != 1:
                return None
            row = rows[0]
            items = getattr(row, 'items', row)
            if len(items) != len(cols):
                return None
            for c, v in zip(cols, items):
                out.add(('insert', table, c, _sql_value(v, values)))
    return out


def _sql_value(node: Any, values: list[str]) -> str:
    kind = type(node).__name__
    if kind == 'ParamRef':
        n = node.number - 1
        return values[n] if 0 <= n < len(values) else PARAM
    if kind == 'A_Const':
        if node.isnull:
            return 'None'
        val = node.val
        for attr in ('ival', 'sval', 'fval', 'boolval'):
            if hasattr(val, attr):
                got = getattr(val, attr)
                return repr(float(got) if attr == 'fval' else got)
    if kind == 'ColumnRef':
        fields = [getattr(f, 'sval', None) for f in node.fields or ()]
        if fields and isinstance(fields[-1], str):
            return f'col:{_norm(fields[-1])}'
    return f'sql:{_deparse(node)}'


def _sql_conditions(node: Any, values: list[str]) -> tuple[Cond, ...]:
    """The conditions of a WHERE clause (an AND of comparisons), as ``_Walk.conditions``
    gives them for the ORM."""
    if node is None:
        return ()
    out: list[Cond] = []
    stack = [node]
    while stack:
        n = stack.pop()
        kind = type(n).__name__
        if kind == 'BoolExpr' and n.boolop.name == 'AND_EXPR':
            stack.extend(n.args)
            continue
        col = _column(getattr(n, 'lexpr', None) if kind == 'A_Expr' else
                      getattr(n, 'arg', None))
        if kind == 'NullTest' and col:
            out.append((col, 'is null' if n.nulltesttype.name == 'IS_NULL' else 'is not null',
                        ''))
        elif kind == 'A_Expr' and col and n.kind.name == 'AEXPR_OP' and \
                len(n.name or ()) == 1:
            op = getattr(n.name[0], 'sval', '')
            out.append((col, '<>' if op == '!=' else op, _sql_value(n.rexpr, values)))
        elif kind == 'A_Expr' and col and n.kind.name in ('AEXPR_IN', 'AEXPR_LIKE',
                                                        'AEXPR_ILIKE'):
            how = {'AEXPR_IN': 'in', 'AEXPR_LIKE': 'like', 'AEXPR_ILIKE': 'ilike'}[n.kind.name]
            if how == 'in' and getattr(n.name[0], 'sval', '') == '<>':
                how = 'not in'
            right = n.rexpr
            if isinstance(right, tuple):
                vals = [_sql_value(v, values) for v in right]
                value = PARAM if PARAM in vals else \
                    repr(tuple(ast.literal_eval(v) for v in vals)) \
                    if all(_literal_text(v) for v in vals) else ','.join(vals)
            else:
                value = _sql_value(right, values)
            out.append((col, how, value))
        else:
            out.append(('<condition>', _deparse(n), ''))
    return tuple(sorted(out))


def _column(node: Any) -> str | None:
    if type(node).__name__ != 'ColumnRef':
        return None
    fields = [getattr(f, 'sval', None) for f in node.fields or ()]
    return _norm(fields[-1]) if fields and isinstance(fields[-1], str) else None


def _literal_text(text: str) -> bool:
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return False
    return True


def _deparse(node: Any) -> str:
    from pglast.stream import RawStream

    try:
        return ' '.join(str(RawStream()(node)).split()).lower()
    except Exception:  # noqa: BLE001 - a node the deparser rejects is compared by repr
        return repr(node)


def _ranges(clause: Any) -> list[Any]:
    out = []
    for item in clause or ():
        if type(item).__name__ == 'RangeVar':
            out.append(item)
    return out


_LIBRARIES = ('alembic', 'sqlalchemy', 'sqlmodel', 'typing', 'typing_extensions', 'datetime',
              'uuid', 'json', 'logging', 'os', 'sys', 're', 'enum', 'decimal', 'collections',
              'itertools', 'functools', 'textwrap', 'time', 'dataclasses', 'pathlib',
              '__future__', 'contextlib', 'django', 'pydantic', 'slugify', 'text_unidecode')


def _library(module: str, level: int) -> bool:
    return not level and module.split('.')[0] in _LIBRARIES


def _import_names(node: ast.Import | ast.ImportFrom) -> dict[str, tuple[str, str | None]]:
    """The names an import binds to the repository's (not a known library's) modules:
    name -> (module, attribute; None for the module itself). ``import a.b.c`` binds
    ``a``."""
    out: dict[str, tuple[str, str | None]] = {}
    if isinstance(node, ast.ImportFrom):
        if not _library(node.module or '', node.level):
            for a in node.names:
                out[a.asname or a.name] = ('.' * node.level + (node.module or ''), a.name)
        return out
    for a in node.names:
        if not _library(a.name, 0):
            if a.asname:
                out[a.asname] = (a.name, None)
            else:
                out[a.name.split('.')[0]] = (a.name.split('.')[0], None)
    return out


def _package_anywhere(snap: Snapshot, top: str) -> str | None:
    """A Python file of the repository that is the top-level module ``top`` or lies below a
    folder of that name, at any depth (whatever ``sys.path`` holds), in the whole repository
    (a service of a monorepo imports the shared code beside it too); None when none is."""
    while isinstance(snap, (PrefixSnapshot, ExcludingSnapshot, CodeSnapshot)):
        snap = snap.inner
    for p in snap.paths():
        if p.endswith('.py') and (('/' + p).endswith(f'/{top}.py') or f'/{top}/' in '/' + p):
            return 'present'
    return None


def _short(node: ast.AST) -> str:
    try:
        text = ' '.join(ast.unparse(node).split())
    except Exception:  # noqa: BLE001 - a message must never crash the run
        text = '?'
    return text if len(text) <= 80 else text[:77] + '...'


def data_effects(tree: ast.Module, forward: ast.Module, snap: Snapshot, path: str) -> Effects:
    """The effects of the code the upgrade runs (``forward``: its functions, from
    ``history``), names resolved through ``tree``'s module level and imports on ``snap``."""
    resolver = Resolver(snap, path)
    walk = _Walk(tree, forward, resolver)
    try:
        for name in sorted(walk.funcs):
            if name == 'upgrade' or name.startswith('upgrade_'):
                walk.body(walk.funcs[name].body, {}, 0)
    except (_Budget, RecursionError):
        walk.unresolved_('the data step is too large to follow')
    except Exception as e:  # noqa: BLE001 - code this walk does not follow is judged as before
        walk.unresolved_(f'the data step could not be followed ({type(e).__name__})')
    return Effects(walk.effects, walk.unresolved, resolver.consulted)


# -- the cache ----------------------------------------------------------------------------
def cached(cache: Any, snap: Snapshot, path: str, derive: Callable[[], Effects]
           ) -> dict[str, Any]:
    """``derive().plain()`` for the migration at ``path`` on ``snap``, from the cache when a
    stored variant's consulted files (the migration, every module read and every import
    probe, present or absent) all have the same blob id on ``snap``; else derived and
    stored in front of the other variants."""
    blob = snap.blob_id(path) if cache is not None and cache.enabled else None
    if blob is None:
        return derive().plain()
    key = {'format': FORMAT, 'path': path}
    found, got = cache.get(NAMESPACE, blob, key)
    variants = got if found and isinstance(got, list) else []
    for variant in variants:
        if isinstance(variant, (list, tuple)) and len(variant) == 2 and \
                _deps_hold(snap, variant[0]) and isinstance(variant[1], dict):
            return variant[1]
    result = derive()
    deps = sorted({**result.consulted, path: blob}.items())
    value = result.plain()
    keep = [v for v in variants if isinstance(v, (list, tuple)) and len(v) == 2]
    cache.put(NAMESPACE, blob, key, [(deps, value), *keep][:MAX_VARIANTS])
    return value


def _deps_hold(snap: Snapshot, deps: object) -> bool:
    if not isinstance(deps, (list, tuple)):
        return False
    snap = code_view(snap)      # as the resolver read them
    for dep in deps:
        if not (isinstance(dep, (list, tuple)) and len(dep) == 2 and isinstance(dep[0], str)):
            return False
        path, blob = dep
        if path.startswith(PACKAGE_DEP):
            if _package_anywhere(snap, path[len(PACKAGE_DEP):]) != blob:
                return False
        elif (snap.blob_id(path) if snap.exists(path) else None) != blob:
            return False
    return True
