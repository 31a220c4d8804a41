"""Idempotency middleware, for the actions guard: middleware classes and
``@app.middleware('http')`` functions that handle an idempotency key, the path prefixes and
methods they guard, and where they are registered (``app.add_middleware``).
"""
from __future__ import annotations

import ast
import dataclasses

from hotfix_hooks.actions.flow import Analyzer
from hotfix_hooks.actions.flow import HTTP_METHODS
from hotfix_hooks.actions.flow import method_of
from hotfix_hooks.actions.flow import Profile
from hotfix_hooks.actions.index import Module
from hotfix_hooks.actions.index import module_strings as _module_strings
from hotfix_hooks.actions.records import FnId
from hotfix_hooks.fastclass import dataclass
from hotfix_hooks.pyast import call_name
from hotfix_hooks.pyast import source_of


@dataclass
class Middleware:
    name: str
    file: str
    line: int
    prefixes: set[str]
    methods: set[str]
    profile: Profile
    registered_in: list[tuple[str, int]] = dataclasses.field(default_factory=list)

    def covers(self, method: str, path: str | None) -> bool:
        if self.methods and method not in self.methods and method != '?':
            return False
        if not self.prefixes or path is None:
            return True
        return any(path.startswith(p) for p in self.prefixes)


def find_middleware(analyzer: Analyzer, mod: Module) -> dict[str, Middleware]:
    """Idempotency middleware defined in ``mod``: classes with a ``dispatch``/``__call__``
    (or a ``*Middleware`` base) and ``@app.middleware('http')`` functions that mention
    an idempotency marker; plus the guard lists they use (path prefixes, methods)."""
    out: dict[str, Middleware] = {}
    consts = _module_strings(mod.tree)
    for node in mod.tree.body:
        if isinstance(node, ast.ClassDef):
            is_mw = (method_of(node, 'dispatch') or method_of(node, '__call__')
                     or any('Middleware' in source_of(b) for b in node.bases))
            body_text_marker = analyzer.is_marker(node.name) or any(
                isinstance(s, ast.Constant) and isinstance(s.value, str)
                and analyzer.is_marker(s.value) for s in ast.walk(node))
            if not (is_mw and body_text_marker):
                continue
            fns = [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
            prof = Profile()
            seen: set[FnId] = set()
            for fn in fns:
                analyzer.visit_function(mod, fn, node, prof, seen)
            analyzer._marker_node(node, mod, node.name, prof)
            prefixes, methods = _guards(node, consts)
            out[node.name] = Middleware(node.name, mod.path, node.lineno, prefixes, methods, prof)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if not any(isinstance(d, ast.Call) and call_name(d.func) == 'middleware'
                       for d in node.decorator_list):
                continue
            prof = analyzer.profile(mod, node)
            if not prof.handled:
                continue
            prefixes, methods = _guards(node, consts)
            out[node.name] = Middleware(node.name, mod.path, node.lineno, prefixes, methods, prof,
                                        [(mod.path, node.lineno)])
    return out


def registrations(mod: Module) -> list[tuple[str, int, set[str], set[str]]]:
    """``app.add_middleware(Name, ...)`` / ``Middleware(Name, ...)`` calls in ``mod``:
    (name, line, prefixes, methods) from the keyword arguments."""
    consts = _module_strings(mod.tree)
    out = []
    for node in ast.walk(mod.tree):
        if isinstance(node, ast.Call) and call_name(node.func) in ('add_middleware', 'Middleware') \
                and node.args:
            first = node.args[0]
            name = call_name(first) if isinstance(first, (ast.Name, ast.Attribute)) else ''
            if not name:
                continue
            prefixes: set[str] = set()
            methods: set[str] = set()
            for k in node.keywords:
                _collect_strings(k.value, consts, prefixes, methods)
            out.append((name, node.lineno, prefixes, methods))
    return out


def _collect_strings(node: ast.AST, consts: dict[str, list[str]], prefixes: set[str],
                     methods: set[str]) -> None:
    for s in ast.walk(node):
        values: list[str] = []
        if isinstance(s, ast.Constant) and isinstance(s.value, str):
            values = [s.value]
        elif isinstance(s, ast.Name) and s.id in consts:
            values = consts[s.id]
        for v in values:
            if v.upper() in HTTP_METHODS and v.isalpha():
                methods.add(v.upper())
            elif v.startswith('/') and ' ' not in v:
                prefixes.add(v)


def _guards(node: ast.AST, consts: dict[str, list[str]]) -> tuple[set[str], set[str]]:
    prefixes: set[str] = set()
    methods: set[str] = set()
    _collect_strings(node, consts, prefixes, methods)
    return prefixes, methods
