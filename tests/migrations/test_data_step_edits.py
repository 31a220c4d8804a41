"""The data step of a shipped migration edited: when does it matter?

A data migration's effect is the rows it chooses and what it writes. Databases that
applied the old version keep what that version wrote; new databases get what the new one
writes. When the queries of the step change (mealie 7602c674491f added a filter by the
list's group to the labels a shipped migration copies; paperless-ngx 59bf25edb158 turned
``TruncDate("created")`` into ``localtime(created).date()`` in a shipped 1067), the data
diverges between environments: ``migration-history-edited`` (warning: whether the written
data really differs cannot be told without running it). A refactor that leaves every query
as it was (a renamed variable, logging, a guard, how rows are loaded: ``only``,
``load_only``, ``iterator``) stays ``migration-history-code-changed`` (info).
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

PATH = 'shop/migrations/0003_order_day.py'
HISTORY = ('migration-history-edited', 'migration-history-code-changed')


def _django(body: str) -> str:
    return f'''import datetime

from django.db import migrations, models
from django.db.models.functions import TruncDate
from django.utils.timezone import localtime


def migrate_day(apps, schema_editor):
    Order = apps.get_model("shop", "Order")
{body}


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_order")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="day",
            field=models.DateField(null=True),
        ),
        migrations.RunPython(migrate_day, migrations.RunPython.noop),
    ]
'''


TRUNC = '''    queryset = Order.objects.annotate(
        day_utc=TruncDate("created")).values("id", "day_utc")
    updates = []
    for item in queryset.iterator(chunk_size=500):
        updates.append(Order(id=item["id"], day=item["day_utc"]))
    Order.objects.bulk_update(updates, ["day"])'''
LOCAL = '''    updates = []
    for order in Order.objects.only("id", "created").iterator(chunk_size=500):
        if order.created:
            order.day = localtime(order.created).date()
            updates.append(order)
    Order.objects.bulk_update(updates, ["day"])'''
RENAMED = '''    rows = Order.objects.annotate(day_utc=TruncDate("created")).values("id", "day_utc")
    pending = []
    for row in rows.iterator(chunk_size=1000):
        pending.append(Order(id=row["id"], day=row["day_utc"]))
    print(f"[0003_order_day] {len(pending)} orders")
    Order.objects.bulk_update(pending, ["day"])'''


def _history(old: str, new: str, path: str = PATH,
             base: dict[str, str] = DJANGO_BASE) -> list[Finding]:
    before = {**base, path: old}
    changes = ChangeSet.from_texts(base=before, head={**before, path: new})
    return [f for f in check(changes, from_mapping({}, None), RunInfo(hotfix=True))
            if f.rule in HISTORY]


def test_a_shipped_data_step_computing_other_values_is_a_history_warning() -> None:
    [f] = _history(_django(TRUNC), _django(LOCAL))
    assert (f.rule, f.severity) == ('migration-history-edited', 'warning')
    assert f.extra['change'] == ['data step']
    assert 'annotate(day_utc=TruncDate(\'created\'))' in f.message


def test_a_refactor_of_a_shipped_data_step_stays_context() -> None:
    [f] = _history(_django(TRUNC), _django(RENAMED))
    assert (f.rule, f.severity) == ('migration-history-code-changed', 'info')


MEALIE_OLD = '''
from sqlalchemy.orm import Session

from mealie.db.models.group import ShoppingList
from mealie.db.models.labels import MultiPurposeLabel


def populate(session: Session):
    shopping_lists = session.query(ShoppingList).all()
    labels = session.query(MultiPurposeLabel).all()
    rows = []
    for shopping_list in shopping_lists:
        for i, label in enumerate(labels):
            rows.append({"shopping_list_id": shopping_list.id, "label_id": label.id, "position": i})
    session.execute(sa.insert(sa.table("shopping_lists_multi_purpose_labels")), rows)
'''
MEALIE_NEW = MEALIE_OLD.replace(
    '''    labels = session.query(MultiPurposeLabel).all()
    rows = []
    for shopping_list in shopping_lists:
''', '''    rows = []
    for shopping_list in shopping_lists:
        labels = session.query(MultiPurposeLabel).filter(
            MultiPurposeLabel.group_id == ShoppingList.group_id).all()
''')
UPGRADE = '''op.add_column('shopping_lists', sa.Column('show_labels', sa.Boolean(), nullable=True))
session = Session(bind=op.get_bind())
populate(session)
session.commit()'''


def test_alembic_data_step_with_a_new_filter_is_a_history_warning() -> None:
    path = f'{V}/c3d4e5f6a7b8_label_settings.py'
    old = alembic(UPGRADE, "op.drop_column('shopping_lists', 'show_labels')",
                  preamble=MEALIE_OLD)
    new = alembic(UPGRADE, "op.drop_column('shopping_lists', 'show_labels')",
                  preamble=MEALIE_NEW)
    [f] = _history(old, new, path, BASE)
    assert (f.rule, f.severity) == ('migration-history-edited', 'warning')
    assert 'filter(MultiPurposeLabel.group_id == ShoppingList.group_id)' in f.message
    # loading only the columns it reads changes no row it chooses or writes
    loads = MEALIE_OLD.replace('session.query(MultiPurposeLabel).all()',
                               'session.query(MultiPurposeLabel).options('
                               'load_only(MultiPurposeLabel.id)).all()')
    [g] = _history(old, alembic(UPGRADE, "op.drop_column('shopping_lists', 'show_labels')",
                                preamble=loads), path, BASE)
    assert (g.rule, g.severity) == ('migration-history-code-changed', 'info')


def test_an_edited_data_step_on_real_commits_warns(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / 'repo')
    repo.commit('shipped', files={**DJANGO_BASE, PATH: _django(TRUNC)})
    repo.tag('v2.16.0')
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.commit('fix: created date in local time', files={PATH: _django(LOCAL)})
    res = run_cli(repo, 'scan', '--only', 'migrations', '--from-ref', 'main', '--to-ref', 'HEAD',
                  '--format', 'json')
    assert res.returncode in (0, 1), res.stderr
    [f] = [f for f in json.loads(res.stdout)['findings'] if f['rule'] in HISTORY]
    assert (f['rule'], f['severity'], f['path']) == ('migration-history-edited', 'warning', PATH)
