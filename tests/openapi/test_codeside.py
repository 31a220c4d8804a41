"""The route-code contract read from the analysis cache (``openapi/codeside.py``): a run whose
both sides and their comparison are cached loads neither the builder nor the OpenAPI engine,
and finds exactly what a cold and an uncached run find; the side digest names exactly the
files the contract reads."""
from __future__ import annotations

import hashlib
import json
import sys
from typing import Any

import pytest

from hotfix_hooks.changeset import matches_any
from hotfix_hooks.git.changes import ObjectReader
from hotfix_hooks.git.changes import TreeSnapshot
from hotfix_hooks.openapi import codeside
from hotfix_hooks.openapi.codecontract import _PROJECT_FILES
from hotfix_hooks.openapi.codecontract import _REQUIREMENTS
from tests.support.actions_service import ORDERS_WITH_MODEL as ORDERS
from tests.support.actions_service import SCHEMAS
from tests.support.actions_service import SERVICE_FILES
from tests.support.gitrepo import GitRepo

# the modules a warm run must not load, and the code that lists what a real process loaded
HEAVY = ('hotfix_hooks.openapi.fromcode', 'hotfix_hooks.openapi.diff',
         'hotfix_hooks.openapi.loader', 'hotfix_hooks.openapi.schema',
         'hotfix_hooks.openapi.model')
LOADED = '''
import sys
from hotfix_hooks import cli
code = cli.main(sys.argv[1:])
sys.stderr.write("\\nLOADED " + " ".join(sorted(m for m in sys.modules
                                               if m.startswith("hotfix_hooks."))) + "\\n")
raise SystemExit(code)
'''


@pytest.fixture
def service(repo: GitRepo) -> GitRepo:
    files = dict(SERVICE_FILES, **{'app/schemas.py': SCHEMAS, 'app/routers/orders.py': ORDERS})
    repo.commit('service', files=dict(files))
    repo.checkout('hotfix/ARIS-16-warm', create=True)
    repo.commit('fix', files={'app/schemas.py': SCHEMAS.replace(
        '    note: Optional[str] = None\n', '')})
    return repo


def _scan(repo: GitRepo, *extra: str) -> tuple[list[Any], set[str]]:
    """The findings of a real process (``scan --only contract``) and the modules it loaded."""
    argv = ['scan', '--only', 'contract', '--from-ref', 'main', '--to-ref', 'HEAD',
            '--format', 'json', *extra]
    from tests.support.gitrepo import _with_pythonpath

    res = repo.run([sys.executable, '-c', LOADED, *argv], env=_with_pythonpath(None),
                   check=False)
    assert res.returncode in (0, 1), res.stdout + res.stderr
    loaded = set(res.stderr.rsplit('LOADED ', 1)[1].split())
    return json.loads(res.stdout)['findings'], loaded


def test_a_warm_run_loads_neither_the_builder_nor_the_openapi_engine(service: GitRepo) -> None:
    uncached, loaded = _scan(service, '--no-cache')
    assert set(HEAVY) <= loaded
    assert any(f['rule'] == 'response-property-removed' for f in uncached), uncached
    cold, loaded = _scan(service)
    assert set(HEAVY) <= loaded                    # built and compared once
    warm, loaded = _scan(service)
    assert not set(HEAVY) & loaded, sorted(set(HEAVY) & loaded)
    assert 'hotfix_hooks.openapi.codeside' in loaded
    assert uncached == cold == warm


def test_a_changed_spec_file_still_loads_the_engine_it_needs(service: GitRepo) -> None:
    spec = {'openapi': '3.1.0', 'info': {'title': 't', 'version': '1'},
            'paths': {'/a': {'get': {'responses': {'200': {'description': 'ok'}}}}}}
    service.commit('spec', files={'openapi.json': json.dumps(spec)})
    service.commit('spec gone', files={'openapi.json': json.dumps({**spec, 'paths': {}})})
    found, loaded = _scan(service, '--from-ref', 'HEAD~1')
    assert 'hotfix_hooks.openapi.diff' in loaded
    assert any(f['rule'] == 'api-path-removed' for f in found), found


def _reference_inputs(snap: TreeSnapshot, exclude: list[str]) -> str | None:
    """``side_inputs`` as it was written before: one ``matches_any`` per path."""
    digest = hashlib.sha256()
    for path in snap.paths():
        name = path.rsplit('/', 1)[-1]
        if not ((path.endswith('.py') and not matches_any(path, exclude))
                or name in _PROJECT_FILES
                or (path.count('/') <= 2 and _REQUIREMENTS.search(path))):
            continue
        blob = snap.blob_id(path)
        if blob is None:
            return None
        digest.update(path.encode('utf-8', 'surrogatepass') + b'\0' + blob.encode() + b'\0')
    return digest.hexdigest()


@pytest.mark.parametrize('exclude', [
    [], ['tests/**', '**/tests/**', 'test_*.py'], ['app/routers/*.py'], ['*.py'],
    ['app/[cd]*/**', 'app/routers/cas?.py'], ['setup.py', 'app/**'], ['a[!b]c.py', '**'],
])
def test_the_side_digest_names_exactly_the_files_the_contract_reads(
        repo: GitRepo, exclude: list[str]) -> None:
    repo.commit('files', files={
        **SERVICE_FILES, 'setup.py': 'from setuptools import setup\n',
        'tests/test_a.py': 'x = 1\n', 'app/tests/test_b.py': 'y = 2\n',
        'requirements.txt': 'pydantic<2\n', 'deep/er/still/requirements.txt': 'x\n',
        'app/core/cfg.py': 'z = 3\n', 'docs/readme.md': '# r\n', 'abc.py': '',
        'axc.py': '', 'pkg/pyproject.toml': '[project]\nname = "p"\n'})
    snap = TreeSnapshot(str(repo.path), ObjectReader(str(repo.path)), repo.head())
    assert codeside.side_inputs(snap, exclude) == _reference_inputs(snap, exclude)


def test_the_package_names_load_on_first_use() -> None:
    import hotfix_hooks.openapi as pkg
    from hotfix_hooks.openapi import diff_specs
    from hotfix_hooks.openapi import parse
    from hotfix_hooks.openapi import Spec
    from hotfix_hooks.openapi import SpecError
    from hotfix_hooks.openapi.diff import diff_specs as direct

    assert diff_specs is direct
    assert parse('{"openapi": "3.1.0", "paths": {}}', 'x.json').data['paths'] == {}
    assert issubclass(SpecError, Exception) and isinstance(Spec, type)
    with pytest.raises(AttributeError):
        pkg.no_such_name  # noqa: B018
