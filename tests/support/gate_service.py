"""A consumer repository for the gate tests: a policy with two gates and four domains,
and gate scripts that append their name to ``$GATE_MARKS``."""
from __future__ import annotations

PYPROJECT = '''[tool.hotfix-hooks]
base = "main"

[[tool.hotfix-hooks.gates]]
name = "smoke"
command = ["python", "scripts/smoke.py"]

[[tool.hotfix-hooks.gates]]
name = "integrity"
command = "python scripts/post_go_live_integrity_check.py --strict"
env = { INTEGRITY_MODE = "strict" }

[tool.hotfix-hooks.domains.pos]
command = ["python", "scripts/regress.py", "pos"]
[tool.hotfix-hooks.domains.transfers]
command = ["python", "scripts/regress.py", "transfers"]
[tool.hotfix-hooks.domains.stock]
command = ["python", "scripts/regress.py", "stock"]
[tool.hotfix-hooks.domains.rbac]
command = ["python", "scripts/regress.py", "rbac"]
'''
# every gate script appends its name to $GATE_MARKS; smoke fails when app/state.txt
# says "broken" and hangs when it says "hang"
MARK = ('import os, sys\n'
        'def mark(name):\n'
        '    with open(os.environ["GATE_MARKS"], "a") as f:\n'
        '        f.write(name + "\\n")\n')
SMOKE = MARK + '''mark("smoke")
state = open("app/state.txt").read().strip()
print("smoke: state is", state)
if state == "hang":
    import time
    open(os.environ["GATE_MARKS"] + ".pid", "w").write(str(os.getpid()))
    time.sleep(120)
if state == "broken":
    print("AssertionError: stock totals drifted", file=sys.stderr)
    sys.exit(1)
'''
INTEGRITY = MARK + 'assert os.environ["INTEGRITY_MODE"] == "strict"\nmark("integrity")\n'
REGRESS = MARK + 'mark("domain:" + sys.argv[1])\n'
ROLLBACK = MARK + 'mark("rollback " + " ".join(sys.argv[1:]))\n'
BASE_FILES = {
    'pyproject.toml': PYPROJECT,
    '.gitignore': '__pycache__/\n',
    'scripts/smoke.py': SMOKE,
    'scripts/post_go_live_integrity_check.py': INTEGRITY,
    'scripts/regress.py': REGRESS,
    'scripts/rollback.py': ROLLBACK,
    'app/state.txt': 'ok\n',
    'app/config.py': 'X = 1\n',
    'app/pos/checkout.py': 'total = 1\n',
    'app/stock/totals.py': 'drift = 0\n',
    'README.md': 'consumer\n',
}
