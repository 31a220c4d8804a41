"""The ``json`` report: ``{"tool": {...}, "schema_version": N, "findings": [...],
"summary": {...}}`` plus what the command adds (``extra``), and the document an exit-2
error prints under ``--format json`` (``{"error": {"message", "hint"}, ...}``).

``schema_version`` changes when a field is removed or changes meaning (adding a field
does not change it); scripts can check it before reading the rest."""
from __future__ import annotations

import json
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
    return json.dumps(payload, indent=2) + '\n'


def render_error(message: str, hint: str | None) -> str:
    """The JSON document of a run that ended with exit 2 (or 130): what went wrong and how
    to fix it, so a script reading stdout always gets JSON."""
    payload = {**envelope(), 'error': {'message': message, 'hint': hint or ''}}
    return json.dumps(payload, indent=2) + '\n'
