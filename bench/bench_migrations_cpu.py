"""CPU time (user+sys of the child process) of ``scan --only migrations`` on the repository
``bench_migrations.py`` builds, for two or more source trees of ``hooks/`` on the same
interpreter, runs interleaved (the order rotating). Wall clock is too noisy on a shared
machine; the CPU time of the child is what the load inflates least. Name the same tree
twice for an A/A control that shows the noise.

    git archive main hooks | tar -x -C /tmp/main-src
    git archive HEAD hooks | tar -x -C /tmp/branch-src
    python bench/bench_migrations_cpu.py main=/tmp/main-src/hooks \\
        branch=/tmp/branch-src/hooks again=/tmp/main-src/hooks [--runs 24] [--tags 30]

``--tags N`` adds N release tags on main (the release question of the locking rules).
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_migrations


def cpu(argv: list[str], cwd: str, env: dict[str, str]) -> tuple[float, int, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    res = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    took = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return took, res.returncode, len(res.stdout)


def build(tmp: str, env: dict[str, str], tags: int) -> None:
    git = ['git', '-c', 'commit.gpgsign=false']

    def run(*args: str) -> None:
        subprocess.run([*git, *args], cwd=tmp, env=env, check=True)

    run('init', '-q', '-b', 'main')
    Path(tmp, 'README.md').write_text('service\n')
    run('add', '-A')
    run('commit', '-q', '-m', 'start')
    bench_migrations.write_migrations(Path(tmp))
    Path(tmp, 'pyproject.toml').write_text(
        '[tool.hotfix-hooks.migrations]\ncheck_unchanged = true\n')
    last = sorted(Path(tmp, 'alembic', 'versions').iterdir())[-1]
    newest = last.read_text()
    last.unlink()
    run('add', '-A')
    run('commit', '-q', '-m', '39 shipped migrations')
    for i in range(tags):
        run('commit', '-q', '--allow-empty', '-m', f'release {i}')
        run('tag', f'v1.{i}.0')
    last.write_text(newest)
    run('checkout', '-q', '-b', 'hotfix/OPS-1-migrations')
    run('add', '-A')
    run('commit', '-q', '-m', 'hotfix migration')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('trees', nargs='+', metavar='NAME=HOOKS_DIR')
    parser.add_argument('--runs', type=int, default=24)
    parser.add_argument('--tags', type=int, default=0)
    args = parser.parse_args()
    trees = dict(t.split('=', 1) for t in args.trees)
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, GIT_AUTHOR_NAME='b', GIT_AUTHOR_EMAIL='b@x',
                   GIT_COMMITTER_NAME='b', GIT_COMMITTER_EMAIL='b@x', NO_COLOR='1',
                   HOTFIX_HOOKS_CACHE='0')
        build(tmp, env, args.tags)
        argv = [sys.executable, '-m', 'hotfix_hooks', 'scan', '--only', 'migrations',
                '--from-ref', 'main', '--to-ref', 'HEAD', '--format', 'json']
        samples: dict[str, list[float]] = {name: [] for name in trees}
        outputs: dict[str, set[tuple[int, int]]] = {name: set() for name in trees}
        names = list(trees)
        for i in range(args.runs):
            for name in names[i % len(names):] + names[:i % len(names)]:
                took, code, size = cpu(argv, tmp, dict(env, PYTHONPATH=trees[name]))
                samples[name].append(took)
                outputs[name].add((code, size))
    first = names[0]
    for name, v in samples.items():
        ratio = statistics.median(v) / statistics.median(samples[first])
        print(f'{name:<12} median {statistics.median(v) * 1000:6.0f} ms  min '
              f'{min(v) * 1000:6.0f} ms  n={len(v)}  vs {first}: median {ratio:.3f}x, min '
              f'{min(v) / min(samples[first]):.3f}x  (exit, output size: {outputs[name]})')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
