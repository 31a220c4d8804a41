"""Benchmark: ``hotfix-hooks openapi-diff`` on two versions of an ~800 KB spec, and on a
long drift of a ~2.7 MB spec (about 1,500 findings).

Whole processes, medians over repeated runs, with baselines measured in the same run:
``python -c pass`` (interpreter start) and ``python -c "load both files"`` (json.load of
both specs). Prints medians, peak RSS and the ratio to the load baseline.

The drift case (``--drift-resources``, 150 ~ 2.7 MB) changes every other resource of a large
spec in a dozen places (``tests.support.specgen.drifted``): most of the time goes to the
findings, their messages and their line numbers. Target (issue 16): within 5x of loading
both files.

    python bench/bench_openapi.py [--runs 15] [--resources 44] [--drift-resources 150] [--peers]

``--peers`` also times peer tools when they are installed in ``--peer-dir`` (an npm
prefix holding ``@useoptic/optic`` or ``@pb33f/openapi-changes``); a tool that is not
there or does not run is skipped with a note. Optic 1.0.9 installs from npm but crashes at
start (an ``ajv`` conflict inside Spectral) unless ``ajv`` is pinned: a ``package.json``
in the prefix with ``"overrides": {"ajv": "^8.20.0"}``, then ``npm install``.
``@pb33f/openapi-changes`` does not install offline (its postinstall downloads a binary).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.specgen import drifted  # noqa: E402
from tests.support.specgen import fastapi_like_spec  # noqa: E402
from tests.support.specgen import realistic_edit  # noqa: E402

# Runs the commands in a small, fresh process (a child forked from this big process would
# count our memory in its peak RSS before exec), round-robin so that load from other
# processes on the machine affects every command alike.
_RUNNER = """
import json, os, subprocess, sys, time
runs, cmds = int(sys.argv[1]), json.loads(sys.argv[2])
out = [[] for _ in cmds]
for _ in range(runs):
    for i, argv in enumerate(cmds):
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        out[i].append((time.perf_counter() - start, usage.ru_maxrss / 1024,
                       os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime))
print(json.dumps(out))
"""

# the CPU time (user + system) of the last measure_all's commands, by position: on a
# loaded machine the wall time of a process is mostly waiting for a core
LAST_CPU: list[float] = []


def measure_all(cmds: list[list[str]], runs: int, env: dict[str, str], cwd: str
                ) -> list[tuple[float, float, int]]:
    """Per command: (median seconds, peak RSS MiB, last exit code) over ``runs``; the
    median CPU seconds of each go to ``LAST_CPU``."""
    res = subprocess.run([sys.executable, '-c', _RUNNER, str(runs), json.dumps(cmds)],
                         env=env, cwd=cwd, capture_output=True, text=True, check=True)
    got_all = json.loads(res.stdout)
    LAST_CPU[:] = [statistics.median(c for *_, c in got) for got in got_all]
    return [(statistics.median(t for t, *_ in got), max(m for _, m, *_ in got), got[-1][2])
            for got in got_all]


def measure(argv: list[str], runs: int, env: dict[str, str], cwd: str
            ) -> tuple[float, float, int]:
    return measure_all([argv], runs, env, cwd)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=15)
    parser.add_argument('--resources', type=int, default=44,
                        help='size of the generated spec (44 resources ~ 800 KB)')
    parser.add_argument('--drift-resources', type=int, default=150,
                        help='size of the drifted spec (150 resources ~ 2.7 MB; 0: skip)')
    parser.add_argument('--peers', action='store_true', help='also time peer tools')
    parser.add_argument('--peer-dir', default='/tmp/peers',
                        help='npm prefix where peer tools are installed')
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix='bench-openapi-')
    doc = fastapi_like_spec(args.resources)
    old, new = Path(tmp, 'old.json'), Path(tmp, 'new.json')
    old.write_text(json.dumps(doc, indent=2))
    new.write_text(json.dumps(realistic_edit(doc), indent=2))
    # worst case for the engine: a component every operation reaches changes
    wide_doc = json.loads(old.read_text())
    wide_doc['components']['schemas']['UserRef']['required'] = []
    wide = Path(tmp, 'wide.json')
    wide.write_text(json.dumps(wide_doc, indent=2))
    del wide_doc
    env = dict(os.environ, PYTHONPATH=str(ROOT / 'hooks'), NO_COLOR='1')
    env.pop('PYTHONDONTWRITEBYTECODE', None)      # users' installs keep byte-code
    py = sys.executable
    print(f'spec pair: {old.stat().st_size / 1024:.0f} KB + {new.stat().st_size / 1024:.0f} KB,'
          f' {len(doc["paths"])} paths, {len(doc["components"]["schemas"])} schemas;'
          f' {args.runs} runs each (median)')

    load_src = ('import json\nfor p in ("old.json", "new.json"):\n'
                '    json.load(open(p, "rb"))\n')
    hh = [py, '-m', 'hotfix_hooks', 'openapi-diff']
    ((start, start_rss, _), (load, load_rss, _), (diff, diff_rss, code), (same, same_rss, _),
     (wdiff, wdiff_rss, wcode)) = measure_all(
        [[py, '-c', 'pass'], [py, '-c', load_src],
         [*hh, str(old), str(new), '--format', 'json'], [*hh, str(old), str(old)],
         [*hh, str(old), str(wide), '--format', 'json']], args.runs, env, tmp)
    print(f'{"python -c pass":<34} {start:7.3f} s  {start_rss:6.1f} MiB')
    print(f'{"python: load both files":<34} {load:7.3f} s  {load_rss:6.1f} MiB')
    print(f'{"hotfix-hooks openapi-diff":<34} {diff:7.3f} s  {diff_rss:6.1f} MiB  exit {code}')
    print(f'{"openapi-diff (identical files)":<34} {same:7.3f} s  {same_rss:6.1f} MiB')
    print(f'{"openapi-diff (shared component)":<34} {wdiff:7.3f} s  {wdiff_rss:6.1f} MiB  '
          f'exit {wcode}')
    cpu = list(LAST_CPU)
    print(f'ratio openapi-diff / load both files: {diff / load:.2f}x  (target <= 6x); '
          f'shared-component edit: {wdiff / load:.2f}x; CPU time: {cpu[2] / cpu[1]:.2f}x, '
          f'{cpu[4] / cpu[1]:.2f}x')
    print(f'targets: <= 0.300 s -> {"ok" if diff <= 0.3 else "MISSED"}; '
          f'<= 50 MiB -> {"ok" if diff_rss <= 50 else "MISSED"}; '
          f'<= 6x load -> {"ok" if diff / load <= 6 else "MISSED"}')
    if args.drift_resources:
        drift(args, env, tmp)
    if args.peers:
        peers(args, old, new, env, tmp, diff)
    return 0


def drift(args: argparse.Namespace, env: dict[str, str], tmp: str) -> None:
    """A long drift: many findings, each with its message and its line."""
    doc = fastapi_like_spec(args.drift_resources)
    old, new = Path(tmp, 'drift-old.json'), Path(tmp, 'drift-new.json')
    old.write_text(json.dumps(doc, indent=2))
    new.write_text(json.dumps(drifted(doc, every=2), indent=2))
    del doc
    py = sys.executable
    res = subprocess.run([py, '-m', 'hotfix_hooks', 'openapi-diff', str(old), str(new),
                          '--format', 'json'], env=env, cwd=tmp, capture_output=True,
                         text=True)
    count = len(json.loads(res.stdout)['findings'])
    load_src = ('import json\nfor p in ("drift-old.json", "drift-new.json"):\n'
                '    json.load(open(p, "rb"))\n')
    runs = max(3, args.runs // 3)
    (load, load_rss, _), (diff, diff_rss, code) = measure_all(
        [[py, '-c', load_src],
         [py, '-m', 'hotfix_hooks', 'openapi-diff', str(old), str(new), '--format', 'json']],
        runs, env, tmp)
    print(f'\ndrift: {old.stat().st_size / 1e6:.1f} MB + {new.stat().st_size / 1e6:.1f} MB, '
          f'{count} findings; {runs} runs each (median)')
    print(f'{"python: load both files":<34} {load:7.3f} s  {load_rss:6.1f} MiB')
    print(f'{"hotfix-hooks openapi-diff (drift)":<34} {diff:7.3f} s  {diff_rss:6.1f} MiB  '
          f'exit {code}')
    load_cpu, diff_cpu = LAST_CPU
    print(f'ratio drift openapi-diff / load both files: {diff / load:.2f}x  (target <= 5x) '
          f'-> {"ok" if diff / load <= 5 else "MISSED"}; CPU time {diff_cpu:.3f} s / '
          f'{load_cpu:.3f} s = {diff_cpu / load_cpu:.2f}x')


def peers(args: argparse.Namespace, old: Path, new: Path, env: dict[str, str], tmp: str,
          ours: float) -> None:
    bin_dir = Path(args.peer_dir, 'node_modules', '.bin')
    candidates = {
        'optic diff': [str(bin_dir / 'optic'), 'diff', str(old), str(new), '--check'],
        'openapi-changes summary': [str(bin_dir / 'openapi-changes'), 'summary', str(old),
                                    str(new)],
    }
    for name, argv in candidates.items():
        if not Path(argv[0]).exists():
            print(f'{name}: not installed in {args.peer_dir} (skipped)')
            continue
        runs = max(1, min(3, args.runs))
        try:
            t, rss, code = measure(argv, runs, env, tmp)
        except OSError as e:
            print(f'{name}: does not run ({e}); skipped')
            continue
        print(f'{name:<34} {t:7.3f} s  {rss:6.1f} MiB  exit {code}  '
              f'({t / ours:.0f}x ours, median of {runs})')


if __name__ == '__main__':
    raise SystemExit(main())
