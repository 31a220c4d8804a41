"""``hotfix-hooks status``: the hotfix status message (the protocol's communication
template, ``record.status_template``) from the record and the evidence."""
from __future__ import annotations

import sys
from collections.abc import Sequence

from hotfix_hooks.commands.common import print_notes
from hotfix_hooks.commands.judged import one_context
from hotfix_hooks.commands.judged import record_parser
from hotfix_hooks.pipeline.readiness import gather
from hotfix_hooks.pipeline.readiness import status_values
from hotfix_hooks.policy import status_template as status


def main(argv: Sequence[str] | None = None) -> int:
    parser = record_parser('status', 'Print the hotfix status message (the protocol\'s '
                                     'communication template) from the record and the '
                                     'evidence.')
    args = parser.parse_args(argv)
    judged = one_context(args, committed=False)
    policy = judged.policy
    facts = gather(judged)
    print_notes(facts.notes, 'status')
    if facts.record is None and facts.ticket:
        print(f'hotfix-hooks status: note: {facts.record_absence()}; its fields are '
              'unknown', file=sys.stderr)
    template = policy.section('record').get('status_template') or ''
    sys.stdout.write(status.render(template, status_values(facts, policy)))
    return 0
