"""A shipped migration folded back into the shipped migration that depended on it.

paperless-ngx 3.0.1 split the clamp of ``maximum_age`` out of 0002 into its own migration
0001_1 (0002 then depended on it); 3.0.2 deleted 0001_1 and put the same ``RunPython``
back into 0002, which depends on 0001_1's parent again (and runs outside one transaction,
``atomic = False``). A database that applied both, and a new database, run the same
operations and queries and end the same; only a database that applied 0001_1 but not 0002
runs the clamp again. Both findings are warnings. A deletion whose operations are not all
moved, or moved and changed, stays an error.
"""
from __future__ import annotations

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.migrations import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.findings import Finding
from hotfix_hooks.policy import from_mapping
from tests.support.migration_fixtures import DJANGO_BASE

EDITED = 'migration-history-edited'
CLAMP_PATH = 'shop/migrations/0002_1_clamp_order_total.py'
NARROW_PATH = 'shop/migrations/0003_optimize_integer_field_sizes.py'

CLAMP_FN = '''def clamp_order_total(apps, schema_editor):
    Order = apps.get_model("shop", "Order")
    Order.objects.filter(total__gt={limit}).update(total={limit})
'''
RUN = '''        migrations.RunPython(
            clamp_order_total,
            migrations.RunPython.noop,
        ),
'''
ALTER = '''        migrations.AlterField(
            model_name="order",
            name="total",
            field=models.PositiveSmallIntegerField(default=0),
        ),
'''


def _clamp() -> str:
    return f'''# split out of 0003 into its own migration (own transaction)
from django.db import migrations


{CLAMP_FN.format(limit=32767)}

class Migration(migrations.Migration):
    dependencies = [("shop", "0002_order")]

    operations = [
{RUN}    ]
'''


def _narrow(dep: str, folded: bool, limit: int = 32767) -> str:
    fn = CLAMP_FN.format(limit=limit) + '\n\n' if folded else ''
    atomic = '    atomic = False\n\n' if folded else ''
    return f'''from django.db import migrations, models


{fn}class Migration(migrations.Migration):
{atomic}    dependencies = [("shop", "{dep}")]

    operations = [
{RUN if folded else ''}{ALTER}    ]
'''


SHIPPED = {**DJANGO_BASE, CLAMP_PATH: _clamp(),
           NARROW_PATH: _narrow('0002_1_clamp_order_total', folded=False)}


def _edited(head: dict[str, str | None]) -> list[Finding]:
    merged = {k: v for k, v in {**SHIPPED, **head}.items() if v is not None}
    changes = ChangeSet.from_texts(base=SHIPPED, head=merged)
    return [f for f in check(changes, from_mapping({}, None), RunInfo(hotfix=True))
            if f.rule == EDITED]


def test_a_migration_folded_back_into_the_one_that_depended_on_it_is_a_warning() -> None:
    found = _edited({CLAMP_PATH: None, NARROW_PATH: _narrow('0002_order', folded=True)})
    assert sorted(f.path for f in found) == sorted([CLAMP_PATH, NARROW_PATH])
    assert {f.severity for f in found} == {'warning'}
    assert all('was folded into 0003_optimize_integer_field_sizes' in f.message for f in found)


def test_a_deletion_not_folded_or_folded_and_changed_stays_an_error() -> None:
    deleted_only = _edited({CLAMP_PATH: None,
                            NARROW_PATH: _narrow('0002_order', folded=False)})
    assert {f.severity for f in deleted_only} == {'error'} and len(deleted_only) == 2
    changed = _edited({CLAMP_PATH: None,
                       NARROW_PATH: _narrow('0002_order', folded=True, limit=1000)})
    assert {f.severity for f in changed} == {'error'} and len(changed) == 2
    computed = _narrow('0002_order', folded=True).replace(
        'Order = apps.get_model("shop", "Order")',
        'Order = apps.get_model("shop", "Order")\n    print("clamping")')
    assert {f.severity for f in _edited({CLAMP_PATH: None, NARROW_PATH: computed})} == {'error'}
    kept_parent = _edited({CLAMP_PATH: None,
                           NARROW_PATH: _narrow('0002_1_clamp_order_total', folded=True)})
    assert 'error' in {f.severity for f in kept_parent}
