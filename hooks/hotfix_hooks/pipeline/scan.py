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
from hotfix_hooks.pipeline.parts import governed_parts
from hotfix_hooks.pipeline.parts import policy_tree
from hotfix_hooks.pipeline.trust import folder_policy_findings
from hotfix_hooks.pipeline.trust import Judged
from hotfix_hooks.policy import Policy
from hotfix_hooks.policy.tree import Reader
from hotfix_hooks.record.waivers import apply_from_changes


def run_info(ctx: context.Context, policy: Policy, options: Mapping[str, bool] | None = None
             ) -> checks_mod.RunInfo:

    hotfix = is_hotfix_branch(ctx.branch, policy) or is_release_branch(ctx.branch, policy)
    return checks_mod.RunInfo(branch=ctx.branch, hotfix=hotfix,
                              enforce_all=policy['enforce_on'] == 'all' or ctx.branch is None,
                              ticket=branch_ticket(ctx.branch, policy), stage=ctx.stage,
                              options=dict(options or {}))


DIFF_CATEGORIES = frozenset({'scope', 'contract', 'actions', 'migrations'})


def hotfix_only(findings: list[Finding], run: checks_mod.RunInfo,
                disabled: Sequence[str] = ()) -> list[Finding]:
    """Off hotfix branches (``enforce_on = "hotfix"``) the diff checks report at most
    warnings: their unwaived errors become warnings (marked ``severity_on_hotfix``), and
    one info finding says so once. On a hotfix branch, or with ``enforce_on = "all"``, or
    when the branch is unknown, nothing changes."""
    if run.enforced:
        return findings
    capped = 0
    out: list[Finding] = []
    for f in findings:
        if f.category in DIFF_CATEGORIES and f.severity == 'error':
            f = f.replace(severity='warning')
            f.extra['severity_on_hotfix'] = 'error'
            capped += 1
        out.append(f)
    if capped and 'hotfix-only-enforcement' not in disabled:
        out.append(Finding(
            rule='hotfix-only-enforcement', category='naming', severity='info',
            message=(f'branch {run.branch!r} is not a hotfix branch: {capped} finding(s) that '
                     'block a hotfix are reported as warnings (enforce_on = "hotfix": the '
                     "protocol's frozen rules are a hotfix's rules)"),
            hint=('if this change is a hotfix, name the branch hotfix/<ticket>-<description>; '
                  'to block on every branch, set enforce_on = "all" in the policy'),
            extra={'branch': run.branch, 'capped': capped}))
    return out


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
        changed = [p for f in changes.files for p in (f.path, f.old_path) if p]
        extra = judged.findings() + folder_policy_findings(judged, changed, changes.head.read)
        return run_checks(changes, ctx, policy, only, options, report_stale,
                          extra=extra, read=judged.policy_reader())
    finally:
        changes.close()


# checks about the hotfix as a whole: its record (at the root) and its scope budget (a
# change split over services is still one hotfix): never split, the root policy's rules
REPOSITORY_CHECKS = frozenset({'record', 'scope'})


def run_checks(changes: ChangeSet, ctx: context.Context, policy: Policy,
               only: Sequence[str] | None = None, options: Mapping[str, bool] | None = None,
               report_stale: bool | None = None, extra: Sequence[Finding] = (),
               read: Reader | None = None) -> list[Finding]:
    """Run the checks (``only``, else every check but the opt-in ones) over a built change
    set; policy overrides and the hotfix record's waivers applied. Stale waivers are
    reported when every default check ran (or when ``report_stale`` says so). ``extra``:
    findings made outside the checks (the policy change), judged alike.

    In a monorepo the change is split by governing policy (``governed_parts``): each part
    is checked with the policy of its folder, and the findings come back with repository
    paths. ``read``: where the folder policies are read from (on a hotfix branch, its base
    side: ``Judged.policy_reader``); by default where the root policy was read."""

    run = run_info(ctx, policy, options)
    names = (list(dict.fromkeys(only)) if only
             else [n for n in checks_mod.CHECKS if n not in checks_mod.OPT_IN])
    tree = policy_tree(ctx, policy, changes, read)
    parts = governed_parts(changes, tree)
    nested = len(parts) > 1 or parts[0][0].folder != ''
    findings: list[Finding] = list(extra)
    for name in names:
        check = checks_mod.load(name)
        if name in REPOSITORY_CHECKS or not nested:
            findings.extend(apply_policy(check(changes, policy, run), policy['severity'],
                                         policy['disable']))
            continue
        for gov, part in parts:
            found = apply_policy(check(part, gov.policy, run), gov.policy['severity'],
                                 gov.policy['disable'])
            for f in found:
                if f.path is not None:
                    f.path = gov.to_repo(f.path)
                f.extra.setdefault('policy', gov.label)
            findings.extend(found)
    findings = hotfix_only(findings, run, policy['disable'])
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
