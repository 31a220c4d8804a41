"""The ``sarif`` report: SARIF 2.1.0 (OASIS), as GitHub code scanning and other SARIF
consumers read it.

- ``tool.driver.rules``: the catalogue entry of every rule the results use (summary, why,
  help with the fix and the examples, default level, category);
- a result per finding: ``ruleId``/``ruleIndex``, ``level``, the message with the fix, a
  repository-relative ``artifactLocation.uri`` (``%SRCROOT%``) and ``region.startLine``,
  ``partialFingerprints`` (the finding's stable fingerprint);
- a waived finding is a suppressed result: ``suppressions`` with the waiver's reason
  (``external``: an exception of the hotfix record; ``inSource``: an inline suppression).

Code scanning refuses a whole file when one result has no location, so a finding about no
file (the branch name, the scope budget, a gate) is located at ``anchor`` (a repository file
the command names), line 1, with a location message saying so; without an anchor it is left
out of the results and named in a tool notification instead.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import quote

from hotfix_hooks import __version__
from hotfix_hooks import catalog
from hotfix_hooks.findings import Finding
from hotfix_hooks.rule import Rule

TYPE_CHECKING = False  # typing is not imported at run time
if TYPE_CHECKING:
    from typing import Any

SCHEMA_URI = ('https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/'
              'sarif-schema-2.1.0.json')
FINGERPRINT_KEY = 'hotfixHooks/v1'
LEVELS = {'error': 'error', 'warning': 'warning', 'info': 'note'}


def _pascal(rule_id: str) -> str:
    return ''.join(part[:1].upper() + part[1:] for part in rule_id.split('-'))


def _descriptor(rule_id: str, f: Finding) -> dict[str, Any]:
    rule: Rule | None = catalog.get(rule_id)
    if rule is None:        # never for the tool's own rules (tests/test_catalog.py)
        return {'id': rule_id, 'name': _pascal(rule_id),
                'defaultConfiguration': {'level': LEVELS[f.severity]},
                'properties': {'category': f.category, 'tags': ['hotfix-hooks', f.category]}}
    text = (f'{rule.summary}\n\nWhy it matters: {rule.why}\n\nHow to fix: {rule.fix}\n\n'
            f'Bad: {rule.bad}\nGood: {rule.good}')
    markdown = (f'{rule.summary}\n\n**Why it matters**: {rule.why}\n\n**How to fix**: '
                f'{rule.fix}\n\n- Bad: {rule.bad}\n- Good: {rule.good}\n\n'
                f'`hotfix-hooks explain {rule.id}`')
    tags = ['hotfix-hooks', rule.category] + ([rule.family] if rule.family else [])
    props: dict[str, Any] = {'category': rule.category, 'tags': tags}
    if rule.severity_note:
        props['severityNote'] = rule.severity_note
    return {
        'id': rule.id,
        'name': _pascal(rule.id),
        'shortDescription': {'text': rule.summary},
        'fullDescription': {'text': rule.why},
        'help': {'text': text, 'markdown': markdown},
        'defaultConfiguration': {'level': LEVELS[rule.severity]},
        'properties': props,
    }


def _location(f: Finding, anchor: str | None) -> dict[str, Any] | None:
    path = f.path or anchor
    if not path:
        return None
    physical: dict[str, Any] = {
        'artifactLocation': {'uri': quote(path, safe='/'), 'uriBaseId': '%SRCROOT%'}}
    line = f.line if f.path else 1
    if line and line > 0:
        physical['region'] = {'startLine': line}
    loc: dict[str, Any] = {'physicalLocation': physical}
    if not f.path:
        loc['message'] = {'text': 'about the repository (no single file): located at '
                                  f'{anchor} so that code scanning accepts it'}
    return loc


def _suppression(f: Finding) -> dict[str, Any]:
    waiver = f.waiver or {}
    in_record = 'record' in waiver or 'approved_by' in waiver
    out: dict[str, Any] = {'kind': 'external' if in_record else 'inSource',
                           'status': 'accepted',
                           'justification': str(waiver.get('reason', ''))}
    props = {k: waiver[k] for k in ('record', 'approved_by', 'line') if k in waiver}
    if props:
        out['properties'] = props
    return out


def sarif(findings: Sequence[Finding], anchor: str | None = None) -> dict[str, Any]:
    """The SARIF log (a dict) of ``findings``."""
    index: dict[str, int] = {}
    rules: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    left_out: list[Finding] = []
    for f in findings:
        loc = _location(f, anchor)
        if loc is None:
            left_out.append(f)
            continue
        if f.rule not in index:
            index[f.rule] = len(rules)
            rules.append(_descriptor(f.rule, f))
        text = f.message + (f' Fix: {f.hint}' if f.hint else '')
        result: dict[str, Any] = {
            'ruleId': f.rule,
            'ruleIndex': index[f.rule],
            'level': LEVELS[f.severity],
            'message': {'text': text},
            'locations': [loc],
            'partialFingerprints': {FINGERPRINT_KEY: f.fingerprint},
            'properties': {'category': f.category, 'severity': f.severity},
        }
        if f.waived:
            result['suppressions'] = [_suppression(f)]
        results.append(result)
    invocation: dict[str, Any] = {'executionSuccessful': True}
    if left_out:
        invocation['toolExecutionNotifications'] = [
            {'level': LEVELS[f.severity],
             'message': {'text': f'{f.rule}: {f.message} (about no file, so not a result)'},
             'descriptor': {'id': f.rule}}
            for f in left_out]
    run = {
        'tool': {'driver': {'name': 'hotfix-hooks', 'version': __version__,
                            'semanticVersion': __version__, 'rules': rules}},
        'invocations': [invocation],
        'results': results,
    }
    return {'$schema': SCHEMA_URI, 'version': '2.1.0', 'runs': [run]}


def render(findings: Sequence[Finding], anchor: str | None = None) -> str:
    return json.dumps(sarif(findings, anchor), indent=2) + '\n'
