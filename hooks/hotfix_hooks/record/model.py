"""The hotfix record: one TOML file per hotfix in the branch (``hotfixes/<ticket>.toml``).

It carries what no diff shows: severity and eligibility, customer impact, the decision
(patch-forward or rollback-first) and the protocol's four rollback-first conditions, the
rollback plan, the owners' approvals, and waivers (``[[exceptions]]``) for findings of
other checks. ``parse`` turns its text into a ``Record`` plus findings that name every
missing or malformed field; ``validate`` adds the rules that need the branch and policy.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any
from typing import TYPE_CHECKING

from hotfix_hooks import tomlio
from hotfix_hooks.changeset import decode_text
from hotfix_hooks.changeset import Snapshot
from hotfix_hooks.fastclass import dataclass
from hotfix_hooks.findings import Finding

if TYPE_CHECKING:
    from hotfix_hooks.policy import Policy

INCIDENT_SEVERITIES = ('P0', 'P1', 'P2')
ELIGIBILITY = ('critical-defect', 'config-change', 'correctness-fix', 'observability')
DECISIONS = ('patch-forward', 'rollback-first')
CONDITIONS: dict[str, str] = {
    'critical_path_unavailable':
        'customer-critical path still unavailable after initial mitigation',
    'root_cause_uncertain': 'root cause uncertain / patch confidence low',
    'data_integrity_risk':
        'non-trivial data-integrity risk (stock totals, transfer state, checkout accounting)',
    'eta_exceeds_slo': 'hotfix ETA exceeds the agreed incident SLO for restoration',
}
TEXT_FIELDS = ('ticket', 'customer_impact', 'change_scope', 'owner')
TOP_KEYS = ('ticket', 'severity', 'eligibility', 'customer_impact', 'decision', 'change_scope',
            'owner', 'next_update_utc', 'rollback', 'approvals', 'conditions', 'exceptions')
ROLLBACK_KEYS = ('command', 'dry_run', 'release_tag')
APPROVAL_KEYS = ('name', 'approved_at')
EXCEPTION_KEYS = ('rule', 'path', 'fingerprint', 'reason', 'approved_by')
# the record's completeness cannot be waived by the record itself, nor a change of the
# policy the branch is judged by
UNWAIVABLE = ('record-missing', 'record-invalid-toml', 'record-field-missing',
              'record-field-invalid', 'record-ticket-mismatch', 'record-approval-pending',
              'record-waiver-invalid', 'record-waiver-unapproved', 'record-waiver-stale',
              'policy-changed-in-hotfix')

TEMPLATE = '''\
# The hotfix record of {ticket} (hotfix-hooks, ARIS3 hotfix protocol v1).
# Fill in every field and commit this file on the hotfix branch; "hotfix-hooks record"
# checks it, "hotfix-hooks readiness" and "hotfix-hooks status" read it.
#   ticket           the incident ticket; must match the branch hotfix/<ticket>-...
#   severity         P0 | P1 | P2 (a P2 is eligible only as a config/threshold or
#                    observability change)
#   eligibility      the protocol's Allowed category of this hotfix
#   customer_impact  what customers see, in one line
#   decision         patch-forward, or rollback-first when a [conditions] entry is true
#   change_scope     one-line technical summary of the change
#   owner            who drives the hotfix
#   next_update_utc  when the next status update goes out (UTC)
#   [rollback]       the rollback plan: command or release_tag, and the dry-run command
#   [approvals.*]    incident owner and release owner: name, and approved_at (UTC) once
#                    they approved; both are required before merge
#   [conditions]     the rollback-first conditions (a migration that changes data or a
#                    change in stock/transfer/checkout code makes data_integrity_risk true)
#   [[exceptions]]   waivers for findings of other checks, approved by both owners:
#                    rule + path, or the fingerprint of one finding (--format json)
ticket = "{ticket}"
severity = ""                         # to choose: P0 | P1 | P2
eligibility = ""                      # to choose: critical-defect | config-change | correctness-fix | observability
customer_impact = ""
decision = ""                         # to choose: patch-forward | rollback-first ("hotfix-hooks decide" helps)
change_scope = ""
owner = ""
next_update_utc = ""                  # e.g. 2026-11-27T14:00:00Z

[rollback]
command = ""                          # or release_tag
dry_run = ""                          # the command that proves the rollback path
release_tag = ""

[approvals.incident_owner]
name = ""
approved_at = ""                      # UTC time; empty while pending

[approvals.release_owner]
name = ""
approved_at = ""

[conditions]                          # the protocol's rollback-first conditions
critical_path_unavailable = false
root_cause_uncertain = false          # or patch confidence low
data_integrity_risk = false
eta_exceeds_slo = false

# [[exceptions]]                      # waivers
# rule = "migration-downgrade-noop"
# path = "migrations/versions/0031_x.py"
# reason = "..."
# approved_by = ["incident_owner", "release_owner"]
'''


@dataclass
class Approval:
    role: str
    name: str = ''
    approved_at: str = ''            # normalised UTC time, '' while pending

    @property
    def given(self) -> bool:
        return bool(self.name and self.approved_at)


@dataclass
class Waiver:
    """One ``[[exceptions]]`` entry: it names its findings by ``rule`` + ``path`` (a glob),
    or by ``fingerprint`` (one finding; ``rule`` and ``path`` then narrow it further)."""

    index: int
    rule: str
    path: str
    reason: str
    approved_by: list[str]
    line: int | None = None
    fingerprint: str = ''

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {'rule': self.rule, 'path': self.path}
        if self.fingerprint:
            data['fingerprint'] = self.fingerprint
        data.update(reason=self.reason, approved_by=list(self.approved_by))
        return data

    @property
    def target(self) -> str:
        """What it waives, for messages: ``rule at path`` or ``fingerprint F``."""
        if self.fingerprint:
            return f'fingerprint {self.fingerprint}' + (f' ({self.rule})' if self.rule else '')
        return f'{self.rule or "no rule"} at {self.path or "no path"}'


@dataclass
class Record:
    path: str
    ticket: str = ''
    severity: str = ''
    eligibility: str = ''
    customer_impact: str = ''
    decision: str = ''
    change_scope: str = ''
    owner: str = ''
    next_update_utc: str = ''
    rollback_command: str = ''
    rollback_dry_run: str = ''
    release_tag: str = ''
    approvals: dict[str, Approval] = dataclasses.field(default_factory=dict)
    conditions: dict[str, bool] = dataclasses.field(default_factory=dict)
    exceptions: list[Waiver] = dataclasses.field(default_factory=list)
    lines: dict[str, int] = dataclasses.field(default_factory=dict)

    def line_of(self, key: str) -> int | None:
        """Line of a dotted key (``approvals.release_owner.approved_at``) or its table."""
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key.rpartition('.')[0]
        return None

    @property
    def rollback_plan(self) -> str:
        parts = []
        if self.rollback_command:
            parts.append(self.rollback_command)
        if self.release_tag:
            parts.append(f'release tag {self.release_tag}')
        return ' / '.join(parts)

    def approver_roles(self, who: str) -> str | None:
        """The role ``who`` names: a role key, or the name given for a role."""
        if who in self.approvals:
            return who
        for role, a in self.approvals.items():
            if a.name and a.name.strip().lower() == who.strip().lower():
                return role
        return None


def record_path(policy: Policy, ticket: str) -> str:
    return str(policy.section('record').get('path', 'hotfixes/{ticket}.toml')).replace(
        '{ticket}', ticket)


def record_glob(policy: Policy) -> str:
    return str(policy.section('record').get('path', 'hotfixes/{ticket}.toml')).replace(
        '{ticket}', '*')


def render_template(ticket: str) -> str:
    return TEMPLATE.replace('{ticket}', ticket)


# -- parsing ---------------------------------------------------------------------------
def key_lines(text: str) -> dict[str, int]:
    """Line numbers of tables and keys (``rollback.dry_run``, ``exceptions[1].rule``)."""
    lines: dict[str, int] = {}
    table = ''
    counters: dict[str, int] = {}
    for no, raw in enumerate(text.splitlines(), 1):
        s = raw.strip()
        if not s or s.startswith('#'):
            continue
        m = re.match(r'\[\[\s*([^\]]+?)\s*\]\]', s)
        if m:
            name = re.sub(r'[\s"\']', '', m.group(1))
            counters[name] = counters.get(name, -1) + 1
            table = f'{name}[{counters[name]}]'
            lines.setdefault(table, no)
            continue
        m = re.match(r'\[\s*([^\]]+?)\s*\]', s)
        if m:
            table = re.sub(r'[\s"\']', '', m.group(1))
            lines.setdefault(table, no)
            continue
        m = re.match(r'([A-Za-z0-9_\-."\' ]+?)\s*=', s)
        if m:
            key = re.sub(r'[\s"\']', '', m.group(1))
            lines.setdefault(f'{table}.{key}' if table else key, no)
    return lines


def utc_time(value: object) -> str | None:
    """``value`` as ``YYYY-MM-DDTHH:MM:SSZ`` when it is a UTC date-time, else ``None``."""
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, str):
        try:
            when = dt.datetime.fromisoformat(value.strip().replace('Z', '+00:00')
                                             .replace('z', '+00:00'))
        except ValueError:
            return None
    else:
        return None
    if when.tzinfo is None or when.utcoffset() != dt.timedelta(0):
        return None
    return when.strftime('%Y-%m-%dT%H:%M:%SZ')


class _Parser:
    def __init__(self, rec: Record, policy: Policy) -> None:
        self.rec = rec
        self.policy = policy
        self.findings: list[Finding] = []

    def add(self, rule: str, key: str, message: str, hint: str,
            severity: str = 'error') -> None:
        self.findings.append(Finding(
            rule=rule, category='record', severity=severity, path=self.rec.path,
            line=self.rec.line_of(key), message=message, hint=hint, extra={'field': key}))

    def missing(self, key: str, what: str, example: str) -> None:
        self.add('record-field-missing', key, f'the record field "{key}" is missing or empty: '
                 f'{what}', f'fill it in: {example}')

    def invalid(self, key: str, problem: str, example: str) -> None:
        self.add('record-field-invalid', key, f'the record field "{key}" {problem}',
                 f'write it as {example}')

    def unknown(self, key: str, known: tuple[str, ...]) -> None:
        self.add('record-unknown-field', key, f'unknown record field "{key}" (a typo?)',
                 'the known fields are: ' + ', '.join(known), severity='warning')

    def string(self, table: dict[str, Any], name: str, key: str) -> str:
        value = table.get(name, '')
        if value is None:
            return ''
        if isinstance(value, (dt.datetime, dt.date)):
            return value.isoformat()
        if not isinstance(value, str):
            self.invalid(key, f'must be a string, got {type(value).__name__} {value!r}',
                         f'{name} = "..."')
            return ''
        return value.strip()


def parse(text: str, path: str, policy: Policy) -> tuple[Record | None, list[Finding]]:
    """Parse the record; every missing or malformed field becomes a finding naming it."""
    rec = Record(path=path, lines=key_lines(text))
    try:
        data = tomlio.loads(text)
    except tomlio.TomlError as e:
        m = re.search(r'line (\d+)', str(e))
        return None, [Finding(
            rule='record-invalid-toml', category='record', severity='error', path=path,
            line=int(m.group(1)) if m else None, message=f'the record is not valid TOML: {e}',
            hint='fix the syntax (strings in double quotes, true/false in lower case)')]
    p = _Parser(rec, policy)
    cfg = policy.section('record')
    required = set(cfg.get('required_fields', ()))
    for key in data:
        if key not in TOP_KEYS:
            p.unknown(key, TOP_KEYS)

    examples = {'ticket': 'ticket = "ARIS-77"', 'customer_impact':
                'customer_impact = "checkout fails for 12% of stores"',
                'change_scope': 'change_scope = "clamp negative stock totals in recount"',
                'owner': 'owner = "Dana Ops"'}
    for name in TEXT_FIELDS:
        value = p.string(data, name, name)
        if name == 'change_scope' and '\n' in value:
            p.invalid(name, 'must be one line', examples[name])
            value = value.splitlines()[0]
        setattr(rec, name, value)
        if not value and name in required:
            p.missing(name, {'ticket': 'the ticket of this hotfix',
                             'customer_impact': 'what customers see',
                             'change_scope': 'a one-line technical summary of the change',
                             'owner': 'who drives this hotfix'}[name], examples[name])

    for name, allowed, example in (('severity', INCIDENT_SEVERITIES, 'severity = "P1"'),
                                   ('eligibility', ELIGIBILITY,
                                    'eligibility = "critical-defect"'),
                                   ('decision', DECISIONS, 'decision = "patch-forward"')):
        value = p.string(data, name, name)
        if not value:
            if name in required:
                p.missing(name, 'one of ' + ' | '.join(allowed), example)
        elif value not in allowed:
            p.invalid(name, f'is {value!r}; expected one of ' + ' | '.join(allowed), example)
        else:
            setattr(rec, name, value)

    raw_next = data.get('next_update_utc', '')
    if raw_next in ('', None):
        if 'next_update_utc' in required:
            p.missing('next_update_utc', 'when the next status update goes out (UTC)',
                      'next_update_utc = "2026-11-27T14:00:00Z"')
    else:
        when = utc_time(raw_next)
        if when is None:
            p.invalid('next_update_utc', f'is {raw_next!r}, not a UTC date-time',
                      'next_update_utc = "2026-11-27T14:00:00Z" (Z or +00:00)')
        else:
            rec.next_update_utc = when

    rollback = _table(p, data, 'rollback', ROLLBACK_KEYS)
    if rollback is not None:
        rec.rollback_command = p.string(rollback, 'command', 'rollback.command')
        rec.rollback_dry_run = p.string(rollback, 'dry_run', 'rollback.dry_run')
        rec.release_tag = p.string(rollback, 'release_tag', 'rollback.release_tag')
    if 'rollback.command' in required and not (rec.rollback_command or rec.release_tag):
        p.missing('rollback.command', 'the rollback plan needs a command or a release_tag',
                  '[rollback] command = "./deploy.sh rollback 0.1.0-rc.3" or release_tag = '
                  '"0.1.0-rc.3"')
    if 'rollback.dry_run' in required and not rec.rollback_dry_run:
        p.missing('rollback.dry_run', 'the command that proves the rollback path',
                  '[rollback] dry_run = "./deploy.sh rollback 0.1.0-rc.3 --dry-run"')

    approvals = _table(p, data, 'approvals', None)
    roles = list(cfg.get('required_approvers', ('incident_owner', 'release_owner')))
    for role, raw in (approvals or {}).items():
        key = f'approvals.{role}'
        if not isinstance(raw, dict):
            p.invalid(key, 'must be a table with name and approved_at',
                      f'[approvals.{role}] name = "..." approved_at = ""')
            continue
        for k in raw:
            if k not in APPROVAL_KEYS:
                p.unknown(f'{key}.{k}', APPROVAL_KEYS)
        a = Approval(role=role, name=p.string(raw, 'name', f'{key}.name'))
        at = raw.get('approved_at', '')
        if at not in ('', None):
            when = utc_time(at)
            if when is None:
                p.invalid(f'{key}.approved_at', f'is {at!r}, not a UTC date-time',
                          'approved_at = "2026-11-27T13:05:00Z" (or "" while pending)')
            elif not a.name:
                p.missing(f'{key}.name', f'approved_at is set but nobody is named as {role}',
                          f'[approvals.{role}] name = "..."')
            else:
                a.approved_at = when
        rec.approvals[role] = a
    for role in roles:
        if role not in rec.approvals:
            p.missing(f'approvals.{role}', f'the {role.replace("_", " ")} approval table',
                      f'[approvals.{role}] name = "" and approved_at = "" (empty while '
                      'pending)')

    conditions = _table(p, data, 'conditions', tuple(CONDITIONS))
    for name in CONDITIONS:
        key = f'conditions.{name}'
        flag = (conditions or {}).get(name)
        if flag is None:
            p.missing(key, CONDITIONS[name], f'[conditions] {name} = false (or true)')
        elif not isinstance(flag, bool):
            p.invalid(key, f'must be true or false, got {flag!r}', f'{name} = true')
        else:
            rec.conditions[name] = flag

    raw_exc = data.get('exceptions', [])
    if not isinstance(raw_exc, list) or not all(isinstance(e, dict) for e in raw_exc):
        p.invalid('exceptions', 'must be an array of tables', '[[exceptions]] rule = "..." ...')
        raw_exc = []
    for i, raw in enumerate(raw_exc):
        key = f'exceptions[{i}]'
        for k in raw:
            if k not in EXCEPTION_KEYS:
                p.unknown(f'{key}.{k}', EXCEPTION_KEYS)
        by = raw.get('approved_by', [])
        if isinstance(by, str):
            by = [by]
        if not isinstance(by, list) or not all(isinstance(x, str) for x in by):
            p.invalid(f'{key}.approved_by', 'must be a list of approver roles',
                      'approved_by = ["incident_owner", "release_owner"]')
            by = []
        rec.exceptions.append(Waiver(
            index=i, rule=p.string(raw, 'rule', f'{key}.rule'),
            path=p.string(raw, 'path', f'{key}.path'),
            reason=p.string(raw, 'reason', f'{key}.reason'),
            approved_by=[x.strip() for x in by if x.strip()], line=rec.line_of(key),
            fingerprint=p.string(raw, 'fingerprint', f'{key}.fingerprint')))
    return rec, p.findings


def _table(p: _Parser, data: dict[str, Any], name: str,
           known: tuple[str, ...] | None) -> dict[str, Any] | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        p.invalid(name, f'must be a table ([{name}]), got {type(value).__name__}',
                  f'[{name}] ...')
        return None
    if known is not None:
        for k in value:
            if k not in known:
                p.unknown(f'{name}.{k}', known)
    return value


def load(snapshot: Snapshot, policy: Policy, ticket: str
         ) -> tuple[Record | None, list[Finding], str]:
    """Read and parse the record of ``ticket`` from a snapshot: (record, findings, path).

    A missing record gives ``(None, [record-missing], path)``.
    """

    path = record_path(policy, ticket)
    data = snapshot.read(path)
    if data is None:
        return None, [Finding(
            rule='record-missing', category='record', severity='error', path=path,
            message=f'no hotfix record for {ticket}: the protocol needs the eligibility, '
                    'rollback plan, approvals and rollback-first conditions in the branch',
            hint=f'write it with "hotfix-hooks new {ticket} ..." (or copy the template in '
                 f'the README) to {path}, fill it in and commit it')], path
    text = decode_text(data)
    if text is None:
        return None, [Finding(
            rule='record-invalid-toml', category='record', severity='error', path=path,
            message='the record is not UTF-8 text', hint='save it as UTF-8 TOML')], path
    rec, findings = parse(text, path, policy)
    return rec, findings, path
