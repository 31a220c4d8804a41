"""The data the migration guard works on: migrations, the operations they perform, and
the source spans findings point at.

Every front end (Alembic / Django Python files, SQL files of each convention, raw SQL
inside Python) produces the same ``Op`` records, so the rules are written once.
"""
from __future__ import annotations

import dataclasses
import posixpath
from typing import Any
from typing import TYPE_CHECKING

from hotfix_hooks.fastclass import dataclass
from hotfix_hooks.migrations.catalog import fix_for

if TYPE_CHECKING:
    import ast

class _Unknown:
    def __repr__(self) -> str:
        return 'UNKNOWN'

    def __bool__(self) -> bool:
        return False


UNKNOWN = _Unknown()   # what the Python analyser cannot know statically (``values``)

# functions whose value differs per row (a column filled with one is not a constant default);
# ``[tool.hotfix-hooks.migrations] volatile_functions`` replaces the list
DEFAULT_VOLATILE = ('random', 'gen_random_uuid', 'uuid_generate_v1', 'uuid_generate_v4',
                    'clock_timestamp', 'timeofday', 'nextval', 'txid_current')


def app_label(path: str) -> str:
    """The Django app of a migration file (``<app>/migrations/<name>.py``), else its folder:
    the graph a Django migration belongs to."""
    parts = path.split('/')
    if len(parts) >= 3 and parts[-2] == 'migrations':
        return parts[-3]
    return posixpath.dirname(path)


# Op kinds.
CREATE_TABLE = 'create_table'
DROP_TABLE = 'drop_table'
RENAME_TABLE = 'rename_table'
ADD_COLUMN = 'add_column'
DROP_COLUMN = 'drop_column'
ALTER_COLUMN = 'alter_column'
RENAME_COLUMN = 'rename_column'
CREATE_INDEX = 'create_index'
DROP_INDEX = 'drop_index'
ADD_CONSTRAINT = 'add_constraint'
DROP_CONSTRAINT = 'drop_constraint'
VALIDATE_CONSTRAINT = 'validate_constraint'
CREATE_OBJECT = 'create_object'      # schema, type, view, function, sequence, extension, trigger
DROP_OBJECT = 'drop_object'
DML = 'dml'                          # insert / update / delete / truncate / python (RunPython)
BLOCKING = 'blocking'                # vacuum full, cluster, reindex, detach partition
OTHER = 'other'                      # analysed, but nothing the rules care about
UNANALYSABLE = 'unanalysable'
INTROSPECTION = 'introspection'

SCHEMA_KINDS = (CREATE_TABLE, DROP_TABLE, RENAME_TABLE, ADD_COLUMN, DROP_COLUMN, ALTER_COLUMN,
                RENAME_COLUMN, CREATE_INDEX, DROP_INDEX, ADD_CONSTRAINT, DROP_CONSTRAINT,
                CREATE_OBJECT, DROP_OBJECT)


@dataclass
class Op:
    """One database operation found statically.

    ``table``/``column``/``name`` are normalised (lower case, no ``public.``).
    ``attrs`` carries kind-specific facts: ``nullable`` (True/False/None = unchanged),
    ``server_default`` ('set' / 'drop' / None), ``type`` (new type text), ``old_type``,
    ``concurrent``, ``unique``, ``constraint`` (foreign_key/check/unique/primary_key),
    ``not_valid``, ``where`` (DML has a WHERE), ``verb`` (update/delete/insert/truncate),
    ``cascade``, ``object`` (schema/type/view/...), ``new_name``, ``volatile``.
    """

    kind: str
    line: int
    end_line: int | None = None
    table: str | None = None
    column: str | None = None
    name: str | None = None
    attrs: dict[str, Any] = dataclasses.field(default_factory=dict)
    conditional: str | None = None      # the condition text when under an ``if``
    in_transaction: bool = True
    anchors: tuple[tuple[int, int], ...] = ()   # extra (start, end) spans (helper call sites)
    source: str = ''                    # short text of the call / statement for messages
    node: ast.AST | None = dataclasses.field(default=None, repr=False,
                                             compare=False)      # Python call
    sig: str = ''                       # what the op does, normalised (see ``signature``)

    def statement(self) -> str:
        """The source text for messages (rendered only when a finding needs it)."""
        if not self.source and self.node is not None:
            self.source = self._unparsed()[:120]
        return self.source

    def _unparsed(self) -> str:
        """The Python call as ``ast.unparse`` prints it, on one line (kept in ``sig``: one
        rendering serves the message and the signature)."""
        if not self.sig and self.node is not None:
            import ast
            try:
                self.sig = ' '.join(ast.unparse(self.node).split())
            except Exception:  # noqa: BLE001 - a message must never crash the run
                self.sig = ''
        return self.sig
    path: str | None = None             # set for ops from a file other than the migration's

    def signature(self) -> tuple[Any, ...]:
        """What the operation does, independent of where it is written: kind, objects,
        facts and the normalised statement (SQL without comments and spacing, a Python call
        as ``ast.unparse`` prints it, a Django operation without its state-only arguments).
        Two versions of a migration whose operations have the same signatures do the same
        thing to a database; the condition around an op (an existence guard) is left out."""
        self._unparsed()
        return (self.kind, self.table, self.column, self.name, _freeze(self.attrs),
                self.sig or self.source)

    @property
    def inert(self) -> bool:
        """Nothing for a downgrade to undo (SET, COMMENT, SELECT, VALIDATE, ADD VALUE)."""
        return self.kind in (INTROSPECTION, VALIDATE_CONSTRAINT, BLOCKING) or \
            bool(self.attrs.get('inert'))

    def spans(self) -> list[tuple[int, int]]:
        return [(self.line, self.end_line or self.line), *self.anchors]


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_freeze(v) for v in value]
        return tuple(sorted(items, key=repr)) if isinstance(value, (set, frozenset)) \
            else tuple(items)
    return value


@dataclass
class Note:
    """A finding a front end already knows (Django RunPython without reverse, ...)."""

    rule: str
    line: int | None
    message: str
    hint: str
    end_line: int | None = None
    path: str | None = None
    severity: str | None = None          # when the facts decide it (else the rule's)


@dataclass
class Suppression:
    """``# hotfix-hooks: ignore[rule-a, rule-b] reason="..."`` (``--`` in SQL)."""

    path: str
    line: int
    rules: tuple[str, ...]
    reason: str | None
    whole_file: bool = False
    used: bool = False


@dataclass
class Migration:
    """One migration: an Alembic revision, a Django migration or an SQL migration."""

    path: str
    framework: str                       # alembic | django | sql
    convention: str = ''                 # golang-migrate | dbmate | flyway | plain (sql)
    revision: str | None = None          # alembic revision / django name / sql version
    parents: tuple[str, ...] = ()        # alembic down_revision / django same-app deps
    group: str = ''                      # graph key: versions dir / django app / sql dir
    revision_line: int | None = None
    parents_line: int | None = None
    branch_labels: tuple[str, ...] = ()
    replaces: bool = False               # a Django squashed migration
    replaced: tuple[tuple[str, str], ...] = ()   # its ``replaces`` (app, name) pairs
    upgrade: list[Op] = dataclasses.field(default_factory=list)
    downgrade: list[Op] | None = None    # None: there is no downgrade at all
    upgrade_line: int | None = None
    downgrade_line: int | None = None
    downgrade_path: str | None = None    # the .down.sql / U__ file when separate
    downgrade_state: str = 'ok'          # ok | missing | noop | raises
    downgrade_raise_line: int | None = None
    atomic: bool = True                  # Django Migration.atomic / dbmate transaction
    notes: list[Note] = dataclasses.field(default_factory=list)   # front-end findings
    suppressions: list[Suppression] = dataclasses.field(default_factory=list)
    parse_error: tuple[int, str] | None = None
    unreadable: str | None = None        # why the file could not be analysed at all
    has_work: bool = False               # upgrade does something (for -noop)
    analysed: bool = False               # upgrade/downgrade were analysed (not graph only)

    @property
    def label(self) -> str:
        return self.revision or self.path


# -- findings before severity -------------------------------------------------------------
@dataclass
class Raw:
    """A finding before severity, suppressions and policy are applied."""

    rule: str
    path: str | None
    line: int | None
    message: str
    hint: str
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    spans: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    conditional: str | None = None
    key: tuple[Any, ...] | None = None   # what the finding is about, independent of lines
    severity: str | None = None          # this finding's severity on a hotfix branch, when
                                         # the facts decide it (else the rule's)
    standing: bool = False               # already true at the base: not reported, but it
                                         # still uses the suppressions that match it

    def identity(self) -> tuple[Any, ...]:
        """The same finding on the base and the head version of a migration has the same
        identity: the rule and the operation's signature (or the message when the finding
        points at no operation)."""
        return (self.rule, self.key if self.key is not None else self.message)


def raw(rule: str, mig: Migration, op: Op | None, message: str, hint: str = '',
        line: int | None = None, **extra: object) -> Raw:
    """A ``Raw`` finding pointing at ``op`` (or at ``line`` of the migration)."""
    hint = hint or fix_for(rule, mig.framework)
    if op is not None:
        if op.statement():
            extra.setdefault('statement', op.statement())
        if op.anchors:
            extra.setdefault('called_from_lines', [a[0] for a in op.anchors])
        return Raw(rule, op.path or mig.path, op.line, message, hint, extra,
                   op.spans(), op.conditional, key=op.signature())
    return Raw(rule, mig.path, line, message, hint, extra,
               [(line, line)] if line else [])
