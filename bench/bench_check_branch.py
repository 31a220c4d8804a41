"""Benchmark: ``hotfix-hooks check-branch`` as a whole process, against ``python -c pass``
and pre-commit-hooks' ``no-commit-to-branch`` measured in the same run: with no policy, in
a repository whose ``.hotfix-hooks.toml`` names rule ids (``disable``, ``severity``: checked
against the generated id list), and in a service's realistic ``pyproject.toml`` whose
``[tool.hotfix-hooks]`` table names rule ids, severities and owners (the normal case). The
policy cases run warm (the parsed policy is in the cache after the warm-up run) and, once
per round, with ``HOTFIX_HOOKS_CACHE=0`` (every run parses the file).

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


PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "inventory-service"
version = "2.14.3"
description = "Stock, reservations and totals for the shop"
requires-python = ">=3.11"
dependencies = [
    "fastapi>=0.110",
    "uvicorn[standard]>=0.29",
    "sqlalchemy>=2.0",
    "alembic>=1.13",
    "pydantic>=2.6",
    "httpx>=0.27",
]

[project.optional-dependencies]
dev = ["pytest>=8", "pytest-asyncio>=0.23", "ruff>=0.4", "mypy>=1.10"]

[tool.ruff]
line-length = 100
target-version = "py311"

[tool.ruff.lint]
select = ["E", "F", "I", "B", "UP"]

[tool.pytest.ini_options]
testpaths = ["tests"]
asyncio_mode = "auto"

[tool.mypy]
strict = true
plugins = ["pydantic.mypy"]

[tool.hotfix-hooks]
base = "main"
ticket_pattern = "ARIS-[0-9]+"
release_branches = ["release/*"]
disable = ["commit-msg"]

[tool.hotfix-hooks.severity]
scope-too-many-files = "error"
api-operation-removed = "error"

[tool.hotfix-hooks.owners]
incident_owner = ["ivy@example.com", "Omar <omar@example.com>"]
release_owner = ["Rafa <rafa@example.com>"]

[tool.hotfix-hooks.scope]
max_files = 8
"""


def timed(argv: list[str], cwd: str, env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, capture_output=True)
    return (time.perf_counter() - t) * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument('--runs', type=int, default=30)
    args = parser.parse_args()
    env_dir = ensure_env()
    py = str(env_dir / 'bin' / 'python')
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as tmp2, \
            tempfile.TemporaryDirectory() as tmp3:
        env = dict(os.environ, GIT_AUTHOR_NAME='b', GIT_AUTHOR_EMAIL='b@x',
                   GIT_COMMITTER_NAME='b', GIT_COMMITTER_EMAIL='b@x')
        env.pop('PYTHONDONTWRITEBYTECODE', None)
        env.pop('PYTHONPATH', None)
        for repo in (tmp, tmp2, tmp3):
            for a in (['init', '-q', '-b', 'main'], ['commit', '-q', '--allow-empty', '-m', 'x'],
                      ['checkout', '-q', '-b', 'hotfix/ARIS-77-fix-stock-totals']):
                subprocess.run(['git', *a], cwd=repo, env=env, check=True)
        Path(tmp2, '.hotfix-hooks.toml').write_text(
            'disable = ["commit-msg"]\n[severity]\nscope-too-many-files = "error"\n')
        Path(tmp3, 'pyproject.toml').write_text(PYPROJECT)
        hh = [str(env_dir / 'bin' / 'hotfix-hooks'), 'check-branch']
        cold = dict(env, HOTFIX_HOOKS_CACHE='0')
        cases = {
            'python -c pass': ([py, '-c', 'pass'], tmp, env),
            'no-commit-to-branch': ([str(env_dir / 'bin' / 'no-commit-to-branch')], tmp, env),
            'hotfix-hooks check-branch': (hh, tmp, env),
            'check-branch, policy ids': (hh, tmp2, env),
            'check-branch, pyproject': (hh, tmp3, env),
            'pyproject, no cache': (hh, tmp3, cold),
        }
        for argv, cwd, e in cases.values():   # warm-up; a policy that fails measures nothing
            subprocess.run(argv, cwd=cwd, env=e, check=True, capture_output=True)
        # one run of each case in turn, so machine noise hits every case alike
        samples: dict[str, list[float]] = {k: [] for k in cases}
        for _ in range(args.runs):
            for name, (argv, cwd, e) in cases.items():
                samples[name].append(timed(argv, cwd, e))
    med = {k: statistics.median(v) for k, v in samples.items()}
    for k, v in med.items():
        q = statistics.quantiles(samples[k], n=4)
        print(f'{k:<28} median {v:7.1f} ms   (IQR {q[0]:.1f}-{q[2]:.1f}, n={len(samples[k])})')
    base = med['python -c pass']
    ratio = med['hotfix-hooks check-branch'] / med['no-commit-to-branch']
    nc = med['no-commit-to-branch']
    with_ids = med['check-branch, policy ids'] / nc
    pyproject = med['check-branch, pyproject'] / nc
    uncached = med['pyproject, no cache'] / nc
    print(f'check-branch / python -c pass     = {med["hotfix-hooks check-branch"] / base:.2f}x')
    print(f'no-commit-to-branch / python -c pass = {med["no-commit-to-branch"] / base:.2f}x')
    print(f'check-branch / no-commit-to-branch = {ratio:.2f}x  (budget 1.5x)')
    print(f'check-branch with a policy naming rule ids / no-commit-to-branch = '
          f'{with_ids:.2f}x  (target 1.0x)')
    print(f'check-branch with a pyproject.toml policy / no-commit-to-branch = '
          f'{pyproject:.2f}x  (target 1.0x)')
    print(f'  the same with HOTFIX_HOOKS_CACHE=0 (parsed every run) = {uncached:.2f}x')
    return 0 if max(ratio, with_ids, pyproject) <= 1.5 else 1


if __name__ == '__main__':
    raise SystemExit(main())
