"""The rules of the naming checks (``checks/naming.py``): branch, tag, PR title, commit
message. Pure data; ``hotfix_hooks.catalog`` collects it."""
from __future__ import annotations

from hotfix_hooks.rule import Rule
from hotfix_hooks.rule import table

RULES = table(
    Rule('branch-name', 'naming', 'error',
         summary='A hotfix branch is not named hotfix/<ticket>-<short-description>.',
         why='The branch name is how every hook, the gates and CI recognise a hotfix and find '
             'its ticket and record; a hotfix under another name (hotfix-ARIS-77, '
             'hf/ARIS-77-x) escapes the hotfix-only rules without anyone noticing.',
         fix='Rename the branch (git branch -m NEW); the message suggests the name.',
         bad='hotfix/aris-77_stock, hotfix-ARIS-77-fix, hf/ARIS-77-fix-totals',
         good='hotfix/ARIS-77-fix-stock-totals'),
    Rule('branch-unknown', 'naming', 'error',
         summary='The branch under check cannot be determined.',
         why='On a detached HEAD outside CI the tool cannot tell whether this is a hotfix; '
             'passing would let a hotfix skip every hotfix-only rule, so it fails closed.',
         fix='Pass --branch NAME, run inside the CI job that sets the branch variables, or set '
             'unknown_branch = "warning" or "pass" in the policy.',
         bad='git checkout --detach && hotfix-hooks scan',
         good='hotfix-hooks scan --branch hotfix/ARIS-77-fix-stock-totals',
         severity_note='warning with unknown_branch = "warning"; not reported with "pass"'),
    Rule('branch-prefix-not-allowed', 'naming', 'error',
         summary='A branch does not start with one of naming.allowed_prefixes.',
         why='Teams that list their branch prefixes want every branch to say what it is; a '
             'stray prefix hides a hotfix or a feature from the rules keyed on it.',
         fix='Rename the branch (git branch -m NEW) or extend naming.allowed_prefixes.',
         bad='wip/stock-totals with allowed_prefixes = ["hotfix/", "feature/"]',
         good='feature/stock-totals'),
    Rule('tag-name', 'naming', 'error',
         summary='A hotfix tag is not <released version>+hotfix.<n> with the next free n.',
         why='Release tooling and the rollback plan find the released build by its tag; a '
             'hotfix tag on an unreleased version, with a v prefix or with a gap in the '
             'numbers points the rollback at the wrong build.',
         fix='Delete the tag (git tag -d TAG) and tag <released version>+hotfix.<next n>.',
         bad='v0.1.0+hotfix.1; 0.1.0+hotfix.3 after +hotfix.1; 0.2.0+hotfix.1 without a 0.2.0 '
             'tag',
         good='0.1.0-rc.3+hotfix.1 after the tag 0.1.0-rc.3'),
    Rule('pr-title', 'naming', 'error',
         summary='A hotfix pull request title is not "Hotfix: <ticket> <impact summary>".',
         why='Reviewers and the release owner triage incidents from the PR list; the title '
             'must name the ticket of the branch and what customers see fixed.',
         fix='Retitle the pull request with the branch\'s ticket and an impact summary.',
         bad='Fix stock (on hotfix/ARIS-77-...); Hotfix: ARIS-78 ... on ARIS-77\'s branch',
         good='Hotfix: ARIS-77 Stock totals drift fixed for POS'),
    Rule('commit-msg', 'naming', 'error',
         summary='A commit message on a hotfix branch does not mention the branch\'s ticket '
                 '(with naming.commit_msg).',
         why='The incident timeline is rebuilt from the commits; a commit without the ticket '
             'is lost from it once the branch is merged.',
         fix='Mention the ticket in the message (git commit --amend for the last commit).',
         bad='fix totals (on hotfix/ARIS-77-fix-stock-totals)',
         good='ARIS-77: recompute stock totals from movements'),
    Rule('hotfix-only-enforcement', 'naming', 'info',
         summary='Off a hotfix branch the diff checks (scope, contract, actions, migrations) '
                 'reported their blocking findings as warnings; said once per run.',
         why='The protocol\'s frozen rules are a hotfix\'s rules: ordinary feature work may '
             'remove an endpoint or change a schema through the normal review. The info says '
             'why an error shows as a warning, so a hotfix on a misnamed branch is noticed.',
         fix='If the change is a hotfix, name the branch hotfix/<ticket>-<description>; to '
             'block on every branch, set enforce_on = "all" in the policy.',
         bad='feature/drop-legacy removes GET /v1/items: a warning and this note, exit 0',
         good='hotfix/ARIS-77-fix-totals removes GET /v1/items: an error, exit 1',
         severity_note='not reported with enforce_on = "all"'),
)
