"""End to end: the hotfix-actions-flow hook through the real pre-commit framework refuses a
transition route on ``git commit`` and lets a data edit in."""
from __future__ import annotations

import pytest

from tests.support.actions_service import edit
from tests.support.actions_service import SERVICE_FILES


@pytest.mark.e2e
def test_hook_refuses_a_transition_route_on_commit(consumer) -> None:  # type: ignore[no-untyped-def]
    """The hotfix-actions-flow hook through the real pre-commit framework."""
    repo = consumer(['hotfix-actions-flow'], files=dict(SERVICE_FILES))
    repo.checkout('hotfix/ARIS-91-cancel-stuck-orders', create=True)
    bad = edit('app/routers/orders.py', '\n\n@router.patch',
               '\n\n@router.post("/{order_id}/cancel")\ndef cancel(order_id: int):\n'
               '    order = svc.load(None, order_id)\n    order.status = "cancelled"\n'
               '\n\n@router.patch')
    repo.write('app/routers/orders.py', bad['app/routers/orders.py'])
    repo.git('add', '-A')
    res = repo.run(['git', 'commit', '-m', 'ARIS-91 cancel stuck orders'], check=False)
    out = res.stdout + res.stderr
    assert res.returncode != 0
    assert '[actions-bypass-route]' in out and 'POST /orders/{order_id}/cancel' in out
    # the fix done inside the service (a data edit) commits fine
    repo.git('checkout', '-q', '--', '.')
    repo.git('reset', '-q', '--hard')
    good = edit('app/services/orders.py', 'order.note = data["note"]',
                'order.note = data["note"].strip()')
    repo.write('app/services/orders.py', good['app/services/orders.py'])
    repo.git('add', '-A')
    res = repo.run(['git', 'commit', '-m', 'ARIS-91 trim notes'], check=False)
    assert res.returncode == 0, res.stdout + res.stderr
