"""``hotfix-hooks init``: inspect the repository and write its policy and its
``.pre-commit-config.yaml`` entry.

The policy goes to ``.hotfix-hooks.toml`` (default) or ``[tool.hotfix-hooks]`` in
``pyproject.toml`` (``--pyproject``); a monorepo's services (folders that are Python
projects of their own) get a policy file each, which governs the files below them. Values
found in the repository say where they came from; gates and domains are proposals to
confirm. ``--dry-run`` prints everything and writes nothing; an existing policy is never
replaced without ``--force``.
"""
from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence

from hotfix_hooks import __version__
from hotfix_hooks.errors import ConfigError
from hotfix_hooks.errors import UsageError
from hotfix_hooks.git import plumbing
from hotfix_hooks.git.changes import WorktreeSnapshot
from hotfix_hooks.init import files
from hotfix_hooks.init import render
from hotfix_hooks.init.inspect import inspect
from hotfix_hooks.init.inspect import Inspection
from hotfix_hooks.init.inspect import Service
from hotfix_hooks.policy.load import from_mapping
from hotfix_hooks.policy.tree import folder_policy
from hotfix_hooks.policy.tree import read_policy_file

PRECOMMIT = '.pre-commit-config.yaml'
HISTORY = 400          # commit subjects read for ticket ids


class Planned:
    """One file ``init`` writes: its repository path, its new text, what it was."""

    __slots__ = ('path', 'text', 'old', 'what')

    def __init__(self, path: str, text: str, old: str | None, what: str) -> None:
        self.path, self.text, self.old, self.what = path, text, old, what


# -- git facts ---------------------------------------------------------------------------
def base_branch(root: str, remote: str = 'origin') -> tuple[str, str]:
    """(the base branch, where it came from): the remote's default branch, else a local
    main or master, else the current branch."""
    head = plumbing.try_out(['symbolic-ref', '-q', f'refs/remotes/{remote}/HEAD'], cwd=root)
    if head:
        return head.removeprefix(f'refs/remotes/{remote}/'), f'{remote}/HEAD, the remote\'s ' \
                                                             'default branch'
    for name in ('main', 'master'):
        for ref in (f'refs/remotes/{remote}/{name}', f'refs/heads/{name}'):
            if plumbing.ref_exists(ref, root):
                return name, f'{ref} exists ({remote}/HEAD is not set)'
    current = plumbing.current_branch(root)
    if current:
        return current, 'the current branch (no remote default, no main or master)'
    return 'main', 'nothing to go by: the usual name'


def branch_names(root: str) -> list[str]:
    out = plumbing.try_out(['for-each-ref', '--format=%(refname:short)', '--count=500',
                            '--sort=-committerdate', 'refs/heads', 'refs/remotes'], cwd=root)
    return [b for b in (out or '').splitlines() if b and not b.endswith('/HEAD')]


def commit_subjects(root: str) -> list[str]:
    if not plumbing.has_commits(root):
        return []
    out = plumbing.try_out(['log', f'-{HISTORY}', '--format=%s', 'HEAD'], cwd=root)
    return (out or '').splitlines()


def hook_source() -> tuple[str, str] | None:
    """(repository, commit) of the hotfix-hooks that runs, when it was installed from git:
    ``pip install git+URL@SHA`` records both; an editable install from a clone gives the
    clone and its HEAD."""
    from importlib import metadata

    try:
        raw = metadata.distribution('hotfix-hooks').read_text('direct_url.json')
    except metadata.PackageNotFoundError:
        raw = None
    return source_from_direct_url(raw)


def source_from_direct_url(raw: str | None) -> tuple[str, str] | None:
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    url = data.get('url') if isinstance(data, dict) else None
    if not isinstance(url, str):
        return None
    vcs = data.get('vcs_info')
    if isinstance(vcs, dict) and vcs.get('vcs') == 'git' and vcs.get('commit_id'):
        return url.removeprefix('git+'), str(vcs['commit_id'])
    if url.startswith('file://'):
        from urllib.parse import unquote
        from urllib.parse import urlparse

        path = unquote(urlparse(url).path)
        sha = plumbing.rev_parse('HEAD', path) if os.path.isdir(path) else None
        if sha and plumbing.try_out(['rev-parse', '--show-toplevel'], cwd=path):
            return path, sha
    return None


# -- where the files go --------------------------------------------------------------------
def _read(root: str, rel: str) -> str | None:
    try:
        with open(os.path.join(root, rel), encoding='utf-8', newline='') as f:
            return f.read()
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise ConfigError(f'{rel}: not UTF-8 text, so init will not touch it') from None
    except OSError as e:
        raise ConfigError(f'{rel}: cannot read it: {e.strerror}') from None


def _policy_file(root: str, folder: str, text_of: str, pyproject: bool, force: bool,
                 what: str) -> Planned:
    """Where one policy goes: ``[tool.hotfix-hooks]`` in the folder's pyproject.toml when
    asked and it exists, else its .hotfix-hooks.toml."""
    base = f'{folder}/' if folder else ''
    py = _read(root, f'{base}pyproject.toml') if pyproject else None
    dot = _read(root, f'{base}.hotfix-hooks.toml')
    if dot is not None and not force:
        raise UsageError(f'{base}.hotfix-hooks.toml already exists; init never overwrites a '
                         'policy', hint='pass --force to replace it, or --dry-run to see the '
                                        'new one')
    if py is not None:
        if dot is not None:      # --force: the .hotfix-hooks.toml would win; replace it
            return Planned(f'{base}.hotfix-hooks.toml', text_of, dot, what)
        block = text_of
        return Planned(f'{base}pyproject.toml',
                       files.into_pyproject(py, block, f'{base}pyproject.toml', force), py,
                       what + ' ([tool.hotfix-hooks] added)')
    if not pyproject and files.has_policy_table(_read(root, f'{base}pyproject.toml') or '') \
            and not force:
        raise UsageError(f'{base}pyproject.toml already has a [tool.hotfix-hooks] policy; '
                         f'a new {base}.hotfix-hooks.toml would replace it',
                         hint='pass --force to write it anyway, or --dry-run to see it')
    return Planned(f'{base}.hotfix-hooks.toml', text_of, dot, what)


def plan(root: str, ins: Inspection, pyproject: bool, force: bool) -> list[Planned]:
    prefix = 'tool.hotfix-hooks' if pyproject else ''

    def prefix_for(folder: str) -> str:
        base = f'{folder}/' if folder else ''
        return prefix if pyproject and os.path.isfile(os.path.join(root, f'{base}pyproject.toml'
                                                                   )) else ''

    out = [_policy_file(root, '', render.root_policy(ins, prefix_for('')), pyproject, force,
                        'the repository policy')]
    for svc in ins.services[1:]:
        out.append(_policy_file(root, svc.folder, render.folder_policy(svc, prefix_for(
            svc.folder)), pyproject, force, f'the policy of {svc.folder}/'))
    return out


def _validate(root: str, planned: Sequence[Planned], services: Sequence[Service]) -> None:
    """Every policy init writes must load as hotfix-hooks loads it (a bug here must not
    leave a repository with a policy that fails every commit)."""
    texts = {p.path: p.text for p in planned}

    def read(path: str) -> bytes | None:
        if path in texts:
            return texts[path].encode()
        data = _read(root, path)
        return None if data is None else data.encode()

    found = read_policy_file(read, '')
    root_policy = from_mapping(found[0] if found else {}, found[1] if found else None)
    for svc in services[1:]:
        got = read_policy_file(read, svc.folder)
        if got is None:                                  # pragma: no cover - init's bug
            raise ConfigError(f'init wrote no policy for {svc.folder}/')
        folder_policy(got[0], got[1], root_policy)


# -- the command -----------------------------------------------------------------------
def summary(ins: Inspection) -> list[str]:
    lines = [f'base branch:    {ins.base} ({ins.base_why})',
             f'ticket pattern: {ins.ticket_pattern} ({ins.ticket_why})']
    for svc in ins.services:
        where = f'{svc.folder}/' if svc.folder else './'
        if svc.folder:
            lines.append(f'service {where} ({svc.marker or "its own tests and package"}): '
                         'its own policy file')
        elif len(ins.services) > 1 and not (svc.tests or svc.migrations or svc.specs):
            lines.append('./ (outside the services): no tests, migrations or specs')
            continue
        parts = [f'{svc.tests} test files' + (f' ({svc.runner})' if svc.runner else '')]
        if svc.code_roots:
            parts.append('Python roots ' + ', '.join(svc.code_roots))
        if svc.migrations:
            parts.append('migrations ' + ', '.join(f'{svc.repo_path(m.folder)} ({m.framework})'
                                                   for m in svc.migrations))
        if svc.specs:
            parts.append('specs ' + ', '.join(svc.repo_path(s) for s in svc.specs))
        lines.append(f'  {where}: ' + '; '.join(parts))
        proposals = [p for p in (svc.smoke, svc.integrity) if p] + svc.domains
        if proposals:
            lines.append(f'  {where}: proposed: ' + ', '.join(
                ('domain ' if p in svc.domains else 'gate ') + p.name for p in proposals))
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='hotfix-hooks init',
        description='Inspect this repository and write its hotfix-hooks policy (commented, '
                    'proposals marked) and its .pre-commit-config.yaml entry.')
    parser.add_argument('--pyproject', action='store_true',
                        help='write [tool.hotfix-hooks] into the pyproject.toml files '
                             '(appended; the rest of each file is kept byte for byte) instead '
                             'of .hotfix-hooks.toml files')
    parser.add_argument('--dry-run', action='store_true',
                        help='print what would be written, write nothing')
    parser.add_argument('--force', action='store_true',
                        help='replace an existing policy (never done otherwise)')
    parser.add_argument('--hook-repo', metavar='URL',
                        help='the hotfix-hooks repository for .pre-commit-config.yaml (a git '
                             'URL or a local clone; default: where this hotfix-hooks was '
                             'installed from)')
    parser.add_argument('--hook-rev', metavar='SHA',
                        help='the commit of --hook-repo to pin (default: the installed one)')
    parser.add_argument('--no-pre-commit', action='store_true',
                        help='do not touch .pre-commit-config.yaml')
    args = parser.parse_args(argv)
    root = plumbing.toplevel()
    source = None
    if not args.no_pre_commit:
        source = _source(args)
    ins = inspect(WorktreeSnapshot(root), branch_names(root), commit_subjects(root),
                  base_branch(root))
    planned = plan(root, ins, args.pyproject, args.force)
    _validate(root, planned, ins.services)
    notes: list[str] = []
    if source is not None:
        old = _read(root, PRECOMMIT)
        if old is None:
            planned.append(Planned(PRECOMMIT, files.new_precommit_config(*source), None,
                                   'the pre-commit hooks'))
        else:
            text, notes = files.into_precommit_config(old, source[0], source[1], PRECOMMIT)
            if text is not None:
                planned.append(Planned(PRECOMMIT, text, old,
                                       'the pre-commit hooks (hotfix-hooks entry added)'))

    print(f'hotfix-hooks init {__version__}: inspected {ins.files} tracked files')
    for line in summary(ins):
        print(f'  {line}')
    for n in notes:
        print(f'note: {n}')
    if args.dry_run:
        for p in planned:
            verb = 'create' if p.old is None else 'change'
            print(f'\n--- would {verb} {p.path}: {p.what} ---')
            if p.old is not None and p.text.startswith(p.old):
                print(f'(the existing {len(p.old.splitlines())} lines stay as they are; '
                      'appended:)')
                print(p.text[len(p.old):], end='')
            elif p.old is not None and p.path == PRECOMMIT:
                import difflib

                print(''.join(difflib.unified_diff(p.old.splitlines(True),
                                                   p.text.splitlines(True), p.path, p.path,
                                                   n=2)), end='')
            else:
                print(p.text, end='')
        print('\n(dry run: nothing written)')
        return 0
    for p in planned:
        full = os.path.join(root, p.path)
        try:
            os.makedirs(os.path.dirname(full) or '.', exist_ok=True)
            with open(full, 'w', encoding='utf-8', newline='') as f:
                f.write(p.text)
        except OSError as e:
            raise ConfigError(f'cannot write {p.path}: {e.strerror}') from None
        print(f'{"wrote" if p.old is None else "updated"} {p.path}: {p.what}')
    names = ' '.join(p.path for p in planned)
    print('next:')
    print('  1. read the policy: check each PROPOSAL, then delete its "proposed = true" '
          'line (or edit it first)')
    if source is not None:
        print('  2. pre-commit install --install-hooks   (installs the pre-commit and pre-push '
              'hooks)')
    print(f'  3. git add {names} && git commit -m "hotfix-hooks policy"')
    return 0


def _source(args: argparse.Namespace) -> tuple[str, str]:
    if bool(args.hook_repo) != bool(args.hook_rev):
        raise UsageError('--hook-repo and --hook-rev go together: give both or neither',
                         hint='e.g. --hook-repo ~/src/hotfix-hooks --hook-rev '
                              '$(git -C ~/src/hotfix-hooks rev-parse HEAD)')
    if args.hook_repo:
        return args.hook_repo, args.hook_rev
    found = hook_source()
    if found is None:
        raise UsageError('cannot tell where this hotfix-hooks was installed from, so the '
                         '.pre-commit-config.yaml entry has no repo and rev',
                         hint='pass --hook-repo URL --hook-rev SHA (the git repository and '
                              'commit to pin), or --no-pre-commit')
    return found
