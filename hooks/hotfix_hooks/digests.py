"""SHA-1 and SHA-256 for the cache keys, blob ids, policy digests and finding fingerprints,
from CPython's built-in implementations.

``import hashlib`` loads OpenSSL (libcrypto) before anything else: 10-15 ms on a loaded
2-core machine, several percent of a commit-stage scan, for a few short digests. The
built-in modules hashlib itself falls back to (``_sha1``; ``_sha256``, ``_sha2`` from
Python 3.12) load in about 1 ms and give the same digests; ``hashlib`` is used where they
are missing (another interpreter). Nothing here is a security boundary: the digests name
content and detect corruption (``tests/test_digests.py`` checks they equal hashlib's).
"""
from __future__ import annotations

from collections.abc import Callable

TYPE_CHECKING = False  # typing is not imported at run time
if TYPE_CHECKING:
    from typing import Protocol

    class Hash(Protocol):
        def update(self, data: bytes, /) -> None: ...

        def digest(self) -> bytes: ...

        def hexdigest(self) -> str: ...


_FOUND: dict[str, Callable[..., Hash]] = {}


def _constructor(name: str, modules: tuple[str, ...]) -> Callable[..., Hash]:
    found = _FOUND.get(name)
    if found is None:
        import importlib

        for module in modules:
            try:
                found = getattr(importlib.import_module(module), name)
                break
            except (ImportError, AttributeError):
                continue
        else:
            import hashlib

            found = getattr(hashlib, name)
        assert found is not None
        _FOUND[name] = found
    return found


def sha256(data: bytes = b'') -> Hash:
    return _constructor('sha256', ('_sha2', '_sha256'))(data)


def sha1(data: bytes = b'') -> Hash:
    """SHA-1 as git names blobs (not for security)."""
    return _constructor('sha1', ('_sha1',))(data, usedforsecurity=False)
