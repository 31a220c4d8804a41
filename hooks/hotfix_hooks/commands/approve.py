"""``hotfix-hooks approve ROLE``: an owner approves the hotfix of the checked-out branch.

Sets ``[approvals.<ROLE>] approved_at`` in the record to the current UTC time (and its
``name`` when empty) and commits the record alone, as the owner (signed with ``git commit
-S`` when ``[tool.hotfix-hooks.approvals] require_signed``). That commit is what makes the
approval count (``record/approvals.py``), so it refuses what would not count: someone who
is not an owner of the role, the fix's own author, a second role for the same person, a
record with uncommitted edits (they would be committed in the owner's name).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Sequence

from hotfix_hooks.commands.common import add_policy_option
from hotfix_hooks.commands.common import load_policy
from hotfix_hooks.errors import ConfigError
from hotfix_hooks.errors import GitError
from hotfix_hooks.errors import UsageError
from hotfix_hooks.git import context
from hotfix_hooks.git import plumbing
from hotfix_hooks.git.history import GitHistory
from hotfix_hooks.pipeline import scan
from hotfix_hooks.pipeline import trust
from hotfix_hooks.policy import Policy
from hotfix_hooks.policy.schema import identity_email
from hotfix_hooks.record import approvals
from hotfix_hooks.record import model as record


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='hotfix-hooks approve',
        description='Approve the hotfix of this branch as ROLE: set approved_at in its record '
                    'to now (UTC) and commit the record, as you.')
    parser.add_argument('role', metavar='ROLE',
                        help='the approver role (incident_owner, release_owner, ...)')
    parser.add_argument('--branch', help='branch name (default: the checked-out branch)')
    add_policy_option(parser)
    args = parser.parse_args(argv)
    root, given = load_policy(args)
    judged = trust.resolve(context.Request(branch=args.branch, stage='manual'), given)
    policy, ctx = judged.policy, judged.ctx
    run = scan.run_info(ctx, policy)
    if not judged.hotfix or not run.ticket:
        raise UsageError(f'branch {ctx.branch or "(detached HEAD)"} is not a hotfix branch '
                         'with a ticket: there is no record to approve')
    roles = list(policy.section('record').get('required_approvers', []))
    roles += [r for r in (policy.get('owners') or {}) if r not in roles]
    if args.role not in roles:
        raise UsageError(f'unknown role {args.role!r}; the policy knows: '
                         f'{", ".join(roles) or "(none)"}')
    path = record.record_path(policy, run.ticket)
    full = os.path.join(root, path)
    if not os.path.isfile(full):
        raise UsageError(f'no record at {path}', hint=f'write it first: hotfix-hooks new '
                                                      f'{run.ticket} "..."')
    if plumbing.run(['diff', '--quiet', 'HEAD', '--', path], cwd=root,
                    check=False).returncode != 0:
        raise UsageError(f'{path} has uncommitted changes: commit them first (the approval '
                         'commit holds the approval only)')
    name, email = _ident(root, 'GIT_COMMITTER_IDENT')
    _author_name, author = _ident(root, 'GIT_AUTHOR_IDENT')
    _may_approve(policy, args.role, email, author)
    head = plumbing.rev_parse('HEAD', root)
    if head is not None:
        _not_the_author(GitHistory(root, judged.base_commit, head), path, policy, args.role,
                        author)
    with open(full, 'rb') as f:
        original = f.read()
    now = dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    _write(full, path, _approved(original, path, args.role, name, now))
    signed = bool(policy.section('approvals').get('require_signed'))
    message = f'{run.ticket}: {args.role} approves the hotfix'
    res = plumbing.run(['commit', '-q', *(['-S'] if signed else []), '-m', message, '--',
                        path], cwd=root, check=False)
    if res.returncode != 0:
        _write(full, path, original)
        err = res.stderr.decode('utf-8', 'replace').strip().splitlines()
        raise GitError(f'git commit failed: {(err[-1] if err else "exit " + str(res.returncode))}'
                       .replace('fatal: ', '').replace('error: ', ''),
                       hint='fix it and run "hotfix-hooks approve" again (the record is '
                            'unchanged)' + ('; signing needs user.signingkey (and gpg.format '
                                            '= ssh for an SSH key)' if signed else ''))
    sha = plumbing.rev_parse('HEAD', root) or '?'
    print(f'Approved {run.ticket} as {args.role} ({name} <{email}>) at {now}: commit '
          f'{sha[:12]}{" (signed)" if signed else ""}')
    print('Push the branch so CI sees it: git push')
    return 0


def _ident(root: str, var: str) -> tuple[str, str]:
    """(name, e-mail) git will record (``git var``: environment, then configuration)."""
    text = plumbing.try_out(['var', var], cwd=root)
    if not text or '<' not in text or '>' not in text:
        raise UsageError('git does not know who you are',
                         hint='git config user.name "..." and git config user.email "..."')
    return text[:text.index('<')].strip(), text[text.index('<') + 1:text.index('>')].lower()


def _may_approve(policy: Policy, role: str, committer: str, author: str) -> None:
    table = policy.get('owners') or {}
    if not table:
        return
    owners = {identity_email(x) for x in table.get(role, [])}
    for who in {committer, author}:
        if who not in owners:
            raise UsageError(f'you ({who}) are not an owner of {role} in [tool.hotfix-hooks.'
                             'owners]: your approval would not count',
                             hint='the owners listed for it: '
                                  + (', '.join(sorted(o for o in owners if o)) or '(none)'))


def _not_the_author(history: GitHistory, path: str, policy: Policy, role: str,
                    author: str) -> None:
    try:
        if not policy.section('approvals').get('allow_author'):
            for c in history.commits():
                other = [f for f in c.files if f != path]
                if other and c.author == author:
                    raise UsageError(f'you ({author}) authored a change of this hotfix '
                                     f'({c.sha[:12]}: {other[0]}): the fix author cannot '
                                     'approve it', hint='ask an owner who did not work on '
                                                        'the fix')
        text = history.at_head(path)
        rec, _ = record.parse(text.decode('utf-8', 'replace') if text else '', path, policy)
        if rec is not None:
            ver = approvals.verify(rec, history, text, policy)
            for given_role, v in ver.verdicts.items():
                if given_role != role and v.counted and v.by == author:
                    raise UsageError(f'you ({author}) already approved as {given_role}: one '
                                     'person cannot approve two roles')
    finally:
        history.close()


def _approved(data: bytes, path: str, role: str, name: str, now: str) -> str:
    import tomlkit

    try:
        doc = tomlkit.parse(data.decode('utf-8'))
    except (UnicodeDecodeError, tomlkit.exceptions.TOMLKitError) as e:
        raise ConfigError(f'{path}: cannot read the record: {e}',
                          hint='fix it ("hotfix-hooks record" says where)') from None
    tables = doc.get('approvals')
    if tables is None:
        tables = tomlkit.table(is_super_table=True)
        doc['approvals'] = tables
    entry = tables.get(role)
    if entry is None:
        entry = tomlkit.table()
        tables[role] = entry
    if not str(entry.get('name') or '').strip():
        entry['name'] = name
    entry['approved_at'] = now
    return tomlkit.dumps(doc)


def _write(full: str, path: str, content: str | bytes) -> None:
    """Write through a temporary file and a rename: never a half-written record."""
    import tempfile

    data = content.encode('utf-8') if isinstance(content, str) else content
    directory = os.path.dirname(full)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.approve-')
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
        os.chmod(tmp, os.stat(full).st_mode & 0o777)
        os.replace(tmp, full)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise GitError(f'cannot write {path}: {e.strerror}') from None
