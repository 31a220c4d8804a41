"""``hotfix-hooks rules [--category C] [--format text|json|markdown]``: the rule catalogue.

``text`` lists the rules per category (id, default severity, what it reports); ``json`` gives
every field of every rule (``{"rules": [...]}``); ``markdown`` is the rule reference,
``docs/rules.md`` (``hotfix-hooks rules --format markdown > docs/rules.md``; a test keeps the
committed page current). ``hotfix-hooks explain RULE`` prints one rule in full.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from hotfix_hooks import __version__
from hotfix_hooks import catalog
from hotfix_hooks.rule import CATEGORIES
from hotfix_hooks.rule import Rule

REGENERATE = 'hotfix-hooks rules --format markdown > docs/rules.md'

_INTRO = f"""\
# Rule reference

<!-- Generated from the rule catalogue (hotfix_hooks.catalog) by "{REGENERATE}".
     Do not edit by hand: change the rule where it is declared and regenerate. -->

Every rule hotfix-hooks reports, per check: its id, its default severity, what it reports,
why it matters (the failure it prevents), how to fix it, and a bad and a good example.
`hotfix-hooks rules [--category C] [--format json]` lists them, `hotfix-hooks explain RULE`
prints one in full.

- **Severity**: `error` fails the run (a running client breaks, data is lost, or the
  rollback fails), `warning` is a hazard a reviewer must look at, `info` is context. Where
  the tool reports a rule at another severity, the rule says when.
- **Policy**: `disable = ["rule-id"]` turns a rule off, `[tool.hotfix-hooks.severity]`
  re-rates it ([policy](policy.md)); an unknown rule id there is a configuration error.
- **Waivers**: an approved `[[exceptions]]` entry in the hotfix record waives a finding by
  rule and path, or by its `fingerprint` ([record](record.md#waivers)).
"""

_CATEGORY_PAGES = {
    'naming': 'Branch, tag, PR title and commit message names ([naming.md](naming.md)).',
    'scope': 'The hotfix scope budget, dependencies, new modules ([scope.md](scope.md)).',
    'contract': 'The API contract: OpenAPI specs and the route code ([contract.md](contract.md)).',
    'actions': 'The `/actions` flow and idempotency protections ([actions.md](actions.md)).',
    'migrations': 'Migration safety ([migrations.md](migrations.md)).',
    'record': 'The hotfix record and its waivers ([record.md](record.md)).',
    'gate': 'The pre-push gates ([gates.md](gates.md)).',
}

_CATEGORY_NOTES = {
    'contract': ('Rules named `<location>-<change>` are composed by the comparison for each '
                 'place a schema can change: `request-parameter`, `request-body`, '
                 '`request-property`, `response-body`, `response-property`, `response-header`. '
                 'Each group below lists its ids; a request is compatible when it accepts '
                 'everything it accepted before, a response when it returns nothing clients '
                 'did not get before.'),
    'migrations': ('Off hotfix branches every migration rule is reported one level lower. '
                   '`migrations.severity` and `migrations.disable` take migration rules only.'),
}


def severity_text(rule: Rule) -> str:
    return rule.severity + (f' ({rule.severity_note})' if rule.severity_note else '')


def explain_text(rule: Rule) -> str:
    """One rule in full, as ``explain`` prints it."""
    head = f'{rule.id}  [{rule.category}, {severity_text(rule)}]'
    if rule.family:
        head += f'  family: {rule.family}'
    lines = [head, f'  {rule.summary}', '',
             f'Why:  {rule.why}', f'Fix:  {rule.fix}', f'Bad:  {rule.bad}',
             f'Good: {rule.good}', '',
             f'Policy: disable = ["{rule.id}"] turns it off; [tool.hotfix-hooks.severity] '
             f'"{rule.id}" = "warning" re-rates it.',
             f'Reference: docs/rules.md#{rule.id}']
    return '\n'.join(lines) + '\n'


def _md(text: str) -> str:
    return text.replace('|', '\\|').replace('<', '\\<').replace('*', '\\*')


def _md_rule(rules: list[Rule]) -> list[str]:
    """One rule, or one group of composed rules (the same change at each location)."""
    first = rules[0]
    out = [f'### `{first.group or first.id}`', '']
    if first.group:      # the heading is the group: each id gets its own anchor
        out += [''.join(f'<a id="{r.id}"></a>' for r in rules), '']
    sev = f'**{severity_text(first)}**'
    if first.family:
        sev += f' · family: {first.family}'
    if first.group:
        out += [sev, '']
        out += [f'- `{r.id}`: {_md(r.summary)}' for r in rules]
        out.append('')
    else:
        out += [f'{sev} · {_md(first.summary)}', '']
    out += [f'- **Why**: {_md(first.why)}',
            f'- **Fix**: {_md(first.fix)}',
            f'- **Bad**: {_md(first.bad)}',
            f'- **Good**: {_md(first.good)}', '']
    return out


def markdown(category: str | None = None) -> str:
    """The rule reference (``docs/rules.md``), or one category's section of it."""
    out = [] if category else [_INTRO]
    for cat in CATEGORIES:
        if category and cat != category:
            continue
        rules = catalog.by_category(cat)
        if not rules:
            continue
        out += [f'## {cat}', '', _CATEGORY_PAGES.get(cat, ''), '']
        if cat in _CATEGORY_NOTES:
            out += [_CATEGORY_NOTES[cat], '']
        groups: dict[str, list[Rule]] = {}
        for r in rules:
            groups.setdefault(r.group or r.id, []).append(r)
        for members in groups.values():
            out += _md_rule(members)
    return '\n'.join(out).rstrip('\n') + '\n'


def _text(rules: list[Rule]) -> str:
    width = max((len(r.id) for r in rules), default=0)
    out = []
    for cat in CATEGORIES:
        members = [r for r in rules if r.category == cat]
        if not members:
            continue
        out.append(f'{cat} ({len(members)})')
        out += [f'  {r.id:<{width}}  {r.severity:<7}  {r.summary}' for r in members]
        out.append('')
    out.append(f'{len(rules)} rules; "hotfix-hooks explain RULE" prints one in full.')
    return '\n'.join(out) + '\n'


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='hotfix-hooks rules',
        description='List the rules hotfix-hooks reports (the rule catalogue).')
    parser.add_argument('--category', choices=CATEGORIES,
                        help='only the rules of this check')
    parser.add_argument('--format', choices=('text', 'json', 'markdown'), default='text',
                        help='text (default), json (every field), or markdown '
                             '(docs/rules.md)')
    args = parser.parse_args(argv)
    rules = catalog.by_category(args.category)
    if args.format == 'json':
        payload = {'tool': {'name': 'hotfix-hooks', 'version': __version__},
                   'rules': [r.to_json() for r in rules]}
        sys.stdout.write(json.dumps(payload, indent=2) + '\n')
    elif args.format == 'markdown':
        sys.stdout.write(markdown(args.category))
    else:
        sys.stdout.write(_text(rules))
    return 0
