"""The rule catalogue of the migration guard: every rule id, its family, its severity on a
hotfix branch, a one-line example and how to fix it (the README table is generated from the
same data and a test keeps them in step)."""
from __future__ import annotations

import dataclasses
from typing import Any

from hotfix_hooks.migrations import model as m

IRREVERSIBLE, DESTRUCTIVE, INCOMPATIBLE, LOCKING, HISTORY, META = (
    'irreversible', 'destructive', 'incompatible', 'locking', 'history', 'meta')

# rule id -> (family, severity on a hotfix branch, one-line example, how to fix)
RULES: dict[str, tuple[str, str, str, str]] = {
    'migration-downgrade-missing': (
        IRREVERSIBLE, 'error',
        'an Alembic file without downgrade(); a .up.sql without .down.sql',
        'write the downgrade that undoes upgrade()'),
    'migration-downgrade-noop': (
        IRREVERSIBLE, 'error',
        'def downgrade(): pass',
        'undo every operation of upgrade() in downgrade()'),
    'migration-downgrade-raises': (
        IRREVERSIBLE, 'error',
        'def downgrade(): raise NotImplementedError',
        'write a real downgrade (restore data from a backup table if needed)'),
    'migration-downgrade-incomplete': (
        IRREVERSIBLE, 'error',
        'upgrade adds users.email, downgrade does not drop it',
        'add the inverse of each listed operation to downgrade()'),
    'migration-downgrade-overreach': (
        IRREVERSIBLE, 'error',
        'downgrade drops table orders, created by an earlier revision',
        'only undo what this migration did'),
    'migration-data-change-irreversible': (
        IRREVERSIBLE, 'error',
        "op.execute('UPDATE users SET ...') with no compensating DML in downgrade",
        'save the old values (backup column/table) and restore them in downgrade()'),
    'migration-runpython-irreversible': (
        IRREVERSIBLE, 'error',
        'migrations.RunPython(forwards) or reverse_code=RunPython.noop',
        'pass a reverse_code that restores the data'),
    'migration-runsql-irreversible': (
        IRREVERSIBLE, 'error',
        "migrations.RunSQL('UPDATE ...') without reverse_sql",
        'pass a reverse_sql that undoes the SQL'),
    'migration-drop-table': (
        DESTRUCTIVE, 'error',
        "op.drop_table('orders') / DROP TABLE orders / DeleteModel",
        'stop using the table first; drop it in a later, non-hotfix release'),
    'migration-drop-column': (
        DESTRUCTIVE, 'error',
        "batch_op.drop_column('legacy') / RemoveField",
        'stop reading/writing the column first; drop it in a later release'),
    'migration-truncate': (
        DESTRUCTIVE, 'error',
        'TRUNCATE audit_log CASCADE',
        'delete only the rows you mean to, with a backup'),
    'migration-delete-without-where': (
        DESTRUCTIVE, 'error',
        'DELETE FROM sessions',
        'add a WHERE clause (and keep a backup for the downgrade)'),
    'migration-update-without-where': (
        DESTRUCTIVE, 'error',
        "UPDATE users SET status = 'active'",
        'add a WHERE clause; keep the old values for the downgrade'),
    'migration-drop-object': (
        DESTRUCTIVE, 'error',
        'DROP TYPE mood / DROP FUNCTION f() / DROP EXTENSION x',
        'keep the object until nothing uses it; drop it in a later release'),
    'migration-type-change-lossy': (
        DESTRUCTIVE, 'error',
        "alter_column('users', 'name', type_=sa.String(50), existing_type=sa.String(200))",
        'widen instead, or add a new column and migrate the data'),
    'migration-rename-column': (
        INCOMPATIBLE, 'error',
        "alter_column('users', 'name', new_column_name='full_name')",
        'add the new column, write both, backfill, switch reads, drop later (expand/contract)'),
    'migration-rename-table': (
        INCOMPATIBLE, 'error',
        "op.rename_table('user', 'account')",
        'create the new table or a view with the old name; switch code first'),
    'migration-column-type-changed': (
        INCOMPATIBLE, 'error',
        "alter_column('orders', 'total', type_=sa.Numeric(12, 2))",
        'add a new column with the new type and migrate in steps'),
    'migration-not-null-column-without-default': (
        INCOMPATIBLE, 'error',
        "add_column('users', sa.Column('tier', sa.String(), nullable=False))",
        'add it nullable or with a server_default'),
    'migration-not-null-default-dropped': (
        INCOMPATIBLE, 'error',
        "alter_column('users', 'tier', server_default=None) on a NOT NULL column",
        'keep the server default until every writer sets the column'),
    'migration-drop-not-null': (
        INCOMPATIBLE, 'error',
        "alter_column('users', 'email', nullable=True)",
        'make sure every reader handles NULL before relaxing the constraint'),
    'migration-new-constraint-on-existing-table': (
        INCOMPATIBLE, 'error',
        "op.create_unique_constraint('uq_email', 'users', ['email'])",
        'clean the data first; add the constraint NOT VALID / after the code writes valid rows'),
    'migration-index-not-concurrent': (
        LOCKING, 'warning',
        "op.create_index('ix_users_email', 'users', ['email'])",
        'postgresql_concurrently=True inside op.get_context().autocommit_block()'),
    'migration-drop-index-not-concurrent': (
        LOCKING, 'warning',
        "op.drop_index('ix_users_email')",
        'postgresql_concurrently=True inside autocommit_block()'),
    'migration-concurrently-in-transaction': (
        LOCKING, 'warning',
        'CREATE INDEX CONCURRENTLY outside autocommit_block()',
        'run it in op.get_context().autocommit_block() (Django: atomic = False)'),
    'migration-constraint-without-not-valid': (
        LOCKING, 'warning',
        'op.create_foreign_key(...) without postgresql_not_valid=True',
        'add it NOT VALID, then VALIDATE CONSTRAINT in a separate migration'),
    'migration-constraint-builds-index': (
        LOCKING, 'warning',
        'ALTER TABLE users ADD CONSTRAINT uq UNIQUE (email)',
        'CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX'),
    'migration-set-not-null': (
        LOCKING, 'warning',
        "alter_column('users', 'email', nullable=False)",
        'add CHECK (col IS NOT NULL) NOT VALID, validate it, then SET NOT NULL'),
    'migration-table-rewrite': (
        LOCKING, 'warning',
        'ALTER COLUMN id TYPE bigint / ADD COLUMN ... DEFAULT random()',
        'add a new column and backfill in batches'),
    'migration-blocking-command': (
        LOCKING, 'warning',
        'VACUUM FULL / CLUSTER / REINDEX / DETACH PARTITION',
        'use the CONCURRENTLY form or run it outside the deploy'),
    'migration-backfill-with-ddl': (
        LOCKING, 'warning',
        'ALTER TABLE ... and UPDATE ... in one migration',
        'move the backfill to its own migration (or batch it outside a transaction)'),
    'migration-history-edited': (
        HISTORY, 'error',
        'upgrade() of a shipped revision changed',
        'revert the edit; put the change in a new migration'),
    'migration-inserted-below-head': (
        HISTORY, 'error',
        'new revision with down_revision = an older revision',
        'set down_revision to the current head'),
    'migration-multiple-heads': (
        HISTORY, 'error',
        'two revisions with the same down_revision',
        'alembic merge heads, or rebase the new revision onto the head'),
    'migration-multiple-roots': (
        HISTORY, 'error',
        'two revisions with down_revision = None',
        'chain the second root onto the history'),
    'migration-unknown-parent': (
        HISTORY, 'error',
        "down_revision = 'deadbeef' that no file declares",
        'point it at an existing revision'),
    'migration-duplicate-revision': (
        HISTORY, 'error',
        'two files with revision = "abc123"',
        'give one of them a new id'),
    'migration-revision-cycle': (
        HISTORY, 'error',
        'a -> b -> a',
        'fix down_revision so the chain ends at a root'),
    'migration-revision-id-too-long': (
        HISTORY, 'warning',
        'revision = "2026_11_27_add_customer_tier_column" (33 > 32)',
        'shorten the id or set version_column_length'),
    'migration-sql-unanalysable': (
        META, 'warning',
        'op.execute(build_sql()) / SQL that does not parse',
        'use a literal SQL string, or suppress with a reason after review'),
    'migration-file-unparsable': (
        META, 'warning',
        'a migration file with a Python syntax error',
        'fix the syntax error'),
    'migration-file-unreadable': (
        META, 'error',
        'a .sql migration holding a NUL byte (psql still runs it), one over max_file_bytes, '
        'or one too costly to analyse (a hostile constant expression)',
        'save it as plain UTF-8 text, split it, or raise [tool.hotfix-hooks.migrations] '
        'max_file_bytes'),
    'migration-live-introspection': (
        META, 'info',
        'sa.inspect(op.get_bind())',
        'informational: offline SQL cannot be produced; both branches were analysed'),
    'migration-suppression-unused': (
        META, 'warning',
        '# hotfix-hooks: ignore[migration-drop-table] on a line with no such finding',
        'remove the stale suppression'),
    'migration-suppression-reason-missing': (
        META, 'warning',
        '# hotfix-hooks: ignore[migration-drop-table] (no reason="...")',
        'add reason="why this is safe"'),
}


@dataclasses.dataclass
class Raw:
    """A finding before severity, suppressions and policy are applied."""

    rule: str
    path: str | None
    line: int | None
    message: str
    hint: str
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    spans: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    conditional: str | None = None


def raw(rule: str, mig: m.Migration, op: m.Op | None, message: str, hint: str = '',
        line: int | None = None, **extra: object) -> Raw:
    """A ``Raw`` finding pointing at ``op`` (or at ``line`` of the migration)."""
    hint = hint or RULES[rule][3]
    if op is not None:
        if op.statement():
            extra.setdefault('statement', op.statement())
        if op.anchors:
            extra.setdefault('called_from_lines', [a[0] for a in op.anchors])
        return Raw(rule, op.path or mig.path, op.line, message, hint, extra,
                   op.spans(), op.conditional)
    return Raw(rule, mig.path, line, message, hint, extra,
               [(line, line)] if line else [])
