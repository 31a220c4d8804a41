"""``enforce_on``: the protocol governs hotfixes. Off hotfix branches the diff checks report
at most warnings and say so once; ``enforce_on = "all"`` blocks everywhere."""
from __future__ import annotations

import json

import pytest

from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import hh_json
from tests.support.hookkit import write_policy

MAIN = '''from fastapi import FastAPI

app = FastAPI()


@app.get("/items")
def list_items():
    return []


@app.get("/items/{item_id}")
def get_item(item_id: int):
    return {"id": item_id}
'''
WITHOUT_GET_ITEM = MAIN.split('\n\n@app.get("/items/{item_id}")')[0] + '\n'
MIGRATION = '''"""drop the legacy column"""
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    op.drop_column("items", "legacy")


def downgrade():
    pass
'''
FIRST = '''"""create items"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.create_table("items", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("legacy", sa.String(20)))


def downgrade():
    op.drop_table("items")
'''


@pytest.fixture
def service(repo: GitRepo) -> GitRepo:
    repo.commit('service', {'app/main.py': MAIN, 'migrations/versions/0001_items.py': FIRST})
    return repo


def _remove_endpoint(repo: GitRepo, branch: str) -> None:
    repo.checkout(branch, create=True, start='main')
    repo.commit('remove GET /items/{item_id}', {'app/main.py': WITHOUT_GET_ITEM})


def test_feature_branch_removing_an_endpoint_warns_and_passes(service: GitRepo) -> None:
    _remove_endpoint(service, 'feature/retire-item-endpoint')
    rc, data, err = hh_json(service, 'scan')
    assert rc == 0, (data, err)
    removed = [f for f in data['findings'] if f['rule'] == 'api-route-removed']
    assert [(f['severity'], f['severity_on_hotfix']) for f in removed] == [('warning', 'error')]
    said = [f for f in data['findings'] if f['rule'] == 'hotfix-only-enforcement']
    assert len(said) == 1 and said[0]['severity'] == 'info'
    assert "'feature/retire-item-endpoint' is not a hotfix branch" in said[0]['message']
    assert 'enforce_on = "all"' in said[0]['hint']
    # the same verdict in CI on the pull request
    res = run_cli(service, 'ci', '--no-record', '--from-ref', 'main', '--to-ref', 'HEAD')
    assert res.returncode == 0, res.stdout + res.stderr
    assert 'warning [api-route-removed]' in res.stdout
    assert res.stdout.count('[hotfix-only-enforcement]') == 1


def test_enforce_on_all_blocks_the_feature_branch(service: GitRepo) -> None:
    _remove_endpoint(service, 'feature/retire-item-endpoint')
    write_policy(service, 'enforce_on = "all"\n')
    rc, data, _ = hh_json(service, 'scan')
    assert rc == 1
    assert [f['severity'] for f in data['findings'] if f['rule'] == 'api-route-removed'] \
        == ['error']
    assert not [f for f in data['findings'] if f['rule'] == 'hotfix-only-enforcement']


def test_a_hotfix_branch_is_blocked_by_default(service: GitRepo) -> None:
    _remove_endpoint(service, 'hotfix/ARIS-5-retire-item-endpoint')
    rc, data, _ = hh_json(service, 'scan')
    assert rc == 1
    assert not [f for f in data['findings'] if f['rule'] == 'hotfix-only-enforcement']


def test_release_branches_are_enforced_like_hotfixes(service: GitRepo) -> None:
    write_policy(service, 'release_branches = ["release/*"]\n')
    _remove_endpoint(service, 'release/1.2')
    rc, _data, _ = hh_json(service, 'scan')
    assert rc == 1


def test_said_once_for_several_capped_findings(service: GitRepo) -> None:
    service.checkout('feature/cleanup', create=True, start='main')
    service.commit('retire endpoint and column', {'app/main.py': WITHOUT_GET_ITEM,
                                                  'migrations/versions/0002_drop.py': MIGRATION})
    rc, data, _ = hh_json(service, 'scan')
    assert rc == 0
    said = [f for f in data['findings'] if f['rule'] == 'hotfix-only-enforcement']
    assert len(said) == 1 and said[0]['capped'] == 1     # the endpoint; migrations lower alone
    severities = {f['rule']: f['severity'] for f in data['findings']}
    assert severities['api-route-removed'] == 'warning'
    assert severities['migration-drop-column'] == 'warning'
    assert 'error' not in severities.values()
    # enforce_on = "all": migrations keep their hotfix severities too
    write_policy(service, 'enforce_on = "all"\n')
    rc, data, _ = hh_json(service, 'scan')
    assert rc == 1
    severities = {f['rule']: f['severity'] for f in data['findings']}
    assert severities['migration-drop-column'] == 'error'


def test_an_override_to_error_is_still_capped_off_hotfix(service: GitRepo) -> None:
    """enforce_on decides where anything blocks; per-rule severities decide how much."""
    service.checkout('feature/drop-legacy', create=True, start='main')
    service.commit('drop', {'migrations/versions/0002_drop.py': MIGRATION})
    write_policy(service, '[migrations.severity]\n"migration-drop-column" = "error"\n')
    rc, data, _ = hh_json(service, 'scan')
    assert rc == 0
    dropped = [f for f in data['findings'] if f['rule'] == 'migration-drop-column']
    assert [(f['severity'], f['severity_on_hotfix']) for f in dropped] == [('warning', 'error')]
    service.checkout('hotfix/ARIS-6-drop-legacy', create=True)
    rc, data, _ = hh_json(service, 'scan')
    assert rc == 1


def test_an_unknown_branch_is_not_relaxed(service: GitRepo) -> None:
    """A detached HEAD gives no branch to judge: the hotfix rules apply (fail closed)."""
    _remove_endpoint(service, 'feature/retire-item-endpoint')
    service.git('checkout', '-q', '--detach')
    write_policy(service, 'unknown_branch = "pass"\n')
    rc, data, _ = hh_json(service, 'scan', '--from-ref', 'main', '--to-ref', 'HEAD')
    assert rc == 1, data
    assert not [f for f in data['findings'] if f['rule'] == 'hotfix-only-enforcement']


def test_the_note_can_be_disabled(service: GitRepo) -> None:
    _remove_endpoint(service, 'feature/retire-item-endpoint')
    write_policy(service, 'disable = ["hotfix-only-enforcement"]\n')
    res = run_cli(service, 'scan', '--format', 'json')
    data = json.loads(res.stdout)
    assert res.returncode == 0
    # api-code-coverage: the info line every scan that reads the route code gives
    assert [f['rule'] for f in data['findings']
            if f['rule'] != 'api-code-coverage'] == ['api-route-removed']
