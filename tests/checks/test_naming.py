"""Naming rules: branch-name, tag-name, pr-title, commit-msg (``hotfix-hooks new`` is in
commands/test_new.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from hotfix_hooks import policy as policy_mod
from hotfix_hooks.checks import naming
from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import assert_one_line_error
from tests.support.hookkit import hh_json
from tests.support.hookkit import write_policy

POLICY = policy_mod.from_mapping({}, None)
VALID = 'hotfix/ARIS-77-fix-stock-totals-drift'


@pytest.fixture(scope='module')
def repo(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    r = GitRepo(tmp_path_factory.mktemp('naming') / 'repo')
    r.commit('base', {'README.md': 'x\n'})
    return r


def _branch_findings(repo: GitRepo, branch: str) -> tuple[int, list[dict]]:
    rc, data, err = hh_json(repo, 'check-branch', '--branch', branch)
    assert rc in (0, 1), err
    return rc, data['findings']


# -- branch-name -------------------------------------------------------------------------
def test_valid_hotfix_branch_passes(repo: GitRepo) -> None:
    assert _branch_findings(repo, VALID) == (0, [])


@pytest.mark.parametrize('prefix', ['hotfix-', 'Hotfix/', 'hot-fix/', 'hotfixes/', 'hf/'])
def test_near_miss_prefixes_are_malformed_hotfix_branches(repo: GitRepo, prefix: str) -> None:
    rc, findings = _branch_findings(repo, f'{prefix}ARIS-77-fix-drift')
    assert rc == 1
    (f,) = findings
    assert (f['rule'], f['category'], f['severity']) == ('branch-name', 'naming', 'error')
    assert repr(prefix) in f['message'] and 'hotfix/<ticket>-<short-description>' in f['message']
    assert f['suggestion'] == 'hotfix/ARIS-77-fix-drift'
    assert f['hint'] == 'rename it: git branch -m hotfix/ARIS-77-fix-drift'


@pytest.mark.parametrize('branch, problem, suggestion', [
    ('hotfix/aris-77-fix-drift', 'does not start with a ticket', 'hotfix/ARIS-77-fix-drift'),
    ('hotfix/ARIS-77-', 'description is missing', 'hotfix/ARIS-77-short-description'),
    ('hotfix/ARIS-77', 'followed by "-<short-description>"',
     'hotfix/ARIS-77-short-description'),
    ('hotfix/ARIS-77-Fix_Stock_Totals', 'not lowercase kebab-case',
     'hotfix/ARIS-77-fix-stock-totals'),
    ('hotfix/ARIS-77-fix--drift', 'not lowercase kebab-case', 'hotfix/ARIS-77-fix-drift'),
    ('hotfix/ARIS-77-' + '-'.join(['very-long-description'] * 4), 'at most 48',
     'hotfix/ARIS-77-very-long-description-very-long-description-very'),
    ('hotfix/ARIS-77-ab', 'shorter than 3', 'hotfix/ARIS-77-short-description'),
    ('hotfix/fix-drift', 'does not start with a ticket', 'hotfix/<TICKET>-fix-drift'),
])
def test_malformed_hotfix_branch_says_what_and_suggests_a_valid_name(
        branch: str, problem: str, suggestion: str) -> None:
    (f,) = naming.check_branch(branch, POLICY)
    assert f.rule == 'branch-name'
    assert problem in f.message and 'Expected hotfix/<ticket>-<short-description>' in f.message
    assert f.extra['suggestion'] == suggestion
    if '<TICKET>' not in suggestion:
        assert naming.check_branch(suggestion, POLICY) == [], 'the suggestion must be valid'


@pytest.mark.parametrize('branch', ['main', 'feature/ARIS-77-stock', 'release/1.0',
                                    'fix-totals', 'hotfixer'])
def test_non_hotfix_branches_pass(branch: str) -> None:
    assert naming.check_branch(branch, POLICY) == []


def test_allowed_prefixes_tighten_other_branches(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / 'strict')
    repo.commit('base', {'README.md': 'x\n'})
    write_policy(repo, '[naming]\nallowed_prefixes = ["feature/", "hotfix/"]\n')
    assert _branch_findings(repo, 'feature/stock-ui') == (0, [])
    assert _branch_findings(repo, VALID) == (0, [])
    assert _branch_findings(repo, 'main') == (0, [])              # the base always passes
    rc, findings = _branch_findings(repo, 'wip/stuff')
    assert rc == 1 and findings[0]['rule'] == 'branch-prefix-not-allowed'
    assert 'feature/, hotfix/' in findings[0]['message']


def test_check_branch_reads_the_checked_out_branch(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / 'current')
    repo.commit('base', {'README.md': 'x\n'})
    repo.git('checkout', '-q', '-b', 'hotfix-ARIS-5-totals')
    res = run_cli(repo, 'check-branch')
    assert res.returncode == 1
    assert 'git branch -m hotfix/ARIS-5-totals' in res.stdout
    repo.git('branch', '-m', 'hotfix/ARIS-5-totals')
    res = run_cli(repo, 'check-branch')
    assert (res.returncode, res.stdout) == (0, '')


# -- tag-name ------------------------------------------------------------------------------
@pytest.fixture(scope='module')
def tagged(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    r = GitRepo(tmp_path_factory.mktemp('tags') / 'repo')
    r.commit('release', {'README.md': 'x\n'})
    r.tag('0.1.0-rc.3', annotated=True)
    r.commit('hotfix one', {'README.md': 'y\n'})
    r.tag('0.1.0-rc.3+hotfix.1')
    r.commit('hotfix two', {'README.md': 'z\n'})
    r.tag('0.1.0-rc.3+hotfix.2')
    r.tag('0.2.0')
    r.tag('0.2.0+hotfix.01')            # a sloppy tag made before the hook existed
    return r


def _tag(repo: GitRepo, *tags: str) -> tuple[int, list[dict]]:
    rc, data, err = hh_json(repo, 'check-tag', *tags)
    assert rc in (0, 1), err
    return rc, data['findings']


def test_valid_hotfix_tag_on_a_released_version(tagged: GitRepo) -> None:
    assert _tag(tagged, '0.1.0-rc.3+hotfix.3') == (0, [])
    # already created tags pass, old ones too (git push --tags pushes them all)
    assert _tag(tagged, '0.1.0-rc.3+hotfix.1', '0.1.0-rc.3+hotfix.2') == (0, [])
    assert _tag(tagged, '0.1.0-rc.3', '0.2.0', 'v9') == (0, [])     # not hotfix tags


@pytest.mark.parametrize('tag, says, hint', [
    ('0.1+hotfix.1', 'not a valid SemVer 2.0 version', 'e.g. 0.1.0-rc.3'),
    ('v0.1.0-rc.3+hotfix.3', 'not a valid SemVer 2.0 version', 'drop the "v": '
                                                               '0.1.0-rc.3+hotfix.3'),
    ('0.1.0-rc.3-hotfix.3', 'is not <version>+hotfix.<n>', 'tag again'),
    ('0.3.0+hotfix.1', 'version 0.3.0 has no tag', 'git tag --list'),
    ('0.1.0-rc.3+hotfix.5', 'the next is 3, not 5', 'tag it as 0.1.0-rc.3+hotfix.3'),
    ('0.2.0+hotfix.1', 'hotfix number 1 is already used for 0.2.0', '0.2.0+hotfix.2'),
    ('0.1.0-rc.3+hotfix.03', "'03' must be a positive integer without leading zeros",
     '0.1.0-rc.3+hotfix.1'),
    ('0.1.0-rc.3+hotfix.0', 'must be a positive integer', ''),
])
def test_bad_hotfix_tags(tagged: GitRepo, tag: str, says: str, hint: str) -> None:
    rc, findings = _tag(tagged, tag)
    assert rc == 1
    (f,) = findings
    assert (f['rule'], f['category']) == ('tag-name', 'naming')
    assert says in f['message'] and hint in f['hint']


# -- pr-title ------------------------------------------------------------------------------
BRANCH = 'hotfix/ARIS-77-fix-stock-totals-drift'


@pytest.mark.parametrize('title, says', [
    ('Hotfix: ARIS-78 stock totals drift', 'differs from the branch ticket ARIS-77'),
    ('Hotfix: ARIS-77', 'impact summary after the ticket is missing'),
    ('Hotfix: ARIS-77 ', 'impact summary after the ticket is missing'),
    ('Fix stock totals drift', "must start with 'Hotfix: '"),
    ('hotfix: ARIS-77 stock totals drift', "must start with 'Hotfix: '"),
    ('Hotfix: stock totals drift', 'no ticket matching'),
])
def test_bad_pr_titles(repo: GitRepo, title: str, says: str) -> None:
    rc, data, err = hh_json(repo, 'check-pr-title', '--title', title, '--branch', BRANCH)
    assert rc == 1, err
    (f,) = data['findings']
    assert f['rule'] == 'pr-title' and says in f['message']
    assert 'Hotfix: ARIS-77 ' in f['hint']


def test_valid_pr_title_and_non_hotfix_prs_pass(repo: GitRepo) -> None:
    rc, data, _ = hh_json(repo, 'check-pr-title', '--title',
                          'Hotfix: ARIS-77 stock totals drift after transfers', '--branch', BRANCH)
    assert (rc, data['findings']) == (0, [])
    rc, data, _ = hh_json(repo, 'check-pr-title', '--title', 'Add a report',
                          '--branch', 'feature/report')
    assert (rc, data['findings']) == (0, [])


def test_pr_title_from_github_event_payload(repo: GitRepo, tmp_path: Path) -> None:
    event = tmp_path / 'event.json'
    env = {'GITHUB_ACTIONS': 'true', 'GITHUB_HEAD_REF': BRANCH, 'GITHUB_BASE_REF': 'main',
           'GITHUB_EVENT_PATH': str(event)}
    event.write_text(json.dumps({'pull_request': {'title': 'Hotfix: ARIS-77 totals drift',
                                                  'base': {'ref': 'main'}}}))
    rc, data, err = hh_json(repo, 'check-pr-title', env=env)
    assert (rc, data['findings']) == (0, []), err
    event.write_text(json.dumps({'pull_request': {'title': 'WIP totals'}}))
    rc, data, err = hh_json(repo, 'check-pr-title', env=env)
    assert rc == 1 and "'WIP totals'" in data['findings'][0]['message']


def test_pr_title_from_gitlab_merge_request(repo: GitRepo) -> None:
    # the job has some branch checked out (main): the MR's source branch still counts
    env = {'GITLAB_CI': 'true', 'CI_MERGE_REQUEST_IID': '4',
           'CI_MERGE_REQUEST_SOURCE_BRANCH_NAME': BRANCH,
           'CI_MERGE_REQUEST_TARGET_BRANCH_NAME': 'main',
           'CI_MERGE_REQUEST_TITLE': 'Hotfix: ARIS-12 wrong ticket'}
    rc, data, err = hh_json(repo, 'check-pr-title', env=env)
    assert rc == 1, err
    assert 'differs from the branch ticket ARIS-77' in data['findings'][0]['message']


def test_no_pr_title_is_exit_2(repo: GitRepo) -> None:
    res = run_cli(repo, 'check-pr-title', '--branch', BRANCH)
    assert_one_line_error(res, 'no PR title', '--title')
    # a GitHub push event has no pull_request: still no title
    res = run_cli(repo, 'check-pr-title', env={'GITHUB_ACTIONS': 'true',
                                         'GITHUB_REF': f'refs/heads/{BRANCH}'})
    assert_one_line_error(res, 'no PR title')


# -- commit-msg ----------------------------------------------------------------------------
@pytest.fixture(scope='module')
def msgs(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    r = GitRepo(tmp_path_factory.mktemp('msgs') / 'repo')
    r.commit('base', {'README.md': 'x\n'})
    r.git('checkout', '-q', '-b', 'hotfix/ARIS-77-fix-drift')
    return r


def _msg(repo: GitRepo, text: str, *extra: str) -> tuple[int, list[dict]]:
    path = repo.path / '.git' / 'COMMIT_EDITMSG'
    path.write_text(text)
    rc, data, err = hh_json(repo, 'check-commit-msg', '.git/COMMIT_EDITMSG', *extra)
    assert rc in (0, 1), err
    return rc, (data or {}).get('findings', [])


def test_commit_msg_is_off_by_default(msgs: GitRepo) -> None:
    assert _msg(msgs, 'no ticket at all\n') == (0, [])


@pytest.mark.parametrize('message, ok', [
    ('fix stock totals drift\n', False),
    ('ARIS-77: fix stock totals drift\n', True),
    ('fix stock totals drift\n\nRefs ARIS-77\n', True),
    ('ARIS-770: another ticket\n', False),
    ('fix drift\n# ARIS-77 only in a comment git strips\n', False),
    ("Merge branch 'main' into hotfix/ARIS-77-fix-drift\n", True),
    ('Revert "something"\n\nThis reverts commit abc.\n', True),
    ('fix drift\n# ------------------------ >8 ------------------------\n+ARIS-77\n', False),
])
def test_commit_msg_when_enabled(msgs: GitRepo, message: str, ok: bool) -> None:
    write_policy(msgs, '[naming]\ncommit_msg = true\n')
    try:
        rc, findings = _msg(msgs, message)
    finally:
        (msgs.path / '.hotfix-hooks.toml').unlink()
    if ok:
        assert (rc, findings) == (0, [])
    else:
        assert rc == 1
        assert findings[0]['rule'] == 'commit-msg'
        assert 'ARIS-77' in findings[0]['message'] and 'ARIS-77: ' in findings[0]['hint']


def test_commit_msg_honours_core_comment_char(msgs: GitRepo) -> None:
    write_policy(msgs, '[naming]\ncommit_msg = true\n')
    msgs.git('config', 'core.commentChar', ';')
    try:
        assert _msg(msgs, 'fix drift\n; ARIS-77 in a comment\n')[0] == 1
        assert _msg(msgs, 'fix drift\n#ARIS-77 is text with this comment char\n')[0] == 0
    finally:
        msgs.git('config', '--unset', 'core.commentChar')
        (msgs.path / '.hotfix-hooks.toml').unlink()


def test_commit_msg_unreadable_file_is_exit_2(msgs: GitRepo) -> None:
    write_policy(msgs, '[naming]\ncommit_msg = true\n')
    try:
        res = run_cli(msgs, 'check-commit-msg', 'no/such/file')
    finally:
        (msgs.path / '.hotfix-hooks.toml').unlink()
    assert_one_line_error(res, 'no/such/file', 'cannot read')
