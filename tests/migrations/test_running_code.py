"""Migration guard aware of the running code (issue 14, shapes 2 and 4).

The base side's models (SQLAlchemy declarative, SQLModel, Django, Core ``Table()``) say
which columns the code that runs during the deploy (and after a rollback) writes; the head
side's say what the new code writes. A NOT NULL column whose default is dropped breaks the
running code only when its model maps the table without the column; relaxing NOT NULL breaks
the rollback only when the new code writes NULL there and the downgrade sets NOT NULL again.
"""
from __future__ import annotations

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.migrations import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.findings import Finding
from hotfix_hooks.migrations.runcode import Models
from hotfix_hooks.policy import from_mapping
from tests.support.migration_fixtures import alembic
from tests.support.migration_fixtures import BASE
from tests.support.migration_fixtures import django
from tests.support.migration_fixtures import DJANGO_BASE
from tests.support.migration_fixtures import DJANGO_MODELS
from tests.support.migration_fixtures import V

NEW = f'{V}/c3d4e5f6a7b8_hotfix.py'

# the running code of a FastAPI service: SQLAlchemy 2 declarative models with a mixin
MODELS = '''from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())


class User(TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(200))
    name: Mapped[Optional[str]] = mapped_column(sa.String(200))
    legacy_code: Mapped[str | None]
    status: Mapped[str] = mapped_column(sa.String(20), default="active")
'''

# the backfill idiom: the column is added NOT NULL with a server default that fills the
# existing rows, then the default is dropped
BACKFILL = """
op.add_column('users', sa.Column('tier', sa.String(20), nullable=False,
                                 server_default='free'))
op.alter_column('users', 'tier', server_default=None)
"""


def run(head: dict[str, str], base: dict[str, str] | None = None) -> list[Finding]:
    base = dict(BASE if base is None else base)
    changes = ChangeSet.from_texts(base=base, head={**base, **head})
    return check(changes, from_mapping({}, None), RunInfo(hotfix=True))


def severity(found: list[Finding], rule: str) -> str | None:
    hits = [f.severity for f in found if f.rule == rule]
    assert len(hits) <= 1, hits
    return hits[0] if hits else None


# -- shape 2: the backfill idiom ----------------------------------------------------------
def test_backfill_idiom_is_an_error_when_the_running_model_does_not_map_the_column() -> None:
    base = {**BASE, 'app/models.py': MODELS}
    head_model = MODELS.replace('    status:', '    tier: Mapped[str] = mapped_column('
                                'sa.String(20))\n    status:')
    found = run({NEW: alembic(BACKFILL, "op.drop_column('users', 'tier')"),
                 'app/models.py': head_model}, base)
    assert severity(found, 'migration-not-null-default-dropped') == 'error'
    msg = next(f.message for f in found if f.rule == 'migration-not-null-default-dropped')
    assert 'models.py' in msg and 'does not map tier' in msg


def test_backfill_idiom_is_context_when_the_running_model_already_sets_the_column() -> None:
    # the model shipped first (expand: the code sets tier), the migration follows
    code_first = MODELS.replace('    status:', '    tier: Mapped[str] = mapped_column('
                                'sa.String(20), default="free")\n    status:')
    base = {**BASE, 'app/models.py': code_first}
    found = run({NEW: alembic(BACKFILL, "op.drop_column('users', 'tier')")}, base)
    assert severity(found, 'migration-not-null-default-dropped') == 'info'


def test_backfill_idiom_without_any_model_of_the_table_says_what_it_could_not_see() -> None:
    found = run({NEW: alembic(BACKFILL, "op.drop_column('users', 'tier')")})
    assert severity(found, 'migration-not-null-default-dropped') == 'info'
    msg = next(f.message for f in found if f.rule == 'migration-not-null-default-dropped')
    assert 'no model of the running code maps users' in msg


def test_core_table_of_the_running_code_counts_as_a_writer() -> None:
    tables = '''import sqlalchemy as sa

metadata = sa.MetaData()

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(200), nullable=False),
)
'''
    found = run({NEW: alembic(BACKFILL, "op.drop_column('users', 'tier')")},
                {**BASE, 'service/db/tables.py': tables})
    assert severity(found, 'migration-not-null-default-dropped') == 'error'


def test_django_not_null_field_without_db_default() -> None:
    add = """migrations.AddField(
            model_name='customer',
            name='tier',
            field=models.CharField(default='free', max_length=20),
            preserve_default=False,
        ),"""
    path, text = django(add)
    # the running model does not have tier: its INSERTs fail once Django drops the default
    found = run({path: text}, DJANGO_BASE)
    assert severity(found, 'migration-not-null-column-without-default') == 'error'
    # the model already sets it (it shipped first with a Python default): context only
    code_first = DJANGO_MODELS.replace(
        "    nickname", "    tier = models.CharField(max_length=20, default='free')\n"
                        "    nickname")
    found = run({path: text}, {**DJANGO_BASE, 'shop/models.py': code_first})
    assert severity(found, 'migration-not-null-column-without-default') == 'info'


# -- shape 4: drop NOT NULL -----------------------------------------------------------------
RELAX = "op.alter_column('users', 'email', existing_type=sa.String(200), nullable=True)"
RESTORE = "op.alter_column('users', 'email', existing_type=sa.String(200), nullable=False)"


def test_drop_not_null_is_an_error_when_the_new_code_writes_null_and_the_rollback_restores() \
        -> None:
    base = {**BASE, 'app/models.py': MODELS}
    writes_null = MODELS.replace('email: Mapped[str] = mapped_column(sa.String(200))',
                                 'email: Mapped[Optional[str]] = mapped_column(sa.String(200))')
    found = run({NEW: alembic(RELAX, RESTORE), 'app/models.py': writes_null}, base)
    assert severity(found, 'migration-drop-not-null') == 'error'
    assert 'rollback' in next(f.message for f in found if f.rule == 'migration-drop-not-null')


def test_drop_not_null_is_a_warning_when_the_new_code_still_sets_the_column() -> None:
    base = {**BASE, 'app/models.py': MODELS}
    # the model is unchanged: the code keeps writing a value
    assert severity(run({NEW: alembic(RELAX, RESTORE)}, base),
                    'migration-drop-not-null') == 'warning'
    # the new code maps it nullable but with a default: it never writes NULL by itself
    with_default = MODELS.replace(
        'email: Mapped[str] = mapped_column(sa.String(200))',
        'email: Mapped[Optional[str]] = mapped_column(sa.String(200), default="")')
    assert severity(run({NEW: alembic(RELAX, RESTORE), 'app/models.py': with_default}, base),
                    'migration-drop-not-null') == 'warning'
    # no model at all: a warning, never silently nothing
    assert severity(run({NEW: alembic(RELAX, RESTORE)}), 'migration-drop-not-null') == 'warning'


def test_drop_not_null_without_restoring_it_in_the_downgrade_is_a_warning() -> None:
    base = {**BASE, 'app/models.py': MODELS}
    writes_null = MODELS.replace('email: Mapped[str] = mapped_column(sa.String(200))',
                                 'email: Mapped[Optional[str]] = mapped_column(sa.String(200))')
    found = run({NEW: alembic(RELAX, 'pass'), 'app/models.py': writes_null}, base)
    assert severity(found, 'migration-drop-not-null') == 'warning'


# -- what the engine reads ------------------------------------------------------------------
def test_models_of_each_framework_are_read_without_importing_them() -> None:
    sqlmodel = '''from typing import Optional
from sqlmodel import Field, SQLModel


class ItemBase(SQLModel):
    title: str = Field(max_length=255)
    description: Optional[str] = None


class Item(ItemBase, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="user.id", nullable=False)
'''
    dj = '''from django.db import models


class Invoice(models.Model):
    number = models.CharField(max_length=20)
    paid_at = models.DateTimeField(null=True)
    customer = models.ForeignKey("shop.Customer", on_delete=models.CASCADE)

    class Meta:
        db_table = "billing_invoices"
'''
    files = {'backend/app/models.py': sqlmodel, 'billing/models.py': dj,
             'backend/app/models_test_helpers.py': 'raise SystemExit(1)',
             'tests/models.py': 'class X: __tablename__ = "x"'}
    models = Models(ChangeSet.from_texts(base=files, head=files).head)
    item = models.table('item')
    assert item is not None
    assert set(item.columns) == {'title', 'description', 'id', 'owner_id'}
    assert item.columns['description'].nullable is True
    assert item.columns['owner_id'].nullable is False
    invoice = models.table('billing_invoices')
    assert invoice is not None
    assert {'number', 'paid_at', 'customer_id', 'id'} <= set(invoice.columns)
    assert invoice.columns['paid_at'].nullable is True
    assert models.table('x') is None                  # test code is not the running code


def test_a_model_inheriting_from_an_unknown_base_is_no_proof() -> None:
    # the columns may come from a library mixin the repository does not hold
    lib_model = '''from sqlalchemy.orm import Mapped, mapped_column
from fastapi_users.db import SQLAlchemyBaseUserTable

from app.db import Base


class User(SQLAlchemyBaseUserTable, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
'''
    found = run({NEW: alembic(BACKFILL, "op.drop_column('users', 'tier')")},
                {**BASE, 'app/models.py': lib_model})
    assert severity(found, 'migration-not-null-default-dropped') == 'info'
    assert 'inherits from a class not found' in next(
        f.message for f in found if f.rule == 'migration-not-null-default-dropped')


def test_a_declarative_base_built_from_a_custom_class_names_tables_like_it() -> None:
    # the shape of many services: the base class computes __tablename__, and the declarative
    # base is made from it with declarative_base(cls=...)
    core = '''import re

from sqlalchemy.ext.declarative import declarative_base, declared_attr


def resolve_table_name(name):
    names = re.split("(?=[A-Z])", name)
    return "_".join([x.lower() for x in names if x])


class CustomBase:
    @declared_attr
    def __tablename__(self):
        return resolve_table_name(self.__name__)


Base = declarative_base(cls=CustomBase)
'''
    model = '''from sqlalchemy import Column, Integer, String

from app.database.core import Base


class EntityType(Base):
    id = Column(Integer, primary_key=True)
    jpath = Column(String)
'''
    files = {'app/database/core.py': core, 'app/entity_type/models.py': model}
    models = Models(ChangeSet.from_texts(base=files, head=files).head)
    table = models.table('entity_type')
    assert table is not None and table.columns['jpath'].type == 'String'
