"""One breaking and one non-breaking spec pair per rule of the OpenAPI engine."""
from __future__ import annotations

from typing import Any

import pytest

from tests.support.contract_helpers import base_spec
from tests.support.contract_helpers import diff
from tests.support.contract_helpers import edit
from tests.support.contract_helpers import get_op
from tests.support.contract_helpers import item
from tests.support.contract_helpers import item_in
from tests.support.contract_helpers import rules


def _del_path(d: dict[str, Any]) -> None:
    del d['paths']['/items']


def _add_path(d: dict[str, Any]) -> None:
    d['paths']['/stores'] = {'get': {'responses': {'200': {'description': 'ok'}}}}


def _view(d: dict[str, Any]) -> dict[str, Any]:
    return get_op(d)['parameters'][1]


def _param(name: str, required: bool, where: str = 'query') -> dict[str, Any]:
    return {'name': name, 'in': where, 'required': required, 'schema': {'type': 'string'}}


def _status_schema(d: dict[str, Any]) -> dict[str, Any]:
    return item(d)['properties']['status']


# (id, breaking edit, rule, severity, compatible edit, rule or None)
PAIRS: list[tuple[str, Any, str, str, Any, str | None]] = [
    ('path-removed', _del_path, 'api-path-removed', 'error', _add_path, 'api-operation-added'),
    ('operation-removed', lambda d: d['paths']['/items/{item_id}'].pop('put'),
     'api-operation-removed', 'error',
     lambda d: d['paths']['/items/{item_id}'].update(
         post={'responses': {'201': {'description': 'made'}}}), 'api-operation-added'),
    ('parameter-removed', lambda d: get_op(d)['parameters'].pop(1),
     'request-parameter-removed', 'error',
     lambda d: get_op(d)['parameters'].append(_param('page', False)),
     'new-optional-request-parameter'),
    ('new-required-parameter',
     lambda d: get_op(d)['parameters'].append(_param('Idempotency-Key', True, 'header')),
     'new-required-request-parameter', 'error',
     lambda d: get_op(d)['parameters'].append(_param('Idempotency-Key', False, 'header')),
     'new-optional-request-parameter'),
    ('parameter-became-required', lambda d: _view(d).update(required=True),
     'request-parameter-became-required', 'error', None, None),
    ('parameter-enum-value-removed', lambda d: _view(d)['schema'].update(enum=['short']),
     'request-parameter-enum-value-removed', 'error',
     lambda d: _view(d)['schema'].update(enum=['short', 'full', 'raw']),
     'request-parameter-enum-value-added'),
    ('parameter-type-changed', lambda d: _view(d)['schema'].update(type='integer', enum=None),
     'request-parameter-type-changed', 'error', None, None),
    ('parameter-format-added',
     lambda d: get_op(d)['parameters'][0]['schema'].update(type='string', format='uuid'),
     'request-parameter-type-changed', 'error',
     lambda d: get_op(d)['parameters'][0]['schema'].update(type='number'),
     'request-parameter-type-generalized'),
    ('parameter-default-changed', lambda d: _view(d)['schema'].update(default='full'),
     'request-parameter-default-value-changed', 'error', None, None),
    ('request-property-became-required', lambda d: item_in(d)['required'].append('status'),
     'request-property-became-required', 'error',
     lambda d: item_in(d).update(required=[]), 'request-property-became-optional'),
    ('new-required-request-property',
     lambda d: (item_in(d)['properties'].update(sku={'type': 'string'}),
                item_in(d)['required'].append('sku')),
     'new-required-request-property', 'error',
     lambda d: item_in(d)['properties'].update(sku={'type': 'string'}),
     'new-optional-request-property'),
    ('request-property-type-changed',
     lambda d: item_in(d)['properties']['note'].update(type='integer'),
     'request-property-type-changed', 'error',
     lambda d: item_in(d)['properties']['note'].update(type=['string', 'integer']),
     'request-property-type-generalized'),
    ('request-property-enum-value-removed',
     lambda d: item_in(d)['properties']['status'].update(enum=['open']),
     'request-property-enum-value-removed', 'error',
     lambda d: item_in(d)['properties']['status'].update(enum=['open', 'closed', 'held']),
     'request-property-enum-value-added'),
    ('request-max-length-decreased',
     lambda d: item_in(d)['properties']['name'].update(maxLength=20),
     'request-property-max-length-decreased', 'error',
     lambda d: item_in(d)['properties']['name'].update(maxLength=80),
     'request-property-max-length-increased'),
    ('request-min-length-set',
     lambda d: item_in(d)['properties']['name'].update(minLength=3),
     'request-property-min-length-increased', 'error', None, None),
    ('request-max-set', lambda d: item_in(d)['properties']['note'].update(maxLength=10),
     'request-property-max-length-set', 'warning', None, None),
    ('request-pattern-added',
     lambda d: item_in(d)['properties']['note'].update(pattern='^[a-z]+$'),
     'request-pattern-added', 'error', None, None),
    ('request-property-not-nullable',
     lambda d: item_in(d)['properties']['note'].update(type=['string', 'null']),
     'request-property-became-nullable', 'info', None, None),
    ('request-additional-properties-closed',
     lambda d: item_in(d).update(additionalProperties=False),
     'request-additional-properties-closed', 'warning', None, None),
    ('request-one-of-removed',
     lambda d: item_in(d)['properties']['payment']['oneOf'].pop(1),
     'request-property-one-of-removed', 'error',
     lambda d: item_in(d)['properties']['payment']['oneOf'].append(
         {'type': 'object', 'properties': {'voucher': {'type': 'string'}}}),
     'request-property-one-of-added'),
    ('request-media-type-added',
     lambda d: d['paths']['/items/{item_id}']['put']['requestBody']['content'].update(
         {'application/xml': {'schema': {'type': 'object'}}}) or None,
     'request-media-type-added', 'info', None, None),
    ('response-property-removed', lambda d: item(d)['properties'].pop('name'),
     'response-property-removed', 'error',
     lambda d: item(d)['properties'].update(sku={'type': 'string'}), 'response-property-added'),
    ('response-optional-property-removed', lambda d: item(d)['properties'].pop('note'),
     'response-property-removed', 'warning', None, None),
    ('response-property-became-optional', lambda d: item(d)['required'].remove('name'),
     'response-property-became-optional', 'error',
     lambda d: item(d)['required'].append('note'), 'response-property-became-required'),
    ('response-nullable-type-array',
     lambda d: item(d)['properties']['name'].update(type=['string', 'null']),
     'response-property-became-nullable', 'error', None, None),
    ('response-nullable-anyof',
     lambda d: item(d)['properties'].update(
         name={'anyOf': [{'type': 'string', 'maxLength': 50}, {'type': 'null'}]}),
     'response-property-became-nullable', 'error', None, None),
    ('response-enum-value-added',
     lambda d: _status_schema(d).update(enum=['open', 'closed', 'held']),
     'response-enum-value-added', 'error',
     lambda d: _status_schema(d).update(enum=['open']), 'response-enum-value-removed'),
    ('response-type-generalized',
     lambda d: item(d)['properties']['id'].update(type='number'),
     'response-property-type-generalized', 'error', None, None),
    ('response-max-length-increased',
     lambda d: item(d)['properties']['name'].update(maxLength=100),
     'response-property-max-length-increased', 'error',
     lambda d: item(d)['properties']['name'].update(maxLength=10),
     'response-property-max-length-decreased'),
    ('response-success-status-removed',
     lambda d: get_op(d)['responses'].pop('200'),
     'response-success-status-removed', 'error',
     lambda d: get_op(d)['responses'].pop('404'), 'response-non-success-status-removed'),
    ('response-media-type-added',
     lambda d: get_op(d)['responses']['200']['content'].update(
         {'text/csv': {'schema': {'type': 'string'}}}) or None,
     'response-media-type-added', 'info', None, None),
    ('response-header-removed', lambda d: get_op(d)['responses']['200'].pop('headers'),
     'response-header-removed', 'error', None, None),
    ('security-requirement-added',
     lambda d: d['paths']['/items']['get'].update(security=[{'token': []}]),
     'security-requirement-added', 'error',
     lambda d: get_op(d).update(security=[{'token': []}, {}]), 'security-requirement-removed'),
    ('parameter-deprecated', lambda d: _view(d).update(deprecated=True),
     'request-parameter-deprecated', 'info', None, None),
    ('property-deprecated', lambda d: item(d)['properties']['note'].update(deprecated=True),
     'response-property-deprecated', 'info', None, None),
    ('security-scope-added', lambda d: get_op(d).update(security=[{'token': ['read']}]),
     'security-scope-added', 'error', None, None),
]


@pytest.mark.parametrize('case', PAIRS, ids=[p[0] for p in PAIRS])
def test_breaking_variant_is_reported(case: tuple[Any, ...]) -> None:
    _, breaking, rule, severity, _, _ = case
    base = base_spec()
    got = rules(diff(base, edit(base, breaking)))
    assert got.get(rule) == severity, got


@pytest.mark.parametrize('case', [p for p in PAIRS if p[4] is not None],
                         ids=[p[0] for p in PAIRS if p[4] is not None])
def test_compatible_variant_has_no_error(case: tuple[Any, ...]) -> None:
    _, _, _, _, compatible, rule = case
    base = base_spec()
    got = rules(diff(base, edit(base, compatible)))
    assert 'error' not in got.values(), got
    assert rule in got


def test_media_type_removals_break_both_directions() -> None:
    base = base_spec()
    put = base['paths']['/items/{item_id}']['put']
    put['requestBody']['content']['application/xml'] = {'schema': {'type': 'object'}}
    get_op(base)['responses']['200']['content']['text/csv'] = {'schema': {'type': 'string'}}
    head = edit(base, lambda d: (
        d['paths']['/items/{item_id}']['put']['requestBody']['content'].pop('application/xml'),
        get_op(d)['responses']['200']['content'].pop('text/csv')))
    got = rules(diff(base, head))
    assert got['request-media-type-removed'] == 'error'
    assert got['response-media-type-removed'] == 'error'


def test_one_of_branch_removed_in_request_added_in_response() -> None:
    base = base_spec()
    base['components']['schemas']['Item']['properties']['payment'] = {'oneOf': [
        {'$ref': '#/components/schemas/Card'}, {'$ref': '#/components/schemas/Cash'},
        {'$ref': '#/components/schemas/Voucher'}]}
    base['components']['schemas']['Voucher'] = {'type': 'object',
                                                'properties': {'code': {'type': 'string'}}}
    item_in(base)['properties']['payment']['oneOf'].append(
        {'$ref': '#/components/schemas/Voucher'})
    head = edit(base, lambda d: (item_in(d)['properties']['payment']['oneOf'].pop(2),
                                 item(d)['properties']['payment']['oneOf'].pop(2)))
    got = rules(diff(base, head))
    assert got['request-property-one-of-removed'] == 'error'
    assert got['response-property-one-of-removed'] == 'info'
    back = rules(diff(head, base))
    assert back['response-property-one-of-added'] == 'error'
    assert back['request-property-one-of-added'] == 'info'


def test_request_body_became_required_and_removed() -> None:
    base = base_spec()
    put = base['paths']['/items/{item_id}']['put']
    put['requestBody']['required'] = False
    got = rules(diff(base, edit(base, lambda d: d['paths']['/items/{item_id}']['put'][
        'requestBody'].update(required=True))))
    assert got == {'request-body-became-required': 'error'}
    got = rules(diff(base, edit(base, lambda d: d['paths']['/items/{item_id}']['put'].pop(
        'requestBody'))))
    assert got == {'request-body-removed': 'error'}
    no_body = edit(base, lambda d: d['paths']['/items/{item_id}']['put'].pop('requestBody'))
    with_required = edit(base, lambda d: d['paths']['/items/{item_id}']['put'][
        'requestBody'].update(required=True))
    assert rules(diff(no_body, with_required)) == {'new-required-request-body': 'error'}
    assert rules(diff(no_body, base)) == {'new-optional-request-body': 'info'}


def test_identical_documents_have_no_findings() -> None:
    assert diff(base_spec(), base_spec()) == []
