"""Per-migration rules: irreversible, destructive, backward-incompatible, locking and
meta. Input: ``Migration``s with their ``Op`` lists; output: ``Raw`` findings (the check
turns them into ``Finding``s with the right severity and applies suppressions)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hotfix_hooks.migrations import model as m
from hotfix_hooks.migrations import runcode
from hotfix_hooks.migrations.model import Raw
from hotfix_hooks.migrations.model import raw
from hotfix_hooks.migrations.sqltypes import lossy
from hotfix_hooks.migrations.sqltypes import rewrites
from hotfix_hooks.migrations.sqltypes import type_family
from hotfix_hooks.migrations.sqltypes import widens

RunningCode = runcode.RunningCode

# -- the rules ----------------------------------------------------------------------
Owner = Callable[[str, str | None, m.Migration], 'tuple[m.Migration, dict[str, Any]] | None']


def check_migration(mig: m.Migration, new_tables: set[str], owner: Owner,
                    dialect: str, code: RunningCode | None = None,
                    young: Callable[[str], bool] | None = None) -> list[Raw]:
    """``young(table)``: the table was created by a revision no release holds yet, so it
    cannot be large in production (the locking rules skip it)."""
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
    out.extend(_destructive(mig, fresh, existing, owner, code))
    out.extend(_incompatible(mig, existing, owner, code))
    if dialect in ('postgresql', 'postgres', 'pg'):
        out.extend(_locking(mig, existing, owner, young))
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
                       {}, [(note.line or 0, note.end_line or note.line or 0)],
                       severity=note.severity))
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
    redefines_only = all(o.inert or (o.kind == m.CREATE_OBJECT and o.attrs.get('replace'))
                         for o in mig.upgrade)
    if state == 'noop' and mig.has_work:
        # an upgrade that only redefines functions/views/triggers with CREATE OR REPLACE:
        # a rollback that keeps the new definition loses no data, and OR REPLACE keeps the
        # signature the running code calls
        if not redefines_only:
            r = raw('migration-downgrade-noop', mig, None,
                    f'the downgrade of {mig.label} does nothing while the upgrade '
                    'changes the schema or data: a rollback "succeeds" and leaves '
                    'everything as is',
                    line=mig.downgrade_line, **({'file': mig.downgrade_path}
                                                if mig.downgrade_path else {}))
            if all(o.inert or (o.kind == m.DML and o.attrs.get('maps_values'))
                   for o in mig.upgrade):
                # only value mappings (sql._maps_values): a hazard, not a loss
                r.severity = 'warning'
                r.message += (' (the upgrade only maps values: every row holding an old '
                              'value gets the new one, chosen by nothing else; check that '
                              'the old code reads the new values as it read the old)')
            out.append(r)
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
    un, dn = Net(up), Net(down)
    for o in up:
        if o.kind in (m.ADD_COLUMN, m.DROP_COLUMN, m.RENAME_COLUMN) or id(o) in un.on_new:
            continue                       # columns: judged on what the upgrade does in the end
        missing = _inverse_missing(o, D)
        if missing and o.kind == m.ALTER_COLUMN and (o.table, un.final_name(o)) in dn.dropped:
            missing = None
        if missing and o.kind in (m.ADD_CONSTRAINT, m.CREATE_INDEX) and any(
                (o.table, c) in dn.dropped for c in o.attrs.get('columns') or ()):
            missing = None              # dropping a column drops its constraints and indexes
        if missing and _key(o) not in recreated:
            out.append(raw('migration-downgrade-incomplete', mig, o,
                           f'upgrade {missing[0]}, but the downgrade does not {missing[1]}'
                           + note, f'make the downgrade {missing[1]}'))
    for o, missing in _columns_not_undone(un, dn, D):
        out.append(raw('migration-downgrade-incomplete', mig, o,
                       f'upgrade {missing[0]}, but the downgrade does not {missing[1]}' + note,
                       f'make the downgrade {missing[1]}'))
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
        elif o.kind == m.ALTER_COLUMN and o.table and o.column and 'type' in o.attrs and \
                o.table not in U['create_table'] and o.table not in U['rename_to'] and \
                not any(u.table == o.table and (u.column == o.column or
                                                u.attrs.get('new_name') == o.column)
                        for u in up) and \
                lossy(o.attrs.get('old_type'), o.attrs['type']):
            # autogenerate's drift: the model and the database disagree about a column
            # another revision owns, and the downgrade "restores" a type it never had here
            out.append(raw('migration-downgrade-overreach', mig, o,
                            f'the downgrade changes {o.table}.{o.column} from '
                            f'{o.attrs.get("old_type")} to {o.attrs["type"]}, a column the '
                            'upgrade does not change: a one-step rollback truncates or rejects '
                            'values written since the revision that set its type' + note_up,
                            'drop the alter_column from downgrade(): the upgrade does not change '
                            'this column'))
        elif o.kind == m.DROP_OBJECT and o.name and \
                (o.attrs.get('object'), o.name) not in U['create_object'] and \
                o.attrs.get('object') not in ('trigger',) and \
                not any(o.name in u.attrs.get('body', '') for u in up):
            out.append(raw('migration-downgrade-overreach', mig, o,
                            f'the downgrade drops {o.attrs.get("object")} {o.name}, which this '
                            'migration did not create'))
    out.extend(_drops_earlier_object(mig, owner))
    for o in down:
        if o.kind == m.DROP_CONSTRAINT and o.attrs.get('unnamed'):
            out.append(raw('migration-downgrade-incomplete', mig, o,
                           f'the downgrade drops a constraint of {o.table or "a table"} by the '
                           'name None (autogenerate\'s placeholder for an unnamed constraint): '
                           'Alembic cannot drop it, so the rollback fails here',
                           'name the constraint (naming_convention on the MetaData, or the '
                           'name PostgreSQL gave it, e.g. <table>_<column>_fkey)'))
    if state == 'ok':
        added = added_columns(up)
        for o in up:
            if o.kind != m.DML or o.attrs.get('django') or (o.table and o.table in fresh) \
                    or keeps_values(o, added):
                continue
            if o.table is None:
                comp = any(d.kind == m.DML for d in down)
            else:
                comp = any(d.kind == m.DML and d.table in (o.table, None) for d in down) or \
                    o.table in D['drop_table']
            if not comp:
                verb = o.attrs.get('verb', 'DML').upper()
                r = raw('migration-data-change-irreversible', mig, o,
                        f'upgrade runs {verb} on {o.table or "a table"} and the downgrade '
                        'has no DML to restore the previous data')
                if o.attrs.get('maps_values'):
                    # a value mapping (sql._maps_values): the rollback runs, and what stays
                    # is a value spelt the new way, not a choice between records: a hazard
                    # for the old code to read, for a reviewer
                    r.severity = 'warning'
                    r.message += (' (a value mapping: every row holding the old value gets '
                                  'the new one, chosen by nothing else; check that the old '
                                  'code reads the new value as it read the old)')
                out.append(r)
    return out


class Net:
    """What a list of operations does to columns in the end, renames followed: the
    columns it adds (under their final name), the existing columns it drops, and the
    existing columns it renames. ``add new_id; drop id; rename new_id -> id`` adds ``id``
    and drops the old ``id``; a downgrade that drops ``id`` undoes the add."""

    def __init__(self, ops: list[m.Op]) -> None:
        # (table, current name) -> ('new', the add op) | ('old', original name, rename op)
        self.now: dict[tuple[str, str], tuple[Any, ...]] = {}
        self.dropped: dict[tuple[str, str], m.Op] = {}        # existing columns dropped
        self.on_new: set[int] = set()       # ids of ops on a column these ops added
        self._final: dict[int, str] = {}
        for o in ops:
            t, c = o.table, o.column
            if t is None or c is None:
                continue
            if o.kind == m.ADD_COLUMN:
                self.now[(t, c)] = ('new', o)
            elif o.kind == m.DROP_COLUMN:
                origin = self.now.pop((t, c), ('old', c, None))
                if origin[0] == 'old':
                    self.dropped[(t, origin[1])] = o
                else:
                    self.on_new.add(id(o))
            elif o.kind == m.RENAME_COLUMN and o.attrs.get('new_name'):
                origin = self.now.pop((t, c), ('old', c, o))
                if origin[0] == 'new':
                    self.on_new.add(id(o))
                self.now[(t, o.attrs['new_name'])] = origin
            elif o.kind == m.ALTER_COLUMN:
                if self.now.get((t, c), ('old',))[0] == 'new':
                    self.on_new.add(id(o))
        for (_t, name), origin in self.now.items():
            op = origin[1] if origin[0] == 'new' else origin[2]
            if op is not None:
                self._final[id(op)] = name

    def added(self) -> dict[tuple[str, str], m.Op]:
        return {k: v[1] for k, v in self.now.items() if v[0] == 'new'}

    def renamed(self) -> dict[tuple[str, str], tuple[str, m.Op]]:
        """(table, final name) -> (original name, the first rename op)."""
        return {k: (v[1], v[2]) for k, v in self.now.items()
                if v[0] == 'old' and v[1] != k[1] and v[2] is not None}

    def final_name(self, o: m.Op) -> str | None:
        return self._final.get(id(o), o.column)

    def has(self, table: str, name: str) -> bool:
        """A column named ``name`` exists on ``table`` in the end thanks to these ops."""
        return (table, name) in self.now


def _columns_not_undone(un: Net, dn: Net, D: dict[str, set[Any]]
                        ) -> list[tuple[m.Op, tuple[str, str]]]:
    out = []
    for (t, name), o in un.added().items():
        if (t, name) not in dn.dropped and t not in D['drop_table']:
            was = f' (renamed to {name})' if name != o.column else ''
            out.append((o, (f'adds column {t}.{o.column}{was}', f'drop column {t}.{name}')))
    for (t, c), o in un.dropped.items():
        if not dn.has(t, c) and t not in D['create_table']:
            out.append((o, (f'drops column {t}.{c}', f're-add column {t}.{c}')))
    for (t, name), (orig, o) in un.renamed().items():
        back = dn.now.get((t, orig))
        if back is not None and (back[0] == 'new' or back[1] == name):
            continue                      # renamed back, or re-added under the old name
        if (t, name) in dn.dropped and t not in D['drop_table'] and back is not None:
            continue
        out.append((o, (f'renames column {t}.{orig} to {name}', 'rename it back')))
    return sorted(out, key=lambda x: x[0].line)


def added_columns(ops: list[m.Op]) -> set[tuple[str | None, str | None]]:
    """The columns ``ops`` add, under their names before and after a rename."""
    out = {(o.table, o.column) for o in ops if o.kind == m.ADD_COLUMN}
    for o in ops:
        if o.kind == m.RENAME_COLUMN and (o.table, o.column) in out:
            out.add((o.table, o.attrs.get('new_name')))
    return out


def keeps_values(o: m.Op, added: set[tuple[str | None, str | None]]) -> bool:
    """A write that loses no value that was there: it only fills NULLs (``WHERE col IS
    NULL`` / ``COALESCE(col, ...)``), or it only sets columns the same migration adds
    (the backfill of a new column, which the downgrade drops)."""
    if o.attrs.get('fills_nulls'):
        return True
    cols = o.attrs.get('set_columns')
    if not cols or o.attrs.get('verb') not in ('update', 'insert'):
        return False
    if o.table and '?' not in o.table:
        return all((o.table, c) in added for c in cols)
    names = {c for _t, c in added}
    return all(c in names for c in cols)


_GUARDED = {m.ADD_COLUMN: m.DROP_COLUMN, m.CREATE_INDEX: m.DROP_INDEX,
            m.ADD_CONSTRAINT: m.DROP_CONSTRAINT}


def _drops_earlier_object(mig: m.Migration, owner: Owner) -> list[Raw]:
    """The drift guard's rollback: the upgrade creates a column, index or constraint only
    ``if name not in existing`` (where an earlier revision already created it, nothing
    happens) and the downgrade drops it. Where the object came from that earlier revision
    (the usual case: the guard exists because it does), a one-step rollback destroys an
    object, and its data, that this migration never created."""
    out: list[Raw] = []
    for o in mig.upgrade:
        inverse = _GUARDED.get(o.kind)
        if inverse is None or not o.conditional or ' not in ' not in o.conditional:
            continue
        name: str | None
        if o.kind == m.ADD_COLUMN:
            what, name = 'column', f'{o.table}.{o.column}'
        else:
            what, name = ('index' if o.kind == m.CREATE_INDEX else 'constraint'), o.name
        if not name or not o.table:
            continue
        for d in mig.downgrade or ():
            same = (d.table == o.table and d.column == o.column) if o.kind == m.ADD_COLUMN \
                else (d.name == o.name and d.table in (None, o.table))
            if d.kind != inverse or not same:
                continue
            own = owner(what, name, mig)
            if own is None:
                continue               # no earlier revision creates it: the guard is drift
            out.append(raw('migration-downgrade-drops-earlier-object', mig, d,
                           f'the downgrade drops {what} {name}, which the upgrade creates only '
                           f'if missing: it was created by {own[0].label} ({own[0].path}), '
                           'so a one-step rollback destroys an object (and its data) this '
                           'migration never owned'))
            break
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
    if k == m.CREATE_OBJECT and o.name and not o.attrs.get('if_not_exists'):
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
                 owner: Owner, code: RunningCode | None = None) -> list[Raw]:
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
            own = owner('column', f'{o.table}.{o.column}', mig) \
                if mig.framework == 'django' else None
            if own is not None and own[1].get('m2m'):     # RemoveField of a ManyToManyField
                out.append(raw('migration-drop-table', mig, o,
                               f'drops the many-to-many table {o.table}_{o.column} of '
                               f'{o.table}.{o.column}: its rows are gone and running code that '
                               'still uses the relation fails'))
                continue
            model = code.base.table(o.table) if code is not None else None
            if model is not None and model.complete and o.column and \
                    o.column not in model.columns:
                r = raw('migration-drop-column', mig, o,
                        f'drops column {o.table}.{o.column}, which the running code\'s model '
                        f'of {o.table} ({runcode.short(model.where)}) does not map: nothing '
                        'that runs reads it, but its data is gone',
                        'make sure nothing else (reports, other services) still reads it')
                r.severity = 'warning'
                out.append(r)
                continue
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
                not o.attrs.get('where') and existing(o.table) and \
                not keeps_values(o, added_columns(mig.upgrade)):
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
                  owner: Owner, code: RunningCode | None = None) -> list[Raw]:
    out: list[Raw] = []
    added = {(o.table, o.column): o for o in mig.upgrade if o.kind == m.ADD_COLUMN}
    net = Net(mig.upgrade)
    for o in mig.upgrade:
        k = o.kind
        if k == m.RENAME_COLUMN and existing(o.table) and id(o) not in net.on_new:
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
                # Django adds it with a temporary default and drops that default in the
                # same migration: the running code's INSERTs fail unless they set it
                insert, why = _inserts_without(code, o.table, o.column)
                r = raw('migration-not-null-column-without-default', mig, o,
                        f'adds NOT NULL column {o.table}.{o.column} without a database '
                        f'default (Django drops the temporary one): {why}',
                        'add it with null=True, or with db_default=... (Django 5+)')
                if insert is not True:
                    r.severity = 'info'
                out.append(r)
            else:
                out.append(raw('migration-not-null-column-without-default', mig, o,
                               f'adds NOT NULL column {o.table}.{o.column} without a server '
                               'default: the running code does not set it, so its INSERTs '
                               'fail (and the migration fails on a non-empty table)'))
        elif k == m.ALTER_COLUMN and existing(o.table):
            out.extend(_alter_incompatible(mig, o, added, owner, code, net))
            if o.attrs.get('nullable') is False and id(o) in net.on_new:
                out.extend(_new_column_set_not_null(mig, o, code))
        elif k == m.ADD_CONSTRAINT and existing(o.table) and not o.attrs.get('new_column') \
                and o.attrs.get('constraint') in ('unique', 'check', 'foreign_key',
                                                  'primary_key', 'exclusion') \
                and not _constraint_holds(mig, o, net, owner):
            out.append(raw('migration-new-constraint-on-existing-table', mig, o,
                            f'adds a {o.attrs["constraint"].replace("_", " ")} constraint '
                            f'{o.name or ""} to existing table {o.table}: rows or writes of the '
                            'running code that violate it are rejected'.replace('  ', ' ')))
        elif k == m.CREATE_INDEX and o.attrs.get('unique') and existing(o.table) \
                and not _constraint_holds(mig, o, net, owner):
            out.append(raw('migration-new-constraint-on-existing-table', mig, o,
                            f'adds unique index {o.name or ""} to existing table {o.table}: '
                            'duplicate rows make it fail and duplicate writes are rejected'
                            .replace('  ', ' ')))
    return out


def _constraint_holds(mig: m.Migration, o: m.Op, net: Net, owner: Owner) -> bool:
    """A new constraint (or unique index) that neither existing rows nor the running
    code can violate:

    * created only if missing (``if name not in existing:``, a drift guard: where it is
      missing it is created, where it exists nothing happens);
    * dropped again by the same migration (a temporary one, e.g. the CHECK of the safe
      SET NOT NULL pattern);
    * the same constraint dropped and re-created (same name, or an index/constraint whose
      PostgreSQL default name says it covered the same columns: a foreign key re-created
      with another ON DELETE, a partial unique replacing the full one);
    * implied by a stronger unique the migration drops (its columns are a subset);
    * a unique constraint containing the primary key;
    * over columns the same migration adds, which the running code never writes: added
      nullable (a UNIQUE or foreign key over them is violated only by this migration's own
      writes, which fail the migration wherever it first runs), or filled with values
      generated per row (a PRIMARY KEY over ``gen_random_uuid()``).
    """
    kind = o.attrs.get('constraint') or ('unique' if o.kind == m.CREATE_INDEX else None)
    cols = [c for c in o.attrs.get('columns') or [] if c]
    if o.conditional and ' not in ' in o.conditional:
        return True
    if _dropped_later(mig.upgrade, o):
        return True
    for x in mig.upgrade:
        if x is o or x.kind not in (m.DROP_CONSTRAINT, m.DROP_INDEX) or not x.name or \
                x.attrs.get('if_exists'):
            continue                  # (IF EXISTS: perhaps an invalid leftover, no proof)
        if x.table not in (None, o.table):
            continue
        if o.name and x.name == o.name:
            return True
        covered = _default_name_columns(x.name, o.table, cols)
        if covered and kind in ('unique', 'primary_key') and set(covered) <= set(cols):
            return True
        if covered and kind == 'foreign_key' and set(covered) == set(cols):
            return True
    if kind in ('unique', 'primary_key') and cols and o.table:
        pk = owner('pk', o.table, mig)
        if kind == 'unique' and pk and pk[1].get('columns') and \
                set(pk[1]['columns']) <= set(cols):
            return True
    if cols and kind in ('unique', 'primary_key', 'foreign_key') and o.table:
        new = net.added()
        if all((o.table, c) in new for c in cols):
            if all(new[(o.table, c)].attrs.get('nullable') is not False for c in cols) and \
                    kind != 'primary_key':
                return True
            if kind in ('unique', 'primary_key') and len(cols) == 1 and \
                    _generated(mig.upgrade, o.table, net, cols[0]):
                return True
    return False


def _default_name_columns(name: str, table: str | None, cols: list[str]) -> list[str]:
    """The columns a PostgreSQL default constraint/index name spells, when they are among
    ``cols``: ``<table>_<col>[_<col>...]_(key|fkey|idx|pkey)``, ``ix_<table>_<col>``."""
    if not table:
        return []
    for prefix in (f'{table}_', f'ix_{table}_', f'uq_{table}_', f'fk_{table}_'):
        if name.startswith(prefix):
            middle = name[len(prefix):]
            break
    else:
        return []
    for suffix in ('_key', '_fkey', '_idx', '_pkey', '_uniq', '_unique'):
        if middle.endswith(suffix):
            middle = middle[:-len(suffix)]
            break
    found: list[str] = []
    while middle:
        match = next((c for c in sorted(cols, key=len, reverse=True)
                      if middle == c or middle.startswith(c + '_')), None)
        if match is None:
            return []
        found.append(match)
        middle = middle[len(match) + 1:]
    return found


def _generated(ops: list[m.Op], table: str | None, net: Net, col: str) -> bool:
    """Every existing row got its own generated value for ``col`` (under any earlier
    name it had in this migration): an UPDATE setting it to ``gen_random_uuid()``."""
    names = {col}
    for (t, name), (orig, _o) in net.renamed().items():
        if t == table and name == col:
            names.add(orig)
    for (t, c), add in net.added().items():
        if t == table and c == col and add.column:
            names.add(add.column)
    return any(x.kind == m.DML and x.table == table
               and names & set(x.attrs.get('set_generated') or ()) for x in ops)


# columns the migration adds: (table, column) -> the add_column op
_Added = dict[tuple[str | None, str | None], m.Op]


def _new_column_set_not_null(mig: m.Migration, o: m.Op,
                             code: RunningCode | None) -> list[Raw]:
    """A column the migration adds nullable, fills, then sets NOT NULL: with no server
    default left, the running code's INSERTs, which do not set it, fail."""
    defaults = [x.attrs.get('server_default') for x in mig.upgrade
                if x.table == o.table and x.column == o.column and x.line <= o.line
                and x.kind in (m.ADD_COLUMN, m.ALTER_COLUMN) and x.attrs.get('server_default')]
    if defaults and defaults[-1] == 'set':
        return []
    insert, why = _inserts_without(code, o.table, o.column)
    r = raw('migration-not-null-column-without-default', mig, o,
            f'sets {o.table}.{o.column}, which this migration adds, NOT NULL with no server '
            f'default: {why}', 'keep a server default until the running code sets the '
                               'column, or leave it nullable until then')
    if insert is not True:
        r.severity = 'info'
    return [r]


def _inserts_without(code: RunningCode | None, table: str | None,
                     column: str | None) -> tuple[bool | None, str]:
    """Whether the running code (the base side) INSERTs into ``table`` without setting
    ``column``, and the evidence: True when a model maps the table but not the column (its
    INSERTs cannot name it); False when the model maps the column (the code sets it, or its
    model default does); None when no model of the running code maps the table."""
    if code is None or not table or not column:
        return None, 'whether the running code sets it was not looked at'
    model = code.base.table(table)
    if model is None:
        return None, (f'no model of the running code maps {table} ({code.base.seen()}), so '
                      'whether its INSERTs set the column is unknown')
    col = model.columns.get(column)
    if col is None and not model.complete:
        return None, (f'the running code\'s model of {table} ({runcode.short(model.where)}) '
                      f'does not map {column} itself but inherits from a class not found in '
                      'the repository, so whether its INSERTs set it is unknown')
    if col is None:
        return True, (f'the running code\'s model of {table} ({runcode.short(model.where)}) '
                      f'does not map {column}, so its INSERTs never set it and fail')
    how = 'gives it a default' if col.default else 'maps it (and sets it on insert)'
    return False, (f'the running code\'s model ({runcode.short(col.where)}) {how}, so its '
                   'INSERTs do not rely on the database default')


def _writes_null(code: RunningCode | None, table: str | None,
                 column: str | None) -> tuple[bool, str]:
    """Whether the new code (the head side) writes NULL into ``table.column``: its model
    maps the column nullable and without a default."""
    if code is None or not table or not column:
        return False, ''
    model = code.head.table(table)
    col = model.columns.get(column) if model is not None else None
    if col is None:
        return False, ''
    if col.nullable is True and not col.default:
        return True, (f'the new code\'s model ({runcode.short(col.where)}) maps it nullable '
                      'without a default, so it writes NULL there')
    if col.nullable is True:
        return False, ''
    return False, f'the new code\'s model ({runcode.short(col.where)}) maps it NOT NULL'


def _alter_incompatible(mig: m.Migration, o: m.Op, added: _Added,
                        owner: Owner, code: RunningCode | None = None,
                        net: Net | None = None) -> list[Raw]:
    out: list[Raw] = []
    a = o.attrs
    col = f'{o.table}.{o.column}'
    if a.get('django_field'):
        own = owner('column', col, mig)
        if own is None:
            return out
        prev = own[1]
        if type_family(prev.get('type')) != type_family(a.get('type')) and \
                not widens(prev.get('type'), a.get('type')) and \
                not _code_uses_type(code, o, a.get('type')):
            if lossy(prev.get('type'), a.get('type')):
                out.append(raw('migration-type-change-lossy', mig, o,
                                f'changes {col} from {prev.get("type")} to {a.get("type")}: values '
                                'that do not fit are truncated or rejected'))
            out.append(raw('migration-column-type-changed', mig, o,
                            f'changes the type of {col} from {prev.get("type")} to '
                            f'{a.get("type")}: the running code may send values the new type '
                            'rejects'))
        if prev.get('nullable') is False and a.get('nullable') is True:
            # Django reverses the AlterField: the rollback sets NOT NULL again
            out.append(_drop_not_null(mig, o, code, restored=True))
        if a.get('unique') and not prev.get('unique'):
            out.append(raw('migration-new-constraint-on-existing-table', mig, o,
                           f'makes {col} unique on an existing table: duplicate rows make the '
                           'migration fail and duplicate writes of the running code are '
                           'rejected', 'remove the duplicates first (a data migration '
                           'before this one); Django: add the unique index with '
                           'AddIndexConcurrently, then the constraint'))
        return out
    if 'type' in a:
        old = a.get('old_type') or _owner_type(owner, o, mig)
        if not widens(old, a['type']) and not _code_uses_type(code, o, a['type']):
            out.append(raw('migration-column-type-changed', mig, o,
                           f'changes the type of {col}' + (f' from {old}' if old else '')
                           + f' to {a["type"]}: the running code may send or expect values '
                           'of the old type'))
    return out + _alter_nullability(mig, o, added, owner, code)


def _code_uses_type(code: RunningCode | None, o: m.Op, new_type: str | None) -> bool:
    """The running code's model already maps the column with the new type (the migration
    aligns a drifted database with the model the code uses)."""
    if code is None or not o.table or not o.column or not new_type:
        return False
    model = code.base.table(o.table)
    col = model.columns.get(o.column) if model is not None else None
    return col is not None and bool(col.type) and \
        type_family(col.type) == type_family(new_type)


def _drop_not_null(mig: m.Migration, o: m.Op, code: RunningCode | None,
                   restored: bool) -> Raw:
    """Relaxing NOT NULL breaks nothing that runs now; the danger is the rollback: once
    the new code has written NULL there, the downgrade's SET NOT NULL fails."""
    col = f'{o.table}.{o.column}'
    writes, why = _writes_null(code, o.table, o.column)
    if writes and restored:
        r = raw('migration-drop-not-null', mig, o,
                f'makes {col} nullable and the rollback sets NOT NULL again: {why}, and once '
                'it has, the rollback fails', 'make the downgrade fill the NULLs first (UPDATE '
                '... SET col = <default> WHERE col IS NULL), or keep the column NOT NULL')
        r.severity = 'error'
        return r
    detail = f' ({why})' if why else ''
    return raw('migration-drop-not-null', mig, o,
               f'makes {col} nullable{detail}: readers that assume a value must handle NULL'
               + ('' if restored else '; the downgrade does not restore NOT NULL'))


def _alter_nullability(mig: m.Migration, o: m.Op, added: _Added,
                       owner: Owner, code: RunningCode | None = None) -> list[Raw]:
    out: list[Raw] = []
    a = o.attrs
    col = f'{o.table}.{o.column}'
    if a.get('nullable') is True:
        restored = any(d.kind == m.ALTER_COLUMN and d.table == o.table and
                       d.column == o.column and d.attrs.get('nullable') is False
                       for d in mig.downgrade or ())
        out.append(_drop_not_null(mig, o, code, restored))
    if a.get('server_default') == 'drop':
        notnull = a.get('existing_nullable') is False or a.get('nullable') is False
        add = added.get((o.table, o.column))
        if add is not None and add.attrs.get('nullable') is False:
            notnull = True
        if not notnull and add is None:
            own = owner('column', col, mig)
            notnull = bool(own and own[1].get('nullable') is False)
        if notnull:
            insert, why = _inserts_without(code, o.table, o.column)
            idiom = add is not None and add.attrs.get('server_default')
            r = raw('migration-not-null-default-dropped', mig, o,
                    f'drops the server default of NOT NULL column {col}'
                    + (' (added with it in this migration to fill existing rows)'
                       if idiom else '') + f': {why}')
            if insert is not True:
                r.severity = 'info'
            out.append(r)
    return out


def _proven_not_null(ops: list[m.Op], o: m.Op) -> bool:
    """SET NOT NULL after a validated ``CHECK (col IS NOT NULL)`` on the same column:
    PostgreSQL 12+ takes the check as proof and skips the scan (the safe pattern: add
    the check NOT VALID, VALIDATE it, SET NOT NULL, drop the check)."""
    valid: set[str | None] = set()
    checks: dict[str | None, str | None] = {}
    for x in ops:
        if x is o:
            return any(checks.get(n) == o.column for n in valid)
        if x.kind == m.ADD_CONSTRAINT and x.table == o.table and x.attrs.get('not_null_of'):
            checks[x.name] = x.attrs['not_null_of']
            if not x.attrs.get('not_valid'):
                valid.add(x.name)
        elif x.kind == m.VALIDATE_CONSTRAINT and x.table == o.table:
            valid.add(x.name)
    return False


def _dropped_later(ops: list[m.Op], o: m.Op) -> bool:
    """The same migration drops the constraint again (a temporary one)."""
    seen = False
    for x in ops:
        if x is o:
            seen = True
        elif seen and x.kind == m.DROP_CONSTRAINT and x.name and x.name == o.name:
            return True
    return False


def _table_dropped_after(ops: list[m.Op], o: m.Op) -> bool:
    """The same transaction drops the index's table later: DROP TABLE takes the same
    ACCESS EXCLUSIVE lock anyway, so dropping its indexes first adds no lock."""
    if not o.in_transaction:
        return False
    table = o.table or _index_table(ops, o.name)
    seen = False
    for x in ops:
        if x is o:
            seen = True
        elif seen and x.kind == m.DROP_TABLE and x.table and x.table == table \
                and x.in_transaction:
            return True
    return False


def _index_table(ops: list[m.Op], name: str | None) -> str | None:
    """The table of an index dropped by name only: PostgreSQL names them
    ``ix_<table>_<column>`` / ``<table>_<column>_idx`` by convention."""
    if not name:
        return None
    for x in ops:
        if x.kind == m.DROP_TABLE and x.table and \
                name.startswith((f'ix_{x.table}_', f'{x.table}_')):
            return x.table
    return None


def _backfill_what(o: m.Op) -> str:
    verb = o.attrs.get('verb')
    if verb == 'python':
        return 'a RunPython data migration'
    return f'an {verb.upper()} backfill' if verb == 'update' else f'a {str(verb).upper()} backfill'


# the rules about holding a lock on an existing table for as long as the table is large
_TABLE_SIZE = frozenset({'migration-index-not-concurrent', 'migration-drop-index-not-concurrent',
                         'migration-constraint-without-not-valid',
                         'migration-constraint-builds-index', 'migration-set-not-null',
                         'migration-table-rewrite', 'migration-backfill-with-ddl'})


def _locking(mig: m.Migration, existing: Callable[[str | None], bool], owner: Owner,
             young: Callable[[str], bool] | None = None) -> list[Raw]:
    found = _locks(mig, existing, owner)
    if young is None:
        return [r for r, _table in found]
    # asked last, and only about a finding: whether a release holds the table's creator
    return [r for r, table in found
            if not (r.rule in _TABLE_SIZE and table is not None and young(table))]


def _locks(mig: m.Migration, existing: Callable[[str | None], bool], owner: Owner
           ) -> list[tuple[Raw, str | None]]:
    """The locking findings, each with the table it is about."""
    out: _Out = _Out()
    ddl_line = None
    backfill = False
    for o in mig.upgrade:
        out.table = o.table
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
        elif k == m.DROP_INDEX and not concurrent and existing(o.table) and \
                not _table_dropped_after(mig.upgrade, o):
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
            if attrs.get('nullable') is False and not _proven_not_null(mig.upgrade, o):
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
        if ddl_line is not None and k == m.DML and o.in_transaction and existing(o.table) \
                and o.attrs.get('verb') in ('update', 'delete', 'python') and not backfill:
            # after the DDL, in its transaction: its ACCESS EXCLUSIVE lock is held for the
            # whole backfill. Before any DDL, the DML's row locks are held through the DDL,
            # but an ACCESS EXCLUSIVE DDL blocks the table then anyway (its own rule says
            # so), and how many rows the DML changes is not in the code: not reported
            backfill = True
            out.append(raw('migration-backfill-with-ddl', mig, o,
                           f'{_backfill_what(o)} runs in the same transaction as, and after, '
                           f'the DDL on line {ddl_line}: the DDL locks are held for the whole '
                           'backfill'))
        if k in m.SCHEMA_KINDS and k not in (m.CREATE_TABLE, m.CREATE_OBJECT) \
                and existing(o.table) and o.in_transaction and ddl_line is None:
            ddl_line = o.line
    return out.items


class _Out:
    """Findings, each with the table of the operation being judged when it was added."""

    def __init__(self) -> None:
        self.items: list[tuple[Raw, str | None]] = []
        self.table: str | None = None

    def append(self, r: Raw) -> None:
        self.items.append((r, self.table))
