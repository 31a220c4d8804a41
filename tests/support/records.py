"""Hotfix records (hotfixes/<ticket>.toml) for the record tests: a complete one and
``edit`` to break one field."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from hotfix_hooks.changeset import Commit
from hotfix_hooks.changeset import MemoryHistory

if TYPE_CHECKING:
    from tests.support.gitrepo import GitRepo

PATH = 'hotfixes/ARIS-77.toml'

COMPLETE = '''\
ticket = "ARIS-77"
severity = "P1"
eligibility = "critical-defect"
customer_impact = "stock totals drift after transfers; 3 stores oversell"
decision = "patch-forward"
change_scope = "recount job clamps negative deltas"
owner = "Dana Ops"
next_update_utc = "2026-11-27T14:00:00Z"

[rollback]
command = "./deploy.sh rollback 0.1.0-rc.3"
dry_run = "./deploy.sh rollback 0.1.0-rc.3 --dry-run"
release_tag = "0.1.0-rc.3"

[approvals.incident_owner]
name = "Ines Incident"
approved_at = "2026-11-27T12:40:00Z"

[approvals.release_owner]
name = "Rene Release"
approved_at = 2026-11-27T12:45:00Z

[conditions]
critical_path_unavailable = false
root_cause_uncertain = false
data_integrity_risk = false
eta_exceeds_slo = false
'''


def edit(text: str, key: str, value: str | None) -> str:
    """Replace (or with ``None`` delete) the first ``key = ...`` line."""
    pattern = re.compile(rf'^{re.escape(key)} = .*$', re.M)
    assert pattern.search(text), key
    return pattern.sub('' if value is None else f'{key} = {value}', text, count=1)


# the owners named in COMPLETE, as git identities (GIT_AUTHOR_* and GIT_COMMITTER_*)
INES = {'GIT_AUTHOR_NAME': 'Ines Incident', 'GIT_AUTHOR_EMAIL': 'ines@example.com',
        'GIT_COMMITTER_NAME': 'Ines Incident', 'GIT_COMMITTER_EMAIL': 'ines@example.com'}
RENE = {'GIT_AUTHOR_NAME': 'Rene Release', 'GIT_AUTHOR_EMAIL': 'rene@example.com',
        'GIT_COMMITTER_NAME': 'Rene Release', 'GIT_COMMITTER_EMAIL': 'rene@example.com'}


def set_approval(text: str, role: str, at: str) -> str:
    """``[approvals.<role>] approved_at`` set to ``at`` ("" while pending)."""
    pattern = re.compile(rf'(\[approvals\.{role}\][^\[]*?^approved_at = ).*?$', re.M | re.S)
    assert pattern.search(text), role
    return pattern.sub(lambda m: m.group(1) + f'"{at}"', text, count=1)


def pending(text: str) -> str:
    """No approval given yet."""
    return set_approval(set_approval(text, 'incident_owner', ''), 'release_owner', '')


def commit_approvals(repo: GitRepo, path: str = PATH, incident: str = '2026-11-27T12:40:00Z',
                     release: str = '2026-11-27T12:45:00Z') -> None:
    """The owners approve what the branch holds, each in their own commit (an approval
    counts only then): Ines as incident owner, Rene as release owner."""
    for role, at, who in (('incident_owner', incident, INES), ('release_owner', release, RENE)):
        text = set_approval((repo.path / path).read_text(), role, at)
        repo.write(path, text)
        repo.git('add', path)
        repo.git('commit', '-q', '--no-verify', '-m', f'{role} approves', env=who)


def owner_history(text: str, path: str = PATH, code: tuple[str, ...] = ('app/api.py',)
                  ) -> MemoryHistory:
    """A history in which the fix's author committed the code and the record without
    approvals, then Ines and Rene each committed their own approval as ``text`` has it (an
    approval ``text`` leaves empty stays pending)."""
    from hotfix_hooks import tomlio

    def approved_at(role: str) -> str:
        try:
            entry = tomlio.loads(text).get('approvals', {}).get(role, {})
        except (tomlio.TomlError, AttributeError):
            return ''
        return str(entry.get('approved_at') or '') if isinstance(entry, dict) else ''

    first = text
    for role in ('incident_owner', 'release_owner'):
        if approved_at(role):
            first = set_approval(first, role, '')
    second = set_approval(first, 'incident_owner', approved_at('incident_owner')) \
        if approved_at('incident_owner') else first
    commits = [Commit('c1', (), 'author@example.com', 'Test Author', 'author@example.com',
                      'Test Author', 1_700_000_000, (*code, path)),
               Commit('c2', ('c1',), 'ines@example.com', 'Ines Incident', 'ines@example.com',
                      'Ines Incident', 1_800_000_000, (path,)),
               Commit('c3', ('c2',), 'rene@example.com', 'Rene Release', 'rene@example.com',
                      'Rene Release', 1_800_000_100, (path,))]
    return MemoryHistory(commits, {'c1': {path: first}, 'c2': {path: second},
                                   'c3': {path: text}})


OWNERS_POLICY = {'owners': {'incident_owner': ['ines@example.com'],
                            'release_owner': ['rene@example.com']}}
