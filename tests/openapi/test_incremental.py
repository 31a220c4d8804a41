"""The route-code contract one module at a time (``fromcode._build_by_module``), on real
repositories and commits: each route module's mounts and operations are kept in the
analysis cache with the files and imports they read, and re-derived only when one of them
changed. A cached, a cold and an uncached run find exactly the same (lines included); an
edited handler re-derives its module, an edited model the modules that read it, and a
branch that changes what a module imports (never the module itself) never gets the base's
result for it."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from hotfix_hooks import cache as cache_mod
from hotfix_hooks.git import plumbing
from hotfix_hooks.openapi import fromcode
from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo

MAIN = '''\
from fastapi import FastAPI

from app.routers import items, orders, users

app = FastAPI()
app.include_router(items.router, prefix="/api")
app.include_router(orders.router, prefix="/api")
app.include_router(users.router, prefix="/api")
'''

COMMON = '''\
from typing import Optional

from pydantic import BaseModel


class Audit(BaseModel):
    created_by: str
    note: Optional[str] = None
'''

ITEMS = '''\
from fastapi import APIRouter
from pydantic import BaseModel

from app.models.common import Audit

router = APIRouter(prefix="/items")


class ItemOut(BaseModel):
    id: int
    name: str
    audit: Audit


@router.get("/{item_id}", response_model=ItemOut)
def get_item(item_id: int):
    item = load(item_id)
    return item


@router.post("/", response_model=ItemOut, status_code=201)
def create_item(name: str):
    return make(name)
'''

ORDERS = '''\
from fastapi import APIRouter
from pydantic import BaseModel

from app.models.common import Audit

router = APIRouter(prefix="/orders")


class OrderOut(BaseModel):
    id: int
    total: int
    audit: Audit


@router.get("/{order_id}", response_model=OrderOut)
def get_order(order_id: int):
    return find(order_id)
'''

USERS = '''\
from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter(prefix="/users")


class UserOut(BaseModel):
    id: int
    email: str


@router.get("/{user_id}", response_model=UserOut)
def get_user(user_id: int):
    return fetch(user_id)
'''

FILES: dict[str, str | bytes | None] = {
    'app/__init__.py': '', 'app/main.py': MAIN, 'app/models/__init__.py': '',
    'app/models/common.py': COMMON, 'app/routers/__init__.py': '',
    'app/routers/items.py': ITEMS, 'app/routers/orders.py': ORDERS,
    'app/routers/users.py': USERS}


def _scan(repo: GitRepo, *extra: str, base: str = 'main',
          env: dict[str, str] | None = None) -> tuple[list[Any], list[Any]]:
    """The findings of ``scan --only contract`` and the module results it derived."""
    fromcode.DERIVED.clear()
    res = run_cli(repo, 'scan', '--only', 'contract', '--from-ref', base, '--to-ref', 'HEAD',
                  '--format', 'json', *extra, env=env)
    assert res.returncode in (0, 1), res.stdout + res.stderr
    return json.loads(res.stdout)['findings'], sorted(set(fromcode.DERIVED))


def _cache_root(repo: GitRepo) -> str:
    return cache_mod.cache_dir(plumbing.common_dir(str(repo.path)))


@pytest.fixture
def service(repo: GitRepo) -> GitRepo:
    repo.commit('service', files=dict(FILES))
    repo.checkout('hotfix/ARIS-16-modules', create=True)
    return repo


def _warm(repo: GitRepo) -> None:
    """A first commit on the branch, scanned: both sides' modules are in the cache."""
    repo.commit('first', files={'app/routers/orders.py': ORDERS.replace(
        '    return find(order_id)\n', '    found = find(order_id)\n    return found\n')})
    _, derived = _scan(repo)
    assert derived


def _rules(found: list[Any]) -> set[tuple[str, str | None, int | None]]:
    return {(f['rule'], f['path'], f['line']) for f in found
            if f['rule'] != 'api-code-coverage'}


def test_cached_cold_and_uncached_runs_find_the_same(service: GitRepo) -> None:
    service.commit('fix', files={'app/models/common.py': COMMON.replace(
        '    note: Optional[str] = None\n', ''), 'app/routers/users.py': USERS.replace(
        '    email: str\n', '    email: str\n    name: str\n')})
    uncached, derived = _scan(service, '--no-cache')
    assert derived == []                        # no cache: one shared builder per side
    assert ('response-property-removed', 'app/models/common.py', 8) in _rules(uncached)
    cold, derived = _scan(service)
    assert derived                               # every route module, once per content
    warm, derived = _scan(service)
    assert derived == []
    assert uncached == cold == warm              # lines and messages included
    assert _scan(service, env={'HOTFIX_HOOKS_CACHE': '0'}) == (uncached, [])


def test_a_handler_edit_re_derives_only_its_module(service: GitRepo) -> None:
    _warm(service)                               # the base's modules are in the cache
    service.commit('handler', files={'app/routers/items.py': ITEMS.replace(
        '    item = load(item_id)\n    return item\n',
        '    item = load(item_id)\n    item.name = item.name.strip()\n    return item\n')})
    found, derived = _scan(service)
    assert derived == [('mounts', 'app/routers/items.py'),
                       ('operations', 'app/routers/items.py')]
    assert found == _scan(service, '--no-cache')[0]


def test_a_shared_model_edit_re_derives_exactly_the_modules_that_read_it(
        service: GitRepo) -> None:
    _warm(service)
    service.commit('model', files={'app/models/common.py': COMMON.replace(
        '    note: Optional[str] = None\n', '    note: Optional[str] = None\n'
        '    reason: Optional[str] = None\n')})
    found, derived = _scan(service)
    # users.py does not import the model; no module's mounts read it
    assert derived == [('operations', 'app/routers/items.py'),
                       ('operations', 'app/routers/orders.py')]
    assert found == _scan(service, '--no-cache')[0]


def test_a_cold_run_writes_one_entry_per_module_of_the_head_in_one_batch(
        service: GitRepo) -> None:
    """Both sides built from nothing: the head's module results are written (a module's
    mounts and operations in one entry), the base's that the range made stale are not;
    the next commit on this head re-derives only what it edits."""
    service.commit('model', files={'app/models/common.py': COMMON.replace(
        '    note: Optional[str] = None\n', '    note: Optional[str] = None\n'
        '    reason: Optional[str] = None\n')})
    cold, derived = _scan(service)
    assert ('operations', 'app/routers/items.py') in derived
    assert cold == _scan(service, '--no-cache')[0]
    modules: dict[bytes, int] = {}
    for path, _st in cache_mod.entries(_cache_root(service)):
        kind = Path(path).read_bytes().split(b'\n', 1)[0].split()[1]
        modules[kind] = modules.get(kind, 0) + 1
    head_modules = {path for _kind, path in derived}
    assert modules[b'contract.module'] == len(head_modules)
    service.commit('handler', files={'app/routers/items.py': ITEMS.replace(
        '    item = load(item_id)\n    return item\n',
        '    item = load(item_id)\n    item.name = item.name.strip()\n    return item\n')})
    found, derived = _scan(service, base='HEAD~1')
    assert derived == [('mounts', 'app/routers/items.py'),
                       ('operations', 'app/routers/items.py')]
    assert found == _scan(service, '--no-cache', base='HEAD~1')[0]


def test_a_branch_editing_an_imported_model_never_gets_the_base_result(
        service: GitRepo) -> None:
    """The route module is the same blob on both sides; what it imports is not."""
    _warm(service)
    base_found, _ = _scan(service)
    service.commit('narrower', files={'app/models/common.py': COMMON.replace(
        '    created_by: str\n', '')})
    found, derived = _scan(service)
    assert ('operations', 'app/routers/items.py') in derived
    assert ('operations', 'app/routers/orders.py') in derived
    removed = [f for f in found if f['rule'] == 'response-property-removed']
    assert removed and removed[0]['path'] == 'app/models/common.py', found
    assert found == _scan(service, '--no-cache')[0] != base_found


def test_a_module_added_where_an_import_pointed_re_derives_its_importer(
        service: GitRepo) -> None:
    """A resolution is part of what a result read: ``from app.extra import Extra`` finds
    nothing at the base; the branch adds ``app/extra.py`` and leaves the router alone."""
    users = USERS.replace('from pydantic import BaseModel\n',
                          'from pydantic import BaseModel\n\nfrom app.extra import Extra\n'
                          ).replace('    email: str\n', '    email: str\n    extra: Extra\n')
    service.commit('users import', files={'app/routers/users.py': users})
    service.git('branch', '-f', 'main')
    _scan(service)
    service.commit('extra', files={'app/extra.py': 'from pydantic import BaseModel\n\n\n'
                                                   'class Extra(BaseModel):\n    x: int\n'})
    found, derived = _scan(service)
    assert ('operations', 'app/routers/users.py') in derived
    assert found == _scan(service, '--no-cache')[0]


def test_a_moved_mount_prefix_re_derives_the_mounted_module(service: GitRepo) -> None:
    _warm(service)
    service.commit('prefix', files={'app/main.py': MAIN.replace(
        'app.include_router(users.router, prefix="/api")',
        'app.include_router(users.router, prefix="/api/v2")')})
    found, derived = _scan(service)
    assert derived == [('mounts', 'app/main.py'), ('operations', 'app/routers/users.py')]
    assert any(f['rule'] == 'api-route-changed' for f in found), found
    assert found == _scan(service, '--no-cache')[0]


def test_a_corrupt_or_foreign_module_entry_is_rebuilt(service: GitRepo) -> None:
    service.commit('fix', files={'app/models/common.py': COMMON.replace(
        '    note: Optional[str] = None\n', '')})
    expected, _ = _scan(service, '--no-cache')
    _scan(service)
    root = _cache_root(service)
    for path, _st in cache_mod.entries(root):
        with open(path, 'rb') as f:
            kind = f.readline().split()[1]
        if kind in (b'contract.side', b'contract.diff'):
            os.remove(path)                      # the sides are built from the modules
        elif kind == b'contract.module':
            Path(path).write_bytes(Path(path).read_bytes()[:-9] + b'corrupted')
    found, derived = _scan(service)
    assert found == expected and derived
    # a well-formed entry of another layout (an older or foreign writer) is not trusted
    project = fromcode.Project.__new__(fromcode.Project)
    for foreign in (None, [], {'format': fromcode.MODULE_FORMAT + 1}, {'format': 'x'},
                    {'format': fromcode.MODULE_FORMAT, 'deps': 7},
                    {'format': fromcode.MODULE_FORMAT, 'deps': [], 'resolved': [],
                     'prefixes': []}):
        assert not fromcode._still_valid(project, foreign)


def test_two_modules_declaring_one_operation_keep_the_first(service: GitRepo) -> None:
    """The first module's operation wins, as with one shared builder, when the second
    module is the one edited and when the first is."""
    twin = USERS.replace('class UserOut', 'class TwinOut').replace('UserOut)', 'TwinOut)')
    main = MAIN.replace('items, orders, users', 'items, orders, twin, users').replace(
        'app.include_router(users.router, prefix="/api")',
        'app.include_router(twin.router, prefix="/api")\n'
        'app.include_router(users.router, prefix="/api")')
    service.commit('twin', files={'app/routers/twin.py': twin, 'app/main.py': main})
    service.commit('edit', files={'app/routers/twin.py': twin.replace(
        '    email: str\n', '')})
    found, _ = _scan(service, base='HEAD~1')
    assert found == _scan(service, '--no-cache', base='HEAD~1')[0]
    assert _scan(service, base='HEAD~1')[0] == found
    # the first declaration goes away: the second module's operation is the one now
    service.commit('twin drops it', files={'app/routers/twin.py': twin.replace(
        '@router.get("/{user_id}", response_model=TwinOut)',
        '@router.get("/{user_id}/twin", response_model=TwinOut)')})
    found, derived = _scan(service, base='HEAD~1')
    assert ('operations', 'app/routers/users.py') in derived
    assert found == _scan(service, '--no-cache', base='HEAD~1')[0]


PAGE = '''\
from typing import Generic, List, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: List[T]
    total: int
'''


def test_a_generic_of_a_class_two_modules_define_is_two_components(
        repo: GitRepo) -> None:
    """``Page[Card]`` names the local ``Card`` of each module: two components (the second
    keyed by the module of its ``Card``), in one shared builder and in a side joined from
    per-module results alike, whichever module changed; a change to one ``Card`` is
    reported on its own module's operation."""
    first = USERS.replace('class UserOut(BaseModel):\n    id: int\n    email: str\n',
                          'class Card(BaseModel):\n    number: str\n').replace(
        'from pydantic import BaseModel\n',
        'from pydantic import BaseModel\n\nfrom app.page import Page\n').replace(
        'response_model=UserOut', 'response_model=Page[Card]')
    second = first.replace('prefix="/users"', 'prefix="/wallets"').replace(
        'number: str', 'iban: str')
    main = MAIN.replace('items, orders, users', 'items, orders, users, wallets').replace(
        'app.include_router(users.router, prefix="/api")',
        'app.include_router(users.router, prefix="/api")\n'
        'app.include_router(wallets.router, prefix="/api")')
    repo.commit('service', files={**FILES, 'app/page.py': PAGE, 'app/main.py': main,
                                  'app/routers/users.py': USERS,
                                  'app/routers/wallets.py': second})
    repo.checkout('hotfix/ARIS-16-pages', create=True)
    _warm(repo)
    for message, path, text, removed in (
            # the first module starts using the name the second one built
            ('first uses it', 'app/routers/users.py', first, {'app/routers/users.py'}),
            ('second', 'app/routers/wallets.py', second.replace('iban: str', 'bic: str'),
             {'app/routers/users.py', 'app/routers/wallets.py'}),
            ('first', 'app/routers/users.py', first.replace('number: str', 'pan: str'),
             {'app/routers/users.py', 'app/routers/wallets.py'}),
            ('page', 'app/page.py', PAGE.replace('    total: int\n', ''),
             {'app/routers/users.py', 'app/routers/wallets.py', 'app/page.py'})):
        repo.commit(message, files={path: text})
        found, derived = _scan(repo)
        assert derived, message
        assert found == _scan(repo, '--no-cache')[0], message
        assert _scan(repo) == (found, []), message
        assert {f['path'] for f in found if f['rule'] == 'response-property-removed'
                } == removed, (message, found)


def test_line_numbers_of_a_large_module_read_in_pieces_are_unchanged(
        service: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fromcode, 'PIECEWISE_MIN_BYTES', 0)
    monkeypatch.setattr(fromcode, '_BATCH_LINES', 7)
    service.commit('fix', files={'app/routers/items.py': ITEMS.replace(
        '    name: str\n', '')})
    uncached, _ = _scan(service, '--no-cache')
    cold, derived = _scan(service)
    assert derived and cold == uncached == _scan(service)[0]
    assert ('response-property-removed', 'app/routers/items.py', 11) in _rules(cold)
