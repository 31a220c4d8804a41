"""The diff checks by name (``hotfix-hooks scan --only NAME`` runs one), and what a check
may know about the run besides the change (``RunInfo``). Check modules are imported only
when their check runs, so a hook pays only for what it uses."""
from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from hotfix_hooks.fastclass import dataclass

if TYPE_CHECKING:
    from hotfix_hooks.changeset import ChangeSet
    from hotfix_hooks.findings import Finding
    from hotfix_hooks.policy import Policy

# name -> "module:function". Order is the report order.
CHECKS: dict[str, str] = {
    'scope': 'hotfix_hooks.checks.scope:check',
    'contract': 'hotfix_hooks.checks.contract:check',
    'actions': 'hotfix_hooks.checks.actions:check',
    'migrations': 'hotfix_hooks.checks.migrations:check',
    'record': 'hotfix_hooks.checks.record:check',
}
# run only when named (--only) or by their own command, not in a plain scan / the umbrella
# hook: the record has its own hook (hotfix-record) and is required on push only
OPT_IN: frozenset[str] = frozenset({'record'})


@dataclass
class RunInfo:
    """What a check may need to know about the run besides the change itself."""

    branch: str | None = None
    hotfix: bool = False             # the branch is a hotfix (or release) branch
    # the hotfix rules apply off hotfix branches too: enforce_on = "all", or the branch is
    # unknown (fail closed)
    enforce_all: bool = False
    ticket: str | None = None        # the hotfix branch's ticket, when it has one
    stage: str = 'manual'            # pre-commit | pre-push | manual | ci
    # flags: all_violations, require_approvals
    options: dict[str, bool] = dataclasses.field(default_factory=dict)

    @property
    def enforced(self) -> bool:
        """The protocol's rules block here: a hotfix branch, or ``enforce_all``."""
        return self.hotfix or self.enforce_all


CheckFn = Callable[['ChangeSet', 'Policy', RunInfo], 'list[Finding]']


def load(name: str) -> CheckFn:
    module, _, func = CHECKS[name].partition(':')
    check: CheckFn = getattr(importlib.import_module(module), func)
    return check
