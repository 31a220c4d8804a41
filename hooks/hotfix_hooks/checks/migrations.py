"""The migration safety guard: ``check(changes, policy, run)`` (hook ``hotfix-migrations``).

The rules (``checks/migrations_judge.py`` over the engine in ``hotfix_hooks.migrations``)
run only when the change can give them something to judge
(``migrations.candidates.change_may_touch``): a changed file that can be a migration on
either side of the change (by folder, SQL naming convention or content), any ``.sql`` file,
an ``alembic.ini``, or a file that cannot be read. Otherwise the revision graph and every
shipped migration are the same blobs on both sides and nothing can be new, so the engine is
not even imported. ``check_unchanged`` / ``scan --all-violations`` (the standing conditions)
always run it.
"""
from __future__ import annotations

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.findings import Finding
from hotfix_hooks.migrations import candidates
from hotfix_hooks.policy import Policy


def check(changes: ChangeSet, policy: Policy, run: RunInfo) -> list[Finding]:
    cfg = policy.section('migrations')
    every = bool(cfg.get('check_unchanged') or run.options.get('all_violations'))
    if not every and not candidates.change_may_touch(changes, cfg.get('folders') or []):
        return []
    from hotfix_hooks.checks.migrations_judge import judge

    return judge(changes, policy, run)
