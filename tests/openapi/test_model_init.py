"""``Op``, ``Param``, ``Body`` and ``Response`` (``openapi/model.py``) have their ``__init__``
written out (``fastclass`` keeps a class's own): each must keep the fields its class
declares, in order, with their defaults, and put every argument in its field."""
from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import pytest

from hotfix_hooks import fastclass
from hotfix_hooks.openapi.model import Body
from hotfix_hooks.openapi.model import Op
from hotfix_hooks.openapi.model import Param
from hotfix_hooks.openapi.model import Response

CLASSES = [Op, Param, Body, Response]


@pytest.mark.parametrize('cls', CLASSES, ids=lambda c: c.__name__)
def test_signature_lists_the_declared_fields_in_order_with_their_defaults(cls: type) -> None:
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    declared = fastclass.fields(cls)
    assert [p.name for p in params] == [f.name for f in declared]
    for p, f in zip(params, declared, strict=True):
        assert p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        assert f.default_factory is fastclass._MISSING      # none has a factory
        if f.default is fastclass._MISSING:
            assert p.default is inspect.Parameter.empty
        else:
            assert p.default == f.default


@pytest.mark.parametrize('cls', CLASSES, ids=lambda c: c.__name__)
def test_every_argument_lands_in_its_field(cls: type) -> None:
    values: dict[str, Any] = {f.name: object() for f in fastclass.fields(cls)}
    for made in (cls(**values), cls(*values.values())):
        assert {n: getattr(made, n) for n in values} == values
        assert made == cls(**values)
    first, *_rest = values
    with pytest.raises(TypeError):
        cls(**{**values, 'nope': 1})
    with pytest.raises(TypeError):
        cls(**{k: v for k, v in values.items() if k != first})


def test_defaults_replace_and_the_standard_functions_still_work() -> None:
    op = Op('GET', '/items', '/paths/~1items/get', None, '/security')
    assert (op.deprecated, op.sunset, op.operation_id, op.frozen, op.details) == (
        False, None, None, False, None)
    assert (op.params, op.body, op.responses) == ({}, None, {})      # no details: empty
    p = Param('id', 'path', True, None, '/p')
    assert p.deprecated is False
    assert fastclass.replace(p, deprecated=True).deprecated is True
    assert dataclasses.replace(p, name='x').name == 'x'
    assert [f.name for f in dataclasses.fields(Response)] == ['ptr', 'content', 'headers']
    assert 'details' not in repr(op) and repr(p).startswith('Param(name=')
