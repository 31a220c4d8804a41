"""The effective policy: ``[tool.hotfix-hooks]`` in the repository's ``pyproject.toml`` (or
a standalone ``.hotfix-hooks.toml``) validated against the schema, with the ARIS3 v1
protocol as defaults for every key it does not set."""
from __future__ import annotations

import os
import re
from typing import Any

from hotfix_hooks import digests
from hotfix_hooks import tomlio
from hotfix_hooks.errors import ConfigError
from hotfix_hooks.policy import memo
from hotfix_hooks.policy.keys import Key
from hotfix_hooks.policy.keys import plain_copy
from hotfix_hooks.policy.keys import validate_table
from hotfix_hooks.policy.schema import SCHEMA

CONFIG_FILES = ('.hotfix-hooks.toml', 'pyproject.toml')


class Policy:
    """The effective policy: validated values and where each came from."""

    def __init__(self, values: dict[str, Any], sources: dict[str, str],
                 path: str | None = None) -> None:
        self.values = values
        self.sources = sources
        self.path = path              # the file the user's values came from
        self.explicit = False         # given with --config: never replaced by a commit's
        self.folder = ''              # the folder it governs ('' : the repository root)
        self.file: str | None = None  # repository-relative policy file, when read from a side
        self.origin = path or 'the defaults'   # where it was read, for messages

    def digest(self) -> str:
        """A digest of the effective values: two policies with the same digest judge alike."""
        import json

        text = json.dumps(self.values, sort_keys=True, separators=(',', ':'), default=str)
        return digests.sha256(text.encode('utf-8')).hexdigest()

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def section(self, name: str) -> dict[str, Any]:
        return self.values.get(name) or {}

    @property
    def ticket_re(self) -> re.Pattern[str]:
        return re.compile(self.values['ticket_pattern'])


def defaults() -> dict[str, Any]:
    return _defaults_of(SCHEMA)


def _defaults_of(schema: dict[str, Key]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, key in schema.items():
        if key.kind == 'table':
            out[name] = _defaults_of(key.keys or {})
        else:
            out[name] = plain_copy(key.default)
    return out


def load(root: str, path: str | None = None, cache: bool = True) -> Policy:
    """Load the policy of the repository at ``root`` (or from ``path``). With ``cache`` (and
    unless ``HOTFIX_HOOKS_CACHE=0``) a file parsed before with the same bytes is not parsed
    again: its validated values come from the analysis cache (``policy/memo.py``)."""
    if path is None:
        for name in CONFIG_FILES:
            candidate = os.path.join(root, name)
            if os.path.isfile(candidate):
                got = _parse_file(candidate, root, cache, explicit=False)
                if got is None:
                    continue
                path = candidate
                break
        else:
            return from_mapping({}, None)
        return Policy(values=got[0], sources=got[1], path=path)
    if not os.path.isfile(path):
        raise ConfigError(f'{path}: policy file not found')
    got = _parse_file(path, root, cache, explicit=True)
    assert got is not None  # an explicit file always gives a policy
    policy = Policy(values=got[0], sources=got[1], path=path)
    policy.explicit = True
    return policy


def _parse_file(path: str, root: str, cache: bool, explicit: bool
                ) -> tuple[dict[str, Any], dict[str, str]] | None:
    """The validated values and their sources of the policy file ``path``; ``None`` for a
    ``pyproject.toml`` without ``[tool.hotfix-hooks]`` found by looking (``explicit``: given
    with ``--config``, it is the defaults)."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        raise ConfigError(f'{path}: cannot read: {e.strerror}') from None
    pyproject = os.path.basename(path) == 'pyproject.toml'

    def build() -> tuple[dict[str, Any], dict[str, str]] | None:
        document = _parse_toml(data, path)
        raw: object = document
        if pyproject:
            raw = _tool_table(document, path).get('hotfix-hooks')
            if raw is None:
                if not explicit:
                    return None
                raw = {}
        policy = from_mapping(raw, path)
        return policy.values, policy.sources

    name = os.path.basename(path) + ('\0explicit' if explicit else '')
    return memo.parsed(data, name, root, cache, build)


def _tool_table(raw: dict[str, Any], path: str) -> dict[str, Any]:
    tool = raw.get('tool', {})
    if not isinstance(tool, dict):
        raise ConfigError(f'{os.path.basename(path)}: [tool] must be a table, got '
                          f'{type(tool).__name__} {tool!r}')
    return tool


def _parse_toml(data: bytes, path: str) -> dict[str, Any]:
    try:
        return tomlio.loads(data.decode('utf-8'))
    except tomlio.TomlError as e:
        raise ConfigError(f'{path}: invalid TOML: {e}') from None
    except UnicodeDecodeError:
        raise ConfigError(f'{path}: invalid TOML: not UTF-8 text (save it as UTF-8)') from None


def from_mapping(raw: object, path: str | None, where: str | None = None) -> Policy:
    """Validate ``raw`` (the ``[tool.hotfix-hooks]`` table, any parsed TOML value, or
    ``None`` for the defaults) against the schema; ``where`` names the file in messages
    (default: the base name of ``path``)."""
    where = where or (os.path.basename(path) if path else 'default')
    if raw is not None and not isinstance(raw, dict):
        raise ConfigError(f'{where}: [tool.hotfix-hooks] must be a table')
    sources: dict[str, str] = {}
    values = validate_table(SCHEMA, raw or {}, prefix='', where=where, sources=sources)
    return Policy(values=values, sources=sources, path=path)


def describe(schema: dict[str, Key] | None = None, prefix: str = '') -> list[tuple[str, Key]]:
    """Every key of the schema, flattened (``naming.tag_marker``), for docs and ``config``."""
    out: list[tuple[str, Key]] = []
    for name, key in (SCHEMA if schema is None else schema).items():
        if key.kind == 'table':
            out.extend(describe(key.keys or {}, prefix + name + '.'))
        else:
            out.append((prefix + name, key))
    return out
