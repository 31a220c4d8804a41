"""Benchmark: the commit-stage scan on a generated FastAPI service, as git runs the hook.

The service: 100 router modules (one of ~2,500 lines, the others ~150), Pydantic models in
one schema module per router built on shared models every router imports, an ``/actions``
router with an idempotency dependency and an idempotency middleware, services, Alembic
migrations, tests and docs (``--files``: 1,000 files in all). Each case stages a change on a
hotfix branch and times whole processes (``python -m hotfix_hooks ...`` with this checkout
on PYTHONPATH) in that repository, interleaved, against ``scan --only scope`` (the spine:
context, change set, report, one trivial check) measured in the same rounds:

* ``handler``: one handler of the 2,500-line router edited;
* ``model``: a field added to a shared model that every router imports;
* ``quiet``: docs, a test and a script edited: no Python route, model or migration.

The umbrella scan (``scan --with-naming``, the ``hotfix`` hook's command) runs with a cold
analysis cache (the cache directory removed before each run, untimed) and a warm one.

    python bench/bench_commit_scan.py [--runs 15] [--cases handler,model,quiet]
    python bench/bench_commit_scan.py --count-git      # git processes per scan, untimed
    python bench/bench_commit_scan.py --importtime     # modules imported per command
    python bench/bench_commit_scan.py --code main=/tmp/main/hooks --code new=hooks
                                      # two checkouts' code, interleaved in the same rounds

Prints medians (ms) and ratios to ``scan --only scope``. Targets (issue 16): umbrella,
warm cache <= 2.0x the spine on ``handler``; ``quiet`` <= 1.5x. Exit 0 always (the numbers
are the output).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BRANCH = 'hotfix/ARIS-16-fix-order-totals'

# -- the generated service -----------------------------------------------------------------

COMMON = '''\
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Generic, Optional

from pydantic import BaseModel, Field


class Currency(str, Enum):
    EUR = "EUR"
    USD = "USD"
    GBP = "GBP"


class Money(BaseModel):
    amount: Decimal = Field(..., ge=0)
    currency: Currency = Currency.EUR


class AuditInfo(BaseModel):
    created_at: datetime
    created_by: str = Field(..., max_length=120)
    updated_at: Optional[datetime] = None


class Page(BaseModel):
    total: int
    next_cursor: Optional[str] = None


class ErrorOut(BaseModel):
    detail: str
    code: Optional[str] = None
'''

SCHEMA = '''\
from datetime import datetime
from enum import Enum
from typing import List, Optional

from pydantic import BaseModel, Field

from app.models.common import AuditInfo, Money, Page


class Item{n}Status(str, Enum):
    draft = "draft"
    active = "active"
    archived = "archived"


class Item{n}Line(BaseModel):
    sku: str = Field(..., max_length=64)
    qty: int = Field(..., ge=1)
    note: Optional[str] = None


class Item{n}(BaseModel):
    id: int
    code: str = Field(..., max_length=32)
    name: str = Field(..., max_length=120)
    status: Item{n}Status
    price: Money
    lines: List[Item{n}Line] = []
    audit: AuditInfo
    tags: List[str] = []


class Item{n}Create(BaseModel):
    code: str = Field(..., max_length=32)
    name: str = Field(..., max_length=120)
    price: Money
    lines: List[Item{n}Line] = []


class Item{n}Update(BaseModel):
    name: Optional[str] = Field(None, max_length=120)
    price: Optional[Money] = None
    tags: Optional[List[str]] = None


class Item{n}Page(Page):
    items: List[Item{n}]
'''

ROUTER_HEAD = '''\
from typing import Optional

from fastapi import APIRouter, Depends, Header, HTTPException, Query

from app.deps import get_db, require_idempotency_key
from app.models.common import ErrorOut
from app.schemas.s{n} import Item{n}, Item{n}Create, Item{n}Page, Item{n}Update
from app.services import s{n} as svc

router = APIRouter(prefix="/r{n}", tags=["r{n}"])


def _load(db, item_id: int):
    item = svc.get(db, item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="not found")
    return item
'''

ROUTER_BLOCK = '''

@router.get("/kind{i}", response_model=Item{n}Page)
def list_kind{i}(limit: int = Query(50, ge=1, le=500), cursor: Optional[str] = None,
                 db=Depends(get_db)):
    rows = svc.list_rows(db, "kind{i}", limit, cursor)
    return {{"items": rows, "total": len(rows), "next_cursor": None}}


@router.get("/kind{i}/{{item_id}}", response_model=Item{n},
            responses={{404: {{"model": ErrorOut}}}})
def get_kind{i}(item_id: int, db=Depends(get_db)):
    return _load(db, item_id)


@router.post("/kind{i}", response_model=Item{n}, status_code=201)
def create_kind{i}(body: Item{n}Create, db=Depends(get_db),
                   x_request_id: Optional[str] = Header(None)):
    item = svc.create(db, "kind{i}", body)
    return item


@router.patch("/kind{i}/{{item_id}}", response_model=Item{n})
def update_kind{i}(item_id: int, body: Item{n}Update, db=Depends(get_db)):
    item = _load(db, item_id)
    item.name = body.name or item.name
    svc.save(db, item)
    return item
'''

SERVICE = '''\
def get(db, item_id):
    return db.get(item_id)


def list_rows(db, kind, limit, cursor):
    rows = db.query(kind).limit(limit)
    if cursor:
        rows = rows.after(cursor)
    return list(rows)


def create(db, kind, body):
    item = db.add(kind, body)
    db.commit()
    return item


def save(db, item):
    db.add(item)
    db.commit()


def totals(rows):
    return sum(r.qty * r.price for r in rows)
'''

DEPS = '''\
from typing import Optional

from fastapi import Header, HTTPException


def get_db():
    yield None


def require_idempotency_key(idempotency_key: Optional[str] = Header(None,
                                                                     alias="Idempotency-Key")):
    if not idempotency_key:
        raise HTTPException(status_code=400, detail="Idempotency-Key required")
    return idempotency_key
'''

MIDDLEWARE = '''\
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import JSONResponse

HEADER = "Idempotency-Key"
GUARDED_METHODS = ("POST", "PUT", "PATCH")
GUARDED_PREFIXES = ("/actions", "/orders")


class IdempotencyMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        if request.method in GUARDED_METHODS and request.url.path.startswith(GUARDED_PREFIXES):
            if not request.headers.get(HEADER):
                return JSONResponse({"detail": "Idempotency-Key required"}, status_code=400)
        return await call_next(request)
'''

ACTIONS = '''\
from fastapi import APIRouter, Depends

from app.deps import get_db, require_idempotency_key
from app.services import s00 as svc

router = APIRouter(prefix="/orders", tags=["actions"])


@router.post("/{order_id}/actions", dependencies=[Depends(require_idempotency_key)])
def order_action(order_id: int, body: dict, db=Depends(get_db)):
    order = svc.get(db, order_id)
    if body["action"] == "cancel":
        order.status = "cancelled"
    svc.save(db, order)
    return {"id": order_id, "status": order.status}
'''

MIGRATION = '''\
"""add t{i}

Revision ID: {rev}
Revises: {down}
"""
from alembic import op
import sqlalchemy as sa

revision = "{rev}"
down_revision = {down_repr}
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "t{i}",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("t{i}")
'''

TEST = '''\
from app.services import s{m} as svc


def test_totals_{n}():
    assert svc.totals([]) == 0


def test_list_{n}(client):
    res = client.get("/r{m}/kind0")
    assert res.status_code == 200
'''

SCRIPT = '''\
import csv
import sys


def main(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    print(len(rows))


if __name__ == "__main__":
    main(sys.argv[1])
'''


def router_module(n: int, lines: int) -> str:
    out = ROUTER_HEAD.format(n=n)
    i = 0
    while out.count('\n') < lines - 30:
        out += ROUTER_BLOCK.format(n=n, i=i)
        i += 1
    # its schema and service modules are s00 ... s99
    return out.replace(f'app.schemas.s{n} ', f'app.schemas.s{n:02d} ').replace(
        f'app.services import s{n} ', f'app.services import s{n:02d} ')


def service_files(routers: int, big_lines: int, small_lines: int, files: int
                  ) -> dict[str, str]:
    out = {'app/__init__.py': '', 'app/models/__init__.py': '',
           'app/models/common.py': COMMON, 'app/schemas/__init__.py': '',
           'app/services/__init__.py': '', 'app/routers/__init__.py': '',
           'app/deps.py': DEPS, 'app/middleware.py': MIDDLEWARE,
           'app/routers/actions.py': ACTIONS,
           'pyproject.toml': '[project]\nname = "svc"\nversion = "1.0.0"\n',
           'README.md': '# svc\n\nThe service.\n'}
    main = ['from fastapi import FastAPI', '', 'from app.middleware import IdempotencyMiddleware',
            'from app.routers import actions']
    mounts = []
    for n in range(routers):
        out[f'app/routers/r{n:02d}.py'] = router_module(n, big_lines if n == 0 else small_lines)
        out[f'app/schemas/s{n:02d}.py'] = SCHEMA.format(n=n)
        out[f'app/services/s{n:02d}.py'] = SERVICE
        main.append(f'from app.routers import r{n:02d}')
        mounts.append(f'app.include_router(r{n:02d}.router, prefix="/api/v1")')
    main += ['', 'app = FastAPI()', 'app.add_middleware(IdempotencyMiddleware)',
             'app.include_router(actions.router, prefix="/api/v1")', *mounts, '']
    out['app/main.py'] = '\n'.join(main)
    down = None
    for i in range(40):
        rev = f'{i:04d}abcd{i:04d}'
        out[f'migrations/versions/{rev}_add_t{i}.py'] = MIGRATION.format(
            i=i, rev=rev, down=down or '', down_repr=repr(down))
        down = rev
    i = 0
    while len(out) < files:
        kind = i % 3
        if kind == 0:
            out[f'tests/test_s{i:03d}.py'] = TEST.format(n=i, m=f'{i % routers:02d}')
        elif kind == 1:
            out[f'docs/page{i:03d}.md'] = f'# Page {i}\n\n' + 'Some text.\n' * 20
        else:
            out[f'scripts/tool{i:03d}.py'] = SCRIPT
        i += 1
    return out


def change(case: str, files: dict[str, str]) -> dict[str, str]:
    """The staged edit of each case (path -> new text)."""
    if case == 'handler':
        old = files['app/routers/r00.py']
        return {'app/routers/r00.py': old.replace(
            'item = svc.create(db, "kind7", body)\n    return item',
            'item = svc.create(db, "kind7", body)\n    item.name = item.name.strip()\n'
            '    return item', 1)}
    if case == 'model':
        return {'app/models/common.py': files['app/models/common.py'].replace(
            '    updated_at: Optional[datetime] = None\n',
            '    updated_at: Optional[datetime] = None\n    reason: Optional[str] = None\n')}
    if case == 'quiet':
        test = next(p for p in files if p.startswith('tests/'))
        script = next(p for p in files if p.startswith('scripts/'))
        doc = next(p for p in files if p.startswith('docs/'))
        return {test: files[test] + '\n\ndef test_more():\n    assert True\n',
                script: files[script].replace('print(len(rows))', 'print(len(rows), "rows")'),
                doc: files[doc] + 'One more line.\n'}
    raise SystemExit(f'unknown case {case}')


# -- running -------------------------------------------------------------------------------

def git(cwd: str, env: dict[str, str], *args: str) -> str:
    return subprocess.run(['git', *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def write(root: str, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = Path(root, rel)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def make_repo(tmp: str, env: dict[str, str], files: dict[str, str], case: str) -> str:
    repo = os.path.join(tmp, case)
    os.makedirs(repo)
    git(repo, env, 'init', '-q', '-b', 'main')
    write(repo, files)
    git(repo, env, 'add', '-A')
    git(repo, env, 'commit', '-q', '-m', 'base')
    git(repo, env, 'checkout', '-q', '-b', BRANCH)
    write(repo, change(case, files))
    git(repo, env, 'add', '-A')
    return repo


def cache_dir(repo: str) -> str:
    return os.path.join(repo, '.git', 'hotfix-hooks', 'cache')


def run_once(argv: list[str], cwd: str, env: dict[str, str]) -> tuple[float, int, str]:
    t = time.perf_counter()
    res = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    return (time.perf_counter() - t) * 1000, res.returncode, res.stdout + res.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=15)
    parser.add_argument('--cases', default='handler,model,quiet')
    parser.add_argument('--routers', type=int, default=100)
    parser.add_argument('--big-lines', type=int, default=2500)
    parser.add_argument('--small-lines', type=int, default=150)
    parser.add_argument('--files', type=int, default=1000)
    parser.add_argument('--count-git', action='store_true',
                        help='count the git processes of each command (untimed)')
    parser.add_argument('--importtime', action='store_true',
                        help='the modules each command imports (python -X importtime)')
    parser.add_argument('--code', action='append', default=[], metavar='LABEL=HOOKS_DIR',
                        help='run the commands with this source root on PYTHONPATH (repeat '
                             'to compare checkouts, interleaved; default: this checkout)')
    args = parser.parse_args()
    codes = {'': str(ROOT / 'hooks')}
    if args.code:
        codes = {}
        for spec in args.code:
            label, sep, where = spec.partition('=')
            if not sep or not label or not os.path.isdir(os.path.join(where, 'hotfix_hooks')):
                parser.error(f'--code {spec}: expected LABEL=DIR with DIR/hotfix_hooks')
            codes[label] = os.path.abspath(where)
    cases = [c for c in args.cases.split(',') if c]
    files = service_files(args.routers, args.big_lines, args.small_lines, args.files)
    py_lines = sum(t.count('\n') for p, t in files.items() if p.endswith('.py'))
    tmp = tempfile.mkdtemp(prefix='bench-commit-scan-')
    env = dict(os.environ, GIT_AUTHOR_NAME='b', GIT_AUTHOR_EMAIL='b@x',
               GIT_COMMITTER_NAME='b', GIT_COMMITTER_EMAIL='b@x',
               PYTHONPATH=str(ROOT / 'hooks'), GIT_CONFIG_NOSYSTEM='1')
    env.pop('HOTFIX_HOOKS_CACHE', None)
    env.pop('PYTHONDONTWRITEBYTECODE', None)     # users' installs keep byte-code
    try:
        repos = {c: make_repo(tmp, env, files, c) for c in cases}
        print(f'service: {len(files)} files, {sum(p.endswith(".py") for p in files)} Python '
              f'({py_lines:,} lines), {args.routers} routers (r00: {args.big_lines} lines)')
        hh = [sys.executable, '-m', 'hotfix_hooks']
        commands = {
            'scan --only scope': [*hh, 'scan', '--only', 'scope', '--stage', 'pre-commit'],
            'umbrella, cold cache': [*hh, 'scan', '--with-naming', '--stage', 'pre-commit'],
            'umbrella, warm cache': [*hh, 'scan', '--with-naming', '--stage', 'pre-commit'],
        }
        if args.count_git:
            return count_git(repos, commands, env, tmp)
        if args.importtime:
            return importtime(repos, commands, env)
        for label, where in codes.items():
            cenv = dict(env, PYTHONPATH=where)
            for case, repo in repos.items():
                for name, argv in commands.items():
                    _ms, code, out = run_once(argv, repo, cenv)
                    if code not in (0, 1):
                        raise SystemExit(f'{case}: {name} failed ({code}): {out}')
                _ms, code, out = run_once(commands['umbrella, warm cache'], repo, cenv)
                tag = f'{case}[{label}]' if label else case
                print(f'  {tag}: umbrella exit {code}; {out.strip().splitlines()[-1][:110]!r}'
                      if out.strip() else f'  {tag}: umbrella exit {code}')
        samples: dict[tuple[str, str, str], list[float]] = {
            (c, label, n): [] for c in cases for label in codes for n in commands}
        for _ in range(args.runs):
            for case, repo in repos.items():
                for label, where in codes.items():
                    cenv = dict(env, PYTHONPATH=where)
                    for name, argv in commands.items():
                        if name.endswith('cold cache'):
                            shutil.rmtree(cache_dir(repo), ignore_errors=True)
                        ms, _code, _out = run_once(argv, repo, cenv)
                        samples[(case, label, name)].append(ms)
        print(f'\nmedians of {args.runs} interleaved runs (ms)')
        print(f'{"case":<14} {"scan --only scope":>18} {"umbrella cold":>14} '
              f'{"umbrella warm":>14} {"cold/spine":>11} {"warm/spine":>11}')
        for case in cases:
            for label in codes:
                med = {n: statistics.median(samples[(case, label, n)]) for n in commands}
                spine = med['scan --only scope']
                cold, warm = med['umbrella, cold cache'], med['umbrella, warm cache']
                tag = f'{case}[{label}]' if label else case
                print(f'{tag:<14} {spine:>18.1f} {cold:>14.1f} {warm:>14.1f} '
                      f'{cold / spine:>10.2f}x {warm / spine:>10.2f}x')
        print('\ntargets: handler warm <= 2.0x; quiet <= 1.5x (issue 16)')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


GIT_WRAPPER = '''#!/bin/sh
echo "$*" >> "{log}"
exec "{git}" "$@"
'''


def count_git(repos: dict[str, str], commands: dict[str, list[str]], env: dict[str, str],
              tmp: str) -> int:
    real = shutil.which('git')
    assert real is not None
    bindir = os.path.join(tmp, 'bin')
    os.makedirs(bindir)
    log = os.path.join(tmp, 'git.log')
    wrapper = os.path.join(bindir, 'git')
    Path(wrapper).write_text(GIT_WRAPPER.format(log=log, git=real))
    os.chmod(wrapper, 0o755)
    wenv = dict(env, PATH=bindir + os.pathsep + env.get('PATH', ''))
    for case, repo in repos.items():
        for name in ('scan --only scope', 'umbrella, cold cache'):
            shutil.rmtree(cache_dir(repo), ignore_errors=True)
            Path(log).write_text('')
            run_once(commands[name], repo, wenv)
            calls = [c for c in Path(log).read_text().splitlines() if c]
            subs = [' '.join(a for a in c.split() if not a.startswith('core.')
                             and a != '-c')[:60] for c in calls]
            print(f'{case:<8} {name:<22} {len(calls):>3} git processes: {"; ".join(subs)}')
    return 0


def importtime(repos: dict[str, str], commands: dict[str, list[str]], env: dict[str, str]
               ) -> int:
    repo = next(iter(repos.values()))
    for name in ('scan --only scope', 'umbrella, warm cache'):
        argv = [commands[name][0], '-X', 'importtime', *commands[name][1:]]
        res = subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True)
        mods = [line.split('|')[2].strip() for line in res.stderr.splitlines()
                if line.startswith('import time:') and 'cumulative' not in line]
        total = sum(int(line.split('|')[0].split(':')[1]) for line in res.stderr.splitlines()
                    if line.startswith('import time:') and 'cumulative' not in line)
        ours = sorted(m for m in mods if m.startswith('hotfix_hooks'))
        heavy = [m for m in mods if m.split('.')[0] in ('git', 'gitdb', 'yaml', 'pglast',
                                                        'sqlglot', 'unidiff', 'json',
                                                        'dataclasses', 'subprocess')]
        print(f'{name}: {len(mods)} modules, {total / 1000:.1f} ms self time; '
              f'ours: {", ".join(m.removeprefix("hotfix_hooks.") for m in ours)}')
        print(f'  third-party/heavy: {", ".join(sorted(set(heavy)))}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
