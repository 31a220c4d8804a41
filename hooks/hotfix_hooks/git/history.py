"""The history of a change, from git: its commits (who authored and committed them, what
each changed), the versions of one file along the head's history, and commit signatures
as ``git verify-commit`` judges them.

Everything is read on first use, in few calls: one ``git log`` for the commits of the
change, one path-limited ``git log`` plus one ``git cat-file --batch`` for a file's
versions, one ``git rev-list`` per "what came after this commit" question, and two calls
per signature. The SSH allowed-signers file is never taken from the branch under check: the
policy's ``approvals.allowed_signers`` (or a ``gpg.ssh.allowedSignersFile`` inside the
repository) is read from the trusted base commit.
"""
from __future__ import annotations

import os

from hotfix_hooks.changeset import Commit
from hotfix_hooks.changeset import History
from hotfix_hooks.changeset import Signature
from hotfix_hooks.errors import GitError
from hotfix_hooks.git import plumbing

_FORMAT = '%x1e%H%x1f%P%x1f%an%x1f%ae%x1f%cn%x1f%ce%x1f%ct'
MAX_COMMITS = 2000


def _parse_log(data: bytes) -> list[Commit]:
    """Commits of ``git log -z --name-only --format=<_FORMAT>`` (one ``\\x1e`` per commit:
    the fields, NUL, then NUL-separated file names)."""
    out = []
    for chunk in data.decode('utf-8', 'surrogateescape').split('\x1e')[1:]:
        header, _, rest = chunk.partition('\0')
        fields = header.split('\x1f')
        if len(fields) != 7:
            continue
        sha, parents, an, ae, cn, ce, ct = fields
        files = tuple(f for f in rest.lstrip('\n').split('\0') if f)
        out.append(Commit(sha=sha, parents=tuple(parents.split()), author=ae.strip().lower(),
                          author_name=an, committer=ce.strip().lower(), committer_name=cn,
                          time=int(ct) if ct.isdigit() else 0, files=files))
    return out


class GitHistory(History):
    """The history of ``base..head`` in the repository at ``root`` (``base`` ``None`` or the
    empty tree: every commit of ``head``)."""

    def __init__(self, root: str, base: str | None, head: str,
                 allowed_signers: str = '', trusted: str | None = None) -> None:
        self.root = root
        self.base = None if base in (None, plumbing.EMPTY_TREE) else base
        self.head = head
        self.allowed_signers = allowed_signers    # the policy's, a path in the repository
        self.trusted = trusted                    # the commit trusted files are read from
        self._commits: list[Commit] | None = None
        self._versions: dict[str, list[tuple[Commit, bytes | None, bytes | None]]] = {}
        self._after: dict[str, list[Commit]] = {}
        self._signatures: dict[str, Signature] = {}
        self._signers_file: str | None = None
        self._signers_done = False
        self._tmp: str | None = None

    def _range(self) -> list[str]:
        return [f'{self.base}..{self.head}'] if self.base else [self.head]

    def commits(self) -> list[Commit]:
        if self._commits is None:
            data = plumbing.run(['log', '--reverse', '--topo-order', f'--format={_FORMAT}',
                                 '--name-only', '-z', '--cc', '--no-renames',
                                 f'--max-count={MAX_COMMITS}', '--end-of-options',
                                 *self._range(), '--'], cwd=self.root).stdout
            self._commits = _parse_log(data)
        return list(self._commits)

    def versions(self, path: str) -> list[tuple[Commit, bytes | None, bytes | None]]:
        if path in self._versions:
            return self._versions[path]
        data = plumbing.run(['log', '--reverse', '--topo-order', f'--format={_FORMAT}',
                             '-z', '--name-only', '--no-renames', f'--max-count={MAX_COMMITS}',
                             '--end-of-options', self.head, '--', path], cwd=self.root).stdout
        commits = _parse_log(data)
        specs = []
        for c in commits:
            specs.append(f'{c.sha}:{path}')
            if c.parents:
                specs.append(f'{c.parents[0]}:{path}')
        blobs = plumbing.cat_batch(self.root, specs)

        def blob(spec: str) -> bytes | None:
            got = blobs.get(spec)
            return got[1] if got is not None and got[0] == 'blob' else None

        out = [(c, blob(f'{c.sha}:{path}'),
                blob(f'{c.parents[0]}:{path}') if c.parents else None) for c in commits]
        self._versions[path] = out
        return out

    def at_head(self, path: str) -> bytes | None:
        return plumbing.read_blobs(self.root, self.head, [path])[path]

    def after(self, sha: str) -> list[Commit]:
        if sha not in self._after:
            inside = plumbing.run(['rev-list', '--end-of-options', sha,
                                   *([f'^{self.base}'] if self.base else []), '--'],
                                  cwd=self.root, check=False).stdout.decode().split()
            contained = set(inside) | {sha}
            self._after[sha] = [c for c in self.commits() if c.sha not in contained]
        return list(self._after[sha])

    def contains(self, descendant: str, ancestor: str) -> bool:
        return descendant == ancestor or plumbing.is_ancestor(ancestor, descendant, self.root)

    # -- signatures ----------------------------------------------------------------------
    def _signers(self) -> str | None:
        """The allowed-signers file to verify SSH signatures with, from trusted sources:
        the policy's path read from the trusted commit, else git's configuration (a file
        inside the repository is read from the trusted commit too)."""
        if self._signers_done:
            return self._signers_file
        self._signers_done = True
        rel = self.allowed_signers
        if not rel:
            configured = plumbing.try_out(['config', '--path', '--get',
                                           'gpg.ssh.allowedSignersFile'], cwd=self.root)
            if not configured:
                return None
            full = os.path.realpath(os.path.join(self.root, configured))
            inside = os.path.relpath(full, os.path.realpath(self.root))
            if inside.startswith('..'):
                self._signers_file = full           # outside the repository: trusted
                return full
            rel = inside.replace(os.sep, '/')
        data = (plumbing.read_blobs(self.root, self.trusted, [rel])[rel]
                if self.trusted else None)
        if data is None:
            raise GitError(f'the allowed-signers file {rel} is not on the base side '
                           f'({(self.trusted or "no base commit")[:12]})',
                           hint='commit it to the base branch first ([tool.hotfix-hooks.'
                                'approvals] allowed_signers)')
        import tempfile  # (with shutil, bz2, lzma) only when a signature is verified

        self._tmp = tempfile.mkdtemp(prefix='hotfix-signers-')
        self._signers_file = os.path.join(self._tmp, 'allowed_signers')
        with open(self._signers_file, 'wb') as f:
            f.write(data)
        return self._signers_file

    def signature(self, sha: str) -> Signature:
        if sha in self._signatures:
            return self._signatures[sha]
        signers = self._signers()
        config = ['-c', f'gpg.ssh.allowedSignersFile={signers}'] if signers else []
        verified = plumbing.run([*config, 'verify-commit', '--end-of-options', sha],
                                cwd=self.root, check=False).returncode == 0
        shown = plumbing.run([*config, 'log', '-1', '--no-show-signature',
                              '--format=%G?%x1f%GS%x1f%GK', '--end-of-options', sha, '--'],
                             cwd=self.root, check=False).stdout.decode('utf-8', 'replace')
        parts = (shown.strip().split('\x1f') + ['', '', ''])[:3]
        sig = Signature(status=parts[0] or 'N', signer=parts[1], key=parts[2],
                        verified=verified)
        self._signatures[sha] = sig
        return sig

    def close(self) -> None:
        if self._tmp:
            import shutil

            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
