"""Coverage of the contract built from route code at one commit of a corpus project.

    QUALITY_MIRRORS=/path/to/mirrors python bench/quality/coverage.py PROJECT [COMMIT]

Prints how many operations the route code yields, how many have a resolved success
response schema (``api-code-coverage``), the modules with routes that do not parse, and
the first unresolved operations. Reads the replay's clone (``replay.py`` makes it).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / 'hooks'))
sys.path.insert(0, str(HERE))


def main(argv: list[str] | None = None) -> int:
    import replay

    from hotfix_hooks import policy as policy_mod
    from hotfix_hooks.git.changes import ObjectReader
    from hotfix_hooks.git.changes import TreeSnapshot
    from hotfix_hooks.openapi import codecontract
    from hotfix_hooks.openapi import fromcode

    args = sys.argv[1:] if argv is None else argv
    project = replay.corpus()[args[0]]
    repo = replay.clone(project)
    commit = args[1] if len(args) > 1 and args[1] else project['head']
    cfg = policy_mod.from_mapping(project.get('policy', {}), None).section('contract')
    reader = ObjectReader(str(repo))
    snap = TreeSnapshot(str(repo), reader, replay.git(repo, 'rev-parse', commit))
    t = time.perf_counter()
    proj = fromcode.Project(snap, list(cfg['code_exclude']), fromcode.ParseCache(),
                            list(cfg.get('python_roots', [])))
    contract = fromcode.build(proj)
    total, missing = codecontract.coverage(contract)
    print(f'{args[0]} {commit[:12]}: {total - len(missing)}/{total} operations with a '
          f'resolved response schema ({(total - len(missing)) / max(total, 1):.0%}); '
          f'{len(proj.unparsed)} route module(s) do not parse; '
          f'{time.perf_counter() - t:.1f}s')
    for path in sorted(proj.unparsed):
        print(f'  unparsed: {path}')
    for op in missing[:int(args[2]) if len(args) > 2 else 15]:
        method, _, path = op.partition(' ')
        item = contract.doc['paths'][path][method.lower()]
        why = [r.get(fromcode.UNRESOLVED) or 'a referenced schema is unresolved'
               for s, r in item['responses'].items() if s.startswith('2')] or ['no 2xx']
        where = contract.handlers.get(f'/paths/{fromcode.escape(path)}/{method.lower()}')
        print(f'  unresolved: {op} ({why[0]}) {where}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
