"""The cloud's stand-ins for the local job loop: ``POST /send_report/alerts`` (every 5 minutes)
and ``POST /send_report/daily`` (purge and release), both behind the same authorization."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.mail import make_mailer
from shared.services import links, surveys
from shared.services.alerts import send_pending_alerts
from tests.conftest import ADMIN_TOKEN
from tests.test_alerts import SENDER, FailsFirst, log, pending, wire

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def test_the_alerts_task_sends_pending_alerts_and_keeps_failed_ones(app, smtp_server, client_for):
    wired = wire(app, FailsFirst(make_mailer(smtp_server.target, SENDER)))
    log("Sam")
    client = client_for("send_report")
    failed = client.post("/alerts", headers=AUTH, json={})
    assert (failed.status_code, failed.get_json()["alerts"]["failed"]) == (200, 1)
    assert smtp_server.messages == []
    later = datetime.now(UTC) + timedelta(minutes=10)  # past the retry back-off
    assert len(pending(later)) == 1  # kept, not lost
    send_pending_alerts(wired, later)  # what the next scheduled call does
    assert [list(m.rcpt_tos) for m in smtp_server.messages] == [["coord@example.org"]]
    again = client.post("/alerts", headers=AUTH, json={})
    assert again.get_json()["alerts"]["sent"] == 0 and len(smtp_server.messages) == 1


def test_the_daily_task_purges_surveys_past_their_grace_period(app, client_for):
    store, settings = app.store, app.settings
    today = surveys.today_in(settings)
    surveys.create_survey(store, "old", today=today - timedelta(days=60))
    links.issue_links(store, settings, "old", 3, today)
    surveys.close_survey(store, settings, "old", today - timedelta(days=settings.purge_grace_days + 1))
    response = client_for("send_report").post("/daily", headers=AUTH, json={})
    assert (response.status_code, response.get_json()["task"]) == (200, "daily")
    assert store.get_survey("old").purged_on is not None


def test_the_daily_task_releases_sealed_answers_and_repeats_harmlessly(app, client_for):
    store, settings = app.store, app.settings
    today = surveys.today_in(settings)
    surveys.create_survey(store, "now", today=today)
    k = settings.small_cell
    for token in [
        url.rsplit("/", 1)[1] for url in links.issue_links(store, settings, "now", 2 * k + 3, today)
    ]:
        surveys.submit_answer(store, token, {"suggestions": "fine"}, "en", today, settings.secret_key)
    client = client_for("send_report")
    for _ in range(3):  # Cloud Scheduler delivers at least once: repeats change nothing
        assert client.post("/daily", headers=AUTH, json={}).status_code == 200
        assert (store.count_answers("now"), store.count_sealed("now")) == (k + 3, k)
    assert store.invitations("old") == []


def test_maintenance_tasks_need_authorization_and_unknown_tasks_are_404(app, client_for, monkeypatch):
    monkeypatch.delenv("K_SERVICE", raising=False)
    client = client_for("send_report")
    assert client.post("/daily", json={}).status_code == 401
    assert client.post("/vacuum", headers=AUTH, json={}).status_code == 404
    assert client.get("/alerts", headers=AUTH).status_code == 405
