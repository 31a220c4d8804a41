"""``openapi-diff`` on a long drift (issue 16): the comparison and the line lookup were made
cheaper; the findings (rule, severity, file, line, message, extra) are exactly the ones the
slower code gave, recorded in ``data/drift_findings.json`` before the change."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from hotfix_hooks.findings import Finding
from hotfix_hooks.openapi import diff_specs
from hotfix_hooks.openapi.loader import parse
from tests.support.specgen import drifted
from tests.support.specgen import fastapi_like_spec

EXPECTED = Path(__file__).parent / 'data' / 'drift_findings.json'


def cases() -> dict[str, tuple[tuple[str, str], tuple[str, str]]]:
    """(path, text) of both sides of each drift: pretty, compact and YAML documents, and
    one whose descriptions hold quotes and backslashes."""
    doc = fastapi_like_spec(8)
    new = drifted(doc, every=2)
    quoted = json.loads(json.dumps(doc))
    quoted['info']['description'] = 'say "hi": \\ the "paths": are here'
    quoted_new = drifted(quoted, every=2)
    dumper = getattr(yaml, 'CSafeDumper', yaml.SafeDumper)
    return {
        'pretty': (('old.json', json.dumps(doc, indent=2)),
                   ('new.json', json.dumps(new, indent=2))),
        'compact': (('old.json', json.dumps(doc, separators=(',', ':'))),
                    ('new.json', json.dumps(new, indent=1, separators=(', ', ' : ')))),
        'yaml': (('old.yaml', yaml.dump(doc, Dumper=dumper, sort_keys=False)),
                 ('new.yaml', yaml.dump(new, Dumper=dumper, sort_keys=False))),
        'quoted': (('old.json', json.dumps(quoted, indent=2)),
                   ('new.json', json.dumps(quoted_new, indent=2))),
    }


def rows(found: list[Finding]) -> list[list[Any]]:
    return [[f.rule, f.severity, f.path, f.line, f.message, f.hint,
             json.loads(json.dumps(f.extra, sort_keys=True, default=str))] for f in found]


def test_drift_findings_are_the_recorded_ones() -> None:
    expected = json.loads(EXPECTED.read_text())
    for name, (old, new) in cases().items():
        got = rows(diff_specs(parse(old[1], old[0]), parse(new[1], new[0])))
        assert len(got) > 60 and all(f[3] for f in got), name
        assert got == expected[name], name
