"""The policy's key model: ``Key`` (kind, default, doc, nested keys, custom check) and
the generic validation of a raw TOML table against a table of keys."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from hotfix_hooks.errors import ConfigError

SEVERITY_VALUES = ('error', 'warning', 'info')


def plain_copy(value: Any) -> Any:
    """A deep copy of a plain TOML-like value (lists, dicts, scalars). Defaults are copied
    on every load; ``copy.deepcopy`` cost more than the rest of the branch hook's run."""
    if isinstance(value, list):
        return [plain_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: plain_copy(v) for k, v in value.items()}
    return value


class Key:
    """One policy key: ``kind`` is str, str?, int, float, bool, regex, list[str],
    map[str,str], map[str,list[str]], severity, enum:<a|b>, table (nested keys),
    list[table], map[table] or any (validated by ``check``)."""

    __slots__ = ('kind', 'default', 'doc', 'keys', 'check')

    def __init__(self, kind: str, default: Any, doc: str, keys: dict[str, Key] | None = None,
                 check: Callable[[str, object], object] | None = None) -> None:
        self.kind = kind
        self.default = default
        self.doc = doc
        self.keys = keys              # for table / list[table] / map[table]
        self.check = check            # custom validator: (name, value) -> value


def table(doc: str, **keys: Key) -> Key:
    return Key('table', None, doc, keys=keys)


def validate_table(schema: dict[str, Key], raw: dict[str, Any], prefix: str, where: str,
              sources: dict[str, str]) -> dict[str, Any]:
    unknown = sorted(set(raw) - set(schema))
    if unknown:
        name = prefix + unknown[0]
        known = ', '.join(sorted(schema)) or '(none)'
        raise ConfigError(f'{where}: unknown policy key {name!r}; expected one of: {known}')
    out: dict[str, Any] = {}
    for name, key in schema.items():
        full = prefix + name
        if key.kind == 'table':
            sub = raw.get(name, {})
            if not isinstance(sub, dict):
                raise ConfigError(f'{where}: policy key {full!r} must be a table')
            out[name] = validate_table(key.keys or {}, sub, full + '.', where, sources)
            continue
        if name in raw:
            out[name] = _coerce(full, key, raw[name], where)
            sources[full] = where
        else:
            out[name] = plain_copy(key.default)
            sources[full] = 'default'
    return out


def _type_error(where: str, name: str, expected: str, value: object) -> ConfigError:
    return ConfigError(f'{where}: policy key {name!r} must be {expected}, '
                       f'got {type(value).__name__} {value!r}')


def _coerce(name: str, key: Key, value: object, where: str) -> Any:
    kind = key.kind
    if key.check is not None:
        try:
            return key.check(name, value)
        except ConfigError as e:
            raise ConfigError(f'{where}: {e.message}') from None
    if kind == 'any':
        return value
    if kind == 'str' or (kind == 'str?' and value is not None):
        if not isinstance(value, str):
            raise _type_error(where, name, 'a string', value)
        return value
    if kind == 'int':
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _type_error(where, name, 'a non-negative integer', value)
        return value
    if kind == 'float':
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise _type_error(where, name, 'a number', value)
        return float(value)
    if kind == 'bool':
        if not isinstance(value, bool):
            raise _type_error(where, name, 'true or false', value)
        return value
    if kind == 'regex':
        if not isinstance(value, str):
            raise _type_error(where, name, 'a regular expression string', value)
        try:
            re.compile(value)
        except re.error as e:
            raise ConfigError(f'{where}: policy key {name!r} is not a valid regular '
                              f'expression: {e}') from None
        return value
    if kind == 'severity':
        if value not in SEVERITY_VALUES:
            raise _type_error(where, name, 'one of "error", "warning", "info"', value)
        return value
    if kind.startswith('enum:'):
        allowed = kind[5:].split('|')
        if value not in allowed:
            raise _type_error(where, name, 'one of ' + ', '.join(f'"{a}"' for a in allowed),
                              value)
        return value
    if kind == 'list[str]':
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _type_error(where, name, 'a list of strings', value)
        return list(value)
    if kind == 'map[str,str]':
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise _type_error(where, name, 'a table of strings', value)
        if name.endswith('severity'):
            for rule, sev in value.items():
                if sev not in SEVERITY_VALUES:
                    raise ConfigError(f'{where}: policy key {name}.{rule!r} must be one of '
                                      f'"error", "warning", "info", got {sev!r}')
        return dict(value)
    if kind == 'map[str,list[str]]':
        if not isinstance(value, dict) or not all(
                isinstance(v, list) and all(isinstance(x, str) for x in v)
                for v in value.values()):
            raise _type_error(where, name, 'a table of string lists', value)
        return {k: list(v) for k, v in value.items()}
    if kind == 'list[table]':
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise _type_error(where, name, 'an array of tables', value)
        return [validate_table(key.keys or {}, v, f'{name}[{i}].', where, {})
                for i, v in enumerate(value)]
    if kind == 'map[table]':
        if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
            raise _type_error(where, name, 'a table of tables', value)
        return {k: validate_table(key.keys or {}, v, f'{name}.{k}.', where, {})
                for k, v in value.items()}
    raise AssertionError(f'unknown policy kind {kind}')  # pragma: no cover
