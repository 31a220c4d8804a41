"""``hotfix-hooks record``: the hotfix-record hook. The record's findings, and what its
waivers waive."""
from __future__ import annotations

from collections.abc import Sequence

from hotfix_hooks.checks.naming import check_branch
from hotfix_hooks.checks.naming import is_hotfix_branch
from hotfix_hooks.commands.common import add_report_options
from hotfix_hooks.commands.common import print_notes
from hotfix_hooks.commands.common import report
from hotfix_hooks.commands.common import report_plan
from hotfix_hooks.commands.judged import contexts
from hotfix_hooks.commands.judged import record_parser
from hotfix_hooks.findings import Finding
from hotfix_hooks.pipeline import scan
from hotfix_hooks.pipeline.readiness import all_checks


def main(argv: Sequence[str] | None = None) -> int:
    parser = record_parser('record',
                           'Check the hotfix record of the branch (hotfixes/<ticket>.toml).')
    parser.add_argument('--require-approvals', action='store_true',
                        help='missing approvals are errors (run this in CI on the pull '
                             'request); without it they are warnings')
    add_report_options(parser)
    args = parser.parse_args(argv)
    report_plan(args)
    everything = contexts(args)
    shown: list[Finding] = []
    for judged in everything:
        ctx, policy = judged.ctx, judged.policy
        if ctx.mode not in ('index', 'range', 'worktree'):
            continue
        run = scan.run_info(ctx, policy)
        if ctx.branch is None:
            shown += check_branch(None, policy)      # fail closed on an unknown branch
            continue
        if not run.hotfix or not (run.ticket or is_hotfix_branch(run.branch, policy)):
            continue
        print_notes(judged.notes, 'record')
        found = scan.collect(judged, all_checks(),
                             {'require_approvals': args.require_approvals}, report_stale=True)
        shown += [f for f in found if f.category in ('record', 'policy') or f.waived]
    first = everything[0] if everything else None
    return report(shown, args, title='hotfix-hooks record', checks=('record',),
                  root=first.ctx.root if first else None,
                  policy=first.policy if first else None)
