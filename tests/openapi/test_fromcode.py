"""The contract built from route code (ast only), compared base vs head."""
from __future__ import annotations

import json
from typing import Any

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.contract import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.policy import from_mapping
from tests.support.contract_code import APP
from tests.support.contract_code import generated_spec
from tests.support.contract_code import MODELS
from tests.support.contract_code import ROUTER
from tests.support.contract_code import SPEC
from tests.support.contract_code import tree
from tests.support.contract_helpers import rules


def run(base: dict[str, str], head: dict[str, str], **contract: Any) -> list[Any]:
    """The findings, without the coverage note every scan of route code ends with."""
    return [f for f in run_all(base, head, **contract) if f.rule != 'api-code-coverage']


def run_all(base: dict[str, str], head: dict[str, str], **contract: Any) -> list[Any]:
    changes = ChangeSet.from_texts(base=base, head=head)
    return check(changes, from_mapping({'contract': contract}, None), RunInfo())


def code_rules(found: list[Any]) -> dict[str, str]:
    return rules([f for f in found if f.rule != 'openapi-spec-stale'])


def test_refactor_without_contract_change_is_silent() -> None:
    head = tree(router=ROUTER.replace('    ...\n', '    return None\n'))
    assert run(tree(), head) == []


def test_response_field_removed_reports_model_file_and_operations() -> None:
    found = run(tree(), tree(models=MODELS.replace('    created: str\n', '')))
    got = code_rules(found)
    assert got == {'response-property-removed': 'error'}
    (f,) = [x for x in found if x.rule == 'response-property-removed']
    assert f.path == 'shop/models.py'
    assert f.extra['affected'] == ['GET /aris3/items/{item_id}', 'PUT /aris3/items/{item_id}',
                                   'GET /aris3/items']
    assert f.line == 14 and f.extra['side'] == 'base'
    assert 'line 14 of shop/models.py in the base version' in f.message


def test_response_field_made_optional_and_nullable() -> None:
    # A field with a default is still serialized: clients still get it, maybe null.
    head = tree(models=MODELS.replace('    status: Status\n', '    status: Status | None = None\n'))
    found = run(tree(), head)
    assert code_rules(found) == {'response-property-became-nullable': 'error'}
    assert {f.line for f in found if f.rule.startswith('response')} == {19}


def test_response_field_with_a_default_may_be_absent_only_when_unset_values_are_dropped(
        ) -> None:
    exclude = ROUTER.replace('@router.get("/{item_id}", response_model=Item)',
                             '@router.get("/{item_id}", response_model=Item, '
                             'response_model_exclude_unset=True)')
    head = tree(router=exclude,
                models=MODELS.replace('    status: Status\n', '    status: Status = Status.open\n'))
    found = run(tree(router=exclude), head)
    assert code_rules(found) == {'response-property-became-optional': 'error'}
    (f,) = [x for x in found if x.rule == 'response-property-became-optional']
    assert f.extra['affected'] == ['GET /aris3/items/{item_id}']


def test_request_field_made_required_and_literal_value_dropped() -> None:
    head_models = MODELS.replace(
        'class ItemIn(BaseModel):\n    name: str = Field(..., max_length=50)\n'
        '    kind: Literal["retail", "wholesale"] = "retail"\n',
        'class ItemIn(BaseModel):\n    name: str = Field(..., max_length=50)\n'
        '    kind: Literal["retail"]\n')
    got = code_rules(run(tree(), tree(models=head_models)))
    assert got == {'request-property-became-required': 'error',
                   'request-property-enum-value-removed': 'error'}


def test_enum_member_removed_from_request_and_field_constraint_tightened() -> None:
    head_models = MODELS.replace('    closed = "closed"\n', '').replace(
        'class ItemIn(BaseModel):\n    name: str = Field(..., max_length=50)',
        'class ItemIn(BaseModel):\n    name: str = Field(..., max_length=20)')
    got = code_rules(run(tree(), tree(models=head_models)))
    assert got['request-property-enum-value-removed'] == 'error'
    assert got['response-enum-value-removed'] == 'info'
    assert got['request-property-max-length-decreased'] == 'error'


def test_path_parameter_narrowed_to_uuid() -> None:
    head = ROUTER.replace('from typing import Annotated\n',
                          'from typing import Annotated\nfrom uuid import UUID\n').replace(
        'def get_item(item_id: str,', 'def get_item(item_id: UUID,')
    found = run(tree(), tree(router=head))
    assert code_rules(found) == {'request-parameter-format-added': 'error'}
    (f,) = [x for x in found if x.rule == 'request-parameter-format-added']
    assert f.path == 'shop/routers/items.py' and f.line == 12
    assert f.extra['operation'] == 'GET /aris3/items/{item_id}'


def test_required_header_added_through_openapi_extra_and_annotated() -> None:
    head = ROUTER.replace('"required": False', '"required": True').replace(
        'def list_items(limit: int = 50)',
        'def list_items(x_request_id: Annotated[str, Header()], limit: int = 50)')
    found = run(tree(), tree(router=head))
    got = code_rules(found)
    assert got == {'request-parameter-became-required': 'error',
                   'new-required-request-parameter': 'error'}
    msgs = ' '.join(f.message for f in found)
    assert 'header parameter `If-Match`' in msgs and 'header parameter `x-request-id`' in msgs


def test_query_default_and_constraint_changes() -> None:
    head = ROUTER.replace('Query("short", max_length=10)', 'Query("full", max_length=5)')
    got = code_rules(run(tree(), tree(router=head)))
    assert got == {'request-parameter-default-value-changed': 'error',
                   'request-parameter-max-length-decreased': 'error'}


def test_route_removed_and_route_changed() -> None:
    removed = ROUTER.split('@router.delete')[0]
    found = run(tree(), tree(router=removed))
    assert code_rules(found) == {'api-route-removed': 'error'}
    moved = ROUTER.replace('@router.get("")', '@router.get("/all")')
    found = run(tree(), tree(router=moved))
    assert code_rules(found) == {'api-route-changed': 'error'}
    (f,) = [x for x in found if x.rule == 'api-route-changed']
    assert 'list_items()' in f.message and 'GET /aris3/items/all' in f.message


def test_include_router_prefix_change_moves_every_route() -> None:
    found = run(tree(), tree(app=APP.replace('prefix="/aris3"', 'prefix="/aris4"')))
    got = code_rules(found)
    assert got == {'api-route-changed': 'error'}
    assert len([f for f in found if f.rule == 'api-route-changed']) == 4


def test_inherited_field_change_and_stale_spec() -> None:
    spec = {'openapi.json': generated_spec(tree())}     # the spec describes the base's code
    found = run(tree(**spec), tree(models=MODELS.replace('    id: int\n', '    id: int | None\n'),
                                   **spec))
    assert rules(found) == {'response-property-became-nullable': 'error',
                            'request-property-became-nullable': 'info',
                            'openapi-spec-stale': 'warning'} or \
        rules(found) == {'response-property-became-nullable': 'error',
                         'openapi-spec-stale': 'warning'}
    (stale,) = [f for f in found if f.rule == 'openapi-spec-stale']
    assert stale.path == 'openapi.json'


def test_a_spec_behind_additive_changes_only_is_stale_at_info() -> None:
    """A new optional response field, the spec left for the next release (polar regenerates
    its docs spec with SDK releases): every client generated from the spec still works, so
    the stale spec is context (info, `contract.stale_additive_severity`); a breaking change
    keeps `contract.stale_severity` (warning)."""
    added = tree(models=MODELS.replace('    note: Optional[str] = None\n',
                                       '    note: Optional[str] = None\n    sku: str = ""\n'))
    (stale,) = [f for f in run(tree(), added) if f.rule == 'openapi-spec-stale']
    assert stale.severity == 'info' and 'additive changes only' in stale.message
    (stale,) = [f for f in run(tree(), added, stale_additive_severity='warning')
                if f.rule == 'openapi-spec-stale']
    assert stale.severity == 'warning'
    spec = {'openapi.json': generated_spec(tree())}     # the spec describes the base's code
    removed = tree(models=MODELS.replace('    created: str\n', ''), **spec)
    (stale,) = [f for f in run(tree(**spec), removed) if f.rule == 'openapi-spec-stale']
    assert stale.severity == 'warning' and 'additive' not in stale.message


def test_no_stale_finding_when_the_spec_changes_too() -> None:
    head = tree(models=MODELS.replace('    created: str\n', ''))
    head['openapi.json'] = SPEC.replace('"version": "1"', '"version": "2"')
    found = run(tree(), head)
    assert 'openapi-spec-stale' not in rules(found)
    assert 'response-property-removed' in rules(found)


def test_frozen_endpoint_changed_in_code() -> None:
    head = tree(models=MODELS.replace('    note: Optional[str] = None\n',
                                      '    note: Optional[str] = None\n    sku: str = ""\n'))
    found = run(tree(), head, frozen_endpoints=['GET /aris3/items'])
    (f,) = [x for x in found if x.rule == 'frozen-endpoint-changed']
    assert f.extra['operation'] == 'GET /aris3/items'


def test_unresolvable_response_model_is_info_not_a_guess() -> None:
    head = ROUTER.replace('@router.delete("/{item_id}", status_code=204)',
                          '@router.delete("/{item_id}", status_code=204, '
                          'response_model=make_model())')
    found = run_all(tree(), tree(router=head))
    assert {(f.rule, f.severity) for f in found} == {
        ('api-code-unresolved', 'info'), ('api-code-coverage', 'info'),
        # the route changed and its response cannot be read: a reviewer must look
        ('api-route-contract-unresolved', 'warning')}
    (cov,) = [f for f in found if f.rule == 'api-code-coverage']
    assert (cov.extra['resolved'], cov.extra['total']) == (3, 4)
    assert cov.extra['unresolved'] == ['DELETE /aris3/items/{item_id}']


def test_flask_routes_and_tests_are_excluded() -> None:
    flask_base = ('from flask import Blueprint\nbp = Blueprint("orders", __name__, '
                  'url_prefix="/orders")\n\n@bp.route("/<int:order_id>", methods=["GET", '
                  '"DELETE"])\ndef order(order_id):\n    return {}\n')
    flask_head = flask_base.replace('"GET", "DELETE"', '"GET"')
    test_file = ('from fastapi import APIRouter\nrouter = APIRouter()\n\n'
                 '@router.get("/fake")\ndef fake():\n    ...\n')
    found = run({'web/orders.py': flask_base, 'tests/test_api.py': test_file},
                {'web/orders.py': flask_head, 'tests/test_api.py': ''})
    assert [(f.rule, f.extra['operation']) for f in found] == [
        ('api-route-removed', 'DELETE /orders/{order_id}')]


def test_code_comparison_can_be_disabled() -> None:
    assert run(tree(), tree(models=MODELS.replace('    created: str\n', '')), code=False) == []


def test_route_module_with_a_syntax_error_is_reported_not_guessed() -> None:
    # its routes are unknown, not removed: nothing else is reported
    found = run(tree(), tree(router=ROUTER.replace('def get_item(', 'def get_item((')))
    assert [(f.rule, f.severity, f.path) for f in found] == [
        ('api-code-unparseable', 'warning', 'shop/routers/items.py')]
    assert 'does not parse at the head' in found[0].message


def test_responses_models_and_nested_router_mounts() -> None:
    models = MODELS + '''

class Problem(BaseModel):
    code: str
    detail: str
'''
    router = ROUTER.replace(
        '@router.delete("/{item_id}", status_code=204)',
        '@router.delete("/{item_id}", status_code=204, responses={409: {"model": Problem}})'
    ).replace('from shop.models import Item, ItemIn',
              'from shop.models import Item, ItemIn, Problem')
    api = ('from fastapi import APIRouter\n\nfrom shop.routers import items\n\n'
           'api_router = APIRouter()\napi_router.include_router(items.router, prefix="/v1")\n')
    app = ('from fastapi import FastAPI\n\nfrom shop.routers.api import api_router\n\n'
           'app = FastAPI()\napp.include_router(api_router, prefix="/aris3")\n')
    base = tree(models=models, router=router, app=app, **{'shop/routers/api.py': api})
    head = dict(base, **{'shop/models.py': models.replace('    detail: str\n', '')})
    found = run(base, head)
    (f,) = [x for x in found if x.rule == 'response-property-removed']
    assert f.severity == 'error'
    assert f.extra['affected'] == ['DELETE /aris3/v1/items/{item_id}']


def test_change_reported_by_the_regenerated_spec_is_not_repeated_from_code() -> None:
    spec = {'openapi': '3.1.0', 'info': {'title': 's', 'version': '1'}, 'paths': {
        '/aris3/items/{item_id}': {'delete': {'responses': {'204': {'description': 'x'}}}}}}
    base = tree(**{'openapi.json': json.dumps(spec)})
    head = tree(router=ROUTER.split('@router.delete')[0],
                **{'openapi.json': json.dumps({**spec, 'paths': {}})})
    found = run(base, head)
    assert [(f.rule, f.path) for f in found] == [('api-path-removed', 'openapi.json')]


def test_optional_and_embedded_bodies() -> None:
    router = ROUTER.replace('def put_item(item_id: str, body: ItemIn):',
                            'def put_item(item_id: str, body: ItemIn | None = None):')
    head = router.replace('body: ItemIn | None = None', 'body: ItemIn')
    got = code_rules(run(tree(router=router), tree(router=head)))
    assert got == {'request-body-became-required': 'error',
                   'request-body-became-not-nullable': 'error'}
    embed = ROUTER.replace('from fastapi import APIRouter, Header, Query',
                           'from fastapi import APIRouter, Body, Header, Query').replace(
        'body: ItemIn):', 'body: ItemIn = Body(..., embed=True)):')
    got = code_rules(run(tree(), tree(router=embed)))
    assert got['new-required-request-property'] == 'error'     # {"body": {...}} now


def test_headers_declared_by_dependencies() -> None:
    deps = ('from fastapi import Header\n\n\n'
            'def idempotency(idempotency_key: str | None = Header(None)):\n'
            '    return idempotency_key\n')
    router = ROUTER.replace('from fastapi import APIRouter, Header, Query',
                            'from fastapi import APIRouter, Depends, Header, Query\n\n'
                            'from shop.deps import idempotency').replace(
        '@router.delete("/{item_id}", status_code=204)',
        '@router.delete("/{item_id}", status_code=204, dependencies=[Depends(idempotency)])')
    base = tree(router=router, **{'shop/deps.py': deps})
    head = dict(base, **{'shop/deps.py': deps.replace('str | None = Header(None)',
                                                      'str = Header(...)')})
    found = run(base, head)
    assert code_rules(found) == {'request-parameter-became-required': 'error',
                                 'request-parameter-became-not-nullable': 'error'}
    (f,) = [x for x in found if x.rule == 'request-parameter-became-required']
    assert f.extra['operation'] == 'DELETE /aris3/items/{item_id}'
    assert f.path == 'shop/deps.py' and f.line == 4


NEW_ROUTE = '''

@router.get("/{item_id}/history")
def item_history(item_id: str) -> list[Item]:
    ...
'''


def test_route_added_in_code_is_additive_and_scope_on_a_hotfix_branch() -> None:
    head = tree(router=ROUTER + NEW_ROUTE)
    found = run(tree(), head)
    added = [f for f in found if f.rule == 'api-route-added']
    assert [(f.severity, f.extra.get('operation')) for f in added] == [
        ('info', 'GET /aris3/items/{item_id}/history')]
    changes = ChangeSet.from_texts(base=tree(), head=head)
    on_hotfix = check(changes, from_mapping({}, None), RunInfo(branch='hotfix/ARIS-1-x',
                                                               hotfix=True))
    scope = [f for f in on_hotfix if f.rule == 'api-operation-added-in-hotfix']
    assert scope and scope[0].category == 'scope' and scope[0].severity == 'warning'
    assert not [f for f in on_hotfix if f.rule == 'api-route-added']


def test_spec_larger_than_the_limit_is_an_error_not_a_silent_pass() -> None:
    """A spec too large to compare could hide a removed path: fail closed."""
    head = tree(**{'openapi.json': SPEC.replace('"1"', '"2"')})
    found = run(tree(), head, max_spec_bytes=10)
    assert [(f.rule, f.severity, f.path) for f in found] == [
        ('openapi-too-large', 'error', 'openapi.json')]
    assert run(tree(), head) == []          # under the default limit: compared, no change
