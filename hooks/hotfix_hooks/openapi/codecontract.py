"""The route code's contract as data: what ``fromcode.build`` produces and the analysis
cache keeps (``codeside``), without the machinery that builds it, so a run whose both sides
come from the cache imports neither the builder nor the OpenAPI engine."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# A module can define routes only if it matches this (read before parsing anything).
_ROUTE_RE = re.compile(
    rb'\.(?:get|post|put|patch|delete|head|options|trace|route|api_route)\s*\('
    rb'|add_api_route|add_url_rule|include_router|register_blueprint|\bRoute\s*\(')
# A changed module can change the contract only if it has routes or models / enums.
_CONTRACT_RE = re.compile(_ROUTE_RE.pattern + rb'|BaseModel|SQLModel|Enum\b'
                          rb'|\b(?:Field|Header|Query|Path|Body|Cookie|Form|File|Depends)\s*\('
                          rb'|^class \w+\(\w', re.M)
# the files that place package roots, and those that may pin Pydantic
_PROJECT_FILES = ('pyproject.toml', 'setup.cfg', 'setup.py')
_REQUIREMENTS = re.compile(r'(^|/)(requirements[^/]*\.(?:txt|in)|pyproject\.toml|setup\.cfg'
                           r'|setup\.py|Pipfile)$')


class CodeContract:
    """The contract of one side's route code: the OpenAPI document and where each of its
    pointers comes from (``doc``, ``locs``: read from the analysis cache only when
    needed, through ``load``), the handler of each operation, what could not be
    resolved, the routes and the modules with routes that do not parse."""

    def __init__(self, doc: dict[str, Any] | None, locs: dict[str, tuple[str, int]] | None,
                 handlers: dict[str, tuple[str, str]],
                 unresolved: list[tuple[str, int, str]],
                 routes: dict[str, _RouteFacts] | None = None,
                 unparsed: list[str] | None = None, *,
                 load: Callable[[], tuple[dict[str, Any], dict[str, tuple[str, int]]]]
                 | None = None, digest: str = '',
                 coverage: tuple[int, list[str]] | None = None,
                 error_coverage: tuple[int, list[str]] | None = None) -> None:
        self._doc = doc
        self._locs = locs
        self._load = load
        self.handlers = handlers                  # operation pointer -> (file, function)
        self.unresolved = unresolved              # (file, line, what)
        self.routes = routes or {}                # by operation pointer
        self.unparsed = unparsed or []
        self.digest = digest                      # of ``doc`` (repr), '' when unknown
        self.coverage = coverage                  # ``coverage(self)`` of the built doc
        self.error_coverage = error_coverage      # ``error_coverage(self)`` of it
        self.inputs: str | None = None            # ``side_inputs`` of its side, when known

    def _loaded(self) -> None:
        if self._doc is None or self._locs is None:
            assert self._load is not None
            self._doc, self._locs = self._load()

    @property
    def doc(self) -> dict[str, Any]:
        self._loaded()
        assert self._doc is not None
        return self._doc

    @property
    def locs(self) -> dict[str, tuple[str, int]]:
        self._loaded()
        assert self._locs is not None
        return self._locs


# what code_findings needs of a route without its AST: (file, line, handler function, a
# digest of what of its code shapes the response (``_response_code``), why its 2xx
# responses are not resolved)
_RouteFacts = tuple[str, int, str, str, list[str]]


class CodeSpec:
    """Duck-typed ``Spec`` over a code contract (lines come from the source files)."""

    def __init__(self, contract: CodeContract) -> None:
        self.contract = contract
        self.data = contract.doc
        self.path = '<route code>'
        self.text = ''

    def where(self, pointer: str | None) -> tuple[str, int] | None:
        ptr = pointer or ''
        while True:
            got = self.contract.locs.get(ptr)
            if got is not None:
                return got
            if not ptr:
                return None
            ptr = ptr.rsplit('/', 1)[0]

    def line(self, pointer: str | None) -> int | None:
        got = self.where(pointer)
        return got[1] if got else None


def coverage(contract: CodeContract) -> tuple[int, list[str]]:
    """(operations, labels of those whose success response is not known): an operation
    counts as resolved when its 2xx response schema (everything it references) could be
    read, or it has no body (204, a declared ``None``)."""
    from hotfix_hooks.openapi.schema import UNRESOLVED

    schemas = contract.doc['components']['schemas']
    memo: dict[str, bool] = {}
    unresolved = []
    total = 0
    for path, item in contract.doc['paths'].items():
        for method, op in item.items():
            total += 1
            ok = [r for s, r in op['responses'].items() if s.startswith('2')]
            if not ok or any(UNRESOLVED in r
                             or not _known(r.get('content'), schemas, memo, UNRESOLVED)
                             for r in ok):
                unresolved.append(f'{method.upper()} {path}')
    return total, unresolved


# an operation whose ``responses=`` could not be read at all (no status is known)
UNREAD_RESPONSES = 'x-hotfix-responses-unresolved'


def error_coverage(contract: CodeContract) -> tuple[int, list[str]]:
    """(error responses declared, ``METHOD /path status`` of those whose body could not be
    read): the 4xx/5xx/default responses of ``responses=``, each counted once per
    operation (one without a body counts as read); a ``responses=`` not read at all counts
    as one (``METHOD /path responses=``)."""
    from hotfix_hooks.openapi.schema import UNRESOLVED

    schemas = contract.doc['components']['schemas']
    memo: dict[str, bool] = {}
    unread = []
    total = 0
    for path, item in contract.doc['paths'].items():
        for method, op in item.items():
            if UNREAD_RESPONSES in op:
                total += 1
                unread.append(f'{method.upper()} {path} responses=')
            for status, r in op['responses'].items():
                if status[:1] in ('1', '2', '3'):
                    continue
                total += 1
                if UNRESOLVED in r or not _known(r.get('content'), schemas, memo, UNRESOLVED):
                    unread.append(f'{method.upper()} {path} {status}')
    return total, unread


def _known(node: object, schemas: dict[str, Any], memo: dict[str, bool], unresolved: str
           ) -> bool:
    """No unresolved schema is reachable from ``node`` (components memoised; one being
    visited counts as known, so cycles end)."""
    if isinstance(node, dict):
        if unresolved in node:
            return False
        ref = node.get('$ref')
        if isinstance(ref, str) and ref.startswith('#/components/schemas/'):
            name = ref.rsplit('/', 1)[-1].replace('~1', '/').replace('~0', '~')
            if name not in memo:
                memo[name] = True
                memo[name] = _known(schemas.get(name), schemas, memo, unresolved)
            return memo[name]
        return all(_known(v, schemas, memo, unresolved) for v in node.values())
    if isinstance(node, list):
        return all(_known(v, schemas, memo, unresolved) for v in node)
    return True
