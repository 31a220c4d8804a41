"""TOML reading, one place for the ``tomllib`` (3.11+) / ``tomli`` (3.10) choice.

The parser loads on first use: a repository without a policy file (the branch hook's
common case) never pays for it."""
from __future__ import annotations

import sys
from typing import Any


class TomlError(ValueError):
    """The text is not valid TOML (the parser's message, with line and column)."""


def loads(text: str) -> dict[str, Any]:
    """Parse TOML text; raises ``TomlError``."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise TomlError(str(e)) from None


def load_file(path: str) -> dict[str, Any]:
    """Parse a TOML file; raises ``TomlError``, ``UnicodeDecodeError`` or ``OSError``."""
    with open(path, 'rb') as f:
        data = f.read()
    return loads(data.decode('utf-8'))
