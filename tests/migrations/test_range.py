"""Migration guard: report what the change introduces (issue 14, shape 1).

A migration the change edits is compared with its base version operation by operation; the
whole-graph rules report what the change introduced or made worse; squashes are judged by
what existing databases can still resolve. Pure checks on ``ChangeSet.from_texts``, plus the
same cases on real commits through ``hotfix-hooks scan``.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.migrations import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.findings import Finding
from hotfix_hooks.policy import from_mapping
from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.migration_fixtures import alembic
from tests.support.migration_fixtures import BASE
from tests.support.migration_fixtures import django
from tests.support.migration_fixtures import DJANGO_BASE
from tests.support.migration_fixtures import V

SHIPPED = f'{V}/c3d4e5f6a7b8_backfill_tier.py'
# a shipped migration written the way real ones are: a data fill, an index, a NOT NULL
SHIPPED_TEXT = '''"""add users.tier

Revision ID: c3d4e5f6a7b8
Revises: b2c3d4e5f6a7
"""
from alembic import op
import sqlalchemy as sa
from typing import Sequence, Union

revision = 'c3d4e5f6a7b8'
down_revision = 'b2c3d4e5f6a7'
branch_labels = None
depends_on = None


def _fill(table):
    op.execute(f"UPDATE {table} SET status = 'active' WHERE status = 'pending'")


def upgrade():
    op.add_column('users', sa.Column('tier', sa.String(20), nullable=True))
    op.create_index('ix_users_tier', 'users', ['tier'])
    _fill('users')
    op.alter_column('orders', 'note', nullable=False)


def downgrade():
    op.alter_column('orders', 'note', nullable=True)
    op.drop_index('ix_users_tier')
    op.drop_column('users', 'tier')
    pass
'''
SHIPPED_BASE = {**BASE, SHIPPED: SHIPPED_TEXT}

# what linters and formatters do to a shipped file: imports re-sorted, annotations and
# docstrings added, quotes and wrapping changed, a redundant `pass` removed
REFORMATTED = '''"""Add users.tier.

Revision ID: c3d4e5f6a7b8
Revises: b2c3d4e5f6a7
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "c3d4e5f6a7b8"
down_revision: Union[str, None] = "b2c3d4e5f6a7"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _fill(table: str) -> None:
    """Activate pending rows."""
    op.execute(
        f"UPDATE {table} SET status = 'active' WHERE status = 'pending'"
    )


def upgrade() -> None:
    op.add_column("users", sa.Column("tier", sa.String(20), nullable=True))
    op.create_index("ix_users_tier", "users", ["tier"])
    _fill("users")
    op.alter_column("orders", "note", nullable=False)


def downgrade() -> None:
    op.alter_column("orders", "note", nullable=True)
    op.drop_index("ix_users_tier")
    op.drop_column("users", "tier")
'''


def run(head: dict[str, str | None], base: dict[str, str] | None = None,
        renames: dict[str, str] | None = None, **options: bool) -> list[Finding]:
    base = dict(SHIPPED_BASE if base is None else base)
    files = {**base, **head}
    changes = ChangeSet.from_texts(base=base,
                                   head={k: v for k, v in files.items() if v is not None},
                                   renames=renames)
    return check(changes, from_mapping({}, None), RunInfo(hotfix=True, options=options))


def rules(found: list[Finding]) -> list[str]:
    return sorted(f.rule for f in found)


def by_rule(found: list[Finding], rule: str) -> list[Finding]:
    return [f for f in found if f.rule == rule]


# -- an edited migration reports only what the edit changed -------------------------------
def test_shipped_migration_as_it_was_reports_its_standing_findings_on_request() -> None:
    standing = run({SHIPPED: SHIPPED_TEXT}, base=BASE)
    assert {'migration-index-not-concurrent', 'migration-set-not-null',
            'migration-data-change-irreversible'} <= set(rules(standing))


def test_formatting_imports_annotations_docstrings_and_pass_are_no_edit() -> None:
    assert run({SHIPPED: REFORMATTED}) == []
    everything = run({SHIPPED: REFORMATTED}, all_violations=True)
    assert 'migration-index-not-concurrent' in rules(everything)
    assert 'migration-history-edited' not in rules(everything)


def test_existence_guard_is_no_edit() -> None:
    guarded = SHIPPED_TEXT.replace(
        "    op.create_index('ix_users_tier', 'users', ['tier'])\n",
        "    indexes = {i['name'] for i in sa.inspect(op.get_bind()).get_indexes('users')}\n"
        "    if 'ix_users_tier' not in indexes:\n"
        "        op.create_index('ix_users_tier', 'users', ['tier'])\n")
    found = run({SHIPPED: guarded})
    assert [f.rule for f in found if f.severity != 'info'] == []


def test_a_literal_named_by_a_local_variable_is_no_edit() -> None:
    # the guard of a real fix: the name moves into a variable the guard and the call share
    guarded = SHIPPED_TEXT.replace(
        "    op.create_index('ix_users_tier', 'users', ['tier'])\n",
        "    index_name = 'ix_users_tier'\n"
        "    indexes = sa.inspect(op.get_bind()).get_indexes('users')\n"
        "    if not any(i['name'] == index_name for i in indexes):\n"
        "        op.create_index(index_name, 'users', ['tier'])\n")
    found = run({SHIPPED: guarded})
    assert [f.rule for f in found if f.severity != 'info'] == []


def test_a_variable_holding_another_value_is_an_edit() -> None:
    renamed = SHIPPED_TEXT.replace(
        "    op.create_index('ix_users_tier', 'users', ['tier'])\n",
        "    index_name = 'ix_users_tier_v2'\n"
        "    op.create_index(index_name, 'users', ['tier'])\n")
    assert 'migration-history-edited' in rules(run({SHIPPED: renamed}))
    other_table = SHIPPED_TEXT.replace(
        "    op.create_index('ix_users_tier', 'users', ['tier'])\n",
        "    table = 'orders'\n"
        "    op.create_index('ix_users_tier', table, ['tier'])\n")
    assert 'migration-history-edited' in rules(run({SHIPPED: other_table}))


def test_an_added_operation_is_the_only_one_reported() -> None:
    edited = SHIPPED_TEXT.replace(
        "    op.alter_column('orders', 'note', nullable=False)\n",
        "    op.alter_column('orders', 'note', nullable=False)\n"
        "    op.create_index('ix_orders_note', 'orders', ['note'])\n")
    found = run({SHIPPED: edited})
    [idx] = by_rule(found, 'migration-index-not-concurrent')
    assert 'ix_orders_note' in idx.message
    [hist] = by_rule(found, 'migration-history-edited')
    assert hist.severity == 'error' and hist.extra['change'] == ['upgrade()']
    assert 'ix_orders_note' in ' '.join(hist.extra['added'])
    assert not by_rule(found, 'migration-set-not-null')
    assert not by_rule(found, 'migration-data-change-irreversible')


def test_a_changed_value_is_an_edit() -> None:
    edited = SHIPPED_TEXT.replace("WHERE status = 'pending'", "WHERE status <> 'active'")
    found = run({SHIPPED: edited})
    [hist] = by_rule(found, 'migration-history-edited')
    assert "status <> 'active'" in ' '.join(hist.extra['added'])
    assert by_rule(found, 'migration-data-change-irreversible')


def test_downgrade_only_edit_is_no_history_edit_but_what_it_breaks_is_reported() -> None:
    fixed = SHIPPED_TEXT.replace("    op.drop_index('ix_users_tier')\n",
                                 "    op.drop_index('ix_users_tier', table_name='users')\n")
    assert run({SHIPPED: fixed}) == []
    broken = SHIPPED_TEXT.replace("    op.drop_column('users', 'tier')\n", '')
    found = run({SHIPPED: broken})
    assert rules(found) == ['migration-downgrade-incomplete']
    assert 'users.tier' in found[0].message


def test_python_code_edit_with_the_same_operations_is_context_only() -> None:
    refactored = SHIPPED_TEXT.replace(
        'def _fill(table):\n',
        'def _fill(table):\n    log = print\n    log(f"filling {table}")\n')
    found = run({SHIPPED: refactored})
    assert [(f.rule, f.severity) for f in found] == [('migration-history-code-changed', 'info')]


def test_suppression_of_a_standing_finding_is_still_used() -> None:
    suppressed = SHIPPED_TEXT.replace(
        "    op.create_index('ix_users_tier', 'users', ['tier'])\n",
        "    op.create_index('ix_users_tier', 'users', ['tier'])  "
        "# hotfix-hooks: ignore[migration-index-not-concurrent] reason=\"12 rows\"\n")
    assert run({SHIPPED: suppressed.replace('12 rows', '14 rows')},
               base={**BASE, SHIPPED: suppressed}) == []


def test_renamed_django_migration_is_an_edit_its_operations_are_not_new() -> None:
    path, text = django("migrations.AddField(model_name='customer', name='tier', "
                        "field=models.CharField(max_length=20, default='free')),",
                        name='0003_tier')
    base = {**DJANGO_BASE, path: text}
    new = path.replace('0003_tier', '0004_tier')
    found = run({path: None, new: text + '# renumbered\n'}, base=base, renames={new: path})
    assert rules(found) == ['migration-history-edited']
    assert found[0].extra['change'] == ['name (file renamed)']


def test_django_state_only_arguments_are_no_edit() -> None:
    path, text = django("migrations.AddField(model_name='customer', name='tier', "
                        "field=models.CharField(max_length=20, default='free')),",
                        name='0003_tier')
    edited = text.replace("default='free')", "default='free', help_text='Plan tier', "
                                             "verbose_name='tier')")
    assert run({path: edited}, base={**DJANGO_BASE, path: text}) == []
    wider = text.replace('max_length=20', 'max_length=40')
    found = run({path: wider}, base={**DJANGO_BASE, path: text})
    [hist] = by_rule(found, 'migration-history-edited')
    assert hist.extra['change'] == ['operations']


# -- the whole graph: what the change introduced or made worse -----------------------------
def test_standing_graph_conditions_of_untouched_files_are_not_reported() -> None:
    twin = alembic('pass', 'pass', revision='a1f0c2d3e4b5', down_revision=None)
    orphan = alembic('pass', 'pass', revision='e5e5e5e5e5e5', down_revision='')
    base = {**BASE, 'tenant/versions/a1f0c2d3e4b5_init.py': twin,
            f'{V}/e5e5e5e5e5e5_orphan.py': orphan}
    new = alembic("op.add_column('users', sa.Column('tier', sa.String(20)))",
                  "op.drop_column('users', 'tier')")
    assert run({f'{V}/c3d4e5f6a7b8_tier.py': new}, base=base) == []
    listed = run({f'{V}/c3d4e5f6a7b8_tier.py': new}, base=base, all_violations=True)
    assert {'migration-duplicate-revision', 'migration-unknown-parent'} <= set(rules(listed))


def test_a_new_second_head_and_a_new_long_id_are_reported() -> None:
    a = alembic('pass', 'pass', revision='c3c3c3c3c3c3')
    b = alembic('pass', 'pass', revision='2026_11_27_add_customer_tier_columns')
    found = run({f'{V}/c3.py': a, f'{V}/d4.py': b}, base=BASE)
    assert rules(found) == ['migration-multiple-heads', 'migration-revision-id-too-long']


def test_two_standing_heads_are_not_made_worse_by_a_child_of_one() -> None:
    a = alembic('pass', 'pass', revision='c3c3c3c3c3c3')
    b = alembic('pass', 'pass', revision='d4d4d4d4d4d4')
    base = {**BASE, f'{V}/c3.py': a, f'{V}/d4.py': b}
    child = alembic('pass', 'pass', revision='e5e5e5e5e5e5', down_revision='c3c3c3c3c3c3')
    assert run({f'{V}/e5.py': child}, base=base) == []
    third = alembic('pass', 'pass', revision='f6f6f6f6f6f6', down_revision='c3c3c3c3c3c3')
    assert rules(run({f'{V}/e5.py': child, f'{V}/f6.py': third}, base=base)) == \
        ['migration-multiple-heads']


def test_deleted_parent_is_reported_on_the_deleted_file() -> None:
    child = alembic('pass', 'pass', revision='c3c3c3c3c3c3')
    base = {**BASE, f'{V}/c3.py': child}
    found = run({f'{V}/b2c3d4e5f6a7_orders_created_at.py': None}, base=base)
    assert {f.path for f in found} == {f'{V}/b2c3d4e5f6a7_orders_created_at.py'}
    assert set(rules(found)) == {'migration-history-edited', 'migration-unknown-parent',
                                 'migration-multiple-heads'}


# -- squashes ---------------------------------------------------------------------------
SQUASH = '''"""squash: every table as of the last release

Revision ID: b2c3d4e5f6a7
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = 'b2c3d4e5f6a7'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True),
                    sa.Column('email', sa.String(200), nullable=False))
    op.create_table('orders', sa.Column('id', sa.BigInteger(), primary_key=True),
                    sa.Column('user_id', sa.Integer(), nullable=False),
                    sa.Column('created_at', sa.DateTime()))
    op.create_index('ix_orders_user_id', 'orders', ['user_id'])


def downgrade():
    op.drop_table('orders')
    op.drop_table('users')
'''


def test_alembic_squash_into_a_new_root_keeping_the_head_id() -> None:
    found = run({f'{V}/a1f0c2d3e4b5_init.py': None,
                 f'{V}/b2c3d4e5f6a7_orders_created_at.py': None,
                 f'{V}/0000_squash.py': SQUASH}, base=BASE)
    assert [(f.rule, f.severity) for f in found] == [('migration-history-squashed', 'info')]
    assert found[0].path == f'{V}/0000_squash.py'
    assert found[0].extra['squashed'] == ['a1f0c2d3e4b5']


def test_history_reset_under_a_new_id_is_an_edit() -> None:
    reset = SQUASH.replace('b2c3d4e5f6a7', 'f0f0f0f0f0f0')
    found = run({f'{V}/a1f0c2d3e4b5_init.py': None,
                 f'{V}/b2c3d4e5f6a7_orders_created_at.py': None,
                 f'{V}/0000_reset.py': reset}, base=BASE)
    deleted = by_rule(found, 'migration-history-edited')
    assert len(deleted) == 2 and {f.extra['change'] for f in deleted} == {'deleted'}


def test_django_squash_of_shipped_migrations_never_runs_on_existing_databases() -> None:
    path, text = django(
        """migrations.CreateModel(name='Customer', fields=[
               ('id', models.BigAutoField(primary_key=True, serialize=False)),
               ('email', models.CharField(max_length=200))]),
        migrations.RemoveField(model_name='customer', name='nickname'),""",
        name='0001_squashed_0002_order', deps="('auth', '0001_initial')",
        extra="replaces = [('shop', '0001_initial'), ('shop', '0002_order')]")
    found = run({path: text}, base=DJANGO_BASE)
    assert [(f.rule, f.severity) for f in found] == [('migration-history-squashed', 'info')]
    # the replaced files deleted later, once every database is past them: not an edit
    later = run({'shop/migrations/0001_initial.py': None,
                 'shop/migrations/0002_order.py': None},
                base={**DJANGO_BASE, path: text})
    assert later == []


# -- on real commits ----------------------------------------------------------------------
@pytest.fixture(scope='module')
def shipped_repo(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    repo = GitRepo(Path(tmp_path_factory.mktemp('range')) / 'repo')
    repo.commit('shipped', files={**SHIPPED_BASE, 'app.py': 'print("app")\n'})
    repo.checkout('hotfix/OPS-8-ruff', create=True, start='main')
    repo.commit('ruff format + isort', files={SHIPPED: REFORMATTED})
    repo.checkout('hotfix/OPS-9-index', create=True, start='main')
    repo.commit('add an index to a shipped migration', files={SHIPPED: SHIPPED_TEXT.replace(
        "    op.alter_column('orders', 'note', nullable=False)\n",
        "    op.alter_column('orders', 'note', nullable=False)\n"
        "    op.create_index('ix_orders_note', 'orders', ['note'])\n").replace(
        "    op.drop_index('ix_users_tier')\n",
        "    op.drop_index('ix_users_tier')\n    op.drop_index('ix_orders_note')\n")})
    repo.checkout('main')
    return repo


def _scan(repo: GitRepo, branch: str, *extra: str) -> tuple[int, list[dict[str, object]]]:
    res = run_cli(repo, 'scan', '--only', 'migrations', '--from-ref', 'main', '--to-ref', branch,
                  '--branch', branch, '--format', 'json', *extra)
    assert res.returncode in (0, 1), res.stderr
    return res.returncode, json.loads(res.stdout)['findings']


def test_reformatting_commit_passes(shipped_repo: GitRepo) -> None:
    assert _scan(shipped_repo, 'hotfix/OPS-8-ruff') == (0, [])
    rc, listed = _scan(shipped_repo, 'hotfix/OPS-8-ruff', '--all-violations')
    assert {f['rule'] for f in listed} >= {'migration-index-not-concurrent'}


def test_edit_reports_the_added_operation_only(shipped_repo: GitRepo) -> None:
    rc, found = _scan(shipped_repo, 'hotfix/OPS-9-index')
    assert rc == 1
    assert sorted(f['rule'] for f in found) == ['migration-history-edited',
                                                'migration-index-not-concurrent']
