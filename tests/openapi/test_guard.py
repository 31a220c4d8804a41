"""The contract check over change sets: discovery, versions, $ref handling, grouping,
frozen endpoints, hotfix scope, deprecation and malformed input."""
from __future__ import annotations

import datetime
import json
from typing import Any

import yaml

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.contract import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.policy import from_mapping
from tests.support.contract_helpers import base_spec
from tests.support.contract_helpers import diff
from tests.support.contract_helpers import edit
from tests.support.contract_helpers import get_op
from tests.support.contract_helpers import item
from tests.support.contract_helpers import rules


def run(base: dict[str, Any], head: dict[str, Any], contract: dict[str, Any] | None = None,
        hotfix: bool = False, path: str = 'api/openapi.json') -> list[Any]:
    dump = (lambda d: yaml.safe_dump(d, sort_keys=False)) if path.endswith(('.yaml', '.yml')) \
        else (lambda d: json.dumps(d, indent=2))
    changes = ChangeSet.from_texts(base={path: dump(base)}, head={path: dump(head)})
    policy = from_mapping({'contract': contract or {}}, None)
    return check(changes, policy, RunInfo(hotfix=hotfix))


def test_contract_files_are_found_without_configuration_and_others_ignored() -> None:
    base = base_spec()
    head = edit(base, lambda d: item(d)['required'].remove('name'))
    changes = ChangeSet.from_texts(
        base={'docs/api.yaml': yaml.safe_dump(base), 'package.json': '{"name": "x"}',
              'conf.yaml': 'openapi: not-really\n'},
        head={'docs/api.yaml': yaml.safe_dump(head), 'package.json': '{"name": "y"}',
              'conf.yaml': 'openapi: still-not\n'})
    found = check(changes, from_mapping({}, None), RunInfo())
    assert {f.path for f in found} == {'docs/api.yaml'}
    assert rules(found) == {'response-property-became-optional': 'error'}


def test_policy_globs_exclude_and_include() -> None:
    base = base_spec()
    head = edit(base, lambda d: item(d)['required'].remove('name'))
    assert run(base, head, {'exclude': ['api/**']}) == []
    # include: a file whose first 4 KB do not mention openapi is still compared
    padded_b = json.dumps({'x-pad': 'p' * 5000, **base})
    padded_h = json.dumps({'x-pad': 'p' * 5000, **head})
    changes = ChangeSet.from_texts(base={'contract/v1.json': padded_b},
                                   head={'contract/v1.json': padded_h})
    assert check(changes, from_mapping({}, None), RunInfo()) == []
    got = check(changes, from_mapping({'contract': {'include': ['contract/*.json']}}, None),
                RunInfo())
    assert rules(got) == {'response-property-became-optional': 'error'}


def test_yaml_lines_point_at_the_changed_key() -> None:
    base = base_spec()
    head = edit(base, lambda d: item(d)['properties']['status'].update(
        enum=['open', 'closed', 'held']))
    found = run(base, head, path='openapi.yaml')
    (f,) = [x for x in found if x.rule == 'response-enum-value-added']
    text = yaml.safe_dump(head, sort_keys=False).splitlines()
    assert text[f.line - 1].strip() == 'status:'
    assert f.extra['pointer'] == '/components/schemas/Item/properties/status'


def test_json_lines_point_at_the_changed_key() -> None:
    base = base_spec()
    head = edit(base, lambda d: get_op(d)['parameters'].append(
        {'name': 'X-Tenant', 'in': 'header', 'required': True, 'schema': {'type': 'string'}}))
    (f,) = run(base, head)
    assert f.rule == 'new-required-request-parameter'
    assert f.extra['operation'] == 'GET /items/{item_id}'
    assert f.extra['pointer'] == '/paths/~1items~1{item_id}/get/parameters/2'
    lines = json.dumps(head, indent=2).splitlines()
    assert '"X-Tenant"' in lines[f.line - 1] or '"name": "X-Tenant"' in '\n'.join(
        lines[f.line - 1:f.line + 1])


def test_shared_component_change_is_one_finding_listing_operations() -> None:
    base = base_spec()
    head = edit(base, lambda d: item(d)['required'].remove('status'))
    found = [f for f in run(base, head) if f.rule == 'response-property-became-optional']
    assert len(found) == 1
    assert found[0].extra['affected'] == ['GET /items/{item_id}', 'PUT /items/{item_id}',
                                          'GET /items']
    assert 'affects 3 operations' in found[0].message


def test_ref_chain_and_recursive_schema() -> None:
    base = base_spec()
    schemas = base['components']['schemas']
    schemas['Node'] = {'type': 'object', 'required': ['label'], 'properties': {
        'label': {'type': 'string'},
        'children': {'type': 'array', 'items': {'$ref': '#/components/schemas/Node'}},
        'parent': {'$ref': '#/components/schemas/NodeAlias'}}}
    schemas['NodeAlias'] = {'$ref': '#/components/schemas/NodeAlias2'}
    schemas['NodeAlias2'] = {'$ref': '#/components/schemas/Node'}
    base['paths']['/tree'] = {'get': {'responses': {'200': {'description': 'ok', 'content': {
        'application/json': {'schema': {'$ref': '#/components/schemas/NodeAlias'}}}}}}}
    head = edit(base, lambda d: d['components']['schemas']['Node']['required'].clear())
    found = run(base, head)
    assert rules(found) == {'response-property-became-optional': 'error'}
    assert found[0].extra['pointer'] == '/components/schemas/Node/properties/label'
    assert run(base, base) == []


def test_path_parameter_rename_is_the_same_operation() -> None:
    base = base_spec()

    def rename(d: dict[str, Any]) -> None:
        d['paths']['/items/{id}'] = d['paths'].pop('/items/{item_id}')
        for op in d['paths']['/items/{id}'].values():
            op['parameters'][0]['name'] = 'id'
    assert rules(run(base, edit(base, rename))) == {'request-path-parameter-renamed': 'info'}


def test_nullability_encodings_and_const_enum_are_compared_as_values() -> None:
    v30 = edit(base_spec(), lambda d: d.update(openapi='3.0.3'))
    item(v30)['properties']['note'] = {'type': 'string', 'nullable': True}
    v31 = edit(base_spec(), lambda d: item(d)['properties'].update(
        note={'anyOf': [{'type': 'string'}, {'type': 'null'}]}))
    assert diff(v30, v31) == []
    v31b = edit(v31, lambda d: item(d)['properties'].update(note={'type': ['string', 'null']}))
    assert diff(v31, v31b) == []
    const = edit(base_spec(), lambda d: d['components']['schemas']['ItemIn'][
        'properties'].update(status={'const': 'open'}))
    widened = edit(const, lambda d: d['components']['schemas']['ItemIn'][
        'properties'].update(status={'enum': ['open', 'closed']}))
    assert rules(diff(const, widened)) == {'request-property-enum-value-added': 'info'}
    assert rules(diff(widened, const))['request-property-enum-value-removed'] == 'error'


def test_all_of_is_merged() -> None:
    base = base_spec()
    schemas = base['components']['schemas']
    schemas['Named'] = {'type': 'object', 'required': ['name'],
                        'properties': {'name': {'type': 'string'}}}
    base['components']['schemas']['Item'] = {'allOf': [
        {'$ref': '#/components/schemas/Named'},
        {'type': 'object', 'required': ['id'], 'properties': {'id': {'type': 'integer'}}}]}
    # the same object written flat: no change
    flat = edit(base, lambda d: d['components']['schemas'].update(Item={
        'type': 'object', 'required': ['name', 'id'],
        'properties': {'name': {'type': 'string'}, 'id': {'type': 'integer'}}}))
    assert [f.rule for f in diff(base, flat) if f.severity != 'info'] == []
    head = edit(base, lambda d: d['components']['schemas']['Named']['required'].clear())
    assert rules(diff(base, head)) == {'response-property-became-optional': 'error'}


def _swagger(required: list[str]) -> dict[str, Any]:
    return {
        'swagger': '2.0', 'info': {'title': 't', 'version': '1'},
        'paths': {'/pets/{petId}': {'get': {
            'parameters': [{'name': 'petId', 'in': 'path', 'required': True, 'type': 'integer'},
                           {'name': 'limit', 'in': 'query', 'type': 'integer', 'maximum': 100}],
            'responses': {'200': {'description': 'ok',
                                  'schema': {'$ref': '#/definitions/Pet'}}}}},
            '/pets': {'post': {
                'parameters': [{'name': 'body', 'in': 'body', 'required': True,
                                'schema': {'$ref': '#/definitions/Pet'}}],
                'responses': {'201': {'description': 'made'}}}}},
        'definitions': {'Pet': {'type': 'object', 'required': required, 'properties': {
            'id': {'type': 'integer'}, 'name': {'type': 'string'}}}},
    }


def test_swagger_2_yaml() -> None:
    base = _swagger(['id'])
    head = _swagger(['id', 'name'])
    head['paths']['/pets/{petId}']['get']['parameters'][1]['maximum'] = 50
    found = run(base, head, path='swagger.yaml')
    assert rules(found) == {'request-property-became-required': 'error',
                            'response-property-became-required': 'info',
                            'request-parameter-max-decreased': 'error'}
    by_rule = {f.rule: f for f in found}
    assert by_rule['request-property-became-required'].extra['operation'] == 'POST /pets'
    assert by_rule['request-parameter-max-decreased'].extra['operation'] == 'GET /pets/{petId}'


def test_openapi_30_exclusive_maximum_boolean() -> None:
    base = edit(base_spec(), lambda d: d.update(openapi='3.0.3'))
    item(base)['properties']['id'].update(maximum=10)
    head = edit(base, lambda d: item(d)['properties']['id'].update(exclusiveMaximum=True))
    assert rules(diff(base, head)) == {'response-property-max-unset': 'error',
                                       'response-property-exclusive-max-set': 'info'}


def test_frozen_endpoints_and_groups_turn_any_change_into_an_error() -> None:
    base = base_spec()
    head = edit(base, lambda d: item(d)['properties'].update(sku={'type': 'string'}))
    plain = run(base, head)
    assert {f.severity for f in plain} == {'info'}
    frozen = run(base, head, {'frozen_endpoints': ['GET /items']})
    (f,) = [x for x in frozen if x.rule == 'frozen-endpoint-changed']
    assert f.severity == 'error' and f.extra['operation'] == 'GET /items'
    assert 'frozen_endpoints: "GET /items"' in f.message
    by_glob = run(base, head, {'frozen_endpoints': ['* /items/**']})
    assert sorted(x.extra['operation'] for x in by_glob if x.rule == 'frozen-endpoint-changed') \
        == ['GET /items/{item_id}', 'PUT /items/{item_id}']
    by_group = run(base, head, {'frozen_groups': ['/items']})
    assert len([x for x in by_group if x.rule == 'frozen-endpoint-changed']) == 3
    other = run(base, head, {'frozen_groups': ['/stores'], 'frozen_endpoints': ['PATCH /items']})
    assert not [x for x in other if x.rule == 'frozen-endpoint-changed']


def test_new_operation_under_frozen_group_and_on_hotfix_branch() -> None:
    base = base_spec()
    head = edit(base, lambda d: d['paths'].update(
        {'/items/{item_id}/copy': {'post': {'responses': {'201': {'description': 'x'}}}}}))
    assert rules(run(base, head)) == {'api-operation-added': 'info'}
    hot = run(base, head, hotfix=True)
    assert [(f.rule, f.category, f.severity) for f in hot] == [
        ('api-operation-added-in-hotfix', 'scope', 'warning')]
    frozen = run(base, head, {'frozen_groups': ['/items/{id}']})
    assert rules(frozen)['frozen-endpoint-changed'] == 'error'


def test_deprecated_operation_removal_is_a_warning_unless_before_sunset() -> None:
    base = base_spec()
    head = edit(base, lambda d: d['paths']['/items/{item_id}'].pop('put'))
    assert rules(run(base, head)) == {'api-operation-removed': 'error'}
    put = base['paths']['/items/{item_id}']['put']
    put['deprecated'] = True
    assert rules(run(base, head)) == {'api-operation-removed': 'warning'}
    put['x-sunset'] = '2020-01-01'
    assert rules(run(base, head)) == {'api-operation-removed': 'warning'}
    future = (datetime.date.today() + datetime.timedelta(days=60)).isoformat()
    put['x-sunset'] = future
    got = run(base, head)
    assert rules(got) == {'api-operation-removed-before-sunset': 'error'}
    assert future in got[0].message


def test_unparseable_spec_is_a_finding_with_a_line() -> None:
    good = json.dumps(base_spec(), indent=2)
    bad = good.replace('"operationId": "get_item",', '"operationId": "get_item"', 1)
    changes = ChangeSet.from_texts(base={'openapi.json': good}, head={'openapi.json': bad})
    (f,) = check(changes, from_mapping({}, None), RunInfo())
    assert f.rule == 'openapi-unparseable' and f.severity == 'error'
    assert f.line == bad[:bad.index('"get_item"')].count('\n') + 2
    ychanges = ChangeSet.from_texts(base={'api.yaml': yaml.safe_dump(base_spec())},
                                    head={'api.yaml': 'openapi: 3.1.0\npaths: {\n  bad: [\n'})
    (g,) = check(ychanges, from_mapping({}, None), RunInfo())
    assert g.rule == 'openapi-unparseable' and g.line is not None


def test_dangling_ref_is_reported_and_the_rest_still_compared() -> None:
    base = base_spec()

    def break_it(d: dict[str, Any]) -> None:
        d['paths']['/items']['get']['responses']['200']['content']['application/json'][
            'schema']['items']['$ref'] = '#/components/schemas/Itme'
        get_op(d)['parameters'][1]['required'] = True
    found = run(base, edit(base, break_it))
    got = rules(found)
    assert got['openapi-ref-unresolved'] == 'error'
    assert got['request-parameter-became-required'] == 'error'
    (f,) = [x for x in found if x.rule == 'openapi-ref-unresolved']
    assert f.extra['operation'] == 'GET /items'
    assert '#/components/schemas/Itme' in f.message
    assert f.extra['pointer'] == ('/paths/~1items/get/responses/200/content/application~1json/'
                                  'schema/items/$ref')


def test_dangling_ref_inside_a_component_names_the_operations_using_it() -> None:
    base = base_spec()
    head = edit(base, lambda d: item(d)['properties'].update(
        owner={'$ref': '#/components/schemas/Owner'}))
    (f,) = [x for x in run(base, head) if x.rule == 'openapi-ref-unresolved']
    assert f.extra['affected'] == ['GET /items', 'GET /items/{item_id}', 'PUT /items/{item_id}']


def test_duplicate_operation_id() -> None:
    base = base_spec()
    head = edit(base, lambda d: d['paths']['/items']['get'].update(operationId='get_item'))
    found = run(base, head)
    got = rules(found)
    assert got['openapi-duplicate-operation-id'] == 'error'
    assert got['api-operation-id-changed'] == 'info'


def test_deleted_and_new_spec_files() -> None:
    text = json.dumps(base_spec())
    deleted = ChangeSet.from_texts(base={'openapi.json': text}, head={})
    assert rules(check(deleted, from_mapping({}, None), RunInfo())) == {
        'openapi-spec-removed': 'error'}
    added = ChangeSet.from_texts(base={}, head={'openapi.json': text})
    assert check(added, from_mapping({}, None), RunInfo()) == []


def test_malformed_structures_are_compared_without_crashing() -> None:
    base = base_spec()
    garbage = [None, 3, 'x', [], {'$ref': 5}, {'type': 7}, {'enum': 'a'}, {'required': 'x'},
               {'properties': []}, {'allOf': {}}, {'anyOf': [None, 3]}, {'maxLength': 'ten'}]
    for g in garbage:
        for where in (lambda d, g=g: item(d)['properties'].update(name=g),
                      lambda d, g=g: get_op(d).update(parameters=g),
                      lambda d, g=g: get_op(d).update(responses=g),
                      lambda d, g=g: d['paths'].update({'/items': g}),
                      lambda d, g=g: get_op(d).update(security=[{'token': g}])):
            head = edit(base, where)
            assert isinstance(run(base, head), list)
            assert isinstance(run(head, base), list)


def test_absurdly_deep_schema_is_a_warning_not_a_crash() -> None:
    import sys
    base = base_spec()
    deep: dict[str, Any] = {'type': 'string'}
    for _ in range(400):
        deep = {'type': 'object', 'properties': {'a': deep}}
    item(base)['properties']['deep'] = deep
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(5000)
    try:
        old = json.dumps(base)
    finally:
        sys.setrecursionlimit(limit)
    new = old.replace('"type": "string"}}', '"type": "integer"}}')
    changes = ChangeSet.from_texts(base={'openapi.json': old}, head={'openapi.json': new})
    assert rules(check(changes, from_mapping({}, None), RunInfo())) == {
        'openapi-too-deep': 'warning'}


def test_removals_point_at_the_base_line() -> None:
    base = base_spec()
    head = edit(base, lambda d: item(d)['properties'].pop('note'))
    (f,) = run(base, head, path='openapi.yaml')
    assert f.rule == 'response-property-removed' and f.extra['side'] == 'base'
    lines = yaml.safe_dump(base, sort_keys=False).splitlines()
    assert lines[f.line - 1].strip() == 'note:'
    assert f'line {f.line} of the base version' in f.message


def test_external_refs_are_named_not_followed() -> None:
    base = base_spec()
    head = edit(base, lambda d: item(d)['properties'].update(
        audit={'$ref': 'common.yaml#/components/schemas/Audit'}))
    got = {f.rule: f for f in run(base, head)}
    assert got['openapi-ref-external'].severity == 'info'
    assert 'common.yaml#/components/schemas/Audit' in got['openapi-ref-external'].message
    assert got['response-property-added'].severity == 'info'


def test_x_frozen_in_the_spec_freezes_the_operation() -> None:
    base = base_spec()
    base['paths']['/items']['get']['x-frozen'] = True
    head = edit(base, lambda d: item(d)['properties'].update(sku={'type': 'string'}))
    frozen = [f for f in run(base, head) if f.rule == 'frozen-endpoint-changed']
    assert [(f.extra['operation'], f.extra['frozen_by']) for f in frozen] == [
        ('GET /items', 'x-frozen in api/openapi.json')]


def test_base_path_and_servers() -> None:
    base = _swagger(['id'])
    base['basePath'] = '/v1'
    head = edit(base, lambda d: d.update(basePath='/v2'))
    (f,) = run(base, head, path='swagger.json')
    assert (f.rule, f.severity, len(f.extra['affected'])) == ('api-base-path-changed', 'error', 2)
    v3 = edit(base_spec(), lambda d: d.update(servers=[{'url': 'https://api.example.com/aris3'}]))
    moved = edit(v3, lambda d: d.update(servers=[{'url': 'https://api.example.com/aris4'}]))
    assert rules(run(v3, moved)) == {'api-base-path-changed': 'error'}
    added = edit(v3, lambda d: d['servers'].append({'url': 'https://eu.example.com/aris3'}))
    assert run(v3, added) == []


def test_yaml_lines_of_list_items_without_a_second_parse() -> None:
    base = base_spec()
    head = edit(base, lambda d: get_op(d)['parameters'].append(
        {'name': 'X-Tenant', 'in': 'header', 'required': True, 'schema': {'type': 'string'}}))
    for indent in (2, 4):
        text = yaml.safe_dump(head, sort_keys=False, indent=indent)
        changes = ChangeSet.from_texts(
            base={'api.yaml': yaml.safe_dump(base, sort_keys=False, indent=indent)},
            head={'api.yaml': text})
        (f,) = check(changes, from_mapping({}, None), RunInfo())
        assert f.rule == 'new-required-request-parameter'
        assert ' '.join(text.splitlines()[f.line - 1].split()) == '- name: X-Tenant'
