"""``hotfix-hooks new TICKET DESCRIPTION``: the protocol's first command, done right.

Creates ``hotfix/<ticket>-<slug>`` from the policy's base branch and switches to it.
"""
from __future__ import annotations

import argparse
import re
from collections.abc import Sequence

from hotfix_hooks import policy as policy_mod
from hotfix_hooks.checks.naming import slugify
from hotfix_hooks.checks.naming import ticket_shape
from hotfix_hooks.errors import ConfigError
from hotfix_hooks.errors import GitError
from hotfix_hooks.errors import UsageError
from hotfix_hooks.git import context
from hotfix_hooks.git import plumbing
from hotfix_hooks.policy import Policy
from hotfix_hooks.record import model as record


def branch_name(ticket: str, description: str, policy: Policy) -> str:
    if not re.fullmatch(f'(?:{policy["ticket_pattern"]})', ticket):
        raise UsageError(f'ticket {ticket!r} does not match the policy key ticket_pattern '
                         f'({policy["ticket_pattern"]})', hint=_pattern_hint(ticket, policy))
    naming = policy['naming']
    slug = slugify(description, naming['description_max_length'])
    if len(slug) < naming['description_min_length']:
        raise UsageError(f'description {description!r} gives the slug {slug!r}, shorter than '
                         f'{naming["description_min_length"]} characters',
                         hint='describe the fix in a few words')
    return f'{policy["hotfix_prefix"]}{ticket}-{slug}'


def _pattern_hint(ticket: str, policy: Policy) -> str:
    """How to make the policy accept ``ticket``: the key, the file, a pattern that fits."""
    import os

    if policy.path:
        where = os.path.basename(policy.path)
        where = f'[tool.hotfix-hooks] in {where}' if where == 'pyproject.toml' else where
    else:
        where = '.hotfix-hooks.toml (or [tool.hotfix-hooks] in pyproject.toml)'
    shape = ticket_shape(ticket)
    if shape is None:
        return (f'give an id such as ARIS-77, or set ticket_pattern in {where} to a regular '
                'expression (without ^ or $) that matches your tracker\'s ids')
    return (f'if {ticket} is a real ticket id, set ticket_pattern = "{shape}" in {where} '
            '("hotfix-hooks init" infers it from your branch names and commit subjects)')


def main(argv: Sequence[str] | None = None) -> int:

    parser = argparse.ArgumentParser(prog='hotfix-hooks new',
                                     description='Start a hotfix branch from the base.')
    parser.add_argument('ticket', help='ticket id, e.g. ARIS-77')
    parser.add_argument('description', help='short description, e.g. "Fix stock totals drift"')
    parser.add_argument('--base', help='branch to start from (default: the policy base)')
    parser.add_argument('--no-switch', action='store_true',
                        help='create the branch without switching to it')
    args = parser.parse_args(argv)
    root = plumbing.toplevel()
    policy = policy_mod.load(root)
    name = branch_name(args.ticket, args.description, policy)
    if not plumbing.has_commits(root):
        raise GitError('this repository has no commits yet', hint='commit the base first')
    if plumbing.ref_exists(f'refs/heads/{name}', root):
        raise GitError(f'branch {name} already exists', hint=f'git switch {name}')
    resolver = context._Resolver(context.Request(base=args.base), policy, {}, root,
                                 plumbing.git_dir(root))
    found = resolver.base_ref()
    if found is None:
        raise GitError('no base branch found', hint='pass --base or set [tool.hotfix-hooks] base')
    base_ref, base_sha = found
    if args.no_switch:
        plumbing.run(['branch', '--no-track', '--end-of-options', name, base_sha], cwd=root)
    else:
        plumbing.run(['checkout', '-q', '--no-track', '-b', name, base_sha], cwd=root)
    short = base_ref.removeprefix('refs/remotes/').removeprefix('refs/heads/')
    print(f'Created branch {name} from {short} ({base_sha[:12]})'
          + ('' if args.no_switch else ' and switched to it'))
    if not args.no_switch:
        print(write_record(root, args.ticket, policy))
    return 0


def write_record(root: str, ticket: str, policy: Policy) -> str:
    """Write the hotfix record template (never over an existing file); say what happened."""
    import os

    rel = record.record_path(policy, ticket)
    path = os.path.join(root, rel)
    if os.path.exists(path):
        return f'Kept the existing hotfix record {rel}'
    try:
        os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
        with open(path, 'x', encoding='utf-8', newline='\n') as f:
            f.write(record.render_template(ticket))
    except OSError as e:

        raise ConfigError(f'cannot write the hotfix record {rel}: {e.strerror}',
                          hint='the branch is created; clear the path and write the record '
                               'from the template in the README') from None
    return (f'Wrote the hotfix record {rel} (not committed): fill in every field, then '
            f'"git add {rel}" and commit it')
