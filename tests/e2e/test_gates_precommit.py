"""End to end: ``git push`` runs the gates through the real pre-commit framework
(hook id ``hotfix-gates``), against a local bare remote."""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.gate_service import BASE_FILES
from tests.support.gate_service import PYPROJECT
from tests.support.gitrepo import GitRepo

pytestmark = pytest.mark.e2e
BRANCH = 'hotfix/ARIS-77-fix-stock-totals'


class Pusher:
    def __init__(self, repo: GitRepo, marks: Path) -> None:
        self.repo = repo
        self.marks = marks
        repo.env['GATE_MARKS'] = str(marks)

    def push(self, *args: str) -> tuple[int, str]:
        res = self.repo.run(['git', 'push', *args], check=False)
        return res.returncode, res.stdout + res.stderr

    def ran(self) -> list[str]:
        return self.marks.read_text().split('\n')[:-1] if self.marks.exists() else []

    def remote_sha(self, branch: str = BRANCH) -> str:
        out = self.repo.git('ls-remote', '--heads', 'origin', branch)
        return out.split()[0] if out else ''


@pytest.fixture
def pusher(consumer: Callable[..., GitRepo], tmp_path: Path) -> Pusher:
    files = dict(BASE_FILES)
    files['pyproject.toml'] = PYPROJECT.replace(
        'name = "smoke"\n', 'name = "smoke"\ntimeout = 1.5\n')
    repo = consumer(['hotfix-gates'], hook_types=('pre-push',), files=files)
    repo.checkout(BRANCH, create=True)
    return Pusher(repo, tmp_path / 'marks.txt')


def test_failing_smoke_blocks_the_push(pusher: Pusher) -> None:
    pusher.repo.commit('ARIS-77 fix', files={'app/state.txt': 'broken\n',
                                             'app/pos/checkout.py': 'total = 2\n'})
    code, out = pusher.push('origin', 'HEAD')
    assert code != 0
    assert 'hotfix pre-push gates' in out and 'Failed' in out
    assert '[gate-failed] gate `smoke` failed (exit 1)' in out
    assert '| AssertionError: stock totals drifted' in out
    assert 'pos          touched by app/pos/checkout.py' in out
    assert pusher.remote_sha() == ''                         # nothing reached the remote


def test_passing_push_goes_through_and_the_same_tree_is_not_gated_twice(
        pusher: Pusher) -> None:
    sha = pusher.repo.commit('ARIS-77 fix', files={'app/stock/totals.py': 'drift = 0  # x\n'})
    code, out = pusher.push('-u', 'origin', 'HEAD')
    assert code == 0, out
    assert pusher.remote_sha() == sha
    assert pusher.ran() == ['smoke', 'integrity', 'domain:stock']
    # verbose hook: the table is shown on success too
    assert 'stock        touched by app/stock/totals.py' in out
    assert 'hotfix-hooks gate: passed (3 pass, 1 skipped)' in out

    # same tree, new commit (reworded): the push reuses the evidence, runs nothing
    pusher.repo.git('commit', '--amend', '-q', '-m', 'ARIS-77 fix stock totals drift')
    code, out = pusher.push('--force', 'origin', 'HEAD')
    assert code == 0, out
    assert pusher.remote_sha() == pusher.repo.head() != sha
    assert pusher.ran() == ['smoke', 'integrity', 'domain:stock']
    assert 'reused: passed on this tree' in out


def test_non_hotfix_branch_push_runs_nothing(pusher: Pusher) -> None:
    pusher.repo.checkout('feature/reports', create=True, start='main')
    pusher.repo.commit('reports', files={'app/state.txt': 'broken\n'})
    code, out = pusher.push('origin', 'HEAD')
    assert code == 0, out
    assert "branch 'feature/reports' is not a hotfix branch: no gates to run" in out
    assert pusher.ran() == []
    assert pusher.remote_sha('feature/reports')


def test_hanging_gate_is_killed_at_its_timeout(pusher: Pusher) -> None:
    pusher.repo.commit('ARIS-77 fix', files={'app/state.txt': 'hang\n'})
    t0 = time.monotonic()
    code, out = pusher.push('origin', 'HEAD')
    assert time.monotonic() - t0 < 60
    assert code != 0
    assert '[gate-timeout] gate `smoke` timed out after 1.5s (process group killed)' in out
    pid = int(Path(str(pusher.marks) + '.pid').read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert pusher.remote_sha() == ''


def test_manual_stage_gates_the_committed_head(pusher: Pusher) -> None:
    """What CI or a person runs: pre-commit run --hook-stage manual hotfix-gates."""
    import sys

    pusher.repo.commit('ARIS-77 fix', files={'app/pos/checkout.py': 'total = 2\n'})
    res = pusher.repo.run([sys.executable, '-m', 'pre_commit', 'run', '--hook-stage', 'manual',
                           'hotfix-gates'], check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    assert 'pos          touched by app/pos/checkout.py' in res.stdout
    assert pusher.ran() == ['smoke', 'integrity', 'domain:pos']
