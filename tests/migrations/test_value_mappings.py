"""Data fills with an empty reverse: a value mapping is a hazard, a state change an error.

Severity scale: ``error`` when the rollback fails or data is lost, ``warning`` for a hazard
a reviewer must look at. A forward data step whose reverse is declared empty
(``RunPython.noop``, a ``pass`` downgrade) leaves the data as the forward step changed it.
When the step is a *value mapping* -- every row holding V gets W, the rows chosen by the
written column's own value only, W one value not computed from the row (a time-zone alias
renamed, ``""`` turned into NULL, an out-of-range value clamped) -- what stays after a
rollback is a value spelt the new way, not a choice between records: whether the old code
reads W as it read V is the reviewer's question (warning). When other data chooses the
rows (``status = 'past_due' AND ended_at IS NOT NULL``), or the new value is computed from
the row (``lower(email)``), which records changed, or their old values, are lost (error).
"""
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

RUNPYTHON = 'migration-runpython-irreversible'
DATA = 'migration-data-change-irreversible'


def _run(files: dict[str, str], base: dict[str, str]) -> list[Finding]:
    changes = ChangeSet.from_texts(base=base, head={**base, **files})
    return check(changes, from_mapping({}, None), RunInfo(hotfix=True))


def _django(forward: str, reverse: str = 'migrations.RunPython.noop') -> dict[str, str]:
    """A Django data migration of the shape real projects write (healthchecks'
    ``0106_fix_tz_kiev_kyiv``, paperless-ngx's clamp of ``maximum_age``)."""
    path, text = django(f'migrations.RunPython(fix_values, {reverse}),')
    helper = 'def fix_values(apps, schema_editor):\n    Customer = apps.get_model("shop", ' \
             '"Customer")\n' + '\n'.join('    ' + line for line in forward.strip().splitlines())
    text = text.replace('\n\nclass Migration', '\n\n' + helper + '\n\n\nclass Migration', 1)
    return {path: text}


def _severity(found: list[Finding], rule: str) -> list[str]:
    return [f.severity for f in found if f.rule == rule]


def test_a_time_zone_alias_renamed_with_a_noop_reverse_is_a_warning() -> None:
    found = _run(_django('Customer.objects.filter(tz="Europe/Kiev").update(tz="Europe/Kyiv")'),
                 DJANGO_BASE)
    [f] = [f for f in found if f.rule == RUNPYTHON]
    assert f.severity == 'warning' and 'value mapping' in f.message


def test_a_mapping_table_of_legacy_names_is_a_value_mapping_too() -> None:
    forward = '''
LEGACY = {"US/Eastern": "America/New_York", "Asia/Calcutta": "Asia/Kolkata"}
for old, new in LEGACY.items():
    Customer.objects.filter(tz=old).update(tz=new)
'''
    assert _severity(_run(_django(forward), DJANGO_BASE), RUNPYTHON) == ['warning']


def test_empty_strings_to_null_and_a_clamp_are_value_mappings() -> None:
    blank = 'Customer.objects.filter(nickname="").update(nickname=None)'
    clamp = 'Customer.objects.filter(max_age__gt=32767).update(max_age=32767)'
    assert _severity(_run(_django(blank), DJANGO_BASE), RUNPYTHON) == ['warning']
    assert _severity(_run(_django(clamp), DJANGO_BASE), RUNPYTHON) == ['warning']


def test_rows_chosen_by_other_data_or_values_from_the_row_stay_errors() -> None:
    state = ('Customer.objects.filter(status="past_due", ended_at__isnull=False)'
             '.update(status="canceled")')
    lowered = 'Customer.objects.all().update(email=Lower("email"))'
    chosen = 'Customer.objects.filter(pk__in=[3, 7]).update(email="")'
    loop = '''
for customer in Customer.objects.filter(tz="Europe/Kiev"):
    customer.tz = "Europe/Kyiv"
    customer.save()
'''
    for forward in (state, lowered, chosen, loop):
        assert _severity(_run(_django(forward), DJANGO_BASE), RUNPYTHON) == ['error'], forward


def test_a_mapping_without_any_reverse_is_an_error_the_rollback_fails() -> None:
    path, text = next(iter(_django(
        'Customer.objects.filter(tz="Europe/Kiev").update(tz="Europe/Kyiv")').items()))
    text = text.replace('migrations.RunPython(fix_values, migrations.RunPython.noop)',
                        'migrations.RunPython(fix_values)')
    assert _severity(_run({path: text}, DJANGO_BASE), RUNPYTHON) == ['error']


NEW = f'{V}/c3d4e5f6a7b8_fix_values.py'


def test_alembic_update_of_one_value_to_another_is_a_warning() -> None:
    up = '''
    op.execute("UPDATE users SET tz = 'Europe/Kyiv' WHERE tz = 'Europe/Kiev'")
    '''
    found = _run({NEW: alembic(up, 'pass')}, BASE)
    [f] = [f for f in found if f.rule == 'migration-downgrade-noop']
    assert f.severity == 'warning' and 'maps values' in f.message
    down = """
    op.execute("SET LOCAL lock_timeout = '5s'")
    """
    found = _run({NEW: alembic(up, down)}, BASE)
    [f] = [f for f in found if f.rule == DATA]
    assert f.severity == 'warning' and 'value mapping' in f.message


def test_alembic_status_repair_chosen_by_another_column_stays_an_error() -> None:
    # polar's fix_ended_past_due_subscriptions: which subscriptions were past_due is lost
    up = '''
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute(
        """
        UPDATE orders
            SET status = 'canceled'
            WHERE status = 'past_due'
              AND ended_at IS NOT NULL
        """
    )
    '''
    down = '''
    op.execute("SET LOCAL lock_timeout = '5s'")
    pass
    '''
    assert _severity(_run({NEW: alembic(up, down)}, BASE), DATA) == ['error']
    assert _severity(_run({NEW: alembic(up, 'pass')}, BASE), 'migration-downgrade-noop') == \
        ['error']
