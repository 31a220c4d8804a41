"""What the record commands (``record``, ``readiness``, ``status``, ``decide``) judge: their
shared options and the resolved context(s) of the invocation."""
from __future__ import annotations

import argparse
import copy

from hotfix_hooks.commands.common import add_cache_option
from hotfix_hooks.commands.common import add_policy_option
from hotfix_hooks.commands.common import load_policy
from hotfix_hooks.errors import UsageError
from hotfix_hooks.git import context
from hotfix_hooks.git import plumbing
from hotfix_hooks.git.invocation import add_arguments
from hotfix_hooks.pipeline import trust
from hotfix_hooks.pipeline.trust import Judged


def record_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """The options the record commands share: the range options, ``--config`` and
    ``--no-cache``."""
    parser = argparse.ArgumentParser(prog=f'hotfix-hooks {prog}', description=description)
    add_arguments(parser)
    add_policy_option(parser)
    add_cache_option(parser)
    parser.add_argument('filenames', nargs='*', help=argparse.SUPPRESS)
    return parser


def contexts(args: argparse.Namespace) -> list[Judged]:
    """Every resolved context of this invocation, each with the policy it is judged by."""
    _root, policy = load_policy(args)
    return trust.resolve_all(context.request_from_args(args), policy)


def one_context(args: argparse.Namespace, committed: bool) -> Judged:
    """The one context a record command judges, with its policy; ``committed``: the
    committed HEAD, not the index or the working tree (evidence exists for commits only)."""
    judged = [j for j in contexts(args) if j.ctx.mode in ('index', 'range', 'worktree')]
    if not judged:
        raise UsageError('nothing to read: this invocation is a tag push or a branch deletion')
    one = judged[0]
    ctx = one.ctx
    if committed and ctx.mode in ('worktree', 'index'):
        head = plumbing.rev_parse('HEAD', ctx.root)
        if head is None:
            raise UsageError('no commit yet: readiness judges a commit')
        dirty = plumbing.try_out(['--no-optional-locks', 'status', '--porcelain',
                                  '--untracked-files=no'], ctx.root)
        ctx = copy.copy(ctx)
        ctx.mode, ctx.head = 'range', head
        ctx.why = [*ctx.why, 'readiness judges the committed HEAD']
        ctx.notes = list(ctx.notes)
        if dirty:
            ctx.notes.append(f'uncommitted changes are not part of this check; it judges '
                             f'commit {head[:12]}')
        if ctx.base is None or ctx.base == head or ctx.empty_base:
            ctx.base = one.base_commit or ctx.base
        one = trust.judge(ctx, load_policy(args)[1])
    return one
