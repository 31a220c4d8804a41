"""A change split by governing policy (monorepos): each folder with its own policy file
is checked, and gated, as a repository of its own (see ``policy/tree.py``)."""
from __future__ import annotations

from collections.abc import Sequence

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.changeset import COPIED
from hotfix_hooks.changeset import RENAMED
from hotfix_hooks.git import context
from hotfix_hooks.policy import Policy
from hotfix_hooks.policy.tree import disk_reader
from hotfix_hooks.policy.tree import Governed
from hotfix_hooks.policy.tree import PolicyTree
from hotfix_hooks.policy.tree import Reader


def policy_tree(ctx: context.Context, policy: Policy, changes: ChangeSet,
                read: Reader | None = None) -> PolicyTree:
    """The policies governing the change's folders, read with ``read`` when given (on a
    hotfix branch: its base side, ``trust.Judged.policy_reader``), else from where the root
    policy of this run was read: the checked commit for a range, the working tree
    otherwise."""
    if read is None:
        read = changes.head.read if ctx.mode == 'range' else disk_reader(ctx.root)
    return PolicyTree(policy, read, repo=ctx.root, cache=ctx.use_cache)


def governed_parts(changes: ChangeSet, tree: PolicyTree, leave_out: Sequence[str] = ()
                   ) -> list[tuple[Governed, ChangeSet]]:
    """The change split by governing policy: each folder with its own policy file gets
    the part of the change below it, with paths relative to the folder (a file renamed
    across folders is deleted in one and added in the other). ``leave_out``: repository
    paths that belong to no part (the hotfix record). With no folder policy: the root's
    policy and the change itself."""
    here: dict[str, tuple[Governed, list[str], list[str], list[str]]] = {}

    def group(g: Governed) -> tuple[Governed, list[str], list[str], list[str]]:
        return here.setdefault(g.folder, (g, [], [], []))

    skip = set(leave_out)
    for f in changes.files:
        if f.path in skip:
            continue
        new = tree.governing(f.path)
        old = tree.governing(f.old_path) if f.old_path and f.old_path != f.path else new
        if old.folder == new.folder or f.status not in (RENAMED, COPIED):
            group(new)[1].append(f.path)
        else:
            group(new)[2].append(f.path)
            if f.status == RENAMED:
                group(old)[3].append(f.old_path or f.path)
    if not here or (list(here) == [''] and not tree.nested()):
        return [(tree.root, changes)]
    # a part sees its folder without the folders other policies govern inside it (the
    # root's migration history is not the server's)
    governed = sorted(set(tree.folders(changes.head.paths())) | {k for k in here if k})

    def inside(folder: str) -> list[str]:
        if not folder:
            return governed
        return [g[len(folder) + 1:] for g in governed if g.startswith(folder + '/')]

    return [(g, changes.subset(g.folder, paths, moved_in, moved_out, inside(g.folder)))
            for g, paths, moved_in, moved_out in (here[k] for k in sorted(here))]
