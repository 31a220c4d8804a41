"""The policy ``init`` writes: commented TOML, every value with where it came from, every
guess (a gate or a domain) marked as a proposal to confirm (``proposed = true``).

``root_policy`` is the repository's policy file (the repository-wide keys, and the folder
keys of what the root governs); ``folder_policy`` is the file of one service of a
monorepo. ``prefix`` is ``tool.hotfix-hooks`` when the text goes into a
``pyproject.toml`` (then every table is ``[tool.hotfix-hooks....]``), '' for a
``.hotfix-hooks.toml``.
"""
from __future__ import annotations

import json
from collections.abc import Sequence

from hotfix_hooks.changeset import matches_any
from hotfix_hooks.init.inspect import DEFAULT_TICKET_PATTERN
from hotfix_hooks.init.inspect import Inspection
from hotfix_hooks.init.inspect import Proposal
from hotfix_hooks.init.inspect import Service
from hotfix_hooks.policy.schema import DEFAULT_DOMAINS
from hotfix_hooks.policy.schema import SCHEMA

TOOL = 'tool.hotfix-hooks'
COMMENT_COLUMN = 40
WIDTH = 92


def _value(v: object) -> str:
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, str):
        return json.dumps(v)          # a TOML basic string (JSON escapes are TOML escapes)
    if isinstance(v, list):
        return '[' + ', '.join(_value(x) for x in v) + ']'
    return str(v)


def _line(key: str, value: object, comment: str = '', commented: bool = False) -> str:
    """``key = value`` with its comment beside it, or above it when that would be long."""
    text = f'{"# " if commented else ""}{key} = {_value(value)}'
    if comment:
        pad = max(COMMENT_COLUMN - len(text), 2)
        if len(text) + pad + 2 + len(comment) <= WIDTH:
            return text + ' ' * pad + f'# {comment}'
        return '\n'.join([*_comment(comment), text])
    return text


def _comment(text: str, indent: str = '') -> list[str]:
    """``text`` as comment lines wrapped at ``WIDTH``."""
    words, lines, cur = text.split(), [], ''
    for w in words:
        if cur and len(indent) + 2 + len(cur) + 1 + len(w) > WIDTH:
            lines.append(f'{indent}# {cur}')
            cur = w
        else:
            cur = f'{cur} {w}' if cur else w
    if cur:
        lines.append(f'{indent}# {cur}')
    return lines


def _n(count: int, what: str) -> str:
    return f'{count} {what}' + ('' if count == 1 else 's')


def _table(prefix: str, name: str, array: bool = False) -> str:
    full = f'{prefix}.{name}' if prefix else name
    return f'[[{full}]]' if array else f'[{full}]'


def header(where: str) -> list[str]:
    return _comment(
        f'hotfix-hooks policy ({where}), written by "hotfix-hooks init" from what this '
        'repository holds. Every key: docs/policy.md of hotfix-hooks ("hotfix-hooks config" '
        'prints the effective values and where each comes from). PROPOSAL marks a guess: '
        'check it, then delete its "proposed = true" line; until then it does not run, and a '
        'push of a hotfix branch reports it as not configured.')


def repository_keys(ins: Inspection) -> list[str]:
    """The keys about the branch and the run (one value for the whole repository)."""
    lines = ['', '# -- the branch and the run (repository-wide) ' + '-' * 43]
    lines.append(_line('base', ins.base, ins.base_why))
    if ins.ticket_pattern != DEFAULT_TICKET_PATTERN:
        lines.append(_line('ticket_pattern', ins.ticket_pattern, ins.ticket_why))
    else:
        lines.append(_line('ticket_pattern', ins.ticket_pattern, ins.ticket_why,
                           commented=True))
    lines.append(_line('hotfix_prefix', SCHEMA['hotfix_prefix'].default,
                       'hotfix branches: hotfix/<ticket>-<short-description>', commented=True))
    lines.append(_line('enforce_on', 'hotfix', 'the diff checks block on hotfix branches; '
                                               '"all": on every branch'))
    lines.append(_line('hook_warnings', 'show', 'a passing hook shows its warnings; '
                                                '"summary": one line, "hide": none'))
    lines.append(_line('release_branches', ['release/*'],
                       'branches the hotfix rules and gates also apply to', commented=True))
    return lines


def _gate_lines(prefix: str, p: Proposal, kind: str) -> list[str]:
    lines = ['']
    lines += _comment(f'PROPOSAL ({kind}): {p.why}. Check the command, then delete '
                      '"proposed = true".')
    lines.append(_table(prefix, 'gates', array=True))
    lines.append(_line('name', p.name))
    lines.append(_line('command', p.command))
    lines.append(_line('proposed', True))
    return lines


def folder_keys(svc: Service, prefix: str, root_keys: list[str] | None = None) -> list[str]:
    """The keys of what ``svc`` governs (checks, gates, domains), paths relative to its
    folder. ``root_keys``: lines of the root table written before any table (the
    repository-wide keys of a root policy)."""
    where = f'{svc.folder}/' if svc.folder else 'the repository root'
    top = list(root_keys or [])
    tables: list[str] = []

    # what the checks read (nothing to say about a monorepo's root without code)
    bare = not (svc.folder or svc.code_roots or svc.specs or svc.migrations or svc.tests) \
        and root_keys is not None
    if not bare:
        tables += _checks(svc, prefix, where)
    top_done = top
    tables += _gates_and_domains(svc, prefix, top_done)
    return ([f'[{prefix}]'] if prefix else []) + top_done + tables


def _checks(svc: Service, prefix: str, where: str) -> list[str]:
    tables = ['', f'# -- what the checks read ({where}) ' + '-' * max(4, 60 - len(where))]
    tables.append(_table(prefix, 'contract'))
    if svc.specs:
        default_specs = (SCHEMA['contract'].keys or {})['specs'].default
        stale = [s for s in svc.specs if matches_any(s, default_specs)]
        tables += _comment('API specs found: ' + ', '.join(svc.repo_path(s) for s in svc.specs)
                           + '. A change to one is compared with its base version; the '
                           'contract is also built from the route code'
                           + (f', and {", ".join(stale)} must follow it (openapi-spec-stale)'
                              if stale else '') + '.')
    else:
        tables += _comment('no committed API spec found; the contract is also built from the '
                           'route code (FastAPI, Starlette, Flask).')
    tables.append(_line('frozen_groups', ['/api/v1/payments'],
                        'API path prefixes no hotfix may change', commented=True))
    tables.append(_table(prefix, 'migrations'))
    if svc.migrations:
        found = '; '.join(f'{svc.repo_path(m.folder)} ({m.framework}, {_n(m.count, "revision")})'
                          for m in svc.migrations)
        tables += _comment(f'found: {found}. folders stays empty: migrations are found '
                           'without configuration, a new folder included.')
    else:
        tables += _comment('no migrations found (Alembic, Django and SQL migrations are '
                           'found without configuration when they appear).')
    if svc.dialect:
        tables.append(_line('dialect', svc.dialect[0], svc.dialect[1]))
    else:
        tables.append(_line('dialect', 'postgresql', 'the production database (default)',
                            commented=True))

    return tables


def _gates_and_domains(svc: Service, prefix: str, top: list[str]) -> list[str]:
    tables = ['', '# -- pre-push gates: the protocol\'s mandatory checks before merge ' + '-' * 24]
    gates = [p for p in (svc.smoke, svc.integrity) if p is not None]
    if not gates:
        top.append(_line('gates', [], 'no tests found here: a change here runs no gate'))
    for gate in gates:
        tables += _gate_lines(prefix, gate, f'the {gate.name} gate')
    if svc.integrity is None:
        tables.append('')
        tables += _comment('no integrity script found (scripts/*integrity*): the protocol '
                           'requires a strict integrity check before merge; readiness shows '
                           'it MISSING until you add one:')
        tables.append(f'# {_table(prefix, "gates", array=True)}')
        tables.append('# ' + _line('name', 'integrity'))
        tables.append('# ' + _line('command', ['python', 'scripts/integrity_check.py',
                                              '--strict']))
    for note in svc.notes:
        tables += _comment(note)

    # domains
    tables += ['', '# -- impacted domains: the regression subset of each domain a change '
                   'touches ' + '-' * 14]
    off = list(DEFAULT_DOMAINS)
    tables += _comment('the ARIS3 protocol\'s own domains (' + ', '.join(off) + ') are not '
                       'this code\'s:')
    for name in off:
        tables.append(_table(prefix, f'domains.{name}'))
        tables.append(_line('enabled', False))
    for d in svc.domains:
        tables.append('')
        tables += _comment(f'PROPOSAL (domain {d.name}): {d.why}. Check the paths and the '
                           'command, then delete "proposed = true".')
        tables.append(_table(prefix, f'domains.{d.name}'))
        tables.append(_line('paths', d.paths))
        tables.append(_line('command', d.command))
        tables.append(_line('proposed', True))
    if not svc.domains:
        tables += _comment('no test folder matches a code folder: no domain proposed; add '
                           f'[{prefix + "." if prefix else ""}domains.<name>] paths and '
                           'command.')
    return tables


def root_policy(ins: Inspection, prefix: str = '') -> str:
    """The repository's policy file: repository-wide keys, then the root's folder keys."""
    root = ins.services[0]
    lines = header('the repository')
    others = [s.folder + '/' for s in ins.services[1:]]
    if others:
        lines += _comment('this monorepo\'s services have their own policy files (the nearest '
                          'one governs the files below its folder): ' + ', '.join(others)
                          + '. This file governs everything else.')
    body = folder_keys(root, prefix, repository_keys(ins))
    return '\n'.join(lines + body).rstrip('\n') + '\n'


def folder_policy(svc: Service, prefix: str = '') -> str:
    """The policy file of one service: its folder keys, paths relative to its folder."""
    lines = header(f'the service {svc.folder}/')
    lines += _comment(f'this file governs the files below {svc.folder}/ as a repository of '
                      'its own: paths here are relative to it, and keys it does not set take '
                      'the defaults. The branch, ticket and record keys are in the root '
                      'policy.')
    lines.append('')
    body = folder_keys(svc, prefix)
    return '\n'.join(lines + body).rstrip('\n') + '\n'


def hook_entry(repo: str, rev: str, marker: int = 0, content: int = 4,
               hooks: Sequence[str] = ('hotfix', 'hotfix-tag-name', 'hotfix-gates',
                                       'hotfix-record')) -> str:
    """The ``.pre-commit-config.yaml`` repository entry, written the way the file writes
    its list items: the ``-`` in column ``marker``, the keys in column ``content``
    (``-   repo:`` is 0/4, ``  - repo:`` is 2/4)."""
    gap = ' ' * (content - marker - 1)
    lines = [f'{" " * marker}-{gap}repo: {repo}', f'{" " * content}rev: {rev}',
             f'{" " * content}hooks:']
    lines += [f'{" " * (content + marker)}-{gap}id: {h}' for h in hooks]
    return '\n'.join(lines) + '\n'
