"""The ``/actions`` flow and idempotency guard: the engine behind the ``actions`` check
(hook ``hotfix-actions-flow``).

Every state transition of the protected service goes through a dedicated
``POST .../actions`` endpoint that enforces idempotency keys, audit and RBAC; ``PATCH`` is
for data edits. This check compares each route of the changed Python web code at the base
with the same route at the head (``routes.py``; handlers followed into the functions
they call by ``flow.py``) and reports what the change introduces:

* ``actions-bypass-route``: a new/changed mutating route outside the actions path that
  performs a state transition (transition word in its path or function name, or a write to a
  state-like field in the handler or the functions it calls);
* ``actions-bypass-patch-transition``: a PATCH/PUT handler that now writes a state-like field;
* ``actions-route-removed``: an actions route removed, or its method or path changed;
* ``idempotency-removed`` / ``idempotency-weakened`` / ``idempotency-missing``;
* ``actions-unparseable-python`` and ``actions-route-unresolved`` (info).

``all_violations`` reports every violation in the analysed files, not only
the introduced ones.
"""
from __future__ import annotations

import ast
import functools
import re
import sys
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any

from hotfix_hooks.actions import records
from hotfix_hooks.actions import summaries
from hotfix_hooks.actions.delta import Chunk
from hotfix_hooks.actions.delta import defined_names
from hotfix_hooks.actions.delta import names_regex
from hotfix_hooks.actions.delta import parse_chunk
from hotfix_hooks.actions.flow import Analyzer
from hotfix_hooks.actions.flow import Evidence
from hotfix_hooks.actions.flow import FnCache
from hotfix_hooks.actions.flow import Profile
from hotfix_hooks.actions.index import Index
from hotfix_hooks.actions.index import Module
from hotfix_hooks.actions.index import Splits
from hotfix_hooks.actions.middleware import find_middleware
from hotfix_hooks.actions.middleware import Middleware
from hotfix_hooks.actions.middleware import registrations
from hotfix_hooks.actions.records import Records
from hotfix_hooks.actions.routes import find_routes
from hotfix_hooks.actions.routes import may_call_route
from hotfix_hooks.actions.routes import module_context
from hotfix_hooks.actions.routes import Route
from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.changeset import code_view
from hotfix_hooks.changeset import DELETED
from hotfix_hooks.changeset import GlobSet
from hotfix_hooks.changeset import is_binary
from hotfix_hooks.changeset import linked_changes
from hotfix_hooks.changeset import side_links
from hotfix_hooks.findings import Finding
from hotfix_hooks.pyast import requires_python
from hotfix_hooks.pyast import version_hint

CATEGORY = 'actions'
# what may stand between names, dots and a call's bracket: space, a line continuation, a
# comment to its line's end (inside brackets); one way only to match each (no backtracking)
_GAP = r'(?:\s|\\|#[^\n]*\n)*'
_METHODS = r'(?:get|post|put|patch|delete|head|options|trace|route|api_route)'
ROUTE_HINT = re.compile(r'\.' + _GAP + r'(?:' + _METHODS[3:-1] + r'|add_api_route|add_url_rule)'
                        + _GAP + r'\(|\bRoute' + _GAP + r'\(')
ROUTE_DEF = re.compile(r'^[ \t]*@' + _GAP + r'[\w.]+' + _GAP + r'\.' + _GAP + _METHODS + _GAP
                       + r'\(|\.(?:add_api_route|add_url_rule)' + _GAP + r'\(|\bRoute' + _GAP
                       + r'\(', re.M)


def _route_hint(text: str) -> bool:
    """Whether a module of this text may define a route (a text that is not ASCII may
    spell the names with letters Python normalises, NFKC: ``@router.ｐatch(``)."""
    return not text.isascii() or ROUTE_HINT.search(text) is not None
_TEMPLATE = re.compile(r'^\s*\{%-?\s|\{\{\s*[\w.]+\s*\}\}', re.M)
_WORD_SPLIT = re.compile(r'[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])')

HINT_BYPASS = ('move the transition into the actions endpoint (POST .../actions with the '
               'action in the body), which enforces the idempotency key, audit and RBAC; '
               'do not add transition routes during a hotfix')
HINT_PATCH = ('PATCH/PUT are for data edits only: stop writing the state field here and '
              'perform the transition through POST .../actions')
HINT_REMOVED = ('keep the actions endpoint at the same method and path (clients, audit and '
                'idempotency depend on it); fix the defect inside its handler instead')
HINT_IDEM_REMOVED = ('restore the Idempotency-Key handling (header parameter, dependency or '
                     'middleware) so a retried request cannot run the transition twice')
HINT_IDEM_WEAK = ('keep the Idempotency-Key required: reject a request without it (4xx), do '
                  'not generate a key server-side, and keep every guarded path and method')
HINT_IDEM_MISSING = ('require an Idempotency-Key (a Depends() that rejects a missing key, '
                     'or a path the idempotency middleware guards)')


def guard(changes: ChangeSet, cfg: dict[str, Any], all_violations: bool = False
          ) -> list[Finding]:
    """The findings of the ``/actions`` guard over a change (``cfg``: the policy's
    ``[tool.hotfix-hooks.actions]`` table)."""
    return _Run(changes, cfg, all_violations).findings()


def words_of(text: str) -> list[str]:
    return [w.lower() for w in _WORD_SPLIT.split(text) if w]


def _inflections(word: str) -> set[str]:
    forms = {word, word + 's', word + 'es', word + 'ed', word + 'd', word + 'ing',
             word + 'ation', word + 'ion'}
    if word.endswith('e'):
        forms |= {word[:-1] + 'ing', word[:-1] + 'ation', word[:-1] + 'ion'}
    if word.endswith('l'):
        forms |= {word + 'led', word + 'ling', word + 'lation'}
    if word.endswith('y'):
        forms |= {word[:-1] + 'ies', word[:-1] + 'ied'}
    return forms


# the text facts of unchanged files (``_file_flags``: the middleware and importer searches)
# kept in the analysis cache, one entry per base tree (bump the format when they change)
SCAN_TREE_NAMESPACE = 'actions.scan-tree'
SCAN_FORMAT = 2      # 2: (blob, flags, imports, spans) per path
# the base tree whose entry was written last (a new base starts from its facts)
SCAN_LAST_NAMESPACE = 'actions.scan-last'
SCAN_LAST_ID = 'last'
_CONTENT_ID = re.compile(r'[0-9A-Za-z]{1,128}\Z')


class _Vocabulary:
    def __init__(self, words: Iterable[str]) -> None:
        self.forms: dict[str, str] = {}
        for w in words:
            for form in _inflections(w.lower()):
                self.forms.setdefault(form, w.lower())

    def hits(self, text: str) -> list[str]:
        return sorted({self.forms[t] for t in words_of(text) if t in self.forms})

    def path_hits(self, path: str) -> list[str]:
        segments = [s for s in path.split('/') if s and not s.startswith(('{', '<'))]
        return self.hits(' '.join(segments))


class _Side:
    """One side of the change: its modules, routes and idempotency middleware."""

    def __init__(self, run: _Run, snap_index: Index, fn_cache: FnCache) -> None:
        self.run = run
        self.index = snap_index
        # per-function records of this side, from the analysis cache when they hold here
        self.records = Records(snap_index, run.record_cache)
        self.analyzer = Analyzer(snap_index, run.cfg['state_attributes'],
                                 run.cfg['idempotency_markers'], run.cfg['follow_depth'],
                                 fn_cache, self.records)
        self.routes: list[Route] = []
        self._profiles: dict[int, Profile] = {}
        self.middleware: dict[str, Middleware] = {}
        self.registered: dict[str, list[tuple[str, int, set[str], set[str]]]] = {}

    def add_module(self, path: str) -> Module | None:
        mod = self.index.module(path)
        if mod is None:
            return None
        text = self.index.text(path) or ''
        if _route_hint(text):
            if path in self.index.piecewise:
                self.routes.extend(self._piecewise_routes(mod, text))
            else:
                for route in find_routes(text, path, mod.tree):
                    if route.node is None and route.call is not None:
                        self._endpoint(mod, route)
                    self.routes.append(route)
        self.add_middleware(mod)
        return mod

    def add_unchanged_module(self, path: str, routes: list[Route]) -> None:
        """``add_module`` for a file both sides hold alike whose ``routes`` the other side
        found (in the same statements: the sides parse the same chunks of one text, and
        share their trees): not searched again. Its middleware is this side's own (their
        profiles follow calls into modules that may differ)."""
        if path in self.index.piecewise or path in self.run.head.index.piecewise:
            self.add_module(path)
            return
        mod = self.index.module(path)
        if mod is None:
            return
        self.routes.extend(routes)
        self.add_middleware(mod)

    def _piecewise_routes(self, mod: Module, text: str) -> list[Route]:
        """The routes of a large module read a piece at a time (``Index.read_piecewise``):
        found in its skeleton, then a batch of functions at a time. Every statement of such
        a module counts as changed, so each mutating route's profile is built while its
        batch is parsed; then its handler's tree is dropped (``route.node = None``)."""
        context = module_context(mod.tree, may_call_route(text),
                                 _Functions(self.index, mod))
        out: list[Route] = []
        batches: Iterable[list[ast.stmt]] = self.index.pieces(mod.path)
        for stmts in _chain(mod.tree.body, batches):
            found = find_routes(text, mod.path, ast.Module(body=stmts, type_ignores=[]),
                                context)
            for route in found:
                if route.node is None and route.call is not None:
                    self._endpoint(mod, route)
                if route.method in self.run.mutating and not route.unresolved:
                    self.profile(route)
                route.node = None
                if route.function:      # the call names the handler only for an endpoint
                    route.call = None   # given by name (``_name_of``)
            out.extend(found)
        out.sort(key=lambda r: r.line)
        return out

    def _endpoint(self, mod: Module, route: Route) -> None:
        """The handler of ``add_api_route(path, endpoint)`` when it is a function of the
        module that was not parsed yet (functions are parsed on demand)."""
        call = route.call
        assert call is not None
        pos = 2 if getattr(call.func, 'attr', '') == 'add_url_rule' else 1
        endpoint = call.args[pos] if len(call.args) > pos else _endpoint_keyword(call)
        if isinstance(endpoint, ast.Name):
            got = self.index.lookup(mod, endpoint.id)
            if got is not None and got[1] is mod and isinstance(
                    got[2], (ast.FunctionDef, ast.AsyncFunctionDef)):       # a function
                route.node = got[2]
                route.function = endpoint.id

    def add_middleware(self, mod: Module) -> None:
        text = self.index.text(mod.path) or ''
        if 'Middleware' in text or 'middleware' in text:
            low = text.lower()
            if any(m.lower() in low for m in self.run.cfg['idempotency_markers']):
                for name, mw in find_middleware(self.analyzer, mod).items():
                    self.middleware.setdefault(name, mw)
            for reg in registrations(mod):
                self.registered.setdefault(reg[0], []).append((mod.path, *reg[1:]))

    def add_unchanged_middleware(self, path: str) -> None:
        """``add_middleware`` for a file the change does not touch, through the analysis
        cache: its middleware (with their profiles, which follow calls into other modules)
        and registrations are derived with a fresh analyzer, recording every file
        consulted, and reused only while those files are unchanged on this side."""
        cfg = self.run.cfg
        parts = {'format': summaries.FORMAT, 'path': path,
                 'idempotency_markers': list(cfg['idempotency_markers']),
                 'state_attributes': list(cfg['state_attributes']),
                 'follow_depth': cfg['follow_depth']}
        got = summaries.with_dependencies(
            self.run.changes.cache, summaries.MIDDLEWARE_NAMESPACE, self.index, path, parts,
            functools.partial(self._middleware_facts, path))
        if not isinstance(got, (list, tuple)) or len(got) != 2:
            return
        for name, file, line, prefixes, methods, prof, registered_in in got[0]:
            self.middleware.setdefault(name, Middleware(
                name, file, line, set(prefixes), set(methods), summaries.profile_from(prof),
                [tuple(r) for r in registered_in]))
        for name, *rest in got[1]:
            self.registered.setdefault(name, []).append(
                (path, rest[0], set(rest[1]), set(rest[2])))

    def _middleware_facts(self, path: str) -> tuple[list[Any], list[Any]] | None:
        """What ``add_middleware`` finds in ``path``, as plain data, derived by an analyzer
        of its own (so every module it follows is read, and recorded, now)."""
        mod = self.index.module(path)
        if mod is None:
            return None
        text = self.index.text(path) or ''
        mws: list[Any] = []
        regs: list[Any] = []
        if 'Middleware' in text or 'middleware' in text:
            low = text.lower()
            if any(m.lower() in low for m in self.run.cfg['idempotency_markers']):
                cfg = self.run.cfg
                analyzer = Analyzer(self.index, cfg['state_attributes'],
                                    cfg['idempotency_markers'], cfg['follow_depth'],
                                    records=self.records)
                for mw in find_middleware(analyzer, mod).values():
                    mws.append((mw.name, mw.file, mw.line, sorted(mw.prefixes),
                                sorted(mw.methods), summaries.profile_plain(mw.profile),
                                [tuple(r) for r in mw.registered_in]))
            for name, line, prefixes, methods in registrations(mod):
                regs.append((name, line, sorted(prefixes), sorted(methods)))
        return mws, regs

    def guards(self, name: str) -> tuple[set[str], set[str]]:
        mw = self.middleware[name]
        prefixes, methods = set(mw.prefixes), set(mw.methods)
        for _, _, p, m in self.registered.get(name, []):
            prefixes |= p
            methods |= m
        return prefixes, methods

    def active_middleware(self) -> list[Middleware]:
        out = []
        for name, mw in self.middleware.items():
            if name in self.registered or mw.registered_in:
                prefixes, methods = self.guards(name)
                out.append(Middleware(mw.name, mw.file, mw.line, prefixes, methods, mw.profile))
        return out

    def profile(self, route: Route) -> Profile:
        prof = self._profiles.get(id(route))
        if prof is None:
            mod = self.index.module(route.file)
            extra: list[ast.AST] = []
            if mod is not None:
                ctor = mod.assigns.get(route.router)
                if ctor is not None:
                    extra.append(ctor)
                if route.call is not None and (route.node is None
                                               or route.call not in route.node.decorator_list):
                    extra.append(route.call)
            prof = self.analyzer.profile(mod, route.node, extra) if mod else Profile()
            self._profiles[id(route)] = prof
        return prof

    def covered(self, route: Route) -> Middleware | None:
        self.run.scan_repo()
        for mw in self.active_middleware():
            if mw.profile.handled and mw.covers(route.method, route.path):
                return mw
        return None


_METHOD = re.compile(r'\n[ \t]+(?:async[ \t]+)?def[ \t]')    # a method of a class chunk


class _Run:
    def __init__(self, changes: ChangeSet, cfg: dict[str, Any], all_violations: bool) -> None:
        self.changes = changes
        self.cfg = cfg
        self.all = all_violations
        self.vocab = _Vocabulary(cfg['transition_vocabulary'])
        self.actions_re = re.compile(cfg['actions_path_pattern'])
        self.mutating = {m.upper() for m in cfg['mutating_methods']}
        # parsed top-level statements shared by both sides (by text)
        chunks: dict[str, list[ast.stmt] | None] = {}
        markers = cfg['idempotency_markers']
        self.record_cache = records.RecordCache(changes.cache, {
            'format': records.FORMAT, 'state_attributes': list(cfg['state_attributes']),
            'idempotency_markers': list(markers)}) if changes.cache.enabled else None
        head_fns: FnCache = {}
        base_fns: FnCache = {}
        self.splits = splits = Splits(changes.cache)
        # both sides read as Python imports them: a symlink inside the repository is the
        # file it points at (its blob id, the key of everything cached, is the target's)
        self.code_head = code_view(changes.head)
        self.code_base = code_view(changes.base)
        self.head = _Side(self, Index(self.code_head, chunks, markers, splits), head_fns)
        self.base = _Side(self, Index(self.code_base, chunks, markers, splits), base_fns)
        self.changed_names: set[str] = set()
        self.dirty_spans: dict[str, list[tuple[int, int]] | None] = {}   # head path -> spans
        self.affected: re.Pattern[str] | None = None
        self._lines: dict[str, list[str]] = {}
        self.importers: list[str] = []
        self.wrappers: list[str] = []       # unchanged modules importing a changed helper
        self.read_wrappers: list[str] = []  # those read in this run (their spans are kept)
        self._patch_groups: dict[tuple[str, int, str], Finding] = {}
        self.out: list[Finding] = []
        self.head_to_base: dict[str, str] = {}
        self.base_to_head: dict[str, str] = {}
        self.changed_paths: set[str] = set()
        self._scanned = False
        self.broken: set[str] = set()      # base paths whose head does not parse
        self._has_convention: bool | None = None
        self._keyed_routes = False
        self._version: tuple[str, str, tuple[int, int]] | None | bool = False   # unread
        self._excluded: GlobSet | None = None      # exclude_globs, matched per path
        # the text facts of unchanged files (``_file_flags``), per base tree and per blob
        self._flag_markers = [m.lower() for m in cfg['idempotency_markers']]
        self._flags_parts = {'format': SCAN_FORMAT, 'idempotency_markers': self._flag_markers}
        self._flags_known: dict[str, Any] | None = None
        self._flags_tree: str | None = None
        self._flags_other = False       # the facts read are another base tree's
        self._flags_seen: dict[str, Any] = {}
        self._facts: dict[str, list[Any]] = {}      # path -> [flags, imports, spans]
        self._fact_blobs: dict[str, str | None] = {}
        self._import_paths: dict[tuple[str, tuple[str, str | None, int]], list[str]] = {}
        self._web: GlobSet | None = None

    # -- files ---------------------------------------------------------------------------
    def _wanted(self, path: str | None) -> bool:
        if not path or not path.endswith('.py'):
            return False
        if self._excluded is None:
            self._excluded = GlobSet(self.cfg['exclude_globs'])
            self._web = GlobSet(self.cfg['web_code_globs'])
        if self._excluded.match(path):
            return False
        return not self.cfg['web_code_globs'] or bool(self._web and self._web.match(path))

    def findings(self) -> list[Finding]:
        helpers: list[str] = []
        pairs: list[tuple[str | None, str | None]] = []
        # (and the modules below a folder link the change re-points: changed as imported)
        for f in [*self.changes.files, *linked_changes(self.changes)]:
            old = f.old_path or f.path
            if not (self._wanted(f.path) or self._wanted(old)) or (f.binary and any(
                    is_binary(b) for b in (f.old_bytes(), f.new_bytes()))):
                continue        # binary by content, not by a "-diff" attribute
            self.changed_paths.add(f.path)
            # a symlink reads as the file it points at (``code_view``): Python imports that
            hp = f.path if (f.status != DELETED and self._wanted(f.path)) else None
            bp = old if (f.status != 'added' and self._wanted(old)) else None
            if hp is None and bp is None:
                continue
            if hp:
                self.head_to_base[hp] = old
            if bp:
                self.base_to_head[bp] = f.path if f.status != DELETED else old
            self._load_pair(hp, bp)
            pairs.append((hp, bp))
            if hp:      # a module defining routes may hold a helper another module calls
                helpers.append(hp)
        if helpers:
            self._importers(helpers)
        self._affected_names()
        for hp, bp in pairs:
            if hp:
                self.head.add_module(hp)
            if bp:
                self.base.add_module(bp)
        for p in self.importers:        # unchanged: the same text, chunks parsed alike
            found = len(self.head.routes)
            self.head.add_module(p)
            self.base.add_unchanged_module(p, self.head.routes[found:])
        self._compare_routes()
        self._compare_middleware()
        self._keep_spans()
        self._save_flags()
        self._unreadable_links()
        if self.record_cache is not None:     # the records and splits derived in this
            self.record_cache.flush(self.splits.items())                          # run
        self.out.sort(key=lambda f: f.sort_key())
        return self.out

    def _unreadable_links(self) -> None:
        """A module of the head that Python would read through a symbolic link which cannot
        be followed (absolute, out of the repository, into .git, dangling, a loop, too long
        a chain; the module itself or a folder on its way): what Python would import there
        is unknown, and the routes using it were not checked. Said for a changed module, and
        for a module imported by an analysed one (changed, or importing a changed helper)
        even when the link is as old as the base: the imports of those modules are probed
        again on every run (cheap: their modules are read anyway, the probes are lookups in
        the tree listing), so a warm run says what a cold one says. One finding per link."""
        view = self.code_head
        said: dict[str, tuple[str, str, str | None]] = {}    # link -> (path, why, importer)
        for path in sorted(self.changed_paths):
            if path.endswith('.py') and self._wanted(path):
                view.exists(path)               # through a folder link: unreadable or not
        for path, reason in sorted(view.unreadable.items()):
            if path in self.changed_paths and path.endswith('.py') and self._wanted(path):
                said.setdefault(view.broken.get(path, path), (path, reason, None))
        index = self.head.index
        # no link on the head: nothing an import reaches can be behind one
        for p in sorted(self.head_to_base) if side_links(self.changes)[1] else ():
            mod = index.module(p)
            if mod is None:
                continue
            for dotted, attr, level in mod.imports.values():
                names = [dotted] if dotted else []
                if attr:
                    names.append(f'{dotted}.{attr}' if dotted else attr)
                for name in names:
                    probes: list[str] = []
                    index._find_module(p, name, level, probes)
                    for probe in probes:
                        if probe in view.unreadable:
                            said.setdefault(view.broken.get(probe, probe),
                                            (probe, view.unreadable[probe], p))
                        elif view.exists(probe):
                            break               # what Python imports: readable
        for link, (path, reason, importer) in sorted(said.items()):
            where = f'this module ({path}) is' if path != link else 'this module is'
            used = f', imported by {importer},' if importer else ''
            self.out.append(Finding(
                rule='actions-module-unreadable', category=CATEGORY, severity='warning',
                path=path, line=None,
                message=f'{where} {reason}{used} so the code Python imports here was not '
                        'read, and the transitions and idempotency handling of the routes '
                        'that use it were not checked',
                hint='make the module a regular file of the repository, or a symbolic link '
                     'to one (a relative path inside the repository)'))

    def _load_pair(self, hp: str | None, bp: str | None) -> None:
        """Parse what changed in one file on both sides; record its changed names."""
        self._load_changed(hp, bp)
        if hp and hp in self.head.index.errors:
            self._unparseable(hp, self.head.index.errors[hp], bp)
            if bp:
                self.broken.add(bp)

    def _load_changed(self, hp: str | None, bp: str | None) -> None:
        head, base = self.head.index, self.base.index
        if not (hp and bp) or self.all:     # all of it counts as changed: large modules
            for index, path in ((head, hp), (base, bp)):    # are read a piece at a time
                if path:
                    index.read_piecewise(path)
        hmod = head.module(hp) if hp else None
        bmod = base.module(bp) if bp else None
        hc = head.chunked.get(hp) if hp and hmod is not None else None
        bc = base.chunked.get(bp) if bp and bmod is not None else None
        if hp and bp and hc is not None and bc is not None and not self.all:
            bkeys = {c.key for c in bc}
            hkeys = {c.key for c in hc}
            head.materialize(hp, lambda c: c.key not in bkeys)
            base.materialize(bp, lambda c: c.key not in hkeys)
            hc, bc = head.chunked.get(hp), base.chunked.get(bp)
            if hc is not None and bc is not None:
                dirty_h = [c for c in hc if c.key not in bkeys]
                dirty_b = [c for c in bc if c.key not in hkeys]
                self._changed_names(hp, bp, dirty_h, dirty_b)
                self.dirty_spans[hp] = [(c.start, c.end) for c in dirty_h]
                return
        if hp:
            self.dirty_spans[hp] = None        # everything counts as changed
        for index, path in ((head, hp), (base, bp)):
            if path and path in index.piecewise:
                self.changed_names |= index.piecewise[path]
            elif path:
                mod = index.materialize(path, lambda c: True)
                if mod is not None:
                    self.changed_names |= defined_names(mod.tree.body)

    def _changed_names(self, hp: str, bp: str, dirty_h: list[Chunk],
                       dirty_b: list[Chunk]) -> None:
        """Names the changed statements define. A function edited on both sides whose
        analysis facts (state writes, key handling, calls ...) stayed the same does not
        count: the routes calling it cannot have changed in what this guard checks."""
        funcs = (ast.FunctionDef, ast.AsyncFunctionDef)
        hmod, bmod = self.head.index.module(hp), self.base.index.module(bp)
        h_defs = {n.name: n for c in dirty_h for n in c.stmts or () if isinstance(n, funcs)}
        b_defs = {n.name: n for c in dirty_b for n in c.stmts or () if isinstance(n, funcs)}
        for side_chunks in (dirty_h, dirty_b):
            for c in side_chunks:
                for stmt in c.stmts or ():
                    name = getattr(stmt, 'name', None)
                    if isinstance(stmt, funcs) and name in h_defs and name in b_defs \
                            and hmod is not None and bmod is not None \
                            and self.head.analyzer.summary(h_defs[name], hmod) == \
                            self.base.analyzer.summary(b_defs[name], bmod):
                        continue
                    self.changed_names |= defined_names([stmt])

    def _affected_names(self) -> None:
        """Close the changed names over the functions of the analysed modules that call
        them (to the follow depth), and parse the handlers that mention one: a route whose
        handler (or a helper it calls) changed is analysed again."""
        names = set(self.changed_names)
        segments: list[tuple[set[str], str]] = []
        index = self.head.index
        # an importer (unchanged) counts with its functions once its text mentions one of
        # the names (parsed then): before, none of its statements can
        later = set(self.importers)
        for path in self.head_to_base:
            if path not in later:
                self._segments(path, segments)
        # the unchanged modules importing a changed helper (``_reexporters``) count too: a
        # wrapper there (``def do_rename(..): impl.rename(..)``, a method, an alias
        # ``rename_order = impl.rename``, a ``functools.partial``) is how a route reaches
        # it. Each is read once its text mentions one of the names (as the importers
        # below: a warm run knows them from the base tree's facts without reading them).
        renamed: list[tuple[str, str]] = []
        wrappers = [p for p in self.wrappers if p not in self.head_to_base]
        # module constants and routers count as one more level (PREFIX -> router -> routes)
        for _ in range(self.cfg['follow_depth'] + 1):
            rx = names_regex(names)
            if rx is None:
                break
            for path in [p for p in self.importers if p in later
                         and rx.search(_as_read(index.text(p) or ''))]:
                later.discard(path)
                index.module(path)
                self._segments(path, segments)
            for path in [p for p in wrappers if rx.search(_as_read(index.text(p) or ''))]:
                wrappers.remove(path)
                self._wrapper_segments(path, segments, renamed)
            grown = {n for defined, seg in segments
                     if not defined <= names and rx.search(_as_read(seg)) for n in defined}
            grown.update(local for orig, local in renamed if orig in names)
            if not grown - names:
                break
            names |= grown
        self.affected = rx = names_regex(names)
        if rx is None:
            return
        wanted = lambda c: c.kind != 'stmt' and bool(rx.search(_as_read(c.text)))  # noqa: E731
        for path in self.head_to_base:
            if path in later and not rx.search(_as_read(index.text(path) or '')):
                continue        # an importer mentioning none: nothing to parse in it
            if path not in index.piecewise:
                index.materialize(path, wanted)
        for path in self.base_to_head:
            if path in later and not rx.search(_as_read(index.text(path) or '')):
                continue
            if path not in self.base.index.piecewise:
                self.base.index.materialize(path, wanted)

    def _wrapper_segments(self, path: str, out: list[tuple[set[str], str]],
                          renamed: list[tuple[str, str]]) -> None:
        """The top-level statements of the unchanged wrapper module ``path`` that can call
        a changed name: its functions, of a class only its methods (a model's field
        annotations, which name a changed model, run nothing: every handler using the
        model is not re-read), and of its imports only what it imports under another name
        (``from .impl import rename as rn``: ``rn``). Split without parsing the module (its
        spans kept with its facts); only its plain statements are parsed."""
        text = self.head.index.text(path)
        if not text:
            return
        fact = self._fact(path)
        if fact[2] is not None and not self.splits.seed(text, fact[2]):
            fact[2] = None
        self.read_wrappers.append(path)
        chunks = self.head.index.chunked.get(path) or self.splits.chunks(
            self.code_head.blob_id(path), text)
        for c in chunks:
            if c.kind == 'stmt':
                stmts = c.stmts if c.stmts is not None else parse_chunk(c, self.head.index.cache)
                if not stmts:
                    continue
                imports = [n for n in stmts if isinstance(n, (ast.Import, ast.ImportFrom))]
                if len(imports) == len(stmts):
                    renamed.extend((a.name.rsplit('.', 1)[-1], a.asname) for n in imports
                                   for a in n.names if a.asname)
                    continue
                defined = defined_names(stmts)
            else:
                defined = {_as_read(c.name)} if c.name else defined_names(
                    c.stmts if c.stmts is not None else parse_chunk(c, self.head.index.cache)
                    or ())
            seg = c.text
            if c.kind == 'class':
                m = _METHOD.search(seg)
                seg = seg[m.start():] if m else ''
            if defined and seg:
                out.append((defined, seg))

    def _segments(self, path: str, out: list[tuple[set[str], str]]) -> None:
        """The top-level statements of ``path`` (head) with the names each defines."""
        for c in self.head.index.chunked.get(path) or ():
            defined = {c.name} if c.name else defined_names(c.stmts or ())
            if defined:
                out.append((defined, c.text))

    def _needs_analysis(self, h: Route, b: Route | None) -> bool:
        if self.all or b is None:
            return True
        if self._touched(h):
            return True
        if self.affected is None or (h.node is None and h.call is None):
            return False
        lines = self._lines.get(h.file)
        if lines is None:
            lines = self._lines[h.file] = (self.head.index.text(h.file) or '').split('\n')
        return any(self.affected.search(_as_read('\n'.join(lines[start - 1:end])))
                   for start, end in _route_spans(h))

    def _unparseable(self, path: str, err: SyntaxError, base_path: str | None) -> None:
        """A changed file that does not parse: its routes are unknown. An error when the
        change broke it; context (info) when the project is written for a newer Python
        (say how to run the hook with it), when it did not parse before either, or when
        it is a template saved as .py."""
        text = self.head.index.text(path) or ''
        if _TEMPLATE.search(text):
            return          # a Jinja / cookiecutter template, not a module
        line = err.lineno if isinstance(err.lineno, int) else None
        version = self._newer_python()
        before = base_path is not None and self.base.index.module(base_path) is None \
            and base_path in self.base.index.errors
        newer = version is not None or str(err.msg).startswith('f-string')
        severity = 'info' if (version is not None or before) else (
            'warning' if newer else 'error')
        hint = version_hint(version) if version else (
            'fix the syntax error (the guard parses with the Python running hotfix-hooks), '
            'or list the file in [tool.hotfix-hooks.actions] exclude_globs if it is not '
            'Python web code')
        self.out.append(Finding(
            rule='actions-unparseable-python', category=CATEGORY, severity=severity,
            path=path, line=line,
            message=f'cannot parse this Python file ({err.msg}) with Python '
                    f'{sys.version_info[0]}.{sys.version_info[1]}'
                    + (' (nor at the base)' if before else '')
                    + '; its routes and the transitions and idempotency handling in it are '
                      'unknown and were not checked',
            hint=hint))

    def _newer_python(self) -> tuple[str, str, tuple[int, int]] | None:
        if self._version is False:
            self._version = requires_python(self.changes.head.paths(), self.changes.head.read)
        return self._version if isinstance(self._version, tuple) else None

    def _repo_py(self) -> list[str]:
        out = []
        for p in self.changes.head.paths():
            if p in self.changed_paths or not self._wanted(p):
                continue
            out.append(p)
        return out

    def _importers(self, helpers: list[str]) -> None:
        """Route modules that import a changed helper module: a transition hidden in a
        helper changes the routes that call it, even when their file did not change."""
        candidates = self._repo_py()
        candidates.sort(key=_nearest_first(helpers))
        candidates = candidates[:self.cfg['max_repo_files']]
        helper_set = self._reexporters(helpers, candidates)
        keep = self._facts_kept()
        self.wrappers = sorted(helper_set - set(helpers))     # (read by _affected_names)
        stems = {_stem(h) for h in helper_set}
        bare = any(h.endswith('/__init__.py') for h in helper_set)
        for p in candidates:
            flags = self._file_flags(p)
            if flags is None or not flags[1]:
                continue        # no text, or no route definition: not even read
            if not keep:        # nothing kept for the next run: the text rules out most
                text = self.head.index.text(p)
                if not text or not _may_import(text, stems, bare):
                    continue
            if not self._reaches(p, helper_set, stems):
                continue
            # an unchanged file: the base reads the same text (and splits it once)
            text = self.head.index.text(p)
            if text is not None:
                self.base.index.texts.setdefault(p, text)
                fact = self._fact(p)
                if fact[2] is not None and not self.splits.seed(text, fact[2]):
                    fact[2] = None      # do not fit its text: split again, and kept
            self.head_to_base[p] = p
            self.base_to_head[p] = p
            self.changed_paths.add(p)
            self.dirty_spans[p] = []
            self.importers.append(p)

    def _reexporters(self, helpers: list[str], candidates: list[str]) -> set[str]:
        """The changed helper modules and the unchanged modules that import from them
        (``from .impl import rename`` in ``services/orders.py``, ``import .. as ..``), to
        the follow depth: a route calling ``orders.rename`` runs the changed ``impl.rename``
        although its file names only ``orders``. With the analysis cache on, each
        candidate's imports come from the base tree's entry (``_import_facts``): a warm
        run neither searches nor reads the tree; a cold one derives them for every
        candidate (and keeps them). Without it, the text rules out the modules that cannot
        import one (read, not searched with ``git grep -w``: that misses an identifier
        spelt with look-alike letters, which Python normalises, NFKC)."""
        out = set(helpers)
        # a symbolic link to a changed helper, or the helper below a linked folder, is that
        # helper under another import name
        out |= self.code_head.aliases(out)
        keep = self._facts_kept()
        fresh = set(out)
        every: set[str] = set()
        for _ in range(self.cfg['follow_depth']):
            stems = {_stem(h) for h in fresh}
            every |= stems
            # ``from . import x`` names no module: a package's __init__ is found only so
            bare = any(h.endswith('/__init__.py') for h in fresh)
            fresh = set()
            for p in candidates:
                if p in out:
                    continue
                if not keep:
                    text = self.head.index.text(p)
                    if not text or not _may_import(text, stems, bare):
                        continue
                if self._reaches(p, out, every):
                    fresh.add(p)
            if not fresh:
                break
            out |= fresh
        return out

    def _reaches(self, p: str, targets: set[str], stems: set[str]) -> bool:
        """Whether an import of the unchanged module ``p`` resolves to one of ``targets``
        (whose import names are ``stems``). Only the imports that can name one are
        resolved: a module found for ``a.b`` (or ``a`` + attribute ``b``) is named ``b``;
        ``from . import x`` names its package, resolved always."""
        where = p.rpartition('/')[0]
        for imp in self._import_facts(p):
            dotted, attr, _level = imp
            if dotted and dotted.rpartition('.')[2] not in stems and attr not in stems:
                continue
            paths = self._import_paths.get((where, imp))
            if paths is None:
                paths = self._import_paths[(where, imp)] = self._resolve_import(p, imp)
            if not targets.isdisjoint(paths):
                return True
        return False

    def _resolve_import(self, p: str, imp: tuple[str, str | None, int]) -> list[str]:
        """The repository paths one import of ``p`` resolves to, the way ``Index.lookup``
        follows them (the module, and ``module.attr`` when that is a module): resolved in
        this run, since they depend on which files exist (memoised per folder by the
        caller: nothing is recording consulted paths yet, ``Index.record``)."""
        dotted, attr, level = imp
        index = self.head.index
        found = [index.find_module(p, dotted, level)]
        if attr:
            found.append(index.find_module(p, f'{dotted}.{attr}' if dotted else attr, level))
        return [f for f in found if f]

    def scan_repo(self) -> None:
        """Idempotency middleware in unchanged files (read lazily, once): it guards both
        sides alike."""
        if self._scanned:
            return
        self._scanned = True
        candidates = self._repo_py()
        candidates.sort(key=_nearest_first(self.changed_paths))   # the app's own package
        for p in candidates[:self.cfg['max_repo_files']]:
            if p in self.head_to_base:
                continue
            flags = self._file_flags(p)
            if flags is None:
                continue
            marker, route_def, middleware = flags
            if not marker:
                continue
            if route_def:
                self._keyed_routes = True       # routes of the project handle keys
            if not middleware:
                continue        # add_middleware would find nothing: not even parsed
            self.head.add_unchanged_middleware(p)
            self.base.add_unchanged_middleware(p)

    def _facts_kept(self) -> bool:
        """The facts of unchanged files are kept in the analysis cache (one entry per base
        tree): then each is derived whole, once, and a warm run reads none of the files."""
        self._load_facts()
        return self._flags_tree is not None and bool(
            self._flags_known or self.changes.cache.writable)     # (else nothing is kept)

    def _load_facts(self) -> None:
        """The base tree's entry; for a base tree not scanned yet (a new commit), the entry
        of the last base tree scanned (``SCAN_LAST_NAMESPACE``): its facts are checked
        against the blobs like any other, and most files did not change."""
        if self._flags_known is not None:
            return
        cache = self.changes.cache
        self._flags_known = {}
        self._flags_tree = self.changes.base.content_id() if cache.enabled else None
        if self._flags_tree is None:
            return
        found, got = cache.get(SCAN_TREE_NAMESPACE, self._flags_tree, self._flags_parts)
        if not (found and isinstance(got, dict)):
            found, last = cache.get(SCAN_LAST_NAMESPACE, SCAN_LAST_ID, self._flags_parts)
            if found and isinstance(last, str) and last != self._flags_tree \
                    and _CONTENT_ID.match(last):
                found, got = cache.get(SCAN_TREE_NAMESPACE, last, self._flags_parts)
                self._flags_other = True
        if found and isinstance(got, dict):
            self._flags_known = got

    def _fact(self, p: str) -> list[Any]:
        """``[flags, imports, spans]`` of the unchanged file ``p`` (its head blob; spans:
        where its statements start and end, kept for the importers): from the cache
        (one entry for the whole base tree: a commit scanned again, or a new commit on the
        same base), else ``_scan_flags`` of its text and ``None`` for imports (derived when
        asked for: ``_import_facts``). Each fact is checked against its blob id; one that
        does not hold, or is not of this form, is derived again. (One entry per blob cost a
        cold run a write per Python file of the repository, and reading it back cost about
        what reading the blob costs.)"""
        got = self._facts.get(p)
        if got is not None:
            return got
        self._load_facts()
        assert self._flags_known is not None
        blob = self.code_head.blob_id(p)
        had = self._flags_known.get(p)
        if blob is not None and isinstance(had, tuple) and len(had) in (3, 4) \
                and had[0] == blob and _flags_form(had[1]) and _imports_form(had[2]):
            got = [had[1], had[2], had[3] if len(had) == 4 else None]
        else:
            got = [self._scan_flags(p, self._flag_markers), None, None]
            if blob is not None:
                self._flags_seen[p] = (blob, got[0], None, None)
        self._facts[p] = got
        self._fact_blobs[p] = blob
        return got

    def _file_flags(self, p: str) -> tuple[bool, bool, bool] | None:
        """``_scan_flags`` of an unchanged file (``_fact``)."""
        return self._fact(p)[0]  # type: ignore[no-any-return]

    def _import_facts(self, p: str) -> tuple[tuple[str, str | None, int], ...]:
        """The imports of the unchanged module ``p`` as its text states them
        (``Module.imports``: ``(module, attr, level)`` per bound name; none when the file
        has no text, no ``import`` or does not parse): from ``_fact``, else parsed now and
        kept with its other facts. Always the whole module's: a fact is never derived
        from a prefilter."""
        fact = self._fact(p)
        if fact[1] is None:
            index = self.head.index
            text = index.text(p)
            mod = index.module(p) if text and 'import' in text else None
            fact[1] = tuple(dict.fromkeys(mod.imports.values())) if mod is not None else ()
            self._seen(p, fact)
        return fact[1]  # type: ignore[no-any-return]

    def _seen(self, p: str, fact: list[Any]) -> None:
        blob = self._fact_blobs.get(p)
        if blob is not None:
            self._flags_seen[p] = (blob, *fact)

    def _keep_spans(self) -> None:
        """The statement spans of the importers split in this run, kept with their facts:
        a warm run parses them without splitting them again (``Splits.seed``)."""
        for p in [*self.importers, *self.read_wrappers]:
            fact = self._facts.get(p)
            text = self.head.index.texts.get(p)
            if fact is None or fact[2] is not None or text is None:
                continue
            spans = self.splits.spans(text)
            if spans is not None:
                fact[2] = spans
                self._seen(p, fact)

    def _save_flags(self) -> None:
        """The facts of the unchanged files derived in this run, merged into the base
        tree's entry (those carried over from another tree: of the files this side has),
        which becomes the last one."""
        known = self._flags_known or {}
        if self._flags_other:
            known = {p: v for p, v in known.items() if self.code_head.exists(p)}
        if self._flags_tree is not None and self._flags_seen:
            self.changes.cache.put_many([
                (SCAN_TREE_NAMESPACE, self._flags_tree, self._flags_parts,
                 {**known, **self._flags_seen}),
                (SCAN_LAST_NAMESPACE, SCAN_LAST_ID, self._flags_parts, self._flags_tree)],
                background=True)    # written while the run goes on
        self._flags_seen = {}

    def _scan_flags(self, path: str, markers: list[str]) -> tuple[bool, bool, bool] | None:
        """What ``scan_repo`` needs to know of an unchanged file, from its text alone (so
        it is kept per blob in the analysis cache and the file is not even read next
        time): (an idempotency marker, a route definition, the word middleware);
        ``None`` when the file has no text."""
        text = self.head.index.text(path)
        if not text:
            return None
        if not text.isascii():      # identifiers as Python reads them (``@router.ｐost(``)
            import unicodedata

            text = unicodedata.normalize('NFKC', text)
        low = text.lower()
        return (any(m in low for m in markers), bool(ROUTE_DEF.search(text)),
                'Middleware' in text or 'middleware' in text)

    # -- routes ----------------------------------------------------------------------------
    def is_actions(self, route: Route) -> bool:
        return bool(self.actions_re.search(route.path if route.path is not None
                                           else route.raw_path))

    def _match(self, h: Route, by_file_key: dict[tuple[str, tuple[str, str]], Route],
               by_key: dict[tuple[str, str], list[Route]],
               by_func: dict[tuple[str, str, str], Route]) -> Route | None:
        old = self.head_to_base.get(h.file, h.file)
        got = by_file_key.get((old, h.key))
        if got is None:
            cands = by_key.get(h.key, [])
            got = cands[0] if len(cands) == 1 else None
        if got is None and h.function:
            got = by_func.get((old, h.function, h.method))
            if got is None:
                cands = [r for r in by_func.values() if r.file == old and r.function == h.function]
                got = cands[0] if len(cands) == 1 else None
        return got

    def _touched(self, route: Route) -> bool:
        """The route's own code (decorator to end of handler) is in a changed statement."""
        spans = self.dirty_spans.get(route.file, [])
        if spans is None:
            return True
        return any(s <= end and start <= e for s, e in spans
                   for start, end in _route_spans(route))

    def _compare_routes(self) -> None:
        by_file_key: dict[tuple[str, tuple[str, str]], Route] = {}
        by_key: dict[tuple[str, str], list[Route]] = {}
        by_func: dict[tuple[str, str, str], Route] = {}
        for r in self.base.routes:
            by_file_key.setdefault((r.file, r.key), r)
            by_key.setdefault(r.key, []).append(r)
            if r.function:
                by_func.setdefault((r.file, r.function, r.method), r)
        matched: set[int] = set()
        for h in self.head.routes:
            b = self._match(h, by_file_key, by_key, by_func)
            if b is not None:
                matched.add(id(b))
            self._route(h, b)
        head_keys = {r.key for r in self.head.routes}
        for b in self.base.routes:
            if not self.is_actions(b) or b.unresolved or b.key in head_keys \
                    or b.file in self.broken:
                continue
            self._actions_removed(b)

    def _route(self, h: Route, b: Route | None) -> None:
        if h.method not in self.mutating and h.method != '?':
            return
        if h.unresolved:
            if self.all or b is None or self._touched(h):
                self.out.append(Finding(
                    rule='actions-route-unresolved', category=CATEGORY, severity='info',
                    path=h.file, line=h.line,
                    message=f'{h.method} route {h.raw_path} ({h.function or "handler"}) cannot '
                            f'be resolved statically ({h.unresolved}); it was not checked '
                            f'against the /actions flow',
                    hint='write the path (and methods) as string or module constants, or '
                         'review this route by hand'))
            return
        if h.method == '?' or not self._needs_analysis(h, b):
            return
        if not self.is_actions(h) and not (b is not None and self.is_actions(b)):
            self._bypass(h, b)      # (an actions route moved out: actions-route-removed)
        self._idempotency(h, b)

    # -- bypass ------------------------------------------------------------------------------
    def _name_of(self, r: Route) -> str:
        if r.function:
            return r.function
        if r.call is not None:
            args = r.call.args
            endpoint = args[1] if len(args) > 1 else _endpoint_keyword(r.call)
            if endpoint is not None:
                return ast.unparse(endpoint).split('.')[-1]
        return ''

    def _evidence(self, side: _Side, r: Route
                  ) -> tuple[set[str], set[str], dict[tuple[str, str, str], Evidence]]:
        path_words = set(self.vocab.path_hits(r.path or ''))
        name_words = set(self.vocab.hits(self._name_of(r)))
        writes = {e.fingerprint: e for e in side.profile(r).writes}
        return path_words, name_words, writes

    def _bypass(self, h: Route, b: Route | None) -> None:
        hp, hn, hw = self._evidence(self.head, h)
        if not (hp or hn or hw):
            return
        if self.all or b is None:
            new_p, new_n, new_w = hp, hn, list(hw.values())
        else:
            bp, bn, bw = (self._evidence(self.base, b) if not self.is_actions(b)
                          else (set(), set(), {}))
            new_p, new_n = hp - bp, hn - bn
            new_w = [e for fp, e in hw.items() if fp not in bw]
            if not (new_p or new_n or new_w):
                return
            # the change touches the transition logic: report all of it
            new_p, new_n = (hp if new_p else new_p), (hn if new_n else new_n)
        what = 'new' if b is None else 'changed'
        if h.method in ('PATCH', 'PUT') and new_w:
            first = sorted(new_w, key=lambda e: (e.file != h.file, e.file, e.line))[0]
            func = first.function.split(':')[-1]
            via = '' if func == h.function and first.file == h.file else \
                f' (in {func}(), reached from the handler at {h.file}:{h.line})'
            shared = self._patch_groups.get((first.file, first.line, first.detail))
            if shared is not None and via:
                # one root cause (a helper many handlers call): one finding, every route
                shared.extra['routes'].append(f'{h.describe()} ({h.file}:{h.line})')
                n = len(shared.extra['routes'])
                shared.message = (f'{n} PATCH/PUT routes now write a state-like field through '
                                  f'{func}(): {first.detail}; routes: '
                                  + ', '.join(shared.extra['routes'][:5])
                                  + (f' and {n - 5} more' if n > 5 else '')
                                  + '; a PATCH/PUT is a data edit, state transitions belong '
                                    'to the /actions flow')
                return
            finding = Finding(
                rule='actions-bypass-patch-transition', category=CATEGORY, severity='error',
                path=first.file, line=first.line,
                message=f'{h.describe()} ({h.function or "handler"}) now writes a state-like '
                        f'field: {first.detail}{via}; a {h.method} is a data edit, state '
                        f'transitions belong to the /actions flow',
                hint=HINT_PATCH,
                extra={'route': h.describe(), 'route_line': h.line,
                       'routes': [f'{h.describe()} ({h.file}:{h.line})'],
                       'evidence': [f'{e.where()}: {e.detail}' for e in new_w]})
            self._patch_groups[(first.file, first.line, first.detail)] = finding
            self.out.append(finding)
            return
        reasons = []
        if new_p:
            reasons.append('path segment ' + ', '.join(repr(w) for w in sorted(new_p)))
        if new_n:
            reasons.append(f'function name {self._name_of(h)!r}')
        if new_w:
            e = sorted(new_w, key=lambda e: (e.file != h.file, e.line))[0]
            func = e.function.split(':')[-1]
            reasons.append(f'writes {e.detail} at {e.where()}'
                           + (f' (via {func})' if func != h.function else ''))
        self.out.append(Finding(
            rule='actions-bypass-route', category=CATEGORY, severity='error',
            path=h.file, line=h.line,
            message=f'{what} route {h.describe()} ({h.function or "handler"}) performs a state '
                    f'transition outside the /actions flow: ' + '; '.join(reasons),
            hint=HINT_BYPASS,
            extra={'route': h.describe(),
                   'evidence': [f'{e.where()}: {e.detail}' for e in new_w]}))

    def _actions_removed(self, b: Route) -> None:
        head_file = self.base_to_head.get(b.file, b.file)
        moved = [r for r in self.head.routes if r.file == head_file and b.function
                 and r.function == b.function]
        if moved:
            r = moved[0]
            self.out.append(Finding(
                rule='actions-route-removed', category=CATEGORY, severity='error',
                path=r.file, line=r.line,
                message=f'actions route {b.describe()} ({b.function}) changed to '
                        f'{r.describe()}; clients and the audit trail rely on the actions '
                        f'endpoint',
                hint=HINT_REMOVED, extra={'route': b.describe(), 'now': r.describe()}))
            return
        exists = self.changes.head.exists(head_file)
        self.out.append(Finding(
            rule='actions-route-removed', category=CATEGORY, severity='error',
            path=head_file if exists else b.file, line=None,
            message=f'actions route {b.describe()} ({b.function or "handler"}, line {b.line} '
                    f'at the base) was removed',
            hint=HINT_REMOVED, extra={'route': b.describe(), 'base_line': b.line}))

    # -- idempotency --------------------------------------------------------------------------
    def _idempotency(self, h: Route, b: Route | None) -> None:
        ph = self.head.profile(h)
        handled_h = ph.handled or (self.head.covered(h) is not None)
        missing = Finding(
            rule='idempotency-missing', category=CATEGORY, severity='warning',
            path=h.file, line=h.line,
            message=f'{"new " if b is None else ""}mutating route {h.describe()} '
                    f'({h.function or "handler"}) has no idempotency-key handling',
            hint=HINT_IDEM_MISSING, extra={'route': h.describe()})
        if b is None:
            if not handled_h:
                severity = self._missing_severity(h, ph)
                if severity is not None:
                    missing.severity = severity
                    if severity == 'info':
                        missing.message += (' (the project has no idempotency-key convention '
                                            'and the route repeats no outbound effect)')
                    self.out.append(missing)
            return
        pb = self.base.profile(b)
        mw_b = self.base.covered(b)
        handled_b = pb.handled or mw_b is not None
        if not handled_b:
            if self.all and not handled_h:
                self.out.append(missing)
            return
        if not handled_h and any(m.file in self.head.index.errors for m in pb.markers):
            return          # where the key was handled does not parse at the head: unknown
        if not handled_h:
            was = (f'{pb.markers[0].detail} in {pb.markers[0].function.split(":")[-1]}'
                   if pb.markers else f'middleware {mw_b.name}' if mw_b else 'a marker')
            self.out.append(Finding(
                rule='idempotency-removed', category=CATEGORY, severity='error',
                path=h.file, line=h.line,
                message=f'{h.describe()} ({h.function or "handler"}) handled an idempotency '
                        f'key at the base ({was}) and no longer does',
                hint=HINT_IDEM_REMOVED, extra={'route': h.describe()}))
            return
        if not ph.handled:      # handled by middleware only now: compare that elsewhere
            return
        for reason, path, line in self._weakened(pb, ph):
            self.out.append(Finding(
                rule='idempotency-weakened', category=CATEGORY, severity='error',
                path=path or h.file, line=line or h.line,
                message=f'{h.describe()} ({h.function or "handler"}): {reason}',
                hint=HINT_IDEM_WEAK, extra={'route': h.describe()}))

    def _missing_severity(self, h: Route, ph: Profile) -> str | None:
        """How much a new mutating route without an idempotency key matters: PUT and
        DELETE are idempotent by HTTP semantics (RFC 9110); a POST/PATCH is a hazard a
        reviewer must look at on an /actions route, in a project that uses idempotency
        keys, or when a retry repeats an outbound effect (a background task, a queued
        job, an HTTP call, a mail); otherwise it is context."""
        if self.is_actions(h):
            return 'warning'
        if h.method in ('PUT', 'DELETE'):
            return None
        if ph.external or self._convention():
            return 'warning'
        return 'info'

    def _convention(self) -> bool:
        """The project handles idempotency keys somewhere (a middleware, or a route of the
        analysed modules at the base)."""
        if self._has_convention is None:
            self.scan_repo()
            markers = [m.lower() for m in self.cfg['idempotency_markers']]
            texts = [self.base.index.text(p) or '' for p in self.base_to_head]
            self._has_convention = bool(self.base.middleware or self.head.middleware) \
                or self._keyed_routes or any(
                    ROUTE_DEF.search(t) and any(m in t.lower() for m in markers)
                    for t in texts)
        return self._has_convention

    @staticmethod
    def _weakened(pb: Profile, ph: Profile) -> list[tuple[str, str | None, int | None]]:
        out: list[tuple[str, str | None, int | None]] = []
        path: str | None
        line: int | None
        if pb.required and not ph.required:
            loose = [n for n, s in ph.params.items()
                     if s in ('optional', 'generated') and pb.params.get(n) != s]
            flags = [k for k, v in ph.flags.items() if not v and pb.flags.get(k)]
            if loose:
                path, line = ph.param_lines[loose[0]]
                what = ('now gets a server-generated default'
                        if ph.params[loose[0]] == 'generated' else 'became optional')
                out.append((f'the idempotency key {loose[0]!r} {what} (it was required)',
                            path, line))
            elif flags:
                path, line = ph.flag_lines[flags[0]]
                out.append((f'{flags[0]} changed from True to False: the idempotency key '
                            f'is no longer required', path, line))
            else:
                out.append(('the idempotency key is no longer required', None, None))
        else:
            for label, value in pb.flags.items():
                if value and ph.flags.get(label) is False:
                    path, line = ph.flag_lines[label]
                    out.append((f'{label} changed from True to False', path, line))
        base_gen = {e.fingerprint for e in pb.generated}
        new_gen = [e for e in ph.generated if e.fingerprint not in base_gen]
        if new_gen and not pb.generated:
            e = new_gen[0]
            out.append((f'a missing idempotency key is now generated server-side '
                        f'({e.detail})', e.file, e.line))
        if pb.rejects > 0 and ph.rejects < pb.rejects and ph.warns > pb.warns:
            path, line = ph.warn_lines[-1] if ph.warn_lines else (None, None)
            out.append(('the idempotency check no longer rejects the request: it only '
                        'logs a warning', path, line))
        return out

    # -- middleware ----------------------------------------------------------------------------
    def _compare_middleware(self) -> None:
        base, head = self.base, self.head
        if any(p in self.base_to_head for regs in base.registered.values() for p, *_ in regs):
            self.scan_repo()
        reported: set[str] = set()
        for name, regs in base.registered.items():
            changed = [r for r in regs if r[0] in self.base_to_head]
            if not changed or name in head.registered:
                continue
            mw = base.middleware.get(name)
            if (mw is None and not base.analyzer.is_marker(name)) or \
                    (mw is not None and not mw.profile.handled):
                continue
            path, line = changed[0][0], changed[0][1]
            reported.add(name)
            self.out.append(Finding(
                rule='idempotency-removed', category=CATEGORY, severity='error',
                path=self.base_to_head.get(path, path), line=None,
                message=f'idempotency middleware {name} is no longer registered '
                        f'(add_middleware at {path}:{line} at the base); the routes it '
                        f'guarded accept requests without an idempotency key',
                hint=HINT_IDEM_REMOVED, extra={'middleware': name}))
        for name, mb in base.middleware.items():
            if name in reported:
                continue
            if mb.file not in self.base_to_head:
                continue            # found by the repo scan: unchanged
            mh = head.middleware.get(name)
            head_file = self.base_to_head.get(mb.file, mb.file)
            if mh is None or not mh.profile.handled:
                self.out.append(Finding(
                    rule='idempotency-removed', category=CATEGORY, severity='error',
                    path=head_file, line=mh.line if mh else None,
                    message=f'idempotency middleware {name} ({mb.file}:{mb.line} at the base) '
                            f'was removed or no longer handles the idempotency key',
                    hint=HINT_IDEM_REMOVED, extra={'middleware': name}))
                continue
            pb_prefixes, pb_methods = base.guards(name)
            ph_prefixes, ph_methods = head.guards(name)
            lost = sorted(pb_prefixes - ph_prefixes) + sorted(pb_methods - ph_methods)
            if lost:
                self.out.append(Finding(
                    rule='idempotency-weakened', category=CATEGORY, severity='error',
                    path=mh.file, line=mh.line,
                    message=f'idempotency middleware {name} no longer guards '
                            + ', '.join(lost),
                    hint=HINT_IDEM_WEAK, extra={'middleware': name, 'lost': lost}))
            for reason, where, where_line in self._weakened(mb.profile, mh.profile):
                self.out.append(Finding(
                    rule='idempotency-weakened', category=CATEGORY, severity='error',
                    path=where or mh.file, line=where_line or mh.line,
                    message=f'idempotency middleware {name}: {reason}',
                    hint=HINT_IDEM_WEAK, extra={'middleware': name}))


def _chain(first: list[ast.stmt], rest: Iterable[list[ast.stmt]]
           ) -> Iterator[list[ast.stmt]]:
    yield first
    yield from rest


class _Functions(Mapping[str, 'ast.FunctionDef | ast.AsyncFunctionDef']):
    """The functions of a piecewise module by name for ``find_routes`` (an
    ``add_api_route`` endpoint), parsed when asked for."""

    def __init__(self, index: Index, mod: Module) -> None:
        self.index = index
        self.mod = mod

    def __getitem__(self, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef:
        got = self.index.lookup(self.mod, name) if name in self else None
        if got is None or got[1] is not self.mod or not isinstance(
                got[2], (ast.FunctionDef, ast.AsyncFunctionDef)):
            raise KeyError(name)
        return got[2]

    def __contains__(self, name: object) -> bool:
        return name in self.mod.functions or name in self.mod.lazy

    def __iter__(self) -> Iterator[str]:
        return iter({**self.mod.functions, **self.mod.lazy})

    def __len__(self) -> int:
        return len({**self.mod.functions, **self.mod.lazy})


def _endpoint_keyword(call: ast.Call) -> ast.expr | None:
    """``endpoint=`` / ``view_func=`` of an ``add_api_route`` / ``add_url_rule`` call."""
    return next((k.value for k in call.keywords if k.arg in ('endpoint', 'view_func')), None)


def _flags_form(value: object) -> bool:
    return value is None or (isinstance(value, tuple) and len(value) == 3
                             and all(isinstance(v, bool) for v in value))


def _imports_form(value: object) -> bool:
    """``value`` is what ``_import_facts`` keeps (or ``None``: not derived yet)."""
    return value is None or (isinstance(value, tuple) and all(
        isinstance(i, tuple) and len(i) == 3 and isinstance(i[0], str)
        and (i[1] is None or isinstance(i[1], str)) and type(i[2]) is int and i[2] >= 0
        for i in value))


# ``from . import x``, ``from .. import x``, ``from . . import x``, across a line break
_BARE_RELATIVE = re.compile(r'\bfrom(?:\s|\\)*(?:\.(?:\s|\\)*)+import\b')


def _may_import(text: str, stems: set[str], bare: bool) -> bool:
    """Whether a module of this text may import one with a name in ``stems`` (a package
    ``__init__`` among them when ``bare``): an import names the module, except
    ``from . import x``, which names only its package."""
    if 'import' not in text:
        return False
    if not text.isascii():
        return True     # an identifier may be spelt otherwise (Python normalises it: NFKC)
    return any(s in text for s in stems) or (bare and _BARE_RELATIVE.search(text) is not None)


def _as_read(text: str) -> str:
    """``text`` with its identifiers as Python reads them (NFKC: ``ｒｅｎａｍｅ(x)`` calls
    ``rename``), for the searches of names; ASCII text as is."""
    return text if text.isascii() else _nfkc(text)


@functools.lru_cache(maxsize=64)
def _nfkc(text: str) -> str:
    import unicodedata

    return unicodedata.normalize('NFKC', text)


def _route_spans(route: Route) -> list[tuple[int, int]]:
    """The lines of a route's own code: its decorator or registering call
    (``Route("/x", handler)``, ``add_api_route``) to the end of its handler, and the
    handler's own lines when it is defined apart from the call (above it, as Starlette's
    ``routes=[Route(...)]`` lists are written)."""
    node = route.node or route.call
    out = [(route.line, getattr(node, 'end_lineno', None) or route.line)]
    fn = route.node
    if fn is not None and route.call is not None:
        first = min([fn.lineno, *(d.lineno for d in fn.decorator_list)])
        out.append((first, getattr(fn, 'end_lineno', None) or fn.lineno))
        out.append((route.line, getattr(route.call, 'end_lineno', None) or route.line))
    return out


def _stem(path: str) -> str:
    """The name a module is imported by: ``app/orders.py`` / ``app/orders/__init__.py``
    -> ``orders``."""
    parts = path[:-3].split('/')
    return parts[-2] if parts[-1] == '__init__' and len(parts) > 1 else parts[-1]


def _nearest_first(paths: Iterable[str]) -> Callable[[str], int]:
    """Sort key: files sharing the longest directory prefix with one of ``paths`` first."""
    prefixes: set[tuple[str, ...]] = set()
    for p in paths:
        parts = tuple(p.split('/')[:-1])
        prefixes.update(parts[:i] for i in range(1, len(parts) + 1))

    def key(path: str) -> int:
        parts = tuple(path.split('/')[:-1])
        for i in range(len(parts), 0, -1):
            if parts[:i] in prefixes:
                return -i
        return 0
    return key
