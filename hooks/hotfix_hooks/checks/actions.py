"""The ``actions`` check (hook ``hotfix-actions-flow``): state transitions only through the
``/actions`` endpoints, idempotency kept. The analysis is ``hotfix_hooks.actions.guard``.

``run.options['all_violations']`` reports every violation in the analysed files, not only
the introduced ones.
"""
from __future__ import annotations

from hotfix_hooks.actions.guard import guard
from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.findings import Finding
from hotfix_hooks.policy import Policy


def check(changes: ChangeSet, policy: Policy, run: RunInfo) -> list[Finding]:
    return guard(changes, policy.section('actions'),
                 all_violations=bool(run.options.get('all_violations')))
