"""Adversarial input, as a user in the middle of an incident hits it: every command ends
with exit 0 / 1 / 2, an error is ONE line on stderr without a traceback, and a change the
tool cannot read never passes silently."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.gitrepo import GitRepo

BRANCH = 'hotfix/ARIS-9-fix-stock-drift'


def assert_error(res: subprocess.CompletedProcess, *needles: str) -> None:
    """Exit 2 with one clear line on stderr, no traceback, no 'internal error'."""
    err = res.stderr.strip()
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert len(err.splitlines()) == 1, err
    assert 'Traceback' not in err and 'internal error' not in err, err
    for n in needles:
        assert n in err, err


@pytest.fixture
def hotfix_repo(repo: GitRepo) -> GitRepo:
    repo.commit('base', {'README.md': 'x\n'})
    repo.checkout(BRANCH, create=True)
    repo.commit('fix', {'src/fix.txt': 'y\n'})
    return repo


# -- policy files ------------------------------------------------------------------------
@pytest.mark.parametrize('name', ['.hotfix-hooks.toml', 'pyproject.toml'])
def test_policy_file_not_utf8_is_one_line_config_error(hotfix_repo: GitRepo, name: str) -> None:
    hotfix_repo.write(name, b'# caf\xe9\nbase = "main"\n')
    for cmd in ('scan', 'config', 'check-branch'):
        assert_error(hotfix_repo.hh(cmd), name, 'UTF-8')


@pytest.mark.parametrize('text', ['tool = "x"\n', 'tool = [1]\n'])
def test_pyproject_tool_not_a_table_is_one_line_config_error(hotfix_repo: GitRepo,
                                                             text: str) -> None:
    hotfix_repo.write('pyproject.toml', text)
    assert_error(hotfix_repo.hh('scan'), 'pyproject.toml', '[tool]')
    assert_error(hotfix_repo.hh('config', '--config', 'pyproject.toml'), 'pyproject.toml',
                 '[tool]')


# -- files the checks cannot decode ------------------------------------------------------
ALEMBIC_BASE = ('revision = "a1"\ndown_revision = None\n\n\ndef upgrade():\n'
                '    op.create_table("stock")\n\n\ndef downgrade():\n    op.drop_table("stock")\n')


@pytest.mark.parametrize('path,content,rule', [
    ('migrations/002_drop.sql', b'-- caf\xe9 (latin-1)\nDROP TABLE stock;\n',
     'migration-drop-table'),
    ('alembic/versions/a2.py',
     b'# -*- coding: latin-1 -*-\n# caf\xe9\nrevision = "a2"\ndown_revision = "a1"\n\n\n'
     b'def upgrade():\n    op.drop_table("stock")\n\n\ndef downgrade():\n    pass\n',
     'migration-drop-table'),
    ('alembic/versions/a2.py',
     b'# caf\xe9\nrevision = "a2"\ndown_revision = "a1"\n\n\n'
     b'def upgrade():\n    op.drop_table("stock")\n\n\ndef downgrade():\n    pass\n',
     'migration-drop-table'),
])
def test_non_utf8_migration_is_still_checked(repo: GitRepo, path: str, content: bytes,
                                             rule: str) -> None:
    repo.commit('base', {'migrations/001_init.sql': 'CREATE TABLE stock (id int);\n',
                         'alembic/versions/a1.py': ALEMBIC_BASE})
    repo.checkout(BRANCH, create=True)
    repo.commit('drop', {path: content})
    res = repo.hh('scan', '--only', 'migrations', '--format', 'json')
    assert res.returncode == 1, (res.stdout, res.stderr)
    assert f'"rule": "{rule}"' in res.stdout
    assert path in res.stdout


# -- gate commands the policy configures ---------------------------------------------------
@pytest.mark.parametrize('gate,needle', [
    ('env = { "A=B" = "x" }', 'gates[0].env'),
    ('env = { "A" = "x\\u0000y" }', 'gates[0].env'),
    ('env = { "" = "x" }', 'gates[0].env'),
    ('timeout = nan', 'gates[0].timeout'),
    ('timeout = inf', 'gates[0].timeout'),
    ('cwd = "../.."', 'gates[0].cwd'),
    ('cwd = "/tmp"', 'gates[0].cwd'),
])
def test_bad_gate_settings_are_one_line_config_errors(hotfix_repo: GitRepo, gate: str,
                                                      needle: str) -> None:
    """Caught when the policy is read (gate, scan, config), never as an internal error or
    as a gate that runs outside the commit it is meant to prove."""
    hotfix_repo.commit('policy', {'.hotfix-hooks.toml':
                                  f'[[gates]]\nname = "g"\ncommand = ["true"]\n{gate}\n'})
    for cmd in ('gate', 'config'):
        assert_error(hotfix_repo.hh(cmd), needle)


def test_bad_domain_env_is_a_one_line_config_error(hotfix_repo: GitRepo) -> None:
    hotfix_repo.commit('policy', {'.hotfix-hooks.toml':
                                  '[domains.stock]\nenv = { "X=Y" = "1" }\n'})
    assert_error(hotfix_repo.hh('gate'), 'domains.stock.env')


ROUTES_BASE = '''from fastapi import APIRouter
router = APIRouter()


@router.post('/orders/{oid}/actions')
def order_action(oid: int, idempotency_key: str):
    return {}
'''


def test_non_utf8_route_module_is_still_checked_for_bypasses(repo: GitRepo) -> None:
    """A latin-1 comment must not hide a new bypass route (nor report the actions route,
    still there, as removed)."""
    repo.commit('base', {'app/routes.py': ROUTES_BASE})
    repo.checkout(BRANCH, create=True)
    bypass = ("# caf\xe9\n" + ROUTES_BASE + "\n\n@router.post('/orders/{oid}/cancel')\n"
              "def cancel_order(oid: int, db):\n    order = db.get(oid)\n"
              "    order.status = 'cancelled'\n    return {}\n")
    repo.commit('bypass', {'app/routes.py': bypass.encode('latin-1')})
    res = repo.hh('scan', '--only', 'actions', '--format', 'json')
    assert res.returncode == 1, (res.stdout, res.stderr)
    assert '"rule": "actions-bypass-route"' in res.stdout
    assert 'actions-route-removed' not in res.stdout


# -- commands' own arguments --------------------------------------------------------------
def test_demo_dir_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    target = tmp_path / 'notes.txt'
    target.write_text('x\n')
    res = GitRepo(tmp_path, init=False).hh('demo', '--dir', str(target))
    assert_error(res, 'notes.txt')
    assert target.read_text() == 'x\n'


def test_follow_depth_too_deep_to_follow_is_a_config_error(repo: GitRepo) -> None:
    """A depth the analyser cannot recurse to was an internal RecursionError on a long call
    chain; it is refused when the policy is read."""
    chain = ''.join(f'def f{i}(x):\n    return f{i + 1}(x)\n' for i in range(700))
    repo.commit('base', {'app/routes.py': ROUTES_BASE})
    repo.checkout(BRANCH, create=True)
    repo.commit('chain', {'app/routes.py': ROUTES_BASE + chain + 'def f700(x):\n'
                          '    x.status = "done"\n\n\n@router.post("/orders/{oid}/go")\n'
                          'def go(oid, db):\n    return f0(db.get(oid))\n'})
    repo.write('.hotfix-hooks.toml', '[actions]\nfollow_depth = 1000\n')
    assert_error(repo.hh('scan', '--only', 'actions'), 'actions.follow_depth')
    repo.write('.hotfix-hooks.toml', '[actions]\nfollow_depth = 100\n')
    res = repo.hh('scan', '--only', 'actions')
    assert res.returncode in (0, 1) and 'error:' not in res.stderr, res.stderr


@pytest.mark.parametrize('pattern', ['^[A-Z]+-[0-9]+$', '^[A-Z]+-[0-9]+', '[A-Z]+-[0-9]+$',
                                     r'\A[A-Z]+-[0-9]+\Z'])
def test_anchored_ticket_pattern_is_a_config_error(hotfix_repo: GitRepo, pattern: str) -> None:
    """The ticket pattern is searched inside branch names, titles and messages: with ^/$
    a valid branch made by "hotfix-hooks new" was refused, and the record went unchecked."""
    hotfix_repo.write('.hotfix-hooks.toml', f"ticket_pattern = '{pattern}'\n")
    for cmd in ('check-branch', 'record', 'new'):
        args = (cmd, 'ARIS-10', 'fix the totals') if cmd == 'new' else (cmd,)
        assert_error(hotfix_repo.hh(*args), 'ticket_pattern')


def test_gate_that_cannot_write_its_logs_is_a_one_line_error(hotfix_repo: GitRepo) -> None:
    """.git/hotfix-hooks unusable (a file there, a read-only git dir): exit 2, one line,
    before any gate runs."""
    ran = hotfix_repo.path.parent / 'ran'
    hotfix_repo.commit('policy', {'.hotfix-hooks.toml': '[[gates]]\nname = "g"\n'
                                  f'command = ["touch", "{ran}"]\n'})
    (hotfix_repo.path / '.git' / 'hotfix-hooks').write_text('not a folder\n')
    assert_error(hotfix_repo.hh('gate'), 'hotfix-hooks')
    assert not ran.exists()


# -- symlinks ------------------------------------------------------------------------------
def test_symlinked_python_module_is_not_parsed_as_code(repo: GitRepo) -> None:
    """A symlink's blob is its target path, not Python: it was reported as an unparseable
    file (an error that blocked the commit)."""
    import os

    repo.commit('base', {'app/routes.py': ROUTES_BASE})
    repo.checkout(BRANCH, create=True)
    (repo.path / 'lib').mkdir()
    os.symlink('../app/routes.py', repo.path / 'lib' / 'compat.py')
    repo.git('add', '-A')
    res = repo.hh('scan', '--staged', '--only', 'actions', '--format', 'json')
    assert res.returncode == 0, (res.stdout, res.stderr)
    assert 'actions-unparseable-python' not in res.stdout
    repo.commit('link')
    res = repo.hh('scan', '--only', 'actions', '--format', 'json')
    assert res.returncode == 0, (res.stdout, res.stderr)
    assert 'actions-unparseable-python' not in res.stdout


# -- ranges --------------------------------------------------------------------------------
ROUTES_A = ('from fastapi import APIRouter\nrouter = APIRouter()\n\n\n'
            '@router.get("/a")\ndef a():\n    return 1\n')


@pytest.mark.parametrize('cmd', ['scan', 'ci'])
def test_from_ref_that_moved_ahead_does_not_blame_the_hotfix(repo: GitRepo, cmd: str) -> None:
    """``--from-ref origin/main --to-ref HEAD`` after main moved on (the CI recipe): what
    main added since the branch was cut is not the hotfix removing it (pre-commit itself
    reads FROM...TO, from the merge-base)."""
    repo.commit('base', {'app/routes.py': ROUTES_A})
    repo.checkout(BRANCH, create=True)
    repo.commit('fix', {'README.md': 'fixed\n'})
    repo.checkout('main')
    repo.commit('main moves on', {'app/routes.py': ROUTES_A + '\n\n@router.get("/b")\n'
                                                   'def b():\n    return 2\n'})
    repo.checkout(BRANCH)
    res = repo.hh(cmd, '--from-ref', 'main', '--to-ref', 'HEAD', '--format', 'json')
    assert 'api-route-removed' not in res.stdout, res.stdout
    assert 'Traceback' not in res.stderr


def test_non_utf8_data_migration_still_makes_rollback_first(repo: GitRepo) -> None:
    """A latin-1 comment in a data-changing migration turned the recommendation from
    rollback-first into patch-forward (the migration was read as empty)."""
    repo.commit('base', {'migrations/001_init.sql': 'CREATE TABLE stock (id int);\n'})
    repo.checkout(BRANCH, create=True)
    repo.commit('fix', {'migrations/002_fix.sql': b'-- caf\xe9\nUPDATE stock SET id = 2;\n'})
    res = repo.hh('decide', '--format', 'json')
    assert '"recommendation": "rollback-first"' in res.stdout, res.stdout
    assert 'UPDATE' in res.stdout


def test_edited_non_utf8_shipped_migration_is_reported(repo: GitRepo) -> None:
    repo.commit('base', {'migrations/001_init.sql': b'-- caf\xe9\nCREATE TABLE t (id int);\n'})
    repo.checkout(BRANCH, create=True)
    repo.commit('edit', {'migrations/001_init.sql':
                         b'-- caf\xe9\nCREATE TABLE t (id bigint);\n'})
    res = repo.hh('scan', '--only', 'migrations', '--format', 'json')
    assert res.returncode == 1, (res.stdout, res.stderr)
    assert '"rule": "migration-history-edited"' in res.stdout


def test_empty_range_says_so(hotfix_repo: GitRepo) -> None:
    """--from-ref equal to --to-ref: nothing to check, and the user is told (not a silent
    pass that looks like a clean change)."""
    res = hotfix_repo.hh('scan', '--from-ref', 'HEAD', '--to-ref', hotfix_repo.head())
    assert res.returncode == 0
    assert 'same commit' in res.stderr and 'nothing' in res.stderr, res.stderr
    assert 'Traceback' not in res.stderr


@pytest.mark.parametrize('policy,cmd', [
    ('[record]\nmigration_paths = ["[z-a]"]\n', 'readiness'),
    ('[record]\nintegrity_areas = { stock = ["src/[z-a]/**"] }\n', 'decide'),
    ('[scope]\nnew_module_ignore = ["src/x[]"]\n', 'scan'),
    ('[domains.stock]\npaths = ["[9-0]*"]\n', 'gate'),
])
def test_invalid_glob_is_a_one_line_config_error(hotfix_repo: GitRepo, policy: str,
                                                 cmd: str) -> None:
    hotfix_repo.commit('code', {'src/new_module.py': 'x = 1\n'})
    hotfix_repo.commit('policy', {'.hotfix-hooks.toml': policy})
    assert_error(hotfix_repo.hh(cmd), 'glob')


@pytest.mark.parametrize('policy,key', [
    ('[naming]\ntag_marker = ""\n', 'naming.tag_marker'),
    ('[contract]\nfrozen_endpoints = ["GET"]\n', 'contract.frozen_endpoints'),
    ('[contract]\nfrozen_endpoints = ["/aris3/stock GET"]\n', 'contract.frozen_endpoints'),
    ('[contract]\nfrozen_endpoints = ["FETCH /aris3/stock"]\n', 'contract.frozen_endpoints'),
    ('[contract]\nfrozen_groups = ["aris3/stock"]\n', 'contract.frozen_groups'),
    ('[contract]\nfrozen_groups = [""]\n', 'contract.frozen_groups'),
])
def test_policy_values_that_would_never_match_are_config_errors(
        hotfix_repo: GitRepo, policy: str, key: str) -> None:
    """An empty tag marker crashed check-tag; a frozen endpoint or group that can never
    match an operation silently froze nothing."""
    hotfix_repo.write('.hotfix-hooks.toml', policy)
    for args in (('check-tag', '1.0.0+hotfix.1'), ('scan',), ('config',)):
        assert_error(hotfix_repo.hh(*args), key)


def test_frozen_endpoint_forms_that_are_valid(hotfix_repo: GitRepo) -> None:
    hotfix_repo.write('.hotfix-hooks.toml', '[contract]\nfrozen_groups = ["/aris3/stock/"]\n'
                      'frozen_endpoints = ["GET /a", "* /b/**", "any /c", "/d/*", '
                      '"patch /e"]\n')
    res = hotfix_repo.hh('config')
    assert res.returncode == 0, res.stderr


# -- CI ------------------------------------------------------------------------------------
def test_github_event_with_wrong_types_is_not_an_internal_error(hotfix_repo: GitRepo) -> None:
    event = hotfix_repo.path.parent / 'event.json'
    event.write_text('{"pull_request": {"title": "Hotfix: ARIS-9 fix stock drift", '
                     '"base": {"sha": 5, "ref": 7}, "head": {"ref": ["x"]}}}')
    env = {'GITHUB_ACTIONS': 'true', 'GITHUB_EVENT_NAME': 'pull_request',
           'GITHUB_EVENT_PATH': str(event)}
    for cmd in ('ci', 'context', 'check-pr-title'):
        res = hotfix_repo.hh(cmd, env=env)
        assert res.returncode in (0, 1), (cmd, res.stdout, res.stderr)
        assert 'internal error' not in res.stderr and 'Traceback' not in res.stderr


def test_new_when_the_record_cannot_be_written_is_one_line(repo: GitRepo) -> None:
    repo.commit('base', {'README.md': 'x\n'})
    repo.write('hotfixes', 'a file where the records folder goes\n')
    res = repo.hh('new', 'ARIS-12', 'fix stock drift')
    assert_error(res, 'hotfixes/ARIS-12.toml')
    assert 'Created branch hotfix/ARIS-12-fix-stock-drift' in res.stdout


def test_record_on_a_hotfix_branch_without_ticket_does_not_pass_silently(repo: GitRepo) -> None:
    """The record of hotfix/<no ticket>-... cannot be found: the hotfix-record hook said
    nothing and passed."""
    repo.commit('base', {'README.md': 'x\n'})
    repo.checkout('hotfix/fix-stock-drift', create=True)
    repo.commit('fix', {'src/fix.txt': 'y\n'})
    res = repo.hh('record', '--format', 'json')
    assert res.returncode == 1, (res.stdout, res.stderr)
    assert '"rule": "record-missing"' in res.stdout and 'ticket' in res.stdout


def test_record_on_a_release_branch_is_still_not_required(repo: GitRepo) -> None:
    repo.commit('base', {'README.md': 'x\n'})
    repo.checkout('release/1.2', create=True)
    repo.commit('fix', {'src/fix.txt': 'y\n'})
    repo.write('.hotfix-hooks.toml', 'release_branches = ["release/*"]\n')
    res = repo.hh('record')
    assert res.returncode == 0, (res.stdout, res.stderr)


def test_waiver_with_an_invalid_glob_is_a_record_finding(repo: GitRepo) -> None:
    """A bad [...] in an exception's path is the record's problem (record-waiver-invalid),
    not an error blamed on the policy that stops every check."""
    repo.commit('base', {'README.md': 'x\n'})
    repo.checkout(BRANCH, create=True)
    repo.commit('fix', {'src/fix.py': 'x = 1\n', 'hotfixes/ARIS-9.toml':
                        'ticket = "ARIS-9"\n[[exceptions]]\nrule = "scope-new-package"\n'
                        'path = "src/[z-a]"\nreason = "r"\n'
                        'approved_by = ["incident_owner", "release_owner"]\n'})
    for cmd in ('record', 'scan'):
        res = repo.hh(cmd, '--format', 'json')
        assert res.returncode in (0, 1), (cmd, res.stdout, res.stderr)
        assert 'error:' not in res.stderr, res.stderr
    assert '"rule": "record-waiver-invalid"' in repo.hh('record', '--format', 'json').stdout


def test_orphan_branch_is_not_called_an_empty_repository(hotfix_repo: GitRepo) -> None:
    hotfix_repo.git('checkout', '-q', '--orphan', 'hotfix/ARIS-10-orphan')
    res = hotfix_repo.hh('scan')
    assert_error(res, 'orphan')


@pytest.mark.parametrize('depth', [(), ('--depth', '1')])
def test_single_branch_clone_of_the_hotfix_does_not_use_itself_as_base(
        repo: GitRepo, tmp_path: Path, depth: tuple[str, ...]) -> None:
    """In ``git clone --single-branch --branch hotfix/...`` origin/HEAD is the hotfix
    branch itself: taken as the base, the range was empty and every check passed."""
    repo.commit('base', {'README.md': 'x\n'})
    repo.checkout(BRANCH, create=True)
    repo.commit('bypass', {'migrations/001_drop.sql': 'DROP TABLE stock;\n'})
    clone = repo.clone(tmp_path / 'ci-clone', '--single-branch', '--branch', BRANCH,
                       *(('--no-local',) if depth else ()), *depth)
    for cmd in ('scan', 'readiness', 'context'):
        assert_error(clone.hh(cmd), 'base')
    clone.git('fetch', '-q', *depth, 'origin', 'main:refs/remotes/origin/main')
    res = clone.hh('scan', '--only', 'migrations')
    if depth:
        assert_error(res, 'shallow')
    else:
        assert res.returncode == 1 and 'migration-drop-table' in res.stdout, res.stdout


def test_repeated_only_reports_each_finding_once(hotfix_repo: GitRepo) -> None:
    """``--only scope`` in the hook's entry and again in the user's args."""
    hotfix_repo.commit('module', {'src/new_module.py': 'x = 1\n'})
    once = hotfix_repo.hh('scan', '--only', 'scope', '--format', 'json')
    twice = hotfix_repo.hh('scan', '--only', 'scope', '--only', 'scope', '--format', 'json')
    assert once.stdout.count('"rule"') >= 1
    assert twice.stdout == once.stdout


# -- .gitattributes ------------------------------------------------------------------------
def test_files_marked_minus_diff_are_still_checked(repo: GitRepo) -> None:
    """``*.py -diff`` / ``*.sql -diff`` in .gitattributes make git call text files binary:
    the /actions bypass passed, and the data-changing migration no longer made the
    recommendation rollback-first."""
    repo.commit('base', {'app/routes.py': ROUTES_BASE,
                         'migrations/001_init.sql': 'CREATE TABLE stock (id int);\n',
                         '.gitattributes': '*.py -diff\n*.sql -diff\n'})
    repo.checkout(BRANCH, create=True)
    repo.commit('bypass', {'app/routes.py': ROUTES_BASE + (
        "\n\n@router.post('/orders/{oid}/cancel')\ndef cancel_order(oid: int, db):\n"
        "    order = db.get(oid)\n    order.status = 'cancelled'\n    return {}\n"),
        'migrations/002_fix.sql': 'UPDATE stock SET id = 2;\n'})
    res = repo.hh('scan', '--only', 'actions', '--format', 'json')
    assert res.returncode == 1, (res.stdout, res.stderr)
    assert '"rule": "actions-bypass-route"' in res.stdout
    res = repo.hh('decide', '--format', 'json')
    assert '"recommendation": "rollback-first"' in res.stdout, res.stdout


def test_gate_and_record_fail_closed_on_a_detached_head_outside_ci(tmp_path) -> None:
    """A hook that cannot tell the branch must not pass quietly (unknown_branch = error)."""
    from tests.support.gitrepo import GitRepo

    repo = GitRepo(tmp_path / 'detached')
    repo.commit('base', {'a.txt': 'a\n'})
    repo.checkout('hotfix/ARIS-5-fix-a', create=True)
    repo.commit('ARIS-5 fix', {'a.txt': 'b\n'})
    repo.git('checkout', '-q', '--detach')
    for cmd in (['gate'], ['record']):
        res = repo.hh(*cmd)
        assert res.returncode == 1, (cmd, res.stdout, res.stderr)
        assert '[branch-unknown]' in res.stdout
        assert 'Traceback' not in res.stderr
    res = repo.hh('gate', '--branch', 'feature/x')
    assert res.returncode == 0                     # naming the branch settles it


def test_check_tag_refuses_garbage_push_input(tmp_path) -> None:
    from tests.support.gitrepo import GitRepo

    repo = GitRepo(tmp_path / 'tagjunk')
    repo.commit('base', {'a.txt': 'a\n'})
    res = repo.hh('check-tag', '--stage', 'pre-push', input='not a push line\n')
    assert res.returncode == 2
    assert 'unexpected pre-push input line' in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_empty_hotfix_prefix_is_a_config_error(tmp_path) -> None:
    from tests.support.gitrepo import GitRepo

    repo = GitRepo(tmp_path / 'prefix')
    repo.commit('base', {'pyproject.toml': '[tool.hotfix-hooks]\nhotfix_prefix = ""\n'})
    res = repo.hh('check-branch')
    assert res.returncode == 2
    assert "'hotfix_prefix'" in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_decide_and_status_say_the_record_is_unreadable_not_missing(tmp_path) -> None:
    from tests.support.gitrepo import GitRepo

    repo = GitRepo(tmp_path / 'badrecord')
    repo.commit('base', {'a.txt': 'a\n'})
    repo.checkout('hotfix/ARIS-8-fix-a', create=True)
    repo.commit('ARIS-8 fix', {'a.txt': 'b\n', 'hotfixes/ARIS-8.toml': 'ticket = "ARIS-8\n'})
    res = repo.hh('decide')
    assert res.returncode == 1
    assert 'record decision: unknown (the record hotfixes/ARIS-8.toml cannot be read' in res.stdout
    res = repo.hh('status')
    assert 'cannot be read' in res.stderr and 'Traceback' not in res.stderr


def test_text_report_keeps_one_line_per_finding_for_paths_with_newlines() -> None:
    from hotfix_hooks.findings import Finding
    from hotfix_hooks.report import text

    out = text.render([Finding('scope-dependency-changed', 'scope', 'error', 'dependency file',
                        path='req\nuirements.txt', line=1)])
    lines = out.splitlines()
    assert lines[0] == 'req\\nuirements.txt'
    assert lines[1].startswith('  req\\nuirements.txt:1: error [scope-dependency-changed]')


def test_scope_line_budget_fails_and_passes() -> None:
    from hotfix_hooks.changeset import ChangeSet
    from hotfix_hooks.checks.registry import RunInfo
    from hotfix_hooks.checks.scope import check
    from hotfix_hooks.policy import from_mapping

    policy = from_mapping({'scope': {'max_lines': 10}}, None)
    big = ChangeSet.from_texts(base={'app/a.py': ''},
                               head={'app/a.py': ''.join(f'x{i} = {i}\n' for i in range(11))})
    small = ChangeSet.from_texts(base={'app/a.py': ''}, head={'app/a.py': 'x = 1\n'})
    hotfix = RunInfo(branch='hotfix/ARIS-1-x', hotfix=True)
    found = [f.rule for f in check(big, policy, hotfix)]
    assert found == ['scope-too-many-lines']
    assert check(small, policy, hotfix) == []
    assert check(big, policy, RunInfo(branch='feature/x')) == []   # hotfix branches only
