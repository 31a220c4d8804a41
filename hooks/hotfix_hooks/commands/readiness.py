"""``hotfix-hooks readiness``: is the hotfix ready to merge? Every mandatory check of the
protocol with PASS, FAIL or MISSING and its evidence, for the committed HEAD (or the
pushed / CI commit): evidence exists for commits only."""
from __future__ import annotations

import json
from collections.abc import Sequence

from hotfix_hooks.commands.common import print_notes
from hotfix_hooks.commands.judged import one_context
from hotfix_hooks.commands.judged import record_parser
from hotfix_hooks.findings import Finding
from hotfix_hooks.pipeline.readiness import gather
from hotfix_hooks.pipeline.readiness import readiness_rows
from hotfix_hooks.report.json import envelope


def main(argv: Sequence[str] | None = None) -> int:
    parser = record_parser('readiness', 'Is this hotfix ready to merge? Every mandatory check '
                                        'of the protocol with PASS, FAIL or MISSING and its '
                                        'evidence.')
    parser.add_argument('--format', choices=('text', 'json'), default='text')
    args = parser.parse_args(argv)
    judged = one_context(args, committed=True)
    policy = judged.policy
    facts = gather(judged)
    rows = readiness_rows(facts, policy)
    ready = all(r.status == 'PASS' for r in rows)
    shown = sorted((f for f in facts.findings if f.blocking or f.waived), key=Finding.sort_key)
    if args.format == 'json':
        print(json.dumps({**envelope(), 'ready': ready, 'branch': facts.branch,
                          'commit': facts.commit, 'tree': facts.tree,
                          'checks': [r.to_json() for r in rows],
                          'findings': [f.to_json() for f in shown], 'notes': facts.notes},
                         indent=2))
        return 0 if ready else 1
    print_notes(facts.notes, 'readiness')
    print(f'hotfix readiness: {facts.branch or "(unknown branch)"} at {facts.short}')
    width = max(len(r.check) for r in rows)
    print(f'{"CHECK":<{width}}  {"RESULT":<7}  EVIDENCE')
    for r in rows:
        print(f'{r.check:<{width}}  {r.status:<7}  {r.evidence}')
    for f in shown:
        loc = f'{f.path}:{f.line}: ' if f.path and f.line else (f'{f.path}: ' if f.path else '')
        label = 'waived' if f.waived else f.severity
        print(f'  {loc}{label} [{f.rule}] {f.message}')
    bad = [r for r in rows if r.status != 'PASS']
    if bad:
        print(f'NOT READY: {len(bad)} of {len(rows)} checks are not PASS '
              f'({", ".join(r.check for r in bad)})')
        return 1
    print(f'READY: all {len(rows)} checks PASS on {facts.short}')
    return 0
