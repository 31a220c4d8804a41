from __future__ import annotations

import os
import sys
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.gitrepo import git_env
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import HOTFIX_BRANCH


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch,
                  tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never see the developer's git config, CI variables or pre-commit env."""
    home = tmp_path_factory.getbasetemp() / 'home'
    home.mkdir(exist_ok=True)
    clean = git_env(home)
    for k in list(os.environ):
        if k not in clean:
            monkeypatch.delenv(k, raising=False)
    for k, v in clean.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv('NO_COLOR', '1')


@pytest.fixture(autouse=True)
def _shared_cat_file_closed() -> Iterator[None]:
    """A test that reads through the shared ``git cat-file --batch`` outside a command (the
    command closes it) leaves no process behind for the next test."""
    yield
    from hotfix_hooks.git import plumbing

    plumbing.close_shared()


@pytest.fixture(autouse=True, scope='session')
def _declared_rules_only() -> Iterator[None]:
    """Every finding the package creates, in every test of this process, names a rule of the
    catalogue (tests/test_catalog.py says how the rest of the check works): an undeclared
    id fails the test that produces it, naming the line that created the finding."""
    from hotfix_hooks import catalog
    from hotfix_hooks import findings
    from tests.support.gitrepo import ROOT
    from tests.support.gitrepo import SRC

    known = catalog.known_ids()
    package = str(SRC / 'hotfix_hooks')
    original = findings.Finding.__post_init__

    def checked(self: findings.Finding) -> None:
        original(self)
        if self.rule in known:
            return
        caller = sys._getframe(2)      # __post_init__ <- generated __init__ <- the creator
        where = caller.f_code.co_filename
        if where.startswith(package):
            raise AssertionError(
                f'rule {self.rule} is emitted by {Path(where).relative_to(ROOT)}:'
                f'{caller.f_lineno} but not declared; add it to '
                f'{catalog.HOME.get(self.category, "the catalogue of its concern")}')

    findings.Finding.__post_init__ = checked  # type: ignore[method-assign]
    try:
        yield
    finally:
        findings.Finding.__post_init__ = original  # type: ignore[method-assign]


@pytest.fixture(autouse=True, scope='session')
def _migration_summaries_round_trip() -> Iterator[None]:
    """Every migration the front ends parse, in every test of this process, survives the
    analysis cache: its plain-data summary is marshal-able and loads back into an equal
    ``Migration`` (so a cached run gives the findings of an uncached one). A front end that
    puts an object in an op's facts fails the test that parses it."""
    import marshal

    from hotfix_hooks.migrations import discover
    from hotfix_hooks.migrations import summary

    original = discover.load

    def checked(*args: Any, **kwargs: Any) -> Any:
        found = original(*args, **kwargs)
        for mig in found:
            for ops in (mig.upgrade, mig.downgrade or []):
                assert len({id(o) for o in ops}) == len(ops), 'an op listed twice'
            back = summary.load(marshal.loads(marshal.dumps(summary.dump(mig))))
            assert back == mig, f'{mig.path}: the cached summary differs from the analysis'
        return found

    discover.load = checked  # type: ignore[assignment]
    try:
        yield
    finally:
        discover.load = original  # type: ignore[assignment]


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., GitRepo]:
    """``make_repo('name')`` -> a fresh repository under tmp_path."""
    def _make(name: str = 'repo') -> GitRepo:
        return GitRepo(tmp_path / name)
    return _make


@pytest.fixture
def repo(make_repo: Callable[..., GitRepo]) -> GitRepo:
    return make_repo()


@pytest.fixture
def hotfix_repo(make_repo: Callable[..., GitRepo]) -> GitRepo:
    """main with one commit, and HOTFIX_BRANCH checked out one commit ahead."""
    repo = make_repo()
    repo.commit('base', {'README.md': 'x\n'})
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.commit('fix', {'src/fix.txt': 'y\n'})
    return repo


# -- the real pre-commit framework ----------------------------------------------------
HOOK_REPO_FILES = ('hooks', 'pyproject.toml', '.pre-commit-hooks.yaml', 'README.md')


def _content_hash() -> str:
    import hashlib

    from tests.support.gitrepo import ROOT

    h = hashlib.sha256()
    for name in HOOK_REPO_FILES:
        p = ROOT / name
        files = sorted(p.rglob('*')) if p.is_dir() else [p]
        for f in files:
            if f.is_file() and '__pycache__' not in f.parts:
                h.update(str(f.relative_to(ROOT)).encode())
                h.update(f.read_bytes())
    return h.hexdigest()[:16]


@pytest.fixture(scope='session')
def hook_repo() -> tuple[str, str]:
    """This project, as a git repository pre-commit can install: (path, rev).

    Built from the current source (so uncommitted work is tested too) in a cache folder
    keyed by the content, with fixed dates so the same content gives the same commit and
    pre-commit reuses the environment it built (PRE_COMMIT_HOME below).
    """
    import fcntl
    import shutil
    import subprocess

    from tests.support.gitrepo import ROOT

    cache = ROOT / '.pytest_cache' / 'hotfix-hooks-e2e'
    cache.mkdir(parents=True, exist_ok=True)
    dest = cache / f'hook-repo-{_content_hash()}'
    with open(cache / '.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (dest / '.git').is_dir():
            if dest.exists():
                shutil.rmtree(dest)
            dest.mkdir()
            for name in HOOK_REPO_FILES:
                src = ROOT / name
                if src.is_dir():
                    shutil.copytree(src, dest / name,
                                    ignore=shutil.ignore_patterns('__pycache__'))
                else:
                    shutil.copy2(src, dest / name)
            env = git_env(cache)
            env.update(GIT_AUTHOR_DATE='2026-01-01T00:00:00Z',
                       GIT_COMMITTER_DATE='2026-01-01T00:00:00Z')
            for args in (['init', '-q', '-b', 'main', '--template='], ['add', '-A'],
                         ['-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'hook repo']):
                subprocess.run(['git', *args], cwd=dest, env=env, check=True,
                               capture_output=True)
        rev = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=dest, env=git_env(cache),
                             check=True, capture_output=True, text=True).stdout.strip()
    return str(dest), rev


@pytest.fixture(scope='session')
def pre_commit_home() -> str:
    """One pre-commit store for every test run (pre-commit locks it itself)."""
    from tests.support.gitrepo import ROOT

    home = ROOT / '.pytest_cache' / 'pre-commit-home'
    home.mkdir(parents=True, exist_ok=True)
    return str(home)


@pytest.fixture
def consumer(tmp_path: Path, hook_repo: tuple[str, str],
             pre_commit_home: str) -> Callable[..., GitRepo]:
    """``consumer(hooks=[...], hook_types=[...])``: a repository that uses hotfix-hooks
    through the real pre-commit framework, with a local bare remote ``origin``."""
    import sys

    def _make(hooks: list[str], hook_types: tuple[str, ...] = ('pre-commit', 'pre-push'),
              files: dict[str, str] | None = None, args: dict[str, list[str]] | None = None
              ) -> GitRepo:
        repo = GitRepo(tmp_path / 'consumer')
        repo.env['PRE_COMMIT_HOME'] = pre_commit_home
        bindir = os.path.dirname(sys.executable)
        repo.env['PATH'] = bindir + os.pathsep + repo.env.get('PATH', '')
        lines = ['repos:', f'-   repo: {hook_repo[0]}', f'    rev: {hook_repo[1]}', '    hooks:']
        for h in hooks:
            lines.append(f'    -   id: {h}')
            if args and h in args:
                lines.append(f'        args: {args[h]!r}')
        repo.write('.pre-commit-config.yaml', '\n'.join(lines) + '\n')
        repo.write('README.md', '# service\n')
        for rel, content in (files or {}).items():
            repo.write(rel, content)
        repo.commit('initial')
        repo.add_bare_remote('origin')
        repo.git('push', '-q', 'origin', 'main')
        repo.run([sys.executable, '-m', 'pre_commit', 'install', '--install-hooks',
                  *[a for t in hook_types for a in ('-t', t)]])
        return repo
    return _make
