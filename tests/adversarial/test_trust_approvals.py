"""Adversarial: approvals and waivers are text in the record, so the author writes them
herself. They count only when the history says an owner gave them: authored and committed
by an owner of the role, by someone who did not write the fix, one role per person, after
the last code change, signed (SSH, real keys) when the policy asks. Real commits by
different people, pushed with --no-verify, judged by CI in a fresh clone."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.gate_service import PYPROJECT
from tests.support.migration_fixtures import V
from tests.support.records import COMPLETE
from tests.support.trustworld import BRANCH
from tests.support.trustworld import DEV
from tests.support.trustworld import DROP
from tests.support.trustworld import findings
from tests.support.trustworld import IVY
from tests.support.trustworld import person
from tests.support.trustworld import RAFA
from tests.support.trustworld import World

RECORD = 'hotfixes/ARIS-5.toml'
OWNERS = ('\n[tool.hotfix-hooks.owners]\nincident_owner = ["Ivy <ivy@example.com>"]\n'
          'release_owner = ["rafa@example.com", "ivy@example.com"]\n')
PENDING = re.sub(r'^approved_at = .*$', 'approved_at = ""', COMPLETE.replace('ARIS-77', 'ARIS-5'),
                 flags=re.M)
WAIVER = ('\n[[exceptions]]\nrule = "migration-drop-column"\n'
          f'path = "{V}/0002_drop_legacy.py"\n'
          'reason = "legacy_code has been unused since 0.0.9; no client reads it"\n'
          'approved_by = ["incident_owner", "release_owner"]\n')
SELF_APPROVED = COMPLETE.replace('ARIS-77', 'ARIS-5').replace('2026-11-27T12:45:00Z',
                                                              '2099-01-01T00:00:00Z')


def _rules(res) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in findings(res):
        out.setdefault(f['rule'], []).append(f)
    return out


@pytest.fixture
def world(tmp_path: Path) -> World:
    w = World(tmp_path, PYPROJECT + OWNERS)
    w.branch()
    w.commit(DEV, 'ARIS-5 drop legacy_code', {f'{V}/0002_drop_legacy.py': DROP,
                                              RECORD: PENDING})
    return w


def _approve(world: World, who: dict[str, str], role: str, *extra: str) -> None:
    res = world.run('approve', role, *extra, env=who)
    assert res.returncode == 0, res.stderr
    assert f'as {role}' in res.stdout


def _readiness_approvals(world: World) -> str:
    res = world.run('readiness', '--format', 'json')
    rows = {r['check']: r for r in json.loads(res.stdout)['checks']}
    return rows['approvals']['status'] + ': ' + rows['approvals']['evidence']


def test_approvals_written_by_the_fix_author_do_not_count(world: World) -> None:
    world.commit(DEV, 'approvals', {RECORD: SELF_APPROVED})
    world.push()
    res = world.ci('--format', 'json', '--no-gates')
    assert res.returncode == 1
    found = _rules(res)['record-approval-unverified']
    assert {f['role'] for f in found} == {'incident_owner', 'release_owner'}
    text = ' '.join(f['message'] for f in found)
    assert 'dana@example.com, who is not listed in [tool.hotfix-hooks.owners]' in text
    assert 'the fix author cannot approve it' in text
    assert 'later than the commit that set it' in text          # approved_at in 2099
    assert _readiness_approvals(world).startswith('MISSING')
    res = world.run('record', '--require-approvals', '--format', 'json')
    assert res.returncode == 1 and 'record-approval-unverified' in _rules(res)


def test_each_owner_in_their_own_commit_counts(world: World) -> None:
    world.push()
    _approve(world, IVY, 'incident_owner')
    _approve(world, RAFA, 'release_owner')
    log = world.repo.git('log', '-2', '--format=%ae %s')
    assert log.splitlines() == ['rafa@example.com ARIS-5: release_owner approves the hotfix',
                                'ivy@example.com ARIS-5: incident_owner approves the hotfix']
    assert world.repo.git('show', '--name-only', '--format=', 'HEAD') == RECORD
    world.push()
    res = world.ci('--format', 'json', '--no-gates')
    rules = _rules(res)
    assert not any(r.startswith('record-approval') for r in rules), rules
    assert 'record-owners-missing' not in rules
    status = _readiness_approvals(world)
    assert status.startswith('PASS') and 'ivy@example.com' in status and \
        'rafa@example.com' in status


def test_one_owner_for_both_roles_counts_once(world: World) -> None:
    _approve(world, IVY, 'incident_owner')
    res = world.run('approve', 'release_owner', env=IVY)
    assert res.returncode == 2 and 'already approved as incident_owner' in res.stderr
    # written by hand, in Ivy's own commit: still one person for two roles
    text = (world.repo.path / RECORD).read_text()
    world.commit(IVY, 'release too', {RECORD: text.replace(
        '[approvals.release_owner]\nname = "Rene Release"\napproved_at = ""',
        '[approvals.release_owner]\nname = "Ivy"\napproved_at = "2026-01-01T00:00:00Z"')})
    world.push()
    found = _rules(world.ci('--format', 'json', '--no-gates'))['record-approval-unverified']
    assert [f['role'] for f in found] == ['release_owner']
    assert 'ivy@example.com already approved as incident_owner' in found[0]['message']


def test_a_code_change_after_the_approvals_makes_them_stale(world: World) -> None:
    _approve(world, IVY, 'incident_owner')
    _approve(world, RAFA, 'release_owner')
    later = world.commit(DEV, 'one more thing', {'app/config.py': 'X = 2\n'})
    world.push()
    res = world.ci('--format', 'json', '--no-gates')
    stale = _rules(res)['record-approval-stale']
    assert {f['role'] for f in stale} == {'incident_owner', 'release_owner'}
    assert all(f['stale_by'] == later and 'app/config.py' in f['message'] for f in stale)
    assert res.returncode == 1
    # a change of the record alone (the next update time) does not
    world.repo.git('reset', '-q', '--hard', 'HEAD~1')
    world.commit(DEV, 'next update', {RECORD: (world.repo.path / RECORD).read_text().replace(
        '2026-11-27T14:00:00Z', '2026-11-27T15:00:00Z')})
    world.push()
    assert 'record-approval-stale' not in _rules(world.ci('--format', 'json', '--no-gates'))


def test_approve_refuses_what_would_not_count(world: World) -> None:
    res = world.run('approve', 'incident_owner', env=RAFA)
    assert res.returncode == 2 and 'not an owner of incident_owner' in res.stderr
    res = world.run('approve', 'incident_owner', env=DEV)
    assert res.returncode == 2 and 'not an owner' in res.stderr
    res = world.run('approve', 'security_owner', env=IVY)
    assert res.returncode == 2 and 'unknown role' in res.stderr
    (world.repo.path / RECORD).write_text(PENDING + '\n# edited\n')
    res = world.run('approve', 'incident_owner', env=IVY)
    assert res.returncode == 2 and 'uncommitted changes' in res.stderr
    world.repo.git('checkout', '-q', '--', RECORD)
    world.repo.git('checkout', '-q', 'main')
    res = world.run('approve', 'incident_owner', env=IVY)
    assert res.returncode == 2 and 'not a hotfix branch' in res.stderr


def test_without_an_owners_table_the_people_rules_still_apply(tmp_path: Path) -> None:
    w = World(tmp_path)
    w.branch()
    w.commit(DEV, 'ARIS-5 drop legacy_code', {f'{V}/0002_drop_legacy.py': DROP,
                                              RECORD: SELF_APPROVED})
    w.push()
    rules = _rules(w.ci('--format', 'json', '--no-gates'))
    assert rules['record-owners-missing'][0]['severity'] == 'warning'
    found = rules['record-approval-unverified']
    assert {f['role'] for f in found} == {'incident_owner', 'release_owner'}
    _approve(w, IVY, 'incident_owner')
    _approve(w, RAFA, 'release_owner')
    w.push()
    rules = _rules(w.ci('--format', 'json', '--no-gates'))
    assert 'record-approval-unverified' not in rules and 'record-owners-missing' in rules


# -- waivers -----------------------------------------------------------------------------
def test_a_waiver_written_by_the_author_waives_nothing_until_both_owners_approve(
        world: World) -> None:
    world.commit(DEV, 'waive the drop', {RECORD: PENDING + WAIVER})
    world.push()
    res = world.ci('--format', 'json', '--no-gates')
    rules = _rules(res)
    drop = rules['migration-drop-column'][0]
    assert not drop['waived'] and drop['severity'] == 'error'
    assert 'waives nothing yet' in drop['waiver_rejected']
    assert rules['record-waiver-unapproved'][0]['severity'] == 'error'
    # on the developer's machine the hooks do not block it (the owners approve later)
    local = _rules(world.run('scan', '--format', 'json'))['migration-drop-column'][0]
    assert local['severity'] == 'warning' and 'waiver_pending' in local
    _approve(world, IVY, 'incident_owner')
    world.push()
    res = world.ci('--format', 'json', '--no-gates')
    assert not _rules(res)['migration-drop-column'][0]['waived']
    _approve(world, RAFA, 'release_owner')
    world.push()
    res = world.ci('--format', 'json', '--no-gates')
    rules = _rules(res)
    assert rules['migration-drop-column'][0]['waived'] is True
    assert 'record-waiver-unapproved' not in rules
    # the author rewrites the waiver after the approvals: it waives nothing again
    world.commit(DEV, 'broaden the waiver', {RECORD: (world.repo.path / RECORD).read_text()
                                             .replace(f'{V}/0002_drop_legacy.py', f'{V}/*')})
    world.push()
    rules = _rules(world.ci('--format', 'json', '--no-gates'))
    assert rules['migration-drop-column'][0]['waived'] is False
    assert 'did not approve after that' in rules['record-waiver-unapproved'][0]['message']


# -- signed approvals --------------------------------------------------------------------
def _key(home: Path, name: str) -> tuple[Path, str]:
    path = home / f'{name}_ed25519'
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', str(path)],
                   check=True, capture_output=True)
    return path, (path.with_suffix('.pub')).read_text().strip()


@pytest.fixture
def signing(tmp_path: Path) -> World:
    """require_signed; SSH keys for Ivy, Rafa and Mallory; an allowed-signers file with Ivy
    and Rafa in the temporary HOME, named by the global git configuration."""
    w = World(tmp_path, PYPROJECT + OWNERS + '\n[tool.hotfix-hooks.approvals]\n'
                                             'require_signed = true\n')
    home = Path(w.repo.env['HOME'])
    keys = {n: _key(home, n) for n in ('ivy', 'rafa', 'mallory')}
    allowed = home / 'allowed_signers'
    allowed.write_text(f'ivy@example.com {keys["ivy"][1]}\nrafa@example.com {keys["rafa"][1]}\n')
    (home / '.gitconfig').write_text(f'[gpg]\n\tformat = ssh\n[gpg "ssh"]\n\t'
                                     f'allowedSignersFile = {allowed}\n')
    w.keys = {n: str(k[0]) for n, k in keys.items()}  # type: ignore[attr-defined]
    w.branch()
    w.commit(DEV, 'ARIS-5 drop legacy_code', {f'{V}/0002_drop_legacy.py': DROP,
                                              RECORD: PENDING})
    return w


def _signing_as(who: dict[str, str], key: str) -> dict[str, str]:
    return {**who, 'GIT_CONFIG_COUNT': '1', 'GIT_CONFIG_KEY_0': 'user.signingkey',
            'GIT_CONFIG_VALUE_0': key}


def test_signed_approvals_from_allowed_signers_count(signing: World) -> None:
    keys = signing.keys  # type: ignore[attr-defined]
    _approve(signing, _signing_as(IVY, keys['ivy']), 'incident_owner')
    assert signing.repo.git('log', '-1', '--format=%G?') in ('G', 'U')
    _approve(signing, _signing_as(RAFA, keys['rafa']), 'release_owner')
    signing.push()
    rules = _rules(signing.ci('--format', 'json', '--no-gates'))
    assert not any(r.startswith('record-approval') for r in rules), rules
    assert 'signed' in _readiness_approvals(signing)


def test_unsigned_or_foreign_signed_approvals_do_not_count(signing: World) -> None:
    keys = signing.keys  # type: ignore[attr-defined]
    text = (signing.repo.path / RECORD).read_text()
    signing.commit(IVY, 'unsigned approval', {RECORD: text.replace(
        'name = "Ines Incident"\napproved_at = ""',
        'name = "Ivy"\napproved_at = "2026-01-01T00:00:00Z"')})
    # Rafa's approval signed with Mallory's key (a key nobody allowed)
    _approve(signing, _signing_as(RAFA, keys['mallory']), 'release_owner')
    signing.push()
    found = {f['role']: f['message'] for f in
             _rules(signing.ci('--format', 'json', '--no-gates'))['record-approval-unverified']}
    assert 'is not signed' in found['incident_owner']
    assert 'does not verify' in found['release_owner']


def test_allowed_signers_are_read_from_the_base_side(signing: World) -> None:
    """The branch adds Mallory's key to an allowed-signers file in the repository that the
    configuration names: the base side's copy (without it) is what verifies."""
    keys = signing.keys  # type: ignore[attr-defined]
    home = Path(signing.repo.env['HOME'])
    ivy_rafa = (home / 'allowed_signers').read_text()
    mallory = Path(keys['mallory'] + '.pub').read_text().strip()
    signing.repo.git('checkout', '-q', 'main')
    signing.commit(RAFA, 'allowed signers', {'.signers': ivy_rafa})
    signing.repo.git('push', '-q', 'origin', 'main')
    signing.repo.git('checkout', '-q', BRANCH)
    signing.repo.git('rebase', '-q', 'main')
    (home / '.gitconfig').write_text('[gpg]\n\tformat = ssh\n[gpg "ssh"]\n\t'
                                     'allowedSignersFile = .signers\n')
    mal = person('Mallory', 'rafa@example.com')      # claims to be Rafa
    signing.commit(DEV, 'signers', {'.signers': ivy_rafa + f'rafa@example.com {mallory}\n'})
    _approve(signing, _signing_as(mal, keys['mallory']), 'release_owner')
    signing.push()
    found = _rules(signing.ci('--format', 'json', '--no-gates'))['record-approval-unverified']
    assert any(f['role'] == 'release_owner' and 'does not verify' in f['message']
               for f in found)
