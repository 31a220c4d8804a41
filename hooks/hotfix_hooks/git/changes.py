"""Build a ``ChangeSet`` from a resolved ``Context`` with real git.

Two git calls list the change: ``git diff --raw -z`` (statuses, modes, blob ids, renames;
NUL-separated so no path is ever mangled) and ``git diff -p -U0`` (hunks, parsed with
unidiff). Both list files in the same order, so patch sections are matched to raw entries
by position, never by re-parsing quoted path names. File contents are read lazily through
GitPython's object-database layer (gitdb in process; GitPython's ``git cat-file`` database
as the fallback), never one subprocess per file, and only when a check asks for them.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING
from typing import TypedDict

from hotfix_hooks.changeset import ADDED
from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.changeset import COPIED
from hotfix_hooks.changeset import DELETED
from hotfix_hooks.changeset import FileChange
from hotfix_hooks.changeset import Hunk
from hotfix_hooks.changeset import MODE_SUBMODULE
from hotfix_hooks.changeset import MODE_SYMLINK
from hotfix_hooks.changeset import MODIFIED
from hotfix_hooks.changeset import RENAMED
from hotfix_hooks.changeset import Snapshot
from hotfix_hooks.changeset import TYPE_CHANGED
from hotfix_hooks.errors import GitError
from hotfix_hooks.git import plumbing
from hotfix_hooks.git.context import Context
from hotfix_hooks.git.history import GitHistory

if TYPE_CHECKING:
    import git
    from gitdb.db import GitDB

    from hotfix_hooks.policy import Policy

_STATUS = {'A': ADDED, 'M': MODIFIED, 'D': DELETED, 'R': RENAMED, 'C': COPIED,
           'T': TYPE_CHANGED}
_ZERO = '0' * 40


class ObjectReader:
    """Reads blobs by id, opened on first use.

    GitPython's object-database layer does the reading: ``gitdb.GitDB`` (loose objects,
    packs and alternates, in process: ~10 ms to import) and, for what it cannot read
    (a promisor/partial clone, an unusual object store), GitPython's ``GitCmdObjectDB``
    (one persistent ``git cat-file`` process; importing GitPython costs ~100 ms more, so
    it is only paid when needed). Never one subprocess per file.
    """

    def __init__(self, root: str) -> None:
        self.root = root
        self._db: GitDB | None = None
        self._cmd_repo: git.Repo | None = None

    def _gitdb(self) -> GitDB:
        if self._db is None:
            from gitdb.db import GitDB

            objects = plumbing.out(['rev-parse', '--git-path', 'objects'], cwd=self.root)
            self._db = GitDB(os.path.join(self.root, objects))
        return self._db

    def read(self, sha: str) -> bytes | None:
        if not sha or sha == _ZERO:
            return None
        binsha = bytes.fromhex(sha)
        try:
            data: bytes = self._gitdb().stream(binsha).read()     # gitdb has no types
            return data
        except Exception:  # noqa: BLE001 - fall back to git itself
            pass
        try:
            if self._cmd_repo is None:
                import git  # heavy: only when gitdb could not read an object

                self._cmd_repo = git.Repo(self.root)
            data = self._cmd_repo.odb.stream(binsha).read()
            return data
        except Exception as e:  # noqa: BLE001 - a missing object is an environment error
            raise GitError(f'cannot read git object {sha[:12]}: {e}') from None

    def close(self) -> None:
        if self._cmd_repo is not None:
            self._cmd_repo.close()
            self._cmd_repo = None
        self._db = None


class _ListedSnapshot(Snapshot):
    """A snapshot whose entries (path -> (mode, blob id)) come from one git listing."""

    def __init__(self, root: str, reader: ObjectReader, label: str) -> None:
        self.root = root
        self.reader = reader
        self.label = label
        self._entries: dict[str, tuple[str, str]] | None = None

    def _list(self) -> dict[str, tuple[str, str]]:  # pragma: no cover - interface
        raise NotImplementedError

    @property
    def entries(self) -> dict[str, tuple[str, str]]:
        if self._entries is None:
            self._entries = self._list()
        return self._entries

    def paths(self) -> list[str]:
        return [p for p, (mode, _) in self.entries.items() if mode != MODE_SUBMODULE]

    def exists(self, path: str) -> bool:
        entry = self.entries.get(path)
        return entry is not None and entry[0] != MODE_SUBMODULE

    def mode(self, path: str) -> str | None:
        entry = self.entries.get(path)
        return entry[0] if entry else None

    def read(self, path: str) -> bytes | None:
        entry = self.entries.get(path)
        if entry is None or entry[0] == MODE_SUBMODULE:
            return None
        return self.reader.read(entry[1])


class TreeSnapshot(_ListedSnapshot):
    """The files of a commit (or of the empty tree)."""

    def __init__(self, root: str, reader: ObjectReader, rev: str) -> None:
        super().__init__(root, reader, rev[:12])
        self.rev = rev

    def _list(self) -> dict[str, tuple[str, str]]:
        if self.rev == plumbing.EMPTY_TREE:
            return {}
        data = plumbing.run(['ls-tree', '-r', '-z', '--full-tree', '--end-of-options',
                             self.rev], cwd=self.root).stdout
        entries = {}
        for item in plumbing.zsplit(data):
            meta, _, path = item.partition('\t')
            mode, _type, sha = meta.split(' ')
            entries[path] = (mode, sha)
        return entries


class IndexSnapshot(_ListedSnapshot):
    """The files staged in the index (what ``git commit`` records)."""

    def __init__(self, root: str, reader: ObjectReader) -> None:
        super().__init__(root, reader, 'index')

    def _list(self) -> dict[str, tuple[str, str]]:
        data = plumbing.run(['ls-files', '-s', '-z'], cwd=self.root).stdout
        entries = {}
        for item in plumbing.zsplit(data):
            meta, _, path = item.partition('\t')
            mode, sha, _stage = meta.split(' ')
            entries[path] = (mode, sha)
        return entries


class WorktreeSnapshot(Snapshot):
    """Tracked files as they are on disk (committed + staged + unstaged edits)."""

    label = 'working tree'

    def __init__(self, root: str) -> None:
        self.root = root
        self._paths: list[str] | None = None
        self._submodules: set[str] = set()

    def paths(self) -> list[str]:
        if self._paths is None:
            data = plumbing.run(['ls-files', '-s', '-z'], cwd=self.root).stdout
            paths = []
            for item in plumbing.zsplit(data):
                meta, _, path = item.partition('\t')
                if meta.startswith(MODE_SUBMODULE):
                    self._submodules.add(path)
                    continue
                if os.path.lexists(self._abs(path)):
                    paths.append(path)
            self._paths = sorted(set(paths))
        return self._paths

    def _abs(self, path: str) -> bytes:
        return os.path.join(os.fsencode(self.root), path.encode('utf-8', 'surrogateescape'))

    def read(self, path: str) -> bytes | None:
        full = self._abs(path)
        try:
            if os.path.islink(full):
                return os.readlink(full)
            if os.path.isdir(full):
                return None
            with open(full, 'rb') as f:
                return f.read()
        except OSError:
            return None


class _RawEntry(TypedDict, total=False):
    """One file of ``git diff --raw --numstat`` (``_parse_raw`` fills the raw fields, then
    the numstat ones: every key is set once it returns)."""

    status: str
    letter: str
    old_mode: str | None
    new_mode: str | None
    old_sha: str
    new_sha: str
    old_path: str
    path: str
    similarity: int | None
    binary: bool              # the numstat part
    added_count: int
    removed_count: int


def _parse_raw(data: bytes) -> list[_RawEntry]:
    """Entries of ``git diff --raw --numstat -z``: the raw records, then one numstat
    record per file in the same order (binary files have ``-`` counts)."""
    items = plumbing.zsplit(data)
    out: list[_RawEntry] = []
    i = 0
    while i < len(items) and items[i].startswith(':'):
        meta = items[i]
        old_mode, new_mode, old_sha, new_sha, status = meta[1:].split(' ')
        letter = status[0]
        if letter in 'RC':
            old_path, path = items[i + 1], items[i + 2]
            i += 3
        else:
            old_path = path = items[i + 1]
            i += 2
        out.append({
            'status': _STATUS.get(letter, MODIFIED), 'letter': letter,
            'old_mode': None if old_mode == '000000' else old_mode,
            'new_mode': None if new_mode == '000000' else new_mode,
            'old_sha': old_sha, 'new_sha': new_sha,
            'old_path': old_path, 'path': path,
            'similarity': int(status[1:]) if status[1:].isdigit() else None,
        })
    for entry in out:
        if i >= len(items):
            raise GitError('git diff --numstat listed fewer files than --raw')
        added, removed, path = items[i].split('\t', 2)
        i += 3 if path == '' else 1          # renames: "A\tD\t" NUL old NUL new
        entry['binary'] = added == '-'
        entry['added_count'] = int(added) if added.isdigit() else 0
        entry['removed_count'] = int(removed) if removed.isdigit() else 0
    return out


def _split_patch(text: str) -> list[str]:
    """One section per ``diff --git`` header (or ``* Unmerged path`` line). Lines are split
    on ``\\n`` only: file contents may hold ``\\r``, form feeds or U+2028."""
    sections: list[str] = []
    current: list[str] = []
    lines = text.split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    for line in lines:
        if line.startswith(('diff --git ', '* Unmerged path ')) and current:
            sections.append(''.join(current))
            current = []
        current.append(line + '\n')
    if current:
        sections.append(''.join(current))
    return sections


def _sections_per_entry(raw: list[_RawEntry], sections: list[str]) -> list[list[str]]:
    """The patch sections of each raw entry, in order. A type change (file <-> symlink or
    submodule) is one raw entry but two patch sections: the deletion, then the addition."""
    out: list[list[str]] = []
    i = 0
    for entry in raw:
        if i >= len(sections):
            break
        group = [sections[i]]
        i += 1
        if (entry['letter'] == 'T' and i < len(sections)
                and '\ndeleted file mode ' in group[0] and '\nnew file mode ' in sections[i]):
            group.append(sections[i])
            i += 1
        out.append(group)
    if len(out) != len(raw) or i != len(sections):
        raise GitError(f'git diff listed {len(raw)} files but produced {len(sections)} '
                       'patch sections')
    return out


def _parse_section(section: str) -> tuple[bool, list[Hunk]]:
    """(binary?, hunks) of one file's patch section."""
    head_end = section.find('\n@@')
    header = section if head_end == -1 else section[:head_end]
    if '\nBinary files ' in header or '\nGIT binary patch' in header:
        return True, []
    if head_end == -1:
        return False, []
    from unidiff.patch import PatchSet

    try:
        patch = PatchSet(section)
    except Exception:  # noqa: BLE001 - unidiff rejects some headers; fall back below
        return False, _hunks_from_headers(section)
    hunks = []
    for pf in patch:
        for h in pf:
            hunks.append(Hunk(
                old_start=h.source_start, old_length=h.source_length,
                new_start=h.target_start, new_length=h.target_length,
                added=[ln.target_line_no for ln in h
                       if ln.is_added and ln.target_line_no is not None],
                removed=[ln.source_line_no for ln in h
                         if ln.is_removed and ln.source_line_no is not None],
            ))
    return False, hunks


def _hunks_from_headers(section: str) -> list[Hunk]:
    import re

    hunks = []
    for m in re.finditer(r'^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@', section, re.M):
        os_, ol, ns, nl = (int(m.group(1)), int(m.group(2) or 1), int(m.group(3)),
                           int(m.group(4) or 1))
        hunks.append(Hunk(os_, ol, ns, nl, added=list(range(ns, ns + nl)),
                          removed=list(range(os_, os_ + ol))))
    return hunks


def build(ctx: Context, policy: Policy, history_base: str | None = None) -> ChangeSet:
    """The change set of a resolved context (index / range / worktree mode), with the
    history of its commits: ``history_base``..head (default: the context's base; the
    commit stage reads the index against HEAD, so its history needs the base side)."""
    if ctx.mode not in ('index', 'range', 'worktree'):
        raise GitError(f'no change to read in mode {ctx.mode!r}')
    root = ctx.root
    reader = ObjectReader(root)
    base_rev = ctx.base or plumbing.EMPTY_TREE
    base: Snapshot = TreeSnapshot(root, reader, base_rev)
    cached: list[str] = []
    if ctx.mode == 'index':
        cached = ['--cached']
        diff_args = [base_rev]
        head: Snapshot = IndexSnapshot(root, reader)
        head_label = 'index'
    elif ctx.mode == 'range':
        assert ctx.head is not None
        diff_args = [base_rev, ctx.head]
        head = TreeSnapshot(root, reader, ctx.head)
        head_label = ctx.head[:12]
    else:
        diff_args = [base_rev]
        head = WorktreeSnapshot(root)
        head_label = 'working tree'
    common = ['diff', '--no-color', '--no-ext-diff', '--no-textconv', '-M',
              '--ignore-submodules=none', *cached]
    raw = _parse_raw(plumbing.run([*common, '--raw', '--numstat', '-z', '--no-abbrev',
                                  '--end-of-options', *diff_args, '--'], cwd=root).stdout)
    limit = int(policy.get('max_diff_bytes') or 0)
    files: list[FileChange] = []

    def load_hunks() -> None:
        """``git diff -p -U0`` once for every file, parsed with unidiff, on first use."""
        patch_bytes = plumbing.run([*common, '-p', '-U0', '--src-prefix=a/', '--dst-prefix=b/',
                                   '--end-of-options', *diff_args, '--'], cwd=root).stdout
        if limit and len(patch_bytes) > limit:
            raise GitError(f'the change is too large to scan ({len(patch_bytes):,} bytes of '
                           f'diff; limit {limit:,})',
                           hint='split the change, or raise [tool.hotfix-hooks] max_diff_bytes')
        sections = _split_patch(patch_bytes.decode('utf-8', 'surrogateescape'))
        for fc, entry, group in zip(files, raw, _sections_per_entry(raw, sections)):
            hunks: list[Hunk] = []
            for section in group:
                hunks += _parse_section(section)[1]
            if fc.binary or MODE_SUBMODULE in (entry['old_mode'], entry['new_mode']):
                hunks = []
            fc.hunks = hunks

    for entry in raw:
        submodule = MODE_SUBMODULE in (entry['old_mode'], entry['new_mode'])
        files.append(FileChange(
            path=entry['path'], status=entry['status'], old_path=entry['old_path'],
            old_mode=entry['old_mode'], new_mode=entry['new_mode'],
            binary=entry['binary'] and not submodule, similarity=entry['similarity'],
            added_count=0 if submodule else entry['added_count'],
            removed_count=0 if submodule else entry['removed_count'],
            _base=base, _head=head, _load_hunks=load_hunks,
        ))
    if limit and raw:
        # fail closed before any check runs when the change is obviously too large
        total_lines = sum(e['added_count'] + e['removed_count'] for e in raw)
        if total_lines > limit // 8:
            load_hunks()
    history = _history(ctx, policy, history_base)

    def close() -> None:
        reader.close()
        if history is not None:
            history.close()

    return ChangeSet(files=files, base=base, head=head,
                     base_label='empty tree' if base_rev == plumbing.EMPTY_TREE else base_rev[:12],
                     head_label=head_label, notes=list(ctx.notes), on_close=close,
                     history=history)


def _history(ctx: Context, policy: Policy, history_base: str | None) -> GitHistory | None:
    """The commits of the change (nothing is read until a check asks)."""
    if ctx.mode == 'range':
        head = ctx.head
    else:
        head = plumbing.rev_parse('HEAD', ctx.root)
    if head is None:
        return None
    base = history_base if history_base is not None else (
        ctx.base if ctx.mode != 'index' else None)
    if base is None and ctx.mode == 'index':
        return None
    signers = str((policy.get('approvals') or {}).get('allowed_signers') or '')
    return GitHistory(ctx.root, base, head, signers, trusted=base)


__all__ = ['build', 'TreeSnapshot', 'IndexSnapshot', 'WorktreeSnapshot', 'ObjectReader',
           'MODE_SYMLINK']
