"""Scope basics: a hotfix should be minimal. Reports a change larger than the policy's
budget, and dependency/lock-file changes, on hotfix branches only."""
from __future__ import annotations

from hooks.changeset import ChangeSet
from hooks.changeset import DELETED
from hooks.checks import RunInfo
from hooks.findings import Finding
from hooks.policy import Policy

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
    if len(changes.files) > cfg['max_files']:
        findings.append(Finding(
            rule='scope-too-many-files', category='scope', severity=sev,
            message=(f'the hotfix changes {len(changes.files)} files; the budget is '
                     f'{cfg["max_files"]}'),
            hint=('keep the hotfix to what the incident needs; move the rest to a normal '
                  'change (budget: [tool.hotfix-hooks.scope] max_files)'),
        ))
    lines = changes.lines_changed
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
            path=f.path, line=(f.added_lines or [None])[0],
            message=f'dependency file {f.status} in a hotfix',
            hint=('a dependency or lock-file change is new risk during an incident; ship it '
                  'in a normal release unless the fix needs it'),
        ))
    return findings
