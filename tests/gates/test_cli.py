"""``hotfix-hooks gate`` in real repositories: the gates run as real processes; the command
runs in-process (support/cli.py) except for Ctrl-C, which needs a process to signal."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.cli import Result
from tests.support.cli import run_cli
from tests.support.gate_service import BASE_FILES
from tests.support.gate_service import PYPROJECT
from tests.support.gitrepo import _with_pythonpath
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import assert_error

BRANCH = 'hotfix/ARIS-77-fix-stock-totals'


class Consumer:
    def __init__(self, repo: GitRepo, marks: Path) -> None:
        self.repo = repo
        self.marks = marks
        self.env = {'GATE_MARKS': str(marks),
                    'PATH': os.path.dirname(sys.executable) + os.pathsep + os.environ['PATH']}

    def gate(self, *args: str, input: str | None = None) -> Result:
        return run_cli(self.repo, 'gate', *args, env=self.env, stdin=input)

    def ran(self) -> list[str]:
        if not self.marks.exists():
            return []
        return self.marks.read_text().split('\n')[:-1]

    def policy(self, text: str) -> None:
        """A new policy committed on main, the hotfix branch rebased onto it (a hotfix is
        judged by its base side's policy)."""
        branch = self.repo.git('rev-parse', '--abbrev-ref', 'HEAD')
        self.repo.checkout('main')
        self.repo.commit('policy', files={'pyproject.toml': text})
        self.repo.checkout(branch)
        self.repo.git('rebase', '-q', 'main')

    def evidence(self, rev: str = 'HEAD') -> dict:
        tree = self.repo.git('rev-parse', f'{rev}^{{tree}}')
        path = self.repo.path / '.git' / 'hotfix-hooks' / 'evidence' / f'{tree}.json'
        return json.loads(path.read_text())


@pytest.fixture
def consumer(make_repo: Callable[..., GitRepo], tmp_path: Path) -> Consumer:
    repo = make_repo('consumer')
    repo.commit('init', files=BASE_FILES)
    repo.checkout('hotfix/ARIS-77-fix-stock-totals', create=True)
    return Consumer(repo, tmp_path / 'marks.txt')


def test_non_hotfix_branch_runs_nothing(consumer: Consumer) -> None:
    consumer.repo.checkout('feature/new-report', create=True)
    consumer.repo.commit('feature', files={'app/stock/totals.py': 'drift = 2\n'})
    res = consumer.gate()
    assert res.returncode == 0, res.stderr
    assert "branch 'feature/new-report' is not a hotfix branch: no gates to run" in res.stdout
    assert consumer.ran() == []
    # nothing analysed: at most the validated policy file is in the cache
    info = json.loads(run_cli(consumer.repo, 'cache', 'info', '--format', 'json').stdout)
    assert set(info['namespaces']) <= {'policy.file'}


def test_branch_option_overrides_the_checked_out_branch(consumer: Consumer) -> None:
    consumer.repo.commit('fix', files={'app/pos/checkout.py': 'total = 2\n'})
    res = consumer.gate('--branch', 'docs/typo')
    assert res.returncode == 0
    assert "branch 'docs/typo' is not a hotfix branch" in res.stdout
    assert consumer.ran() == []
    consumer.repo.checkout('release/0.1', create=True)
    res = consumer.gate('--branch', 'release/0.1')
    assert 'not a hotfix branch' in res.stdout
    consumer.repo.commit('policy', files={
        'pyproject.toml': PYPROJECT.replace('base = "main"\n',
                                            'base = "main"\nrelease_branches = ["release/*"]\n')})
    res = consumer.gate('--branch', 'release/0.1')
    assert res.returncode == 0, res.stdout
    assert consumer.ran()[:2] == ['smoke', 'integrity']


def test_hotfix_branch_runs_gates_and_touched_domains(consumer: Consumer) -> None:
    consumer.repo.commit('fix', files={'app/stock/totals.py': 'drift = 0  # fixed\n',
                                       'app/config.py': 'X = 2\n'})
    res = consumer.gate()
    assert res.returncode == 0, res.stdout + res.stderr
    assert consumer.ran() == ['smoke', 'integrity', 'domain:stock']
    out = res.stdout
    assert 'ran: in place (working tree clean, HEAD has the pushed tree)' in out
    assert 'stock        touched by app/stock/totals.py' in out
    assert 'not touched: pos, transfers, rbac' in out
    assert 'changed files matching no domain:\n    app/config.py' in out
    assert out.endswith('hotfix-hooks gate: passed (3 pass, 1 skipped)\n')
    assert '[gate-rollback-dry-run-missing]' in out          # a warning: exit 0
    ev = consumer.evidence()
    assert set(ev['results']) == {'smoke', 'integrity', 'domain:stock', 'rollback'}
    smoke = ev['results']['smoke']
    assert smoke['status'] == 'pass' and smoke['commit'] == consumer.repo.head()
    assert smoke['command'] == ['python', 'scripts/smoke.py']
    assert 'smoke: state is ok' in Path(smoke['log']).read_text()
    assert ev['results']['domain:stock']['detail'] == 'touched by app/stock/totals.py'
    assert ev['results']['rollback']['status'] == 'skipped'


def test_nothing_touched_says_so(consumer: Consumer) -> None:
    consumer.repo.commit('docs', files={'README.md': 'consumer docs\n'})
    res = consumer.gate()
    assert res.returncode == 0
    assert "impacted domains: none (no changed file matches a domain's paths)" in res.stdout
    assert 'changed files matching no domain:\n    README.md' in res.stdout
    assert consumer.ran() == ['smoke', 'integrity']


def test_same_tree_reuses_evidence_until_rerun(consumer: Consumer) -> None:
    consumer.repo.commit('fix', files={'app/pos/checkout.py': 'total = 2\n'})
    assert consumer.gate().returncode == 0
    assert consumer.ran() == ['smoke', 'integrity', 'domain:pos']
    # a new commit with the same tree (amended message): nothing runs again
    consumer.repo.git('commit', '--amend', '-q', '-m', 'fix: ARIS-77 pos total')
    res = consumer.gate()
    assert res.returncode == 0
    assert consumer.ran() == ['smoke', 'integrity', 'domain:pos']
    assert 'ran: nothing run (every gate already passed on this tree)' in res.stdout
    assert 'reused: passed on this tree at ' in res.stdout
    res = consumer.gate('--rerun')
    assert res.returncode == 0
    assert consumer.ran() == ['smoke', 'integrity', 'domain:pos'] * 2


def test_results_for_another_tree_never_count(consumer: Consumer) -> None:
    consumer.repo.commit('fix', files={'app/pos/checkout.py': 'total = 2\n'})
    assert consumer.gate().returncode == 0
    consumer.repo.commit('fix more', files={'app/pos/checkout.py': 'total = 3\n'})
    assert consumer.gate().returncode == 0
    assert consumer.ran() == ['smoke', 'integrity', 'domain:pos'] * 2


def test_failing_gate_exits_1_with_table_and_tail(consumer: Consumer) -> None:
    consumer.repo.commit('oops', files={'app/state.txt': 'broken\n'})
    res = consumer.gate()
    assert res.returncode == 1
    out = res.stdout
    assert re.search(r'\n  smoke +FAIL +\d+\.\ds  exit 1\n', out)
    assert re.search(r'\n  integrity +pass ', out)
    assert '--- last 30 lines of smoke (.git/hotfix-hooks/logs/' in out
    assert '  | AssertionError: stock totals drifted' in out
    assert "[gate-failed] gate `smoke` failed (exit 1): `python scripts/smoke.py`" in out
    assert 'hotfix-hooks: FAILED: 1 error(s)' in out
    assert out.endswith('hotfix-hooks gate: FAILED: 1 of 3 failed (smoke); 1 pass, 1 skipped\n')
    assert consumer.evidence()['results']['smoke']['status'] == 'fail'
    # a failure is not reused: the next run tries again
    consumer.gate()
    assert consumer.ran().count('smoke') == 2


def test_missing_script_is_a_clear_failure(consumer: Consumer) -> None:
    consumer.repo.commit('rm', files={'scripts/post_go_live_integrity_check.py': None})
    res = consumer.gate()
    assert res.returncode == 1
    assert ('[gate-could-not-run] gate `integrity`: scripts/post_go_live_integrity_check.py '
            'not found') in res.stdout
    assert 'Traceback' not in res.stdout + res.stderr


def test_dirty_tree_runs_the_committed_content_in_a_temporary_worktree(
        consumer: Consumer) -> None:
    consumer.repo.commit('good', files={'app/pos/checkout.py': 'total = 2\n'})
    consumer.repo.write('app/state.txt', 'broken\n')          # not committed
    res = consumer.gate()
    assert res.returncode == 0, res.stdout
    assert ('ran: temporary worktree (the working tree has uncommitted or untracked files: '
            'app/state.txt)') in res.stdout
    assert consumer.repo.git('worktree', 'list', '--porcelain').count('worktree ') == 1
    # and the other way round: a broken commit is not rescued by an uncommitted fix
    consumer.repo.commit('bad', files={'app/state.txt': 'broken\n'})
    consumer.repo.write('app/state.txt', 'ok\n')
    assert consumer.gate().returncode == 1


def test_head_elsewhere_runs_the_pushed_commit(consumer: Consumer) -> None:
    good = consumer.repo.commit('good', files={'app/pos/checkout.py': 'total = 2\n'})
    consumer.repo.commit('later', files={'app/state.txt': 'broken\n'})
    res = consumer.gate('--from-ref', 'main', '--to-ref', good)
    assert res.returncode == 0, res.stdout
    assert 'does not have the pushed tree' in res.stdout
    assert consumer.evidence(good)['results']['smoke']['commit'] == good


def test_rollback_dry_run_from_the_record_and_the_cli(consumer: Consumer) -> None:
    consumer.repo.commit('record', files={'hotfixes/ARIS-77.toml': (
        'ticket = "ARIS-77"\n[rollback]\ncommand = "deploy 0.1.0"\n'
        'dry_run = "python scripts/rollback.py --dry-run record"\n')})
    res = consumer.gate()
    assert res.returncode == 0
    assert consumer.ran()[-1] == 'rollback --dry-run record'
    assert 'from hotfixes/ARIS-77.toml [rollback] dry_run' in res.stdout
    assert consumer.evidence()['results']['rollback']['status'] == 'pass'
    res = consumer.gate('--rerun', '--rollback-dry-run', 'python scripts/rollback.py cli')
    assert consumer.ran()[-1] == 'rollback cli'


def test_rollback_required_by_policy_fails_without_one(consumer: Consumer) -> None:
    consumer.policy(PYPROJECT + '\n[tool.hotfix-hooks.gate]\nrollback_required = true\n')
    res = consumer.gate()
    assert res.returncode == 1
    assert 'error [gate-rollback-dry-run-missing]' in res.stdout


def test_json_format(consumer: Consumer) -> None:
    consumer.repo.commit('fix', files={'app/pos/checkout.py': 'total = 2\n'})
    res = consumer.gate('--format', 'json', '--jobs', '2')
    assert res.returncode == 0
    data = json.loads(res.stdout)
    run = data['runs'][0]
    assert run['branch'] == 'hotfix/ARIS-77-fix-stock-totals'
    assert run['domains'] == {'pos': 'app/pos/checkout.py'}
    assert [r['name'] for r in run['results']] == ['smoke', 'integrity', 'domain:pos',
                                                   'rollback']
    assert [f['rule'] for f in data['findings']] == ['gate-rollback-dry-run-missing']
    assert sorted(consumer.ran()) == ['domain:pos', 'integrity', 'smoke']


def test_failed_gates_in_the_report_formats(consumer: Consumer, tmp_path: Path) -> None:
    """The gate table stays on the console; the findings go to the files asked for, with
    the gate (no file of its own) located at a repository file for code scanning."""
    import xml.etree.ElementTree as ET

    consumer.repo.commit('oops', files={'app/state.txt': 'broken\n'})
    res = consumer.gate('--format', 'sarif', '--output', str(tmp_path / 'gate.sarif'),
                        '--format', 'junit', '--output', str(tmp_path / 'gate.xml'),
                        '--format', 'json', '--output', str(tmp_path / 'gate.json'))
    assert res.returncode == 1
    assert re.search(r'\n  smoke +FAIL ', res.stdout)               # the text table
    log = json.loads((tmp_path / 'gate.sarif').read_text())
    [failed] = [r for r in log['runs'][0]['results'] if r['ruleId'] == 'gate-failed']
    assert failed['level'] == 'error' and 'smoke' in failed['message']['text']
    assert failed['locations'][0]['physicalLocation']['artifactLocation']['uri'] == \
        'pyproject.toml'
    suite = ET.parse(tmp_path / 'gate.xml').getroot().find('testsuite')
    assert suite is not None and suite.get('name') == 'gate' and suite.get('failures') == '1'
    assert json.loads((tmp_path / 'gate.json').read_text())['runs'][0]['branch'] == BRANCH


def test_plain_git_pre_push_stdin(consumer: Consumer) -> None:
    sha = consumer.repo.commit('fix', files={'app/pos/checkout.py': 'total = 2\n'})
    line = f'refs/heads/hotfix/ARIS-77-fix-stock-totals {sha} ' \
           f'refs/heads/hotfix/ARIS-77-fix-stock-totals {"0" * 40}\n'
    res = consumer.gate('--stage', 'pre-push', input=line)
    assert res.returncode == 0, res.stdout + res.stderr
    assert consumer.ran() == ['smoke', 'integrity', 'domain:pos']
    res = consumer.gate('--stage', 'pre-push',
                        input=f'(delete) {"0" * 40} refs/heads/hotfix/ARIS-1-x {sha}\n')
    assert res.returncode == 0 and 'nothing to gate' in res.stdout


def test_bad_policy_is_one_line_exit_2(consumer: Consumer) -> None:
    consumer.repo.write('pyproject.toml', '[[tool.hotfix-hooks.gates]]\ncommand = "x"\n')
    res = consumer.gate()
    assert res.returncode == 2
    assert res.stderr.strip() == ('hotfix-hooks gate: error: pyproject.toml: policy key '
                                  'gates[0].name is missing: every gate needs a name')


def test_config_shows_gates_and_domains(consumer: Consumer) -> None:
    res = run_cli(consumer.repo, 'config', '--format', 'json')
    values = json.loads(res.stdout)['values']
    assert [g['name'] for g in values['gates']] == ['smoke', 'integrity']
    assert values['domains']['pos']['command'] == ['python', 'scripts/regress.py', 'pos']
    assert values['gate']['rollback_required'] is False


@pytest.mark.parametrize('sig', ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'])
def test_ctrl_c_and_hangup_stop_everything(consumer: Consumer, sig: str) -> None:
    """Ctrl-C, a kill, a closed terminal (SIGHUP) or Ctrl-\\ (SIGQUIT): the process groups are
    killed, the temporary worktree removed, exit 130."""
    consumer.repo.commit('hang', files={'app/state.txt': 'hang\n'})
    consumer.repo.write('notes.txt', 'untracked: the gates run in a temporary worktree\n')
    env = dict(consumer.repo.env)
    env.update(_with_pythonpath(consumer.env))
    proc = subprocess.Popen([sys.executable, '-m', 'hotfix_hooks', 'gate'], cwd=consumer.repo.path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pid_file = Path(str(consumer.marks) + '.pid')
    deadline = time.monotonic() + 20
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pid_file.exists()
    time.sleep(0.1)
    proc.send_signal(getattr(signal, sig))
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert '[gate-interrupted]' in out
    gate_pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(gate_pid, 0)
    assert 'integrity' not in consumer.ran()                 # nothing new started
    assert 'ran: temporary worktree' in out
    assert consumer.repo.git('worktree', 'list', '--porcelain').count('worktree ') == 1
    assert 'INTERRUPTED' in out
    assert 'Traceback' not in err


def test_a_rollback_dry_run_given_only_on_the_command_line_is_not_reused(
        consumer: Consumer) -> None:
    """Evidence counts only for what the policy or the record asks: a dry-run command given
    with --rollback-dry-run once is not what a later plain run (or readiness) proves."""
    consumer.repo.commit('fix', files={'app/config.py': 'X = 5\n'})
    assert consumer.gate('--rollback-dry-run', 'python scripts/rollback.py once').returncode == 0
    res = consumer.gate()
    assert consumer.ran().count('rollback once') == 1
    assert 'gate-rollback-dry-run-missing' in res.stdout


def test_several_refs_in_one_plain_git_push(consumer: Consumer) -> None:
    sha = consumer.repo.commit('fix', files={'app/pos/checkout.py': 'total = 2\n'})
    consumer.repo.checkout('feature/x', create=True)
    other = consumer.repo.commit('feature', files={'app/stock/totals.py': 'drift = 9\n'})
    lines = (f'refs/heads/feature/x {other} refs/heads/feature/x {"0" * 40}\n'
             f'refs/heads/{BRANCH} {sha} refs/heads/{BRANCH} {"0" * 40}\n')
    res = consumer.gate('--stage', 'pre-push', input=lines)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "branch 'feature/x' is not a hotfix branch" in res.stdout
    assert consumer.ran() == ['smoke', 'integrity', 'domain:pos']


def test_domain_without_regression_tests_says_so(consumer: Consumer) -> None:
    consumer.policy(PYPROJECT.replace(
        'command = ["python", "scripts/regress.py", "rbac"]',
        'command = ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "scripts", '
        '"-k", "rbac"]'))
    consumer.repo.commit('rbac', files={'app/rbac/roles.py': 'ADMIN = 1\n'})
    res = consumer.gate()
    assert res.returncode == 1
    assert ('[gate-failed] regression subset `domain:rbac` selected no tests (pytest collected '
            'no tests (exit 5)') in res.stdout
    assert 'fix: add regression tests for it' in res.stdout
    assert '[tool.hotfix-hooks.domains.rbac] command' in res.stdout


def test_gates_are_the_ones_committed_with_the_pushed_tree(consumer: Consumer) -> None:
    consumer.repo.commit('fix', files={'app/pos/checkout.py': 'total = 2\n'})
    # an uncommitted policy edit does not change what proves the pushed tree
    consumer.repo.write('pyproject.toml', PYPROJECT.replace('scripts/smoke.py', 'scripts/nope.py'))
    res = consumer.gate()
    assert res.returncode == 0, res.stdout
    assert consumer.ran() == ['smoke', 'integrity', 'domain:pos']
    assert consumer.evidence()['results']['smoke']['command'] == ['python', 'scripts/smoke.py']


def test_gate_that_cannot_write_its_logs_is_a_one_line_error(hotfix_repo: GitRepo) -> None:
    """.git/hotfix-hooks unusable (a file there, a read-only git dir): exit 2, one line,
    before any gate runs."""
    ran = hotfix_repo.path.parent / 'ran'
    hotfix_repo.commit('policy', {'.hotfix-hooks.toml': '[[gates]]\nname = "g"\n'
                                  f'command = ["touch", "{ran}"]\n'})
    (hotfix_repo.path / '.git' / 'hotfix-hooks').write_text('not a folder\n')
    assert_error(run_cli(hotfix_repo, 'gate'), 'hotfix-hooks')
    assert not ran.exists()


def test_gate_and_record_fail_closed_on_a_detached_head_outside_ci(tmp_path) -> None:
    """A hook that cannot tell the branch must not pass quietly (unknown_branch = error)."""
    repo = GitRepo(tmp_path / 'detached')
    repo.commit('base', {'a.txt': 'a\n'})
    repo.checkout('hotfix/ARIS-5-fix-a', create=True)
    repo.commit('ARIS-5 fix', {'a.txt': 'b\n'})
    repo.git('checkout', '-q', '--detach')
    for cmd in (['gate'], ['record']):
        res = run_cli(repo, *cmd)
        assert res.returncode == 1, (cmd, res.stdout, res.stderr)
        assert '[branch-unknown]' in res.stdout
        assert 'Traceback' not in res.stderr
    res = run_cli(repo, 'gate', '--branch', 'feature/x')
    assert res.returncode == 0                     # naming the branch settles it
