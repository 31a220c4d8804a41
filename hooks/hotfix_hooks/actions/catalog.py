"""The rules of the ``/actions`` flow and idempotency guard (``actions/guard.py``). Pure
data; ``hotfix_hooks.catalog`` collects it."""
from __future__ import annotations

from hotfix_hooks.rule import hotfix_only
from hotfix_hooks.rule import Rule
from hotfix_hooks.rule import table

_A = 'actions'

RULES = hotfix_only(table(
    Rule('actions-bypass-route', _A, 'error',
         summary='A mutating route outside the actions endpoint performs a state transition.',
         why='Every state transition must go through POST .../actions, which enforces the '
             'idempotency key, the audit trail and RBAC; a side door lets retries apply a '
             'transition twice (double dispatch, double refund) with nobody the wiser.',
         fix='Put the transition in the actions endpoint (POST .../actions with the action '
             'in the body).',
         bad='a new @router.post("/{id}/cancel"); a POST /orders/{id}/notes whose service '
             'helper sets order.status = "cancelled" two calls deep; a new POST /payouts '
             'creating Payout(status=PayoutStatus.succeeded) while the column defaults to '
             'pending (a row created in a later state)',
         good='@router.post("/{id}/actions") handling {"action": "cancel"} with the '
              'Idempotency-Key required'),
    Rule('actions-bypass-patch-transition', _A, 'error',
         summary='A PATCH/PUT handler (or a function it calls) now writes a state field.',
         why='PATCH/PUT are for data edits; a transition through them skips the idempotency '
             'key, audit and RBAC of the actions endpoint.',
         fix='Keep PATCH/PUT to data edits; run the transition through POST .../actions.',
         bad='transfer.status = body.status in the PATCH /transfers/{id} handler',
         good='PATCH /transfers/{id} edits the note; POST /transfers/{id}/actions receives '
              'the transfer'),
    Rule('actions-route-removed', _A, 'error',
         summary='An actions endpoint is removed, renamed, moved or changes its method.',
         why='Clients, the audit trail and the idempotency store all key on the actions '
             'route; without it every transition call fails.',
         fix='Keep the actions endpoint\'s method and path; fix the handler instead.',
         bad='POST /orders/{id}/actions renamed to /action, made PUT, or moved under /v2 by '
             'a prefix change',
         good='POST /orders/{id}/actions unchanged; the handler fixed'),
    Rule('idempotency-removed', _A, 'error',
         summary='A route (or the app) loses its Idempotency-Key handling.',
         why='Retries of the same request (client timeouts, proxies, double clicks) now '
             'apply twice: duplicate orders, transfers or refunds.',
         fix='Restore the Idempotency-Key handling (header parameter, dependency or '
             'middleware).',
         bad='the Idempotency-Key header dependency dropped from POST /orders/{id}/actions; '
             'app.add_middleware(IdempotencyMiddleware) removed',
         good='the dependency kept; the fix changes the handler body only'),
    Rule('idempotency-weakened', _A, 'error',
         summary='The Idempotency-Key is still read but no longer enforced.',
         why='An optional, defaulted or server-generated key protects nothing: a retry gets '
             'a fresh key and is applied again.',
         fix='Keep the key required: reject a request without it (4xx), never generate it '
             'server-side.',
         bad='Header(...) -> Header(None); key = key or str(uuid4()); raise HTTPException(400) '
             'replaced by log.warning(...); the middleware lost the "/transfers" prefix',
         good='idempotency_key: str = Header(...) and a 400 when it is missing'),
    Rule('idempotency-missing', _A, 'warning',
         summary='A new mutating route has no idempotency-key handling and no middleware '
                 'covers it.',
         why='A reviewer must decide whether retries of this route are safe; most state '
             'changes are not.',
         fix='Require an Idempotency-Key (a Depends() that rejects a missing key, or a path '
             'the middleware guards).',
         bad='a new @router.post("/orders/{id}/actions") with no key handling',
         good='the route under a prefix the idempotency middleware guards',
         severity_note='warning on an actions route, in a project whose routes or middleware '
                       'handle idempotency keys, or when a retry repeats an outbound effect '
                       '(an HTTP request made or handed to a background task, a mail); info '
                       'otherwise; never for PUT/DELETE (idempotent by HTTP semantics)'),
    Rule('actions-unparseable-python', _A, 'error',
         summary='A changed Python file of web code cannot be parsed.',
         why='The guard cannot see routes in a file it cannot read; it fails instead of '
             'passing blind.',
         fix='Fix the syntax error, set language_version in .pre-commit-config.yaml when '
             'the project targets a newer Python, or exclude the file '
             '(actions.exclude_globs) if it is not web code.',
         bad='app/routers/orders.py with a syntax error',
         good='app/routers/orders.py that parses',
         severity_note='warning for a PEP 701 f-string; info when requires-python is newer '
                       'than the running Python or the file did not parse at the base either'),
    Rule('actions-module-unreadable', _A, 'warning',
         summary='A Python module of web code, changed or imported by an analysed module, '
                 'is read through a symbolic link (the module itself or a folder on its '
                 'way) that cannot be followed inside the repository.',
         why='The guard reads a link as what it points at, as Python imports it (a file, or '
             'a folder the module lies below); a link that is absolute, leaves the '
             'repository, points into .git, at nothing or at a folder holding it (a loop) '
             'hides the code the routes run, so the guard says what it did not check. The '
             'same severity whether the branch made the link or it is as old as the base: '
             'either way the routes of the changed code were not checked.',
         fix='Make the module a regular file, or a relative symbolic link to a file or '
             'folder of the repository.',
         bad='app/services/orders.py -> /srv/shared/orders.py; app/services -> /srv/services',
         good='app/services/orders.py -> orders_v2.py; app/services -> ../lib/services'),
    Rule('actions-route-unresolved', _A, 'info',
         summary='A route\'s path or methods cannot be read statically.',
         why='Says which route the guard could not analyse instead of passing silently.',
         fix='Write paths and methods as constants, or review the route by hand.',
         bad='@router.post(settings.CANCEL_PATH); methods=METHODS imported from elsewhere',
         good='@router.post("/{id}/actions")'),
))
