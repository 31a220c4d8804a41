"""A repository with a local bare remote ``origin`` and a plain git pre-push hook that saves
what hotfix-hooks resolved and found on every real ``git push`` (see hookkit.PRE_PUSH)."""
from __future__ import annotations

import itertools
from pathlib import Path

from tests.support.gitrepo import GitRepo
from tests.support.hookkit import HookRun
from tests.support.hookkit import install_hook
from tests.support.hookkit import PRE_PUSH

EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'
ZERO = '0' * 40
_counter = itertools.count()


class World:
    def __init__(self, repo: GitRepo, bare: GitRepo, tmp: Path) -> None:
        self.repo = repo
        self.bare = bare
        self.tmp = tmp
        self.main = repo.git('rev-parse', 'main')

    def push(self, *args: str) -> HookRun:
        out = self.tmp / f'hook-{next(_counter)}'
        self.repo.git('push', '-q', *args, env={'HOOK_OUT': str(out)})
        run = HookRun(out)
        assert run.exists('stdin'), 'the pre-push hook did not run'
        return run

    def branch(self, name: str) -> None:
        self.repo.git('checkout', '-q', '-B', name, 'main')


def make_world(tmp: Path) -> World:
    repo = GitRepo(tmp / 'work')
    bare = repo.add_bare_remote()
    repo.commit('base', {'README.md': 'hello\n', 'requirements-base.txt': 'x==1\n'})
    repo.git('push', '-q', '-u', 'origin', 'main')
    install_hook(repo, 'pre-push', PRE_PUSH)
    return World(repo, bare, tmp)


def pushed_line(run: HookRun) -> list[str]:
    lines = run.text('stdin').splitlines()
    assert len(lines) == 1, lines
    return lines[0].split()


def precommit_push_env(world: World, local: str, remote: str, from_ref: str | None = None,
                       to_ref: str | None = None) -> dict[str, str]:
    """The environment the pre-commit framework gives a pre-push hook."""
    env = {'PRE_COMMIT': '1', 'PRE_COMMIT_REMOTE_NAME': 'origin',
           'PRE_COMMIT_REMOTE_URL': str(world.bare.path),
           'PRE_COMMIT_LOCAL_BRANCH': local, 'PRE_COMMIT_REMOTE_BRANCH': remote}
    if from_ref is not None:
        env.update({'PRE_COMMIT_FROM_REF': from_ref, 'PRE_COMMIT_ORIGIN': from_ref})
    if to_ref is not None:
        env.update({'PRE_COMMIT_TO_REF': to_ref, 'PRE_COMMIT_SOURCE': to_ref})
    return env
