"""Python modules of one side of a change, for the actions guard: read through a
``Snapshot``, parsed a top-level statement at a time (``hooks.checks.actions_delta``), and
imports resolved to repository paths. Nothing is imported or run.
"""
from __future__ import annotations

import ast
import dataclasses
import posixpath
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator

from hotfix_hooks.actions.delta import Chunk
from hotfix_hooks.actions.delta import defined_names
from hotfix_hooks.actions.delta import parse_chunk
from hotfix_hooks.actions.delta import PIECEWISE_MIN_BYTES
from hotfix_hooks.actions.delta import split_chunks
from hotfix_hooks.actions.routes import defines_router
from hotfix_hooks.cache import Cache
from hotfix_hooks.changeset import decode_text
from hotfix_hooks.changeset import is_binary
from hotfix_hooks.changeset import Snapshot
from hotfix_hooks.fastclass import dataclass
from hotfix_hooks.pyast import parse
from hotfix_hooks.pyast import source_of

FuncNode = ast.FunctionDef | ast.AsyncFunctionDef
# a piecewise module's functions are parsed again about this many lines at a time
PIECE_LINES = 2000


# -- modules and imports -----------------------------------------------------------------

@dataclass
class Module:
    path: str
    tree: ast.Module
    functions: dict[str, FuncNode]
    classes: dict[str, ast.ClassDef]
    imports: dict[str, tuple[str, str | None, int]]     # local -> (module, attr, level)
    instances: dict[str, ast.expr]                      # module var -> class expression
    assigns: dict[str, ast.Call]                        # module var -> constructor call
    lazy: dict[str, Chunk] = dataclasses.field(default_factory=dict)   # unparsed defs


def _body(chunks: list[Chunk]) -> list[ast.stmt]:
    return [s for c in chunks if c.stmts for s in c.stmts]


def build_module(path: str, tree: ast.Module) -> Module:
    functions: dict[str, FuncNode] = {}
    classes: dict[str, ast.ClassDef] = {}
    imports: dict[str, tuple[str, str | None, int]] = {}
    instances: dict[str, ast.expr] = {}
    assigns: dict[str, ast.Call] = {}
    def bind(name: str, imp: tuple[str, str | None, int]) -> None:
        # a name bound twice (``try:``/``except ImportError:``) keeps its other binding
        # under a key no identifier has, so the modules it may stand for are all known
        old = imports.get(name)
        if old is not None and old != imp:
            imports[f' {len(imports)}'] = old
        imports[name] = imp

    for node in _module_level(tree.body):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions[node.name] = node
        elif isinstance(node, ast.ClassDef):
            classes[node.name] = node
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    bind(a.asname, (a.name, None, 0))
                else:
                    top = a.name.split('.')[0]
                    bind(top, (top, None, 0))
        elif isinstance(node, ast.ImportFrom):
            for a in node.names:
                if a.name != '*':
                    bind(a.asname or a.name, (node.module or '', a.name, node.level))
                else:       # ``from .impl import *``: looked up when a name is not found
                    imports[f'*{len(imports)}'] = (node.module or '', None, node.level)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Call):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    instances[t.id] = node.value.func
                    assigns[t.id] = node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            # a re-export by assignment: ``rename = impl.rename`` (``impl`` a module
            # imported above), ``rename = _rename``
            value, name = node.value, node.targets[0].id
            if isinstance(value, ast.Name) and value.id in imports:
                bind(name, imports[value.id])
            elif isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) \
                    and value.value.id in imports:
                mod, attr, level = imports[value.value.id]
                dotted = f'{mod}.{attr}' if mod and attr else (attr or mod)
                bind(name, (dotted, value.attr, level))
    return Module(path, tree, functions, classes, imports, instances, assigns)


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements Python runs at import time, in order: the module's, and those in
    the bodies of its ``if``, ``try`` and ``with`` statements (``try: from .impl import x``,
    ``if TYPE_CHECKING:``); not those of functions or classes."""
    for node in body:
        yield node
        if isinstance(node, ast.If):
            yield from _module_level(node.body)
            yield from _module_level(node.orelse)
        elif isinstance(node, ast.Try) or node.__class__.__name__ == 'TryStar':
            # (``try: ... except* ...``: Python 3.11's TryStar, of the same fields)
            for part in ('body', 'orelse', 'finalbody'):
                yield from _module_level(getattr(node, part))
            for h in getattr(node, 'handlers', ()):
                yield from _module_level(h.body)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            yield from _module_level(node.body)


SPLIT_NAMESPACE = 'actions.chunks'
SPLIT_FORMAT = 1
SPLIT_MIN_LINES = 200      # a smaller module is split faster than its entry is read


class Splits:
    """Where a module's top-level statements start and end (``split_chunks``), shared by
    both sides of a run (a module the change does not touch is split once), and kept in the
    analysis cache per blob for modules of ``SPLIT_MIN_LINES`` lines or more (a pure
    function of the text: no dependency), written with the run's other ``/actions``
    entries (``items``)."""

    def __init__(self, cache: Cache | None) -> None:
        self.cache = cache if cache is not None and cache.enabled else None
        self.pending: dict[str, list[tuple[int, int, str, str]]] = {}
        self._known: dict[str, list[tuple[int, int, str, str]]] = {}   # by text

    def chunks(self, blob: str | None, text: str) -> list[Chunk]:
        spans = self._known.get(text)
        big = blob is not None and self.cache is not None \
            and text.count('\n') >= SPLIT_MIN_LINES
        if spans is None and big:
            assert self.cache is not None and blob is not None
            found, got = self.cache.get(SPLIT_NAMESPACE, blob, {'format': SPLIT_FORMAT})
            if found and _spans_fit(got, text.count('\n') + 1):
                spans = self._known[text] = got
        if spans is not None:
            lines = text.split('\n')
            return [Chunk(start, '\n'.join(lines[start - 1:stop]), name, kind)
                    for start, stop, name, kind in spans]
        chunks = split_chunks(text)
        spans = self._known[text] = [(c.start, c.start + c.text.count('\n'), c.name, c.kind)
                                     for c in chunks]
        if big:
            assert blob is not None
            self.pending[blob] = spans
        return chunks

    def spans(self, text: str) -> list[tuple[int, int, str, str]] | None:
        """Where the statements of ``text`` start and end, when it was split (or seeded)."""
        return self._known.get(text)

    def seed(self, text: str, spans: object) -> bool:
        """Take the spans of ``text`` known from elsewhere (the base tree's facts of an
        unchanged module) when they fit it: it is not split again."""
        if text in self._known:
            return True
        if not _spans_fit(spans, text.count('\n') + 1):
            return False
        self._known[text] = spans  # type: ignore[assignment]
        return True

    def items(self) -> list[tuple[str, str, object, object]]:
        out: list[tuple[str, str, object, object]] = [
            (SPLIT_NAMESPACE, blob, {'format': SPLIT_FORMAT}, spans)
            for blob, spans in self.pending.items()]
        self.pending.clear()
        return out


def _spans_fit(spans: object, lines: int) -> bool:
    """``spans`` is what ``Splits`` writes for a text of ``lines`` lines: consecutive
    statements covering every line."""
    if not isinstance(spans, list) or not spans:
        return False
    expect = 1
    for span in spans:
        if not (isinstance(span, tuple) and len(span) == 4 and span[0] == expect
                and isinstance(span[1], int) and span[1] >= span[0]
                and isinstance(span[2], str) and span[3] in ('stmt', 'def', 'class')):
            return False
        expect = span[1] + 1
    return expect == lines + 1


class Index:
    """Python modules of one side of the change, loaded lazily, parsed a chunk (top-level
    statement) at a time: module-level statements and classes at once, functions when
    the analysis needs them (see ``hooks.checks.actions_delta``)."""

    def __init__(self, snap: Snapshot, chunk_cache: dict[str, list[ast.stmt] | None],
                 markers: list[str], splits: Splits | None = None) -> None:
        self.snap = snap
        self.splits = splits
        self.cache = chunk_cache
        self.markers = [m.lower() for m in markers]
        self._mods: dict[str, Module | None] = {}
        self.errors: dict[str, SyntaxError] = {}
        self.texts: dict[str, str] = {}
        self.chunked: dict[str, list[Chunk]] = {}     # path -> its chunks (absent: full parse)
        # import resolutions, with the candidate paths probed for each
        self._found: dict[tuple[str, str, int], tuple[str | None, list[str]]] = {}
        self._logs: list[set[str]] = []     # open dependency logs (``record``)
        # large modules read a piece at a time (``piecewise``): the names each defines
        self.piecewise: dict[str, set[str]] = {}

    def record(self) -> set[str]:
        """Start logging the paths this side's analysis consults (the modules read, the
        paths import resolution probes, present or not) into the returned set, until
        ``stop``: what a fact derived meanwhile depends on (``actions/summaries.py``)."""
        log: set[str] = set()
        self._logs.append(log)
        return log

    def stop(self, log: set[str]) -> None:
        for i in range(len(self._logs) - 1, -1, -1):     # by identity: logs nest, and
            if self._logs[i] is log:                      # two may be equal
                del self._logs[i]
                return

    def consult(self, paths: Iterable[str]) -> None:
        """Log ``paths`` as consulted (a summary used stands for what it was derived from)."""
        for log in self._logs:
            log.update(paths)

    def _consult(self, paths: str | list[str]) -> None:
        for log in self._logs:
            if isinstance(paths, str):
                log.add(paths)
            else:
                log.update(paths)

    def text(self, path: str) -> str | None:
        if self._logs:
            self._consult(path)
        if path in self.texts:
            return self.texts[path]
        data = self.snap.read(path)
        text = decode_text(data) if data is not None else None
        if text is None and data is not None and not is_binary(data):
            text = data.decode('utf-8', 'replace')   # a latin-1 comment hides nothing
        if text is not None:
            self.texts[path] = text
        return text

    def _eager(self, chunk: Chunk) -> bool:
        if chunk.kind != 'def':
            return True
        low = chunk.text.lower()       # an ``@app.middleware('http')`` idempotency guard
        return 'middleware' in low and any(m in low for m in self.markers)

    def read_piecewise(self, path: str) -> bool:
        """Read ``path`` a piece at a time when it is large (``PIECEWISE_MIN_BYTES``): its
        functions are parsed once to learn the names the module defines and then dropped
        (kept: module-level statements, classes, functions that assign a router or
        mention middleware); the caller finds routes a batch of functions at a time
        (``pieces``). Only for a module every statement of which counts as changed."""
        if path in self._mods:
            return path in self.piecewise
        text = self.text(path)
        if text is None or len(text) < PIECEWISE_MIN_BYTES:
            return False
        self.piecewise[path] = set()
        if self.module(path) is None or path not in self.chunked:
            self.piecewise.pop(path, None)      # did not parse a piece at a time
            return False
        return True

    def pieces(self, path: str, lines: int | None = None) -> Iterator[list[ast.stmt]]:
        """The functions of a piecewise module not kept in its skeleton, parsed again a
        batch of about ``lines`` lines at a time (nothing is kept: the caller summarises
        each batch before the next one is parsed)."""
        lines = PIECE_LINES if lines is None else lines
        batch: list[ast.stmt] = []
        size = 0
        for c in self.chunked.get(path) or ():
            if c.stmts is not None:
                continue
            stmts = parse_chunk(c, {})
            if stmts:
                batch.extend(stmts)
                size += c.end - c.start + 1
            if size >= lines:
                yield batch
                batch, size = [], 0
        if batch:
            yield batch

    def module(self, path: str) -> Module | None:
        if self._logs:
            self._consult(path)
        if path in self._mods:
            return self._mods[path]
        mod = None
        text = self.text(path)
        names = self.piecewise.get(path)
        if text is not None:
            chunks = self.splits.chunks(
                self.snap.blob_id(path) if self.splits.cache is not None else None, text) \
                if self.splits is not None else split_chunks(text)
            ok = True
            for c in chunks:
                if names is not None:       # parsed once, kept only for the skeleton
                    stmts = parse_chunk(c, {})
                    if stmts is None:
                        ok = False
                        break
                    names |= defined_names(stmts)
                    if c.kind != 'def' or 'middleware' in c.text.lower() \
                            or defines_router(stmts):
                        c.stmts = stmts
                elif self._eager(c):
                    c.stmts = parse_chunk(c, self.cache)
                    if c.stmts is None:
                        ok = False
                        break
            if ok:
                self.chunked[path] = chunks
                mod = build_module(path, ast.Module(body=_body(chunks), type_ignores=[]))
                mod.lazy = {c.name: c for c in chunks if c.stmts is None and c.name}
            else:
                mod = self._full(path, text)
        self._mods[path] = mod
        return mod

    def _full(self, path: str, text: str) -> Module | None:
        self.chunked.pop(path, None)
        try:
            tree = parse(text, path)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
            self.errors[path] = e if isinstance(e, SyntaxError) else SyntaxError(
                'nested too deeply to parse' if isinstance(e, (RecursionError, MemoryError))
                else str(e))
            return None
        return build_module(path, tree)

    def materialize(self, path: str, wanted: Callable[[Chunk], bool]) -> Module | None:
        """Parse the chunks of ``path`` that ``wanted`` selects (a chunk that does not
        parse alone makes the whole module parse in full: the error is then real)."""
        mod = self.module(path)
        chunks = self.chunked.get(path)
        if mod is None or chunks is None:
            return mod
        todo = [c for c in chunks if c.stmts is None and wanted(c)]
        if not todo:
            return mod
        cache = {} if path in self.piecewise else self.cache
        for c in todo:
            c.stmts = parse_chunk(c, cache)
            if c.stmts is None:
                full = self._full(path, self.text(path) or '')
                self._mods[path] = full
                return full
        fresh = build_module(path, ast.Module(body=_body(chunks), type_ignores=[]))
        fresh.lazy = {c.name: c for c in chunks if c.stmts is None and c.name}
        mod.__dict__.update(fresh.__dict__)      # keep the object: routes point into it
        return mod

    def _lazy(self, mod: Module, name: str) -> None:
        chunk = mod.lazy.pop(name, None)
        if chunk is None:
            return
        chunk.stmts = parse_chunk(chunk, {} if mod.path in self.piecewise else self.cache)
        for node in chunk.stmts or ():
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                mod.functions.setdefault(node.name, node)
            elif isinstance(node, ast.ClassDef):
                mod.classes.setdefault(node.name, node)

    def find_module(self, from_path: str, dotted: str, level: int) -> str | None:
        """Repository path of the module ``dotted`` imported from ``from_path``."""
        key = (posixpath.dirname(from_path), dotted, level)
        got = self._found.get(key)
        if got is None:
            probes: list[str] = []
            got = self._found[key] = (self._find_module(from_path, dotted, level, probes),
                                      probes)
        if self._logs:
            self._consult(got[1])
        return got[0]

    def _find_module(self, from_path: str, dotted: str, level: int,
                     probes: list[str]) -> str | None:
        rel = dotted.replace('.', '/') if dotted else ''
        if level:
            base = posixpath.dirname(from_path)
            for _ in range(level - 1):
                base = posixpath.dirname(base)
            roots = [base + '/' if base else '']
        else:
            parts = from_path.split('/')[:-1]
            roots = [''] + ['/'.join(parts[:i]) + '/' for i in range(1, len(parts) + 1)]
            roots.append('src/')
        for root in roots:
            stem = (root + rel).rstrip('/')
            if not stem:
                continue
            # a regular package wins over a module of the same name, as Python's import
            # finds them (a namespace package, without __init__.py, loses to the module)
            for cand in (stem + '/__init__.py', stem + '.py'):
                probes.append(cand)
                if self.snap.exists(cand):
                    return cand
        return None

    def lookup(self, mod: Module, name: str, hops: int = 0
               ) -> tuple[str, Module, FuncNode | ast.ClassDef | None] | None:
        """What ``name`` means in ``mod``: ('function'|'class'|'module', module, node)."""
        if name in mod.lazy:
            self._lazy(mod, name)
        if name in mod.functions:
            return ('function', mod, mod.functions[name])
        if name in mod.classes:
            return ('class', mod, mod.classes[name])
        imp = mod.imports.get(name)
        if hops > 3:
            return None
        if imp is None:     # a star import may bind it (``from .impl import *``)
            for key, (dotted, _attr, level) in list(mod.imports.items()):
                if key.startswith('*'):
                    path = self.find_module(mod.path, dotted, level)
                    target = self.module(path) if path else None
                    got = self.lookup(target, name, hops + 1) if target else None
                    if got is not None:
                        return got
            return None
        dotted, attr, level = imp
        if attr is None:
            path = self.find_module(mod.path, dotted, level)
            target = self.module(path) if path else None
            return ('module', target, None) if target else None
        sub = self.find_module(mod.path, f'{dotted}.{attr}' if dotted else attr, level)
        if sub:
            target = self.module(sub)
            return ('module', target, None) if target else None
        path = self.find_module(mod.path, dotted, level)
        target = self.module(path) if path else None
        if target is None:
            return None
        return self.lookup(target, attr, hops + 1)

    def module_attr(self, mod: Module, expr: ast.expr) -> Module | None:
        """``pkg.sub`` in ``import pkg.sub`` -> the module of ``pkg/sub.py``."""
        if isinstance(expr, ast.Name):
            got = self.lookup(mod, expr.id)
            return got[1] if got and got[0] == 'module' else None
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, (ast.Name, ast.Attribute)):
            dotted = source_of(expr)
            top = dotted.split('.')[0]
            imp = mod.imports.get(top)
            if imp and imp[1] is None and imp[0] == top:
                path = self.find_module(mod.path, dotted, 0)
                return self.module(path) if path else None
            parent = self.module_attr(mod, expr.value)
            if parent is not None:
                got = self.lookup(parent, expr.attr)
                return got[1] if got and got[0] == 'module' else None
        return None


def module_strings(tree: ast.Module) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            strings = [s.value for s in ast.walk(node.value)
                       if isinstance(s, ast.Constant) and isinstance(s.value, str)]
            for t in targets:
                if isinstance(t, ast.Name):
                    out[t.id] = strings
    return out
