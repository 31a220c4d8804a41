"""Policies below the root: in a monorepo the policy file nearest to a changed file
(``server/pyproject.toml``, ``server/.hotfix-hooks.toml``) governs it.

* A folder with its own policy file is governed by that file alone, as a repository of its
  own: its paths (globs, gate ``cwd``) are relative to the folder, and the keys it does not
  set take the defaults, not the root's values (like the nearest ``pyproject.toml`` of ruff
  or black). ``FOLDER_KEYS`` are the keys a folder may set.
* The other keys are about the branch and the run (base, ticket pattern, naming, the
  record, where the diff checks block ...): one value for the whole repository, from the
  root policy. A folder policy that sets one is a configuration error naming the key.

Where the files are read from is the caller's choice: a ``read(path) -> bytes | None``
function over repository paths, e.g. the working tree (``disk_reader``), a commit
(``commit_reader``, or a change set side's ``Snapshot.read``). ``PolicyTree`` finds the
governing policy of a path lazily, one folder at a time, and caches what it read.
"""
from __future__ import annotations

import os
import posixpath
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from hotfix_hooks import tomlio
from hotfix_hooks.errors import ConfigError
from hotfix_hooks.git import plumbing
from hotfix_hooks.policy import memo
from hotfix_hooks.policy.load import CONFIG_FILES
from hotfix_hooks.policy.load import from_mapping
from hotfix_hooks.policy.load import Policy
from hotfix_hooks.policy.schema import FOLDER_KEYS
from hotfix_hooks.policy.schema import SCHEMA

Reader = Callable[[str], 'bytes | None']

REPOSITORY_KEYS = tuple(k for k in SCHEMA if k not in FOLDER_KEYS)


def disk_reader(root: str) -> Reader:
    """Files as they are in the working tree of ``root``."""
    def read(path: str) -> bytes | None:
        full = os.path.join(root, *path.split('/'))
        try:
            if not os.path.isfile(full):
                return None
            with open(full, 'rb') as f:
                return f.read()
        except OSError:
            return None
    return read


def commit_reader(root: str, rev: str) -> Reader:
    """Files as committed in ``rev`` (one ``git cat-file`` per file asked for)."""
    return lambda path: plumbing.read_blob(root, rev, path)


class Governed:
    """The policy governing a folder: ``folder`` ('' for the repository root), the policy,
    and the repository path of its file (``None``: no file, the defaults)."""

    __slots__ = ('folder', 'policy', 'file')

    def __init__(self, folder: str, policy: Policy, file: str | None) -> None:
        self.folder = folder
        self.policy = policy
        self.file = file

    @property
    def label(self) -> str:
        return self.file or '(defaults)'

    def qualify(self, name: str) -> str:
        """A name made unique in the repository (``smoke`` -> ``server/smoke``)."""
        return f'{self.folder}/{name}' if self.folder else name

    def to_repo(self, path: str) -> str:
        """A path relative to the folder, as a repository path."""
        return f'{self.folder}/{path}' if self.folder else path

    def __repr__(self) -> str:
        return f'Governed({self.folder or "."!r}, {self.label})'


def read_policy_file(read: Reader, folder: str) -> tuple[dict[str, Any], str] | None:
    """(the raw ``[tool.hotfix-hooks]`` table, its file) of the policy file in ``folder``
    ('' for the root), ``None`` when the folder has none. ``.hotfix-hooks.toml`` wins over
    a ``pyproject.toml``; a ``pyproject.toml`` without the table is no policy file."""
    for name in CONFIG_FILES:
        path = f'{folder}/{name}' if folder else name
        data = read(path)
        if data is None:
            continue
        try:
            document = tomlio.loads(data.decode('utf-8'))
        except UnicodeDecodeError:
            raise ConfigError(f'{path}: not UTF-8 text', hint='save it as UTF-8') from None
        except tomlio.TomlError as e:
            raise ConfigError(f'{path}: invalid TOML: {e}') from None
        raw: object = document
        if name == 'pyproject.toml':
            tool = document.get('tool', {})
            if not isinstance(tool, dict):
                raise ConfigError(f'{path}: [tool] must be a table')
            raw = tool.get('hotfix-hooks')
            if raw is None:
                continue
        if not isinstance(raw, dict):
            raise ConfigError(f'{path}: [tool.hotfix-hooks] must be a table')
        return raw, path
    return None


def folder_policy(raw: dict[str, Any], file: str, root: Policy) -> Policy:
    """The policy of a folder's own file: its folder keys over the defaults, the
    repository-wide keys from the root policy."""
    return _with_root(_folder_only(raw, file, root), file, root)


def _folder_only(raw: dict[str, Any], file: str, root: Policy) -> Policy:
    """The folder file's own keys, validated (a repository-wide key is an error)."""
    shared = sorted(set(raw) & set(REPOSITORY_KEYS))
    if shared:
        root_file = os.path.basename(root.path) if root.path else '.hotfix-hooks.toml'
        raise ConfigError(
            f'{file}: {shared[0]!r} is a repository-wide policy key; a folder policy sets '
            f'only {", ".join(sorted(FOLDER_KEYS))}',
            hint=f'move it to the root policy ({root_file} at the top of the repository)')
    return from_mapping(raw, file, where=file)


def _with_root(policy: Policy, file: str, root: Policy) -> Policy:
    for key in REPOSITORY_KEYS:
        policy.values[key] = root.values[key]
    for name, source in root.sources.items():
        if name.split('.')[0] in REPOSITORY_KEYS:
            policy.sources[name] = source
    policy.folder = posixpath.dirname(file)
    return policy


class PolicyTree:
    """The root policy and the folder policies found below it, on demand."""

    def __init__(self, root: Policy, read: Reader, root_file: str | None = None, *,
                 repo: str | None = None, cache: bool = True) -> None:
        self.root = Governed('', root, root_file if root_file is not None else (
            os.path.basename(root.path) if root.path else None))
        self.read = read
        # the repository whose analysis cache keeps each folder file's validated keys by
        # its exact bytes (``policy/memo.py``); None or ``cache`` off: parsed every time
        self.repo = repo if cache else None
        self._folders: dict[str, Governed | None] = {}

    def _at(self, folder: str) -> Governed | None:
        if folder not in self._folders:
            self._folders[folder] = self._read(folder) if self.repo is not None else \
                self._parse(folder)
        return self._folders[folder]

    def _parse(self, folder: str) -> Governed | None:
        found = read_policy_file(self.read, folder)
        return None if found is None else Governed(
            folder, folder_policy(found[0], found[1], self.root.policy), found[1])

    def _read(self, folder: str) -> Governed | None:
        """``_parse`` with each file's validated keys from the cache when the same bytes
        under the same path were validated before (a file that does not parse or validate
        is never stored); which file governs is decided here as in ``read_policy_file``."""
        root = self.root.policy
        for name in CONFIG_FILES:
            path = f'{folder}/{name}' if folder else name
            data = self.read(path)
            if data is None:
                continue

            def build(data: bytes = data, name: str = name, path: str = path) -> memo.Parsed:
                found = read_policy_file(lambda p: data if p == path else None, folder)
                if found is None:
                    return None
                own = _folder_only(found[0], path, root)
                return own.values, own.sources

            assert self.repo is not None
            got = memo.parsed(data, f'{path}\0folder', self.repo, True, build)
            if got is None:
                continue
            policy = Policy(values=got[0], sources=got[1], path=path)
            return Governed(folder, _with_root(policy, path, root), path)
        return None

    def governing(self, path: str) -> Governed:
        """The policy nearest to ``path`` (a repository path of a file)."""
        folder = posixpath.dirname(path)
        while folder:
            found = self._at(folder)
            if found is not None:
                return found
            folder = posixpath.dirname(folder)
        return self.root

    def split(self, paths: Iterable[str]) -> list[tuple[Governed, list[str]]]:
        """``paths`` grouped by their governing policy, the root's group first, then by
        folder."""
        groups: dict[str, tuple[Governed, list[str]]] = {}
        for p in paths:
            g = self.governing(p)
            groups.setdefault(g.folder, (g, []))[1].append(p)
        return [groups[k] for k in sorted(groups)]

    def folders(self, paths: Iterable[str]) -> list[str]:
        """Every folder with a policy file of its own among ``paths`` (all files of a
        tree), sorted."""
        candidates = {posixpath.dirname(p) for p in paths
                      if posixpath.basename(p) in CONFIG_FILES and '/' in p}
        return sorted(f for f in candidates if self._at(f) is not None)

    def nested(self) -> bool:
        """Whether a folder policy was found so far."""
        return any(g is not None for g in self._folders.values())


def policy_files(paths: Iterable[str], read: Reader) -> list[str]:
    """The policy files among ``paths`` (every file of a tree): ``.hotfix-hooks.toml``
    files, and the ``pyproject.toml`` files with a ``[tool.hotfix-hooks]`` table (the
    ``.hotfix-hooks.toml`` of a folder wins over its ``pyproject.toml``)."""
    folders = sorted({posixpath.dirname(p) for p in paths
                      if posixpath.basename(p) in CONFIG_FILES})
    out = []
    for folder in folders:
        found = read_policy_file(read, folder)
        if found is not None:
            out.append(found[1])
    return out
