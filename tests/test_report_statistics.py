"""The report's barrier statistics, end to end: answers stored in SQLite and in the Firestore
emulator, read back by the report, checked in its JSON and text.

Reference values and where they come from:
- the published Side-by-Side figures (81 respondents, independent analysis): 22.2% vs 2.5%,
  P < .01 and 42.0% vs 23.5%, P = .02;
- Cavo et al. (2012) as worked in Fagerland, Lydersen & Laake, *Statistical Analysis of
  Contingency Tables* (2017), ch. 8: cells 59, 6, 16, 80, difference -6.21 points,
  95% CI -11.86 to -0.46 (Newcombe), exact McNemar P = .052479;
- every other figure from the hand computations in tests/test_stats.py (binomial sums with
  math.comb, the Yates closed form with erfc, the hypergeometric sum, Newcombe's formulas on
  Wilson limits found by bisection), none of which use scipy, and Holm's method written out below.
"""

from __future__ import annotations

import math

import pytest

from shared.report.stats import CHI_SQUARE, FISHER, MCNEMAR
from shared.services import reports
from tests.test_report_support import FIRST, NOW, SECOND, add_survey, paired_answers, strict_json
from tests.test_stats import (
    fisher_by_hand,
    mcnemar_by_hand,
    newcombe_paired_by_hand,
    wilson_by_bisection,
    yates_by_hand,
)

PUBLISHED = {
    # faculty 18 vs peer 2, and 34 vs 19, out of 81; how they pair up does not matter here.
    "career_impact": (2, 16, 0, 63),
    "not_helpful": (15, 19, 4, 43),
    "confidentiality": (0, 0, 0, 81),
}

CELLS = {
    "career_impact": (59, 6, 16, 80),  # Cavo et al. (2012)
    "not_helpful": (20, 30, 5, 106),
    "confidentiality": (0, 0, 0, 161),  # nobody checked it
    "stigma": (10, 3, 2, 146),
    "no_time": (40, 1, 12, 108),
    "dont_know_how": (161, 0, 0, 0),  # everybody checked it for both
    "prefer_self": (5, 9, 9, 138),
    "other": (0, 4, 0, 157),
}


def report_json(app, test: str, survey: str | None = None) -> dict:
    options = reports.parse_options({"format": "json", "test": test, "survey": survey})
    return strict_json(reports.render(reports.build(app, options, NOW), "json"))


def by_id(report: dict) -> dict[str, dict]:
    return {b["id"]: b for b in report["survey"]["barriers"]}


def holm_by_hand(pvalues: list[float]) -> list[float]:
    """Holm (1979): sort ascending, multiply the k-th smallest by (m - k + 1), keep the
    running maximum, cap at 1."""
    order = sorted(range(len(pvalues)), key=lambda i: pvalues[i])
    adjusted = [0.0] * len(pvalues)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(pvalues) - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def yates_reference(a: int, b: int, c: int, d: int) -> float:
    """yates_by_hand, with its documented limit: when |ad - bc| <= n/2 the corrected statistic is 0."""
    n = a + b + c + d
    return 1.0 if abs(a * d - b * c) <= n / 2 else yates_by_hand(a, b, c, d)


def newcombe_independent_by_hand(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """Newcombe (1998, Stat Med 17:873-90) method 10, square-and-add on bisection Wilson limits."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_by_bisection(x1, n1)
    l2, u2 = wilson_by_bisection(x2, n2)
    return (
        p1 - p2 - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        p1 - p2 + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


def test_published_side_by_side_figures_through_the_report(app):
    add_survey(app.store, "2019", paired_answers(PUBLISHED), links_issued=120)
    report = report_json(app, "independent")
    assert report["survey"]["answers"] == 81
    career, helpful = by_id(report)["career_impact"], by_id(report)["not_helpful"]

    assert career["counts"] == {FIRST: 18, SECOND: 2}
    assert career["n"] == {FIRST: 81, SECOND: 81}
    assert (round(career["percent"][FIRST], 1), round(career["percent"][SECOND], 1)) == (22.2, 2.5)
    assert career["p"] < 0.01
    assert career["test"] == CHI_SQUARE

    assert helpful["counts"] == {FIRST: 34, SECOND: 19}
    assert (round(helpful["percent"][FIRST], 1), round(helpful["percent"][SECOND], 1)) == (42.0, 23.5)
    assert helpful["p_display"] == "P = .02"
    assert helpful["p"] == pytest.approx(yates_by_hand(34, 47, 19, 62), rel=1e-9)

    text = reports.render(reports.build(app, reports.parse_options({"test": "independent"}), NOW), "text")
    # The text shows the Holm-adjusted P (8 barriers): the one any claim rests on.
    # Under the "Adjusted P" header the cell reads ".003", not "P = .003" (the header names it).
    shown_p = tuple(f"Adjusted P: {b['p_adjusted_display'].removeprefix('P = ')}" for b in (career, helpful))
    assert helpful["p_adjusted"] == pytest.approx(
        min(1.0, 7 * helpful["p"]), rel=1e-9
    )  # second smallest of 8
    for shown in ("18 (22.2%)", "2 (2.5%)", "34 (42.0%)", "19 (23.5%)", *shown_p):
        assert shown in text


def test_paired_analysis_matches_hand_computations(app):
    add_survey(app.store, "2026", paired_answers(CELLS))
    report = report_json(app, "paired")
    survey = report["survey"]
    assert survey["design"] == "paired"
    assert survey["respondents"] == 161
    rows = by_id(report)
    assert list(rows) == list(CELLS)  # the form's order

    cavo = rows["career_impact"]
    assert round(cavo["difference"], 2) == -6.21
    assert [round(x, 2) for x in cavo["ci95"]] == [-11.86, -0.46]
    assert round(cavo["p"], 6) == 0.052479

    for barrier, (e, f, g, h) in CELLS.items():
        row = rows[barrier]
        assert row["counts"] == {FIRST: e + f, SECOND: e + g}, barrier
        assert row["percent"][FIRST] == pytest.approx(100 * (e + f) / 161)
        assert row["difference"] == pytest.approx(100 * (f - g) / 161)
        low, high = newcombe_paired_by_hand(e, f, g, h)
        assert row["ci95"] == pytest.approx([100 * low, 100 * high], abs=1e-7), barrier
        assert row["p"] == pytest.approx(mcnemar_by_hand(f, g) if f + g else 1.0, rel=1e-12), barrier
        assert row["test"] == MCNEMAR
        assert row["discordant"] == [f, g]
        assert "Newcombe" in row["ci_method"] and "paired" in row["ci_method"]

    expected = holm_by_hand([rows[b]["p"] for b in CELLS])
    assert [rows[b]["p_adjusted"] for b in CELLS] == pytest.approx(expected, rel=1e-12)
    assert "Nobody checked" in rows["confidentiality"]["note"]
    assert "no discordant pairs" in rows["dont_know_how"]["note"]


def test_independent_analysis_matches_hand_computations(app):
    add_survey(app.store, "2026", paired_answers(CELLS))
    rows = by_id(report_json(app, "independent"))
    n = 161
    for barrier, (e, f, g, h) in CELLS.items():
        x1, x2 = e + f, e + g
        row = rows[barrier]
        smallest_expected = min(n * m / (2 * n) for m in (x1 + x2, 2 * n - x1 - x2))
        if smallest_expected < 5:
            assert row["test"] == FISHER, barrier
            assert row["p"] == pytest.approx(fisher_by_hand(x1, n - x1, x2, n - x2), rel=1e-9), barrier
        else:
            assert row["test"] == CHI_SQUARE, barrier
            assert row["p"] == pytest.approx(yates_reference(x1, n - x1, x2, n - x2), rel=1e-9), barrier
        low, high = newcombe_independent_by_hand(x1, n, x2, n)
        assert row["ci95"] == pytest.approx([100 * low, 100 * high], abs=1e-7), barrier
        assert row["difference"] == pytest.approx(100 * (x1 - x2) / n)
    expected = holm_by_hand([rows[b]["p"] for b in CELLS])
    assert [rows[b]["p_adjusted"] for b in CELLS] == pytest.approx(expected, rel=1e-12)


def test_json_barrier_rows_have_the_documented_fields(app):
    add_survey(app.store, "2026", paired_answers(CELLS))
    report = report_json(app, "paired")
    for row in report["survey"]["barriers"]:
        assert {
            "id",
            "label",
            "n",
            "counts",
            "percent",
            "difference",
            "ci95",
            "ci_method",
            "test",
            "p",
            "p_adjusted",
            "note",
        } <= set(row)
        assert set(row["n"]) == set(row["counts"]) == set(row["percent"]) == {FIRST, SECOND}
    assert [s["id"] for s in report["survey"]["services"]] == [FIRST, SECOND]
    assert report["survey"]["services"][1]["label"] == "Peer supporters"  # its report_label


def test_response_rate_k10_and_year_over_year(app):
    store = app.store
    last = {"career_impact": (1, 3, 0, 6), "not_helpful": (2, 2, 2, 4)}
    add_survey(store, "2025", paired_answers(last), created_on=NOW.date().replace(year=2025))
    k10_items = {f"k10_{i}": 2 for i in range(1, 11)}  # total 20: moderate
    extra = [k10_items] * 6 + [{**k10_items, "k10_1": 5}] * 2 + [{"k10_1": 3}] * 3  # 6x20, 2x23, 3 incomplete
    this = {"career_impact": (2, 2, 0, 16), "not_helpful": (0, 5, 1, 14)}
    add_survey(
        store, "2026", paired_answers(this, extra=extra), links_issued=40, k10=True, created_on=NOW.date()
    )
    survey = report_json(app, "paired")["survey"]
    assert survey["id"] == "2026"  # the latest by creation date
    assert survey["answers"] == 20
    assert survey["response_rate"] == pytest.approx(50.0)

    k10 = survey["k10"]
    assert k10["n"] == 8
    assert k10["mean"] == pytest.approx((6 * 20 + 2 * 23) / 8)
    assert k10["sd"] == pytest.approx(math.sqrt(sum((x - 20.75) ** 2 for x in [20] * 6 + [23] * 2) / 7))
    assert {b["id"]: b["count"] for b in k10["bands"]} == {"low": 0, "moderate": 6, "high": 2, "very_high": 0}
    assert k10["incomplete"] == 3
    assert k10["skipped"] == 9

    previous = survey["previous"]
    assert previous["survey"] == "2025"
    career = next(b for b in previous["barriers"] if b["id"] == "career_impact")
    assert career["this"] == pytest.approx({FIRST: 20.0, SECOND: 10.0})
    assert career["last"] == pytest.approx({FIRST: 40.0, SECOND: 10.0})
    assert career["difference"] == pytest.approx({FIRST: -20.0, SECOND: 0.0})


def test_an_earlier_survey_can_be_reported_by_id(app):
    add_survey(
        app.store,
        "2025",
        paired_answers({"career_impact": (1, 3, 0, 6)}),
        created_on=NOW.date().replace(year=2025),
    )
    add_survey(app.store, "2026", paired_answers({"career_impact": (0, 0, 0, 5)}), created_on=NOW.date())
    survey = report_json(app, "paired", survey="2025")["survey"]
    assert survey["id"] == "2025"
    assert survey["answers"] == 10
    assert survey["previous"] is None  # nothing of the same form before it
