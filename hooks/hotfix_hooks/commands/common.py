"""What several commands share: the policy of the repository, the output options, the
policy's overrides, and the report that ends a command."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

from hotfix_hooks import policy as policy_mod
from hotfix_hooks import report as report_mod
from hotfix_hooks.errors import UsageError
from hotfix_hooks.findings import apply_policy
from hotfix_hooks.findings import exit_code
from hotfix_hooks.findings import Finding
from hotfix_hooks.git import context
from hotfix_hooks.git import plumbing
from hotfix_hooks.policy import Policy

if TYPE_CHECKING:
    from hotfix_hooks.git.context import Context

NAMING_FORMATS = ('text', 'json', 'github')


def add_policy_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--config', help='policy file (default: .hotfix-hooks.toml or '
                                         'pyproject.toml of the repository)')


def add_naming_options(parser: argparse.ArgumentParser) -> None:
    """``--format`` and ``--config``, as every naming command takes them."""
    parser.add_argument('--format', choices=NAMING_FORMATS, default='text')
    add_policy_option(parser)


def load_policy(args: argparse.Namespace) -> tuple[str, Policy]:
    """The repository's top level and its policy (``--config`` when given)."""

    root = plumbing.toplevel()
    return root, policy_mod.load(root, getattr(args, 'config', None))


def overridden(findings: list[Finding], policy: Policy) -> list[Finding]:
    """The policy's per-rule severity overrides and disabled rules applied."""

    return apply_policy(findings, policy['severity'], policy['disable'])


def report(findings: list[Finding], fmt: str, ok: str = '') -> int:
    """Render ``findings`` on stdout; the exit code they make (0 or 1)."""

    report_mod.render(findings, fmt, ok_message=ok)
    return exit_code(findings)


# -- the record commands (record, readiness, status, decide) -----------------------------
def record_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """The options the record commands share: the range options and ``--config``."""

    parser = argparse.ArgumentParser(prog=f'hotfix-hooks {prog}', description=description)
    context.add_arguments(parser)
    add_policy_option(parser)
    parser.add_argument('filenames', nargs='*', help=argparse.SUPPRESS)
    return parser


def contexts(args: argparse.Namespace) -> tuple[Policy, list[Context]]:
    """The policy and every resolved context of this invocation."""

    _root, policy = load_policy(args)
    return policy, context.resolve_all(context.request_from_args(args), policy)


def one_context(args: argparse.Namespace, committed: bool) -> tuple[Policy, Context]:
    """The one context a record command judges; ``committed``: the committed HEAD, not
    the index or the working tree (evidence exists for commits only)."""
    import copy


    policy, ctxs = contexts(args)
    ctxs = [c for c in ctxs if c.mode in ('index', 'range', 'worktree')]
    if not ctxs:
        raise UsageError('nothing to read: this invocation is a tag push or a branch deletion')
    ctx = ctxs[0]
    if committed and ctx.mode in ('worktree', 'index'):
        head = plumbing.rev_parse('HEAD', ctx.root)
        if head is None:
            raise UsageError('no commit yet: readiness judges a commit')
        dirty = plumbing.try_out(['status', '--porcelain', '--untracked-files=no'], ctx.root)
        ctx = copy.copy(ctx)
        ctx.mode, ctx.head = 'range', head
        ctx.why = [*ctx.why, 'readiness judges the committed HEAD']
        ctx.notes = list(ctx.notes)
        if dirty:
            ctx.notes.append(f'uncommitted changes are not part of this check; it judges '
                             f'commit {head[:12]}')
    return policy, ctx


def print_notes(notes: Iterable[str], prog: str) -> None:
    for n in notes:
        print(f'hotfix-hooks {prog}: note: {n}', file=sys.stderr)
