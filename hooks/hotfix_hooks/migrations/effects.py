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

* ``('read', table, filter columns)``: ``select(Model)``, ``session.query(Model)``,
  ``Model.query``, with the columns of their ``where`` / ``filter`` / ``filter_by``; a text
  ``SELECT``;
* ``('update', table, column, filter columns)``: an attribute of an object loaded by such a
  read assigned (filtered by the model's primary key), ``bulk_update_mappings``, Core
  ``update(table).where(...).values(...)``, ``query(...).update({...})``, a text
  ``UPDATE <table> SET <cols> WHERE ...``;
* ``('delete', table, filter columns)`` and ``('insert', table, column)`` alike.

The values written are not compared (an attribute written with another expression was no
history edit before this either: ``history.data_step_changes`` compares the query calls).

Table names come from the code the migration imports: a model class's ``__tablename__``, a
Core ``Table('name', ...)`` / ``table('name', ...)``, defined in the migration or in a
module of the repository it imports (``from app.models.unit import Unit``: the module's
file is found by trying ``app/models/unit.py`` and ``app/models/unit/__init__.py`` below
every folder above the migration, following re-exports ``from .unit import Unit`` a few
levels). Those files are parsed, never imported. What cannot be resolved (a table name
computed by a call, a class whose ``__tablename__`` is not a literal, an execute() of SQL
that is not a literal, an attribute written on an object of unknown origin) makes the
effects *unresolved*: the caller then judges the edit as before.

``Effects.consulted`` lists every file read or probed (present or absent), so that a
cached result is reused only while each of them has the same blob id (``cached``).
"""
from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Callable
from typing import Any

from hotfix_hooks.changeset import decode_text
from hotfix_hooks.changeset import Snapshot
from hotfix_hooks.fastclass import dataclass

NAMESPACE = 'migrations.effects'
FORMAT = 1
MAX_VARIANTS = 4
MAX_DEPTH = 4
MAX_REEXPORT = 3
MAX_STEPS = 20_000

Effect = tuple[Any, ...]

_BIND = re.compile(r'(^|[^:\w]):[A-Za-z_]\w*|()%\(\w+\)s|()(?<!%)%s')
_ROW_CALLS = frozenset({'scalars', 'all', 'unique', 'yield_per', 'fetchall', 'partitions',
                        'options', 'order_by', 'limit', 'offset', 'execution_options',
                        'distinct', 'scalar_one', 'first', 'one', 'one_or_none', 'scalar',
                        'iterator', 'with_for_update', 'join', 'outerjoin',
                        'select_from', 'group_by'})
_FILTER_CALLS = frozenset({'where', 'filter', 'filter_by', 'having'})
# the calls that run a read (a loop over the rows, or execute(), runs it too)
_CONSUMING = frozenset({'all', 'first', 'one', 'one_or_none', 'scalar', 'scalar_one',
                        'fetchall', 'scalars', 'partitions', 'yield_per', 'iterator'})


@dataclass
class Model:
    """A mapped class or Core table: its table and primary key columns (empty: not found)."""

    table: str
    pk: tuple[str, ...] = ()


@dataclass
class Rows:
    """What a read gives: the rows of ``model`` chosen by ``filters``."""

    model: Model
    filters: tuple[str, ...] = ()


@dataclass
class Obj:
    """One object loaded by a read of ``model``."""

    model: Model


@dataclass
class Stmt:
    """A Core statement being built: ``update(t)``, ``delete(t)``, ``insert(t)``."""

    verb: str
    model: Model
    filters: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()


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
        self.snap = snap
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
        level = len(module) - len(module.lstrip('.'))
        dotted = module[level:]
        rel = dotted.replace('.', '/')
        if level:
            base = posixpath.dirname(importer)
            for _ in range(level - 1):
                base = posixpath.dirname(base)
            stem = posixpath.join(base, rel) if rel else base
            return [stem + '.py', stem + '/__init__.py'] if rel else [stem + '/__init__.py']
        return [c for root in self.roots for c in (f'{root}{rel}.py', f'{root}{rel}/__init__.py')]

    def imported(self, module: str, name: str | None, importer: str,
                 depth: int = 0) -> Model | None:
        """The model ``name`` of ``module`` (``name`` None: the module itself is not a model)."""
        if name is None or depth > MAX_REEXPORT:
            return None
        for f in self.module_files(module, importer):
            tree = self._file(f)
            if tree is None:
                continue
            return self.in_module(tree, name, f, depth)
        return None

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
            elif isinstance(node, ast.ImportFrom) and not _library(node.module or '', node.level):
                for a in node.names:
                    self.imports[a.asname or a.name] = ('.' * node.level + (node.module or ''),
                                                        a.name)
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname and not _library(a.name, 0):
                        self.imports[a.asname] = (a.name, None)

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
            module, attr = self.imports[name]
            model = self.resolver.imported(module, attr, self.resolver.path)
            self.globals[name] = model if model is not None else \
                ('module', module) if attr is None else _UNKNOWN
            return self.globals[name]
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
                    self.attribute_write(t, env, depth)
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

    def read(self, rows: Rows) -> None:
        self.effects.add(('read', rows.model.table, rows.filters))

    def bind(self, target: ast.expr, env: dict[str, Any]) -> None:
        for n in ast.walk(target):
            if isinstance(n, ast.Name):
                env[n.id] = _UNKNOWN

    def attribute_write(self, t: ast.Attribute, env: dict[str, Any], depth: int) -> None:
        owner = self.ev(t.value, env, depth)
        if isinstance(owner, Obj):
            self.effects.add(('update', owner.model.table, _norm(t.attr),
                              tuple(sorted(owner.model.pk)) or ('<primary key>',)))
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
            if isinstance(base, tuple) and len(base) == 2 and base[0] == 'module':
                model = self.resolver.imported(base[1], node.attr, self.resolver.path)
                return model if model is not None else _UNKNOWN
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
        if isinstance(func, ast.Attribute):
            base = self.ev(func.value, env, depth)
            if isinstance(base, Rows):
                if name in _FILTER_CALLS:
                    cols = _columns_of(node)
                    return Rows(base.model, tuple(sorted(set(base.filters) | set(cols))))
                if name == 'update':
                    cols = [c for a in args if isinstance(a, dict) for c in _keys(a)]
                    if not cols:
                        self.unresolved_(f'{_short(node)} sets columns that are not known')
                    for c in cols:
                        self.effects.add(('update', base.model.table, c, base.filters))
                    return _UNKNOWN
                if name == 'delete':
                    self.effects.add(('delete', base.model.table, base.filters))
                    return _UNKNOWN
                if name in _ROW_CALLS:
                    if name in _CONSUMING:
                        self.read(base)
                    return base
                return _UNKNOWN
            if isinstance(base, Stmt):
                if name in _FILTER_CALLS:
                    return Stmt(base.verb, base.model,
                                tuple(sorted(set(base.filters) | set(_columns_of(node)))),
                                base.columns)
                if name == 'values':
                    cols = list(kwargs) + [c for a in args if isinstance(a, dict)
                                           for c in _keys(a)]
                    return Stmt(base.verb, base.model, base.filters,
                                tuple(_norm(c) for c in cols if isinstance(c, str)))
                return base
            if isinstance(base, Model) and name in ('update', 'delete', 'insert', 'select'):
                return self.core(name, base)
            if isinstance(base, (str, _Sql)) and name in ('bindparams', 'params', 'columns',
                                                          'execution_options'):
                return base
            if name in ('execute', 'exec_driver_sql'):
                return self.execute(args[0] if args else _UNKNOWN, node)
            if name == 'query':
                if args and isinstance(args[0], Model):
                    return Rows(args[0])
                if args and isinstance(args[0], tuple) and args[0][:1] == ('column',):
                    return _UNKNOWN          # query(Model.col): a read of columns
                return _UNKNOWN
            if name in ('add', 'add_all', 'merge'):
                return _UNKNOWN              # the unit of work: attribute writes are the effect
            if name in ('bulk_update_mappings', 'bulk_insert_mappings'):
                self.bulk(name, args, node)
                return _UNKNOWN
            if name in ('delete',) and args and isinstance(args[0], Obj):
                self.effects.add(('delete', args[0].model.table,
                                  tuple(sorted(args[0].model.pk)) or ('<primary key>',)))
                return _UNKNOWN
        elif isinstance(func, ast.Name):
            target = self.lookup(func.id, env)
            if isinstance(target, (ast.FunctionDef, ast.AsyncFunctionDef)) or \
                    func.id in self.funcs:
                fn = target if isinstance(target, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                    else self.funcs[func.id]
                return self.inline(fn, args, kwargs, env, depth)
            if isinstance(target, Model):      # Model(col=...) added as a new row
                for k in kwargs:
                    self.effects.add(('insert', target.table, _norm(str(k))))
                return _UNKNOWN
        if name in ('update', 'delete', 'insert') and args and isinstance(args[0], Model):
            return self.core(name, args[0])
        if name == 'select':
            model = next((a for a in args if isinstance(a, Model)), None)
            if model is not None:
                return Rows(model)
            return _UNKNOWN
        if name in ('text', 'dedent') and args:
            return args[0] if isinstance(args[0], str) else _Sql()
        if name in ('table', 'Table'):
            model = core_table(node)
            return model if model is not None else _UNKNOWN
        return _UNKNOWN

    def core(self, verb: str, model: Model) -> Any:
        if verb == 'select':
            return Rows(model)
        return Stmt(verb, model)

    def bulk(self, name: str, args: list[Any], node: ast.Call) -> None:
        model = args[0] if args and isinstance(args[0], Model) else None
        rows = args[1] if len(args) > 1 else None
        keys: set[str] = set()
        if isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows):
            for r in rows:
                keys |= set(_keys(r))
        if model is None or not keys:
            self.unresolved_(f'{_short(node)}: the table or the columns are not known')
            return
        if name == 'bulk_insert_mappings':
            for k in keys:
                self.effects.add(('insert', model.table, k))
            return
        pk = tuple(sorted(model.pk)) or ('<primary key>',)
        for k in sorted(keys - set(model.pk)):
            self.effects.add(('update', model.table, k, pk))

    def execute(self, stmt: Any, node: ast.Call) -> Any:
        if isinstance(stmt, Stmt):
            if stmt.verb == 'update':
                if not stmt.columns:
                    self.unresolved_(f'{_short(node)} sets columns that are not known')
                for c in stmt.columns:
                    self.effects.add(('update', stmt.model.table, c, stmt.filters))
            elif stmt.verb == 'delete':
                self.effects.add(('delete', stmt.model.table, stmt.filters))
            else:
                for c in stmt.columns:
                    self.effects.add(('insert', stmt.model.table, c))
                if not stmt.columns:
                    self.unresolved_(f'{_short(node)} inserts columns that are not known')
            return _UNKNOWN
        if isinstance(stmt, Rows):
            self.read(stmt)
            return stmt
        if isinstance(stmt, str):
            found = sql_effects(stmt)
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


@dataclass
class _Sql:
    """SQL text not resolved."""

    text: str = ''


def _keys(d: dict[Any, Any]) -> list[str]:
    out = []
    for k in d:
        if isinstance(k, str):
            out.append(_norm(k))
        elif isinstance(k, tuple) and k[:1] == ('column',):
            out.append(str(k[1]))
    return out


def _columns_of(node: ast.Call) -> list[str]:
    """The columns a ``where`` / ``filter`` / ``filter_by`` tests: its keywords, and the
    ``X.col`` attributes of its arguments (``Model.col == v``, ``table.c.col.in_(...)``)."""
    cols = [_norm(k.arg) for k in node.keywords if k.arg]
    for a in node.args:
        for n in ast.walk(a):
            if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load) and \
                    not n.attr.startswith('_') and n.attr not in (
                        'c', 'columns', 'in_', 'is_', 'isnot', 'is_not', 'like', 'ilike',
                        'notin_', 'not_in', 'contains', 'startswith', 'endswith', 'any',
                        'has', 'between', 'desc', 'asc') and \
                    isinstance(n.value, (ast.Name, ast.Attribute)):
                cols.append(_norm(n.attr))
    return sorted(set(cols))


def sql_effects(text: str) -> set[Effect] | None:
    """The effects of an SQL text (``UPDATE t SET a = ..., b = ... WHERE c = ...``,
    ``DELETE``, ``INSERT``, ``SELECT``); None when it does not parse or does something
    else."""
    import pglast

    sql = _BIND.sub(r'\1NULL', text).replace('%%', '%')
    try:
        stmts = pglast.parse_sql(sql)
    except Exception:  # noqa: BLE001 - pglast raises its own and others on odd input
        return None
    out: set[Effect] = set()
    for raw in stmts:
        st: Any = raw.stmt
        kind = type(st).__name__
        if kind == 'SelectStmt':
            tables = [_norm(r.relname) for r in _ranges(st.fromClause)]
            for t in tables:
                out.add(('read', t, tuple(sorted(_refs(st.whereClause)))))
            continue
        relation = getattr(st, 'relation', None)
        if relation is None or not getattr(relation, 'relname', None):
            return None
        table = _norm(relation.relname)
        if kind == 'UpdateStmt':
            if st.fromClause:
                return None
            where = tuple(sorted(_refs(st.whereClause)))
            for target in st.targetList or ():
                name = getattr(target, 'name', None)
                if not name:
                    return None
                out.add(('update', table, _norm(name), where))
        elif kind == 'DeleteStmt':
            if getattr(st, 'usingClause', None):
                return None
            out.add(('delete', table, tuple(sorted(_refs(st.whereClause)))))
        elif kind == 'InsertStmt':
            cols = [_norm(c.name) for c in st.cols or () if getattr(c, 'name', None)]
            if not cols:
                return None
            for c in cols:
                out.add(('insert', table, c))
        # any other statement (DDL, SET, ...) writes no rows: the operations compare it
    return out


def _ranges(clause: Any) -> list[Any]:
    out = []
    for item in clause or ():
        if type(item).__name__ == 'RangeVar':
            out.append(item)
    return out


def _refs(node: Any) -> set[str]:
    """The column names a WHERE clause tests (the last part of each column reference)."""
    from pglast.visitors import Visitor

    found: set[str] = set()
    if node is None:
        return found

    class _Refs(Visitor):
        def visit_ColumnRef(self, ancestors: Any, ref: Any) -> None:
            fields = [getattr(f, 'sval', None) for f in ref.fields or ()]
            if fields and isinstance(fields[-1], str):
                found.add(_norm(fields[-1]))

    _Refs()(node)
    return found


_LIBRARIES = ('alembic', 'sqlalchemy', 'sqlmodel', 'typing', 'typing_extensions', 'datetime',
              'uuid', 'json', 'logging', 'os', 'sys', 're', 'enum', 'decimal', 'collections',
              'itertools', 'functools', 'textwrap', 'time', 'dataclasses', 'pathlib',
              '__future__', 'contextlib', 'django', 'pydantic', 'slugify', 'text_unidecode')


def _library(module: str, level: int) -> bool:
    return not level and module.split('.')[0] in _LIBRARIES


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
    for dep in deps:
        if not (isinstance(dep, (list, tuple)) and len(dep) == 2 and isinstance(dep[0], str)):
            return False
        path, blob = dep
        if (snap.blob_id(path) if snap.exists(path) else None) != blob:
            return False
    return True
