"""The user's whole journey (issue 8): the demo, the CI command in a detached clone, and a
full hotfix lifecycle through the real pre-commit framework - with the same findings on
`git commit`, `pre-commit run --all-files` and in CI."""
from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

import pytest

from hotfix_hooks.demo import service as demo_service
from hotfix_hooks.demo import story as demo
from tests.support.gitrepo import GitRepo
from tests.support.gitrepo import ROOT

DIFF_CATEGORIES = {'contract', 'actions', 'migrations', 'scope'}
RULE_RE = re.compile(r'\[([a-z0-9-]+)\]')


def _service_files() -> dict[str, str]:
    files = dict(demo_service.base_files())
    files['pyproject.toml'] = (demo._policy(sys.executable)
                               + '\n[tool.hotfix-hooks.naming]\ncommit_msg = true\n')
    return files


def _rules(text: str) -> set[str]:
    return set(RULE_RE.findall(text))


def _hh(repo: GitRepo, *args: str, env: dict[str, str] | None = None):
    return repo.hh(*args, env=env)


# -- the demo ---------------------------------------------------------------------------
def test_demo_plays_a_whole_hotfix(tmp_path: Path) -> None:
    res = GitRepo(tmp_path, init=False).hh('demo', '--dir', str(tmp_path / 'demo'))
    out = res.stdout
    assert res.returncode == 0, out + res.stderr
    # the rushed commit is refused with the three forbidden kinds of change
    refused = out.split('== 2.')[1].split('== 3.')[0]
    for rule in ('actions-bypass-route', 'response-property-removed',
                 'migration-downgrade-noop', 'migration-drop-column'):
        assert f'[{rule}]' in refused
    assert '-> refused: the commit was not recorded.' in refused
    assert '-> accepted.' in out
    # the push ran the gates, readiness is green, the status message has the template
    assert 'smoke         pass' in out and 'domain:stock  pass' in out
    assert 'READY: all 8 checks PASS' in out
    status = out.split('[ARIS3 HOTFIX STATUS]')[1]
    assert 'Ticket: ARIS-77' in status and 'Frozen rules check: PASS' in status
    # the next update the status promises is ahead, not a date fixed when the demo was written
    promised = re.search(r'Next update \(UTC\): (\S+)', status)
    assert promised, status
    when = dt.datetime.strptime(promised.group(1), '%Y-%m-%dT%H:%M:%SZ')
    assert when.replace(tzinfo=dt.timezone.utc) > dt.datetime.now(dt.timezone.utc)
    assert (tmp_path / 'demo' / 'aris3' / 'hotfixes' / 'ARIS-77.toml').is_file()


# -- a service repository with a pushed hotfix branch ----------------------------------------
@pytest.fixture(scope='module')
def pushed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A service on main, and a pushed hotfix branch carrying the rushed (bad) change."""
    tmp = tmp_path_factory.mktemp('journey')
    repo = GitRepo(tmp / 'svc')
    repo.commit('release 0.1.0-rc.3', _service_files())
    repo.tag('0.1.0-rc.3')
    repo.add_bare_remote('origin')
    repo.git('push', '-q', 'origin', 'main', '--tags')
    branch = 'hotfix/ARIS-77-fix-stock-totals-drift'
    repo.checkout(branch, create=True)
    repo.commit('ARIS-77 fix stock totals', demo_service.bad_edit())
    repo.git('push', '-q', '--no-verify', 'origin', branch)
    local = _hh(repo, 'scan', '--format', 'json')
    return {'repo': repo, 'branch': branch, 'tmp': tmp,
            'local': json.loads(local.stdout)['findings']}


def _ci_clone(pushed: dict[str, object], name: str, *clone_args: str) -> GitRepo:
    repo: GitRepo = pushed['repo']  # type: ignore[assignment]
    remote = repo.path.parent / f'{repo.path.name}-origin.git'
    dest = Path(str(pushed['tmp'])) / name
    GitRepo(dest.parent, init=False).run(
        ['git', 'clone', '-q', *clone_args, f'file://{remote}', str(dest)])
    ci = GitRepo(dest, env=repo.env, init=False)
    ci.git('checkout', '-q', '--detach', f'origin/{pushed["branch"]}')
    return ci


def _github_env(tmp: Path, title: str, branch: str, base_sha: str | None = None) -> dict[str, str]:
    event = tmp / f'event-{abs(hash(title))}.json'
    pr: dict[str, object] = {'title': title, 'number': 7, 'head': {'ref': branch},
                             'base': {'ref': 'main'}}
    if base_sha:
        pr['base'] = {'ref': 'main', 'sha': base_sha}
    event.write_text(json.dumps({'pull_request': pr}))
    return {'GITHUB_ACTIONS': 'true', 'CI': 'true', 'GITHUB_EVENT_PATH': str(event),
            'GITHUB_HEAD_REF': branch, 'GITHUB_BASE_REF': 'main',
            'GITHUB_REF': 'refs/pull/7/merge'}


def test_ci_command_in_a_detached_clone_gives_the_local_findings(pushed) -> None:
    ci = _ci_clone(pushed, 'ci-full')
    assert ci.git('rev-parse', '--abbrev-ref', 'HEAD') == 'HEAD'      # detached, as in CI
    env = _github_env(Path(str(pushed['tmp'])), 'Hotfix: ARIS-77 Stock totals count '
                      'reserved units once', str(pushed['branch']))
    res = _hh(ci, 'ci', env=env)
    assert res.returncode == 1
    # GitHub annotations by default under GitHub Actions
    annotations = [line for line in res.stdout.splitlines() if line.startswith('::')]
    assert annotations and all(re.match(r'::(error|warning|notice) ', a) for a in annotations)
    assert any('file=migrations/versions/0003_drop_reserved.py' in a for a in annotations)
    # the same diff findings as the developer's local scan
    ci_json = json.loads(_hh(ci, 'ci', '--format', 'json', env=env).stdout)['findings']
    local = {(f['rule'], f['path'], f['line']) for f in pushed['local']
             if f['category'] in DIFF_CATEGORIES}
    remote = {(f['rule'], f['path'], f['line']) for f in ci_json
              if f['category'] in DIFF_CATEGORIES}
    assert local and local == remote
    # branch taken from the CI variables; the record is checked with approvals required
    rules = {f['rule'] for f in ci_json}
    assert 'branch-name' not in rules and 'pr-title' not in rules
    assert any(f['category'] == 'record' for f in ci_json)
    assert 'branch hotfix/ARIS-77-fix-stock-totals-drift (from GitHub Actions' in res.stderr


def test_ci_command_checks_the_pr_title(pushed) -> None:
    ci = _ci_clone(pushed, 'ci-title')
    env = _github_env(Path(str(pushed['tmp'])), 'Fix stock', str(pushed['branch']))
    res = _hh(ci, 'ci', '--format', 'json', env=env)
    rules = {f['rule'] for f in json.loads(res.stdout)['findings']}
    assert 'pr-title' in rules
    gitlab = {'GITLAB_CI': 'true', 'CI': 'true',
              'CI_MERGE_REQUEST_SOURCE_BRANCH_NAME': str(pushed['branch']),
              'CI_MERGE_REQUEST_TARGET_BRANCH_NAME': 'main', 'CI_MERGE_REQUEST_IID': '3',
              'CI_MERGE_REQUEST_TITLE': 'Hotfix: ARIS-78 wrong ticket in the title'}
    res = _hh(ci, 'ci', '--format', 'json', env=gitlab)
    found = [f for f in json.loads(res.stdout)['findings'] if f['rule'] == 'pr-title']
    assert found and 'ARIS-78' in found[0]['message'] and 'ARIS-77' in found[0]['message']


def test_ci_command_in_a_shallow_clone_says_history_is_missing(pushed) -> None:
    ci = _ci_clone(pushed, 'ci-shallow', '--depth', '1', '--no-single-branch')
    env = _github_env(Path(str(pushed['tmp'])), 'Hotfix: ARIS-77 Stock totals fixed',
                      str(pushed['branch']))
    res = _hh(ci, 'ci', env=env)
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1
    assert 'shallow clone' in res.stderr and 'fetch-depth: 0' in res.stderr
    assert 'Traceback' not in res.stderr


# -- the lifecycle through the real pre-commit framework ------------------------------------
@pytest.mark.e2e
def test_full_hotfix_lifecycle_through_pre_commit(consumer, tmp_path: Path) -> None:
    repo = consumer(['hotfix', 'hotfix-commit-msg', 'hotfix-gates', 'hotfix-record'],
                    hook_types=('pre-commit', 'commit-msg', 'pre-push'),
                    files=_service_files())
    repo.tag('0.1.0-rc.3')
    repo.git('push', '-q', 'origin', '--tags')
    res = _hh(repo, 'new', 'ARIS-77', 'Fix stock totals drift')
    assert res.returncode == 0, res.stderr
    assert repo.git('branch', '--show-current') == 'hotfix/ARIS-77-fix-stock-totals-drift'

    # 1. the rushed change is refused on `git commit`
    for rel, content in demo_service.bad_edit().items():
        repo.write(rel, content)
    repo.git('add', '-A')
    res = repo.run(['git', 'commit', '-m', 'ARIS-77 fix stock totals'], check=False)
    commit_out = res.stdout + res.stderr
    assert res.returncode != 0
    commit_rules = _rules(commit_out)
    assert {'actions-bypass-route', 'response-property-removed',
            'migration-downgrade-noop'} <= commit_rules

    # 2. `pre-commit run --all-files` by hand gives the same findings
    res = repo.run([sys.executable, '-m', 'pre_commit', 'run', 'hotfix', '--all-files'],
                   check=False)
    assert res.returncode != 0
    assert _rules(res.stdout) == commit_rules

    # 3. the commit-msg hook wants the ticket (policy naming.commit_msg = true)
    for rel, content in demo_service.good_edit().items():
        if content is None:
            (repo.path / rel).unlink(missing_ok=True)
        else:
            repo.write(rel, content)
    repo.git('add', '-A')
    res = repo.run(['git', 'commit', '-m', 'count reserved units once'], check=False)
    assert res.returncode != 0 and '[commit-msg]' in res.stdout + res.stderr
    res = repo.run(['git', 'commit', '-m', 'ARIS-77 count reserved units once'], check=False)
    assert res.returncode == 0, res.stdout + res.stderr

    # 4. push without a filled record: the record hook reports it, the push is refused
    res = repo.run(['git', 'push', '-u', 'origin', 'HEAD'], check=False)
    assert res.returncode != 0
    assert 'hotfixes/ARIS-77.toml' in res.stdout + res.stderr

    # 5. the record filled and committed: the push runs the gates and goes through
    player = demo.Player(str(tmp_path))
    player.repo = str(repo.path)
    player.out = open('/dev/null', 'w')
    player.fill_record()
    repo.git('add', '-A')
    repo.git('commit', '-q', '--no-verify', '-m', 'ARIS-77 hotfix record')
    # 6. the owners approve, each in their own commit (the commit hooks run on it too)
    for role, who, email in (('incident_owner', 'Ines Incident', 'ines@example.com'),
                             ('release_owner', 'Rene Release', 'rene@example.com')):
        res = _hh(repo, 'approve', role, env={
            'GIT_AUTHOR_NAME': who, 'GIT_AUTHOR_EMAIL': email,
            'GIT_COMMITTER_NAME': who, 'GIT_COMMITTER_EMAIL': email})
        assert res.returncode == 0, res.stdout + res.stderr
    res = repo.run(['git', 'push', '-u', 'origin', 'HEAD'], check=False)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert 'smoke' in out and 'domain:stock' in out
    res = _hh(repo, 'readiness')
    assert res.returncode == 0, res.stdout + res.stderr
    assert 'READY' in res.stdout


def test_examples_are_valid_yaml() -> None:
    import yaml

    for name in ('github-actions.yml', 'gitlab-ci.yml', 'pre-commit-config.yaml'):
        data = yaml.safe_load((ROOT / 'examples' / name).read_text())
        assert data
    gh = yaml.safe_load((ROOT / 'examples' / 'github-actions.yml').read_text())
    steps = gh['jobs']['hotfix-hooks']['steps']
    assert steps[0]['with']['fetch-depth'] == 0
    assert any('hotfix-hooks ci' in s.get('run', '') for s in steps)
    manifest = {h['id'] for h in yaml.safe_load((ROOT / '.pre-commit-hooks.yaml').read_text())}
    cfg = yaml.safe_load((ROOT / 'examples' / 'pre-commit-config.yaml').read_text())
    assert {h['id'] for h in cfg['repos'][0]['hooks']} <= manifest
