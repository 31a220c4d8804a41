"""Static values the Python analyser tracks while it walks ``upgrade()``/``downgrade()``.

Nothing here is executed: these are stand-ins for what an expression would be at run
time when it can be known from the source alone.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from hotfix_hooks.migrations import model as m

UNKNOWN = m.UNKNOWN      # a value that cannot be known from the source
PLACEHOLDER = 'hh_unresolved'


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
