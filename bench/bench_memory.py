"""Benchmark: peak memory of the umbrella scan of a commit that adds a 200,000-line router.

A small FastAPI service (the generator of ``bench_commit_scan.py``) gets one huge router
module staged on a hotfix branch; ``scan --with-naming`` (the ``hotfix`` hook's command) and
``scan --only scope`` run as git runs the hook. Each measurement is one fresh, small runner
process that starts the command and reads ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``
after it exits, so only the command's own peak is counted.

    python bench/bench_memory.py [--lines 200000] [--runs 3]

Prints peak RSS (MiB, the maximum over the runs), wall time (median) and the ratio of the
peak to the size of the added file. Target (issue 16): under 50x the file's size.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_commit_scan import BRANCH  # noqa: E402
from bench_commit_scan import git  # noqa: E402
from bench_commit_scan import router_module  # noqa: E402
from bench_commit_scan import service_files  # noqa: E402
from bench_commit_scan import write  # noqa: E402

_RUNNER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(json.loads(sys.argv[1]), stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
print(json.dumps([wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, code]))
"""


def measure(argv: list[str], cwd: str, env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MiB, exit code) of one run of ``argv``."""
    res = subprocess.run([sys.executable, '-c', _RUNNER, json.dumps(argv)], cwd=cwd, env=env,
                         capture_output=True, text=True, check=True)
    wall, rss, code = json.loads(res.stdout)
    return wall, rss, code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--lines', type=int, default=200_000)
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--only', action='append', default=[], metavar='CHECKS',
                        help='also measure `scan --only CHECKS` (repeatable), e.g. actions')
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix='bench-memory-')
    env = dict(os.environ, GIT_AUTHOR_NAME='b', GIT_AUTHOR_EMAIL='b@x',
               GIT_COMMITTER_NAME='b', GIT_COMMITTER_EMAIL='b@x',
               PYTHONPATH=str(ROOT / 'hooks'), GIT_CONFIG_NOSYSTEM='1')
    env.pop('PYTHONDONTWRITEBYTECODE', None)
    try:
        git(tmp, env, 'init', '-q', '-b', 'main')
        write(tmp, service_files(10, 150, 150, 60))
        git(tmp, env, 'add', '-A')
        git(tmp, env, 'commit', '-q', '-m', 'base')
        git(tmp, env, 'checkout', '-q', '-b', BRANCH)
        huge = router_module(7, args.lines).replace('/r7"', '/huge"')
        write(tmp, {'app/routers/huge.py': huge})
        git(tmp, env, 'add', '-A')
        size = len(huge.encode())
        lines = huge.count('\n')
        print(f'added file: app/routers/huge.py, {lines:,} lines, {size / 2**20:.1f} MiB')
        hh = [sys.executable, '-m', 'hotfix_hooks', 'scan', '--stage', 'pre-commit']
        cases = {'python -c pass': [sys.executable, '-c', 'pass'],
                 'scan --only scope': [*hh, '--only', 'scope'],
                 'scan --with-naming (umbrella)': [*hh, '--with-naming']}
        for only in args.only:
            cases[f'scan --only {only}'] = [*hh, '--only', only]
        got: dict[str, list[tuple[float, float, int]]] = {k: [] for k in cases}
        for _ in range(args.runs):
            for name, argv in cases.items():
                shutil.rmtree(os.path.join(tmp, '.git', 'hotfix-hooks'), ignore_errors=True)
                got[name].append(measure(argv, tmp, env))
        for name, rows in got.items():
            wall = statistics.median(r[0] for r in rows)
            rss = max(r[1] for r in rows)
            print(f'{name:<32} peak {rss:8.1f} MiB  wall {wall:6.2f} s  exit {rows[-1][2]}  '
                  f'peak / file size {rss * 2**20 / size:6.1f}x  '
                  f'({rss * 2**20 / lines / 1024:.2f} KiB per line)')
        umbrella = max(r[1] for r in got['scan --with-naming (umbrella)'])
        ratio = umbrella * 2**20 / size
        print(f'target: umbrella peak < 50x the file size -> {ratio:.0f}x '
              f'{"ok" if ratio < 50 else "MISSED"}')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
