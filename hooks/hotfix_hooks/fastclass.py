"""``dataclass``: the standard library's ``dataclasses.dataclass`` without its code
generation, for the classes every hook run defines.

``dataclasses.dataclass`` writes ``__init__``, ``__repr__``, ``__eq__`` (and, frozen,
``__setattr__``, ``__delattr__``, ``__hash__``) as source text and compiles each with
``exec``: 1.5-4 ms per class on a loaded 2-core machine, 40-100 ms for the 16-24 classes a
commit-stage scan imports, 10-20% of the whole run. This decorator lets ``dataclasses``
collect the fields (so ``dataclasses.fields``, ``asdict``, ``replace``, ``is_dataclass``
and type checkers see a dataclass) and adds the same methods as plain functions over the
field list: no compilation, a few microseconds more per instance.

Supported: ``frozen``, ``eq``, ``slots``; ``dataclasses.field`` with ``default``,
``default_factory``, ``repr``, ``compare``, ``init``; ``__post_init__``. Anything else
(``order``, ``kw_only``, ``InitVar``) is refused: use ``dataclasses.dataclass`` for it.
``tests/test_fastclass.py`` checks the behaviour against ``dataclasses.dataclass``.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any
from typing import overload
from typing import TYPE_CHECKING
from typing import TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform  # typing's own from Python 3.11
else:
    def dataclass_transform(**_kwargs: object) -> Callable[[Any], Any]:
        return lambda fn: fn

T = TypeVar('T', bound=type)

_MISSING = dataclasses.MISSING


@overload
@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def dataclass(cls: T, /) -> T: ...


@overload
def dataclass(*, frozen: bool = False, eq: bool = True, slots: bool = False
              ) -> Callable[[T], T]: ...


def dataclass(cls: T | None = None, /, *, frozen: bool = False, eq: bool = True,
              slots: bool = False) -> T | Callable[[T], T]:
    """``@dataclass`` / ``@dataclass(frozen=True, eq=..., slots=...)``: as
    ``dataclasses.dataclass`` with the same options."""

    def wrap(c: T) -> T:
        return _build(c, frozen, eq, slots)

    return wrap if cls is None else wrap(cls)


def _build(given: T, frozen: bool, eq: bool, slots: bool) -> T:
    if given.__doc__ is None:
        given.__doc__ = given.__name__  # (dataclasses would compute a signature for it)
    own = dict(given.__dict__)
    cls: Any = dataclasses.dataclass(given, init=False, repr=False, eq=False, slots=slots)
    fields = dataclasses.fields(cls)
    if any(f.kw_only is True for f in fields):
        raise TypeError(f'{cls.__name__}: kw_only fields need dataclasses.dataclass')
    init: list[tuple[str, Any, Any]] = [(f.name, f.default, f.default_factory)
                                         for f in fields if f.init]
    for f in fields:
        if not f.init and f.default is _MISSING and f.default_factory is _MISSING:
            raise TypeError(f'{cls.__name__}.{f.name}: init=False needs a default')
    later: list[tuple[str, Any, Any]] = [(f.name, f.default, f.default_factory)
                                          for f in fields if not f.init]
    names = [n for n, _d, _f in init]
    shown = [f.name for f in fields if f.repr]
    compared = [f.name for f in fields if f.compare]
    seen_default = False
    for name, default, factory in init:
        if default is not _MISSING or factory is not _MISSING:
            seen_default = True
        elif seen_default:
            raise TypeError(f'non-default argument {name!r} follows default argument')
    post_init = hasattr(cls, '__post_init__')
    put = object.__setattr__ if frozen else setattr
    qualname = cls.__qualname__

    count = len(names)
    known = frozenset(names)
    required = [n for n, d, f in init if d is _MISSING and f is _MISSING]
    required_set = frozenset(required)
    # every field in order with its plain default (``_MISSING``: required or a factory)
    template = {n: d for n, d, _f in init}
    factories = [(i, n, f) for i, (n, _d, f) in enumerate(init) if f is not _MISSING]
    # the values go into ``__dict__`` at once unless something must see each assignment
    # (frozen, slots, a ``__setattr__`` of the class's own, a property or slot of a base
    # class named like a field)
    plain = not frozen and not slots and cls.__setattr__ is object.__setattr__ and not any(
        hasattr(type(cls.__dict__.get(n, getattr(cls, n, None))), '__set__') for n in names)

    def bind(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        if len(args) > count:
            raise TypeError(f'{qualname}.__init__() takes {count + 1} positional '
                            f'arguments but {len(args) + 1} were given')
        values = dict(template)
        if args:
            if kwargs and not kwargs.keys().isdisjoint(names[:len(args)]):
                twice = next(n for n in names[:len(args)] if n in kwargs)
                raise TypeError(f'{qualname}.__init__() got multiple values for '
                                f'argument {twice!r}')
            values.update(zip(names, args))
        if kwargs:
            if not known.issuperset(kwargs):
                extra = next(k for k in kwargs if k not in known)
                raise TypeError(f'{qualname}.__init__() got an unexpected keyword argument '
                                f'{extra!r}')
            values.update(kwargs)
        for name in required[len(args):]:       # required fields come first
            if name not in kwargs:
                raise TypeError(f'{qualname}.__init__() missing required argument: '
                                f'{name!r}')
        for i, name, factory in factories:
            if i >= len(args) and name not in kwargs:
                values[name] = factory()
        return values

    # the arguments bound with C-level dict operations (a loop per field cost 5-10 us per
    # instance, against 1-2 for the code ``dataclasses`` generates)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if plain:
            d = self.__dict__
            if not args and known.issuperset(kwargs) and kwargs.keys() >= required_set:
                d.update(template)          # keyword arguments only, all valid
                d.update(kwargs)
                for _i, name, factory in factories:
                    if name not in kwargs:
                        d[name] = factory()
            elif len(args) == count and not kwargs:
                d.update(zip(names, args))
            else:
                d.update(bind(args, kwargs))
        elif not args and known.issuperset(kwargs) and kwargs.keys() >= required_set:
            # keyword arguments only, all valid: each field from them or its default,
            # without building the bound dict first (a slots class, a finding: 2 us
            # instead of 6)
            get = kwargs.get
            for name, default, factory in init:
                value = get(name, default)
                put(self, name, factory() if value is _MISSING else value)
        else:
            for name, value in (zip(names, args) if len(args) == count and not kwargs
                                else bind(args, kwargs).items()):
                put(self, name, value)
        for name, default, factory in later:
            put(self, name, default if default is not _MISSING else factory())
        if post_init:
            self.__post_init__()

    def __repr__(self: Any) -> str:
        inner = ', '.join(f'{n}={getattr(self, n)!r}' for n in shown)
        return f'{type(self).__qualname__}({inner})'

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in compared)

    def __hash__(self: Any) -> int:
        return hash(tuple(getattr(self, n) for n in compared))

    def __setattr__(self: Any, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f'cannot assign to field {name!r}')

    def __delattr__(self: Any, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f'cannot delete field {name!r}')

    methods: dict[str, Any] = {'__init__': __init__}
    if '__repr__' not in own:
        methods['__repr__'] = __repr__
    if eq and '__eq__' not in own:
        methods['__eq__'] = __eq__
        if '__hash__' not in own:
            methods['__hash__'] = __hash__ if frozen else None
    if frozen:
        methods['__setattr__'] = __setattr__
        methods['__delattr__'] = __delattr__
    for name, fn in methods.items():
        if fn is not None:
            fn.__qualname__ = f'{qualname}.{name}'
        setattr(cls, name, fn)
    params = cls.__dict__['__dataclass_params__']
    params.init, params.repr, params.eq, params.frozen = True, True, eq, frozen
    built: T = cls
    return built
