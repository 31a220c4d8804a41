"""OpenAPI comparison engine: load (``loader``), normalise schemas (``schema``), read
operations (``model``) and compare them direction-aware, grouped by root cause (``diff``).

Pure: no git, no network; ``$ref``s are local only (external refs are not followed).
"""
from __future__ import annotations

from hotfix_hooks.openapi.diff import diff_specs
from hotfix_hooks.openapi.loader import is_contract
from hotfix_hooks.openapi.loader import parse
from hotfix_hooks.openapi.loader import Spec
from hotfix_hooks.openapi.loader import SpecError

__all__ = ['diff_specs', 'is_contract', 'parse', 'Spec', 'SpecError']
