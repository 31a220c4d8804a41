"""AST helpers shared by every engine that reads Python source (routes, the ``/actions``
flow, the contract from code, migrations, the data-integrity condition). They read the
tree only; nothing of the scanned code is ever imported or run."""
from __future__ import annotations

import ast


def call_name(func: ast.expr) -> str:
    """The called name: ``f`` for ``f()``, ``attr`` for ``x.y.attr()``; '' otherwise."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ''


def source_of(node: ast.AST | None) -> str:
    """The source text of a node, for messages ('' for None or a tree unparse rejects)."""
    if node is None:
        return ''
    try:
        return ast.unparse(node)
    except Exception:  # noqa: BLE001 - unparse of exotic trees must not crash a scan
        return ''


def short(node: ast.AST, limit: int = 90) -> str:
    """``source_of`` on one line, cut to ``limit`` characters."""
    t = ' '.join(source_of(node).split())
    return t if len(t) <= limit else t[:limit - 3] + '...'
