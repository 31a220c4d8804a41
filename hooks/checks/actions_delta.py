"""Incremental parsing for the actions guard: the base side of a modified module is built
from the head's syntax tree plus the parsed base text of the regions the diff touched, so
a one-line edit in a 1,000-line router does not cost a second full parse. Also tells which
top-level statements changed (their names seed the "affected routes" search).
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from hooks.changeset import Hunk


def span(stmt: ast.stmt) -> tuple[int, int]:
    """First line (decorators included) and last line of a statement."""
    start = stmt.lineno
    for dec in getattr(stmt, 'decorator_list', ()):
        start = min(start, dec.lineno)
    return start, stmt.end_lineno or stmt.lineno


def derive_base(head: ast.Module, base_text: str, hunks: list[Hunk]
                ) -> tuple[ast.Module, list[ast.stmt], list[ast.stmt]] | None:
    """(base tree, base statements in changed regions, head statements in changed regions)

    Head statements no hunk touches are reused as they are (their line numbers are the
    head's); everything between them is parsed from the base text with base line numbers.
    ``None`` when that is not safe (a region does not parse on its own): parse in full.
    """
    if '\r' in base_text:
        return None
    lines = base_text.split('\n')
    hunks = sorted(hunks, key=lambda h: (h.new_start, h.old_start))
    body: list[ast.stmt] = []
    dirty_base: list[ast.stmt] = []
    dirty_head: list[ast.stmt] = []
    prev_end = 0          # last base line consumed
    first = 0             # index of the first hunk not entirely before the statement
    offset = 0            # base line - head line before that hunk
    for stmt in head.body:
        s, e = span(stmt)
        while first < len(hunks) and _before(hunks[first], s):
            offset += hunks[first].old_length - hunks[first].new_length
            first += 1
        if first < len(hunks) and _touches(hunks[first], s, e):
            dirty_head.append(stmt)
            continue
        bs = s + offset
        gap = _parse(lines, prev_end, bs - 1)
        if gap is None:
            return None
        body.extend(gap)
        dirty_base.extend(gap)
        body.append(stmt)
        prev_end = e + offset
    gap = _parse(lines, prev_end, len(lines))
    if gap is None:
        return None
    body.extend(gap)
    dirty_base.extend(gap)
    return ast.Module(body=body, type_ignores=[]), dirty_base, dirty_head


def _before(h: Hunk, s: int) -> bool:
    if h.new_length:
        return h.new_start + h.new_length - 1 < s
    return h.new_start < s


def _touches(h: Hunk, s: int, e: int) -> bool:
    if h.new_length:
        return h.new_start <= e
    return h.new_start < e          # a deletion strictly inside the statement


def _parse(lines: list[str], after: int, upto: int) -> list[ast.stmt] | None:
    """Statements of base lines ``after+1 .. upto`` (1-based), with base line numbers."""
    if upto <= after:
        return []
    chunk = lines[after:upto]
    if not any(ln.strip() and not ln.lstrip().startswith('#') for ln in chunk):
        return []
    try:
        tree = ast.parse('\n'.join(chunk))
    except (SyntaxError, ValueError):
        return None
    if after:
        ast.increment_lineno(tree, after)
    return tree.body


def defined_names(stmts: Iterable[ast.stmt]) -> set[str]:
    """Names a list of top-level statements defines (functions, classes and their
    methods, assignment targets, imports)."""
    out: set[str] = set()
    for stmt in stmts:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.add(stmt.name)
        elif isinstance(stmt, ast.ClassDef):
            out.add(stmt.name)
            out.update(n.name for n in stmt.body
                       if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        out.add(n.id)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for a in stmt.names:
                out.add((a.asname or a.name).split('.')[0])
    return out


def names_regex(names: Iterable[str]) -> re.Pattern[str] | None:
    names = sorted(n for n in set(names) if n and n != '*')
    if not names:
        return None
    return re.compile(r'\b(?:' + '|'.join(re.escape(n) for n in names) + r')\b')
