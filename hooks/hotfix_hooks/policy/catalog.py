"""The rules about the policy itself (``pipeline/trust.py``). Pure data;
``hotfix_hooks.catalog`` collects it."""
from __future__ import annotations

from hotfix_hooks.rule import Rule
from hotfix_hooks.rule import table

RULES = table(
    Rule('policy-changed-in-hotfix', 'policy', 'error',
         summary='The hotfix changes the policy it would be judged by (pyproject.toml '
                 '[tool.hotfix-hooks], .hotfix-hooks.toml): the finding says which keys and '
                 'how (rules disabled, severities lowered, endpoints unfrozen, gates or '
                 'domains changed, owners changed, the prefix or base changed).',
         why='A branch that sets its own policy could switch off the very checks that would '
             'stop it. A hotfix is judged by the policy of its base side; its own edit is '
             'reported and cannot be waived from the branch.',
         fix='Take the policy change out of the hotfix and land it on the base branch through '
             'the normal process first; then start (or merge) the hotfix from there.',
         bad='disable = ["migration-drop-column"] added to pyproject.toml on '
             'hotfix/ARIS-77-... beside a drop-column migration',
         good='the policy change merged to main in its own reviewed pull request; the hotfix '
              'leaves the policy alone'),
)
