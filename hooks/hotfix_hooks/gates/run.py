"""The gate run: the protocol's mandatory checks, run on exactly the pushed commit
(``hotfix-hooks gate`` is ``commands/gate.py``).

For a hotfix branch (or a release branch / ``[tool.hotfix-hooks.gate] branches``):

1. resolve the pushed commit and its range (``git/context.py``), pick the impacted domains
   from the changed files (``gates/plan.py: select_domains``);
2. plan: the policy's gates (smoke, integrity), the touched domains' regression subsets,
   the rollback dry-run (``--rollback-dry-run``, the hotfix record, or the policy);
3. reuse what already passed on this very tree (evidence under the git directory) unless
   ``--rerun``;
4. run the rest in place when the working tree is clean and HEAD has the pushed tree,
   otherwise in a temporary detached worktree of the pushed commit (removed afterwards);
5. store the evidence keyed by the tree, print a summary table (exit 1 when a gate fails).

Any other branch passes at once without running anything.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import re
from collections.abc import Iterator
from collections.abc import Sequence
from typing import TextIO

from hotfix_hooks import __version__
from hotfix_hooks.checks.naming import branch_ticket
from hotfix_hooks.checks.naming import check_branch
from hotfix_hooks.checks.naming import is_hotfix_branch
from hotfix_hooks.checks.naming import is_release_branch
from hotfix_hooks.errors import GitError
from hotfix_hooks.findings import Finding
from hotfix_hooks.gates import evidence
from hotfix_hooks.gates import plan as gate_plan
from hotfix_hooks.gates import process as gate_process
from hotfix_hooks.gates.evidence import evidence_dir
from hotfix_hooks.gates.evidence import GateResult
from hotfix_hooks.gates.plan import DomainSelection
from hotfix_hooks.gates.plan import GateSpec
from hotfix_hooks.gates.process import utc_now
from hotfix_hooks.git import changes as git_changes
from hotfix_hooks.git import context
from hotfix_hooks.git import plumbing
from hotfix_hooks.git.invocation import BranchRef
from hotfix_hooks.pipeline import trust
from hotfix_hooks.pipeline.parts import governed_parts
from hotfix_hooks.pipeline.trust import Judged
from hotfix_hooks.policy import Policy
from hotfix_hooks.policy.tree import Governed
from hotfix_hooks.policy.tree import PolicyTree
from hotfix_hooks.record.model import record_path


@dataclasses.dataclass(frozen=True)
class GateOptions:
    """What the caller asked of a gate run (the ``gate`` command's options)."""

    rerun: bool = False                  # run every gate even if it passed on this tree
    jobs: int | None = None              # gates in parallel (None: the policy's gate.jobs)
    rollback_dry_run: str | None = None  # overrides the record's and the policy's command
    runner: str = 'local'                # 'ci' when CI runs them: what readiness in CI accepts


@dataclasses.dataclass
class GateRun:
    """Everything one push's gate run decided and produced (for the report)."""

    branch: str | None
    skipped_reason: str = ''                 # non-empty: nothing ran (not a hotfix ...)
    notes: list[str] = dataclasses.field(default_factory=list)
    commit: str = ''
    tree: str = ''
    workspace: str = ''                      # 'in place' | 'temporary worktree' | ...
    workspace_why: str = ''
    domains: dict[str, str] = dataclasses.field(default_factory=dict)  # domain -> the file
    untouched: list[str] = dataclasses.field(default_factory=list)
    unmatched: list[str] = dataclasses.field(default_factory=list)
    results: list[GateResult] = dataclasses.field(default_factory=list)
    reused: set[str] = dataclasses.field(default_factory=set)
    evidence_path: str = ''
    findings: list[Finding] = dataclasses.field(default_factory=list)
    interrupted: bool = False
    policy: Policy | None = None             # the policy the run was judged by


# -- which branches ----------------------------------------------------------------
def gated_branch(branch: str | None, policy: Policy) -> bool:
    """Hotfix branches, release branches, and the policy's extra ``gate.branches``."""
    import fnmatch


    if not branch:
        return False
    return (is_hotfix_branch(branch, policy) or is_release_branch(branch, policy)
            or any(fnmatch.fnmatchcase(branch, g) for g in policy.section('gate')['branches']))


# -- where to run ------------------------------------------------------------------
def in_place_problem(root: str, commit: str, tree: str) -> str:
    """Why the gates cannot run in the working tree ('' when they can)."""
    head_tree = plumbing.rev_parse('HEAD', root, peel='tree')
    if head_tree != tree:
        head = plumbing.rev_parse('HEAD', root) or 'no commit'
        return f'HEAD ({head[:12]}) does not have the pushed tree'
    status = plumbing.run(['--no-optional-locks', 'status', '--porcelain', '-z',
                          '--untracked-files=normal'],
                         cwd=root).stdout
    entries = [e[3:] for e in plumbing.zsplit(status) if len(e) > 3]
    if entries:
        shown = ', '.join(entries[:3]) + (f' (+{len(entries) - 3} more)'
                                          if len(entries) > 3 else '')
        return f'the working tree has uncommitted or untracked files: {shown}'
    return ''


@contextlib.contextmanager
def working_tree_lock(git_dir: str) -> Iterator[bool]:
    """The lock on the working tree for an in-place run: True when this run holds it, False
    when another ``gate`` run does (this one then runs in its own worktree)."""
    import fcntl

    path = os.path.join(git_dir, 'hotfix-hooks', 'gate.lock')
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        f = open(path, 'a')
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
    finally:
        f.close()


def snapshot(root: str) -> dict[str, tuple[int, int, int, int]]:
    """(mtime, ctime, size, inode) of every tracked file: an edit made while the gates run
    in place changes it, even when the content is put back before they end."""
    out = {}
    listed = plumbing.run(['ls-files', '-z'], cwd=root).stdout
    for path in plumbing.zsplit(listed):
        try:
            st = os.lstat(os.path.join(root, path))
        except OSError:
            out[path] = (0, 0, -1, 0)
            continue
        out[path] = (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)
    return out


def changed_during(root: str, commit: str, tree: str,
                   before: dict[str, tuple[int, int, int, int]]) -> str:
    """'' when the working tree is still exactly the pushed tree and no tracked file was
    touched since ``before``; otherwise what changed."""
    problem = in_place_problem(root, commit, tree)
    if problem:
        return problem
    after = snapshot(root)
    touched = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
    if touched:
        more = f' (+{len(touched) - 3} more)' if len(touched) > 3 else ''
        return f'{", ".join(touched[:3])}{more} changed while they ran'
    return ''


@contextlib.contextmanager
def isolated(root: str, commit: str) -> Iterator[str]:
    """A temporary detached worktree of ``commit``, removed afterwards (also when the run
    is interrupted)."""
    import shutil
    import tempfile

    tmp = tempfile.mkdtemp(prefix='hotfix-gates-')
    path = os.path.join(tmp, 'wt')
    try:
        plumbing.run(['-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '--detach',
                     '--quiet', path, commit], cwd=root)
        yield path
    finally:
        plumbing.run(['worktree', 'remove', '--force', path], cwd=root, check=False)
        shutil.rmtree(tmp, ignore_errors=True)
        plumbing.run(['worktree', 'prune'], cwd=root, check=False)


def log_dir(git_dir: str, tree: str) -> str:
    return os.path.join(git_dir, 'hotfix-hooks', 'logs', tree)


def _safe(name: str) -> str:
    return re.sub(r'[^A-Za-z0-9_.-]+', '-', name)


def rel_path(path: str | None, root: str) -> str:
    if not path:
        return ''
    rel = os.path.relpath(path, root)
    return path if rel.startswith('..') else rel


# -- one pushed ref -----------------------------------------------------------------
def gate_one(judged: Judged, opts: GateOptions, progress_stream: TextIO, live: bool
             ) -> GateRun:
    """Plan, reuse, run and record the gates of one pushed ref, with the policy it is
    judged by (a hotfix: its base side's, ``pipeline/trust.py``)."""
    ctx, policy = judged.ctx, judged.policy
    run = GateRun(branch=ctx.branch, notes=judged.notes, policy=policy)
    if ctx.mode not in ('none', 'tag') and ctx.branch is None:
        # fail closed: a hook that cannot tell the branch must not pass quietly

        run.findings = check_branch(None, policy)
        run.skipped_reason = ('cannot tell which branch this is, so the gates did not run '
                              '(pass --branch NAME)')
        return run
    if ctx.mode in ('none', 'tag') or not gated_branch(ctx.branch, policy):
        run.skipped_reason = skip_reason(ctx)
        return run
    ranged = _as_range(ctx, judged, run)
    if ranged is None:
        return run
    ctx = ranged
    assert ctx.head is not None        # a range has its head commit
    run.commit = ctx.head
    run.tree = plumbing.rev_parse(ctx.head, ctx.root, peel='tree') or ''

    parts, record = _select(ctx, policy, judged)
    specs: list[GateSpec] = []
    for part in parts:
        gov, selection = part.governed, part.selection
        run.domains.update({gov.qualify(name): gov.to_repo(selection.because(name))
                            for name in selection.selected})
        run.untouched += [gov.qualify(name) for name in selection.untouched]
        run.unmatched += [gov.to_repo(p) for p in selection.unmatched
                          if not record or gov.to_repo(p) != record[0]]
        specs += gate_plan.part_specs(gov.policy, selection, gov.folder, part.not_run,
                                      gov.label if len(parts) > 1 or gov.folder else '')
        if gov.folder or len(parts) > 1:
            run.notes.append(f'{gov.folder or "."}/: the gates and domains of {gov.label}')
    rollback, source, problems = gate_plan.rollback_command(opts.rollback_dry_run, record,
                                                            policy)
    run.findings += problems
    specs += gate_plan.rollback_spec(policy, rollback, source)

    previous: dict[str, GateResult] = {}
    if not opts.rerun:
        previous, rejected = evidence.load_checked(ctx.git_dir, run.tree)
        if rejected:
            run.notes.append(f'evidence {rejected}')
    digest = policy.digest()
    reused = {s.name: r for s in specs
              if (r := gate_plan.reusable(s, previous, run.tree, digest)) is not None}
    run.reused = set(reused)
    to_run = [s for s in specs if s.name not in reused]

    with gate_process.signals_interrupt():
        fresh = _execute(ctx, policy, opts, run, to_run, progress_stream, live)
    for spec in specs:
        if spec.name in reused:
            run.results.append(reused[spec.name])
        elif spec.name in fresh:
            run.results.append(fresh[spec.name])
    if not rollback:
        if 'rollback' in reused:
            run.results.append(reused['rollback'])
        else:
            fresh['rollback'] = _no_rollback(run, policy, record)
            run.results.append(fresh['rollback'])
    if fresh and run.tree:
        run.evidence_path = evidence.store(ctx.git_dir, run.tree, list(fresh.values()))
    elif run.tree:
        run.evidence_path = os.path.join(evidence.evidence_dir(ctx.git_dir), f'{run.tree}.json')
    run.findings += result_findings(run, ctx.root)
    return run


def _as_range(ctx: context.Context, judged: Judged, run: GateRun) -> context.Context | None:
    """A push is a range already; a manual or CI run gates the committed HEAD."""
    import copy

    if ctx.mode == 'range':
        return ctx
    head = plumbing.rev_parse('HEAD', ctx.root)
    if head is None:
        run.skipped_reason = 'no commit yet: nothing to gate'
        return None
    base = ctx.base if ctx.mode == 'worktree' else judged.base_commit
    if base is None:
        base = context.resolve(context.Request(branch=ctx.branch, stage='manual'),
                               trust.neutral(judged.policy, judged.policy.get('base')),
                               cwd=ctx.root).base
    ctx = copy.copy(ctx)
    ctx.mode, ctx.head, ctx.base = 'range', head, base
    run.notes.append(f'not a push: gating the committed HEAD ({head[:12]}); uncommitted '
                     'changes are not part of it')
    return ctx


@dataclasses.dataclass
class Part:
    """What one governing policy gates in this push: its domain selection over its part of
    the change, and what of it cannot run on the pushed tree (gate name -> why)."""

    governed: Governed
    selection: DomainSelection
    not_run: dict[str, str]


def _select(ctx: context.Context, policy: Policy, judged: Judged
            ) -> tuple[list[Part], tuple[str, str | None] | None]:
    """(one ``Part`` per governing policy of the changed files, (record path, record text
    in the pushed commit) or None). The record is the hotfix's, not a folder's: it makes
    no folder's gates run. Folder policies are read from where the root policy was (the
    base side on a hotfix branch: ``Judged.policy_reader``)."""

    changes = git_changes.build(ctx, policy)
    try:
        ticket = branch_ticket(ctx.branch, policy)
        record = None
        if ticket:
            rpath = record_path(policy, ticket)
            data = changes.head.read(rpath)
            record = (rpath, None if data is None else data.decode('utf-8', 'replace'))
        tree = PolicyTree(policy, judged.policy_reader() or changes.head.read, repo=ctx.root,
                          cache=ctx.use_cache)
        parts = [Part(gov, gate_plan.select_domains(part, gov.policy['domains']),
                      gate_plan.unconfigured(gov.policy, part.head))
                 for gov, part in governed_parts(changes, tree,
                                                 leave_out=[record[0]] if record else [])]
    finally:
        changes.close()
    return parts, record


def _execute(ctx: context.Context, policy: Policy, opts: GateOptions, run: GateRun,
             to_run: Sequence[GateSpec], progress_stream: TextIO, live: bool
             ) -> dict[str, GateResult]:
    """Run ``to_run`` on the pushed commit; the results by name (interrupted ones left out).

    In place when the working tree is clean, has the pushed tree and no other ``gate`` run
    holds it; then checked: when the working tree changed while the gates ran, they run
    again in a temporary worktree. Otherwise in a temporary worktree from the start."""

    if not to_run:
        run.workspace, run.workspace_why = 'nothing run', 'every gate already passed on this tree'
        return {}
    logs = log_dir(ctx.git_dir, run.tree)
    try:
        os.makedirs(logs, exist_ok=True)
        os.makedirs(evidence_dir(ctx.git_dir), exist_ok=True)
    except OSError as e:

        raise GitError(f'cannot write the gate logs and evidence under '
                       f'{os.path.join(ctx.git_dir, "hotfix-hooks")}: {e.strerror}',
                       hint='make it a writable folder (remove what is in the way)') from None

    def log_path(spec: GateSpec) -> str:
        return os.path.join(logs, _safe(spec.name) + '.log')

    jobs = opts.jobs if opts.jobs is not None else policy.section('gate')['jobs']

    def run_in(where: str) -> dict[str, gate_process.Outcome]:
        outcomes, run.interrupted = gate_process.run_all(
            runnable, where, log_path, gate_process.child_env(), jobs,
            gate_process.Progress(progress_stream, live))
        return outcomes

    runnable = [spec for spec in to_run if not spec.not_run]
    outcomes: dict[str, gate_process.Outcome] | None = None
    if not runnable:
        run.workspace, run.workspace_why = 'nothing run', 'no gate is configured to run'
        outcomes = {}
    else:
        with working_tree_lock(ctx.git_dir) as mine:
            problem = in_place_problem(ctx.root, run.commit, run.tree)
            if not problem and not mine:
                problem = 'another "hotfix-hooks gate" run is using the working tree'
            if not problem:
                run.workspace = 'in place'
                run.workspace_why = 'working tree clean, HEAD has the pushed tree'
                before = snapshot(ctx.root)
                outcomes = run_in(ctx.root)
                changed = '' if run.interrupted else changed_during(ctx.root, run.commit,
                                                                    run.tree, before)
                if changed:
                    run.notes.append(f'the working tree is no longer the pushed tree after the '
                                     f'in-place run ({changed}): the gates ran again in a '
                                     'temporary worktree of the pushed commit')
                    problem = 'the working tree changed during the in-place run'
                    outcomes = None
        if outcomes is None:
            run.workspace, run.workspace_why = 'temporary worktree', problem
            with isolated(ctx.root, run.commit) as where:
                outcomes = run_in(where)
    unwritable = [o.detail for o in outcomes.values() if o.status == 'error'
                  and o.detail.startswith('cannot write ')]
    if unwritable:
        for spec in to_run:
            with contextlib.suppress(OSError):
                os.unlink(log_path(spec))
        raise GitError(unwritable[0], hint='free some disk space and run the gates again')
    runner = opts.runner
    digest = policy.digest()
    fresh: dict[str, GateResult] = {}
    for spec in to_run:
        if spec.not_run:
            now = utc_now()
            fresh[spec.name] = GateResult(
                name=spec.name, kind=spec.kind, command=list(spec.command),
                status='not-configured', exit_code=None, duration_s=0.0, commit=run.commit,
                tree=run.tree, started_at=now, finished_at=now,
                detail=f'not configured: {spec.not_run}')
            continue
        out = outcomes.get(spec.name)
        if out is None:
            continue
        detail = '; '.join(d for d in (out.detail, spec.detail) if d)
        fresh[spec.name] = GateResult(
            name=spec.name, kind=spec.kind, command=list(spec.command), status=out.status,
            exit_code=out.exit_code, duration_s=out.duration_s, commit=run.commit,
            tree=run.tree, started_at=out.started_at, finished_at=out.finished_at,
            log=log_path(spec), detail=detail, setup=[list(s) for s in spec.setup],
            cwd=spec.cwd, env=dict(spec.env), policy_digest=digest, version=__version__,
            runner=runner)
    return fresh


def _no_rollback(run: GateRun, policy: Policy, record: tuple[str, str | None] | None
                 ) -> GateResult:
    """The 'skipped' rollback result, and the finding saying where to put the command."""

    rec = record[0] if record else record_path(policy, '<ticket>')
    run.findings.append(Finding(
        rule='gate-rollback-dry-run-missing', category='gate',
        severity='error' if policy.section('gate')['rollback_required'] else 'warning',
        message='no rollback dry-run command: the protocol requires the rollback path '
                'to be tested in dry-run before merge',
        hint=f'set [rollback] dry_run in {rec}, or [tool.hotfix-hooks.gate] '
             'rollback_dry_run, or pass --rollback-dry-run CMD'))
    now = utc_now()
    return GateResult(name='rollback', kind='rollback', command=[], status='skipped',
                      exit_code=None, duration_s=0.0, commit=run.commit, tree=run.tree,
                      started_at=now, finished_at=now, detail='no rollback dry-run command')


def result_findings(run: GateRun, root: str) -> list[Finding]:
    """One finding per failed gate (category gate), with the log to read."""
    rules = {'fail': 'gate-failed', 'timeout': 'gate-timeout', 'error': 'gate-could-not-run',
             'not-configured': 'gate-not-configured'}
    out = []
    for r in run.results:
        if r.status not in rules or r.name in run.reused:
            continue
        what = {'gate': 'gate', 'domain': 'regression subset', 'rollback': 'rollback dry-run'}
        label = f'{what.get(r.kind, "gate")} `{r.name}`'
        log = rel_path(r.log, root)
        if r.status == 'not-configured':
            folder, _, local = r.name.rpartition('/')
            section = (f'domains.{local.removeprefix("domain:")}' if r.kind == 'domain'
                       else 'gates')
            where = f' in {folder}/' if folder else ''
            message = (f'{label} is not configured for this repository: '
                       f'{r.detail.removeprefix("not configured: ")}')
            hint = ('run "hotfix-hooks init" to write a policy with this repository\'s own '
                    'gates and domains, or set [tool.hotfix-hooks.'
                    f'{section}]{where} yourself' if 'proposal' not in r.detail else
                    f'check the command of [tool.hotfix-hooks.{section}]{where}, then delete '
                    'its "proposed = true" line to confirm it')
        elif r.status == 'error':
            message = f'{label}: {r.detail}'
            hint = ('install the command or fix its path in the policy ([tool.hotfix-hooks.'
                    f'{"domains" if r.kind == "domain" else "gates"}]); log: {log}')
        elif r.status == 'timeout':
            message = f'{label} {r.detail}: `{" ".join(r.command)}`'
            hint = f'see what hung in {log}, or raise its timeout in the policy'
        elif 'collected no tests' in r.detail:
            message = f'{label} selected no tests ({r.detail}): `{" ".join(r.command)}`'
            section = (f'domains.{r.name.removeprefix("domain:")}' if r.kind == 'domain'
                       else 'gates')
            hint = ('add regression tests for it, or point its command at the right ones '
                    f'([tool.hotfix-hooks.{section}] command)')
        else:
            message = f'{label} failed ({r.detail}): `{" ".join(r.command)}`'
            hint = f'fix the code (log: {log}), then push again'
        out.append(Finding(rule=rules[r.status], category='gate', severity='error',
                           message=message, hint=hint,
                           extra={'gate': r.name, 'log': r.log, 'commit': r.commit,
                                  'tree': r.tree}))
    if run.interrupted:
        out.append(Finding(rule='gate-interrupted', category='gate', severity='error',
                           message='interrupted: the gates did not all run',
                           hint='push again to run them'))
    return out


def skip_reason(ctx: context.Context | BranchRef) -> str:
    """Why nothing is gated for this context (or, before any range is resolved, ref)."""
    if ctx.mode == 'none':
        return 'a branch deletion: nothing to gate'
    if ctx.mode == 'tag':
        return f'a tag push ({ctx.tag}): nothing to gate'
    what = f'branch {ctx.branch!r}' if ctx.branch else 'an unknown branch (detached HEAD)'
    return f'{what} is not a hotfix branch: no gates to run'
