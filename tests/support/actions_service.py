"""A small FastAPI-style service (routers, a service module, an idempotency middleware, a
Flask blueprint) used as the base of the actions-guard tests. ``edit(path, old, new)``
derives a head version with one textual edit."""
from __future__ import annotations

MAIN = '''\
from fastapi import FastAPI

from app.middleware import IdempotencyMiddleware
from app.routers import cash
from app.routers import orders

app = FastAPI()
app.add_middleware(IdempotencyMiddleware)
app.include_router(orders.router)
app.include_router(cash.router)
'''

MIDDLEWARE = '''\
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import JSONResponse

HEADER = "Idempotency-Key"
GUARDED_METHODS = ("POST", "PUT", "PATCH")
GUARDED_PREFIXES = ("/cash", "/transfers")


class IdempotencyMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        if request.method in GUARDED_METHODS and request.url.path.startswith(GUARDED_PREFIXES):
            key = request.headers.get(HEADER)
            if not key:
                return JSONResponse({"detail": "Idempotency-Key required"}, status_code=400)
        return await call_next(request)
'''

DEPS = '''\
import logging

from fastapi import Header, HTTPException

log = logging.getLogger(__name__)


def require_idempotency_key(idempotency_key: str = Header(..., alias="Idempotency-Key")) -> str:
    if not idempotency_key.strip():
        raise HTTPException(status_code=400, detail="Idempotency-Key required")
    return idempotency_key
'''

SERVICE = '''\
from app.models import Order


def load(db, order_id):
    return db.get(Order, order_id)


def apply_action(db, order, action):
    if action == "cancel":
        _set_state(order, "cancelled")
    db.commit()


def _set_state(order, value):
    order.status = value


def edit(db, order, data):
    order.note = data["note"]
    db.commit()
'''

ORDERS = '''\
from fastapi import APIRouter, Depends, Header

from app.services import orders as svc

router = APIRouter(prefix="/orders", tags=["orders"])


@router.get("/{order_id}")
def get_order(order_id: int):
    return svc.load(None, order_id)


@router.post("/{order_id}/actions")
def order_action(order_id: int, body: dict,
                 idempotency_key: str = Header(..., alias="Idempotency-Key")):
    order = svc.load(None, order_id)
    svc.apply_action(None, order, body["action"])
    return order


@router.patch("/{order_id}")
def edit_order(order_id: int, body: dict):
    order = svc.load(None, order_id)
    svc.edit(None, order, body)
    return order
'''

CASH = '''\
from fastapi import APIRouter

router = APIRouter(prefix="/cash")


def session_action(session_id: int, body: dict):
    return {"ok": True}


router.add_api_route("/sessions/{session_id}/actions", session_action, methods=["POST"])
'''

LEGACY = '''\
from flask import Blueprint, request

bp = Blueprint("legacy", __name__, url_prefix="/legacy")


@bp.route("/transfers/<int:tid>", methods=["PATCH"])
def edit_transfer(tid):
    transfer = load_transfer(tid)
    transfer.note = request.json["note"]
    return {"ok": True}


def load_transfer(tid):
    return None
'''

SERVICE_FILES = {
    'app/__init__.py': '',
    'app/main.py': MAIN,
    'app/middleware.py': MIDDLEWARE,
    'app/deps.py': DEPS,
    'app/models.py': 'class Order:\n    status = "open"\n',
    'app/services/__init__.py': '',
    'app/services/orders.py': SERVICE,
    'app/routers/__init__.py': '',
    'app/routers/orders.py': ORDERS,
    'app/routers/cash.py': CASH,
    'app/web/__init__.py': '',
    'app/web/legacy.py': LEGACY,
}


def edit(path: str, old: str, new: str, files: dict[str, str] | None = None) -> dict[str, str]:
    """A copy of ``files`` (default: the service) with ``old`` replaced by ``new`` in ``path``."""
    out = dict(files or SERVICE_FILES)
    assert old in out[path], f'{old!r} not in {path}'
    out[path] = out[path].replace(old, new, 1)
    return out


# One router with an actions route (the base of the bad-input cases).
ROUTES_BASE = '''from fastapi import APIRouter
router = APIRouter()


@router.post('/orders/{oid}/actions')
def order_action(oid: int, idempotency_key: str):
    return {}
'''


# the service with a response model on GET /orders/{order_id} (app/schemas.py): the
# route-code contract has a schema to cache and compare
SCHEMAS = '''\
from typing import Optional

from pydantic import BaseModel


class OrderOut(BaseModel):
    id: int
    status: str
    note: Optional[str] = None
'''

ORDERS_WITH_MODEL = ORDERS.replace(
    'from app.services import orders as svc\n',
    'from app.schemas import OrderOut\nfrom app.services import orders as svc\n').replace(
    '@router.get("/{order_id}")\n', '@router.get("/{order_id}", response_model=OrderOut)\n')
