"""Work only where it can matter (``checks/relevance.py``): the route-code contract and the
``/actions`` guard are skipped only where they would find nothing. Every case compares the
checks with their engines run unconditionally: the findings are the same, skipped or not."""
from __future__ import annotations

from typing import Any

import pytest

from hotfix_hooks.actions.guard import guard as actions_engine
from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks import actions
from hotfix_hooks.checks import contract
from hotfix_hooks.checks import relevance
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.findings import Finding
from hotfix_hooks.openapi.guard import guard as contract_engine
from hotfix_hooks.policy import from_mapping
from tests.support.actions_service import edit
from tests.support.actions_service import SERVICE_FILES
from tests.support.cli import run_cli
from tests.support.contract_code import MODELS
from tests.support.contract_code import ROUTER
from tests.support.contract_code import tree
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import HOTFIX_BRANCH

POLICY = from_mapping({}, None)

# a Django project: no route framework anywhere
DJANGO_MW = '''\
class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and not request.headers.get("Idempotency-Key"):
            return HttpResponse(status=400)
        return self.get_response(request)
'''
DJANGO_VIEWS = '''\
from django.http import JsonResponse

from shop.models import Order


def cancel(request, pk):
    order = Order.objects.get(pk=pk)
    order.status = "cancelled"
    order.save()
    return JsonResponse({"ok": True})
'''
DJANGO_MODELS = '''\
from django.db import models


class Order(models.Model):
    status = models.CharField(max_length=20)
'''
DJANGO = {'shop/__init__.py': '', 'shop/middleware.py': DJANGO_MW, 'shop/views.py': DJANGO_VIEWS,
          'shop/models.py': DJANGO_MODELS, 'shop/urls.py': 'from shop import views\n',
          'scripts/report.py': 'def main():\n    print("report")\n'}

# the contract service, with a chain router -> shop.schemas -> shop.base and a script
CHAINED_ROUTER = ROUTER.replace('from shop.models import Item, ItemIn',
                                'from shop.models import ItemIn\nfrom shop.schemas import Item')
CHAINED = tree(router=CHAINED_ROUTER, **{
    'shop/schemas.py': 'from shop.base import Item\n',
    'shop/base.py': MODELS,
    'shop/services.py': 'def total(rows):\n    return sum(rows)\n',
    'scripts/report.py': 'def main():\n    print("report")\n',
    'tests/test_items.py': 'def test_items(client):\n    assert client.get("/items")\n'})


def _same(found: list[Finding]) -> list[tuple[Any, ...]]:
    return sorted((f.rule, f.severity, f.path, f.line, f.message) for f in found)


def _both(base: dict[str, str], head: dict[str, str]
          ) -> tuple[list[Finding], list[Finding], bool, bool]:
    """(contract check, actions check, whether each skipped its engine), each asserted equal
    to its engine run unconditionally."""
    run = RunInfo()
    cs = ChangeSet.from_texts(base=base, head=head)
    got_contract = contract.check(cs, POLICY, run)
    got_actions = actions.check(cs, POLICY, run)
    cs = ChangeSet.from_texts(base=base, head=head)
    want_contract = contract_engine(cs, POLICY.section('contract'), hotfix=run.hotfix)
    want_actions = actions_engine(cs, POLICY.section('actions'))
    assert _same(got_contract) == _same(want_contract)
    assert _same(got_actions) == _same(want_actions)
    code_skipped = not relevance.contract_code_can_change(
        cs, POLICY.section('contract')['code_exclude'])
    cfg = POLICY.section('actions')
    versions = relevance.changed_versions(cs, cfg['exclude_globs'])
    actions_skipped = not (versions and (
        relevance.middleware_touched(versions, cfg['idempotency_markers'])
        or relevance.unparseable(versions)
        or relevance.route_code_reachable(cs, versions, cfg['exclude_globs'])))
    return got_contract, got_actions, code_skipped, actions_skipped


def _rules(found: list[Finding]) -> set[str]:
    return {f.rule for f in found}


# -- skipped where nothing can be found ------------------------------------------------------
def test_a_repository_without_a_route_framework_builds_nothing() -> None:
    head = dict(DJANGO, **{'shop/models.py': DJANGO_MODELS + '    note = models.TextField()\n',
                           'shop/views.py': DJANGO_VIEWS.replace('"ok": True', '"ok": 1')})
    c, a, code_skipped, actions_skipped = _both(DJANGO, head)
    assert (c, a, code_skipped, actions_skipped) == ([], [], True, True)


def test_a_script_test_or_service_nobody_routes_through_builds_nothing() -> None:
    head = dict(CHAINED, **{
        'scripts/report.py': 'class Report:\n    pass\n\n\ndef main():\n    print(1)\n',
        'tests/test_items.py': CHAINED['tests/test_items.py'] + '\n\ndef test_more():\n    pass\n',
        'README.md': 'docs\n'})
    c, a, code_skipped, actions_skipped = _both(CHAINED, head)
    assert (c, a, code_skipped, actions_skipped) == ([], [], True, True)


# -- built where it can matter ---------------------------------------------------------------
def test_a_model_two_imports_away_from_the_router_is_compared() -> None:
    head = dict(CHAINED, **{'shop/base.py': MODELS.replace('    created: str\n', '')})
    c, _a, code_skipped, _ = _both(CHAINED, head)
    assert not code_skipped
    assert 'response-property-removed' in _rules(c)


def test_a_service_routes_import_is_analysed_conservatively() -> None:
    head = dict(CHAINED, **{'shop/services.py': 'def total(rows):\n    return sum(rows) + 0\n'})
    router = CHAINED_ROUTER.replace('from fastapi import',
                                    'from shop import services\nfrom fastapi import')
    base = dict(CHAINED, **{'shop/routers/items.py': router})
    head['shop/routers/items.py'] = router
    _c, _a, code_skipped, actions_skipped = _both(base, head)
    assert not code_skipped and not actions_skipped          # in doubt: analysed


def test_a_helper_a_handler_calls_now_writes_the_state() -> None:
    head = edit('app/services/orders.py', '    order.note = data["note"]\n',
                '    order.note = data["note"]\n    order.status = "closed"\n')
    _c, a, _code_skipped, actions_skipped = _both(SERVICE_FILES, head)
    assert not actions_skipped
    assert 'actions-bypass-patch-transition' in _rules(a)


def test_a_look_alike_framework_import_does_not_hide_a_route() -> None:
    """Python reads identifiers NFKC-normalised: a fullwidth "fastapi" is fastapi."""
    sneaky = ('from ｆａｓｔａｐｉ import ＡＰＩＲｏｕｔｅｒ\n\nr = ＡＰＩＲｏｕｔｅｒ()\n\n\n'
              '@r.post("/orders/{oid}/cancel")\ndef cancel_order(oid: int, db=None):\n'
              '    order = db.get(oid)\n    order.status = "cancelled"\n    return {}\n')
    head = dict(DJANGO, **{'shop/api.py': sneaky})
    c, a, code_skipped, actions_skipped = _both(DJANGO, head)
    assert not code_skipped and not actions_skipped
    assert 'api-route-added' in _rules(c)
    assert 'actions-bypass-route' in _rules(a)


def test_a_parenthesised_decorator_in_a_router_is_still_route_code() -> None:
    head = tree(router=ROUTER + '\n\n@(router.post)("/{item_id}/archive")\n'
                'def archive(item_id: str):\n    ...\n')
    c, _a, code_skipped, _ = _both(tree(), head)
    assert not code_skipped and 'api-route-added' in _rules(c)


def test_an_idempotency_middleware_without_a_route_framework_is_still_guarded() -> None:
    head = dict(DJANGO, **{'shop/middleware.py': 'class IdempotencyMiddleware:\n    pass\n'})
    _c, a, _code_skipped, actions_skipped = _both(DJANGO, head)
    assert not actions_skipped
    assert 'idempotency-removed' in _rules(a)


def test_a_changed_file_that_does_not_parse_is_still_reported() -> None:
    head = dict(DJANGO, **{'shop/views.py': DJANGO_VIEWS + '\n\ndef broken(:\n    pass\n'})
    c, a, code_skipped, actions_skipped = _both(DJANGO, head)
    assert not code_skipped and not actions_skipped
    # the route code's own finding for a module that does not parse: its routes are unknown
    assert 'actions-unparseable-python' in _rules(a) and 'api-code-unparseable' in _rules(c)


@pytest.mark.parametrize('name', ['mount', 'prefix', 'router-ctor', 'deleted-router'])
def test_mounts_prefixes_and_routers_anywhere_are_route_code(name: str) -> None:
    app = tree()['shop/main.py']
    head = {
        'mount': tree(app=app.replace('prefix="/aris3"', 'prefix="/v2"')),
        'prefix': tree(router=ROUTER.replace('prefix="/items"', 'prefix="/goods"')),
        'router-ctor': tree(router=ROUTER.replace('APIRouter(prefix="/items", tags=["items"])',
                                                  'APIRouter(prefix="/items")')),
        'deleted-router': {k: v for k, v in tree().items() if k != 'shop/routers/items.py'},
    }[name]
    _c, _a, code_skipped, _ = _both(tree(), head)
    assert not code_skipped


def test_module_names_no_import_can_spell_are_not_followed() -> None:
    assert relevance._stem('scripts/my-tool.py') is None
    assert relevance._stem('__init__.py') is None
    assert relevance._stem('shop/models/__init__.py') == 'models'
    assert relevance._stem('shop/ünï.py') == relevance._DOUBT


# -- real repositories: git grep over the base, cached per commit -------------------------------
MINUS_DIFF_ROUTES = '''\
from fastapi import APIRouter

from app import util

router = APIRouter()


@router.patch("/orders/{oid}")
def edit_order(oid: int, body: dict):
    order = util.load(oid)
    util.touch(order)
    return {}
'''


def test_git_grep_reads_files_marked_minus_diff_and_results_are_cached(repo: GitRepo) -> None:
    """``*.py -diff`` makes git call Python files binary: the base's route module is still
    found, so a helper's new state write is still reported."""
    repo.commit('base', {'app/__init__.py': '', 'app/routes.py': MINUS_DIFF_ROUTES,
                         'app/util.py': 'def load(oid):\n    return None\n\n\n'
                                        'def touch(order):\n    order.note = "x"\n',
                         '.gitattributes': '*.py -diff\n'})
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.write('app/util.py', 'def load(oid):\n    return None\n\n\n'
                              'def touch(order):\n    order.status = "closed"\n')
    repo.git('add', '-A')
    res = run_cli(repo, 'scan', '--only', 'actions', '--staged', '--format', 'json')
    assert res.returncode == 1 and 'actions-bypass-patch-transition' in res.stdout, res.stdout
    info = run_cli(repo, 'cache', 'info')
    assert 'relevance.grep' in info.stdout
    again = run_cli(repo, 'scan', '--only', 'actions', '--staged', '--format', 'json')
    assert again.stdout == res.stdout


def test_no_cache_writes_nothing(repo: GitRepo) -> None:
    repo.commit('base', {'app/__init__.py': '', 'app/routes.py': MINUS_DIFF_ROUTES,
                         'app/util.py': 'def load(oid):\n    return None\n'})
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.commit('fix', {'app/util.py': 'def load(oid):\n    return 1\n'})
    # ci --no-gates: the gates ci runs keep their logs and evidence there (not a cache)
    for args in (('scan', '--no-cache'), ('record', '--no-cache'), ('ci', '--no-cache',
                                                                      '--no-record',
                                                                      '--no-gates')):
        res = run_cli(repo, *args)
        assert res.returncode in (0, 1), res.stderr
    assert not (repo.path / '.git' / 'hotfix-hooks').exists()
    assert run_cli(repo, 'scan').returncode == 0
    assert (repo.path / '.git' / 'hotfix-hooks' / 'cache').is_dir()


def test_a_folder_of_a_monorepo_searches_and_caches_through_the_whole_repository(
        repo: GitRepo) -> None:
    """A service folder seen through its own policy (``ChangeSet.subset``) answers the
    searches, blob ids and content id from the repository's (one ``git grep``, paths made
    relative, folders another policy governs left out), and shares its analysis cache."""
    from hotfix_hooks import policy as policy_mod
    from hotfix_hooks.git import changes as git_changes
    from hotfix_hooks.git import context

    repo.commit('base', {
        'svc/app/main.py': 'from fastapi import FastAPI\nfrom app import models\n',
        'svc/app/models.py': 'class Order:\n    pass\n',
        'svc/inner/x.py': 'from app import models\n',
        'other/models.py': 'from fastapi import APIRouter\n'})
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.commit('fix', {'svc/app/models.py': 'class Order:\n    id = 1\n'})
    pol = policy_mod.from_mapping({}, None)
    ctx = context.resolve(context.Request(from_ref='main', to_ref='HEAD'), pol, env={},
                          cwd=str(repo.path))
    whole = git_changes.build(ctx, pol)
    try:
        part = whole.subset('svc', ['svc/app/models.py'], exclude=['inner'])
        assert part.cache is whole.cache
        assert part.base.grep(['models']) == ['app/main.py']
        assert part.base.blob_id('app/models.py') == whole.base.blob_id('svc/app/models.py')
        assert part.base.blob_id('inner/x.py') is None
        assert part.base.content_id() not in (None, whole.base.content_id())
        assert relevance.contract_code_can_change(part, [])
    finally:
        whole.close()
