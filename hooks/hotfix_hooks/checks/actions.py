"""The ``actions`` check (hook ``hotfix-actions-flow``): state transitions only through the
``/actions`` endpoints, idempotency kept. The analysis is ``hotfix_hooks.actions.guard``.

``run.options['all_violations']`` reports every violation in the analysed files, not only
the introduced ones.

The guard runs only when it can find something (``relevance``): a changed file that is route
code or that route code imports, one that may hold an idempotency middleware, or one that
does not parse.
"""
from __future__ import annotations

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks import linked
from hotfix_hooks.checks import relevance
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.findings import Finding
from hotfix_hooks.policy import Policy


def check(changes: ChangeSet, policy: Policy, run: RunInfo) -> list[Finding]:
    cfg = policy.section('actions')
    versions = relevance.changed_versions(changes, cfg['exclude_globs'])
    if not versions:
        return []           # no changed Python file the guard reads
    if not (relevance.middleware_touched(versions, cfg['idempotency_markers'])
            or relevance.route_code_reachable(changes, versions, cfg['exclude_globs'])
            or relevance.unparseable(versions)):     # the one test that parses: last
        return []           # no route, middleware or module routes import changed
    from hotfix_hooks.actions.guard import guard

    return linked.at_real_files(changes, guard(
        changes, cfg, all_violations=bool(run.options.get('all_violations'))))
