"""The policy: ARIS3 defaults, ``[tool.hotfix-hooks]`` in pyproject.toml or a standalone
``.hotfix-hooks.toml``, ``hotfix-hooks config``, and one clear line for every bad input."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.actions_service import ROUTES_BASE
from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import assert_error
from tests.support.hookkit import assert_one_line_error
from tests.support.hookkit import base_policy
from tests.support.hookkit import hh_json
from tests.support.hookkit import HOTFIX_BRANCH


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    r = GitRepo(tmp_path / 'repo')
    r.commit('base', {'README.md': 'x\n'})
    return r


def _pyproject(repo: GitRepo, text: str) -> None:
    (repo.path / 'pyproject.toml').write_text('[project]\nname = "shop"\n\n' + text)


def _config(repo: GitRepo) -> dict:
    res = run_cli(repo, 'config', '--format', 'json')
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)  # type: ignore[no-any-return]


def test_defaults_are_the_aris3_protocol(repo: GitRepo) -> None:
    cfg = _config(repo)
    assert cfg['file'] is None
    values = cfg['values']
    assert values['hotfix_prefix'] == 'hotfix/'
    assert values['ticket_pattern'] == '[A-Z][A-Z0-9]+-[0-9]+'
    assert values['naming']['pr_title_prefix'] == 'Hotfix: '
    assert values['naming']['tag_marker'] == '+hotfix.'
    assert values['naming']['commit_msg'] is False
    assert set(cfg['sources'].values()) == {'default'}
    # and they are what the rules apply with no configuration at all
    rc, data, _ = hh_json(repo, 'check-branch', '--branch', 'hotfix/ARIS-77-x')
    assert rc == 1 and 'shorter than 3' in data['findings'][0]['message']


def test_pyproject_table_is_read_and_config_says_where_values_come_from(repo: GitRepo) -> None:
    _pyproject(repo, '[tool.hotfix-hooks]\nbase = "develop"\n'
                     'severity = { "branch-name" = "warning" }\n\n'
                     '[tool.hotfix-hooks.naming]\ndescription_max_length = 12\n')
    cfg = _config(repo)
    assert cfg['file'].endswith('pyproject.toml')
    assert cfg['values']['base'] == 'develop'
    assert cfg['values']['naming']['description_max_length'] == 12
    assert cfg['sources']['base'] == 'pyproject.toml'
    assert cfg['sources']['naming.description_max_length'] == 'pyproject.toml'
    assert cfg['sources']['naming.description_min_length'] == 'default'

    text = run_cli(repo, 'config').stdout.splitlines()
    assert text[0].startswith('# policy file: ') and text[0].endswith('pyproject.toml')
    line = next(ln for ln in text if ln.startswith('naming.description_max_length'))
    assert line.split('=', 1)[1].strip() == '12  # pyproject.toml'
    line = next(ln for ln in text if ln.startswith('hotfix_prefix'))
    assert line.split('=', 1)[1].strip() == '"hotfix/"  # default'

    # the values are applied: 12 characters at most, and branch-name is only a warning
    rc, data, _ = hh_json(repo, 'check-branch', '--branch', 'hotfix/ARIS-77-fix-stock-totals')
    assert rc == 0
    (f,) = data['findings']
    assert f['severity'] == 'warning' and 'at most 12' in f['message']


def test_standalone_file_wins_over_pyproject(repo: GitRepo) -> None:
    _pyproject(repo, '[tool.hotfix-hooks]\nbase = "develop"\n')
    (repo.path / '.hotfix-hooks.toml').write_text('base = "trunk"\n[naming]\ncommit_msg = true\n')
    cfg = _config(repo)
    assert cfg['file'].endswith('.hotfix-hooks.toml')
    assert cfg['values']['base'] == 'trunk' and cfg['values']['naming']['commit_msg'] is True
    assert cfg['sources']['base'] == '.hotfix-hooks.toml'


def test_pyproject_without_a_hotfix_table_means_defaults(repo: GitRepo) -> None:
    _pyproject(repo, '[tool.black]\nline-length = 100\n')
    assert _config(repo)['file'] is None


def test_disable_and_unknown_branch_pass(repo: GitRepo) -> None:
    _pyproject(repo, '[tool.hotfix-hooks]\ndisable = ["branch-name"]\nunknown_branch = "pass"\n')
    rc, data, _ = hh_json(repo, 'check-branch', '--branch', 'hf/whatever')
    assert (rc, data['findings']) == (0, [])
    repo.git('checkout', '-q', '--detach')
    rc, data, _ = hh_json(repo, 'check-branch')
    assert (rc, data['findings']) == (0, [])


@pytest.mark.parametrize('text, says', [
    ('[tool.hotfix-hooks\nbase = "x"\n', 'pyproject.toml: invalid TOML'),
    ('[tool.hotfix-hooks]\nbsae = "main"\n', "unknown policy key 'bsae'"),
    ('[tool.hotfix-hooks.naming]\ndescripton_max_length = 3\n',
     "unknown policy key 'naming.descripton_max_length'"),
    ('[tool.hotfix-hooks]\nbase = 3\n', "policy key 'base' must be a string, got int 3"),
    ('[tool.hotfix-hooks.naming]\ncommit_msg = "yes"\n',
     "policy key 'naming.commit_msg' must be true or false"),
    ('[tool.hotfix-hooks.scope]\nmax_files = -1\n',
     "policy key 'scope.max_files' must be a non-negative integer"),
    ('[tool.hotfix-hooks]\nticket_pattern = "[A-"\n',
     "policy key 'ticket_pattern' is not a valid regular expression"),
    ('[tool.hotfix-hooks]\nunknown_branch = "maybe"\n',
     "policy key 'unknown_branch' must be one of"),
    ('[tool.hotfix-hooks]\nseverity = { "branch-name" = "fatal" }\n', "'branch-name'"),
    ('[tool.hotfix-hooks]\nnaming = 3\n', "policy key 'naming' must be a table"),
    ('[tool]\nhotfix-hooks = 3\n', '[tool.hotfix-hooks] must be a table'),
])
def test_bad_policy_is_exit_2_with_one_line_naming_the_problem(repo: GitRepo, text: str,
                                                                 says: str) -> None:
    _pyproject(repo, text)
    for cmd in (('config',), ('check-branch', '--branch', 'main'), ('scan',), ('context',)):
        line = assert_one_line_error(run_cli(repo, *cmd), says)
        assert 'pyproject.toml' in line


def test_bad_standalone_file_names_that_file(repo: GitRepo) -> None:
    (repo.path / '.hotfix-hooks.toml').write_text('base = = 1\n')
    assert_one_line_error(run_cli(repo, 'check-branch'), '.hotfix-hooks.toml', 'invalid TOML')


def test_explicit_config_file(repo: GitRepo, tmp_path: Path) -> None:
    other = tmp_path / 'team-policy.toml'
    other.write_text('[naming]\ndescription_min_length = 1\n')
    rc, data, _ = hh_json(repo, 'check-branch', '--branch', 'hotfix/ARIS-1-x',
                          '--config', str(other))
    assert (rc, data['findings']) == (0, [])
    assert_one_line_error(run_cli(repo, 'config', '--config', str(tmp_path / 'missing.toml')),
                          'missing.toml', 'not found')



def test_severity_override_can_make_a_warning_block(repo: GitRepo) -> None:
    repo.git('checkout', '-q', '-b', 'hotfix/ARIS-31-deps')
    repo.commit('deps', {'requirements.txt': 'a==1\n'})
    rc, data, _ = hh_json(repo, 'scan')
    assert rc == 0 and data['findings'][0]['severity'] == 'warning'
    # the team's policy on the base branch (a hotfix is judged by its base side's)
    base_policy(repo, '[severity]\nscope-dependency-changed = "error"\n')
    rc, data, _ = hh_json(repo, 'scan')
    assert rc == 1 and data['findings'][0]['severity'] == 'error'


def test_a_hotfix_range_is_judged_by_its_base_sides_policy(tmp_path) -> None:
    """A pushed (or scanned) hotfix range is judged by the policy of its base side, not by
    the one the branch commits; the branch's edit is reported. --config still wins."""
    import json

    from tests.support.gitrepo import GitRepo

    repo = GitRepo(tmp_path / 'policy-at-base')
    strict = '[tool.hotfix-hooks]\nbase = "main"\n\n[tool.hotfix-hooks.scope]\nseverity = "error"\n'
    repo.commit('base', {'requirements.txt': 'flask==3.0\n', 'pyproject.toml': strict})
    repo.checkout('hotfix/ARIS-9-pin-flask', create=True)
    repo.commit('ARIS-9 pin', {'requirements.txt': 'flask==3.1\n',
                               'pyproject.toml': strict.replace('"error"', '"info"')})
    repo.checkout('main')
    res = run_cli(repo, 'scan', '--from-ref', 'main', '--to-ref', 'hotfix/ARIS-9-pin-flask',
                  '--branch', 'hotfix/ARIS-9-pin-flask', '--format', 'json')
    found = json.loads(res.stdout)['findings']
    assert res.returncode == 1
    assert [(f['rule'], f['severity']) for f in found] == [
        ('policy-changed-in-hotfix', 'error'), ('scope-dependency-changed', 'error')]
    assert 'scope.severity: error -> info' in found[0]['message']
    # --config still wins over the base side's policy (and a note says so)
    (tmp_path / 'mine.toml').write_text('[scope]\nseverity = "info"\n')
    res = run_cli(repo, 'scan', '--from-ref', 'main', '--to-ref', 'hotfix/ARIS-9-pin-flask',
                  '--branch', 'hotfix/ARIS-9-pin-flask', '--format', 'json',
                  '--config', str(tmp_path / 'mine.toml'))
    assert res.returncode == 0
    assert [f['severity'] for f in json.loads(res.stdout)['findings']] == ['info']
    assert 'mine.toml given: its policy is used as given' in res.stderr


# -- rule ids in the policy: every one must be a rule of the catalogue ------------------
@pytest.mark.parametrize('text, says', [
    ('[tool.hotfix-hooks]\ndisable = ["scope-too-many-file"]\n',
     "policy key 'disable': unknown rule id 'scope-too-many-file'; did you mean "
     'scope-too-many-files or scope-too-many-lines?'),
    ('[tool.hotfix-hooks.severity]\nbranch-nmae = "warning"\n',
     "policy key 'severity': unknown rule id 'branch-nmae'; did you mean branch-name"),
    ('[tool.hotfix-hooks.migrations]\ndisable = ["migration-drop-tabel"]\n',
     "policy key 'migrations.disable': unknown rule id 'migration-drop-tabel'; did you mean "
     'migration-drop-table'),
    ('[tool.hotfix-hooks.migrations.severity]\nmigration-index-not-concurent = "error"\n',
     "policy key 'migrations.severity': unknown rule id 'migration-index-not-concurent'; "
     'did you mean migration-index-not-concurrent'),
    ('[tool.hotfix-hooks.migrations]\ndisable = ["scope-too-many-files"]\n',
     "policy key 'migrations.disable': 'scope-too-many-files' is not a migration-* rule "
     "(use the top-level 'disable' for it)"),
    ('[tool.hotfix-hooks]\ndisable = "branch-name"\n',
     "policy key 'disable' must be a list of rule ids, got str 'branch-name'"),
    ('[tool.hotfix-hooks]\nseverity = ["branch-name"]\n',
     "policy key 'severity' must be a table of rule id = severity"),
])
def test_an_unknown_rule_id_in_the_policy_is_exit_2(repo: GitRepo, text: str,
                                                     says: str) -> None:
    """A typo in a rule id used to disable (or re-rate) nothing, silently."""
    _pyproject(repo, text)
    for cmd in (('config',), ('check-branch', '--branch', 'main'), ('scan',),
                ('ci', '--no-record')):
        line = assert_one_line_error(run_cli(repo, *cmd), says)
        assert line.startswith(f'hotfix-hooks {cmd[0]}: error: pyproject.toml: ')


def test_known_rule_ids_of_every_concern_are_accepted(repo: GitRepo) -> None:
    _pyproject(repo, '[tool.hotfix-hooks]\n'
                     'disable = ["commit-msg", "request-body-max-length-increased"]\n'
                     '[tool.hotfix-hooks.severity]\n'
                     'idempotency-missing = "error"\ngate-record-unreadable = "error"\n'
                     'record-unknown-field = "error"\napi-operation-added-in-hotfix = "info"\n'
                     '[tool.hotfix-hooks.migrations]\n'
                     'disable = ["migration-live-introspection"]\n'
                     'severity = { "migration-index-not-concurrent" = "error" }\n')
    cfg = _config(repo)
    assert cfg['values']['severity']['idempotency-missing'] == 'error'
    assert cfg['values']['migrations']['disable'] == ['migration-live-introspection']


def test_a_committed_policy_with_an_unknown_rule_id_never_slips_through(tmp_path: Path
                                                                         ) -> None:
    """The range's head commit policy is validated like the one on disk: a branch cannot
    slip a typo (or anything else) past the check by committing it. Off hotfix branches the
    head's policy applies, so a bad one is exit 2; a hotfix branch is judged by its base
    side's policy, and its broken edit is the error ``policy-changed-in-hotfix``."""
    repo = GitRepo(tmp_path / 'r')
    repo.commit('base', {'README.md': 'x\n'})
    bad = {'requirements.txt': 'flask==3.1\n',
           'pyproject.toml': '[tool.hotfix-hooks]\ndisable = ["scope-dependency-change"]\n'}
    for branch in ('feature/pin-flask', 'hotfix/ARIS-9-pin-flask'):
        repo.checkout('main')
        repo.checkout(branch, create=True)
        repo.commit('ARIS-9 pin', bad)
    repo.checkout('main')
    res = run_cli(repo, 'scan', '--from-ref', 'main', '--to-ref', 'feature/pin-flask',
                  '--branch', 'feature/pin-flask')
    assert_one_line_error(res, "pyproject.toml: policy key 'disable': unknown rule id "
                               "'scope-dependency-change'; did you mean "
                               'scope-dependency-changed')
    res = run_cli(repo, 'scan', '--from-ref', 'main', '--to-ref', 'hotfix/ARIS-9-pin-flask',
                  '--branch', 'hotfix/ARIS-9-pin-flask', '--format', 'json')
    assert res.returncode == 1, res.stderr
    found = {f['rule']: f for f in json.loads(res.stdout)['findings']}
    assert set(found) == {'policy-changed-in-hotfix', 'scope-dependency-changed'}
    assert "unknown rule id 'scope-dependency-change'" in \
        found['policy-changed-in-hotfix']['message']


# -- values refused when the policy is read: one line, exit 2, whatever the command ------
@pytest.mark.parametrize('name', ['.hotfix-hooks.toml', 'pyproject.toml'])
def test_policy_file_not_utf8_is_one_line_config_error(hotfix_repo: GitRepo, name: str) -> None:
    hotfix_repo.write(name, b'# caf\xe9\nbase = "main"\n')
    for cmd in ('scan', 'config', 'check-branch'):
        assert_error(run_cli(hotfix_repo, cmd), name, 'UTF-8')


@pytest.mark.parametrize('text', ['tool = "x"\n', 'tool = [1]\n'])
def test_pyproject_tool_not_a_table_is_one_line_config_error(hotfix_repo: GitRepo,
                                                             text: str) -> None:
    hotfix_repo.write('pyproject.toml', text)
    assert_error(run_cli(hotfix_repo, 'scan'), 'pyproject.toml', '[tool]')
    assert_error(run_cli(hotfix_repo, 'config', '--config', 'pyproject.toml'), 'pyproject.toml',
                 '[tool]')


@pytest.mark.parametrize('pattern', ['^[A-Z]+-[0-9]+$', '^[A-Z]+-[0-9]+', '[A-Z]+-[0-9]+$',
                                     r'\A[A-Z]+-[0-9]+\Z'])
def test_anchored_ticket_pattern_is_a_config_error(hotfix_repo: GitRepo, pattern: str) -> None:
    """The ticket pattern is searched inside branch names, titles and messages: with ^/$
    a valid branch made by "hotfix-hooks new" was refused, and the record went unchecked."""
    hotfix_repo.write('.hotfix-hooks.toml', f"ticket_pattern = '{pattern}'\n")
    for cmd in ('check-branch', 'record', 'new'):
        args = (cmd, 'ARIS-10', 'fix the totals') if cmd == 'new' else (cmd,)
        assert_error(run_cli(hotfix_repo, *args), 'ticket_pattern')


def test_empty_hotfix_prefix_is_a_config_error(tmp_path) -> None:
    repo = GitRepo(tmp_path / 'prefix')
    repo.commit('base', {'pyproject.toml': '[tool.hotfix-hooks]\nhotfix_prefix = ""\n'})
    res = run_cli(repo, 'check-branch')
    assert res.returncode == 2
    assert "'hotfix_prefix'" in res.stderr and len(res.stderr.strip().splitlines()) == 1


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
        assert_error(run_cli(hotfix_repo, *args), key)


def test_frozen_endpoint_forms_that_are_valid(hotfix_repo: GitRepo) -> None:
    hotfix_repo.write('.hotfix-hooks.toml', '[contract]\nfrozen_groups = ["/aris3/stock/"]\n'
                      'frozen_endpoints = ["GET /a", "* /b/**", "any /c", "/d/*", '
                      '"patch /e"]\n')
    res = run_cli(hotfix_repo, 'config')
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize('policy,cmd', [
    ('[record]\nmigration_paths = ["[z-a]"]\n', 'readiness'),
    ('[record]\nintegrity_areas = { stock = ["src/[z-a]/**"] }\n', 'decide'),
    ('[scope]\nnew_module_ignore = ["src/x[]"]\n', 'scan'),
    ('[domains.stock]\npaths = ["[9-0]*"]\n', 'gate'),
])
def test_invalid_glob_is_a_one_line_config_error(hotfix_repo: GitRepo, policy: str,
                                                 cmd: str) -> None:
    hotfix_repo.commit('code', {'src/new_module.py': 'x = 1\n'})
    base_policy(hotfix_repo, policy)        # the base side's policy is the one used
    assert_error(run_cli(hotfix_repo, cmd), 'glob')


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
        assert_error(run_cli(hotfix_repo, cmd), needle)


def test_bad_domain_env_is_a_one_line_config_error(hotfix_repo: GitRepo) -> None:
    hotfix_repo.commit('policy', {'.hotfix-hooks.toml':
                                  '[domains.stock]\nenv = { "X=Y" = "1" }\n'})
    assert_error(run_cli(hotfix_repo, 'gate'), 'domains.stock.env')


def test_follow_depth_too_deep_to_follow_is_a_config_error(
        make_repo: Callable[..., GitRepo]) -> None:
    """A depth the analyser cannot recurse to was an internal RecursionError on a long call
    chain; it is refused when the policy is read."""
    repo = make_repo()
    chain = ''.join(f'def f{i}(x):\n    return f{i + 1}(x)\n' for i in range(700))
    repo.commit('base', {'app/routes.py': ROUTES_BASE})
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.commit('chain', {'app/routes.py': ROUTES_BASE + chain + 'def f700(x):\n'
                          '    x.status = "done"\n\n\n@router.post("/orders/{oid}/go")\n'
                          'def go(oid, db):\n    return f0(db.get(oid))\n'})
    repo.write('.hotfix-hooks.toml', '[actions]\nfollow_depth = 1000\n')
    assert_error(run_cli(repo, 'scan', '--only', 'actions'), 'actions.follow_depth')
    repo.write('.hotfix-hooks.toml', '[actions]\nfollow_depth = 100\n')
    res = run_cli(repo, 'scan', '--only', 'actions')
    assert res.returncode in (0, 1) and 'error:' not in res.stderr, res.stderr
