"""The ``contract`` check (hook ``hotfix-api-contract``): breaking OpenAPI changes, frozen
endpoints, and route changes in code. The analysis is ``hotfix_hooks.openapi.guard``."""
from __future__ import annotations

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.findings import Finding
from hotfix_hooks.openapi.guard import guard
from hotfix_hooks.policy import Policy


def check(changes: ChangeSet, policy: Policy, run: RunInfo) -> list[Finding]:
    return guard(changes, policy.section('contract'), hotfix=run.hotfix)
