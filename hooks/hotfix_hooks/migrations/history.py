"""What the change introduces, judged against its base.

* A migration the change edits is compared with its base version operation by operation
  (``Op.signature``): a finding of the per-file rules that the base version already had is
  *standing* (not reported; ``scan --all-violations`` lists it).
* History rules: a shipped migration whose upgrade now does something else, whose
  revision / parents / name changed, or that was deleted (``migration-history-edited``); a
  shipped migration whose data step (the Python code its upgrade runs) now runs other
  queries -- a filter, a computed value, a write (``migration-history-edited``, warning:
  databases that applied it keep what the old version wrote); a shipped migration whose
  Python code changed while its operations and queries did not
  (``migration-history-code-changed``, context); a new revision below the base's head
  (Alembic, SQL versions).
* Squashes: a new Alembic root that keeps the id of a shipped revision and replaces its
  deleted ancestors, and a Django migration whose ``replaces`` are all shipped, are one
  ``migration-history-squashed`` note: databases at the base's head still resolve, and
  the squashed operations never run on an existing database.

Formatting, comments, docstrings, imports, type hints, ``pass`` and existence guards are
no history edit; neither is an edit of a downgrade (Alembic, Django and the SQL tools run
the downgrade from the current file).
"""
from __future__ import annotations

import ast
import copy
import re
from collections import Counter
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.changeset import DELETED
from hotfix_hooks.changeset import Snapshot
from hotfix_hooks.migrations import discover
from hotfix_hooks.migrations import model as m
from hotfix_hooks.migrations.catalog import fix_for
from hotfix_hooks.migrations.model import Raw
from hotfix_hooks.migrations.sqltypes import type_family
from hotfix_hooks.migrations.sqltypes import widens

_GRAPH_FACTS = ('revision', 'down_revision', 'branch_labels', 'depends_on')


def _scope(mig: m.Migration) -> str:
    return 'alembic' if mig.framework == 'alembic' else f'{mig.framework}:{mig.group}'


class Range:
    """The base side of the change, as far as migrations go: the base's graph (graph facts,
    cheap), the base version of every migration the change edits (analysed), and the
    squashes the change makes."""

    def __init__(self, changes: ChangeSet, head_all: list[m.Migration], head_paths: list[str],
                 opts: discover.Options) -> None:
        self.changes = changes
        self.opts = opts
        files = changes.files
        self.touched = {p for f in files for p in (f.path, f.old_path) if p}
        self.mig_changes = [f for f in files if f.path in set(head_paths)
                            or (f.old_path or f.path).endswith(('.py', '.sql'))]
        self.head_all = head_all
        self.head_by_path = {g.path: g for g in head_all}
        self.base_migs: list[m.Migration] = []
        self.counterparts: dict[str, m.Migration] = {}
        self.squash_roots: dict[str, list[m.Migration]] = {}    # head path -> squashed
        self.squashed: set[str] = set()                           # base paths
        # edits that only remove operations: (the finding, the head version, what it lost)
        self.removals: list[tuple[Raw, m.Migration, list[m.Op]]] = []
        # deleted shipped migrations and edited ones, for _folded
        self.deletions: list[tuple[Raw, m.Migration]] = []
        self.edits: list[tuple[Raw, m.Migration, m.Migration]] = []
        self.never_runs: set[str] = set()                         # head paths
        self.deleted: dict[str, m.Migration] = {}                 # base path -> migration
        if not self.mig_changes:
            return
        old_paths = [f.old_path or f.path for f in files]
        # unchanged files are identical on both sides: reuse their head facts
        base_paths = discover.candidate_paths(changes.base, old_paths, opts)
        reread = [p for p in base_paths if p in self.touched]
        base = [g for g in head_all if g.path not in self.touched
                and (g.downgrade_path or '') not in self.touched and changes.base.exists(g.path)]
        base += discover.load(changes.base, _with_pairs(reread, base_paths), opts,
                              analyse=False, cache=changes.cache, changed=self.touched)
        self.base_migs = base
        base_by_path = {g.path: g for g in base}
        for f in files:
            if f.status == DELETED and f.path in base_by_path:
                self.deleted[f.path] = base_by_path[f.path]
        # the base version of each migration the change edits (same path, renamed, or the
        # same revision id in a new file)
        wanted: dict[str, str] = {}
        for f in files:
            old = f.old_path or f.path
            hm = self.head_by_path.get(f.path)
            if f.status == DELETED or hm is None or not hm.analysed:
                continue
            if f.status != 'added' and old in base_by_path:
                wanted[f.path] = old
        by_rev = {(_scope(g), g.revision): g for g in self.deleted.values() if g.revision}
        for f in files:
            hm = self.head_by_path.get(f.path)
            if f.status == 'added' and hm is not None and hm.analysed and hm.revision:
                twin = by_rev.get((_scope(hm), hm.revision))
                if twin is not None:
                    wanted[f.path] = twin.path
        if wanted:
            full = {g.path: g for g in discover.load(changes.base,
                                                     _with_pairs(sorted(set(wanted.values())),
                                                                 base_paths),
                                                     opts, analyse=set(wanted.values()),
                                                     cache=changes.cache,
                                                     changed=self.touched)}
            for head_path, base_path in wanted.items():
                if base_path in full and full[base_path].analysed:
                    self.counterparts[head_path] = full[base_path]
        self._squashes(base)

    # -- squashes ---------------------------------------------------------------------
    def _squashes(self, base: list[m.Migration]) -> None:
        base_rev = {(_scope(g), g.revision or ''): g for g in base if g.revision}
        head_revs = {(_scope(g), g.revision) for g in self.head_all if g.revision}
        gone = {k: g for k, g in base_rev.items()
                if g.path in self.deleted and k not in head_revs}
        for hm in self.head_all:
            if hm.framework == 'alembic' and hm.revision and not hm.parents:
                old = base_rev.get(('alembic', hm.revision))
                if old is None or not old.parents or not gone:
                    continue
                ancestors = _ancestors(old, base_rev)
                eaten = [g for k, g in gone.items() if k[0] == 'alembic'
                         and g.revision in ancestors]
                if eaten:
                    self.squash_roots[hm.path] = eaten
                    self.squashed.update(g.path for g in eaten)
                    self.squashed.add(old.path)
                    self.never_runs.add(hm.path)
            elif hm.framework == 'django' and hm.replaced:
                shipped = [base_rev.get((f'django:{app}', name)) for app, name in hm.replaced]
                if all(s is not None for s in shipped) and \
                        (_scope(hm), hm.revision) not in base_rev:
                    self.never_runs.add(hm.path)
                    self.squash_roots[hm.path] = [s for s in shipped if s is not None]
        replaced = {(app, name) for hm in self.head_all for app, name in hm.replaced}
        for path, g in self.deleted.items():
            if g.framework == 'django' and (g.group, g.revision) in replaced:
                self.squashed.add(path)

    # -- per-file findings --------------------------------------------------------------
    @staticmethod
    def mark_standing(found: list[Raw], before: list[Raw]) -> None:
        """Mark the findings of the head version that the base version had too (about the
        same operation: the same signature, or an equivalent one)."""
        left = Counter(r.identity() for r in before)
        rest = []
        for r in found:
            ident = r.identity()
            if left[ident] > 0:
                left[ident] -= 1
                r.standing = True
            else:
                rest.append(r)
        for r in rest:
            ident = r.identity()
            for other, n in left.items():
                if n > 0 and other[0] == ident[0] and _same_key(other[1], ident[1]):
                    left[other] -= 1
                    r.standing = True
                    break

    # -- graph ----------------------------------------------------------------------------
    def relocate(self, raws: list[Raw]) -> None:
        """A new graph finding on a file the change did not touch was caused by a file it
        did touch in the same graph (a deleted parent, a moved revision): it points there,
        so that no finding is about a file the change did not touch."""
        deleted_rev = {(_scope(g), g.revision): g for g in self.deleted.values()}
        for r in raws:
            if r.path in self.touched:
                continue
            if r.rule == 'migration-unknown-parent' and r.key:
                scope, _rev, parent = r.key
                gone = deleted_rev.get((scope, parent))
                if gone is not None:
                    r.message = (f'shipped migration {gone.label} was deleted, but '
                                 f'{r.message.split(" names parent", 1)[0]} ({r.path}) still '
                                 'names it as its parent')
                    r.path, r.line, r.spans = gone.path, None, []
                    continue
            group = _group_of(r.path)
            cause = next((f.path if f.status != DELETED else f.old_path or f.path
                          for f in self.mig_changes
                          if _group_of(f.old_path or f.path) == group), None)
            if cause is not None:
                r.message += f' (at {r.path}, after the change to this file)'
                r.path, r.line, r.spans = cause, None, []

    # -- history rules ------------------------------------------------------------------------
    def history(self) -> list[Raw]:
        out: list[Raw] = []
        if not self.base_migs:
            return out
        base_by_path = {g.path: g for g in self.base_migs}
        base_down = {g.downgrade_path: g for g in self.base_migs if g.downgrade_path}
        for head_path, eaten in sorted(self.squash_roots.items()):
            out.append(_squash_note(self.head_by_path[head_path], eaten))
        twins = {g.path for g in self.counterparts.values()}
        for f in self.mig_changes:
            old_path = f.old_path or f.path
            mig = base_by_path.get(old_path)
            if mig is None:
                if old_path in base_down and f.status == DELETED:
                    out.append(Raw('migration-history-edited', old_path, None,
                                   f'the down migration of shipped migration '
                                   f'{base_down[old_path].label} was deleted: it can no '
                                   'longer be rolled back',
                                   'restore the file', extra={'change': 'deleted'}))
                continue
            if old_path in self.squashed or (f.status == DELETED and old_path in twins):
                continue
            if f.status == DELETED:
                out.append(Raw('migration-history-edited', old_path, None,
                               f'shipped migration {mig.label} was deleted: databases that '
                               'applied it no longer match the history',
                               'restore the file; undo its effect with a new migration instead',
                               extra={'change': 'deleted'}))
                self.deletions.append((out[-1], mig))
                continue
            hm = self.head_by_path.get(f.path)
            if hm is None or f.path in self.squash_roots:
                continue
            out.extend(self._edited(mig, hm, f.path, old_path))
        for f in self.changes.files:       # an added file that is a shipped revision anew
            hm = self.head_by_path.get(f.path)
            twin = self.counterparts.get(f.path)
            if f.status == 'added' and hm is not None and twin is not None and \
                    f.path not in self.squash_roots and twin.path not in self.squashed:
                out.extend(self._edited(twin, hm, f.path, twin.path))
        out.extend(_inserted_below(self.base_migs, self.head_all, self.never_runs))
        self._cancelling_pairs()
        self._folded()
        return out

    def _analysed_base(self, path: str) -> m.Migration | None:
        """The base version of a migration the change deleted, analysed (asked only about a
        deletion the change may have folded into another migration)."""
        got = discover.load(self.changes.base, [path], self.opts, analyse={path},
                            cache=self.changes.cache, changed=self.touched)
        return next((g for g in got if g.path == path and g.analysed), None)

    def _folded(self) -> None:
        """A shipped migration deleted and its operations moved into the shipped migration
        that depended on it, which now depends on its parents instead (paperless-ngx 3.0.2
        folding 3.0.1's split-out clamp back into 0002): a database that applied both, and
        a new database, run the same operations and queries and end the same. Only a
        database that applied the deleted one but not the other runs its operations again:
        a hazard for a reviewer (warning), not a history that diverges."""
        for raw_d, gone in self.deletions:
            for raw_e, before, after in self.edits:
                if raw_d.severity == 'warning' or raw_e.severity == 'warning' or \
                        _scope(gone) != _scope(before) or not gone.revision or \
                        not _refolded(gone, before, after):
                    continue
                full = self._analysed_base(gone.path)
                if full is None or not _folds_into(full, before, after, self.changes):
                    continue
                for r in (raw_d, raw_e):
                    r.severity = 'warning'
                    r.message += (f'; {gone.label} was folded into {after.label}, which '
                                  f'depended on it and now runs its operations on its '
                                  'parents: databases that applied both, and new databases, '
                                  f'end the same; only a database that applied {gone.label} '
                                  f'but not {after.label} runs them again')
                break

    def _cancelling_pairs(self) -> None:
        """Two shipped migrations, one after the other, both emptied of operations that
        cancel each other (an index built, then dropped by the later one; Django's
        ``index_together`` set, then set to nothing): a database past the later one, and a
        new database, end in the same schema as before the edit. Only a database between
        the two keeps the object the later one used to drop: a hazard for a reviewer
        (warning), not a history that diverges for the databases that run the code."""
        by_rev = {(_scope(g), g.revision): g for g in self.head_all if g.revision}
        done: set[int] = set()
        for i, (raw_a, mig_a, ops_a) in enumerate(self.removals):
            for j, (raw_b, mig_b, ops_b) in enumerate(self.removals):
                if i == j or i in done or j in done or _scope(mig_a) != _scope(mig_b) or \
                        not mig_a.revision or \
                        mig_a.revision not in _ancestors(mig_b, by_rev) or \
                        not _cancel(ops_a, ops_b):
                    continue
                done |= {i, j}
                for r, other in ((raw_a, mig_b), (raw_b, mig_a)):
                    r.severity = 'warning'
                    r.message += (f'; it and {other.label} were both emptied of operations '
                                  f'that cancel each other ({mig_a.label} made what '
                                  f'{mig_b.label} undid): databases past {mig_b.label} and '
                                  'new databases end the same; only a database between the '
                                  'two keeps what the later one used to undo')

    def _same_effects(self, old_path: str, new_path: str) -> list[str] | None:
        """The data step's effects (``effects``: tables read and written, the columns
        written, the columns that choose the rows) when both versions have the same ones,
        all resolved and at least one write; else None."""
        sides = []
        for snap, path in ((self.changes.base, old_path), (self.changes.head, new_path)):
            got = _effects_of(self.changes, snap, path)
            if got is None or got['unresolved']:
                return None
            sides.append({_frozen(e) for e in got['effects']})
        if sides[0] != sides[1] or not any(e[0] != 'read' for e in sides[0]):
            return None
        return [_effect_text(e) for e in sorted(sides[0], key=repr)]

    def _edited(self, mig: m.Migration, hm: m.Migration, new_path: str,
                old_path: str) -> list[Raw]:
        if old_path.endswith('.sql'):
            from hotfix_hooks.migrations.sql import normalise as normalise_sql

            old = discover.lenient_text(self.changes.base.read(old_path))
            new = discover.lenient_text(self.changes.head.read(new_path))
            if old is None or new is None:
                return []
            diff = [] if normalise_sql(old) == normalise_sql(new) else ['SQL']
            if new_path != old_path and hm.revision != mig.revision:
                diff.append('version (file renamed)')
            return [_edit_raw(mig, hm, new_path, diff)] if diff else []
        before = self.counterparts.get(new_path)
        if before is None or before.parse_error or hm.parse_error or not hm.analysed:
            old = discover.lenient_text(self.changes.base.read(old_path))
            new = discover.lenient_text(self.changes.head.read(new_path))
            if old is None or new is None:
                return []
            fallback = python_changes(old, new)
            if fallback is None:
                return []
            return [_edit_raw(mig, hm, new_path, fallback)] if fallback else []
        diff, added, removed = operation_changes(before, hm)
        rewrite: list[str] | None = None
        reshaped: list[str] = []
        if diff == ['upgrade()'] and hm.framework == 'alembic':
            data_only, reshaped_cols = _data_or_reshape(before, hm)
            if data_only:
                # only the data step's statements differ, or the way a column it fills is
                # made NOT NULL: the same rows written the same way (an ORM loop rewritten
                # as text SQL) and the same end state is no operation change
                rewrite = self._same_effects(old_path, new_path)
                if rewrite is not None:
                    diff, reshaped = [], reshaped_cols
        if diff:
            found = _edit_raw(mig, hm, new_path, diff, added, removed)
            self.edits.append((found, before, hm))
            widened = widenings(before, hm) if len(diff) == 1 and \
                diff[0] in ('operations', 'upgrade()') else None
            if widened:
                _widening_only(found, widened)
                return [found]
            if diff == ['operations' if hm.framework == 'django' else 'upgrade()'] and \
                    not added and removed:
                self.removals.append((found, hm, removed_ops(before, hm)))
            return [found]
        old = discover.lenient_text(self.changes.base.read(old_path)) or ''
        new = discover.lenient_text(self.changes.head.read(new_path)) or ''
        if forward_code(old, mig.framework) != forward_code(new, hm.framework):
            queries = data_step_changes(old, new, hm.framework)
            if queries and rewrite is None and hm.framework == 'alembic':
                rewrite = self._same_effects(old_path, new_path)
            if (queries or reshaped) and rewrite is not None:
                lost, gained = queries or ([], [])
                shown = '; '.join(rewrite[:4]) + (' ...' if len(rewrite) > 4 else '')
                how = ''
                if reshaped:
                    how = (f'; {", ".join(reshaped)} now gets a default while the data step '
                           'fills it instead of being made NOT NULL after it: both versions '
                           'end with the column NOT NULL without a default, and a database '
                           'that applied the old version had a value in every row (its SET '
                           'NOT NULL would have failed otherwise)')
                return [Raw('migration-history-code-changed', new_path, hm.upgrade_line,
                            f'the data step of shipped migration {mig.label} was rewritten '
                            '(its statements changed, e.g. ORM attribute writes replaced by '
                            'text SQL) but it reads and writes the same rows by effect: '
                            f'{shown}{how}; the schema and the rows written are the same for '
                            'databases that applied it, whether each value written is the '
                            'same cannot be told statically',
                            'review the edit: if it changes the values the migration writes, '
                            'revert it and put the change in a new migration',
                            extra={'change': ['code'], 'same_effects': rewrite,
                                   'reshaped': reshaped, 'added': gained, 'removed': lost})]
            if queries:
                lost, gained = queries
                detail = ''
                if gained:
                    detail += '; now: ' + '; '.join(gained[:3]) + (' ...' if len(gained) > 3
                                                                   else '')
                if lost:
                    detail += '; no longer: ' + '; '.join(lost[:3]) + (' ...' if len(lost) > 3
                                                                         else '')
                return [Raw('migration-history-edited', new_path, hm.upgrade_line,
                            f'the data step of shipped migration {mig.label} was edited: the '
                            f'queries it runs to choose or write rows changed{detail}; '
                            'databases that already applied it keep what the old version '
                            'wrote, new databases get what the new one writes',
                            'revert the edit; correct the data already written with a new '
                            'migration', severity='warning',
                            extra={'change': ['data step'], 'added': gained,
                                   'removed': lost})]
            return [Raw('migration-history-code-changed', new_path, hm.upgrade_line,
                        f'the Python code that the upgrade of shipped migration {mig.label} '
                        'runs was edited; its operations are the same, so the schema of '
                        'databases that applied it does not diverge, but whether the data it '
                        'writes does cannot be told statically',
                        'review the edit: if it changes what the migration writes, revert it '
                        'and put the change in a new migration',
                        extra={'change': ['code']})]
        return []


def _effects_of(changes: ChangeSet, snap: Snapshot, path: str) -> dict[str, Any] | None:
    """The effects of the data step of the Alembic migration at ``path`` on ``snap``
    (cached with every file consulted: ``effects.cached``); None when it does not parse."""
    text = discover.lenient_text(snap.read(path))
    if text is None:
        return None
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    forward = _forward_module(text, 'alembic')
    if forward is None:
        return None
    from hotfix_hooks.migrations import effects

    return effects.cached(changes.cache, snap, path,
                          lambda: effects.data_effects(tree, forward, snap, path))


def _frozen(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


def _effect_text(e: tuple[Any, ...]) -> str:
    conds = e[-1] if e[0] != 'insert' else ()
    cols = sorted({str(c[0]) for c in conds if isinstance(c, tuple) and c})
    by = f' by {", ".join(cols)}' if cols else ''
    if e[0] == 'read':
        return f'reads {e[1]}{by}'
    if e[0] == 'update':
        return f'updates {e[1]}.{e[2]}{by}'
    if e[0] == 'delete':
        return f'deletes from {e[1]}{by}'
    return f'inserts {e[1]}.{e[2]}'


def _data_or_reshape(before: m.Migration, after: m.Migration) -> tuple[bool, list[str]]:
    """Whether every operation that differs between the two versions' upgrades is a data
    statement (``DML``), one the front end could not read (``UNANALYSABLE``: an
    ``execute()`` of a statement built in code), or part of a column both versions add
    and leave in the same state (``_same_end_state``); and those columns."""
    a, b = _upgrade_sigs(before), _upgrade_sigs(after)
    _pair_equivalent(a, b)
    ops = _ops_of(before, a - b) + _ops_of(after, b - a)
    schema = [o for o in ops if o.kind not in (m.DML, m.UNANALYSABLE)]
    if not ops:
        return False, []
    if not schema:
        return True, []
    if any(o.kind not in (m.ADD_COLUMN, m.ALTER_COLUMN) or not o.table or not o.column
           or 'type' in o.attrs and o.kind == m.ALTER_COLUMN for o in schema):
        return False, []
    cols = sorted({(o.table or '', o.column or '') for o in schema})
    if not all(_same_end_state(before, after, t, c) for t, c in cols):
        return False, []
    return True, [f'{t}.{c}' for t, c in cols]


def _column_states(mig: m.Migration, table: str, column: str
                   ) -> list[tuple[object, object, object]]:
    """(type, nullable, server default) of a column after each operation of ``mig``'s
    upgrade that adds or alters it, in order."""
    out: list[tuple[object, object, object]] = []
    for o in mig.upgrade:
        if (o.table, o.column) != (table, column):
            continue
        if o.conditional:
            return []                   # which state it ends in depends on the database
        if o.kind == m.ADD_COLUMN:
            out.append((o.attrs.get('type'), o.attrs.get('nullable'),
                        o.attrs.get('server_default')))
        elif o.kind == m.ALTER_COLUMN and out:
            typ, nullable, default = out[-1]
            if isinstance(o.attrs.get('nullable'), bool):
                nullable = o.attrs['nullable']
            if o.attrs.get('server_default') == 'drop':
                default = None
            elif o.attrs.get('server_default') == 'set':
                default = 'set'
            out.append((typ, nullable, default))
        else:
            return []
    return out


def _same_end_state(before: m.Migration, after: m.Migration, table: str, column: str) -> bool:
    """Both versions add ``table.column`` and leave it the same (type, NOT NULL, no
    default), and the old version made it NOT NULL after adding it nullable: a database
    that applied it had a value in every row once the data step ran, so a temporary
    default the new version gives it while the data step fills it (the backfill idiom
    ``add_column(nullable=False, server_default=X)`` ... ``alter_column(server_default=
    None)``) decides no value those databases hold."""
    old, new = _column_states(before, table, column), _column_states(after, table, column)
    if not old or not new or old[-1] != new[-1] or old[0][0] != new[0][0]:
        return False
    end_type, end_nullable, end_default = old[-1]
    return end_nullable is False and end_default is None and old[0][1] is not False


def _refolded(gone: m.Migration, before: m.Migration, after: m.Migration) -> bool:
    """``before`` depended on ``gone``; ``after`` depends on ``gone``'s parents instead."""
    return gone.revision in before.parents and after.revision == before.revision and \
        set(after.parents) == (set(before.parents) - {gone.revision}) | set(gone.parents)


def _folds_into(gone: m.Migration, before: m.Migration, after: m.Migration,
                changes: ChangeSet) -> bool:
    """``after`` is ``before`` with the deleted ``gone`` folded in: ``before`` depended on
    ``gone``, ``after`` depends on ``gone``'s parents instead, and its operations (and the
    queries of its data steps) are exactly ``before``'s plus ``gone``'s. Whether it runs in
    one transaction (Django's ``atomic``) may change with it."""
    if not _refolded(gone, before, after):
        return False
    if _upgrade_sigs(after) != _upgrade_sigs(before) + _upgrade_sigs(gone):
        return False
    texts = [discover.lenient_text(changes.base.read(gone.path)),
             discover.lenient_text(changes.base.read(before.path)),
             discover.lenient_text(changes.head.read(after.path))]
    if any(t is None for t in texts):
        return False
    mods = [_forward_module(t or '', after.framework) for t in texts]
    if any(x is None for x in mods):
        return False
    defs = [{d.name: ast.dump(_Normalise().visit(copy.deepcopy(d))) for d in x.body
             if isinstance(d, (ast.FunctionDef, ast.AsyncFunctionDef))}
            for x in mods if x is not None]
    if any(defs[2].get(name) != code for name, code in defs[0].items()):
        return False                # the moved functions must arrive unchanged
    q_gone, q_before, q_after = (_queries(x)[0] for x in mods if x is not None)
    return q_after == q_before + q_gone


def removed_ops(before: m.Migration, after: m.Migration) -> list[m.Op]:
    """The operations of ``before``'s upgrade that ``after`` no longer has."""
    lost = _upgrade_sigs(before) - _upgrade_sigs(after)
    out = []
    for o in before.upgrade:
        sig = o.signature()
        if lost.get(sig, 0) > 0:
            lost[sig] -= 1
            out.append(o)
    return out


# the operations a later one undoes: (what the earlier made, what the later undoes it with)
_UNDONE_BY = {m.CREATE_INDEX: m.DROP_INDEX, m.ADD_COLUMN: m.DROP_COLUMN,
              m.ADD_CONSTRAINT: m.DROP_CONSTRAINT, m.CREATE_TABLE: m.DROP_TABLE}
_TOGETHER = ('index_together', 'unique_together')


def _cancel(earlier: list[m.Op], later: list[m.Op]) -> bool:
    """Every removed operation of ``later`` undoes one of ``earlier`` and every one of
    ``earlier`` is undone: the same object made and dropped, or a Django ``*_together``
    option set on a model and later set to nothing on it."""
    left = list(earlier)
    for o in later:
        match = next((e for e in left if _undoes(e, o)), None)
        if match is None:
            return False
        left.remove(match)
    return not left and bool(later)


def _undoes(e: m.Op, o: m.Op) -> bool:
    if _UNDONE_BY.get(e.kind) == o.kind:
        if e.kind in (m.ADD_COLUMN, m.CREATE_TABLE):
            return bool(e.table) and (e.table, e.column) == (o.table, o.column)
        return bool(e.name) and e.name == o.name and o.table in (None, e.table)
    a, b = _together(e), _together(o)
    return a is not None and b is not None and a[:2] == b[:2] and a[2] and not b[2]


def _together(o: m.Op) -> tuple[str, str, bool] | None:
    """(option, model, whether it sets anything) of a Django ``AlterIndexTogether`` /
    ``AlterUniqueTogether`` operation."""
    try:
        call = ast.parse(str(o.sig or o.source or ''), mode='eval').body
    except (SyntaxError, ValueError):
        return None
    if not isinstance(call, ast.Call):
        return None
    kw = {k.arg: k.value for k in call.keywords if k.arg}
    model = kw.get('name')
    option = next((k for k in _TOGETHER if k in kw), None)
    if option is None or not isinstance(model, ast.Constant) or \
            not isinstance(model.value, str):
        return None
    value = kw[option]
    if isinstance(value, ast.Call) and getattr(value.func, 'id', None) in ('set', 'frozenset'):
        value = value.args[0] if value.args else ast.Set(elts=[])
    if isinstance(value, ast.Constant) and value.value is None or \
            isinstance(value, ast.Dict) and not value.keys:
        return option, model.value.lower(), False
    if not isinstance(value, (ast.Set, ast.List, ast.Tuple)):
        return None
    return option, model.value.lower(), bool(value.elts)


def _group_of(path: str | None) -> str:
    return (path or '').rsplit('/', 1)[0]


def _ancestors(mig: m.Migration, by_rev: dict[tuple[str, str], m.Migration]) -> set[str]:
    out: set[str] = set()
    stack = list(mig.parents)
    while stack:
        rev = stack.pop()
        if rev in out:
            continue
        out.add(rev)
        parent = by_rev.get((_scope(mig), rev))
        if parent is not None:
            stack.extend(parent.parents)
    return out


def _squash_note(hm: m.Migration, eaten: list[m.Migration]) -> Raw:
    names = sorted(g.label for g in eaten)
    shown = ', '.join(names[:5]) + (f' and {len(names) - 5} more' if len(names) > 5 else '')
    if hm.framework == 'django':
        msg = (f'{hm.label} squashes {len(names)} shipped migrations ({shown}): databases '
               'that applied them all record it as applied and never run its operations; a '
               'database that applied only some of them needs the replaced files kept')
    else:
        msg = (f'{hm.label} is a new root that squashes {len(names)} shipped revisions '
               f'({shown}) under the id of the last one: databases at {hm.label} (the base\'s '
               'head) still resolve and never run it; a database at an older revision can no '
               'longer upgrade with this history')
    return Raw('migration-history-squashed', hm.path, hm.revision_line, msg,
               'make sure every database to upgrade is at the squashed head first',
               extra={'squashed': names})


def _edit_raw(mig: m.Migration, hm: m.Migration, new_path: str, diff: list[str],
              added: list[str] | None = None, removed: list[str] | None = None) -> Raw:
    line = None
    if 'revision' in diff or 'name (file renamed)' in diff:
        line = hm.revision_line
    elif 'down_revision' in diff or 'dependencies' in diff:
        line = hm.parents_line
    elif 'upgrade()' in diff or 'operations' in diff:
        line = hm.upgrade_line
    detail = ''
    if added:
        detail += '; now also: ' + '; '.join(added[:3]) + (' ...' if len(added) > 3 else '')
    if removed:
        detail += '; no longer: ' + '; '.join(removed[:3]) + (' ...' if len(removed) > 3 else '')
    extra: dict[str, object] = {'change': diff}
    if added:
        extra['added'] = added
    if removed:
        extra['removed'] = removed
    return Raw('migration-history-edited', new_path, line,
               f'shipped migration {mig.label} was edited ({", ".join(diff)} changed'
               f'{detail}): databases that already applied it will never run the new '
               'version', fix_for('migration-history-edited', mig.framework)
               if mig.framework == 'django' else 'revert the edit and put the change in a new '
               'migration', extra=extra)


# -- comparing two versions of a migration ---------------------------------------------
def _parents(mig: m.Migration) -> tuple[str, ...]:
    return tuple(sorted(p for p in mig.parents if p))          # "" and None: both a root


def _upgrade_sigs(mig: m.Migration) -> Counter[tuple[object, ...]]:
    return Counter(o.signature() for o in mig.upgrade
                   if not o.inert and o.kind != m.INTROSPECTION)


def operation_changes(before: m.Migration, after: m.Migration
                      ) -> tuple[list[str], list[str], list[str]]:
    """What changed between two analysed versions of one migration, for databases that
    applied the first: (what changed, operations added, operations removed)."""
    diff: list[str] = []
    if before.revision != after.revision:
        diff.append('revision' if after.framework != 'django' else 'name (file renamed)')
    if _parents(before) != _parents(after):
        diff.append('dependencies' if after.framework == 'django' else 'down_revision')
    if tuple(sorted(before.replaced)) != tuple(sorted(after.replaced)):
        diff.append('replaces')
    if before.atomic != after.atomic and after.framework == 'django':
        diff.append('atomic')
    a, b = _upgrade_sigs(before), _upgrade_sigs(after)
    _pair_equivalent(a, b)
    added, removed = [], []
    if a != b:
        diff.append('operations' if after.framework == 'django' else 'upgrade()')
        gained, lost = b - a, a - b
        added = [o.statement() or o.kind for o in after.upgrade if gained.get(o.signature())]
        removed = [o.statement() or o.kind for o in before.upgrade if lost.get(o.signature())]
    return diff, added, removed


def widenings(before: m.Migration, after: m.Migration) -> list[tuple[m.Op, m.Op]] | None:
    """The (old, new) operations when the only operations that changed between two
    versions of a migration are column types made wider (``sqltypes.widens``: Django
    ``CharField(max_length=2048)`` -> ``TextField``, ``sa.String(50)`` -> ``sa.Text()``,
    ``Integer`` -> ``BigInteger``), every other argument the same; None otherwise."""
    a, b = _upgrade_sigs(before), _upgrade_sigs(after)
    _pair_equivalent(a, b)
    lost_c, gained_c = a - b, b - a
    lost = _ops_of(before, lost_c)
    gained = _ops_of(after, gained_c)
    if not lost or len(lost) != len(gained):
        return None
    pairs: list[tuple[m.Op, m.Op]] = []
    for old in lost:
        new = next((g for g in gained if _widened(old, g)), None)
        if new is None:
            return None
        gained.remove(new)
        pairs.append((old, new))
    return pairs


def _ops_of(mig: m.Migration, wanted: Counter[tuple[object, ...]]) -> list[m.Op]:
    left = Counter(wanted)
    out = []
    for o in mig.upgrade:
        if not o.inert and o.kind != m.INTROSPECTION and left[o.signature()] > 0:
            left[o.signature()] -= 1
            out.append(o)
    return out


def _widened(old: m.Op, new: m.Op) -> bool:
    """``new`` is ``old`` with a wider column type and nothing else changed."""
    if old.kind != new.kind or old.kind not in (m.ALTER_COLUMN, m.ADD_COLUMN) or \
            (old.table, old.column, old.name) != (new.table, new.column, new.name) or \
            not old.column:
        return False
    t_old, t_new = old.attrs.get('type'), new.attrs.get('type')
    if not t_old or not t_new or type_family(t_old) == type_family(t_new) or \
            not widens(t_old, t_new):
        return False
    rest_old = {k: v for k, v in old.attrs.items() if k not in ('type', 'old_type')}
    rest_new = {k: v for k, v in new.attrs.items() if k not in ('type', 'old_type')}
    if rest_old != rest_new:
        return False
    return _untyped(old.signature()[5]) == _untyped(new.signature()[5]) is not None


_TYPE_KEYWORDS = frozenset({'type_', 'existing_type', 'max_length'})


def _untyped(sig: object) -> str | None:
    """The call with its column type left out: a Django field's class and ``max_length``,
    Alembic's ``type_`` / ``existing_type`` and a ``Column``'s positional type."""
    try:
        tree = ast.parse(str(sig), mode='eval')
    except (SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        node.keywords = [k for k in node.keywords if k.arg not in _TYPE_KEYWORDS]
        fname = node.func.attr if isinstance(node.func, ast.Attribute) else \
            getattr(node.func, 'id', '')
        if fname.endswith('Field'):
            node.func = ast.Name(id='Field', ctx=ast.Load())
        elif fname == 'Column' and len(node.args) >= 2:
            node.args = [node.args[0], *node.args[2:]]
    return ast.dump(tree)


def _widening_only(found: Raw, pairs: list[tuple[m.Op, m.Op]]) -> None:
    """A shipped migration edited only to make column types wider: databases that applied
    it keep the narrower type. Every value they hold fits the new one and nothing is
    written or lost; what differs is that those databases still reject a value beyond the
    old limit. A hazard for a reviewer (warning), not a history whose data diverges."""
    found.severity = 'warning'
    what = ', '.join(f'{o.table}.{o.column} {o.attrs.get("type")} -> {n.attrs.get("type")}'
                     for o, n in pairs)
    found.message += (f'; the edit only widens {what}: databases that applied the old '
                      'version keep the narrower type, which holds every value they have, '
                      'but still reject a value beyond its limit')
    found.hint = ('revert the edit and widen the column in a new migration, so that every '
                 'database gets the wider type')


def _pair_equivalent(a: Counter[tuple[object, ...]], b: Counter[tuple[object, ...]]) -> None:
    """Remove from both counters the operations that are the same on both sides though
    written differently (``equivalent``)."""
    for sig_b in list(b - a):
        for sig_a in list(a - b):
            if (a - b)[sig_a] > 0 and (b - a)[sig_b] > 0 and equivalent(sig_a, sig_b):
                a[sig_a] -= 1
                b[sig_b] -= 1
                break
    a += Counter()                    # drop the zero counts
    b += Counter()


def _same_key(x: object, y: object) -> bool:
    return isinstance(x, tuple) and isinstance(y, tuple) and equivalent(x, y)


def equivalent(x: tuple[object, ...], y: tuple[object, ...]) -> bool:
    """Two operation signatures (``Op.signature``) that do the same thing: the same kind,
    objects and facts, and calls that differ only where one passes a literal and the other
    a name the front end evaluated to that literal (``op.create_index(name, ...)`` after
    ``name = 'ix_users_tier'``): a value that is one of the operation's evaluated objects
    (its table, column or name), so both sides resolve to it."""
    if len(x) != 6 or len(y) != 6 or x[:5] != y[:5] or x[5] == y[5]:
        return False
    facts = {str(v).lower() for v in x[1:4] if v}
    try:
        tx = ast.parse(str(x[5]), mode='eval')
        ty = ast.parse(str(y[5]), mode='eval')
    except (SyntaxError, ValueError):
        return False
    return bool(facts) and _same_tree(tx, ty, facts)


def _same_tree(p: object, q: object, facts: set[str]) -> bool:
    if isinstance(p, ast.Name) and isinstance(q, ast.Constant):
        p, q = q, p
    if isinstance(p, ast.Constant) and isinstance(q, ast.Name):
        value = p.value
        return isinstance(value, str) and \
            value.strip().strip('"').lower().removeprefix('public.') in facts
    if isinstance(p, list) and isinstance(q, list):
        return len(p) == len(q) and all(_same_tree(i, j, facts) for i, j in zip(p, q))
    if not isinstance(p, ast.AST) or not isinstance(q, ast.AST):
        return p == q
    if type(p) is not type(q):
        return False
    return all(_same_tree(getattr(p, f, None), getattr(q, f, None), facts)
               for f in p._fields if f != 'ctx')


class _Normalise(ast.NodeTransformer):
    """Drop what does not change behaviour: docstrings, imports, annotations, ``pass``
    next to other statements."""

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        for field in ('body', 'orelse', 'finalbody'):
            stmts = getattr(node, field, None)
            if not isinstance(stmts, list) or not stmts or not isinstance(stmts[0], ast.stmt):
                continue
            kept = [s for s in stmts if not isinstance(s, (ast.Import, ast.ImportFrom))
                    and not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
            real = [s for s in kept if not isinstance(s, ast.Pass)]
            setattr(node, field, real or [ast.Pass()])
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.annotation = None
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.returns = None
        return self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST | None:
        if node.value is None:
            return None
        return ast.Assign(targets=[node.target], value=node.value, lineno=node.lineno)


def forward_code(text: str, framework: str) -> str | None:
    """The normalised code the upgrade runs: ``upgrade()`` (Alembic) or the functions
    ``RunPython`` calls forward (Django), the module functions and classes they use, and
    the module's constants; None when the text does not parse."""
    module = _forward_module(text, framework)
    return None if module is None else ast.dump(_Normalise().visit(module))


# the calls that choose the rows a data step reads or writes, and write them: Django's
# QuerySet, SQLAlchemy's Query / select / Session, raw SQL
_QUERY_CALLS = frozenset({
    'filter', 'exclude', 'filter_by', 'where', 'annotate', 'alias', 'values', 'values_list',
    'aggregate', 'get', 'update', 'delete', 'bulk_update', 'bulk_create', 'create',
    'get_or_create', 'update_or_create', 'execute', 'text'})
# how the rows are loaded, not which: SQLAlchemy loader options, Django's only / defer /
# select_related / prefetch_related / iterator
_LOADING_CALLS = frozenset({'options', 'only', 'defer', 'select_related', 'prefetch_related',
                            'iterator'})


def data_step_changes(old: str, new: str, framework: str
                      ) -> tuple[list[str], list[str]] | None:
    """The queries a shipped data step runs (the calls that choose or write rows, with their
    arguments, in the code the upgrade runs) that differ between two versions: (no longer,
    now), or None when they are the same -- a refactor, a guard, logging, loading options,
    an f-string without placeholders -- or a side does not parse. Alembic ``op.*`` calls are
    operations, compared as such."""
    a, b = _forward_module(old, framework), _forward_module(new, framework)
    if a is None or b is None:
        return None
    (qa, shown_a), (qb, shown_b) = _queries(a), _queries(b)
    if qa == qb:
        return None
    return _written(qa - qb, shown_a), _written(qb - qa, shown_b)


def _written(keys: Counter[str], shown: dict[str, list[str]]) -> list[str]:
    out = []
    for key, n in keys.items():
        texts = shown[key]
        out.extend(texts[len(texts) - n:] if n <= len(texts) else texts)
    return out


class _LoadingOnly(ast.NodeTransformer):
    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Attribute) and node.func.attr in _LOADING_CALLS:
            return node.func.value
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        if all(isinstance(v, ast.Constant) for v in node.values):
            return ast.Constant(''.join(str(getattr(v, 'value', '')) for v in node.values))
        return self.generic_visit(node)


def _queries(module: ast.Module) -> tuple[Counter[str], dict[str, list[str]]]:
    """The query calls of the code (with its local variables renamed, so that a renamed
    variable is no change) and, for each, the call as written."""
    tree = _LoadingOnly().visit(module)
    calls = [node for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and
             node.func.attr in _QUERY_CALLS and
             not (isinstance(node.func.value, ast.Name) and node.func.value.id == 'op')]
    written = [_call_text(c) for c in calls]
    for fn in tree.body:
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _rename_locals(fn)
    out: Counter[str] = Counter()
    shown: dict[str, list[str]] = {}
    for call, text in zip(calls, written):
        key = _call_text(call)
        out[key] += 1
        shown.setdefault(key, []).append(text)
    return out, shown


def _call_text(node: ast.Call) -> str:
    assert isinstance(node.func, ast.Attribute)
    args = [ast.unparse(a) for a in node.args] + sorted(
        f'{k.arg}={ast.unparse(k.value)}' if k.arg else f'**{ast.unparse(k.value)}'
        for k in node.keywords)
    return f'{node.func.attr}({", ".join(args)})'


def _rename_locals(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
    """Name a function's parameters and local variables by the order they first appear:
    renaming a variable changes no query."""
    names: dict[str, str] = {}
    for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]:
        names.setdefault(a.arg, f'_v{len(names)}')
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.setdefault(node.id, f'_v{len(names)}')
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and node.id in names:
            node.id = names[node.id]


def _forward_module(text: str, framework: str) -> ast.Module | None:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    defs: dict[str, ast.stmt] = {}
    consts: list[ast.stmt] = []
    roots: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == 'Migration' and isinstance(node, ast.ClassDef):
                roots |= _runpython_forward(node)
                continue
            defs[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if not any(isinstance(t, ast.Name) and t.id in _GRAPH_FACTS for t in targets):
                consts.append(node)
        elif not isinstance(node, (ast.Import, ast.ImportFrom, ast.Expr)):
            consts.append(node)
    if framework != 'django':
        roots |= {n for n in defs if n == 'upgrade' or n.startswith('upgrade_')}
    seen: set[str] = set()
    stack = sorted(roots)
    while stack:
        name = stack.pop()
        if name in seen or name not in defs:
            continue
        seen.add(name)
        stack.extend(n.id for n in ast.walk(defs[name]) if isinstance(n, ast.Name))
        stack.extend(n.attr for n in ast.walk(defs[name]) if isinstance(n, ast.Attribute))
    return ast.Module(body=[copy.deepcopy(defs[n]) for n in sorted(seen)]
                      + [copy.deepcopy(c) for c in consts], type_ignores=[])


def _runpython_forward(cls: ast.ClassDef) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(cls):
        if isinstance(node, ast.Call) and (getattr(node.func, 'attr', None) == 'RunPython'
                                           or getattr(node.func, 'id', None) == 'RunPython'):
            code = node.args[0] if node.args else next(
                (k.value for k in node.keywords if k.arg == 'code'), None)
            if code is not None:
                out |= {n.id for n in ast.walk(code) if isinstance(n, ast.Name)}
                out |= {n.attr for n in ast.walk(code) if isinstance(n, ast.Attribute)}
    return out


# -- the fallback when one side does not parse ----------------------------------------
def python_changes(old: str, new: str) -> list[str] | None:
    """What changed between two versions of a Python migration that the analyser could
    not follow: [] when only formatting, comments, docstrings, imports and annotations
    changed, None when either side does not parse."""
    try:
        a = _Normalise().visit(ast.parse(old))
        b = _Normalise().visit(ast.parse(new))
    except (SyntaxError, ValueError):
        return None
    if ast.dump(a) == ast.dump(b):
        return []
    return ['module']


# -- revisions inserted below the head ------------------------------------------------------
def _inserted_below(base_migs: list[m.Migration], head_migs: list[m.Migration],
                    skip: set[str]) -> list[Raw]:
    """New Alembic revisions on a parent that is not a head of the base (databases at the
    head never run them), and new SQL versions below the latest shipped one. Django applies
    every unapplied migration by name, so a new Django migration is never skipped (a second
    leaf is ``migration-multiple-heads``)."""
    out: list[Raw] = []
    base_revs: set[str] = set()
    base_parents: set[str] = set()
    for g in base_migs:
        if g.framework == 'alembic' and g.revision:
            base_revs.add(g.revision)
            base_parents.update(g.parents)
    sql_max: dict[str, tuple[int, ...]] = {}
    sql_base: dict[str, set[str]] = defaultdict(set)
    for g in base_migs:
        if g.framework == 'sql' and g.revision:
            sql_base[g.group].add(g.revision)
            v = _vkey(g.revision)
            if v is not None and (g.group not in sql_max or v > sql_max[g.group]):
                sql_max[g.group] = v
    heads = base_revs - base_parents
    for g in head_migs:
        if not g.revision or g.path in skip:
            continue
        if g.framework == 'alembic':
            if not base_revs or g.revision in base_revs:
                continue
            below = [p for p in g.parents if p in base_revs and p not in heads]
            if below:
                out.append(Raw('migration-inserted-below-head', g.path, g.parents_line,
                               f'new migration {g.label} follows {", ".join(below)}, which is '
                               f'not the head of the base ({", ".join(sorted(heads))}): '
                               'databases at the head skip it',
                               'set its down_revision to the current head '
                               f'({", ".join(sorted(heads))})',
                               extra={'base_heads': sorted(heads)}))
        elif g.framework == 'sql' and g.group in sql_max and g.revision not in sql_base[g.group]:
            v = _vkey(g.revision)
            if v is not None and v < sql_max[g.group]:
                top = '.'.join(str(x) for x in sql_max[g.group])
                out.append(Raw('migration-inserted-below-head', g.path, 1,
                               f'new migration version {g.revision} is lower than the latest '
                               f'shipped version {top}: databases already at {top} never run it',
                               'renumber it above the latest shipped version'))
    return out


def _vkey(v: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(x) for x in re.split(r'[._]', v))
    except ValueError:
        return None


def _with_pairs(paths: Iterable[str], universe: list[str]) -> list[str]:
    """``paths`` plus the other half of golang-migrate / Flyway pairs (same version)."""
    paths = list(paths)
    out = set(paths)
    for p in paths:
        if p.endswith('.sql'):
            stem = p.rsplit('/', 1)[-1].split('_', 1)[0].lstrip('VU')
            d = p.rsplit('/', 1)[0] if '/' in p else ''
            out.update(q for q in universe if q.startswith(d) and
                       q.rsplit('/', 1)[-1].split('_', 1)[0].lstrip('VU') == stem)
    return sorted(out)
