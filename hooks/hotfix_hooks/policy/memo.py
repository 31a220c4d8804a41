"""A parsed and validated policy file, kept in the analysis cache by its exact bytes.

Reading any policy file costs the TOML parser (``tomllib`` with ``datetime``, ``string``,
``math``) and the schema validation: 25-35 ms on a loaded machine, more than the rest of
the branch hook. A warm run finds the validated values instead, under
``<git common dir>/hotfix-hooks/cache/`` (``cache.py``), keyed by

* the SHA-256 of the file's bytes (never its path or modification time),
* the file's name (``pyproject.toml`` is read for its ``[tool.hotfix-hooks]`` table, and the
  name is what the policy's ``sources`` say the values came from),
* a fingerprint of the code the result depends on: the version, the interpreter (which
  parses the TOML) and the size and modification time of the policy package, the rule id
  list, ``tomlio``, ``errors`` and ``cache`` (``POLICY_MODULES``; a test checks that the
  policy package imports nothing else at parse time).

``cache.py`` verifies each entry against its full key and the digest of its payload: a
corrupt, truncated or foreign entry is a miss, and the file is parsed again. A file that
fails to parse or validate is never stored: it raises the same ``ConfigError`` every run.
``--no-cache`` and ``HOTFIX_HOOKS_CACHE=0`` turn it off.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from hotfix_hooks import __version__
from hotfix_hooks import cache as cache_mod
from hotfix_hooks import digests
from hotfix_hooks.errors import GitError
from hotfix_hooks.git import plumbing

NAMESPACE = 'policy.file'
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the code a validated policy depends on (relative to the package)
# (git/plumbing only finds where the cache lives)
POLICY_MODULES = ('__init__.py', 'cache.py', 'errors.py', 'rule_ids.py', 'tomlio.py',
                  'digests.py', 'git/__init__.py', 'git/plumbing.py')
_FINGERPRINT: str | None = None

# what one parse gives: None (a pyproject.toml without [tool.hotfix-hooks]), or the
# validated values and where each came from
Parsed = tuple[dict[str, Any], dict[str, str]] | None


def fingerprint() -> str:
    """A digest of the version, the interpreter, and the size and modification time of
    every module the parse and validation run (``stat`` calls only, once per process)."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        h = digests.sha256(f'{__version__}\0{sys.implementation.cache_tag}\0'
                           f'{sys.version_info[:3]}\0{_PACKAGE}'.encode())
        policy_dir = os.path.join(_PACKAGE, 'policy')
        try:
            names = sorted(n for n in os.listdir(policy_dir) if n.endswith('.py'))
        except OSError:
            names = []
        paths = [os.path.join('policy', n) for n in names] + list(POLICY_MODULES)
        for rel in paths:
            try:
                st = os.stat(os.path.join(_PACKAGE, rel))
            except OSError:
                continue
            h.update(f'{rel}\0{st.st_size}\0{st.st_mtime_ns}\0'.encode())
        _FINGERPRINT = h.hexdigest()[:40]
    return _FINGERPRINT


def common_dir(root: str) -> str | None:
    """The git common directory of the work tree at ``root`` (``plumbing.common_dir``:
    read from ``.git`` and ``commondir`` without running git on a normal checkout or a
    linked worktree); ``None`` when it cannot be told."""
    try:
        return plumbing.common_dir(root)
    except GitError:
        return None


def _quiet(message: str) -> None:
    """The policy cache is an optimisation of every hook: it degrades without a word (the
    scan's analysis cache says when the directory cannot be written)."""


def parsed(data: bytes, name: str, root: str | None, use_cache: bool,
           build: Callable[[], Parsed]) -> Parsed:
    """``build()`` (the parse and validation of ``data``, the bytes of the policy file
    ``name``: its base name and anything else the result depends on), or its verified
    result from the cache of the repository at ``root``."""
    if not use_cache or root is None or cache_mod.switched_off():
        return build()
    directory = common_dir(root)
    if directory is None:
        return build()
    store = cache_mod.Cache(cache_mod.cache_dir(directory), note=_quiet,
                            fingerprint=fingerprint)
    blob = digests.sha256(data).hexdigest()
    parts = {'name': name, 'format': 1}
    found, value = store.get(NAMESPACE, blob, parts)
    if found and _valid(value):
        values, sources = value
        return (values, sources) if values is not None else None
    result = build()     # a ConfigError propagates: failures are never stored
    cache_table = result[0].get('cache') if result is not None else None
    mb = cache_table.get('max_mb') if isinstance(cache_table, dict) else None
    store.max_bytes = cache_mod.max_bytes_from(mb)
    if store.max_bytes <= 0:     # the policy (or HOTFIX_HOOKS_CACHE_MAX_MB) turns it off
        return result
    try:
        store.put(NAMESPACE, blob, parts, (None, None) if result is None else result)
    except TypeError:    # a value marshal cannot hold (a TOML date under owners): no entry
        return result
    store.close()
    return result


def _valid(value: object) -> bool:
    """The shape this module stores: (values, sources) or (None, None)."""
    if not (isinstance(value, tuple) and len(value) == 2):
        return False
    values, sources = value
    if values is None and sources is None:
        return True
    return isinstance(values, dict) and isinstance(sources, dict)
