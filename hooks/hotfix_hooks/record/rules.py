"""The record rules that need the branch, the policy and the change: ticket vs branch,
eligibility, approvals, the data-integrity condition and the rollback-first decision
(``parse`` in ``model.py`` has already reported every missing or malformed field)."""
from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from hotfix_hooks.findings import Finding
from hotfix_hooks.record.decision import decide
from hotfix_hooks.record.model import Record

if TYPE_CHECKING:
    from hotfix_hooks.policy import Policy


def validate(rec: Record, policy: Policy, ticket: str | None, derived: list[str],
             require_approvals: bool, pending: Collection[int] = ()) -> list[Finding]:
    """Ticket vs branch, eligibility, approvals, and the rollback-first decision."""
    cfg = policy.section('record')
    out: list[Finding] = []

    def add(rule: str, key: str, message: str, hint: str, severity: str = 'error',
            **extra: object) -> None:
        out.append(Finding(rule=rule, category='record', severity=severity, path=rec.path,
                           line=rec.line_of(key), message=message, hint=hint,
                           extra={'field': key, **extra}))

    if ticket and rec.ticket and rec.ticket != ticket:
        add('record-ticket-mismatch', 'ticket',
            f'the record says ticket {rec.ticket} but the branch is for {ticket}',
            f'set ticket = "{ticket}" (or record this hotfix on a branch named for '
            f'{rec.ticket})')
    allowed_p2 = list(cfg.get('p2_eligibility', ('config-change', 'observability')))
    if rec.severity == 'P2' and rec.eligibility and rec.eligibility not in allowed_p2:
        add('record-not-eligible', 'eligibility',
            f'a P2 {rec.eligibility} is not eligible for a hotfix: the protocol allows P2 '
            f'hotfixes only as {" or ".join(allowed_p2)} changes',
            'ship it in a normal release, or correct severity/eligibility if the incident is '
            'P0/P1 or the change is a config/threshold or observability change')
    sev = 'error' if require_approvals else 'warning'
    for role in cfg.get('required_approvers', ('incident_owner', 'release_owner')):
        a = rec.approvals.get(role)
        if a is None:
            continue  # reported as record-field-missing by parse
        if not a.given:
            who = f' ({a.name})' if a.name else ''
            add('record-approval-pending', f'approvals.{role}',
                f'the {role.replace("_", " ")}{who} has not approved yet; the protocol needs '
                'the incident owner and release owner approvals documented before merge',
                f'the {role.replace("_", " ")} runs "hotfix-hooks approve {role}" on the branch '
                '(it sets approved_at and commits the record, as them)', severity=sev,
                role=role)
    # an exception the owners have not approved yet counts only on a developer's machine
    verdict = decide(rec, derived, policy, pending if require_approvals else ())
    if derived and rec.conditions.get('data_integrity_risk') is False:
        add('record-data-integrity-undeclared', 'conditions.data_integrity_risk',
            'the record says data_integrity_risk = false, but the change touches data: '
            + '; '.join(derived),
            'set [conditions] data_integrity_risk = true and decide again ("hotfix-hooks '
            'decide"), or, when the owners judge the risk trivial, waive this rule with an '
            '[[exceptions]] entry (path: the record) saying why', reasons=derived)
    if rec.decision == 'patch-forward' and verdict.recommendation == 'rollback-first':
        add('record-decision-mismatch', 'decision',
            'the record says patch-forward but the rollback-first conditions hold: '
            + '; '.join(r.text for r in verdict.reasons if r.value),
            'set decision = "rollback-first" and roll back first (see "hotfix-hooks decide"), '
            'or correct the conditions if they are wrong',
            reasons=[r.text for r in verdict.reasons if r.value])
    return out
