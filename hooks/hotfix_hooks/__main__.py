from __future__ import annotations

from hotfix_hooks.cli import entry

if __name__ == '__main__':
    entry()
