"""Plain-data summaries of the ``/actions`` guard's per-file facts, kept in the analysis
cache with the dependencies they were derived from.

A fact about one file can depend on other files: an idempotency middleware's profile
follows its calls into other modules, and which module an import names depends on which
files exist. Such a fact is stored with the (path, blob id) of every file consulted while
deriving it (``Index.record``: the modules read and the candidate paths probed by import
resolution, present or absent) and reused only when every one of them has the same blob id
on the side being analysed. One entry holds a few such variants, so a branch that edits a
dependency derives its own and the base keeps using the one it matches: a changed
dependency never gets the other side's cached verdict.

Values are marshal-able plain data (``profile_plain`` / ``profile_from``).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hotfix_hooks.actions.flow import Evidence
from hotfix_hooks.actions.flow import Profile
from hotfix_hooks.actions.index import Index
from hotfix_hooks.cache import Cache

MIDDLEWARE_NAMESPACE = 'actions.middleware'
FORMAT = 1
MAX_VARIANTS = 4

_EVIDENCE_LISTS = ('writes', 'markers', 'generated', 'dynamic', 'external')


def _ev(e: Evidence) -> tuple[str, str, str, int, str]:
    return (e.kind, e.detail, e.file, e.line, e.function)


def profile_plain(p: Profile) -> dict[str, Any]:
    """``p`` as plain data (``profile_from`` gives it back, equal field by field)."""
    out: dict[str, Any] = {k: [_ev(e) for e in getattr(p, k)] for k in _EVIDENCE_LISTS}
    out.update(params=dict(p.params), param_lines=dict(p.param_lines), flags=dict(p.flags),
               flag_lines=dict(p.flag_lines), rejects=p.rejects, warns=p.warns,
               warn_lines=list(p.warn_lines), functions=sorted(p.functions))
    return out


def profile_from(d: dict[str, Any]) -> Profile:
    p = Profile()
    for k in _EVIDENCE_LISTS:
        getattr(p, k).extend(Evidence(*e) for e in d[k])
    p.params.update(d['params'])
    p.param_lines.update({k: tuple(v) for k, v in d['param_lines'].items()})
    p.flags.update(d['flags'])
    p.flag_lines.update({k: tuple(v) for k, v in d['flag_lines'].items()})
    p.rejects, p.warns = d['rejects'], d['warns']
    p.warn_lines.extend(tuple(v) for v in d['warn_lines'])
    p.functions.update(d['functions'])
    return p


def deps_hold(index: Index, deps: object) -> bool:
    """Every (path, blob id) of ``deps`` is what ``index``'s side holds."""
    if not isinstance(deps, (list, tuple)):
        return False
    snap = index.snap
    for dep in deps:
        if not (isinstance(dep, (list, tuple)) and len(dep) == 2 and isinstance(dep[0], str)):
            return False
        path, blob = dep
        if (snap.blob_id(path) if snap.exists(path) else None) != blob:
            return False
    return True


def with_dependencies(cache: Cache, namespace: str, index: Index, path: str,
                      key_parts: object, derive: Callable[[], Any]) -> Any:
    """The value ``derive()`` gives for ``path`` on ``index``'s side, from the cache when a
    stored variant's dependencies all hold there; else derived (recording what it
    consulted) and stored in front of the other variants."""
    blob = index.snap.blob_id(path) if cache.enabled else None
    if blob is None:
        return derive()
    found, got = cache.get(namespace, blob, key_parts)
    variants = got if found and isinstance(got, list) else []
    for variant in variants:
        if isinstance(variant, (list, tuple)) and len(variant) == 2 \
                and deps_hold(index, variant[0]):
            return variant[1]
    consulted = index.record()
    try:
        value = derive()
    finally:
        index.stop(consulted)
    consulted.add(path)
    snap = index.snap
    deps = [(p, snap.blob_id(p) if snap.exists(p) else None) for p in sorted(consulted)]
    keep = [v for v in variants if isinstance(v, (list, tuple)) and len(v) == 2]
    cache.put(namespace, blob, key_parts, [(deps, value), *keep][:MAX_VARIANTS])
    return value
