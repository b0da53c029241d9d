"""Invitations and reminders through a real SMTP server on loopback, checked by recipient, on
both stores: each address gets its own link, reminders resend the same link to those who have
not answered, and no address is ever stored."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from email.message import EmailMessage

import pytest

from shared import bootstrap
from shared.errors import Conflict
from shared.mail import Mailer, OutboxMailer, make_mailer
from shared.services import links, surveys
from tests.conftest import ALL_STORES
from tests.test_survey_links import new_survey, today

LINK = re.compile(r"http://127\.0\.0\.1:8080/survey/([A-Za-z0-9_-]{43})")
ADDRESSES = ["ann@example.org", "bob@example.org", "cy@example.ca"]


@pytest.fixture
def mailed(app, smtp_server):
    """The program wired to the test's store and the loopback SMTP server, with k = 1 so these
    tests' short lists are told apart by reason (the k rule has its own test below)."""
    configured = bootstrap.configure(
        settings=replace(app.settings, small_cell=1),
        store=app.store,
        mailer=make_mailer(smtp_server.target, "survey@example.org"),
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


def test_an_invitation_to_an_open_survey_does_not_say_when_it_opens(mailed, smtp_server):
    """It said "It opens on 2026-11-01" for a survey that had opened already."""
    day = today(mailed)
    new_survey(mailed, opens=day - timedelta(days=3), closes=day + timedelta(days=20))
    invite(mailed, ["ann@example.org"])
    text = by_recipient(smtp_server)["ann@example.org"].get_body(("plain",)).get_content()
    assert "It opens on" not in text and "Il ouvre le" not in text
    assert f"The survey closes on {(day + timedelta(days=20)).isoformat()}." in text
    smtp_server.messages.clear()
    new_survey(mailed, "y2027", opens=day + timedelta(days=5))
    links.invite(mailed.store, mailed.settings, mailed.mailer, "y2027", ["bob@example.org"], day)
    assert (
        f"It opens on {(day + timedelta(days=5)).isoformat()}."
        in by_recipient(smtp_server)["bob@example.org"].get_body(("plain",)).get_content()
    )


def test_list_unsubscribe_is_there_only_when_a_request_can_reach_someone(mailed):
    """The README promised the header, but with the default local sender there was none: it is
    there when the reply or sender address can receive mail, as the README now says."""
    from dataclasses import replace

    from shared.config import DEFAULTS

    default = replace(mailed.settings, mail_from=DEFAULTS["MAIL_FROM"], reply_to="")
    survey = mailed.store.get_survey("y2026") or new_survey(mailed)
    plain = links.invitation_message(default, survey, "ann@example.org", "http://x/", False)
    assert plain.headers == ()
    replied = replace(default, reply_to="Peer support <peers@example.org>")
    message = links.invitation_message(replied, survey, "ann@example.org", "http://x/", False)
    assert dict(message.headers)["List-Unsubscribe"].startswith("<mailto:peers@example.org?")


@pytest.mark.parametrize("keep_links", [False, True])
def test_the_outbox_keeps_survey_links_only_when_asked(app, tmp_path, keep_links):
    """A copy of the data folder holds the store and the outbox: kept invitations would pair each
    address with its link, so the outbox withholds them unless ``?keep_links=1``."""
    box = tmp_path / f"box-{keep_links}"
    configured = bootstrap.configure(
        settings=app.settings,
        store=app.store,
        mailer=OutboxMailer(box, "survey@example.org", keep_links=keep_links),
    )
    new_survey(configured)
    assert invite(configured, ["ann@example.org"]).sent == 1
    assert remind(configured, ["ann@example.org"], today(configured) + timedelta(days=1)).sent == 1
    written = [p.read_text() for p in sorted(box.iterdir())]
    assert len(written) == 4  # two .eml and two .html
    token = links.invitation_token(app.settings.secret_key, "y2026", "ann@example.org")
    assert all((token in text) == keep_links for text in written)
    assert all(("survey link withheld" in text) != keep_links for text in written)


def test_reasons_are_told_apart_only_for_lists_of_at_least_k(mailed, smtp_server):
    """Issue 13 (attack): remind to one address said {"answered": 1}, whether that student
    answered. Below k (SIDEBYSIDE_SMALL_CELL, 5) only totals; from k on the reasons."""
    mailed = bootstrap.configure(
        settings=replace(mailed.settings, small_cell=5), store=mailed.store, mailer=mailed.mailer
    )
    new_survey(mailed)
    five = [f"s{n}@example.org" for n in range(5)]
    invite(mailed, five)
    tokens = {rcpt: token_in(m) for rcpt, m in by_recipient(smtp_server).items()}
    ballot = surveys.open_ballot(mailed.store, tokens["s0@example.org"], today(mailed))
    surveys.answer(
        mailed.store, ballot, {}, "en", today(mailed), mailed.settings.secret_key, confirmed_blank=True
    )
    alone = remind(mailed, ["s0@example.org"])
    assert (alone.sent, alone.skipped, alone.skipped_total) == (0, {}, 1)
    assert alone.as_dict()["skipped"] == {}
    later = today(mailed) + timedelta(days=1)
    everyone = remind(mailed, five, later)
    assert (everyone.sent, everyone.skipped, everyone.skipped_total) == (4, {"answered": 1}, 1)


# -- a mailing racing a close or a purge (attack2 M2) -------------------------------------------


class Meanwhile(Mailer):
    """Mails nothing; after its ``after``-th message runs ``meanwhile``: a coordinator closing or
    purging the survey (console, CLI or the daily job) while a long mailing runs."""

    def __init__(self, after: int, meanwhile) -> None:
        super().__init__("survey@example.org")
        self.after, self.meanwhile, self.sent = after, meanwhile, 0

    def send(self, message) -> str:
        self.sent += 1
        if self.sent == self.after:
            self.meanwhile()
        return f"id-{self.sent}"


def purge(app):
    return lambda: links.purge(app.store, app.settings, "y2026", today(app))


def close(app):
    return lambda: surveys.close_survey(
        app.store, replace(app.settings, purge_grace_days=30), "y2026", today(app)
    )


FIVE = [f"s{n}@students.example.edu" for n in range(5)]


@pytest.mark.stores(*ALL_STORES)
def test_an_invitation_run_racing_a_purge_stops_and_leaves_no_invitation(app):
    """The run read the survey once and kept mailing and storing invitations after the purge:
    invitations keyed by their address, in a purged survey, that no purge would ever delete."""
    new_survey(app, closes=today(app) + timedelta(days=30))
    mailer = Meanwhile(1, purge(app))
    with pytest.raises(Conflict) as refused:
        links.invite(app.store, app.settings, mailer, "y2026", FIVE, today(app))
    assert refused.value.code == "survey_purged"
    assert mailer.sent == 1  # the one mailed as the purge ran; none after
    assert app.store.invitations("y2026") == [] and app.store.get_survey("y2026").links_issued == 0


@pytest.mark.stores(*ALL_STORES)
def test_an_invitation_run_racing_a_close_stops_and_the_purge_takes_what_it_stored(app):
    new_survey(app, closes=today(app) + timedelta(days=30))
    mailer = Meanwhile(2, close(app))
    with pytest.raises(Conflict) as refused:
        links.invite(app.store, app.settings, mailer, "y2026", FIVE, today(app))
    assert refused.value.code == "survey_closed"
    assert mailer.sent == 2 and len(app.store.invitations("y2026")) == 1  # stored before the close
    links.purge(app.store, app.settings, "y2026", today(app))
    assert app.store.invitations("y2026") == []


@pytest.mark.stores(*ALL_STORES)
def test_a_reminder_run_racing_a_purge_stops(app):
    new_survey(app, closes=today(app) + timedelta(days=30))
    links.invite(app.store, app.settings, Meanwhile(0, None), "y2026", FIVE, today(app))
    mailer = Meanwhile(1, purge(app))
    with pytest.raises(Conflict) as refused:
        links.remind(app.store, app.settings, mailer, "y2026", FIVE, today(app) + timedelta(days=1))
    assert refused.value.code == "survey_purged" and mailer.sent == 1
