"""The API contract of the route code, built statically (``ast`` only, never imported).

Routes come from ``hooks.pyroutes``; on top of them this module resolves
``include_router(..., prefix=)`` / ``register_blueprint(..., url_prefix=)`` mounts, handler
parameters (``Path``/``Query``/``Header``/``Cookie``/``Body``/``Form``/``File`` markers, in
defaults or ``Annotated``), ``openapi_extra`` parameter dicts, request bodies,
``response_model``/return annotations/``responses=`` resolved to Pydantic models (fields,
``Optional``/``| None``, defaults, ``Literal``/``Enum`` values, ``Field`` constraints,
inheritance, models imported from other modules read through the snapshot), and writes
it as an OpenAPI 3.1 document, so the same direction-aware engine compares base and head.
What cannot be resolved statically is recorded and reported at ``info``.

``codeside`` keeps each side's contract in the analysis cache and compares the two sides;
it imports this module only when a side has to be built.
"""
from __future__ import annotations

import ast
import copy
import dataclasses
import hashlib
import re
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any
from typing import Protocol

from hotfix_hooks import digests
from hotfix_hooks.actions import routes as pyroutes
from hotfix_hooks.actions.delta import Chunk
from hotfix_hooks.actions.delta import parsed_chunks
from hotfix_hooks.actions.delta import PIECEWISE_MIN_BYTES
from hotfix_hooks.actions.delta import shift_lines
from hotfix_hooks.changeset import matches_any
from hotfix_hooks.changeset import Snapshot
from hotfix_hooks.fastclass import dataclass
from hotfix_hooks.findings import Finding
from hotfix_hooks.openapi.codecontract import _PROJECT_FILES
from hotfix_hooks.openapi.codecontract import _REQUIREMENTS
from hotfix_hooks.openapi.codecontract import _ROUTE_RE
from hotfix_hooks.openapi.codecontract import _RouteFacts
from hotfix_hooks.openapi.codecontract import CodeContract as CodeContract  # re-exported
from hotfix_hooks.openapi.codecontract import CodeSpec as CodeSpec  # re-exported
from hotfix_hooks.openapi.codecontract import UNREAD_RESPONSES
from hotfix_hooks.openapi.diff import ECHO_NOTE
from hotfix_hooks.openapi.loader import escape
from hotfix_hooks.openapi.schema import UNRESOLVED
from hotfix_hooks.pyast import parse

_MARKERS = {'Path': 'path', 'Query': 'query', 'Header': 'header', 'Cookie': 'cookie',
            'Body': 'body', 'Form': 'form', 'File': 'file', 'Depends': 'depends',
            'Security': 'depends'}
_SKIP_TYPES = {'Request', 'Response', 'WebSocket', 'BackgroundTasks', 'HTTPConnection',
               'Session', 'AsyncSession', 'SecurityScopes', 'JSONResponse', 'HTMLResponse'}
_SCALARS: dict[str, dict[str, Any]] = {
    'str': {'type': 'string'}, 'int': {'type': 'integer'}, 'float': {'type': 'number'},
    'bool': {'type': 'boolean'}, 'bytes': {'type': 'string', 'format': 'binary'},
    'UUID': {'type': 'string', 'format': 'uuid'}, 'uuid.UUID': {'type': 'string', 'format': 'uuid'},
    'UUID4': {'type': 'string', 'format': 'uuid4'},
    'datetime': {'type': 'string', 'format': 'date-time'},
    'datetime.datetime': {'type': 'string', 'format': 'date-time'},
    'date': {'type': 'string', 'format': 'date'},
    'datetime.date': {'type': 'string', 'format': 'date'},
    'time': {'type': 'string', 'format': 'time'},
    'timedelta': {'type': 'string', 'format': 'duration'},
    'Decimal': {'type': 'number'}, 'decimal.Decimal': {'type': 'number'},
    'EmailStr': {'type': 'string', 'format': 'email'},
    'HttpUrl': {'type': 'string', 'format': 'uri'}, 'AnyUrl': {'type': 'string', 'format': 'uri'},
    'UploadFile': {'type': 'string', 'format': 'binary'},
    'Any': {}, 'object': {}, 'dict': {'type': 'object'}, 'Dict': {'type': 'object'},
    'list': {'type': 'array'}, 'List': {'type': 'array'}, 'None': {'type': 'null'},
    'StrictStr': {'type': 'string'}, 'StrictInt': {'type': 'integer'},
    'StrictBool': {'type': 'boolean'}, 'StrictFloat': {'type': 'number'},
    'PositiveInt': {'type': 'integer', 'exclusiveMinimum': 0},
    'NonNegativeInt': {'type': 'integer', 'minimum': 0},
    'NegativeInt': {'type': 'integer', 'exclusiveMaximum': 0},
    'NonPositiveInt': {'type': 'integer', 'maximum': 0},
    'PositiveFloat': {'type': 'number', 'exclusiveMinimum': 0},
    'NonNegativeFloat': {'type': 'number', 'minimum': 0},
    'AnyHttpUrl': {'type': 'string', 'format': 'uri'},
    'FileUrl': {'type': 'string', 'format': 'uri'},
    'PostgresDsn': {'type': 'string', 'format': 'uri'},
    'SecretStr': {'type': 'string', 'format': 'password', 'writeOnly': True},
    'SecretBytes': {'type': 'string', 'format': 'password', 'writeOnly': True},
    'NameEmail': {'type': 'string', 'format': 'name-email'},
    'IPvAnyAddress': {'type': 'string', 'format': 'ipvanyaddress'},
    'Color': {'type': 'string', 'format': 'color'},
    'Json': {}, 'JsonValue': {}, 'AwareDatetime': {'type': 'string', 'format': 'date-time'},
    'NaiveDatetime': {'type': 'string', 'format': 'date-time'},
    'PastDate': {'type': 'string', 'format': 'date'},
    'FutureDate': {'type': 'string', 'format': 'date'},
    'PastDatetime': {'type': 'string', 'format': 'date-time'},
    'FutureDatetime': {'type': 'string', 'format': 'date-time'},
    'UUID1': {'type': 'string', 'format': 'uuid1'}, 'UUID5': {'type': 'string', 'format': 'uuid5'},
    'Path': {'type': 'string', 'format': 'path'},
    'FilePath': {'type': 'string', 'format': 'file-path'},
    'DirectoryPath': {'type': 'string', 'format': 'directory-path'},
    'StrictBytes': {'type': 'string', 'format': 'binary'},
    'ByteSize': {'type': 'integer'}, 'PositiveDecimal': {'type': 'number'},
    # pydantic-extra-types
    'CountryAlpha2': {'type': 'string'}, 'CountryAlpha3': {'type': 'string'},
    'CountryShortName': {'type': 'string'}, 'TimeZoneName': {'type': 'string'},
    'PhoneNumber': {'type': 'string', 'format': 'phone'},
    'CurrencyCode': {'type': 'string'}, 'LanguageAlpha2': {'type': 'string'},
    'ISO4217': {'type': 'string'}, 'MacAddress': {'type': 'string'},
}
_ARRAYS = {'List', 'list', 'Sequence', 'Set', 'set', 'FrozenSet', 'frozenset', 'Tuple', 'tuple',
           'Iterable', 'Collection', 'MutableSequence'}
_MAPS = {'Dict', 'dict', 'Mapping', 'MutableMapping'}
_CONSTRAINTS = {'max_length': 'maxLength', 'min_length': 'minLength', 'ge': 'minimum',
                'le': 'maximum', 'gt': 'exclusiveMinimum', 'lt': 'exclusiveMaximum',
                'pattern': 'pattern', 'regex': 'pattern', 'max_items': 'maxItems',
                'min_items': 'minItems'}
_CONSTRAINT_KEYS = ('pattern', 'maxLength', 'minLength', 'minimum', 'maximum',
                    'exclusiveMinimum', 'exclusiveMaximum', 'format', 'maxItems', 'minItems')
_FLASK_PARAM = re.compile(r'<(?:(\w+):)?(\w+)>')
_FLASK_TYPES = {'int': {'type': 'integer'}, 'float': {'type': 'number'},
                'uuid': {'type': 'string', 'format': 'uuid'}}

# a module-level definition a name can resolve to (assignments: type aliases)
_Def = ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef | ast.Assign | ast.AnnAssign
_MISSING = object()
# pydantic's constrained-type functions
_CON_TYPES: dict[str, dict[str, Any]] = {
    'constr': {'type': 'string'}, 'conint': {'type': 'integer'},
    'confloat': {'type': 'number'}, 'condecimal': {'type': 'number'},
    'conbytes': {'type': 'string'}, 'conlist': {'type': 'array'},
    'conset': {'type': 'array', 'uniqueItems': True},
    'confrozenset': {'type': 'array', 'uniqueItems': True}, 'condate': {'type': 'string',
                                                                        'format': 'date'},
}
# a request-body part of a handler: (name, schema, required, kind, line)
_BodyPart = tuple[str, dict[str, Any], bool, str, int]
# what collecting an operation's parameters fills in:
# (path parameter names, flask converters by name, parameters, body parts, operation pointer)
_OpCtx = tuple[set[str], dict[str, str], list[dict[str, Any]], list[_BodyPart], str]
# names bound while reading responses= (a helper's parameters, a comprehension's variable):
# name -> (file, expression, the bindings it is read with)
_Env = dict[str, tuple[str, ast.expr, 'dict[str, Any]']]
# router (file, variable) -> where it is mounted: (parent router (file, variable), prefix)
_Mounts = dict[tuple[str, str], list[tuple[tuple[str, str], str]]]


@dataclass
class ParseCache:
    """What the base and head projects share: identical bytes are parsed once, and a blob
    unchanged between the sides is read once."""

    trees: dict[str, ast.Module | None] = dataclasses.field(default_factory=dict)  # by sha1
    blobs: dict[str, bytes] = dataclasses.field(default_factory=dict)      # by git blob id
    pieces: dict[str, _Piecewise | None] = dataclasses.field(default_factory=dict)  # by sha1

    def clear(self) -> None:
        self.trees.clear()
        self.blobs.clear()
        self.pieces.clear()


_FnDef = ast.FunctionDef | ast.AsyncFunctionDef
# a piecewise module is processed this many lines at a time (one batch's trees in memory)
_BATCH_LINES = 2000


class _Piecewise:
    """A large module read a piece (top-level statement) at a time, so its whole tree is
    never in memory: ``skeleton`` holds every top-level statement except the functions
    that neither assign a router, mount one (``include_router``) nor define a class; those
    are parsed again when a batch of routes or a name lookup needs them. Equivalent to the
    whole tree for everything this module and ``find_routes`` read."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.walk_route = pyroutes.may_call_route(text)
        self.pieces: list[tuple[Chunk, list[ast.stmt] | None]] = []  # None: parse again
        body: list[ast.stmt] = []
        # every function by name, nested ones too, first in source order (add_api_route
        # endpoints): a node, or the index of the piece to parse
        self._functions: dict[str, _FnDef | int] = {}
        self.top_lazy: list[tuple[int, str, int]] = []   # (line, name, piece) top-level defs
        for chunk, stmts in parsed_chunks(text, file, shift=False):
            lazy = all(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) for n in stmts) \
                and not any(isinstance(n, ast.ClassDef) or _is_mount(n)
                            for n in pyroutes.iter_statements(stmts)) \
                and not pyroutes.defines_router(stmts)
            index = len(self.pieces)
            for node in pyroutes.iter_statements(stmts):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self._functions.setdefault(node.name, index if lazy else node)
            if lazy:
                for node in stmts:
                    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                    self.top_lazy.append((node.lineno + chunk.start - 1, node.name, index))
                self.pieces.append((Chunk(chunk.start, chunk.text), None))
            else:
                if chunk.start > 1:
                    for node in stmts:
                        shift_lines(node, chunk.start - 1)
                body.extend(stmts)
                self.pieces.append((chunk, stmts))
            del stmts
        self.skeleton = ast.Module(body=body, type_ignores=[])
        self._loaded: dict[int, list[ast.stmt]] = {}      # pieces parsed for a lookup

    def piece(self, index: int) -> list[ast.stmt]:
        chunk, stmts = self.pieces[index]
        if stmts is not None:
            return stmts
        got = self._loaded.get(index)
        if got is None:
            got = _parse_piece(chunk, self.file)
        return got

    def load(self, index: int, name: str, top: bool) -> _FnDef | None:
        """The function ``name`` of piece ``index`` (kept: a lookup's node stays the same)."""
        if index not in self._loaded:
            self._loaded[index] = self.piece(index)
        nodes = self._loaded[index] if top else pyroutes.iter_statements(self._loaded[index])
        for node in nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
                return node
        return None

    def functions(self) -> Mapping[str, _FnDef]:
        return _LazyFunctions(self)

    def batches(self) -> Iterator[ast.Module]:
        """The module's statements in order, ``_BATCH_LINES`` lines at a time."""
        body: list[ast.stmt] = []
        lines = 0
        for index, (chunk, _) in enumerate(self.pieces):
            body.extend(self.piece(index))
            lines += chunk.text.count('\n') + 1
            if lines >= _BATCH_LINES:
                yield ast.Module(body=body, type_ignores=[])
                body, lines = [], 0
        if body:
            yield ast.Module(body=body, type_ignores=[])


class _LazyFunctions(Mapping[str, _FnDef]):
    def __init__(self, pw: _Piecewise) -> None:
        self.pw = pw

    def __getitem__(self, name: str) -> _FnDef:
        got = self.pw._functions[name]
        if isinstance(got, int):
            node = self.pw.load(got, name, top=False)
            if node is None:
                raise KeyError(name)
            got = self.pw._functions[name] = node
        return got

    def __iter__(self) -> Iterator[str]:
        return iter(self.pw._functions)

    def __len__(self) -> int:
        return len(self.pw._functions)

    def __contains__(self, name: object) -> bool:
        return name in self.pw._functions


def _source_text(data: bytes) -> str:
    """The text Python reads from ``data`` (a BOM, a coding declaration), as a whole parse
    of the bytes decodes it; ``SyntaxError`` where that parse would fail to decode."""
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as e:
        raise SyntaxError(str(e)) from None


def _parse_piece(chunk: Chunk, file: str) -> list[ast.stmt]:
    tree = parse(chunk.text, file)
    if chunk.start > 1:
        shift_lines(tree, chunk.start - 1)
    return tree.body


def _is_mount(node: ast.stmt | ast.excepthandler) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and isinstance(
        node.value.func, ast.Attribute) and node.value.func.attr in (
        'include_router', 'register_blueprint')


_PYDANTIC_PIN = re.compile(r'(?<![\w.-])pydantic(?![\w-])(?:\[[^\]]*\])?([^\n#;]{0,60})', re.I)
# a specifier that keeps Pydantic 1: <=1.x, <2, ==1.x, ^1, ~=1.x, = "1.x"
_V1_SPEC = re.compile(r'(?:<\s*=?\s*1\b|<\s*2(?:\.0)*\b(?!\.[1-9])'
                      r'|(?:==|===|\^|~=?|(?<![<>!=~])=)\s*["\']?\s*v?1\b)')


class Project:
    """One snapshot's Python modules, parsed on demand (identical bytes parsed once).

    Absolute imports resolve against the project's package roots: ``roots`` (policy
    ``contract.python_roots``) first, then the folders holding a ``pyproject.toml``,
    ``setup.cfg`` or ``setup.py`` (and their ``src/``), the repository root and ``src/``,
    and last the folders above the importing file (``backend/`` for
    ``backend/app/api.py`` importing ``app.models``)."""

    def __init__(self, snap: Snapshot, exclude: list[str], cache: ParseCache,
                 roots: list[str] | None = None) -> None:
        self.snap = snap
        self.exclude = exclude
        self.cache = cache
        all_paths = snap.paths()
        self.paths = [p for p in all_paths if p.endswith('.py')
                      and not matches_any(p, exclude)]
        self.path_set = set(self.paths)
        self.sources: dict[str, bytes] = {}
        self.roots = [r.strip('/') + '/' if r.strip('/') else '' for r in roots or []]
        homes = {p.rsplit('/', 1)[0] + '/' if '/' in p else '' for p in all_paths
                 if p.rsplit('/', 1)[-1] in _PROJECT_FILES}
        self.homes = sorted(homes, key=lambda h: (-h.count('/'), h))      # deepest first
        self._modules: dict[tuple[str, str], str | None] = {}
        self._root_lists: dict[str, list[str]] = {}
        self._indexes: dict[str, _ModuleIndex | None] = {}
        self.pydantic = _pydantic_major(snap, all_paths)
        self.unparsed: set[str] = set()         # modules with routes that do not parse
        # while one module is derived on its own (``_derive``): the files read, and the
        # imports resolved (dotted name, importing file) -> file
        self.reads: set[str] | None = None
        self.resolved: dict[tuple[str, str], str | None] | None = None
        self.routes: dict[str, list[pyroutes.Route]] = {}   # found by the first pass

    def source(self, path: str) -> bytes | None:
        if self.reads is not None:
            self.reads.add(path)
        if path not in self.sources:
            # Snapshots listed from git know each file's blob id: a file unchanged between
            # base and head is read once for both sides.
            entry = getattr(self.snap, 'entries', {}).get(path)
            blob = entry[1] if isinstance(entry, tuple) and len(entry) == 2 else None
            data = self.cache.blobs.get(blob) if blob else None
            if data is None:
                data = self.snap.read(path)
                if blob and data is not None:
                    self.cache.blobs[blob] = data
            self.sources[path] = data if data is not None else b''
        return self.sources[path] or None

    def tree(self, path: str) -> ast.Module | None:
        """The module's tree; for a large module (``PIECEWISE_MIN_BYTES``) its skeleton
        (``pieces``): the rest is parsed a batch at a time."""
        data = self.source(path)
        if data is None:
            return None
        key = hashlib.sha1(data).hexdigest()
        trees = self.cache.trees
        if key not in trees:
            if len(data) >= PIECEWISE_MIN_BYTES:
                pw = self.pieces(path)
                trees[key] = pw.skeleton if pw is not None else None
                return trees[key]
            try:
                trees[key] = parse(data, path)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                trees[key] = None
        return trees[key]

    def pieces(self, path: str) -> _Piecewise | None:
        """The piecewise form of a large module (None for a module parsed whole, or one
        that does not parse)."""
        data = self.source(path)
        if data is None or len(data) < PIECEWISE_MIN_BYTES:
            return None
        key = hashlib.sha1(data).hexdigest()
        if key not in self.cache.pieces:
            try:
                pw: _Piecewise | None = _Piecewise(path, _source_text(data))
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                pw = None
            self.cache.pieces[key] = pw
        return self.cache.pieces[key]

    def index(self, path: str) -> _ModuleIndex | None:
        """The module's top-level names (definitions, aliases, imports), indexed once."""
        if self.reads is not None:
            self.reads.add(path)
        if path not in self._indexes:
            tree = self.tree(path)
            pw = self.pieces(path) if tree is not None else None
            self._indexes[path] = _ModuleIndex(tree, pw) if tree is not None else None
        return self._indexes[path]

    def _roots(self, from_file: str) -> list[str]:
        folder = from_file.rsplit('/', 1)[0] + '/' if '/' in from_file else ''
        got = self._root_lists.get(folder)
        if got is None:
            above = [folder[:i + 1] for i, c in enumerate(folder) if c == '/']   # shallow first
            out = list(self.roots)
            homes = set(self.homes)
            for prefix in reversed([''] + above):                              # deepest first
                if prefix in homes:
                    out += [prefix, prefix + 'src/']
            out += ['', 'src/'] + above
            got = self._root_lists[folder] = list(dict.fromkeys(out))
        return got

    def module_file(self, dotted: str, from_file: str = '') -> str | None:
        folder = from_file.rsplit('/', 1)[0] if '/' in from_file else ''
        key = (dotted, folder)
        if key not in self._modules:
            self._modules[key] = self._module_file(dotted, from_file)
        if self.resolved is not None:
            self.resolved[(dotted, from_file)] = self._modules[key]
        return self._modules[key]

    def _module_file(self, dotted: str, from_file: str) -> str | None:
        rel = dotted.replace('.', '/')
        if not rel:
            return None
        for root in self._roots(from_file):
            # a package wins over a module of the same name, as Python's import finds them
            for cand in (f'{root}{rel}/__init__.py', f'{root}{rel}.py'):
                if cand in self.path_set:
                    return cand
        return None

    def resolve_from(self, file: str, level: int, module: str | None) -> str:
        if level == 0:
            return module or ''
        parts = file.split('/')[:-1]
        if parts and parts[0] == 'src':
            parts = parts[1:]
        parts = parts[:len(parts) - (level - 1)] if level > 1 else parts
        return '.'.join(p for p in [*parts, module or ''] if p)


class _ModuleIndex:
    """A module's top-level definitions, last assignments and imports by name."""

    def __init__(self, tree: ast.Module, pw: _Piecewise | None = None) -> None:
        self.defs: dict[str, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.aliases: dict[str, ast.Assign | ast.AnnAssign] = {}
        self.imports: dict[str, list[ast.Import | ast.ImportFrom]] = {}
        self._pw = pw
        self._lazy: dict[str, int] = {}     # top-level functions not parsed yet: their piece
        lazy = list(pw.top_lazy) if pw is not None else []
        lazy.reverse()
        for node in tree.body:
            while lazy and lazy[-1][0] < node.lineno:
                _, name, index = lazy.pop()
                if name not in self.defs and name not in self._lazy:
                    self._lazy[name] = index
            if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.name not in self._lazy:
                    self.defs.setdefault(node.name, node)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                    node.targets[0], ast.Name):
                self.aliases[node.targets[0].id] = node
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                    and node.value is not None:
                self.aliases[node.target.id] = node
            elif isinstance(node, (ast.ImportFrom, ast.Import)):
                self._import(node)
            elif isinstance(node, (ast.If, ast.Try, ast.With)) or \
                    node.__class__.__name__ == 'TryStar':
                # imports Python runs at import time (``try: from .x import Model``)
                for sub in ast.walk(node):
                    if isinstance(sub, (ast.ImportFrom, ast.Import)):
                        self._import(sub)
        for _, name, index in reversed(lazy):
            if name not in self.defs and name not in self._lazy:
                self._lazy[name] = index

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        """``from .x import *`` is kept under ``*``: looked in when a name is not found."""
        for a in node.names:
            name = a.asname or a.name
            self.imports.setdefault(
                name if isinstance(node, ast.ImportFrom) else name.split('.')[0], []
            ).append(node)

    def get_def(self, name: str) -> ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The first top-level class or function named ``name`` (parsed on demand in a
        piecewise module)."""
        found = self.defs.get(name)
        if found is None and self._pw is not None and name in self._lazy:
            found = self._pw.load(self._lazy.pop(name), name, top=True)
            if found is not None:
                self.defs[name] = found
        return found


def _pydantic_major(snap: Snapshot, paths: list[str]) -> int:
    """The Pydantic major version the project pins (1 or 2; 2 when nothing says): in v1,
    ``Optional[X]`` without a default is optional, in v2 it is required."""
    votes: dict[int, int] = {}
    for path in paths:
        if path.count('/') > 2 or not _REQUIREMENTS.search(path):
            continue
        data = snap.read(path)
        if not data or b'pydantic' not in data.lower():
            continue
        for spec in _PYDANTIC_PIN.findall(data.decode('utf-8', 'replace')):
            if not re.search(r'\d', spec):
                continue        # no version: whatever is current (2)
            major = 1 if _V1_SPEC.search(spec) else 2
            votes[major] = votes.get(major, 0) + 1
    if votes.get(1) and not votes.get(2):
        return 1
    return 2


class Builder:
    def __init__(self, project: Project) -> None:
        self.p = project
        self.schemas: dict[str, Any] = {}
        # one module derived after others (``_build_by_module``): the components they
        # built, which this builder uses as they are (as one shared builder would), and
        # the names of those it used. Read in place, never copied nor changed (a copy per
        # module grows with the square of the number of modules): ``schemas`` and
        # ``generics`` hold only what this builder adds, never a name of the seed
        self.seed: dict[str, Any] | None = None
        self.seeded: set[str] = set()
        # generic instance component name -> what its arguments name (module-qualified):
        # ``Page[Card]`` of two different ``Card`` classes are two components
        self.generics: dict[str, str] = {}
        self.seed_generics: dict[str, str] = {}
        self.locs: dict[str, tuple[str, int]] = {}
        self.unresolved: list[tuple[str, int, str]] = []
        self._symbols: dict[tuple[str, str], tuple[str, _Def | None] | None] = {}
        self._bindings: list[dict[str, tuple[str, ast.expr]]] = []   # generic type vars
        self._aliases: set[tuple[str, str]] = set()                  # being expanded
        # models made by a class method's create_model (``NotPermitted.schema()``), read
        # once per class, method and mode (hundreds of routes name a few dozen errors)
        self._made: dict[tuple[str, int, str, str], dict[str, Any] | None] = {}

    # -- name resolution ------------------------------------------------------------
    def symbol(self, file: str, name: str, depth: int = 0) -> tuple[str, _Def | None] | None:
        """(file, node) of a module-level class, function or type alias (an assignment)
        named ``name``, or (file, None) for a module."""
        key = (file, name)
        if key in self._symbols:
            return self._symbols[key]
        self._symbols[key] = None
        got = self._symbol(file, name, depth)
        self._symbols[key] = got
        return got

    def _symbol(self, file: str, name: str, depth: int) -> tuple[str, _Def | None] | None:
        if depth > 6:
            return None
        index = self.p.index(file)
        if index is None:
            return None
        head, _, rest = name.partition('.')
        found = index.get_def(name)
        if found is not None:
            return file, found
        alias = index.aliases.get(name)
        if alias is not None and _type_like(alias.value):
            return file, alias
        for node in index.imports.get(head, ()):
            if isinstance(node, ast.ImportFrom):
                mod = self.p.resolve_from(file, node.level, node.module)
                for a in node.names:
                    if (a.asname or a.name) != head:
                        continue
                    sub = self.p.module_file(f'{mod}.{a.name}' if mod else a.name, file)
                    if sub is not None:          # ``from pkg import module``
                        return self.symbol(sub, rest, depth + 1) if rest else (sub, None)
                    target = self.p.module_file(mod, file)
                    if target is None:
                        return None
                    return self.symbol(target, a.name + ('.' + rest if rest else ''),
                                       depth + 1)
            elif isinstance(node, ast.Import):
                for a in node.names:
                    alias_name = a.asname or a.name
                    if name.startswith(alias_name + '.'):
                        target = self.p.module_file(a.name, file)
                        if target is not None:
                            return self.symbol(target, name[len(alias_name) + 1:], depth + 1)
        for node in index.imports.get('*', ()):     # ``from app.models.audit import *``
            if isinstance(node, ast.ImportFrom) and head not in index.imports:
                target = self.p.module_file(self.p.resolve_from(file, node.level, node.module),
                                            file)
                got = self.symbol(target, name, depth + 1) if target is not None else None
                if got is not None:
                    return got
        return None

    def class_kind(self, file: str, node: ast.ClassDef, depth: int = 0) -> str | None:
        """'model' (pydantic), 'enum', or None."""
        if depth > 8:
            return None
        for base in node.bases:
            if isinstance(base, ast.Subscript):        # BaseModel, Generic[T] / Base[T]
                base = base.value
            bname = _dotted(base)
            if bname is None:
                continue
            last = bname.rsplit('.', 1)[-1]
            if last in ('BaseModel', 'SQLModel', 'RootModel', 'GenericModel'):
                return 'model'
            if last in ('Enum', 'IntEnum', 'StrEnum', 'Flag', 'IntFlag'):
                return 'enum'
            if last == 'TypedDict':
                return 'typeddict'
            got = self.symbol(file, bname)
            if got and isinstance(got[1], ast.ClassDef):
                kind = self.class_kind(got[0], got[1], depth + 1)
                if kind:
                    return kind
        return None

    def resolve_alias(self, file: str, ann: ast.expr, depth: int = 0) -> tuple[str, ast.expr]:
        """A module-level type alias (``CurrentUser = Annotated[User, Depends(...)]``,
        ``PrimaryKey = conint(gt=0)``, ``Kind = Literal[...]``) replaced by what it stands
        for, with the file it is written in."""
        while depth < 6:
            name = _dotted(ann)
            if name is None or name in _SCALARS or self._bound(name) is not None:
                break
            got = self.symbol(file, name)
            if got is None or not isinstance(got[1], (ast.Assign, ast.AnnAssign)) \
                    or got[1].value is None:
                break
            file, ann = got[0], got[1].value
            depth += 1
        return file, ann

    def _bound(self, name: str) -> tuple[str, ast.expr] | None:
        for frame in reversed(self._bindings):
            if name in frame:
                return frame[name]
        return None

    # -- schemas ----------------------------------------------------------------------
    def unknown(self, file: str, line: int, what: str) -> dict[str, Any]:
        """A type that cannot be read statically: recorded, and compared as unknown (never
        as "any value", which would make every change to it look like a narrowing)."""
        self.unresolved.append((file, line, what))
        return {UNRESOLVED: what}

    def type_schema(self, file: str, ann: ast.expr | None, line: int,
                    mode: str = 'validation') -> dict[str, Any]:
        if ann is None:
            return {}
        if isinstance(ann, ast.Constant):
            if ann.value is None:
                return {'type': 'null'}
            if isinstance(ann.value, str):
                try:
                    return self.type_schema(file, ast.parse(ann.value, mode='eval').body, line,
                                            mode)
                except SyntaxError:
                    return self.unknown(file, line, f'type {ann.value!r}')
            return {}
        if isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr):
            return _union([self.type_schema(file, ann.left, line, mode),
                           self.type_schema(file, ann.right, line, mode)])
        if isinstance(ann, ast.Subscript):
            return self._generic(file, ann, line, mode)
        if isinstance(ann, ast.Call):
            return self._type_call(file, ann, line, mode)
        name = _dotted(ann)
        if name is None:
            return self.unknown(file, line, f'type {ast.unparse(ann)}')
        bound = self._bound(name)
        if bound is not None:
            return self.type_schema(bound[0], bound[1], line, mode)
        if name in _SCALARS:
            return dict(_SCALARS[name])
        got = self.symbol(file, name)
        if got and isinstance(got[1], ast.ClassDef):
            kind = self.class_kind(got[0], got[1])
            if kind in ('model', 'typeddict'):
                return self.model_ref(got[0], got[1], mode)
            if kind == 'enum':
                return self.enum_schema(got[0], got[1])
        if got and isinstance(got[1], (ast.Assign, ast.AnnAssign)) and got[1].value is not None:
            key = (got[0], name)
            if key not in self._aliases:            # a module-level type alias
                self._aliases.add(key)
                try:
                    return self.type_schema(got[0], got[1].value, line, mode)
                finally:
                    self._aliases.discard(key)
        last = name.rsplit('.', 1)[-1]
        if last in _SCALARS:
            return dict(_SCALARS[last])
        if got and isinstance(got[1], ast.ClassDef):
            scalar = self._scalar_base(got[0], got[1])
            if scalar is not None:
                return scalar
        return self.unknown(file, line, f'type {name} (not resolvable statically)')

    def _scalar_base(self, file: str, node: ast.ClassDef, depth: int = 0
                     ) -> dict[str, Any] | None:
        """A class deriving from a scalar (``class Slug(str)``) reads as that scalar."""
        for base in node.bases:
            bname = _dotted(base) or ''
            if bname in _SCALARS and bname not in ('Any', 'object'):
                return dict(_SCALARS[bname])
            got = self.symbol(file, bname) if bname and depth < 4 else None
            if got and isinstance(got[1], ast.ClassDef):
                found = self._scalar_base(got[0], got[1], depth + 1)
                if found is not None:
                    return found
        return None

    def _type_call(self, file: str, call: ast.Call, line: int, mode: str) -> dict[str, Any]:
        """``constr(max_length=5)``, ``conint(gt=0)``, ``conlist(X)``, ``NewType('X', T)``."""
        fname = (_dotted(call.func) or '').rsplit('.', 1)[-1]
        out: dict[str, Any]
        if fname in _CON_TYPES:
            out = dict(_CON_TYPES[fname])
            if fname in ('conlist', 'conset', 'confrozenset'):
                item = call.args[0] if call.args else _kw(call, 'item_type')
                if item is not None:
                    out['items'] = self.type_schema(file, item, line, mode)
                for kw, key in (('min_length', 'minItems'), ('max_length', 'maxItems'),
                                ('min_items', 'minItems'), ('max_items', 'maxItems')):
                    v = _kw_const(call, kw)
                    if isinstance(v, int) and not isinstance(v, bool):
                        out[key] = v
                return out
            _constrain(out, call)
            return out
        if fname == 'NewType' and len(call.args) == 2:
            return self.type_schema(file, call.args[1], line, mode)
        return self.unknown(file, line, f'type {ast.unparse(call)}')

    def _generic(self, file: str, ann: ast.Subscript, line: int, mode: str) -> dict[str, Any]:
        base = (_dotted(ann.value) or '').rsplit('.', 1)[-1]
        sl = ann.slice
        args = list(sl.elts) if isinstance(sl, ast.Tuple) else [sl]
        if base == 'Optional':
            return _union([self.type_schema(file, args[0], line, mode), {'type': 'null'}])
        if base == 'Union':
            return _union([self.type_schema(file, a, line, mode) for a in args])
        if base == 'Literal':
            vals = []
            for a in args:
                a_file, a_node = self.resolve_alias(file, a)
                try:
                    vals.append(ast.literal_eval(a_node))
                except ValueError:
                    value = self._enum_member(a_file, a_node)
                    if value is _MISSING:
                        return self.unknown(file, line, f'Literal value {ast.unparse(a)}')
                    vals.append(value)
            return _literal_schema(vals)
        if base == 'Annotated':
            schema = self.type_schema(file, args[0], line, mode)
            for extra in args[1:]:
                if isinstance(extra, ast.Call):
                    _constrain(schema, extra)
                    if (_dotted(extra.func) or '').endswith('Field'):
                        disc = _kw_const(extra, 'discriminator')
                        if isinstance(disc, str) and 'anyOf' in schema:
                            schema = {'oneOf': schema['anyOf'],
                                      'discriminator': {'propertyName': disc}}
            return schema
        if base in _ARRAYS:
            out: dict[str, Any] = {'type': 'array'}
            if args:            # List[X], Tuple[X, ...]: the items are X
                out['items'] = self.type_schema(file, args[0], line, mode)
            return out
        if base in _MAPS:
            out = {'type': 'object'}
            if len(args) == 2:
                out['additionalProperties'] = self.type_schema(file, args[1], line, mode)
            return out
        if base in ('SkipJsonSchema', 'InstanceOf', 'Secret'):
            return self.type_schema(file, args[0], line, mode)      # the value on the wire
        if base in ('Type', 'type', 'ClassVar', 'Final', 'Required', 'NotRequired',
                    'ReadOnly'):
            return self.type_schema(file, args[0], line, mode) if base not in (
                'Type', 'type') else {}
        name = _dotted(ann.value)
        got = self.symbol(file, name) if name else None
        if got and isinstance(got[1], ast.ClassDef):
            if self.class_kind(got[0], got[1]) in ('model', 'typeddict'):
                return self.model_ref(got[0], got[1], mode, [(file, a) for a in args])
            if self._sequence_class(got[0], got[1]):    # class Filter[Q](Sequence[Q])
                return {'type': 'array', 'items': self.type_schema(file, args[0], line, mode)}
        if got and isinstance(got[1], (ast.Assign, ast.AnnAssign)) and got[1].value is not None:
            # a generic alias: Page = Annotated[list[T], ...]; Page[Item]
            params = self._alias_params(got[0], got[1].value)
            if params and name and (got[0], name) not in self._aliases:
                self._aliases.add((got[0], name))
                self._bindings.append(dict(zip(params, [(file, a) for a in args])))
                try:
                    return self.type_schema(got[0], got[1].value, line, mode)
                finally:
                    self._bindings.pop()
                    self._aliases.discard((got[0], name))
        return self.unknown(file, line, f'type {ast.unparse(ann)}')

    def _sequence_class(self, file: str, node: ast.ClassDef, depth: int = 0) -> bool:
        for base in node.bases:
            if isinstance(base, ast.Subscript):
                base = base.value
            bname = _dotted(base) or ''
            if bname.rsplit('.', 1)[-1] in _ARRAYS:
                return True
            got = self.symbol(file, bname) if bname and depth < 4 else None
            if got and isinstance(got[1], ast.ClassDef) and self._sequence_class(
                    got[0], got[1], depth + 1):
                return True
        return False

    def _alias_params(self, file: str, value: ast.expr) -> list[str]:
        """The type variables of a generic alias, in order of first appearance."""
        out: list[str] = []
        for node in ast.walk(value):
            if isinstance(node, ast.Name) and node.id not in out:
                got = self.symbol(file, node.id)
                if got and isinstance(got[1], ast.Assign) and isinstance(got[1].value, ast.Call) \
                        and (_dotted(got[1].value.func) or '').endswith('TypeVar'):
                    out.append(node.id)
        return out

    def _enum_member(self, file: str, node: ast.expr) -> object:
        """The value of ``Status.OPEN`` (an enum member used in ``Literal[...]``)."""
        if isinstance(node, ast.Attribute):
            got = self.symbol(file, _dotted(node.value) or '')
            if got and isinstance(got[1], ast.ClassDef):
                for stmt in got[1].body:
                    if isinstance(stmt, ast.Assign) and any(
                            isinstance(t, ast.Name) and t.id == node.attr for t in stmt.targets):
                        value = _literal(stmt.value)
                        return value if value is not None else _MISSING
        return _MISSING

    def enum_schema(self, file: str, node: ast.ClassDef) -> dict[str, Any]:
        name = self.qualname(file, node.name)
        ref = f'/components/schemas/{escape(name)}'
        if self.seed is not None and name in self.seed:
            self.seeded.add(name)
        elif name not in self.schemas:
            vals = []
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and not (
                        isinstance(stmt.targets[0], ast.Name)
                        and stmt.targets[0].id.startswith('_')):
                    try:
                        vals.append(ast.literal_eval(stmt.value))
                    except ValueError:
                        if _dotted(stmt.value) is None and not isinstance(stmt.value, ast.Call):
                            self.unresolved.append((file, stmt.lineno,
                                                    f'enum value of {node.name}'))
                        else:
                            vals.append(stmt.targets[0].id if isinstance(
                                stmt.targets[0], ast.Name) else ast.unparse(stmt.value))
            self.schemas[name] = {'enum': vals, **_json_type(vals), 'title': node.name}
            self.locs[ref] = (file, node.lineno)
        return {'$ref': '#' + ref}

    def qualname(self, file: str, name: str) -> str:
        """A model's identity: its module and name (two ``CaseRead`` in two modules are
        two schemas)."""
        mod = file[:-3] if file.endswith('.py') else file
        if mod.endswith('/__init__'):
            mod = mod[:-len('/__init__')]
        for root in (*self.p.roots, *self.p.homes, 'src/'):
            if root and mod.startswith(root):
                mod = mod[len(root):]
                break
        return f'{mod.replace("/", ".")}.{name}'

    def model_ref(self, file: str, node: ast.ClassDef, mode: str = 'validation',
                  args: list[tuple[str, ast.expr]] | None = None,
                  qualified: str | None = None) -> dict[str, Any]:
        """A ``$ref`` to the model's schema as Pydantic writes it for ``mode``:
        ``validation`` (what a request must send) or ``serialization`` (what a response
        holds: a field with a default is always there; ``Field(exclude=True)`` never).
        ``qualified``: the component's identity when it is not ``node``'s own (a model
        that ``create_model`` makes for a class written in another module)."""
        name = qualified or self.qualname(file, node.name)
        params = _type_params(node)
        binding: dict[str, tuple[str, ast.expr]] = {}
        suffix = '-Output' if mode == 'serialization' else ''
        if args and params:
            binding = dict(zip(params, args))
            name = self._generic_name(name, args, suffix)
        name += suffix
        ref = f'/components/schemas/{escape(name)}'
        if self.seed is not None and name in self.seed:
            self.seeded.add(name)
        elif name not in self.schemas:
            schema: dict[str, Any] = {'type': 'object', 'properties': {}, 'title': node.name}
            self.schemas[name] = schema        # registered first: recursion-safe
            self.locs[ref] = (file, node.lineno)
            required: list[str] = []
            self._bindings.append(binding)
            typed_dict = self.class_kind(file, node) == 'typeddict'
            total = not any(k.arg == 'total' and _literal(k.value) is False
                            for k in node.keywords)
            try:
                for ffile, stmt, fname in self._fields(file, node, 0):
                    if typed_dict:
                        self._typed_key(ffile, stmt, fname, schema, required, ref, mode, total)
                    else:
                        self._field(ffile, stmt, fname, schema, required, ref, mode)
            finally:
                self._bindings.pop()
            if required:
                schema['required'] = required
            if _forbids_extra(node) and mode == 'validation':
                schema['additionalProperties'] = False
        return {'$ref': '#' + ref}

    def _generic_name(self, name: str, args: list[tuple[str, ast.expr]], suffix: str
                      ) -> str:
        """``Page[Card]``: the arguments as written while no other component of that name
        means other classes; else each argument by its module-qualified identity
        (``Page[app.wallets.Card]``), as a model's own name is."""
        plain = name + '[' + ', '.join(ast.unparse(a) for _, a in args) + ']'
        ident = ', '.join(self._arg_identity(f, a, 0) for f, a in args)
        had = self.generics.get(plain + suffix)
        if had is None:
            had = self.seed_generics.get(plain + suffix)
        if had is None or had == ident:
            self.generics[plain + suffix] = ident
            return plain
        if self.seed is not None and plain + suffix in self.seed:
            self.seeded.add(plain + suffix)     # the choice depends on that one
        qualified = name + '[' + ident + ']'
        if qualified + suffix not in self.seed_generics:
            self.generics.setdefault(qualified + suffix, ident)
        return qualified

    def _arg_identity(self, file: str, arg: ast.expr, depth: int) -> str:
        """A type argument with every class and type alias it names module-qualified and
        every type variable bound replaced by what it is bound to."""
        if depth > 6:
            return ast.unparse(arg)
        name = _dotted(arg)
        if name is not None:
            bound = self._bound(name) if '.' not in name else None
            if bound is not None:
                return self._arg_identity(bound[0], bound[1], depth + 1)
            got = self.symbol(file, name)
            node = got[1] if got is not None else None
            own = (node.name if isinstance(node, ast.ClassDef) else
                   node.target.id if isinstance(node, ast.AnnAssign)
                   and isinstance(node.target, ast.Name) else
                   node.targets[0].id if isinstance(node, ast.Assign) and len(node.targets) == 1
                   and isinstance(node.targets[0], ast.Name) else None)
            # a class or a type alias (``CustomerPaymentMethod = Annotated[A | B, ...]``)
            return self.qualname(got[0], own) if got is not None and own else name
        if isinstance(arg, ast.Subscript):
            sl = arg.slice
            parts = list(sl.elts) if isinstance(sl, ast.Tuple) else [sl]
            return (self._arg_identity(file, arg.value, depth + 1) + '['
                    + ', '.join(self._arg_identity(file, a, depth + 1) for a in parts) + ']')
        if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.BitOr):
            return (self._arg_identity(file, arg.left, depth + 1) + ' | '
                    + self._arg_identity(file, arg.right, depth + 1))
        return ast.unparse(arg)

    def _fields(self, file: str, node: ast.ClassDef, depth: int
                ) -> list[tuple[str, ast.AnnAssign, str]]:
        """(file, statement, field name) of the model's fields, inherited ones first."""
        out: list[tuple[str, ast.AnnAssign, str]] = []
        if depth < 8:
            for base in node.bases:
                if isinstance(base, ast.Subscript):
                    base = base.value
                bname = _dotted(base)
                got = self.symbol(file, bname) if bname else None
                if got and isinstance(got[1], ast.ClassDef):
                    out.extend(self._fields(got[0], got[1], depth + 1))
        for stmt in node.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                name = stmt.target.id
                if name.startswith('_') or name == 'model_config':
                    continue
                if (_dotted(stmt.annotation.value) if isinstance(stmt.annotation, ast.Subscript)
                        else '') in ('ClassVar', 'typing.ClassVar'):
                    continue
                out = [(f, s, n) for f, s, n in out if n != name]
                out.append((file, stmt, name))
        return out

    def _typed_key(self, file: str, stmt: ast.AnnAssign, name: str, schema: dict[str, Any],
                   required: list[str], ref: str, mode: str, total: bool) -> None:
        """A ``TypedDict`` key: required unless the class is ``total=False`` or the key is
        ``NotRequired[...]``."""
        ann = stmt.annotation
        wrapper = (_dotted(ann.value) or '').rsplit('.', 1)[-1] if isinstance(
            ann, ast.Subscript) else ''
        schema['properties'][name] = self.type_schema(file, ann, stmt.lineno, mode)
        self.locs[f'{ref}/properties/{escape(name)}'] = (file, stmt.lineno)
        if wrapper == 'Required' or (total and wrapper != 'NotRequired'):
            required.append(name)

    def _field(self, file: str, stmt: ast.AnnAssign, name: str, schema: dict[str, Any],
               required: list[str], ref: str, mode: str = 'validation') -> None:
        prop = self.type_schema(file, stmt.annotation, stmt.lineno, mode)
        is_required = stmt.value is None
        value = stmt.value
        if isinstance(value, ast.Call) and (_dotted(value.func) or '').endswith('Field'):
            value = self._field_helper(file, value)
            if mode == 'serialization' and _kw_const(value, 'exclude') is True:
                return                  # never serialized
            _constrain(prop, value)
            alias = _kw_const(value, 'alias')
            side_alias = _kw_const(value, 'serialization_alias' if mode == 'serialization'
                                   else 'validation_alias')
            if mode == 'validation' and side_alias is None:
                # AliasChoices("update_at", "updated_at"): Pydantic's schema names the
                # property by the first choice that is a plain name
                side_alias = _first_choice(_kw(value, 'validation_alias'))
            if isinstance(side_alias, str):
                name = side_alias
            elif isinstance(alias, str):
                name = alias
            default = value.args[0] if value.args else _kw(value, 'default')
            if default is None and _kw(value, 'default_factory') is None:
                is_required = True
            elif isinstance(default, ast.Constant) and default.value is Ellipsis:
                is_required = True
            elif default is not None:
                _set_default(prop, default)
        elif isinstance(value, ast.Constant) and value.value is Ellipsis:
            is_required = True
        elif value is not None:
            _set_default(prop, value)
        if value is None and self.p.pydantic == 1 and _nullable(prop):
            is_required = False         # Pydantic v1: Optional[X] defaults to None
        if mode == 'serialization':
            is_required = True          # serialized whether or not it has a default
        schema['properties'][name] = prop
        self.locs[f'{ref}/properties/{escape(name)}'] = (file, stmt.lineno)
        origin = self._constraint_alias(file, stmt.annotation)
        if origin is not None:
            # the constraints come from a shared alias (NameStr = Annotated[str, ...]): a
            # change of them has that line as its one root cause
            prop_ptr = f'{ref}/properties/{escape(name)}'
            branches = [''] + [f'/anyOf/{i}' for i in range(len(prop.get('anyOf', [])))]
            for branch in branches:
                for key in _CONSTRAINT_KEYS:
                    self.locs[f'{prop_ptr}{branch}/{key}'] = origin
        if is_required:
            required.append(name)

    def _field_helper(self, file: str, call: ast.Call) -> ast.Call:
        """A project function wrapping ``Field`` (mealie's ``UpdatedAtField(None)``): a
        module-level function whose body only sets literal keyword arguments
        (``kwargs["validation_alias"] = AliasChoices(...)``, ``kwargs.pop("alias", None)``)
        and returns ``Field(*args, **kwargs)`` is read as the ``Field`` call it makes;
        anything else is read as written."""
        name = _dotted(call.func) or ''
        if name.rsplit('.', 1)[-1] == 'Field':
            return call
        got = self.symbol(file, name)
        fn = got[1] if got else None
        if not isinstance(fn, ast.FunctionDef) or fn.args.vararg is None or \
                fn.args.kwarg is None or fn.args.args or fn.args.kwonlyargs:
            return call
        args, kwargs = fn.args.vararg.arg, fn.args.kwarg.arg
        keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
        body = list(fn.body)
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]                                             # the docstring
        for stmt in body[:-1]:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(
                    t := stmt.targets[0], ast.Subscript) and _dotted(t.value) == kwargs \
                    and isinstance(t.slice, ast.Constant) and isinstance(t.slice.value, str):
                keywords[t.slice.value] = stmt.value
            elif isinstance(stmt, ast.Expr) and isinstance(c := stmt.value, ast.Call) and \
                    _dotted(c.func) == f'{kwargs}.pop' and c.args and isinstance(
                        c.args[0], ast.Constant) and isinstance(c.args[0].value, str):
                keywords.pop(c.args[0].value, None)
            else:
                return call
        last = body[-1] if body else None
        if not (isinstance(last, ast.Return) and isinstance(ret := last.value, ast.Call)
                and (_dotted(ret.func) or '').rsplit('.', 1)[-1] == 'Field'
                and len(ret.args) == 1 and isinstance(ret.args[0], ast.Starred)
                and _dotted(ret.args[0].value) == args and len(ret.keywords) == 1
                and ret.keywords[0].arg is None and _dotted(ret.keywords[0].value) == kwargs):
            return call
        return ast.Call(func=ret.func, args=call.args,
                        keywords=[ast.keyword(arg=k, value=v) for k, v in keywords.items()])

    def _constraint_alias(self, file: str, ann: ast.expr) -> tuple[str, int] | None:
        """Where a module-level alias that carries constraints is written, when the
        annotation uses one (``name: NameStr``, ``Optional[PrimaryKey]``)."""
        for node in ast.walk(ann):
            name = _dotted(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
            if not name or name in _SCALARS:
                continue
            got = self.symbol(file, name)
            if got is not None and isinstance(got[1], (ast.Assign, ast.AnnAssign)) and any(
                    isinstance(sub, ast.Call) for sub in ast.walk(got[1].value or ast.Pass())):
                return got[0], got[1].lineno
        return None

    # -- routes -----------------------------------------------------------------------
    def operation(self, route: pyroutes.Route, path: str, op_ptr: str) -> dict[str, Any]:
        file = route.file
        self.locs[op_ptr] = (file, route.line)
        op: dict[str, Any] = {'responses': {}}
        params: list[dict[str, Any]] = []
        flask_types = {m.group(2): m.group(1) for m in _FLASK_PARAM.finditer(route.path or '')}
        path_names = set(re.findall(r'\{(\w+)', path))
        body: list[_BodyPart] = []
        fn = route.node
        call = route.call
        ctx: _OpCtx = (path_names, flask_types, params, body, op_ptr)
        if fn is not None:
            self._arguments(file, fn, ctx, 0)
        if call is not None:
            deps = _kw(call, 'dependencies')
            if isinstance(deps, (ast.List, ast.Tuple)):
                for d in deps.elts:
                    if isinstance(d, ast.Call) and _marker(d) == 'depends':
                        self._depends(file, d, ctx, 0)
        for name in path_names:
            if not any(p['in'] == 'path' and p['name'] == name for p in params):
                params.append({'name': name, 'in': 'path', 'required': True,
                               'schema': dict(_FLASK_TYPES.get(flask_types.get(name) or '',
                                                               {'type': 'string'}))})
        if params:
            op['parameters'] = params
        if body:
            op['requestBody'] = self._body(body, op_ptr)
        self._responses(route, fn, call, op, op_ptr)
        if call is not None and _kw_const(call, 'deprecated') is True:
            op['deprecated'] = True
        extra_node = _kw(call, 'openapi_extra') if call is not None else None
        if extra_node is not None:
            extra = self.const_value(file, extra_node)
            if isinstance(extra, dict):
                # FastAPI deep-merges openapi_extra into the generated operation: dicts
                # merge key by key, lists (parameters) are extended
                before = len(op.get('parameters', []))
                lines = _param_lines(extra_node)
                _deep_merge(op, extra)
                for i in range(before, len(op.get('parameters', []))):
                    j = i - before
                    self.locs[f'{op_ptr}/parameters/{i}'] = (
                        file, lines[j] if j < len(lines) else route.line)
            else:
                self.unresolved.append((file, route.line, 'openapi_extra is not a literal'))
        return op

    def const_value(self, file: str, node: ast.expr | None, depth: int = 0) -> object:
        """A literal value, module constants included (``openapi_extra=EXTRA``,
        ``{"schema": ITEM_SCHEMA}``); ``_MISSING`` when it is not one."""
        if node is None or depth > 8:
            return _MISSING
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Dict):
            out: dict[object, object] = {}
            for k, v in zip(node.keys, node.values):
                if k is None:           # {**OTHER}
                    inner = self.const_value(file, v, depth + 1)
                    if not isinstance(inner, dict):
                        return _MISSING
                    out.update(inner)
                    continue
                key = self.const_value(file, k, depth + 1)
                value = self.const_value(file, v, depth + 1)
                if key is _MISSING or value is _MISSING:
                    return _MISSING
                out[key] = value
            return out
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self.const_value(file, e, depth + 1) for e in node.elts]
            return _MISSING if any(i is _MISSING for i in items) else items
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            number = self.const_value(file, node.operand, depth + 1)
            return -number if isinstance(number, (int, float)) and not isinstance(
                number, bool) else _MISSING
        name = _dotted(node)
        if name is not None:
            got = self.symbol(file, name)
            if got is None:
                got = self._constant(file, name)
            if got is not None and isinstance(got[1], (ast.Assign, ast.AnnAssign)):
                return self.const_value(got[0], got[1].value, depth + 1)
        return _MISSING

    def _constant(self, file: str, name: str) -> tuple[str, _Def | None] | None:
        tree = self.p.tree(file)
        found: tuple[str, _Def | None] | None = None
        for node in tree.body if tree is not None else []:
            if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == name for t in node.targets):
                found = (file, node)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                    and node.target.id == name and node.value is not None:
                found = (file, node)
        return found

    def _arguments(self, file: str, fn: ast.FunctionDef | ast.AsyncFunctionDef,
                   ctx: _OpCtx, depth: int) -> None:
        args = fn.args
        positional = args.posonlyargs + args.args
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) \
            + list(args.defaults)
        pairs = list(zip(positional, defaults)) + list(zip(args.kwonlyargs, args.kw_defaults))
        for arg, default in pairs:
            if arg.arg in ('self', 'cls'):
                continue
            self._param(file, arg, default, *ctx, depth=depth)

    def _depends(self, file: str, call: ast.Call, ctx: _OpCtx, depth: int) -> None:
        """The parameters a dependency (``Depends(fn)``) adds to the operation."""
        target = call.args[0] if call.args else _kw(call, 'dependency')
        if isinstance(target, ast.Call):            # Depends(factory(...))
            return
        name = _dotted(target)
        if name is None or depth >= 3:
            return
        got = self.symbol(file, name)
        if got is not None and isinstance(got[1], ast.ClassDef):
            init = next((n for n in got[1].body if isinstance(
                n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == '__init__'), None)
            if init is not None and self.class_kind(got[0], got[1]) is None:
                self._arguments(got[0], init, ctx, depth + 1)     # a class dependency
            return
        if got is None or not isinstance(got[1], (ast.FunctionDef, ast.AsyncFunctionDef)):
            return      # an object (security scheme): not modelled
        self._arguments(got[0], got[1], ctx, depth + 1)

    def _param(self, file: str, arg: ast.arg, default: ast.expr | None, path_names: set[str],
               flask_types: dict[str, str], params: list[dict[str, Any]],
               body: list[_BodyPart], op_ptr: str, depth: int = 0) -> None:
        ann = arg.annotation
        ann_file = file
        marker = None
        if ann is not None:
            # ``current_user: CurrentUser`` where CurrentUser = Annotated[User, Depends(...)]
            ann_file, ann = self.resolve_alias(file, ann)
        if isinstance(ann, ast.Subscript) and (_dotted(ann.value) or '').endswith('Annotated'):
            sl = ann.slice
            parts = list(sl.elts) if isinstance(sl, ast.Tuple) else [sl]
            ann = parts[0]
            constraints = []
            for extra in parts[1:]:
                if isinstance(extra, ast.Call) and _marker(extra):
                    marker = extra
                elif isinstance(extra, ast.Call):
                    constraints.append(extra)       # Field(gt=0), annotated_types
            if constraints:
                ann = ast.Subscript(value=ast.Name(id='Annotated', ctx=ast.Load()),
                                    slice=ast.Tuple(elts=[ann, *constraints], ctx=ast.Load()),
                                    ctx=ast.Load())
        if isinstance(default, ast.Call) and _marker(default):
            marker, default_expr = default, (default.args[0] if default.args
                                             else _kw(default, 'default'))
            has_default = default_expr is not None and not (
                isinstance(default_expr, ast.Constant) and default_expr.value is Ellipsis) \
                or _kw(default, 'default_factory') is not None
        else:
            default_expr = default
            has_default = default is not None
        kind = _marker(marker) if marker is not None else None
        if kind == 'depends':
            assert marker is not None
            dep_file = ann_file if marker is not default else file
            if not marker.args and _kw(marker, 'dependency') is None and ann is not None:
                marker = ast.Call(func=marker.func, args=[ann], keywords=[])   # Depends()
                ast.copy_location(marker, arg)
            self._depends(dep_file, marker, (path_names, flask_types, params, body, op_ptr),
                          depth)
            return
        if marker is not None and _kw_const(marker, 'include_in_schema') is False:
            return          # read by the handler, not part of the documented contract
        tname = (_dotted(ann) or '').rsplit('.', 1)[-1] if ann is not None else ''
        if tname in _SKIP_TYPES:
            return
        schema = self.type_schema(ann_file, ann, arg.lineno) if ann is not None else (
            dict(_FLASK_TYPES.get(flask_types.get(arg.arg) or '', {'type': 'string'}))
            if arg.arg in path_names else {})
        if marker is not None:
            _constrain(schema, marker)
        if has_default and default_expr is not None:
            _set_default(schema, default_expr)
        if kind is None:
            if arg.arg in path_names:
                kind = 'path'
            elif _is_model_schema(schema, self.schemas, self.seeded if self.seed else None,
                                  self.seed):
                kind = 'body'
            else:
                kind = 'query'
        name = arg.arg
        alias = _kw_const(marker, 'alias') if marker is not None else None
        if isinstance(alias, str):
            name = alias
        elif kind == 'header' and _kw_const(marker, 'convert_underscores') is not False:
            name = name.replace('_', '-')
        if kind in ('body', 'form', 'file'):
            if marker is not None and _kw_const(marker, 'embed') is True:
                kind = 'body-embed'
            body.append((name, schema, not has_default, kind, arg.lineno))
            return
        param = {'name': name, 'in': kind, 'required': kind == 'path' or not has_default,
                 'schema': schema}
        params.append(param)
        self.locs[f'{op_ptr}/parameters/{len(params) - 1}'] = (file, arg.lineno)

    def _body(self, body: list[_BodyPart], op_ptr: str) -> dict[str, Any]:
        media = 'application/json'
        if any(b[3] == 'file' for b in body):
            media = 'multipart/form-data'
        elif any(b[3] == 'form' for b in body):
            media = 'application/x-www-form-urlencoded'
        if len(body) == 1 and media == 'application/json' and body[0][3] == 'body':
            name, schema, required, _, line = body[0]
            return {'required': required, 'content': {media: {'schema': schema}}}
        props = {b[0]: b[1] for b in body}
        req = [b[0] for b in body if b[2]]
        schema = {'type': 'object', 'properties': props}
        if req:
            schema['required'] = req
        return {'required': bool(req), 'content': {media: {'schema': schema}}}

    def _responses(self, route: pyroutes.Route,
                   fn: ast.FunctionDef | ast.AsyncFunctionDef | None, call: ast.Call | None,
                   op: dict[str, Any], op_ptr: str) -> None:
        status = '200'
        model: ast.expr | None = None
        has_model_kw = False
        # A response is serialized from the model: every field is there (a default is
        # written too), unless the route drops unset/default/None values.
        mode = 'serialization'
        if call is not None:
            sc = _literal(_kw(call, 'status_code'))
            if isinstance(sc, int):
                status = str(sc)
            elif _kw(call, 'status_code') is not None:
                got = _dotted(_kw(call, 'status_code')) or ''
                m = re.search(r'HTTP_(\d{3})', got)
                if m:
                    status = m.group(1)
            if _kw(call, 'response_model') is not None:
                has_model_kw = True
                model = _kw(call, 'response_model')
            if any(_kw_const(call, f'response_model_exclude_{k}') is True
                   for k in ('unset', 'defaults', 'none')):
                mode = 'validation'
        if not has_model_kw and fn is not None and fn.returns is not None \
                and route.framework == 'fastapi':
            rname = (_dotted(fn.returns) or '').rsplit('.', 1)[-1]
            if rname not in _SKIP_TYPES and not rname.endswith('Response'):
                model = fn.returns
        resp: dict[str, Any] = {'description': 'Successful Response'}
        if model is not None and not (isinstance(model, ast.Constant) and model.value is None):
            before = len(self.unresolved)
            schema = self.type_schema(route.file, model, route.line, mode)
            if isinstance(model, ast.Call) and before == len(self.unresolved):
                self.unresolved.append((route.file, route.line,
                                        f'response model {ast.unparse(model)}'))
            if UNRESOLVED in schema:
                resp[UNRESOLVED] = schema[UNRESOLVED]       # unknown, not "no body"
            else:
                resp['content'] = {'application/json': {'schema': schema}}
        elif model is None and fn is not None and route.framework == 'fastapi' \
                and status not in ('204', '205', '304') and not _non_json(call):
            inferred = _returned_dict(fn)
            if inferred is not None:        # ``return {"status": "ok"}``: that shape
                resp['content'] = {'application/json': {'schema': inferred}}
            elif _returns_value(fn):
                resp[UNRESOLVED] = f'the response of {fn.name}() (no response model)'
        op['responses'][status] = resp
        self.locs[f'{op_ptr}/responses/{status}'] = (route.file, route.line)
        extra = _kw(call, 'responses') if call is not None else None
        if extra is None:
            return
        entries = self._dict_entries(route.file, extra, {}, 0)
        if entries is None:
            what = f'responses={_short(extra)} is not read statically'
            self.unresolved.append((route.file, route.line, what))
            op[UNREAD_RESPONSES] = what         # counted by error_coverage
            return
        for efile, k, v, env in entries:
            code = self._status_key(efile, k, env)
            if code is _MISSING:
                self.unresolved.append((route.file, route.line,
                                        f'a responses= status ({_short(k)}) is not read '
                                        'statically'))
                continue
            # merged as FastAPI does: into the same status, a "model" gives the schema
            # unless response_model already did, the rest is deep-merged
            r = op['responses'].setdefault(str(code), {'description': ''})
            self.locs.setdefault(f'{op_ptr}/responses/{code}', (route.file, route.line))
            inner = self._dict_entries(efile, v, env, 0)
            if inner is None:
                what = f'the {code} response ({_short(v)}) is not read statically'
                self.unresolved.append((route.file, route.line, what))
                r.setdefault('content', {}).setdefault('application/json', {}).setdefault(
                    'schema', {UNRESOLVED: what})       # unknown, not "no body"
                continue
            for vfile, vk, vv, venv in inner:
                key = self._bound_const(vfile, vk, venv)
                if key == 'model':
                    content = r.setdefault('content', {}).setdefault('application/json', {})
                    if 'schema' not in content:
                        content['schema'] = self._response_model(vfile, vv, venv, route.line,
                                                                 mode)
                elif isinstance(key, str):
                    value = self._bound_const(vfile, vv, venv)
                    if value is _MISSING:
                        continue
                    if key == 'description' and str(code) == status:
                        r['description'] = value
                    elif isinstance(value, dict) and isinstance(r.get(key), dict):
                        _deep_merge(r[key], value)
                    elif key not in r or key == 'description':
                        r[key] = value

    # -- responses= written through constants and helpers ---------------------------------
    def _bind(self, file: str, node: ast.expr, env: _Env) -> tuple[str, ast.expr, _Env]:
        """A name bound by a helper's parameters or a comprehension, replaced by what it
        is bound to (with the file and bindings it is read in)."""
        seen = 0
        while isinstance(node, ast.Name) and node.id in env and seen < 8:
            file, node, env = env[node.id]
            seen += 1
        return file, node, env

    def _bound_const(self, file: str, node: ast.expr | None, env: _Env) -> object:
        if node is None:
            return _MISSING
        file, node, env = self._bind(file, node, env)
        if isinstance(node, ast.Dict) and env:
            out: dict[object, object] = {}
            for k, v in zip(node.keys, node.values):
                key = self._bound_const(file, k, env) if k is not None else _MISSING
                value = self._bound_const(file, v, env)
                if key is _MISSING or value is _MISSING:
                    return _MISSING
                out[key] = value
            return out
        return self.const_value(file, node)

    def _status_key(self, file: str, node: ast.expr | None, env: _Env) -> object:
        """A status code: a literal, a constant, ``status.HTTP_404_NOT_FOUND``, or a class
        attribute of a class bound by a comprehension (``E.status_code``)."""
        if node is None:
            return _MISSING
        file, node, env = self._bind(file, node, env)
        code = self.const_value(file, node)
        if code is _MISSING:
            m = re.search(r'HTTP_(\d{3})', _dotted(node) or '')
            code = m.group(1) if m else _MISSING
        if code is _MISSING and isinstance(node, ast.Attribute):
            owner_file, owner, _ = self._bind(file, node.value, env)
            got = self.symbol(owner_file, _dotted(owner) or '') if _dotted(owner) else None
            if got is not None and isinstance(got[1], ast.ClassDef):
                code = self._class_constant(got[0], got[1], node.attr, 0)
        if isinstance(code, int) and not isinstance(code, bool):
            return str(code)
        return code if isinstance(code, str) else _MISSING

    def _class_constant(self, file: str, node: ast.ClassDef, attr: str, depth: int) -> object:
        for stmt in node.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target: ast.expr = stmt.targets[0]
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                target = stmt.target
            else:
                continue
            if isinstance(target, ast.Name) and target.id == attr:
                return self.const_value(file, stmt.value)
        for base in node.bases if depth < 8 else []:
            got = self.symbol(file, _dotted(base) or '') if _dotted(base) else None
            if got is not None and isinstance(got[1], ast.ClassDef):
                found = self._class_constant(got[0], got[1], attr, depth + 1)
                if found is not _MISSING:
                    return found
        return _MISSING

    def _dict_entries(self, file: str, node: ast.expr | None, env: _Env, depth: int
                      ) -> list[tuple[str, ast.expr | None, ast.expr, _Env]] | None:
        """The (file, key, value, bindings) entries of a dict written statically: a
        literal (``{**A, **B}`` merged in order), a module constant holding one (imported
        or not), a call of a module-level function returning one built from its
        arguments, a comprehension over a literal tuple (``{E.status_code: {"model":
        E.schema()} for E in (A, B)}``). None when it cannot be read (never executed)."""
        if node is None or depth > 8:
            return None
        file, node, env = self._bind(file, node, env)
        if isinstance(node, ast.Dict):
            out: list[tuple[str, ast.expr | None, ast.expr, _Env]] = []
            for k, v in zip(node.keys, node.values):
                if k is None:                       # {**OTHER}
                    inner = self._dict_entries(file, v, env, depth + 1)
                    if inner is None:
                        return None
                    out.extend(inner)
                else:
                    out.append((file, k, v, env))
            return out
        if isinstance(node, ast.DictComp):
            return self._comprehension(file, node, env, depth)
        if isinstance(node, ast.Call):
            return self._helper_dict(file, node, env, depth)
        name = _dotted(node)
        if name is None:
            return None
        got = self._value_symbol(file, name)
        if got is not None and isinstance(got[1], (ast.Assign, ast.AnnAssign)) \
                and got[1].value is not None:
            return self._dict_entries(got[0], got[1].value, {}, depth + 1)
        return None

    def _value_symbol(self, file: str, name: str, depth: int = 0
                      ) -> tuple[str, _Def | None] | None:
        """(file, assignment) of a module constant of any value (``symbol`` gives only
        those that read as type aliases), imports followed."""
        index = self.p.index(file) if depth < 6 else None
        if index is None:
            return None
        if name in index.aliases:
            return file, index.aliases[name]
        head, _, rest = name.partition('.')
        for node in index.imports.get(head, ()):
            if not isinstance(node, ast.ImportFrom):
                continue
            mod = self.p.resolve_from(file, node.level, node.module)
            for a in node.names:
                if (a.asname or a.name) != head:
                    continue
                sub = self.p.module_file(f'{mod}.{a.name}' if mod else a.name, file)
                if sub is not None:
                    return self._value_symbol(sub, rest, depth + 1) if rest else None
                target = self.p.module_file(mod, file)
                return None if target is None else self._value_symbol(
                    target, a.name + ('.' + rest if rest else ''), depth + 1)
        return None

    def _comprehension(self, file: str, node: ast.DictComp, env: _Env, depth: int
                       ) -> list[tuple[str, ast.expr | None, ast.expr, _Env]] | None:
        if len(node.generators) != 1:
            return None
        gen = node.generators[0]
        if gen.ifs or gen.is_async or not isinstance(gen.target, ast.Name):
            return None
        ifile, items, ienv = self._bind(file, gen.iter, env)
        name = _dotted(items)
        if name is not None:
            got = self._value_symbol(ifile, name)
            if got is not None and isinstance(got[1], (ast.Assign, ast.AnnAssign)):
                ifile, items, ienv = got[0], got[1].value or items, {}
        if not isinstance(items, (ast.Tuple, ast.List, ast.Set)):
            return None
        out: list[tuple[str, ast.expr | None, ast.expr, _Env]] = []
        for elt in items.elts:
            out.append((file, node.key, node.value,
                        {**env, gen.target.id: (ifile, elt, ienv)}))
        return out

    def _helper_dict(self, file: str, call: ast.Call, env: _Env, depth: int
                     ) -> list[tuple[str, ast.expr | None, ast.expr, _Env]] | None:
        """A module-level function whose body returns a dict literal (after an optional
        docstring), its parameters bound to the call's arguments."""
        name = _dotted(call.func)
        got = self.symbol(file, name) if name else None
        fn = got[1] if got is not None else None
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        assert got is not None
        body = [st for st in fn.body if not (isinstance(st, ast.Expr) and isinstance(
            st.value, ast.Constant) and isinstance(st.value.value, str))]
        if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
            return None
        params = [*fn.args.posonlyargs, *fn.args.args]
        bound: _Env = {}
        defaults = fn.args.defaults
        for i, param in enumerate(params):
            j = i - (len(params) - len(defaults))
            if j >= 0:
                bound[param.arg] = (got[0], defaults[j], {})
        for param, default in zip(fn.args.kwonlyargs, fn.args.kw_defaults):
            if default is not None:
                bound[param.arg] = (got[0], default, {})
        if any(isinstance(a, ast.Starred) for a in call.args) or len(call.args) > len(params):
            return None
        for param, arg in zip(params, call.args):
            bound[param.arg] = (file, arg, env)
        names = {p.arg for p in (*params, *fn.args.kwonlyargs)}
        for kw in call.keywords:
            if kw.arg is None or kw.arg not in names:
                return None
            bound[kw.arg] = (file, kw.value, env)
        if len(bound) < len(names):
            return None                             # a parameter without a value
        return self._dict_entries(got[0], body[0].value, bound, depth + 1)

    def _response_model(self, file: str, node: ast.expr, env: _Env, line: int, mode: str
                        ) -> dict[str, Any]:
        """The schema of a ``"model"`` of ``responses=``: a Pydantic model,
        ``Problem.schema()``, ``A.schema() | B.schema()`` (either one: ``anyOf``; also inside
        ``Annotated[..., SetSchemaReference("X")]``), and an
        exception class whose ``schema()`` class method returns ``create_model(
        cls.__name__, ...)`` (polar's ``NotPermitted.schema()``)."""
        file, node, env = self._bind(file, node, env)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return _union([self._response_model(file, node.left, env, line, mode),
                           self._response_model(file, node.right, env, line, mode)])
        if isinstance(node, ast.Subscript) and (_dotted(node.value) or '').rsplit(
                '.', 1)[-1] == 'Annotated' and isinstance(node.slice, ast.Tuple) \
                and node.slice.elts:
            # Annotated[A.schema() | B.schema(), SetSchemaReference("X")]: the metadata
            # names the component, the shape is the first argument's
            return self._response_model(file, node.slice.elts[0], env, line, mode)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ('schema', 'model_json_schema') \
                and not node.args and not node.keywords:
            ofile, owner, _ = self._bind(file, node.func.value, env)
            got = self.symbol(ofile, _dotted(owner) or '') if _dotted(owner) else None
            if got is not None and isinstance(got[1], ast.ClassDef) \
                    and self.class_kind(got[0], got[1]) is None:
                made = self._created_model(got[0], got[1], node.func.attr, mode)
                if made is not None:
                    return made
                return self.unknown(file, line, f'{ast.unparse(node)}: the model its '
                                                f'{node.func.attr}() makes is not read')
            file, node = ofile, owner           # {"model": Problem.schema()}: Problem
        return self.type_schema(file, node, line, mode)

    def _created_model(self, file: str, cls: ast.ClassDef, method: str, mode: str
                       ) -> dict[str, Any] | None:
        """The model a class method makes with ``create_model(cls.__name__, field=(type,
        default), ...)`` (found on the class or a base), read as a class of those fields
        named after ``cls``; None when the method is not that shape."""
        key = (file, cls.lineno, method, mode)
        if key not in self._made:
            self._made[key] = self._create_model(file, cls, method, mode)
        got = self._made[key]
        return dict(got) if got is not None else None

    def _create_model(self, file: str, cls: ast.ClassDef, method: str, mode: str
                      ) -> dict[str, Any] | None:
        found = self._method(file, cls, method, 0)
        if found is None:
            return None
        mfile, fn = found
        calls = [n for n in ast.walk(fn) if isinstance(n, ast.Call)
                 and (_dotted(n.func) or '').rsplit('.', 1)[-1] == 'create_model']
        if len(calls) != 1 or not calls[0].args:
            return None
        call = calls[0]
        local = {st.targets[0].id: st.value for st in ast.walk(fn)
                 if isinstance(st, ast.Assign) and len(st.targets) == 1
                 and isinstance(st.targets[0], ast.Name)}
        first = fn.args.args[0].arg if fn.args.args else 'cls'

        class _Subst(ast.NodeTransformer):
            def visit_Name(self, node: ast.Name) -> ast.AST:
                value = local.get(node.id)
                return self.visit(copy.deepcopy(value)) if value is not None else node

            def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
                if node.attr in ('__name__', '__qualname__') and isinstance(
                        node.value, ast.Name) and node.value.id == first:
                    return ast.copy_location(ast.Constant(cls.name), node)
                return self.generic_visit(node)

        model_name = _Subst().visit(copy.deepcopy(call.args[0]))
        if not (isinstance(model_name, ast.Constant) and isinstance(model_name.value, str)):
            return None
        body: list[ast.stmt] = []
        for kw in call.keywords:
            if kw.arg is None:
                return None
            if kw.arg.startswith('__'):             # __base__, __config__, __module__
                if kw.arg == '__base__':
                    return None
                continue
            spec = _Subst().visit(copy.deepcopy(kw.value))
            if not isinstance(spec, ast.Tuple) or len(spec.elts) != 2:
                return None
            ann, default = spec.elts
            value = None if isinstance(default, ast.Constant) and default.value is Ellipsis \
                else default
            body.append(ast.AnnAssign(target=ast.Name(kw.arg, ast.Store()), annotation=ann,
                                      value=value, simple=1, lineno=call.lineno,
                                      col_offset=call.col_offset))
        made = ast.ClassDef(name=model_name.value, bases=[], keywords=[], body=body,
                            decorator_list=[], lineno=call.lineno, col_offset=call.col_offset)
        setattr(made, 'type_params', [])        # noqa: B010 - a field of Python 3.12+ only
        qualified = self.qualname(file, model_name.value)
        fresh = qualified + ('-Output' if mode == 'serialization' else '') not in self.schemas
        ref = self.model_ref(mfile, made, mode, qualified=qualified)
        if fresh:       # where the model is: the class it is made for, not the helper
            ptr = ref['$ref'][1:]
            for key in [ptr, *(f'{ptr}/properties/{escape(kw.arg or "")}'
                               for kw in call.keywords)]:
                if key in self.locs:
                    self.locs[key] = (file, cls.lineno)
        return ref

    def _method(self, file: str, cls: ast.ClassDef, name: str, depth: int
                ) -> tuple[str, ast.FunctionDef | ast.AsyncFunctionDef] | None:
        for stmt in cls.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name:
                return file, stmt
        for base in cls.bases if depth < 8 else []:
            bname = _dotted(base)
            got = self.symbol(file, bname) if bname else None
            if got is not None and isinstance(got[1], ast.ClassDef):
                found = self._method(got[0], got[1], name, depth + 1)
                if found is not None:
                    return found
        return None


def _short(node: ast.expr | None) -> str:
    text = ast.unparse(node) if node is not None else '?'
    return text if len(text) <= 60 else text[:57] + '...'


def _non_json(call: ast.Call | None) -> bool:
    """``response_class=HTMLResponse`` (a page, a redirect, a file, a stream: no JSON)."""
    got = (_dotted(_kw(call, 'response_class')) or '').rsplit('.', 1)[-1]
    return bool(got) and got.endswith('Response') and 'JSON' not in got


def _deep_merge(target: dict[str, Any], extra: dict[Any, Any]) -> None:
    """FastAPI's ``deep_dict_update``: nested dicts merge, lists are extended, other
    values replace."""
    for key, value in extra.items():
        key = str(key)
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value)
        elif isinstance(value, list) and isinstance(target.get(key), list):
            target[key] = target[key] + value
        else:
            target[key] = value


_JSON_OF = {str: 'string', int: 'integer', float: 'number', bool: 'boolean'}


def _returns_value(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """The handler returns a JSON value (not ``None``, not an HTML page, a redirect, a
    file or a stream): its body is unknown without a response model."""
    for node in ast.walk(fn):
        if not isinstance(node, ast.Return) or node.value is None or (
                isinstance(node.value, ast.Constant) and node.value.value is None):
            continue
        value = node.value
        if isinstance(value, ast.Call):
            called = (_dotted(value.func) or '').rsplit('.', 1)[-1]
            if called.endswith('Response') and 'JSON' not in called or called in (
                    'redirect', 'render_template', 'send_file'):
                continue
        return True
    return False


def _returned_dict(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, Any] | None:
    """The shape of what a handler without a response model returns when every
    ``return`` is a dict literal (``return {"status": "ok"}``, ``JSONResponse(content={...})``):
    its keys are always there."""
    shapes: list[dict[str, dict[str, Any]]] = []
    for node in ast.walk(fn):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) \
                and node is not fn:
            continue
        if not isinstance(node, ast.Return):
            continue
        value = node.value
        if isinstance(value, ast.Call) and (_dotted(value.func) or '').endswith(
                ('JSONResponse', 'ORJSONResponse', 'UJSONResponse')):
            value = value.args[0] if value.args else _kw(value, 'content')
        if not isinstance(value, ast.Dict) or any(k is None for k in value.keys):
            return None
        shape: dict[str, dict[str, Any]] = {}
        for k, v in zip(value.keys, value.values):
            key = _literal(k)
            if not isinstance(key, str):
                return None
            const = _literal(v) if isinstance(v, ast.Constant) else None
            kind = _JSON_OF.get(type(const)) if const is not None else None
            if isinstance(v, (ast.List, ast.ListComp)):
                kind = 'array'
            elif isinstance(v, (ast.Dict, ast.DictComp)):
                kind = 'object'
            elif isinstance(v, ast.JoinedStr):
                kind = 'string'
            shape[key] = {'type': kind} if kind else {}
        shapes.append(shape)
    if not shapes:
        return None
    props: dict[str, dict[str, Any]] = {}
    for shape in shapes:
        for prop, schema in shape.items():
            if prop in props and props[prop] != schema:
                props[prop] = {}
            else:
                props.setdefault(prop, schema)
    required = [prop for prop in props if all(prop in s for s in shapes)]
    out: dict[str, Any] = {'type': 'object', 'properties': props}
    if required:
        out['required'] = required
    return out


def _param_lines(extra: ast.expr | None) -> list[int]:
    """Lines of the items of ``openapi_extra={"parameters": [...]}``."""
    if isinstance(extra, ast.Dict):
        for k, v in zip(extra.keys, extra.values):
            if isinstance(k, ast.Constant) and k.value == 'parameters' and isinstance(
                    v, (ast.List, ast.Tuple)):
                return [e.lineno for e in v.elts]
    return []


def _is_model_schema(schema: dict[str, Any], schemas: dict[str, Any],
                     read: set[str] | None = None, seed: dict[str, Any] | None = None
                     ) -> bool:
    """``read``: the names of the components looked at are added to it; ``seed``: the
    components of the modules before (looked up when not in ``schemas``)."""
    if isinstance(schema.get('anyOf'), list):       # Optional[Model] = None
        return any(_is_model_schema(s, schemas, read, seed) for s in schema['anyOf']
                   if isinstance(s, dict))
    ref = schema.get('$ref', '')
    if ref.startswith('#/components/schemas/'):
        name = ref.rsplit('/', 1)[-1]
        if read is not None:
            read.add(name)
        target = schemas.get(name)
        if target is None:
            target = seed.get(name, {}) if seed is not None else {}
        kind: object = target.get('type')
        return kind == 'object'
    if schema.get('type') == 'array' and isinstance(schema.get('items'), dict):
        return _is_model_schema(schema['items'], schemas, read, seed)
    return False


def _dotted(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f'{inner}.{node.attr}' if inner else None
    return None


def _kw(call: ast.Call | None, name: str) -> ast.expr | None:
    if call is None:
        return None
    for k in call.keywords:
        if k.arg == name:
            return k.value
    return None


def _literal(node: ast.expr | None) -> object:
    """The value of a Python literal (``None`` when it is not one)."""
    if node is None:
        return None
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _kw_const(call: ast.Call | None, name: str) -> object:
    return _literal(_kw(call, name))


def _first_choice(node: ast.expr | None) -> str | None:
    """The first plain name of ``AliasChoices("a", AliasPath(...), "b")``."""
    if not (isinstance(node, ast.Call) and (_dotted(node.func) or '').rsplit('.', 1)[-1]
            == 'AliasChoices'):
        return None
    for arg in node.args:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg.value
        if not (isinstance(arg, ast.Call) and (_dotted(arg.func) or '').rsplit('.', 1)[-1]
                == 'AliasPath'):
            return None
        # AliasPath("a") of one plain name is that name; a longer path is skipped
        if len(arg.args) == 1 and isinstance(arg.args[0], ast.Constant) and isinstance(
                arg.args[0].value, str):
            return arg.args[0].value
    return None


def _marker(call: ast.Call | None) -> str | None:
    if call is None:
        return None
    return _MARKERS.get((_dotted(call.func) or '').rsplit('.', 1)[-1])


def _literal_schema(vals: list[object]) -> dict[str, Any]:
    """``Literal[...]``: its values; ``None`` among them is the null type, as for any other
    annotation (``Literal[None]`` is ``None``, ``Literal["a", None]`` is
    ``Optional[Literal["a"]]``, the typing spec's equivalences Pydantic follows)."""
    rest = [v for v in vals if v is not None]
    if len(rest) == len(vals):
        if len(vals) == 1:
            return {'const': vals[0], **_json_type(vals)}
        return {'enum': vals, **_json_type(vals)}
    null = {'type': 'null'}
    return _union([_literal_schema(rest), null]) if rest else null


def _json_type(vals: list[object]) -> dict[str, Any]:
    kinds = {type(v) for v in vals}
    if kinds == {str}:
        return {'type': 'string'}
    if kinds == {int}:
        return {'type': 'integer'}
    if kinds == {bool}:
        return {'type': 'boolean'}
    return {}


def _union(parts: list[dict[str, Any]]) -> dict[str, Any]:
    flat: list[dict[str, Any]] = []
    for p in parts:
        flat.extend(p['anyOf'] if set(p) == {'anyOf'} else [p])
    if any(p == {} for p in flat):
        return {}           # Any | None is Any: it already takes every value
    if len(flat) == 1:
        return flat[0]
    return {'anyOf': flat}


def _constrain(schema: dict[str, Any], call: ast.Call) -> None:
    target = schema
    if 'anyOf' in schema:           # Optional[X]: the constraint applies to X
        non_null = [s for s in schema['anyOf'] if s.get('type') != 'null']
        if len(non_null) == 1:
            target = non_null[0]
    for kw, key in _CONSTRAINTS.items():
        v = _kw_const(call, kw)
        if v is not None and not isinstance(v, bool):
            target[key] = v


def _set_default(schema: dict[str, Any], node: ast.expr) -> None:
    value = _literal(node)
    if value is not None or (isinstance(node, ast.Constant) and node.value is None):
        if isinstance(value, (str, int, float, bool, list, dict)) or value is None:
            schema['default'] = value


def _forbids_extra(node: ast.ClassDef) -> bool:
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == 'model_config' for t in stmt.targets):
            return "'forbid'" in ast.unparse(stmt.value) or '"forbid"' in ast.unparse(
                stmt.value)
    for kw in node.keywords:
        if kw.arg == 'extra' and _literal(kw.value) == 'forbid':
            return True
    return False


def _type_like(node: ast.expr | None) -> bool:
    """An assigned value that reads as a type alias (``Annotated[...]``, ``X | None``,
    ``Literal[...]``, ``conint(...)``, ``NewType(...)``, another class)."""
    if isinstance(node, ast.Subscript):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return True
    if isinstance(node, ast.Call):
        return (_dotted(node.func) or '').rsplit('.', 1)[-1] in (*_CON_TYPES, 'NewType')
    return isinstance(node, (ast.Name, ast.Attribute))


def _type_params(node: ast.ClassDef) -> list[str]:
    """The type variables of a generic model: ``class Page(BaseModel, Generic[T])``."""
    for base in node.bases:
        if isinstance(base, ast.Subscript) and (_dotted(base.value) or '').endswith('Generic'):
            sl = base.slice
            elts = sl.elts if isinstance(sl, ast.Tuple) else [sl]
            return [e.id for e in elts if isinstance(e, ast.Name)]
    for base in node.bases:       # class Page(Base[T]): the parameters Base declares
        if isinstance(base, ast.Subscript):
            sl = base.slice
            elts = sl.elts if isinstance(sl, ast.Tuple) else [sl]
            names = [e.id for e in elts if isinstance(e, ast.Name) and len(e.id) <= 12
                     and e.id[:1].isupper() and (e.id.endswith('T') or len(e.id) == 1)]
            if names and len(names) == len(elts):
                return names
    return []


def _nullable(schema: dict[str, Any]) -> bool:
    if schema.get('type') == 'null':
        return True
    return any(isinstance(s, dict) and s.get('type') == 'null' for s in schema.get('anyOf', []))


# -- the whole contract -------------------------------------------------------------------

def build(project: Project, store: ModuleStore | None = None) -> CodeContract:
    """The contract of ``project``'s route code. With ``store`` (the analysis cache, see
    ``ModuleStore``), each route module is derived on its own and its result reused while
    nothing it read changed (``_build_by_module``); without (``--no-cache``), or when a
    blob id is unknown, every module is derived with one shared builder. Both give the
    same contract."""
    import gc

    # the trees and schemas are many containers without reference cycles: the cyclic
    # collector would walk them again and again while they grow (a fifth of a build). Not
    # with a module read a piece at a time: that is read so to bound memory, and the
    # collector keeps its transient cycles from piling up (a 200,000-line router: 245
    # instead of 300 MiB)
    collecting = gc.isenabled()
    if collecting and not any(len(project.source(p) or b'') >= PIECEWISE_MIN_BYTES
                              for p in project.paths):
        gc.disable()
    try:
        if store is not None:
            try:
                got = _build_by_module(project, store)
            except _NotAlike:
                got = None
            if got is not None:
                return got
        return _build_shared(project)
    finally:
        if collecting:
            gc.enable()


def _build_shared(project: Project) -> CodeContract:
    builder = Builder(project)
    # a module's routes, or None for a large module read a batch at a time (``_Piecewise``)
    modules: list[tuple[str, list[pyroutes.Route] | None]] = []
    mounts: _Mounts = {}
    for path in project.paths:
        data = project.source(path)
        if data is None or not _ROUTE_RE.search(data):
            continue
        found = _module_mounts(builder, project, path, data, mounts)
        if found is not _NO_ROUTES:
            modules.append((path, found))      # type: ignore[arg-type]
    paths: dict[str, dict[str, Any]] = {}
    handlers: dict[str, tuple[str, str]] = {}
    by_ptr: dict[str, _RouteFacts] = {}
    for file, found in modules:
        _module_operations(builder, project, file, found, mounts, paths, handlers, by_ptr)
    doc = {'openapi': '3.1.0', 'info': {'title': 'route code', 'version': '0'},
           'paths': paths, 'components': {'schemas': builder.schemas}}
    return CodeContract(doc, builder.locs, handlers, builder.unresolved, by_ptr,
                        sorted(project.unparsed))


_NO_ROUTES = object()


def _module_mounts(builder: Builder, project: Project, path: str, data: bytes,
                   mounts: _Mounts) -> list[pyroutes.Route] | None | object:
    """The first pass over a module that may hold routes: its mounts are added to
    ``mounts``; its routes (``None`` for a large module read a batch at a time), or
    ``_NO_ROUTES`` (none, or it does not parse: ``project.unparsed``)."""
    tree = project.tree(path)
    if tree is None:
        if not _is_template(data):
            project.unparsed.add(path)
        return _NO_ROUTES
    if project.pieces(path) is not None:
        _collect_mounts(builder, path, tree, mounts)
        return None
    source = data.decode('utf-8', 'replace')
    try:
        routes = pyroutes.find_routes(source, path, tree=tree)
    except (SyntaxError, ValueError):
        project.unparsed.add(path)
        return _NO_ROUTES
    _collect_mounts(builder, path, tree, mounts)
    if routes:
        project.routes[path] = routes
    return routes if routes else _NO_ROUTES


def _module_operations(builder: Builder, project: Project, file: str,
                       found: list[pyroutes.Route] | None, mounts: _Mounts,
                       paths: dict[str, dict[str, Any]], handlers: dict[str, tuple[str, str]],
                       by_ptr: dict[str, _RouteFacts],
                       prefixes_read: dict[str, list[str]] | None = None,
                       skipped: set[tuple[str, str]] | None = None,
                       before: dict[str, dict[str, Any]] | None = None) -> None:
    """The operations of one module's routes, added to ``paths`` (an operation already
    there or in ``before`` is kept: added to ``skipped``), ``handlers`` and ``by_ptr``;
    ``prefixes_read``: the mount prefixes of each of its routers that were used;
    ``before``: the operations of the modules before it (read, never changed)."""

    def add(routes: list[pyroutes.Route], owners: dict[int, str]) -> None:
        for route in routes:
            if route.path is None or route.method == '?':
                builder.unresolved.append((file, route.line, f'route {route.describe()}: '
                                           f'{route.unresolved or "not resolvable"}'))
                continue
            if route.call is not None and _kw_const(route.call, 'include_in_schema') is False:
                continue        # not part of the documented contract
            prefixes = _prefixes((file, route.router), mounts, 0)
            if prefixes_read is not None:
                prefixes_read[route.router] = prefixes
            for prefix in prefixes:
                full = _FLASK_PARAM.sub(lambda m: '{' + m.group(2) + '}', prefix + route.path)
                method = route.method.lower()
                item = paths.get(full)
                if (item is not None and method in item) or (
                        before is not None and method in before.get(full, ())):
                    if skipped is not None:
                        skipped.add((full, method))
                    continue
                if item is None:
                    item = paths[full] = {}
                op_ptr = f'/paths/{escape(full)}/{method}'
                builder.locs.setdefault(f'/paths/{escape(full)}', (file, route.line))
                item[method] = op = builder.operation(route, full, op_ptr)
                # a handler is its function, in its class (class-based views: many
                # controllers have a get_all)
                owner = owners.get(id(route.node)) if route.node is not None else None
                handlers[op_ptr] = (file, f'{owner}.{route.function}' if owner
                                    else route.function)
                by_ptr[op_ptr] = (route.file, route.line, route.function,
                                  _response_digest(route),
                                  [r[UNRESOLVED] for st, r in op['responses'].items()
                                   if st.startswith('2') and UNRESOLVED in r])

    pw = project.pieces(file) if found is None else None
    if pw is None:
        add(found or [], _method_owners(project.tree(file)))
        return
    # a large module: a batch of its statements at a time (their trees then dropped)
    context = pyroutes.module_context(pw.skeleton, pw.walk_route, pw.functions())
    classes = _method_owners(pw.skeleton)
    for batch in pw.batches():
        add(pyroutes.find_routes('', file, batch, context),
            {**classes, **_method_owners(batch)})
        del batch


# -- one module at a time -------------------------------------------------------------------

class ModuleStore(Protocol):
    """Where the per-module results of ``build`` are kept (the analysis cache: ``codeside``).
    ``context``: what of the project every result depends on (package roots, the Pydantic
    major version), part of the key."""

    def get(self, kind: str, path: str, blob: str, context: dict[str, Any]) -> Any: ...

    def put(self, kind: str, path: str, blob: str, context: dict[str, Any],
            value: Any) -> None: ...


# the layout of a per-module result (bump when it changes)
MODULE_FORMAT = 2
# (kind, path) of every module result derived in this process: what a test counts
DERIVED: list[tuple[str, str]] = []


def _build_by_module(project: Project, store: ModuleStore) -> CodeContract | None:
    """``build`` from per-module results kept in ``store`` with what they read: the path and
    blob id of every file, every import resolved (dotted name and importing file -> file).
    A result is reused while those are unchanged, so an edited handler re-derives its
    module and an edited model the modules that read it. Two passes, as ``build``: the
    mounts of every module that may hold routes (each with its own builder), then the
    operations of each module with routes, in module order.

    A module's operations are derived exactly as one shared builder derives them after the
    modules before it: its builder starts with the components those built (used as they
    are, never built again) and the operations they declared (kept: the first declaration
    wins). So its result also records the components it used from them (with a digest of
    each) and the operations it left to them; it is reused only while they are the same,
    while none of the components or operations it made itself has been made by a module
    before it, and while its routers' mount prefixes are the same. ``None`` when a blob id
    is not known."""
    snap = project.snap
    context = {'format': MODULE_FORMAT, 'roots': project.roots, 'homes': project.homes,
               'pydantic': project.pydantic}
    candidates: list[tuple[str, str, bytes]] = []
    for path in project.paths:
        data = project.source(path)
        if data is None or not _ROUTE_RE.search(data):
            continue
        blob = snap.blob_id(path)
        if blob is None:
            return None
        candidates.append((path, blob, data))
    mounts: _Mounts = {}
    unresolved: list[tuple[str, int, str]] = []
    unparsed: set[str] = set()
    with_routes: list[tuple[str, str, bytes]] = []
    for path, blob, data in candidates:
        rec = store.get('mounts', path, blob, context)
        if not _still_valid(project, rec):
            rec = _derive(project, 'mounts', path, data, _mounts_of, mounts)
            store.put('mounts', path, blob, context, rec)
        for child_file, child, parent_file, parent, prefix in rec['mounts']:
            mounts.setdefault((child_file, child), []).append(((parent_file, parent), prefix))
        unresolved.extend(rec['unresolved'])
        if rec['status'] == 'unparsed':
            unparsed.add(path)
        elif rec['status'] == 'routes':
            with_routes.append((path, blob, data))
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    generics: dict[str, str] = {}
    digests_of: dict[str, str] = {}
    locs: dict[str, tuple[str, int]] = {}
    handlers: dict[str, tuple[str, str]] = {}
    by_ptr: dict[str, _RouteFacts] = {}
    per_module = []
    for path, blob, data in with_routes:
        rec = store.get('operations', path, blob, context)
        if not _still_valid(project, rec) or any(
                _prefixes((path, router), mounts, 0) != list(prefixes)
                for router, prefixes in rec['prefixes'].items()) or not _same_components(
                rec, schemas, digests_of) or not _same_operations(rec, paths):
            rec = _derive(project, 'operations', path, data, _operations_of, mounts, schemas,
                          digests_of, paths, generics)
            if len(data) < PIECEWISE_MIN_BYTES:
                # a module read a piece at a time is read so to bound memory: its
                # operations are not serialised for the cache as well (derived each time)
                store.put('operations', path, blob, context, rec)
        per_module.append(rec['unresolved'])
        for full, item in rec['paths'].items():
            have = paths.get(full)
            if have is None:
                paths[full] = item      # the module's own path item (not copied)
            else:
                have.update(item)
        schemas.update(rec['schemas'])
        generics.update(rec['generics'])
        more = rec['locs']
        if len(more) > len(locs):       # a large module: the smaller dict is copied
            more.update(locs)           # (the first location of a pointer is kept)
            locs = more
        else:
            for ptr, where in more.items():
                locs.setdefault(ptr, where)
        del more
        handlers.update(rec['handlers'])
        by_ptr.update(rec['by_ptr'])
    for more in per_module:
        unresolved.extend(more)
    project.unparsed |= unparsed
    doc = {'openapi': '3.1.0', 'info': {'title': 'route code', 'version': '0'},
           'paths': paths, 'components': {'schemas': schemas}}
    return CodeContract(doc, locs, handlers, unresolved, by_ptr, sorted(unparsed))


class _NotAlike(Exception):
    """A module did not parse as its first-pass result says: built with one builder."""


def _still_valid(project: Project, rec: Any) -> bool:
    """A stored result whose every read file has the same blob id and every resolved import
    the same file as now (a corrupt or foreign value is not valid)."""
    if not isinstance(rec, dict) or rec.get('format') != MODULE_FORMAT:
        return False
    try:
        for path, blob in rec['deps']:
            if (project.snap.blob_id(path) or '') != blob:
                return False
        for dotted, from_file, got in rec['resolved']:
            if project.module_file(dotted, from_file) != got:
                return False
        return isinstance(rec['prefixes'], dict)
    except (KeyError, TypeError, ValueError):
        return False


def _same_components(rec: dict[str, Any], schemas: dict[str, Any],
                     digests_of: dict[str, str]) -> bool:
    """The components an operations result used from the modules before it are there, the
    same as when it was derived, and none it built itself is (one shared builder would have
    used that one)."""
    try:
        if not isinstance(rec['generics'], dict) or any(
                name in schemas for name in rec['schemas']):
            return False
        return all(name in schemas and _schema_digest(name, schemas, digests_of) == digest
                   for name, digest in rec['seeded'].items())
    except (KeyError, TypeError, AttributeError):
        return False


def _same_operations(rec: dict[str, Any], paths: dict[str, dict[str, Any]]) -> bool:
    """The operations an operations result left to the modules before it are there, and
    none it added itself is."""
    try:
        return not any(method in paths.get(full, ()) for full, item in rec['paths'].items()
                       for method in item) and all(
            method in paths.get(full, ()) for full, method in rec['skipped'])
    except (KeyError, TypeError, ValueError, AttributeError):
        return False


def _schema_digest(name: str, schemas: dict[str, Any], digests_of: dict[str, str]) -> str:
    got = digests_of.get(name)
    if got is None:
        import marshal

        # format 2: no back-references, so equal schemas give equal bytes
        got = digests_of[name] = digests.sha1(marshal.dumps(schemas[name], 2)).hexdigest()
    return got


def _derive(project: Project, kind: str, path: str, data: bytes,
            make: Callable[[Builder, Project, str, bytes, _Mounts,
                            dict[str, dict[str, Any]] | None], dict[str, Any]],
            mounts: _Mounts, seed: dict[str, Any] | None = None,
            digests_of: dict[str, str] | None = None,
            seed_paths: dict[str, dict[str, Any]] | None = None,
            seed_generics: dict[str, str] | None = None) -> dict[str, Any]:
    """One module's result made with its own builder, with what it read (plain data: what
    the store keeps; the side's document is copied from the joined results before use)."""
    DERIVED.append((kind, path))
    project.reads, project.resolved = set(), {}
    builder = Builder(project)
    if seed is not None:
        builder.seed = seed                 # read in place (never copied nor changed)
        builder.seed_generics = seed_generics or {}
    try:
        rec = make(builder, project, path, data, mounts, seed_paths)
        reads, resolved = project.reads, project.resolved
    finally:
        project.reads = project.resolved = None
    rec['format'] = MODULE_FORMAT
    rec['deps'] = sorted((p, project.snap.blob_id(p) or '') for p in reads)
    rec['resolved'] = [(dotted, from_file, got) for (dotted, from_file), got in resolved.items()]
    rec.setdefault('prefixes', {})
    if seed is not None:
        assert digests_of is not None
        rec['schemas'] = builder.schemas    # none of the seed's names (not copied)
        rec['seeded'] = {name: _schema_digest(name, seed, digests_of)
                         for name in sorted(builder.seeded) if name in seed}
        rec['generics'] = {name: ident for name, ident in builder.generics.items()
                           if name not in (seed_generics or {})}
    return rec


def _mounts_of(builder: Builder, project: Project, path: str, data: bytes,
               _known: _Mounts, _paths: dict[str, dict[str, Any]] | None) -> dict[str, Any]:
    mounts: _Mounts = {}
    found = _module_mounts(builder, project, path, data, mounts)
    status = ('unparsed' if path in project.unparsed else
              'none' if found is _NO_ROUTES else 'routes')
    return {'status': status, 'unresolved': builder.unresolved,
            'mounts': [(child[0], child[1], parent[0], parent[1], prefix)
                       for child, got in mounts.items() for parent, prefix in got]}


def _operations_of(builder: Builder, project: Project, path: str, data: bytes,
                   mounts: _Mounts, seed_paths: dict[str, dict[str, Any]] | None
                   ) -> dict[str, Any]:
    found: list[pyroutes.Route] | None
    if project.pieces(path) is not None:
        found = None
    elif path in project.routes:         # the first pass derived this module in this run
        found = project.routes.pop(path)
    else:
        tree = project.tree(path)
        if tree is None:                 # it parsed in the first pass (same blob): only
            raise _NotAlike(path)        # running out of memory or stack can do this
        found = pyroutes.find_routes(data.decode('utf-8', 'replace'), path, tree=tree)
    # its own operations, those of the modules before it kept as one shared builder
    # would keep them (read in place: a copy per module grows with the square of the
    # number of modules)
    before = seed_paths or {}
    own: dict[str, dict[str, Any]] = {}
    handlers: dict[str, tuple[str, str]] = {}
    by_ptr: dict[str, _RouteFacts] = {}
    prefixes: dict[str, list[str]] = {}
    skipped: set[tuple[str, str]] = set()
    _module_operations(builder, project, path, found, mounts, own, handlers, by_ptr,
                       prefixes, skipped, before)
    return {'paths': own, 'handlers': handlers, 'by_ptr': by_ptr, 'prefixes': prefixes,
            'skipped': sorted(x for x in skipped if x[1] in before.get(x[0], ())),
            'schemas': builder.schemas, 'locs': builder.locs, 'unresolved': builder.unresolved}


def _method_owners(tree: ast.Module | None) -> dict[int, str]:
    """id(method node) -> the name of the class it is defined in."""
    out: dict[int, str] = {}
    for node in pyroutes.iter_statements(tree.body) if tree is not None else []:
        if isinstance(node, ast.ClassDef):
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    out[id(sub)] = node.name
    return out


def _is_template(data: bytes) -> bool:
    """A Jinja / cookiecutter template saved as ``.py`` (not a module of the project)."""
    return bool(re.search(rb'^\s*\{%-?\s|\{\{\s*[\w.]+\s*\}\}', data, re.M))


def _collect_mounts(builder: Builder, file: str, tree: ast.Module,
                    mounts: _Mounts) -> None:
    own: dict[str, str] | None = None       # the module's routers and their own prefixes
    for node in pyroutes.iter_statements(tree.body):
        if not isinstance(node, ast.Expr):
            continue
        call = node.value
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr in ('include_router', 'register_blueprint') and call.args):
            continue
        kw = 'prefix' if call.func.attr == 'include_router' else 'url_prefix'
        prefix_node = _kw(call, kw)
        prefix = builder.const_value(file, prefix_node) if prefix_node is not None else ''
        if not isinstance(prefix, str):
            builder.unresolved.append((file, call.lineno,
                                       f'{call.func.attr} prefix is not a constant'))
            prefix = '{' + ast.unparse(prefix_node) + '}' if prefix_node is not None else ''
        parent = (file, _dotted(call.func.value) or '')
        if own is None:
            own = pyroutes.module_routers('', file, tree)
        # router = APIRouter(prefix="/api"); router.include_router(child): /api + child
        prefix = own.get(parent[1], '') + prefix
        target = _dotted(call.args[0])
        if target is None:
            continue
        child = _router_ref(builder, file, tree, target)
        if child is not None:
            mounts.setdefault(child, []).append((parent, prefix))


def _router_ref(builder: Builder, file: str, tree: ast.Module, target: str
                ) -> tuple[str, str] | None:
    head, _, rest = target.rpartition('.')
    if not head:
        # a local variable or an imported name
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                mod = builder.p.resolve_from(file, node.level, node.module)
                for a in node.names:
                    if (a.asname or a.name) == target:
                        f = builder.p.module_file(mod, file)
                        return (f, a.name) if f else None
        return (file, target)
    got = builder.symbol(file, head)
    if got is not None and got[1] is None:
        return (got[0], rest)
    return None


def _prefixes(key: tuple[str, str], mounts: _Mounts, depth: int) -> list[str]:
    got = mounts.get(key)
    if not got or depth > 5:
        return ['']
    out = []
    for parent, prefix in got:
        for pp in _prefixes(parent, mounts, depth + 1):
            out.append(pp + prefix)
    return list(dict.fromkeys(out))


# -- findings -----------------------------------------------------------------------------

_RENAMES = {'api-path-removed': 'api-route-removed', 'api-operation-removed': 'api-route-removed',
            'api-operation-added': 'api-route-added'}


_SUBJECT = re.compile(r'`[^`]*`')
_AFFECTS = re.compile(r' \(affects \d+ operations: .*\)$')


def _same_line(findings: list[Finding]) -> list[Finding]:
    """One root cause, one finding: the same change reported at the same source line
    (a shared alias that many models use) is one finding naming every property and
    operation it reaches."""
    groups: dict[tuple[str, str, str, int, str], list[Finding]] = {}
    out: list[Finding] = []
    for f in findings:
        if not f.path or not f.line or not f.rule.startswith(('request-', 'response-')):
            out.append(f)
            continue
        core = _AFFECTS.sub('', f.message).replace(ECHO_NOTE, '')
        core = core.split(': ', 1)[1] if re.match(r'[A-Z]+ /', core) else core
        key = (f.rule, f.severity, f.path, f.line, _SUBJECT.sub('`*`', core))
        if key not in groups:
            out.append(f)
        groups.setdefault(key, []).append(f)
    for fs in groups.values():
        if len(fs) < 2:
            continue
        first = fs[0]
        subjects = list(dict.fromkeys(m for f in fs for m in _SUBJECT.findall(f.message)))
        ops = list(dict.fromkeys(op for f in fs for op in f.extra.get('affected', [])))
        core = _AFFECTS.sub('', first.message).replace(ECHO_NOTE, '')
        core = core.split(': ', 1)[1] if re.match(r'[A-Z]+ /', core) else core
        change = core.split(': ', 1)[1] if ': ' in core else core
        if any(ECHO_NOTE in f.message for f in fs):
            change += ECHO_NOTE         # the request side of one of them (diff._echoes)
        shown = ', '.join(ops[:5]) + (f' and {len(ops) - 5} more' if len(ops) > 5 else '')
        first.message = (f'{len(subjects)} properties ({", ".join(subjects[:4])}'
                         + (f' and {len(subjects) - 4} more' if len(subjects) > 4 else '')
                         + f') from one definition at this line: {change} (affects '
                         f'{len(ops)} operations: {shown})')
        first.extra['affected'] = ops
        first.extra['properties'] = subjects
    return out


_RESPONSE_KWS = ('response_model', 'status_code', 'responses', 'response_class',
                 'response_model_exclude_unset', 'response_model_exclude_defaults',
                 'response_model_exclude_none', 'response_model_include',
                 'response_model_exclude', 'response_model_by_alias')


def _response_code(route: pyroutes.Route) -> str:
    """What of a route's code shapes its response: the response keywords of the
    decorator, the return annotation and the returned expressions."""
    parts = [ast.dump(k.value) for k in (route.call.keywords if route.call else [])
             if k.arg in _RESPONSE_KWS]
    fn = route.node
    if fn is not None:
        parts.append(ast.dump(fn.returns) if fn.returns else '')
        # every return statement, nested ones too (statements only: a return is never
        # inside an expression, so the expressions are not walked)
        parts += [_shape(n.value) for n in pyroutes.iter_statements(fn.body)
                  if isinstance(n, ast.Return) and n.value is not None]
    return '\n'.join(sorted(set(parts)))


def _response_digest(route: pyroutes.Route) -> str:
    """``_response_code`` as a short digest: the facts kept per route in the analysis cache
    only need to say whether it changed (the text of every route made a side's entry
    several times larger, and slower to read)."""
    return digests.sha1(_response_code(route).encode('utf-8', 'surrogatepass')).hexdigest()


def _shape(node: ast.expr) -> str:
    """The shape of a returned expression, not its values: the called class and its
    keyword names, the keys of a dict, the kind of anything else."""
    if isinstance(node, ast.Call):
        return (f'{_dotted(node.func) or type(node.func).__name__}('
                + ','.join(sorted(k.arg or '**' for k in node.keywords)) + ')')
    if isinstance(node, ast.Dict):
        return '{' + ','.join(sorted(str(_literal(k)) for k in node.keys)) + '}'
    if isinstance(node, (ast.List, ast.ListComp, ast.Tuple)):
        return type(node).__name__
    return type(node).__name__


def _relocate(findings: list[Finding], bspec: CodeSpec, hspec: CodeSpec) -> list[Finding]:
    removed: dict[tuple[str, str], list[tuple[str, Finding]]] = {}
    added: dict[tuple[str, str], Finding] = {}
    out: list[Finding] = []
    for f in findings:
        side = f.extra.get('side', 'head')
        spec = bspec if side == 'base' else hspec
        where = spec.where(f.extra.get('pointer'))
        if where is None and side == 'head':
            where = bspec.where(f.extra.get('pointer'))
        f.rule = _RENAMES.get(f.rule, f.rule)
        if f.rule.startswith(('response-body-', 'request-body-')) and f.extra.get('operation'):
            # the whole body changed: that is the route's doing (its response_model, its
            # body parameter), not the model's
            route_at = spec.where(_op_ptr(f.extra['operation'])) or bspec.where(
                _op_ptr(f.extra['operation']))
            where = route_at or where
        f.path, f.line = (where if where else (None, None))
        if side == 'base' and where:
            f.message = f.message.replace(' of the base version)',
                                          f' of {where[0]} in the base version)')
        f.extra['source'] = 'route code'
        f.extra['code_change'] = True
        f.hint = f.hint.replace('the path', 'the route').replace('the operation', 'the route')
        ptr = f.extra.get('pointer') or ''
        if f.rule == 'api-route-removed':
            handler = bspec.contract.handlers.get(ptr)
            for op in f.extra.get('affected', []):
                h = bspec.contract.handlers.get(_op_ptr(op)) or handler
                if h:
                    removed.setdefault(h, []).append((op, f))
        elif f.rule == 'api-route-added':
            h = hspec.contract.handlers.get(ptr)
            if h:
                added[h] = f
        out.append(f)
    converted: dict[int, set[str]] = {}
    for h, gone in removed.items():
        af = added.get(h)
        if af is None or not h[1]:
            continue
        out = [x for x in out if x is not af]
        new_op = af.extra.get('operation')
        old = [op for op, _ in gone]
        for op, rf in gone:
            converted.setdefault(id(rf), set()).add(op)
        out.append(Finding(
            rule='api-route-changed', category='contract', severity='error', path=af.path,
            line=af.line,
            message=(f'route of {h[1]}() changed from {", ".join(old)} to {new_op}: clients '
                     'calling the old route break'),
            hint='keep the old route (add the new one next to it) or ship the change in a '
                 'versioned release',
            extra={'operation': new_op, 'affected': [*old, new_op],
                   'pointer': af.extra.get('pointer'), 'source': 'route code',
                   'code_change': True}))
    kept = []
    for f in out:
        done = converted.get(id(f))
        if done is None:
            kept.append(f)
            continue
        rest = [op for op in f.extra.get('affected', []) if op not in done]
        if not rest:
            continue            # every operation it named moved (api-route-changed)
        f.extra['affected'] = rest
        f.extra['operation'] = rest[0]
        f.message = f'route(s) removed: {", ".join(rest)}: existing clients break'
        kept.append(f)
    return kept


def _op_ptr(label: str) -> str:
    method, _, path = label.partition(' ')
    return f'/paths/{escape(path)}/{method.lower()}'
