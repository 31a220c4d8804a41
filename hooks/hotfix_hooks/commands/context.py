"""``hotfix-hooks context``: how this invocation was resolved (stage, branch and where it
came from, mode, base and head, why), for people debugging a hook."""
from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from hotfix_hooks.commands.common import add_policy_option
from hotfix_hooks.commands.common import load_policy
from hotfix_hooks.git.context import request_from_args
from hotfix_hooks.git.context import resolve_all
from hotfix_hooks.git.invocation import add_arguments


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='hotfix-hooks context',
                                     description='Print how this invocation was resolved.')
    add_arguments(parser)
    parser.add_argument('--format', choices=('text', 'json'), default='text')
    add_policy_option(parser)
    args = parser.parse_args(argv)
    req = request_from_args(args)
    _root, pol = load_policy(args)
    contexts = resolve_all(req, pol)
    if args.format == 'json':
        print(json.dumps([c.to_json() for c in contexts], indent=2))
        return 0
    for c in contexts:
        print(f'stage:   {c.stage}')
        print(f'mode:    {c.mode}')
        print(f'branch:  {c.branch or "-"}  (from {c.branch_source})')
        base = 'empty tree' if c.empty_base else (c.base or '-')
        print(f'base:    {base}' + (f'  ({c.base_ref})' if c.base_ref else ''))
        head = c.head or {'index': 'the index', 'worktree': 'the working tree'}.get(c.mode, '-')
        print(f'head:    {head}')
        if c.tag:
            print(f'tag:     {c.tag}')
        if c.ci:
            print(f'ci:      {c.ci.name}')
        for w in c.why:
            print(f'why:     {w}')
        for n in c.notes:
            print(f'note:    {n}')
    return 0
