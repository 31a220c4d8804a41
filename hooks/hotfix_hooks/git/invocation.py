"""What an invocation asks for, cheaply: the range/branch options every command shares,
and the branch (or pushed tag) of this invocation without computing a range.

This is the branch hook's whole path to git, so it stays light: no dataclasses, no
subprocess on a normal checkout (``plumbing`` reads ``.git/HEAD`` itself), the CI adapters
only on a detached HEAD. The full resolution (stage, mode, base and head) is ``context.py``.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from typing import TextIO

from hotfix_hooks.errors import UsageError
from hotfix_hooks.git import plumbing

STAGES = ('pre-commit', 'commit-msg', 'pre-push', 'manual', 'ci')


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The range/branch options every diff command shares."""
    parser.add_argument('--from-ref', help='start of the range to read (with --to-ref)')
    parser.add_argument('--to-ref', help='end of the range to read (with --from-ref)')
    parser.add_argument('--branch', help='branch name to check (overrides git and CI)')
    parser.add_argument('--stage', choices=STAGES,
                        help='the hook stage (normally detected; plain git pre-push hooks '
                             'pass --stage pre-push and the pushed refs on stdin)')
    parser.add_argument('--staged', action='store_true',
                        help='read the index vs HEAD (what "git commit" would record)')
    parser.add_argument('--base', help='base branch (overrides the policy)')


def check_range_args(args: argparse.Namespace) -> None:
    """``--from-ref`` and ``--to-ref`` go together."""
    if bool(args.from_ref) != bool(args.to_ref):
        raise UsageError('--from-ref and --to-ref go together: give both or neither')


class BranchRef:
    """The branch (mode ``branch``), pushed tag (``tag``) or deleted ref (``none``) of this
    invocation, and where it came from.

    A plain class on purpose: a dataclass or NamedTuple costs more to define than the whole
    branch hook's passing run is allowed to take."""

    __slots__ = ('root', 'stage', 'mode', 'branch', 'branch_source', 'tag')

    def __init__(self, root: str, stage: str, mode: str, branch: str | None,
                 branch_source: str, tag: str | None = None) -> None:
        self.root = root
        self.stage = stage
        self.mode = mode
        self.branch = branch
        self.branch_source = branch_source
        self.tag = tag

    def __repr__(self) -> str:
        return (f'BranchRef({self.mode}, {self.branch!r}, from {self.branch_source!r}'
                + (f', tag={self.tag!r})' if self.tag else ')'))


def is_push_line(parts: list[str]) -> bool:
    """git's pre-push stdin: ``<local ref> <local sha> <remote ref> <remote sha>``."""
    def sha(x: str) -> bool:
        return len(x) in (40, 64) and all(c in '0123456789abcdef' for c in x)

    return len(parts) == 4 and sha(parts[1]) and sha(parts[3])


def stdin_lines(stdin: TextIO | None) -> list[str]:
    """The non-empty lines of a pre-push hook's stdin ([] on a TTY or a closed stream)."""
    if stdin is None:
        return []
    try:
        if stdin.isatty():
            return []
        return [line for line in stdin.read().splitlines() if line.strip()]
    except (OSError, ValueError):
        return []


def resolve_branches(branch: str | None = None, stage: str | None = None,
                     env: Mapping[str, str] | None = None, stdin: TextIO | None = None,
                     cwd: str | None = None) -> list[BranchRef]:
    """Only the branch (or pushed tag) of this invocation: cheap, no range computed.

    ``branch``/``stage``: what ``--branch``/``--stage`` asked for. Mode is ``branch`` for
    a branch, ``tag`` for a pushed tag, ``none`` for a deletion.
    """
    env = os.environ if env is None else env
    root = plumbing.toplevel(cwd)

    def make(mode: str, name: str | None, source: str, tag: str | None = None) -> BranchRef:
        return BranchRef(root, stage or 'manual', mode, name, source, tag)

    if branch:
        return [make('branch', branch, '--branch')]
    pushed: list[str] = []
    if env.get('PRE_COMMIT_REMOTE_BRANCH'):
        pushed = [env['PRE_COMMIT_REMOTE_BRANCH']]
    elif stage == 'pre-push' and 'PRE_COMMIT_FROM_REF' not in env:
        out = []
        for line in stdin_lines(stdin if stdin is not None else sys.stdin):
            parts = line.split()
            if not is_push_line(parts):
                raise UsageError(f'unexpected pre-push input line: {line!r} (expected '
                                 '"<local ref> <local sha> <remote ref> <remote sha>")')
            if set(parts[1]) == {'0'}:
                out.append(make('none', parts[2].removeprefix('refs/heads/'), 'deleted ref'))
            else:
                pushed.append(parts[2])
        if out and not pushed:
            return out
    if pushed:
        result = []
        for ref in pushed:
            if ref.startswith('refs/tags/'):
                result.append(make('tag', None, 'tag push', tag=ref[len('refs/tags/'):]))
            else:
                result.append(make('branch', ref.removeprefix('refs/heads/'), 'the pushed ref'))
        return result
    current = plumbing.current_branch(root)
    if current:
        return [make('branch', current, 'git HEAD')]
    from hotfix_hooks.git.ci_env import detect  # only on a detached HEAD (CI checkouts)

    ci = detect(env)
    if ci is not None and ci.branch:
        return [make('branch', ci.branch, f'{ci.name} ({ci.branch_var})')]
    if ci is not None and ci.tag:
        return [make('tag', None, f'{ci.name} tag build', tag=ci.tag)]
    return [make('branch', None, 'unknown (detached HEAD)')]
