"""The status message template: ``{field}`` placeholders filled from facts only.

The default is the ARIS3 v1 communication template (``[tool.hotfix-hooks.record]
status_template``); another team sets its own text with the same placeholders.
"""
from __future__ import annotations

UNKNOWN = 'unknown'

FIELDS: dict[str, str] = {
    'ticket': 'the ticket (record, else the branch)',
    'severity': 'P0 | P1 | P2 (record)',
    'customer_impact': 'record customer_impact',
    'decision': 'record decision (patch-forward | rollback-first)',
    'change_scope': 'record change_scope',
    'frozen_rules': 'PASS/FAIL: no blocking finding of the diff checks on the change',
    'smoke': 'result of the smoke gate on this commit',
    'integrity': 'result of the integrity gate on this commit',
    'targeted_regression': 'results of the impacted domains\' regression subsets',
    'rollback_plan': 'record rollback command / release tag',
    'rollback_dry_run': 'result of the rollback dry-run on this commit',
    'owner': 'record owner',
    'next_update_utc': 'record next_update_utc',
    'eligibility': 'record eligibility',
    'recommendation': 'rollback-first | patch-forward, from the conditions',
    'approvals': 'who approved, who is pending',
    'branch': 'the branch',
    'commit': 'the commit (12 hex digits)',
}


def template_problem(template: str) -> str:
    """Why ``template`` cannot be used ('' when it can)."""
    import string  # only when a team sets its own template

    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as e:
        return f'not a valid template ({e}; write literal braces as {{{{ and }}}})'
    for _literal, name, spec, conv in parts:
        if name is None:
            continue
        if name not in FIELDS:
            return (f'unknown placeholder {{{name}}}; known: '
                    + ', '.join('{' + f + '}' for f in FIELDS))
        if spec or conv:
            return f'placeholder {{{name}}} takes no format spec or conversion'
    return ''


def render(template: str, values: dict[str, str]) -> str:
    """Fill the template; a missing or empty value is written as ``unknown``."""
    filled = {k: (str(values.get(k) or '').strip() or UNKNOWN) for k in FIELDS}
    text = template.format_map(filled)
    return text if text.endswith('\n') else text + '\n'
