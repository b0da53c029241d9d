"""Shared fixtures: both store adapters (the contract suite runs every test against each),
the Firestore emulator, and the loopback mail servers."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.store.port import Store
from tests.support.emulator import firestore_emulator

pytest_plugins = ["tests.mailservers"]

_projects = itertools.count()


@pytest.fixture(scope="session")
def emulator_host() -> Iterator[str]:
    with firestore_emulator() as host:
        previous = os.environ.get("FIRESTORE_EMULATOR_HOST")
        os.environ["FIRESTORE_EMULATOR_HOST"] = host
        try:
            yield host
        finally:
            if previous is None:
                os.environ.pop("FIRESTORE_EMULATOR_HOST", None)
            else:
                os.environ["FIRESTORE_EMULATOR_HOST"] = previous


def make_firestore(host: str) -> Store:
    """A Firestore store on a project of its own, so every test starts empty."""
    from shared.store.firestore import FirestoreStore

    return FirestoreStore(project=f"test-{os.getpid()}-{next(_projects)}")


def make_sqlite(tmp_path: Path) -> Store:
    from shared.store.sqlite import SqliteStore

    return SqliteStore(tmp_path / "store.db")


@pytest.fixture(params=["sqlite", "firestore"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Each test using this runs twice: on SQLite and on the Firestore emulator."""
    if request.param == "sqlite":
        made = make_sqlite(tmp_path)
    else:
        made = make_firestore(request.getfixturevalue("emulator_host"))
        recorder = request.config.stash.get(QUERY_LOG, None)
        if recorder is not None:
            made.queries = recorder  # type: ignore[attr-defined]
    yield made
    made.close()


QUERY_LOG = pytest.StashKey[list]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[QUERY_LOG] = []
