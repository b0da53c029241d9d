"""The outcome statistics (``shared.report.outcomes``) against values found another way.

References are of two kinds, each named where used: outputs of R 4.x printed in R's own
documentation examples (``?wilcox.test``, ``?fisher.test``) or in Newcombe's published
tables; and separate computations written here in plain Python (``math`` only, no scipy
or numpy), following R's algorithm step by step rather than the module's calls.
"""

from __future__ import annotations

import math
import random

import pytest

from shared.report.outcomes import (
    ASSOCIATION_CAVEAT,
    CHI_SQUARE,
    FISHER,
    MANN_WHITNEY_EXACT,
    MANN_WHITNEY_NORMAL,
    OR_CONDITIONAL,
    OR_WOOLF,
    WILCOXON_EXACT,
    WILCOXON_NORMAL,
    Association,
    IndependentRanks,
    NotComputable,
    PairedRanks,
    Uptake,
    association_2x2,
    association_from_answers,
    compare_years_proportion,
    compare_years_scores,
    help_seeking_paired,
    referral_uptake,
)

Z = 1.959963984540054  # the 97.5th normal percentile, typed in


def normal_two_sided(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def midranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def tie_sum(values: list[float]) -> int:
    return sum(values.count(v) ** 3 - values.count(v) for v in set(values))


def r_signed_rank_normal(x: list[float], y: list[float]) -> tuple[float, float]:
    """R's wilcox.test(x, y, paired=TRUE, exact=FALSE, correct=TRUE): (V, two-sided P)."""
    d = [a - b for a, b in zip(x, y, strict=True) if a != b]
    n = len(d)
    ranks = midranks([abs(v) for v in d])
    v = sum(r for r, diff in zip(ranks, d, strict=True) if diff > 0)
    z = v - n * (n + 1) / 4
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - tie_sum([abs(v) for v in d]) / 48)
    z = (z - math.copysign(0.5, z)) / sigma
    return v, normal_two_sided(z)


def r_rank_sum_normal(x: list[float], y: list[float]) -> tuple[float, float]:
    """R's wilcox.test(x, y, exact=FALSE, correct=TRUE): (W, two-sided P)."""
    n1, n2 = len(x), len(y)
    ranks = midranks(x + y)
    w = sum(ranks[:n1]) - n1 * (n1 + 1) / 2
    z = w - n1 * n2 / 2
    sigma = math.sqrt(n1 * n2 / 12 * ((n1 + n2 + 1) - tie_sum(x + y) / ((n1 + n2) * (n1 + n2 - 1))))
    z = (z - math.copysign(0.5, z)) / sigma
    return w, normal_two_sided(z)


def hypergeometric(a: int, row1: int, col1: int, n: int) -> float:
    return math.comb(col1, a) * math.comb(n - col1, row1 - a) / math.comb(n, row1)


def r_fisher_p(a: int, b: int, c: int, d: int) -> float:
    """R's fisher.test two-sided P: the tables no more likely than the observed (relative tolerance 1e-7)."""
    row1, col1, n = a + b, a + c, a + b + c + d
    low, high = max(0, row1 + col1 - n), min(row1, col1)
    observed = hypergeometric(a, row1, col1, n)
    return min(
        1.0,
        sum(
            p
            for k in range(low, high + 1)
            if (p := hypergeometric(k, row1, col1, n)) <= observed * (1 + 1e-7)
        ),
    )


def yates_chi_square(a: int, b: int, c: int, d: int) -> tuple[float, float]:
    n = a + b + c + d
    stat = n * max(0.0, abs(a * d - b * c) - n / 2) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    return stat, math.erfc(math.sqrt(stat / 2))  # the chi-square(1) upper tail


def conditional_or_interval(a: int, b: int, c: int, d: int) -> tuple[float, float]:
    """The exact conditional interval by bisection on log(psi) of the noncentral hypergeometric tails."""
    row1, col1, n = a + b, a + c, a + b + c + d
    support = range(max(0, row1 + col1 - n), min(row1, col1) + 1)

    def tail(psi: float, upper: bool) -> float:
        weights = {k: math.comb(col1, k) * math.comb(n - col1, row1 - k) * psi**k for k in support}
        total = sum(weights.values())
        return sum(w for k, w in weights.items() if (k >= a if upper else k <= a)) / total

    def solve(upper: bool) -> float:
        lo, hi = -30.0, 30.0
        for _ in range(200):
            mid = (lo + hi) / 2
            # P(X >= a) rises with psi; P(X <= a) falls.
            value = tail(math.exp(mid), upper)
            if (value < 0.025) == upper:
                lo = mid
            else:
                hi = mid
        return math.exp((lo + hi) / 2)

    return solve(True), solve(False)


# --- Wilcoxon signed-rank ---------------------------------------------------------------


def test_signed_rank_matches_r_documentation_example():
    """?wilcox.test, Hollander & Wolfe (1973) p. 29, depression scale in 9 patients.

    R: wilcox.test(x, y, paired = TRUE, alternative = "greater") gives V = 40,
    p-value = 0.01953; the two-sided P is twice that, 0.03906 (10 of 512 sign patterns).
    """
    x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
    y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
    result = help_seeking_paired(x, y, low=None, high=None)
    assert isinstance(result, PairedRanks)
    assert result.test == WILCOXON_EXACT
    assert result.statistic == 40
    assert result.p == pytest.approx(0.03906, abs=5e-6)
    assert result.n == 9 and result.n_nonzero == 9
    # Differences sorted: -0.08, -0.147, 0.01, 0.43, 0.49, 0.59, 0.62, 0.952, 1.022; median 0.49.
    assert result.median_difference == pytest.approx(0.49)
    # z of V = 40 with mean 22.5 and variance 9*10*19/24 = 71.25; r = z / sqrt(9).
    assert result.z == pytest.approx(17.5 / math.sqrt(71.25))
    assert result.r == pytest.approx(17.5 / math.sqrt(71.25) / 3)


def test_signed_rank_with_ties_and_zeros_matches_r_normal_approximation():
    """1-7 answers with ties and zero differences: R falls back to the corrected normal approximation."""
    faculty = [2, 3, 5, 4, 1, 6, 2, 3, 4, 5, 7, 2, 3, 3, 4, 1, 5, 2]
    peers = [4, 5, 5, 6, 3, 6, 5, 2, 6, 6, 7, 4, 4, 6, 4, 3, 4, 5]
    result = help_seeking_paired(faculty, peers)
    assert isinstance(result, PairedRanks)
    v, p = r_signed_rank_normal([float(v) for v in faculty], [float(v) for v in peers])
    assert result.test == WILCOXON_NORMAL
    assert result.statistic == v
    assert result.p == pytest.approx(p, rel=1e-9)
    assert result.n == 18 and result.n_nonzero == 14
    # Differences sorted: three -3, seven -2, two -1, four 0, two 1: the 9th and 10th are -2.
    assert result.median_difference == -2.0
    assert result.medians == {"faculty_services": 3.0, "peer_supporters": 5.0}
    assert result.z < 0 and result.r == pytest.approx(result.z / math.sqrt(18))
    assert "4 of 18" in result.note


@pytest.mark.parametrize("seed", range(20))
def test_signed_rank_random_tables_match_plain_python(seed):
    rng = random.Random(seed)
    n = rng.randint(5, 120)
    a = [rng.randint(1, 7) for _ in range(n)]
    b = [rng.randint(1, 7) for _ in range(n)]
    result = help_seeking_paired(a, b)
    if all(x == y for x, y in zip(a, b, strict=True)):
        assert isinstance(result, NotComputable)
        return
    v, p = r_signed_rank_normal([float(x) for x in a], [float(x) for x in b])
    assert result.statistic == v and result.p == pytest.approx(p, rel=1e-9)


def test_skipped_answers_drop_the_pair():
    result = help_seeking_paired([1, None, 3, 4, 2], [2, 5, None, 6, 7])
    assert isinstance(result, PairedRanks)
    assert result.n == 3


@pytest.mark.parametrize(
    ("first", "second", "reason"),
    [
        ([], [], "No respondent answered both"),
        ([None, 3], [4, None], "No respondent answered both"),
        ([3], [5], "Only one respondent"),
        ([3, 4, 5], [3, 4, 5], "all ties"),
    ],
)
def test_signed_rank_degenerate_cases_say_why(first, second, reason):
    result = help_seeking_paired(first, second)
    assert isinstance(result, NotComputable)
    assert reason in result.reason


@pytest.mark.parametrize(
    ("first", "second"), [([8], [1]), ([0], [1]), (["4"], [1]), ([True], [1]), ([float("nan")], [1])]
)
def test_signed_rank_refuses_bad_answers(first, second):
    with pytest.raises(ValueError):
        help_seeking_paired(first, second)
    with pytest.raises(ValueError):
        help_seeking_paired([1, 2], [1])


# --- 2x2 association ----------------------------------------------------------------------


def test_fisher_matches_r_tea_tasting_example():
    """?fisher.test, Agresti (1990) p. 61, Fisher's tea-tasting: matrix(c(3, 1, 1, 3), nrow = 2).

    R: fisher.test(TeaTasting) gives p-value = 0.4857, odds ratio 6.408309, 95 percent
    confidence interval 0.2117329 621.9337505. R's root finder (uniroot, tolerance about
    1e-4 on the scale of the root) stops early at the large upper end, so that end is
    checked to 1%, and to 1e-6 against the bisection in ``conditional_or_interval``.
    """
    result = association_2x2(3, 1, 1, 3)
    assert isinstance(result, Association)
    assert result.test == FISHER and result.statistic is None
    assert result.p == pytest.approx(0.4857, abs=5e-5)
    assert result.p == pytest.approx(r_fisher_p(3, 1, 1, 3), rel=1e-12)
    assert result.or_method == OR_CONDITIONAL
    assert result.odds_ratio == pytest.approx(6.408309, rel=1e-5)
    assert result.ci95[0] == pytest.approx(0.2117329, rel=1e-4)
    assert result.ci95[1] == pytest.approx(621.9337505, rel=1e-2)
    low, high = conditional_or_interval(3, 1, 1, 3)
    assert result.ci95 == pytest.approx((low, high), rel=1e-6)
    assert result.caveat == ASSOCIATION_CAVEAT


def test_chi_square_and_woolf_interval_by_hand():
    """Every expected count is at least 5: Yates' chi-square and the sample odds ratio with Woolf's interval."""
    result = association_2x2(30, 20, 15, 35)
    assert isinstance(result, Association)
    stat, p = yates_chi_square(30, 20, 15, 35)
    assert result.test == CHI_SQUARE
    assert result.statistic == pytest.approx(stat, rel=1e-12)
    assert result.p == pytest.approx(p, rel=1e-9)
    assert result.or_method == OR_WOOLF
    assert result.odds_ratio == pytest.approx(30 * 35 / (20 * 15))
    half = Z * math.sqrt(1 / 30 + 1 / 20 + 1 / 15 + 1 / 35)
    assert result.ci95 == pytest.approx((3.5 * math.exp(-half), 3.5 * math.exp(half)), rel=1e-9)
    assert result.percent == {"used_peer_support": 60.0, "did_not_use_peer_support": 30.0}


@pytest.mark.parametrize("seed", range(30))
def test_random_tables_pick_the_test_and_match_plain_python(seed):
    rng = random.Random(100 + seed)
    a, b, c, d = (rng.randint(0, 25) for _ in range(4))
    result = association_2x2(a, b, c, d)
    if a + b == 0 or c + d == 0 or a + c == 0 or b + d == 0:
        assert isinstance(result, NotComputable)
        return
    n = a + b + c + d
    expected = [(a + b) * (a + c), (a + b) * (b + d), (c + d) * (a + c), (c + d) * (b + d)]
    if min(expected) / n >= 5:
        assert result.test == CHI_SQUARE
        assert result.p == pytest.approx(yates_chi_square(a, b, c, d)[1], rel=1e-9)
    else:
        assert result.test == FISHER
        assert result.p == pytest.approx(r_fisher_p(a, b, c, d), rel=1e-9)
    if result.or_method == OR_CONDITIONAL and 0 < min(a, b, c, d):
        assert result.ci95 == pytest.approx(conditional_or_interval(a, b, c, d), rel=1e-5)
    assert not any(math.isnan(v) for v in (result.p, result.odds_ratio, *result.ci95))


def test_an_empty_cell_gives_an_unbounded_end_not_nan():
    result = association_2x2(5, 0, 2, 6)
    assert isinstance(result, Association)
    assert result.odds_ratio == math.inf and result.ci95[1] == math.inf
    assert result.ci95[0] == pytest.approx(conditional_or_interval(5, 0, 2, 6)[0], rel=1e-5)
    assert "unbounded" in result.note


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ((0, 0, 0, 0), "No respondents in used_peer_support and did_not_use_peer_support"),
        ((0, 0, 3, 4), "No respondents in used_peer_support"),
        ((1, 0, 0, 0), "No respondents in did_not_use_peer_support"),
        ((0, 4, 0, 7), "Nobody in either group"),
        ((4, 0, 7, 0), "Everybody in either group"),
    ],
)
def test_association_degenerate_cases_say_why(cells, reason):
    result = association_2x2(*cells)
    assert isinstance(result, NotComputable)
    assert reason in result.reason
    assert result.counts == dict(zip("abcd", cells, strict=True))


def test_association_from_answers_counts_cells_and_skips_none():
    exposed = [True, True, False, None, False, True, False]
    outcome = [True, False, False, True, True, None, False]
    result = association_from_answers(exposed, outcome)
    assert isinstance(result, Association)
    assert result.table == ((1, 1), (1, 2))
    with pytest.raises(ValueError):
        association_from_answers([1], [True])


# --- Referral uptake (Wilson) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "n", "expected"),
    # Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of
    # seven methods. Stat Med 1998;17:857-72, Table I, method 3 (Wilson score).
    [
        (81, 263, (0.2553, 0.3662)),
        (15, 148, (0.0624, 0.1605)),
        (0, 20, (0.0, 0.1611)),
        (1, 29, (0.0061, 0.1718)),
    ],
)
def test_uptake_interval_matches_newcombe_table_i(x, n, expected):
    result = referral_uptake(x, n - x, 0, 4)
    assert isinstance(result, Uptake)
    assert result.known == n and result.n == n + 4 and result.unknown == 4
    assert result.rate == pytest.approx(x / n)
    assert result.ci95 == pytest.approx(expected, abs=5e-5)
    assert "4 of" in result.note


def test_uptake_counts_each_outcome():
    result = referral_uptake(3, 2, 1, 0)
    assert isinstance(result, Uptake)
    assert (result.connected, result.not_yet, result.declined, result.unknown, result.note) == (
        3,
        2,
        1,
        0,
        "",
    )


@pytest.mark.parametrize(
    ("counts", "reason"), [((0, 0, 0, 0), "No referral"), ((0, 0, 0, 5), "None of the 5")]
)
def test_uptake_without_known_outcomes_says_why(counts, reason):
    result = referral_uptake(*counts)
    assert isinstance(result, NotComputable)
    assert reason in result.reason
    assert result.counts["unknown"] == counts[3]
    with pytest.raises(ValueError):
        referral_uptake(-1, 0, 0, 0)


# --- This year against last year ----------------------------------------------------------


def test_mann_whitney_matches_r_documentation_example():
    """?wilcox.test, Hollander & Wolfe (1973) p. 69: permeability constants.

    R: wilcox.test(x, y, alternative = "g") gives W = 35, p-value = 0.1272; the
    two-sided exact P is twice that, 0.2544.
    """
    x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
    y = [1.15, 0.88, 0.90, 0.74, 1.21]
    result = compare_years_scores(x, y)
    assert isinstance(result, IndependentRanks)
    assert result.test == MANN_WHITNEY_EXACT
    assert result.statistic == 35
    assert result.p == pytest.approx(0.2544, abs=5e-5)
    assert result.superiority == 35 / 50
    assert result.n == {"this_year": 10, "last_year": 5}


@pytest.mark.parametrize("seed", range(15))
def test_mann_whitney_with_ties_matches_plain_python(seed):
    rng = random.Random(200 + seed)
    x = [rng.randint(10, 50) for _ in range(rng.randint(2, 80))]
    y = [rng.randint(10, 50) for _ in range(rng.randint(2, 80))]
    result = compare_years_scores(x, y, low=10, high=50)
    assert isinstance(result, IndependentRanks)
    w, p = r_rank_sum_normal([float(v) for v in x], [float(v) for v in y])
    if result.test == MANN_WHITNEY_NORMAL:
        assert result.p == pytest.approx(p, rel=1e-9)
    assert result.statistic == w


@pytest.mark.parametrize(
    ("this", "last", "reason"),
    [
        ([], [3, 4], "No scores in this_year"),
        ([None], [], "this_year and last_year"),
        ([4, 4], [4], "all ties"),
    ],
)
def test_year_comparison_degenerate_cases_say_why(this, last, reason):
    result = compare_years_scores(this, last)
    assert isinstance(result, NotComputable)
    assert reason in result.reason


def test_year_proportion_uses_the_2x2_test_without_the_causal_caveat():
    result = compare_years_proportion(12, 40, 25, 45)
    assert isinstance(result, Association)
    assert result.table == ((12, 28), (25, 20))
    assert result.p == pytest.approx(yates_chi_square(12, 28, 25, 20)[1], rel=1e-9)
    assert result.caveat == ""
    assert isinstance(compare_years_proportion(0, 0, 3, 9), NotComputable)
    with pytest.raises(ValueError):
        compare_years_proportion(5, 4, 1, 2)
