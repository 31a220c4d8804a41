"""Large modules read a piece at a time by the ``/actions`` guard (``Index.read_piecewise``):
with the size threshold forced to 0, every module whose statements all count as changed
(an added file, ``all_violations``) is read that way, and every case of the guard's tests
must give the same findings, at the same lines, as a whole read."""
from __future__ import annotations

import inspect
from collections.abc import Callable

import pytest

from hotfix_hooks.actions import index as index_mod
from hotfix_hooks.actions.index import Index
from hotfix_hooks.changeset import MemorySnapshot
from tests.actions import test_guard
from tests.actions import test_shapes

CASES: list[tuple[str, Callable[[], None]]] = [
    (f'{mod.__name__.rsplit(".", 1)[-1]}::{name}', fn)
    for mod in (test_guard, test_shapes)
    for name, fn in inspect.getmembers(mod, inspect.isfunction)
    if name.startswith('test_') and not inspect.signature(fn).parameters]


@pytest.mark.parametrize('lines', [1, 2000])
@pytest.mark.parametrize('case', [fn for _, fn in CASES], ids=[n for n, _ in CASES])
def test_every_guard_case_holds_when_read_a_piece_at_a_time(
        case: Callable[[], None], lines: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_mod, 'PIECEWISE_MIN_BYTES', 0)
    monkeypatch.setattr(index_mod, 'PIECE_LINES', lines)      # batches of one function too
    case()


ROUTER = '''\
from fastapi import APIRouter, Depends

from app.deps import get_db

router = APIRouter(prefix="/orders")


def _load(db, order_id):
    return db.get(order_id)


@router.post("/{order_id}/cancel")
def cancel(order_id: int, db=Depends(get_db)):
    order = _load(db, order_id)
    order.status = "cancelled"
    return order


def make_router():
    extra = APIRouter(prefix="/extra")
    return extra


@app.middleware("http")
async def keys(request, call_next):
    return await call_next(request)
'''


def test_a_piecewise_module_keeps_only_its_skeleton(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_mod, 'PIECEWISE_MIN_BYTES', 0)
    index = Index(MemorySnapshot({'app/routers/orders.py': ROUTER}), {}, ['idempotency'])
    assert index.read_piecewise('app/routers/orders.py')
    mod = index.module('app/routers/orders.py')
    assert mod is not None
    # functions that assign a router or mention middleware stay; handlers and helpers are
    # parsed again when asked for
    assert set(mod.functions) == {'make_router', 'keys'}
    assert {'_load', 'cancel'} <= set(mod.lazy)
    assert {'router', '_load', 'cancel', 'make_router', 'keys', 'APIRouter',
            'get_db'} <= index.piecewise['app/routers/orders.py']
    [batch] = list(index.pieces('app/routers/orders.py'))
    assert [getattr(s, 'name', '') for s in batch] == ['_load', 'cancel']
    assert batch[1].lineno == 13                      # the file's line numbers


def test_a_small_module_is_read_whole() -> None:
    index = Index(MemorySnapshot({'app/routers/orders.py': ROUTER}), {}, ['idempotency'])
    assert not index.read_piecewise('app/routers/orders.py')


GLOBS = ['tests/**', 'test/**', '**/tests/**', 'test_*.py', '*_test.py', 'conftest.py',
         'app/**/legacy_*.py', '**/gen/**', 'a.b/**', 'x?.py', '[ab]*.py', '**/*.pyi']
PATHS = ['tests/a.py', 'tests/', 'testsx/a.py', 'src/tests/a.py', 'src/tests2/a.py',
         'test_a.py', 'pkg/test_a.py', 'test_.py', 'test.py', 'pkg/test_/a.py', 'a_test.py',
         '_test.py', 'pkg/conftest.py', 'conftest.py.bak', 'app/x/legacy_a.py',
         'app/legacy_a.py', 'gen/a.py', 'x/gen/a.py', 'a.b/c.py', 'aXb/c.py', 'x1.py',
         'b2.py', 'c.pyi', 'tests/a\nb.py', 'src\n/tests/a.py', 'pkg/te\nst_a.py', '']


def test_the_scan_matches_globs_as_matches_any_does() -> None:
    from hotfix_hooks.changeset import GlobSet
    from hotfix_hooks.changeset import matches_any

    for n in range(len(GLOBS) + 1):
        globs = GLOBS[:n] if n % 2 else GLOBS[n:]
        matcher = GlobSet(globs)
        for path in PATHS:
            assert matcher.match(path) == matches_any(path, globs), (globs, path)
