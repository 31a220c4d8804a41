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
