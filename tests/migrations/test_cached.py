"""The migration guard through the analysis cache (issue 16): what one migration file gives
is kept per blob, path and options, so an unchanged migration is never parsed twice (the
revision graph of every run included), and a cached run reports exactly what an uncached
one does. (``tests/conftest.py`` also checks, for every migration any test parses, that its
cached summary loads back equal.)"""
from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.migrations import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.migrations import model as m
from hotfix_hooks.migrations import summary
from hotfix_hooks.policy import from_mapping
from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import HOTFIX_BRANCH
from tests.support.migration_fixtures import alembic
from tests.support.migration_fixtures import BASE
from tests.support.migration_fixtures import django
from tests.support.migration_fixtures import DJANGO_BASE
from tests.support.migration_fixtures import V

# every front end: Alembic (calls, raw SQL, a helper, a suppression, a downgrade that
# raises), Django, golang-migrate, Flyway, dbmate, plain SQL, a file that does not parse,
# a file that is not UTF-8, a Python file that is no migration
SHIPPED: dict[str, str | bytes] = {
    **BASE, **DJANGO_BASE,
    'db/migrations/000001_init.up.sql': 'CREATE TABLE stock (id int PRIMARY KEY, qty int);\n',
    'db/migrations/000001_init.down.sql': 'DROP TABLE stock;\n',
    'flyway/V1__init.sql': 'CREATE TABLE shelf (id int);\n',
    'flyway/U1__init.sql': 'DROP TABLE shelf;\n',
    'dbmate/migrations/20260101_init.sql':
        '-- migrate:up\nCREATE TABLE bin (id int);\n-- migrate:down\nDROP TABLE bin;\n',
    'sql/migrations/001_init.sql': 'CREATE TABLE crate (id int);\n',
    'app/services.py': 'def total(rows):\n    return sum(rows)\n',
}

HOTFIX: dict[str, str | bytes] = {
    f'{V}/c3d4e5f6a7b8_hotfix.py': alembic(
        """
    # hotfix-hooks: ignore[migration-update-without-where] reason="one-row table"
    op.execute("UPDATE users SET status = 'active'")
    _drop('legacy_code')
    op.create_index('ix_orders_user', 'orders', ['user_id'])
    op.alter_column('orders', 'note', nullable=False)
    """, "raise NotImplementedError('no way back')",
        preamble="def _drop(col):\n    op.drop_column('users', col)\n"),
    django("migrations.RemoveField(model_name='order', name='note')")[0]:
        django("migrations.RemoveField(model_name='order', name='note')")[1],
    'db/migrations/000002_qty.up.sql': 'ALTER TABLE stock ALTER COLUMN qty SET NOT NULL;\n'
                                       'UPDATE stock SET qty = 0;\n',
    'db/migrations/000002_qty.down.sql': 'ALTER TABLE stock ALTER COLUMN qty DROP NOT NULL;\n',
    'flyway/V2__drop.sql': 'DROP TABLE shelf;\n',
    'dbmate/migrations/20260102_idx.sql':
        '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY ix_bin ON bin (id);\n'
        '-- migrate:down\nDROP INDEX ix_bin;\n',
    'sql/migrations/002_trunc.sql': '-- caf\xe9\nTRUNCATE crate;\n',
    'sql/migrations/003_latin1.sql': b'-- caf\xe9 (latin-1)\nDROP TABLE crate;\n',
    f'{V}/d4e5f6a7b8c9_broken.py':
        "revision = 'd4e5f6a7b8c9'\ndown_revision = 'c3d4e5f6a7b8'\n\ndef upgrade(:\n",
    'app/services.py': 'def total(rows):\n    return sum(rows or [])\n',
}


def findings(repo: GitRepo, *args: str) -> list[dict[str, Any]]:
    res = run_cli(repo, 'scan', '--only', 'migrations', '--format', 'json', *args)
    assert res.returncode in (0, 1), res.stderr
    out: list[dict[str, Any]] = json.loads(res.stdout)['findings']
    return out


def cache_info(repo: GitRepo) -> dict[str, Any]:
    res = run_cli(repo, 'cache', 'info', '--format', 'json')
    info: dict[str, Any] = json.loads(res.stdout)
    return info


@pytest.fixture
def hotfix(repo: GitRepo) -> GitRepo:
    repo.commit('shipped', SHIPPED)
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.commit('hotfix', HOTFIX)
    return repo


@pytest.mark.parametrize('policy', ['', '[tool.hotfix-hooks.migrations]\ncheck_unchanged = true\n'])
def test_cached_runs_report_what_an_uncached_run_does(hotfix: GitRepo, policy: str) -> None:
    if policy:
        hotfix.commit('policy', {'pyproject.toml': policy})
    uncached = findings(hotfix, '--no-cache')
    assert {f['rule'] for f in uncached} >= {
        'migration-drop-column', 'migration-downgrade-raises', 'migration-file-unparsable',
        'migration-set-not-null', 'migration-drop-table', 'migration-truncate'}
    assert any(f['waived'] for f in uncached)            # the suppression applied
    assert cache_info(hotfix)['entries'] == 0            # --no-cache wrote nothing
    cold = findings(hotfix)
    info = cache_info(hotfix)
    assert set(info['namespaces']) >= {'migrations.python', 'migrations.sql'}
    warm = findings(hotfix)
    assert cold == uncached
    assert warm == uncached
    assert cache_info(hotfix)['entries'] == info['entries']   # the warm run added nothing


def test_a_changed_migration_is_analysed_again(hotfix: GitRepo) -> None:
    findings(hotfix)                                     # the cache now knows every file
    path = f'{V}/c3d4e5f6a7b8_hotfix.py'
    text = (hotfix.path / path).read_text().replace("_drop('legacy_code')", 'pass')
    hotfix.commit('keep the column', {path: text})
    cached = findings(hotfix)
    assert cached == findings(hotfix, '--no-cache')
    assert 'migration-drop-column' not in {f['rule'] for f in cached if f['path'] == path}


def test_policy_keys_the_analysis_reads_are_part_of_the_key(hotfix: GitRepo) -> None:
    hotfix.commit('uuid fill', {f'{V}/e5f6a7b8c9d0_fill.py': alembic(
        "op.add_column('orders', sa.Column('ref', sa.String(36), nullable=False, "
        "server_default=sa.text('my_uuid()')))", "op.drop_column('orders', 'ref')",
        revision='e5f6a7b8c9d0', down_revision='c3d4e5f6a7b8')})
    before = findings(hotfix)
    hotfix.commit('policy', {'pyproject.toml':
                             '[tool.hotfix-hooks.migrations]\nvolatile_functions = ["my_uuid"]\n'})
    after = findings(hotfix)
    assert after == findings(hotfix, '--no-cache')
    assert after != before


def test_warm_run_parses_nothing_and_loads_no_sql_parser(hotfix: GitRepo) -> None:
    """pglast (and the Python/SQL front ends) are imported only when a file is parsed."""
    probe = ('import sys, runpy\nsys.argv = ["hotfix-hooks", "scan", "--only", "migrations"]\n'
             'try:\n    runpy.run_module("hotfix_hooks", run_name="__main__")\n'
             'except SystemExit:\n    pass\n'
             'print(" ".join(sorted(m for m in sys.modules if m.startswith(("pglast", '
             '"hotfix_hooks.migrations.")))), file=sys.stderr)\n')

    def loaded() -> set[str]:
        res = hotfix.run([sys.executable, '-c', probe], check=False)
        assert res.returncode in (0, 1), res.stderr
        return set(res.stderr.split())

    cold = loaded()
    assert {'pglast', 'hotfix_hooks.migrations.pyfront', 'hotfix_hooks.migrations.sql'} <= cold
    warm = loaded()
    assert not {m for m in warm if m.startswith('pglast')}
    assert not warm & {'hotfix_hooks.migrations.pyfront', 'hotfix_hooks.migrations.django',
                       'hotfix_hooks.migrations.sql', 'hotfix_hooks.migrations.opcalls'}


def test_quiet_commit_reads_no_migration_twice(hotfix: GitRepo) -> None:
    """A commit touching no file that can be a migration does not run the engine at all
    (``migrations.candidates.change_may_touch``): nothing is read, nothing is cached."""
    hotfix.commit('service', {'app/services.py': 'def total(rows):\n    return 0\n'})
    findings(hotfix, '--from-ref', 'HEAD~1', '--to-ref', 'HEAD')
    entries = cache_info(hotfix)['entries']
    hotfix.commit('again', {'app/services.py': 'def total(rows):\n    return 1\n'})
    assert findings(hotfix, '--from-ref', 'HEAD~1', '--to-ref', 'HEAD') == \
        findings(hotfix, '--from-ref', 'HEAD~1', '--to-ref', 'HEAD', '--no-cache')
    assert cache_info(hotfix)['entries'] == entries


# -- the summary itself ------------------------------------------------------------------
def test_summary_keeps_what_the_rules_read_and_drops_the_tree() -> None:
    changes = ChangeSet.from_texts(base=dict(BASE), head={**BASE, **{
        k: v for k, v in HOTFIX.items() if k.startswith(V)}})
    from hotfix_hooks.migrations import discover

    opts = discover.Options({})
    migs = discover.load(changes.head, sorted(changes.head.paths()), opts)
    hot = next(g for g in migs if g.path.endswith('_hotfix.py'))
    assert any(o.node is not None for o in hot.upgrade)
    data = summary.dump(hot)
    back = summary.load(data)
    assert back == hot and back is not None
    assert all(o.node is None for o in back.upgrade)
    assert [o.statement() for o in back.upgrade] == [o.statement() for o in hot.upgrade]
    assert [o.signature() for o in back.upgrade] == [o.signature() for o in hot.upgrade]
    assert summary.load(summary.dump(None)) is None


def test_a_summary_that_is_not_plain_data_is_not_cached(tmp_path: Any) -> None:
    from hotfix_hooks import cache as cache_mod

    cache = cache_mod.Cache(str(tmp_path))
    odd = m.Migration(path='x.py', framework='alembic',
                      upgrade=[m.Op(kind=m.OTHER, line=1, attrs={'value': object()})])
    calls = []

    def build() -> m.Migration:
        calls.append(1)
        return odd

    for _ in range(2):
        assert summary.cached_file(cache, 'migrations.python', 'ab' * 20, {}, build) is odd
    assert len(calls) == 2 and cache.writes == 0
    with pytest.raises(summary.NotPlain):
        summary.dump(odd)


def test_uncached_check_matches_cached_check_in_memory(tmp_path: Any) -> None:
    """The same change set, checked with and without a cache (twice), gives equal findings."""
    from hotfix_hooks import cache as cache_mod

    base = dict(SHIPPED)
    head = {**base, **HOTFIX}
    policy = from_mapping({'migrations': {'check_unchanged': True}}, None)
    plain = check(ChangeSet.from_texts(base=base, head=head), policy, RunInfo(hotfix=True))
    for _ in range(2):
        changes = ChangeSet.from_texts(base=base, head=head)
        changes.cache = cache_mod.Cache(str(tmp_path))
        assert check(changes, policy, RunInfo(hotfix=True)) == plain
    assert changes.cache.hits > 0 and changes.cache.misses == 0
