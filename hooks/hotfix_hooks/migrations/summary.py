"""A migration as plain data, for the analysis cache.

What the front ends extract from one migration file (revision, parents, the operations of
upgrade and downgrade with their facts, the notes, the suppressions, whether it parsed) is
a ``model.Migration``. ``dump`` turns it into nested tuples of ``None``/bool/int/float/str
/bytes/tuple/list/dict/set (what ``marshal`` writes); ``load`` gives back an equal
``Migration``. The syntax tree an ``Op`` came from is not kept: its two uses, the statement
text of messages and the signature that compares two versions of a migration, are rendered
before the dump (``Op.statement()``, ``Op.signature()``), so a loaded migration gives the
same findings as a freshly parsed one.

``cached_file`` is the one place the cache is consulted: an unchanged migration (same blob,
same path, same options) is never read or parsed again. ``cached_files`` does the same for
many files and also keeps the whole set as one entry: the revision graph every run reads
(the graph facts of every unchanged migration) costs one cache read, not one per file.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any
from typing import TYPE_CHECKING

from hotfix_hooks import digests
from hotfix_hooks.cache import Cache
from hotfix_hooks.cache import parts_digest
from hotfix_hooks.migrations import model as m

if TYPE_CHECKING:
    from typing import TypeAlias

    # what ``cached_files`` takes per file: (blob id, key parts, build)
    Item: TypeAlias = tuple[str | None, dict[str, Any], Callable[[], m.Migration | None]]

_PLAIN_SCALARS = (type(None), bool, int, float, str, bytes)

# field order of the records (the tool fingerprint in every cache key changes with the code,
# so an entry is never read by a version with other fields)
_OP = tuple(f.name for f in dataclasses.fields(m.Op) if f.name != 'node')
_NOTE = tuple(f.name for f in dataclasses.fields(m.Note))
_SUP = tuple(f.name for f in dataclasses.fields(m.Suppression))
_MIG = tuple(f.name for f in dataclasses.fields(m.Migration))
_RECORDS = {'upgrade', 'downgrade', 'notes', 'suppressions'}


class NotPlain(TypeError):
    """A value the cache cannot hold (a front end put an object in an op's facts)."""


def _check(value: object) -> None:
    """Raise ``NotPlain`` unless ``value`` is plain data all the way down."""
    if isinstance(value, _PLAIN_SCALARS):
        return
    if isinstance(value, (tuple, list, set, frozenset)):
        for v in value:
            _check(v)
        return
    if isinstance(value, dict):
        for k, v in value.items():
            _check(k)
            _check(v)
        return
    raise NotPlain(f'{type(value).__name__} in a migration summary')


def _op(o: m.Op) -> tuple[Any, ...]:
    o.statement()            # rendered from the syntax tree now: the tree is not kept
    o.signature()
    return tuple(getattr(o, n) for n in _OP)


def dump(mig: m.Migration | None) -> tuple[Any, ...] | None:
    """``mig`` as plain data (``NotPlain`` when it holds anything else)."""
    if mig is None:
        return None
    out: list[Any] = []
    for name in _MIG:
        value = getattr(mig, name)
        if name in ('upgrade', 'downgrade'):
            value = None if value is None else [_op(o) for o in value]
        elif name == 'notes':
            value = [tuple(getattr(n, f) for f in _NOTE) for n in value]
        elif name == 'suppressions':
            value = [tuple(getattr(s, f) for f in _SUP) for s in value]
        out.append(value)
    data = tuple(out)
    _check(data)
    return data


def load(data: tuple[Any, ...] | None) -> m.Migration | None:
    """The ``Migration`` that ``dump`` gave ``data`` for."""
    if data is None:
        return None
    kw = dict(zip(_MIG, data))
    for name in ('upgrade', 'downgrade'):
        if kw[name] is not None:
            kw[name] = [m.Op(**dict(zip(_OP, o))) for o in kw[name]]
    kw['notes'] = [m.Note(**dict(zip(_NOTE, n))) for n in kw['notes']]
    kw['suppressions'] = [m.Suppression(**dict(zip(_SUP, s))) for s in kw['suppressions']]
    return m.Migration(**kw)


def cached_file(cache: Cache | None, namespace: str, blob_id: str | None,
                key_parts: dict[str, Any],
                build: Callable[[], m.Migration | None]) -> m.Migration | None:
    """The migration ``build()`` gives (``None``: the file is no migration), from the cache
    when an entry for (namespace, blob id, key parts) is there, else built and stored.
    A migration that is not plain data is built on every run (never an error)."""
    if cache is None or blob_id is None or not cache.enabled:
        return build()
    found, value = cache.get(namespace, blob_id, key_parts)
    if found:
        try:
            return load(value)
        except (TypeError, ValueError, KeyError):
            pass                 # an entry of another shape: rebuild and overwrite it
    mig = build()
    try:
        data = dump(mig)
    except NotPlain:
        return mig
    cache.put(namespace, blob_id, key_parts, data)
    return mig


def cached_files(cache: Cache | None, namespace: str, items: list[Item]
                 ) -> list[m.Migration | None]:
    """``cached_file`` of each (blob id, key parts, build) item. When every item has a blob
    id, the list is also stored as one entry (``<namespace>.set``, keyed by a digest of the
    items' blob ids and key parts), read first on the next run over the same files."""
    if cache is None or not cache.enabled or len(items) < 2 or \
            any(blob is None for blob, _, _ in items):
        return [cached_file(cache, namespace, blob, parts, build) for blob, parts, build in items]
    h = digests.sha1()
    for blob, parts, _ in items:
        h.update(f'{blob}\0{parts_digest(parts)}\n'.encode())
    set_ns, set_id, set_parts = f'{namespace}.set', h.hexdigest(), {'count': len(items)}
    found, value = cache.get(set_ns, set_id, set_parts)
    if found and isinstance(value, list) and len(value) == len(items):
        try:
            return [load(v) for v in value]
        except (TypeError, ValueError, KeyError):
            pass                 # an entry of another shape: rebuild and overwrite it
    migs = [cached_file(cache, namespace, blob, parts, build) for blob, parts, build in items]
    try:
        data = [dump(g) for g in migs]
    except NotPlain:
        return migs
    cache.put(set_ns, set_id, set_parts, data)
    return migs
