from __future__ import annotations

import ast

import pytest

from hotfix_hooks.actions.routes import find_routes
from hotfix_hooks.actions.routes import module_routers
from hotfix_hooks.actions.routes import normalize_path


def routes(src: str) -> list[tuple[str, str | None, str]]:
    return [(r.method, r.path, r.function) for r in find_routes(src, 'app/x.py')]


def test_fastapi_router_prefix_and_verbs() -> None:
    src = '''
from fastapi import APIRouter, Depends

router = APIRouter(prefix="/orders", tags=["orders"])

@router.get("")
def list_orders(): ...

@router.post("/{order_id}/actions", status_code=202)
async def order_action(order_id: int): ...

@router.patch("/{order_id}")
def edit_order(order_id: int): ...

@router.delete("/{order_id}")
def delete_order(order_id: int): ...
'''
    assert routes(src) == [
        ('GET', '/orders', 'list_orders'),
        ('POST', '/orders/{order_id}/actions', 'order_action'),
        ('PATCH', '/orders/{order_id}', 'edit_order'),
        ('DELETE', '/orders/{order_id}', 'delete_order'),
    ]
    r = find_routes(src, 'app/x.py')[1]
    assert r.line == 9 and r.framework == 'fastapi' and r.router == 'router'
    assert isinstance(r.node, ast.AsyncFunctionDef) and r.node.name == 'order_action'
    assert r.call is not None and ast.unparse(r.call).startswith('router.post(')
    assert r.unresolved is None and r.raw_path == "'/{order_id}/actions'"


def test_api_route_methods_and_add_api_route() -> None:
    src = '''
from fastapi import FastAPI, APIRouter
app = FastAPI()
router = APIRouter(prefix="/cash")

@app.api_route("/ping", methods=["GET", "POST"])
def ping(): ...

def close_session(session_id: int): ...

router.add_api_route("/sessions/{session_id}/close", close_session, methods=["POST"])
router.add_api_route("/sessions", endpoint=views.list_sessions)
'''
    assert routes(src) == [
        ('GET', '/ping', 'ping'), ('POST', '/ping', 'ping'),
        ('POST', '/cash/sessions/{session_id}/close', 'close_session'),
        ('GET', '/cash/sessions', ''),
    ]
    got = find_routes(src, 'app/x.py')
    assert got[2].line == 11 and got[2].node is not None
    assert got[3].node is None


def test_path_from_constants_fstrings_and_concatenation() -> None:
    src = '''
from fastapi import APIRouter
API = "/aris3"
STOCK = f"{API}/stock"
class Paths:
    TRANSFERS = API + "/transfers"
router = APIRouter(prefix=API)

@router.post(STOCK + "/{id}/receive")
def receive(id: int): ...

@router.post(f"{Paths.TRANSFERS}/{{id}}/actions")
def transfer_action(id: int): ...
'''
    assert routes(src) == [
        ('POST', '/aris3/aris3/stock/{id}/receive', 'receive'),
        ('POST', '/aris3/aris3/transfers/{id}/actions', 'transfer_action'),
    ]


def test_unresolvable_path_and_methods_are_kept_with_reason() -> None:
    src = '''
from fastapi import APIRouter
from app.settings import settings
router = APIRouter(prefix=settings.PREFIX)
other = APIRouter()

@router.post("/x")
def a(): ...

@other.post(settings.PATH)
def b(): ...

@other.api_route("/y", methods=METHODS_FROM_ELSEWHERE)
def c(): ...
'''
    got = find_routes(src, 'app/x.py')
    assert [(r.method, r.path, r.raw_path) for r in got] == [
        ('POST', None, "'/x'"), ('POST', None, 'settings.PATH'), ('?', '/y', "'/y'")]
    assert 'settings.PREFIX' in (got[0].unresolved or '')
    assert 'settings.PATH' in (got[1].unresolved or '')
    assert 'METHODS_FROM_ELSEWHERE' in (got[2].unresolved or '')


def test_flask_blueprint_route_defaults_to_get() -> None:
    src = '''
from flask import Blueprint, Flask
bp = Blueprint("orders", __name__, url_prefix="/orders/")
app = Flask(__name__)

@bp.route("/<int:order_id>/cancel", methods=["POST"])
def cancel(order_id): ...

@bp.route("/")
def index(): ...

@app.post("/health")
def health(): ...

def legacy(): ...
app.add_url_rule("/legacy", "legacy", legacy, methods=("PUT",))
'''
    assert routes(src) == [
        ('POST', '/orders/<int:order_id>/cancel', 'cancel'),
        ('GET', '/orders/', 'index'),
        ('POST', '/health', 'health'),
        ('PUT', '/legacy', 'legacy'),
    ]
    assert {r.framework for r in find_routes(src, 'a.py')} == {'flask'}


def test_flask_app_factory_and_imported_router() -> None:
    src = '''
from flask import Flask
from .app import api_router

def create_app():
    app = Flask(__name__)

    @app.route("/items", methods=["POST", "DELETE"])
    def items(): ...
    return app

@api_router.put("/things/{id}")
def put_thing(id): ...
'''
    assert routes(src) == [('POST', '/items', 'items'), ('DELETE', '/items', 'items'),
                           ('PUT', '/things/{id}', 'put_thing')]


def test_not_routes_mock_patch_and_non_web_modules() -> None:
    src = '''
from unittest import mock
from fastapi import APIRouter

@mock.patch("app.services.orders.cancel")
def test_x(m): ...

@cache.get("key")
def cached(): ...

@cache.get(KEY_FROM_ELSEWHERE)
def cached2(): ...
'''
    assert routes(src) == []
    assert routes('@app.post("/x")\ndef f(): ...\n') == []   # no web framework imported


def test_module_routers_and_normalize_path() -> None:
    src = '''
from fastapi import APIRouter
from flask import Blueprint
P = "/v1"
router = APIRouter(prefix=P + "/orders")
plain = APIRouter()
bp = Blueprint("b", __name__, url_prefix=conf.X)
'''
    assert module_routers(src, 'a.py') == {'router': '/v1/orders', 'plain': '',
                                           'bp': '{conf.X}'}
    assert normalize_path('/orders/{order_id}/') == normalize_path('/orders/<int:id>')
    assert normalize_path('') == '/'


def test_syntax_error_propagates() -> None:
    with pytest.raises(SyntaxError):
        find_routes('def broken(:\n', 'a.py')


def test_starlette_route_objects() -> None:
    src = '''
from starlette.applications import Starlette
from starlette.routing import Route

async def void_sale(request): ...

app = Starlette(routes=[Route("/sales/{id}/void", void_sale, methods=["POST"])])
'''
    got = find_routes(src, 'a.py')
    assert [(r.method, r.path, r.function, r.framework) for r in got] == [
        ('POST', '/sales/{id}/void', 'void_sale', 'starlette')]


def test_router_imported_under_any_name_with_a_literal_path() -> None:
    src = '''
from fastapi import Depends
from app.api import v1

@v1.post("/orders/{id}/void")
def void(id: int): ...
'''
    assert routes(src) == [('POST', '/orders/{id}/void', 'void')]
