"""The ``json`` report: ``{"findings": [...], "summary": {...}}`` plus what the command
adds (``extra``)."""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from hotfix_hooks.findings import Finding
from hotfix_hooks.findings import summarize


def render(findings: Sequence[Finding], extra: dict[str, Any] | None = None) -> str:
    payload: dict[str, Any] = {'findings': [f.to_json() for f in findings],
                               'summary': summarize(findings)}
    if extra:
        payload.update({k: v for k, v in extra.items() if k not in payload})
    return json.dumps(payload, indent=2) + '\n'
