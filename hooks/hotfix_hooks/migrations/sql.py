"""SQL -> ``Op`` records.

PostgreSQL (the default ``dialect``) is parsed with pglast, the real PostgreSQL parser,
imported only when a migration actually contains SQL. Other dialects use sqlglot (the
optional ``dialects`` extra). A statement that does not parse becomes an ``UNANALYSABLE``
op, never a silent pass.
"""
from __future__ import annotations

import re
from typing import Any

from hotfix_hooks.errors import ConfigError
from hotfix_hooks.migrations import model as m

# functions that give every row its own value (a UNIQUE / PRIMARY KEY over a column filled
# with them holds on existing rows)
UNIQUE_GENERATORS = frozenset({'gen_random_uuid', 'uuid_generate_v1', 'uuid_generate_v4',
                               'uuid_generate_v7', 'uuidv4', 'uuidv7', 'nextval'})
DEFAULT_VOLATILE = m.DEFAULT_VOLATILE

_OBJECTS = {
    'OBJECT_SCHEMA': 'schema', 'OBJECT_TYPE': 'type', 'OBJECT_DOMAIN': 'domain',
    'OBJECT_VIEW': 'view', 'OBJECT_MATVIEW': 'materialized view',
    'OBJECT_FUNCTION': 'function', 'OBJECT_PROCEDURE': 'procedure',
    'OBJECT_SEQUENCE': 'sequence', 'OBJECT_EXTENSION': 'extension',
    'OBJECT_TRIGGER': 'trigger', 'OBJECT_DATABASE': 'database',
}


def norm(name: str | None) -> str | None:
    """Normalise an identifier: lower case, unquoted, without the ``public.`` schema."""
    if name is None:
        return None
    name = name.strip().strip('"').lower()
    if name.startswith('public.'):
        name = name[7:]
    return name.replace('"', '')


def analyse(sql: str, line: int, dialect: str = 'postgresql', *, end_line: int | None = None,
            conditional: str | None = None, in_transaction: bool = True,
            anchors: tuple[tuple[int, int], ...] = (), exact_lines: bool = True,
            volatile: tuple[str, ...] = DEFAULT_VOLATILE) -> list[m.Op]:
    """Ops of ``sql``. ``line`` is the line where ``sql`` starts in its file; with
    ``exact_lines`` (SQL files) each op gets the line of its statement, otherwise (SQL
    inside a Python call) every op gets the span ``line..end_line`` of the call."""
    ctx = _Ctx(sql, line, end_line, conditional, in_transaction, anchors, exact_lines,
               tuple(v.lower() for v in volatile))
    if not sql.strip() or _only_comments(sql):
        return []
    if dialect in ('postgresql', 'postgres', 'pg'):
        return _pglast(ctx)
    return _sqlglot(ctx, dialect)


def normalise(sql: str) -> str:
    """SQL text without comments, spacing and the trailing semicolon (for comparisons)."""
    sql = re.sub(r'--[^\n]*|/\*.*?\*/', ' ', sql, flags=re.S)
    return ' '.join(sql.split()).rstrip(';').strip()


def _only_comments(sql: str) -> bool:
    stripped = re.sub(r'--[^\n]*|/\*.*?\*/', '', sql, flags=re.S)
    return not stripped.strip(' \t\r\n;')


class _Ctx:
    def __init__(self, sql: str, line: int, end_line: int | None, conditional: str | None,
                 in_transaction: bool, anchors: tuple[tuple[int, int], ...],
                 exact: bool, volatile: tuple[str, ...]) -> None:
        self.sql = sql
        self.data = sql.encode('utf-8')
        self.line = line
        self.end_line = end_line
        self.conditional = conditional
        self.in_transaction = in_transaction
        self.anchors = anchors
        self.exact = exact
        self.volatile = volatile

    def op(self, kind: str, loc: int, source: str, **kw: Any) -> m.Op:
        if self.exact:
            line = self.line + self.data[:max(loc, 0)].count(b'\n')
            end = line + source.count('\n')
        else:
            line, end = self.line, self.end_line or self.line
        attrs = kw.pop('attrs', {})
        return m.Op(kind=kind, line=line, end_line=end, conditional=self.conditional,
                    in_transaction=self.in_transaction, anchors=self.anchors,
                    source=' '.join(source.split())[:120], attrs=attrs,
                    sig=normalise(source), **kw)


# -- PostgreSQL via pglast ---------------------------------------------------------
def _pglast(ctx: _Ctx) -> list[m.Op]:
    from pglast import parser

    try:
        stmts = parser.parse_sql(ctx.sql)
    except parser.ParseError as e:
        loc = e.args[1] if len(e.args) > 1 and isinstance(e.args[1], int) else 0
        msg = str(e.args[0]) if e.args else str(e)
        return [ctx.op(m.UNANALYSABLE, loc, '',
                       attrs={'reason': f'SQL does not parse: {msg}'})]
    except (RecursionError, MemoryError, ValueError) as e:
        return [ctx.op(m.UNANALYSABLE, 0, '',
                       attrs={'reason': f'SQL could not be parsed ({type(e).__name__})'})]
    ops: list[m.Op] = []
    for raw in stmts:
        loc = raw.stmt_location or 0
        length = raw.stmt_len or (len(ctx.data) - loc)
        source = ctx.data[loc:loc + length].decode('utf-8', 'replace')
        try:
            ops.extend(_pg_stmt(ctx, raw.stmt, loc, source))
        except Exception as e:  # noqa: BLE001 - an odd AST is a finding, not a crash
            ops.append(ctx.op(m.UNANALYSABLE, loc, source,
                              attrs={'reason': f'statement not understood ({type(e).__name__})'}))
    return ops


def _s(node: Any) -> str:
    """Text of a pglast String / identifier list."""
    if node is None:
        return ''
    if isinstance(node, str):
        return node
    if isinstance(node, (tuple, list)):
        return '.'.join(_s(n) for n in node)
    if type(node).__name__ == 'TypeName':
        return '.'.join(n.sval for n in node.names or () if getattr(n, 'sval', None)
                        and n.sval != 'pg_catalog')
    for attr in ('sval', 'relname', 'objname', 'name'):
        val = getattr(node, attr, None)
        if val is not None:
            if attr == 'relname' and getattr(node, 'schemaname', None):
                return f'{node.schemaname}.{val}'
            return _s(val)
    return str(node)


def _type_text(type_name: Any) -> str:
    if type_name is None:
        return ''
    names = [n.sval for n in (type_name.names or ()) if getattr(n, 'sval', None)]
    names = [n for n in names if n != 'pg_catalog']
    text = '.'.join(names)
    mods = []
    for mod in type_name.typmods or ():
        val = getattr(getattr(mod, 'val', None), 'ival', None)
        if val is not None:
            mods.append(str(val))
    if mods:
        text += '(' + ','.join(mods) + ')'
    return text


def _func_name(expr: Any) -> str | None:
    name = type(expr).__name__
    if name == 'FuncCall':
        return (_s(expr.funcname).split('.')[-1]).lower()
    if name == 'TypeCast':
        return _func_name(expr.arg)
    return None


def _column_def(ctx: _Ctx, col: Any) -> dict[str, Any]:
    info: dict[str, Any] = {'type': _type_text(col.typeName), 'nullable': True,
                            'server_default': None, 'volatile': False}
    for con in col.constraints or ():
        ct = con.contype.name
        if ct in ('CONSTR_NOTNULL', 'CONSTR_PRIMARY'):
            info['nullable'] = False
        elif ct == 'CONSTR_DEFAULT':
            info['server_default'] = 'set'
            fn = _func_name(con.raw_expr)
            if fn and fn in ctx.volatile:
                info['volatile'] = True
        elif ct in ('CONSTR_IDENTITY', 'CONSTR_GENERATED'):
            info['server_default'] = 'set'
            if ct == 'CONSTR_GENERATED':
                info['volatile'] = True   # stored generated column: table rewrite
    return info


_CONSTRAINTS = {'CONSTR_FOREIGN': 'foreign_key', 'CONSTR_CHECK': 'check',
                'CONSTR_UNIQUE': 'unique', 'CONSTR_PRIMARY': 'primary_key',
                'CONSTR_EXCLUSION': 'exclusion'}


def _pg_stmt(ctx: _Ctx, st: Any, loc: int, src: str) -> list[m.Op]:
    kind = type(st).__name__
    op = ctx.op
    if kind == 'CreateStmt':
        cols = {}
        for el in st.tableElts or ():
            if type(el).__name__ == 'ColumnDef':
                cols[norm(el.colname)] = _column_def(ctx, el)
        return [op(m.CREATE_TABLE, loc, src, table=norm(_s(st.relation)),
                   attrs={'columns': cols})]
    if kind == 'DropStmt':
        rt = st.removeType.name
        cascade = st.behavior.name == 'DROP_CASCADE'
        out = []
        for obj in st.objects or ():
            name = norm(_s(obj))
            if rt in ('OBJECT_TABLE', 'OBJECT_FOREIGN_TABLE'):
                out.append(op(m.DROP_TABLE, loc, src, table=name, attrs={'cascade': cascade}))
            elif rt == 'OBJECT_INDEX':
                out.append(op(m.DROP_INDEX, loc, src, name=name,
                              attrs={'concurrent': bool(st.concurrent),
                                     'if_exists': bool(st.missing_ok)}))
            elif rt in _OBJECTS:
                if rt == 'OBJECT_TRIGGER':      # DROP TRIGGER name ON table: (table, name)
                    name = norm(_s(obj[-1])) if isinstance(obj, tuple) else name
                out.append(op(m.DROP_OBJECT, loc, src, name=name,
                              attrs={'object': _OBJECTS[rt], 'cascade': cascade}))
            else:
                out.append(op(m.OTHER, loc, src))
        return out
    if kind == 'AlterTableStmt':
        table = norm(_s(st.relation))
        out = []
        for cmd in st.cmds or ():
            out.extend(_pg_alter_cmd(ctx, cmd, table, loc, src))
        return out
    if kind == 'RenameStmt':
        rt = st.renameType.name
        relation = norm(_s(st.relation))
        if rt == 'OBJECT_SEQUENCE' or (rt == 'OBJECT_TABLE' and relation and
                                        relation.endswith('_seq')):
            # ALTER SEQUENCE (or ALTER TABLE, which PostgreSQL accepts for a sequence) on
            # <table>_<column>_seq: a sequence rename, no table the running code queries
            return [op(m.OTHER, loc, src, name=relation,
                       attrs={'object': 'sequence', 'new_name': norm(st.newname)})]
        if rt == 'OBJECT_TABLE':
            return [op(m.RENAME_TABLE, loc, src, table=relation,
                       attrs={'new_name': norm(st.newname)})]
        if rt == 'OBJECT_COLUMN':
            return [op(m.RENAME_COLUMN, loc, src, table=norm(_s(st.relation)),
                       column=norm(st.subname), attrs={'new_name': norm(st.newname)})]
        return [op(m.OTHER, loc, src)]
    if kind == 'IndexStmt':
        idx_cols = [norm(p.name) if p.name else '(expression)' for p in st.indexParams or ()]
        return [op(m.CREATE_INDEX, loc, src, table=norm(_s(st.relation)),
                   name=norm(st.idxname), attrs={'unique': bool(st.unique),
                                                 'concurrent': bool(st.concurrent),
                                                 'columns': idx_cols,
                                                 'partial': st.whereClause is not None})]
    if kind == 'UpdateStmt':
        return [op(m.DML, loc, src, table=norm(_s(st.relation)),
                   attrs={'verb': 'update', 'where': st.whereClause is not None,
                          **_update_facts(st)})]
    if kind == 'DeleteStmt':
        return [op(m.DML, loc, src, table=norm(_s(st.relation)),
                   attrs={'verb': 'delete', 'where': st.whereClause is not None})]
    if kind == 'InsertStmt':
        return [op(m.DML, loc, src, table=norm(_s(st.relation)),
                   attrs={'verb': 'insert', 'where': True})]
    if kind == 'TruncateStmt':
        cascade = st.behavior.name == 'DROP_CASCADE'
        return [op(m.DML, loc, src, table=norm(_s(rel)),
                   attrs={'verb': 'truncate', 'where': False, 'cascade': cascade})
                for rel in st.relations or ()]
    created = _pg_created_object(st, kind)
    if created:
        attrs: dict[str, Any] = {'object': created[0]}
        if getattr(st, 'replace', False):
            attrs['replace'] = True            # CREATE OR REPLACE: a redefinition
        if getattr(st, 'if_not_exists', False):
            attrs['if_not_exists'] = True      # may already exist: not this migration's own
        return [op(m.CREATE_OBJECT, loc, src, name=norm(created[1]), attrs=attrs)]
    if kind == 'VacuumStmt':
        opts = {(_s(o.defname) or '').lower() for o in st.options or ()
                if type(o).__name__ == 'DefElem'}
        if 'full' in opts:
            return [op(m.BLOCKING, loc, src, attrs={'command': 'VACUUM FULL'})]
        return [op(m.OTHER, loc, src)]
    if kind == 'ClusterStmt':
        return [op(m.BLOCKING, loc, src, attrs={'command': 'CLUSTER'})]
    if kind == 'ReindexStmt':
        opts = {(_s(o.defname) or '').lower() for o in st.params or ()
                if type(o).__name__ == 'DefElem'}
        if 'concurrently' in opts:
            return [op(m.OTHER, loc, src, attrs={'concurrent': True})]
        return [op(m.BLOCKING, loc, src, attrs={'command': 'REINDEX'})]
    if kind == 'DoStmt':
        body = ' '.join(_s(getattr(a, 'arg', None)) for a in st.args or ())
        return [op(m.OTHER, loc, src, attrs={'statement': kind, 'body': body.lower()})]
    return [op(m.OTHER, loc, src, attrs={'statement': kind, 'inert': kind in _INERT})]


def _update_facts(st: Any) -> dict[str, Any]:
    """The columns an UPDATE sets, and whether it only fills NULLs: every set column is
    tested ``IS NULL`` in the WHERE clause (an AND of conditions) or set to
    ``COALESCE(itself, ...)``, so no value that was there is lost."""
    cols = []
    kept = set()
    generated = []
    for target in st.targetList or ():
        name = norm(getattr(target, 'name', None))
        if not name:
            return {}
        cols.append(name)
        val = target.val
        if type(val).__name__ == 'CoalesceExpr' and val.args and \
                _column_ref(val.args[0]) == name:
            kept.add(name)
        if _func_name(val) in UNIQUE_GENERATORS:
            generated.append(name)
    null_tested = set()
    conjuncts = [st.whereClause] if st.whereClause is not None else []
    while conjuncts:
        node = conjuncts.pop()
        kind = type(node).__name__
        if kind == 'BoolExpr' and node.boolop.name == 'AND_EXPR':
            conjuncts.extend(node.args)
        elif kind == 'NullTest' and node.nulltesttype.name == 'IS_NULL':
            col = _column_ref(node.arg)
            if col:
                null_tested.add(col)
    return {'set_columns': cols, 'set_generated': generated,
            'fills_nulls': bool(cols) and all(c in kept or c in null_tested for c in cols),
            'maps_values': _maps_values(st, set(cols))}


def _maps_values(st: Any, cols: set[str]) -> bool:
    """``UPDATE t SET c = 'W' WHERE c = 'V'``: a value mapping (the rule of
    ``django._maps_values``): every set value is a constant, and the WHERE clause is an AND
    of tests of the set columns only against constants (``=``, ``<``, ``IN (...)``, ``IS
    NULL``), so no other data chooses the rows."""
    if not cols or st.whereClause is None or getattr(st, 'fromClause', None):
        return False
    if not all(_constant(t.val) for t in st.targetList or ()):
        return False
    conjuncts = [st.whereClause]
    while conjuncts:
        node = conjuncts.pop()
        kind = type(node).__name__
        if kind == 'BoolExpr' and node.boolop.name == 'AND_EXPR':
            conjuncts.extend(node.args)
        elif kind == 'NullTest':
            if _column_ref(node.arg) not in cols:
                return False
        elif kind == 'A_Expr':
            right = node.rexpr
            values = right if isinstance(right, (list, tuple)) else [right]
            if _column_ref(node.lexpr) not in cols or not all(_constant(v) for v in values):
                return False
        else:
            return False
    return True


def _constant(node: Any) -> bool:
    """A literal (possibly cast), or a bound parameter: one value, not from the row."""
    while type(node).__name__ == 'TypeCast':
        node = node.arg
    return type(node).__name__ in ('A_Const', 'ParamRef')


def _column_ref(node: Any) -> str | None:
    if type(node).__name__ != 'ColumnRef':
        return None
    fields = [getattr(f, 'sval', None) for f in node.fields or ()]
    return norm(fields[-1]) if fields and fields[-1] else None


# statements that leave nothing a downgrade must undo (settings, comments, reads, enum
# values added - PostgreSQL cannot drop them and keeping them is backward compatible)
_INERT = frozenset({'VariableSetStmt', 'VariableShowStmt', 'CommentStmt', 'TransactionStmt',
                    'SelectStmt', 'AlterEnumStmt', 'LockStmt', 'ExplainStmt', 'NotifyStmt',
                    'CheckPointStmt', 'VacuumStmt', 'AnalyzeStmt'})


def _pg_created_object(st: Any, kind: str) -> tuple[str, str] | None:
    if kind == 'CreateFunctionStmt':
        return ('procedure' if st.is_procedure else 'function', _s(st.funcname))
    if kind == 'CreateTrigStmt':
        return ('trigger', st.trigname)
    if kind == 'ViewStmt':
        return ('view', _s(st.view))
    if kind == 'CreateTableAsStmt':
        return ('materialized view', _s(st.into.rel)) if st.objtype.name == 'OBJECT_MATVIEW' \
            else ('table', _s(st.into.rel))
    if kind == 'CreateSeqStmt':
        return ('sequence', _s(st.sequence))
    if kind == 'CreateExtensionStmt':
        return ('extension', st.extname)
    if kind in ('CreateEnumStmt', 'CompositeTypeStmt'):
        return ('type', _s(st.typeName if kind == 'CreateEnumStmt' else st.typevar))
    if kind == 'CreateDomainStmt':
        return ('domain', _s(st.domainname))
    if kind == 'CreateSchemaStmt':
        return ('schema', st.schemaname)
    return None


def _pg_alter_cmd(ctx: _Ctx, cmd: Any, table: str | None, loc: int, src: str) -> list[m.Op]:
    sub = cmd.subtype.name
    op = ctx.op
    col = norm(cmd.name)
    if sub == 'AT_AddColumn':
        info = _column_def(ctx, cmd.def_)
        out = [op(m.ADD_COLUMN, loc, src, table=table, column=norm(cmd.def_.colname),
                  attrs=info)]
        for con in cmd.def_.constraints or ():
            ct = con.contype.name
            if ct in ('CONSTR_FOREIGN', 'CONSTR_CHECK', 'CONSTR_UNIQUE'):
                out.append(op(m.ADD_CONSTRAINT, loc, src, table=table,
                              name=norm(getattr(con, 'conname', None)),
                              attrs={'constraint': _CONSTRAINTS[ct], 'new_column': True,
                                     'not_valid': bool(con.skip_validation)}))
        return out
    if sub == 'AT_DropColumn':
        return [op(m.DROP_COLUMN, loc, src, table=table, column=col)]
    if sub == 'AT_AlterColumnType':
        return [op(m.ALTER_COLUMN, loc, src, table=table, column=col,
                   attrs={'type': _type_text(cmd.def_.typeName),
                          'using': cmd.def_.raw_default is not None})]
    if sub == 'AT_SetNotNull':
        return [op(m.ALTER_COLUMN, loc, src, table=table, column=col, attrs={'nullable': False})]
    if sub == 'AT_DropNotNull':
        return [op(m.ALTER_COLUMN, loc, src, table=table, column=col, attrs={'nullable': True})]
    if sub == 'AT_ColumnDefault':
        return [op(m.ALTER_COLUMN, loc, src, table=table, column=col,
                   attrs={'server_default': 'drop' if cmd.def_ is None else 'set'})]
    if sub in ('AT_AddConstraint', 'AT_AddConstraintRecurse'):
        con = cmd.def_
        ct = con.contype.name
        extra: dict[str, Any] = {}
        expr: Any = getattr(con, 'raw_expr', None)
        if ct == 'CONSTR_CHECK' and type(expr).__name__ == 'NullTest' and \
                expr.nulltesttype.name == 'IS_NOT_NULL' and _column_ref(expr.arg):
            extra['not_null_of'] = _column_ref(expr.arg)     # CHECK (col IS NOT NULL)
        return [op(m.ADD_CONSTRAINT, loc, src, table=table,
                   name=norm(getattr(con, 'conname', None)),
                   attrs={**extra, 'constraint': _CONSTRAINTS.get(ct, ct.lower()),
                          'columns': [norm(_s(c)) for c in (getattr(con, 'fk_attrs', None)
                                                            or getattr(con, 'keys', None)
                                                            or ())],
                          'not_valid': bool(con.skip_validation),
                          'using_index': bool(getattr(con, 'indexname', None))})]
    if sub == 'AT_DropConstraint':
        return [op(m.DROP_CONSTRAINT, loc, src, table=table, name=col,
                   attrs={'if_exists': bool(getattr(cmd, 'missing_ok', False))})]
    if sub == 'AT_ValidateConstraint':
        return [op(m.VALIDATE_CONSTRAINT, loc, src, table=table, name=col)]
    if sub == 'AT_DetachPartition':
        if cmd.def_ is not None and getattr(cmd.def_, 'concurrent', False):
            return [op(m.OTHER, loc, src, table=table, attrs={'concurrent': True})]
        return [op(m.BLOCKING, loc, src, table=table, attrs={'command': 'DETACH PARTITION'})]
    return [op(m.OTHER, loc, src, table=table, attrs={'statement': sub})]


# -- other dialects via sqlglot ------------------------------------------------------
def _sqlglot(ctx: _Ctx, dialect: str) -> list[m.Op]:
    try:
        import sqlglot
        from sqlglot import exp
    except ModuleNotFoundError:
        raise ConfigError(
            f'policy dialect {dialect!r} needs sqlglot',
            hint='pip install "hotfix-hooks[dialects]", or set '
                 '[tool.hotfix-hooks.migrations] dialect = "postgresql"') from None
    import logging
    logging.getLogger('sqlglot').setLevel(logging.ERROR)
    ops: list[m.Op] = []
    for chunk, offset in split_statements(ctx.sql):
        loc = len(ctx.sql[:offset].encode('utf-8'))
        try:
            # never None in recent sqlglot (whose expression types change between
            # versions); kept as a guard
            tree: object = sqlglot.parse_one(chunk, read=dialect)
            if tree is None:
                continue
        except Exception as e:  # noqa: BLE001 - sqlglot raises several error types
            ops.append(ctx.op(m.UNANALYSABLE, loc, chunk,
                              attrs={'reason': f'SQL does not parse ({dialect}): '
                                               f'{str(e).splitlines()[0][:120]}'}))
            continue
        try:
            ops.extend(_glot_stmt(ctx, exp, tree, loc, chunk))
        except Exception as e:  # noqa: BLE001 - an odd tree is a finding, not a crash
            ops.append(ctx.op(m.UNANALYSABLE, loc, chunk, attrs={
                'reason': f'statement not understood ({type(e).__name__})'}))
    return ops


def _glot_stmt(ctx: _Ctx, exp: Any, t: Any, loc: int, src: str) -> list[m.Op]:
    op = ctx.op

    def tname(node: Any) -> str | None:
        tbl = node.find(exp.Table) if node is not None else None
        return norm(tbl.name) if tbl is not None else None

    if isinstance(t, exp.Command):
        rest = t.expression.name if t.expression is not None else ''
        rename = re.match(r'(?is)\s*TABLE\s+(\S+)\s+TO\s+(\S+)\s*$', rest)
        if str(t.this).upper() == 'RENAME' and rename:
            return [op(m.RENAME_TABLE, loc, src, table=norm(rename.group(1).strip('`')),
                       attrs={'new_name': norm(rename.group(2).strip('`'))})]
        return [op(m.UNANALYSABLE, loc, src,
                   attrs={'reason': 'statement kept as an opaque command by sqlglot'})]
    if isinstance(t, exp.Create):
        kind = (t.args.get('kind') or '').upper()
        if kind == 'TABLE':
            return [op(m.CREATE_TABLE, loc, src, table=tname(t.this))]
        if kind == 'INDEX':
            idx = t.this
            return [op(m.CREATE_INDEX, loc, src, name=norm(idx.name), table=tname(idx),
                       attrs={'unique': bool(t.args.get('unique')),
                              'concurrent': bool(t.args.get('concurrently'))})]
        return [op(m.CREATE_OBJECT, loc, src, name=norm(t.this.name if t.this else ''),
                   attrs={'object': kind.lower()})]
    if isinstance(t, exp.Drop):
        kind = (t.args.get('kind') or '').upper()
        if kind == 'TABLE':
            return [op(m.DROP_TABLE, loc, src, table=tname(t))]
        if kind == 'INDEX':
            return [op(m.DROP_INDEX, loc, src, name=norm(t.this.name))]
        return [op(m.DROP_OBJECT, loc, src, name=norm(t.this.name), attrs={'object': kind.lower()})]
    if isinstance(t, (exp.Update, exp.Delete)):
        return [op(m.DML, loc, src, table=tname(t.this if isinstance(t, exp.Update) else t),
                   attrs={'verb': 'update' if isinstance(t, exp.Update) else 'delete',
                          'where': t.args.get('where') is not None})]
    if isinstance(t, exp.Insert):
        return [op(m.DML, loc, src, table=tname(t.this), attrs={'verb': 'insert', 'where': True})]
    if isinstance(t, exp.TruncateTable):
        return [op(m.DML, loc, src, table=tname(t), attrs={'verb': 'truncate', 'where': False})]
    if isinstance(t, exp.Alter):
        table = tname(t.this)
        out = []
        for action in t.args.get('actions') or ():
            if isinstance(action, exp.ColumnDef):
                notnull = any(isinstance(c.kind, exp.NotNullColumnConstraint)
                              and not c.kind.args.get('allow_null')
                              for c in action.constraints)
                has_default = any(isinstance(c.kind, exp.DefaultColumnConstraint)
                                  for c in action.constraints)
                out.append(op(m.ADD_COLUMN, loc, src, table=table, column=norm(action.name),
                              attrs={'nullable': not notnull, 'type': action.args.get('kind') and
                                     action.args['kind'].sql(),
                                     'server_default': 'set' if has_default else None}))
            elif isinstance(action, exp.Drop) and (action.args.get('kind') or 'COLUMN').upper() \
                    == 'COLUMN':
                for col in action.args.get('tables') or [action.this]:
                    if col is not None:
                        out.append(op(m.DROP_COLUMN, loc, src, table=table, column=norm(col.name)))
            elif type(action).__name__ == 'ModifyColumn' and isinstance(action.this, exp.ColumnDef):
                cdef = action.this
                out.append(op(m.ALTER_COLUMN, loc, src, table=table, column=norm(cdef.name),
                              attrs={'type': cdef.args['kind'].sql() if cdef.args.get('kind')
                                     else ''}))
            elif isinstance(action, exp.RenameColumn):
                out.append(op(m.RENAME_COLUMN, loc, src, table=table,
                              column=norm(action.this.name),
                              attrs={'new_name': norm(action.args['to'].name)}))
            elif isinstance(action, exp.AlterRename):
                out.append(op(m.RENAME_TABLE, loc, src, table=table,
                              attrs={'new_name': norm(action.this.name)}))
            elif isinstance(action, exp.AlterColumn):
                attrs: dict[str, Any] = {}
                if action.args.get('dtype') is not None:
                    attrs['type'] = action.args['dtype'].sql()
                if action.args.get('allow_null') is not None:
                    attrs['nullable'] = bool(action.args['allow_null'])
                if action.args.get('drop'):
                    attrs['server_default'] = 'drop'
                elif action.args.get('default') is not None:
                    attrs['server_default'] = 'set'
                out.append(op(m.ALTER_COLUMN, loc, src, table=table,
                              column=norm(action.this.name), attrs=attrs))
            else:
                out.append(op(m.OTHER, loc, src, table=table))
        return out
    return [op(m.OTHER, loc, src)]


def split_statements(sql: str) -> list[tuple[str, int]]:
    """Split on ``;`` outside quotes, ``$tag$`` bodies and comments: (statement, offset)."""
    out: list[tuple[str, int]] = []
    i, start, n = 0, 0, len(sql)
    while i < n:
        c = sql[i]
        if c == '-' and sql.startswith('--', i):
            j = sql.find('\n', i)
            i = n if j == -1 else j + 1
            continue
        if c == '/' and sql.startswith('/*', i):
            j = sql.find('*/', i + 2)
            i = n if j == -1 else j + 2
            continue
        if c in ('\'', '"', '`'):
            j = i + 1
            while j < n:
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            i = j + 1
            continue
        if c == '$':
            mt = re.match(r'\$[A-Za-z_]*\$', sql[i:])
            if mt:
                tag = mt.group(0)
                j = sql.find(tag, i + len(tag))
                i = n if j == -1 else j + len(tag)
                continue
        if c == ';':
            _add_chunk(out, sql, start, i)
            start = i + 1
        i += 1
    _add_chunk(out, sql, start, n)
    return out


def _add_chunk(out: list[tuple[str, int]], sql: str, start: int, end: int) -> None:
    chunk = sql[start:end]
    if _only_comments(chunk):
        return
    lead = len(chunk) - len(chunk.lstrip())
    out.append((chunk.strip(), start + lead))
