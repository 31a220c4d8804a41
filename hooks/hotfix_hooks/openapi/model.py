"""Operations of an OpenAPI 2.0 / 3.0 / 3.1 document in one shape.

Each ``Op`` knows its parameters (path-level merged with operation-level; path parameters
keyed by position so ``/items/{id}`` and ``/items/{item_id}`` line up), its request body
per media type (2.0 ``body``/``formData`` parameters become one), its responses per status
with media types and headers, and its effective security requirements.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable

from hotfix_hooks.fastclass import dataclass
from hotfix_hooks.fastclass import field
from hotfix_hooks.openapi.loader import escape
from hotfix_hooks.openapi.schema import Doc

TYPE_CHECKING = False  # typing is not imported at run time
if TYPE_CHECKING:
    from typing import Any

METHODS = ('get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace')
_PARAM_RE = re.compile(r'\{[^}]*\}')


def normalize_path(path: str) -> str:
    """``/items/{item_id}`` -> ``/items/{}``; no trailing slash."""
    out = _PARAM_RE.sub('{}', path)
    if len(out) > 1:
        out = out.rstrip('/')
    return out or '/'


@dataclass
class Param:
    name: str
    where: str                    # path | query | header | cookie
    required: bool
    schema: tuple[Any, str] | None
    ptr: str
    deprecated: bool = False

    # written out (``fastclass`` keeps a class's own ``__init__``): thousands per drift at a
    # third of the generic one's cost (tests/openapi/test_model_init.py checks that it
    # lists the declared fields in order with their defaults)
    def __init__(self, name: str, where: str, required: bool, schema: tuple[Any, str] | None,
                 ptr: str, deprecated: bool = False) -> None:
        self.name = name
        self.where = where
        self.required = required
        self.schema = schema
        self.ptr = ptr
        self.deprecated = deprecated


@dataclass
class Body:
    required: bool
    content: dict[str, tuple[Any, str] | None]      # media type -> schema (node, ptr)
    ptr: str

    def __init__(self, required: bool, content: dict[str, tuple[Any, str] | None],
                 ptr: str) -> None:        # written out, as ``Param``'s
        self.required = required
        self.content = content
        self.ptr = ptr


@dataclass
class Response:
    ptr: str
    content: dict[str, tuple[Any, str] | None]
    # lower-case header name -> (required, schema, pointer)
    headers: dict[str, tuple[bool, tuple[Any, str] | None, str]]

    def __init__(self, ptr: str, content: dict[str, tuple[Any, str] | None],
                 headers: dict[str, tuple[bool, tuple[Any, str] | None, str]]
                 ) -> None:        # written out, as ``Param``'s
        self.ptr = ptr
        self.content = content
        self.headers = headers


@dataclass
class Op:
    """One operation. Its parameters, request body and responses are read from the
    document on first use (``details``): the comparison skips the operations of a path item
    that is the same on both sides without reading them."""

    method: str                   # GET
    path: str                     # as written
    ptr: str                      # /paths/~1items~1{id}/get
    security: list[dict[str, list[str]]] | None
    security_ptr: str
    deprecated: bool = False
    sunset: object = None          # x-sunset as written (a date, or a string)
    operation_id: str | None = None
    frozen: bool = False          # x-frozen: true on the operation or its path item
    # () -> (params, body, responses), called once
    details: Callable[[], tuple[dict[tuple[str, str], Param], Body | None,
                                dict[str, Response]]] | None = field(
        default=None, repr=False, compare=False)

    def __init__(self, method: str, path: str, ptr: str,
                 security: list[dict[str, list[str]]] | None, security_ptr: str,
                 deprecated: bool = False, sunset: object = None,
                 operation_id: str | None = None, frozen: bool = False,
                 details: Callable[[], tuple[dict[tuple[str, str], Param], Body | None,
                                             dict[str, Response]]] | None = None
                 ) -> None:        # written out, as ``Param``'s
        self.method = method
        self.path = path
        self.ptr = ptr
        self.security = security
        self.security_ptr = security_ptr
        self.deprecated = deprecated
        self.sunset = sunset
        self.operation_id = operation_id
        self.frozen = frozen
        self.details = details

    def _details(self) -> tuple[dict[tuple[str, str], Param], Body | None,
                                dict[str, Response]]:
        got = self.__dict__.get('_got')
        if got is None:
            got = self.__dict__['_got'] = self.details() if self.details else ({}, None, {})
        return got

    @property
    def params(self) -> dict[tuple[str, str], Param]:
        return self._details()[0]

    @property
    def body(self) -> Body | None:
        return self._details()[1]

    @property
    def responses(self) -> dict[str, Response]:
        return self._details()[2]

    @property
    def label(self) -> str:
        return f'{self.method} {self.path}'

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, normalize_path(self.path))


def operations(doc: Doc) -> dict[tuple[str, str], Op]:
    data = doc.data
    swagger = 'swagger' in data
    out: dict[tuple[str, str], Op] = {}
    paths = data.get('paths')
    if not isinstance(paths, dict):
        return out
    g_consumes = data.get('consumes') if isinstance(data.get('consumes'), list) else None
    g_produces = data.get('produces') if isinstance(data.get('produces'), list) else None
    g_security = data.get('security') if isinstance(data.get('security'), list) else None
    for path, item_raw in paths.items():
        path = str(path)
        item_ptr = '/paths/' + escape(path)
        item, item_ptr = doc.deref(item_raw, item_ptr)
        if not isinstance(item, dict):
            continue
        common: list[dict[tuple[str, str], Param]] = []      # the path item's, read once
        for method in METHODS:
            node = item.get(method)
            if not isinstance(node, dict):
                continue
            ptr = f'{item_ptr}/{method}'
            sec = node.get('security') if isinstance(node.get('security'), list) else g_security
            sec_ptr = ptr + '/security' if 'security' in node else '/security'
            op = Op(method=method.upper(), path=path, ptr=ptr, security=sec,
                    security_ptr=sec_ptr, deprecated=node.get('deprecated') is True,
                    sunset=node.get('x-sunset'),
                    frozen=node.get('x-frozen') is True or item.get('x-frozen') is True,
                    operation_id=node.get('operationId') if isinstance(
                        node.get('operationId'), str) else None,
                    details=functools.partial(
                        _details, doc, path, item, item_ptr, common, node, ptr, swagger,
                        g_consumes, g_produces))
            out.setdefault(op.key, op)
    return out


def _details(doc: Doc, path: str, item: dict[str, Any], item_ptr: str,
             common: list[dict[tuple[str, str], Param]], node: dict[str, Any], ptr: str,
             swagger: bool, g_consumes: list[Any] | None, g_produces: list[Any] | None
             ) -> tuple[dict[tuple[str, str], Param], Body | None, dict[str, Response]]:
    """An operation's parameters (the path item's merged in), request body and responses."""
    if not common:
        common.append(_params(doc, item.get('parameters'), item_ptr + '/parameters'))
    params = dict(common[0])
    params.update(_params(doc, node.get('parameters'), ptr + '/parameters'))
    body = None
    if swagger:
        consumes = node.get('consumes') if isinstance(node.get('consumes'), list) \
            else g_consumes
        body, params = _swagger_body(params, consumes, ptr)
    elif 'requestBody' in node:
        rb, rb_ptr = doc.deref(node['requestBody'], ptr + '/requestBody')
        if isinstance(rb, dict):
            body = Body(rb.get('required') is True, _content(rb, rb_ptr), rb_ptr)
    produces = node.get('produces') if isinstance(node.get('produces'), list) \
        else g_produces
    responses = _responses(doc, node.get('responses'), ptr + '/responses', swagger,
                           produces)
    return _key_params(path, params), body, responses


def _params(doc: Doc, raw: Any, ptr: str) -> dict[tuple[str, str], Param]:
    out: dict[tuple[str, str], Param] = {}
    if not isinstance(raw, list):
        return out
    for i, p_raw in enumerate(raw):
        p, p_ptr = doc.deref(p_raw, f'{ptr}/{i}')
        if not isinstance(p, dict) or not isinstance(p.get('name'), str):
            continue
        where = str(p.get('in', 'query'))
        schema: tuple[Any, str] | None
        if isinstance(p.get('schema'), dict):
            schema = (p['schema'], p_ptr + '/schema')
        elif isinstance(p.get('content'), dict) and p['content']:
            media, mt = next(iter(p['content'].items()))
            schema = (mt.get('schema'), f'{p_ptr}/content/{escape(str(media))}/schema') \
                if isinstance(mt, dict) and isinstance(mt.get('schema'), dict) else None
        elif where in ('body',):
            schema = None
        else:
            schema = (p, p_ptr)           # OpenAPI 2.0: the parameter is its own schema
        name = p['name']
        out[(where, name.lower() if where == 'header' else name)] = Param(
            name=name, where=where, required=p.get('required') is True or where == 'path',
            schema=schema, ptr=p_ptr, deprecated=p.get('deprecated') is True)
        if where == 'body' and isinstance(p.get('schema'), dict):
            out[(where, name)].schema = (p['schema'], p_ptr + '/schema')
    return out


def _key_params(path: str, params: dict[tuple[str, str], Param]
                ) -> dict[tuple[str, str], Param]:
    """Path parameters keyed by their position in the template, the rest by name."""
    order = [m.group(0)[1:-1] for m in _PARAM_RE.finditer(path)]
    out: dict[tuple[str, str], Param] = {}
    for (where, name), p in params.items():
        if where == 'path':
            pos = order.index(name) if name in order else len(order) + len(out)
            out[('path', str(pos))] = p
        else:
            out[(where, name)] = p
    return out


def _swagger_body(params: dict[tuple[str, str], Param], consumes: list[Any] | None,
                  ptr: str) -> tuple[Body | None, dict[tuple[str, str], Param]]:
    body_params = [p for p in params.values() if p.where == 'body']
    form = [p for p in params.values() if p.where == 'formData']
    rest = {k: v for k, v in params.items() if v.where not in ('body', 'formData')}
    media = [str(m) for m in consumes] if consumes else None
    if body_params:
        p = body_params[0]
        content: dict[str, tuple[Any, str] | None] = dict.fromkeys(
            media or ['application/json'], p.schema)
        return Body(p.required, content, p.ptr), rest
    if form:
        props = {p.name: p.schema[0] if p.schema else {} for p in form}
        schema = {'type': 'object', 'properties': props,
                  'required': [p.name for p in form if p.required]}
        sptr = ptr + '/parameters'      # synthetic: the form parameters as one object
        media = media or ['application/x-www-form-urlencoded']
        return Body(any(p.required for p in form), dict.fromkeys(media, (schema, sptr)),
                    ptr + '/parameters'), rest
    return None, rest


def _content(node: dict[str, Any], ptr: str) -> dict[str, tuple[Any, str] | None]:
    out: dict[str, tuple[Any, str] | None] = {}
    content = node.get('content')
    if not isinstance(content, dict):
        return out
    for media, mt in content.items():
        mptr = f'{ptr}/content/{escape(str(media))}'
        if isinstance(mt, dict) and isinstance(mt.get('schema'), (dict, bool)):
            out[str(media)] = (mt['schema'], mptr + '/schema')
        else:
            out[str(media)] = None
    return out


def _responses(doc: Doc, raw: Any, ptr: str, swagger: bool, produces: list[Any] | None
               ) -> dict[str, Response]:
    out: dict[str, Response] = {}
    if not isinstance(raw, dict):
        return out
    for status, r_raw in raw.items():
        status = str(status)
        r, r_ptr = doc.deref(r_raw, f'{ptr}/{escape(status)}')
        if not isinstance(r, dict):
            continue
        if swagger:
            content: dict[str, tuple[Any, str] | None] = {}
            if isinstance(r.get('schema'), dict):
                for m in (produces or ['application/json']):
                    content[str(m)] = (r['schema'], r_ptr + '/schema')
        else:
            content = _content(r, r_ptr)
        headers: dict[str, tuple[bool, tuple[Any, str] | None, str]] = {}
        if isinstance(r.get('headers'), dict):
            for name, h_raw in r['headers'].items():
                h, h_ptr = doc.deref(h_raw, f'{r_ptr}/headers/{escape(str(name))}')
                if not isinstance(h, dict):
                    continue
                schema = (h['schema'], h_ptr + '/schema') if isinstance(
                    h.get('schema'), dict) else ((h, h_ptr) if swagger else None)
                headers[str(name).lower()] = (h.get('required') is True, schema, h_ptr)
        out[status] = Response(r_ptr, content, headers)
    return out
