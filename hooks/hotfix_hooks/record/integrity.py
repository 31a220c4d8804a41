"""The data-integrity condition, derived from the change itself.

The protocol's third rollback-first condition ("data integrity risk is non-trivial: stock
totals, transfer state drift, checkout accounting drift") must not be answered "no" by
habit. A change is a data-integrity risk when it

* adds or changes a migration that changes data (SQL ``INSERT``/``UPDATE``/``DELETE``/
  ``TRUNCATE``/``MERGE``/``COPY``, Alembic ``op.execute`` of DML or of a SQLAlchemy
  ``insert()/update()/delete()``, ``op.bulk_insert``, Django ``RunPython``/``RunSQL`` with
  DML), or
* touches a file in an integrity area: the record policy's ``integrity_areas`` and the
  paths of the ``integrity_domains`` of the gates' domain map.

Pure: reads the change set only (``ast`` for Python, never imports it).
"""
from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.changeset import DELETED
from hotfix_hooks.changeset import FileChange
from hotfix_hooks.changeset import is_binary
from hotfix_hooks.changeset import matches_any
from hotfix_hooks.pyast import call_name

if TYPE_CHECKING:
    from hotfix_hooks.policy import Policy

DML_RE = re.compile(r'\b(INSERT\s+INTO|UPDATE\s+[\w".]+\s+SET|DELETE\s+FROM|TRUNCATE|'
                    r'MERGE\s+INTO|COPY\s+[\w".]+\s+FROM)\b', re.I)
_SQL_COMMENT = re.compile(r'--[^\n]*|/\*.*?\*/', re.S)
_REVERSE_FUNCS = ('downgrade', 'reverse', 'backwards', 'rollback', 'unapply')


def _domain_globs(policy: Policy, names: list[str]) -> dict[str, list[str]]:
    """Path globs of the named domains, read defensively from ``policy['domains']``."""
    domains = policy.get('domains') if hasattr(policy, 'get') else None
    out: dict[str, list[str]] = {}
    if not isinstance(domains, dict):
        return out
    for name in names:
        dom = domains.get(name)
        if isinstance(dom, dict):
            if dom.get('enabled', True) is False:
                continue
            globs = dom.get('paths') or dom.get('globs') or dom.get('patterns') or []
        elif isinstance(dom, list):
            globs = dom
        else:
            continue
        globs = [g for g in globs if isinstance(g, str)]
        if globs:
            out[f'{name} domain'] = globs
    return out


def areas(policy: Policy) -> dict[str, list[str]]:
    cfg = policy.section('record')
    out = dict(cfg.get('integrity_areas') or {})
    out.update(_domain_globs(policy, list(cfg.get('integrity_domains') or [])))
    return out


def _sql_changes_data(sql: str) -> str | None:
    m = DML_RE.search(_SQL_COMMENT.sub(' ', sql))
    return re.sub(r'\s+', ' ', m.group(1)).upper().split(' ')[0] if m else None


def _strings(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def python_data_changes(source: str) -> list[str]:
    """What in a Python migration changes data (outside downgrade/reverse functions)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        sql = _sql_changes_data(source)
        return [f'{sql} statement'] if sql else []
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                node.name.lower().startswith(_REVERSE_FUNCS):
            skip.update(id(n) for n in ast.walk(node))
    found: list[str] = []
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, ast.Call):
            continue
        name = call_name(node.func)
        what = None
        if name == 'bulk_insert':
            what = 'op.bulk_insert'
        elif name == 'RunPython':
            what = 'RunPython data migration'
        elif name in ('execute', 'RunSQL', 'exec_driver_sql'):
            args = node.args[:1] + [k.value for k in node.keywords if k.arg in ('sql', 'sqltext')]
            for arg in args:
                sql = next((s for s in map(_sql_changes_data, _strings(arg)) if s), None)
                if sql:
                    what = f'{sql} statement'
                elif any(isinstance(n, ast.Call) and call_name(n.func) in ('insert', 'update',
                                                                       'delete')
                         for n in ast.walk(arg)):
                    what = 'SQLAlchemy insert/update/delete'
                if what:
                    break
        if what:
            found.append(f'{what} (line {node.lineno})')
    return found


def migration_data_changes(fc: FileChange) -> list[str]:
    text = fc.new_text()
    data = None if text is not None else fc.new_bytes()
    if data and not is_binary(data):
        text = data.decode('utf-8', 'replace')     # a latin-1 comment hides nothing
    if not text:
        return []
    if fc.path.endswith('.py'):
        return python_data_changes(text)
    sql = _sql_changes_data(text)
    return [f'{sql} statement'] if sql else []


def derive(changes: ChangeSet, policy: Policy) -> list[str]:
    """Why this change is a data-integrity risk (empty: no sign of one)."""
    cfg = policy.section('record')
    ignore = list(cfg.get('integrity_ignore') or [])
    migrations = list(cfg.get('migration_paths') or [])
    area_globs = areas(policy)
    reasons: list[str] = []
    for fc in changes.files:
        paths = [fc.path] + ([fc.old_path] if fc.old_path and fc.old_path != fc.path else [])
        if any(matches_any(p, ignore) for p in paths):
            continue
        if fc.status != DELETED and any(matches_any(p, migrations) for p in paths):
            data = migration_data_changes(fc)
            if data:
                reasons.append(f'{fc.path}: migration changes data ({", ".join(data)})')
                continue
        hit = [name for name, globs in area_globs.items()
               if any(matches_any(p, globs) for p in paths)]
        if hit:
            reasons.append(f'{fc.path}: in the {" / ".join(hit)} area')
    return reasons
