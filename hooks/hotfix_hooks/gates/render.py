"""How a gate run is shown: the text summary table (with the failed gates' log tails)
and the JSON payload."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from hotfix_hooks import report
from hotfix_hooks.findings import Finding
from hotfix_hooks.gates.process import tail
from hotfix_hooks.gates.run import GateRun
from hotfix_hooks.gates.run import rel_path
from hotfix_hooks.policy import Policy

# what fails a gate run (shown in capitals)
NOT_PASSED = ('fail', 'timeout', 'error', 'not-configured')


def render_text(runs: Sequence[GateRun], root: str, policy: Policy, out: TextIO) -> None:

    findings: list[Finding] = []
    for run in runs:
        findings += run.findings
        if run.skipped_reason:
            out.write(f'hotfix-hooks gate: {run.skipped_reason}\n')
            continue
        out.write(f'hotfix-hooks gate: {run.branch} @ {run.commit[:12]} '
                  f'(tree {run.tree[:12]})\n')
        for note in run.notes:
            out.write(f'  note: {note}\n')
        out.write(f'  ran: {run.workspace} ({run.workspace_why})\n')
        if run.domains:
            out.write('  impacted domains:\n')
            for name, because in run.domains.items():
                out.write(f'    {name:<12} touched by {because}\n')
        else:
            out.write('  impacted domains: none (no changed file matches a domain\'s paths)\n')
        if run.untouched and run.domains:
            out.write(f'  not touched: {", ".join(run.untouched)}\n')
        if run.unmatched:
            out.write('  changed files matching no domain:\n')
            for p in run.unmatched:
                out.write(f'    {p}\n')
        if run.results:
            width = max(8, *(len(r.name) for r in run.results))
            out.write(f'\n  {"gate":<{width}}  {"status":<8}  {"time":>7}  detail\n')
            for r in run.results:
                status = r.status.upper() if r.status in NOT_PASSED else r.status
                detail = r.detail
                if r.name in run.reused:
                    status = 'pass'
                    detail = f'reused: passed on this tree at {r.finished_at}'
                out.write(f'  {r.name:<{width}}  {status:<8}  {r.duration_s:>6.1f}s  '
                          f'{detail}\n')
        tail_n = (run.policy or policy).section('gate')['log_tail']
        for r in run.results:
            if r.status in ('fail', 'timeout') and r.name not in run.reused and r.log:
                out.write(f'\n  --- last {tail_n} lines of {r.name} '
                          f'({rel_path(r.log, root)}) ---\n')

                for line in tail(r.log, tail_n):
                    out.write(f'  | {line}\n')
        if run.evidence_path:
            out.write(f'\n  evidence: {rel_path(run.evidence_path, root)}\n')
    out.flush()
    if findings:
        out.write('\n')
        report.render(findings, 'text', stream=out)
    if not all(run.skipped_reason for run in runs):
        out.write(verdict(runs) + '\n')
    out.flush()


def verdict(runs: Sequence[GateRun]) -> str:
    results = [r for run in runs for r in run.results]
    if not results:
        return 'hotfix-hooks gate: nothing to run'
    failed = [r.name for r in results if r.status in NOT_PASSED]
    counts = {'pass': 0, 'reused': 0, 'skipped': 0}
    for run in runs:
        for r in run.results:
            if r.name in run.reused:
                counts['reused'] += 1
            elif r.status in counts:
                counts[r.status] += 1
    tally = ', '.join(f'{n} {k}' for k, n in counts.items() if n)
    if any(run.interrupted for run in runs):
        return f'hotfix-hooks gate: INTERRUPTED ({tally or "nothing finished"})'
    if failed:
        return (f'hotfix-hooks gate: FAILED: {len(failed)} of {len(results)} failed '
                f'({", ".join(failed)}); {tally}')
    return f'hotfix-hooks gate: passed ({tally})'


def render_json(runs: Sequence[GateRun], out: TextIO) -> None:
    import dataclasses


    findings = [f for run in runs for f in run.findings]
    payload = []
    for run in runs:
        results = []
        for r in run.results:
            item = dataclasses.asdict(r)
            item['reused'] = r.name in run.reused
            results.append(item)
        payload.append({
            'branch': run.branch, 'commit': run.commit, 'tree': run.tree,
            'skipped': run.skipped_reason or None, 'workspace': run.workspace,
            'workspace_why': run.workspace_why, 'domains': run.domains,
            'untouched_domains': run.untouched, 'unmatched_files': run.unmatched,
            'results': results, 'evidence': run.evidence_path or None,
            'interrupted': run.interrupted, 'notes': run.notes})
    report.render(findings, 'json', stream=out, extra={'runs': payload})
