"""What ``init`` reads from a repository: pure functions of a tree of files (in memory
here), the ticket ids of branch names and commit subjects."""
from __future__ import annotations

import pytest

from hotfix_hooks.changeset import MemorySnapshot
from hotfix_hooks.init.inspect import DEFAULT_TICKET_PATTERN
from hotfix_hooks.init.inspect import find_services
from hotfix_hooks.init.inspect import infer_ticket_pattern
from hotfix_hooks.init.inspect import inspect
from hotfix_hooks.init.inspect import ticket_ids
from tests.support.init_fixtures import DJANGO
from tests.support.init_fixtures import FASTAPI_TEMPLATE
from tests.support.init_fixtures import MONOREPO


def test_services_are_folders_that_are_python_projects_of_their_own() -> None:
    assert find_services(list(FASTAPI_TEMPLATE.files)) == ['backend']
    assert find_services(list(MONOREPO.files)) == ['server']      # clients/ holds no Python
    assert find_services(list(DJANGO.files)) == []                # apps of the root project
    # two levels deep, the shallowest wins; docs, scripts and hidden folders never
    paths = ['services/api/pyproject.toml', 'services/api/app/x.py',
             'services/api/sub/setup.py', 'services/api/sub/y.py',
             'scripts/tool/pyproject.toml', 'scripts/tool/t.py',
             '.github/x/setup.py', '.github/x/a.py', 'docs/pyproject.toml', 'docs/conf.py']
    assert find_services(paths) == ['services/api']


def test_the_fastapi_template_shape() -> None:
    ins = inspect(MemorySnapshot(FASTAPI_TEMPLATE.files))
    root, backend = ins.services
    assert (root.folder, root.tests, root.smoke) == ('', 0, None)
    assert backend.folder == 'backend' and backend.marker == 'backend/pyproject.toml'
    assert backend.runner == 'pytest' and backend.code_roots == ['app']
    assert [(m.folder, m.framework, m.count) for m in backend.migrations] == [
        ('app/alembic/versions', 'alembic', 1)]
    assert backend.dialect == ('postgresql', 'psycopg in pyproject.toml')
    assert backend.smoke is not None and backend.smoke.command == ['pytest', '-q', 'tests']
    assert 'no smoke suite found' in backend.smoke.why
    assert backend.integrity is None
    assert {d.name: (d.paths, d.command) for d in backend.domains} == {
        'api': (['app/api/**'], ['pytest', '-q', 'tests/api']),
        'crud': (['app/crud.py'], ['pytest', '-q', 'tests/crud'])}


def test_the_monorepo_shape_with_a_marker_domain() -> None:
    ins = inspect(MemorySnapshot(MONOREPO.files))
    server = ins.services[1]
    assert server.dialect == ('postgresql', 'asyncpg in pyproject.toml')
    names = {d.name: d.command for d in server.domains}
    assert names == {'auth': ['pytest', '-q', 'tests/auth'],
                     'order': ['pytest', '-q', 'tests/order']}


def test_the_django_shape() -> None:
    ins = inspect(MemorySnapshot(DJANGO.files))
    [root] = ins.services
    assert root.runner == 'django'
    assert root.smoke is not None and root.smoke.command == ['python', 'manage.py', 'test']
    assert {d.name: (d.paths, d.command) for d in root.domains} == {
        'accounts': (['hc/accounts/**'], ['python', 'manage.py', 'test', 'hc.accounts']),
        'api': (['hc/api/**'], ['python', 'manage.py', 'test', 'hc.api'])}
    # the production database, not the one of the development requirements
    assert root.dialect == ('postgresql', 'psycopg in requirements.txt')
    assert [(m.folder, m.framework) for m in root.migrations] == [('hc/api/migrations',
                                                                   'django')]


def test_smoke_and_integrity_from_what_exists() -> None:
    files = {'pyproject.toml': '[tool.pytest.ini_options]\nmarkers = ["smoke: quick", "billing"]\n',
             'app/__init__.py': '', 'app/billing/__init__.py': '', 'app/billing/x.py': '',
             'tests/test_x.py': '', 'scripts/post_go_live_integrity_check.py': ''}
    svc = inspect(MemorySnapshot(files)).services[0]
    assert svc.smoke is not None and svc.smoke.command == ['pytest', '-q', '-m', 'smoke']
    assert svc.integrity is not None and svc.integrity.command == [
        'python', 'scripts/post_go_live_integrity_check.py']
    assert [(d.name, d.command, d.paths) for d in svc.domains] == [
        ('billing', ['pytest', '-q', '-m', 'billing'], ['app/billing/**'])]
    files['tests/smoke/test_health.py'] = ''
    svc = inspect(MemorySnapshot(files)).services[0]
    assert svc.smoke is not None and svc.smoke.command == ['pytest', '-q', 'tests/smoke']


def test_no_tests_no_proposal() -> None:
    svc = inspect(MemorySnapshot({'app/main.py': 'x = 1\n'})).services[0]
    assert svc.smoke is None and svc.domains == []
    assert svc.notes == ['no tests found: no smoke suite to propose']


@pytest.mark.parametrize('branches,subjects,pattern', [
    (['hotfix/fsft-102-fix', 'feature/fsft-99-x', 'fsft-7-y'], [], '[a-z][a-z0-9]+-[0-9]+'),
    ([], ['ARIS-1 fix', 'ARIS-2: more', 'PAY-3 refund'], '[A-Z][A-Z0-9]+-[0-9]+'),
    ([], ['fsft-101 fix', 'fsft-102: more', '[fsft-103] again', 'py-3 support', 'a fsft-4'],
     '[a-z][a-z0-9]+-[0-9]+'),
    (['6994-global-invoice-numbers', '7095-order-exports'], ['fix (#13957)'], '[0-9]+'),
    # standards and encodings are no tickets; too few ids is the default
    ([], ['UTF-8 paths', 'ISO-8601 dates', 'SHA-256 ids', 'RFC-7231 codes'],
     DEFAULT_TICKET_PATTERN),
    (['main', 'py2'], ['Fix ruff warning', 'Update CHANGELOG'], DEFAULT_TICKET_PATTERN),
    (['1234-x'], ['fix (#1)'], DEFAULT_TICKET_PATTERN),
])
def test_ticket_pattern_from_branch_names_and_subjects(branches: list[str],
                                                       subjects: list[str],
                                                       pattern: str) -> None:
    got, why = infer_ticket_pattern(branches, subjects)
    assert got == pattern, why


def test_ticket_ids_keep_how_they_were_written() -> None:
    assert ticket_ids(['hotfix/ABC-1-x', 'release/1.2'], ['fix #12', 'a&#39;b', 'ABC-2 x']) \
        == [('ABC-1', 'ABC-1'), ('12', '#12'), ('ABC-2', 'ABC-2')]
