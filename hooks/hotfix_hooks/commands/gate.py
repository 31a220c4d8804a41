"""``hotfix-hooks gate``: run the pre-push gates (smoke, integrity, impacted-domain
regressions, rollback dry-run) on exactly the pushed commit of a hotfix branch.

Any other branch passes at once without running anything (see ``gates/run.py``).
"""
from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from hotfix_hooks import report as report_mod
from hotfix_hooks.commands.common import add_policy_option
from hotfix_hooks.commands.common import add_report_options
from hotfix_hooks.commands.common import load_policy
from hotfix_hooks.commands.common import report_plan
from hotfix_hooks.commands.common import repository_anchor
from hotfix_hooks.commands.common import write_text
from hotfix_hooks.errors import UsageError
from hotfix_hooks.findings import apply_policy
from hotfix_hooks.findings import exit_code
from hotfix_hooks.gates.render import render_json
from hotfix_hooks.gates.render import render_text
from hotfix_hooks.gates.render import verdict
from hotfix_hooks.gates.run import gate_one
from hotfix_hooks.gates.run import gated_branch
from hotfix_hooks.gates.run import GateOptions
from hotfix_hooks.gates.run import GateRun
from hotfix_hooks.gates.run import skip_reason
from hotfix_hooks.git import context
from hotfix_hooks.git.ci_env import detect
from hotfix_hooks.git.invocation import add_arguments
from hotfix_hooks.git.invocation import resolve_branches
from hotfix_hooks.pipeline import trust


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='hotfix-hooks gate',
        description='Run the pre-push gates (smoke, integrity, impacted-domain regressions, '
                    'rollback dry-run) on exactly the pushed commit of a hotfix branch.')
    add_arguments(parser)
    parser.add_argument('--rerun', action='store_true',
                        help='run every gate even if it already passed on this tree')
    parser.add_argument('--jobs', '-j', type=int, metavar='N',
                        help='run up to N gates in parallel (default: [tool.hotfix-hooks.gate] '
                             'jobs, 1)')
    add_report_options(parser)
    parser.add_argument('--rollback-dry-run', metavar='CMD',
                        help='the rollback dry-run command (split with shlex, no shell); '
                             'overrides the hotfix record and the policy')
    add_policy_option(parser)
    parser.add_argument('filenames', nargs='*', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    console, files = report_plan(args)
    if args.jobs is not None and args.jobs < 1:
        raise UsageError('--jobs must be at least 1')
    root, policy = load_policy(args)
    opts = GateOptions(rerun=args.rerun, jobs=args.jobs,
                       rollback_dry_run=args.rollback_dry_run,
                       runner='ci' if detect(os.environ) is not None else 'local')
    req = context.request_from_args(args)

    stdin = None
    if req.stage == 'pre-push' and not req.from_ref:
        stdin = io.StringIO('' if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read())
    # cheap first: which branch (no range, no diff) - other branches pass at once
    branches = resolve_branches(req.branch, req.stage, stdin=stdin)
    if stdin is not None:
        stdin.seek(0)
    if not any(c.mode == 'branch' and (c.branch is None or gated_branch(c.branch, policy)
                                       or trust.possibly_gated(c.branch, policy, root))
               for c in branches):
        runs = [GateRun(branch=c.branch, skipped_reason=skip_reason(c)) for c in branches]
    else:
        live = (args.format == 'text' and not os.environ.get('PRE_COMMIT')
                and _isatty(sys.stderr))
        runs = []
        for judged in trust.resolve_all(req, policy, stdin=stdin):
            runs.append(gate_one(judged, opts, sys.stderr, live))
            if runs[-1].interrupted:
                break
    for run in runs:
        pol = run.policy or policy
        run.findings = apply_policy(run.findings, pol['severity'], pol['disable'])
    findings = [f for run in runs for f in run.findings]
    anchor = repository_anchor(root, policy)

    def emit(fmt: str, out: TextIO) -> None:
        if fmt == 'json':
            render_json(runs, out)
        elif fmt == 'text':
            render_text(runs, root, policy, out)
        else:
            report_mod.render(findings, fmt, stream=out, title='hotfix-hooks gate',
                              checks=('gate',), anchor=anchor, ok_message=verdict(runs))

    emit(console, sys.stdout)
    for fmt, path in files:
        buf = io.StringIO()
        emit(fmt, buf)
        write_text(path, buf.getvalue(), '--output')
    if any(run.interrupted for run in runs):
        return 130
    return exit_code([f for run in runs for f in run.findings])


def _isatty(stream: TextIO | None) -> bool:
    if stream is None:
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
