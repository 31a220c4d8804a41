"""Reporters, one module per output format: ``text`` (grouped per file, colour on a TTY,
NO_COLOR honoured), ``json`` (``{"findings": [...], "summary": {...}}``), ``github``
(workflow-command annotations), ``sarif`` (SARIF 2.1.0, for code scanning), ``gitlab``
(the GitLab Code Quality report), ``junit`` (JUnit XML: a testcase per check and file) and
``markdown`` (a summary for a job summary or a merge request note). ``render`` picks one and
writes it to a stream; only the chosen format's module loads."""
from __future__ import annotations

import sys
from collections.abc import Sequence

from hotfix_hooks.findings import Finding
from hotfix_hooks.findings import stamp

TYPE_CHECKING = False  # typing is not imported at run time
if TYPE_CHECKING:
    from typing import Any
    from typing import TextIO

FORMATS = ('text', 'json', 'github', 'sarif', 'gitlab', 'junit', 'markdown')


def render(findings: Sequence[Finding], fmt: str = 'text', *, stream: TextIO | None = None,
           header: Sequence[str] = (), extra: dict[str, Any] | None = None,
           ok_message: str = '', title: str = 'hotfix-hooks', checks: Sequence[str] = (),
           anchor: str | None = None, notes: Sequence[str] = ()) -> None:
    """Write ``findings`` in ``fmt`` to ``stream`` (stdout).

    ``header`` (lines above the text report), ``notes`` (of the markdown summary) and
    ``ok_message`` (what a clean run says) are for the text and markdown reports; ``extra``
    is added to the json payload; ``title`` names the command (markdown, junit);
    ``checks`` are the checks that ran (junit lists a passing testcase for each one without
    findings); ``anchor`` is a repository file the formats that need a file for every
    finding (sarif, gitlab) use for findings about no file (the branch name, the scope
    budget, a gate).
    """
    stream = stream or sys.stdout
    ordered = sorted(findings, key=Finding.sort_key)
    if fmt != 'text':
        stamp(ordered)
    if fmt == 'json':
        from hotfix_hooks.report import json

        stream.write(json.render(ordered, extra))
    elif fmt == 'github':
        from hotfix_hooks.report import github

        stream.write(github.render(ordered))
    elif fmt == 'sarif':
        from hotfix_hooks.report import sarif

        stream.write(sarif.render(ordered, anchor=anchor))
    elif fmt == 'gitlab':
        from hotfix_hooks.report import gitlab

        stream.write(gitlab.render(ordered, anchor=anchor))
    elif fmt == 'junit':
        from hotfix_hooks.report import junit

        stream.write(junit.render(ordered, title=title, checks=checks))
    elif fmt == 'markdown':
        from hotfix_hooks.report import markdown

        stream.write(markdown.render(ordered, title=title, notes=notes,
                                     ok_message=ok_message))
    else:
        from hotfix_hooks.report import text

        stream.write(text.render(ordered, color=text.use_color(stream), header=header,
                                 ok_message=ok_message))
    stream.flush()
