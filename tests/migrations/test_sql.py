"""Migration guard on SQL migrations: golang-migrate, dbmate, Flyway and plain folders,
PostgreSQL via pglast (tricky statements must parse), other dialects via sqlglot."""
from __future__ import annotations

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.migrations import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.findings import Finding
from hotfix_hooks.policy import from_mapping

GM = 'db/migrations'
GM_BASE = {
    f'{GM}/000001_init.up.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, '
                                'status text NOT NULL DEFAULT \'active\', legacy text);\n',
    f'{GM}/000001_init.down.sql': 'DROP TABLE users;\n',
    f'{GM}/000002_orders.up.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, '
                                  'total numeric(12,2));\n',
    f'{GM}/000002_orders.down.sql': 'DROP TABLE orders;\n',
}


def run(head: dict[str, str], base: dict[str, str] | None = None, policy: dict | None = None,
        hotfix: bool = True) -> list[Finding]:
    base = dict(GM_BASE if base is None else base)
    changes = ChangeSet.from_texts(base=base, head={**base, **head})
    return check(changes, from_mapping(policy or {}, None), RunInfo(hotfix=hotfix))


def by_rule(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def rules(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings}


# -- golang-migrate ----------------------------------------------------------------------
def test_golang_migrate_pair_is_clean_and_missing_down_is_reported() -> None:
    up = ('-- add the tier column\n'
          'ALTER TABLE users ADD COLUMN tier text;\n')
    ok = run({f'{GM}/000003_tier.up.sql': up,
              f'{GM}/000003_tier.down.sql': 'ALTER TABLE users DROP COLUMN tier;\n'})
    assert ok == []
    [f] = by_rule(run({f'{GM}/000003_tier.up.sql': up}), 'migration-downgrade-missing')
    assert f.path == f'{GM}/000003_tier.up.sql' and '.down.sql' in f.message


def test_golang_migrate_empty_down_is_noop() -> None:
    found = run({f'{GM}/000003_tier.up.sql': 'ALTER TABLE users ADD COLUMN tier text;\n',
                 f'{GM}/000003_tier.down.sql': '-- nothing to do\n'})
    [f] = by_rule(found, 'migration-downgrade-noop')
    assert f.extra['file'] == f'{GM}/000003_tier.down.sql'
    select = run({f'{GM}/000003_tier.up.sql': 'ALTER TABLE users ADD COLUMN tier text;\n',
                  f'{GM}/000003_tier.down.sql': 'SELECT 1;\n'})
    assert by_rule(select, 'migration-downgrade-noop')


def test_enum_value_additions_need_no_downgrade() -> None:
    up = ("ALTER TYPE order_state ADD VALUE IF NOT EXISTS 'refunded';\n"
          "SET lock_timeout = '2s';\n")
    assert run({f'{GM}/000003_enum.up.sql': up,
                f'{GM}/000003_enum.down.sql': '-- PostgreSQL cannot drop enum values\n'}) == []


def test_sql_down_overreach_and_incomplete_point_at_the_down_file() -> None:
    found = run({f'{GM}/000003_tier.up.sql': 'ALTER TABLE users ADD COLUMN tier text;\n'
                                             'CREATE INDEX CONCURRENTLY ix_users_tier ON users '
                                             '(tier);\n',
                 f'{GM}/000003_tier.down.sql': 'ALTER TABLE users DROP COLUMN tier;\n'
                                               'DROP TABLE orders;\n'})
    [over] = by_rule(found, 'migration-downgrade-overreach')
    assert over.path == f'{GM}/000003_tier.down.sql' and over.line == 2
    assert '000002' in over.message
    # dropping users.tier drops the index on it too: nothing left to undo
    assert not by_rule(found, 'migration-downgrade-incomplete')
    # two statements in one file run in one transaction: CONCURRENTLY fails
    assert by_rule(found, 'migration-concurrently-in-transaction')
    found = run({f'{GM}/000003_tier.up.sql': 'ALTER TABLE users ADD COLUMN tier text;\n'
                                             'CREATE INDEX ix_users_name ON users (name);\n',
                 f'{GM}/000003_tier.down.sql': 'ALTER TABLE users DROP COLUMN tier;\n'})
    [inc] = by_rule(found, 'migration-downgrade-incomplete')
    assert 'ix_users_name' in inc.message and inc.line == 2


def test_sql_line_numbers_and_destructive_statements() -> None:
    up = ('BEGIN;\n'
          '\n'
          'UPDATE users SET status = \'active\';\n'
          'DELETE FROM orders;\n'
          'TRUNCATE users CASCADE;\n'
          'ALTER TABLE users DROP COLUMN legacy;\n'
          'DROP TYPE IF EXISTS mood;\n'
          'COMMIT;\n')
    found = run({f'{GM}/000003_cleanup.up.sql': up,
                 f'{GM}/000003_cleanup.down.sql': 'ALTER TABLE users ADD COLUMN legacy text;\n'})
    lines: dict[str, int | None] = {}
    for f in found:
        lines.setdefault(f.rule, f.line)
    assert lines['migration-update-without-where'] == 3
    assert lines['migration-delete-without-where'] == 4
    assert lines['migration-truncate'] == 5
    assert lines['migration-drop-column'] == 6
    assert lines['migration-drop-object'] == 7
    assert lines['migration-data-change-irreversible'] == 3


def test_sql_suppression_with_double_dash() -> None:
    up = ('-- hotfix-hooks: ignore[migration-update-without-where] reason="single-row table"\n'
          'UPDATE users SET status = \'active\';\n')
    found = run({f'{GM}/000003_fix.up.sql': up,
                 f'{GM}/000003_fix.down.sql': 'UPDATE users SET status = \'blocked\';\n'})
    [f] = by_rule(found, 'migration-update-without-where')
    assert f.waived and f.waiver == {'reason': 'single-row table', 'line': 1}
    assert not by_rule(found, 'migration-suppression-unused')


# -- dbmate ------------------------------------------------------------------------------
DBMATE = '''-- migrate:up{opts}
CREATE INDEX CONCURRENTLY ix_users_email ON users (email);

-- migrate:down{opts}
DROP INDEX CONCURRENTLY ix_users_email;
'''


def test_dbmate_sections_and_transactions() -> None:
    path = f'{GM}/20260110093000_users_email_index.sql'
    ok = run({path: DBMATE.format(opts=' transaction:false')})
    assert ok == []
    bad = run({path: DBMATE.format(opts='')})
    [f] = by_rule(bad, 'migration-concurrently-in-transaction')
    assert f.line == 2
    missing = run({path: '-- migrate:up\nALTER TABLE users ADD COLUMN tier text;\n'})
    [m] = by_rule(missing, 'migration-downgrade-missing')
    assert '-- migrate:down' in m.message


# -- Flyway ------------------------------------------------------------------------------
FW_BASE = {'src/main/resources/db/migration/V1__init.sql':
           'CREATE TABLE users (id bigint PRIMARY KEY, name varchar(200));\n',
           'src/main/resources/db/migration/U1__init.sql': 'DROP TABLE users;\n'}


def test_flyway_versioned_and_undo() -> None:
    d = 'src/main/resources/db/migration'
    up = 'ALTER TABLE users RENAME COLUMN name TO full_name;\n'
    found = run({f'{d}/V2__rename.sql': up}, base=FW_BASE)
    assert rules(found) == {'migration-rename-column', 'migration-downgrade-missing'}
    ok = run({f'{d}/V2__rename.sql': up,
              f'{d}/U2__rename.sql': 'ALTER TABLE users RENAME COLUMN full_name TO name;\n'},
             base=FW_BASE)
    assert rules(ok) == {'migration-rename-column'}
    below = run({f'{d}/V1_5__late.sql': 'CREATE TABLE late (id int);\n',
                 f'{d}/U1_5__late.sql': 'DROP TABLE late;\n',
                 f'{d}/V2__next.sql': 'CREATE TABLE nxt (id int);\n',
                 f'{d}/U2__next.sql': 'DROP TABLE nxt;\n'},
                base={**FW_BASE, f'{d}/V3__x.sql': 'SELECT 1;\n', f'{d}/U3__x.sql': 'SELECT 1;\n'})
    assert sorted(f.path.rsplit('/', 1)[1] for f in
                  by_rule(below, 'migration-inserted-below-head')) == ['V1_5__late.sql',
                                                                       'V2__next.sql']


# -- plain folders ------------------------------------------------------------------------
def test_plain_sql_folder() -> None:
    base = {'migrations/001_init.sql': 'CREATE TABLE users (id int, status text);\n'}
    found = run({'migrations/002_cleanup.sql': "DELETE FROM users;\n"}, base=base)
    assert rules(found) == {'migration-delete-without-where'}
    ok = run({'migrations/002_cleanup.sql': "DELETE FROM users WHERE status = 'spam';\n"},
             base=base)
    assert ok == []
    # a .sql file outside any migrations folder is not a migration
    assert run({'reports/monthly.sql': 'DELETE FROM users;\n'}, base=base) == []


# -- PostgreSQL corpus: no false "unanalysable" ---------------------------------------------
TRICKY = r'''
CREATE TYPE order_state AS ENUM ('new', 'paid');
ALTER TYPE order_state ADD VALUE IF NOT EXISTS 'refunded' AFTER 'paid';
ALTER TYPE order_state RENAME VALUE 'new' TO 'created';

CREATE OR REPLACE FUNCTION orders_audit() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    v_old jsonb := to_jsonb(OLD);
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.total <> OLD.total THEN
        INSERT INTO order_audit (order_id, before, after) VALUES (NEW.id, v_old, to_jsonb(NEW));
    END IF;
    RETURN NEW;
END;
$fn$;

CREATE TRIGGER orders_audit AFTER INSERT OR UPDATE OF total ON orders
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION orders_audit();

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'reporting') THEN
        CREATE ROLE reporting NOLOGIN;
    END IF;
END
$$;

CREATE TABLE events (id bigint, at timestamptz NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE events_2027 (LIKE events INCLUDING ALL);
ALTER TABLE events ATTACH PARTITION events_2027 FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY orders_owner ON orders USING (user_id = current_setting('app.user_id')::bigint);
COMMENT ON TABLE orders IS 'customer orders; see ADR-12';
SET lock_timeout = '2s';
GRANT SELECT ON orders TO reporting;
'''

TRICKY_DOWN = r'''
REVOKE SELECT ON orders FROM reporting;
DROP POLICY orders_owner ON orders;
ALTER TABLE orders DISABLE ROW LEVEL SECURITY;
ALTER TABLE orders DROP CONSTRAINT orders_total_positive;
DROP TABLE events_2027;
DROP TABLE events_2026;
DROP TABLE events;
DROP TRIGGER orders_audit ON orders;
DROP FUNCTION orders_audit();
DROP TYPE order_state;
'''


def test_plpgsql_do_blocks_enums_partitions_parse() -> None:
    found = run({f'{GM}/000003_tricky.up.sql': TRICKY,
                 f'{GM}/000003_tricky.down.sql': TRICKY_DOWN})
    assert not by_rule(found, 'migration-sql-unanalysable')
    # the trigger's "UPDATE OF total" and the INSERT inside the function body are not DML
    assert not by_rule(found, 'migration-data-change-irreversible')
    assert not by_rule(found, 'migration-downgrade-incomplete')
    assert not by_rule(found, 'migration-downgrade-overreach')


def test_detach_partition_concurrency() -> None:
    bad = run({f'{GM}/000003_detach.up.sql': 'ALTER TABLE events DETACH PARTITION events_2025;\n',
               f'{GM}/000003_detach.down.sql': 'SELECT 1;\n'})
    assert by_rule(bad, 'migration-blocking-command')
    ok = run({f'{GM}/000003_detach.up.sql':
              'ALTER TABLE events DETACH PARTITION events_2025 CONCURRENTLY;\n',
              f'{GM}/000003_detach.down.sql': 'SELECT 1;\n'})
    assert not rules(ok) & {'migration-blocking-command', 'migration-concurrently-in-transaction'}


def test_unparsable_sql_is_a_finding_with_its_line() -> None:
    found = run({f'{GM}/000003_bad.up.sql': 'ALTER TABLE users ADD COLUMN tier text;\n'
                                            'ALTER TABLE users ALTER COLUMN SET NOT NULL;\n',
                 f'{GM}/000003_bad.down.sql': 'ALTER TABLE users DROP COLUMN tier;\n'})
    [f] = by_rule(found, 'migration-sql-unanalysable')
    assert f.line == 2 and 'does not parse' in f.message


# -- other dialects via sqlglot -------------------------------------------------------------
def test_mysql_dialect_via_sqlglot() -> None:
    up = ('ALTER TABLE users MODIFY name VARCHAR(50);\n'
          'ALTER TABLE users RENAME COLUMN email TO mail;\n'
          'RENAME TABLE orders TO purchases;\n')
    found = run({'db/migrations/000003_mysql.up.sql': up,
                 'db/migrations/000003_mysql.down.sql':
                     'RENAME TABLE purchases TO orders;\n'
                     'ALTER TABLE users RENAME COLUMN mail TO email;\n'
                     'ALTER TABLE users MODIFY name VARCHAR(200);\n'},
                policy={'migrations': {'dialect': 'mysql'}})
    assert {'migration-column-type-changed', 'migration-rename-column',
            'migration-rename-table'} <= rules(found)
    assert not by_rule(found, 'migration-sql-unanalysable')
    assert not by_rule(found, 'migration-index-not-concurrent')   # PostgreSQL-only rules


def test_flyway_repeatable_migrations_may_change() -> None:
    d = 'src/main/resources/db/migration'
    base = {**FW_BASE, f'{d}/R__views.sql': 'CREATE OR REPLACE VIEW v AS SELECT 1;\n'}
    found = run({f'{d}/R__views.sql': 'DROP VIEW v;\nCREATE VIEW v AS SELECT 2;\n'}, base=base)
    assert found == []
    edited = run({f'{d}/V1__init.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);\n'},
                 base=base)
    assert [f.rule for f in edited] == ['migration-history-edited']


def test_constraint_on_new_sql_column_is_compatible() -> None:
    up = ('ALTER TABLE orders ADD COLUMN coupon_id bigint;\n'
          'ALTER TABLE orders ADD CONSTRAINT fk_coupon FOREIGN KEY (coupon_id) '
          'REFERENCES users (id) NOT VALID;\n')
    down = ('ALTER TABLE orders DROP CONSTRAINT fk_coupon;\n'
            'ALTER TABLE orders DROP COLUMN coupon_id;\n')
    assert run({f'{GM}/000003_coupon.up.sql': up, f'{GM}/000003_coupon.down.sql': down}) == []
    old = up.replace('(coupon_id)', '(user_id)')
    found = run({f'{GM}/000003_coupon.up.sql': old, f'{GM}/000003_coupon.down.sql': down})
    assert by_rule(found, 'migration-new-constraint-on-existing-table')
