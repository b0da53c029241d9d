"""The test tiers cannot silently drop real-store coverage: collected test ids (``[memory]``,
``[sqlite]``, ``[firestore]`` name the store each run uses) show that the fast tier runs the
behaviour tests on the in-memory store, and that the full run still gives the SQLite file and the
Firestore emulator the whole contract suite and the store-specific tests."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import ALL_STORES, REAL_STORES

ROOT = Path(__file__).resolve().parents[1]

# Two collections of the whole suite take seconds; `make test` runs this guard of the tiers.
pytestmark = pytest.mark.slow
FAST = (
    "not browser and not emulator and not node and not slow"  # what `make test-fast` selects (see Makefile)
)
ID = re.compile(r"^(?P<module>[^:]+)::(?P<name>[^\[]+)(?:\[(?P<params>.*)\])?$")


def collect(*args: str) -> dict[str, dict[str, set[str]]]:
    """``{module: {test name: {store kinds it runs on}}}`` for the tests pytest would run."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    tests: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for line in result.stdout.splitlines():
        match = ID.match(line.strip())
        if match is None:
            continue
        params = set((match["params"] or "").split("-"))
        kinds = tests[match["module"]][match["name"]]
        kinds |= params & set(ALL_STORES)
        kinds.add("")  # collected at all, even without a store
    return tests


@pytest.fixture(scope="module")
def full() -> dict[str, dict[str, set[str]]]:
    return collect()


@pytest.fixture(scope="module")
def fast() -> dict[str, dict[str, set[str]]]:
    return collect("-m", FAST)


def runs_on(tests: dict[str, dict[str, set[str]]], kind: str, contract: bool = False) -> int:
    """How many tests run on the store ``kind``, in the contract suite or outside it."""
    return sum(
        kind in kinds
        for module, names in tests.items()
        if ("contract" in module) == contract
        for kinds in names.values()
    )


def test_the_full_run_gives_every_adapter_the_whole_contract_suite(full):
    contract = full["tests/contract/test_store.py"]
    assert len(contract) >= 15
    assert all(kinds == {"", *ALL_STORES} for kinds in contract.values()), contract


def test_the_full_run_keeps_the_store_specific_tests_on_the_real_stores(full):
    for module in ("tests/test_survey_privacy.py", "tests/test_log_concurrency.py"):
        assert full[module], module
        assert all(kinds == {"", *REAL_STORES} for kinds in full[module].values()), module
    for module in (
        "tests/test_firestore_costs.py",
        "tests/test_sqlite_durability.py",
        "tests/test_index_coverage.py",
    ):
        assert full[module], module


def test_the_fast_tier_runs_behaviour_on_memory_and_the_contract_on_memory_and_sqlite(fast, full):
    contract = fast["tests/contract/test_store.py"]
    assert contract.keys() == full["tests/contract/test_store.py"].keys()
    assert all(kinds == {"", "memory", "sqlite"} for kinds in contract.values()), contract
    assert runs_on(fast, "firestore") == 0
    # Behaviour tests through the app run once, in memory: far more of them than real-store runs.
    assert runs_on(fast, "memory") >= 150
    # The store-specific tests (privacy attacks, concurrency, releases) on SQLite: a small share.
    assert runs_on(fast, "sqlite") * 5 <= runs_on(fast, "memory")
