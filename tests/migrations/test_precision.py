"""Migration guard precision on the shapes real services write (issue 14): each rule reports
what can lose data, break the running code or fail the rollback, and stays quiet on the
idioms that do not (backfills of new columns, NULL-only fills, the safe SET NOT NULL
pattern, renames undone through the downgrade, redefinitions, widening type changes).
Every case has the finding it must give and the shape it must leave alone."""
from __future__ import annotations

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.migrations import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.findings import Finding
from hotfix_hooks.policy import from_mapping
from tests.support.migration_fixtures import alembic
from tests.support.migration_fixtures import BASE
from tests.support.migration_fixtures import django
from tests.support.migration_fixtures import DJANGO_BASE
from tests.support.migration_fixtures import V

NEW = f'{V}/c3d4e5f6a7b8_hotfix.py'


def run(files: dict[str, str], base: dict[str, str] | None = None) -> list[Finding]:
    base = dict(BASE if base is None else base)
    changes = ChangeSet.from_texts(base=base, head={**base, **files})
    return check(changes, from_mapping({}, None), RunInfo(hotfix=True))


def mig(up: str, down: str = 'pass', preamble: str = '') -> dict[str, str]:
    return {NEW: alembic(up, down, preamble=preamble)}


def rules(found: list[Finding]) -> set[str]:
    return {f.rule for f in found if f.severity != 'info'}


def dj(operations: str, preamble: str = '') -> list[Finding]:
    path, text = django(operations)
    if preamble:
        text = text.replace('\n\nclass Migration', '\n\n' + preamble.strip() + '\n\n\nclass '
                            'Migration', 1)
    return run({path: text}, base=DJANGO_BASE)


# -- data changes that lose nothing --------------------------------------------------------
def test_backfill_of_a_column_the_migration_adds_destroys_nothing() -> None:
    up = """
    op.add_column('users', sa.Column('tier', sa.String(20), nullable=True))
    op.execute("UPDATE users SET tier = 'free'")
    """
    found = rules(run(mig(up, "op.drop_column('users', 'tier')")))
    assert 'migration-update-without-where' not in found
    assert 'migration-data-change-irreversible' not in found
    # the lock is real: every row is rewritten while ADD COLUMN's lock is held
    assert 'migration-backfill-with-ddl' in found
    existing = rules(run(mig("op.execute(\"UPDATE users SET status = 'active'\")",
                             "op.execute('SELECT 1')")))
    assert {'migration-update-without-where', 'migration-data-change-irreversible'} <= existing


def test_null_only_fill_loses_no_value() -> None:
    for sql in ("UPDATE users SET name = email WHERE name IS NULL",
                "UPDATE users SET name = COALESCE(name, email)"):
        assert 'migration-data-change-irreversible' not in rules(run(mig(
            f'op.execute("{sql}")', "op.execute('SELECT 1')")))
    assert 'migration-data-change-irreversible' in rules(run(mig(
        'op.execute("UPDATE users SET name = email WHERE name = \'\'")',
        "op.execute('SELECT 1')")))


def test_dml_before_any_ddl_holds_no_ddl_lock() -> None:
    before = """
    op.execute("UPDATE orders SET note = '' WHERE note IS NULL")
    op.alter_column('orders', 'note', nullable=False)
    """
    assert 'migration-backfill-with-ddl' not in rules(run(mig(
        before, "op.alter_column('orders', 'note', nullable=True)")))
    after = """
    op.add_column('orders', sa.Column('source', sa.String(20), nullable=True))
    op.execute("UPDATE orders SET source = 'web' WHERE source IS NULL")
    """
    assert 'migration-backfill-with-ddl' in rules(run(mig(
        after, "op.drop_column('orders', 'source')")))


def test_orm_data_migration_filling_new_columns() -> None:
    preamble = '''
    from sqlalchemy import orm, select


    class Base(orm.DeclarativeBase):
        pass


    class User(Base):
        __tablename__ = "users"
        id = sa.Column(sa.Integer, primary_key=True)
        email = sa.Column(sa.String)
        email_normalized = sa.Column(sa.String)


    def fill():
        session = orm.Session(bind=op.get_bind())
        for user in session.execute(select(User)).scalars().all():
            user.email_normalized = user.email.lower().strip()
            session.add(user)
        session.commit()
    '''
    up = """
    op.add_column('users', sa.Column('email_normalized', sa.String(), nullable=True))
    fill()
    """
    found = rules(run(mig(up, "op.drop_column('users', 'email_normalized')",
                          preamble=preamble)))
    assert 'migration-sql-unanalysable' not in found
    assert 'migration-data-change-irreversible' not in found
    overwrite = preamble.replace('user.email_normalized = ', 'user.email = ')
    found = rules(run(mig(up, "op.drop_column('users', 'email_normalized')",
                          preamble=overwrite)))
    assert 'migration-data-change-irreversible' in found


def test_django_runpython_without_reverse_filling_a_new_field() -> None:
    preamble = '''
def fill_tier(apps, schema_editor):
    Customer = apps.get_model("shop", "Customer")
    for customer in Customer.objects.filter(tier__isnull=True):
        customer.tier = "free"
        customer.save(update_fields=["tier"])
'''
    ops = """
    migrations.AddField(model_name='customer', name='tier',
                        field=models.CharField(max_length=20, null=True)),
    migrations.RunPython(fill_tier, migrations.RunPython.noop),
    """
    assert 'migration-runpython-irreversible' not in rules(dj(ops, preamble))
    overwrite = preamble.replace('tier__isnull=True', 'email__endswith="@old.example"') \
        .replace('customer.tier = "free"', 'customer.email = customer.email.lower()') \
        .replace('update_fields=["tier"]', 'update_fields=["email"]')
    assert 'migration-runpython-irreversible' in rules(dj(ops, overwrite))


# -- locking: what PostgreSQL really locks -----------------------------------------------
def test_safe_set_not_null_pattern() -> None:
    up = """
    op.execute("ALTER TABLE orders ADD CONSTRAINT orders_note_not_null "
               "CHECK (note IS NOT NULL) NOT VALID")
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_note_not_null")
    op.alter_column('orders', 'note', nullable=False)
    op.execute("ALTER TABLE orders DROP CONSTRAINT orders_note_not_null")
    """
    found = rules(run(mig(up, "op.alter_column('orders', 'note', nullable=True)")))
    assert 'migration-set-not-null' not in found
    assert 'migration-new-constraint-on-existing-table' not in found
    plain = rules(run(mig("op.alter_column('orders', 'note', nullable=False)",
                          "op.alter_column('orders', 'note', nullable=True)")))
    assert 'migration-set-not-null' in plain


def test_indexes_dropped_with_their_table() -> None:
    up = """
    op.drop_index('ix_orders_user_id', table_name='orders')
    op.drop_table('orders')
    """
    found = rules(run(mig(up)))
    assert 'migration-drop-index-not-concurrent' not in found
    assert 'migration-drop-table' in found
    alone = rules(run(mig("op.drop_index('ix_orders_user_id', table_name='orders')",
                          "op.create_index('ix_orders_user_id', 'orders', ['user_id'])")))
    assert 'migration-drop-index-not-concurrent' in alone


# -- not a migration, not a change --------------------------------------------------------
def test_domain_code_in_a_folder_named_like_migrations_is_not_a_migration() -> None:
    domain = ('from .models import MerchantMigration\n\n'
              'type Row = tuple[int, str]\n\n'
              'def migrations_for(account): ...\n')
    bad_syntax = domain.replace('type Row = tuple[int, str]', 'def broken(:\n    pass')
    assert run({'app/merchant_migration/service.py': bad_syntax}) == []
    broken = alembic('op.add_column(', 'pass')
    assert 'migration-file-unparsable' in rules(run({NEW: broken}))


def test_create_or_replace_function_needs_no_downgrade() -> None:
    up = '''op.execute("""
        CREATE OR REPLACE FUNCTION users_search_vector() RETURNS trigger AS $$
        BEGIN NEW.search := to_tsvector(NEW.email); RETURN NEW; END $$ LANGUAGE plpgsql
    """)'''
    assert 'migration-downgrade-noop' not in rules(run(mig(up)))
    created = up.replace('CREATE OR REPLACE FUNCTION', 'CREATE FUNCTION')
    assert 'migration-downgrade-noop' in rules(run(mig(created)))


def test_sql_through_textwrap_dedent_is_analysed() -> None:
    up = '''op.execute(textwrap.dedent("""
        UPDATE users SET status = 'active'
    """))'''
    found = rules(run(mig(up, "op.execute('SELECT 1')", preamble='import textwrap')))
    assert 'migration-sql-unanalysable' not in found
    assert 'migration-update-without-where' in found


def test_extension_created_if_not_exists_need_not_be_dropped() -> None:
    up = """op.execute('CREATE EXTENSION IF NOT EXISTS "uuid-ossp"')"""
    assert 'migration-downgrade-incomplete' not in rules(run(mig(up, "op.execute('SELECT 1')")))
    plain = """op.execute('CREATE EXTENSION "uuid-ossp"')"""
    assert 'migration-downgrade-incomplete' in rules(run(mig(plain, "op.execute('SELECT 1')")))


# -- shape 7: renames tracked through the downgrade ----------------------------------------
SWAP_UP = """
op.add_column('orders', sa.Column('new_id', postgresql.UUID(as_uuid=True)))
op.execute('UPDATE orders SET new_id = gen_random_uuid()')
op.alter_column('orders', 'new_id', nullable=False)
op.drop_column('orders', 'id')
op.alter_column('orders', 'new_id', new_column_name='id')
op.create_primary_key('orders_pkey', 'orders', ['id'])
"""
SWAP_DOWN = """
op.add_column('orders', sa.Column('old_id', sa.BigInteger()))
op.execute("CREATE SEQUENCE IF NOT EXISTS orders_id_seq OWNED BY orders.old_id")
op.execute("UPDATE orders SET old_id = nextval('orders_id_seq')")
op.drop_column('orders', 'id')
op.alter_column('orders', 'old_id', new_column_name='id')
op.create_primary_key('orders_pkey', 'orders', ['id'])
"""


def test_id_swap_undone_by_the_downgrade_swap() -> None:
    found = run(mig(SWAP_UP, SWAP_DOWN))
    assert 'migration-downgrade-incomplete' not in rules(found)
    assert 'migration-rename-column' not in rules(found)          # new_id is this migration's
    assert 'migration-new-constraint-on-existing-table' not in rules(found)
    assert 'migration-drop-column' in rules(found)                 # the old ids are gone
    half = SWAP_DOWN.replace("op.alter_column('orders', 'old_id', new_column_name='id')\n", '')
    msgs = [f.message for f in run(mig(SWAP_UP, half))
            if f.rule == 'migration-downgrade-incomplete']
    assert any('drops column orders.id' in m for m in msgs)


def test_rename_of_an_existing_column_must_be_renamed_back() -> None:
    up = "op.alter_column('users', 'name', new_column_name='full_name')"
    found = rules(run(mig(up, "op.alter_column('users', 'full_name', new_column_name='name')")))
    assert 'migration-downgrade-incomplete' not in found
    assert 'migration-rename-column' in found
    assert 'migration-downgrade-incomplete' in rules(run(mig(up, "op.execute('SELECT 1')")))


# -- shape 3: constraints existing rows and running code already satisfy -------------------
def test_foreign_key_dropped_and_recreated_with_on_delete() -> None:
    up = """
    op.drop_constraint('orders_user_id_fkey', 'orders', type_='foreignkey')
    op.create_foreign_key(None, 'orders', 'users', ['user_id'], ['id'], ondelete='CASCADE')
    """
    found = rules(run(mig(up, "pass")))
    assert 'migration-new-constraint-on-existing-table' not in found
    new = rules(run(mig("op.create_foreign_key(None, 'orders', 'users', ['user_id'], ['id'])")))
    assert 'migration-new-constraint-on-existing-table' in new


def test_partial_unique_replacing_the_full_unique() -> None:
    up = """
    op.drop_constraint('orders_user_id_note_key', 'orders', type_='unique')
    op.create_index('orders_user_id_note_active_key', 'orders', ['user_id', 'note'],
                    unique=True, postgresql_where=sa.text('total > 0'))
    """
    assert 'migration-new-constraint-on-existing-table' not in rules(run(mig(up)))
    # dropping an invalid leftover of an interrupted build IF EXISTS proves nothing
    leftover = """
    with op.get_context().autocommit_block():
        op.drop_index('ix_orders_user_note', table_name='orders', if_exists=True,
                      postgresql_concurrently=True)
        op.create_index('ix_orders_user_note', 'orders', ['user_id', 'note'], unique=True,
                        postgresql_concurrently=True)
    """
    assert 'migration-new-constraint-on-existing-table' in rules(run(mig(leftover)))


def test_unique_implied_by_a_stronger_unique_dropped_in_the_same_migration() -> None:
    up = """
    op.create_index('ix_orders_scope', 'orders', ['user_id', 'note', 'total'], unique=True,
                    postgresql_concurrently=True)
    op.drop_constraint('orders_user_id_total_key', 'orders', type_='unique')
    """
    assert 'migration-new-constraint-on-existing-table' not in rules(run(mig(up)))
    weaker = up.replace("['user_id', 'note', 'total']", "['user_id', 'note']")
    assert 'migration-new-constraint-on-existing-table' in rules(run(mig(weaker)))


def test_unique_containing_the_primary_key() -> None:
    up = "op.create_unique_constraint('uq_users_id_email', 'users', ['id', 'email'])"
    assert 'migration-new-constraint-on-existing-table' not in rules(run(mig(up)))
    up = "op.create_unique_constraint('uq_users_email', 'users', ['email'])"
    assert 'migration-new-constraint-on-existing-table' in rules(run(mig(up)))


def test_constraint_created_only_where_it_is_missing() -> None:
    up = """
    existing = [c['name'] for c in sa.inspect(op.get_bind()).get_unique_constraints('users')]
    if 'uq_users_email' not in existing:
        op.create_unique_constraint('uq_users_email', 'users', ['email'])
    """
    assert 'migration-new-constraint-on-existing-table' not in rules(run(mig(up)))


# -- shape 8: types and fields that are not what they seem --------------------------------
def test_widening_integer_to_float_and_bigint() -> None:
    for new in ('sa.Float()', 'sa.BigInteger()', 'sa.Numeric(20, 2)'):
        found = rules(run(mig(f"op.alter_column('orders', 'user_id', type_={new}, "
                              "existing_type=sa.Integer())")))
        assert 'migration-column-type-changed' not in found, new
    narrowing = rules(run(mig("op.alter_column('orders', 'total', type_=sa.Integer(), "
                              "existing_type=sa.Numeric(12, 2))")))
    assert 'migration-column-type-changed' in narrowing


def test_django_integer_field_widening_and_field_subclasses() -> None:
    base = {**DJANGO_BASE, 'shop/migrations/0002_order.py': DJANGO_BASE[
        'shop/migrations/0002_order.py'].replace(
        "('total', models.DecimalField(max_digits=12, decimal_places=2)),",
        "('total', models.DecimalField(max_digits=12, decimal_places=2)),\n"
        "                ('quantity', models.PositiveIntegerField()),")}
    for field in ('models.PositiveBigIntegerField()', 'models.BigIntegerField()'):
        path, text = django(f"migrations.AlterField(model_name='order', name='quantity', "
                            f"field={field}),")
        found = rules(run({path: text}, base=base))
        assert 'migration-column-type-changed' not in found, field
    path, text = django("migrations.AlterField(model_name='order', name='quantity', "
                        "field=models.PositiveSmallIntegerField()),")
    assert 'migration-type-change-lossy' in rules(run({path: text}, base=base))


def test_django_generated_field_is_computed_by_the_database() -> None:
    generated = """migrations.AddField(model_name='order', name='total_cents',
        field=models.GeneratedField(expression=models.F('total') * 100,
                                    output_field=models.BigIntegerField(), db_persist=True)),"""
    found = rules(dj(generated))
    assert 'migration-not-null-column-without-default' not in found
    plain = "migrations.AddField(model_name='order', name='cents', field=models.BigIntegerField()),"
    assert 'migration-not-null-column-without-default' in rules(dj(plain))


def test_django_many_to_many_field_is_a_table_not_a_column() -> None:
    m2m = "migrations.AddField(model_name='order', name='tags', " \
          "field=models.ManyToManyField(to='shop.customer')),"
    assert 'migration-not-null-column-without-default' not in rules(dj(m2m))
    base = {**DJANGO_BASE, 'shop/migrations/0002_order.py': DJANGO_BASE[
        'shop/migrations/0002_order.py'].replace(
        "('total', models.DecimalField(max_digits=12, decimal_places=2)),",
        "('total', models.DecimalField(max_digits=12, decimal_places=2)),\n"
        "                ('tags', models.ManyToManyField(to='shop.customer')),")}
    path, text = django("migrations.AlterField(model_name='order', name='tags', field="
                        "models.ManyToManyField(blank=True, related_name='orders', "
                        "to='shop.customer')),")
    assert run({path: text}, base=base) == []
    path, text = django("migrations.RemoveField(model_name='order', name='tags'),")
    found = [f for f in run({path: text}, base=base) if f.severity == 'error']
    assert [f.rule for f in found] == ['migration-drop-table']
    assert 'shop_order_tags' in found[0].message


def test_alter_sequence_rename_is_not_a_table_rename() -> None:
    for verb in ('SEQUENCE', 'TABLE'):       # PostgreSQL accepts ALTER TABLE on a sequence
        up = f"op.execute('ALTER {verb} orders_id_seq RENAME TO purchases_id_seq')"
        found = rules(run(mig(up, f"op.execute('ALTER {verb} purchases_id_seq RENAME TO "
                                  "orders_id_seq')")))
        assert 'migration-rename-table' not in found, verb
    assert 'migration-rename-table' in rules(run(mig("op.rename_table('orders', 'purchases')",
                                                     "op.rename_table('purchases', 'orders')")))


# -- shape 6: the drift guard's rollback ----------------------------------------------------
GUARD = """
cols = [c['name'] for c in sa.inspect(op.get_bind()).get_columns('orders')]
if '{col}' not in cols:
    op.add_column('orders', sa.Column('{col}', sa.DateTime(), nullable=True))
"""
UNGUARD = """
cols = [c['name'] for c in sa.inspect(op.get_bind()).get_columns('orders')]
if '{col}' in cols:
    op.drop_column('orders', '{col}')
"""


def test_downgrade_drops_a_column_an_earlier_revision_created() -> None:
    # orders.created_at comes from b2c3d4e5f6a7; this revision only adds it where missing
    found = run(mig(GUARD.format(col='created_at'), UNGUARD.format(col='created_at')))
    hits = [f for f in found if f.rule == 'migration-downgrade-drops-earlier-object']
    assert len(hits) == 1 and hits[0].severity == 'error'
    assert 'b2c3d4e5f6a7' in hits[0].message
    # off a hotfix branch, one level lower like every migration rule
    changes = ChangeSet.from_texts(base=dict(BASE), head={
        **BASE, **mig(GUARD.format(col='created_at'), UNGUARD.format(col='created_at'))})
    off = check(changes, from_mapping({}, None), RunInfo(hotfix=False))
    assert [f.severity for f in off if f.rule == 'migration-downgrade-drops-earlier-object'] \
        == ['warning']


def test_downgrade_drops_an_index_an_earlier_revision_created() -> None:
    earlier = alembic("op.create_index('ix_orders_user_id', 'orders', ['user_id'])",
                      "op.drop_index('ix_orders_user_id', table_name='orders')",
                      revision='c3d4e5f6a7b8', down_revision='b2c3d4e5f6a7')
    base = {**BASE, f'{V}/c3d4e5f6a7b8_ix.py': earlier}
    up = """
    existing = {ix['name'] for ix in sa.inspect(op.get_bind()).get_indexes('orders')}
    if 'ix_orders_user_id' not in existing:
        op.create_index('ix_orders_user_id', 'orders', ['user_id'])
    """
    down = "op.drop_index('ix_orders_user_id', table_name='orders')"
    text = alembic(up, down, revision='d4e5f6a7b8c9', down_revision='c3d4e5f6a7b8')
    found = run({f'{V}/d4e5f6a7b8c9_guard.py': text}, base=base)
    assert 'migration-downgrade-drops-earlier-object' in rules(found)


def test_guarded_object_no_earlier_revision_created_is_this_migrations_own() -> None:
    found = rules(run(mig(GUARD.format(col='shipped_at'), UNGUARD.format(col='shipped_at'))))
    assert 'migration-downgrade-drops-earlier-object' not in found
    # unguarded: the migration owns what it adds, the downgrade drops it
    plain = rules(run(mig("op.add_column('orders', sa.Column('shipped_at', sa.DateTime()))",
                          "op.drop_column('orders', 'shipped_at')")))
    assert 'migration-downgrade-drops-earlier-object' not in plain


# -- shape 5: a raise a literal call never reaches ------------------------------------------
HELPER = '''
def _set_order_states(states, previous=None):
    if states is None:
        raise ValueError("states are required")
    if previous is not None and previous not in states:
        raise ValueError(f"{previous} is not one of {states}")
    op.execute("ALTER TABLE orders DROP CONSTRAINT IF EXISTS ck_orders_state")
    op.execute("ALTER TABLE orders ADD CONSTRAINT ck_orders_state CHECK "
               "(state IN ('new', 'paid', 'shipped', 'refunded')) NOT VALID")
'''


def test_helper_raise_unreachable_with_the_literals_it_is_called_with() -> None:
    up = "_set_order_states(['new', 'paid', 'shipped', 'refunded'], previous='shipped')"
    down = "_set_order_states(('new', 'paid', 'shipped'), previous='paid')"
    found = run(mig(up, down, preamble=HELPER))
    assert 'migration-downgrade-raises' not in {f.rule for f in found}


def test_helper_raise_reached_with_the_literals_it_is_called_with() -> None:
    up = "_set_order_states(['new', 'paid', 'shipped', 'refunded'])"
    down = "_set_order_states(('new', 'paid'), previous='shipped')"
    found = [f for f in run(mig(up, down, preamble=HELPER))
             if f.rule == 'migration-downgrade-raises']
    assert found and found[0].severity == 'error' and 'some paths' not in found[0].message
    # a value only known at run time: the raise stays possible
    unknown = "_set_order_states(op.get_context().opts.get('states'))"
    assert 'migration-downgrade-raises' in rules(run(mig(up, unknown, preamble=HELPER)))


def test_a_local_the_code_fills_is_never_taken_for_its_initial_value() -> None:
    down = """
    seen = []
    for row in op.get_bind().execute(sa.text('SELECT state FROM orders')):
        seen.append(row[0])
    if 'refunded' in seen:
        raise RuntimeError('refunded orders cannot be rolled back')
    op.execute("ALTER TABLE orders DROP CONSTRAINT IF EXISTS ck_orders_state")
    """
    assert 'migration-downgrade-raises' in rules(run(mig("op.execute('SELECT 1')", down)))


# -- shape 9: fixes in the framework's own terms ---------------------------------------------
def hint(found: list[Finding], rule: str) -> str:
    return next(f.hint for f in found if f.rule == rule)


def test_django_operations_get_django_fixes() -> None:
    found = dj("""migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['email'], name='shop_customer_email_idx'),
        ),
        migrations.RemoveField(model_name='customer', name='nickname'),""")
    assert 'AddIndexConcurrently' in hint(found, 'migration-index-not-concurrent')
    assert 'atomic = False' in hint(found, 'migration-index-not-concurrent')
    assert 'SeparateDatabaseAndState' in hint(found, 'migration-drop-column')


def test_alembic_operations_get_alembic_fixes() -> None:
    found = run(mig("""
    op.create_index('ix_users_email', 'users', ['email'])
    op.drop_column('users', 'legacy_code')
    """, "op.drop_index('ix_users_email')"))
    assert 'postgresql_concurrently=True' in hint(found, 'migration-index-not-concurrent')
    assert 'SeparateDatabaseAndState' not in hint(found, 'migration-drop-column')


def test_constraint_on_a_table_created_earlier_in_the_same_range() -> None:
    create = alembic("""
    op.create_table('support_cases',
                    sa.Column('id', sa.Integer(), primary_key=True),
                    sa.Column('subject', sa.String(200), nullable=False))
    """, "op.drop_table('support_cases')")
    later = alembic("""
    op.add_column('support_cases', sa.Column('ticket_ref', sa.String(40), nullable=False))
    op.create_unique_constraint('uq_support_cases_subject', 'support_cases', ['subject'])
    """, """
    op.drop_constraint('uq_support_cases_subject', 'support_cases', type_='unique')
    op.drop_column('support_cases', 'ticket_ref')
    """, revision='d4e5f6a7b8c9', down_revision='c3d4e5f6a7b8')
    found = rules(run({NEW: create, f'{V}/d4e5f6a7b8c9_support_ref.py': later}))
    assert 'migration-new-constraint-on-existing-table' not in found
    assert 'migration-not-null-column-without-default' not in found
    # the same migration on a shipped table
    shipped = rules(run(mig("""
    op.create_unique_constraint('uq_users_name', 'users', ['name'])
    """, "op.drop_constraint('uq_users_name', 'users', type_='unique')")))
    assert 'migration-new-constraint-on-existing-table' in shipped


def test_downgrade_dropping_an_unnamed_constraint_fails() -> None:
    # what autogenerate writes for a foreign key it cannot name
    up = """
    op.drop_constraint('item_owner_id_fkey', 'item', type_='foreignkey')
    op.create_foreign_key(None, 'item', 'user', ['owner_id'], ['id'], ondelete='CASCADE')
    """
    down = """
    op.drop_constraint(None, 'item', type_='foreignkey')
    op.create_foreign_key('item_owner_id_fkey', 'item', 'user', ['owner_id'], ['id'])
    """
    found = [f for f in run(mig(up, down)) if f.rule == 'migration-downgrade-incomplete']
    assert found and 'None' in found[0].message and found[0].severity == 'error'
    named = down.replace('None', "'item_owner_id_fkey'", 1)
    assert not [f for f in run(mig(up.replace('None', "'item_owner_id_fkey'"), named))
                if f.rule == 'migration-downgrade-incomplete']
