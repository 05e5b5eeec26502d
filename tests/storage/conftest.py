"""One contract, every backend: each test of `repo` runs on disk (tmp_path) and in memory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from storage import Repository


@pytest.fixture(params=["disk", "memory"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Repository, Callable[[], Repository]]:
    if request.param == "disk":
        folder = tmp_path / "data"
        current = [Repository(folder)]

        def reopen() -> Repository:  # a new app start: let go of the folder, read it again
            current[0].close()
            current[0] = Repository(folder)
            return current[0]

        return current[0], reopen
    store = Repository.in_memory()
    return store, lambda: store  # memory cannot be reopened: the same instance stands in


@pytest.fixture
def repo(backend: tuple[Repository, Callable[[], Repository]]) -> Repository:
    return backend[0]


@pytest.fixture
def reopen(backend: tuple[Repository, Callable[[], Repository]]) -> Callable[[], Repository]:
    """A fresh Repository over the same data (a new app start), where the backend allows."""
    return backend[1]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "data"
