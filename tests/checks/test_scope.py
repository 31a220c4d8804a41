"""The scope check on change sets built in memory."""
from __future__ import annotations

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.checks.scope import check
from hotfix_hooks.policy import from_mapping


def test_scope_line_budget_fails_and_passes() -> None:
    policy = from_mapping({'scope': {'max_lines': 10}}, None)
    big = ChangeSet.from_texts(base={'app/a.py': ''},
                               head={'app/a.py': ''.join(f'x{i} = {i}\n' for i in range(11))})
    small = ChangeSet.from_texts(base={'app/a.py': ''}, head={'app/a.py': 'x = 1\n'})
    hotfix = RunInfo(branch='hotfix/ARIS-1-x', hotfix=True)
    found = [f.rule for f in check(big, policy, hotfix)]
    assert found == ['scope-too-many-lines']
    assert check(small, policy, hotfix) == []
    assert check(big, policy, RunInfo(branch='feature/x')) == []   # hotfix branches only
