"""The route-code contract and the ``/actions`` guard over the analysis cache, on real
repositories: a run from the cache finds exactly what an uncached run finds (cold, warm, a
new commit on a known base, a pruned entry, another policy), and what is stored per side
and per file is reused."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from hotfix_hooks import cache as cache_mod
from hotfix_hooks.git import plumbing
from tests.support.actions_service import ORDERS_WITH_MODEL
from tests.support.actions_service import SCHEMAS
from tests.support.actions_service import SERVICE_FILES
from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo


def _scan(repo: GitRepo, *extra: str, env: dict[str, str] | None = None) -> list[Any]:
    res = run_cli(repo, 'scan', '--from-ref', 'main', '--to-ref', 'HEAD', '--format', 'json',
                  *extra, env=env)
    assert res.returncode in (0, 1), res.stdout + res.stderr
    return json.loads(res.stdout)['findings']  # type: ignore[no-any-return]


def _namespaces(repo: GitRepo) -> dict[str, int]:
    """Entries per analysis (from each entry's header)."""
    root = cache_mod.cache_dir(plumbing.common_dir(str(repo.path)))
    out: dict[str, int] = {}
    for path, _ in cache_mod.entries(root):
        with open(path, 'rb') as f:
            header = f.readline().split()
        out[header[1].decode()] = out.get(header[1].decode(), 0) + 1
    return out


@pytest.fixture
def service(repo: GitRepo) -> GitRepo:
    files = dict(SERVICE_FILES, **{'app/schemas.py': SCHEMAS,
                                   'app/routers/orders.py': ORDERS_WITH_MODEL})
    repo.commit('service', files=dict(files))
    repo.checkout('hotfix/ARIS-16-cache', create=True)
    # a response field removed (contract), the idempotency key of an /actions route dropped
    # and the cash route's handler changed (/actions: the unchanged middleware is looked up)
    repo.commit('fix', files={
        'app/schemas.py': SCHEMAS.replace('    note: Optional[str] = None\n', ''),
        'app/routers/orders.py': ORDERS_WITH_MODEL.replace(
            ',\n                 idempotency_key: str = Header(..., alias="Idempotency-Key")',
            ''),
        'app/routers/cash.py': SERVICE_FILES['app/routers/cash.py'].replace(
            'return {"ok": True}', 'return {"ok": True, "id": session_id}')})
    return repo


def test_cached_and_uncached_runs_find_the_same(service: GitRepo) -> None:
    uncached = _scan(service, '--no-cache')
    assert {'contract', 'actions'} <= {f['category'] for f in uncached}
    assert _namespaces(service) == {}
    cold = _scan(service)
    stored = _namespaces(service)
    # one summary and one document per side, the unchanged files' scan facts (one entry
    # for the base tree), the /actions records of the modules the profiles followed
    assert stored['contract.side'] == 2 and stored['contract.doc'] == 2
    assert 'actions.scan' not in stored and stored['actions.scan-tree'] == 1
    assert stored['actions.functions'] >= 1
    assert stored['contract.diff'] == 1              # the two sides' differences
    warm = _scan(service)
    assert _namespaces(service) == stored           # nothing rebuilt
    assert uncached == cold == warm
    assert _scan(service, env={'HOTFIX_HOOKS_CACHE': '0'}) == uncached


def test_a_new_commit_on_a_known_base_builds_only_its_head(service: GitRepo) -> None:
    _scan(service)
    before = _namespaces(service)
    service.commit('more', files={'app/routers/cash.py': SERVICE_FILES[
        'app/routers/cash.py'].replace('return {"ok": True}', 'return {"ok": False}')})
    found = _scan(service)
    after = _namespaces(service)
    assert after['contract.side'] == before['contract.side'] + 1       # the base is reused
    assert found == _scan(service, '--no-cache')


def test_a_pruned_or_corrupt_entry_is_rebuilt_not_trusted(service: GitRepo) -> None:
    expected = _scan(service, '--no-cache')
    _scan(service)
    root = cache_mod.cache_dir(plumbing.common_dir(str(service.path)))
    for path, _ in cache_mod.entries(root):
        with open(path, 'rb') as f:
            kind = f.readline().split()[1]
        if kind == b'contract.doc':
            os.remove(path)                       # pruned: the summary alone is left
        elif kind in (b'contract.side', b'contract.diff', b'actions.scan-tree'):
            Path(path).write_bytes(Path(path).read_bytes()[:-7] + b'garbage')
    assert _scan(service) == expected
    assert _scan(service) == expected


def test_a_project_file_the_contract_reads_is_part_of_the_key(service: GitRepo) -> None:
    _scan(service)
    before = _namespaces(service)['contract.side']
    service.commit('roots', files={'pyproject.toml': '[tool.hotfix-hooks.contract]\n'
                                                     'python_roots = ["app"]\n'})
    found = _scan(service)
    assert _namespaces(service)['contract.side'] > before
    assert found == _scan(service, '--no-cache')
