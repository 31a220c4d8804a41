"""The record commands on real repositories: new writes the record, the hotfix-record hook
(manual and plain-git pre-push), readiness with and without evidence, status against the
protocol's template line by line, decide, and waivers shown by scan."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from hotfix_hooks.record import model as record
from tests.support.cli import run_cli
from tests.support.evidence import store
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import HOTFIX_BRANCH
from tests.support.records import commit_approvals
from tests.support.records import COMPLETE
from tests.support.records import edit
from tests.support.records import PATH
from tests.support.records import pending

BRANCH = 'hotfix/ARIS-77-fix-stock-totals-drift'

# Section 5 of HOTFIX_PROTOCOL_ARIS3_v1.md, verbatim.
PROTOCOL_TEMPLATE = '''\
[ARIS3 HOTFIX STATUS]
Ticket: <ID>
Severity: P0/P1/P2
Customer impact: <summary>
Current decision: patch-forward | rollback-first
Change scope: <one-line technical summary>
Frozen rules check: PASS/FAIL
Checks executed:
- smoke: <result>
- integrity: <result>
- targeted regression: <result>
Rollback plan: <command / release tag>
Owner: <name>
Next update (UTC): <time>
'''
OWNERS = ('[owners]\nincident_owner = ["Ines Incident <ines@example.com>"]\n'
          'release_owner = ["rene@example.com"]\n'
          # a domain map of this repository (the defaults describe the ARIS3 service)
          '[domains.stock]\npaths = ["app/stock/**"]\n'
          'command = ["python", "-m", "pytest", "-q", "tests/stock"]\n')
PLACEHOLDERS = ('<', 'P0/P1/P2', 'PASS/FAIL', 'patch-forward | rollback-first')


@pytest.fixture(scope='module')
def origin(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    """main (an app with stock code and a migration) and a hotfix branch with a complete
    record and a one-line fix outside every integrity area."""
    repo = GitRepo(tmp_path_factory.mktemp('record-cli') / 'repo')
    repo.commit('base', files={
        '.hotfix-hooks.toml': OWNERS,
        'app/api.py': 'def total():\n    return 1\n',
        'app/stock/totals.py': 'def recount():\n    return 0\n',
        'migrations/versions/0030_base.py': 'def upgrade():\n    pass\n',
        'requirements.txt': 'psycopg==3.2.1\n',
    })
    repo.checkout(BRANCH, create=True)
    repo.commit('ARIS-77: fix the total', files={'app/api.py': 'def total():\n    return 2\n',
                                                  PATH: pending(COMPLETE)})
    commit_approvals(repo)              # the owners approve, each in their own commit
    assert (repo.path / PATH).read_text() == COMPLETE.replace(
        'approved_at = 2026-11-27T12:45:00Z', 'approved_at = "2026-11-27T12:45:00Z"')
    return repo


@pytest.fixture
def repo(origin: GitRepo, tmp_path: Path) -> GitRepo:
    return origin.copy_to(tmp_path / 'repo')


def policy_on_main(repo: GitRepo, name: str, text: str) -> None:
    """A policy committed on main, the hotfix branch rebased onto it: a hotfix is judged by
    its base side's policy, never by its own."""
    repo.checkout('main')
    repo.commit('policy', files={name: text})
    repo.checkout(BRANCH)
    repo.git('rebase', '-q', 'main')


def rows(stdout: str) -> dict[str, str]:
    """readiness text output -> {check: RESULT}."""
    out = {}
    for line in stdout.splitlines()[2:]:
        for status in ('PASS', 'FAIL', 'MISSING'):
            if f'  {status}  ' in line or line.rstrip().endswith(f'  {status}'):
                out[line.split(f'  {status}')[0].strip()] = status
    return out


# -- new -------------------------------------------------------------------------------
def test_new_writes_the_record_template_and_commits_nothing(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / 'fresh')
    base = repo.commit('base', files={'app/api.py': 'x = 1\n'})
    res = run_cli(repo, 'new', 'ARIS-77', 'Fix stock totals drift')
    assert res.returncode == 0, res.stderr
    assert f'Wrote the hotfix record {PATH} (not committed)' in res.stdout
    assert (repo.path / PATH).read_text() == record.render_template('ARIS-77')
    assert repo.git('rev-parse', 'HEAD') == base
    assert repo.git('status', '--porcelain') == '?? hotfixes/'
    assert repo.git('branch', '--show-current') == BRANCH
    res = run_cli(repo, 'record')
    assert res.returncode == 1
    assert '[record-field-missing] the record field "owner"' in res.stdout


def test_new_keeps_an_existing_record(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / 'fresh')
    repo.commit('base', files={'app/api.py': 'x = 1\n'})
    repo.write(PATH, COMPLETE)                       # e.g. left over, untracked
    res = run_cli(repo, 'new', 'ARIS-77', 'Fix stock totals drift')
    assert res.returncode == 0 and f'Kept the existing hotfix record {PATH}' in res.stdout
    assert (repo.path / PATH).read_text() == COMPLETE


# -- the hotfix-record hook ------------------------------------------------------------
def test_record_hook_passes_a_complete_record(repo: GitRepo) -> None:
    res = run_cli(repo, 'record', '--require-approvals')
    assert (res.returncode, res.stdout) == (0, '')


def test_pending_approvals_warn_on_push_and_fail_in_ci(repo: GitRepo) -> None:
    text = edit(COMPLETE, 'approved_at', '""')
    repo.commit('pending', files={PATH: text})
    res = run_cli(repo, 'record')
    assert res.returncode == 0
    assert 'warning [record-approval-pending] the incident owner (Ines Incident)' in res.stdout
    res = run_cli(repo, 'record', '--require-approvals')
    assert res.returncode == 1
    assert 'error [record-approval-pending]' in res.stdout


def test_plain_git_pre_push_reads_the_pushed_commit(repo: GitRepo) -> None:
    sha = repo.commit('no owner', files={PATH: edit(COMPLETE, 'owner', '""')})
    repo.write(PATH, COMPLETE)                       # fixed, but not committed
    line = f'refs/heads/{BRANCH} {sha} refs/heads/{BRANCH} {"0" * 40}\n'
    res = run_cli(repo, 'record', '--stage', 'pre-push', stdin=line)
    assert res.returncode == 1
    assert f'{PATH}:7: error [record-field-missing] the record field "owner"' in res.stdout
    assert run_cli(repo, 'record').returncode == 0       # by hand: the working tree


def test_missing_record_fails_and_other_branches_pass(repo: GitRepo) -> None:
    repo.commit('drop record', files={PATH: None})
    res = run_cli(repo, 'record')
    assert res.returncode == 1 and '[record-missing] no hotfix record for ARIS-77' in res.stdout
    repo.checkout('main')
    res = run_cli(repo, 'record', '--require-approvals')
    assert (res.returncode, res.stdout) == (0, '')


def test_ticket_mismatch_through_the_hook(repo: GitRepo) -> None:
    repo.commit('wrong ticket', files={PATH: edit(COMPLETE, 'ticket', '"ARIS-78"')})
    res = run_cli(repo, 'record', '--format', 'json')
    data = json.loads(res.stdout)
    assert res.returncode == 1
    assert [f['rule'] for f in data['findings']] == ['record-ticket-mismatch']


# -- readiness -------------------------------------------------------------------------
def test_readiness_without_evidence_is_not_ready(repo: GitRepo) -> None:
    res = run_cli(repo, 'readiness')
    assert res.returncode == 1, res.stderr
    head = repo.head()[:12]
    assert res.stdout.splitlines()[0] == f'hotfix readiness: {BRANCH} at {head}'
    got = rows(res.stdout)
    assert got['smoke'] == got['integrity'] == got['rollback dry-run'] == 'MISSING'
    # the policy's domain map (stock) is not touched by the fix
    assert got['targeted regression'] == 'PASS'
    assert 'no impacted domain (the change touches none of:' in res.stdout
    assert got['scope and frozen rules'] == got['approvals'] == got['naming'] == 'PASS'
    assert got['hotfix record'] == 'PASS'
    assert f'no result for this commit ({head}): run "hotfix-hooks gate"' in res.stdout
    assert res.stdout.splitlines()[-1].startswith('NOT READY: 3 of 8 checks are not PASS')


def test_readiness_with_evidence_for_this_commit_is_ready(repo: GitRepo) -> None:
    store(repo, 'smoke', 'integrity', 'rollback', 'domain:stock')
    res = run_cli(repo, 'readiness')
    assert res.returncode == 0, res.stdout + res.stderr
    assert set(rows(res.stdout).values()) == {'PASS'}
    head = repo.head()[:12]
    assert f'pass on {head} at 2026-11-27T12:00:03Z, 2.5s' in res.stdout
    assert 'incident_owner: Ines Incident at 2026-11-27T12:40:00Z' in res.stdout
    assert res.stdout.splitlines()[-1] == f'READY: all 8 checks PASS on {head}'
    data = json.loads(run_cli(repo, 'readiness', '--format', 'json').stdout)
    assert data['ready'] is True and data['commit'] == repo.head()
    smoke = [c for c in data['checks'] if c['check'] == 'smoke'][0]
    assert smoke == {'check': 'smoke', 'status': 'PASS', 'commit': repo.head(),
                     'at': '2026-11-27T12:00:03Z', 'evidence': smoke['evidence']}


def test_readiness_ignores_evidence_of_another_tree_and_shows_failures(repo: GitRepo) -> None:
    store(repo, 'smoke', 'integrity', 'rollback', 'domain:stock')
    repo.commit('one more change', files={'app/api.py': 'def total():\n    return 3\n'})
    store(repo, 'integrity', status='fail')
    res = run_cli(repo, 'readiness', '--format', 'json')
    assert res.returncode == 1
    status = {c['check']: c['status'] for c in json.loads(res.stdout)['checks']}
    assert status['smoke'] == 'MISSING' and status['integrity'] == 'FAIL'
    assert status['rollback dry-run'] == 'MISSING'


def test_readiness_reports_pending_approvals_and_scan_errors(repo: GitRepo) -> None:
    policy_on_main(repo, '.hotfix-hooks.toml', OWNERS + '[scope]\nseverity = "error"\n')
    repo.commit('pending, dependency', files={
        PATH: edit(COMPLETE, 'approved_at', '""'), 'requirements.txt': 'psycopg==3.2.3\n'})
    store(repo, 'smoke', 'integrity', 'rollback', 'domain:stock')
    res = run_cli(repo, 'readiness')
    got = rows(res.stdout)
    assert res.returncode == 1
    assert got['approvals'] == 'MISSING' and 'incident_owner: pending' in res.stdout
    assert got['scope and frozen rules'] == 'FAIL'
    assert 'requirements.txt:1: error [scope-dependency-changed]' in res.stdout


def test_readiness_fails_a_record_that_contradicts_the_change(repo: GitRepo) -> None:
    repo.commit('stock fix', files={'app/stock/totals.py': 'def recount():\n    return 1\n'})
    commit_approvals(repo, incident='2026-11-27T13:40:00Z', release='2026-11-27T13:45:00Z')
    store(repo, 'smoke', 'integrity', 'rollback', 'domain:stock')
    res = run_cli(repo, 'readiness')
    assert res.returncode == 1
    assert rows(res.stdout)['hotfix record'] == 'FAIL'
    assert (f'{PATH}: record-data-integrity-undeclared, record-decision-mismatch'
            in res.stdout)
    assert f'{PATH}:26: error [record-data-integrity-undeclared]' in res.stdout
    assert res.stdout.splitlines()[-1] == ('NOT READY: 1 of 8 checks are not PASS '
                                           '(hotfix record)')


# -- status ----------------------------------------------------------------------------
def status_lines(repo: GitRepo) -> list[str]:
    res = run_cli(repo, 'status')
    assert res.returncode == 0, res.stderr
    return res.stdout.splitlines()


def assert_template_layout(lines: list[str]) -> None:
    expected = PROTOCOL_TEMPLATE.splitlines()
    assert len(lines) == len(expected)
    for want, got in zip(expected, lines, strict=True):
        if any(p in want for p in PLACEHOLDERS):
            label = want.split(': ')[0] + ': '
            assert got.startswith(label) and len(got) > len(label), (want, got)
        else:
            assert got == want


def test_status_is_the_protocol_template_filled_from_record_and_evidence(repo: GitRepo) -> None:
    store(repo, 'smoke')
    lines = status_lines(repo)
    assert_template_layout(lines)
    head = repo.head()[:12]
    assert lines == [
        '[ARIS3 HOTFIX STATUS]',
        'Ticket: ARIS-77',
        'Severity: P1',
        'Customer impact: stock totals drift after transfers; 3 stores oversell',
        'Current decision: patch-forward',
        'Change scope: recount job clamps negative deltas',
        'Frozen rules check: PASS',
        'Checks executed:',
        f'- smoke: pass ({head}, 2026-11-27T12:00:03Z)',
        f'- integrity: unknown (not run on {head})',
        lines[10],
        'Rollback plan: ./deploy.sh rollback 0.1.0-rc.3 / release tag 0.1.0-rc.3',
        'Owner: Dana Ops',
        'Next update (UTC): 2026-11-27T14:00:00Z',
    ]
    assert lines[10] in ('- targeted regression: unknown',
                         '- targeted regression: not needed (no impacted domain)')


def test_status_writes_unknown_for_what_it_does_not_know(repo: GitRepo) -> None:
    repo.commit('no record', files={PATH: None})
    lines = status_lines(repo)
    assert_template_layout(lines)
    values = dict(line.split(': ', 1) for line in lines if ': ' in line)
    assert values['Ticket'] == 'ARIS-77'              # from the branch
    for key in ('Severity', 'Customer impact', 'Current decision', 'Change scope',
                'Rollback plan', 'Owner', 'Next update (UTC)'):
        assert values[key] == 'unknown', key


def test_status_template_comes_from_the_policy(repo: GitRepo) -> None:
    template = '"{ticket} {severity} owner={owner} smoke={smoke}"'
    policy_on_main(repo, '.hotfix-hooks.toml', f'[record]\nstatus_template = {template}\n')
    res = run_cli(repo, 'status')
    assert res.stdout == f'ARIS-77 P1 owner=Dana Ops smoke=unknown (not run on ' \
                         f'{repo.head()[:12]})\n'


# -- decide ----------------------------------------------------------------------------
def test_decide_patch_forward_when_no_condition_holds(repo: GitRepo) -> None:
    res = run_cli(repo, 'decide')
    assert res.returncode == 0
    assert res.stdout.splitlines()[0] == 'recommendation: patch-forward'
    assert res.stdout.splitlines()[-1] == 'record decision: patch-forward (matches)'


def test_decide_derives_the_data_integrity_risk_from_the_change(repo: GitRepo) -> None:
    repo.commit('backfill', files={'migrations/versions/0031_clamp.py': (
        'from alembic import op\n\n\ndef upgrade():\n'
        '    op.execute("UPDATE stock_totals SET qty = 0 WHERE qty < 0")\n')})
    res = run_cli(repo, 'decide')
    assert res.returncode == 1
    lines = res.stdout.splitlines()
    assert lines[0] == 'recommendation: rollback-first'
    assert any(line.startswith('  [x] non-trivial data-integrity risk') and
               'migrations/versions/0031_clamp.py: migration changes data (UPDATE statement'
               in line for line in lines)
    assert 'does NOT match' in lines[-1]
    data = json.loads(run_cli(repo, 'decide', '--format', 'json').stdout)
    assert data['recommendation'] == 'rollback-first' and data['matches'] is False
    res = run_cli(repo, 'record')
    assert '[record-data-integrity-undeclared]' in res.stdout
    assert '[record-decision-mismatch]' in res.stdout


# -- waivers in every report -----------------------------------------------------------
def test_scan_shows_waived_findings_as_waived(repo: GitRepo) -> None:
    policy_on_main(repo, '.hotfix-hooks.toml', OWNERS + '[scope]\nseverity = "error"\n')
    waiver = ('\n[[exceptions]]\nrule = "scope-dependency-changed"\npath = "requirements.txt"\n'
              'reason = "the patched driver"\napproved_by = ["incident_owner", '
              '"release_owner"]\n')
    repo.commit('dependency', files={'requirements.txt': 'psycopg==3.2.3\n',
                                     PATH: COMPLETE + waiver})
    # written by the fix's author: it waives nothing until both owners approve after it
    res = run_cli(repo, 'record', '--require-approvals')
    assert res.returncode == 1 and 'error [record-waiver-unapproved]' in res.stdout
    commit_approvals(repo, incident='2026-11-27T13:40:00Z', release='2026-11-27T13:45:00Z')
    res = run_cli(repo, 'scan', '--only', 'scope')
    assert res.returncode == 0, res.stdout
    assert 'waived [scope-dependency-changed]' in res.stdout
    assert 'waived: the patched driver' in res.stdout
    res = run_cli(repo, 'record')
    assert res.returncode == 0 and 'waived [scope-dependency-changed]' in res.stdout
    store(repo, 'smoke', 'integrity', 'rollback', 'domain:stock')
    res = run_cli(repo, 'readiness')
    assert res.returncode == 0, res.stdout
    assert '1 waived' in res.stdout and 'waived [scope-dependency-changed]' in res.stdout


def test_record_waives_a_finding_of_the_migrations_check(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / 'mig')
    repo.commit('base', files={'migrations/versions/0030_base.py': (
        'revision = "0030"\ndown_revision = None\n\n\ndef upgrade():\n    pass\n\n\n'
        'def downgrade():\n    pass\n')})
    repo.checkout(BRANCH, create=True)
    migration = 'migrations/versions/0031_note.py'
    repo.commit('note column', files={migration: (
        'import sqlalchemy as sa\nfrom alembic import op\n\nrevision = "0031"\n'
        'down_revision = "0030"\n\n\ndef upgrade():\n'
        '    op.add_column("stock", sa.Column("note", sa.Text(), nullable=True))\n\n\n'
        'def downgrade():\n    pass\n'), PATH: COMPLETE})
    res = run_cli(repo, 'scan')
    assert res.returncode == 1 and 'error [migration-downgrade-noop]' in res.stdout
    waiver = ('\n[[exceptions]]\nrule = "migration-downgrade-noop"\n'
              f'path = "{migration}"\nreason = "a nullable column; the old code ignores it"\n'
              'approved_by = ["incident_owner", "release_owner"]\n')
    repo.commit('waiver', files={PATH: pending(COMPLETE) + waiver})
    commit_approvals(repo)
    for args in (('scan',), ('scan', '--only', 'migrations'), ('record',)):
        res = run_cli(repo, *args)
        assert res.returncode == 0, (args, res.stdout)
        assert f'{migration}:12: waived [migration-downgrade-noop]' in res.stdout
        assert 'waived: a nullable column; the old code ignores it' in res.stdout


# -- what the record commands cannot read ------------------------------------------------
def test_record_on_a_hotfix_branch_without_ticket_does_not_pass_silently(
        make_repo: Callable[..., GitRepo]) -> None:
    """The record of hotfix/<no ticket>-... cannot be found: the hotfix-record hook said
    nothing and passed."""
    repo = make_repo()
    repo.commit('base', {'README.md': 'x\n'})
    repo.checkout('hotfix/fix-stock-drift', create=True)
    repo.commit('fix', {'src/fix.txt': 'y\n'})
    res = run_cli(repo, 'record', '--format', 'json')
    assert res.returncode == 1, (res.stdout, res.stderr)
    assert '"rule": "record-missing"' in res.stdout and 'ticket' in res.stdout


def test_record_on_a_release_branch_is_still_not_required(
        make_repo: Callable[..., GitRepo]) -> None:
    repo = make_repo()
    repo.commit('base', {'README.md': 'x\n'})
    repo.checkout('release/1.2', create=True)
    repo.commit('fix', {'src/fix.txt': 'y\n'})
    repo.write('.hotfix-hooks.toml', 'release_branches = ["release/*"]\n')
    res = run_cli(repo, 'record')
    assert res.returncode == 0, (res.stdout, res.stderr)


def test_waiver_with_an_invalid_glob_is_a_record_finding(
        make_repo: Callable[..., GitRepo]) -> None:
    """A bad [...] in an exception's path is the record's problem (record-waiver-invalid),
    not an error blamed on the policy that stops every check."""
    repo = make_repo()
    repo.commit('base', {'README.md': 'x\n'})
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.commit('fix', {'src/fix.py': 'x = 1\n', 'hotfixes/ARIS-9.toml':
                        'ticket = "ARIS-9"\n[[exceptions]]\nrule = "scope-new-package"\n'
                        'path = "src/[z-a]"\nreason = "r"\n'
                        'approved_by = ["incident_owner", "release_owner"]\n'})
    for cmd in ('record', 'scan'):
        res = run_cli(repo, cmd, '--format', 'json')
        assert res.returncode in (0, 1), (cmd, res.stdout, res.stderr)
        assert 'error:' not in res.stderr, res.stderr
    assert '"rule": "record-waiver-invalid"' in run_cli(repo, 'record', '--format', 'json').stdout


def test_non_utf8_data_migration_still_makes_rollback_first(
        make_repo: Callable[..., GitRepo]) -> None:
    """A latin-1 comment in a data-changing migration turned the recommendation from
    rollback-first into patch-forward (the migration was read as empty)."""
    repo = make_repo()
    repo.commit('base', {'migrations/001_init.sql': 'CREATE TABLE stock (id int);\n'})
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.commit('fix', {'migrations/002_fix.sql': b'-- caf\xe9\nUPDATE stock SET id = 2;\n'})
    res = run_cli(repo, 'decide', '--format', 'json')
    assert '"recommendation": "rollback-first"' in res.stdout, res.stdout
    assert 'UPDATE' in res.stdout


def test_decide_and_status_say_the_record_is_unreadable_not_missing(tmp_path) -> None:
    repo = GitRepo(tmp_path / 'badrecord')
    repo.commit('base', {'a.txt': 'a\n'})
    repo.checkout('hotfix/ARIS-8-fix-a', create=True)
    repo.commit('ARIS-8 fix', {'a.txt': 'b\n', 'hotfixes/ARIS-8.toml': 'ticket = "ARIS-8\n'})
    res = run_cli(repo, 'decide')
    assert res.returncode == 1
    assert 'record decision: unknown (the record hotfixes/ARIS-8.toml cannot be read' in res.stdout
    res = run_cli(repo, 'status')
    assert 'cannot be read' in res.stderr and 'Traceback' not in res.stderr
