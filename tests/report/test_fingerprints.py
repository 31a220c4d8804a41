"""Stable fingerprints: derived from the rule, the path and what the finding is about (the
operation and place in the spec, the route, the migration statement), never the line, so a
finding keeps its fingerprint when lines are inserted above it (and a waiver naming it keeps
working)."""
from __future__ import annotations

import json
from typing import Any

from hotfix_hooks.findings import Finding
from hotfix_hooks.findings import fingerprint
from hotfix_hooks.findings import stamp
from tests.support import actions_service as svc
from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.migration_fixtures import alembic
from tests.support.migration_fixtures import BASE as MIGRATIONS
from tests.support.migration_fixtures import V
from tests.support.records import commit_approvals
from tests.support.records import COMPLETE
from tests.support.records import pending

BRANCH = 'hotfix/ARIS-77-fix-stock-totals'
MIGRATION = f'{V}/c3d4e5f6a7b8_hotfix.py'
CANCEL = '''

@router.post("/{order_id}/cancel")
def cancel_order(order_id: int):
    order = svc.load(None, order_id)
    svc.apply_action(None, order, "cancel")
    return order
'''
HELPER = '''

def _audit(order_id: int) -> None:
    """A helper inserted above the new route: every line below moves down."""
    return None
'''


def _spec(required: bool, description: str = '') -> str:
    info: dict[str, Any] = {'title': 'shop', 'version': '1.0.0'}
    if description:
        info['description'] = description
    op: dict[str, Any] = {'operationId': 'list_items', 'responses': {'200': {
        'description': 'ok'}}}
    if description:
        op['summary'] = 'List items'
        op['tags'] = ['items', 'stock']
    op['parameters'] = [{'name': 'view', 'in': 'query', 'required': required,
                         'schema': {'type': 'string'}}]
    return json.dumps({'openapi': '3.1.0', 'info': info, 'paths': {'/items': {'get': op}}},
                      indent=2) + '\n'


def _findings(repo: GitRepo) -> dict[str, dict[str, Any]]:
    res = run_cli(repo, 'scan', '--format', 'json')
    return {f['rule']: f for f in json.loads(res.stdout)['findings']}


def test_a_fingerprint_survives_lines_inserted_above_the_finding(repo: GitRepo) -> None:
    repo.commit('base', {'README.md': '# shop\n', 'openapi.json': _spec(required=False),
                         'app/__init__.py': '', 'app/routers/__init__.py': '',
                         'app/routers/orders.py': svc.ORDERS, 'app/services/__init__.py': '',
                         'app/services/orders.py': svc.SERVICE, **MIGRATIONS})
    repo.checkout(BRANCH, create=True)
    repo.commit('ARIS-77: hotfix', {
        'openapi.json': _spec(required=True),
        'app/routers/orders.py': svc.ORDERS + CANCEL,
        MIGRATION: alembic("op.drop_column('orders', 'note')",
                           "op.add_column('orders', sa.Column('note', sa.Text()))")})
    before = _findings(repo)
    rules = ('request-parameter-became-required', 'actions-bypass-route',
             'migration-drop-column')
    assert set(rules) <= set(before)
    # lines inserted above each finding: spec fields, a helper function, statements
    repo.commit('ARIS-77: more', {
        'openapi.json': _spec(required=True, description='Shop API'),
        'app/routers/orders.py': svc.ORDERS + HELPER + CANCEL,
        MIGRATION: alembic("# the legacy note column\n"
                           "op.execute('SELECT 1')\n"
                           "op.drop_column('orders', 'note')",
                           "op.add_column('orders', sa.Column('note', sa.Text()))")})
    after = _findings(repo)
    for rule in rules:
        assert after[rule]['line'] != before[rule]['line'], rule
        assert after[rule]['fingerprint'] == before[rule]['fingerprint'], rule


def test_a_fingerprint_waiver_keeps_waiving_after_lines_move(repo: GitRepo) -> None:
    repo.commit('base', {'README.md': '# shop\n', **MIGRATIONS})
    repo.checkout(BRANCH, create=True)
    repo.commit('ARIS-77: drop', {MIGRATION: alembic(
        "op.drop_column('orders', 'note')",
        "op.add_column('orders', sa.Column('note', sa.Text()))")})
    fp = _findings(repo)['migration-drop-column']['fingerprint']
    waiver = (f'\n[[exceptions]]\nfingerprint = "{fp}"\nreason = "unused since 2025-03"\n'
              'approved_by = ["incident_owner", "release_owner"]\n')
    repo.commit('ARIS-77: record', {'hotfixes/ARIS-77.toml': pending(COMPLETE) + waiver})
    commit_approvals(repo)          # a waiver counts once the owners approved after it
    res = run_cli(repo, 'scan', '--format', 'json')
    [f] = [x for x in json.loads(res.stdout)['findings'] if x['rule'] == 'migration-drop-column']
    assert f['waived'] and res.returncode == 0, res.stdout
    repo.commit('ARIS-77: comment', {MIGRATION: alembic(
        "# why: see ARIS-77\n\nop.drop_column('orders', 'note')",
        "op.add_column('orders', sa.Column('note', sa.Text()))")})
    commit_approvals(repo, incident='2026-11-27T13:40:00Z', release='2026-11-27T13:45:00Z')
    res = run_cli(repo, 'scan', '--format', 'json')
    [g] = [x for x in json.loads(res.stdout)['findings'] if x['rule'] == 'migration-drop-column']
    assert g['line'] != f['line'] and g['fingerprint'] == fp and g['waived']
    assert res.returncode == 0


def test_the_subject_not_the_wording_or_the_line_makes_the_fingerprint() -> None:
    def finding(**kw: Any) -> Finding:
        base: dict[str, Any] = {'rule': 'migration-drop-column', 'category': 'migrations',
                                'severity': 'error', 'message': 'drops column orders.note',
                                'path': 'm.py', 'line': 17,
                                'extra': {'statement': "op.drop_column('orders', 'note')"}}
        base.update(kw)
        return Finding(**base)

    one = fingerprint(finding())
    assert fingerprint(finding(line=40)) == one
    assert fingerprint(finding(message='reworded')) == one
    assert fingerprint(finding(path='n.py')) != one
    assert fingerprint(finding(rule='migration-drop-table')) != one
    assert fingerprint(finding(extra={'statement': "op.drop_column('orders', 'x')"})) != one
    # no subject in extra: the message, with its numbers blanked (counts and lines move)
    scope = {'rule': 'scope-too-many-files', 'category': 'scope', 'severity': 'warning'}
    assert fingerprint(Finding(message='the hotfix changes 16 files; the budget is 15',
                               **scope)) == \
        fingerprint(Finding(message='the hotfix changes 19 files; the budget is 15', **scope))


def test_identical_findings_get_distinct_fingerprints_in_line_order() -> None:
    twins = [Finding('migration-update-without-where', 'migrations', 'error', 'UPDATE',
                     path='m.py', line=line, extra={'statement': 'UPDATE t SET a = 1'})
             for line in (30, 10)]
    stamp(twins)
    assert twins[0].fingerprint != twins[1].fingerprint
    first = min(twins, key=lambda f: f.line or 0)
    assert first.fingerprint == fingerprint(first)      # the first keeps the plain one
