"""Benchmark: ``hotfix-hooks gate`` as whole processes, with baselines measured in the
same run (interleaved, so machine noise hits every case alike).

    python bench/bench_gates.py [--runs 20]

Cases (medians, wall ms):
* ``python -c pass``                        - the interpreter floor;
* ``hotfix-hooks check-branch``             - the cheapest hook of the suite;
* non-hotfix branch                         - the gate must pass at once;
* hotfix branch, evidence reused            - the second push of the same tree;
* hotfix branch, ``--rerun``, 3 tiny gates  - against running the same 3 commands directly
  one after the other (the runner's overhead);
* 3 gates sleeping 0.3 s, ``--jobs 3`` vs ``--jobs 1``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
POLICY = '''[tool.hotfix-hooks]
base = "main"
[[tool.hotfix-hooks.gates]]
name = "smoke"
command = ["{py}", "scripts/gate.py", "smoke"]
[[tool.hotfix-hooks.gates]]
name = "integrity"
command = ["{py}", "scripts/gate.py", "integrity"]
[tool.hotfix-hooks.domains.pos]
command = ["{py}", "scripts/gate.py", "pos"]
[[tool.hotfix-hooks.gates]]
name = "slow-a"
command = ["{py}", "scripts/gate.py", "slow"]
[[tool.hotfix-hooks.gates]]
name = "slow-b"
command = ["{py}", "scripts/gate.py", "slow"]
'''
GATE = '''import os, sys, time
if sys.argv[1] == "slow" and os.environ.get("BENCH_SLOW"):
    time.sleep(0.3)
'''


def git(cwd: str, env: dict[str, str], *args: str) -> None:
    subprocess.run(['git', *args], cwd=cwd, env=env, check=True, capture_output=True)


def setup(tmp: str, env: dict[str, str]) -> str:
    repo = os.path.join(tmp, 'repo')
    os.makedirs(os.path.join(repo, 'scripts'))
    os.makedirs(os.path.join(repo, 'app', 'pos'))
    git(repo, env, 'init', '-q', '-b', 'main')
    with open(os.path.join(repo, 'pyproject.toml'), 'w') as f:
        f.write(POLICY.replace('{py}', PY))
    with open(os.path.join(repo, 'scripts', 'gate.py'), 'w') as f:
        f.write(GATE)
    with open(os.path.join(repo, 'app', 'pos', 'checkout.py'), 'w') as f:
        f.write('x = 1\n')
    with open(os.path.join(repo, '.gitignore'), 'w') as f:
        f.write('__pycache__/\n')
    git(repo, env, 'add', '-A')
    git(repo, env, 'commit', '-q', '-m', 'init')
    git(repo, env, 'checkout', '-q', '-b', 'feature/reports')
    git(repo, env, 'checkout', '-q', '-b', 'hotfix/ARIS-77-fix-pos-total', 'main')
    with open(os.path.join(repo, 'app', 'pos', 'checkout.py'), 'w') as f:
        f.write('x = 2\n')
    git(repo, env, 'commit', '-q', '-am', 'ARIS-77 fix')
    return repo


def once(argv: list[str], cwd: str, env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, capture_output=True)
    return (time.perf_counter() - t) * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument('--runs', type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, GIT_AUTHOR_NAME='b', GIT_AUTHOR_EMAIL='b@x',
                   GIT_COMMITTER_NAME='b', GIT_COMMITTER_EMAIL='b@x',
                   PYTHONPATH=str(ROOT / 'hooks'), NO_COLOR='1')
        for k in ('PRE_COMMIT', 'VIRTUAL_ENV'):
            env.pop(k, None)
        repo = setup(tmp, env)
        hh = [PY, '-m', 'hotfix_hooks', 'gate']
        fast = ['--rollback-dry-run', f'{PY} scripts/gate.py rollback']
        slow_env = dict(env, BENCH_SLOW='1')

        def on(branch: str) -> None:
            git(repo, env, 'checkout', '-q', branch)

        def direct() -> float:
            t = time.perf_counter()
            for name in ('smoke', 'integrity', 'slow', 'slow', 'pos', 'rollback'):
                subprocess.run([PY, 'scripts/gate.py', name], cwd=repo, env=env,
                               capture_output=True)
            return (time.perf_counter() - t) * 1000

        cases = {
            'python -c pass': lambda: once([PY, '-c', 'pass'], repo, env),
            'check-branch (cheapest hook)': lambda: (on('feature/reports'), once(
                [PY, '-m', 'hotfix_hooks', 'check-branch'], repo, env))[1],
            'gate: non-hotfix branch': lambda: (on('feature/reports'),
                                                once(hh, repo, env))[1],
            'gate: evidence reused': lambda: (on('hotfix/ARIS-77-fix-pos-total'),
                                              once(hh + fast, repo, env))[1],
            'the 6 commands run directly': direct,
            'gate --rerun (6 tiny gates)': lambda: once(hh + fast + ['--rerun'], repo, env),
            'slow gates --jobs 1': lambda: once(hh + fast + ['--rerun', '--jobs', '1'], repo,
                                                slow_env),
            'slow gates --jobs 3': lambda: once(hh + fast + ['--rerun', '--jobs', '3'], repo,
                                                slow_env),
        }
        on('hotfix/ARIS-77-fix-pos-total')
        res = subprocess.run(hh + fast, cwd=repo, env=env, capture_output=True, text=True)
        if res.returncode != 0:
            print(res.stdout, res.stderr)
            return 2
        for fn in cases.values():   # warm-up
            fn()
        samples: dict[str, list[float]] = {k: [] for k in cases}
        for _ in range(args.runs):
            for name, fn in cases.items():
                samples[name].append(fn())
    med = {k: statistics.median(v) for k, v in samples.items()}
    for k, v in med.items():
        print(f'{k:<30} median {v:8.1f} ms   (n={len(samples[k])})')
    floor = med['python -c pass']
    quick = med['gate: non-hotfix branch'] / floor
    print(f'non-hotfix branch / python -c pass        = {quick:.2f}x')
    print(f'non-hotfix branch / check-branch          = '
          f'{med["gate: non-hotfix branch"] / med["check-branch (cheapest hook)"]:.2f}x')
    reused = med['gate: evidence reused']
    print(f'evidence reused / python -c pass          = {reused / floor:.2f}x')
    over = med['gate --rerun (6 tiny gates)'] - med['the 6 commands run directly']
    print(f'gate --rerun / the same commands directly = '
          f'{med["gate --rerun (6 tiny gates)"] / med["the 6 commands run directly"]:.2f}x '
          f'(+{over:.0f} ms)')
    print(f'--jobs 3 / --jobs 1 (two 0.3 s gates)     = '
          f'{med["slow gates --jobs 3"] / med["slow gates --jobs 1"]:.2f}x')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
