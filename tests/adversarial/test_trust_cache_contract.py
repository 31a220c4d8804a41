"""Adversarial: a branch that tries to reuse cached ``contract.module`` / ``contract.side``
entries of the route-code contract. The cache is warmed on a first commit of the branch
(both sides' modules stored); the next commit leaves every route module byte for byte the
same and changes only what their imports stand for. A warm run must report exactly what
``--no-cache`` reports (lines included), and the hidden removal must be reported."""
from __future__ import annotations

import os

from tests.openapi.test_incremental import _scan
from tests.openapi.test_incremental import _warm
from tests.openapi.test_incremental import COMMON
from tests.openapi.test_incremental import service  # noqa: F401 - the fixture
from tests.support.gitrepo import GitRepo

NARROWER = COMMON.replace('    created_by: str\n', '')


def _same_as_uncached(repo: GitRepo, *, removed: bool) -> None:
    found, _ = _scan(repo)
    assert found == _scan(repo)[0]                       # warm again
    assert found == _scan(repo, '--no-cache')[0]
    rules = [f['rule'] for f in found]
    assert ('response-property-removed' in rules) is removed, found


def test_a_model_module_moved_into_a_package_is_read_again(service: GitRepo) -> None:  # noqa: F811
    _warm(service)
    service.commit('move', files={'app/models/common.py': None,
                                  'app/models/common/__init__.py': NARROWER})
    _same_as_uncached(service, removed=True)


def test_a_model_re_exported_from_a_new_module_is_read_again(service: GitRepo) -> None:  # noqa: F811
    _warm(service)
    service.commit('re-export', files={
        'app/models/common.py': 'from app.models.audit import Audit\n\n__all__ = ["Audit"]\n',
        'app/models/audit.py': NARROWER})
    _same_as_uncached(service, removed=True)


def test_a_model_module_replaced_by_a_symlink_is_judged_as_uncached(
        service: GitRepo) -> None:  # noqa: F811
    _warm(service)
    service.write('app/models/narrow.py', NARROWER)
    os.unlink(service.path / 'app/models/common.py')
    os.symlink('narrow.py', service.path / 'app/models/common.py')
    service.commit('link')
    _same_as_uncached(service, removed=True)


def test_the_target_of_a_symlinked_model_module_edited_is_read_again(
        service: GitRepo) -> None:  # noqa: F811
    """The link is made on the warmed commit; the next commit edits only its target."""
    _warm(service)
    service.git('mv', 'app/models/common.py', 'app/models/common_impl.py')
    os.symlink('common_impl.py', service.path / 'app/models/common.py')
    service.commit('link')
    _same_as_uncached(service, removed=False)
    service.commit('narrow the target', files={'app/models/common_impl.py': NARROWER})
    _same_as_uncached(service, removed=True)


def test_a_model_module_symlinked_out_of_the_repository_is_said(
        service: GitRepo) -> None:  # noqa: F811
    _warm(service)
    os.unlink(service.path / 'app/models/common.py')
    os.symlink('/etc/hostname', service.path / 'app/models/common.py')
    service.commit('link out')
    found, _ = _scan(service)
    assert found == _scan(service, '--no-cache')[0]
    unreadable = [f for f in found if f['rule'] == 'api-code-unreadable']
    assert [f['path'] for f in unreadable] == ['app/models/common.py'], found
    assert unreadable[0]['severity'] == 'warning' and '/etc/hostname' in unreadable[0]['message']


def test_a_case_only_rename_of_a_model_module_is_judged_as_uncached(
        service: GitRepo) -> None:  # noqa: F811
    _warm(service)
    service.git('mv', 'app/models/common.py', 'app/models/Common.py')
    service.commit('case')
    found, _ = _scan(service)
    assert found == _scan(service, '--no-cache')[0]


def test_a_src_root_placed_by_pyproject_is_judged_as_uncached(service: GitRepo) -> None:  # noqa: F811
    """The branch adds a ``pyproject.toml`` that puts packages below ``src/`` and a narrower
    ``src/app/models/common.py``: which file the import names changes with the roots."""
    _warm(service)
    service.commit('src root', files={
        'pyproject.toml': '[tool.setuptools.packages.find]\nwhere = ["src", "."]\n',
        'src/app/__init__.py': '', 'src/app/models/__init__.py': '',
        'src/app/models/common.py': NARROWER})
    found, _ = _scan(service)
    assert found == _scan(service, '--no-cache')[0]


def test_a_package_added_beside_the_model_module_is_judged_as_uncached(
        service: GitRepo) -> None:  # noqa: F811
    """Two files claim ``app.models.common``: ``common.py`` (cached) and a new
    ``common/__init__.py`` (which Python imports first) without ``created_by``: the
    contract reads the package, as the import does, cached or not."""
    _warm(service)
    service.commit('package', files={'app/models/common/__init__.py': NARROWER})
    _same_as_uncached(service, removed=True)


def test_a_model_re_exported_by_a_star_import_is_read_again(service: GitRepo) -> None:  # noqa: F811
    _warm(service)
    service.commit('re-export', files={
        'app/models/common.py': 'from app.models.audit import *  # noqa: F403\n',
        'app/models/audit.py': NARROWER})
    _same_as_uncached(service, removed=True)


def test_a_model_re_exported_under_try_is_read_again(service: GitRepo) -> None:  # noqa: F811
    _warm(service)
    service.commit('re-export', files={
        'app/models/common.py': 'try:\n    from app.models.audit import Audit\n'
                                'except ImportError:\n    raise\n',
        'app/models/audit.py': NARROWER})
    _same_as_uncached(service, removed=True)
