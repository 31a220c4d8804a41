"""Django migrations: ``class Migration(migrations.Migration)`` with ``dependencies`` and
``operations``, read with ``ast`` only. Schema operations become ``Op`` records (Django
derives their reverse itself); ``RunPython``/``RunSQL`` are checked for a real reverse.
"""
from __future__ import annotations

import ast
import posixpath
from typing import Any

from hotfix_hooks.migrations import model as m
from hotfix_hooks.migrations import sql as sqlmod
from hotfix_hooks.migrations.pyfront import Module
from hotfix_hooks.migrations.pyfront import Walker
from hotfix_hooks.migrations.values import State
from hotfix_hooks.migrations.values import UNKNOWN
from hotfix_hooks.pyast import source_of

_NOOP = ('noop',)


def is_django(tree: ast.Module) -> ast.ClassDef | None:
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == 'Migration':
            for b in node.bases:
                if source_of(b).endswith('Migration'):
                    return node
    return None


app_label = m.app_label


def parse(path: str, tree: ast.Module, cls: ast.ClassDef, dialect: str,
          volatile: tuple[str, ...]) -> m.Migration:
    mod = Module(path, tree, dialect, volatile)
    app = app_label(path)
    name = posixpath.splitext(posixpath.basename(path))[0]
    mig = m.Migration(path=path, framework='django', revision=name, group=app,
                      revision_line=cls.lineno, downgrade=[], analysed=True)
    ops_node: ast.AST | None = None
    for node in cls.body:
        if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = {t.id for t in targets if isinstance(t, ast.Name)}
        if 'dependencies' in names:
            mig.parents_line = node.lineno
            parents = []
            if isinstance(node.value, (ast.List, ast.Tuple)):
                for el in node.value.elts:
                    if isinstance(el, (ast.Tuple, ast.List)) and len(el.elts) == 2 and \
                            isinstance(el.elts[0], ast.Constant) and \
                            isinstance(el.elts[1], ast.Constant):
                        dep_app, dep_name = el.elts[0].value, el.elts[1].value
                        if dep_app == app and isinstance(dep_name, str):
                            parents.append(dep_name)
            mig.parents = tuple(parents)
        if 'replaces' in names:
            mig.replaces = True
            if isinstance(node.value, (ast.List, ast.Tuple)):
                pairs = []
                for el in node.value.elts:
                    vals = [x.value for x in getattr(el, 'elts', ())
                            if isinstance(x, ast.Constant) and isinstance(x.value, str)]
                    if len(vals) == 2:
                        pairs.append((vals[0], vals[1]))
                mig.replaced = tuple(pairs)
        if 'operations' in names:
            ops_node = node.value
            mig.upgrade_line = node.lineno
        if 'atomic' in names and isinstance(node.value, ast.Constant):
            mig.atomic = node.value.value is not False
    walker = Walker(mod, mig.upgrade)
    if isinstance(ops_node, (ast.List, ast.Tuple)):
        for el in ops_node.elts:
            _operation(mig, walker, el, app, dialect, volatile)
    mig.has_work = bool(mig.upgrade) or bool(mig.notes)
    return mig


def _kw(call: ast.Call, name: str, pos: int | None = None) -> ast.AST | None:
    for k in call.keywords:
        if k.arg == name:
            return k.value
    if pos is not None and len(call.args) > pos:
        return call.args[pos]
    return None


def _str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _table(app: str, model: str | None) -> str | None:
    return f'{app}_{model.lower()}' if model else None


def _field(call: ast.AST | None) -> dict[str, Any]:
    info: dict[str, Any] = {'type': '', 'nullable': False, 'server_default': None,
                            'volatile': False, 'm2m': False}
    if not isinstance(call, ast.Call):
        return info
    f = call.func
    tname = f.attr if isinstance(f, ast.Attribute) else getattr(f, 'id', '')
    length = _kw(call, 'max_length')
    info['type'] = tname + (f'({length.value!s})' if isinstance(length, ast.Constant) else '')
    info['m2m'] = tname == 'ManyToManyField'
    null = _kw(call, 'null')
    info['nullable'] = isinstance(null, ast.Constant) and null.value is True
    if _kw(call, 'db_default') is not None:
        info['server_default'] = 'set'
    if tname == 'GeneratedField':       # the database computes it; writers never set it
        info['server_default'] = 'set'
        persist = _kw(call, 'db_persist')
        info['volatile'] = isinstance(persist, ast.Constant) and persist.value is True
    if tname in ('ForeignKey', 'OneToOneField'):
        info['foreign_key'] = True
    unique = _kw(call, 'unique')
    if isinstance(unique, ast.Constant) and unique.value is True:
        info['unique'] = True
    return info


def _operation(mig: m.Migration, walker: Walker, el: ast.AST, app: str, dialect: str,
               volatile: tuple[str, ...]) -> None:
    if not isinstance(el, ast.Call):
        return
    f = el.func
    name = f.attr if isinstance(f, ast.Attribute) else getattr(f, 'id', '')
    ops = mig.upgrade

    def add(kind: str, **kw: Any) -> m.Op:
        op = m.Op(kind=kind, line=el.lineno, end_line=el.end_lineno, source=source_of(el)[:120],
                  in_transaction=mig.atomic, sig=_db_text(el, name), **kw)
        ops.append(op)
        return op

    model = _str(_kw(el, 'model_name', 0)) or _str(_kw(el, 'name', 0))
    table = _table(app, model)
    if name == 'CreateModel':
        cols = {}
        fields = _kw(el, 'fields', 1)
        if isinstance(fields, (ast.List, ast.Tuple)):
            for item in fields.elts:
                if isinstance(item, ast.Tuple) and len(item.elts) == 2:
                    col = _str(item.elts[0])
                    if col:
                        cols[col.lower()] = _field(item.elts[1])
        opts = _kw(el, 'options')
        if isinstance(opts, ast.Dict):
            for k, v in zip(opts.keys, opts.values):
                if _str(k) == 'db_table' and _str(v):
                    table = sqlmod.norm(_str(v))
        add(m.CREATE_TABLE, table=table, attrs={'columns': cols})
    elif name == 'DeleteModel':
        add(m.DROP_TABLE, table=table)
    elif name == 'RenameModel':
        new = _str(_kw(el, 'new_name', 1))
        add(m.RENAME_TABLE, table=_table(app, _str(_kw(el, 'old_name', 0))),
            attrs={'new_name': _table(app, new)})
    elif name == 'AlterModelTable':
        add(m.RENAME_TABLE, table=table, attrs={'new_name': sqlmod.norm(_str(_kw(el, 'table', 1)))})
    elif name == 'AddField':
        col = _str(_kw(el, 'name', 1))
        info = _field(_kw(el, 'field', 2))
        if info.pop('m2m'):
            add(m.CREATE_TABLE, table=f'{table}_{col}' if col else None,
                attrs={'columns': {}, 'm2m_of': f'{table}.{col.lower()}' if col else None})
            return
        column = col.lower() if col else None
        if info.pop('foreign_key', False):
            column = f'{column}_id' if column else None
            add(m.ADD_COLUMN, table=table, column=column, attrs=info)
            add(m.ADD_CONSTRAINT, table=table, attrs={'constraint': 'foreign_key',
                                                     'new_column': True, 'not_valid': False})
            return
        add(m.ADD_COLUMN, table=table, column=column, attrs=info)
    elif name == 'RemoveField':
        col = _str(_kw(el, 'name', 1))
        add(m.DROP_COLUMN, table=table, column=col.lower() if col else None)
    elif name == 'AlterField':
        col = _str(_kw(el, 'name', 1))
        info = _field(_kw(el, 'field', 2))
        if info['m2m']:                  # a join table, not a column: nothing to alter
            add(m.OTHER, table=table, attrs={'call': name, 'm2m': True})
            return
        alter = {'type': info['type'], 'nullable': info['nullable'], 'django_field': True}
        if info.get('unique'):
            alter['unique'] = True
        add(m.ALTER_COLUMN, table=table, column=col.lower() if col else None, attrs=alter)
    elif name == 'RenameField':
        add(m.RENAME_COLUMN, table=table, column=(_str(_kw(el, 'old_name', 1)) or '').lower(),
            attrs={'new_name': (_str(_kw(el, 'new_name', 2)) or '').lower()})
    elif name in ('AddIndex', 'AddIndexConcurrently'):
        idx = _kw(el, 'index', 1)
        iname = _str(_kw(idx, 'name')) if isinstance(idx, ast.Call) else None
        add(m.CREATE_INDEX, table=table, name=sqlmod.norm(iname),
            attrs={'unique': False, 'concurrent': name == 'AddIndexConcurrently'})
    elif name in ('RemoveIndex', 'RemoveIndexConcurrently'):
        add(m.DROP_INDEX, table=table, name=sqlmod.norm(_str(_kw(el, 'name', 1))),
            attrs={'concurrent': name == 'RemoveIndexConcurrently'})
    elif name in ('AddConstraint', 'AddConstraintNotValid'):
        con = _kw(el, 'constraint', 1)
        kind = 'check'
        if isinstance(con, ast.Call):
            cf = con.func
            cname = cf.attr if isinstance(cf, ast.Attribute) else getattr(cf, 'id', '')
            kind = 'unique' if 'Unique' in cname else 'exclusion' if 'Exclusion' in cname \
                else 'check'
        add(m.ADD_CONSTRAINT, table=table,
            name=sqlmod.norm(_str(_kw(con, 'name'))) if isinstance(con, ast.Call) else None,
            attrs={'constraint': kind, 'not_valid': name == 'AddConstraintNotValid'})
    elif name == 'RemoveConstraint':
        add(m.DROP_CONSTRAINT, table=table, name=sqlmod.norm(_str(_kw(el, 'name', 1))))
    elif name in ('AlterUniqueTogether',):
        add(m.ADD_CONSTRAINT, table=table, attrs={'constraint': 'unique', 'not_valid': False})
    elif name == 'RunPython':
        reverse = _kw(el, 'reverse_code', 1)
        writes = _python_writes(walker.mod.funcs, _kw(el, 'code', 0))
        attrs: dict[str, Any] = {'verb': 'python', 'where': True, 'django': True}
        if writes is not None:
            attrs['set_columns'], attrs['fills_nulls'] = sorted(writes[0]), writes[1]
            attrs['maps_values'] = writes[2]
        add(m.DML, attrs=attrs)
        added = {(o.table, o.column) for o in ops if o.kind == m.ADD_COLUMN}
        added |= {(t, c[:-3]) for t, c in added if c and c.endswith('_id')}
        keeps = writes is not None and (writes[1] or all(
            any(c == col for _t, col in added) for c in writes[0]))
        _reverse_note(mig, el, 'migration-runpython-irreversible', 'RunPython', 'reverse_code',
                      reverse, keeps, maps_values=writes is not None and writes[2])
    elif name == 'RunSQL':
        sql_node = _kw(el, 'sql', 0)
        reverse = _kw(el, 'reverse_sql', 1)
        text = _runsql_text(walker.ev(sql_node, _state()))
        if text is None:
            add(m.UNANALYSABLE, attrs={'reason': 'RunSQL sql is not a literal'})
        else:
            ops.extend(sqlmod.analyse(text, el.lineno, dialect, end_line=el.end_lineno,
                                      in_transaction=mig.atomic, exact_lines=False,
                                      volatile=volatile))
        _reverse_note(mig, el, 'migration-runsql-irreversible', 'RunSQL', 'reverse_sql', reverse)
    elif name in _STATE_ONLY:
        return
    elif name == 'SeparateDatabaseAndState':
        db_ops = _kw(el, 'database_operations', 0)
        if isinstance(db_ops, (ast.List, ast.Tuple)):
            for sub in db_ops.elts:
                _operation(mig, walker, sub, app, dialect, volatile)
    elif name:
        add(m.OTHER, attrs={'call': name})


# operations that change Django's model state only, never the database
_STATE_ONLY = frozenset({'AlterModelOptions', 'AlterModelManagers'})
# field arguments Django keeps out of the database (``Field.non_db_attrs`` and the like):
# changing them in a shipped migration changes no table
_NON_DB_ARGS = frozenset({'blank', 'choices', 'editable', 'error_messages', 'help_text',
                          'limit_choices_to', 'on_delete', 'related_name',
                          'related_query_name', 'validators', 'verbose_name',
                          'verbose_name_plural', 'upload_to', 'storage', 'serialize',
                          'db_comment', 'auto_now', 'auto_now_add'})


def _db_text(el: ast.Call, operation: str) -> str:
    """The operation as Django applies it to the database: its source without the
    arguments that only Django's state sees (help texts, validators, choices, ...; a
    field's Python ``default`` too when the field already exists)."""
    import copy

    skip = _NON_DB_ARGS | ({'default'} if operation == 'AlterField' else set())
    tree = copy.deepcopy(el)
    if operation in ('RunPython', 'RunSQL'):      # the reverse is the downgrade's business
        tree.args = tree.args[:1]
        tree.keywords = [k for k in tree.keywords if k.arg not in (
            'reverse_code', 'reverse_sql', 'elidable', 'hints')]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            node.keywords = [k for k in node.keywords if k.arg not in skip]
    return ' '.join(source_of(tree).split())


def _runsql_text(sql: object) -> str | None:
    """RunSQL's ``sql``: a string, or a list of strings / (sql, params) pairs."""
    if isinstance(sql, str):
        return sql
    if not isinstance(sql, (list, tuple)):
        return None
    parts = []
    for item in sql:
        if isinstance(item, (list, tuple)) and item and isinstance(item[0], str):
            item = item[0].replace('%s', 'NULL')
        if not isinstance(item, str):
            return None
        parts.append(item)
    return '\n;\n'.join(parts)


def _state() -> State:
    return State({}, None, False, (), 0, collect=False)


def _python_writes(funcs: dict[str, ast.FunctionDef], code: ast.AST | None
                   ) -> tuple[set[str], bool, bool] | None:
    """The fields a ``RunPython`` forward function writes (``obj.field = ...`` then
    ``save()``, ``.update(field=...)``, ``bulk_update(objs, [fields])``,
    ``save(update_fields=[...])``), whether it only writes rows whose written fields
    are NULL (``.filter(field__isnull=True)`` / ``.filter(field=None)``), and whether every
    write is a value mapping (``_maps_values``). None when it writes nothing this can see
    (creates or deletes rows, calls the unknown)."""
    if not isinstance(code, ast.Name) or code.id not in funcs:
        return None
    todo, seen = [code.id], set()
    written: set[str] = set()
    nulls: set[str] = set()
    other = False
    mapping = True
    while todo:
        fn = funcs.get(todo.pop())
        if fn is None or fn.name in seen:
            continue
        seen.add(fn.name)
        for node in ast.walk(fn):
            if isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                attrs = {t.attr.lower() for t in targets if isinstance(t, ast.Attribute)}
                written |= attrs
                mapping = mapping and not attrs
            elif isinstance(node, ast.Call):
                attr = getattr(node.func, 'attr', None) or getattr(node.func, 'id', None)
                if attr in funcs:
                    todo.append(attr)
                elif attr == 'update':
                    written |= {k.arg.lower() for k in node.keywords if k.arg}
                    mapping = mapping and _maps_values(node)
                elif attr == 'filter':
                    for k in node.keywords:
                        if k.arg and k.arg.endswith('__isnull') and \
                                isinstance(k.value, ast.Constant) and k.value.value is True:
                            nulls.add(k.arg[:-8].lower())
                        elif k.arg and isinstance(k.value, ast.Constant) and \
                                k.value.value is None:
                            nulls.add(k.arg.lower())
                elif attr == 'bulk_update' or attr == 'save':
                    mapping = False
                    fields = node.args[1] if attr == 'bulk_update' and len(node.args) > 1 \
                        else next((k.value for k in node.keywords
                                   if k.arg in ('fields', 'update_fields')), None)
                    if isinstance(fields, (ast.List, ast.Tuple)):
                        written |= {e.value.lower() for e in fields.elts
                                    if isinstance(e, ast.Constant) and isinstance(e.value, str)}
                elif attr in ('create', 'bulk_create', 'delete', 'get_or_create',
                              'update_or_create', 'raw', 'execute'):
                    other = True
    if other or not written:
        return None
    return written, written <= nulls, mapping


# a value computed once, in Python, not from the row (no F(), no database function)
_ROW_FREE = (ast.Constant, ast.Name, ast.Attribute)


def _maps_values(update: ast.Call) -> bool:
    """``Model.objects.filter(field=V).update(field=W)``: a value mapping. Every row that
    holds V gets W, whatever else it holds: the rows are chosen by the written fields'
    own values only (``field``, ``field__gt``, ``field__in``...), and W is one value, not
    computed from the row. What it removes is a spelling (a time-zone alias, an empty
    string for NULL, an out-of-range value clamped), not a choice between records: no
    other data decides which rows change. A condition on another field
    (``filter(status="past_due", ended_at__isnull=False)``), a value computed from the row
    (``Lower("email")``, ``F(...)``) or a Q object is no mapping."""
    fields = {k.arg.lower() for k in update.keywords if k.arg}
    if not fields or len(fields) != len(update.keywords) or update.args or \
            not all(isinstance(k.value, _ROW_FREE) for k in update.keywords):
        return False
    node: ast.expr | None = update.func.value if isinstance(update.func, ast.Attribute) \
        else None
    conditions = 0
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        call, func = node, node.func
        node = func.value
        if func.attr == 'all' and not call.args and not call.keywords:
            continue
        if func.attr != 'filter' or call.args:
            return False
        for k in call.keywords:
            if not k.arg or k.arg.split('__')[0].lower() not in fields or \
                    not isinstance(k.value, _ROW_FREE + (ast.List, ast.Tuple, ast.Set)):
                return False
            conditions += 1
    # the chain starts at a manager (Model.objects), and some condition chooses the rows
    return isinstance(node, ast.Attribute) and conditions > 0


def _reverse_note(mig: m.Migration, el: ast.Call, rule: str, what: str, arg: str,
                  reverse: ast.AST | None, keeps_values: bool = False,
                  maps_values: bool = False) -> None:
    severity = None
    if reverse is None or (isinstance(reverse, ast.Constant) and reverse.value is None):
        msg = f'{what} has no {arg}: `migrate` cannot go back past this migration'
    elif isinstance(reverse, ast.Attribute) and reverse.attr in _NOOP:
        if keeps_values:
            # it only fills NULLs, or fields this migration adds (their AddField is
            # reversed by dropping them): nothing that was there is lost
            return
        msg = (f'{what} uses {source_of(reverse)} as {arg}: the rollback "succeeds" but leaves '
               'the data as the forward step changed it')
        if maps_values:
            # the rollback runs; what stays is a value every such row now spells the new
            # way: a hazard for the old code to read, not a record's state lost
            severity = 'warning'
            msg += (' (a value mapping: every row holding the old value gets the new one, '
                    'chosen by nothing else; check that the old code reads the new value as '
                    'it read the old)')
    elif isinstance(reverse, (ast.Constant, ast.List, ast.Tuple)) and \
            not source_of(reverse).strip("'\"[]() "):
        msg = f'{what} has an empty {arg}'
    else:
        return
    mig.notes.append(m.Note(
        rule=rule, line=el.lineno, end_line=el.end_lineno, message=msg,
        hint=(f'write a {arg} that undoes the forward step (restore the old values), or '
              'suppress with a reason if the change is truly safe to keep on rollback'),
        severity=severity))


__all__ = ['is_django', 'parse', 'UNKNOWN']
