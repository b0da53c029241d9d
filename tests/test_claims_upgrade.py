"""Upgrading a store made before claims (issue 9, item 4): what the old version sent is not sent
again, and what it left waiting still goes out.

The old version kept its scheduled work in "report runs" (one per period or key: the report,
Send now, the alert emails' windows, the digest) and each alert's tries on the alert itself
(pending, sending, sent). Its records are written here as it wrote them: on SQLite into a file
made with its schema (copied below from the last version before claims), which the adapter
upgrades on opening; on Firestore as its documents, which the adapter reads back."""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared import bootstrap, config
from shared.mail import make_mailer
from shared.records import FollowUp, Interaction, Supporter
from shared.report.period import period_key
from shared.services import alerts, digest, reports
from shared.store.port import Store
from tests.conftest import make_firestore
from tests.test_alerts import SENDER

# The SQLite schema of the last version before claims: its alerts carry their claim, and the
# report, Send now, alert windows and digests share report_runs and report_claims.
OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS supporters (
    id TEXT PRIMARY KEY, alias TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS interactions (
    id TEXT PRIMARY KEY, supporter_id TEXT NOT NULL, occurred_on TEXT NOT NULL,
    created_at TEXT NOT NULL, answers TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS interactions_by_day ON interactions (occurred_on, id);
CREATE INDEX IF NOT EXISTS interactions_by_supporter ON interactions (supporter_id, occurred_on);
CREATE INDEX IF NOT EXISTS interactions_latest ON interactions (supporter_id, created_at);
CREATE TABLE IF NOT EXISTS follow_ups (
    id TEXT PRIMARY KEY, supporter_id TEXT NOT NULL, state TEXT NOT NULL, due TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS follow_ups_by_supporter ON follow_ups (supporter_id, due, id);
CREATE INDEX IF NOT EXISTS follow_ups_by_due ON follow_ups (due, id);
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY, state TEXT NOT NULL, claimed_at TEXT, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS alerts_by_state ON alerts (state, claimed_at);
CREATE TABLE IF NOT EXISTS surveys (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS links (
    hash TEXT PRIMARY KEY, survey_id TEXT NOT NULL, email_key TEXT, doc TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS links_by_survey ON links (survey_id, hash);
CREATE TABLE IF NOT EXISTS redemptions (hash TEXT PRIMARY KEY, survey_id TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS redemptions_by_survey ON redemptions (survey_id);
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY, survey_id TEXT NOT NULL, day TEXT NOT NULL, answers TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS answers_by_survey ON answers (survey_id, id);
CREATE TABLE IF NOT EXISTS sealed_answers (
    id TEXT PRIMARY KEY, survey_id TEXT NOT NULL, box BLOB NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sealed_by_survey ON sealed_answers (survey_id, id);
CREATE TABLE IF NOT EXISTS report_claims (
    period TEXT NOT NULL, attempt INTEGER NOT NULL, claimed_at TEXT NOT NULL,
    PRIMARY KEY (period, attempt)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS report_runs (period TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS coordinators (email TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sign_in_tokens (hash TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS console_sessions (
    hash TEXT PRIMARY KEY, email TEXT NOT NULL, doc TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS console_sessions_by_email ON console_sessions (email);
CREATE TABLE IF NOT EXISTS audit (key TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alert_acks (alert_id TEXT PRIMARY KEY, at TEXT NOT NULL, doc TEXT NOT NULL);
"""

SUPPORTER = "5a" * 16
SEND_KEY = "a-console-form-key-0123"
NOW = datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def old_alert(
    alert_id: str, state: str, attempts: int = 0, claimed_at: datetime | None = None
) -> dict[str, Any]:
    """An alert as the old version stored it, its claim on itself."""
    return {
        "id": alert_id,
        "interaction_id": f"i-{alert_id}",
        "created_at": iso(NOW - timedelta(hours=1)),
        "state": state,
        "attempts": attempts,
        "claimed_at": iso(claimed_at) if claimed_at else None,
        "last_error": "smtp: 451 try again later" if attempts else "",
        "kind": "urgent",
        "supporter_id": SUPPORTER,
    }


OLD_ALERTS = [
    old_alert("al-pending", "pending", attempts=1, claimed_at=NOW - timedelta(hours=1)),
    old_alert("al-sending", "sending", attempts=1, claimed_at=NOW - timedelta(hours=1)),  # its sender died
    old_alert("al-sent", "sent", attempts=1, claimed_at=NOW - timedelta(hours=1)),
]


def old_runs(settings: config.Settings, report_state: str) -> dict[str, dict[str, Any]]:
    """The report runs the old version left: this month's report, this week's digest for the
    supporter, a Send now form, and an alert email of the past hour."""
    today = NOW.astimezone(settings.timezone).date()
    window = (NOW - timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)

    def run(period: str, state: str, attempt: int = 1, detail: str = "") -> tuple[str, dict[str, Any]]:
        at = iso(NOW - timedelta(hours=2))
        return period, {
            "period": period,
            "state": state,
            "attempt": attempt,
            "updated_at": at,
            "detail": detail,
        }

    return dict(
        [
            run(period_key(NOW, settings.timezone), report_state, 2, "id-report"),
            run(f"digest-{digest.week_of(today)}-{SUPPORTER}", "sent"),
            run(f"send-now-{SEND_KEY}", "sent", 1, "id-send-now"),
            run(f"alert-mail_{SUPPORTER}_{window:%Y%m%dT%H%M}", "sent"),
        ]
    )


def sqlite_before_claims(path: Path, runs: dict[str, dict[str, Any]]) -> Store:
    """A database file the old version made and used, opened by this version."""
    from shared.store.sqlite import SqliteStore

    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    for doc in OLD_ALERTS:
        db.execute(
            "INSERT INTO alerts VALUES (?, ?, ?, ?)",
            (doc["id"], doc["state"], doc["claimed_at"], json.dumps(doc)),
        )
    for period, doc in runs.items():
        db.execute("INSERT INTO report_runs VALUES (?, ?)", (period, json.dumps(doc)))
        db.execute("INSERT INTO report_claims VALUES (?, ?, ?)", (period, doc["attempt"], doc["updated_at"]))
    db.commit()
    db.close()
    return SqliteStore(path)


def firestore_before_claims(runs: dict[str, dict[str, Any]]) -> Store:
    """A Firestore database the old version used, as its documents."""
    store = make_firestore(os.environ["FIRESTORE_EMULATOR_HOST"])
    client = store.client  # type: ignore[attr-defined]
    for doc in OLD_ALERTS:
        client.collection("alerts").document(doc["id"]).set(doc)
    for period, doc in runs.items():
        client.collection("report_runs").document(period).set(doc)
        client.collection("report_claims").document(f"{period}-{doc['attempt']}").set({"at": NOW})
    return store


def upgraded(
    kind: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    settings_env: dict[str, str],
    smtp_server,
    report_state: str = "sent",
):
    settings = config.load(settings_env, base=tmp_path)
    runs = old_runs(settings, report_state)
    if kind == "sqlite":
        store = sqlite_before_claims(tmp_path / "before-claims.db", runs)
    else:
        request.getfixturevalue("emulator_host")
        store = firestore_before_claims(runs)
    request.addfinalizer(bootstrap.reset)
    app = bootstrap.configure(settings=settings, store=store, mailer=make_mailer(smtp_server.target, SENDER))
    # What did not change shape: the supporter, the alerts' interactions, a follow-up due.
    store.add_supporter(Supporter(SUPPORTER, "Sam", "sam@example.org"))
    today = NOW.astimezone(settings.timezone).date()
    for doc in OLD_ALERTS:
        answers = {"format": "phone", "concern_level": "urgent", "follow_up_planned": False}
        store.add_interaction(
            Interaction(doc["interaction_id"], SUPPORTER, today, answers, NOW - timedelta(hours=1))
        )
    planned = Interaction(str(uuid.uuid4()), SUPPORTER, today, {"format": "video"}, NOW)
    store.add_interaction(planned, plans=FollowUp(planned.id, SUPPORTER, today))
    return app


KINDS = ["sqlite", pytest.param("firestore", marks=pytest.mark.emulator)]


@pytest.mark.parametrize("kind", KINDS)
def test_what_the_old_version_sent_is_not_sent_again(kind, request, tmp_path, settings_env, smtp_server):
    app = upgraded(kind, request, tmp_path, settings_env, smtp_server)
    period = period_key(NOW, app.settings.timezone)
    sent = reports.send_scheduled_report(app, NOW)
    assert (sent["status"], sent["period"], sent["attempt"]) == ("already_sent", period, 2)
    assert digest.send_digests(app.store, app.settings, app.mailer, NOW) == {
        "digests_sent": 0,
        "digests_failed": 0,
    }
    assert reports.send_once(app, reports.ReportOptions(), SEND_KEY, NOW) == NOW - timedelta(hours=2)
    assert smtp_server.messages == []
    assert app.store.get_claim(reports.REPORT, period).note == "id-report"


@pytest.mark.parametrize("kind", KINDS)
def test_what_the_old_version_left_waiting_still_goes_out_once(
    kind, request, tmp_path, settings_env, smtp_server
):
    app = upgraded(kind, request, tmp_path, settings_env, smtp_server, report_state="failed")
    assert alerts.send_pending_alerts(app, NOW) == {"sent": 2, "failed": 0, "taken": 0}
    [mail] = smtp_server.messages
    assert mail.message["Subject"].startswith("[Side-by-Side] 2 urgent concerns logged by Sam / ")
    assert app.store.pending_alerts() == []
    # This month's report had failed twice: the next call sends it, as attempt 3, once.
    sent = reports.send_scheduled_report(app, NOW)
    assert (sent["status"], sent["attempt"]) == ("sent", 3)
    assert reports.send_scheduled_report(app, NOW)["status"] == "already_sent"
    assert len(smtp_server.messages) == 2
    assert alerts.send_pending_alerts(app, NOW + timedelta(hours=1))["sent"] == 0


def test_sqlite_moves_the_runs_into_claims_once_and_drops_the_old_tables(
    request, tmp_path, settings_env, smtp_server
):
    from shared.store.sqlite import SqliteStore

    app = upgraded("sqlite", request, tmp_path, settings_env, smtp_server)
    path = tmp_path / "before-claims.db"
    tables = {
        row[0] for row in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    assert "claims" in tables and not {"report_runs", "report_claims"} & tables
    window = (NOW - timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    key = f"{SUPPORTER}_{window:%Y%m%dT%H%M}"
    adopted = app.store.get_claim(alerts.BATCH, key)
    assert (adopted.state, adopted.attempt, adopted.finished_at) == ("done", 1, NOW - timedelta(hours=2))
    app.store.close()
    again = SqliteStore(path)  # opening it again changes nothing
    assert again.get_claim(alerts.BATCH, key) == adopted
    assert [a.id for a in again.pending_alerts()] == ["al-pending", "al-sending"]
    again.close()
