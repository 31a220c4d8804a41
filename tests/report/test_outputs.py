"""The reports where users look: SARIF (code scanning), GitLab Code Quality, JUnit and the
Markdown summary, written with ``--format F --output FILE`` (repeatable) from one scan of a
hotfix with contract, actions and migration findings (one of them waived in the record, and
approved by the owners in their own commits after it, so the waiver counts)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hotfix_hooks import catalog
from tests.support import actions_service as svc
from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import assert_one_line_error
from tests.support.migration_fixtures import alembic
from tests.support.migration_fixtures import BASE as MIGRATIONS
from tests.support.migration_fixtures import V
from tests.support.records import commit_approvals
from tests.support.records import COMPLETE
from tests.support.records import pending

HERE = Path(__file__).parent
SCHEMA = json.loads((HERE / 'sarif-schema-2.1.0.json').read_text())
BRANCH = 'hotfix/ARIS-77-fix-stock-totals'
MIGRATION = f'{V}/c3d4e5f6a7b8_hotfix.py'
CANCEL = '''

@router.post("/{order_id}/cancel")
def cancel_order(order_id: int):
    order = svc.load(None, order_id)
    svc.apply_action(None, order, "cancel")
    return order
'''


def _spec(delete: bool) -> str:
    item = {'get': {'operationId': 'get_item', 'parameters': [
        {'name': 'item_id', 'in': 'path', 'required': True, 'schema': {'type': 'integer'}}],
        'responses': {'200': {'description': 'ok', 'content': {'application/json': {
            'schema': {'$ref': '#/components/schemas/Item'}}}}}}}
    if delete:
        item['delete'] = {'operationId': 'delete_item', 'parameters': [
            {'name': 'item_id', 'in': 'path', 'required': True,
             'schema': {'type': 'integer'}}], 'responses': {'204': {'description': 'gone'}}}
    return json.dumps({
        'openapi': '3.1.0', 'info': {'title': 'shop', 'version': '1.0.0'},
        'paths': {'/items/{item_id}': item},
        'components': {'schemas': {'Item': {
            'type': 'object', 'required': ['id', 'name'],
            'properties': {'id': {'type': 'integer'}, 'name': {'type': 'string'}}}}},
    }, indent=2) + '\n'


def _waiver(rule: str, path: str) -> str:
    return (f'\n[[exceptions]]\nrule = "{rule}"\npath = "{path}"\n'
            'reason = "the column has been unused since 2025-03"\n'
            'approved_by = ["incident_owner", "release_owner"]\n')


def service_repo(root: Path) -> GitRepo:
    """main: a small service; the hotfix branch removes an operation from openapi.json,
    adds a cancel route beside the actions endpoint, and drops a column in a migration
    whose drop the record waives (and a second, unwaived migration finding)."""
    repo = GitRepo(root)
    repo.commit('base', {
        'README.md': '# shop\n', 'openapi.json': _spec(delete=True),
        'app/__init__.py': '', 'app/main.py': svc.MAIN, 'app/middleware.py': svc.MIDDLEWARE,
        'app/deps.py': svc.DEPS, 'app/routers/__init__.py': '',
        'app/routers/orders.py': svc.ORDERS, 'app/routers/cash.py': svc.CASH,
        'app/services/__init__.py': '', 'app/services/orders.py': svc.SERVICE, **MIGRATIONS})
    repo.checkout(BRANCH, create=True)
    repo.commit('ARIS-77: hotfix', {
        'openapi.json': _spec(delete=False),
        'app/routers/orders.py': svc.ORDERS + CANCEL,
        MIGRATION: alembic("op.drop_column('orders', 'note')",
                           "op.add_column('orders', sa.Column('note', sa.Text()))"),
        'hotfixes/ARIS-77.toml': pending(COMPLETE) + _waiver('migration-drop-column',
                                                             MIGRATION)})
    commit_approvals(repo)          # the owners approve after the waiver: it counts
    return repo


OUTPUTS = ('--format', 'sarif', '--output', 'out/findings.sarif', '--format', 'gitlab',
           '--output', 'out/gl-code-quality-report.json', '--format', 'junit', '--output',
           'out/junit.xml', '--format', 'markdown', '--output', 'out/summary.md')


@pytest.fixture(scope='module')
def scanned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    repo = service_repo(tmp_path_factory.mktemp('outputs') / 'repo')
    res = run_cli(repo, 'scan', *OUTPUTS)
    plain = run_cli(repo, 'scan')
    data = json.loads(run_cli(repo, 'scan', '--format', 'json').stdout)
    out = repo.path / 'out'
    return {'repo': repo, 'res': res, 'plain': plain, 'json': data, 'out': out,
            'sarif': json.loads((out / 'findings.sarif').read_text()),
            'gitlab': json.loads((out / 'gl-code-quality-report.json').read_text()),
            'junit': ET.parse(out / 'junit.xml').getroot(),
            'markdown': (out / 'summary.md').read_text()}


def test_the_fixture_has_contract_actions_and_migration_findings(scanned: dict[str, Any]
                                                                 ) -> None:
    found = scanned['json']['findings']
    assert {f['category'] for f in found} >= {'contract', 'actions', 'migrations'}
    waived = [f for f in found if f['waived']]
    assert [(f['rule'], f['path']) for f in waived] == [('migration-drop-column', MIGRATION)]
    assert all(len(f['fingerprint']) == 16 for f in found)
    assert len({f['fingerprint'] for f in found}) == len(found)


def test_files_are_written_and_the_console_keeps_the_text_report(scanned: dict[str, Any]
                                                                 ) -> None:
    res, plain = scanned['res'], scanned['plain']
    assert res.returncode == plain.returncode == 1
    assert res.stdout == plain.stdout and 'hotfix-hooks: FAILED' in res.stdout
    assert sorted(p.name for p in scanned['out'].iterdir()) == [
        'findings.sarif', 'gl-code-quality-report.json', 'junit.xml', 'summary.md']


# -- SARIF -------------------------------------------------------------------------------
def test_sarif_validates_against_the_oasis_schema(scanned: dict[str, Any]) -> None:
    jsonschema.validate(scanned['sarif'], SCHEMA)
    assert scanned['sarif']['version'] == '2.1.0'


def test_sarif_rules_come_from_the_catalogue(scanned: dict[str, Any]) -> None:
    run = scanned['sarif']['runs'][0]
    driver = run['tool']['driver']
    assert driver['name'] == 'hotfix-hooks' and driver['version']
    ids = [r['id'] for r in driver['rules']]
    assert ids == list(dict.fromkeys(r['ruleId'] for r in run['results']))
    for descriptor in driver['rules']:
        rule = catalog.get(descriptor['id'])
        assert rule is not None
        assert descriptor['shortDescription']['text'] == rule.summary
        assert descriptor['fullDescription']['text'] == rule.why
        assert rule.fix in descriptor['help']['text'] and rule.bad in descriptor['help']['text']
        level = {'error': 'error', 'warning': 'warning', 'info': 'note'}[rule.severity]
        assert descriptor['defaultConfiguration']['level'] == level
        assert rule.category in descriptor['properties']['tags']
    for result in run['results']:
        assert ids[result['ruleIndex']] == result['ruleId']


def test_sarif_results_locations_fingerprints_and_suppressions(scanned: dict[str, Any]
                                                               ) -> None:
    results = scanned['sarif']['runs'][0]['results']
    by_fp = {f['fingerprint']: f for f in scanned['json']['findings']}
    assert len(results) == len(by_fp)
    for result in results:
        finding = by_fp[result['partialFingerprints']['hotfixHooks/v1']]
        loc = result['locations'][0]['physicalLocation']
        if finding['path']:
            assert loc['artifactLocation']['uri'] == finding['path']      # repository-relative
        else:       # about the repository (api-code-coverage): located at the anchor file
            assert 'no single file' in result['locations'][0]['message']['text']
        assert not loc['artifactLocation']['uri'].startswith(('/', 'file:'))
        if finding['line']:
            assert loc['region']['startLine'] == finding['line']
        assert result['ruleId'] == finding['rule']
        assert finding['message'] in result['message']['text']
        assert ('suppressions' in result) == finding['waived']
    [suppressed] = [r for r in results if 'suppressions' in r]
    assert suppressed['ruleId'] == 'migration-drop-column'
    assert suppressed['suppressions'] == [{
        'kind': 'external', 'status': 'accepted',
        'justification': 'the column has been unused since 2025-03',
        'properties': {'record': 'hotfixes/ARIS-77.toml',
                       'approved_by': ['incident_owner', 'release_owner']}}]
    levels = {r['ruleId']: r['level'] for r in results}
    assert levels['api-operation-removed'] == 'error'
    assert levels['actions-bypass-route'] == 'error'


def _sarif_tool() -> str:
    found = shutil.which('sarif', path=os.path.dirname(sys.executable))
    assert found, 'sarif-tools (the dev extra) provides the "sarif" command'
    return found


def test_a_sarif_consumer_accepts_it(scanned: dict[str, Any], tmp_path: Path) -> None:
    """sarif-tools (a SARIF consumer, in the dev extra) reads the file and counts what the
    scan found."""
    path = scanned['out'] / 'findings.sarif'
    res = subprocess.run([_sarif_tool(), 'summary', str(path)], capture_output=True,
                         text=True, timeout=120, check=False,
                         env={**os.environ, 'MPLBACKEND': 'Agg'})
    assert res.returncode == 0, res.stderr
    errors = sum(1 for r in scanned['sarif']['runs'][0]['results'] if r['level'] == 'error')
    assert f'error: {errors}' in res.stdout, res.stdout
    out = tmp_path / 'copy.sarif'
    res = subprocess.run([_sarif_tool(), 'copy', '--output', str(out), str(path)],
                         capture_output=True, text=True, timeout=120, check=False,
                         env={**os.environ, 'MPLBACKEND': 'Agg'})
    assert res.returncode == 0, res.stderr
    copied = json.loads(out.read_text())
    assert len(copied['runs'][0]['results']) == len(scanned['sarif']['runs'][0]['results'])


# -- GitLab Code Quality -----------------------------------------------------------------
def test_gitlab_code_quality_report(scanned: dict[str, Any]) -> None:
    issues = scanned['gitlab']
    by_fp = {f['fingerprint']: f for f in scanned['json']['findings']}
    assert isinstance(issues, list) and len(issues) == len(by_fp)
    for issue in issues:
        finding = by_fp[issue['fingerprint']]
        assert issue['check_name'] == finding['rule']
        assert finding['message'] in issue['description']
        assert issue['severity'] in ('info', 'minor', 'major', 'critical', 'blocker')
        expected = ('info' if finding['waived'] else
                    {'error': 'critical', 'warning': 'major', 'info': 'info'}[finding['severity']])
        assert issue['severity'] == expected
        if finding['path']:     # a finding about the repository is located at the anchor
            assert issue['location']['path'] == finding['path']
        assert issue['location']['lines']['begin'] == (finding['line'] or 1)
    waived = [i for i in issues if i['check_name'] == 'migration-drop-column']
    assert waived[0]['description'].startswith('(waived: the column has been unused')


# -- JUnit -------------------------------------------------------------------------------
def test_junit_has_a_testcase_per_check_and_file_and_a_failure_per_error(
        scanned: dict[str, Any]) -> None:
    root = scanned['junit']
    assert root.tag == 'testsuites' and root.get('name') == 'hotfix-hooks scan'
    suites = {s.get('name'): s for s in root.findall('testsuite')}
    assert {'contract', 'actions', 'migrations', 'scope'} <= set(suites)
    findings = scanned['json']['findings']
    blocking = [f for f in findings if f['severity'] == 'error' and not f['waived']]
    failed_cases = 0
    for check, suite in suites.items():
        cases = suite.findall('testcase')
        assert int(suite.get('tests', '0')) == len(cases)
        mine = [f for f in findings if f['category'] == check]
        paths = {f['path'] or '(repository)' for f in mine}
        assert {c.get('name') for c in cases} == (paths or {'(no findings)'})
        for case in cases:
            assert case.get('classname') == f'hotfix-hooks.{check}'
            errors = [f for f in blocking if f['category'] == check
                      and (f['path'] or '(repository)') == case.get('name')]
            failures = case.findall('failure')
            assert len(failures) == (1 if errors else 0)
            if errors:
                failed_cases += 1
                text = failures[0].text or ''
                for f in errors:
                    assert f"[{f['rule']}]" in text and f['message'] in text
                assert failures[0].get('message', '').startswith(f'{len(errors)} error')
    assert int(root.get('failures', '0')) == failed_cases > 0
    migrations = suites['migrations'].find('testcase')
    assert migrations is not None and migrations.get('file') == MIGRATION
    out = migrations.find('system-out')
    assert out is not None and 'waived [migration-drop-column]' in (out.text or '')


# -- Markdown ----------------------------------------------------------------------------
def test_markdown_summary(scanned: dict[str, Any]) -> None:
    text = scanned['markdown']
    lines = text.splitlines()
    assert lines[0] == '### :x: hotfix-hooks scan: FAILED'
    summary = scanned['json']['summary']
    assert f"{summary['error']} error(s), {summary['warning']} warning(s)" in text
    assert '| severity | rule | where | finding | how to fix |' in lines
    for f in scanned['json']['findings']:
        where = (f"{f['path']}:{f['line']}" if f['line'] and f['path'] else f['path']
                 ) or '(repository)'
        row = next(line for line in lines if f"`{f['rule']}`" in line and f'`{where}`' in line)
        assert row.startswith('| :white_check_mark: waived' if f['waived'] else '| ')
    rows = [line for line in lines if line.startswith('| :')]
    assert rows[0].startswith('| :x: error')        # errors first


# -- one format to the console, as before ------------------------------------------------
@pytest.mark.parametrize('fmt', ['sarif', 'gitlab', 'junit', 'markdown'])
def test_one_format_goes_to_stdout(scanned: dict[str, Any], fmt: str) -> None:
    res = run_cli(scanned['repo'], 'scan', '--format', fmt)
    assert res.returncode == 1
    written = {'sarif': 'findings.sarif', 'gitlab': 'gl-code-quality-report.json',
               'junit': 'junit.xml', 'markdown': 'summary.md'}[fmt]
    assert res.stdout == (scanned['out'] / written).read_text()


def test_json_to_a_file_is_the_json_report(scanned: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / 'deep' / 'scan.json'
    res = run_cli(scanned['repo'], 'scan', '--format', 'json', '--output', str(target))
    assert res.stdout == scanned['plain'].stdout
    assert json.loads(target.read_text()) == scanned['json']


def test_report_option_mistakes_are_one_line_errors(scanned: dict[str, Any],
                                                    tmp_path: Path) -> None:
    repo = scanned['repo']
    assert_one_line_error(run_cli(repo, 'scan', '--output', 'x.sarif'),
                          '--output x.sarif must follow the --format it writes')
    assert_one_line_error(run_cli(repo, 'scan', '--format', 'sarif', '--format', 'json'),
                          '--format sarif and --format json would both go to the console')
    assert_one_line_error(run_cli(repo, 'scan', '--format', 'sarif', '--output', 'a.json',
                                  '--format', 'json', '--output', 'a.json'),
                          '--output a.json is given twice')
    blocker = tmp_path / 'file'
    blocker.write_text('x')
    assert_one_line_error(run_cli(repo, 'scan', '--format', 'sarif', '--output',
                                  str(blocker / 'x.sarif')), 'cannot write')
    assert_one_line_error(run_cli(repo, 'scan', '--format', 'xml'), 'invalid choice')


def test_findings_about_no_file_are_anchored_for_code_scanning(scanned: dict[str, Any]
                                                               ) -> None:
    """Code scanning rejects a whole SARIF file when one result has no location: the
    branch name (no file) is located at a repository file, line 1, and says so."""
    repo = scanned['repo']
    res = run_cli(repo, 'scan', '--with-naming', '--branch', 'hf/ARIS-77-x', '--format',
                  'sarif')
    log = json.loads(res.stdout)
    jsonschema.validate(log, SCHEMA)
    [branch] = [r for r in log['runs'][0]['results'] if r['ruleId'] == 'branch-name']
    loc = branch['locations'][0]
    assert loc['physicalLocation']['artifactLocation']['uri'] == 'README.md'
    assert loc['physicalLocation']['region'] == {'startLine': 1}
    assert 'about the repository' in loc['message']['text']
    issues = json.loads(run_cli(repo, 'scan', '--with-naming', '--branch', 'hf/ARIS-77-x',
                                '--format', 'gitlab').stdout)
    [issue] = [i for i in issues if i['check_name'] == 'branch-name']
    assert issue['location'] == {'path': 'README.md', 'lines': {'begin': 1}}


def test_every_command_that_reports_findings_takes_the_report_options(
        scanned: dict[str, Any], tmp_path: Path) -> None:
    repo = scanned['repo']
    for args in (('check-branch', '--branch', 'hf/x'), ('check-tag', 'v1+hotfix.1'),
                 ('check-pr-title', '--title', 'Fix it', '--branch', BRANCH),
                 ('record',), ('ci', '--no-record', '--no-step-summary'),
                 ('openapi-diff', 'main:openapi.json', f'{BRANCH}:openapi.json')):
        target = tmp_path / f'{args[0]}.sarif'
        res = run_cli(repo, *args, '--format', 'sarif', '--output', str(target))
        assert res.returncode in (0, 1), (args, res.stderr)
        jsonschema.validate(json.loads(target.read_text()), SCHEMA)
        assert not res.stdout.startswith('{'), args        # the console keeps its format


# -- the job summary ---------------------------------------------------------------------
def _github(summary: Path) -> dict[str, str]:
    return {'GITHUB_ACTIONS': 'true', 'GITHUB_EVENT_NAME': 'push',
            'GITHUB_REF': f'refs/heads/{BRANCH}', 'GITHUB_REF_NAME': BRANCH,
            'GITHUB_STEP_SUMMARY': str(summary)}


def test_ci_under_github_actions_appends_the_markdown_summary(scanned: dict[str, Any],
                                                               tmp_path: Path) -> None:
    repo = scanned['repo']
    summary = tmp_path / 'step_summary'
    summary.write_text('## an earlier step\n')
    res = run_cli(repo, 'ci', '--no-record', '--format', 'sarif', '--output',
                  str(tmp_path / 'ci.sarif'), env=_github(summary))
    assert res.returncode == 1, res.stderr
    # the annotations still go to the console (the default under GitHub Actions)
    assert any(line.startswith('::error file=openapi.json') for line in res.stdout.splitlines())
    text = summary.read_text()
    assert text.startswith('## an earlier step\n### :x: hotfix-hooks ci: FAILED\n')
    assert '`api-operation-removed`' in text and '`actions-bypass-route`' in text
    jsonschema.validate(json.loads((tmp_path / 'ci.sarif').read_text()), SCHEMA)


def test_ci_job_summary_can_be_turned_off_and_is_not_written_twice(scanned: dict[str, Any],
                                                                   tmp_path: Path) -> None:
    repo = scanned['repo']
    summary = tmp_path / 'step_summary'
    summary.write_text('')
    run_cli(repo, 'ci', '--no-record', '--no-step-summary', env=_github(summary))
    assert summary.read_text() == ''
    run_cli(repo, 'ci', '--no-record', '--format', 'markdown', '--output', str(summary),
            env=_github(summary))
    assert summary.read_text().count('hotfix-hooks ci: FAILED') == 1
    # no GITHUB_STEP_SUMMARY: nothing to write, nothing said
    env = _github(summary)
    del env['GITHUB_STEP_SUMMARY']
    res = run_cli(repo, 'ci', '--no-record', env=env)
    assert 'summary' not in res.stderr


def test_an_unwritable_job_summary_is_a_note_not_a_lost_verdict(scanned: dict[str, Any],
                                                                 tmp_path: Path) -> None:
    blocker = tmp_path / 'a-file'
    blocker.write_text('')
    res = run_cli(scanned['repo'], 'ci', '--no-record', env=_github(blocker / 'summary'))
    assert res.returncode == 1
    assert 'note: no job summary' in res.stderr


# -- the CI templates write what they upload ---------------------------------------------
def _template(name: str) -> Any:
    import yaml

    from tests.support.gitrepo import ROOT

    return yaml.safe_load((ROOT / 'examples' / name).read_text())


def _ci_argv(commands: list[str]) -> list[str]:
    import shlex

    [line] = [c for c in commands if c.startswith('hotfix-hooks ci')]
    return shlex.split(line)[1:]


def test_the_github_template_uploads_the_sarif_it_writes(tmp_path: Path) -> None:
    repo = service_repo(tmp_path / 'gh')
    steps = _template('github-actions.yml')['jobs']['hotfix-hooks']['steps']
    argv = _ci_argv([s['run'] for s in steps if 'run' in s])
    [upload] = [s for s in steps if str(s.get('uses', '')).startswith(
        'github/codeql-action/upload-sarif')]
    summary = tmp_path / 'summary.md'
    res = run_cli(repo, *argv, env=_github(summary))
    assert res.returncode == 1, res.stderr
    jsonschema.validate(json.loads((repo.path / upload['with']['sarif_file']).read_text()),
                        SCHEMA)
    assert 'hotfix-hooks ci: FAILED' in summary.read_text()
    assert 'always()' in upload['if']        # uploaded when the check fails too


def test_the_gitlab_template_writes_its_report_artifacts(tmp_path: Path) -> None:
    repo = service_repo(tmp_path / 'gl')
    job = _template('gitlab-ci.yml')['hotfix-hooks']
    argv = _ci_argv(job['script'])
    env = {'GITLAB_CI': 'true', 'CI_COMMIT_REF_NAME': BRANCH, 'CI_COMMIT_BRANCH': BRANCH}
    res = run_cli(repo, *argv, env=env)
    assert res.returncode == 1, res.stderr
    assert 'hotfix-hooks: FAILED' in res.stdout           # the text report in the job log
    reports = job['artifacts']['reports']
    issues = json.loads((repo.path / reports['codequality']).read_text())
    assert issues and all({'description', 'check_name', 'fingerprint', 'severity',
                           'location'} <= set(i) for i in issues)
    assert ET.parse(repo.path / reports['junit']).getroot().tag == 'testsuites'
    for path in job['artifacts']['paths']:
        assert (repo.path / path).is_file()
    assert job['artifacts']['when'] == 'always'
