"""``hotfix-hooks check-tag``: hotfix tag names (``<released version>+hotfix.<n>``)."""
from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from hotfix_hooks.checks.naming import check_tag
from hotfix_hooks.commands.common import add_naming_options
from hotfix_hooks.commands.common import load_policy
from hotfix_hooks.commands.common import overridden
from hotfix_hooks.commands.common import report
from hotfix_hooks.commands.common import report_plan
from hotfix_hooks.findings import Finding
from hotfix_hooks.git import plumbing
from hotfix_hooks.git.invocation import resolve_branches
from hotfix_hooks.git.invocation import STAGES


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='hotfix-hooks check-tag',
                                     description='Check hotfix tag names.')
    parser.add_argument('tags', nargs='*', help='tags to check (default: the pushed tag)')
    parser.add_argument('--stage', choices=STAGES)
    add_naming_options(parser)
    args = parser.parse_args(argv)
    report_plan(args)
    root, policy = load_policy(args)
    tags = [t.removeprefix('refs/tags/') for t in args.tags if not os.path.exists(t)
            or t.startswith('refs/tags/')]
    if not tags:
        # only a plain git pre-push hook (--stage pre-push) has refs on stdin: reading it
        # otherwise would wait forever on a CI job's open stdin
        for ctx in resolve_branches(stage=args.stage):
            if ctx.mode == 'tag' and ctx.tag:
                tags.append(ctx.tag)
    existing = plumbing.tags(root)
    findings: list[Finding] = []
    for tag in tags:
        findings += check_tag(tag, existing, policy)
    return report(overridden(findings, policy), args, title='hotfix-hooks check-tag',
                  checks=('naming',), root=root, policy=policy)
