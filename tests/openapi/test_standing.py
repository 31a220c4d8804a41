"""What a range introduces against what the base already had: a committed spec compared
with the route code's contract on each side (``openapi/standing.py``)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.checks.contract import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.policy import from_mapping
from tests.support.cli import run_cli
from tests.support.contract_code import generated_spec
from tests.support.contract_code import MODELS
from tests.support.contract_code import ROUTER
from tests.support.contract_code import SPEC
from tests.support.contract_code import tree
from tests.support.gitrepo import GitRepo


def run(base: dict[str, str], head: dict[str, str], hotfix: bool = False,
        **contract: Any) -> list[Any]:
    changes = ChangeSet.from_texts(base=base, head=head)
    return [f for f in check(changes, from_mapping({'contract': contract}, None),
                             RunInfo(hotfix=hotfix)) if f.rule != 'api-code-coverage']


def stale(found: list[Any]) -> Any:
    (f,) = [x for x in found if x.rule == 'openapi-spec-stale']
    return f


NO_CREATED = MODELS.replace('    created: str\n', '')
NO_NOTE = MODELS.replace('    note: Optional[str] = None\n', '')


def test_a_spec_already_behind_the_code_at_the_base_is_stale_at_info() -> None:
    """A docs spec regenerated only at releases: it never described the items' responses,
    so removing a response field does not make it staler; the lag is context. A spec
    generated from the base's code does describe them: the same change makes it stale."""
    found = run(tree(), tree(models=NO_CREATED))          # SPEC: paths only, no responses
    assert stale(found).severity == 'info'
    assert 'already behind the route code at the base' in stale(found).message
    current = generated_spec(tree())
    found = run(tree(**{'openapi.json': current}),
                tree(models=NO_CREATED, **{'openapi.json': current}))
    assert stale(found).severity == 'warning'
    assert 'new breaking difference' in stale(found).message
    assert 'created' in stale(found).message


def test_a_spec_already_behind_is_still_stale_when_the_range_makes_it_staler() -> None:
    """The spec was generated before an earlier breaking change (``note`` removed); this
    range removes ``created`` too: a new breaking difference, so a warning."""
    older = generated_spec(tree())
    found = run(tree(models=NO_NOTE, **{'openapi.json': older}),
                tree(models=NO_NOTE.replace('    created: str\n', ''),
                     **{'openapi.json': older}))
    assert stale(found).severity == 'warning'


SKU_MODELS = MODELS.replace('class ItemIn(BaseModel):\n',
                            'class ItemIn(BaseModel):\n    sku: str\n')


def test_a_spec_catching_up_with_code_changed_earlier_is_info() -> None:
    """The code made ``sku`` a required request property in an earlier commit; this commit
    regenerates the committed spec, which catches up: the running service already required
    it, so nothing changes for clients here (polar 74bb32d280b7)."""
    old_spec = generated_spec(tree())
    new_spec = generated_spec(tree(models=SKU_MODELS))
    found = run(tree(models=SKU_MODELS, **{'openapi.json': old_spec}),
                tree(models=SKU_MODELS, **{'openapi.json': new_spec}))
    (f,) = [x for x in found if x.rule == 'new-required-request-property']
    assert f.severity == 'info' and f.extra['already_served']
    assert 'the route code at the base already serves this' in f.message


def test_a_spec_change_the_base_code_does_not_serve_stays_an_error() -> None:
    """The same spec change made with the code change in one commit (or a spec edited ahead
    of the code) reaches clients with this range: an error."""
    old_spec = generated_spec(tree())
    new_spec = generated_spec(tree(models=SKU_MODELS))
    found = run(tree(**{'openapi.json': old_spec}),
                tree(models=SKU_MODELS, **{'openapi.json': new_spec}))
    (f,) = [x for x in found if x.rule == 'new-required-request-property']
    assert f.severity == 'error' and 'already_served' not in f.extra
    found = run(tree(**{'openapi.json': old_spec}), tree(**{'openapi.json': new_spec}))
    (f,) = [x for x in found if x.rule == 'new-required-request-property']
    assert f.severity == 'error'


def test_a_catch_up_on_an_operation_the_code_does_not_resolve_is_kept() -> None:
    """Never silently blind: when the base's code contract cannot resolve the operation's
    response, the spec-diff finding is kept as it is."""
    unresolved = ROUTER.replace('@router.put("/{item_id}", response_model=Item,',
                                '@router.put("/{item_id}", response_model=make_model(),')
    old_spec = generated_spec(tree())
    new_spec = generated_spec(tree(models=SKU_MODELS))
    found = run(tree(models=SKU_MODELS, router=unresolved, **{'openapi.json': old_spec}),
                tree(models=SKU_MODELS, router=unresolved, **{'openapi.json': new_spec}))
    (f,) = [x for x in found if x.rule == 'new-required-request-property']
    assert f.severity == 'error'


def test_a_spec_catching_up_with_an_operation_already_served_is_not_hotfix_scope() -> None:
    """The spec documents a route the code added earlier: on a hotfix branch that is not
    new scope (the operation was already live)."""
    extra = ROUTER + ('\n\n@router.get("/{item_id}/files")\n'
                      'def files(item_id: str) -> list[str]:\n    ...\n')
    old_spec = generated_spec(tree())
    new_spec = generated_spec(tree(router=extra))
    found = run(tree(router=extra, **{'openapi.json': old_spec}),
                tree(router=extra, **{'openapi.json': new_spec}), hotfix=True)
    assert not [x for x in found if x.rule == 'api-operation-added-in-hotfix']
    found = run(tree(**{'openapi.json': old_spec}),
                tree(router=extra, **{'openapi.json': new_spec}), hotfix=True)
    assert [x for x in found if x.rule == 'api-operation-added-in-hotfix']


def test_the_stub_spec_still_reports_stale_for_breaking_changes_when_configured() -> None:
    """SPEC (paths only) is the shape of a hand-kept spec that lists operations: a route
    removed from the code is a difference it did not have at the base."""
    removed = ROUTER.split('@router.get("")')[0]
    found = run(tree(), tree(router=removed))
    assert SPEC and stale(found).severity == 'warning'


def test_scan_of_a_docs_spec_regenerated_on_a_hotfix_branch_reports_only_context(
        tmp_path: Path) -> None:
    """A real history: the spec is generated at a release; a feature commit on main then makes
    `sku` required in the route code without regenerating it (the spec is stale); the hotfix
    branch regenerates the spec. Nothing reaches clients with the hotfix: exit 0, the catch-up
    finding is info. The feature commit judged alone is stale context, not a new hazard, only
    when the spec was already behind there; here it was current, so it is a warning."""
    repo = GitRepo(tmp_path / 'svc')
    repo.commit('release 1', files={**tree(), 'openapi.json': generated_spec(tree())})
    repo.commit('feature: sku required', files={'shop/models.py': SKU_MODELS})
    res = run_cli(repo, 'scan', '--only', 'contract', '--from-ref', 'HEAD~1', '--to-ref',
                  'HEAD', '--format', 'json')
    stale_found = [f for f in json.loads(res.stdout)['findings']
                   if f['rule'] == 'openapi-spec-stale']
    assert [f['severity'] for f in stale_found] == ['warning'], res.stdout + res.stderr
    repo.checkout('hotfix/ARIS-9-docs', create=True)
    repo.commit('regenerate the spec',
                files={'openapi.json': generated_spec(tree(models=SKU_MODELS))})
    res = run_cli(repo, 'scan', '--only', 'contract', '--from-ref', 'main', '--to-ref', 'HEAD',
                  '--format', 'json')
    assert res.returncode == 0, res.stdout + res.stderr
    found = {(f['rule'], f['severity']) for f in json.loads(res.stdout)['findings']}
    assert ('new-required-request-property', 'info') in found
