"""Migration safety guard (hotfix-migrations): static analysis of Alembic, Django and SQL
migrations for irreversible, destructive, backward-incompatible, locking and
history-rewriting changes. Nothing is imported or executed; see ``hooks.checks.migrations``
for the entry point and ``hooks.migrations.catalog.RULES`` for the catalogue."""
