"""Scope basics: a hotfix should be minimal. Reports a change larger than the policy's
budget (the hotfix record itself does not count), dependency/lock-file changes, and new
modules or packages (new feature scope), on hotfix branches only."""
from __future__ import annotations

from typing import Any

from hotfix_hooks.changeset import ADDED
from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.changeset import DELETED
from hotfix_hooks.changeset import matches_any
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.findings import Finding
from hotfix_hooks.policy import Policy
from hotfix_hooks.record.model import record_glob

DEPENDENCY_FILES = (
    'requirements*.txt', 'requirements/*.txt', 'poetry.lock', 'Pipfile', 'Pipfile.lock',
    'uv.lock', 'pdm.lock', 'package.json', 'package-lock.json', 'yarn.lock',
    'pnpm-lock.yaml', 'go.mod', 'go.sum', 'Cargo.toml', 'Cargo.lock', 'Gemfile',
    'Gemfile.lock', 'constraints*.txt', 'setup.cfg', 'setup.py',
)


def check(changes: ChangeSet, policy: Policy, run: RunInfo) -> list[Finding]:
    if not run.hotfix:
        return []
    cfg = policy.section('scope')
    sev = cfg['severity']
    findings: list[Finding] = []
    record_files = [record_glob(policy)]
    counted = [f for f in changes.files if not matches_any(f.path, record_files)]
    if len(counted) > cfg['max_files']:
        findings.append(Finding(
            rule='scope-too-many-files', category='scope', severity=sev,
            message=(f'the hotfix changes {len(counted)} files; the budget is '
                     f'{cfg["max_files"]}'),
            hint=('keep the hotfix to what the incident needs; move the rest to a normal '
                  'change (budget: [tool.hotfix-hooks.scope] max_files)'),
        ))
    lines = sum(f.lines_changed for f in counted)
    if lines > cfg['max_lines']:
        findings.append(Finding(
            rule='scope-too-many-lines', category='scope', severity=sev,
            message=f'the hotfix changes {lines} lines; the budget is {cfg["max_lines"]}',
            hint=('keep the hotfix minimal (budget: [tool.hotfix-hooks.scope] max_lines)'),
        ))
    for f in changes.matching(*DEPENDENCY_FILES):
        if f.path.endswith('setup.py') and f.status == DELETED:
            continue
        findings.append(Finding(
            rule='scope-dependency-changed', category='scope', severity=sev,
            path=f.path, line=_first(f.added_lines),
            message=f'dependency file {f.status} in a hotfix',
            hint=('a dependency or lock-file change is new risk during an incident; ship it '
                  'in a normal release unless the fix needs it'),
        ))
    findings += _new_modules(changes, cfg, cfg.get('new_module_severity', 'warning'))
    for f in changes.files:
        if f.is_submodule:
            findings.append(Finding(
                rule='scope-submodule-changed', category='scope', severity='error',
                path=f.path,
                message=(f'submodule {f.path} {_SUBMODULE_WHAT.get(f.status, "changed")}: the '
                         'code it brings in is not checked by any hook'),
                hint=('move the submodule in a normal release after its own review; a hotfix '
                      'changes code this repository holds'),
                extra={'old_mode': f.old_mode, 'new_mode': f.new_mode}))
    return findings


_SUBMODULE_WHAT = {'added': 'added', 'deleted': 'removed', 'modified': 'moved to another commit',
                   'type-changed': 'replaced (file <-> submodule)'}


def _first(lines: list[int]) -> int | None:
    return lines[0] if lines else None


def _new_modules(changes: ChangeSet, cfg: dict[str, Any], sev: str) -> list[Finding]:
    """Added source modules and packages: new feature scope, not incident mitigation."""
    suffixes = tuple(cfg.get('module_suffixes') or ('.py',))
    ignore = list(cfg.get('new_module_ignore') or [])
    added = [f for f in changes.files
             if f.status == ADDED and f.path.endswith(suffixes)
             and not matches_any(f.path, ignore)]
    findings: list[Finding] = []
    if not added:
        return findings
    base_dirs = {p.rpartition('/')[0] for p in changes.base.paths()}
    new_packages: set[str] = set()
    for f in added:
        directory = f.path.rpartition('/')[0]
        if f.path.endswith('/__init__.py') or f.path == '__init__.py' or (
                directory and directory not in base_dirs
                and not any(d.startswith(directory + '/') for d in base_dirs)):
            if directory in new_packages:
                continue
            new_packages.add(directory)
            findings.append(Finding(
                rule='scope-new-package', category='scope', severity=sev,
                path=f.path, line=None,
                message=f'new package {directory or "."}/ in a hotfix: new feature scope',
                hint=('a hotfix changes existing code only; move the new package to a normal '
                      'release (or list it in [tool.hotfix-hooks.scope] new_module_ignore)'),
            ))
            continue
        findings.append(Finding(
            rule='scope-new-module', category='scope', severity=sev, path=f.path, line=None,
            message=f'new module {f.path} in a hotfix: new feature scope',
            hint=('fix the incident in the existing modules; add new modules in a normal '
                  'release (or list it in [tool.hotfix-hooks.scope] new_module_ignore)'),
        ))
    return findings
