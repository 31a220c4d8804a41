"""Helpers for the spine tests: plain git hook scripts that run hotfix-hooks as git
would, and small assertions on what the tool prints."""
from __future__ import annotations

import json
import stat
import sys
from pathlib import Path
from typing import Any

from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.gitrepo import SRC

PY = sys.executable
HOTFIX_BRANCH = 'hotfix/ARIS-9-fix-stock-drift'     # the branch of the ``hotfix_repo`` fixture


def _script(body: str) -> str:
    return ('#!/bin/sh\n'
            f"PYTHONPATH='{SRC}'; export PYTHONPATH\n"
            f"HH=\"'{PY}' -m hotfix_hooks\"\n" + body)


def install_hook(repo: GitRepo, name: str, body: str) -> Path:
    """Write an executable ``.git/hooks/<name>`` shell script (``$HH`` runs hotfix-hooks)."""
    hooks_dir = repo.path / '.git' / 'hooks'
    hooks_dir.mkdir(parents=True, exist_ok=True)
    path = hooks_dir / name
    path.write_text(_script(body))
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


# A pre-push hook as a user would write it without the pre-commit framework: git's pushed
# refs arrive on stdin; the hook saves them and what hotfix-hooks resolved and found.
PRE_PUSH = '''\
out="$HOOK_OUT"
[ -n "$out" ] || exit 0
mkdir -p "$out"
cat > "$out/stdin"
for cmd in context scan check-tag; do
  case $cmd in
    context) args="context --stage pre-push --format json";;
    scan) args="scan --stage pre-push --format json";;
    check-tag) args="check-tag --stage pre-push --format json";;
  esac
  eval "$HH $args" < "$out/stdin" > "$out/$cmd.json" 2> "$out/$cmd.err"
  echo $? > "$out/$cmd.rc"
done
exit 0
'''

# A pre-commit hook (git's commit stage): git exports GIT_INDEX_FILE to it.
PRE_COMMIT = '''\
out="$HOOK_OUT"
[ -n "$out" ] || exit 0
mkdir -p "$out"
printf '%s' "$GIT_INDEX_FILE" > "$out/index_file"
eval "$HH context --format json" > "$out/context.json" 2> "$out/context.err"
echo $? > "$out/context.rc"
eval "$HH scan --format json" > "$out/scan.json" 2> "$out/scan.err"
echo $? > "$out/scan.rc"
exit 0
'''

# A commit-msg hook that really blocks: the message file is git's first argument.
COMMIT_MSG = '''\
printf '%s' "$1" > "$HOOK_OUT/msg_arg"
eval "$HH check-commit-msg \\"\\$1\\" --format json" > "$HOOK_OUT/commit-msg.json" \
  2> "$HOOK_OUT/commit-msg.err"
'''


class HookRun:
    """What a hook script saved in its output directory."""

    def __init__(self, out: Path) -> None:
        self.out = out

    def exists(self, name: str) -> bool:
        return (self.out / name).exists()

    def text(self, name: str) -> str:
        return (self.out / name).read_text()

    def json(self, name: str) -> Any:
        return json.loads(self.text(name))

    def rc(self, name: str) -> int:
        return int(self.text(f'{name}.rc').strip())

    @property
    def contexts(self) -> list[dict[str, Any]]:
        assert self.rc('context') == 0, self.text('context.err')
        return self.json('context.json')  # type: ignore[no-any-return]

    @property
    def context(self) -> dict[str, Any]:
        ctxs = self.contexts
        assert len(ctxs) == 1, ctxs
        return ctxs[0]

    def findings(self, name: str = 'scan') -> list[dict[str, Any]]:
        assert self.rc(name) in (0, 1), self.text(f'{name}.err')
        return self.json(f'{name}.json')['findings']  # type: ignore[no-any-return]


def hh_json(repo: GitRepo, *args: str, env: dict[str, str] | None = None,
            input: str | None = None) -> tuple[int, Any, str]:
    """Run ``hotfix-hooks ARGS --format json`` (in-process, see support/cli.py); return
    (exit code, parsed stdout, stderr)."""
    res = run_cli(repo, *args, '--format', 'json', env=env, stdin=input)
    data = json.loads(res.stdout) if res.stdout.strip() else None
    return res.returncode, data, res.stderr


def context_of(repo: GitRepo, *args: str, env: dict[str, str] | None = None,
               input: str | None = None) -> dict[str, Any]:
    rc, data, err = hh_json(repo, 'context', *args, env=env, input=input)
    assert rc == 0, err
    assert len(data) == 1, data
    return data[0]  # type: ignore[no-any-return]


def assert_one_line_error(res: Any, *needles: str) -> str:
    """Exit 2, exactly one line on stderr, no traceback, and the line says ``needles``."""
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert 'Traceback' not in res.stderr
    for needle in needles:
        assert needle.lower() in lines[0].lower(), (needle, lines[0])
    return lines[0]


def assert_error(res: Any, *needles: str) -> None:
    """Exit 2 with one clear line on stderr, no traceback, no 'internal error'."""
    err = res.stderr.strip()
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert len(err.splitlines()) == 1, err
    assert 'Traceback' not in err and 'internal error' not in err, err
    for n in needles:
        assert n in err, err


def paths_of(findings: list[dict[str, Any]], rule: str = 'scope-dependency-changed') -> set[str]:
    """The files a scan reported (the scope check names every changed dependency file,
    so tests name their probe files ``requirements-<what>.txt``)."""
    return {f['path'] for f in findings if f['rule'] == rule}


def write_policy(repo: GitRepo, text: str) -> None:
    """A standalone ``.hotfix-hooks.toml``, kept out of commits (info/exclude)."""
    info = repo.path / '.git' / 'info'
    info.mkdir(parents=True, exist_ok=True)
    exclude = info / 'exclude'
    if '.hotfix-hooks.toml' not in (exclude.read_text() if exclude.exists() else ''):
        with exclude.open('a') as f:
            f.write('.hotfix-hooks.toml\n')
    (repo.path / '.hotfix-hooks.toml').write_text(text)


def base_policy(repo: GitRepo, text: str, base: str = 'main') -> None:
    """A ``.hotfix-hooks.toml`` committed on the base branch, the current branch rebased onto
    it: a hotfix branch is judged by its base side's policy, never by its own."""
    current = repo.git('rev-parse', '--abbrev-ref', 'HEAD')
    if current != base:
        repo.git('checkout', '-q', base)
    repo.commit('policy', {'.hotfix-hooks.toml': text})
    if current != base:
        repo.git('checkout', '-q', current)
        repo.git('rebase', '-q', base)
