"""Equal subtrees are skipped when every ``$ref`` in them points at an unchanged component
(``Comparer.settled``, its answer kept for every container it checks): however deep the
equal subtree nests, a change inside a component it references is still found, once,
naming every operation that reaches it."""
from __future__ import annotations

import json
from typing import Any

from hotfix_hooks.openapi.loader import parse
from hotfix_hooks.openapi.schema import _SETTLE_DEPTH
from hotfix_hooks.openapi.schema import Comparer
from hotfix_hooks.openapi.schema import Doc
from tests.support.contract_helpers import base_spec
from tests.support.contract_helpers import diff
from tests.support.contract_helpers import edit


def _nested(inner: dict[str, Any], levels: int) -> dict[str, Any]:
    """``inner`` under ``levels`` nullable unions (Pydantic's ``Optional[Optional[...]]``)."""
    node = inner
    for _ in range(levels):
        node = {'anyOf': [node, {'type': 'null'}]}
    return node


def _wrapped(levels: int, target: str = 'Item') -> dict[str, Any]:
    """``base_spec`` where GET /items/{item_id} and GET /items return a ``Wrapper`` whose
    ``item`` property reaches ``target`` through ``levels`` unions."""
    def shape(d: dict[str, Any]) -> None:
        d['components']['schemas']['Wrapper'] = {'type': 'object', 'properties': {
            'item': _nested({'$ref': f'#/components/schemas/{target}'}, levels),
            'count': {'type': 'integer'}}}
        wrapper = {'$ref': '#/components/schemas/Wrapper'}
        for path in ('/items/{item_id}', '/items'):
            ok = d['paths'][path]['get']['responses']['200']
            ok['content']['application/json']['schema'] = wrapper
    return edit(base_spec(), shape)


def _drop_name(d: dict[str, Any]) -> None:
    d['components']['schemas']['Item']['properties'].pop('name')


def _removed_name(found: list[Any]) -> list[Any]:
    return [f for f in found if f.rule == 'response-property-removed'
            and 'Item.name' in f.message]


def test_a_change_behind_a_deeply_nested_equal_subtree_is_found_once_per_place() -> None:
    for levels in (1, 4, 6, _SETTLE_DEPTH + 8):
        base = _wrapped(levels)
        found = _removed_name(diff(base, edit(base, _drop_name)))
        assert len(found) == 1, levels
        affected = found[0].extra['affected']
        # the two operations returning Wrapper, PUT (which returns Item itself) too
        assert {'GET /items/{item_id}', 'GET /items', 'PUT /items/{item_id}'} <= set(
            affected), levels
        assert len(affected) == len(set(affected)), levels


def test_the_same_drift_gives_the_same_findings_at_every_depth() -> None:
    """Depth changes how far the shortcut looks, never what is found."""
    def findings(levels: int) -> list[tuple[str, str, str, tuple[str, ...]]]:
        base = _wrapped(levels)
        head = edit(base, lambda d: (_drop_name(d), d['components']['schemas']['Item'][
            'properties']['status']['enum'].append('lost')))
        return sorted((f.rule, f.severity, f.message.split(': ', 1)[-1],
                       tuple(f.extra['affected'])) for f in diff(base, head)
                      if 'Wrapper' not in f.message)

    shallow = findings(1)
    assert shallow and all(findings(n) == shallow for n in (3, 5, 9, _SETTLE_DEPTH + 3))


def test_an_equal_subtree_of_unchanged_components_is_not_compared() -> None:
    """Only ``Item`` changes: the equal ``Wrapper`` reaching ``Card`` (unchanged) through
    six unions compares to nothing, and no schema of it is even normalised."""
    base = _wrapped(6, target='Card')
    head = edit(base, _drop_name)
    bspec = parse(json.dumps(base, indent=2), 'openapi.json')
    hspec = parse(json.dumps(head, indent=2), 'openapi.json')
    cmp = Comparer(Doc(bspec.data), Doc(hspec.data))
    cmp.clean = {'#/components/schemas/Card', '#/components/schemas/Cash'}
    wrapper = ('/components/schemas/Wrapper', bspec.data['components']['schemas']['Wrapper'])
    hwrapper = hspec.data['components']['schemas']['Wrapper']
    assert cmp.schema(wrapper[1], wrapper[0], hwrapper, wrapper[0], 'response-body') == []
    assert cmp.base.norms == {} and cmp.head.norms == {}
    # the same Wrapper reaching the changed Item is compared (and finds nothing itself)
    cmp.clean = {'#/components/schemas/Card'}
    item_wrapper = _wrapped(6)['components']['schemas']['Wrapper']
    assert cmp.settled(item_wrapper) is False


def test_a_subtree_deeper_than_the_limit_is_compared_and_remembered_safely() -> None:
    """Beyond ``_SETTLE_DEPTH`` levels the answer is "not settled" (compared), also for an
    inner node first reached near the limit and asked again later from closer: a changed
    component at the bottom is found either way, an unchanged one finds nothing."""
    cmp = Comparer(Doc({}), Doc({}))
    cmp.clean = {'#/components/schemas/Card'}
    deep = _nested({'$ref': '#/components/schemas/Card'}, _SETTLE_DEPTH + 5)
    assert cmp.settled(deep) is False
    inner = deep
    for _ in range(10):
        inner = inner['anyOf'][0]
    # first reached 10 levels down, with 22 left: remembered as not settled (compared),
    # the safe answer, though it only reaches an unchanged component
    assert cmp.settled(inner) is False
    shallow = _nested({'$ref': '#/components/schemas/Card'}, 3)
    assert cmp.settled(shallow) is True
    dirty = _nested({'$ref': '#/components/schemas/Item'}, 3)
    assert cmp.settled(dirty) is False
    assert cmp.settled({'$ref': 7}) is False and cmp.settled([1, 'a', None]) is True

    base = _wrapped(_SETTLE_DEPTH + 5, target='Card')
    assert diff(base, edit(base, lambda d: d['components']['schemas']['Wrapper'][
        'properties'].pop('count')))       # the change next to the deep subtree is found
    assert not [f for f in diff(base, edit(base, _drop_name)) if 'Card' in f.message]


# -- refs into a component, or to a place that is no component (adversarial, review 2) ------
_SUB_POINTER = '''openapi: 3.0.3
info: {title: t, version: '1'}
x-shared:
  Kind: {type: string, enum: [a, b]}
paths:
  /c:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Item'}
components:
  schemas:
    Shared:
      type: object
      properties:
        state: {type: string, enum: [open, closed]}
    Item:
      type: object
      properties:
        state: {$ref: 'TARGET'}
        kind: {$ref: '#/x-shared/Kind'}
'''


def _yaml_diff(base: str, head: str) -> list[tuple[str, str, list[str]]]:
    from hotfix_hooks.openapi.diff import diff_specs

    found = diff_specs(parse(base, 'openapi.yaml'), parse(head, 'openapi.yaml'))
    return [(f.rule, f.severity, f.extra.get('affected')) for f in found]


def test_a_change_inside_a_component_reached_by_a_pointer_into_it_is_found() -> None:
    """``Item`` is equal on both sides, but its ``state`` is ``Shared``'s, which changed:
    ``Item`` is not an unchanged component, and GET /c (returning only ``Item``) is read."""
    for target in ('#/components/schemas/Shared/properties/state',
                   '#/components/schemas/Shared'):
        base = _SUB_POINTER.replace('TARGET', target)
        head = base.replace('enum: [open, closed]', 'enum: [open, closed, gone]')
        assert _yaml_diff(base, head) == [
            ('response-enum-value-added', 'error', ['GET /c'])], target


def test_a_change_behind_a_ref_to_no_component_is_found() -> None:
    """``Item.kind`` refers to ``#/x-shared/Kind`` (no component section): its change is
    read through the equal ``Item``."""
    base = _SUB_POINTER.replace('TARGET', '#/components/schemas/Shared')
    head = base.replace('enum: [a, b]', 'enum: [a, b, c]')
    assert _yaml_diff(base, head) == [('response-enum-value-added', 'error', ['GET /c'])]


_ANCHORED = '''openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: &wrap
                type: object
                properties:
                  item: {$ref: '#/components/schemas/Item'}
  /b:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: *wrap
components:
  schemas:
    Holder:
      type: object
      properties:
        w: *wrap
    Item:
      type: object
      properties:
        status: {type: string, enum: [open, closed]}
'''


def test_one_object_at_several_places_by_a_yaml_alias_is_read_at_each() -> None:
    """A YAML anchor makes one Python object appear under both operations and inside a
    component: the change in ``Item`` it references is found, naming both operations."""
    head = _ANCHORED.replace('enum: [open, closed]', 'enum: [open, closed, gone]')
    assert _yaml_diff(_ANCHORED, head) == [
        ('response-enum-value-added', 'error', ['GET /a', 'GET /b'])]
    # the same text on both sides: nothing
    assert _yaml_diff(_ANCHORED, _ANCHORED) == []
