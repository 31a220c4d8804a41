from __future__ import annotations

import pytest

from tests.support.pushworld import make_world
from tests.support.pushworld import World


@pytest.fixture(scope='module')
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp('push'))


@pytest.fixture(scope='module')
def env_branch(world: World) -> dict[str, str]:
    """An unpushed branch ``hotfix/ARIS-10-env`` (two commits) while main is checked out."""
    repo = world.repo
    world.branch('hotfix/ARIS-10-env')
    first = repo.commit('one', {'requirements-env1.txt': 'a==1\n'})
    tip = repo.commit('two', {'requirements-env2.txt': 'b==1\n'})
    repo.checkout('main')
    return {'first': first, 'tip': tip}
