"""Replay the history of real public services through the diff checks, commit by commit.

    python bench/quality/replay.py PROJECT [--commits N] [--only contract,actions]
    python bench/quality/replay.py --list

For each project of ``corpus.toml`` (a public repository, cloned once into
``bench/.work/quality/<project>`` from its URL, or from a local mirror under
``$QUALITY_MIRRORS``, and pinned at ``head``), every first-parent, non-merge
commit among the last ``N`` is judged as a hotfix would be (``<parent>..<commit>`` on the
branch ``hotfix/QUAL-1-replay``, the project's policy from ``corpus.toml``, never the
project's own files). The findings go to ``bench/quality/runs/<project>.jsonl``, one JSON
object per finding, plus one ``{"commit": ..., "done": true, "seconds": ...}`` line per
commit, so a run can be resumed and its cost read.

Nothing of the project is executed: the checks parse its files, exactly as the hooks do.
CI does not run this (no network); ``report.py`` turns the runs and the hand-written labels
into precision figures.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / 'hooks'))

BRANCH = 'hotfix/QUAL-1-replay'
DEFAULT_CHECKS = ('contract', 'actions', 'migrations')


def corpus() -> dict[str, dict[str, Any]]:
    from hotfix_hooks import tomlio

    data = tomlio.load_file(str(HERE / 'corpus.toml'))
    return {p['name']: p for p in data['project']}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(['git', *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def source(project: dict[str, Any]) -> str:
    """Where to clone from: a local mirror under $QUALITY_MIRRORS (``<owner>+<name>/repo``,
    or ``<owner>+<name>`` itself) when there is one, else the public URL."""
    mirrors = os.environ.get('QUALITY_MIRRORS')
    if mirrors:
        owner_name = project['url'].rstrip('/').removesuffix('.git').split('/')[-2:]
        base = Path(mirrors) / '+'.join(owner_name)
        for cand in (base / 'repo', base):
            if cand.is_dir():
                return str(cand)
    return str(project['url'])


def clone(project: dict[str, Any]) -> Path:
    """A no-checkout clone of the project at its pinned head (made once, reused)."""
    dest = ROOT / 'bench' / '.work' / 'quality' / project['name']
    if not (dest / '.git').is_dir():
        dest.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(['git', 'clone', '-q', '--no-checkout', source(project), str(dest)],
                       check=True)
    git(dest, 'update-ref', 'refs/heads/quality-head', project['head'])
    return dest


def commits(repo: Path, head: str, count: int) -> list[tuple[str, str]]:
    """(parent, commit) of the last ``count`` first-parent non-merge commits, oldest first."""
    out = git(repo, 'rev-list', '--first-parent', '--no-merges', '--parents',
              f'--max-count={count}', head)
    pairs = [(line.split()[1], line.split()[0]) for line in out.splitlines()
             if len(line.split()) == 2]
    return list(reversed(pairs))


def judge(repo: Path, parent: str, commit: str, policy: Any, only: list[str]
          ) -> list[dict[str, Any]]:
    from hotfix_hooks.git.context import Context
    from hotfix_hooks.pipeline.scan import collect
    from hotfix_hooks.pipeline.trust import judge as trusted

    ctx = Context(root=str(repo), stage='ci', mode='range', branch=BRANCH,
                  branch_source='replay', base=parent, head=commit)
    found = collect(trusted(ctx, policy, env={}), only, {})
    return [{'commit': commit, 'parent': parent, **f.to_json()} for f in found]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('project', nargs='?')
    parser.add_argument('--commits', type=int, help='how many commits (default: corpus.toml)')
    parser.add_argument('--only', help='checks, comma-separated (default: the project\'s)')
    parser.add_argument('--fresh', action='store_true', help='start the run file anew')
    parser.add_argument('--tag', help='write runs/<project>.<tag>.jsonl (e.g. one check '
                                      'at a time, merged with merge_runs.py)')
    parser.add_argument('--touching', metavar='REGEX',
                        help='replay only the commits that change a path matching REGEX (the '
                             'others are recorded as skipped, not as judged)')
    parser.add_argument('--list', action='store_true')
    args = parser.parse_args(argv)
    projects = corpus()
    if args.list or not args.project:
        for name, p in projects.items():
            print(f'{name:<24} {p["url"]}  head {p["head"][:12]}  commits {p["commits"]}')
        return 0
    project = projects[args.project]
    from hotfix_hooks import policy as policy_mod

    policy = policy_mod.from_mapping(project.get('policy', {}), None)
    policy.explicit = True          # the project's own files never set the rules here
    only = (args.only.split(',') if args.only else
            list(project.get('checks', DEFAULT_CHECKS)))
    repo = clone(project)
    out = HERE / 'runs' / (f'{project["name"]}.{args.tag}.jsonl' if args.tag
                           else f'{project["name"]}.jsonl')
    out.parent.mkdir(exist_ok=True)
    done: set[str] = set()
    if out.exists() and not args.fresh:
        for line in out.read_text().splitlines():
            item = json.loads(line)
            if item.get('done'):
                done.add(item['commit'])
    pairs = commits(repo, project['head'], args.commits or int(project['commits']))
    os.environ.setdefault('HOTFIX_HOOKS_DEBUG', '')
    touching = re.compile(args.touching) if args.touching else None
    with out.open('w' if args.fresh else 'a') as f:
        for i, (parent, commit) in enumerate(pairs, 1):
            if commit in done:
                continue
            if touching is not None and not any(
                    touching.search(p) for p in git(repo, 'diff', '--name-only', '--no-renames',
                                                    parent, commit).splitlines()):
                f.write(json.dumps({'commit': commit, 'done': True, 'skipped': True,
                                    'seconds': 0, 'findings': 0, 'error': None}) + '\n')
                continue
            t = time.perf_counter()
            try:
                found = judge(repo, parent, commit, policy, only)
                error = None
            except Exception as e:  # noqa: BLE001 - a crash is a result too
                found, error = [], f'{type(e).__name__}: {e}'
            took = time.perf_counter() - t
            for item in found:
                f.write(json.dumps(item) + '\n')
            f.write(json.dumps({'commit': commit, 'done': True, 'seconds': round(took, 3),
                                'findings': len(found), 'error': error}) + '\n')
            f.flush()
            print(f'[{i}/{len(pairs)}] {commit[:12]} {len(found):4d} finding(s) '
                  f'{took:6.2f}s' + (f'  ERROR {error}' if error else ''), file=sys.stderr)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
