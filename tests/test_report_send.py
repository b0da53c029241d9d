"""The scheduled report goes out at most once per period: retried, concurrent, after a failure,
after a sender died; through the service, the ``send_report`` function and the CLI. Mail goes to
the loopback SMTP server or the outbox; a failure is injected through a Mailer subclass."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from shared.cli import cli
from shared.mail import Mailer, MailError, Message, make_mailer
from shared.report.period import period_key
from shared.services import reports
from tests.conftest import ADMIN_TOKEN, REAL_STORES
from tests.test_report_support import NOW, add_survey, paired_answers, strict_json

PERIOD = "2026-11"


class FailingMailer(Mailer):
    """The transport refuses: the fault under test, through the project's own port."""

    def __init__(self) -> None:
        super().__init__("report@example.org")
        self.calls = 0

    def send(self, message: Message) -> str:
        self.calls += 1
        raise MailError("smtp.example.org:587 refused the connection")


class SlowMailer(Mailer):
    """Records each message after a pause, so concurrent callers overlap while one sends."""

    def __init__(self) -> None:
        super().__init__("report@example.org")
        self.sent: list[Message] = []
        self._lock = threading.Lock()

    def send(self, message: Message) -> str:
        time.sleep(0.3)
        with self._lock:
            self.sent.append(message)
            return f"id-{len(self.sent)}"


def wire(app, mailer: Mailer):
    """Send the test's App's mail through ``mailer`` (the web apps already hold this App)."""
    app._mailer = mailer
    return app


@pytest.fixture
def smtp_app(app, smtp_server):
    add_survey(app.store, "2026", paired_answers({"career_impact": (1, 2, 0, 5)}))
    return wire(app, make_mailer(smtp_server.target, "report@example.org"))


def test_a_retry_after_success_sends_nothing_and_says_so(smtp_app, smtp_server):
    first = reports.send_scheduled_report(smtp_app, NOW)
    assert (first["status"], first["period"], first["attempt"]) == ("sent", PERIOD, 1)
    again = reports.send_scheduled_report(smtp_app, NOW + timedelta(hours=3))
    assert (again["status"], again["period"], again["attempt"]) == ("already_sent", PERIOD, 1)
    assert len(smtp_server.messages) == 1
    run = smtp_app.store.get_claim(reports.REPORT, PERIOD)
    assert (run.state, run.attempt) == ("done", 1)


def test_a_failure_is_recorded_and_the_retry_sends(app, smtp_server):
    failing = FailingMailer()
    with pytest.raises(reports.ReportNotSent, match="refused the connection"):
        reports.send_scheduled_report(wire(app, failing), NOW)
    run = app.store.get_claim(reports.REPORT, PERIOD)
    assert (run.state, run.attempt, run.failures) == ("failed", 1, 1)
    assert "refused the connection" in run.error
    assert smtp_server.messages == []

    working = wire(app, make_mailer(smtp_server.target, "report@example.org"))
    result = reports.send_scheduled_report(working, NOW + timedelta(minutes=1))
    assert (result["status"], result["attempt"]) == ("sent", 2)
    assert len(smtp_server.messages) == 1
    assert reports.send_scheduled_report(working, NOW + timedelta(minutes=2))["status"] == "already_sent"
    assert len(smtp_server.messages) == 1
    assert failing.calls == 1


@pytest.mark.stores(*REAL_STORES)  # concurrent claims on the real adapters
def test_concurrent_calls_send_once(app):
    mailer = SlowMailer()
    wired = wire(app, mailer)
    start = threading.Barrier(6)
    outcomes: list[str] = []
    lock = threading.Lock()

    def call() -> None:
        start.wait()
        try:
            outcome = reports.send_scheduled_report(wired, NOW)["status"]
        except reports.ReportInProgress:
            outcome = "in_progress"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == 6
    assert outcomes.count("sent") == 1, outcomes
    assert set(outcomes) <= {"sent", "in_progress", "already_sent"}
    assert len(mailer.sent) == 1
    assert app.store.get_claim(reports.REPORT, PERIOD).state == "done"


def test_a_fresh_claim_is_left_alone_and_a_stale_one_taken_over(app):
    mailer = SlowMailer()
    wired = wire(app, mailer)
    claimed_at = NOW - timedelta(minutes=5)
    assert app.store.claim(reports.REPORT, PERIOD, claimed_at, claimed_at) is not None
    with pytest.raises(reports.ReportInProgress):
        reports.send_scheduled_report(wired, NOW)
    assert mailer.sent == []

    # 20 minutes after the claim its sender must have died (no run lasts 15 minutes).
    later = claimed_at + timedelta(minutes=20)
    result = reports.send_scheduled_report(wired, later)
    assert (result["status"], result["attempt"]) == ("sent", 2)
    assert len(mailer.sent) == 1


def test_force_sends_again_under_a_new_attempt(smtp_app, smtp_server):
    reports.send_scheduled_report(smtp_app, NOW)
    again = reports.send_scheduled_report(smtp_app, NOW, force=True)
    assert (again["status"], again["attempt"]) == ("sent", 2)
    assert len(smtp_server.messages) == 2


def test_the_period_is_the_month_in_the_program_time_zone():
    from zoneinfo import ZoneInfo

    toronto = ZoneInfo("America/Toronto")
    assert period_key(datetime(2026, 11, 1, 3, 0, tzinfo=UTC), toronto) == "2026-10"  # still 31 October there
    assert period_key(datetime(2026, 11, 1, 5, 0, tzinfo=UTC), toronto) == "2026-11"


# -- the send_report function -------------------------------------------------------------


def post(client, token: str | None = ADMIN_TOKEN, method: str = "POST"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.open("/", method=method, headers=headers, json={})


def test_function_sends_once_and_says_so_after(app, client_for, outbox):
    add_survey(app.store, "2026", paired_answers({"career_impact": (1, 2, 0, 5)}))
    client = client_for("send_report")
    first = post(client)
    assert first.status_code == 200, first.get_data(as_text=True)
    body = first.get_json()
    assert body["status"] == "sent" and body["period"] == period_key(datetime.now(UTC), app.settings.timezone)
    again = post(client)
    assert (again.status_code, again.get_json()["status"]) == (200, "already_sent")
    assert len(outbox.messages()) == 1


def test_function_is_post_only_and_needs_the_token_locally(app, client_for, outbox, monkeypatch):
    monkeypatch.delenv("K_SERVICE", raising=False)
    client = client_for("send_report")
    for method in ("GET", "PUT", "DELETE"):
        response = post(client, method=method)
        assert response.status_code == 405
        assert response.headers["Allow"] == "POST"
    assert post(client, token=None).status_code == 401
    assert post(client, token="wrong-token").status_code == 401
    assert outbox.messages() == []
    assert app.store.get_claim(reports.REPORT, period_key(datetime.now(UTC), app.settings.timezone)) is None


def test_function_behind_cloud_iam_needs_no_admin_token(app, client_for, outbox, monkeypatch):
    monkeypatch.setenv("K_SERVICE", "sbs-send-report")  # set by Cloud Run; IAM checked the caller
    response = post(client_for("send_report"), token="an-oidc-id-token-from-cloud-scheduler")
    assert (response.status_code, response.get_json()["status"]) == (200, "sent")
    assert len(outbox.messages()) == 1


def test_function_failure_is_503_and_the_retry_sends(app, client_for, outbox):
    client = client_for("send_report")
    wire(app, FailingMailer())
    failed = post(client)
    assert failed.status_code == 503
    assert failed.headers["Retry-After"] == "60"
    assert "refused" in failed.get_json()["message"]
    wire(app, make_mailer(outbox.target, "report@example.org"))
    retried = post(client)
    assert (retried.status_code, retried.get_json()["status"], retried.get_json()["attempt"]) == (
        200,
        "sent",
        2,
    )
    assert len(outbox.messages()) == 1


# -- the CLI ------------------------------------------------------------------------------


def run(*args: str):
    return CliRunner().invoke(cli, ["report", *args])


def test_cli_send_then_already_sent_then_force(app, outbox):
    add_survey(app.store, "2026", paired_answers({"career_impact": (1, 2, 0, 5)}))
    first = run("--send")
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("Sent the report covering ") and "coord@example.org" in first.stdout
    # Named as the report names its period (the days it covers), not by the month it ran in.
    covers = re.search(r"covering (.+) to coord", first.stdout).group(1)
    assert re.fullmatch(r"1 \w+ \d{4} to \d{1,2} \w+ \d{4}", covers) and "-" not in covers
    second = run("--send")
    assert second.exit_code == 0
    assert "was already sent (attempt 1); nothing was sent" in second.stdout
    forced = run("--send", "--force")
    assert forced.exit_code == 0 and "(attempt 2)" in forced.stdout
    assert len(outbox.messages()) == 2


def test_cli_says_an_unknown_survey_once(app):
    result = run("--survey", "nosuch")
    assert result.exit_code == 1 and result.output.lower().count("nosuch") == 1, result.output


def test_cli_prints_each_format(app):
    add_survey(app.store, "2026", paired_answers({"career_impact": (1, 2, 0, 5)}))
    text = run()
    assert text.exit_code == 0 and "Barriers to seeking help (8 respondents)" in text.stdout
    as_json = run("--format", "json", "--test", "independent")
    assert strict_json(as_json.stdout)["survey"]["barriers"][0]["test"] == "Fisher's exact"
    html = run("--format", "html")
    assert html.stdout.startswith("<!doctype html>") and "data:image/png;base64," in html.stdout


def test_cli_bad_options_are_one_line_errors(app):
    bad = run("--from", "2026-02-30")
    assert bad.exit_code == 1
    assert "--from: must be a date as YYYY-MM-DD" in bad.stderr
    assert "Traceback" not in bad.output
    assert run("--force").exit_code == 2  # --force only goes with --send
    missing = run("--survey", "nope")
    assert missing.exit_code == 1 and "no survey 'nope'" in missing.stderr
    refused = run("--send", "--survey", "nope")
    assert refused.exit_code == 1 and "no survey 'nope'" in refused.stderr
    assert app.store.get_claim(reports.REPORT, period_key(datetime.now(UTC), app.settings.timezone)) is None


@pytest.mark.parametrize(
    ("option", "value"), [("--to", "9999-12-31"), ("--to", "0001-01-01"), ("--from", "1999-01-01")]
)
def test_cli_refuses_a_period_out_of_range_in_one_line(app, option, value):
    result = run(option, value)
    assert result.exit_code == 1 and result.exception is not None and isinstance(result.exception, SystemExit)
    [line] = result.output.strip().splitlines()
    assert line.startswith("Error: ") and f"{option}: must be from 2020-01-01 to " in line
