"""A shipped migration edited only to make a column type wider.

paperless-ngx 544e9c4fe214 turned ``CharField(max_length=2048)`` into ``TextField`` in
1055_alter_storagepath_path, already in a release. Databases that applied the old version
keep ``varchar(2048)``: every value they hold fits the new type, nothing is written or
lost, the rollback is unchanged; what differs is that they still reject a path longer than
2048. That is a hazard for a reviewer (warning: the widening belongs in a new migration),
not a history whose data diverges (error). Narrowing, a change of type family, or a
widening together with any other change stays an error.
"""
from __future__ import annotations

import json
from pathlib import Path

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.migrations import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.findings import Finding
from hotfix_hooks.policy import from_mapping
from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import HOTFIX_BRANCH
from tests.support.migration_fixtures import alembic
from tests.support.migration_fixtures import BASE
from tests.support.migration_fixtures import DJANGO_BASE
from tests.support.migration_fixtures import V

EDITED = 'migration-history-edited'
PATH = 'shop/migrations/0003_alter_order_note.py'


def _django(field: str, extra: str = '') -> str:
    return f'''from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_order")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="note",
            field={field},
        ),{extra}
    ]
'''


def _edited(old: str, new: str, path: str = PATH,
            base: dict[str, str] = DJANGO_BASE) -> list[Finding]:
    before = {**base, path: old}
    changes = ChangeSet.from_texts(base=before, head={**before, path: new})
    return [f for f in check(changes, from_mapping({}, None), RunInfo(hotfix=True))
            if f.rule == EDITED]


def test_charfield_to_textfield_in_a_shipped_migration_is_a_warning() -> None:
    [f] = _edited(_django('models.CharField(max_length=2048, verbose_name="note")'),
                  _django('models.TextField(verbose_name="note")'))
    assert f.severity == 'warning'
    assert 'only widens shop_order.note CharField(2048) -> TextField' in f.message
    assert 'new migration' in f.hint


def test_a_longer_max_length_and_a_bigger_integer_are_widenings() -> None:
    [f] = _edited(_django('models.CharField(max_length=100, null=True)'),
                  _django('models.CharField(max_length=255, null=True)'))
    assert f.severity == 'warning'
    [g] = _edited(_django('models.IntegerField(default=0)'),
                  _django('models.BigIntegerField(default=0)'))
    assert g.severity == 'warning'


def test_narrowing_another_family_or_another_change_stays_an_error() -> None:
    narrowed = _edited(_django('models.TextField()'), _django('models.CharField(max_length=50)'))
    assert [f.severity for f in narrowed] == ['error']
    family = _edited(_django('models.CharField(max_length=20)'), _django('models.IntegerField()'))
    assert [f.severity for f in family] == ['error']
    nullable = _edited(_django('models.CharField(max_length=100)'),
                       _django('models.TextField(null=True)'))
    assert [f.severity for f in nullable] == ['error']
    indexed = _edited(_django('models.CharField(max_length=100)'),
                      _django('models.TextField(db_index=True)'))
    assert [f.severity for f in indexed] == ['error']
    plus_op = _edited(_django('models.CharField(max_length=100)'),
                      _django('models.TextField()', '\n        migrations.RemoveField('
                              'model_name="order", name="total"),'))
    assert [f.severity for f in plus_op] == ['error']


def test_alembic_string_to_text_is_a_warning_and_a_narrowing_is_not() -> None:
    path = f'{V}/c3d4e5f6a7b8_orders_note.py'
    old = alembic("op.alter_column('orders', 'note', existing_type=sa.String(200), "
                  "type_=sa.String(500))",
                  "op.alter_column('orders', 'note', existing_type=sa.String(500), "
                  "type_=sa.String(200))")
    wider = old.replace("type_=sa.String(500))\n", "type_=sa.Text())\n", 1)
    [f] = _edited(old, wider, path, BASE)
    assert f.severity == 'warning'
    narrower = old.replace("type_=sa.String(500))\n", "type_=sa.String(300))\n", 1)
    assert [f.severity for f in _edited(old, narrower, path, BASE)] == ['error']
    added = alembic("op.add_column('orders', sa.Column('note', sa.String(200), nullable=True))",
                    "op.drop_column('orders', 'note')")
    [g] = _edited(added, added.replace('sa.String(200)', 'sa.Text()'), path, BASE)
    assert g.severity == 'warning'
    [h] = _edited(added, added.replace('sa.String(200), nullable=True',
                                       'sa.Text(), nullable=False'), path, BASE)
    assert h.severity == 'error'


def test_widening_a_shipped_migration_on_real_commits_warns_without_blocking(
        tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / 'repo')
    repo.commit('shipped',
                files={**DJANGO_BASE, PATH: _django('models.CharField(max_length=2048)')})
    repo.tag('v1.0.0')
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.commit('use a TextField for the note', files={PATH: _django('models.TextField()')})
    res = run_cli(repo, 'scan', '--only', 'migrations', '--from-ref', 'main', '--to-ref', 'HEAD',
                  '--format', 'json')
    assert res.returncode in (0, 1), res.stderr
    [f] = [f for f in json.loads(res.stdout)['findings'] if f['rule'] == EDITED]
    assert f['severity'] == 'warning' and f['path'] == PATH
