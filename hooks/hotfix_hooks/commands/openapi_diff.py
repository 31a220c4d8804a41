"""``hotfix-hooks openapi-diff OLD NEW``: compare two OpenAPI specs.

``OLD``/``NEW`` are files or ``REV:path`` (read with ``git show``, argv without a shell).
Exit 0 when nothing breaks, 1 on a breaking change (an error finding), 2 when a spec
cannot be read at all.
"""
from __future__ import annotations

import argparse
import gc
import os
from collections.abc import Sequence

from hotfix_hooks.commands.common import add_report_options
from hotfix_hooks.commands.common import report
from hotfix_hooks.commands.common import report_plan
from hotfix_hooks.errors import ConfigError
from hotfix_hooks.errors import GitError
from hotfix_hooks.errors import UsageError
from hotfix_hooks.findings import exit_code
from hotfix_hooks.findings import Finding
from hotfix_hooks.openapi import diff_specs
from hotfix_hooks.openapi.loader import parse
from hotfix_hooks.openapi.loader import SpecError

_GIT_TIMEOUT = 60


def read_source(arg: str) -> tuple[str, str]:
    """(text, display path) of a file or ``REV:path``."""
    if os.path.isfile(arg):
        try:
            with open(arg, 'rb') as f:
                data = f.read()
        except OSError as e:
            raise ConfigError(f'{arg}: cannot read: {e.strerror}') from None
        return _decode(data, arg), arg
    rev, sep, path = arg.partition(':')
    if not sep or not rev or not path:
        raise UsageError(f'{arg}: no such file (use a file path or REV:path)')
    import subprocess  # only for REV:path (8 ms of imports otherwise)

    try:
        # --end-of-options: a REV such as "--output=x" is a revision, never an option
        res = subprocess.run(['git', 'show', '--no-textconv', '--end-of-options',
                              f'{rev}:{path}'], capture_output=True,
                             timeout=_GIT_TIMEOUT, check=False)
    except FileNotFoundError:
        raise GitError('git is not installed (needed to read REV:path)') from None
    except subprocess.TimeoutExpired:
        raise GitError(f'git show {arg} timed out') from None
    if res.returncode != 0:
        msg = res.stderr.decode('utf-8', 'replace').strip().splitlines()
        raise GitError(f'cannot read {arg}: {msg[-1] if msg else "git show failed"}')
    return _decode(res.stdout, arg), path


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode('utf-8-sig')
    except UnicodeDecodeError:
        raise ConfigError(f'{where}: not UTF-8 text') from None


def main(argv: Sequence[str] | None = None) -> int:
    # Two parsed specs are a million containers the cyclic garbage collector would walk
    # again and again while the diff allocates (a fifth of the run on a 2.7 MB drift); the
    # command makes no reference cycles worth collecting before it ends.
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        return _main(argv)
    finally:
        if gc_was_on:
            gc.enable()


def _main(argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(
        prog='hotfix-hooks openapi-diff',
        description='Compare two OpenAPI 2.0/3.0/3.1 specs (JSON or YAML) and report '
                    'breaking changes (error), risky ones (warning) and additive ones (info).')
    parser.add_argument('old', help='the old spec: a file or REV:path')
    parser.add_argument('new', help='the new spec: a file or REV:path')
    add_report_options(parser)
    parser.add_argument('--min-severity', choices=('error', 'warning', 'info'),
                        default='info', help='hide findings below this severity')
    args = parser.parse_args(argv)
    report_plan(args)

    old_text, old_path = read_source(args.old)
    new_text, new_path = read_source(args.new)
    if old_text == new_text:        # identical bytes: nothing to compare
        findings: list[Finding] = []
    else:
        specs = []
        for text, path in ((old_text, old_path), (new_text, new_path)):
            try:
                specs.append(parse(text, path))
            except SpecError as e:
                raise ConfigError(f'{path}: {e.message}') from None
        findings = diff_specs(specs[0], specs[1])
    rank = {'error': 0, 'warning': 1, 'info': 2}
    shown = [f for f in findings if rank[f.severity] <= rank[args.min_severity]]
    report(shown, args, 'no contract changes', header=[f'openapi-diff {args.old} -> {args.new}'],
           title='hotfix-hooks openapi-diff', checks=('contract',), anchor=new_path)
    return exit_code(findings)
