"""The ``contract`` check (hook ``hotfix-api-contract``): breaking OpenAPI changes, frozen
endpoints, and route changes in code. The analysis is ``hotfix_hooks.openapi.guard``.

The contract of the route code is built only when the change can alter it
(``relevance.contract_code_can_change``): no route framework, or no changed route code,
model or module that route code imports, means nothing to build. When that holds and no
JSON/YAML file changed either, the engine is not even imported."""
from __future__ import annotations

from typing import Any

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.changeset import matches_any
from hotfix_hooks.checks import linked
from hotfix_hooks.checks import relevance
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.findings import Finding
from hotfix_hooks.policy import Policy

# the files the engine may take for contracts (openapi.guard: SPEC_SUFFIXES and `include`)
SPEC_SUFFIXES = ('.json', '.yaml', '.yml')


def check(changes: ChangeSet, policy: Policy, run: RunInfo) -> list[Finding]:
    cfg = policy.section('contract')
    code = bool(cfg.get('code', True)) and relevance.contract_code_can_change(
        changes, cfg.get('code_exclude', []))
    if not code and not _spec_may_change(changes, cfg):
        return []
    from hotfix_hooks.openapi.guard import guard

    # code_policy: the policy's own setting (the spec-diff findings are compared with the
    # base side's route code even when this change cannot alter it)
    return linked.at_real_files(changes, guard(
        changes, {**cfg, 'code': code, 'code_policy': bool(cfg.get('code', True))},
        hotfix=run.hotfix))


def _spec_may_change(changes: ChangeSet, cfg: dict[str, Any]) -> bool:
    include = cfg.get('include', [])
    return any(p.endswith(SPEC_SUFFIXES) or matches_any(p, include)
               for f in changes.files for p in (f.path, f.old_path) if p)
