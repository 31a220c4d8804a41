"""The OpenAPI rules not covered by the PAIRS table: each fires on its edit, with the
severity a client would expect, and the unchanged spec reports nothing."""
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


def _view(d: dict[str, Any]) -> dict[str, Any]:
    return get_op(d)['parameters'][1]


def _with_patterns(d: dict[str, Any]) -> None:
    item_in(d)['properties']['note']['pattern'] = '^[a-z]+$'
    item(d)['properties']['note']['pattern'] = '^[a-z]+$'


CASES: list[tuple[str, Any, Any, str, str]] = [
    # (id, base edit (or None), head edit, rule, severity)
    ('parameter-became-optional', lambda d: _view(d).update(required=True),
     lambda d: _view(d).update(required=False), 'request-parameter-became-optional', 'info'),
    ('request-pattern-changed', _with_patterns,
     lambda d: item_in(d)['properties']['note'].update(pattern='^[a-z0-9]+$'),
     'request-pattern-changed', 'warning'),
    ('request-pattern-removed', _with_patterns,
     lambda d: item_in(d)['properties']['note'].pop('pattern'),
     'request-pattern-removed', 'info'),
    ('response-pattern-changed', _with_patterns,
     lambda d: item(d)['properties']['note'].update(pattern='^[a-z0-9]+$'),
     'response-pattern-changed', 'info'),
    ('request-property-removed', None, lambda d: item_in(d)['properties'].pop('note'),
     'request-property-removed', 'warning'),
    ('request-property-removed-closed', lambda d: item_in(d).update(additionalProperties=False),
     lambda d: item_in(d)['properties'].pop('note'), 'request-property-removed', 'error'),
    ('response-header-added', None,
     lambda d: get_op(d)['responses']['200']['headers'].update(
         {'X-Trace': {'schema': {'type': 'string'}}}), 'response-header-added', 'info'),
    ('response-header-became-optional', None,
     lambda d: get_op(d)['responses']['200']['headers']['X-Rate-Limit'].update(required=False),
     'response-header-became-optional', 'error'),
    ('response-status-added', None,
     lambda d: get_op(d)['responses'].update({'409': {'description': 'conflict'}}),
     'response-status-added', 'info'),
    ('operation-deprecated', None, lambda d: get_op(d).update(deprecated=True),
     'api-operation-deprecated', 'info'),
    ('response-body-schema-removed', None,
     lambda d: get_op(d)['responses']['200']['content']['application/json'].pop('schema'),
     'response-body-schema-removed', 'warning'),
]


@pytest.mark.parametrize('case', CASES, ids=[c[0] for c in CASES])
def test_rule_fires_with_its_severity(case: tuple[Any, ...]) -> None:
    _, prepare, change, rule, severity = case
    base = edit(base_spec(), prepare) if prepare else base_spec()
    assert diff(base, base) == []                      # nothing changed: nothing reported
    got = rules(diff(base, edit(base, change)))
    assert got.get(rule) == severity, got


def _put_sends_item(d: dict[str, Any]) -> None:
    d['paths']['/items/{item_id}']['put']['requestBody']['content']['application/json'][
        'schema'] = {'$ref': '#/components/schemas/Item'}


def test_a_property_removed_from_a_component_both_sent_and_received_is_one_finding() -> None:
    """One component serves the response and the request body (a client sends back what it
    read): removing `note` is one response-property-removed finding naming the request
    side, with the PUT among the affected operations, not a second finding."""
    base = edit(base_spec(), _put_sends_item)
    found = diff(base, edit(base, lambda d: item(d)['properties'].pop('note')))
    assert rules(found) == {'response-property-removed': 'warning'}
    (removed,) = found
    assert 'also in request bodies' in removed.message
    assert set(removed.extra['affected']) == {'GET /items/{item_id}', 'PUT /items/{item_id}',
                                              'GET /items'}


@pytest.mark.parametrize('name', ['Item Detail', 'Item,Detail', 'Ítem', 'Item}Detail'])
def test_a_change_behind_a_ref_with_an_unusual_name_is_found(name: str) -> None:
    """A component named with a space, a comma, a brace or a non-ASCII letter, changed and
    reached through an unchanged component: the unchanged one is not taken for settled (its
    refs were read from its JSON text, which cut such a name short)."""
    def shape(d: dict[str, Any]) -> None:
        schemas = d['components']['schemas']
        schemas[name] = schemas.pop('Item')
        schemas['Wrapper'] = {'type': 'object', 'properties': {
            'item': {'$ref': f'#/components/schemas/{name}'}}}
        ok = d['paths']['/items/{item_id}']['get']['responses']['200']
        ok['content']['application/json']['schema'] = {'$ref': '#/components/schemas/Wrapper'}

    base = edit(base_spec(), shape)
    head = edit(base, lambda d: d['components']['schemas'][name]['properties'].pop('name'))
    found = diff(base, head)
    assert rules(found)['response-property-removed'] == 'error'
    assert any('GET /items/{item_id}' in f.extra['affected'] for f in found
               if f.rule == 'response-property-removed')
