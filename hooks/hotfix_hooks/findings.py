"""Findings: what every check returns, how severities combine into an exit code, and the
stable fingerprint of each finding."""
from __future__ import annotations

import re
from collections.abc import Iterable

from hotfix_hooks import digests
from hotfix_hooks import fastclass
from hotfix_hooks.fastclass import dataclass
from hotfix_hooks.rule import CATEGORIES
from hotfix_hooks.rule import SEVERITIES

TYPE_CHECKING = False  # typing is not imported at run time
if TYPE_CHECKING:
    from typing import Any

__all__ = ['CATEGORIES', 'SEVERITIES', 'Finding', 'apply_policy', 'exit_code', 'fingerprint',
           'lower', 'stamp', 'summarize']

_RANK = {'error': 0, 'warning': 1, 'info': 2}

# The ``extra`` keys that name what a finding is about (the operation, the JSON pointer, the
# route, the migration statement, the record field, the gate ...): with the rule and the
# path they make the fingerprint. Lines, logs, commits and derived lists are left out, so a
# finding keeps its fingerprint when lines are inserted above it or the gate runs again.
SUBJECT_KEYS = ('operation', 'pointer', 'route', 'middleware', 'statement', 'table', 'column',
                'field', 'role', 'gate', 'branch', 'tag', 'title', 'exception', 'heads',
                'base_heads', 'refs')
_DIGITS = re.compile(r'[0-9]+')
# ``Finding``'s default ``extra``: never stored (a fresh dict instead)
_NO_EXTRA: Any = {}


@dataclass(eq=False, slots=True)
class Finding:
    """One problem found by a check.

    ``rule`` is a self-explaining kebab-case id (``api-operation-removed``).
    ``path``/``line`` point at the place to fix (``line`` is 1-based, ``None`` when the
    finding is about the whole file or about no file at all).
    ``hint`` says how to fix it. ``extra`` carries check-specific details that reporters
    print when present (``operation``, ``pointer``, ``affected`` ...).
    """

    rule: str
    category: str
    severity: str
    message: str
    path: str | None = None
    line: int | None = None
    hint: str = ''
    extra: dict[str, Any] = fastclass.field(default_factory=dict)
    waived: bool = False
    waiver: dict[str, Any] | None = None
    fingerprint: str = ''         # set by stamp(); to_json() computes it when unset

    # written out (as ``dataclasses`` keeps a class's own ``__init__``, so does
    # ``fastclass``): source, so no compilation at import, and 2.7 us a finding instead of
    # 5.8. It lists the fields above in order with their defaults
    # (tests/test_findings_init.py checks that it stays so).
    def __init__(self, rule: str, category: str, severity: str, message: str,
                 path: str | None = None, line: int | None = None, hint: str = '',
                 extra: dict[str, Any] = _NO_EXTRA, waived: bool = False,
                 waiver: dict[str, Any] | None = None, fingerprint: str = '') -> None:
        self.rule = rule
        self.category = category
        self.severity = severity
        self.message = message
        self.path = path
        self.line = line
        self.hint = hint
        self.extra = {} if extra is _NO_EXTRA else extra     # the default_factory
        self.waived = waived
        self.waiver = waiver
        self.fingerprint = fingerprint
        self.__post_init__()

    def __post_init__(self) -> None:
        if self.severity not in _RANK:
            raise ValueError(f'unknown severity {self.severity!r}')
        if self.category not in CATEGORIES:
            raise ValueError(f'unknown category {self.category!r}')

    def __repr__(self) -> str:
        return (f'Finding({self.rule!r}, {self.severity}, {self.path}:{self.line}, '
                f'{self.message!r})')

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Finding) and self.to_json() == other.to_json()

    def replace(self, **changes: Any) -> Finding:
        changes.setdefault('extra', dict(self.extra))
        changes.setdefault('fingerprint', '')      # a changed finding is stamped anew
        return fastclass.replace(self, **changes)

    @property
    def blocking(self) -> bool:
        """True when this finding makes the run fail (an unwaived error)."""
        return self.severity == 'error' and not self.waived

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            'rule': self.rule,
            'category': self.category,
            'severity': self.severity,
            'path': self.path,
            'line': self.line,
            'message': self.message,
            'hint': self.hint,
        }
        if self.extra:
            data.update({k: v for k, v in self.extra.items() if k not in data})
        data['waived'] = self.waived
        if self.waiver is not None:
            data['waiver'] = self.waiver
        data['fingerprint'] = self.fingerprint or fingerprint(self)
        return data

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path or '', self.line or 0, _RANK[self.severity], self.rule)


def lower(severity: str) -> str:
    """One level lower: error -> warning -> info -> info."""
    return {'error': 'warning', 'warning': 'info', 'info': 'info'}[severity]


def summarize(findings: Iterable[Finding]) -> dict[str, int]:
    summary = {'error': 0, 'warning': 0, 'info': 0, 'waived': 0, 'total': 0}
    for f in findings:
        summary['total'] += 1
        if f.waived:
            summary['waived'] += 1
        else:
            summary[f.severity] += 1
    return summary


def at_least(severity: str, threshold: str) -> bool:
    """``severity`` is ``threshold`` or more severe (error > warning > info)."""
    return _RANK[severity] <= _RANK[threshold]


def exit_code(findings: Iterable[Finding], fail_on: str = 'error') -> int:
    """0 when nothing blocks, 1 when at least one unwaived finding at ``fail_on`` or more
    severe (``error`` by default; ``warning`` makes warnings fail the run too)."""
    return 1 if any(not f.waived and at_least(f.severity, fail_on) for f in findings) else 0


def shown(findings: Iterable[Finding], min_severity: str = 'info') -> list[Finding]:
    """The findings at ``min_severity`` or more severe (what ``--min-severity`` shows)."""
    return [f for f in findings if at_least(f.severity, min_severity)]


def apply_policy(findings: list[Finding], severity_overrides: dict[str, str],
                 disabled: Iterable[str]) -> list[Finding]:
    """Apply the policy's per-rule severity overrides and disabled rules."""
    off = set(disabled)
    out = []
    for f in findings:
        if f.rule in off:
            continue
        if f.rule in severity_overrides:
            f.severity = severity_overrides[f.rule]
        out.append(f)
    return out


def _subject(f: Finding) -> str:
    """What the finding is about: its subject keys, else its message with numbers blanked
    (a message may name a line or a count that moves)."""
    parts = [f'{k}={f.extra[k]!r}' for k in SUBJECT_KEYS if f.extra.get(k) not in (None, '')]
    return '\n'.join(parts) if parts else _DIGITS.sub('#', f.message)


def fingerprint(f: Finding, occurrence: int = 1) -> str:
    """A stable id of a finding: rule, path and subject (never the line). ``occurrence``
    tells apart findings that share all three (the second identical statement of a file)."""
    key = f'{f.rule}\0{f.path or ""}\0{_subject(f)}'
    if occurrence > 1:
        key += f'\0{occurrence}'
    return digests.sha256(key.encode('utf-8', 'surrogateescape')).hexdigest()[:16]


def stamp(findings: Iterable[Finding]) -> None:
    """Give every finding without one its fingerprint; findings that share rule, path and
    subject are numbered in line order, so each fingerprint is unique in a run."""
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        if not f.fingerprint:
            groups.setdefault(fingerprint(f), []).append(f)
    for base, group in groups.items():
        group.sort(key=lambda x: (x.line or 0, x.message))
        for n, f in enumerate(group, 1):
            f.fingerprint = base if n == 1 else fingerprint(f, n)
