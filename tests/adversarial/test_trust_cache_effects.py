"""Adversarial: a branch that tries to reuse a cached ``migrations.effects`` entry.

A shipped Alembic data step rewritten from ORM attribute writes to text SQL that writes the
same rows is ``migration-history-code-changed`` (info) instead of
``migration-history-edited`` (error). The effects are cached per migration blob, with the
(path, blob) of every file consulted through the migration's imports. Each test warms the
cache on a clean commit (the byte-identical migration a clean branch had, as a laptop or a
shared CI cache would hold it), then makes a commit that changes what the migration's
imports stand for without touching the migration, and asserts that the warm run reports
exactly what ``--no-cache`` reports, and that this is the error.
"""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from tests.migrations.test_data_step_effects import _mig
from tests.migrations.test_data_step_effects import CODE
from tests.migrations.test_data_step_effects import MODEL
from tests.migrations.test_data_step_effects import MODEL_PATH
from tests.migrations.test_data_step_effects import ORM
from tests.migrations.test_data_step_effects import PATH
from tests.migrations.test_data_step_effects import TEXT
from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import HOTFIX_BRANCH
from tests.support.migration_fixtures import BASE

HISTORY = ('migration-history-edited', 'migration-history-code-changed')
INFO = [('migration-history-code-changed', 'info')]
ERROR = [('migration-history-edited', 'error')]
OTHER_TABLE = MODEL.replace('"ingredient_units"', '"unit_names"')


def _scan(repo: GitRepo, *extra: str) -> list[dict[str, object]]:
    res = run_cli(repo, 'scan', '--only', 'migrations', '--from-ref', 'main', '--to-ref',
                  'HEAD', '--format', 'json', *extra)
    assert res.returncode in (0, 1), res.stderr
    return [f for f in json.loads(res.stdout)['findings'] if f['rule'] in HISTORY]


def _rules(found: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(f['rule'], f['severity']) for f in found]


def _warm(tmp_path: Path, code: dict[str, str | bytes | None] | None = None,
          text: str = TEXT) -> GitRepo:
    """A shipped ORM data step rewritten as text SQL on a hotfix branch, scanned twice:
    the cache holds the rewrite's effects (info)."""
    repo = GitRepo(tmp_path / 'repo')
    repo.commit('shipped', files={**BASE, **(CODE if code is None else code), PATH: _mig(ORM)})
    repo.tag('v1.0.0')
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.commit('fix: write the normalized names with SQL', files={PATH: _mig(text)})
    assert _rules(_scan(repo)) == INFO
    assert _rules(_scan(repo)) == INFO                  # warm
    assert _entries(repo), 'the effects are cached'
    return repo


def _entries(repo: GitRepo) -> list[Path]:
    root = repo.path / '.git' / 'hotfix-hooks' / 'cache'
    return [p for p in root.glob('??/*') if p.is_file() and not p.name.startswith('.tmp-')]


def _judged_as_uncached(repo: GitRepo, expected: list[tuple[str, str]]) -> None:
    warm = _scan(repo)
    assert _rules(warm) == expected
    assert _scan(repo) == warm                          # warm again, from its own entry
    assert _scan(repo, '--no-cache') == warm


REEXPORT = {**CODE, 'app/db/models/__init__.py':
            'from .ingredient import IngredientUnitModel\n\n__all__ = ["IngredientUnitModel"]\n'}
TEXT_REEXPORT = TEXT.replace('from app.db.models.ingredient import', 'from app.db.models import')
ORM_REEXPORT = ORM.replace('from app.db.models.ingredient import', 'from app.db.models import')


def test_an_edit_to_the_module_a_re_export_points_at_is_seen(tmp_path: Path) -> None:
    """The migration imports the model through a package's re-export; the branch renames
    the table in the module the re-export names (the migration and the package untouched)."""
    repo = GitRepo(tmp_path / 'repo')
    repo.commit('shipped', files={**BASE, **REEXPORT, PATH: _mig(ORM_REEXPORT)})
    repo.tag('v1.0.0')
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.commit('fix: SQL', files={PATH: _mig(TEXT_REEXPORT)})
    assert _rules(_scan(repo)) == INFO
    repo.commit('rename the table', files={MODEL_PATH: OTHER_TABLE})
    _judged_as_uncached(repo, ERROR)


def test_a_module_added_below_the_migrations_folder_shadows_the_import(
        tmp_path: Path) -> None:
    """A second file that may be the imported module (below a folder above the migration,
    where alembic's ``prepend_sys_path`` would find it first) disagrees with the first:
    nothing is resolved, and the cached resolution through the first is not reused."""
    repo = _warm(tmp_path)
    repo.commit('a shadow module', files={f'alembic/{MODEL_PATH}': OTHER_TABLE})
    _judged_as_uncached(repo, ERROR)


def test_a_module_moved_into_a_package_of_the_same_name_is_read_again(
        tmp_path: Path) -> None:
    """``app/db/models/ingredient.py`` becomes ``app/db/models/ingredient/__init__.py``
    (the import still works) with another table."""
    repo = _warm(tmp_path)
    repo.commit('move the module into a package', files={
        MODEL_PATH: None, 'app/db/models/ingredient/__init__.py': OTHER_TABLE})
    _judged_as_uncached(repo, ERROR)


def test_a_case_only_rename_of_the_module_is_read_again(tmp_path: Path) -> None:
    """``ingredient.py`` renamed ``Ingredient.py``: on a case-sensitive file system the
    import finds nothing; the cached resolution through the old name is not reused."""
    repo = _warm(tmp_path)
    repo.git('mv', MODEL_PATH, 'app/db/models/Ingredient.py')
    repo.commit('case-only rename')
    _judged_as_uncached(repo, ERROR)


def test_a_module_replaced_by_a_symlink_to_another_model_is_not_trusted(
        tmp_path: Path) -> None:
    """The model's file becomes a symlink to a module with another table: Python follows
    the link at run time; the analysis reads git's blob (the link's target text), which
    names no model: unresolved, judged as before, warm and uncached alike."""
    repo = _warm(tmp_path)
    repo.write('app/db/models/other.py', OTHER_TABLE)
    os.unlink(repo.path / MODEL_PATH)
    os.symlink('other.py', repo.path / MODEL_PATH)
    repo.commit('the model is now a link')
    assert repo.git('ls-files', '-s', MODEL_PATH).startswith('120000')
    _judged_as_uncached(repo, ERROR)


def test_a_corrupt_or_truncated_entry_is_rebuilt(tmp_path: Path) -> None:
    """Every entry truncated, then every entry's payload flipped: each run rebuilds and
    reports what an uncached run reports (never a traceback, never a stale verdict)."""
    repo = _warm(tmp_path)
    repo.commit('rename the table', files={MODEL_PATH: OTHER_TABLE})
    expected = _scan(repo, '--no-cache')
    assert _rules(expected) == ERROR
    for entry in _entries(repo):
        data = entry.read_bytes()
        entry.write_bytes(data[:len(data) // 2])
    assert _scan(repo) == expected
    for entry in _entries(repo):
        data = bytearray(entry.read_bytes())
        data[-1] ^= 0xFF
        entry.write_bytes(bytes(data))
    assert _scan(repo) == expected
    assert _scan(repo) == expected


def test_an_entry_of_another_shape_is_derived_again(tmp_path: Path) -> None:
    """Well-formed entries under the effects' key whose value is not what this version
    writes (another shape, variants whose consulted files are not a list of pairs, or do
    not hold): derived again, never a traceback."""
    from hotfix_hooks import cache as cache_mod
    from hotfix_hooks.changeset import git_blob_id
    from hotfix_hooks.migrations import effects

    repo = _warm(tmp_path)
    repo.commit('rename the table', files={MODEL_PATH: OTHER_TABLE})
    expected = _scan(repo, '--no-cache')
    blob = git_blob_id(_mig(TEXT).encode())
    key = {'format': effects.FORMAT, 'path': PATH}
    cache = cache_mod.Cache(str(repo.path / '.git' / 'hotfix-hooks' / 'cache'))
    stale = {'effects': [], 'unresolved': []}
    for value in ('garbage', [('x',)], [(['bad'], stale)], [([(PATH, 'f' * 40)], stale)],
                  [([(MODEL_PATH, git_blob_id(MODEL.encode()))], stale)], [(None, stale)]):
        assert cache.put(effects.NAMESPACE, blob, key, value)
        assert _scan(repo) == expected, value


def test_concurrent_cold_runs_agree_with_an_uncached_run(tmp_path: Path) -> None:
    repo = _warm(tmp_path)
    repo.commit('rename the table', files={MODEL_PATH: OTHER_TABLE})
    expected = _scan(repo, '--no-cache')
    for entry in _entries(repo):
        entry.unlink()
    got: list[object] = []

    def run() -> None:
        res = repo.hh('scan', '--only', 'migrations', '--from-ref', 'main', '--to-ref',
                      'HEAD', '--format', 'json')
        got.append([f for f in json.loads(res.stdout)['findings'] if f['rule'] in HISTORY])

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [expected] * 3
    assert _scan(repo) == expected


def test_a_package_added_anywhere_turns_a_cached_library_call_into_project_code(
        tmp_path: Path) -> None:
    """Warm: the rewrite also calls ``dbtools.wipe``, which is no file of the repository (a
    library: a value, so the rewrite is context). The branch then adds ``libs/dbtools.py``
    (on ``sys.path`` through ``libs/``, not below a folder above the migration) that deletes
    every row: the cached verdict recorded that no such package existed anywhere, so it is
    not reused: unresolved, an error, warm and uncached alike."""
    from tests.migrations.test_data_step_effects import _with_call
    from tests.migrations.test_data_step_effects import WIPE

    repo = _warm(tmp_path, text=_with_call('wipe(session)', 'from dbtools import wipe\n'))
    repo.commit('the helper', files={'libs/dbtools.py': 'import sqlalchemy as sa\n\n\n' + WIPE})
    _judged_as_uncached(repo, ERROR)
