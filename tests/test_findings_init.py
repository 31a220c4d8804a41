"""``Finding.__init__`` is written out by hand in ``findings.py`` (no compilation at import,
fewer steps per finding): it must keep the fields ``Finding`` declares, in order, with their
defaults, and the semantics of the generated one."""
from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import pytest

from hotfix_hooks import fastclass
from hotfix_hooks.findings import Finding


def test_signature_lists_the_declared_fields_in_order_with_their_defaults() -> None:
    params = list(inspect.signature(Finding.__init__).parameters.values())[1:]
    declared = fastclass.fields(Finding)
    assert [p.name for p in params] == [f.name for f in declared]
    for p, f in zip(params, declared, strict=True):
        assert p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        if f.default_factory is not fastclass._MISSING:
            made = Finding('api-operation-removed', 'contract', 'error', 'm')
            assert getattr(made, f.name) == f.default_factory()
        elif f.default is fastclass._MISSING:
            assert p.default is inspect.Parameter.empty
        else:
            assert p.default == f.default
    assert set(Finding.__slots__) == {f.name for f in declared}


def test_every_argument_lands_in_its_field() -> None:
    values: dict[str, Any] = {
        'rule': 'api-operation-removed', 'category': 'contract', 'severity': 'warning',
        'message': 'm', 'path': 'openapi.json', 'line': 7, 'hint': 'h',
        'extra': {'operation': 'GET /x'}, 'waived': True, 'waiver': {'by': 'a'},
        'fingerprint': 'abc'}
    by_keyword = Finding(**values)
    by_position = Finding(*values.values())
    for f in (by_keyword, by_position):
        assert {n: getattr(f, n) for n in values} == values
        assert by_keyword.extra is values['extra']        # stored, not copied


def test_defaults_and_a_fresh_extra_each_time() -> None:
    a = Finding('api-operation-removed', 'contract', 'error', 'm')
    b = Finding('api-operation-removed', 'contract', 'error', 'm')
    assert (a.path, a.line, a.hint, a.extra, a.waived, a.waiver, a.fingerprint) == (
        None, None, '', {}, False, None, '')
    a.extra['x'] = 1
    assert b.extra == {} and a.extra is not b.extra
    assert Finding('api-operation-removed', 'contract', 'error', 'm',
                   extra=None).extra is None  # type: ignore[arg-type]


def test_bad_arguments_and_values_are_refused_as_before() -> None:
    with pytest.raises(TypeError, match=r'Finding.__init__\(\) missing'):
        Finding('api-operation-removed')  # type: ignore[call-arg]
    with pytest.raises(TypeError, match='unexpected keyword argument'):
        Finding('api-operation-removed', 'contract', 'error', 'm', nope=1)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match='unknown severity'):
        Finding('api-operation-removed', 'contract', 'fatal', 'm')
    with pytest.raises(ValueError, match='unknown category'):
        Finding('api-operation-removed', 'nowhere', 'error', 'm')


def test_replace_and_the_standard_functions_still_work() -> None:
    f = Finding('api-operation-removed', 'contract', 'error', 'm', extra={'pointer': '/a'},
                fingerprint='abc')
    g = f.replace(line=3)
    assert (g.line, g.extra, g.fingerprint) == (3, {'pointer': '/a'}, '')
    assert g.extra is not f.extra
    h = dataclasses.replace(f, message='n')
    assert (h.message, h.extra) == ('n', {'pointer': '/a'})
    assert [x.name for x in dataclasses.fields(Finding)] == [
        x.name for x in fastclass.fields(Finding)]
