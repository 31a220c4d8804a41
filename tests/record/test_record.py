"""The hotfix record as pure functions: parse, validate, decide, derived data-integrity
risk, waivers, scope additions and the status template (no git)."""
from __future__ import annotations

import re
from typing import Any

import pytest

from hotfix_hooks import policy as policy_mod
from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.record import check as record_check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.checks.scope import check as scope_check
from hotfix_hooks.errors import ConfigError
from hotfix_hooks.findings import exit_code
from hotfix_hooks.findings import Finding
from hotfix_hooks.git.context import Context
from hotfix_hooks.pipeline import scan
from hotfix_hooks.policy import status_template as status
from hotfix_hooks.record import integrity
from hotfix_hooks.record import model as record
from hotfix_hooks.record import waivers
from hotfix_hooks.record.decision import decide
from tests.support.records import COMPLETE
from tests.support.records import edit
from tests.support.records import owner_history
from tests.support.records import OWNERS_POLICY
from tests.support.records import PATH

BRANCH = 'hotfix/ARIS-77-fix-stock-totals-drift'

# The record exactly as issue 7 shows it (what "hotfix-hooks new ARIS-77 ..." writes).
ISSUE_TOML = '''\
ticket = "ARIS-77"
severity = "P1"                       # P0 | P1 | P2
eligibility = "critical-defect"       # critical-defect | config-change | correctness-fix | observability
customer_impact = ""
decision = "patch-forward"            # patch-forward | rollback-first
change_scope = ""
owner = ""
next_update_utc = ""                  # e.g. 2026-11-27T14:00:00Z

[rollback]
command = ""                          # or release_tag
dry_run = ""                          # the command that proves the rollback path
release_tag = ""

[approvals.incident_owner]
name = ""
approved_at = ""                      # UTC time; empty while pending

[approvals.release_owner]
name = ""
approved_at = ""

[conditions]                          # the protocol's rollback-first conditions
critical_path_unavailable = false
root_cause_uncertain = false          # or patch confidence low
data_integrity_risk = false
eta_exceeds_slo = false

# [[exceptions]]                      # waivers
# rule = "migration-downgrade-noop"
# path = "migrations/versions/0031_x.py"
# reason = "..."
# approved_by = ["incident_owner", "release_owner"]
'''  # noqa: E501

POLICY = policy_mod.from_mapping(OWNERS_POLICY, None)


def changes_with(rec: str | None, head: dict[str, str] | None = None,
                 base: dict[str, str] | None = None) -> ChangeSet:
    """The fix, with a history in which the owners approved the record as ``rec`` has it,
    each in their own commit."""
    base_files = {'app/api.py': 'def total():\n    return 1\n', **(base or {})}
    head_files = {'app/api.py': 'def total():\n    return 2\n', **(head or {})}
    if rec is not None:
        head_files[PATH] = rec
    changes = ChangeSet.from_texts(base=base_files, head=head_files)
    if rec is not None:
        code = tuple(f.path for f in changes.files if f.path != PATH)
        changes.history = owner_history(rec, code=code)
    return changes


def run_info(**options: Any) -> RunInfo:
    return RunInfo(branch=BRANCH, hotfix=True, ticket='ARIS-77', stage='pre-push',
                   options=options)


def check(rec: str | None, policy: Any = POLICY, head: dict[str, str] | None = None,
          base: dict[str, str] | None = None, **options: Any) -> list[Finding]:
    return record_check(changes_with(rec, head, base), policy, run_info(**options))


def rules(findings: list[Finding]) -> list[str]:
    return sorted(f.rule for f in findings)


def policy_of(**tables: Any) -> policy_mod.Policy:
    return policy_mod.from_mapping({**OWNERS_POLICY, **tables}, None)


# -- the record file --------------------------------------------------------------------
def test_complete_record_has_no_findings() -> None:
    assert check(COMPLETE) == []
    rec, findings = record.parse(COMPLETE, PATH, POLICY)
    assert findings == []
    assert rec is not None
    assert rec.approvals['release_owner'].approved_at == '2026-11-27T12:45:00Z'
    assert rec.rollback_plan == './deploy.sh rollback 0.1.0-rc.3 / release tag 0.1.0-rc.3'


# the record `new` writes: the decisions are not taken yet, the choices stand beside them
UNDECIDED = {
    'severity = "P1"                       # P0 | P1 | P2':
        'severity = ""                         # to choose: P0 | P1 | P2',
    'eligibility = "critical-defect"       # critical-defect | config-change | correctness-fix '
    '| observability':
        'eligibility = ""                      # to choose: critical-defect | config-change | '
        'correctness-fix | observability',
    'decision = "patch-forward"            # patch-forward | rollback-first':
        'decision = ""                         # to choose: patch-forward | rollback-first '
        '("hotfix-hooks decide" helps)',
}


def test_new_record_template_is_the_issue_toml_with_every_field_commented() -> None:
    text = record.render_template('ARIS-77')
    body = '\n'.join(line for line in text.splitlines()
                     if not line.startswith(('#   ', '# The hotfix', '# Fill', '# checks')))
    expected = ISSUE_TOML
    for decided, undecided in UNDECIDED.items():
        assert decided in expected
        expected = expected.replace(decided, undecided)
    assert body.strip() == expected.strip()
    for field in ('ticket', 'severity', 'eligibility', 'customer_impact', 'decision',
                  'change_scope', 'owner', 'next_update_utc', '[rollback]', '[approvals.*]',
                  '[conditions]', '[[exceptions]]'):
        assert re.search(rf'^#   {re.escape(field)} ', text, re.M), field
    rec, findings = record.parse(text, PATH, POLICY)
    assert rec is not None and rec.ticket == 'ARIS-77'
    missing = sorted(f.extra['field'] for f in findings if f.rule == 'record-field-missing')
    assert missing == ['change_scope', 'customer_impact', 'decision', 'eligibility',
                       'next_update_utc', 'owner', 'rollback.command', 'rollback.dry_run',
                       'severity']
    # nothing pre-decided: each decision field is reported with its choices
    choices = {f.extra['field']: f.message for f in findings}
    assert 'P0 | P1 | P2' in choices['severity']
    assert 'patch-forward | rollback-first' in choices['decision']


@pytest.mark.parametrize('key,field', [
    ('severity', 'severity'),
    ('eligibility', 'eligibility'),
    ('customer_impact', 'customer_impact'),
    ('decision', 'decision'),
    ('change_scope', 'change_scope'),
    ('owner', 'owner'),
    ('next_update_utc', 'next_update_utc'),
    ('ticket', 'ticket'),
    ('dry_run', 'rollback.dry_run'),
    ('eta_exceeds_slo', 'conditions.eta_exceeds_slo'),
    ('data_integrity_risk', 'conditions.data_integrity_risk'),
])
def test_each_missing_field_is_named(key: str, field: str) -> None:
    findings = check(edit(COMPLETE, key, None))
    missing = [f for f in findings if f.rule == 'record-field-missing']
    assert [f.extra['field'] for f in missing] == [field]
    f = missing[0]
    assert f.severity == 'error' and f.path == PATH and f'"{field}"' in f.message
    assert f.hint.startswith('fill it in')
    assert exit_code(findings) == 1


def test_empty_field_counts_as_missing_and_points_at_its_line() -> None:
    text = edit(COMPLETE, 'owner', '""')
    [f] = check(text)
    assert (f.rule, f.extra['field'], f.line) == ('record-field-missing', 'owner', 7)


def test_rollback_plan_needs_a_command_or_a_release_tag() -> None:
    no_command = edit(COMPLETE, 'command', '""')
    assert check(no_command) == []          # the release tag is a rollback plan
    neither = edit(no_command, 'release_tag', '""')
    [f] = check(neither)
    assert (f.rule, f.extra['field']) == ('record-field-missing', 'rollback.command')
    assert 'release_tag' in f.message


def test_missing_approval_table_is_named() -> None:
    text = COMPLETE.replace('[approvals.release_owner]\nname = "Rene Release"\n'
                            'approved_at = 2026-11-27T12:45:00Z\n', '')
    [f] = check(text)
    assert (f.rule, f.extra['field']) == ('record-field-missing', 'approvals.release_owner')


@pytest.mark.parametrize('key,value,field,words', [
    ('severity', '"P4"', 'severity', 'P0 | P1 | P2'),
    ('eligibility', '"new-feature"', 'eligibility', 'critical-defect'),
    ('decision', '"wait-and-see"', 'decision', 'patch-forward | rollback-first'),
    ('next_update_utc', '"tomorrow"', 'next_update_utc', 'not a UTC date-time'),
    ('next_update_utc', '"2026-11-27T14:00:00"', 'next_update_utc', 'not a UTC date-time'),
    ('next_update_utc', '"2026-11-27T15:00:00+01:00"', 'next_update_utc', 'UTC'),
    ('approved_at', '"yesterday"', 'approvals.incident_owner.approved_at', 'UTC'),
    ('critical_path_unavailable', '"no"', 'conditions.critical_path_unavailable',
     'true or false'),
    ('customer_impact', '3', 'customer_impact', 'must be a string'),
    ('change_scope', '"""two\nlines"""', 'change_scope', 'one line'),
])
def test_each_malformed_field_is_named(key: str, value: str, field: str, words: str) -> None:
    findings = check(edit(COMPLETE, key, value))
    bad = [f for f in findings if f.rule == 'record-field-invalid']
    assert [f.extra['field'] for f in bad] == [field]
    assert f'"{field}"' in bad[0].message and words in bad[0].message
    assert bad[0].line is not None and bad[0].severity == 'error'


def test_invalid_toml_names_the_line() -> None:
    text = COMPLETE.replace('owner = "Dana Ops"', 'owner = Dana Ops')
    [f] = check(text)
    assert f.rule == 'record-invalid-toml' and f.line == 7 and f.path == PATH


def test_typo_in_a_field_name_is_a_warning_and_the_real_field_missing() -> None:
    text = COMPLETE.replace('severity = "P1"', 'serverity = "P1"')
    assert rules(check(text)) == ['record-field-missing', 'record-unknown-field']
    unknown = [f for f in check(text) if f.rule == 'record-unknown-field'][0]
    assert unknown.severity == 'warning' and 'serverity' in unknown.message


def test_missing_record_on_a_hotfix_branch_is_an_error() -> None:
    [f] = check(None)
    assert f.rule == 'record-missing' and f.path == PATH and 'hotfix-hooks new ARIS-77' in f.hint


def test_other_branches_need_no_record() -> None:
    run = RunInfo(branch='feature/x', hotfix=False, ticket=None)
    assert record_check(changes_with(None), POLICY, run) == []


def test_record_path_follows_the_policy() -> None:
    pol = policy_of(record={'path': 'docs/incidents/{ticket}/record.toml'})
    changes = ChangeSet.from_texts(base={}, head={'docs/incidents/ARIS-77/record.toml':
                                                  COMPLETE})
    changes.history = owner_history(COMPLETE, 'docs/incidents/ARIS-77/record.toml', code=())
    assert record_check(changes, pol, run_info()) == []
    with pytest.raises(ConfigError, match='must be a path containing'):
        policy_of(record={'path': 'hotfixes/record.toml'})


def test_ticket_must_match_the_branch() -> None:
    [f] = check(edit(COMPLETE, 'ticket', '"ARIS-78"'))
    assert f.rule == 'record-ticket-mismatch' and f.line == 1
    assert 'ARIS-78' in f.message and 'ARIS-77' in f.message


@pytest.mark.parametrize('eligibility,eligible', [
    ('correctness-fix', False), ('critical-defect', False),
    ('config-change', True), ('observability', True),
])
def test_p2_is_eligible_only_as_config_or_observability(eligibility: str,
                                                        eligible: bool) -> None:
    text = edit(edit(COMPLETE, 'severity', '"P2"'), 'eligibility', f'"{eligibility}"')
    found = check(text)
    assert rules(found) == ([] if eligible else ['record-not-eligible'])
    if not eligible:
        assert found[0].severity == 'error' and 'not eligible' in found[0].message


def test_approvals_pending_warn_on_push_and_fail_when_required() -> None:
    text = edit(COMPLETE, 'approved_at', '""')     # the incident owner's
    [pending] = check(text)
    assert pending.rule == 'record-approval-pending' and pending.severity == 'warning'
    assert 'incident owner (Ines Incident)' in pending.message
    assert exit_code([pending]) == 0
    [required] = check(text, require_approvals=True)
    assert required.severity == 'error' and exit_code([required]) == 1


def test_approvals_given_pass_even_when_required() -> None:
    assert check(COMPLETE, require_approvals=True) == []


def test_approval_time_without_a_name_is_reported() -> None:
    text = edit(COMPLETE, 'name', '""')
    assert rules(check(text)) == ['record-approval-pending', 'record-field-missing']


def test_required_approvers_come_from_the_policy() -> None:
    pol = policy_of(record={'required_approvers': ['incident_owner', 'release_owner',
                                                   'qa_owner']})
    [f] = check(COMPLETE, pol)
    assert (f.rule, f.extra['field']) == ('record-field-missing', 'approvals.qa_owner')


# -- rollback-first ---------------------------------------------------------------------
@pytest.mark.parametrize('condition', list(record.CONDITIONS))
def test_each_rollback_first_condition_flags_patch_forward(condition: str) -> None:
    text = edit(COMPLETE, condition, 'true')
    [f] = check(text)
    assert f.rule == 'record-decision-mismatch' and f.severity == 'error' and f.line == 5
    assert record.CONDITIONS[condition] in f.message
    assert check(edit(text, 'decision', '"rollback-first"')) == []
    rec, _ = record.parse(text, PATH, POLICY)
    verdict = decide(rec, [])
    assert verdict.recommendation == 'rollback-first' and not verdict.matches
    assert [r.condition for r in verdict.reasons if r.value] == [condition]


def test_no_condition_means_patch_forward() -> None:
    rec, _ = record.parse(COMPLETE, PATH, POLICY)
    verdict = decide(rec, [])
    assert verdict.recommendation == 'patch-forward' and verdict.matches
    assert all(r.value is False and r.source == 'record' for r in verdict.reasons)


def test_decide_without_a_record_knows_only_the_derived_condition() -> None:
    verdict = decide(None, ['app/stock/totals.py: in the stock totals area'])
    assert verdict.recommendation == 'rollback-first'
    assert verdict.unknown == ['critical_path_unavailable', 'root_cause_uncertain',
                               'eta_exceeds_slo']
    assert not decide(None, []).matches


ALEMBIC_DATA = '''\
from alembic import op

revision = "0031"
down_revision = "0030"


def upgrade():
    op.execute("UPDATE stock_totals SET qty = 0 WHERE qty < 0")


def downgrade():
    pass
'''
ALEMBIC_SCHEMA = '''\
import sqlalchemy as sa
from alembic import op


def upgrade():
    op.add_column("stock", sa.Column("note", sa.Text(), nullable=True))


def downgrade():
    op.execute("DELETE FROM audit WHERE kind = 'note'")
    op.drop_column("stock", "note")
'''
ALEMBIC_CORE = '''\
import sqlalchemy as sa
from alembic import op

orders = sa.table("orders", sa.column("state"))


def upgrade():
    op.execute(orders.update().values(state="closed"))
'''
DJANGO_DATA = '''\
from django.db import migrations


def forwards(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
'''


@pytest.mark.parametrize('path,text,why', [
    ('migrations/versions/0031_clamp.py', ALEMBIC_DATA, 'UPDATE statement (line 8)'),
    ('migrations/versions/0032_core.py', ALEMBIC_CORE, 'SQLAlchemy insert/update/delete'),
    ('shop/migrations/0007_backfill.py', DJANGO_DATA, 'RunPython data migration'),
    ('db/migrations/0009.sql', '-- fix\nDELETE FROM transfers WHERE state IS NULL;\n',
     'DELETE statement'),
    ('migrations/versions/0033_seed.py',
     'from alembic import op\n\ndef upgrade():\n    op.bulk_insert(t, [{"a": 1}])\n',
     'op.bulk_insert'),
])
def test_migration_that_changes_data_is_a_derived_integrity_risk(path: str, text: str,
                                                                 why: str) -> None:
    changes = changes_with(COMPLETE, head={path: text})
    [reason] = integrity.derive(changes, POLICY)
    assert reason.startswith(f'{path}: migration changes data') and why in reason
    found = record_check(changes, POLICY, run_info())
    assert rules(found) == ['record-data-integrity-undeclared', 'record-decision-mismatch']
    undeclared = [f for f in found if f.rule == 'record-data-integrity-undeclared'][0]
    assert undeclared.line == 26 and path in undeclared.message


@pytest.mark.parametrize('path,text', [
    ('migrations/versions/0034_note.py', ALEMBIC_SCHEMA),   # DML only in downgrade
    ('tests/test_stock_totals.py', 'def test_x():\n    assert True\n'),
    ('docs/stock/runbook.md', 'UPDATE stock SET qty = 0\n'),
    ('app/api.py', 'def total():\n    return 3\n'),
])
def test_schema_only_migrations_tests_and_docs_are_no_integrity_risk(path: str,
                                                                     text: str) -> None:
    changes = changes_with(COMPLETE, head={path: text})
    assert integrity.derive(changes, POLICY) == []
    assert record_check(changes, POLICY, run_info()) == []


@pytest.mark.parametrize('path,area', [
    ('app/stock/totals.py', 'stock totals'),
    ('services/transfers/state_machine.py', 'transfer state'),
    ('app/checkout/ledger.py', 'checkout accounting'),
    ('app/pos_ledger.py', 'checkout accounting'),
])
def test_files_in_integrity_areas_are_a_derived_risk(path: str, area: str) -> None:
    changes = changes_with(COMPLETE, head={path: 'x = 2\n'}, base={path: 'x = 1\n'})
    [reason] = integrity.derive(changes, POLICY)
    assert reason.startswith(f'{path}: in the {area}') and reason.endswith(' area')
    declared = edit(edit(COMPLETE, 'data_integrity_risk', 'true'), 'decision',
                    '"rollback-first"')
    assert record_check(changes_with(declared, head={path: 'x = 2\n'},
                                     base={path: 'x = 1\n'}), POLICY, run_info()) == []


def test_declared_risk_with_patch_forward_is_only_a_decision_mismatch() -> None:
    text = edit(COMPLETE, 'data_integrity_risk', 'true')
    found = check(text, head={'app/stock/totals.py': 'x = 2\n'})
    assert rules(found) == ['record-decision-mismatch']


def test_integrity_areas_and_domains_come_from_the_policy() -> None:
    pol = policy_of(record={'integrity_areas': {'ledger': ['money/**']},
                            'integrity_domains': []})
    changes = changes_with(COMPLETE, head={'money/book.py': 'x = 1\n'})
    assert integrity.derive(changes, pol) == ['money/book.py: in the ledger area']
    assert integrity.derive(changes_with(COMPLETE, head={'app/stock/x.py': '1\n'}), pol) == []

    pol2 = policy_of(domains={'stock': {'paths': ['svc/inv/**'], 'command': ['true']},
                              'rbac': {'paths': ['svc/auth/**'], 'command': ['true']}},
                     record={'integrity_areas': {}})
    assert integrity.derive(changes_with(COMPLETE, head={'svc/inv/count.py': '1\n'}),
                            pol2) == ['svc/inv/count.py: in the stock domain area']
    assert integrity.derive(changes_with(COMPLETE, head={'svc/auth/x.py': '1\n'}), pol2) == []
    off = policy_of(domains={'stock': {'enabled': False}}, record={'integrity_areas': {}})
    assert integrity.derive(changes_with(COMPLETE, head={'app/stock/x.py': '1\n'}), off) == []


# -- waivers ----------------------------------------------------------------------------
def ctx() -> Context:
    return Context(root='', known_git_dir='', stage='pre-push', mode='range', branch=BRANCH)


def exception(rule: str, path: str, approved_by: str = '["incident_owner", "release_owner"]',
              reason: str = 'the lock file pins the patched driver') -> str:
    return (f'\n[[exceptions]]\nrule = "{rule}"\npath = "{path}"\nreason = "{reason}"\n'
            f'approved_by = {approved_by}\n')


STRICT = policy_of(scope={'severity': 'error'})


def run_all(changes: ChangeSet, policy: Any = POLICY, context: Context | None = None
            ) -> list[Finding]:
    """What the record commands run: every check, the opt-in record check included."""
    from hotfix_hooks.pipeline.readiness import all_checks

    return scan.run_checks(changes, context or ctx(), policy, all_checks(), report_stale=True)


def scan_all(rec: str, policy: Any = STRICT, only: list[str] | None = None) -> list[Finding]:
    changes = changes_with(rec, head={'requirements.txt': 'psycopg==3.2.3\n'},
                           base={'requirements.txt': 'psycopg==3.2.1\n'})
    if only:
        return scan.run_checks(changes, ctx(), policy, only)
    return run_all(changes, policy)


def test_valid_waiver_keeps_the_finding_visible_as_waived() -> None:
    plain = scan_all(COMPLETE)
    assert rules(plain) == ['scope-dependency-changed'] and exit_code(plain) == 1
    found = scan_all(COMPLETE + exception('scope-dependency-changed', 'requirements.txt'))
    [f] = found
    assert f.rule == 'scope-dependency-changed' and f.waived and not f.blocking
    assert f.waiver == {'rule': 'scope-dependency-changed', 'path': 'requirements.txt',
                        'reason': 'the lock file pins the patched driver',
                        'approved_by': ['incident_owner', 'release_owner'], 'record': PATH}
    assert exit_code(found) == 0
    assert f.to_json()['waived'] is True


def test_waiver_may_name_the_approvers_and_use_a_glob() -> None:
    text = COMPLETE + exception('scope-dependency-changed', 'requirements*.txt',
                                '["Ines Incident", "Rene Release"]')
    [f] = scan_all(text)
    assert f.waived


def test_waiver_without_the_required_approvers_waives_nothing() -> None:
    text = COMPLETE + exception('scope-dependency-changed', 'requirements.txt',
                                '["incident_owner"]')
    found = scan_all(text)
    assert rules(found) == ['record-waiver-unapproved', 'scope-dependency-changed']
    dep = [f for f in found if f.rule == 'scope-dependency-changed'][0]
    assert not dep.waived and 'not approved by release_owner' in dep.extra['waiver_rejected']
    bad = [f for f in found if f.rule == 'record-waiver-unapproved'][0]
    assert bad.line == 29 and 'release_owner' in bad.message and exit_code(found) == 1


def test_waiver_without_approved_by_or_reason_is_invalid() -> None:
    text = COMPLETE + exception('scope-dependency-changed', 'requirements.txt', '[]')
    assert 'record-waiver-unapproved' in rules(scan_all(text))
    text = COMPLETE + exception('scope-dependency-changed', 'requirements.txt', reason='')
    found = scan_all(text)
    assert rules(found) == ['record-waiver-invalid', 'scope-dependency-changed']
    assert 'reason missing' in found[0].message or 'reason missing' in found[1].message


def test_waiver_approvers_come_from_the_policy() -> None:
    pol = policy_of(scope={'severity': 'error'},
                    record={'waiver_approvers': ['incident_owner']})
    text = COMPLETE + exception('scope-dependency-changed', 'requirements.txt',
                                '["incident_owner"]')
    [f] = scan_all(text, pol)
    assert f.waived


def test_stale_waiver_is_reported_on_a_full_run_only() -> None:
    text = COMPLETE + exception('migration-downgrade-noop', 'migrations/versions/0031_x.py')
    found = scan_all(text)
    stale = [f for f in found if f.rule == 'record-waiver-stale']
    assert len(stale) == 1 and stale[0].severity == 'warning' and stale[0].line == 29
    assert 'migration-downgrade-noop' in stale[0].message
    assert 'record-waiver-stale' not in rules(scan_all(text, only=['scope']))
    commit_stage = ctx()
    commit_stage.stage, commit_stage.mode = 'pre-commit', 'index'
    changes = changes_with(text)
    assert 'record-waiver-stale' not in rules(run_all(changes, STRICT, commit_stage))


def test_owners_can_waive_the_derived_integrity_risk_once() -> None:
    """One approved exception for record-data-integrity-undeclared lets the record's
    "false" stand: no decision mismatch follows from the derived risk."""
    text = COMPLETE + exception('record-data-integrity-undeclared', PATH,
                                reason='totals are computed on read; no stored data changes')
    changes = changes_with(text, head={'app/stock/totals.py': '# comment\n'},
                           base={'app/stock/totals.py': ''})
    found = run_all(changes)
    assert [(f.rule, f.waived) for f in found] == [('record-data-integrity-undeclared', True)]
    assert exit_code(found) == 0
    rec, _ = record.parse(text, PATH, POLICY)
    verdict = decide(rec, ['app/stock/totals.py: in the stock totals area'], POLICY)
    assert verdict.recommendation == 'patch-forward' and verdict.matches
    reason = [r for r in verdict.reasons if r.condition == 'data_integrity_risk'][0]
    assert reason.value is False and 'no stored data changes' in reason.text
    unapproved = COMPLETE + exception('record-data-integrity-undeclared', PATH, '["release_owner"]')
    rec, _ = record.parse(unapproved, PATH, POLICY)
    assert decide(rec, ['x'], POLICY).recommendation == 'rollback-first'


def test_decision_mismatch_can_be_waived_but_completeness_cannot() -> None:
    text = edit(COMPLETE, 'eta_exceeds_slo', 'true') + exception(
        'record-decision-mismatch', PATH, reason='the rollback is slower than the patch')
    found = run_all(changes_with(text))
    assert [(f.rule, f.waived) for f in found] == [('record-decision-mismatch', True)]
    text = edit(COMPLETE, 'owner', '""') + exception('record-field-missing', PATH)
    found = run_all(changes_with(text))
    assert rules(found) == ['record-field-missing', 'record-waiver-invalid']
    assert not any(f.waived for f in found)


def test_pathless_findings_are_waived_with_a_star() -> None:
    pol = policy_of(scope={'severity': 'error', 'max_files': 1})
    changes = changes_with(COMPLETE + exception('scope-too-many-files', '*'),
                           head={'app/b.py': 'b\n'}, base={'app/b.py': 'a\n'})
    [f] = scan.run_checks(changes, ctx(), pol)
    assert f.rule == 'scope-too-many-files' and f.waived


def test_a_plain_scan_runs_no_record_check_and_calls_no_record_waiver_stale() -> None:
    """The record check is opt-in (its own hook): a plain scan / the umbrella hook neither
    requires the record nor reports its record-rule waivers as stale."""
    assert scan.run_checks(changes_with(None), ctx(), POLICY) == []
    text = COMPLETE + exception('record-decision-mismatch', PATH)
    assert scan.run_checks(changes_with(text), ctx(), POLICY) == []
    assert rules(run_all(changes_with(text))) == ['record-waiver-stale']


def test_waivers_apply_only_to_matching_rule_and_path() -> None:
    rec, _ = record.parse(COMPLETE + exception('scope-dependency-changed', 'poetry.lock'),
                          PATH, POLICY)
    assert rec is not None
    f = Finding(rule='scope-dependency-changed', category='scope', severity='error',
                message='x', path='requirements.txt')
    out = waivers.apply([f], rec, POLICY, report_stale=True)
    assert not f.waived and rules(out) == ['record-waiver-stale', 'scope-dependency-changed']


def fp_exception(fingerprint: str, extra: str = '',
                 approved_by: str = '["incident_owner", "release_owner"]') -> str:
    return (f'\n[[exceptions]]\nfingerprint = "{fingerprint}"\n{extra}'
            f'reason = "the lock file pins the patched driver"\napproved_by = {approved_by}\n')


def test_a_waiver_may_name_one_finding_by_its_fingerprint() -> None:
    [plain] = scan_all(COMPLETE)
    fp = plain.to_json()['fingerprint']
    assert re.fullmatch(r'[0-9a-f]{16}', fp)
    [f] = scan_all(COMPLETE + fp_exception(fp))
    assert f.rule == 'scope-dependency-changed' and f.waived and f.fingerprint == fp
    assert f.waiver is not None and f.waiver['fingerprint'] == fp
    # rule and path, when given too, must agree with the finding
    [f] = scan_all(COMPLETE + fp_exception(fp, 'rule = "scope-dependency-changed"\n'))
    assert f.waived
    found = scan_all(COMPLETE + fp_exception(fp, 'path = "poetry.lock"\n'))
    assert rules(found) == ['record-waiver-stale', 'scope-dependency-changed']
    assert not any(x.waived for x in found)
    stale = [x for x in found if x.rule == 'record-waiver-stale'][0]
    assert f'fingerprint {fp}' in stale.message


def test_a_fingerprint_waiver_needs_approval_and_a_real_fingerprint() -> None:
    [plain] = scan_all(COMPLETE)
    fp = plain.to_json()['fingerprint']
    found = scan_all(COMPLETE + fp_exception(fp, approved_by='["incident_owner"]'))
    assert rules(found) == ['record-waiver-unapproved', 'scope-dependency-changed']
    found = scan_all(COMPLETE + fp_exception('abc'))
    bad = [x for x in found if x.rule == 'record-waiver-invalid']
    assert bad and "the fingerprint 'abc' is not one" in bad[0].message
    stale = scan_all(COMPLETE + fp_exception('0123456789abcdef'))
    assert rules(stale) == ['record-waiver-stale', 'scope-dependency-changed']


def test_a_waiver_naming_an_unknown_rule_is_invalid_with_the_nearest_ids() -> None:
    """A typo in a waiver's rule id waives nothing; the record says so (a finding, with the
    ids it probably meant), and the finding it meant to waive still counts."""
    found = scan_all(COMPLETE + exception('scope-dependency-change', 'requirements.txt'))
    assert rules(found) == ['record-waiver-invalid', 'scope-dependency-changed']
    bad = [f for f in found if f.rule == 'record-waiver-invalid'][0]
    assert "unknown rule id 'scope-dependency-change'; did you mean scope-dependency-changed" \
        in bad.message
    assert bad.line == 29 and bad.severity == 'error' and exit_code(found) == 1


def test_completeness_cannot_be_waived_by_fingerprint_either() -> None:
    text = edit(COMPLETE, 'owner', '""')
    [missing] = [f for f in run_all(changes_with(text)) if f.rule == 'record-field-missing']
    fp = missing.to_json()['fingerprint']
    found = run_all(changes_with(text + fp_exception(fp)))
    assert not any(f.waived for f in found)
    assert 'record-field-missing' in rules(found)


# -- scope additions --------------------------------------------------------------------
def test_new_module_and_new_package_are_scope_findings() -> None:
    changes = changes_with(COMPLETE, head={'app/helpers2.py': 'x = 1\n',
                                           'app/reports/__init__.py': '',
                                           'app/reports/pdf.py': 'x = 1\n',
                                           'tests/test_totals.py': 'x = 1\n',
                                           'migrations/versions/0031_x.py': 'x = 1\n'})
    found = scope_check(changes, POLICY, run_info())
    assert sorted((f.rule, f.path) for f in found) == [
        ('scope-new-module', 'app/helpers2.py'),
        ('scope-new-package', 'app/reports/__init__.py')]
    assert all(f.severity == 'warning' for f in found)
    strict = policy_of(scope={'severity': 'error', 'new_module_severity': 'error'})
    assert {f.severity for f in scope_check(changes, strict, run_info())} == {'error'}
    budget_only = policy_of(scope={'severity': 'error'})
    assert {f.severity for f in scope_check(changes, budget_only, run_info())} == {'warning'}


def test_the_record_does_not_count_against_the_scope_budget() -> None:
    pol = policy_of(scope={'max_files': 1, 'max_lines': 5})
    assert scope_check(changes_with(COMPLETE), pol, run_info()) == []
    changes = changes_with(COMPLETE, head={'app/b.py': 'b\n'}, base={'app/b.py': 'a\n'})
    assert rules(scope_check(changes, pol, run_info())) == ['scope-too-many-files']


# -- the status template ----------------------------------------------------------------
def test_status_template_placeholders_are_checked() -> None:
    assert status.template_problem(POLICY.section('record')['status_template']) == ''
    assert 'unknown placeholder {severty}' in status.template_problem('S: {severty}')
    assert 'no format spec' in status.template_problem('{ticket!r}')
    with pytest.raises(ConfigError, match='status_template.*unknown placeholder'):
        policy_of(record={'status_template': 'Ticket: {tiket}'})
    pol = policy_of(record={'status_template': 'HOTFIX {ticket} ({severity}) {{ok}}'})
    assert status.render(pol.section('record')['status_template'],
                         {'ticket': 'ARIS-77'}) == 'HOTFIX ARIS-77 (unknown) {ok}\n'


def test_the_record_is_not_required_per_commit() -> None:
    run = RunInfo(branch=BRANCH, hotfix=True, ticket='ARIS-77', stage='pre-commit')
    assert record_check(changes_with(None), POLICY, run) == []


# -- readiness rows (pure: facts in, rows out) --------------------------------------------
def facts(changed: list[str], results: dict[str, str]) -> Any:
    from hotfix_hooks.gates.evidence import GateResult
    from hotfix_hooks.pipeline.readiness import Facts

    ev = {n: GateResult(name=n, kind='domain', command=['t'], status=st, exit_code=0,
                        duration_s=1.0, commit='c' * 40, tree='t' * 40,
                        started_at='2026-11-27T12:00:00Z', finished_at='2026-11-27T12:00:01Z')
          for n, st in results.items()}
    return Facts(ctx=ctx(), branch=BRANCH, ticket='ARIS-77', hotfix=True, commit='c' * 40,
                 tree='t' * 40, findings=[], record=None, record_path=PATH, derived=[],
                 changed=changed, evidence=ev)


def with_domains() -> policy_mod.Policy:
    values = dict(POLICY.values)
    values['domains'] = {'stock': {'paths': ['app/stock/**'], 'enabled': True},
                         'pos': {'paths': ['app/pos/**'], 'enabled': True}}
    return policy_mod.Policy(values=values, sources={})


@pytest.mark.parametrize('changed,results,status,words', [
    (['app/stock/x.py'], {}, 'MISSING', 'impacted domain(s) stock have no passing result'),
    (['app/stock/x.py'], {'domain:stock': 'fail'}, 'FAIL', 'stock: fail'),
    (['app/stock/x.py'], {'domain:stock': 'pass'}, 'PASS', 'stock: pass on cccccccccccc'),
    (['app/stock/x.py'], {'domain:pos': 'pass'}, 'MISSING', 'stock'),
    (['app/api.py'], {}, 'PASS', 'no impacted domain'),
])
def test_targeted_regression_needs_every_impacted_domain(changed: list[str],
                                                         results: dict[str, str], status: str,
                                                         words: str) -> None:
    from hotfix_hooks.pipeline.readiness import regression_row

    row = regression_row(facts(changed, results), with_domains())
    assert row.status == status and words in row.evidence


def test_targeted_regression_without_a_domain_map_needs_results() -> None:
    from hotfix_hooks.pipeline.readiness import regression_row

    values = {k: v for k, v in POLICY.values.items() if k != 'domains'}
    bare = policy_mod.Policy(values=values, sources={})
    assert regression_row(facts(['app/api.py'], {}), bare).status == 'MISSING'
    assert regression_row(facts(['app/api.py'], {'domain:pos': 'pass'}), bare).status == 'PASS'
