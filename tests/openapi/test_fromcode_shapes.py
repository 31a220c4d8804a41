"""The contract from route code on the shapes real FastAPI services are written in (issue
13): each test fails on the reading of the code before the fix and passes after."""
from __future__ import annotations

from typing import Any

import pytest

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.contract import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.policy import from_mapping


def scan(base: dict[str, str], head: dict[str, str], **contract: Any) -> list[Any]:
    changes = ChangeSet.from_texts(base=base, head=head)
    return check(changes, from_mapping({'contract': contract}, None), RunInfo())


def found(base: dict[str, str], head: dict[str, str], **contract: Any) -> set[tuple[str, str]]:
    return {(f.rule, f.severity) for f in scan(base, head, **contract)
            if f.rule not in ('api-code-coverage', 'api-code-unresolved')}


def coverage(files: dict[str, str], **contract: Any) -> tuple[int, int]:
    touched = dict(files)
    first = next(p for p in files if p.endswith('.py'))
    touched[first] = files[first] + '\n# touched\nclass _Touch(BaseModel):\n    x: int\n'
    (cov,) = [f for f in scan(files, touched, **contract) if f.rule == 'api-code-coverage']
    return cov.extra['resolved'], cov.extra['total']


# -- 1. import roots: the full-stack template's backend/ layout --------------------------------

BACKEND_MODELS = '''\
from sqlmodel import Field, SQLModel


class ItemBase(SQLModel):
    title: str = Field(min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=255)


class ItemPublic(ItemBase):
    id: int
    owner_id: int


class ItemsPublic(SQLModel):
    data: list[ItemPublic]
    count: int
'''

BACKEND_ROUTES = '''\
from typing import Any

from fastapi import APIRouter

from app.models import ItemPublic, ItemsPublic

router = APIRouter(prefix="/items", tags=["items"])


@router.get("/", response_model=ItemsPublic)
def read_items(skip: int = 0, limit: int = 100) -> Any:
    ...


@router.get("/{id}", response_model=ItemPublic)
def read_item(id: int) -> Any:
    ...
'''

BACKEND_MAIN = '''\
from fastapi import APIRouter, FastAPI

from app.api.routes import items
from app.core.config import settings

api_router = APIRouter()
api_router.include_router(items.router)

app = FastAPI()
app.include_router(api_router, prefix=settings.API_V1_STR)
'''


def backend(models: str = BACKEND_MODELS) -> dict[str, str]:
    return {'backend/pyproject.toml': '[project]\nname = "app"\n',
            'backend/app/__init__.py': '', 'backend/app/api/__init__.py': '',
            'backend/app/api/routes/__init__.py': '',
            'backend/app/models.py': models,
            'backend/app/api/routes/items.py': BACKEND_ROUTES,
            'backend/app/main.py': BACKEND_MAIN,
            'backend/app/core/config.py': 'class Settings:\n    API_V1_STR = "/api/v1"\n\n'
                                          'settings = Settings()\n'}


def test_models_imported_from_a_backend_folder_are_resolved() -> None:
    narrowed = backend(BACKEND_MODELS.replace('title: str = Field(min_length=1, max_length=255)',
                                              'title: str = Field(min_length=1, max_length=100)'))
    assert ('request-property-max-length-decreased', 'error') not in found(backend(), narrowed)
    # the response narrowed: nothing for clients reading it; a removed field breaks them
    removed = backend(BACKEND_MODELS.replace('    owner_id: int\n', ''))
    got = scan(backend(), removed)
    (f,) = [x for x in got if x.rule == 'response-property-removed']
    assert f.severity == 'error' and f.path == 'backend/app/models.py'
    assert set(f.extra['affected']) == {'GET {settings.API_V1_STR}/items/',
                                        'GET {settings.API_V1_STR}/items/{id}'}
    assert coverage(backend()) == (2, 2)


def test_python_roots_policy_key_names_the_roots() -> None:
    files = {'svc/app/__init__.py': '', 'svc/app/models.py': BACKEND_MODELS,
             'svc/app/routes.py': BACKEND_ROUTES}
    # nothing marks svc/ as a project root, but the folders above the file are tried
    assert coverage(files) == (2, 2)
    # an explicit root wins over a same-named package elsewhere
    files['app/models.py'] = 'class ItemPublic:\n    pass\n'
    assert coverage(files, python_roots=['svc']) == (2, 2)


# -- 2. newer Python syntax --------------------------------------------------------------------

PY314_ROUTES = '''\
from fastapi import APIRouter

router = APIRouter(prefix="/sessions")

type SessionId = str


@router.get("/{session_id}")
async def get_session(session_id: SessionId) -> dict[str, str]:
    try:
        return {"id": session_id}
    except ValueError, KeyError:
        raise


@router.delete("/{session_id}", status_code=204)
async def delete_session(session_id: str) -> None:
    ...
'''


def test_code_for_newer_python_is_not_route_removed() -> None:
    # the Ruff py314 upgrade rewrites `except (A, B):` and aliases to the new syntax
    old = PY314_ROUTES.replace('except ValueError, KeyError:', 'except (ValueError, KeyError):'
                               ).replace('type SessionId = str', 'SessionId = str')
    base = {'server/pyproject.toml': '[project]\nrequires-python = ">=3.14"\n',
            'server/app/sessions.py': old}
    head = dict(base, **{'server/app/sessions.py': PY314_ROUTES})
    assert found(base, head) == set()


def test_a_module_that_parses_on_neither_python_makes_its_routes_unknown() -> None:
    broken = PY314_ROUTES.replace('return {"id": session_id}', 'return f"{"id"}"  # {{')
    broken = broken.replace('async def delete_session(', 'async def delete_session((')
    base = {'server/pyproject.toml': '[project]\nrequires-python = ">=3.14"\n',
            'server/app/sessions.py': PY314_ROUTES}
    head = dict(base, **{'server/app/sessions.py': broken})
    got = scan(base, head)
    rules = {(f.rule, f.severity) for f in got}
    assert ('api-route-removed', 'error') not in rules
    assert ('api-code-unparseable', 'info') in rules
    (hint,) = [f for f in got if f.rule == 'python-version-unsupported']
    assert 'language_version: python3.14' in hint.message
    assert hint.path == 'server/pyproject.toml'


# -- 3. openapi_extra is deep-merged, module constants resolved --------------------------------

EXTRA_ROUTES = '''\
from fastapi import APIRouter

from shop.models import Item

router = APIRouter()

UPLOAD_SCHEMA = {"type": "object", "required": ["name"],
                 "properties": {"name": {"type": "string"}}}


@router.post("/items", response_model=Item,
             openapi_extra={"requestBody": {"content": {"application/x-yaml": {
                 "schema": UPLOAD_SCHEMA}}, "required": True}})
def create_item(item: Item) -> Item:
    ...
'''

ITEM = 'from pydantic import BaseModel\n\n\nclass Item(BaseModel):\n    name: str\n    size: int\n'


def test_openapi_extra_is_merged_into_the_handler_body_not_replacing_it() -> None:
    base = {'shop/models.py': ITEM, 'shop/routes.py': EXTRA_ROUTES}
    # the JSON body (from the handler) loses a field: still compared with openapi_extra set
    head = dict(base, **{'shop/models.py': ITEM.replace('    size: int\n', '')})
    assert ('response-property-removed', 'error') in found(base, head)
    # the constant is read the same way on both sides: editing unrelated code is silent
    moved = dict(base, **{'shop/routes.py': EXTRA_ROUTES.replace(
        'def create_item(item: Item) -> Item:\n    ...',
        'def create_item(item: Item) -> Item:\n    return item')})
    assert found(base, moved) == set()
    narrowed = dict(base, **{'shop/routes.py': EXTRA_ROUTES.replace(
        '"required": ["name"]', '"required": ["name", "size"]').replace(
        '"properties": {"name": {"type": "string"}}',
        '"properties": {"name": {"type": "string"}, "size": {"type": "integer"}}')})
    assert ('new-required-request-property', 'error') in found(base, narrowed)


# -- 4. parameters hidden from the schema ------------------------------------------------------

HIDDEN = '''\
from fastapi import APIRouter, Query

router = APIRouter()


@router.get("/orders")
def list_orders(limit: int = 20, debug: bool = Query(False, include_in_schema=False)
                ) -> list[int]:
    return []
'''


def test_parameters_excluded_from_the_schema_are_not_part_of_the_contract() -> None:
    base = {'api/orders.py': HIDDEN}
    head = {'api/orders.py': HIDDEN.replace(', debug: bool = Query(False, include_in_schema='
                                            'False)', '')}
    assert found(base, head) == set()
    head = {'api/orders.py': HIDDEN.replace('limit: int = 20, ', '')}
    assert ('request-parameter-removed', 'error') in found(base, head)


# -- 5. module-level aliases -------------------------------------------------------------------

ALIASES = '''\
from enum import Enum
from typing import Annotated, Literal, Union

from fastapi import Depends
from pydantic import BaseModel, Field


class Visibility(str, Enum):
    public = "public"
    private = "private"


Kind = Literal["bug", "task"]
PrimaryKey = Annotated[int, Field(gt=0, lt=2147483647)]
NameStr = Annotated[str, Field(pattern=r"^[a-z]+$", max_length=50)]


def get_current_user(token: str = "") -> str:
    return token


CurrentUser = Annotated[str, Depends(get_current_user)]


class Cat(BaseModel):
    pet_type: Literal["cat"]
    meows: int


class Dog(BaseModel):
    pet_type: Literal["dog"]
    barks: float


Pet = Annotated[Union[Cat, Dog], Field(discriminator="pet_type")]


class Ticket(BaseModel):
    id: PrimaryKey
    name: NameStr
    kind: Kind
    visibility: Visibility
'''

ALIAS_ROUTES = '''\
from fastapi import APIRouter

from app.types import CurrentUser, Pet, PrimaryKey, Ticket

router = APIRouter()


@router.get("/tickets/{ticket_id}", response_model=Ticket)
def get_ticket(ticket_id: PrimaryKey, user: CurrentUser):
    ...


@router.post("/pets")
def add_pet(pet: Pet, user: CurrentUser) -> dict[str, str]:
    ...
'''


def aliases(types: str = ALIASES, routes: str = ALIAS_ROUTES) -> dict[str, str]:
    return {'app/__init__.py': '', 'app/types.py': types, 'app/routes.py': routes}


def test_annotated_depends_alias_is_a_dependency_not_a_query_parameter() -> None:
    # the handler starts requiring a logged-in user: not a new query parameter
    base = aliases(routes=ALIAS_ROUTES.replace('ticket_id: PrimaryKey, user: CurrentUser',
                                               'ticket_id: PrimaryKey'))
    got = found(base, aliases())
    # what the dependency itself reads (an optional token) is all that is new
    assert got == {('new-optional-request-parameter', 'info')}


def test_aliases_of_literal_enum_and_field_constraints_are_resolved() -> None:
    head = aliases(ALIASES.replace('Kind = Literal["bug", "task"]', 'Kind = Literal["bug"]')
                   .replace('lt=2147483647', 'lt=1000'))
    got = found(aliases(), head)
    assert ('request-parameter-exclusive-max-decreased', 'error') in got
    assert ('response-enum-value-removed', 'info') in got or ('response-property-enum-value'
                                                              '-removed', 'info') in got


def test_discriminated_union_body_field_becoming_required_is_a_break() -> None:
    head = aliases(ALIASES.replace('    barks: float\n', '    barks: float\n    name: str\n'))
    got = found(aliases(), head)
    assert ('new-required-request-property', 'error') in got


# -- 6. responses= merges with response_model --------------------------------------------------

RESPONSES = '''\
from fastapi import APIRouter

from shop.models import Item

router = APIRouter()


@router.get("/items/{item_id}", response_model=Item,
            responses={200: {"description": "The item", "content": {
                "application/json": {"example": {"name": "x", "size": 1}}}},
                       404: {"description": "Not found"}})
def get_item(item_id: str):
    ...
'''


def test_responses_entry_for_the_success_status_keeps_the_response_model() -> None:
    base = {'shop/models.py': ITEM, 'shop/routes.py': RESPONSES}
    head = dict(base, **{'shop/models.py': ITEM.replace('    size: int\n', '')})
    assert ('response-property-removed', 'error') in found(base, head)
    relabelled = dict(base, **{'shop/routes.py': RESPONSES.replace('"The item"', '"An item"')})
    assert found(base, relabelled) == set()


# -- 7. same class name in two modules ---------------------------------------------------------

CASE_MODELS = '''\
from pydantic import BaseModel


class CaseRead(BaseModel):
    id: int
    name: str
    title: str
'''

INCIDENT_MODELS = '''\
from pydantic import BaseModel


class CaseRead(BaseModel):
    id: int
    name: str


class IncidentRead(BaseModel):
    id: int
    cases: list[CaseRead] = []
'''

VIEWS = '''\
from fastapi import APIRouter

from dispatch.case.models import CaseRead
from dispatch.incident.models import IncidentRead

router = APIRouter()


@router.get("/cases/{case_id}", response_model=CaseRead)
def get_case(case_id: int):
    ...


@router.get("/incidents/{incident_id}", response_model=IncidentRead)
def get_incident(incident_id: int):
    ...
'''


def test_models_are_keyed_by_module_not_by_class_name() -> None:
    base = {'src/dispatch/case/models.py': CASE_MODELS,
            'src/dispatch/incident/models.py': INCIDENT_MODELS,
            'src/dispatch/views.py': VIEWS}
    renamed = INCIDENT_MODELS.replace('class CaseRead(', 'class CaseReadBasic(').replace(
        'list[CaseRead]', 'list[CaseReadBasic]')
    head = dict(base, **{'src/dispatch/incident/models.py': renamed})
    assert found(base, head) == set()
    trimmed = dict(base, **{'src/dispatch/case/models.py': CASE_MODELS.replace(
        '    title: str\n', '')})
    got = scan(base, trimmed)
    (f,) = [x for x in got if x.rule == 'response-property-removed']
    assert f.extra['affected'] == ['GET /cases/{case_id}']


# -- 8. serialization mode ---------------------------------------------------------------------

def test_response_field_gaining_a_default_is_still_always_present() -> None:
    base = {'shop/models.py': ITEM, 'shop/routes.py': RESPONSES}
    head = dict(base, **{'shop/models.py': ITEM.replace('    size: int\n', '    size: int = 0\n')})
    assert found(base, head) == set()
    excluded = dict(base, **{'shop/models.py': ITEM.replace(
        '    size: int\n', '    size: int = Field(0, exclude=True)\n').replace(
        'from pydantic import BaseModel', 'from pydantic import BaseModel, Field')})
    assert ('response-property-removed', 'error') in found(base, excluded)


def test_pydantic_v1_optional_without_default_is_optional_in_requests() -> None:
    models = ('from typing import Optional\n\nfrom pydantic import BaseModel\n\n\n'
              'class ProjectUpdate(BaseModel):\n    name: str\n')
    routes = ('from fastapi import APIRouter\n\nfrom app.models import ProjectUpdate\n\n'
              'router = APIRouter()\n\n\n@router.put("/projects/{id}")\n'
              'def update(id: int, body: ProjectUpdate) -> None:\n    ...\n')
    v1 = {'requirements.txt': 'fastapi==0.100.0\npydantic==1.10.21\n',
          'app/models.py': models, 'app/routes.py': routes}
    added = models + '    snooze_service_id: Optional[int]\n'
    assert found(v1, dict(v1, **{'app/models.py': added})) == {
        ('new-optional-request-property', 'info')}
    v2 = dict(v1, **{'requirements.txt': 'fastapi==0.115.0\npydantic==2.11.4\n'})
    assert ('new-required-request-property', 'error') in found(v2, dict(v2, **{
        'app/models.py': added}))
    # the upgrade itself makes the field required: a break clients see
    upgraded = dict(v1, **{'app/models.py': added})
    after = dict(upgraded, **{'requirements.txt': 'fastapi==0.115.0\npydantic==2.11.4\n',
                              'app/models.py': added + '\n'})
    assert ('request-property-became-required', 'error') in found(upgraded, after)


# -- 9. untyped dict responses -----------------------------------------------------------------

HEALTH = '''\
from fastapi import APIRouter

router = APIRouter()


@router.get("/health")
def health():
    return {"status": "ok", "version": VERSION}
'''


def test_dict_literal_response_compared_with_the_model_that_replaces_it() -> None:
    base = {'app/health.py': 'VERSION = "1"\n' + HEALTH}
    model = ('from pydantic import BaseModel\n\n\nclass Health(BaseModel):\n'
             '    status: str\n\n\nVERSION = "1"\n')
    head = {'app/health.py': model + HEALTH.replace(
        '@router.get("/health")', '@router.get("/health", response_model=Health)').replace(
        'return {"status": "ok", "version": VERSION}', 'return Health(status="ok")')}
    got = scan(base, head)
    (f,) = [x for x in got if x.rule == 'response-property-removed']
    assert 'version' in f.message and f.severity == 'error'
    json_response = {'app/health.py': 'VERSION = "1"\n' + HEALTH.replace(
        'return {"status": "ok", "version": VERSION}',
        'return JSONResponse(content={"status": "ok"})')}
    assert ('response-property-removed', 'error') in found(base, json_response)


# -- 10. prefix moved between include_router and APIRouter -------------------------------------

MOUNT_ROUTER = '''\
from fastapi import APIRouter

router = APIRouter()


@router.get("")
def list_orders():
    return []


@router.post("")
def create_order() -> None:
    ...
'''

MOUNT_APP = '''\
from fastapi import FastAPI

from shop import orders

app = FastAPI()
app.include_router(orders.router, prefix="/orders")
'''


def test_prefix_moved_into_the_router_is_not_a_route_change() -> None:
    # a server/ monorepo: `from shop import orders` resolves under server/
    base = {'server/pyproject.toml': '[project]\nname = "shop"\n',
            'server/shop/__init__.py': '', 'server/shop/orders.py': MOUNT_ROUTER,
            'server/shop/main.py': MOUNT_APP}
    head = dict(base, **{
        'server/shop/orders.py': MOUNT_ROUTER.replace('APIRouter()',
                                                      'APIRouter(prefix="/orders")'),
        'server/shop/main.py': MOUNT_APP.replace(', prefix="/orders"', '')})
    assert found(base, head) == set()


def test_route_changed_names_only_the_routes_that_moved() -> None:
    base = {'shop/__init__.py': '', 'shop/orders.py': MOUNT_ROUTER, 'shop/main.py': MOUNT_APP}
    # GET moves to /orders/all, POST /orders is deleted: the whole path /orders goes
    head = dict(base, **{'shop/orders.py': MOUNT_ROUTER.replace(
        '@router.get("")', '@router.get("/all")').split('\n\n\n@router.post')[0] + '\n'})
    got = scan(base, head)
    (f,) = [x for x in got if x.rule == 'api-route-changed']
    assert f.extra['affected'] == ['GET /orders', 'GET /orders/all']
    assert 'POST' not in f.message
    (removed,) = [x for x in got if x.rule == 'api-route-removed']
    assert removed.extra['affected'] == ['POST /orders']


def test_apirouter_subclass_prefix_is_read() -> None:
    routers = ('from fastapi import APIRouter\n\n\nclass UserAPIRouter(APIRouter):\n'
               '    pass\n')
    groups = ('from app.routers import UserAPIRouter\n\nrouter = UserAPIRouter('
              'prefix="/groups")\n\n\n@router.get("/statistics")\ndef stats() -> None:\n'
              '    ...\n')
    households = groups.replace('/groups', '/households')
    base = {'app/__init__.py': '', 'app/routers.py': routers, 'app/groups.py': groups,
            'app/households.py': households}
    head = dict(base, **{'app/groups.py': groups.split('\n\n\n@router')[0] + '\n'})
    got = scan(base, head)
    assert [x.extra['operation'] for x in got if x.rule == 'api-route-removed'] == [
        'GET /groups/statistics']


def test_prefix_of_the_including_router_applies_to_its_children() -> None:
    # mealie: routes/__init__.py has router = APIRouter(prefix="/api") including packages
    package = ('from fastapi import APIRouter\n\nfrom . import groups\n\n'
               'router = APIRouter(prefix="/api")\nrouter.include_router(groups.router)\n')
    groups = ('from fastapi import APIRouter\n\nrouter = APIRouter(prefix="/groups")\n\n\n'
              '@router.get("/statistics")\ndef stats() -> None:\n    ...\n\n\n'
              '@router.get("/members")\ndef members() -> None:\n    ...\n')
    base = {'app/__init__.py': '', 'app/routes/__init__.py': package,
            'app/routes/groups.py': groups}
    head = dict(base, **{'app/routes/groups.py': groups.split('\n\n\n@router.get("/members")')[0]
                         + '\n'})
    got = scan(base, head)
    assert [x.extra['operation'] for x in got if x.rule == 'api-route-removed'] == [
        'GET /api/groups/members']


CONTROLLERS = '''\
from fastapi import APIRouter

router = APIRouter(prefix="/explore")


class PublicCategories:
    @router.get("/categories/{slug}")
    def get_all(self, slug: str) -> list[str]:
        ...


class PublicTags:
    @router.get("/tags/{slug}")
    def get_all(self, slug: str) -> list[str]:
        ...
'''


def test_class_based_views_with_the_same_method_name_are_different_handlers() -> None:
    base = {'app/explore.py': CONTROLLERS}
    head = {'app/explore.py': CONTROLLERS.replace('"/categories/{slug}"',
                                                  '"/groups/{slug}/categories"')}
    got = scan(base, head)
    (f,) = [x for x in got if x.rule == 'api-route-changed']
    assert 'PublicCategories.get_all()' in f.message
    assert f.extra['affected'] == ['GET /explore/categories/{slug}',
                                   'GET /explore/groups/{slug}/categories']


def test_a_response_body_that_changes_type_points_at_the_route() -> None:
    page = ('from typing import Generic, TypeVar\n\nfrom pydantic import BaseModel\n\n'
            'T = TypeVar("T")\n\n\nclass Page(BaseModel, Generic[T]):\n    items: list[T]\n'
            '    total: int\n')
    routes = ('from fastapi import APIRouter\n\nfrom app.page import Page\n\n'
              'router = APIRouter()\n\n\n@router.get("/members", response_model=list[str])\n'
              'def members():\n    ...\n')
    base = {'app/__init__.py': '', 'app/page.py': page, 'app/routes.py': routes}
    head = dict(base, **{'app/routes.py': routes.replace('response_model=list[str]',
                                                         'response_model=Page[str]')})
    got = scan(base, head)
    (f,) = [x for x in got if x.rule == 'response-body-type-changed']
    assert (f.path, f.line, f.severity) == ('app/routes.py', 8, 'error')


UNTYPED = '''\
from fastapi import APIRouter

router = APIRouter()


@router.get("/categories/{slug}")
def get_one_by_slug(slug: str):
    category = load(slug)
    return CategoryOut(slug=category.slug, recipes=by_group(category))
'''


def test_changed_route_with_an_unreadable_response_is_a_warning_only_when_its_shape_changed(
        ) -> None:
    base = {'app/categories.py': UNTYPED}
    values = {'app/categories.py': UNTYPED.replace('by_group(category)', 'all_of(category)')}
    assert found(base, values) == set()
    shape = {'app/categories.py': UNTYPED.replace('recipes=by_group(category)',
                                                  'items=by_group(category)')}
    (f,) = [x for x in scan(base, shape) if x.rule == 'api-route-contract-unresolved']
    assert (f.severity, f.path, f.line) == ('warning', 'app/categories.py', 6)
    new_route = {'app/categories.py': UNTYPED + UNTYPED.split('\n\n\n', 1)[1].replace(
        '/categories/{slug}', '/tags/{slug}').replace('get_one_by_slug', 'get_tag')}
    assert found(base, new_route) == {('api-route-added', 'info')}   # no clients yet


SHARED = '''\
from typing import Annotated, Any, Optional

from pydantic import BaseModel, StringConstraints

NameStr = Annotated[str, StringConstraints(pattern=r"^(?!\\\\s*$).+", min_length=3)]


class TeamCreate(BaseModel):
    name: NameStr
    extra: Any


class ServiceCreate(BaseModel):
    name: NameStr
    owner: Optional[NameStr] = None
'''

SHARED_ROUTES = '''\
from fastapi import APIRouter

from app.models import ServiceCreate, TeamCreate

router = APIRouter()


@router.post("/teams")
def create_team(body: TeamCreate) -> None:
    ...


@router.post("/services")
def create_service(body: ServiceCreate) -> None:
    ...
'''


def test_a_constraint_of_a_shared_alias_is_one_finding_at_the_alias() -> None:
    base = {'app/__init__.py': '', 'app/models.py': SHARED, 'app/routes.py': SHARED_ROUTES}
    head = dict(base, **{'app/models.py': SHARED.replace('^(?!\\\\s*$).+', '.*\\\\S.*')})
    got = [f for f in scan(base, head) if f.rule == 'request-pattern-changed']
    assert len(got) == 1
    (f,) = got
    assert (f.path, f.line, f.severity) == ('app/models.py', 5, 'warning')
    assert f.extra['affected'] == ['POST /teams', 'POST /services']
    assert len(f.extra['properties']) == 3


def test_any_made_optional_is_still_any() -> None:
    base = {'app/__init__.py': '', 'app/models.py': SHARED, 'app/routes.py': SHARED_ROUTES}
    head = dict(base, **{'app/models.py': SHARED.replace('    extra: Any\n',
                                                         '    extra: Any | None\n')})
    assert found(base, head) == set()


CLEAR = '''\
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field


class SubscriptionUpdateClear(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pending_update: Literal[None] = Field(description="Set to null to remove the update.")


class ProductCreateOneTime(BaseModel):
    name: str
    recurring_interval: Literal[None] = Field(default=None)
    kind: Literal["one_time", None] = None


router = APIRouter(prefix="/v1")


@router.patch("/subscriptions/{id}")
def update(id: str, body: SubscriptionUpdateClear) -> None: ...


@router.post("/products/")
def create(body: ProductCreateOneTime) -> None: ...
'''


def test_literal_none_is_the_none_type() -> None:
    base = {'app/__init__.py': '', 'app/routes.py': CLEAR}
    rewritten = (CLEAR.replace('pending_update: Literal[None]', 'pending_update: None')
                 .replace('recurring_interval: Literal[None]', 'recurring_interval: None')
                 .replace('Literal["one_time", None] = None', 'Literal["one_time"] | None = None'))
    assert found(base, {'app/__init__.py': '', 'app/routes.py': rewritten}) == set()
    narrowed = CLEAR.replace('Literal["one_time", None] = None', 'Literal["one_time"] = "one_time"')
    got = found(base, {'app/__init__.py': '', 'app/routes.py': narrowed})
    assert ('request-property-became-not-nullable', 'error') in got


PLUGIN = '''\
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel


class PluginInstanceCreate(BaseModel):
    enabled: bool | None = None
    configuration: dict | None = None


router = APIRouter()


@router.post("/plugins/instances")
def create(body: PluginInstanceCreate) -> None: ...
'''


def test_a_field_made_any_still_takes_null() -> None:
    base = {'app/__init__.py': '', 'app/routes.py': PLUGIN}
    head = {'app/__init__.py': '',
            'app/routes.py': PLUGIN.replace('configuration: dict | None',
                                            'configuration: Any | None')}
    assert found(base, head) == {('request-property-type-generalized', 'info')}
    narrowed = PLUGIN.replace('configuration: dict | None = None', 'configuration: dict = {}')
    assert ('request-property-became-not-nullable', 'error') in found(
        base, {'app/__init__.py': '', 'app/routes.py': narrowed})


PRIORITY = '''\
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, EmailStr
from pydantic.color import Color


class PriorityRead(BaseModel):
    id: int
    name: str
    color: Color | None = None
    owner_email: EmailStr
    created_at: datetime


router = APIRouter(prefix="/priorities")


@router.get("/{priority_id}", response_model=PriorityRead)
def get_priority(priority_id: int) -> PriorityRead: ...
'''


def test_a_response_losing_a_format_no_client_knows_is_context() -> None:
    """The Pydantic 2 upgrade replaces ``pydantic.color.Color`` by ``str``: the response
    loses ``format: color``, which neither JSON Schema nor OpenAPI defines, so no client
    parses or validates by it (info); losing ``email`` or ``date-time``, which validators
    and generated clients do use, stays a warning."""
    base = {'app/__init__.py': '', 'app/routes.py': PRIORITY}
    as_str = PRIORITY.replace('color: Color | None', 'color: str | None')
    got = scan(base, {'app/__init__.py': '', 'app/routes.py': as_str})
    (removed,) = [f for f in got if f.rule == 'response-property-format-removed']
    assert removed.severity == 'info'
    assert 'no format JSON Schema or OpenAPI defines' in removed.message
    for field, old, new in (('owner_email', 'EmailStr', 'str'),
                            ('created_at', 'datetime', 'str')):
        edited = PRIORITY.replace(f'{field}: {old}', f'{field}: {new}')
        assert found(base, {'app/__init__.py': '', 'app/routes.py': edited}) == {
            ('response-property-format-removed', 'warning')}, field


PREFERENCES = '''\
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict


class UpdateGroupPreferences(BaseModel):
    private_group: bool = True
    first_day_of_week: int = 0


router = APIRouter(prefix="/groups")


@router.put("/preferences")
def update_preferences(data: UpdateGroupPreferences) -> None: ...
'''


def test_a_removed_request_property_is_an_error_when_the_model_forbids_extra() -> None:
    """A field moved out of an update model: Pydantic's default (``extra="ignore"``) drops
    the value a client still sends (a hazard: warning); a model with
    ``extra="forbid"`` answers it with a 422 (a running client breaks: error)."""
    base = {'app/__init__.py': '', 'app/routes.py': PREFERENCES}
    moved = PREFERENCES.replace('    first_day_of_week: int = 0\n', '')
    got = scan(base, {'app/__init__.py': '', 'app/routes.py': moved})
    (removed,) = [f for f in got if f.rule == 'request-property-removed']
    assert (removed.severity, 'have it ignored' in removed.message) == ('warning', True)
    strict = PREFERENCES.replace('    private_group: bool = True\n',
                                 '    model_config = ConfigDict(extra="forbid")\n\n'
                                 '    private_group: bool = True\n')
    got = scan({'app/__init__.py': '', 'app/routes.py': strict},
               {'app/__init__.py': '',
                'app/routes.py': strict.replace('    first_day_of_week: int = 0\n', '')})
    (removed,) = [f for f in got if f.rule == 'request-property-removed']
    assert (removed.severity, 'are rejected' in removed.message) == ('error', True)


CASES = '''\
from fastapi import APIRouter
from pydantic import BaseModel


class CaseReadMinimal(BaseModel):
    id: int
    title: str
    reporter: str | None = None
    tags: list[str] = []


class IncidentUpdate(BaseModel):
    title: str
    cases: list[CaseReadMinimal] = []


router = APIRouter()


@router.get("/cases", response_model=list[CaseReadMinimal])
def get_cases() -> list[CaseReadMinimal]: ...


@router.put("/incidents/{incident_id}")
def update_incident(incident_id: int, incident_in: IncidentUpdate) -> None: ...
'''


def test_a_property_removed_from_a_model_sent_back_in_requests_is_one_finding() -> None:
    """A read model trimmed for a faster list (dispatch 494c6da1b81a): the same model is
    echoed back nested in an update body. One root cause, one finding: the response side
    (clients reading `tags` break) names the request side (clients sending it back have
    it ignored) and the update operation among those affected, instead of a second
    request-property-removed finding for the same removed field."""
    base = {'app/__init__.py': '', 'app/routes.py': CASES}
    trimmed = CASES.replace('    tags: list[str] = []\n', '', 1)
    got = [f for f in scan(base, {'app/__init__.py': '', 'app/routes.py': trimmed})
           if f.severity != 'info']
    assert [f.rule for f in got] == ['response-property-removed']
    (removed,) = got
    assert removed.severity == 'error'
    assert 'also in request bodies' in removed.message
    assert set(removed.extra['affected']) == {'GET /cases', 'PUT /incidents/{incident_id}'}


def test_a_property_removed_from_a_request_only_model_stays_its_own_finding() -> None:
    """The fold needs the same model in a response: an update model only ever sent keeps
    its own request-property-removed warning (the value a client sends is dropped)."""
    request_only = CASES.replace('response_model=list[CaseReadMinimal]', 'response_model=None'
                                 ).replace('-> list[CaseReadMinimal]', '-> None')
    base = {'app/__init__.py': '', 'app/routes.py': request_only}
    trimmed = request_only.replace('    tags: list[str] = []\n', '', 1)
    assert found(base, {'app/__init__.py': '', 'app/routes.py': trimmed}) == {
        ('request-property-removed', 'warning')}


SLUGS = '''\
from fastapi import APIRouter
from pydantic import BaseModel, Field


class ProjectCreate(BaseModel):
    name: str
    slug: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=64)


router = APIRouter()


@router.post("/projects")
def create_project(project_in: ProjectCreate) -> None: ...
'''


def test_a_pattern_rewritten_to_accept_the_same_strings_is_no_change() -> None:
    """A slug pattern rewritten by a linter or by hand (a non-capturing group made
    capturing, a character class reordered, `{1,}` for `+`) accepts the same strings:
    nothing a client sends is newly rejected. A rewrite that changes what is accepted
    is still reported."""
    base = {'app/__init__.py': '', 'app/routes.py': SLUGS}
    for new in (r'^[a-z0-9]+(-[a-z0-9]+)*$', r'^[0-9a-z]{1,}(?:-[0-9a-z]+)*$'):
        same = SLUGS.replace(r'^[a-z0-9]+(?:-[a-z0-9]+)*$', new)
        assert found(base, {'app/__init__.py': '', 'app/routes.py': same}) == set(), new
    narrowed = SLUGS.replace(r'^[a-z0-9]+(?:-[a-z0-9]+)*$', r'^[a-z]+(?:-[a-z0-9]+)*$')
    assert found(base, {'app/__init__.py': '', 'app/routes.py': narrowed}) == {
        ('request-pattern-changed', 'warning')}
    cased = SLUGS.replace(r'^[a-z0-9]+(?:-[a-z0-9]+)*$', r'(?i)^[a-z0-9]+(?:-[a-z0-9]+)*$')
    assert found(base, {'app/__init__.py': '', 'app/routes.py': cased}) == {
        ('request-pattern-changed', 'warning')}


WEBHOOKS = '''\
from uuid import UUID

from fastapi import APIRouter
from pydantic import UUID4, BaseModel


class WebhookCreate(BaseModel):
    name: str
    group_id: UUID


class WebhookRead(BaseModel):
    id: UUID
    group_id: UUID


router = APIRouter(prefix="/webhooks")


@router.post("", response_model=WebhookRead)
def create_webhook(data: WebhookCreate) -> WebhookRead: ...
'''


def test_a_uuid_typed_as_one_uuid_version_is_judged_by_side() -> None:
    """`UUID` -> Pydantic's `UUID4` (format `uuid4`, mealie eb170cc7e582): a response still
    sends UUIDs, and `uuid4` is no format a client knows (info); a request now rejects the
    UUIDs of other versions the server took before (error)."""
    base = {'app/__init__.py': '', 'app/routes.py': WEBHOOKS}
    read = WEBHOOKS.replace('    id: UUID\n    group_id: UUID\n',
                            '    id: UUID\n    group_id: UUID4\n')
    assert found(base, {'app/__init__.py': '', 'app/routes.py': read}) == {
        ('response-property-format-changed', 'info')}
    sent = WEBHOOKS.replace('    name: str\n    group_id: UUID\n',
                            '    name: str\n    group_id: UUID4\n')
    assert found(base, {'app/__init__.py': '', 'app/routes.py': sent}) == {
        ('request-property-format-changed', 'error')}


RECIPES = '''\
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel


class RecipeSummary(BaseModel):
    id: int
    name: str
    update_at: datetime | None = None


class Recipe(RecipeSummary):
    instructions: list[str] = []


router = APIRouter(prefix="/recipes")


@router.get("", response_model=list[RecipeSummary])
def get_all() -> list[RecipeSummary]: ...


@router.put("/{slug}", response_model=Recipe)
def update_one(slug: str, data: Recipe) -> Recipe: ...
'''


def test_an_inherited_property_removed_from_models_sent_both_ways_is_one_finding() -> None:
    """mealie eb170cc7e582: `update_at` goes from a base model; its subclass is also the
    update body. One finding at the definition's line names both models, the request side
    and every operation (no second finding for the line, none for the request side)."""
    base = {'app/__init__.py': '', 'app/routes.py': RECIPES}
    head = RECIPES.replace('    update_at: datetime | None = None\n', '')
    got = [f for f in scan(base, {'app/__init__.py': '', 'app/routes.py': head})
           if f.severity != 'info']
    assert [f.rule for f in got] == ['response-property-removed']
    (removed,) = got
    assert 'also in request bodies' in removed.message and '2 properties' in removed.message
    assert set(removed.extra['affected']) == {'GET /recipes', 'PUT /recipes/{slug}'}


# -- 7b. a generic model of a class name two modules define (polar's ListResource) ------------

LIST_RESOURCE = '''\
from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class Pagination(BaseModel):
    total_count: int
    max_page: int


class ListResource(BaseModel, Generic[T]):
    items: list[T]
    pagination: Pagination
'''

PORTAL_SCHEMAS = '''\
from pydantic import BaseModel


class CustomerPaymentMethod(BaseModel):
    id: str
    type: str
    brand: str
'''

PORTAL_ENDPOINTS = '''\
from fastapi import APIRouter

from polar.kit.pagination import ListResource

from ..schemas.customer import CustomerPaymentMethod

router = APIRouter(prefix="/customers", tags=["customer_portal"])


@router.get("/me/payment-methods", response_model=ListResource[CustomerPaymentMethod])
async def list_payment_methods(page: int = 1, limit: int = 10):
    ...
'''

CUSTOMER_SCHEMAS = '''\
from pydantic import BaseModel


class CustomerPaymentMethod(BaseModel):
    id: str
    processor: str
    card_last4: str
'''

CUSTOMER_ENDPOINTS = '''\
from fastapi import APIRouter

from polar.kit.pagination import ListResource

from .schemas.customer import CustomerPaymentMethod

router = APIRouter(prefix="/customers", tags=["customers"])


@router.get("/{id}/payment-methods", response_model=ListResource[CustomerPaymentMethod])
async def list_customer_payment_methods(id: str, page: int = 1, limit: int = 10):
    ...
'''

POLAR = {'server/polar/kit/pagination.py': LIST_RESOURCE,
         'server/polar/customer_portal/schemas/customer.py': PORTAL_SCHEMAS,
         'server/polar/customer_portal/endpoints/customer.py': PORTAL_ENDPOINTS,
         'server/polar/customer/schemas/customer.py': CUSTOMER_SCHEMAS,
         'server/polar/customer/endpoints.py': CUSTOMER_ENDPOINTS}


# polar's own shape: each module's name is a type alias of a discriminated union
PORTAL_ALIAS = PORTAL_SCHEMAS.replace('class CustomerPaymentMethod(', 'class PaymentMethodCard(') \
    + '\n\nCustomerPaymentMethod = Annotated[PaymentMethodCard, Field(title="PaymentMethod")]\n'
CUSTOMER_ALIAS = CUSTOMER_SCHEMAS.replace(
    'class CustomerPaymentMethod(', 'class CustomerPaymentMethodCard(') \
    + '\n\nCustomerPaymentMethod = Annotated[\n    CustomerPaymentMethodCard,' \
    ' Field(title="PaymentMethod")\n]\n'


@pytest.mark.parametrize('aliases', [False, True], ids=['classes', 'type-aliases'])
def test_a_generic_of_a_class_two_modules_define_is_keyed_by_the_class_module(
        aliases: bool) -> None:
    """``ListResource[CustomerPaymentMethod]`` in two routers means two classes (or two
    type aliases): a field removed from one is reported on that module's operation only,
    whichever it is."""
    files = dict(POLAR)
    if aliases:
        head_import = 'from typing import Annotated\n\nfrom pydantic import BaseModel, Field\n'
        files['server/polar/customer_portal/schemas/customer.py'] = PORTAL_ALIAS.replace(
            'from pydantic import BaseModel\n', head_import)
        files['server/polar/customer/schemas/customer.py'] = CUSTOMER_ALIAS.replace(
            'from pydantic import BaseModel\n', head_import)
    for path, field, operation in (
            ('server/polar/customer_portal/schemas/customer.py', 'brand',
             'GET /customers/me/payment-methods'),
            ('server/polar/customer/schemas/customer.py', 'card_last4',
             'GET /customers/{id}/payment-methods')):
        head = dict(files, **{path: files[path].replace(f'    {field}: str\n', '')})
        (f,) = [x for x in scan(files, head) if x.rule == 'response-property-removed']
        assert f.severity == 'error' and f.path == path, f
        assert f.extra['affected'] == [operation], f
        assert f'.{field}`' in f.message, f
    # the class both routers share is still one component: a change to it is one finding
    head = dict(files, **{'server/polar/kit/pagination.py': LIST_RESOURCE.replace(
        '    max_page: int\n', '')})
    (f,) = [x for x in scan(files, head) if x.rule == 'response-property-removed']
    assert sorted(f.extra['affected']) == ['GET /customers/me/payment-methods',
                                           'GET /customers/{id}/payment-methods']


def test_a_module_earlier_in_order_taking_a_generic_name_changes_nothing_else() -> None:
    """Issue 13, round five, part 3: generic components clashing across modules take the
    plain name in module order. A new module earlier in that order (``customer/`` sorts
    before ``customer_portal/``) takes ``ListResource[CustomerPaymentMethod]`` and the
    existing operation's component is renamed: that alone is no change to that operation,
    and a real change to it made in the same commit is still reported on it."""
    base = {k: v for k, v in POLAR.items() if not k.startswith('server/polar/customer/')}
    got = [x for x in scan(base, POLAR) if x.severity != 'info']
    assert got == [], got
    # and the reverse (the earlier module removed: the other takes the plain name back)
    got = [x for x in scan(POLAR, base) if x.severity != 'info']
    assert {a for x in got for a in x.extra.get('affected', [])} <= {
        'GET /customers/{id}/payment-methods'}, got
    portal = 'server/polar/customer_portal/schemas/customer.py'
    head = dict(POLAR, **{portal: POLAR[portal].replace('    brand: str\n', '')})
    (f,) = [x for x in scan(base, head) if x.rule == 'response-property-removed']
    assert f.extra['affected'] == ['GET /customers/me/payment-methods'] and f.path == portal
