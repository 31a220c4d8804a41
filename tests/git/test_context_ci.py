"""The invocation table of issue 2, CI rows: detached HEAD, the branch from CI variables,
the base from the PR/MR target, tag builds, clones that lack history."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.gitrepo import SRC
from tests.support.hookkit import assert_error
from tests.support.hookkit import assert_one_line_error
from tests.support.hookkit import context_of
from tests.support.hookkit import hh_json
from tests.support.hookkit import HOTFIX_BRANCH
from tests.support.hookkit import paths_of


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
    res = run_cli(single, 'scan', env=dict(CI_CASES['gitlab-mr'][1]))
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
        res = run_cli(ci.shallow, cmd, env=env)
        assert_one_line_error(res, 'shallow', 'fetch-depth')


# -- CI input the tool did not expect ---------------------------------------------------
def test_github_event_with_wrong_types_is_not_an_internal_error(hotfix_repo: GitRepo) -> None:
    event = hotfix_repo.path.parent / 'event.json'
    event.write_text('{"pull_request": {"title": "Hotfix: ARIS-9 fix stock drift", '
                     '"base": {"sha": 5, "ref": 7}, "head": {"ref": ["x"]}}}')
    env = {'GITHUB_ACTIONS': 'true', 'GITHUB_EVENT_NAME': 'pull_request',
           'GITHUB_EVENT_PATH': str(event)}
    for cmd in ('ci', 'context', 'check-pr-title'):
        res = run_cli(hotfix_repo, cmd, env=env)
        assert res.returncode in (0, 1), (cmd, res.stdout, res.stderr)
        assert 'internal error' not in res.stderr and 'Traceback' not in res.stderr


@pytest.mark.parametrize('depth', [(), ('--depth', '1')])
def test_single_branch_clone_of_the_hotfix_does_not_use_itself_as_base(
        repo: GitRepo, tmp_path: Path, depth: tuple[str, ...]) -> None:
    """In ``git clone --single-branch --branch hotfix/...`` origin/HEAD is the hotfix
    branch itself: taken as the base, the range was empty and every check passed."""
    repo.commit('base', {'README.md': 'x\n'})
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.commit('bypass', {'migrations/001_drop.sql': 'DROP TABLE stock;\n'})
    clone = repo.clone(tmp_path / 'ci-clone', '--single-branch', '--branch', HOTFIX_BRANCH,
                       *(('--no-local',) if depth else ()), *depth)
    for cmd in ('scan', 'readiness', 'context'):
        assert_error(run_cli(clone, cmd), 'base')
    clone.git('fetch', '-q', *depth, 'origin', 'main:refs/remotes/origin/main')
    res = run_cli(clone, 'scan', '--only', 'migrations')
    if depth:
        assert_error(res, 'shallow')
    else:
        assert res.returncode == 1 and 'migration-drop-table' in res.stdout, res.stdout
