"""The rule catalogue: every rule of every concern, collected from the catalogue module of
each concern (where the rule is declared, once).

Read by ``hotfix-hooks rules`` / ``explain``, the reporters (SARIF ``tool.driver.rules``,
help texts), the policy (rule ids in ``disable``, ``severity``, ``migrations.*``) and the
record's waivers (an exception's ``rule``). To add a rule, add a ``Rule`` to the module of its
concern; to add a concern, add its module to ``CATALOGUES``.

Pure data and light to import (no dataclasses): the branch hook loads it when the policy
names rule ids.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from collections.abc import Iterable

from hotfix_hooks.actions import catalog as actions
from hotfix_hooks.checks import contract_catalog as contract
from hotfix_hooks.checks import naming_catalog as naming
from hotfix_hooks.checks import scope_catalog as scope
from hotfix_hooks.gates import catalog as gates
from hotfix_hooks.migrations import catalog as migrations
from hotfix_hooks.policy import catalog as policy
from hotfix_hooks.record import catalog as record
from hotfix_hooks.rule import CATEGORIES
from hotfix_hooks.rule import Rule

# (the rules of a concern, the file they are declared in); a new concern adds one line
CATALOGUES: tuple[tuple[Callable[[], dict[str, Rule]], str], ...] = (
    (lambda: naming.RULES, 'hooks/hotfix_hooks/checks/naming_catalog.py'),
    (lambda: scope.RULES, 'hooks/hotfix_hooks/checks/scope_catalog.py'),
    (lambda: {**contract.RULES, **contract.composed_rules()},
     'hooks/hotfix_hooks/checks/contract_catalog.py'),
    (lambda: actions.RULES, 'hooks/hotfix_hooks/actions/catalog.py'),
    (lambda: migrations.RULES, 'hooks/hotfix_hooks/migrations/catalog.py'),
    (lambda: record.RULES, 'hooks/hotfix_hooks/record/catalog.py'),
    (lambda: gates.RULES, 'hooks/hotfix_hooks/gates/catalog.py'),
    (lambda: policy.RULES, 'hooks/hotfix_hooks/policy/catalog.py'),
)

# category -> the file its rules are declared in (the contract catalogue also declares one
# scope rule, api-operation-added-in-hotfix, beside the contract rules it replaces)
HOME: dict[str, str] = {
    'naming': CATALOGUES[0][1], 'scope': CATALOGUES[1][1], 'contract': CATALOGUES[2][1],
    'actions': CATALOGUES[3][1], 'migrations': CATALOGUES[4][1], 'record': CATALOGUES[5][1],
    'gate': CATALOGUES[6][1], 'policy': CATALOGUES[7][1],
}


@functools.cache
def rules() -> dict[str, Rule]:
    """Every rule by id, in the order of CATEGORIES, then as declared."""
    found: list[Rule] = []
    for collect, _where in CATALOGUES:
        found.extend(collect().values())
    order = {c: i for i, c in enumerate(CATEGORIES)}
    found.sort(key=lambda r: order.get(r.category, len(order)))     # stable: declared order
    return {r.id: r for r in found}


@functools.cache
def known_ids() -> frozenset[str]:
    """Every rule id, without building the composed contract rules (the policy checks the
    ids it names on every commit)."""
    ids: set[str] = set(contract.composed_ids())
    for collect, where in CATALOGUES:
        if where != HOME['contract']:
            ids.update(collect())
    ids.update(contract.RULES)
    return frozenset(ids)


def get(rule_id: str) -> Rule | None:
    return rules().get(rule_id)


def by_category(category: str | None = None) -> list[Rule]:
    return [r for r in rules().values() if category is None or r.category == category]


def nearest(rule_id: str, among: Iterable[str] | None = None, n: int = 3) -> list[str]:
    """The known ids closest to ``rule_id`` (a typo, a wrong prefix)."""
    import difflib

    pool = sorted(known_ids()) if among is None else list(among)
    close = difflib.get_close_matches(rule_id, pool, n=n, cutoff=0.6)
    if close:
        return close
    # no close spelling: ids sharing the first word (migration-..., record-...)
    head = rule_id.split('-', 1)[0]
    return [r for r in pool if r.split('-', 1)[0] == head][:n]


def did_you_mean(rule_id: str, among: Iterable[str] | None = None) -> str:
    """``; did you mean a, b or c?`` (or how to list the ids)."""
    near = nearest(rule_id, among)
    if not near:
        return '; "hotfix-hooks rules" lists the known rule ids'
    if len(near) == 1:
        return f'; did you mean {near[0]}?'
    return f'; did you mean {", ".join(near[:-1])} or {near[-1]}?'


def unknown(ids: Iterable[str], among: Iterable[str] | None = None) -> list[str]:
    """The ids of ``ids`` that are not in the catalogue (or not in ``among``)."""
    known = known_ids() if among is None else set(among)
    return [i for i in ids if i not in known]


def ids_module() -> str:
    """The source of ``hotfix_hooks/rule_ids.py``: every known id as one literal, so checking
    the ids a policy or a waiver names loads no catalogue (``tests/test_docs.py`` keeps it
    equal to the catalogue). Regenerate with ``python -m hotfix_hooks.catalog >
    hooks/hotfix_hooks/rule_ids.py``."""
    lines = ['"""Every rule id of the catalogue, generated by ``python -m hotfix_hooks.catalog >',
             'hooks/hotfix_hooks/rule_ids.py`` (do not edit; ``tests/test_docs.py`` checks it is',
             'current). The policy and the waivers check the ids they name against it; the',
             'catalogue itself is imported only to suggest the nearest ids of an unknown one."""',
             '', 'IDS: frozenset[str] = frozenset({']
    lines += [f'    {i!r},' for i in sorted(known_ids())]
    lines += ['})', '']
    return '\n'.join(lines)


if __name__ == '__main__':
    print(ids_module(), end='')
