"""The house rules of ARCHITECTURE.md, checked on the source: data flows one way, no module
imports one above it, no import cycles (lazy and TYPE_CHECKING imports included), lazy
imports of our own modules only where the speed of a hook needs them."""
from __future__ import annotations

import ast
from pathlib import Path

from tests.support.gitrepo import SRC

PACKAGE = SRC / 'hotfix_hooks'

# Lowest first. A module belongs to the longest prefix listed; it may import modules of its
# own layer or of a lower one, never of a higher one.
LAYERS: list[tuple[str, ...]] = [
    ('hotfix_hooks', 'hotfix_hooks.errors', 'hotfix_hooks.tomlio', 'hotfix_hooks.pyast',
     'hotfix_hooks.fastclass', 'hotfix_hooks.digests',
     'hotfix_hooks.cache'),
    ('hotfix_hooks.git.plumbing', 'hotfix_hooks.git.ci_env', 'hotfix_hooks.git.invocation'),
    ('hotfix_hooks.rule', 'hotfix_hooks.rule_ids', 'hotfix_hooks.catalog',
     'hotfix_hooks.checks.naming_catalog', 'hotfix_hooks.checks.scope_catalog',
     'hotfix_hooks.checks.contract_catalog',
     'hotfix_hooks.actions.catalog', 'hotfix_hooks.migrations.catalog',
     'hotfix_hooks.record.catalog', 'hotfix_hooks.gates.catalog',
     'hotfix_hooks.policy.catalog'),   # the rule catalogue
    ('hotfix_hooks.policy', 'hotfix_hooks.findings'),
    ('hotfix_hooks.changeset',),
    ('hotfix_hooks.git',),                       # context, change set from git
    ('hotfix_hooks.openapi', 'hotfix_hooks.actions', 'hotfix_hooks.migrations',
     'hotfix_hooks.record'),                     # engines
    ('hotfix_hooks.checks',),
    ('hotfix_hooks.report',),
    ('hotfix_hooks.gates', 'hotfix_hooks.pipeline', 'hotfix_hooks.init'),
    ('hotfix_hooks.commands', 'hotfix_hooks.demo'),
    ('hotfix_hooks.cli', 'hotfix_hooks.__main__'),
]

# (importer, imported) pairs that may import inside a function, and why. Everything else
# imports our own modules at the top.
LAZY_ALLOWED: dict[tuple[str, str], str] = {
    ('hotfix_hooks.checks.naming', 'hotfix_hooks.findings'):
        'the branch hook: findings (dataclasses) only when a rule fails',
    ('hotfix_hooks.commands.common', 'hotfix_hooks.findings'):
        'the branch hook: findings only when there is something to report',
    ('hotfix_hooks.commands.common', 'hotfix_hooks.report'):
        'the branch hook: a reporter only when there is something to report',
    ('hotfix_hooks.commands.common', 'hotfix_hooks.policy'):
        'openapi-diff: the policy package (30-40 ms) only for commands that load a policy',
    ('hotfix_hooks.policy.schema', 'hotfix_hooks.catalog'):
        'the branch hook: the rule catalogue only to suggest the nearest ids of an unknown one',
    ('hotfix_hooks.record.waivers', 'hotfix_hooks.catalog'):
        'the commit-stage scan: the rule catalogue only when a waiver names an unknown rule',
    ('hotfix_hooks.checks.migrations_judge', 'hotfix_hooks.catalog'):
        'the commit-stage scan: the rule catalogue only for a misspelt suppression',
    ('hotfix_hooks.checks.migrations', 'hotfix_hooks.checks.migrations_judge'):
        'the migration engine only when a changed file can be a migration',
    ('hotfix_hooks.migrations.discover', 'hotfix_hooks.migrations.pyfront'):
        'the migration front ends only when a file is parsed (not when its analysis is cached)',
    ('hotfix_hooks.migrations.discover', 'hotfix_hooks.migrations.django'):
        'the migration front ends only when a file is parsed (not when its analysis is cached)',
    ('hotfix_hooks.migrations.discover', 'hotfix_hooks.migrations.values'):
        'the migration front ends only when a file is parsed (not when its analysis is cached)',
    ('hotfix_hooks.migrations.discover', 'hotfix_hooks.migrations.sql'):
        'the migration front ends only when a file is parsed (not when its analysis is cached)',
    ('hotfix_hooks.migrations.history', 'hotfix_hooks.migrations.sql'):
        'the SQL front end only when a shipped SQL migration was edited',
    ('hotfix_hooks.migrations.history', 'hotfix_hooks.migrations.effects'):
        'the data-step effects only when a shipped Alembic data step was edited',
    ('hotfix_hooks.git.invocation', 'hotfix_hooks.git.ci_env'):
        'the branch hook: CI adapters only on a detached HEAD',
    ('hotfix_hooks.checks.contract', 'hotfix_hooks.openapi.guard'):
        'the contract engine only when a spec file or the route code can change',
    ('hotfix_hooks.openapi', 'hotfix_hooks.openapi.diff'):
        'the package\'s names on first use: a warm route-code contract loads no comparison',
    ('hotfix_hooks.openapi', 'hotfix_hooks.openapi.loader'):
        'the package\'s names on first use: a warm route-code contract loads no spec loader',
    ('hotfix_hooks.openapi.codeside', 'hotfix_hooks.openapi.fromcode'):
        'the route-code contract builder only when a side is not in the analysis cache',
    ('hotfix_hooks.openapi.codeside', 'hotfix_hooks.openapi.diff'):
        'the OpenAPI comparison only when the two sides\' comparison is not in the cache',
    ('hotfix_hooks.openapi.codeside', 'hotfix_hooks.pyast'):
        'the Python version hints only when a module with routes does not parse',
    ('hotfix_hooks.openapi.codecontract', 'hotfix_hooks.openapi.schema'):
        'the schema module only to count coverage of a contract just built',
    ('hotfix_hooks.openapi.guard', 'hotfix_hooks.openapi.loader'):
        'the spec loader only when a spec file changed (route code alone: not loaded)',
    ('hotfix_hooks.openapi.guard', 'hotfix_hooks.openapi.diff'):
        'the OpenAPI comparison only when a spec file changed',
    ('hotfix_hooks.openapi.guard', 'hotfix_hooks.openapi.model'):
        'operations and path normalisation only when a spec changed or endpoints are frozen',
    ('hotfix_hooks.openapi.guard', 'hotfix_hooks.openapi.standing'):
        'what the base\'s route code already served, only when a spec file changed',
    ('hotfix_hooks.openapi.guard', 'hotfix_hooks.openapi.schema'):
        'the schema module only when a deleted spec is checked against the remaining ones',
    ('hotfix_hooks.checks.actions', 'hotfix_hooks.actions.guard'):
        'the /actions engine only when a route, a module routes import or a middleware changed',
    ('hotfix_hooks.cli', 'hotfix_hooks.report.json'):
        'the JSON reporter only for an error under --format json',
    ('hotfix_hooks.report', 'hotfix_hooks.report.github'): 'only the chosen format loads',
    ('hotfix_hooks.report', 'hotfix_hooks.report.json'): 'only the chosen format loads',
    ('hotfix_hooks.report', 'hotfix_hooks.report.text'): 'only the chosen format loads',
    ('hotfix_hooks.report', 'hotfix_hooks.report.sarif'): 'only the chosen format loads',
    ('hotfix_hooks.report', 'hotfix_hooks.report.gitlab'): 'only the chosen format loads',
    ('hotfix_hooks.report', 'hotfix_hooks.report.junit'): 'only the chosen format loads',
    ('hotfix_hooks.report', 'hotfix_hooks.report.markdown'): 'only the chosen format loads',
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob('*.py'):
        rel = path.relative_to(SRC).with_suffix('')
        name = '.'.join(rel.parts)
        out[name.removesuffix('.__init__')] = path
    return out


MODULES = _modules()


def _resolve(name: str) -> str:
    while name and name not in MODULES:
        name = name.rpartition('.')[0]
    return name


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(imported module, inside a function) for every import of our package."""
    tree = ast.parse(path.read_text())
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.ImportFrom) and child.module and \
                    child.module.split('.')[0] == 'hotfix_hooks':
                for alias in child.names:
                    found.append((_resolve(f'{child.module}.{alias.name}'), inner))
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split('.')[0] == 'hotfix_hooks':
                        found.append((_resolve(alias.name), inner))
            visit(child, inner)

    visit(tree, False)
    return found


def _layer(module: str) -> int:
    best, rank = -1, -1
    for i, prefixes in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + '.')) and len(p) > best:
                best, rank = len(p), i
    assert rank >= 0, f'{module} is in no layer of tests/test_architecture.py'
    return rank


GRAPH = {m: _imports(p) for m, p in MODULES.items()}


def test_no_module_imports_one_above_it() -> None:
    bad = [f'{m} (layer {_layer(m)}) imports {t} (layer {_layer(t)})'
           for m, imports in GRAPH.items() for t, _lazy in imports
           if t != m and _layer(t) > _layer(m)]
    assert not bad, '\n'.join(bad)


def test_no_import_cycles() -> None:
    edges = {m: {t for t, _ in imports if t != m} for m, imports in GRAPH.items()}
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def walk(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(edges.get(m, ())):
            if state.get(t) == 1:
                cycles.append(stack[stack.index(t):] + [t])
            elif t not in state:
                walk(t)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            walk(m)
    assert not cycles, '\n'.join(' -> '.join(c) for c in cycles)


def test_lazy_imports_of_our_modules_only_where_speed_needs_them() -> None:
    lazy = {(m, t) for m, imports in GRAPH.items() for t, in_fn in imports
            if in_fn and t != m}
    unexpected = sorted(lazy - set(LAZY_ALLOWED))
    assert not unexpected, ('import these at the top of the module (or say in LAZY_ALLOWED '
                            f'why the hook needs them lazy): {unexpected}')
    stale = sorted(set(LAZY_ALLOWED) - lazy)
    assert not stale, f'LAZY_ALLOWED names imports that are no longer lazy: {stale}'


def test_every_command_is_a_module_with_main() -> None:
    from hotfix_hooks.cli import command_module
    from hotfix_hooks.cli import COMMANDS

    for name in COMMANDS:
        module = command_module(name)
        assert module in MODULES, f'command {name}: no module {module}'
        tree = ast.parse(MODULES[module].read_text())
        mains = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == 'main']
        assert mains, f'{module} has no main(argv)'
        args = mains[0].args
        assert [a.arg for a in args.args] == ['argv'] and len(args.defaults) == 1, module


def test_nothing_named_hooks_is_installed() -> None:
    """The source root ``hooks/`` holds the package; it is not a package itself."""
    assert not (SRC / '__init__.py').exists()
    packages = [p.name for p in SRC.iterdir() if p.is_dir() and any(p.rglob('*.py'))]
    assert packages == ['hotfix_hooks']
