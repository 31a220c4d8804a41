"""Three small synthetic repositories shaped like public projects a new user tries
hotfix-hooks on (written from scratch; only their layout follows the originals):

* ``FASTAPI_TEMPLATE``: the code under ``backend/`` with its own ``backend/pyproject.toml``,
  Alembic under ``backend/app/alembic``, pytest tests under ``backend/tests`` (like
  fastapi/full-stack-fastapi-template);
* ``MONOREPO``: a large FastAPI/Alembic service under ``server/`` (``server/pyproject.toml``,
  ``server/migrations``), a web client beside it (like polarsource/polar);
* ``DJANGO``: a Django project at the root (``manage.py``, apps under ``hc/`` with their
  ``tests/`` and ``migrations/``; like healthchecks/healthchecks). Its ``manage.py`` is a
  stand-in that runs the apps' unittest tests the way ``manage.py test`` does, so the
  tests need no Django installed.

Each comes with the history a real clone has (commit subjects, branch names) and with a
harmless fix and a forbidden change, as a hotfix would bring them.
"""
from __future__ import annotations

import dataclasses

GITIGNORE = '__pycache__/\n.pytest_cache/\n*.pyc\n'


@dataclasses.dataclass
class Shape:
    name: str
    files: dict[str, str]
    history: list[tuple[str, dict[str, str]]]       # later commits: (subject, files)
    branches: list[str]                              # other branches pointing at main
    ticket: str                                      # a ticket id as this team writes it
    policy_files: list[str]                          # what init writes (default choice)
    harmless: dict[str, str]                         # a fix the protocol allows
    forbidden: dict[str, str]                        # a change it refuses
    forbidden_rule: str
    gates_run: list[str]                             # gate results of the harmless push


# -- fastapi/full-stack-fastapi-template ------------------------------------------------
ITEMS = '''import uuid
from typing import Any

from fastapi import APIRouter, HTTPException

from app import crud

router = APIRouter(prefix="/items", tags=["items"])


@router.get("/")
def read_items(skip: int = 0, limit: int = 100) -> Any:
    return crud.list_items(skip=skip, limit=limit)


@router.get("/{id}")
def read_item(id: uuid.UUID) -> Any:
    item = crud.get_item(id)
    if item is None:
        raise HTTPException(status_code=404, detail="Item not found")
    return item


@router.post("/")
def create_item(title: str) -> Any:
    return crud.create_item(title)
'''
CRUD = '''"""Item storage (in memory for this template)."""
import uuid

ITEMS: dict = {}


def create_item(title):
    item = {"id": uuid.uuid4(), "title": title.strip()}
    ITEMS[item["id"]] = item
    return item


def get_item(item_id):
    return ITEMS.get(item_id)


def list_items(skip=0, limit=100):
    return list(ITEMS.values())[skip:skip + limit]
'''
ALEMBIC_INIT = '''"""Initialize models

Revision ID: e2412789c190
Revises:
Create Date: 2023-11-24 22:55:43.195942

"""
import sqlalchemy as sa
from alembic import op

revision = "e2412789c190"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("item")
'''
FASTAPI_TEMPLATE = Shape(
    name='fastapi-template',
    files={
        '.gitignore': GITIGNORE,
        'README.md': '# Full Stack FastAPI Template\n',
        'pyproject.toml': '[tool.uv.workspace]\nmembers = ["backend"]\n',
        'frontend/package.json': '{"name": "frontend", "private": true}\n',
        'backend/pyproject.toml': (
            '[project]\nname = "app"\nversion = "0.1.0"\n'
            'dependencies = ["fastapi[standard]>=0.114", "alembic>=1.12", '
            '"psycopg[binary]>=3.1"]\n\n'
            '[dependency-groups]\ndev = ["pytest>=7.4"]\n\n'
            '[tool.ruff]\ntarget-version = "py310"\n'),
        'backend/alembic.ini': '[alembic]\nscript_location = app/alembic\n',
        'backend/app/__init__.py': '',
        'backend/app/main.py': ('from fastapi import FastAPI\n\nfrom app.api.main import '
                                'api_router\n\napp = FastAPI(title="app")\n'
                                'app.include_router(api_router, prefix="/api/v1")\n'),
        'backend/app/api/__init__.py': '',
        'backend/app/api/main.py': ('from fastapi import APIRouter\n\nfrom app.api.routes '
                                    'import items\n\napi_router = APIRouter()\n'
                                    'api_router.include_router(items.router)\n'),
        'backend/app/api/routes/__init__.py': '',
        'backend/app/api/routes/items.py': ITEMS,
        'backend/app/crud.py': CRUD,
        'backend/app/alembic/env.py': 'from alembic import context\n',
        'backend/app/alembic/versions/e2412789c190_initialize_models.py': ALEMBIC_INIT,
        'backend/tests/__init__.py': '',
        'backend/tests/conftest.py': 'import pytest\n',
        'backend/tests/api/__init__.py': '',
        'backend/tests/api/routes/__init__.py': '',
        'backend/tests/api/routes/test_items.py': (
            'from app import crud\n\n\ndef test_list_after_create():\n'
            '    crud.create_item("a")\n    assert crud.list_items()\n'),
        'backend/tests/crud/__init__.py': '',
        'backend/tests/crud/test_item.py': (
            'from app import crud\n\n\ndef test_title_is_stripped():\n'
            '    assert crud.create_item(" x ")["title"] == "x"\n'),
    },
    history=[('📝 Update release notes', {'README.md': '# Full Stack FastAPI Template\n\n'}),
             ('✅ Add item tests (#2451)', {}),
             ('🐛 Fix item listing (#2452)', {}),
             ('♻️ Simplify crud (#2453)', {})],
    branches=['fix-backend-reload'],
    ticket='2460',
    policy_files=['.hotfix-hooks.toml', 'backend/.hotfix-hooks.toml'],
    harmless={'backend/app/crud.py': CRUD.replace(
        'return list(ITEMS.values())[skip:skip + limit]',
        'return list(ITEMS.values())[max(skip, 0):max(skip, 0) + limit]')},
    forbidden={'backend/app/api/routes/items.py': ITEMS.replace(
        ITEMS[ITEMS.index('@router.get("/{id}")'):ITEMS.index('@router.post')], '')},
    forbidden_rule='api-route-removed',
    gates_run=['backend/smoke', 'backend/domain:crud'],
)

# -- polarsource/polar --------------------------------------------------------------------
ORDER_ENDPOINTS = '''from fastapi import APIRouter

from polar.order import service

router = APIRouter(prefix="/orders", tags=["orders"])


@router.get("/")
async def list_orders() -> list:
    return service.list_orders()


@router.get("/{id}")
async def get(id: str) -> dict:
    return service.get(id)
'''
ORDER_SERVICE = '''ORDERS: dict = {}


def list_orders():
    return sorted(ORDERS.values(), key=lambda o: o["created_at"])


def get(order_id):
    return ORDERS[order_id]


def total(order):
    return sum(line["amount"] for line in order["lines"])
'''
POLAR_MIGRATION = '''"""add meter interval to product

Revision ID: 7a2b3c4d5e6f
Revises: 1f2e3d4c5b6a
Create Date: 2026-06-17 10:34:00.000000

"""
import sqlalchemy as sa
from alembic import op

# Polar Custom Imports

# revision identifiers, used by Alembic.
revision = "7a2b3c4d5e6f"
down_revision = "1f2e3d4c5b6a"
branch_labels: tuple[str] | None = None
depends_on: tuple[str] | None = None


def upgrade() -> None:
    op.add_column("products", sa.Column("meter_interval", sa.String(), nullable=True))


def downgrade() -> None:
    op.drop_column("products", "meter_interval")
'''
POLAR_FIRST = '''"""create products and legacy_payouts

Revision ID: 1f2e3d4c5b6a
Revises:
Create Date: 2026-06-01 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = "1f2e3d4c5b6a"
down_revision = None
branch_labels: tuple[str] | None = None
depends_on: tuple[str] | None = None


def upgrade() -> None:
    op.create_table("products", sa.Column("id", sa.Uuid(), primary_key=True))
    op.create_table("legacy_payouts", sa.Column("id", sa.Uuid(), primary_key=True))


def downgrade() -> None:
    op.drop_table("legacy_payouts")
    op.drop_table("products")
'''
POLAR_DROP = '''"""drop legacy payouts

Revision ID: 9c8b7a6f5e4d
Revises: 7a2b3c4d5e6f
Create Date: 2026-06-18 11:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = "9c8b7a6f5e4d"
down_revision = "7a2b3c4d5e6f"
branch_labels: tuple[str] | None = None
depends_on: tuple[str] | None = None


def upgrade() -> None:
    op.drop_table("legacy_payouts")


def downgrade() -> None:
    op.create_table("legacy_payouts", sa.Column("id", sa.Uuid(), primary_key=True))
'''
MONOREPO = Shape(
    name='monorepo',
    files={
        '.gitignore': GITIGNORE + 'node_modules/\n',
        'README.md': '# Polar\n',
        'clients/apps/web/package.json': '{"name": "web", "private": true}\n',
        'clients/apps/web/src/index.ts': 'export const app = "web"\n',
        'server/pyproject.toml': (
            '[project]\nname = "polar"\nversion = "0.1.0"\n'
            'dependencies = [\n  "fastapi>=0.115",\n  "asyncpg>=0.29",\n  "alembic>=1.13",\n]\n'
            '\n[dependency-groups]\ndev = [\n  "pytest<10",\n]\n\n'
            '[tool.pytest.ini_options]\nmarkers = [\n  "auth",\n'
            '  "benchmark: performance benchmark, deselected by default",\n]\n'
            'addopts = "-m \'not benchmark\'"\n\n'
            '[tool.ruff]\ntarget-version = "py312"\n'),
        'server/alembic.ini': '[alembic]\nscript_location = migrations\n',
        'server/polar/__init__.py': '',
        'server/polar/app.py': ('from fastapi import FastAPI\n\nfrom polar.order.endpoints '
                                'import router as order_router\n\napp = FastAPI()\n'
                                'app.include_router(order_router, prefix="/v1")\n'),
        'server/polar/order/__init__.py': '',
        'server/polar/order/endpoints.py': ORDER_ENDPOINTS,
        'server/polar/order/service.py': ORDER_SERVICE,
        'server/polar/auth/__init__.py': '',
        'server/polar/auth/service.py': ('def is_admin(user):\n'
                                         '    return user.get("admin", False)\n'),
        'server/migrations/env.py': 'from alembic import context\n',
        'server/migrations/versions/2026-06-01-0900_create_products.py': POLAR_FIRST,
        'server/migrations/versions/2026-06-17-1034_add_meter_interval.py': POLAR_MIGRATION,
        'server/tests/__init__.py': '',
        'server/tests/conftest.py': 'import pytest\n',
        'server/tests/order/__init__.py': '',
        'server/tests/order/test_service.py': (
            'from polar.order import service\n\n\ndef test_total():\n'
            '    assert service.total({"lines": [{"amount": 2}, {"amount": 3}]}) == 5\n'),
        'server/tests/auth/__init__.py': '',
        'server/tests/auth/test_service.py': (
            'import pytest\n\nfrom polar.auth import service\n\n\n@pytest.mark.auth\n'
            'def test_admin():\n    assert service.is_admin({"admin": True})\n'),
    },
    history=[('feat: add order totals (#13926)', {}),
             ('fix(server): order listing order (#13938)', {}),
             ('docs: fix renamed webhook event URL slugs (#13957)', {'README.md': '# Polar\n\n'})],
    branches=['6994-global-invoice-numbers', '7095-order-exports'],
    ticket='13960',
    policy_files=['.hotfix-hooks.toml', 'server/.hotfix-hooks.toml'],
    harmless={'server/polar/order/service.py': ORDER_SERVICE.replace(
        'sum(line["amount"] for line in order["lines"])',
        'sum(line["amount"] for line in order.get("lines", []))')},
    forbidden={'server/migrations/versions/2026-06-18-1100_drop_legacy_payouts.py': POLAR_DROP},
    forbidden_rule='migration-drop-table',
    gates_run=['server/smoke', 'server/domain:order'],
)

# -- healthchecks/healthchecks ------------------------------------------------------------
MANAGE = '''#!/usr/bin/env python
"""A stand-in for Django's manage.py in this test fixture: "manage.py test [app ...]" runs
the apps' unittest tests as Django's test runner finds them (hc.api -> hc/api/tests)."""
import os
import sys
import unittest

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hc.settings")
    if sys.argv[1:2] != ["test"]:
        sys.exit("only 'test' is available in this stand-in")
    labels = sys.argv[2:] or ["hc"]
    suite = unittest.TestSuite()
    loader = unittest.TestLoader()
    for label in labels:
        start = os.path.join(*label.split("."))
        suite.addTests(loader.discover(start, pattern="test*.py", top_level_dir="."))
    result = unittest.TextTestRunner(verbosity=1).run(suite)
    sys.exit(0 if result.wasSuccessful() else 1)
'''
CHECK_MODEL = '''"""The Check model (plain Python in this fixture)."""


class Check:
    def __init__(self, name, timeout=86400, grace=3600):
        self.name = name
        self.timeout = timeout
        self.grace = grace

    def going_down_after(self, last_ping):
        return last_ping + self.timeout + self.grace
'''
DJANGO_INIT = '''from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Check",
            fields=[
                ("id", models.AutoField(primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=100)),
                ("tags", models.CharField(blank=True, max_length=500)),
                ("timeout", models.IntegerField(default=86400)),
            ],
        ),
    ]
'''
DJANGO_REMOVE = '''from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [("api", "0001_initial")]

    operations = [
        migrations.RemoveField(model_name="check", name="tags"),
    ]
'''
DJANGO = Shape(
    name='django',
    files={
        '.gitignore': GITIGNORE + 'local_settings.py\n',
        'README.md': '# Healthchecks\n',
        'manage.py': MANAGE,
        'requirements.txt': 'Django[argon2]==6.1\npsycopg==3.3.4\ncronsim==2.7\n',
        'requirements-dev.txt': 'mysqlclient\n',
        'hc/__init__.py': '',
        'hc/settings.py': ('DATABASES = {"default": {"ENGINE": '
                           '"django.db.backends.postgresql"}}\n'),
        'hc/urls.py': 'urlpatterns = []\n',
        'hc/api/__init__.py': '',
        'hc/api/models.py': CHECK_MODEL,
        'hc/api/views.py': 'def ping(request, code):\n    return "OK"\n',
        'hc/api/migrations/__init__.py': '',
        'hc/api/migrations/0001_initial.py': DJANGO_INIT,
        'hc/api/tests/__init__.py': '',
        'hc/api/tests/test_check_model.py': (
            'import unittest\n\nfrom hc.api.models import Check\n\n\n'
            'class CheckModelTestCase(unittest.TestCase):\n'
            '    def test_going_down_after(self):\n'
            '        self.assertEqual(Check("x", 10, 5).going_down_after(100), 115)\n'),
        'hc/accounts/__init__.py': '',
        'hc/accounts/models.py': 'class Profile:\n    reports = "monthly"\n',
        'hc/accounts/tests/__init__.py': '',
        'hc/accounts/tests/test_profile.py': (
            'import unittest\n\nfrom hc.accounts.models import Profile\n\n\n'
            'class ProfileTestCase(unittest.TestCase):\n'
            '    def test_reports(self):\n'
            '        self.assertEqual(Profile.reports, "monthly")\n'),
    },
    history=[('Fix ruff warning', {}), ('Update CHANGELOG', {'README.md': '# Healthchecks\n\n'}),
             ('Rewrite to avoid select_for_update', {})],
    branches=['py2'],
    ticket='HC-12',
    policy_files=['.hotfix-hooks.toml'],
    harmless={'hc/api/models.py': CHECK_MODEL.replace(
        '    def going_down_after(self, last_ping):\n',
        '    def going_down_after(self, last_ping):\n        if last_ping is None:\n'
        '            return None\n')},
    forbidden={'hc/api/migrations/0002_remove_check_tags.py': DJANGO_REMOVE},
    forbidden_rule='migration-drop-column',
    gates_run=['smoke', 'domain:api'],
)

SHAPES = {s.name: s for s in (FASTAPI_TEMPLATE, MONOREPO, DJANGO)}
