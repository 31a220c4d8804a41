"""End to end: this repository installed into a consumer repository with the real
pre-commit framework; real ``git commit`` and ``git push`` to a local bare remote."""
from __future__ import annotations

import sys

import pytest

pytestmark = pytest.mark.e2e


def test_bad_branch_name_refused_on_commit_and_push(consumer) -> None:
    repo = consumer(['hotfix-branch-name'])
    # a malformed hotfix branch: refused at commit time, with the expected shape and a fix
    repo.checkout('hotfix-ARIS-77_stock', create=True)
    repo.write('app/stock.py', 'TOTAL = 1\n')
    repo.git('add', '-A')
    res = repo.run(['git', 'commit', '-m', 'fix stock'], check=False)
    out = res.stdout + res.stderr
    assert res.returncode != 0
    assert '[branch-name]' in out
    assert 'hotfix/<ticket>-<short-description>' in out
    assert 'git branch -m hotfix/ARIS-77-stock' in out
    # the commit was refused: nothing new on the branch
    assert repo.git('log', '--oneline').count('\n') == 0

    # committed anyway (--no-verify): the push is refused too
    repo.git('commit', '-q', '--no-verify', '-m', 'fix stock')
    res = repo.run(['git', 'push', 'origin', 'HEAD'], check=False)
    assert res.returncode != 0
    assert '[branch-name]' in res.stdout + res.stderr
    assert repo.run(['git', 'ls-remote', '--heads', 'origin', 'hotfix-ARIS-77_stock'],
                    check=False).stdout.strip() == ''


def test_good_branch_name_commits_and_pushes(consumer) -> None:
    repo = consumer(['hotfix-branch-name'])
    repo.checkout('hotfix/ARIS-77-fix-stock-totals', create=True)
    repo.write('app/stock.py', 'TOTAL = 1\n')
    repo.git('add', '-A')
    res = repo.run(['git', 'commit', '-m', 'ARIS-77 fix stock totals'], check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    res = repo.run(['git', 'push', '-u', 'origin', 'HEAD'], check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    assert 'hotfix/ARIS-77-fix-stock-totals' in repo.git('ls-remote', '--heads', 'origin')


def test_push_checks_the_pushed_branch_not_the_checked_out_one(consumer) -> None:
    """pre-push must judge the ref being pushed (pre-commit-hooks' no-commit-to-branch
    checks the checked-out branch instead)."""
    repo = consumer(['hotfix-branch-name'])
    repo.checkout('hotfix/ARIS-78-ok-name', create=True)
    repo.commit('ok', files={'a.txt': 'a\n'})
    # push the good local branch under a malformed remote name
    res = repo.run(['git', 'push', 'origin', 'HEAD:refs/heads/hf/aris-78'], check=False)
    assert res.returncode != 0
    assert "'hf/aris-78'" in res.stdout + res.stderr


SCOPE_POLICY = '''[tool.hotfix-hooks]
base = "main"

[tool.hotfix-hooks.scope]
severity = "error"
'''


def test_scan_hook_same_verdict_on_commit_push_and_run(consumer) -> None:
    """The diff hook reads the index on commit, the pushed commit on push, and the whole
    branch on `pre-commit run`: the same finding every time."""
    repo = consumer(['hotfix-scope'], files={'pyproject.toml': SCOPE_POLICY,
                                             'requirements.txt': 'flask==3.0\n'})
    repo.checkout('hotfix/ARIS-90-pin-flask', create=True)
    repo.write('requirements.txt', 'flask==3.1\n')
    repo.git('add', '-A')
    res = repo.run(['git', 'commit', '-m', 'ARIS-90 pin flask'], check=False)
    assert res.returncode != 0
    out = res.stdout + res.stderr
    assert 'requirements.txt' in out and '[scope-dependency-changed]' in out

    # committed with --no-verify, plus an unrelated later commit: the push still sees it
    repo.git('commit', '-q', '--no-verify', '-m', 'ARIS-90 pin flask')
    repo.commit('ARIS-90 notes', files={'NOTES.md': 'n\n'})
    res = repo.run(['git', 'push', 'origin', 'HEAD'], check=False)
    assert res.returncode != 0
    assert '[scope-dependency-changed]' in res.stdout + res.stderr

    # `pre-commit run --all-files` (what people run by hand and CI runs): same finding
    res = repo.run([sys.executable, '-m', 'pre_commit', 'run', '--all-files'], check=False)
    assert res.returncode != 0
    assert '[scope-dependency-changed]' in res.stdout

    # a branch without the dependency change passes everywhere
    repo.checkout('hotfix/ARIS-91-notes-only', create=True, start='main')
    repo.write('NOTES.md', 'n\n')
    repo.git('add', '-A')
    res = repo.run(['git', 'commit', '-m', 'ARIS-91 notes'], check=False)
    assert res.returncode == 0, res.stdout
    assert repo.run(['git', 'push', 'origin', 'HEAD'], check=False).returncode == 0


WARN_POLICY = '''[tool.hotfix-hooks]
base = "main"
{extra}'''


@pytest.mark.parametrize('mode', ['show', 'summary', 'hide'])
def test_a_passing_run_with_warnings_shows_them_under_pre_commit(consumer, mode: str) -> None:
    """pre-commit hides a passing hook's output; the diff hooks are verbose, and
    hook_warnings picks what a passing run with warnings prints."""
    extra = '' if mode == 'show' else f'hook_warnings = "{mode}"\n'
    repo = consumer(['hotfix'], files={'pyproject.toml': WARN_POLICY.format(extra=extra),
                                       'requirements.txt': 'flask==3.0\n'})
    repo.checkout('hotfix/ARIS-92-pin-flask', create=True)
    repo.write('requirements.txt', 'flask==3.1\n')          # a scope warning, no error
    repo.git('add', '-A')
    res = repo.run(['git', 'commit', '-m', 'ARIS-92 pin flask'], check=False)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert 'Passed' in out
    if mode == 'show':
        assert 'warning [scope-dependency-changed]' in out
        assert 'hotfix-hooks: passed: 0 error(s), 1 warning(s), 0 info' in out
    elif mode == 'summary':
        assert 'scope-dependency-changed' not in out
        assert 'hotfix-hooks: passed with 1 warning(s): run "hotfix-hooks scan" to see them' in out
    else:
        assert 'scope-dependency-changed' not in out and 'passed with' not in out
    # by hand the warning is always there
    res = repo.run([sys.executable, '-m', 'hotfix_hooks', 'scan'], check=False)
    assert 'warning [scope-dependency-changed]' in res.stdout
