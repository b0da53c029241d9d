"""The report's paired comparison from cell counts is ``stats.compare_paired`` exactly: the same
Comparison, field for field, on every kind of table (reference: stats.compare_paired itself,
on the per-respondent lists the cells stand for)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from shared.report.paired import compare_paired, compare_paired_cells, paired_cells


def vectors(e: int, f: int, g: int, h: int) -> tuple[list[int], list[int]]:
    return [1] * e + [1] * f + [0] * g + [0] * h, [1] * e + [0] * f + [1] * g + [0] * h


EDGES = [
    (0, 0, 0, 0),
    (0, 0, 0, 1),
    (1, 0, 0, 0),
    (0, 1, 0, 0),
    (0, 0, 1, 0),
    (0, 0, 0, 30),
    (30, 0, 0, 0),
    (59, 6, 16, 80),
    (2, 0, 0, 2),
    (5, 1, 1, 5),
    (3, 4, 5, 3),
    (0, 40, 0, 0),
]


@pytest.mark.parametrize("cells", EDGES)
def test_edge_tables(cells):
    labels = ("faculty_services", "peer_support")
    assert compare_paired_cells(*cells, labels=labels) == compare_paired(*vectors(*cells), labels=labels)


def test_random_tables():
    rng = random.Random(2635)
    for _ in range(2000):
        cells = tuple(rng.choice([0, 0, 1, 2, 3, rng.randint(0, 60)]) for _ in range(4))
        assert compare_paired_cells(*cells) == compare_paired(*vectors(*cells)), cells


def test_cells_are_counted_from_columns():
    rng = np.random.default_rng(7)
    first, second = rng.integers(0, 2, 500, dtype=np.uint8), rng.integers(0, 2, 500, dtype=np.uint8)
    e, f, g, h = paired_cells(first, second)
    pairs = list(zip(first.tolist(), second.tolist(), strict=True))
    assert (e, f, g, h) == (
        pairs.count((1, 1)),
        pairs.count((1, 0)),
        pairs.count((0, 1)),
        pairs.count((0, 0)),
    )


def test_bad_cells_raise():
    for bad in ((-1, 0, 0, 0), (1.5, 0, 0, 0), (True, 0, 0, 0)):
        with pytest.raises(ValueError):
            compare_paired_cells(*bad)
