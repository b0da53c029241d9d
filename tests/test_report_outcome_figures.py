"""The outcome figures (issue 14) at their edges, in every output and both languages:

- an odds ratio (or an end of its interval) that a zero cell makes infinite is written as null,
  named in ``unbounded`` and said in words, never "inf" or "NaN", and the JSON report no longer
  fails (it used to raise, so ``GET /admin/report?format=json`` answered 500);
- the CSV gives each effect its own column (r for scores, the odds ratio for yes/no items) and
  labels every row in the report's language;
- the opening summary follows the Wilcoxon test: its direction and its P, never the medians
  when they disagree with it;
- the demo supporter's follow-ups count nowhere, and French notes have French spacing.

Reference values are computed here without scipy, from the formulas R's wilcox.test and
fisher.test use, as cited beside each."""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import date

import pytest

from shared.records import DEMO_ALIAS, Answer, FollowUp, Interaction, Supporter, Survey
from shared.report.build import ReportRequest, build_report
from shared.report.render import to_csv, to_json, to_text
from shared.report.summary import sentences
from shared.services import dashboard, reports
from tests.conftest import ADMIN_TOKEN
from tests.test_report_outcome_privacy import service_use_rows, store_with
from tests.test_report_support import NOW, TODAY, strict_json

ZERO_CELL = [[5, 0], [3, 7]]  # everyone who used peer support also used a professional service


def csv_rows(report, table: str) -> list[dict[str, str]]:
    return [r for r in csv.DictReader(io.StringIO(to_csv(report))) if r["table"] == table]


def exact_lower_bound(a: int, row1: int, col1: int, n: int, alpha: float = 0.025) -> float:
    """The lower end of the conditional odds ratio's exact interval, as R's fisher.test finds it:
    the psi at which P(X >= a) = alpha under Fisher's noncentral hypergeometric distribution
    (P(X = x) proportional to C(col1, x) C(n - col1, row1 - x) psi^x), by bisection on log psi."""
    support = range(max(0, row1 + col1 - n), min(row1, col1) + 1)

    def upper_tail(psi: float) -> float:
        weights = {x: math.comb(col1, x) * math.comb(n - col1, row1 - x) * psi**x for x in support}
        return sum(w for x, w in weights.items() if x >= a) / sum(weights.values())

    low, high = -10.0, 10.0
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if upper_tail(math.exp(middle)) < alpha else (low, middle)
    return math.exp(low)


# --- An odds ratio a zero cell makes infinite --------------------------------------------------


def test_an_unbounded_odds_ratio_is_null_and_named_in_the_model(app):
    store = store_with({"2026": service_use_rows(ZERO_CELL)}, blocks=("service_use",))
    su = build_report(store, app.settings, ReportRequest(), today=TODAY).survey.outcomes.service_use
    assert su.table == ZERO_CELL and su.test == "Fisher's exact"
    assert su.odds_ratio is None and su.ci95[1] is None
    assert su.unbounded == ["odds_ratio", "ci95_high"]
    # R: fisher.test(matrix(c(5, 0, 3, 7), 2, byrow = TRUE))$conf.int[1], by its own definition.
    assert su.ci95[0] == pytest.approx(exact_lower_bound(5, 5, 8, 15), rel=1e-6)
    assert su.ci95[0] == pytest.approx(1.137445, rel=1e-5)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_output_says_an_unbounded_odds_ratio_in_words(app, lang):
    store = store_with({"2026": service_use_rows(ZERO_CELL)}, blocks=("service_use",))
    report = build_report(store, app.settings, ReportRequest(), today=TODAY, lang=lang)
    data = strict_json(to_json(report))["survey"]["outcomes"]["service_use"]
    assert (data["odds_ratio"], data["ci95"][1], data["unbounded"]) == (
        None,
        None,
        ["odds_ratio", "ci95_high"],
    )
    words = {
        "en": (
            "Odds ratio not estimable: a zero cell (95% CI 1.14 or more, no upper limit)",
            "infinite, not missing",
        ),
        "fr": (
            "Rapport de cotes non estimable\u00a0: une case vide (IC à 95\u202f% 1,14 ou plus, sans limite supérieure)",
            "infini, et non manquant",
        ),
    }[lang]
    for shown in (to_text(report), reports.render(report, "html")):
        assert words[0] in re.sub(r"[ \n]+", " ", shown)  # the text part wraps at 78 columns
        assert re.search(r"∞|\b(inf|infinity|nan)\b", shown.lower()) is None
    [odds] = [r for r in csv_rows(report, "service_use") if r["value"] == "" and r["ci_low"]]
    assert (odds["value"], odds["ci_high"], odds["suppressed"]) == ("", "", "0")
    assert float(odds["ci_low"]) == pytest.approx(1.137445, rel=1e-5)
    assert words[1] in odds["note"]


def test_the_admin_api_serves_the_report_with_an_unbounded_odds_ratio(app, client_for):
    """The attack's first finding: ``GET /admin/report?format=json`` answered 500."""
    app.store.add_survey(Survey("2026", opens=date(2026, 9, 2), blocks=("service_use",)))
    app.store.add_answers(
        app.store.get_survey("2026"),
        [Answer(f"a{n}", "2026", date(2026, 9, 3), row) for n, row in enumerate(service_use_rows(ZERO_CELL))],
    )
    admin = client_for("admin")
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    for fmt in ("json", "text", "html"):
        response = admin.get(f"/report?format={fmt}&survey=2026", headers=auth)
        assert response.status_code == 200, (fmt, response.get_data(as_text=True)[:300])
    report = strict_json(admin.get("/report?format=json&survey=2026", headers=auth).get_data(as_text=True))
    assert report["survey"]["outcomes"]["service_use"]["unbounded"] == ["odds_ratio", "ci95_high"]


def test_a_yes_no_item_at_100_percent_has_an_unbounded_odds_ratio_against_last_year(app):
    this_year = service_use_rows([[3, 0], [3, 0]])  # all six used counselling
    last_year = service_use_rows([[2, 1], [1, 2]])  # three of six did
    store = store_with({"2025": last_year, "2026": this_year}, blocks=("service_use",))
    report = build_report(store, app.settings, ReportRequest(), today=TODAY)
    counselling = {c.id: c for c in report.survey.outcomes.by_year}["used_counselling"]
    assert (counselling.this, counselling.last) == (100.0, 50.0)
    assert (
        counselling.odds_ratio is None and counselling.unbounded == ["odds_ratio"] and counselling.r is None
    )
    # Fisher's exact P for ((6, 0), (3, 3)): the tables as likely or less, by hypergeometric sums.
    assert counselling.p == pytest.approx(
        sum(math.comb(9, x) * math.comb(3, 6 - x) for x in (3, 6)) / math.comb(12, 6)
    )
    strict_json(to_json(report))
    rows = {(r["row"], r["column"]): r for r in csv_rows(report, "outcomes_by_year")}
    odds = rows[("Used counselling", "Odds ratio")]
    assert (odds["value"], odds["p"]) == ("", "") and "infinite" in odds["note"]


# --- Each effect its own column ----------------------------------------------------------------


def test_the_by_year_csv_gives_r_and_the_odds_ratio_their_own_columns(app):
    this_year = [{"seek_faculty": 7, "seek_peers": 2 + n % 5, "used_counselling": n < 4} for n in range(10)]
    last_year = [{"seek_faculty": 3 + n % 3, "seek_peers": 4, "used_counselling": n < 6} for n in range(10)]
    store = store_with({"2025": last_year, "2026": this_year}, blocks=("help_seeking", "service_use"))
    report = build_report(store, app.settings, ReportRequest(), today=TODAY)
    by_year = {c.id: c for c in report.survey.outcomes.by_year}
    rows = {(r["row"], r["column"]): r for r in csv_rows(report, "outcomes_by_year")}
    faculty, counselling = by_year["seek_faculty"], by_year["used_counselling"]
    assert faculty.r is not None and faculty.odds_ratio is None
    assert counselling.odds_ratio is not None and counselling.r is None
    faculty_row = "Help-seeking intention, Faculty services (median, 1-7)"  # it says what the row measures
    assert float(rows[(faculty_row, "Effect size r")]["value"]) == pytest.approx(faculty.r)
    assert float(rows[("Used counselling", "Odds ratio")]["value"]) == pytest.approx(counselling.odds_ratio)
    assert (faculty_row, "Odds ratio") not in rows and (
        "Used counselling",
        "Effect size r",
    ) not in rows
    # The "Test" column holds the P value and nothing else.
    tests = [row for (_, column), row in rows.items() if column == "Test"]
    assert all(row["value"] == row["count"] == "" for row in tests)
    assert float(rows[(faculty_row, "Test")]["p"]) == pytest.approx(faculty.p)
    # Every expected count is 5, so chi-square, with the sample odds ratio: this survey's odds of
    # yes over the previous one's, (4/6) / (6/4).
    assert counselling.test == "chi-square (Yates)"
    assert counselling.odds_ratio == pytest.approx((4 / 6) / (6 / 4))


# --- The summary follows the test --------------------------------------------------------------


def help_seeking_report(settings, pairs: list[tuple[int, int, int]], lang: str = "en"):
    rows = [{"seek_faculty": f, "seek_peers": p} for f, p, n in pairs for _ in range(n)]
    store = store_with({"2026": rows}, blocks=("help_seeking",))
    return build_report(store, settings, ReportRequest(), today=TODAY, lang=lang)


def test_a_clear_difference_with_equal_medians_is_said_as_the_test_finds_it(app):
    """The reproduction: 11 students rated both sources 4, 9 rated Faculty services 6 and peer
    supporters 4. The medians are both 4, but the signed-rank test finds the difference clear; the
    summary used to say it "did not differ by more than chance"."""
    report = help_seeking_report(app.settings, [(4, 4, 11), (6, 4, 9)])
    hs = report.survey.outcomes.help_seeking
    # R's wilcox.test(x, y, paired = TRUE) (normal approximation: ties): the 9 non-zero
    # differences share one rank, V = 45, mean 9 * 10 / 4 = 22.5, variance 9 * 10 * 19 / 24 minus
    # the tie correction (9^3 - 9) / 48, so 56.25; z = (45 - 22.5 - 0.5) / 7.5 with continuity.
    assert hs.p == pytest.approx(math.erfc((45 - 22.5 - 0.5) / 7.5 / math.sqrt(2)))  # 0.00335
    assert (hs.median_difference, hs.higher) == (0.0, {"seek_faculty": 9, "seek_peers": 0})
    [said] = [s for s in sentences(report) if "seek help" in s]
    assert said == (
        "Students said they were more likely to seek help from Faculty services than from peer "
        "supporters (rated higher: 9 of 20; lower: 0; medians 4 and 4 of 7); a difference this "
        "large is very unlikely to be chance (P < .01)."
    )
    text = " ".join(to_text(report).split())
    assert "Rated Faculty services higher: 9; peer supporters higher: 0; both the same: 11." in text


def test_the_direction_is_the_tests_even_when_more_students_lean_the_other_way(app):
    """30 students rated Faculty services one point higher, 25 rated them two points lower: the
    signed ranks favour peer supporters (V = 30 x 15.5 = 465 against a mean of 770), so the
    summary says peer supporters, and does not quote counts that would seem to say the opposite."""
    report = help_seeking_report(app.settings, [(5, 4, 30), (3, 5, 25)])
    hs = report.survey.outcomes.help_seeking
    assert hs.r < 0 and hs.p < 0.01 and hs.higher == {"seek_faculty": 30, "seek_peers": 25}
    [said] = [s for s in sentences(report) if "seek help" in s]
    assert said.startswith(
        "Students said they were more likely to seek help from peer supporters than from Faculty services (medians"
    )
    assert "rated higher" not in said


def test_no_difference_is_claimed_above_p_05(app):
    report = help_seeking_report(app.settings, [(4, 4, 11), (6, 4, 2), (4, 6, 1)])
    assert report.survey.outcomes.help_seeking.p >= 0.05
    [said] = [s for s in sentences(report) if "help" in s.lower() and "7" in s]
    assert "did not differ by more than chance" in said


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_service_use_without_a_clear_difference_is_not_called_an_association(app, lang):
    store = store_with({"2026": service_use_rows([[6, 6], [6, 6]])}, blocks=("service_use",))
    report = build_report(store, app.settings, ReportRequest(), today=TODAY, lang=lang)
    assert report.survey.outcomes.service_use.p == pytest.approx(1.0)
    [said] = [s for s in sentences(report) if "50" in s]
    if lang == "en":
        assert said == (
            "50.0% of students who used peer support also used a professional service, against 50.0% "
            "of those who did not; a difference this size could be chance (P > .99)."
        )
    else:
        assert "pourrait être dû au hasard (P\u00a0>\u00a00,99)" in said and "association" not in said


# --- French, and wording ---------------------------------------------------------------------


def test_the_french_csv_labels_every_row_in_french(app):
    from tests.test_report_outcomes import seed

    seed(app.store)
    report = reports.build(app, reports.parse_options({"lang": "fr", "survey": "2026"}), NOW)
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    english_ids = {
        "planned",
        "done",
        "closed",
        "open",
        "overdue",
        "median_difference",
        "effect_size_r",
        "odds_ratio",
    }
    assert not english_ids & {r["row"] for r in rows}
    labels = {(r["table"], r["row"]) for r in rows}
    assert {
        ("follow_ups", label)
        for label in ("Prévus", "Faits (consignés comme suivi)", "Encore ouverts", "Dont en retard")
    } <= labels
    assert ("help_seeking", "Différence médiane (Faculté moins pairs)") in labels
    assert ("help_seeking", "Taille d'effet r") in labels
    assert ("service_use", "Rapport de cotes") in labels
    # A note about one row reads "Label : note", with a no-break space before the colon.
    notes = [n for table in reports.render(report, "text").split("\n* ")[1:] for n in [table]]
    assert any("\u00a0: " in n for n in notes)
    assert not [n for n in notes if " : " in n]


@pytest.mark.parametrize(
    ("lang", "reason"),
    [
        (
            "en",
            "None of the respondents who did not use peer support answered the service-use questions, so the "
            "groups cannot be compared.",
        ),
        (
            "fr",
            "Aucun des répondants qui n'ont pas fait appel aux pairs aidants n'a répondu aux questions sur le "
            "recours aux services\u00a0: les groupes ne peuvent pas être comparés.",
        ),
    ],
)
def test_an_empty_group_is_named_in_a_sentence_that_reads(app, lang, reason):
    store = store_with({"2026": service_use_rows([[3, 2], [0, 0]])}, blocks=("service_use",))
    report = build_report(store, app.settings, ReportRequest(), today=TODAY, lang=lang)
    assert report.survey.outcomes.service_use.note == reason
    assert reason in re.sub(r"[ \n]+", " ", to_text(report))


# --- The demo supporter counts nowhere ---------------------------------------------------------


def test_the_demo_supporters_follow_ups_are_in_no_report_and_not_on_the_dashboard(app):
    store = app.store
    store.add_supporter(Supporter("demo", DEMO_ALIAS, None, created_on=date(2026, 9, 1)))
    for k in range(3):
        planned = FollowUp(f"demo-{k}", "demo", date(2026, 10, 20), referral="counselling")
        answers = {"format": "phone", "referral": "counselling", "follow_up_planned": True}
        store.add_interaction(
            Interaction(f"demo-{k}", "demo", date(2026, 10, 10), answers, NOW), plans=planned
        )
    report = build_report(store, app.settings, ReportRequest(), today=TODAY)
    assert report.activity.interactions == 0 and report.follow_ups is None
    board = dashboard.build(store, app.settings, NOW)
    assert board.follow_ups == {"planned": 0, "done": 0, "closed": 0, "open": 0, "overdue": 0}
    assert (board.month, board.year) == (0, 0)
    assert [s.alias for s in board.quiet] == []
    # A real supporter's follow-up still counts in both.
    store.add_supporter(Supporter("sam", "Sam", None, created_on=date(2026, 9, 1)))
    store.add_interaction(
        Interaction("real", "sam", date(2026, 10, 10), {"format": "phone", "follow_up_planned": True}, NOW),
        plans=FollowUp("real", "sam", date(2026, 10, 20)),
    )
    assert build_report(store, app.settings, ReportRequest(), today=TODAY).follow_ups.planned == 1
    assert dashboard.build(store, app.settings, NOW).follow_ups["planned"] == 1
