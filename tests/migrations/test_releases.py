"""Locking on a table no release has shipped yet (issue 14, continued).

A table created by a revision that no release tag holds cannot be large in production: an
index built without CONCURRENTLY, a foreign key without NOT VALID or a SET NOT NULL on it
blocks nobody. Releases are the repository's release tags (SemVer, with or without ``v``,
and their hotfix tags); without any, the locking rules behave as before. The branch cannot
make a table look young: only files the change leaves alone decide.
"""
from __future__ import annotations

import json
from pathlib import Path

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.migrations import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.migrations.catalog import RULES
from hotfix_hooks.policy import from_mapping
from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.migration_fixtures import alembic
from tests.support.migration_fixtures import BASE
from tests.support.migration_fixtures import V

AUDIT = f'{V}/c3d4e5f6a7b8_audit_events.py'
AUDIT_TEXT = alembic('''
    op.create_table(
        'audit_events',
        sa.Column('id', sa.BigInteger(), primary_key=True),
        sa.Column('actor', sa.String(200), nullable=True),
        sa.Column('order_id', sa.BigInteger(), nullable=True),
    )
''', "op.drop_table('audit_events')")
HOTFIX = f'{V}/d4e5f6a7b8c9_audit_indexes.py'
HOTFIX_TEXT = alembic('''
    op.create_index('ix_audit_events_actor', 'audit_events', ['actor'])
    op.create_foreign_key('fk_audit_events_order', 'audit_events', 'orders',
                          ['order_id'], ['id'])
    op.create_index('ix_orders_user_id', 'orders', ['user_id'])
''', '''
    op.drop_index('ix_orders_user_id')
    op.drop_constraint('fk_audit_events_order', 'audit_events')
    op.drop_index('ix_audit_events_actor')
''', revision='d4e5f6a7b8c9', down_revision='c3d4e5f6a7b8')
BRANCH = 'hotfix/OPS-12-audit-indexes'


def _repo(tmp_path: Path, *, release: str | None = 'v1.4.0', policy: str = '') -> GitRepo:
    """A service released as ``release``; then ``audit_events`` lands on main (unreleased)
    and a hotfix branch indexes it and ``orders`` (a table every release has)."""
    repo = GitRepo(tmp_path / 'svc')
    repo.commit('init', files={**BASE, 'app.py': 'print("app")\n',
                               **({'pyproject.toml': policy} if policy else {})})
    if release:
        repo.tag(release, annotated=True)
    repo.commit('audit events table', files={AUDIT: AUDIT_TEXT})
    repo.checkout(BRANCH, create=True, start='main')
    repo.commit('index audit events', files={HOTFIX: HOTFIX_TEXT})
    repo.checkout('main')
    return repo


def _locking(repo: GitRepo, table: str) -> list[str]:
    """The locking rules the hotfix branch gets about ``table``."""
    res = run_cli(repo, 'scan', '--only', 'migrations', '--from-ref', 'main', '--to-ref',
                  BRANCH, '--branch', BRANCH, '--format', 'json')
    assert res.returncode in (0, 1), res.stderr
    return sorted(f['rule'] for f in json.loads(res.stdout)['findings']
                  if f['rule'] in RULES and RULES[f['rule']].family == 'locking'
                  and table in f['message'])


AUDIT_LOCKS = ['migration-constraint-without-not-valid', 'migration-index-not-concurrent']


def test_a_table_no_release_holds_is_not_locked_for_anyone(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    assert _locking(repo, 'audit_events') == []
    assert _locking(repo, 'ix_orders_user_id') == ['migration-index-not-concurrent']


def test_once_released_the_table_is_locked_again(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    repo.tag('1.5.0')                          # a release without the "v"
    assert _locking(repo, 'audit_events') == AUDIT_LOCKS


def test_a_hotfix_tag_is_a_release(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    repo.tag('1.4.0+hotfix.1')
    assert _locking(repo, 'audit_events') == AUDIT_LOCKS


def test_without_release_tags_every_existing_table_counts(tmp_path: Path) -> None:
    repo = _repo(tmp_path, release=None)
    repo.tag('deployed/backend-production')   # a moving deploy marker, not a release
    assert _locking(repo, 'audit_events') == AUDIT_LOCKS


def test_renaming_the_creating_revision_does_not_make_a_table_young(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    repo.tag('v1.5.0')                         # audit_events shipped in 1.5.0
    repo.checkout(BRANCH)
    repo.git('mv', AUDIT, f'{V}/c3d4e5f6a7b8_audit_events_renamed.py')
    repo.commit('rename the audit migration')
    repo.checkout('main')
    assert _locking(repo, 'audit_events') == AUDIT_LOCKS


DATED = '[tool.hotfix-hooks.naming]\nrelease_tag_patterns = ["v[0-9]*"]\n'


def test_a_project_that_tags_releases_by_date_says_so_in_its_policy(tmp_path: Path) -> None:
    # releases tagged v<YYYYMMDD> (no SemVer): the policy names the shape, and the table
    # shipped in v20241220 is locked for everyone again
    repo = _repo(tmp_path, release='v20241011', policy=DATED)
    assert _locking(repo, 'audit_events') == []
    repo.tag('v20241220')
    assert _locking(repo, 'audit_events') == AUDIT_LOCKS


def test_without_the_pattern_a_dated_tag_is_no_release(tmp_path: Path) -> None:
    repo = _repo(tmp_path, release='v20241011')
    repo.tag('v20241220')
    assert _locking(repo, 'audit_events') == AUDIT_LOCKS      # no release at all: as before


def test_a_release_the_base_does_not_descend_from_says_nothing(tmp_path: Path) -> None:
    # the hotfix branch was cut before 1.5.0: the code under check descends from 1.4.0 only,
    # so audit_events is as young for it as on the day it was cut (a replay of history, or a
    # branch cut from an older point, must not see releases made after its base)
    repo = _repo(tmp_path)
    repo.commit('later work on main', files={'app.py': 'print("app 1.5")\n'})
    repo.tag('v1.5.0', annotated=True)
    assert _locking(repo, 'audit_events') == []
    repo.checkout(BRANCH)
    repo.git('merge', '-q', '--no-edit', 'v1.5.0')   # now based on the release: it counts
    repo.checkout('main')
    assert _locking(repo, 'audit_events') == AUDIT_LOCKS


def test_an_empty_release_tag_pattern_is_a_config_error(tmp_path: Path) -> None:
    repo = _repo(tmp_path, policy='[tool.hotfix-hooks.naming]\nrelease_tag_patterns = [""]\n')
    res = run_cli(repo, 'scan', '--only', 'migrations', '--from-ref', 'main', '--to-ref',
                  BRANCH, '--branch', BRANCH)
    assert res.returncode == 2
    assert 'release_tag_patterns' in res.stderr and 'Traceback' not in res.stderr


def test_release_tag_patterns_match_the_whole_name() -> None:
    from hotfix_hooks.checks.naming import is_release_tag

    dated = from_mapping({'naming': {'release_tag_patterns': ['v[0-9]*', 'ng-{semver}']}},
                         None)
    default = from_mapping({}, None)
    assert [t for t in ('v20241220', 'v4.3', 'ng-1.2.3', 'ng-1.2', 'latest', 'xv1')
            if is_release_tag(t, dated)] == ['v20241220', 'v4.3', 'ng-1.2.3']
    assert [t for t in ('1.4.0', 'v2.0.0-rc.1', '1.4.0+hotfix.2', 'v4.3', 'v20241220',
                        'deployed/production', 'release-1.4.0')
            if is_release_tag(t, default)] == ['1.4.0', 'v2.0.0-rc.1', '1.4.0+hotfix.2']


# -- the same judgement on in-memory trees --------------------------------------------------
def _check(tags: dict[str, dict[str, str | bytes]], base: dict[str, str],
           head: dict[str, str]) -> list[str]:
    changes = ChangeSet.from_texts(base=base, head=head, tags=tags)
    policy = from_mapping({}, None)
    return sorted(f.rule for f in check(changes, policy, RunInfo(branch=BRANCH, hotfix=True))
                  if f.extra.get('family') == 'locking')


def test_a_revision_renamed_after_its_release_is_still_released() -> None:
    # 1.5.0 shipped the audit table under an older file name, and a later revision after it
    old_name = f'{V}/c3d4e5f6a7b8_audit.py'
    later = f'{V}/e5f6a7b8c9d0_later.py'
    later_text = alembic("op.add_column('users', sa.Column('nick', sa.Text()))",
                         "op.drop_column('users', 'nick')", revision='e5f6a7b8c9d0',
                         down_revision='c3d4e5f6a7b8')
    hotfix = HOTFIX_TEXT.replace("down_revision = 'c3d4e5f6a7b8'",
                                 "down_revision = 'e5f6a7b8c9d0'")
    release = {**BASE, old_name: AUDIT_TEXT, later: later_text}
    base = {**BASE, AUDIT: AUDIT_TEXT, later: later_text}
    found = _check({'v1.5.0': release}, base, {**base, HOTFIX: hotfix})
    assert found.count('migration-index-not-concurrent') == 2


def test_a_root_revision_is_never_young() -> None:
    # a baseline no release holds (a squash of the history): its tables are not new
    squashed = f'{V}/f0f0f0f0f0f0_baseline.py'
    baseline = alembic('''
        op.create_table('orders', sa.Column('id', sa.BigInteger(), primary_key=True),
                        sa.Column('user_id', sa.Integer()))
    ''', "op.drop_table('orders')", revision='f0f0f0f0f0f0', down_revision=None)
    hotfix = alembic("op.create_index('ix_orders_user_id', 'orders', ['user_id'])",
                     "op.drop_index('ix_orders_user_id')", revision='a0a0a0a0a0a0',
                     down_revision='f0f0f0f0f0f0')
    found = _check({'v2.0.0': BASE}, {squashed: baseline},
                   {squashed: baseline, f'{V}/a0a0a0a0a0a0_ix.py': hotfix})
    assert found == ['migration-index-not-concurrent']


def test_a_folder_of_a_monorepo_sees_the_releases_through_its_prefix() -> None:
    changes = ChangeSet.from_texts(base={'svc/a.py': 'x = 1\n'},
                                   head={'svc/a.py': 'x = 2\n'},
                                   tags={'v1.0.0': {'svc/a.py': 'x = 1\n'}})
    [(name, snap)] = changes.subset('svc', ['svc/a.py']).tags()
    assert name == 'v1.0.0' and snap.exists('a.py') and not snap.exists('svc/a.py')


def test_a_branch_cannot_narrow_the_release_shape_to_make_a_table_young(tmp_path: Path) -> None:
    # audit_events shipped in v1.5.0; the hotfix branch edits the policy so that only the
    # older v1.4.0 counts as a release: the policy of the base side decides, not the branch's
    repo = _repo(tmp_path)
    repo.tag('v1.5.0')
    repo.checkout(BRANCH)
    repo.commit('only 1.4.0 is a release', files={
        'pyproject.toml': '[tool.hotfix-hooks.naming]\nrelease_tag_patterns = ["v1.4.0"]\n'})
    repo.checkout('main')
    assert _locking(repo, 'audit_events') == AUDIT_LOCKS
