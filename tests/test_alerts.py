"""Urgent-concern alerts through a real SMTP server (on the in-memory store; the contract suite holds SQLite and Firestore to the same behaviour): one email to the
coordinators with nothing about the student, kept and retried when mail fails, never twice."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared import bootstrap
from shared.mail import Mailer, MailError, Message, make_mailer
from shared.services import alerts, interactions, supporters
from tests.conftest import REAL_STORES

SENDER = "Side-by-Side <alerts@example.org>"


def answers(**changes: Any) -> dict[str, Any]:
    day = interactions.today(bootstrap.app().settings)
    base = {
        "occurred_on": day.isoformat(),
        "format": "phone",
        "initiated_by": "student",
        "duration_minutes": 45,
        "year_of_study": "year3",
        "topics": ["finances", "personal_relationships"],
        "concern_level": "urgent",
        "referral": "crisis_or_emergency",
        "follow_up_planned": True,
        "note": "Talked about the breakup with Jordan",
    }
    return {**base, **changes}


def log(alias: str = "Sam", email: str | None = None, **changes: Any) -> str:
    """Log an interaction the way the log function does; returns its id."""
    app = bootstrap.app()
    supporter = (
        app.store.find_supporter(alias)
        or supporters.add_supporter(app.store, app.settings, alias, email).supporter
    )
    submission = str(uuid.uuid4())
    interactions.record(
        app.store,
        supporter,
        answers(**changes),
        submission=submission,
        context=interactions.validation_context(app.settings, "en"),
    )
    return submission


def pending(now: datetime | None = None) -> list[Any]:
    """The alerts not yet mailed (whoever may be mailing them at ``now``)."""
    return bootstrap.app().store.pending_alerts()


def wire(app: Any, mailer: Mailer) -> Any:
    """Send the test's App's mail through ``mailer`` (the web apps already hold this App)."""
    app._mailer = mailer
    return app


@pytest.fixture
def smtp_app(app, smtp_server):
    """The program mailing through the loopback SMTP server."""
    return wire(app, make_mailer(smtp_server.target, SENDER))


class FailsFirst(Mailer):
    """The real SMTP mailer, except that the first ``failures`` sends raise MailError."""

    def __init__(self, real: Mailer, failures: int = 1) -> None:
        super().__init__(real.sender)
        self.real = real
        self.failures = failures

    def send(self, message: Message) -> str:
        if self.failures:
            self.failures -= 1
            raise MailError("smtp 127.0.0.1: 451 try again later")
        return self.real.send(message)


def test_an_urgent_log_sends_one_email_with_the_alias_and_nothing_about_the_student(smtp_app, smtp_server):
    log("Sam R.", email="Sam.R@Exämple.org")
    now = datetime.now(UTC)
    [alert] = pending(now)

    assert alerts.send_pending_alerts(smtp_app, now) == {"sent": 1, "failed": 0, "taken": 0}
    assert alerts.send_pending_alerts(smtp_app, now) == {"sent": 0, "failed": 0, "taken": 0}

    [received] = smtp_server.messages
    assert received.rcpt_tos == ("coord@example.org",)
    assert received.message["Subject"] == (
        "[Side-by-Side] Urgent concern logged by Sam R. / Inquiétude urgente consignée par Sam R."
    )
    # Issue 12 item 7: the supporter's contact, also as Reply-To (the domain in IDNA form).
    assert received.message["Reply-To"] == "Sam.R@xn--exmple-cua.org"
    text = received.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    day = interactions.today(smtp_app.settings).isoformat()
    logged = alert.created_at.astimezone(smtp_app.settings.timezone).strftime("%Y-%m-%d %H:%M %Z")
    english = (
        "Sam R. logged an interaction with an urgent level of concern for the student.\n"
        "Please contact Sam R. to follow up: Sam.R@xn--exmple-cua.org (replying to this email reaches them).\n"
        "\n"
        f"Date: {day}\n"
        "Format: Phone call\n"
        "Referral: Crisis line or emergency services\n"
        "Follow-up planned: Yes\n"
        f"Logged at: {logged}\n"
        "\n"
        "Side-by-Side Peer Support Program"
    )
    # In English then French, like the program's other mail (one email to every coordinator).
    french = (
        "Sam R. a consigné une interaction avec un niveau d'inquiétude urgent pour l'étudiant ou l'étudiante.\n"
        "Veuillez communiquer avec Sam R. pour faire le suivi\u00a0: Sam.R@xn--exmple-cua.org "
        "(une réponse à ce courriel lui parvient).\n"
        "\n"
        f"Date\u00a0: {day}\n"
        "Mode de contact\u00a0: Appel téléphonique\n"
        "Orientation\u00a0: Ligne de crise ou services d'urgence\n"
        "Suivi prévu\u00a0: Oui\n"
        f"Consignée le\u00a0: {logged}\n"
        "\n"
        "Programme de soutien par les pairs Side-by-Side"
    )
    assert text == f"(Le français suit.)\n\n{english}\n\n-----\n\n{french}\n"
    assert "?:" not in text and ".." not in text
    for student_detail in ("Jordan", "breakup", "Year 3", "year3", "Finances", "relationships", "45 min"):
        assert student_detail not in text
    assert pending(now + timedelta(days=1)) == []


def test_a_log_that_is_not_urgent_sends_nothing(smtp_app, smtp_server):
    log("Sam", concern_level="some")
    assert alerts.send_pending_alerts(smtp_app) == {"sent": 0, "failed": 0, "taken": 0}
    assert smtp_server.messages == []


def test_a_mail_failure_keeps_the_alert_and_a_retry_sends_it_exactly_once(app, smtp_server):
    flaky = wire(app, FailsFirst(make_mailer(smtp_server.target, SENDER)))
    log("Sam")
    now = datetime.now(UTC)

    assert alerts.send_pending_alerts(flaky, now) == {"sent": 0, "failed": 1, "taken": 0}
    [kept] = pending(now + timedelta(days=1))
    claim = flaky.store.get_claim(alerts.ALERT, kept.id)
    assert (kept.state, claim.state, claim.failures, claim.error, claim.next_try) == (
        "pending",
        "failed",
        1,
        "smtp 127.0.0.1: 451 try again later",
        now + timedelta(seconds=20),
    )
    assert smtp_server.messages == []

    # The next pass comes 20 s after a failure at the earliest (then 40 s, 80 s ... 5 min).
    assert alerts.send_pending_alerts(flaky, now + timedelta(seconds=5)) == {
        "sent": 0,
        "failed": 0,
        "taken": 0,
    }
    assert alerts.send_pending_alerts(flaky, now + timedelta(seconds=21)) == {
        "sent": 1,
        "failed": 0,
        "taken": 0,
    }
    assert alerts.send_pending_alerts(flaky, now + timedelta(minutes=10)) == {
        "sent": 0,
        "failed": 0,
        "taken": 0,
    }
    assert len(smtp_server.messages) == 1
    assert pending(now + timedelta(days=1)) == []


def test_an_alert_failing_through_hours_of_mail_outage_keeps_failing_cleanly(app, smtp_server):
    """attack2 M1: the 43rd failure in a row (some 3.5 hours of outage, a pass every 20 s to
    5 min) overflowed the backoff; the failure branch raised, leaving the alert's claim
    "claimed" (nobody retried it for 5 minutes) and the batch's other alerts unrecorded."""
    down = wire(app, FailsFirst(make_mailer(smtp_server.target, SENDER), failures=60))
    log("Sam")
    now = datetime.now(UTC)
    for _ in range(60):
        [waiting] = pending()
        claim = down.store.get_claim(alerts.ALERT, waiting.id)
        now = max(now, claim.next_try) if claim is not None else now
        assert alerts.send_pending_alerts(down, now)["failed"] == 1
    claim = down.store.get_claim(alerts.ALERT, waiting.id)
    assert (claim.state, claim.failures, claim.next_try) == ("failed", 60, now + timedelta(minutes=5))
    assert alerts.send_pending_alerts(down, now + timedelta(minutes=5))["sent"] == 1  # the mail is back
    assert len(smtp_server.messages) == 1


def test_no_coordinator_address_keeps_the_alert_with_the_reason(app, smtp_server, settings_env, tmp_path):
    from shared import config

    settings = config.load({**settings_env, "SIDEBYSIDE_COORDINATORS": ""}, base=tmp_path)
    configured = bootstrap.configure(
        settings=settings, store=app.store, mailer=make_mailer(smtp_server.target, SENDER)
    )
    log("Sam")
    assert alerts.send_pending_alerts(configured) == {"sent": 0, "failed": 1, "taken": 0}
    [kept] = pending(datetime.now(UTC) + timedelta(days=1))
    assert (
        configured.store.get_claim(alerts.ALERT, kept.id).error
        == "no coordinator address is set (SIDEBYSIDE_COORDINATORS or sidebyside coordinators add)"
    )
    assert smtp_server.messages == []


@pytest.mark.stores(*REAL_STORES)  # concurrent claims on the real adapters
def test_concurrent_senders_send_each_alert_once(smtp_app, smtp_server):
    for alias in ("Ana", "Ben", "Cy", "Dee", "Eli"):
        log(alias)
    now = datetime.now(UTC)
    start = threading.Barrier(4)
    results: list[dict[str, int]] = []

    def sender() -> None:
        start.wait()
        results.append(alerts.send_pending_alerts(smtp_app, now))

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    subjects = Counter(r.message["Subject"] for r in smtp_server.messages)
    assert subjects == Counter(
        f"[Side-by-Side] Urgent concern logged by {a} / Inquiétude urgente consignée par {a}"
        for a in ("Ana", "Ben", "Cy", "Dee", "Eli")
    )
    assert sum(r["sent"] for r in results) == 5
    assert pending(now + timedelta(days=1)) == []


def test_a_claim_left_by_a_crashed_sender_is_taken_over_after_five_minutes(smtp_app, smtp_server):
    log("Sam")
    now = datetime.now(UTC)
    [alert] = pending(now)
    assert smtp_app.store.claim(alerts.ALERT, alert.id, now, now) is not None  # a sender claims it, then dies

    assert alerts.send_pending_alerts(smtp_app, now + timedelta(minutes=4)) == {
        "sent": 0,
        "failed": 0,
        "taken": 0,
    }
    assert alerts.send_pending_alerts(smtp_app, now + timedelta(minutes=6)) == {
        "sent": 1,
        "failed": 0,
        "taken": 0,
    }
    assert len(smtp_server.messages) == 1


def test_send_alert_now_sends_the_new_alert_once_and_never_raises(app, smtp_server):
    flaky = wire(app, FailsFirst(make_mailer(smtp_server.target, SENDER)))
    log("Sam")
    [alert] = pending(datetime.now(UTC))

    assert alerts.send_alert_now(flaky, alert.id) is False  # mail down: kept for the retry loop
    assert smtp_server.messages == []
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert alerts.send_alert_now(flaky, alert.id, later) is True
    assert alerts.send_alert_now(flaky, alert.id, later) is False  # already sent: not again
    assert alerts.send_pending_alerts(flaky, later) == {"sent": 0, "failed": 0, "taken": 0}
    assert len(smtp_server.messages) == 1


def test_a_flood_of_urgent_logs_sends_one_email_per_supporter_per_five_minutes_and_drops_none(
    smtp_app, smtp_server
):
    """Issue 13 item 9: ten urgent logs from one link were ten emails."""
    now = datetime.now(UTC)
    ids = []
    for _ in range(10):
        ids.append(log("Sam"))
        # What the log function does after each store: try to send that alert now.
        alerts.send_alert_now(smtp_app, _newest(now).id, now)
    log("Kim")  # another supporter's alert is not held back by Sam's
    alerts.send_alert_now(smtp_app, _newest(now).id, now)
    assert [m.message["Subject"] for m in smtp_server.messages] == [
        "[Side-by-Side] Urgent concern logged by Sam / Inquiétude urgente consignée par Sam",
        "[Side-by-Side] Urgent concern logged by Kim / Inquiétude urgente consignée par Kim",
    ]
    assert len(pending(now)) == 9  # held, not dropped

    # The retry loop within the five minutes sends nothing more ...
    assert alerts.send_pending_alerts(smtp_app, now + timedelta(minutes=4)) == {
        "sent": 0,
        "failed": 0,
        "taken": 0,
        "held": 9,
    }
    assert len(smtp_server.messages) == 2
    # ... and once they are over, one email lists the nine that waited.
    later = now + timedelta(minutes=5, seconds=1)
    assert alerts.send_pending_alerts(smtp_app, later) == {"sent": 9, "failed": 0, "taken": 0}
    assert pending(later + timedelta(days=1)) == []
    last = smtp_server.messages[-1].message
    assert last["Subject"] == (
        "[Side-by-Side] 9 urgent concerns logged by Sam / 9 inquiétudes urgentes consignées par Sam"
    )
    text = last.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith(
        "(Le français suit.)\n\nSam logged 9 interactions with an urgent level of concern for the student."
    )
    assert "Sam a consigné 9 interactions avec un niveau d'inquiétude urgent" in text
    assert text.count("Logged at: ") == 9 and text.count("Consignée le\u00a0: ") == 9
    assert len(smtp_server.messages) == 3


def _newest(now: datetime) -> Any:
    return max(pending(now), key=lambda a: (a.created_at, a.id))
