"""OpenAPI comparison engine: load (``loader``), normalise schemas (``schema``), read
operations (``model``) and compare them direction-aware, grouped by root cause (``diff``).

Pure: no git, no network; ``$ref``s are local only (external refs are not followed).

The names below are imported on first use (``from hotfix_hooks.openapi import diff_specs``
works as before): importing a submodule (the route-code contract read from the analysis
cache, ``codeside``) does not load the comparison engine.
"""
from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time
if TYPE_CHECKING:
    from typing import Any

    from hotfix_hooks.openapi.diff import diff_specs
    from hotfix_hooks.openapi.loader import is_contract
    from hotfix_hooks.openapi.loader import parse
    from hotfix_hooks.openapi.loader import Spec
    from hotfix_hooks.openapi.loader import SpecError

__all__ = ['diff_specs', 'is_contract', 'parse', 'Spec', 'SpecError']


def __getattr__(name: str) -> Any:
    if name == 'diff_specs':
        from hotfix_hooks.openapi import diff

        return diff.diff_specs
    if name in ('is_contract', 'parse', 'Spec', 'SpecError'):
        from hotfix_hooks.openapi import loader

        return getattr(loader, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
