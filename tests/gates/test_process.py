"""Running gate commands as real processes: exit codes, logs, missing commands, timeouts
that kill the whole process group, parallel jobs, and the environment gates get."""
from __future__ import annotations

import io
import os
import re
import sys
import time
from pathlib import Path

import pytest

from hotfix_hooks.gates import process as gate_process
from hotfix_hooks.gates.plan import GateSpec

PY = sys.executable


def spec(name: str, *argv: str, timeout: float = 30, setup: list[list[str]] | None = None,
         cwd: str = '.', env: dict[str, str] | None = None) -> GateSpec:
    return GateSpec(name=name, kind='gate', command=list(argv), timeout=timeout,
                    setup=setup or [], cwd=cwd, env=env or {})


def run(tmp_path: Path, s: GateSpec) -> tuple[gate_process.Outcome, str]:
    log = tmp_path / 'logs' / f'{s.name}.log'
    out = gate_process.run_gate(s, str(tmp_path), str(log), gate_process.child_env(),
                            gate_process.ProcessTable())
    return out, log.read_text()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purpose
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().split(')')[-1].split()[0] != 'Z'
    except OSError:
        return False


def test_pass_and_output_goes_to_the_log(tmp_path: Path) -> None:
    out, log = run(tmp_path, spec('smoke', PY, '-c', 'print("all good")'))
    assert (out.status, out.exit_code) == ('pass', 0)
    assert 'all good' in log and log.startswith('$ ')


def test_failure_keeps_the_exit_code_and_stderr(tmp_path: Path) -> None:
    out, log = run(tmp_path, spec('smoke', PY, '-c',
                                  'import sys; print("boom", file=sys.stderr); sys.exit(3)'))
    assert (out.status, out.exit_code, out.detail) == ('fail', 3, 'exit 3')
    assert 'boom' in log
    assert gate_process.tail(str(tmp_path / 'logs' / 'smoke.log'), 1) == ['boom']


def test_missing_program_is_named(tmp_path: Path) -> None:
    out, _ = run(tmp_path, spec('smoke', 'no-such-program-xyz', '-q'))
    assert out.status == 'error'
    assert out.detail == 'no-such-program-xyz not found on PATH'


def test_missing_script_is_named(tmp_path: Path) -> None:
    out, log = run(tmp_path, spec('integrity', PY, 'scripts/post_go_live_integrity_check.py',
                                  '--strict'))
    assert out.status == 'error'
    assert out.detail == 'scripts/post_go_live_integrity_check.py not found'
    assert 'not found' in log


def test_missing_pytest_target_is_named(tmp_path: Path) -> None:
    out, _ = run(tmp_path, spec('smoke', PY, '-m', 'pytest', '-q',
                                'tests/smoke/test_post_go_live_stability.py'))
    assert out.detail == 'tests/smoke/test_post_go_live_stability.py not found'


def test_pytest_that_selects_no_test_says_so(tmp_path: Path) -> None:
    (tmp_path / 'tests').mkdir()
    (tmp_path / 'tests' / 'test_a.py').write_text('def test_a():\n    pass\n')
    out, _ = run(tmp_path, spec('domain:pos', PY, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
                                'tests', '-k', 'pos'))
    assert (out.status, out.exit_code) == ('fail', 5)
    assert out.detail == 'pytest collected no tests (exit 5)'


def test_setup_runs_first_in_the_same_env_and_cwd(tmp_path: Path) -> None:
    (tmp_path / 'sub').mkdir()
    s = spec('smoke', PY, '-c', 'import os; assert open("db").read() == os.environ["DB"]',
             setup=[[PY, '-c', 'import os; open("db", "w").write(os.environ["DB"])']],
             cwd='sub', env={'DB': 'sqlite:///x'})
    out, log = run(tmp_path, s)
    assert out.status == 'pass', log
    assert (tmp_path / 'sub' / 'db').read_text() == 'sqlite:///x'


def test_failing_setup_stops_the_gate(tmp_path: Path) -> None:
    s = spec('smoke', PY, '-c', 'open("ran", "w")',
             setup=[[PY, '-c', 'raise SystemExit(2)']])
    out, _ = run(tmp_path, s)
    assert out.status == 'fail'
    assert out.detail.startswith('setup step `') and out.detail.endswith('failed (exit 2)')
    assert not (tmp_path / 'ran').exists()


def test_missing_working_directory(tmp_path: Path) -> None:
    out, _ = run(tmp_path, spec('smoke', PY, '-c', 'pass', cwd='nowhere'))
    assert (out.status, out.detail) == ('error', 'working directory nowhere not found')


HANG = '''
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])
open('pids', 'w').write(f'{os.getpid()} {child.pid}')
time.sleep(60)
'''


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    (tmp_path / 'hang.py').write_text(HANG)
    t0 = time.monotonic()
    out, log = run(tmp_path, spec('smoke', PY, 'hang.py', timeout=1.5))
    assert time.monotonic() - t0 < 10
    assert out.status == 'timeout'
    assert out.detail == 'timed out after 1.5s (process group killed)'
    assert 'killed after the 1.5s timeout' in log
    parent, child = map(int, (tmp_path / 'pids').read_text().split())
    deadline = time.monotonic() + 5
    while (alive(parent) or alive(child)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(parent) and not alive(child)


def test_a_gate_ignoring_sigterm_is_killed_anyway(tmp_path: Path) -> None:
    code = ('import os, signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n'
            'open("pid", "w").write(str(os.getpid()))\ntime.sleep(60)\n')
    t0 = time.monotonic()
    out, _ = run(tmp_path, spec('stubborn', PY, '-c', code, timeout=0.5))
    assert out.status == 'timeout'
    assert time.monotonic() - t0 < gate_process.GRACE_S + 5
    assert not alive(int((tmp_path / 'pid').read_text()))


def test_jobs_run_independent_gates_in_parallel(tmp_path: Path) -> None:
    # each gate waits for the other's file: only a parallel run can pass both
    wait_for = ('import os, sys, time\nopen(sys.argv[1], "w")\nend = time.time() + 10\n'
                'while not os.path.exists(sys.argv[2]):\n'
                '    if time.time() > end: sys.exit(1)\n    time.sleep(0.02)\n')
    (tmp_path / 'w.py').write_text(wait_for)
    specs = [spec('a', PY, 'w.py', 'a', 'b', timeout=20), spec('b', PY, 'w.py', 'b', 'a',
                                                                  timeout=20)]
    stream = io.StringIO()
    outcomes, interrupted = gate_process.run_all(
        specs, str(tmp_path), lambda s: str(tmp_path / 'logs' / f'{s.name}.log'),
        gate_process.child_env(), 2, gate_process.Progress(stream, live=False))
    assert not interrupted
    assert {n: o.status for n, o in outcomes.items()} == {'a': 'pass', 'b': 'pass'}
    text = stream.getvalue()
    assert 'gate a: running' in text and 'gate b: pass' in text


def test_one_job_runs_gates_in_order(tmp_path: Path) -> None:
    specs = [spec(n, PY, '-c', f'open("order", "a").write("{n}")') for n in 'xyz']
    outcomes, _ = gate_process.run_all(specs, str(tmp_path),
                                   lambda s: str(tmp_path / f'{s.name}.log'),
                                   gate_process.child_env(), 1,
                                   gate_process.Progress(io.StringIO(), False))
    assert (tmp_path / 'order').read_text() == 'xyz'
    assert all(o.status == 'pass' for o in outcomes.values())


def test_live_progress_rewrites_one_status_line(tmp_path: Path) -> None:
    stream = io.StringIO()
    progress = gate_process.Progress(stream, live=True)
    gate_process.run_all([spec('slow', PY, '-c', 'import time; time.sleep(0.7)')], str(tmp_path),
                     lambda s: str(tmp_path / 'slow.log'), gate_process.child_env(), 1, progress)
    text = stream.getvalue()
    assert '\r\033[K[0/1] running: slow' in text
    assert re.search(r'\r\033\[Kgate slow: pass \(\d+\.\ds\)\n', text)


def test_child_env_drops_git_variables_and_the_hook_virtualenv() -> None:
    bindir = os.path.join(sys.prefix, 'bin')
    env = gate_process.child_env({'GIT_DIR': '/x/.git', 'GIT_INDEX_FILE': 'i', 'PRE_COMMIT': '1',
                              'VIRTUAL_ENV': sys.prefix, 'PATH': f'{bindir}:/usr/bin',
                              'KEEP': 'yes'})
    assert env == {'PRE_COMMIT': '1', 'PATH': '/usr/bin', 'KEEP': 'yes'}
    # outside pre-commit, a project venv that has hotfix-hooks installed stays on PATH
    env = gate_process.child_env({'VIRTUAL_ENV': sys.prefix, 'PATH': f'{bindir}:/usr/bin'})
    assert env['PATH'] == f'{bindir}:/usr/bin' and env['VIRTUAL_ENV'] == sys.prefix


@pytest.mark.parametrize('argv, expected', [
    (['sh', '-c', 'exit 0'], None),
    ([PY, '-m', 'json.tool'], None),
    ([PY, 'missing.py'], 'missing.py not found'),
    (['./run-me.sh'], './run-me.sh not found'),
])
def test_missing_detects_programs_and_scripts(tmp_path: Path, argv: list[str],
                                              expected: str | None) -> None:
    assert gate_process.missing(argv, str(tmp_path), dict(os.environ)) == expected
