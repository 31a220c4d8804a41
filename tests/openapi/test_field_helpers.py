"""Fields declared through a project helper wrapping Pydantic's ``Field``, and
``validation_alias=AliasChoices(...)``, read as Pydantic reads them (route code, ast only)."""
from __future__ import annotations

from typing import Any

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.contract import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.policy import from_mapping
from tests.support.contract_code import MODELS
from tests.support.contract_code import tree

# mealie's shape (mealie/schema/_mealie/mealie_model.py, eb170cc7e582): the timestamp renamed
# from update_at to updated_at, still accepted under its old names on input
HELPER = '''\
from pydantic import AliasChoices, Field


def UpdatedAtField(*args, **kwargs):
    """Wrapper for Pydantic's Field that accepts the old update_at names too."""
    kwargs.pop("alias", None)
    kwargs["alias_priority"] = 2
    kwargs["validation_alias"] = AliasChoices("update_at", "updateAt", "updated_at")
    return Field(*args, **kwargs)
'''

BASE = MODELS.replace('class ItemIn(BaseModel):\n',
                      'class ItemIn(BaseModel):\n    update_at: str\n')


def run(base: dict[str, str], head: dict[str, str]) -> dict[str, str]:
    changes = ChangeSet.from_texts(base=base, head=head)
    found: list[Any] = check(changes, from_mapping({'contract': {}}, None), RunInfo())
    return {f.rule: f.severity for f in found
            if f.rule not in ('api-code-coverage', 'openapi-spec-stale')}


def with_helper(field: str) -> str:
    return 'from shop.fields import UpdatedAtField\n' + MODELS.replace(
        'class ItemIn(BaseModel):\n', f'class ItemIn(BaseModel):\n    {field}\n')


def test_a_field_renamed_through_a_helper_that_keeps_the_old_name_accepted_is_no_change(
        ) -> None:
    head = with_helper('updated_at: str = UpdatedAtField(...)')
    assert run(tree(models=BASE, **{'shop/fields.py': HELPER}),
               tree(models=head, **{'shop/fields.py': HELPER})) == {}


def test_a_field_renamed_without_keeping_the_old_name_is_a_new_required_property() -> None:
    plain = HELPER.replace('    kwargs["validation_alias"] = AliasChoices("update_at", '
                           '"updateAt", "updated_at")\n', '')
    head = with_helper('updated_at: str = UpdatedAtField(...)')
    got = run(tree(models=BASE, **{'shop/fields.py': plain}),
              tree(models=head, **{'shop/fields.py': plain}))
    assert got['new-required-request-property'] == 'error'


def test_alias_choices_written_on_field_name_the_property_by_its_first_choice() -> None:
    head = MODELS.replace('from pydantic import BaseModel, Field',
                          'from pydantic import AliasChoices, BaseModel, Field').replace(
        'class ItemIn(BaseModel):\n',
        'class ItemIn(BaseModel):\n    updated_at: str = Field(validation_alias='
        'AliasChoices("update_at", "updated_at"))\n')
    assert run(tree(models=BASE), tree(models=head)) == {}
