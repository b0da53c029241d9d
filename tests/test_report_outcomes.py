"""The outcomes in the report (issue 14, items 1, 2 and 4): help-seeking intention, service use by
peer-support use, PHQ-9/GAD-7 severity, this survey against the previous one, follow-up counts and
referral uptake, in every format and both languages, small cells and PHQ-9 item 9 kept out.

Reference values are computed here independently of scipy (hypergeometric sums with math.comb,
the signed-rank distribution by enumeration) or taken from R, as cited beside each."""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
from dataclasses import replace
from datetime import date

import pytest

from shared.records import FollowUp, Interaction
from shared.report.model import to_jsonable
from shared.report.summary import sentences
from shared.services import reports
from tests.test_report_language import assert_french
from tests.test_report_support import NOW, add_survey, assert_clean, paired_answers, strict_json

BLOCKS = ("phq9", "gad7", "help_seeking", "service_use")


def phq9(value: int, items: int = 9) -> dict[str, int]:
    return {f"phq9_{i}": value for i in range(1, items + 1)}


def this_year_answers() -> list[dict]:
    extra: list[dict] = []
    # Help-seeking: six pairs, Faculty 7 against peers 6..1, so the differences are 1..6.
    for k in range(6):
        extra.append({"seek_faculty": 7, "seek_peers": 6 - k})
    for _ in range(6):
        extra.append({})
    # Service use, a 2x2 of ((4, 1), (1, 6)): rows used peer support yes/no, columns any professional.
    cells = [(True, True)] * 4 + [(True, False)] + [(False, True)] + [(False, False)] * 6
    for row, (peers, professional) in zip(extra, cells, strict=True):
        row.update(
            used_peer_supporters=peers,
            used_counselling=professional,
            used_wellness=False,
            used_physician=False,
        )
    # PHQ-9 totals 0, 9, 18, 27 (minimal, mild, moderately severe, severe), one partial answer.
    for row, value in zip(extra, (0, 1, 2, 3), strict=False):
        row.update(phq9(value))
    extra[4].update(phq9(1, items=5))
    extra[0].update({f"gad7_{i}": 3 for i in range(1, 8)})  # 21: severe
    return paired_answers({"stigma": (2, 3, 1, 6)}, extra=extra)


def seed(store) -> None:
    add_survey(
        store,
        "2025",
        paired_answers({"stigma": (1, 1, 1, 1)}, extra=[phq9(0), phq9(0), {"seek_peers": 2}, {}]),
        opens=date(2025, 4, 1),
        blocks=BLOCKS,
    )
    add_survey(store, "2026", this_year_answers(), opens=date(2026, 4, 1), blocks=BLOCKS)
    # Follow-ups planned in the period (1 Sept. to 1 Nov. 2026): 4 done, 1 closed, 2 open (1 overdue).
    plans = [
        ("c1", "connected"),
        ("c2", "connected"),
        ("c3", "connected"),
        ("d1", "declined"),
        ("u1", "could_not_reach"),
        ("o1", "open-late"),
        ("o2", "open"),
    ]
    for k, (fid, outcome) in enumerate(plans):
        due = date(2026, 11, 1) if outcome == "open" else date(2026, 10, 20)
        planned = FollowUp(fid, "sup0", due, referral="counselling")
        answers = {"format": "phone", "referral": "counselling", "follow_up_planned": True}
        store.add_interaction(Interaction(fid, "sup0", date(2026, 10, 1 + k), answers, NOW), plans=planned)
        if outcome in ("connected", "declined"):
            done = replace(planned, state="done", done_by=f"{fid}-next", ended_on=due, uptake=outcome)
            store.add_interaction(
                Interaction(f"{fid}-next", "sup0", due, {"format": "phone"}, NOW), ends=done
            )
        elif outcome == "could_not_reach":
            store.end_follow_up(replace(planned, state=outcome, ended_on=due, uptake="unknown"))


def built(app, lang: str = "en", **options):
    chosen = reports.parse_options({"lang": lang, "survey": "2026", **options})
    return reports.build(app, chosen, NOW)


def fisher_two_sided(a: int, b: int, c: int, d: int) -> float:
    """Fisher's exact test by hand: the hypergeometric tables as likely as the observed or less."""
    row1, col1, n = a + b, a + c, a + b + c + d

    def prob(x: int) -> float:
        return math.comb(col1, x) * math.comb(n - col1, row1 - x) / math.comb(n, row1)

    observed = prob(a)
    support = range(max(0, row1 + col1 - n), min(row1, col1) + 1)
    return sum(prob(x) for x in support if prob(x) <= observed * (1 + 1e-7))


def signed_rank_exact_p(differences: list[int]) -> float:
    """Exact two-sided Wilcoxon signed-rank P by enumerating all 2^n sign patterns."""
    ranks = list(range(1, len(differences) + 1))  # distinct magnitudes 1..n here
    observed = sum(r for r, d in zip(ranks, differences, strict=True) if d > 0)
    totals = [
        sum(r for r, s in zip(ranks, signs, strict=True) if s)
        for signs in itertools.product((0, 1), repeat=len(ranks))
    ]
    mean = len(ranks) * (len(ranks) + 1) / 4
    return sum(abs(v - mean) >= abs(observed - mean) for v in totals) / len(totals)


def test_help_seeking_service_use_and_severity_match_independent_references(app):
    seed(app.store)
    outcomes = built(app).survey.outcomes
    hs = outcomes.help_seeking
    assert (hs.n, hs.medians, hs.median_difference) == (6, {"seek_faculty": 7, "seek_peers": 3.5}, 3.5)
    assert hs.p == pytest.approx(signed_rank_exact_p([1, 2, 3, 4, 5, 6]))  # 2/64 = 0.03125
    assert hs.p == pytest.approx(0.03125)
    # r = z / sqrt(n): V = 21, mean 10.5, variance 6*7*13/24 = 22.75.
    assert hs.r == pytest.approx(10.5 / math.sqrt(22.75) / math.sqrt(6))
    su = outcomes.service_use
    assert su.table == [[4, 1], [1, 6]] and su.n == 12
    assert su.test == "Fisher's exact"  # an expected count is under 5
    assert su.p == pytest.approx(fisher_two_sided(4, 1, 1, 6))
    # R: fisher.test(matrix(c(4, 1, 1, 6), 2, byrow = TRUE)) gives the conditional MLE 15.98...;
    # checked here only for its side and that its interval holds it.
    assert su.odds_ratio > 1 and su.ci95[0] < su.odds_ratio < su.ci95[1]
    phq, gad = outcomes.severity
    assert [(b.id, b.count) for b in phq.bands] == [
        ("minimal", 1),
        ("mild", 1),
        ("moderate", 0),
        ("moderately_severe", 1),
        ("severe", 1),
    ]
    assert (phq.n, phq.incomplete, phq.skipped) == (4, 1, 7)
    assert (gad.n, [b.count for b in gad.bands][-1]) == (1, 1)


def test_this_survey_against_the_previous_one(app):
    seed(app.store)
    by_year = {c.id: c for c in built(app).survey.outcomes.by_year}
    assert {"phq8", "gad7", "seek_faculty", "seek_peers", "used_counselling"} <= set(by_year)
    # PHQ-8 totals (items 1-8): 0, 8, 16, 24 this year, 0 and 0 last year.
    phq = by_year["phq8"]
    assert (phq.n_this, phq.n_last, phq.this, phq.last) == (4, 2, 12, 0)
    assert phq.p is not None and 0 < phq.p <= 1
    assert phq.r is not None and phq.r > 0 and phq.odds_ratio is None  # a score: r, never an odds ratio
    faculty = by_year["seek_faculty"]  # nobody answered it last year: no test, this year's median shown
    assert (faculty.p, faculty.this, faculty.last) == (None, 7, None) and "No scores in" in faculty.note
    counselling = by_year["used_counselling"]
    assert (counselling.n_this, counselling.n_last, counselling.measure) == (12, 0, "percent")


def test_follow_up_counts_and_uptake_with_wilson_intervals(app):
    seed(app.store)
    follow_ups = built(app).follow_ups
    counts = (follow_ups.planned, follow_ups.done, follow_ups.closed, follow_ups.open, follow_ups.overdue)
    assert counts == (7, 4, 1, 2, 1)
    [row] = follow_ups.uptake
    # Seven referrals planned a follow-up: four logged (three connected, one declined), one closed as
    # "could not reach" (no outcome, not an unknown one), two still open.
    figures = (row.referrals, row.followed_up, row.known, row.connected, row.declined, row.unknown)
    assert (row.id, *figures, row.closed, row.open) == ("counselling", 7, 4, 4, 3, 1, 0, 1, 2)
    # R: binom::binom.confint(3, 4, methods = "wilson") gives 0.3006418 to 0.9544127.
    assert row.rate == pytest.approx(75.0)
    assert row.ci95 == pytest.approx([30.06418, 95.44127], abs=1e-4)


def test_phq9_item_9_is_in_no_output(app):
    seed(app.store)
    for lang in ("en", "fr"):
        report = built(app, lang)
        for fmt in ("text", "html", "json"):
            assert "phq9_9" not in reports.render(report, fmt)
        assert "phq9_9" not in str(to_jsonable(report))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_format_shows_the_outcomes_in_both_languages(app, lang):
    from shared.report.render import to_csv

    seed(app.store)
    report = built(app, lang)
    text = reports.render(report, "text")
    html = reports.render(report, "html")
    for out in (text, html):
        if lang == "en":
            assert_clean(out)
        else:  # assert_clean's ASCII word edges take "inférieur" for "inf"
            assert re.search(r"\b(nan|inf|infinity|traceback)\b", out.lower()) is None
    strict_json(reports.render(report, "json"))
    tables = {row["table"] for row in csv.DictReader(io.StringIO(to_csv(report)))}
    assert {"phq8", "gad7", "help_seeking", "service_use", "outcomes_by_year", "follow_ups"} <= tables
    assert "referral_uptake" in tables
    words = " ".join(text.split())  # the text part wraps at 78 columns
    if lang == "fr":
        assert_french(text)
        assert "Rapport de cotes" in words and "Suite des orientations" in words
    else:
        assert "Odds ratio" in words and "not proof that one thing caused the other" in words
    # One sentence about outcomes at most, and it claims only what its test supports.
    said = sentences(report)
    outcome = [s for s in said if "7" in s and ("help" in s or "aide" in s)]
    assert len(outcome) == 1
    assert (
        ("unlikely to be chance (P < .05)" in outcome[0])
        if lang == "en"
        else ("P\u00a0<\u00a00,05" in outcome[0])
    )


def test_the_shareable_copy_hides_a_service_use_table_with_a_small_cell(app):
    seed(app.store)
    shared = built(app, audience="shared").survey.outcomes.service_use
    assert shared.suppressed and shared.table is None and shared.odds_ratio is None and shared.p is None
    assert shared.n == 12
    assert built(app).survey.outcomes.service_use.table == [[4, 1], [1, 6]]  # coordinators' copy


def test_a_survey_without_outcome_blocks_has_no_outcome_section(app):
    add_survey(app.store, "2026", paired_answers({"stigma": (1, 1, 1, 1)}), blocks=("k10",))
    report = built(app)
    assert report.survey.outcomes is None and report.follow_ups is None
    assert report.survey.k10 is not None  # the K10 block is reported as the old k10 flag was


def test_the_responses_export_leaves_phq9_item_9_out_unless_asked(app):
    from shared.services import exports

    add_survey(app.store, "2026", [{**phq9(2), "seek_peers": 5}], blocks=BLOCKS)

    def header(**options) -> list[str]:
        text = "".join(exports.export_responses(app.store, "2026", **options).chunks())
        return next(csv.reader(io.StringIO(text)))

    default = header()
    assert "phq9_8" in default and "seek_peers" in default and "phq9_9" not in default
    assert "phq9_9" in header(whole_survey_only=True)


def test_the_console_dashboard_shows_follow_up_counts_only(app):
    from shared.services import dashboard
    from tests.console.support import sign_in

    seed(app.store)
    board = dashboard.build(app.store, app.settings, NOW)
    assert board.follow_ups == {"planned": 7, "done": 4, "closed": 1, "open": 2, "overdue": 1}
    page = sign_in(app, "coord@example.org").get("/console/?lang=en").get_data(as_text=True)
    assert "Follow-ups planned since" in page and "overdue" in page and "planned" in page
