"""The rules of the pre-push gates (``gates/run.py``, ``gates/plan.py``). Pure data;
``hotfix_hooks.catalog`` collects it."""
from __future__ import annotations

from hotfix_hooks.rule import Rule
from hotfix_hooks.rule import table

_G = 'gate'

RULES = table(
    Rule('gate-failed', _G, 'error',
         summary='A gate (smoke suite, integrity check, a domain\'s regression subset, the '
                 'rollback dry-run) failed on the pushed commit, or selected no tests.',
         why='The protocol makes these checks mandatory before merge; a failing one means the '
             'hotfix is not known to work (or cannot be rolled back).',
         fix='Read the log tail, fix the code, push again; for a subset that selected no '
             'tests, add regression tests or fix its command.',
         bad="gate `smoke` failed (exit 1): `pytest -q tests/smoke`",
         good='every gate passes on the pushed commit'),
    Rule('gate-timeout', _G, 'error',
         summary='A gate ran longer than its timeout and was killed.',
         why='A gate that does not finish proves nothing, and a hang in the smoke suite is '
             'often the incident itself.',
         fix='Find what hangs in the log, or raise the gate\'s timeout in the policy.',
         bad='gate `smoke` timed out after 900s (process group killed)',
         good='the smoke suite finishes within its timeout'),
    Rule('gate-could-not-run', _G, 'error',
         summary='A gate\'s command could not be started.',
         why='A mandatory check that cannot run has not passed; the tool fails closed.',
         fix='Install the program or fix the command / cwd in the policy.',
         bad='gate `integrity`: scripts/post_go_live_integrity_check.py not found',
         good='the script exists at the configured path'),
    Rule('gate-not-configured', _G, 'error',
         summary='A gate or a domain\'s regression subset is not configured for this '
                 'repository: the default protocol\'s gate needs a file that is not here, or '
                 'a gate written by init is still a proposal (proposed = true).',
         why='The defaults belong to the protocol\'s home service; in another repository they '
             'cannot run, and a gate that did not run has not passed. An unconfirmed proposal '
             'has not been checked by anyone.',
         fix='Run "hotfix-hooks init" to write a policy with the repository\'s own gates and '
             'domains (or set [[tool.hotfix-hooks.gates]] / [tool.hotfix-hooks.domains.NAME] '
             'yourself); confirm a proposal by checking its command and deleting its '
             '"proposed = true" line.',
         bad='gate `smoke` is not configured for this repository: the default of the ARIS3 '
             'protocol needs tests/smoke/test_post_go_live_stability.py',
         good='[[tool.hotfix-hooks.gates]] name = "smoke", command = ["pytest", "-q", '
              '"backend/tests/api"] (written by init, proposal confirmed)'),
    Rule('gate-interrupted', _G, 'error',
         summary='The gates were interrupted (Ctrl-C) before they all ran.',
         why='Some mandatory checks did not run on this commit.',
         fix='Push again to run them.',
         bad='Ctrl-C during the gates (exit 130)',
         good='the gates run to the end'),
    Rule('gate-rollback-dry-run-missing', _G, 'warning',
         summary='No rollback dry-run command is configured for the hotfix.',
         why='The protocol requires the rollback path tested in dry-run before merge; '
             'without a command it is never tested.',
         fix='Set [rollback] dry_run in the record, or gate.rollback_dry_run in the policy, '
             'or pass --rollback-dry-run CMD.',
         bad='no [rollback] dry_run in hotfixes/ARIS-77.toml, no policy, no flag',
         good='[rollback] dry_run = "alembic downgrade -1 --sql"',
         severity_note='error with gate.rollback_required = true'),
    Rule('gate-record-unreadable', _G, 'warning',
         summary='The rollback dry-run cannot be read from the hotfix record.',
         why='The gate falls back to the policy\'s command; the record\'s own rollback test '
             'is not run.',
         fix='Fix the record ([rollback] dry_run = "<command>").',
         bad='hotfixes/ARIS-77.toml is not valid TOML, or dry_run is not a string',
         good='dry_run = "alembic downgrade -1 --sql"'),
)
