"""The invocation table of issue 2, row by row, against real git.

Pushes are real ``git push`` runs to a local bare remote through a plain git pre-push hook
(git's pushed refs on stdin); the pre-commit framework's environment is reproduced exactly
as the research note observed it (pre-commit 4.7). The tool always runs as a real process.
"""
from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.gitrepo import GitRepo
from tests.support.gitrepo import SRC
from tests.support.hookkit import assert_one_line_error
from tests.support.hookkit import COMMIT_MSG
from tests.support.hookkit import context_of
from tests.support.hookkit import hh_json
from tests.support.hookkit import HookRun
from tests.support.hookkit import install_hook
from tests.support.hookkit import paths_of
from tests.support.hookkit import PRE_COMMIT
from tests.support.hookkit import PRE_PUSH
from tests.support.hookkit import PY
from tests.support.hookkit import write_policy

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


def _make_world(tmp: Path) -> World:
    repo = GitRepo(tmp / 'work')
    bare = repo.add_bare_remote()
    repo.commit('base', {'README.md': 'hello\n', 'requirements-base.txt': 'x==1\n'})
    repo.git('push', '-q', '-u', 'origin', 'main')
    install_hook(repo, 'pre-push', PRE_PUSH)
    return World(repo, bare, tmp)


@pytest.fixture(scope='module')
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return _make_world(tmp_path_factory.mktemp('push'))


def _pushed_line(run: HookRun) -> list[str]:
    lines = run.text('stdin').splitlines()
    assert len(lines) == 1, lines
    return lines[0].split()


# -- git push (plain git pre-push hook, refs on stdin) ------------------------------------
def test_push_of_existing_branch_checks_the_whole_branch_from_the_merge_base(world: World) -> None:
    repo = world.repo
    world.branch('hotfix/ARIS-1-existing')
    repo.commit('one', {'requirements-one.txt': 'a==1\n'})
    repo.git('push', '-q', '--no-verify', 'origin', 'hotfix/ARIS-1-existing')
    old = repo.head()
    new = repo.commit('two', {'requirements-two.txt': 'b==1\n'})

    run = world.push('origin', 'hotfix/ARIS-1-existing')

    assert _pushed_line(run) == ['refs/heads/hotfix/ARIS-1-existing', new,
                                 'refs/heads/hotfix/ARIS-1-existing', old]
    ctx = run.context
    assert (ctx['stage'], ctx['mode'], ctx['branch']) == ('pre-push', 'range',
                                                          'hotfix/ARIS-1-existing')
    assert ctx['base'] == world.main and ctx['head'] == new
    assert ctx['base_ref'] == 'refs/remotes/origin/main'
    # not just FROM..TO (the second commit): the whole branch, as CI will see it
    assert paths_of(run.findings()) == {'requirements-one.txt', 'requirements-two.txt'}
    assert run.rc('scan') == 0     # scope findings are warnings by default


def test_push_of_new_branch_not_checked_out_reads_the_pushed_commits_not_the_disk(
        world: World) -> None:
    repo = world.repo
    world.branch('hotfix/ARIS-2-new-branch')
    repo.commit('one', {'requirements-new1.txt': 'a==1\n'})
    tip = repo.commit('two', {'requirements-new2.txt': 'b==1\n'})
    repo.checkout('main')
    repo.write('requirements-base.txt', 'dirty==9\n')      # unstaged edit on main
    try:
        run = world.push('origin', 'hotfix/ARIS-2-new-branch')
    finally:
        repo.git('checkout', '--', 'requirements-base.txt')

    assert _pushed_line(run)[3] == ZERO
    ctx = run.context
    assert ctx['branch'] == 'hotfix/ARIS-2-new-branch'       # the pushed ref, not HEAD (main)
    assert ctx['branch_source'] == 'the pushed ref'
    assert (ctx['base'], ctx['head']) == (world.main, tip)
    # files that do not exist in the checked-out tree are still read; the dirty
    # requirements-base.txt in the working tree is not part of the push
    assert paths_of(run.findings()) == {'requirements-new1.txt', 'requirements-new2.txt'}


def test_force_push_uses_the_merge_base_not_the_old_remote_sha(world: World) -> None:
    repo = world.repo
    world.branch('hotfix/ARIS-3-forced')
    old = repo.commit('first try', {'requirements-first-try.txt': 'a==1\n'})
    repo.git('push', '-q', '--no-verify', 'origin', 'hotfix/ARIS-3-forced')
    repo.git('reset', '-q', '--hard', 'main')
    new = repo.commit('second try', {'requirements-second-try.txt': 'b==1\n'})

    run = world.push('--force', 'origin', 'hotfix/ARIS-3-forced')

    assert _pushed_line(run)[3] == old
    assert repo.run(['git', 'merge-base', '--is-ancestor', old, new], check=False).returncode == 1
    ctx = run.context
    assert (ctx['base'], ctx['head']) == (world.main, new)
    # FROM..TO would also list the dropped first try as deleted; the branch is only this
    assert paths_of(run.findings()) == {'requirements-second-try.txt'}


def test_push_cannot_hide_an_earlier_no_verify_commit(world: World) -> None:
    repo = world.repo
    world.branch('hotfix/ARIS-4-sneaky')
    repo.commit('sneaky', {'requirements-sneaky.txt': 'evil==1\n'})
    repo.git('push', '-q', '--no-verify', 'origin', 'hotfix/ARIS-4-sneaky')
    repo.commit('harmless', {'README.md': 'hello again\n'})

    run = world.push('origin', 'hotfix/ARIS-4-sneaky')

    assert 'requirements-sneaky.txt' in paths_of(run.findings())


def test_push_of_annotated_tag_peels_the_tag_object_and_runs_only_the_tag_rule(
        world: World) -> None:
    repo = world.repo
    world.branch('release-0.1')
    commit = repo.commit('release', {'requirements-release.txt': 'r==1\n'})
    repo.tag('0.1.0', annotated=True)
    tag_object = repo.git('rev-parse', '0.1.0')
    assert tag_object != commit

    run = world.push('origin', '0.1.0')

    assert _pushed_line(run)[:3] == ['refs/tags/0.1.0', tag_object, 'refs/tags/0.1.0']
    ctx = run.context
    assert (ctx['mode'], ctx['tag'], ctx['head']) == ('tag', '0.1.0', commit)
    assert run.rc('scan') == 0 and run.findings() == []         # no diff scan of a tag
    assert 'tag 0.1.0' in run.text('scan.err')
    assert run.rc('check-tag') == 0 and run.findings('check-tag') == []

    repo.tag('0.1.0+hotfix.2', annotated=True)                  # gap: .1 does not exist
    bad = world.push('origin', '0.1.0+hotfix.2')
    assert bad.rc('check-tag') == 1
    assert [f['rule'] for f in bad.findings('check-tag')] == ['tag-name']
    assert 'next is 1' in bad.findings('check-tag')[0]['message']


def test_push_delete_has_nothing_to_check(world: World) -> None:
    repo = world.repo
    world.branch('hotfix-ARIS-5-bad_name')          # even a bad name: deleting it is fine
    repo.commit('x', {'requirements-deleted.txt': 'x==1\n'})
    repo.git('push', '-q', '--no-verify', 'origin', 'hotfix-ARIS-5-bad_name')
    repo.checkout('main')

    run = world.push('origin', '--delete', 'hotfix-ARIS-5-bad_name')

    assert _pushed_line(run)[:2] == ['(delete)', ZERO]
    ctx = run.context
    assert ctx['mode'] == 'none' and ctx['branch'] == 'hotfix-ARIS-5-bad_name'
    assert run.rc('scan') == 0 and run.findings() == []


def test_plain_git_pre_push_hook_refuses_a_bad_branch_name(world: World) -> None:
    repo = world.repo
    world.branch('Hotfix/ARIS-6-wrong-case')
    repo.commit('x', {'notes.txt': 'x\n'})
    hook = repo.path / '.git' / 'hooks' / 'pre-push'
    saved = hook.read_text()
    install_hook(repo, 'pre-push', 'eval "$HH check-branch --stage pre-push"\n')
    try:
        res = repo.run(['git', 'push', 'origin', 'Hotfix/ARIS-6-wrong-case'], check=False)
    finally:
        hook.write_text(saved)
    assert res.returncode != 0
    said = res.stdout + res.stderr
    assert "'Hotfix/'" in said and 'git branch -m hotfix/ARIS-6-wrong-case' in said
    assert repo.git('ls-remote', 'origin', 'refs/heads/Hotfix/*') == ''


def test_readme_plain_pre_push_hook_blocks_and_passes(tmp_path: Path) -> None:
    # README: .git/hooks/pre-push can be `exec hotfix-hooks scan --stage pre-push "$@"`
    w = _make_world(tmp_path)
    repo = w.repo
    install_hook(repo, 'pre-push', f"exec '{PY}' -m hotfix_hooks scan --with-naming --stage pre-push "
                                   '"$@"\n')
    write_policy(repo, '[scope]\nseverity = "error"\n')
    w.branch('hotfix/ARIS-43-readme-hook')
    repo.commit('deps', {'requirements-blocked.txt': 'b==1\n'})
    res = repo.run(['git', 'push', 'origin', 'hotfix/ARIS-43-readme-hook'], check=False)
    assert res.returncode != 0
    assert '[scope-dependency-changed]' in res.stdout + res.stderr
    repo.git('reset', '-q', '--hard', 'main')
    repo.commit('code', {'src.py': 'x = 1\n'})
    repo.git('push', '-q', 'origin', 'hotfix/ARIS-43-readme-hook')
    assert repo.git('ls-remote', 'origin', 'refs/heads/hotfix/ARIS-43-readme-hook')
    w.branch('hotfixes/ARIS-43-misnamed')
    res = repo.run(['git', 'push', 'origin', 'hotfixes/ARIS-43-misnamed'], check=False)
    assert res.returncode != 0 and '[branch-name]' in res.stdout + res.stderr
    repo.tag('0.1.0+hotfix.1')              # 0.1.0 was never released
    res = repo.run(['git', 'push', 'origin', '0.1.0+hotfix.1'], check=False)
    assert res.returncode != 0 and '[tag-name]' in res.stdout + res.stderr


def test_first_push_of_a_root_commit_checks_everything_from_the_empty_tree(
        tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / 'fresh')
    repo.add_bare_remote()
    repo.git('checkout', '-q', '-b', 'hotfix/ARIS-9-root-push')
    sha = repo.commit('root', {'requirements-root.txt': 'r==1\n'})
    install_hook(repo, 'pre-push', PRE_PUSH)
    out = tmp_path / 'hook'
    repo.git('push', '-q', 'origin', 'hotfix/ARIS-9-root-push', env={'HOOK_OUT': str(out)})
    run = HookRun(out)
    ctx = run.context
    assert (ctx['base'], ctx['head']) == (EMPTY_TREE, sha)
    assert ctx['notes'], 'the fallback must be said'
    assert paths_of(run.findings()) == {'requirements-root.txt'}


def test_merging_main_into_the_branch_does_not_scan_mains_changes(tmp_path: Path) -> None:
    w = _make_world(tmp_path)
    repo = w.repo
    w.branch('hotfix/ARIS-40-merged')
    repo.commit('mine', {'requirements-mine.txt': 'm==1\n'})
    repo.git('push', '-q', '--no-verify', 'origin', 'hotfix/ARIS-40-merged')
    repo.checkout('main')
    new_main = repo.commit('upstream', {'requirements-upstream.txt': 'u==1\n'})
    repo.git('push', '-q', '--no-verify', 'origin', 'main')
    repo.checkout('hotfix/ARIS-40-merged')
    repo.git('merge', '-q', '--no-edit', 'main')

    run = w.push('origin', 'hotfix/ARIS-40-merged')

    assert run.context['base'] == new_main
    # FROM..TO would re-check everything main brought in with the merge
    assert paths_of(run.findings()) == {'requirements-mine.txt'}


def test_one_push_of_a_branch_and_a_tag_checks_each_ref(world: World) -> None:
    repo = world.repo
    world.branch('hotfix/ARIS-41-with-tag')
    tip = repo.commit('x', {'requirements-with-tag.txt': 'x==1\n'})
    repo.tag('0.4.0')
    run = world.push('origin', 'hotfix/ARIS-41-with-tag', '0.4.0')
    modes = sorted((c['mode'], c['branch'] or c['tag']) for c in run.contexts)
    assert modes == [('range', 'hotfix/ARIS-41-with-tag'), ('tag', '0.4.0')]
    assert all(c['head'] == tip for c in run.contexts)
    assert paths_of(run.findings()) == {'requirements-with-tag.txt'}


# -- the pre-commit framework's pre-push environment ------------------------------------
@pytest.fixture(scope='module')
def env_branch(world: World) -> dict[str, str]:
    """An unpushed branch ``hotfix/ARIS-10-env`` (two commits) while main is checked out."""
    repo = world.repo
    world.branch('hotfix/ARIS-10-env')
    first = repo.commit('one', {'requirements-env1.txt': 'a==1\n'})
    tip = repo.commit('two', {'requirements-env2.txt': 'b==1\n'})
    repo.checkout('main')
    return {'first': first, 'tip': tip}


def _precommit_push_env(world: World, local: str, remote: str, from_ref: str | None = None,
                        to_ref: str | None = None) -> dict[str, str]:
    env = {'PRE_COMMIT': '1', 'PRE_COMMIT_REMOTE_NAME': 'origin',
           'PRE_COMMIT_REMOTE_URL': str(world.bare.path),
           'PRE_COMMIT_LOCAL_BRANCH': local, 'PRE_COMMIT_REMOTE_BRANCH': remote}
    if from_ref is not None:
        env.update({'PRE_COMMIT_FROM_REF': from_ref, 'PRE_COMMIT_ORIGIN': from_ref})
    if to_ref is not None:
        env.update({'PRE_COMMIT_TO_REF': to_ref, 'PRE_COMMIT_SOURCE': to_ref})
    return env


def test_precommit_pre_push_env_of_a_new_branch(world: World, env_branch: dict[str, str]) -> None:
    # row d: FROM = parent of the first commit not on the remote, full refs in *_BRANCH
    env = _precommit_push_env(world, 'refs/heads/hotfix/ARIS-10-env',
                              'refs/heads/hotfix/ARIS-10-env', world.main, env_branch['tip'])
    ctx = context_of(world.repo, env=env)     # the manifest passes no --stage
    assert (ctx['stage'], ctx['mode'], ctx['branch']) == ('pre-push', 'range',
                                                          'hotfix/ARIS-10-env')
    assert (ctx['base'], ctx['head']) == (world.main, env_branch['tip'])
    rc, data, err = hh_json(world.repo, 'scan', env=env)
    assert rc == 0, err
    assert paths_of(data['findings']) == {'requirements-env1.txt', 'requirements-env2.txt'}


def test_precommit_pre_push_existing_branch_reads_whole_branch(
        world: World, env_branch: dict[str, str]) -> None:
    # row c: FROM = the remote's old sha (the first commit)
    env = _precommit_push_env(world, 'refs/heads/hotfix/ARIS-10-env',
                              'refs/heads/hotfix/ARIS-10-env', env_branch['first'],
                              env_branch['tip'])
    ctx = context_of(world.repo, env=env)
    assert (ctx['base'], ctx['head']) == (world.main, env_branch['tip'])


def test_precommit_pre_push_local_branch_head_uses_remote_branch_name(
        world: World, env_branch: dict[str, str]) -> None:
    # git push origin HEAD:refs/heads/new2 -> LOCAL_BRANCH is the literal "HEAD"
    env = _precommit_push_env(world, 'HEAD', 'refs/heads/hotfix/ARIS-11-new2', world.main,
                              env_branch['tip'])
    ctx = context_of(world.repo, env=env)
    assert ctx['branch'] == 'hotfix/ARIS-11-new2'


def test_precommit_pre_push_root_commit_without_from_to(tmp_path: Path) -> None:
    # row d'': a range with a root commit: pre-commit sets REMOTE_* but no FROM/TO
    repo = GitRepo(tmp_path / 'unrelated')
    repo.git('checkout', '-q', '-b', 'hotfix/ARIS-12-root')
    repo.commit('root', {'requirements-a.txt': 'a\n'})
    tip = repo.commit('next', {'requirements-b.txt': 'b\n'})
    env = {'PRE_COMMIT': '1', 'PRE_COMMIT_REMOTE_NAME': 'origin',
           'PRE_COMMIT_REMOTE_URL': str(tmp_path / 'empty.git'),
           'PRE_COMMIT_LOCAL_BRANCH': 'refs/heads/hotfix/ARIS-12-root',
           'PRE_COMMIT_REMOTE_BRANCH': 'refs/heads/hotfix/ARIS-12-root'}
    ctx = context_of(repo, env=env)
    assert (ctx['mode'], ctx['base'], ctx['head']) == ('range', EMPTY_TREE, tip)
    rc, data, err = hh_json(repo, 'scan', env=env)
    assert rc == 0, err
    assert paths_of(data['findings']) == {'requirements-a.txt', 'requirements-b.txt'}


def test_precommit_pre_push_from_ref_unknown_locally(world: World,
                                                   env_branch: dict[str, str]) -> None:
    # row g': someone else pushed, no fetch: FROM is a sha this clone has never seen
    env = _precommit_push_env(world, 'refs/heads/hotfix/ARIS-10-env',
                              'refs/heads/hotfix/ARIS-10-env', 'f' * 40, env_branch['tip'])
    ctx = context_of(world.repo, env=env)
    assert (ctx['base'], ctx['head']) == (world.main, env_branch['tip'])
    rc, data, err = hh_json(world.repo, 'scan', '--base', 'develop', env=env)
    assert rc == 0 and 'Traceback' not in err
    # without a base branch: every commit not yet on the remote
    assert paths_of(data['findings']) == {'requirements-env1.txt', 'requirements-env2.txt'}


def test_precommit_pre_push_annotated_tag_to_ref_is_the_tag_object(world: World) -> None:
    # row e': TO is the tag object's sha, *_BRANCH are refs/tags/<tag>
    repo = world.repo
    repo.tag('0.2.0', annotated=True, rev='main')
    tag_object = repo.git('rev-parse', '0.2.0')
    env = _precommit_push_env(world, 'refs/tags/0.2.0', 'refs/tags/0.2.0', world.main,
                              tag_object)
    ctx = context_of(repo, env=env)
    assert (ctx['mode'], ctx['tag'], ctx['head']) == ('tag', '0.2.0', world.main)
    rc, data, err = hh_json(repo, 'scan', env=env)
    assert (rc, data['findings']) == (0, [])
    rc, data, err = hh_json(repo, 'check-tag', '--stage', 'pre-push', env=env)
    assert (rc, data['findings']) == (0, []), err


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


def test_without_a_base_branch_a_push_falls_back_to_from_to_and_says_so(
        world: World, env_branch: dict[str, str]) -> None:
    env = _precommit_push_env(world, 'refs/heads/hotfix/ARIS-10-env',
                              'refs/heads/hotfix/ARIS-10-env', env_branch['first'],
                              env_branch['tip'])
    ctx = context_of(world.repo, '--base', 'develop', env=env)
    assert (ctx['base'], ctx['head']) == (env_branch['first'], env_branch['tip'])
    assert ctx['base_ref'] is None
    assert any('FROM..TO' in n for n in ctx['notes'])
    rc, data, err = hh_json(world.repo, 'scan', '--base', 'develop', env=env)
    assert rc == 0
    assert paths_of(data['findings']) == {'requirements-env2.txt'}
    assert 'note: no usable base branch' in err


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
    res = wt.hh('check-commit-msg', str(abs_msg))
    assert res.returncode == 1 and 'ARIS-16' in res.stdout


# -- CI: detached HEAD, branch from CI variables, base from the PR/MR target -------------
class CIWorld:
    def __init__(self, upstream: GitRepo, clone: GitRepo, shas: dict[str, str],
                 shallow: GitRepo, tmp: Path) -> None:
        self.upstream = upstream
        self.clone = clone
        self.shas = shas
        self.shallow = shallow
        self.tmp = tmp


HOTFIX = 'hotfix/ARIS-7-fix-drift'


@pytest.fixture(scope='module')
def ci(tmp_path_factory: pytest.TempPathFactory) -> CIWorld:
    tmp = tmp_path_factory.mktemp('ci')
    up = GitRepo(tmp / 'upstream')
    m1 = up.commit('m1', {'README.md': 'm1\n'})
    up.commit('m2', {'requirements-main2.txt': 'x\n'})
    m3 = up.commit('m3', {'requirements-main3.txt': 'x\n'})
    up.git('checkout', '-q', '-b', 'release/1.0', m1)
    r1 = up.commit('r1', {'requirements-release1.txt': 'x\n'})
    up.git('checkout', '-q', '-b', HOTFIX)
    h1 = up.commit('h1', {'requirements-hotfix.txt': 'x\n'})
    up.git('checkout', '-q', 'release/1.0')
    r2 = up.commit('r2', {'requirements-release2.txt': 'x\n'})
    up.git('checkout', '-q', 'main')
    clone = up.clone(tmp / 'clone')
    clone.git('checkout', '-q', '--detach', f'origin/{HOTFIX}')
    subprocess.run(['git', 'clone', '-q', '--depth', '1', '--no-single-branch', '--template=',
                    f'file://{up.path}', str(tmp / 'shallow')], env=up.env, check=True,
                   capture_output=True)
    shallow = GitRepo(tmp / 'shallow', env=up.env, init=False)
    shallow.git('checkout', '-q', '--detach', f'origin/{HOTFIX}')
    return CIWorld(up, clone, {'m1': m1, 'm3': m3, 'r1': r1, 'r2': r2, 'h1': h1},
                   shallow, tmp)


def _github_event(tmp: Path, base_sha: str, title: str = 'Hotfix: ARIS-7 stock totals drift'
                  ) -> str:
    path = tmp / 'event.json'
    path.write_text(json.dumps({'pull_request': {
        'number': 3, 'title': title,
        'head': {'ref': HOTFIX, 'sha': 'x'},
        'base': {'ref': 'release/1.0', 'sha': base_sha}}}))
    return str(path)


CI_CASES: dict[str, tuple[str, dict[str, str], str]] = {
    # name: (adapter name, environment, expected base commit)
    'github-pr': ('GitHub Actions', {
        'GITHUB_ACTIONS': 'true', 'GITHUB_EVENT_NAME': 'pull_request',
        'GITHUB_HEAD_REF': HOTFIX, 'GITHUB_BASE_REF': 'release/1.0',
        'GITHUB_REF': 'refs/pull/3/merge', 'GITHUB_REF_NAME': '3/merge'}, 'r1'),
    'github-push': ('GitHub Actions', {
        'GITHUB_ACTIONS': 'true', 'GITHUB_EVENT_NAME': 'push',
        'GITHUB_REF': f'refs/heads/{HOTFIX}', 'GITHUB_REF_NAME': HOTFIX}, 'm1'),
    'gitlab-mr': ('GitLab CI', {
        'GITLAB_CI': 'true', 'CI_MERGE_REQUEST_IID': '3',
        'CI_MERGE_REQUEST_SOURCE_BRANCH_NAME': HOTFIX,
        'CI_MERGE_REQUEST_TARGET_BRANCH_NAME': 'release/1.0',
        'CI_COMMIT_REF_NAME': HOTFIX}, 'r1'),
    'bitbucket-pr': ('Bitbucket Pipelines', {
        'BITBUCKET_BUILD_NUMBER': '7', 'BITBUCKET_BRANCH': HOTFIX, 'BITBUCKET_PR_ID': '3',
        'BITBUCKET_PR_DESTINATION_BRANCH': 'release/1.0'}, 'r1'),
    'azure-pr': ('Azure Pipelines', {
        'TF_BUILD': 'True', 'BUILD_SOURCEBRANCH': 'refs/pull/3/merge',
        'BUILD_SOURCEBRANCHNAME': 'merge',
        'SYSTEM_PULLREQUEST_SOURCEBRANCH': f'refs/heads/{HOTFIX}',
        'SYSTEM_PULLREQUEST_TARGETBRANCH': 'refs/heads/release/1.0',
        'SYSTEM_PULLREQUEST_PULLREQUESTID': '3'}, 'r1'),
    'azure-push': ('Azure Pipelines', {
        'TF_BUILD': 'True', 'BUILD_SOURCEBRANCH': f'refs/heads/{HOTFIX}',
        'BUILD_SOURCEBRANCHNAME': 'ARIS-7-fix-drift'}, 'm1'),
    'jenkins-pr': ('Jenkins', {
        'JENKINS_URL': 'http://jenkins.example/', 'BRANCH_NAME': 'PR-3', 'CHANGE_ID': '3',
        'CHANGE_BRANCH': HOTFIX, 'CHANGE_TARGET': 'release/1.0',
        'CHANGE_TITLE': 'Hotfix: ARIS-7 stock totals drift'}, 'r1'),
    'circleci': ('CircleCI', {
        'CIRCLECI': 'true', 'CIRCLE_BRANCH': HOTFIX,
        'CIRCLE_PULL_REQUEST': 'https://github.com/o/r/pull/3'}, 'm1'),
    'buildkite-pr': ('Buildkite', {
        'BUILDKITE': 'true', 'BUILDKITE_BRANCH': HOTFIX, 'BUILDKITE_PULL_REQUEST': '3',
        'BUILDKITE_PULL_REQUEST_BASE_BRANCH': 'release/1.0'}, 'r1'),
    'travis-pr': ('Travis CI', {
        'TRAVIS': 'true', 'TRAVIS_PULL_REQUEST': '3', 'TRAVIS_PULL_REQUEST_BRANCH': HOTFIX,
        'TRAVIS_BRANCH': 'release/1.0'}, 'r1'),
}


@pytest.mark.parametrize('case', sorted(CI_CASES))
def test_ci_detached_head_branch_and_base(ci: CIWorld, case: str) -> None:
    name, env, base = CI_CASES[case]
    env = dict(env)
    if case == 'github-pr':
        env['GITHUB_EVENT_PATH'] = _github_event(ci.tmp, ci.shas['r2'])
    ctx = context_of(ci.clone, env=env)
    assert ctx['ci'] == name
    assert ctx['branch'] == HOTFIX
    assert (ctx['stage'], ctx['mode']) == ('ci', 'range')
    assert ctx['head'] == ci.shas['h1']
    assert ctx['base'] == ci.shas[base], (ctx['why'], ci.shas)


def test_github_pr_checkout_of_the_merge_commit(ci: CIWorld, tmp_path: Path) -> None:
    # actions/checkout on pull_request: detached at refs/pull/N/merge (base tip + PR head)
    clone = ci.upstream.clone(tmp_path / 'pr-merge')
    clone.git('checkout', '-q', '--detach', 'origin/release/1.0')
    clone.git('merge', '-q', '--no-ff', '-m', 'Merge into release', f'origin/{HOTFIX}')
    env = dict(CI_CASES['github-pr'][1])
    env['GITHUB_EVENT_PATH'] = _github_event(tmp_path, ci.shas['r2'])
    ctx = context_of(clone, env=env)
    assert (ctx['branch'], ctx['base'], ctx['head']) == (HOTFIX, ci.shas['r2'], clone.head())
    rc, data, err = hh_json(clone, 'scan', env=env)
    assert rc == 0, err
    assert paths_of(data['findings']) == {'requirements-hotfix.txt'}


def test_ci_scan_reads_the_pr_range_only(ci: CIWorld) -> None:
    env = dict(CI_CASES['gitlab-mr'][1])
    rc, data, err = hh_json(ci.clone, 'scan', env=env)
    assert rc == 0, err
    # release/1.0 moved on after the branch started (r2): not part of this change
    assert paths_of(data['findings']) == {'requirements-hotfix.txt'}


def test_ci_detached_head_bad_branch_name_is_refused(ci: CIWorld) -> None:
    env = {'JENKINS_URL': 'http://jenkins.example/', 'BRANCH_NAME': 'PR-4', 'CHANGE_ID': '4',
           'CHANGE_BRANCH': 'hotfixes/ARIS-7-fix', 'CHANGE_TARGET': 'main'}
    rc, data, err = hh_json(ci.clone, 'check-branch', env=env)
    assert rc == 1
    assert data['findings'][0]['rule'] == 'branch-name'
    assert 'hotfix/ARIS-7-fix' in data['findings'][0]['hint']


def test_detached_head_outside_ci_is_an_explicit_branch_unknown(ci: CIWorld) -> None:
    rc, data, err = hh_json(ci.clone, 'check-branch')
    assert rc == 1
    assert data['findings'][0]['rule'] == 'branch-unknown'


def test_ci_tag_build_with_the_umbrella_hook_checks_the_tag_not_a_branch(tmp_path: Path
                                                                         ) -> None:
    repo = GitRepo(tmp_path / 'tagged')
    repo.commit('release', {'README.md': 'x\n'})
    repo.tag('0.1.0')
    repo.commit('fix', {'README.md': 'y\n'})
    repo.tag('0.1.0+hotfix.1', annotated=True)
    repo.git('checkout', '-q', '--detach', '0.1.0+hotfix.1')
    for tag, rc in (('0.1.0+hotfix.1', 0), ('0.1.0+hotfix.3', 1)):
        env = {'GITHUB_ACTIONS': 'true', 'GITHUB_REF': f'refs/tags/{tag}',
               'GITHUB_REF_NAME': tag}
        got, data, err = hh_json(repo, 'scan', '--with-naming', env=env)
        assert got == rc, (tag, data, err)
        assert [f['rule'] for f in data['findings']] == ([] if rc == 0 else ['tag-name'])


@pytest.mark.parametrize('env', [
    {'JENKINS_URL': 'http://jenkins.example/', 'BRANCH_NAME': '0.1.0+hotfix.3',
     'TAG_NAME': '0.1.0+hotfix.3'},
    {'BUILDKITE': 'true', 'BUILDKITE_BRANCH': '0.1.0+hotfix.3', 'BUILDKITE_TAG': '0.1.0+hotfix.3'},
    {'TRAVIS': 'true', 'TRAVIS_BRANCH': '0.1.0+hotfix.3', 'TRAVIS_TAG': '0.1.0+hotfix.3'},
    {'GITLAB_CI': 'true', 'CI_COMMIT_REF_NAME': '0.1.0+hotfix.3',
     'CI_COMMIT_TAG': '0.1.0+hotfix.3'},
], ids=['jenkins', 'buildkite', 'travis', 'gitlab'])
def test_ci_tag_builds_check_the_tag_even_when_the_branch_variable_holds_it(
        tmp_path: Path, env: dict[str, str]) -> None:
    repo = GitRepo(tmp_path / 'tagged')
    repo.commit('release', {'README.md': 'x\n'})
    repo.tag('0.1.0')
    repo.git('checkout', '-q', '--detach')
    rc, data, err = hh_json(repo, 'check-tag', env=env)     # 0.1.0+hotfix.3: a gap
    assert rc == 1, (data, err)
    assert 'the next is 1, not 3' in data['findings'][0]['message']


def test_ci_tag_build_checks_the_tag_without_waiting_for_stdin(ci: CIWorld) -> None:
    env = {**ci.clone.env, 'PYTHONPATH': str(SRC), 'GITHUB_ACTIONS': 'true',
           'GITHUB_REF': 'refs/tags/0.9.0+hotfix.1', 'GITHUB_REF_NAME': '0.9.0+hotfix.1'}
    # a CI job's stdin can be an open pipe that never closes
    proc = subprocess.Popen([sys.executable, '-m', 'hotfix_hooks', 'check-tag', '--format', 'json'],
                            cwd=ci.clone.path, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail('check-tag waited for input on stdin')
    finally:
        proc.stdin.close()
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == 1, err
    assert 'version 0.9.0 has no tag' in json.loads(out)['findings'][0]['message']


def test_ci_clone_without_the_target_branch_is_exit_2(ci: CIWorld, tmp_path: Path) -> None:
    subprocess.run(['git', 'clone', '-q', '--single-branch', '--branch', HOTFIX, '--template=',
                    str(ci.upstream.path), str(tmp_path / 'single')], env=ci.upstream.env,
                   check=True, capture_output=True)
    single = GitRepo(tmp_path / 'single', env=ci.upstream.env, init=False)
    single.git('checkout', '-q', '--detach')
    res = single.hh('scan', env=dict(CI_CASES['gitlab-mr'][1]))
    assert_one_line_error(res, 'release/1.0 is not in this clone', 'fetch')
    # the MR's diff base sha, when the CI gives it, is enough
    env = {**CI_CASES['gitlab-mr'][1], 'CI_MERGE_REQUEST_DIFF_BASE_SHA': ci.shas['r1']}
    ctx = context_of(single, env=env)
    assert (ctx['base'], ctx['head']) == (ci.shas['r1'], ci.shas['h1'])


@pytest.mark.parametrize('case', ['gitlab-mr', 'github-pr', 'no-ci'])
def test_shallow_clone_without_merge_base_fails_with_fetch_depth_hint(ci: CIWorld,
                                                                        case: str) -> None:
    env = {} if case == 'no-ci' else dict(CI_CASES[case][1])
    if case == 'github-pr':
        env['GITHUB_EVENT_PATH'] = _github_event(ci.tmp, ci.shas['r2'])
    for cmd in ('context', 'scan'):
        res = ci.shallow.hh(cmd, env=env)
        assert_one_line_error(res, 'shallow', 'fetch-depth')


# -- bad input ----------------------------------------------------------------------------
def test_unknown_ref_is_exit_2_with_one_line(world: World) -> None:
    for cmd in ('scan', 'context'):
        res = world.repo.hh(cmd, '--from-ref', 'no-such-branch', '--to-ref', 'HEAD')
        assert_one_line_error(res, "unknown ref 'no-such-branch'")


def test_only_one_of_from_ref_to_ref_is_a_usage_error(world: World) -> None:
    res = world.repo.hh('scan', '--from-ref', 'main')
    assert_one_line_error(res, '--from-ref and --to-ref go together')


def test_empty_repository_is_exit_2_for_scan_and_context(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / 'empty')
    for args in (('scan',), ('context',), ('scan', '--from-ref', 'HEAD', '--to-ref', 'HEAD')):
        assert_one_line_error(repo.hh(*args), 'no commits yet')


def test_context_text_output_says_why(world: World) -> None:
    res = world.repo.hh('context', '--from-ref', 'main', '--to-ref', 'main')
    assert res.returncode == 0
    out = res.stdout
    assert 'mode:    range' in out and 'why:     --from-ref/--to-ref given: main..main' in out
