"""``hotfix-hooks init`` as a new user runs it, on three repositories shaped like the public
projects of the issue (code under backend/, a monorepo with server/pyproject.toml, a Django
project), then the real pre-commit framework: ``pre-commit run --all-files`` and a push of
a harmless hotfix pass, a push of a forbidden change fails, with nothing edited in the
generated policy but the confirmation of its proposals."""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from tests.support.gitrepo import GitRepo
from tests.support.init_fixtures import Shape
from tests.support.init_fixtures import SHAPES
from tests.support.records import COMPLETE

pytestmark = pytest.mark.e2e


def record_for(ticket: str, python: str) -> str:
    text = COMPLETE.replace('ARIS-77', ticket)
    ok = f'{python} -c \\"print(1)\\"'
    text = re.sub(r'^command = .*$', f'command = "{ok}"', text, count=1, flags=re.M)
    return re.sub(r'^dry_run = .*$', f'dry_run = "{ok}"', text, count=1, flags=re.M)


def clone_of(shape: Shape, path: Path, pre_commit_home: str) -> GitRepo:
    """The repository as a new user has it: its history and branches, pushed to a bare
    origin whose HEAD names the default branch."""
    repo = GitRepo(path)
    repo.env['PRE_COMMIT_HOME'] = pre_commit_home
    repo.env['PATH'] = os.path.dirname(sys.executable) + os.pathsep + repo.env['PATH']
    repo.commit('Initial commit', dict(shape.files))
    for subject, files in shape.history:
        repo.commit(subject, files, allow_empty=not files)
    for b in shape.branches:
        repo.git('branch', b)
    repo.add_bare_remote('origin')
    repo.git('push', '-q', '--all', 'origin')
    repo.git('remote', 'set-head', 'origin', '-a')
    return repo


def confirm_proposals(repo: GitRepo, files: list[str]) -> int:
    """What a user does after reading the policy: accept each proposal as it stands."""
    confirmed = 0
    for rel in files:
        path = repo.path / rel
        text = path.read_text()
        confirmed += text.count('\nproposed = true\n')
        path.write_text(text.replace('\nproposed = true\n', '\n'))
    return confirmed


def precommit(repo: GitRepo, *args: str):
    return repo.run([sys.executable, '-m', 'pre_commit', *args], check=False)


@pytest.mark.parametrize('name', ['fastapi-template', 'monorepo', 'django'])
def test_init_then_a_harmless_hotfix_passes_and_a_forbidden_one_fails(
        name: str, tmp_path: Path, hook_repo: tuple[str, str], pre_commit_home: str) -> None:
    shape = SHAPES[name]
    repo = clone_of(shape, tmp_path / name, pre_commit_home)
    before = {p: (repo.path / p).read_bytes() for p in ('server/pyproject.toml',)
              if (repo.path / p).exists()}
    pyproject = name == 'monorepo'      # the user's choice: [tool.hotfix-hooks] there
    res = repo.hh('init', '--hook-repo', hook_repo[0], '--hook-rev', hook_repo[1],
                  *(['--pyproject'] if pyproject else []))
    assert res.returncode == 0, res.stdout + res.stderr
    written = shape.policy_files if not pyproject else ['.hotfix-hooks.toml',
                                                        'server/pyproject.toml']
    for rel in written:
        assert (repo.path / rel).is_file(), (rel, res.stdout)
    if pyproject:
        after = (repo.path / 'server/pyproject.toml').read_bytes()
        assert after.startswith(before['server/pyproject.toml'])      # byte for byte
        assert b'\n[tool.hotfix-hooks]\n' in after
        assert not (repo.path / 'server/.hotfix-hooks.toml').exists()
    # nothing is replaced without --force
    again = repo.hh('init', '--hook-repo', hook_repo[0], '--hook-rev', hook_repo[1],
                    *(['--pyproject'] if pyproject else []))
    assert again.returncode == 2 and 'pass --force' in again.stderr

    assert confirm_proposals(repo, written) >= 2
    repo.git('add', '-A')
    repo.git('commit', '-q', '-m', 'hotfix-hooks policy')
    install = precommit(repo, 'install', '--install-hooks')
    assert install.returncode == 0, install.stdout + install.stderr
    assert 'pre-push' in install.stdout
    res = repo.run(['git', 'push', '-q', 'origin', 'main'], check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    res = precommit(repo, 'run', '--all-files')
    assert res.returncode == 0, res.stdout + res.stderr

    # a harmless hotfix: started with `new`, its record filled in, a small fix
    res = repo.hh('new', shape.ticket, 'fix the totals')
    assert res.returncode == 0, res.stdout + res.stderr
    (repo.path / f'hotfixes/{shape.ticket}.toml').write_text(
        record_for(shape.ticket, sys.executable))
    for rel, text in shape.harmless.items():
        repo.write(rel, text)
    repo.git('add', '-A')
    res = repo.run(['git', 'commit', '-m', f'{shape.ticket} fix the totals'], check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    res = precommit(repo, 'run', '--all-files')
    assert res.returncode == 0, res.stdout + res.stderr
    res = repo.run(['git', 'push', '-u', 'origin', 'HEAD'], check=False)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    for gate in shape.gates_run:
        assert re.search(rf'^\s+{re.escape(gate)}\s+pass\b', out, re.M), (gate, out)
    assert 'gate-not-configured' not in out

    # the forbidden change, committed past the commit hook, is refused on push
    for rel, text in shape.forbidden.items():
        repo.write(rel, text)
    repo.git('add', '-A')
    repo.git('commit', '-q', '--no-verify', '-m', f'{shape.ticket} more')
    res = repo.run(['git', 'push', 'origin', 'HEAD'], check=False)
    out = res.stdout + res.stderr
    assert res.returncode != 0, out
    assert f'error [{shape.forbidden_rule}]' in out, out


def test_the_readme_local_clone_path(tmp_path: Path, hook_repo: tuple[str, str],
                                     pre_commit_home: str) -> None:
    """README, "From a local clone": clone hotfix-hooks, init with the clone and its HEAD,
    pre-commit install; the hooks run from that commit."""
    clone = GitRepo(Path(hook_repo[0]), init=False).clone(tmp_path / 'src' / 'hotfix-hooks')
    sha = clone.head()
    repo = clone_of(SHAPES['django'], tmp_path / 'your-service', pre_commit_home)
    res = repo.hh('init', '--hook-repo', str(clone.path), '--hook-rev', sha)
    assert res.returncode == 0, res.stdout + res.stderr
    cfg = (repo.path / '.pre-commit-config.yaml').read_text()
    assert f'-   repo: {clone.path}\n    rev: {sha}\n' in cfg
    confirm_proposals(repo, ['.hotfix-hooks.toml'])
    assert precommit(repo, 'install', '--install-hooks').returncode == 0
    repo.git('add', '-A')
    res = repo.run(['git', 'commit', '-m', 'hotfix-hooks policy'], check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    assert 'hotfix-hooks (branch name + every diff check, one process)' in res.stdout + \
        res.stderr
    repo.checkout('hotfix-HC-1_bad', create=True)
    repo.write('hc/api/views.py', 'def ping(request, code):\n    return "OK!"\n')
    repo.git('add', '-A')
    res = repo.run(['git', 'commit', '-m', 'HC-1 fix'], check=False)
    assert res.returncode != 0 and '[branch-name]' in res.stdout + res.stderr
