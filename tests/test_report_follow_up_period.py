"""Which follow-ups a report and the dashboard count (new-user trial of issues 11 and 14, items 1 and
2), on the in-memory store.

The trial found the default report without any follow-up section: it counted a follow-up in the
period where it fell *due*, and a due date is never before the day it is set, so a follow-up
logged in November and due in December was in no report of November, while one planned the year
before and due this September was. Both now count the follow-ups **planned by the period's
interactions**, as they stand on the day the figures are made, and a closed follow-up ("not
needed", "could not reach") is its own category, never "followed up" with an unknown outcome.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from click.testing import CliRunner

from shared.cli import cli
from shared.records import FollowUp, Interaction
from shared.services import dashboard, reports, surveys
from tests.console.support import sign_in
from tests.test_report_support import add_supporters

CREATED = datetime(2026, 11, 1, tzinfo=UTC)


def plan(store, key: str, on: date, due: date, referral: str = "none") -> FollowUp:
    """An interaction on ``on`` that planned a follow-up due on ``due``."""
    planned = FollowUp(key, "sup0", due, referral=referral)
    answers = {
        "format": "phone",
        "referral": referral,
        "follow_up_planned": True,
        "occurred_on": on.isoformat(),
    }
    store.add_interaction(Interaction(key, "sup0", on, answers, CREATED), plans=planned)
    return planned


def log_done(store, planned: FollowUp, on: date, uptake: str | None = None) -> None:
    """The follow-up logged on ``on`` (a new interaction that follows the original)."""
    done = replace(planned, state="done", done_by=f"{planned.id}-next", ended_on=on, uptake=uptake)
    answers = {"format": "phone", "occurred_on": on.isoformat()}
    store.add_interaction(Interaction(f"{planned.id}-next", "sup0", on, answers, CREATED), ends=done)


def close(store, planned: FollowUp, on: date, ending: str) -> None:
    uptake = "unknown" if planned.referral != "none" else None  # as follow_ups.close stores it
    assert store.end_follow_up(replace(planned, state=ending, ended_on=on, uptake=uptake))


def seed(store) -> None:
    add_supporters(store, 1)
    # Logged on 12 November, two weeks before it was due (3 December): the student connected.
    log_done(
        store,
        plan(store, "early", date(2026, 11, 10), date(2026, 12, 3), "counselling"),
        date(2026, 11, 12),
        "connected",
    )
    # Closed as not needed the day after it was planned (due 10 December).
    close(
        store, plan(store, "closed", date(2026, 11, 20), date(2026, 12, 10)), date(2026, 11, 21), "not_needed"
    )
    # Planned in the previous academic year, due and overdue in this one: not this year's.
    plan(store, "last-year", date(2026, 8, 28), date(2026, 9, 4))


def counts(found) -> tuple[int, ...]:
    return (found.planned, found.done, found.closed, found.open, found.overdue)


def test_the_scheduled_report_counts_the_follow_ups_its_interactions_planned(app):
    """The run of 1 December (September to November): the follow-up done early, due in December,
    is November's; the one planned in August and due in September is not this year's."""
    seed(app.store)
    options = reports.ReportOptions(format="json", scheduled=True)
    report = reports.build(app, options, datetime(2026, 12, 1, 12, tzinfo=UTC))
    assert (report.period.from_, report.period.to) == ("2026-09-01", "2026-11-30")
    assert report.follow_ups is not None
    assert counts(report.follow_ups) == (2, 1, 1, 0, 0)
    assert report.follow_ups.as_of == "2026-12-01"
    [row] = report.follow_ups.uptake
    assert (row.id, row.referrals, row.followed_up, row.connected, row.rate) == (
        "counselling",
        1,
        1,
        1,
        100.0,
    )
    text = " ".join(reports.render(report, "text").split())  # the text part wraps at 78 columns
    assert "Follow-ups planned by the period's interactions, where they stood on 1 December 2026" in text


def test_the_dashboard_counts_what_the_report_counts_and_says_so(app):
    seed(app.store)
    # Planned on 18 November, due on 25 November: open, not yet due, so not overdue.
    plan(app.store, "open", date(2026, 11, 18), date(2026, 11, 25))
    now = datetime(2026, 11, 20, 17, tzinfo=UTC)
    board = dashboard.build(app.store, app.settings, now)
    assert board.follow_ups == {"planned": 3, "done": 1, "closed": 1, "open": 1, "overdue": 0}
    report = reports.build(app, reports.ReportOptions(format="json"), now)  # the academic year to date
    assert counts(report.follow_ups) == tuple(board.follow_ups.values())
    page = sign_in(app, "coord@example.org").get("/console/?lang=en").get_data(as_text=True)
    assert "Follow-ups planned since" in page and "due since" not in page
    assert "still open" in page and "of them overdue" in page


def test_closed_follow_ups_are_not_followed_up(app):
    """Faculty wellness, two referrals, nobody reached: "Followed up: 2" with unknown outcomes."""
    add_supporters(app.store, 1)
    for key, ending in (("a", "not_needed"), ("b", "could_not_reach")):
        close(
            app.store,
            plan(app.store, key, date(2026, 10, 5), date(2026, 10, 12), "wellness"),
            date(2026, 10, 6),
            ending,
        )
    report = reports.build(app, reports.ReportOptions(format="json"), CREATED)
    [row] = report.follow_ups.uptake
    assert (row.referrals, row.followed_up, row.unknown, row.closed, row.open) == (2, 0, 0, 2, 0)
    assert (row.rate, row.ci95) == (None, None)
    assert row.note == "No referral has been followed up yet."
    text = " ".join(reports.render(report, "text").split())
    assert (
        "Followed up: 0" in text and "Closed, not followed up: 2" in text and "Outcome not known: 0" in text
    )


def test_sidebyside_report_and_the_console_show_a_follow_up_logged_before_it_was_due(app):
    """The default period (the academic year to today) of the CLI and the console's Report page:
    a follow-up planned and logged today, due in ten days."""
    add_supporters(app.store, 1)
    today = surveys.today_in(app.settings)
    log_done(
        app.store, plan(app.store, "today", today, today + timedelta(days=10), "physician"), today, "not_yet"
    )
    result = CliRunner().invoke(cli, ["report", "--format", "json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)["follow_ups"]
    assert (found["planned"], found["done"], found["open"]) == (1, 1, 0)
    assert [(u["id"], u["followed_up"], u["not_yet"]) for u in found["uptake"]] == [("physician", 1, 1)]
    page = sign_in(app, "coord@example.org").get("/console/report?lang=en").get_data(as_text=True)
    assert "Follow-ups planned by the period" in page and "Referral uptake" in page
