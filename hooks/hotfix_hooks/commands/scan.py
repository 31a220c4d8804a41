"""``hotfix-hooks scan``: the whole pipeline over the resolved range.

context -> change set -> checks -> findings -> report. Every diff hook runs this with
``--only <check>``; with no ``--only`` every check but the opt-in ones runs.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from hotfix_hooks.checks import registry as checks_mod
from hotfix_hooks.commands.common import add_cache_option
from hotfix_hooks.commands.common import add_policy_option
from hotfix_hooks.commands.common import add_report_options
from hotfix_hooks.commands.common import add_severity_options
from hotfix_hooks.commands.common import load_policy
from hotfix_hooks.commands.common import report
from hotfix_hooks.commands.common import report_plan
from hotfix_hooks.errors import UsageError
from hotfix_hooks.findings import exit_code
from hotfix_hooks.findings import Finding
from hotfix_hooks.findings import shown
from hotfix_hooks.findings import summarize
from hotfix_hooks.git import context
from hotfix_hooks.git.invocation import add_arguments
from hotfix_hooks.pipeline import trust
from hotfix_hooks.pipeline.scan import collect
from hotfix_hooks.pipeline.scan import naming_findings
from hotfix_hooks.policy import Policy


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='hotfix-hooks scan',
        description='Run the diff checks over the resolved range of changes.')
    add_arguments(parser)
    parser.add_argument('--only', action='append', metavar='CHECK',
                        help=f'run only this check (repeatable): {", ".join(checks_mod.CHECKS)}')
    parser.add_argument('--all-violations', action='store_true',
                        help='report violations that already existed at the base too')
    parser.add_argument('--with-naming', action='store_true',
                        help='also run the branch-name rule (and tag-name on a tag push) in '
                             'this process: what the umbrella hook "hotfix" does')
    add_report_options(parser)
    add_severity_options(parser)
    add_policy_option(parser)
    add_cache_option(parser)
    parser.add_argument('filenames', nargs='*', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    report_plan(args)
    unknown = [c for c in args.only or () if c not in checks_mod.CHECKS]
    if unknown:
        raise UsageError(f'unknown check {unknown[0]!r}; known: {", ".join(checks_mod.CHECKS)}')
    root, policy = load_policy(args)
    req = context.request_from_args(args)
    findings: list[Finding] = []
    header: list[str] = []
    for judged in trust.resolve_all(req, policy):
        ctx = judged.ctx
        if args.with_naming:
            findings += naming_findings(ctx, judged.policy)
        if ctx.mode in ('tag', 'none'):
            header.append(f'hotfix-hooks scan: {ctx.why[0] if ctx.why else "nothing to scan"}')
            continue
        header += [f'hotfix-hooks scan: note: {n}' for n in judged.notes]
        findings += collect(judged, args.only, {'all_violations': args.all_violations})
    for line in header:
        print(line, file=sys.stderr)
    if quiet_pass(findings, args, policy):
        return 0
    ran = list(dict.fromkeys(args.only or [n for n in checks_mod.CHECKS
                                           if n not in checks_mod.OPT_IN]))
    return report(findings, args, notes=header, title='hotfix-hooks scan',
                  checks=(['naming'] if args.with_naming else []) + ran, root=root,
                  policy=policy)


def quiet_pass(findings: list[Finding], args: argparse.Namespace, policy: Policy) -> bool:
    """Under pre-commit a passing run's output is shown only because the hook is verbose;
    ``hook_warnings`` says what it shows: the findings (``show``), one line on stderr
    (``summary``) or nothing (``hide``). True when that replaced the report."""
    mode = policy['hook_warnings']
    if (mode == 'show' or not findings or args.format != 'text' or report_plan(args)[1]
            or os.environ.get('PRE_COMMIT') != '1'
            or exit_code(findings, args.fail_on) != 0):
        return False
    if mode == 'summary':
        counts = summarize(shown(findings, args.min_severity))
        parts = [f'{counts[k]} {k}' + ('(s)' if k != 'info' else '')
                 for k in ('warning', 'info', 'waived') if counts[k]]
        if parts:
            print(f'hotfix-hooks: passed with {", ".join(parts)}: run "hotfix-hooks scan" to '
                  'see them', file=sys.stderr)
    return True
