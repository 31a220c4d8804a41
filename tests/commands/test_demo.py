"""``hotfix-hooks demo``: the folders it refuses (the whole demo is in e2e/test_journey.py)."""
from __future__ import annotations

from pathlib import Path

from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import assert_error


def test_demo_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / 'd').mkdir()
    (tmp_path / 'd' / 'x').write_text('x')
    res = run_cli(GitRepo(tmp_path, init=False), 'demo', '--dir', str(tmp_path / 'd'))
    assert res.returncode == 2
    assert res.stderr.strip().count('\n') == 0 and 'not empty' in res.stderr


def test_demo_dir_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    target = tmp_path / 'notes.txt'
    target.write_text('x\n')
    res = run_cli(GitRepo(tmp_path, init=False), 'demo', '--dir', str(target))
    assert_error(res, 'notes.txt')
    assert target.read_text() == 'x\n'
