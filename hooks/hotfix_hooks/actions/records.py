"""Per-function summaries of the ``/actions`` flow analysis ("records"), kept per module
blob in the analysis cache with the dependencies they were derived from.

A record is what ``flow.Analyzer`` needs of one function to build a route's profile: the
evidence the function itself holds (state writes, idempotency markers, key parameters and
flags, rejections and warnings, generated keys, outbound effects, dynamic writes), the
functions its dependencies (``Depends(...)``) and its calls resolve to (as function ids:
module path, class, name, line, column; ``None`` where a call does not resolve to code of
the repository), and the request-body model fields it could write. With the records of a
module in the cache, a profile that follows a call into it reads neither the module nor
the modules its imports name: its syntax trees are never built.

A record depends on more than its module: how its calls resolve depends on the modules
they name and on which files exist. So every record is derived while the side's index
logs the paths it consults (``Index.record``: the modules read and every candidate path
import resolution probes, present or absent), and a module's entry keeps, per variant,
those (path, blob id) pairs for all its records. A variant is used only when every pair
holds on the side analysed; a side that derives a record adds it to the variant it
validated (or to a new one) and the run writes the variants in one background batch
(``RecordCache.flush``). One entry keeps up to ``MAX_VARIANTS`` variants, newest first, so
a branch that edits a module a service calls gets its own and the base keeps using its
own: a changed dependency never gets the other side's record.

Values are marshal-able plain data; a corrupt entry, or one whose shape is not this
version's, is ignored (the records are derived again).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hotfix_hooks.cache import Cache

NAMESPACE = 'actions.functions'
FORMAT = 1
MAX_VARIANTS = 4

# module path, class name ('' for a function of the module), function name, line, column
FnId = tuple[str, str, str, int, int]
# (qualname, writes, dynamic, markers, generated, external, params, flags, rejects, warns,
#  warn line numbers, dependency targets, call targets, body fields, summary): see ``flow``
Record = tuple[Any, ...]
RECORD_FIELDS = 15

_Deps = dict[str, 'str | None']
_Variant = tuple[_Deps, dict[FnId, Record]]


class RecordCache:
    """The ``actions.functions`` entries of one run, shared by both sides: read once per
    (path, blob id), written in one batch by ``flush``."""

    def __init__(self, cache: Cache, parts: dict[str, Any]) -> None:
        self.cache = cache
        self.parts = parts
        self._read: dict[tuple[str, str], list[Any]] = {}
        # per (path, blob id): the variants the sides derived or extended in this run, and
        # the variants read that they extended (replaced by theirs)
        self._new: dict[tuple[str, str], list[_Variant]] = {}
        self._replaced: dict[tuple[str, str], list[int]] = {}

    def variants(self, path: str, blob: str) -> list[Any]:
        key = (path, blob)
        got = self._read.get(key)
        if got is None:
            found, value = self.cache.get(NAMESPACE, blob, {**self.parts, 'path': path})
            got = self._read[key] = value if found and isinstance(value, list) else []
        return got

    def extend(self, path: str, blob: str, variant: _Variant, replaces: int | None) -> None:
        self._new.setdefault((path, blob), []).append(variant)
        if replaces is not None:
            self._replaced.setdefault((path, blob), []).append(replaces)

    def flush(self, more: Iterable[tuple[str, str, object, object]] = ()) -> None:
        """Write every entry a side added to, and ``more`` (one batch, in the
        background)."""
        items: list[tuple[str, str, object, object]] = list(more)
        for (path, blob), new in self._new.items():
            replaced = set(self._replaced.get((path, blob), ()))
            old = [v for i, v in enumerate(self._read.get((path, blob), []))
                   if i not in replaced]
            out: list[Any] = []
            for deps, recs in new:
                plain = (sorted(deps.items()), recs)
                if plain not in out:
                    out.append(plain)
            out.extend(old)
            items.append((NAMESPACE, blob, {**self.parts, 'path': path}, out[:MAX_VARIANTS]))
        self._new.clear()
        self._replaced.clear()
        if items:
            self.cache.put_many(items, background=True)


class Records:
    """The records of one side: derived in this run, or read from the cache when every
    dependency of their variant holds on this side. ``index`` is the side's
    ``actions.index.Index`` (its snapshot gives blob ids; using a record consults its
    dependencies, so a fact derived from records depends on what they depend on)."""

    def __init__(self, index: Any, shared: RecordCache | None) -> None:
        self.index = index
        self.shared = shared
        self._mem: dict[FnId, tuple[Record, Iterable[str]]] = {}
        # the module and nodes of the functions resolved in this run (``flow._Target``)
        self.nodes: dict[FnId, Any] = {}
        self._variant: dict[str, _Variant | None] = {}     # path -> the one this side uses
        self._own: set[str] = set()                         # paths whose variant it extends
        self._blobs: dict[str, str | None] = {}
        self._read_index: dict[str, int] = {}     # path -> which variant read it validated

    def _blob(self, path: str) -> str | None:
        if path not in self._blobs:
            snap = self.index.snap
            if not self._blobs:
                snap.paths()    # one listing of the side (else a tree walk per path)
            self._blobs[path] = snap.blob_id(path) if snap.exists(path) else None
        return self._blobs[path]

    def get(self, fid: FnId) -> Record | None:
        got = self._mem.get(fid)
        if got is None:
            variant = self._valid(fid[0])
            rec = variant[1].get(fid) if variant is not None else None
            if rec is None:
                return None
            got = self._mem[fid] = (rec, tuple(variant[0]) if variant else ())
        self.index.consult(got[1])
        return got[0]

    def forget(self, fid: FnId) -> None:
        """Drop the record of ``fid`` from memory (derived again if it is needed)."""
        self._mem.pop(fid, None)

    def put(self, fid: FnId, rec: Record, consulted: set[str]) -> None:
        self._mem[fid] = (rec, tuple(consulted))
        path = fid[0]
        if path in self.index.piecewise:
            return      # a module too large to hold whole: its records are not kept either
        blob = self._blob(path) if self.shared is not None else None
        if blob is None or self.shared is None:
            return
        if path not in self._own:
            found = self._valid(path)
            replaces = self._read_index.get(path)
            own: _Variant = (dict(found[0]), dict(found[1])) if found is not None else ({}, {})
            self._variant[path] = own
            self._own.add(path)
            self.shared.extend(path, blob, own, replaces)
        own = self._variant[path]       # type: ignore[assignment]
        assert own is not None
        for p in consulted:
            own[0][p] = self._blob(p)
        own[1][fid] = rec

    def _valid(self, path: str) -> _Variant | None:
        if path in self._variant:
            return self._variant[path]
        found: _Variant | None = None
        blob = self._blob(path) if self.shared is not None else None
        if blob is not None and self.shared is not None:
            for i, variant in enumerate(self.shared.variants(path, blob)):
                got = self._check(variant)
                if got is not None:
                    found = got
                    self._read_index[path] = i
                    break
        self._variant[path] = found
        return found

    def _check(self, variant: Any) -> _Variant | None:
        """``variant`` as (deps, records) when its shape is this version's and every
        dependency holds on this side."""
        if not (isinstance(variant, (list, tuple)) and len(variant) == 2
                and isinstance(variant[0], (list, tuple)) and isinstance(variant[1], dict)):
            return None
        deps: _Deps = {}
        for dep in variant[0]:
            if not (isinstance(dep, (list, tuple)) and len(dep) == 2
                    and isinstance(dep[0], str) and (dep[1] is None or isinstance(dep[1], str))):
                return None
            if self._blob(dep[0]) != dep[1]:
                return None
            deps[dep[0]] = dep[1]
        recs: dict[FnId, Record] = {}
        for fid, rec in variant[1].items():
            if not (_is_fid(fid) and _is_record(rec)):
                return None
            recs[fid] = rec
        return deps, recs


def _is_fid(value: object) -> bool:
    return (isinstance(value, tuple) and len(value) == 5 and isinstance(value[0], str)
            and isinstance(value[1], str) and isinstance(value[2], str)
            and isinstance(value[3], int) and isinstance(value[4], int))


def _is_evidence(value: object) -> bool:
    return (isinstance(value, tuple) and len(value) == 5 and isinstance(value[3], int)
            and all(isinstance(value[i], str) for i in (0, 1, 2, 4)))


def _is_record(rec: object) -> bool:
    """The shape ``flow`` writes (a record of another shape is never used)."""
    if not (isinstance(rec, tuple) and len(rec) == RECORD_FIELDS and isinstance(rec[0], str)):
        return False
    lists = rec[1:6]
    if not all(isinstance(x, list) and all(_is_evidence(e) for e in x) for x in lists):
        return False
    params, flags, rejects, warns, warn_lines, deps, calls, body, summary = rec[6:]
    return (isinstance(params, list) and all(
                isinstance(p, tuple) and len(p) == 3 and isinstance(p[0], str)
                and isinstance(p[1], str) and isinstance(p[2], int) for p in params)
            and isinstance(flags, list) and all(
                isinstance(f, tuple) and len(f) == 3 and isinstance(f[0], str)
                and isinstance(f[1], bool) and isinstance(f[2], int) for f in flags)
            and isinstance(rejects, int) and isinstance(warns, int)
            and isinstance(warn_lines, list) and all(isinstance(n, int) for n in warn_lines)
            and isinstance(deps, list) and all(d is None or _is_fid(d) for d in deps)
            and isinstance(calls, list) and all(c is None or _is_fid(c) for c in calls)
            and isinstance(body, list) and all(
                isinstance(b, tuple) and len(b) == 2 and isinstance(b[0], str)
                and isinstance(b[1], str) for b in body)
            and isinstance(summary, tuple))
