"""The ``gitlab`` report: GitLab Code Quality (the Code Climate issue format GitLab reads as
``artifacts: reports: codequality``), a JSON array of issues with ``description``,
``check_name`` (the rule id), ``fingerprint`` (the finding's stable fingerprint),
``severity`` (info, minor, major, critical, blocker), ``location.path`` and
``location.lines.begin``.

Severities: an error (the run fails) is ``critical``, a warning ``major``, info ``info``; a
waived finding is ``info`` and says it is waived and why. A finding about no file (the branch
name, the scope budget) is located at ``anchor``, line 1 (GitLab needs a path); without an
anchor it is left out.
"""
from __future__ import annotations

import json
from collections.abc import Sequence

from hotfix_hooks import catalog
from hotfix_hooks.findings import Finding

TYPE_CHECKING = False  # typing is not imported at run time
if TYPE_CHECKING:
    from typing import Any

SEVERITIES = {'error': 'critical', 'warning': 'major', 'info': 'info'}
# Code Climate categories
_CATEGORIES = {'naming': 'Style', 'scope': 'Complexity', 'contract': 'Compatibility',
               'actions': 'Bug Risk', 'migrations': 'Bug Risk', 'record': 'Clarity',
               'gate': 'Bug Risk'}


def issue(f: Finding, anchor: str | None = None) -> dict[str, Any] | None:
    path = f.path or anchor
    if not path:
        return None
    description = f'[{f.rule}] {f.message}' + (f' -- fix: {f.hint}' if f.hint else '')
    severity = SEVERITIES[f.severity]
    if f.waived:
        reason = (f.waiver or {}).get('reason', '')
        description = f'(waived: {reason}) {description}'
        severity = 'info'
    if not f.path:
        description += ' (about the repository, not this file)'
    out: dict[str, Any] = {
        'type': 'issue',
        'engine_name': 'hotfix-hooks',
        'check_name': f.rule,
        'description': description,
        'categories': [_CATEGORIES.get(f.category, 'Bug Risk')],
        'fingerprint': f.fingerprint,
        'severity': severity,
        'location': {'path': path, 'lines': {'begin': (f.line or 1) if f.path else 1}},
    }
    rule = catalog.get(f.rule)
    if rule is not None:
        out['content'] = {'body': f'{rule.summary}\n\n**Why it matters**: {rule.why}\n\n'
                                  f'**How to fix**: {rule.fix}\n\n- Bad: {rule.bad}\n'
                                  f'- Good: {rule.good}'}
    return out


def render(findings: Sequence[Finding], anchor: str | None = None) -> str:
    issues = [i for i in (issue(f, anchor) for f in findings) if i is not None]
    return json.dumps(issues, indent=2) + '\n'
