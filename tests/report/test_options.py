"""What scripts and CI rely on: ``--fail-on`` and ``--min-severity`` on ``scan`` and ``ci``,
JSON on stdout even when the run ends with exit 2, and git's empty tree as ``--from-ref``."""
from __future__ import annotations

import json

import pytest

from hotfix_hooks.git.plumbing import EMPTY_TREE
from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import hh_json
from tests.support.hookkit import write_policy

BRANCH = 'hotfix/ARIS-31-report-options'


@pytest.fixture(scope='module')
def repo(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    """A hotfix branch changing a dependency file: one scope warning (the default
    severity), and nothing else."""
    r = GitRepo(tmp_path_factory.mktemp('options') / 'repo')
    r.commit('base', {'README.md': 'x\n', 'requirements.txt': 'a==1\n'})
    r.git('checkout', '-q', '-b', BRANCH)
    r.commit('deps', {'requirements.txt': 'a==1\nb==2\n'})
    return r


@pytest.mark.parametrize('command', ['scan', 'ci'])
def test_fail_on_warning_makes_a_warning_fail(repo: GitRepo, command: str) -> None:
    # ci --no-gates: this repository has no gates of its own (the defaults are not
    # configured for it, tests/gates/test_not_configured.py); the report options are tested
    args = [command] + (['--no-record', '--no-gates', '--format', 'text'] if command == 'ci'
                        else [])
    res = run_cli(repo, *args)
    assert res.returncode == 0, res.stdout + res.stderr
    assert 'warning [scope-dependency-changed]' in res.stdout
    res = run_cli(repo, *args, '--fail-on', 'warning')
    assert res.returncode == 1, res.stdout + res.stderr
    res = run_cli(repo, *args, '--fail-on', 'error')
    assert res.returncode == 0


@pytest.mark.parametrize('command', ['scan', 'ci'])
def test_min_severity_hides_without_changing_the_exit_code(repo: GitRepo, command: str
                                                           ) -> None:
    args = [command] + (['--no-record', '--no-gates'] if command == 'ci' else [])
    rc, data, _ = hh_json(repo, *args, '--min-severity', 'warning')
    assert rc == 0 and [f['rule'] for f in data['findings']] == ['scope-dependency-changed']
    rc, data, _ = hh_json(repo, *args, '--min-severity', 'error')
    assert rc == 0 and data['findings'] == [] and data['summary']['total'] == 0
    # hidden, and still failing: what is shown never decides the verdict
    rc, data, _ = hh_json(repo, *args, '--min-severity', 'error', '--fail-on', 'warning')
    assert rc == 1 and data['findings'] == []
    res = run_cli(repo, *args, '--format', 'text', '--min-severity', 'error')
    assert res.returncode == 0
    assert '1 finding(s) less severe than error not shown (--min-severity)' in res.stderr


def test_min_severity_and_fail_on_apply_to_every_output_file(repo: GitRepo, tmp_path) -> None:
    out = tmp_path / 'scan.json'
    res = run_cli(repo, 'scan', '--format', 'json', '--output', str(out), '--min-severity',
                  'error', '--fail-on', 'warning')
    assert res.returncode == 1, res.stdout + res.stderr
    assert json.loads(out.read_text())['findings'] == []
    res = run_cli(repo, 'scan', '--format', 'json', '--output', str(out))
    assert res.returncode == 0
    assert [f['rule'] for f in json.loads(out.read_text())['findings']] == [
        'scope-dependency-changed']


def test_fail_on_and_min_severity_refuse_other_values(repo: GitRepo) -> None:
    res = run_cli(repo, 'scan', '--fail-on', 'info')
    assert res.returncode == 2 and "invalid choice: 'info'" in res.stderr
    res = run_cli(repo, 'scan', '--min-severity', 'fatal')
    assert res.returncode == 2 and "invalid choice: 'fatal'" in res.stderr


@pytest.mark.parametrize('args,message', [
    (['scan', '--from-ref', 'no-such-ref', '--to-ref', 'HEAD'], "unknown ref 'no-such-ref'"),
    (['ci', '--from-ref', 'no-such-ref', '--to-ref', 'HEAD'], "unknown ref 'no-such-ref'"),
    (['scan', '--fail-on', 'never'], "invalid choice: 'never'"),
    (['scan', '--config', 'missing.toml'], 'missing.toml: policy file not found'),
    (['gate', '--jobs', '0'], '--jobs must be at least 1'),
    (['readiness', '--from-ref', 'HEAD'], '--from-ref and --to-ref go together'),
])
def test_exit_2_under_format_json_prints_the_error_as_json(repo: GitRepo, args: list[str],
                                                          message: str) -> None:
    """A script that reads stdout gets JSON whatever happens; the one line for people
    still goes to stderr."""
    for fmt in (['--format', 'json'], ['--format=json']):
        res = run_cli(repo, *args, *fmt)
        assert res.returncode == 2, res.stdout + res.stderr
        data = json.loads(res.stdout)
        assert message in data['error']['message'], data
        assert isinstance(data['error']['hint'], str)
        assert data['tool']['name'] == 'hotfix-hooks' and data['schema_version'] == 1
        assert len(res.stderr.strip().splitlines()) == 1 and message in res.stderr


def test_exit_2_under_text_prints_nothing_on_stdout(repo: GitRepo) -> None:
    res = run_cli(repo, 'scan', '--from-ref', 'no-such-ref', '--to-ref', 'HEAD')
    assert res.returncode == 2 and res.stdout == ''


def test_bad_policy_under_json_names_the_key_in_the_json(repo: GitRepo, tmp_path) -> None:
    other = GitRepo(tmp_path / 'bad')
    other.commit('base', {'README.md': 'x\n'})
    write_policy(other, 'enforce_everything = true\n')
    rc, data, err = hh_json(other, 'scan')
    assert rc == 2
    assert "unknown policy key 'enforce_everything'" in data['error']['message']
    assert 'enforce_everything' in err


@pytest.mark.parametrize('from_ref', [EMPTY_TREE, EMPTY_TREE[:7]])
def test_the_empty_tree_is_a_valid_from_ref(repo: GitRepo, from_ref: str) -> None:
    """Everything in the commit is the change: a first push, a whole-repository audit."""
    for command in ('scan', 'ci'):
        args = [command, '--from-ref', from_ref, '--to-ref', 'HEAD']
        if command == 'ci':
            args += ['--no-record', '--no-gates']
        rc, data, err = hh_json(repo, *args)
        assert rc == 0, err
        paths = {f['path'] for f in data['findings'] if f['rule'] == 'scope-dependency-changed'}
        assert paths == {'requirements.txt'}, data
    res = run_cli(repo, 'context', '--from-ref', from_ref, '--to-ref', 'HEAD',
                  '--format', 'json')
    ctx = json.loads(res.stdout)[0]
    assert ctx['base'] == EMPTY_TREE and ctx['head'] == repo.head()
    assert 'the empty tree' in ctx['why'][0]
