"""``Rule``: one entry of the rule catalogue, and the categories and severities findings use.

Every rule the tool can report is declared once, as a ``Rule``, in the catalogue module of
its concern (``checks/naming_catalog.py``, ``checks/scope_catalog.py``,
``checks/contract_catalog.py``, ``actions/catalog.py``, ``migrations/catalog.py``,
``record/catalog.py``, ``gates/catalog.py``); ``hotfix_hooks.catalog`` collects them for the
``rules`` and ``explain`` commands, the reporters and the policy's validation of rule ids.

A plain class with ``__slots__`` (no dataclasses): the branch hook loads the catalogue when
the policy names rule ids, and must stay light.
"""
from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time
if TYPE_CHECKING:
    from typing import Any

SEVERITIES = ('error', 'warning', 'info')
CATEGORIES = ('naming', 'scope', 'contract', 'actions', 'migrations', 'record', 'gate',
              'policy')


class Rule:
    """One rule: what it reports and why, how to fix it, a bad and a good example.

    ``severity`` is the default severity (on a hotfix branch, where that matters);
    ``severity_note`` says when the tool reports it at another one. ``family`` groups the
    migration rules (irreversible, destructive, ...; reported as the finding's ``family``);
    ``group`` names the rules generated from one pattern (``request-*-max-length-decreased``)
    so that the documentation can show them in one row.
    """

    __slots__ = ('id', 'category', 'severity', 'summary', 'why', 'fix', 'bad', 'good',
                 'severity_note', 'family', 'group')

    def __init__(self, id: str, category: str, severity: str, *, summary: str, why: str,
                 fix: str, bad: str, good: str, severity_note: str = '', family: str = '',
                 group: str = '') -> None:
        if category not in CATEGORIES:
            raise ValueError(f'rule {id}: unknown category {category!r}')
        if severity not in SEVERITIES:
            raise ValueError(f'rule {id}: unknown severity {severity!r}')
        self.id = id
        self.category = category
        self.severity = severity
        self.summary = summary
        self.why = why
        self.fix = fix
        self.bad = bad
        self.good = good
        self.severity_note = severity_note
        self.family = family
        self.group = group

    def __repr__(self) -> str:
        return f'Rule({self.id!r}, {self.category}, {self.severity})'

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            'id': self.id, 'category': self.category, 'severity': self.severity,
            'summary': self.summary, 'why': self.why, 'fix': self.fix,
            'bad': self.bad, 'good': self.good,
        }
        if self.severity_note:
            data['severity_note'] = self.severity_note
        if self.family:
            data['family'] = self.family
        return data


HOTFIX_ONLY_NOTE = 'warning off hotfix branches (enforce_on = "hotfix", the default)'


def hotfix_only(rules: dict[str, Rule]) -> dict[str, Rule]:
    """The rules of a diff check (scope, contract, actions): off hotfix branches
    ``enforce_on = "hotfix"`` reports their errors as warnings, and their note says so."""
    for r in rules.values():
        if r.severity == 'error':
            r.severity_note = (f'{r.severity_note}; {HOTFIX_ONLY_NOTE}' if r.severity_note
                               else HOTFIX_ONLY_NOTE)
    return rules


def table(*rules: Rule) -> dict[str, Rule]:
    """The rules of one catalogue module, by id (a repeated id is a mistake)."""
    out: dict[str, Rule] = {}
    for r in rules:
        if r.id in out:
            raise ValueError(f'rule {r.id} is declared twice')
        out[r.id] = r
    return out
