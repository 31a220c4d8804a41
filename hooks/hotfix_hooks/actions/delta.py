"""Incremental parsing for the actions guard. A module is split into top-level statements
("chunks") by looking at lines only; chunks whose text is the same on both sides of the
change are clean. Only what the analysis needs is parsed: module-level statements and
classes, changed chunks, handlers that mention a changed name, and functions the analysis
follows into. So a one-line edit in a 1,000-line router does not cost two full parses.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator

from hotfix_hooks.fastclass import dataclass
from hotfix_hooks.pyast import parse


@dataclass
class Chunk:
    """One top-level statement (with its decorators and trailing blank lines/comments)."""

    start: int                 # 1-based first line
    text: str
    name: str = ''             # def/class name
    kind: str = 'stmt'         # stmt | def | class
    stmts: list[ast.stmt] | None = None   # parsed statements (None: not parsed yet)

    @property
    def key(self) -> str:
        return self.text.rstrip()

    @property
    def end(self) -> int:
        return self.start + self.key.count('\n')


_CODE = re.compile(r'[A-Za-z_@]')
_CONTINUATION = re.compile(r'(?:else|elif|except|finally)\b')
_DEF = re.compile(r'(?:async\s+)?(def|class)\s+([A-Za-z_]\w*)')


def split_chunks(text: str) -> list[Chunk]:
    """Split a module into top-level statements by looking at lines only (column-0 code
    lines outside triple-quoted strings start a statement). Cheap, and safe: a wrong split
    makes a chunk fail to parse, and the caller then parses the whole module."""
    lines = text.split('\n')
    chunks: list[Chunk] = []
    start = 1
    name, kind = '', 'stmt'
    in_decorator = False
    quote: str | None = None
    for i, line in enumerate(lines, 1):
        if quote is None and line and _CODE.match(line) and not _CONTINUATION.match(line):
            m = _DEF.match(line)
            if in_decorator and (m or line.startswith('@')):
                if m:
                    in_decorator = False
                    kind, name = m.group(1), m.group(2)
            else:
                if i > 1:
                    chunks.append(Chunk(start, '\n'.join(lines[start - 1:i - 1]), name, kind))
                start = i
                in_decorator = line.startswith('@')
                kind, name = (m.group(1), m.group(2)) if m else \
                    (('def', '') if in_decorator else ('stmt', ''))
        if '"""' in line or "'''" in line:
            quote = _quotes(line, quote)
    chunks.append(Chunk(start, '\n'.join(lines[start - 1:]), name, kind))
    return chunks


def _quotes(line: str, state: str | None) -> str | None:
    i = 0
    while True:
        if state is None:
            hits = [j for j in (line.find('"""', i), line.find("'''", i)) if j >= 0]
            if not hits:
                return None
            j = min(hits)
            state, i = line[j:j + 3], j + 3
        else:
            j = line.find(state, i)
            if j < 0:
                return state
            state, i = None, j + 3


def parse_chunk(chunk: Chunk, cache: dict[str, list[ast.stmt] | None]) -> list[ast.stmt] | None:
    """Parse one chunk (line numbers of the file); ``None`` when it does not parse alone.
    The cache is keyed by text and shared by both sides of the change."""
    key = chunk.key
    if key in cache:
        return cache[key]
    try:
        tree = parse(chunk.text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        cache[key] = None
        return None
    if chunk.start > 1:
        shift_lines(tree, chunk.start - 1)
    cache[key] = tree.body
    return tree.body


# A file at least this large is parsed a piece at a time by the engines that must not hold
# its whole syntax tree (``parsed_chunks``); smaller files are parsed whole.
PIECEWISE_MIN_BYTES = 512 * 1024
# a piece that does not parse alone is merged with the next one; after this many merges
# the rest of the file is parsed in one piece (the error, if any, is then real)
_MERGES = 64

_PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)


def shift_lines(tree: ast.AST, offset: int) -> None:
    """``ast.increment_lineno`` without its generators (several times faster on the
    trees of a large module)."""
    stack = [tree]
    pop, push, extend = stack.pop, stack.append, stack.extend
    AST = ast.AST
    while stack:
        node = pop()
        if 'lineno' in node._attributes:
            node.lineno += offset                                    # type: ignore[attr-defined]
            end = getattr(node, 'end_lineno', None)
            if end is not None:
                node.end_lineno = end + offset                      # type: ignore[attr-defined]
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                extend(v for v in value if isinstance(v, AST))
            elif isinstance(value, AST):
                push(value)


def parsed_chunks(text: str, filename: str = '<unknown>',
                  parser: Callable[[str, str], ast.Module] | None = None, shift: bool = True
                  ) -> Iterator[tuple[Chunk, list[ast.stmt]]]:
    """The top-level statements of ``text`` a piece at a time, each with the line numbers
    of the file, so a caller can summarise a piece and drop its tree before the next one
    is parsed (a 200,000-line module never has its whole tree in memory).

    Pieces start at column-0 code lines (``split_chunks``); a piece that does not parse
    alone (a decorator, an ``else:``/``except:`` clause, a string or bracket spanning a
    column-0 line) is merged with the next one until it does. Pieces that each parse alone
    and start at column 0 with no open bracket, string or continuation parse, joined, to
    the same statements as the whole text. After ``_MERGES`` merges the rest of the text
    is parsed in one piece, so a file that does not parse as a whole
    raises what the parser raises (``SyntaxError``, ``ValueError``, ``RecursionError``,
    ``MemoryError``), as parsing it whole would. ``shift=False``: line numbers are those
    of the piece (``chunk.start - 1`` lines less), for a caller that shifts what it keeps."""
    parse_one = parser or (lambda src, name: parse(src, name))
    chunks = split_chunks(text)
    i = 0
    while i < len(chunks):
        piece = chunks[i]
        j = i
        while True:
            try:
                tree = parse_one(piece.text, filename)
                break
            except _PARSE_ERRORS as e:
                j += 1
                if j >= len(chunks):        # the rest of the file does not parse: real
                    if isinstance(e, SyntaxError) and e.lineno is not None:
                        e.lineno += piece.start - 1
                        if e.end_lineno is not None:
                            e.end_lineno += piece.start - 1
                    raise
                if j - i > _MERGES:
                    rest = '\n'.join([piece.text] + [c.text for c in chunks[j:]])
                    piece = Chunk(piece.start, rest, piece.name, piece.kind)
                    j = len(chunks) - 1
                    tree = parse_one(piece.text, filename)
                    break
                nxt = chunks[j]
                piece = Chunk(piece.start, piece.text + '\n' + nxt.text, piece.name or nxt.name,
                              piece.kind if piece.name else nxt.kind)
        if shift and piece.start > 1:
            shift_lines(tree, piece.start - 1)
        body = tree.body
        del tree
        yield piece, body
        del body
        i = j + 1


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
