from __future__ import annotations

from hotfix_hooks.cli import main

if __name__ == '__main__':
    raise SystemExit(main())
