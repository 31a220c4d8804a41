"""``hotfix-hooks cache info`` / ``hotfix-hooks cache clear``: the persistent analysis cache
(``<git common dir>/hotfix-hooks/cache``, see ``hotfix_hooks.cache``)."""
from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence

from hotfix_hooks import cache as cache_mod
from hotfix_hooks.commands.common import add_policy_option
from hotfix_hooks.commands.common import load_policy
from hotfix_hooks.git import plumbing


def _mb(n: int) -> str:
    return f'{n / 1_000_000:.1f} MB'


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='hotfix-hooks cache',
        description='The persistent analysis cache of this repository '
                    '(<git common dir>/hotfix-hooks/cache, shared by linked worktrees).')
    sub = parser.add_subparsers(dest='action', metavar='ACTION', required=True)
    info = sub.add_parser('info', help='where the cache is, its entries and size')
    info.add_argument('--format', choices=('text', 'json'), default='text')
    add_policy_option(info)
    sub.add_parser('clear', help='remove every entry')
    args = parser.parse_args(argv)

    root = cache_mod.cache_dir(plumbing.common_dir(plumbing.toplevel()))
    if args.action == 'clear':
        removed, freed = cache_mod.clear(root)
        print(f'hotfix-hooks cache: removed {removed} entries ({_mb(freed)}) from {root}')
        return 0
    args.no_cache = True       # describing the cache never writes the policy into it
    _top, policy = load_policy(args)
    policy_mb = policy.section('cache').get('max_mb')
    data = cache_mod.describe(root)
    data['max_bytes'] = cache_mod.max_bytes_from(policy_mb)
    data['bound_from'] = ('environment (HOTFIX_HOOKS_CACHE_MAX_MB)'
                          if os.environ.get(cache_mod.ENV_MAX_MB, '').strip()
                          else '[tool.hotfix-hooks.cache] max_mb')
    data['enabled'] = not cache_mod.switched_off() and data['max_bytes'] > 0
    if args.format == 'json':
        print(json.dumps(data, indent=2))
        return 0
    state = 'on' if data['enabled'] else (
        'off (HOTFIX_HOOKS_CACHE)' if cache_mod.switched_off() else 'off (max_mb = 0)')
    print(f'analysis cache: {root}')
    print(f'state: {state}; bound {_mb(data["max_bytes"])} ({data["bound_from"]})')
    print(f'entries: {data["entries"]} ({_mb(data["bytes"])})')
    width = max((len(ns) for ns in data['namespaces']), default=0)
    for ns, row in data['namespaces'].items():
        print(f'  {ns:<{width}}  {row["entries"]:>7} entries  {_mb(row["bytes"]):>10}')
    return 0
