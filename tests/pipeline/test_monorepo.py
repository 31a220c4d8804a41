"""Monorepos: the policy file nearest to a changed file governs it (``server/pyproject.toml``,
``server/.hotfix-hooks.toml``), as if its folder were a repository of its own; the change is
split by governing policy, and every service keeps its own rules, gates and domains."""
from __future__ import annotations

import json
import os
import sys

import pytest

from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import hh_json
from tests.support.migration_fixtures import alembic
from tests.support.migration_fixtures import BASE as ALEMBIC_BASE

ITEMS = '''from fastapi import APIRouter

router = APIRouter(prefix="/items")


@router.get("/")
def list_items():
    return []


@router.get("/{item_id}")
def get_item(item_id: int):
    return {"id": item_id}
'''
ITEMS_WITHOUT_GET = ITEMS.split('\n\n@router.get("/{item_id}")')[0] + '\n'
MAIN = '''from fastapi import FastAPI

from polar.api import items

app = FastAPI()
app.include_router(items.router, prefix="/v1")
'''
DROP = alembic("op.drop_column('orders', 'note')",
               "op.add_column('orders', sa.Column('note', sa.Text(), nullable=True))")
SERVER_POLICY = '''[project]
name = "polar"
version = "0.1.0"

[tool.hotfix-hooks]
disable = ["api-route-removed"]

[tool.hotfix-hooks.migrations.severity]
migration-drop-column = "warning"
'''
BRANCH = 'hotfix/ARIS-40-monorepo'


def on_main(mono: GitRepo, files: dict[str, str]) -> None:
    """A policy change lands on the base branch first (a hotfix is judged by the policies
    of its base side, folder policies included); the hotfix branch then merges it."""
    mono.checkout('main')
    mono.commit('policy change, reviewed', files)
    mono.checkout(BRANCH)
    mono.git('merge', '-q', '--no-edit', 'main')


def service_files(prefix: str) -> dict[str, str]:
    files = {f'{prefix}/polar/__init__.py': '', f'{prefix}/polar/api/__init__.py': '',
             f'{prefix}/polar/api/items.py': ITEMS, f'{prefix}/polar/main.py': MAIN}
    files.update({f'{prefix}/migrations/{p.removeprefix("alembic/")}': t
                  for p, t in ALEMBIC_BASE.items()})
    return files


@pytest.fixture
def mono(repo: GitRepo) -> GitRepo:
    """server/ with its own policy in server/pyproject.toml; worker/ with none (governed
    by the root, which has no policy file either: the defaults)."""
    files = {'README.md': '# monorepo\n', 'server/pyproject.toml': SERVER_POLICY,
             **service_files('server'), **service_files('worker')}
    repo.commit('two services', files)
    repo.checkout(BRANCH, create=True)
    return repo


def by_rule(data: dict) -> dict[str, list[dict]]:  # type: ignore[type-arg]
    out: dict[str, list[dict]] = {}  # type: ignore[type-arg]
    for f in data['findings']:
        out.setdefault(f['rule'], []).append(f)
    return out


def test_the_nearest_policy_governs_each_service(mono: GitRepo) -> None:
    mono.commit('drop a column in both', {
        'server/migrations/versions/c3d4e5f6a7b8_hotfix.py': DROP,
        'worker/migrations/versions/c3d4e5f6a7b8_hotfix.py': DROP})
    rc, data, err = hh_json(mono, 'scan')
    assert rc == 1, err
    drops = {f['path']: (f['severity'], f['policy'])
             for f in by_rule(data)['migration-drop-column']}
    assert drops == {
        'server/migrations/versions/c3d4e5f6a7b8_hotfix.py': ('warning', 'server/pyproject.toml'),
        'worker/migrations/versions/c3d4e5f6a7b8_hotfix.py': ('error', '(defaults)')}
    # the server's policy disables api-route-removed for its files only
    mono.commit('remove GET /items/{id} in both', {
        'server/polar/api/items.py': ITEMS_WITHOUT_GET,
        'worker/polar/api/items.py': ITEMS_WITHOUT_GET})
    rc, data, _ = hh_json(mono, 'scan')
    assert {f['path'] for f in by_rule(data)['api-route-removed']} == {
        'worker/polar/api/items.py'}


def test_the_scope_budget_is_the_whole_hotfix(mono: GitRepo) -> None:
    """Spreading a change over services does not split its budget: scope is judged on the
    whole change with the root policy, and a folder policy cannot set it."""
    files = {f'{svc}/polar/m{i}.py': 'X = 1\n' for svc in ('server', 'worker')
             for i in range(9)}
    mono.commit('eighteen new modules', files)
    rc, data, _ = hh_json(mono, 'scan')
    [budget] = by_rule(data)['scope-too-many-files']
    assert 'changes 18 files' in budget['message'] and 'policy' not in budget
    # on the hotfix branch itself: not applied, and reported
    mono.commit('a budget of its own', {'server/.hotfix-hooks.toml': '[scope]\nmax_files = 99\n'})
    rc, data, _ = hh_json(mono, 'scan')
    [changed] = by_rule(data)['policy-changed-in-hotfix']
    assert rc == 1 and "'scope' is a repository-wide policy key" in changed['message']
    # on the base branch: the policy the hotfix is judged by is refused
    mono.git('reset', '-q', '--hard', 'HEAD~1')
    on_main(mono, {'server/.hotfix-hooks.toml': '[scope]\nmax_files = 99\n'})
    res = run_cli(mono, 'scan')
    assert res.returncode == 2 and "'scope' is a repository-wide policy key" in res.stderr


def test_a_service_is_read_from_its_own_root(mono: GitRepo) -> None:
    """``from polar.api import items`` resolves inside server/: the route removed is the
    one clients call, with the /v1 prefix its include_router gives it."""
    mono.commit('remove GET /items/{id}', {'server/polar/api/items.py': ITEMS_WITHOUT_GET})
    on_main(mono, {'server/.hotfix-hooks.toml': ''})    # the server's rules, nothing disabled
    rc, data, _ = hh_json(mono, 'scan')
    assert rc == 1
    [removed] = by_rule(data)['api-route-removed']
    assert removed['path'] == 'server/polar/api/items.py' and removed['line'] == 11
    assert removed['operation'] == 'GET /v1/items/{item_id}'


def test_server_dot_hotfix_hooks_toml_wins_over_its_pyproject(mono: GitRepo) -> None:
    on_main(mono, {'server/.hotfix-hooks.toml': '[migrations.severity]\n'
                                               'migration-drop-column = "info"\n'})
    mono.commit('drop', {'server/migrations/versions/c3d4e5f6a7b8_hotfix.py': DROP})
    rc, data, _ = hh_json(mono, 'scan')
    assert rc == 0
    [drop] = by_rule(data)['migration-drop-column']
    assert (drop['severity'], drop['policy']) == ('info', 'server/.hotfix-hooks.toml')


def test_a_folder_policy_may_not_set_repository_wide_keys(mono: GitRepo) -> None:
    """One branch, one base, one ticket pattern: a service cannot change them, and is told
    where they go instead of being silently ignored."""
    on_main(mono, {
        'server/pyproject.toml': SERVER_POLICY.replace('[tool.hotfix-hooks]\n',
                                                       '[tool.hotfix-hooks]\nbase = "dev"\n')})
    mono.commit('touch the service', {'server/polar/main.py': MAIN + '\n'})
    res = run_cli(mono, 'scan')
    assert res.returncode == 2
    assert ("server/pyproject.toml: 'base' is a repository-wide policy key; a folder policy "
            'sets only ') in res.stderr
    assert 'move it to the root policy (.hotfix-hooks.toml at the top' in res.stderr


def test_a_broken_folder_policy_is_an_error_not_a_skip(mono: GitRepo) -> None:
    on_main(mono, {'server/.hotfix-hooks.toml': '[scope\n'})
    mono.commit('touch the service', {'server/polar/main.py': MAIN + '\n'})
    res = run_cli(mono, 'scan')
    assert res.returncode == 2 and 'server/.hotfix-hooks.toml: invalid TOML' in res.stderr


def test_a_hotfix_reads_the_folder_policy_of_its_base_side(mono: GitRepo) -> None:
    """What CI will read: an edit of server/pyproject.toml on the hotfix branch (committed
    or not) does not change the verdict; it is reported as policy-changed-in-hotfix."""
    head = mono.commit('drop', {'server/migrations/versions/c3d4e5f6a7b8_hotfix.py': DROP})
    mono.write('server/pyproject.toml', SERVER_POLICY.replace('"warning"', '"error"'))
    rc, data, _ = hh_json(mono, 'scan', '--from-ref', 'main', '--to-ref', head)
    assert rc == 0 and by_rule(data)['migration-drop-column'][0]['severity'] == 'warning'
    # the working tree (a manual scan): the same verdict, and the edit is reported
    rc, data, _ = hh_json(mono, 'scan')
    assert by_rule(data)['migration-drop-column'][0]['severity'] == 'warning'
    [changed] = by_rule(data)['policy-changed-in-hotfix']
    assert rc == 1 and changed['path'] == 'server/pyproject.toml'


def test_a_file_moved_between_services_leaves_one_and_enters_the_other(mono: GitRepo) -> None:
    mono.git('mv', 'worker/migrations/versions/b2c3d4e5f6a7_orders_created_at.py',
             'server/migrations/versions/f0e1d2c3b4a5_moved.py')
    mono.commit('move a migration across services')
    assert 'R100' in mono.git('show', '--name-status', '-M', '--format=', 'HEAD')
    rc, data, _ = hh_json(mono, 'scan')
    found = {(f['rule'], f['path'], f.get('change')) for f in data['findings']}
    # deleted from the worker's shipped history (its own policy judges it) ...
    assert ('migration-history-edited',
            'worker/migrations/versions/b2c3d4e5f6a7_orders_created_at.py', 'deleted') in found
    # ... and a second copy of an existing revision in the server's
    assert any(r == 'migration-duplicate-revision' and p.startswith('server/migrations/')
               for r, p, _ in found), found
    assert rc == 1


def test_config_shows_which_file_governs_which_folder(mono: GitRepo) -> None:
    res = run_cli(mono, 'config')
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert '# policy files (the nearest one governs the files below its folder):' in lines
    assert '#   ./       (no policy file: the ARIS3 v1 defaults)' in lines
    assert '#   server/  server/pyproject.toml' in lines
    res = run_cli(mono, 'config', '--path', 'server/polar/main.py')
    assert res.returncode == 0
    assert res.stdout.splitlines()[0] == ('# server/polar/main.py is governed by '
                                          'server/pyproject.toml (folder server/)')
    values = {line.split(' = ')[0].strip(): line.split(' = ', 1)[1]
              for line in res.stdout.splitlines() if not line.startswith('#')}
    assert values['disable'] == '["api-route-removed"]  # server/pyproject.toml'
    assert values['base'] == 'null  # default'
    data = json.loads(run_cli(mono, 'config', '--format', 'json').stdout)
    assert data['governs'] == [{'folder': '', 'file': None},
                               {'folder': 'server', 'file': 'server/pyproject.toml'}]


GATE = '''import os, sys
with open(os.environ["GATE_MARKS"], "a") as f:
    f.write(sys.argv[1] + " in " + os.path.basename(os.getcwd()) + "\\n")
'''


def gates_policy(name: str) -> str:
    return (f'[[gates]]\nname = "smoke"\ncommand = ["python", "../tools/gate.py", "{name}-smoke"]\n'
            f'[domains.billing]\npaths = ["app/billing/**"]\n'
            f'command = ["python", "../tools/gate.py", "{name}-billing"]\n')


def test_each_service_keeps_its_own_gates_and_domains(repo: GitRepo, tmp_path) -> None:
    marks = tmp_path / 'marks.txt'
    env = {'GATE_MARKS': str(marks),
           'PATH': os.path.dirname(sys.executable) + os.pathsep + os.environ['PATH']}
    repo.commit('services', {
        '.hotfix-hooks.toml': '[[gates]]\nname = "smoke"\n'
                              'command = ["python", "tools/gate.py", "root-smoke"]\n',
        'tools/gate.py': GATE,
        'api/.hotfix-hooks.toml': gates_policy('api'), 'api/app/billing/x.py': 'X = 1\n',
        'web/.hotfix-hooks.toml': gates_policy('web'), 'web/app/billing/x.py': 'X = 1\n'})
    repo.checkout('hotfix/ARIS-41-billing', create=True)
    repo.commit('fix api billing', {'api/app/billing/x.py': 'X = 2\n'})
    res = run_cli(repo, 'gate', env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert marks.read_text().splitlines() == ['api-smoke in api', 'api-billing in api']
    assert 'api/smoke' in res.stdout and 'api/domain:billing' in res.stdout
    assert 'api/billing  touched by api/app/billing/x.py' in res.stdout
    # the evidence is per service: readiness finds the api's smoke run
    res = run_cli(repo, 'readiness')
    rows = {line[:24].strip(): line[24:] for line in res.stdout.splitlines()[2:10]}
    assert rows['smoke'].startswith('PASS'), res.stdout
    assert rows['targeted regression'].startswith('PASS') and 'api/billing' in rows[
        'targeted regression']

    marks.unlink()
    repo.commit('fix both', {'web/app/billing/x.py': 'X = 3\n', 'README.md': 'x\n'})
    res = run_cli(repo, 'gate', env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert sorted(marks.read_text().splitlines()) == [
        'api-billing in api', 'api-smoke in api', f'root-smoke in {repo.path.name}',
        'web-billing in web', 'web-smoke in web']


def test_the_root_does_not_judge_what_a_folder_policy_governs(mono: GitRepo) -> None:
    """The root's part of a change sees the repository without the governed folders:
    a second Alembic head in server/ is the server's finding, reported once."""
    second_head = alembic("op.add_column('orders', sa.Column('x', sa.Text()))",
                          "op.drop_column('orders', 'x')", revision='d4e5f6a7b8c9',
                          down_revision='a1f0c2d3e4b5')
    mono.commit('a second head, and a root file', {
        'server/migrations/versions/d4e5f6a7b8c9_x.py': second_head,
        'README.md': '# monorepo, now documented\n', 'tools/x.py': 'X = 1\n'})
    rc, data, _ = hh_json(mono, 'scan')
    heads = [f for f in data['findings'] if f['rule'] == 'migration-multiple-heads']
    assert len(heads) == 1 and heads[0]['policy'] == 'server/pyproject.toml', data
    assert rc == 1
