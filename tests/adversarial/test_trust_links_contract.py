"""Adversarial: model modules reached through a linked folder, and broken links reached from
a changed route module, for the route-code contract. A warm run (the cache filled by a
first commit of the branch), another and an uncached one find the same, lines included."""
from __future__ import annotations

import os
from typing import Any

import pytest

from tests.adversarial.test_trust_cache_contract import NARROWER
from tests.openapi.test_incremental import _scan
from tests.openapi.test_incremental import COMMON
from tests.openapi.test_incremental import FILES
from tests.openapi.test_incremental import ORDERS
from tests.support.gitrepo import GitRepo


def _same(repo: GitRepo) -> list[Any]:
    found, _ = _scan(repo)
    assert found == _scan(repo)[0]
    assert found == _scan(repo, '--no-cache')[0]
    return found


def _removed(found: list[Any]) -> list[Any]:
    return [f for f in found if f['rule'] == 'response-property-removed']


@pytest.fixture
def linked(repo: GitRepo) -> GitRepo:
    """``app/models`` is a link to ``app/lib/models``; the branch's first commit (scanned:
    both sides cached) edits a handler."""
    files = {k: v for k, v in FILES.items() if not k.startswith('app/models/')}
    files['app/lib/models/__init__.py'] = ''
    files['app/lib/models/common.py'] = COMMON
    (repo.path / 'app').mkdir(parents=True, exist_ok=True)
    os.symlink('lib/models', repo.path / 'app/models')
    repo.commit('service', files=files)
    repo.checkout('hotfix/ARIS-16-links', create=True)
    repo.commit('first', files={'app/routers/orders.py': ORDERS.replace(
        '    return find(order_id)\n', '    found = find(order_id)\n    return found\n')})
    _scan(repo)
    return repo


def test_a_model_below_a_linked_folder_losing_a_property_is_reported(linked: GitRepo) -> None:
    linked.commit('narrow', files={'app/lib/models/common.py': NARROWER})
    found = _same(linked)
    removed = _removed(found)
    assert removed, found
    # the lines are the real file's: reported there, the import path in linked_as
    assert {(f['path'], f.get('linked_as')) for f in removed} == {
        ('app/lib/models/common.py', 'app/models/common.py')}
    lines = COMMON.split('\n')        # the base's lines: where the property was
    assert all('created_by' in lines[f['line'] - 1] for f in removed), removed


def test_a_linked_model_folder_re_pointed_is_read(linked: GitRepo) -> None:
    linked.commit('other', files={'app/lib/narrow/__init__.py': '',
                                  'app/lib/narrow/common.py': NARROWER})
    os.unlink(linked.path / 'app/models')
    os.symlink('lib/narrow', linked.path / 'app/models')
    linked.commit('re-point')
    assert _removed(_same(linked))


def _unreadable(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in found if f['rule'] == 'api-code-unreadable']


def _edit_a_route(repo: GitRepo) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Commit an edit of a route in the unchanged-looking service; (all findings, warm ==
    cold, and the api-code-unreadable ones)."""
    repo.commit('edit a route', files={'app/routers/orders.py': ORDERS.replace(
        '    return find(order_id)\n', '    found = find(order_id)\n    return found\n')})
    found = _same(repo)
    return found, _unreadable(found)


def test_a_model_folder_linked_out_of_reach_is_said(linked: GitRepo) -> None:
    linked.git('rm', '-q', 'app/models')
    os.symlink('/etc', linked.path / 'app/models')
    linked.commit('link out')
    found = _same(linked)
    said = _unreadable(found)
    assert [f['path'] for f in said] == ['app/models'], found
    assert not _removed(found)


def test_an_unchanged_broken_model_link_reached_from_a_changed_route_is_said(
        repo: GitRepo) -> None:
    files = {k: v for k, v in FILES.items() if k != 'app/models/common.py'}
    (repo.path / 'app/models').mkdir(parents=True, exist_ok=True)
    os.symlink('/etc/hostname', repo.path / 'app/models/common.py')
    repo.commit('service', files=files)
    repo.checkout('hotfix/ARIS-16-links', create=True)
    repo.commit('first', files={'app/routers/users.py': str(FILES['app/routers/users.py'])
                                .replace('fetch(user_id)', 'fetch(user_id)  # first')})
    _scan(repo)
    found, said = _edit_a_route(repo)
    assert [f['path'] for f in said] == ['app/models/common.py'], found
    assert 'app/routers/orders.py' in said[0]['message']


def test_a_route_edit_below_a_linked_router_folder_is_reported_once(repo: GitRepo) -> None:
    """``app/routers`` links to ``app/lib/routers``: the route modules are listed under both
    paths, read once as Python imports them; a response property removed is one finding,
    at the real file."""
    files = {k: v for k, v in FILES.items() if not k.startswith('app/routers/')}
    for k, v in FILES.items():
        if k.startswith('app/routers/'):
            files[k.replace('app/routers/', 'app/lib/routers/')] = v
    (repo.path / 'app').mkdir(parents=True, exist_ok=True)
    os.symlink('lib/routers', repo.path / 'app/routers')
    repo.commit('service', files=files)
    repo.checkout('hotfix/ARIS-16-links', create=True)
    repo.commit('first', files={'app/lib/routers/users.py': str(FILES['app/routers/users.py'])
                                .replace('fetch(user_id)', 'fetch(user_id)  # first')})
    _scan(repo)
    repo.commit('narrow', files={'app/lib/routers/users.py': str(
        FILES['app/routers/users.py']).replace('    email: str\n', '')})
    found = _same(repo)
    removed = _removed(found)
    assert [(f['path'], f['line'], f['linked_as']) for f in removed] == [
        ('app/lib/routers/users.py', 9, 'app/routers/users.py')], found
    assert 'GET /api/users/{user_id}' in removed[0]['affected']


def test_an_unchanged_broken_model_folder_link_reached_from_a_changed_route_is_said(
        repo: GitRepo) -> None:
    files = {k: v for k, v in FILES.items() if not k.startswith('app/models/')}
    (repo.path / 'app').mkdir(parents=True, exist_ok=True)
    os.symlink('../../elsewhere/models', repo.path / 'app/models')
    repo.commit('service', files=files)
    repo.checkout('hotfix/ARIS-16-links', create=True)
    found, said = _edit_a_route(repo)
    assert [f['path'] for f in said] == ['app/models'], found
    assert 'outside the repository' in said[0]['message']


def test_a_model_folder_link_re_pointed_alone_is_read(repo: GitRepo) -> None:
    files = {k: v for k, v in FILES.items() if not k.startswith('app/models/')}
    files.update({'app/lib/models/__init__.py': '', 'app/lib/models/common.py': COMMON,
                  'app/lib/narrow/__init__.py': '', 'app/lib/narrow/common.py': NARROWER})
    (repo.path / 'app').mkdir(parents=True, exist_ok=True)
    os.symlink('lib/models', repo.path / 'app/models')
    repo.commit('service', files=files)
    repo.checkout('hotfix/ARIS-16-links', create=True)
    repo.commit('first', files={'app/routers/orders.py': ORDERS.replace(
        '    return find(order_id)\n', '    found = find(order_id)\n    return found\n')})
    _scan(repo)
    os.unlink(repo.path / 'app/models')
    os.symlink('lib/narrow', repo.path / 'app/models')
    repo.commit('re-point only')
    assert _removed(_same(repo))
