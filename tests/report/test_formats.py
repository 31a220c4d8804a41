"""The text, json and github reports of a failing scan, colour on a terminal (sarif, gitlab,
junit and markdown: test_outputs.py)."""
from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

import hotfix_hooks
from hotfix_hooks.findings import Finding
from hotfix_hooks.report import text
from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.gitrepo import SRC
from tests.support.hookkit import base_policy
from tests.support.hookkit import hh_json

BRANCH = 'hotfix/ARIS-30-report-formats'
FINDING_FIELDS = {'rule', 'category', 'severity', 'path', 'line', 'message', 'hint'}


@pytest.fixture(scope='module')
def repo(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    """A hotfix branch changing two dependency files; scope findings are errors."""
    r = GitRepo(tmp_path_factory.mktemp('report') / 'repo')
    r.commit('base', {'README.md': 'x\n', 'src/app.py': 'print(1)\n',
                      'requirements.txt': 'a==1\n'})
    base_policy(r, '[scope]\nseverity = "error"\nmax_files = 2\n')
    r.git('checkout', '-q', '-b', BRANCH)
    r.commit('deps', {'requirements.txt': 'a==1\nb==2\n',
                      'requirements-a,b.txt': 'c==3\n', 'src/app.py': 'print(2)\n'})
    return r


# -- reporters ---------------------------------------------------------------------------
def test_json_report_shape(repo: GitRepo) -> None:
    rc, data, _ = hh_json(repo, 'scan')
    assert rc == 1
    assert set(data) == {'tool', 'schema_version', 'findings', 'summary'}
    assert data['tool'] == {'name': 'hotfix-hooks', 'version': hotfix_hooks.__version__}
    assert data['schema_version'] == 1
    assert data['summary'] == {'error': 3, 'warning': 0, 'info': 0, 'waived': 0, 'total': 3}
    for f in data['findings']:
        assert FINDING_FIELDS <= set(f), f
        assert f['category'] == 'scope' and f['severity'] == 'error'
        assert f['message'] and f['hint']
    located = [(f['rule'], f['path'], f['line']) for f in data['findings']]
    assert located == [('scope-too-many-files', None, None),
                       ('scope-dependency-changed', 'requirements-a,b.txt', 1),
                       ('scope-dependency-changed', 'requirements.txt', 2)]


def test_json_report_with_no_findings(repo: GitRepo) -> None:
    rc, data, _ = hh_json(repo, 'check-branch')
    assert rc == 0
    assert {k: data[k] for k in ('findings', 'summary')} == {
        'findings': [], 'summary': {'error': 0, 'warning': 0, 'info': 0, 'waived': 0,
                                    'total': 0}}
    assert set(data) == {'tool', 'schema_version', 'findings', 'summary'}


def test_github_annotations(repo: GitRepo) -> None:
    res = run_cli(repo, 'scan', '--format', 'github')
    assert res.returncode == 1
    lines = res.stdout.splitlines()
    assert lines[0].startswith('::error title=scope-too-many-files::the hotfix changes 3 files')
    assert lines[1].startswith('::error file=requirements-a%2Cb.txt,line=1,'
                               'title=scope-dependency-changed::dependency file added')
    assert ' -- fix: ' in lines[1]
    assert lines[2].startswith('::error file=requirements.txt,line=2,')
    assert lines[-1] == 'hotfix-hooks: 3 error(s), 0 warning(s), 0 info, 0 waived'
    rc = run_cli(repo, 'check-branch', '--branch', 'hf/ARIS-1-x', '--format', 'github')
    assert rc.stdout.startswith('::error title=branch-name::branch ')


def test_text_report_groups_findings_per_file(repo: GitRepo) -> None:
    res = run_cli(repo, 'scan')
    assert res.returncode == 1
    out = res.stdout.splitlines()
    assert out[0] == '(repository)'
    i = out.index('requirements-a,b.txt')
    assert out[i + 1] == ('  requirements-a,b.txt:1: error [scope-dependency-changed] '
                          'dependency file added in a hotfix')
    assert out[i + 2].startswith('      fix: ')
    assert out[-1] == 'hotfix-hooks: FAILED: 3 error(s), 0 warning(s), 0 info'
    assert '\033[' not in res.stdout


def _on_pty(repo: GitRepo, *args: str, no_color: bool) -> str:
    env = {k: v for k, v in repo.env.items() if k not in ('NO_COLOR', 'FORCE_COLOR')}
    env['PYTHONPATH'] = str(SRC)
    if no_color:
        env['NO_COLOR'] = '1'
    master, slave = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, '-m', 'hotfix_hooks', *args], cwd=repo.path, env=env,
                              stdout=slave, stderr=slave, stdin=subprocess.DEVNULL,
                              timeout=60)
    finally:
        os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.returncode == 1
    return b''.join(chunks).decode()


def test_colour_on_a_terminal_and_no_color_honoured(repo: GitRepo) -> None:
    coloured = _on_pty(repo, 'check-branch', '--branch', 'hf/ARIS-1-abc', no_color=False)
    assert '\033[31merror\033[0m' in coloured and '\033[31mFAILED\033[0m' in coloured
    plain = _on_pty(repo, 'check-branch', '--branch', 'hf/ARIS-1-abc', no_color=True)
    assert '\033[' not in plain and 'error [branch-name]' in plain


def test_text_report_keeps_one_line_per_finding_for_paths_with_newlines() -> None:
    out = text.render([Finding('scope-dependency-changed', 'scope', 'error', 'dependency file',
                        path='req\nuirements.txt', line=1)])
    lines = out.splitlines()
    assert lines[0] == 'req\\nuirements.txt'
    assert lines[1].startswith('  req\\nuirements.txt:1: error [scope-dependency-changed]')
