"""``hotfix-hooks explain RULE [--format text|json]``: one rule of the catalogue in full
(what it reports, why it matters, how to fix it, a bad and a good example). An unknown id is
exit 2 with the nearest known ids."""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from hotfix_hooks import catalog
from hotfix_hooks.commands.rules import explain_text
from hotfix_hooks.errors import UsageError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='hotfix-hooks explain',
        description='Explain one rule: what it reports, why, how to fix it, examples.')
    parser.add_argument('rule', help='the rule id (as findings name it, e.g. '
                                     'migration-drop-table)')
    parser.add_argument('--format', choices=('text', 'json'), default='text')
    args = parser.parse_args(argv)
    rule = catalog.get(args.rule.strip())
    if rule is None:
        raise UsageError(f'unknown rule {args.rule!r}{catalog.did_you_mean(args.rule.strip())}')
    if args.format == 'json':
        sys.stdout.write(json.dumps(rule.to_json(), indent=2) + '\n')
    else:
        sys.stdout.write(explain_text(rule))
    return 0
