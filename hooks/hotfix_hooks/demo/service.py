"""The small service ``hotfix-hooks demo`` builds: FastAPI-style routers with an ``/actions``
endpoint and idempotency handling, a committed OpenAPI spec, Alembic migrations, a smoke
test, an integrity script, domain regressions and a rollback script that really run (with
the standard library only, so the demo needs nothing but git and Python).

``BASE_FILES`` is the released service; ``BAD_EDIT`` / ``GOOD_EDIT`` are the two versions of
the hotfix the demo plays.
"""
from __future__ import annotations

import json

MAIN_PY = '''\
"""The ARIS3 inventory service (FastAPI)."""
from fastapi import FastAPI

from app.routers import stock
from app.routers import transfers

app = FastAPI(title="ARIS3")
app.include_router(stock.router, prefix="/aris3")
app.include_router(transfers.router, prefix="/aris3")
'''

MODELS_PY = '''\
from typing import Literal, Optional

from pydantic import BaseModel, Field


class StockItem(BaseModel):
    sku: str = Field(..., max_length=32)
    store_id: str
    quantity: int
    reserved: int = 0


class StockList(BaseModel):
    items: list[StockItem]
    total: int


class Transfer(BaseModel):
    id: str
    sku: str
    quantity: int
    status: Literal["draft", "dispatched", "received", "cancelled"]


class TransferPatch(BaseModel):
    note: Optional[str] = None


class TransferAction(BaseModel):
    action: Literal["dispatch", "receive", "cancel"]
'''

STOCK_ROUTER = '''\
from fastapi import APIRouter

from app import stock_logic
from app.models import StockList

router = APIRouter(prefix="/stock", tags=["stock"])


@router.get("", response_model=StockList)
def list_stock(store_id: str | None = None) -> StockList:
    items = stock_logic.load_items(store_id)
    return StockList(items=items, total=stock_logic.total_quantity(items))
'''

TRANSFERS_ROUTER = '''\
from fastapi import APIRouter, Header

from app import transfer_logic
from app.models import Transfer, TransferAction, TransferPatch

router = APIRouter(prefix="/transfers", tags=["transfers"])


@router.get("/{transfer_id}", response_model=Transfer)
def get_transfer(transfer_id: str) -> Transfer:
    return transfer_logic.get(transfer_id)


@router.patch("/{transfer_id}", response_model=Transfer)
def edit_transfer(transfer_id: str, body: TransferPatch) -> Transfer:
    transfer = transfer_logic.get(transfer_id)
    transfer.note = body.note
    return transfer


@router.post("/{transfer_id}/actions", response_model=Transfer)
def transfer_action(transfer_id: str, body: TransferAction,
                    idempotency_key: str = Header(..., alias="Idempotency-Key")) -> Transfer:
    return transfer_logic.apply_action(transfer_id, body.action, idempotency_key)
'''

STOCK_LOGIC = '''\
"""Stock arithmetic (pure, so the smoke suite runs without a web server)."""


def load_items(store_id=None):
    items = [
        {"sku": "SKU-1", "store_id": "S1", "quantity": 5, "reserved": 1},
        {"sku": "SKU-2", "store_id": "S1", "quantity": 3, "reserved": 0},
        {"sku": "SKU-3", "store_id": "S2", "quantity": 7, "reserved": 2},
    ]
    return [i for i in items if store_id is None or i["store_id"] == store_id]


def total_quantity(items):
    # BUG (ARIS-77): reserved units are counted twice in the totals
    return sum(i["quantity"] + i["reserved"] for i in items)
'''

STOCK_LOGIC_FIXED = STOCK_LOGIC.replace(
    '    # BUG (ARIS-77): reserved units are counted twice in the totals\n'
    '    return sum(i["quantity"] + i["reserved"] for i in items)\n',
    '    return sum(i["quantity"] for i in items)\n')

TRANSFER_LOGIC = '''\
"""Transfer state machine: every transition goes through apply_action (POST .../actions)."""
_SEEN_KEYS = {}
_TRANSITIONS = {"dispatch": ("draft", "dispatched"), "receive": ("dispatched", "received"),
                "cancel": ("draft", "cancelled")}


def get(transfer_id):
    return {"id": transfer_id, "sku": "SKU-1", "quantity": 1, "status": "draft"}


def apply_action(transfer_id, action, idempotency_key):
    if not idempotency_key:
        raise ValueError("Idempotency-Key is required")
    if idempotency_key in _SEEN_KEYS:
        return _SEEN_KEYS[idempotency_key]
    transfer = get(transfer_id)
    before, after = _TRANSITIONS[action]
    if transfer["status"] != before:
        raise ValueError(f"cannot {action} a {transfer['status']} transfer")
    transfer["status"] = after
    _SEEN_KEYS[idempotency_key] = transfer
    return transfer
'''

MIGRATION_1 = '''\
"""create stock and transfers

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.create_table(
        "stock",
        sa.Column("sku", sa.String(32), primary_key=True),
        sa.Column("store_id", sa.String(16), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
    )
    op.create_table(
        "transfers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
    )


def downgrade():
    op.drop_table("transfers")
    op.drop_table("stock")
'''

MIGRATION_2 = '''\
"""add reserved to stock

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    op.add_column("stock", sa.Column("reserved", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    op.drop_column("stock", "reserved")
'''

BAD_MIGRATION = '''\
"""drop reserved, recompute totals

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade():
    op.execute("UPDATE stock SET quantity = quantity - reserved")
    op.drop_column("stock", "reserved")


def downgrade():
    pass
'''

SMOKE_TEST = '''\
"""Post-go-live stability smoke suite (runs with pytest, or directly with python)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from app import stock_logic, transfer_logic  # noqa: E402


def test_stock_totals_match_quantities():
    items = stock_logic.load_items()
    assert stock_logic.total_quantity(items) == sum(i["quantity"] for i in items)


def test_transfer_actions_are_idempotent():
    first = transfer_logic.apply_action("T1", "dispatch", "key-1")
    again = transfer_logic.apply_action("T1", "dispatch", "key-1")
    assert first is again and first["status"] == "dispatched"


if __name__ == "__main__":
    failures = 0
    for name, fn in sorted(globals().items()):
        if name.startswith("test_") and callable(fn):
            try:
                fn()
                print(f"PASS {name}")
            except AssertionError as e:
                failures += 1
                print(f"FAIL {name}: {e!r}")
    print(f"{2 - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)
'''

INTEGRITY = '''\
"""Post-go-live integrity check: stock totals and transfer states are consistent."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app import stock_logic  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--strict", action="store_true")
args = parser.parse_args()
items = stock_logic.load_items()
total = stock_logic.total_quantity(items)
expected = sum(i["quantity"] for i in items)
print(f"stock total {total}, sum of quantities {expected}")
if total != expected:
    print("INTEGRITY FAILURE: stock totals drift")
    sys.exit(1 if args.strict else 0)
print("integrity OK" + (" (strict)" if args.strict else ""))
'''

REGRESSION_STOCK = '''\
"""Stock regression subset."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from app import stock_logic  # noqa: E402

assert stock_logic.total_quantity(stock_logic.load_items("S1")) == 8
assert stock_logic.total_quantity(stock_logic.load_items("S2")) == 7
print("stock regression: 2 passed, 0 failed")
'''

ROLLBACK = '''\
"""Roll the service back to a release tag (--dry-run prints what would happen)."""
import argparse

parser = argparse.ArgumentParser()
parser.add_argument("--to", required=True)
parser.add_argument("--dry-run", action="store_true")
args = parser.parse_args()
print(("DRY RUN: would deploy " if args.dry_run else "deploying ") + args.to)
'''


def openapi_spec(reserved: bool = True) -> str:
    stock_properties: dict[str, dict[str, object]] = {
        'sku': {'type': 'string', 'maxLength': 32},
        'store_id': {'type': 'string'},
        'quantity': {'type': 'integer'},
    }
    if reserved:
        stock_properties['reserved'] = {'type': 'integer'}
    stock_item = {
        'type': 'object',
        'required': ['sku', 'store_id', 'quantity'] + (['reserved'] if reserved else []),
        'properties': stock_properties,
    }
    transfer = {
        'type': 'object', 'required': ['id', 'sku', 'quantity', 'status'],
        'properties': {
            'id': {'type': 'string'}, 'sku': {'type': 'string'},
            'quantity': {'type': 'integer'},
            'status': {'type': 'string',
                       'enum': ['draft', 'dispatched', 'received', 'cancelled']},
        },
    }
    ok = {'description': 'OK'}
    spec = {
        'openapi': '3.1.0',
        'info': {'title': 'ARIS3', 'version': '0.1.0-rc.3'},
        'paths': {
            '/aris3/stock': {'get': {
                'operationId': 'list_stock',
                'parameters': [{'name': 'store_id', 'in': 'query', 'required': False,
                                'schema': {'anyOf': [{'type': 'string'}, {'type': 'null'}]}}],
                'responses': {'200': {**ok, 'content': {'application/json': {'schema': {
                    'type': 'object', 'required': ['items', 'total'],
                    'properties': {'items': {'type': 'array',
                                             'items': {'$ref': '#/components/schemas/StockItem'}},
                                   'total': {'type': 'integer'}}}}}}},
            }},
            '/aris3/transfers/{transfer_id}': {
                'get': {'operationId': 'get_transfer',
                        'parameters': [{'name': 'transfer_id', 'in': 'path', 'required': True,
                                        'schema': {'type': 'string'}}],
                        'responses': {'200': {**ok, 'content': {'application/json': {
                            'schema': {'$ref': '#/components/schemas/Transfer'}}}}}},
                'patch': {'operationId': 'edit_transfer',
                          'parameters': [{'name': 'transfer_id', 'in': 'path', 'required': True,
                                          'schema': {'type': 'string'}}],
                          'requestBody': {'required': True, 'content': {'application/json': {
                              'schema': {'type': 'object', 'properties': {
                                  'note': {'anyOf': [{'type': 'string'}, {'type': 'null'}]}}}}}},
                          'responses': {'200': {**ok, 'content': {'application/json': {
                              'schema': {'$ref': '#/components/schemas/Transfer'}}}}}},
            },
            '/aris3/transfers/{transfer_id}/actions': {'post': {
                'operationId': 'transfer_action',
                'parameters': [
                    {'name': 'transfer_id', 'in': 'path', 'required': True,
                     'schema': {'type': 'string'}},
                    {'name': 'Idempotency-Key', 'in': 'header', 'required': True,
                     'schema': {'type': 'string'}}],
                'requestBody': {'required': True, 'content': {'application/json': {'schema': {
                    'type': 'object', 'required': ['action'], 'properties': {
                        'action': {'type': 'string',
                                   'enum': ['dispatch', 'receive', 'cancel']}}}}}},
                'responses': {'200': {**ok, 'content': {'application/json': {
                    'schema': {'$ref': '#/components/schemas/Transfer'}}}}}},
            },
        },
        'components': {'schemas': {'StockItem': stock_item, 'Transfer': transfer}},
    }
    return json.dumps(spec, indent=2) + '\n'


def base_files() -> dict[str, str]:
    return {
        'app/__init__.py': '',
        'app/main.py': MAIN_PY,
        'app/models.py': MODELS_PY,
        'app/routers/__init__.py': '',
        'app/routers/stock.py': STOCK_ROUTER,
        'app/routers/transfers.py': TRANSFERS_ROUTER,
        'app/stock_logic.py': STOCK_LOGIC,
        'app/transfer_logic.py': TRANSFER_LOGIC,
        'openapi.json': openapi_spec(),
        'migrations/versions/0001_create_stock.py': MIGRATION_1,
        'migrations/versions/0002_add_reserved.py': MIGRATION_2,
        'tests/smoke/test_post_go_live_stability.py': SMOKE_TEST,
        'tests/regression/test_stock_regression.py': REGRESSION_STOCK,
        'scripts/post_go_live_integrity_check.py': INTEGRITY,
        'scripts/rollback.py': ROLLBACK,
    }


# The rushed first version of the hotfix: it "fixes" totals by dropping the reserved column
# with a one-way migration, removes the field from the API (contract break) and adds a quick
# cancel endpoint that flips the status outside the /actions flow.
BAD_TRANSFERS_ROUTER = TRANSFERS_ROUTER + '''

@router.post("/{transfer_id}/cancel", response_model=Transfer)
def cancel_transfer(transfer_id: str) -> Transfer:
    transfer = transfer_logic.get(transfer_id)
    transfer["status"] = "cancelled"
    return transfer
'''

BAD_MODELS = MODELS_PY.replace('    quantity: int\n    reserved: int = 0\n', '    quantity: int\n')


def bad_edit() -> dict[str, str]:
    return {
        'app/stock_logic.py': STOCK_LOGIC_FIXED,
        'app/models.py': BAD_MODELS,
        'app/routers/transfers.py': BAD_TRANSFERS_ROUTER,
        'openapi.json': openapi_spec(reserved=False),
        'migrations/versions/0003_drop_reserved.py': BAD_MIGRATION,
    }


def good_edit() -> dict[str, str | None]:
    """The minimal fix: one line of arithmetic; everything else as released."""
    return {
        'app/stock_logic.py': STOCK_LOGIC_FIXED,
        'app/models.py': MODELS_PY,
        'app/routers/transfers.py': TRANSFERS_ROUTER,
        'openapi.json': openapi_spec(),
        'migrations/versions/0003_drop_reserved.py': None,
    }
