"""Invitations and reminders through a real SMTP server on loopback, checked by recipient, on
both stores: each address gets its own link, reminders resend the same link to those who have
not answered, and no address is ever stored."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage

import pytest

from shared import bootstrap
from shared.errors import Conflict
from shared.mail import make_mailer
from shared.services import links
from tests.test_survey_links import new_survey, today

LINK = re.compile(r"http://127\.0\.0\.1:8080/survey/([A-Za-z0-9_-]{43})")
ADDRESSES = ["ann@example.org", "bob@example.org", "cy@example.ca"]


@pytest.fixture
def mailed(app, smtp_server):
    """The program wired to the test's store and the loopback SMTP server."""
    configured = bootstrap.configure(
        settings=app.settings, store=app.store, mailer=make_mailer(smtp_server.target, "survey@example.org")
    )
    return configured


def by_recipient(smtp_server) -> dict[str, EmailMessage]:
    out: dict[str, EmailMessage] = {}
    for received in smtp_server.messages:
        [rcpt] = received.rcpt_tos
        assert rcpt not in out, f"{rcpt} got two messages"
        out[rcpt] = received.message
    return out


def token_in(message: EmailMessage) -> str:
    [token] = set(LINK.findall(message.get_body(("plain",)).get_content()))
    return token


def invite(app, addresses, day=None):
    return links.invite(app.store, app.settings, app.mailer, "y2026", addresses, day or today(app))


def remind(app, addresses, day=None):
    return links.remind(app.store, app.settings, app.mailer, "y2026", addresses, day or today(app))


def test_each_address_gets_its_own_link_in_english_and_french(mailed, smtp_server):
    new_survey(mailed, closes=today(mailed) + timedelta(days=20))
    run = invite(mailed, ADDRESSES)
    assert (run.sent, run.failed, run.skipped) == (3, [], {})
    mails = by_recipient(smtp_server)
    assert sorted(mails) == ADDRESSES
    tokens = {address: token_in(mail) for address, mail in mails.items()}
    assert len(set(tokens.values())) == 3
    for address, mail in mails.items():
        assert mail["To"] == address
        assert "Side-by-Side Peer Support Program" in mail["Subject"]
        body = mail.get_body(("plain",)).get_content()
        assert "9-8-8" in body and "En crise\u202f?" in body  # the crisis line, in both languages
        assert "Hello," in body and "Bonjour," in body
        assert (today(mailed) + timedelta(days=20)).isoformat() in body
        link = mailed.store.get_link(links.token_hash(tokens[address]))
        assert link.email_key == links.email_key(mailed.settings.secret_key, "y2026", address)
        assert link.invited_on == today(mailed)
    assert mailed.store.get_survey("y2026").links_issued == 3


def test_an_address_is_invited_once_however_it_is_typed(mailed, smtp_server):
    new_survey(mailed)
    invite(mailed, ["ann@example.org"])
    again = invite(mailed, links.read_addresses("ANN@example.org\ndee@example.org\n"))
    assert (again.sent, again.skipped) == (1, {"already_invited": 1})
    assert [r.rcpt_tos for r in smtp_server.messages] == [("ann@example.org",), ("dee@example.org",)]
    assert len(mailed.store.invitations("y2026")) == 2


def test_reminders_resend_the_same_link_to_those_who_have_not_answered(mailed, smtp_server, client_for):
    new_survey(mailed)
    invite(mailed, ADDRESSES)
    first = {address: token_in(mail) for address, mail in by_recipient(smtp_server).items()}
    client = client_for("survey")
    assert client.post(f"/{first['bob@example.org']}", json={"year_of_study": "year1"}).status_code == 201
    smtp_server.messages.clear()

    run = remind(mailed, [*ADDRESSES, "never@example.org"])
    assert (run.sent, run.skipped) == (2, {"answered": 1, "not_invited": 1})
    mails = by_recipient(smtp_server)
    assert sorted(mails) == ["ann@example.org", "cy@example.ca"]
    for address, mail in mails.items():
        assert mail["Subject"].startswith("Reminder")
        assert token_in(mail) == first[address]  # the same link: one person, one answer
    reminded = {link.hash: link.reminded_on for link in mailed.store.invitations("y2026")}
    assert reminded[links.token_hash(first["ann@example.org"])] == today(mailed)
    assert reminded[links.token_hash(first["bob@example.org"])] is None

    smtp_server.messages.clear()
    same_day = remind(mailed, ADDRESSES)
    assert (same_day.sent, same_day.skipped) == (0, {"answered": 1, "reminded_today": 2})
    next_day = remind(mailed, ADDRESSES, today(mailed) + timedelta(days=1))
    assert next_day.sent == 2
    assert client.get(f"/{first['ann@example.org']}").status_code == 200  # the link still works


def test_a_refused_address_is_not_stored_so_running_again_retries_it(mailed, smtp_server):
    new_survey(mailed)
    smtp_server.refuse.add("bob@example.org")
    run = invite(mailed, ADDRESSES)
    assert (run.sent, run.failed, run.stopped) == (2, ["bob@example.org"], False)
    assert len(mailed.store.invitations("y2026")) == 2
    smtp_server.refuse.clear()
    smtp_server.messages.clear()
    retry = invite(mailed, ADDRESSES)
    assert (retry.sent, retry.skipped) == (1, {"already_invited": 2})
    assert [r.rcpt_tos for r in smtp_server.messages] == [("bob@example.org",)]


def test_a_mail_server_that_refuses_everything_stops_the_run(mailed, smtp_server):
    new_survey(mailed)
    many = [f"student{n}@example.org" for n in range(12)]
    smtp_server.refuse.update(many)
    run = invite(mailed, many)
    assert run.stopped and run.sent == 0
    assert run.failed == many  # the ones tried and the ones not tried, to retry
    assert len(smtp_server.messages) == 0
    assert mailed.store.invitations("y2026") == []


def test_no_address_is_stored_anywhere(mailed, smtp_server):
    new_survey(mailed)
    invite(mailed, ADDRESSES)
    for link in mailed.store.invitations("y2026"):
        assert not any(a in repr(link) for a in ADDRESSES)
        assert not any(part in repr(link) for a in ADDRESSES for part in a.split("@"))


def test_after_a_secret_key_change_reminders_mail_no_one(mailed, smtp_server):
    from dataclasses import replace

    new_survey(mailed)
    invite(mailed, ADDRESSES)
    smtp_server.messages.clear()
    rotated = bootstrap.configure(
        settings=replace(mailed.settings, secret_key="a-brand-new-secret-key-0123456789"),
        store=mailed.store,
        mailer=mailed.mailer,
    )
    # Nobody matches any more: no reminder (and no second link) goes out, and the counts say why.
    run = remind(rotated, ADDRESSES)
    assert (run.sent, run.skipped) == (0, {"not_invited": 3})
    assert smtp_server.messages == []


def test_reminders_and_invitations_wait_for_an_open_survey(mailed, smtp_server):
    day = today(mailed)
    new_survey(mailed, opens=day + timedelta(days=5))
    assert invite(mailed, ADDRESSES).sent == 3  # invitations may go out early
    with pytest.raises(Conflict, match="opens"):
        remind(mailed, ADDRESSES)
    links.purge(mailed.store, mailed.settings, "y2026", day)
    with pytest.raises(Conflict):
        invite(mailed, ["new@example.org"])
    with pytest.raises(Conflict):
        remind(mailed, ADDRESSES)
