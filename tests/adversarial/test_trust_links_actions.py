"""Adversarial: folders reached through symbolic links, broken links reached from a changed
handler, and findings in linked modules, for the ``/actions`` flow. Each case runs warm
(the cache filled by an earlier scan of the same base), again, and with ``--no-cache``:
all three find the same."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.actions.test_records import _rules
from tests.actions.test_records import _scan
from tests.actions.test_records import FILES
from tests.actions.test_records import ROUTER
from tests.actions.test_records import SERVICE
from tests.actions.test_records import SERVICE_WRITES_STATE
from tests.adversarial.test_trust_cache_actions import _warm_on
from tests.adversarial.test_trust_cache_actions import BYPASS
from tests.support.gitrepo import GitRepo


def _same(repo: GitRepo, expected: list[str]) -> list[dict[str, object]]:
    warm = _scan(repo, 'main')
    assert warm == _scan(repo, 'main', '--no-cache')
    assert _scan(repo, 'main') == warm
    assert sorted(_rules(warm)) == sorted(expected), warm
    return warm  # type: ignore[no-any-return]


def _link(repo: GitRepo, link: str, target: str) -> None:
    full = repo.path / link
    full.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, full)


# (the link, its target as written, the folder the service's files really are in)
LAYOUTS = [
    ('app/services', 'lib/services', 'app/lib/services'),
    ('app/services', 'shared', 'vendor/services'),          # two links: app/shared -> ...
]


def _linked_service(repo: GitRepo, layout: tuple[str, str, str]) -> str:
    link, target, real = layout
    files = {k: v for k, v in FILES.items() if not k.startswith('app/services/')}
    files[f'{real}/__init__.py'] = ''
    files[f'{real}/orders.py'] = SERVICE
    if target == 'shared':
        _link(repo, 'app/shared', '../vendor/services')
    _link(repo, link, target)
    _warm_on(repo, files)
    return real


@pytest.mark.parametrize('layout', LAYOUTS, ids=['one-link', 'chain'])
def test_an_edit_below_a_linked_folder_is_read(repo: GitRepo,
                                               layout: tuple[str, str, str]) -> None:
    real = _linked_service(repo, layout)
    repo.commit('edit the real file', files={f'{real}/orders.py': SERVICE_WRITES_STATE})
    [found] = _same(repo, BYPASS)
    # the lines are the real file's: the finding is there, the import path in linked_as
    assert (found['path'], found['linked_as']) == (f'{real}/orders.py', 'app/services/orders.py')
    lines = (repo.path / real / 'orders.py').read_text().split('\n')
    assert 'status' in lines[int(found['line']) - 1]  # type: ignore[call-overload]
    # reverted: nothing, warm as cold
    repo.commit('revert', files={f'{real}/orders.py': SERVICE.replace('DB = {}',
                                                                      'DB = {}  # again')})
    _same(repo, [])


def test_a_sub_package_linked_to_another_folder_is_read(repo: GitRepo) -> None:
    """``app/services/v2`` is a link; the router imports ``services.v2.orders``."""
    files = dict(FILES)
    files['app/routers/orders.py'] = ROUTER.replace('from services import orders\n',
                                                    'from services.v2 import orders\n')
    files['app/impl/v2/__init__.py'] = ''
    files['app/impl/v2/orders.py'] = SERVICE
    _link(repo, 'app/services/v2', '../impl/v2')
    _warm_on(repo, files)
    repo.commit('edit', files={'app/impl/v2/orders.py': SERVICE_WRITES_STATE})
    _same(repo, BYPASS)


def test_a_linked_folder_re_pointed_is_read(repo: GitRepo) -> None:
    """The branch leaves every file as it is and points the folder link elsewhere."""
    _linked_service(repo, LAYOUTS[0])
    repo.commit('other', files={'app/lib/other/__init__.py': '',
                                'app/lib/other/orders.py': SERVICE_WRITES_STATE})
    os.unlink(repo.path / 'app/services')
    _link(repo, 'app/services', 'lib/other')
    repo.commit('re-point')
    _same(repo, BYPASS)


@pytest.mark.parametrize('target', ['/etc', '../../outside', '../.git', 'missing', '.'])
def test_a_linked_folder_out_of_reach_is_a_finding(repo: GitRepo, target: str) -> None:
    """The branch turns the service folder into a link that cannot be followed."""
    repo.commit('service', files=dict(FILES))
    repo.checkout('hotfix/ARIS-16-x', create=True)
    repo.git('rm', '-q', '-r', 'app/services')
    _link(repo, 'app/services', target)
    repo.commit('link')
    found = _same(repo, ['actions-module-unreadable'])
    assert found[0]['path'] == 'app/services'
    assert found[0]['severity'] == 'warning'


@pytest.mark.parametrize('target', ['/etc/hostname', '../../outside.py', 'missing.py'])
def test_an_unchanged_broken_link_reached_from_a_changed_handler_is_said(
        repo: GitRepo, target: str) -> None:
    """The link is broken at the base already; the branch edits the handler calling it."""
    files = {k: v for k, v in FILES.items() if k != 'app/services/orders.py'}
    _link(repo, 'app/services/orders.py', target)
    repo.commit('service', files=files)
    repo.checkout('warm', create=True)              # the cache filled by another edit
    repo.commit('touch the handler', files={'app/routers/orders.py': ROUTER.replace(
        'return {"id": order_id}', 'return {"id": order_id, "v": 2}')})
    _same(repo, ['actions-module-unreadable'])
    repo.checkout('main')
    repo.checkout('hotfix/ARIS-16-x', create=True)
    repo.commit('edit the handler', files={'app/routers/orders.py': ROUTER.replace(
        'orders.rename(order, body["name"])', 'orders.rename(order, body["name"].strip())')})
    found = _same(repo, ['actions-module-unreadable'])
    assert found[0]['path'] == 'app/services/orders.py'
    assert found[0]['severity'] == 'warning'
    assert 'app/routers/orders.py' in str(found[0]['message'])


def test_an_unchanged_broken_link_not_reached_is_not_said(repo: GitRepo) -> None:
    files = dict(FILES)
    _link(repo, 'app/services/unused.py', '/etc/hostname')
    _warm_on(repo, files)
    repo.commit('edit the handler', files={'app/routers/orders.py': ROUTER.replace(
        'orders.rename(order, body["name"])', 'orders.rename(order, body["name"].strip())')})
    _same(repo, [])


def test_a_finding_in_a_linked_router_points_at_the_real_file(repo: GitRepo) -> None:
    """The router is a link and the branch edits its target: the finding names the file
    its lines are in (the target), never the link."""
    files = {k: v for k, v in FILES.items() if k != 'app/routers/orders.py'}
    files['app/lib/routers_impl.py'] = ROUTER
    _link(repo, 'app/routers/orders.py', '../lib/routers_impl.py')
    _warm_on(repo, files)
    repo.commit('edit the router', files={'app/lib/routers_impl.py': ROUTER.replace(
        '    orders.rename(order, body["name"])\n',
        '    orders.rename(order, body["name"])\n    order.status = "renamed"\n')})
    found = _same(repo, BYPASS)
    assert found[0]['path'] == 'app/lib/routers_impl.py'
    lines = Path(repo.path / 'app/lib/routers_impl.py').read_text().split('\n')
    assert 'status' in lines[int(found[0]['line']) - 1]  # type: ignore[call-overload]


def test_a_package_below_a_linked_folder_named_otherwise_is_read(repo: GitRepo) -> None:
    """``app/services/orders`` links to ``app/impl/orders_pkg``: the changed file's own
    name (``orders_pkg``) appears in no import; the link's does (relevance follows it)."""
    files = {k: v for k, v in FILES.items() if k != 'app/services/orders.py'}
    files['app/impl/orders_pkg/__init__.py'] = SERVICE
    _link(repo, 'app/services/orders', '../impl/orders_pkg')
    _warm_on(repo, files)
    repo.commit('edit', files={'app/impl/orders_pkg/__init__.py': SERVICE_WRITES_STATE})
    [found] = _same(repo, BYPASS)
    assert (found['path'], found['linked_as']) == ('app/impl/orders_pkg/__init__.py',
                                                   'app/services/orders/__init__.py')


@pytest.mark.parametrize('fmt', ['sarif', 'github', 'gitlab'])
def test_every_reporter_points_at_the_real_file_and_line(repo: GitRepo, fmt: str) -> None:
    import json

    from tests.support.cli import run_cli

    real = _linked_service(repo, LAYOUTS[0])
    repo.commit('edit the real file', files={f'{real}/orders.py': SERVICE_WRITES_STATE})
    [found] = _same(repo, BYPASS)
    res = run_cli(repo, 'scan', '--from-ref', 'main', '--to-ref', 'HEAD', '--format', fmt,
                  '--only', 'actions')
    assert res.returncode == 1, res.stdout + res.stderr
    where = f'{real}/orders.py'
    if fmt == 'sarif':
        [result] = json.loads(res.stdout)['runs'][0]['results']
        loc = result['locations'][0]['physicalLocation']
        assert loc['artifactLocation']['uri'] == where
        assert loc['region']['startLine'] == found['line']
    elif fmt == 'gitlab':
        [issue] = json.loads(res.stdout)
        assert issue['location']['path'] == where
        assert issue['location']['lines']['begin'] == found['line']
    else:
        assert f'file={where},line={found["line"]}' in res.stdout


def test_an_unchanged_broken_folder_link_reached_from_a_changed_handler_is_said(
        repo: GitRepo) -> None:
    files = {k: v for k, v in FILES.items() if not k.startswith('app/services/')}
    _link(repo, 'app/services', '/srv/services')
    repo.commit('service', files=files)
    repo.checkout('hotfix/ARIS-16-x', create=True)
    repo.commit('edit the handler', files={'app/routers/orders.py': ROUTER.replace(
        'orders.rename(order, body["name"])', 'orders.rename(order, body["name"].strip())')})
    [found] = _same(repo, ['actions-module-unreadable'])
    assert found['path'] == 'app/services'
    assert "'/srv/services'" in str(found['message'])


def test_a_folder_link_re_pointed_alone_is_read(repo: GitRepo) -> None:
    """The state-writing folder is already in the base, unused; the branch changes nothing
    but where ``app/services`` points (no Python file in the diff)."""
    files = {k: v for k, v in FILES.items() if not k.startswith('app/services/')}
    files.update({'app/lib/services/__init__.py': '', 'app/lib/services/orders.py': SERVICE,
                  'app/lib/other/__init__.py': '',
                  'app/lib/other/orders.py': SERVICE_WRITES_STATE})
    _link(repo, 'app/services', 'lib/services')
    _warm_on(repo, files)
    os.unlink(repo.path / 'app/services')
    _link(repo, 'app/services', 'lib/other')
    repo.commit('re-point only')
    [found] = _same(repo, BYPASS)
    assert (found['path'], found['linked_as']) == ('app/lib/other/orders.py',
                                                   'app/services/orders.py')
