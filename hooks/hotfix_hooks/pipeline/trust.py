"""The policy a change is judged by, and where it came from.

The branch under check is untrusted input: its code, and its edits to the policy. So a
hotfix (or release) branch is judged by the policy of its **base side**, the merge-base
with the base branch, never by the policy committed in the branch or edited on disk:

| how it runs                 | base side the policy is read from      | compared with        |
|-----------------------------|----------------------------------------|----------------------|
| push, range, CI             | the merge-base (the range's base)       | the head commit      |
| ``git commit`` (index)      | merge-base of HEAD with the base branch | the working tree     |
| by hand (working tree)      | the merge-base                          | the working tree     |

What the branch changed is ``policy-changed-in-hotfix`` (an error that no waiver in the
branch can lift). The base branch's name comes from trusted sources only: ``--base``, the
CI's pull-request target, the remote's default branch (origin/HEAD, main, master), and the
``base`` of the base side's policy; a branch never names its own base.

``--config FILE`` still wins (a note says so). Off hotfix branches the policy of the
working tree (in a range: of the head commit) applies, as it always did.

``judge`` works on any context; ``resolve_all`` / ``resolve_ci`` resolve the invocation
and judge each context. Policy files are read through ``policy.source`` (the working tree
or a commit), so a reader of other policy files can use the same trusted commit.
"""
from __future__ import annotations

import dataclasses
import io
import os
import posixpath
import sys
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import TextIO

from hotfix_hooks.checks.naming import is_hotfix_branch
from hotfix_hooks.checks.naming import is_release_branch
from hotfix_hooks.errors import ConfigError
from hotfix_hooks.errors import GitError
from hotfix_hooks.fastclass import dataclass
from hotfix_hooks.findings import Finding
from hotfix_hooks.git import context
from hotfix_hooks.git import plumbing
from hotfix_hooks.git.context import Context
from hotfix_hooks.git.context import Request
from hotfix_hooks.git.invocation import stdin_lines
from hotfix_hooks.policy import CONFIG_FILES
from hotfix_hooks.policy import from_mapping
from hotfix_hooks.policy import Policy
from hotfix_hooks.policy.diff import compare
from hotfix_hooks.policy.diff import PolicyChange
from hotfix_hooks.policy.diff import summary
from hotfix_hooks.policy.source import AtCommit
from hotfix_hooks.policy.source import load_from
from hotfix_hooks.policy.source import Memory
from hotfix_hooks.policy.source import Source
from hotfix_hooks.policy.source import WorkingTree
from hotfix_hooks.policy.tree import PolicyTree
from hotfix_hooks.policy.tree import Reader

RULE = 'policy-changed-in-hotfix'   # declared in policy/catalog.py
_DEFAULTS = from_mapping({}, None)
_Resolve = Callable[[Policy], 'list[Context]']


@dataclass
class Judged:
    """A resolved context and the policy it is judged by."""

    ctx: Context
    policy: Policy
    source: str                        # where the policy was read, one line
    hotfix: bool                       # a hotfix or release branch (by the trusted policy)
    trusted: bool                      # read from the base side (or given with --config)
    base_commit: str | None = None     # the base-side commit the policy was read from
    base_ref: str | None = None        # the base branch of that commit, when known
    changes: list[PolicyChange] = dataclasses.field(default_factory=list)
    changed_files: list[str] = dataclasses.field(default_factory=list)
    compared_with: str = ''            # the branch side: 'the working tree', 'commit 1a2b..'
    unreadable: str = ''               # the branch's policy file could not be read: why
    policy_notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        """The context's notes and what was said about the policy."""
        return [*self.ctx.notes, *self.policy_notes]

    def base_source(self) -> Source | None:
        """The trusted side as a ``Source``, for reading other files from it."""
        if self.base_commit is None:
            return None
        return AtCommit(self.ctx.root, self.base_commit, cache=self.ctx.use_cache)

    def policy_reader(self) -> Callable[[str], bytes | None] | None:
        """Where the folder policies of a monorepo are read from: the trusted side when the
        policy is the base side's; None (the caller's default) otherwise."""
        src = self.base_source()
        return src.read if self.trusted and src is not None and not self.policy.explicit \
            else None

    def findings(self) -> list[Finding]:
        """``policy-changed-in-hotfix`` when the branch changed what it is judged by."""
        if not self.hotfix or not (self.changes or self.unreadable):
            return []
        files = ', '.join(self.changed_files) or 'the policy'
        if self.unreadable:
            what = f'its policy file cannot be read: {self.unreadable.rstrip(".?!")}'
        else:
            what = summary(self.changes)
        return [Finding(
            rule=RULE, category='policy', severity='error',
            path=self.changed_files[0] if self.changed_files else None,
            message=(f'this hotfix changes its own policy ({files}, {self.compared_with}): '
                     f'{what}. It is judged by the policy of its base side '
                     f'({self.source}), not by its own'),
            hint=('revert the policy change in this branch; a policy change goes through the '
                  'normal process to the base branch first (it cannot be waived from the '
                  'hotfix)'),
            extra={'policy_changes': [c.to_json() for c in self.changes],
                   'policy_source': self.source})]


def folder_policy_findings(judged: Judged, changed: Iterable[str], head: Reader
                           ) -> list[Finding]:
    """``policy-changed-in-hotfix`` for each folder policy file of a monorepo
    (``server/pyproject.toml``) the hotfix changed: the folder is judged by the policy its
    base side gives it (``Judged.policy_reader``), so the branch's edit has no effect, and
    is reported like an edit of the root policy. ``head``: the branch side's files."""
    base = judged.policy_reader()
    if base is None or not judged.hotfix:
        return []
    out: list[Finding] = []
    for path in sorted(set(changed)):
        folder, name = posixpath.split(path)
        if not folder or name not in CONFIG_FILES:
            continue
        probe = f'{folder}/-'
        trusted = PolicyTree(judged.policy, base, repo=judged.ctx.root,
                             cache=judged.ctx.use_cache).governing(probe)
        try:
            mine = PolicyTree(judged.policy, head, repo=judged.ctx.root,
                              cache=judged.ctx.use_cache).governing(probe)
        except ConfigError as e:
            what = f'its policy file cannot be read: {e.message.rstrip(".?!")}'
            changes: list[PolicyChange] = []
        else:
            changes = compare(trusted.policy.values, mine.policy.values)
            what = summary(changes)
        if not changes and not what:
            continue
        out.append(Finding(
            rule=RULE, category='policy', severity='error', path=path,
            message=(f'this hotfix changes the policy of folder {folder}/ ({path}): {what}. '
                     f'The folder is judged by the policy of the base side '
                     f'({trusted.file or "the root policy: the folder has no policy file"} at '
                     f'{(judged.base_commit or "?")[:12]}), not by its own'),
            hint=('revert the policy change in this branch; a policy change goes through the '
                  'normal process to the base branch first (it cannot be waived from the '
                  'hotfix)'),
            extra={'policy_changes': [c.to_json() for c in changes],
                   'policy_source': judged.source, 'folder': folder}))
    return out


def neutral(given: Policy, base: str | None = None, remote: str | None = None) -> Policy:
    """``given`` without the keys a branch could use to pick its own base: the base branch
    comes from trusted sources only (``base``: a name those gave)."""
    values = dict(given.values)
    values['base'] = base
    values['remote'] = remote or 'origin'
    out = Policy(values=values, sources=given.sources, path=given.path)
    out.explicit, out.file, out.origin = given.explicit, given.file, given.origin
    return out


def resolve_all(req: Request, given: Policy, env: Mapping[str, str] | None = None,
                stdin: TextIO | None = None, cwd: str | None = None) -> list[Judged]:
    """``context.resolve_all``, each context judged (see the module docstring)."""
    env = os.environ if env is None else env
    if given.explicit:
        return [judge(c, given, env) for c in context.resolve_all(req, given, env, stdin, cwd)]
    buffered = _buffer_stdin(req, env, stdin)

    def resolve(pol: Policy) -> list[Context]:
        if buffered is not None:
            buffered.seek(0)
        return context.resolve_all(req, pol, env, buffered, cwd)

    return _resolve_trusted(resolve, req, given, env, cwd)


def resolve_ci(req: Request, given: Policy, env: Mapping[str, str] | None = None,
               cwd: str | None = None) -> Judged:
    """``context.resolve_ci``, judged."""
    env = os.environ if env is None else env
    if given.explicit:
        return judge(context.resolve_ci(req, given, env, cwd), given, env)
    return _resolve_trusted(lambda pol: [context.resolve_ci(req, pol, env, cwd)],
                            req, given, env, cwd)[0]


def resolve(req: Request, given: Policy, env: Mapping[str, str] | None = None,
            stdin: TextIO | None = None, cwd: str | None = None) -> Judged:
    return resolve_all(req, given, env, stdin, cwd)[0]


def _buffer_stdin(req: Request, env: Mapping[str, str], stdin: TextIO | None
                  ) -> io.StringIO | None:
    """The pushed refs, kept so the invocation can be resolved twice."""
    if (req.stage == 'pre-push' and not req.from_ref and 'PRE_COMMIT_FROM_REF' not in env
            and 'PRE_COMMIT_REMOTE_BRANCH' not in env):
        return io.StringIO('\n'.join(stdin_lines(stdin if stdin is not None else sys.stdin)))
    return None


def _resolve_trusted(resolve: _Resolve, req: Request, given: Policy,
                     env: Mapping[str, str], cwd: str | None) -> list[Judged]:
    first = neutral(given)
    try:
        ctxs = resolve(first)
    except GitError:
        # no default base branch (origin/HEAD, main, master): the base the branch's policy
        # names counts only when that branch's own policy names itself the base
        name = _self_declared_base(given, req, plumbing.toplevel(cwd))
        if name is None:
            raise
        ctxs = resolve(neutral(given, name))
    out = []
    again: dict[tuple[str | None, str], Policy] = {}
    for ctx in ctxs:
        judged = judge(ctx, given, env, first)
        wanted = _wanted_base(judged, req, first)
        if wanted is not None:
            pol = again.setdefault(wanted, neutral(given, *wanted))
            redone = [c for c in resolve(pol) if c.branch == ctx.branch and c.mode == ctx.mode]
            if redone:
                judged = judge(redone[0], given, env, pol)
        out.append(judged)
    return out


def _wanted_base(j: Judged, req: Request, used: Policy) -> tuple[str | None, str] | None:
    """(base, remote) the trusted policy names when they differ from the ones this context
    was resolved with and nothing more trusted chose the base (``--base``, the CI)."""
    if not j.trusted or j.policy.explicit or req.base:
        return None
    ci = j.ctx.ci
    if ci is not None and (ci.base_sha or ci.target):
        return None
    base, remote = j.policy.get('base'), j.policy.get('remote') or 'origin'
    if remote == used.get('remote') and (not base or _same_branch(j.base_ref, base, remote)):
        return None
    if base and base == j.ctx.branch:
        return None
    return base, remote


def _same_branch(ref: str | None, name: str, remote: str) -> bool:
    name = name.removeprefix('refs/heads/')
    return ref in (f'refs/remotes/{remote}/{name}', f'refs/heads/{name}', name)


def _self_declared_base(given: Policy, req: Request, root: str) -> str | None:
    """The base the branch's (untrusted) policy names, accepted only when the policy at that
    branch's tip names the same base, the name is not a hotfix branch, and this is not CI
    (CI must be told: ``--base`` or the pull request's target)."""
    name = given.get('base')
    if not name or req.stage == 'ci' or is_hotfix_branch(name, given):
        return None
    remote = given.get('remote') or 'origin'
    for ref in (f'refs/remotes/{remote}/{name}', f'refs/heads/{name}'):
        sha = plumbing.rev_parse(ref, root)
        if sha is None:
            continue
        try:
            theirs = load_from(AtCommit(root, sha, cache=not req.no_cache))
        except ConfigError:
            return None
        return name if theirs.get('base') == name else None
    return None


def base_tip_policy(root: str, given: Policy) -> Policy | None:
    """The policy at the tip of the remote's default branch (origin/HEAD, else main or
    master): a cheap stand-in for the base side's (one git call), to let a branch that no
    policy treats as a hotfix go at once. ``None`` when there is no such branch or its
    policy cannot be read."""
    remote = given.get('remote') or 'origin'
    refs = [f'refs/remotes/{remote}/HEAD', f'refs/remotes/{remote}/main', 'refs/heads/main',
            f'refs/remotes/{remote}/master', 'refs/heads/master']
    got = plumbing.cat_batch(root, [f'{r}^{{commit}}' for r in refs]
                             + [f'{r}:{n}' for r in refs for n in CONFIG_FILES])
    for r in refs:
        if got.get(f'{r}^{{commit}}') is None:
            continue
        files = {}
        for n in CONFIG_FILES:
            blob = got.get(f'{r}:{n}')
            if blob is not None and blob[0] == 'blob':
                files[n] = blob[1]
        try:
            return load_from(Memory(files, r))
        except ConfigError:
            return None
    return None


def possibly_gated(branch: str | None, given: Policy, root: str) -> bool:
    """Whether a hotfix (or release) branch by the working tree's policy, the defaults, or
    the default branch's policy: a branch none of them treats as one is not judged as one,
    without resolving its base side."""
    if not branch:
        return True
    if _is_gated(branch, given) or _is_gated(branch, _DEFAULTS):
        return True
    tip = base_tip_policy(root, given)
    return tip is None or _is_gated(branch, tip)


def judge(ctx: Context, given: Policy, env: Mapping[str, str] | None = None,
          resolved_with: Policy | None = None) -> Judged:
    """The policy ``ctx`` is judged by (see the module docstring)."""
    if (ctx.mode == 'index' and not given.explicit
            and not possibly_gated(ctx.branch, given, ctx.root)):
        return Judged(ctx, given, given.origin, False, False)   # the commit stage, fast
    base_commit, base_ref = _base_side(ctx, resolved_with or neutral(given), env)
    if given.explicit:
        return _explicit(ctx, given, base_commit, base_ref)
    if ctx.mode not in ('index', 'range', 'worktree'):
        return Judged(ctx, given, given.origin, False, False)
    if base_commit is None:
        own = _own_policy(ctx, given)
        hotfix = _is_gated(ctx.branch, own)
        judged = Judged(ctx, own, own.origin, hotfix, False)
        if hotfix:
            judged.policy_notes.append(
                'no base side to read the policy from (a first commit, or no base branch): '
                f"the branch's own policy applies ({own.origin})")
        return judged
    trusted = load_from(AtCommit(ctx.root, base_commit, cache=ctx.use_cache))
    where = _describe(trusted, base_commit, base_ref)
    if not _is_gated(ctx.branch, trusted):
        own = _own_policy(ctx, given)
        return Judged(ctx, own, own.origin, False, False, base_commit, base_ref)
    judged = Judged(ctx, trusted, where, True, True, base_commit, base_ref)
    side, label = _branch_side(ctx)
    judged.compared_with = label
    try:
        branch_policy = load_from(side)
    except ConfigError as e:
        judged.unreadable = e.message
        judged.changed_files = [n for n in CONFIG_FILES if side.read(n) is not None][:1]
        return judged
    if given.path and given.values != branch_policy.values and \
            given.values != trusted.values:
        judged.policy_notes.append(f'{given.path} is not tracked by git: it does not apply '
                                   "on this hotfix branch (the base side's policy does)")
    judged.changes = compare(trusted.values, branch_policy.values)
    if judged.changes and trusted.file and branch_policy.file is None:
        judged.changes.insert(0, PolicyChange(trusted.file, 'policy removed',
                                              f'{trusted.file} (the defaults would apply)'))
    if judged.changes:
        judged.changed_files = _changed_files(ctx, base_commit, side) or \
            [branch_policy.file or trusted.file or CONFIG_FILES[-1]]
        judged.policy_notes.append(f'this hotfix branch is judged by the policy of its base side '
                         f'({where}), not by the one in {label} (policy-changed-in-hotfix)')
    return judged


def _is_gated(branch: str | None, policy: Policy) -> bool:
    return is_hotfix_branch(branch, policy) or is_release_branch(branch, policy)


def _base_side(ctx: Context, policy: Policy, env: Mapping[str, str] | None
               ) -> tuple[str | None, str | None]:
    """(the base-side commit, its base ref) of a context."""
    if ctx.mode == 'index':
        found = context.base_side(ctx, policy, env)
        return (found[1], found[0]) if found else (None, None)
    if ctx.mode in ('range', 'worktree') and ctx.base and not ctx.empty_base:
        return ctx.base, ctx.base_ref
    return None, None


def _describe(policy: Policy, commit: str, ref: str | None) -> str:
    side = (f'merge-base with {ref.removeprefix("refs/heads/").removeprefix("refs/remotes/")}'
            if ref else 'the base of the range')
    if policy.file is None:
        return f'the defaults: no policy file at {commit[:12]}, {side}'
    return f'{policy.file} at {commit[:12]}, {side}'


def _own_policy(ctx: Context, given: Policy) -> Policy:
    """The policy a branch off the hotfix rules is judged by: a range's head commit's (the
    one on disk when the commit has none), else the working tree's."""
    if ctx.mode == 'range' and ctx.head:
        return load_from(AtCommit(ctx.root, ctx.head, cache=ctx.use_cache), fallback=given)
    return given


def _branch_side(ctx: Context) -> tuple[Source, str]:
    """What the branch's own policy is read from: the head commit of a range, else the
    files git tracks in the working tree (an ignored local policy file is not the branch's;
    it is still validated when it is loaded)."""
    if ctx.mode == 'range' and ctx.head:
        return AtCommit(ctx.root, ctx.head, cache=ctx.use_cache), f'commit {ctx.head[:12]}'
    return WorkingTree(ctx.root, tracked_only=True), 'the working tree'


def _changed_files(ctx: Context, base: str, side: Source) -> list[str]:
    theirs = AtCommit(ctx.root, base).read_many(CONFIG_FILES)
    ours = side.read_many(CONFIG_FILES)
    return [n for n in CONFIG_FILES if theirs.get(n) != ours.get(n)]


def _explicit(ctx: Context, given: Policy, base_commit: str | None, base_ref: str | None
              ) -> Judged:
    """``--config FILE``: used as given. A file of the repository that the branch changed
    is still reported as a policy change."""
    hotfix = _is_gated(ctx.branch, given)
    judged = Judged(ctx, given, f'--config {given.path}', hotfix, True, base_commit, base_ref)
    if ctx.mode not in ('index', 'range', 'worktree'):
        return judged
    judged.policy_notes.append(f'--config {given.path} given: its policy is used as given, '
                               "not the base side's")
    rel = _inside(ctx.root, given.path)
    if not hotfix or rel is None or base_commit is None:
        return judged
    side, label = _branch_side(ctx)
    judged.compared_with = label
    try:
        theirs = load_from(AtCommit(ctx.root, base_commit, cache=ctx.use_cache), [rel])
        ours = load_from(side, [rel])
    except ConfigError as e:
        judged.unreadable = e.message
        judged.changed_files = [rel]
        return judged
    if theirs.file is None and ours.file is not None:
        judged.changes = [PolicyChange(rel, 'settings changed',
                                       f'{rel} is not on the base side: the branch added it')]
    else:
        judged.changes = compare(theirs.values, ours.values)
    judged.changed_files = [rel] if judged.changes else []
    return judged


def _inside(root: str, path: str | None) -> str | None:
    if not path:
        return None
    rel = os.path.relpath(os.path.realpath(path), os.path.realpath(root))
    return None if rel.startswith('..') else rel.replace(os.sep, '/')
