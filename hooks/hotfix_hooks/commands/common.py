"""What every command shares: the policy option and loading, the policy's overrides, and
the report that ends a command (``--format``, repeatable, each with an optional
``--output FILE``).

The branch hook runs through here on every commit, so this module imports only git
plumbing at the top; the policy package loads when a command loads a policy (``openapi-diff``
never does), the reporters and findings when there is something to report (see
bench/bench_check_branch.py).
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from collections.abc import Sequence

from hotfix_hooks.errors import UsageError
from hotfix_hooks.git import plumbing

TYPE_CHECKING = False  # typing is not imported at run time
if TYPE_CHECKING:
    from typing import Any

    from hotfix_hooks.findings import Finding
    from hotfix_hooks.policy import Policy

# every format a command that reports findings takes (hotfix_hooks.report.FORMATS)
REPORT_FORMATS = ('text', 'json', 'github', 'sarif', 'gitlab', 'junit', 'markdown')
NAMING_FORMATS = REPORT_FORMATS
# formats that need a file for every finding: findings about no file get an anchor
_ANCHORED = ('sarif', 'gitlab')
_ANCHORS = ('.hotfix-hooks.toml', 'pyproject.toml', 'README.md', 'README.rst', 'README',
            'setup.cfg', 'setup.py')

FORMAT_HELP = ('output format: text (default), json, github (workflow annotations), sarif '
               '(code scanning), gitlab (Code Quality), junit, markdown (job summary); repeat '
               'it, each with --output FILE, to write several reports in one run')
OUTPUT_HELP = ('write the --format given just before it to FILE (the console keeps the text '
               'report)')


def add_policy_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--config', help='policy file (default: .hotfix-hooks.toml or '
                                         'pyproject.toml of the repository)')


def add_cache_option(parser: argparse.ArgumentParser) -> None:
    """``--no-cache``, for every command that analyses the change (the context carries it
    to the change set: ``context.request_from_args``)."""
    parser.add_argument('--no-cache', action='store_true',
                        help='neither read nor write the analysis cache '
                             '(<git common dir>/hotfix-hooks/cache: file analyses and the '
                             'parsed policy file); HOTFIX_HOOKS_CACHE=0 does the same')


def add_naming_options(parser: argparse.ArgumentParser) -> None:
    """``--format``/``--output`` and ``--config``, as every naming command takes them."""
    add_report_options(parser)
    add_policy_option(parser)


# -- --format / --output ---------------------------------------------------------------
def _reports(namespace: argparse.Namespace) -> list[list[str | None]]:
    reports: list[list[str | None]] | None = getattr(namespace, 'reports', None)
    if reports is None:
        reports = []
        namespace.reports = reports
    return reports


def _console(namespace: argparse.Namespace) -> str:
    for fmt, path in _reports(namespace):
        if path is None:
            return str(fmt)
    return str(namespace.console_default)


class _FormatAction(argparse.Action):
    """``--format F``: one more report; it goes to the console unless ``--output`` follows."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[Any] | None, option_string: str | None = None) -> None:
        _reports(namespace).append([str(values), None])
        namespace.format = _console(namespace)


class _OutputAction(argparse.Action):
    """``--output FILE``: the file of the ``--format`` just before it."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[Any] | None, option_string: str | None = None) -> None:
        reports = _reports(namespace)
        if not reports or reports[-1][1] is not None:
            parser.error(f'--output {values} must follow the --format it writes (e.g. '
                         f'--format sarif --output {values})')
        reports[-1][1] = str(values)
        namespace.format = _console(namespace)


def add_report_options(parser: argparse.ArgumentParser, default: str = 'text',
                       formats: Sequence[str] = REPORT_FORMATS) -> None:
    """``--format`` (repeatable) and ``--output FILE`` (after a ``--format``). ``args.format``
    is always the console's format; ``report_plan(args)`` gives the files."""
    parser.add_argument('--format', action=_FormatAction, choices=formats, default=default,
                        help=FORMAT_HELP)
    parser.add_argument('--output', action=_OutputAction, metavar='FILE', help=OUTPUT_HELP)
    parser.set_defaults(reports=None, console_default=default)


FAIL_ON = ('error', 'warning')


def add_severity_options(parser: argparse.ArgumentParser) -> None:
    """``--fail-on`` (what makes exit 1) and ``--min-severity`` (what is shown), as the
    commands that judge a change (``scan``, ``ci``) take them; ``report`` reads both."""
    parser.add_argument('--fail-on', choices=FAIL_ON, default='error',
                        help='what makes exit 1: an unwaived error (default), or an unwaived '
                             'warning too')
    from hotfix_hooks.policy import SEVERITY_VALUES

    parser.add_argument('--min-severity', choices=SEVERITY_VALUES, default='info',
                        help='the least severe finding shown (default: info, all of them); '
                             'hiding a finding never changes the exit code')


def report_plan(args: argparse.Namespace) -> tuple[str, list[tuple[str, str]]]:
    """(the console's format, [(format, file)]); one clear error for a bad combination.
    Commands call it right after parsing, before any work."""
    reports = getattr(args, 'reports', None) or []
    console = [str(fmt) for fmt, path in reports if path is None]
    if len(console) > 1:
        raise UsageError(f'--format {console[0]} and --format {console[1]} would both go to '
                         'the console: give --output FILE after all but one')
    files = [(str(fmt), str(path)) for fmt, path in reports if path is not None]
    seen: set[str] = set()
    for _fmt, path in files:
        key = os.path.normpath(os.path.abspath(path))
        if key in seen:
            raise UsageError(f'--output {path} is given twice')
        seen.add(key)
    default = getattr(args, 'console_default', None) or getattr(args, 'format', 'text')
    return (console[0] if console else str(default)), files


def repository_anchor(root: str | None, policy: Policy | None = None) -> str | None:
    """A repository file to locate findings about no file at (the formats that need a file
    for every finding): the policy file, else the first of ``_ANCHORS`` that exists."""
    if not root:
        return None
    if policy is not None and policy.path:
        rel = os.path.relpath(policy.path, root)
        if not rel.startswith('..') and os.path.isfile(os.path.join(root, rel)):
            return rel.replace(os.sep, '/')
    for name in _ANCHORS:
        if os.path.isfile(os.path.join(root, name)):
            return name
    return None


# -- policy ----------------------------------------------------------------------------
def load_policy(args: argparse.Namespace) -> tuple[str, Policy]:
    """The repository's top level and its policy (``--config`` when given)."""
    root = plumbing.toplevel()
    from hotfix_hooks import policy as policy_mod

    return root, policy_mod.load(root, getattr(args, 'config', None),
                                 cache=not getattr(args, 'no_cache', False))


def overridden(findings: list[Finding], policy: Policy) -> list[Finding]:
    """The policy's per-rule severity overrides and disabled rules applied."""
    if not findings:
        return findings
    from hotfix_hooks.findings import apply_policy

    return apply_policy(findings, policy['severity'], policy['disable'])


# -- the report ------------------------------------------------------------------------
def report(findings: list[Finding], args: argparse.Namespace | str, ok: str = '', *,
           header: Sequence[str] = (), notes: Sequence[str] = (), title: str = '',
           checks: Sequence[str] = (), root: str | None = None, policy: Policy | None = None,
           anchor: str | None = None, extra: dict[str, Any] | None = None) -> int:
    """Render ``findings`` on the console in its format and write every ``--output`` file;
    the exit code they make (0, or 1 when an unwaived finding is at ``--fail-on`` or above;
    only those at ``--min-severity`` or above are shown). ``args`` is the parsed arguments
    (or a format name);
    ``header`` goes above the text report, ``notes`` into the markdown summary; ``root``
    and ``policy`` find the anchor of findings about no file (or ``anchor`` names it). A
    text report of nothing to the console with no file to write (a passing hook) loads no
    reporter."""
    files: list[tuple[str, str]] = []
    if isinstance(args, str):
        console = args
    else:
        console, files = report_plan(args)
    if not findings and console == 'text' and not ok and not files:
        return 0
    from hotfix_hooks import report as report_mod
    from hotfix_hooks.findings import exit_code
    from hotfix_hooks.findings import shown

    if anchor is None and (console in _ANCHORED or any(f in _ANCHORED for f, _ in files)):
        anchor = repository_anchor(root, policy)
    options: dict[str, Any] = {'header': header, 'notes': notes,
                               'title': title or 'hotfix-hooks', 'checks': checks,
                               'anchor': anchor, 'extra': extra}
    fail_on = 'error' if isinstance(args, str) else getattr(args, 'fail_on', 'error')
    min_severity = 'info' if isinstance(args, str) else getattr(args, 'min_severity', 'info')
    visible = shown(findings, min_severity)
    report_mod.render(visible, console, ok_message=ok, **options)
    for fmt, path in files:
        write_report(visible, fmt, path, ok_message=ok, **options)
    hidden = len(findings) - len(visible)
    if hidden and console == 'text':
        print(f'hotfix-hooks: {hidden} finding(s) less severe than {min_severity} not shown '
              '(--min-severity)', file=sys.stderr)
    return exit_code(findings, fail_on)


def write_report(findings: Sequence[Finding], fmt: str, path: str, **options: Any) -> None:
    """``findings`` in ``fmt`` to the file ``path`` (its folder created); a file that cannot
    be written is a one-line error (exit 2)."""
    import io

    from hotfix_hooks import report as report_mod

    buf = io.StringIO()
    report_mod.render(findings, fmt, stream=buf, **options)
    write_text(path, buf.getvalue(), '--output')


def write_text(path: str, text: str, what: str, append: bool = False) -> None:
    try:
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        with open(path, 'a' if append else 'w', encoding='utf-8', newline='\n') as f:
            f.write(text)
    except OSError as e:
        raise UsageError(f'{what} {path}: cannot write: {e.strerror or e}') from None


def print_notes(notes: Iterable[str], prog: str) -> None:
    for n in notes:
        print(f'hotfix-hooks {prog}: note: {n}', file=sys.stderr)
