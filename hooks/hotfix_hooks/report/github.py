"""The ``github`` report: GitHub Actions workflow-command annotations (``::error file=...``)
and a summary line."""
from __future__ import annotations

from collections.abc import Sequence

from hotfix_hooks.findings import Finding
from hotfix_hooks.findings import summarize


def _esc_data(s: str) -> str:
    return s.replace('%', '%25').replace('\r', '%0D').replace('\n', '%0A')


def _esc_prop(s: str) -> str:
    return _esc_data(s).replace(':', '%3A').replace(',', '%2C')


def render(findings: Sequence[Finding]) -> str:
    out = []
    level = {'error': 'error', 'warning': 'warning', 'info': 'notice'}
    for f in findings:
        props = []
        if f.path:
            props.append(f'file={_esc_prop(f.path)}')
            if f.line:
                props.append(f'line={f.line}')
        props.append(f'title={_esc_prop(f.rule)}')
        msg = f.message + (f' -- fix: {f.hint}' if f.hint else '')
        lvl = 'notice' if f.waived else level[f.severity]
        if f.waived:
            msg = '(waived) ' + msg
        out.append(f'::{lvl} {",".join(props)}::{_esc_data(msg)}')
    s = summarize(findings)
    out.append(f'hotfix-hooks: {s["error"]} error(s), {s["warning"]} warning(s), '
               f'{s["info"]} info, {s["waived"]} waived')
    return '\n'.join(out) + '\n'
