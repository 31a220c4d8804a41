"""The invocation table of issue 2, pre-push rows, against real git.

Pushes are real ``git push`` runs to a local bare remote through a plain git pre-push hook
(git's pushed refs on stdin, hookkit.PRE_PUSH); the pre-commit framework's environment is
reproduced exactly as the research note observed it (pre-commit 4.7).
"""
from __future__ import annotations

from pathlib import Path

from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import base_policy
from tests.support.hookkit import context_of
from tests.support.hookkit import hh_json
from tests.support.hookkit import HookRun
from tests.support.hookkit import install_hook
from tests.support.hookkit import paths_of
from tests.support.hookkit import PRE_PUSH
from tests.support.hookkit import PY
from tests.support.pushworld import EMPTY_TREE
from tests.support.pushworld import make_world
from tests.support.pushworld import precommit_push_env
from tests.support.pushworld import pushed_line
from tests.support.pushworld import World
from tests.support.pushworld import ZERO


# -- git push (plain git pre-push hook, refs on stdin) ------------------------------------
def test_push_of_existing_branch_checks_the_whole_branch_from_the_merge_base(world: World) -> None:
    repo = world.repo
    world.branch('hotfix/ARIS-1-existing')
    repo.commit('one', {'requirements-one.txt': 'a==1\n'})
    repo.git('push', '-q', '--no-verify', 'origin', 'hotfix/ARIS-1-existing')
    old = repo.head()
    new = repo.commit('two', {'requirements-two.txt': 'b==1\n'})

    run = world.push('origin', 'hotfix/ARIS-1-existing')

    assert pushed_line(run) == ['refs/heads/hotfix/ARIS-1-existing', new,
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

    assert pushed_line(run)[3] == ZERO
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

    assert pushed_line(run)[3] == old
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

    assert pushed_line(run)[:3] == ['refs/tags/0.1.0', tag_object, 'refs/tags/0.1.0']
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

    assert pushed_line(run)[:2] == ['(delete)', ZERO]
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
    w = make_world(tmp_path)
    repo = w.repo
    install_hook(repo, 'pre-push', f"exec '{PY}' -m hotfix_hooks scan --with-naming "
                                   '--stage pre-push "$@"\n')
    base_policy(repo, '[scope]\nseverity = "error"\n')
    repo.git('push', '-q', 'origin', 'main')
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
    w = make_world(tmp_path)
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


def test_check_tag_refuses_garbage_push_input(tmp_path) -> None:
    repo = GitRepo(tmp_path / 'tagjunk')
    repo.commit('base', {'a.txt': 'a\n'})
    res = run_cli(repo, 'check-tag', '--stage', 'pre-push', stdin='not a push line\n')
    assert res.returncode == 2
    assert 'unexpected pre-push input line' in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


# -- the pre-commit framework's pre-push environment ------------------------------------
def test_precommit_pre_push_env_of_a_new_branch(world: World, env_branch: dict[str, str]) -> None:
    # row d: FROM = parent of the first commit not on the remote, full refs in *_BRANCH
    env = precommit_push_env(world, 'refs/heads/hotfix/ARIS-10-env',
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
    env = precommit_push_env(world, 'refs/heads/hotfix/ARIS-10-env',
                             'refs/heads/hotfix/ARIS-10-env', env_branch['first'],
                             env_branch['tip'])
    ctx = context_of(world.repo, env=env)
    assert (ctx['base'], ctx['head']) == (world.main, env_branch['tip'])


def test_precommit_pre_push_local_branch_head_uses_remote_branch_name(
        world: World, env_branch: dict[str, str]) -> None:
    # git push origin HEAD:refs/heads/new2 -> LOCAL_BRANCH is the literal "HEAD"
    env = precommit_push_env(world, 'HEAD', 'refs/heads/hotfix/ARIS-11-new2', world.main,
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
    env = precommit_push_env(world, 'refs/heads/hotfix/ARIS-10-env',
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
    env = precommit_push_env(world, 'refs/tags/0.2.0', 'refs/tags/0.2.0', world.main,
                             tag_object)
    ctx = context_of(repo, env=env)
    assert (ctx['mode'], ctx['tag'], ctx['head']) == ('tag', '0.2.0', world.main)
    rc, data, err = hh_json(repo, 'scan', env=env)
    assert (rc, data['findings']) == (0, [])
    rc, data, err = hh_json(repo, 'check-tag', '--stage', 'pre-push', env=env)
    assert (rc, data['findings']) == (0, []), err


def test_without_a_base_branch_a_push_falls_back_to_from_to_and_says_so(
        world: World, env_branch: dict[str, str]) -> None:
    env = precommit_push_env(world, 'refs/heads/hotfix/ARIS-10-env',
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
