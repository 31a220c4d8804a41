"""A large module is read a piece (top-level statement) at a time, so its whole syntax tree
is never in memory (issue 16): the pieces parse to exactly the statements a whole parse
gives, and the route-code contract built from them is the one built from the whole tree
(operations, schemas, handlers, what is unresolved, line numbers)."""
from __future__ import annotations

import ast
from typing import Any

import pytest

from hotfix_hooks.actions.delta import parsed_chunks
from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.changeset import MemorySnapshot
from hotfix_hooks.checks import relevance
from hotfix_hooks.checks.contract import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.openapi import fromcode
from hotfix_hooks.policy import from_mapping
from tests.support.contract_code import ROUTER
from tests.support.contract_code import tree

TRICKY = '''\
"""Orders router.

def not_a_function():
class NotAClass:
"""
from __future__ import annotations

import typing
from typing import Optional

from fastapi import APIRouter, Depends, FastAPI, Header
from pydantic import BaseModel

from shop.models import Item

PREFIX = "/orders"
router = APIRouter(prefix=PREFIX)
TOTAL = 1 + \\
2

if typing.TYPE_CHECKING:
    import os
else:
    os = None

try:
    import ujson
except ImportError:
    ujson = None
finally:
    pass

HELP = """a string
def with_a_column_zero_line():
@router.get("/not-a-route")
"""

LIMITS = {
"max": 10,
}


class Order(BaseModel):
    id: int
    note: Optional[str] = None


def get_db():
    yield None


@router.get("/{order_id}", response_model=Order)
@some.other_decorator
async def read_order(order_id: int, db=Depends(get_db),
                     x_trace: Optional[str] = Header(None)) -> Order:
    """Read one.
class NotAClassEither:
"""
    return Order(id=order_id)


@router.post("/", response_model=Item, status_code=201)
def create_order(body: Order):
    return body


def make_admin():
    admin = APIRouter(prefix="/admin")

    @admin.get("/stats")
    def stats() -> dict:
        return {}
    return admin


def mount(app):
    app.include_router(router, prefix="/api")


class Views:
    @router.put("/{order_id}", response_model=Order)
    def replace(self, order_id: int, body: Order):
        return body


router.add_api_route("/late", late_handler, methods=["DELETE"])
router.add_api_route(make_path(), late_handler, methods=["GET"])


def late_handler() -> None:
    return None


app = FastAPI()
app.include_router(router, prefix="/v1")

if __name__ == "__main__":
    import uvicorn
    uvicorn.run(app)
'''


def _whole(text: str) -> str:
    return ast.dump(ast.parse(text), include_attributes=True)


def _pieces(text: str) -> str:
    body = [s for _, stmts in parsed_chunks(text, 'x.py') for s in stmts]
    return ast.dump(ast.Module(body=body, type_ignores=[]), include_attributes=True)


@pytest.mark.parametrize('text', [
    TRICKY,
    TRICKY.replace('\n', '\r\n'),
    '',
    'x = 1',
    '@decorator\n\n@other\ndef f():\n    pass\n',
    'if a:\n    pass\nelif b:\n    pass\nelse:\n    pass\n',
    'while x:\n    break\nelse:\n    pass\nfor i in y:\n    pass\nelse:\n    pass\n',
    'x = (1,\n2,\n3)\ny = [\n]\n',
    "s = '''\nx = 1\n'''\nt = \"'''\"\nu = 2\n",
    'async def f():\n    pass\n\n\nclass C:\n    pass\n# a comment\n\n\n',
    'match x:\n    case 1:\n        pass\n    case _:\n        pass\n',
])
def test_pieces_parse_to_what_a_whole_parse_gives(text: str) -> None:
    assert _pieces(text) == _whole(text)


def test_a_module_that_does_not_parse_raises_at_its_line() -> None:
    broken = TRICKY.replace('def create_order(body: Order):', 'def create_order(body: Order:')
    with pytest.raises(SyntaxError) as whole:
        ast.parse(broken)
    with pytest.raises(SyntaxError) as pieces:
        _pieces(broken)
    assert pieces.value.lineno == whole.value.lineno


def test_a_piece_that_never_parses_alone_is_parsed_with_the_rest() -> None:
    # an unclosed bracket early on: merging stops after a bound and parses the rest whole
    text = 'x = [\n' + 'y = 1\n' * 7000 + ']\n'
    with pytest.raises(SyntaxError):
        _pieces(text)
    ok = 'x = (\n' + ''.join(f'a{i},\n' for i in range(7000)) + ')\n'
    assert _pieces(ok) == _whole(ok)


def test_unparseable_reads_a_large_module_a_piece_at_a_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relevance, 'PIECEWISE_MIN_BYTES', 0)
    assert not relevance.unparseable([('a.py', TRICKY.encode())])
    assert relevance.unparseable([('a.py', TRICKY.replace('(body: Order)', '(body:').encode())])


def _contract(files: dict[str, str]) -> dict[str, Any]:
    changes = ChangeSet.from_texts(base={}, head=files)
    project = fromcode.Project(changes.head, [], fromcode.ParseCache())
    got = fromcode.build(project)
    return {'doc': got.doc, 'locs': got.locs, 'handlers': got.handlers,
            'unresolved': got.unresolved, 'routes': got.routes, 'unparsed': got.unparsed}


def _piecewise(monkeypatch: pytest.MonkeyPatch, batch_lines: int = 3) -> None:
    monkeypatch.setattr(fromcode, 'PIECEWISE_MIN_BYTES', 0)
    monkeypatch.setattr(fromcode, '_BATCH_LINES', batch_lines)


@pytest.mark.parametrize('batch_lines', [1, 3, 40, 100_000])
def test_the_contract_of_a_module_read_in_pieces_is_the_whole_one(
        monkeypatch: pytest.MonkeyPatch, batch_lines: int) -> None:
    files = tree(**{'shop/routers/orders.py': TRICKY,
                    'shop/routers/items.py': ROUTER + '\n\n' + ROUTER.replace('"/{item_id}"',
                                                                            '"/{item_id}/x"')})
    whole = _contract(files)
    assert whole['doc']['paths'] and whole['unresolved']     # the case has both
    _piecewise(monkeypatch, batch_lines)
    assert _contract(files) == whole


def _contract_of(files: dict[str, bytes | str]) -> dict[str, Any]:
    project = fromcode.Project(MemorySnapshot(files), [], fromcode.ParseCache())
    got = fromcode.build(project)
    return {'doc': got.doc, 'locs': got.locs, 'handlers': got.handlers,
            'unresolved': got.unresolved, 'routes': got.routes, 'unparsed': got.unparsed}


@pytest.mark.parametrize(('source', 'parses'), [
    (TRICKY.encode(), True),
    (TRICKY.replace('-> Order:', '-> Order').encode(), False),            # a syntax error
    (TRICKY.replace('"a string', '"a string \xff').encode('latin-1'), False),  # not UTF-8
    (b'\x00' + TRICKY.encode(), False),                                  # a NUL byte
    (b'# -*- coding: latin-1 -*-\n' + TRICKY.replace(
        '"/{order_id}"', '"/\xe9t\xe9/{order_id}"').encode('latin-1'), True),  # latin-1
    (b'\xef\xbb\xbf' + TRICKY.encode(), True),                            # a BOM
])
def test_a_large_module_parses_or_not_as_a_whole_parse_says(
        monkeypatch: pytest.MonkeyPatch, source: bytes, parses: bool) -> None:
    files: dict[str, bytes | str] = dict(tree())
    files['shop/routers/orders.py'] = source
    whole = _contract_of(files)
    assert (whole['unparsed'] == []) is parses
    _piecewise(monkeypatch)
    assert _contract_of(files) == whole


def test_findings_and_their_lines_are_the_same_when_modules_are_read_in_pieces(
        monkeypatch: pytest.MonkeyPatch) -> None:
    base = tree(**{'shop/routers/orders.py': TRICKY})
    head = tree(**{'shop/routers/orders.py': TRICKY.replace(
        '    note: Optional[str] = None\n', '').replace('"/late"', '"/later"').replace(
        'def create_order(body: Order):', 'def create_order(body: Order, flag: int):')})

    def findings() -> list[tuple[Any, ...]]:
        changes = ChangeSet.from_texts(base=base, head=head)
        found = check(changes, from_mapping({}, None), RunInfo())
        return [(f.rule, f.severity, f.path, f.line, f.message, f.extra) for f in found]

    whole = findings()
    assert {r[0] for r in whole} >= {'response-property-removed', 'api-route-changed',
                                     'new-required-request-parameter', 'api-code-unresolved'}
    assert all(r[3] is not None for r in whole if r[0] != 'api-code-coverage')
    _piecewise(monkeypatch)
    assert findings() == whole
