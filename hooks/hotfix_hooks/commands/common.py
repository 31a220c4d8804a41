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
from collections.abc import Sequence
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


FAIL_ON = ('error', 'warning')


def add_report_options(parser: argparse.ArgumentParser, formats: Sequence[str],
                       default: str = 'text') -> None:
    """The options of a command that reports findings (``scan``, ``ci``): ``--format``,
    ``--fail-on`` (what makes exit 1) and ``--min-severity`` (what is shown)."""
    parser.add_argument('--format', choices=formats, default=default,
                        help=f'output format (default: {default})')
    parser.add_argument('--fail-on', choices=FAIL_ON, default='error',
                        help='what makes exit 1: an unwaived error (default), or an unwaived '
                             'warning too')
    parser.add_argument('--min-severity', choices=policy_mod.SEVERITY_VALUES, default='info',
                        help='the least severe finding shown (default: info, all of them); '
                             'hiding a finding never changes the exit code')


def report(findings: list[Finding], fmt: str, ok: str = '', fail_on: str = 'error',
           min_severity: str = 'info') -> int:
    """Render ``findings`` (those at ``min_severity`` or above) on stdout; the exit code
    they make (0, or 1 when an unwaived finding is at ``fail_on`` or above). A text report
    of nothing (a passing hook) loads no reporter."""
    if not findings and fmt == 'text' and not ok:
        return 0
    from hotfix_hooks import report as report_mod
    from hotfix_hooks.findings import exit_code
    from hotfix_hooks.findings import shown

    visible = shown(findings, min_severity)
    report_mod.render(visible, fmt, ok_message=ok)
    hidden = len(findings) - len(visible)
    if hidden and fmt == 'text':
        print(f'hotfix-hooks: {hidden} finding(s) less severe than {min_severity} not shown '
              '(--min-severity)', file=sys.stderr)
    return exit_code(findings, fail_on)


def print_notes(notes: Iterable[str], prog: str) -> None:
    for n in notes:
        print(f'hotfix-hooks {prog}: note: {n}', file=sys.stderr)
