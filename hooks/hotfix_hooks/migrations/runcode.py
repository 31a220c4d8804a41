"""What the running code maps: the tables and columns of one side's ORM models and Core
tables, read with ``ast`` (the code is never imported or run).

The base side is the code that runs while a migration is applied (and after a rollback);
the head side is the code the change ships. A rule asks which model maps a table and how
it maps a column: whether the code can write the column at all (a column its model does
not map is never in its INSERTs), whether it declares it nullable, and whether it gives
it a Python-side default.

What it sees:

* SQLAlchemy declarative classes (``__tablename__``, ``Column`` / ``mapped_column`` /
  ``Mapped[...]`` annotations, columns inherited from mixins and abstract bases defined
  anywhere in the repository);
* SQLModel classes (``class X(SQLModel, table=True)``, ``Field(...)``, ``Optional``);
* Django models (``models.Model`` subclasses in ``models.py`` / ``models/``: the table
  ``<app>_<model>`` or ``Meta.db_table``, fields with ``null``/``default``/``db_default``,
  foreign keys as ``<name>_id``, the implicit ``id``);
* SQLAlchemy Core ``Table('name', metadata, Column(...))``.

What it cannot see: tables mapped by name computed at run time (``declared_attr``,
``__tablename__`` from a function), raw SQL strings the code sends, other services
writing to the same database, and files beyond ``MAX_FILES`` (then ``truncated`` is
set and the rules say so).
"""
from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterable

from hotfix_hooks.changeset import decode_text
from hotfix_hooks.changeset import glob_to_regex
from hotfix_hooks.changeset import Snapshot
from hotfix_hooks.fastclass import dataclass
from hotfix_hooks.pyast import call_name as _callee

MAX_FILES = 3000
# where models live by convention (``[tool.hotfix-hooks.migrations] model_paths`` says
# otherwise): Django's models.py / models/, SQLAlchemy and SQLModel models, tables, db
# packages
DEFAULT_PATHS = ('**/models.py', '**/models/**', '**/model.py', '**/*_model.py',
                 '**/*_models.py', '**/tables.py', '**/db/**', '**/database/**',
                 '**/schema.py', '**/entities/**', '**/orm/**', 'models.py', 'tables.py')
_SKIP = ('tests/**', 'test/**', '**/tests/**', '**/test/**', '**/test_*.py', '**/*_test.py',
         '**/conftest.py', '**/migrations/**', '**/versions/**', '**/alembic/**',
         '**/node_modules/**', '**/.venv/**', '**/venv/**', '**/site-packages/**')
_MARKERS = (b'__tablename__', b'Table(', b'table=True', b'Column(', b'mapped_column(',
            b'Mapped[', b'models.', b'Model)')


@dataclass
class Column:
    name: str
    nullable: bool | None = None        # None: not said
    default: bool = False               # the code gives it a value when it does not set it
    where: str = ''                     # path:line of the declaration
    type: str = ''                      # the type as written (sa.String(50), CharField(50))


@dataclass
class Table:
    name: str
    columns: dict[str, Column]
    where: str                          # path:line of the model / Table()
    complete: bool = True               # every base class was found


class Models:
    """The models of one snapshot, built on first use."""

    def __init__(self, snap: Snapshot, paths: Iterable[str] = ()) -> None:
        self.snap = snap
        self.globs = list(paths)
        self._tables: dict[str, Table] | None = None
        self.searched = 0
        self.truncated = False

    def table(self, name: str | None) -> Table | None:
        if not name:
            return None
        if self._tables is None:
            self._tables = self._build()
        return self._tables.get(name.lower())

    def seen(self) -> str:
        """What was searched, for messages."""
        extra = f', stopped after {MAX_FILES} files' if self.truncated else ''
        return f'{self.searched} model files of the code searched{extra}'

    # -- building -------------------------------------------------------------------
    def _build(self) -> dict[str, Table]:
        classes: dict[str, _Class] = {}
        core: list[Table] = []
        made_from: dict[str, str] = {}     # Base = declarative_base(cls=CustomBase)
        for path in self._paths():
            data = self.snap.read(path)
            if data is None or not any(mk in data for mk in _MARKERS):
                continue
            text = decode_text(data)
            if text is None:
                continue
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError, RecursionError):
                continue
            app = _django_app(path)
            for node in tree.body:          # models and tables are module-level
                if isinstance(node, ast.ClassDef):
                    cls = _read_class(node, path, app)
                    classes.setdefault(cls.name, cls)
                elif isinstance(node, (ast.Assign, ast.AnnAssign)) and \
                        isinstance(node.value, ast.Call) and _callee(node.value.func) == 'Table':
                    t = _core_table(node.value, path)
                    if t is not None:
                        core.append(t)
                elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and \
                        _callee(node.value.func) in ('declarative_base', 'generate_base'):
                    made = _kw(node.value, 'cls')
                    for target in node.targets:
                        if isinstance(target, ast.Name) and isinstance(made, ast.Name):
                            made_from.setdefault(target.id, made.id)
        tables: dict[str, Table] = {t.name: t for t in core}
        for cls in classes.values():
            family = _ancestry(cls, classes, made_from)
            table = cls.table
            if table is None and not cls.computes_name and cls.columns and any(
                    b is not None and b.computes_name for b in family):
                # the usual declared_attr: the class name in snake_case
                table = re.sub(r'(?<!^)(?=[A-Z])', '_', cls.name).lower()
            if table is None or cls.abstract:
                continue
            columns: dict[str, Column] = {}
            complete = True
            for base in family:
                if base is None:
                    complete = False
                    continue
                for col in base.columns:
                    columns.setdefault(col.name, col)
            if cls.django and 'id' not in columns:
                columns['id'] = Column('id', False, True, f'{cls.path}:{cls.line}')
            tables.setdefault(table, Table(table, columns, f'{cls.path}:{cls.line}', complete))
        return tables

    def _paths(self) -> list[str]:
        want = _any_of(self.globs or DEFAULT_PATHS)
        skip = _any_of(_SKIP)
        out = [p for p in self.snap.paths()
               if p.endswith('.py') and want.match(p) and not skip.match(p)]
        if len(out) > MAX_FILES:
            self.truncated = True
            # models live in files called models / tables / schema first
            out.sort(key=lambda p: (not any(w in p for w in ('model', 'table', 'schema',
                                                             'db', 'entity')), p))
            out = out[:MAX_FILES]
        self.searched = len(out)
        return out


def _any_of(globs: Iterable[str]) -> re.Pattern[str]:
    return re.compile('|'.join(f'(?:{glob_to_regex(g).pattern})' for g in globs))


@dataclass
class _Class:
    name: str
    path: str
    line: int
    bases: list[str]
    table: str | None
    columns: list[Column]
    abstract: bool = False
    django: bool = False
    computes_name: bool = False         # defines ``__tablename__`` as a declared_attr


def _ancestry(cls: _Class, classes: dict[str, _Class],
              made_from: dict[str, str] | None = None) -> list[_Class | None]:
    """The class and its bases (mixins included), depth first; None for a base that is
    not a model or mixin found in the code (a library class). A declarative base made
    with ``declarative_base(cls=X)`` (``made_from``) stands for ``X``."""
    out: list[_Class | None] = []
    todo, seen = [cls.name], set()
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        seen.add(name)
        if name not in classes and made_from and name in made_from:
            todo.insert(0, made_from[name])
            continue
        found = classes.get(name)
        if found is None:
            if name not in _LIBRARY_BASES:
                out.append(None)
            continue
        out.append(found)
        todo.extend(found.bases)
    return out


_LIBRARY_BASES = frozenset({'Base', 'DeclarativeBase', 'Model', 'SQLModel', 'object',
                            'MappedAsDataclass', 'AsyncAttrs', 'TypedDict', 'Generic',
                            'BaseModel', 'Enum', 'StrEnum', 'IntEnum'})


def _kw(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _const(node: ast.AST | None) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def _django_app(path: str) -> str | None:
    parts = path.split('/')
    if parts[-1] == 'models.py' and len(parts) >= 2:
        return parts[-2]
    if 'models' in parts[:-1]:
        i = len(parts) - 2 - parts[:-1][::-1].index('models')
        return parts[i - 1] if i >= 1 else None
    return None


def _read_class(node: ast.ClassDef, path: str, app: str | None) -> _Class:
    bases = [_callee(b) if not isinstance(b, ast.Subscript) else _callee(b.value)
             for b in node.bases]
    django = any(isinstance(b, ast.Attribute) and b.attr == 'Model' and
                 _callee(b.value) == 'models' for b in node.bases) or (
        app is not None and any(
            isinstance(st, ast.Assign) and isinstance(st.value, ast.Call) and
            isinstance(st.value.func, ast.Attribute) and st.value.func.attr.endswith('Field')
            and _callee(st.value.func.value) == 'models' for st in node.body))
    sqlmodel_table = any(k.arg == 'table' and _const(k.value) is True for k in node.keywords)
    table: str | None = None
    abstract = False
    columns: list[Column] = []
    computed = False
    for stmt in node.body:
        targets: list[ast.expr] = []
        value: ast.AST | None = None
        annotation: ast.AST | None = None
        if isinstance(stmt, ast.FunctionDef) and stmt.name == '__tablename__':
            computed = True           # @declared_attr: named from the class at run time
            continue
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            targets, value, annotation = [stmt.target], stmt.value, stmt.annotation
        elif isinstance(stmt, ast.ClassDef) and stmt.name == 'Meta':
            for sub in stmt.body:
                if isinstance(sub, ast.Assign) and any(isinstance(t, ast.Name) and
                                                       t.id == 'db_table' for t in sub.targets):
                    named = _const(sub.value)
                    table = named if isinstance(named, str) else table
                if isinstance(sub, ast.Assign) and any(isinstance(t, ast.Name) and
                                                       t.id == 'abstract' for t in sub.targets):
                    abstract = _const(sub.value) is True
            continue
        for t in targets:
            if not isinstance(t, ast.Name):
                continue
            if t.id == '__tablename__':
                named = _const(value)
                table = named if isinstance(named, str) else None
            elif t.id == '__abstract__':
                abstract = _const(value) is True
            elif not t.id.startswith('__'):
                col = _column(t.id, value, annotation, django, f'{path}:{stmt.lineno}')
                if col is not None:
                    columns.append(col)
    if table is None and sqlmodel_table:
        table = node.name.lower()
    if table is None and django and app and not abstract:
        table = f'{app}_{node.name.lower()}'
    return _Class(node.name, path, node.lineno, [b for b in bases if b], table, columns,
                  abstract, django, computed)


def _optional(annotation: ast.AST | None) -> bool | None:
    """``Optional[X]`` / ``X | None`` / ``Mapped[X | None]``: True; ``Mapped[X]``: False."""
    if annotation is None:
        return None
    text = ast.unparse(annotation).replace(' ', '')
    if 'ClassVar' in text or 'relationship' in text:
        return None
    return 'Optional[' in text or '|None' in text or 'None|' in text or 'Union[' in text \
        and 'None' in text


def _column(name: str, value: ast.AST | None, annotation: ast.AST | None, django: bool,
            where: str) -> Column | None:
    if django:
        if not isinstance(value, ast.Call):
            return None
        kind = _callee(value.func)
        if not (kind.endswith('Field') or kind == 'ForeignKey') or \
                kind in ('ManyToManyField', 'GeneratedField'):
            return None
        col = name + '_id' if kind in ('ForeignKey', 'OneToOneField') else name
        db_col = _const(_kw(value, 'db_column'))
        default = any(_kw(value, k) is not None for k in ('default', 'db_default')) or \
            kind.endswith('AutoField') or _const(_kw(value, 'auto_now')) is True or \
            _const(_kw(value, 'auto_now_add')) is True
        length = _const(_kw(value, 'max_length'))
        return Column(db_col if isinstance(db_col, str) else col,
                      _const(_kw(value, 'null')) is True, default, where,
                      kind + (f'({length})' if isinstance(length, int) else ''))
    call = value if isinstance(value, ast.Call) else None
    kind = _callee(call.func) if call is not None else ''
    if call is not None and kind in ('relationship', 'association_proxy', 'column_property',
                                     'synonym', 'hybrid_property', 'deferred', 'composite'):
        return None
    if kind == 'Field':                                          # SQLModel
        sa_column = _kw(call, 'sa_column') if call is not None else None
        if isinstance(sa_column, ast.Call):
            return _column(name, sa_column, annotation, False, where)
        nullable = _const(_kw(call, 'nullable')) if call is not None else None
        opt = _optional(annotation)
        default = call is not None and (_kw(call, 'default_factory') is not None or (
            _kw(call, 'default') is not None and not (isinstance(_kw(call, 'default'),
                                                                  ast.Constant)
                                                       and _const(_kw(call, 'default')) is ...)))
        return Column(name, nullable if isinstance(nullable, bool) else opt, default, where)
    if kind not in ('Column', 'mapped_column') and not (
            call is None and annotation is not None and 'Mapped[' in ast.unparse(annotation)):
        if call is None and annotation is not None and value is not None:
            return Column(name, _optional(annotation), True, where)    # SQLModel: x: int = 0
        if call is None and annotation is not None and 'Mapped' not in ast.unparse(annotation):
            return Column(name, _optional(annotation), False, where)   # SQLModel: x: int
        return None
    col_name = name
    if call is not None and call.args and isinstance(_const(call.args[0]), str):
        col_name = str(_const(call.args[0]))
    nullable = _const(_kw(call, 'nullable')) if call is not None else None
    primary = call is not None and _const(_kw(call, 'primary_key')) is True
    if not isinstance(nullable, bool):
        opt = _optional(annotation)
        nullable = opt if opt is not None else (None if kind == 'mapped_column' else not primary)
        if primary:
            nullable = False
    default = call is not None and (any(_kw(call, k) is not None for k in (
        'default', 'server_default', 'insert_default', 'default_factory')) or primary
        or any(_callee(a.func) in ('Identity', 'Computed') for a in call.args
               if isinstance(a, ast.Call)))
    type_text = ''
    if call is not None:
        typ = next((a for a in call.args if not isinstance(a, ast.Constant) and
                    _callee(a.func if isinstance(a, ast.Call) else a) not in (
                        'ForeignKey', 'Identity', 'Computed', 'Sequence')), None)
        type_text = ast.unparse(typ) if typ is not None else ''
    return Column(col_name, nullable, default, where, type_text)


def _core_table(call: ast.Call, path: str) -> Table | None:
    if not call.args or not isinstance(_const(call.args[0]), str):
        return None
    cols: dict[str, Column] = {}
    for arg in call.args[1:]:
        if isinstance(arg, ast.Call) and _callee(arg.func) == 'Column' and arg.args and \
                isinstance(_const(arg.args[0]), str):
            col = _column(str(_const(arg.args[0])), arg, None, False,
                          f'{path}:{arg.lineno}')
            if col is not None:
                cols[col.name] = col
    name = str(_const(call.args[0])).lower()
    return Table(name, cols, f'{path}:{call.lineno}')


class RunningCode:
    """The models of both sides: ``base`` runs while the migration is applied (and after
    a rollback), ``head`` is the code the change ships."""

    def __init__(self, base: Snapshot, head: Snapshot, paths: Iterable[str] = ()) -> None:
        paths = list(paths)
        self.base = Models(base, paths)
        self.head = Models(head, paths)


def short(where: str) -> str:
    """``server/polar/models/user.py:42`` -> ``user.py:42``."""
    path, _, line = where.rpartition(':')
    return f'{posixpath.basename(path)}:{line}'
