"""The documentation stays true: the README lists every hook id and every command,
docs/policy.md is what the schema generates (so it documents every policy key), docs/rules.md
is what the rule catalogue generates (so it documents every rule), every page of docs/ is
reachable, and every relative link points at a file (and heading) that exists."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from hotfix_hooks import catalog
from hotfix_hooks import tomlio
from hotfix_hooks.cli import COMMANDS
from hotfix_hooks.commands import rules as rules_command
from hotfix_hooks.policy import describe
from hotfix_hooks.policy import SCHEMA
from hotfix_hooks.policy.docs import REGENERATE
from hotfix_hooks.policy.docs import render_markdown
from tests.support.gitrepo import ROOT
from tests.support.gitrepo import SRC

README = (ROOT / 'README.md').read_text()
DOCS = ROOT / 'docs'
POLICY_MD = DOCS / 'policy.md'
RULES_MD = DOCS / 'rules.md'
PAGES = sorted(DOCS.glob('*.md'))
LINKED_FILES = [ROOT / 'README.md', ROOT / 'CONTRIBUTING.md', *PAGES]
EXPECTED_PAGES = ('index', 'naming', 'scope', 'contract', 'actions', 'migrations', 'gates',
                  'record', 'ci', 'policy', 'rules')


def _manifest() -> list[dict[str, object]]:
    return yaml.safe_load((ROOT / '.pre-commit-hooks.yaml').read_text())


# -- the README: hook ids and commands ---------------------------------------------------
def test_every_hook_id_is_documented() -> None:
    ids = [str(h['id']) for h in _manifest()]
    assert len(ids) == len(set(ids))
    missing = [i for i in ids if f'`{i}`' not in README]
    assert not missing, f'hook ids missing from README.md: {missing}'


def test_every_hook_declares_its_stages() -> None:
    for hook in _manifest():
        assert hook.get('stages'), hook['id']
        assert hook['language'] == 'python'
        entry = str(hook['entry'])
        assert entry.startswith('hotfix-hooks ')
        command = entry.split()[1]
        assert command in COMMANDS, hook['id']


def test_every_command_is_documented() -> None:
    missing = [c for c in COMMANDS
               if not re.search(rf'`hotfix-hooks {re.escape(c)}[ `]', README)]
    assert not missing, f'commands missing from README.md: {missing}'


# -- docs/policy.md: generated from the schema ------------------------------------------
def test_policy_page_is_generated_from_the_schema() -> None:
    expected = render_markdown()
    actual = POLICY_MD.read_text() if POLICY_MD.is_file() else ''
    if actual != expected:
        a, e = actual.splitlines(), expected.splitlines()
        pairs = enumerate(zip(a, e, strict=False))
        line = next((i for i, (x, y) in pairs if x != y), min(len(a), len(e)))
        pytest.fail(f'docs/policy.md is out of date with the policy schema (first difference '
                    f'at line {line + 1}); regenerate it: {REGENERATE}', pytrace=False)


def test_policy_page_is_deterministic() -> None:
    assert render_markdown() == render_markdown()


def test_every_policy_key_is_documented() -> None:
    text = POLICY_MD.read_text()
    missing = [name for name, _key in describe() if f'| `{name}` |' not in text
               and f'Key `{name}`' not in text]
    assert not missing, f'policy keys missing from docs/policy.md: {missing}'


def test_policy_page_defaults_are_the_schema_defaults() -> None:
    """Every TOML block after the intro is valid TOML, and every default it gives is the
    schema's (the blocks are what a user copies into pyproject.toml)."""
    text = render_markdown()
    body = text.split('\n## ', 1)[1]
    blocks = re.findall(r'```toml\n(.*?)```', body, re.S)
    assert blocks
    tool: dict[str, Any] = {}
    for block in blocks:
        data = tomlio.loads(block)['tool']['hotfix-hooks']
        for name, value in data.items():
            assert name not in tool, f'{name} is given twice'
            tool[name] = value
    checked = 0
    for name, value in tool.items():
        key = SCHEMA[name]
        if key.kind == 'table':
            for sub, sub_value in value.items():
                default = (key.keys or {})[sub].default
                assert sub_value == default, f'{name}.{sub}'
                checked += 1
        else:
            assert value == key.default, name
            checked += 1
    assert checked >= 10


# -- pages and links ---------------------------------------------------------------------
def test_the_reference_pages_exist() -> None:
    missing = [p for p in EXPECTED_PAGES if not (DOCS / f'{p}.md').is_file()]
    assert not missing, f'docs pages missing: {missing}'
    assert (ROOT / 'CONTRIBUTING.md').is_file()


def test_every_docs_page_is_linked_from_the_readme_or_the_index() -> None:
    linked = {(ROOT / 'README.md').parent.joinpath(t).resolve()
              for t in _targets(ROOT / 'README.md')}
    linked |= {DOCS.joinpath(t).resolve() for t in _targets(DOCS / 'index.md')}
    unlinked = [p.name for p in PAGES if p.resolve() not in linked and p.name != 'index.md']
    assert not unlinked, f'docs pages linked neither from README.md nor docs/index.md: {unlinked}'
    assert (DOCS / 'index.md').resolve() in linked, 'README.md must link docs/index.md'


@pytest.mark.parametrize('path', LINKED_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_at_a_file_that_exists(path: Path) -> None:
    broken = []
    for link in _links(path):
        target, _, fragment = link.partition('#')
        dest = path.parent.joinpath(target).resolve() if target else path.resolve()
        if not dest.exists():
            broken.append(f'{link} (no such file)')
        elif fragment and dest.suffix == '.md' and fragment not in _anchors(dest):
            broken.append(f'{link} (no such heading)')
    assert not broken, f'{path.relative_to(ROOT)}: broken links: {broken}'


# -- docs/rules.md: generated from the rule catalogue --------------------------------------
def test_rules_page_is_generated_from_the_catalogue() -> None:
    expected = rules_command.markdown()
    actual = RULES_MD.read_text() if RULES_MD.is_file() else ''
    if actual != expected:
        a, e = actual.splitlines(), expected.splitlines()
        pairs = enumerate(zip(a, e, strict=False))
        line = next((i for i, (x, y) in pairs if x != y), min(len(a), len(e)))
        pytest.fail(f'docs/rules.md is out of date with the rule catalogue (first difference '
                    f'at line {line + 1}); regenerate it: {rules_command.REGENERATE}',
                    pytrace=False)


def test_generated_rule_id_list_is_the_catalogue() -> None:
    """hotfix_hooks/rule_ids.py (what the policy and the waivers check ids against, so the
    branch hook loads no catalogue) lists exactly the catalogue's ids."""
    from hotfix_hooks import rule_ids

    path = SRC / 'hotfix_hooks' / 'rule_ids.py'
    if path.read_text() != catalog.ids_module():
        pytest.fail('hooks/hotfix_hooks/rule_ids.py is out of date with the rule catalogue; '
                    'regenerate it: python -m hotfix_hooks.catalog > '
                    'hooks/hotfix_hooks/rule_ids.py', pytrace=False)
    assert rule_ids.IDS == catalog.known_ids() == frozenset(catalog.rules())


def test_every_rule_has_an_anchor_in_the_rules_page() -> None:
    anchors = _anchors(RULES_MD)
    missing = [r for r in catalog.rules() if r not in anchors]
    assert not missing, missing
    for category in {r.category for r in catalog.rules().values()}:
        assert category in anchors, category


def test_rule_tables_live_in_the_rules_page_only() -> None:
    """The concern pages link the generated reference instead of keeping tables by hand."""
    for path in LINKED_FILES:
        if path == RULES_MD:
            continue
        tables = [line for line in _prose(path) if line.startswith('| rule |')]
        assert not tables, f'{path.relative_to(ROOT)} keeps a rule table by hand'


# -- helpers -----------------------------------------------------------------------------
_LINK = re.compile(r'\[[^\]]*\]\(([^)\s]+)\)')
_FENCE = re.compile(r'^\s*(```|~~~)')


def _prose(path: Path) -> list[str]:
    """The lines of a Markdown file outside fenced code blocks."""
    out, fenced = [], False
    for line in path.read_text().splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            out.append(line)
    return out


def _links(path: Path) -> list[str]:
    """Relative link targets (``file``, ``file#heading``, ``#heading``) of a Markdown file."""
    out = []
    for line in _prose(path):
        line = re.sub(r'`[^`]*`', '', line)        # inline code is not a link
        for target in _LINK.findall(line):
            if not re.match(r'^[a-z][a-z0-9+.-]*:', target):
                out.append(target)
    return out


def _targets(path: Path) -> list[str]:
    return [t.partition('#')[0] for t in _links(path) if not t.startswith('#')]


def _anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation but ``-`` and ``_`` dropped,
    spaces to ``-``."""
    anchors = set()
    for line in _prose(path):
        m = re.match(r'^#{1,6}\s+(.*?)\s*#*\s*$', line)
        if m:
            text = m.group(1).replace('`', '').lower()
            anchors.add(''.join(c for c in text.replace(' ', '-') if c.isalnum() or c in '-_'))
        anchors.update(re.findall(r'<a id="([^"]+)"></a>', line))
    return anchors


# -- install paths that work ---------------------------------------------------------------
def test_install_docs_pin_a_commit_and_name_no_placeholder_host() -> None:
    """The consumer path: a local clone or a git URL pinned to a commit, in the README and
    in every template; no example.com host, no tag that does not exist."""
    texts = {p.name: p.read_text() for p in (ROOT / 'examples').iterdir()}
    texts['README.md'] = README
    for name, text in texts.items():
        assert 'example.com' not in text, name
        assert 'rev: v' not in text and '@v0.' not in text, name
    assert '### ' not in README.split('## Use it in a repository')[1].split('## ')[0]
    assert '**From a local clone**' in README and '**From a git URL pinned to a commit**' in README
    assert 'pip install "git+$HH_URL@$HH_SHA"' in README
    assert '--hook-rev "$(git -C ~/src/hotfix-hooks rev-parse HEAD)"' in README
    pinned = re.findall(r'^\s*rev: ([0-9a-f]{40})\b', texts['pre-commit-config.yaml'], re.M)
    assert len(pinned) == 1
    for ci in ('github-actions.yml', 'gitlab-ci.yml'):
        assert re.search(r'HOTFIX_HOOKS_REV: [0-9a-f]{40}\n', texts[ci]), ci
        assert '@${HOTFIX_HOOKS_REV}' in texts[ci], ci
