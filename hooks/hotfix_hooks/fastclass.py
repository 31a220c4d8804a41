"""``dataclass``: the standard library's ``dataclasses.dataclass`` without its code
generation, for the classes every hook run defines.

``dataclasses.dataclass`` writes ``__init__``, ``__repr__``, ``__eq__`` (and, frozen,
``__setattr__``, ``__delattr__``, ``__hash__``) as source text and compiles each with
``exec``: 1.5-4 ms per class on a loaded 2-core machine, 40-100 ms for the 16-24 classes a
commit-stage scan imports, 10-20% of the whole run. This decorator collects the fields
itself, as ``dataclasses`` does (the annotations of the class and of its ``fastclass``
bases, ``ClassVar`` left out, a field's class attribute as its default), and adds the same
methods as plain functions over the field list: no compilation, a few microseconds more
per instance. It does not import ``dataclasses`` (nor ``inspect``, ``ast``, ``dis`` under
it: 14-17 ms): ``fields`` and ``replace`` here are its own, ``field`` takes the options of
``dataclasses.field``; ``dataclasses.fields``, ``asdict``, ``replace`` and
``is_dataclass`` still work (``__dataclass_fields__`` is made on first use), and type
checkers see a dataclass.

Supported: ``frozen``, ``eq``, ``slots``; ``field`` (this module's or ``dataclasses``')
with ``default``, ``default_factory``, ``repr``, ``compare``, ``init``; ``__post_init__``;
a class's own ``__init__`` (kept, as ``dataclasses`` keeps it).
Anything else (``order``, ``kw_only``, ``InitVar``) is refused: use
``dataclasses.dataclass`` for it. ``tests/test_fastclass.py`` checks the behaviour against
``dataclasses.dataclass``.
"""
from __future__ import annotations

import sys
from collections.abc import Callable

TYPE_CHECKING = False  # typing is not imported at run time
if TYPE_CHECKING:
    from dataclasses import Field as _StdField
    from dataclasses import field as _std_field
    from typing import Any
    from typing import overload
    from typing import TypeVar

    from typing_extensions import dataclass_transform  # typing's own from Python 3.11

    T = TypeVar('T', bound=type)
    _Obj = TypeVar('_Obj')
else:
    _StdField = _std_field = None

    def dataclass_transform(**_kwargs: object) -> Callable[[Any], Any]:
        return lambda fn: fn


class _Missing:
    def __repr__(self) -> str:
        return 'MISSING'


_MISSING: Any = _Missing()


class Field:
    """A field's options, as ``dataclasses.field`` takes them (``fastclass.field``)."""

    __slots__ = ('name', 'type', 'default', 'default_factory', 'init', 'repr', 'compare')

    def __init__(self, default: Any, default_factory: Any, init: bool, repr: bool,
                 compare: bool) -> None:
        self.name = ''
        self.type: Any = None
        self.default = default
        self.default_factory = default_factory
        self.init, self.repr, self.compare = init, repr, compare


def field(*, default: Any = _MISSING, default_factory: Callable[[], Any] | Any = _MISSING,
          init: bool = True, repr: bool = True, compare: bool = True) -> Any:
    """``dataclasses.field`` for a ``fastclass.dataclass`` without importing
    ``dataclasses`` (``dataclasses.field`` is accepted too)."""
    if default is not _MISSING and default_factory is not _MISSING:
        raise ValueError('cannot specify both default and default_factory')
    return Field(default, default_factory, init, repr, compare)


if TYPE_CHECKING:       # the overloads are for the type checker only (no typing at run time)
    @overload
    @dataclass_transform(field_specifiers=(field, Field, _std_field, _StdField))
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


def fields(cls_or_instance: Any) -> tuple[Field, ...]:
    """The fields of a ``fastclass.dataclass`` class or instance, in order (what
    ``dataclasses.fields`` gives, without importing ``dataclasses``)."""
    found: tuple[Field, ...] = cls_or_instance.__fastclass_fields__
    return found


def replace(obj: _Obj, /, **changes: Any) -> _Obj:
    """A copy of ``obj`` with ``changes`` (``dataclasses.replace``)."""
    for f in fields(obj):
        if not f.init:
            if f.name in changes:
                raise ValueError(f'field {f.name} is declared with init=False, it cannot be '
                                 f'specified with replace()')
        elif f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    made: _Obj = obj.__class__(**changes)
    return made


def _is_classvar(annotation: Any) -> bool:
    text = annotation if isinstance(annotation, str) else repr(annotation)
    return text.startswith(('ClassVar', 'typing.ClassVar', 't.ClassVar'))


def _collect(cls: Any) -> list[Field]:
    """The fields of ``cls`` as ``dataclasses`` collects them: those of its
    ``fastclass`` bases, then its own annotations in order (a ``ClassVar`` is no field);
    a field's class attribute becomes its plain default, or goes."""
    by_name: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        if '__dataclass_fields__' in base.__dict__ and '__fastclass_fields__' not in base.__dict__:
            raise TypeError(f'{cls.__name__}: a base made by dataclasses.dataclass needs '
                            f'dataclasses.dataclass')
        for f in base.__dict__.get('__fastclass_fields__', ()):
            by_name[f.name] = f
    std = sys.modules.get('dataclasses')
    for name, annotation in cls.__dict__.get('__annotations__', {}).items():
        if _is_classvar(annotation):
            continue
        if 'InitVar' in str(annotation):
            raise TypeError(f'{cls.__name__}.{name}: InitVar needs dataclasses.dataclass')
        value = cls.__dict__.get(name, _MISSING)
        if isinstance(value, Field):
            f = value
        elif std is not None and isinstance(value, std.Field):
            if value.kw_only is True:
                raise TypeError(f'{cls.__name__}: kw_only fields need dataclasses.dataclass')
            f = Field(_MISSING if value.default is std.MISSING else value.default,
                      _MISSING if value.default_factory is std.MISSING
                      else value.default_factory, value.init, bool(value.repr),
                      bool(value.compare))
        else:
            if value is not _MISSING and value.__class__.__hash__ is None:
                raise ValueError(f'mutable default {type(value)} for field {name} is not '
                                 f'allowed: use default_factory')
            f = Field(value, _MISSING, True, True, True)
        f.name, f.type = name, annotation
        if value is not _MISSING and f.default is not value:
            # a field() in the class body: its plain default as the class attribute
            if f.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
        by_name.pop(name, None)
        by_name[name] = f
    return list(by_name.values())


def _with_slots(cls: Any, names: list[str]) -> Any:
    """``cls`` made again with ``__slots__`` for its own fields (as ``dataclasses`` does)."""
    if '__slots__' in cls.__dict__:
        raise TypeError(f'{cls.__name__} already specifies __slots__')
    body = dict(cls.__dict__)
    inherited = {s for base in cls.__mro__[1:-1] for s in base.__dict__.get('__slots__', ())}
    body['__slots__'] = tuple(n for n in names if n not in inherited)
    for n in names:
        body.pop(n, None)           # a default would shadow the slot
    body.pop('__dict__', None)
    body.pop('__weakref__', None)
    made = type(cls)(cls.__name__, cls.__bases__, body)
    made.__qualname__ = cls.__qualname__
    return made


class _DataclassFields:
    """``__dataclass_fields__`` made on first use: ``dataclasses.fields``, ``asdict``,
    ``replace`` and ``is_dataclass`` see a dataclass, and a run that uses none of them
    never imports ``dataclasses`` (and ``inspect``, ``ast`` under it: 14-17 ms)."""

    def __get__(self, obj: Any, owner: Any) -> dict[str, Any]:
        import dataclasses

        made: dict[str, Any] = {}
        for f in owner.__fastclass_fields__:
            std: Any = dataclasses.field(
                default=dataclasses.MISSING if f.default is _MISSING else f.default,
                default_factory=(dataclasses.MISSING if f.default_factory is _MISSING
                                 else f.default_factory),
                init=f.init, repr=f.repr, compare=f.compare)
            std.name, std.type = f.name, f.type
            std._field_type = dataclasses._FIELD  # type: ignore[attr-defined]  # a plain field
            made[f.name] = std
        return made


_DATACLASS_FIELDS = _DataclassFields()


def _build(given: T, frozen: bool, eq: bool, slots: bool) -> T:
    if given.__doc__ is None:
        given.__doc__ = given.__name__  # (dataclasses would compute a signature for it)
    own = dict(given.__dict__)
    cls: Any = given
    fields = _collect(cls)
    names_all = [f.name for f in fields]
    if slots:
        cls = _with_slots(cls, names_all)
    cls.__fastclass_fields__ = tuple(fields)
    cls.__dataclass_fields__ = _DATACLASS_FIELDS
    # (mypy refuses an assignment to __match_args__ even on Any)
    setattr(cls, '__match_args__', tuple(f.name for f in fields if f.init))  # noqa: B010
    for f in fields:
        if not f.init and f.default is _MISSING and f.default_factory is _MISSING:
            raise TypeError(f'{cls.__name__}.{f.name}: init=False needs a default')
    init: list[tuple[str, Any, Any]] = [(f.name, f.default, f.default_factory)
                                         for f in fields if f.init]
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
        import dataclasses

        raise dataclasses.FrozenInstanceError(f'cannot assign to field {name!r}')

    def __delattr__(self: Any, name: str) -> None:
        import dataclasses

        raise dataclasses.FrozenInstanceError(f'cannot delete field {name!r}')

    methods: dict[str, Any] = {}
    if '__init__' not in own:       # a class's own ``__init__`` is kept, as ``dataclasses`` does
        methods['__init__'] = __init__
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
    built: T = cls
    return built
