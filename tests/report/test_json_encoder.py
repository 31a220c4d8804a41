"""``report.json.dumps`` writes what ``json.dumps(value, indent=2)`` writes, byte for byte
(it replaces it for the JSON report: the indented encoder of ``json`` is pure Python before
3.13), and fails where it fails."""
from __future__ import annotations

import enum
import json
import math
from typing import Any

import pytest

from hotfix_hooks.findings import Finding
from hotfix_hooks.report import json as json_report


class _Level(enum.IntEnum):
    LOW = 1


class _Name(str):
    pass


_VALUES: list[Any] = [
    {}, [], (), '', 'x', 0, -12, 10 ** 30, 1.5, -0.0, math.inf, -math.inf, math.nan, True,
    False, None, 'line\nfeed "quoted" \\ back\ttab \u00e9 \u2028 \U0001f600 \x00 \x7f',
    {'a': [], 'b': {}, 'c': [[]], 'd': [{}], 'e': [1, 'two', None, [3, [4, {}]]]},
    {'findings': [{'rule': 'r', 'line': 3, 'extra': {'affected': ['GET /a', 'POST /b'],
                                                       'pointer': '/paths/~1a'}}]},
    {3: 'int key', 2.5: 'float key', True: 'bool key', None: 'none key', 'k': 'str'},
    {'nested': {1: {'x': [1.25, 'y']}}, 'list': [{'n': {False: 1}}]},
    ('tuple', ['in', ('a', 'tuple')]), [_Level.LOW, _Name('sub'), {_Name('k'): _Level.LOW}],
    {'deep': [[[[['x']]]]], 'mixed': ['a', 1, 'b'], 'strs': ['a\nb', '', 'é']},
]


@pytest.mark.parametrize('value', _VALUES, ids=range(len(_VALUES)))
def test_the_same_text_as_json_dumps_with_indent(value: Any) -> None:
    assert json_report.dumps(value) == json.dumps(value, indent=2)
    assert json_report.dumps({'wrapped': [value, {'again': value}]}) == \
        json.dumps({'wrapped': [value, {'again': value}]}, indent=2)


def test_the_same_errors() -> None:
    for bad in ({'a': object()}, [1, {2, 3}], {'k': b'bytes'}, {(1, 2): 'tuple key'}):
        with pytest.raises(TypeError):
            json.dumps(bad, indent=2)
        with pytest.raises(TypeError):
            json_report.dumps(bad)


def test_a_report_with_many_findings() -> None:
    findings = [Finding(rule=f'rule-{i % 7}', category='contract', severity='info',
                        message=f'message {i} "q" \u00e9', path='openapi.json', line=i,
                        extra={'operation': 'GET /x', 'affected': [f'GET /{j}' for j in
                                                                   range(i % 4)],
                               'pointer': f'/paths/{i}', 'side': 'head',
                               'base_line': i if i % 2 else None})
                for i in range(50)]
    text = json_report.render(findings, {'extra': {'k': [1, 2.5]}})
    payload = json.loads(text)
    assert text == json.dumps(payload, indent=2) + '\n'


@pytest.mark.parametrize('kwargs', [
    {},
    {'path': None, 'line': None, 'hint': ''},
    {'extra': {'operation': 'GET /x', 'affected': ['GET /x', 'GET /y'], 'pointer': '/a'}},
    # an extra key named like a field written before it: left out, as to_json leaves it
    {'extra': {'rule': 'shadow', 'message': 'other', 'pointer': '/p'}},
    # ... named like one written after it: to_json keeps its place with the field's value
    {'extra': {'waived': 'shadow', 'pointer': '/p'}, 'waived': True},
    {'extra': {'fingerprint': 'x', 'nested': {'a': [1, {'b': None}], 'c': 1.5}}},
    {'waived': True, 'waiver': {'by': 'alice', 'reason': 'ok \u00e9'}},
    {'fingerprint': 'abcdef0123456789', 'message': 'line\nfeed "quoted" \u2603 \x00'},
    {'extra': {7: 'a non-string key'}},
])
def test_a_finding_is_written_as_its_to_json(kwargs: dict[str, Any]) -> None:
    """The report writes each finding straight from the object: the same text as its
    ``to_json()`` dict written by ``json.dumps(indent=2)``."""
    f = Finding(**{'rule': 'api-operation-removed', 'category': 'contract',
                   'severity': 'warning', 'message': 'm', 'path': 'openapi.json', 'line': 3,
                   **kwargs})
    text = json_report.render([f])
    expected = {**json_report.envelope(), 'findings': [f.to_json()],
                'summary': {'error': 0, 'warning': 0 if f.waived else 1, 'info': 0,
                            'waived': 1 if f.waived else 0, 'total': 1}}
    assert text == json.dumps(expected, indent=2) + '\n'
