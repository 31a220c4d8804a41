"""The ``markdown`` report: a summary for a CI job summary (``$GITHUB_STEP_SUMMARY``) or a
merge request note: the verdict, the counts, and a table of the findings (severity, rule,
file:line, message, fix), errors first. Long runs are cut at ``MAX_ROWS`` rows (a job
summary holds 1 MiB) with the count of the rest."""
from __future__ import annotations

from collections.abc import Sequence

from hotfix_hooks.findings import Finding
from hotfix_hooks.findings import summarize

MAX_ROWS = 200
_ICONS = {'error': ':x: error', 'warning': ':warning: warning',
          'info': ':information_source: info', 'waived': ':white_check_mark: waived'}
_ORDER = {'error': 0, 'warning': 1, 'info': 2}


def _cell(text: str) -> str:
    return (text.replace('\\', '\\\\').replace('|', '\\|').replace('\r', ' ')
            .replace('\n', ' ').replace('<', '&lt;').replace('>', '&gt;'))


def _code(text: str) -> str:
    if '`' in text:
        return _cell(text)
    return f'`{_cell(text)}`'


def render(findings: Sequence[Finding], title: str = 'hotfix-hooks',
           notes: Sequence[str] = (), ok_message: str = '') -> str:
    s = summarize(findings)
    blocking = any(f.blocking for f in findings)
    verdict = 'FAILED' if blocking else 'passed'
    icon = ':x:' if blocking else ':white_check_mark:'
    lines = [f'### {icon} {_cell(title)}: {verdict}', '']
    if not findings:
        lines += [_cell(ok_message) if ok_message else 'No findings.', '']
    else:
        counts = (f'{s["error"]} error(s), {s["warning"]} warning(s), {s["info"]} info'
                  + (f', {s["waived"]} waived' if s['waived'] else ''))
        lines += [counts, '', '| severity | rule | where | finding | how to fix |',
                  '|---|---|---|---|---|']
        ordered = sorted(findings, key=lambda f: (f.waived, _ORDER[f.severity],
                                                  f.path or '', f.line or 0, f.rule))
        for f in ordered[:MAX_ROWS]:
            where = (f'{f.path}:{f.line}' if f.path and f.line else f.path) or '(repository)'
            message = f.message
            if f.waived:
                message += f' (waived: {(f.waiver or {}).get("reason", "")})'
            label = _ICONS['waived' if f.waived else f.severity]
            lines.append(f'| {label} | `{f.rule}` | {_code(where)} | {_cell(message)} | '
                         f'{_cell(f.hint)} |')
        if len(ordered) > MAX_ROWS:
            lines += ['', f'... and {len(ordered) - MAX_ROWS} more finding(s): see the full '
                          'report (--format json, sarif or text).']
        lines += ['', '`hotfix-hooks explain RULE` says why a rule matters and how to fix '
                      'it.']
    if notes:
        lines += [''] + [f'> {_cell(n)}  ' for n in notes]
    return '\n'.join(lines).rstrip('\n') + '\n'
