"""Hotfix records (hotfixes/<ticket>.toml) for the record tests: a complete one and
``edit`` to break one field."""
from __future__ import annotations

import re

PATH = 'hotfixes/ARIS-77.toml'

COMPLETE = '''\
ticket = "ARIS-77"
severity = "P1"
eligibility = "critical-defect"
customer_impact = "stock totals drift after transfers; 3 stores oversell"
decision = "patch-forward"
change_scope = "recount job clamps negative deltas"
owner = "Dana Ops"
next_update_utc = "2026-11-27T14:00:00Z"

[rollback]
command = "./deploy.sh rollback 0.1.0-rc.3"
dry_run = "./deploy.sh rollback 0.1.0-rc.3 --dry-run"
release_tag = "0.1.0-rc.3"

[approvals.incident_owner]
name = "Ines Incident"
approved_at = "2026-11-27T12:40:00Z"

[approvals.release_owner]
name = "Rene Release"
approved_at = 2026-11-27T12:45:00Z

[conditions]
critical_path_unavailable = false
root_cause_uncertain = false
data_integrity_risk = false
eta_exceeds_slo = false
'''


def edit(text: str, key: str, value: str | None) -> str:
    """Replace (or with ``None`` delete) the first ``key = ...`` line."""
    pattern = re.compile(rf'^{re.escape(key)} = .*$', re.M)
    assert pattern.search(text), key
    return pattern.sub('' if value is None else f'{key} = {value}', text, count=1)
