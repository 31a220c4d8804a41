"""Realistic migration files for the migration guard tests."""
from __future__ import annotations

import textwrap

V = 'alembic/versions'

INIT = '''"""create users and orders

Revision ID: a1f0c2d3e4b5
Revises:
Create Date: 2026-01-10 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'a1f0c2d3e4b5'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'users',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('email', sa.String(length=200), nullable=False),
        sa.Column('name', sa.String(200), nullable=True),
        sa.Column('legacy_code', sa.Text(), nullable=True),
        sa.Column('status', sa.String(20), nullable=False, server_default='active'),
    )
    op.create_table(
        'orders',
        sa.Column('id', sa.BigInteger(), primary_key=True),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('total', sa.Numeric(12, 2), nullable=False),
        sa.Column('note', sa.Text()),
    )


def downgrade() -> None:
    op.drop_table('orders')
    op.drop_table('users')
'''

SECOND = '''"""add orders.created_at

Revision ID: b2c3d4e5f6a7
Revises: a1f0c2d3e4b5
"""
from alembic import op
import sqlalchemy as sa

revision = 'b2c3d4e5f6a7'
down_revision = 'a1f0c2d3e4b5'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('orders', sa.Column('created_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column('orders', 'created_at')
'''

BASE = {f'{V}/a1f0c2d3e4b5_init.py': INIT, f'{V}/b2c3d4e5f6a7_orders_created_at.py': SECOND}


def alembic(upgrade: str, downgrade: str | None = 'pass', *, revision: str = 'c3d4e5f6a7b8',
            down_revision: str | None = 'b2c3d4e5f6a7', preamble: str = '') -> str:
    """An Alembic revision file as `alembic revision` writes it, with the given bodies."""
    text = f'''"""hotfix migration

Revision ID: {revision}
Revises: {down_revision}
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = {revision!r}
down_revision = {down_revision!r}
branch_labels = None
depends_on = None
{textwrap.dedent(preamble)}

def upgrade() -> None:
{textwrap.indent(textwrap.dedent(upgrade).strip(), '    ')}
'''
    if downgrade is not None:
        text += f'''

def downgrade() -> None:
{textwrap.indent(textwrap.dedent(downgrade).strip(), '    ')}
'''
    return text


def django(operations: str, *, name: str = '0003_hotfix', deps: str = "('shop', '0002_order')",
           extra: str = '') -> tuple[str, str]:
    path = f'shop/migrations/{name}.py'
    text = f'''from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
{textwrap.indent(textwrap.dedent(extra).strip(), '    ')}
    dependencies = [
        {deps},
    ]

    operations = [
{textwrap.indent(textwrap.dedent(operations).strip(), '        ')}
    ]
'''
    return path, text


# the running code: the models the two migrations below create
DJANGO_MODELS = '''from django.db import models


class Customer(models.Model):
    email = models.CharField(max_length=200)
    nickname = models.CharField(max_length=100, null=True)


class Order(models.Model):
    total = models.DecimalField(max_digits=12, decimal_places=2)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
'''

DJANGO_BASE = {
    'shop/__init__.py': '',
    'shop/models.py': DJANGO_MODELS,
    'shop/migrations/__init__.py': '',
    'shop/migrations/0001_initial.py': '''from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name='Customer',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('email', models.CharField(max_length=200)),
                ('nickname', models.CharField(max_length=100, null=True)),
            ],
        ),
    ]
''',
    'shop/migrations/0002_order.py': '''from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [('shop', '0001_initial')]

    operations = [
        migrations.CreateModel(
            name='Order',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('total', models.DecimalField(max_digits=12, decimal_places=2)),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                               to='shop.customer')),
            ],
        ),
    ]
''',
}
