"""Benchmark: ``hotfix-hooks check-branch`` as a whole process, against ``python -c pass``
and pre-commit-hooks' ``no-commit-to-branch`` measured in the same run; once with no policy
and once in a repository whose policy names rule ids (``disable``, ``severity``: the rule
catalogue is loaded to check them).

    python bench/bench_check_branch.py [--runs 30]

Prints medians (wall, ms) and the ratios. Installs pre-commit-hooks into a private venv
under bench/.venv on first use (a registry package; nothing is committed).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def ensure_env() -> Path:
    """bench/.venv with pre-commit-hooks and hotfix-hooks installed as pre-commit installs
    hook repositories (a plain, non-editable ``pip install .``; byte-code compiled)."""
    env_dir = HERE / '.venv'
    if not (env_dir / 'bin' / 'no-commit-to-branch').exists():
        venv.create(env_dir, with_pip=True)
        subprocess.run([str(env_dir / 'bin' / 'pip'), 'install', '-q', 'pre-commit-hooks==6.0.0'],
                       check=True)
    subprocess.run([str(env_dir / 'bin' / 'pip'), 'install', '-q', '--force-reinstall',
                    '--no-deps', str(ROOT)], check=True)
    subprocess.run([str(env_dir / 'bin' / 'pip'), 'install', '-q', str(ROOT)], check=True)
    return env_dir


def timeit(argv: list[str], cwd: str, env: dict[str, str], runs: int) -> list[float]:
    subprocess.run(argv, cwd=cwd, env=env, capture_output=True)  # warm-up
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env=env, capture_output=True)
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument('--runs', type=int, default=30)
    args = parser.parse_args()
    env_dir = ensure_env()
    py = str(env_dir / 'bin' / 'python')
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as tmp2:
        env = dict(os.environ, GIT_AUTHOR_NAME='b', GIT_AUTHOR_EMAIL='b@x',
                   GIT_COMMITTER_NAME='b', GIT_COMMITTER_EMAIL='b@x')
        env.pop('PYTHONDONTWRITEBYTECODE', None)
        env.pop('PYTHONPATH', None)
        for repo in (tmp, tmp2):
            for a in (['init', '-q', '-b', 'main'], ['commit', '-q', '--allow-empty', '-m', 'x'],
                      ['checkout', '-q', '-b', 'hotfix/ARIS-77-fix-stock-totals']):
                subprocess.run(['git', *a], cwd=repo, env=env, check=True)
        Path(tmp2, '.hotfix-hooks.toml').write_text(
            'disable = ["commit-msg"]\n[severity]\nscope-too-many-files = "error"\n')
        hh = [str(env_dir / 'bin' / 'hotfix-hooks'), 'check-branch']
        cases = {
            'python -c pass': ([py, '-c', 'pass'], tmp),
            'no-commit-to-branch': ([str(env_dir / 'bin' / 'no-commit-to-branch')], tmp),
            'hotfix-hooks check-branch': (hh, tmp),
            'check-branch, policy ids': (hh, tmp2),
        }
        # interleave the runs so machine noise hits every case alike
        samples: dict[str, list[float]] = {k: [] for k in cases}
        for _ in range(args.runs // 5 or 1):
            for name, (argv, cwd) in cases.items():
                samples[name] += timeit(argv, cwd, env, 5)
    med = {k: statistics.median(v) for k, v in samples.items()}
    for k, v in med.items():
        q = statistics.quantiles(samples[k], n=4)
        print(f'{k:<28} median {v:7.1f} ms   (IQR {q[0]:.1f}-{q[2]:.1f}, n={len(samples[k])})')
    base = med['python -c pass']
    ratio = med['hotfix-hooks check-branch'] / med['no-commit-to-branch']
    with_ids = med['check-branch, policy ids'] / med['no-commit-to-branch']
    print(f'check-branch / python -c pass     = {med["hotfix-hooks check-branch"] / base:.2f}x')
    print(f'no-commit-to-branch / python -c pass = {med["no-commit-to-branch"] / base:.2f}x')
    print(f'check-branch / no-commit-to-branch = {ratio:.2f}x  (budget 1.5x)')
    print(f'check-branch with a policy naming rule ids / no-commit-to-branch = '
          f'{with_ids:.2f}x  (budget 1.5x)')
    return 0 if max(ratio, with_ids) <= 1.5 else 1


if __name__ == '__main__':
    raise SystemExit(main())
