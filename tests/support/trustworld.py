"""A service repository for the adversarial trust tests: main with a policy, gates that
really run (``gate_service``), an Alembic history, a bare ``origin``; hotfix branches
committed by named people; CI runs in a fresh clone of ``origin`` at a detached HEAD, as a
CI checkout is."""
from __future__ import annotations

import itertools
import json
import os
import sys
from pathlib import Path
from typing import Any

from tests.support.cli import Result
from tests.support.cli import run_cli
from tests.support.gate_service import BASE_FILES
from tests.support.gate_service import PYPROJECT
from tests.support.gitrepo import GitRepo
from tests.support.migration_fixtures import INIT
from tests.support.migration_fixtures import V

BRANCH = 'hotfix/ARIS-5-drop-legacy'
DROP = '''"""drop users.legacy_code

Revision ID: c3d4e5f6a7b8
Revises: a1f0c2d3e4b5
"""
from alembic import op
import sqlalchemy as sa

revision = 'c3d4e5f6a7b8'
down_revision = 'a1f0c2d3e4b5'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_column('users', 'legacy_code')


def downgrade() -> None:
    pass
'''
ROLLBACK = 'python scripts/rollback.py --dry-run'
_counter = itertools.count()


def person(name: str, email: str | None = None) -> dict[str, str]:
    """GIT_AUTHOR_* and GIT_COMMITTER_* of one person."""
    email = email or f'{name.lower()}@example.com'
    return {'GIT_AUTHOR_NAME': name, 'GIT_AUTHOR_EMAIL': email,
            'GIT_COMMITTER_NAME': name, 'GIT_COMMITTER_EMAIL': email}


DEV = person('Dana')
IVY = person('Ivy')
RAFA = person('Rafa')


class World:
    def __init__(self, tmp: Path, policy: str = PYPROJECT) -> None:
        self.tmp = tmp
        self.repo = GitRepo(tmp / 'service')
        self.origin = self.repo.add_bare_remote()
        self.marks = tmp / 'marks.txt'
        self.repo.commit('service', {**BASE_FILES, 'pyproject.toml': policy,
                                     f'{V}/0001_init.py': INIT})
        self.repo.git('push', '-q', '-u', 'origin', 'main')
        self.repo.git('remote', 'set-head', 'origin', 'main')

    @property
    def env(self) -> dict[str, str]:
        return {'GATE_MARKS': str(self.marks),
                'PATH': os.path.dirname(sys.executable) + os.pathsep + os.environ['PATH']}

    def commit(self, who: dict[str, str], message: str,
               files: dict[str, str | bytes | None]) -> str:
        """A commit authored and committed by ``who``."""
        for rel, content in files.items():
            if content is None:
                self.repo.git('rm', '-q', '--', rel)
            else:
                self.repo.write(rel, content)
        self.repo.git('add', '-A')
        self.repo.git('commit', '-q', '--no-verify', '-m', message, env=who)
        return self.repo.head()

    def branch(self, name: str = BRANCH, start: str = 'main') -> None:
        self.repo.git('checkout', '-q', '-B', name, start)

    def push(self, name: str = BRANCH) -> None:
        """``git push --no-verify``: what a developer skipping the hooks does."""
        self.repo.git('push', '-q', '--no-verify', '-f', 'origin', name)

    def run(self, *args: str, env: dict[str, str] | None = None) -> Result:
        return run_cli(self.repo, *args, env={**self.env, **(env or {})})

    def ci(self, *args: str, branch: str = BRANCH, pr_base: str | None = None,
           origin_head: bool = True) -> Result:
        """``hotfix-hooks ci`` in a fresh clone of origin at the pushed branch (detached), as
        GitHub Actions runs it: a branch build (only the branch name known) or, with
        ``pr_base``, a pull request whose base commit is ``pr_base``."""
        clone = self.repo.clone(self.tmp / f'ci-{next(_counter)}')
        clone.git('checkout', '-q', '--detach', f'origin/{branch}')
        if not origin_head:
            clone.git('remote', 'set-head', 'origin', '-d')
        env = {**self.env, 'GITHUB_ACTIONS': 'true', 'CI': 'true',
               'GITHUB_SHA': clone.head()}
        if pr_base is None:
            env['GITHUB_REF'] = f'refs/heads/{branch}'
        else:
            event = self.tmp / f'event-{next(_counter)}.json'
            event.write_text(json.dumps({'pull_request': {
                'title': 'Hotfix: ARIS-5 drop the legacy code column',
                'base': {'ref': 'main', 'sha': pr_base}, 'head': {'ref': branch}}}))
            env.update({'GITHUB_REF': 'refs/pull/5/merge', 'GITHUB_HEAD_REF': branch,
                        'GITHUB_BASE_REF': 'main', 'GITHUB_EVENT_PATH': str(event)})
        self.last_clone = clone
        return run_cli(clone, 'ci', *args, env=env)


def findings(res: Result) -> list[dict[str, Any]]:
    data = json.loads(res.stdout)
    return list(data['findings'])


def located(res: Result) -> list[tuple[str, str | None, str, bool]]:
    """(rule, path, severity, waived) of every finding, sorted."""
    return sorted((f['rule'], f['path'], f['severity'], f['waived']) for f in findings(res))
