"""``hotfix-hooks check-branch``: the branch name (``hotfix/<ticket>-<short-description>``).

The fastest hook: it runs on every commit, so it imports only what a passing run needs
(no dataclasses, json or subprocess on a normal checkout; see bench/bench_check_branch.py).
"""
from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from hotfix_hooks.checks.naming import check_branch
from hotfix_hooks.commands.common import add_naming_options
from hotfix_hooks.commands.common import load_policy
from hotfix_hooks.commands.common import overridden
from hotfix_hooks.commands.common import report
from hotfix_hooks.git import context


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='hotfix-hooks check-branch',
                                     description='Check the branch name.')
    context.add_arguments(parser)
    add_naming_options(parser)
    parser.add_argument('filenames', nargs='*', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    _root, policy = load_policy(args)
    req = context.request_from_args(args)
    findings = []
    checked = []
    for ctx in context.resolve_branches(req, policy):
        if ctx.mode in ('tag', 'none'):
            continue
        checked.append(ctx.branch or '?')
        findings += check_branch(ctx.branch, policy, ctx.branch_source)
    findings = overridden(findings, policy)
    ok = f'branch {", ".join(checked)}: ok' if checked and args.format == 'text' and \
        os.environ.get('HOTFIX_HOOKS_VERBOSE') else ''
    return report(findings, args.format, ok)
