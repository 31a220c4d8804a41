"""Work only where it can matter: cheap, conservative tests, made before any Python file is
parsed, of whether the route-code contract and the ``/actions`` analysis can find anything
in a change. They only skip work whose result would be empty; when in doubt they say yes.

Routes are found only in a module that imports a route framework or constructs a router or
app (``actions/routes.py``), and mounts only where ``include_router``/``register_blueprint``
is called; the words below name all of them, so a file without any of them (as a whole word)
holds no route and no mount. Two tests follow:

* ``framework_anywhere``: does any Python file of either side mention one? The base's answer
  is one ``git grep`` (kept in the analysis cache per commit); the head is the base with the
  changed files replaced, so only their new versions are searched. Without any, neither the
  route-code contract nor the ``/actions`` guard can find a route (the guard still runs when
  a changed file may hold an idempotency middleware).
* ``route_code_reachable``: the route-code contract and the ``/actions`` analysis change
  only when a changed Python file is route code itself, or is reachable through imports from
  route code (a model, an enum, a dependency, a helper a handler calls, a re-export).
  Importing a module names it, so the files that mention a changed module's name (as a
  whole word) are followed, transitively, looking for route code.

What a branch changes is read with its identifiers normalised as Python reads them (NFKC),
so a look-alike spelling of ``fastapi`` does not hide an import. A changed file that does
not parse keeps the engines running: they report it.
"""
from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable
from collections.abc import Iterable

from hotfix_hooks.actions.delta import parsed_chunks
from hotfix_hooks.actions.delta import PIECEWISE_MIN_BYTES
from hotfix_hooks.actions.routes import _FRAMEWORK_MODULES
from hotfix_hooks.actions.routes import _ROUTER_CTORS
from hotfix_hooks.changeset import ADDED
from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.changeset import code_view
from hotfix_hooks.changeset import decode_text
from hotfix_hooks.changeset import DELETED
from hotfix_hooks.changeset import is_binary
from hotfix_hooks.changeset import linked_changes
from hotfix_hooks.changeset import matches_any
from hotfix_hooks.changeset import MODE_SYMLINK
from hotfix_hooks.changeset import side_links
from hotfix_hooks.changeset import Snapshot
from hotfix_hooks.changeset import words_regex

FRAMEWORK_WORDS: tuple[str, ...] = tuple(sorted(
    set(_FRAMEWORK_MODULES) | set(_ROUTER_CTORS) | {'include_router', 'register_blueprint'}))
_FRAMEWORK_RE = words_regex(FRAMEWORK_WORDS)
# a route decorator: also route code when its router is a project's APIRouter subclass
# (``router = UserAPIRouter(prefix=...)``), whose module names no framework word
_DECORATOR_RE = re.compile(rb'@[ \t]*[\w.]+\.(?:get|post|put|patch|delete|head|options|trace'
                           rb'|api_route|route|websocket)[ \t]*\(')


def _route_code(data: bytes) -> bool:
    return bool(_FRAMEWORK_RE.search(data) or _DECORATOR_RE.search(data))
MAX_DEPTH = 12          # import chains followed before giving up (and building)


def _normalized(data: bytes) -> bytes:
    """The bytes as Python reads identifiers: NFKC (fullwidth ``ｆａｓｔａｐｉ`` is ``fastapi``)."""
    if data.isascii():
        return data
    import unicodedata

    return unicodedata.normalize('NFKC', data.decode('utf-8', 'replace')).encode('utf-8')


def changed_versions(changes: ChangeSet, exclude: Iterable[str] = ()
                     ) -> list[tuple[str, bytes]]:
    """(path, normalised bytes) of both sides of every changed Python file not excluded."""
    exclude = list(exclude)
    out = []
    # (and the modules below a folder link the change re-points: changed as imported)
    for f in [*changes.files, *linked_changes(changes)]:
        sides: list[tuple[str, Callable[[], bytes | None]]] = []
        # a symbolic link reads as the file it points at, as Python imports it
        # (its link text when it cannot be followed: the engines report that)
        if f.status != ADDED:
            old = f.old_path or f.path
            sides.append((old, functools.partial(_linked, changes.base, old, f.old_bytes)
                          if f.old_mode == MODE_SYMLINK else f.old_bytes))
        if f.status != DELETED:
            sides.append((f.path, functools.partial(_linked, changes.head, f.path, f.new_bytes)
                          if f.new_mode == MODE_SYMLINK else f.new_bytes))
        for path, read in sides:
            if path.endswith('.py') and not matches_any(path, exclude):
                data = read()
                if data is not None:
                    out.append((path, _normalized(data)))
    return out


def _linked(snap: Snapshot, path: str, raw: Callable[[], bytes | None]) -> bytes | None:
    data = code_view(snap).read(path)
    return data if data is not None else raw()


def unparseable(versions: Iterable[tuple[str, bytes]]) -> bool:
    """Whether one of these (changed) Python files does not parse, as the engines read it
    (UTF-8, else with replacement characters; binary content is not Python)."""
    for path, data in versions:
        if is_binary(data):
            continue
        text = decode_text(data)
        if text is None:
            text = data.decode('utf-8', 'replace')
        try:
            if len(data) < PIECEWISE_MIN_BYTES:
                ast.parse(text, filename=path)
            else:       # a large module: a piece at a time, never its whole tree
                for _ in parsed_chunks(text, path, lambda src, name: ast.parse(src, name)):
                    pass
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return True
    return False


def framework_anywhere(changes: ChangeSet, versions: list[tuple[str, bytes]]) -> bool:
    """Whether any Python file of either side mentions a route framework (an import, a
    router or app constructor, ``include_router``/``register_blueprint``)."""
    if any(_FRAMEWORK_RE.search(data) for _, data in versions):
        return True
    found = _grep(changes, list(FRAMEWORK_WORDS))
    return found is None or bool(found)


def middleware_touched(versions: list[tuple[str, bytes]], markers: Iterable[str]) -> bool:
    """Whether a changed file may define or register an idempotency middleware (the
    ``/actions`` guard reads those in any web code, routes or not)."""
    marks = [m.lower().encode() for m in markers]
    for _, data in versions:
        low = data.lower()
        if b'middleware' in low and any(m in low for m in marks):
            return True
    return False


_DOUBT = '?'


def _stem(path: str) -> str | None:
    """The name an import of this module spells: ``app/models.py`` -> ``models``,
    ``app/models/__init__.py`` -> ``models``; ``None`` when no import statement can name it
    (``my-script.py``, a top-level ``__init__.py``); ``_DOUBT`` for a non-ASCII name."""
    parts = path[:-3].split('/')
    name = parts[-2] if parts[-1] == '__init__' and len(parts) > 1 else parts[-1]
    if name == '__init__' or not name.isidentifier():
        return None
    return name if name.isascii() else _DOUBT


def contract_code_can_change(changes: ChangeSet, exclude: Iterable[str]) -> bool:
    """Whether the contract built from the route code can differ between the sides: a
    changed Python file (not excluded) does not parse, or is route code, or is imported
    (transitively) by route code."""
    versions = changed_versions(changes, exclude)
    if not versions:
        return False
    # the byte searches first: a parse (a whole AST) only when they find nothing
    return route_code_reachable(changes, versions, exclude) or unparseable(versions)


def route_code_reachable(changes: ChangeSet, versions: list[tuple[str, bytes]],
                         exclude: Iterable[str]) -> bool:
    """Whether one of the changed files (``versions``) is route code, or is named by an
    import of route code, directly or through other modules (``exclude``: files the engine
    never reads, which can be neither)."""
    exclude = list(exclude)
    if any(_route_code(data) for _, data in versions):
        return True
    if not framework_anywhere(changes, versions):
        return False
    by_path: dict[str, list[bytes]] = {}
    for p, data in versions:
        by_path.setdefault(p, []).append(data)
    links, folders = _links(changes)
    frontier = {stem for p in by_path if (stem := _stem(p)) is not None}
    frontier |= _link_stems(links, folders, set(by_path))
    if _DOUBT in frontier:
        return True
    seen: set[str] = set()
    base = changes.base
    for _ in range(MAX_DEPTH):
        if _DOUBT in frontier:
            return True
        stems = frontier - seen
        if not stems:
            return False
        seen |= stems
        rx = words_regex(stems)
        found = _grep(changes, sorted(stems))
        if found is None:
            return True
        importers = {p for p in found if p not in by_path and not matches_any(p, exclude)}
        importers |= {p for p, datas in by_path.items() if any(rx.search(d) for d in datas)}
        frontier = set()
        for p in importers:
            datas = by_path.get(p)
            if datas is None:
                unchanged = base.read(p)
                datas = [_normalized(unchanged)] if unchanged is not None else []
            if any(_route_code(d) for d in datas):
                return True
            stem = _stem(p)
            if stem == _DOUBT:
                return True
            if stem is not None:
                frontier.add(stem)
        frontier |= _link_stems(links, folders, importers)
    return True


def _links(changes: ChangeSet) -> tuple[dict[str, set[str]], list[tuple[str, str]]]:
    """The symbolic links of either side, as Python imports through them (``code_view``):
    Python modules that are links (link -> the paths it reads as), and links to folders
    ((link, the folder it reads as), a file below the folder is imported below the link).
    The base's links are listed once per commit (kept in the analysis cache); the head's
    are the base's with the change applied: no listing of the head."""
    base = changes.base
    base_links, head_links = side_links(changes)
    out: dict[str, set[str]] = {}
    folders: set[tuple[str, str]] = set()
    for snap, links in ((base, base_links), (changes.head, head_links)):
        view = code_view(snap)
        for p in links:
            if p.endswith('.py'):
                real = view.resolve(p)
                if real is not None:
                    out.setdefault(p, set()).add(real)
            else:
                folder = view.folder_target(p)
                if folder is not None:
                    folders.add((p, folder))
    return out, sorted(folders)


def _link_stems(links: dict[str, set[str]], folders: list[tuple[str, str]],
                paths: set[str]) -> set[str]:
    """The import names of the links that point at one of ``paths``, and of the files of
    ``paths`` below a linked folder as the link names them: importing the link runs the
    file."""
    out = {stem for link, reals in links.items() if reals & paths
           and (stem := _stem(link)) is not None}
    for link, folder in folders:
        prefix = folder + '/' if folder else ''
        for p in paths:
            if p.startswith(prefix) and p.endswith('.py'):
                stem = _stem(f'{link}/{p[len(prefix):]}')
                if stem is not None:
                    out.add(stem)
    return out


def _grep(changes: ChangeSet, words: list[str]) -> list[str] | None:
    """The base's Python files that mention one of ``words`` as a whole word (``None``:
    the search failed). Kept in the analysis cache per commit and set of words."""
    base = changes.base
    key = base.content_id()
    parts = {'words': sorted(words)}
    if key is not None:
        found, value = changes.cache.get('relevance.grep', key, parts)
        if found:
            return list(value)
    got = base.grep(words)
    if got is not None and key is not None:
        changes.cache.put('relevance.grep', key, parts, got)
    return got
