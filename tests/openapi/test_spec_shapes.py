"""The spec diff on the shapes real committed specs change in (issue 13, shapes 11-14)."""
from __future__ import annotations

import json
from typing import Any

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.contract import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.policy import from_mapping
from tests.support.contract_helpers import base_spec
from tests.support.contract_helpers import diff
from tests.support.contract_helpers import edit
from tests.support.contract_helpers import rules


def scan(base: dict[str, str | None], head: dict[str, str | None]) -> list[Any]:
    changes = ChangeSet.from_texts(base={k: v for k, v in base.items() if v is not None},
                                   head={k: v for k, v in head.items() if v is not None})
    return check(changes, from_mapping({}, None), RunInfo())


def _variants(d: dict[str, Any], keep_all: bool) -> None:
    """Item becomes a oneOf of a physical and a digital item (pydantic's discriminated
    union), each keeping every field of the old Item (or not)."""
    schemas = d['components']['schemas']
    old = schemas['Item']
    physical = json.loads(json.dumps(old))
    physical['properties']['kind'] = {'const': 'physical'}
    physical['properties']['weight'] = {'type': 'number'}
    digital = json.loads(json.dumps(old))
    digital['properties']['kind'] = {'const': 'digital'}
    if not keep_all:
        digital['properties'].pop('status')
        digital['required'].remove('status')
    schemas['PhysicalItem'] = physical
    schemas['DigitalItem'] = digital
    schemas['Item'] = {'oneOf': [{'$ref': '#/components/schemas/PhysicalItem'},
                                 {'$ref': '#/components/schemas/DigitalItem'}],
                       'discriminator': {'propertyName': 'kind'}}


def test_object_becoming_variants_that_keep_every_field_removes_nothing() -> None:
    base = base_spec()
    got = rules(diff(base, edit(base, lambda d: _variants(d, keep_all=True))))
    assert not [r for r, sev in got.items() if sev != 'info'], got
    broken = rules(diff(base, edit(base, lambda d: _variants(d, keep_all=False))))
    assert broken.get('response-property-removed') == 'error'


def test_security_moved_from_the_top_level_onto_each_operation_is_no_change() -> None:
    base = edit(base_spec(), lambda d: d.update(security=[{'token': []}]))

    def move(d: dict[str, Any]) -> None:
        del d['security']
        for item in d['paths'].values():
            for op in item.values():
                op['security'] = [{'token': []}]
    assert [f for f in diff(base, edit(base, move)) if f.severity != 'info'] == []

    def drop_one(d: dict[str, Any]) -> None:
        move(d)
        d['paths']['/items']['get']['security'] = [{'oauth': []}]
    got = rules(diff(base, edit(base, drop_one)))
    assert got.get('security-requirement-added') == 'error'


def test_deleting_a_redundant_spec_copy_is_not_an_error() -> None:
    spec = json.dumps(base_spec(), indent=2)
    base = {'server/openapi/2025-01-01.json': spec, 'docs/openapi.json': spec}
    got = scan(base, {'server/openapi/2025-01-01.json': spec, 'docs/openapi.json': None})
    assert [(f.rule, f.severity) for f in got] == [('openapi-spec-removed', 'info')]
    assert 'server/openapi/2025-01-01.json' in got[0].message
    # the last copy of an operation: an error
    smaller = json.dumps(edit(base_spec(), lambda d: d['paths'].pop('/items')), indent=2)
    got = scan(base, {'server/openapi/2025-01-01.json': smaller, 'docs/openapi.json': None})
    assert ('openapi-spec-removed', 'error') in {(f.rule, f.severity) for f in got}


def test_identical_findings_of_spec_copies_are_reported_once() -> None:
    old = json.dumps(base_spec(), indent=2)
    new = json.dumps(edit(base_spec(), lambda d: d['components']['schemas']['Item'][
        'properties'].pop('name')), indent=2)
    got = scan({'openapi/v1.json': old, 'docs/openapi.json': old},
               {'openapi/v1.json': new, 'docs/openapi.json': new})
    removed = [f for f in got if f.rule == 'response-property-removed']
    assert len(removed) == 1
    assert removed[0].extra['also_in'] == ['openapi/v1.json']
    assert removed[0].extra['affected'] == ['GET /items/{item_id}', 'PUT /items/{item_id}',
                                            'GET /items']


def test_one_model_trimmed_is_one_finding_naming_every_property() -> None:
    base = base_spec()

    def trim(d: dict[str, Any]) -> None:
        props = d['components']['schemas']['Item']['properties']
        props.pop('name')
        props.pop('status')
        d['components']['schemas']['Item']['required'] = ['id']
    found = [f for f in diff(base, edit(base, trim)) if f.severity != 'info']
    assert [f.rule for f in found] == ['response-property-removed']
    assert '`Item.status`' in found[0].message and '`Item.name`' in found[0].message


def test_new_bound_implied_by_an_old_one_or_the_integer_type_rejects_nothing() -> None:
    # polar: `limit: Int32 = Field(gt=0)` regenerated with the Int32 range
    def bounded(d: dict[str, Any]) -> None:
        d['components']['schemas']['ItemIn']['properties']['limit'] = {
            'type': 'integer', 'exclusiveMinimum': 0}
    base = edit(base_spec(), bounded)

    def int32(d: dict[str, Any]) -> None:
        d['components']['schemas']['ItemIn']['properties']['limit'].update(
            minimum=-2 ** 31, maximum=2 ** 31 - 1)
    got = rules(diff(base, edit(base, int32)))
    assert got == {'request-property-min-set': 'info', 'request-property-max-set': 'info'}

    def int32_as_written(d: dict[str, Any]) -> None:
        # polar c3181d9e4aa7's regenerated spec: `"maximum": 2147483647.0` (JSON numbers
        # with a zero fraction are those integers)
        d['components']['schemas']['ItemIn']['properties']['limit'].update(
            minimum=-2.0 ** 31, maximum=2.0 ** 31 - 1)
    got = rules(diff(base, edit(base, int32_as_written)))
    assert got == {'request-property-min-set': 'info', 'request-property-max-set': 'info'}

    def business(d: dict[str, Any]) -> None:
        d['components']['schemas']['ItemIn']['properties']['limit'].update(maximum=100)
    assert rules(diff(base, edit(base, business)))['request-property-max-set'] == 'warning'
