"""Benchmark: the record commands (``record``, ``readiness``, ``status``, ``decide``) as
whole processes on a hotfix branch of a 2,000-file repository, against ``python -c pass``,
``hotfix-hooks scan --only scope`` (the spine's diff pipeline) and ``hotfix-hooks scan``
(every default check: what the record commands run besides the record) in the same run.

    python bench/bench_record.py [--runs 20] [--files 2000]

Prints medians (wall, ms), the interquartile range and the ratios to the baseline. Runs the
package from this checkout (PYTHONPATH) with the current interpreter.
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
sys.path.insert(0, str(ROOT))

RECORD = '''\
ticket = "ARIS-77"
severity = "P1"
eligibility = "critical-defect"
customer_impact = "card payments rejected in 40 stores"
decision = "patch-forward"
change_scope = "pricing.discount rounds to cents"
owner = "Dana Dev"
next_update_utc = "2026-11-27T14:00:00Z"

[rollback]
command = "./deploy.sh rollback --to 0.1.0-rc.3"
dry_run = "./deploy.sh rollback --to 0.1.0-rc.3 --dry-run"
release_tag = "0.1.0-rc.3"

[approvals.incident_owner]
name = "Ines Incident"
approved_at = "2026-11-27T12:40:00Z"

[approvals.release_owner]
name = "Rene Release"
approved_at = "2026-11-27T13:05:00Z"

[conditions]
critical_path_unavailable = false
root_cause_uncertain = false
data_integrity_risk = false
eta_exceeds_slo = false

[[exceptions]]
rule = "scope-new-module"
path = "app/pricing/money.py"
reason = "the helper is the fix"
approved_by = ["incident_owner", "release_owner"]
'''


def git(cwd: str, env: dict[str, str], *args: str) -> str:
    return subprocess.run(['git', *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def build(tmp: str, env: dict[str, str], files: int) -> None:
    git(tmp, env, 'init', '-q', '-b', 'main')
    for i in range(files):
        p = Path(tmp, 'app', f'pkg{i % 40}', f'mod{i}.py')
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f'def f{i}(x):\n    return x + {i}\n')
    Path(tmp, 'app/pricing').mkdir(parents=True)
    Path(tmp, 'app/pricing/discounts.py').write_text('def d(t, p):\n    return t * p / 100\n')
    git(tmp, env, 'add', '-A')
    git(tmp, env, 'commit', '-q', '-m', 'base')
    git(tmp, env, 'checkout', '-q', '-b', 'hotfix/ARIS-77-fix-discount-rounding')
    Path(tmp, 'app/pricing/money.py').write_text('def cents(x):\n    return round(x, 2)\n')
    Path(tmp, 'app/pricing/discounts.py').write_text(
        'from app.pricing.money import cents\n\n\ndef d(t, p):\n    return cents(t * p / 100)\n')
    Path(tmp, 'hotfixes').mkdir()
    Path(tmp, 'hotfixes/ARIS-77.toml').write_text(RECORD)
    git(tmp, env, 'add', '-A')
    git(tmp, env, 'commit', '-q', '-m', 'ARIS-77 fix')
    from hotfix_hooks.gates import evidence
    sha = git(tmp, env, 'rev-parse', 'HEAD')
    tree = git(tmp, env, 'rev-parse', 'HEAD^{tree}')
    evidence.store(os.path.join(tmp, '.git'), tree, [evidence.GateResult(
        name=n, kind='gate', command=['true'], status='pass', exit_code=0, duration_s=1.0,
        commit=sha, tree=tree, started_at='2026-11-27T13:10:00Z',
        finished_at='2026-11-27T13:10:01Z') for n in ('smoke', 'integrity', 'rollback',
                                                       'domain:pos')])


def timeit(argv: list[str], cwd: str, env: dict[str, str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env=env, capture_output=True)
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument('--runs', type=int, default=20)
    parser.add_argument('--files', type=int, default=2000)
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, GIT_AUTHOR_NAME='b', GIT_AUTHOR_EMAIL='b@x',
                   GIT_COMMITTER_NAME='b', GIT_COMMITTER_EMAIL='b@x', NO_COLOR='1',
                   PYTHONPATH=str(ROOT / 'hooks'))
        for k in [k for k in env if k.startswith(('PRE_COMMIT', 'GITHUB_', 'GITLAB_'))] + ['CI']:
            env.pop(k, None)
        build(tmp, env, args.files)
        hh = [py, '-m', 'hotfix_hooks']
        cases = {
            'python -c pass': [py, '-c', 'pass'],
            'scan --only scope': [*hh, 'scan', '--only', 'scope'],
            'scan': [*hh, 'scan'],
            'record': [*hh, 'record', '--require-approvals'],
            'readiness': [*hh, 'readiness'],
            'status': [*hh, 'status'],
            'decide': [*hh, 'decide'],
        }
        for name, argv in cases.items():  # warm-up, and every case must work
            res = subprocess.run(argv, cwd=tmp, env=env, capture_output=True, text=True)
            if res.returncode != 0:
                print(f'{name}: exit {res.returncode}\n{res.stdout}{res.stderr}')
                return 2
        samples: dict[str, list[float]] = {k: [] for k in cases}
        for _ in range(max(args.runs // 5, 1)):   # interleaved: noise hits every case alike
            for name, argv in cases.items():
                samples[name] += timeit(argv, tmp, env, 5)
    med = {k: statistics.median(v) for k, v in samples.items()}
    print(f'repository: {args.files} files; hotfix branch: 3 changed files + record + '
          f'evidence; runs per case: {len(samples["record"])}')
    for k, v in med.items():
        q = statistics.quantiles(samples[k], n=4)
        print(f'{k:<20} median {v:7.1f} ms   (IQR {q[0]:.1f}-{q[2]:.1f})')
    for base in ('scan --only scope', 'scan'):
        for k in ('record', 'readiness', 'status', 'decide'):
            print(f'{k} / {base} = {med[k] / med[base]:.2f}x')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
