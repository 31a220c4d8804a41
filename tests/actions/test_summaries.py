"""The ``/actions`` guard's per-file facts in the analysis cache (``actions/summaries.py``),
on real repositories: the middleware of unchanged files is reused only while every file its
derivation consulted is unchanged on the side analysed; a cached run finds exactly what an
uncached one finds."""
from __future__ import annotations

import json
import marshal
import os
from pathlib import Path
from typing import Any

import pytest

from hotfix_hooks import cache as cache_mod
from hotfix_hooks.actions.flow import Evidence
from hotfix_hooks.actions.flow import Profile
from hotfix_hooks.actions.summaries import profile_from
from hotfix_hooks.actions.summaries import profile_plain
from tests.support.cache_entries import entries_of
from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo

MAIN = '''\
from fastapi import FastAPI

from app import guards
from app.routers import pay

app = FastAPI()
app.include_router(pay.router)


@app.middleware("http")
async def keys(request, call_next):   # idempotency: see guards.enforce
    guards.enforce(request)
    return await call_next(request)
'''

GUARDS = '''\
from fastapi import HTTPException


def enforce(request):
    if request.method == "POST" and not request.headers.get("Idempotency-Key"):
        raise HTTPException(status_code=400, detail="missing key")
'''

GUARDS_GONE = '''\
from fastapi import HTTPException


def enforce(request):
    return None
'''

PAY = '''\
from fastapi import APIRouter

router = APIRouter(prefix="/pay")


@router.post("/charge")
def charge(body: dict):
    return {"ok": True}
'''

FILES: dict[str, str | bytes | None] = {
    'app/__init__.py': '', 'app/routers/__init__.py': '', 'app/main.py': MAIN,
    'app/guards.py': GUARDS, 'app/routers/pay.py': PAY}


def _scan(repo: GitRepo, *extra: str, env: dict[str, str] | None = None) -> list[Any]:
    res = run_cli(repo, 'scan', '--from-ref', 'main', '--to-ref', 'HEAD', '--format', 'json',
                  '--only', 'actions', *extra, env=env)
    assert res.returncode in (0, 1), res.stdout + res.stderr
    return json.loads(res.stdout)['findings']  # type: ignore[no-any-return]


def _variants(path: str) -> list[Any]:
    data = Path(path).read_bytes()
    value = cache_mod.decode_entry(data)
    assert isinstance(value, list)
    return value


@pytest.fixture
def service(repo: GitRepo) -> GitRepo:
    repo.commit('service', files=dict(FILES))
    repo.checkout('hotfix/ARIS-16-mw', create=True)
    repo.commit('touch the handler', files={
        'app/routers/pay.py': PAY.replace('{"ok": True}', '{"ok": True, "v": 2}')})
    return repo


def test_the_middleware_of_an_unchanged_file_is_cached_with_its_dependencies(
        service: GitRepo) -> None:
    uncached = _scan(service, '--no-cache')
    assert not [f for f in uncached if f['rule'].startswith('idempotency')]   # covered
    cold = _scan(service)
    [entry] = entries_of(service, b'actions.middleware')
    [(deps, value)] = _variants(entry)            # both sides alike: one variant
    consulted = dict(deps)
    assert 'app/main.py' in consulted and 'app/guards.py' in consulted
    assert consulted['app/guards.py'] == service.git('rev-parse', 'HEAD:app/guards.py')
    # absent candidates probed by import resolution count too (a file added there would
    # change what the import names)
    assert any(blob is None for blob in consulted.values())
    [mw] = value[0]
    assert mw[0] == 'keys' and mw[5]['markers']
    stamp = os.stat(entry).st_mtime_ns
    warm = _scan(service)
    assert os.stat(entry).st_mtime_ns == stamp       # reused, not rebuilt
    assert uncached == cold == warm
    assert _scan(service, env={'HOTFIX_HOOKS_CACHE': '0'}) == uncached
    # the next commit edits a handler again: the middleware is not derived again
    service.commit('again', files={
        'app/routers/pay.py': PAY.replace('{"ok": True}', '{"ok": True, "v": 4}')})
    again = _scan(service)
    assert os.stat(entry).st_mtime_ns == stamp and len(_variants(entry)) == 1
    assert again == _scan(service, '--no-cache')


def test_a_branch_that_changes_a_dependency_never_gets_the_base_verdict(
        service: GitRepo) -> None:
    """Adversarial: the middleware file is untouched, the helper it calls stops checking
    the key. The cached middleware (derived with the base's helper) must not cover the
    head's routes."""
    assert not _scan(service)                     # caches the middleware over the base helper
    service.commit('drop the check', files={'app/guards.py': GUARDS_GONE,
                                            'app/routers/pay.py': PAY.replace(
                                                '{"ok": True}', '{"ok": True, "v": 3}')})
    found = _scan(service)
    assert [f['rule'] for f in found] == ['idempotency-removed']
    assert found == _scan(service, '--no-cache')
    [entry] = entries_of(service, b'actions.middleware')
    variants = _variants(entry)
    assert len(variants) == 2                     # the head's and the base's
    head_blob = service.git('rev-parse', 'HEAD:app/guards.py')
    assert {dict(v[0])['app/guards.py'] for v in variants} == {
        head_blob, service.git('rev-parse', 'main:app/guards.py')}
    assert _scan(service) == found                # warm: each side takes its own variant


def test_a_module_added_where_an_import_looked_is_a_changed_dependency(
        service: GitRepo) -> None:
    """``from app import guards`` names ``app/guards.py``; a package ``app/guards/`` added
    by the branch shadows nothing here, but a module the import probed before it (none
    exists) would: the probed paths are dependencies."""
    _scan(service)
    [entry] = entries_of(service, b'actions.middleware')
    [(deps, _value)] = _variants(entry)
    probed_absent = [p for p, blob in deps if blob is None]
    assert probed_absent
    service.commit('add a module at a probed path', files={
        probed_absent[0]: 'def enforce(request):\n    return None\n'})
    found = _scan(service)
    assert found == _scan(service, '--no-cache')
    assert len(_variants(entry)) == 2            # the head derived its own


def test_a_corrupt_or_foreign_entry_is_rebuilt(service: GitRepo) -> None:
    expected = _scan(service, '--no-cache')
    _scan(service)
    [entry] = entries_of(service, b'actions.middleware')
    data = Path(entry).read_bytes()
    Path(entry).write_bytes(data[:-5] + b'junk!')           # corrupt: length/digest differ
    assert _scan(service) == expected
    # a well-formed entry holding something else (another version's shape): not trusted
    header, _, _payload = Path(entry).read_bytes().partition(b'\n')
    fields = header.split(b' ')
    payload = marshal.dumps([[[('app/main.py', 'f' * 40)], 'nonsense'], 'junk'])
    import hashlib
    fields[-2] = str(len(payload)).encode()
    fields[-1] = hashlib.sha256(payload).hexdigest().encode()
    Path(entry).write_bytes(b' '.join(fields) + b'\n' + payload)
    assert _scan(service) == expected
    assert _scan(service) == expected


def test_profiles_survive_plain_data() -> None:
    p = Profile()
    p.writes.append(Evidence('write', 'o.status = x', 'a.py', 3, 'a.py:f'))
    p.markers.append(Evidence('marker', 'Idempotency-Key', 'a.py', 4, 'a.py:f'))
    p.params['idempotency_key'] = 'required'
    p.param_lines['idempotency_key'] = ('a.py', 2)
    p.flags['Guard(required=)'] = True
    p.flag_lines['Guard(required=)'] = ('a.py', 5)
    p.rejects, p.warns = 2, 1
    p.warn_lines.append(('a.py', 6))
    p.functions.update({'a.py:f', 'b.py:g'})
    back = profile_from(marshal.loads(marshal.dumps(profile_plain(p))))
    assert back == p
