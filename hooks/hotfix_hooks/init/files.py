"""Putting ``init``'s text into the repository's files without destroying anything.

* ``into_pyproject``: the policy as ``[tool.hotfix-hooks]`` tables appended to an existing
  ``pyproject.toml``; every byte before them stays as it was (only a missing final newline
  is added), and the result is parsed back to prove nothing else changed.
* ``into_precommit_config``: a repository entry added to ``.pre-commit-config.yaml`` in the
  file's own list style (or a new file); the other entries and keys stay as they were,
  proven by parsing the result back.

Each returns the new text or raises ``ConfigError`` saying why it will not touch the file.
"""
from __future__ import annotations

import re
from typing import Any

from hotfix_hooks import tomlio
from hotfix_hooks.errors import ConfigError
from hotfix_hooks.init.render import hook_entry

_HOTFIX_HEADER = re.compile(r'^\s*\[\[?\s*tool\s*\.\s*(?:"hotfix-hooks"|\'hotfix-hooks\'|'
                            r'hotfix-hooks)\s*[.\]]')
_ANY_HEADER = re.compile(r'^\s*\[')
HOOK_IDS = ('hotfix', 'hotfix-tag-name', 'hotfix-gates', 'hotfix-record')
INSTALL_TYPES = 'default_install_hook_types: [pre-commit, pre-push]'


def newline_of(text: str) -> str:
    return '\r\n' if '\r\n' in text else '\n'


def _with_newline(text: str, nl: str) -> str:
    return text.replace('\r\n', '\n').replace('\n', nl)


def has_policy_table(text: str) -> bool:
    try:
        doc = tomlio.loads(text)
    except tomlio.TomlError:
        return False
    tool = doc.get('tool')
    return isinstance(tool, dict) and 'hotfix-hooks' in tool


def _without_hotfix_tables(text: str, path: str) -> str:
    """``text`` without its ``[tool.hotfix-hooks...]`` tables (what --force replaces)."""
    out: list[str] = []
    skipping = False
    for line in text.splitlines(keepends=True):
        if _ANY_HEADER.match(line):
            skipping = bool(_HOTFIX_HEADER.match(line))
        if not skipping:
            out.append(line)
    result = ''.join(out)
    if has_policy_table(result):
        raise ConfigError(f'{path}: its hotfix-hooks keys are not all in [tool.hotfix-hooks] '
                          'tables, so --force cannot replace them',
                          hint='remove them by hand, or write .hotfix-hooks.toml instead '
                               '(hotfix-hooks init without --pyproject)')
    return result


def into_pyproject(old: str, block: str, path: str, force: bool) -> str:
    """``old`` (a pyproject.toml) with ``block`` (``[tool.hotfix-hooks]`` tables) appended."""
    try:
        before = tomlio.loads(old)
    except tomlio.TomlError as e:
        raise ConfigError(f'{path} is not valid TOML ({e}), so init will not add to it',
                          hint='fix it first, or write .hotfix-hooks.toml (init without '
                               '--pyproject)') from None
    if has_policy_table(old):
        if not force:
            raise ConfigError(f'{path} already has a [tool.hotfix-hooks] policy',
                              hint='pass --force to replace it, or --dry-run to see the new one')
        old = _without_hotfix_tables(old, path)
        before = tomlio.loads(old)
    nl = newline_of(old)
    text = old
    if text and not text.endswith(('\n', '\r')):
        text += nl
    if text.strip():
        text += nl
    text += _with_newline(block, nl)
    after = tomlio.loads(text)
    policy = after.get('tool', {}).pop('hotfix-hooks', None)
    if not after.get('tool') and 'tool' not in before:
        after.pop('tool', None)
    if after != before or policy is None:      # pragma: no cover - the block is ours
        raise ConfigError(f'{path}: adding the policy would change other keys; not written')
    return text


# -- .pre-commit-config.yaml -------------------------------------------------------------
def _load_yaml(text: str, path: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        first = str(e).splitlines()[0] if str(e) else 'invalid YAML'
        raise ConfigError(f'{path} is not valid YAML ({first}), so init will not add to it',
                          hint='fix it first, or add the entry by hand (--dry-run prints '
                               'it)') from None


def has_hotfix_hooks(config: Any) -> bool:
    repos = config.get('repos') if isinstance(config, dict) else None
    return isinstance(repos, list) and any(
        isinstance(r, dict) and isinstance(r.get('hooks'), list) and any(
            isinstance(h, dict) and str(h.get('id', '')).startswith('hotfix')
            for h in r['hooks']) for r in repos)


def new_precommit_config(repo: str, rev: str) -> str:
    return ('# pre-commit (https://pre-commit.com): run "pre-commit install" once per clone\n'
            f'{INSTALL_TYPES}\nrepos:\n' + hook_entry(repo, rev))


def into_precommit_config(old: str, repo: str, rev: str, path: str
                          ) -> tuple[str | None, list[str]]:
    """(the new text, or None when nothing needs to change; notes for the user)."""
    config = _load_yaml(old, path)
    if config is None:
        config = {}
    if isinstance(config, dict) and config.get('repos', []) is None:
        config['repos'] = []                 # "repos:" with nothing under it yet
    if not isinstance(config, dict) or not isinstance(config.get('repos', []), list):
        raise ConfigError(f'{path}: expected a mapping with a "repos" list',
                          hint='add the hotfix-hooks entry by hand (--dry-run prints it)')
    if has_hotfix_hooks(config):
        return None, [f'{path} already runs hotfix-hooks hooks: left as it is (update its '
                      'rev yourself)']
    notes: list[str] = []
    nl = newline_of(old)
    lines = old.replace('\r\n', '\n').split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    repos_at = next((i for i, line in enumerate(lines) if re.match(r'^repos\s*:', line)), None)
    if repos_at is None:
        lines += ['repos:']
        repos_at = len(lines) - 1
    elif lines[repos_at].split(':', 1)[1].split('#', 1)[0].strip() not in ('',):
        raise ConfigError(f'{path}: "repos:" is written inline, so init cannot add an entry',
                          hint='add the hotfix-hooks entry by hand (--dry-run prints it)')
    end = len(lines)
    for i in range(repos_at + 1, len(lines)):
        line = lines[i]
        if line and not line[0].isspace() and not line.startswith(('-', '#')):
            end = i
            break
    while end > repos_at + 1 and (not lines[end - 1].strip()
                                  or lines[end - 1].startswith('#')) and end < len(lines):
        end -= 1
    marker, content = 0, 4
    for line in lines[repos_at + 1:end]:
        m = re.match(r'^(\s*)-(\s+)repo\s*:', line)
        if m:
            marker, content = len(m.group(1)), len(m.group(1)) + 1 + len(m.group(2))
            break
    entry = hook_entry(repo, rev, marker, content).rstrip('\n').split('\n')
    lines[end:end] = entry
    if 'default_install_hook_types' not in config:
        lines.insert(repos_at, INSTALL_TYPES)
    else:
        types = config.get('default_install_hook_types') or []
        if 'pre-push' not in types:
            notes.append(f'{path}: default_install_hook_types has no pre-push: the gates and '
                         'the record run on push, add pre-push to it')
    text = nl.join(lines) + nl
    after = _load_yaml(text, path)
    if isinstance(after, dict) and after.get('repos', []) is None:
        after['repos'] = []
    added = after.get('repos', [])[len(config.get('repos') or []):] if isinstance(
        after, dict) else []
    same_rest = isinstance(after, dict) and after.get('repos', [])[:len(
        config.get('repos') or [])] == (config.get('repos') or []) and {
        k: v for k, v in after.items() if k not in ('repos', 'default_install_hook_types')} \
        == {k: v for k, v in config.items() if k not in ('repos', 'default_install_hook_types')}
    if not same_rest or len(added) != 1 or added[0].get('repo') != repo:
        raise ConfigError(f'{path}: could not add the hotfix-hooks entry without changing '
                          'the rest of the file',
                          hint='add it by hand (--dry-run prints it)')
    return text, notes
