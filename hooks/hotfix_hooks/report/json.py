"""The ``json`` report: ``{"tool": {...}, "schema_version": N, "findings": [...],
"summary": {...}}`` plus what the command adds (``extra``), and the document an exit-2
error prints under ``--format json`` (``{"error": {"message", "hint"}, ...}``).

``schema_version`` changes when a field is removed or changes meaning (adding a field
does not change it); scripts can check it before reading the rest."""
from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

from hotfix_hooks import __version__
from hotfix_hooks.findings import Finding
from hotfix_hooks.findings import summarize

TOOL_NAME = 'hotfix-hooks'
SCHEMA_VERSION = 1


def envelope() -> dict[str, Any]:
    """What every JSON document of hotfix-hooks starts with: which tool, which schema."""
    return {'tool': {'name': TOOL_NAME, 'version': __version__},
            'schema_version': SCHEMA_VERSION}


def render(findings: Sequence[Finding], extra: dict[str, Any] | None = None) -> str:
    payload: dict[str, Any] = {**envelope(), 'findings': [f.to_json() for f in findings],
                               'summary': summarize(findings)}
    if extra:
        payload.update({k: v for k, v in extra.items() if k not in payload})
    return dumps(payload) + '\n'


def render_error(message: str, hint: str | None) -> str:
    """The JSON document of a run that ended with exit 2 (or 130): what went wrong and how
    to fix it, so a script reading stdout always gets JSON."""
    payload = {**envelope(), 'error': {'message': message, 'hint': hint or ''}}
    return json.dumps(payload, indent=2) + '\n'


_ESCAPE: Callable[[str], str] = json.encoder.encode_basestring_ascii


def dumps(value: Any) -> str:
    """``json.dumps(value, indent=2)``, byte for byte, at a fraction of its cost on a long
    report: before Python 3.13 an indent makes ``json`` use its pure-Python encoder (a
    generator per container, a chunk per token), while here each string is escaped by the
    C function ``json`` uses and each container joined once. What this does not handle
    itself (a float, a non-string key, any other type) goes through ``json.dumps``, which
    gives the same text (and raises what it raises)."""
    return _encode(value, '\n')


def _encode(v: Any, nl: str) -> str:
    """``v`` as indented JSON; ``nl`` is a line feed and the indentation of ``v``'s line."""
    t = type(v)
    if t is str:
        return _ESCAPE(v)
    if v is None:
        return 'null'
    if v is True:
        return 'true'
    if v is False:
        return 'false'
    if t is int:
        return int.__repr__(v)
    inner = nl + '  '
    sep = ',' + inner
    if t is dict:
        if not v:
            return '{}'
        parts = []
        for k, x in v.items():
            if type(k) is not str:
                return _fallback(v, nl)
            # the scalars a finding holds written here, not by a call each (a third of
            # the report's time on 1,500 findings)
            tx = type(x)
            if tx is str:
                parts.append(f'{_ESCAPE(k)}: {_ESCAPE(x)}')
            elif x is None:
                parts.append(f'{_ESCAPE(k)}: null')
            elif tx is bool:
                parts.append(f'{_ESCAPE(k)}: {"true" if x else "false"}')
            elif tx is int:
                parts.append(f'{_ESCAPE(k)}: {int.__repr__(x)}')
            else:
                parts.append(f'{_ESCAPE(k)}: {_encode(x, inner)}')
        return '{' + inner + sep.join(parts) + nl + '}'
    if t is list or t is tuple:
        if not v:
            return '[]'
        if all(type(x) is str for x in v):
            return '[' + inner + sep.join(map(_ESCAPE, v)) + nl + ']'
        return '[' + inner + sep.join([_encode(x, inner) for x in v]) + nl + ']'
    return _fallback(v, nl)


def _fallback(v: Any, nl: str) -> str:
    # ``json`` escapes every line feed inside a string: the text's own line feeds are
    # the layout's, indented by the place of ``v``
    return json.dumps(v, indent=2).replace('\n', nl)
