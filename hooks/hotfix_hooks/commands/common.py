"""What every command shares: the policy option and loading, the policy's overrides, and
the report that ends a command.

The branch hook runs through here on every commit, so this module imports only the policy
and git plumbing at the top; the reporters and findings load when there is something to
report (see bench/bench_check_branch.py).
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

from hotfix_hooks import policy as policy_mod
from hotfix_hooks.git import plumbing
from hotfix_hooks.policy import Policy

if TYPE_CHECKING:
    from hotfix_hooks.findings import Finding

NAMING_FORMATS = ('text', 'json', 'github')


def add_policy_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--config', help='policy file (default: .hotfix-hooks.toml or '
                                         'pyproject.toml of the repository)')


def add_cache_option(parser: argparse.ArgumentParser) -> None:
    """``--no-cache``, for every command that analyses the change (the context carries it
    to the change set: ``context.request_from_args``)."""
    parser.add_argument('--no-cache', action='store_true',
                        help='neither read nor write the analysis cache '
                             '(<git common dir>/hotfix-hooks/cache); HOTFIX_HOOKS_CACHE=0 '
                             'does the same')


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
    if not findings:
        return findings
    from hotfix_hooks.findings import apply_policy

    return apply_policy(findings, policy['severity'], policy['disable'])


def report(findings: list[Finding], fmt: str, ok: str = '') -> int:
    """Render ``findings`` on stdout; the exit code they make (0 or 1). A text report of
    nothing (a passing hook) loads no reporter."""
    if not findings and fmt == 'text' and not ok:
        return 0
    from hotfix_hooks import report as report_mod
    from hotfix_hooks.findings import exit_code

    report_mod.render(findings, fmt, ok_message=ok)
    return exit_code(findings)


def print_notes(notes: Iterable[str], prog: str) -> None:
    for n in notes:
        print(f'hotfix-hooks {prog}: note: {n}', file=sys.stderr)
