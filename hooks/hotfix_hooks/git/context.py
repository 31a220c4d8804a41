"""The invocation context: resolved once from argv, environment, stdin and git state.

It says which stage this is, which branch, and exactly which range of changes to read:

| mode       | base                                   | head                          |
|------------|----------------------------------------|-------------------------------|
| index      | HEAD (the empty tree on a first commit)| the index (``git commit``)    |
| range      | a commit (merge-base, FROM, A)          | a commit (pushed sha, TO, B)  |
| worktree   | merge-base of HEAD with the base branch | the working tree              |
| tag        | - (a tag push: only the tag-name rule)  | the tag's commit              |
| none       | - (nothing to check: a deletion)        | -                             |

``hotfix-hooks context`` (``commands/context.py``) prints it, for people debugging a hook.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Mapping
from typing import Any
from typing import TextIO
from typing import TYPE_CHECKING

from hotfix_hooks.errors import GitError
from hotfix_hooks.errors import UsageError
from hotfix_hooks.fastclass import dataclass
from hotfix_hooks.git import plumbing
from hotfix_hooks.git.ci_env import CIInfo
from hotfix_hooks.git.ci_env import detect
from hotfix_hooks.git.invocation import check_range_args
from hotfix_hooks.git.invocation import is_push_line
from hotfix_hooks.git.invocation import stdin_lines

if TYPE_CHECKING:
    from hotfix_hooks.policy import Policy

FETCH_HINT = ('fetch the history: in GitHub Actions use actions/checkout with '
              '"fetch-depth: 0"; in GitLab set GIT_DEPTH: 0; locally run '
              '"git fetch --unshallow" (or "git fetch origin <base>")')


@dataclass
class Context:
    """How this invocation was resolved (see the module docstring for the modes)."""

    root: str
    stage: str
    mode: str                               # index | range | worktree | tag | none
    branch: str | None = None
    branch_source: str = ''
    base: str | None = None                 # commit sha or EMPTY_TREE
    head: str | None = None                 # commit sha (range/tag), None for index/worktree
    base_ref: str | None = None             # the base branch ref used for the merge-base
    why: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)    # shown to the user
    tag: str | None = None                  # pushed tag (mode tag)
    remote: str | None = None
    commit_msg_file: str | None = None
    ci: CIInfo | None = None
    known_git_dir: str | None = dataclasses.field(default=None, repr=False)
    use_cache: bool = dataclasses.field(default=True, repr=False)   # --no-cache: False

    @property
    def git_dir(self) -> str:
        """The (common) git directory; asked of git only when someone needs it."""
        if not self.known_git_dir:
            self.known_git_dir = plumbing.common_dir(self.root)
        return self.known_git_dir

    @property
    def empty_base(self) -> bool:
        return self.base == plumbing.EMPTY_TREE

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                                if f.name not in ('known_git_dir', 'use_cache')}
        data['git_dir'] = self.git_dir
        data['ci'] = self.ci.name if self.ci else None
        return data


@dataclass(frozen=True)
class Request:
    """What the caller asked for explicitly (CLI flags)."""

    from_ref: str | None = None
    to_ref: str | None = None
    branch: str | None = None
    stage: str | None = None
    staged: bool = False
    base: str | None = None
    commit_msg_file: str | None = None
    no_cache: bool = False          # --no-cache: the analysis cache is neither read nor written


def request_from_args(args: argparse.Namespace) -> Request:
    check_range_args(args)
    return Request(from_ref=args.from_ref, to_ref=args.to_ref, branch=args.branch,
                   stage=args.stage, staged=args.staged, base=args.base,
                   no_cache=bool(getattr(args, 'no_cache', False)))


def resolve_all(req: Request, policy: Policy, env: Mapping[str, str] | None = None,
                stdin: TextIO | None = None, cwd: str | None = None) -> list[Context]:
    """Resolve the invocation; a plain-git pre-push of several refs gives one context each."""
    env = os.environ if env is None else env
    root = plumbing.toplevel(cwd)
    resolver = _Resolver(req, policy, env, root, None)

    push_lines: list[str] = []
    if (req.stage == 'pre-push' and not req.from_ref and 'PRE_COMMIT_FROM_REF' not in env
            and 'PRE_COMMIT_REMOTE_BRANCH' not in env):
        push_lines = stdin_lines(stdin if stdin is not None else sys.stdin)
    if push_lines:
        return [resolver.from_push_line(line) for line in push_lines]
    return [resolver.resolve()]


def resolve_ci(req: Request, policy: Policy, env: Mapping[str, str] | None = None,
               cwd: str | None = None) -> Context:
    """The CI view of the change: base..HEAD as the pull request shows it (``--from-ref``
    /``--to-ref`` when given). Outside a CI system it behaves as one would on this clone."""

    env = os.environ if env is None else env
    root = plumbing.toplevel(cwd)
    resolver = _Resolver(req, policy, env, root, None)
    if req.from_ref and req.to_ref:
        return resolver.explicit_range(req.from_ref, req.to_ref, 'ci', '--from-ref/--to-ref given')
    return resolver.ci_range(detect(env) or CIInfo('local run (no CI detected)'))


def resolve(req: Request, policy: Policy, env: Mapping[str, str] | None = None,
            stdin: TextIO | None = None, cwd: str | None = None) -> Context:
    return resolve_all(req, policy, env, stdin, cwd)[0]


class _Resolver:
    def __init__(self, req: Request, policy: Policy, env: Mapping[str, str], root: str,
                 git_dir: str | None) -> None:
        self.req = req
        self.policy = policy
        self.env = env
        self.root = root
        self.git_dir = git_dir
        self.remote = env.get('PRE_COMMIT_REMOTE_NAME') or policy.get('remote') or 'origin'

    # -- helpers -----------------------------------------------------------
    def ctx(self, stage: str, mode: str, **kw: Any) -> Context:
        return Context(root=self.root, known_git_dir=self.git_dir, stage=stage, mode=mode,
                       remote=self.remote, use_cache=not self.req.no_cache, **kw)

    def git(self, *args: str) -> str | None:
        return plumbing.try_out(args, cwd=self.root)

    def peel(self, rev: str, what: str) -> str:
        sha = plumbing.rev_parse(rev, self.root)
        if sha is None:
            self.require_commits()
            if plumbing.is_shallow(self.root):
                raise GitError(f'{what} {rev!r} is not in this shallow clone', hint=FETCH_HINT)
            raise GitError(f'unknown {what} {rev!r}',
                           hint='check the name, or fetch it ("git fetch --all --tags")')
        return sha

    def base_candidates(self, target: str | None = None) -> list[str]:
        name = target or self.req.base or self.policy.get('base')
        if name:
            name = name.removeprefix('refs/heads/')
            return [f'refs/remotes/{self.remote}/{name}', f'refs/heads/{name}', name]
        cands = []
        head_ref = self.git('symbolic-ref', '-q', f'refs/remotes/{self.remote}/HEAD')
        if head_ref:
            # a single-branch clone of the hotfix (CI) points origin/HEAD at the branch
            # itself: as the base it would make the range empty
            name = head_ref.removeprefix(f'refs/remotes/{self.remote}/')
            if not name.startswith(self.policy['hotfix_prefix']):
                cands.append(head_ref)
        for n in ('main', 'master'):
            cands += [f'refs/remotes/{self.remote}/{n}', f'refs/heads/{n}']
        return cands

    def base_ref(self, target: str | None = None, exclude: str | None = None
                 ) -> tuple[str, str] | None:
        """The first base candidate that exists; never ``exclude`` when it is a hotfix
        branch (the branch under check: a hotfix is not its own base, whatever names it)."""
        skip = ({f'refs/remotes/{self.remote}/{exclude}', f'refs/heads/{exclude}', exclude}
                if exclude and exclude.startswith(self.policy['hotfix_prefix']) else set())
        for cand in self.base_candidates(target):
            if cand in skip:
                continue
            sha = plumbing.rev_parse(cand, self.root)
            if sha:
                return cand, sha
        return None

    def branch(self, pushed: str | None = None, ci: CIInfo | None = None) -> tuple[str | None, str]:
        if self.req.branch:
            return self.req.branch, '--branch'
        if pushed:
            return pushed, 'the pushed ref'
        current = plumbing.current_branch(self.root)
        if current:
            return current, 'git HEAD'
        if ci and ci.branch:
            return ci.branch, f'{ci.name} ({ci.branch_var})'
        return None, 'unknown (detached HEAD)'

    # -- the rows of the table ----------------------------------------------
    def resolve(self) -> Context:
        req, env = self.req, self.env
        if req.from_ref and req.to_ref:
            return self.explicit_range(req.from_ref, req.to_ref, req.stage or 'manual',
                                       '--from-ref/--to-ref given')
        if 'PRE_COMMIT_REMOTE_BRANCH' in env or (req.stage == 'pre-push' and (
                'PRE_COMMIT_FROM_REF' in env)):
            return self.precommit_push()
        if env.get('PRE_COMMIT_FROM_REF') and env.get('PRE_COMMIT_TO_REF'):
            return self.explicit_range(env['PRE_COMMIT_FROM_REF'], env['PRE_COMMIT_TO_REF'],
                                       req.stage or 'manual',
                                       'pre-commit run --from-ref/--to-ref')
        if req.stage == 'pre-push':
            raise UsageError('pre-push stage without pushed refs: run as a pre-push hook '
                             '(refs on stdin) or give --from-ref/--to-ref')
        if req.staged or req.stage == 'pre-commit' or env.get('GIT_INDEX_FILE'):
            return self.index()
        ci = detect(env)
        if ci is not None and req.stage != 'manual':
            return self.ci_range(ci)
        return self.worktree(req.stage or 'manual')

    def index(self) -> Context:
        branch, source = self.branch()
        head = plumbing.head_commit(self.root)
        if head is None:
            return self.ctx('pre-commit', 'index', branch=branch, branch_source=source,
                            base=plumbing.EMPTY_TREE,
                            why=['commit stage: the index vs the empty tree (first commit)'])
        merging = plumbing.has_pseudo_ref('MERGE_HEAD', self.root)
        merge_head = plumbing.rev_parse('MERGE_HEAD', self.root) if merging is not False else None
        if merge_head is not None:
            # finishing a merge of the base branch (conflicts resolved, git commit): what
            # the base brought in is not this branch's change; read the index against the
            # merged base commit, as the push will (merge-base with the base branch)
            found = self.base_ref()
            if found is not None and plumbing.is_ancestor(merge_head, found[1], self.root):
                return self.ctx('pre-commit', 'index', branch=branch, branch_source=source,
                                base=merge_head, base_ref=found[0],
                                why=['commit stage, merging the base branch in: the index vs '
                                     f'the merged commit of {found[0]}'])
        return self.ctx('pre-commit', 'index', branch=branch, branch_source=source, base=head,
                        why=['commit stage: the index vs HEAD'])

    def explicit_range(self, a: str, b: str, stage: str, reason: str) -> Context:
        empty = plumbing.is_empty_tree(a)
        base = plumbing.EMPTY_TREE if empty else self.peel(a, 'ref')
        head = self.peel(b, 'ref')
        branch, source = self.branch()
        why = [f'{reason}: {a}..{b}' + (' (the empty tree: every file of '
                                         f'{b} is new)' if empty else '')]
        # what A gained after B forked off is not B's change (pre-commit reads A...B too)
        mb = plumbing.merge_base(base, head, self.root) if base != head and not empty else None
        if mb and mb not in (base, head):
            base = mb
            why.append(f'{a} moved on since {b} forked: range = merge-base .. {b}')
        notes = [f'{a} and {b} are the same commit: the range is empty, nothing to check'
                 ] if base == head else []
        return self.ctx(stage, 'range', branch=branch, branch_source=source, base=base,
                        head=head, why=why, notes=notes)

    def require_commits(self) -> None:
        if not plumbing.has_commits(self.root):
            raise GitError('HEAD has no commits yet (an empty repository, or a new orphan '
                           'branch)',
                           hint='commit something first; only the commit stage reads an '
                                'empty repository')

    def precommit_push(self) -> Context:
        env = self.env
        remote_branch = env.get('PRE_COMMIT_REMOTE_BRANCH', '')
        local_branch = env.get('PRE_COMMIT_LOCAL_BRANCH', '')
        from_ref = env.get('PRE_COMMIT_FROM_REF') or None
        to_ref = env.get('PRE_COMMIT_TO_REF') or None
        if to_ref is None:
            # a push whose range contains a root commit: pre-commit sets no FROM/TO
            to_ref = local_branch or 'HEAD'
        return self.push(remote_branch or local_branch, from_ref, to_ref,
                         'pre-commit pre-push')

    def from_push_line(self, line: str) -> Context:
        parts = line.split()
        if not is_push_line(parts):
            raise UsageError(f'unexpected pre-push input line: {line!r} '
                             '(expected "<local ref> <local sha> <remote ref> <remote sha>")')
        local_ref, local_sha, remote_ref, remote_sha = parts
        if set(local_sha) == {'0'}:
            branch, source = remote_ref.removeprefix('refs/heads/'), 'the deleted ref'
            return self.ctx('pre-push', 'none', branch=branch, branch_source=source,
                            why=[f'git push --delete {remote_ref}: nothing to check'])
        from_ref = None if set(remote_sha) == {'0'} else remote_sha
        return self.push(remote_ref, from_ref, local_sha, 'git pre-push (stdin)')

    def push(self, remote_ref: str, from_ref: str | None, to_ref: str, reason: str) -> Context:
        if remote_ref.startswith('refs/tags/'):
            tag = remote_ref[len('refs/tags/'):]
            head = plumbing.rev_parse(to_ref, self.root)
            return self.ctx('pre-push', 'tag', tag=tag, head=head, branch=None,
                            branch_source='tag push',
                            why=[f'{reason}: tag {tag}: the tag-name rule runs, no diff scan'])
        pushed_branch = remote_ref.removeprefix('refs/heads/') if remote_ref else None
        if pushed_branch == 'HEAD':
            pushed_branch = None
        head = self.peel(to_ref, 'pushed commit')
        branch, source = self.branch(pushed_branch)
        from_sha = plumbing.rev_parse(from_ref, self.root) if from_ref else None
        why = [f'{reason}: pushing {head[:12]} to {remote_ref or "?"}']
        notes: list[str] = []
        found = self.base_ref(exclude=branch)
        base: str | None = None
        base_ref = None
        if found:
            base_ref, base_sha = found
            mb = plumbing.merge_base(head, base_sha, self.root)
            if mb and mb != head:
                base = mb
                why.append(f'range = merge-base with {base_ref} .. pushed commit '
                           '(the whole branch, as CI will see it)')
            elif mb == head:
                why.append(f'the pushed commit is already contained in {base_ref}')
        if base is None:
            if from_sha and from_sha != head:
                base = from_sha
                if not plumbing.is_ancestor(from_sha, head, self.root):
                    why.append('force push: FROM is not an ancestor of TO')
                notes.append(f'no usable base branch ({", ".join(self.base_candidates()[:2])}): '
                             f'checked FROM..TO ({from_sha[:12]}..{head[:12]}) only')
            else:
                base = self.first_unpushed_parent(head)
                notes.append('no usable base branch and no FROM: checked every commit not '
                             f'yet on {self.remote}')
        return self.ctx('pre-push', 'range', branch=branch, branch_source=source, base=base,
                        head=head, base_ref=base_ref, why=why, notes=notes)

    def first_unpushed_parent(self, head: str) -> str:
        # head is a full sha (peeled): --end-of-options would make "--not" a revision here
        out = self.git('rev-list', '--topo-order', '--reverse', head, '--not',
                       f'--remotes={self.remote}') or ''
        commits = out.split()
        if not commits:
            return head
        parents = (self.git('rev-list', '--parents', '-n', '1', '--end-of-options', commits[0])
                   or '').split()[1:]
        return parents[0] if parents else plumbing.EMPTY_TREE

    def ci_range(self, ci: CIInfo) -> Context:
        head = self.peel('HEAD', 'commit')
        branch, source = self.branch(ci=ci)
        why = [f'{ci.name}: the change from its base to HEAD']
        base = None
        base_ref = None
        if ci.base_sha and plumbing.rev_parse(ci.base_sha, self.root):
            mb = plumbing.merge_base(head, ci.base_sha, self.root)
            if mb:
                base, base_ref = mb, ci.base_sha
                why.append(f'base from the PR/MR base commit {ci.base_sha[:12]}')
        if base is None:
            found = self.base_ref(ci.target, exclude=branch)
            if found is None:
                wanted = ci.target or self.req.base or self.policy.get('base') or 'main/master'
                raise GitError(f'{ci.name}: base branch {wanted} is not in this clone',
                               hint=FETCH_HINT + '; on a branch build without a pull request, '
                                                 'pass --base <branch>')
            base_ref, base_sha = found
            mb = plumbing.merge_base(head, base_sha, self.root)
            if mb is None:
                if plumbing.is_shallow(self.root):
                    raise GitError(f'{ci.name}: shallow clone without the merge-base of HEAD '
                                   f'and {base_ref}', hint=FETCH_HINT)
                raise GitError(f'HEAD and {base_ref} have no common history',
                               hint='set [tool.hotfix-hooks] base to the branch this one '
                                    'started from')
            base = mb
            why.append(f'base = merge-base with {base_ref}'
                       + (f' (PR/MR target from {ci.target_var})' if ci.target else ''))
        return self.ctx('ci', 'range', branch=branch, branch_source=source, base=base,
                        head=head, base_ref=base_ref, why=why, ci=ci,
                        tag=ci.tag if branch is None else None)    # a CI tag build

    def worktree(self, stage: str) -> Context:
        head = self.peel('HEAD', 'commit')
        branch, source = self.branch()
        found = self.base_ref(exclude=branch)
        if found is None:
            raise GitError('no base branch found (looked for '
                           + ', '.join(self.base_candidates()[:4]) + ')',
                           hint='set [tool.hotfix-hooks] base = "<branch>" or pass --base, '
                                'or give --from-ref/--to-ref')
        base_ref, base_sha = found
        mb = plumbing.merge_base(head, base_sha, self.root)
        if mb is None:
            if plumbing.is_shallow(self.root):
                raise GitError(f'shallow clone without the merge-base of HEAD and {base_ref}',
                               hint=FETCH_HINT)
            raise GitError(f'HEAD and {base_ref} have no common history',
                           hint='pass --base or --from-ref/--to-ref')
        return self.ctx(stage, 'worktree', branch=branch, branch_source=source, base=mb,
                        base_ref=base_ref,
                        why=[f'run by hand / pre-commit run: merge-base with {base_ref} .. '
                             'working tree (committed + staged + unstaged tracked changes)'])


def base_side(ctx: Context, policy: Policy, env: Mapping[str, str] | None = None
              ) -> tuple[str, str] | None:
    """(base ref, merge-base of HEAD with it) for a context whose own base is not the base
    side of the branch (the commit stage reads the index against HEAD); ``None`` when there
    is no commit or no base branch."""
    head = plumbing.rev_parse('HEAD', ctx.root)
    if head is None:
        return None
    resolver = _Resolver(Request(), policy, os.environ if env is None else env, ctx.root,
                         ctx.known_git_dir)
    found = resolver.base_ref(exclude=ctx.branch)
    if found is None:
        return None
    mb = plumbing.merge_base(head, found[1], ctx.root)
    return (found[0], mb) if mb else None
