"""What each operation costs on Firestore: the reads, writes and requests the adapter sends to
the emulator, measured here and checked against the cost table in the README, so the table
stays true."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from shared import bootstrap, config
from shared.services import links, supporters, surveys
from tests.conftest import make_firestore

ROOT = Path(__file__).resolve().parents[1]

LOG = {
    "format": "phone",
    "initiated_by": "student",
    "topics": ["academic"],
    "concern_level": "some",
    "referral": "none",
    "follow_up_planned": False,
}


@pytest.fixture
def firestore_app(emulator_host, settings_env, tmp_path):
    store = make_firestore(emulator_host)
    app = bootstrap.configure(settings=config.load(settings_env, base=tmp_path), store=store)
    yield app
    bootstrap.reset()


def measured(store, action) -> dict[str, int]:
    before = dict(store.ops)
    action()
    return {key: store.ops[key] - before[key] for key in before}


def client_for(target: str):
    import functions_framework

    return functions_framework.create_app(target, str(ROOT / "functions" / "main.py")).test_client()


def operation_costs(app) -> dict[str, dict[str, int]]:
    store, settings = app.store, app.settings
    today = surveys.today_in(settings)
    token = supporters.add_supporter(store, settings, "Sam").link.split("?t=")[1]
    log = client_for("log_interaction")
    survey = client_for("survey")
    # Created long ago, so that the program's surveys below are the report's latest and previous.
    surveys.create_survey(store, "y2026", today=today - timedelta(days=800))
    survey_tokens = [u.rsplit("/", 1)[1] for u in links.issue_links(store, settings, "y2026", 2, today)]
    auth = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    body = {**LOG, "occurred_on": today.isoformat()}
    costs = {
        "open the log form": measured(store, lambda: log.get(f"/?t={token}")),
        "log an interaction": measured(
            store, lambda: log.post("/", json={**body, "submission_id": str(uuid.uuid4())}, headers=auth)
        ),
        "open a survey link": measured(store, lambda: survey.get(f"/{survey_tokens[0]}")),
        "answer the survey": measured(
            store,
            lambda: survey.post(
                f"/{survey_tokens[0]}", data={"year_of_study": "year2"}, headers={"Accept": "text/html"}
            ),
        ),
    }
    assert store.count_sealed("y2026") == 1 and len(list(store.iter_interactions(today, today))) == 1
    planned = {**body, "follow_up_planned": True}  # due in a week: on the supporter's list
    for _ in range(FOLLOW_UPS):
        log.post("/", json={**planned, "submission_id": str(uuid.uuid4())}, headers=auth)
    costs[f"open the log form, {FOLLOW_UPS} follow-ups due"] = measured(
        store, lambda: log.get(f"/?t={token}")
    )
    return costs


FOLLOW_UPS = 3


# A program of 35 supporters, 300 interactions and 200 answers a year, with last year's survey.
SUPPORTERS, INTERACTIONS, ANSWERS, INVITED = 35, 300, 200, 10
BEGIN, END = "<!-- cost table: tests/test_firestore_costs.py -->", "<!-- end of cost table -->"


def program_costs(app) -> dict[str, dict[str, int]]:
    """What the yearly and monthly operations cost for the program above."""
    from datetime import UTC, datetime

    from shared.records import Answer, Interaction
    from shared.services import reports

    store, settings = app.store, app.settings
    today = surveys.today_in(settings)
    year = [today - timedelta(days=n) for n in range(300)]
    ids = [supporters.add_supporter(store, settings, f"Supporter {n}").link for n in range(SUPPORTERS)]
    assert len(ids) == SUPPORTERS
    people = [s.id for s in store.list_supporters()]
    now = datetime.now(UTC)
    store.add_interactions(
        [
            Interaction(
                str(uuid.uuid4()), people[n % SUPPORTERS], year[n % len(year)], {**LOG, "note": f"#{n}"}, now
            )
            for n in range(INTERACTIONS)
        ]
    )
    for survey_id, created in (("z2025", today - timedelta(days=365)), ("z2026", today)):
        surveys.create_survey(store, survey_id, today=created)
        # Released weeks ago: the daily job has nothing left to release.
        answered = today - timedelta(days=30)
        store.add_answers(
            store.get_survey(survey_id),
            [
                Answer(uuid.uuid4().hex, survey_id, answered, {"year_of_study": "year2"})
                for _ in range(ANSWERS)
            ],
        )
    links.issue_links(store, settings, "z2026", ANSWERS, today)
    addresses = [f"student{n}@example.org" for n in range(INVITED)]
    log = client_for("log_interaction")
    token = ids[0].split("?t=")[1]
    urgent = {**LOG, "concern_level": "urgent", "occurred_on": today.isoformat()}
    maintenance = client_for("send_report")
    admin_auth = {"Authorization": f"Bearer {app.settings.admin_token}"}
    costs = {
        f"invite {INVITED} addresses": measured(
            store, lambda: links.invite(store, settings, app.mailer, "z2026", addresses, today)
        ),
        f"remind {INVITED} addresses": measured(
            store,
            lambda: links.remind(store, settings, app.mailer, "z2026", addresses, today + timedelta(days=1)),
        ),
        "the monthly report": measured(
            store, lambda: reports.build(app, reports.ReportOptions(format="json"))
        ),
        "log an urgent interaction": measured(
            store,
            lambda: log.post(
                "/",
                json={**urgent, "submission_id": str(uuid.uuid4())},
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            ),
        ),
        f"purge a survey's {ANSWERS + INVITED} links": measured(
            store, lambda: links.purge(store, settings, "z2026", today)
        ),
    }
    # A deployment upgraded from before the tally: its interactions have no tally documents, and
    # the first daily job rebuilds them (once; later jobs read only the marker that says so).
    for snap in store.client.collection("interaction_tallies").stream():
        snap.reference.delete()

    def daily() -> None:
        maintenance.post("/daily", json={}, headers=admin_auth)

    costs["the first daily job after upgrading to the tally"] = measured(store, daily)
    costs["the daily job called again the same day"] = measured(store, daily)
    app.clock = lambda: datetime.now(UTC) + timedelta(days=1)
    costs["the daily job, nothing to release"] = measured(store, daily)
    return costs


def render_table(costs: dict[str, dict[str, int]]) -> str:
    lines = [BEGIN, "| Operation | Document reads | Writes | Requests |", "|---|---|---|---|"]
    lines += [f"| {name} | {c['reads']} | {c['writes']} | {c['requests']} |" for name, c in costs.items()]
    return "\n".join([*lines, END])


def readme_block() -> str:
    text = (ROOT / "README.md").read_text()
    return text[text.index(BEGIN) : text.index(END) + len(END)]


def test_the_readme_cost_table_is_what_the_adapter_sends(firestore_app, tmp_path):
    """The table between the markers is this test's output. To regenerate it after a change:
    SIDEBYSIDE_WRITE_COST_TABLE=1 .venv/bin/python -m pytest tests/test_firestore_costs.py"""
    import os

    costs = operation_costs(firestore_app)
    costs.update(program_costs(firestore_app))
    table = render_table(costs)
    if os.environ.get("SIDEBYSIDE_WRITE_COST_TABLE"):
        path = ROOT / "README.md"
        path.write_text(path.read_text().replace(readme_block(), table))
    assert readme_block() == table


def plan_follow_ups(store, supporter_id: str, count: int, occurred_on, due) -> None:
    from datetime import UTC, datetime

    from shared.records import FollowUp, Interaction

    now = datetime.now(UTC)
    for _ in range(count):
        key = str(uuid.uuid4())
        store.add_interaction(
            Interaction(key, supporter_id, occurred_on, {**LOG, "follow_up_planned": True}, now),
            plans=FollowUp(key, supporter_id, due),
        )


def test_the_report_and_dashboard_read_only_the_periods_follow_ups(firestore_app):
    """Follow-ups of earlier years cost the report and the dashboard no read (issue 14 attack,
    L12): both ask the store only for the follow-ups due from their period's first day to a year
    after today, among which are all those their period's interactions planned."""
    from datetime import UTC, datetime

    from shared.services import dashboard, reports

    app = firestore_app
    store, settings = app.store, app.settings
    today = surveys.today_in(settings)
    supporters.add_supporter(store, settings, "Sam")
    [sam] = store.list_supporters()
    plan_follow_ups(store, sam.id, 2, today, today + timedelta(days=3))

    def reads() -> tuple[int, int]:
        report = measured(store, lambda: reports.build(app, reports.ReportOptions(format="json")))
        board = measured(store, lambda: dashboard.build(store, settings, datetime.now(UTC)))
        return report["reads"], board["reads"]

    before = reads()
    old = today - timedelta(days=800)
    plan_follow_ups(store, sam.id, 30, old, old + timedelta(days=7))
    assert reads() == before
    assert len(store.follow_ups()) == 32


def test_the_supporters_follow_up_list_reads_its_originals_in_one_request(firestore_app):
    app = firestore_app
    store, settings = app.store, app.settings
    today = surveys.today_in(settings)
    token = supporters.add_supporter(store, settings, "Sam").link.split("?t=")[1]
    [sam] = store.list_supporters()
    log = client_for("log_interaction")
    plan_follow_ups(store, sam.id, 1, today - timedelta(days=40), today + timedelta(days=2))
    one = measured(store, lambda: log.get(f"/?t={token}"))
    plan_follow_ups(store, sam.id, 5, today - timedelta(days=40), today - timedelta(days=1))
    plan_follow_ups(store, sam.id, 4, today - timedelta(days=40), today + timedelta(days=30))  # not yet
    page = log.get(f"/?t={token}")
    six = measured(store, lambda: log.get(f"/?t={token}"))
    listed = set(re.findall(r"follows=([0-9a-f-]{36})", page.get_data(as_text=True)))
    # Due within a week first, then the four due in a month: reachable from the form too.
    assert len(listed) == 10
    assert six["requests"] == one["requests"]  # one query, and one read of all the originals


def test_the_monthly_report_reads_a_bounded_number_of_documents(firestore_app):
    """The report reads the per-day tally, not the interactions: five times as many interactions
    on the same days cost not one more document read (issue 15, item 7)."""
    from datetime import UTC, datetime

    from shared.records import Interaction
    from shared.services import reports

    app = firestore_app
    store, settings = app.store, app.settings
    today = surveys.today_in(settings)
    days = [today - timedelta(days=n) for n in range(20)]
    people = [supporters.add_supporter(store, settings, f"S{n}").link for n in range(3)]
    assert people
    owners = [s.id for s in store.list_supporters()]

    def add(count: int) -> None:
        now = datetime.now(UTC)
        store.add_interactions(
            [
                Interaction(
                    str(uuid.uuid4()), owners[n % 3], days[n % 20], {**LOG, "note": str(uuid.uuid4())}, now
                )
                for n in range(count)
            ]
        )

    def report_reads() -> int:
        return measured(store, lambda: reports.build(app, reports.ReportOptions(format="json")))["reads"]

    add(100)
    few = report_reads()
    add(400)
    many = report_reads()
    assert many == few
    assert few <= len(days) + 3 + 10  # a document per day, the supporters, the surveys and runs
