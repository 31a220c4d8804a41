"""Line lookup in OpenAPI documents (``openapi/loader.py``): many lookups on a large document
give the lines the former per-lookup scan gave, and cost one pass over the text."""
from __future__ import annotations

import json
import re
from typing import Any

import yaml

from hotfix_hooks.openapi import diff_specs
from hotfix_hooks.openapi.loader import parse
from hotfix_hooks.openapi.loader import split_pointer
from tests.support.specgen import drifted
from tests.support.specgen import fastapi_like_spec


def _old_json_line(text: str, data: Any, pointer: str) -> int | None:
    """The lookup as it was: search each key from the previous one, count the newlines
    from the start of the file (quadratic over many findings)."""
    from hotfix_hooks.openapi.loader import _array_item

    pos = 0
    found = None
    node: Any = data
    for seg in split_pointer(pointer):
        if isinstance(node, list):
            if not seg.isdigit() or int(seg) >= len(node):
                break
            node = node[int(seg)]
            at = _array_item(text, pos, int(seg))
            if at is None:
                break
            pos = found = at
            continue
        if not isinstance(node, dict):
            break
        node = node.get(seg)
        m = re.compile(re.escape(json.dumps(seg)) + r'\s*:').search(text, pos)
        if m is None:
            break
        pos = found = m.start()
    return None if found is None else text.count('\n', 0, found) + 1


_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}:,]|[^\s\[\]{}:,"]+')


def _exact_offsets(text: str) -> dict[str, int]:
    """Reference: the offset of every key and array item of a JSON text by pointer, from
    a tokenizer and a recursive descent (a later duplicate key wins, as in ``json``)."""
    toks = [(m.group(), m.start()) for m in _TOKENS.finditer(text)]
    out: dict[str, int] = {}

    def value(i: int, ptr: str) -> int:
        tok = toks[i][0]
        if tok not in '{[':
            return i + 1
        close = '}' if tok == '{' else ']'
        i += 1
        index = 0
        while toks[i][0] != close:
            if tok == '{':
                key = json.loads(toks[i][0])
                p = f'{ptr}/{key.replace("~", "~0").replace("/", "~1")}'
                out[p] = toks[i][1]
                i = value(i + 2, p)
            else:
                p = f'{ptr}/{index}'
                out[p] = toks[i][1]
                index += 1
                i = value(i, p)
            if toks[i][0] == ',':
                i += 1
        return i + 1

    value(0, '')
    return out


def _exact_line(text: str, offsets: dict[str, int], pointer: str) -> int | None:
    """Line of ``pointer`` or of its nearest ancestor the document has."""
    segs = pointer.split('/')[1:]
    for n in range(len(segs), 0, -1):
        at = offsets.get('/' + '/'.join(segs[:n]))
        if at is not None:
            return text.count('\n', 0, at) + 1
    return None


def _pointers(node: Any, prefix: str = '') -> list[str]:
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            p = f'{prefix}/{str(k).replace("~", "~0").replace("/", "~1")}'
            out.append(p)
            out += _pointers(v, p)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append(f'{prefix}/{i}')
            out += _pointers(v, f'{prefix}/{i}')
    return out


# where the lookup before the aligned walk was wrong: a key was searched as the first key of
# its name after its parent's key, so a key named like its parent (``items`` under the
# ``items`` property) landed on the parent's own line
_SAME_NAME = re.compile(r'/(?P<k>[^/]+)/(?P=k)(?:/|$)')


def test_many_json_lookups_give_the_exact_lines() -> None:
    doc = fastapi_like_spec(12)
    changed = []
    for text in (json.dumps(doc, indent=2), json.dumps(doc, indent=1, ensure_ascii=False),
                 json.dumps(doc)):                   # pretty, compact, one line
        spec = parse(text, 'openapi.json')
        offsets = _exact_offsets(text)
        pointers = _pointers(doc)[::6] + ['/nope', '/paths/~1missing/get', '/info/x/y']
        assert len(pointers) > 400
        for p in pointers:
            assert spec.line(p) == _exact_line(text, offsets, p), p
            if spec.line(p) != _old_json_line(text, doc, p):
                changed.append(p)
        assert spec._aligned or spec._indent_ok     # one of the exact walks
    # the former answers stand except for a key named like its parent
    assert changed and all(_SAME_NAME.search(p) for p in changed), changed


def test_json_lines_with_escapes_and_odd_keys() -> None:
    doc = {'openapi': '3.1.0', 'info': {'title': 'x "quoted" \\ back', 'version': '1'},
           'paths': {'/a/{id}': {'get': {'description': 'has "paths": inside\nand more',
                                         'responses': {'200': {'description': 'ok'}}}},
                     '/é~x': {'post': {'responses': {'201': {'description': 'made'}}}}},
           'components': {'schemas': {'A': {'enum': ['a', 'b'], 'type': 'string'}}}}
    for text in (json.dumps(doc, indent=2), json.dumps(doc, indent=2, ensure_ascii=False)):
        spec = parse(text, 'openapi.json')
        offsets = _exact_offsets(text)
        for p in _pointers(doc):
            assert spec.line(p) == _exact_line(text, offsets, p), p
            if '\u00e9' not in p:         # a raw non-ASCII key: not found before
                assert spec.line(p) == _old_json_line(text, doc, p), p


def test_line_of_an_offset_counts_line_feeds_only() -> None:
    text = 'a\nbb\r\nccc\rdd\u2028ee\x0cff\n\n' + 'x' * 50 + '\ny'
    spec = parse('{"openapi": "3.1.0"}', 'x.json')
    spec.text = text
    for offset in range(len(text) + 1):
        assert spec.line_at(offset) == text.count('\n', 0, offset) + 1, offset


def _old_yaml_line(text: str, data: Any, pointer: str) -> int | None:
    """The YAML scan as it was: each key searched from its parent, the block checked by
    copying the text between, newlines counted from the start."""
    from hotfix_hooks.openapi.loader import _yaml_item

    pos, indent, line = 0, -1, None
    node: Any = data
    for seg in split_pointer(pointer):
        if isinstance(node, list):
            if not seg.isdigit() or int(seg) >= len(node):
                return line
            node = node[int(seg)]
            item = _yaml_item(text, pos, indent, int(seg))
            if item is None:
                return None
            pos, indent = item
            line = text.count('\n', 0, pos) + 1
            continue
        if not isinstance(node, dict):
            return line
        node = node.get(seg, node.get(int(seg)) if seg.isdigit() else None)
        key = re.escape(seg)
        rx = re.compile(rf'^( *)(?:- +)?(?P<k>{key}|\'{key}\'|"{key}")[ \t]*:(?=\s)', re.M)
        m = None
        for cand in rx.finditer(text, pos):
            if cand.start('k') - cand.start() > indent:
                m = cand
                break
        if m is None:
            return None
        between = text[pos:m.start()]
        nl = between.find('\n')
        if indent >= 0 and nl != -1 and re.search(rf'^ {{0,{indent}}}[^\s#]',
                                                  between[nl + 1:], re.M):
            return None
        pos, indent = m.start(), m.start('k') - m.start()
        line = text.count('\n', 0, pos) + 1
    return line


def test_many_yaml_lookups_give_the_same_lines_as_before() -> None:
    doc = fastapi_like_spec(3)
    doc['paths']['/odd: key'] = {'get': {'responses': {'200': {'description': 'x'}}}}
    for text in (yaml.safe_dump(doc, sort_keys=False),
                 yaml.safe_dump(doc, sort_keys=True, indent=4, default_flow_style=None)):
        spec = parse(text, 'openapi.yaml')
        for p in _pointers(doc)[::2] + ['/paths/~1none/get', '/components/x']:
            got = spec._yaml_scan(p)
            assert got == _old_yaml_line(text, doc, p), p
            assert spec.line(p) is not None or got is None


def test_a_long_drift_gives_every_finding_a_line() -> None:
    doc = fastapi_like_spec(16)
    old = parse(json.dumps(doc, indent=2), 'old.json')
    new = parse(json.dumps(drifted(doc, every=2), indent=2), 'new.json')
    findings = diff_specs(old, new)
    assert len(findings) > 120
    assert all(f.line for f in findings)
    exact = {s.path: _exact_offsets(s.text) for s in (old, new)}
    for f in findings:
        spec = old if f.extra.get('side') == 'base' else new
        ptr = f.extra.get('pointer')
        if ptr and spec.line(ptr) is not None:
            assert spec.line(ptr) == _exact_line(spec.text, exact[spec.path], ptr)


def test_plain_json_keys_found_by_search_match_the_scan() -> None:
    """Plain JSON (no escaped quote): a few lookups search each key from its parent, and a
    string that spells a key (a value, an enum member, a description with ``"x":``-like
    text) is never taken for one; the answers are the full scan's."""
    doc = {'openapi': '3.1.0', 'info': {'title': 'get', 'version': 'paths'},
           'paths': {'/get': {'get': {'description': 'the get: paths: responses:',
                                      'tags': ['get', 'responses', '200'],
                                      'responses': {'200': {'description': '200'}}}},
                     '/b': {'post': {'operationId': 'get',
                                     'responses': {'201': {'description': 'get'}}}}},
           'components': {'schemas': {'get': {'enum': ['get', 'post'], 'type': 'string',
                                              'title': 'components'}}}}
    for text in (json.dumps(doc, indent=2), json.dumps(doc, separators=(',', ':')),
                 json.dumps(doc, indent=1, separators=(', ', ' :  '))):
        spec = parse(text, 'openapi.json')
        assert spec.plain_json
        pointers = _pointers(doc) + ['/paths/~1get/get/nope', '/nope']
        for p in pointers[:3]:
            assert spec.line(p) == _old_json_line(text, doc, p), (text[:30], p)
        assert spec._keys is None                   # a few lookups: no whole-document index
        for p in pointers:                          # many: searches, then the index
            assert spec.line(p) == _old_json_line(text, doc, p), (text[:30], p)
    quoted = parse(json.dumps({**doc, 'x': 'a "b" c'}), 'openapi.json')
    assert not quoted.plain_json                    # an escaped quote: the full scan
    # other escapes (a pattern's backslashes, a line feed) keep it plain; a backslash
    # ending a string is written ``\\"`` and is taken for one (the full scan: safe)
    for value in ('^-?\\d+(\\.\\d+)?$', 'a\nb'):
        assert parse(json.dumps({**doc, 'x': value}), 'openapi.json').plain_json, value
    for value in ('a \\"b', 'ends with \\'):
        assert not parse(json.dumps({**doc, 'x': value}), 'openapi.json').plain_json


def test_a_key_named_like_its_parent_gets_its_own_line() -> None:
    doc = {'openapi': '3.1.0', 'components': {'schemas': {'Page': {'properties': {
        'items': {'type': 'array', 'items': {'type': 'string', 'items': 'x'}},
        'total': {'type': 'integer'}}}}}}
    text = json.dumps(doc, indent=2)
    spec = parse(text, 'openapi.json')
    lines = text.splitlines()
    base = '/components/schemas/Page/properties/items'
    assert lines[spec.line(base) - 1].strip() == '"items": {'
    assert lines[spec.line(base + '/items') - 1].strip() == '"items": {'
    assert spec.line(base + '/items') == spec.line(base) + 2
    assert lines[spec.line(base + '/items/items') - 1].strip() == '"items": "x"'
    # before: the search from the parent found the parent's own key
    assert _old_json_line(text, doc, base + '/items') == spec.line(base)


def test_a_missing_key_is_never_taken_from_elsewhere() -> None:
    doc = {'openapi': '3.1.0', 'paths': {
        '/a': {'get': {'responses': {'200': {'description': 'ok'}}}},
        '/b': {'get': {'responses': {'404': {'description': 'gone'}}}}}}
    text = json.dumps(doc, indent=2)
    spec = parse(text, 'openapi.json')
    responses = spec.line('/paths/~1a/get/responses')
    assert spec.line('/paths/~1a/get/responses/404') == responses      # the nearest ancestor
    assert _old_json_line(text, doc, '/paths/~1a/get/responses/404') != responses


def test_escaped_and_raw_unicode_keys() -> None:
    keys = ['caf\u00e9', 'a"b', 'back\\slash', 'sl/ash', 'til~de', '\u2603 snow', 'tab\t',
            'emoji \U0001f600']
    doc = {'openapi': '3.1.0', 'info': {'title': 'x', 'version': '1'},
           'components': {'schemas': {k: {'properties': {k: {'type': 'string'}}}
                                      for k in keys}}}
    texts = [json.dumps(doc, indent=2), json.dumps(doc, indent=2, ensure_ascii=False),
             # escapes json.dumps never writes: \/ and upper-case hex
             json.dumps(doc, indent=2).replace('sl/ash', 'sl\\/ash').replace('\\u00e9',
                                                                            '\\u00E9')]
    for text in texts:
        assert json.loads(text) == doc
        spec = parse(text, 'openapi.json')
        offsets = _exact_offsets(text)
        pointers = _pointers(doc)
        for p in pointers:
            assert spec.line(p) == _exact_line(text, offsets, p), p
        assert spec._aligned or spec._indent_ok     # one of the exact walks
        assert len({spec.line(p) for p in pointers}) == len(pointers)   # every key its own


def test_duplicate_keys_fall_back_to_the_search() -> None:
    text = ('{\n "openapi": "3.1.0",\n "paths": {\n  "/a": {\n   "get": {"x": 1},\n'
            '   "get": {"y": 2}\n  },\n  "/b": {\n   "post": {}\n  }\n },\n'
            ' "components": {}\n}\n')
    doc = json.loads(text)
    spec = parse(text, 'openapi.json')
    spec._indent_ok = False             # the rank walk (test_line_starts.py: the layout's)
    assert spec.line('/paths/~1b/post') == 9
    assert spec._aligned is False
    for p in _pointers(doc) + ['/nope']:
        assert spec.line(p) == _old_json_line(text, doc, p), p
    # a duplicate after every key looked up: found when the scan reaches it
    late = parse(text.replace('"components": {}', '"components": {"a": 1, "a": 2}'), 'x.json')
    late._indent_ok = False
    assert late.line('/openapi') == 2
    assert late.line('/components/a') == 12
    assert late._aligned is False


def test_one_line_and_very_long_lines() -> None:
    doc = fastapi_like_spec(4)
    doc['info']['description'] = 'x: "y": ' * 100_000 + '{"z": [1, 2]}'
    doc['info']['x-tags'] = ['a' * 50_000, {'items': {'items': 'q'}}]
    for text in (json.dumps(doc, separators=(',', ':')), json.dumps(doc),
                 json.dumps(doc, indent=2)):
        spec = parse(text, 'openapi.json')
        offsets = _exact_offsets(text)
        for p in _pointers(doc)[::3] + ['/info/x-tags/1/items/items']:
            assert spec.line(p) == _exact_line(text, offsets, p), p
        assert spec._aligned or spec._indent_ok     # one of the exact walks


def test_json_read_as_yaml_and_yaml_keep_their_lookups() -> None:
    doc = {'openapi': '3.1.0', 'paths': {'/a': {'get': {'items': {'items': 1}}}}}
    relaxed = parse("{openapi: '3.1.0', paths: {'/a': {get: {items: {items: 1}}}}}",
                    'openapi.yml')
    assert relaxed.syntax == 'json' and not relaxed.strict_json
    for p in _pointers(doc):
        assert relaxed.line(p) == _old_json_line(relaxed.text, doc, p), p
    assert not relaxed._key_offsets
    text = yaml.safe_dump(doc, sort_keys=False)
    spec = parse(text, 'openapi.yaml')
    assert spec.line('/paths/~1a/get/items/items') == 6
    assert spec._aligned is None and not spec._key_offsets


def test_a_few_lookups_scan_only_the_start_of_the_text() -> None:
    doc = fastapi_like_spec(12)
    text = json.dumps(doc, indent=2)
    spec = parse(text, 'openapi.json')
    spec._indent_ok = False             # the rank walk (the line-start walk reads no keys)
    first = next(iter(doc['paths']))
    assert spec.line('/info/title') == 4
    assert spec.line(f'/paths/{first.replace("/", "~1")}') == 8
    total = len(_pointers(doc)) - sum(1 for p in _pointers(doc) if p.rsplit('/', 1)[1].isdigit())
    assert 0 < len(spec._key_offsets) < total // 10


def test_array_items_of_every_kind_are_located_exactly() -> None:
    # object items are found from their first key (the brace just before it), the others
    # by walking the array: both must give the item's own line whatever the layout
    doc = {'openapi': '3.1.0', 'x-list': [
        {'a': 1, 'b': [{'c': 2}, {}, [], [{'d': 3}], 'e', 4, None]}, {}, [{'f': {'g': [5]}}],
        'h', {'i': [{'j': {}}, {'k': [{'l': 1}]}]}]}
    for text in (json.dumps(doc, indent=2), json.dumps(doc), json.dumps(doc, indent=0),
                 json.dumps(doc, separators=(',', ':')),
                 json.dumps(doc, indent=2).replace('{\n', '{ \t\n\n')):
        spec = parse(text, 'openapi.json')
        offsets = _exact_offsets(text)
        for p in _pointers(doc) + ['/x-list/9', '/x-list/0/b/9']:
            assert spec.line(p) == _exact_line(text, offsets, p), (text, p)
        assert spec._aligned or spec._indent_ok     # one of the exact walks
