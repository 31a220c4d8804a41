"""Alembic migrations: module facts (revision, down_revision, ...) and a static walk of
``upgrade()``/``downgrade()`` that turns ``op``/``batch_op`` calls, SQL strings and
SQLAlchemy Core statements into ``Op`` records.

Resolved statically: module constants, loops over literal tuples (unrolled), helper
functions of the same file (inlined, with their arguments bound), ``batch_alter_table``
contexts, ``autocommit_block()``, literal / ``sa.text()`` / f-string / ``.format`` SQL,
``table().update()/delete()/insert()``, ``op.bulk_insert``. Code under ``if``/``try`` is
walked on every branch and its ops are marked conditional. Nothing is imported or run.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

from hotfix_hooks.migrations import model as m
from hotfix_hooks.migrations import sql as sqlmod
from hotfix_hooks.migrations.opcalls import OpCalls
from hotfix_hooks.migrations.values import bounded
from hotfix_hooks.migrations.values import Budget
from hotfix_hooks.migrations.values import ColumnDef
from hotfix_hooks.migrations.values import CoreDml
from hotfix_hooks.migrations.values import Marker
from hotfix_hooks.migrations.values import MAX_STEPS
from hotfix_hooks.migrations.values import PLACEHOLDER
from hotfix_hooks.migrations.values import plain as _plain
from hotfix_hooks.migrations.values import Sql
from hotfix_hooks.migrations.values import State
from hotfix_hooks.migrations.values import TableRef
from hotfix_hooks.migrations.values import TypeVal
from hotfix_hooks.migrations.values import UNKNOWN
from hotfix_hooks.pyast import call_name
from hotfix_hooks.pyast import source_of

MAX_DEPTH = 4
MAX_UNROLL = 200

_TYPE_NAMES = ('String', 'Text', 'Integer', 'BigInteger', 'SmallInteger', 'Numeric',
               'Float', 'Boolean', 'Date', 'DateTime', 'Time', 'Interval', 'JSON', 'JSONB',
               'UUID', 'Enum', 'ENUM', 'VARCHAR', 'CHAR', 'TEXT', 'INTEGER', 'BIGINT',
               'SMALLINT', 'NUMERIC', 'DECIMAL', 'FLOAT', 'REAL', 'BOOLEAN', 'DATE',
               'TIMESTAMP', 'TIME', 'ARRAY', 'LargeBinary', 'Unicode', 'UnicodeText',
               'DOUBLE_PRECISION', 'INET', 'CIDR', 'BYTEA', 'HSTORE', 'TSVECTOR', 'Double')


class Module:
    """Facts of one Alembic file, and the walker over its functions."""

    def __init__(self, path: str, tree: ast.Module, dialect: str,
                 volatile: tuple[str, ...]) -> None:
        self.path = path
        self.tree = tree
        self.dialect = dialect
        self.volatile = volatile
        self.consts: dict[str, Any] = {}
        self.funcs: dict[str, ast.FunctionDef] = {}
        self.const_lines: dict[str, int] = {}
        self.op_names = {'op'}
        self.imported: dict[str, str] = {}      # local name -> module, for project imports
        self.steps = 0                          # what the file has cost so far (values.MAX_STEPS)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                self.funcs[node.name] = node
            elif isinstance(node, ast.ImportFrom):
                for a in node.names:
                    if node.module == 'alembic' and a.name == 'op':
                        self.op_names.add(a.asname or 'op')
                    elif not _library(node.module or '') and node.level == 0 or node.level:
                        self.imported[a.asname or a.name] = ('.' * node.level) + (node.module or '')
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name == 'alembic.op':
                        self.op_names.add(a.asname or 'op')
                    elif not _library(a.name):
                        self.imported[a.asname or a.name.split('.')[0]] = a.name
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if node.value is None:
                    continue
                for t in targets:
                    if isinstance(t, ast.Name):
                        self.consts[t.id] = self._const(node.value)
                        self.const_lines[t.id] = node.lineno
            elif isinstance(node, ast.ClassDef):
                table = _tablename(node)       # a model declared in the migration
                if table is not None:
                    self.consts[node.name] = TableRef(sqlmod.norm(table))

    def _const(self, node: ast.AST) -> Any:
        w = Walker(self, [])
        return w.ev(node, State({}, None, False, (), 0, collect=False))

    def tick(self) -> None:
        """One more statement or expression evaluated; ``Budget`` past ``MAX_STEPS``."""
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise Budget(f'evaluating it takes more than {MAX_STEPS:,} steps (loops unrolled '
                         'and helpers inlined)')


class _Return(Exception):
    pass


class Walker(OpCalls):
    """Walks one function body, appending ``Op``s to ``ops``."""

    mod: Module

    def __init__(self, mod: Module, ops: list[m.Op]) -> None:
        self.mod = mod
        self.ops = ops
        self.raises: list[tuple[int, str | None]] = []
        self.attr_writes: list[str] = []    # ``obj.attr = ...``: what ORM writes set
        # per inlined helper: its parameters bound to literals by the call, until rebound
        self.frames: list[dict[str, Any]] = [{}]

    # -- entry ----------------------------------------------------------------------
    def run(self, func: ast.FunctionDef) -> None:
        st = State({}, None, False, (), 0)
        self.body(func.body, st)

    def body(self, stmts: list[ast.stmt], st: State) -> None:
        try:
            for s in stmts:
                self.stmt(s, st)
        except _Return:
            pass

    def add(self, kind: str, node: ast.AST, st: State, **kw: Any) -> m.Op:
        op = m.Op(kind=kind, line=getattr(node, 'lineno', 1),
                  end_line=getattr(node, 'end_lineno', None),
                  conditional=st.cond, in_transaction=not st.autocommit, anchors=st.anchors,
                  node=node, **kw)
        if st.collect:
            self.ops.append(op)
        return op

    # -- statements -----------------------------------------------------------------
    def stmt(self, s: ast.stmt, st: State) -> None:
        self.mod.tick()
        if isinstance(s, ast.Expr):
            if isinstance(s.value, ast.Constant):
                return
            self._opaque_helper(s.value, st)
            self.ev(s.value, st)
        elif isinstance(s, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            if s.value is None:
                return
            val = self.ev(s.value, st)
            targets = s.targets if isinstance(s, ast.Assign) else [s.target]
            for t in targets:
                self.bind(t, UNKNOWN if isinstance(s, ast.AugAssign) else val, st)
                if isinstance(t, ast.Attribute) and t.attr not in self.attr_writes:
                    self.attr_writes.append(sqlmod.norm(t.attr) or t.attr)
        elif isinstance(s, (ast.For, ast.AsyncFor)):
            items = self.ev(s.iter, st)
            if isinstance(items, dict):
                items = list(items)
            if isinstance(items, (list, tuple)) and 0 < len(items) <= MAX_UNROLL:
                for item in items:
                    self.bind(s.target, item, st)
                    self.body(s.body, st)
            else:
                self.bind(s.target, UNKNOWN, st)
                self.body(s.body, st.child(cond=_cond(st.cond, 'for ' + source_of(s.iter))))
            self.body(s.orelse, st)
        elif isinstance(s, ast.While):
            self.body(s.body, st.child(cond=_cond(st.cond, 'while ' + source_of(s.test))))
        elif isinstance(s, ast.If):
            self.ev(s.test, st)
            decided = self.truth(s.test, st)
            if decided is not None:
                # a test on literals only (a helper called with constants): only the
                # branch that runs is walked
                self.body(s.body if decided else s.orelse, st)
                return
            text = source_of(s.test)
            env_a, env_b = dict(st.env), dict(st.env)
            self.body(s.body, st.child(cond=_cond(st.cond, f'if {text}'), env=env_a))
            if s.orelse:
                self.body(s.orelse, st.child(cond=_cond(st.cond, f'if not ({text})'),
                                             env=env_b))
            # after the branches a name keeps the first branch's value (the production
            # dialect's branch comes first in real migrations) unless it was unknown there
            for k in set(env_a) | set(env_b):
                a = env_a.get(k, UNKNOWN)
                st.env[k] = a if a is not UNKNOWN else env_b.get(k, UNKNOWN)
        elif isinstance(s, (ast.With, ast.AsyncWith)):
            inner = st
            for item in s.items:
                val = self.ev(item.context_expr, st)
                if isinstance(val, Marker) and val.kind == 'autocommit':
                    inner = inner.child(autocommit=True)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, val, st)
            self.body(s.body, inner)
        elif isinstance(s, ast.Try) or type(s).__name__ == 'TryStar':
            block: Any = s
            self.body(block.body, st)
            for h in block.handlers:
                self.body(h.body, st.child(cond=_cond(st.cond, 'except')))
            self.body(block.orelse, st)
            self.body(block.finalbody, st)
        elif isinstance(s, ast.Return):
            if s.value is not None:
                self.ev(s.value, st)
            raise _Return
        elif isinstance(s, ast.Raise):
            self.raises.append((s.lineno, st.cond))
            raise _Return
        elif isinstance(s, ast.FunctionDef):
            st.env[s.name] = s
        elif isinstance(s, ast.Match):
            for case in s.cases:
                self.body(case.body, st.child(cond=_cond(st.cond, 'match')))

    def known(self, node: ast.AST, st: State) -> Any:
        """The value of ``node`` when it is a literal, a parameter of the helper being
        inlined that the call passed a literal and the helper never rebinds, or a module
        constant; UNKNOWN otherwise (a local the code may mutate is never trusted)."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and all(
                isinstance(e, ast.Constant) for e in node.elts):
            return tuple(e.value for e in node.elts if isinstance(e, ast.Constant))
        if isinstance(node, ast.Name):
            frame = self.frames[-1]
            if node.id in frame:
                return frame[node.id]
            if node.id not in st.env and node.id in self.mod.consts and \
                    _literal(self.mod.consts[node.id]):
                return self.mod.consts[node.id]
        return UNKNOWN

    def truth(self, test: ast.AST, st: State) -> bool | None:
        """Whether ``test`` is true, when it depends on literals only; None otherwise."""
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            inner = self.truth(test.operand, st)
            return None if inner is None else not inner
        if isinstance(test, ast.BoolOp):
            parts = [self.truth(v, st) for v in test.values]
            if isinstance(test.op, ast.And):
                return False if False in parts else (None if None in parts else True)
            return True if True in parts else (None if None in parts else False)
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            left = self.known(test.left, st)
            right = self.known(test.comparators[0], st)
            if left is UNKNOWN or right is UNKNOWN:
                return None
            cmp = test.ops[0]
            try:
                if isinstance(cmp, ast.Is):
                    return left is right if right is None or left is None else None
                if isinstance(cmp, ast.IsNot):
                    return left is not right if right is None or left is None else None
                if isinstance(cmp, ast.Eq):
                    return bool(left == right)
                if isinstance(cmp, ast.NotEq):
                    return bool(left != right)
                if isinstance(cmp, ast.In):
                    return bool(left in right)
                if isinstance(cmp, ast.NotIn):
                    return bool(left not in right)
            except TypeError:
                return None
            return None
        if isinstance(test, (ast.Name, ast.Constant)):
            val = self.known(test, st)
            return None if val is UNKNOWN else bool(val)
        return None

    def _opaque_helper(self, node: ast.AST, st: State) -> None:
        """A statement that calls a function imported from the project (not a library):
        whatever it does to the database is invisible here, so say so."""
        if not isinstance(node, ast.Call):
            return
        f = node.func
        root = f
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name) or root.id in st.env or root.id not in self.mod.imported:
            return
        if isinstance(f, ast.Attribute) and f.attr in _HARMLESS_METHODS:
            return
        self.add(m.UNANALYSABLE, node, st, attrs={
            'reason': f'calls {source_of(f)}() from {self.mod.imported[root.id]}, which is not '
                      'analysed (the guard never imports project code)'})

    def bind(self, target: ast.AST, val: Any, st: State) -> None:
        if isinstance(target, ast.Name):
            self.frames[-1].pop(target.id, None)
            st.env[target.id] = val
        elif isinstance(target, (ast.Tuple, ast.List)):
            vals = val if isinstance(val, (tuple, list)) and len(val) == len(target.elts) \
                else [UNKNOWN] * len(target.elts)
            for t, v in zip(target.elts, vals):
                self.bind(t, v, st)

    # -- expressions ----------------------------------------------------------------
    def lookup(self, name: str, st: State) -> Any:
        if name in st.env:
            return st.env[name]
        if name in self.mod.op_names:
            return Marker('op')
        if name in self.mod.consts:
            return self.mod.consts[name]
        return UNKNOWN

    def ev(self, node: ast.AST | None, st: State) -> Any:
        self.mod.tick()
        return bounded(self._ev(node, st))

    def _ev(self, node: ast.AST | None, st: State) -> Any:
        if node is None:
            return None
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.lookup(node.id, st)
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            vals = [self.ev(e, st) for e in node.elts if not isinstance(e, ast.Starred)]
            return tuple(vals) if isinstance(node, ast.Tuple) else list(vals)
        if isinstance(node, ast.Dict):
            out = {}
            for k, v in zip(node.keys, node.values):
                key = self.ev(k, st) if k is not None else UNKNOWN
                val = self.ev(v, st)
                if isinstance(key, (str, int)):
                    out[key] = val
            return out
        if isinstance(node, ast.JoinedStr):
            return self.fstring(node, st)
        if isinstance(node, ast.BinOp):
            return self.binop(node, st)
        if isinstance(node, ast.Call):
            return self.call(node, st)
        if isinstance(node, ast.Attribute):
            base = self.ev(node.value, st)
            if isinstance(base, TableRef) and node.attr == 'c':
                return base
            return UNKNOWN
        if isinstance(node, ast.Subscript):
            base = self.ev(node.value, st)
            idx = self.ev(node.slice, st)
            try:
                if isinstance(base, (tuple, list, dict, str)) and idx is not UNKNOWN:
                    return base[idx]
            except (KeyError, IndexError, TypeError):
                return UNKNOWN
            return UNKNOWN
        if isinstance(node, (ast.BoolOp, ast.Compare, ast.UnaryOp)):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.ev(child, st)
            return UNKNOWN
        if isinstance(node, ast.IfExp):
            self.ev(node.test, st)
            a = self.ev(node.body, st)
            b = self.ev(node.orelse, st)
            return a if a == b else UNKNOWN
        return UNKNOWN

    def fstring(self, node: ast.JoinedStr, st: State) -> Any:
        parts: list[str] = []
        partial = False
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append(str(v.value))
                continue
            val = self.ev(v.value, st) if isinstance(v, ast.FormattedValue) else UNKNOWN
            val = _plain(val)
            if isinstance(val, (str, int, float)) and not isinstance(val, bool) and \
                    (not isinstance(v, ast.FormattedValue) or v.format_spec is None):
                parts.append(str(val))
            else:
                parts.append(PLACEHOLDER)
                partial = True
        text = ''.join(parts)
        return Sql(text, partial=True) if partial else text

    def binop(self, node: ast.BinOp, st: State) -> Any:
        left = self.ev(node.left, st)
        right = self.ev(node.right, st)
        if isinstance(node.op, ast.Add):
            if isinstance(left, tuple) and isinstance(right, tuple):
                return left + right
            if isinstance(left, list) and isinstance(right, list):
                return left + right
            lp, rp = _plain(left), _plain(right)
            if isinstance(lp, str) and isinstance(rp, str):
                partial = any(isinstance(x, Sql) and x.partial for x in (left, right))
                return Sql(lp + rp, partial) if partial else lp + rp
            if isinstance(lp, str) or isinstance(rp, str):
                return Sql((lp if isinstance(lp, str) else PLACEHOLDER)
                           + (rp if isinstance(rp, str) else PLACEHOLDER), partial=True)
        if isinstance(node.op, ast.Mod) and isinstance(_plain(left), str):
            args = right if isinstance(right, tuple) else (right,)
            try:
                if all(isinstance(_plain(a), (str, int, float)) for a in args):
                    return _plain(left) % tuple(_plain(a) for a in args)
            except (TypeError, ValueError):
                pass
            return Sql(_plain(left).replace('%s', PLACEHOLDER), partial=True)
        if isinstance(left, (int, float)) and isinstance(right, (int, float)):
            if isinstance(node.op, (ast.Pow, ast.LShift)) and abs(right) > 1024:
                return UNKNOWN          # 10 ** 10 ** 10 would take forever to compute
            if isinstance(node.op, ast.Mult) and isinstance(left, int) and \
                    isinstance(right, int) and left.bit_length() + right.bit_length() > 4096:
                return UNKNOWN
            try:
                return eval(compile(ast.Expression(ast.BinOp(  # noqa: S307 - literals only
                    ast.Constant(left), node.op, ast.Constant(right))), '<c>', 'eval'))
            except Exception:  # noqa: BLE001 - an operation Python rejects stays unknown
                return UNKNOWN
        return UNKNOWN

    # -- calls ----------------------------------------------------------------------
    def call(self, node: ast.Call, st: State) -> Any:
        func = node.func
        if isinstance(func, ast.Attribute):
            base = self.ev(func.value, st)
            attr = func.attr
            if isinstance(base, Marker):
                if base.kind in ('op', 'batch'):
                    return self.op_call(attr, node, st, base)
                if base.kind == 'bind' and attr in ('execute', 'exec_driver_sql'):
                    return self.execute(node, node.args[0] if node.args else None, st)
                if base.kind == 'context' and attr == 'autocommit_block':
                    return Marker('autocommit')
                if base.kind == 'inspector':
                    self._args(node, st)
                    return UNKNOWN
            if isinstance(base, TableRef) and attr in ('update', 'delete', 'insert'):
                return CoreDml(attr, base.name)
            if isinstance(base, TableRef) and attr in ('create', 'drop'):
                self._args(node, st)
                self.add(m.CREATE_TABLE if attr == 'create' else m.DROP_TABLE, node, st,
                         table=base.name, attrs={'columns': {}})
                return None
            if attr in ('create_all', 'drop_all'):
                self._args(node, st)
                self.add(m.UNANALYSABLE, node, st, attrs={
                    'reason': f'{source_of(func)}() creates or drops every table of a MetaData '
                              'object, which is not analysed'})
                return None
            if isinstance(base, CoreDml):
                args, kwargs = self._args(node, st)
                if attr in ('where', 'filter', 'filter_by'):
                    return CoreDml(base.verb, base.table, True, base.set_columns)
                if attr == 'values':
                    cols = list(kwargs) + [k for a in args if isinstance(a, dict) for k in a]
                    return CoreDml(base.verb, base.table, base.where,
                                   tuple(sqlmod.norm(c) or c for c in cols
                                         if isinstance(c, str)) or None)
                return base
            if isinstance(base, TypeVal) and attr in ('create', 'drop') and base.enum_name:
                self._args(node, st)
                kind = m.CREATE_OBJECT if attr == 'create' else m.DROP_OBJECT
                self.add(kind, node, st, name=sqlmod.norm(base.enum_name),
                         attrs={'object': 'type'})
                return None
            if isinstance(base, (str, Sql)) and attr in ('bindparams', 'columns',
                                                         'execution_options', 'params'):
                self._args(node, st)
                return base
            if isinstance(base, Marker) and base.kind == 'session':
                return self.session_call(attr, node, st)
            if isinstance(base, Marker) and base.kind == 'query':
                self._args(node, st)
                if attr in ('update', 'delete'):
                    self.add(m.DML, node, st, attrs={'verb': attr, 'where': True, 'orm': True})
                    return UNKNOWN
                return base
            if attr == 'format' and isinstance(_plain(base), str):
                args = [self.ev(a, st) for a in node.args]
                kwargs = {k.arg: self.ev(k.value, st) for k in node.keywords if k.arg}
                if all(isinstance(_plain(a), (str, int, float)) for a in [*args, *kwargs.values()]):
                    try:
                        return _plain(base).format(*[_plain(a) for a in args],
                                                   **{k: _plain(v) for k, v in kwargs.items()})
                    except (IndexError, KeyError, ValueError):
                        pass
                return Sql(_format_placeholders(_plain(base)), partial=True)
            if isinstance(base, dict) and attr in ('items', 'keys', 'values') and not node.args:
                return tuple(getattr(base, attr)())
            if attr in ('join',) and isinstance(base, str):
                items = self.ev(node.args[0], st) if node.args else UNKNOWN
                if isinstance(items, (list, tuple)) and \
                        all(isinstance(_plain(i), str) for i in items):
                    return base.join(_plain(i) for i in items)
                return Sql(PLACEHOLDER, partial=True)
            name = attr
        elif isinstance(func, ast.Name):
            target = self.lookup(func.id, st)
            if isinstance(target, ast.FunctionDef):
                return self.inline(target, node, st)
            if func.id in self.mod.funcs and func.id not in ('upgrade', 'downgrade'):
                return self.inline(self.mod.funcs[func.id], node, st)
            name = func.id
        else:
            self._args(node, st)
            return UNKNOWN
        return self.library_call(name, node, st)

    def _args(self, node: ast.Call, st: State) -> tuple[list[Any], dict[str, Any]]:
        args = [self.ev(a.value if isinstance(a, ast.Starred) else a, st) for a in node.args]
        kwargs = {k.arg: self.ev(k.value, st) for k in node.keywords if k.arg}
        return args, kwargs

    def library_call(self, name: str, node: ast.Call, st: State) -> Any:
        if name in ('text', 'literal_column', 'DDL'):
            arg = self.ev(node.args[0], st) if node.args else UNKNOWN
            return arg if isinstance(arg, (str, Sql)) else Sql(PLACEHOLDER, partial=True) \
                if arg is UNKNOWN else UNKNOWN
        if name in ('table', 'Table'):
            args, _ = self._args(node, st)
            return TableRef(sqlmod.norm(args[0]) if args and isinstance(args[0], str) else None)
        if name in ('update', 'delete', 'insert') and node.args:
            t = self.ev(node.args[0], st)
            if isinstance(t, TableRef):
                return CoreDml(name, t.name)
        if name == 'select':                   # a read, whatever it selects
            self._args(node, st)
            return CoreDml('select', None)
        if name == 'dedent' and node.args:     # textwrap.dedent(SQL): the same statement
            return self.ev(node.args[0], st)
        if name in ('Session', 'sessionmaker', 'scoped_session'):
            self._args(node, st)
            return Marker('session')
        if name == 'batch_alter_table':
            args, _ = self._args(node, st)
            table = _plain(args[0]) if args else None
            return Marker('batch', sqlmod.norm(table) if isinstance(table, str) else None)
        if name == 'inspect' or name == 'from_engine' or name in ('get_inspector',):
            self._args(node, st)
            self.add(m.INTROSPECTION, node, st)
            return Marker('inspector')
        if name == 'Column':
            return self.column(node, st)
        if name in ('Enum', 'ENUM'):
            args, kwargs = self._args(node, st)
            enum_name = kwargs.get('name')
            return TypeVal(source_of(node), enum_name if isinstance(enum_name, str) else None,
                           create_type=kwargs.get('create_type') is not False)
        if name in _TYPE_NAMES:
            return TypeVal(source_of(node))
        if name in _SEQ_BUILTINS and node.args and not node.keywords:
            return _seq_builtin(name, [self.ev(a, st) for a in node.args])
        if name in ('inline_literal',):
            args, _ = self._args(node, st)
            return args[0] if args else UNKNOWN
        self._args(node, st)
        return UNKNOWN

    def column(self, node: ast.Call, st: State) -> ColumnDef:
        args, kwargs = self._args(node, st)
        name = args[0] if args and isinstance(args[0], str) else None
        type_text = ''
        rest = node.args[1:] if name is not None else node.args
        constraints = []
        enum = None
        for a, val in zip(rest, args[1:] if name is not None else args):
            if isinstance(val, TypeVal):
                type_text = val.text
                enum = val.enum_name if val.create_type else None
            elif isinstance(a, ast.Call):
                callee = call_name(a)
                if callee == 'ForeignKey':
                    constraints.append('foreign_key')
                elif callee in _TYPE_NAMES or (callee and callee[:1].isupper()
                                              and not type_text and callee not in (
                                                  'CheckConstraint', 'Identity', 'Computed')):
                    type_text = source_of(a)
            elif isinstance(a, ast.Attribute | ast.Name) and not type_text:
                type_text = source_of(a)
        pk = kwargs.get('primary_key') is True
        nullable = kwargs.get('nullable')
        nullable = (not pk) if not isinstance(nullable, bool) else nullable
        sd_node = next((k.value for k in node.keywords if k.arg == 'server_default'), None)
        server_default = None
        volatile = False
        if sd_node is not None and \
                not (isinstance(sd_node, ast.Constant) and sd_node.value is None):
            server_default = 'set'
            text = _plain(kwargs.get('server_default'))
            if isinstance(text, str) and any(v + '(' in text.lower().replace(' ', '')
                                             for v in self.mod.volatile):
                volatile = True
        if any(call_name(a) == 'Computed' for a in node.args if isinstance(a, ast.Call)):
            server_default, volatile = 'set', True
        if any(call_name(a) == 'Identity' for a in node.args if isinstance(a, ast.Call)):
            server_default = 'set'
        if kwargs.get('unique') is True:
            constraints.append('unique')
        return ColumnDef(name=sqlmod.norm(name) if name else None, type=type_text,
                         nullable=nullable, server_default=server_default, volatile=volatile,
                         primary_key=pk, constraints=tuple(constraints), enum=enum)

    def inline(self, func: ast.FunctionDef, node: ast.Call, st: State) -> Any:
        args, kwargs = self._args(node, st)
        if st.depth >= MAX_DEPTH:
            return UNKNOWN
        env: dict[str, Any] = {}
        params = [a.arg for a in func.args.posonlyargs + func.args.args]
        defaults = func.args.defaults
        for i, p in enumerate(params):
            d = i - (len(params) - len(defaults))
            env[p] = self.ev(defaults[d], st) if d >= 0 else UNKNOWN
        for p, v in zip(params, args):
            env[p] = v
        for a, kd in zip(func.args.kwonlyargs, func.args.kw_defaults):
            env[a.arg] = self.ev(kd, st) if kd is not None else UNKNOWN
        for k, v in kwargs.items():
            env[k] = v
        for name, val in st.env.items():
            if isinstance(val, Marker) and name not in env:
                env[name] = val
        inner = State(env, st.cond, st.autocommit,
                       st.anchors + ((node.lineno, getattr(node, 'end_lineno', node.lineno)),),
                       st.depth + 1, st.collect)
        # a helper that only returns an expression (e.g. builds SQL) is evaluated
        body = [b for b in func.body if not (isinstance(b, ast.Expr)
                                              and isinstance(b.value, ast.Constant))]
        if len(body) == 1 and isinstance(body[0], ast.Return):
            return self.ev(body[0].value, inner)
        self.frames.append({k: tuple(v) if isinstance(v, list) else v
                            for k, v in env.items()
                            if _literal(tuple(v) if isinstance(v, list) else v)})
        try:
            self.body(func.body, inner)
        finally:
            self.frames.pop()
        return UNKNOWN


def _literal(val: Any) -> bool:
    """A plain, immutable Python literal (tuples of literals included)."""
    if isinstance(val, Sql):
        return False
    if val is None or isinstance(val, (bool, int, float, str, bytes)):
        return True
    return isinstance(val, tuple) and all(_literal(x) for x in val)

def _tablename(cls: ast.ClassDef) -> str | None:
    for node in cls.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None and any(
                isinstance(t, ast.Name) and t.id == '__tablename__'
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target])) \
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return node.value.value
    return None


_SEQ_BUILTINS = ('reversed', 'sorted', 'list', 'tuple', 'set', 'enumerate', 'zip', 'range')


def _seq_builtin(name: str, args: list[Any]) -> Any:
    seqs = [list(a) if isinstance(a, dict) else a for a in args]
    if name == 'range':
        ints = [a for a in seqs if isinstance(a, int) and not isinstance(a, bool)]
        if len(ints) == len(seqs) and len(ints) <= 3:
            r = range(*ints)
            return tuple(r) if len(r) <= MAX_UNROLL else UNKNOWN
        return UNKNOWN
    if not all(isinstance(a, (list, tuple)) for a in seqs):
        return UNKNOWN
    if name == 'reversed':
        return tuple(reversed(seqs[0]))
    if name == 'sorted':
        try:
            return tuple(sorted(seqs[0]))
        except TypeError:
            return tuple(seqs[0])
    if name == 'enumerate':
        return tuple(enumerate(seqs[0]))
    if name == 'zip':
        return tuple(zip(*seqs))
    return tuple(seqs[0])


_LIBRARIES = ('alembic', 'sqlalchemy', 'sqlmodel', 'typing', 'typing_extensions',
              'datetime', 'uuid', 'json', 'logging', 'os', 'sys', 're', 'enum', 'decimal',
              'collections',
              'itertools', 'functools', 'textwrap', 'time', 'dataclasses', 'geoalchemy2',
              'sqlalchemy_utils', 'psycopg2', 'psycopg', '__future__', 'contextlib', 'warnings',
              'django', 'pathlib', 'hashlib', 'secrets', 'string', 'math', 'copy', 'csv')
_HARMLESS_METHODS = ('info', 'debug', 'warning', 'warn', 'error', 'exception', 'critical')


def _library(module: str) -> bool:
    return module.split('.')[0] in _LIBRARIES


def _format_placeholders(text: str) -> str:
    return re.sub(r'\{[^{}]*\}', PLACEHOLDER, text)


def _cond(outer: str | None, inner: str) -> str:
    inner = inner if len(inner) <= 80 else inner[:77] + '...'
    return f'{outer}; {inner}' if outer else inner


def module_facts(tree: ast.Module) -> dict[str, tuple[Any, int]]:
    """revision / down_revision / branch_labels / depends_on values and their lines."""
    out: dict[str, tuple[Any, int]] = {}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name) and t.id in ('revision', 'down_revision',
                                                        'branch_labels', 'depends_on'):
                    try:
                        out[t.id] = (ast.literal_eval(node.value), node.lineno)
                    except ValueError:
                        out[t.id] = (UNKNOWN, node.lineno)
    return out


Analyser = Callable[[ast.FunctionDef], list[m.Op]]
