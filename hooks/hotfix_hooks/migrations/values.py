"""Static values the Python analyser tracks while it walks ``upgrade()``/``downgrade()``.

Nothing here is executed: these are stand-ins for what an expression would be at run
time when it can be known from the source alone.
"""
from __future__ import annotations

import dataclasses
from typing import Any


class _Unknown:
    def __repr__(self) -> str:
        return 'UNKNOWN'

    def __bool__(self) -> bool:
        return False


UNKNOWN = _Unknown()
PLACEHOLDER = 'hh_unresolved'

# what one file may cost the analyser: statements and expressions evaluated (loops unrolled
# and helpers inlined included), and the size of a folded string or sequence
MAX_STEPS = 200_000
MAX_VALUE = 1_000_000


class Budget(Exception):
    """The file costs more to analyse than any real migration does (a hostile one)."""


def bounded(value: Any) -> Any:
    """``value``, when a folded string or sequence stays under ``MAX_VALUE``."""
    size = len(value.text) if isinstance(value, Sql) else (
        len(value) if isinstance(value, (str, tuple, list, dict)) else 0)
    if size > MAX_VALUE:
        raise Budget(f'a value folded from its expressions grows past {MAX_VALUE:,} '
                     'characters or items')
    return value


@dataclasses.dataclass
class Sql:
    """SQL text; ``partial`` when parts of an f-string could not be resolved and were
    replaced by a placeholder identifier."""

    text: str
    partial: bool = False


@dataclasses.dataclass
class TableRef:
    name: str | None


@dataclasses.dataclass
class CoreDml:
    verb: str                            # update / delete / insert / select (a read)
    table: str | None
    where: bool = False
    set_columns: tuple[str, ...] | None = None


@dataclasses.dataclass
class ColumnDef:
    name: str | None
    type: str = ''
    nullable: bool = True
    server_default: str | None = None    # 'set' or None
    volatile: bool = False
    primary_key: bool = False
    constraints: tuple[str, ...] = ()    # foreign_key / unique / check declared inline
    enum: str | None = None              # named enum type (created with the table)


@dataclasses.dataclass
class TypeVal:
    text: str
    enum_name: str | None = None
    create_type: bool = True


@dataclasses.dataclass
class Marker:
    """op, batch_op (with its table), bind/connection, inspector, migration context,
    autocommit block."""

    kind: str
    table: str | None = None


def plain(v: Any) -> Any:
    """The text of ``Sql``, anything else unchanged."""
    return v.text if isinstance(v, Sql) else v


class State:
    """Where the walker is: the names bound so far, the condition around the statement,
    autocommit, the anchors of inlined calls, the inlining depth, whether ops are kept."""


    __slots__ = ('env', 'cond', 'autocommit', 'anchors', 'depth', 'collect')

    def __init__(self, env: dict[str, Any], cond: str | None, autocommit: bool,
                 anchors: tuple[tuple[int, int], ...], depth: int, collect: bool = True) -> None:
        self.env = env
        self.cond = cond
        self.autocommit = autocommit
        self.anchors = anchors
        self.depth = depth
        self.collect = collect

    def child(self, **kw: Any) -> State:
        s = State(self.env, self.cond, self.autocommit, self.anchors, self.depth, self.collect)
        for k, v in kw.items():
            setattr(s, k, v)
        return s
