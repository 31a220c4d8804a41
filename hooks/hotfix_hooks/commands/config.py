"""``hotfix-hooks config``: the effective policy and where each value came from.

On a hotfix branch whose policy differs from its base side's, the checks use the base
side's (``pipeline/trust.py``): ``config`` then says so, and what the branch changed."""
from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from hotfix_hooks import policy as policy_mod
from hotfix_hooks.errors import HotfixError
from hotfix_hooks.git import plumbing
from hotfix_hooks.git.context import Request
from hotfix_hooks.pipeline import trust
from hotfix_hooks.policy import Policy
from hotfix_hooks.policy import SCHEMA
from hotfix_hooks.policy.diff import summary


def _flatten(values: dict[str, Any], prefix: str = '') -> dict[str, Any]:

    out: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, dict) and f'{prefix}{k}' not in ('severity',) and not k.endswith(
                ('env', 'severity', 'domains')) and v and all(
                isinstance(x, (dict, list, str, int, float, bool)) or x is None
                for x in v.values()) and _is_table(prefix + k):
            out.update(_flatten(v, f'{prefix}{k}.'))
        else:
            out[f'{prefix}{k}'] = v
    return out


def _is_table(name: str) -> bool:

    node = SCHEMA
    key = None
    for part in name.split('.'):
        key = node.get(part)
        if key is None:
            return False
        node = key.keys or {}
    return key is not None and key.kind == 'table'


def main(argv: Sequence[str] | None = None) -> int:

    parser = argparse.ArgumentParser(prog='hotfix-hooks config',
                                     description='Print the effective policy.')
    parser.add_argument('--format', choices=('text', 'json'), default='text')
    parser.add_argument('--config', help='policy file')
    args = parser.parse_args(argv)
    root = plumbing.toplevel()
    policy = policy_mod.load(root, args.config)
    flat = _flatten(policy.values)
    judged = _judged_by(policy)
    if args.format == 'json':
        out: dict[str, Any] = {
            'file': policy.path, 'values': policy.values,
            'sources': {k: policy.sources.get(k, 'default') for k in flat}}
        if judged is not None:
            out['judged_by'] = judged
        print(json.dumps(out, indent=2, default=str))
        return 0
    print(f'# policy file: {policy.path or "(none: ARIS3 v1 defaults)"}')
    width = max(len(k) for k in flat)
    for key, value in flat.items():
        src = policy.sources.get(key, 'default')
        print(f'{key:<{width}} = {json.dumps(value, default=str)}  # {src}')
    if judged is not None:
        print(f"# this hotfix branch is judged by the policy of its base side "
              f"({judged['source']}), not by the values above "
              f"(policy-changed-in-hotfix): {judged['summary']}")
    return 0


def _judged_by(policy: Policy) -> dict[str, Any] | None:
    """On a hotfix branch whose own policy differs from its base side's: where the policy
    the checks use comes from, and what the branch changed; else None."""
    if policy.explicit:
        return None
    try:
        judged = trust.resolve(Request(stage='manual'), policy)
    except HotfixError:          # no base branch, no commit yet: nothing to compare with
        return None
    if not judged.trusted or not (judged.changes or judged.unreadable):
        return None
    what = summary(judged.changes) if judged.changes else \
        f'its policy file cannot be read: {judged.unreadable}'
    return {'source': judged.source, 'summary': what,
            'changes': [c.to_json() for c in judged.changes]}
