"""Verified approvals and waivers: an approval in the record is text anyone can write, so
it counts only when the history of the record says who gave it.

For each required role, the commit that last set ``[approvals.<role>] approved_at`` (found
by parsing the record at every commit that changed it, never by searching its text) must be

* authored **and** committed by an owner of that role (``[tool.hotfix-hooks.owners]``, read
  from the trusted policy); without an owners table this is not checked, and a warning says
  so;
* signed, with a signature ``git verify-commit`` accepts for that owner, when
  ``[tool.hotfix-hooks.approvals] require_signed``;
* not by someone who authored a change of the hotfix outside the record
  (``allow_author = false``), nor by someone who already approved another role;
* followed by no change outside the record (``dismiss_stale = true``: the later commit is
  named); and ``approved_at`` no later than the commit that set it.

A waiver (``[[exceptions]]``) counts only when every role of ``record.waiver_approvers`` gave
a counted approval in, or after, the commit that last changed that waiver entry.

Pure functions of the record, the change's history (``changeset.History``) and the policy.
"""
from __future__ import annotations

import dataclasses
from typing import Any
from typing import TYPE_CHECKING

from hotfix_hooks import tomlio
from hotfix_hooks.changeset import Commit
from hotfix_hooks.changeset import decode_text
from hotfix_hooks.changeset import History
from hotfix_hooks.fastclass import dataclass
from hotfix_hooks.findings import Finding
from hotfix_hooks.policy.schema import identity_email
from hotfix_hooks.record.model import Record
from hotfix_hooks.record.model import utc_time
from hotfix_hooks.record.model import Waiver

if TYPE_CHECKING:
    from hotfix_hooks.policy import Policy

CLOCK_SKEW_S = 300          # approved_at may run this far ahead of the commit that set it


@dataclass
class Verdict:
    """Whether the approval of one role counts, and why not."""

    role: str
    given: bool                           # the record has a name and an approved_at
    counted: bool = False
    by: str = ''                          # the approver's e-mail (the setting commit's author)
    by_name: str = ''
    commit: str | None = None             # the commit that set approved_at
    problems: list[str] = dataclasses.field(default_factory=list)
    stale_by: str | None = None           # the later commit that made it stale
    stale_file: str = ''
    signed: bool = False

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def describe(self) -> str:
        """One line for readiness: who, in which commit, or why it does not count."""
        if self.counted:
            sig = ', signed' if self.signed else ''
            return f'{self.by_name} <{self.by}> in {str(self.commit)[:12]}{sig}'
        if not self.given:
            return 'pending'
        return 'not counted: ' + '; '.join(self.problems)


@dataclass
class Verification:
    """Every role's verdict, the waivers' state, and what could not be checked."""

    verdicts: dict[str, Verdict]
    waivers: dict[int, str]               # exception index -> why it does not count yet
    owners_listed: bool

    def counted(self, role: str) -> bool:
        v = self.verdicts.get(role)
        return v is not None and v.counted


def _approved_at(text: bytes | None, role: str) -> str | None:
    """``approvals.<role>.approved_at`` of a record version, normalised (``None``: unset
    or unreadable)."""
    data = _parse(text)
    entry = (data.get('approvals') or {}).get(role) if isinstance(data, dict) else None
    if not isinstance(entry, dict):
        return None
    value = entry.get('approved_at')
    return utc_time(value) if value not in (None, '') else None


def _parse(text: bytes | None) -> dict[str, Any]:
    if text is None:
        return {}
    decoded = decode_text(text)
    if decoded is None:
        return {}
    try:
        return tomlio.loads(decoded)
    except tomlio.TomlError:
        return {}


def _exceptions(text: bytes | None) -> dict[tuple[str, str], Any]:
    """The waiver entries of a record version by (rule, path)."""
    data = _parse(text)
    out: dict[tuple[str, str], Any] = {}
    items = data.get('exceptions') if isinstance(data, dict) else None
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            key = (str(item.get('rule', '')).strip(), str(item.get('path', '')).strip())
            out.setdefault(key, item)
    return out


def _setter(history: History, path: str, role: str, value: str
            ) -> tuple[Commit | None, bool]:
    """The newest commit that set ``role``'s approved_at to ``value`` (from anything else),
    and whether the value at the head of the history is ``value`` at all."""
    versions = history.versions(path)
    if not versions or _approved_at(versions[-1][1], role) != value:
        return None, False
    for commit, text, parent in reversed(versions):
        if _approved_at(text, role) == value and _approved_at(parent, role) != value:
            return commit, True
    return None, True


def _owners(policy: Policy, role: str) -> set[str] | None:
    table = policy.get('owners') or {}
    if not table:
        return None
    return {e for e in (identity_email(x) for x in table.get(role, [])) if e}


def _signer_email(signer: str) -> str:
    """The e-mail of a signature's principal or user id (``Name <email>`` or ``email``)."""
    if '<' in signer and '>' in signer:
        return signer[signer.index('<') + 1:signer.index('>')].strip().lower()
    return signer.strip().lower()


def verify(rec: Record, history: History | None, head_text: bytes | None, policy: Policy
           ) -> Verification:
    """Verdicts of the record's approvals and waivers. ``head_text`` is the record as the
    change's head has it (the index or the working tree may be ahead of the last commit:
    what is not committed yet is not verified)."""
    cfg = policy.section('approvals')
    roles = list(policy.section('record').get('required_approvers', []))
    for role in rec.approvals:
        if role not in roles:
            roles.append(role)
    listed = bool(policy.get('owners'))
    verdicts: dict[str, Verdict] = {}
    committed = history.at_head(rec.path) if history is not None else None
    fix_authors = _fix_authors(history, rec.path) if history is not None else {}
    for role in roles:
        a = rec.approvals.get(role)
        v = Verdict(role=role, given=bool(a is not None and a.given))
        verdicts[role] = v
        if not v.given or a is None:
            continue
        if history is None:
            v.problems.append('the approval is not committed yet')
            continue
        if committed != head_text and _approved_at(committed, role) != a.approved_at:
            v.problems.append('the approval is not committed yet')
            continue
        commit, present = _setter(history, rec.path, role, a.approved_at)
        if commit is None:
            v.problems.append('no commit of this branch set it' if present else
                              'the approval is not committed yet')
            continue
        _judge(v, commit, a.approved_at, history, policy, role, cfg, fix_authors, rec.path)
    _two_people(verdicts, roles)
    for v in verdicts.values():
        v.counted = v.given and not v.problems
    return Verification(verdicts=verdicts,
                        waivers=_waivers(rec, history, head_text, committed, verdicts, policy),
                        owners_listed=listed)


def _fix_authors(history: History, path: str) -> dict[str, tuple[str, str]]:
    """author e-mail -> (a commit, a file) of a change outside the record."""
    out: dict[str, tuple[str, str]] = {}
    for c in history.commits():
        other = [f for f in c.files if f != path]
        if other and c.author not in out:
            out[c.author] = (c.sha, other[0])
    return out


def _judge(v: Verdict, commit: Commit, approved_at: str, history: History, policy: Policy,
           role: str, cfg: dict[str, Any], fix_authors: dict[str, tuple[str, str]],
           path: str) -> None:
    import datetime as dt

    v.commit, v.by, v.by_name = commit.sha, commit.author, commit.author_name
    short = commit.sha[:12]
    owners = _owners(policy, role)
    if owners is not None:
        if commit.author not in owners:
            v.problems.append(f'set in {short} by {commit.author}, who is not listed in '
                              f'[tool.hotfix-hooks.owners] {role}')
        elif commit.committer not in owners:
            v.problems.append(f'{short} was committed by {commit.committer}, who is not '
                              f'listed in [tool.hotfix-hooks.owners] {role}')
    if cfg.get('require_signed'):
        sig = history.signature(commit.sha)
        if sig.status == 'N':
            v.problems.append(f'{short} is not signed (approvals.require_signed)')
        elif not sig.verified or sig.status not in ('G', 'U'):
            v.problems.append(f'the signature of {short} does not verify (git says '
                              f'{sig.status!r}{": " + sig.signer if sig.signer else ""})')
        elif _signer_email(sig.signer) not in (commit.author, commit.committer):
            v.problems.append(f'{short} is signed by {sig.signer}, not by {commit.author}')
        else:
            v.signed = True
    if not cfg.get('allow_author', False) and commit.author in fix_authors:
        sha, file = fix_authors[commit.author]
        v.problems.append(f'{commit.author} authored a change of this hotfix ({sha[:12]}: '
                          f'{file}); the fix author cannot approve it')
    when = dt.datetime.strptime(approved_at, '%Y-%m-%dT%H:%M:%SZ').replace(
        tzinfo=dt.timezone.utc).timestamp()
    if commit.time and when > commit.time + CLOCK_SKEW_S:
        v.problems.append(f'approved_at {approved_at} is later than the commit that set it '
                          f'({short})')
    if cfg.get('dismiss_stale', True):
        for later in history.after(commit.sha):
            changed = [f for f in later.files if f != path]
            if changed:
                v.stale_by, v.stale_file = later.sha, changed[0]
                v.problems.append(f'stale: {later.sha[:12]} changed {changed[0]} after it')
                break


def _two_people(verdicts: dict[str, Verdict], roles: list[str]) -> None:
    """One person approves one role: the later approval of a second role does not count."""
    seen: dict[str, str] = {}
    for role in roles:
        v = verdicts[role]
        if not v.given or not v.by:
            continue
        if v.by in seen:
            v.problems.append(f'{v.by} already approved as {seen[v.by]}; one person cannot '
                              'approve two roles')
        elif not v.problems:
            seen[v.by] = role


def _waivers(rec: Record, history: History | None, head_text: bytes | None,
             committed: bytes | None, verdicts: dict[str, Verdict], policy: Policy
             ) -> dict[int, str]:
    """Why each waiver does not count yet (exception index -> reason)."""
    required = list(policy.section('record').get('waiver_approvers', []))
    out: dict[int, str] = {}
    if not rec.exceptions:
        return out
    versions = history.versions(rec.path) if history is not None else []
    in_commit = _exceptions(committed)
    for w in rec.exceptions:
        key = (w.rule, w.path)
        if history is None or head_text != committed and \
                _exceptions(head_text).get(key) != in_commit.get(key):
            out[w.index] = 'it is not committed yet'
            continue
        changed = _last_change(versions, key)
        if changed is None:
            out[w.index] = 'no commit of this branch holds it'
            continue
        missing = [r for r in required
                   if not (verdicts.get(r) and verdicts[r].counted
                           and history.contains(str(verdicts[r].commit), changed.sha))]
        if missing:
            out[w.index] = (f'it was last changed in {changed.sha[:12]} and '
                            f'{", ".join(missing)} did not approve after that')
    return out


def _last_change(versions: list[tuple[Commit, bytes | None, bytes | None]],
                 key: tuple[str, str]) -> Commit | None:
    wanted = _exceptions(versions[-1][1]).get(key) if versions else None
    if wanted is None:
        return None
    for commit, text, parent in reversed(versions):
        if _exceptions(text).get(key) == wanted and _exceptions(parent).get(key) != wanted:
            return commit
    return None


def findings(rec: Record, verification: Verification, require: bool) -> list[Finding]:
    """``record-approval-unverified``, ``record-approval-stale`` (errors with
    ``require``, else warnings) and ``record-owners-missing`` (a warning)."""
    out = []
    sev = 'error' if require else 'warning'
    for role, v in verification.verdicts.items():
        if not v.given or v.counted:
            continue
        key = f'approvals.{role}'
        stale_only = v.stale_by is not None and len(v.problems) == 1
        if stale_only:
            out.append(Finding(
                rule='record-approval-stale', category='record', severity=sev, path=rec.path,
                line=rec.line_of(f'{key}.approved_at'),
                message=(f'the {role.replace("_", " ")} approval ({str(v.commit)[:12]}) is '
                         f'stale: {str(v.stale_by)[:12]} changed {v.stale_file} after it'),
                hint=(f'ask the {role.replace("_", " ")} to review the change again and '
                      f'approve it ("hotfix-hooks approve {role}")'),
                extra={'field': key, 'role': role, 'stale_by': v.stale_by,
                       'approval_commit': v.commit}))
            continue
        out.append(Finding(
            rule='record-approval-unverified', category='record', severity=sev, path=rec.path,
            line=rec.line_of(f'{key}.approved_at'),
            message=(f'the {role.replace("_", " ")} approval does not count: '
                     + '; '.join(v.problems)),
            hint=(f'the {role.replace("_", " ")} approves with "hotfix-hooks approve {role}" '
                  'on the branch (an owner of the role, in their own commit, after the last '
                  'code change)'),
            extra={'field': key, 'role': role, 'problems': list(v.problems),
                   'approval_commit': v.commit}))
    if not verification.owners_listed:
        out.append(Finding(
            rule='record-owners-missing', category='record', severity='warning', path=rec.path,
            line=rec.line_of('approvals'),
            message=('approvals are not checked against an owner list: the policy has no '
                     '[tool.hotfix-hooks.owners] table (only the author and two-people rules '
                     'apply)'),
            hint=('list who may approve each role on the base branch: [tool.hotfix-hooks.'
                  'owners] incident_owner = ["ivy@example.com"], release_owner = [...]')))
    return out


def waiver_label(w: Waiver) -> str:
    return f'exception #{w.index + 1} ({w.rule} at {w.path})'
