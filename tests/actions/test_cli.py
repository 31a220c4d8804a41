"""The actions guard end to end: real before/after commits of a small FastAPI-style service,
scanned by ``hotfix-hooks scan --only actions`` (in-process, support/cli.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.actions_service import CASH
from tests.support.actions_service import edit
from tests.support.actions_service import ROUTES_BASE
from tests.support.actions_service import SERVICE_FILES
from tests.support.cli import run_cli
from tests.support.gitrepo import git_env
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import HOTFIX_BRANCH


@pytest.fixture(scope='module')
def service(tmp_path_factory: pytest.TempPathFactory) -> tuple[GitRepo, str]:
    root = tmp_path_factory.mktemp('actions')
    (root / 'home').mkdir()
    repo = GitRepo(root / 'svc', env=git_env(root / 'home'))
    base = repo.commit('service', files=dict(SERVICE_FILES))
    return repo, base


def scan(repo: GitRepo, base: str, files: dict[str, str | None], *extra: str
         ) -> tuple[int, list[dict]]:  # type: ignore[type-arg]
    """Commit ``files`` on a fresh branch from ``base`` and scan base..head."""
    # a hotfix branch: off hotfix branches the guard reports at most warnings
    name = f'hotfix/ARIS-{len(repo.git("branch", "--list").splitlines())}-actions-case'
    repo.checkout(name, create=True, start=base)
    changed = {p: c for p, c in files.items() if SERVICE_FILES.get(p) != c}
    head = repo.commit('change', files=changed)
    res = run_cli(repo, 'scan', '--only', 'actions', '--from-ref', base, '--to-ref', head,
                  '--format', 'json', *extra)
    assert res.returncode in (0, 1), res.stderr
    found = json.loads(res.stdout)['findings']
    assert res.returncode == (1 if any(f['severity'] == 'error' for f in found) else 0)
    return res.returncode, found


def rules(found: list[dict]) -> list[tuple[str, str, int | None]]:  # type: ignore[type-arg]
    return [(f['rule'], f['path'], f['line']) for f in found]


def test_transition_behind_helper_is_a_bypass(service: tuple[GitRepo, str]) -> None:
    repo, base = service
    head = edit('app/routers/orders.py', '\n\n@router.patch', '''

@router.post("/{order_id}/notes")
def add_note(order_id: int, idempotency_key: str = Header(..., alias="Idempotency-Key")):
    order = svc.load(None, order_id)
    svc.apply_action(None, order, "cancel")
    return order
''' + '\n\n@router.patch')
    rc, found = scan(repo, base, head)
    assert rc == 1
    assert rules(found) == [('actions-bypass-route', 'app/routers/orders.py', 21)]
    assert 'app/services/orders.py:15' in found[0]['message']
    assert 'actions endpoint' in found[0]['hint']


def test_patch_handler_flipping_status_in_a_service_only_change(
        service: tuple[GitRepo, str]) -> None:
    repo, base = service
    head = edit('app/services/orders.py', '    order.note = data["note"]\n',
                '    order.note = data["note"]\n'
                '    order.status = data.get("status", order.status)\n')
    rc, found = scan(repo, base, head)
    assert rc == 1
    assert rules(found) == [('actions-bypass-patch-transition', 'app/services/orders.py', 20)]
    assert 'PATCH /orders/{order_id}' in found[0]['message']


def test_renamed_actions_route_and_prefix_change(service: tuple[GitRepo, str]) -> None:
    repo, base = service
    rc, found = scan(repo, base, edit('app/routers/orders.py', 'prefix="/orders"',
                                      'prefix="/v2/orders"'))
    assert rc == 1
    assert rules(found) == [('actions-route-removed', 'app/routers/orders.py', 13)]
    assert 'changed to POST /v2/orders/{order_id}/actions' in found[0]['message']


def test_add_api_route_transition_and_removed_actions_route(service: tuple[GitRepo, str]) -> None:
    repo, base = service
    head = edit('app/routers/cash.py', CASH, CASH.replace(
        'router.add_api_route("/sessions/{session_id}/actions", session_action, methods=["POST"])',
        'router.add_api_route("/sessions/{session_id}/close", session_action, methods=["POST"])'))
    rc, found = scan(repo, base, head)
    assert rc == 1
    assert rules(found) == [('actions-route-removed', 'app/routers/cash.py', 10)]
    head = edit('app/routers/cash.py', '\n\nrouter.add_api_route', '''

def close_session(session_id: int):
    return {"ok": True}


router.add_api_route("/sessions/{session_id}/close", close_session, methods=["POST"])
router.add_api_route''')
    rc, found = scan(repo, base, head)
    assert rules(found) == [('actions-bypass-route', 'app/routers/cash.py', 14)]


def test_flask_blueprint_patch_transition(service: tuple[GitRepo, str]) -> None:
    repo, base = service
    head = edit('app/web/legacy.py', '    transfer.note = request.json["note"]\n',
                '    transfer.note = request.json["note"]\n'
                '    transfer["status"] = request.json["status"]\n')
    rc, found = scan(repo, base, head)
    assert rules(found) == [('actions-bypass-patch-transition', 'app/web/legacy.py', 10)]


def test_idempotency_moved_into_dependency_passes(service: tuple[GitRepo, str]) -> None:
    repo, base = service
    head = edit('app/routers/orders.py', '''@router.post("/{order_id}/actions")
def order_action(order_id: int, body: dict,
                 idempotency_key: str = Header(..., alias="Idempotency-Key")):''',
                '@router.post("/{order_id}/actions", '
                'dependencies=[Depends(require_idempotency_key)])\n'
                'def order_action(order_id: int, body: dict):')
    head = edit('app/routers/orders.py', 'from app.services import orders as svc',
                'from app.deps import require_idempotency_key\n'
                'from app.services import orders as svc',
                head)
    rc, found = scan(repo, base, head)
    assert (rc, found) == (0, [])


def test_idempotency_removed_weakened_missing(service: tuple[GitRepo, str]) -> None:
    repo, base = service
    rc, found = scan(repo, base, edit('app/routers/orders.py', ''',
                 idempotency_key: str = Header(..., alias="Idempotency-Key")):''', '):'))
    assert rules(found) == [('idempotency-removed', 'app/routers/orders.py', 13)]
    rc, found = scan(repo, base, edit('app/routers/orders.py', 'Header(..., alias=',
                                      'Header(None, alias='))
    assert rules(found) == [('idempotency-weakened', 'app/routers/orders.py', 15)]
    assert 'keep the Idempotency-Key required' in found[0]['hint']
    rc, found = scan(repo, base, edit('app/middleware.py', '("/cash", "/transfers")',
                                      '("/cash",)'))
    assert rules(found) == [('idempotency-weakened', 'app/middleware.py', 9)]
    rc, found = scan(repo, base, edit('app/routers/orders.py', '\n\n@router.patch', '''

@router.post("/{order_id}/notes")
def add_note(order_id: int):
    return {}
''' + '\n\n@router.patch'))
    assert (rc, [(f['rule'], f['severity']) for f in found]) == (
        0, [('idempotency-missing', 'warning')])


def test_pre_existing_violation_and_all_violations(service: tuple[GitRepo, str]) -> None:
    repo, base = service
    # base2 already has a PATCH handler that writes status (not this change's fault)
    files = edit('app/web/legacy.py', '    transfer.note = request.json["note"]\n',
                 '    transfer.note = request.json["note"]\n    transfer.status = "edited"\n')
    repo.checkout('with-violation', create=True, start=base)
    base2 = repo.commit('old violation', files={'app/web/legacy.py': files['app/web/legacy.py']})
    head = edit('app/web/legacy.py', 'return {"ok": True}', 'return {"ok": True, "v": 2}', files)
    repo.checkout('hotfix/ARIS-2-fix-on-top', create=True, start=base2)
    head_sha = repo.commit('unrelated edit', files={'app/web/legacy.py': head['app/web/legacy.py']})
    res = run_cli(repo, 'scan', '--only', 'actions', '--from-ref', base2, '--to-ref', head_sha,
                  '--format', 'json')
    assert res.returncode == 0 and json.loads(res.stdout)['findings'] == []
    res = run_cli(repo, 'scan', '--only', 'actions', '--from-ref', base2, '--to-ref', head_sha,
                  '--format', 'json', '--all-violations')
    found = json.loads(res.stdout)['findings']
    assert res.returncode == 1
    assert [f['rule'] for f in found] == ['idempotency-missing', 'actions-bypass-patch-transition']


def test_unparseable_python_is_reported_not_a_crash(service: tuple[GitRepo, str]) -> None:
    repo, base = service
    rc, found = scan(repo, base, edit('app/routers/orders.py', 'def get_order(order_id: int):',
                                      'def get_order(order_id: int:'))
    assert rc == 1
    assert rules(found) == [('actions-unparseable-python', 'app/routers/orders.py', 9)]


def test_text_report_names_rule_and_hint(service: tuple[GitRepo, str], tmp_path: Path) -> None:
    repo, base = service
    repo.checkout('hotfix/ARIS-3-text-report', create=True, start=base)
    head = repo.commit('cancel route', files=edit('app/routers/orders.py', '\n\n@router.patch',
                                                  '\n\n@router.post("/{order_id}/cancel")\n'
                                                  'def cancel(order_id: int):\n    return {}\n'
                                                  '\n\n@router.patch'))
    res = run_cli(repo, 'scan', '--only', 'actions', '--from-ref', base, '--to-ref', head)
    out = res.stdout + res.stderr
    assert res.returncode == 1
    assert 'actions-bypass-route' in out and 'POST /orders/{order_id}/cancel' in out
    assert 'idempotency-missing' in out


PASSING = {
    # actions-bypass-route: a new data route (not a transition) that takes the key
    'new-data-route': edit('app/routers/orders.py', '\n\n@router.patch', '''

@router.post("/{order_id}/notes")
def add_note(order_id: int, idempotency_key: str = Header(..., alias="Idempotency-Key")):
    return {"ok": True}
''' + '\n\n@router.patch'),
    # actions-bypass-patch-transition: a PATCH data edit
    'patch-data-edit': edit('app/services/orders.py', 'order.note = data["note"]',
                            'order.note = data["note"].strip()[:500]'),
    # actions-route-removed: the actions route's path parameter renamed (same endpoint)
    'param-rename': edit('app/routers/orders.py',
                         '"/{order_id}/actions")\ndef order_action(order_id: int',
                         '"/{id}/actions")\ndef order_action(id: int'),
    # idempotency-weakened / -removed: the actions handler fixed, key kept required
    'handler-fix': edit('app/services/orders.py', '    if action == "cancel":\n',
                        '    if action in ("cancel", "CANCEL"):\n'),
    # idempotency-missing: a new POST under /cash is guarded by the middleware
    'middleware-covers': edit('app/routers/cash.py', 'router.add_api_route(',
                              '''def note(session_id: int):
    return {}


router.add_api_route("/sessions/{session_id}/notes", note, methods=["POST"])
router.add_api_route('''),
    # actions-unparseable-python / actions-route-unresolved: plain valid code
    'plain-fix': edit('app/web/legacy.py', 'return None', 'return {"id": tid}'),
}


@pytest.mark.parametrize('name', sorted(PASSING))
def test_passing_hotfixes(service: tuple[GitRepo, str], name: str) -> None:
    repo, base = service
    rc, found = scan(repo, base, PASSING[name])
    assert (rc, found) == (0, [])


def test_renamed_actions_path(service: tuple[GitRepo, str]) -> None:
    repo, base = service
    rc, found = scan(repo, base, edit('app/routers/orders.py', '"/{order_id}/actions"',
                                      '"/{order_id}/cancel"'))
    assert rc == 1
    assert rules(found) == [('actions-route-removed', 'app/routers/orders.py', 13)]
    assert 'changed to POST /orders/{order_id}/cancel' in found[0]['message']


# -- files the guard cannot read as they are ---------------------------------------------
def test_non_utf8_route_module_is_still_checked_for_bypasses(repo: GitRepo) -> None:
    """A latin-1 comment must not hide a new bypass route (nor report the actions route,
    still there, as removed)."""
    repo.commit('base', {'app/routes.py': ROUTES_BASE})
    repo.checkout(HOTFIX_BRANCH, create=True)
    bypass = ("# caf\xe9\n" + ROUTES_BASE + "\n\n@router.post('/orders/{oid}/cancel')\n"
              "def cancel_order(oid: int, db):\n    order = db.get(oid)\n"
              "    order.status = 'cancelled'\n    return {}\n")
    repo.commit('bypass', {'app/routes.py': bypass.encode('latin-1')})
    res = run_cli(repo, 'scan', '--only', 'actions', '--format', 'json')
    assert res.returncode == 1, (res.stdout, res.stderr)
    assert '"rule": "actions-bypass-route"' in res.stdout
    assert 'actions-route-removed' not in res.stdout


# -- symlinks ------------------------------------------------------------------------------
def test_symlinked_python_module_is_not_parsed_as_code(repo: GitRepo) -> None:
    """A symlink's blob is its target path, not Python: it was reported as an unparseable
    file (an error that blocked the commit)."""
    import os

    repo.commit('base', {'app/routes.py': ROUTES_BASE})
    repo.checkout(HOTFIX_BRANCH, create=True)
    (repo.path / 'lib').mkdir()
    os.symlink('../app/routes.py', repo.path / 'lib' / 'compat.py')
    repo.git('add', '-A')
    res = run_cli(repo, 'scan', '--staged', '--only', 'actions', '--format', 'json')
    assert res.returncode == 0, (res.stdout, res.stderr)
    assert 'actions-unparseable-python' not in res.stdout
    repo.commit('link')
    res = run_cli(repo, 'scan', '--only', 'actions', '--format', 'json')
    assert res.returncode == 0, (res.stdout, res.stderr)
    assert 'actions-unparseable-python' not in res.stdout
