"""The migrations check skips its engine only when no changed file can be a migration
(``migrations.candidates.change_may_touch``), and never loses a finding by it: every case
here is also judged by the engine directly (``migrations_judge.judge``), and the skip happens
only where the engine finds nothing. Plus the same on real commits: a handler-only commit
does not import the engine; a migration hidden in an unusual folder is still judged."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.migrations import check
from hotfix_hooks.checks.migrations_judge import judge
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.migrations.candidates import change_may_touch
from hotfix_hooks.policy import from_mapping
from tests.support.gitrepo import GitRepo
from tests.support.migration_fixtures import alembic
from tests.support.migration_fixtures import BASE
from tests.support.migration_fixtures import V

SRC = Path(__file__).resolve().parents[2] / 'hooks'
HANDLER = 'app/api/orders.py'
HANDLER_TEXT = '''from fastapi import APIRouter

router = APIRouter(prefix="/orders")


@router.get("/{order_id}")
def get_order(order_id: int):
    return {"id": order_id, "status": "open"}
'''
DROP = alembic("op.drop_column('users', 'legacy_code')",
               "op.add_column('users', sa.Column('legacy_code', sa.Text()))")
RUN = RunInfo(hotfix=True, branch='hotfix/ARIS-1-x')


def _both(base: dict[str, str | bytes], head: dict[str, str | bytes],
          cfg: dict[str, object] | None = None,
          renames: dict[str, str] | None = None) -> tuple[bool, list[str], list[str]]:
    policy = from_mapping({'migrations': cfg or {}}, None)
    changes = ChangeSet.from_texts(base, head, renames=renames)
    touch = change_may_touch(changes, (cfg or {}).get('folders') or [])  # type: ignore[arg-type]
    skipped = [f.rule for f in check(changes, policy, RUN)]
    full = [f.rule for f in judge(ChangeSet.from_texts(base, head, renames=renames), policy,
                                  RUN)]
    return touch, skipped, full


def test_a_handler_only_change_skips_the_engine_and_the_engine_finds_nothing() -> None:
    base = {**BASE, HANDLER: HANDLER_TEXT}
    head = {**BASE, HANDLER: HANDLER_TEXT.replace('"open"', '"closed"')}
    touch, skipped, full = _both(base, head)
    assert (touch, skipped, full) == (False, [], [])


@pytest.mark.parametrize('case', [
    'added-in-versions', 'added-elsewhere-by-content', 'edited-shipped', 'deleted-shipped',
    'no-longer-reads-like-one', 'renamed-out-of-versions', 'alembic-ini', 'sql', 'nul-byte',
    'configured-folder'])
def test_a_change_that_can_touch_a_migration_runs_the_engine(case: str) -> None:
    shipped = f'{V}/b2c3d4e5f6a7_orders_created_at.py'
    base: dict[str, str | bytes] = {**BASE, HANDLER: HANDLER_TEXT}
    head: dict[str, str | bytes] = dict(base)
    cfg: dict[str, object] = {}
    renames = None
    if case == 'added-in-versions':
        head[f'{V}/c3d4e5f6a7b8_drop_legacy.py'] = DROP
    elif case == 'added-elsewhere-by-content':
        head['db/changes/c3d4e5f6a7b8_drop_legacy.py'] = DROP
    elif case == 'edited-shipped':
        head[shipped] = str(base[shipped]).replace("nullable=True", "nullable=False")
    elif case == 'deleted-shipped':
        del head[shipped]
    elif case == 'no-longer-reads-like-one':
        base['db/one_off.py'] = DROP
        head['db/one_off.py'] = 'print("nothing to see")\n'
    elif case == 'renamed-out-of-versions':
        del head[shipped]
        head['db/moved.py'] = str(base[shipped]) + '# moved\n'
        renames = {'db/moved.py': shipped}
    elif case == 'alembic-ini':
        base['alembic.ini'] = '[alembic]\nscript_location = alembic\n'
        head['alembic.ini'] = '[alembic]\nscript_location = db\n'
    elif case == 'sql':
        head['db/schema/001_init.up.sql'] = 'DROP TABLE users;\n'
    elif case == 'nul-byte':
        head[f'{V}/c3d4e5f6a7b8_x.py'] = b'\0\0\0'
    elif case == 'configured-folder':
        cfg = {'folders': ['db/steps']}
        head['db/steps/0003.py'] = b'\0binary'
    touch, skipped, full = _both(base, head, cfg, renames)
    assert touch, case
    assert skipped == full, case


def test_the_standing_conditions_always_run_the_engine() -> None:
    """``check_unchanged`` lists what untouched migrations already do: no skip then."""
    base = {**BASE, f'{V}/c3d4e5f6a7b8_drop_legacy.py': DROP, HANDLER: HANDLER_TEXT}
    head = {**base, HANDLER: HANDLER_TEXT + '\n# touched\n'}
    policy = from_mapping({'migrations': {'check_unchanged': True}}, None)
    rules = [f.rule for f in check(ChangeSet.from_texts(base, head), policy, RUN)]
    assert 'migration-drop-column' in rules


def _engine_loaded(repo: GitRepo) -> str:
    code = ('import sys\n'
            'from hotfix_hooks import cli\n'
            'rc = cli.main(["scan", "--only", "migrations", "--base", "main", "--no-cache"])\n'
            'print(rc, "hotfix_hooks.migrations.discover" in sys.modules)\n')
    res = subprocess.run([sys.executable, '-c', code], cwd=repo.path, capture_output=True,
                         text=True, env={**repo.env, 'PYTHONPATH': str(SRC)}, timeout=120)
    return res.stdout.strip().splitlines()[-1] if res.stdout.strip() else res.stderr


def test_real_commits_handler_only_does_not_load_the_engine(repo: GitRepo) -> None:
    repo.commit('base', {**BASE, HANDLER: HANDLER_TEXT})
    repo.checkout('hotfix/ARIS-1-orders', create=True)
    repo.commit('handler', {HANDLER: HANDLER_TEXT.replace('"open"', '"closed"')})
    assert _engine_loaded(repo) == '0 False'


def test_real_commits_a_migration_in_an_unusual_folder_is_still_judged(repo: GitRepo) -> None:
    """A branch cannot hide a destructive migration from the guard by placing it where no
    migrations folder is: its content makes it a candidate, so the engine runs."""
    repo.commit('base', {**BASE, HANDLER: HANDLER_TEXT})
    repo.checkout('hotfix/ARIS-1-orders', create=True)
    repo.commit('sneaky', {'db/changes/c3d4e5f6a7b8_drop_legacy.py': DROP})
    assert _engine_loaded(repo) == '1 True'
