"""The invocation table of issue 2, commit rows: real ``git commit`` runs through plain git
pre-commit and commit-msg hooks (the index vs HEAD, merges, rebases, linked worktrees, the
message file git passes)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import COMMIT_MSG
from tests.support.hookkit import HookRun
from tests.support.hookkit import install_hook
from tests.support.hookkit import paths_of
from tests.support.hookkit import PRE_COMMIT
from tests.support.hookkit import write_policy
from tests.support.pushworld import EMPTY_TREE


# -- git commit: the index vs HEAD ----------------------------------------------------
@pytest.fixture
def committing(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / 'c')
    repo.git('checkout', '-q', '-b', 'hotfix/ARIS-14-commit-stage')
    install_hook(repo, 'pre-commit', PRE_COMMIT)
    return repo


def _git_commit(repo: GitRepo, out: Path, *args: str) -> HookRun:
    repo.git('commit', '-q', *args, env={'HOOK_OUT': str(out)})
    return HookRun(out)


def test_first_commit_reads_the_index_against_the_empty_tree(committing: GitRepo,
                                                             tmp_path: Path) -> None:
    committing.write('requirements-first.txt', 'f==1\n')
    committing.git('add', '-A')
    run = _git_commit(committing, tmp_path / 'h1', '-m', 'first')
    ctx = run.context
    assert (ctx['stage'], ctx['mode'], ctx['base']) == ('pre-commit', 'index', EMPTY_TREE)
    assert ctx['branch'] == 'hotfix/ARIS-14-commit-stage'
    assert paths_of(run.findings()) == {'requirements-first.txt'}
    assert committing.git('log', '--format=%s') == 'first'


def test_commit_reads_the_index_not_unstaged_edits(committing: GitRepo, tmp_path: Path) -> None:
    head = committing.commit('base', {'requirements-tracked.txt': 't==1\n'})
    committing.write('requirements-staged.txt', 's==1\n')
    committing.git('add', 'requirements-staged.txt')
    committing.write('requirements-tracked.txt', 't==2\n')       # unstaged
    run = _git_commit(committing, tmp_path / 'h2', '-m', 'staged only')
    assert run.text('index_file').endswith('index')          # git exports GIT_INDEX_FILE
    ctx = run.context
    assert (ctx['mode'], ctx['base']) == ('index', head)
    assert paths_of(run.findings()) == {'requirements-staged.txt'}


def test_commit_all_reads_git_temporary_index(committing: GitRepo, tmp_path: Path) -> None:
    committing.commit('base', {'requirements-tracked.txt': 't==1\n'})
    committing.write('requirements-tracked.txt', 't==2\n')
    run = _git_commit(committing, tmp_path / 'h3', '-a', '-m', 'all')
    assert run.text('index_file').endswith('index.lock')
    assert paths_of(run.findings()) == {'requirements-tracked.txt'}


def test_commit_in_a_linked_worktree_where_git_exports_git_dir(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / 'main-wt')
    base = repo.commit('base', {'README.md': 'x\n'})
    install_hook(repo, 'pre-commit', PRE_COMMIT)
    repo.git('config', 'core.hooksPath', str(repo.path / '.git' / 'hooks'))
    repo.git('worktree', 'add', '-q', '-b', 'hotfix/ARIS-42-linked', str(tmp_path / 'lw'))
    wt = GitRepo(tmp_path / 'lw', env=repo.env, init=False)
    wt.write('requirements-linked.txt', 'l==1\n')
    wt.git('add', '-A')
    run = _git_commit(wt, tmp_path / 'h', '-m', 'linked')
    ctx = run.context
    assert (ctx['mode'], ctx['base'], ctx['branch']) == ('index', base, 'hotfix/ARIS-42-linked')
    assert ctx['root'] == str(tmp_path / 'lw')
    assert paths_of(run.findings()) == {'requirements-linked.txt'}


def test_commit_finishing_a_merge_of_main_reads_only_the_branchs_own_changes(
        tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / 'merging')
    repo.commit('base', {'README.md': 'base\n'})
    repo.git('checkout', '-q', '-b', 'hotfix/ARIS-14-commit-stage')
    install_hook(repo, 'pre-commit', PRE_COMMIT)
    repo.commit('mine', {'requirements-mine.txt': 'm==1\n', 'README.md': 'mine\n'})
    repo.checkout('main')
    main = repo.commit('upstream', {'requirements-upstream.txt': 'u==1\n', 'README.md': 'up\n'})
    repo.checkout('hotfix/ARIS-14-commit-stage')
    assert repo.run(['git', 'merge', '-q', 'main'], check=False).returncode != 0   # conflict
    repo.write('README.md', 'mine and up\n')
    repo.git('add', 'README.md')
    run = _git_commit(repo, tmp_path / 'merge', '--no-edit')
    assert run.context['base'] == main
    # main's dependency change is not this hotfix's change
    assert paths_of(run.findings()) == {'requirements-mine.txt'}
    # merging anything else is read as usual: the index vs HEAD
    repo.git('checkout', '-q', '-b', 'colleague', 'main')
    repo.commit('theirs', {'requirements-theirs.txt': 't==1\n', 'README.md': 'theirs\n'})
    repo.checkout('hotfix/ARIS-14-commit-stage')
    head = repo.head()
    assert repo.run(['git', 'merge', '-q', 'colleague'], check=False).returncode != 0
    repo.write('README.md', 'all\n')
    repo.git('add', 'README.md')
    run = _git_commit(repo, tmp_path / 'merge2', '--no-edit')
    assert run.context['base'] == head
    assert paths_of(run.findings()) == {'requirements-theirs.txt'}


@pytest.mark.parametrize('branch, blocked', [('hotfix/ARIS-44-rebased', False),
                                             ('hotfix-ARIS-44-rebased', True)])
def test_commit_during_a_rebase_knows_the_branch_being_rebased(tmp_path: Path, branch: str,
                                                               blocked: bool) -> None:
    repo = GitRepo(tmp_path / 'rebase')
    repo.commit('base', {'README.md': 'x\n'})
    repo.git('checkout', '-q', '-b', branch)
    repo.commit('a', {'a.txt': 'a\n'})
    repo.commit('b', {'b.txt': 'b\n'})
    install_hook(repo, 'pre-commit', 'eval "$HH check-branch"\n')
    repo.git('rebase', '-q', '-i', 'main', env={'GIT_SEQUENCE_EDITOR': 'sed -i 1s/^pick/edit/'})
    assert repo.run(['git', 'symbolic-ref', '-q', 'HEAD'], check=False).returncode == 1
    repo.write('a.txt', 'a2\n')
    repo.git('add', 'a.txt')
    res = repo.run(['git', 'commit', '-q', '--amend', '--no-edit'], check=False)
    if blocked:
        assert res.returncode != 0 and '[branch-name]' in res.stdout + res.stderr
    else:
        assert res.returncode == 0, res.stdout + res.stderr
        repo.git('rebase', '--continue')
        assert repo.git('symbolic-ref', '--short', 'HEAD') == branch


# -- commit-msg: the message file git passes --------------------------------------------
@pytest.fixture
def msg_repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / 'm')
    repo.commit('base', {'README.md': 'x\n'})
    repo.git('checkout', '-q', '-b', 'hotfix/ARIS-15-messages')
    write_policy(repo, '[naming]\ncommit_msg = true\n')
    install_hook(repo, 'commit-msg', COMMIT_MSG)
    return repo


def test_commit_msg_hook_reads_commit_editmsg(msg_repo: GitRepo, tmp_path: Path) -> None:
    env = {'HOOK_OUT': str(tmp_path)}
    msg_repo.write('a.txt', 'a\n')
    msg_repo.git('add', 'a.txt')
    refused = msg_repo.run(['git', 'commit', '-q', '-m', 'fix the drift'], env=env, check=False)
    assert refused.returncode != 0
    assert (tmp_path / 'msg_arg').read_text() == '.git/COMMIT_EDITMSG'
    finding = json.loads((tmp_path / 'commit-msg.json').read_text())['findings'][0]
    assert finding['rule'] == 'commit-msg' and 'ARIS-15' in finding['message']
    msg_repo.git('commit', '-q', '-m', 'ARIS-15: fix the drift', env=env)
    assert msg_repo.git('log', '-1', '--format=%s') == 'ARIS-15: fix the drift'


def test_commit_msg_hook_reads_merge_msg(msg_repo: GitRepo, tmp_path: Path) -> None:
    env = {'HOOK_OUT': str(tmp_path)}
    msg_repo.git('checkout', '-q', '-b', 'side', 'main')
    msg_repo.commit('side', {'side.txt': 's\n'})
    msg_repo.git('checkout', '-q', 'hotfix/ARIS-15-messages')
    msg_repo.git('merge', '-q', '--no-ff', '--no-edit', 'side', env=env)   # "Merge branch ..."
    assert (tmp_path / 'msg_arg').read_text() == '.git/MERGE_MSG'
    assert msg_repo.git('log', '-1', '--format=%s').startswith('Merge branch')
    msg_repo.git('checkout', '-q', '-b', 'side2', 'main')
    msg_repo.commit('side2', {'side2.txt': 's\n'})
    msg_repo.git('checkout', '-q', 'hotfix/ARIS-15-messages')
    refused = msg_repo.run(['git', 'merge', '-q', '--no-ff', '-m', 'bring in side2', 'side2'],
                           env=env, check=False)
    assert refused.returncode != 0
    assert 'ARIS-15' in (tmp_path / 'commit-msg.json').read_text()


def test_commit_msg_without_argument_reads_gits_message_file(msg_repo: GitRepo,
                                                             tmp_path: Path) -> None:
    # pre-commit runs an always_run hook with no argument when its top-level "files"
    # filters the message path out
    install_hook(msg_repo, 'commit-msg',
                 'eval "$HH check-commit-msg --format json" > "$HOOK_OUT/commit-msg.json"\n')
    env = {'HOOK_OUT': str(tmp_path)}
    msg_repo.write('a.txt', 'a\n')
    msg_repo.git('add', 'a.txt')
    msg_repo.git('commit', '-q', '-m', 'ARIS-15: first', env=env)
    msg_repo.write('a.txt', 'b\n')
    msg_repo.git('add', 'a.txt')
    assert msg_repo.run(['git', 'commit', '-q', '-m', 'no ticket'], env=env,
                        check=False).returncode != 0
    msg_repo.git('reset', '-q', '--hard')
    msg_repo.git('checkout', '-q', '-b', 'side3', 'main')
    msg_repo.commit('side3', {'side3.txt': 's\n'})
    msg_repo.git('checkout', '-q', 'hotfix/ARIS-15-messages')
    (msg_repo.path / '.git' / 'COMMIT_EDITMSG').write_text('ARIS-15: first\n')
    # COMMIT_EDITMSG holds an older message with the ticket; the merge's own has none
    refused = msg_repo.run(['git', 'merge', '-q', '--no-ff', '-m', 'bring in side3', 'side3'],
                           env=env, check=False)
    assert refused.returncode != 0
    assert 'ARIS-15' in (tmp_path / 'commit-msg.json').read_text()


def test_commit_msg_in_a_linked_worktree(msg_repo: GitRepo, tmp_path: Path) -> None:
    env = {'HOOK_OUT': str(tmp_path)}
    hooks = msg_repo.path / '.git' / 'hooks'
    msg_repo.git('config', 'core.hooksPath', str(hooks))
    wt_path = tmp_path / 'linked'
    msg_repo.git('worktree', 'add', '-q', '-b', 'hotfix/ARIS-16-linked', str(wt_path), 'main')
    wt = GitRepo(wt_path, env=msg_repo.env, init=False)
    write_policy_file = wt_path / '.hotfix-hooks.toml'
    write_policy_file.write_text('[naming]\ncommit_msg = true\n')
    wt.write('b.txt', 'b\n')
    wt.git('add', 'b.txt')
    refused = wt.run(['git', 'commit', '-q', '-m', 'no ticket'], env=env, check=False)
    assert refused.returncode != 0
    arg = (tmp_path / 'msg_arg').read_text()
    assert arg.endswith('COMMIT_EDITMSG')
    assert 'ARIS-16' in (tmp_path / 'commit-msg.json').read_text()
    wt.git('commit', '-q', '-m', 'ARIS-16 fix', env=env)
    # the absolute path of a linked worktree's message file, as pre-commit passes it
    abs_msg = msg_repo.path / '.git' / 'worktrees' / 'linked' / 'COMMIT_EDITMSG'
    abs_msg.write_text('no ticket here\n')
    res = run_cli(wt, 'check-commit-msg', str(abs_msg))
    assert res.returncode == 1 and 'ARIS-16' in res.stdout
