"""A shipped data step rewritten from one way of writing rows to another (issue 14, 14e).

mealie rewrote three shipped Alembic data steps from ORM attribute writes to text SQL
(310069a7e9b8 on 0341b154f79a, 7602c674491f on 5ab195a474eb and 04ac51cbe9a4): the ORM
loop ``unit.name_normalized = ...; session.add(unit)`` over ``select(IngredientUnitModel)``
became ``session.execute(sa.text(f"UPDATE {IngredientUnitModel.__tablename__} SET
name_normalized=:n WHERE id=:id"))``. Both write the same column of the same rows
(SQLAlchemy's unit of work sends ``UPDATE ingredient_units SET name_normalized=? WHERE
id=?``): ``migration-history-code-changed`` (info), not ``migration-history-edited``. The
table comes from the model class the migration imports, read (never imported) from the
module's file; what cannot be resolved stays reported as before, and a rewrite that writes
another table or column, or chooses rows by other columns, stays an error.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.changeset import MemorySnapshot
from hotfix_hooks.checks.migrations import check
from hotfix_hooks.checks.registry import RunInfo
from hotfix_hooks.findings import Finding
from hotfix_hooks.migrations import effects
from hotfix_hooks.policy import from_mapping
from tests.support.cli import run_cli
from tests.support.gitrepo import GitRepo
from tests.support.hookkit import HOTFIX_BRANCH
from tests.support.migration_fixtures import alembic
from tests.support.migration_fixtures import BASE
from tests.support.migration_fixtures import V

HISTORY = ('migration-history-edited', 'migration-history-code-changed')
PATH = f'{V}/c3d4e5f6a7b8_normalized_names.py'
MODEL_PATH = 'app/db/models/ingredient.py'
MODEL = '''from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models._base import SqlAlchemyBase


class IngredientUnitModel(SqlAlchemyBase):
    __tablename__ = "ingredient_units"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String)
    abbreviation: Mapped[str | None] = mapped_column(String)
    name_normalized: Mapped[str | None] = mapped_column(String, index=True)
    abbreviation_normalized: Mapped[str | None] = mapped_column(String, index=True)

    @staticmethod
    def normalize(name: str) -> str:
        return name.lower().strip()
'''
CODE = {MODEL_PATH: MODEL, 'app/db/models/_base.py': 'class SqlAlchemyBase:\n    pass\n'}

IMPORTS = '''from sqlalchemy import orm, select

from app.db.models.ingredient import IngredientUnitModel
'''
ORM = IMPORTS + '''

def populate_normalized_fields():
    session = orm.Session(bind=op.get_bind())
    units = session.execute(select(IngredientUnitModel)).scalars().all()
    for unit in units:
        if unit.name is not None:
            unit.name_normalized = IngredientUnitModel.normalize(unit.name)
        if unit.abbreviation is not None:
            unit.abbreviation_normalized = IngredientUnitModel.normalize(unit.abbreviation)
        session.add(unit)
    session.commit()
'''
TEXT = IMPORTS + '''

def populate_normalized_fields():
    session = orm.Session(bind=op.get_bind())
    units = session.execute(select(IngredientUnitModel)).scalars().all()
    for unit in units:
        if unit.name is not None:
            session.execute(
                sa.text(
                    f"UPDATE {IngredientUnitModel.__tablename__} "
                    "SET name_normalized=:n WHERE id=:id"
                ).bindparams(n=IngredientUnitModel.normalize(unit.name), id=unit.id)
            )
        if unit.abbreviation is not None:
            session.execute(
                sa.text(
                    f"UPDATE {IngredientUnitModel.__tablename__} "
                    "SET abbreviation_normalized=:a WHERE id=:id"
                ).bindparams(a=IngredientUnitModel.normalize(unit.abbreviation), id=unit.id)
            )
    session.commit()
'''
UPGRADE = '''op.add_column('ingredient_units',
              sa.Column('name_normalized', sa.String(), nullable=True))
op.add_column('ingredient_units',
              sa.Column('abbreviation_normalized', sa.String(), nullable=True))
populate_normalized_fields()'''
DOWNGRADE = '''op.drop_column('ingredient_units', 'abbreviation_normalized')
op.drop_column('ingredient_units', 'name_normalized')'''


def _mig(preamble: str, upgrade: str = UPGRADE) -> str:
    return alembic(upgrade, DOWNGRADE, preamble=preamble)


def _history(old: str, new: str, *, code: dict[str, str] | None = None,
             head_code: dict[str, str] | None = None) -> list[Finding]:
    code = CODE if code is None else code
    before = {**BASE, **code, PATH: old}
    after = {**BASE, **(code if head_code is None else head_code), PATH: new}
    changes = ChangeSet.from_texts(base=before, head=after)
    return [f for f in check(changes, from_mapping({}, None), RunInfo(hotfix=True))
            if f.rule in HISTORY]


def test_orm_writes_rewritten_as_text_sql_of_the_same_columns_are_context() -> None:
    [f] = _history(_mig(ORM), _mig(TEXT))
    assert (f.rule, f.severity) == ('migration-history-code-changed', 'info')
    assert 'updates ingredient_units.name_normalized by id' in f.message
    assert 'updates ingredient_units.abbreviation_normalized by id' in f.message
    # and the other way round
    [g] = _history(_mig(TEXT), _mig(ORM))
    assert (g.rule, g.severity) == ('migration-history-code-changed', 'info')


def test_a_rewrite_that_writes_another_column_stays_a_history_error() -> None:
    other = TEXT.replace('SET abbreviation_normalized=:a', 'SET name=:a')
    [f] = _history(_mig(ORM), _mig(other))
    assert (f.rule, f.severity) == ('migration-history-edited', 'error')


def test_a_rewrite_that_chooses_rows_by_another_column_stays_a_history_error() -> None:
    other = TEXT.replace('SET name_normalized=:n WHERE id=:id',
                         'SET name_normalized=:n WHERE name=:id')
    [f] = _history(_mig(ORM), _mig(other))
    assert (f.rule, f.severity) == ('migration-history-edited', 'error')


def test_a_table_the_code_does_not_say_stays_reported() -> None:
    # a table name from a call: nothing to compare, judged as before (an error)
    dynamic = TEXT.replace('{IngredientUnitModel.__tablename__}', '{table_of(unit)}')
    [f] = _history(_mig(ORM), _mig(dynamic))
    assert (f.rule, f.severity) == ('migration-history-edited', 'error')
    # a model whose module is not in the repository: the same
    [g] = _history(_mig(ORM), _mig(TEXT), code={})
    assert (g.rule, g.severity) == ('migration-history-edited', 'error')
    # a __tablename__ computed at run time: the same
    computed = MODEL.replace('__tablename__ = "ingredient_units"',
                             '__tablename__ = table_name("IngredientUnit")')
    [h] = _history(_mig(ORM), _mig(TEXT), code={**CODE, MODEL_PATH: computed})
    assert (h.rule, h.severity) == ('migration-history-edited', 'error')


def test_two_files_that_may_be_the_module_and_disagree_resolve_nothing() -> None:
    """Adversarial: a second ``app/db/models/ingredient.py`` below the migrations folder
    names the table the shipped ORM loop wrote, while the one at the root names another.
    Which one runs depends on ``sys.path``: nothing is resolved, the edit stays an error."""
    decoy = {**CODE, MODEL_PATH: MODEL.replace('"ingredient_units"', '"unit_names"'),
             f'alembic/{MODEL_PATH}': MODEL}
    [f] = _history(_mig(ORM), _mig(TEXT), head_code=decoy)
    assert (f.rule, f.severity) == ('migration-history-edited', 'error')
    # the same module twice (a vendored copy): resolved
    same = {**CODE, f'alembic/{MODEL_PATH}': MODEL}
    [g] = _history(_mig(ORM), _mig(TEXT), head_code=same)
    assert (g.rule, g.severity) == ('migration-history-code-changed', 'info')


def test_the_model_renamed_by_the_change_makes_the_rewrite_write_another_table() -> None:
    """The branch edits the model's table: the text SQL now writes ``unit_names`` while the
    shipped ORM loop wrote ``ingredient_units`` (each side read with its own models)."""
    moved = {**CODE, MODEL_PATH: MODEL.replace('"ingredient_units"', '"unit_names"')}
    [f] = _history(_mig(ORM), _mig(TEXT), head_code=moved)
    assert (f.rule, f.severity) == ('migration-history-edited', 'error')


GROUP_MODEL = '''import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .._model_base import SqlAlchemyBase


class Group(SqlAlchemyBase):
    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String, nullable=False)
    slug: Mapped[str | None] = mapped_column(sa.String, unique=True)
'''
GROUP_CODE = {'app/db/models/group/group.py': GROUP_MODEL,
              'app/db/models/group/__init__.py': 'from .group import Group\n',
              'app/db/models/_model_base.py': 'class SqlAlchemyBase:\n    pass\n'}
SLUG_ORM = '''from slugify import slugify
from sqlalchemy.orm import Session

from app.db.models.group import Group


def populate_group_slugs(session: Session):
    groups: list[Group] = session.query(Group).all()
    seen_slugs: set[str] = set()
    for group in groups:
        original_name = group.name
        attempts = 0
        while True:
            slug = slugify(group.name)
            if slug not in seen_slugs:
                break
            attempts += 1
            group.name = f"{original_name} ({attempts})"
        seen_slugs.add(slug)
        group.slug = slug
    session.commit()
'''
SLUG_TEXT = '''from slugify import slugify
from sqlalchemy.orm import Session

from app.db.models.group import Group


def populate_group_slugs(session: Session):
    groups: list[Group] = session.query(Group).all()
    seen_slugs: set[str] = set()
    for group in groups:
        original_name = group.name
        new_name = original_name
        attempts = 0
        while True:
            slug = slugify(new_name)
            if slug not in seen_slugs:
                break
            attempts += 1
            new_name = f"{original_name} ({attempts})"
        seen_slugs.add(slug)
        session.execute(
            sa.text(f"UPDATE {Group.__tablename__} SET name=:name, slug=:slug WHERE id=:id"
                    ).bindparams(name=new_name, slug=slug, id=group.id))
    session.commit()
'''
SLUG_UPGRADE = '''op.add_column("groups", sa.Column("slug", sa.String(), nullable=True))
op.create_index(op.f("ix_groups_slug"), "groups", ["slug"], unique=True)
session = Session(bind=op.get_bind())
populate_group_slugs(session)'''


def test_session_query_writes_rewritten_as_one_update_are_context() -> None:
    """mealie 04ac51cbe9a4: the model re-exported by its package's ``__init__``."""
    [f] = _history(_mig(SLUG_ORM, SLUG_UPGRADE), _mig(SLUG_TEXT, SLUG_UPGRADE),
                   code=GROUP_CODE)
    assert (f.rule, f.severity) == ('migration-history-code-changed', 'info')
    assert 'updates groups.slug by id' in f.message


LOCAL = '''from sqlalchemy import orm, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class RecipeModel(Base):
    __tablename__ = "recipes"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String, nullable=False)
    name_normalized: Mapped[str] = mapped_column(sa.String, nullable=False, index=True)


def do_data_migration():
    session = orm.Session(bind=op.get_bind())
    for recipe in session.execute(select(RecipeModel)).scalars().all():
        if recipe.name is not None:
{write}
    session.commit()
'''
LOCAL_ORM = LOCAL.format(write='''            recipe.name_normalized = recipe.name.lower().strip()
        session.add(recipe)''')
LOCAL_TEXT = LOCAL.format(write='''            session.execute(
                sa.text(
                    f"UPDATE {RecipeModel.__tablename__} SET name_normalized=:v WHERE id=:id"
                ).bindparams(v=recipe.name.lower().strip(), id=recipe.id)
            )''')
NULLABLE_THEN_NOT_NULL = '''op.add_column("recipes",
              sa.Column("name_normalized", sa.String(), nullable=True))
do_data_migration()
with op.batch_alter_table("recipes", schema=None) as batch_op:
    batch_op.alter_column("name_normalized", nullable=False,
                          existing_type=sa.String())'''
DEFAULT_THEN_DROPPED = '''op.add_column("recipes",
              sa.Column("name_normalized", sa.String(), nullable=False, server_default=""))
do_data_migration()
with op.batch_alter_table("recipes", schema=None) as batch_op:
    batch_op.alter_column("name_normalized", existing_type=sa.String(), server_default=None)'''


def _recipes(preamble: str, upgrade: str) -> str:
    return alembic(upgrade, 'op.drop_column("recipes", "name_normalized")', preamble=preamble)


def test_a_local_model_and_the_backfill_idiom_with_the_same_end_state_are_context() -> None:
    """mealie 5ab195a474eb: the ORM loop over a model declared in the migration became
    text SQL, and the column it fills, added nullable then made NOT NULL, is now added NOT
    NULL with a default that is dropped after the fill. A database that applied the old
    version had a value in every row (its SET NOT NULL would have failed otherwise)."""
    [f] = _history(_recipes(LOCAL_ORM, NULLABLE_THEN_NOT_NULL),
                   _recipes(LOCAL_TEXT, DEFAULT_THEN_DROPPED), code={})
    assert (f.rule, f.severity) == ('migration-history-code-changed', 'info')
    assert 'recipes.name_normalized now gets a default' in f.message
    # the same reshaping with the same ORM step
    [g] = _history(_recipes(LOCAL_ORM, NULLABLE_THEN_NOT_NULL),
                   _recipes(LOCAL_ORM, DEFAULT_THEN_DROPPED), code={})
    assert (g.rule, g.severity) == ('migration-history-code-changed', 'info')


def test_a_column_that_ends_in_another_state_stays_a_history_error() -> None:
    # the old version left the column nullable: rows the step did not fill kept NULL
    # there, and get the default here
    stays_nullable = NULLABLE_THEN_NOT_NULL.rsplit('\nwith', 1)[0]
    [f] = _history(_recipes(LOCAL_ORM, stays_nullable),
                   _recipes(LOCAL_TEXT, DEFAULT_THEN_DROPPED), code={})
    assert (f.rule, f.severity) == ('migration-history-edited', 'error')
    # the default kept: databases that applied the old version have none
    kept = DEFAULT_THEN_DROPPED.rsplit('\nwith', 1)[0]
    [g] = _history(_recipes(LOCAL_ORM, NULLABLE_THEN_NOT_NULL),
                   _recipes(LOCAL_TEXT, kept), code={})
    assert (g.rule, g.severity) == ('migration-history-edited', 'error')


CORE = '''from sqlalchemy import orm, select, update

from app.db.models.ingredient import IngredientUnitModel


def populate_normalized_fields():
    session = orm.Session(bind=op.get_bind())
    for unit in session.execute(select(IngredientUnitModel)).scalars().all():
        session.execute(
            update(IngredientUnitModel)
            .where(IngredientUnitModel.id == unit.id)
            .values(name_normalized=IngredientUnitModel.normalize(unit.name))
        )
    session.commit()
'''
BULK = '''from sqlalchemy import orm, select

from app.db.models.ingredient import IngredientUnitModel


def populate_normalized_fields():
    session = orm.Session(bind=op.get_bind())
    for unit in session.execute(select(IngredientUnitModel)).scalars().all():
        session.bulk_update_mappings(
            IngredientUnitModel,
            [{"id": unit.id, "name_normalized": IngredientUnitModel.normalize(unit.name)}])
    session.commit()
'''
ORM_NAME_ONLY = '''from sqlalchemy import orm, select

from app.db.models.ingredient import IngredientUnitModel


def populate_normalized_fields():
    session = orm.Session(bind=op.get_bind())
    for unit in session.execute(select(IngredientUnitModel)).scalars().all():
        unit.name_normalized = IngredientUnitModel.normalize(unit.name)
    session.commit()
'''


@pytest.mark.parametrize('new', [CORE, BULK], ids=['core-update', 'bulk-update-mappings'])
def test_core_update_and_bulk_mappings_are_the_same_write(new: str) -> None:
    [f] = _history(_mig(ORM_NAME_ONLY), _mig(new))
    assert (f.rule, f.severity) == ('migration-history-code-changed', 'info')


def test_effects_of_the_shapes() -> None:
    import ast

    from hotfix_hooks.migrations.history import _forward_module

    def of(text: str, code: dict[str, str]) -> effects.Effects:
        snap = MemorySnapshot({**code, PATH: text})
        forward = _forward_module(text, 'alembic')
        assert forward is not None
        return effects.data_effects(ast.parse(text), forward, snap, PATH)

    got = of(_mig(ORM), CODE)
    by_id = (('id', '=', '?'),)
    assert got.resolved and got.effects == {
        ('read', 'ingredient_units', ()),
        ('update', 'ingredient_units', 'name_normalized', '?', by_id),
        ('update', 'ingredient_units', 'abbreviation_normalized', '?', by_id)}
    # every file read or probed is recorded, the absent ones too (an import probe below
    # the migration's folders found nothing before the repository root)
    assert got.consulted[MODEL_PATH] is not None
    missing = of(_mig(ORM), {})
    assert not missing.resolved
    assert MODEL_PATH in missing.consulted and missing.consulted[MODEL_PATH] is None
    assert effects.sql_effects('DELETE FROM units WHERE group_id = :g AND name = :n',
                               {'n': "'kg'"}) == {
        ('delete', 'units', (('group_id', '=', '?'), ('name', '=', "'kg'")))}
    assert effects.sql_effects('CREATE INDEX ix ON units (name)') == set()
    assert effects.sql_effects('UPDATE units SET') is None


# -- through the cache, on real commits ---------------------------------------------------
def _scan(repo: GitRepo, *extra: str) -> list[dict[str, object]]:
    res = run_cli(repo, 'scan', '--only', 'migrations', '--from-ref', 'main', '--to-ref',
                  'HEAD', '--format', 'json', *extra)
    assert res.returncode in (0, 1), res.stderr
    return [f for f in json.loads(res.stdout)['findings'] if f['rule'] in HISTORY]


def test_a_cached_rewrite_is_judged_again_when_the_model_changes(tmp_path: Path) -> None:
    """Adversarial: the rewritten migration is byte for byte the one a clean branch had
    (so its cache entry exists), but this branch also renames the model's table: the text
    SQL now writes another table. The cached effects name the model file's blob, so they
    are not reused: still an error, cold and warm."""
    repo = GitRepo(tmp_path / 'repo')
    repo.commit('shipped', files={**BASE, **CODE, PATH: _mig(ORM)})
    repo.tag('v1.0.0')
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.commit('fix: write the normalized names with SQL', files={PATH: _mig(TEXT)})
    [clean] = _scan(repo)
    assert (clean['rule'], clean['severity']) == ('migration-history-code-changed', 'info')
    assert _scan(repo) == [clean]                                    # warm: the same
    repo.commit('and rename the table', files={
        MODEL_PATH: MODEL.replace('"ingredient_units"', '"unit_names"')})
    warm = _scan(repo)
    assert [(f['rule'], f['severity']) for f in warm] == [('migration-history-edited', 'error')]
    assert _scan(repo) == warm                                       # warm again
    assert _scan(repo, '--no-cache') == warm                         # and uncached


def test_a_module_that_appears_is_read_although_it_was_probed_absent(tmp_path: Path) -> None:
    """The first run probed the model's module and found nothing (unresolved: an error);
    a later commit adds it, the migration unchanged: the cached verdict is not reused."""
    repo = GitRepo(tmp_path / 'repo')
    repo.commit('shipped', files={**BASE, PATH: _mig(ORM)})
    repo.tag('v1.0.0')
    repo.checkout(HOTFIX_BRANCH, create=True)
    repo.commit('fix: write the normalized names with SQL', files={PATH: _mig(TEXT)})
    [before] = _scan(repo)
    assert (before['rule'], before['severity']) == ('migration-history-edited', 'error')
    repo.checkout('main')
    repo.commit('the models', files=CODE)
    repo.checkout(HOTFIX_BRANCH)
    repo.git('merge', '-q', '--no-edit', 'main')
    [after] = _scan(repo)
    assert (after['rule'], after['severity']) == ('migration-history-code-changed', 'info')
    assert _scan(repo, '--no-cache') == [after]


def test_cached_effects_are_reused_only_while_every_consulted_file_holds(
        tmp_path: Path) -> None:
    import ast

    from hotfix_hooks import cache as cache_mod
    from hotfix_hooks.migrations.history import _forward_module

    cache = cache_mod.Cache(str(tmp_path))
    text = _mig(TEXT)
    calls: list[str] = []

    def get(code: dict[str, str]) -> dict[str, object]:
        snap = MemorySnapshot({**code, PATH: text})

        def derive() -> effects.Effects:
            calls.append('derived')
            forward = _forward_module(text, 'alembic')
            assert forward is not None
            return effects.data_effects(ast.parse(text), forward, snap, PATH)

        return effects.cached(cache, snap, PATH, derive)

    first = get(CODE)
    assert get(CODE) == first and len(calls) == 1                  # reused
    renamed = get({**CODE, MODEL_PATH: MODEL.replace('"ingredient_units"', '"unit_names"')})
    assert len(calls) == 2 and renamed != first                    # the model changed
    assert ('update', 'unit_names', 'name_normalized', '?', (('id', '=', '?'),)) in \
        renamed['effects']
    absent = get({})
    assert len(calls) == 3 and absent['unresolved']                # probed, absent
    assert get(CODE) == first and len(calls) == 3                  # its variant is kept
    assert get({}) == absent and len(calls) == 3


CORE_LITERAL = '''from sqlalchemy import orm, update

from app.db.models.ingredient import IngredientUnitModel


def populate_normalized_fields():
    session = orm.Session(bind=op.get_bind())
    session.execute(
        update(IngredientUnitModel)
        .where(IngredientUnitModel.name == "Kilogram")
        .values(name_normalized="kg")
    )
'''


@pytest.mark.parametrize(('sql', 'expected'), [
    ("UPDATE ingredient_units SET name_normalized = 'kg' WHERE name = 'Kilogram'",
     ('migration-history-code-changed', 'info')),
    # another value written, or other rows chosen: the data differs
    ("UPDATE ingredient_units SET name_normalized = 'g' WHERE name = 'Kilogram'",
     ('migration-history-edited', 'error')),
    ("UPDATE ingredient_units SET name_normalized = 'kg' WHERE name <> 'Kilogram'",
     ('migration-history-edited', 'error')),
    ("UPDATE ingredient_units SET name_normalized = lower(name) WHERE name = 'Kilogram'",
     ('migration-history-edited', 'error')),
], ids=['same', 'other-value', 'other-rows', 'sql-expression'])
def test_literal_values_and_conditions_are_compared(sql: str,
                                                    expected: tuple[str, str]) -> None:
    text = CORE_LITERAL.replace('''    session.execute(
        update(IngredientUnitModel)
        .where(IngredientUnitModel.name == "Kilogram")
        .values(name_normalized="kg")
    )''', f'''    session.execute(sa.text("{sql}"))''')
    [f] = _history(_mig(CORE_LITERAL), _mig(text))
    assert (f.rule, f.severity) == expected


LIGHT_TABLE = '''t = sa.table("organizations", sa.column("id"), sa.column("status"))
op.execute(t.update().where(t.c.status.is_(None)).values(status="active"))'''


@pytest.mark.parametrize(('sql', 'expected'), [
    ("UPDATE organizations SET status = 'active' WHERE status IS NULL",
     ('migration-history-code-changed', 'info')),
    ("UPDATE organizations SET status = 'active' WHERE status IS NOT NULL",
     ('migration-history-edited', 'error')),
], ids=['same', 'other-rows'])
def test_a_core_statement_on_a_lightweight_table_rewritten_as_sql(
        sql: str, expected: tuple[str, str]) -> None:
    """The backfill shape of polar and dispatch: ``sa.table(...)`` with a Core UPDATE in
    ``op.execute``, rewritten as the SQL it sends."""
    add = "op.add_column('organizations', sa.Column('status', sa.String(), nullable=True))\n"
    old = alembic(add + LIGHT_TABLE, "op.drop_column('organizations', 'status')")
    new = alembic(add + f'op.execute("{sql}")', "op.drop_column('organizations', 'status')")
    [f] = _history(old, new, code={})
    assert (f.rule, f.severity) == expected


DISPATCH = '''from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.ext.declarative import declarative_base
from sqlalchemy.orm import Session

Base = declarative_base()


class Incident(Base):
    __tablename__ = "incident"
    id = Column(Integer, primary_key=True)
    project_id = Column(Integer, ForeignKey("project.id"))
    incident_severity_id = Column(Integer, ForeignKey("incident_severity.id"))
'''


def test_the_dispatch_orm_loop_with_a_filter_rewritten_as_sql() -> None:
    """dispatch 3b0f5b81376f's shape: objects of a filtered ``session.query`` changed one
    by one; the same loop sending the UPDATE itself is the same write."""
    orm_loop = '''session = Session(bind=op.get_bind())
for incident in session.query(Incident).filter(Incident.project_id == 1).all():
    incident.incident_severity_id = 7
    session.add(incident)
session.commit()'''
    sql_loop = '''session = Session(bind=op.get_bind())
for incident in session.query(Incident).filter(Incident.project_id == 1).all():
    session.execute(sa.text("UPDATE incident SET incident_severity_id = 7 WHERE id = :id"),
                    {"id": incident.id})
session.commit()'''
    other = sql_loop.replace('incident_severity_id = 7', 'incident_severity_id = 8')
    [f] = _history(alembic(orm_loop, preamble=DISPATCH), alembic(sql_loop, preamble=DISPATCH),
                   code={})
    assert (f.rule, f.severity) == ('migration-history-code-changed', 'info')
    [g] = _history(alembic(orm_loop, preamble=DISPATCH), alembic(other, preamble=DISPATCH),
                   code={})
    assert (g.rule, g.severity) == ('migration-history-edited', 'error')


def test_a_write_moved_into_the_repositorys_own_helper_stays_reported() -> None:
    """Adversarial: the new version calls a function of the repository that this walk
    does not follow (it may write anything): the effects are unresolved, the edit is
    judged as before. A library function (not a file of the repository) is a value."""
    helper = IMPORTS + '''from app.db.fixes import normalize_units


def populate_normalized_fields():
    session = orm.Session(bind=op.get_bind())
    normalize_units(session)
    session.commit()
'''
    fixes = {**CODE, 'app/db/fixes.py': 'def normalize_units(session):\n    pass\n'}
    [f] = _history(_mig(ORM), _mig(helper), code=fixes)
    assert (f.rule, f.severity) == ('migration-history-edited', 'error')
    library = TEXT.replace('IngredientUnitModel.normalize(unit.name)', 'underscore(unit.name)')
    library = library.replace('from sqlalchemy import orm, select\n',
                              'from inflection import underscore\nfrom sqlalchemy import orm, '
                              'select\n')
    [g] = _history(_mig(ORM), _mig(library))
    assert (g.rule, g.severity) == ('migration-history-code-changed', 'info')


def test_a_reshape_under_a_condition_stays_a_history_error() -> None:
    """On PostgreSQL only, the new version leaves the column nullable: which state it ends
    in depends on the database, so it is no same end state."""
    guarded = DEFAULT_THEN_DROPPED + (
        '\nif op.get_context().dialect.name == "postgresql":\n'
        '    op.alter_column("recipes", "name_normalized", nullable=True)')
    [f] = _history(_recipes(LOCAL_ORM, NULLABLE_THEN_NOT_NULL),
                   _recipes(LOCAL_TEXT, guarded), code={})
    assert (f.rule, f.severity) == ('migration-history-edited', 'error')


WIPE = 'def wipe(session):\n    session.execute(sa.text("DELETE FROM ingredient_units"))\n'


def _with_call(call: str, imports: str = '', local: str = '') -> str:
    """TEXT (the same writes as ORM) with one more statement before the commit."""
    start = '    session = orm.Session(bind=op.get_bind())\n'
    body = TEXT.replace(start, start + ''.join(f'    {line}\n' for line in local.splitlines()),
                        1)
    return imports + body.replace('    session.commit()\n', f'    {call}\n    session.commit()\n',
                                  1)


@pytest.mark.parametrize(('imports', 'local', 'call', 'files'), [
    ('import app.db.fixes\n', '', 'app.db.fixes.wipe(session)', {'app/db/fixes.py': WIPE}),
    # a namespace package (no __init__.py): the import finds no file where it looks first
    ('from app.db.fixes import ops\n', '', 'ops.wipe(session)', {'app/db/fixes/ops.py': WIPE}),
    # a src/ layout: the package is on sys.path through src/, not a folder above the migration
    ('from app.db.fixes import wipe\n', '', 'wipe(session)', {'src/app/db/fixes.py': WIPE}),
    # an import inside the step
    ('', 'from app.db.fixes import wipe', 'wipe(session)', {'app/db/fixes.py': WIPE}),
    ('', 'import app.db.fixes as fixes', 'fixes.wipe(session)', {'app/db/fixes.py': WIPE}),
    # code chosen at run time
    ('import importlib\n', '', 'importlib.import_module("app.db.fixes").wipe(session)',
     {'app/db/fixes.py': WIPE}),
    ('', '', '__import__("app.db.fixes").db.fixes.wipe(session)', {'app/db/fixes.py': WIPE}),
    ('', '', 'exec("session.execute(sa.text(\'DELETE FROM ingredient_units\'))")', {}),
    ('', '', 'getattr(session, "execute")(sa.text("DELETE FROM ingredient_units"))', {}),
], ids=['import-dotted', 'namespace-package', 'src-layout', 'local-import-from',
        'local-import-as', 'import-module', 'dunder-import', 'exec', 'getattr-call'])
def test_a_write_hidden_in_code_the_walk_does_not_follow_stays_reported(
        imports: str, local: str, call: str, files: dict[str, str]) -> None:
    """Adversarial: the rewrite writes the same rows and also calls code of the repository
    (reached by a way of importing that the walk once took for a library, or chosen at run
    time) that deletes every row: unresolved, judged as before (an error), never the info
    that the same rows are written."""
    [f] = _history(_mig(ORM), _mig(_with_call(call, imports, local)),
                   code={**CODE, **files})
    assert (f.rule, f.severity) == ('migration-history-edited', 'error')
    assert 'not followed' in f.message or f.extra.get('same_effects') is None


def test_a_library_call_and_a_compiled_statement_stay_values() -> None:
    """What a library (no file of the repository) computes is a value: still context."""
    [f] = _history(_mig(ORM), _mig(_with_call('underscore("x")',
                                              'from inflection import underscore\n')))
    assert (f.rule, f.severity) == ('migration-history-code-changed', 'info')


def test_a_service_of_a_monorepo_calling_shared_code_beside_it_is_unresolved() -> None:
    """The migrations of ``services/api`` are checked with paths relative to it; the helper
    the step calls lives in ``shared/`` at the top of the repository (on ``sys.path`` in
    production): code of the repository, not a library, also through the cache."""
    import ast

    from hotfix_hooks import cache as cache_mod
    from hotfix_hooks.changeset import PrefixSnapshot
    from hotfix_hooks.migrations.history import _forward_module

    text = _mig(_with_call('wipe(session)', 'from shared.fixes import wipe\n'))
    forward = _forward_module(text, 'alembic')
    assert forward is not None
    service = {f'services/api/{p}': t for p, t in {**CODE, PATH: text}.items()}

    def run(files: dict[str, str], cache: object = None) -> dict[str, object]:
        snap = PrefixSnapshot(MemorySnapshot(files), 'services/api/')
        return effects.cached(cache, snap, PATH, lambda: effects.data_effects(
            ast.parse(text), forward, snap, PATH))

    assert run(service)['unresolved'] == []                  # no such code: a library
    shared = {**service, 'shared/fixes.py': WIPE}
    assert run(shared)['unresolved']
    with_cache = cache_mod.Cache(os.path.join(tempfile.mkdtemp(), 'cache'))
    assert run(service, with_cache)['unresolved'] == []
    assert run(shared, with_cache)['unresolved']             # the cached library verdict
    assert run(service, with_cache)['unresolved'] == []      # is kept for its own side only


def test_a_package_beside_a_module_of_the_same_name_is_the_one_imported() -> None:
    """``app/db/models/ingredient/__init__.py`` beside ``ingredient.py``: Python imports the
    package (a regular package wins over a module); a namespace package (no ``__init__``)
    loses to the module."""
    other = MODEL.replace('"ingredient_units"', '"units_v2"')
    package = {**CODE, 'app/db/models/ingredient/__init__.py': other}
    got = effects.Resolver(MemorySnapshot(package), PATH).imported(
        'app.db.models.ingredient', 'IngredientUnitModel', PATH)
    assert got is not None and got.table == 'units_v2'
    namespace = {**CODE, 'app/db/models/ingredient/other.py': other}
    got = effects.Resolver(MemorySnapshot(namespace), PATH).imported(
        'app.db.models.ingredient', 'IngredientUnitModel', PATH)
    assert got is not None and got.table == 'ingredient_units'


def test_a_model_module_that_is_a_symlink_is_read_as_its_target(tmp_path: Path) -> None:
    """A model module replaced by a symbolic link (mode 120000) is the file it points at;
    a link out of the repository resolves nothing (never its link text)."""
    from hotfix_hooks.git.changes import ObjectReader
    from hotfix_hooks.git.changes import TreeSnapshot
    from tests.support.gitrepo import GitRepo

    repo = GitRepo(tmp_path / 'r')
    other = MODEL.replace('"ingredient_units"', '"units_v2"')
    repo.commit('code', files={'app/db/models/_base.py': CODE['app/db/models/_base.py'],
                               'app/db/models/ingredient_v2.py': other})
    os.symlink('ingredient_v2.py', repo.path / MODEL_PATH)
    linked = repo.commit('link')
    os.unlink(repo.path / MODEL_PATH)
    os.symlink('/etc/hostname', repo.path / MODEL_PATH)
    outside = repo.commit('link out')
    reader = ObjectReader(str(repo.path))
    try:
        for rev, table in ((linked, 'units_v2'), (outside, None)):
            snap = TreeSnapshot(str(repo.path), reader, rev)
            got = effects.Resolver(snap, PATH).imported(
                'app.db.models.ingredient', 'IngredientUnitModel', PATH)
            assert (got.table if got is not None else None) == table
    finally:
        reader.close()


def test_a_model_module_below_a_linked_folder_is_read_as_its_target(tmp_path: Path) -> None:
    """``app/db/models`` is a link to ``shared/models``: the model module is the file below
    the target folder; a re-pointed link reads the new target; a folder linked out of the
    repository resolves nothing (never a file outside it)."""
    from hotfix_hooks.git.changes import ObjectReader
    from hotfix_hooks.git.changes import TreeSnapshot
    from tests.support.gitrepo import GitRepo

    repo = GitRepo(tmp_path / 'r')
    other = MODEL.replace('"ingredient_units"', '"units_v2"')
    repo.commit('code', files={'shared/models/_base.py': CODE['app/db/models/_base.py'],
                               'shared/models/ingredient.py': MODEL,
                               'shared/v2/_base.py': CODE['app/db/models/_base.py'],
                               'shared/v2/ingredient.py': other})
    (repo.path / 'app/db').mkdir(parents=True)
    os.symlink('../../shared/models', repo.path / 'app/db/models')
    linked = repo.commit('link')
    os.unlink(repo.path / 'app/db/models')
    os.symlink('../../shared/v2', repo.path / 'app/db/models')
    re_pointed = repo.commit('re-point')
    os.unlink(repo.path / 'app/db/models')
    os.symlink(str(repo.path / 'shared/models'), repo.path / 'app/db/models')
    outside = repo.commit('link out')
    reader = ObjectReader(str(repo.path))
    try:
        for rev, table in ((linked, 'ingredient_units'), (re_pointed, 'units_v2'),
                           (outside, None)):
            snap = TreeSnapshot(str(repo.path), reader, rev)
            got = effects.Resolver(snap, PATH).imported(
                'app.db.models.ingredient', 'IngredientUnitModel', PATH)
            assert (got.table if got is not None else None) == table, rev
    finally:
        reader.close()
