"""Shared fixtures: the store adapters (behaviour tests on the in-memory one; the contract suite
on all three; store-specific tests on SQLite and the Firestore emulator), the Firestore emulator,
the loopback mail servers, and the markers that make up the test tiers (see pyproject.toml)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.store.port import Store
from tests.support.emulator import firestore_emulator

pytest_plugins = ["tests.mailservers", "tests.support.browser"]

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


def make_store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """An empty store of one kind: ``memory``, ``sqlite`` (a file in tmp_path) or ``firestore``."""
    if kind == "memory":
        from shared.store.memory import MemoryStore

        return MemoryStore()
    if kind == "sqlite":
        return make_sqlite(tmp_path)
    made = make_firestore(request.getfixturevalue("emulator_host"))
    recorder = request.config.stash.get(QUERY_LOG, None)
    if recorder is not None:
        made.queries = recorder  # type: ignore[attr-defined]
    return made


# Which adapters the ``store`` fixture (and so ``app``) gives a test. Behaviour tests, which cannot
# differ between stores, run once on the in-memory adapter. The contract suite and the tests of
# what only a real store does (files and documents read by privacy attacks, concurrency on real
# SQLite and Firestore) say ``@pytest.mark.stores(*REAL_STORES)`` or ``(*ALL_STORES)``.
ALL_STORES = ("memory", "sqlite", "firestore")
REAL_STORES = ("sqlite", "firestore")
DEFAULT_STORES = ("memory",)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``store`` over the kinds the ``stores`` marker names (memory when unmarked).
    The Firestore runs carry the ``emulator`` marker, so ``make test-fast`` leaves them out."""
    if "store" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("stores")
    kinds = marker.args if marker else DEFAULT_STORES
    unknown = set(kinds) - set(ALL_STORES)
    if unknown or not kinds:
        raise pytest.UsageError(f"@pytest.mark.stores takes some of {ALL_STORES}, not {kinds}")
    marks = {"firestore": [pytest.mark.emulator]}
    metafunc.parametrize(
        "store", [pytest.param(kind, marks=marks.get(kind, [])) for kind in kinds], indirect=True
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that start the Firestore emulator or Chromium get its marker even when unmarked,
    so the fast tier can never start one by accident."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "emulator_host" in names:
            item.add_marker(pytest.mark.emulator)
        if "browser" in names:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The test's store: in memory, unless the test is marked ``stores(...)`` (see above)."""
    made = make_store(request.param, request, tmp_path)
    yield made
    made.close()


QUERY_LOG = pytest.StashKey[list]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[QUERY_LOG] = []


def pytest_sessionfinish(session: pytest.Session) -> None:
    """With SIDEBYSIDE_TEST_QUERY_LOG set, write the shape of every Firestore query issued
    (tests/test_index_coverage.py runs the contract suite this way)."""
    target = os.environ.get("SIDEBYSIDE_TEST_QUERY_LOG")
    if target:
        import json
        from dataclasses import asdict

        shapes = {json.dumps(asdict(shape), sort_keys=True) for shape in session.config.stash[QUERY_LOG]}
        Path(target).write_text("[" + ",".join(sorted(shapes)) + "]")


ADMIN_TOKEN = "test-admin-token-0123456789abcdefghijklmn"  # 40 characters: the minimum is 32


@pytest.fixture
def settings_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a test program: outbox mail in tmp, a fixed key and admin token."""
    return {
        "SIDEBYSIDE_SECRET_KEY": "test-secret-key-0123456789abcdef",
        "SIDEBYSIDE_ADMIN_TOKEN": ADMIN_TOKEN,
        "SIDEBYSIDE_MAIL": f"outbox:{tmp_path / 'outbox'}",
        "SIDEBYSIDE_STORE": f"sqlite:///{tmp_path / 'unused.db'}",
        "SIDEBYSIDE_COORDINATORS": "coord@example.org",
        "SIDEBYSIDE_BASE_URL": "http://127.0.0.1:8080",
        "SIDEBYSIDE_DATA_DIR": str(tmp_path / "data"),
        "SIDEBYSIDE_PROGRAM_START": "2020-01-01",
    }


@pytest.fixture
def app(store: Store, settings_env: dict[str, str], tmp_path: Path) -> Iterator[object]:
    """The program wired to the test's store (in memory unless the test is marked ``stores``)."""
    from shared import bootstrap, config

    configured = bootstrap.configure(settings=config.load(settings_env, base=tmp_path), store=store)
    yield configured
    bootstrap.reset()


@pytest.fixture
def client_for(app: object):
    """``client_for("survey")``: a test client through functions-framework's own app."""
    import functions_framework

    source = str(Path(__file__).resolve().parents[1] / "functions" / "main.py")

    def make(target: str):
        return functions_framework.create_app(target, source).test_client()

    return make
