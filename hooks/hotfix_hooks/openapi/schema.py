"""Schemas as the sets of values they accept, and their direction-aware comparison.

``norm()`` turns a JSON Schema node into an ``N``: ``$ref`` followed (with a guard against
reference loops), ``allOf`` merged, ``oneOf``/``anyOf`` null branches and the three
nullability encodings folded into ``nullable``, a single remaining branch merged in (how
pydantic writes ``Optional[X]``), unions of bare types read as a list of types, ``enum``
and ``const`` read as one set of accepted values. Properties and items stay lazy, so a
recursive schema costs nothing until it is compared.

``Comparer.schema()`` compares two schemas for a direction (request: the API must accept
at least what it accepted; response: clients must get at most what they got) and returns
``Change``s. Each pair of schema locations is compared once per level (memoised) and a
pair already being compared returns nothing (recursive schemas terminate).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Sequence

from hotfix_hooks.openapi.loader import escape
from hotfix_hooks.openapi.loader import is_missing
from hotfix_hooks.openapi.loader import lookup
from hotfix_hooks.openapi.loader import split_pointer
from hotfix_hooks.openapi.loader import unescape

TYPE_CHECKING = False  # typing is not imported at run time
if TYPE_CHECKING:
    from typing import Any

UPPER = (('maxLength', 'max-length'), ('maximum', 'max'),
         ('exclusiveMaximum', 'exclusive-max'), ('maxItems', 'max-items'))
LOWER = (('minLength', 'min-length'), ('minimum', 'min'),
         ('exclusiveMinimum', 'exclusive-min'), ('minItems', 'min-items'))
_BARE_KEYS = {'type', 'format', 'title', 'description', 'nullable', 'examples', 'example'}
_UNSET = object()
_BOUND_KEYS = frozenset(k for k, _ in UPPER + LOWER)
_FORMAT_WIDENINGS = {('int32', 'int64'), ('float', 'double'), ('date', 'date-time')}
# Pydantic's UUID1/3/4/5 (formats uuid1...): UUIDs of one version. The server validates a
# request by them (uuid -> uuid4 rejects other versions); a client knows only ``uuid`` and
# gets UUIDs either way (response: info).
_UUID_VERSIONS = frozenset({'uuid1', 'uuid3', 'uuid4', 'uuid5'})
# The formats JSON Schema (2020-12, "Defined Formats") and the OpenAPI data types define:
# the only ones a client validator or generator knows. Any other format (Pydantic's
# ``color``, ``uuid4``, ``name-email``, ``ipvanyaddress``...) is an annotation no client
# can check: JSON Schema requires implementations to ignore a format they do not know.
DEFINED_FORMATS = frozenset({
    'date-time', 'date', 'time', 'duration', 'email', 'idn-email', 'hostname',
    'idn-hostname', 'ipv4', 'ipv6', 'uri', 'uri-reference', 'iri', 'iri-reference', 'uuid',
    'uri-template', 'json-pointer', 'relative-json-pointer', 'regex',
    'int32', 'int64', 'float', 'double', 'byte', 'binary'})
# A schema the route code does not let us read (``fromcode``): compared as unknown, never
# as "any value" (which would make every change to it look like a narrowing).
UNRESOLVED = 'x-hotfix-unresolved'


class Change:
    """One difference, before it is attached to operations and grouped. (A plain class:
    ``openapi-diff`` imports no ``dataclasses``.)"""

    def __init__(self, rule: str, severity: str, message: str, base_ptr: str | None = None,
                 head_ptr: str | None = None, removal: bool = False) -> None:
        self.rule = rule
        self.severity = severity
        self.message = message
        self.base_ptr = base_ptr
        self.head_ptr = head_ptr
        self.removal = removal  # the place is only in the base (report the base line)

    def _key(self) -> tuple[Any, ...]:
        return (self.rule, self.severity, self.message, self.base_ptr, self.head_ptr,
                self.removal)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Change)
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass was

    def __repr__(self) -> str:
        return 'Change(' + ', '.join(map(repr, self._key())) + ')'


class Doc:
    """One side's document: ``$ref`` resolution and the normalised-schema memo."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.norms: dict[str, N] = {}
        self.unresolved: dict[str, str] = {}      # pointer of the $ref -> the ref text
        self._targets: dict[str, Any] = {}

    def deref(self, node: Any, ptr: str) -> tuple[Any, str]:
        """Follow ``$ref`` chains. ``(None, ptr)`` when a ref dangles or loops."""
        if not isinstance(node, dict) or '$ref' not in node:
            return node, ptr
        seen = set()
        while isinstance(node, dict) and isinstance(node.get('$ref'), str):
            ref = node['$ref']
            if not ref.startswith('#') or ref in seen:
                if not ref.startswith('#'):
                    self.unresolved.setdefault(ptr, ref)
                return None, ptr
            seen.add(ref)
            target = self._targets.get(ref, _UNSET)
            if target is _UNSET:
                target = self._targets[ref] = lookup(self.data, ref[1:])
            if is_missing(target):
                self.unresolved.setdefault(ptr + '/$ref', ref)
                return None, ptr
            node, ptr = target, ref[1:]
        return node, ptr


class N:
    """A normalised schema (see the module doc). The plain defaults are class attributes,
    the containers made per instance. (A plain class: ``openapi-diff`` imports no
    ``dataclasses``.)"""

    ptr: str
    node: Any = None
    known: bool = True
    name: str | None = None
    types: frozenset[str] | None = None       # None: any type
    nullable: bool = False
    format: str | None = None
    values: dict[str, Any] | None = None      # accepted values (enum/const) by json key
    extensible: bool = False
    props: dict[str, tuple[Any, str]]
    required: set[str]
    required_ptr: str | None = None
    items: tuple[Any, str] | None = None
    additional: tuple[Any, str] | None = None  # additionalProperties schema
    closed: bool = False                       # additionalProperties: false
    bounds: dict[str, tuple[Any, str]]
    pattern: tuple[str, str] | None = None
    branches: list[tuple[Any, str]]
    branch_kind: str = ''
    read_only: bool = False
    write_only: bool = False
    deprecated: bool = False
    default: tuple[Any] | None = None

    def __init__(self, ptr: str, node: Any = None, name: str | None = None) -> None:
        self.ptr = ptr
        self.node = node
        self.name = name
        self.props = {}
        self.required = set()
        self.bounds = {}
        self.branches = []


def _takes_anything(n: N) -> bool:
    """An unconstrained schema (``{}``: no type, properties, items, variants or values),
    which JSON Schema and Pydantic's ``Any`` read as every value, null included."""
    return (n.known and n.types is None and not n.props and n.items is None
            and not n.branches and n.values is None and n.additional is None)


def component_name(ptr: str) -> str | None:
    """The schema component a pointer names (``/components/schemas/Item``,
    ``/definitions/Item``), unescaped; None for any other pointer."""
    if ptr.startswith('/components/schemas/'):
        rest = ptr[20:]
    elif ptr.startswith('/definitions/'):
        rest = ptr[13:]
    else:
        return None
    return None if '/' in rest else unescape(rest)


# ``json.dumps(v, sort_keys=True, default=str)`` without building an encoder per value
_VKEY_ENCODE = json.JSONEncoder(sort_keys=True, default=str).encode


def _vkey(v: object) -> str:
    return _VKEY_ENCODE(v)


def _is_null_schema(node: object) -> bool:
    if not isinstance(node, dict):
        return False
    t = node.get('type')
    if t == 'null' or t == ['null']:
        return True
    return node.get('enum') == [None] or ('const' in node and node['const'] is None)


# keywords that only annotate: a schema holding nothing else (``{}``, ``true``,
# ``{"title": "Config"}``) takes every value, null included
_ANNOTATIONS = frozenset({'title', 'description', 'examples', 'example', 'default',
                          'deprecated', 'readOnly', 'writeOnly', '$comment'})
# a list of types naming every JSON type is no type constraint at all
_ALL_TYPES = frozenset({'string', 'number', 'boolean', 'object', 'array', 'null'})


def _is_any_schema(node: object) -> bool:
    if node is True:
        return True
    return isinstance(node, dict) and all(k in _ANNOTATIONS or k.startswith('x-')
                                          for k in node)


def norm(doc: Doc, node: Any, ptr: str) -> N:
    if isinstance(node, dict) and '$ref' in node:
        node, ptr = doc.deref(node, ptr)
    cached = doc.norms.get(ptr)
    if cached is not None:
        return cached
    n = N(ptr=ptr, node=node, name=component_name(ptr))
    doc.norms[ptr] = n            # before filling: a cycle through allOf sees this one
    if node is None:
        n.known = False
        return n
    if isinstance(node, dict):
        if UNRESOLVED in node:
            n.known = False
            return n
        _fill(doc, n, node, ptr)
    return n


def _number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# the keywords ``_fill`` reads besides ``type``: a node holding none of them is done early
_FILL_KEYS = frozenset({'nullable', 'x-nullable', 'format', 'enum', 'const',
                        'x-extensible-enum', 'pattern', 'properties', 'required', 'items',
                        'additionalProperties', 'readOnly', 'writeOnly', 'deprecated',
                        'default', 'allOf', 'oneOf', 'anyOf'}) | _BOUND_KEYS


def _fill(doc: Doc, n: N, node: dict[str, Any], ptr: str) -> None:
    t = node.get('type')
    if t is not None:
        types: set[str] | None = None
        if isinstance(t, list):
            types = {str(x) for x in t}
        elif isinstance(t, str):
            types = {t}
        if types and _ALL_TYPES <= types:
            types = None        # every JSON type: the same as no type (null included)
        elif types and 'null' in types and len(types) > 1:
            n.nullable = True
            types.discard('null')
        n.types = frozenset(types) if types else None
    present = _FILL_KEYS.intersection(node)
    if not present:
        return
    # only the keywords the node has are read (a property has two or three of them)
    if ('nullable' in present and node['nullable'] is True) or (
            'x-nullable' in present and node['x-nullable'] is True):
        n.nullable = True
    if 'format' in present and isinstance(node['format'], str):
        n.format = node['format']
    vals = None
    if 'enum' in present and isinstance(node['enum'], list):
        vals = node['enum']
    if 'const' in present:
        vals = [node['const']]
    if vals is not None:
        if None in vals:
            n.nullable = True
        n.values = {_vkey(v): v for v in vals if v is not None}
    if 'x-extensible-enum' in present and isinstance(node['x-extensible-enum'], list):
        n.extensible = True
    bounds = _BOUND_KEYS.intersection(present)
    if bounds:
        for kw in bounds:
            v = node[kw]
            if _number(v):
                n.bounds[kw] = (v, f'{ptr}/{kw}')
        for excl, plain in (('exclusiveMaximum', 'maximum'), ('exclusiveMinimum', 'minimum')):
            if node.get(excl) is True and plain in n.bounds:     # OpenAPI 3.0 boolean form
                n.bounds[excl] = n.bounds.pop(plain)
    if 'pattern' in present and isinstance(node['pattern'], str):
        n.pattern = (node['pattern'], f'{ptr}/pattern')
    if 'properties' in present and isinstance(node['properties'], dict):
        props = node['properties']
        prefix = f'{ptr}/properties/'
        try:
            names = ''.join(props)          # TypeError: a key that is not a string (YAML)
        except TypeError:
            names = '~'
        if '~' in names or '/' in names:
            n.props = {str(k): (v, prefix + escape(str(k))) for k, v in props.items()}
        else:
            n.props = {k: (v, prefix + k) for k, v in props.items()}
    if 'required' in present and isinstance(node['required'], list):
        n.required = {str(r) for r in node['required']}
        n.required_ptr = f'{ptr}/required'
    if 'items' in present and isinstance(node['items'], dict):
        n.items = (node['items'], f'{ptr}/items')
    if 'additionalProperties' in present:
        addl = node['additionalProperties']
        if addl is False:
            n.closed = True
        elif isinstance(addl, dict) and addl:
            n.additional = (addl, f'{ptr}/additionalProperties')
    if 'readOnly' in present:
        n.read_only = node['readOnly'] is True
    if 'writeOnly' in present:
        n.write_only = node['writeOnly'] is True
    if 'deprecated' in present:
        n.deprecated = node['deprecated'] is True
    if 'default' in present:
        n.default = (node['default'],)
    if 'allOf' in present and isinstance(node['allOf'], list):
        for i, sub in enumerate(node['allOf']):
            _merge(n, norm(doc, sub, f'{ptr}/allOf/{i}'))
    for kind in ('oneOf', 'anyOf'):
        subs = node.get(kind) if kind in present else None
        if not isinstance(subs, list):
            continue
        branches = []
        anything = False
        for i, sub in enumerate(subs):
            target, _ = doc.deref(sub, f'{ptr}/{kind}/{i}')
            if _is_null_schema(target):
                n.nullable = True
                continue
            anything = anything or _is_any_schema(target)
            branches.append((sub, f'{ptr}/{kind}/{i}'))
        if anything:
            continue            # a variant that takes every value: the union takes them all
        if len(branches) == 1:
            _merge(n, norm(doc, *branches[0]), adopt_name=True)
        elif branches and all(_bare(doc.deref(*b)[0]) for b in branches):
            union: set[str] = set()
            for b in branches:
                sub_n = norm(doc, *b)
                if sub_n.types is None:
                    union = set()
                    break
                union |= sub_n.types
                n.nullable = n.nullable or sub_n.nullable
            n.types = frozenset(union) if union else None
        elif branches:
            n.branches = branches
            n.branch_kind = kind


def _bare(node: object) -> bool:
    return isinstance(node, dict) and 'type' in node and set(node) <= _BARE_KEYS


def _merge(n: N, s: N, adopt_name: bool = False) -> None:
    if not s.known:
        n.known = False
        return
    if adopt_name and n.name is None:
        n.name = s.name
    if n.types is None:
        n.types = s.types
    elif s.types is not None:
        n.types = (n.types & s.types) or n.types
    n.nullable = n.nullable or s.nullable
    for attr in ('format', 'values', 'pattern', 'items', 'additional', 'default'):
        if getattr(n, attr) is None:
            setattr(n, attr, getattr(s, attr))
    n.extensible = n.extensible or s.extensible
    n.closed = n.closed or s.closed
    for k, v in s.bounds.items():
        n.bounds.setdefault(k, v)
    for k, v in s.props.items():
        n.props.setdefault(k, v)
    n.required |= s.required
    if n.required_ptr is None:
        n.required_ptr = s.required_ptr
    if not n.branches and s.branches:
        n.branches, n.branch_kind = s.branches, s.branch_kind
    n.read_only = n.read_only or s.read_only
    n.write_only = n.write_only or s.write_only
    n.deprecated = n.deprecated or s.deprecated


_FORMS: dict[str, str | None] = {}


def _pattern_form(pattern: str) -> str | None:
    """``_form`` of ``pattern``, once per pattern text (a drift repeats the same pattern
    change in every resource)."""
    if pattern in _FORMS:
        return _FORMS[pattern]
    if len(_FORMS) > 4096:
        _FORMS.clear()
    got = _FORMS[pattern] = _form(pattern)
    return got


def _form(pattern: str) -> str | None:
    """A form of a regular expression in which rewrites that accept the same strings read
    the same: Python's own parse (``{1,}`` and ``+``, ``(?:a)`` and ``a``, ``a|b`` and
    ``[ab]`` already agree there), groups without flags inlined when nothing refers back
    to them, and the members of a character class in order. None when it does not parse.
    Equal forms accept the same strings; different forms may still (that is not decided)."""
    import re
    from re import _parser  # type: ignore[attr-defined]

    try:
        tree = _parser.parse(pattern)
    except (re.error, RecursionError, OverflowError, ValueError):
        return None
    backrefs = False

    def walk(items: Any) -> list[Any]:
        nonlocal backrefs
        out: list[Any] = []
        for op, arg in items:
            name = str(op)
            if name in ('GROUPREF', 'GROUPREF_EXISTS'):
                backrefs = True
            if name == 'SUBPATTERN':
                _group, add, delete, sub = arg
                if not add and not delete:
                    out.extend(walk(sub))
                    continue
                arg = (add, delete, walk(sub))
            elif name == 'IN':
                arg = sorted(repr(x) for x in arg)
            elif name == 'BRANCH':
                arg = sorted(repr(walk(b)) for b in arg[1])
            elif name in ('MAX_REPEAT', 'MIN_REPEAT', 'POSSESSIVE_REPEAT'):
                arg = (arg[0], arg[1], walk(arg[2]))
            elif name in ('ASSERT', 'ASSERT_NOT'):
                arg = (arg[0], walk(arg[1]))
            elif name == 'ATOMIC_GROUP':
                arg = walk(arg)
            out.append((name, repr(arg) if not isinstance(arg, (list, tuple)) else arg))
        return out

    form = repr((tree.state.flags, walk(tree)))      # global flags: (?i) at the start
    return None if backrefs else form


def same_pattern(a: str | None, b: str | None) -> bool:
    """Whether two patterns accept the same strings by their form (``_pattern_form``)."""
    if a is None or b is None:
        return a == b
    if a == b:
        return True
    if '{,' in a or '{,' in b:
        return False        # Python reads `{,3}` as `{0,3}`; ECMA-262 (JSON Schema) literally
    fa = _pattern_form(a)
    return fa is not None and fa == _pattern_form(b)


def _ref_free(node: object, depth: int) -> bool:
    """True when ``node`` provably contains no ``$ref`` (checked ``depth`` levels deep)."""
    if isinstance(node, dict):
        if '$ref' in node or depth == 0:
            return False
        return all(_ref_free(v, depth - 1) for v in node.values()
                   if isinstance(v, (dict, list)))
    if isinstance(node, list):
        if depth == 0:
            return False
        return all(_ref_free(v, depth - 1) for v in node if isinstance(v, (dict, list)))
    return True


# how deep ``Comparer.settled`` looks below the node first asked (nesting deeper than
# this in one equal subtree is compared instead)
_SETTLE_DEPTH = 32

_STORAGE_LIMITS = frozenset((2 ** 31 - 1, -2 ** 31, 2 ** 63 - 1, -2 ** 63, 2 ** 32 - 1,
                             2 ** 64 - 1, 2 ** 15 - 1, -2 ** 15))


def _storage_limit(value: object) -> bool:
    """An integer type's own limit; JSON does not tell ``2147483647.0`` from ``2147483647``
    (a number with a zero fractional part is that integer), and spec generators write both."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return isinstance(value, int) and not isinstance(value, bool) and value in _STORAGE_LIMITS


def _implied(o: N, upper: bool, kw: str, new: object) -> bool:
    """A new upper (lower) bound beyond a bound the old schema already had on the same
    side rejects nothing new (``minimum: -2**31`` next to ``exclusiveMinimum: 0``)."""
    if not isinstance(new, (int, float)):
        return False
    keys = ('maximum', 'exclusiveMaximum') if upper else ('minimum', 'exclusiveMinimum')
    for k in keys:
        got = o.bounds.get(k)
        if k == kw or got is None or not isinstance(got[0], (int, float)):
            continue
        old = got[0]
        beyond = new > old if upper else new < old
        same = new == old and (kw in ('maximum', 'minimum') or k.startswith('exclusive'))
        if beyond or same:
            return True
    return False


def label(ptr: str) -> str:
    """A readable name of a schema location: ``Item.tags[].name``, ``body.name``."""
    segs = split_pointer(ptr)
    if segs[:2] == ['components', 'schemas'] and len(segs) > 2:
        out, rest = segs[2], segs[3:]
    elif segs[:1] == ['definitions'] and len(segs) > 1:
        out, rest = segs[1], segs[2:]
    elif 'schema' in segs:
        i = len(segs) - 1 - segs[::-1].index('schema')
        out, rest = '', segs[i + 1:]
    else:
        out, rest = '', segs
    i = 0
    while i < len(rest):
        s = rest[i]
        if s == 'properties' and i + 1 < len(rest):
            out += ('.' if out else '') + rest[i + 1]
            i += 2
            continue
        if s == 'items':
            out += '[]'
        elif s == 'additionalProperties':
            out += '{}'
        elif s in ('allOf', 'anyOf', 'oneOf') and i + 1 < len(rest):
            i += 2
            continue
        i += 1
    return out


def _fmt_values(vals: Sequence[object]) -> str:
    shown = ', '.join(_vkey(v) for v in vals[:8])
    return shown + (f' (+{len(vals) - 8} more)' if len(vals) > 8 else '')


def _covers(wide: frozenset[str], narrow: frozenset[str]) -> bool:
    return all(t in wide or (t == 'integer' and 'number' in wide) for t in narrow)


def nested_level(level: str) -> str:
    return {'request-body': 'request-property', 'response-body': 'response-property'}.get(
        level, level)


def value_places(doc: Doc, node: Any, ptr: str
                 ) -> tuple[dict[str, dict[str, tuple[Any, str]]], dict[str, str]]:
    """The accepted values (enum/const) of a body by property path (``''`` the body,
    ``error``, ``items[].kind``), the variants of a ``oneOf``/``anyOf`` merged: every value
    a client may get at that place, whichever variant carries it, with where it is
    declared; and the path of each location holding values. Paths (not locations) key
    them, so one ``error`` field in two variants is one place."""
    out: dict[str, dict[str, tuple[Any, str]]] = {}
    paths: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()

    def walk(node: Any, ptr: str, path: str, depth: int) -> None:
        n = norm(doc, node, ptr)
        if not n.known or depth > 8 or (n.ptr, path) in seen:
            return
        seen.add((n.ptr, path))
        if n.values:
            paths.setdefault(n.ptr, path)
        for k, v in (n.values or {}).items():
            out.setdefault(path, {}).setdefault(k, (v, n.ptr))
        for name, (pnode, pptr) in n.props.items():
            walk(pnode, pptr, f'{path}.{name}' if path else name, depth + 1)
        if n.items:
            walk(*n.items, f'{path}[]', depth + 1)
        for bnode, bptr in n.branches:
            walk(bnode, bptr, path, depth + 1)

    walk(node, ptr, '', 0)
    return out, paths


_ENUM_RULES = ('response-enum-value-added', 'response-enum-value-removed')


class Comparer:
    """Compares schemas of a base and a head document (memoised per location pair)."""

    def __init__(self, base: Doc, head: Doc) -> None:
        self.base = base
        self.head = head
        self.cache: dict[tuple[str, str, str, str], list[Change]] = {}
        self.active: set[tuple[str, str, str, str]] = set()
        self._clean: set[str] = set()
        self._settled: dict[int, tuple[object, bool]] = {}     # by id: (the node, answer)

    @property
    def clean(self) -> set[str]:
        """``#/components/...`` refs identical on both sides (with all they reference)."""
        return self._clean

    @clean.setter
    def clean(self, refs: set[str]) -> None:
        self._clean = refs
        self._settled = {}

    def settled(self, node: object) -> bool:
        """True when ``node`` provably holds no ``$ref`` but to ``clean`` components
        (identical on both sides, with all they reference): a node equal on both sides
        that is settled compares to nothing. Every container's answer is kept (by id;
        the memo holds the node, so its id is never another's): an equal subtree is
        checked once however deep it nests and from however many places it is reached
        (an equal property is checked by ``_properties`` and again by ``schema``, a
        nested ``anyOf`` at every level the comparison descends). Checked at most
        ``_SETTLE_DEPTH`` levels below the node first asked; beyond that (or when a
        node was first reached near that limit) the answer is "not settled", which
        only costs a comparison."""
        if not isinstance(node, (dict, list)):
            return True
        got = self._settled.get(id(node))
        if got is None:
            return self._settle(node, _SETTLE_DEPTH)
        return got[1]

    def _settle(self, node: dict[str, Any] | list[Any], depth: int) -> bool:
        memo = self._settled
        ok = depth > 0
        if ok:
            if node.__class__ is dict or isinstance(node, dict):
                if '$ref' in node:
                    ref = node['$ref']
                    ok = isinstance(ref, str) and ref in self._clean
                values: Any = node.values() if ok else ()
            else:
                values = node
            for v in values:
                t = v.__class__
                if t is str:
                    continue
                if t is dict or t is list or isinstance(v, (dict, list)):
                    got = memo.get(id(v))
                    if got is None:
                        if not self._settle(v, depth - 1):
                            ok = False
                            break
                    elif not got[1]:
                        ok = False
                        break
        memo[id(node)] = (node, ok)
        return ok

    def schema(self, onode: Any, optr: str, nnode: Any, nptr: str, level: str,
               subject: str = '') -> list[Change]:
        if onode == nnode and self.settled(onode):
            return []       # identical, referencing only identical components: no change
        o = norm(self.base, onode, optr)
        n = norm(self.head, nnode, nptr)
        if not o.known or not n.known:
            return []
        key = (o.ptr, n.ptr, level, subject)
        got = self.cache.get(key)
        if got is not None:
            return got
        if key in self.active:
            return []
        self.active.add(key)
        try:
            out = self._compare(o, n, level, subject or self._subject(o, n, level))
        finally:
            self.active.discard(key)
        self.cache[key] = out
        return out

    @staticmethod
    def _subject(o: N, n: N, level: str) -> str:
        name = label(n.ptr) or label(o.ptr)
        if level.endswith('-property'):
            return f'property `{name}`' if name else 'the body'
        return f'`{name}`' if name else 'the schema'

    def _compare(self, o: N, n: N, level: str, subject: str) -> list[Change]:
        single = n if o.branches else o
        if bool(o.branches) != bool(n.branches) and single.props and isinstance(
                single.node, dict) and not {'oneOf', 'anyOf'} & set(single.node):
            return self._object_vs_variants(o, n, level, level.startswith('request'))
        out: list[Change] = []
        req = level.startswith('request')
        add = out.append

        def ch(slug: str, sev: str, msg: str, base: str | None = None,
               head: str | None = None, removal: bool = False, rule: str | None = None) -> None:
            add(Change(rule or f'{level}-{slug}', sev, msg, base or o.ptr, head or n.ptr,
                       removal))

        # -- type -----------------------------------------------------------------
        ot, nt = o.types, n.types
        union = bool(o.branches) != bool(n.branches)   # compared branch by branch below
        if ot != nt and not union:
            old_s = '|'.join(sorted(ot)) if ot else 'any'
            new_s = '|'.join(sorted(nt)) if nt else 'any'
            if nt is None or (ot is not None and _covers(nt, ot)):
                kind = 'widened'
            elif ot is None or _covers(ot, nt):
                kind = 'narrowed'
            else:
                kind = 'changed'
            msg = f'{subject}: type {kind} from {old_s} to {new_s}'
            if kind == 'changed':
                ch('type-changed', 'error', msg)
                return out
            if kind == 'widened':
                ch('type-generalized', 'info' if req else 'error', msg)
            else:
                ch('type-changed' if req else 'type-specialized', 'error' if req else 'info',
                   msg)
        # -- format ---------------------------------------------------------------
        if o.format != n.format:
            msg = f'{subject}: format changed from {o.format or "none"} to {n.format or "none"}'
            if n.format is None:
                # a response losing a format no client knows changes nothing a client reads
                known = o.format in DEFINED_FORMATS
                ch('format-removed', 'warning' if known and not req else 'info',
                   msg if known or req else
                   f'{msg} (`{o.format}` is no format JSON Schema or OpenAPI defines: '
                   'clients ignore it)')
            elif o.format is None:
                ch('format-added', 'error' if req else 'info', msg)
            elif (o.format, n.format) in _FORMAT_WIDENINGS:
                ch('format-changed', 'info' if req else 'error', msg)
            elif {o.format, n.format} <= _UUID_VERSIONS | {'uuid'}:
                ch('format-changed', 'error' if req and n.format != 'uuid' else 'info', msg)
            else:
                ch('format-changed', 'error', msg)
        # -- nullability ----------------------------------------------------------
        # a schema of any type (``{}``, Pydantic's ``Any``) takes null as well
        o_any, n_any = _takes_anything(o), _takes_anything(n)
        o_null, n_null = o.nullable or o_any, n.nullable or n_any
        # a type that became (or stopped being) "any" says it already: null comes with it
        if o_null != n_null and not (ot != nt and not union and (n_any if n_null else o_any)):
            if n_null:
                ch('became-nullable', 'info' if req else 'error',
                   f'{subject} became nullable' + ('' if req else ': clients may now get null'))
            else:
                ch('became-not-nullable', 'error' if req else 'info',
                   f'{subject} is no longer nullable' +
                   (': clients sending null are now rejected' if req else ''))
        # -- accepted values (enum/const) ----------------------------------------
        ov, nv = o.values, n.values
        if ov != nv:
            if ov is None and nv is not None:
                ch('became-enum', 'error' if req else 'info',
                   f'{subject} is now limited to {_fmt_values(list(nv.values()))}')
            elif ov is not None and nv is None:
                if req:
                    ch('enum-removed', 'info', f'{subject} is no longer limited to a value list')
                else:
                    ch('', 'info' if n.extensible else 'error',
                       f'{subject} is no longer limited to {_fmt_values(list(ov.values()))}',
                       rule='response-enum-value-added')
            else:
                assert ov is not None and nv is not None
                removed = [v for k, v in ov.items() if k not in nv]
                added = [v for k, v in nv.items() if k not in ov]
                if removed:
                    ch('enum-value-removed', 'error' if req else 'info',
                       f'{subject}: value(s) {_fmt_values(removed)} removed'
                       + (': clients sending them are rejected' if req else ''),
                       rule=None if req else 'response-enum-value-removed')
                if added:
                    if req:
                        ch('enum-value-added', 'info',
                           f'{subject}: value(s) {_fmt_values(added)} added')
                    else:
                        ch('', 'info' if n.extensible else 'error',
                           f'{subject}: value(s) {_fmt_values(added)} added: clients may '
                           'get values they do not know', rule='response-enum-value-added')
        # -- bounds ---------------------------------------------------------------
        if o.bounds or n.bounds:
            self._bounds(o, n, req, subject, ch)
        # -- pattern --------------------------------------------------------------
        if o.pattern != n.pattern and (o.pattern or n.pattern):
            op_ = o.pattern[0] if o.pattern else None
            np_ = n.pattern[0] if n.pattern else None
            if not same_pattern(op_, np_):
                hp = n.pattern[1] if n.pattern else None
                bp = o.pattern[1] if o.pattern else None
                if not req:
                    ch('', 'info', f'{subject}: pattern changed from {op_!r} to {np_!r}', bp,
                       hp, rule='response-pattern-changed')
                elif op_ is None:
                    ch('', 'error', f'{subject}: pattern {np_!r} added', bp, hp,
                       rule='request-pattern-added')
                elif np_ is None:
                    ch('', 'info', f'{subject}: pattern {op_!r} removed', bp, hp,
                       rule='request-pattern-removed')
                else:
                    ch('', 'warning', f'{subject}: pattern changed from {op_!r} to {np_!r}',
                       bp, hp, rule='request-pattern-changed')
        # -- object ---------------------------------------------------------------
        if o.props or n.props:
            self._properties(o, n, level, req, out)
        if req and n.closed and not o.closed:
            ch('', 'warning', f'{subject} now rejects unknown properties '
               '(additionalProperties: false)', rule='request-additional-properties-closed')
        sub = nested_level(level)
        if o.items and n.items:
            out.extend(self.schema(*o.items, *n.items, sub))
        if o.additional and n.additional:
            out.extend(self.schema(*o.additional, *n.additional, sub))
        # -- unions ---------------------------------------------------------------
        if o.branches or n.branches:
            self._branches(o, n, level, req, subject, out)
        return out

    def error_body(self, changes: list[Change], onode: Any, optr: str, nnode: Any,
                   nptr: str, subject: str) -> list[Change]:
        """The value changes of an error response body (4xx, 5xx, ``default``) judged as
        a whole, per property path, variants merged: a client must already handle an error
        it does not recognise (as a failure of a request that failed anyway), so an error
        kind added while the others are kept is context; a kind removed while another is
        added at the same place is a rename, which breaks the clients matching the old kind
        (one finding naming both); a kind only removed is reported as before. Comparing
        variant by variant (an object that became ``A | B``) pairs an old kind with a new
        one that does not replace it: the whole body says whether the old kind is gone."""
        if not changes:
            return changes
        old, old_paths = value_places(self.base, onode, optr)
        new, new_paths = value_places(self.head, nnode, nptr)
        if not old and not new:
            return changes

        def diff(path: str) -> tuple[list[Any], list[Any]]:
            ov, nv = old.get(path, {}), new.get(path, {})
            return ([v for k, (v, _) in ov.items() if k not in nv],
                    [v for k, (v, _) in nv.items() if k not in ov])

        def where(path: str) -> str:
            return f'{subject}: ' + (f'property `{path}`' if path else 'the body')

        def renamed(path: str) -> Change:
            removed, added = diff(path)
            return Change('response-enum-value-added', 'error',
                          f'{where(path)}: {_fmt_values(removed)} replaced by '
                          f'{_fmt_values(added)}: clients matching the old value no longer '
                          'recognise this error', old[path][_vkey(removed[0])][1],
                          new[path][_vkey(added[0])][1])

        renames = [p for p in sorted(old.keys() | new.keys()) if all(diff(p))]
        out: list[Change] = []
        done: set[str] = set()
        for c in changes:
            path = (new_paths.get(c.head_ptr or '') if c.rule == 'response-enum-value-added'
                    else old_paths.get(c.base_ptr or ''))
            if c.rule not in _ENUM_RULES or path is None:
                out.append(c)
                continue
            removed, added = diff(path)
            if path in done:
                continue
            if path in renames:
                done.add(path)
                out.append(renamed(path))
            elif added and c.rule == 'response-enum-value-added':
                done.add(path)
                out.append(Change(
                    c.rule, 'info',
                    f'{where(path)}: {_fmt_values(added)} added to an error response (the '
                    'other values kept): clients handle an error they do not recognise as '
                    'the failure it already was', c.base_ptr, new[path][_vkey(added[0])][1]))
            elif removed and c.rule == 'response-enum-value-removed':
                out.append(c)
            # else: a value paired with another variant's, both kept: no change
        # a rename made by swapping variants (``anyOf`` branches) has no value change of
        # its own: the branch changes say it only as context
        out += [renamed(p) for p in renames if p not in done]
        return out

    def _bounds(self, o: N, n: N, req: bool, subject: str,
                ch: Callable[[str, str, str, str | None, str | None], None]) -> None:
        for upper, group in ((True, UPPER), (False, LOWER)):
            for kw, slug in group:
                ob, nb = o.bounds.get(kw), n.bounds.get(kw)
                ov = ob[0] if ob else None
                nv = nb[0] if nb else None
                if ov == nv:
                    continue
                if nv is None:
                    what, narrowed = 'unset', False
                elif ov is None:
                    what, narrowed = 'set', True
                else:
                    what = 'decreased' if nv < ov else 'increased'
                    narrowed = (nv < ov) if upper else (nv > ov)
                msg = f'{subject}: {kw} changed from {ov} to {nv}'
                if kw == 'minLength' and what == 'set':
                    what = 'increased'          # an absent minLength is 0
                if req and narrowed and nv is not None and (_implied(o, upper, kw, nv)
                                                            or _storage_limit(nv)):
                    # no value accepted before is rejected now: the new bound is implied by
                    # another one, or is the integer type's own limit (Int32 / Int64)
                    narrowed = False
                    msg += ' (no value accepted before is rejected)'
                if req:
                    sev = ('warning' if what == 'set' else 'error') if narrowed else 'info'
                else:
                    sev = 'info' if narrowed else 'error'
                ch(f'{slug}-{what}', sev, msg, ob[1] if ob else None, nb[1] if nb else None)

    def _properties(self, o: N, n: N, level: str, req: bool, out: list[Change]) -> None:
        sub = nested_level(level)
        for name in list(o.props) + [p for p in n.props if p not in o.props]:
            ohave, nhave = o.props.get(name), n.props.get(name)
            if ohave and nhave:
                oreq, nreq = name in o.required, name in n.required
                if oreq == nreq and ohave[0] == nhave[0] and self.settled(ohave[0]):
                    continue        # identical, settled (``settled``), same requiredness
                pn = norm(self.head, *nhave)
                if (req and pn.read_only) or (not req and pn.write_only):
                    continue
                out.extend(self.schema(*ohave, *nhave, sub))
                if pn.deprecated and not norm(self.base, *ohave).deprecated:
                    where = 'request' if req else 'response'
                    out.append(Change(f'{where}-property-deprecated', 'info',
                                      f'{where} property `{label(nhave[1]) or name}` '
                                      'deprecated', ohave[1], nhave[1]))
                if oreq == nreq:
                    continue
            # Name the property by its own location (its root cause), not by the path
            # that reached it: a shared component reads the same from every operation.
            hl = label(nhave[1]) if nhave else ''
            bl = label(ohave[1]) if ohave else ''
            hl = hl or '.'.join(x for x in (label(n.ptr), name) if x)
            bl = bl or '.'.join(x for x in (label(o.ptr), name) if x)
            if not nhave:
                hl = bl
            if ohave and nhave:
                if req:
                    if nreq:
                        out.append(Change('request-property-became-required', 'error',
                                          f'request property `{hl}` became required',
                                          ohave[1], n.required_ptr or nhave[1]))
                    else:
                        out.append(Change('request-property-became-optional', 'info',
                                          f'request property `{hl}` became optional',
                                          ohave[1], nhave[1]))
                elif nreq:
                    out.append(Change('response-property-became-required', 'info',
                                      f'response property `{hl}` became required',
                                      ohave[1], n.required_ptr or nhave[1]))
                else:
                    out.append(Change('response-property-became-optional', 'error',
                                      f'response property `{hl}` became optional: clients '
                                      'may no longer get it', ohave[1], nhave[1]))
            elif ohave:
                pb = norm(self.base, *ohave)
                if (req and pb.read_only) or (not req and pb.write_only):
                    continue
                if req:
                    # a model that forbids unknown properties rejects the request of a
                    # client still sending it; any other drops the value (a hazard)
                    out.append(Change('request-property-removed',
                                      'error' if n.closed else 'warning',
                                      f'request property `{bl}` removed: clients still '
                                      'sending it ' + (
                                          'are rejected (unknown properties are forbidden)'
                                          if n.closed else 'have it ignored, or rejected by '
                                          'a server that forbids unknown properties'),
                                      ohave[1], n.ptr, removal=True))
                else:
                    was_req = name in o.required
                    out.append(Change(
                        'response-property-removed', 'error' if was_req else 'warning',
                        f'response property `{bl}` removed'
                        + ('' if was_req else ' (it was optional)'),
                        ohave[1], n.ptr, removal=True))
            else:
                assert nhave is not None
                pn = norm(self.head, *nhave)
                if (req and pn.read_only) or (not req and pn.write_only):
                    continue
                if req:
                    if name in n.required:
                        out.append(Change('new-required-request-property', 'error',
                                          f'new required request property `{hl}`: existing '
                                          'clients do not send it', o.ptr, nhave[1]))
                    else:
                        out.append(Change('new-optional-request-property', 'info',
                                          f'new optional request property `{hl}`', o.ptr,
                                          nhave[1]))
                else:
                    out.append(Change('response-property-added', 'info',
                                      f'response property `{hl}` added', o.ptr, nhave[1]))

    def _branch_key(self, doc: Doc, node: Any, ptr: str, i: int) -> str:
        s = norm(doc, node, ptr)
        if s.name:
            return 'ref:' + s.name
        for pname, pv in s.props.items():
            ps = norm(doc, *pv)
            if ps.values and len(ps.values) == 1:
                return f'tag:{pname}={next(iter(ps.values))}'
        if s.types and len(s.types) == 1 and not s.props:
            return 'type:' + next(iter(s.types))
        return f'idx:{i}'

    def _object_vs_variants(self, o: N, n: N, level: str, req: bool) -> list[Change]:
        """An object that became a ``oneOf``/``anyOf`` of variants (or the reverse). What
        a client sees is one variant at a time: a response breaks when some variant a
        client may get breaks it, a request when no variant takes what it sent (and the
        other way round when variants merge into one object)."""
        single, variants = (o, n.branches) if n.branches else (n, o.branches)
        per_branch = []
        for b in variants:
            if single is o:
                per_branch.append(self.schema(o.node, o.ptr, b[0], b[1], level))
            else:
                per_branch.append(self.schema(b[0], b[1], n.node, n.ptr, level))
        every = (single is o) != req        # object->variants response, variants->object request
        if every:
            seen: dict[tuple[str, str, str | None, str | None], Change] = {}
            for changes in per_branch:
                for c in changes:
                    seen.setdefault((c.rule, c.message, c.base_ptr, c.head_ptr), c)
            return list(seen.values())
        return min(per_branch, key=lambda cs: (sum(c.severity == 'error' for c in cs),
                                               sum(c.severity == 'warning' for c in cs), len(cs)))

    def _branches(self, o: N, n: N, level: str, req: bool, subject: str,
                  out: list[Change]) -> None:
        obr = o.branches or [(o.node, o.ptr)]
        nbr = n.branches or [(n.node, n.ptr)]
        ob = {self._branch_key(self.base, b[0], b[1], i): b for i, b in enumerate(obr)}
        nb = {self._branch_key(self.head, b[0], b[1], i): b for i, b in enumerate(nbr)}
        kind_name = n.branch_kind or o.branch_kind
        kind = 'one-of' if kind_name == 'oneOf' else 'any-of'
        if not o.branches or not n.branches:
            single = n if not n.branches else o
            if single.branches == [] and len(ob if single is o else nb) == 1:
                key = next(iter(ob if single is o else nb))
                if key.startswith('idx:'):      # an inline schema: pair it with branch 0
                    other = nb if single is o else ob
                    first = next(iter(other))
                    if single is o:
                        ob = {first: ob[key]}
                    else:
                        nb = {first: nb[key]}
        for k, b in ob.items():
            if k in nb:
                out.extend(self.schema(*b, *nb[k], level))
            else:
                what = k.split(':', 1)[1]
                out.append(Change(f'{level}-{kind}-removed', 'error' if req else 'info',
                                  f'{subject}: {kind_name} branch {what} removed',
                                  b[1], n.ptr, removal=True))
        for k, b in nb.items():
            if k not in ob:
                what = k.split(':', 1)[1]
                sev = 'info' if req or kind == 'any-of' else 'error'
                out.append(Change(f'{level}-{kind}-added', sev,
                                  f'{subject}: {kind_name} branch {what} added', o.ptr,
                                  b[1]))
