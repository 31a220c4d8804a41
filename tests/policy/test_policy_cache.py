"""The parsed policy in the analysis cache (``policy/memo.py``): keyed by the file's exact
bytes and verified on read; an edited, corrupted or foreign entry means a fresh parse; an
invalid policy gives the same one-line error whether the cache is on or off; a warm branch
hook does not load the TOML parser."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hotfix_hooks import policy as policy_mod
from hotfix_hooks.errors import ConfigError
from hotfix_hooks.policy import memo
from tests.support.gitrepo import GitRepo
from tests.support.gitrepo import SRC
from tests.support.hookkit import assert_one_line_error

BRANCH = 'hotfix/ARIS-77-fix-stock-totals'
PYPROJECT = '''[project]
name = "inventory-service"
dependencies = ["fastapi>=0.110", "sqlalchemy>=2.0"]

[tool.ruff]
line-length = 100

[tool.hotfix-hooks]
base = "main"
ticket_pattern = "ARIS-[0-9]+"
disable = ["commit-msg"]

[tool.hotfix-hooks.severity]
scope-too-many-files = "error"

[tool.hotfix-hooks.owners]
incident_owner = ["ivy@example.com"]
release_owner = ["Rafa <rafa@example.com>"]
'''


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    for name in ('HOTFIX_HOOKS_CACHE', 'HOTFIX_HOOKS_CACHE_MAX_MB', 'GIT_DIR',
                 'GIT_COMMON_DIR'):
        monkeypatch.delenv(name, raising=False)
    r = GitRepo(tmp_path / 'repo')
    r.commit('base', {'README.md': 'x\n', 'pyproject.toml': PYPROJECT})
    r.git('checkout', '-q', '-b', BRANCH)
    return r


def _entries(repo: GitRepo) -> list[Path]:
    root = repo.path / '.git' / 'hotfix-hooks' / 'cache'
    return sorted(p for p in root.glob('??/*') if p.is_file())


def _same(a: policy_mod.Policy, b: policy_mod.Policy) -> None:
    assert a.values == b.values
    assert a.sources == b.sources
    assert (a.path, a.explicit, a.origin) == (b.path, b.explicit, b.origin)
    assert a.digest() == b.digest()


def test_the_same_policy_from_the_cache_and_from_the_parse(repo: GitRepo) -> None:
    root = str(repo.path)
    parsed = policy_mod.load(root, cache=False)
    assert _entries(repo) == []                       # --no-cache writes nothing
    first = policy_mod.load(root)                     # parsed, stored
    assert len(_entries(repo)) == 1
    warm = policy_mod.load(root)                      # from the cache
    for p in (first, warm):
        _same(parsed, p)
    assert warm['disable'] == ['commit-msg'] and warm['ticket_pattern'] == 'ARIS-[0-9]+'
    assert warm.sources['severity'] == 'pyproject.toml'
    assert warm['owners']['release_owner'] == ['Rafa <rafa@example.com>']
    # an explicit --config file is keyed apart from the same file found by looking
    explicit = policy_mod.load(root, str(repo.path / 'pyproject.toml'))
    again = policy_mod.load(root, str(repo.path / 'pyproject.toml'))
    assert explicit.explicit and again.explicit
    _same(explicit, again)
    assert explicit.values == parsed.values


def test_a_pyproject_without_the_table_is_cached_as_no_policy(repo: GitRepo) -> None:
    repo.write('pyproject.toml', '[project]\nname = "shop"\n')
    repo.write('.hotfix-hooks.toml', '')
    (repo.path / '.hotfix-hooks.toml').unlink()
    for _ in range(2):
        p = policy_mod.load(str(repo.path))
        assert p.path is None and p.values == policy_mod.defaults()
    # given with --config, the same bytes are the defaults of an explicit file
    p = policy_mod.load(str(repo.path), str(repo.path / 'pyproject.toml'))
    assert p.explicit and p.path == str(repo.path / 'pyproject.toml')
    assert p.values == policy_mod.defaults()


def test_an_edited_file_is_parsed_again(repo: GitRepo) -> None:
    root = str(repo.path)
    assert policy_mod.load(root)['disable'] == ['commit-msg']
    repo.write('pyproject.toml', PYPROJECT.replace('disable = ["commit-msg"]',
                                                   'disable = ["scope-too-many-files"]'))
    assert policy_mod.load(root)['disable'] == ['scope-too-many-files']
    assert len(_entries(repo)) == 2
    # the same bytes again (an edit undone, whatever the mtime): the first entry serves
    repo.write('pyproject.toml', PYPROJECT)
    os.utime(repo.path / 'pyproject.toml', (1, 1))
    assert policy_mod.load(root)['disable'] == ['commit-msg']
    assert len(_entries(repo)) == 2


@pytest.mark.parametrize('damage', ['flip', 'truncate', 'foreign', 'empty', 'swap'])
def test_a_corrupt_or_foreign_entry_is_ignored_and_the_file_parsed_again(
        repo: GitRepo, damage: str) -> None:
    root = str(repo.path)
    reference = policy_mod.load(root, cache=False)
    policy_mod.load(root)
    [entry] = _entries(repo)
    data = entry.read_bytes()
    if damage == 'flip':            # one payload byte changed: the digest no longer matches
        entry.write_bytes(data[:-3] + bytes([data[-3] ^ 0x55]) + data[-2:])
    elif damage == 'truncate':
        entry.write_bytes(data[:len(data) // 2])
    elif damage == 'foreign':       # another key's header on this file name
        entry.write_bytes(data.replace(b'policy.file', b'policy.filf', 1))
    elif damage == 'empty':
        entry.write_bytes(b'')
    else:                           # a well-formed entry of another policy, moved here
        repo.write('pyproject.toml', PYPROJECT.replace('"commit-msg"', '"scope-new-module"'))
        policy_mod.load(root)
        other = next(p for p in _entries(repo) if p != entry)
        entry.write_bytes(other.read_bytes())
        repo.write('pyproject.toml', PYPROJECT)
    _same(reference, policy_mod.load(root))
    assert entry.read_bytes() == data                 # rebuilt and written again
    _same(reference, policy_mod.load(root))


def test_a_toml_date_gives_the_same_result_cached_or_not(repo: GitRepo) -> None:
    """TOML dates are not plain data for the cache (``memo.parsed`` stores nothing then)."""
    repo.write('.hotfix-hooks.toml', 'disable = ["commit-msg"]\n[owners]\n'
                                     'incident_owner = ["ivy@example.com"]\n')
    text = repo.path / '.hotfix-hooks.toml'
    text.write_text(text.read_text() + 'frozen_since = 2026-12-01\n')
    res = repo.hh('check-branch')
    # whatever the schema says of the unknown key, cached or not it says the same
    assert res.returncode == repo.hh('check-branch', '--no-cache').returncode


def _bad(repo: GitRepo, text: str, *needles: str) -> None:
    repo.write('pyproject.toml', text)
    results = [repo.hh('check-branch'), repo.hh('check-branch'),
               repo.hh('check-branch', '--no-cache'),
               repo.hh('check-branch', env={'HOTFIX_HOOKS_CACHE': '0'}),
               repo.hh('check-branch')]
    for res in results:
        assert_one_line_error(res, *needles)
    assert len({r.stderr for r in results}) == 1
    assert _entries(repo) == []                       # a failure is never stored


def test_an_invalid_policy_gives_the_same_error_cached_or_not(repo: GitRepo) -> None:
    _bad(repo, PYPROJECT.replace('"commit-msg"', '"commit-msgs"'),
         "policy key 'disable'", "unknown rule id 'commit-msgs'")
    _bad(repo, PYPROJECT + 'nope = [\n', 'invalid TOML')
    _bad(repo, PYPROJECT.replace('base = "main"', 'base = 3'), "'base'")


def test_an_invalid_edit_after_a_cached_valid_policy_is_an_error(repo: GitRepo) -> None:
    assert repo.hh('check-branch').returncode == 0
    assert len(_entries(repo)) == 1
    repo.write('pyproject.toml', PYPROJECT.replace('"error"', '"fatal"'))
    assert_one_line_error(repo.hh('check-branch'), 'scope-too-many-files')


_PROBE = ('import sys\n'
          'from hotfix_hooks import cli\n'
          'rc = cli.main(["check-branch", *sys.argv[1:]])\n'
          'print(repr((rc, "tomllib" in sys.modules, "tomli" in sys.modules)))\n')


def _probe(repo: GitRepo, *args: str, env: dict[str, str] | None = None
           ) -> tuple[int, bool, bool]:
    res = subprocess.run([sys.executable, '-c', _PROBE, *args], cwd=repo.path,
                         capture_output=True, text=True, timeout=60,
                         env={**repo.env, 'PYTHONPATH': str(SRC), **(env or {})})
    assert res.returncode == 0, res.stderr
    return tuple(ast.literal_eval(res.stdout.strip().splitlines()[-1]))  # type: ignore[return-value]


def test_a_warm_branch_hook_does_not_load_the_toml_parser(repo: GitRepo) -> None:
    assert _probe(repo) == (0, True, False)           # cold: parsed and stored
    assert _probe(repo) == (0, False, False)          # warm: from the cache
    assert _probe(repo, '--no-cache') == (0, True, False)
    assert _probe(repo, env={'HOTFIX_HOOKS_CACHE': '0'}) == (0, True, False)
    repo.write('pyproject.toml', PYPROJECT + '\n[tool.black]\nline-length = 100\n')
    assert _probe(repo) == (0, True, False)           # edited: parsed again
    assert _probe(repo) == (0, False, False)
    # a .hotfix-hooks.toml naming rule ids, too
    repo.write('.hotfix-hooks.toml', 'disable = ["commit-msg"]\n[severity]\n'
                                     'scope-too-many-files = "error"\n')
    assert _probe(repo) == (0, True, False)
    assert _probe(repo) == (0, False, False)


def test_linked_worktrees_share_the_cache(repo: GitRepo, tmp_path: Path) -> None:
    assert _probe(repo) == (0, True, False)
    linked = tmp_path / 'linked'
    repo.git('worktree', 'add', '-q', '-b', 'hotfix/ARIS-78-other', str(linked))
    wt = GitRepo(linked, env=repo.env, init=False)
    assert memo.common_dir(str(linked)) == str(repo.path / '.git')
    assert _probe(wt) == (0, False, False)            # same bytes: the entry serves
    assert len(_entries(repo)) == 1


def test_a_read_only_cache_still_loads_the_policy(repo: GitRepo) -> None:
    root = repo.path / '.git' / 'hotfix-hooks'
    root.mkdir()
    root.chmod(0o500)
    try:
        res = repo.hh('check-branch')
        assert res.returncode == 0 and res.stderr == ''
    finally:
        root.chmod(0o700)


def test_the_fingerprint_covers_every_module_the_parse_runs() -> None:
    """The cache key's code fingerprint stats the policy package and ``POLICY_MODULES``:
    the modules the load, the validation and the cache itself import must be among them
    (``catalog`` only names the nearest ids in an error, and errors are never stored)."""
    package = Path(memo.__file__).resolve().parent.parent
    covered = {f'hotfix_hooks.{m[:-3]}'.replace('/', '.') for m in memo.POLICY_MODULES}
    covered = {c.removesuffix('.__init__') for c in covered} | {'hotfix_hooks'}
    seen: set[str] = set()
    todo = ['hotfix_hooks.policy.load', 'hotfix_hooks.policy.memo']
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        rel = name.split('.')[1:]
        path = package.joinpath(*rel).with_suffix('.py')
        if not path.exists():
            path = package.joinpath(*rel, '__init__.py')
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and \
                    node.module.startswith('hotfix_hooks'):
                targets = [node.module] + [f'{node.module}.{a.name}' for a in node.names]
                for t in targets:
                    rel_t = t.split('.')[1:]
                    if package.joinpath(*rel_t).with_suffix('.py').exists() or \
                            package.joinpath(*rel_t, '__init__.py').exists():
                        # the package's __init__ re-exports (source.py reads commits)
                        if t not in ('hotfix_hooks.catalog', 'hotfix_hooks.policy'):
                            todo.append(t)
    outside = sorted(m for m in seen
                     if not m.startswith('hotfix_hooks.policy') and m not in covered)
    assert not outside, f'add these to memo.POLICY_MODULES: {outside}'


def test_a_policy_that_turns_the_cache_off_is_not_kept(repo: GitRepo) -> None:
    repo.write('pyproject.toml', PYPROJECT + '\n[tool.hotfix-hooks.cache]\nmax_mb = 0\n')
    assert _probe(repo) == (0, True, False)
    assert _probe(repo) == (0, True, False)
    assert _entries(repo) == []
    repo.write('pyproject.toml', PYPROJECT)
    assert _probe(repo, env={'HOTFIX_HOOKS_CACHE_MAX_MB': '0'}) == (0, True, False)
    assert _entries(repo) == []


# -- policies read from commits (policy/source.py) ----------------------------------------

def _committed(repo: GitRepo, cache: bool = True) -> policy_mod.Policy:
    from hotfix_hooks.policy.source import AtCommit
    from hotfix_hooks.policy.source import load_from

    head = repo.git('rev-parse', 'HEAD').strip()
    return load_from(AtCommit(str(repo.path), head, cache=cache))


def _policy_entries(repo: GitRepo) -> list[Path]:
    return [p for p in _entries(repo) if memo.NAMESPACE.encode() in p.read_bytes()]


def test_a_committed_policy_is_parsed_once_and_kept_by_its_bytes(repo: GitRepo) -> None:
    reference = _committed(repo, cache=False)
    assert _entries(repo) == []                       # cache off: nothing written
    first = _committed(repo)
    [entry] = _policy_entries(repo)
    warm = _committed(repo)
    for p in (first, warm):
        _same(reference, p)
        assert p.file == 'pyproject.toml' and p.origin.startswith('pyproject.toml in ')
    assert warm['disable'] == ['commit-msg']
    assert _policy_entries(repo) == [entry]
    # the working tree's file with the same bytes is keyed apart (another name)
    policy_mod.load(str(repo.path))
    assert len(_policy_entries(repo)) == 2


@pytest.mark.parametrize('damage', ['flip', 'truncate', 'foreign', 'empty', 'swapped'])
def test_a_damaged_committed_entry_is_rebuilt(repo: GitRepo, damage: str) -> None:
    reference = _committed(repo, cache=False)
    _committed(repo)
    [entry] = _policy_entries(repo)
    data = entry.read_bytes()
    if damage == 'flip':
        entry.write_bytes(data[:-3] + bytes([data[-3] ^ 0x55]) + data[-2:])
    elif damage == 'truncate':
        entry.write_bytes(data[:len(data) // 2])
    elif damage == 'foreign':
        entry.write_bytes(data.replace(b'policy.file', b'policy.filf', 1))
    elif damage == 'empty':
        entry.write_bytes(b'')
    else:       # a branch's laxer policy, validated and stored, copied over the base's entry
        repo.commit('lax', {'pyproject.toml': PYPROJECT.replace(
            'disable = ["commit-msg"]', 'disable = ["commit-msg", "migration-drop-column"]')})
        lax = _committed(repo)
        assert 'migration-drop-column' in lax['disable']
        other = next(p for p in _policy_entries(repo) if p != entry)
        entry.write_bytes(other.read_bytes())
        repo.git('reset', '-q', '--hard', 'HEAD~1')
    _same(reference, _committed(repo))
    assert entry.read_bytes() == data                 # rebuilt and written again
    _same(reference, _committed(repo))


@pytest.mark.parametrize('text', ['[tool.hotfix-hooks\nbase = "main"\n',
                                  '[tool.hotfix-hooks]\nseverity = "loud"\n',
                                  '[tool.hotfix-hooks]\ndisable = ["no-such-rule"]\n'])
def test_an_invalid_committed_policy_is_never_stored(repo: GitRepo, text: str) -> None:
    repo.commit('broken policy', {'pyproject.toml': text})
    errors = []
    for cache in (False, True, True):
        with pytest.raises(ConfigError) as got:
            _committed(repo, cache=cache)
        errors.append(got.value.message)
    assert errors[0] == errors[1] == errors[2] and errors[0].startswith('pyproject.toml')
    assert _policy_entries(repo) == []


def test_scan_no_cache_stores_no_committed_policy(repo: GitRepo) -> None:
    repo.commit('ARIS-77 fix totals', {'src/totals.py': 'TOTAL = 1\n'})
    args = ['scan', '--from-ref', 'main', '--to-ref', 'HEAD', '--branch', BRANCH,
            '--only', 'scope']
    res = subprocess.run([sys.executable, '-m', 'hotfix_hooks', *args, '--no-cache'],
                         cwd=repo.path, capture_output=True, text=True,
                         env={**os.environ, 'PYTHONPATH': str(SRC)})
    assert res.returncode in (0, 1), res.stderr
    assert _policy_entries(repo) == []
    res = subprocess.run([sys.executable, '-m', 'hotfix_hooks', *args], cwd=repo.path,
                         capture_output=True, text=True,
                         env={**os.environ, 'PYTHONPATH': str(SRC)})
    assert res.returncode in (0, 1), res.stderr
    assert _policy_entries(repo)


# -- folder policies of a monorepo (policy/tree.py) ---------------------------------------

FOLDER = '''[project]
name = "billing"

[tool.hotfix-hooks]
disable = ["scope-new-module"]

[tool.hotfix-hooks.severity]
scope-too-many-files = "warning"
'''


def _governing(repo: GitRepo, cache: bool = True) -> Any:
    from hotfix_hooks.policy.tree import commit_reader
    from hotfix_hooks.policy.tree import PolicyTree

    root = policy_mod.load(str(repo.path), cache=False)
    head = repo.git('rev-parse', 'HEAD').strip()
    tree = PolicyTree(root, commit_reader(str(repo.path), head), repo=str(repo.path),
                      cache=cache)
    return tree.governing('services/billing/app.py'), tree.governing('services/web/app.py')


def _folder_entries(repo: GitRepo) -> list[Path]:
    return _policy_entries(repo)        # the root policy is loaded without the cache here


def test_a_folder_policy_is_validated_once_and_kept_by_its_bytes(repo: GitRepo) -> None:
    repo.commit('folders', {'services/billing/pyproject.toml': FOLDER,
                            'services/web/pyproject.toml': '[project]\nname = "web"\n'})
    billing, web = _governing(repo, cache=False)
    assert _folder_entries(repo) == []
    for _ in range(2):                                # stored, then read back
        got_billing, got_web = _governing(repo)
        assert got_billing.file == 'services/billing/pyproject.toml'
        assert got_billing.policy.values == billing.policy.values
        assert got_billing.policy.sources == billing.policy.sources
        assert got_billing.policy['disable'] == ['scope-new-module']
        assert got_billing.policy['base'] == 'main'   # repository-wide: the root's
        assert got_billing.policy.folder == 'services/billing'
        assert got_web.folder == web.folder == ''     # no table: the root governs
    # the folder file's entry and the table-less pyproject.toml's "no policy"
    assert len(_folder_entries(repo)) == 2


def test_a_damaged_folder_entry_is_rebuilt(repo: GitRepo) -> None:
    repo.commit('folders', {'services/billing/pyproject.toml': FOLDER})
    reference = _governing(repo, cache=False)[0].policy.values
    _governing(repo)
    [entry] = _folder_entries(repo)
    data = entry.read_bytes()
    entry.write_bytes(data[:-3] + bytes([data[-3] ^ 0x55]) + data[-2:])
    assert _governing(repo)[0].policy.values == reference
    assert entry.read_bytes() == data


@pytest.mark.parametrize('text', ['[tool.hotfix-hooks\n',
                                  '[tool.hotfix-hooks]\nbase = "develop"\n',
                                  '[tool.hotfix-hooks]\ndisable = ["no-such-rule"]\n'])
def test_an_invalid_folder_policy_is_never_stored(repo: GitRepo, text: str) -> None:
    repo.commit('broken folder policy', {'services/billing/pyproject.toml': text})
    errors = []
    for cache in (False, True, True):
        with pytest.raises(ConfigError) as got:
            _governing(repo, cache=cache)
        errors.append(got.value.message)
    assert errors[0] == errors[1] == errors[2]
    assert 'services/billing/pyproject.toml' in errors[0]
    assert _folder_entries(repo) == []
