"""The hotfix-migrations hook as users run it: manifest entry, staged changes on a hotfix
branch (what pre-commit runs), and policy errors."""
from __future__ import annotations

import pytest
import yaml

from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.gitrepo import ROOT
from tests.support.hookkit import HOTFIX_BRANCH
from tests.support.migration_fixtures import alembic
from tests.support.migration_fixtures import BASE
from tests.support.migration_fixtures import V


def test_manifest_entry() -> None:
    hooks = {h['id']: h for h in yaml.safe_load((ROOT / '.pre-commit-hooks.yaml').read_text())}
    h = hooks['hotfix-migrations']
    assert h['entry'] == 'hotfix-hooks scan --only migrations'
    assert (h['language'], h['pass_filenames'], h['always_run'], h['require_serial']) == \
        ('python', False, True, True)
    assert h['stages'] == ['pre-commit', 'pre-push', 'manual']
    assert h['minimum_pre_commit_version'] == '3.2.0'


def test_staged_migration_on_hotfix_branch(repo: GitRepo) -> None:
    repo.commit('shipped', files=BASE)
    repo.checkout('hotfix/OPS-7-drop-legacy', create=True)
    repo.write(f'{V}/c3d4e5f6a7b8_drop_legacy.py',
               alembic("op.drop_column('users', 'legacy_code')", 'pass'))
    repo.git('add', '-A')
    res = run_cli(repo, 'scan', '--only', 'migrations', '--staged')
    assert res.returncode == 1, res.stderr
    assert 'error [migration-drop-column]' in res.stdout
    assert 'error [migration-downgrade-noop]' in res.stdout
    # the same change on a feature branch is reported one level lower and does not block
    repo.git('stash')
    repo.checkout('feature/cleanup', create=True, start='main')
    repo.git('stash', 'pop')
    repo.git('add', '-A')
    res = run_cli(repo, 'scan', '--only', 'migrations', '--staged')
    assert res.returncode == 0 and 'warning [migration-drop-column]' in res.stdout


def test_non_migration_change_is_silent_and_bad_policy_is_exit_2(repo: GitRepo) -> None:
    repo.commit('shipped', files={**BASE, 'app.py': 'x = 1\n'})
    repo.checkout('hotfix/OPS-8-typo', create=True)
    repo.write('app.py', 'x = 2\n')
    repo.git('add', '-A')
    res = run_cli(repo, 'scan', '--only', 'migrations', '--staged')
    assert (res.returncode, res.stdout.strip()) == (0, '')
    repo.write('pyproject.toml', '[tool.hotfix-hooks.migrations]\ndialect = "db2"\n')
    res = run_cli(repo, 'scan', '--only', 'migrations', '--staged')
    assert res.returncode == 2
    assert "'migrations.dialect'" in res.stderr and 'Traceback' not in res.stderr


# -- files the checks cannot decode ------------------------------------------------------
ALEMBIC_BASE = ('revision = "a1"\ndown_revision = None\n\n\ndef upgrade():\n'
                '    op.create_table("stock")\n\n\ndef downgrade():\n    op.drop_table("stock")\n')


@pytest.mark.parametrize('path,content,rule', [
    ('migrations/002_drop.sql', b'-- caf\xe9 (latin-1)\nDROP TABLE stock;\n',
     'migration-drop-table'),
    ('alembic/versions/a2.py',
     b'# -*- coding: latin-1 -*-\n# caf\xe9\nrevision = "a2"\ndown_revision = "a1"\n\n\n'
     b'def upgrade():\n    op.drop_table("stock")\n\n\ndef downgrade():\n    pass\n',
     'migration-drop-table'),
    ('alembic/versions/a2.py',
     b'# caf\xe9\nrevision = "a2"\ndown_revision = "a1"\n\n\n'
     b'def upgrade():\n    op.drop_table("stock")\n\n\ndef downgrade():\n    pass\n',
     'migration-drop-table'),
])
def test_non_utf8_migration_is_still_checked(repo: GitRepo, path: str, content: bytes,
                                             rule: str) -> None:
    repo.commit('base', {'migrations/001_init.sql': 'CREATE TABLE stock (id int);\n',
                         'alembic/versions/a1.py': ALEMBIC_BASE})
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.commit('drop', {path: content})
    res = run_cli(repo, 'scan', '--only', 'migrations', '--format', 'json')
    assert res.returncode == 1, (res.stdout, res.stderr)
    assert f'"rule": "{rule}"' in res.stdout
    assert path in res.stdout
