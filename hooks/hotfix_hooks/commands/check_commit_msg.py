"""``hotfix-hooks check-commit-msg``: the commit message names the branch's ticket
(when ``naming.commit_msg`` is on)."""
from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from hotfix_hooks.checks.naming import check_commit_msg
from hotfix_hooks.checks.naming import strip_message
from hotfix_hooks.commands.common import add_naming_options
from hotfix_hooks.commands.common import load_policy
from hotfix_hooks.commands.common import overridden
from hotfix_hooks.commands.common import report
from hotfix_hooks.commands.common import report_plan
from hotfix_hooks.errors import UsageError
from hotfix_hooks.git import plumbing
from hotfix_hooks.git.invocation import resolve_branches


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='hotfix-hooks check-commit-msg',
                                     description='Check that a commit message names the ticket.')
    parser.add_argument('file', nargs='?', help='the commit message file')
    parser.add_argument('--branch')
    add_naming_options(parser)
    args = parser.parse_args(argv)
    report_plan(args)
    root, policy = load_policy(args)
    if not policy['naming']['commit_msg']:
        return report([], args, title='hotfix-hooks check-commit-msg', checks=('naming',),
                      root=root, policy=policy)
    path = args.file
    if not path:
        # no argument (pre-commit's top-level ``files`` filtered it out): git's message
        # file, which is MERGE_MSG while a merge is being committed
        merging = plumbing.out(['rev-parse', '--git-path', 'MERGE_HEAD'], cwd=root)
        name = 'MERGE_MSG' if os.path.exists(os.path.join(root, merging)) else 'COMMIT_EDITMSG'
        path = plumbing.out(['rev-parse', '--git-path', name], cwd=root)
    if not os.path.isabs(path):
        path = os.path.join(root, path)
    try:
        with open(path, 'rb') as f:
            raw = f.read()
    except OSError as e:
        raise UsageError(f'{args.file or path}: cannot read the commit message: '
                         f'{e.strerror}') from None
    text = raw.decode('utf-8', 'replace')
    comment = plumbing.try_out(['config', 'core.commentChar'], cwd=root) or '#'
    message = strip_message(text, comment if comment != 'auto' else '#')
    branch = args.branch
    if branch is None:
        ctxs = resolve_branches()
        branch = ctxs[0].branch if ctxs else None
    return report(overridden(check_commit_msg(message, branch, policy), policy), args,
                  title='hotfix-hooks check-commit-msg', checks=('naming',), root=root,
                  policy=policy)
