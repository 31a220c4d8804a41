"""The imports of unchanged modules kept in the analysis cache (``actions.scan-tree``, one
entry per base tree, each fact checked against the file's blob): a warm run closes a
changed helper over the modules importing it (re-exports, to the follow depth) from those
facts, without a search or a read, and reports exactly what ``--no-cache`` reports; a cold
run derives them whole and keeps them; a base that changes, a fact whose blob differs and
a corrupt or foreign fact are derived again."""
from __future__ import annotations

import hashlib
import marshal
import os
from typing import Any

from tests.actions.test_records import _rules
from tests.actions.test_records import _scan
from tests.actions.test_records import FILES
from tests.actions.test_records import ROUTER
from tests.actions.test_records import SERVICE
from tests.actions.test_records import SERVICE_WRITES_STATE
from tests.support.cache_entries import entries_of
from tests.support.gitrepo import GitRepo

BYPASS = ['actions-bypass-patch-transition']
HARMLESS = SERVICE.replace('DB = {}', 'DB = {}  # a comment')
# the router calls ``orders.rename``; orders re-exports mid, which re-exports impl
CHAIN: dict[str, str | bytes | None] = {
    **FILES, 'app/services/orders.py': 'from .mid import load, rename\n',
    'app/services/mid.py': 'from .impl import load, rename\n',
    'app/services/impl.py': SERVICE}
_n = [0]


def _same(repo: GitRepo, expected: list[str]) -> list[Any]:
    cached = _scan(repo, 'main')
    assert cached == _scan(repo, 'main', '--no-cache')
    assert _scan(repo, 'main') == cached                    # warm again
    assert _rules(cached) == expected
    return cached


def _hotfix(repo: GitRepo, files: dict[str, str | bytes | None],
            expected: list[str]) -> None:
    """A hotfix branch off main committing ``files``, scanned against main."""
    _n[0] += 1
    repo.checkout('main')
    repo.checkout(f'hotfix/ARIS-16-{_n[0]}', create=True)
    repo.commit('hotfix', files=files)
    _same(repo, expected)


def _facts(repo: GitRepo) -> list[tuple[str, dict[str, Any]]]:
    """The scan-tree entries: (entry file, path -> (blob, flags, imports))."""
    out = []
    for path in entries_of(repo, b'actions.scan-tree'):
        with open(path, 'rb') as f:
            data = f.read()
        out.append((path, marshal.loads(data[data.index(b'\n') + 1:])))
    return out


def _rewrite(entry: str, value: dict[str, Any]) -> None:
    """Write ``value`` into the cache entry file ``entry`` under the same key (what a
    foreign writer with the same key would leave: the cache takes it as valid data)."""
    with open(entry, 'rb') as f:
        header = f.readline().split(b' ')
    payload = marshal.dumps(value)
    header[5] = str(len(payload)).encode()
    header[6] = hashlib.sha256(payload).hexdigest().encode()
    with open(entry, 'wb') as f:
        f.write(b' '.join(header) + b'\n' + payload)


def test_a_re_export_chain_is_followed_through_the_cached_imports(repo: GitRepo) -> None:
    repo.commit('service', files=dict(CHAIN))
    _hotfix(repo, {'app/services/impl.py': HARMLESS}, [])        # cold: facts kept
    [(entry, facts)] = _facts(repo)
    assert facts['app/services/mid.py'][2] == (('impl', 'load', 1), ('impl', 'rename', 1))
    assert facts['app/services/orders.py'][2] == (('mid', 'load', 1), ('mid', 'rename', 1))
    assert facts['app/routers/orders.py'][1][1] is True         # a route definition
    _hotfix(repo, {'app/services/impl.py': SERVICE_WRITES_STATE}, BYPASS)   # warm
    # the warm run read the chain from the entry, not from the files: a fact saying
    # mid.py imports nothing (its blob unchanged) hides it (no branch can write .git)
    fact = facts['app/services/mid.py']
    _rewrite(entry, {**facts, 'app/services/mid.py': (fact[0], fact[1], ())})
    assert _rules(_scan(repo, 'main')) == []
    assert _rules(_scan(repo, 'main', '--no-cache')) == BYPASS


def test_a_fact_of_another_blob_or_of_another_form_is_derived_again(repo: GitRepo) -> None:
    repo.commit('service', files=dict(CHAIN))
    _hotfix(repo, {'app/services/impl.py': HARMLESS}, [])
    [(entry, facts)] = _facts(repo)
    mid, orders = facts['app/services/mid.py'], facts['app/services/orders.py']
    for bad_mid, bad_orders in [
            (('0' * 40, mid[1], ()), (orders[0], orders[1], [('mid', 'rename', 1)])),
            ((mid[0], mid[1], (('impl', 'rename', -1),)), ('x',)),
            ((mid[0], mid[1], (('impl', 7, 1),)), (orders[0], 'flags', None)),
            ([mid[0], mid[1], ()], None)]:
        _rewrite(entry, {**facts, 'app/services/mid.py': bad_mid,
                         'app/services/orders.py': bad_orders})
        _hotfix(repo, {'app/services/impl.py': SERVICE_WRITES_STATE}, BYPASS)
    _rewrite(entry, {'app/services/mid.py': 'not a fact'})
    _hotfix(repo, {'app/services/impl.py': SERVICE_WRITES_STATE}, BYPASS)
    os.truncate(entry, 40)                                      # corrupt: ignored, rebuilt
    _hotfix(repo, {'app/services/impl.py': SERVICE_WRITES_STATE}, BYPASS)
    [(_, facts)] = _facts(repo)
    assert facts['app/services/mid.py'][2] == (('impl', 'load', 1), ('impl', 'rename', 1))


def test_a_base_that_starts_or_stops_re_exporting_the_helper_is_read(repo: GitRepo) -> None:
    files = dict(FILES)
    files['app/services/impl.py'] = SERVICE
    repo.commit('service', files=files)
    _hotfix(repo, {'app/services/impl.py': HARMLESS}, [])        # orders: its own code
    _hotfix(repo, {'app/services/impl.py': SERVICE_WRITES_STATE}, [])
    # the base gains a re-exporter: a new base tree (its own entry), cold then warm
    repo.checkout('main')
    repo.commit('re-export', files={'app/services/orders.py': 'from .impl import load, rename\n'})
    _hotfix(repo, {'app/services/impl.py': HARMLESS}, [])
    _hotfix(repo, {'app/services/impl.py': SERVICE_WRITES_STATE}, BYPASS)
    # a module between them: orders -> mid -> impl
    repo.checkout('main')
    repo.commit('deeper', files={'app/services/orders.py': 'from .mid import load, rename\n',
                                 'app/services/mid.py': 'from .impl import load, rename\n'})
    _hotfix(repo, {'app/services/impl.py': SERVICE_WRITES_STATE}, BYPASS)
    _hotfix(repo, {'app/services/impl.py': SERVICE_WRITES_STATE}, BYPASS)
    # and the base stops importing it: the helper no longer reaches the route
    repo.checkout('main')
    repo.commit('stop', files={'app/services/mid.py': SERVICE})
    _hotfix(repo, {'app/services/impl.py': HARMLESS}, [])
    _hotfix(repo, {'app/services/impl.py': SERVICE_WRITES_STATE}, [])
    assert len(_facts(repo)) >= 2                               # one entry per base tree


def test_a_package_re_exported_by_a_bare_relative_import_is_followed(repo: GitRepo) -> None:
    """``from . import rename`` names no module: the package's ``__init__`` it reads is
    found from the import itself, with or without the cache."""
    files = dict(FILES)
    files['app/services/impl/__init__.py'] = SERVICE
    files['app/services/impl/facade.py'] = 'from . import load, rename\n'
    files['app/services/orders.py'] = 'from .impl.facade import load, rename\n'
    repo.commit('service', files=files)
    _hotfix(repo, {'app/services/impl/__init__.py': HARMLESS}, [])
    _hotfix(repo, {'app/services/impl/__init__.py': SERVICE_WRITES_STATE}, BYPASS)


def test_a_module_without_imports_is_kept_as_such(repo: GitRepo) -> None:
    """A module with no ``import`` at all (not parsed) is kept as importing nothing, and
    one that does not parse likewise: neither reaches the helper."""
    files = dict(CHAIN)
    files['app/services/plain.py'] = 'X = 1\n'
    files['app/services/broken.py'] = 'from .impl import rename\ndef (:\n'
    repo.commit('service', files=files)
    _hotfix(repo, {'app/services/impl.py': HARMLESS}, [])
    [(_, facts)] = _facts(repo)
    assert facts['app/services/plain.py'][2] == ()
    assert facts['app/services/broken.py'][2] == ()
    _hotfix(repo, {'app/services/impl.py': SERVICE_WRITES_STATE}, BYPASS)


def test_an_importers_statement_spans_are_kept_and_checked(repo: GitRepo) -> None:
    """The importing router's statement spans are kept with its facts (a warm run does not
    split it again); spans that do not fit its text are split again and replaced."""
    repo.commit('service', files=dict(CHAIN))
    _hotfix(repo, {'app/services/impl.py': HARMLESS}, [])
    [(entry, facts)] = _facts(repo)
    router = facts['app/routers/orders.py']
    assert router[3][0][:2] == (1, 2) and router[3][-1][2] == 'get_order'
    # a re-exporter read for its wrappers keeps its spans too; a module never read none
    assert facts['app/services/mid.py'][3] == [(1, 2, '', 'stmt')]
    assert all(facts[p][3] is None for p in facts
               if p not in ('app/routers/orders.py', 'app/services/mid.py',
                            'app/services/orders.py'))
    for bad in ([(1, 2, '', 'stmt')], [(1, 1, '', 'stmt'), (2, 999, 'x', 'def')], 'spans'):
        _rewrite(entry, {**facts, 'app/routers/orders.py': (*router[:3], bad)})
        _hotfix(repo, {'app/services/impl.py': SERVICE_WRITES_STATE}, BYPASS)
        [(_, now)] = _facts(repo)
        assert now['app/routers/orders.py'] == router


def test_no_cache_keeps_no_facts(repo: GitRepo) -> None:
    repo.commit('service', files=dict(CHAIN))
    repo.checkout('hotfix/ARIS-16-x', create=True)
    repo.commit('hotfix', files={'app/services/impl.py': SERVICE_WRITES_STATE})
    assert _rules(_scan(repo, 'main', '--no-cache')) == BYPASS
    assert _facts(repo) == []


def test_a_route_reaching_the_helper_through_a_function_of_its_module_is_read(
        repo: GitRepo) -> None:
    """The handler calls ``_apply`` of its own (unchanged) module, which calls the changed
    ``rename``: the importing module's functions count in the names the change affects,
    warm (its module not parsed to find it imports the helper) as cold."""
    files = dict(CHAIN)
    files['app/routers/orders.py'] = ROUTER.replace(
        '    orders.rename(order, body["name"])\n', '    _apply(order, body["name"])\n') + (
        '\n\ndef _apply(order, name):\n    orders.rename(order, name)\n')
    repo.commit('service', files=files)
    _hotfix(repo, {'app/services/impl.py': HARMLESS}, [])
    _hotfix(repo, {'app/services/impl.py': SERVICE_WRITES_STATE}, BYPASS)


def test_a_new_base_commit_starts_from_the_last_base_trees_facts(repo: GitRepo) -> None:
    """A base tree not scanned yet reads the last one's entry: its facts hold where the
    blob is the same (the chain is read from it), and the re-exporter the new commit
    changed is derived again."""
    repo.commit('service', files=dict(CHAIN))
    _hotfix(repo, {'app/services/impl.py': HARMLESS}, [])
    [(entry, facts)] = _facts(repo)
    repo.checkout('main')
    repo.commit('docs', files={'README.md': 'the service\n'})
    _hotfix(repo, {'app/services/impl.py': SERVICE_WRITES_STATE}, BYPASS)
    assert len(_facts(repo)) == 1        # nothing derived: no entry for the new tree
    # the new base's mid.py stops re-exporting impl: its fact (another blob) is derived
    repo.checkout('main')
    # (orders.py still imports impl, as a module: the change still reaches route code)
    repo.commit('stop', files={'app/services/mid.py': SERVICE, 'app/services/orders.py':
                               'from .mid import load, rename\nfrom . import impl\n'})
    _hotfix(repo, {'app/services/impl.py': SERVICE_WRITES_STATE}, [])
    [new] = [f for path, f in _facts(repo) if path != entry]
    assert new['app/services/mid.py'][2] == ()
    assert new['app/routers/orders.py'] == facts['app/routers/orders.py']
    # and starts again: the last tree's entry is the one just written
    repo.checkout('main')
    repo.commit('again', files={'app/services/mid.py': 'from .impl import load, rename\n'})
    _hotfix(repo, {'app/services/impl.py': SERVICE_WRITES_STATE}, BYPASS)
