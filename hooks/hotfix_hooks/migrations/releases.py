"""Which migrations have been released: a table created by a revision no release contains
cannot be large in production, so locking it blocks nobody.

Releases are the repository's release tags (``ChangeSet.tags``, filtered by the caller
with the policy's release-tag shape). A revision is released when a release's commit holds
its file, or the file of a revision that descends from it (a file renamed after the release
is still found through its children). It is *unreleased* only when the answer can be
trusted: some release holds the file of one of its parents (so releases do cover this
history, with the same layout), none holds it or a descendant. Everything else -- no
release tags at all, a root revision (an initial or squashed baseline), a layout moved
since the last release -- counts as released: today's behaviour, never a blind spot.
"""
from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable

from hotfix_hooks.changeset import Snapshot
from hotfix_hooks.migrations import model as m


class Releases:
    """Answers "has this migration been released?" against the release tags, lazily: the
    tags are listed on the first question, and a path is looked up in each release's
    commit only until one holds it (newest releases first)."""

    def __init__(self, tags: Callable[[], list[tuple[str, Snapshot]]],
                 is_release: Callable[[str], bool], migrations: Iterable[m.Migration]) -> None:
        self._tags = tags
        self._is_release = is_release
        self._migs = list(migrations)
        self._snaps: list[Snapshot] | None = None
        self._held: dict[str, bool] = {}
        self._by_rev: dict[tuple[str, str], m.Migration] | None = None
        self._children: dict[tuple[str, str], list[m.Migration]] | None = None

    def _releases(self) -> list[Snapshot]:
        if self._snaps is None:
            self._snaps = [snap for name, snap in self._tags() if self._is_release(name)]
        return self._snaps

    def _in_a_release(self, path: str) -> bool:
        if path not in self._held:
            self._held[path] = any(snap.exists(path) for snap in self._releases())
        return self._held[path]

    def _graph(self) -> tuple[dict[tuple[str, str], m.Migration],
                              dict[tuple[str, str], list[m.Migration]]]:
        if self._by_rev is None or self._children is None:
            self._by_rev, self._children = {}, {}
            for mig in self._migs:
                if mig.revision:
                    self._by_rev[(mig.group, mig.revision)] = mig
            for mig in self._migs:
                for parent in mig.parents:
                    self._children.setdefault((mig.group, parent), []).append(mig)
        return self._by_rev, self._children

    def unreleased(self, mig: m.Migration, touched: frozenset[str] = frozenset()) -> bool:
        """True only when no release holds ``mig`` (nor a revision after it) while a
        release holds one of its parents. A revision in ``touched`` (the paths of files the
        change edits or renames, both sides) is taken as released: only the base side's
        files decide, so a branch cannot hide a release by renaming a file."""
        if not mig.revision or not mig.parents or mig.replaces or mig.path in touched or \
                not self._releases():
            return False
        if self._in_a_release(mig.path):
            return False
        by_rev, children = self._graph()
        parents = [by_rev.get((mig.group, p)) for p in mig.parents]
        if not any(p is not None and self._in_a_release(p.path) for p in parents):
            return False            # releases say nothing about this history's layout
        todo, seen = list(children.get((mig.group, mig.revision), [])), {mig.path}
        while todo:
            child = todo.pop()
            if child.path in seen:
                continue
            seen.add(child.path)
            if child.path in touched or self._in_a_release(child.path):
                return False
            if child.revision:
                todo.extend(children.get((child.group, child.revision), []))
        return True


__all__ = ['Releases']
