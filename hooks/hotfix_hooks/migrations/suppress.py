"""Inline suppressions.

    # hotfix-hooks: ignore[migration-drop-column] reason="emptied in 0041"
    op.drop_column('users', 'legacy')
    -- hotfix-hooks: ignore[migration-update-without-where] reason="one-row config table"
    # hotfix-hooks: ignore-file[migration-index-not-concurrent] reason="table is empty"

A suppression applies to a finding on its own line, on the line below it, or anywhere in
the span of the statement the finding points at. ``ignore-file`` applies to the whole
file. A reason is required: without one the suppression does not apply and is reported.
"""
from __future__ import annotations

import re

from hotfix_hooks.migrations.model import Suppression

_RX = re.compile(
    r'(?:#|--)\s*hotfix-hooks:\s*ignore(?P<file>-file)?\s*\[(?P<rules>[^\]]*)\]'
    r'(?:\s*reason\s*=\s*(?:"(?P<r1>[^"]*)"|\'(?P<r2>[^\']*)\'))?')


def scan(path: str, text: str) -> list[Suppression]:
    """All suppression comments of a file (cheap: one regex pass per matching line)."""
    if 'hotfix-hooks:' not in text:
        return []
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if 'hotfix-hooks:' not in line:
            continue
        for m in _RX.finditer(line):
            rules = tuple(r.strip() for r in m.group('rules').split(',') if r.strip())
            reason = m.group('r1') if m.group('r1') is not None else m.group('r2')
            reason = reason.strip() if reason else None
            out.append(Suppression(path=path, line=n, rules=rules, reason=reason or None,
                                   whole_file=bool(m.group('file'))))
    return out


def matches(sup: Suppression, rule: str, path: str | None,
            spans: list[tuple[int, int]]) -> bool:
    if path != sup.path or rule not in sup.rules:
        return False
    if sup.whole_file:
        return True
    return any(start - 1 <= sup.line <= end for start, end in spans)
