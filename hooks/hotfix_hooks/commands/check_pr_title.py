"""``hotfix-hooks check-pr-title``: ``Hotfix: <ticket> <impact summary>``."""
from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from hotfix_hooks.checks.naming import check_pr_title
from hotfix_hooks.commands.common import add_naming_options
from hotfix_hooks.commands.common import load_policy
from hotfix_hooks.commands.common import overridden
from hotfix_hooks.commands.common import report
from hotfix_hooks.commands.common import report_plan
from hotfix_hooks.errors import UsageError
from hotfix_hooks.git.ci_env import detect
from hotfix_hooks.git.ci_env import pr_title_from_env
from hotfix_hooks.git.invocation import resolve_branches


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='hotfix-hooks check-pr-title',
                                     description='Check the pull/merge request title.')
    parser.add_argument('--title', help='the PR title (default: from the CI event)')
    parser.add_argument('--branch', help='the PR source branch (default: from CI / git)')
    add_naming_options(parser)
    parser.add_argument('filenames', nargs='*', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    report_plan(args)
    root, policy = load_policy(args)
    title, _source = ((args.title, '--title') if args.title is not None
                      else pr_title_from_env(os.environ))
    if title is None:
        raise UsageError('no PR title: pass --title, or run in a pull/merge request pipeline '
                         '(GITHUB_EVENT_PATH with pull_request, or CI_MERGE_REQUEST_TITLE)')
    branch = args.branch
    if branch is None:
        # the title belongs to the PR: its source branch (from the CI) wins over whatever
        # branch the CI job happens to have checked out (Jenkins: PR-3)
        ci = detect(os.environ)
        if ci is not None and ci.is_pr and ci.branch:
            branch = ci.branch
    if branch is None:
        ctxs = resolve_branches(stage='ci')
        branch = ctxs[0].branch if ctxs else None
    return report(overridden(check_pr_title(title, branch, policy), policy), args,
                  title='hotfix-hooks check-pr-title', checks=('naming',), root=root,
                  policy=policy)
