"""Migration guard on Django migrations (read with ast, never imported)."""
from __future__ import annotations

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.migrations import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.findings import Finding
from hotfix_hooks.policy import from_mapping
from tests.support.migration_fixtures import django
from tests.support.migration_fixtures import DJANGO_BASE


def run(*migs: tuple[str, str], base: dict[str, str] | None = None) -> list[Finding]:
    base = dict(DJANGO_BASE if base is None else base)
    changes = ChangeSet.from_texts(base=base, head={**base, **dict(migs)})
    return check(changes, from_mapping({}, None), RunInfo(hotfix=True))


def by_rule(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def rules(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings}


def test_runpython_without_reverse_or_with_noop() -> None:
    missing = run(django('migrations.RunPython(backfill_status),'))
    [f] = by_rule(missing, 'migration-runpython-irreversible')
    assert 'has no reverse_code' in f.message and f.line == 12
    noop = run(django('migrations.RunPython(backfill_status, migrations.RunPython.noop),'))
    [n] = by_rule(noop, 'migration-runpython-irreversible')
    assert 'RunPython.noop' in n.message
    ok = run(django('migrations.RunPython(backfill_status, reverse_code=restore_status),'))
    assert not by_rule(ok, 'migration-runpython-irreversible')


def test_runsql_reverse_and_sql_is_analysed() -> None:
    found = run(django('migrations.RunSQL("DELETE FROM shop_order", migrations.RunSQL.noop),'))
    assert {'migration-runsql-irreversible', 'migration-delete-without-where'} <= rules(found)
    ok = run(django('migrations.RunSQL(\n'
                    '    sql="UPDATE shop_customer SET nickname = NULL WHERE nickname = \'\'",\n'
                    '    reverse_sql="UPDATE shop_customer SET nickname = \'\' '
                    'WHERE nickname IS NULL",\n'
                    '),'))
    assert not rules(ok) & {'migration-runsql-irreversible', 'migration-update-without-where'}


def test_destructive_and_incompatible_operations() -> None:
    found = run(django('''
        migrations.RemoveField(model_name='customer', name='nickname'),
        migrations.DeleteModel(name='Order'),
        migrations.RenameField(model_name='customer', old_name='email', new_name='mail'),
        migrations.AddField(model_name='customer', name='tier',
                            field=models.CharField(max_length=20)),
        migrations.AlterField(model_name='customer', name='email',
                              field=models.CharField(max_length=50)),
    '''))
    by = {f.rule: f for f in found}
    assert 'shop_customer.nickname' in by['migration-drop-column'].message
    assert 'shop_order' in by['migration-drop-table'].message
    assert 'shop_customer.email' in by['migration-rename-column'].message
    assert 'shop_customer.tier' in by['migration-not-null-column-without-default'].message
    assert 'CharField(200) to CharField(50)' in by['migration-type-change-lossy'].message
    ok = run(django('''
        migrations.AddField(model_name='customer', name='tier',
                            field=models.CharField(max_length=20, null=True)),
        migrations.AlterField(model_name='customer', name='email',
                              field=models.CharField(max_length=300)),
    '''))
    assert not rules(ok) & {'migration-not-null-column-without-default',
                            'migration-type-change-lossy'}


def test_add_index_concurrently_needs_non_atomic_migration() -> None:
    plain = run(django("migrations.AddIndex(model_name='customer', "
                       "index=models.Index(fields=['email'], name='customer_email_idx')),"))
    assert by_rule(plain, 'migration-index-not-concurrent')
    op = ("AddIndexConcurrently(model_name='customer', "
          "index=models.Index(fields=['email'], name='customer_email_idx')),")
    atomic = run(django(op))
    assert by_rule(atomic, 'migration-concurrently-in-transaction')
    ok = run(django(op, extra='atomic = False'))
    assert not rules(ok) & {'migration-index-not-concurrent',
                            'migration-concurrently-in-transaction'}


def test_new_constraint_on_existing_model() -> None:
    found = run(django("migrations.AddConstraint(model_name='customer', constraint="
                       "models.UniqueConstraint(fields=['email'], name='uniq_email')),"))
    assert by_rule(found, 'migration-new-constraint-on-existing-table')
    ok = run(django('''
        migrations.CreateModel(name='Coupon', fields=[('code', models.CharField(max_length=20))]),
        migrations.AddConstraint(model_name='coupon', constraint=models.UniqueConstraint(
            fields=['code'], name='uniq_code')),
    '''))
    assert not by_rule(ok, 'migration-new-constraint-on-existing-table')


def test_django_history_two_leaves_and_insert_below() -> None:
    a = django("migrations.AddField(model_name='customer', name='x', "
               "field=models.IntegerField(null=True)),", name='0003_x')
    b = django("migrations.AddField(model_name='customer', name='y', "
               "field=models.IntegerField(null=True)),", name='0003_y')
    found = run(a, b)
    [heads] = by_rule(found, 'migration-multiple-heads')
    assert set(heads.extra['heads']) == {'0003_x', '0003_y'}
    below = run(django("migrations.AddField(model_name='customer', name='x', "
                       "field=models.IntegerField(null=True)),", name='0003_x',
                       deps="('shop', '0001_initial')"))
    # Django applies every unapplied migration by name: a migration below the leaf is a
    # second leaf (makemigrations --merge), never one that databases skip
    [f] = by_rule(below, 'migration-multiple-heads')
    assert set(f.extra['heads']) == {'0002_order', '0003_x'}
    assert not by_rule(below, 'migration-inserted-below-head')
    merged = run(a, b, django('', name='0004_merge',
                              deps="('shop', '0003_x'),\n        ('shop', '0003_y')"))
    assert not by_rule(merged, 'migration-multiple-heads')


def test_squashed_migration_is_not_a_second_head() -> None:
    replaces = "replaces = [('shop', '0001_initial'), ('shop', '0002_order')]"
    squashed = django("migrations.CreateModel(name='Customer', fields=[]),",
                      name='0001_squashed_0002_order', deps="('auth', '0001_initial')",
                      extra=replaces)
    nxt = django("migrations.AddField(model_name='customer', name='x', "
                 "field=models.IntegerField(null=True)),", name='0003_x')
    found = run(squashed, nxt)
    assert not by_rule(found, 'migration-multiple-heads')
    assert not by_rule(found, 'migration-file-unparsable')
    unmarked = run((squashed[0], squashed[1].replace(replaces, 'initial = True')), nxt)
    assert by_rule(unmarked, 'migration-multiple-heads')


def test_runsql_with_statement_lists_and_params() -> None:
    found = run(django('''
        migrations.RunSQL(
            sql=[("UPDATE shop_customer SET nickname = %s WHERE nickname = ''", ['n/a']),
                 "DELETE FROM shop_order"],
            reverse_sql=["UPDATE shop_customer SET nickname = '' WHERE nickname = 'n/a'"],
        ),
    '''))
    assert rules(found) == {'migration-delete-without-where'}
    opaque = run(django('migrations.RunSQL(build_sql()),'))
    assert {'migration-sql-unanalysable', 'migration-runsql-irreversible'} <= rules(opaque)


def test_alter_field_locking_compares_with_the_previous_field() -> None:
    found = run(django('''
        migrations.AlterField(model_name='customer', name='nickname',
                              field=models.CharField(max_length=100)),
        migrations.AlterField(model_name='order', name='total',
                              field=models.BigIntegerField()),
    '''))
    assert by_rule(found, 'migration-set-not-null')[0].message.startswith(
        'SET NOT NULL on shop_customer.nickname')
    assert 'shop_order.total' in by_rule(found, 'migration-table-rewrite')[0].message
    same = run(django("migrations.AlterField(model_name='customer', name='nickname', "
                      "field=models.CharField(max_length=100, null=True, help_text='x')),"))
    assert same == []
