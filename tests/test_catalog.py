"""The rule catalogue is authoritative: every rule id the code can emit is declared, and every
declared rule is emitted by some code.

How emitted ids are found (three ways, each with its own failure message):

1. statically: every string literal of ``hooks/hotfix_hooks`` shaped like a rule id whose
   first word is a rule prefix (``migration-``, ``api-``, ``record-`` ...) is an emitted id,
   except the few listed in ``NOT_RULE_IDS`` (the contract locations rule ids are composed
   from). The catalogue modules themselves are not scanned;
2. the rule ids the contract comparison composes (``<location>-<change>``) are emitted here
   on purpose: one small spec pair per location and change (``composed_emitted``);
3. at run time: ``tests/conftest.py`` checks every finding the package creates during the
   whole test suite against the catalogue (``_declared_rules_only``), so an id composed in a
   way no literal shows still fails the test that produces it.
"""
from __future__ import annotations

import ast
import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from hotfix_hooks import catalog
from hotfix_hooks.checks import contract_catalog
from hotfix_hooks.findings import CATEGORIES
from hotfix_hooks.findings import SEVERITIES
from hotfix_hooks.openapi import diff_specs
from hotfix_hooks.openapi import parse
from tests.support.gitrepo import ROOT
from tests.support.gitrepo import SRC

PACKAGE = SRC / 'hotfix_hooks'
CATALOGUE_FILES = {ROOT / where for _, where in catalog.CATALOGUES} | {
    PACKAGE / 'catalog.py', PACKAGE / 'rule.py'}
RULE_SHAPE = re.compile(r'[a-z][a-z0-9]*(?:-[a-z0-9]+)+')
PREFIXES = {rule.split('-', 1)[0] for rule in catalog.known_ids()}

# literals shaped like rule ids that are not rule ids, and why
_LOCATION = 'a contract location: the comparison composes <location>-<change> rule ids'
NOT_RULE_IDS = {
    **dict.fromkeys(contract_catalog.LOCATIONS, _LOCATION),
    'openapi-diff': 'a command',
    'hotfix-hooks': "the tool's name",
    **dict.fromkeys(('hotfix-gates', 'hotfix-record', 'hotfix-tag-name'),
                    'a pre-commit hook id (the manifest, init)'),
}

# the category a new rule id's prefix suggests (for the failure message)
_PREFIX_CATEGORY = {'migration': 'migrations', 'record': 'record', 'gate': 'gate',
                    'scope': 'scope', 'actions': 'actions', 'idempotency': 'actions',
                    'branch': 'naming', 'tag': 'naming', 'pr': 'naming', 'commit': 'naming'}


@cache
def _trees() -> tuple[tuple[Path, ast.Module], ...]:
    return tuple((path, ast.parse(path.read_text())) for path in sorted(PACKAGE.rglob('*.py'))
                 if path not in CATALOGUE_FILES)


@cache
def _literals() -> dict[str, list[str]]:
    """rule-shaped string literals of the package -> where they are (path:line)."""
    found: dict[str, list[str]] = {}
    for path, tree in _trees():
        in_fstring = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
                      for v in node.values}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in in_fstring and RULE_SHAPE.fullmatch(node.value)
                    and node.value.split('-', 1)[0] in PREFIXES):
                where = f'{path.relative_to(ROOT)}:{node.lineno}'
                found.setdefault(node.value, []).append(where)
    return found


@cache
def _composed_literals() -> dict[str, str]:
    """f-strings that compose a rule id from a known prefix (``f'migration-{verb}-without-
    where'``) -> where they are, as a regular expression of the ids they can make."""
    found: dict[str, str] = {}
    for path, tree in _trees():
        for node in ast.walk(tree):
            if not isinstance(node, ast.JoinedStr) or not node.values:
                continue
            first = node.values[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)
                    and first.value.endswith('-')
                    and first.value.split('-', 1)[0] in PREFIXES
                    and RULE_SHAPE.fullmatch(first.value + 'x')):
                continue
            pattern = ''.join(re.escape(v.value) if isinstance(v, ast.Constant) else '[a-z0-9-]+'
                              for v in node.values)
            found[pattern] = f'{path.relative_to(ROOT)}:{node.lineno}'
    return found


def test_every_rule_id_in_the_code_is_declared() -> None:
    known = catalog.known_ids()
    missing = []
    for rule, where in sorted(_literals().items()):
        if rule in known or rule in NOT_RULE_IDS:
            continue
        category = _PREFIX_CATEGORY.get(rule.split('-', 1)[0], 'contract')
        missing.append(f'rule {rule} is emitted by {where[0]} but not declared; add it to '
                       f'{catalog.HOME[category]}')
    for pattern, where in _composed_literals().items():
        if not any(re.fullmatch(pattern, r) for r in known):
            missing.append(f'the rule ids composed at {where} ({pattern}) are not declared; '
                           'add them to the catalogue of their concern')
    assert not missing, '\n'.join(missing)


def test_every_declared_rule_is_emitted_by_some_code() -> None:
    patterns = list(_composed_literals())
    emitted = set(_literals()) | composed_emitted() | {
        r for r in catalog.known_ids() if any(re.fullmatch(p, r) for p in patterns)}
    where = {rule: path for collect, path in catalog.CATALOGUES for rule in collect()}
    stale = [f'rule {r} is declared in {where[r]} but no code emits it; remove it from the '
             'catalogue (or emit it)' for r in catalog.rules() if r not in emitted]
    assert not stale, '\n'.join(stale)


def test_the_composed_contract_rules_are_emitted_as_declared() -> None:
    """Every <location>-<change> id the catalogue declares comes out of the comparison of
    its example pair, and the comparison composes no id the catalogue lacks."""
    declared = set(contract_catalog.composed_ids())
    emitted = composed_emitted()
    composed = {r for r in emitted
                if r.split('-', 2)[0] + '-' + r.split('-', 2)[1] in contract_catalog.LOCATIONS}
    assert declared - emitted == set(), sorted(declared - emitted)
    unknown = sorted(r for r in composed if r not in catalog.known_ids())
    assert not unknown, unknown


def test_every_rule_is_complete() -> None:
    for rule in catalog.rules().values():
        assert rule.category in CATEGORIES and rule.severity in SEVERITIES, rule
        for field in ('summary', 'why', 'fix', 'bad', 'good'):
            text = getattr(rule, field)
            assert text and text.strip() == text and '\n' not in text, (rule.id, field)
        assert rule.summary.endswith('.'), rule.id
    assert set(catalog.known_ids()) == set(catalog.rules())


def test_ids_are_unique_across_concerns() -> None:
    seen: dict[str, str] = {}
    for collect, where in catalog.CATALOGUES:
        for rule in collect():
            assert rule not in seen, f'{rule} is declared in {seen[rule]} and {where}'
            seen[rule] = where


def test_nearest_ids_for_a_typo() -> None:
    assert catalog.nearest('scope-too-many-file')[0] == 'scope-too-many-files'
    assert catalog.nearest('migration-drop-tabel')[0] == 'migration-drop-table'
    assert 'did you mean' in catalog.did_you_mean('record-mising')
    assert catalog.did_you_mean('zzz') == '; "hotfix-hooks rules" lists the known rule ids'


# -- the composed contract rules, emitted on purpose ------------------------------------------
def _spec(location: str, schema: dict[str, Any], prop: dict[str, Any] | None = None
          ) -> dict[str, Any]:
    """An OpenAPI 3.1 document with ``schema`` at ``location``."""
    op: dict[str, Any] = {'operationId': 'op', 'responses': {'200': {'description': 'ok'}}}
    field = {**schema, **(prop or {})}

    def body(s: dict[str, Any]) -> dict[str, Any]:
        return {'application/json': {'schema': s}}

    if location == 'request-parameter':
        op['parameters'] = [{'name': 'limit', 'in': 'query', 'schema': schema}]
    elif location == 'request-body':
        op['requestBody'] = {'content': body(schema)}
    elif location == 'request-property':
        op['requestBody'] = {'content': body({'type': 'object',
                                              'properties': {'note': field}})}
    elif location == 'response-body':
        op['responses']['200']['content'] = body(schema)
    elif location == 'response-property':
        op['responses']['200']['content'] = body({'type': 'object', 'required': ['name'],
                                                  'properties': {'name': field}})
    else:
        op['responses']['200']['headers'] = {'X-Rate-Limit': {'schema': schema}}
    return {'openapi': '3.1.0', 'info': {'title': 't', 'version': '1'},
            'paths': {'/items': {'post': op}}}


_BOUND_TYPE = {'maxLength': 'string', 'minLength': 'string', 'maxItems': 'array',
               'minItems': 'array'}
_S = {'type': 'string'}
_PAIRS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    'type-changed': (_S, {'type': 'integer'}),
    'type-generalized': ({'type': 'integer'}, {'type': 'number'}),
    'type-specialized': ({'type': 'number'}, {'type': 'integer'}),
    'format-added': (_S, {**_S, 'format': 'uuid'}),
    'format-removed': ({**_S, 'format': 'uuid'}, _S),
    'format-changed': ({**_S, 'format': 'date'}, {**_S, 'format': 'uuid'}),
    'became-nullable': (_S, {'type': ['string', 'null']}),
    'became-not-nullable': ({'type': ['string', 'null']}, _S),
    'became-enum': (_S, {**_S, 'enum': ['a', 'b']}),
    'enum-removed': ({**_S, 'enum': ['a', 'b']}, _S),
    'enum-value-removed': ({**_S, 'enum': ['a', 'b']}, {**_S, 'enum': ['a']}),
    'enum-value-added': ({**_S, 'enum': ['a']}, {**_S, 'enum': ['a', 'b']}),
}
for _kind in ('oneOf', 'anyOf'):
    _slug = 'one-of' if _kind == 'oneOf' else 'any-of'
    _cash = {'type': 'object', 'properties': {'kind': {'type': 'string', 'enum': ['cash']}}}
    _card = {'type': 'object', 'properties': {'kind': {'type': 'string', 'enum': ['card']}}}
    _two = {_kind: [_cash, _card]}
    _one = {_kind: [_cash]}
    _PAIRS[f'{_slug}-removed'] = (_two, _one)
    _PAIRS[f'{_slug}-added'] = (_one, _two)
for _kw, _slug, _ in contract_catalog._BOUNDS:
    _typed: dict[str, Any] = {'type': _BOUND_TYPE.get(_kw, 'integer')}
    if _typed['type'] == 'array':
        _typed['items'] = {'type': 'string'}
    _small, _large = sorted(contract_catalog._BOUND_VALUES[_kw])
    _PAIRS[f'{_slug}-set'] = (_typed, {**_typed, _kw: _small})
    _PAIRS[f'{_slug}-unset'] = ({**_typed, _kw: _small}, _typed)
    _PAIRS[f'{_slug}-increased'] = ({**_typed, _kw: _small}, {**_typed, _kw: _large})
    _PAIRS[f'{_slug}-decreased'] = ({**_typed, _kw: _large}, {**_typed, _kw: _small})


def _diff(base: dict[str, Any], head: dict[str, Any]) -> set[str]:
    return {f.rule for f in diff_specs(parse(json.dumps(base), 'openapi.json'),
                                       parse(json.dumps(head), 'openapi.json'))}


@cache
def composed_emitted() -> frozenset[str]:
    """Every rule the comparison emits for the example pairs, at every location."""
    out: set[str] = set()
    for location in contract_catalog.LOCATIONS:
        for old, new in _PAIRS.values():
            out |= _diff(_spec(location, copy.deepcopy(old)), _spec(location, copy.deepcopy(new)))
        if location.endswith('-property'):
            out |= _diff(_spec(location, _S), _spec(location, _S, {'deprecated': True}))
    return frozenset(out)


@pytest.mark.parametrize('location', list(contract_catalog.LOCATIONS))
def test_each_composed_rule_has_a_failing_example(location: str) -> None:
    """The example of each <location>-<change> rule emits exactly that id (and its
    severity is the catalogue's)."""
    rules = catalog.rules()
    for slug, (old, new) in _PAIRS.items():
        rule_id = f'{location}-{slug}'
        if rule_id not in rules:
            continue
        found = diff_specs(parse(json.dumps(_spec(location, old)), 'a.json'),
                           parse(json.dumps(_spec(location, new)), 'a.json'))
        hits = [f for f in found if f.rule == rule_id]
        assert hits, (rule_id, [f.rule for f in found])
        if slug != 'format-changed':        # widening formats differ, the note says so
            assert hits[0].severity == rules[rule_id].severity, rule_id


def test_an_unchanged_schema_is_no_finding() -> None:
    for location in contract_catalog.LOCATIONS:
        for old, _new in _PAIRS.values():
            assert not _diff(_spec(location, old), _spec(location, old)), location


def test_the_diff_checks_error_rules_say_they_are_warnings_off_hotfix_branches() -> None:
    """enforce_on = "hotfix" (the default) reports the scope, contract and actions errors as
    warnings off hotfix branches; the catalogue says so beside each (migrations: one level
    lower), and the note is not added twice."""
    from hotfix_hooks.rule import HOTFIX_ONLY_NOTE

    for rule in catalog.rules().values():
        rule_id = rule.id
        if rule.category in ('scope', 'contract', 'actions') and rule.severity == 'error':
            assert rule.severity_note.count(HOTFIX_ONLY_NOTE) == 1, rule_id
        elif rule.category == 'migrations':
            assert 'off hotfix branches' in rule.severity_note, rule_id
        else:
            assert HOTFIX_ONLY_NOTE not in rule.severity_note, rule_id
