"""``openapi-diff`` run as a process ends without tearing down the interpreter
(``cli.entry``): its output must still be complete, on a pipe and in ``--output`` files,
with the right exit code; and never when something would run at exit or when ``main`` is
called in-process."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.support.contract_helpers import base_spec
from tests.support.contract_helpers import edit
from tests.support.contract_helpers import item
from tests.support.gitrepo import git_env
from tests.support.gitrepo import GitRepo
from tests.support.specgen import drifted
from tests.support.specgen import fastapi_like_spec

# A global whose finaliser writes a line: it runs at an ordinary exit (module teardown),
# never after ``os._exit``.
_PROBE = '''
import os, sys
class Witness:
    def __del__(self):
        os.write(2, b"torn down\\n")
witness = Witness()
{setup}
from hotfix_hooks.cli import entry, main
sys.argv = ["hotfix-hooks", "openapi-diff", "old.json", "new.json"]
{call}
'''


@pytest.fixture(scope='module')
def repo(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    root = tmp_path_factory.mktemp('fast-exit')
    repo = GitRepo(root / 'repo', env=git_env(root))
    base = base_spec()
    repo.commit('v1', files={'old.json': json.dumps(base, indent=2),
                             'same.json': json.dumps(base, indent=2),
                             'new.json': json.dumps(edit(base, lambda d: item(d)['required']
                                                         .remove('name')), indent=2)})
    big = fastapi_like_spec(60)
    repo.write('big-old.json', json.dumps(big, indent=2))
    repo.write('big-new.json', json.dumps(drifted(big, every=2), indent=2))
    return repo


def _console_script() -> list[str]:
    """``hotfix-hooks`` as installed next to this interpreter, else ``python -m``."""
    script = Path(sys.executable).parent / 'hotfix-hooks'
    return [str(script)] if script.exists() else [sys.executable, '-m', 'hotfix_hooks']


@pytest.mark.parametrize('launcher', ['console-script', 'module'])
def test_large_report_complete_on_a_pipe_and_in_files(repo: GitRepo, launcher: str) -> None:
    """Hundreds of KB through a pipe and two ``--output`` files: all of it arrives."""
    argv = (_console_script() if launcher == 'console-script'
            else [sys.executable, '-m', 'hotfix_hooks'])
    res = repo.run([*argv, 'openapi-diff', 'big-old.json', 'big-new.json', '--format', 'json',
                    '--format', 'json', '--output', 'r.json', '--format', 'text',
                    '--output', 'r.txt'], check=False)
    assert res.returncode == 1, res.stderr
    assert res.stderr == ''
    data = json.loads(res.stdout)
    assert len(data['findings']) > 300 and len(res.stdout) > 200_000
    assert json.loads((repo.path / 'r.json').read_text()) == data
    text = (repo.path / 'r.txt').read_text()
    assert text.endswith('\n') and f"{data['summary']['error']} error" in text


def test_exit_codes_0_1_2_through_the_real_process(repo: GitRepo) -> None:
    same = repo.hh('openapi-diff', 'old.json', 'same.json')
    assert (same.returncode, same.stdout.splitlines()[-1]) == (0, 'no contract changes')
    breaking = repo.hh('openapi-diff', 'old.json', 'new.json', '--format', 'json')
    assert breaking.returncode == 1
    assert [f['rule'] for f in json.loads(breaking.stdout)['findings']] == [
        'response-property-became-optional']
    missing = repo.hh('openapi-diff', 'old.json', 'nowhere.json')
    assert missing.returncode == 2
    assert missing.stderr.strip() == ('hotfix-hooks openapi-diff: error: nowhere.json: no such '
                                      'file (use a file path or REV:path)')
    repo.write('bad.json', '{"openapi": ')
    bad = repo.hh('openapi-diff', 'old.json', 'bad.json', '--format', 'json')
    assert bad.returncode == 2 and 'error' in json.loads(bad.stdout)


def _probe(repo: GitRepo, call: str, setup: str = '') -> tuple[int, str, str]:
    res = repo.run([sys.executable, '-c', _PROBE.format(setup=setup, call=call)],
                   check=False)
    return res.returncode, res.stdout, res.stderr


def test_entry_skips_teardown_only_when_nothing_runs_at_exit(repo: GitRepo) -> None:
    code, out, err = _probe(repo, 'entry()')
    assert (code, err) == (1, '') and '[response-property-became-optional]' in out
    # an exit handler (coverage, a caller's own): the ordinary exit, which runs it
    code, out, err = _probe(repo, 'entry()',
                            'import atexit; atexit.register(lambda: print("handler ran"))')
    assert code == 1 and out.endswith('handler ran\n') and err == 'torn down\n'
    # another thread still running (a background writer): the ordinary exit waits for it
    code, out, err = _probe(repo, 'entry()', 'import threading, time\n'
                            'threading.Thread(target=lambda: (time.sleep(0.5), '
                            'print("thread done", flush=True))).start()')
    assert code == 1 and out.endswith('thread done\n') and err == 'torn down\n'


def test_main_called_in_process_never_ends_the_process(repo: GitRepo) -> None:
    code, out, err = _probe(repo, 'rc = main()\nprint("after main", rc)\n'
                            'print("hotfix_hooks.cache" in sys.modules)')
    assert code == 0 and err == 'torn down\n'
    assert out.splitlines()[-2:] == ['after main 1', 'False']  # no analysis cache
    # nor does it import dataclasses (and inspect, ast under it): 14-17 ms of a run, nor
    # typing (annotations only, under TYPE_CHECKING: 6 ms), with either report format
    for fmt in ('text', 'json'):
        code, out, _ = _probe(repo, f'sys.argv += ["--format", "{fmt}"]\nmain()\n'
                              'print(sorted({"dataclasses", "inspect", "ast", "typing", '
                              '"hotfix_hooks.cache"} & set(sys.modules)))')
        assert out.splitlines()[-1] == '[]'
    # another command through entry: the ordinary exit
    code, out, err = _probe(repo, 'sys.argv[1:] = ["rules", "--format", "json"]\nentry()')
    assert code == 0 and err == 'torn down\n' and json.loads(out)
