"""Adversarial: the branch changes a helper (``impl.rename`` now writes the state attribute)
that the routes reach only through unchanged wrappers in an unchanged module: a function
calling it (one and two levels deep), a method of a module-level instance, an alias
(``rename_order = impl.rename``) and a ``functools.partial``. The router is unchanged too.
Warm (the cache filled by a scan of the same base), again and uncached find the same."""
from __future__ import annotations

import pytest

from tests.actions.test_records import _rules
from tests.actions.test_records import _scan
from tests.actions.test_records import FILES
from tests.actions.test_records import ROUTER
from tests.actions.test_records import SERVICE
from tests.actions.test_records import SERVICE_WRITES_STATE
from tests.adversarial.test_trust_cache_actions import _warm_on
from tests.adversarial.test_trust_cache_actions import BYPASS
from tests.support.gitrepo import GitRepo

WRAPPERS = {
    'function': ('from services import impl\n\n\ndef do_rename(order, name):\n'
                 '    impl.rename(order, name)\n', 'wrappers.do_rename'),
    'two-functions': ('from services import wrappers1\n\n\ndef do_rename(order, name):\n'
                      '    wrappers1.do_rename(order, name)\n', 'wrappers.do_rename'),
    'method': ('from services import impl\n\n\nclass Orders:\n'
               '    def do_rename(self, order, name):\n        impl.rename(order, name)\n\n\n'
               'orders_service = Orders()\n', 'wrappers.orders_service.do_rename'),
    'alias': ('from services import impl\n\nrename_order = impl.rename\n',
              'wrappers.rename_order'),
    'from-alias': ('from services.impl import rename\n\nrename_order = rename\n',
                   'wrappers.rename_order'),
    'import-as': ('from services.impl import load, rename as rename_order\n',
                  'wrappers.rename_order'),
    'partial': ('import functools\n\nfrom services import impl\n\n'
                'rename_order = functools.partial(impl.rename)\n', 'wrappers.rename_order'),
}
WRAPPER1 = ('from services import impl\n\n\ndef do_rename(order, name):\n'
            '    impl.rename(order, name)\n')


def _service(repo: GitRepo, shape: str, depth: int | None = None) -> None:
    text, call = WRAPPERS[shape]
    files = dict(FILES)
    files['app/services/impl.py'] = SERVICE
    files['app/services/wrappers.py'] = text
    files['app/services/wrappers1.py'] = WRAPPER1
    files['app/routers/orders.py'] = ROUTER.replace(
        'from services import orders\n', 'from services import orders, wrappers\n').replace(
        '    orders.rename(order, body["name"])\n', f'    {call}(order, body["name"])\n')
    if depth is not None:
        files['.hotfix-hooks.toml'] = f'[actions]\nfollow_depth = {depth}\n'
    _warm_on(repo, files)


def _same(repo: GitRepo) -> list[str]:
    warm = _scan(repo, 'main')
    assert warm == _scan(repo, 'main', '--no-cache')
    assert _scan(repo, 'main') == warm
    return _rules(warm)


@pytest.mark.parametrize('shape', ['function', 'method', 'alias', 'from-alias', 'import-as',
                                   'partial'])
def test_a_helper_changed_behind_an_unchanged_wrapper_is_read(repo: GitRepo,
                                                              shape: str) -> None:
    _service(repo, shape)
    repo.commit('edit impl', files={'app/services/impl.py': SERVICE_WRITES_STATE})
    assert _same(repo) == BYPASS


def test_a_helper_two_wrappers_deep_is_read_within_the_follow_depth(repo: GitRepo) -> None:
    """handler -> wrappers.do_rename -> wrappers1.do_rename -> impl.rename: three calls."""
    _service(repo, 'two-functions', depth=3)
    repo.commit('edit impl', files={'app/services/impl.py': SERVICE_WRITES_STATE})
    assert _same(repo) == BYPASS


def test_a_helper_beyond_the_follow_depth_is_not_followed(repo: GitRepo) -> None:
    """The same three calls with the default depth (2): not followed, cold and warm alike
    (the documented bound of the analysis)."""
    _service(repo, 'two-functions')
    repo.commit('edit impl', files={'app/services/impl.py': SERVICE_WRITES_STATE})
    assert _same(repo) == []
