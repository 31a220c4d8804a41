"""The command line: dispatch, exit codes, environment errors (the reporters are in
report/test_formats.py)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.gitrepo import SRC
from tests.support.hookkit import assert_one_line_error
from tests.support.hookkit import base_policy
from tests.support.hookkit import hh_json

BRANCH = 'hotfix/ARIS-30-report-formats'


@pytest.fixture(scope='module')
def repo(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    """A hotfix branch changing two dependency files; scope findings are errors."""
    r = GitRepo(tmp_path_factory.mktemp('cli') / 'repo')
    r.commit('base', {'README.md': 'x\n', 'src/app.py': 'print(1)\n',
                      'requirements.txt': 'a==1\n'})
    base_policy(r, '[scope]\nseverity = "error"\nmax_files = 2\n')
    r.git('checkout', '-q', '-b', BRANCH)
    r.commit('deps', {'requirements.txt': 'a==1\nb==2\n',
                      'requirements-a,b.txt': 'c==3\n', 'src/app.py': 'print(2)\n'})
    return r


def test_exit_codes_errors_and_warnings(repo: GitRepo) -> None:
    assert run_cli(repo, 'check-branch', '--branch', 'hf/ARIS-1-abc').returncode == 1
    assert run_cli(repo, 'check-branch', '--branch', BRANCH).returncode == 0
    # scope findings are warnings by default: reported, exit 0
    rc, data, _ = hh_json(repo, 'scan', '--config', str(repo.path / 'README.md'))
    assert rc == 2
    other = repo.path.parent / 'warn.toml'
    other.write_text('[scope]\nmax_files = 2\n')
    rc, data, _ = hh_json(repo, 'scan', '--config', str(other))
    assert rc == 0 and data['summary']['warning'] == 3


# -- the command line itself -------------------------------------------------------------
def test_scan_from_a_subdirectory_sees_the_whole_repository(repo: GitRepo) -> None:
    sub = GitRepo(repo.path / 'src', env=repo.env, init=False)
    rc, data, err = hh_json(sub, 'scan')
    assert rc == 1, err
    assert data['summary']['total'] == 3


def test_scan_only_and_filenames(repo: GitRepo) -> None:
    assert_one_line_error(run_cli(repo, 'scan', '--only', 'nosuch'), "unknown check 'nosuch'")
    # pre-commit may append file names: accepted and ignored (the range decides)
    rc, data, _ = hh_json(repo, 'scan', '--only', 'scope', 'README.md', 'src/app.py')
    assert rc == 1 and data['summary']['total'] == 3


def test_not_a_git_repository_is_exit_2_one_line(tmp_path: Path) -> None:
    plain = tmp_path / 'plain'
    plain.mkdir()
    outside = GitRepo(plain, init=False)
    env = {'GIT_CEILING_DIRECTORIES': str(tmp_path)}
    for args in (('scan',), ('context',), ('check-branch',), ('check-tag', '1.0.0+hotfix.1'),
                 ('config',), ('new', 'ARIS-1', 'fix it'),
                 ('check-pr-title', '--title', 'x')):
        assert_one_line_error(run_cli(outside, *args, env=env), 'not inside a git repository')


def test_git_ceiling_directories_are_honoured(tmp_path: Path) -> None:
    outer = GitRepo(tmp_path / 'outer')
    outer.commit('base', {'README.md': 'x\n'})
    (outer.path / 'unpacked').mkdir()
    inner = GitRepo(outer.path / 'unpacked', env=outer.env, init=False)
    assert run_cli(inner, 'check-branch').returncode == 0           # inside outer's work tree
    env = {'GIT_CEILING_DIRECTORIES': str(outer.path)}
    for args in (('check-branch',), ('scan',)):
        assert_one_line_error(run_cli(inner, *args, env=env), 'not inside a git repository')


def test_unknown_command_and_usage(repo: GitRepo) -> None:
    assert_one_line_error(repo.hh('scna'), "unknown command 'scna'")
    res = repo.hh()
    assert res.returncode == 2 and 'commands:' in res.stdout
    res = repo.hh('--help')
    assert res.returncode == 0
    for cmd in ('check-branch', 'check-tag', 'check-pr-title', 'check-commit-msg', 'scan',
                'context', 'config', 'new'):
        assert f'  {cmd} ' in res.stdout
    res = repo.hh('--version')
    assert res.returncode == 0 and res.stdout.startswith('hotfix-hooks ')
    res = repo.hh('scan', '--bogus')
    assert res.returncode == 2 and 'unrecognized arguments: --bogus' in res.stderr
    assert 'Traceback' not in res.stderr


_HEAVY = ('git', 'unidiff', 'yaml', 'pglast', 'json', 'dataclasses', 'subprocess',
          'difflib', 'hotfix_hooks.report', 'hotfix_hooks.findings', 'hotfix_hooks.catalog',
          'shutil')


def _branch_hook_modules(repo: GitRepo, *args: str) -> str:
    code = ('import sys\n'
            'from hotfix_hooks import cli\n'
            f'rc = cli.main(["check-branch", "--branch", "{BRANCH}", *{list(args)!r}])\n'
            f'heavy = [m for m in {_HEAVY!r} if m in sys.modules]\n'
            'print(rc, heavy)\n')
    res = subprocess.run([sys.executable, '-c', code], cwd=repo.path, capture_output=True,
                         text=True, env={**repo.env, 'PYTHONPATH': str(SRC)}, timeout=60)
    return res.stdout.strip() + res.stderr


def test_check_branch_does_not_load_heavy_modules(repo: GitRepo, tmp_path: Path) -> None:
    """A passing branch hook loads no reporter, no findings (dataclasses), no json, no shutil
    (argparse's terminal width); a policy that names rule ids checks them against the
    generated id list (``rule_ids``), without loading the rule catalogue."""
    assert _branch_hook_modules(repo) == '0 []'
    policy = tmp_path / 'policy.toml'
    policy.write_text('disable = ["commit-msg"]\n[severity]\nscope-too-many-files = "error"\n'
                      '[migrations]\ndisable = ["migration-live-introspection"]\n')
    assert _branch_hook_modules(repo, '--config', str(policy)) == '0 []'


def test_an_unknown_rule_id_still_names_the_key_and_the_nearest_ids(repo: GitRepo,
                                                                    tmp_path: Path) -> None:
    policy = tmp_path / 'policy.toml'
    policy.write_text('[severity]\nscope-too-many-file = "error"\n')
    res = run_cli(repo, 'check-branch', '--branch', BRANCH, '--config', str(policy))
    assert_one_line_error(res, "'severity'", "unknown rule id 'scope-too-many-file'",
                          'did you mean scope-too-many-files')
    policy.write_text('[migrations]\ndisable = ["scope-too-many-files"]\n')
    res = run_cli(repo, 'check-branch', '--branch', BRANCH, '--config', str(policy))
    assert_one_line_error(res, "'migrations.disable'", 'is not a migration-* rule')


def test_help_follows_the_terminal_width(repo: GitRepo) -> None:
    narrow = repo.hh('scan', '--help', env={'COLUMNS': '50'})
    wide = repo.hh('scan', '--help', env={'COLUMNS': '200'})
    assert narrow.returncode == wide.returncode == 0
    assert len(wide.stdout.splitlines()) < len(narrow.stdout.splitlines())
    assert repo.hh('scan', '--help', env={'COLUMNS': 'x'}).stdout == \
        repo.hh('scan', '--help', env={'COLUMNS': '80'}).stdout


def test_repeated_only_reports_each_finding_once(hotfix_repo: GitRepo) -> None:
    """``--only scope`` in the hook's entry and again in the user's args."""
    hotfix_repo.commit('module', {'src/new_module.py': 'x = 1\n'})
    once = run_cli(hotfix_repo, 'scan', '--only', 'scope', '--format', 'json')
    twice = run_cli(hotfix_repo, 'scan', '--only', 'scope', '--only', 'scope', '--format', 'json')
    assert once.stdout.count('"rule"') >= 1
    assert twice.stdout == once.stdout


def test_a_repository_with_its_own_hooks_package_keeps_both(repo: GitRepo) -> None:
    """The import name is ``hotfix_hooks``: a service's own ``hooks`` package (webhooks,
    plugin hooks) neither shadows the tool nor is shadowed by it."""
    repo.write('hooks/__init__.py', 'WHO = "the service"\n')
    repo.commit('a service with its own hooks package')
    env = {**repo.env, 'PYTHONPATH': f'{repo.path}{os.pathsep}{SRC}'}
    res = subprocess.run([sys.executable, '-m', 'hotfix_hooks', '--version'], cwd=repo.path,
                         capture_output=True, text=True, env=env, timeout=60)
    assert res.returncode == 0 and res.stdout.startswith('hotfix-hooks '), res.stderr
    res = subprocess.run([sys.executable, '-c', 'import hooks; print(hooks.WHO)'],
                         cwd=repo.path, capture_output=True, text=True, env=env, timeout=60)
    assert res.stdout.strip() == 'the service', res.stderr
