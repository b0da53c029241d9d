"""Which survey a report compares with (a new-user trial: a test survey became "the previous
survey" of every report, with no way out). A report may name the survey to compare with, or
none (``compare``: the CLI, the admin API, the console), and a survey may be left out of the
report's default choices (``surveys exclude``): it is then never the current survey nor the one
compared with unless a report names it. The scheduled report, which takes no options, follows."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from shared.cli import cli
from shared.services import imports, reports, surveys
from tests.conftest import ADMIN_TOKEN
from tests.console.support import sign_in
from tests.test_export_import import RESPONSES_IN

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PAST = date(2020, 1, 1)  # creation day: every survey below ran before it


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def program(app):
    """Last year's survey, a pilot run this spring, and this year's survey, each answered."""
    for survey_id, opens, closes in (
        ("y2025", date(2025, 4, 1), date(2025, 5, 15)),
        ("pilot", date(2026, 2, 1), date(2026, 2, 7)),
        ("y2026", date(2026, 4, 1), date(2026, 5, 15)),
    ):
        surveys.create_survey(app.store, survey_id, opens=opens, closes=closes, today=PAST, blocks=["k10"])
        imports.import_responses(app.store, app.settings, RESPONSES_IN.encode(), survey_id)
    return app


def compared(app, **options: str) -> tuple[str | None, str | None]:
    """(this survey, the survey it is compared with) in the JSON report."""
    built = reports.build(app, reports.parse_options({"format": "json", **options}))
    body = json.loads(reports.render(built, "json"))["survey"]
    return body["id"], (body["previous"] or {}).get("survey")


def test_by_default_the_survey_that_ran_before_is_compared_even_a_pilot(program):
    assert compared(program) == ("y2026", "pilot")


def test_a_report_names_the_survey_to_compare_with_or_none(program):
    assert compared(program, compare="y2025") == ("y2026", "y2025")
    assert compared(program, compare="none") == ("y2026", None)
    assert compared(program, survey="pilot", compare="y2026") == ("pilot", "y2026")


def test_a_survey_left_out_is_never_a_default_choice_but_can_be_named(program):
    surveys.set_excluded(program.store, "pilot", True)
    assert compared(program) == ("y2026", "y2025")
    assert compared(program, compare="pilot") == ("y2026", "pilot")
    assert compared(program, survey="pilot") == ("pilot", "y2025")
    # Run after every other survey, a left-out survey is not the current one either.
    surveys.create_survey(
        program.store, "retest", opens=date(2026, 6, 1), closes=date(2026, 6, 2), today=PAST
    )
    surveys.set_excluded(program.store, "retest", True)
    assert compared(program) == ("y2026", "y2025")
    surveys.set_excluded(program.store, "pilot", False)
    assert compared(program) == ("y2026", "pilot")


@pytest.mark.parametrize(
    ("compare", "message"),
    [
        ("nope", "Choose a survey on the list."),
        ("y2026", "Choose another survey of the same form."),
        ("a/b", "is not a survey id"),
    ],
)
def test_a_bad_comparison_is_refused_naming_the_option(program, compare, message):
    with pytest.raises(surveys.Invalid) as refused:
        compared(program, compare=compare)
    assert refused.value.errors == {"compare": [message]}
    if "/" not in compare:  # a malformed id is one of the report's option errors
        assert compare in refused.value.message  # the top message names what was asked


def test_the_cli_the_api_and_the_console_take_the_same_choice(program, client_for):
    assert run("surveys", "exclude", "pilot").exit_code == 0
    text = run("report", "--format", "json").stdout
    assert json.loads(text)["survey"]["previous"]["survey"] == "y2025"
    none = json.loads(run("report", "--format", "json", "--compare", "none").stdout)
    assert none["survey"]["previous"] is None
    refused = run("report", "--compare", "nope")
    assert refused.exit_code == 1 and "There is no survey 'nope' to compare with." in refused.output
    assert run("surveys", "exclude", "pilot", "--undo").exit_code == 0

    admin = client_for("admin")
    got = admin.get("/report?compare=y2025", headers=AUTH).get_json()
    assert got["survey"]["previous"]["survey"] == "y2025"
    assert admin.get("/report?compare=nope", headers=AUTH).status_code == 400
    put = admin.put("/surveys/pilot/excluded", json={"excluded": True}, headers=AUTH)
    assert put.status_code == 200 and put.get_json()["excluded"] is True
    assert admin.put("/surveys/pilot/excluded", json={"excluded": "yes"}, headers=AUTH).status_code == 400

    c = sign_in(program, "coord2@example.org")
    page = c.get("/console/report?compare=none").get_data(as_text=True)
    assert '<option value="none" selected>' in page
    bad = c.get("/console/report?compare=nope")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and 'href="#f-compare"' in html and 'id="f-compare"' in html


def test_the_scheduled_report_leaves_the_pilot_out_once_excluded(program):
    from datetime import UTC, datetime

    surveys.set_excluded(program.store, "pilot", True)
    options = reports.ReportOptions(format="json", scheduled=True)
    built = reports.build(program, options, datetime(2026, 6, 1, 12, tzinfo=UTC))
    assert built.survey is not None and built.survey.previous is not None
    assert (built.survey.id, built.survey.previous.survey) == ("y2026", "y2025")
