"""The route-code contract of both sides of a change, from the analysis cache when it can
be, and the findings of their differences (``code_findings``, called by ``guard``).

Each side's contract is kept in the analysis cache (``side_contract``), keyed by a digest
of everything it is built from (``side_inputs``): a side scanned before (the base of the
next commit, a scan run again) is neither read nor parsed, and its OpenAPI document is
loaded only when the two sides' documents differ. This module imports the builder
(``fromcode``), the OpenAPI comparison (``diff``) and the Python parser only when a side or
a comparison is not in the cache: a warm run loads none of them.
"""
from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any
from typing import TYPE_CHECKING

from hotfix_hooks import digests
from hotfix_hooks import fastclass
from hotfix_hooks.cache import parts_digest
from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.changeset import code_view
from hotfix_hooks.changeset import CodeSnapshot
from hotfix_hooks.changeset import glob_to_regex
from hotfix_hooks.changeset import linked_changes
from hotfix_hooks.changeset import matches_any
from hotfix_hooks.changeset import Snapshot
from hotfix_hooks.findings import Finding
from hotfix_hooks.openapi.codecontract import _CONTRACT_RE
from hotfix_hooks.openapi.codecontract import _PROJECT_FILES
from hotfix_hooks.openapi.codecontract import _REQUIREMENTS
from hotfix_hooks.openapi.codecontract import CodeContract
from hotfix_hooks.openapi.codecontract import CodeSpec
from hotfix_hooks.openapi.codecontract import coverage
from hotfix_hooks.openapi.codecontract import error_coverage

if TYPE_CHECKING:
    from hotfix_hooks.openapi.fromcode import ParseCache

def code_findings(changes: ChangeSet, cfg: dict[str, Any]) -> list[Finding]:
    """Compare the route code's contract at base and head (only when Python changed)."""
    exclude = list(cfg.get('code_exclude', []))
    changed_py = [f for f in [*changes.files, *linked_changes(changes)]
                  if (f.path.endswith('.py') or (f.old_path or '').endswith('.py'))
                  and not matches_any(f.path, exclude)]
    # both sides as Python imports them: a symbolic link reads as the file it points at
    code_base, code_head = code_view(changes.base), code_view(changes.head)
    if not any(_CONTRACT_RE.search(b) for f in changed_py
               for b in (code_base.read(f.old_path or f.path) if f.status != 'added'
                         else None,
                         code_head.read(f.path) if f.status != 'deleted' else None) if b):
        return []           # plain logic changed: the contract cannot have
    shared: dict[str, Any] = {}         # the parsed modules both sides share, when built
    roots = list(cfg.get('python_roots', []))
    base = side_contract(changes, code_base, exclude, roots, shared=shared)
    head = side_contract(changes, code_head, exclude, roots, shared=shared, release=True)
    if 'modules' in shared:             # the module results of the last side built
        shared.pop('modules').flush()
    base_unparsed, head_unparsed = set(base.unparsed), set(head.unparsed)
    changed = {f.path for f in changed_py}
    out: list[Finding] = []
    # a changed module that is a link which cannot be followed (or lies below a linked
    # folder that cannot): unknown, as one that does not parse (its routes compared on
    # neither side), and said, once per link
    for view in (code_base, code_head):
        for p in changed:
            view.exists(p)
    unreadable = {p: why for view in (code_base, code_head)
                  for p, why in view.unreadable.items() if p in changed and p.endswith('.py')}
    said: dict[str, tuple[str, str, str | None]] = {}
    for path, why in sorted(unreadable.items()):
        view = code_head if path in code_head.unreadable else code_base
        said.setdefault(view.broken.get(path, path), (path, why, None))
    # a module a changed module imports, behind a link that cannot be followed (as old as
    # the base or not): what it defines is unknown to the changed routes. Probed again on
    # every run, so a warm run says what a cold one says.
    for path, why, by in _imported_unreadable(code_head, changed_py, exclude, roots):
        said.setdefault(code_head.broken.get(path, path), (path, why, by))
    for link, (path, why, importer) in sorted(said.items()):
        where = f'the module {path} is' if path != link else 'the module is'
        used = f', imported by {importer},' if importer else ''
        out.append(Finding(
            rule='api-code-unreadable', category='contract', severity='warning', path=path,
            line=None, message=f'{where} {why}{used} so the code Python imports here was '
                               'not read; its routes and models are unknown and were not '
                               'compared',
            hint='make the module a regular file, or a symbolic link to one (a relative path '
                 'inside the repository)'))
    head_unparsed |= set(unreadable)
    # A module that does not parse on one side: its routes are unknown there, so they are
    # compared on neither side (never "removed" or "added").
    unknown = base_unparsed | head_unparsed
    if unknown:
        from hotfix_hooks.pyast import requires_python
        from hotfix_hooks.pyast import version_hint

        _drop_operations(base, unknown)
        _drop_operations(head, unknown)
        version = requires_python(changes.head.paths(), changes.head.read)
        for path in sorted(unknown & changed):
            where = 'at the base and at the head' if (
                path in base_unparsed and path in head_unparsed) else (
                'at the head' if path in head_unparsed else 'at the base')
            out.append(Finding(
                rule='api-code-unparseable', category='contract',
                severity='info' if version else 'warning', path=path, line=None,
                message=f'the module does not parse {where} with Python '
                        f'{sys.version_info[0]}.{sys.version_info[1]}: its routes are '
                        'unknown and were not compared',
                hint=version_hint(version) if version else
                'fix the syntax error; until then the routes of this module are not checked'))
        if version:
            out.append(Finding(
                rule='python-version-unsupported', category='contract', severity='info',
                path=version[0], line=None, message=version_hint(version),
                hint='set language_version in .pre-commit-config.yaml',
                extra={'requires_python': version[1]}))
    if unknown:         # the documents were changed above: compared as they are now
        if base.doc != head.doc:
            from hotfix_hooks.openapi.diff import diff_specs
            from hotfix_hooks.openapi.fromcode import _relocate
            from hotfix_hooks.openapi.fromcode import _same_line

            bspec, hspec = CodeSpec(base), CodeSpec(head)
            out.extend(_same_line(_relocate(diff_specs(bspec, hspec), bspec, hspec)))
    elif not base.digest or base.digest != head.digest:
        out.extend(_compared(changes, base, head, {'format': SIDE_FORMAT,
                                                    'code_exclude': exclude,
                                                    'python_roots': roots}))
    _name_changed_routes(out, base, head, changed)
    out.extend(_unresolved_routes(base, head, changed))
    seen = set()
    for file, line, what in head.unresolved:
        if file in changed and (file, what) not in seen:
            seen.add((file, what))
            out.append(Finding(
                rule='api-code-unresolved', category='contract', severity='info', path=file,
                line=line, message=f'{what}: not part of the compared contract',
                hint='use constants, literal dicts and importable Pydantic models so the '
                     'contract can be read statically'))
    total, missing = coverage(head) if unknown or head.coverage is None else head.coverage
    if total:
        shown = ', '.join(missing[:10]) + (f' and {len(missing) - 10} more'
                                           if len(missing) > 10 else '')
        errors, unread = (error_coverage(head) if unknown or head.error_coverage is None
                          else head.error_coverage)
        unread_shown = ', '.join(unread[:5]) + (f' and {len(unread) - 5} more'
                                                if len(unread) > 5 else '')
        out.append(Finding(
            rule='api-code-coverage', category='contract', severity='info', path=None,
            line=None,
            message=f'resolved response schemas for {total - len(missing)}/{total} operations '
                    'of the route code' + (f'; unresolved: {shown}' if missing else '')
                    + (f'; error responses read for {errors - len(unread)}/{errors}'
                       + (f' (not read: {unread_shown})' if unread else '') if errors else '')
                    + (f'; {len(unknown)} module(s) with routes do not parse' if unknown
                       else ''),
            hint='what is not resolved is not compared: set [tool.hotfix-hooks.contract] '
                 'python_roots when imports of the project are not found',
            extra={'resolved': total - len(missing), 'total': total,
                   'unresolved': missing, 'unparsed': sorted(unknown),
                   'errors_resolved': errors - len(unread), 'errors_total': errors,
                   'errors_unresolved': unread}))
    return out


# what a side's contract is stored as in the analysis cache (bump when its layout changes)
SIDE_NAMESPACE = 'contract.side'
SIDE_DOC_NAMESPACE = 'contract.doc'
PAIR_NAMESPACE = 'contract.diff'
SIDE_FORMAT = 2         # 2: the response code of a route as a digest


def _project_file(path: str) -> bool:
    """A file that places package roots or pins Pydantic (part of a side's inputs)."""
    return path.rsplit('/', 1)[-1] in _PROJECT_FILES or (
        path.count('/') <= 2 and _REQUIREMENTS.search(path) is not None)


def side_inputs(snap: Snapshot, exclude: list[str]) -> str | None:
    """A digest of everything the contract of ``snap`` is built from: the path and blob id
    of every Python module it reads (in the order it reads them), of the project files that
    place package roots and of the requirement files that pin Pydantic; ``None`` when a
    blob id is not known (nothing is cached then)."""
    excluded = _excluded(exclude)
    out = []
    for path in snap.paths():
        if not (path.endswith('.py') and not excluded(path)) and not _project_file(path):
            continue
        blob = snap.blob_id(path)
        if blob is None and isinstance(snap, CodeSnapshot) and path in snap.unreadable:
            blob = 'unreadable link ' + (snap.inner.blob_id(path) or '')
        if blob is None:
            return None
        out.append(path.encode('utf-8', 'surrogatepass') + b'\0' + blob.encode() + b'\0')
    return digests.sha256(b''.join(out)).hexdigest()


def _imported_unreadable(view: CodeSnapshot, changed_py: list[Any], exclude: list[str],
                         roots: list[str]) -> list[tuple[str, str, str]]:
    """(module path, why, importing file) of each module a changed module of the head
    imports that lies behind a link which cannot be followed."""
    if not view.broken_links():
        return []                   # no broken link anywhere: nothing to look for
    import ast

    from hotfix_hooks.openapi.fromcode import ParseCache
    from hotfix_hooks.openapi.fromcode import Project

    project = Project(view, exclude, ParseCache(), roots)
    out = []
    for f in changed_py:
        if f.status == 'deleted' or not f.path.endswith('.py'):
            continue
        data = view.read(f.path)
        try:
            tree = ast.parse(data or b'', filename=f.path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue                # said as unparseable
        names: list[str] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                mod = project.resolve_from(f.path, node.level, node.module)
                names.append(mod)
                names += [f'{mod}.{a.name}' if mod else a.name for a in node.names]
        for dotted in dict.fromkeys(n for n in names if n):
            rel = dotted.replace('.', '/')
            for root in project._roots(f.path):
                cand = next((c for c in (f'{root}{rel}/__init__.py', f'{root}{rel}.py')
                             if view.exists(c) or c in view.unreadable), None)
                if cand is None:
                    continue
                if cand in view.unreadable:
                    out.append((cand, view.unreadable[cand], f.path))
                break                       # what Python imports: found
    return out


def _excluded(exclude: list[str]) -> Callable[[str], bool]:
    """``matches_any(path, exclude)`` as one pattern (a side lists every file of the
    repository)."""
    if not exclude:
        return lambda _path: False
    key = tuple(exclude)
    got = _EXCLUDED.get(key)
    if got is None:
        rx = re.compile('|'.join(f'(?:{glob_to_regex(p).pattern})' for p in exclude))
        got = _EXCLUDED[key] = rx.match
    return got  # type: ignore[return-value]


_EXCLUDED: dict[tuple[str, ...], Callable[[str], re.Match[str] | None]] = {}


def side_contract(changes: ChangeSet, snap: Snapshot, exclude: list[str], roots: list[str],
                  cache: ParseCache | None = None, release: bool = False, *,
                  shared: dict[str, Any] | None = None) -> CodeContract:
    """The contract of one side, from the analysis cache when this exact content was
    analysed before (any run, any worktree), else built and stored.

    The contract is a function of the side's Python modules, project and requirement files
    (``side_inputs``), ``contract.code_exclude`` and ``contract.python_roots``. It is
    stored as two plain-data entries: the summary (handlers, unresolved, route facts,
    unparsed modules, coverage and a digest of the document) and the document with its
    locations, read only when the two sides' documents differ. An uncached run goes
    through the same plain form, so a cached and an uncached run compare identical
    data. ``release``: the last side built with ``cache``: its parsed modules are dropped
    as soon as the contract is built. A side that is not in the cache is built from the
    per-module results the cache holds (``contract.module``: ``fromcode._build_by_module``),
    deriving only the modules whose inputs changed."""
    import marshal

    inputs = side_inputs(snap, exclude)
    parts = {'format': SIDE_FORMAT, 'code_exclude': exclude, 'python_roots': roots}
    built: dict[str, Any] = {}

    def make() -> dict[str, Any]:
        from hotfix_hooks.openapi.fromcode import build
        from hotfix_hooks.openapi.fromcode import ParseCache
        from hotfix_hooks.openapi.fromcode import Project

        parsed = cache
        if parsed is None and shared is not None:
            parsed = shared.get('parse') or shared.setdefault('parse', ParseCache())
        store: _ModuleStore | None = None
        if changes.cache.enabled:
            store = shared.get('modules') if shared is not None else None
            if store is None or store.parts != parts:
                store = _ModuleStore(changes, parts)
                if shared is not None:
                    shared['modules'] = store
            store.begin_side()
        contract = build(Project(snap, exclude, parsed or ParseCache(), roots), store)
        if store is not None and shared is None:
            store.flush()               # its module results, one batch
        if release and parsed is not None:
            parsed.clear()              # the last side: no AST is needed any more
        summary = {'handlers': contract.handlers, 'unresolved': contract.unresolved,
                   'routes': contract.routes, 'unparsed': contract.unparsed,
                   'coverage': coverage(contract), 'error_coverage': error_coverage(contract)}
        # the plain form, as the cache gives it back (tuples stay tuples, nothing shared
        # with the builder); equal bytes are equal documents (unequal bytes: compared)
        # marshal format 2 writes no back-references: equal documents give equal bytes
        # however their objects are shared (one builder, or one per module); the copy
        # keeps them shared (the default format), made once the digest's bytes are gone
        summary['digest'] = digests.sha256(marshal.dumps(contract.doc, 2)).hexdigest()
        doc_bytes = marshal.dumps(contract.doc)
        locs = contract.locs
        del contract
        built['doc'] = {'doc': marshal.loads(doc_bytes), 'locs': marshal.loads(
            marshal.dumps(locs))}
        del doc_bytes, locs
        if inputs is not None:
            changes.cache.put(SIDE_DOC_NAMESPACE, inputs, parts, built['doc'])
        return marshal.loads(marshal.dumps(summary))  # type: ignore[no-any-return]

    def load() -> tuple[dict[str, Any], dict[str, tuple[str, int]]]:
        got = built.get('doc')
        if got is None and inputs is not None:
            found, got = changes.cache.get(SIDE_DOC_NAMESPACE, inputs, parts)
            if not found or not isinstance(got, dict):
                got = None
        if got is None:         # the document's entry is gone (pruned): build it again
            make()
            got = built['doc']
        return got['doc'], got['locs']

    summary = changes.cache.get_or_build(SIDE_NAMESPACE, inputs, parts, make)
    contract = CodeContract(None, None, summary['handlers'], summary['unresolved'],
                            summary['routes'], summary['unparsed'], load=load,
                            digest=summary['digest'], coverage=tuple(summary['coverage']),
                            error_coverage=tuple(summary['error_coverage']))
    contract.inputs = inputs
    return contract


MODULE_NAMESPACE = 'contract.module'     # one module's mounts, or its operations


class _ModuleStore:
    """``fromcode.ModuleStore`` over the analysis cache: a module's result is keyed by its
    path and blob id, the policy keys and what of the project it depends on; the files and
    imports it read are checked by ``fromcode`` before it is reused. A module's two results
    (its mounts, its operations) share one entry: one file to write and read per module.

    One store serves both sides of a scan (``shared['modules']``): a result derived for the
    base is reused from memory by the head. The results are written in one batch
    (``Cache.put_many``) once the last side is built (``flush``), and only the modules whose
    results the last side used and derived in this run: a result only the base used (a
    module whose inputs the range changes) would serve no later scan (the next commit's
    base is this head, read whole from its ``contract.side`` entry), and writing many
    small entries was most of the cost of a cold run."""

    def __init__(self, changes: ChangeSet, parts: dict[str, Any]) -> None:
        self.cache = changes.cache
        self.parts = parts
        self._context: tuple[dict[str, Any], str] | None = None
        # (path, blob, context digest) -> {kind: the result's marshal bytes}, read or
        # derived in this run (the builder joins results into the side's document in
        # place: each use decodes a fresh copy, as a read from the cache does)
        self._known: dict[tuple[str, str, str], dict[str, bytes]] = {}
        self._derived: set[tuple[str, str, str]] = set()
        self._used: set[tuple[str, str, str]] = set()

    def begin_side(self) -> None:
        self._used = set()

    def _key(self, path: str, blob: str, context: dict[str, Any]) -> tuple[str, str, str]:
        # the policy keys and the context digested once per side, not once per module
        got = self._context
        if got is None or got[0] is not context:
            got = self._context = (context, parts_digest({**self.parts, **context}))
        return path, blob, got[1]

    def _entry(self, key: tuple[str, str, str]) -> dict[str, bytes]:
        got = self._known.get(key)
        if got is None:
            path, blob, digest = key
            found, value = self.cache.get(MODULE_NAMESPACE, blob,
                                          {'context': digest, 'path': path})
            got = self._known[key] = ({k: v for k, v in value.items()
                                       if isinstance(k, str) and isinstance(v, bytes)}
                                      if found and isinstance(value, dict) else {})
        return got

    def get(self, kind: str, path: str, blob: str, context: dict[str, Any]) -> Any:
        import marshal

        key = self._key(path, blob, context)
        self._used.add(key)
        got = self._entry(key).get(kind)
        if got is None:
            return None
        try:
            return marshal.loads(got)
        except (EOFError, ValueError, TypeError):
            return None

    def put(self, kind: str, path: str, blob: str, context: dict[str, Any],
            value: Any) -> None:
        import marshal

        key = self._key(path, blob, context)
        self._used.add(key)
        try:
            self._entry(key)[kind] = marshal.dumps(value)
        except ValueError:
            raise TypeError(f'cache value of {MODULE_NAMESPACE} is not plain data') from None
        self._derived.add(key)

    def flush(self) -> None:
        """Write the modules with results derived in this run that the last side used."""
        keys = sorted(self._derived & self._used)
        self._derived -= set(keys)
        self.cache.put_many([(MODULE_NAMESPACE, blob, {'context': digest, 'path': path},
                              self._known[key]) for key in keys
                             for path, blob, digest in [key]], background=True)


def _compared(changes: ChangeSet, base: CodeContract, head: CodeContract,
              parts: dict[str, Any]) -> list[Finding]:
    """The differences of two contracts (``diff_specs``, moved routes, one finding per
    root cause), kept in the analysis cache per pair of sides: a commit scanned again
    neither loads nor compares the two documents."""
    import marshal

    def make() -> list[dict[str, Any]]:
        if base.doc == head.doc:
            return []
        from hotfix_hooks.openapi.diff import diff_specs
        from hotfix_hooks.openapi.fromcode import _relocate
        from hotfix_hooks.openapi.fromcode import _same_line

        bspec, hspec = CodeSpec(base), CodeSpec(head)
        found = _same_line(_relocate(diff_specs(bspec, hspec), bspec, hspec))
        plain = [{f.name: getattr(x, f.name) for f in fastclass.fields(Finding)}
                 for x in found]
        return marshal.loads(marshal.dumps(plain))  # type: ignore[no-any-return]

    key = None
    if base.inputs is not None and head.inputs is not None:
        key = digests.sha256(f'{base.inputs}:{head.inputs}'.encode()).hexdigest()
    plain = changes.cache.get_or_build(PAIR_NAMESPACE, key, parts, make)
    return [Finding(**item) for item in plain]


def _drop_operations(contract: CodeContract, files: set[str]) -> None:
    paths = contract.doc['paths']
    for ptr, (file, _) in list(contract.handlers.items()):
        if file not in files:
            continue
        segs = ptr.split('/')
        path = segs[2].replace('~1', '/').replace('~0', '~')
        item = paths.get(path)
        if item is not None:
            item.pop(segs[3], None)
            if not item:
                del paths[path]
        del contract.handlers[ptr]


def _name_changed_routes(found: list[Finding], base: CodeContract, head: CodeContract,
                         changed: set[str]) -> None:
    """A finding located where the changed schema is declared (a model, an exception
    class) in a file this commit did not touch was caused by a route the commit changed
    (its ``response_model``, its ``responses=``): the message names that route's file and
    line, so the reviewer finds the cause in the diff. The location stays the declaration
    (where the changed value or field is)."""
    for f in found:
        if not f.path or f.path in changed or f.extra.get('source') != 'route code':
            continue
        ops = f.extra.get('affected') or ([f.extra['operation']] if f.extra.get(
            'operation') else [])
        places: dict[str, list[str]] = {}
        for op in ops:
            method, _, path = str(op).partition(' ')
            ptr = f"/paths/{path.replace('~', '~0').replace('/', '~1')}/{method.lower()}"
            facts = head.routes.get(ptr) or base.routes.get(ptr)
            if facts and facts[0] in changed:
                places.setdefault(f'{facts[0]}:{facts[1]}', []).append(str(op))
        if places:
            f.message += ' (the commit changed ' + '; '.join(
                f'the route {", ".join(o)} at {where}' for where, o in places.items()) + ')'
            f.extra['changed_routes'] = sorted(places)


def _unresolved_routes(base: CodeContract, head: CodeContract, changed: set[str]
                       ) -> list[Finding]:
    """A warning for each existing route whose response code (response keywords, return
    annotation, returned values) changed while its response could not be read."""
    out = []
    for ptr, (file, line, function, code, why) in head.routes.items():
        if file not in changed or ptr not in head.handlers:
            continue        # not changed, or dropped (its module does not parse)
        if not why:
            continue
        segs = ptr.split('/')
        path = segs[2].replace('~1', '/').replace('~0', '~')
        old = base.routes.get(ptr)
        if old is None or old[3] == code:
            continue        # a new route has no clients yet; an unchanged response: as before
        out.append(Finding(
            rule='api-route-contract-unresolved', category='contract', severity='warning',
            path=file, line=line,
            message=f'{segs[3].upper()} {path} ({function or "handler"}): what it '
                    f'returns changed but its response contract could not be read '
                    f'({why[0]}): review its response by hand',
            hint='declare the response with response_model= (or a return annotation) naming '
                 'a Pydantic model the project defines, so it can be compared',
            extra={'operation': f'{segs[3].upper()} {path}', 'affected':
                   [f'{segs[3].upper()} {path}'], 'pointer': ptr, 'source': 'route code'}))
    return out
