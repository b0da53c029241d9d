"""Every query the Firestore adapter issues during the contract suite is served by an index:
a built-in single-field one, or a composite index declared in infra/main.tf."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra_indexes import QueryShape, declared_indexes, required_index

ROOT = Path(__file__).resolve().parents[1]

# Runs the contract suite on the emulator in a pytest of its own.
pytestmark = [pytest.mark.emulator, pytest.mark.slow]


def recorded_queries(tmp_path: Path) -> list[QueryShape]:
    log = tmp_path / "queries.json"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/contract", "-k", "firestore"],
        cwd=ROOT,
        env={**os.environ, "SIDEBYSIDE_TEST_QUERY_LOG": str(log)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    return [
        QueryShape(d["collection"], tuple(map(tuple, d["filters"])), tuple(map(tuple, d["orders"])))
        for d in json.loads(log.read_text())
    ]


def test_every_adapter_query_has_its_index(tmp_path: Path):
    shapes = recorded_queries(tmp_path)
    assert len({s.collection for s in shapes}) >= 5  # the suite really exercised the adapter
    declared = declared_indexes(ROOT / "infra")
    missing = {
        need for shape in shapes if (need := required_index(shape)) is not None and need not in declared
    }
    assert missing == set(), f"declare these composite indexes in infra/main.tf: {missing}"
    composite = {need for shape in shapes if (need := required_index(shape)) is not None}
    assert composite, "expected the adapter to need at least one composite index"
