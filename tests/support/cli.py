"""``hotfix-hooks ARGS`` run inside the test process: ``run_cli(repo, 'scan', ...)``.

It calls ``hotfix_hooks.cli.main(args)`` the way ``python -m hotfix_hooks`` would run in the
repository, without paying for a new interpreter: the working directory is the repository,
``os.environ`` is the repository's environment plus ``env`` (as ``GitRepo.hh`` gives a child
process), stdin is ``stdin`` (empty when not given), and stdout/stderr are captured from
streams like a child's redirected ones (UTF-8 over bytes, not a TTY; ``cli.main`` reconfigures
them as it does the real ones). All of it is restored afterwards.

What only a real process shows (git hooks, the pre-commit framework, a TTY, a pipe that
stays open, signals, the import cost of a command) uses ``GitRepo.hh`` or ``GitRepo.run``.
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hotfix_hooks import cli
from tests.support.gitrepo import _with_pythonpath
from tests.support.gitrepo import GitRepo
from tests.support.gitrepo import SRC

# the package the tests import must be the one under test (this worktree's hooks/)
assert Path(cli.__file__).resolve().is_relative_to(SRC), (cli.__file__, SRC)


@dataclass(frozen=True)
class Result:
    """What ``subprocess.run(..., capture_output=True, text=True)`` would have given."""
    returncode: int
    stdout: str
    stderr: str
    args: tuple[str, ...] = ()


def run_cli(repo: GitRepo, *args: str, env: dict[str, str] | None = None,
            stdin: str | None = None) -> Result:
    """Run ``hotfix-hooks ARGS`` in this process, in ``repo``; never raises for an exit code."""
    full_env = dict(repo.env)
    full_env.update(_with_pythonpath(env))     # children it starts (gates) import this tree
    out, err = _child_stream(), _child_stream()
    with _environ(full_env), _cwd(repo.path), _stdio(io.StringIO(stdin or ''), out, err):
        code = cli.main(list(args))
    return Result(code, _text(out), _text(err), args)


def _child_stream() -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding='utf-8', errors='strict', newline='\n')


def _text(stream: io.TextIOWrapper) -> str:
    """Decoded as ``subprocess.run(text=True)`` decodes a child's output."""
    stream.flush()
    data = stream.buffer.getvalue().decode('utf-8')  # type: ignore[attr-defined]
    return data.replace('\r\n', '\n').replace('\r', '\n')


@contextlib.contextmanager
def _environ(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _cwd(path: Path) -> Iterator[None]:
    saved = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(saved)


@contextlib.contextmanager
def _stdio(stdin: io.StringIO, stdout: io.TextIOWrapper, stderr: io.TextIOWrapper
           ) -> Iterator[None]:
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
    try:
        yield
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
