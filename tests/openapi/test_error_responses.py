"""Error responses declared through helpers (issue 13, round five, part 2).

polar declares its 4xx bodies as ``responses={403: {"model": NotPermitted.schema() |
X.schema()}, 404: BenefitNotFound}``: ``schema()`` is a class method of its base exception
that returns ``create_model(cls.__name__, error=(Literal[cls.__name__], ...), detail=(str,
...))``, and ``BenefitNotFound`` a module constant. The route code's contract reads these
statically (module constants, ``{**A, **B}``, a function returning a dict literal built from
its arguments, a comprehension over a literal tuple), so a committed spec catching up with
an error the code already declared is judged like a 2xx one; what cannot be read is
reported (``api-code-unresolved``) and compared as unknown, and a spec finding on it keeps
its severity."""
from __future__ import annotations

import json
from typing import Any

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.contract import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.policy import from_mapping

EXCEPTIONS = '''\
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field, create_model


class PolarError(Exception):
    _schema: ClassVar[type[BaseModel] | None] = None

    def __init__(self, message: str, status_code: int = 500) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code

    @classmethod
    def schema(cls) -> type[BaseModel]:
        if cls._schema is not None:
            return cls._schema

        error_literal = Literal[cls.__name__]  # type: ignore

        model = create_model(
            cls.__name__,
            error=(error_literal, Field(examples=[cls.__name__])),
            detail=(str, ...),
        )
        cls._schema = model
        return cls._schema


class NotPermitted(PolarError):
    def __init__(self, message: str = "Not permitted", status_code: int = 403) -> None:
        super().__init__(message, status_code)


class ResourceNotFound(PolarError):
    def __init__(self, message: str = "Not found", status_code: int = 404) -> None:
        super().__init__(message, status_code)
'''

SERVICE = '''\
from polar.exceptions import PolarError


class OrganizationError(PolarError): ...


class DisputeAutoAcceptNotEnabled(OrganizationError):
    def __init__(self) -> None:
        super().__init__("Dispute auto-accept is not enabled.", 403)
'''

ENDPOINTS = '''\
from fastapi import APIRouter
from pydantic import BaseModel

from polar.exceptions import NotPermitted, ResourceNotFound
from polar.organization.service import DisputeAutoAcceptNotEnabled

router = APIRouter(prefix="/organizations")

OrganizationNotFound = {
    "description": "Organization not found.",
    "model": ResourceNotFound.schema(),
}


class Organization(BaseModel):
    id: str
    name: str


@router.patch(
    "/{id}",
    response_model=Organization,
    responses={
        200: {"description": "Organization updated."},
        403: {
            "description": "You don't have the permission to update this organization.",
            "model": NotPermitted.schema(),
        },
        404: OrganizationNotFound,
    },
)
async def update(id: str) -> Organization: ...
'''
BOTH = 'NotPermitted.schema() | DisputeAutoAcceptNotEnabled.schema()'


def files(endpoints: str = ENDPOINTS, **extra: str) -> dict[str, str]:
    out = {'server/polar/__init__.py': '', 'server/polar/organization/__init__.py': '',
           'server/polar/exceptions.py': EXCEPTIONS,
           'server/polar/organization/service.py': SERVICE,
           'server/polar/organization/endpoints.py': endpoints}
    out.update(extra)
    return out


def _error(name: str) -> dict[str, Any]:
    return {'title': name, 'type': 'object', 'required': ['error', 'detail'], 'properties': {
        'error': {'type': 'string', 'const': name, 'title': 'Error', 'examples': [name]},
        'detail': {'type': 'string', 'title': 'Detail'}}}


def docs_spec(forbidden: list[str]) -> str:
    """polar's docs/openapi.json for that operation (plain component names)."""
    refs = [{'$ref': f'#/components/schemas/{n}'} for n in forbidden]
    schema = refs[0] if len(refs) == 1 else {'anyOf': refs, 'title': 'Response 403'}
    doc = {'openapi': '3.1.0', 'info': {'title': 'Polar API', 'version': '0.1.0'},
           'paths': {'/organizations/{id}': {'patch': {
               'operationId': 'organizations:update',
               'parameters': [{'name': 'id', 'in': 'path', 'required': True,
                               'schema': {'type': 'string'}}],
               'responses': {
                   '200': {'description': 'Organization updated.', 'content': {
                       'application/json': {'schema': {
                           '$ref': '#/components/schemas/Organization'}}}},
                   '403': {'description': 'Forbidden.',
                           'content': {'application/json': {'schema': schema}}},
                   '404': {'description': 'Organization not found.', 'content': {
                       'application/json': {'schema': {
                           '$ref': '#/components/schemas/ResourceNotFound'}}}}}}}},
           'components': {'schemas': {
               'Organization': {'title': 'Organization', 'type': 'object',
                                'required': ['id', 'name'],
                                'properties': {'id': {'type': 'string'},
                                               'name': {'type': 'string'}}},
               'ResourceNotFound': _error('ResourceNotFound'),
               **{n: _error(n) for n in forbidden}}}}
    return json.dumps(doc, indent=1)


def run(base: dict[str, str], head: dict[str, str], coverage: bool = False) -> list[Any]:
    changes = ChangeSet.from_texts(base=base, head=head)
    return [f for f in check(changes, from_mapping({}, None), RunInfo())
            if coverage or f.rule != 'api-code-coverage']


def error_coverage(code: dict[str, str]) -> tuple[int, int, list[str]]:
    endpoints = 'server/polar/organization/endpoints.py'
    touched = dict(code, **{endpoints: code[endpoints] + '# touched\n'})
    (cov,) = [f for f in run(code, touched, coverage=True) if f.rule == 'api-code-coverage']
    return cov.extra['errors_resolved'], cov.extra['errors_total'], cov.extra[
        'errors_unresolved']


def enum_added(found: list[Any]) -> Any:
    (f,) = [x for x in found if x.rule == 'response-enum-value-added']
    return f


def test_a_docs_spec_catching_up_with_an_error_the_code_declared_is_info() -> None:
    """polar 74bb32d280b7: the code changed the 403 of PATCH /organizations/{id} in an
    earlier commit; the docs spec regenerated now catches up. A rename of the error kind
    (an error when it reaches clients) is info here: the base code already served it."""
    code = files(ENDPOINTS.replace('NotPermitted.schema(),',
                                   'DisputeAutoAcceptNotEnabled.schema(),'))
    found = run(dict(code, **{'docs/openapi.json': docs_spec(['NotPermitted'])}),
                dict(code, **{'docs/openapi.json': docs_spec(
                    ['DisputeAutoAcceptNotEnabled'])}))
    f = enum_added(found)
    assert f.severity == 'info' and f.extra['already_served'], f
    assert 'DisputeAutoAcceptNotEnabled' in f.message
    # the coverage line counts the error responses read: the 403 and the 404
    assert error_coverage(code) == (2, 2, [])


def test_an_error_the_base_code_did_not_declare_stays_an_error() -> None:
    """The same spec change made together with the code change: it reaches clients now."""
    head_code = files(ENDPOINTS.replace('NotPermitted.schema(),',
                                        'DisputeAutoAcceptNotEnabled.schema(),'))
    found = run(dict(files(), **{'docs/openapi.json': docs_spec(['NotPermitted'])}),
                dict(head_code, **{'docs/openapi.json': docs_spec(
                    ['DisputeAutoAcceptNotEnabled'])}))
    spec_side = [x for x in found if x.rule == 'response-enum-value-added'
                 and x.path == 'docs/openapi.json']
    assert spec_side and all(x.severity == 'error' for x in spec_side), spec_side


def test_the_route_code_compares_error_bodies_declared_with_schema_classmethods() -> None:
    """The failing example in the route code alone: the error kind of a 4xx body renamed
    (polar df2d90ed792c: UncancelWithoutPaymentMethod -> PaymentMethodRequired)."""
    head = files(ENDPOINTS.replace('NotPermitted.schema(),',
                                   'DisputeAutoAcceptNotEnabled.schema(),'))
    f = enum_added(run(files(), head))
    # reported where the new error kind is: its class (the model schema() makes for it)
    assert (f.severity, f.path) == ('error', 'server/polar/organization/service.py')
    assert f.extra['affected'] == ['PATCH /organizations/{id}'] or 'PATCH' in f.message
    assert '"NotPermitted" replaced by "DisputeAutoAcceptNotEnabled"' in f.message, f.message
    # the 404 through the module constant is read too: its error kind changing is seen
    other = files(ENDPOINTS.replace('"model": ResourceNotFound.schema()',
                                    '"model": NotPermitted.schema()'))
    assert [x for x in run(files(), other) if x.severity == 'error'
            and x.rule.startswith('response-')], run(files(), other)


HELPERS = '''\
from typing import Any

from polar.exceptions import NotPermitted, ResourceNotFound


def error_response(description: str, model: Any) -> dict[str, Any]:
    """A documented error response."""
    return {"description": description, "model": model}


COMMON = {404: error_response("Organization not found.", ResourceNotFound.schema())}
'''

SHAPES = {
    # {**A, **B}: a shared constant imported from another module, merged
    'merge': ('responses={\n        **COMMON,\n        403: error_response("Forbidden.", '
              'NotPermitted.schema()),\n    },'),
    # polar's checkout errors: a union under Annotated (the metadata names the component)
    'annotated': ('responses={\n        403: {"description": "Forbidden.", "model": Annotated[\n'
                  '            NotPermitted.schema() | ResourceNotFound.schema(),\n'
                  '            SetSchemaReference("OrganizationForbiddenError"),\n        ]},\n'
                  '    },'),
    # a comprehension over a literal tuple of exception classes (status as a class constant)
    'comprehension': ('responses={E.status: {"model": E.schema()} '
                      'for E in (NotPermitted, ResourceNotFound)},'),
}


def _shape(name: str, forbidden: str = 'NotPermitted') -> str:
    body = ENDPOINTS.split('    responses={')[0] + SHAPES[name].replace(
        'NotPermitted', forbidden) + '\n)\nasync def update(id: str) -> Organization: ...\n'
    return body.replace('from polar.exceptions import NotPermitted, ResourceNotFound\n',
                        'from typing import Annotated\n\n'
                        'from polar.exceptions import NotPermitted, ResourceNotFound\n'
                        'from polar.kit.schemas import SetSchemaReference\n'
                        'from polar.openapi import COMMON, error_response\n')


def test_helpers_constants_merges_and_comprehensions_read_like_the_literal() -> None:
    exceptions = EXCEPTIONS.replace('class NotPermitted(PolarError):\n',
                                    'class NotPermitted(PolarError):\n    status = 403\n\n'
                                    ).replace('class ResourceNotFound(PolarError):\n',
                                              'class ResourceNotFound(PolarError):\n'
                                              '    status = 404\n\n')
    service = SERVICE.replace('(OrganizationError):\n', '(OrganizationError):\n'
                                                        '    status = 403\n\n')
    for name in SHAPES:
        base = files(_shape(name), **{'server/polar/openapi.py': HELPERS,
                                      'server/polar/exceptions.py': exceptions,
                                      'server/polar/organization/service.py': service})
        unread = [x for x in run(base, dict(base, **{
            'server/polar/organization/endpoints.py': _shape(name) + '\n# touched\n'}))
            if x.rule == 'api-code-unresolved']
        assert unread == [], (name, unread)
        # the error kinds are compared: another exception in place of NotPermitted in the
        # 403 renames its error kind (in a union of kinds too, where the branches swapped
        # are context: one error for the kind, naming the old and the new value)
        swapped = dict(base, **{'server/polar/organization/endpoints.py': _shape(
            name, 'DisputeAutoAcceptNotEnabled')})
        got = run(base, swapped)
        assert [x for x in got if (x.rule, x.severity) == ('response-enum-value-added', 'error')
                and '"NotPermitted" replaced by "DisputeAutoAcceptNotEnabled"' in x.message
                ], (name, got)
        assert not [x for x in got if x.severity == 'error'
                    and x.rule != 'response-enum-value-added'], (name, got)
        assert not [x for x in got if x.rule == 'response-enum-value-removed'], got


UNREADABLE = '''\
from typing import Any


def error_responses(*errors: Any) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for error in errors:
        out.setdefault(403, {"model": error.schema()})
    return out
'''


def test_responses_that_cannot_be_read_are_reported_and_keep_the_spec_finding() -> None:
    endpoints = ENDPOINTS.replace(
        'from polar.exceptions import NotPermitted, ResourceNotFound\n',
        'from polar.exceptions import NotPermitted, ResourceNotFound\n'
        'from polar.openapi import error_responses\n').replace(
        '''    responses={
        200: {"description": "Organization updated."},
        403: {
            "description": "You don't have the permission to update this organization.",
            "model": NotPermitted.schema(),
        },
        404: OrganizationNotFound,
    },''', '    responses=error_responses(NotPermitted, DisputeAutoAcceptNotEnabled),')
    code = files(endpoints, **{'server/polar/openapi.py': UNREADABLE})
    touched = dict(code, **{'server/polar/organization/endpoints.py': endpoints + '# x\n'})
    (f,) = [x for x in run(code, touched) if x.rule == 'api-code-unresolved']
    assert 'error_responses(' in f.message and f.path.endswith('endpoints.py')
    assert error_coverage(code) == (0, 1, ['PATCH /organizations/{id} responses='])
    found = run(dict(code, **{'docs/openapi.json': docs_spec(['NotPermitted'])}),
                dict(code, **{'docs/openapi.json': docs_spec(
                    ['DisputeAutoAcceptNotEnabled'])}))
    assert enum_added(found).severity == 'error'


def test_an_error_model_the_class_method_does_not_make_statically_is_unknown() -> None:
    """A ``schema()`` that is not ``create_model(cls.__name__, ...)`` (here built from a
    registry lookup) is not guessed: unresolved, and changes to it are not compared."""
    other = EXCEPTIONS.replace('''        model = create_model(
            cls.__name__,
            error=(error_literal, Field(examples=[cls.__name__])),
            detail=(str, ...),
        )''', '        model = REGISTRY[cls.__name__]')
    base = files(**{'server/polar/exceptions.py': other})
    head = dict(base, **{'server/polar/organization/endpoints.py': ENDPOINTS.replace(
        'NotPermitted.schema(),', BOTH + ',')})
    found = run(base, head)
    assert not [x for x in found if x.severity == 'error'], found
    assert [x for x in found if x.rule == 'api-code-unresolved'
            and 'schema()' in x.message]
    # neither error body is read (every model comes from that schema()), and both are
    # counted as not read, the 404 declared through the module constant included
    assert error_coverage(base) == (0, 2, ['PATCH /organizations/{id} 403',
                                           'PATCH /organizations/{id} 404'])
