"""The weekly email of follow-ups due, through the real SMTP test server (aiosmtpd on loopback),
on the in-memory store: once per supporter and week however often the job runs, only to supporters with
an email who did not opt out, and the opt-out link works (issue 14)."""

# ruff: noqa: F811

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared import bootstrap, jobs
from shared.mail import make_mailer
from shared.services import digest, follow_ups, supporters
from shared.services.tokens import make_digest_key
from tests.test_alerts import SENDER
from tests.test_log_support import add_supporter, answers, log_client, post_json, sam, today  # noqa: F401


@pytest.fixture
def mail_app(app, smtp_server):
    """The program mailing through the SMTP server."""
    return bootstrap.configure(
        settings=app.settings, store=app.store, mailer=make_mailer(smtp_server.target, SENDER)
    )


def log(client, token: str, **changes) -> str:
    key = str(uuid.uuid4())
    assert post_json(client, token, answers(**changes), key=key).status_code == 201
    return key


def body(received) -> str:
    return received.message.get_body(("plain",)).get_content()


def test_the_digest_goes_once_a_week_to_each_supporter_with_follow_ups_due(
    mail_app, smtp_server, log_client, sam
):
    log(log_client, sam.token, follow_up_due=today().isoformat(), topics=["finances"], format="video")
    log(log_client, sam.token, follow_up_due=(today() + timedelta(days=40)).isoformat())  # not due yet
    no_email = add_supporter("Bea", None)
    log(log_client, no_email.token, follow_up_due=today().isoformat())
    idle = add_supporter("Cy", "cy@example.org")  # an email, nothing due: no digest
    assert idle.alias == "Cy"
    now = datetime.now(UTC)
    assert jobs.run_job(mail_app, "digest", now) == {"digests_sent": 1, "digests_failed": 0}
    [sent] = smtp_server.messages
    assert sent.rcpt_tos == ("sam@example.org",)
    assert sent.message["Subject"] == (
        "[Side-by-Side] Your follow-ups due this week (1) / Vos suivis à faire cette semaine (1)"
    )
    text = body(sent)
    assert f"due {today()}: interaction of {today()}, Video call: Finances" in text
    assert "You have 1 follow-up due this week or overdue:" in text  # and then in French:
    assert "Vous avez 1 suivi à faire cette semaine ou en retard\u00a0:" in text
    assert f"prévu le {today()}\u00a0: interaction du {today()}, Appel vidéo\u00a0: Finances" in text
    assert "Exam stress" not in text and "Year 2" not in text  # nothing about the student
    opt_out = re.search(r"<(http\S+/digest-off\?k=\S+)>", sent.message["List-Unsubscribe"]).group(1)
    assert opt_out in text
    assert sam.token not in sent.message["List-Unsubscribe"] and sam.token not in opt_out
    assert sent.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Again the same week, by the daily job or the loop: nothing more.
    assert jobs.run_job(mail_app, "daily", now + timedelta(hours=3))["digests_sent"] == 0
    loop = jobs.Jobs(mail_app, now, report=lambda *args: None, purge=lambda *args: None)
    loop.run_due(now + timedelta(hours=5))
    assert len(smtp_server.messages) == 1
    # Next week it goes again, since the follow-up is still open (overdue now).
    assert jobs.run_job(mail_app, "digest", now + timedelta(days=7))["digests_sent"] == 1
    assert "overdue since" in body(smtp_server.messages[1])


def test_a_refused_digest_is_retried_on_the_next_run_and_sent_once(mail_app, smtp_server, log_client, sam):
    log(log_client, sam.token, follow_up_due=today().isoformat())
    smtp_server.refuse.add("sam@example.org")
    now = datetime.now(UTC)
    assert digest.send_digests(mail_app.store, mail_app.settings, mail_app.mailer, now) == {
        "digests_sent": 0,
        "digests_failed": 1,
    }
    smtp_server.refuse.clear()
    assert digest.send_digests(mail_app.store, mail_app.settings, mail_app.mailer, now)["digests_sent"] == 1
    assert digest.send_digests(mail_app.store, mail_app.settings, mail_app.mailer, now)["digests_sent"] == 0
    assert len(smtp_server.messages) == 1


def sent_opt_out(mail_app, smtp_server) -> str:
    """The opt-out address of the one digest sent, from its List-Unsubscribe header."""
    digest.send_digests(mail_app.store, mail_app.settings, mail_app.mailer, datetime.now(UTC))
    header = smtp_server.messages[-1].message["List-Unsubscribe"]
    return re.search(r"<http\S+/log_interaction(/digest-off\?k=\S+)>", header).group(1)


def test_the_opt_out_link_asks_then_stops_the_digest(mail_app, smtp_server, log_client, sam):
    log(log_client, sam.token, follow_up_due=today().isoformat())
    opt_out = sent_opt_out(mail_app, smtp_server)
    asked = log_client.get(opt_out)
    assert asked.status_code == 200 and "Stop the weekly email" in asked.get_data(as_text=True)
    assert mail_app.store.get_supporter(sam.id).digest is True  # a GET (a mail scanner) changes nothing
    done = log_client.post(opt_out, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert mail_app.store.get_supporter(sam.id).digest is False
    assert log_client.post(opt_out).status_code == 200  # again: the same, nothing more
    smtp_server.messages.clear()
    assert (
        digest.send_digests(mail_app.store, mail_app.settings, mail_app.mailer, datetime.now(UTC))[
            "digests_sent"
        ]
        == 0
    )
    assert smtp_server.messages == []
    assert log_client.post("/digest-off?k=nope").status_code == 404
    # An email sent before the key: its link carried the log-in token, which still does it.
    assert log_client.post(f"/digest-off?t={sam.token}").status_code == 200
    assert log_client.post("/digest-off?t=nope").status_code == 401


def test_the_opt_out_key_can_do_nothing_but_stop_the_email(mail_app, smtp_server, log_client, sam):
    """L8: mail providers open and keep the List-Unsubscribe address; what it carries must not
    open the supporter's form, log, list or close anything, nor be a log-in token."""
    planned = log(log_client, sam.token, follow_up_due=today().isoformat())
    key = sent_opt_out(mail_app, smtp_server).split("k=", 1)[1]
    assert key != sam.token
    assert log_client.get(f"/?t={key}").status_code == 401
    assert log_client.get(f"/thanks?t={key}").status_code == 401
    assert post_json(log_client, key, answers(), key="k-1").status_code == 401
    refused = log_client.post(f"/follow-ups/{planned}/close", data={"t": key, "state": "not_needed"})
    assert refused.status_code == 401
    assert log_client.post("/digest-on", data={"t": key}).status_code == 401
    # And a log-in token is no opt-out key (another purpose, another salt).
    assert log_client.get(f"/digest-off?k={sam.token}").status_code == 404


def test_a_supporter_who_stopped_the_email_can_have_it_again_from_the_form(
    mail_app, smtp_server, log_client, sam
):
    log(log_client, sam.token, follow_up_due=today().isoformat())
    log_client.post(sent_opt_out(mail_app, smtp_server))
    page = log_client.get(f"/?t={sam.token}&lang=fr").get_data(as_text=True)
    assert "Vous ne recevez pas le courriel hebdomadaire" in page and 'action="digest-on?' in page
    again = log_client.post("/digest-on?lang=en", data={"t": sam.token})
    assert again.status_code == 200 and "again" in again.get_data(as_text=True)
    assert mail_app.store.get_supporter(sam.id).digest is True
    assert "digest-on" not in log_client.get(f"/?t={sam.token}").get_data(as_text=True)
    smtp_server.messages.clear()
    later = datetime.now(UTC) + timedelta(days=7)
    assert digest.send_digests(mail_app.store, mail_app.settings, mail_app.mailer, later)["digests_sent"] == 1


class ThenMeanwhile:
    """Runs ``meanwhile`` once, right after the page's first read of the supporter: a
    coordinator's revoke or re-link landing between the page's read and its write."""

    def __init__(self, store, meanwhile) -> None:
        self.store, self.meanwhile, self.read = store, meanwhile, store.get_supporter

    def __enter__(self) -> None:
        def get(supporter_id: str):
            found = self.read(supporter_id)
            del self.store.get_supporter  # once: the change itself reads through the store again
            self.meanwhile(found)
            return found

        self.store.get_supporter = get

    def __exit__(self, *exc: object) -> None:
        self.store.__dict__.pop("get_supporter", None)


def test_an_opt_out_racing_a_revocation_does_not_undo_it(mail_app, log_client, sam):
    """attack2 M4: the opt-out read the supporter, a coordinator revoked them, the opt-out saved
    its copy: active again, with the old version, so the revoked link opened the form."""
    store = mail_app.store
    key = make_digest_key(mail_app.settings.secret_key, sam.id)
    with ThenMeanwhile(store, lambda found: supporters.revoke(store, found)):
        assert log_client.post(f"/digest-off?k={key}").status_code == 200
    after = store.get_supporter(sam.id)
    assert (after.active, after.digest) == (False, False)
    assert log_client.get(f"/?t={sam.token}").status_code == 401


def test_an_opt_in_racing_a_relink_keeps_the_new_link_only(mail_app, log_client, sam):
    store = mail_app.store
    follow_ups.set_digest(store, store.get_supporter(sam.id), False)
    fresh = []
    with ThenMeanwhile(store, lambda found: fresh.append(supporters.relink(store, mail_app.settings, found))):
        assert log_client.post("/digest-on", data={"t": sam.token}).status_code == 200
    assert store.get_supporter(sam.id).digest is True
    assert log_client.get(f"/?t={sam.token}").status_code == 401  # the old link stays dead
    assert log_client.get(f"/?t={fresh[0].link.split('?t=')[1]}").status_code == 200
