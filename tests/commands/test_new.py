"""``hotfix-hooks new``: the hotfix branch from the base, refused inputs."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import assert_error
from tests.support.hookkit import assert_one_line_error
from tests.support.hookkit import write_policy


@pytest.fixture
def started(tmp_path: Path) -> tuple[GitRepo, str]:
    """A clone whose origin/main is ahead of the local main, on a feature branch."""
    up = GitRepo(tmp_path / 'up')
    up.commit('one', {'README.md': '1\n'})
    clone = up.clone(tmp_path / 'clone')
    tip = up.commit('two', {'README.md': '2\n'})
    clone.git('fetch', '-q', 'origin')
    clone.git('checkout', '-q', '-b', 'feature/x')
    clone.commit('feature', {'f.txt': 'f\n'})
    return clone, tip


def test_new_creates_the_hotfix_branch_from_the_base(started: tuple[GitRepo, str]) -> None:
    repo, origin_main = started
    res = run_cli(repo, 'new', 'ARIS-77', 'Fix stock totals drift')
    assert res.returncode == 0, res.stderr
    assert 'hotfix/ARIS-77-fix-stock-totals-drift' in res.stdout
    assert repo.git('symbolic-ref', '--short', 'HEAD') == 'hotfix/ARIS-77-fix-stock-totals-drift'
    assert repo.head() == origin_main                 # the remote's base, not feature/x
    assert run_cli(repo, 'check-branch').returncode == 0


def test_new_refuses_a_bad_ticket_and_an_existing_branch(started: tuple[GitRepo, str]) -> None:
    repo, _ = started
    assert_one_line_error(run_cli(repo, 'new', 'aris-77', 'Fix drift'), "ticket 'aris-77'")
    assert repo.git('symbolic-ref', '--short', 'HEAD') == 'feature/x'
    assert_one_line_error(run_cli(repo, 'new', 'ARIS-77', '!!'), 'shorter than 3')
    repo.git('branch', 'hotfix/ARIS-77-fix-drift', 'main')
    assert_one_line_error(run_cli(repo, 'new', 'ARIS-77', 'Fix drift'),
                          'hotfix/ARIS-77-fix-drift already exists')
    assert repo.git('symbolic-ref', '--short', 'HEAD') == 'feature/x'


def test_new_starts_from_the_policy_base(started: tuple[GitRepo, str]) -> None:
    repo, _ = started
    repo.git('branch', 'release/1.0', 'main')
    release = repo.commit('on feature', {'g.txt': 'g\n'})
    repo.git('branch', '-f', 'release/1.0', release)
    write_policy(repo, 'base = "release/1.0"\n')
    res = run_cli(repo, 'new', 'ARIS-80', 'Patch the release', '--no-switch')
    assert res.returncode == 0, res.stderr
    assert repo.git('rev-parse', 'hotfix/ARIS-80-patch-the-release') == release
    assert repo.git('symbolic-ref', '--short', 'HEAD') == 'feature/x'
    res = run_cli(repo, 'new', 'ARIS-81', 'From main', '--base', 'main')
    assert repo.head() == repo.git('rev-parse', 'origin/main')


def test_new_when_the_record_cannot_be_written_is_one_line(repo: GitRepo) -> None:
    repo.commit('base', {'README.md': 'x\n'})
    repo.write('hotfixes', 'a file where the records folder goes\n')
    res = run_cli(repo, 'new', 'ARIS-12', 'fix stock drift')
    assert_error(res, 'hotfixes/ARIS-12.toml')
    assert 'Created branch hotfix/ARIS-12-fix-stock-drift' in res.stdout


@pytest.mark.parametrize('ticket,shape', [('fsft-102', '[a-z][a-z0-9]+-[0-9]+'),
                                          ('1234', '[0-9]+')])
def test_new_names_ticket_pattern_and_a_pattern_that_fits(started: tuple[GitRepo, str],
                                                          ticket: str, shape: str) -> None:
    """An id the pattern rejects says which key rejected it and how to change it; with the
    suggested pattern in the policy the same command starts the hotfix."""
    repo, _ = started
    line = assert_one_line_error(run_cli(repo, 'new', ticket, 'Fix drift'),
                                 f"ticket '{ticket}'", 'ticket_pattern')
    assert f'ticket_pattern = "{shape}" in .hotfix-hooks.toml' in line
    write_policy(repo, f'ticket_pattern = "{shape}"\n')
    res = run_cli(repo, 'new', ticket, 'Fix drift')
    assert res.returncode == 0, res.stderr
    assert repo.git('branch', '--show-current') == f'hotfix/{ticket}-fix-drift'
    assert run_cli(repo, 'check-branch').returncode == 0


def test_new_with_an_id_of_no_known_shape_says_what_to_set(started: tuple[GitRepo, str]
                                                           ) -> None:
    repo, _ = started
    write_policy(repo, '[tool]\n')
    repo.write('pyproject.toml', '[tool.hotfix-hooks]\nbase = "main"\n')
    (repo.path / '.hotfix-hooks.toml').unlink()
    assert_one_line_error(run_cli(repo, 'new', 'no_ticket!', 'Fix drift'),
                          'ticket_pattern', '[tool.hotfix-hooks] in pyproject.toml')
