"""The rule catalogue of the migration guard: every rule id with its family, its severity on
a hotfix branch, what it reports, why it matters, how to fix it and a bad and a good
example. Pure data; ``hotfix_hooks.catalog`` collects it with the other concerns' rules
(``docs/rules.md`` is generated from it). ``checks/migrations.py`` reads the family and
severity of each finding here; off hotfix branches every rule is one level lower."""
from __future__ import annotations

from hotfix_hooks.rule import Rule
from hotfix_hooks.rule import table

IRREVERSIBLE, DESTRUCTIVE, INCOMPATIBLE, LOCKING, HISTORY, META = (
    'irreversible', 'destructive', 'incompatible', 'locking', 'history', 'meta')

_NOTE = 'one level lower off hotfix branches (unless enforce_on = "all")'

_WHY = {
    IRREVERSIBLE: 'The protocol requires a tested rollback path: if the deploy goes wrong, '
                  'the database must go back with the code. ',
    DESTRUCTIVE: 'Data is gone the moment the migration runs, and the code still running '
                 'during the deploy (and the rollback) reads it. ',
    INCOMPATIBLE: 'During a deploy old and new code run against the same schema, and a '
                  'rollback runs the old code on the new schema: the change must be '
                  'backward compatible. ',
    LOCKING: 'Locks taken on a live table stall every query behind them: an outage during '
             'the deploy. A table the change creates, or one created by a revision no '
             'release tag holds yet, cannot be large in production: the rules about an '
             'existing table skip it. ',
    HISTORY: 'The migration history must be one line from the shipped revisions; otherwise '
             'the upgrade or the rollback fails in production. ',
    META: '',
}


def _m(id: str, family: str, severity: str, bad: str, fix: str, *, summary: str, why: str,
       good: str) -> Rule:
    return Rule(id, 'migrations', severity, summary=summary, why=_WHY[family] + why, fix=fix,
                bad=bad, good=good, family=family, severity_note=_NOTE)


RULES: dict[str, Rule] = table(
    _m('migration-downgrade-missing', IRREVERSIBLE, 'error',
       'an Alembic file without downgrade(); a .up.sql without .down.sql',
       'write the downgrade that undoes upgrade()',
       summary='A migration has no downgrade.',
       why='Without one the schema cannot be rolled back.',
       good='def downgrade(): op.drop_column("users", "email")'),
    _m('migration-downgrade-noop', IRREVERSIBLE, 'error',
       'def downgrade(): pass',
       'undo every operation of upgrade() in downgrade()',
       summary='The downgrade does nothing.',
       why='A rollback reports success while the schema stays upgraded. A warning when the '
           'upgrade only maps values (UPDATE t SET c = W WHERE c = V: rows chosen by the '
           "column's own value, one new value): what stays is a value spelt the new way.",
       good='def downgrade(): op.drop_index("ix_users_email")'),
    _m('migration-downgrade-raises', IRREVERSIBLE, 'error',
       'def downgrade(): raise NotImplementedError',
       'write a real downgrade (restore data from a backup table if needed)',
       summary='The downgrade raises instead of undoing the upgrade.',
       why='The rollback fails at the worst moment. A helper called with literals is walked '
           'on the branch those literals take: a raise no call reaches is not reported.',
       good='def downgrade(): op.drop_table("order_notes")'),
    _m('migration-downgrade-incomplete', IRREVERSIBLE, 'error',
       'upgrade adds users.email, downgrade does not drop it',
       'add the inverse of each listed operation to downgrade()',
       summary='The downgrade does not undo every operation of the upgrade, or cannot run '
               '(drop_constraint(None, ...)).',
       why='After a rollback the schema is neither the old nor the new one; a constraint '
           'dropped by the name None (autogenerate\'s placeholder) makes the rollback fail.',
       good='downgrade drops users.email that upgrade added'),
    _m('migration-downgrade-overreach', IRREVERSIBLE, 'error',
       'downgrade drops table orders, created by an earlier revision',
       'only undo what this migration did',
       summary='The downgrade undoes objects an earlier migration created.',
       why='Rolling back this revision destroys data the previous release needs: a table or '
           'column it drops, or a column it narrows (Float -> INTEGER) that the upgrade never '
           "changed (autogenerate's drift between the model and the database).",
       good='downgrade drops only the column this revision added'),
    _m('migration-downgrade-drops-earlier-object', IRREVERSIBLE, 'error',
       "upgrade: if 'ix_users_email' not in existing: op.create_index(...); downgrade: "
       "op.drop_index('ix_users_email'), the index created by an earlier revision",
       'drop it in the downgrade only if this migration created it (record that in the '
       'upgrade), or leave it: the earlier revision\'s downgrade owns it',
       summary='The downgrade drops a column, index or constraint that the upgrade creates '
               'only if missing and an earlier revision created.',
       why='On databases where the earlier revision created the object, the upgrade did '
           'nothing and a one-step rollback destroys an object (and its data) this migration '
           'never owned.',
       good='the downgrade leaves objects the upgrade did not create'),
    _m('migration-data-change-irreversible', IRREVERSIBLE, 'error',
       "op.execute('UPDATE users SET ...') with no compensating DML in downgrade",
       'save the old values (backup column/table) and restore them in downgrade()',
       summary='Data is changed with no way back in the downgrade.',
       why='The schema can be rolled back, the data cannot. A warning for a value mapping '
           "(UPDATE t SET c = W WHERE c = V, the rows chosen by the column's own value only, "
           'W one value): the old code must read W as it read V, a reviewer checks that.',
       good="UPDATE ... after copying the old values to users_backup; downgrade restores "
            "them"),
    _m('migration-runpython-irreversible', IRREVERSIBLE, 'error',
       'migrations.RunPython(forwards) or reverse_code=RunPython.noop',
       'pass a reverse_code that restores the data',
       summary='A Django RunPython has no real reverse_code.',
       why='migrate back to the previous migration fails or leaves the data changed. With '
           'RunPython.noop over a value mapping only (filter(f=V).update(f=W): a time-zone '
           'alias, "" to None, a clamp) it is a warning: the rollback runs and the old code '
           'must read W as it read V.',
       good='migrations.RunPython(forwards, reverse_code=backwards)'),
    _m('migration-runsql-irreversible', IRREVERSIBLE, 'error',
       "migrations.RunSQL('UPDATE ...') without reverse_sql",
       'pass a reverse_sql that undoes the SQL',
       summary='A Django RunSQL has no reverse_sql.',
       why='migrate back fails on it.',
       good="migrations.RunSQL('UPDATE ...', reverse_sql='UPDATE ...')"),
    _m('migration-drop-table', DESTRUCTIVE, 'error',
       "op.drop_table('orders') / DROP TABLE orders / DeleteModel",
       'stop using the table first; drop it in a later, non-hotfix release',
       summary='A table is dropped.',
       why='Its rows cannot be restored by a downgrade.',
       good='the table kept; the code stops using it; the drop ships later'),
    _m('migration-drop-column', DESTRUCTIVE, 'error',
       "batch_op.drop_column('legacy') / RemoveField",
       'stop reading/writing the column first; drop it in a later release',
       summary='A column is dropped.',
       why='Old code still selects it and fails; its values are gone. A warning when the '
           'running code\'s model of the table (base side, complete) does not map the column: '
           'nothing that runs reads it, but the data is still gone.',
       good='the column kept (nullable) until a later release drops it'),
    _m('migration-truncate', DESTRUCTIVE, 'error',
       'TRUNCATE audit_log CASCADE',
       'delete only the rows you mean to, with a backup',
       summary='A table is truncated.',
       why='Every row is gone (CASCADE: in other tables too).',
       good="DELETE FROM audit_log WHERE created_at < '2025-01-01' after a backup"),
    _m('migration-delete-without-where', DESTRUCTIVE, 'error',
       'DELETE FROM sessions',
       'add a WHERE clause (and keep a backup for the downgrade)',
       summary='DELETE without a WHERE clause.',
       why='Every row of the table is deleted.',
       good="DELETE FROM sessions WHERE expires_at < now()"),
    _m('migration-update-without-where', DESTRUCTIVE, 'error',
       "UPDATE users SET status = 'active'",
       'add a WHERE clause; keep the old values for the downgrade',
       summary='UPDATE without a WHERE clause.',
       why='Every row is overwritten and the old values are lost.',
       good="UPDATE users SET status = 'active' WHERE status IS NULL"),
    _m('migration-drop-object', DESTRUCTIVE, 'error',
       'DROP TYPE mood / DROP FUNCTION f() / DROP EXTENSION x',
       'keep the object until nothing uses it; drop it in a later release',
       summary='A database object (type, function, view, extension, ...) is dropped.',
       why='Code and other objects that use it fail.',
       good='the object kept until nothing uses it'),
    _m('migration-type-change-lossy', DESTRUCTIVE, 'error',
       "alter_column('users', 'name', type_=sa.String(50), existing_type=sa.String(200))",
       'widen instead, or add a new column and migrate the data',
       summary='A column type change can lose data (narrowing, truncation).',
       why='Values that do not fit are truncated or make the migration fail half-way.',
       good="alter_column('users', 'name', type_=sa.String(400), "
            "existing_type=sa.String(200))"),
    _m('migration-rename-column', INCOMPATIBLE, 'error',
       "alter_column('users', 'name', new_column_name='full_name')",
       'add the new column, write both, backfill, switch reads, drop later (expand/contract)',
       summary='A column is renamed.',
       why='Running code still uses the old name and fails.',
       good="add_column('users', sa.Column('full_name', ...)) and a backfill; drop name "
            "later"),
    _m('migration-rename-table', INCOMPATIBLE, 'error',
       "op.rename_table('user', 'account')",
       'create the new table or a view with the old name; switch code first',
       summary='A table is renamed.',
       why='Running code still uses the old name and fails.',
       good='a view named user over account while the code switches'),
    _m('migration-column-type-changed', INCOMPATIBLE, 'error',
       "alter_column('orders', 'total', type_=sa.Numeric(12, 2))",
       'add a new column with the new type and migrate in steps',
       summary='A column changes to an incompatible type.',
       why='Running code reads and writes the old type.',
       good="add_column('orders', sa.Column('total_v2', sa.Numeric(12, 2)))"),
    _m('migration-not-null-column-without-default', INCOMPATIBLE, 'error',
       "add_column('users', sa.Column('tier', sa.String(), nullable=False))",
       'add it nullable or with a server_default',
       summary='A NOT NULL column is added without a server default (or added, filled and '
               'set NOT NULL with no default left).',
       why='The migration fails on existing rows, and running code that does not set the '
           'column fails its inserts. When the running code\'s model (base side) maps the '
           'column, its inserts set it: the finding is info, not an error.',
       good="add_column('users', sa.Column('tier', sa.String(), nullable=True))"),
    _m('migration-not-null-default-dropped', INCOMPATIBLE, 'error',
       "alter_column('users', 'tier', server_default=None) on a NOT NULL column",
       'keep the server default until every writer sets the column',
       summary='The server default of a NOT NULL column is dropped.',
       why='Running code that does not set the column now fails its inserts. An error only '
           'when a model of the running code (base side) maps the table but not the column; '
           'info when it maps the column (the backfill idiom add_column(nullable=False, '
           'server_default=X) then alter_column(server_default=None)) or no model maps the '
           'table.',
       good='the server default kept, or the running code\'s model already sets the column'),
    _m('migration-drop-not-null', INCOMPATIBLE, 'warning',
       "alter_column('users', 'email', nullable=True)",
       'make sure every reader handles NULL; fill the NULLs in the downgrade before SET NOT '
       'NULL',
       summary='A NOT NULL constraint is dropped.',
       why='Code that assumes a value crashes on the first NULL. An error when the new '
           'code\'s model maps the column nullable without a default (it writes NULL) and the '
           'downgrade sets NOT NULL again: the rollback then fails.',
       good='the downgrade fills the NULLs (UPDATE ... WHERE col IS NULL) before SET NOT '
            'NULL'),
    _m('migration-new-constraint-on-existing-table', INCOMPATIBLE, 'error',
       "op.create_unique_constraint('uq_email', 'users', ['email'])",
       'clean the data first; add the constraint NOT VALID / after the code writes valid rows',
       summary='A new constraint on an existing table.',
       why='It fails on existing rows that violate it, or rejects writes running code '
           'still makes. Not reported when neither can violate it: created only if missing, '
           'dropped again, the same constraint re-created, implied by a stronger unique dropped '
           'in the same migration, containing the primary key, over columns the migration adds, '
           'or on a table created in the same change.',
       good='duplicates cleaned first; the constraint added NOT VALID, validated later'),
    _m('migration-index-not-concurrent', LOCKING, 'warning',
       "op.create_index('ix_users_email', 'users', ['email'])",
       'postgresql_concurrently=True inside op.get_context().autocommit_block()',
       summary='An index is built without CONCURRENTLY (PostgreSQL).',
       why='CREATE INDEX blocks writes to the table until it is built.',
       good="with op.get_context().autocommit_block(): op.create_index(..., "
            "postgresql_concurrently=True)"),
    _m('migration-drop-index-not-concurrent', LOCKING, 'warning',
       "op.drop_index('ix_users_email')",
       'postgresql_concurrently=True inside autocommit_block()',
       summary='An index is dropped without CONCURRENTLY (PostgreSQL).',
       why='DROP INDEX takes an exclusive lock on the table.',
       good="op.drop_index('ix_users_email', postgresql_concurrently=True) in "
            "autocommit_block()"),
    _m('migration-concurrently-in-transaction', LOCKING, 'warning',
       'CREATE INDEX CONCURRENTLY outside autocommit_block()',
       'run it in op.get_context().autocommit_block() (Django: atomic = False)',
       summary='CONCURRENTLY runs inside a transaction.',
       why='PostgreSQL refuses it there: the migration fails during the deploy.',
       good='the CONCURRENTLY statement inside autocommit_block()'),
    _m('migration-constraint-without-not-valid', LOCKING, 'warning',
       'op.create_foreign_key(...) without postgresql_not_valid=True',
       'add it NOT VALID, then VALIDATE CONSTRAINT in a separate migration',
       summary='A constraint is added and validated in one step.',
       why='Validating scans the whole table under a lock.',
       good='ADD CONSTRAINT ... NOT VALID; VALIDATE CONSTRAINT in the next migration'),
    _m('migration-constraint-builds-index', LOCKING, 'warning',
       'ALTER TABLE users ADD CONSTRAINT uq UNIQUE (email)',
       'CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX',
       summary='A UNIQUE or PRIMARY KEY constraint builds its index under a lock.',
       why='Writes to the table block while the index is built.',
       good='CREATE UNIQUE INDEX CONCURRENTLY uq ON users (email); ADD CONSTRAINT uq UNIQUE '
            'USING INDEX uq'),
    _m('migration-set-not-null', LOCKING, 'warning',
       "alter_column('users', 'email', nullable=False)",
       'add CHECK (col IS NOT NULL) NOT VALID, validate it, then SET NOT NULL',
       summary='SET NOT NULL on an existing column.',
       why='It scans the whole table under an exclusive lock.',
       good='CHECK (email IS NOT NULL) NOT VALID, VALIDATE, then SET NOT NULL'),
    _m('migration-table-rewrite', LOCKING, 'warning',
       'ALTER COLUMN id TYPE bigint / ADD COLUMN ... DEFAULT random()',
       'add a new column and backfill in batches',
       summary='The statement rewrites the whole table.',
       why='The rewrite holds an exclusive lock for as long as it takes.',
       good='a new column, backfilled in batches outside the migration'),
    _m('migration-blocking-command', LOCKING, 'warning',
       'VACUUM FULL / CLUSTER / REINDEX / DETACH PARTITION',
       'use the CONCURRENTLY form or run it outside the deploy',
       summary='A maintenance command that blocks the table.',
       why='It locks the table for its whole run.',
       good='REINDEX INDEX CONCURRENTLY ix_users_email, outside the deploy'),
    _m('migration-backfill-with-ddl', LOCKING, 'warning',
       'ALTER TABLE ... and UPDATE ... in one migration',
       'move the backfill to its own migration (or batch it outside a transaction)',
       summary='A data backfill runs in the same transaction as, and after, schema changes.',
       why='The DDL locks (ACCESS EXCLUSIVE) are held for the whole backfill, blocking every '
           'reader and writer. DML before the first DDL is not reported: its row locks are '
           'held through the DDL too, but an ACCESS EXCLUSIVE DDL blocks the table for that '
           'time anyway (reported by its own rule: set-not-null, constraint-builds-index, '
           '...), and how many rows the DML changes (a safety-net UPDATE after an '
           'out-of-band backfill changes none) cannot be told from the code.',
       good='the UPDATE in its own migration, in batches'),
    _m('migration-history-edited', HISTORY, 'error',
       'upgrade() of a shipped revision changed',
       'revert the edit; put the change in a new migration',
       summary='A migration that already shipped is edited, deleted or renamed.',
       why='Databases that ran it never see the edit; the schema diverges between '
           'environments. A warning when two shipped migrations are both emptied of '
           'operations that cancel each other (an index built, then dropped): only a '
           'database between the two keeps the object. A warning when the edit only makes '
           'column types wider (CharField(2048) -> TextField, String(50) -> Text, Integer '
           '-> BigInteger), nothing else changed: databases that ran it keep the narrower '
           'type, which holds every value they have, but still reject one beyond its limit. '
           'A warning when only the data step changed: its operations are the same but the '
           'queries its Python code runs to choose or write rows are not (a filter added, '
           'TruncDate replaced by localtime().date()): databases that applied it keep what '
           'the old version wrote. A warning when a shipped migration is deleted and folded '
           'into the shipped migration that depended on it (same operations and queries, now '
           'on the deleted one\'s parents): only a database that applied the deleted one but '
           'not the other runs its operations again.',
       good='the shipped file unchanged; a new revision makes the change'),
    _m('migration-history-code-changed', HISTORY, 'info',
       'a RunPython function / upgrade() helper of a shipped migration edited, its '
       'operations unchanged',
       'review the edit; if it changes the data the migration writes, revert it and put the '
       'change in a new migration',
       summary='Python code of a shipped migration changed while its operations did not.',
       why='Databases that ran it never see the edit. Reported when its queries (the '
           'filter / annotate / update / execute ... calls that choose and write rows, '
           'local variables renamed alike, loading options left out) are unchanged: a '
           'refactor, logging, a guard. When they changed it is migration-history-edited '
           '(warning), unless the data step was only rewritten from one way of writing '
           'rows to another with the same effect (Alembic: ORM attribute writes on objects '
           'loaded by select(Model) / session.query(Model), bulk_update_mappings, Core '
           'update(table), text SQL UPDATE / DELETE / INSERT: the same tables read and '
           'written, the same columns, the same conditions and literal values; model tables '
           'read from the code the migration imports), also when a column it fills moved '
           'from "added nullable, SET NOT NULL after the fill" to the backfill idiom with a '
           'temporary default and the same end state. Formatting, imports, annotations, '
           'docstrings and pass are not reported at all.',
       good='the shipped file unchanged, or changed only in formatting'),
    _m('migration-history-squashed', HISTORY, 'info',
       'a new root (or Django replaces=[...]) squashing shipped migrations',
       'make sure every database to upgrade is at the squashed head first',
       summary='Shipped migrations are squashed into a new root.',
       why='Existing databases at the squashed head never run the squash; a database at an '
           'older shipped revision can no longer be upgraded once the old files are gone.',
       good='squash only revisions every environment has passed'),
    _m('migration-inserted-below-head', HISTORY, 'error',
       'new revision with down_revision = an older revision',
       'set down_revision to the current head',
       summary='A new revision is inserted below the current head.',
       why='Databases already at the head never run it.',
       good='down_revision = the current head'),
    _m('migration-multiple-heads', HISTORY, 'error',
       'two revisions with the same down_revision',
       'alembic merge heads, or rebase the new revision onto the head',
       summary='The revision graph has more than one head.',
       why='alembic upgrade head fails with "multiple heads".',
       good='one head (a merge revision, or the new revision on top of the head)'),
    _m('migration-multiple-roots', HISTORY, 'error',
       'two revisions with down_revision = None',
       'chain the second root onto the history',
       summary='The revision graph has more than one root.',
       why='The second chain is not ordered against the first.',
       good='one root; every other revision chained to it'),
    _m('migration-unknown-parent', HISTORY, 'error',
       "down_revision = 'deadbeef' that no file declares",
       'point it at an existing revision',
       summary='A revision points at a parent no file declares.',
       why='alembic cannot build the graph and every upgrade fails.',
       good='down_revision = an existing revision id'),
    _m('migration-duplicate-revision', HISTORY, 'error',
       'two files with revision = "abc123"',
       'give one of them a new id',
       summary='Two files declare the same revision id.',
       why='One of them silently never runs.',
       good='unique revision ids'),
    _m('migration-revision-cycle', HISTORY, 'error',
       'a -> b -> a',
       'fix down_revision so the chain ends at a root',
       summary='The revision graph has a cycle.',
       why='alembic cannot order the revisions.',
       good='a chain ending at a root'),
    _m('migration-revision-id-too-long', HISTORY, 'warning',
       'revision = "2026_11_27_add_customer_tier_column" (33 > 32)',
       'shorten the id or set version_column_length',
       summary='A revision id is longer than alembic_version.version_num holds.',
       why='Stamping the revision fails in production after the schema already changed.',
       good='revision = "2026_11_27_customer_tier"'),
    _m('migration-sql-unanalysable', META, 'warning',
       'op.execute(build_sql()) / SQL that does not parse',
       'use a literal SQL string, or suppress with a reason after review',
       summary='SQL in a migration cannot be analysed statically.',
       why='The guard says what it could not check instead of passing silently; a reviewer '
           'must read it.',
       good="op.execute('UPDATE users SET tier = 1 WHERE tier IS NULL')"),
    _m('migration-file-unparsable', META, 'warning',
       'a migration file with a Python syntax error',
       'fix the syntax error',
       summary='A migration file cannot be parsed.',
       why='Nothing in it was checked, and alembic will fail on it too.',
       good='a migration that parses'),
    _m('migration-file-unreadable', META, 'error',
       'a .sql migration holding a NUL byte (psql still runs it), one over max_file_bytes, '
       'or one too costly to analyse (a hostile constant expression)',
       'save it as plain UTF-8 text, split it, or raise [tool.hotfix-hooks.migrations] '
       'max_file_bytes (on the base branch)',
       summary='A migration file that cannot be read as text or analysed within budget.',
       why='git and the parsers call a file with a NUL byte binary and skip it, yet psql and '
           'sqlite3 run it; a file too large or too costly to analyse could hide a drop. '
           'Nothing in it was checked, so the tool fails closed.',
       good='a plain UTF-8 migration of ordinary size'),
    _m('migration-live-introspection', META, 'info',
       'sa.inspect(op.get_bind())',
       'informational: offline SQL cannot be produced; both branches were analysed',
       summary='The migration inspects the live database.',
       why='alembic --sql (offline) cannot produce its SQL; both branches were analysed.',
       good='(informational) the same, with both branches reviewed'),
    _m('migration-suppression-unused', META, 'warning',
       '# hotfix-hooks: ignore[migration-drop-table] on a line with no such finding',
       'remove the stale suppression',
       summary='An inline suppression matches no finding.',
       why='A stale suppression would silently hide a future finding on that line.',
       good='no suppression where nothing is reported'),
    _m('migration-suppression-reason-missing', META, 'warning',
       '# hotfix-hooks: ignore[migration-drop-table] (no reason="...")',
       'add reason="why this is safe"',
       summary='An inline suppression has no reason, so it does not apply.',
       why='Reviewers and auditors need to know why a finding was accepted.',
       good='# hotfix-hooks: ignore[migration-drop-table] reason="empty since 2025-03"'),
)


# How to fix a finding in the terms of the framework of the migration it is about (the
# rule's ``fix`` above speaks Alembic): a Django migration gets Django operations.
DJANGO_FIXES: dict[str, str] = {
    'migration-index-not-concurrent':
        'use AddIndexConcurrently (django.contrib.postgres.operations) in a migration with '
        'atomic = False',
    'migration-drop-index-not-concurrent':
        'use RemoveIndexConcurrently (django.contrib.postgres.operations) in a migration with '
        'atomic = False',
    'migration-concurrently-in-transaction':
        'set atomic = False on the Migration class',
    'migration-constraint-without-not-valid':
        'add it with AddConstraintNotValid (django.contrib.postgres.operations), then '
        'ValidateConstraint in a later migration',
    'migration-constraint-builds-index':
        'build the unique index first with AddIndexConcurrently (atomic = False), then add '
        'the constraint in a later migration',
    'migration-new-constraint-on-existing-table':
        'clean the data first (RunPython with a reverse_code), then AddConstraintNotValid and '
        'ValidateConstraint',
    'migration-set-not-null':
        'add CheckConstraint(condition=Q(col__isnull=False)) with AddConstraintNotValid, '
        'ValidateConstraint, then AlterField(null=False)',
    'migration-table-rewrite':
        'add a new nullable field, backfill it in batches (RunPython with a reverse_code, '
        'atomic = False), then switch the code and drop the old field later',
    'migration-backfill-with-ddl':
        'move the RunPython backfill into its own migration (atomic = False to batch it)',
    'migration-drop-column':
        'remove the field from the state first (SeparateDatabaseAndState(state_operations='
        '[RemoveField(...)])), drop the column in a later release',
    'migration-drop-table':
        'remove the model from the state first (SeparateDatabaseAndState(state_operations='
        '[DeleteModel(...)])), drop the table in a later release',
    'migration-rename-column':
        "keep the column: rename the field with db_column='<old name>' "
        '(SeparateDatabaseAndState), or add the new field, write both, backfill, drop later',
    'migration-rename-table':
        "keep the table: set Meta.db_table = '<old name>' (SeparateDatabaseAndState for the "
        'rename)',
    'migration-column-type-changed':
        'add a new field with the new type, backfill it (RunPython with a reverse_code), '
        'switch the code, drop the old field later',
    'migration-type-change-lossy':
        'add a new field with the new type, backfill it (RunPython with a reverse_code), '
        'switch the code, drop the old field later',
    'migration-not-null-default-dropped':
        'give the field a db_default=... (Django 5+), or keep null=True until every writer '
        'sets it',
    'migration-drop-object':
        'keep the object until nothing uses it; drop it with RunSQL in a later release',
    'migration-history-edited':
        'revert the edit; make the change in a new migration (manage.py makemigrations)',
    'migration-multiple-heads':
        'python manage.py makemigrations --merge, or depend on the latest migration',
    'migration-inserted-below-head':
        'depend on the latest migration of the app',
}


def fix_for(rule: str, framework: str | None) -> str:
    """How to fix ``rule`` in the terms of ``framework`` (the rule's fix by default)."""
    if framework == 'django' and rule in DJANGO_FIXES:
        return DJANGO_FIXES[rule]
    return RULES[rule].fix
