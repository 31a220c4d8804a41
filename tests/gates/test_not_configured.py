"""A repository that is not the protocol's home service: the default gates and domains
(tests/smoke/..., scripts/post_go_live_integrity_check.py, pytest -k pos ...) are not
configured there. They say so ("run hotfix-hooks init") and never count as a pass; a
proposal of ``init`` runs only once someone confirmed it."""
from __future__ import annotations

import os
import sys

import pytest

from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import hh_json

BRANCH = 'hotfix/ARIS-60-fix-totals'
FOREIGN = {  # code under backend/, tests under backend/tests, no policy
    'backend/app/__init__.py': '',
    'backend/app/main.py': 'from fastapi import FastAPI\n\napp = FastAPI()\n',
    'backend/app/stock.py': 'TOTAL = 1\n',
    'backend/tests/test_main.py': 'def test_ok():\n    assert True\n',
    'README.md': '# a service\n',
}


@pytest.fixture
def foreign(repo: GitRepo) -> GitRepo:
    repo.commit('service', FOREIGN)
    repo.checkout(BRANCH, create=True)
    return repo


def _rows(stdout: str) -> dict[str, tuple[str, str]]:
    out = {}
    for line in stdout.splitlines()[2:]:
        if line.startswith(('  ', 'NOT READY', 'READY')):
            continue
        check, rest = line[:24].strip(), line[24:]
        out[check] = (rest[:9].strip(), rest[9:])
    return out


def test_default_gates_say_not_configured_never_pass(foreign: GitRepo) -> None:
    foreign.commit('fix', {'backend/app/main.py': FOREIGN['backend/app/main.py'] + '\n'})
    rc, data, err = hh_json(foreign, 'gate')
    assert rc == 1, err
    found = {f['gate']: f for f in data['findings'] if f['rule'] == 'gate-not-configured'}
    assert set(found) == {'smoke', 'integrity'}
    assert 'tests/smoke/test_post_go_live_stability.py' in found['smoke']['message']
    assert 'scripts/post_go_live_integrity_check.py' in found['integrity']['message']
    assert found['smoke']['severity'] == 'error'
    assert 'run "hotfix-hooks init"' in found['smoke']['hint']
    [run] = data['runs']
    assert {r['name']: r['status'] for r in run['results']} == {
        'smoke': 'not-configured', 'integrity': 'not-configured', 'rollback': 'skipped'}
    # nothing ran: no process was started for a gate that cannot exist here
    assert run['workspace'] == 'nothing run'

    res = run_cli(foreign, 'readiness')
    rows = _rows(res.stdout)
    assert rows['smoke'][0] == rows['integrity'][0] == 'MISSING'
    assert 'not configured' in rows['smoke'][1]
    assert rows['targeted regression'][0] == 'MISSING'
    assert 'run "hotfix-hooks init"' in rows['targeted regression'][1]


def test_a_touched_default_domain_is_not_configured_without_its_tests(foreign: GitRepo
                                                                       ) -> None:
    foreign.commit('fix stock', {'backend/app/stock.py': 'TOTAL = 2\n'})
    res = run_cli(foreign, 'gate')
    assert res.returncode == 1
    assert '[gate-not-configured] regression subset `domain:stock` is not configured' \
        in res.stdout
    assert 'needs tests, which this repository does not have' in res.stdout
    assert 'NOT-CONFIGURED' in res.stdout
    rows = _rows(run_cli(foreign, 'readiness').stdout)
    assert rows['targeted regression'][0] == 'MISSING'
    assert 'stock' in rows['targeted regression'][1]


def test_the_home_service_of_the_protocol_still_runs_the_defaults(repo: GitRepo,
                                                                   tmp_path) -> None:
    """With the protocol's files in place the defaults are configured: they run."""
    marks = tmp_path / 'marks'
    script = f'import pathlib; pathlib.Path({str(marks)!r}).open("a").write("ran\\n")\n'
    repo.commit('home', {'tests/smoke/test_post_go_live_stability.py':
                         'def test_ok():\n    assert True\n',
                         'scripts/post_go_live_integrity_check.py': script,
                         'app/stock/totals.py': 'X = 1\n',
                         'tests/test_stock.py': 'def test_stock():\n    assert True\n'})
    repo.checkout(BRANCH, create=True)
    repo.commit('fix', {'app/stock/totals.py': 'X = 2\n'})
    env = {'PATH': os.path.dirname(sys.executable) + os.pathsep + os.environ['PATH']}
    rc, data, err = hh_json(repo, 'gate', env=env)
    assert not [f for f in data['findings'] if f['rule'] == 'gate-not-configured'], data
    statuses = {r['name']: r['status'] for r in data['runs'][0]['results']}
    assert statuses['smoke'] == statuses['integrity'] == statuses['domain:stock'] == 'pass'
    assert marks.read_text() == 'ran\n'


PROPOSED = '''base = "main"

# PROPOSAL (hotfix-hooks init): check the command, then delete "proposed = true"
[[gates]]
name = "smoke"
command = ["python", "-c", "print('smoke ran')"]
proposed = true

[domains.stock]
paths = ["backend/app/stock.py"]
command = ["python", "-c", "print('stock ran')"]
proposed = true
'''


def _policy_on_main(repo: GitRepo, text: str) -> None:
    """The policy lands on main (a hotfix is judged by its base side's policy); the hotfix
    branch merges it."""
    repo.checkout('main')
    repo.commit('policy', {'.hotfix-hooks.toml': text})
    repo.checkout(BRANCH)
    repo.git('merge', '-q', '--no-edit', 'main')


def test_a_proposal_runs_only_once_confirmed(foreign: GitRepo) -> None:
    _policy_on_main(foreign, PROPOSED)
    foreign.commit('fix stock', {'backend/app/stock.py': 'TOTAL = 2\n'})
    env = {'PATH': os.path.dirname(sys.executable) + os.pathsep + os.environ['PATH']}
    res = run_cli(foreign, 'gate', env=env)
    assert res.returncode == 1
    assert ('[gate-not-configured] gate `smoke` is not configured for this repository: a '
            'proposal of "hotfix-hooks init" that nobody confirmed') in res.stdout
    assert 'delete its "proposed = true" line to confirm it' in res.stdout
    assert 'regression subset `domain:stock` is not configured' in res.stdout
    assert 'smoke ran' not in res.stdout + res.stderr
    _policy_on_main(foreign, PROPOSED.replace('proposed = true\n', ''))
    res = run_cli(foreign, 'gate', env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert 'gate-not-configured' not in res.stdout
