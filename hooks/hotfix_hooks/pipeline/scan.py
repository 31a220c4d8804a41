"""The pipeline: context -> change set -> checks -> findings.

``collect`` builds the change set of a resolved context and runs the checks over it;
``run_checks`` runs them over a change set already built (policy overrides and the
record's waivers applied). ``hotfix-hooks scan`` (``commands/scan.py``) reports what they
return; ``ci``, ``record`` and ``readiness`` call them in-process.
"""
from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks import naming
from hotfix_hooks.checks import registry as checks_mod
from hotfix_hooks.checks.naming import branch_ticket
from hotfix_hooks.checks.naming import is_hotfix_branch
from hotfix_hooks.checks.naming import is_release_branch
from hotfix_hooks.findings import apply_policy
from hotfix_hooks.findings import Finding
from hotfix_hooks.git import changes as git_changes
from hotfix_hooks.git import context
from hotfix_hooks.git import plumbing
from hotfix_hooks.pipeline.trust import Judged
from hotfix_hooks.policy import Policy
from hotfix_hooks.record.waivers import apply_from_changes


def run_info(ctx: context.Context, policy: Policy, options: Mapping[str, bool] | None = None
             ) -> checks_mod.RunInfo:

    hotfix = is_hotfix_branch(ctx.branch, policy) or is_release_branch(ctx.branch, policy)
    return checks_mod.RunInfo(branch=ctx.branch, hotfix=hotfix,
                              ticket=branch_ticket(ctx.branch, policy), stage=ctx.stage,
                              options=dict(options or {}))


def collect(judged: Judged, only: Sequence[str] | None = None,
            options: Mapping[str, bool] | None = None, report_stale: bool | None = None
            ) -> list[Finding]:
    """Run the selected checks over the context's change with the policy it is judged by
    (``pipeline/trust.py``), plus ``policy-changed-in-hotfix``; policy overrides applied."""
    ctx, policy = judged.ctx, judged.policy
    if ctx.mode not in ('index', 'range', 'worktree'):
        return []
    changes = git_changes.build(ctx, policy, judged.base_commit)
    try:
        return run_checks(changes, ctx, policy, only, options, report_stale,
                          extra=judged.findings())
    finally:
        changes.close()


def run_checks(changes: ChangeSet, ctx: context.Context, policy: Policy,
               only: Sequence[str] | None = None, options: Mapping[str, bool] | None = None,
               report_stale: bool | None = None, extra: Sequence[Finding] = ()
               ) -> list[Finding]:
    """Run the checks (``only``, else every check but the opt-in ones) over a built change
    set; policy overrides and the hotfix record's waivers applied. Stale waivers are
    reported when every default check ran (or when ``report_stale`` says so). ``extra``:
    findings made outside the checks (the policy change), judged alike."""

    run = run_info(ctx, policy, options)
    names = (list(dict.fromkeys(only)) if only
             else [n for n in checks_mod.CHECKS if n not in checks_mod.OPT_IN])
    findings: list[Finding] = list(extra)
    for name in names:
        findings.extend(checks_mod.load(name)(changes, policy, run))
    findings = apply_policy(findings, policy['severity'], policy['disable'])
    stale = not only if report_stale is None else report_stale
    return apply_from_changes(findings, changes, policy, run, stale, ran=names)


def naming_findings(ctx: context.Context, policy: Policy) -> list[Finding]:
    """branch-name for a branch, tag-name for a pushed tag (policy overrides applied)."""

    if ctx.mode == 'none':
        return []
    if ctx.mode == 'tag' or (ctx.branch is None and ctx.tag):   # tag push, CI tag build
        found = naming.check_tag(ctx.tag or '', plumbing.tags(ctx.root), policy) if ctx.tag else []
    else:
        found = naming.check_branch(ctx.branch, policy, ctx.branch_source)
    return apply_policy(found, policy['severity'], policy['disable'])
