"""Small git plumbing helpers: argv only (never a shell), ``-z`` path lists, clear errors."""
from __future__ import annotations

import os
from collections.abc import Sequence

from hotfix_hooks.errors import GitError

TYPE_CHECKING = False  # typing is not imported at run time
if TYPE_CHECKING:
    import subprocess

EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'
ZERO_SHA = '0' * 40
TIMEOUT = 120


def run(args: Sequence[str], cwd: str | None = None, check: bool = True,
        input: bytes | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ``git ARGS`` and return the completed process (bytes output)."""
    import subprocess  # not on the check-branch fast path

    argv = ['git', '-c', 'core.quotePath=false', *args]
    try:
        res = subprocess.run(argv, cwd=cwd, input=input, capture_output=True, env=env,
                             timeout=TIMEOUT,
                             stdin=None if input is not None else subprocess.DEVNULL)
    except FileNotFoundError:
        raise GitError('git is not installed or not on PATH') from None
    except subprocess.TimeoutExpired:
        raise GitError(f'git {" ".join(args[:2])} did not finish in {TIMEOUT}s') from None
    if check and res.returncode != 0:
        err = res.stderr.decode('utf-8', 'replace').strip().splitlines()
        msg = err[-1] if err else f'exit code {res.returncode}'
        raise GitError(f'git {" ".join(args[:3])} failed: {msg.removeprefix("fatal: ")}')
    return res


def out(args: Sequence[str], cwd: str | None = None) -> str:
    """stdout of ``git ARGS`` as text, stripped."""
    return run(args, cwd=cwd).stdout.decode('utf-8', 'surrogateescape').strip()


def try_out(args: Sequence[str], cwd: str | None = None) -> str | None:
    """stdout of ``git ARGS``, or ``None`` when git fails."""
    res = run(args, cwd=cwd, check=False)
    if res.returncode != 0:
        return None
    return res.stdout.decode('utf-8', 'surrogateescape').strip()


def read_blob(root: str, rev: str, path: str) -> bytes | None:
    """The content of ``path`` in commit ``rev`` (``None`` when it has no such file).

    One ``git cat-file`` for a single file read outside a change set (a change set reads
    its blobs through one object database instead)."""
    res = run(['cat-file', 'blob', '--end-of-options', f'{rev}:{path}'], cwd=root, check=False)
    return res.stdout if res.returncode == 0 else None


class CatFile:
    """One persistent ``git cat-file --batch`` process of a repository, asked one object name
    at a time (``rev``, ``rev:path``, ``rev^{commit}``, a sha): a run that reads its refs,
    its policy files and a few blobs starts one git process for all of them, not one per
    read. Shared per repository (``shared``); closed by ``close_shared`` at the end of a
    command (and at exit)."""

    def __init__(self, root: str) -> None:
        import threading

        self.root = root
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def get(self, spec: str) -> tuple[str, bytes] | None:
        """(type, content) of the object ``spec`` names, ``None`` when git has none (or the
        name is ambiguous). Raises ``GitError`` when git cannot be asked."""
        got = self.lookup(spec)
        return None if got is None else (got[1], got[2])

    def lookup(self, spec: str) -> tuple[str, str, bytes] | None:
        """(object id, type, content) of the object ``spec`` names, ``None`` when git has
        none (or the name is ambiguous)."""
        if '\n' in spec or '\r' in spec:
            return None
        with self._lock:
            try:
                return self._ask(spec)
            except (OSError, ValueError) as e:
                self._close()           # its state is unknown: the next call starts anew
                raise GitError(f'git cat-file --batch failed on {spec[:60]!r}: {e}') from None

    def _ask(self, spec: str) -> tuple[str, str, bytes] | None:
        import subprocess

        if self._proc is None:
            try:
                self._proc = subprocess.Popen(
                    ['git', '-c', 'core.quotePath=false', 'cat-file', '--batch'],
                    cwd=self.root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL)
            except FileNotFoundError:
                raise GitError('git is not installed or not on PATH') from None
        proc = self._proc
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(spec.encode('utf-8', 'surrogateescape') + b'\n')
        proc.stdin.flush()
        line = proc.stdout.readline()
        if not line.endswith(b'\n'):
            raise ValueError('git cat-file ended')
        header = line.split()
        if len(header) == 3 and header[1] in (b'blob', b'tree', b'commit', b'tag') and \
                header[2].isdigit():
            size = int(header[2])
            data = proc.stdout.read(size + 1)
            if len(data) != size + 1:
                raise ValueError('git cat-file output ended early')
            return header[0].decode('ascii'), header[1].decode('ascii'), data[:size]
        if header and header[-1] in (b'missing', b'ambiguous'):
            return None
        raise ValueError(line.decode('utf-8', 'replace').strip() or 'git cat-file ended')

    def _close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout=TIMEOUT)
        except Exception:  # noqa: BLE001 - never hang on exit
            proc.kill()
            proc.wait()
        finally:
            if proc.stdout is not None:
                proc.stdout.close()

    def close(self) -> None:
        with self._lock:
            self._close()


_SHARED: dict[str, CatFile] = {}


def shared(root: str) -> CatFile:
    """The persistent ``git cat-file --batch`` of repository ``root`` (started on first
    read)."""
    key = os.path.realpath(root)
    found = _SHARED.get(key)
    if found is None:
        if not _SHARED:
            import atexit

            atexit.register(close_shared)
        found = _SHARED[key] = CatFile(root)
    return found


def close_shared(root: str | None = None) -> None:
    """End the shared ``git cat-file --batch`` process of ``root`` (a change set closed),
    or every one (a command's end): a later read starts a new one, which sees what was
    written meanwhile."""
    if root is not None:
        found = _SHARED.pop(os.path.realpath(root), None)
        if found is not None:
            found.close()
        return
    while _SHARED:
        _SHARED.popitem()[1].close()


def cat_batch(root: str, specs: Sequence[str]) -> dict[str, tuple[str, bytes] | None]:
    """``git cat-file --batch`` of object names (``rev``, ``rev:path``, ``rev^{commit}``):
    each name's (type, content), ``None`` when git has no such object (or the name holds a
    line break). Through the repository's shared batch process (``shared``)."""
    batch = shared(root)
    out: dict[str, tuple[str, bytes] | None] = {}
    for s in specs:
        if s not in out:
            out[s] = batch.get(s)
    return out


def read_blobs(root: str, rev: str, paths: Sequence[str]) -> dict[str, bytes | None]:
    """The contents of several ``paths`` in commit ``rev`` with one ``git cat-file --batch``
    (``None`` for a path the commit does not have, or that is not a file)."""
    out: dict[str, bytes | None] = {}
    odd = [p for p in paths if '\n' in p or '\r' in p]
    for p in odd:
        out[p] = read_blob(root, rev, p)
    found = cat_batch(root, [f'{rev}:{p}' for p in paths if p not in odd])
    for p in paths:
        if p not in odd:
            got = found.get(f'{rev}:{p}')
            out[p] = got[1] if got is not None and got[0] == 'blob' else None
    return out


def zsplit(data: bytes) -> list[str]:
    """Split NUL-separated git output into paths (surrogateescape keeps odd bytes)."""
    text = data.decode('utf-8', 'surrogateescape')
    parts = text.split('\0')
    if parts and parts[-1] == '':
        parts.pop()
    return parts


def _find_dot_git(cwd: str | None = None) -> tuple[str, str] | None:
    """(work tree root, path of .git) found by walking up, without running git.

    ``None`` when git's own discovery is needed (GIT_DIR/GIT_WORK_TREE or
    GIT_CEILING_DIRECTORIES set, nothing found).
    """
    if (os.environ.get('GIT_DIR') or os.environ.get('GIT_WORK_TREE')
            or os.environ.get('GIT_CEILING_DIRECTORIES')):
        return None
    d = os.path.abspath(cwd or os.getcwd())
    while True:
        dot_git = os.path.join(d, '.git')
        if os.path.exists(dot_git):
            return d, dot_git
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _head_file(dot_git: str) -> str | None:
    if os.path.isdir(dot_git):
        return os.path.join(dot_git, 'HEAD')
    try:
        with open(dot_git, encoding='utf-8') as f:
            line = f.readline().strip()
    except OSError:
        return None
    if not line.startswith('gitdir: '):
        return None
    gd = line[len('gitdir: '):]
    if not os.path.isabs(gd):
        gd = os.path.join(os.path.dirname(dot_git), gd)
    return os.path.join(gd, 'HEAD')


def toplevel(cwd: str | None = None) -> str:
    found = _find_dot_git(cwd)
    if found is not None:
        return found[0]
    res = run(['rev-parse', '--show-toplevel'], cwd=cwd, check=False)
    if res.returncode != 0:
        raise GitError('not inside a git repository',
                       hint='run hotfix-hooks from a git working tree')
    return res.stdout.decode('utf-8', 'surrogateescape').strip()


def git_dir(cwd: str | None = None, common: bool = True) -> str:
    arg = '--git-common-dir' if common else '--git-dir'
    path = out(['rev-parse', arg], cwd=cwd)
    return os.path.abspath(os.path.join(cwd or '.', path))


def _own_git_dir(cwd: str | None = None) -> str | None:
    """The git directory of this work tree (a linked worktree's own, under the common
    one), found without running git; ``None`` when git's own discovery is needed."""
    found = _find_dot_git(cwd)
    if found is None:
        return None
    head = _head_file(found[1])
    return os.path.dirname(head) if head else None


def common_dir(cwd: str | None = None) -> str:
    """The common git directory (shared by linked worktrees: the objects, refs and the
    analysis cache live there). Read from ``.git`` and ``commondir`` on a normal checkout,
    else asked of git."""
    own = None if os.environ.get('GIT_COMMON_DIR') else _own_git_dir(cwd)
    if own is not None:
        try:
            with open(os.path.join(own, 'commondir'), encoding='utf-8',
                      errors='surrogateescape') as f:
                rel = f.read().strip()
        except FileNotFoundError:
            return own
        except OSError:
            rel = ''
        if rel:
            return os.path.normpath(os.path.join(own, rel))
    return git_dir(cwd, common=True)


def objects_dir(cwd: str | None = None) -> str:
    """The object directory (``git rev-parse --git-path objects``), without running git on
    a normal checkout."""
    if not (os.environ.get('GIT_OBJECT_DIRECTORY') or os.environ.get('GIT_COMMON_DIR')):
        own = _own_git_dir(cwd)
        if own is not None:
            return os.path.join(common_dir(cwd), 'objects')
    path = out(['rev-parse', '--git-path', 'objects'], cwd=cwd)
    return os.path.abspath(os.path.join(cwd or '.', path))


def has_pseudo_ref(name: str, cwd: str | None = None) -> bool | None:
    """Whether ``MERGE_HEAD`` (or another pseudo-ref file of the work tree) exists, read
    without running git; ``None`` when that cannot be told without git."""
    own = _own_git_dir(cwd)
    if own is None:
        return None
    return os.path.exists(os.path.join(own, name))


def rev_parse(rev: str, cwd: str | None = None, peel: str = 'commit') -> str | None:
    """Full sha of ``rev`` peeled to ``peel`` (commit/tree), ``None`` when unknown. Asked of
    the shared ``git cat-file --batch`` (no process of its own) when peeled: the object
    must exist, as ``git rev-parse --verify rev^{commit}`` requires."""
    spec = f'{rev}^{{{peel}}}' if peel else rev
    if peel in ('commit', 'tree') and rev and '\n' not in rev and '\r' not in rev:
        got = shared(cwd or os.getcwd()).lookup(spec)
        return got[0] if got is not None and got[1] == peel else None
    return try_out(['rev-parse', '--verify', '--quiet', '--end-of-options', spec], cwd=cwd)


def _sha(text: str) -> str | None:
    text = text.strip()
    if len(text) in (40, 64) and all(c in '0123456789abcdef' for c in text):
        return text
    return None


def head_commit(cwd: str | None = None) -> str | None:
    """The commit HEAD points at (``None`` on an unborn branch), read from ``HEAD`` and the
    branch's loose or packed ref without running git on a normal checkout; asked of git
    otherwise (a symbolic ref to a symbolic ref, reftable, GIT_DIR and friends)."""
    own = _own_git_dir(cwd)
    if own is not None and not os.environ.get('GIT_COMMON_DIR'):
        try:
            with open(os.path.join(own, 'HEAD'), encoding='utf-8',
                      errors='surrogateescape') as f:
                head = f.read().strip()
        except OSError:
            head = ''
        detached = _sha(head)
        if detached:
            return detached
        common = common_dir(cwd)
        if head.startswith('ref: refs/heads/') and not os.path.exists(
                os.path.join(common, 'reftable')):
            ref = head[len('ref: '):]
            try:
                with open(os.path.join(common, *ref.split('/')), encoding='utf-8',
                          errors='surrogateescape') as f:
                    loose: str | None = f.read()
            except FileNotFoundError:
                loose = None
            except OSError:
                loose = ''
            if loose is not None:
                got = _sha(loose)
                if got:
                    return got
            else:
                packed = _packed_ref(common, ref)
                if packed is not False:
                    return packed if isinstance(packed, str) else None
    return rev_parse('HEAD', cwd)


def _packed_ref(common: str, ref: str) -> str | bool | None:
    """The sha of ``ref`` in packed-refs, ``None`` when it is not there (an unborn branch),
    ``False`` when packed-refs cannot be read."""
    try:
        with open(os.path.join(common, 'packed-refs'), encoding='utf-8',
                  errors='surrogateescape') as f:
            for line in f:
                if line.startswith(('#', '^')):
                    continue
                sha, _, name = line.rstrip('\n').partition(' ')
                if name == ref:
                    return _sha(sha) or False
    except FileNotFoundError:
        return None
    except OSError:
        return False
    return None


def is_empty_tree(rev: str) -> bool:
    """``rev`` is git's empty tree id (``4b825dc6...``, or at least 7 digits of it): a
    valid start of a range that covers every file of its end."""
    return len(rev) >= 7 and EMPTY_TREE.startswith(rev.lower())


def has_commits(cwd: str | None = None) -> bool:
    return rev_parse('HEAD', cwd) is not None


def is_shallow(cwd: str | None = None) -> bool:
    return try_out(['rev-parse', '--is-shallow-repository'], cwd=cwd) == 'true'


# how many commits ``merge_base`` walks back from its second commit looking for the first
# before it asks ``git merge-base``
_NEAR = 32


def merge_base(a: str, b: str, cwd: str | None = None) -> str | None:
    """The best common ancestor of commits ``a`` and ``b``. When ``a`` is one of the few
    commits before ``b`` (a branch checked against its base, a commit against its parent),
    that is ``a``, read through the shared ``git cat-file --batch``; else ``git
    merge-base``."""
    if near_ancestor(a, b, cwd):
        return a
    return try_out(['merge-base', '--end-of-options', a, b], cwd=cwd) or None


def near_ancestor(a: str, b: str, cwd: str | None = None, limit: int = _NEAR) -> bool:
    """Whether commit ``a`` (a full sha) is ``b`` or among the ``limit`` nearest commits
    reachable from ``b`` through their parents. ``False`` means "not found nearby" (or a
    shallow clone, whose cut parents git hides): ask git."""
    if not (_sha(a) and _sha(b)):
        return False
    if a == b:
        return True
    try:
        if os.path.exists(os.path.join(common_dir(cwd), 'shallow')):
            return False
    except GitError:
        return False
    batch = shared(cwd or os.getcwd())
    seen = {b}
    todo = [b]
    while todo and len(seen) <= limit:
        got = batch.get(todo.pop(0))
        if got is None or got[0] != 'commit':
            return False
        for line in got[1].split(b'\n'):
            if not line:
                break           # the end of the headers
            if line.startswith(b'parent '):
                parent = line[7:].decode('ascii', 'replace').strip()
                if parent == a:
                    return True
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
    return False


def _rebasing_branch(gitdir: str) -> str | None:
    """The branch a rebase in progress is rewriting (HEAD is detached meanwhile)."""
    for state in ('rebase-merge', 'rebase-apply'):
        try:
            with open(os.path.join(gitdir, state, 'head-name'), encoding='utf-8',
                      errors='surrogateescape') as f:
                name = f.read().strip()
        except OSError:
            continue
        if name.startswith('refs/heads/'):
            return name[len('refs/heads/'):]
    return None


def current_branch(cwd: str | None = None) -> str | None:
    """Short name of the checked-out branch (during a rebase: the branch being rebased),
    ``None`` on a detached HEAD."""
    found = _find_dot_git(cwd)
    head = _head_file(found[1]) if found else None
    if head:
        try:
            with open(head, encoding='utf-8', errors='surrogateescape') as f:
                content = f.read().strip()
        except OSError:
            content = ''
        if content.startswith('ref: refs/heads/') and not content.endswith('/.invalid'):
            return content[len('ref: refs/heads/'):]
        if content and not content.startswith('ref:'):
            return _rebasing_branch(os.path.dirname(head))   # detached: HEAD holds a sha
    ref = try_out(['symbolic-ref', '-q', 'HEAD'], cwd=cwd)
    if not ref:
        gitdir = try_out(['rev-parse', '--absolute-git-dir'], cwd=cwd)
        return _rebasing_branch(gitdir) if gitdir else None
    return ref.removeprefix('refs/heads/')


def is_ancestor(a: str, b: str, cwd: str | None = None) -> bool:
    return run(['merge-base', '--is-ancestor', '--end-of-options', a, b], cwd=cwd,
               check=False).returncode == 0


def ref_exists(ref: str, cwd: str | None = None) -> bool:
    return run(['show-ref', '--verify', '--quiet', ref], cwd=cwd, check=False).returncode == 0


def tags(cwd: str | None = None) -> list[str]:
    data = run(['tag', '--list'], cwd=cwd).stdout.decode('utf-8', 'surrogateescape')
    return [t for t in data.splitlines() if t]
