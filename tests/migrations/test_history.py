"""Migration guard history rules: the whole revision graph (pure), and the history
against the base on REAL commits, driven through ``hotfix-hooks scan``."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.migrations import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.findings import Finding
from hotfix_hooks.policy import from_mapping
from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import HOTFIX_BRANCH
from tests.support.migration_fixtures import alembic
from tests.support.migration_fixtures import BASE
from tests.support.migration_fixtures import SECOND
from tests.support.migration_fixtures import V

SECOND_PATH = f'{V}/b2c3d4e5f6a7_orders_created_at.py'
GOOD = alembic("op.add_column('users', sa.Column('tier', sa.String(20), nullable=True))",
               "op.drop_column('users', 'tier')")


def graph(files: dict[str, str], policy: dict | None = None) -> list[Finding]:
    changes = ChangeSet.from_texts(base={}, head={**BASE, **files})
    return check(changes, from_mapping(policy or {}, None), RunInfo(hotfix=True))


def by_rule(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


# -- whole graph (pure) -----------------------------------------------------------------------
def test_single_chain_has_no_history_findings() -> None:
    assert graph({f'{V}/c3_tier.py': GOOD}) == []


def test_multiple_heads_and_branch_labels() -> None:
    two = {f'{V}/c3_tier.py': GOOD,
           f'{V}/d4_other.py': alembic("op.add_column('users', sa.Column('x', sa.Integer()))",
                                       "op.drop_column('users', 'x')", revision='d4e5f6a7b8c9')}
    [f] = by_rule(graph(two), 'migration-multiple-heads')
    assert set(f.extra['heads']) == {'c3d4e5f6a7b8', 'd4e5f6a7b8c9'} and f.severity == 'error'
    labelled = {f'{V}/r1_reporting.py': alembic('pass', 'pass', revision='e5f6a7b8c9d0',
                                                down_revision=None).replace(
        'branch_labels = None', "branch_labels = ('reporting',)"), f'{V}/c3_tier.py': GOOD}
    assert not by_rule(graph(labelled), 'migration-multiple-heads')
    assert by_rule(graph(labelled, {'migrations': {'allow_branch_labels': False}}),
                   'migration-multiple-roots')


def test_unknown_parent_duplicate_cycle_roots() -> None:
    orphan = alembic('pass', 'pass', revision='f1', down_revision='deadbeef0000')
    [u] = by_rule(graph({f'{V}/f1.py': orphan}), 'migration-unknown-parent')
    assert "'deadbeef0000'" in u.message and u.line == 11
    dup = alembic('pass', 'pass', revision='b2c3d4e5f6a7', down_revision='a1f0c2d3e4b5')
    assert by_rule(graph({f'{V}/b2_copy.py': dup}), 'migration-duplicate-revision')
    cyc = {f'{V}/x1.py': alembic('pass', 'pass', revision='x1', down_revision='x2'),
           f'{V}/x2.py': alembic('pass', 'pass', revision='x2', down_revision='x1')}
    [c] = by_rule(graph(cyc), 'migration-revision-cycle')
    assert 'x1' in c.message and 'x2' in c.message
    chain = {f'{V}/x1.py': alembic('pass', 'pass', revision='x1', down_revision='b2c3d4e5f6a7'),
             f'{V}/x2.py': alembic('pass', 'pass', revision='x2', down_revision='x1')}
    assert not by_rule(graph(chain), 'migration-revision-cycle')
    root = alembic('pass', 'pass', revision='r0', down_revision=None)
    assert by_rule(graph({f'{V}/r0.py': root}), 'migration-multiple-roots')


def test_revision_id_longer_than_version_column() -> None:
    rev = '2026_11_27_add_customer_tier_col'        # 32 characters: fits
    assert len(rev) == 32
    assert graph({f'{V}/c3.py': alembic('pass', 'pass', revision=rev)}) == []
    long = rev + 's'
    [f] = by_rule(graph({f'{V}/c3.py': alembic('pass', 'pass', revision=long)}),
                  'migration-revision-id-too-long')
    assert f.severity == 'warning' and '33 characters' in f.message
    assert graph({f'{V}/c3.py': alembic('pass', 'pass', revision=long)},
                 {'migrations': {'version_column_length': 64}}) == []


def test_docstring_comment_and_formatting_edits_are_not_history_edits() -> None:
    edited = SECOND.replace('"""add orders.created_at', '"""Add orders.created_at (OPS-12)') \
        .replace("def upgrade() -> None:\n",
                 'def upgrade() -> None:\n    """Nullable: no default needed."""\n'
                 '    # keep nullable, see OPS-12\n') \
        .replace("op.add_column('orders', sa.Column('created_at', sa.DateTime(), nullable=True))",
                 "op.add_column(\n        'orders',\n        sa.Column('created_at', "
                 "sa.DateTime(), nullable=True),\n    )")
    changes = ChangeSet.from_texts(base=BASE, head={**BASE, SECOND_PATH: edited})
    assert check(changes, from_mapping({}, None), RunInfo(hotfix=True)) == []


# -- against the base, on real commits ----------------------------------------------------------
BRANCHES = {
    'hotfix/OPS-1-edit-shipped': {SECOND_PATH: SECOND.replace(
        "    op.add_column('orders', sa.Column('created_at', sa.DateTime(), nullable=True))",
        "    op.add_column('orders', sa.Column('created_at', sa.DateTime(), nullable=True))\n"
        "    op.create_index('ix_orders_created_at', 'orders', ['created_at'])")},
    'hotfix/OPS-2-docstring-only': {SECOND_PATH: SECOND.replace(
        '"""add orders.created_at', '"""Add orders.created_at, reviewed in OPS-2').replace(
        'def downgrade() -> None:\n', 'def downgrade() -> None:  # undo\n    """Undo."""\n')},
    'hotfix/OPS-3-below-head': {f'{V}/c3d4e5f6a7b8_tier.py': alembic(
        "op.add_column('users', sa.Column('tier', sa.String(20), nullable=True))",
        "op.drop_column('users', 'tier')", down_revision='a1f0c2d3e4b5')},
    'hotfix/OPS-4-two-heads': {
        f'{V}/c3d4e5f6a7b8_tier.py': GOOD,
        f'{V}/d4e5f6a7b8c9_flag.py': alembic(
            "op.add_column('users', sa.Column('flag', sa.Boolean(), nullable=True))",
            "op.drop_column('users', 'flag')", revision='d4e5f6a7b8c9')},
    'hotfix/OPS-5-deleted': {SECOND_PATH: None},
    'hotfix/OPS-6-clean': {f'{V}/c3d4e5f6a7b8_tier.py': GOOD},
}


@pytest.fixture(scope='module')
def history_repo(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    repo = GitRepo(Path(tmp_path_factory.mktemp('mighist')) / 'repo')
    repo.commit('shipped migrations', files={**BASE, 'app.py': 'print("app")\n'})
    for branch, files in BRANCHES.items():
        repo.checkout(branch, create=True, start='main')
        repo.commit(f'{branch} change', files=files)
    # a third migration ships on release/1.1; a hotfix then moves it below the head
    repo.checkout('release/1.1', create=True, start='main')
    repo.commit('ship c3', files={f'{V}/c3d4e5f6a7b8_tier.py': GOOD})
    repo.checkout('hotfix/OPS-7-moved-below', create=True)
    repo.commit('move c3', files={f'{V}/c3d4e5f6a7b8_tier.py': GOOD.replace(
        "down_revision = 'b2c3d4e5f6a7'", "down_revision = 'a1f0c2d3e4b5'")})
    repo.checkout('main')
    return repo


def scan(repo: GitRepo, branch: str) -> tuple[int, list[dict]]:
    res = run_cli(repo, 'scan', '--only', 'migrations', '--from-ref', 'main', '--to-ref', branch,
                  '--branch', branch, '--format', 'json')
    assert res.returncode in (0, 1), res.stderr
    return res.returncode, json.loads(res.stdout)['findings']


def test_edited_shipped_migration(history_repo: GitRepo) -> None:
    rc, findings = scan(history_repo, 'hotfix/OPS-1-edit-shipped')
    [f] = [f for f in findings if f['rule'] == 'migration-history-edited']
    assert rc == 1 and f['severity'] == 'error' and f['path'] == SECOND_PATH
    assert f['change'] == ['upgrade()'] and f['line'] == 15
    assert 'b2c3d4e5f6a7' in f['message']


def test_docstring_only_edit_is_not_flagged(history_repo: GitRepo) -> None:
    rc, findings = scan(history_repo, 'hotfix/OPS-2-docstring-only')
    assert (rc, findings) == (0, [])


def test_revision_inserted_below_head(history_repo: GitRepo) -> None:
    rc, findings = scan(history_repo, 'hotfix/OPS-3-below-head')
    rules = {f['rule'] for f in findings}
    assert rc == 1 and rules == {'migration-inserted-below-head', 'migration-multiple-heads'}
    below = next(f for f in findings if f['rule'] == 'migration-inserted-below-head')
    assert below['base_heads'] == ['b2c3d4e5f6a7'] and below['line'] == 11


def test_shipped_revision_moved_below_the_head(history_repo: GitRepo) -> None:
    res = run_cli(history_repo, 'scan', '--only', 'migrations', '--from-ref', 'release/1.1',
                          '--to-ref', 'hotfix/OPS-7-moved-below', '--branch',
                          'hotfix/OPS-7-moved-below', '--format', 'json')
    findings = json.loads(res.stdout)['findings']
    assert res.returncode == 1
    edited = next(f for f in findings if f['rule'] == 'migration-history-edited')
    assert edited['change'] == ['down_revision'] and edited['line'] == 11
    heads = next(f for f in findings if f['rule'] == 'migration-multiple-heads')
    assert sorted(heads['heads']) == ['b2c3d4e5f6a7', 'c3d4e5f6a7b8']


def test_two_heads(history_repo: GitRepo) -> None:
    rc, findings = scan(history_repo, 'hotfix/OPS-4-two-heads')
    assert rc == 1 and [f['rule'] for f in findings] == ['migration-multiple-heads']
    assert sorted(findings[0]['heads']) == ['c3d4e5f6a7b8', 'd4e5f6a7b8c9']


def test_deleted_shipped_migration(history_repo: GitRepo) -> None:
    rc, findings = scan(history_repo, 'hotfix/OPS-5-deleted')
    [f] = [f for f in findings if f['rule'] == 'migration-history-edited']
    assert rc == 1 and f['change'] == 'deleted' and f['path'] == SECOND_PATH


def test_clean_new_migration_passes(history_repo: GitRepo) -> None:
    assert scan(history_repo, 'hotfix/OPS-6-clean') == (0, [])


def test_off_hotfix_branch_history_findings_are_warnings(history_repo: GitRepo) -> None:
    res = run_cli(history_repo, 'scan', '--only', 'migrations', '--from-ref', 'main', '--to-ref',
                          'hotfix/OPS-1-edit-shipped', '--branch', 'feature/reporting',
                          '--format', 'json')
    findings = json.loads(res.stdout)['findings']
    assert res.returncode == 0
    assert {f['severity'] for f in findings if f['rule'] == 'migration-history-edited'} == \
        {'warning'}


def test_quick_graph_facts_match_the_full_parse() -> None:
    from hotfix_hooks.changeset import MemorySnapshot
    from hotfix_hooks.migrations import discover
    from tests.support.migration_fixtures import django
    from tests.support.migration_fixtures import DJANGO_BASE

    files = {**BASE, **DJANGO_BASE, f'{V}/c3_tier.py': GOOD,
             f'{V}/m1_merge.py': alembic('pass', 'pass', revision='m1',
                                         down_revision=('c3d4e5f6a7b8', 'b2c3d4e5f6a7')),
             **dict([django("migrations.RunPython(forwards, backwards),", name='0003_data',
                            deps="('shop', '0002_order'),\n        ('auth', '0012_x')")])}
    snap = MemorySnapshot(files)
    opts = discover.Options({})
    paths = discover.candidate_paths(snap, [], opts)
    quick = {x.path: x for x in discover.load(snap, paths, opts, analyse=False)}
    full = {x.path: x for x in discover.load(snap, paths, opts, analyse=True)}
    assert set(quick) == set(full) and len(quick) == 7
    for path, q in quick.items():
        f = full[path]
        assert (q.framework, q.revision, q.parents, q.group, q.revision_line, q.parents_line) == \
            (f.framework, f.revision, f.parents, f.group, f.revision_line, f.parents_line), path


def test_edited_non_utf8_shipped_migration_is_reported(repo: GitRepo) -> None:
    repo.commit('base', {'migrations/001_init.sql': b'-- caf\xe9\nCREATE TABLE t (id int);\n'})
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.commit('edit', {'migrations/001_init.sql':
                         b'-- caf\xe9\nCREATE TABLE t (id bigint);\n'})
    res = run_cli(repo, 'scan', '--only', 'migrations', '--format', 'json')
    assert res.returncode == 1, (res.stdout, res.stderr)
    assert '"rule": "migration-history-edited"' in res.stdout
