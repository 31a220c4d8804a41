"""Values of an error response body (issue 13, round 13i).

A client must already handle an error response it does not recognise: an error kind it does
not know is a generic failure of a request that failed anyway. So in a 4xx, 5xx or
``default`` body a value ADDED while the others are kept is ``info``; a value REMOVED while
another is added at the same place (a rename: polar df2d90ed792c,
``UncancelWithoutPaymentMethod`` -> ``PaymentMethodRequired``) breaks the clients matching
the old value: one error naming both. A value only removed stays info; 2xx bodies are judged
as before. Shapes: an error envelope with an enum ``code`` (the committed-spec diff), polar's
``error: Literal[cls.__name__]`` kinds as ``anyOf`` variants (spec and route code)."""
from __future__ import annotations

from typing import Any

from hotfix_hooks.findings import Finding
from tests.openapi.test_error_responses import BOTH
from tests.openapi.test_error_responses import docs_spec
from tests.openapi.test_error_responses import ENDPOINTS
from tests.openapi.test_error_responses import files
from tests.openapi.test_error_responses import run
from tests.support.contract_helpers import base_spec
from tests.support.contract_helpers import diff
from tests.support.contract_helpers import edit

ENUM = ('response-enum-value-added', 'response-enum-value-removed')


def _spec(codes: list[str], status: str = '404', shared: bool = False) -> dict[str, Any]:
    """``base_spec`` with an error envelope (``{"code": enum, "message": str}``) on GET
    /items/{item_id}; ``shared``: the 200 body (Item.status) uses the same enum."""
    def fn(doc: dict[str, Any]) -> None:
        doc['components']['schemas']['ErrorCode'] = {'type': 'string', 'enum': codes}
        doc['components']['schemas']['Error'] = {
            'type': 'object', 'required': ['code', 'message'], 'properties': {
                'code': {'$ref': '#/components/schemas/ErrorCode'},
                'message': {'type': 'string'}}}
        responses = doc['paths']['/items/{item_id}']['get']['responses']
        responses.pop('404')
        responses[status] = {'description': 'failed', 'content': {'application/json': {
            'schema': {'$ref': '#/components/schemas/Error'}}}}
        if shared:
            doc['components']['schemas']['Item']['properties']['status'] = {
                '$ref': '#/components/schemas/ErrorCode'}
    return edit(base_spec(), fn)


def _enum(found: list[Finding]) -> list[tuple[str, str]]:
    return sorted((f.rule, f.severity) for f in found if f.rule in ENUM)


def test_an_error_kind_added_to_an_error_response_is_info() -> None:
    for status in ('404', '422', '5XX', 'default'):
        found = diff(_spec(['not_found', 'gone'], status),
                     _spec(['not_found', 'gone', 'archived'], status))
        assert _enum(found) == [('response-enum-value-added', 'info')], (status, found)
        (f,) = [f for f in found if f.rule in ENUM]
        assert "'archived'" in f.message or '"archived"' in f.message
        assert 'error response' in f.message and 'do not recognise' in f.message


def test_the_same_value_added_to_a_success_body_stays_an_error() -> None:
    """The failing example: 2xx bodies are judged as before."""
    found = diff(_spec(['not_found', 'gone'], '200'), _spec(['not_found', 'gone', 'x'], '200'))
    assert ('response-enum-value-added', 'error') in _enum(found), found
    # one enum used by a 2xx and a 4xx body: the 2xx use is still an error
    found = diff(_spec(['open', 'closed'], shared=True),
                 _spec(['open', 'closed', 'archived'], shared=True))
    (err,) = [f for f in found
              if (f.rule, f.severity) == ('response-enum-value-added', 'error')]
    assert 'GET /items' in err.extra['affected'] and 'clients may get' in err.message, found


def test_an_error_kind_renamed_is_one_error_naming_both() -> None:
    found = diff(_spec(['not_found', 'gone']), _spec(['missing', 'gone']))
    assert _enum(found) == [('response-enum-value-added', 'error')], found
    (f,) = [f for f in found if f.rule in ENUM]
    assert '"not_found" replaced by "missing"' in f.message, f.message
    assert 'property `code`' in f.message and '404 response body' in f.message


def test_an_error_kind_only_removed_stays_info() -> None:
    found = diff(_spec(['not_found', 'gone']), _spec(['not_found']))
    assert _enum(found) == [('response-enum-value-removed', 'info')], found


def _polar(kinds: list[str]) -> dict[str, Any]:
    import json

    return json.loads(docs_spec(kinds))     # type: ignore[no-any-return]


def test_polar_error_kinds_as_variants_added_is_info_and_swapped_is_a_rename() -> None:
    """polar's 403 bodies: ``NotPermitted`` -> ``NotPermitted | DisputeAutoAcceptNotEnabled``
    (b31d1072b084, 8a900ff0060b) keeps NotPermitted: compared variant by variant it looked
    like ``NotPermitted`` removed and the new kind added; the body as a whole only gains a
    kind. ``A | B`` -> ``A | C`` (df2d90ed792c) renames B."""
    found = diff(_polar(['NotPermitted']), _polar(['NotPermitted', 'DisputeAutoAcceptNotEnabled']))
    assert _enum(found) == [('response-enum-value-added', 'info')], found
    assert not [f for f in found if f.severity != 'info'], found
    found = diff(_polar(['AlreadyCanceled', 'UncancelWithoutPaymentMethod']),
                 _polar(['AlreadyCanceled', 'PaymentMethodRequired']))
    errors = [f for f in found if f.severity == 'error']
    assert [(f.rule, f.severity) for f in errors] == [('response-enum-value-added', 'error')]
    assert '"UncancelWithoutPaymentMethod" replaced by "PaymentMethodRequired"' in (
        errors[0].message)
    # the variants swapped back and forth in order: nothing added, nothing removed
    found = diff(_polar(['AlreadyCanceled', 'NotPermitted']),
                 _polar(['NotPermitted', 'AlreadyCanceled']))
    assert _enum(found) == [], found


def test_the_route_code_judges_an_added_error_kind_as_info() -> None:
    """polar b31d1072b084 in the route code: ``NotPermitted.schema()`` ->
    ``NotPermitted.schema() | DisputeAutoAcceptNotEnabled.schema()`` on the 403."""
    found = run(files(), files(ENDPOINTS.replace('NotPermitted.schema(),', BOTH + ',')))
    assert _enum(found) == [('response-enum-value-added', 'info')], found
    assert not [f for f in found if f.severity == 'error'], found
    (f,) = [f for f in found if f.rule in ENUM]
    assert 'DisputeAutoAcceptNotEnabled' in f.message


def test_a_finding_on_an_untouched_declaration_names_the_changed_route() -> None:
    """polar 8a900ff0060b: only ``subscription/endpoints.py`` changed (the 403's
    ``responses=``), the finding is located at the exception class in ``service.py``, which
    the commit did not touch: its message names the route that was changed."""
    renamed = ENDPOINTS.replace('NotPermitted.schema(),', 'DisputeAutoAcceptNotEnabled.schema(),')
    (f,) = [x for x in run(files(), files(renamed)) if x.rule in ENUM]
    assert f.path == 'server/polar/organization/service.py'
    line = renamed.splitlines().index('@router.patch(') + 1
    assert ('(the commit changed the route PATCH /organizations/{id} at '
            f'server/polar/organization/endpoints.py:{line})') in f.message, f.message
    assert f.extra['changed_routes'] == [f'server/polar/organization/endpoints.py:{line}']
    # the class touched by the same commit (b31d1072b084 adds it): located on a changed
    # file already, nothing to add
    base = files()
    head = files(renamed, **{'server/polar/organization/service.py':
                             base['server/polar/organization/service.py'] + '# touched\n'})
    (f,) = [x for x in run(base, head) if x.rule in ENUM]
    assert f.path == 'server/polar/organization/service.py'
    assert 'the commit changed' not in f.message and 'changed_routes' not in f.extra
