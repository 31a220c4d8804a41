"""Where policy files are read from: the working tree or one commit (``Source``), and the
policy a source holds (``load_from``).

The trusted policy of a hotfix (``git/trust.py``) is read from the base side of the change,
a commit, never from the branch under check; the working tree's policy applies off hotfix
branches. Both go through ``Source``, so anything that reads policy files (the repository's
``.hotfix-hooks.toml`` / ``pyproject.toml``, or a folder's own file) can be pointed at the
trusted side by handing it another source.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence

from hotfix_hooks import tomlio
from hotfix_hooks.errors import ConfigError
from hotfix_hooks.git import plumbing
from hotfix_hooks.policy import memo
from hotfix_hooks.policy.load import CONFIG_FILES
from hotfix_hooks.policy.load import from_mapping
from hotfix_hooks.policy.load import Policy


class Source:
    """Files of one side, read by repository-relative path (``None`` when absent)."""

    label = 'source'
    commit: str | None = None         # the commit read, when the source is one

    def read(self, path: str) -> bytes | None:  # pragma: no cover - interface
        raise NotImplementedError

    def read_many(self, paths: Sequence[str]) -> dict[str, bytes | None]:
        return {p: self.read(p) for p in paths}

    def where(self, path: str) -> str:
        """How a message names ``path`` of this source: ``pyproject.toml in 1a2b3c4d5e6f``."""
        return f'{path} in {self.label}'


class WorkingTree(Source):
    """The files on disk under ``root``; with ``tracked_only`` only the ones git tracks
    (an ignored local file is not part of the branch)."""

    label = 'the working tree'

    def __init__(self, root: str, tracked_only: bool = False) -> None:
        self.root = root
        self.tracked_only = tracked_only

    def read(self, path: str) -> bytes | None:
        return self.read_many([path])[path]

    def read_many(self, paths: Sequence[str]) -> dict[str, bytes | None]:
        tracked = set(paths)
        if self.tracked_only and paths:
            listed = plumbing.run(['ls-files', '-z', '--', *paths], cwd=self.root).stdout
            tracked = set(plumbing.zsplit(listed))
        return {p: self._read(p) if p in tracked else None for p in paths}

    def _read(self, path: str) -> bytes | None:
        full = os.path.join(self.root, path)
        try:
            if not os.path.isfile(full):
                return None
            with open(full, 'rb') as f:
                return f.read()
        except OSError as e:
            raise ConfigError(f'{path}: cannot read: {e.strerror}') from None

    def where(self, path: str) -> str:
        return path


class AtCommit(Source):
    """The files of commit ``rev`` (one ``git cat-file --batch`` for several files). A policy
    file read from it is parsed and validated once: ``load_from`` keeps the result in the
    analysis cache by the file's exact bytes (``policy/memo.py``) unless ``cache`` is off
    (``--no-cache``)."""

    def __init__(self, root: str, rev: str, label: str | None = None,
                 cache: bool = True) -> None:
        self.root = root
        self.rev = rev
        self.commit = rev
        self.label = label or rev[:12]
        self.cache = cache

    def read(self, path: str) -> bytes | None:
        return self.read_many([path])[path]

    def read_many(self, paths: Sequence[str]) -> dict[str, bytes | None]:
        return plumbing.read_blobs(self.root, self.rev, paths)


class Memory(Source):
    """Files held in memory (tests, synthetic sides)."""

    def __init__(self, files: Mapping[str, bytes | str], label: str = 'memory') -> None:
        self.files = {k: v.encode() if isinstance(v, str) else v for k, v in files.items()}
        self.label = label

    def read(self, path: str) -> bytes | None:
        return self.files.get(path)


def load_from(source: Source, names: Iterable[str] = CONFIG_FILES,
              fallback: Policy | None = None) -> Policy:
    """The policy ``source`` holds: the first of ``names`` that has one (a ``pyproject.toml``
    without ``[tool.hotfix-hooks]`` has none). Without any: ``fallback``, else the defaults
    (the ARIS3 v1 protocol). A file that is not UTF-8 or not valid TOML is a ``ConfigError``
    naming the file and the source."""
    names = list(names)
    blobs = source.read_many(names)
    for name in names:
        data = blobs.get(name)
        if data is None:
            continue
        got = _parsed(data, name, source)
        if got is None:
            continue
        policy = Policy(values=got[0], sources=got[1], path=name)
        policy.file = name
        policy.origin = source.where(name)
        return policy
    if fallback is not None:
        return fallback
    policy = from_mapping({}, None)
    policy.origin = f'the defaults (no policy file in {source.label})'
    return policy


def _parsed(data: bytes, name: str, source: Source) -> memo.Parsed:
    """The validated values and their sources of the policy file ``name`` whose bytes are
    ``data`` (``None``: a ``pyproject.toml`` without ``[tool.hotfix-hooks]``). A file read
    from a commit comes from the analysis cache when the same bytes under the same name
    were validated before (a file that does not parse or validate is never stored: its
    error is raised every time). The cache holds the result of bytes, not of a side: which
    side's file is read, and so which policy decides, is the caller's choice as before."""

    def build() -> memo.Parsed:
        raw = read_table(data, name, source)
        if raw is None:
            return None
        policy = from_mapping(raw, name)
        return policy.values, policy.sources

    if not isinstance(source, AtCommit):
        return build()
    return memo.parsed(data, f'{name}\0commit', source.root, source.cache, build)


def read_table(data: bytes, name: str, source: Source) -> object:
    """The ``[tool.hotfix-hooks]`` table of a ``pyproject.toml`` (``None`` when it has none),
    or the whole document of any other policy file."""
    label = source.where(name)
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError:
        raise ConfigError(f'{label}: invalid TOML: not UTF-8 text (save it as UTF-8)') from None
    try:
        document = tomlio.loads(text)
    except tomlio.TomlError as e:
        raise ConfigError(f'{label}: invalid TOML: {e}') from None
    if os.path.basename(name) != 'pyproject.toml':
        return document
    tool = document.get('tool', {})
    if not isinstance(tool, dict):
        raise ConfigError(f'{label}: [tool] must be a table, got {type(tool).__name__} '
                          f'{tool!r}')
    return tool.get('hotfix-hooks')


def load_at(root: str, commit: str, current: Policy, cache: bool = True) -> Policy:
    """The policy as committed in ``commit``; ``current`` when the commit has no policy
    file, and always when ``current`` was given with ``--config``. What a branch off the
    hotfix rules is judged by in a range (``git/trust.py`` decides when)."""
    if current.explicit:
        return current
    return load_from(AtCommit(root, commit, cache=cache), fallback=current)
