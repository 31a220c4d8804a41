"""Running gate commands: no shell, one process group per step, output to a log file.

* Each step (setup commands, then the command) starts in its own session
  (``start_new_session``), so a timeout or Ctrl-C kills the whole process group with
  ``os.killpg`` - grandchildren included - and the terminal's Ctrl-C never reaches the gate
  behind our back.
* The gate's timeout covers its setup steps too.
* A missing command or script is reported by name before anything starts.
* ``run_all`` runs independent gates on ``jobs`` threads and shows progress: a live status
  line on a TTY, plain lines otherwise (pre-commit captures output, so plain there).
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import datetime
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from typing import TextIO
from typing import TYPE_CHECKING

from hotfix_hooks.gates.plan import GateSpec

if TYPE_CHECKING:
    from types import FrameType

    # what signal.signal takes and gives back
    _Handler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None

GRACE_S = 3.0
PYTHONS = ('python', 'python3', 'pypy', 'pypy3')
INTERPRETERS = PYTHONS + ('sh', 'bash', 'node', 'ruby', 'perl')


@dataclasses.dataclass
class Outcome:
    status: str                     # pass | fail | timeout | error
    exit_code: int | None
    duration_s: float
    started_at: str
    finished_at: str
    detail: str = ''


def utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')


def _which(cmd: str, cwd: str, env: dict[str, str]) -> str | None:
    if os.sep in cmd or (os.altsep and os.altsep in cmd):
        path = cmd if os.path.isabs(cmd) else os.path.join(cwd, cmd)
        return path if os.path.isfile(path) else None
    return shutil.which(cmd, path=env.get('PATH', os.defpath))


def _basename(cmd: str) -> str:
    name = os.path.basename(cmd)
    for suffix in ('.exe',):
        name = name.removesuffix(suffix)
    return name.rstrip('0123456789.') if name.startswith(('python', 'pypy')) else name


def missing(argv: Sequence[str], cwd: str, env: dict[str, str]) -> str | None:
    """Why ``argv`` cannot start (its program or its script is not there), or None."""
    if _which(argv[0], cwd, env) is None:
        where = 'not found' if os.sep in argv[0] else 'not found on PATH'
        return f'{argv[0]} {where}'
    base = _basename(argv[0])
    args = list(argv[1:])
    if base in PYTHONS and args[:1] == ['-m'] and args[1:2] == ['pytest']:
        base, args = 'pytest', args[2:]
    if base in INTERPRETERS:
        script = next((a for a in args if not a.startswith('-')), None)
        if args and args[0].startswith('-'):
            script = None          # python -m x / -c code / -X opt: not a script path
        if script and not os.path.isfile(os.path.join(cwd, script)):
            return f'{script} not found'
    elif base in ('pytest', 'py.test'):
        for a in args:
            if a.startswith('-'):
                continue
            path = a.split('::', 1)[0]
            if ('/' in path or path.endswith('.py')) and not os.path.exists(
                    os.path.join(cwd, path)):
                return f'{path} not found'
    return None


class ProcessTable:
    """The running process groups, so a timeout or Ctrl-C can kill them all."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.procs: set[subprocess.Popen[bytes]] = set()
        self.cancelled = threading.Event()

    def start(self, argv: Sequence[str], cwd: str, env: dict[str, str], log: TextIO
              ) -> subprocess.Popen[bytes] | None:
        with self.lock:
            if self.cancelled.is_set():
                return None
            proc = subprocess.Popen(list(argv), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            self.procs.add(proc)
            return proc

    def done(self, proc: subprocess.Popen[bytes]) -> None:
        with self.lock:
            self.procs.discard(proc)

    def cancel(self) -> None:
        with self.lock:
            self.cancelled.set()
            procs = list(self.procs)
        for proc in procs:
            kill_group(proc)


def kill_group(proc: subprocess.Popen[bytes], grace: float = GRACE_S) -> None:
    """SIGTERM the process group, SIGKILL what is left after ``grace`` seconds."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:  # pragma: no cover - unkillable (D state)
        pass


def gate_cwd(root: str, cwd: str) -> tuple[str, str]:
    """(the real working directory of a gate, why it cannot be used: '' when it can). A
    ``cwd`` that resolves outside the repository (through a symbolic link the branch
    committed, say) is refused."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.join(real_root, cwd))
    if real != real_root and not real.startswith(real_root + os.sep):
        return real, f'working directory {cwd} resolves outside the repository ({real})'
    if not os.path.isdir(real):
        return real, f'working directory {cwd} not found'
    return real, ''


def run_gate(spec: GateSpec, root: str, log_path: str, env: dict[str, str],
             table: ProcessTable) -> Outcome:
    """Run the setup steps then the command of ``spec``; never raises for a bad command. A
    log that cannot be written (a full disk) is an ``error`` whose detail starts with
    "cannot write"."""
    started = utc_now()
    t0 = time.monotonic()

    def result(status: str, code: int | None, detail: str = '') -> Outcome:
        return Outcome(status, code, round(time.monotonic() - t0, 3), started, utc_now(),
                       detail)

    try:
        return _run_gate(spec, root, log_path, env, table, result, t0)
    except OSError as e:
        return result('error', None, f'cannot write {log_path}: {e.strerror}')


def _run_gate(spec: GateSpec, root: str, log_path: str, env: dict[str, str],
              table: ProcessTable, result: Callable[..., Outcome], t0: float) -> Outcome:
    deadline = t0 + spec.timeout
    cwd, bad_cwd = gate_cwd(root, spec.cwd)
    full_env = {**env, **spec.env}
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    with open(log_path, 'w', encoding='utf-8', errors='replace') as log:
        if bad_cwd:
            log.write(f'{bad_cwd}\n')
            return result('error', None, bad_cwd)
        steps = [('setup', s) for s in spec.setup] + [('command', spec.command)]
        for what, argv in steps:
            shown = ' '.join(argv)
            log.write(f'$ {shown}\n')
            log.flush()
            why = missing(argv, cwd, full_env)
            if why is not None:
                log.write(f'{why}\n')
                return result('error', None, why if what == 'command'
                              else f'setup step `{shown}`: {why}')
            try:
                proc = table.start(argv, cwd, full_env, log)
            except OSError as e:
                log.write(f'cannot start {argv[0]}: {e.strerror}\n')
                return result('error', None, f'cannot start {argv[0]}: {e.strerror}')
            if proc is None:
                return result('error', None, 'interrupted')
            try:
                code = proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                kill_group(proc)
                table.done(proc)
                log.write(f'\n[hotfix-hooks] killed after the {spec.timeout:g}s timeout\n')
                return result('timeout', None, f'timed out after {spec.timeout:g}s '
                                               f'(process group killed)')
            table.done(proc)
            _reap_leftovers(proc)
            log.flush()
            if table.cancelled.is_set():
                return result('error', code, 'interrupted')
            if code != 0:
                if what == 'setup':
                    return result('fail', code, f'setup step `{shown}` failed (exit {code})')
                detail = f'exit {code}'
                if _basename(argv[0]) in ('pytest', 'py.test') or argv[1:3] == ['-m', 'pytest']:
                    if code == 5:
                        detail = 'pytest collected no tests (exit 5)'
                    elif code == 4:
                        detail = 'pytest usage error or path not found (exit 4)'
                return result('fail', code, detail)
    return result('pass', 0)


def _reap_leftovers(proc: subprocess.Popen[bytes]) -> None:
    """Background processes a finished step left in its group are stopped too."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def tail(path: str, lines: int) -> list[str]:
    try:
        with open(path, 'rb') as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            data = f.read().decode('utf-8', 'replace')
    except OSError:
        return []
    return data.splitlines()[-lines:] if lines else []


class Progress:
    """Live status line on a TTY; plain lines otherwise."""

    def __init__(self, stream: TextIO, live: bool) -> None:
        self.stream = stream
        self.live = live
        self.running: dict[str, float] = {}
        self.lock = threading.Lock()
        self.width = shutil.get_terminal_size((100, 20)).columns
        self.total = 0
        self.finished = 0

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # pragma: no cover - closed stream
            pass

    def _clear(self) -> None:
        if self.live:
            self._write('\r\033[K')

    def started(self, spec: GateSpec) -> None:
        with self.lock:
            self.running[spec.name] = time.monotonic()
            if not self.live:
                self._write(f'gate {spec.name}: running {" ".join(spec.command)}\n')

    def finished_one(self, name: str, status: str, duration: float, detail: str) -> None:
        with self.lock:
            self.running.pop(name, None)
            self.finished += 1
            self._clear()
            extra = f': {detail}' if detail and status != 'pass' else ''
            self._write(f'gate {name}: {status} ({duration:.1f}s){extra}\n')

    def tick(self) -> None:
        if not self.live:
            return
        with self.lock:
            if not self.running:
                return
            now = time.monotonic()
            parts = [f'{n} {now - t:.0f}s' for n, t in self.running.items()]
            line = f'[{self.finished}/{self.total}] running: ' + ', '.join(parts)
            self._write('\r\033[K' + line[:max(20, self.width - 1)])

    def close(self) -> None:
        with self.lock:
            self._clear()


def run_all(specs: Sequence[GateSpec], root: str, log_path: Callable[[GateSpec], str],
            env: dict[str, str], jobs: int, progress: Progress
            ) -> tuple[dict[str, Outcome], bool]:
    """Run ``specs`` on ``jobs`` threads; return (outcomes by name, interrupted?).

    Ctrl-C (or SIGTERM) cancels: every running process group is killed, nothing new
    starts, and the outcomes gathered so far are returned.
    """
    table = ProcessTable()
    outcomes: dict[str, Outcome] = {}
    progress.total = len(specs)
    interrupted = False

    def one(spec: GateSpec) -> Outcome:
        if table.cancelled.is_set():
            return Outcome('error', None, 0.0, utc_now(), utc_now(), 'interrupted')
        progress.started(spec)
        out = run_gate(spec, root, log_path(spec), env, table)
        if out.detail != 'interrupted':
            progress.finished_one(spec.name, out.status, out.duration_s, out.detail)
        return out

    stop = signals_interrupt()
    stop.__enter__()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs),
                                                 thread_name_prefix='gate')
    try:
        futures = {pool.submit(one, s): s for s in specs}
        pending = set(futures)
        try:
            while pending:
                done, pending = concurrent.futures.wait(
                    pending, timeout=0.25, return_when=concurrent.futures.FIRST_COMPLETED)
                for fut in done:
                    outcomes[futures[fut].name] = fut.result()
                progress.tick()
        except KeyboardInterrupt:
            interrupted = True
            table.cancel()
            for fut in futures:
                fut.cancel()
            for fut, spec in futures.items():
                if not fut.cancelled():
                    outcomes[spec.name] = fut.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        progress.close()
        stop.__exit__(None, None, None)
    if interrupted:
        outcomes = {n: o for n, o in outcomes.items() if o.detail != 'interrupted'}
    return outcomes, interrupted


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


# what ends the gates like Ctrl-C: every process group killed, the temporary worktree
# removed, exit 130 (a closed terminal sends SIGHUP, Ctrl-\\ SIGQUIT, CI SIGTERM)
STOP_SIGNALS = ('SIGTERM', 'SIGHUP', 'SIGQUIT')


@contextlib.contextmanager
def signals_interrupt() -> Iterator[None]:
    """SIGTERM, SIGHUP and SIGQUIT raise ``KeyboardInterrupt`` (as Ctrl-C does) while the
    block runs, in the main thread; the previous handlers come back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old: dict[int, _Handler] = {}
    for name in STOP_SIGNALS:
        sig = getattr(signal, name, None)
        if sig is not None:
            old[sig] = signal.signal(sig, _raise_interrupt)
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def child_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment gate commands start from.

    Git's per-invocation variables are dropped (a gate may run git in another worktree),
    and under pre-commit the hook's own virtualenv is taken off PATH so ``python`` and
    ``pytest`` are the project's, not hotfix-hooks' isolated environment.
    """
    env = dict(os.environ if base is None else base)
    for k in ('GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_PREFIX', 'GIT_COMMON_DIR',
              'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES'):
        env.pop(k, None)
    venv = env.get('VIRTUAL_ENV')
    if env.get('PRE_COMMIT') and venv and _same_path(venv, sys.prefix):
        bindir = os.path.join(venv, 'bin')
        env['PATH'] = os.pathsep.join(p for p in env.get('PATH', '').split(os.pathsep)
                                      if p and not _same_path(p, bindir))
        env.pop('VIRTUAL_ENV', None)
    return env


def _same_path(a: str, b: str) -> bool:
    try:
        return os.path.realpath(a) == os.path.realpath(b)
    except OSError:  # pragma: no cover
        return False
