"""The ``text`` report: findings grouped per file, colour on a TTY (``NO_COLOR`` and
``FORCE_COLOR`` honoured), a one-line verdict."""
from __future__ import annotations

import os
from collections.abc import Sequence

from hotfix_hooks.findings import Finding
from hotfix_hooks.findings import summarize

TYPE_CHECKING = False  # typing is not imported at run time
if TYPE_CHECKING:
    from typing import TextIO

_COLORS = {'error': '\033[31m', 'warning': '\033[33m', 'info': '\033[36m',
           'waived': '\033[35m', 'bold': '\033[1m', 'dim': '\033[2m', 'reset': '\033[0m'}


def use_color(stream: TextIO) -> bool:
    if os.environ.get('NO_COLOR'):
        return False
    if os.environ.get('FORCE_COLOR') or os.environ.get('PRE_COMMIT_COLOR') == 'always':
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _one_line(text: str) -> str:
    """A path with a newline or tab must not break the one-line-per-finding layout."""
    return text.replace('\\', '\\\\').replace('\n', '\\n').replace('\t', '\\t') \
        if ('\n' in text or '\t' in text) else text


def _label(f: Finding) -> str:
    return 'waived' if f.waived else f.severity


def render(findings: Sequence[Finding], color: bool = False, header: Sequence[str] = (),
         ok_message: str = '') -> str:
    def c(name: str, s: str) -> str:
        return f'{_COLORS[name]}{s}{_COLORS["reset"]}' if color else s

    lines = [c('dim', h) for h in header]
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.path or '(repository)', []).append(f)
    for raw_path, items in groups.items():
        path = _one_line(raw_path)
        lines.append(c('bold', path))
        for f in items:
            loc = f'{path}:{f.line}: ' if f.line and f.path else (f'{path}: ' if f.path else '')
            label = _label(f)
            lines.append(f'  {loc}{c(label, label)} [{f.rule}] {f.message}')
            op = f.extra.get('operation')
            if op:
                lines.append(f'      operation: {op}')
            if f.extra.get('pointer'):
                lines.append(f'      at: {f.extra["pointer"]}')
            affected = f.extra.get('affected')
            if affected:
                shown = ', '.join(affected[:8]) + (f' (+{len(affected) - 8} more)'
                                                   if len(affected) > 8 else '')
                lines.append(f'      affects: {shown}')
            if f.hint:
                lines.append(f'      fix: {f.hint}')
            if f.waived and f.waiver:
                lines.append(f'      waived: {f.waiver.get("reason", "")}')
    s = summarize(findings)
    if findings:
        parts = [f'{s["error"]} error(s)', f'{s["warning"]} warning(s)', f'{s["info"]} info']
        if s['waived']:
            parts.append(f'{s["waived"]} waived')
        verdict = c('error', 'FAILED') if s['error'] else c('bold', 'passed')
        lines.append(f'hotfix-hooks: {verdict}: ' + ', '.join(parts))
    elif ok_message:
        lines.append(ok_message)
    return '\n'.join(lines) + ('\n' if lines else '')
