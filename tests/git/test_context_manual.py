"""The invocation table of issue 2, rows run by hand: ``pre-commit run`` (merge-base ..
working tree), ``--from-ref``/``--to-ref``, and the ranges that cannot be read."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import assert_error
from tests.support.hookkit import assert_one_line_error
from tests.support.hookkit import context_of
from tests.support.hookkit import hh_json
from tests.support.hookkit import HOTFIX_BRANCH
from tests.support.hookkit import paths_of
from tests.support.pushworld import World


# -- pre-commit run (by hand, --all-files, manual): merge-base .. working tree -----------
def test_precommit_run_reads_committed_staged_and_unstaged_tracked_changes(
        tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / 'r')
    base = repo.commit('base', {'requirements-unstaged.txt': 'u==1\n', 'README.md': 'x\n'})
    repo.git('checkout', '-q', '-b', 'hotfix/ARIS-13-worktree')
    repo.commit('committed', {'requirements-committed.txt': 'c==1\n'})
    repo.write('requirements-staged.txt', 's==1\n')
    repo.git('add', 'requirements-staged.txt')
    repo.write('requirements-unstaged.txt', 'u==2\n')
    repo.write('requirements-untracked.txt', 'n==1\n')

    env = {'PRE_COMMIT': '1'}
    ctx = context_of(repo, env=env)
    assert (ctx['mode'], ctx['base'], ctx['head']) == ('worktree', base, None)
    assert ctx['base_ref'] == 'refs/heads/main'
    rc, data, err = hh_json(repo, 'scan', env=env)
    assert rc == 0, err
    assert paths_of(data['findings']) == {'requirements-committed.txt',
                                          'requirements-staged.txt',
                                          'requirements-unstaged.txt'}
    manual = context_of(repo, '--stage', 'manual', env=env)
    assert (manual['stage'], manual['mode']) == ('manual', 'worktree')


def test_from_ref_to_ref_accept_ref_names_verbatim(world: World, env_branch: dict[str, str]
                                                   ) -> None:
    repo = world.repo
    repo.git('checkout', '-q', 'hotfix/ARIS-10-env')
    try:
        by_flag = context_of(repo, '--from-ref', 'origin/main', '--to-ref', 'HEAD')
        # pre-commit run --from-ref origin/main --to-ref HEAD exports the names as given
        by_env = context_of(repo, env={'PRE_COMMIT': '1', 'PRE_COMMIT_FROM_REF': 'origin/main',
                                       'PRE_COMMIT_TO_REF': 'HEAD',
                                       'PRE_COMMIT_ORIGIN': 'origin/main',
                                       'PRE_COMMIT_SOURCE': 'HEAD'})
    finally:
        repo.checkout('main')
    for ctx in (by_flag, by_env):
        assert (ctx['mode'], ctx['base'], ctx['head']) == ('range', world.main,
                                                           env_branch['tip'])
        assert ctx['branch'] == 'hotfix/ARIS-10-env'
        assert any('origin/main..HEAD' in w for w in ctx['why'])


# -- ranges --------------------------------------------------------------------------------
ROUTES_A = ('from fastapi import APIRouter\nrouter = APIRouter()\n\n\n'
            '@router.get("/a")\ndef a():\n    return 1\n')


@pytest.mark.parametrize('cmd', ['scan', 'ci'])
def test_from_ref_that_moved_ahead_does_not_blame_the_hotfix(repo: GitRepo, cmd: str) -> None:
    """``--from-ref origin/main --to-ref HEAD`` after main moved on (the CI recipe): what
    main added since the branch was cut is not the hotfix removing it (pre-commit itself
    reads FROM...TO, from the merge-base)."""
    repo.commit('base', {'app/routes.py': ROUTES_A})
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.commit('fix', {'README.md': 'fixed\n'})
    repo.checkout('main')
    repo.commit('main moves on', {'app/routes.py': ROUTES_A + '\n\n@router.get("/b")\n'
                                                   'def b():\n    return 2\n'})
    repo.checkout(HOTFIX_BRANCH)
    res = run_cli(repo, cmd, '--from-ref', 'main', '--to-ref', 'HEAD', '--format', 'json')
    assert 'api-route-removed' not in res.stdout, res.stdout
    assert 'Traceback' not in res.stderr


def test_empty_range_says_so(hotfix_repo: GitRepo) -> None:
    """--from-ref equal to --to-ref: nothing to check, and the user is told (not a silent
    pass that looks like a clean change)."""
    res = run_cli(hotfix_repo, 'scan', '--from-ref', 'HEAD', '--to-ref', hotfix_repo.head())
    assert res.returncode == 0
    assert 'same commit' in res.stderr and 'nothing' in res.stderr, res.stderr
    assert 'Traceback' not in res.stderr


# -- refs and repositories that cannot be read -------------------------------------------
def test_unknown_ref_is_exit_2_with_one_line(world: World) -> None:
    for cmd in ('scan', 'context'):
        res = run_cli(world.repo, cmd, '--from-ref', 'no-such-branch', '--to-ref', 'HEAD')
        assert_one_line_error(res, "unknown ref 'no-such-branch'")


def test_only_one_of_from_ref_to_ref_is_a_usage_error(world: World) -> None:
    res = run_cli(world.repo, 'scan', '--from-ref', 'main')
    assert_one_line_error(res, '--from-ref and --to-ref go together')


def test_empty_repository_is_exit_2_for_scan_and_context(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / 'empty')
    for args in (('scan',), ('context',), ('scan', '--from-ref', 'HEAD', '--to-ref', 'HEAD')):
        assert_one_line_error(run_cli(repo, *args), 'no commits yet')


def test_orphan_branch_is_not_called_an_empty_repository(hotfix_repo: GitRepo) -> None:
    hotfix_repo.git('checkout', '-q', '--orphan', 'hotfix/ARIS-10-orphan')
    res = run_cli(hotfix_repo, 'scan')
    assert_error(res, 'orphan')


def test_context_text_output_says_why(world: World) -> None:
    res = run_cli(world.repo, 'context', '--from-ref', 'main', '--to-ref', 'main')
    assert res.returncode == 0
    out = res.stdout
    assert 'mode:    range' in out and 'why:     --from-ref/--to-ref given: main..main' in out
