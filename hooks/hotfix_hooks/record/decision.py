"""Rollback-first or patch-forward: the protocol's four conditions, declared in the record
or derived from the change, and whether the record's decision agrees."""
from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Any
from typing import TYPE_CHECKING

from hotfix_hooks.findings import Finding
from hotfix_hooks.record import waivers
from hotfix_hooks.record.model import CONDITIONS
from hotfix_hooks.record.model import Record
from hotfix_hooks.record.model import Waiver

if TYPE_CHECKING:
    from hotfix_hooks.policy import Policy


@dataclasses.dataclass
class Reason:
    condition: str
    value: bool | None            # None: unknown (no record, or the field is missing)
    source: str                   # 'record' | 'derived' | 'record+derived' | 'unknown'
    text: str


@dataclasses.dataclass
class Verdict:
    recommendation: str           # rollback-first | patch-forward
    reasons: list[Reason]
    recorded: str | None          # the record's decision
    unknown: list[str]

    @property
    def matches(self) -> bool:
        """The record's decision is right: rollback-first is always allowed; patch-forward
        only when every condition is known and false."""
        if self.recorded == 'rollback-first':
            return True
        return self.recorded == 'patch-forward' == self.recommendation and not self.unknown

    def to_json(self) -> dict[str, Any]:
        return {'recommendation': self.recommendation, 'record_decision': self.recorded,
                'matches': self.matches, 'unknown': self.unknown,
                'reasons': [dataclasses.asdict(r) for r in self.reasons]}


def integrity_waiver(rec: Record | None, policy: Policy | None,
                     rejected: Collection[int] = ()) -> Waiver | None:
    """A valid exception for ``record-data-integrity-undeclared``: the owners judged the
    derived data-integrity risk trivial, so the record's "false" stands. ``rejected``: the
    exceptions the owners have not approved (after their last change)."""
    if rec is None or policy is None:
        return None
    probe = Finding(rule='record-data-integrity-undeclared', category='record',
                    severity='error', message='', path=rec.path,
                    extra={'field': 'conditions.data_integrity_risk'})   # as record/rules.py
    for w in rec.exceptions:
        if w.index in rejected:
            continue
        if waivers.matches(w, probe) and not waivers.problems(w, rec, policy)[0]:
            return w
    return None


def decide(rec: Record | None, derived: list[str], policy: Policy | None = None,
           rejected: Collection[int] = ()) -> Verdict:
    """Rollback-first when any condition holds (declared, or derived from the change).

    With ``policy``, an approved exception for ``record-data-integrity-undeclared`` lets the
    record's ``data_integrity_risk = false`` stand against the derived risk (``rejected``:
    exceptions that do not count, as ``record/approvals.py`` verified them).
    """
    reasons = []
    unknown = []
    accepted = integrity_waiver(rec, policy, rejected)
    for name, label in CONDITIONS.items():
        declared = rec.conditions.get(name) if rec is not None else None
        if name == 'data_integrity_risk' and derived and declared is False and accepted:
            reasons.append(Reason(name, False, 'record (derived risk waived)',
                                  f'{label}: no (record; the derived risk - '
                                  f'{"; ".join(derived)} - is waived: {accepted.reason})'))
            continue
        if name == 'data_integrity_risk' and derived:
            source = 'record+derived' if declared else 'derived'
            reasons.append(Reason(name, True, source,
                                  f'{label}: the change touches data ({"; ".join(derived)})'))
            continue
        if declared is None:
            unknown.append(name)
            reasons.append(Reason(name, None, 'unknown', f'{label}: unknown (not in the '
                                                         'record)'))
        else:
            reasons.append(Reason(name, declared, 'record',
                                  f'{label}: {"yes" if declared else "no"} (record)'))
    rollback = any(r.value for r in reasons)
    return Verdict('rollback-first' if rollback else 'patch-forward', reasons,
                   rec.decision or None if rec is not None else None, unknown)
