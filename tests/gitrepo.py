"""Kept only for tests/test_docs.py, which is being edited elsewhere and still imports
``ROOT`` from here; the helpers live in tests/support/gitrepo.py. Remove this module once
test_docs.py imports ``from tests.support.gitrepo import ROOT``."""
from __future__ import annotations

from tests.support.gitrepo import ROOT

__all__ = ['ROOT']
