"""Real git repositories for tests: commits, branches, tags, a local bare remote.

Every git call runs with an isolated environment (no user/system config, no templates,
fixed author), so tests behave the same on every machine.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / 'hooks'    # the source root: the package hotfix_hooks lives in it
# Python processes the tests start keep their bytecode here, never beside the sources: with
# PYTHONDONTWRITEBYTECODE every 'python -m hotfix_hooks' compiled the package again.
PYCACHE = ROOT / '.pytest_cache' / 'pycache'

_DROP = ('GIT_DIR', 'GIT_INDEX_FILE', 'GIT_WORK_TREE', 'GIT_OBJECT_DIRECTORY',
         'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_COMMON_DIR', 'GIT_PREFIX')


def git_env(home: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in _DROP and not k.startswith(('PRE_COMMIT', 'GITHUB_', 'GITLAB_', 'CI_'))}
    for k in ('CI', 'BUILDKITE', 'CIRCLECI', 'JENKINS_URL', 'TF_BUILD', 'BUILD_BUILDURI',
              'BITBUCKET_BUILD_NUMBER', 'TRAVIS', 'BRANCH_NAME', 'CHANGE_TARGET'):
        env.pop(k, None)
    env.update({
        'GIT_AUTHOR_NAME': 'Test Author', 'GIT_AUTHOR_EMAIL': 'author@example.com',
        'GIT_COMMITTER_NAME': 'Test Author', 'GIT_COMMITTER_EMAIL': 'author@example.com',
        'GIT_CONFIG_NOSYSTEM': '1', 'GIT_ALLOW_PROTOCOL': 'file',
        'GIT_TERMINAL_PROMPT': '0',
        'PYTHONPYCACHEPREFIX': str(PYCACHE),
    })
    env.pop('PYTHONDONTWRITEBYTECODE', None)
    if home is not None:
        env['HOME'] = str(home)
        env['XDG_CONFIG_HOME'] = str(home / '.config')
    return env


class GitRepo:
    """A working repository in ``path`` (created with ``git init -b main``)."""

    def __init__(self, path: Path, env: dict[str, str] | None = None, init: bool = True,
                 bare: bool = False) -> None:
        self.path = Path(path)
        self.env = env if env is not None else git_env(self.path.parent)
        if init:
            self.path.mkdir(parents=True, exist_ok=True)
            args = ['init', '-q', '-b', 'main', '--template=']
            if bare:
                args.append('--bare')
            self.git(*args)
            if not bare:
                self.git('config', 'commit.gpgsign', 'false')
                self.git('config', 'tag.gpgsign', 'false')

    # -- plumbing ----------------------------------------------------------
    def git(self, *args: str, check: bool = True, input: str | bytes | None = None,
            env: dict[str, str] | None = None) -> str:
        res = self.run(['git', *args], check=check, input=input, env=env)
        return res.stdout.strip() if isinstance(res.stdout, str) else res.stdout

    def run(self, argv: list[str], check: bool = True, input: str | bytes | None = None,
            env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        full_env = dict(self.env)
        if env:
            full_env.update(env)
        text = not isinstance(input, bytes)
        res = subprocess.run(argv, cwd=self.path, env=full_env, input=input,
                             capture_output=True, text=text, timeout=timeout)
        if check and res.returncode != 0:
            raise AssertionError(
                f'{argv!r} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}')
        return res

    def hh(self, *args: str, env: dict[str, str] | None = None, input: str | None = None,
           check: bool = False) -> subprocess.CompletedProcess:
        """Run ``hotfix-hooks ARGS`` as a real process (``python -m hotfix_hooks``) in this
        repository; ``tests.support.cli.run_cli`` runs it in-process where no process is needed."""
        return self.run([sys.executable, '-m', 'hotfix_hooks', *args], env=_with_pythonpath(env),
                        input=input, check=check)

    # -- porcelain ---------------------------------------------------------
    def write(self, relpath: str, content: str | bytes) -> Path:
        p = self.path / relpath
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content)
        return p

    def remove(self, relpath: str) -> None:
        (self.path / relpath).unlink()

    def commit(self, message: str = 'change', files: dict[str, str | bytes | None] | None = None,
               allow_empty: bool = False) -> str:
        """Write ``files`` (``None`` deletes), stage everything, commit; return the sha."""
        for rel, content in (files or {}).items():
            if content is None:
                self.git('rm', '-q', '--', rel)
            else:
                self.write(rel, content)
        self.git('add', '-A')
        args = ['commit', '-q', '--no-verify', '-m', message]
        if allow_empty:
            args.append('--allow-empty')
        self.git(*args)
        return self.head()

    def head(self) -> str:
        return self.git('rev-parse', 'HEAD')

    def checkout(self, name: str, create: bool = False, start: str | None = None) -> None:
        args = ['checkout', '-q']
        if create:
            args.append('-b')
        args.append(name)
        if start:
            args.append(start)
        self.git(*args)

    def tag(self, name: str, annotated: bool = False, rev: str = 'HEAD') -> None:
        if annotated:
            self.git('tag', '-a', name, '-m', f'tag {name}', rev)
        else:
            self.git('tag', name, rev)

    def add_bare_remote(self, name: str = 'origin') -> GitRepo:
        bare = GitRepo(self.path.parent / f'{self.path.name}-{name}.git', env=self.env,
                       bare=True)
        self.git('remote', 'add', name, str(bare.path))
        return bare

    def clone(self, dest: Path, *args: str) -> GitRepo:
        subprocess.run(['git', 'clone', '-q', '--template=', *args, str(self.path), str(dest)],
                       env=self.env, check=True, capture_output=True)
        repo = GitRepo(dest, env=self.env, init=False)
        repo.git('config', 'commit.gpgsign', 'false')
        return repo

    def copy_to(self, dest: Path) -> GitRepo:
        shutil.copytree(self.path, dest, symlinks=True)
        return GitRepo(dest, env=self.env, init=False)


def _with_pythonpath(env: dict[str, str] | None) -> dict[str, str]:
    out = dict(env or {})
    pp = os.environ.get('PYTHONPATH', '')
    out['PYTHONPATH'] = str(SRC) + (os.pathsep + pp if pp else '')
    return out
