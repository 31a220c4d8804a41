"""The persistent analysis cache: what an engine extracts from one file, kept by content so
that an unchanged file is never analysed twice.

Entries live under ``<git common dir>/hotfix-hooks/cache/`` (linked worktrees share one
cache), one file per entry, named by a digest of the entry's full key::

    (namespace, blob id, tool fingerprint, digest of the key parts)

* ``namespace`` names the analysis (``"contract.module"``, ``"migrations.python"``);
* ``blob id`` is the git blob id of the file analysed (``Snapshot.blob_id``), or any other
  content digest (hex) the result depends on;
* the tool fingerprint changes whenever the code of hotfix-hooks or the Python running it
  changes (version, interpreter, and every module's size and modification time), or a
  library whose results are cached (``ANALYSIS_LIBRARIES``: the SQL parser) is installed
  again, so a new install, an upgraded parser or an edited checkout never reads an older
  analysis;
* ``key_parts`` are the policy keys (and library versions) the analysis depends on, as
  plain JSON data; their digest is part of the key.

An engine uses one call::

    summary = changes.cache.get_or_build('contract.module', blob_id,
                                         {'exclude': cfg['code_exclude']},
                                         lambda: summarise(tree))

Values are plain data (``None``, bool, int, float, str, bytes, tuple, list, dict, set,
frozenset), stored with ``marshal``; a value of any other type is a programming error
(``TypeError``). Every entry repeats its full key and the length and SHA-256 of its payload
in a header: a truncated, corrupt, foreign-version or mismatched entry is a miss (rebuilt
and overwritten), never trusted. Nothing is unpickled. Writers write a temporary file in
the entry's directory and ``os.replace`` it, so concurrent runs never see a partial entry.
``put_many`` stores a batch (encoded at once; with ``background=True`` written by a thread
while the run goes on, ``close`` waiting for it): each entry is still written on its own, so
an interrupted batch leaves whole entries only.

The size is bounded (``[tool.hotfix-hooks.cache] max_mb``, the ``HOTFIX_HOOKS_CACHE_MAX_MB``
environment variable): each writing run adds what it wrote to a ledger, and a run that
finds the ledger over the bound prunes the least recently used entries (a hit refreshes an
entry's modification time, at most hourly) down to 80% of it. A cache directory that cannot
be written (read-only, full disk, no permission) degrades to no cache with one note on
stderr, never an error. ``--no-cache`` and ``HOTFIX_HOOKS_CACHE=0`` turn it off;
``hotfix-hooks cache clear`` empties it, ``cache info`` describes it.

Whoever can write the git directory can already install hooks in it: the cache trusts that
directory as git does, and verifies each entry against corruption, not against its owner.
"""
from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from typing import Any
from typing import TypeVar

from hotfix_hooks import __version__
from hotfix_hooks import digests

T = TypeVar('T')

FORMAT = b'HHC1'
DEFAULT_MAX_MB = 200
ENV_SWITCH = 'HOTFIX_HOOKS_CACHE'          # 0 / off / false / no: no cache
ENV_MAX_MB = 'HOTFIX_HOOKS_CACHE_MAX_MB'
SUBDIR = os.path.join('hotfix-hooks', 'cache')
# libraries whose results are cached (the SQL parser of the migration analyses): their
# installed files are part of the tool fingerprint
ANALYSIS_LIBRARIES = ('pglast',)
LEDGER = 'size'
TAG = 'CACHEDIR.TAG'
TAG_TEXT = ('Signature: 8a477f597d28d172789f06886806bc55\n'
            '# The analysis cache of hotfix-hooks ("hotfix-hooks cache clear" empties it).\n')
TOUCH_AFTER = 3600.0        # a hit refreshes the entry's LRU clock (mtime) at most hourly
PRUNE_TO = 0.8              # pruning keeps at most this fraction of the bound
STALE_TEMP = 3600.0         # older temporary files belong to a writer that died
_NAMESPACE_RE = re.compile(r'[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z')
_ID_RE = re.compile(r'[0-9A-Za-z]{1,128}\Z')
_ENTRY_RE = re.compile(r'[0-9a-f]{62}\Z')
_MISS: tuple[bool, Any] = (False, None)


def switched_off(env: dict[str, str] | None = None) -> bool:
    """``HOTFIX_HOOKS_CACHE=0`` (or off/false/no) in the environment."""
    value = (os.environ if env is None else env).get(ENV_SWITCH, '')
    return value.strip().lower() in ('0', 'off', 'false', 'no')


def max_bytes_from(policy_mb: object = None, env: dict[str, str] | None = None) -> int:
    """The size bound in bytes: ``HOTFIX_HOOKS_CACHE_MAX_MB``, else the policy's
    ``cache.max_mb``, else the default (200 MB). A bad environment value is ignored."""
    raw = (os.environ if env is None else env).get(ENV_MAX_MB, '').strip()
    mb: float
    try:
        mb = float(raw) if raw else float(policy_mb if isinstance(policy_mb, (int, float))
                                          else DEFAULT_MAX_MB)
    except ValueError:
        mb = float(policy_mb if isinstance(policy_mb, (int, float)) else DEFAULT_MAX_MB)
    return max(0, int(mb * 1_000_000))


def cache_dir(git_common_dir: str) -> str:
    """Where the cache of a repository lives."""
    return os.path.join(git_common_dir, SUBDIR)


_FINGERPRINT: str | None = None


def tool_fingerprint() -> str:
    """A digest that changes whenever the analysing code may have: the version, the
    interpreter, and the size and modification time of every module of this package
    (computed once per process, from ``stat`` calls only)."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        root = os.path.dirname(os.path.abspath(__file__))
        h = digests.sha256(f'{__version__}\0{sys.implementation.cache_tag}\0'
                           f'{sys.version_info[:3]}\0{root}'.encode())
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d != '__pycache__')
            for name in sorted(filenames):
                if name.endswith('.py'):
                    path = os.path.join(dirpath, name)
                    try:
                        st = os.stat(path)
                    except OSError:
                        continue
                    h.update(f'{path[len(root):]}\0{st.st_size}\0{st.st_mtime_ns}\0'.encode())
        for name in ANALYSIS_LIBRARIES:
            h.update(_library_stamp(name).encode())
        _FINGERPRINT = h.hexdigest()[:40]
    return _FINGERPRINT


def _library_stamp(name: str) -> str:
    """The size and modification time of the top-level files of the package ``name`` that
    ``import`` would find first on ``sys.path`` (its ``__init__``, its compiled parser), so
    that upgrading a library whose results are cached misses: without importing it."""
    for entry in sys.path:
        folder = os.path.join(entry or os.curdir, name)
        try:
            found = sorted((e.name, st.st_size, st.st_mtime_ns)
                           for e in os.scandir(folder)
                           if e.name.endswith(('.py', '.so', '.pyd')) and e.is_file()
                           for st in (e.stat(),))
        except OSError:
            continue
        return f'{name}\0{folder}\0{found}\0'
    return f'{name}\0(absent)\0'


def parts_digest(key_parts: object) -> str:
    """Digest of the key parts: plain JSON-like data (``None``, bool, int, float, str, and
    lists, tuples and dicts with string keys of those), written canonically (dict keys
    sorted) so equal parts always give the same digest; anything else is a ``TypeError``."""
    out: list[str] = []
    _canonical(key_parts, out)
    return digests.sha256(''.join(out).encode('utf-8', 'surrogatepass')).hexdigest()[:40]


def _canonical(value: object, out: list[str]) -> None:
    if value is None or isinstance(value, (bool, int)):
        out.append(repr(value))
    elif isinstance(value, float):
        if value != value or value in (float('inf'), float('-inf')):
            raise TypeError('cache key parts: not a finite number')
        out.append(repr(value))
    elif isinstance(value, str):
        out.append(repr(value))
    elif isinstance(value, (list, tuple)):
        out.append('[')
        for v in value:
            _canonical(v, out)
            out.append(',')
        out.append(']')
    elif isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError('cache key parts: dict keys must be strings')
        out.append('{')
        for k in sorted(value):
            out.append(repr(k) + ':')
            _canonical(value[k], out)
            out.append(',')
        out.append('}')
    else:
        raise TypeError(f'cache key parts: {type(value).__name__} is not plain data')


def _print_note(message: str) -> None:
    print(f'hotfix-hooks: note: {message}', file=sys.stderr)


class Cache:
    """The analysis cache of one repository (``directory``: the cache directory, or a
    function giving it on first use; ``None``: no cache). ``fingerprint`` gives the code
    fingerprint in every key (default ``tool_fingerprint``: the whole package; a narrower
    one for a result that depends on fewer modules, such as ``policy/memo.py``'s).

    Counters ``hits``, ``misses``, ``writes`` and ``bytes_written`` say what a run did.
    ``close()`` records what the run wrote and prunes when the cache is over its bound;
    it is safe to call more than once.
    """

    def __init__(self, directory: str | Callable[[], str | None] | None,
                 max_bytes: int | None = None,
                 note: Callable[[str], None] | None = None,
                 fingerprint: Callable[[], str] | None = None) -> None:
        self._directory = directory
        self._fingerprint = fingerprint or tool_fingerprint
        self._resolved: str | None = None
        self._located = not callable(directory)
        if isinstance(directory, str):
            self._resolved = directory
        self.max_bytes = max_bytes_from() if max_bytes is None else max_bytes
        self._note_fn = note or _print_note
        self._noted = False
        self.readable = True
        self.writable = True
        self.hits = self.misses = self.writes = self.bytes_written = 0
        self._ledgered = 0
        self._writers: list[tuple[Any, list[int]]] = []
        if self.max_bytes <= 0:
            self.readable = self.writable = False

    # -- the API the engines use -----------------------------------------------------------
    @property
    def enabled(self) -> bool:
        return self.readable and self.directory is not None

    @property
    def directory(self) -> str | None:
        if not self._located:
            self._located = True
            fn = self._directory
            try:
                self._resolved = fn() if callable(fn) else None
            except Exception as e:  # noqa: BLE001 - no cache rather than no scan
                self._disable(f'cannot locate the git directory ({e})')
        return self._resolved

    def get_or_build(self, namespace: str, blob_id: str | None, key_parts: object,
                     build: Callable[[], T]) -> T:
        """The cached value of (namespace, blob id, key parts), else ``build()`` stored.
        With no blob id (the content is unknown) or no cache, ``build()`` alone."""
        if blob_id is None or not self.enabled:
            return build()
        found, value = self.get(namespace, blob_id, key_parts)
        if found:
            return value  # type: ignore[no-any-return]
        value = build()
        self.put(namespace, blob_id, key_parts, value)
        return value

    def get(self, namespace: str, blob_id: str, key_parts: object) -> tuple[bool, Any]:
        """(True, value) on a verified hit, else (False, None)."""
        if not self.enabled:
            return _MISS
        key = self._key(namespace, blob_id, key_parts)
        got = self._read(key)
        if got[0]:
            self.hits += 1
        else:
            self.misses += 1
        return got

    def put(self, namespace: str, blob_id: str, key_parts: object, value: Any) -> bool:
        """Store ``value``; False when the cache cannot take it (off, not writable)."""
        return self.put_many([(namespace, blob_id, key_parts, value)]) == 1

    def put_many(self, items: Iterable[tuple[str, str, object, Any]], *,
                 background: bool = False) -> int:
        """Store many (namespace, blob id, key parts, value) entries at once: every entry is
        encoded first (a value that is not plain data is a ``TypeError`` before anything is
        written), then each is written as ``put`` writes it (a temporary file renamed into
        place: an interrupted batch leaves whole entries and no partial one). How many were
        written (0 when the cache cannot take them). ``background``: the entries are
        encoded now and written by a thread while the run goes on (``close`` waits for it;
        so does the interpreter's exit): how many were queued."""
        if not (self.enabled and self.writable):
            return 0
        import marshal

        encoded: list[tuple[str, bytes]] = []
        for namespace, blob_id, key_parts, value in items:
            key = self._key(namespace, blob_id, key_parts)
            try:
                payload = marshal.dumps(value)
            except ValueError:
                raise TypeError(f'cache value of {namespace} is not plain data') from None
            header = b' '.join([FORMAT, *key[1], str(len(payload)).encode(),
                                digests.sha256(payload).hexdigest().encode()]) + b'\n'
            encoded.append((key[0], header + payload))
        if background and encoded:
            import threading

            done: list[int] = []
            writer = threading.Thread(target=lambda: done.extend(self._write_all(encoded)),
                                      name='analysis cache writer')
            self._writers.append((writer, done))
            writer.start()
            return len(encoded)
        written, size = self._write_all(encoded)
        self.writes += written
        self.bytes_written += size
        return written

    def _write_all(self, encoded: list[tuple[str, bytes]]) -> tuple[int, int]:
        written = size = 0
        for path, data in encoded:
            if not self._write(path, data):
                break
            written += 1
            size += len(data)
        return written, size

    def wait(self) -> None:
        """Wait for the entries written in the background (``put_many``)."""
        while self._writers:
            writer, done = self._writers.pop(0)
            writer.join()
            if done:
                self.writes += done[0]
                self.bytes_written += done[1]

    def close(self) -> None:
        """Add what this run wrote to the ledger; prune when the cache is over its bound."""
        self.wait()
        new = self.bytes_written - self._ledgered
        root = self._resolved
        if new <= 0 or root is None or not self.writable:
            return
        self._ledgered = self.bytes_written
        try:
            fd = os.open(os.path.join(root, LEDGER), os.O_WRONLY | os.O_APPEND | os.O_CREAT,
                         0o644)
            try:
                os.write(fd, f'{new}\n'.encode())
            finally:
                os.close(fd)
            if ledger_total(root) > self.max_bytes:
                prune(root, self.max_bytes)
        except OSError as e:
            self._disable(f'cannot update {root} ({e.strerror or e})')

    # -- internals --------------------------------------------------------------------------
    def _key(self, namespace: str, blob_id: str, key_parts: object
             ) -> tuple[str, list[bytes]]:
        if not _NAMESPACE_RE.match(namespace):
            raise ValueError(f'bad cache namespace {namespace!r}')
        if not _ID_RE.match(blob_id):
            raise ValueError(f'bad cache blob id {blob_id!r}')
        fields = [namespace, blob_id, self._fingerprint(), parts_digest(key_parts)]
        digest = digests.sha256('\0'.join(fields).encode()).hexdigest()
        root = self._resolved or ''
        return os.path.join(root, digest[:2], digest[2:]), [f.encode() for f in fields]

    def _read(self, key: tuple[str, list[bytes]]) -> tuple[bool, Any]:
        path, fields = key
        try:
            with open(path, 'rb') as f:
                data = f.read()
                mtime = os.fstat(f.fileno()).st_mtime
        except FileNotFoundError:
            return _MISS
        except OSError as e:
            if isinstance(e, (NotADirectoryError, IsADirectoryError)):
                return _MISS
            self.readable = False
            self._disable(f'cannot read {os.path.dirname(os.path.dirname(path))} '
                          f'({e.strerror or e})')
            return _MISS
        value = decode_entry(data, fields)
        if value is _NOTHING:
            return _MISS
        if self.writable and mtime < time.time() - TOUCH_AFTER:
            try:
                os.utime(path)
            except OSError:
                pass
        return True, value

    def _write(self, path: str, data: bytes) -> bool:
        directory = os.path.dirname(path)
        root = os.path.dirname(directory)
        tmp = os.path.join(directory, f'.tmp-{os.getpid()}-{os.urandom(6).hex()}')
        try:
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileNotFoundError:
                fresh = not os.path.isdir(root)
                os.makedirs(directory, exist_ok=True)
                if fresh:
                    _write_tag(root)
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                with os.fdopen(fd, 'wb') as f:
                    f.write(data)
                os.replace(tmp, path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError as e:
            self._disable(f'cannot write {root} ({e.strerror or e})')
            return False
        return True

    def _disable(self, why: str) -> None:
        self.writable = False
        if not self._noted:
            self._noted = True
            self._note_fn(f'analysis cache {"off" if not self.readable else "read-only"}: '
                          f'{why}; running without it')


_NOTHING = object()


def decode_entry(data: bytes, fields: list[bytes] | None = None) -> Any:
    """The value of an entry's bytes, or ``_NOTHING`` when the header is not this format,
    the key differs from ``fields`` (namespace, blob id, tool, parts) or the payload is
    truncated or corrupt."""
    import marshal

    nl = data.find(b'\n', 0, 512)
    if nl < 0:
        return _NOTHING
    header = data[:nl].split(b' ')
    if len(header) != 7 or header[0] != FORMAT:
        return _NOTHING
    if fields is not None and header[1:5] != fields:
        return _NOTHING
    payload = data[nl + 1:]
    if not header[5].isdigit() or int(header[5]) != len(payload):
        return _NOTHING
    if digests.sha256(payload).hexdigest().encode() != header[6]:
        return _NOTHING
    try:
        return marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return _NOTHING


def _write_tag(root: str) -> None:
    try:
        with open(os.path.join(root, TAG), 'x', encoding='ascii') as f:
            f.write(TAG_TEXT)
    except OSError:
        pass


def disabled() -> Cache:
    """A cache that stores nothing (``ChangeSet.from_texts``, ``--no-cache``)."""
    return Cache(None, max_bytes=0)


# -- maintenance: the cache command and pruning ---------------------------------------------

def entries(root: str) -> Iterator[tuple[str, os.stat_result]]:
    """(path, stat) of every entry file under ``root``."""
    try:
        top = os.scandir(root)
    except OSError:
        return
    with top:
        for sub in top:
            if len(sub.name) != 2 or not sub.is_dir(follow_symlinks=False):
                continue
            try:
                inner = os.scandir(sub.path)
            except OSError:
                continue
            with inner:
                for e in inner:
                    if _ENTRY_RE.match(e.name):
                        try:
                            yield e.path, e.stat(follow_symlinks=False)
                        except OSError:
                            continue


def _temp_files(root: str) -> Iterator[tuple[str, os.stat_result]]:
    try:
        subs = [e.path for e in os.scandir(root) if len(e.name) == 2 and e.is_dir()]
    except OSError:
        return
    for sub in subs:
        try:
            with os.scandir(sub) as it:
                for e in it:
                    if e.name.startswith('.tmp-'):
                        try:
                            yield e.path, e.stat(follow_symlinks=False)
                        except OSError:
                            continue
        except OSError:
            continue


def ledger_total(root: str) -> int:
    """What the ledger says the cache holds (bytes)."""
    try:
        with open(os.path.join(root, LEDGER), 'rb') as f:
            lines = f.read().split(b'\n')
    except OSError:
        return 0
    return sum(int(x) for x in lines if x.isdigit())


def _set_ledger(root: str, total: int) -> None:
    tmp = os.path.join(root, f'.{LEDGER}-{os.getpid()}-{os.urandom(4).hex()}')
    try:
        with open(tmp, 'w', encoding='ascii') as f:
            f.write(f'{total}\n')
        os.replace(tmp, os.path.join(root, LEDGER))
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def prune(root: str, max_bytes: int, keep: float = PRUNE_TO) -> tuple[int, int]:
    """Remove the least recently used entries until the cache holds at most
    ``keep * max_bytes``, and temporary files of writers that died. (entries, bytes) removed.
    """
    now = time.time()
    for path, st in _temp_files(root):
        if st.st_mtime < now - STALE_TEMP:
            try:
                os.unlink(path)
            except OSError:
                pass
    found = sorted(entries(root), key=lambda e: e[1].st_mtime)
    total = sum(st.st_size for _, st in found)
    removed = freed = 0
    target = int(max_bytes * keep)
    if total > max_bytes:
        for path, st in found:
            if total <= target:
                break
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            except OSError:
                continue
            total -= st.st_size
            removed += 1
            freed += st.st_size
    _set_ledger(root, total)
    return removed, freed


def clear(root: str) -> tuple[int, int]:
    """Remove every entry (and temporary file) under ``root``. (entries, bytes) removed."""
    removed = freed = 0
    for path, st in [*entries(root), *_temp_files(root)]:
        try:
            os.unlink(path)
        except OSError:
            continue
        if not os.path.basename(path).startswith('.tmp-'):
            removed += 1
            freed += st.st_size
    try:
        for e in os.scandir(root):
            if len(e.name) == 2 and e.is_dir(follow_symlinks=False):
                try:
                    os.rmdir(e.path)
                except OSError:
                    pass
    except OSError:
        pass
    if os.path.isdir(root):
        _set_ledger(root, 0)
    return removed, freed


def describe(root: str) -> dict[str, Any]:
    """What ``cache info`` shows: entries, bytes, and per namespace (read from the entry
    headers), with the ledger's figure."""
    per: dict[str, list[int]] = {}
    count = total = 0
    for path, st in entries(root):
        count += 1
        total += st.st_size
        try:
            with open(path, 'rb') as f:
                head = f.read(256)
        except OSError:
            continue
        fields = head.split(b'\n', 1)[0].split(b' ')
        ns = (fields[1].decode('ascii', 'replace') if len(fields) == 7 and fields[0] == FORMAT
              else '(unreadable)')
        row = per.setdefault(ns, [0, 0])
        row[0] += 1
        row[1] += st.st_size
    return {'path': root, 'exists': os.path.isdir(root), 'entries': count, 'bytes': total,
            'namespaces': {k: {'entries': v[0], 'bytes': v[1]} for k, v in sorted(per.items())}}
