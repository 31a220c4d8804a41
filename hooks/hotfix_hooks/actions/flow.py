"""Static flow analysis for the actions guard: which state-like fields a route handler
writes (directly or through the functions it calls, followed through imports of the
repository to a bounded depth) and how it handles an idempotency key.

Everything is read through a ``Snapshot`` and parsed with ``ast``; nothing of the scanned
repository is imported or run.
"""
from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Sequence

from hotfix_hooks.actions.index import FuncNode
from hotfix_hooks.actions.index import Index
from hotfix_hooks.actions.index import Module
from hotfix_hooks.actions.index import module_strings as _module_strings
from hotfix_hooks.actions.records import FnId
from hotfix_hooks.actions.records import Record
from hotfix_hooks.actions.records import Records
from hotfix_hooks.fastclass import dataclass
from hotfix_hooks.pyast import call_name
from hotfix_hooks.pyast import short
from hotfix_hooks.pyast import source_of

_Target = tuple['Module', FuncNode, 'ast.ClassDef | None']


def fn_id(mod: Module, fn: FuncNode, cls: ast.ClassDef | None) -> FnId:
    """A function's id on one side: its position, never ``id()`` of a node."""
    return (mod.path, cls.name if cls else '', fn.name, fn.lineno, fn.col_offset)

HTTP_METHODS = frozenset(('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'))
# Calls that write their keyword arguments / dict arguments to a record.
WRITE_CALLS = frozenset(('values', 'update', 'update_one', 'update_many', 'find_one_and_update',
                         'filter_update', 'set', 'patch', 'bulk_update', 'update_or_create'))
# Calls that make up a value the client should have sent (a server-side generated key).
GENERATOR_CALLS = frozenset(('uuid1', 'uuid3', 'uuid4', 'uuid5', 'uuid6', 'uuid7', 'token_hex',
                             'token_urlsafe', 'token_bytes', 'urandom', 'randbytes',
                             'getrandbits', 'ulid', 'new_ulid', 'generate_id', 'new_id',
                             'time_ns', 'nanoid', 'generate'))
DEPENDENCY_CALLS = frozenset(('Depends', 'Security'))
# Effects a retried request repeats outside the service's own database: an outbound HTTP
# request (called, or handed to a background task: ``add_task(requests.post, ...)``) or a
# mail. A background task running the service's own code is a mechanism, not an effect.
EXTERNAL_CALLS = frozenset(('send_mail', 'send_email', 'sendmail', 'send_message', 'urlopen'))
HTTP_CLIENTS = frozenset(('requests', 'httpx', 'aiohttp', 'urllib3'))
HTTP_VERBS = frozenset(('get', 'post', 'put', 'patch', 'delete', 'request', 'send', 'head'))
WARN_CALLS = frozenset(('warning', 'warn', 'info', 'debug', 'log', 'print', 'exception'))
REJECT_CALLS = frozenset(('abort', 'HTTPException', 'reject', 'bad_request'))
STRICT_FLAGS = frozenset(('required', 'enforce', 'enforced', 'strict', 'mandatory'))
_SQL_SET = r'\bSET\b[^;]*?\b(?:{})\s*='


# -- evidence ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    kind: str          # write | marker | generated
    detail: str        # the statement / expression, shortened
    file: str
    line: int
    function: str      # qualified function where it was found (module:function)

    @property
    def fingerprint(self) -> tuple[str, str, str]:
        return (self.kind, self.detail, self.function)

    def where(self) -> str:
        return f'{self.file}:{self.line}'


def _ev(e: Evidence) -> tuple[str, str, str, int, str]:
    return (e.kind, e.detail, e.file, e.line, e.function)


@dataclass
class Profile:
    """What a route (handler + dependencies + followed calls) does."""

    writes: list[Evidence] = dataclasses.field(default_factory=list)
    markers: list[Evidence] = dataclasses.field(default_factory=list)
    params: dict[str, str] = dataclasses.field(default_factory=dict)   # key param -> state
    param_lines: dict[str, tuple[str, int]] = dataclasses.field(default_factory=dict)
    flags: dict[str, bool] = dataclasses.field(default_factory=dict)
    flag_lines: dict[str, tuple[str, int]] = dataclasses.field(default_factory=dict)
    generated: list[Evidence] = dataclasses.field(default_factory=list)
    rejects: int = 0
    warns: int = 0
    warn_lines: list[tuple[str, int]] = dataclasses.field(default_factory=list)
    functions: set[str] = dataclasses.field(default_factory=set)
    dynamic: list[Evidence] = dataclasses.field(default_factory=list)  # setattr(o, name, v)
    external: list[Evidence] = dataclasses.field(default_factory=list)  # outbound effects

    @property
    def handled(self) -> bool:
        return bool(self.markers)

    @property
    def required(self) -> bool:
        return 'required' in self.params.values() or any(self.flags.values())


_ALIAS_HOPS = 4        # module-level aliases followed in one resolution (a cycle ends)


class Analyzer:
    """Follows a handler into the functions it calls and collects evidence."""

    def __init__(self, index: Index, state_attrs: list[str], markers: list[str],
                 depth: int, fn_cache: FnCache | None = None,
                 records: Records | None = None) -> None:
        self.index = index
        self.state = {s.lower() for s in state_attrs}
        self.marker_re = re.compile('|'.join(re.escape(m) for m in markers), re.I) \
            if markers else re.compile(r'(?!x)x')
        # compiled when a string constant holds ``SET`` (few do; the pattern is costly)
        self._sql_pattern = _SQL_SET.format('|'.join(re.escape(s) for s in sorted(self.state))) \
            if self.state else None
        self._sql_re: re.Pattern[str] | None = None
        self.depth = depth
        self._consts: dict[str, dict[str, list[str]]] = {}
        self._resolved: dict[tuple[str, str, int, int, int | None, int | None],
                             tuple[_Target | None, tuple[str, ...]]] = {}
        # per-function facts of this side, by position (see ``FnCache``)
        self._fn_cache: FnCache = fn_cache if fn_cache is not None else {}
        # per-function records of this side (``records.py``): what a profile follows
        self.records = records if records is not None else Records(index, None)
        self._alias_hops = 0                # aliases followed in the current resolution

    # -- public ----------------------------------------------------------------------
    def profile(self, mod: Module, fn: FuncNode | None,
                extra: Sequence[ast.AST] = ()) -> Profile:
        prof = Profile()
        seen: set[FnId] = set()
        for node in extra:
            self._visit_expr(node, mod, prof, seen)
        if fn is not None:
            fid = fn_id(mod, fn, None)
            self._visit(fid, 0, prof, seen, (mod, fn, None))
            if prof.dynamic:
                rec = self._record(fid, (mod, fn, None))
                if rec is not None:
                    self._body_fields(rec, prof)
            if mod.path in self.index.piecewise:
                self.records.forget(fid)     # a handler of a huge module: profiled once
        return prof

    def visit_function(self, mod: Module, fn: FuncNode, cls: ast.ClassDef | None,
                       prof: Profile, seen: set[FnId]) -> None:
        """Add what ``fn`` (a method of ``cls``, if given) and what it calls do to ``prof``."""
        self._visit(fn_id(mod, fn, cls), 0, prof, seen, (mod, fn, cls))

    @staticmethod
    def _body_fields(rec: Record, prof: Profile) -> None:
        """A generic ``setattr(obj, field, value)`` loop writes whatever the request body
        model holds: a state-like field in that model is a state write."""
        dyn = prof.dynamic[0]
        for cls_name, field in rec[13]:
            prof.writes.append(Evidence(
                'write', f'{dyn.detail} sets {cls_name}.{field} from the request body',
                dyn.file, dyn.line, dyn.function))

    def _body_field_names(self, fn: FuncNode, mod: Module) -> list[tuple[str, str]]:
        """The state-like fields of the classes ``fn``'s parameters are annotated with
        (what ``_body_fields`` reports when the profile writes dynamically)."""
        out: list[tuple[str, str]] = []
        for arg in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs:
            for ann in _unwrap(arg.annotation):
                found = self._class(ann, mod)
                if found is None:
                    continue
                cls = found[1]
                out.extend((cls.name, n.target.id) for n in cls.body
                           if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
                           and n.target.id.lower() in self.state)
        return out

    def summary(self, fn: FuncNode, mod: Module) -> tuple[object, ...]:
        """What the analysis sees of one function, without line numbers: equal summaries
        on both sides mean an edit did not change anything this guard checks (kept in the
        function's record: a side read from the cache does not derive it again)."""
        rec = self._record(fn_id(mod, fn, None), (mod, fn, None))
        return rec[14] if rec is not None and rec[14] else \
            self._summary(self._facts(fn, mod, None))

    @staticmethod
    def _summary(f: _FnFacts) -> tuple[object, ...]:
        return (sorted(e.detail for e in f.writes), sorted(e.detail for e in f.markers),
                sorted((k, v[0]) for k, v in f.params.items()),
                sorted((k, v[0]) for k, v in f.flags.items()),
                sorted(e.detail for e in f.generated), f.rejects, f.warns,
                sorted(e.detail for e in f.dynamic), sorted(source_of(c) for c in f.calls),
                sorted(source_of(d) for d in f.dependencies), sorted(f.fresh),
                sorted((k, source_of(v)) for k, v in f.local_types.items()))

    def _sql_search(self, value: str) -> bool:
        if self._sql_re is None:
            assert self._sql_pattern is not None
            self._sql_re = re.compile(self._sql_pattern, re.I)
        return bool(self._sql_re.search(value))

    def is_marker(self, text: str) -> bool:
        return bool(self.marker_re.search(text))

    # -- traversal --------------------------------------------------------------------
    def _visit_expr(self, node: ast.AST, mod: Module, prof: Profile, seen: set[FnId]
                    ) -> None:
        """Dependencies and markers in a decorator call / router constructor."""
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and call_name(sub.func) in DEPENDENCY_CALLS and sub.args:
                self._visit_fn_expr(sub.args[0], mod, 0, None, {}, prof, seen)
            self._marker_node(sub, mod, '<route>', prof)
            if isinstance(sub, ast.Call):
                self._flags(sub, mod, prof)

    def _visit(self, fid: FnId, depth: int, prof: Profile, seen: set[FnId],
               where: _Target | None = None) -> Record | None:
        """Add the record of function ``fid`` to ``prof``, then follow its dependencies and
        (below the follow depth) its calls. ``where``: its module and nodes, when known."""
        if fid in seen:
            return None
        seen.add(fid)
        rec = self._record(fid, where)
        if rec is None:
            return None
        path = fid[0]
        prof.functions.add(rec[0])
        prof.writes.extend(Evidence(*e) for e in rec[1])
        prof.dynamic.extend(Evidence(*e) for e in rec[2])
        prof.markers.extend(Evidence(*e) for e in rec[3])
        prof.generated.extend(Evidence(*e) for e in rec[4])
        prof.external.extend(Evidence(*e) for e in rec[5])
        for name, state, line in rec[6]:
            prev = prof.params.get(name)
            if prev != 'required':
                prof.params[name] = state
                prof.param_lines[name] = (path, line)
        for name, value, line in rec[7]:
            prof.flags[name] = prof.flags.get(name, False) or value
            prof.flag_lines.setdefault(name, (path, line))
        if rec[3]:
            prof.rejects += rec[8]
            prof.warns += rec[9]
            prof.warn_lines.extend((path, ln) for ln in rec[10])
        for dep in rec[11]:
            if dep is not None:
                self._visit(dep, depth, prof, seen)
        if depth < self.depth:
            for callee in rec[12]:
                if callee is not None:
                    self._visit(callee, depth + 1, prof, seen)
        return rec

    def _record(self, fid: FnId, where: _Target | None) -> Record | None:
        """The record of ``fid``: this side's (from the cache when its dependencies hold),
        else derived from the function's tree while the index logs what it consults."""
        rec = self.records.get(fid)
        if rec is not None:
            return rec
        if where is None:
            where = self.records.nodes.get(fid) or self._locate(fid)
            if where is None:
                return None
        mod, fn, cls = where
        log = self.index.record()
        try:
            facts = self._facts(fn, mod, cls)
            # each resolved once per side (the record is derived once): no memo to hold
            deps = [self._target(self._resolve(d, mod, cls, facts.local_types))
                    for d in facts.dependencies]
            calls = [self._target(self._resolve(c, mod, cls, facts.local_types))
                     for c in facts.calls]
            body = self._body_field_names(fn, mod)
        finally:
            self.index.stop(log)
        log.add(mod.path)
        rec = (facts.qualname, [_ev(e) for e in facts.writes], [_ev(e) for e in facts.dynamic],
               [_ev(e) for e in facts.markers], [_ev(e) for e in facts.generated],
               [_ev(e) for e in facts.external],
               [(k, v[0], v[1]) for k, v in facts.params.items()],
               [(k, v[0], v[1]) for k, v in facts.flags.items()],
               facts.rejects, facts.warns, list(facts.warn_line_nos), deps, calls, body,
               # a module read a piece at a time is all new: no summary is compared
               () if mod.path in self.index.piecewise else self._summary(facts))
        self.records.put(fid, rec, log)
        return rec

    def _target(self, target: _Target | None) -> FnId | None:
        if target is None:
            return None
        fid = fn_id(*target)
        self.records.nodes.setdefault(fid, target)
        return fid

    def _locate(self, fid: FnId) -> _Target | None:
        """The module and nodes of a function known by its id only (named by a record read
        from the cache whose own record is not there)."""
        path, cls_name, name, line, col = fid
        mod = self.index.module(path)
        if mod is None:
            return None
        mod = self.index.materialize(path, lambda c: c.start <= line <= c.end) or mod

        def find(body: list[ast.stmt], cls: ast.ClassDef | None) -> _Target | None:
            for node in body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    if (node.name, node.lineno, node.col_offset) == (name, line, col) \
                            and (cls.name if cls else '') == cls_name:
                        return mod, node, cls
                elif isinstance(node, ast.ClassDef):
                    got = find(node.body, node)
                    if got is not None:
                        return got
                    continue
                for field in ('body', 'orelse', 'finalbody', 'handlers'):
                    inner = getattr(node, field, None)
                    if isinstance(inner, list) and inner:
                        got = find(inner, cls)
                        if got is not None:
                            return got
            return None
        return find(mod.tree.body, None)

    def _visit_fn_expr(self, expr: ast.expr, mod: Module, depth: int, cls: ast.ClassDef | None,
                       local_types: dict[str, ast.expr], prof: Profile, seen: set[FnId]
                       ) -> None:
        target = self._resolved_target(expr, mod, cls, local_types)
        if target is not None:
            self._visit(self._target(target), depth, prof, seen, target)  # type: ignore[arg-type]

    def _resolved_target(self, expr: ast.expr, mod: Module, cls: ast.ClassDef | None,
                         local_types: dict[str, ast.expr]) -> _Target | None:
        # by position, never ``id()``: the trees of a large module are dropped once
        # summarised and a new node could reuse a dropped one's id; what the resolution
        # consulted is logged again when it is reused
        key = (mod.path, type(expr).__name__, expr.lineno, expr.col_offset,
               expr.end_lineno, expr.end_col_offset)
        got = self._resolved.get(key)
        if got is None:
            log = self.index.record()
            try:
                target = self._resolve(expr, mod, cls, local_types)
            finally:
                self.index.stop(log)
            got = self._resolved[key] = (target, tuple(log))
        else:
            self.index.consult(got[1])
        return got[0]

    def _resolve(self, expr: ast.expr, mod: Module, cls: ast.ClassDef | None,
                 local_types: dict[str, ast.expr]
                 ) -> tuple[Module, FuncNode, ast.ClassDef | None] | None:
        if isinstance(expr, ast.Call):      # Depends(factory()) / Cls(...)
            return self._resolve(expr.func, mod, cls, local_types)
        if isinstance(expr, ast.Name):
            got = self.index.lookup(mod, expr.id)
            if got is None:
                return self._aliased(mod, expr.id)
            _kind, tmod, node = got
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):     # a function
                return tmod, node, None
            if isinstance(node, ast.ClassDef):                                # a class
                init = method_of(node, '__call__') or method_of(node, '__init__')
                return (tmod, init, node) if init else None
            return None
        if not isinstance(expr, ast.Attribute):
            return None
        attr = expr.attr
        base = expr.value
        if isinstance(base, ast.Name) and base.id in ('self', 'cls') and cls is not None:
            m = method_of(cls, attr)
            return (mod, m, cls) if m else None
        # a class: Cls.method / Cls(...).method / typed local variable / module instance
        cls_expr: ast.expr | None = None
        if isinstance(base, ast.Call):
            cls_expr = base.func
        elif isinstance(base, ast.Name) and base.id in local_types:
            cls_expr = local_types[base.id]
        elif isinstance(base, ast.Name) and base.id in mod.instances:
            cls_expr = mod.instances[base.id]
        elif isinstance(base, ast.Name):
            cls_expr = base
        found = self._class(cls_expr, mod) if cls_expr is not None else None
        if found is not None:
            cmod, cnode = found
            m = method_of(cnode, attr)
            return (cmod, m, cnode) if m else None
        target_mod = self.index.module_attr(mod, base)
        if target_mod is not None:
            got = self.index.lookup(target_mod, attr)
            if got is None:
                return self._aliased(target_mod, attr)
            _kind, tmod, node = got
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):     # a function
                return tmod, node, None
            if isinstance(node, ast.ClassDef):                                # a class
                init = method_of(node, '__init__')
                return (tmod, init, node) if init else None
        # module-level instance in another module: ``from app.services import orders_service``
        if isinstance(base, ast.Name):
            got = self.index.lookup(mod, base.id)
            if got is None:
                imp = mod.imports.get(base.id)
                if imp and imp[1]:
                    path = self.index.find_module(mod.path, imp[0], imp[2])
                    src = self.index.module(path) if path else None
                    if src is not None and imp[1] in src.instances:
                        found = self._class(src.instances[imp[1]], src)
                        if found is not None:
                            m = method_of(found[1], attr)
                            return (found[0], m, found[1]) if m else None
        # a method of a module-level instance of another module: ``wrappers.service.rename``
        if isinstance(base, ast.Attribute):
            owner = self.index.module_attr(mod, base.value)
            if owner is not None and base.attr in owner.instances:
                found = self._class(owner.instances[base.attr], owner)
                if found is not None:
                    m = method_of(found[1], attr)
                    return (found[0], m, found[1]) if m else None
        return None

    def _aliased(self, mod: Module, name: str
                 ) -> tuple[Module, FuncNode, ast.ClassDef | None] | None:
        """What a module-level alias of a function stands for: ``rename_order =
        impl.rename``, ``rename_order = functools.partial(impl.rename, ...)``, or such a
        name imported from the module that assigns it (a few hops, never a cycle)."""
        if self._alias_hops >= _ALIAS_HOPS:
            return None
        value: ast.expr | None = None
        for node in mod.tree.body:              # the last assignment is what it names
            if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == name for t in node.targets):
                value = node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                    and node.target.id == name and node.value is not None:
                value = node.value
        self._alias_hops += 1
        try:
            if value is None:
                imp = mod.imports.get(name)
                if not (imp and imp[1]):
                    return None
                path = self.index.find_module(mod.path, imp[0], imp[2])
                src = self.index.module(path) if path else None
                return self._aliased(src, imp[1]) if src is not None else None
            if isinstance(value, ast.Call) and _ident(value.func).split('.')[-1] == 'partial' \
                    and value.args:
                value = value.args[0]
            if isinstance(value, (ast.Name, ast.Attribute)):
                return self._resolve(value, mod, None, {})
            return None
        finally:
            self._alias_hops -= 1

    def _class(self, expr: ast.expr, mod: Module) -> tuple[Module, ast.ClassDef] | None:
        if isinstance(expr, ast.Name):
            got = self.index.lookup(mod, expr.id)
            if got is not None and isinstance(got[2], ast.ClassDef):         # a class
                return got[1], got[2]
            return None
        if isinstance(expr, ast.Attribute):
            target_mod = self.index.module_attr(mod, expr.value)
            if target_mod is not None:
                got = self.index.lookup(target_mod, expr.attr)
                if got is not None and isinstance(got[2], ast.ClassDef):     # a class
                    return got[1], got[2]
        if isinstance(expr, ast.Subscript):      # Annotated[Cls, Depends(...)]
            inner = expr.slice
            if isinstance(inner, ast.Tuple) and inner.elts:
                return self._class(inner.elts[0], mod)
        return None

    # -- per-function facts ------------------------------------------------------------
    def _facts(self, fn: FuncNode, mod: Module, cls: ast.ClassDef | None) -> _FnFacts:
        key = (mod.path, cls.name if cls else '', fn.name, fn.lineno, fn.col_offset)
        cached = self._fn_cache.get(key)
        if cached is not None:
            self.index.consult(cached.consulted)    # what they were derived from
            return cached
        log = self.index.record()
        try:
            facts = self._derive_facts(fn, mod, cls)
        finally:
            self.index.stop(log)
        facts.consulted = tuple(log)
        self._fn_cache[key] = facts
        return facts

    def _derive_facts(self, fn: FuncNode, mod: Module, cls: ast.ClassDef | None) -> _FnFacts:
        qual = f'{mod.path}:{cls.name + "." if cls else ""}{fn.name}'
        facts = _FnFacts(qual)
        self._params(fn, mod, facts)
        nodes = list(ast.walk(fn))
        facts.fresh = {t.id for n in nodes if type(n) is ast.Assign and _fresh(n.value)
                       for t in n.targets if type(t) is ast.Name} | {'<response>'}
        facts.fresh |= self._not_persisted(fn, mod, cls)
        marker = self.marker_re.search
        generators = False
        # ``type(node) is`` (exact node classes, as ast.parse makes them) is the fastest
        # dispatch here, and mypy narrows on it
        for node in nodes:
            text: str | None = None
            if type(node) is ast.Name:
                text = node.id
            elif type(node) is ast.Attribute:
                text = node.attr
                if _http_client(node):          # requests.post, called or handed on
                    facts.external.append(Evidence('external', short(node), mod.path,
                                                   node.lineno, qual))
            elif type(node) is ast.Call:
                self._call(node, mod, facts)
                generators = generators or call_name(node.func) in GENERATOR_CALLS
            elif type(node) is ast.Constant:
                value = node.value
                if type(value) is str:
                    text = value if len(value) < 400 else None
                    if self._sql_pattern is not None and 'SET' in value.upper() \
                            and self._sql_search(value):
                        facts.writes.append(Evidence('write', short(node), mod.path,
                                                     node.lineno, qual))
            elif (type(node) is ast.Assign or type(node) is ast.AugAssign
                  or type(node) is ast.AnnAssign):
                self._assign(node, mod, facts)
            elif type(node) is ast.Raise:
                facts.rejects += 1
            elif type(node) is ast.Return:
                if type(node.value) is ast.Call and _status_4xx(node.value):
                    facts.rejects += 1
            elif type(node) is ast.arg:
                text = node.arg
            elif type(node) is ast.keyword:
                text = node.arg
            elif (type(node) is ast.FunctionDef or type(node) is ast.AsyncFunctionDef
                  or type(node) is ast.ClassDef):
                text = node.name
            if text and marker(text):
                facts.markers.append(Evidence('marker', text[:80], mod.path,
                                              getattr(node, 'lineno', 0) or 0, qual))
        if facts.markers and generators:
            self._generated(fn, mod, facts)
        return facts

    def _not_persisted(self, fn: FuncNode, mod: Module, cls: ast.ClassDef | None) -> set[str]:
        """Names whose writes change no persisted row: ``self`` while an object is built
        (``__init__``) or in an exception / a Pydantic schema, and parameters typed as a
        dict or a Pydantic schema (request data, not an ORM instance)."""
        out: set[str] = set()
        if cls is not None and (fn.name in ('__init__', '__post_init__', '__new__')
                                or _transient_class(cls)):
            out.add('self')
        for arg in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs:
            ann = arg.annotation
            if ann is None or arg.arg in ('self', 'cls'):
                continue
            for inner in _unwrap(ann):
                if call_name(inner) in ('dict', 'Dict', 'Mapping', 'MutableMapping'):
                    out.add(arg.arg)
                    continue
                found = self._class(inner, mod)
                if found is not None and _transient_class(found[1]):
                    out.add(arg.arg)
            if isinstance(ann, ast.Subscript) and call_name(ann.value) in (
                    'dict', 'Dict', 'Mapping'):
                out.add(arg.arg)
        return out

    def _created_in_later_state(self, node: ast.Call, mod: Module, facts: _FnFacts) -> None:
        """``Order(status=OrderStatus.completed)``: a row created directly in another
        state than the one its model starts in (a transition without the /actions flow)."""
        state_kws = [k for k in node.keywords if k.arg and k.arg.lower() in self.state
                     and isinstance(k.value, (ast.Constant, ast.Attribute))]
        if not state_kws:
            return
        found = self._class(node.func, mod)
        if found is None or _transient_class(found[1]):
            return
        for k in state_kws:
            default = _field_default(found[1], k.arg or '')
            if default is None:
                continue
            value = source_of(k.value)
            if _same_value(value, default):
                continue
            facts.writes.append(Evidence(
                'write', f'{found[1].name}({k.arg}={value}) creates it in a later state '
                         f'(the model starts at {default})', mod.path, node.lineno,
                facts.qualname))

    def _params(self, fn: FuncNode, mod: Module, facts: _FnFacts) -> None:
        a = fn.args
        positional = a.posonlyargs + a.args
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults))
        defaults += list(a.defaults)
        pairs = list(zip(positional, defaults)) + list(zip(a.kwonlyargs, a.kw_defaults))
        for arg, default in pairs:
            ann = arg.annotation
            if ann is not None:
                facts.local_types[arg.arg] = ann
            deps = [n for n in (default, ann) if n is not None]
            for node in deps:
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Call) and call_name(sub.func) in DEPENDENCY_CALLS \
                            and sub.args:
                        facts.dependencies.append(sub.args[0])
                    elif isinstance(sub, ast.Call) and call_name(sub.func) in DEPENDENCY_CALLS \
                            and not sub.args and ann is not None:
                        facts.dependencies.append(ann)
            if not self.is_marker(arg.arg) and not any(
                    self.is_marker(_ident(sub)) for n in deps for sub in ast.walk(n)):
                continue
            if any(isinstance(s, ast.Call) and call_name(s.func) in DEPENDENCY_CALLS
                   for n in deps for s in ast.walk(n)):
                state = 'dependency'     # the dependency itself is followed
            else:
                state = _param_state(default, ann)
            facts.params[arg.arg] = (state, arg.lineno)

    def _assign(self, node: ast.Assign | ast.AugAssign | ast.AnnAssign, mod: Module,
                facts: _FnFacts) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        value = node.value
        for t in targets:
            for leaf in _leaves(t):
                name = None
                if isinstance(leaf, ast.Attribute):
                    name = leaf.attr
                elif isinstance(leaf, ast.Subscript):
                    sl = leaf.slice
                    if isinstance(sl, ast.Constant) and isinstance(sl.value, str):
                        name = sl.value
                if name is not None and name.lower() in self.state \
                        and _root(leaf) not in facts.fresh:
                    facts.writes.append(Evidence('write', short(node), mod.path, node.lineno,
                                                 facts.qualname))
                    break
            if isinstance(t, ast.Name) and isinstance(value, ast.Call):
                facts.local_types[t.id] = value.func

    def _call(self, node: ast.Call, mod: Module, facts: _FnFacts) -> None:
        name = call_name(node.func)
        if name[:1].isupper() and node.keywords:
            self._created_in_later_state(node, mod, facts)
        if name in EXTERNAL_CALLS:
            facts.external.append(Evidence('external', short(node), mod.path, node.lineno,
                                           facts.qualname))
        if name == 'setattr' and len(node.args) >= 2:
            attr = node.args[1]
            if isinstance(attr, ast.Constant) and isinstance(attr.value, str) \
                    and attr.value.lower() in self.state \
                    and _root(node.args[0]) not in facts.fresh:
                facts.writes.append(Evidence('write', short(node), mod.path, node.lineno,
                                             facts.qualname))
            elif not isinstance(attr, ast.Constant) and _root(node.args[0]) not in facts.fresh:
                facts.dynamic.append(Evidence('write', short(node), mod.path, node.lineno,
                                              facts.qualname))
        elif name in WRITE_CALLS and isinstance(node.func, ast.Attribute):
            hit = any(k.arg and k.arg.lower() in self.state for k in node.keywords)
            args = node.args[1:] if name in ('update_one', 'update_many',
                                             'find_one_and_update') else node.args
            if not hit:
                hit = any(self._dict_writes(a) for a in args)
            if hit:
                facts.writes.append(Evidence('write', short(node), mod.path, node.lineno,
                                             facts.qualname))
        if name in DEPENDENCY_CALLS:
            if node.args:
                facts.dependencies.append(node.args[0])
            return
        if name in REJECT_CALLS:
            facts.rejects += 1
        if name in WARN_CALLS and isinstance(node.func, ast.Attribute | ast.Name):
            facts.warns += 1
            facts.warn_line_nos.append(node.lineno)
        self._flags(node, mod, facts)
        if name and name not in ('setattr', 'getattr', 'isinstance', 'len', 'str', 'int'):
            facts.calls.append(node.func)

    def _flags(self, node: ast.Call, mod: Module, facts: _FnFacts | Profile) -> None:
        for k in node.keywords:
            if k.arg in STRICT_FLAGS and isinstance(k.value, ast.Constant) \
                    and isinstance(k.value.value, bool):
                owner = call_name(node.func)
                if self.is_marker(source_of(node)):
                    label = f'{owner}({k.arg}=)'
                    if isinstance(facts, Profile):
                        facts.flags[label] = facts.flags.get(label, False) or k.value.value
                        facts.flag_lines.setdefault(label, (mod.path, node.lineno))
                    else:
                        facts.flags[label] = (k.value.value, node.lineno)

    def _dict_writes(self, node: ast.expr) -> bool:
        if not isinstance(node, ast.Dict):
            return False
        for k, v in zip(node.keys, node.values):
            if isinstance(k, ast.Constant) and isinstance(k.value, str):
                if k.value.lower() in self.state:
                    return True
                if k.value.startswith('$') and self._dict_writes(v):
                    return True
        return False

    def _marker_node(self, node: ast.AST, mod: Module, qual: str,
                     out: _FnFacts | Profile) -> None:
        text = None
        if isinstance(node, ast.Name):
            text = node.id
        elif isinstance(node, ast.Attribute):
            text = node.attr
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.arg):
            text = node.arg
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            text = node.name
        elif isinstance(node, ast.keyword):
            text = node.arg
        if text and len(text) < 400 and self.marker_re.search(text):
            line = getattr(node, 'lineno', 0) or 0
            out.markers.append(Evidence('marker', text[:80], mod.path, line, qual))

    def _generated(self, fn: FuncNode, mod: Module, facts: _FnFacts) -> None:
        for node in ast.walk(fn):
            if not isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Return,
                                     ast.Expr, ast.NamedExpr)):
                continue
            value = getattr(node, 'value', None)
            if value is None:
                continue
            if not any(isinstance(s, ast.Call) and call_name(s.func) in GENERATOR_CALLS
                       for s in ast.walk(value)):
                continue
            # the key by name, by header string, or through a module constant (HEADER)
            consts = self._strings(mod)
            text = source_of(node) + ' ' + ' '.join(
                v for n in ast.walk(value) if isinstance(n, ast.Name) for v in consts.get(n.id, ()))
            if self.is_marker(text):
                facts.generated.append(Evidence('generated', short(node), mod.path,
                                                node.lineno, facts.qualname))


    def _strings(self, mod: Module) -> dict[str, list[str]]:
        got = self._consts.get(mod.path)
        if got is None:
            got = self._consts[mod.path] = _module_strings(mod.tree)
        return got


@dataclass
class _FnFacts:
    qualname: str
    writes: list[Evidence] = dataclasses.field(default_factory=list)
    markers: list[Evidence] = dataclasses.field(default_factory=list)
    generated: list[Evidence] = dataclasses.field(default_factory=list)
    params: dict[str, tuple[str, int]] = dataclasses.field(default_factory=dict)
    flags: dict[str, tuple[bool, int]] = dataclasses.field(default_factory=dict)
    rejects: int = 0
    warns: int = 0
    warn_line_nos: list[int] = dataclasses.field(default_factory=list)
    calls: list[ast.expr] = dataclasses.field(default_factory=list)
    dependencies: list[ast.expr] = dataclasses.field(default_factory=list)
    local_types: dict[str, ast.expr] = dataclasses.field(default_factory=dict)
    dynamic: list[Evidence] = dataclasses.field(default_factory=list)
    external: list[Evidence] = dataclasses.field(default_factory=list)
    # locals built in the function (a new object, a dict): setting their status is
    # initialising, not a transition; and HTTP responses
    fresh: set[str] = dataclasses.field(default_factory=set)
    # the paths consulted while deriving them (``Index.record``)
    consulted: tuple[str, ...] = ()


# per-function facts of one side by (module path, class, name, line, column): stable when
# trees are dropped and parsed again (never ``id()`` of a node); one side only, since the
# same position holds different code on the two sides of a change
FnCache = dict[tuple[str, str, str, int, int], _FnFacts]


def _ident(node: ast.AST) -> str:
    """The identifier or string a node carries ('' for others)."""
    if type(node) is ast.Name:
        return node.id
    if type(node) is ast.Attribute:
        return node.attr
    if type(node) is ast.Constant and type(node.value) is str:
        return node.value
    if type(node) is ast.keyword:
        return node.arg or ''
    return ''


def _unwrap(ann: ast.expr | None) -> list[ast.expr]:
    """``Model`` out of ``Optional[Model]``, ``Model | None``, ``Annotated[Model, ...]``."""
    if ann is None:
        return []
    if isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr):
        return _unwrap(ann.left) + _unwrap(ann.right)
    if isinstance(ann, ast.Subscript):
        inner = ann.slice
        elts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
        head = call_name(ann.value)
        if head == 'Annotated':
            return _unwrap(elts[0]) if elts else []
        if head in ('Optional', 'Union'):
            return [x for e in elts for x in _unwrap(e)]
        return []
    if isinstance(ann, (ast.Name, ast.Attribute)):
        return [ann]
    return []


_RESPONSE_NAMES = frozenset(('response', 'resp', 'request', 'req'))


def _fresh(value: ast.expr | None) -> bool:
    """A value that builds a new object: ``Order(...)``, ``{...}``, ``dict(...)``, a dict
    made of request data (``body.model_dump()``, ``json.loads(...)``, ``copy(...)``)."""
    if isinstance(value, (ast.Dict, ast.DictComp)):
        return True
    if isinstance(value, ast.Call):
        name = call_name(value.func)
        return name in _DICT_MAKERS or (name[:1].isupper() and not name.isupper())
    return False


_DICT_MAKERS = frozenset(('dict', 'model_dump', 'copy', 'deepcopy', 'loads', 'asdict',
                          'jsonable_encoder'))
_TRANSIENT_BASES = ('BaseModel', 'TypedDict', 'NamedTuple', 'Exception', 'Error', 'Enum',
                    'BaseSettings', 'Warning')


def _http_client(node: ast.expr) -> bool:
    """``requests.post`` / ``httpx.get`` (called or passed on)."""
    return isinstance(node, ast.Attribute) and node.attr in HTTP_VERBS and isinstance(
        node.value, ast.Name) and node.value.id in HTTP_CLIENTS


def _transient_class(cls: ast.ClassDef) -> bool:
    """A class whose instances are never rows: an exception, a Pydantic schema (not an
    SQLModel table), a TypedDict, a named tuple, an enum."""
    for base in cls.bases:
        name = call_name(base.value if isinstance(base, ast.Subscript) else base)
        if name.endswith(_TRANSIENT_BASES) and name != 'SQLModel':
            return True
    return cls.name.endswith(('Error', 'Exception'))


def _field_default(cls: ast.ClassDef, attr: str) -> str | None:
    """The default a model class gives ``attr`` (a constant, an enum member, or the
    ``default=`` of mapped_column/Column/Field), as source text."""
    for stmt in cls.body:
        if isinstance(stmt, ast.AnnAssign):
            target: ast.expr | None = stmt.target
        elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
        else:
            continue
        if not (isinstance(target, ast.Name) and target.id == attr):
            continue
        value = stmt.value
        if isinstance(value, (ast.Constant, ast.Attribute)):
            return source_of(value)
        if isinstance(value, ast.Call):
            for k in value.keywords:
                if k.arg in ('default', 'server_default', 'insert_default') and isinstance(
                        k.value, (ast.Constant, ast.Attribute)):
                    return source_of(k.value)
            if call_name(value.func) == 'Field' and value.args and isinstance(
                    value.args[0], (ast.Constant, ast.Attribute)):
                return source_of(value.args[0])
    return None


def _same_value(a: str, b: str) -> bool:
    """``OrderStatus.PENDING`` and ``'pending'`` / ``"PENDING"`` name the same state."""
    def norm(x: str) -> str:
        return x.strip('\'"').rsplit('.', 1)[-1].lower()
    return norm(a) == norm(b)


def _root(node: ast.expr) -> str:
    """``order`` for ``order.status`` / ``order["status"]`` / ``order.meta.status``."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    if isinstance(node, ast.Name):
        return '<response>' if node.id.lower() in _RESPONSE_NAMES else node.id
    return ''


def method_of(cls: ast.ClassDef, name: str) -> FuncNode | None:
    for node in cls.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node
    return None


def _leaves(t: ast.expr) -> list[ast.expr]:
    if isinstance(t, (ast.Tuple, ast.List)):
        out: list[ast.expr] = []
        for e in t.elts:
            out.extend(_leaves(e))
        return out
    if isinstance(t, ast.Starred):
        return _leaves(t.value)
    return [t]


def _status_4xx(call: ast.Call) -> bool:
    for k in call.keywords:
        if k.arg == 'status_code':
            v = k.value
            if isinstance(v, ast.Constant) and isinstance(v.value, int):
                return 400 <= v.value < 500
            if isinstance(v, ast.Attribute) and re.match(r'HTTP_4\d\d', v.attr):
                return True
    return False


def _param_state(default: ast.expr | None, ann: ast.expr | None) -> str:
    """'required', 'optional' or 'generated' for an idempotency-key parameter."""
    call = default if isinstance(default, ast.Call) else None
    if call is None and isinstance(ann, ast.Subscript) and \
            source_of(ann.value).endswith('Annotated'):
        sl = ann.slice
        elts = sl.elts if isinstance(sl, ast.Tuple) else []
        for e in elts[1:]:
            if isinstance(e, ast.Call):
                call = e
        if default is not None and not isinstance(default, ast.Call):
            return _plain_default(default)
    if call is None:
        return 'required' if default is None else _plain_default(default)
    if any(k.arg == 'default_factory' for k in call.keywords):
        return 'generated'
    for k in call.keywords:
        if k.arg == 'default':
            return _plain_default(k.value)
    if call.args:
        first = call.args[0]
        if isinstance(first, ast.Constant) and first.value is Ellipsis:
            return 'required'
        if call_name(call.func) in DEPENDENCY_CALLS:
            return 'required'
        return _plain_default(first)
    return 'required'


def _plain_default(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and node.value is Ellipsis:
        return 'required'
    if any(isinstance(s, ast.Call) and call_name(s.func) in GENERATOR_CALLS
           for s in ast.walk(node)):
        return 'generated'
    return 'optional'
