"""Pure tests of the actions guard: ChangeSet.from_texts over a small FastAPI-style service."""
from __future__ import annotations

from typing import Any

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.actions import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.policy import from_mapping
from tests.support.actions_service import CASH
from tests.support.actions_service import edit
from tests.support.actions_service import SERVICE_FILES

BASE = SERVICE_FILES


def run(head: dict[str, str], base: dict[str, str] | None = None, all_violations: bool = False,
        **policy: Any) -> list[tuple[str, str | None, int | None]]:
    return [(f.rule, f.path, f.line) for f in findings(head, base, all_violations, **policy)]


def findings(head: dict[str, str], base: dict[str, str] | None = None,
             all_violations: bool = False, **policy: Any):  # type: ignore[no-untyped-def]
    changes = ChangeSet.from_texts(base=base or BASE, head=head)
    pol = from_mapping({'actions': policy} if policy else {}, None)
    return check(changes, pol, RunInfo(options={'all_violations': all_violations}))


def test_unchanged_service_has_no_findings() -> None:
    assert run(dict(BASE)) == []


# -- actions-bypass-route ------------------------------------------------------------------

NEW_CANCEL = '''

@router.post("/{order_id}/cancel")
def cancel_order(order_id: int, idempotency_key: str = Header(..., alias="Idempotency-Key")):
    return {"ok": True}
'''


def test_new_transition_route_outside_actions_is_a_bypass() -> None:
    head = edit('app/routers/orders.py', '\n\n@router.patch', NEW_CANCEL + '\n\n@router.patch')
    got = findings(head)
    assert [(f.rule, f.path, f.line) for f in got] == [
        ('actions-bypass-route', 'app/routers/orders.py', 21)]
    msg = got[0].message
    assert 'POST /orders/{order_id}/cancel' in msg and "path segment 'cancel'" in msg
    assert 'actions endpoint' in got[0].hint


def test_new_data_route_with_key_is_not_a_bypass() -> None:
    head = edit('app/routers/orders.py', '\n\n@router.patch',
                NEW_CANCEL.replace('cancel', 'notes') + '\n\n@router.patch')
    assert run(head) == []


def test_transition_hidden_behind_helper_in_another_module() -> None:
    # a new POST route with a neutral name whose service helper flips the status two calls deep
    head = edit('app/routers/orders.py', '\n\n@router.patch', '''

@router.post("/{order_id}/notes")
def add_note(order_id: int, idempotency_key: str = Header(..., alias="Idempotency-Key")):
    order = svc.load(None, order_id)
    svc.apply_action(None, order, "cancel")
    return order
''' + '\n\n@router.patch')
    got = findings(head)
    assert [(f.rule, f.line) for f in got] == [('actions-bypass-route', 21)]
    assert 'writes order.status = value at app/services/orders.py:15 (via _set_state)' \
        in got[0].message


def test_follow_depth_bounds_the_search() -> None:
    head = edit('app/routers/orders.py', '\n\n@router.patch', '''

@router.post("/{order_id}/notes")
def add_note(order_id: int, idempotency_key: str = Header(..., alias="Idempotency-Key")):
    svc.apply_action(None, None, "cancel")
''' + '\n\n@router.patch')
    assert run(head, follow_depth=1) == []
    assert [r for r, _, _ in run(head, follow_depth=2)] == ['actions-bypass-route']


def test_add_api_route_transition_is_a_bypass() -> None:
    head = edit('app/routers/cash.py', 'router.add_api_route(',
                '''def close_session(session_id: int):
    return {"ok": True}


router.add_api_route("/sessions/{session_id}/close", close_session, methods=["POST"])
router.add_api_route(''')
    got = findings(head)
    assert [(f.rule, f.line) for f in got] == [('actions-bypass-route', 14)]
    assert 'POST /cash/sessions/{session_id}/close' in got[0].message


def test_router_prefix_is_part_of_the_route() -> None:
    # the actions pattern matches the full path: a prefix ".../actions" makes a route an
    # actions route, so the same function under that prefix is fine
    files = edit('app/routers/cash.py', 'prefix="/cash"', 'prefix="/cash/actions"')
    head = edit('app/routers/cash.py', 'router.add_api_route(', '''def close(session_id: int):
    return {"ok": True}


router.add_api_route("/close", close, methods=["POST"])
router.add_api_route(''', files)
    assert run(head, base=files) == []
    head2 = edit('app/routers/cash.py', 'prefix="/cash/actions"', 'prefix="/cash/ops"', head)
    rules = sorted(r for r, _, _ in run(head2, base=head))
    # both actions routes moved (one of them out of the actions path): one finding each
    assert rules == ['actions-route-removed', 'actions-route-removed']


def test_existing_violation_is_not_this_change() -> None:
    base = edit('app/routers/orders.py', '\n\n@router.patch', NEW_CANCEL + '\n\n@router.patch')
    head = edit('app/routers/orders.py', 'return {"ok": True}', 'return {"ok": True, "v": 2}',
                base)
    assert run(head, base=base) == []
    assert [r for r, _, _ in run(head, base=base, all_violations=True)] == [
        'actions-bypass-route', 'idempotency-missing']


def test_editing_the_transition_logic_of_an_existing_bypass_is_reported() -> None:
    base = edit('app/routers/orders.py', '\n\n@router.patch', '''

@router.post("/{order_id}/cancel")
def cancel_order(order_id: int, idempotency_key: str = Header(..., alias="Idempotency-Key")):
    order = svc.load(None, order_id)
    order.status = "cancelled"
''' + '\n\n@router.patch')
    head = edit('app/routers/orders.py', 'order.status = "cancelled"', 'order.status = "void"',
                base)
    got = findings(head, base=base)
    assert [(f.rule, f.line) for f in got] == [('actions-bypass-route', 21)]
    assert "writes order.status = 'void'" in got[0].message


# -- actions-bypass-patch-transition --------------------------------------------------------

def test_patch_handler_that_now_writes_status() -> None:
    head = edit('app/routers/orders.py', '    svc.edit(None, order, body)\n',
                '    svc.edit(None, order, body)\n    order.status = body["status"]\n')
    got = findings(head)
    assert [(f.rule, f.path, f.line) for f in got] == [
        ('actions-bypass-patch-transition', 'app/routers/orders.py', 25)]
    assert 'PATCH /orders/{order_id}' in got[0].message
    assert got[0].extra['route_line'] == 21


def test_patch_transition_through_changed_helper_only() -> None:
    # only the service changed: the PATCH route that calls it is found through its import
    head = edit('app/services/orders.py', '    order.note = data["note"]\n',
                '    order.note = data["note"]\n    setattr(order, "status", data["status"])\n')
    got = findings(head)
    assert [(f.rule, f.path, f.line) for f in got] == [
        ('actions-bypass-patch-transition', 'app/services/orders.py', 20)]
    assert '(in edit(), reached from the handler at app/routers/orders.py:21)' \
        in got[0].message


def test_flask_blueprint_patch_transition_and_update_keyword() -> None:
    head = edit('app/web/legacy.py', '    transfer.note = request.json["note"]\n',
                '    transfer.note = request.json["note"]\n'
                '    db.query(Transfer).filter_by(id=tid).update(state="received")\n')
    got = findings(head)
    assert [(f.rule, f.line) for f in got] == [('actions-bypass-patch-transition', 10)]
    assert 'PATCH /legacy/transfers/<int:tid>' in got[0].message


def test_patch_data_edit_is_fine() -> None:
    head = edit('app/web/legacy.py', '    transfer.note = request.json["note"]\n',
                '    transfer.note = request.json["note"].strip()\n'
                '    transfer.meta = {"state_label": 1}\n')
    assert run(head) == []


# -- actions-route-removed ------------------------------------------------------------------

def test_actions_route_renamed() -> None:
    head = edit('app/routers/orders.py', '"/{order_id}/actions"', '"/{order_id}/action"')
    got = findings(head)
    assert [(f.rule, f.line) for f in got] == [('actions-route-removed', 13)]
    assert 'changed to POST /orders/{order_id}/action' in got[0].message


def test_actions_route_method_changed_and_removed() -> None:
    head = edit('app/routers/orders.py', '@router.post("/{order_id}/actions")',
                '@router.put("/{order_id}/actions")')
    assert [r for r, _, _ in run(head)] == ['actions-route-removed']
    head = edit('app/routers/cash.py', CASH, CASH.split('router.add_api_route')[0])
    got = findings(head)
    assert [(f.rule, f.path, f.line) for f in got] == [
        ('actions-route-removed', 'app/routers/cash.py', None)]
    assert 'POST /cash/sessions/{session_id}/actions' in got[0].message


def test_actions_route_parameter_rename_is_not_a_change() -> None:
    head = edit('app/routers/orders.py', '"/{order_id}/actions")\ndef order_action(order_id',
                '"/{oid}/actions")\ndef order_action(oid')
    assert run(head) == []


# -- idempotency ------------------------------------------------------------------------------

def test_idempotency_moved_into_dependency_is_not_flagged() -> None:
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
    assert run(head) == []


def test_idempotency_removed_from_route() -> None:
    head = edit('app/routers/orders.py', ''',
                 idempotency_key: str = Header(..., alias="Idempotency-Key")):''', '):')
    got = findings(head)
    assert [(f.rule, f.line) for f in got] == [('idempotency-removed', 13)]
    assert 'handled an idempotency key at the base' in got[0].message


def test_idempotency_key_became_optional() -> None:
    head = edit('app/routers/orders.py', 'Header(..., alias="Idempotency-Key")',
                'Header(None, alias="Idempotency-Key")')
    got = findings(head)
    assert [(f.rule, f.line) for f in got] == [('idempotency-weakened', 15)]
    assert "'idempotency_key' became optional" in got[0].message


def test_idempotency_key_generated_server_side() -> None:
    head = edit('app/routers/orders.py', '    order = svc.load(None, order_id)\n    svc.apply',
                '    idempotency_key = idempotency_key or str(uuid.uuid4())\n'
                '    order = svc.load(None, order_id)\n    svc.apply')
    got = findings(head)
    assert [(f.rule, f.line) for f in got] == [('idempotency-weakened', 16)]
    assert 'generated server-side' in got[0].message


def test_dependency_check_turned_into_warning() -> None:
    base = edit('app/routers/orders.py', '''@router.post("/{order_id}/actions")
def order_action(order_id: int, body: dict,
                 idempotency_key: str = Header(..., alias="Idempotency-Key")):''',
                '''@router.post("/{order_id}/actions")
def order_action(order_id: int, body: dict, key: str = Depends(require_idempotency_key)):''')
    base = edit('app/routers/orders.py', 'from app.services import orders as svc',
                'from app.deps import require_idempotency_key\n'
                'from app.services import orders as svc', base)
    head = edit('app/deps.py',
                '        raise HTTPException(status_code=400, detail="Idempotency-Key required")',
                '        log.warning("missing Idempotency-Key")', base)
    got = findings(head, base=base)
    assert [(f.rule, f.path, f.line) for f in got] == [
        ('idempotency-weakened', 'app/deps.py', 10)]
    assert 'only logs a warning' in got[0].message
    # the Header(...) of the dependency made optional is weakening too
    head = edit('app/deps.py', 'Header(..., alias=', 'Header(default=None, alias=', base)
    assert [(r, p) for r, p, _ in run(head, base=base)] == [
        ('idempotency-weakened', 'app/deps.py')]


def test_middleware_lost_a_guarded_prefix() -> None:
    head = edit('app/middleware.py', '("/cash", "/transfers")', '("/cash",)')
    got = findings(head)
    assert [(f.rule, f.path, f.line) for f in got] == [
        ('idempotency-weakened', 'app/middleware.py', 9)]
    assert '/transfers' in got[0].message


def test_middleware_unregistered_and_route_no_longer_covered() -> None:
    head = edit('app/main.py', 'app.add_middleware(IdempotencyMiddleware)\n', '')
    rules = run(head)
    assert rules == [('idempotency-removed', 'app/main.py', None)]


def test_new_route_without_key_is_missing_but_middleware_covers_cash() -> None:
    head = edit('app/routers/orders.py', '\n\n@router.patch', '''

@router.post("/{order_id}/notes")
def add_note(order_id: int):
    return {}
''' + '\n\n@router.patch')
    got = findings(head)
    assert [(f.rule, f.severity, f.line) for f in got] == [
        ('idempotency-missing', 'warning', 21)]
    head = edit('app/routers/cash.py', 'router.add_api_route(', '''def note(session_id: int):
    return {}


router.add_api_route("/sessions/{session_id}/notes", note, methods=["POST"])
router.add_api_route(''')
    assert run(head) == []


# -- robustness ------------------------------------------------------------------------------

def test_unparseable_python_is_a_finding() -> None:
    head = edit('app/routers/orders.py', 'def get_order(order_id: int):',
                'def get_order(order_id: int:')
    got = findings(head)
    assert [(f.rule, f.path, f.line) for f in got] == [
        ('actions-unparseable-python', 'app/routers/orders.py', 9)]
    assert 'cannot parse' in got[0].message


def test_unresolvable_path_is_info() -> None:
    head = edit('app/routers/orders.py', '\n\n@router.patch', '''

@router.post(settings.CANCEL_PATH)
def do_it(order_id: int):
    return {}
''' + '\n\n@router.patch')
    got = findings(head)
    assert [(f.rule, f.severity) for f in got] == [('actions-route-unresolved', 'info')]
    assert 'settings.CANCEL_PATH' in got[0].message


def test_tests_and_non_web_files_are_ignored() -> None:
    head = dict(BASE)
    head['tests/test_orders.py'] = 'from fastapi import APIRouter\nr = APIRouter()\n' \
        '@r.post("/x/cancel")\ndef cancel(): ...\n'
    head['scripts/tool.py'] = 'def broken(:\n'
    assert run(head) == [('actions-unparseable-python', 'scripts/tool.py', 1)]
    assert run(head, exclude_globs=['tests/**', 'scripts/**']) == []


def test_web_code_globs_limit_the_files() -> None:
    head = edit('app/routers/orders.py', '\n\n@router.patch', NEW_CANCEL + '\n\n@router.patch')
    assert run(head, web_code_globs=['app/web/**']) == []
    assert [r for r, _, _ in run(head, web_code_globs=['app/routers/*.py'])] == [
        'actions-bypass-route']


def test_custom_vocabulary_and_actions_pattern() -> None:
    head = edit('app/routers/orders.py', '\n\n@router.patch',
                NEW_CANCEL.replace('cancel', 'escalate') + '\n\n@router.patch')
    assert run(head) == []
    assert [r for r, _, _ in run(head, transition_vocabulary=['escalate'])] == [
        'actions-bypass-route']
    head = edit('app/routers/orders.py', '\n\n@router.patch', NEW_CANCEL + '\n\n@router.patch')
    assert run(head, actions_path_pattern=r'/(actions|cancel)$') == []


def test_module_constant_prefix_change_moves_the_actions_route() -> None:
    base = edit('app/routers/orders.py', 'router = APIRouter(prefix="/orders"',
                'PREFIX = "/orders"\nrouter = APIRouter(prefix=PREFIX')
    head = edit('app/routers/orders.py', 'PREFIX = "/orders"', 'PREFIX = "/v2/orders"', base)
    got = findings(head, base=base)
    assert [(f.rule, f.line) for f in got] == [('actions-route-removed', 14)]
    assert 'changed to POST /v2/orders/{order_id}/actions' in got[0].message


def test_unchanged_handler_calling_a_changed_helper_of_the_same_module() -> None:
    base = edit('app/routers/orders.py', '    svc.edit(None, order, body)\n',
                '    _touch(order)\n    svc.edit(None, order, body)\n')
    base['app/routers/orders.py'] += '\n\ndef _touch(order):\n    order.seen = True\n'
    head = edit('app/routers/orders.py', '    order.seen = True\n',
                '    order.seen = True\n    order.state = "reviewed"\n', base)
    got = findings(head, base=base)
    assert [(f.rule, f.line) for f in got] == [('actions-bypass-patch-transition', 31)]
    assert 'PATCH /orders/{order_id} (edit_order)' in got[0].message


def test_guard_required_flag_turned_off() -> None:
    guard = '''from fastapi import Header, HTTPException


class IdempotencyGuard:
    def __init__(self, required: bool = True):
        self.required = required

    def __call__(self, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
        if self.required and not idempotency_key:
            raise HTTPException(status_code=400)
        return idempotency_key
'''
    base = edit('app/routers/orders.py', ''',
                 idempotency_key: str = Header(..., alias="Idempotency-Key")):''',
                ', key=Depends(IdempotencyGuard(required=True))):')
    base = edit('app/routers/orders.py', 'from app.services import orders as svc',
                'from app.guard import IdempotencyGuard\nfrom app.services import orders as svc',
                base)
    base['app/guard.py'] = guard
    head = edit('app/routers/orders.py', 'IdempotencyGuard(required=True)',
                'IdempotencyGuard(required=False)', base)
    got = findings(head, base=base)
    assert [(f.rule, f.path, f.line) for f in got] == [
        ('idempotency-weakened', 'app/routers/orders.py', 15)]
    assert 'IdempotencyGuard(required=) changed from True to False' in got[0].message
    # the same guard kept required: nothing
    head = edit('app/routers/orders.py', 'key=Depends(', 'guard_key=Depends(', base)
    assert run(head, base=base) == []


def test_deleted_router_removes_its_actions_route() -> None:
    head = dict(BASE)
    del head['app/routers/cash.py']
    got = findings(head)
    assert [(f.rule, f.path, f.line) for f in got] == [
        ('actions-route-removed', 'app/routers/cash.py', None)]


def test_router_module_moved_keeps_its_routes() -> None:
    head = dict(BASE)
    head['app/api/orders_v1.py'] = head.pop('app/routers/orders.py')
    changes = ChangeSet.from_texts(base=BASE, head=head,
                                   renames={'app/api/orders_v1.py': 'app/routers/orders.py'})
    assert check(changes, from_mapping({}, None), RunInfo()) == []
    # moved without rename detection (a delete and an add): still the same routes
    assert run(head) == []


def test_binary_and_non_utf8_python_files_are_skipped() -> None:
    head = dict(BASE)
    head['app/blob.py'] = b'\x00\x01binary'
    head['app/latin.py'] = 'x = "caf\xe9"\n'.encode('latin-1')
    assert run(head) == []


def test_initialising_a_new_object_or_a_response_is_not_a_transition() -> None:
    head = edit('app/routers/orders.py', '\n\n@router.patch', '''

@router.post("")
def create_order(body: dict, response: Response,
                 idempotency_key: str = Header(..., alias="Idempotency-Key")):
    order = Order(**body)
    order.status = "new"
    payload = {}
    payload["status"] = "created"
    response.status = 201
    return payload
''' + '\n\n@router.patch')
    assert run(head) == []
    loaded = edit('app/routers/orders.py', 'order = Order(**body)', 'order = svc.load(None, 1)',
                  head)
    assert [r for r, _, _ in run(loaded)] == ['actions-bypass-route']


def test_pathological_nesting_is_a_finding_not_a_crash() -> None:
    head = dict(BASE)
    head['app/deep.py'] = 'x = ' + '(' * 300 + '1' + ')' * 300 + '\n'
    head['app/nul.py'] = 'x = 1\n\x00\n'
    got = run(head)
    assert ('actions-unparseable-python', 'app/deep.py', 1) in got
    assert all(r == 'actions-unparseable-python' for r, _, _ in got)


def test_middleware_check_turned_into_warning_and_middleware_removed() -> None:
    files = edit('app/middleware.py', 'from starlette.responses import JSONResponse\n',
                 'from starlette.responses import JSONResponse\nimport logging\n'
                 'log = logging.getLogger(__name__)\n')
    head = edit('app/middleware.py',
                '                return JSONResponse({"detail": "Idempotency-Key required"}, '
                'status_code=400)',
                '                log.warning("request without Idempotency-Key")', files)
    got = findings(head, base=files)
    assert [(f.rule, f.path, f.line) for f in got] == [
        ('idempotency-weakened', 'app/middleware.py', 16)]
    assert 'only logs a warning' in got[0].message
    head = edit('app/middleware.py', 'key = request.headers.get(HEADER)',
                'key = request.headers.get(HEADER) or str(uuid.uuid4())', files)
    assert [r for r, _, _ in run(head, base=files)] == ['idempotency-weakened']
    gone = dict(files)
    gone['app/middleware.py'] = 'class IdempotencyMiddleware:\n    pass\n'
    assert [r for r, _, _ in run(gone, base=files)] == ['idempotency-removed']


def test_status_added_to_the_patch_body_model_of_a_generic_setattr_handler() -> None:
    models = '''from typing import Optional

from pydantic import BaseModel


class Order:
    status = "open"


class OrderPatch(BaseModel):
    note: Optional[str] = None
'''
    base = edit('app/routers/orders.py', '''def edit_order(order_id: int, body: dict):
    order = svc.load(None, order_id)
    svc.edit(None, order, body)''', '''def edit_order(order_id: int, body: OrderPatch):
    order = svc.load(None, order_id)
    for field, value in body.dict(exclude_unset=True).items():
        setattr(order, field, value)''')
    base = edit('app/routers/orders.py', 'from app.services import orders as svc',
                'from app.models import OrderPatch\nfrom app.services import orders as svc', base)
    base['app/models.py'] = models
    head = edit('app/models.py', '    note: Optional[str] = None\n',
                '    note: Optional[str] = None\n    status: Optional[str] = None\n', base)
    got = findings(head, base=base)
    assert [(f.rule, f.path, f.line) for f in got] == [
        ('actions-bypass-patch-transition', 'app/routers/orders.py', 26)]
    assert 'sets OrderPatch.status from the request body' in got[0].message
    head = edit('app/models.py', '    note: Optional[str] = None\n',
                '    note: Optional[str] = None\n    priority: Optional[int] = None\n', base)
    assert run(head, base=base) == []


def test_one_helper_many_patch_routes_is_one_finding() -> None:
    base = edit('app/web/legacy.py', '''@bp.route("/transfers/<int:tid>", methods=["PATCH"])''',
                '''@bp.route("/transfers/<int:tid>/meta", methods=["PUT"])
def put_meta(tid):
    transfer = load_transfer(tid)
    return {"ok": True}


@bp.route("/transfers/<int:tid>", methods=["PATCH"])''')
    head = edit('app/web/legacy.py', '''def load_transfer(tid):
    return None''', '''def load_transfer(tid):
    transfer = db.get(tid)
    transfer.status = "touched"
    return transfer''', base)
    got = findings(head, base=base)
    assert [(f.rule, f.line) for f in got] == [('actions-bypass-patch-transition', 21)]
    assert got[0].message.startswith('2 PATCH/PUT routes now write a state-like field through '
                                     'load_transfer()')
    assert got[0].extra['routes'] == ['PUT /legacy/transfers/<int:tid>/meta (app/web/legacy.py:6)',
                                      'PATCH /legacy/transfers/<int:tid> (app/web/legacy.py:12)']


def test_annotated_header_made_optional_or_generated() -> None:
    base = edit('app/routers/orders.py',
                'idempotency_key: str = Header(..., alias="Idempotency-Key")',
                'idempotency_key: Annotated[str, Header(alias="Idempotency-Key")]')
    base = edit('app/routers/orders.py', 'from fastapi import APIRouter',
                'from typing import Annotated\n\nfrom fastapi import APIRouter', base)
    optional = edit('app/routers/orders.py', 'Annotated[str, Header(alias="Idempotency-Key")]',
                    'Annotated[str | None, Header(alias="Idempotency-Key")] = None', base)
    got = findings(optional, base=base)
    assert [(f.rule, f.line) for f in got] == [('idempotency-weakened', 17)]
    assert 'became optional' in got[0].message
    generated = edit('app/routers/orders.py', 'Header(alias="Idempotency-Key")',
                     'Header(alias="Idempotency-Key", default_factory=uuid4)', base)
    got = findings(generated, base=base)
    assert [(f.rule, f.line) for f in got] == [('idempotency-weakened', 17)]
    assert 'server-generated default' in got[0].message
