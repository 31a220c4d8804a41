"""Gate evidence: what ran, on which commit and tree, with what result.

Stored under the repository's git directory (never committed):

    <git-common-dir>/hotfix-hooks/evidence/<tree-sha>.json
    {"tree": "<sha>", "results": {"<gate name>": {...GateResult fields...}}}

A result only ever counts for the tree it ran on: a later commit with a different tree has
no evidence until the gates run again.
"""
from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from typing import Any

STATUSES = ('pass', 'fail', 'timeout', 'error', 'skipped', 'not-configured')


@dataclasses.dataclass
class GateResult:
    name: str                      # gate name ('smoke', 'integrity', 'domain:pos', 'rollback')
    kind: str                      # 'gate' | 'domain' | 'rollback'
    command: list[str]
    status: str                    # pass | fail | timeout | error | skipped | not-configured
    exit_code: int | None
    duration_s: float
    commit: str
    tree: str
    started_at: str                # ISO 8601 UTC
    finished_at: str
    log: str | None = None         # path of the captured output
    detail: str = ''               # one line: why it failed / what made a domain run

    @property
    def passed(self) -> bool:
        return self.status == 'pass'

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GateResult:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def evidence_dir(git_dir: str) -> str:
    return os.path.join(git_dir, 'hotfix-hooks', 'evidence')


def load(git_dir: str, tree: str) -> dict[str, GateResult]:
    """Results recorded for ``tree`` (empty when none or unreadable)."""
    path = os.path.join(evidence_dir(git_dir), f'{tree}.json')
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
        return {name: GateResult.from_json(r) for name, r in data.get('results', {}).items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def store(git_dir: str, tree: str, results: list[GateResult]) -> str:
    """Merge ``results`` into the evidence of ``tree`` (atomic write); return the file path."""
    directory = evidence_dir(git_dir)
    os.makedirs(directory, exist_ok=True)
    current = load(git_dir, tree)
    for r in results:
        current[r.name] = r
    payload = {'tree': tree, 'results': {n: dataclasses.asdict(r) for n, r in current.items()}}
    path = os.path.join(directory, f'{tree}.json')
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.evidence-')
    with os.fdopen(fd, 'w', encoding='utf-8') as f:
        json.dump(payload, f, indent=2, sort_keys=True)
    os.replace(tmp, path)
    return path
