"""The /actions flow guard on the shapes real FastAPI services are written in (issue 13,
shapes 2, 15, 16 and the severity of idempotency-missing)."""
from __future__ import annotations

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.actions import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.policy import from_mapping


def scan(base: dict[str, str], head: dict[str, str]) -> list[tuple[str, str]]:
    changes = ChangeSet.from_texts(base=base, head=head)
    return [(f.rule, f.severity) for f in check(changes, from_mapping({}, None), RunInfo())]


MODELS = '''\
import enum

from sqlalchemy import Enum, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class PayoutStatus(str, enum.Enum):
    pending = "pending"
    succeeded = "succeeded"


class Payout(Base):
    __tablename__ = "payouts"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[PayoutStatus] = mapped_column(Enum(PayoutStatus), default=PayoutStatus.pending)
    note: Mapped[str] = mapped_column(String, default="")
'''

ROUTES = '''\
from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.db import get_session
from app.models import Payout, PayoutStatus

router = APIRouter(prefix="/payouts")


class PayoutCreate(BaseModel):
    note: str = ""


@router.get("/{payout_id}")
def get_payout(payout_id: int, session: Session = Depends(get_session)):
    return session.get(Payout, payout_id)
'''


def service(routes: str = ROUTES) -> dict[str, str]:
    return {'app/__init__.py': '', 'app/models.py': MODELS, 'app/routes.py': routes,
            'app/db.py': 'def get_session():\n    yield None\n'}


def add(route: str) -> dict[str, str]:
    return service(ROUTES + route)


# -- 15. only writes to persisted objects count ------------------------------------------------

EXCEPTION_ROUTE = '''

class RotateNotPermitted(Exception):
    def __init__(self, status: str) -> None:
        self.status = status
        super().__init__(status)


@router.post("/{payout_id}/keys")
def new_key(payout_id: int, session: Session = Depends(get_session)):
    payout = session.get(Payout, payout_id)
    if payout is None:
        raise RotateNotPermitted("missing")
    payout.note = "rotated"
    return payout
'''

DICT_ROUTE = '''

@router.post("/{payout_id}/summary")
def summary(payout_id: int, body: PayoutCreate, session: Session = Depends(get_session)):
    payout = session.get(Payout, payout_id)
    data = body.model_dump()
    data["status"] = "draft"
    return {"payout": payout.id, **data}
'''

PERSISTED_ROUTE = '''

@router.post("/{payout_id}/settle")
def settle(payout_id: int, session: Session = Depends(get_session)):
    payout = session.get(Payout, payout_id)
    payout.status = PayoutStatus.succeeded
    session.commit()
    return payout
'''


def test_state_set_on_an_exception_or_a_local_dict_is_no_transition() -> None:
    assert ('actions-bypass-route', 'error') not in scan(service(), add(EXCEPTION_ROUTE))
    assert ('actions-bypass-route', 'error') not in scan(service(), add(DICT_ROUTE))


def test_state_written_on_a_loaded_row_is_a_transition() -> None:
    assert ('actions-bypass-route', 'error') in scan(service(), add(PERSISTED_ROUTE))


# -- 16. a row created directly in a later state -----------------------------------------------

CREATE_COMPLETED = '''

@router.post("")
def create_payout(body: PayoutCreate, session: Session = Depends(get_session)):
    payout = Payout(note=body.note, status=PayoutStatus.succeeded)
    session.add(payout)
    session.commit()
    return payout
'''


def test_new_route_creating_a_row_in_a_later_state_is_a_bypass() -> None:
    assert ('actions-bypass-route', 'error') in scan(service(), add(CREATE_COMPLETED))
    initial = CREATE_COMPLETED.replace('PayoutStatus.succeeded', 'PayoutStatus.pending')
    assert ('actions-bypass-route', 'error') not in scan(service(), add(initial))


# -- idempotency-missing: a warning where a retry does harm ------------------------------------

WEBHOOK_ROUTE = '''

@router.post("/{payout_id}/notify")
def notify(payout_id: int, background_tasks: BackgroundTasks,
           session: Session = Depends(get_session)):
    payout = session.get(Payout, payout_id)
    send = requests.post
    background_tasks.add_task(send, url=payout.note, json={"id": payout.id})
'''

INTERNAL_TASK = '''

@router.post("/{payout_id}/participants")
def add_participant(payout_id: int, background_tasks: BackgroundTasks,
                    session: Session = Depends(get_session)):
    background_tasks.add_task(add_participant_flow, payout_id=payout_id)
'''

PLAIN_CREATE = '''

@router.post("/{payout_id}/comments")
def comment(payout_id: int, body: PayoutCreate, session: Session = Depends(get_session)):
    session.add(Payout(note=body.note))
    session.commit()
'''

PUT_ROUTE = '''

@router.put("/{payout_id}/note")
def put_note(payout_id: int, body: PayoutCreate, session: Session = Depends(get_session)):
    payout = session.get(Payout, payout_id)
    payout.note = body.note
    session.commit()
'''


def test_idempotency_missing_is_a_warning_when_a_retry_repeats_an_outbound_effect() -> None:
    head = add(WEBHOOK_ROUTE.replace('def notify', 'def notify')).copy()
    head['app/routes.py'] = 'import requests\nfrom fastapi import BackgroundTasks\n' + \
        head['app/routes.py']
    assert ('idempotency-missing', 'warning') in scan(service(), head)
    # a background task running the service's own code is no outbound effect by itself
    internal = add(INTERNAL_TASK)
    internal['app/routes.py'] = 'from fastapi import BackgroundTasks\n' + internal['app/routes.py']
    assert ('idempotency-missing', 'info') in scan(service(), internal)


def test_idempotency_missing_is_context_for_a_plain_create_without_a_convention() -> None:
    assert ('idempotency-missing', 'info') in scan(service(), add(PLAIN_CREATE))
    # PUT and DELETE are idempotent by HTTP semantics
    assert not [r for r in scan(service(), add(PUT_ROUTE)) if r[0] == 'idempotency-missing']


def test_idempotency_missing_stays_a_warning_where_the_project_uses_keys() -> None:
    keyed = ROUTES + '''

@router.post("/{payout_id}/refunds")
def refund(payout_id: int, idempotency_key: str = Header(..., alias="Idempotency-Key")):
    return None
'''
    keyed = keyed.replace('from fastapi import APIRouter, Depends',
                          'from fastapi import APIRouter, Depends, Header')
    base = service(keyed)
    head = service(keyed + PLAIN_CREATE)
    assert ('idempotency-missing', 'warning') in scan(base, head)


# -- 2. newer Python syntax --------------------------------------------------------------------

def test_unparseable_file_of_a_newer_python_project_is_context_with_the_fix() -> None:
    pep701 = ROUTES + '''

@router.post("/{payout_id}/labels")
def label(payout_id: int) -> str:
    return f"{"payout"}-{payout_id}"
'''
    base = dict(service(), **{'pyproject.toml': '[project]\nrequires-python = ">=3.14"\n'})
    head = dict(base, **{'app/routes.py': pep701})
    changes = ChangeSet.from_texts(base=base, head=head)
    (f,) = check(changes, from_mapping({}, None), RunInfo())
    assert (f.rule, f.severity) == ('actions-unparseable-python', 'info')
    assert 'language_version: python3.14' in f.hint
    # code for a newer Python that the hook can still read: no finding at all
    pep758 = ROUTES.replace('    return session.get(Payout, payout_id)\n',
                            '    try:\n        return session.get(Payout, payout_id)\n'
                            '    except ValueError, KeyError:\n        return None\n')
    assert scan(base, dict(base, **{'app/routes.py': pep758})) == []


def test_a_jinja_template_saved_as_py_is_not_reported() -> None:
    template = 'from fastapi import APIRouter\n{% if auth %}\nrouter = APIRouter()\n{% endif %}\n'
    base = service()
    head = dict(base, **{'app/templates/router.py': template})
    assert scan(base, head) == []


def test_a_syntax_error_the_change_introduces_is_still_an_error() -> None:
    head = service(ROUTES.replace('def get_payout(payout_id: int,',
                                  'def get_payout(payout_id: int,,'))
    assert scan(service(), head) == [('actions-unparseable-python', 'error')]
