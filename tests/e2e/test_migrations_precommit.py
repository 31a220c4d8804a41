"""End to end: the hotfix-migrations hook installed with the real pre-commit framework
refuses a destructive migration on a hotfix branch at commit time and lets a safe one in."""
from __future__ import annotations

import pytest

from tests.support.migration_fixtures import alembic
from tests.support.migration_fixtures import BASE
from tests.support.migration_fixtures import V

pytestmark = pytest.mark.e2e


def test_hotfix_migrations_hook_on_commit(consumer) -> None:
    repo = consumer(['hotfix-migrations'], hook_types=('pre-commit',), files=BASE)
    repo.checkout('hotfix/OPS-12-drop-orders', create=True)
    repo.write(f'{V}/c3d4e5f6a7b8_drop_orders.py', alembic("op.drop_table('orders')", 'pass'))
    repo.git('add', '-A')
    res = repo.run(['git', 'commit', '-m', 'OPS-12 drop orders'], check=False)
    out = res.stdout + res.stderr
    assert res.returncode != 0
    assert '[migration-drop-table]' in out and '[migration-downgrade-noop]' in out
    repo.write(f'{V}/c3d4e5f6a7b8_drop_orders.py', alembic(
        "op.add_column('orders', sa.Column('coupon', sa.String(20), nullable=True))",
        "op.drop_column('orders', 'coupon')"))
    repo.git('add', '-A')
    res = repo.run(['git', 'commit', '-m', 'OPS-12 add coupon'], check=False)
    assert res.returncode == 0, res.stdout + res.stderr
