"""A small FastAPI service (pydantic models, a router mounted under /aris3, a stub spec)
whose contract the openapi tests build from code; ``tree(...)`` gives its files."""
from __future__ import annotations

import json

MODELS = '''\
from enum import Enum
from typing import Literal, Optional

from pydantic import BaseModel, Field


class Status(str, Enum):
    open = "open"
    closed = "closed"


class Stamped(BaseModel):
    id: int
    created: str


class Item(Stamped):
    name: str = Field(..., max_length=50)
    status: Status
    kind: Literal["retail", "wholesale"] = "retail"
    note: Optional[str] = None


class ItemIn(BaseModel):
    name: str = Field(..., max_length=50)
    kind: Literal["retail", "wholesale"] = "retail"
    status: Status = Status.open
    note: str | None = None
'''

ROUTER = '''\
from typing import Annotated

from fastapi import APIRouter, Header, Query

from shop.models import Item, ItemIn

router = APIRouter(prefix="/items", tags=["items"])


@router.get("/{item_id}", response_model=Item)
def get_item(item_id: str, view: str = Query("short", max_length=10)):
    ...


@router.put("/{item_id}", response_model=Item,
            openapi_extra={"parameters": [{"name": "If-Match", "in": "header",
                                           "required": False, "schema": {"type": "string"}}]})
def put_item(item_id: str, body: ItemIn):
    ...


@router.get("")
def list_items(limit: int = 50) -> list[Item]:
    ...


@router.delete("/{item_id}", status_code=204)
def delete_item(item_id: str):
    ...
'''

APP = '''\
from fastapi import FastAPI

from shop.routers import items

app = FastAPI()
app.include_router(items.router, prefix="/aris3")
'''

SPEC = json.dumps({'openapi': '3.1.0', 'info': {'title': 'shop', 'version': '1'},
                   'paths': {'/aris3/items': {'get': {'responses': {}}}}})


def tree(models: str = MODELS, router: str = ROUTER, app: str = APP,
         **extra: str) -> dict[str, str]:
    files = {'shop/__init__.py': '', 'shop/routers/__init__.py': '',
             'shop/models.py': models, 'shop/routers/items.py': router, 'shop/main.py': app,
             'openapi.json': SPEC}
    files.update(extra)
    return files


def generated_spec(files: dict[str, str]) -> str:
    """The spec the application of ``files`` generates (what a project commits when it
    regenerates its spec), built from its route code."""
    from hotfix_hooks.changeset import ChangeSet
    from hotfix_hooks.openapi.codeside import side_contract

    changes = ChangeSet.from_texts(base=files, head=files)
    return json.dumps(side_contract(changes, changes.base, [], []).doc, indent=1)
