"""Which files can be migrations, decided from a path and the file's bytes alone (no
parsing, no engine imports): the test ``discover`` applies before reading a file, and the
one the migrations check uses to skip the whole engine when no changed file, on either
side of the change, can be a migration.

A ``.py`` file is a migration candidate by content (Alembic: ``revision`` and ``def
upgrade``; Django: ``Migration`` and ``migrations``; ``python_kinds``), wherever it lives;
any file under a migrations-like folder (or a folder the policy names) and the SQL naming
conventions count whatever they hold, so a file that cannot be read as text there is still
reported.
"""
from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

from hotfix_hooks.changeset import ADDED
from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.changeset import DELETED
from hotfix_hooks.changeset import identifiers_view
from hotfix_hooks.changeset import matches_any

MIGRATION_DIRS = frozenset({'versions', 'migrations', 'migration', 'migrate', 'alembic'})
GOLANG = re.compile(r'^(?P<v>\d+)_(?P<name>.+)\.(?P<dir>up|down)\.sql$')
FLYWAY = re.compile(r'^(?P<kind>[VU])(?P<v>\d+(?:[._]\d+)*)__(?P<name>.+)\.sql$')


# ``def upgrade``, as Python reads it: ``def  upgrade``, ``def\tupgrade``, ``def \\\n upgrade``
_DEF_UPGRADE = re.compile(rb'\bdef(?:\s|\\)+upgrade\b')


def python_kinds(data: bytes) -> tuple[bool, bool]:
    """(Alembic-like, Django-like) of a Python file's bytes, its identifiers read as
    Python reads them (NFKC: ``def ｕｐｇｒａｄｅ()`` defines ``upgrade``)."""
    data = identifiers_view(data)
    return (b'revision' in data and _DEF_UPGRADE.search(data) is not None,
            b'Migration' in data and b'migrations' in data)


def in_migration_dir(path: str) -> bool:
    return not MIGRATION_DIRS.isdisjoint(path.split('/')[:-1])


def sql_convention(path: str) -> bool:
    base = posixpath.basename(path)
    return bool(GOLANG.match(base) or FLYWAY.match(base))


def in_folders(path: str, folders: Sequence[str]) -> bool:
    return any(path.startswith(f.rstrip('/') + '/')
               or matches_any(posixpath.dirname(path), [f.rstrip('/')]) for f in folders)


def migration_like(path: str, data: bytes, folders: Sequence[str]) -> bool:
    if folders and in_folders(path, folders):
        return True
    if in_migration_dir(path) or sql_convention(path):
        return True
    if path.endswith('.py'):
        return any(python_kinds(data))
    return path.endswith('.sql') and b'migrate:up' in data


def change_may_touch(changes: ChangeSet, folders: Sequence[str]) -> bool:
    """False only when no changed file can be a migration on either side of the change:
    then the migration rules have nothing to judge (the revision graph and every shipped
    migration are the same blobs on both sides). Conservative: any ``.sql`` file, an
    ``alembic.ini`` (it moves the migrations folder), or a file that cannot be read
    counts."""
    for f in changes.files:
        sides = []
        if f.status != DELETED:
            sides.append((changes.head, f.path))
        if f.status != ADDED:
            sides.append((changes.base, f.old_path or f.path))
        for snap, path in sides:
            if posixpath.basename(path) == 'alembic.ini' or path.endswith('.sql'):
                return True
            if not path.endswith('.py'):
                continue
            data = snap.read(path)
            if data is None or migration_like(path, data, folders):
                return True
    return False
