"""The ``op.*`` / ``batch_op.*`` calls of an Alembic migration, ``execute()`` of SQL text
or SQLAlchemy Core statements, and ORM session writes, turned into ``Op`` records. A mixin
of ``pyfront.Walker``, which provides ``add``, ``ev``, ``_args`` and ``mod``."""
from __future__ import annotations

import ast
import re
from typing import Any
from typing import Protocol
from typing import TYPE_CHECKING

from hotfix_hooks.migrations import model as m
from hotfix_hooks.migrations import sql as sqlmod
from hotfix_hooks.migrations.values import ColumnDef
from hotfix_hooks.migrations.values import CoreDml
from hotfix_hooks.migrations.values import Marker
from hotfix_hooks.migrations.values import PLACEHOLDER
from hotfix_hooks.migrations.values import plain
from hotfix_hooks.migrations.values import Sql
from hotfix_hooks.migrations.values import State
from hotfix_hooks.migrations.values import TableRef
from hotfix_hooks.migrations.values import TypeVal
from hotfix_hooks.migrations.values import UNKNOWN
from hotfix_hooks.pyast import source_of

# op method -> positional parameter names (op.X form); batch_op drops ``table_name``-like
# parameters listed in _BATCH_DROP.
_PARAMS: dict[str, tuple[str, ...]] = {
    'create_table': ('table_name',),
    'drop_table': ('table_name',),
    'add_column': ('table_name', 'column'),
    'drop_column': ('table_name', 'column_name'),
    'alter_column': ('table_name', 'column_name'),
    'rename_table': ('old_table_name', 'new_table_name'),
    'create_index': ('index_name', 'table_name', 'columns'),
    'drop_index': ('index_name', 'table_name'),
    'create_unique_constraint': ('constraint_name', 'table_name', 'columns'),
    'create_check_constraint': ('constraint_name', 'table_name', 'condition'),
    'create_foreign_key': ('constraint_name', 'source_table', 'referent_table',
                           'local_cols', 'remote_cols'),
    'create_primary_key': ('constraint_name', 'table_name', 'columns'),
    'create_exclude_constraint': ('constraint_name', 'table_name'),
    'drop_constraint': ('constraint_name', 'table_name', 'type_'),
    'execute': ('sqltext',),
    'bulk_insert': ('table', 'rows'),
    'batch_alter_table': ('table_name',),
}
_BATCH_DROP = {'table_name', 'source_table'}

_BIND_PARAM = re.compile(r'(^|[^:\w]):[A-Za-z_]\w*|()%\(\w+\)s|()(?<!%)%s')


class _ModuleFacts(Protocol):
    """What the handlers read of the module being walked (``pyfront.Module``)."""

    @property
    def dialect(self) -> str: ...

    @property
    def volatile(self) -> tuple[str, ...]: ...


class OpCalls:
    """``op.X(...)`` handlers (mixed into ``pyfront.Walker``)."""

    mod: _ModuleFacts
    ops: list[m.Op]
    attr_writes: list[str]

    if TYPE_CHECKING:
        def add(self, kind: str, node: ast.AST, st: State, **kw: Any) -> m.Op: ...

        def ev(self, node: ast.AST | None, st: State) -> Any: ...

        def _args(self, node: ast.Call, st: State) -> tuple[list[Any], dict[str, Any]]: ...
    def op_call(self, attr: str, node: ast.Call, st: State, base: Marker) -> Any:
        batch = base.kind == 'batch'
        params = _PARAMS.get(attr, ())
        if batch:
            params = tuple(p for p in params if p not in _BATCH_DROP)
        bound: dict[str, Any] = {}
        values = [self.ev(a, st) for a in node.args if not isinstance(a, ast.Starred)]
        for p, v in zip(params, values):
            bound[p] = v
        extra_pos = values[len(params):]
        nodes: dict[str, ast.AST] = {k.arg: k.value for k in node.keywords if k.arg}
        for k in node.keywords:
            if k.arg:
                bound[k.arg] = self.ev(k.value, st)
        if batch:
            bound.setdefault('table_name', base.table)
            bound.setdefault('source_table', base.table)

        def s(key: str) -> str | None:
            v = plain(bound.get(key))
            return sqlmod.norm(v) if isinstance(v, str) else None

        add = self.add
        if attr == 'get_bind':
            return Marker('bind')
        if attr == 'get_context':
            return Marker('context')
        if attr == 'batch_alter_table':
            return Marker('batch', s('table_name'))
        if attr == 'f':
            return bound.get('name', values[0] if values else UNKNOWN)
        if attr == 'inline_literal':
            return values[0] if values else UNKNOWN
        if attr == 'create_table':
            cols = {c.name: _col_attrs(c) for c in extra_pos if isinstance(c, ColumnDef) and c.name}
            add(m.CREATE_TABLE, node, st, table=s('table_name'), attrs={'columns': cols})
            for c in extra_pos:
                if isinstance(c, ColumnDef) and c.enum:
                    add(m.CREATE_OBJECT, node, st, name=sqlmod.norm(c.enum),
                        attrs={'object': 'type', 'implicit': True})
            return TableRef(s('table_name'))
        if attr == 'drop_table':
            add(m.DROP_TABLE, node, st, table=s('table_name'))
        elif attr == 'add_column':
            col = bound.get('column')
            if isinstance(col, ColumnDef):
                add(m.ADD_COLUMN, node, st, table=s('table_name'), column=col.name,
                    attrs=_col_attrs(col))
                for c in col.constraints:
                    add(m.ADD_CONSTRAINT, node, st, table=s('table_name'), name=None,
                        attrs={'constraint': c, 'new_column': True, 'not_valid': False})
            else:
                add(m.ADD_COLUMN, node, st, table=s('table_name'), column=None,
                    attrs={'nullable': None})
        elif attr == 'drop_column':
            add(m.DROP_COLUMN, node, st, table=s('table_name'), column=s('column_name'))
        elif attr == 'alter_column':
            self.alter_column(node, st, s('table_name'), s('column_name'), bound, nodes)
        elif attr == 'rename_table':
            add(m.RENAME_TABLE, node, st, table=s('old_table_name'),
                attrs={'new_name': s('new_table_name')})
        elif attr == 'create_index':
            unique = bound.get('unique') is True
            concurrent = bound.get('postgresql_concurrently') is True
            given = bound.get('columns')
            idx_cols = [sqlmod.norm(c) if isinstance(c, str) else '(expression)'
                        for c in given] if isinstance(given, (list, tuple)) else []
            add(m.CREATE_INDEX, node, st, table=s('table_name'), name=s('index_name'),
                attrs={'unique': unique, 'concurrent': concurrent, 'columns': idx_cols,
                       'partial': 'postgresql_where' in bound or 'sqlite_where' in bound})
        elif attr == 'drop_index':
            add(m.DROP_INDEX, node, st, table=s('table_name'), name=s('index_name'),
                attrs={'concurrent': bound.get('postgresql_concurrently') is True,
                       'if_exists': bound.get('if_exists') is True})
        elif attr in ('create_unique_constraint', 'create_check_constraint',
                      'create_foreign_key', 'create_primary_key', 'create_exclude_constraint'):
            kind = {'create_unique_constraint': 'unique', 'create_check_constraint': 'check',
                    'create_foreign_key': 'foreign_key', 'create_primary_key': 'primary_key',
                    'create_exclude_constraint': 'exclusion'}[attr]
            table = s('source_table') if kind == 'foreign_key' else s('table_name')
            given = bound.get('local_cols' if kind == 'foreign_key' else 'columns')
            names = [sqlmod.norm(c) for c in given if isinstance(c, str)] \
                if isinstance(given, (list, tuple)) else []
            attrs: dict[str, Any] = {'constraint': kind, 'columns': names,
                                     'not_valid': bound.get('postgresql_not_valid') is True,
                                     'referent': s('referent_table')}
            cond = plain(bound.get('condition'))
            not_null = re.match(r'(?i)^\s*"?(\w+)"?\s+is\s+not\s+null\s*$', cond) \
                if isinstance(cond, str) else None
            if not_null:
                attrs['not_null_of'] = not_null.group(1).lower()   # CHECK (col IS NOT NULL)
            add(m.ADD_CONSTRAINT, node, st, table=table, name=s('constraint_name'), attrs=attrs)
        elif attr == 'drop_constraint':
            add(m.DROP_CONSTRAINT, node, st, table=s('table_name'), name=s('constraint_name'),
                attrs={'constraint': plain(bound.get('type_')),
                       'if_exists': bound.get('if_exists') is True,
                       # drop_constraint(None, ...): autogenerate's placeholder for a
                       # constraint it could not name; Alembic cannot drop it
                       'unnamed': 'constraint_name' in bound and
                                  bound['constraint_name'] is None})
        elif attr == 'execute':
            return self.execute(node, node.args[0] if node.args else nodes.get('sqltext'), st,
                                value=bound.get('sqltext', UNKNOWN))
        elif attr == 'bulk_insert':
            t = bound.get('table')
            add(m.DML, node, st, table=t.name if isinstance(t, TableRef) else None,
                attrs={'verb': 'insert', 'where': True, 'via': 'bulk_insert'})
        elif attr in ('get_bind', 'get_context', 'run_async', 'invoke', 'implementation_for'):
            return UNKNOWN
        else:
            add(m.OTHER, node, st, attrs={'call': attr})
        return None

    def alter_column(self, node: ast.Call, st: State, table: str | None, column: str | None,
                     bound: dict[str, Any], nodes: dict[str, ast.AST]) -> None:
        attrs: dict[str, Any] = {}
        if isinstance(bound.get('nullable'), bool):
            attrs['nullable'] = bound['nullable']
        if 'type_' in bound:
            t = bound['type_']
            attrs['type'] = t.text if isinstance(t, TypeVal) else source_of(nodes.get('type_'))
            attrs['using'] = 'postgresql_using' in bound
        if 'existing_type' in bound:
            t = bound['existing_type']
            attrs['old_type'] = t.text if isinstance(t, TypeVal) else \
                source_of(nodes.get('existing_type'))
        if 'server_default' in bound:
            sd = bound['server_default']
            if sd is None:
                attrs['server_default'] = 'drop'
            elif sd is not False:
                attrs['server_default'] = 'set'
        if 'existing_nullable' in bound and isinstance(bound['existing_nullable'], bool):
            attrs['existing_nullable'] = bound['existing_nullable']
        new_name = plain(bound.get('new_column_name'))
        if any(k in attrs for k in ('nullable', 'type', 'server_default')):
            self.add(m.ALTER_COLUMN, node, st, table=table, column=column, attrs=attrs)
        if isinstance(new_name, str):
            self.add(m.RENAME_COLUMN, node, st, table=table, column=column,
                     attrs={'new_name': sqlmod.norm(new_name)})
        if not attrs and not isinstance(new_name, str):
            self.add(m.OTHER, node, st, table=table, column=column, attrs={'call': 'alter_column'})

    def session_call(self, attr: str, node: ast.Call, st: State) -> Any:
        """An ORM session in a migration: execute() is analysed like op.execute; writes
        through the session are data changes on tables that cannot be told statically."""
        if attr == 'execute':
            return self.execute(node, node.args[0] if node.args else None, st)
        if attr == 'query':
            self._args(node, st)
            return Marker('query')
        self._args(node, st)
        if attr in ('add', 'add_all', 'delete', 'merge', 'bulk_save_objects',
                    'bulk_insert_mappings', 'bulk_update_mappings'):
            # objects changed attribute by attribute, then added back: an UPDATE of those
            # attributes; added without any attribute set: new rows
            written = list(self.attr_writes)
            verb = 'delete' if attr == 'delete' else 'insert' if 'insert' in attr or (
                attr in ('add', 'add_all') and not written) else 'update'
            attrs: dict[str, Any] = {'verb': verb, 'where': True, 'orm': True}
            if written and verb == 'update':
                attrs['set_columns'] = written
            self.add(m.DML, node, st, attrs=attrs)
        elif attr in ('commit', 'flush') and self.attr_writes and not any(
                o.kind == m.DML and o.attrs.get('orm') for o in self.ops):
            # the unit of work: objects loaded through the session and changed attribute by
            # attribute are written when it commits or flushes, without add() or merge()
            self.add(m.DML, node, st, attrs={'verb': 'update', 'where': True, 'orm': True,
                                             'set_columns': list(self.attr_writes)})
        return UNKNOWN

    def execute(self, node: ast.Call, arg: ast.AST | None, st: State,
                value: Any = UNKNOWN) -> Any:
        val = value if value is not UNKNOWN else self.ev(arg, st)
        if isinstance(val, CoreDml):
            if val.verb == 'select':
                return UNKNOWN
            attrs: dict[str, Any] = {'verb': val.verb, 'where': val.where or val.verb == 'insert'}
            if val.set_columns:
                attrs['set_columns'] = list(val.set_columns)
            self.add(m.DML, node, st, table=val.table, attrs=attrs)
            return UNKNOWN
        text = plain(val)
        if not isinstance(text, str):
            self.add(m.UNANALYSABLE, node, st, attrs={
                'reason': f'the SQL passed to execute() is not a literal: {source_of(arg)[:80]}'})
            return UNKNOWN
        if not st.collect:
            return UNKNOWN
        if text.strip().rstrip(';').strip().lower() in ('commit', 'end'):
            st.autocommit = True        # the old "escape the transaction" idiom
            return UNKNOWN
        text = _BIND_PARAM.sub(r'\1NULL', text).replace('%%', '%')
        ops = sqlmod.analyse(text, node.lineno, self.mod.dialect,
                             end_line=getattr(node, 'end_lineno', None), conditional=st.cond,
                             in_transaction=not st.autocommit, anchors=st.anchors,
                             exact_lines=False, volatile=self.mod.volatile)
        if isinstance(val, Sql) and val.partial:
            for o in ops:
                o.attrs['partial'] = True
                for key in ('table', 'column', 'name'):
                    if getattr(o, key) and PLACEHOLDER in getattr(o, key):
                        setattr(o, key, getattr(o, key).replace(PLACEHOLDER, '?'))
        self.ops.extend(ops)
        return UNKNOWN


# :name bind parameters (not ::casts, not 10:30) and %(name)s / %s driver parameters


def _col_attrs(c: ColumnDef) -> dict[str, Any]:
    return {'type': c.type, 'nullable': c.nullable, 'server_default': c.server_default,
            'volatile': c.volatile, 'primary_key': c.primary_key}
