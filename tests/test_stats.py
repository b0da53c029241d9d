"""Every statistic in ``shared.report.stats`` checked against values found another way.

Each test says where its reference values come from: a published paper or book, or a
separate computation written here in plain Python (``math`` only, no scipy) by a different
route than the module's.
"""

from __future__ import annotations

import dataclasses
import math
import random

import pytest

from shared.report.paired import compare_paired
from shared.report.stats import (
    CHI_SQUARE,
    FISHER,
    MCNEMAR,
    Comparison,
    compare_independent,
    format_p,
    holm,
    k10_summary,
    newcombe_independent_ci,
    newcombe_paired_ci,
)

Z = 1.959963984540054  # the 97.5th normal percentile, to 16 digits, typed in


def paired_vectors(e: int, f: int, g: int, h: int) -> tuple[list[int], list[int]]:
    """Respondent-level answers for Newcombe's cells: e both, f first only, g second only, h neither."""
    first = [1] * e + [1] * f + [0] * g + [0] * h
    second = [1] * e + [0] * f + [1] * g + [0] * h
    return first, second


# --- The published Side-by-Side figures ------------------------------------------------


def test_published_side_by_side_figures_are_reproduced():
    """Univ. of Ottawa Side-by-Side, 81 respondents, analysed as independent groups.

    Published: career_impact 18 vs 2 (22.2% vs 2.5%, P < .01); not_helpful 34 vs 19
    (42.0% vs 23.5%, P = .02).
    """
    career = compare_independent(18, 81, 2, 81, labels=("faculty_services", "peer_support"))
    assert career.test == CHI_SQUARE  # smallest expected count is 20 * 81 / 162 = 10
    assert round(career.percent["faculty_services"], 1) == 22.2
    assert round(career.percent["peer_support"], 1) == 2.5
    assert career.p < 0.01
    assert format_p(career.p) == "P < .001"  # consistent with the published "P < .01"

    helpful = compare_independent(34, 81, 19, 81, labels=("faculty_services", "peer_support"))
    assert helpful.test == CHI_SQUARE
    assert round(helpful.percent["faculty_services"], 1) == 42.0
    assert round(helpful.percent["peer_support"], 1) == 23.5
    assert format_p(helpful.p) == "P = .02"
    assert helpful.counts == {"faculty_services": 34, "peer_support": 19}
    assert helpful.n == {"faculty_services": 81, "peer_support": 81}


# --- Newcombe (1998), independent proportions --------------------------------------------

# Newcombe RG. Interval estimation for the difference between independent proportions:
# comparison of eleven methods. Stat Med 1998;17:873-90, Table II, method 10.
NEWCOMBE_INDEPENDENT_TABLE_II = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
]


@pytest.mark.parametrize(("counts", "expected"), NEWCOMBE_INDEPENDENT_TABLE_II)
def test_independent_interval_matches_newcombe_table_ii(counts, expected):
    low, high = newcombe_independent_ci(*counts)
    assert (round(low, 4), round(high, 4)) == expected
    result = compare_independent(*counts)
    assert result.ci95 == pytest.approx((100 * expected[0], 100 * expected[1]), abs=0.005)
    x1, n1, x2, n2 = counts
    assert result.difference == pytest.approx(100 * (x1 / n1 - x2 / n2))
    assert "method 10" in result.ci_method


# --- Newcombe (1998), paired proportions -------------------------------------------------


def wilson_by_bisection(x: int, n: int) -> tuple[float, float]:
    """Wilson's interval as the definition says: the theta where |x/n - theta| equals
    z * sqrt(theta(1 - theta)/n), found by bisection instead of the closed form."""
    p = x / n

    def outside(theta: float) -> bool:
        return abs(p - theta) > Z * math.sqrt(theta * (1 - theta) / n)

    def solve(inside: float, out: float) -> float:
        for _ in range(200):
            mid = (inside + out) / 2
            inside, out = (inside, mid) if outside(mid) else (mid, out)
        return (inside + out) / 2

    low = 0.0 if x == 0 else solve(p, 0.0)
    high = 1.0 if x == n else solve(p, 1.0)
    return low, high


def newcombe_paired_by_hand(e: int, f: int, g: int, h: int) -> tuple[float, float]:
    """Newcombe (1998, Stat Med 17:2635-50) method 10 written out from the paper's formulas,
    on the bisection Wilson limits, with phi from the 2x2 table and its correction."""
    n = e + f + g + h
    p1, p2 = (e + f) / n, (e + g) / n
    l1, u1 = wilson_by_bisection(e + f, n)
    l2, u2 = wilson_by_bisection(e + g, n)
    a = e * h - f * g
    denominator = math.sqrt((e + f) * (g + h) * (e + g) * (f + h))
    if denominator == 0:
        phi = 0.0
    elif a > n / 2:
        phi = (a - n / 2) / denominator
    elif a < 0:
        phi = a / denominator
    else:
        phi = 0.0
    delta_low = math.sqrt((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2)
    epsilon_up = math.sqrt((p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2)
    return p1 - p2 - delta_low, p1 - p2 + epsilon_up


def test_paired_interval_matches_published_cavo_example():
    """Fagerland, Lydersen & Laake, *Statistical Analysis of Contingency Tables* (2017), ch. 8:
    Cavo et al. (2012), cells 59, 6, 16, 80. Newcombe square-and-add: -0.0621 (-0.1186 to
    -0.0046); McNemar exact conditional P = 0.052479 (as checked in the book's R package,
    contingencytables, tests/testthat/test-ch8.R).

    Without the phi correction the interval would be (-0.1174, -0.0059), so this example
    also pins down which phi is used.
    """
    first, second = paired_vectors(59, 6, 16, 80)
    result = compare_paired(first, second, labels=("before", "after"))
    assert round(result.difference / 100, 4) == -0.0621
    assert (round(result.ci95[0] / 100, 4), round(result.ci95[1] / 100, 4)) == (-0.1186, -0.0046)
    assert round(result.p, 6) == 0.052479
    assert result.test == MCNEMAR
    assert result.discordant == (6, 16)
    assert result.counts == {"before": 65, "after": 75}
    assert result.n == {"before": 161, "after": 161}


@pytest.mark.parametrize(
    "cells",
    [
        (1, 1, 7, 12),  # Bentur et al. (2009), used by Fagerland et al. (2014, 2017)
        (14, 5, 0, 22),  # Altman et al., Statistics with Confidence (2000), Table 6.2
        (59, 6, 16, 80),
        (0, 0, 0, 30),  # nobody checked: phi is 0 because a margin is 0
        (30, 0, 0, 0),  # everybody checked both
        (0, 3, 0, 0),
        (2, 0, 0, 2),  # eh - fg = 4 > n/2 but no discordant pairs
        (5, 1, 1, 5),  # eh - fg = 24 > n/2 = 6
        (3, 4, 5, 3),  # eh - fg = -11 < 0
    ],
)
def test_paired_interval_matches_formula_written_out_by_hand(cells):
    """Reference: ``newcombe_paired_by_hand`` above (bisection Wilson limits, phi by hand)."""
    assert newcombe_paired_ci(*cells) == pytest.approx(newcombe_paired_by_hand(*cells), abs=1e-9)
    result = compare_paired(*paired_vectors(*cells))
    low, high = newcombe_paired_by_hand(*cells)
    assert result.ci95 == pytest.approx((100 * low, 100 * high), abs=1e-7)


def test_paired_interval_matches_hand_formula_on_random_tables():
    rng = random.Random(1998)
    for _ in range(300):
        cells = [rng.choice([0, 0, 1, 2, rng.randint(0, 40)]) for _ in range(4)]
        if sum(cells) == 0:
            continue
        low, high = newcombe_paired_ci(*cells)
        ref_low, ref_high = newcombe_paired_by_hand(*cells)
        assert (low, high) == pytest.approx((ref_low, ref_high), abs=1e-9), cells
        delta = (cells[1] - cells[2]) / sum(cells)
        assert -1 <= low <= delta <= high <= 1


def test_wilson_closed_form_agrees_with_bisection():
    from shared.report.stats import wilson_interval

    for n in (1, 2, 7, 20, 81):
        for x in range(n + 1):
            assert wilson_interval(x, n) == pytest.approx(wilson_by_bisection(x, n), abs=1e-10)


# --- Exact McNemar, chi-square (Yates), Fisher -----------------------------------------


def mcnemar_by_hand(f: int, g: int) -> float:
    """Two-sided exact binomial test on the discordant pairs, summed with math.comb.
    The binomial(f + g, 1/2) is symmetric, so the two-sided P is twice the smaller tail."""
    m = f + g
    tail = sum(math.comb(m, k) for k in range(min(f, g) + 1)) / 2**m
    return min(1.0, 2 * tail)


@pytest.mark.parametrize(("f", "g"), [(6, 16), (1, 7), (5, 0), (0, 1), (3, 3), (10, 2), (40, 25), (1, 0)])
def test_exact_mcnemar_matches_binomial_sum(f, g):
    result = compare_paired(*paired_vectors(4, f, g, 9))
    assert result.p == pytest.approx(mcnemar_by_hand(f, g), rel=1e-12)


def yates_by_hand(a: int, b: int, c: int, d: int) -> float:
    """n(|ad - bc| - n/2)^2 / ((a+b)(c+d)(a+c)(b+d)) and its 1-df upper tail erfc(sqrt(x/2)).

    Valid as written while |ad - bc| >= n/2; below that, the correction is capped at the
    gap between observed and expected (as scipy does) and the statistic is 0.
    """
    n = a + b + c + d
    statistic = n * (abs(a * d - b * c) - n / 2) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    return math.erfc(math.sqrt(statistic / 2))


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2"), [(18, 81, 2, 81), (34, 81, 19, 81), (56, 70, 48, 80), (40, 60, 25, 55)]
)
def test_chi_square_yates_matches_closed_form(x1, n1, x2, n2):
    result = compare_independent(x1, n1, x2, n2)
    assert result.test == CHI_SQUARE
    assert result.p == pytest.approx(yates_by_hand(x1, n1 - x1, x2, n2 - x2), rel=1e-9)


def fisher_by_hand(a: int, b: int, c: int, d: int) -> float:
    """Two-sided Fisher: sum of the hypergeometric probabilities (math.comb) of every table with
    the same margins that is no more likely than the one observed (with a 1e-7 tolerance for ties)."""
    row1, col1, n = a + b, a + c, a + b + c + d

    def prob(k: int) -> float:
        return math.comb(col1, k) * math.comb(n - col1, row1 - k) / math.comb(n, row1)

    observed = prob(a)
    ks = range(max(0, row1 - (n - col1)), min(row1, col1) + 1)
    return min(1.0, sum(prob(k) for k in ks if prob(k) <= observed * (1 + 1e-7)))


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2"), [(5, 56, 0, 29), (9, 10, 3, 10), (6, 7, 2, 7), (3, 12, 1, 15), (2, 81, 0, 81)]
)
def test_fisher_matches_hypergeometric_sum(x1, n1, x2, n2):
    result = compare_independent(x1, n1, x2, n2)
    assert result.test == FISHER  # an expected count is under 5 in each of these
    assert result.p == pytest.approx(fisher_by_hand(x1, n1 - x1, x2, n2 - x2), rel=1e-9)
    assert "expected count" in result.note


# --- Holm ------------------------------------------------------------------------------


def test_holm_textbook_example():
    """Sorted .005, .01, .03, .04 times 4, 3, 2, 1 = .02, .03, .06, .04 -> monotone .06."""
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_passes_none_through_and_leaves_it_out_of_m():
    assert holm([None, 0.01, None, 0.04, 0.03, 0.005]) == pytest.approx([None, 0.03, None, 0.06, 0.06, 0.02])
    assert holm([0.02, None]) == [0.02, None]  # m = 1
    assert holm([]) == []
    assert holm([None]) == [None]


def test_holm_is_capped_at_one_and_monotone():
    adjusted = holm([0.5, 0.4, 0.9, 0.01])
    assert adjusted == pytest.approx([1.0, 1.0, 1.0, 0.04])
    rng = random.Random(7)
    for _ in range(100):
        raw = [rng.random() for _ in range(rng.randint(1, 8))]
        adj = holm(raw)
        order = sorted(range(len(raw)), key=raw.__getitem__)
        assert all(adj[i] <= adj[j] for i, j in zip(order, order[1:]))
        assert all(r <= a <= 1 for r, a in zip(raw, adj))


def test_holm_rejects_values_that_are_not_p_values():
    for bad in (float("nan"), -0.1, 1.5):
        with pytest.raises(ValueError):
            holm([0.01, bad])


# --- format_p --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (None, "not computable"),
        (0.0, "P < .001"),
        (0.000999, "P < .001"),
        (0.001, "P = .001"),
        (0.004, "P = .004"),
        (0.0123, "P = .01"),
        (0.019056990238706467, "P = .02"),
        (0.0449, "P = .04"),
        (0.045, "P = .045"),  # two decimals would say .05
        (0.048, "P = .048"),
        (0.0496, "P = .0496"),  # three decimals would still say .050
        (0.04996, "P < .05"),
        (0.05, "P = .05"),
        (0.0512, "P = .05"),
        (0.125, "P = .13"),  # half up
        (0.5, "P = .50"),
        (0.994, "P = .99"),
        (0.995, "P > .99"),
        (1.0, "P > .99"),
    ],
)
def test_format_p(p, text):
    assert format_p(p) == text


def test_format_p_rejects_nan():
    with pytest.raises(ValueError):
        format_p(float("nan"))


# --- K10 -------------------------------------------------------------------------------


def test_k10_summary_against_hand_computation_and_band_edges():
    totals = [10, 15, 16, 21, 22, 29, 30, 50, 12, 33]
    mean = sum(totals) / len(totals)
    sd = math.sqrt(sum((t - mean) ** 2 for t in totals) / (len(totals) - 1))
    summary = k10_summary(totals)
    assert summary["n"] == 10
    assert summary["mean"] == pytest.approx(mean)
    assert summary["sd"] == pytest.approx(sd)
    assert summary["bands"] == {"low": 3, "moderate": 2, "high": 2, "very_high": 3}


def test_k10_summary_small_and_bad_inputs():
    assert k10_summary([]) == {
        "n": 0,
        "mean": None,
        "sd": None,
        "bands": {"low": 0, "moderate": 0, "high": 0, "very_high": 0},
        "note": "No K10 scores were submitted.",
    }
    one = k10_summary([25])
    assert (one["n"], one["mean"], one["sd"]) == (1, 25.0, None)
    assert "one K10 score" in one["note"]
    for bad in ([9], [51], [20.5], [True]):
        with pytest.raises(ValueError):
            k10_summary(bad)


# --- Degenerate inputs: never NaN, always a reason -----------------------------------------


def assert_no_nan(value: object) -> None:
    if isinstance(value, float):
        assert math.isfinite(value), value
    elif isinstance(value, dict):
        for item in value.values():
            assert_no_nan(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            assert_no_nan(item)


def assert_clean(result: Comparison) -> None:
    assert_no_nan(dataclasses.asdict(result))
    assert format_p(result.p)  # always printable


def test_no_respondents():
    result = compare_paired([], [])
    assert_clean(result)
    assert (result.difference, result.ci95, result.p) == (None, None, None)
    assert result.percent == {"a": None, "b": None}
    assert "No respondents" in result.note
    assert format_p(result.p) == "not computable"


def test_nobody_checked():
    result = compare_paired([0] * 12, [0] * 12)
    assert_clean(result)
    assert result.difference == 0.0
    assert result.p == 1.0
    low, high = newcombe_paired_by_hand(0, 0, 0, 12)
    assert result.ci95 == pytest.approx((100 * low, 100 * high))
    assert "Nobody checked" in result.note and "discordant" in result.note


def test_all_identical_answers():
    result = compare_paired([1, 0, 1, 1, 0], [1, 0, 1, 1, 0])
    assert_clean(result)
    assert (result.difference, result.p, result.discordant) == (0.0, 1.0, (0, 0))
    assert "no discordant pairs" in result.note
    everyone = compare_paired([True] * 4, [True] * 4)
    assert_clean(everyone)
    assert "Every respondent checked" in everyone.note


def test_one_respondent():
    result = compare_paired([1], [0])
    assert_clean(result)
    assert result.difference == 100.0
    assert result.p == 1.0
    assert result.ci95[0] < 0 < result.ci95[1] == 100.0
    assert "one respondent" in result.note


def test_independent_degenerate_inputs():
    empty = compare_independent(0, 0, 3, 10)
    assert_clean(empty)
    assert (empty.difference, empty.ci95, empty.p) == (None, None, None)
    assert empty.percent == {"a": None, "b": 30.0}
    assert "No respondents in a" in empty.note

    both_empty = compare_independent(0, 0, 0, 0)
    assert_clean(both_empty)
    assert "a and b" in both_empty.note

    nobody = compare_independent(0, 10, 0, 20)
    assert_clean(nobody)
    assert (nobody.test, nobody.p) == (FISHER, 1.0)
    assert "Nobody" in nobody.note

    everybody = compare_independent(10, 10, 20, 20)
    assert_clean(everybody)
    assert everybody.p == 1.0 and "Everybody" in everybody.note

    single = compare_independent(1, 1, 0, 1)
    assert_clean(single)
    assert "one respondent" in single.note


def test_bad_inputs_raise():
    with pytest.raises(ValueError):
        compare_paired([1, 0], [1])
    with pytest.raises(ValueError):
        compare_paired([1, 2], [0, 1])
    with pytest.raises(ValueError):
        compare_paired([1, None], [0, 1])
    with pytest.raises(ValueError):
        compare_independent(5, 4, 1, 4)
    with pytest.raises(ValueError):
        compare_independent(-1, 4, 1, 4)
    with pytest.raises(ValueError):
        compare_independent(1.5, 4, 1, 4)


def test_numpy_answers_are_accepted():
    np = pytest.importorskip("numpy")
    first, second = paired_vectors(59, 6, 16, 80)
    as_numpy = compare_paired(np.array(first), np.array(second, dtype=bool))
    assert as_numpy == compare_paired(first, second)
    assert compare_independent(np.int64(18), 81, 2, np.int64(81)) == compare_independent(18, 81, 2, 81)
