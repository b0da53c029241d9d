"""Small-cell protection: what is shown, and attempts to undo it.

The attacks here use only the published table (shown numbers, shown totals, and what each
mark means) and are written independently of the module's own audit:

- peeling: a hidden number alone in a row or column with a shown total is worked out,
  then used again, until nothing changes (the attack the usual "two per line" rule stops);
- linear programming (scipy's HiGHS) for the smallest and largest value of each hidden
  number; the constraints are a bipartite incidence matrix, which is totally unimodular,
  so both ends are whole numbers and a gap of at least 1 means two values fit;
- brute force on small tables: every whole-number filling of the hidden numbers within
  [0, grand total] that agrees with everything shown.
"""

from __future__ import annotations

import random

import pytest
from scipy.optimize import linprog

from shared.report.suppress import COMPLEMENTARY, PRIMARY, Cell, suppress_table

T = 5


def displays(result) -> list[list[str]]:
    return [[c.display for c in row] for row in result.cells]


def test_one_dimensional_example():
    result = suppress_table([12, 3, 0, 7])
    assert result.to_dict() == {
        "cells": [
            {"count": 12, "suppressed": False, "display": "12"},
            {"count": None, "suppressed": True, "display": "<5"},
            {"count": 0, "suppressed": False, "display": "0"},
            {"count": None, "suppressed": True, "display": "x"},
        ],
        "row_totals": None,
        "col_totals": None,
        "total": {"count": 22, "suppressed": False, "display": "22"},
        "threshold": 5,
        "notes": [],
    }
    assert [c.reason for c in result.cells[0]] == [None, PRIMARY, None, COMPLEMENTARY]


def test_two_dimensional_example_hides_one_rectangle():
    result = suppress_table([[20, 3, 15], [12, 14, 9], [2, 30, 11], [8, 7, 25]])
    assert displays(result) == [["x", "<5", "15"], ["12", "14", "9"], ["<5", "x", "11"], ["8", "7", "25"]]
    assert [c.display for c in result.row_totals] == ["38", "35", "43", "40"]
    assert [c.display for c in result.col_totals] == ["42", "54", "60"]
    assert result.total == Cell(156, False, "156")
    assert result.notes == ()


def test_nothing_small_means_nothing_hidden():
    result = suppress_table([[10, 0], [25, 7]])
    assert displays(result) == [["10", "0"], ["25", "7"]]


def test_without_totals_only_small_counts_are_hidden():
    result = suppress_table([[1, 20], [30, 40]], with_totals=False)
    assert displays(result) == [["<5", "20"], ["30", "40"]]
    assert (result.row_totals, result.col_totals, result.total) == (None, None, None)
    assert displays(suppress_table([3, 10], with_totals=False)) == [["<5", "10"]]


def test_total_is_hidden_when_nothing_else_can_protect():
    result = suppress_table([1, 1])  # shown total 2 and two "<5" would give 1 and 1 away
    assert displays(result) == [["<5", "<5"]]
    assert result.total.display == "x" and result.total.count is None
    assert "merging" in result.notes[0]


def test_small_shown_total_gets_a_note():
    result = suppress_table([[1, 2], [20, 30]])
    assert "Row 1 has only 3" in " ".join(result.notes)


def test_single_row_table_repeats_its_cells_as_column_totals():
    result = suppress_table([[1, 2, 30]])
    assert [c.display for c in result.col_totals] == [c.display for c in result.cells[0]]
    assert result.total.display == "33"


def test_threshold_and_input_validation():
    with pytest.raises(ValueError):
        suppress_table([1, 2], threshold=2)  # "<2" would mean exactly 1
    with pytest.raises(ValueError):
        suppress_table([1, -2])
    with pytest.raises(ValueError):
        suppress_table([[1, 2], [3]])
    with pytest.raises(ValueError):
        suppress_table([1.5])
    assert displays(suppress_table([4, 9], threshold=10)) == [["<10", "<10"]]


# --- What the attacker sees ------------------------------------------------------------


def published(result):
    """The table as a reader sees it: unknowns with the bounds their marks imply, knowns,
    and the sums that link them (each row and column adds up to its total)."""
    t = result.threshold
    known, unknown = {}, {}

    def add(key, cell: Cell, is_total: bool) -> None:
        if not cell.suppressed:
            known[key] = cell.count
        elif cell.display == f"<{t}":
            unknown[key] = (1, t - 1)
        else:  # "x": a hidden cell is never small and never zero; a hidden total is just >= 0
            unknown[key] = (0, None) if is_total else (t, None)

    rows, cols = len(result.cells), len(result.cells[0]) if result.cells else 0
    for i, row in enumerate(result.cells):
        for j, cell in enumerate(row):
            add(("cell", i, j), cell, False)
    sums = []  # (terms with +1, term with -1)
    if result.total is not None:
        add(("grand",), result.total, True)
        if result.one_dimensional:
            sums.append(([("cell", 0, j) for j in range(cols)], ("grand",)))
        else:
            for i, cell in enumerate(result.row_totals):
                add(("row", i), cell, True)
                sums.append(([("cell", i, j) for j in range(cols)], ("row", i)))
            for j, cell in enumerate(result.col_totals):
                add(("col", j), cell, True)
                sums.append(([("cell", i, j) for i in range(rows)], ("col", j)))
            sums.append(([("row", i) for i in range(rows)], ("grand",)))
            sums.append(([("col", j) for j in range(cols)], ("grand",)))
    return known, unknown, sums


def truth(table, result):
    """The real value behind every published position."""
    grid = [table] if result.one_dimensional else table
    values = {("cell", i, j): v for i, row in enumerate(grid) for j, v in enumerate(row)}
    if result.total is not None:
        values[("grand",)] = sum(values.values())
        if not result.one_dimensional:
            for i, row in enumerate(grid):
                values[("row", i)] = sum(row)
            for j in range(len(grid[0])):
                values[("col", j)] = sum(row[j] for row in grid)
    return values


def peel(known, unknown, sums):
    """Work out every unknown that is alone in some sum, repeatedly."""
    values, recovered = dict(known), set()
    changed = True
    while changed:
        changed = False
        for plus, minus in sums:
            terms = [(key, 1) for key in plus] + [(minus, -1)]
            missing = [(key, sign) for key, sign in terms if key not in values]
            if len(missing) == 1:
                key, sign = missing[0]
                rest = sum(s * values[k] for k, s in terms if k != key)
                values[key] = -rest * sign
                recovered.add(key)
                changed = True
    return recovered


def lp_ranges(known, unknown, sums):
    """Smallest and largest value of each unknown by linear programming."""
    keys = sorted(unknown)
    index = {k: n for n, k in enumerate(keys)}
    a_eq, b_eq = [], []
    for plus, minus in sums:
        row, rhs = [0.0] * len(keys), 0.0
        for key, sign in [(k, 1) for k in plus] + [(minus, -1)]:
            if key in index:
                row[index[key]] += sign
            else:
                rhs -= sign * known[key]
        if any(row):
            a_eq.append(row)
            b_eq.append(rhs)
    bounds = [unknown[k] for k in keys]
    ranges = {}
    for key in keys:
        c = [0.0] * len(keys)
        c[index[key]] = 1.0
        low = linprog(c, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds, method="highs")
        c[index[key]] = -1.0
        high = linprog(c, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds, method="highs")
        assert low.status == 0 and high.status in (0, 3), (low.message, high.message)
        ranges[key] = (low.fun, None if high.status == 3 else -high.fun)  # 3: unbounded above
    return ranges


def random_table(rng: random.Random, small: bool = False):
    def value() -> int:
        roll = rng.random()
        if roll < 0.25:
            return 0
        if roll < 0.6:
            return rng.randint(1, T - 1)
        return rng.randint(T, 12 if small else 40)

    if rng.random() < 0.3:
        return [value() for _ in range(rng.randint(1, 5 if small else 8))]
    rows = rng.randint(1, 3 if small else 6)
    cols = rng.randint(1, 3 if small else 5)
    return [[value() for _ in range(cols)] for _ in range(rows)]


def assert_model_fits_truth(real, known, unknown, sums):
    """The reader's model must admit the real table, or the attacks would prove nothing."""
    for key, (low, high) in unknown.items():
        assert low <= real[key] and (high is None or real[key] <= high), key
    for plus, minus in sums:
        assert sum(real[k] for k in plus) == real[minus]
    assert all(real[k] == v for k, v in known.items())


def check_shown_cells(table, result):
    """Small counts are always hidden, zeros always shown, shown numbers are true, and an
    "x" cell is never small."""
    real = truth(table, result)
    grid = [table] if result.one_dimensional else table
    for i, row in enumerate(result.cells):
        for j, cell in enumerate(row):
            value = grid[i][j]
            if 0 < value < T:
                assert (cell.suppressed, cell.display, cell.count) == (True, "<5", None)
            elif value == 0:
                assert (cell.suppressed, cell.display, cell.count) == (False, "0", 0)
            elif cell.suppressed:
                assert (cell.display, cell.count) == ("x", None)
            else:
                assert (cell.display, cell.count) == (str(value), value)
    known, _, _ = published(result)
    for key, value in known.items():
        assert real[key] == value


@pytest.mark.slow
def test_random_tables_resist_peeling_and_linear_programming():
    rng = random.Random(20240601)
    hidden_total = 0
    for _ in range(400):
        table = random_table(rng)
        result = suppress_table(table, threshold=T)
        check_shown_cells(table, result)
        known, unknown, sums = published(result)
        assert_model_fits_truth(truth(table, result), known, unknown, sums)
        hidden_total += len(unknown)
        assert not peel(known, unknown, sums) & set(unknown), table
        for key, (low, high) in lp_ranges(known, unknown, sums).items():
            assert high is None or high - low >= 1 - 1e-6, (table, key, low, high)
    assert hidden_total > 500  # the sample really exercised suppression


def search_cap(known, real) -> int:
    """Upper end of the search: the grand total when it is shown. When it is hidden the reader
    has no upper end at all; any cap only shrinks the search (so two values found within it
    still exist), but a cap at the true total would itself be inside knowledge, so leave room."""
    return known.get(("grand",), real[("grand",)] + 20)


def enumerate_fillings(unknown, sums, known, cap):
    """Every whole-number filling of the unknowns in [0, cap] (and within their marks' bounds)
    that satisfies every sum. Returns the set of values seen for each unknown; stops early once
    each has two or more."""
    keys = sorted(unknown)
    lows = {k: unknown[k][0] for k in keys}
    highs = {k: min(cap, unknown[k][1]) if unknown[k][1] is not None else cap for k in keys}
    constraints = []
    for plus, minus in sums:
        terms = [(k, 1) for k in plus] + [(minus, -1)]
        rhs = -sum(s * known[k] for k, s in terms if k in known)
        coeffs = [(k, s) for k, s in terms if k not in known]
        if coeffs:
            constraints.append((coeffs, rhs))
    seen = {k: set() for k in keys}
    filling: dict = {}

    class Done(Exception):
        pass

    def possible() -> bool:
        for coeffs, rhs in constraints:
            fixed = low = high = 0
            for k, s in coeffs:
                if k in filling:
                    fixed += s * filling[k]
                elif s > 0:
                    low, high = low + lows[k], high + highs[k]
                else:
                    low, high = low - highs[k], high - lows[k]
            if not fixed + low <= rhs <= fixed + high:
                return False
        return True

    def fill(n: int) -> None:
        if n == len(keys):
            for k in keys:
                seen[k].add(filling[k])
            if all(len(v) > 1 for v in seen.values()):
                raise Done
            return
        for v in range(lows[keys[n]], highs[keys[n]] + 1):
            filling[keys[n]] = v
            if possible():
                fill(n + 1)
            del filling[keys[n]]

    try:
        fill(0)
    except Done:
        pass
    return seen


def test_brute_force_finds_two_values_for_every_hidden_number():
    rng = random.Random(42)
    tried = 0
    while tried < 150:
        table = random_table(rng, small=True)
        result = suppress_table(table, threshold=T)
        known, unknown, sums = published(result)
        if not unknown:
            continue
        tried += 1
        real = truth(table, result)
        assert_model_fits_truth(real, known, unknown, sums)
        seen = enumerate_fillings(unknown, sums, known, search_cap(known, real))
        for key, values in seen.items():
            assert len(values) > 1, (table, key, values)


def test_brute_force_on_hand_picked_hard_tables():
    """Tables where the marks themselves carry information: a "<5" next to a cell of exactly 5,
    two small counts summing to 2, a lone small count among zeros."""
    for table in (
        [[1, 5], [5, 30]],
        [[1, 1], [1, 1]],
        [[3, 0], [0, 0]],
        [[1, 1, 20], [6, 7, 8]],
        [[4, 5, 0], [0, 5, 4]],
        [[2, 0], [0, 2], [9, 9]],
        [1, 5],
        [1, 1, 5],
        [4],
        [[1]],
        [[2], [7], [0]],
    ):
        result = suppress_table(table, threshold=T)
        known, unknown, sums = published(result)
        real = truth(table, result)
        assert_model_fits_truth(real, known, unknown, sums)
        assert not peel(known, unknown, sums) & set(unknown), table
        for key, values in enumerate_fillings(unknown, sums, known, search_cap(known, real)).items():
            assert len(values) > 1, (table, key, values)
