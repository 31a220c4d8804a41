"""Static route discovery for Python web code (FastAPI, Starlette, Flask), with ``ast`` only.

Never imports or runs the scanned code. Shared by the actions guard and the API-contract
guard::

    find_routes(source, file) -> list[Route]      # one Route per (handler, method)
    module_routers(source, file) -> {var: prefix}  # APIRouter(prefix=)/Blueprint(url_prefix=)

Recognised:

* FastAPI / Starlette: ``@router.get/post/put/patch/delete/head/options/trace(path)``,
  ``@app.api_route(path, methods=[...])``, ``router.add_api_route(path, endpoint,
  methods=[...])``, ``Route(path, endpoint, methods=[...])``, prefixes from
  ``APIRouter(prefix=...)`` in the same module.
* Flask: ``@bp.route(path, methods=[...])`` (default GET), ``@app.get/post/...``,
  ``app.add_url_rule(rule, endpoint, view_func, methods=[...])``,
  ``Blueprint(name, import_name, url_prefix=...)``.

Paths may be string constants, module constants (also class attributes ``Paths.ORDERS``),
f-strings and ``+`` concatenations of those. Anything else is kept with ``path=None`` and
``unresolved`` saying why, so callers report it instead of guessing.
"""
from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterator
from collections.abc import Mapping

from hotfix_hooks.fastclass import dataclass
from hotfix_hooks.pyast import call_name
from hotfix_hooks.pyast import parse

HTTP_METHODS = ('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE')
_VERB_ATTRS = {m.lower(): m for m in HTTP_METHODS}

# constructor name -> (framework, prefix keyword, positional index of the prefix or None)
_ROUTER_CTORS: dict[str, tuple[str, str, int | None]] = {
    'APIRouter': ('fastapi', 'prefix', None),
    'FastAPI': ('fastapi', 'root_path', -1),          # root_path is not a route prefix
    'Blueprint': ('flask', 'url_prefix', None),
    'Flask': ('flask', 'url_prefix', -1),
    'Quart': ('flask', 'url_prefix', -1),
    'Starlette': ('starlette', 'prefix', -1),
    'Router': ('starlette', 'prefix', -1),
}
# a project's APIRouter subclass (UserAPIRouter, AdminAPIRouter, VersionedAPIRouter)
_ROUTER_SUBCLASS = re.compile(r'[A-Z]\w*APIRouter$|[A-Z]\w*Router$')
_FRAMEWORK_MODULES = {'fastapi': 'fastapi', 'starlette': 'starlette', 'flask': 'flask',
                      'quart': 'flask', 'apiflask': 'flask'}
_ROUTER_NAME_RE = re.compile(r'(^|[._])(app|api|router|routes|bp|blueprint|web)$|'
                             r'(router|_bp|_app|_api|blueprint)$', re.I)
# ``Route(`` as Python may read it: ``Route (``, ``Route\\\n(``, a comment before the
# bracket; a text that is not ASCII may spell it with letters Python normalises (NFKC)
_ROUTE_CALL = re.compile(r'\bRoute(?:\s|\\|#[^\n]*\n)*\(')


def may_call_route(text: str) -> bool:
    """Whether a module of this text may call ``Route(...)`` (Starlette's route objects):
    only then is its whole tree walked for them."""
    return not text or not text.isascii() or _ROUTE_CALL.search(text) is not None


_NOT_ROUTERS = {'mock', 'patch', 'unittest', 'pytest', 'requests', 'httpx', 'session',
                'client', 'self', 'cls', 'os', 'dict', 'functools'}


@dataclass
class Route:
    method: str               # 'GET' | 'POST' | ... ; '?' when the methods are not resolvable
    path: str | None          # full path incl. the same module's router prefix; None: unresolvable
    raw_path: str             # the path expression as written (ast.unparse), for messages
    function: str             # handler function name ('' for a non-local endpoint)
    file: str                 # repository path of the module
    line: int                 # line of the decorator / add_api_route call
    framework: str            # 'fastapi' | 'flask' | 'starlette'
    router: str               # the router/app/blueprint variable name
    node: ast.FunctionDef | ast.AsyncFunctionDef | None = dataclasses.field(
        default=None, repr=False, compare=False)
    call: ast.Call | None = dataclasses.field(default=None, repr=False, compare=False)
    unresolved: str | None = None   # why the path/method could not be resolved, else None

    @property
    def key(self) -> tuple[str, str]:
        """(METHOD, normalised path) - path parameter names do not matter."""
        return (self.method, normalize_path(self.path if self.path is not None
                                            else self.raw_path))

    def describe(self) -> str:
        return f'{self.method} {self.path if self.path is not None else self.raw_path}'


_PARAM_RE = re.compile(r'\{[^}]*\}|<[^>]*>')


def normalize_path(path: str) -> str:
    """``/orders/{order_id}`` and ``/orders/<int:id>`` -> ``/orders/{}``; no trailing slash."""
    out = _PARAM_RE.sub('{}', path)
    if len(out) > 1:
        out = out.rstrip('/')
    return out or '/'


# -- constants ------------------------------------------------------------------------

class _Consts:
    """Module-level string (and string-list) constants, resolved in source order."""

    def __init__(self, tree: ast.Module) -> None:
        self.values: dict[str, object] = {}
        for stmt in tree.body:
            self._stmt(stmt, '')

    def _stmt(self, stmt: ast.stmt, prefix: str) -> None:
        if isinstance(stmt, ast.Assign):
            value = self.eval(stmt.value)
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    self._set(prefix + target.id, value)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            if isinstance(stmt.target, ast.Name):
                self._set(prefix + stmt.target.id, self.eval(stmt.value))
        elif isinstance(stmt, ast.ClassDef) and not prefix:
            for sub in stmt.body:
                self._stmt(sub, stmt.name + '.')

    def _set(self, name: str, value: object) -> None:
        if value is None:
            self.values.pop(name, None)     # reassigned to something unknown
        else:
            self.values[name] = value

    def eval(self, node: ast.expr | None) -> object:
        """A str, a tuple of str, or None when not statically known."""
        if node is None:
            return None
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.Name):
            return self.values.get(node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return self.values.get(f'{node.value.id}.{node.attr}')
        if isinstance(node, ast.JoinedStr):
            parts = []
            for v in node.values:
                if isinstance(v, ast.Constant):
                    parts.append(str(v.value))
                elif isinstance(v, ast.FormattedValue) and v.format_spec is None:
                    inner = self.eval(v.value)
                    if not isinstance(inner, str):
                        return None
                    parts.append(inner)
                else:
                    return None
            return ''.join(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.eval(node.left), self.eval(node.right)
            if isinstance(left, str) and isinstance(right, str):
                return left + right
            if isinstance(left, tuple) and isinstance(right, tuple):
                return left + right
            return None
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items = [self.eval(e) for e in node.elts]
            if all(isinstance(i, str) for i in items):
                return tuple(items)
            return None
        return None


# -- routers ----------------------------------------------------------------------------

@dataclass
class _Router:
    name: str
    framework: str
    prefix: str | None            # None when the prefix expression is not resolvable
    prefix_raw: str = ''
    guessed: bool = False         # not defined in the module and not named like a router


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    for k in call.keywords:
        if k.arg == name:
            return k.value
    return None


_BODIES = ('body', 'orelse', 'finalbody', 'handlers')


def iter_statements(body: list[ast.stmt]) -> Iterator[ast.stmt | ast.excepthandler]:
    """Every statement, recursively into compound statements (functions, classes, if,
    with, try, ...), without descending into expressions: much cheaper than ``ast.walk``.
    The ``except`` clauses of a ``try`` come too (their bodies hold statements)."""
    stack: list[ast.stmt | ast.excepthandler] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        for field in _BODIES:
            sub = getattr(node, field, None)
            if sub:
                stack.extend(reversed(sub))
        cases = getattr(node, 'cases', None)
        if cases:
            for case in reversed(cases):
                stack.extend(reversed(case.body))


def _router_ctor(node: ast.stmt | ast.excepthandler) -> str | None:
    """The router constructor an assignment calls (``APIRouter``, ``Blueprint``, ...)."""
    if isinstance(node, ast.Assign):
        value = node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        value = node.value
    else:
        return None
    if not isinstance(value, ast.Call):
        return None
    ctor = call_name(value.func)
    if ctor not in _ROUTER_CTORS and _ROUTER_SUBCLASS.match(ctor):
        ctor = 'APIRouter'      # class UserAPIRouter(APIRouter): same prefix= keyword
    return ctor if ctor in _ROUTER_CTORS else None


def defines_router(stmts: list[ast.stmt]) -> bool:
    """Whether these statements (nested ones too) assign a router, app or blueprint."""
    return any(_router_ctor(node) is not None for node in iter_statements(stmts))


def _routers(tree: ast.Module, consts: _Consts) -> dict[str, _Router]:
    out: dict[str, _Router] = {}
    for node in iter_statements(tree.body):
        ctor = _router_ctor(node)
        if ctor is None:
            continue
        assert isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Call)
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        value = node.value
        framework, kw, _ = _ROUTER_CTORS[ctor]
        prefix: str | None = ''
        raw = ''
        if ctor in ('APIRouter', 'Blueprint', 'Router'):
            expr = _kw(value, kw)
            if expr is not None:
                raw = ast.unparse(expr)
                got = consts.eval(expr)
                prefix = got if isinstance(got, str) else None
        for t in targets:
            name = _target_name(t)
            if name and name not in out:
                out[name] = _Router(name, framework, prefix, raw)
    return out


def _target_name(t: ast.expr) -> str:
    if isinstance(t, ast.Name):
        return t.id
    if isinstance(t, ast.Attribute):
        try:
            return ast.unparse(t)
        except Exception:  # noqa: BLE001 - defensive: unparse of odd trees
            return ''
    return ''


def _module_framework(tree: ast.Module) -> str | None:
    for node in tree.body:
        mod = None
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            mod = node.module.split('.')[0]
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split('.')[0] in _FRAMEWORK_MODULES:
                    mod = a.name.split('.')[0]
        if mod in _FRAMEWORK_MODULES:
            return _FRAMEWORK_MODULES[mod]
    return None


def module_routers(source: str, file: str, tree: ast.Module | None = None) -> dict[str, str]:
    """Router/app/blueprint variable -> its prefix ('' when none; unresolvable prefixes
    are returned as the expression text wrapped in ``{...}``)."""
    tree = tree if tree is not None else parse(source, file)
    consts = _Consts(tree)
    return {name: (r.prefix if r.prefix is not None else '{' + r.prefix_raw + '}')
            for name, r in _routers(tree, consts).items()}


# -- routes ------------------------------------------------------------------------------

def _join(framework: str, prefix: str, path: str) -> str:
    if not prefix:
        return path
    if framework == 'flask':
        if not path:
            return prefix
        return prefix.rstrip('/') + '/' + path.lstrip('/')
    return prefix + path


def _methods(expr: ast.expr | None, consts: _Consts, default: tuple[str, ...]
             ) -> tuple[tuple[str, ...], str | None]:
    if expr is None:
        return default, None
    got = consts.eval(expr)
    if isinstance(got, str):
        got = (got,)
    if isinstance(got, tuple) and got:
        return tuple(dict.fromkeys(m.upper() for m in got)), None
    return ('?',), f'methods {ast.unparse(expr)} not statically known'


class ModuleContext:
    """What ``find_routes`` reads of the whole module, for a module read a piece at a time:
    its constants, routers and framework (from every statement but the functions that
    define no router), its functions by name (parsed when asked for) and whether it
    mentions ``Route(``. (A plain class: no dataclass is built at import.)"""

    def __init__(self, consts: _Consts, routers: dict[str, _Router], hint: str | None,
                 functions: Mapping[str, ast.FunctionDef | ast.AsyncFunctionDef],
                 walk_route: bool) -> None:
        self.consts = consts
        self.routers = routers
        self.hint = hint
        self.functions = functions
        self.walk_route = walk_route


def module_context(skeleton: ast.Module, walk_route: bool,
                   functions: Mapping[str, ast.FunctionDef | ast.AsyncFunctionDef]
                   ) -> ModuleContext:
    """The context of a module read in pieces: ``skeleton`` holds every top-level
    statement except functions that assign no router (``defines_router``);
    ``walk_route``: the source may call ``Route(`` (``may_call_route``)."""
    consts = _Consts(skeleton)
    return ModuleContext(consts, _routers(skeleton, consts), _module_framework(skeleton),
                         functions, walk_route)


def find_routes(source: str, file: str, tree: ast.Module | None = None,
                context: ModuleContext | None = None) -> list[Route]:
    """Every route defined in the module, in source order (one per handler and method).

    Raises ``SyntaxError`` (or ``ValueError`` for NUL bytes) when ``source`` does not
    parse and no ``tree`` is given; callers turn that into a finding. With ``context``
    (a module read a piece at a time), ``tree`` is one piece: the routes it defines.
    """
    tree = tree if tree is not None else parse(source, file)
    statements = list(iter_statements(tree.body))
    if context is not None:
        builder = _Builder(file, context.consts, context.routers, context.hint,
                           context.functions)
        walk_route = context.walk_route
    else:
        consts = _Consts(tree)
        routers = _routers(tree, consts)
        framework_hint = _module_framework(tree)
        functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        for node in statements:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions.setdefault(node.name, node)
        builder = _Builder(file, consts, routers, framework_hint, functions)
        walk_route = may_call_route(source)
    for node in statements:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute):
                    builder.decorator(dec, node)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            builder.call(node.value)
    if walk_route:
        for sub in ast.walk(tree):
            if isinstance(sub, ast.Call) and call_name(sub.func) == 'Route':
                builder.call(sub)
    builder.routes.sort(key=lambda r: r.line)
    return builder.routes


class _Builder:
    def __init__(self, file: str, consts: _Consts, routers: dict[str, _Router],
                 framework_hint: str | None,
                 functions: Mapping[str, ast.FunctionDef | ast.AsyncFunctionDef]) -> None:
        self.file = file
        self.consts = consts
        self.routers = routers
        self.hint = framework_hint
        self.functions = functions
        self.routes: list[Route] = []

    def _router(self, receiver: ast.expr) -> _Router | None:
        name = _target_name(receiver)
        if not name:
            return None
        known = self.routers.get(name)
        if known is not None:
            return known
        # A router defined elsewhere (``from app.main import app``): only in modules that
        # import a web framework, and never for well-known non-router names (mock.patch).
        # Other names count when the path is a literal URL ('/...').
        if self.hint is None or name.split('.')[0] in _NOT_ROUTERS:
            return None
        return _Router(name, self.hint, '', guessed=not _ROUTER_NAME_RE.search(name))

    def _path(self, router: _Router, expr: ast.expr | None
              ) -> tuple[str | None, str, str | None]:
        if expr is None:
            return None, '', 'no path argument'
        raw = ast.unparse(expr)
        got = self.consts.eval(expr)
        if not isinstance(got, str):
            return None, raw, f'path {raw} is not a constant this module defines'
        if router.prefix is None:
            return None, raw, f'prefix {router.prefix_raw} of {router.name} is not statically known'
        return _join(router.framework, router.prefix, got), raw, None

    def _add(self, router: _Router, methods: tuple[str, ...], why_methods: str | None,
             path_expr: ast.expr | None, function: str,
             node: ast.FunctionDef | ast.AsyncFunctionDef | None, call: ast.Call,
             line: int) -> None:
        path, raw, why = self._path(router, path_expr)
        if router.name not in self.routers and router.name:
            if path is None and router.guessed:
                return      # an unknown object with a non-literal argument: not a route
            if path is not None and not (path.startswith('/') or (path == '' and not
                                                                   router.guessed)):
                return      # not a URL: some other decorator with a string argument
        reason = '; '.join(r for r in (why, why_methods) if r) or None
        for method in methods:
            self.routes.append(Route(
                method=method, path=path, raw_path=raw, function=function, file=self.file,
                line=line, framework=router.framework, router=router.name, node=node,
                call=call, unresolved=reason))

    def decorator(self, dec: ast.Call, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """``@receiver.attr(...)`` on ``fn`` (other decorators are not routes)."""
        if not isinstance(dec.func, ast.Attribute):
            return
        attr = dec.func.attr
        router = self._router(dec.func.value)
        if router is None:
            return
        path_expr = dec.args[0] if dec.args else _kw(dec, 'path') or _kw(dec, 'rule')
        methods: tuple[str, ...]
        if attr in _VERB_ATTRS:
            if attr == 'patch' and path_expr is None:
                return
            methods, why = (_VERB_ATTRS[attr],), None
        elif attr in ('api_route', 'route'):
            methods, why = _methods(_kw(dec, 'methods'), self.consts, ('GET',))
        else:
            return
        self._add(router, methods, why, path_expr, fn.name, fn, dec, dec.lineno)

    def call(self, call: ast.Call) -> None:
        func = call.func
        name = call_name(func)
        if name == 'add_api_route' and isinstance(func, ast.Attribute):
            router = self._router(func.value)
            if router is None:
                return
            path_expr = call.args[0] if call.args else _kw(call, 'path')
            endpoint = call.args[1] if len(call.args) > 1 else _kw(call, 'endpoint')
            methods, why = _methods(_kw(call, 'methods'), self.consts, ('GET',))
        elif name == 'add_url_rule' and isinstance(func, ast.Attribute):
            router = self._router(func.value)
            if router is None:
                return
            path_expr = call.args[0] if call.args else _kw(call, 'rule')
            endpoint = call.args[2] if len(call.args) > 2 else _kw(call, 'view_func')
            methods, why = _methods(_kw(call, 'methods'), self.consts, ('GET',))
        elif name == 'Route' and self.hint in ('starlette', 'fastapi'):
            router = _Router('', 'starlette', '')
            path_expr = call.args[0] if call.args else _kw(call, 'path')
            endpoint = call.args[1] if len(call.args) > 1 else _kw(call, 'endpoint')
            methods, why = _methods(_kw(call, 'methods'), self.consts, ('GET',))
        else:
            return
        fn = None
        function = ''
        if isinstance(endpoint, ast.Name) and endpoint.id in self.functions:
            fn = self.functions[endpoint.id]
            function = endpoint.id
        self._add(router, methods, why, path_expr, function, fn, call, call.lineno)
