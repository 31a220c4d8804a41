"""Gate evidence as ``hotfix-hooks gate`` would store it for a commit of a test repository,
without running the gates: the results the trusted policy and the record ask for (argv,
setup, cwd, env, policy digest, version), signed with the clone's evidence key."""
from __future__ import annotations

from hotfix_hooks import __version__
from hotfix_hooks.gates import evidence
from hotfix_hooks.gates import plan as gate_plan
from hotfix_hooks.git import changes as git_changes
from hotfix_hooks.git.context import Request
from hotfix_hooks.pipeline import trust
from hotfix_hooks.pipeline.parts import policy_tree
from hotfix_hooks.pipeline.readiness import expected_gates
from hotfix_hooks.pipeline.scan import run_info
from hotfix_hooks.policy import load
from tests.support.gitrepo import GitRepo


def store(repo: GitRepo, *names: str, status: str = 'pass', rev: str = 'HEAD',
          runner: str = 'local', **changed: object) -> None:
    """Results for ``names`` on ``rev``'s tree; ``changed`` overrides fields (a forged
    command, another tree ...)."""
    import os

    commit = repo.git('rev-parse', rev)
    tree = repo.git('rev-parse', f'{rev}^{{tree}}')
    saved = os.getcwd()
    os.chdir(repo.path)
    try:
        judged = trust.resolve(Request(stage='manual'), load(str(repo.path)))
        ctx = judged.ctx
        changes = git_changes.build(ctx, judged.policy, judged.base_commit)
        try:
            ptree = policy_tree(ctx, judged.policy, changes, judged.policy_reader())
            specs = expected_gates(changes, judged.policy, run_info(ctx, judged.policy).ticket,
                                   ptree)
        finally:
            changes.close()
        digest = judged.policy.digest()
    finally:
        os.chdir(saved)
    results = []
    for n in names:
        spec = specs.get(n) or gate_plan.GateSpec(
            name=n, kind='domain' if n.startswith('domain:') else 'gate', command=['t'])
        fields = {
            'name': n, 'kind': spec.kind, 'command': list(spec.command), 'status': status,
            'exit_code': 0 if status == 'pass' else 1, 'duration_s': 2.5, 'commit': commit,
            'tree': tree,
            'started_at': '2026-11-27T12:00:00Z', 'finished_at': '2026-11-27T12:00:03Z',
            'setup': [list(s) for s in spec.setup], 'cwd': spec.cwd, 'env': dict(spec.env),
            'policy_digest': digest, 'version': __version__, 'runner': runner}
        fields.update(changed)
        results.append(evidence.GateResult(**fields))  # type: ignore[arg-type]
    evidence.store(str(repo.path / '.git'), tree, results)
