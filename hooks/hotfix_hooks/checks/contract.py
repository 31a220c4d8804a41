"""The ``contract`` check (hook ``hotfix-api-contract``): breaking OpenAPI changes, frozen
endpoints, and route changes in code. The analysis is ``hotfix_hooks.openapi.guard``.

The contract of the route code is built only when the change can alter it
(``relevance.contract_code_can_change``): no route framework, or no changed route code,
model or module that route code imports, means nothing to build."""
from __future__ import annotations

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks import relevance
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.findings import Finding
from hotfix_hooks.openapi.guard import guard
from hotfix_hooks.policy import Policy


def check(changes: ChangeSet, policy: Policy, run: RunInfo) -> list[Finding]:
    cfg = policy.section('contract')
    if cfg.get('code', True) and not relevance.contract_code_can_change(
            changes, cfg.get('code_exclude', [])):
        cfg = {**cfg, 'code': False}
    return guard(changes, cfg, hotfix=run.hotfix)
