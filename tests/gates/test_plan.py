"""The gates' pure planning: policy, domain selection, rollback command, evidence reuse."""
from __future__ import annotations

from typing import Any

import pytest

from hotfix_hooks import __version__
from hotfix_hooks import policy as policy_mod
from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.errors import ConfigError
from hotfix_hooks.errors import UsageError
from hotfix_hooks.gates import plan as gate_plan
from hotfix_hooks.gates.evidence import GateResult

DEFAULT = policy_mod.from_mapping({}, None)


def changes(*paths: str, renames: dict[str, str] | None = None) -> ChangeSet:
    base = dict.fromkeys(paths, 'old\n')
    head = dict.fromkeys(paths, 'new\n')
    for new, old in (renames or {}).items():
        base.pop(new, None)
        base[old] = 'a\nb\nc\n'
        head[new] = 'a\nb\nc\nd\n'
    return ChangeSet.from_texts(base=base, head=head, renames=renames)


# -- policy ----------------------------------------------------------------------------
def test_default_gates_are_the_protocol_commands() -> None:
    gates = DEFAULT['gates']
    assert [(g['name'], g['command']) for g in gates] == [
        ('smoke', ['pytest', '-q', 'tests/smoke/test_post_go_live_stability.py']),
        ('integrity', ['python', 'scripts/post_go_live_integrity_check.py', '--strict']),
    ]
    assert set(DEFAULT['domains']) == {'pos', 'transfers', 'stock', 'rbac'}


def test_issue_example_policy_is_accepted() -> None:
    p = policy_mod.from_mapping({
        'base': 'main',
        'gates': [
            {'name': 'smoke', 'command': ['pytest', '-q', 'tests/smoke/test_x.py'],
             'timeout': 900,
             'env': {'DATABASE_URL': 'sqlite+pysqlite:///./.hotfix-smoke.db', 'PYTHONPATH': '.'},
             'setup': [['alembic', 'upgrade', 'head']]},
            {'name': 'integrity', 'command': 'python scripts/check.py --strict'},
        ],
        'domains': {'pos': {'paths': ['app/**/pos*', 'tests/**/test_pos*'],
                            'command': ['pytest', '-q', 'tests', '-k', 'pos']}},
    }, 'pyproject.toml')
    smoke, integrity = p['gates']
    assert smoke['setup'] == [['alembic', 'upgrade', 'head']]
    assert smoke['env']['PYTHONPATH'] == '.'
    assert integrity['command'] == ['python', 'scripts/check.py', '--strict']   # shlex split
    assert integrity['timeout'] == 900.0 and integrity['cwd'] == '.'
    assert p['domains']['pos']['paths'] == ['app/**/pos*', 'tests/**/test_pos*']
    # the other default domains are kept
    assert set(p['domains']) == {'pos', 'transfers', 'stock', 'rbac'}


def test_user_domain_merges_over_the_default_and_can_be_disabled() -> None:
    p = policy_mod.from_mapping({'domains': {
        'pos': {'command': 'pytest -q tests/pos'},
        'rbac': {'enabled': False},
        'billing': {'paths': ['billing/**'], 'command': ['pytest', '-k', 'billing']},
    }}, None)
    assert p['domains']['pos']['command'] == ['pytest', '-q', 'tests/pos']
    assert p['domains']['pos']['paths'] == DEFAULT['domains']['pos']['paths']
    sel = gate_plan.select_domains(changes('app/rbac/roles.py', 'billing/x.py'), p['domains'])
    assert list(sel.selected) == ['billing']
    assert sel.unmatched == ['app/rbac/roles.py']


@pytest.mark.parametrize('raw, message', [
    ({'gates': [{'command': 'x'}]}, 'gates[0].name is missing'),
    ({'gates': [{'name': 'smoke'}]}, 'gates[0].command is missing'),
    ({'gates': [{'name': 'a', 'command': 'x'}, {'name': 'a', 'command': 'y'}]},
     'two gates are named'),
    ({'gates': [{'name': 'a', 'command': 7}]}, 'must be a command'),
    ({'gates': [{'name': 'a', 'command': 'x', 'timeout': 0}]}, 'positive number'),
    ({'gates': [{'name': 'a', 'command': 'x', 'colour': 1}]},
     "unknown policy key 'gates[0].colour'"),
    ({'gates': [{'name': 'rollback', 'command': 'x'}]}, 'reserved'),
    ({'gates': [{'name': 'a', 'command': 'x "unclosed'}]}, 'cannot split'),
    ({'gates': {'name': 'a'}}, 'array of tables'),
    ({'domains': {'pos': {'paths': 'app/pos'}}}, "'domains.pos.paths' must be a list"),
    ({'domains': {'new': {'paths': ['x/**']}}}, 'domains.new.command is missing'),
    ({'gate': {'rollback_dry_run': 5}}, 'must be a command'),
])
def test_bad_gate_policy_is_one_clear_config_error(raw: dict, message: str) -> None:
    with pytest.raises(ConfigError) as e:
        policy_mod.from_mapping(raw, '/x/pyproject.toml')
    assert message in str(e.value)
    assert str(e.value).startswith('pyproject.toml: ')


# -- domain selection --------------------------------------------------------------------
@pytest.mark.parametrize('path, domain', [
    ('app/pos/checkout.py', 'pos'),
    ('app/services/pos_receipts.py', 'pos'),
    ('tests/test_pos.py', 'pos'),
    ('app/api/checkout.py', 'pos'),
    ('app/transfers/state.py', 'transfers'),
    ('app/services/transfer_service.py', 'transfers'),
    ('tests/integration/test_transfers.py', 'transfers'),
    ('app/stock/totals.py', 'stock'),
    ('app/models/stock.py', 'stock'),
    ('tests/test_stock_totals.py', 'stock'),
    ('app/inventory/adjust.py', 'stock'),
    ('app/rbac/policy.py', 'rbac'),
    ('app/auth/permissions.py', 'rbac'),
    ('tests/test_rbac_matrix.py', 'rbac'),
])
def test_each_default_domain_runs_for_its_files(path: str, domain: str) -> None:
    sel = gate_plan.select_domains(changes(path), DEFAULT['domains'])
    assert list(sel.selected) == [domain]
    assert sel.because(domain) == path
    assert sel.unmatched == []
    assert domain not in sel.untouched


@pytest.mark.parametrize('path', ['app/config.py', 'README.md', 'app/position.py',
                                  'app/posts/views.py', 'app/restocking_notes.txt'])
def test_a_file_matching_no_domain_is_listed(path: str) -> None:
    sel = gate_plan.select_domains(changes(path), DEFAULT['domains'])
    assert sel.selected == {}
    assert sel.unmatched == [path]
    assert sel.untouched == ['pos', 'transfers', 'stock', 'rbac']


def test_selection_names_the_first_file_and_counts_the_rest() -> None:
    sel = gate_plan.select_domains(
        changes('app/stock/a.py', 'app/stock/b.py', 'app/stock/c.py', 'docs/x.md'),
        DEFAULT['domains'])
    assert sel.because('stock') == 'app/stock/a.py (+2 more)'
    assert sel.unmatched == ['docs/x.md']


def test_a_file_moved_out_of_a_domain_still_runs_it() -> None:
    sel = gate_plan.select_domains(changes('app/misc/helpers.py',
                                           renames={'app/misc/helpers.py': 'app/pos/helpers.py'}),
                                   DEFAULT['domains'])
    assert list(sel.selected) == ['pos']


def test_nothing_changed_selects_nothing() -> None:
    sel = gate_plan.select_domains(ChangeSet.from_texts({}, {}), DEFAULT['domains'])
    assert sel.selected == {} and sel.unmatched == []


# -- rollback dry-run --------------------------------------------------------------------
RECORD = '''ticket = "ARIS-77"
[rollback]
command = "deploy rollback 0.1.0-rc.3"
dry_run = "python scripts/rollback.py --dry-run 'rc 3'"
'''


def test_rollback_from_the_record() -> None:
    argv, source, problems = gate_plan.rollback_command(
        None, ('hotfixes/ARIS-77.toml', RECORD), DEFAULT)
    assert argv == ['python', 'scripts/rollback.py', '--dry-run', 'rc 3']
    assert source == 'hotfixes/ARIS-77.toml [rollback] dry_run'
    assert problems == []


def test_cli_rollback_beats_the_record_and_the_record_beats_the_policy() -> None:
    p = policy_mod.from_mapping({'gate': {'rollback_dry_run': 'make rollback-dry-run'}}, None)
    argv, source, _ = gate_plan.rollback_command('./rb --check', ('r.toml', RECORD), p)
    assert (argv, source) == (['./rb', '--check'], '--rollback-dry-run')
    argv, _, _ = gate_plan.rollback_command(None, ('r.toml', RECORD), p)
    assert argv[:2] == ['python', 'scripts/rollback.py']
    argv, source, _ = gate_plan.rollback_command(None, ('r.toml', None), p)
    assert argv == ['make', 'rollback-dry-run']
    assert source == '[tool.hotfix-hooks.gate] rollback_dry_run'
    empty_record = 'ticket = "ARIS-77"\n[rollback]\ndry_run = ""\n'
    argv, _, _ = gate_plan.rollback_command(None, ('r.toml', empty_record), p)
    assert argv == ['make', 'rollback-dry-run']


def test_no_rollback_anywhere_is_an_empty_command() -> None:
    assert gate_plan.rollback_command(None, None, DEFAULT) == ([], '', [])


def test_unreadable_record_is_a_warning_not_a_traceback() -> None:
    argv, _, problems = gate_plan.rollback_command(None, ('hotfixes/A-1.toml', '[rollback\n'),
                                                   DEFAULT)
    assert argv == []
    assert [(f.rule, f.severity, f.path) for f in problems] == [
        ('gate-record-unreadable', 'warning', 'hotfixes/A-1.toml')]
    _, _, problems = gate_plan.rollback_command(None, ('r.toml', '[rollback]\ndry_run = 3\n'),
                                                DEFAULT)
    assert 'must be a string' in problems[0].message


def test_bad_cli_rollback_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        gate_plan.rollback_command('python "x', None, DEFAULT)


def test_record_path_default_and_configured() -> None:
    from hotfix_hooks.record.model import record_path

    assert record_path(DEFAULT, 'ARIS-77') == 'hotfixes/ARIS-77.toml'
    p = policy_mod.from_mapping({'record': {'path': 'ops/hotfix-{ticket}.toml'}}, None)
    assert record_path(p, 'ARIS-77') == 'ops/hotfix-ARIS-77.toml'


# -- plan and reuse --------------------------------------------------------------------
def test_plan_orders_gates_then_domains_then_rollback() -> None:
    sel = gate_plan.select_domains(changes('app/stock/t.py', 'app/pos/c.py'),
                                   DEFAULT['domains'])
    specs = gate_plan.plan(DEFAULT, sel, ['./rb', '--dry-run'], 'the record')
    assert [(s.name, s.kind) for s in specs] == [
        ('smoke', 'gate'), ('integrity', 'gate'), ('domain:pos', 'domain'),
        ('domain:stock', 'domain'), ('rollback', 'rollback')]
    assert specs[3].detail == 'touched by app/stock/t.py'
    assert specs[3].command == ['pytest', '-q', 'tests', '-k', 'stock']
    assert specs[4].timeout == 300.0 and specs[4].detail == 'from the record'


def _result(name: str, status: str, tree: str, command: list[str], **kw: Any) -> GateResult:
    fields: dict[str, Any] = {'policy_digest': 'p1', 'version': __version__}
    fields.update(kw)
    return GateResult(name=name, kind='gate', command=command, status=status, exit_code=0,
                      duration_s=1.0, commit='c' * 40, tree=tree, started_at='t',
                      finished_at='t', **fields)


def test_only_a_pass_of_the_same_gate_on_the_same_tree_and_policy_is_reused() -> None:
    spec = gate_plan.GateSpec(name='smoke', kind='gate', command=['pytest', '-q'],
                              env={'MODE': 'strict'})
    tree = 'a' * 40
    ok = _result('smoke', 'pass', tree, ['pytest', '-q'], env={'MODE': 'strict'})
    assert gate_plan.reusable(spec, {'smoke': ok}, tree, 'p1') is ok
    assert gate_plan.reusable(spec, {'smoke': ok}, 'b' * 40, 'p1') is None
    assert gate_plan.reusable(spec, {'smoke': ok}, tree, 'p2') is None       # another policy
    for other in (_result('smoke', 'fail', tree, ['pytest', '-q'], env={'MODE': 'strict'}),
                  _result('smoke', 'pass', tree, ['pytest'], env={'MODE': 'strict'}),
                  _result('smoke', 'pass', tree, ['pytest', '-q']),            # env differs
                  _result('smoke', 'pass', tree, ['pytest', '-q'], env={'MODE': 'strict'},
                          cwd='tests'),
                  _result('smoke', 'pass', tree, ['pytest', '-q'], env={'MODE': 'strict'},
                          setup=[['true']]),
                  _result('smoke', 'pass', tree, ['pytest', '-q'], env={'MODE': 'strict'},
                          version='0.0.1')):
        assert gate_plan.reusable(spec, {'smoke': other}, tree, 'p1') is None, other
    assert gate_plan.reusable(spec, {}, tree, 'p1') is None
