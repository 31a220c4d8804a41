"""The change set: the files changed in the resolved range, their hunks, and lazy
access to the old and new contents.

Checks only see this module's types, so they are pure functions that tests feed with
``ChangeSet.from_texts(base={...}, head={...})`` without git. ``hooks.gitchanges`` builds
the same types from a real repository.

A ``Snapshot`` is one side of the change (a commit, the index, the working tree, or an
in-memory dict): ``paths()`` lists every file on that side, ``read(path)`` gives its bytes
(``None`` when absent). Checks that need files outside the diff (an imported module, the
whole migration history) read them through ``changes.base`` / ``changes.head``.
"""
from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator

from hotfix_hooks import cache as cache_mod
from hotfix_hooks import digests
from hotfix_hooks.errors import ConfigError
from hotfix_hooks.fastclass import dataclass

ADDED = 'added'
MODIFIED = 'modified'
DELETED = 'deleted'
RENAMED = 'renamed'
COPIED = 'copied'
TYPE_CHANGED = 'type-changed'

MODE_SYMLINK = '120000'
MODE_SUBMODULE = '160000'


class Snapshot:
    """One side of a change: a tree of files."""

    label = 'snapshot'

    def paths(self) -> list[str]:  # pragma: no cover - interface
        raise NotImplementedError

    def read(self, path: str) -> bytes | None:  # pragma: no cover - interface
        raise NotImplementedError

    def exists(self, path: str) -> bool:
        return path in self._path_set()

    def _path_set(self) -> set[str]:
        cache = getattr(self, '_paths_cache', None)
        if cache is None:
            cache = set(self.paths())
            self._paths_cache = cache
        return cache

    def text(self, path: str) -> str | None:
        """Decoded UTF-8 text, ``None`` when absent or not text (binary / not UTF-8)."""
        data = self.read(path)
        return decode_text(data) if data is not None else None

    def blob_id(self, path: str) -> str | None:
        """The git blob id of the file's content (``None`` when absent): the key of its
        analyses in the cache. Snapshots listed from git know it without reading the file;
        the others hash what ``read`` gives."""
        data = self.read(path)
        return None if data is None else git_blob_id(data)

    def mode(self, path: str) -> str | None:
        """The git file mode of ``path`` (``MODE_SYMLINK`` for a symbolic link), ``None``
        when absent or not known."""
        return None

    def links(self) -> list[str]:
        """The paths that are symbolic links."""
        return [p for p in self.paths() if self.mode(p) == MODE_SYMLINK]

    def glob(self, *patterns: str) -> list[str]:
        """Paths matching any of the glob patterns (``**`` crosses directories)."""
        return [p for p in self.paths() if matches_any(p, patterns)]

    def content_id(self) -> str | None:
        """A digest of the whole snapshot's content (a commit's id), when one is known
        without reading it: the key of what is cached about the whole side."""
        return None

    def grep(self, words: Iterable[str], suffix: str = '.py') -> list[str] | None:
        """The paths ending in ``suffix`` whose content holds one of ``words`` (identifiers)
        as a whole word, as ``git grep -w`` finds it, with identifiers read as Python reads
        them (``identifiers_view``: ``from .ｉmpl import x`` names ``impl``); ``None`` when
        the search failed. Binary content is searched too (a ``-diff`` attribute hides
        nothing)."""
        rx = words_regex(words)
        out = []
        for p in self.paths():
            if p.endswith(suffix):
                data = self.read(p)
                if data is not None and rx.search(identifiers_view(data)):
                    out.append(p)
        return out


class MemorySnapshot(Snapshot):
    """A snapshot held in memory, for tests and for synthetic inputs."""

    def __init__(self, files: dict[str, bytes | str] | None = None, label: str = 'memory') -> None:
        self.files = {
            k: (v.encode() if isinstance(v, str) else v) for k, v in (files or {}).items()
        }
        self.label = label

    def paths(self) -> list[str]:
        return sorted(self.files)

    def read(self, path: str) -> bytes | None:
        return self.files.get(path)

    def exists(self, path: str) -> bool:
        return path in self.files


_IDENTIFIER = re.compile(r'[A-Za-z_][A-Za-z0-9_]*\Z')


def identifiers_view(data: bytes) -> bytes:
    """The bytes with identifiers as Python reads them: NFKC (fullwidth ``ｉmpl`` and
    mathematical ``𝐢mpl`` are ``impl``). ASCII content is returned as is."""
    if data.isascii():
        return data
    import unicodedata

    return unicodedata.normalize('NFKC', data.decode('utf-8', 'replace')).encode('utf-8')


def words_regex(words: Iterable[str]) -> re.Pattern[bytes]:
    """Bytes pattern matching any of ``words`` (ASCII identifiers) as a whole word."""
    wanted = sorted(set(words))
    if not wanted or not all(_IDENTIFIER.match(w) for w in wanted):
        raise ValueError(f'not identifiers: {wanted!r}')
    return re.compile(rb'(?<![A-Za-z0-9_])(?:' + '|'.join(wanted).encode() +
                      rb')(?![A-Za-z0-9_])')


def git_blob_id(data: bytes) -> str:
    """The id git gives a blob of these bytes (``git hash-object``)."""
    return digests.sha1(b'blob %d\0' % len(data) + data).hexdigest()


class PrefixSnapshot(Snapshot):
    """The files of ``inner`` below the folder ``prefix``, with paths relative to it: a
    folder seen as a repository of its own (a service of a monorepo)."""

    def __init__(self, inner: Snapshot, prefix: str) -> None:
        self.inner = inner
        self.prefix = prefix.strip('/') + '/'
        self.label = f'{inner.label}:{self.prefix}'

    def paths(self) -> list[str]:
        n = len(self.prefix)
        return [p[n:] for p in self.inner.paths() if p.startswith(self.prefix)]

    def read(self, path: str) -> bytes | None:
        return self.inner.read(self.prefix + path)

    def exists(self, path: str) -> bool:
        return self.inner.exists(self.prefix + path)

    def blob_id(self, path: str) -> str | None:
        return self.inner.blob_id(self.prefix + path)

    def mode(self, path: str) -> str | None:
        return self.inner.mode(self.prefix + path)

    def links(self) -> list[str]:
        n = len(self.prefix)
        return [p[n:] for p in self.inner.links() if p.startswith(self.prefix)]

    def content_id(self) -> str | None:
        inner = self.inner.content_id()
        return None if inner is None else _sub_id(inner, 'prefix', (self.prefix,))

    def grep(self, words: Iterable[str], suffix: str = '.py') -> list[str] | None:
        found = self.inner.grep(words, suffix)
        n = len(self.prefix)
        return None if found is None else [p[n:] for p in found if p.startswith(self.prefix)]


class ExcludingSnapshot(Snapshot):
    """``inner`` without the files below the folders ``excluded`` (the folders another
    policy governs, inside the one being checked)."""

    def __init__(self, inner: Snapshot, excluded: Iterable[str]) -> None:
        self.inner = inner
        self.prefixes = tuple(f.strip('/') + '/' for f in excluded)
        self.label = inner.label

    def paths(self) -> list[str]:
        return [p for p in self.inner.paths() if not p.startswith(self.prefixes)]

    def read(self, path: str) -> bytes | None:
        return None if path.startswith(self.prefixes) else self.inner.read(path)

    def exists(self, path: str) -> bool:
        return not path.startswith(self.prefixes) and self.inner.exists(path)

    def blob_id(self, path: str) -> str | None:
        return None if path.startswith(self.prefixes) else self.inner.blob_id(path)

    def mode(self, path: str) -> str | None:
        return None if path.startswith(self.prefixes) else self.inner.mode(path)

    def links(self) -> list[str]:
        return [p for p in self.inner.links() if not p.startswith(self.prefixes)]

    def content_id(self) -> str | None:
        inner = self.inner.content_id()
        return None if inner is None else _sub_id(inner, 'excluding', self.prefixes)

    def grep(self, words: Iterable[str], suffix: str = '.py') -> list[str] | None:
        found = self.inner.grep(words, suffix)
        return None if found is None else [p for p in found if not p.startswith(self.prefixes)]


LINK_DEPTH = 8     # links followed in a chain before the path counts as unreadable


class CodeSnapshot(Snapshot):
    """``inner`` as Python's import reads it: a symbolic link (mode ``120000``, whose blob
    is the path it points at) reads as what it points at, a file or a directory, followed
    through at most ``LINK_DEPTH`` links (any component of a path: ``app/services`` linked
    to ``lib/services`` makes ``app/services/orders.py`` read as
    ``lib/services/orders.py``), inside the snapshot only. A link that is absolute, leaves
    the repository, points into ``.git``, at nothing, at a folder holding it (a loop) or
    chains too far reads as absent; why is kept in ``unreadable`` (path asked -> reason)
    and the link that could not be followed in ``broken`` (path asked -> link), for the
    analysis to report. ``paths()`` lists the files below a linked folder under the link
    too, as Python finds them. The blob id of a path read through a link is its target's:
    whatever is keyed by it changes with the target's content and with where the link
    points."""

    def __init__(self, inner: Snapshot) -> None:
        self.inner = inner
        self.label = inner.label
        self.unreadable: dict[str, str] = {}
        self.broken: dict[str, str] = {}
        self._resolved: dict[str, str | None] = {}
        self._modes: dict[str, str | None] = {}
        self._dirs: set[str] | None = None
        self._paths: list[str] | None = None
        self._virtual: list[str] = []       # the paths below linked folders
        self._entries: dict[str, tuple[str, str]] | None = None
        self._links: frozenset[str] | None = None

    def _mode(self, path: str) -> str | None:
        if path not in self._modes:
            self._modes[path] = self.inner.mode(path)
        return self._modes[path]

    def _is_dir(self, path: str) -> bool:
        """Whether a file of ``inner`` lies below the folder ``path``."""
        if self._dirs is None:
            dirs: set[str] = set()
            for p in self.inner.paths():
                while '/' in p:
                    p = p.rsplit('/', 1)[0]
                    if p in dirs:
                        break
                    dirs.add(p)
            self._dirs = dirs
        return path in self._dirs

    def _first_link(self, path: str) -> tuple[str, str] | None:
        """(the first component of ``path`` that is a link, the rest after it). (From the
        set of the snapshot's links, listed once: most paths asked for are import probes
        that do not exist, in trees without a link.)"""
        links = self._links
        if links is None:
            links = self._links = frozenset(self.inner.links())
        if not links:
            return None
        parts = path.split('/')
        for i in range(1, len(parts) + 1):
            prefix = '/'.join(parts[:i])
            if prefix in links:
                return prefix, '/'.join(parts[i:])
        return None

    def resolve(self, path: str) -> str | None:
        """The path whose content ``path`` reads as (itself unless a link lies on its way);
        ``None`` when it cannot be read (see ``unreadable``)."""
        if path in self._resolved:
            return self._resolved[path]
        if self.inner.exists(path) and self._mode(path) != MODE_SYMLINK:
            self._resolved[path] = path         # a file of the tree: no link on its way
            return path
        cur, reason, link = self._follow(path)
        if reason:
            self.unreadable[path] = reason
            self.broken[path] = link or path
        got = self._resolved[path] = None if reason else cur
        return got

    def _follow(self, path: str) -> tuple[str, str, str]:
        """(the path ``path`` reads as, why it cannot be followed or '', the last link)."""
        cur, reason, link = path, '', ''
        for _ in range(LINK_DEPTH + 1):
            found = self._first_link(cur)
            if found is None:
                break
            link, rest = found
            data = self.inner.read(link)
            target = data.decode('utf-8', 'surrogateescape') if data is not None else ''
            norm = posixpath.normpath(posixpath.join(posixpath.dirname(link), target))
            # (``x/.``, the folder itself, keeps its ``/.`` for the next link on its way)
            whole = f'{norm}/.' if rest == '.' else \
                posixpath.normpath(norm + '/' + rest) if rest else norm
            what = 'a symbolic link' if link == path else f'read through {link}, a symbolic link'
            if not target:
                reason = f'{what} whose target cannot be read'
            elif target.startswith('/') or target[1:3] == ':\\':
                reason = f'{what} to the absolute path {target!r}'
            elif norm == '..' or norm.startswith('../') or whole == '..' \
                    or whole.startswith('../'):
                reason = f'{what} to {target!r}, outside the repository'
            elif norm.split('/')[0] == '.git' or whole.split('/')[0] == '.git':
                reason = f'{what} to {target!r}, inside .git'
            elif rest and (norm == '.' or link.startswith(norm + '/')):
                reason = f'{what} to {target!r}, a folder holding the link (a loop)'
            elif rest and not (self._is_dir(norm) or self._mode(norm) == MODE_SYMLINK):
                reason = f'{what} to {target!r}, which is not a folder of the repository'
            elif not rest and not self.inner.exists(norm):
                reason = f'{what} to {target!r}, which is not a file of the repository'
            if reason:
                break
            cur = whole
        else:
            reason = f'a chain of more than {LINK_DEPTH} symbolic links'
        return cur, reason, link

    def paths(self) -> list[str]:
        """``inner``'s paths, and the files below each linked folder under the link."""
        if self._paths is None:
            real = self.inner.paths()
            folders = []
            for link in self.inner.links():
                if link.endswith('.py'):
                    continue
                target = self.folder_target(link)
                if target is not None:
                    folders.append((link, target + '/'))
            if not folders:
                self._paths = real
                return real
            seen = set(real)
            out = list(real)
            fresh = list(real)
            limit = 4 * len(real) + 10000       # a runaway expansion stops here
            for _ in range(LINK_DEPTH):
                more = []
                for link, target in folders:
                    n = len(target)
                    for p in fresh:
                        if p.startswith(target):
                            q = f'{link}/{p[n:]}'
                            if q not in seen:
                                seen.add(q)
                                more.append(q)
                if not more or len(out) + len(more) > limit:
                    break
                out.extend(more)
                fresh = more
            self._virtual = sorted(out[len(real):])
            self._paths = sorted(out)
        return self._paths

    def folder_target(self, link: str) -> str | None:
        """The folder of the repository the link ``link`` reads as (``None`` when it is not
        a link to a folder, or cannot be followed)."""
        target, reason, _ = self._follow(link + '/.')
        target = target.removesuffix('/.')
        return None if reason or target == link or not self._is_dir(target) else target

    def broken_links(self) -> dict[str, str]:
        """The symbolic links that cannot be followed, to a file or a folder: link -> why
        (from the tree listing and the links' own blobs; nothing else is read)."""
        out = {}
        for link in self.links():
            _, why, _ = self._follow(link)
            if why and self._follow(link + '/.')[1]:
                out[link] = why
        return out

    def aliases(self, targets: Iterable[str], suffix: str = '.py') -> set[str]:
        """The other paths (ending in ``suffix``) that read as one of ``targets``: a link to
        one, or the same file below a linked folder (its import name there)."""
        links = self.links()
        if not links:
            return set()
        wanted = set(targets)
        out = {p for p in links if p.endswith(suffix) and self.resolve(p) in wanted}
        if any(not p.endswith(suffix) for p in links):
            self.paths()
            out.update(p for p in self._virtual
                       if p.endswith(suffix) and self.resolve(p) in wanted)
        return out - wanted

    def exists(self, path: str) -> bool:
        if self.inner.exists(path) and self._mode(path) != MODE_SYMLINK:
            return True
        real = self.resolve(path)
        return real is not None and real != path and self.inner.exists(real)

    def mode(self, path: str) -> str | None:
        return self.inner.mode(path)

    def links(self) -> list[str]:
        return self.inner.links()

    def read(self, path: str) -> bytes | None:
        real = self.resolve(path)
        return None if real is None else self.inner.read(real)

    def blob_id(self, path: str) -> str | None:
        real = self.resolve(path)
        return None if real is None else self.inner.blob_id(real)

    def content_id(self) -> str | None:
        return self.inner.content_id()

    def located(self, path: str) -> tuple[str, str | None]:
        """Where the lines read at ``path`` are: (the file of the repository, the link path
        it was read through or ``None``). A path that cannot be followed is located at the
        link that failed."""
        if path in self.broken:
            return self.broken[path], None
        real = self.resolve(path)
        if real is None or real == path:
            return (self.broken.get(path, path), None)
        return real, path

    @property
    def entries(self) -> dict[str, tuple[str, str]]:
        """The listing (path -> (mode, blob id)) with each link's blob its target's, when
        ``inner`` is listed from git (else empty)."""
        if self._entries is None:
            inner = getattr(self.inner, 'entries', None)
            self._entries = dict(inner) if isinstance(inner, dict) else {}
            for p, (mode, _blob) in list(self._entries.items()):
                if mode == MODE_SYMLINK:
                    blob = self.blob_id(p)
                    if blob is None:
                        del self._entries[p]
                    else:
                        self._entries[p] = (mode, blob)
        return self._entries

    def grep(self, words: Iterable[str], suffix: str = '.py') -> list[str] | None:
        found = self.inner.grep(words, suffix)
        if found is None:
            return None
        hits = set(found)
        links = [p for p in self.links() if p.endswith(suffix)]
        hits.difference_update(links)           # the link's own text is not code
        for p in links:
            real = self.resolve(p)
            if real is None:
                continue
            if real in hits or (not real.endswith(suffix) and self._read_has(real, words)):
                hits.add(p)                     # its target holds the word
        if any(not p.endswith(suffix) for p in self.links()):
            # the files below a linked folder, under the link
            self.paths()
            for p in self._virtual:
                if p.endswith(suffix) and p not in hits:
                    real = self.resolve(p)
                    if real is not None and real in hits:
                        hits.add(p)
        return sorted(hits)

    def _read_has(self, path: str, words: Iterable[str]) -> bool:
        data = self.inner.read(path)
        return data is not None and words_regex(words).search(identifiers_view(data)) is not None


def side_links(changes: ChangeSet) -> tuple[list[str], list[str]]:
    """The symbolic links of the base and of the head (files and folders). The base's are
    listed once per commit (kept in the analysis cache, ``relevance.links``); the head's
    are the base's with the change applied: no listing of the head. Kept on the change
    set for the run."""
    got = getattr(changes, '_side_links', None)
    if got is not None:
        return got  # type: ignore[no-any-return]
    base = changes.base
    key = base.content_id()
    parts = {'links': 2}
    found, value = changes.cache.get('relevance.links', key, parts) if key else (False, None)
    if found and isinstance(value, list):
        base_links = [str(p) for p in value]
    else:
        base_links = list(base.links())
        if key is not None:
            changes.cache.put('relevance.links', key, parts, base_links)
    changed = {f.path: f for f in changes.files}
    gone = {f.old_path for f in changes.files if f.old_path and f.status == RENAMED}
    head_links = [p for p in base_links if p not in changed and p not in gone] + [
        p for p, f in changed.items() if f.status != DELETED and f.new_mode == MODE_SYMLINK]
    got = (base_links, head_links)
    changes._side_links = got  # type: ignore[attr-defined]
    return got


def linked_changes(changes: ChangeSet, suffix: str = '.py') -> list[FileChange]:
    """The files (ending in ``suffix``) below a folder link the change adds, removes or
    re-points, whose content as Python imports them differs between the sides: a branch
    that only re-points ``app/services`` changes every module below it, though no such
    file is in the diff. Each is a ``FileChange`` read through ``code_view`` on both sides
    (kept on the change set for the run)."""
    got = getattr(changes, '_linked_changes', None)
    if got is not None:
        return got  # type: ignore[no-any-return]
    out: list[FileChange] = []
    folders = [f.path for f in changes.files if not f.path.endswith(suffix)
               and MODE_SYMLINK in (f.old_mode, f.new_mode)]
    if folders:
        base, head = code_view(changes.base), code_view(changes.head)
        named = {f.path for f in changes.files}
        below = {p for view in (base, head) for p in view.paths() for d in folders
                 if p.startswith(d + '/') and p.endswith(suffix) and p not in named}
        for p in sorted(below):
            old, new = base.blob_id(p), head.blob_id(p)
            if old == new:
                continue
            status = ADDED if old is None else DELETED if new is None else MODIFIED
            out.append(FileChange(path=p, status=status, old_path=p, _base=base, _head=head))
    changes._linked_changes = out  # type: ignore[attr-defined]
    return out


def code_view(snap: Snapshot) -> CodeSnapshot:
    """The ``CodeSnapshot`` of ``snap`` (one per snapshot, shared by the analyses)."""
    if isinstance(snap, CodeSnapshot):
        return snap
    got = getattr(snap, '_code_view', None)
    if not isinstance(got, CodeSnapshot):
        got = CodeSnapshot(snap)
        snap._code_view = got  # type: ignore[attr-defined]
    return got


def _sub_id(inner: str, kind: str, folders: Iterable[str]) -> str:
    """The content id of a part of a snapshot whose content id is ``inner``."""
    text = '\0'.join([inner, kind, *folders])
    return digests.sha1(text.encode('utf-8', 'surrogatepass')).hexdigest()


@dataclass
class Hunk:
    """A hunk of the unified diff (line numbers are 1-based)."""

    old_start: int
    old_length: int
    new_start: int
    new_length: int
    added: list[int] = dataclasses.field(default_factory=list)     # new-side line numbers
    removed: list[int] = dataclasses.field(default_factory=list)   # old-side line numbers


@dataclass
class FileChange:
    """One changed file."""

    path: str                      # new path (old path for deletions)
    status: str                    # added | modified | deleted | renamed | copied | type-changed
    old_path: str | None = None    # set for renames/copies (and equal to path otherwise)
    old_mode: str | None = None    # e.g. 100644, 100755, 120000 (symlink), 160000 (submodule)
    new_mode: str | None = None
    binary: bool = False
    hunks_: list[Hunk] | None = dataclasses.field(default=None, repr=False)
    similarity: int | None = None  # rename/copy score
    added_count: int | None = None     # lines added / removed (from numstat), when known
    removed_count: int | None = None
    _base: Snapshot | None = dataclasses.field(default=None, repr=False, compare=False)
    _head: Snapshot | None = dataclasses.field(default=None, repr=False, compare=False)
    _load_hunks: Callable[[], None] | None = dataclasses.field(default=None, repr=False,
                                                               compare=False)

    @property
    def hunks(self) -> list[Hunk]:
        """Hunks of the diff, parsed on first use (a change set that no check reads
        line by line never runs ``git diff -p`` nor imports unidiff)."""
        if self.hunks_ is None:
            if self._load_hunks is not None:
                self._load_hunks()
            if self.hunks_ is None:
                self.hunks_ = []
        return self.hunks_

    @hunks.setter
    def hunks(self, value: list[Hunk]) -> None:
        self.hunks_ = value

    @property
    def mode_changed(self) -> bool:
        return bool(self.old_mode and self.new_mode and self.old_mode != self.new_mode)

    @property
    def is_symlink(self) -> bool:
        return MODE_SYMLINK in (self.old_mode, self.new_mode)

    @property
    def is_submodule(self) -> bool:
        return MODE_SUBMODULE in (self.old_mode, self.new_mode)

    @property
    def added_lines(self) -> list[int]:
        return [n for h in self.hunks for n in h.added]

    @property
    def removed_lines(self) -> list[int]:
        return [n for h in self.hunks for n in h.removed]

    @property
    def lines_changed(self) -> int:
        if self.hunks_ is None and self.added_count is not None:
            return self.added_count + (self.removed_count or 0)
        return sum(len(h.added) + len(h.removed) for h in self.hunks)

    def old_bytes(self) -> bytes | None:
        """Content at the base (``None`` for added files, submodules)."""
        if self.status == ADDED or self._base is None or self.old_mode == MODE_SUBMODULE:
            return None
        return self._base.read(self.old_path or self.path)

    def new_bytes(self) -> bytes | None:
        """Content at the head (``None`` for deleted files, submodules)."""
        if self.status == DELETED or self._head is None or self.new_mode == MODE_SUBMODULE:
            return None
        return self._head.read(self.path)

    def old_text(self) -> str | None:
        """Base content as text; ``None`` when absent, binary or not UTF-8 (judged on the
        content: ``-diff`` in .gitattributes makes git call a text file binary)."""
        data = self.old_bytes()
        return decode_text(data) if data is not None else None

    def new_text(self) -> str | None:
        """Head content as text; ``None`` when absent, binary or not UTF-8 (judged on the
        content)."""
        data = self.new_bytes()
        return decode_text(data) if data is not None else None


@dataclass(frozen=True)
class Commit:
    """One commit of a change: who authored and committed it (e-mails lower-cased), when
    (committer time, seconds since the epoch), and the files it changed (a merge: the files
    that differ from every parent, i.e. what the merge itself changed)."""

    sha: str
    parents: tuple[str, ...] = ()
    author: str = ''
    author_name: str = ''
    committer: str = ''
    committer_name: str = ''
    time: int = 0
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class Signature:
    """The signature of a commit as git verified it: ``status`` is git's ``%G?`` (G good,
    U good with unknown validity, B bad, X/Y expired, R revoked, E cannot be checked, N
    none); ``signer`` the key's principal or user id; ``verified``: ``git verify-commit``
    exited 0."""

    status: str
    signer: str = ''
    key: str = ''
    verified: bool = False


class History:
    """The commits of a change (base..head, oldest first) and the versions of a file along
    the head's history, read lazily. ``None`` on a change set that has no commits to show
    (an in-memory one); the commit stage's is the history up to HEAD."""

    def commits(self) -> list[Commit]:  # pragma: no cover - interface
        raise NotImplementedError

    def versions(self, path: str) -> list[tuple[Commit, bytes | None, bytes | None]]:
        """(commit, content at it, content at its first parent) of every commit of the
        head's history that changed ``path``, oldest first."""
        raise NotImplementedError  # pragma: no cover - interface

    def at_head(self, path: str) -> bytes | None:
        """``path`` in the last commit of the history."""
        raise NotImplementedError  # pragma: no cover - interface

    def after(self, sha: str) -> list[Commit]:
        """The commits of the change that ``sha`` does not contain (made after it, or
        beside it and merged later), oldest first."""
        raise NotImplementedError  # pragma: no cover - interface

    def contains(self, descendant: str, ancestor: str) -> bool:
        """Whether commit ``descendant`` has ``ancestor`` in its history (or is it)."""
        raise NotImplementedError  # pragma: no cover - interface

    def signature(self, sha: str) -> Signature:
        raise NotImplementedError  # pragma: no cover - interface


class MemoryHistory(History):
    """A history held in memory (tests): ``commits`` oldest first, a linear history; each
    commit's file contents in ``trees`` (sha -> {path: text})."""

    def __init__(self, commits: list[Commit], trees: dict[str, dict[str, str]],
                 signatures: dict[str, Signature] | None = None) -> None:
        self._commits = commits
        self.trees = trees
        self.signatures = signatures or {}

    def commits(self) -> list[Commit]:
        return list(self._commits)

    def _text(self, sha: str | None, path: str) -> bytes | None:
        text = self.trees.get(sha or '', {}).get(path)
        return None if text is None else text.encode()

    def versions(self, path: str) -> list[tuple[Commit, bytes | None, bytes | None]]:
        return [(c, self._text(c.sha, path), self._text(c.parents[0] if c.parents else None,
                                                       path))
                for c in self._commits if path in c.files]

    def at_head(self, path: str) -> bytes | None:
        return self._text(self._commits[-1].sha, path) if self._commits else None

    def after(self, sha: str) -> list[Commit]:
        shas = [c.sha for c in self._commits]
        return self._commits[shas.index(sha) + 1:] if sha in shas else list(self._commits)

    def contains(self, descendant: str, ancestor: str) -> bool:
        shas = [c.sha for c in self._commits]
        return (ancestor == descendant or ancestor not in shas
                or (descendant in shas and shas.index(ancestor) <= shas.index(descendant)))

    def signature(self, sha: str) -> Signature:
        return self.signatures.get(sha, Signature('N'))


@dataclass
class ChangeSet:
    """The files changed between ``base`` and ``head``.

    ``base_label``/``head_label`` say what each side is (a commit sha, ``index``,
    ``working tree``) for messages. ``notes`` carry what the resolver wants users to see
    (e.g. "no merge-base: fell back to FROM..TO"). ``cache`` is the persistent analysis
    cache of the repository (``hotfix_hooks.cache``; a disabled one for in-memory change
    sets and ``--no-cache``): engines key what they extract from a file by
    ``snapshot.blob_id(path)``. ``tags`` lists the repository's tags, newest first, each
    with a snapshot of the commit it names (read lazily; none for in-memory change sets
    unless given): what has been released is a fact of the repository, not of the change.
    """

    files: list[FileChange]
    base: Snapshot
    head: Snapshot
    base_label: str = 'base'
    head_label: str = 'head'
    notes: list[str] = dataclasses.field(default_factory=list)
    on_close: Callable[[], None] | None = dataclasses.field(default=None, repr=False)
    history: History | None = dataclasses.field(default=None, repr=False)
    cache: cache_mod.Cache = dataclasses.field(default_factory=cache_mod.disabled, repr=False,
                                               compare=False)
    tags: Callable[[], list[tuple[str, Snapshot]]] = dataclasses.field(
        default=list, repr=False, compare=False)

    def close(self) -> None:
        """Release what reading contents needed (the git object reader); record what the
        analysis cache took (and prune it when it is over its bound)."""
        if self.on_close is not None:
            self.on_close()
            self.on_close = None
        self.cache.close()

    def __post_init__(self) -> None:
        for f in self.files:
            if f._base is None:
                f._base = self.base
            if f._head is None:
                f._head = self.head

    def __iter__(self) -> Iterator[FileChange]:
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)

    def paths(self) -> list[str]:
        return [f.path for f in self.files]

    def get(self, path: str) -> FileChange | None:
        for f in self.files:
            if f.path == path or f.old_path == path:
                return f
        return None

    def matching(self, *patterns: str) -> list[FileChange]:
        """Changed files whose new or old path matches one of the glob patterns."""
        return [
            f for f in self.files
            if matches_any(f.path, patterns) or (f.old_path and matches_any(f.old_path, patterns))
        ]

    def with_suffix(self, *suffixes: str) -> list[FileChange]:
        return [f for f in self.files if f.path.endswith(suffixes)
                or (f.old_path or '').endswith(suffixes)]

    @property
    def lines_changed(self) -> int:
        return sum(f.lines_changed for f in self.files)

    def subset(self, folder: str, paths: Iterable[str],
               moved_in: Iterable[str] = (), moved_out: Iterable[str] = (),
               exclude: Iterable[str] = ()) -> ChangeSet:
        """The changed files of ``folder`` ('' : the repository root) as a change set of
        the folder alone, with paths relative to it (both sides seen through
        ``PrefixSnapshot``). ``paths``: repository paths (the new path of a file) changed
        inside the folder; ``moved_in``: new paths of files renamed into it from another
        folder (added here); ``moved_out``: old paths of files renamed out of it (deleted
        here); ``exclude``: folders (relative to ``folder``) that are not part of it, on
        either side."""
        prefix = folder.strip('/') + '/' if folder.strip('/') else ''
        base = PrefixSnapshot(self.base, prefix) if prefix else self.base
        head = PrefixSnapshot(self.head, prefix) if prefix else self.head
        excluded = [e for e in exclude if e]
        if excluded:
            base, head = ExcludingSnapshot(base, excluded), ExcludingSnapshot(head, excluded)
        n = len(prefix)
        outer_tags = self.tags
        tags = outer_tags
        if prefix:
            def tags() -> list[tuple[str, Snapshot]]:
                return [(name, PrefixSnapshot(snap, prefix)) for name, snap in outer_tags()]
        by_path = {f.path: f for f in self.files}
        by_old = {f.old_path: f for f in self.files if f.old_path and f.old_path != f.path}
        arriving = set(moved_in)
        files: list[FileChange] = []
        for p in dict.fromkeys([*paths, *arriving]):
            f = by_path[p]
            files.append(_rebased(f, n, base, head, arrived=p in arriving))
        for p in dict.fromkeys(moved_out):
            files.append(_moved_out(by_old[p], n, base, head))
        return ChangeSet(files=files, base=base, head=head,
                         base_label=f'{self.base_label}:{prefix}' if prefix else self.base_label,
                         head_label=f'{self.head_label}:{prefix}' if prefix else self.head_label,
                         notes=list(self.notes), cache=self.cache, tags=tags)

    @classmethod
    def from_texts(cls, base: dict[str, bytes | str] | None = None,
                   head: dict[str, bytes | str] | None = None,
                   renames: dict[str, str] | None = None,
                   tags: dict[str, dict[str, bytes | str]] | None = None) -> ChangeSet:
        """Build a change set from two in-memory trees (for tests and synthetic runs).

        ``renames`` maps new path -> old path for files that should be seen as renamed;
        ``tags`` maps tag names (newest first) to the files of the commit each names.
        """
        base_snap = MemorySnapshot(base, 'base')
        head_snap = MemorySnapshot(head, 'head')
        renames = dict(renames or {})
        renamed_old = set(renames.values())
        files: list[FileChange] = []
        for path in sorted(set(base_snap.files) | set(head_snap.files)):
            if path in renamed_old and path not in head_snap.files:
                continue
            old_path = renames.get(path, path)
            old = base_snap.files.get(old_path)
            new = head_snap.files.get(path)
            if old == new:
                continue
            if old is None:
                status = ADDED
            elif new is None:
                status = DELETED
            elif old_path != path:
                status = RENAMED
            else:
                status = MODIFIED
            binary = is_binary(old) or is_binary(new)
            hunks = [] if binary else diff_hunks(old or b'', new or b'')
            files.append(FileChange(
                path=path, status=status, old_path=old_path,
                old_mode=None if old is None else '100644',
                new_mode=None if new is None else '100644',
                binary=binary, hunks_=hunks,
            ))
        tagged: list[tuple[str, Snapshot]] = [(name, MemorySnapshot(tree, name))
                                              for name, tree in (tags or {}).items()]
        return cls(files=files, base=base_snap, head=head_snap, tags=lambda: tagged)


def _rebased(f: FileChange, n: int, base: Snapshot, head: Snapshot, arrived: bool
             ) -> FileChange:
    """``f`` with paths relative to its folder; ``arrived`` (renamed or copied in from
    another folder): an added file here."""
    if arrived:
        copy = FileChange(path=f.path[n:], status=ADDED, old_path=f.path[n:], old_mode=None,
                          new_mode=f.new_mode, binary=f.binary, added_count=None,
                          removed_count=0, _base=base, _head=head)
        copy._load_hunks = lambda: setattr(copy, 'hunks_', diff_hunks(
            b'', copy.new_bytes() or b''))
        return copy
    copy = FileChange(
        path=f.path[n:], status=f.status, old_path=(f.old_path or f.path)[n:],
        old_mode=f.old_mode, new_mode=f.new_mode, binary=f.binary, hunks_=f.hunks_,
        similarity=f.similarity, added_count=f.added_count, removed_count=f.removed_count,
        _base=base, _head=head)
    if f.hunks_ is None:
        copy._load_hunks = lambda: setattr(copy, 'hunks_', f.hunks)
    return copy


def _moved_out(f: FileChange, n: int, base: Snapshot, head: Snapshot) -> FileChange:
    """A file renamed out of the folder: deleted here."""
    old = (f.old_path or f.path)[n:]
    copy = FileChange(path=old, status=DELETED, old_path=old, old_mode=f.old_mode,
                      new_mode=None, binary=f.binary, added_count=0,
                      removed_count=None, _base=base, _head=head)
    copy._load_hunks = lambda: setattr(copy, 'hunks_', diff_hunks(copy.old_bytes() or b'',
                                                                  b''))
    return copy


def decode_text(data: bytes) -> str | None:
    if is_binary(data):
        return None
    try:
        return data.decode('utf-8-sig' if data.startswith(b'\xef\xbb\xbf') else 'utf-8')
    except UnicodeDecodeError:
        return None


def is_binary(data: bytes | None) -> bool:
    return data is not None and b'\0' in data[:8000]


def diff_hunks(old: bytes, new: bytes) -> list[Hunk]:
    """Hunks (zero context) between two byte strings, as ``git diff -U0`` would give."""
    import difflib

    a = old.decode('utf-8', 'surrogateescape').splitlines()
    b = new.decode('utf-8', 'surrogateescape').splitlines()
    hunks = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == 'equal':
            continue
        hunks.append(Hunk(
            old_start=i1 + 1 if i2 > i1 else i1, old_length=i2 - i1,
            new_start=j1 + 1 if j2 > j1 else j1, new_length=j2 - j1,
            added=list(range(j1 + 1, j2 + 1)), removed=list(range(i1 + 1, i2 + 1)),
        ))
    return hunks


_GLOB_CACHE: dict[str, re.Pattern[str]] = {}


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Translate a path glob: ``**`` matches any number of directories, ``*`` and ``?``
    stay inside one path segment, ``[...]`` is a character class. A pattern without a
    ``/`` matches the file name in any directory (like .gitignore)."""
    cached = _GLOB_CACHE.get(pattern)
    if cached is not None:
        return cached
    pat = pattern
    if '/' not in pat:
        pat = '**/' + pat
    out = []
    i = 0
    while i < len(pat):
        c = pat[i]
        if pat.startswith('**/', i):
            out.append('(?:.*/)?')
            i += 3
        elif pat.startswith('**', i):
            out.append('.*')
            i += 2
        elif c == '*':
            out.append('[^/]*')
            i += 1
        elif c == '?':
            out.append('[^/]')
            i += 1
        elif c == '[':
            j = pat.find(']', i + 1)
            if j == -1:
                out.append(re.escape(c))
                i += 1
            else:
                body = pat[i + 1:j].replace('\\', '\\\\')
                if body.startswith('!'):
                    body = '^' + body[1:]
                out.append(f'[{body}]')
                i = j + 1
        else:
            out.append(re.escape(c))
            i += 1
    try:
        rx = re.compile(''.join(out) + r'\Z')
    except re.error as e:

        raise ConfigError(f'invalid glob pattern {pattern!r}: {e.msg}',
                          hint='fix the [...] character class') from None
    _GLOB_CACHE[pattern] = rx
    return rx


def matches_any(path: str, patterns: Iterable[str]) -> bool:
    return any(glob_to_regex(p).match(path) for p in patterns)


_GLOB_CHARS = frozenset('*?[')


class GlobSet:
    """``matches_any(path, globs)`` for the 1,000s of paths of a repository scan (the
    ``/actions`` guard's), with plain string tests for the shapes policies use
    (``dir/**``, ``**/dir/**``, a file name, ``prefix*suffix`` file names) and the glob's
    regular expression for the others and for any path holding a newline (where ``.`` in
    the expression stops)."""

    def __init__(self, globs: list[str]) -> None:
        self.globs = list(globs)
        self.prefixes: list[str] = []       # dir/**
        self.inner: list[str] = []          # **/dir/**  (as '/dir/')
        self.names: set[str] = set()        # a file name
        self.affixes: list[tuple[str, str]] = []     # prefix*suffix file names
        self.others: list[str] = []
        for g in globs:
            if '/' not in g and not _GLOB_CHARS & set(g):
                self.names.add(g)
            elif '/' not in g and g.count('*') == 1 and not set('?[') & set(g):
                pre, suf = g.split('*')
                self.affixes.append((pre, suf))
            elif g.startswith('**/') and g.endswith('/**') and len(g) > 6 \
                    and not _GLOB_CHARS & set(g[3:-3]):
                self.inner.append('/' + g[3:-3] + '/')
            elif g.endswith('/**') and len(g) > 3 and not _GLOB_CHARS & set(g[:-3]):
                self.prefixes.append(g[:-2])
            else:
                self.others.append(g)

    def match(self, path: str) -> bool:
        if '\n' in path:
            return matches_any(path, self.globs)
        if self.prefixes and path.startswith(tuple(self.prefixes)):
            return True
        if self.inner:
            slashed = '/' + path
            if any(d in slashed for d in self.inner):
                return True
        name = path.rsplit('/', 1)[-1]
        if name in self.names:
            return True
        if any(name.startswith(pre) and name.endswith(suf) and len(name) >= len(pre) + len(suf)
               for pre, suf in self.affixes):
            return True
        return bool(self.others) and matches_any(path, self.others)

    def __bool__(self) -> bool:
        return bool(self.globs)
