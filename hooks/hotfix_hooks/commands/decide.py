"""``hotfix-hooks decide``: rollback-first or patch-forward? The protocol's four conditions
(the data-integrity one also derived from the change), and whether the record agrees."""
from __future__ import annotations

import json
from collections.abc import Sequence

from hotfix_hooks.commands.common import print_notes
from hotfix_hooks.commands.judged import one_context
from hotfix_hooks.commands.judged import record_parser
from hotfix_hooks.pipeline.readiness import gather
from hotfix_hooks.pipeline.readiness import pending_waivers
from hotfix_hooks.record.decision import decide
from hotfix_hooks.report.json import envelope


def main(argv: Sequence[str] | None = None) -> int:
    parser = record_parser('decide', 'Rollback-first or patch-forward: evaluate the '
                                     'protocol\'s four conditions (the data-integrity one '
                                     'also from the change).')
    parser.add_argument('--format', choices=('text', 'json'), default='text')
    args = parser.parse_args(argv)
    judged = one_context(args, committed=False)
    policy = judged.policy
    facts = gather(judged)
    verdict = decide(facts.record, facts.derived, policy, pending_waivers(facts))
    if args.format == 'json':
        data = {**envelope(), **verdict.to_json()}
        data.update({'branch': facts.branch, 'record': facts.record_path,
                     'derived_data_integrity': facts.derived})
        print(json.dumps(data, indent=2))
        return 0 if verdict.matches else 1
    print_notes(facts.notes, 'decide')
    print(f'recommendation: {verdict.recommendation}')
    for r in verdict.reasons:
        mark = {True: '[x]', False: '[ ]', None: '[?]'}[r.value]
        print(f'  {mark} {r.text}')
    if facts.record is None:
        print(f'record decision: unknown ({facts.record_absence()})')
        return 1
    recorded = facts.record.decision or 'unknown'
    if verdict.matches:
        print(f'record decision: {recorded} (matches)')
        return 0
    if verdict.unknown:
        print(f'record decision: {recorded}; conditions unknown: {", ".join(verdict.unknown)}')
        return 1
    print(f'record decision: {recorded} (does NOT match: set decision = '
          f'"{verdict.recommendation}" in {facts.record.path}, or correct the conditions)')
    return 1
