"""The ``json`` report: ``{"tool": {...}, "schema_version": N, "findings": [...],
"summary": {...}}`` plus what the command adds (``extra``), and the document an exit-2
error prints under ``--format json`` (``{"error": {"message", "hint"}, ...}``).

``schema_version`` changes when a field is removed or changes meaning (adding a field
does not change it); scripts can check it before reading the rest."""
from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Sequence

from hotfix_hooks import __version__
from hotfix_hooks.findings import Finding
from hotfix_hooks.findings import fingerprint
from hotfix_hooks.findings import summarize

TYPE_CHECKING = False  # typing is not imported at run time
if TYPE_CHECKING:
    from typing import Any

TOOL_NAME = 'hotfix-hooks'
SCHEMA_VERSION = 1


def envelope() -> dict[str, Any]:
    """What every JSON document of hotfix-hooks starts with: which tool, which schema."""
    return {'tool': {'name': TOOL_NAME, 'version': __version__},
            'schema_version': SCHEMA_VERSION}


def render(findings: Sequence[Finding], extra: dict[str, Any] | None = None) -> str:
    # the findings themselves: ``_encode`` writes each as its ``to_json()`` would be
    # written, without building that dict first
    payload: dict[str, Any] = {**envelope(), 'findings': list(findings),
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
        parts: list[str] = []
        if not _members(v, (), parts, inner):
            return _fallback(v, nl)
        return '{' + inner + sep.join(parts) + nl + '}'
    if t is Finding:
        return _finding(v, nl)
    if t is list or t is tuple:
        if not v:
            return '[]'
        if all(type(x) is str for x in v):
            return '[' + inner + sep.join(map(_ESCAPE, v)) + nl + ']'
        return '[' + inner + sep.join([_encode(x, inner) for x in v]) + nl + ']'
    return _fallback(v, nl)


def _members(v: dict[Any, Any], skip: tuple[str, ...], parts: list[str], inner: str) -> bool:
    """Append ``"key": value`` for each item of ``v`` whose key is not in ``skip`` to
    ``parts`` (values indented as ``inner``); False when a key is not a string."""
    append = parts.append
    for k, x in v.items():
        if type(k) is not str:
            return False
        if k in skip:
            continue
        # the scalars a finding holds written here, not by a call each (a third of the
        # report's time on 1,500 findings)
        tx = type(x)
        if tx is str:
            append(f'{_ESCAPE(k)}: {_ESCAPE(x)}')
        elif x is None:
            append(f'{_ESCAPE(k)}: null')
        elif tx is bool:
            append(f'{_ESCAPE(k)}: {"true" if x else "false"}')
        elif tx is int:
            append(f'{_ESCAPE(k)}: {int.__repr__(x)}')
        else:
            append(f'{_ESCAPE(k)}: {_encode(x, inner)}')
    return True


# the keys ``Finding.to_json`` writes before the finding's ``extra`` (an ``extra`` key among
# them is left out), and those it sets after it (an ``extra`` key among them would keep
# its place with the finding's value: written through ``to_json`` then)
_HEAD = ('rule', 'category', 'severity', 'path', 'line', 'message', 'hint')
_TAIL = frozenset(('waived', 'waiver', 'fingerprint'))


def _finding(f: Finding, nl: str) -> str:
    """``_encode(f.to_json(), nl)`` without building the dict."""
    extra = f.extra
    path, line, hint = f.path, f.line, f.hint
    rule, category, severity, message = f.rule, f.category, f.severity, f.message
    if (type(extra) is not dict or not _TAIL.isdisjoint(extra) or type(hint) is not str
            or type(rule) is not str or type(category) is not str
            or type(severity) is not str or type(message) is not str
            or not (path is None or type(path) is str)
            or not (line is None or type(line) is int) or type(f.waived) is not bool):
        return _encode(f.to_json(), nl)
    inner = nl + '  '
    esc = _ESCAPE
    parts = [f'"rule": {esc(rule)}', f'"category": {esc(category)}',
             f'"severity": {esc(severity)}',
             '"path": null' if path is None else f'"path": {esc(path)}',
             '"line": null' if line is None else f'"line": {int.__repr__(line)}',
             f'"message": {esc(message)}', f'"hint": {esc(hint)}']
    if extra and not _members(extra, _HEAD, parts, inner):
        return _encode(f.to_json(), nl)
    parts.append('"waived": true' if f.waived else '"waived": false')
    if f.waiver is not None:
        parts.append(f'"waiver": {_encode(f.waiver, inner)}')
    fp = f.fingerprint or fingerprint(f)
    parts.append(f'"fingerprint": {esc(fp)}' if type(fp) is str
                 else f'"fingerprint": {_encode(fp, inner)}')
    return '{' + inner + (',' + inner).join(parts) + nl + '}'


def _fallback(v: Any, nl: str) -> str:
    # ``json`` escapes every line feed inside a string: the text's own line feeds are
    # the layout's, indented by the place of ``v``
    return json.dumps(v, indent=2).replace('\n', nl)
