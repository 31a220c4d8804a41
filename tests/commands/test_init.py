"""``hotfix-hooks init`` in real repositories (in-process): what it writes and where, the
dry run, never overwriting without --force, the policy it writes loads as written."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from hotfix_hooks.commands.init import source_from_direct_url
from hotfix_hooks.git.plumbing import EMPTY_TREE
from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import assert_one_line_error
from tests.support.init_fixtures import DJANGO
from tests.support.init_fixtures import FASTAPI_TEMPLATE
from tests.support.init_fixtures import MONOREPO

HOOK = ('--hook-repo', 'https://git.example.org/hotfix-hooks.git', '--hook-rev', 'a' * 40)


def _repo(tmp_path: Path, files: dict[str, str], name: str = 'svc') -> GitRepo:
    repo = GitRepo(tmp_path / name)
    repo.commit('Initial commit', dict(files))
    return repo


def test_dry_run_prints_everything_and_writes_nothing(tmp_path: Path) -> None:
    repo = _repo(tmp_path, FASTAPI_TEMPLATE.files)
    res = run_cli(repo, 'init', '--dry-run', *HOOK)
    assert res.returncode == 0, res.stderr
    assert '--- would create .hotfix-hooks.toml: the repository policy ---' in res.stdout
    assert '--- would create backend/.hotfix-hooks.toml: the policy of backend/ ---' \
        in res.stdout
    assert '--- would create .pre-commit-config.yaml: the pre-commit hooks ---' in res.stdout
    assert '(dry run: nothing written)' in res.stdout
    assert repo.git('status', '--porcelain') == ''


def test_the_written_policy_is_commented_marks_its_proposals_and_loads(tmp_path: Path) -> None:
    repo = _repo(tmp_path, FASTAPI_TEMPLATE.files)
    res = run_cli(repo, 'init', *HOOK)
    assert res.returncode == 0, res.stderr
    backend = (repo.path / 'backend/.hotfix-hooks.toml').read_text()
    assert backend.count('\nproposed = true\n') == 3       # smoke, domains api and crud
    assert backend.count('# PROPOSAL') == 3
    assert 'dialect = "postgresql"                  # psycopg in pyproject.toml' in backend
    root = (repo.path / '.hotfix-hooks.toml').read_text()
    assert 'gates = []' in root and 'base = "main"' in root
    # hotfix-hooks reads them: the folder policy governs backend/, its proposals are there
    res = run_cli(repo, 'config', '--path', 'backend/app/crud.py', '--format', 'json')
    data = json.loads(res.stdout)
    assert data['folder'] == 'backend' and data['file'] == 'backend/.hotfix-hooks.toml'
    assert [(g['name'], g['proposed']) for g in data['values']['gates']] == [('smoke', True)]
    assert data['values']['domains']['pos']['enabled'] is False
    assert data['values']['domains']['crud']['command'] == ['pytest', '-q', 'tests/crud']
    cfg = (repo.path / '.pre-commit-config.yaml').read_text()
    assert 'default_install_hook_types: [pre-commit, pre-push]' in cfg
    assert '-   repo: https://git.example.org/hotfix-hooks.git\n    rev: ' + 'a' * 40 in cfg


def test_never_overwrites_without_force(tmp_path: Path) -> None:
    repo = _repo(tmp_path, DJANGO.files)
    repo.write('.hotfix-hooks.toml', 'base = "trunk"\n')
    assert_one_line_error(run_cli(repo, 'init', *HOOK), '.hotfix-hooks.toml already exists',
                          'pass --force')
    assert (repo.path / '.hotfix-hooks.toml').read_text() == 'base = "trunk"\n'
    assert not (repo.path / '.pre-commit-config.yaml').exists()     # nothing half-written
    res = run_cli(repo, 'init', '--force', *HOOK)
    assert res.returncode == 0, res.stderr
    assert 'base = "main"' in (repo.path / '.hotfix-hooks.toml').read_text()


def test_a_pyproject_policy_is_not_hidden_by_a_new_dot_file(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {**DJANGO.files, 'pyproject.toml': '[tool.hotfix-hooks]\n'
                                                            'base = "trunk"\n'})
    assert_one_line_error(run_cli(repo, 'init', *HOOK), 'pyproject.toml already has a '
                                                         '[tool.hotfix-hooks] policy')
    res = run_cli(repo, 'init', '--pyproject', *HOOK)
    assert res.returncode == 2 and 'pass --force' in res.stderr


def test_pyproject_choice_writes_into_the_service_pyproject(tmp_path: Path) -> None:
    repo = _repo(tmp_path, MONOREPO.files)
    before = (repo.path / 'server/pyproject.toml').read_bytes()
    res = run_cli(repo, 'init', '--pyproject', *HOOK)
    assert res.returncode == 0, res.stderr
    after = (repo.path / 'server/pyproject.toml').read_bytes()
    assert after.startswith(before) and b'\n[tool.hotfix-hooks]\n' in after
    assert b'\n[tool.hotfix-hooks.migrations]\n' in after
    # no pyproject.toml at the root: the repository policy is a .hotfix-hooks.toml
    assert (repo.path / '.hotfix-hooks.toml').is_file()
    assert 'updated server/pyproject.toml' in res.stdout
    res = run_cli(repo, 'config')
    assert '#   server/  server/pyproject.toml' in res.stdout


def test_ticket_pattern_and_base_from_the_history(tmp_path: Path) -> None:
    repo = _repo(tmp_path, DJANGO.files)
    for sub in ('fsft-101 fix', 'fsft-102 more', 'fsft-103 again'):
        repo.commit(sub, allow_empty=True)
    repo.git('branch', '-m', 'main', 'trunk')
    res = run_cli(repo, 'init', '--dry-run', *HOOK)
    assert 'base branch:    trunk (the current branch' in res.stdout
    assert 'ticket_pattern = "[a-z][a-z0-9]+-[0-9]+"' in res.stdout
    # the generated pattern is what `new` then accepts
    run_cli(repo, 'init', *HOOK)
    res = run_cli(repo, 'new', 'fsft-104', 'Fix ping counts')
    assert res.returncode == 0, res.stderr


def test_without_a_hook_source_it_says_what_to_pass(tmp_path: Path) -> None:
    repo = _repo(tmp_path, DJANGO.files)
    res = run_cli(repo, 'init', '--hook-repo', 'x')
    assert_one_line_error(res, '--hook-repo and --hook-rev go together')
    res = run_cli(repo, 'init', '--no-pre-commit')
    assert res.returncode == 0, res.stderr
    assert not (repo.path / '.pre-commit-config.yaml').exists()


def test_an_existing_precommit_config_keeps_its_hooks(tmp_path: Path) -> None:
    old = 'repos:\n-   repo: local\n    hooks:\n    -   id: lint\n        name: lint\n' \
          '        entry: true\n        language: system\n'
    repo = _repo(tmp_path, {**DJANGO.files, '.pre-commit-config.yaml': old})
    res = run_cli(repo, 'init', *HOOK)
    assert res.returncode == 0, res.stderr
    text = (repo.path / '.pre-commit-config.yaml').read_text()
    assert text.startswith('default_install_hook_types: [pre-commit, pre-push]\n' + old)
    res = run_cli(repo, 'init', '--force', *HOOK)
    assert 'already runs hotfix-hooks hooks: left as it is' in res.stdout
    assert (repo.path / '.pre-commit-config.yaml').read_text() == text


@pytest.mark.parametrize('raw,expected', [
    ('{"url": "https://github.com/o/hotfix-hooks", "vcs_info": {"vcs": "git", '
     '"commit_id": "abc", "requested_revision": "abc"}}',
     ('https://github.com/o/hotfix-hooks', 'abc')),
    ('{"url": "file:///nowhere/at/all", "dir_info": {"editable": true}}', None),
    ('{"url": "https://files.example/hotfix_hooks-0.1.0.tar.gz", "archive_info": {}}', None),
    ('not json', None), (None, None),
])
def test_hook_source_from_pip_metadata(raw: str | None, expected: tuple[str, str] | None
                                       ) -> None:
    assert source_from_direct_url(raw) == expected


def test_hook_source_of_an_editable_install_from_a_clone(tmp_path: Path) -> None:
    clone = _repo(tmp_path, {'pyproject.toml': '[project]\nname = "hotfix-hooks"\n'}, 'clone')
    raw = json.dumps({'url': clone.path.as_uri(), 'dir_info': {'editable': True}})
    assert source_from_direct_url(raw) == (str(clone.path), clone.head())


def test_the_empty_tree_is_not_a_ticket(tmp_path: Path) -> None:
    """A hex id in a subject (a sha, the empty tree) is no ticket."""
    repo = _repo(tmp_path, DJANGO.files)
    repo.commit(f'revert {EMPTY_TREE[:12]}', allow_empty=True)
    res = run_cli(repo, 'init', '--dry-run', *HOOK)
    assert '# ticket_pattern = "[A-Z][A-Z0-9]+-[0-9]+"' in res.stdout
