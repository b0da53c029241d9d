"""What each operation costs on Firestore: the reads, writes and requests the adapter sends to
the emulator, measured here and checked against the cost table in the README, so the table
stays true."""

from __future__ import annotations

import re
import uuid
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
    surveys.create_survey(store, "y2026", today=today)
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
    return costs


def readme_table() -> dict[str, dict[str, int]]:
    text = (ROOT / "README.md").read_text()
    rows = re.findall(
        r"^\| (open the log form|log an interaction|open a survey link|answer the survey) \| (\d+) \| (\d+) \| (\d+) \|",
        text,
        re.M,
    )
    return {name: {"reads": int(r), "writes": int(w), "requests": int(q)} for name, r, w, q in rows}


def test_the_readme_cost_table_matches_what_the_adapter_sends(firestore_app):
    costs = operation_costs(firestore_app)
    for name, cost in costs.items():
        print(f"| {name} | {cost['reads']} | {cost['writes']} | {cost['requests']} |")
    assert readme_table() == costs
