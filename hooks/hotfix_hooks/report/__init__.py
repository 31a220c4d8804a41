"""Reporters, one module per output format: ``text`` (grouped per file, colour on a TTY,
NO_COLOR honoured), ``json`` (``{"findings": [...], "summary": {...}}``) and ``github``
(workflow-command annotations). ``render`` picks one and writes it to a stream."""
from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any
from typing import TextIO

from hotfix_hooks.findings import Finding

FORMATS = ('text', 'json', 'github')


def render(findings: Sequence[Finding], fmt: str = 'text', *, stream: TextIO | None = None,
           header: Sequence[str] = (), extra: dict[str, Any] | None = None,
           ok_message: str = '') -> None:
    stream = stream or sys.stdout
    ordered = sorted(findings, key=Finding.sort_key)
    if fmt == 'json':
        from hotfix_hooks.report import json

        stream.write(json.render(ordered, extra))
    elif fmt == 'github':
        from hotfix_hooks.report import github

        stream.write(github.render(ordered))
    else:
        from hotfix_hooks.report import text

        stream.write(text.render(ordered, color=text.use_color(stream), header=header,
                                 ok_message=ok_message))
    stream.flush()
