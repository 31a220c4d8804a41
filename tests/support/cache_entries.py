"""The analysis cache's entry files of a test repository, by namespace."""
from __future__ import annotations

from hotfix_hooks import cache as cache_mod
from hotfix_hooks.git import plumbing
from tests.support.gitrepo import GitRepo


def entries_of(repo: GitRepo, namespace: bytes) -> list[str]:
    """Paths of the cache entries of ``namespace`` (read from each entry's header line)."""
    root = cache_mod.cache_dir(plumbing.common_dir(str(repo.path)))
    out = []
    for path, _ in cache_mod.entries(root):
        with open(path, 'rb') as f:
            if f.readline().split()[1] == namespace:
                out.append(path)
    return out
