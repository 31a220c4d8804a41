"""The persistent analysis cache (``hotfix_hooks.cache``) on real repositories: where it
lives (the common git directory, shared by linked worktrees), keys verified before an entry
is trusted, corrupt entries rebuilt, concurrent processes, pruning, an unwritable or full
cache directory, ``--no-cache`` and the ``cache`` command."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hotfix_hooks import cache as cache_mod
from hotfix_hooks import policy as policy_mod
from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.changeset import git_blob_id
from hotfix_hooks.git import changes as git_changes
from hotfix_hooks.git import context
from hotfix_hooks.git import plumbing
from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.gitrepo import SRC

POLICY = policy_mod.from_mapping({}, None)


class Builds:
    """A build function that counts its calls."""

    def __init__(self, value: object) -> None:
        self.value = value
        self.calls = 0

    def __call__(self) -> object:
        self.calls += 1
        return self.value


def repo_cache(repo: GitRepo, **kw: object) -> cache_mod.Cache:
    return cache_mod.Cache(cache_mod.cache_dir(plumbing.common_dir(str(repo.path))), **kw)  # type: ignore[arg-type]


@pytest.fixture
def service(repo: GitRepo) -> GitRepo:
    repo.commit('base', {'app/models.py': 'class Order:\n    status = "open"\n'})
    return repo


def _entry_files(root: str) -> list[str]:
    return sorted(p for p, _ in cache_mod.entries(root))


# -- the API --------------------------------------------------------------------------------
def test_get_or_build_builds_once_then_hits_across_processes(service: GitRepo) -> None:
    blob = git_blob_id(b'class Order:\n    status = "open"\n')
    summary = {'classes': ('Order',), 'fields': ['status'], 'lines': {1: 2}, 'raw': b'\x00'}
    build = Builds(summary)
    c = repo_cache(service)
    assert c.get_or_build('test.summary', blob, {'exclude': ['tests/**']}, build) == summary
    assert c.get_or_build('test.summary', blob, {'exclude': ['tests/**']}, build) == summary
    assert build.calls == 1 and (c.hits, c.misses, c.writes) == (1, 1, 1)
    c.close()
    # a new process reads it back, with its types (tuples, bytes, int keys) intact
    code = ('from hotfix_hooks import cache, git\n'
            'from hotfix_hooks.git import plumbing\n'
            'c = cache.Cache(cache.cache_dir(plumbing.common_dir(".")))\n'
            f'found, value = c.get("test.summary", {blob!r}, {{"exclude": ["tests/**"]}})\n'
            'print(found, value == ' + repr(summary) + ')\n')
    res = service.run([sys.executable, '-c', code], env={'PYTHONPATH': str(SRC)})
    assert res.stdout.split() == ['True', 'True'], res.stderr


def test_each_part_of_the_key_separates_entries(service: GitRepo) -> None:
    c = repo_cache(service)
    blob, other = git_blob_id(b'a'), git_blob_id(b'b')
    c.put('test.summary', blob, {'k': 1}, 'first')
    assert c.get('test.summary', blob, {'k': 1}) == (True, 'first')
    assert c.get('test.summary', blob, {'k': 2}) == (False, None)       # policy keys differ
    assert c.get('test.other', blob, {'k': 1}) == (False, None)         # another analysis
    assert c.get('test.summary', other, {'k': 1}) == (False, None)      # another content
    # key parts are canonical JSON: the order of a table's keys does not matter
    c.put('test.summary', blob, {'a': 1, 'b': [1, 2]}, 'x')
    assert c.get('test.summary', blob, {'b': [1, 2], 'a': 1}) == (True, 'x')


def test_values_must_be_plain_data(service: GitRepo) -> None:
    c = repo_cache(service)
    with pytest.raises(TypeError):
        c.put('test.summary', git_blob_id(b'a'), {}, object())
    with pytest.raises(TypeError):
        c.get('test.summary', git_blob_id(b'a'), {'bad': object()})
    with pytest.raises(ValueError):
        c.get('../escape', git_blob_id(b'a'), {})
    with pytest.raises(ValueError):
        c.get('test.summary', '../../hooks/pre-commit', {})


def test_no_blob_id_or_no_cache_just_builds(service: GitRepo) -> None:
    build = Builds([1])
    assert repo_cache(service).get_or_build('test.summary', None, {}, build) == [1]
    off = cache_mod.disabled()
    assert off.get_or_build('test.summary', git_blob_id(b'a'), {}, build) == [1]
    assert build.calls == 2 and not off.put('test.summary', git_blob_id(b'a'), {}, 1)
    root = cache_mod.cache_dir(plumbing.common_dir(str(service.path)))
    assert not os.path.exists(root)


# -- where it lives ---------------------------------------------------------------------------
def test_linked_worktrees_share_the_cache_of_the_common_git_dir(service: GitRepo,
                                                                 tmp_path: Path) -> None:
    service.git('worktree', 'add', '-q', '-b', 'other', str(tmp_path / 'linked'))
    linked = GitRepo(tmp_path / 'linked', env=service.env, init=False)
    main_dir = cache_mod.cache_dir(plumbing.common_dir(str(service.path)))
    assert main_dir == str(service.path / '.git' / 'hotfix-hooks' / 'cache')
    assert plumbing.common_dir(str(linked.path)) == str(service.path / '.git')
    assert plumbing.common_dir(str(linked.path)) == plumbing.git_dir(str(linked.path))
    # the change set of the linked worktree opens the same cache
    ctx = context.resolve(context.Request(staged=True), POLICY, env={}, cwd=str(linked.path))
    cs = git_changes.build(ctx, POLICY)
    try:
        blob = cs.head.blob_id('app/models.py')
        assert blob == service.git('rev-parse', 'HEAD:app/models.py')
        cs.cache.put('test.summary', blob, {}, {'from': 'linked'})
    finally:
        cs.close()
    assert cs.cache.directory == main_dir
    assert repo_cache(service).get('test.summary', blob, {}) == (True, {'from': 'linked'})


def test_blob_ids_are_git_blob_ids_on_every_kind_of_snapshot(service: GitRepo) -> None:
    service.checkout('hotfix/ARIS-1-x', create=True)
    service.write('app/models.py', 'class Order:\n    status = "closed"\n')
    service.git('add', '-A')
    service.write('app/models.py', 'class Order:\n    status = "disk"\n')
    want_index = service.git('rev-parse', ':app/models.py')
    want_base = service.git('rev-parse', 'HEAD:app/models.py')
    for req, want in ((context.Request(staged=True), want_index),
                      (context.Request(stage='manual', base='main'),
                       service.git('hash-object', 'app/models.py'))):
        ctx = context.resolve(req, POLICY, env={}, cwd=str(service.path))
        cs = git_changes.build(ctx, POLICY)
        try:
            assert cs.head.blob_id('app/models.py') == want
            assert cs.base.blob_id('app/models.py') == want_base
            assert cs.head.blob_id('missing.py') is None
        finally:
            cs.close()
    mem = ChangeSet.from_texts(head={'a.py': 'x = 1\n'})
    assert mem.head.blob_id('a.py') == git_blob_id(b'x = 1\n')
    assert not mem.cache.enabled


# -- entries are verified before they are trusted -------------------------------------------
def test_corrupt_truncated_foreign_or_mismatched_entries_are_rebuilt(service: GitRepo) -> None:
    c = repo_cache(service)
    root = c.directory
    assert root is not None
    blob_a, blob_b = git_blob_id(b'a'), git_blob_id(b'b')
    c.put('test.summary', blob_a, {}, {'value': 'a' * 100})
    c.put('test.summary', blob_b, {}, {'value': 'b' * 100})
    path_a = next(p for p in _entry_files(root) if cache_mod.decode_entry(
        Path(p).read_bytes()) == {'value': 'a' * 100})
    path_b = next(p for p in _entry_files(root) if p != path_a)
    good_a = Path(path_a).read_bytes()

    def rebuilt_after(damage: bytes) -> bool:
        Path(path_a).write_bytes(damage)
        build = Builds({'value': 'fresh'})
        got = repo_cache(service).get_or_build('test.summary', blob_a, {}, build)
        fixed = cache_mod.decode_entry(Path(path_a).read_bytes())
        return build.calls == 1 and got == {'value': 'fresh'} and fixed == {'value': 'fresh'}

    assert rebuilt_after(good_a[:-10])                                  # truncated
    assert rebuilt_after(good_a[:-1] + bytes([good_a[-1] ^ 1]))         # a flipped bit
    assert rebuilt_after(b'')                                           # empty
    assert rebuilt_after(good_a.replace(b'HHC1', b'HHC9', 1))           # another format
    assert rebuilt_after(Path(path_b).read_bytes())                     # another key's entry
    # an entry written by another version of the tool (another fingerprint) is not trusted
    header, _, payload = good_a.partition(b'\n')
    fields = header.split(b' ')
    fields[3] = b'0' * len(fields[3])
    assert rebuilt_after(b' '.join(fields) + b'\n' + payload)
    # a payload that verifies but is not marshal data
    junk = b'not marshal data'
    import hashlib
    fields = header.split(b' ')
    fields[5], fields[6] = str(len(junk)).encode(), hashlib.sha256(junk).hexdigest().encode()
    assert rebuilt_after(b' '.join(fields) + b'\n' + junk)


def test_a_new_tool_version_does_not_read_old_entries(service: GitRepo,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    c = repo_cache(service)
    c.put('test.summary', git_blob_id(b'a'), {}, 'old analysis')
    monkeypatch.setattr(cache_mod, '_FINGERPRINT', 'f' * 40)     # an edited or new install
    assert repo_cache(service).get('test.summary', git_blob_id(b'a'), {}) == (False, None)


def test_fingerprint_changes_when_a_module_of_the_package_changes(tmp_path: Path) -> None:
    """A copy of the package is fingerprinted; touching one module changes it."""
    import shutil

    copy = tmp_path / 'src'
    shutil.copytree(SRC / 'hotfix_hooks', copy / 'hotfix_hooks',
                    ignore=shutil.ignore_patterns('__pycache__'))
    code = 'from hotfix_hooks import cache; print(cache.tool_fingerprint())'
    env = {**os.environ, 'PYTHONPATH': str(copy)}

    def fingerprint() -> str:
        return subprocess.run([sys.executable, '-c', code], env=env, capture_output=True,
                              text=True, check=True).stdout.strip()

    first = fingerprint()
    assert first == fingerprint()
    target = copy / 'hotfix_hooks' / 'openapi' / 'fromcode.py'
    target.write_text(target.read_text() + '\n# edited\n')
    assert fingerprint() != first


def test_fingerprint_changes_when_the_sql_parser_is_installed_again(tmp_path: Path) -> None:
    """The SQL analyses cached depend on ``pglast``: another install of it (here a package
    of that name first on ``sys.path``, then rewritten) is another fingerprint, found
    without importing it."""
    code = ('import sys; from hotfix_hooks import cache; print(cache.tool_fingerprint()); '
            'print("pglast" in sys.modules)')
    libs = tmp_path / 'libs'

    def fingerprint(*paths: Path) -> tuple[str, str]:
        env = {**os.environ, 'PYTHONPATH': os.pathsep.join([*map(str, paths), str(SRC)])}
        out = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True,
                             text=True, check=True).stdout.split()
        return out[0], out[1]

    installed, imported = fingerprint()
    assert imported == 'False'
    (libs / 'pglast').mkdir(parents=True)
    (libs / 'pglast' / '__init__.py').write_text('__version__ = "1"\n')
    other, _ = fingerprint(libs)
    assert other != installed
    assert fingerprint(libs)[0] == other
    (libs / 'pglast' / '__init__.py').write_text('__version__ = "2.0"\n')
    assert fingerprint(libs)[0] != other


# -- concurrent runs ----------------------------------------------------------------------------
WORKER = '''
import sys, time
from hotfix_hooks import cache
from hotfix_hooks.changeset import git_blob_id
root, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
c = cache.Cache(root, max_bytes=10**9)
bad = 0
for round_ in range(3):
    for i in range(n):
        key = (i * 7 + seed + round_) % n
        want = {"i": key, "payload": "x" * (key * 37 % 4000), "t": (key, str(key))}
        got = c.get_or_build("test.concurrent", git_blob_id(str(key).encode()), {"v": 1},
                             lambda: want)
        bad += got != want
c.close()
print(bad, c.hits, c.writes)
'''


def test_concurrent_processes_never_see_a_partial_entry(service: GitRepo) -> None:
    root = cache_mod.cache_dir(plumbing.common_dir(str(service.path)))
    procs = [subprocess.Popen([sys.executable, '-c', WORKER, root, '60', str(seed)],
                              env={**os.environ, 'PYTHONPATH': str(SRC)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for seed in range(4)]
    results = [p.communicate(timeout=120) for p in procs]
    for (out, err), p in zip(results, procs):
        assert p.returncode == 0, err
        assert out.split()[0] == '0', out           # every value read back was whole
        assert 'note' not in err
    files = _entry_files(root)
    assert len(files) == 60
    assert all(cache_mod.decode_entry(Path(f).read_bytes()) is not cache_mod._NOTHING
               for f in files)
    assert not list(cache_mod._temp_files(root))   # no temporary file left behind
    assert sum(int(out.split()[1]) for out, _ in results) > 0


# -- batched writes ---------------------------------------------------------------------------
def _batch(n: int) -> list[tuple[str, str, object, object]]:
    return [('test.batch', git_blob_id(f'module {i}'.encode()), {'path': f'app/m{i}.py'},
             {'mounts': [(f'app/m{i}.py', 'router', 'app/main.py', 'app', '/api')],
              'raw': bytes([i % 256]) * (i + 1), 'lines': {i: (i, 'x')}})
            for i in range(n)]


@pytest.mark.parametrize('background', [False, True])
def test_entries_written_in_a_batch_read_back_identically(service: GitRepo,
                                                          background: bool) -> None:
    items = _batch(40)
    c = repo_cache(service)
    assert c.put_many(items, background=background) == 40
    c.close()                                       # waits for a background writer
    assert c.writes == 40 and c.bytes_written > 0
    root = cache_mod.cache_dir(plumbing.common_dir(str(service.path)))
    assert cache_mod.ledger_total(root) == c.bytes_written
    assert not list(cache_mod._temp_files(root))
    # another process reads each entry back as it was given
    fresh = repo_cache(service)
    for namespace, blob, parts, value in items:
        assert fresh.get(namespace, blob, parts) == (True, value)
    assert len(_entry_files(root)) == 40


def test_a_batch_with_a_value_that_is_not_plain_data_writes_nothing(service: GitRepo) -> None:
    items = [*_batch(3), ('test.batch', git_blob_id(b'bad'), {}, object())]
    c = repo_cache(service)
    with pytest.raises(TypeError):
        c.put_many(items, background=True)
    c.close()
    assert c.writes == 0
    assert _entry_files(cache_mod.cache_dir(plumbing.common_dir(str(service.path)))) == []


def test_a_batch_that_cannot_be_finished_leaves_whole_entries_only(service: GitRepo) -> None:
    """A subdirectory of the cache is a file: the batch stops at the entry that goes there,
    with one note; what it wrote before is whole, nothing half-written is left."""
    items = _batch(60)
    c = repo_cache(service)
    root = cache_mod.cache_dir(plumbing.common_dir(str(service.path)))
    where = [os.path.dirname(c._key(*item[:3])[0]) for item in items]
    blocked = where[30]
    first = where.index(blocked)                    # the first entry that cannot be written
    os.makedirs(root, exist_ok=True)
    Path(blocked).write_text('in the way\n')
    notes: list[str] = []
    c = repo_cache(service, note=notes.append)
    written = c.put_many(items, background=True)
    c.close()
    assert written == 60 and c.writes == first and len(notes) == 1, (c.writes, notes)
    fresh = repo_cache(service)
    got = [fresh.get(*item[:3]) for item in items]
    assert all(g == (True, item[3]) or g == (False, None) for g, item in zip(got, items))
    assert sum(g[0] for g in got) == c.writes
    assert not list(cache_mod._temp_files(root))


KILLED_WRITER = r'''
import sys
from hotfix_hooks import cache as cache_mod
from hotfix_hooks.changeset import git_blob_id
root = sys.argv[1]
c = cache_mod.Cache(root)
items = [('test.batch', git_blob_id(f'module {i}'.encode()), {'path': str(i)},
          {'i': i, 'raw': b'x' * 10000}) for i in range(2000)]
c.put_many(items, background=True)
print('writing', flush=True)
sys.stdin.read()
'''


def test_a_run_killed_during_a_batch_leaves_no_half_written_entry(service: GitRepo) -> None:
    root = cache_mod.cache_dir(plumbing.common_dir(str(service.path)))
    proc = subprocess.Popen([sys.executable, '-c', KILLED_WRITER, root],
                            env={**os.environ, 'PYTHONPATH': str(SRC)}, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == 'writing'
    proc.kill()                                     # SIGKILL: no clean-up of any kind
    proc.communicate(timeout=60)
    files = _entry_files(root)
    assert len(files) < 2000                        # killed before the batch was done
    for f in files:                                 # what is there is whole
        value = cache_mod.decode_entry(Path(f).read_bytes())
        assert isinstance(value, dict) and value['raw'] == b'x' * 10000
    # a temporary file of the killed writer is never read, and pruned once stale
    for path, _st in cache_mod._temp_files(root):
        old = time.time() - cache_mod.STALE_TEMP - 10
        os.utime(path, (old, old))
    cache_mod.prune(root, 10**9)
    assert not list(cache_mod._temp_files(root))
    assert len(_entry_files(root)) == len(files)


# -- bounded size ----------------------------------------------------------------------------
def test_pruning_keeps_the_most_recently_used_entries_under_the_bound(service: GitRepo) -> None:
    root = cache_mod.cache_dir(plumbing.common_dir(str(service.path)))
    c = cache_mod.Cache(root, max_bytes=10**9)
    blobs = [git_blob_id(str(i).encode()) for i in range(40)]
    for b in blobs:
        c.put('test.prune', b, {}, 'x' * 1000)
    c.close()
    size = sum(st.st_size for _, st in cache_mod.entries(root))
    assert cache_mod.ledger_total(root) == size
    # the first 30 were last used long ago (the first the longest), the last 10 just now
    old = time.time() - 10 * 86400
    for i, b in enumerate(blobs):
        path = c._key('test.prune', b, {})[0]
        os.utime(path, (old + i * 60, old + i * 60))
    recent = repo_cache(service)
    for b in blobs[30:]:
        assert recent.get('test.prune', b, {})[0]          # a hit refreshes the LRU clock
    # a run that writes more than the bound allows prunes at its end
    small = cache_mod.Cache(root, max_bytes=size // 2)
    small.put('test.prune', git_blob_id(b'new'), {}, 'y' * 1000)
    small.close()
    left = sum(st.st_size for _, st in cache_mod.entries(root))
    assert left <= 0.8 * (size // 2)
    assert cache_mod.ledger_total(root) == left
    check = repo_cache(service)
    assert all(check.get('test.prune', b, {})[0] for b in blobs[30:])
    assert check.get('test.prune', git_blob_id(b'new'), {})[0]
    assert not check.get('test.prune', blobs[0], {})[0]


def test_policy_and_environment_set_the_bound(service: GitRepo,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    assert cache_mod.max_bytes_from(None) == cache_mod.DEFAULT_MAX_MB * 1_000_000
    assert cache_mod.max_bytes_from(5) == 5_000_000
    monkeypatch.setenv('HOTFIX_HOOKS_CACHE_MAX_MB', '1.5')
    assert cache_mod.max_bytes_from(5) == 1_500_000
    monkeypatch.setenv('HOTFIX_HOOKS_CACHE_MAX_MB', 'lots')      # a bad value is ignored
    assert cache_mod.max_bytes_from(5) == 5_000_000
    monkeypatch.delenv('HOTFIX_HOOKS_CACHE_MAX_MB')
    service.write('.hotfix-hooks.toml', '[cache]\nmax_mb = 0\n')
    pol = policy_mod.load(str(service.path))
    ctx = context.resolve(context.Request(staged=True), pol, env={}, cwd=str(service.path))
    cs = git_changes.build(ctx, pol)
    assert not cs.cache.enabled                                   # 0 turns it off
    cs.close()
    service.write('.hotfix-hooks.toml', '[cache]\nmax_mb = -1\n')
    res = run_cli(service, 'scan')
    assert res.returncode == 2 and 'cache.max_mb' in res.stderr


# -- a cache that cannot be written is no cache, never an error ---------------------------------
def test_a_file_in_the_way_gives_one_note_and_no_cache(service: GitRepo) -> None:
    (service.path / '.git' / 'hotfix-hooks').write_text('not a directory\n')
    notes: list[str] = []
    c = repo_cache(service, note=notes.append)
    for i in range(5):
        build = Builds(i)
        assert c.get_or_build('test.summary', git_blob_id(str(i).encode()), {}, build) == i
        assert build.calls == 1
    c.close()
    assert len(notes) == 1 and 'running without it' in notes[0], notes


def _read_only(path: Path) -> None:
    """Make `path` a directory nobody can write in, root included (the tests may run as root)."""
    path.chmod(0o555)
    if os.geteuid() != 0:
        return
    # root ignores the mode: the immutable attribute stops it too
    res = subprocess.run(['chattr', '+i', str(path)], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.fail(f'cannot make a directory read-only for root here: {res.stderr.strip()}')


def _writable(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(['chattr', '-i', str(path)], capture_output=True)
    path.chmod(0o755)


def test_a_read_only_cache_directory_gives_one_note(service: GitRepo) -> None:
    root = Path(cache_mod.cache_dir(plumbing.common_dir(str(service.path))))
    root.mkdir(parents=True)
    _read_only(root)
    try:
        probe = root / 'probe'
        with pytest.raises(OSError):
            probe.write_text('x')                   # the directory really is read-only
        notes: list[str] = []
        c = repo_cache(service, note=notes.append)
        for i in range(3):
            assert c.get_or_build('test.summary', git_blob_id(str(i).encode()), {},
                                  Builds(i)) == i
        c.close()
        assert len(notes) == 1 and 'running without it' in notes[0], notes
        assert list(root.iterdir()) == []
    finally:
        _writable(root)


FULL = '''
import resource, signal, sys
from hotfix_hooks import cache
from hotfix_hooks.changeset import git_blob_id
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))     # files over 200 bytes: EFBIG
c = cache.Cache(sys.argv[1])
out = [c.get_or_build("test.full", git_blob_id(str(i).encode()), {}, lambda: "v" * 500)
       for i in range(5)]
c.close()
print(all(v == "v" * 500 for v in out), c.writes)
'''


def test_a_full_disk_gives_one_note_and_the_run_goes_on(service: GitRepo) -> None:
    root = cache_mod.cache_dir(plumbing.common_dir(str(service.path)))
    res = subprocess.run([sys.executable, '-c', FULL, root], capture_output=True, text=True,
                         env={**os.environ, 'PYTHONPATH': str(SRC),
                              'PYTHONDONTWRITEBYTECODE': '1'})     # no .pyc cut at 200 bytes
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ['True', '0']
    assert res.stderr.count('hotfix-hooks: note: analysis cache') == 1, res.stderr
    assert 'Traceback' not in res.stderr
    assert not list(cache_mod._temp_files(root))


# -- the command line ----------------------------------------------------------------------
def test_cache_info_and_clear(service: GitRepo) -> None:
    c = repo_cache(service)
    for i in range(3):
        c.put('test.summary', git_blob_id(str(i).encode()), {}, 'x' * 100)
    c.put('test.other', git_blob_id(b'o'), {}, 'y')
    c.close()
    res = run_cli(service, 'cache', 'info')
    assert res.returncode == 0, res.stderr
    assert 'entries: 4' in res.stdout and 'test.summary' in res.stdout
    assert str(service.path / '.git' / 'hotfix-hooks' / 'cache') in res.stdout
    res = run_cli(service, 'cache', 'info', '--format', 'json')
    data = json.loads(res.stdout)
    assert data['entries'] == 4 and data['namespaces']['test.summary']['entries'] == 3
    assert data['max_bytes'] == 200_000_000 and data['enabled']
    res = run_cli(service, 'cache', 'clear')
    assert res.returncode == 0 and 'removed 4 entries' in res.stdout
    assert json.loads(run_cli(service, 'cache', 'info', '--format', 'json').stdout)[
        'entries'] == 0
    assert run_cli(service, 'cache', 'clear').returncode == 0          # clearing nothing
    res = run_cli(service, 'cache')
    assert res.returncode == 2 and res.stderr.count('\n') == 1, res.stderr
    res = run_cli(service, 'cache', 'info', env={'HOTFIX_HOOKS_CACHE': '0'})
    assert 'state: off' in res.stdout


def test_no_cache_option_reaches_the_change_set(service: GitRepo,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    service.checkout('hotfix/ARIS-2-x', create=True)
    service.commit('fix', {'app/models.py': 'class Order:\n    status = "closed"\n'})
    for cmd in ('scan', 'record', 'readiness', 'status', 'decide', 'ci'):
        res = run_cli(service, cmd, '--help')
        assert '--no-cache' in res.stdout, cmd

    def cache_of(req: context.Request) -> bool:
        ctx = context.resolve(req, POLICY, env={}, cwd=str(service.path))
        cs = git_changes.build(ctx, POLICY)
        cs.close()
        return cs.cache.enabled

    assert cache_of(context.Request(from_ref='main', to_ref='HEAD'))
    assert not cache_of(context.Request(from_ref='main', to_ref='HEAD', no_cache=True))
    monkeypatch.setenv('HOTFIX_HOOKS_CACHE', 'off')
    assert not cache_of(context.Request(from_ref='main', to_ref='HEAD'))


def test_scan_fills_the_cache_and_no_cache_leaves_it_untouched(repo: GitRepo) -> None:
    repo.commit('base', {
        'app/main.py': 'from fastapi import FastAPI\n\nfrom app import orders\n\n'
                       'app = FastAPI()\napp.include_router(orders.router)\n',
        'app/orders.py': 'from fastapi import APIRouter\n\nfrom app.schemas import Order\n\n'
                         'router = APIRouter()\n\n\n@router.get("/orders/{oid}")\n'
                         'def get_order(oid: int) -> Order:\n    return Order(id=oid)\n',
        'app/schemas.py': 'from pydantic import BaseModel\n\n\nclass Order(BaseModel):\n'
                          '    id: int\n',
        'app/util.py': 'def double(x):\n    return 2 * x\n'})
    repo.checkout('hotfix/ARIS-3-x', create=True)
    # a helper nothing routes import: the search for its importers is what gets cached
    repo.commit('fix', {'app/util.py': 'def double(x):\n    return x + x\n'})
    root = cache_mod.cache_dir(plumbing.common_dir(str(repo.path)))

    off = run_cli(repo, 'scan', '--from-ref', 'main', '--to-ref', 'HEAD', '--format', 'json',
                  '--no-cache')
    assert off.returncode in (0, 1), off.stdout + off.stderr
    assert _entry_files(root) == []
    env_off = run_cli(repo, 'scan', '--from-ref', 'main', '--to-ref', 'HEAD', '--format',
                      'json', env={'HOTFIX_HOOKS_CACHE': '0'})
    assert _entry_files(root) == []

    cold = run_cli(repo, 'scan', '--from-ref', 'main', '--to-ref', 'HEAD', '--format', 'json')
    filled = _entry_files(root)
    assert filled
    warm = run_cli(repo, 'scan', '--from-ref', 'main', '--to-ref', 'HEAD', '--format', 'json')
    assert _entry_files(root) == filled
    findings = [json.loads(r.stdout)['findings'] for r in (off, env_off, cold, warm)]
    assert findings[1:] == findings[:-1]
