"""Line numbers from the layout (``Spec._indented_line``): in JSON written one key or item
per line, a key's line is counted from the parsed document and checked on the text's own
line. Every answer must be the rank walk's (``_indent_ok = False``) and the exact line of
the key; a text laid out otherwise falls back to the rank walk, pointer by pointer.

A key's name also present as a string value at the same indentation inside a multi-line
value cannot be taken for the key: a JSON string never holds a raw line feed, so the first
token after a line's indentation is outside every string, and a string value on its own
line is an array item (``"name",``: no colon after it), never ``"name":``; a value after a
key sits after that key's colon, not at the start of a line. The tests below put such
strings everywhere and check the lines anyway.
"""
from __future__ import annotations

import json
import random
from typing import Any

from hotfix_hooks.openapi import diff_specs
from hotfix_hooks.openapi.loader import parse
from hotfix_hooks.openapi.loader import Spec
from tests.openapi.test_loader import _exact_line
from tests.openapi.test_loader import _exact_offsets
from tests.openapi.test_loader import _pointers
from tests.support.specgen import drifted
from tests.support.specgen import fastapi_like_spec

_ODD_KEYS = ['a"b', 'c:d', 'e": "f', 'caf\u00e9', '\u2603 snow', 'emoji \U0001f600',
             'back\\slash', 'sl/ash', 'til~de', 'tab\t', 'get', 'items', '', ' ', '{', ']']


def _rank(text: str, path: str = 'openapi.json') -> Spec:
    spec = parse(text, path)
    spec._indent_ok = False
    return spec


def _check(text: str, doc: Any, pointers: list[str] | None = None, *,
           laid_out: bool | None = True) -> Spec:
    """Every pointer's line from the layout is the rank walk's and the exact one."""
    spec = parse(text, 'openapi.json')
    rank = _rank(text)
    offsets = _exact_offsets(text)
    pointers = pointers if pointers is not None else _pointers(doc)
    extra = ['/nope', '/components/nope/x', '/paths/~1missing/get', '/info/title/x']
    for p in pointers + extra:
        got = spec.line(p)
        assert got == rank.line(p), (p, text[:40])
        if spec._aligned is not False and rank._aligned is not False:
            assert got == _exact_line(text, offsets, p), p
    if laid_out is not None:
        assert spec._indent_ok is laid_out
    return spec


def _odd_doc() -> dict[str, Any]:
    schema: dict[str, Any] = {'type': 'object', 'properties': {
        k: {'type': 'string', 'description': f'{k}": {k}', 'enum': [k, 'get', 'items:']}
        for k in _ODD_KEYS}}
    return {'openapi': '3.1.0', 'info': {'title': 'get', 'version': 'items'},
            'paths': {'/a/{id}': {'get': {
                'parameters': [{'name': 'id', 'in': 'path'}, {}, {'name': 'items'}],
                'responses': {'200': {'description': '"items": {', 'content': {}}}}}},
            'components': {'schemas': {'Odd': schema, 'Empty': {}, 'List': {'enum': []},
                                       'Items': {'items': {'items': {'items': 'items'}}},
                                       **{k: {'title': k} for k in _ODD_KEYS}}},
            'x-matrix': [[1, [2, {}], []], [], [{'a': [{'b': None}]}], 'x', 2.5, True]}


def test_pretty_printed_specs_with_two_and_four_spaces_and_tabs() -> None:
    doc = fastapi_like_spec(6)
    for indent in (2, 4, '\t', 1, ' ' * 3):
        spec = _check(json.dumps(doc, indent=indent), doc)
        assert not spec._key_offsets            # no key scan: every line from the layout
        assert spec._aligned is None


def test_odd_keys_escaped_and_raw_unicode_arrays_and_empty_containers() -> None:
    doc = _odd_doc()
    for text in (json.dumps(doc, indent=2), json.dumps(doc, indent=4, ensure_ascii=False),
                 json.dumps(doc, indent='\t')):
        spec = _check(text, doc)
        assert spec._aligned is None            # nothing fell back


def test_one_line_and_other_layouts_fall_back_to_the_rank_walk() -> None:
    doc = _odd_doc()
    for text in (json.dumps(doc), json.dumps(doc, separators=(',', ':')),
                 json.dumps(doc, indent=0),                       # no indentation at all
                 '  ' + json.dumps(doc, indent=2),                # the root brace indented
                 json.dumps(doc, indent=2).replace('\n', '\r\n')):  # CRLF: other lines
        spec = _check(text, doc, laid_out=False)
        assert spec._aligned                    # the rank walk answered


def test_mixed_and_inconsistent_indentation_falls_back_where_it_does_not_verify() -> None:
    doc = fastapi_like_spec(4)
    pretty = json.dumps(doc, indent=2)
    variants = [
        # one nested object's keys not indented deeper than their object's key
        pretty.replace('\n        "type"', '\n      "type"'),
        # some keys indented more than their siblings
        pretty.replace('\n          "description"', '\n            "description"'),
        # a blank line and a line that joins two keys
        pretty.replace('{\n', '{\n\n', 3),
        pretty.replace('{\n    "', '{\n\n    "', 2),
        pretty.replace(',\n          "type"', ', "type"', 5),
        # a container opened on its own line after its key
        pretty.replace('"schema": {', '"schema":\n{', 4),
        # indentation mixing tabs and spaces
        pretty.replace('\n    "', '\n\t\t"'),
    ]
    # an object item of an array written on one line among items laid out one key per
    # line: the items after it must not be counted from the parsed items
    items = json.dumps({'openapi': '3.1.0', 'x-list': [{'a': 1, 'b': 2}, {'c': 3},
                                                      {'d': {'e': 4}}]}, indent=2)
    assert json.loads(items.replace('{\n      "a": 1,\n      "b": 2\n    }',
                                    '{"a": 1, "b": 2}')) == json.loads(items)
    variants.append(items.replace('{\n      "a": 1,\n      "b": 2\n    }',
                                  '{"a": 1, "b": 2}'))
    for text in variants:
        data = json.loads(text)
        assert text != pretty and data in (doc, json.loads(items))
        spec = _check(text, data, laid_out=None)  # where a step does not verify: the rank walk
        assert spec._aligned is not None        # some did not verify


def test_duplicate_keys_give_the_rank_walks_answers() -> None:
    text = ('{\n "openapi": "3.1.0",\n "paths": {\n  "/a": {\n   "get": {\n    "x": 1\n'
            '   },\n   "get": {\n    "y": 2\n   }\n  },\n  "/b": {\n   "post": {}\n  }\n },\n'
            ' "components": {\n  "a": 1,\n  "a": [\n   2\n  ]\n }\n}\n')
    doc = json.loads(text)
    spec = parse(text, 'openapi.json')
    rank = _rank(text)
    for p in _pointers(doc) + ['/nope', '/components/a/0']:
        assert spec.line(p) == rank.line(p), p


def test_random_documents_in_every_layout() -> None:
    rnd = random.Random(16)

    def value(depth: int) -> Any:
        kind = rnd.random()
        if depth > 4 or kind < 0.35:
            return rnd.choice(['get', 'items', 'a"b', 'x: y', '"k": {', '\u00e9', 1, 2.5,
                               None, True, -3, 'items:'])
        if kind < 0.7:
            return {rnd.choice(_ODD_KEYS) + str(i % 3): value(depth + 1)
                    for i in range(rnd.randrange(0, 5))}
        return [value(depth + 1) for _ in range(rnd.randrange(0, 4))]

    for _ in range(40):
        doc = {'openapi': '3.1.0', 'x': value(0), 'y': value(0)}
        for indent in (2, 4, '\t'):
            _check(json.dumps(doc, indent=indent, ensure_ascii=rnd.random() < 0.5), doc)


def test_a_drift_gets_the_same_findings_and_lines_from_both_walks() -> None:
    doc = fastapi_like_spec(10)
    old_text, new_text = json.dumps(doc, indent=2), json.dumps(drifted(doc, every=2), indent=2)
    fast = diff_specs(parse(old_text, 'old.json'), parse(new_text, 'new.json'))
    slow = diff_specs(_rank(old_text, 'old.json'), _rank(new_text, 'new.json'))
    assert len(fast) > 80
    assert [f.to_json() for f in fast] == [f.to_json() for f in slow]
