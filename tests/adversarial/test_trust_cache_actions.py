"""Adversarial: a branch that tries to reuse cached ``actions.functions`` records (the
per-function summaries of the ``/actions`` flow analysis). The cache is warmed by the scan
of a handler edit (the base's router and the service functions it follows are stored);
the branch then leaves the router byte for byte the same and changes what its import of
the service stands for. A warm run must report exactly what ``--no-cache`` reports.

Three of them were gaps of the analysis itself (cold and warm alike), not of the cache: a
package beside the service module, a re-export, a symlinked module. The import order, the
re-exports a changed helper is reached through and ``changeset.code_view`` (a link is the
file it points at) close them; a link that cannot be followed is a finding.
"""
from __future__ import annotations

import os

import pytest

from tests.actions.test_records import _rules
from tests.actions.test_records import _scan
from tests.actions.test_records import FILES
from tests.actions.test_records import ROUTER
from tests.actions.test_records import SERVICE
from tests.actions.test_records import service  # noqa: F401 - the fixture
from tests.actions.test_records import SERVICE_WRITES_STATE
from tests.support.gitrepo import GitRepo

BYPASS = ['actions-bypass-patch-transition']


def _same_as_uncached(repo: GitRepo, expected: list[str] = BYPASS) -> None:
    warm = _scan(repo, 'main')
    assert warm == _scan(repo, 'main', '--no-cache')
    assert _scan(repo, 'main') == warm                       # warm again
    assert _rules(warm) == expected


def _warm_on(repo: GitRepo, files: dict[str, str | bytes | None]) -> None:
    repo.commit('service', files=files)
    repo.checkout('warm', create=True)
    repo.commit('touch the handler', files={'app/routers/orders.py': ROUTER.replace(
        'return {"id": order_id}', 'return {"id": order_id, "v": 2}')})
    assert _scan(repo, 'main') == _scan(repo, 'main', '--no-cache') == []
    repo.checkout('main')
    repo.checkout('hotfix/ARIS-16-x', create=True)


def test_the_service_moved_into_a_package_of_the_same_name_is_read(
        service: GitRepo) -> None:  # noqa: F811
    service.checkout('hotfix/ARIS-16-x', create=True)
    service.commit('move', files={'app/services/orders.py': None,
                                  'app/services/orders/__init__.py': SERVICE_WRITES_STATE})
    _same_as_uncached(service)


def test_a_case_only_rename_and_a_shadow_at_the_top_are_read(service: GitRepo) -> None:  # noqa: F811
    service.checkout('hotfix/ARIS-16-x', create=True)
    service.git('mv', 'app/services/orders.py', 'app/services/Orders.py')
    service.commit('case', files={'services/__init__.py': '',
                                  'services/orders.py': SERVICE_WRITES_STATE})
    _same_as_uncached(service)


def test_an_edit_in_a_namespace_package_is_read(repo: GitRepo) -> None:
    files = dict(FILES)
    del files['app/services/__init__.py']
    _warm_on(repo, files)
    repo.commit('edit', files={'app/services/orders.py': SERVICE_WRITES_STATE})
    _same_as_uncached(repo)


def test_an_edit_behind_a_re_export_is_read(repo: GitRepo) -> None:
    files = dict(FILES)
    files['app/services/orders.py'] = 'from .impl import load, rename\n'
    files['app/services/impl.py'] = SERVICE
    _warm_on(repo, files)
    repo.commit('edit impl', files={'app/services/impl.py': SERVICE_WRITES_STATE})
    _same_as_uncached(repo)
    # the records now hold impl.py as a dependency: reverting it is read warm as well
    repo.commit('revert impl', files={'app/services/impl.py': SERVICE.replace(
        'DB = {}', 'DB = {}  # reverted')})
    _same_as_uncached(repo, [])
    # and the re-export pointing elsewhere (impl2 writes the state) is read warm too
    repo.commit('re-point', files={'app/services/impl2.py': SERVICE_WRITES_STATE,
                                   'app/services/orders.py': 'from .impl2 import load, rename\n'})
    _same_as_uncached(repo)


def test_an_edit_behind_an_import_as_re_export_is_read(repo: GitRepo) -> None:
    files = dict(FILES)
    files['app/services/orders.py'] = 'from . import impl as _impl\n\nload = _impl.load\n' \
        'from .impl import rename\n'
    files['app/services/impl.py'] = SERVICE
    _warm_on(repo, files)
    repo.commit('edit impl', files={'app/services/impl.py': SERVICE_WRITES_STATE})
    _same_as_uncached(repo)


def test_a_re_export_beyond_the_follow_depth_is_not_followed_forever(repo: GitRepo) -> None:
    files = dict(FILES)
    files['app/services/orders.py'] = 'from .a import load, rename\n'
    files['app/services/a.py'] = 'from .b import load, rename\n'
    files['app/services/b.py'] = 'from .a import load, rename\n'     # a cycle
    _warm_on(repo, files)
    repo.commit('edit b', files={'app/services/b.py': 'from .a import load, rename\n\n'})
    _same_as_uncached(repo, [])


def test_a_service_replaced_by_a_symlink_is_read(service: GitRepo) -> None:  # noqa: F811
    service.checkout('hotfix/ARIS-16-x', create=True)
    service.write('app/services/orders_v2.py', SERVICE_WRITES_STATE)
    os.unlink(service.path / 'app/services/orders.py')
    os.symlink('orders_v2.py', service.path / 'app/services/orders.py')
    service.commit('link')
    _same_as_uncached(service)


def test_a_package_beside_the_service_module_is_read(service: GitRepo) -> None:  # noqa: F811
    service.checkout('hotfix/ARIS-16-x', create=True)
    service.commit('package', files={'app/services/orders/__init__.py': SERVICE_WRITES_STATE})
    _same_as_uncached(service)


def test_an_edit_of_the_target_of_a_symlinked_service_is_read(repo: GitRepo) -> None:
    """The link is unchanged; the file it points at now writes the state attribute."""
    files = dict(FILES)
    del files['app/services/orders.py']
    files['app/services/orders_v2.py'] = SERVICE
    repo.write('app/services/.keep', '')
    os.symlink('orders_v2.py', repo.path / 'app/services/orders.py')
    _warm_on(repo, files)
    repo.commit('edit the target', files={'app/services/orders_v2.py': SERVICE_WRITES_STATE})
    _same_as_uncached(repo)
    # the link re-pointed to a file that does not write the state: read warm as well
    repo.write('app/services/orders_v3.py', SERVICE)
    os.unlink(repo.path / 'app/services/orders.py')
    os.symlink('orders_v3.py', repo.path / 'app/services/orders.py')
    repo.commit('re-point')
    _same_as_uncached(repo, [])


@pytest.mark.parametrize('target', ['/etc/hostname', '../../../outside.py', '../../.git/HEAD',
                                    'missing.py', 'loop.py'])
def test_a_service_symlinked_out_of_reach_is_a_finding(service: GitRepo,  # noqa: F811
                                                       target: str) -> None:
    service.checkout('hotfix/ARIS-16-x', create=True)
    os.unlink(service.path / 'app/services/orders.py')
    os.symlink(target, service.path / 'app/services/orders.py')
    if target == 'loop.py':
        os.symlink('orders.py', service.path / 'app/services/loop.py')
    service.commit('link')
    warm = _scan(service, 'main')
    assert warm == _scan(service, 'main', '--no-cache')
    assert 'actions-module-unreadable' in _rules(warm)


def test_a_new_module_symlinked_out_of_the_repository_is_a_finding(
        service: GitRepo) -> None:  # noqa: F811
    service.checkout('hotfix/ARIS-16-x', create=True)
    service.commit('import', files={'app/routers/orders.py': ROUTER.replace(
        'from services import orders\n', 'from services import orders, extra\n')})
    os.symlink('/etc/hostname', service.path / 'app/services/extra.py')
    service.commit('link')
    found = _scan(service, 'main')
    assert found == _scan(service, 'main', '--no-cache')
    [f] = [f for f in found if f['rule'] == 'actions-module-unreadable']
    assert f['path'] == 'app/services/extra.py' and f['severity'] == 'warning'
    assert '/etc/hostname' in f['message']


COMMON = '''\
from fastapi import APIRouter

router = APIRouter(prefix="/common")


@router.get("/health")
def health():
    return {"ok": True}


def rename(order, name):
    order.name = name
'''


def test_an_edit_of_a_helper_in_another_router_module_is_read(repo: GitRepo) -> None:
    """The helper a PATCH handler calls lives in a module that defines routes of its own:
    it is a helper all the same, and the handler that calls it is read."""
    files = dict(FILES)
    files['app/routers/common.py'] = COMMON
    files['app/routers/orders.py'] = ROUTER.replace(
        'from services import orders\n',
        'from services import orders\n\nfrom .common import rename\n').replace(
        'orders.rename(order, body["name"])', 'rename(order, body["name"])')
    _warm_on(repo, files)
    repo.commit('edit', files={'app/routers/common.py': COMMON.replace(
        '    order.name = name\n', '    order.name = name\n    order.status = "renamed"\n')})
    _same_as_uncached(repo)


@pytest.mark.parametrize('reexport', [
    'from .impl import *\n',
    'try:\n    from .impl import load, rename\nexcept ImportError:\n    raise\n',
    'import sys\n\nif sys.version_info >= (3, 8):\n    from .impl import load, rename\n',
    'from . import impl\n\nload = impl.load\nrename = impl.rename\n',
])
def test_an_edit_behind_a_re_export_written_otherwise_is_read(repo: GitRepo,
                                                              reexport: str) -> None:
    """A re-export Python executes however it is written: a star import, under ``try:``
    or ``if``, an assignment from the module."""
    files = dict(FILES)
    files['app/services/orders.py'] = reexport
    files['app/services/impl.py'] = SERVICE
    _warm_on(repo, files)
    repo.commit('edit impl', files={'app/services/impl.py': SERVICE_WRITES_STATE})
    _same_as_uncached(repo)
