"""The rules of the hotfix record (``record/model.py``, ``record/rules.py``,
``record/waivers.py``). Pure data; ``hotfix_hooks.catalog`` collects it."""
from __future__ import annotations

from hotfix_hooks.rule import Rule
from hotfix_hooks.rule import table

_R = 'record'

RULES = table(
    Rule('record-missing', _R, 'error',
         summary='A hotfix branch has no hotfix record (hotfixes/<ticket>.toml).',
         why='The protocol needs the eligibility, the rollback plan, the owners\' approvals '
             'and the rollback-first conditions written down in the branch; no diff shows '
             'them.',
         fix='Write it with "hotfix-hooks new TICKET ..." (or copy the template), fill it in '
             'and commit it.',
         bad='hotfix/ARIS-77-fix-stock-totals without hotfixes/ARIS-77.toml',
         good='hotfixes/ARIS-77.toml committed on the branch'),
    Rule('record-invalid-toml', _R, 'error',
         summary='The record is not valid TOML (or not UTF-8).',
         why='Nothing in it can be read, so nothing can be checked or approved.',
         fix='Fix the TOML syntax at the reported line.',
         bad='owner = Dana Dev   (unquoted string)',
         good='owner = "Dana Dev"'),
    Rule('record-field-missing', _R, 'error',
         summary='A required record field is missing or empty.',
         why='Each field is a step of the protocol (severity, eligibility, rollback plan, '
             'approvals, conditions); an empty one is a skipped step.',
         fix='Fill in the named field (the hint gives an example).',
         bad='[rollback] dry_run = ""',
         good='[rollback] dry_run = "alembic downgrade -1 --sql"'),
    Rule('record-field-invalid', _R, 'error',
         summary='A record field has a value the protocol does not allow.',
         why='The gates, decide and status read these values; a wrong one gives a wrong '
             'decision or a misleading status message.',
         fix='Write it as the hint shows (P0|P1|P2, 2026-11-27T14:00:00Z, true/false).',
         bad='severity = "P4"; next_update_utc = "tomorrow"; data_integrity_risk = "no"',
         good='severity = "P1"; next_update_utc = "2026-11-27T14:00:00Z"; '
              'data_integrity_risk = false'),
    Rule('record-unknown-field', _R, 'warning',
         summary='The record has a field the protocol does not know (a typo?).',
         why='A misspelt field is ignored: what it was meant to say is silently missing.',
         fix='Fix the typo (or remove the field).',
         bad='serverity = "P1"',
         good='severity = "P1"'),
    Rule('record-ticket-mismatch', _R, 'error',
         summary='The record\'s ticket differs from the branch\'s ticket.',
         why='The record documents another incident; approvals and the decision do not '
             'belong to this change.',
         fix='Set ticket to the branch\'s ticket (or record this hotfix on a branch named for '
             'the record\'s ticket).',
         bad='ticket = "ARIS-78" on hotfix/ARIS-77-...',
         good='ticket = "ARIS-77" on hotfix/ARIS-77-...'),
    Rule('record-not-eligible', _R, 'error',
         summary='A P2 incident whose change is not a config/threshold or observability '
                 'change.',
         why='The protocol allows P2 hotfixes only as config/threshold or observability '
             'changes; anything else waits for a normal release.',
         fix='Ship it in a normal release, or correct severity/eligibility if the incident is '
             'P0/P1 or the change is a config or observability change.',
         bad='severity = "P2", eligibility = "correctness-fix"',
         good='severity = "P2", eligibility = "config-change"'),
    Rule('record-approval-pending', _R, 'warning',
         summary='A required approval (incident owner, release owner) is not given yet.',
         why='The protocol requires the incident owner and release owner approvals '
             'documented before merge.',
         fix='The owner of the role runs "hotfix-hooks approve <role>" on the branch (it '
             'sets approved_at and commits the record, as them).',
         bad='[approvals.release_owner] approved_at = ""',
         good='[approvals.release_owner] name = "Rui", approved_at = "2026-11-27T13:05:00Z", '
              'committed by Rui',
         severity_note='error with --require-approvals (what ci runs)'),
    Rule('record-approval-unverified', _R, 'warning',
         summary='An approval in the record that its history does not back: the commit that '
                 'set approved_at is not by an owner of the role, is by the fix\'s author, '
                 'is unsigned or badly signed under approvals.require_signed, gives a person '
                 'a second role, or is dated after that commit.',
         why='The record is text anyone on the branch can write; only the commit that set '
             'the approval (its author, committer and signature) says who approved.',
         fix='The owner of the role approves in their own commit: "hotfix-hooks approve '
             '<role>" (signed when approvals.require_signed).',
         bad='the fix\'s author writes both owners\' names and approved_at in her own commit',
         good='ivy@example.com (incident_owner) and rafa@example.com (release_owner) each '
              'run "hotfix-hooks approve" in their own commit',
         severity_note='error with --require-approvals (what ci and readiness use)'),
    Rule('record-approval-stale', _R, 'warning',
         summary='A change outside the record was committed after an approval '
                 '(approvals.dismiss_stale); the finding names the commit.',
         why='The owners approved another change than the one that would ship.',
         fix='The owners review the new commits and approve again ("hotfix-hooks approve '
             '<role>").',
         bad='app/pricing.py changed in 9f8e7d after the release owner approved',
         good='the approvals are the last commits of the branch, or only the record changed '
              'after them',
         severity_note='error with --require-approvals (what ci and readiness use)'),
    Rule('record-owners-missing', _R, 'warning',
         summary='The policy has no [tool.hotfix-hooks.owners] table: approvals are not checked '
                 'against an owner list.',
         why='Without an owner list anyone but the fix\'s author can approve; the author and '
             'two-people rules still apply.',
         fix='List each role\'s owners in [tool.hotfix-hooks.owners] on the base branch.',
         bad='no [tool.hotfix-hooks.owners] in pyproject.toml',
         good='[tool.hotfix-hooks.owners] incident_owner = ["ivy@example.com"], '
              'release_owner = ["rafa@example.com"]'),
    Rule('record-data-integrity-undeclared', _R, 'error',
         summary='The record says data_integrity_risk = false but the change touches data.',
         why='A data-integrity risk is a rollback-first condition; declaring it false while a '
             'migration changes data (or stock/transfer/checkout code changes) hides the '
             'condition from the decision.',
         fix='Set data_integrity_risk = true and decide again ("hotfix-hooks decide"), or '
             'waive this rule (path: the record) with both owners\' approval when the risk is '
             'trivial.',
         bad='a migration runs UPDATE stock_totals ... and data_integrity_risk = false',
         good='data_integrity_risk = true and decision = "rollback-first"'),
    Rule('record-decision-mismatch', _R, 'error',
         summary='The record says patch-forward while a rollback-first condition holds.',
         why='The protocol says roll back first when any of the four conditions is true.',
         fix='Set decision = "rollback-first" and roll back first, or correct the conditions '
             'if they are wrong.',
         bad='decision = "patch-forward" with eta_exceeds_slo = true',
         good='decision = "rollback-first" with eta_exceeds_slo = true'),
    Rule('record-waiver-invalid', _R, 'error',
         summary='An [[exceptions]] entry cannot waive anything: a field is missing, its rule '
                 'id is unknown or cannot be waived, or its path is not a valid glob.',
         why='A broken waiver waives nothing, so the finding it meant stays; and the '
             'record\'s own completeness can never be waived.',
         fix='Give rule and path (or fingerprint), reason and approved_by; use a rule id '
             '"hotfix-hooks rules" lists; completeness rules cannot be waived.',
         bad='rule = "migration-drop-tabel" (a typo); an exception without reason; waiving '
             'record-field-missing',
         good='rule = "migration-drop-table", path = "migrations/versions/0031_x.py", '
              'reason = "...", approved_by = ["incident_owner", "release_owner"]'),
    Rule('record-waiver-unapproved', _R, 'error',
         summary='A waiver lacks the approval of a role record.waiver_approvers requires, or '
                 'the owners did not give a counted approval after the waiver entry was last '
                 'changed.',
         why='Accepting a known risk during an incident is the owners\' call, not the '
             'author\'s; approved_by is text the author can write.',
         fix='Add every required role to approved_by; the owners then approve after the '
             'exception is written ("hotfix-hooks approve <role>").',
         bad='the author adds [[exceptions]] with approved_by = ["incident_owner", '
             '"release_owner"] in her own commit',
         good='the same exception, then both owners approve in their own later commits',
         severity_note='not yet approved after it was written: warning without '
                       '--require-approvals'),
    Rule('record-waiver-stale', _R, 'warning',
         summary='A waiver matches no finding of this change.',
         why='A stale waiver would silently waive a future finding of the same rule and '
             'path.',
         fix='Remove the exception (the problem is gone), or fix its rule id, path or '
             'fingerprint.',
         bad='waives migration-downgrade-noop at a path with no such finding',
         good='no exception for a finding that is gone'),
)
