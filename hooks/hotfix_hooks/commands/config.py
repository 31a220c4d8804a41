"""``hotfix-hooks config``: the effective policy and where each value came from.

On a hotfix branch whose policy differs from its base side's, the checks use the base
side's (``pipeline/trust.py``): ``config`` then says so, and what the branch changed."""
from __future__ import annotations

import argparse
import json
import os
import posixpath
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
from hotfix_hooks.policy.tree import disk_reader
from hotfix_hooks.policy.tree import policy_files
from hotfix_hooks.policy.tree import PolicyTree
from hotfix_hooks.report.json import envelope


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


def _policy_files(root: str) -> list[str]:
    """Every policy file of the working tree (tracked or not, ignored files left out)."""
    data = plumbing.run(['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--',
                         *(f':(glob)**/{n}' for n in policy_mod.CONFIG_FILES)], cwd=root).stdout
    return policy_files(plumbing.zsplit(data), disk_reader(root))


def main(argv: Sequence[str] | None = None) -> int:

    parser = argparse.ArgumentParser(
        prog='hotfix-hooks config',
        description='Print the effective policy, where each value came from, and which '
                    'policy file governs which folder.')
    parser.add_argument('--format', choices=('text', 'json'), default='text')
    parser.add_argument('--config', help='policy file')
    parser.add_argument('--path', metavar='PATH',
                        help='print the policy governing this file (a repository path): the '
                             'nearest policy file of its folder, else the root policy')
    args = parser.parse_args(argv)
    root = plumbing.toplevel()
    policy = policy_mod.load(root, args.config)
    tree = PolicyTree(policy, disk_reader(root))
    files = _policy_files(root)
    governs = [tree.root] + [tree.governing(f) for f in files
                             if posixpath.dirname(f) != '']
    governs = [g for g in governs if g is tree.root or g.folder]
    shown = tree.root
    if args.path:
        rel = args.path.replace(os.sep, '/').strip('/')
        if os.path.isabs(args.path):
            rel = os.path.relpath(args.path, root).replace(os.sep, '/')
        shown = tree.governing(rel)
    flat = _flatten(shown.policy.values)
    sources = {k: shown.policy.sources.get(k, 'default') for k in flat}
    judged = _judged_by(policy)
    if args.format == 'json':
        out: dict[str, Any] = {
            **envelope(), 'file': shown.policy.path, 'folder': shown.folder,
            'values': shown.policy.values, 'sources': sources,
            'governs': [{'folder': g.folder, 'file': g.file} for g in governs]}
        if judged is not None:
            out['judged_by'] = judged
        print(json.dumps(out, indent=2, default=str))
        return 0
    if args.path:
        print(f'# {rel} is governed by {shown.label} (folder {shown.folder or "."}/)')
    else:
        print(f'# policy file: {policy.path or "(none: ARIS3 v1 defaults)"}')
    if len(governs) > 1:
        width = max(len(g.folder) + 1 for g in governs) + 2
        print('# policy files (the nearest one governs the files below its folder):')
        for g in governs:
            name = f'{g.folder or "."}/'
            print(f'#   {name:<{width}}{g.file or "(no policy file: the ARIS3 v1 defaults)"}')
    width = max(len(k) for k in flat)
    for key, value in flat.items():
        print(f'{key:<{width}} = {json.dumps(value, default=str)}  # {sources[key]}')
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
