"""hotfix-hooks: git hooks that make post-go-live hotfixes safe."""
from __future__ import annotations

__version__ = '0.1.0'
