"""What a branch changed in the policy: two effective policies compared key by key, each
difference said the way a reviewer needs it (rules disabled, severities lowered, endpoints
unfrozen, gates or domains changed, owners changed ...).

Effective values are compared (defaults filled in), so a comment, a reordering or a key set
to its default is no change; a file added, removed or rewritten that changes what is
enforced is."""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from hotfix_hooks.fastclass import dataclass

_RANK = {'error': 0, 'warning': 1, 'info': 2}

# the kinds, in the order a message lists them
KINDS = ('policy removed', 'rules disabled', 'severities lowered', 'severities changed',
         'endpoints unfrozen', 'gates changed', 'domains changed', 'owners changed',
         'approval rules changed', 'approvers changed', 'hotfix branches changed',
         'base branch changed', 'rules enabled', 'severities raised', 'endpoints frozen',
         'settings changed')
_SEVERITY_KEYS = ('contract.hotfix_new_operation', 'contract.stale_severity', 'scope.severity',
                  'scope.new_module_severity')


@dataclass(frozen=True)
class PolicyChange:
    """One difference: ``key`` (dotted), its ``kind`` (one of ``KINDS``) and what changed."""

    key: str
    kind: str
    detail: str

    def to_json(self) -> dict[str, str]:
        return dataclasses.asdict(self)


def _show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 120 else text[:117] + '...'


def compare(trusted: Mapping[str, Any], other: Mapping[str, Any]) -> list[PolicyChange]:
    """Every way ``other`` (the branch's policy values) differs from ``trusted``."""
    out: list[PolicyChange] = []
    for key in sorted(set(trusted) | set(other)):
        old, new = trusted.get(key), other.get(key)
        if old == new:
            continue
        if key in ('disable', 'severity'):
            out += _rules(key, old or ([] if key == 'disable' else {}),
                          new or ([] if key == 'disable' else {}))
        elif key == 'gates':
            out += _gates(old or [], new or [])
        elif key == 'domains':
            out += _domains(old or {}, new or {})
        elif key in ('owners', 'approvals'):
            out += _table(key, old or {}, new or {},
                          'owners changed' if key == 'owners' else 'approval rules changed')
        elif key in ('hotfix_prefix', 'release_branches'):
            out.append(PolicyChange(key, 'hotfix branches changed',
                                    f'{key}: {_show(old)} -> {_show(new)}'))
        elif key in ('base', 'remote'):
            out.append(PolicyChange(key, 'base branch changed',
                                    f'{key}: {_show(old)} -> {_show(new)}'))
        elif isinstance(old, dict) and isinstance(new, dict):
            out += _section(key, old, new)
        else:
            out.append(PolicyChange(key, 'settings changed',
                                    f'{key}: {_show(old)} -> {_show(new)}'))
    return out


def _rules(key: str, old: Any, new: Any, prefix: str = '') -> list[PolicyChange]:
    out = []
    name = prefix + key
    if key == 'disable':
        for rule in sorted(set(new) - set(old)):
            out.append(PolicyChange(name, 'rules disabled', rule))
        for rule in sorted(set(old) - set(new)):
            out.append(PolicyChange(name, 'rules enabled', rule))
        return out
    for rule in sorted(set(old) | set(new)):
        a, b = old.get(rule), new.get(rule)
        if a == b:
            continue
        out.append(PolicyChange(f'{name}.{rule}', _severity_kind(a, b),
                                f'{rule}: {a or "default"} -> {b or "default"}'))
    return out


def _severity_kind(old: str | None, new: str | None) -> str:
    if old in _RANK and new in _RANK:
        return 'severities lowered' if _RANK[new] > _RANK[old] else 'severities raised'
    return 'severities changed'


def _gates(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[PolicyChange]:
    before = {g.get('name'): g for g in old}
    after = {g.get('name'): g for g in new}
    out = []
    for name in before:
        if name not in after:
            out.append(PolicyChange('gates', 'gates changed', f'gate {name} removed'))
    for name, gate in after.items():
        if name not in before:
            out.append(PolicyChange('gates', 'gates changed',
                                    f'gate {name} added: {_show(gate.get("command"))}'))
            continue
        for k in sorted(set(before[name]) | set(gate)):
            if before[name].get(k) != gate.get(k):
                out.append(PolicyChange('gates', 'gates changed',
                                        f'gate {name} {k}: {_show(before[name].get(k))} -> '
                                        f'{_show(gate.get(k))}'))
    if not out and [g.get('name') for g in old] != [g.get('name') for g in new]:
        out.append(PolicyChange('gates', 'gates changed', 'gate order changed'))
    return out


def _domains(old: dict[str, Any], new: dict[str, Any]) -> list[PolicyChange]:
    out = []
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        if a is None or b is None:
            out.append(PolicyChange(f'domains.{name}', 'domains changed',
                                    f'domain {name} {"added" if a is None else "removed"}'))
            continue
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                what = ('turned off' if k == 'enabled' and b.get(k) is False else
                        f'{k}: {_show(a.get(k))} -> {_show(b.get(k))}')
                out.append(PolicyChange(f'domains.{name}.{k}', 'domains changed',
                                        f'domain {name} {what}'))
    return out


def _table(key: str, old: dict[str, Any], new: dict[str, Any], kind: str) -> list[PolicyChange]:
    return [PolicyChange(f'{key}.{k}', kind, f'{key}.{k}: {_show(old.get(k))} -> '
                                             f'{_show(new.get(k))}')
            for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]


def _section(key: str, old: dict[str, Any], new: dict[str, Any]) -> list[PolicyChange]:
    out = []
    for k in sorted(set(old) | set(new)):
        a, b = old.get(k), new.get(k)
        if a == b:
            continue
        name = f'{key}.{k}'
        if key == 'migrations' and k in ('disable', 'severity'):
            out += _rules(k, a or ([] if k == 'disable' else {}),
                          b or ([] if k == 'disable' else {}), prefix='migrations.')
        elif key == 'contract' and k in ('frozen_groups', 'frozen_endpoints'):
            for item in [x for x in (a or []) if x not in (b or [])]:
                out.append(PolicyChange(name, 'endpoints unfrozen', f'{k}: {item}'))
            for item in [x for x in (b or []) if x not in (a or [])]:
                out.append(PolicyChange(name, 'endpoints frozen', f'{k}: {item}'))
        elif name in _SEVERITY_KEYS:
            out.append(PolicyChange(name, _severity_kind(a, b), f'{name}: {a} -> {b}'))
        elif key == 'record' and k in ('required_approvers', 'waiver_approvers'):
            out.append(PolicyChange(name, 'approvers changed',
                                    f'{name}: {_show(a)} -> {_show(b)}'))
        elif key == 'gate':
            kind = 'hotfix branches changed' if k == 'branches' else 'gates changed'
            out.append(PolicyChange(name, kind, f'{name}: {_show(a)} -> {_show(b)}'))
        else:
            out.append(PolicyChange(name, 'settings changed', f'{name}: {_show(a)} -> {_show(b)}'))
    return out


def summary(changes: list[PolicyChange]) -> str:
    """``rules disabled: a, b; severities lowered: x: error -> info; ...`` in ``KINDS`` order."""
    groups: dict[str, list[str]] = {}
    for c in changes:
        groups.setdefault(c.kind, []).append(c.detail)
    parts = []
    for kind in KINDS:
        if kind in groups:
            items = groups[kind]
            shown = ', '.join(items[:6]) + (f' (+{len(items) - 6} more)' if len(items) > 6 else '')
            parts.append(f'{kind}: {shown}')
    return '; '.join(parts)
