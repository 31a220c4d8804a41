"""``hotfix-hooks check-branch``: the branch name (``hotfix/<ticket>-<short-description>``).

The fastest hook: it runs on every commit, so a passing run imports only what it needs:
no dataclasses, json or subprocess on a normal checkout (see bench/bench_check_branch.py).
"""
from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from hotfix_hooks.checks.naming import check_branch
from hotfix_hooks.commands.common import add_cache_option
from hotfix_hooks.commands.common import add_naming_options
from hotfix_hooks.commands.common import load_policy
from hotfix_hooks.commands.common import overridden
from hotfix_hooks.commands.common import report
from hotfix_hooks.commands.common import report_plan
from hotfix_hooks.git.invocation import add_arguments
from hotfix_hooks.git.invocation import check_range_args
from hotfix_hooks.git.invocation import resolve_branches

if TYPE_CHECKING:
    from hotfix_hooks.findings import Finding


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='hotfix-hooks check-branch',
                                     description='Check the branch name.')
    add_arguments(parser)
    add_naming_options(parser)
    add_cache_option(parser)
    parser.add_argument('filenames', nargs='*', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    check_range_args(args)
    report_plan(args)
    root, policy = load_policy(args)
    findings: list[Finding] = []
    checked = []
    for ref in resolve_branches(args.branch, args.stage):
        if ref.mode in ('tag', 'none'):
            continue
        checked.append(ref.branch or '?')
        findings += check_branch(ref.branch, policy, ref.branch_source)
    findings = overridden(findings, policy)
    ok = f'branch {", ".join(checked)}: ok' if checked and args.format == 'text' and \
        os.environ.get('HOTFIX_HOOKS_VERBOSE') else ''
    return report(findings, args, ok, title='hotfix-hooks check-branch', checks=('naming',),
                  root=root, policy=policy)
