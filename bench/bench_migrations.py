"""Benchmark: ``hotfix-hooks scan --only migrations`` as a whole process on 40 realistic
Alembic migrations (generated), against alembic-guard and ``python -c pass`` measured in
the same run (interleaved, medians).

The repository has 39 shipped migrations on main and a hotfix branch that adds the 40th;
``check_unchanged = true`` makes hotfix-hooks lint all 40 files (as alembic-guard does)
besides the whole revision graph and the history against main.

    python bench/bench_migrations.py [--runs 20]

hotfix-hooks runs with a warm analysis cache (the usual case: the shipped migrations were
analysed by an earlier run) and a cold one (its cache directory removed before each run,
untimed). alembic-guard and hotfix-hooks are installed (non-editable, as pre-commit installs
hook repositories) into a private venv under bench/.work/ on first use; nothing is committed.
Targets (issue 16): hotfix-hooks, warm cache, <= 1.0x alembic-guard; <= 0.30 s median on a
2-core machine.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
N_MIGRATIONS = 40


def ensure_env() -> Path:
    env_dir = HERE / '.work' / 'venv-migrations'
    pip = str(env_dir / 'bin' / 'pip')
    if not (env_dir / 'bin' / 'alembic-guard').exists():
        venv.create(env_dir, with_pip=True)
        subprocess.run([pip, 'install', '-q', 'alembic-guard'], check=True)
    subprocess.run([pip, 'install', '-q', '--force-reinstall', '--no-deps', str(ROOT)], check=True)
    subprocess.run([pip, 'install', '-q', str(ROOT)], check=True)
    return env_dir


# -- realistic migrations ---------------------------------------------------------------
HEADER = '''"""{title}

Revision ID: {rev}
Revises: {down}
Create Date: 2026-0{month}-1{day} 10:00:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '{rev}'
down_revision: Union[str, None] = {down_repr}
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None
'''

TEMPLATES = [
    ('create table t{i}', '''

def upgrade() -> None:
    op.create_table(
        't{i}',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('state', postgresql.ENUM('new', 'done', name='t{i}_state'), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_t{i}_owner_id'), 't{i}', ['owner_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_t{i}_owner_id'), table_name='t{i}')
    op.drop_table('t{i}')
    sa.Enum(name='t{i}_state').drop(op.get_bind(), checkfirst=False)
'''),
    ('add columns to users', '''
COLUMNS = ('nickname_{i}', 'locale_{i}')


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column('users', sa.Column(name, sa.String(length=64), nullable=True))
    with op.get_context().autocommit_block():
        op.create_index('ix_users_locale_{i}', 'users', ['locale_{i}'],
                        postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index('ix_users_locale_{i}', table_name='users', postgresql_concurrently=True)
    for name in reversed(COLUMNS):
        op.drop_column('users', name)
'''),
    ('touch trigger for t{j}', '''

def _touch(table: str) -> None:
    """Keep updated_at current."""
    op.execute(f"""
        CREATE OR REPLACE FUNCTION {{table}}_touch() RETURNS trigger AS $$
        BEGIN
            NEW.updated_at := now();
            RETURN NEW;
        END
        $$ LANGUAGE plpgsql;
    """)
    op.execute(f"CREATE TRIGGER {{table}}_touch BEFORE UPDATE ON {{table}} "
               f"FOR EACH ROW EXECUTE FUNCTION {{table}}_touch()")


def upgrade() -> None:
    op.add_column('t{j}', sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
    _touch('t{j}')


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS t{j}_touch ON t{j}")
    op.execute("DROP FUNCTION IF EXISTS t{j}_touch()")
    op.drop_column('t{j}', 'updated_at')
'''),
    ('backfill t{j}.name', '''

def upgrade() -> None:
    t = sa.table('t{j}', sa.column('name', sa.String), sa.column('state', sa.String))
    op.execute(t.update().where(t.c.name == '').values(name='unnamed'))


def downgrade() -> None:
    t = sa.table('t{j}', sa.column('name', sa.String))
    op.execute(t.update().where(t.c.name == 'unnamed').values(name=''))
'''),
    ('batch alter t{j}', '''

def upgrade() -> None:
    bind = op.get_bind()
    insp = sa.inspect(bind)
    cols = {{c['name'] for c in insp.get_columns('t{j}')}}
    with op.batch_alter_table('t{j}', schema=None) as batch_op:
        if 'note' not in cols:
            batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
        batch_op.alter_column('name', existing_type=sa.String(length=200),
                              type_=sa.String(length=255), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('t{j}', schema=None) as batch_op:
        batch_op.alter_column('name', existing_type=sa.String(length=255),
                              type_=sa.String(length=200), existing_nullable=False)
        batch_op.drop_column('note')
'''),
    ('seed flags {i}', '''
FLAGS = ('flag_{i}_a', 'flag_{i}_b', 'flag_{i}_c')


def upgrade() -> None:
    flags = sa.table('feature_flags', sa.column('name', sa.String), sa.column('on', sa.Boolean))
    op.bulk_insert(flags, [{{'name': n, 'on': False}} for n in FLAGS])


def downgrade() -> None:
    for name in FLAGS:
        op.execute(sa.text(f"DELETE FROM feature_flags WHERE name = '{{name}}'"))
'''),
    ('fk t{j} owner', '''

def upgrade() -> None:
    op.create_foreign_key('fk_t{j}_reviewer', 't{j}', 'users', ['owner_id'], ['id'],
                          postgresql_not_valid=True)
    op.execute('ALTER TABLE t{j} VALIDATE CONSTRAINT fk_t{j}_reviewer')


def downgrade() -> None:
    op.drop_constraint('fk_t{j}_reviewer', 't{j}', type_='foreignkey')
'''),
    ('partition events {i}', '''

def upgrade() -> None:
    op.execute("""
        CREATE TABLE IF NOT EXISTS events_{i} (
            id bigint NOT NULL,
            at timestamptz NOT NULL,
            payload jsonb
        ) PARTITION BY RANGE (at);
        CREATE TABLE events_{i}_2026 PARTITION OF events_{i}
            FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'level_{i}') THEN
                CREATE TYPE level_{i} AS ENUM ('info', 'warn');
            END IF;
        END $$;
    """)


def downgrade() -> None:
    op.execute('DROP TABLE events_{i}_2026')
    op.execute('DROP TABLE events_{i}')
    op.execute('DROP TYPE IF EXISTS level_{i}')
'''),
    ('tighten users.email', '''

def upgrade() -> None:
    op.execute("UPDATE users SET email = lower(email) WHERE email <> lower(email)")
    op.alter_column('users', 'email', existing_type=sa.String(length=200), nullable=False)


def downgrade() -> None:
    pass
'''),
    ('rename t{j}.note', '''

def upgrade() -> None:
    op.alter_column('t{j}', 'note', new_column_name='remark_{i}')


def downgrade() -> None:
    op.alter_column('t{j}', 'remark_{i}', new_column_name='note')
'''),
]


def write_migrations(root: Path) -> None:
    versions = root / 'alembic' / 'versions'
    versions.mkdir(parents=True)
    (root / 'alembic' / 'env.py').write_text('from alembic import context\n')
    down = None
    created = [0]
    for i in range(N_MIGRATIONS):
        rev = f'{i:04x}a1b2c3d4'
        title, body = TEMPLATES[i % len(TEMPLATES)]
        j = created[-1]
        if i % len(TEMPLATES) == 0:
            created.append(i)
        text = HEADER.format(title=title.format(i=i, j=j), rev=rev, down=down or '',
                             down_repr=repr(down), month=1 + i % 9, day=i % 10) \
            + body.format(i=i, j=j)
        (versions / f'{rev}_{title.format(i=i, j=j).replace(" ", "_").replace(".", "_")}.py') \
            .write_text(text)
        down = rev


def timeit(argv: list[str], cwd: str, env: dict[str, str], runs: int,
           cold: bool = False) -> list[float]:
    out = []
    for _ in range(runs):
        if cold:
            shutil.rmtree(os.path.join(cwd, '.git', 'hotfix-hooks', 'cache'), ignore_errors=True)
        t = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env=env, capture_output=True)
        out.append(time.perf_counter() - t)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument('--runs', type=int, default=20)
    args = parser.parse_args()
    env_dir = ensure_env()
    py = str(env_dir / 'bin' / 'python')
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, GIT_AUTHOR_NAME='b', GIT_AUTHOR_EMAIL='b@x',
                   GIT_COMMITTER_NAME='b', GIT_COMMITTER_EMAIL='b@x', NO_COLOR='1')
        env.pop('PYTHONDONTWRITEBYTECODE', None)
        env.pop('PYTHONPATH', None)
        git = ['git', '-c', 'commit.gpgsign=false']
        subprocess.run([*git, 'init', '-q', '-b', 'main'], cwd=tmp, env=env, check=True)
        Path(tmp, 'README.md').write_text('service\n')
        subprocess.run([*git, 'add', '-A'], cwd=tmp, env=env, check=True)
        subprocess.run([*git, 'commit', '-q', '-m', 'start'], cwd=tmp, env=env, check=True)
        write_migrations(Path(tmp))
        Path(tmp, 'pyproject.toml').write_text(
            '[tool.hotfix-hooks.migrations]\ncheck_unchanged = true\n')
        last = sorted(Path(tmp, 'alembic', 'versions').iterdir())[-1]
        newest = last.read_text()
        last.unlink()
        subprocess.run([*git, 'add', '-A'], cwd=tmp, env=env, check=True)
        subprocess.run([*git, 'commit', '-q', '-m', '39 shipped migrations'], cwd=tmp, env=env,
                       check=True)
        last.write_text(newest)
        subprocess.run([*git, 'checkout', '-q', '-b', 'hotfix/OPS-1-migrations'], cwd=tmp,
                       env=env, check=True)
        subprocess.run([*git, 'add', '-A'], cwd=tmp, env=env, check=True)
        subprocess.run([*git, 'commit', '-q', '-m', 'hotfix migration'], cwd=tmp, env=env,
                       check=True)
        ours = [str(env_dir / 'bin' / 'hotfix-hooks'), 'scan', '--only', 'migrations',
                '--from-ref', 'main', '--to-ref', 'HEAD', '--format', 'json']
        guard = [str(env_dir / 'bin' / 'alembic-guard'), '--format', 'json', 'alembic/versions']
        spine = [str(env_dir / 'bin' / 'hotfix-hooks'), 'scan', '--only', 'scope',
                 '--from-ref', 'main', '--to-ref', 'HEAD', '--format', 'json']
        cases = {'python -c pass': [py, '-c', 'pass'], 'alembic-guard': guard,
                 'hotfix-hooks scope (spine)': spine, 'hotfix-hooks migrations': ours,
                 'hotfix-hooks migrations cold': ours}
        found = {}
        for name, argv in cases.items():
            res = subprocess.run(argv, cwd=tmp, env=env, capture_output=True, text=True)
            found[name] = (res.returncode, res.stdout)
        samples: dict[str, list[float]] = {k: [] for k in cases}
        for _ in range(max(args.runs // 5, 1)):
            for name, argv in cases.items():
                samples[name] += timeit(argv, tmp, env, 5, cold=name.endswith('cold'))
    med = {k: statistics.median(v) for k, v in samples.items()}
    for k, v in med.items():
        print(f'{k:<26} median {v * 1000:7.1f} ms  (min {min(samples[k]) * 1000:.1f}, '
              f'n={len(samples[k])})')
    base = med['python -c pass']
    ours_m, guard_m = med['hotfix-hooks migrations'], med['alembic-guard']
    print(f'hotfix-hooks / python -c pass  = {ours_m / base:.2f}x')
    print(f'alembic-guard / python -c pass = {guard_m / base:.2f}x')
    print(f'hotfix-hooks / alembic-guard   = {ours_m / guard_m:.2f}x warm cache, '
          f'{med["hotfix-hooks migrations cold"] / guard_m:.2f}x cold  (target: warm <= 1.0x)')
    print(f'migration guard own cost (migrations - scope run) = '
          f'{(ours_m - med["hotfix-hooks scope (spine)"]) * 1000:.1f} ms')
    try:
        ours_findings = json.loads(found['hotfix-hooks migrations'][1])['findings']
        print(f'hotfix-hooks findings: {len(ours_findings)} (exit '
              f'{found["hotfix-hooks migrations"][0]}): '
              + ', '.join(sorted({f["rule"] for f in ours_findings})))
    except (ValueError, KeyError):
        print('hotfix-hooks output:', found['hotfix-hooks migrations'][1][:300])
    try:
        guard_findings = json.loads(found['alembic-guard'][1])
        guard_findings = guard_findings.get('findings', guard_findings) \
            if isinstance(guard_findings, dict) else guard_findings
        print(f'alembic-guard findings: {len(guard_findings)} (exit {found["alembic-guard"][0]}): '
              + ', '.join(sorted({f"{g.get('rule')} {g.get('name')}" for g in guard_findings})))
    except (ValueError, AttributeError):
        print('alembic-guard output:', found['alembic-guard'][1][:300])
    print(f'target: hotfix-hooks (warm) <= 1.0x alembic-guard: '
          f'{"PASS" if ours_m <= guard_m else "FAIL"}; median <= 300 ms: '
          f'{"PASS" if ours_m <= 0.3 else "FAIL"}')
    return 0 if ours_m <= 0.3 and ours_m <= guard_m else 1


if __name__ == '__main__':
    raise SystemExit(main())
