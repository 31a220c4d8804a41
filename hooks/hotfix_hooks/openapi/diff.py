"""Direction-aware comparison of two OpenAPI documents, grouped by root cause.

``diff_specs(base, head)`` returns ``Finding``s (category ``contract``). Every finding
names the operation(s) it affects (``extra['operation']``, ``extra['affected']``), the
JSON pointer of the place (``extra['pointer']``) and the line in the head spec (or in the
base spec for removals: ``extra['side'] == 'base'``). A change inside a shared component
is one finding listing every affected operation.
"""
from __future__ import annotations

import re

from hotfix_hooks.findings import Finding
from hotfix_hooks.openapi.loader import escape
from hotfix_hooks.openapi.loader import is_missing
from hotfix_hooks.openapi.loader import lookup
from hotfix_hooks.openapi.loader import unescape
from hotfix_hooks.openapi.model import Op
from hotfix_hooks.openapi.model import operations
from hotfix_hooks.openapi.model import Param
from hotfix_hooks.openapi.schema import _ref_free
from hotfix_hooks.openapi.schema import Change
from hotfix_hooks.openapi.schema import Comparer
from hotfix_hooks.openapi.schema import component_name
from hotfix_hooks.openapi.schema import Doc
from hotfix_hooks.openapi.schema import norm

TYPE_CHECKING = False  # typing is not imported at run time
if TYPE_CHECKING:
    import datetime as _dt  # imported when a removal needs the date (2 ms of a run)
    from typing import Any
    from typing import Protocol

HINTS: dict[str, str] = {
    'api-path-removed': 'keep the path (mark it deprecated with an x-sunset date first) or '
                        'ship the removal in a versioned release, not a hotfix',
    'api-operation-removed': 'keep the operation; deprecate it (deprecated: true, x-sunset) '
                             'before removing it',
    'api-operation-removed-before-sunset': 'keep the operation until its x-sunset date',
    'api-operation-added': 'new operations are additive; nothing to fix',
    'request-parameter-removed': 'keep accepting the parameter (ignore it if unused) so '
                                 'existing clients keep working',
    'new-required-request-parameter': 'make the new parameter optional with a default',
    'request-parameter-became-required': 'keep the parameter optional (give it a default)',
    'request-parameter-default-value-changed': 'keep the old default: clients that omit '
                                               'the parameter rely on it',
    'new-required-request-body': 'make the request body optional',
    'request-body-became-required': 'keep the request body optional',
    'request-body-removed': 'keep accepting the request body',
    'request-media-type-removed': 'keep accepting the media type',
    'response-media-type-removed': 'keep producing the media type',
    'response-success-status-removed': 'keep returning the success status clients expect',
    'response-body-schema-removed': 'keep documenting the response schema',
    'response-header-removed': 'keep sending the response header',
    'response-header-became-optional': 'keep the response header required',
    'new-required-request-property': 'make the new property optional (give it a default)',
    'request-property-became-required': 'keep the property optional (give it a default)',
    'response-property-removed': 'keep returning the property (deprecate it first)',
    'response-property-became-optional': 'keep the property required in the response '
                                         'model (pydantic: no Optional, no default)',
    'response-enum-value-added': 'do not add values to a response enum in a hotfix '
                                 '(or mark it x-extensible-enum)',
    'request-pattern-added': 'do not add a pattern to an existing request field',
    'request-pattern-changed': 'make sure the new pattern accepts every value the old one did',
    'request-additional-properties-closed': 'keep accepting unknown properties',
    'security-requirement-added': 'do not add authentication to an existing operation in '
                                  'a hotfix; clients without credentials break',
    'security-scope-added': 'do not require new scopes from existing clients',
    'openapi-unparseable': 'fix the JSON/YAML syntax at the reported line',
    'openapi-ref-unresolved': 'point the $ref at an existing component or add the component',
    'openapi-duplicate-operation-id': 'give every operation a unique operationId',
    'api-base-path-changed': 'keep serving the API under its old base path (add the new one '
                             'next to it)',
    'frozen-endpoint-changed': 'frozen endpoints must not change at all: revert the change '
                               'to this endpoint',
}


def hint_for(rule: str, severity: str) -> str:
    if rule in HINTS:
        return HINTS[rule]
    if severity == 'info':
        return 'additive or compatible change; nothing to fix'
    if rule.startswith('request-'):
        return ('keep the request accepting everything it accepted before (widen, do not '
                'narrow)')
    if rule.startswith('response-'):
        return 'keep the response within what clients got before (narrow, do not widen)'
    return 'revert the incompatible part of the change'


class _Hit:
    """A change attributed to one operation (before grouping)."""

    __slots__ = ('change', 'op')

    def __init__(self, change: Change, op: str) -> None:
        self.change = change
        self.op = op


class _Collector:
    def __init__(self) -> None:
        self.hits: list[_Hit] = []

    def add(self, change: Change, op: str) -> None:
        self.hits.append(_Hit(change, op))

    def extend(self, changes: list[Change], op: str) -> None:
        for c in changes:
            self.hits.append(_Hit(c, op))


if TYPE_CHECKING:
    class SpecLike(Protocol):
        """What the comparison reads of a document: a parsed file (``loader.Spec``) or the
        contract built from route code (``fromcode.CodeSpec``)."""

        @property
        def path(self) -> str: ...

        @property
        def text(self) -> str: ...

        @property
        def data(self) -> dict[str, Any]: ...

        def line(self, pointer: str | None) -> int | None: ...


Operations = dict[tuple[str, str], Op]


def _today() -> _dt.date:
    import datetime as _dt

    return _dt.datetime.now(_dt.timezone.utc).date()


def _sunset(value: object) -> _dt.date | None:
    import datetime as _dt

    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        m = re.match(r'(\d{4})-(\d{2})-(\d{2})', value)
        if m:
            try:
                return _dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
    return None


def diff_specs(base: SpecLike | None, head: SpecLike | None, *, today: _dt.date | None = None,
               ops_out: dict[str, Operations] | None = None) -> list[Finding]:
    """Compare two documents (``None`` = absent) and return grouped findings."""
    try:
        return _diff_specs(base, head, today=today, ops_out=ops_out)
    except RecursionError:
        spec = head or base
        return [Finding(
            rule='openapi-too-deep', category='contract', severity='warning',
            path=spec.path if spec else None,
            message='the schemas nest too deeply to be compared; the contract was not checked',
            hint='flatten the schema with $ref components (a few hundred nesting levels '
                 'is beyond what any client handles)')]


def _diff_specs(base: SpecLike | None, head: SpecLike | None, *, today: _dt.date | None,
                ops_out: dict[str, Operations] | None) -> list[Finding]:
    bdoc = Doc(base.data if base else {})
    hdoc = Doc(head.data if head else {})
    bops = operations(bdoc)
    hops = operations(hdoc)
    if ops_out is not None:
        ops_out['base'], ops_out['head'] = bops, hops
    col = _Collector()
    cmp = Comparer(bdoc, hdoc)
    clean = _clean_components(bdoc.data, hdoc.data)
    cmp.clean = clean
    same_globals = all(bdoc.data.get(k) == hdoc.data.get(k)
                       for k in ('security', 'consumes', 'produces'))
    head_paths = {k[1] for k in hops}
    same_items: dict[str, bool] = {}
    removed_by_path: dict[str, list[Op]] = {}
    for key, o in bops.items():
        n = hops.get(key)
        if n is None:
            if key[1] in head_paths:
                _removed_op(col, o, today)
            else:
                removed_by_path.setdefault(key[1], []).append(o)
            continue
        if same_globals and _unchanged(bdoc.data, hdoc.data, o, n, clean, same_items):
            continue
        _compare_op(col, cmp, o, n)
    for ops in removed_by_path.values():
        _removed_path(col, ops, today)
    for key, n in hops.items():
        if key not in bops:
            col.add(Change('api-operation-added', 'info', f'new operation {n.label}', None,
                           n.ptr), n.label)
    _compare_servers(col, bdoc.data, hdoc.data, bops)
    findings = _group(col.hits, base, head)
    if head is not None:
        findings.extend(validate(head, hdoc, hops))
    return findings


_SECTIONS_3 = ('schemas', 'parameters', 'responses', 'requestBodies', 'headers',
               'securitySchemes', 'pathItems')
_SECTIONS_2 = ('definitions', 'parameters', 'responses')


def _components(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    comps = data.get('components')
    if isinstance(comps, dict):
        for sec in _SECTIONS_3:
            items = comps.get(sec)
            if isinstance(items, dict):
                for name, node in items.items():
                    out[f'#/components/{sec}/{escape(str(name))}'] = node
    for sec in _SECTIONS_2:
        items = data.get(sec)
        if isinstance(items, dict):
            for name, node in items.items():
                out[f'#/{sec}/{escape(str(name))}'] = node
    return out


def _refs_in(node: object) -> set[str]:
    """The ``$ref`` values under ``node`` (every ``$ref`` key with a string value), found
    by a walk of its containers: cheaper than serialising it and searching the text, and
    the values exactly as written (a pattern over the text cut a ref at a space and read
    escaped characters as written in the text)."""
    out: set[str] = set()
    stack = [node] if isinstance(node, (dict, list)) else []
    pop, push, add = stack.pop, stack.append, out.add
    while stack:
        n = pop()
        if n.__class__ is dict or isinstance(n, dict):
            ref = n.get('$ref')
            if ref is not None and isinstance(ref, str):
                add(ref)
            values: Any = n.values()
        else:                   # only containers are pushed
            values = n
        for v in values:
            # the exact types first: most values are strings, skipped at once (a third
            # faster than ``isinstance`` with a tuple on every value of a 2.7 MB spec)
            t = v.__class__
            if t is str:
                continue
            if t is dict or t is list or isinstance(v, (dict, list)):
                push(v)
    return out


def _clean_components(bdata: dict[str, Any], hdata: dict[str, Any]) -> set[str]:
    """Refs (``#/components/...``) whose target is identical on both sides, including
    everything it references: comparing them can only find nothing."""
    bc, hc = _components(bdata), _components(hdata)
    dirty = {k for k in set(bc) | set(hc) if bc.get(k, _ABSENT) != hc.get(k, _ABSENT)}
    users: dict[str, set[str]] = {}
    for k, node in hc.items():
        if k in dirty:
            continue
        for r in _refs_in(node):
            # a ref into a component (``#/components/schemas/Item/properties/status``)
            # depends on that component; one to anything else (``#/paths/..``, an
            # extension, another file) is not known to be unchanged
            target = _component_of(r, hc)
            if target is None:
                dirty.add(k)
                break
            users.setdefault(target, set()).add(k)
    todo = list(dirty)
    while todo:
        k = todo.pop()
        for u in users.get(k, ()):
            if u not in dirty:
                dirty.add(u)
                todo.append(u)
    return {k for k in hc if k not in dirty}


_ABSENT = object()


def _component_of(ref: str, comps: dict[str, Any]) -> str | None:
    """The key (in ``comps``, see ``_components``) of the component ``ref`` points at or
    into; ``None`` when it points elsewhere or at nothing known."""
    if ref in comps:
        return ref
    parts = ref.split('/')
    for n in (4, 3):        # #/components/<section>/<name>, #/<section>/<name> (Swagger 2)
        if len(parts) > n:
            key = '/'.join(parts[:n])
            if key in comps:
                return key
    return None


def _unchanged(bdata: dict[str, Any], hdata: dict[str, Any], o: Op, n: Op,
               clean: set[str], memo: dict[str, bool] | None = None) -> bool:
    """The operation's path item is identical and only references clean components
    (``memo``: the answer per path, shared by the operations of one path item)."""
    if o.path != n.path:
        return False
    if memo is not None and n.path in memo:
        return memo[n.path]
    bitem = (bdata.get('paths') or {}).get(o.path)
    hitem = (hdata.get('paths') or {}).get(n.path)
    same = bitem == hitem and all(r in clean for r in _refs_in(hitem))
    if memo is not None:
        memo[n.path] = same
    return same


def _server_paths(data: dict[str, Any]) -> set[str] | None:
    """The path prefixes the API is served under (``None`` when not declared)."""
    if 'swagger' in data:
        bp = data.get('basePath')
        return {str(bp).rstrip('/') or '/'} if isinstance(bp, str) else None
    servers = data.get('servers')
    if not isinstance(servers, list) or not servers:
        return None
    out = set()
    for s in servers:
        url = s.get('url') if isinstance(s, dict) else None
        if isinstance(url, str):
            path = re.sub(r'^[a-zA-Z][\w+.-]*://[^/]*', '', url)
            out.add(path.rstrip('/') or '/')
    return out or None


def _compare_servers(col: _Collector, bdata: dict[str, Any], hdata: dict[str, Any],
                     bops: dict[tuple[str, str], Op]) -> None:
    old, new = _server_paths(bdata), _server_paths(hdata)
    if old is None or new is None or old <= new:
        return
    gone = ', '.join(sorted(old - new))
    ptr = '/basePath' if 'swagger' in hdata else '/servers'
    change = Change('api-base-path-changed', 'error',
                    f'the API is no longer served under {gone} (now: '
                    f'{", ".join(sorted(new))}): every operation moves', ptr, ptr)
    for o in bops.values():
        col.add(change, o.label)


def _removed_op(col: _Collector, o: Op, today: _dt.date | None) -> None:
    rule, sev, why = _removal_severity('api-operation-removed', o, today)
    col.add(Change(rule, sev, f'operation {o.label} removed{why}', o.ptr, None, True), o.label)


def _removed_path(col: _Collector, ops: list[Op], today: _dt.date | None) -> None:
    worst = ('api-path-removed', 'warning', '')
    for o in ops:
        rule, sev, why = _removal_severity('api-path-removed', o, today)
        if sev == 'error':
            worst = (rule, sev, why)
            break
        worst = (rule, sev, why)
    rule, sev, why = worst
    ptr = ops[0].ptr.rsplit('/', 1)[0]
    methods = ', '.join(o.method for o in ops)
    change = Change(rule, sev, f'path {ops[0].path} removed ({methods}){why}', ptr, None, True)
    for o in ops:
        col.add(change, o.label)


def _removal_severity(rule: str, o: Op, today: _dt.date | None) -> tuple[str, str, str]:
    """``today``: ``None`` for the current date (UTC)."""
    if not o.deprecated:
        return rule, 'error', ': existing clients break'
    sunset = _sunset(o.sunset)
    if sunset is not None and sunset > (today or _today()):
        return (rule.replace('api-path-removed', 'api-operation-removed') + '-before-sunset',
                'error', f': it was deprecated but its sunset date {sunset} has not passed')
    return rule, 'warning', ' after deprecation' + (f' (sunset {sunset})' if sunset else '')


def _compare_op(col: _Collector, cmp: Comparer, o: Op, n: Op) -> None:
    op = n.label
    if n.deprecated and not o.deprecated:
        col.add(Change('api-operation-deprecated', 'info', f'operation {op} deprecated',
                       o.ptr, n.ptr + '/deprecated'), op)
    if o.operation_id and n.operation_id and o.operation_id != n.operation_id:
        col.add(Change('api-operation-id-changed', 'info',
                       f'operationId changed from {o.operation_id} to {n.operation_id}: '
                       'generated client method names change', o.ptr, n.ptr + '/operationId'),
                op)
    _compare_params(col, cmp, o, n)
    _compare_body(col, cmp, o, n)
    _compare_responses(col, cmp, o, n)
    _compare_security(col, o, n)


def _compare_params(col: _Collector, cmp: Comparer, o: Op, n: Op) -> None:
    op = n.label
    for key, p in o.params.items():
        q = n.params.get(key)
        what = f'{p.where} parameter `{p.name}`'
        if q is None:
            col.add(Change('request-parameter-removed', 'warning' if p.deprecated else 'error',
                           f'{what} removed: clients still sending it break', p.ptr, n.ptr,
                           True), op)
            continue
        if p.where == 'path' and p.name != q.name:
            col.add(Change('request-path-parameter-renamed', 'info',
                           f'path parameter `{p.name}` renamed to `{q.name}` (same path)',
                           p.ptr, q.ptr), op)
        qwhat = f'{q.where} parameter `{q.name}`'
        if q.deprecated and not p.deprecated:
            col.add(Change('request-parameter-deprecated', 'info', f'{qwhat} deprecated',
                           p.ptr, q.ptr), op)
        if q.required and not p.required:
            col.add(Change('request-parameter-became-required', 'error',
                           f'{qwhat} became required: clients that omit it break', p.ptr,
                           q.ptr), op)
        elif p.required and not q.required:
            col.add(Change('request-parameter-became-optional', 'info',
                           f'{qwhat} became optional', p.ptr, q.ptr), op)
        if p.schema and q.schema:
            col.extend(cmp.schema(*p.schema, *q.schema, 'request-parameter', qwhat), op)
            _param_default(col, cmp, p, q, qwhat, op)
    for key, q in n.params.items():
        if key in o.params:
            continue
        what = f'{q.where} parameter `{q.name}`'
        if q.required:
            col.add(Change('new-required-request-parameter', 'error',
                           f'new required {what}: existing clients do not send it', o.ptr,
                           q.ptr), op)
        else:
            col.add(Change('new-optional-request-parameter', 'info', f'new optional {what}',
                           o.ptr, q.ptr), op)


def _param_default(col: _Collector, cmp: Comparer, p: Param, q: Param, what: str, op: str
                   ) -> None:
    if p.schema is None or q.schema is None:        # the caller compares schemas only
        return
    if p.schema[0] == q.schema[0] and _ref_free(p.schema[0], 4):
        return
    od = norm(cmp.base, *p.schema).default
    nd = norm(cmp.head, *q.schema).default
    if od is not None and nd is not None and od[0] != nd[0] and not q.required:
        col.add(Change('request-parameter-default-value-changed', 'error',
                       f'{what}: default changed from {od[0]!r} to {nd[0]!r}: clients that '
                       'omit it get a different behaviour', p.ptr, q.ptr), op)


def _compare_body(col: _Collector, cmp: Comparer, o: Op, n: Op) -> None:
    op = n.label
    ob, nb = o.body, n.body
    if ob is None and nb is None:
        return
    if ob is None:
        assert nb is not None
        if nb.required:
            col.add(Change('new-required-request-body', 'error',
                           'new required request body: existing clients do not send it',
                           o.ptr, nb.ptr), op)
        else:
            col.add(Change('new-optional-request-body', 'info', 'new optional request body',
                           o.ptr, nb.ptr), op)
        return
    if nb is None:
        col.add(Change('request-body-removed', 'error',
                       'request body removed: clients sending one may be rejected', ob.ptr,
                       n.ptr, True), op)
        return
    if nb.required and not ob.required:
        col.add(Change('request-body-became-required', 'error',
                       'request body became required', ob.ptr, nb.ptr), op)
    for media, schema in ob.content.items():
        if media not in nb.content:
            col.add(Change('request-media-type-removed', 'error',
                           f'request media type {media} removed: clients sending it are '
                           'rejected', f'{ob.ptr}/content/{escape(media)}', nb.ptr, True), op)
            continue
        nschema = nb.content[media]
        if schema and nschema:
            col.extend(cmp.schema(*schema, *nschema, 'request-body', f'request body ({media})'),
                       op)
    for media in nb.content:
        if media not in ob.content:
            col.add(Change('request-media-type-added', 'info',
                           f'request media type {media} added', ob.ptr,
                           f'{nb.ptr}/content/{escape(media)}'), op)


def _success(status: str) -> bool:
    return status.startswith('2')


def _error_status(status: str) -> bool:
    """4xx, 5xx (``4XX`` ranges too) and ``default``: an error a client already handles as
    a failure, recognised or not."""
    return status[:1] in ('4', '5') or status == 'default'


def _compare_responses(col: _Collector, cmp: Comparer, o: Op, n: Op) -> None:
    op = n.label
    for status, r in o.responses.items():
        s = n.responses.get(status)
        if s is None:
            if _success(status):
                col.add(Change('response-success-status-removed', 'error',
                               f'success response {status} removed: clients expecting it '
                               'break', r.ptr, n.ptr, True), op)
            else:
                col.add(Change('response-non-success-status-removed', 'info',
                               f'response {status} removed', r.ptr, n.ptr, True), op)
            continue
        for media, schema in r.content.items():
            if media not in s.content:
                col.add(Change('response-media-type-removed', 'error',
                               f'{status} response media type {media} removed',
                               f'{r.ptr}/content/{escape(media)}', s.ptr, True), op)
                continue
            nschema = s.content[media]
            if schema and not nschema:
                col.add(Change('response-body-schema-removed', 'warning',
                               f'{status} response ({media}) no longer has a schema',
                               schema[1], s.ptr, True), op)
            elif schema and nschema:
                found = cmp.schema(*schema, *nschema, 'response-body', f'{status} response body')
                if _error_status(status):
                    found = cmp.error_body(found, *schema, *nschema, f'{status} response body')
                col.extend(found, op)
        for media in s.content:
            if media not in r.content:
                col.add(Change('response-media-type-added', 'info',
                               f'{status} response media type {media} added', r.ptr,
                               f'{s.ptr}/content/{escape(media)}'), op)
        for name, (req, schema, hptr) in r.headers.items():
            got = s.headers.get(name)
            if got is None:
                col.add(Change('response-header-removed', 'error' if req else 'warning',
                               f'{status} response header {name} removed', hptr, s.ptr,
                               True), op)
                continue
            nreq, nschema, nptr = got
            if req and not nreq:
                col.add(Change('response-header-became-optional', 'error',
                               f'{status} response header {name} became optional', hptr,
                               nptr), op)
            if schema and nschema:
                col.extend(cmp.schema(*schema, *nschema, 'response-header',
                                      f'{status} response header {name}'), op)
        for name, (_, _, nptr) in s.headers.items():
            if name not in r.headers:
                col.add(Change('response-header-added', 'info',
                               f'{status} response header {name} added', r.ptr, nptr), op)
    for status, s in n.responses.items():
        if status not in o.responses:
            col.add(Change('response-status-added', 'info', f'response {status} added',
                           o.ptr + '/responses', s.ptr), op)


def _alternatives(sec: list[dict[str, list[str]]] | None) -> list[dict[str, set[str]]]:
    if not sec:
        return [{}]
    out = []
    for req in sec:
        if isinstance(req, dict):
            out.append({str(k): {str(x) for x in v} if isinstance(v, list) else set()
                        for k, v in req.items()})
    return out or [{}]


def _compare_security(col: _Collector, o: Op, n: Op) -> None:
    old, new = _alternatives(o.security), _alternatives(n.security)
    if old == new:
        return
    op = n.label

    def satisfied(alt: dict[str, set[str]]) -> bool:
        """A client able to satisfy ``alt`` (old) still satisfies some new alternative."""
        return any(all(k in alt and v <= alt[k] for k, v in b.items()) for b in new)

    for alt in old:
        if satisfied(alt):
            continue
        scope_only = any(set(b) <= set(alt) for b in new)
        if scope_only:
            col.add(Change('security-scope-added', 'error',
                           'security requirement now needs more scopes than '
                           f'{_fmt_alt(alt)}', o.security_ptr, n.security_ptr), op)
        else:
            col.add(Change('security-requirement-added', 'error',
                           f'security requirement added: clients authenticating with '
                           f'{_fmt_alt(alt)} are rejected', o.security_ptr, n.security_ptr), op)
        return
    col.add(Change('security-requirement-removed', 'info', 'security requirements relaxed',
                   o.security_ptr, n.security_ptr), op)


def _fmt_alt(alt: dict[str, set[str]]) -> str:
    if not alt:
        return 'no credentials'
    return ' + '.join(f'{k}' + (f' [{", ".join(sorted(v))}]' if v else '')
                      for k, v in sorted(alt.items()))


# -- grouping ------------------------------------------------------------------------------

def _parent(ptr: str | None) -> str | None:
    """The schema holding a property (``.../Item/properties/name`` -> ``.../Item``)."""
    if ptr and '/properties/' in ptr:
        head, _, name = ptr.rpartition('/properties/')
        if '/' not in name:
            return head
    return None


def _root_causes(hits: list[_Hit]) -> list[_Hit]:
    """One root cause, one finding: the same rule hitting several properties of one
    schema (a model trimmed, a model rewritten) becomes one change naming them all."""
    by_schema: dict[tuple[str, str, str | None, bool], list[Change]] = {}
    for h in hits:
        c = h.change
        own = c.base_ptr if c.removal else c.head_ptr
        parent = _parent(own)
        if parent is not None:
            by_schema.setdefault((c.rule, c.severity, parent, c.removal), []).append(c)
    merged: dict[int, Change] = {}
    for (rule, sev, _parent_ptr, removal), changes in by_schema.items():
        distinct = list({(c.message, c.base_ptr, c.head_ptr): c for c in changes}.values())
        if len(distinct) < 2:
            continue
        first = distinct[0]
        shown = '; '.join(c.message for c in distinct[:4]) + (
            f'; and {len(distinct) - 4} more' if len(distinct) > 4 else '')
        one = Change(rule, sev, f'{len(distinct)} properties of one schema: {shown}',
                     first.base_ptr, first.head_ptr, removal)
        for c in changes:
            merged[id(c)] = one
    if not merged:
        return hits
    return [_Hit(merged.get(id(h.change), h.change), h.op) for h in hits]


_MODE_SUFFIX = re.compile(r'-(?:Input|Output)$')
# the request side of a removed property that responses return and requests send back
ECHO_NOTE = ' (also in request bodies: clients sending it back have it ignored)'


def _model_property(ptr: str | None) -> tuple[str, str] | None:
    """(model, property) of a component property pointer; the model without the
    ``-Input``/``-Output`` suffix Pydantic gives one model's two JSON Schema modes."""
    parent = _parent(ptr)
    name = component_name(parent) if parent else None
    if not name or not ptr:
        return None
    return _MODE_SUFFIX.sub('', name), ptr.rpartition('/properties/')[2]


def _echoes(hits: list[_Hit]) -> list[_Hit]:
    """One root cause, one finding: a property removed from a model that clients both
    receive and send (the same component in responses and request bodies) is one change.
    The response side is the break (clients reading it); the request side follows from
    it (clients sending it back have it ignored) and is named in the same finding, with
    the request operations among those affected. A request side that is worse (a body
    that forbids unknown properties rejects the client) stays its own finding."""
    responses: dict[tuple[str, str], Change] = {}
    for h in hits:
        c = h.change
        if c.rule == 'response-property-removed':
            key = _model_property(c.base_ptr)
            if key is not None:
                responses.setdefault(key, c)
    if not responses:
        return hits
    folded: dict[tuple[str, str], Change] = {}
    out: list[_Hit] = []
    for h in hits:
        c = h.change
        key = _model_property(c.base_ptr) if c.rule == 'request-property-removed' else None
        r = responses.get(key) if key is not None and c.severity == 'warning' else None
        if r is None or key is None:
            out.append(h)
            continue
        if key not in folded:
            folded[key] = Change(r.rule, r.severity, r.message + ECHO_NOTE, r.base_ptr,
                                 r.head_ptr, r.removal)
        out.append(_Hit(folded[key], h.op))
    for i, h in enumerate(out):
        key = _model_property(h.change.base_ptr)
        if h.change.rule == 'response-property-removed' and key in folded:
            out[i] = _Hit(folded[key], h.op)
    return out


def _group(hits: list[_Hit], base: SpecLike | None, head: SpecLike | None) -> list[Finding]:
    groups: dict[tuple[str, str, str, str | None, str | None], list[_Hit]] = {}
    for h in _root_causes(_echoes(hits)):
        c = h.change
        groups.setdefault((c.rule, c.severity, c.message, c.base_ptr, c.head_ptr), []).append(h)
    out = []
    for (rule, sev, message, bptr, hptr), hs in groups.items():
        ops = list(dict.fromkeys(h.op for h in hs))
        removal = hs[0].change.removal
        spec: SpecLike | None
        if removal and base is not None:
            ptr, spec, side = bptr, base, 'base'
        else:
            ptr, spec, side = hptr or bptr, head or base, 'head'
        line = spec.line(ptr) if spec is not None else None
        if len(ops) == 1:
            msg = f'{ops[0]}: {message}'
        else:
            shown = ', '.join(ops[:5]) + (f' and {len(ops) - 5} more' if len(ops) > 5 else '')
            msg = f'{message} (affects {len(ops)} operations: {shown})'
        if side == 'base' and line:
            msg += f' (line {line} of the base version)'
        shown_spec = head or base
        out.append(Finding(
            rule=rule, category='contract', severity=sev, message=msg,
            path=shown_spec.path if shown_spec else None, line=line,
            hint=hint_for(rule, sev),
            extra={'operation': ops[0], 'affected': ops, 'pointer': ptr, 'side': side,
                   **({'base_line': line} if side == 'base' else {})}))
    out.sort(key=lambda f: (f.line or 0, f.rule))
    return out


# -- validity ----------------------------------------------------------------------------

# starts with the literal ``$ref`` (a leading quote would make the engine try every
# offset of a 2 MB text: 15x slower, same matches)
_REF_RE = re.compile(r'''\$ref["']?\s*:\s*["']?([^"'\s,}]+)''')


def validate(spec: SpecLike, doc: Doc, ops: Operations) -> list[Finding]:
    """Dangling local ``$ref``s (with the operations using them) and duplicate operationIds."""
    out: list[Finding] = []
    refs = set(_REF_RE.findall(spec.text))
    dangling = {r for r in refs if r.startswith('#') and is_missing(lookup(spec.data, r[1:]))}
    if dangling:
        out.extend(_dangling(spec, dangling))
    external = sorted(r for r in refs if not r.startswith('#'))
    if external:
        shown = ', '.join(external[:5]) + (f' and {len(external) - 5} more'
                                           if len(external) > 5 else '')
        out.append(Finding(
            rule='openapi-ref-external', category='contract', severity='info', path=spec.path,
            line=None, message=f'external $refs are not followed, what they point to is not '
                               f'compared: {shown}',
            hint='bundle the spec into one file (e.g. the framework\'s generated openapi.json) '
                 'to have everything compared', extra={'refs': external}))
    seen: dict[str, Op] = {}
    for op in ops.values():
        if op.operation_id is None:
            continue
        first = seen.setdefault(op.operation_id, op)
        if first is not op:
            out.append(Finding(
                rule='openapi-duplicate-operation-id', category='contract', severity='error',
                path=spec.path, line=spec.line(op.ptr + '/operationId'),
                message=(f'operationId {op.operation_id!r} of {op.label} is also used by '
                         f'{first.label}'),
                hint=hint_for('openapi-duplicate-operation-id', 'error'),
                extra={'operation': op.label, 'affected': [first.label, op.label],
                       'pointer': op.ptr + '/operationId'}))
    return out


def _dangling(spec: SpecLike, dangling: set[str]) -> list[Finding]:
    """Find where each dangling ref is used and which operations reach it."""
    where: list[tuple[str, str]] = []          # (pointer of the $ref, target)
    edges: dict[str, set[str]] = {}            # container -> components it references

    def container(ptr: str) -> str:
        segs = ptr.split('/')
        if len(segs) > 3 and segs[1] == 'paths':
            return '/'.join(segs[:4])
        if len(segs) > 3 and segs[1] == 'components':
            return '/'.join(segs[:4])
        if len(segs) > 2 and segs[1] in ('definitions', 'parameters', 'responses'):
            return '/'.join(segs[:3])
        return ptr

    stack: list[tuple[Any, str]] = [(spec.data, '')]
    while stack:
        node, ptr = stack.pop()
        if isinstance(node, dict):
            ref = node.get('$ref')
            if isinstance(ref, str) and ref.startswith('#'):
                if ref in dangling:
                    where.append((ptr + '/$ref', ref))
                edges.setdefault(container(ptr), set()).add(container(ref[1:]))
            for k, v in node.items():
                if isinstance(v, (dict, list)):
                    stack.append((v, f'{ptr}/{escape(str(k))}'))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                if isinstance(v, (dict, list)):
                    stack.append((v, f'{ptr}/{i}'))
    reverse: dict[str, set[str]] = {}
    for src, dsts in edges.items():
        for d in dsts:
            reverse.setdefault(d, set()).add(src)
    out = []
    for ptr, ref in sorted(where):
        users: set[str] = set()
        todo, seen = [container(ptr)], set()
        while todo:
            c = todo.pop()
            if c in seen:
                continue
            seen.add(c)
            if c.startswith('/paths/'):
                users.add(c)
            todo.extend(reverse.get(c, ()))
        ops = sorted(_op_label(u) for u in users)
        shown = ', '.join(ops[:5]) + (f' and {len(ops) - 5} more' if len(ops) > 5 else '')
        out.append(Finding(
            rule='openapi-ref-unresolved', category='contract', severity='error',
            path=spec.path, line=spec.line(ptr),
            message=(f'$ref {ref} at {ptr} resolves to nothing'
                     + (f' (used by {shown})' if ops else '')
                     + '; that part is not compared'),
            hint=hint_for('openapi-ref-unresolved', 'error'),
            extra={'operation': ops[0] if ops else None, 'affected': ops, 'pointer': ptr,
                   'ref': ref}))
    return out


def _op_label(container_ptr: str) -> str:
    segs = container_ptr.split('/')
    path = unescape(segs[2]) if len(segs) > 2 else '?'
    method = segs[3].upper() if len(segs) > 3 else '*'
    return f'{method} {path}'
