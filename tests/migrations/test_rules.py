"""Migration guard: every per-migration rule on real-looking Alembic files (pure checks
on ``ChangeSet.from_texts``), with a failing and a passing example each."""
from __future__ import annotations

import pytest

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.migrations import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.findings import Finding
from hotfix_hooks.policy import from_mapping
from tests.support.gitrepo import ROOT
from tests.support.migration_fixtures import alembic
from tests.support.migration_fixtures import BASE
from tests.support.migration_fixtures import V

NEW = f'{V}/c3d4e5f6a7b8_hotfix.py'


def run(files: dict[str, str], base: dict[str, str] | None = None, hotfix: bool = True,
        policy: dict | None = None) -> list[Finding]:
    base = dict(BASE if base is None else base)
    head = {**base, **files}
    changes = ChangeSet.from_texts(base=base, head=head)
    return check(changes, from_mapping(policy or {}, None), RunInfo(hotfix=hotfix,
                                                                     branch='hotfix/OPS-1-x'))


def by_rule(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def rules(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings}


def mig(up: str, down: str | None = 'pass', **kw: str) -> dict[str, str]:
    return {NEW: alembic(up, down, **kw)}


def ln(files: dict[str, str], snippet: str) -> int:
    """1-based line of the first line of the new migration that contains ``snippet``."""
    for n, line in enumerate(files[NEW].splitlines(), 1):
        if snippet in line:
            return n
    raise AssertionError(snippet)


# -- irreversible ---------------------------------------------------------------------
def test_downgrade_missing() -> None:
    files = mig("op.add_column('users', sa.Column('tier', sa.String(20)))", None)
    [f] = by_rule(run(files), 'migration-downgrade-missing')
    assert f.severity == 'error' and f.path == NEW and f.line == ln(files, 'def upgrade')
    assert 'cannot be rolled back' in f.message and f.hint
    ok = run(mig("op.add_column('users', sa.Column('tier', sa.String(20)))",
                 "op.drop_column('users', 'tier')"))
    assert not by_rule(ok, 'migration-downgrade-missing')
    assert [f.rule for f in ok] == []


@pytest.mark.parametrize('body', ['pass', '"""Nothing to undo."""\npass', 'return', '...'])
def test_downgrade_noop(body: str) -> None:
    files = mig("op.add_column('users', sa.Column('tier', sa.String(20)))", body)
    [f] = by_rule(run(files), 'migration-downgrade-noop')
    assert f.line == ln(files, 'def downgrade') and 'does nothing' in f.message


def test_downgrade_noop_is_fine_when_upgrade_does_nothing() -> None:
    merge = alembic('pass', 'pass', down_revision='b2c3d4e5f6a7')
    assert run({NEW: merge}) == []


def test_downgrade_raises() -> None:
    files = mig("op.drop_column('users', 'legacy_code')",
                'raise NotImplementedError("one-way migration")')
    [f] = by_rule(run(files), 'migration-downgrade-raises')
    assert f.line == ln(files, 'raise NotImplementedError')
    assert 'rollback is impossible' in f.message
    assert not by_rule(run(mig("op.drop_column('users', 'legacy_code')",
                               "op.add_column('users', sa.Column('legacy_code', sa.Text()))")),
                       'migration-downgrade-raises')


def test_downgrade_raises_conditionally_is_marked() -> None:
    found = run(mig("op.add_column('users', sa.Column('tier', sa.String(20)))",
                    """
                    if op.get_bind().dialect.name != 'postgresql':
                        raise NotImplementedError()
                    op.drop_column('users', 'tier')
                    """))
    [f] = by_rule(found, 'migration-downgrade-raises')
    assert f.extra['conditional'] and 'on some paths' in f.message
    assert not by_rule(found, 'migration-downgrade-incomplete')


def test_downgrade_incomplete_lists_what_is_not_undone() -> None:
    found = run(mig(
        """
        op.add_column('users', sa.Column('tier', sa.String(20)))
        op.create_index('ix_orders_user_id', 'orders', ['user_id'], postgresql_concurrently=True)
        op.alter_column('users', 'name', new_column_name='full_name')
        """,
        "op.drop_column('users', 'tier')", preamble=''))
    msgs = [f.message for f in by_rule(found, 'migration-downgrade-incomplete')]
    assert any('creates index ix_orders_user_id' in m for m in msgs)
    assert any('renames column users.name to full_name' in m for m in msgs)
    assert not any('users.tier' in m for m in msgs)


def test_downgrade_complete_with_batch_op_and_loops() -> None:
    up = """
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
            batch_op.create_index(f'ix_{table}_updated_at', ['updated_at'])
    """
    down = """
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(f'ix_{table}_updated_at')
            batch_op.drop_column('updated_at')
    """
    found = run(mig(up, down, preamble="TABLES = ('users', 'orders')"))
    assert not by_rule(found, 'migration-downgrade-incomplete')
    idx = by_rule(found, 'migration-index-not-concurrent')
    assert sorted(f.message.split()[2] for f in idx) == ['ix_orders_updated_at',
                                                          'ix_users_updated_at']
    half = run(mig(up, "op.drop_column('users', 'updated_at')",
                   preamble="TABLES = ('users', 'orders')"))
    msgs = {f.message for f in by_rule(half, 'migration-downgrade-incomplete')}
    assert any('orders.updated_at' in m for m in msgs)
    assert any('ix_orders_updated_at' in m for m in msgs)
    # dropping users.updated_at drops its index too
    assert not any('ix_users_updated_at' in m for m in msgs)


def test_downgrade_overreach_names_the_owner() -> None:
    files = mig("op.add_column('orders', sa.Column('coupon', sa.String(20)))",
                """
                op.drop_column('orders', 'coupon')
                op.drop_column('orders', 'created_at')
                op.drop_table('users')
                """)
    found = run(files)
    over = by_rule(found, 'migration-downgrade-overreach')
    assert len(over) == 2
    col = next(f for f in over if 'orders.created_at' in f.message)
    assert 'b2c3d4e5f6a7' in col.message and col.line == ln(files, "'created_at')")
    assert any('table users' in f.message and 'a1f0c2d3e4b5' in f.message for f in over)
    ok = run(mig("op.add_column('orders', sa.Column('coupon', sa.String(20)))",
                 "op.drop_column('orders', 'coupon')"))
    assert not by_rule(ok, 'migration-downgrade-overreach')


def test_downgrade_narrowing_a_column_the_upgrade_never_changed() -> None:
    # autogenerate's drift in a real downgrade: the model and the database disagree about a
    # column another revision made Float, and the rollback "restores" INTEGER, truncating
    up = """
    op.alter_column('orders', 'rating', existing_type=sa.INTEGER(), type_=sa.Float(),
                    existing_nullable=True)
    """
    down = """
    op.alter_column('order_lines', 'quantity', existing_type=sa.Float(),
                    type_=sa.INTEGER(), existing_nullable=True)
    op.alter_column('orders', 'rating', existing_type=sa.Float(), type_=sa.INTEGER(),
                    existing_nullable=True)
    """
    files = mig(up, down)
    [over] = by_rule(run(files), 'migration-downgrade-overreach')
    assert 'order_lines.quantity' in over.message and over.severity == 'error'
    assert over.line == ln(files, "'order_lines', 'quantity'")
    # undoing its own change, or widening someone else's column, is no over-reach
    down_own = """
    op.alter_column('orders', 'rating', existing_type=sa.Float(), type_=sa.INTEGER(),
                    existing_nullable=True)
    op.alter_column('order_lines', 'note', existing_type=sa.String(length=100),
                    type_=sa.Text(), existing_nullable=True)
    """
    assert not by_rule(run(mig(up, down_own)), 'migration-downgrade-overreach')


def test_data_change_irreversible() -> None:
    up = "op.execute(\"UPDATE users SET status = 'blocked' WHERE legacy_code IS NOT NULL\")"
    found = run(mig(up, "op.execute(\"SELECT 1\")"))
    [f] = by_rule(found, 'migration-data-change-irreversible')
    assert 'UPDATE on users' in f.message
    ok = run(mig(up, "op.execute(\"UPDATE users SET status = 'active' "
                     "WHERE status = 'blocked' AND legacy_code IS NOT NULL\")"))
    assert not by_rule(ok, 'migration-data-change-irreversible')


def test_bulk_insert_and_core_dml_are_data_changes() -> None:
    up = """
    flags = sa.table('feature_flags', sa.column('name', sa.String), sa.column('on', sa.Boolean))
    op.bulk_insert(flags, [{'name': 'new_checkout', 'on': False}])
    users = sa.table('users', sa.column('status'))
    op.execute(users.update().where(users.c.status == 'pending').values(status='active'))
    """
    found = run(mig(up, "op.execute(\"SELECT 1\")"))
    tables = sorted(f.message.split(' on ')[1].split()[0]
                    for f in by_rule(found, 'migration-data-change-irreversible'))
    assert tables == ['feature_flags', 'users']
    assert not by_rule(found, 'migration-update-without-where')


# -- destructive ----------------------------------------------------------------------
def test_drop_table_and_drop_column() -> None:
    files = mig("""
        op.drop_table('orders')
        with op.batch_alter_table('users') as batch_op:
            batch_op.drop_column('legacy_code')
        """, "pass")
    found = run(files)
    assert by_rule(found, 'migration-drop-table')[0].line == ln(files, 'drop_table')
    [col] = by_rule(found, 'migration-drop-column')
    assert col.line == ln(files, 'batch_op.drop_column') and 'users.legacy_code' in col.message
    ok = run(mig("""
        op.create_table('coupons', sa.Column('id', sa.Integer(), primary_key=True))
        op.drop_table('coupons')
        """, "pass"))
    assert not by_rule(ok, 'migration-drop-table')


def test_truncate_delete_update_without_where() -> None:
    files = mig("""
        op.execute('TRUNCATE orders CASCADE')
        users = sa.table('users', sa.column('id'))
        op.execute(users.delete())
        op.execute(sa.text(f"UPDATE {TABLE} SET status = 'active'"))
        """, "op.execute('SELECT 1')", preamble="TABLE = 'users'")
    found = run(files)
    [t] = by_rule(found, 'migration-truncate')
    assert 'CASCADE' in t.message
    assert by_rule(found, 'migration-delete-without-where')[0].line == ln(files, 'users.delete()')
    [u] = by_rule(found, 'migration-update-without-where')
    assert u.line == ln(files, 'UPDATE {TABLE}') and 'users' in u.message
    ok = run(mig("op.execute(\"DELETE FROM users WHERE status = 'spam'\")",
                 "op.execute('SELECT 1')"))
    assert not rules(ok) & {'migration-delete-without-where', 'migration-truncate'}


def test_drop_object() -> None:
    found = run(mig("""
        op.execute('DROP FUNCTION IF EXISTS audit_touch() CASCADE')
        sa.Enum(name='order_state').drop(op.get_bind(), checkfirst=False)
        """, "pass"))
    objs = sorted(f.message for f in by_rule(found, 'migration-drop-object'))
    assert objs[0].startswith('drops function audit_touch with CASCADE')
    assert objs[1].startswith('drops type order_state')
    ok = run(mig("op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')",
                 "op.execute('DROP EXTENSION IF EXISTS pg_trgm')"))
    assert not by_rule(ok, 'migration-drop-object')
    assert not by_rule(ok, 'migration-downgrade-overreach')


def test_lossy_type_change_uses_existing_type_or_history() -> None:
    found = run(mig("""
        op.alter_column('users', 'name', type_=sa.String(50), existing_type=sa.String(200))
        op.alter_column('orders', 'total', type_=sa.Integer())
        """, """
        op.alter_column('users', 'name', type_=sa.String(200))
        op.alter_column('orders', 'total', type_=sa.Numeric(12, 2))
        """))
    lossy = by_rule(found, 'migration-type-change-lossy')
    assert {f.line for f in lossy} == {17, 18}
    assert 'from sa.Numeric(12, 2)' in next(f for f in lossy if f.line == 18).message
    ok = run(mig("op.alter_column('users', 'name', type_=sa.String(500), "
                 "existing_type=sa.String(200))",
                 "op.alter_column('users', 'name', type_=sa.String(200))"))
    assert not by_rule(ok, 'migration-type-change-lossy')
    assert not by_rule(ok, 'migration-table-rewrite')       # varchar widening: no rewrite
    assert not by_rule(ok, 'migration-column-type-changed')  # and compatible with old code
    unknown_old = run(mig("op.alter_column('users', 'nickname', type_=sa.String(500))",
                          "op.alter_column('users', 'nickname', type_=sa.Text())"))
    assert by_rule(unknown_old, 'migration-column-type-changed')


# -- backward-incompatible -----------------------------------------------------------
def test_renames() -> None:
    found = run(mig("""
        op.alter_column('users', 'name', new_column_name='full_name')
        op.rename_table('orders', 'purchases')
        """, """
        op.rename_table('purchases', 'orders')
        op.alter_column('users', 'full_name', new_column_name='name')
        """))
    assert by_rule(found, 'migration-rename-column')[0].line == 17
    assert by_rule(found, 'migration-rename-table')[0].line == 18
    assert not by_rule(found, 'migration-downgrade-incomplete')
    ok = run(mig("""
        op.create_table('coupons', sa.Column('id', sa.Integer(), primary_key=True),
                        sa.Column('code', sa.String(20)))
        op.alter_column('coupons', 'code', new_column_name='coupon_code')
        """, "op.drop_table('coupons')"))
    assert not by_rule(ok, 'migration-rename-column')


def test_not_null_column_without_default() -> None:
    found = run(mig("op.add_column('users', sa.Column('tier', sa.String(20), nullable=False))",
                    "op.drop_column('users', 'tier')"))
    [f] = by_rule(found, 'migration-not-null-column-without-default')
    assert 'users.tier' in f.message
    ok = run(mig("op.add_column('users', sa.Column('tier', sa.String(20), nullable=False, "
                 "server_default='free'))", "op.drop_column('users', 'tier')"))
    assert not by_rule(ok, 'migration-not-null-column-without-default')


def test_not_null_default_dropped() -> None:
    found = run(mig("""
        op.add_column('users', sa.Column('tier', sa.String(20), nullable=False,
                                         server_default='free'))
        op.alter_column('users', 'tier', server_default=None)
        op.alter_column('users', 'status', server_default=None)
        """, "op.drop_column('users', 'tier')"))
    lines = sorted(f.line for f in by_rule(found, 'migration-not-null-default-dropped'))
    assert lines == [19, 20]     # same-migration column, and users.status from a1f0c2d3e4b5
    ok = run(mig("op.alter_column('users', 'name', server_default=None)",
                 "op.alter_column('users', 'name', server_default='x')"))
    assert not by_rule(ok, 'migration-not-null-default-dropped')


def test_drop_not_null_and_set_not_null() -> None:
    found = run(mig("""
        op.alter_column('users', 'email', existing_type=sa.String(200), nullable=True)
        op.alter_column('users', 'name', existing_type=sa.String(200), nullable=False)
        """, """
        op.alter_column('users', 'email', nullable=False)
        op.alter_column('users', 'name', nullable=True)
        """))
    assert by_rule(found, 'migration-drop-not-null')[0].line == 17
    [s] = by_rule(found, 'migration-set-not-null')
    assert s.line == 18 and s.severity == 'warning'
    ok = run(mig("""
        op.create_table('coupons', sa.Column('id', sa.Integer(), primary_key=True),
                        sa.Column('code', sa.String(20), nullable=True),
                        sa.Column('kind', sa.String(20), nullable=False))
        op.alter_column('coupons', 'code', nullable=False)
        op.alter_column('coupons', 'kind', nullable=True)
        """, "op.drop_table('coupons')"))
    assert not rules(ok) & {'migration-set-not-null', 'migration-drop-not-null'}


def test_new_constraint_on_existing_table() -> None:
    found = run(mig("""
        op.create_unique_constraint('uq_users_email', 'users', ['email'])
        op.create_check_constraint('ck_orders_total', 'orders', 'total >= 0',
                                   postgresql_not_valid=True)
        """, """
        op.drop_constraint('ck_orders_total', 'orders', type_='check')
        op.drop_constraint('uq_users_email', 'users', type_='unique')
        """))
    assert len(by_rule(found, 'migration-new-constraint-on-existing-table')) == 2
    assert not by_rule(found, 'migration-constraint-without-not-valid')
    assert by_rule(found, 'migration-constraint-builds-index')
    ok = run(mig("""
        op.create_table('coupons', sa.Column('id', sa.Integer(), primary_key=True),
                        sa.Column('code', sa.String(20)))
        op.create_unique_constraint('uq_coupons_code', 'coupons', ['code'])
        """, "op.drop_table('coupons')"))
    assert not rules(ok) & {'migration-new-constraint-on-existing-table',
                            'migration-constraint-builds-index'}


# -- locking ---------------------------------------------------------------------------
def test_index_concurrency() -> None:
    bad = run(mig("""
        op.create_index('ix_orders_user_id', 'orders', ['user_id'])
        op.create_index('ix_users_name', 'users', ['name'], postgresql_concurrently=True)
        """, """
        op.drop_index('ix_users_name', table_name='users')
        op.drop_index('ix_orders_user_id', table_name='orders')
        """))
    assert by_rule(bad, 'migration-index-not-concurrent')[0].line == 17
    assert by_rule(bad, 'migration-concurrently-in-transaction')[0].line == 18
    good = run(mig("""
        with op.get_context().autocommit_block():
            op.create_index('ix_users_name', 'users', ['name'], postgresql_concurrently=True)
        """, """
        with op.get_context().autocommit_block():
            op.drop_index('ix_users_name', table_name='users', postgresql_concurrently=True)
        """))
    assert not rules(good) & {'migration-index-not-concurrent',
                              'migration-concurrently-in-transaction'}
    drop = run(mig("op.drop_index('ix_old', table_name='orders')",
                   "op.create_index('ix_old', 'orders', ['note'])"))
    assert by_rule(drop, 'migration-drop-index-not-concurrent')
    assert not by_rule(good, 'migration-drop-index-not-concurrent')


def test_constraint_without_not_valid() -> None:
    found = run(mig("op.create_foreign_key('fk_orders_user', 'orders', 'users', "
                    "['user_id'], ['id'])",
                    "op.drop_constraint('fk_orders_user', 'orders', type_='foreignkey')"))
    [f] = by_rule(found, 'migration-constraint-without-not-valid')
    assert f.severity == 'warning'
    ok = run(mig("op.create_foreign_key('fk_orders_user', 'orders', 'users', ['user_id'], "
                 "['id'], postgresql_not_valid=True)",
                 "op.drop_constraint('fk_orders_user', 'orders', type_='foreignkey')"))
    assert not by_rule(ok, 'migration-constraint-without-not-valid')


def test_constraint_using_index_does_not_build_one() -> None:
    ok = run(mig("op.execute('ALTER TABLE users ADD CONSTRAINT uq_email UNIQUE USING INDEX "
                 "ix_email')", "op.execute('ALTER TABLE users DROP CONSTRAINT uq_email')"))
    assert not by_rule(ok, 'migration-constraint-builds-index')


def test_table_rewrite() -> None:
    found = run(mig("""
        op.alter_column('orders', 'user_id', type_=sa.BigInteger(), existing_type=sa.Integer())
        op.add_column('users', sa.Column('token', sa.String(36), nullable=True,
                                         server_default=sa.text('gen_random_uuid()')))
        """, """
        op.drop_column('users', 'token')
        op.alter_column('orders', 'user_id', type_=sa.Integer())
        """))
    assert {f.line for f in by_rule(found, 'migration-table-rewrite')} == {17, 18}
    ok = run(mig("op.add_column('users', sa.Column('seen', sa.DateTime(), "
                 "server_default=sa.text('now()')))", "op.drop_column('users', 'seen')"))
    assert not by_rule(ok, 'migration-table-rewrite')


def test_blocking_command() -> None:
    found = run(mig("op.execute('VACUUM FULL orders')", "pass"))
    assert by_rule(found, 'migration-blocking-command')
    ok = run(mig("""
        with op.get_context().autocommit_block():
            op.execute('REINDEX INDEX CONCURRENTLY ix_orders_user_id')
        """, "op.execute('SELECT 1')"))
    assert not rules(ok) & {'migration-blocking-command', 'migration-concurrently-in-transaction'}


def test_backfill_with_ddl() -> None:
    found = run(mig("""
        op.add_column('users', sa.Column('tier', sa.String(20), nullable=True))
        op.execute("UPDATE users SET tier = 'free' WHERE tier IS NULL")
        """, """
        op.execute("UPDATE users SET tier = NULL")
        op.drop_column('users', 'tier')
        """))
    [f] = by_rule(found, 'migration-backfill-with-ddl')
    assert f.line == 18 and 'line 17' in f.message
    ok = run(mig("op.execute(\"UPDATE users SET tier = 'free' WHERE tier IS NULL\")",
                 "op.execute(\"UPDATE users SET tier = NULL WHERE tier = 'free'\")"))
    assert not by_rule(ok, 'migration-backfill-with-ddl')


# -- static resolution -------------------------------------------------------------------
HELPER_PREAMBLE = '''
AUDITED = ('users', 'orders')


def create_touch_trigger(table, column='updated_at'):
    """Keep <table>.<column> current."""
    op.execute(f"""
        CREATE OR REPLACE FUNCTION {table}_touch() RETURNS trigger AS $$
        BEGIN
            NEW.{column} := now();
            RETURN NEW;
        END
        $$ LANGUAGE plpgsql;
    """)
    op.execute(
        f"CREATE TRIGGER {table}_touch BEFORE INSERT OR UPDATE OF status ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_touch()"
    )


def drop_touch_trigger(table):
    op.execute(f"DROP TRIGGER IF EXISTS {table}_touch ON {table}")
    op.execute(f"DROP FUNCTION IF EXISTS {table}_touch()")
'''


def test_helpers_loops_fstrings_plpgsql_are_resolved() -> None:
    up = """
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    for table in AUDITED:
        if 'updated_at' not in {c['name'] for c in inspector.get_columns(table)}:
            op.add_column(table, sa.Column('updated_at', sa.DateTime(), nullable=True))
        create_touch_trigger(table)
    """
    down = """
    for table in AUDITED:
        drop_touch_trigger(table)
        op.drop_column(table, 'updated_at')
    """
    found = run(mig(up, down, preamble=HELPER_PREAMBLE))
    # trigger bodies and plpgsql parse; UPDATE OF in a trigger is not a data change
    assert rules(found) == {'migration-live-introspection'}
    [info] = found
    assert info.severity == 'info'
    half = run(mig(up, "op.drop_column('users', 'updated_at')", preamble=HELPER_PREAMBLE))
    msgs = {f.message.split(' [')[0] for f in by_rule(half, 'migration-downgrade-incomplete')}
    assert 'upgrade creates function orders_touch, but the downgrade does not drop function ' \
           'orders_touch' in msgs
    cond = [f for f in by_rule(half, 'migration-downgrade-incomplete')
            if 'orders.updated_at' in f.message]
    assert cond and cond[0].extra['conditional'].startswith("if 'updated_at' not in")


def test_introspection_does_not_silence_other_rules() -> None:
    found = run(mig("""
        insp = sa.inspect(op.get_bind())
        if insp.has_table('orders'):
            op.drop_table('orders')
        """, "pass"))
    [drop] = by_rule(found, 'migration-drop-table')
    assert drop.extra['conditional'] == "if insp.has_table('orders')"
    assert '[conditional:' in drop.message
    assert by_rule(found, 'migration-live-introspection')


# -- meta -------------------------------------------------------------------------------
def test_sql_unanalysable() -> None:
    found = run(mig("op.execute(build_statement())", "op.execute('SELECT 1')",
                    preamble='from app.sql import build_statement'))
    [f] = by_rule(found, 'migration-sql-unanalysable')
    assert 'not a literal: build_statement()' in f.message and f.severity == 'warning'
    bad = run(mig("op.execute('ALTER TABLE users ADD COLUMN')", "op.execute('SELECT 1')"))
    [p] = by_rule(bad, 'migration-sql-unanalysable')
    assert 'does not parse' in p.message
    partial = run(mig("op.execute(f\"DELETE FROM users WHERE id IN ({ids})\")",
                      "op.execute('SELECT 1')", preamble='ids = compute()'))
    assert not by_rule(partial, 'migration-sql-unanalysable')
    assert by_rule(partial, 'migration-data-change-irreversible')


def test_file_unparsable() -> None:
    found = run({NEW: alembic("op.add_column('users', sa.Column('x', sa.Integer())",
                              "pass")})
    [f] = by_rule(found, 'migration-file-unparsable')
    assert 'syntax error' in f.message
    assert not by_rule(run(mig("op.add_column('users', sa.Column('x', sa.Integer()))",
                               "op.drop_column('users', 'x')")), 'migration-file-unparsable')


def test_suppressions() -> None:
    up = """
    # hotfix-hooks: ignore[migration-drop-column] reason="legacy_code is unused since 2025"
    op.drop_column('users', 'legacy_code')
    op.drop_column('orders', 'note')  # hotfix-hooks: ignore[migration-drop-column]
    # hotfix-hooks: ignore[migration-rename-table] reason="stale"
    """
    down = """
    op.add_column('orders', sa.Column('note', sa.Text()))
    op.add_column('users', sa.Column('legacy_code', sa.Text()))
    """
    found = run(mig(up, down))
    drops = by_rule(found, 'migration-drop-column')
    waived = [f for f in drops if f.waived]
    assert len(waived) == 1 and waived[0].waiver['reason'] == 'legacy_code is unused since 2025'
    assert [f.blocking for f in drops if not f.waived] == [True]
    [missing] = by_rule(found, 'migration-suppression-reason-missing')
    assert missing.line == 19
    [unused] = by_rule(found, 'migration-suppression-unused')
    assert unused.line == 20
    clean = run(mig(up.replace('# hotfix-hooks: ignore[migration-drop-column]\n',
                               '# hotfix-hooks: ignore[migration-drop-column] reason="empty"\n')
                    .replace('    # hotfix-hooks: ignore[migration-rename-table] reason="stale"\n',
                             ''), down))
    assert not rules(clean) & {'migration-suppression-reason-missing',
                               'migration-suppression-unused'}
    assert all(f.waived for f in by_rule(clean, 'migration-drop-column'))


def test_a_suppression_of_an_unknown_rule_names_the_nearest_rule() -> None:
    found = run(mig('''
    # hotfix-hooks: ignore[migration-drop-colum] reason="legacy_code is unused since 2025"
    op.drop_column('users', 'legacy_code')
    ''', "op.add_column('users', sa.Column('legacy_code', sa.Text()))"))
    [unused] = by_rule(found, 'migration-suppression-unused')
    assert ('(unknown rule: migration-drop-colum; did you mean migration-drop-column'
            in unused.message)
    assert [f.waived for f in by_rule(found, 'migration-drop-column')] == [False]


# -- severity ---------------------------------------------------------------------------
def test_severity_off_hotfix_is_one_level_lower_and_policy_overrides() -> None:
    files = mig("""
        op.drop_table('orders')
        op.create_index('ix_users_name', 'users', ['name'])
        """, "op.drop_index('ix_users_name')")
    hot = {f.rule: f.severity for f in run(files)}
    assert hot['migration-drop-table'] == 'error'
    assert hot['migration-index-not-concurrent'] == 'warning'
    cold = {f.rule: f.severity for f in run(files, hotfix=False)}
    assert cold['migration-drop-table'] == 'warning'
    assert cold['migration-index-not-concurrent'] == 'info'
    custom = run(files, policy={'migrations': {
        'severity': {'migration-index-not-concurrent': 'error'},
        'disable': ['migration-downgrade-incomplete']}})
    sev = {f.rule: f.severity for f in custom}
    assert sev['migration-index-not-concurrent'] == 'error'
    assert 'migration-downgrade-incomplete' not in sev


def test_only_changed_migrations_are_linted_unless_configured() -> None:
    risky_old = alembic("op.drop_table('orders')", "pass", revision='c3d4e5f6a7b8')
    base = {**BASE, NEW: risky_old}
    found = run({'README.md': 'docs'}, base=base)
    assert found == []
    everything = run({'README.md': 'docs'}, base=base, policy={'migrations': {
        'check_unchanged': True}})
    assert by_rule(everything, 'migration-drop-table')
    changes = ChangeSet.from_texts(base=base, head={**base, 'README.md': 'docs'})
    also = check(changes, from_mapping({}, None),
                 RunInfo(hotfix=True, options={'all_violations': True}))
    assert by_rule(also, 'migration-drop-table')     # scan --all-violations


def test_non_postgresql_dialect_skips_locking_rules() -> None:
    files = mig("op.create_index('ix_users_name', 'users', ['name'])",
                "op.drop_index('ix_users_name')")
    assert not by_rule(run(files, policy={'migrations': {'dialect': 'mysql'}}),
                       'migration-index-not-concurrent')


def test_file_level_suppression_and_readme_documents_every_rule_and_key() -> None:
    from hotfix_hooks.migrations.catalog import RULES
    from hotfix_hooks.policy import SCHEMA

    files = mig("""
        # hotfix-hooks: ignore-file[migration-index-not-concurrent] reason="lookup table, 12 rows"
        op.create_index('ix_users_name', 'users', ['name'])
        op.create_index('ix_orders_note', 'orders', ['note'])
        """, """
        op.drop_index('ix_orders_note')
        op.drop_index('ix_users_name')
        """)
    idx = by_rule(run(files), 'migration-index-not-concurrent')
    assert len(idx) == 2 and all(f.waived for f in idx)
    docs = ROOT / 'docs'
    section = (docs / 'rules.md').read_text()
    assert all(f'`{rule}`' in section for rule in RULES)
    policy_page = (docs / 'policy.md').read_text()
    assert all(f'`migrations.{key}`' in policy_page for key in SCHEMA['migrations'].keys or {})


def test_bind_parameters_and_the_commit_idiom_are_understood() -> None:
    found = run(mig("""
        conn = op.get_bind()
        conn.execute(sa.text("UPDATE users SET status = :s WHERE id = ANY(:ids)")
                     .bindparams(s='blocked', ids=[1, 2]))
        op.execute("COMMIT")
        op.create_index('ix_users_name', 'users', ['name'], postgresql_concurrently=True)
        """, """
        conn = op.get_bind()
        conn.execute(sa.text("UPDATE users SET status = 'active' WHERE status = :s"),
                     {'s': 'blocked'})
        op.drop_index('ix_users_name', table_name='users', postgresql_concurrently=True)
        """))
    assert not rules(found) & {'migration-sql-unanalysable',
                               'migration-concurrently-in-transaction',
                               'migration-data-change-irreversible'}


def test_orm_session_writes_are_data_changes() -> None:
    found = run(mig("""
        session = sa.orm.Session(bind=op.get_bind())
        for user in session.query(User).filter(User.status == 'new'):
            user.status = 'active'
        session.query(User).filter(User.legacy_code.isnot(None)).delete()
        session.commit()
        """, "pass", preamble='from app.models import User'))
    assert by_rule(found, 'migration-downgrade-noop')
    changes = by_rule(run(mig("""
        session = sa.orm.Session(bind=op.get_bind())
        session.query(User).filter(User.legacy_code.isnot(None)).delete()
        """, "op.execute('SELECT 1')", preamble='from app.models import User')),
        'migration-data-change-irreversible')
    assert changes and 'DELETE' in changes[0].message


HELPER = '''
from sqlalchemy.orm import Session

from app.models import PluginInstance


def migrate_config(instances, slug, config):
    for instance in instances:
        if slug == instance.plugin.slug:
            instance.configuration = config
'''


def test_orm_objects_changed_then_committed_are_an_update() -> None:
    # the unit of work: objects loaded through the session and changed (here in a helper)
    # are written by commit(), with no add() or merge()
    found = run(mig("""
        session = Session(bind=op.get_bind())
        instances = session.query(PluginInstance).all()
        migrate_config(instances, 'slack-conversation', {'create_task': '/task'})
        session.commit()
        """, "pass", preamble=HELPER))
    assert by_rule(found, 'migration-downgrade-noop')
    read_only = run(mig("""
        session = Session(bind=op.get_bind())
        count = session.query(PluginInstance).count()
        session.commit()
        """, "pass", preamble=HELPER))
    assert not by_rule(read_only, 'migration-downgrade-noop')


def test_multidb_template_dispatch_is_followed() -> None:
    text = alembic('globals()[f"upgrade_{engine_name}"]()',
                   'globals()[f"downgrade_{engine_name}"]()', preamble='''

def upgrade_engine1():
    op.drop_table('orders')


def downgrade_engine1():
    pass
''').replace('def upgrade() -> None:', 'def upgrade(engine_name: str) -> None:').replace(
        'def downgrade() -> None:', 'def downgrade(engine_name: str) -> None:')
    found = run({NEW: text})
    assert {'migration-drop-table', 'migration-downgrade-incomplete'} <= rules(found)


def test_duplicate_sql_versions() -> None:
    base = {'db/migrations/000001_init.up.sql': 'CREATE TABLE a (id int);\n',
            'db/migrations/000001_init.down.sql': 'DROP TABLE a;\n'}
    found = run({'db/migrations/000001_other.up.sql': 'CREATE TABLE b (id int);\n',
                 'db/migrations/000001_other.down.sql': 'DROP TABLE b;\n'}, base=base)
    [f] = by_rule(found, 'migration-duplicate-revision')
    assert 'version 000001' in f.message


def test_project_helpers_are_reported_not_silently_passed() -> None:
    found = run(mig("""
        logger.info('adding audit triggers')
        create_audit_trigger('orders')
        with batch_alter_table('users') as batch_op:
            batch_op.drop_column('legacy_code')
        """, """
        with batch_alter_table('users') as batch_op:
            batch_op.add_column(sa.Column('legacy_code', sa.Text()))
        drop_audit_trigger('orders')
        """, preamble='''
import logging

from myapp.migrations_util import batch_alter_table, create_audit_trigger, drop_audit_trigger

logger = logging.getLogger(__name__)
'''))
    opaque = by_rule(found, 'migration-sql-unanalysable')
    assert sorted(f.message.split('calls ')[1].split('()')[0] for f in opaque) == \
        ['create_audit_trigger', 'drop_audit_trigger']
    assert 'myapp.migrations_util' in opaque[0].message
    # the imported batch_alter_table helper is still understood
    assert 'users.legacy_code' in by_rule(found, 'migration-drop-column')[0].message
    assert not by_rule(found, 'migration-downgrade-incomplete')


def test_enum_value_added_in_autocommit_block_needs_no_downgrade() -> None:
    found = run(mig("""
        with op.get_context().autocommit_block():
            for label in ('baseline', 'final'):
                op.execute(f"ALTER TYPE surveytype ADD VALUE IF NOT EXISTS '{label}'")
        """, """
        # PostgreSQL cannot remove enum values.
        pass
        """))
    assert found == []


def test_dialect_branches_and_enum_types() -> None:
    up = """
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        kind = postgresql.ENUM('imap', 'gmail', name='provider', create_type=False)
        for enum in (kind,):
            enum.create(bind, checkfirst=True)
        state = postgresql.ENUM(name='existing_state', create_type=False)
    else:
        kind = sa.String()
        state = sa.String()
    op.create_table('mail_account', sa.Column('id', sa.Integer(), primary_key=True),
                    sa.Column('provider', kind, nullable=False, server_default='imap'),
                    sa.Column('state', state, nullable=True))
    """
    down = """
    op.drop_table('mail_account')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TYPE IF EXISTS provider')
    """
    assert run(mig(up, down)) == []
    leaky = run(mig("""
        op.create_table('mail_account', sa.Column('id', sa.Integer(), primary_key=True),
                        sa.Column('kind', sa.Enum('a', 'b', name='mail_kind')))
        """, "op.drop_table('mail_account')"))
    [f] = by_rule(leaky, 'migration-downgrade-incomplete')
    assert 'creates type mail_kind' in f.message


def test_alembic_ini_locations_are_discovered() -> None:
    from tests.support.migration_fixtures import INIT
    base = {'alembic.ini': '[alembic]\nscript_location = %(here)s/db\n'
                           'version_locations = %(here)s/db/revs\n',
            'db/revs/a1f0c2d3e4b5_init.py': INIT}
    found = run({'db/revs/c3_drop.py': alembic("op.drop_table('orders')", "pass",
                                               down_revision='a1f0c2d3e4b5')}, base=base)
    assert by_rule(found, 'migration-drop-table')
    assert not by_rule(found, 'migration-unknown-parent')


def test_loop_over_live_tables_is_analysed_once_and_marked() -> None:
    found = run(mig("""
        insp = sa.inspect(op.get_bind())
        for name in insp.get_table_names():
            op.execute(f"UPDATE {name} SET updated_at = now()")
        """, "op.execute('SELECT 1')"))
    [f] = by_rule(found, 'migration-update-without-where')
    assert f.message.startswith('UPDATE on ? without WHERE')
    assert f.extra['conditional'] == 'for insp.get_table_names()'


def test_drop_and_recreate_is_neutral_for_the_downgrade() -> None:
    found = run(mig("""
        with op.get_context().autocommit_block():
            op.drop_index('ix_orders_user_id', table_name='orders', postgresql_concurrently=True)
            op.create_index('ix_orders_user_id', 'orders', ['user_id', 'total'],
                            postgresql_concurrently=True)
        op.execute('DROP FUNCTION IF EXISTS orders_total()')
        op.execute('CREATE FUNCTION orders_total() RETURNS numeric AS $$ SELECT 1 $$ LANGUAGE sql')
        """, "op.execute('SELECT 1')"))
    assert not rules(found) & {'migration-downgrade-incomplete', 'migration-drop-object'}


def test_sa_ddl_is_analysed_like_text() -> None:
    found = run(mig("op.execute(sa.DDL('ALTER TABLE users DROP COLUMN legacy_code'))",
                    "op.add_column('users', sa.Column('legacy_code', sa.Text()))"))
    assert rules(found) == {'migration-drop-column'}


def test_core_table_create_and_metadata_create_all() -> None:
    ok = run(mig("""
        audit = sa.Table('audit', sa.MetaData(), sa.Column('id', sa.Integer(), primary_key=True))
        audit.create(op.get_bind())
        """, "op.drop_table('audit')"))
    assert ok == []
    found = run(mig("metadata.create_all(op.get_bind())", "op.drop_table('audit')",
                    preamble='metadata = sa.MetaData()'))
    [over] = by_rule(found, 'migration-downgrade-overreach')
    assert 'part of the upgrade could not be analysed' in over.message
    assert 'create_all' in by_rule(found, 'migration-sql-unanalysable')[0].message


def test_foreign_key_on_a_new_nullable_column_is_compatible() -> None:
    ok = run(mig("""
        op.add_column('orders', sa.Column('coupon_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_orders_coupon', 'orders', 'users', ['coupon_id'], ['id'],
                              postgresql_not_valid=True)
        """, """
        op.drop_constraint('fk_orders_coupon', 'orders', type_='foreignkey')
        op.drop_column('orders', 'coupon_id')
        """))
    assert ok == []
    old_col = run(mig("op.create_foreign_key('fk_orders_user', 'orders', 'users', "
                      "['user_id'], ['id'], postgresql_not_valid=True)",
                      "op.drop_constraint('fk_orders_user', 'orders', type_='foreignkey')"))
    assert rules(old_col) == {'migration-new-constraint-on-existing-table'}
