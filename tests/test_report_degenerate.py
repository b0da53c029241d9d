"""Bad and thin data: the report still renders in every format, says why a figure is missing,
and never prints NaN. Each case runs on SQLite and on the Firestore emulator."""

from __future__ import annotations

from datetime import date

import pytest

from shared.errors import Invalid
from shared.report.email import report_message
from shared.services import reports
from tests.test_report_support import (
    NOW,
    add_interactions,
    add_supporters,
    add_survey,
    assert_clean,
    log_answers,
    paired_answers,
    strict_json,
)


def outputs(app, **raw) -> dict[str, str]:
    """The report in every format the program produces, the email's parts included."""
    options = reports.parse_options(raw)
    built = reports.build(app, options, NOW)
    message = report_message(built, app.settings.coordinators)
    out = {fmt: reports.render(built, fmt) for fmt in reports.FORMATS}
    out["email text"] = message.text
    out["email html"] = message.html or ""
    out["csv"] = message.attachments[0].content.decode("utf-8-sig")
    for name, text in out.items():
        assert text.strip(), name
        assert_clean(text)
    strict_json(out["json"])
    return out


def test_nothing_stored_at_all(app):
    out = outputs(app)
    report = strict_json(out["json"])
    assert report["survey"] is None
    assert "No survey has been created yet" in out["text"]
    assert report["activity"]["interactions"] == 0
    assert "No interactions were logged in this period." in out["text"]
    assert report["activity"]["duration"]["median"] is None
    assert report["activity"]["referrals"]["rate"] is None
    assert report["activity"]["by_month"] == []


def test_survey_without_answers(app):
    add_survey(app.store, "2026", [], k10=True)
    out = outputs(app)
    survey = strict_json(out["json"])["survey"]
    assert survey["answers"] == 0
    assert survey["response_rate"] is None and "No links were issued" in survey["response_rate_note"]
    assert all(b["p"] is None and b["ci95"] is None for b in survey["barriers"])
    assert all(b["p_display"] == "not computable" for b in survey["barriers"])
    assert "No respondents answered for both services" in survey["barriers"][0]["note"]
    assert survey["k10"]["n"] == 0 and survey["k10"]["mean"] is None
    assert "This survey has no answers yet." in out["text"]
    assert "No K10 scores were submitted." in out["text"]
    assert "cid:" not in out["email html"]  # no chart without respondents


def test_barrier_nobody_checked_and_all_identical_answers(app):
    # Everyone checked career_impact for both services; nobody checked anything else.
    add_survey(app.store, "2026", paired_answers({"career_impact": (12, 0, 0, 0), "stigma": (0, 0, 0, 12)}))
    out = outputs(app, test="paired")
    rows = {b["id"]: b for b in strict_json(out["json"])["survey"]["barriers"]}
    assert rows["career_impact"]["p"] == 1.0 and rows["career_impact"]["difference"] == 0.0
    assert "Every respondent checked this barrier for both services" in rows["career_impact"]["note"]
    assert rows["stigma"]["percent"] == {"faculty_services": 0.0, "peer_support": 0.0}
    assert "Nobody checked this barrier" in rows["stigma"]["note"]
    assert "Nobody checked this barrier" in out["text"]
    independent = outputs(app, test="independent")
    rows = {b["id"]: b for b in strict_json(independent["json"])["survey"]["barriers"]}
    assert rows["stigma"]["p"] == 1.0
    assert "has no information" in rows["stigma"]["note"]


def test_one_respondent(app):
    add_survey(app.store, "2026", paired_answers({"career_impact": (0, 1, 0, 0)}), k10=True)
    out = outputs(app)
    survey = strict_json(out["json"])["survey"]
    row = survey["barriers"][0]
    assert row["percent"] == {"faculty_services": 100.0, "peer_support": 0.0}
    assert row["p"] == 1.0
    assert "Only one respondent" in row["note"]
    assert "Only one respondent" in out["text"]
    assert "cid:barrier-chart" in out["email html"]


def test_answers_without_a_barrier_matrix_are_counted_apart(app):
    answers = paired_answers({"career_impact": (1, 2, 0, 2)})
    answers.append({"year_of_study": "year1"})  # imported with every barrier cell blank
    add_survey(app.store, "2026", answers)
    out = outputs(app)
    survey = strict_json(out["json"])["survey"]
    assert survey["answers"] == 6
    assert survey["respondents"] == 5
    assert "1 answer holds no barrier answers" in out["text"]


def test_empty_period_with_interactions_outside_it(app):
    ids = add_supporters(app.store, 2)
    add_interactions(app.store, [(ids[0], date(2026, 9, 5), log_answers())])
    out = outputs(app, **{"from": "2026-10-01", "to": "2026-10-31"})
    activity = strict_json(out["json"])["activity"]
    assert activity["interactions"] == 0
    assert activity["supporters"] == {"active": 0, "all": 2}
    assert "1 October 2026 to 31 October 2026" in out["text"]


def test_single_interaction_with_unanswered_questions(app):
    ids = add_supporters(app.store, 1)
    add_interactions(
        app.store,
        [
            (
                ids[0],
                date(2026, 10, 2),
                log_answers(duration_minutes=None, year_of_study=None, topics=["other"]),
            )
        ],
    )
    out = outputs(app)
    activity = strict_json(out["json"])["activity"]
    assert activity["interactions"] == 1
    assert activity["duration"] == {
        "n": 0,
        "median": None,
        "note": "No interaction in the period recorded its duration.",
    }
    assert "No interaction in the period recorded its duration." in out["text"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"format": "pdf"}, "format"),
        ({"test": "t-test"}, "test"),
        ({"from": "2026-13-01"}, "from"),
        ({"to": "20261101"}, "to"),
        ({"from": "2026-11-02", "to": "2026-11-01"}, "from"),
    ],
)
def test_bad_options_name_the_field(raw, field):
    with pytest.raises(Invalid) as caught:
        reports.parse_options(raw)
    assert field in caught.value.errors


def test_unknown_survey_is_invalid(app):
    with pytest.raises(Invalid) as caught:
        reports.build(app, reports.parse_options({"survey": "1999"}), NOW)
    assert "survey" in caught.value.errors
