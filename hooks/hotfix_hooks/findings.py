"""Findings: what every check returns, and how severities combine into an exit code."""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

SEVERITIES = ('error', 'warning', 'info')
CATEGORIES = ('naming', 'scope', 'contract', 'actions', 'migrations', 'record', 'gate',
              'policy')
_RANK = {'error': 0, 'warning': 1, 'info': 2}


@dataclasses.dataclass(eq=False, slots=True)
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
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    waived: bool = False
    waiver: dict[str, Any] | None = None

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
        return dataclasses.replace(self, **changes)

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


def exit_code(findings: Iterable[Finding]) -> int:
    """0 when nothing blocks, 1 when at least one unwaived error."""
    return 1 if any(f.blocking for f in findings) else 0


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
