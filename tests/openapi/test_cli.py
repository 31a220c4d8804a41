"""``hotfix-hooks openapi-diff`` and ``scan --only contract`` in real repositories, and the
exact findings of a realistic edit of a large spec."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from hotfix_hooks.openapi import diff_specs
from hotfix_hooks.openapi import parse
from tests.support.cli import run_cli
from tests.support.contract_code import ROUTER
from tests.support.contract_code import tree
from tests.support.contract_helpers import base_spec
from tests.support.contract_helpers import edit
from tests.support.contract_helpers import item
from tests.support.gitrepo import GitRepo
from tests.support.specgen import fastapi_like_spec
from tests.support.specgen import realistic_edit


@pytest.fixture(scope='module')
def spec_repo(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    """main: v1 of the spec; hotfix branch: v2 with a breaking change."""
    from tests.support.gitrepo import git_env
    root = tmp_path_factory.mktemp('contract-cli')
    repo = GitRepo(root / 'repo', env=git_env(root))
    base = base_spec()
    repo.commit('v1', files={'api/openapi.yaml': yaml.safe_dump(base, sort_keys=False),
                             'api/openapi.json': json.dumps(base, indent=2)})
    repo.checkout('hotfix/ARIS-12-stock-fix', create=True)
    head = edit(base, lambda d: item(d)['required'].remove('name'))
    repo.commit('v2', files={'api/openapi.yaml': yaml.safe_dump(head, sort_keys=False)})
    return repo


def test_openapi_diff_rev_path_exits_1_on_breaking(spec_repo: GitRepo) -> None:
    res = run_cli(spec_repo, 'openapi-diff', 'main:api/openapi.yaml', 'HEAD:api/openapi.yaml')
    assert res.returncode == 1, res.stderr
    assert '[response-property-became-optional]' in res.stdout
    assert 'affects: GET /items/{item_id}, PUT /items/{item_id}, GET /items' in res.stdout


def test_openapi_diff_files_json_format_and_no_change(spec_repo: GitRepo) -> None:
    res = run_cli(spec_repo, 'openapi-diff', 'api/openapi.json', 'HEAD:api/openapi.yaml',
                       '--format', 'json')
    assert res.returncode == 1
    data = json.loads(res.stdout)
    (f,) = data['findings']
    assert f['rule'] == 'response-property-became-optional'
    assert f['pointer'] == '/components/schemas/Item/properties/name'
    assert f['affected'] == ['GET /items/{item_id}', 'PUT /items/{item_id}', 'GET /items']
    assert f['path'] == 'api/openapi.yaml' and isinstance(f['line'], int)
    same = run_cli(spec_repo, 'openapi-diff', 'api/openapi.json', 'main:api/openapi.yaml')
    assert same.returncode == 0, same.stdout


def test_openapi_diff_github_annotations_and_additive_exit_0(tmp_path: Path) -> None:
    base = base_spec()
    old, new = tmp_path / 'old.json', tmp_path / 'new.json'
    old.write_text(json.dumps(base))
    new.write_text(json.dumps(edit(base, lambda d: item(d)['properties'].update(
        sku={'type': 'string'}))))
    repo = GitRepo(tmp_path / 'r')
    res = run_cli(repo, 'openapi-diff', str(old), str(new), '--format', 'github')
    assert res.returncode == 0
    assert res.stdout.startswith('::notice file=')
    assert 'title=response-property-added' in res.stdout


def test_openapi_diff_bad_input_is_one_line_exit_2(spec_repo: GitRepo, tmp_path: Path) -> None:
    res = run_cli(spec_repo, 'openapi-diff', 'nosuchrev:api/openapi.yaml', 'HEAD:api/openapi.yaml')
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1 and 'nosuchrev' in res.stderr
    broken = tmp_path / 'broken.json'
    broken.write_text('{"openapi": "3.1.0", "paths": {')
    res = run_cli(spec_repo, 'openapi-diff', 'api/openapi.json', str(broken))
    assert res.returncode == 2
    assert 'invalid JSON' in res.stderr and 'Traceback' not in res.stderr


def test_scan_only_contract_on_hotfix_branch(spec_repo: GitRepo) -> None:
    res = run_cli(spec_repo, 'scan', '--only', 'contract', '--from-ref', 'main', '--to-ref', 'HEAD',
                       '--format', 'json')
    assert res.returncode == 1, res.stdout + res.stderr
    data = json.loads(res.stdout)
    assert [(f['rule'], f['path']) for f in data['findings']] == [
        ('response-property-became-optional', 'api/openapi.yaml')]


# -- a large spec -----------------------------------------------------------------------------

@pytest.fixture(scope='module')
def large_pair() -> tuple[str, str]:
    doc = fastapi_like_spec(30)
    return json.dumps(doc, indent=2), json.dumps(realistic_edit(doc), indent=2)


def test_large_spec_realistic_edit_exact_findings(large_pair: tuple[str, str]) -> None:
    old, new = large_pair
    assert len(old) >= 500_000
    findings = diff_specs(parse(old, 'openapi.json'), parse(new, 'openapi.json'))
    got = sorted((f.rule, f.severity, tuple(f.extra['affected'])) for f in findings)
    stock_ops = ('GET /aris3/stocks', 'POST /aris3/stocks', 'GET /aris3/stocks/{stock_id}',
                 'PATCH /aris3/stocks/{stock_id}')
    assert got == sorted([
        ('api-operation-added', 'info', ('POST /aris3/stocks/{stock_id}/adjust',)),
        ('new-required-request-parameter', 'error', ('POST /aris3/stocks',)),
        ('new-required-request-parameter', 'error', ('POST /aris3/transfers',)),
        ('request-parameter-enum-value-added', 'info', ('GET /aris3/transfers',)),
        ('request-property-enum-value-added', 'info',
         ('POST /aris3/transfers', 'PATCH /aris3/transfers/{transfer_id}')),
        ('request-property-max-length-decreased', 'error', ('POST /aris3/transfers',)),
        ('response-enum-value-added', 'error',
         ('GET /aris3/transfers', 'POST /aris3/transfers', 'GET /aris3/transfers/{transfer_id}',
          'PATCH /aris3/transfers/{transfer_id}')),
        ('response-property-became-nullable', 'error', stock_ops),
        ('response-property-became-optional', 'error', stock_ops),
    ])
    lines = new.splitlines()
    by_rule = {f.rule: f for f in findings}
    assert '"quantity"' in lines[by_rule['response-property-became-optional'].line - 1]
    assert '"Idempotency-Key"' in lines[by_rule['new-required-request-parameter'].line]


def test_scan_reports_code_contract_change_and_stale_spec(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / 'svc')
    files = tree()
    files['openapi.json'] = json.dumps(base_spec(), indent=2)
    for i in range(150):      # an ordinary amount of unrelated code
        files[f'shop/util/mod{i}.py'] = f'def helper_{i}(x):\n    return x + {i}\n'
    repo.commit('service', files=files)
    repo.checkout('hotfix/ARIS-9-idempotency', create=True)
    repo.commit('require the key', files={'shop/routers/items.py': ROUTER.replace(
        '"required": False', '"required": True')})
    res = run_cli(repo, 'scan', '--only', 'contract', '--from-ref', 'main', '--to-ref', 'HEAD',
                  '--format', 'json')
    assert res.returncode == 1, res.stdout + res.stderr
    found = {(f['rule'], f['path'], f['line']) for f in json.loads(res.stdout)['findings']}
    assert found == {('request-parameter-became-required', 'shop/routers/items.py', 16),
                     ('openapi-spec-stale', 'openapi.json', 1),
                     ('api-code-coverage', None, None)}
    (cov,) = [f for f in json.loads(res.stdout)['findings'] if f['rule'] == 'api-code-coverage']
    assert (cov['severity'], cov['resolved'], cov['total']) == ('info', 4, 4)


def test_scan_reads_frozen_endpoints_from_pyproject(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / 'frozen')
    base = base_spec()
    repo.commit('v1', files={
        'openapi.json': json.dumps(base, indent=2),
        'pyproject.toml': '[tool.hotfix-hooks.contract]\n'
                          'frozen_endpoints = ["GET /items", "PATCH /items/**"]\n'})
    repo.checkout('hotfix/ARIS-9-sku', create=True)
    repo.commit('add sku', files={'openapi.json': json.dumps(edit(base, lambda d: item(d)[
        'properties'].update(sku={'type': 'string'})), indent=2)})
    res = run_cli(repo, 'scan', '--only', 'contract', '--from-ref', 'main', '--to-ref', 'HEAD',
                  '--format', 'json')
    assert res.returncode == 1, res.stdout + res.stderr
    frozen = [f for f in json.loads(res.stdout)['findings']
              if f['rule'] == 'frozen-endpoint-changed']
    assert [(f['operation'], f['frozen_by']) for f in frozen] == [
        ('GET /items', 'frozen_endpoints: "GET /items"')]
