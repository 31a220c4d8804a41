"""The rules of the scope check (``checks/scope.py``). Pure data; ``hotfix_hooks.catalog``
collects it. (``api-operation-added-in-hotfix``, a scope rule the contract guard reports, is
declared with the contract rules.)"""
from __future__ import annotations

from hotfix_hooks.rule import hotfix_only
from hotfix_hooks.rule import Rule
from hotfix_hooks.rule import table

_SEV = 'scope.severity in the policy (default warning)'
_MODULE_SEV = 'scope.new_module_severity in the policy (default warning)'

RULES = hotfix_only(table(
    Rule('scope-too-many-files', 'scope', 'warning',
         summary='The hotfix changes more files than the scope budget (scope.max_files).',
         why='The protocol allows only the minimal change that mitigates the incident; every '
             'extra file is untested risk shipped under incident pressure and one more thing '
             'to undo in a rollback.',
         fix='Keep the hotfix to what the incident needs; move the rest to a normal change.',
         bad='16 files changed on hotfix/ARIS-77-... (budget 15)',
         good='the 3 files the fix needs; the refactoring in a follow-up pull request',
         severity_note=_SEV),
    Rule('scope-too-many-lines', 'scope', 'warning',
         summary='The hotfix changes more lines than the scope budget (scope.max_lines).',
         why='A large diff cannot be reviewed properly during an incident, and the larger '
             'the change the less certain the fix and its rollback.',
         fix='Keep the hotfix minimal; ship clean-ups and refactorings in a normal release.',
         bad='401 changed lines (budget 400)',
         good='a 40-line fix with its regression test',
         severity_note=_SEV),
    Rule('scope-dependency-changed', 'scope', 'warning',
         summary='A dependency or lock file changes in a hotfix.',
         why='A new or upgraded dependency brings code nobody reviewed for this incident and '
             'can change behaviour far from the fix; it is new feature scope, not mitigation.',
         fix='Ship dependency changes in a normal release, unless the fix is the upgrade '
             '(then waive it in the record with the owners\' approval).',
         bad='requirements.txt gains httpx==0.28 on a hotfix branch',
         good='requirements.txt unchanged; the fix uses what is installed',
         severity_note=_SEV),
    Rule('scope-new-module', 'scope', 'warning',
         summary='A new source module is added in a hotfix.',
         why='A new module is new feature scope, not incident mitigation; the protocol keeps '
             'hotfixes to changes of existing code.',
         fix='Fix the incident in the existing modules, or list the file in '
             'scope.new_module_ignore (or waive it in the record) when it is needed.',
         bad='app/pricing/money.py added on a hotfix branch',
         good='the rounding fix in app/pricing/totals.py, which already exists',
         severity_note=_MODULE_SEV),
    Rule('scope-new-package', 'scope', 'warning',
         summary='A new package (or a new directory of modules) is added in a hotfix.',
         why='A new package is a new feature, not a minimal fix; it grows the change and the '
             'rollback.',
         fix='Move the package to a normal release.',
         bad='app/reports/__init__.py added on a hotfix branch',
         good='no new package; the fix edits app/stock/totals.py',
         severity_note=_MODULE_SEV),
    Rule('scope-submodule-changed', 'scope', 'error',
         summary='A submodule was added, removed, or moved to another commit.',
         why='The code a submodule brings in is another repository\'s: no hook of this '
             'one reads it, so a hotfix that moves it ships unchecked code.',
         fix='Move the submodule in a normal release, after its own review; a hotfix changes '
             'code this repository holds.',
         bad='lib moved from 1a2b3c to 9f8e7d on hotfix/ARIS-77-...',
         good='the fix in this repository\'s own files; the submodule bump in a release'),
))
