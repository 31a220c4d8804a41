"""The hotfix record check: on a hotfix branch the record of the branch's ticket must
exist, parse and be complete, match the branch, be eligible, carry the approvals (a
warning until ``--require-approvals``), and agree with the rollback-first conditions (the
data-integrity condition is also derived from the change). Waivers that cannot waive are
reported here; applying them happens after every check ran (``hooks.scan``).

Opt-in (``checks.OPT_IN``): run by ``hotfix-hooks record`` / ``readiness`` / ``status`` /
``decide`` and ``scan --only record``, not by a plain scan or the umbrella hook."""
from __future__ import annotations

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.naming import is_hotfix_branch
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.findings import Finding
from hotfix_hooks.policy import Policy
from hotfix_hooks.record import approvals
from hotfix_hooks.record import integrity
from hotfix_hooks.record import model as record
from hotfix_hooks.record import waivers
from hotfix_hooks.record.rules import validate


def check(changes: ChangeSet, policy: Policy, run: RunInfo) -> list[Finding]:
    # the record is required on push, not per commit: a fix is committed before the
    # record is filled in (the umbrella hook runs every check on commit too)
    if not run.hotfix or run.stage in ('pre-commit', 'commit-msg'):
        return []
    if not run.ticket:

        if not is_hotfix_branch(run.branch, policy):
            return []           # a release branch: no ticket, no record
        return [Finding(
            rule='record-missing', category='record', severity='error', path=None,
            message=f'branch {run.branch} names no ticket, so its hotfix record cannot be '
                    'found',
            hint='rename the branch to hotfix/<ticket>-<short-description> (git branch -m), '
                 'then write the record of that ticket')]
    rec, findings, _path = record.load(changes.head, policy, run.ticket)
    if rec is None:
        return findings
    derived = integrity.derive(changes, policy)
    require = bool(run.options.get('require_approvals'))
    verification = approvals.verify(rec, changes.history, changes.head.read(rec.path), policy)
    findings += validate(rec, policy, run.ticket, derived, require, verification.waivers)
    findings += approvals.findings(rec, verification, require)
    findings += waivers.check(rec, policy, verification, require)
    return findings
