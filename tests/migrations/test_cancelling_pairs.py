"""Two shipped migrations emptied together of operations that cancel each other.

healthchecks' fix for Django 5.1 (``index_together`` is gone): migration 0015 set
``index_together`` on ``check`` and 0036 set it to nothing; both became ``operations = []``.
A database past 0036, and a new database, end in the same schema as before the edit; only
a database between the two keeps the index 0036 used to drop. That is a hazard for a
reviewer (warning), not a history that diverges for the databases the code runs on (the
error ``migration-history-edited`` stays for an edit of one side only, or of a pair that
does not cancel).
"""
from __future__ import annotations

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.migrations import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.findings import Finding
from hotfix_hooks.policy import from_mapping
from tests.support.migration_fixtures import alembic
from tests.support.migration_fixtures import BASE
from tests.support.migration_fixtures import DJANGO_BASE
from tests.support.migration_fixtures import V

EDITED = 'migration-history-edited'


def _django(name: str, dep: str, operations: str) -> tuple[str, str]:
    return f'shop/migrations/{name}.py', f'''from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "{dep}")]

    operations = [{operations}]
'''


SET = 'migrations.AlterIndexTogether(name="order", index_together=set([("customer", "total")]))'
UNSET = 'migrations.AlterIndexTogether(name="order", index_together=set([]))'
EMPTIED = '''
    # index_together is gone in Django 5.1, and a later migration removes this index
'''


def _edited(base_extra: dict[str, str], head_extra: dict[str, str],
            base: dict[str, str] = DJANGO_BASE) -> list[Finding]:
    before = {**base, **base_extra}
    changes = ChangeSet.from_texts(base=before, head={**before, **head_extra})
    return [f for f in check(changes, from_mapping({}, None), RunInfo(hotfix=True))
            if f.rule == EDITED]


def test_a_pair_that_cancels_emptied_together_is_a_warning() -> None:
    shipped = dict([_django('0003_order_index', '0002_order', SET),
                    _django('0004_drop_order_index', '0003_order_index', UNSET)])
    emptied = dict([_django('0003_order_index', '0002_order', EMPTIED),
                    _django('0004_drop_order_index', '0003_order_index', EMPTIED)])
    found = _edited(shipped, emptied)
    assert len(found) == 2 and {f.severity for f in found} == {'warning'}
    assert all('cancel each other' in f.message for f in found)


def test_one_side_emptied_or_a_pair_that_does_not_cancel_stays_an_error() -> None:
    shipped = dict([_django('0003_order_index', '0002_order', SET),
                    _django('0004_drop_order_index', '0003_order_index', UNSET)])
    only_first = dict([_django('0003_order_index', '0002_order', EMPTIED)])
    assert [f.severity for f in _edited(shipped, only_first)] == ['error']
    other = dict([_django('0003_order_index', '0002_order', SET),
                  _django('0004_drop_order_index', '0003_order_index',
                          'migrations.AlterIndexTogether(name="order", '
                          'index_together=set([("total",)]))')])
    emptied = dict([_django('0003_order_index', '0002_order', EMPTIED),
                    _django('0004_drop_order_index', '0003_order_index', EMPTIED)])
    assert [f.severity for f in _edited(other, emptied)] == ['error', 'error']


def test_alembic_index_built_then_dropped_both_removed_is_a_warning() -> None:
    build = f'{V}/c3d4e5f6a7b8_ix_orders_user.py'
    drop = f'{V}/d4e5f6a7b8c9_drop_ix_orders_user.py'
    shipped = {
        build: alembic("op.create_index('ix_orders_user_id', 'orders', ['user_id'])",
                       "op.drop_index('ix_orders_user_id', table_name='orders')"),
        drop: alembic("op.drop_index('ix_orders_user_id', table_name='orders')",
                      "op.create_index('ix_orders_user_id', 'orders', ['user_id'])",
                      revision='d4e5f6a7b8c9', down_revision='c3d4e5f6a7b8'),
    }
    emptied = {
        build: alembic('pass', 'pass'),
        drop: alembic('pass', 'pass', revision='d4e5f6a7b8c9', down_revision='c3d4e5f6a7b8'),
    }
    found = _edited(shipped, emptied, base=BASE)
    assert sorted(f.severity for f in found) == ['warning', 'warning']
