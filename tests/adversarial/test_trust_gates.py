"""Adversarial: the gates and their evidence. A branch pushed with --no-verify whose smoke
test fails, evidence made with a private --config, copied from another tree or clone,
edited by hand, a file edited while the gates run in place, two gate runs at once, a full
disk, a gate cwd that a branch points outside the repository."""
from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.gate_service import PYPROJECT
from tests.support.gitrepo import _with_pythonpath
from tests.support.records import commit_approvals
from tests.support.records import COMPLETE
from tests.support.records import pending
from tests.support.trustworld import BRANCH
from tests.support.trustworld import DEV
from tests.support.trustworld import findings
from tests.support.trustworld import World

RECORD = 'hotfixes/ARIS-5.toml'
OWNERS = ('\n[tool.hotfix-hooks.owners]\nincident_owner = ["ines@example.com"]\n'
          'release_owner = ["rene@example.com"]\n')
# a smoke gate the test can hold: it says it started, waits for "<marks>.go", reads the
# state, says so, waits for "<marks>.go2", and fails unless the state is "ok"
HELD_SMOKE = '''import os, sys, time
marks = os.environ["GATE_MARKS"]
def wait(name):
    deadline = time.monotonic() + 60
    while not os.path.exists(marks + name) and time.monotonic() < deadline:
        time.sleep(0.02)
open(marks + ".ready", "a").write("started\\n")
wait(".go")
state = open("app/state.txt").read().strip()
open(marks + ".read", "a").write(state + "\\n")
wait(".go2")
sys.exit(0 if state == "ok" else 1)
'''


def _record() -> str:
    return pending(COMPLETE.replace('ARIS-77', 'ARIS-5')).replace(
        './deploy.sh rollback 0.1.0-rc.3 --dry-run', 'python scripts/rollback.py --dry-run')


@pytest.fixture
def world(tmp_path: Path) -> World:
    w = World(tmp_path, PYPROJECT + OWNERS)
    w.branch()
    w.commit(DEV, 'ARIS-5 fix the config', {'app/config.py': 'X = 2\n', RECORD: _record()})
    commit_approvals(w.repo, RECORD)
    return w


def _readiness(w: World, *args: str, env: dict[str, str] | None = None) -> dict[str, dict]:
    res = w.run('readiness', '--format', 'json', *args, env=env)
    return {c['check']: c for c in json.loads(res.stdout)['checks']}


def test_ci_runs_the_gates_of_a_branch_pushed_with_no_verify(world: World) -> None:
    world.commit(DEV, 'ARIS-5 also this', {'app/state.txt': 'broken\n'})
    commit_approvals(world.repo, RECORD, incident='2026-11-27T13:40:00Z',
                     release='2026-11-27T13:45:00Z')
    world.push()
    res = world.ci('--format', 'json')
    assert res.returncode == 1, res.stderr
    failed = [f for f in findings(res) if f['rule'] == 'gate-failed']
    assert len(failed) == 1 and failed[0]['gate'] == 'smoke'
    assert 'gate `smoke` failed' in failed[0]['message']
    assert 'smoke' in res.stderr and 'FAIL' in res.stderr          # the gate table


def test_ci_with_no_gates_is_not_ready_in_ci(world: World) -> None:
    world.push()
    res = world.ci('--format', 'json', '--no-gates')
    assert 'the gates were not run in CI (--no-gates)' in res.stderr
    clone = world.last_clone
    env = {**world.env, 'GITHUB_ACTIONS': 'true', 'CI': 'true',
           'GITHUB_REF': f'refs/heads/{BRANCH}'}
    res = run_cli(clone, 'readiness', '--format', 'json', env=env)
    rows = {c['check']: c for c in json.loads(res.stdout)['checks']}
    assert res.returncode == 1
    assert rows['smoke']['status'] == 'MISSING'
    assert 'not run in CI' in rows['smoke']['evidence']
    # a local gate run in the CI clone does not count for CI's readiness either
    assert run_cli(clone, 'gate', '--branch', BRANCH,
                   env={**env, 'GITHUB_ACTIONS': '', 'CI': ''}).returncode == 0
    rows = {c['check']: c for c in json.loads(
        run_cli(clone, 'readiness', '--format', 'json', env=env).stdout)['checks']}
    assert rows['smoke']['status'] == 'MISSING' and 'not run in CI' in rows['smoke']['evidence']
    # ci itself runs them, and then readiness in CI accepts them
    assert world.ci('--format', 'json').returncode == 0
    rows = {c['check']: c for c in json.loads(
        run_cli(world.last_clone, 'readiness', '--format', 'json', env=env).stdout)['checks']}
    assert rows['smoke']['status'] == 'PASS', rows['smoke']


def test_evidence_from_a_private_config_does_not_count(world: World, tmp_path: Path) -> None:
    weak = tmp_path / 'weak.toml'
    weak.write_text('[[gates]]\nname = "smoke"\ncommand = ["true"]\n\n[[gates]]\n'
                    'name = "integrity"\ncommand = ["true"]\n')
    res = world.run('gate', '--config', str(weak))
    assert res.returncode == 0, res.stdout
    rows = _readiness(world)
    assert rows['smoke']['status'] == 'MISSING'
    assert 'it ran `true`, the policy says `python scripts/smoke.py`' in rows['smoke']['evidence']
    # the real gates count
    assert world.run('gate').returncode == 0
    assert _readiness(world)['smoke']['status'] == 'PASS'


def test_evidence_copied_from_another_tree_or_clone_or_edited_does_not_count(
        world: World, tmp_path: Path) -> None:
    assert world.run('gate').returncode == 0
    ev_dir = world.repo.path / '.git' / 'hotfix-hooks' / 'evidence'
    tree = world.repo.git('rev-parse', 'HEAD^{tree}')
    good = (ev_dir / f'{tree}.json').read_text()
    assert _readiness(world)['smoke']['status'] == 'PASS'
    # edited by hand: a result made with another command relabelled as the policy's
    data = json.loads(good)
    data['results']['integrity']['command'] = ['python', 'scripts/smoke.py']
    data['results']['integrity']['env'] = {}
    data['results']['smoke'] = dict(data['results']['integrity'], name='smoke')
    (ev_dir / f'{tree}.json').write_text(json.dumps(data))
    res = world.run('readiness', '--format', 'json')
    report = json.loads(res.stdout)
    assert any('was not written by hotfix-hooks in this clone' in n for n in report['notes'])
    assert {c['check']: c['status'] for c in report['checks']}['smoke'] == 'MISSING'
    (ev_dir / f'{tree}.json').write_text(good)
    assert _readiness(world)['smoke']['status'] == 'PASS'
    # copied onto a later commit's tree
    world.commit(DEV, 'ARIS-5 more', {'app/config.py': 'X = 3\n'})
    commit_approvals(world.repo, RECORD, incident='2026-11-27T13:40:00Z',
                     release='2026-11-27T13:45:00Z')
    later = world.repo.git('rev-parse', 'HEAD^{tree}')
    shutil.copy(ev_dir / f'{tree}.json', ev_dir / f'{later}.json')
    rows = _readiness(world)
    assert rows['smoke']['status'] == 'MISSING'
    # copied into another clone of the same branch (which has its own evidence key)
    assert world.run('gate').returncode == 0
    key = world.repo.path / '.git' / 'hotfix-hooks' / 'evidence.key'
    assert key.stat().st_mode & 0o077 == 0                     # readable by its owner only
    world.push()
    other = world.repo.clone(tmp_path / 'other')
    other.git('checkout', '-q', '-B', BRANCH, f'origin/{BRANCH}')
    copied = other.path / '.git' / 'hotfix-hooks' / 'evidence'
    copied.mkdir(parents=True)
    shutil.copy(ev_dir / f'{later}.json', copied / f'{later}.json')
    for own_key in (None, os.urandom(32)):
        if own_key is not None:
            (copied.parent / 'evidence.key').write_bytes(own_key)
        res = run_cli(other, 'readiness', '--format', 'json', env=world.env)
        rows = {c['check']: c for c in json.loads(res.stdout)['checks']}
        assert rows['smoke']['status'] == 'MISSING'


def _gate_process(world: World, *args: str) -> subprocess.Popen[str]:
    env = dict(world.repo.env)
    env.update(_with_pythonpath(world.env))
    return subprocess.Popen([sys.executable, '-m', 'hotfix_hooks', 'gate', *args],
                            cwd=world.repo.path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait(path: Path) -> None:
    deadline = time.monotonic() + 60
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert path.exists(), path


@pytest.fixture
def held(tmp_path: Path) -> World:
    """A hotfix whose pushed tree fails its smoke test ("broken"), with a smoke gate the
    test can hold while it edits the working tree."""
    w = World(tmp_path, PYPROJECT + OWNERS)
    w.repo.git('checkout', '-q', 'main')
    w.commit(DEV, 'held smoke', {'scripts/smoke.py': HELD_SMOKE})
    w.repo.git('push', '-q', 'origin', 'main')
    w.branch()
    w.commit(DEV, 'ARIS-5 fix', {'app/state.txt': 'broken\n', RECORD: _record()})
    return w


def test_a_file_edited_during_an_in_place_run_makes_it_run_again_isolated(
        held: World) -> None:
    marks = Path(str(held.marks))
    proc = _gate_process(held)
    _wait(Path(f'{marks}.ready'))
    state = held.repo.path / 'app' / 'state.txt'
    state.write_text('ok\n')                     # make the smoke test pass in place ...
    Path(f'{marks}.go').touch()
    _wait(Path(f'{marks}.read'))
    state.write_text('broken\n')                 # ... and put the file back before it ends
    Path(f'{marks}.go2').touch()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, out + err
    assert 'app/state.txt changed while they ran' in out
    assert 'ran: temporary worktree' in out
    assert Path(f'{marks}.read').read_text().split() == ['ok', 'broken']
    tree = held.repo.git('rev-parse', 'HEAD^{tree}')
    ev = json.loads((held.repo.path / '.git' / 'hotfix-hooks' / 'evidence' /
                     f'{tree}.json').read_text())
    assert ev['results']['smoke']['status'] == 'fail'


def test_a_second_gate_run_at_the_same_time_runs_in_its_own_worktree(held: World) -> None:
    held.repo.write('app/state.txt', 'ok\n')
    held.repo.git('commit', '-q', '-am', 'ok', env=DEV)
    marks = Path(str(held.marks))
    ready = Path(f'{marks}.ready')
    first = _gate_process(held)
    _wait(ready)
    second = _gate_process(held, '--rerun')
    deadline = time.monotonic() + 60                 # both smoke gates have started
    while ready.read_text().count('started') < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    Path(f'{marks}.go').touch()
    Path(f'{marks}.go2').touch()
    out1, _ = first.communicate(timeout=120)
    out2, _ = second.communicate(timeout=120)
    assert first.returncode == 0 and second.returncode == 0, out1 + out2
    runs = sorted([out1, out2], key=lambda o: 'in place' in o)
    assert 'ran: in place' in runs[1]
    assert ('ran: temporary worktree (another "hotfix-hooks gate" run is using the working '
            'tree)') in runs[0]
    tree = held.repo.git('rev-parse', 'HEAD^{tree}')
    ev = json.loads((held.repo.path / '.git' / 'hotfix-hooks' / 'evidence' /
                     f'{tree}.json').read_text())
    assert ev['results']['smoke']['status'] == 'pass'
    assert not list((held.repo.path / '.git' / 'hotfix-hooks' / 'evidence').glob('.evidence-*'))


def test_a_full_disk_is_one_line_naming_the_file_and_leaves_nothing(world: World) -> None:
    """Writing the evidence fails (the file-size limit stands in for a full disk: the write
    fails the same way): exit 2, one line naming the file, no half-written file."""
    env = dict(world.repo.env)
    env.update(_with_pythonpath(world.env))
    # no bytecode written under the limit: a .pyc cut at 1,200 bytes would be renamed into
    # the shared cache (importlib does not check the length written) and break later runs
    env['PYTHONDONTWRITEBYTECODE'] = '1'

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1200, 1200))

    res = subprocess.run([sys.executable, '-m', 'hotfix_hooks', 'gate'], cwd=world.repo.path,
                         env=env, capture_output=True, text=True, preexec_fn=small_files,
                         timeout=300)
    tree = world.repo.git('rev-parse', 'HEAD^{tree}')
    ev_dir = world.repo.path / '.git' / 'hotfix-hooks' / 'evidence'
    assert res.returncode == 2, res.stdout + res.stderr
    errors = [line for line in res.stderr.splitlines() if ': error: ' in line]
    assert len(errors) == 1 and str(ev_dir / f'{tree}.json') in errors[0], res.stderr
    assert res.stderr.strip().splitlines()[-1] == errors[0]          # the progress, then it
    assert 'Traceback' not in res.stderr
    assert sorted(p.name for p in ev_dir.iterdir()) == ['.lock']


def test_a_gate_cwd_the_branch_points_outside_the_repository_is_refused(
        tmp_path: Path) -> None:
    policy = PYPROJECT.replace('command = ["python", "scripts/smoke.py"]',
                               'command = ["python", "smoke.py"]\ncwd = "scripts"')
    w = World(tmp_path, policy + OWNERS)
    outside = tmp_path / 'outside'
    outside.mkdir()
    (outside / 'smoke.py').write_text('print("ran outside the repository")\n')
    w.branch()
    w.commit(DEV, 'ARIS-5 fix', {'app/config.py': 'X = 2\n', RECORD: _record()})
    w.repo.git('rm', '-q', '-r', 'scripts')
    os.symlink(outside, w.repo.path / 'scripts')
    w.repo.git('add', 'scripts')
    w.repo.git('commit', '-q', '-m', 'ARIS-5 scripts elsewhere', env=DEV)
    res = w.run('gate', '--format', 'json')
    assert res.returncode == 1
    found = [f for f in findings(res) if f['rule'] == 'gate-could-not-run']
    assert found and 'resolves outside the repository' in found[0]['message']
