"""The reproductions of issue 11, each with the value a reader of the report should get.

Periods that close, surveys ordered by their own dates, K10 totals prorated over one skipped
item, supporters counted without the revoked and the demo, no response rate over imported
answers, and tables that protection left empty dropped with a one-line reason.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from shared.records import DEMO_ALIAS, Answer, Supporter
from shared.report.columns import k10_total
from shared.services import reports
from shared.services.imports import import_responses
from tests.test_report_support import (
    add_interactions,
    add_supporters,
    add_survey,
    log_answers,
    paired_answers,
    strict_json,
)

TORONTO = ZoneInfo("America/Toronto")


def report_at(app, now: datetime, **options) -> dict:
    chosen = reports.ReportOptions(format="json", **options)
    return strict_json(reports.render(reports.build(app, chosen, now), "json"))


def at_seven(day: date) -> datetime:
    """07:00 program time (the test settings' time zone is Toronto)."""
    return datetime(day.year, day.month, day.day, 7, 0, tzinfo=TORONTO).astimezone(UTC)


def test_scheduled_runs_cover_complete_months_and_the_first_of_september_sends_the_final_year(app):
    assert app.settings.timezone == TORONTO and app.settings.academic_year_start_month == 9
    [supporter] = add_supporters(app.store, 1)
    days = [date(2026, 6, 10), date(2026, 7, 15), date(2026, 8, 5), date(2026, 8, 20), date(2026, 8, 31)]
    add_interactions(app.store, [(supporter, day, log_answers()) for day in days])

    august = report_at(app, at_seven(date(2026, 8, 1)), scheduled=True)
    assert august["period"]["from"] == "2025-09-01" and august["period"]["to"] == "2026-07-31"
    assert august["activity"]["interactions"] == 2
    assert august["period"]["final"] is False

    september = report_at(app, at_seven(date(2026, 9, 1)), scheduled=True)
    assert september["period"]["from"] == "2025-09-01" and september["period"]["to"] == "2026-08-31"
    assert september["activity"]["interactions"] == 5
    assert september["period"]["final"] is True
    assert september["period"]["label"] == "1 September 2025 to 31 August 2026"

    # An interactive report still runs to today, and --from/--to still choose the days.
    today = report_at(app, at_seven(date(2026, 9, 1)))
    assert (today["period"]["from"], today["period"]["to"]) == ("2026-09-01", "2026-09-01")
    chosen = report_at(app, at_seven(date(2026, 9, 1)), start=date(2026, 8, 1), end=date(2026, 8, 20))
    assert chosen["activity"]["interactions"] == 2


def test_the_current_survey_is_the_one_that_ran_last_whatever_order_they_were_entered_in(app):
    answers = paired_answers({"career_impact": (1, 1, 1, 1)})
    # Entered in this order: this year's first, then last year's imported after it.
    add_survey(
        app.store,
        "y2026",
        answers,
        opens=date(2026, 3, 1),
        closes=date(2026, 4, 30),
        created_on=date(2026, 2, 1),
    )
    add_survey(
        app.store,
        "y2025",
        answers,
        opens=date(2025, 3, 1),
        closes=date(2025, 4, 30),
        created_on=date(2026, 10, 1),
    )
    report = report_at(app, datetime(2026, 11, 1, 12, tzinfo=UTC))
    assert report["survey"]["id"] == "y2026"
    assert report["survey"]["previous"]["survey"] == "y2025"


def test_a_survey_created_ahead_of_time_is_not_current_before_it_opens(app):
    """Next spring's survey, created in the autumn, used to become "this survey" of every report
    at once (compared with this year's). The current survey is the newest one that has opened; on
    its opening day it becomes current. Named, it is reported on any day."""
    answers = paired_answers({"career_impact": (1, 1, 1, 1)})
    add_survey(app.store, "y2026", answers, opens=date(2026, 3, 1), closes=date(2026, 4, 30))
    add_survey(app.store, "y2027", [], opens=date(2027, 3, 1), closes=date(2027, 4, 30))
    autumn = report_at(app, datetime(2026, 11, 1, 12, tzinfo=UTC))
    assert (autumn["survey"]["id"], autumn["survey"]["previous"]) == ("y2026", None)
    opening = report_at(app, at_seven(date(2027, 3, 1)))
    assert (opening["survey"]["id"], opening["survey"]["previous"]["survey"]) == ("y2027", "y2026")
    named = report_at(app, datetime(2026, 11, 1, 12, tzinfo=UTC), survey_id="y2027")
    assert named["survey"]["id"] == "y2027"


def test_while_no_survey_has_opened_the_newest_is_current(app):
    add_survey(app.store, "y2027", [], opens=date(2027, 3, 1), closes=date(2027, 4, 30))
    assert report_at(app, datetime(2026, 11, 1, 12, tzinfo=UTC))["survey"]["id"] == "y2027"


def test_a_survey_without_dates_never_outranks_a_dated_one(app):
    """Last year's answers imported into a new (undated) survey after this year's survey opened
    used to become "this survey"; undated surveys rank after every dated one."""
    answers = paired_answers({"career_impact": (1, 1, 1, 1)})
    dated = {"opens": date(2026, 3, 1), "closes": date(2026, 4, 30), "created_on": date(2026, 2, 1)}
    add_survey(app.store, "y2026", answers, **dated)
    add_survey(app.store, "y2025", answers, created_on=date(2026, 10, 1))  # no dates
    report = report_at(app, datetime(2026, 11, 1, 12, tzinfo=UTC))
    assert (report["survey"]["id"], report["survey"]["previous"]["survey"]) == ("y2026", "y2025")


def k10_answers(*rows: list[int | None]) -> list[dict]:
    out = []
    for row in rows:
        out.append({f"k10_{i + 1}": v for i, v in enumerate(row) if v is not None})
    return out


def test_k10_totals_prorated_over_one_skipped_item_and_counted(app):
    rows = k10_answers([3] * 10, [3] * 9 + [None], [1] * 8 + [None, None])
    add_survey(app.store, "2026", paired_answers({"career_impact": (0, 0, 0, 3)}, extra=rows), k10=True)
    k10 = report_at(app, datetime(2026, 11, 1, 12, tzinfo=UTC))["survey"]["k10"]
    # Without prorating n = 1; one-missing prorating gives 30 and 27 x 10/9 = 30.
    assert k10["n"] == 2 and k10["mean"] == 30.0
    assert k10["prorated"] == 1 and k10["incomplete"] == 1
    assert [b["count"] for b in k10["bands"]] == [0, 0, 0, 2]
    assert any("10/9" in note for note in k10["notes"])


def test_k10_total_rounds_half_up_and_refuses_two_missing():
    assert k10_total([3] * 10) == 30
    assert k10_total([3] * 9) == 30  # 27 x 10/9
    assert k10_total([3] * 8 + [4]) == 31  # 28 x 10/9 = 31.1
    assert k10_total([2] * 8 + [1]) == 19  # 17 x 10/9 = 18.9
    assert k10_total([1] * 8) is None


def test_supporters_counted_without_the_revoked_and_never_the_demo(app):
    ids = add_supporters(app.store, 5)
    revoked = app.store.get_supporter(ids[4])
    assert app.store.update_supporter(revoked, replace(revoked, active=False, version=revoked.version + 1))
    app.store.add_supporter(Supporter("demo", DEMO_ALIAS, None, created_on=date(2026, 8, 1)))
    day = date(2026, 10, 1)
    add_interactions(
        app.store,
        [(ids[0], day, log_answers()), (ids[1], day, log_answers()), *[("demo", day, log_answers())] * 3],
    )
    report = report_at(app, datetime(2026, 11, 1, 12, tzinfo=UTC))
    act = report["activity"]
    assert act["supporters"] == {"active": 2, "all": 4, "revoked": 0}
    assert act["interactions"] == 2
    listed = [r["label"] for r in act["per_supporter"]["rows"]]
    assert DEMO_ALIAS not in listed and "alias4" not in listed and len(listed) == 4
    text = reports.render(
        reports.build(app, reports.ReportOptions(), datetime(2026, 11, 1, 12, tzinfo=UTC)), "text"
    )
    assert DEMO_ALIAS not in text


def test_a_revoked_supporter_who_logged_is_counted_apart(app):
    """Revoking the supporter who logged most left "Supporters who logged: 1 of 1"."""
    ids = add_supporters(app.store, 2)
    busiest = app.store.get_supporter(ids[0])
    day = date(2026, 10, 1)
    add_interactions(app.store, [(ids[0], day, log_answers())] * 5 + [(ids[1], day, log_answers())])
    assert app.store.update_supporter(busiest, replace(busiest, active=False, version=busiest.version + 1))
    now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    assert report_at(app, now)["activity"]["supporters"] == {"active": 1, "all": 1, "revoked": 1}
    text = reports.render(reports.build(app, reports.ReportOptions(), now), "text")
    assert "1 of 1 current supporter, and 1 since revoked" in text


def test_no_response_rate_when_answers_were_imported(app, tmp_path):
    add_survey(app.store, "2026", [], links_issued=3)
    rows = ["barriers.faculty_services.career_impact,barriers.peer_support.career_impact"] + ["1,0"] * 81
    source = tmp_path / "last-year.csv"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    import_responses(app.store, app.settings, source, "2026")
    app.store.add_answers(
        app.store.get_survey("2026"),
        [Answer(uuid.uuid4().hex, "2026", date(2026, 4, 2), paired_answers({"stigma": (0, 0, 0, 1)})[0])],
    )
    survey = report_at(app, datetime(2026, 11, 1, 12, tzinfo=UTC))["survey"]
    assert survey["answers"] == 82
    assert survey["response_rate"] is None and survey["imported"] == 81
    assert (
        "Answers imported from a file rather than given through a survey link: 81 of 82"
        in survey["response_rate_note"]
    )
    text = reports.render(
        reports.build(app, reports.ReportOptions(), datetime(2026, 11, 1, 12, tzinfo=UTC)), "text"
    )
    assert "%" not in next(line for line in text.splitlines() if line.startswith("Response rate"))


def test_response_rate_when_every_answer_came_through_a_link(app):
    add_survey(app.store, "2026", paired_answers({"stigma": (0, 0, 1, 1)}), links_issued=4)
    survey = report_at(app, datetime(2026, 11, 1, 12, tzinfo=UTC))["survey"]
    assert survey["response_rate"] == 50.0 and survey["imported"] == 0


def test_a_table_that_protection_leaves_empty_is_dropped_with_one_line_why(app):
    ids = add_supporters(app.store, 1)
    years = ("year1", "year2", "year3", "year4", "other")
    rows = [
        (ids[0], date(2026, 10, 1 + k), log_answers(year_of_study=y, concern_level="some"))
        for k, y in enumerate(years)
    ]
    rows.append((ids[0], date(2026, 10, 9), log_answers(year_of_study=None, concern_level="none")))
    add_interactions(app.store, rows)
    text = reports.render(
        reports.build(app, reports.ReportOptions(), datetime(2026, 11, 1, 12, tzinfo=UTC)), "text"
    )
    assert "Year 1 + Year 2" not in text
    section = text.split("Interactions by year of study and concern level", 1)[1].split("\n\n", 1)[0]
    body = [line for line in section.splitlines() if line.strip("-")]
    assert [line.startswith("* ") for line in body] == [True] + [False] * (len(body) - 1)  # one note
    assert "Not shown" in body[0] and "under 5" in " ".join(body)


def test_blank_services_are_no_answer_and_none_of_these_is_an_answer(app):
    answers = [
        {"barriers": {"faculty_services": ["career_impact"], "peer_support": ["none"]}},
        {"barriers": {"faculty_services": ["none"], "peer_support": ["none"]}},
        {"barriers": {}},  # a blank submission, confirmed: no answer for either service
        {"barriers": {"faculty_services": ["career_impact"]}},  # peer support left untouched
    ]
    add_survey(app.store, "2026", answers)
    now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    paired = report_at(app, now)["survey"]
    career = {b["id"]: b for b in paired["barriers"]}["career_impact"]
    # Today all four count, as respondents with no barrier: 2 of 4 (50%) against 0 of 4.
    assert paired["respondents"] == 2  # the pairs: answered for both services
    assert career["n"] == {"faculty_services": 2, "peer_support": 2}
    assert career["counts"] == {"faculty_services": 1, "peer_support": 0}
    assert career["percent"]["faculty_services"] == 50.0
    independent = report_at(app, now, test="independent")["survey"]
    career = {b["id"]: b for b in independent["barriers"]}["career_impact"]
    assert career["n"] == {"faculty_services": 3, "peer_support": 2}
    assert career["counts"] == {"faculty_services": 2, "peer_support": 0}
    notes = " ".join(independent["notes"])
    assert "1 answer checked nothing for Faculty services" in notes
    assert "2 answers checked nothing for peer supporters" in notes
    assert "stored before the survey offered" not in notes  # no answer from before the choice


def test_answers_stored_before_none_of_these_are_read_as_before_and_said_so(app):
    old = [{"barriers": {"faculty_services": [], "peer_support": ["stigma"]}}] * 3
    add_survey(app.store, "2025", old)
    survey = report_at(app, datetime(2026, 11, 1, 12, tzinfo=UTC))["survey"]
    stigma = {b["id"]: b for b in survey["barriers"]}["stigma"]
    assert survey["respondents"] == 3 and stigma["counts"] == {"faculty_services": 0, "peer_support": 3}
    assert any(note.startswith("3 answers list a service with nothing checked") for note in survey["notes"])
