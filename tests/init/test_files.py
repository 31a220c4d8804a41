"""``init`` adds to the user's files without destroying them: a ``[tool.hotfix-hooks]``
block appended to ``pyproject.toml`` (the rest byte for byte), a repository entry added to
``.pre-commit-config.yaml`` in the file's own style."""
from __future__ import annotations

import pytest
import yaml

from hotfix_hooks import tomlio
from hotfix_hooks.errors import ConfigError
from hotfix_hooks.init.files import into_precommit_config
from hotfix_hooks.init.files import into_pyproject
from hotfix_hooks.init.files import new_precommit_config

BLOCK = '[tool.hotfix-hooks]\nbase = "main"\n\n[tool.hotfix-hooks.scope]\nmax_files = 9\n'
PYPROJECT = '''[project]
name = "app"   # keep this comment
dependencies = [
    "fastapi",  # and this one
]

[tool.ruff]
line-length = 100
'''


@pytest.mark.parametrize('old', [PYPROJECT, PYPROJECT.rstrip('\n'),
                                 PYPROJECT.replace('\n', '\r\n'), ''])
def test_pyproject_keeps_every_byte_and_appends_the_table(old: str) -> None:
    new = into_pyproject(old, BLOCK, 'pyproject.toml', force=False)
    assert new.startswith(old)
    if '\r\n' in old:
        assert '\r\n[tool.hotfix-hooks]\r\nbase = "main"\r\n' in new
        assert '\n' not in new.replace('\r\n', '')
    doc = tomlio.loads(new)
    assert doc['tool']['hotfix-hooks'] == {'base': 'main', 'scope': {'max_files': 9}}
    if old:
        assert doc['tool']['ruff'] == {'line-length': 100}


def test_pyproject_with_a_policy_is_not_touched_without_force() -> None:
    old = PYPROJECT + '\n[tool.hotfix-hooks]\nbase = "develop"\n\n[tool.hotfix-hooks.naming]\n' \
                      'commit_msg = true\n\n[tool.black]\nline-length = 88\n'
    with pytest.raises(ConfigError, match='already has a \\[tool.hotfix-hooks\\] policy'):
        into_pyproject(old, BLOCK, 'pyproject.toml', force=False)
    new = into_pyproject(old, BLOCK, 'pyproject.toml', force=True)
    doc = tomlio.loads(new)
    assert doc['tool']['hotfix-hooks'] == {'base': 'main', 'scope': {'max_files': 9}}
    assert doc['tool']['black'] == {'line-length': 88} and doc['project']['name'] == 'app'
    assert new.startswith(PYPROJECT)


def test_pyproject_that_is_not_toml_is_refused() -> None:
    with pytest.raises(ConfigError, match='not valid TOML'):
        into_pyproject('[project\n', BLOCK, 'pyproject.toml', force=False)


def test_force_refuses_policy_keys_it_cannot_find_in_tables() -> None:
    old = '[tool]\n"hotfix-hooks" = { base = "x" }\n'
    with pytest.raises(ConfigError, match='cannot replace them'):
        into_pyproject(old, BLOCK, 'pyproject.toml', force=True)


PRECOMMIT_TEMPLATE = '''# See https://pre-commit.com for more information
repos:
  - repo: https://github.com/pre-commit/pre-commit-hooks
    rev: 3e8a8703264a2f4a69428a0aa4dcb512790b2c8c # v6.0.0
    hooks:
      - id: check-toml
  - repo: local
    hooks:
      - id: ruff
        name: ruff
        entry: ruff check
        language: system

ci:
  autoupdate_schedule: monthly
'''
PRECOMMIT_OWN = '''default_stages: [pre-commit]
repos:
-   repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v6.0.0
    hooks:
    -   id: check-yaml
'''


def test_precommit_entry_is_added_in_the_files_own_style() -> None:
    new, notes = into_precommit_config(PRECOMMIT_TEMPLATE, '/src/hotfix-hooks', 'abc123',
                                       '.pre-commit-config.yaml')
    assert new is not None and notes == []
    assert '''        language: system
  - repo: /src/hotfix-hooks
    rev: abc123
    hooks:
      - id: hotfix
      - id: hotfix-tag-name
      - id: hotfix-gates
      - id: hotfix-record

ci:
  autoupdate_schedule: monthly
''' in new
    old, after = yaml.safe_load(PRECOMMIT_TEMPLATE), yaml.safe_load(new)
    assert after['repos'][:2] == old['repos'] and after['ci'] == old['ci']
    assert after['default_install_hook_types'] == ['pre-commit', 'pre-push']
    assert new.startswith('# See https://pre-commit.com for more information\n'
                          'default_install_hook_types: [pre-commit, pre-push]\nrepos:\n')

    new, _ = into_precommit_config(PRECOMMIT_OWN, '/src/hotfix-hooks', 'abc123', 'x')
    assert new is not None
    assert new.endswith('    -   id: check-yaml\n-   repo: /src/hotfix-hooks\n    rev: abc123\n'
                        '    hooks:\n    -   id: hotfix\n    -   id: hotfix-tag-name\n'
                        '    -   id: hotfix-gates\n    -   id: hotfix-record\n')


def test_precommit_already_running_hotfix_hooks_is_left_alone() -> None:
    old = new_precommit_config('/src/hotfix-hooks', 'abc')
    assert into_precommit_config(old, '/elsewhere', 'def', 'x') == (
        None, ['x already runs hotfix-hooks hooks: left as it is (update its rev yourself)'])


def test_precommit_without_pre_push_is_said() -> None:
    old = 'default_install_hook_types: [pre-commit]\nrepos: \n'
    new, notes = into_precommit_config(old, '/r', 'abc', 'x')
    assert new is not None and yaml.safe_load(new)['repos'][0]['repo'] == '/r'
    assert notes and 'no pre-push' in notes[0]


@pytest.mark.parametrize('old,words', [('repos: []\n', 'written inline'),
                                       ('repos: [\n', 'not valid YAML'),
                                       ('- a\n- b\n', 'expected a mapping')])
def test_precommit_it_cannot_edit_safely_is_refused(old: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        into_precommit_config(old, '/r', 'abc', 'x')
