"""Adversarial: input a check cannot read must not pass. A NUL byte in a SQL migration, a
migration over the size limit, a spec over max_spec_bytes, a constant expression or YAML
aliases built to exhaust the analyser, a moved submodule, a "revision" that is a git
option: each is a finding (or a one-line error), in bounded time and memory."""
from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.gitrepo import _with_pythonpath
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import HOTFIX_BRANCH
from tests.support.migration_fixtures import INIT
from tests.support.migration_fixtures import V

SPEC = {'openapi': '3.0.3', 'info': {'title': 'shop', 'version': '1'},
        'paths': {'/orders': {'get': {'responses': {'200': {'description': 'ok'}}}},
                  '/orders/{id}': {'delete': {
                      'parameters': [{'name': 'id', 'in': 'path', 'required': True,
                                      'schema': {'type': 'integer'}}],
                      'responses': {'204': {'description': 'gone'}}}}}}
HEADER = '''from alembic import op
import sqlalchemy as sa

revision = 'c3d4e5f6a7b8'
down_revision = 'a1f0c2d3e4b5'
'''


def _repo(tmp_path: Path, files: dict[str, str | bytes]) -> GitRepo:
    repo = GitRepo(tmp_path / 'svc')
    repo.commit('base', {'README.md': 'svc\n', 'migrations/001_init.sql':
                         'CREATE TABLE users (id int, legacy text);\n',
                         f'{V}/0001_init.py': INIT, 'openapi.json': json.dumps(SPEC, indent=1),
                         'openapi.yaml': 'openapi: 3.0.3\ninfo: {title: s, version: "1"}\n'
                                         'paths: {}\n'})
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.commit('fix', files)
    return repo


def _scan(repo: GitRepo, *args: str) -> tuple[int, list[dict]]:
    res = run_cli(repo, 'scan', '--format', 'json', *args)
    assert res.returncode in (0, 1), res.stderr
    return res.returncode, json.loads(res.stdout)['findings']


def _bounded_scan(repo: GitRepo) -> subprocess.CompletedProcess[str]:
    """``hotfix-hooks scan`` as a process limited to 1 GiB of address space."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    env = dict(repo.env)
    env.update(_with_pythonpath(None))
    return subprocess.run([sys.executable, '-m', 'hotfix_hooks', 'scan', '--format', 'json'],
                          cwd=repo.path, env=env, capture_output=True, text=True,
                          preexec_fn=limit, timeout=600)


@pytest.mark.parametrize('path', ['migrations/002_drop_legacy.sql',
                                  'db/0002_drop_legacy.up.sql'])
def test_a_nul_byte_in_a_sql_migration_is_an_error(tmp_path: Path, path: str) -> None:
    repo = _repo(tmp_path, {path: b'ALTER TABLE users DROP COLUMN legacy;\n\0\n'})
    rc, found = _scan(repo)
    bad = [f for f in found if f['rule'] == 'migration-file-unreadable']
    assert rc == 1 and bad and bad[0]['path'] == path and bad[0]['severity'] == 'error'
    assert 'NUL byte' in bad[0]['message']


def test_a_migration_over_the_size_limit_is_an_error(tmp_path: Path) -> None:
    big = 'ALTER TABLE users DROP COLUMN legacy;\n' + '-- padding\n' * 600_000
    repo = _repo(tmp_path, {'migrations/002_drop_legacy.sql': big})
    rc, found = _scan(repo)
    bad = [f for f in found if f['rule'] == 'migration-file-unreadable']
    assert rc == 1 and bad and 'over the limit of 5,000,000' in bad[0]['message']


def test_a_spec_over_max_spec_bytes_is_an_error(tmp_path: Path) -> None:
    spec = dict(SPEC, paths={'/orders': SPEC['paths']['/orders']},        # a path deleted
                **{'x-padding': 'x' * 21_000_000})
    repo = _repo(tmp_path, {'openapi.json': json.dumps(spec)})
    rc, found = _scan(repo, '--only', 'contract')
    assert rc == 1
    assert [(f['rule'], f['severity'], f['path']) for f in found] == [
        ('openapi-too-large', 'error', 'openapi.json')]


def test_a_spec_path_that_is_not_text_is_an_error(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {'openapi.json': json.dumps(SPEC).encode('utf-16')})
    rc, found = _scan(repo, '--only', 'contract')
    assert rc == 1 and [f['rule'] for f in found] == ['openapi-unparseable']


HOSTILE_FOLDING = {
    'doubling': HEADER + '''

def upgrade():
    s = 'ALTER TABLE users DROP COLUMN legacy_code; '
    for _ in range(200):
        s = s + s
    op.execute(s)


def downgrade():
    pass
''',
    'nested': HEADER + '''

def drop(n):
    for a in range(200):
        for b in range(200):
            op.drop_column('users', 'c%d_%d' % (a, b))


def twice(n):
    for i in range(200):
        drop(i)


def upgrade():
    twice(1)
    op.drop_column('users', 'legacy_code')


def downgrade():
    pass
''',
    'power': HEADER + '''
SIZE = 10 ** 10 ** 10


def upgrade():
    op.drop_column('users', 'legacy_code')


def downgrade():
    pass
''',
}


@pytest.mark.parametrize('case', sorted(HOSTILE_FOLDING))
def test_hostile_constant_folding_costs_bounded_time_and_memory(tmp_path: Path,
                                                                case: str) -> None:
    repo = _repo(tmp_path, {f'{V}/0002_hostile.py': HOSTILE_FOLDING[case]})
    res = _bounded_scan(repo)
    assert res.returncode == 1, res.stdout + res.stderr
    rules = {(f['rule'], f['severity']) for f in json.loads(res.stdout)['findings']
             if f['path'] == f'{V}/0002_hostile.py'}
    if case == 'power':        # the constant stays unknown; the drop is still seen
        assert ('migration-drop-column', 'error') in rules
    else:
        assert ('migration-file-unreadable', 'error') in rules


def test_yaml_alias_expansion_is_bounded(tmp_path: Path) -> None:
    levels = ['x-l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        refs = ', '.join([f'*l{i - 1}'] * 9)
        levels.append(f'x-l{i}: &l{i} [{refs}]')
    bomb = ('openapi: 3.0.3\ninfo: {title: s, version: "1"}\npaths: {}\n'
            + '\n'.join(levels) + '\n')
    repo = _repo(tmp_path, {'openapi.yaml': bomb})
    res = _bounded_scan(repo)
    assert res.returncode == 1, res.stdout + res.stderr
    found = [f for f in json.loads(res.stdout)['findings'] if f['path'] == 'openapi.yaml']
    assert [(f['rule'], f['severity']) for f in found] == [('openapi-unparseable', 'error')]
    assert 'aliases expand to more than 2,000,000 nodes' in found[0]['message']


def test_a_recursive_yaml_alias_is_a_finding(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {'openapi.yaml': 'openapi: 3.0.3\ninfo: {title: s, version: "1"}\n'
                                            'paths: {}\nx-self: &s [*s]\n'})
    rc, found = _scan(repo, '--only', 'contract')
    assert rc == 1 and 'contains itself' in found[0]['message']


def test_a_moved_submodule_is_a_finding(tmp_path: Path) -> None:
    lib = GitRepo(tmp_path / 'lib')
    lib.commit('v1', {'lib.py': 'X = 1\n'})
    repo = GitRepo(tmp_path / 'svc')
    repo.commit('base', {'README.md': 'svc\n'})
    repo.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', str(lib.path), 'lib')
    repo.commit('lib')
    lib.commit('v2: anything at all', {'lib.py': 'import os\nos.system("rm -rf /")\n'})
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.git('-C', 'lib', 'pull', '-q', 'origin', 'main')
    repo.commit('bump lib')
    rc, found = _scan(repo)
    assert rc == 1
    assert [(f['rule'], f['path']) for f in found] == [('scope-submodule-changed', 'lib')]


def test_a_revision_that_looks_like_an_option_is_a_revision(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {'app.py': 'x = 1\n'})
    out = tmp_path / 'written'
    for args in (('scan', f'--from-ref=--output={out}', '--to-ref', 'HEAD'),
                 ('openapi-diff', f'--output={out}:openapi.json', 'openapi.json'),
                 ('scan', '--base=--output=' + str(out))):
        res = run_cli(repo, *args)
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        assert len(res.stderr.strip().splitlines()) == 1 and 'Traceback' not in res.stderr
        assert not out.exists() and not list(tmp_path.glob('written*'))
