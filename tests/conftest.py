from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.gitrepo import git_env
from tests.gitrepo import GitRepo


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never see the developer's git config, CI variables or pre-commit env."""
    home = tmp_path_factory.getbasetemp() / 'home'
    home.mkdir(exist_ok=True)
    clean = git_env(home)
    for k in list(os.environ):
        if k not in clean:
            monkeypatch.delenv(k, raising=False)
    for k, v in clean.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv('NO_COLOR', '1')


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., GitRepo]:
    """``make_repo('name')`` -> a fresh repository under tmp_path."""
    def _make(name: str = 'repo') -> GitRepo:
        return GitRepo(tmp_path / name)
    return _make


@pytest.fixture
def repo(make_repo: Callable[..., GitRepo]) -> GitRepo:
    return make_repo()
