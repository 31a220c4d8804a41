"""End to end: the hotfix-record hook through the real pre-commit framework on git push."""
from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

from tests.support.gitrepo import GitRepo
from tests.support.records import COMPLETE
from tests.support.records import edit
from tests.support.records import PATH

pytestmark = pytest.mark.e2e


def test_push_needs_the_record_and_ci_needs_the_approvals(
        consumer: Callable[..., GitRepo]) -> None:
    repo = consumer(['hotfix-record'])
    repo.checkout('hotfix/ARIS-77-fix-stock-totals', create=True)
    repo.commit('ARIS-77 fix', files={'app/api.py': 'TOTAL = 2\n'})
    res = repo.run(['git', 'push', 'origin', 'HEAD'], check=False)
    out = res.stdout + res.stderr
    assert res.returncode != 0
    assert f'{PATH}: error [record-missing] no hotfix record for ARIS-77' in out

    # the record with one approval pending: pushed (a warning), not yet mergeable
    repo.commit('ARIS-77 record', files={PATH: edit(COMPLETE, 'approved_at', '""')})
    res = repo.run(['git', 'push', 'origin', 'HEAD'], check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    ci = [sys.executable, '-m', 'pre_commit', 'run', '--hook-stage', 'manual',
          'hotfix-record', '--from-ref', 'main', '--to-ref', 'HEAD']
    res = repo.run(ci, check=False)
    assert res.returncode == 0, res.stdout

    # CI on the pull request: the same hook with --require-approvals
    config = (repo.path / '.pre-commit-config.yaml').read_text()
    ci_config = config.replace('id: hotfix-record',
                               "id: hotfix-record\n        args: ['--require-approvals']")
    (repo.path.parent / 'ci-config.yaml').write_text(ci_config)
    res = repo.run([*ci, '-c', str(repo.path.parent / 'ci-config.yaml')], check=False)
    assert res.returncode == 1
    assert 'error [record-approval-pending] the incident owner (Ines Incident)' in res.stdout
