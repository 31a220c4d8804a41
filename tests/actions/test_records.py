"""Per-function records of the ``/actions`` flow analysis in the analysis cache
(``actions/records.py``, namespace ``actions.functions``), on real repositories: a record is
reused only while every file its derivation consulted (the modules read, every path its
import resolution probed, present or absent) has the same blob on the side analysed, and
only under the policy keys it was derived with; a warm run finds exactly what an uncached
run finds."""
from __future__ import annotations

import hashlib
import json
import marshal
from pathlib import Path
from typing import Any

import pytest

from hotfix_hooks import cache as cache_mod
from tests.support.cache_entries import entries_of
from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo

# the service's import root is app/ (``from services import orders``): the resolution
# probes services/orders.py at the top of the repository first, absent at the base
ROUTER = '''\
from fastapi import APIRouter

from services import orders

router = APIRouter(prefix="/orders")


@router.patch("/{order_id}")
def edit_order(order_id: int, body: dict):
    order = orders.load(order_id)
    orders.rename(order, body["name"])
    return {"id": order_id}


@router.get("/{order_id}")
def get_order(order_id: int):
    return orders.load(order_id)
'''

SERVICE = '''\
DB = {}


def load(order_id):
    return DB[order_id]


def rename(order, name):
    order.name = name
    DB[order.id] = order
'''

# the service edited so that rename() now writes the state attribute itself, with a helper
# added above it (every function after it moves: a stale record would point nowhere)
SERVICE_WRITES_STATE = '''\
DB = {}


def load(order_id):
    return DB[order_id]


def _clean(name):
    return name.strip()


def rename(order, name):
    order.name = _clean(name)
    order.status = "renamed"
    DB[order.id] = order
'''

FILES: dict[str, str | bytes | None] = {
    'app/__init__.py': '', 'app/routers/__init__.py': '', 'app/services/__init__.py': '',
    'app/routers/orders.py': ROUTER, 'app/services/orders.py': SERVICE}


def _scan(repo: GitRepo, base: str, *extra: str, env: dict[str, str] | None = None
          ) -> list[Any]:
    res = run_cli(repo, 'scan', '--from-ref', base, '--to-ref', 'HEAD', '--format', 'json',
                  '--only', 'actions', *extra, env=env)
    assert res.returncode in (0, 1), res.stdout + res.stderr
    return json.loads(res.stdout)['findings']  # type: ignore[no-any-return]


def _rules(found: list[Any]) -> list[str]:
    return [f['rule'] for f in found]


@pytest.fixture
def service(repo: GitRepo) -> GitRepo:
    """main: the service; branch ``warm``: a handler edit whose scan puts the base's
    records (the handler and the service functions it follows) in the cache."""
    repo.commit('service', files=dict(FILES))
    repo.checkout('warm', create=True)
    repo.commit('touch the handler', files={'app/routers/orders.py': ROUTER.replace(
        'return {"id": order_id}', 'return {"id": order_id, "v": 2}')})
    assert _scan(repo, 'main') == _scan(repo, 'main', '--no-cache') == []
    assert entries_of(repo, b'actions.functions')
    repo.checkout('main')
    return repo


def test_records_are_cached_with_what_they_consulted(service: GitRepo) -> None:
    service.checkout('warm')
    entries = entries_of(service, b'actions.functions')
    router_blob = service.git('rev-parse', 'main:app/routers/orders.py')
    by_blob: dict[str, Any] = {}
    for entry in entries:
        header = Path(entry).read_bytes().split(b'\n', 1)[0].split()
        by_blob[header[2].decode()] = cache_mod.decode_entry(Path(entry).read_bytes())
    [(deps, records)] = by_blob[router_blob]       # the base's router: one variant
    consulted = dict(deps)
    assert consulted['app/services/orders.py'] == service.git(
        'rev-parse', 'main:app/services/orders.py')
    assert consulted['services/orders.py'] is None          # probed, absent
    [edit] = [r for fid, r in records.items() if fid[2] == 'edit_order']
    assert ('app/services/orders.py', '', 'rename', 8, 0) in edit[12]   # its call, resolved
    # warm: nothing is derived again, the findings are the same
    stamps = {e: Path(e).stat().st_mtime_ns for e in entries}
    assert _scan(service, 'main') == []
    assert {e: Path(e).stat().st_mtime_ns for e in entries} == stamps


def test_a_service_edited_to_write_the_state_is_found_on_a_warm_cache(
        service: GitRepo) -> None:
    """Adversarial: the router is untouched (its records for this blob are cached from the
    base), the service it follows now sets ``status``: the handler's cached record must
    not be reused on the head, whose service differs."""
    service.checkout('hotfix/ARIS-16-rename', create=True)
    service.commit('rename also sets the status', files={
        'app/services/orders.py': SERVICE_WRITES_STATE})
    found = _scan(service, 'main')
    assert _rules(found) == ['actions-bypass-patch-transition']
    assert found[0]['path'] == 'app/services/orders.py'
    assert found == _scan(service, 'main', '--no-cache')
    assert _scan(service, 'main') == found                   # warm again


def test_a_module_added_where_an_import_looked_is_found_on_a_warm_cache(
        service: GitRepo) -> None:
    """Adversarial: ``from services import orders`` resolved to app/services/orders.py; the
    branch adds services/orders.py, which the import now names (probed first): the
    handler's cached record, derived when that path was absent, must not be reused."""
    service.checkout('hotfix/ARIS-16-shadow', create=True)
    service.commit('a services package at the top', files={
        'services/__init__.py': '', 'services/orders.py': SERVICE_WRITES_STATE})
    found = _scan(service, 'main')
    assert _rules(found) == ['actions-bypass-patch-transition']
    assert found[0]['path'] == 'services/orders.py'
    assert found == _scan(service, 'main', '--no-cache')


def test_a_corrupt_or_foreign_record_entry_is_derived_again(service: GitRepo) -> None:
    service.checkout('hotfix/ARIS-16-rename', create=True)
    service.commit('rename also sets the status', files={
        'app/services/orders.py': SERVICE_WRITES_STATE})
    expected = _scan(service, 'main', '--no-cache')
    assert _rules(expected) == ['actions-bypass-patch-transition']
    assert _scan(service, 'main') == expected
    entries = entries_of(service, b'actions.functions')
    for entry in entries:                       # corrupt: the digest no longer matches
        data = Path(entry).read_bytes()
        Path(entry).write_bytes(data[:-5] + b'junk!')
    assert _scan(service, 'main') == expected
    # well-formed entries of another shape (records that would hide the write): ignored
    forged_any = False
    for entry in entries_of(service, b'actions.functions'):
        header, _, payload = Path(entry).read_bytes().partition(b'\n')
        if payload.endswith(b'junk!'):
            continue                            # not needed by this range: not rebuilt
        value = marshal.loads(payload)
        forged = [(deps, {fid: rec[:1] + ([],) * 13 for fid, rec in recs.items()})
                  for deps, recs in value]
        payload = marshal.dumps(forged)
        fields = header.split(b' ')
        fields[-2] = str(len(payload)).encode()
        fields[-1] = hashlib.sha256(payload).hexdigest().encode()
        Path(entry).write_bytes(b' '.join(fields) + b'\n' + payload)
        forged_any = True
    assert forged_any
    assert _scan(service, 'main') == expected
    assert _scan(service, 'main') == expected


def test_records_of_another_policy_are_not_used(service: GitRepo) -> None:
    """The records hold the state writes of the policy's ``state_attributes``: a policy
    where ``status`` is not a state field caches records without the write; the default
    policy must not take them."""
    service.checkout('main')
    service.commit('narrow state fields', files={'.hotfix-hooks.toml':
                                                 '[actions]\nstate_attributes = ["phase"]\n'})
    service.checkout('hotfix/ARIS-16-narrow', create=True)
    service.commit('rename also sets the status', files={
        'app/services/orders.py': SERVICE_WRITES_STATE})
    assert _scan(service, 'main') == []             # status is no state field here
    service.checkout('main')
    service.commit('default state fields', files={'.hotfix-hooks.toml': None})
    service.checkout('hotfix/ARIS-16-default', create=True)
    service.commit('rename also sets the status', files={
        'app/services/orders.py': SERVICE_WRITES_STATE})
    found = _scan(service, 'main')
    assert _rules(found) == ['actions-bypass-patch-transition']
    assert found == _scan(service, 'main', '--no-cache')


def test_the_split_of_a_large_module_is_cached_and_checked(service: GitRepo) -> None:
    """``actions.chunks``: where the statements of a module of 200+ lines start, per blob;
    an entry that does not fit the text (another file's split) is not used."""
    padding = ''.join(f'\n\ndef helper_{i}(x):\n    return x + {i}\n' for i in range(60))
    big = ROUTER + padding
    service.checkout('main')
    service.commit('a large router', files={'app/routers/orders.py': big})
    service.checkout('hotfix/ARIS-16-big', create=True)
    service.commit('rename also sets the status', files={
        'app/routers/orders.py': big.replace('return x + 7\n', 'return x + 8\n'),
        'app/services/orders.py': SERVICE_WRITES_STATE})
    expected = _scan(service, 'main', '--no-cache')
    assert _rules(expected) == ['actions-bypass-patch-transition']
    assert _scan(service, 'main') == expected
    entries = entries_of(service, b'actions.chunks')
    assert len(entries) == 2                        # the router's base and head
    assert _scan(service, 'main') == expected
    for entry in entries:                           # forged: spans of another text
        header, _, payload = Path(entry).read_bytes().partition(b'\n')
        spans = marshal.loads(payload)
        assert len(spans) > 10 and spans[-1][1] > 200
        # without the handler's statement (a gap): that route would go unseen
        payload = marshal.dumps([s for s in spans if s[2] != 'edit_order'])
        fields = header.split(b' ')
        fields[-2] = str(len(payload)).encode()
        fields[-1] = hashlib.sha256(payload).hexdigest().encode()
        Path(entry).write_bytes(b' '.join(fields) + b'\n' + payload)
    assert _scan(service, 'main') == expected
