"""The ``junit`` report: JUnit XML, as CI test report widgets (GitLab ``artifacts: reports:
junit``, Jenkins, Azure) read it.

One ``testsuite`` per check, one ``testcase`` per check and file (``classname``
``hotfix-hooks.<check>``, ``name`` and ``file`` the path; ``(repository)`` for findings about
no file). A testcase with error findings fails: its ``failure`` lists every error finding
(file:line, rule, message, fix; one ``failure`` element per testcase, as JUnit consumers read
one). Warnings, info and waived findings go to the testcase's ``system-out``. A check that
ran without findings is one passing testcase, so a clean run still shows what was checked.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from hotfix_hooks.findings import Finding

REPOSITORY = '(repository)'
_NOT_XML = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]')


def _clean(text: str) -> str:
    """XML 1.0 cannot hold control characters (a path may have them)."""
    return _NOT_XML.sub('\ufffd', text)


def _line(f: Finding) -> str:
    where = f'{f.path}:{f.line}: ' if f.path and f.line else (f'{f.path}: ' if f.path else '')
    label = 'waived' if f.waived else f.severity
    out = f'{where}{label} [{f.rule}] {f.message}'
    if f.hint:
        out += f'\n  fix: {f.hint}'
    if f.waived and f.waiver:
        out += f'\n  waived: {f.waiver.get("reason", "")}'
    return out


def render(findings: Sequence[Finding], title: str = 'hotfix-hooks',
           checks: Sequence[str] = ()) -> str:
    cases: dict[str, dict[str, list[Finding]]] = {}
    for check in checks:
        cases.setdefault(check, {})
    for f in findings:
        cases.setdefault(f.category, {}).setdefault(f.path or REPOSITORY, []).append(f)
    root = ET.Element('testsuites', name=_clean(title))
    total = failed = 0
    for check, files in cases.items():
        suite = ET.SubElement(root, 'testsuite', name=check)
        suite_tests = suite_failed = 0
        if not files:
            ET.SubElement(suite, 'testcase', classname=f'hotfix-hooks.{check}',
                          name='(no findings)', time='0')
            suite_tests = 1
        for path, items in files.items():
            case = ET.SubElement(suite, 'testcase', classname=f'hotfix-hooks.{check}',
                                 name=_clean(path), time='0')
            if path != REPOSITORY:
                case.set('file', _clean(path))
            suite_tests += 1
            errors = [f for f in items if f.blocking]
            others = [f for f in items if not f.blocking]
            if errors:
                suite_failed += 1
                rules = ', '.join(dict.fromkeys(f.rule for f in errors))
                failure = ET.SubElement(
                    case, 'failure', type=errors[0].rule,
                    message=_clean(f'{len(errors)} error finding(s): {rules}'))
                failure.text = _clean('\n'.join(_line(f) for f in errors))
            if others:
                ET.SubElement(case, 'system-out').text = _clean(
                    '\n'.join(_line(f) for f in others))
        for key, value in (('tests', suite_tests), ('failures', suite_failed),
                           ('errors', 0), ('skipped', 0)):
            suite.set(key, str(value))
        suite.set('time', '0')
        total += suite_tests
        failed += suite_failed
    for key, value in (('tests', total), ('failures', failed), ('errors', 0)):
        root.set(key, str(value))
    ET.indent(root)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(root, encoding='unicode') + '\n')
