"""Adversarial: a hotfix branch edits the policy it is judged by, in the same branch as a
drop-column migration, and is pushed with ``--no-verify``. CI (a fresh clone, detached HEAD,
a branch build with only the branch name known, or a pull request) and a local scan give
the findings the branch would get without the edit, plus ``policy-changed-in-hotfix``."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.gate_service import PYPROJECT
from tests.support.gitrepo import GitRepo
from tests.support.migration_fixtures import INIT
from tests.support.migration_fixtures import V
from tests.support.records import COMPLETE
from tests.support.trustworld import BRANCH
from tests.support.trustworld import DEV
from tests.support.trustworld import DROP
from tests.support.trustworld import findings
from tests.support.trustworld import located
from tests.support.trustworld import World

RECORD = 'hotfixes/ARIS-5.toml'
TABLE = '[tool.hotfix-hooks]\nbase = "main"\n'

# what the branch does to its own pyproject.toml: (case, new pyproject text, kind named)
EDITS = [
    ('disable', PYPROJECT.replace(TABLE, TABLE + 'disable = ["migration-drop-column", '
                                  '"migration-downgrade-noop"]\n'),
     'rules disabled: migration-downgrade-noop, migration-drop-column'),
    ('severity', PYPROJECT + '\n[tool.hotfix-hooks.severity]\nmigration-drop-column = "info"\n'
                             'migration-downgrade-noop = "info"\n',
     'severities changed: migration-downgrade-noop: default -> info'),
    ('migration-severity', PYPROJECT + '\n[tool.hotfix-hooks.migrations.severity]\n'
                                       'migration-drop-column = "info"\n',
     'severities changed: migration-drop-column: default -> info'),
    ('gates', PYPROJECT.replace('command = ["python", "scripts/smoke.py"]',
                                'command = ["true"]'),
     'gates changed: gate smoke command: ["python", "scripts/smoke.py"] -> ["true"]'),
    ('domain-off', PYPROJECT.replace('[tool.hotfix-hooks.domains.pos]\n',
                                     '[tool.hotfix-hooks.domains.pos]\nenabled = false\n'),
     'domains changed: domain pos turned off'),
    ('approvers', PYPROJECT + '\n[tool.hotfix-hooks.record]\nrequired_approvers = []\n',
     'approvers changed: record.required_approvers'),
    ('prefix', PYPROJECT.replace(TABLE, TABLE + 'hotfix_prefix = "zzz/"\n'),
     'hotfix branches changed: hotfix_prefix: "hotfix/" -> "zzz/"'),
    ('base-itself', PYPROJECT.replace(TABLE, f'[tool.hotfix-hooks]\nbase = "{BRANCH}"\n'),
     f'base branch changed: base: "main" -> "{BRANCH}"'),
    ('file-removed', '[project]\nname = "service"\n',
     'policy removed: pyproject.toml (the defaults would apply)'),
]


@pytest.fixture(scope='module')
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    w = World(tmp_path_factory.mktemp('trust-policy'))
    record = COMPLETE.replace('ARIS-77', 'ARIS-5')
    # the control: the same fix without any policy edit
    w.branch(BRANCH + '-control')
    w.commit(DEV, 'ARIS-5 drop legacy_code', {f'{V}/0002_drop_legacy.py': DROP, RECORD: record})
    w.push(BRANCH + '-control')
    return w


def _edited(world: World, case: str, text: str) -> str:
    name = f'{BRANCH}-{case}'
    world.branch(name, start=BRANCH + '-control')
    world.commit(DEV, 'tune the policy', {'pyproject.toml': text})
    world.push(name)
    return name


@pytest.mark.parametrize('case,text,kind', EDITS, ids=[e[0] for e in EDITS])
def test_ci_branch_build_judges_by_the_base_side(world: World, case: str, text: str,
                                                 kind: str) -> None:
    control = world.ci('--format', 'json', '--no-gates', branch=BRANCH + '-control')
    assert control.returncode == 1, control.stderr
    assert ('migration-drop-column', f'{V}/0002_drop_legacy.py', 'error', False) in \
        located(control)
    name = _edited(world, case, text)
    res = world.ci('--format', 'json', '--no-gates', branch=name)
    assert res.returncode == 1, res.stderr
    changed = [f for f in findings(res) if f['rule'] == 'policy-changed-in-hotfix']
    assert len(changed) == 1 and changed[0]['severity'] == 'error'
    assert kind in changed[0]['message'], changed[0]['message']
    assert changed[0]['path'] == 'pyproject.toml'
    rest = [x for x in located(res) if x[0] != 'policy-changed-in-hotfix']
    assert rest == located(control)


def test_ci_without_origin_head_and_a_pull_request_build_agree(world: World) -> None:
    """No origin/HEAD in the clone (main is found as origin/main), or a pull request with
    its base commit: the same verdict."""
    name = _edited(world, 'base-itself', EDITS[7][1])
    control = located(world.ci('--format', 'json', '--no-gates', branch=BRANCH + '-control'))
    main = world.repo.git('rev-parse', 'main')
    for res in (world.ci('--format', 'json', '--no-gates', branch=name, origin_head=False),
                world.ci('--format', 'json', '--no-gates', branch=name, pr_base=main)):
        assert res.returncode == 1, res.stderr
        got = located(res)
        assert ('policy-changed-in-hotfix', 'pyproject.toml', 'error', False) in got
        assert [x for x in got if x[0] != 'policy-changed-in-hotfix'] == control


@pytest.mark.parametrize('case', ['disable', 'prefix', 'base-itself'])
def test_local_scan_of_the_range_and_the_working_tree(world: World, case: str) -> None:
    text = {e[0]: e[1] for e in EDITS}[case]
    name = _edited(world, case, text)
    world.repo.git('checkout', '-q', name)
    for args in (('scan', '--from-ref', 'main', '--to-ref', name, '--branch', name),
                 ('scan', '--branch', name), ('scan',)):
        res = world.run(*args, '--format', 'json')
        assert res.returncode == 1, (args, res.stdout, res.stderr)
        rules = {f['rule'] for f in findings(res)}
        assert {'policy-changed-in-hotfix', 'migration-drop-column',
                'migration-downgrade-noop'} <= rules, (args, rules)


def test_commit_stage_uses_the_base_sides_policy(world: World) -> None:
    """``git commit`` on a hotfix branch: the index is judged by the base side's policy, so
    the commit hook and CI agree; the edited policy on disk is reported."""
    world.branch(BRANCH + '-commit', start='main')
    world.repo.write(f'{V}/0002_drop_legacy.py', DROP)
    world.repo.write('pyproject.toml', EDITS[0][1])
    world.repo.git('add', '-A')
    res = world.run('scan', '--staged', '--format', 'json')
    assert res.returncode == 1
    rules = {f['rule'] for f in findings(res)}
    assert {'policy-changed-in-hotfix', 'migration-drop-column'} <= rules
    # a malformed policy file on disk stays a one-line configuration error (exit 2)
    world.repo.write('pyproject.toml', '[tool.hotfix-hooks\n')
    res = world.run('scan', '--staged')
    assert res.returncode == 2 and 'pyproject.toml' in res.stderr
    world.repo.git('reset', '-q', '--hard')


def test_off_hotfix_branches_the_working_trees_policy_applies(world: World) -> None:
    """A team changing its policy on a feature branch (or main) is not a hotfix: the
    policy in the working tree applies and nothing is reported about it."""
    world.branch('feature/policy', start='main')
    world.repo.write('pyproject.toml', PYPROJECT.replace(TABLE, TABLE + 'release_branches = '
                                                         '["feature/*"]\n'))
    res = world.run('config', '--format', 'json')
    assert res.returncode == 0
    res = world.run('scan', '--format', 'json')
    assert res.returncode == 0
    assert 'policy-changed-in-hotfix' not in res.stdout
    world.repo.git('checkout', '-q', '--', 'pyproject.toml')


def test_a_policy_file_added_by_the_branch_is_reported(world: World, tmp_path: Path) -> None:
    """A ``.hotfix-hooks.toml`` added in the branch shadows pyproject.toml: reported, and
    ignored."""
    name = f'{BRANCH}-shadow'
    world.branch(name, start=BRANCH + '-control')
    world.commit(DEV, 'local policy',
                 {'.hotfix-hooks.toml': 'disable = ["migration-drop-column"]\n'})
    world.push(name)
    res = world.ci('--format', 'json', '--no-gates', branch=name)
    assert res.returncode == 1
    changed = [f for f in findings(res) if f['rule'] == 'policy-changed-in-hotfix']
    assert changed and changed[0]['path'] == '.hotfix-hooks.toml'
    assert 'migration-drop-column' in {f['rule'] for f in findings(res)}


def test_config_on_a_hotfix_branch_says_which_policy_the_checks_use(world: World) -> None:
    """``config`` prints the file on disk, and on a hotfix branch that edited it, that the
    checks use the base side's policy instead, with what the branch changed."""
    name = _edited(world, 'disable-config', EDITS[0][1])
    world.repo.git('checkout', '-q', name)
    try:
        text = world.run('config')
        assert text.returncode == 0, text.stderr
        last = text.stdout.splitlines()[-1]
        assert last.startswith('# this hotfix branch is judged by the policy of its base side')
        assert 'rules disabled: migration-downgrade-noop, migration-drop-column' in last
        data = json.loads(world.run('config', '--format', 'json').stdout)
        assert data['values']['disable'] == ['migration-drop-column', 'migration-downgrade-noop']
        assert 'rules disabled' in data['judged_by']['summary']
        world.repo.git('checkout', '-q', BRANCH + '-control')
        data = json.loads(world.run('config', '--format', 'json').stdout)
        assert 'judged_by' not in data          # the branch left its policy alone
    finally:
        world.repo.git('checkout', '-q', 'main')


def test_a_monorepo_folder_policy_edited_by_the_hotfix_is_reported_and_ignored(
        tmp_path: Path) -> None:
    """``server/pyproject.toml`` governs ``server/``; a hotfix that disables the drop-column
    rule there, beside a drop-column migration in ``server/``, is judged by the folder
    policy of its base side, and the edit is ``policy-changed-in-hotfix``."""
    repo = GitRepo(tmp_path / 'mono')
    folder = '[project]\nname = "server"\n\n[tool.hotfix-hooks]\ndisable = []\n'
    repo.commit('base', {'pyproject.toml': '[tool.hotfix-hooks]\nbase = "main"\n',
                         'server/pyproject.toml': folder,
                         f'server/{V}/0001_init.py': INIT})
    repo.checkout(BRANCH, create=True)
    repo.commit('ARIS-5 drop legacy_code', {
        f'server/{V}/0002_drop_legacy.py': DROP,
        'server/pyproject.toml': folder.replace(
            'disable = []', 'disable = ["migration-drop-column", "migration-downgrade-noop"]')})
    # each twice with the analysis cache (the folder files' entries written, then read:
    # the branch's edited file among them) and once without it
    for args in [(*a, *c) for a in (('--from-ref', 'main', '--to-ref', BRANCH), ())
                 for c in ((), (), ('--no-cache',))]:
        res = run_cli(repo, 'scan', '--format', 'json', *args)
        assert res.returncode == 1, res.stdout + res.stderr
        got = {(f['rule'], f['path']) for f in findings(res)}
        assert ('migration-drop-column', f'server/{V}/0002_drop_legacy.py') in got, got
        assert ('policy-changed-in-hotfix', 'server/pyproject.toml') in got, got
        [changed] = [f for f in findings(res) if f['rule'] == 'policy-changed-in-hotfix']
        assert 'rules disabled: migration-downgrade-noop, migration-drop-column' in \
            changed['message']


@pytest.mark.parametrize('case', ['disable', 'severity', 'base-itself'])
def test_the_policy_cache_never_lets_the_branchs_policy_decide(world: World,
                                                                case: str) -> None:
    """Both sides' policy files are kept in the analysis cache by their bytes once parsed:
    a warm scan (the branch's laxer policy validated and stored by the run before) still
    judges by the base side's, exactly as a run without the cache."""
    text = {e[0]: e[1] for e in EDITS}[case]
    name = _edited(world, f'{case}-cached', text)
    world.repo.git('checkout', '-q', name)
    args = ('scan', '--from-ref', 'main', '--to-ref', name, '--branch', name, '--format',
            'json')
    uncached = world.run(*args, '--no-cache')
    cold, warm = world.run(*args), world.run(*args)
    assert uncached.returncode == cold.returncode == warm.returncode == 1, warm.stderr
    assert located(uncached) == located(cold) == located(warm)
    cache = world.repo.path / '.git' / 'hotfix-hooks' / 'cache'
    kept = [p for p in cache.glob('??/*') if b'policy.file' in p.read_bytes()]
    assert len(kept) >= 2            # the base side's file and the branch's edited one
    rules = {f['rule']: f['severity'] for f in findings(warm)}
    assert rules['policy-changed-in-hotfix'] == 'error'
    assert rules['migration-drop-column'] == 'error'       # the base side's severity
    world.repo.git('checkout', '-q', 'main')
