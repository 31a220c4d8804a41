"""Waivers: ``[[exceptions]]`` in the hotfix record, applied to the findings of a scan.

An exception waives the findings of one rule at one path (a glob; ``*`` also matches
findings about no file), or the one finding its ``fingerprint`` names, when it gives a reason
and is approved by every role the policy requires (``[tool.hotfix-hooks.record]
waiver_approvers``). A waived finding stays in the
report, marked waived, with the waiver attached; it no longer fails the run. An exception
that matches no finding is reported as stale (only when every default check ran, so that a
``--only`` run never calls another check's waiver stale; exceptions for ``record-*`` rules only when
the record check ran too, and never on the commit stage, where it does not run).
"""
from __future__ import annotations

import re
from collections.abc import Collection
from typing import Protocol
from typing import TYPE_CHECKING

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.changeset import glob_to_regex
from hotfix_hooks.changeset import matches_any
from hotfix_hooks.errors import ConfigError
from hotfix_hooks.findings import Finding
from hotfix_hooks.findings import fingerprint
from hotfix_hooks.findings import stamp
from hotfix_hooks.record import approvals
from hotfix_hooks.record import model as record
from hotfix_hooks.record.approvals import Verification
from hotfix_hooks.record.model import Record
from hotfix_hooks.record.model import UNWAIVABLE
from hotfix_hooks.record.model import Waiver
from hotfix_hooks.rule_ids import IDS

if TYPE_CHECKING:
    from hotfix_hooks.policy import Policy

PATHLESS = ('*', '**', '(repository)')
_FINGERPRINT = re.compile(r'[0-9a-f]{16}')


class RunFacts(Protocol):
    """What ``apply_from_changes`` reads of the run (``checks.registry.RunInfo`` has it)."""

    @property
    def hotfix(self) -> bool: ...

    @property
    def ticket(self) -> str | None: ...

    @property
    def stage(self) -> str: ...

    @property
    def options(self) -> dict[str, bool]: ...


def problems(w: Waiver, rec: Record, policy: Policy) -> tuple[str, list[str]]:
    """(rule id, problems) of an exception that cannot waive anything; ('', []) if valid.

    An exception names its findings by rule and path, or by fingerprint (rule and path then
    optional). A rule id the catalogue does not know waives nothing: it is reported with the
    nearest known ids, as every other problem of the record is (a finding, not exit 2: the
    record is the branch's data, and the rest of the run is still reported).
    """
    needed = ('reason',) if w.fingerprint else ('rule', 'path', 'reason')
    missing = [k for k in needed if not getattr(w, k)]
    if missing:
        return 'record-waiver-invalid', [f'{", ".join(missing)} missing']
    if w.rule in UNWAIVABLE:
        return 'record-waiver-invalid', [f'the rule {w.rule} cannot be waived']
    if w.rule and w.rule not in IDS:
        from hotfix_hooks import catalog  # only to suggest the nearest ids of an unknown one

        if catalog.unknown([w.rule]):
            return 'record-waiver-invalid', [f'unknown rule id {w.rule!r}'
                                             f'{catalog.did_you_mean(w.rule)}']
    if w.fingerprint and not _FINGERPRINT.fullmatch(w.fingerprint):
        return 'record-waiver-invalid', [f'the fingerprint {w.fingerprint!r} is not one '
                                         '(16 hexadecimal digits, from --format json, sarif '
                                         'or gitlab)']
    if w.path and not _valid_glob(w.path):
        return 'record-waiver-invalid', [f'the path {w.path!r} is not a valid glob']
    required = list(policy.section('record').get('waiver_approvers',
                                                 ('incident_owner', 'release_owner')))
    named = {rec.approver_roles(x) or x for x in w.approved_by}
    lacking = [r for r in required if r not in named]
    if lacking:
        return 'record-waiver-unapproved', [f'not approved by {", ".join(lacking)}']
    return '', []


def _valid_glob(pattern: str) -> bool:

    try:
        glob_to_regex(pattern)
    except ConfigError:
        return False
    return True


def matches(w: Waiver, f: Finding) -> bool:
    """Does ``w`` name ``f``? By fingerprint (``stamp`` the findings first), and by rule and
    path when it gives them."""
    if w.fingerprint:
        if (f.fingerprint or fingerprint(f)) != w.fingerprint:
            return False
        if not w.rule and not w.path:
            return True
    if w.rule and f.rule != w.rule:
        return False
    if not w.path and w.fingerprint:
        return True
    if f.path is None:
        return w.path in PATHLESS
    return f.path == w.path or (_valid_glob(w.path) and matches_any(f.path, [w.path]))


def check(rec: Record, policy: Policy, verification: Verification | None = None,
          require: bool = False) -> list[Finding]:
    """Findings for exceptions that are incomplete, lack the required approvers, or were not
    approved (verified) after they were last changed (an error with ``require``)."""
    out = []
    for w in rec.exceptions:
        rule, why = problems(w, rec, policy)
        if not rule and verification is not None and w.index in verification.waivers:
            out.append(Finding(
                rule='record-waiver-unapproved', category='record',
                severity='error' if require else 'warning', path=rec.path, line=w.line,
                message=(f'exception #{w.index + 1} ({w.rule} at {w.path}) waives nothing yet: '
                         f'{verification.waivers[w.index]}'),
                hint=('the owners approve after the exception is written ("hotfix-hooks '
                      'approve <role>", each in their own commit)'),
                extra={'exception': w.to_json(), 'pending': verification.waivers[w.index]}))
            continue
        if not rule:
            continue
        required = policy.section('record').get('waiver_approvers', [])
        out.append(Finding(
            rule=rule, category='record', severity='error', path=rec.path, line=w.line,
            message=(f'exception #{w.index + 1} ({w.target}) waives nothing: '
                     f'{"; ".join(why)}'),
            hint=('an exception needs rule and path (or fingerprint), reason and approved_by '
                  f'= {list(required)!r}' if rule == 'record-waiver-invalid' else
                  f'add the missing approvers to approved_by (required: {", ".join(required)}) '
                  'once they approved the waiver'),
            extra={'exception': w.to_json()}))
    return out


def apply(findings: list[Finding], rec: Record | None, policy: Policy,
          report_stale: bool, record_ran: bool = True,
          verification: Verification | None = None, strict: bool = True) -> list[Finding]:
    """Mark the findings the record's valid exceptions waive; report stale exceptions.

    An exception the owners have not approved after it was last changed
    (``verification.waivers``) waives nothing: with ``strict`` (CI, readiness) its finding
    stays as it is; otherwise (the hooks on a developer's machine, before the owners could
    approve) an error it would waive is shown as a warning, marked ``waiver_pending``."""
    if rec is None or not rec.exceptions:
        return findings
    stamp(findings)
    pending = verification.waivers if verification is not None else {}
    used: set[int] = set()
    for w in rec.exceptions:
        rule, why = problems(w, rec, policy)
        for f in findings:
            if f.waived or f.rule in UNWAIVABLE or not matches(w, f):
                continue
            used.add(w.index)
            if rule:
                f.extra.setdefault('waiver_rejected', f'exception #{w.index + 1}: '
                                   + '; '.join(why))
                continue
            if w.index in pending:
                reason = f'exception #{w.index + 1} waives nothing yet: {pending[w.index]}'
                if strict:
                    f.extra.setdefault('waiver_rejected', reason)
                elif 'waiver_pending' not in f.extra:
                    f.extra['waiver_pending'] = reason
                    if f.severity == 'error':
                        f.severity = 'warning'
                continue
            f.waived = True
            f.waiver = {**w.to_json(), 'record': rec.path}
    out = list(findings)
    if report_stale:
        for w in rec.exceptions:
            if w.index in used or problems(w, rec, policy)[0] == 'record-waiver-invalid':
                continue  # an invalid exception is reported as such by the record check
            if not record_ran and (w.rule.startswith('record-') or
                                   (w.fingerprint and not w.rule)):
                continue  # the record check did not run: its findings cannot be missing
            out.append(Finding(
                rule='record-waiver-stale', category='record', severity='warning',
                path=rec.path, line=w.line,
                message=(f'exception #{w.index + 1} waives {w.target}, but no such finding '
                         'exists in this change'),
                hint=('remove the exception (the problem is gone), or fix its rule id, path '
                      'or fingerprint'),
                extra={'exception': w.to_json()}))
    return out


def apply_from_changes(findings: list[Finding], changes: ChangeSet, policy: Policy,
                       run: RunFacts, report_stale: bool,
                       ran: Collection[str] = ('record',)) -> list[Finding]:
    """``apply`` with the record of the run's hotfix ticket, read from the change's head."""
    if not run.hotfix or not run.ticket:
        return findings
    rec, _, _ = record.load(changes.head, policy, run.ticket)
    # on the commit stage the record check does not run: its findings cannot be "missing"
    stale = report_stale and run.stage not in ('pre-commit', 'commit-msg')
    verification = None
    if rec is not None and rec.exceptions:
        verification = approvals.verify(rec, changes.history, changes.head.read(rec.path),
                                        policy)
    return apply(findings, rec, policy, stale, record_ran='record' in ran,
                 verification=verification,
                 strict=bool(run.options.get('require_approvals')))
