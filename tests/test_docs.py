"""The README documents every hook id, every command and every policy key."""
from __future__ import annotations

import re

import yaml

from hotfix_hooks.cli import COMMANDS
from hotfix_hooks.policy import describe
from tests.gitrepo import ROOT

README = (ROOT / 'README.md').read_text()


def test_every_hook_id_is_documented() -> None:
    manifest = yaml.safe_load((ROOT / '.pre-commit-hooks.yaml').read_text())
    ids = [h['id'] for h in manifest]
    assert len(ids) == len(set(ids))
    missing = [i for i in ids if f'`{i}`' not in README]
    assert not missing, f'hook ids missing from README: {missing}'


def test_every_hook_declares_its_stages() -> None:
    manifest = yaml.safe_load((ROOT / '.pre-commit-hooks.yaml').read_text())
    for hook in manifest:
        assert hook.get('stages'), hook['id']
        assert hook['language'] == 'python'
        assert hook['entry'].startswith('hotfix-hooks ')
        command = hook['entry'].split()[1]
        assert command in COMMANDS, hook['id']


def test_every_command_is_documented() -> None:
    missing = [c for c in COMMANDS if f'hotfix-hooks {c}' not in README]
    assert not missing, f'commands missing from README: {missing}'


def test_every_policy_key_is_documented() -> None:
    missing = []
    for name, _key in describe():
        leaf = name.split('.')[-1]
        if f'`{name}`' not in README and not re.search(rf'`{re.escape(leaf)}`', README):
            missing.append(name)
    assert not missing, f'policy keys missing from README: {missing}'
