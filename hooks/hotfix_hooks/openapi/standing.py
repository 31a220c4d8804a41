"""What a range introduces, against what was already there: the committed spec compared with
the contract of the route code.

A committed spec and the route code can disagree for a long time (a docs spec regenerated only
at releases). Two findings of the guard are then about the past, not about the range:

- ``openapi-spec-stale`` when the spec was already behind the code at the base in the same way
  (the range adds no breaking difference between the spec and the code that the base did not
  have): the standing lag is context;
- a spec-diff finding of a spec regenerated to catch up with route code changed in earlier
  commits: when the base side's route code already serves the head spec's version of that
  point, nothing changes for clients at this commit.

Both are decided by comparing a spec with a side's code contract (``diff_specs``, the same
direction-aware engine) and matching findings by rule, operations, subject and values.
A point the code contract does not resolve gives no match, so its finding is kept.
"""
from __future__ import annotations

import re

from hotfix_hooks.findings import Finding
from hotfix_hooks.openapi.diff import diff_specs
from hotfix_hooks.openapi.fromcode import CodeContract
from hotfix_hooks.openapi.fromcode import CodeSpec
from hotfix_hooks.openapi.loader import Spec

_SUBJECT = re.compile(r'`([^`]*)`')
_VALUE = re.compile(r'"([^"]*)"')
_MODULE = re.compile(r'^(?:[a-z_][a-z0-9_]*\.)+')   # polar.models.order.X -> X
_SIDE = re.compile(r'-(?:Input|Output)(?=\.|$)')     # Pydantic's per-mode component names
_TAIL = re.compile(r' \(affects \d+ operations: .*\)$| \(line \d+ of [^)]*\)$')


def code_differences(spec: Spec, contract: CodeContract) -> list[Finding]:
    """How the route code's contract differs from the spec (the spec as the base side)."""
    return diff_specs(spec, CodeSpec(contract))


def _ops(f: Finding) -> frozenset[str]:
    return frozenset(f.extra.get('affected') or ())


def _leaves(f: Finding) -> frozenset[str]:
    """The property names a finding is about (``Model.prop`` -> ``prop``), whatever the
    component is called on either side; a component-level subject gives none."""
    out = set()
    for subject in _SUBJECT.findall(f.message):
        name = _SIDE.sub('', _MODULE.sub('', subject))
        if '.' in name:
            out.add(name.rsplit('.', 1)[1])
    return frozenset(out)


def _values(f: Finding) -> frozenset[str]:
    return frozenset(_VALUE.findall(_TAIL.sub('', f.message)))


def same_change(f: Finding, g: Finding) -> bool:
    """``g`` (spec vs code) shows the change ``f`` (spec vs spec) reports: same rule, every
    operation of ``f`` among ``g``'s, the same property names and every value of ``f``
    among ``g``'s."""
    if f.rule != g.rule:
        return False
    ops = _ops(f)
    if not ops or not ops <= _ops(g):
        return False
    return _leaves(f) == _leaves(g) and _values(f) <= _values(g)


def served(contract: CodeContract) -> set[str]:
    """The operations of a code contract whose success response could be resolved."""
    missing = set((contract.coverage or (0, []))[1])
    out = set()
    for path, item in contract.doc.get('paths', {}).items():
        for method in item:
            label = f'{method.upper()} {path}'
            if label not in missing:
                out.add(label)
    return out


def already_served(findings: list[Finding], spec: Spec, contract: CodeContract,
                   rules: frozenset[str] = frozenset()) -> list[Finding]:
    """The findings of a spec diff (base spec -> head spec) the base side's route code
    already exhibits, as info: the code made that change in an earlier commit and the spec
    catches up. ``findings``: those of one spec file; only errors, warnings and ``rules``
    are looked at; a finding on an operation the code contract does not resolve is kept."""
    looked = [f for f in findings if f.severity != 'info' or f.rule in rules]
    if not looked:
        return findings
    ops = served(contract)
    if not any(_ops(f) and _ops(f) <= ops for f in looked):
        return findings
    standing = [g for g in code_differences(spec, contract) if _ops(g) <= ops]
    out = []
    for f in findings:
        if (f.severity != 'info' or f.rule in rules) and _ops(f) and _ops(f) <= ops and any(
                same_change(f, g) for g in standing):
            f = Finding(rule=f.rule, category=f.category, severity='info', path=f.path,
                        line=f.line,
                        message=f.message + ' (the route code at the base already serves '
                        'this: the code changed in an earlier commit and the spec catches up; '
                        'nothing changes for clients here)',
                        hint='nothing to fix: the change reached clients with the earlier '
                             'code change', extra={**f.extra, 'already_served': True})
        out.append(f)
    return out


def new_differences(spec: Spec, base: CodeContract, head: CodeContract) -> list[Finding]:
    """The breaking differences between the spec and the head's code that the spec and the
    base's code did not have (the same finding text): what the range adds to a stale spec."""
    def key(f: Finding) -> tuple[str, str, tuple[str, ...]]:
        return f.rule, _TAIL.sub('', f.message), tuple(sorted(_ops(f)))

    before = {key(g) for g in code_differences(spec, base)}
    return [g for g in code_differences(spec, head)
            if g.severity != 'info' and key(g) not in before]


def summary(findings: list[Finding], limit: int = 3) -> str:
    shown = '; '.join(_TAIL.sub('', f.message) for f in findings[:limit])
    return shown + (f' and {len(findings) - limit} more' if len(findings) > limit else '')
