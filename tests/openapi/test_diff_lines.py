"""Where ``openapi-diff`` findings point (issue 16, drift speed): the line of each finding in
JSON (indented, on one very long line) and YAML specs, with duplicate keys and non-ASCII keys;
equal subtrees that reference components are skipped only when those components did not
change; ``$ref``s are found in every way a spec writes them; the command leaves the garbage
collector as it found it."""
from __future__ import annotations

import copy
import gc
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from hotfix_hooks.commands import openapi_diff
from hotfix_hooks.errors import UsageError
from hotfix_hooks.findings import Finding
from hotfix_hooks.openapi import diff_specs
from hotfix_hooks.openapi import parse


def _base() -> dict[str, Any]:
    address = {'type': 'object', 'required': ['street', 'city'],
               'properties': {'street': {'type': 'string', 'maxLength': 80},
                              'city': {'type': 'string'},
                              'zip': {'anyOf': [{'type': 'string'}, {'type': 'null'}]}}}
    customer = {'type': 'object', 'required': ['id', 'name', 'address'],
                'properties': {'id': {'type': 'integer'},
                               'name': {'type': 'string', 'title': 'Name'},
                               'address': {'$ref': '#/components/schemas/Address'},
                               'billing': {'anyOf': [{'$ref': '#/components/schemas/Address'},
                                                     {'type': 'null'}]}}}
    ok = {'description': 'ok', 'content': {'application/json': {
        'schema': {'$ref': '#/components/schemas/Customer'}}}}
    return {'openapi': '3.1.0', 'info': {'title': 'shop', 'version': '1'},
            'paths': {'/customers/{id}': {
                'get': {'operationId': 'get_customer',
                        'parameters': [{'name': 'id', 'in': 'path', 'required': True,
                                        'schema': {'type': 'integer'}}],
                        'responses': {'200': ok}},
                'put': {'operationId': 'put_customer',
                        'requestBody': {'required': True, 'content': {'application/json': {
                            'schema': {'$ref': '#/components/schemas/Customer'}}}},
                        'responses': {'200': ok}}}},
            'components': {'schemas': {'Address': address, 'Customer': customer}}}


def _head() -> dict[str, Any]:
    head = _base()
    schemas = head['components']['schemas']
    del schemas['Customer']['properties']['name']          # response property removed
    schemas['Customer']['required'].remove('name')
    schemas['Address']['properties']['country'] = {'type': 'string'}
    schemas['Address']['required'].append('country')        # new required request property
    return head


def _line_of(text: str, needle: str, after: str | None = None) -> int:
    """1-based line of the first ``needle`` (after the first ``after``) in ``text``."""
    start = text.index(after) if after else 0
    return text.count('\n', 0, text.index(needle, start)) + 1


def _by_rule(found: list[Finding]) -> dict[str, Finding]:
    return {f.rule: f for f in found}


@pytest.mark.parametrize('layout', ['indented', 'one-line', 'yaml'])
def test_findings_point_at_the_line_of_their_key(layout: str) -> None:
    def dump(doc: dict[str, Any]) -> str:
        if layout == 'yaml':
            return yaml.safe_dump(doc, sort_keys=False)
        if layout == 'one-line':
            # a long drift of a minified spec: every key on one very long line
            doc = copy.deepcopy(doc)
            doc['info']['description'] = 'x' * 200_000
            return json.dumps(doc, separators=(',', ':'))
        return json.dumps(doc, indent=2)

    name = 'openapi.yaml' if layout == 'yaml' else 'openapi.json'
    old_text, new_text = dump(_base()), dump(_head())
    found = _by_rule(diff_specs(parse(old_text, name), parse(new_text, name)))
    removed = found['response-property-removed']
    added = found['new-required-request-property']
    assert removed.extra['side'] == 'base'
    assert added.extra['side'] == 'head'
    if layout == 'one-line':
        assert removed.line == added.line == 1
        return
    key = '"{}":' if layout != 'yaml' else '{}:'
    assert removed.extra['pointer'] == '/components/schemas/Customer/properties/name'
    assert removed.line == _line_of(old_text, key.format('name'), after=key.format('Customer'))
    assert added.extra['pointer'] == '/components/schemas/Address/properties/country'
    assert added.line == _line_of(new_text, key.format('country'))
    assert removed.message.endswith(f'(line {removed.line} of the base version)')


def test_duplicate_keys_point_at_the_value_json_kept() -> None:
    """``json`` keeps the last of duplicate keys: a property only the last one holds is
    found there, not in the first one."""
    text = json.dumps(_head(), indent=2)
    # the head spec written with a stale copy of Address before the real one
    stale = '"Address": {"type": "object", "properties": {"street": {"type": "string"}}},\n'
    text = text.replace('    "schemas": {\n', '    "schemas": {\n' + stale, 1)
    head = parse(text, 'openapi.json')
    assert head.data['components']['schemas']['Address']['properties'].get('country')
    found = _by_rule(diff_specs(parse(json.dumps(_base(), indent=2), 'openapi.json'), head))
    added = found['new-required-request-property']
    assert added.extra['pointer'] == '/components/schemas/Address/properties/country'
    assert added.line == _line_of(text, '"country":')
    assert added.line > _line_of(text, stale) + 1


def test_non_ascii_keys_escaped_or_not() -> None:
    base = _base()
    base['components']['schemas']['Address']['properties']['straße'] = {'type': 'string'}
    head = copy.deepcopy(base)
    del head['components']['schemas']['Address']['properties']['straße']
    head_text = json.dumps(head, indent=2)
    for ascii_only in (True, False):
        old_text = json.dumps(base, indent=2, ensure_ascii=ascii_only)
        found = _by_rule(diff_specs(parse(old_text, 'openapi.json'),
                                    parse(head_text, 'openapi.json')))
        removed = found['response-property-removed']
        assert removed.extra['pointer'].endswith('/properties/straße')
        exact = _line_of(old_text, 'stra', after='"Address"')
        if ascii_only:                  # written "stra\u00dfe": found where it is
            assert removed.line == exact
        else:                           # written raw: at worst the line of its parent
            assert removed.line in (exact, _line_of(old_text, '"properties"',
                                                    after='"Address"'))


def test_equal_subtrees_are_compared_when_what_they_reference_changed() -> None:
    """``Customer.address`` and ``Customer.billing`` are equal on both sides and reference
    ``Address``: skipped when Address is unchanged, compared (and the change reported)
    when it changed."""
    base = _base()
    same = diff_specs(parse(json.dumps(base), 'a.json'),
                      parse(json.dumps(base, indent=1), 'b.json'))
    assert same == []
    head = _base()
    head['components']['schemas']['Address']['properties']['street']['maxLength'] = 40
    found = diff_specs(parse(json.dumps(base), 'a.json'), parse(json.dumps(head), 'b.json'))
    rules = {f.rule for f in found}
    assert 'request-property-max-length-decreased' in rules, rules
    assert any('Address.street' in f.message for f in found)


@pytest.mark.parametrize('written', [
    '"$ref": "#/components/schemas/Gone"',
    '"$ref" :  "#/components/schemas/Gone"',
    "'$ref': '#/components/schemas/Gone'",
    '$ref: "#/components/schemas/Gone"',
    "$ref:   '#/components/schemas/Gone'",
])
def test_a_dangling_ref_is_found_however_it_is_written(written: str) -> None:
    yaml_style = not written.startswith('"')
    base = _base()
    if yaml_style:
        text = yaml.safe_dump(base, sort_keys=False).replace(
            "$ref: '#/components/schemas/Address'", written, 1)
        name = 'openapi.yaml'
    else:
        text = json.dumps(base, indent=2).replace(
            '"$ref": "#/components/schemas/Address"', written, 1)
        name = 'openapi.json'
    assert written in text
    found = diff_specs(parse(json.dumps(base), 'old.json'), parse(text, name))
    dangling = [f for f in found if f.rule == 'openapi-ref-unresolved']
    assert [f.extra['ref'] for f in dangling] == ['#/components/schemas/Gone']


@pytest.mark.parametrize('enabled', [True, False])
def test_the_command_leaves_the_garbage_collector_as_it_was(tmp_path: Path,
                                                             enabled: bool,
                                                             capsys: pytest.CaptureFixture[str]
                                                             ) -> None:
    old, new = tmp_path / 'old.json', tmp_path / 'new.json'
    old.write_text(json.dumps(_base()))
    new.write_text(json.dumps(_head()))
    was = gc.isenabled()
    try:
        if enabled:
            gc.enable()
        else:
            gc.disable()
        assert openapi_diff.main([str(old), str(new), '--format', 'json']) == 1
        assert gc.isenabled() is enabled
        with pytest.raises(UsageError):
            openapi_diff.main([str(old), str(tmp_path / 'missing.json')])
        assert gc.isenabled() is enabled
    finally:
        if was:
            gc.enable()
        else:
            gc.disable()
    assert json.loads(capsys.readouterr().out)['findings']


def test_the_plain_json_key_pattern_finds_the_keys_the_general_one_finds() -> None:
    """The key index of plain JSON (no escaped quote) uses a simpler pattern than the
    general one: on such texts both find the same keys at the same offsets."""
    from hotfix_hooks.openapi.loader import _KEY_RE
    from hotfix_hooks.openapi.loader import _PLAIN_KEY_RE

    doc = _head()
    doc['info']['description'] = 'a\\b\nc: d: e \u00e9 \\\\ \\u1234'
    doc['components']['schemas']['Odd \\ key \u00fc'] = {'type': 'string', '': {'': 1},
                                                          ' : ': 2, 'tab\t': [{}, []]}
    texts = [json.dumps(doc, indent=2), json.dumps(doc, separators=(',', ':')),
             json.dumps(doc, indent=1, separators=(', ', ' :  ')),
             json.dumps(doc, indent='\t', ensure_ascii=False)]
    for text in texts:
        spec = parse(text, 'openapi.json')
        assert spec.plain_json
        general = [(m.start(), m.group()) for m in _KEY_RE.finditer(text)]
        assert [(m.start(), m.group()) for m in _PLAIN_KEY_RE.finditer(text)] == general
        assert len(general) > 40
