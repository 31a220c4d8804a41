"""TOML reading, one place for the ``tomllib`` (3.11+) / ``tomli`` (3.10) choice."""
from __future__ import annotations

import sys
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

TOMLDecodeError = tomllib.TOMLDecodeError


def loads(text: str) -> dict[str, Any]:
    """Parse TOML text; raises ``TOMLDecodeError``."""
    return tomllib.loads(text)


def load_file(path: str) -> dict[str, Any]:
    """Parse a TOML file; raises ``TOMLDecodeError``, ``UnicodeDecodeError`` or ``OSError``."""
    with open(path, 'rb') as f:
        return tomllib.load(f)
