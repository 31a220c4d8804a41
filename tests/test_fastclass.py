"""``hotfix_hooks.fastclass.dataclass`` behaves as ``dataclasses.dataclass`` for what the
package uses (each case run on both and compared)."""
from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from hotfix_hooks.fastclass import dataclass


def _pair(make: Callable[[Callable[..., Any]], type]) -> tuple[type, type]:
    return make(dataclasses.dataclass), make(dataclass)


def _plain(deco: Callable[..., Any]) -> type:
    @deco
    class Plain:
        """A plain record."""
        a: int
        b: str = 'x'
        c: list[int] = dataclasses.field(default_factory=list)
        hidden: object = dataclasses.field(default=None, repr=False, compare=False)
        later: int = dataclasses.field(default=7, init=False)

        def total(self) -> int:
            return self.a + len(self.c)
    return Plain


def _frozen(deco: Callable[..., Any]) -> type:
    @deco(frozen=True)
    class Frozen:
        """A frozen record."""
        sha: str
        parents: tuple[str, ...] = ()
    return Frozen


def _posted(deco: Callable[..., Any]) -> type:
    @deco(eq=False, slots=True)
    class Posted:
        """``__post_init__``, slots, identity equality."""
        rule: str
        extra: dict[str, Any] = dataclasses.field(default_factory=dict)

        def __post_init__(self) -> None:
            self.rule = self.rule.strip()
    return Posted


def _same(std: Callable[[], Any], fast: Callable[[], Any]) -> None:
    """Both calls give equal results, or raise the same kind of error."""
    try:
        want: Any = std()
    except Exception as e:  # noqa: BLE001 - compared below
        with pytest.raises(type(e)):
            fast()
        return
    assert fast() == want


def test_init_repr_eq_as_dataclasses() -> None:
    std, fast = _pair(_plain)
    for args, kwargs in [((1,), {}), ((1, 'y'), {}), ((1,), {'c': [2, 3]}),
                         ((), {'a': 2, 'b': 'z'}), ((), {}), ((1, 'y', [1], None, 9), {}),
                         ((1,), {'a': 2}), ((1,), {'nope': 1}), ((1,), {'later': 3})]:
        _same(lambda a=args, k=kwargs: repr(std(*a, **k)).replace(std.__qualname__, 'C'),
              lambda a=args, k=kwargs: repr(fast(*a, **k)).replace(fast.__qualname__, 'C'))
    x, y = fast(1), fast(1)
    assert x == y and x.c is not y.c and x.later == 7 and x.total() == 1
    assert fast(1, hidden='a') == fast(1, hidden='b')          # compare=False
    assert fast(1) != fast(2) and fast(1) != std(1)
    with pytest.raises(TypeError):
        hash(x)                                                 # eq without frozen
    assert [f.name for f in dataclasses.fields(fast)] == \
        [f.name for f in dataclasses.fields(std)]
    assert dataclasses.asdict(fast(1, c=[4])) == dataclasses.asdict(std(1, c=[4]))
    assert dataclasses.replace(fast(1), b='q') == fast(1, 'q')
    assert dataclasses.is_dataclass(fast) and fast.__match_args__ == std.__match_args__
    assert fast.__doc__ == 'A plain record.'


def test_frozen_as_dataclasses() -> None:
    std, fast = _pair(_frozen)
    a, b = fast('s', ('p',)), fast('s', ('p',))
    assert a == b and hash(a) == hash(b) == hash(std('s', ('p',)))
    assert {a, b} == {a}
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.sha = 'other'
    with pytest.raises(dataclasses.FrozenInstanceError):
        del a.sha
    assert dataclasses.replace(a, sha='t') == fast('t', ('p',))
    assert copy.copy(a) == a and copy.deepcopy(a) == a
    assert repr(a) == repr(std('s', ('p',))).replace(std.__qualname__, fast.__qualname__)


def test_post_init_slots_and_identity() -> None:
    std, fast = _pair(_posted)
    f = fast(' r ')
    assert f.rule == 'r' == std(' r ').rule and f.extra == {}
    assert f != fast('r') and f == f and hash(f) == object.__hash__(f)
    assert not hasattr(f, '__dict__') and '__slots__' in fast.__dict__
    with pytest.raises(AttributeError):
        f.other = 1
    g = dataclasses.replace(f, rule=' s ')
    assert g.rule == 's' and g.extra == {}


def test_unsupported_options_are_refused() -> None:
    with pytest.raises(TypeError):
        @dataclass
        class KwOnly:
            a: int = dataclasses.field(default=1, kw_only=True)
    with pytest.raises(TypeError):
        @dataclass
        class Order:
            a: int = 1
            b: int  # type: ignore[misc]


def test_assignments_a_class_must_see_still_go_through_it() -> None:
    """Arguments go into ``__dict__`` at once, except where an assignment must be seen:
    a ``__setattr__`` of the class's own or a property named like a field."""
    seen: list[str] = []

    @dataclass
    class Watched:
        a: int
        b: str = 'x'

        def __setattr__(self, name: str, value: Any) -> None:
            seen.append(name)
            object.__setattr__(self, name, value)

    assert Watched(1).b == 'x' and Watched(a=2, b='y').a == 2 and Watched(3, 'z').b == 'z'
    assert seen == ['a', 'b'] * 3

    class Base:
        __slots__ = ('a',)      # a slot of a base class, named like a field of the child

    @dataclass
    class Child(Base):
        a: int
        b: str = 'x'

    for args, kwargs in [((1,), {}), ((1, 'q'), {}), ((), {'a': 1, 'b': 'q'})]:
        got = Child(*args, **kwargs)
        assert got.a == 1 and got.b == kwargs.get('b', args[1] if len(args) > 1 else 'x')


def test_argument_errors_as_dataclasses() -> None:
    std, fast = _pair(_plain)
    for args, kwargs in [((1, 'y', [1], None, 9), {}), ((), {'b': 'y'}), ((1,), {'a': 1}),
                         ((1,), {'zzz': 1}), ((), {'a': 1, 'zzz': 2}), ((1, 2, 3, 4, 5, 6), {}),
                         ((), {'later': 1, 'a': 1})]:
        _same(lambda a=args, k=kwargs: std(*a, **k), lambda a=args, k=kwargs: fast(*a, **k))


def test_slots_and_frozen_classes_built_from_keywords_as_dataclasses() -> None:
    """Keyword arguments only (how findings are made) go straight to the fields: defaults,
    factories (a new object each time), required fields and wrong names as dataclasses."""

    def _slotted(deco: Callable[..., Any]) -> type:
        @deco(slots=True)
        class Slotted:
            """Slots, keywords."""
            a: int
            b: str = 'x'
            c: list[int] = dataclasses.field(default_factory=list)
            d: int = dataclasses.field(default=4, init=False)
        return Slotted

    for make in (_slotted, _frozen):
        std, fast = _pair(make)
        names = [f.name for f in dataclasses.fields(std) if f.init]
        first = names[0]
        for kwargs in [{first: 1}, {first: 1, names[1]: 'y'}, {names[1]: 'y'}, {},
                       {first: 1, 'nope': 2}, dict.fromkeys(names, 5)]:
            _same(lambda k=kwargs, c=std: repr(c(**k)).replace(c.__qualname__, 'C'),
                  lambda k=kwargs, c=fast: repr(c(**k)).replace(c.__qualname__, 'C'))
    std, fast = _pair(_slotted)
    x, y = fast(a=1), fast(a=1)
    assert x == y and x.c == [] and x.c is not y.c and x.d == 4
    _same(lambda: std(1, a=2), lambda: fast(1, a=2))


def test_own_field_fields_and_replace_without_dataclasses() -> None:
    """``fastclass.field``/``fields``/``replace`` as ``dataclasses``' (what ``openapi-diff``
    uses, so that it never imports ``dataclasses``)."""
    from hotfix_hooks import fastclass

    @dataclass(slots=True)
    class Own:
        a: int
        b: list[int] = fastclass.field(default_factory=list)
        c: str = fastclass.field(default='x', repr=False, compare=False)
        d: int = fastclass.field(default=3, init=False)

    x = Own(1)
    assert (x.a, x.b, x.c, x.d) == (1, [], 'x', 3) and x.b is not Own(1).b
    assert repr(x) == f'{Own.__qualname__}(a=1, b=[], d=3)' and Own(1, c='y') == x
    assert [f.name for f in fastclass.fields(Own)] == ['a', 'b', 'c', 'd']
    assert [f.name for f in dataclasses.fields(x)] == ['a', 'b', 'c', 'd']
    y = fastclass.replace(x, a=2)
    assert (y.a, y.b, y.c) == (2, [], 'x') and dataclasses.replace(x, b=[1]).b == [1]
    with pytest.raises(ValueError):
        fastclass.replace(x, d=1)
    with pytest.raises(ValueError):
        fastclass.field(default=1, default_factory=list)
    with pytest.raises(ValueError):
        @dataclass
        class Mutable:
            a: list[int] = []


def test_a_class_s_own_init_is_kept_as_dataclasses_keeps_it() -> None:
    def make(deco: Callable[..., Any]) -> type:
        @deco(eq=False, slots=True)
        class Own:
            """A record that writes its own ``__init__``."""
            a: int
            b: list[int] = dataclasses.field(default_factory=list)

            def __init__(self, a: int, b: list[int] | None = None) -> None:
                self.a = a * 2
                self.b = [] if b is None else b
        return Own
    for cls in _pair(make):
        made = cls(3)
        assert (made.a, made.b) == (6, [])
        assert [f.name for f in dataclasses.fields(cls)] == ['a', 'b']
