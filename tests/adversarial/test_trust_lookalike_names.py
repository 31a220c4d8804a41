"""Adversarial: identifiers written with letters Python normalises (NFKC: fullwidth ``ｉ``
is ``i``). Python imports ``app/services/impl.py`` for ``from .ｉmpl import rename`` and
``app/services/orders.py`` for ``import app.services.ｏrders``; a branch whose only link from a
route to the changed helper is spelt that way must be read as if it were spelt in ASCII,
warm exactly as with ``--no-cache``.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from tests.actions.test_records import _scan
from tests.actions.test_records import FILES
from tests.actions.test_records import ROUTER
from tests.actions.test_records import SERVICE
from tests.actions.test_records import SERVICE_WRITES_STATE
from tests.adversarial.test_trust_cache_actions import _same_as_uncached
from tests.adversarial.test_trust_cache_actions import _warm_on
from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import HOTFIX_BRANCH
from tests.support.migration_fixtures import alembic
from tests.support.migration_fixtures import BASE
from tests.support.migration_fixtures import V

BYPASS = ['actions-bypass-patch-transition']
WIDE_I = '\uff49'        # FULLWIDTH LATIN SMALL LETTER I
WIDE_O = '\uff4f'        # FULLWIDTH LATIN SMALL LETTER O
WIDE_GLOBALS = 'ｇｌｏｂａｌｓ'  # fullwidth: Python calls globals


def test_a_fullwidth_relative_re_export_is_followed(repo: GitRepo) -> None:
    files = dict(FILES)
    files['app/services/orders.py'] = f'from .{WIDE_I}mpl import load, rename\n'
    files['app/services/impl.py'] = SERVICE
    _warm_on(repo, files)
    repo.commit('edit impl', files={'app/services/impl.py': SERVICE_WRITES_STATE})
    _same_as_uncached(repo)


def test_a_fullwidth_dotted_import_in_the_router_is_followed(repo: GitRepo) -> None:
    files = dict(FILES)
    files['app/routers/orders.py'] = ROUTER.replace(
        'from services import orders\n', f'from services import {WIDE_O}rders as orders\n')
    _warm_on(repo, files)
    repo.commit('edit', files={'app/services/orders.py': SERVICE_WRITES_STATE})
    _same_as_uncached(repo)


def test_a_fullwidth_absolute_module_path_is_followed(repo: GitRepo) -> None:
    files = dict(FILES)
    files['app/routers/orders.py'] = ROUTER.replace(
        'from services import orders\n', f'import services.{WIDE_O}rders as orders\n')
    _warm_on(repo, files)
    repo.commit('edit', files={'app/services/orders.py': SERVICE_WRITES_STATE})
    _same_as_uncached(repo)


def test_a_fullwidth_re_export_through_a_package_init_is_followed(repo: GitRepo) -> None:
    files = dict(FILES)
    files['app/routers/orders.py'] = ROUTER.replace(
        'from services import orders\n', 'import services as orders\n')
    files['app/services/__init__.py'] = f'from .{WIDE_I}mpl import load, rename\n'
    files['app/services/impl.py'] = SERVICE
    del files['app/services/orders.py']
    _warm_on(repo, files)
    repo.commit('edit impl', files={'app/services/impl.py': SERVICE_WRITES_STATE})
    _same_as_uncached(repo)


def test_a_router_spelling_every_link_in_fullwidth_is_followed(repo: GitRepo) -> None:
    """No ASCII ``orders`` left in the router, and its framework import spelt otherwise."""
    files = dict(FILES)
    files['app/routers/orders.py'] = ROUTER.replace('orders.', f'{WIDE_O}rders.').replace(
        'from services import orders\n', f'from services import {WIDE_O}rders\n').replace(
        'from fastapi import APIRouter', 'from ｆａｓｔａｐｉ import ＡＰＩRouter').replace(
        'router = APIRouter(', 'router = ＡＰＩRouter(')
    _warm_on(repo, files)
    repo.commit('edit', files={'app/services/orders.py': SERVICE_WRITES_STATE})
    _same_as_uncached(repo)


def _migration_rules(repo: GitRepo, *extra: str) -> set[str]:
    res = run_cli(repo, 'scan', '--only', 'migrations', '--from-ref', 'main', '--to-ref',
                  'HEAD', '--format', 'json', *extra)
    assert res.returncode in (0, 1), res.stdout + res.stderr
    found: list[Any] = json.loads(res.stdout)['findings']
    return {f['rule'] for f in found}


@pytest.mark.parametrize('call', [WIDE_GLOBALS + '()', 'globals ()', 'globals(\n)'])
def test_a_globals_dispatch_spelt_otherwise_in_a_migration_is_followed(
        repo: GitRepo, call: str) -> None:
    """The multidb template's ``globals()[f"upgrade_{engine}"]()``, its ``globals`` spelt
    in fullwidth letters (Python calls ``globals``) or with a space before the call: the
    table dropped in ``upgrade_engine1`` is read."""
    text = alembic(f'{call}[f"upgrade_{{engine_name}}"]()',
                   f'{call}[f"downgrade_{{engine_name}}"]()', preamble='''

def upgrade_engine1():
    op.drop_table('orders')


def downgrade_engine1():
    pass
''').replace('def upgrade() -> None:', 'def upgrade(engine_name: str) -> None:').replace(
        'def downgrade() -> None:', 'def downgrade(engine_name: str) -> None:')
    repo.commit('shipped', files=dict(BASE))
    repo.tag('v1.0.0')
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.commit('fix: multidb step', files={f'{V}/c3d4e5f6a7b8_hotfix.py': text})
    cold = _migration_rules(repo, '--no-cache')
    assert _migration_rules(repo) == cold
    assert _migration_rules(repo) == cold                    # warm
    assert {'migration-drop-table', 'migration-downgrade-incomplete'} <= cold


STARLETTE_ROUTER = '''\
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from services import orders


async def edit_order(request):
    order = orders.load(request.path_params["order_id"])
    orders.rename(order, (await request.json())["name"])
    return JSONResponse({"id": order.id})


app = Starlette(routes=[
    ROUTE("/orders/{order_id}", edit_order, methods=["PATCH"]),
])
'''


@pytest.mark.parametrize('edit', ['handler', 'service'])
@pytest.mark.parametrize('spelling', ['Route', 'Route ', 'routing.Route', 'Route  # why\n    ',
                                      'Ｒｏｕｔｅ'])
def test_a_starlette_route_spelt_otherwise_is_read(repo: GitRepo, spelling: str,
                                                   edit: str) -> None:
    """``Route (...)`` with a space, or ``Ｒｏｕｔｅ(...)`` (Python reads ``Route``), is the
    route ``Route(...)`` is: the state its handler (defined above the route list), or the
    service it calls, now writes is reported."""
    files = dict(FILES)
    router = STARLETTE_ROUTER.replace('ROUTE(', spelling + '(')
    if spelling.startswith('routing.'):
        router = router.replace('from starlette.routing import Route\n',
                                'from starlette import routing\n')
    files['app/routers/orders.py'] = router
    repo.commit('service', files=files)
    repo.checkout('warm', create=True)
    repo.commit('touch the handler', files={'app/routers/orders.py': router.replace(
        '{"id": order.id}', '{"id": order.id, "v": 2}')})
    assert _scan(repo, 'main') == _scan(repo, 'main', '--no-cache') == []
    repo.checkout('main')
    repo.checkout('hotfix/ARIS-16-x', create=True)
    if edit == 'handler':
        repo.commit('edit', files={'app/routers/orders.py': router.replace(
            '    return JSONResponse', '    order.status = "renamed"\n    return JSONResponse')})
    else:
        repo.commit('edit', files={'app/services/orders.py': SERVICE_WRITES_STATE})
    _same_as_uncached(repo)


@pytest.mark.parametrize('decorator', ['@router.ｐａｔｃｈ(', '@router. patch (', '@ router.patch(',
                                       '@router.patch \\\n('])
def test_a_route_decorator_spelt_otherwise_is_read(repo: GitRepo, decorator: str) -> None:
    """The router's routes, their decorators spelt with look-alike letters or
    spaces Python accepts: the state its service now writes is reported."""
    files = dict(FILES)
    files['app/routers/orders.py'] = ROUTER.replace('@router.patch(', decorator).replace(
        '@router.get(', decorator.replace('patch', 'get').replace('ｐａｔｃｈ', 'ｇｅｔ'))
    _warm_on(repo, files)
    repo.commit('edit', files={'app/services/orders.py': SERVICE_WRITES_STATE})
    _same_as_uncached(repo)


def test_a_helper_called_in_fullwidth_letters_is_followed(repo: GitRepo) -> None:
    """The handler calls ``ｒｅｎａｍｅ(...)`` (Python calls ``rename``): the service's edit
    reaches it."""
    files = dict(FILES)
    files['app/routers/orders.py'] = ROUTER.replace(
        'from services import orders\n', 'from services import orders\n'
        'from services.orders import rename\n').replace(
        'orders.rename(order, body["name"])', 'ｒｅｎａｍｅ(order, body["name"])')
    _warm_on(repo, files)
    repo.commit('edit', files={'app/services/orders.py': SERVICE_WRITES_STATE})
    _same_as_uncached(repo)


def test_a_helper_chain_called_in_fullwidth_letters_is_followed(repo: GitRepo) -> None:
    """The handler calls a local helper that calls ``ｒｅｎａｍｅ(...)``."""
    files = dict(FILES)
    files['app/routers/orders.py'] = ROUTER.replace(
        'from services import orders\n', 'from services import orders\n'
        'from services.orders import rename\n').replace(
        'orders.rename(order, body["name"])', '_apply(order, body)') + '''

def _apply(order, body):
    ｒｅｎａｍｅ(order, body["name"])
'''
    _warm_on(repo, files)
    repo.commit('edit', files={'app/services/orders.py': SERVICE_WRITES_STATE})
    _same_as_uncached(repo)


@pytest.mark.parametrize('spelling', ['def  upgrade()', 'def\tupgrade()', 'def ｕｐｇｒａｄｅ()',
                                      'def upgrade ()'])
def test_an_alembic_upgrade_spelt_otherwise_is_read(repo: GitRepo, spelling: str) -> None:
    """Alembic reads ``upgrade`` whether it is defined after two spaces, a tab or in
    look-alike letters: the table it drops is reported."""
    text = alembic("op.drop_table('orders')", "pass").replace('def upgrade()', spelling)
    repo.commit('shipped', files=dict(BASE))
    repo.tag('v1.0.0')
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.commit('fix: drop', files={f'{V}/c3d4e5f6a7b8_hotfix.py': text})
    cold = _migration_rules(repo, '--no-cache')
    assert _migration_rules(repo) == cold
    assert _migration_rules(repo) == cold                    # warm
    assert 'migration-drop-table' in cold
