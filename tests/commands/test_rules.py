"""``hotfix-hooks rules`` and ``hotfix-hooks explain``: the rule catalogue on the command line."""
from __future__ import annotations

import json

import pytest

from hotfix_hooks import catalog
from hotfix_hooks.commands import explain
from hotfix_hooks.commands import rules as rules_command
from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.gitrepo import ROOT
from tests.support.hookkit import assert_one_line_error


def test_rules_json_lists_every_rule_with_every_field(repo: GitRepo) -> None:
    res = run_cli(repo, 'rules', '--format', 'json')
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data['tool']['name'] == 'hotfix-hooks'
    ids = [r['id'] for r in data['rules']]
    assert ids == list(catalog.rules()) and len(ids) == len(set(ids))
    for r in data['rules']:
        assert {'id', 'category', 'severity', 'summary', 'why', 'fix', 'bad', 'good'} <= set(r)
    by_id = {r['id']: r for r in data['rules']}
    assert by_id['migration-drop-table']['family'] == 'destructive'
    assert by_id['scope-too-many-files']['severity_note'].startswith('scope.severity')


def test_rules_by_category_as_text(repo: GitRepo) -> None:
    res = run_cli(repo, 'rules', '--category', 'gate')
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0] == 'gate (7)'
    assert any(line.split()[:2] == ['gate-failed', 'error'] for line in lines)
    assert 'migration-' not in res.stdout
    assert lines[-1].startswith('7 rules; "hotfix-hooks explain RULE"')
    data = json.loads(run_cli(repo, 'rules', '--category', 'migrations', '--format',
                              'json').stdout)
    assert {r['category'] for r in data['rules']} == {'migrations'}
    assert_one_line_error(run_cli(repo, 'rules', '--category', 'nope'), 'invalid choice')


def test_rules_markdown_is_the_committed_reference(repo: GitRepo) -> None:
    res = run_cli(repo, 'rules', '--format', 'markdown')
    assert res.stdout == (ROOT / 'docs' / 'rules.md').read_text()
    section = run_cli(repo, 'rules', '--format', 'markdown', '--category', 'record').stdout
    assert section.startswith('## record\n') and '`record-waiver-stale`' in section
    assert '`gate-failed`' not in section


@pytest.mark.parametrize('category', sorted({r.category for r in catalog.rules().values()}))
def test_explain_works_for_every_rule(category: str, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    for rule in catalog.by_category(category):
        assert explain.main([rule.id]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f'{rule.id}  [{rule.category}, {rule.severity}')
        for text in (rule.summary, rule.why, rule.fix, rule.bad, rule.good):
            assert text in out, (rule.id, text)
        assert explain.main([rule.id, '--format', 'json']) == 0
        assert json.loads(capsys.readouterr().out) == rule.to_json()


def test_explain_an_unknown_rule_names_the_nearest_ids(repo: GitRepo) -> None:
    line = assert_one_line_error(run_cli(repo, 'explain', 'scope-too-many-file'),
                                 "unknown rule 'scope-too-many-file'")
    assert 'did you mean scope-too-many-files' in line
    line = assert_one_line_error(run_cli(repo, 'explain', 'zzz'), 'unknown rule')
    assert '"hotfix-hooks rules" lists the known rule ids' in line


def test_explain_of_a_finding_from_a_real_run(repo: GitRepo) -> None:
    """The rule a finding names is the rule explain explains (the loop a user follows)."""
    repo.commit('base', {'README.md': 'x\n'})
    res = run_cli(repo, 'check-branch', '--branch', 'hf/ARIS-1-fix', '--format', 'json')
    rule = json.loads(res.stdout)['findings'][0]['rule']
    out = run_cli(repo, 'explain', rule)
    assert out.returncode == 0 and out.stdout.startswith(f'{rule}  [naming, error]')


def test_the_markdown_reference_anchors_every_rule() -> None:
    text = rules_command.markdown()
    for rule in catalog.rules().values():
        assert f'`{rule.id}`' in text
        if rule.group:
            assert f'<a id="{rule.id}"></a>' in text
        else:
            assert f'### `{rule.id}`' in text
