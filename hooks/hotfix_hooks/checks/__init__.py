"""The checks: one module per concern (naming, scope, contract, actions, migrations,
record), each a pure function of the change set and the policy

    check(changes: ChangeSet, policy: Policy, run: RunInfo) -> list[Finding]

over the engine it drives (``openapi/``, ``actions/``, ``migrations/``, ``record/``).
``registry.py`` names the diff checks ``scan --only NAME`` runs. This package imports
nothing itself: the branch hook reaches ``naming`` without paying for the others.
"""
