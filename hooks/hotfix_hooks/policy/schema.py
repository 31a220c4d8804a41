"""The policy schema: every key of ``[tool.hotfix-hooks]`` with its type, its default (the
ARIS3 v1 protocol) and its documentation, and the validators of the keys that need more
than a type.

It is the single source of truth: ``hotfix-hooks config`` prints it and ``docs/policy.md``
is generated from it. Each concern owns one table (``[tool.hotfix-hooks.<concern>]``).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from hotfix_hooks.errors import ConfigError
from hotfix_hooks.policy.keys import Key
from hotfix_hooks.policy.keys import plain_copy
from hotfix_hooks.policy.keys import SEVERITY_VALUES
from hotfix_hooks.policy.keys import table as _table
from hotfix_hooks.policy.keys import validate_table
from hotfix_hooks.policy.status_template import template_problem
from hotfix_hooks.rule_ids import IDS


def _non_empty_str(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f'policy key {name!r} must be a non-empty string, got {value!r}')
    return value


# -- rule ids (the catalogue) --------------------------------------------------------------
def _known_rules(name: str, ids: list[str], prefix: str) -> None:
    """A one-line error naming the key and the nearest known ids for an unknown rule id (or,
    in a per-concern table, a rule of another concern). The ids are checked against the
    generated list (``rule_ids``); the catalogue is loaded only to word an error."""
    if all(rule in IDS and rule.startswith(prefix) for rule in ids):
        return
    from hotfix_hooks import catalog  # only to suggest the nearest ids of an unknown one

    among = None
    if prefix:
        among = sorted(i for i in catalog.known_ids() if i.startswith(prefix))
    for rule in ids:
        if not catalog.unknown([rule], among):
            continue
        if among is not None and not catalog.unknown([rule]):
            raise ConfigError(f'policy key {name!r}: {rule!r} is not a {prefix}* rule (use the '
                              f'top-level {name.rpartition(".")[2]!r} for it)')
        raise ConfigError(f'policy key {name!r}: unknown rule id {rule!r}'
                          f'{catalog.did_you_mean(rule, among)}')


def _rule_list(prefix: str = '') -> Callable[[str, object], list[str]]:
    def check(name: str, value: object) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f'policy key {name!r} must be a list of rule ids, got '
                              f'{type(value).__name__} {value!r}')
        _known_rules(name, value, prefix)
        return list(value)
    return check


def _rule_severities(prefix: str = '') -> Callable[[str, object], dict[str, str]]:
    def check(name: str, value: object) -> dict[str, str]:
        if not isinstance(value, dict):
            raise ConfigError(f'policy key {name!r} must be a table of rule id = severity, got '
                              f'{type(value).__name__} {value!r}')
        for rule, sev in value.items():
            if sev not in SEVERITY_VALUES:
                raise ConfigError(f'policy key {name}.{rule!r} must be one of "error", '
                                  f'"warning", "info", got {sev!r}')
        _known_rules(name, list(value), prefix)
        return dict(value)
    return check


# -- record (issue 7) -------------------------------------------------------------------
_NEW_MODULE_IGNORE = ('tests/**', 'test/**', '**/tests/**', '**/test_*.py', '**/*_test.py',
                      '**/conftest.py', '**/migrations/**', '**/alembic/versions/**',
                      'hotfixes/**')
_RECORD_REQUIRED = ('ticket', 'severity', 'eligibility', 'customer_impact', 'decision',
                    'change_scope', 'owner', 'next_update_utc', 'rollback.command',
                    'rollback.dry_run')
_INTEGRITY_AREAS = {
    'stock totals': ['**/stock/**', '**/stock_*', '**/*_stock.*', '**/*_stock_*',
                     '**/inventory/**'],
    'transfer state': ['**/transfer/**', '**/transfers/**', '**/transfer_*', '**/*_transfer.*',
                       '**/*_transfers.*'],
    'checkout accounting': ['**/checkout/**', '**/checkout_*', '**/*_checkout.*',
                            '**/accounting/**', '**/ledger/**', '**/ledger_*',
                            '**/*_ledger.*'],
}
_INTEGRITY_IGNORE = ('tests/**', 'test/**', '**/tests/**', '**/test_*.py', '**/*_test.py',
                     'docs/**', '**/*.md', 'hotfixes/**')
_MIGRATION_PATHS = ('**/migrations/**', '**/alembic/versions/**', '**/versions/*.py',
                    '**/*.sql')
_STATUS_TEMPLATE = """[ARIS3 HOTFIX STATUS]
Ticket: {ticket}
Severity: {severity}
Customer impact: {customer_impact}
Current decision: {decision}
Change scope: {change_scope}
Frozen rules check: {frozen_rules}
Checks executed:
- smoke: {smoke}
- integrity: {integrity}
- targeted regression: {targeted_regression}
Rollback plan: {rollback_plan}
Owner: {owner}
Next update (UTC): {next_update_utc}
"""


def _record_path(name: str, value: object) -> str:
    if not isinstance(value, str) or '{ticket}' not in value:
        raise ConfigError(f'policy key {name!r} must be a path containing {{ticket}}, '
                          f'got {value!r}')
    if value.startswith('/') or '..' in value.split('/'):
        raise ConfigError(f'policy key {name!r} must be a relative path inside the '
                          f'repository, got {value!r}')
    return value


def _status_template(name: str, value: object) -> str:

    if not isinstance(value, str):
        raise ConfigError(f'policy key {name!r} must be a string, got {value!r}')
    problem = template_problem(value)
    if problem:
        raise ConfigError(f'policy key {name!r}: {problem}')
    return value


# -- gates (issue 6): commands, the ordered gate list, the domain map --------------
def _command(name: str, value: object) -> list[str]:
    """A command: an argv list, or a string split with shlex (never given to a shell)."""
    import shlex

    if isinstance(value, str):
        try:
            argv = shlex.split(value)
        except ValueError as e:
            raise ConfigError(f'policy key {name!r}: cannot split {value!r}: {e}') from None
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        argv = list(value)
    else:
        raise ConfigError(f'policy key {name!r} must be a command (a list of strings or a '
                          f'string), got {type(value).__name__} {value!r}')
    if not argv or not argv[0]:
        raise ConfigError(f'policy key {name!r}: the command is empty')
    return argv


def _optional_command(name: str, value: object) -> list[str]:
    if value in ('', []):
        return []
    return _command(name, value)


def _commands(name: str, value: object) -> list[list[str]]:
    if not isinstance(value, list):
        raise ConfigError(f'policy key {name!r} must be a list of commands, got '
                          f'{type(value).__name__} {value!r}')
    return [_command(f'{name}[{i}]', v) for i, v in enumerate(value)]


def _positive(name: str, value: object) -> float:
    import math

    if (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0
            or not math.isfinite(value)):
        raise ConfigError(f'policy key {name!r} must be a positive number of seconds, got '
                          f'{value!r}')
    return float(value)


_GATE_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$')


def _gate_name(name: str, value: object) -> str:
    if not isinstance(value, str) or not _GATE_NAME_RE.match(value):
        raise ConfigError(f'policy key {name!r} must be a name of letters, digits, "-", "_" '
                          f'or ".", got {value!r}')
    if value == 'rollback':
        raise ConfigError(f'policy key {name!r}: "rollback" is reserved for the rollback '
                          'dry-run')
    return value


def _relative_dir(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise ConfigError(f'policy key {name!r} must be a string, got {value!r}')
    if value.startswith('/') or '..' in value.split('/') or '\0' in value:
        raise ConfigError(f'policy key {name!r} must be a relative path inside the '
                          f'repository, got {value!r}')
    return value


def _env(name: str, value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(f'policy key {name!r} must be a table of strings, got {value!r}')
    for k, v in value.items():
        if not k or '=' in k or '\0' in k or '\0' in v:
            raise ConfigError(f'policy key {name}.{k!r}: an environment variable needs a '
                              'non-empty name without "=" and no NUL character')
    return dict(value)


def _run_keys(timeout: float) -> dict[str, Key]:
    return {
        'command': Key('any', [], 'The command: an argv list, or a string split with shlex '
                                  '(never run through a shell).', check=_command),
        'cwd': Key('str', '.', 'Working directory, relative to the repository root.',
                   check=_relative_dir),
        'env': Key('map[str,str]', {}, 'Extra environment variables for the command and '
                                       'its setup steps.', check=_env),
        'timeout': Key('float', timeout, 'Seconds the whole gate (setup steps included) may '
                                         'take; then its process group is killed.',
                       check=_positive),
        'setup': Key('any', [], 'Commands run first, in order, with the same cwd and env '
                                '(e.g. [["alembic", "upgrade", "head"]]).', check=_commands),
    }


_PROPOSED_DOC = ('true marks a proposal of "hotfix-hooks init" that nobody confirmed yet: it '
                 'does not run, and a gated push reports it as not configured '
                 '(gate-not-configured) until you check the command and delete this line.')
GATE_KEYS: dict[str, Key] = {
    'name': Key('str', '', 'Gate name, shown in the summary and used as the evidence key.',
                check=_gate_name),
    **_run_keys(900.0),
    'proposed': Key('bool', False, _PROPOSED_DOC),
}
DOMAIN_KEYS: dict[str, Key] = {
    'paths': Key('list[str]', [], 'Path globs; a changed file matching one makes the '
                                  'domain\'s regression subset run ("**" crosses directories).'),
    'enabled': Key('bool', True, 'false turns a (default) domain off.'),
    **_run_keys(900.0),
    'proposed': Key('bool', False, _PROPOSED_DOC),
}


def _gate(name: str, command: list[str]) -> dict[str, Any]:
    return {'name': name, 'command': command, 'cwd': '.', 'env': {}, 'timeout': 900.0,
            'setup': [], 'proposed': False}


def _domain(paths: list[str], command: list[str]) -> dict[str, Any]:
    return {'paths': paths, 'enabled': True, 'command': command, 'cwd': '.', 'env': {},
            'timeout': 900.0, 'setup': [], 'proposed': False}


def _word_globs(*words: str) -> list[str]:
    """Globs for files and directories named after a domain word (pos, pos_x, x_pos ...)."""
    out: list[str] = []
    for w in words:
        out += [f'**/{w}/**', f'**/{w}.*', f'**/{w}_*', f'**/*_{w}.*', f'**/*_{w}_*']
    return out


DEFAULT_GATES = [
    _gate('smoke', ['pytest', '-q', 'tests/smoke/test_post_go_live_stability.py']),
    _gate('integrity', ['python', 'scripts/post_go_live_integrity_check.py', '--strict']),
]
DEFAULT_DOMAINS = {
    'pos': _domain(_word_globs('pos', 'checkout'), ['pytest', '-q', 'tests', '-k', 'pos']),
    'transfers': _domain(_word_globs('transfer', 'transfers'),
                         ['pytest', '-q', 'tests', '-k', 'transfer']),
    'stock': _domain(_word_globs('stock', 'stocks', 'inventory'),
                     ['pytest', '-q', 'tests', '-k', 'stock']),
    'rbac': _domain(_word_globs('rbac', 'permission', 'permissions', 'roles'),
                    ['pytest', '-q', 'tests', '-k', 'rbac']),
}


# What the default gates and domains (the protocol's home service) need in the repository:
# a default whose files are missing is "not configured" there (gate-not-configured, run
# "hotfix-hooks init"), never run into a failure nor counted as a pass.
DEFAULT_NEEDS: dict[str, tuple[str, ...]] = {
    'smoke': ('tests/smoke/test_post_go_live_stability.py',),
    'integrity': ('scripts/post_go_live_integrity_check.py',),
    **{f'domain:{name}': ('tests',) for name in DEFAULT_DOMAINS},
}


def _sub_validate(keys: dict[str, Key], raw: dict[str, Any], prefix: str) -> dict[str, Any]:
    try:
        return validate_table(keys, raw, prefix, '\0', {})
    except ConfigError as e:
        raise ConfigError(e.message.removeprefix('\0: ')) from None


def _gates(name: str, value: object) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f'policy key {name!r} must be an array of tables '
                          f'([[tool.hotfix-hooks.gates]]), got {type(value).__name__}')
    out = [_sub_validate(GATE_KEYS, v, f'{name}[{i}].') for i, v in enumerate(value)]
    seen: set[str] = set()
    for i, gate in enumerate(out):
        if not gate['name']:
            raise ConfigError(f'policy key {name}[{i}].name is missing: every gate needs a name')
        if not gate['command']:
            raise ConfigError(f'policy key {name}[{i}].command is missing (gate '
                              f'{gate["name"]!r})')
        if gate['name'] in seen:
            raise ConfigError(f'policy key {name!r}: two gates are named {gate["name"]!r}')
        seen.add(gate['name'])
    return out


def _domains(name: str, value: object) -> dict[str, dict[str, Any]]:
    """The user's domains, merged key by key over the defaults (pos, transfers, ...)."""
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ConfigError(f'policy key {name!r} must be a table of tables '
                          '([tool.hotfix-hooks.domains.<name>])')
    out: dict[str, dict[str, Any]] = plain_copy(DEFAULT_DOMAINS)
    for dom, raw in value.items():
        if not _GATE_NAME_RE.match(dom):
            raise ConfigError(f'policy key {name}.{dom!r}: a domain name is letters, digits, '
                              '"-", "_" or "."')
        checked = _sub_validate(DOMAIN_KEYS, raw, f'{name}.{dom}.')
        merged = dict(out.get(dom) or {})
        for k in DOMAIN_KEYS:
            if k in raw or k not in merged:
                merged[k] = checked[k]
        if merged['enabled'] and merged['paths'] and not merged['command']:
            raise ConfigError(f'policy key {name}.{dom}.command is missing')
        out[dom] = merged
    return out



def _ticket_pattern(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise ConfigError(f'policy key {name!r} must be a regular expression string, '
                          f'got {type(value).__name__} {value!r}')
    try:
        re.compile(value)
    except re.error as e:
        raise ConfigError(f'policy key {name!r} is not a valid regular expression: '
                          f'{e}') from None
    if value.startswith(('^', '\\A')) or re.search(r'(?<!\\)(\\\\)*(\$|\\Z)$', value):
        raise ConfigError(f'policy key {name!r} must not be anchored (^, $, \\A, \\Z): it is '
                          f'searched inside branch names and titles, got {value!r}')
    return value


_HTTP_METHODS = ('GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE', '*',
                 'ANY')


def _str_list(name: str, value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'policy key {name!r} must be a list of strings, got '
                          f'{type(value).__name__} {value!r}')
    return list(value)


def _release_tag_patterns(name: str, value: object) -> list[str]:
    patterns = _str_list(name, value)
    for p in patterns:
        if not p.strip():
            raise ConfigError(f'policy key {name!r}: an empty pattern would match no tag; '
                              'remove it')
    return patterns


def _frozen_groups(name: str, value: object) -> list[str]:
    groups = _str_list(name, value)
    for g in groups:
        if not g.startswith('/'):
            raise ConfigError(f'policy key {name!r}: {g!r} is not an API path prefix '
                              '(expected e.g. "/aris3/stock")')
    return groups


def _frozen_endpoints(name: str, value: object) -> list[str]:
    endpoints = _str_list(name, value)
    for e in endpoints:
        method, _, path = e.strip().partition(' ')
        if not path:
            method, path = '*', method
        if method.upper() not in _HTTP_METHODS or not path.strip().startswith('/'):
            raise ConfigError(f'policy key {name!r}: {e!r} is not "METHOD /path" (expected '
                              'e.g. "GET /aris3/stock", "* /aris3/**" or "/aris3/stock")')
    return endpoints


def _non_negative_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f'policy key {name!r} must be a whole number >= 0, got {value!r}')
    return value


def _non_empty(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f'policy key {name!r} must be a non-empty string, got {value!r}')
    return value


MAX_FOLLOW_DEPTH = 100


def _follow_depth(name: str, value: object) -> int:
    if (not isinstance(value, int) or isinstance(value, bool) or value < 0
            or value > MAX_FOLLOW_DEPTH):
        raise ConfigError(f'policy key {name!r} must be an integer from 0 to '
                          f'{MAX_FOLLOW_DEPTH}, got {value!r}')
    return value


_IDENTITY_RE = re.compile(r'^\s*(?:(?P<name>[^<>]*?)\s*<(?P<email>[^<>\s]+@[^<>\s]+)>|'
                          r'(?P<bare>[^<>\s]+@[^<>\s]+))\s*$')


def identity_email(entry: str) -> str | None:
    """The e-mail address of an owner entry ("ivy@example.com" or "Ivy <ivy@example.com>"),
    lower-cased; ``None`` when it has none."""
    m = _IDENTITY_RE.match(entry)
    if m is None:
        return None
    return (m.group('email') or m.group('bare')).lower()


def _owners(name: str, value: object) -> dict[str, list[str]]:
    if not isinstance(value, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in value.values()):
        raise ConfigError(f'policy key {name!r} must be a table of role = [owner, ...] '
                          '(e.g. incident_owner = ["ivy@example.com"]), got '
                          f'{type(value).__name__} {value!r}')
    for role, people in value.items():
        for person in people:
            if identity_email(person) is None:
                raise ConfigError(f'policy key {name}.{role}: {person!r} is not an e-mail '
                                  'address or "Name <email>"')
    return {role: list(people) for role, people in value.items()}


_repo_file = _relative_dir        # a file's path, checked as a folder's is


SCHEMA: dict[str, Key] = {
    'base': Key('str?', None,
                'Base branch that hotfixes start from and are compared against. Default: the '
                "remote's default branch (origin/HEAD), else main, else master."),
    'remote': Key('str', 'origin', 'Remote whose branches count as "already shipped".'),
    'hotfix_prefix': Key('str', 'hotfix/', 'Branch prefix that marks a hotfix branch.',
                         check=lambda name, value: _non_empty_str(name, value)),
    'release_branches': Key('list[str]', [],
                            'Glob patterns of release branches that the gates and the '
                            'hotfix-only rules also apply to (e.g. ["release/*"]).'),
    'ticket_pattern': Key('regex', r'[A-Z][A-Z0-9]+-[0-9]+',
                          'Regular expression of a ticket id (ARIS-77), without ^ or $: it '
                          'is searched inside branch names, PR titles and commit messages.',
                          check=_ticket_pattern),
    'unknown_branch': Key('enum:error|warning|pass', 'error',
                          'What to do when the branch cannot be determined (detached HEAD '
                          'outside CI): fail closed (error), warn, or pass.'),
    'enforce_on': Key('enum:hotfix|all', 'hotfix',
                      'Where the diff checks block. "hotfix": on hotfix and release branches '
                      '(the protocol\'s frozen rules are a hotfix\'s rules); on any other '
                      'branch they report at most warnings, and say so once '
                      '(hotfix-only-enforcement). "all": on every branch, with the hotfix '
                      'severities.'),
    'hook_warnings': Key('enum:show|summary|hide', 'show',
                         'What a passing diff hook prints under pre-commit, which shows it '
                         'because the hooks are verbose (a passing hook\'s output is hidden '
                         'otherwise): "show" the warnings themselves, "summary" one line '
                         '("passed with N warning(s): run hotfix-hooks scan"), "hide" nothing '
                         '(set verbose: false on the hook in .pre-commit-config.yaml to drop '
                         'pre-commit\'s hook id and duration lines too). A failing run always '
                         'shows every finding.'),
    'severity': Key('map[str,str]', {},
                    'Per-rule severity override: { "rule-id" = "warning" }. An unknown rule '
                    'id is an error naming the nearest known ids ("hotfix-hooks rules" lists '
                    'them). Off hotfix branches enforce_on = "hotfix" still caps the diff '
                    'checks at warning.', check=_rule_severities()),
    'disable': Key('list[str]', [], 'Rule ids that are not reported at all (an unknown id is '
                                    'an error).', check=_rule_list()),
    'max_diff_bytes': Key('int', 50_000_000,
                          'Largest diff (bytes of patch text) the scan reads; a larger '
                          'change fails closed with exit 2.'),
    'naming': _table(
        'Branch, tag, PR title and commit message rules.',
        near_miss_prefixes=Key('list[str]', ['hotfix-', 'Hotfix/', 'HOTFIX/', 'hot-fix/',
                                             'hot_fix/', 'hotfixes/', 'hf/', 'hfix/'],
                               'Branch prefixes reported as malformed hotfix branches.'),
        description_min_length=Key('int', 3, 'Shortest <short-description>.'),
        description_max_length=Key('int', 48, 'Longest <short-description>.'),
        allowed_prefixes=Key('list[str]', [],
                             'When not empty, every branch must start with one of these '
                             '(besides the base and release branches).'),
        pr_title_prefix=Key('str', 'Hotfix: ', 'Required start of a hotfix PR title.'),
        pr_title_min_summary=Key('int', 3, 'Shortest impact summary in the PR title.'),
        tag_marker=Key('str', '+hotfix.', 'What makes a tag a hotfix tag.', check=_non_empty),
        tag_requires_released_version=Key('bool', True,
                                          'The <version> part must be an existing tag.'),
        release_tag_patterns=Key('list[str]', ['{semver}', '[vV]{semver}'],
                                 'What a release tag looks like: glob patterns matched against '
                                 'the whole tag name (* any characters, / included; ? one; '
                                 '[...] a class), {semver} standing for a SemVer 2.0 version '
                                 '(its hotfix tags <version>+hotfix.<n> included), e.g. '
                                 '["v[0-9]*"] for v20241220 or v4.3. Only tags the base side '
                                 'descends from count; the migrations guard skips its '
                                 'table-size rules on a table no release holds yet.',
                                 check=_release_tag_patterns),
        commit_msg=Key('bool', False,
                       'Require every commit message on a hotfix branch to mention the '
                       "branch's ticket."),
    ),
    'contract': _table(
        'API contract guard (hotfix-api-contract).',
        include=Key('list[str]', [],
                    'Globs of contract files to compare besides the ones found automatically '
                    '(changed JSON/YAML files with a top-level openapi/swagger key).'),
        exclude=Key('list[str]', [], 'Globs of files never treated as contracts.'),
        frozen_groups=Key('list[str]', [],
                          'Frozen API groups: path prefixes (["/aris3/stock"]). Any change '
                          'to an operation under them, even additive, is an error.',
                          check=_frozen_groups),
        frozen_endpoints=Key('list[str]', [],
                             'Frozen endpoints: "METHOD /path" with * (one segment) and ** '
                             '(any depth); METHOD may be *. ["GET /aris3/stock", '
                             '"PATCH /aris3/**"]. Any change to them is an error.',
                             check=_frozen_endpoints),
        hotfix_new_operation=Key('severity', 'warning',
                                 'Severity of a new operation on a hotfix branch (reported '
                                 'as scope: new feature scope).'),
        code=Key('bool', True,
                 'Also build the contract from the route code (ast only) and compare it.'),
        python_roots=Key('list[str]', [],
                         'Folders that absolute imports of the route code resolve from '
                         '(["server"] for server/app/...). Empty: found without configuration '
                         '(folders holding a pyproject.toml, setup.cfg or setup.py and their '
                         'src/, the repository root and src/, then the folders above the '
                         'importing file such as backend/ or server/).'),
        code_exclude=Key('list[str]', ['tests/**', '**/tests/**', 'test_*.py',
                                       '**/conftest.py', 'migrations/**', '**/migrations/**'],
                         'Globs of Python files never read for routes.'),
        specs=Key('list[str]', ['**/openapi*.json', '**/openapi*.yaml', '**/openapi*.yml',
                                '**/swagger*.json', '**/swagger*.yaml', '**/swagger*.yml'],
                  'Globs of committed spec snapshots checked for staleness when the route '
                  'code changes the contract but no spec changed.'),
        stale_severity=Key('severity', 'warning',
                           'Severity of openapi-spec-stale (code contract changed, committed '
                           'spec did not).'),
        stale_additive_severity=Key('severity', 'info',
                                    'Severity of openapi-spec-stale when every contract '
                                    'change of the route code is additive (info findings: a '
                                    'new route, property or value): clients generated from '
                                    'the committed spec still work against the code.'),
        max_spec_bytes=Key('int', 20_000_000,
                           'Larger contract files are not compared (reported at info).'),
    ),
    'actions': _table(
        '/actions flow and idempotency guard (hotfix-actions-flow).',
        actions_path_pattern=Key('regex', r'(^|/)actions(/|$)',
                                 'Regular expression searched in a route path that marks the '
                                 'actions endpoints owning every state transition (default: a '
                                 'path segment "actions").'),
        transition_vocabulary=Key('list[str]', [
            'status', 'state', 'transition', 'cancel', 'dispatch', 'receive', 'close',
            'reopen', 'open', 'checkout', 'void', 'refund', 'approve', 'reject', 'complete',
            'finalize', 'finalise', 'activate', 'deactivate', 'confirm', 'submit', 'deliver',
            'fulfill', 'fulfil', 'archive', 'restore', 'suspend', 'resume', 'settle', 'reverse',
            'accept', 'decline', 'expire', 'lock', 'unlock', 'publish',
            'unpublish', 'start', 'stop', 'pause'],
            'Words that name a state transition. A mutating route outside the actions path '
            'whose path segment or function name contains one (also inflected: cancelled, '
            'closing) is a bypass.'),
        state_attributes=Key('list[str]', [
            'status', 'state', 'stage', 'phase', 'lifecycle', 'lifecycle_state',
            'workflow_state', 'is_active', 'is_closed', 'is_cancelled', 'is_voided',
            'is_approved', 'closed_at', 'cancelled_at', 'voided_at', 'approved_at',
            'completed_at', 'dispatched_at', 'received_at'],
            'State-like field names (case-insensitive). Writing one (attribute, dict key, '
            'setattr, .values()/.update() keyword, SQL "SET status =") in a handler or the '
            'functions it calls is a state transition.'),
        idempotency_markers=Key('list[str]', ['idempotency', 'idempotent'],
                                'Case-insensitive substrings of identifiers, strings and header '
                                'names that mark idempotency-key handling.'),
        mutating_methods=Key('list[str]', ['POST', 'PUT', 'PATCH', 'DELETE'],
                             'HTTP methods whose routes can change state.'),
        web_code_globs=Key('list[str]', [],
                           'Globs of the files that hold web code. Empty: every changed .py '
                           'file that defines routes (and route modules that import a changed '
                           'module).'),
        exclude_globs=Key('list[str]', ['tests/**', 'test/**', '**/tests/**', 'test_*.py',
                                        '*_test.py', 'conftest.py'],
                          'Python files never analysed (tests, fixtures).'),
        follow_depth=Key('int', 2,
                         'How many calls deep a handler is followed (into helper functions '
                         'and imported modules of the repository) looking for state writes '
                         f'and idempotency handling (at most {MAX_FOLLOW_DEPTH}).',
                         check=_follow_depth),
        max_repo_files=Key('int', 3000,
                           'Most unchanged .py files read when looking for the idempotency '
                           'middleware and for routes that import a changed module.'),
    ),
    'migrations': _table(
        'Migration safety guard (hotfix-migrations).',
        folders=Key('list[str]', [],
                    'Folders (globs) that hold migrations. Empty: found without configuration '
                    '(Alembic versions/, Django migrations/, SQL migrations folders and the '
                    'golang-migrate / Flyway file names anywhere).'),
        exclude=Key('list[str]', [], 'Glob patterns of migration files that are ignored.'),
        dialect=Key('enum:postgresql|mysql|sqlite|tsql|oracle', 'postgresql',
                    'Production SQL dialect (not the test one). postgresql uses pglast; the '
                    'others need the optional sqlglot extra (hotfix-hooks[dialects]). Locking '
                    'rules apply to postgresql only.'),
        version_column_length=Key('int', 32,
                                  'Length of alembic_version.version_num in production; a '
                                  'longer revision id is reported.'),
        allow_branch_labels=Key('bool', True,
                                'Heads that sit on differently labelled Alembic branches '
                                '(branch_labels) are not reported as multiple heads.'),
        model_paths=Key('list[str]', [],
                        'Globs of the files that hold the running code\'s models (SQLAlchemy '
                        'and SQLModel classes, Django models, Core Table()s), read to know which '
                        'columns the code writes. Empty: models.py, models/, model.py, '
                        'tables.py, db/, database/, schema.py, entities/, orm/ anywhere.'),
        check_unchanged=Key('bool', False,
                            'Run the file-level rules on every migration, not only the ones '
                            'the change adds or modifies (history rules always see the whole '
                            'graph).'),
        volatile_functions=Key('list[str]', ['random', 'gen_random_uuid', 'uuid_generate_v1',
                                             'uuid_generate_v4', 'clock_timestamp',
                                             'timeofday', 'nextval', 'txid_current'],
                               'SQL functions whose use as a column default rewrites the '
                               'table.'),
        severity=Key('map[str,str]', {},
                     'Per-rule severity override for migration rules: '
                     '{ "migration-index-not-concurrent" = "error" }. Applies on and off '
                     'hotfix branches (off them, enforce_on = "hotfix" caps it at warning).',
                     check=_rule_severities('migration-')),
        disable=Key('list[str]', [], 'Migration rule ids that are not reported at all.',
                    check=_rule_list('migration-')),
        max_file_bytes=Key('int', 5_000_000,
                           'Largest migration file read; a larger one (like one holding a NUL '
                           'byte) is not analysed and is an error (migration-file-unreadable).'),
    ),
    'gates': Key('any', DEFAULT_GATES,
                 'Ordered pre-push gates ([[tool.hotfix-hooks.gates]]): name, command, cwd, '
                 'env, timeout (seconds), setup (commands run first). Default: the protocol\'s '
                 'smoke suite and strict integrity check.', check=_gates),
    'domains': Key('any', DEFAULT_DOMAINS,
                   'Impacted-domain regression subsets ([tool.hotfix-hooks.domains.<name>]): '
                   'paths (globs), command, cwd, env, timeout, setup, enabled. Merged key by key '
                   'over the defaults pos, transfers, stock, rbac.', check=_domains),
    'gate': _table(
        'How the pre-push gates run (hotfix-gates, hotfix-hooks gate).',
        branches=Key('list[str]', [],
                     'Extra branch globs the gates run on, besides hotfix branches and the '
                     'release_branches (e.g. ["main"]).'),
        rollback_dry_run=Key('any', [],
                             'Rollback dry-run command, used when the hotfix record '
                             '(hotfixes/<ticket>.toml [rollback] dry_run) and '
                             '--rollback-dry-run give none.', check=_optional_command),
        rollback_timeout=Key('float', 300.0, 'Seconds the rollback dry-run may take.',
                             check=_positive),
        rollback_required=Key('bool', False,
                              'A hotfix without any rollback dry-run command fails the gate '
                              '(otherwise: a warning).'),
        jobs=Key('int', 1, 'Gates run in parallel by default (--jobs overrides).'),
        log_tail=Key('int', 30, 'Lines of a failed gate\'s output shown.'),
    ),
    'scope': _table(
        'Hotfix scope budget.',
        max_files=Key('int', 15, 'More changed files than this is a scope finding.'),
        max_lines=Key('int', 400, 'More changed lines (added + removed) than this is a '
                                  'scope finding.'),
        severity=Key('severity', 'warning', 'Severity of scope findings.'),
        module_suffixes=Key('list[str]', ['.py'],
                            'File suffixes of source modules: an added one is a new module '
                            '(scope-new-module).'),
        new_module_ignore=Key('list[str]', list(_NEW_MODULE_IGNORE),
                              'Globs of added files that are not new feature scope (tests, '
                              'migrations, the hotfix record).'),
        new_module_severity=Key('severity', 'warning',
                                'Severity of scope-new-module and scope-new-package (apart '
                                'from severity, which covers the budget and dependencies).'),
    ),
    'owners': Key('any', {},
                  'Who may approve a hotfix, per approver role ([tool.hotfix-hooks.owners]: '
                  'incident_owner = ["ivy@example.com"], release_owner = ["Rafa <rafa@'
                  'example.com>"]): e-mail addresses, or "Name <email>". An approval counts '
                  'only when the commit that set its approved_at was authored and committed by '
                  'an owner of that role. Empty: approvals are not checked against an owner '
                  'list (a warning says so); the author and two-people rules still apply.',
                  check=_owners),
    'approvals': _table(
        'How approvals in the hotfix record are verified (read from the trusted policy).',
        require_signed=Key('bool', False,
                           'The commit that sets an approval must be signed, and its '
                           'signature must verify ("git verify-commit", GPG or SSH) for the '
                           'approving owner.'),
        dismiss_stale=Key('bool', True,
                          'A change outside the record committed after an approval makes that '
                          'approval stale (the commit is named).'),
        allow_author=Key('bool', False,
                         'Whether someone who authored a non-record change in the hotfix may '
                         'approve it.'),
        allowed_signers=Key('str', '',
                            'SSH allowed-signers file for require_signed, a path in the '
                            'repository read from the base side (never from the branch). '
                            'Empty: git\'s gpg.ssh.allowedSignersFile (a path inside the '
                            'repository is read from the base side too).',
                            check=_repo_file),
    ),
    'cache': _table(
        'The persistent analysis cache in the git directory (hotfix-hooks cache info / '
        'clear; --no-cache or HOTFIX_HOOKS_CACHE=0 turn it off for one run). Besides what '
        'the engines extract from each file, it keeps the validated policy file of the '
        'working tree, keyed by the SHA-256 of its bytes (never its path or date), so a '
        'hook does not parse an unchanged policy twice; an invalid policy is never kept.',
        max_mb=Key('int', 200,
                   'Size bound of the analysis cache (<git common dir>/hotfix-hooks/cache, '
                   'shared by linked worktrees) in MB; the least recently used entries are '
                   'pruned beyond it. 0 turns the cache off. The HOTFIX_HOOKS_CACHE_MAX_MB '
                   'environment variable overrides it on one machine.',
                   check=_non_negative_int),
    ),
    'record': _table(
        'The hotfix record (hotfix-record; record, readiness, status, decide commands).',
        path=Key('str', 'hotfixes/{ticket}.toml',
                 'Where the record of a hotfix lives in the repository; {ticket} is the '
                 "branch's ticket.", check=_record_path),
        required_fields=Key('list[str]', list(_RECORD_REQUIRED),
                            'Record fields that must be filled in ("rollback.command" is '
                            'satisfied by rollback.command or rollback.release_tag).'),
        required_approvers=Key('list[str]', ['incident_owner', 'release_owner'],
                               'Roles under [approvals.<role>] whose approval (name and UTC '
                               'time) is required before merge.'),
        waiver_approvers=Key('list[str]', ['incident_owner', 'release_owner'],
                             'Roles every [[exceptions]] waiver must list in approved_by.'),
        p2_eligibility=Key('list[str]', ['config-change', 'observability'],
                           'Eligibility categories a P2 hotfix may have; any other P2 is not '
                           'eligible (record-not-eligible).'),
        integrity_areas=Key('map[str,list[str]]', dict(_INTEGRITY_AREAS),
                            'Data-integrity areas (name = path globs): a change touching one '
                            'makes the data-integrity condition true.'),
        integrity_domains=Key('list[str]', ['stock', 'transfers', 'pos'],
                              'Domains (of the [tool.hotfix-hooks.domains] table) whose paths '
                              'are data-integrity areas too.'),
        integrity_ignore=Key('list[str]', list(_INTEGRITY_IGNORE),
                             'Globs of files that never count as a data-integrity change '
                             '(tests, docs).'),
        migration_paths=Key('list[str]', list(_MIGRATION_PATHS),
                            'Globs of migration files; one that changes data (INSERT, UPDATE, '
                            'DELETE, bulk_insert, RunPython ...) is a data-integrity risk.'),
        status_template=Key('str', _STATUS_TEMPLATE,
                            'The status message of "hotfix-hooks status" ({field} '
                            'placeholders; default: the ARIS3 v1 communication template).',
                            check=_status_template),
    ),
}

# The keys a folder's own policy file may set (see policy/tree.py): what the checks and the
# gates of the files below it use. Every other key is repository-wide (the branch, the run,
# the record, the scope budget of the hotfix as a whole): the root policy sets it for every
# folder.
FOLDER_KEYS: frozenset[str] = frozenset({'severity', 'disable', 'contract', 'actions',
                                         'migrations', 'gates', 'domains'})
