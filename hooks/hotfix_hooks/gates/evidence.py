"""Gate evidence: what ran, on which commit and tree, exactly how, with what result.

Stored under the repository's git directory (never committed):

    <git-common-dir>/hotfix-hooks/evidence/<tree-sha>.json
    {"tree": "<sha>", "results": {"<gate name>": {...GateResult fields...}}, "mac": "..."}

Each result records the tree, the exact argv of the command and of its setup steps, the
working directory, the gate's environment (the policy's ``env``), the digest of the policy
it ran under, the hotfix-hooks version and where it ran (``local`` or ``ci``). ``accepts``
says whether a result proves what the trusted policy, the record and the tree ask for now:
a result from a private ``--config``, from another tree or another version is not.

The file carries an HMAC (``mac``) made with a key kept next to it
(``hotfix-hooks/evidence.key``, created on first use, readable by its owner only): a file
edited by hand, or copied from another clone, does not load. Files are written through a
temporary file and a rename, under a lock: never half-written, never lost to a concurrent
run.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import json
import os
import tempfile
from collections.abc import Iterator
from typing import Any

from hotfix_hooks import __version__
from hotfix_hooks.errors import GitError

STATUSES = ('pass', 'fail', 'timeout', 'error', 'skipped', 'not-configured')
KEY_FILE = 'evidence.key'


@dataclasses.dataclass
class GateResult:
    name: str                      # gate name ('smoke', 'integrity', 'domain:pos', 'rollback')
    kind: str                      # 'gate' | 'domain' | 'rollback'
    command: list[str]
    status: str                    # pass | fail | timeout | error | skipped | not-configured
    exit_code: int | None
    duration_s: float
    commit: str
    tree: str
    started_at: str                # ISO 8601 UTC
    finished_at: str
    log: str | None = None         # path of the captured output
    detail: str = ''               # one line: why it failed / what made a domain run
    setup: list[list[str]] = dataclasses.field(default_factory=list)
    cwd: str = '.'
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    policy_digest: str = ''        # Policy.digest() of the policy it ran under
    version: str = ''              # the hotfix-hooks version that ran it
    runner: str = ''               # 'local' | 'ci'

    @property
    def passed(self) -> bool:
        return self.status == 'pass'

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GateResult:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclasses.dataclass(frozen=True)
class Expected:
    """What a result must show to prove a gate now: the argv, setup, cwd and env the trusted
    policy (or the record) gives it, on ``tree``, under ``policy_digest``."""

    command: list[str]
    setup: list[list[str]]
    cwd: str
    env: dict[str, str]
    tree: str
    policy_digest: str


def accepts(result: GateResult, expected: Expected, ci: bool = False) -> str:
    """'' when ``result`` proves the gate ``expected`` describes; otherwise why not."""
    if result.tree != expected.tree:
        return f'it ran on another tree ({result.tree[:12]})'
    if list(result.command) != list(expected.command):
        return (f'it ran `{" ".join(result.command)}`, the policy says '
                f'`{" ".join(expected.command)}`')
    if [list(s) for s in result.setup] != [list(s) for s in expected.setup]:
        return 'its setup steps are not the policy\'s'
    if result.cwd != expected.cwd:
        return f'it ran in {result.cwd!r}, the policy says {expected.cwd!r}'
    if dict(result.env) != dict(expected.env):
        return 'its environment is not the policy\'s'
    if result.policy_digest != expected.policy_digest:
        return 'it ran under another policy (e.g. a private --config)'
    if result.version != __version__:
        return f'hotfix-hooks {result.version or "(unknown)"} ran it, this is {__version__}'
    if ci and result.runner != 'ci':
        return 'it was not run in CI'
    return ''


def evidence_dir(git_dir: str) -> str:
    return os.path.join(git_dir, 'hotfix-hooks', 'evidence')


def _key(git_dir: str, create: bool) -> bytes | None:
    """The evidence key (32 random bytes), made on first use (owner-only permissions)."""
    path = os.path.join(git_dir, 'hotfix-hooks', KEY_FILE)
    try:
        with open(path, 'rb') as f:
            key = f.read()
        return key if len(key) >= 32 else None
    except FileNotFoundError:
        if not create:
            return None
    except OSError:
        return None
    key = os.urandom(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _key(git_dir, create=False)       # another run made it meanwhile
    except OSError as e:
        raise GitError(f'cannot write {path}: {e.strerror}') from None
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(key)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise GitError(f'cannot write {path}: {e.strerror}') from None
    return key


def _mac(key: bytes, tree: str, results: dict[str, Any]) -> str:
    body = json.dumps({'tree': tree, 'results': results}, sort_keys=True,
                      separators=(',', ':'))
    return hmac.new(key, body.encode('utf-8'), hashlib.sha256).hexdigest()


def load_checked(git_dir: str, tree: str) -> tuple[dict[str, GateResult], str]:
    """(results recorded for ``tree``, why the file was rejected: '' when it was not).
    Missing evidence is ({}, '')."""
    path = os.path.join(evidence_dir(git_dir), f'{tree}.json')
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except FileNotFoundError:
        return {}, ''
    except (OSError, ValueError):
        return {}, f'{path} cannot be read'
    if not isinstance(data, dict) or not isinstance(data.get('results'), dict):
        return {}, f'{path} is not gate evidence'
    key = _key(git_dir, create=False)
    if key is None or not isinstance(data.get('mac'), str) or not hmac.compare_digest(
            data['mac'], _mac(key, str(data.get('tree')), data['results'])):
        return {}, (f'{path} was not written by hotfix-hooks in this clone (edited, or '
                    'copied from elsewhere): ignored')
    if data.get('tree') != tree:
        return {}, f'{path} holds the evidence of another tree'
    try:
        return {name: GateResult.from_json(r) for name, r in data['results'].items()}, ''
    except (TypeError, AttributeError):
        return {}, f'{path} is not gate evidence'


def load(git_dir: str, tree: str) -> dict[str, GateResult]:
    """Results recorded for ``tree`` (empty when none, unreadable or not authentic)."""
    return load_checked(git_dir, tree)[0]


@contextlib.contextmanager
def locked(path: str) -> Iterator[None]:
    """An exclusive lock on ``path`` (created), waiting for it."""
    import fcntl

    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'a') as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def store(git_dir: str, tree: str, results: list[GateResult]) -> str:
    """Merge ``results`` into the evidence of ``tree``; return the file path. Written to a
    temporary file then renamed, under a lock; a full disk is a ``GitError`` naming the
    file, and leaves nothing behind."""
    directory = evidence_dir(git_dir)
    path = os.path.join(directory, f'{tree}.json')
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as e:
        raise GitError(f'cannot write {directory}: {e.strerror}') from None
    key = _key(git_dir, create=True)
    assert key is not None
    with locked(os.path.join(directory, '.lock')):
        current = load(git_dir, tree)
        for r in results:
            current[r.name] = r
        body = {n: dataclasses.asdict(r) for n, r in current.items()}
        payload = {'tree': tree, 'results': body, 'mac': _mac(key, tree, body)}
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(dir=directory, prefix='.evidence-')
            with os.fdopen(fd, 'w', encoding='utf-8') as f:
                json.dump(payload, f, indent=2, sort_keys=True)
            os.replace(tmp, path)
        except OSError as e:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            raise GitError(f'cannot write the gate evidence {path}: {e.strerror}',
                           hint='free some disk space and run the gates again') from None
    return path
