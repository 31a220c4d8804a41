"""The change set built from real git (``hotfix_hooks.git.changes.build``): statuses, odd paths,
binary and non-UTF-8 content, symlinks, submodules, hunks, and lazy contents in the
index, range and worktree modes."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hotfix_hooks import policy as policy_mod
from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.git import changes as git_changes
from hotfix_hooks.git import context
from tests.support.actions_service import ROUTES_BASE
from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.gitrepo import SRC
from tests.support.hookkit import assert_one_line_error
from tests.support.hookkit import hh_json
from tests.support.hookkit import HOTFIX_BRANCH
from tests.support.hookkit import write_policy

POLICY = policy_mod.from_mapping({}, None)

BASE_LINES = ''.join(f'line {i}\n' for i in range(1, 11))
HEAD_LINES = BASE_LINES.replace('line 3\n', 'line three\n') \
    .replace('line 7\n', 'line 7\ninserted\n').replace('line 9\n', '')
RENAMED_BODY = ''.join(f'def f{i}():\n    return {i}\n\n' for i in range(20))
ODD_PATHS = {
    'with space.txt': 'space\n',
    'quote"d \'both\'.txt': 'quotes\n',
    'new\nline.txt': 'newline\n',
    'ünïcode/файл.txt': 'unicode\n',
    'tab\tname.txt': 'tab\n',
}
BINARY_OLD = b'\x89PNG\r\n\x1a\n\0\0\0old'
BINARY_NEW = b'\x89PNG\r\n\x1a\n\0\0\0new bytes'
LATIN1_OLD = b'caf\xe9\n'
LATIN1_NEW = b'caf\xe9\nna\xefve\n'


def _build(repo: GitRepo, req: context.Request, pol: policy_mod.Policy = POLICY) -> ChangeSet:
    ctx = context.resolve(req, pol, env={}, cwd=str(repo.path))
    return git_changes.build(ctx, pol)


class Range:
    def __init__(self, repo: GitRepo, base: str, head: str, sub_old: str, sub_new: str) -> None:
        self.repo = repo
        self.base = base
        self.head = head
        self.sub_old = sub_old
        self.sub_new = sub_new


@pytest.fixture(scope='module')
def rng(tmp_path_factory: pytest.TempPathFactory) -> Range:
    tmp = tmp_path_factory.mktemp('changes')
    sub = GitRepo(tmp / 'subsrc')
    sub_old = sub.commit('s1', {'lib.txt': 'v1\n'})
    repo = GitRepo(tmp / 'repo')
    repo.write('modified.txt', BASE_LINES)
    repo.write('deleted.txt', 'bye\n')
    repo.write('renamed-old.py', RENAMED_BODY)
    repo.write('mode.sh', '#!/bin/sh\necho hi\n')
    repo.write('binary.bin', BINARY_OLD)
    repo.write('latin1.txt', LATIN1_OLD)
    repo.write('space old.txt', 'x\n' * 20)
    os.symlink('modified.txt', repo.path / 'link')
    repo.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', str(sub.path), 'sub')
    base = repo.commit('base')

    sub_new = sub.commit('s2', {'lib.txt': 'v2\n'})
    subdir = GitRepo(repo.path / 'sub', env=repo.env, init=False)
    subdir.git('-c', 'protocol.file.allow=always', 'fetch', '-q', 'origin')
    subdir.git('checkout', '-q', sub_new)
    repo.write('modified.txt', HEAD_LINES)
    repo.git('rm', '-q', 'deleted.txt')
    repo.git('mv', 'renamed-old.py', 'renamed-new.py')
    repo.write('renamed-new.py', RENAMED_BODY + 'def extra():\n    return 0\n')
    (repo.path / 'mode.sh').chmod(0o755)
    repo.write('binary.bin', BINARY_NEW)
    repo.write('latin1.txt', LATIN1_NEW)
    repo.git('mv', 'space old.txt', 'space new.txt')
    for path, text in ODD_PATHS.items():
        repo.write(path, text)
    os.unlink(repo.path / 'link')
    os.symlink('renamed-new.py', repo.path / 'link')
    os.symlink('ünïcode/файл.txt', repo.path / 'new-link')
    head = repo.commit('head')
    return Range(repo, base, head, sub_old, sub_new)


@pytest.fixture(scope='module')
def changes(rng: Range) -> ChangeSet:
    cs = _build(rng.repo, context.Request(from_ref=rng.base, to_ref=rng.head))
    yield cs
    cs.close()


def test_statuses_and_renames(changes: ChangeSet) -> None:
    status = {f.path: f.status for f in changes}
    assert status['modified.txt'] == 'modified'
    assert status['deleted.txt'] == 'deleted'
    assert status['renamed-new.py'] == 'renamed'
    assert status['space new.txt'] == 'renamed'
    for path in ODD_PATHS:
        assert status[path] == 'added', path
    renamed = changes.get('renamed-new.py')
    assert renamed is not None and renamed.old_path == 'renamed-old.py'
    assert renamed.old_bytes() == RENAMED_BODY.encode()
    assert renamed.new_text().endswith('def extra():\n    return 0\n')
    assert renamed.added_lines == [61, 62]
    assert changes.get('renamed-old.py') is renamed          # found by its old path too
    assert changes.get('space new.txt').old_path == 'space old.txt'


def test_mode_change(changes: ChangeSet) -> None:
    f = changes.get('mode.sh')
    assert (f.status, f.old_mode, f.new_mode, f.mode_changed) == ('modified', '100644',
                                                                   '100755', True)
    assert f.hunks == []
    assert f.new_bytes() == b'#!/bin/sh\necho hi\n'


def test_deleted_file_has_old_content_only(changes: ChangeSet) -> None:
    f = changes.get('deleted.txt')
    assert f.old_bytes() == b'bye\n' and f.new_bytes() is None
    assert f.removed_lines == [1] and f.added_lines == []
    assert not changes.head.exists('deleted.txt') and changes.base.exists('deleted.txt')


def test_hunks_added_and_removed_line_numbers(changes: ChangeSet) -> None:
    f = changes.get('modified.txt')
    assert f.added_lines == [3, 8]              # "line three", "inserted"
    assert f.removed_lines == [3, 9]            # "line 3", "line 9"
    assert f.lines_changed == 4
    new = f.new_text().splitlines()
    assert [new[n - 1] for n in f.added_lines] == ['line three', 'inserted']
    old = f.old_text().splitlines()
    assert [old[n - 1] for n in f.removed_lines] == ['line 3', 'line 9']


def test_binary_file(changes: ChangeSet) -> None:
    f = changes.get('binary.bin')
    assert f.binary and f.hunks == []
    assert f.old_bytes() == BINARY_OLD and f.new_bytes() == BINARY_NEW
    assert f.new_text() is None


def test_non_utf8_content_is_read_not_crashed_on(changes: ChangeSet) -> None:
    f = changes.get('latin1.txt')
    assert not f.binary
    assert f.added_lines == [2]
    assert f.new_bytes() == LATIN1_NEW
    assert f.new_text() is None                 # not UTF-8: no text, but no crash


def test_odd_paths_are_exact(changes: ChangeSet) -> None:
    for path, text in ODD_PATHS.items():
        f = changes.get(path)
        assert f is not None, (path, changes.paths())
        assert f.new_text() == text
        assert f.added_lines == [1]
        assert changes.head.read(path) == text.encode()
    assert set(ODD_PATHS) <= set(changes.head.paths())


def test_symlinks_are_changes_of_their_target(changes: ChangeSet) -> None:
    link = changes.get('link')
    assert link.is_symlink and link.status == 'modified'
    assert (link.old_bytes(), link.new_bytes()) == (b'modified.txt', b'renamed-new.py')
    new = changes.get('new-link')
    assert new.status == 'added' and new.new_mode == '120000'
    assert new.new_bytes() == 'ünïcode/файл.txt'.encode()


def test_submodule_is_listed_but_has_no_file_content(rng: Range, changes: ChangeSet) -> None:
    f = changes.get('sub')
    assert f is not None and f.is_submodule
    assert f.status == 'modified' and f.new_mode == '160000'
    assert f.new_bytes() is None and f.old_bytes() is None and f.hunks == []
    assert 'sub' not in changes.head.paths()
    assert '.gitmodules' in changes.base.paths()


def test_scan_over_the_odd_range_reports_without_crashing(rng: Range) -> None:
    rng.repo.git('branch', '-f', 'hotfix/ARIS-20-odd-range', rng.head)
    write_policy(rng.repo, '[scope]\nmax_files = 14\n')
    mine = ('--config', '.hotfix-hooks.toml')     # a hotfix's own policy would not count
    for fmt in ('json', 'text', 'github'):
        res = run_cli(rng.repo, 'scan', '--from-ref', rng.base, '--to-ref', rng.head,
                      '--branch', 'hotfix/ARIS-20-odd-range', '--format', fmt, *mine)
        assert res.returncode == 1, res.stderr       # the submodule moved: fail closed
        assert 'Traceback' not in res.stderr
    # 15 changed files > a budget of 14: the scope check counted every one of them
    rc, data, _ = hh_json(rng.repo, 'scan', '--from-ref', rng.base, '--to-ref', rng.head,
                          '--branch', 'hotfix/ARIS-20-odd-range', *mine)
    assert [f['rule'] for f in data['findings']] == ['scope-too-many-files',
                                                     'scope-submodule-changed']
    assert data['findings'][1]['path'] == 'sub'


def test_contents_are_read_lazily(rng: Range) -> None:
    # building the change set lists files; the object database (gitdb) loads only when a
    # content is read, and the full GitPython (~130 ms) not even then on a normal repository
    code = (
        'import sys\n'
        'from hotfix_hooks import policy\n'
        'from hotfix_hooks.git import changes as git_changes, context\n'
        'pol = policy.from_mapping({}, None)\n'
        f'ctx = context.resolve(context.Request(from_ref={rng.base!r}, to_ref={rng.head!r}), '
        'pol, env={})\n'
        'cs = git_changes.build(ctx, pol)\n'
        'print(len(cs), "gitdb" in sys.modules)\n'
        'print(cs.get("modified.txt").new_bytes().decode().strip())\n'
        'print("gitdb" in sys.modules, "git" in sys.modules)\n'
    )
    res = subprocess.run([sys.executable, '-c', code], cwd=rng.repo.path, capture_output=True,
                         text=True, env={**rng.repo.env, 'PYTHONPATH': str(SRC)}, check=True)
    assert res.stdout.split()[:2] == ['15', 'False']
    assert res.stdout.split()[-2:] == ['True', 'False']


def _listed(repo: GitRepo, args: list[str]) -> dict[str, tuple[str, str]]:
    """path -> (mode, blob id) as ``git ls-tree -r`` / ``git ls-files -s`` list them."""
    out = {}
    for item in repo.run(['git', *args], input=None).stdout.split('\0'):
        if not item:
            continue
        meta, _, path = item.partition('\t')
        parts = meta.split(' ')
        out[path] = (parts[0], parts[2] if args[0] == 'ls-tree' else parts[1])
    return out


def test_the_head_listing_is_the_base_with_the_diff_applied(rng: Range) -> None:
    """The head side is never listed by git: the base's listing with the raw diff applied
    (renames, deletions, type changes, a submodule, odd and non-ASCII names) is exactly
    the commit's, in git's order."""
    cs = _build(rng.repo, context.Request(from_ref=rng.base, to_ref=rng.head))
    try:
        want = _listed(rng.repo, ['ls-tree', '-r', '-z', '--full-tree', rng.head])
        assert list(cs.head.entries.items()) == list(want.items())
        assert cs.head.read('ünïcode/файл.txt') == b'unicode\n'
        assert cs.head.mode('sub') == '160000' and not cs.head.exists('sub')
    finally:
        cs.close()


def test_changed_files_are_read_without_listing_either_side(rng: Range) -> None:
    cs = _build(rng.repo, context.Request(from_ref=rng.base, to_ref=rng.head))
    try:
        assert cs.get('renamed-new.py').old_bytes() == RENAMED_BODY.encode()
        assert cs.get('modified.txt').new_bytes() == HEAD_LINES.encode()
        assert not cs.head.exists('deleted.txt') and cs.base.exists('deleted.txt')
        assert cs.base._entries is None and cs.head._entries is None
        assert cs.head.exists('.gitmodules')           # not in the diff: the base's tree
        assert cs.base._entries is None and cs.head._entries is None
        assert 'mode.sh' in cs.head.paths()            # the whole listing: the base's
        assert cs.base._entries is not None
    finally:
        cs.close()


def test_one_path_is_looked_up_without_listing_the_commit(rng: Range) -> None:
    want = _listed(rng.repo, ['ls-tree', '-r', '-z', '--full-tree', rng.head])
    for path in [*want, 'nope.txt', 'ünïcode', 'ünïcode/nope', 'sub/lib.txt']:
        cs = _build(rng.repo, context.Request(from_ref=rng.head, to_ref=rng.head))
        try:
            assert cs.base.mode(path) == (want[path][0] if path in want else None), path
            assert cs.base.blob_id(path) == (want[path][1] if path in want and
                                             want[path][0] != '160000' else None), path
            assert cs.base._entries is None
        finally:
            cs.close()


def test_a_path_lookup_loads_no_gitdb_and_agrees_once_gitdb_is_loaded(rng: Range) -> None:
    """The spine (``scan --only scope`` reads the record's path) walks trees through the
    ``cat-file --batch`` process, without importing gitdb; once a content read has loaded
    gitdb, lookups give the same answers."""
    want = _listed(rng.repo, ['ls-tree', '-r', '-z', '--full-tree', rng.head])
    path = next(p for p, (mode, _) in want.items() if '/' in p and mode != '160000')
    code = (
        'import sys\n'
        'from hotfix_hooks import policy\n'
        'from hotfix_hooks.git import changes as git_changes, context\n'
        'pol = policy.from_mapping({}, None)\n'
        f'ctx = context.resolve(context.Request(from_ref={rng.head!r}, to_ref={rng.head!r}), '
        'pol, env={})\n'
        'cs = git_changes.build(ctx, pol)\n'
        f'print(cs.base.blob_id({path!r}), cs.base.blob_id("nope/x"), "gitdb" in sys.modules)\n'
        f'data = cs.base.read({path!r})\n'
        f'print(cs.base.blob_id({path!r}), cs.base.blob_id("nope/x"), "gitdb" in sys.modules)\n'
        'cs.close()\n'
    )
    res = subprocess.run([sys.executable, '-c', code], cwd=rng.repo.path, capture_output=True,
                         text=True, env={**rng.repo.env, 'PYTHONPATH': str(SRC)}, check=True)
    first, second = (line.split() for line in res.stdout.splitlines())
    assert first == [want[path][1], 'None', 'False']
    assert second == [want[path][1], 'None', 'True']


# -- index and worktree modes ---------------------------------------------------------------
@pytest.fixture
def dirty(tmp_path: Path) -> GitRepo:
    """main: a.txt, gone.txt; on a branch: a.txt staged "staged", unstaged "disk"."""
    repo = GitRepo(tmp_path / 'dirty')
    repo.commit('base', {'a.txt': 'base\n', 'gone.txt': 'g\n', 'ünï.txt': 'u\n'})
    repo.git('checkout', '-q', '-b', 'hotfix/ARIS-21-dirty')
    repo.commit('branch', {'b.txt': 'committed\n'})
    repo.write('a.txt', 'staged\n')
    repo.git('add', 'a.txt')
    repo.write('a.txt', 'disk\n')
    repo.remove('gone.txt')                 # unstaged deletion
    repo.write('ünï.txt', 'u2\n')
    repo.write('untracked.txt', 'n\n')
    return repo


def test_index_mode_reads_the_staged_content(dirty: GitRepo) -> None:
    cs = _build(dirty, context.Request(staged=True))
    try:
        assert cs.paths() == ['a.txt']
        f = cs.get('a.txt')
        assert (f.old_bytes(), f.new_bytes()) == (b'base\n', b'staged\n')
        assert cs.head_label == 'index'
        assert cs.head.exists('gone.txt')       # still in the index
    finally:
        cs.close()


def test_the_index_listing_is_the_base_with_the_staged_diff_applied(dirty: GitRepo) -> None:
    dirty.git('mv', 'ünï.txt', 'moved ünï.txt')
    dirty.write('new/dir/x.txt', 'x\n')
    dirty.git('add', 'new/dir/x.txt')
    dirty.git('rm', '-q', '--cached', 'b.txt')
    cs = _build(dirty, context.Request(staged=True))
    try:
        want = _listed(dirty, ['ls-files', '-s', '-z'])
        assert list(cs.head.entries.items()) == list(want.items())
        assert cs.get('moved ünï.txt').status == 'renamed'
    finally:
        cs.close()


def test_range_mode_reads_the_commit_not_the_disk(dirty: GitRepo) -> None:
    cs = _build(dirty, context.Request(from_ref='main', to_ref='HEAD'))
    try:
        assert cs.paths() == ['b.txt']
        assert cs.head.read('a.txt') == b'base\n'
        assert cs.get('b.txt').new_bytes() == b'committed\n'
    finally:
        cs.close()


def test_worktree_mode_reads_the_disk(dirty: GitRepo) -> None:
    cs = _build(dirty, context.Request(stage='manual'))
    try:
        status = {f.path: f.status for f in cs}
        assert status == {'a.txt': 'modified', 'b.txt': 'added', 'gone.txt': 'deleted',
                          'ünï.txt': 'modified'}
        assert cs.get('a.txt').new_bytes() == b'disk\n'
        assert cs.get('ünï.txt').new_bytes() == b'u2\n'
        assert cs.get('gone.txt').old_bytes() == b'g\n'
        assert 'gone.txt' not in cs.head.paths() and 'untracked.txt' not in cs.head.paths()
        assert cs.head.read('b.txt') == b'committed\n'
    finally:
        cs.close()


def test_max_diff_bytes_exceeded_is_exit_2_one_line(dirty: GitRepo) -> None:
    write_policy(dirty, 'max_diff_bytes = 10\n')
    res = run_cli(dirty, 'scan', '--config', '.hotfix-hooks.toml')
    assert_one_line_error(res, 'too large', 'max_diff_bytes')
    write_policy(dirty, 'max_diff_bytes = 100000\n')
    assert run_cli(dirty, 'scan', '--config', '.hotfix-hooks.toml').returncode == 0


def test_type_change_file_to_symlink(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / 'tc')
    base = repo.commit('base', {'target.txt': 't\n', 'config.txt': 'one\ntwo\n'})
    repo.remove('config.txt')
    os.symlink('target.txt', repo.path / 'config.txt')
    head = repo.commit('to symlink')
    cs = _build(repo, context.Request(from_ref=base, to_ref=head))
    try:
        f = cs.get('config.txt')
        assert (f.status, f.old_mode, f.new_mode) == ('type-changed', '100644', '120000')
        assert (f.old_bytes(), f.new_bytes()) == (b'one\ntwo\n', b'target.txt')
        assert f.removed_lines == [1, 2] and f.added_lines == [1]
    finally:
        cs.close()
    res = run_cli(repo, 'scan', '--from-ref', base, '--to-ref', head, '--branch',
                  'hotfix/ARIS-22-type-change')
    assert res.returncode == 0, res.stderr


def test_line_separators_inside_lines_keep_line_numbers(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / 'sep')
    old = 'one\ntwo\x0cpage\u2028sep\rcr\nthree\nfour\n'
    new = 'one\nTWO\x0cdiff --git a/x b/x\u2028sep\rcr\nthree\nFOUR\nfive\n'
    base = repo.commit('base', {'odd.txt': old, 'diff.txt': 'x\n'})
    head = repo.commit('head', {'odd.txt': new,
                                'diff.txt': 'x\ndiff --git a/odd.txt b/odd.txt\n'})
    cs = _build(repo, context.Request(from_ref=base, to_ref=head))
    try:
        assert cs.paths() == ['diff.txt', 'odd.txt']
        f = cs.get('odd.txt')
        assert f.added_lines == [2, 4, 5] and f.removed_lines == [2, 4]
        assert cs.get('diff.txt').added_lines == [2]
    finally:
        cs.close()


def test_unfinished_merge_with_conflicts_does_not_crash(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / 'conflict')
    repo.commit('base', {'f.txt': 'base\n', 'a.txt': 'a\n'})
    repo.git('checkout', '-q', '-b', 'side')
    repo.commit('side', {'f.txt': 'side\n'})
    repo.git('checkout', '-q', '-b', 'hotfix/ARIS-23-merge', 'main')
    repo.commit('ours', {'f.txt': 'ours\n'})
    repo.run(['git', 'merge', '-q', 'side'], check=False)       # conflict in f.txt
    repo.write('a.txt', 'a2\n')
    repo.git('add', 'a.txt')
    for args in (('scan', '--staged'), ('scan',)):
        res = run_cli(repo, *args)
        assert res.returncode == 0, res.stderr


def test_non_utf8_path_is_scanned_and_reported(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / 'latin1-name')
    repo.commit('base', {'README.md': 'x\n'})
    repo.git('checkout', '-q', '-b', 'hotfix/ARIS-24-odd-name')
    (repo.path / os.fsdecode(b'requirements-caf\xe9.txt')).write_bytes(b'x==1\n')
    repo.git('add', '-A')
    repo.git('commit', '-q', '-m', 'latin-1 name')
    cs = _build(repo, context.Request(from_ref='main', to_ref='HEAD'))
    try:
        (f,) = cs.files
        assert os.fsencode(f.path) == b'requirements-caf\xe9.txt'
        assert f.new_bytes() == b'x==1\n' and f.added_lines == [1]
    finally:
        cs.close()
    for fmt in ('json', 'text', 'github'):
        res = run_cli(repo, 'scan', '--format', fmt)
        assert res.returncode == 0 and 'Traceback' not in res.stderr, res.stderr
        assert 'requirements-caf' in res.stdout


def test_partial_clone_reads_missing_blobs_through_git(tmp_path: Path) -> None:
    """In a blobless clone (common in CI) old blobs are not on disk: the in-process object
    database cannot read them, and the reader falls back to git, which fetches them."""
    server = GitRepo(tmp_path / 'server')
    server.git('config', 'uploadpack.allowFilter', 'true')
    server.git('config', 'uploadpack.allowAnySHA1InWant', 'true')
    first = server.commit('one', {'svc.py': 'VALUE = 1\n'})
    server.commit('two', {'svc.py': 'VALUE = 2\n'})
    clone = GitRepo(tmp_path / 'clone', env=server.env, init=False)
    subprocess.run(['git', 'clone', '-q', '--filter=blob:none', f'file://{server.path}',
                    str(clone.path)], env=server.env, check=True, capture_output=True)
    missing = clone.git('rev-list', '--objects', '--missing=print', first)
    assert '?' in missing                      # the old blob really is not local
    cs = _build(clone, context.Request(from_ref=first, to_ref='HEAD'))
    try:
        f = cs.get('svc.py')
        assert f.old_text() == 'VALUE = 1\n'
        assert f.new_text() == 'VALUE = 2\n'
    finally:
        cs.close()


# -- .gitattributes ------------------------------------------------------------------------
def test_files_marked_minus_diff_are_still_checked(repo: GitRepo) -> None:
    """``*.py -diff`` / ``*.sql -diff`` in .gitattributes make git call text files binary:
    the /actions bypass passed, and the data-changing migration no longer made the
    recommendation rollback-first."""
    repo.commit('base', {'app/routes.py': ROUTES_BASE,
                         'migrations/001_init.sql': 'CREATE TABLE stock (id int);\n',
                         '.gitattributes': '*.py -diff\n*.sql -diff\n'})
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.commit('bypass', {'app/routes.py': ROUTES_BASE + (
        "\n\n@router.post('/orders/{oid}/cancel')\ndef cancel_order(oid: int, db):\n"
        "    order = db.get(oid)\n    order.status = 'cancelled'\n    return {}\n"),
        'migrations/002_fix.sql': 'UPDATE stock SET id = 2;\n'})
    res = run_cli(repo, 'scan', '--only', 'actions', '--format', 'json')
    assert res.returncode == 1, (res.stdout, res.stderr)
    assert '"rule": "actions-bypass-route"' in res.stdout
    res = run_cli(repo, 'decide', '--format', 'json')
    assert '"recommendation": "rollback-first"' in res.stdout, res.stdout
