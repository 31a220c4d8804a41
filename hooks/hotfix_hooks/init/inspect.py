"""What a repository holds, read from its files (never run): where its Python services live,
how their tests run, which test folders, ``pytest`` markers and scripts could be the
protocol's gates and domains, its API specs, its migrations, and the ticket ids of its
branch names and commit subjects.

Everything here is a pure function of a ``Snapshot`` (and of the branch names and commit
subjects the command gathered), so it is tested on in-memory trees as well as on real
repositories.
"""
from __future__ import annotations

import collections
import configparser
import dataclasses
import posixpath
import re
from collections.abc import Iterable
from collections.abc import Sequence

from hotfix_hooks import tomlio
from hotfix_hooks.changeset import ExcludingSnapshot
from hotfix_hooks.changeset import PrefixSnapshot
from hotfix_hooks.changeset import Snapshot
from hotfix_hooks.checks.naming import ticket_shape
from hotfix_hooks.migrations import discover
from hotfix_hooks.policy.schema import SCHEMA

DEFAULT_TICKET_PATTERN: str = SCHEMA['ticket_pattern'].default
# files that make a folder a Python project of its own
PROJECT_MARKERS = ('pyproject.toml', 'setup.py', 'setup.cfg', 'manage.py', 'alembic.ini')
# folders that are never a service
NOT_SERVICES = frozenset({'docs', 'doc', 'scripts', 'tests', 'test', 'examples', 'example',
                          'node_modules', 'vendor', 'third_party', 'hooks', 'bench',
                          'benchmarks', 'tools', 'fixtures'})
# pytest markers that name a kind of test, not a subject of the code
GENERIC_MARKERS = frozenset({'slow', 'fast', 'benchmark', 'integration', 'unit', 'e2e',
                             'asyncio', 'anyio', 'flaky', 'skip', 'skipif', 'xfail',
                             'parametrize', 'usefixtures', 'filterwarnings', 'django_db',
                             'network', 'vcr', 'timeout', 'serial', 'order', 'smoke'})
_TEST_FILE = re.compile(r'(^test_.*|.*_test|^tests)\.py$')
_SMOKE = re.compile(r'smoke', re.I)
_INTEGRITY = re.compile(r'integrity|consistency|data_?check|check_?data|reconcil', re.I)
_SCRIPT_SUFFIXES = ('.py', '.sh')
_NAME_RE = re.compile(r'[^A-Za-z0-9_.-]+')
# ids that look like tickets but are standards and encodings
_NOT_TICKETS = frozenset({'UTF', 'ISO', 'SHA', 'RFC', 'PEP', 'HTTP', 'TLS', 'SSL', 'COVID',
                          'IPV', 'GPT', 'MD', 'AES', 'RSA', 'ECMA', 'WCAG', 'SQL', 'PY',
                          'CVE', 'CWE', 'X', 'V', 'ES', 'OAUTH', 'ARM', 'UTC', 'GMT', 'K'})
_DIALECTS = (  # dependency name (or URL scheme) -> migrations.dialect
    (re.compile(r'\b(psycopg2?|asyncpg|pg8000|postgres(?:ql)?)\b', re.I), 'postgresql'),
    (re.compile(r'\b(mysqlclient|pymysql|aiomysql|mysql-connector|mysql|mariadb)\b', re.I),
     'mysql'),
    (re.compile(r'\b(pyodbc|pymssql|mssql)\b', re.I), 'tsql'),
    (re.compile(r'\b(cx[_-]oracle|oracledb)\b', re.I), 'oracle'),
)


@dataclasses.dataclass
class Proposal:
    """A gate or a domain ``init`` proposes, and what it was found from."""

    name: str
    command: list[str]
    why: str
    paths: list[str] = dataclasses.field(default_factory=list)     # domains only


@dataclasses.dataclass
class MigrationFolder:
    folder: str
    framework: str                  # alembic | django | sql
    count: int


@dataclasses.dataclass
class Service:
    """One governed folder: a Python service of a monorepo, or the repository root."""

    folder: str                     # '' : the repository root
    marker: str = ''                # the file that makes it a project (repository path)
    runner: str = ''                # pytest | django | '' (no tests found)
    code_roots: list[str] = dataclasses.field(default_factory=list)
    specs: list[str] = dataclasses.field(default_factory=list)
    migrations: list[MigrationFolder] = dataclasses.field(default_factory=list)
    dialect: tuple[str, str] | None = None          # (dialect, from where)
    smoke: Proposal | None = None
    integrity: Proposal | None = None
    domains: list[Proposal] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    tests: int = 0                  # test files found

    def repo_path(self, path: str) -> str:
        return f'{self.folder}/{path}' if self.folder else path


@dataclasses.dataclass
class Inspection:
    base: str
    base_why: str
    ticket_pattern: str             # the default when nothing better was seen
    ticket_why: str
    services: list[Service]         # the root first, then the service folders
    files: int


# -- the whole repository -------------------------------------------------------------
def inspect(tree: Snapshot, branches: Iterable[str] = (), subjects: Iterable[str] = (),
            base: tuple[str, str] = ('main', 'the default')) -> Inspection:
    paths = tree.paths()
    folders = find_services(paths)
    services = []
    root = ExcludingSnapshot(tree, folders) if folders else tree
    services.append(inspect_service(root, ''))
    for folder in folders:
        services.append(inspect_service(PrefixSnapshot(tree, folder), folder))
    pattern, why = infer_ticket_pattern(branches, subjects)
    return Inspection(base=base[0], base_why=base[1], ticket_pattern=pattern, ticket_why=why,
                      services=services, files=len(paths))


def find_services(paths: Sequence[str]) -> list[str]:
    """Folders (at most two levels deep) that are Python projects of their own: a project
    file (pyproject.toml, setup.py, manage.py, alembic.ini ...) and Python code below it
    (a package of the root's project, a Django app, is none). The shallowest wins; the
    root is never one."""
    by_folder: dict[str, set[str]] = collections.defaultdict(set)
    for p in paths:
        parts = p.split('/')
        for depth in (1, 2):
            if len(parts) > depth:
                by_folder['/'.join(parts[:depth])].add('/'.join(parts[depth:]))
    found: list[str] = []
    for folder in sorted(by_folder):
        if any(part in NOT_SERVICES or part.startswith('.') for part in folder.split('/')):
            continue
        if any(folder.startswith(f + '/') for f in found):
            continue
        inside = by_folder[folder]
        if any(p.endswith('.py') for p in inside) and any(m in inside for m in PROJECT_MARKERS):
            found.append(folder)
    return found


# -- one service ------------------------------------------------------------------------
def inspect_service(tree: Snapshot, folder: str) -> Service:
    paths = tree.paths()
    svc = Service(folder=folder)
    svc.marker = next((svc.repo_path(m) for m in PROJECT_MARKERS if m in paths), '')
    svc.code_roots = sorted({p.split('/')[0] for p in paths
                             if p.count('/') == 1 and p.endswith('/__init__.py')
                             and p.split('/')[0] not in ('tests', 'test')}
                            | ({p.split('/')[1] for p in paths if p.startswith('src/')
                                and p.count('/') == 2 and p.endswith('/__init__.py')}))
    svc.specs = _specs(tree, paths)
    svc.migrations = _migrations(tree, paths)
    svc.dialect = _dialect(tree, paths)
    tests = [p for p in paths if _TEST_FILE.match(posixpath.basename(p))
             and not p.split('/')[-1] == '__init__.py']
    svc.tests = len(tests)
    django = 'manage.py' in paths
    pytest_used = _uses_pytest(tree, paths)
    svc.runner = 'pytest' if pytest_used and tests else ('django' if django and tests else (
        'pytest' if tests else ''))
    markers = _markers(tree, paths)
    _gates(svc, tree, paths, tests, markers)
    _domains(svc, paths, tests, markers)
    return svc


def _specs(tree: Snapshot, paths: Sequence[str]) -> list[str]:
    """Committed OpenAPI/Swagger documents: spec-named JSON/YAML files whose top level has
    an ``openapi`` or ``swagger`` key."""
    out = []
    for p in paths:
        name = posixpath.basename(p).lower()
        if not name.endswith(('.json', '.yaml', '.yml')) or 'node_modules/' in p:
            continue
        if not any(w in name for w in ('openapi', 'swagger', 'api')):
            continue
        head = (tree.read(p) or b'')[:4096].decode('utf-8', 'replace')
        if re.search(r'(^|[{,\s])["\']?(openapi|swagger)["\']?\s*:', head, re.M):
            out.append(p)
    return out


def _migrations(tree: Snapshot, paths: Sequence[str]) -> list[MigrationFolder]:
    """Migration folders, their framework and how many revisions each holds, as the
    migration guard finds them without configuration."""
    opts = discover.Options({})
    found = discover.load(tree, discover.candidate_paths(tree, [], opts), opts, analyse=False)
    counts: dict[tuple[str, str], int] = collections.Counter(
        (posixpath.dirname(mig.path), mig.framework) for mig in found)
    return [MigrationFolder(folder, framework, n)
            for (folder, framework), n in sorted(counts.items())]


_MAIN_DEPENDENCIES = ('pyproject.toml', 'requirements.txt', 'setup.cfg', 'setup.py', 'Pipfile',
                      'alembic.ini', 'requirements.in')


def _dependency_texts(tree: Snapshot, paths: Sequence[str]) -> list[tuple[str, str]]:
    """The dependency files of a project, the main ones first."""
    names = [p for p in _MAIN_DEPENDENCIES if p in paths]
    names += [p for p in paths if (p.count('/') == 0 and p.startswith('requirements')
                                   or p.startswith('requirements/'))
              and p.endswith(('.txt', '.in')) and p not in names]
    return [(p, tree.text(p) or '') for p in names]


def _dialect(tree: Snapshot, paths: Sequence[str]) -> tuple[str, str] | None:
    """The production database, from the main dependency files (a development or test
    requirements file names the databases the tests run on, not production's)."""
    for path, text in _dependency_texts(tree, paths):
        if re.search(r'dev|test|ci|lint|doc', posixpath.basename(path)):
            continue
        for rx, dialect in _DIALECTS:
            m = rx.search(text)
            if m:
                return dialect, f'{m.group(1)} in {path}'
    return None


def _uses_pytest(tree: Snapshot, paths: Sequence[str]) -> bool:
    if any(posixpath.basename(p) == 'conftest.py' for p in paths) or 'pytest.ini' in paths:
        return True
    return any('pytest' in text for _, text in _dependency_texts(tree, paths))


def _markers(tree: Snapshot, paths: Sequence[str]) -> list[str]:
    """The markers a pytest configuration declares (pyproject.toml, pytest.ini, setup.cfg,
    tox.ini), names only."""
    raw: list[str] = []
    if 'pyproject.toml' in paths:
        try:
            doc = tomlio.loads(tree.text('pyproject.toml') or '')
        except tomlio.TomlError:
            doc = {}
        ini = doc.get('tool', {}).get('pytest', {}).get('ini_options', {})
        value = ini.get('markers', []) if isinstance(ini, dict) else []
        raw += [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
    for name, section in (('pytest.ini', 'pytest'), ('setup.cfg', 'tool:pytest'),
                          ('tox.ini', 'pytest')):
        if name not in paths:
            continue
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(tree.text(name) or '')
        except configparser.Error:
            continue
        if parser.has_option(section, 'markers'):
            raw += parser.get(section, 'markers').splitlines()
    out = []
    for item in raw:
        name = item.split(':', 1)[0].split('(', 1)[0].strip()
        if name and name not in out:
            out.append(name)
    return out


def _scripts(paths: Sequence[str], rx: re.Pattern[str]) -> list[str]:
    return [p for p in paths if p.endswith(_SCRIPT_SUFFIXES) and rx.search(posixpath.basename(p))
            and not _TEST_FILE.match(posixpath.basename(p)) and 'migrations/' not in p]


def _script_command(path: str) -> list[str]:
    return ['python', path] if path.endswith('.py') else ['bash', path]


def _gates(svc: Service, tree: Snapshot, paths: Sequence[str], tests: Sequence[str],
           markers: Sequence[str]) -> None:
    smoke_tests = sorted({posixpath.dirname(p) if _SMOKE.search(posixpath.dirname(p)) else p
                          for p in tests if _SMOKE.search(p)})
    if smoke_tests and svc.runner == 'pytest':
        svc.smoke = Proposal('smoke', ['pytest', '-q', *smoke_tests],
                             f'smoke tests found: {", ".join(smoke_tests)}')
    elif 'smoke' in markers and svc.runner == 'pytest':
        svc.smoke = Proposal('smoke', ['pytest', '-q', '-m', 'smoke'],
                             'the pytest marker "smoke"')
    elif (scripts := _scripts(paths, _SMOKE)):
        svc.smoke = Proposal('smoke', _script_command(scripts[0]),
                             f'smoke script found: {scripts[0]}')
    elif svc.runner == 'django':
        svc.smoke = Proposal('smoke', ['python', 'manage.py', 'test'],
                             f'no smoke suite found: the whole test suite stands in '
                             f'({_n(len(tests), "test file")}, run by manage.py)')
    elif svc.runner == 'pytest':
        roots = sorted({p.split('/')[0] for p in tests if p.split('/')[0] in ('tests', 'test')})
        svc.smoke = Proposal('smoke', ['pytest', '-q', *roots],
                             f'no smoke suite found: the whole test suite stands in '
                             f'({_n(len(tests), "test file")})')
    else:
        svc.notes.append('no tests found: no smoke suite to propose')
    integrity = _scripts(paths, _INTEGRITY)
    if integrity:
        svc.integrity = Proposal('integrity', _script_command(integrity[0]),
                                 f'integrity script found: {integrity[0]}')


def _n(count: int, what: str) -> str:
    return f'{count} {what}' + ('' if count == 1 else 's')


def _domain_name(subject: str) -> str:
    return _NAME_RE.sub('-', subject).strip('-._') or 'domain'


def _domains(svc: Service, paths: Sequence[str], tests: Sequence[str],
             markers: Sequence[str]) -> None:
    """A domain per test subject whose code exists: a folder of tests/ (tests/billing ->
    the code folders or modules named billing), a Django app with its tests, a pytest
    marker named after a code folder."""
    code = [p for p in paths if p.endswith('.py') and not _TEST_FILE.match(posixpath.basename(p))
            and p.split('/')[0] not in ('tests', 'test') and '/tests/' not in f'/{p}']
    folders = {posixpath.dirname(p) for p in code}
    folders |= {f.rsplit('/', i)[0] for f in list(folders) for i in range(1, f.count('/') + 1)}

    def code_for(subject: str) -> list[str]:
        hits = sorted(f for f in folders if posixpath.basename(f) == subject
                      and 'migrations' not in f.split('/'))
        hits = [f for f in hits if not any(f.startswith(h + '/') for h in hits if h != f)]
        mods = sorted(p for p in code if posixpath.basename(p) == f'{subject}.py')
        return [f'{f}/**' for f in hits] + mods

    seen: set[str] = set()
    if svc.runner == 'django':
        apps = sorted({p.split('/tests/')[0] for p in tests if '/tests/' in p}
                      | {posixpath.dirname(p) for p in tests if p.endswith('/tests.py')})
        for app in apps:
            name = _domain_name(posixpath.basename(app))
            if name in seen or not app:
                continue
            seen.add(name)
            count = sum(1 for t in tests if t.startswith(app + '/'))
            svc.domains.append(Proposal(name, ['python', 'manage.py', 'test',
                                               app.replace('/', '.')],
                                        f'the Django app {svc.repo_path(app)} and its tests '
                                        f'({_n(count, "test file")})', [f'{app}/**']))
        return
    if svc.runner != 'pytest':
        return
    subjects: dict[str, list[str]] = collections.defaultdict(list)
    for t in tests:
        parts = t.split('/')
        if parts[0] in ('tests', 'test') and len(parts) > 2:
            subjects[parts[1]].append(t)
    unmatched = []
    for subject, files in sorted(subjects.items()):
        globs = code_for(subject)
        name = _domain_name(subject)
        if not globs or name in seen:
            unmatched.append(subject)
            continue
        seen.add(name)
        where = posixpath.dirname(files[0]).split('/')[0] + '/' + subject
        svc.domains.append(Proposal(name, ['pytest', '-q', where],
                                    f'{svc.repo_path(where)} ({_n(len(files), "test file")}) and '
                                    f'the code of the same name', globs))
    for marker in markers:
        if marker in GENERIC_MARKERS or _domain_name(marker) in seen:
            continue
        globs = code_for(marker)
        if globs:
            seen.add(_domain_name(marker))
            svc.domains.append(Proposal(_domain_name(marker), ['pytest', '-q', '-m', marker],
                                        f'the pytest marker "{marker}" and the code of the '
                                        'same name', globs))
    if unmatched:
        svc.notes.append('test folders without code of the same name (no domain proposed): '
                         + ', '.join(unmatched))


# -- the ticket ids of branch names and commit subjects ----------------------------------
_BRANCH_ID = re.compile(r'^([A-Za-z][A-Za-z0-9]*[-_][0-9]+|[0-9]+)(?=[-_/]|$)')
_SUBJECT_JIRA = re.compile(r'(?<![\w/.-])([A-Z][A-Z0-9]{1,9}-[0-9]+)(?![\w.-])')
_SUBJECT_NUMBER = re.compile(r'(?<![\w&])#([0-9]{1,7})\b')
_SUBJECT_START = re.compile(r'^\[?([A-Za-z][A-Za-z0-9]{1,9}[-_][0-9]+)\b')


def ticket_ids(branches: Iterable[str], subjects: Iterable[str]) -> list[tuple[str, str]]:
    """Ticket-like ids, as (id, as written): at the start of a branch name's segment
    (``hotfix/ABC-12-x``, ``1234-fix``), and in commit subjects (``ABC-12`` anywhere,
    ``fsft-12`` at the start, ``#1234``)."""
    out: list[tuple[str, str]] = []
    for b in branches:
        for seg in b.split('/'):
            m = _BRANCH_ID.match(seg)
            if m:
                out.append((m.group(1), m.group(1)))
    for s in subjects:
        start = _SUBJECT_START.match(s)
        if start and not _SUBJECT_JIRA.match(start.group(1)):
            out.append((start.group(1), start.group(1)))      # fsft-102: at the start only
        out += [(i, i) for i in _SUBJECT_JIRA.findall(s)]
        out += [(i, f'#{i}') for i in _SUBJECT_NUMBER.findall(s)]
    return [(i, shown) for i, shown in out
            if i.isdigit() or re.split(r'[-_]', i)[0].upper() not in _NOT_TICKETS]


def infer_ticket_pattern(branches: Iterable[str], subjects: Iterable[str],
                         minimum: int = 3) -> tuple[str, str]:
    """(pattern, why): the most common shape of the ticket ids seen, when it was seen at
    least ``minimum`` times; else the default pattern."""
    ids = ticket_ids(branches, subjects)
    shapes: dict[str, list[str]] = collections.defaultdict(list)
    for i, shown in ids:
        shape = ticket_shape(i)
        if shape:
            shapes[shape].append(shown)
    if not shapes:
        return DEFAULT_TICKET_PATTERN, 'no ticket ids in branch names or commit subjects: ' \
                                       'the default'
    shape, seen = max(shapes.items(), key=lambda kv: (len(kv[1]), kv[0] != '[0-9]+'))
    if len(seen) < minimum:
        return DEFAULT_TICKET_PATTERN, (f'too few ticket ids seen ({", ".join(seen)}): the '
                                        'default')
    examples = ', '.join(dict.fromkeys(seen[:4]))
    return shape, f'{len(seen)} ids in branch names and commit subjects, e.g. {examples}'
