"""Git facts read without running git (``git/plumbing.py``): HEAD's commit, the common and
object directories, MERGE_HEAD; each compared with what git itself answers, in the shapes a
repository takes (loose and packed refs, detached, unborn, linked worktrees, symbolic refs)."""
from __future__ import annotations

from pathlib import Path

from hotfix_hooks.git import plumbing
from tests.support.gitrepo import GitRepo


def _git_head(repo: GitRepo) -> str | None:
    out = repo.git('rev-parse', '--verify', '--quiet', 'HEAD^{commit}', check=False)
    return out or None


def test_head_commit_agrees_with_git(repo: GitRepo, tmp_path: Path) -> None:
    root = str(repo.path)
    assert plumbing.head_commit(root) is None                       # unborn main
    first = repo.commit('one', {'a.txt': '1\n'})
    assert plumbing.head_commit(root) == first == _git_head(repo)    # loose ref
    repo.git('pack-refs', '--all')
    assert not (repo.path / '.git' / 'refs' / 'heads' / 'main').exists()
    assert plumbing.head_commit(root) == first                       # packed ref
    second = repo.commit('two', {'a.txt': '2\n'})
    assert plumbing.head_commit(root) == second                      # loose beats packed
    repo.git('checkout', '-q', '--detach', first)
    assert plumbing.head_commit(root) == first                       # detached
    repo.git('checkout', '-q', '--orphan', 'fresh')
    assert plumbing.head_commit(root) is None == _git_head(repo)     # unborn, packed-refs there
    repo.git('checkout', '-q', '-f', 'main')
    repo.git('symbolic-ref', 'refs/heads/alias', 'refs/heads/main')
    repo.git('symbolic-ref', 'HEAD', 'refs/heads/alias')
    assert plumbing.head_commit(root) == second == _git_head(repo)   # a symref to a symref
    repo.git('symbolic-ref', 'HEAD', 'refs/heads/main')
    repo.git('worktree', 'add', '-q', '-b', 'side', str(tmp_path / 'linked'), first)
    linked = str(tmp_path / 'linked')
    assert plumbing.head_commit(linked) == first
    assert plumbing.common_dir(linked) == str(repo.path / '.git')
    assert plumbing.objects_dir(linked) == str(repo.path / '.git' / 'objects')
    assert plumbing.common_dir(root) == plumbing.git_dir(root)


def test_merge_head_is_seen_without_git(repo: GitRepo) -> None:
    repo.commit('base', {'f.txt': 'base\n'})
    repo.git('checkout', '-q', '-b', 'side')
    repo.commit('side', {'f.txt': 'side\n'})
    repo.git('checkout', '-q', 'main')
    repo.commit('ours', {'f.txt': 'ours\n'})
    assert plumbing.has_pseudo_ref('MERGE_HEAD', str(repo.path)) is False
    repo.run(['git', 'merge', '-q', 'side'], check=False)
    assert plumbing.has_pseudo_ref('MERGE_HEAD', str(repo.path)) is True


# -- the shared git cat-file --batch: the same answers as one git call each ---------------
def _single(repo: GitRepo, spec: str) -> tuple[str, bytes] | None:
    kind = repo.git('cat-file', '-t', spec, check=False)
    if not kind:
        return None
    data = repo.run(['git', 'cat-file', kind, spec], input=b'')    # bytes out
    return kind, data.stdout


def test_batched_reads_return_what_single_calls_do(repo: GitRepo) -> None:
    root = str(repo.path)
    first = repo.commit('one', {'a.txt': '1\n', 'dir/with space.txt': 'x y\n',
                                'empty.txt': '', 'bin.dat': b'\x00\xff\n'})
    repo.git('tag', '-a', 'v1', '-m', 'release')
    second = repo.commit('two', {'a.txt': '2\n'})
    specs = [f'{first}:a.txt', 'HEAD:a.txt', 'HEAD:dir/with space.txt', 'HEAD:empty.txt',
             'HEAD:bin.dat', 'HEAD:dir', 'HEAD^{commit}', 'v1', 'v1^{commit}', 'HEAD^{tree}',
             'HEAD:missing.txt', 'no-such-ref', 'HEAD:a.txt missing', f'{second[:12]}',
             'HEAD:a.txt']
    got = plumbing.cat_batch(root, specs)
    assert list(got) == list(dict.fromkeys(specs))
    for spec in specs:
        single = _single(repo, spec)
        assert got[spec] == (None if single is None else (single[0], single[1])), spec
    assert plumbing.read_blobs(root, 'HEAD', ['a.txt', 'dir', 'nope', 'dir/with space.txt']) \
        == {'a.txt': b'2\n', 'dir': None, 'nope': None, 'dir/with space.txt': b'x y\n'}
    assert plumbing.cat_batch(root, ['HEAD:a\nb']) == {'HEAD:a\nb': None}


def test_rev_parse_through_the_batch_agrees_with_git(repo: GitRepo) -> None:
    root = str(repo.path)
    assert plumbing.rev_parse('HEAD', root) is None                  # unborn
    first = repo.commit('one', {'a.txt': '1\n'})
    repo.git('tag', '-a', 'v1', '-m', 'annotated')
    repo.git('tag', 'light')
    second = repo.commit('two', {'a.txt': '2\n'})
    for rev in ('HEAD', 'main', 'v1', 'light', 'HEAD~1', first, first[:10], 'refs/tags/v1',
                'nope', 'HEAD~5', '-x', 'HEAD:a.txt', ''):
        for peel in ('commit', 'tree'):
            want = repo.git('rev-parse', '--verify', '--quiet', '--end-of-options',
                            f'{rev}^{{{peel}}}', check=False) or None
            assert plumbing.rev_parse(rev, root, peel) == want, (rev, peel)
    assert plumbing.rev_parse('HEAD', root) == second
    # a ref moved after the batch process started is read anew
    third = repo.commit('three', {'a.txt': '3\n'})
    assert plumbing.rev_parse('HEAD', root) == third
    repo.git('pack-refs', '--all')
    assert plumbing.rev_parse('main', root) == third


def test_merge_base_agrees_with_git(repo: GitRepo, tmp_path: Path) -> None:
    root = str(repo.path)
    base = repo.commit('base', {'a.txt': '0\n'})
    for i in range(40):                                      # beyond the walk's reach
        repo.commit(f'c{i}', {'a.txt': f'{i + 1}\n'})
    far = repo.git('rev-parse', 'HEAD')
    repo.git('checkout', '-q', '-b', 'side', base)
    side = repo.commit('side', {'b.txt': 'side\n'})
    repo.git('checkout', '-q', 'main')
    merge = repo.git('merge', '-q', '--no-ff', '-m', 'merge side', 'side', check=False)
    assert merge is not None
    top = repo.git('rev-parse', 'HEAD')
    near = repo.git('rev-parse', 'HEAD~3')
    pairs = [(base, base), (near, top), (repo.git('rev-parse', 'HEAD^'), top), (side, top),
             (base, far), (base, top), (far, side), (side, far), (top, near)]
    for a, b in pairs:
        want = repo.git('merge-base', a, b, check=False) or None
        assert plumbing.merge_base(a, b, root) == want, (a, b)
    assert plumbing.near_ancestor(near, top, root)
    assert not plumbing.near_ancestor(base, far, root)            # too far: git decides
    assert not plumbing.near_ancestor(top, near, root)
    # a shallow clone: git hides the cut parents, so the walk does not answer
    clone = tmp_path / 'shallow'
    repo.run(['git', 'clone', '-q', '--depth', '2', f'file://{root}', str(clone)])
    head = GitRepo(clone, init=False).git('rev-parse', 'HEAD')
    parent = GitRepo(clone, init=False).git('rev-parse', 'HEAD^')
    assert not plumbing.near_ancestor(parent, head, str(clone))
    assert plumbing.merge_base(parent, head, str(clone)) == parent


def test_shared_batch_is_closed_and_restarted(repo: GitRepo) -> None:
    root = str(repo.path)
    repo.commit('one', {'a.txt': '1\n'})
    first = plumbing.shared(root)
    assert first.get('HEAD:a.txt') == ('blob', b'1\n')
    assert plumbing.shared(root) is first
    plumbing.close_shared(root)
    repo.commit('two', {'a.txt': '2\n'})
    assert plumbing.shared(root) is not first
    assert plumbing.cat_batch(root, ['HEAD:a.txt'])['HEAD:a.txt'] == ('blob', b'2\n')
