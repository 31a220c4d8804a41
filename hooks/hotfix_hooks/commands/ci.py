"""``hotfix-hooks ci``: everything CI must re-check on a pull request, in one process.

- naming: the branch (from the CI's variables on a detached checkout) and the PR/MR title;
- the full scan of base..head (every diff check: contract, actions, migrations, scope);
- the hotfix record, with the approvals required (a missing approval blocks the merge);
- the gates (smoke, integrity, impacted domains, rollback dry-run) on the head commit,
  with the trusted policy (``--no-gates`` leaves them out, and readiness then says so).

The policy is the base side's (``pipeline/trust.py``): a hotfix cannot weaken its own
checks.

Findings come out as annotations (``--format github``, the default under GitHub Actions)
or any other reporter, and ``--format F --output FILE`` (repeatable) writes reports for code
scanning (sarif), GitLab (gitlab, junit) or a summary (markdown) besides. Under GitHub Actions
the Markdown summary is also appended to ``$GITHUB_STEP_SUMMARY`` (the job summary) unless
``--no-step-summary``. A shallow clone without the merge-base is exit 2 with the fix.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Sequence

from hotfix_hooks import policy as policy_mod
from hotfix_hooks import report as report_mod
from hotfix_hooks.checks import naming
from hotfix_hooks.checks.registry import CHECKS
from hotfix_hooks.commands.common import add_cache_option
from hotfix_hooks.commands.common import add_report_options
from hotfix_hooks.commands.common import add_severity_options
from hotfix_hooks.commands.common import report
from hotfix_hooks.commands.common import report_plan
from hotfix_hooks.commands.common import repository_anchor
from hotfix_hooks.commands.common import write_text
from hotfix_hooks.errors import HotfixError
from hotfix_hooks.errors import UsageError
from hotfix_hooks.findings import apply_policy
from hotfix_hooks.findings import Finding
from hotfix_hooks.gates.render import render_text
from hotfix_hooks.gates.run import gate_one
from hotfix_hooks.gates.run import GateOptions
from hotfix_hooks.git import context
from hotfix_hooks.git import plumbing
from hotfix_hooks.git.ci_env import pr_title_from_env
from hotfix_hooks.pipeline import scan
from hotfix_hooks.pipeline import trust


def main(argv: Sequence[str] | None = None) -> int:

    parser = argparse.ArgumentParser(
        prog='hotfix-hooks ci',
        description='Re-check a hotfix pull request: naming, the full scan, the record.')
    parser.add_argument('--from-ref', help='base of the change (default: the PR/MR target)')
    parser.add_argument('--to-ref', help='head of the change (default: HEAD)')
    parser.add_argument('--branch', help='the PR source branch (default: from the CI)')
    parser.add_argument('--base', help='base branch (default: PR/MR target, else the policy)')
    parser.add_argument('--title', help='the PR/MR title (default: from the CI)')
    parser.add_argument('--no-record', action='store_true',
                        help='do not check the hotfix record')
    parser.add_argument('--no-gates', action='store_true',
                        help='do not run the gates (the readiness of this commit then says '
                             'they were not run in CI)')
    parser.add_argument('--no-step-summary', action='store_true',
                        help='under GitHub Actions, do not append the Markdown summary to '
                             '$GITHUB_STEP_SUMMARY')
    default_format = 'github' if os.environ.get('GITHUB_ACTIONS') == 'true' else 'text'
    add_report_options(parser, default=default_format)
    add_severity_options(parser)
    parser.add_argument('--config', help='policy file')
    add_cache_option(parser)
    args = parser.parse_args(argv)
    _console, files = report_plan(args)
    if bool(args.from_ref) != bool(args.to_ref):

        raise UsageError('--from-ref and --to-ref go together: give both or neither')
    root = plumbing.toplevel()
    policy = policy_mod.load(root, args.config, cache=not args.no_cache)
    req = context.Request(from_ref=args.from_ref, to_ref=args.to_ref, branch=args.branch,
                          stage='ci', base=args.base, no_cache=args.no_cache)
    judged = trust.resolve_ci(req, policy)
    ctx, policy = judged.ctx, judged.policy
    notes = list(judged.notes)
    findings: list[Finding] = []

    # naming: branch (or the tag of a tag build) and the PR/MR title
    findings += scan.naming_findings(ctx, policy)
    title, source = (args.title, '--title') if args.title is not None else \
        pr_title_from_env(os.environ)
    if title is not None:
        findings += apply_policy(naming.check_pr_title(title, ctx.branch, policy),
                                 policy['severity'], policy['disable'])
    elif ctx.ci is not None and ctx.ci.is_pr:
        notes.append(f'{ctx.ci.name} does not give the PR title: pass --title "$TITLE" to '
                     'check it')
    else:
        notes.append('not a pull/merge request: the PR title rule was not run')

    # the whole change, every check (the record's own check included, approvals required)
    names = [n for n in CHECKS if n != 'record' or not args.no_record]
    findings += scan.collect(judged, names, {'require_approvals': True}, report_stale=True)

    # the gates, on the head commit, with the trusted policy: a push with --no-verify
    # skipped them on the developer's machine
    if args.no_gates:
        notes.append('the gates were not run in CI (--no-gates): this commit is not READY '
                     'until they pass here')
    elif ctx.mode == 'range':
        run = gate_one(judged, GateOptions(runner='ci'), sys.stderr, live=False)
        findings += apply_policy(run.findings, policy['severity'], policy['disable'])
        if not run.skipped_reason:
            render_text([run], ctx.root, policy, sys.stderr)

    base = 'the empty tree' if ctx.empty_base else (ctx.base or '?')[:12]
    head = (ctx.head or '?')[:12]
    print(f'hotfix-hooks ci: {ctx.ci.name if ctx.ci else "CI"}: branch '
          f'{ctx.branch or "?"} (from {ctx.branch_source}), change {base}..{head}',
          file=sys.stderr)
    for n in notes:
        print(f'hotfix-hooks ci: note: {n}', file=sys.stderr)
    ran = ['naming', *names]
    anchor = repository_anchor(root, policy)
    code = report(findings, args, 'hotfix-hooks ci: passed', notes=notes,
                  title='hotfix-hooks ci', checks=ran, anchor=anchor)
    summary = os.environ.get('GITHUB_STEP_SUMMARY', '')
    if summary and not args.no_step_summary and not any(
            os.path.abspath(p) == os.path.abspath(summary) for _f, p in files):
        try:
            _append_summary(findings, summary, notes, ran, anchor)
        except HotfixError as e:    # the summary is a view: the verdict stands without it
            print(f'hotfix-hooks ci: note: no job summary: {e.message}', file=sys.stderr)
    return code


def _append_summary(findings: list[Finding], path: str, notes: list[str], ran: list[str],
                    anchor: str | None) -> None:
    """The Markdown summary, appended to the job summary file GitHub Actions gives."""
    buf = io.StringIO()
    report_mod.render(findings, 'markdown', stream=buf, title='hotfix-hooks ci', notes=notes,
                      ok_message='hotfix-hooks ci: passed', checks=ran, anchor=anchor)
    write_text(path, buf.getvalue() + '\n', '$GITHUB_STEP_SUMMARY', append=True)
