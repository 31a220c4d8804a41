"""``hotfix-hooks COMMAND ...``: a thin dispatcher.

Each command is a module ``hotfix_hooks.commands.<name>`` with
``main(argv: Sequence[str] | None = None) -> int``, imported only when that command runs,
so ``check-branch`` does not pay for what ``scan`` needs.
Every error becomes one line on stderr and exit 2; never a traceback.
"""
from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from collections.abc import Sequence

from hotfix_hooks import __version__
from hotfix_hooks.errors import HotfixError
from hotfix_hooks.errors import UsageError
from hotfix_hooks.git import plumbing

TYPE_CHECKING = False  # typing is not imported at run time
if TYPE_CHECKING:
    from typing import NoReturn

# command -> one-line help; order is the help order. A command NAME is the module
# hotfix_hooks.commands.NAME (dashes as underscores), entry main(argv).
COMMANDS: dict[str, str] = {
    'check-branch': 'check the branch name (hotfix/<ticket>-<short-description>)',
    'check-tag': 'check hotfix tag names (<version>+hotfix.<n>)',
    'check-pr-title': 'check the PR title (Hotfix: <ticket> <impact summary>)',
    'check-commit-msg': 'check that a commit message names the branch ticket',
    'scan': 'run the diff checks over the resolved range',
    'gate': 'run the pre-push gates (smoke, integrity, impacted domains, rollback dry-run)',
    'context': 'print how this invocation was resolved',
    'config': 'print the effective policy and its sources',
    'init': 'inspect this repository and write its policy and pre-commit entry',
    'new': 'start a hotfix: create hotfix/<ticket>-<slug> from the base',
    'openapi-diff': 'compare two OpenAPI specs (files or REV:path); exit 1 on breaking',
    'record': 'check the hotfix record (hotfixes/<ticket>.toml) of the branch',
    'readiness': 'is the hotfix ready to merge? every mandatory check with its evidence',
    'status': 'print the hotfix status message from the record and the evidence',
    'decide': 'rollback-first or patch-forward? the four conditions and why',
    'approve': 'approve the hotfix of this branch as ROLE (commits the record, as you)',
    'ci': 'CI on a pull request: naming + PR title, the full scan, the record (approvals)',
    'rules': 'list the rules (id, severity, what each reports); --format json|markdown',
    'explain': 'explain one rule: why it matters, how to fix it, a bad and a good example',
    'cache': 'the persistent analysis cache: info (entries, size), clear',
    'demo': 'play a whole hotfix in a throwaway repository',
}


def command_module(name: str) -> str:
    """The module of a command: ``check-branch`` -> ``hotfix_hooks.commands.check_branch``."""
    return 'hotfix_hooks.commands.' + name.replace('-', '_')


PROG = 'hotfix-hooks'


def _usage() -> str:
    width = max(len(c) for c in COMMANDS)
    lines = [f'usage: {PROG} COMMAND [options]', '', 'commands:']
    lines += [f'  {name:<{width}}  {help_}' for name, help_ in COMMANDS.items()]
    lines += ['', f'Run "{PROG} COMMAND --help" for the options of a command.',
              'Exit codes: 0 pass, 1 findings, 2 usage/config/environment error.']
    return '\n'.join(lines)


def _safe_streams() -> None:
    """Paths that are not UTF-8 (kept as surrogates) must print, not crash."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, 'reconfigure', None)     # io.TextIOWrapper's
        if reconfigure is None:
            continue
        try:
            reconfigure(errors='backslashreplace')
        except (AttributeError, ValueError):
            pass


def _one_line_usage_errors() -> None:
    """argparse prints its usage block and exits 2; make it one line like every other error."""
    import argparse

    def error(self: argparse.ArgumentParser, message: str) -> NoReturn:
        raise UsageError(f'{message} (see "{self.prog} --help")')

    def get_formatter(self: argparse.ArgumentParser) -> argparse.HelpFormatter:
        # argparse makes a formatter for every add_argument; without a width it imports
        # shutil (and with it zlib, bz2 and lzma) for the terminal size
        if self.formatter_class is argparse.HelpFormatter:
            return argparse.HelpFormatter(prog=self.prog, width=_help_width())
        return self.formatter_class(prog=self.prog)

    # every command builds its own parser: patching the class reaches them all
    argparse.ArgumentParser.error = error  # type: ignore[method-assign]
    argparse.ArgumentParser._get_formatter = get_formatter  # type: ignore[method-assign]


def _help_width() -> int:
    """The width argparse gives its help: the terminal's (as ``shutil.get_terminal_size``
    reads it: ``COLUMNS``, else the terminal of stdout, else 80) less 2."""
    try:
        columns = int(os.environ.get('COLUMNS', ''))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
        columns = columns or 80
    return columns - 2


def main(argv: Sequence[str] | None = None) -> int:
    _safe_streams()
    _one_line_usage_errors()
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ('-h', '--help', 'help'):
        print(_usage())
        return 0 if args else 2
    if args[0] == '--version':
        print(f'{PROG} {__version__}')
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f'{PROG}: error: unknown command {name!r} (run "{PROG} --help")',
              file=sys.stderr)
        return 2
    return run_guarded(lambda: importlib.import_module(command_module(name)).main(rest),
                       prog=f'{PROG} {name}', json_errors=wants_json(rest))


def wants_json(args: Sequence[str]) -> bool:
    """``--format json`` (or ``--format=json``) among a command's arguments."""
    for i, a in enumerate(args):
        if a == '--':
            break
        if a == '--format=json' or (a == '--format' and args[i + 1:i + 2] == ['json']):
            return True
    return False


def _json_error(message: str, hint: str | None) -> None:
    """Under ``--format json`` a failed run still prints JSON on stdout (the one line
    goes to stderr as always)."""
    from hotfix_hooks.report import json as json_report

    try:
        sys.stdout.write(json_report.render_error(message, hint))
        sys.stdout.flush()
    except (OSError, ValueError):    # stdout closed: the line on stderr is all we can give
        pass


def run_guarded(fn: Callable[[], int | None], prog: str = PROG,
                json_errors: bool = False) -> int:
    """Run ``fn`` turning every failure into one line (and, with ``json_errors``, a JSON
    ``{"error": {"message", "hint"}}`` on stdout) and an exit code. The shared ``git
    cat-file --batch`` processes the command started end with it."""
    try:
        return _run(fn, prog, json_errors)
    finally:
        plumbing.close_shared()


def _run(fn: Callable[[], int | None], prog: str, json_errors: bool) -> int:
    try:
        rc = fn()
    except HotfixError as e:
        print(f'{prog}: error: {e}', file=sys.stderr)
        if json_errors:
            _json_error(e.message, e.hint)
        return e.exit_code
    except KeyboardInterrupt:
        print(f'{prog}: interrupted', file=sys.stderr)
        if json_errors:
            _json_error('interrupted', 'run it again')
        return 130
    except SystemExit as e:  # argparse exits 2 on usage errors, 0 on --help
        code = e.code
        return code if isinstance(code, int) else (0 if code is None else 2)
    except BrokenPipeError:
        return 0
    except Exception as e:  # never a traceback for the user
        if os.environ.get('HOTFIX_HOOKS_DEBUG'):
            raise
        message = f'internal error: {type(e).__name__}: {e}'
        hint = 'set HOTFIX_HOOKS_DEBUG=1 for the traceback and report it'
        print(f'{prog}: {message} ({hint})', file=sys.stderr)
        if json_errors:
            _json_error(message, hint)
        return 2
    return int(rc or 0)


# Commands whose process may end without tearing down the interpreter once their report is
# out (see ``entry``): they start no thread, register no exit handler and open no cache.
FAST_EXIT = frozenset({'openapi-diff'})


def entry() -> NoReturn:
    """The process's entry point (``hotfix-hooks``, ``python -m hotfix_hooks``): ``main``
    on ``sys.argv``, then exit with its code.

    After a command of ``FAST_EXIT`` the process ends with ``os._exit`` once stdout and
    stderr are flushed, as mypy does (``mypy.util.hard_exit``): freeing two parsed 2.7 MB
    specs object by object costs more than a tenth of an ``openapi-diff`` run and nobody
    sees it. Only when nothing is left to run at exit (``_may_exit_now``); else, and
    whenever ``main`` is called in-process, the ordinary ``SystemExit``."""
    code = main()
    args = sys.argv[1:2]
    if args and args[0] in FAST_EXIT and _may_exit_now():
        _hard_exit(code)
    raise SystemExit(code)


def _may_exit_now() -> bool:
    """Nothing would run at a normal exit but freeing memory: this process was started for
    ``entry`` (not a test or a script calling ``main``), no exit handler is registered
    (coverage, a shared ``git cat-file``, logging ...), no other thread runs (the analysis
    cache's background writer must never be cut off) and the cache was not opened."""
    if getattr(sys.modules.get('__main__'), 'entry', None) is not entry:
        return False
    import atexit

    ncallbacks = getattr(atexit, '_ncallbacks', None)
    if ncallbacks is None or ncallbacks() != 0:
        return False
    threading = sys.modules.get('threading')
    if threading is not None and threading.active_count() != 1:
        return False
    return 'hotfix_hooks.cache' not in sys.modules


def _hard_exit(code: int) -> NoReturn:
    """Flush stdout and stderr, then end the process at once (no teardown). A stream that
    cannot be flushed (a closed pipe) leaves it to the ordinary exit."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        raise SystemExit(code) from None
    os._exit(code)


if __name__ == '__main__':
    entry()
