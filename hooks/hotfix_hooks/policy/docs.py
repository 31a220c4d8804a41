"""``docs/policy.md``, generated from the policy schema (``SCHEMA``): every key with its type,
its default and its documentation, grouped by table, after a short hand-written intro.

    python -m hotfix_hooks.policy.docs > docs/policy.md

``tests/test_docs.py`` fails when the committed page differs from ``render_markdown()``.
The output is deterministic: it depends on the schema only (its order, no sets, no time).
"""
from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from hotfix_hooks.policy import SCHEMA
from hotfix_hooks.policy import SEVERITY_VALUES
from hotfix_hooks.policy.keys import Key
from hotfix_hooks.policy.schema import DOMAIN_KEYS
from hotfix_hooks.policy.schema import FOLDER_KEYS
from hotfix_hooks.policy.schema import GATE_KEYS
from hotfix_hooks.policy.status_template import FIELDS

REGENERATE = 'python -m hotfix_hooks.policy.docs > docs/policy.md'
TOOL = 'tool.hotfix-hooks'
WIDTH = 88             # longest line of a TOML default block
INLINE_MAX = 40        # longer defaults go to the TOML block under the table

# top-level keys whose value is a list or a table of tables, documented key by key
_NESTED: dict[str, tuple[dict[str, Key], str]] = {
    'gates': (GATE_KEYS, f'[[{TOOL}.gates]]'),
    'domains': (DOMAIN_KEYS, f'[{TOOL}.domains.<name>]'),
}

_KIND_LABELS = {
    'str': 'string',
    'str?': 'string (optional)',
    'int': 'integer',
    'float': 'number',
    'bool': 'boolean',
    'regex': 'regular expression',
    'list[str]': 'list of strings',
    'map[str,str]': 'table of strings',
    'map[str,list[str]]': 'table of string lists',
    'severity': 'severity',
}
# keys of kind "any" are validated by their own check; its name says what they hold
_CHECK_LABELS = {
    '_gates': 'array of tables',
    '_domains': 'table of tables',
    '_command': 'command',
    '_optional_command': 'command (may be empty)',
    '_commands': 'list of commands',
}

_INTRO = f"""\
# Policy reference

<!-- Generated from the policy schema (hotfix_hooks.policy.SCHEMA) by
     hotfix_hooks/policy/docs.py. Do not edit by hand; regenerate it with:
     {REGENERATE} -->

The policy is the `[{TOOL}]` table of the repository's `pyproject.toml`, or the same
keys at the top level of a `.hotfix-hooks.toml` (which wins when both exist). With no
configuration the ARIS3 v1 hotfix protocol applies, through the defaults below. A bad key
or value is exit 2 with the key named. A hotfix (or release) branch is judged by the policy
of its **base side** (the merge-base with the base branch), on commit, push and in CI, never
by the policy the branch commits or edits: what the branch changes in it is reported as the
error `policy-changed-in-hotfix` ([threat-model.md](threat-model.md)), so a policy change goes
to the base branch first. Off hotfix branches, a push, a CI run or a `--from-ref/--to-ref`
range is judged by the policy committed in the commit being checked, and a commit or a run
by hand by the working tree's. `--config FILE` overrides the root policy (a note says so).
In a monorepo the folder policy files are read from the same side as the root policy (the
base side, on a hotfix branch).
`hotfix-hooks config` prints the effective policy, where each value came from, and which
policy file governs which folder (`--path P`: the policy of one file); on a hotfix branch
that changed its policy, it also says that the checks use the base side's and what changed.

```toml
[{TOOL}]
base = "main"
ticket_pattern = "[A-Z][A-Z0-9]+-[0-9]+"

[{TOOL}.naming]
commit_msg = true

[{TOOL}.severity]
scope-too-many-files = "error"
```

Types: a *severity* is one of {', '.join(f'`"{s}"`' for s in SEVERITY_VALUES)}; a
*command* is a list of strings (argv) or a string split with shlex, never run through a
shell. In path globs `*` and `?` stay within a path segment, `**` crosses directories, and a
pattern without `/` matches the file name in any directory (as in `.gitignore`); branch
globs (`release_branches`, `gate.branches`) are shell patterns, where `*` also matches `/`.
Every rule id can be re-levelled with `severity = {{ "rule-id" = "warning" }}` or turned off
with `disable`. Defaults too long for the tables are given after each table, as TOML you can
copy.

## First run: `hotfix-hooks init`

`hotfix-hooks init` inspects the repository and writes its policy: `.hotfix-hooks.toml`, or
with `--pyproject` a `[{TOOL}]` table appended to `pyproject.toml` (the rest of the file is
kept byte for byte). It reads the remote's default branch (`base`), the ticket ids of recent
branch names and commit subjects (`ticket_pattern`, else the default), API specs, migration
folders, their framework and the production `migrations.dialect`, and the services of a
monorepo (folders with their own `pyproject.toml`, `setup.py`, `manage.py` or `alembic.ini`),
each of which gets its own policy file. From the tests it finds (test folders and the code of
the same name, Django apps, `pytest` markers, smoke and integrity scripts) it proposes gates
and domains, each with `proposed = true`: a proposal does not run, and a push of a hotfix
branch reports it as not configured (`gate-not-configured`), until you check it and delete
that line. It also adds the hotfix-hooks entry to `.pre-commit-config.yaml` (pinned to the
commit it was installed from, or `--hook-repo URL --hook-rev SHA`). `--dry-run` prints
everything and writes nothing; an existing policy is replaced only with `--force`.

Without a policy, the defaults are the ARIS3 protocol's home service: a default gate or
domain whose files the repository does not have (`tests/smoke/...`,
`scripts/post_go_live_integrity_check.py`, `tests`) is not configured there: it does not
run, a hotfix push says so (`gate-not-configured`, "run hotfix-hooks init"), and
`readiness` shows it MISSING, never PASS.

## Monorepos: a policy per folder

The policy file nearest to a changed file governs it: `server/.hotfix-hooks.toml` (which wins)
or `[{TOOL}]` in `server/pyproject.toml` governs the files below `server/` as if `server/`
were a repository of its own. Its paths (globs, a gate's `cwd`) are relative to `server/`,
Python imports resolve from it, and the keys it does not set take the defaults below, not
the root policy's values. A folder policy sets only {{folder_keys}}; the other keys are about
the branch and the run (base, ticket pattern, naming, the record, `enforce_on` ...) and come
from the root policy: a folder policy that sets one is a configuration error naming it. The
change is split by governing policy and each part is checked with its own rules; gates and
domains run per folder, named `server/smoke`, `server/domain:billing`.

## Where the checks block: `enforce_on`

The protocol's frozen rules are a hotfix's rules. With `enforce_on = "hotfix"` (the default)
the diff checks (contract, `/actions`, migrations, scope) block on hotfix and release
branches only; on any other branch their errors are reported as warnings (marked
`severity_on_hotfix = "error"` in JSON), and one info finding says so
(`hotfix-only-enforcement`). `enforce_on = "all"` blocks on every branch, migrations included
at their hotfix severities. A branch that cannot be told (detached HEAD) is never relaxed.

Tables: {{toc}}.
"""


def render_markdown() -> str:
    """The whole ``docs/policy.md`` page."""
    sections: list[tuple[str, list[str]]] = []   # (title, lines)
    top = {n: k for n, k in SCHEMA.items() if k.kind != 'table' and n not in _NESTED}
    sections.append(_table_section(f'[{TOOL}]', 'The top-level keys.', top, ''))
    for name, key in SCHEMA.items():
        if key.kind == 'table':
            sections.append(_table_section(f'[{TOOL}.{name}]', key.doc, key.keys or {},
                                           name + '.'))
        elif name in _NESTED:
            sections.append(_nested_section(name, key))
    toc = ', '.join(f'[`{title}`](#{_anchor(title)})' for title, _lines in sections)
    folder_keys = ', '.join(f'`{k}`' for k in SCHEMA if k in FOLDER_KEYS)
    out = [_INTRO.replace('{toc}', toc).replace('{folder_keys}', folder_keys)]
    for title, lines in sections:
        out.append(f'## `{title}`\n')
        out.append('\n'.join(lines) + '\n')
    return '\n'.join(out)


def _table_section(title: str, doc: str, keys: dict[str, Key],
                   prefix: str) -> tuple[str, list[str]]:
    lines = [_escape(doc), '', '| key | type | default | meaning |', '|---|---|---|---|']
    long: dict[str, Any] = {}
    for name, key in keys.items():
        default = _cell_default(key.default)
        if default is None:
            long[name] = key.default
            default = 'below'
        lines.append(f'| `{prefix}{name}` | {_type(key)} | {default} | '
                     f'{_escape(key.doc)} |')
    if long:
        lines += ['', 'Defaults:', '', '```toml', *_toml_table(title, long), '```']
    if prefix == 'record.':
        lines += _placeholders()
    return title, lines


def _nested_section(name: str, key: Key) -> tuple[str, list[str]]:
    subkeys, title = _NESTED[name]
    lines = [f'Key `{name}` ({_type(key)}). {_escape(key.doc)}', '',
             '| key | type | default | meaning |', '|---|---|---|---|']
    for sub, k in subkeys.items():
        default = _cell_default(k.default, limit=None)
        lines.append(f'| `{sub}` | {_type(k)} | {default} | '
                     f'{_escape(k.doc)} |')
    lines += ['', 'Default:', '', '```toml']
    default = key.default
    if isinstance(default, list):
        for i, entry in enumerate(default):
            lines += ([''] if i else []) + _toml_table(f'[[{TOOL}.{name}]]', entry)
    else:
        for i, (sub, entry) in enumerate(default.items()):
            lines += ([''] if i else []) + _toml_table(f'[{TOOL}.{name}.{sub}]', entry)
    lines.append('```')
    return title, lines


def _placeholders() -> list[str]:
    lines = ['', 'Placeholders of `record.status_template` (`{{` and `}}` for literal '
             'braces; an unknown placeholder is a config error; what is not known is '
             'written `unknown`):', '', '| placeholder | value |', '|---|---|']
    lines += [f'| `{{{name}}}` | {_escape(doc)} |' for name, doc in FIELDS.items()]
    return lines


def _type(key: Key) -> str:
    if key.kind.startswith('enum:'):
        return 'one of ' + ', '.join(f'`"{v}"`' for v in key.kind[5:].split('|'))
    if key.kind == 'any' and key.check is not None:
        label = _CHECK_LABELS.get(getattr(key.check, '__name__', ''))
        if label:
            return label
    return _KIND_LABELS.get(key.kind, f'`{key.kind}`')


def _cell_default(value: Any, limit: int | None = INLINE_MAX) -> str | None:
    """The default as inline code in a table cell; ``None`` when it is longer than
    ``limit`` (``None``: no limit)."""
    if value is None:
        return '(not set)'
    text = _toml_value(value)
    if limit is not None and len(text) > limit:
        return None
    return '`' + text.replace('|', '\\|') + '`'


def _toml_table(header: str, values: dict[str, Any]) -> list[str]:
    """``values`` as a TOML table: scalars and lists first, then sub-tables for maps of
    lists (so the block stays valid TOML)."""
    lines = [header]
    subtables: list[tuple[str, dict[str, Any]]] = []
    for name, value in values.items():
        if isinstance(value, dict) and value and all(isinstance(v, list)
                                                     for v in value.values()):
            subtables.append((name, value))
            continue
        lines += _toml_assign(_toml_key(name), value)
    for name, table in subtables:
        inner = header.strip('[]')
        lines += ['', f'[{inner}.{_toml_key(name)}]']
        for k, v in table.items():
            lines += _toml_assign(_toml_key(k), v)
    return lines


def _toml_assign(key: str, value: Any) -> list[str]:
    if isinstance(value, str) and '\n' in value and "'''" not in value:
        # a multi-line literal string: the newline after the opening quotes is not content
        body = value[:-1] if value.endswith('\n') else value
        lines = [f"{key} = '''", *body.split('\n')]
        if value.endswith('\n'):
            return [*lines, "'''"]
        return [*lines[:-1], lines[-1] + "'''"]
    line = f'{key} = {_toml_value(value)}'
    if len(line) <= WIDTH or not isinstance(value, list) or not value:
        return [line]
    # a long list: filled, several items a line
    out = [f'{key} = [']
    current = '   '
    for item in value:
        piece = f' {_toml_value(item)},'
        if len(current) + len(piece) > WIDTH and current.strip():
            out.append(current)
            current = '   '
        current += piece
    out += [current, ']']
    return out


def _toml_key(name: str) -> str:
    bare = name.replace('-', '').replace('_', '').isalnum() and name.isascii()
    return name if bare else json.dumps(name)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return '[' + ', '.join(_toml_value(v) for v in value) + ']'
    if isinstance(value, dict):
        if not value:
            return '{}'
        return '{ ' + ', '.join(f'{_toml_key(k)} = {_toml_value(v)}'
                                for k, v in value.items()) + ' }'
    raise TypeError(f'no TOML for {value!r}')  # pragma: no cover


def _escape(text: str) -> str:
    """Schema text as Markdown: the characters Markdown would read as markup, escaped."""
    for ch in ('\\', '`', '*', '<', '|'):
        text = text.replace(ch, '\\' + ch)
    return text


def _anchor(title: str) -> str:
    """GitHub's heading anchor of ``## `title` ``: lower case, punctuation dropped except
    ``-`` and ``_``, spaces to ``-``."""
    return ''.join(c for c in title.lower().replace(' ', '-') if c.isalnum() or c in '-_')


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        print(f'usage: {REGENERATE}', file=sys.stderr)
        return 2
    sys.stdout.write(render_markdown())
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
