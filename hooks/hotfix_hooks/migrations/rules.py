"""Per-migration rules: irreversible, destructive, backward-incompatible, locking and
meta. Input: ``Migration``s with their ``Op`` lists; output: ``Raw`` findings (the check
turns them into ``Finding``s with the right severity and applies suppressions)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hotfix_hooks.migrations import model as m
from hotfix_hooks.migrations.model import Raw
from hotfix_hooks.migrations.model import raw
from hotfix_hooks.migrations.sqltypes import lossy
from hotfix_hooks.migrations.sqltypes import rewrites
from hotfix_hooks.migrations.sqltypes import type_family
from hotfix_hooks.migrations.sqltypes import widens

# -- the rules ----------------------------------------------------------------------
Owner = Callable[[str, str | None, m.Migration], 'tuple[m.Migration, dict[str, Any]] | None']


def check_migration(mig: m.Migration, new_tables: set[str], owner: Owner,
                    dialect: str) -> list[Raw]:
    out: list[Raw] = []
    if mig.unreadable is not None:
        out.append(raw('migration-file-unreadable', mig, None,
                       f'{mig.path} cannot be analysed: {mig.unreadable}; nothing in it was '
                       'checked', line=1))
        return out
    if mig.parse_error is not None:
        line, msg = mig.parse_error
        out.append(raw('migration-file-unparsable', mig, None,
                        f'{msg}: the migration cannot be analysed', line=line))
        return out
    up = mig.upgrade
    created = {o.table for o in up if o.kind == m.CREATE_TABLE and o.table}
    created |= {o.attrs['new_name'] for o in up
                if o.kind == m.RENAME_TABLE and o.attrs.get('new_name')}
    fresh = new_tables | created

    def existing(table: str | None) -> bool:
        return table is None or table not in fresh

    out.extend(_irreversible(mig, fresh, owner))
    out.extend(_destructive(mig, fresh, existing, owner))
    out.extend(_incompatible(mig, existing, owner))
    if dialect in ('postgresql', 'postgres', 'pg'):
        out.extend(_locking(mig, existing, owner))
    for side, ops in (('upgrade', up), ('downgrade', mig.downgrade or [])):
        for o in ops:
            if o.kind == m.UNANALYSABLE:
                out.append(raw('migration-sql-unanalysable', mig, o,
                                f'{side}: {o.attrs.get("reason", "cannot be analysed")}; '
                                'nothing in it was checked'))
    seen = set()
    for o in up + (mig.downgrade or []):
        if o.kind == m.INTROSPECTION and o.line not in seen:
            seen.add(o.line)
            out.append(raw('migration-live-introspection', mig, o,
                            'the migration inspects the live database; its SQL cannot be '
                            'rendered offline, so every branch was analysed statically'))
    for note in mig.notes:
        out.append(Raw(note.rule, note.path or mig.path, note.line, note.message, note.hint,
                       {}, [(note.line or 0, note.end_line or note.line or 0)]))
    return out


def _irreversible(mig: m.Migration, fresh: set[str], owner: Owner) -> list[Raw]:
    out: list[Raw] = []
    if mig.framework == 'django' or mig.downgrade_state == 'n/a':
        return out
    sql = mig.framework == 'sql'
    state = mig.downgrade_state
    if state == 'missing' and (mig.has_work or not sql):
        what = {'golang-migrate': 'no matching .down.sql file',
                'flyway': 'no matching U<version>__ undo migration',
                'dbmate': 'no "-- migrate:down" section'}.get(mig.convention, 'no downgrade()')
        out.append(raw('migration-downgrade-missing', mig, None,
                        f'{mig.label} has {what}: it cannot be rolled back',
                        line=mig.upgrade_line or mig.revision_line or 1))
        return out
    if state == 'noop' and mig.has_work:
        out.append(raw('migration-downgrade-noop', mig, None,
                        f'the downgrade of {mig.label} does nothing while the upgrade changes '
                        'the schema or data: a rollback "succeeds" and leaves everything as is',
                        line=mig.downgrade_line, **({'file': mig.downgrade_path}
                                                    if mig.downgrade_path else {})))
        return out
    if state in ('raises', 'raises-conditional'):
        cond = state == 'raises-conditional'
        r = raw('migration-downgrade-raises', mig, None,
                 f'the downgrade of {mig.label} raises'
                 + (' on some paths' if cond else '') + ': rollback is impossible',
                 line=mig.downgrade_raise_line)
        r.conditional = 'raise under a condition' if cond else None
        out.append(r)
        if not cond:
            return out
    if mig.downgrade is None:
        return out
    up, down = mig.upgrade, mig.downgrade
    D = _index(down)
    U = _index(up)
    opaque = any(o.kind == m.UNANALYSABLE for o in down)
    note = ' (part of the downgrade could not be analysed)' if opaque else ''
    recreated = _recreated(U)
    for o in up:
        missing = _inverse_missing(o, D)
        if missing and _key(o) not in recreated:
            out.append(raw('migration-downgrade-incomplete', mig, o,
                           f'upgrade {missing[0]}, but the downgrade does not {missing[1]}'
                           + note, f'make the downgrade {missing[1]}'))
    if any(u.kind == m.UNANALYSABLE for u in up):
        note_up = ' (part of the upgrade could not be analysed)'
    else:
        note_up = ''
    for o in down:
        if o.kind == m.DROP_TABLE and o.table and o.table not in U['create_table'] \
                and o.table not in U['rename_to']:
            own = owner('table', o.table, mig)
            out.append(raw('migration-downgrade-overreach', mig, o,
                            f'the downgrade drops table {o.table}, which this migration did '
                           'not create' + _owned(own) + ': a one-step rollback destroys its data'
                           + note_up))
        elif o.kind == m.DROP_COLUMN and o.table and o.column and \
                (o.table, o.column) not in U['add_column'] and o.table not in U['create_table'] \
                and (o.table, o.column) not in U['rename_col_to']:
            own = owner('column', f'{o.table}.{o.column}', mig)
            out.append(raw('migration-downgrade-overreach', mig, o,
                            f'the downgrade drops column {o.table}.{o.column}, which this '
                           'migration did not add' + _owned(own)
                           + ': a one-step rollback destroys its data' + note_up))
        elif o.kind == m.DROP_OBJECT and o.name and \
                (o.attrs.get('object'), o.name) not in U['create_object'] and \
                o.attrs.get('object') not in ('trigger',) and \
                not any(o.name in u.attrs.get('body', '') for u in up):
            out.append(raw('migration-downgrade-overreach', mig, o,
                            f'the downgrade drops {o.attrs.get("object")} {o.name}, which this '
                            'migration did not create'))
    if state == 'ok':
        for o in up:
            if o.kind != m.DML or o.attrs.get('django') or (o.table and o.table in fresh):
                continue
            if o.table is None:
                comp = any(d.kind == m.DML for d in down)
            else:
                comp = any(d.kind == m.DML and d.table in (o.table, None) for d in down) or \
                    o.table in D['drop_table']
            if not comp:
                verb = o.attrs.get('verb', 'DML').upper()
                out.append(raw('migration-data-change-irreversible', mig, o,
                                f'upgrade runs {verb} on {o.table or "a table"} and the downgrade '
                                'has no DML to restore the previous data'))
    return out


def _owned(own: tuple[m.Migration, dict[str, Any]] | None) -> str:
    if own is None:
        return ''
    return f' (it belongs to {own[0].label}, {own[0].path})'


def _index(ops: list[m.Op]) -> dict[str, set[Any]]:
    idx: dict[str, set[Any]] = {k: set() for k in (
        'create_table', 'drop_table', 'add_column', 'drop_column', 'create_index', 'drop_index',
        'add_constraint', 'drop_constraint', 'rename_table', 'rename_column', 'alter',
        'create_object', 'drop_object', 'rename_to', 'rename_col_to')}
    for o in ops:
        k = o.kind
        if k == m.CREATE_TABLE:
            idx['create_table'].add(o.table)
        elif k == m.DROP_TABLE:
            idx['drop_table'].add(o.table)
        elif k == m.ADD_COLUMN:
            idx['add_column'].add((o.table, o.column))
        elif k == m.DROP_COLUMN:
            idx['drop_column'].add((o.table, o.column))
        elif k == m.CREATE_INDEX:
            idx['create_index'].add(o.name)
        elif k == m.DROP_INDEX:
            idx['drop_index'].add(o.name)
        elif k == m.ADD_CONSTRAINT:
            idx['add_constraint'].add(o.name)
        elif k == m.DROP_CONSTRAINT:
            idx['drop_constraint'].add(o.name)
        elif k == m.RENAME_TABLE:
            idx['rename_table'].add((o.table, o.attrs.get('new_name')))
            idx['rename_to'].add(o.attrs.get('new_name'))
        elif k == m.RENAME_COLUMN:
            idx['rename_column'].add((o.table, o.column, o.attrs.get('new_name')))
            idx['rename_col_to'].add((o.table, o.attrs.get('new_name')))
        elif k == m.ALTER_COLUMN:
            for a in ('type', 'nullable', 'server_default'):
                if a in o.attrs:
                    idx['alter'].add((o.table, o.column, a))
        elif k == m.CREATE_OBJECT:
            idx['create_object'].add((o.attrs.get('object'), o.name))
        elif k == m.DROP_OBJECT:
            idx['drop_object'].add((o.attrs.get('object'), o.name))
    return idx


_PAIRS = {m.CREATE_TABLE: 'table', m.DROP_TABLE: 'table', m.CREATE_INDEX: 'index',
          m.DROP_INDEX: 'index', m.ADD_CONSTRAINT: 'constraint', m.DROP_CONSTRAINT: 'constraint',
          m.ADD_COLUMN: 'column', m.DROP_COLUMN: 'column', m.CREATE_OBJECT: 'object',
          m.DROP_OBJECT: 'object'}


def _key(o: m.Op) -> tuple[str, Any] | None:
    kind = _PAIRS.get(o.kind)
    if kind is None:
        return None
    if kind == 'table':
        return kind, o.table
    if kind == 'column':
        return kind, (o.table, o.column)
    if kind == 'object':
        return kind, (o.attrs.get('object'), o.name)
    return kind, o.name


def _recreated(U: dict[str, set[Any]]) -> set[tuple[str, Any]]:
    """Objects the upgrade drops and creates again (a redefinition): neutral for the
    downgrade-incomplete rule."""
    out: set[tuple[str, Any]] = set()
    out |= {('table', t) for t in U['create_table'] & U['drop_table']}
    out |= {('column', c) for c in U['add_column'] & U['drop_column']}
    out |= {('index', i) for i in U['create_index'] & U['drop_index'] if i}
    out |= {('constraint', c) for c in U['add_constraint'] & U['drop_constraint'] if c}
    out |= {('object', x) for x in U['create_object'] & U['drop_object']}
    return out


def _inverse_missing(o: m.Op, D: dict[str, set[Any]]) -> tuple[str, str] | None:
    k, t, c = o.kind, o.table, o.column
    if t is None and k in (m.CREATE_TABLE, m.ADD_COLUMN, m.DROP_TABLE, m.DROP_COLUMN,
                           m.ALTER_COLUMN, m.RENAME_TABLE, m.RENAME_COLUMN):
        return None
    table_dropped = t in D['drop_table']
    if k == m.CREATE_TABLE and not table_dropped:
        return f'creates table {t}', f'drop table {t}'
    if k == m.ADD_COLUMN and c and (t, c) not in D['drop_column'] and not table_dropped:
        return f'adds column {t}.{c}', f'drop column {t}.{c}'
    if k == m.CREATE_INDEX and o.name and o.name not in D['drop_index'] and not table_dropped:
        return f'creates index {o.name}', f'drop index {o.name}'
    if k == m.ADD_CONSTRAINT and o.name and o.name not in D['drop_constraint'] \
            and not table_dropped:
        return f'adds constraint {o.name}', f'drop constraint {o.name}'
    if k == m.RENAME_TABLE and (o.attrs.get('new_name'), t) not in D['rename_table']:
        return (f'renames table {t} to {o.attrs.get("new_name")}',
                'rename it back')
    if k == m.RENAME_COLUMN:
        new = o.attrs.get('new_name')
        if not any(r[1] == new and r[2] == c for r in D['rename_column']):
            return f'renames column {t}.{c} to {new}', 'rename it back'
    if k == m.ALTER_COLUMN and c:
        for a, what in (('type', 'type'), ('nullable', 'nullability'),
                        ('server_default', 'server default')):
            if a in o.attrs and (t, c, a) not in D['alter'] and (t, c) not in D['drop_column'] \
                    and not table_dropped:
                return f'changes the {what} of {t}.{c}', f'restore the {what}'
    if k == m.DROP_TABLE and t not in D['create_table']:
        return f'drops table {t}', f're-create table {t}'
    if k == m.DROP_COLUMN and c and (t, c) not in D['add_column'] and t not in D['create_table']:
        return f'drops column {t}.{c}', f're-add column {t}.{c}'
    if k == m.DROP_INDEX and o.name and o.name not in D['create_index']:
        return f'drops index {o.name}', f're-create index {o.name}'
    if k == m.DROP_CONSTRAINT and o.name and o.name not in D['add_constraint']:
        return f'drops constraint {o.name}', f're-create constraint {o.name}'
    if k == m.CREATE_OBJECT and o.name:
        key = (o.attrs.get('object'), o.name)
        if key not in D['drop_object'] and key not in D['create_object']:
            if o.attrs.get('object') == 'trigger' and D['drop_table']:
                return None
            return f'creates {key[0]} {o.name}', f'drop {key[0]} {o.name}'
    if k == m.DROP_OBJECT and o.name:
        key = (o.attrs.get('object'), o.name)
        if key not in D['create_object']:
            return f'drops {key[0]} {o.name}', f're-create {key[0]} {o.name}'
    return None


def _destructive(mig: m.Migration, fresh: set[str], existing: Callable[[str | None], bool],
                 owner: Owner) -> list[Raw]:
    out: list[Raw] = []
    recreated = {(o.attrs.get('object'), o.name) for o in mig.upgrade
                 if o.kind == m.CREATE_OBJECT}
    for o in mig.upgrade:
        k = o.kind
        if k == m.DROP_TABLE and existing(o.table):
            out.append(raw('migration-drop-table', mig, o,
                            f'drops table {o.table}: its data is gone and running code that '
                            'still queries it fails' + (' (CASCADE also drops dependent objects)'
                                                       if o.attrs.get('cascade') else '')))
        elif k == m.DROP_COLUMN and existing(o.table):
            out.append(raw('migration-drop-column', mig, o,
                            f'drops column {o.table}.{o.column}: its data is gone and the '
                            'running code (ORMs select every column) breaks'))
        elif k == m.DML and o.attrs.get('verb') == 'truncate' and existing(o.table):
            out.append(raw('migration-truncate', mig, o,
                            f'truncates {o.table}' + (' with CASCADE: every table with a foreign '
                                                     'key to it is emptied too'
                                                     if o.attrs.get('cascade') else '')
                            + ': no downgrade can bring the rows back'))
        elif k == m.DML and o.attrs.get('verb') in ('delete', 'update') and \
                not o.attrs.get('where') and existing(o.table):
            verb = o.attrs['verb']
            out.append(raw(f'migration-{verb}-without-where', mig, o,
                            f'{verb.upper()} on {o.table or "a table"} without WHERE changes '
                            'every row'))
        elif k == m.DROP_OBJECT and (o.attrs.get('object'), o.name) not in recreated:
            out.append(raw('migration-drop-object', mig, o,
                            f'drops {o.attrs.get("object")} {o.name}'
                            + (' with CASCADE' if o.attrs.get('cascade') else '')
                            + ': running code or dependent objects may still use it'))
        elif k == m.ALTER_COLUMN and 'type' in o.attrs and existing(o.table):
            old = o.attrs.get('old_type') or _owner_type(owner, o, mig)
            if lossy(old, o.attrs['type']):
                out.append(raw('migration-type-change-lossy', mig, o,
                                f'changes {o.table}.{o.column} from {old} to {o.attrs["type"]}: '
                                'values that do not fit are truncated or rejected'))
    return out


def _owner_type(owner: Owner, o: m.Op, mig: m.Migration) -> str | None:
    if not o.table or not o.column:
        return None
    own = owner('column', f'{o.table}.{o.column}', mig)
    return own[1].get('type') if own else None


def _incompatible(mig: m.Migration, existing: Callable[[str | None], bool],
                  owner: Owner) -> list[Raw]:
    out: list[Raw] = []
    added = {(o.table, o.column): o for o in mig.upgrade if o.kind == m.ADD_COLUMN}
    for o in mig.upgrade:
        k = o.kind
        if k == m.RENAME_COLUMN and existing(o.table):
            out.append(raw('migration-rename-column', mig, o,
                            f'renames {o.table}.{o.column} to {o.attrs.get("new_name")}: the '
                            'running code still uses the old name'))
        elif k == m.RENAME_TABLE and existing(o.table):
            out.append(raw('migration-rename-table', mig, o,
                            f'renames table {o.table} to {o.attrs.get("new_name")}: the running '
                            'code still uses the old name'))
        elif k == m.ADD_COLUMN and existing(o.table) and o.attrs.get('nullable') is False \
                and not o.attrs.get('server_default'):
            if mig.framework == 'django':
                why = ('Django adds it with a temporary default and drops the default in the '
                       'same migration, so INSERTs of the running code, which does not set it, '
                       'fail')
            else:
                why = ('the running code does not set it, so its INSERTs fail (and the '
                       'migration fails on a non-empty table)')
            out.append(raw('migration-not-null-column-without-default', mig, o,
                            f'adds NOT NULL column {o.table}.{o.column} without a server '
                            f'default: {why}',
                            'add it nullable, or with a server default (Django: db_default=...)'
                            if mig.framework == 'django' else ''))
        elif k == m.ALTER_COLUMN and existing(o.table):
            out.extend(_alter_incompatible(mig, o, added, owner))
        elif k == m.ADD_CONSTRAINT and existing(o.table) and not o.attrs.get('new_column') \
                and not _on_new_columns(o, added) \
                and o.attrs.get('constraint') in ('unique', 'check', 'foreign_key',
                                                  'primary_key', 'exclusion'):
            out.append(raw('migration-new-constraint-on-existing-table', mig, o,
                            f'adds a {o.attrs["constraint"].replace("_", " ")} constraint '
                            f'{o.name or ""} to existing table {o.table}: rows or writes of the '
                            'running code that violate it are rejected'.replace('  ', ' ')))
        elif k == m.CREATE_INDEX and o.attrs.get('unique') and existing(o.table):
            out.append(raw('migration-new-constraint-on-existing-table', mig, o,
                            f'adds unique index {o.name or ""} to existing table {o.table}: '
                            'duplicate rows make it fail and duplicate writes are rejected'
                            .replace('  ', ' ')))
    return out


# columns the migration adds: (table, column) -> the add_column op
_Added = dict[tuple[str | None, str | None], m.Op]


def _on_new_columns(o: m.Op, added: _Added) -> bool:
    """A UNIQUE / FK on columns this migration adds as nullable: every existing row is
    NULL and the running code never writes them, so nothing it does is rejected."""
    cols = o.attrs.get('columns') or []
    return o.attrs.get('constraint') in ('unique', 'foreign_key') and bool(cols) and all(
        (o.table, c) in added and added[(o.table, c)].attrs.get('nullable') is not False
        for c in cols)


def _alter_incompatible(mig: m.Migration, o: m.Op, added: _Added,
                        owner: Owner) -> list[Raw]:
    out: list[Raw] = []
    a = o.attrs
    col = f'{o.table}.{o.column}'
    if a.get('django_field'):
        own = owner('column', col, mig)
        if own is None:
            return out
        prev = own[1]
        if type_family(prev.get('type')) != type_family(a.get('type')) and \
                not widens(prev.get('type'), a.get('type')):
            if lossy(prev.get('type'), a.get('type')):
                out.append(raw('migration-type-change-lossy', mig, o,
                                f'changes {col} from {prev.get("type")} to {a.get("type")}: values '
                                'that do not fit are truncated or rejected'))
            out.append(raw('migration-column-type-changed', mig, o,
                            f'changes the type of {col} from {prev.get("type")} to '
                            f'{a.get("type")}: the running code may send values the new type '
                            'rejects'))
        if prev.get('nullable') is False and a.get('nullable') is True:
            out.append(raw('migration-drop-not-null', mig, o,
                            f'makes {col} nullable: running code that assumes a value breaks '
                            'on NULL'))
        return out
    if 'type' in a:
        old = a.get('old_type') or _owner_type(owner, o, mig)
        if not widens(old, a['type']):
            out.append(raw('migration-column-type-changed', mig, o,
                           f'changes the type of {col}' + (f' from {old}' if old else '')
                           + f' to {a["type"]}: the running code may send or expect values '
                           'of the old type'))
    return out + _alter_nullability(mig, o, added, owner)


def _alter_nullability(mig: m.Migration, o: m.Op, added: _Added,
                       owner: Owner) -> list[Raw]:
    out: list[Raw] = []
    a = o.attrs
    col = f'{o.table}.{o.column}'
    if a.get('nullable') is True:
        out.append(raw('migration-drop-not-null', mig, o,
                        f'makes {col} nullable: running code that assumes a value breaks on '
                        'NULL'))
    if a.get('server_default') == 'drop':
        notnull = a.get('existing_nullable') is False or a.get('nullable') is False
        add = added.get((o.table, o.column))
        if add is not None and add.attrs.get('nullable') is False:
            notnull = True
        if not notnull and add is None:
            own = owner('column', col, mig)
            notnull = bool(own and own[1].get('nullable') is False)
        if notnull:
            out.append(raw('migration-not-null-default-dropped', mig, o,
                            f'drops the server default of NOT NULL column {col}: INSERTs of '
                            'the running code, which do not set it, fail'))
    return out


def _backfill_what(o: m.Op) -> str:
    verb = o.attrs.get('verb')
    if verb == 'python':
        return 'a RunPython data migration'
    return f'an {verb.upper()} backfill' if verb == 'update' else f'a {str(verb).upper()} backfill'


def _locking(mig: m.Migration, existing: Callable[[str | None], bool], owner: Owner) -> list[Raw]:
    out: list[Raw] = []
    ddl_line = None
    for o in mig.upgrade:
        k = o.kind
        concurrent = o.attrs.get('concurrent')
        if concurrent and o.in_transaction:
            out.append(raw('migration-concurrently-in-transaction', mig, o,
                            'a CONCURRENTLY operation runs inside the migration transaction: '
                            'PostgreSQL rejects it and the deploy fails'))
        if k == m.CREATE_INDEX and not concurrent and existing(o.table):
            out.append(raw('migration-index-not-concurrent', mig, o,
                            f'creates index {o.name or ""} on existing table {o.table} without '
                            'CONCURRENTLY: writes to the table block for the whole build'
                            .replace('  ', ' ')))
        elif k == m.DROP_INDEX and not concurrent and existing(o.table):
            out.append(raw('migration-drop-index-not-concurrent', mig, o,
                            f'drops index {o.name} without CONCURRENTLY: takes an ACCESS '
                            'EXCLUSIVE lock on the table'))
        elif k == m.ADD_CONSTRAINT and existing(o.table) and not o.attrs.get('new_column'):
            kind = o.attrs.get('constraint')
            if kind in ('foreign_key', 'check') and not o.attrs.get('not_valid'):
                out.append(raw('migration-constraint-without-not-valid', mig, o,
                                f'adds {kind.replace("_", " ")} {o.name or ""} without NOT VALID: '
                                'the whole table is scanned under a lock that blocks writes'
                                .replace('  ', ' ')))
            elif kind in ('unique', 'primary_key') and not o.attrs.get('using_index'):
                out.append(raw('migration-constraint-builds-index', mig, o,
                                f'adds {kind.replace("_", " ")} {o.name or ""} which builds its '
                                'index under an ACCESS EXCLUSIVE lock'.replace('  ', ' ')))
        elif k == m.ALTER_COLUMN and existing(o.table):
            attrs = o.attrs
            if attrs.get('django_field'):       # AlterField: compare with the previous field
                own = owner('column', f'{o.table}.{o.column}', mig) if o.column else None
                if own is None:
                    continue
                prev = own[1]
                attrs = {'nullable': False if prev.get('nullable') is True
                         and attrs.get('nullable') is False else None}
                if type_family(prev.get('type')) != type_family(o.attrs.get('type')):
                    attrs.update(type=o.attrs.get('type'), old_type=prev.get('type'))
            if attrs.get('nullable') is False:
                out.append(raw('migration-set-not-null', mig, o,
                                f'SET NOT NULL on {o.table}.{o.column} scans the whole table '
                                'under an ACCESS EXCLUSIVE lock'))
            if 'type' in attrs:
                old = attrs.get('old_type') or _owner_type(owner, o, mig)
                if rewrites(old, attrs['type']):
                    out.append(raw('migration-table-rewrite', mig, o,
                                    f'changing the type of {o.table}.{o.column} rewrites the '
                                    'table under an ACCESS EXCLUSIVE lock'))
        elif k == m.ADD_COLUMN and o.attrs.get('volatile') and existing(o.table):
            out.append(raw('migration-table-rewrite', mig, o,
                            f'adding {o.table}.{o.column} with a volatile default or stored '
                            'generated value rewrites the table under an ACCESS EXCLUSIVE lock'))
        elif k == m.BLOCKING:
            out.append(raw('migration-blocking-command', mig, o,
                            f'{o.attrs.get("command")} blocks reads and writes of the table'))
        if k in m.SCHEMA_KINDS and k not in (m.CREATE_TABLE, m.CREATE_OBJECT) \
                and existing(o.table) and o.in_transaction and ddl_line is None:
            ddl_line = o.line
    if ddl_line is not None:
        for o in mig.upgrade:
            if o.kind == m.DML and o.in_transaction and existing(o.table) and \
                    o.attrs.get('verb') in ('update', 'delete', 'python'):
                out.append(raw('migration-backfill-with-ddl', mig, o,
                                f'{_backfill_what(o)} runs in the same '
                                f'transaction as the DDL on line {ddl_line}: the DDL locks are '
                                'held for the whole backfill'))
                break
    return out
