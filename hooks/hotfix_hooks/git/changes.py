"""Build a ``ChangeSet`` from a resolved ``Context`` with real git.

Two git calls list the change: ``git diff --raw --numstat -z`` (statuses, modes, blob ids,
renames, line counts; NUL-separated so no path is ever mangled) and, only when a check reads
lines, ``git diff -p -U0`` (hunks, parsed with unidiff). Both list files in the same order,
so patch sections are matched to raw entries by position, never by re-parsing quoted path
names. The files of the base are listed by one ``git ls-tree`` when a check asks about a
path the diff does not name; the head's listing is the base's with the diff applied (no
second listing). File contents are read lazily by blob id through gitdb in process (one
persistent ``git cat-file --batch`` as the fallback), never one subprocess per file.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import TypedDict

from hotfix_hooks import cache as cache_mod
from hotfix_hooks.changeset import ADDED
from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.changeset import COPIED
from hotfix_hooks.changeset import DELETED
from hotfix_hooks.changeset import FileChange
from hotfix_hooks.changeset import Hunk
from hotfix_hooks.changeset import identifiers_view
from hotfix_hooks.changeset import MODE_SUBMODULE
from hotfix_hooks.changeset import MODE_SYMLINK
from hotfix_hooks.changeset import MODIFIED
from hotfix_hooks.changeset import RENAMED
from hotfix_hooks.changeset import Snapshot
from hotfix_hooks.changeset import TYPE_CHANGED
from hotfix_hooks.changeset import words_regex
from hotfix_hooks.errors import GitError
from hotfix_hooks.git import plumbing
from hotfix_hooks.git.context import Context
from hotfix_hooks.git.history import GitHistory

if TYPE_CHECKING:

    from gitdb.db import GitDB

    from hotfix_hooks.policy import Policy

_STATUS = {'A': ADDED, 'M': MODIFIED, 'D': DELETED, 'R': RENAMED, 'C': COPIED,
           'T': TYPE_CHANGED}
_ZERO = '0' * 40


class ObjectReader:
    """Reads blobs by id, opened on first use.

    The first ``FEW`` blobs go through one persistent ``git cat-file --batch`` process;
    after that ``gitdb.GitDB`` reads loose objects, packs and alternates in process (~10-25
    ms to import, cheaper per object); what it cannot read (a promisor/partial clone, an
    unusual object store) goes through the batch process too. Never one subprocess per
    file. The few trees a path lookup walks
    (``read_typed``) go through that process while gitdb is not loaded: a scan that reads
    no file's content (``scan --only scope``) then never imports gitdb.
    """

    # a scan that reads a few blobs (a quiet commit: the changed files' two sides) reads them
    # through the batch process, which the path lookups have usually started already: the
    # gitdb import costs more than the few round trips
    FEW = 16

    def __init__(self, root: str) -> None:
        self.root = root
        self._db: GitDB | None = None
        self._reads = 0

    def _gitdb(self) -> GitDB:
        if self._db is None:
            from gitdb.db import GitDB

            self._db = GitDB(plumbing.objects_dir(self.root))
        return self._db

    def read(self, sha: str) -> bytes | None:
        if not sha or sha == _ZERO:
            return None
        self._reads += 1
        if self._db is None and self._reads <= self.FEW:
            try:
                return self._cat_file(sha)[1]
            except (OSError, ValueError, GitError):
                self.close()            # then gitdb, then the batch process again
        try:
            data: bytes = self._gitdb().stream(bytes.fromhex(sha)).read()   # gitdb: no types
            return data
        except Exception:  # noqa: BLE001 - fall back to git itself
            pass
        try:
            return self._cat_file(sha)[1]
        except (OSError, ValueError, GitError) as e:
            self.close()
            raise GitError(f'cannot read git object {sha[:12]}: {e}') from None

    def read_typed(self, sha: str) -> tuple[bytes, bytes]:
        """(type, content) of an object: through ``git cat-file --batch`` while gitdb is not
        loaded, else gitdb (raises when neither can read it)."""
        if self._db is None:
            try:
                return self._cat_file(sha)
            except (OSError, ValueError, GitError):
                self.close()
        stream = self._gitdb().stream(bytes.fromhex(sha))
        return stream.type, stream.read()

    def _cat_file(self, sha: str) -> tuple[bytes, bytes]:
        """(type, content) of one object through the repository's persistent ``git cat-file
        --batch`` process (shared with the policy and ref reads: ``plumbing.shared``)."""
        got = plumbing.shared(self.root).get(sha)
        if got is None:
            raise ValueError(f'{sha[:12]} missing')
        return got[0].encode('ascii'), got[1]

    def close(self) -> None:
        self._db = None
        plumbing.close_shared(self.root)


_Entries = dict[str, tuple[str, str]]


class _ListedSnapshot(Snapshot):
    """A snapshot whose entries (path -> (mode, blob id)) come from one git listing.

    The entries of the changed files are known from the diff (``known``: path -> entry, or
    ``None`` for a path the change removes), so reading a changed file lists nothing; the
    whole listing is made on the first question about another path."""

    def __init__(self, root: str, reader: ObjectReader, label: str) -> None:
        self.root = root
        self.reader = reader
        self.label = label
        self._entries: _Entries | None = None
        self.known: dict[str, tuple[str, str] | None] = {}

    def _list(self) -> _Entries:  # pragma: no cover - interface
        raise NotImplementedError

    @property
    def entries(self) -> _Entries:
        if self._entries is None:
            self._entries = self._list()
        return self._entries

    def _entry(self, path: str) -> tuple[str, str] | None:
        if self._entries is None:
            if path in self.known:
                return self.known[path]
            single = self._single(path)
            if single is not _UNKNOWN:
                return single           # type: ignore[return-value]
        return self.entries.get(path)

    def _single(self, path: str) -> tuple[str, str] | None | object:
        """The entry of one path without the whole listing, or ``_UNKNOWN``."""
        return _UNKNOWN

    def paths(self) -> list[str]:
        return [p for p, (mode, _) in self.entries.items() if mode != MODE_SUBMODULE]

    def links(self) -> list[str]:
        return [p for p, (mode, _) in self.entries.items() if mode == MODE_SYMLINK]

    def exists(self, path: str) -> bool:
        entry = self._entry(path)
        return entry is not None and entry[0] != MODE_SUBMODULE

    def mode(self, path: str) -> str | None:
        entry = self._entry(path)
        return entry[0] if entry else None

    def blob_id(self, path: str) -> str | None:
        entry = self._entry(path)
        if entry is None or entry[0] == MODE_SUBMODULE:
            return None
        return entry[1]

    def read(self, path: str) -> bytes | None:
        sha = self.blob_id(path)
        return None if sha is None else self.reader.read(sha)


class TreeSnapshot(_ListedSnapshot):
    """The files of a commit (or of the empty tree).

    With ``overlay`` (the base snapshot and the raw diff from it), the listing is the
    base's with the diff applied, which is exactly the commit's: one ``git ls-tree`` less."""

    def __init__(self, root: str, reader: ObjectReader, rev: str,
                 overlay: tuple[_ListedSnapshot, list[_RawEntry]] | None = None,
                 label: str | None = None) -> None:
        super().__init__(root, reader, label or rev[:12])
        self.rev = rev
        self.overlay = overlay
        self._nfkc: dict[str, dict[str, bytes] | None] = {}

    def _list(self) -> _Entries:
        if self.overlay is not None:
            got = _apply(self.overlay[0].entries, self.overlay[1])
            if got is not None:
                return got
        return self._ls_tree()

    def content_id(self) -> str | None:
        return self.rev

    def _single(self, path: str) -> tuple[str, str] | None | object:
        if self.overlay is not None:
            return _unchanged_entry(self.overlay, path)
        if self.rev == plumbing.EMPTY_TREE:
            return None
        return _tree_entry(self.reader, self.rev, path)

    def grep(self, words: Iterable[str], suffix: str = '.py') -> list[str] | None:
        """``git grep -l -w`` over the commit: the blobs are searched by git, not read.
        git compares bytes; Python reads an identifier in NFKC (``from .ｉmpl import x``
        imports ``impl``): the files holding a byte outside printable ASCII are listed
        once, and those whose text NFKC changes are searched as Python reads them."""
        wanted = sorted(set(words))
        rx = words_regex(wanted)                   # identifiers only: a valid ERE as is
        if self.rev == plumbing.EMPTY_TREE:
            return []
        found = self._git_grep(['-w', '-e', '|'.join(wanted)], suffix)
        lookalike = self._lookalike(suffix)
        if found is None or lookalike is None:
            return None
        hits = set(found)
        return found + sorted(p for p, data in lookalike.items()
                              if p not in hits and rx.search(data))

    def _git_grep(self, args: list[str], suffix: str) -> list[str] | None:
        res = plumbing.run(['grep', '-l', '-z', '-E', '--no-color', '--no-textconv',
                            '--no-recurse-submodules', *args, self.rev, '--', f'*{suffix}'],
                           cwd=self.root, check=False, env={**os.environ, 'LC_ALL': 'C'})
        if res.returncode == 1:
            return []
        if res.returncode != 0:
            return None
        prefix = self.rev + ':'
        return [p.removeprefix(prefix) for p in plumbing.zsplit(res.stdout)]

    def _lookalike(self, suffix: str) -> dict[str, bytes] | None:
        """The files ending in ``suffix`` whose identifiers Python may read otherwise than
        their bytes (NFKC changes the text): path -> the text as Python reads it. Listed
        once per snapshot (bytes outside printable ASCII: a superset), read once."""
        memo = self._nfkc
        if suffix not in memo:
            listed = self._git_grep(['-e', '[^[:print:][:space:]]'], suffix)
            got: dict[str, bytes] | None = None
            if listed is not None:
                got = {}
                for p in listed:
                    data = self.read(p)
                    if data is not None and (view := identifiers_view(data)) != data:
                        got[p] = view
            memo[suffix] = got
        return memo[suffix]

    def _ls_tree(self) -> _Entries:
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
    """The files staged in the index (what ``git commit`` records).

    With ``overlay`` (the base snapshot and ``git diff --cached`` from it) the listing is the
    base's with the staged changes applied (an unmerged entry falls back to
    ``git ls-files``)."""

    def __init__(self, root: str, reader: ObjectReader,
                 overlay: tuple[_ListedSnapshot, list[_RawEntry]] | None = None) -> None:
        super().__init__(root, reader, 'index')
        self.overlay = overlay

    def _single(self, path: str) -> tuple[str, str] | None | object:
        return _UNKNOWN if self.overlay is None else _unchanged_entry(self.overlay, path)

    def _list(self) -> _Entries:
        if self.overlay is not None:
            got = _apply(self.overlay[0].entries, self.overlay[1])
            if got is not None:
                return got
        data = plumbing.run(['ls-files', '-s', '-z'], cwd=self.root).stdout
        entries = {}
        for item in plumbing.zsplit(data):
            meta, _, path = item.partition('\t')
            mode, sha, _stage = meta.split(' ')
            entries[path] = (mode, sha)
        return entries


_UNKNOWN = object()


def _unchanged_entry(overlay: tuple[_ListedSnapshot, list[_RawEntry]], path: str
                     ) -> tuple[str, str] | None | object:
    """A path the diff does not name is the same as in the base (unless the diff holds an
    unmerged entry, whose side is not known)."""
    if any(e['letter'] == 'U' for e in overlay[1]):
        return _UNKNOWN
    return overlay[0]._entry(path)


def _tree_entry(reader: ObjectReader, rev: str, path: str) -> tuple[str, str] | None | object:
    """(mode, blob id) of ``path`` in commit ``rev``, walking its trees in process (a few
    object reads instead of listing the whole commit), or ``_UNKNOWN``."""
    try:
        kind, data = reader.read_typed(rev)
        if kind == b'commit':
            line = data.split(b'\n', 1)[0]
            if not line.startswith(b'tree '):
                return _UNKNOWN
            kind, data = reader.read_typed(line[5:].decode('ascii'))
        if kind != b'tree':
            return _UNKNOWN
        parts = path.encode('utf-8', 'surrogateescape').split(b'/')
        for i, name in enumerate(parts):
            found = None
            pos = 0
            while pos < len(data):
                sp = data.index(b' ', pos)
                nul = data.index(b'\0', sp)
                if data[sp + 1:nul] == name:
                    found = (data[pos:sp], data[nul + 1:nul + 21].hex())
                    break
                pos = nul + 21
            if found is None:
                return None
            mode, sha = found
            if i == len(parts) - 1:
                return None if mode == b'40000' else (mode.decode('ascii'), sha)
            if mode != b'40000':
                return None
            kind, data = reader.read_typed(sha)
            if kind != b'tree':
                return _UNKNOWN
    except Exception:  # noqa: BLE001 - an odd object store: list the commit instead
        return _UNKNOWN
    return _UNKNOWN


def _apply(base: _Entries, raw: list[_RawEntry]) -> _Entries | None:
    """The listing of the other side: ``base`` with the raw diff applied, in git's order
    (paths sorted by their bytes). ``None`` when the diff cannot say (an unmerged entry, a
    content git has not hashed)."""
    out = dict(base)
    added = False
    for e in raw:
        letter = e['letter']
        if letter == 'U':
            return None
        if letter in 'RD':
            out.pop(e['old_path'], None)
        if letter == 'D':
            continue
        if e['new_mode'] is None or e['new_sha'] == _ZERO:
            return None
        added = added or e['path'] not in out
        out[e['path']] = (e['new_mode'], e['new_sha'])
    if added:
        out = {p: out[p] for p in sorted(out, key=_git_order)}
    return out


def _git_order(path: str) -> bytes:
    return path.encode('utf-8', 'surrogateescape')


def _seed(base: _ListedSnapshot, head: Snapshot, raw: list[_RawEntry]) -> None:
    """What the diff already says about each side's changed paths."""
    for e in raw:
        if e['letter'] == 'U':
            continue
        if e['old_mode'] is not None and e['letter'] != 'A':
            base.known[e['old_path']] = (e['old_mode'], e['old_sha'])
        if isinstance(head, _ListedSnapshot):
            if e['letter'] in 'RD':
                head.known[e['old_path']] = None
            if e['letter'] != 'D' and e['new_mode'] is not None and e['new_sha'] != _ZERO:
                head.known[e['path']] = (e['new_mode'], e['new_sha'])


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

    def mode(self, path: str) -> str | None:
        full = self._abs(path)
        if os.path.islink(full):
            return MODE_SYMLINK
        return '100644' if os.path.isfile(full) else None

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
    base = TreeSnapshot(root, reader, base_rev)
    cached: list[str] = []
    if ctx.mode == 'index':
        cached = ['--cached']
        diff_args = [base_rev]
        head_label = 'index'
    elif ctx.mode == 'range':
        assert ctx.head is not None
        diff_args = [base_rev, ctx.head]
        head_label = ctx.head[:12]
    else:
        diff_args = [base_rev]
        head_label = 'working tree'
    common = ['diff', '--no-color', '--no-ext-diff', '--no-textconv', '-M',
              '--ignore-submodules=none', *cached]
    raw = _parse_raw(plumbing.run([*common, '--raw', '--numstat', '-z', '--no-abbrev',
                                  '--end-of-options', *diff_args, '--'], cwd=root).stdout)
    head: Snapshot
    if ctx.mode == 'index':
        head = IndexSnapshot(root, reader, overlay=(base, raw))
    elif ctx.mode == 'range':
        assert ctx.head is not None
        head = TreeSnapshot(root, reader, ctx.head, overlay=(base, raw))
    else:
        head = WorktreeSnapshot(root)
    _seed(base, head, raw)
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
                     history=history, cache=open_cache(ctx, policy),
                     tags=_tag_lister(root, reader, base_rev))


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


def _tag_lister(root: str, reader: ObjectReader, base: str
                ) -> Callable[[], list[tuple[str, Snapshot]]]:
    """The tags the base side descends from (``--merged``: a tag whose commit is an
    ancestor of ``base``; a release made later, or on another line, says nothing about the
    code under check), newest first (``creatordate``), each with a snapshot of the commit it
    names (an annotated tag peeled): one ``git for-each-ref``, on first use only; a path is
    then looked up in a tag's commit by walking its trees in process."""
    listed: list[tuple[str, Snapshot]] | None = None

    def tags() -> list[tuple[str, Snapshot]]:
        nonlocal listed
        if listed is None and base == plumbing.EMPTY_TREE:
            listed = []                                 # nothing descends from no commit
        if listed is None:
            res = plumbing.run(['for-each-ref', '--sort=-creatordate', f'--merged={base}',
                                '--format=%(refname:strip=2)%00%(objecttype)%00%(objectname)'
                                '%00%(*objecttype)%00%(*objectname)',
                                'refs/tags'], cwd=root, check=False)
            listed = []
            if res.returncode == 0:
                for line in res.stdout.decode('utf-8', 'surrogateescape').splitlines():
                    parts = line.split('\0')
                    if len(parts) != 5:
                        continue
                    name, kind, sha, peeled_kind, peeled = parts
                    if peeled:
                        kind, sha = peeled_kind, peeled
                    if name and kind == 'commit':      # a tag of a tree or blob is no release
                        listed.append((name, TreeSnapshot(root, reader, sha, label=name)))
        return listed

    return tags


def open_cache(ctx: Context, policy: Policy) -> cache_mod.Cache:
    """The analysis cache of the context's repository (in the common git directory, so
    linked worktrees share it), located on first use; a disabled one with ``--no-cache``,
    ``HOTFIX_HOOKS_CACHE=0`` or ``[tool.hotfix-hooks.cache] max_mb = 0``."""
    if not ctx.use_cache or cache_mod.switched_off():
        return cache_mod.disabled()
    root = ctx.root
    return cache_mod.Cache(lambda: cache_mod.cache_dir(plumbing.common_dir(root)),
                           cache_mod.max_bytes_from(policy.section('cache').get('max_mb')))


__all__ = ['build', 'TreeSnapshot', 'IndexSnapshot', 'WorktreeSnapshot', 'ObjectReader',
           'MODE_SYMLINK']
