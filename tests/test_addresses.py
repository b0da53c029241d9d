"""Addresses and the mail around them (issue 12 items 6-8): one rule for non-ASCII addresses
on every transport and entry point, Reply-To and List-Unsubscribe on invitations, the sender
checked at start-up, and no doubled full stop after an alias."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner

from shared import bootstrap, config
from shared.addresses import BadAddress, mail_address
from shared.cli import cli
from shared.errors import Invalid
from shared.mail import make_mailer
from shared.services import links
from tests.conftest import ADMIN_TOKEN
from tests.test_survey_links import new_survey, today

ACCENTED = "Renée.Côté@Example.org"
IDN = "ann@Exämple.org"
IDN_ASCII = "ann@xn--exmple-cua.org"
SENDER = "Side-by-Side <survey@example.org>"


def test_the_rule_for_addresses():
    assert mail_address(IDN) == IDN_ASCII
    assert mail_address(" Sam@Example.ORG ") == "Sam@example.org"
    with pytest.raises(BadAddress, match="non-ASCII characters before the @ cannot be mailed"):
        mail_address(ACCENTED)
    for control in ("\x00", "\x1b", "\x7f"):
        with pytest.raises(BadAddress, match="invalid characters"):
            mail_address(f"a{control}b@example.org")
    with pytest.raises(BadAddress):
        mail_address("not an address")


@pytest.fixture(params=["outbox", "smtp", "ses"])
def transport(request, app, tmp_path):
    """The program mailing through each transport, and a way to read what each received:
    (envelope recipients, To header) per message."""
    if request.param == "outbox":
        box = request.getfixturevalue("outbox")
        mailer = make_mailer(box.target, SENDER)

        def received() -> list[tuple[tuple[str, ...], str]]:
            return [((), str(m["To"])) for m in box.messages()]
    elif request.param == "smtp":
        server = request.getfixturevalue("smtp_server")
        mailer = make_mailer(server.target, SENDER)

        def received() -> list[tuple[tuple[str, ...], str]]:
            return [(r.rcpt_tos, str(r.message["To"])) for r in server.messages]
    else:
        ses = request.getfixturevalue("ses_server")
        ses.verify("survey@example.org")
        mailer = make_mailer(ses.target, SENDER)

        def received() -> list[tuple[tuple[str, ...], str]]:
            return [(s.destinations, str(s.message["To"])) for s in ses.messages()]

    wired = bootstrap.configure(settings=app.settings, store=app.store, mailer=mailer)
    return wired, received


def test_every_transport_refuses_accents_before_the_at_up_front_and_mails_idna_domains(transport):
    app, received = transport
    new_survey(app, closes=today(app) + timedelta(days=20))
    with pytest.raises(Invalid) as refused:
        links.invite(
            app.store,
            app.settings,
            app.mailer,
            "y2026",
            links.read_addresses(f"{IDN}\n{ACCENTED}\n"),
            today(app),
        )
    assert refused.value.message.startswith(f"Not email addresses (nothing was sent): line 2: {ACCENTED!r} (")
    assert received() == [] and app.store.invitations("y2026") == []

    run = links.invite(app.store, app.settings, app.mailer, "y2026", links.read_addresses(IDN), today(app))
    assert run.sent == 1
    [(envelope, to)] = received()
    assert to == IDN_ASCII  # never an RFC 2047 encoded word inside an address
    assert envelope in ((), (IDN_ASCII,))


def test_the_admin_api_and_the_cli_refuse_the_same_way(app, client_for, tmp_path):
    new_survey(app, closes=today(app) + timedelta(days=20))
    answer = client_for("admin").post(
        "/surveys/y2026/invite",
        json={"emails": [ACCENTED]},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert answer.status_code == 400
    assert "non-ASCII characters before the @" in str(answer.get_json())
    emails = tmp_path / "emails.csv"
    emails.write_text(f"email\n{ACCENTED}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["surveys", "invite", "y2026", str(emails)])
    assert result.exit_code == 1
    assert "non-ASCII characters before the @" in result.output
    added = CliRunner().invoke(cli, ["supporters", "add", "Sam", "--email", "sam\x1b@example.org"])
    assert added.exit_code == 1 and "invalid characters" in added.output
    assert app.store.list_supporters() == []


@pytest.fixture
def replying(app, smtp_server, settings_env, tmp_path):
    # k = 1: these short lists are told apart by reason (see test_survey_mail for k).
    env = {
        **settings_env,
        "SIDEBYSIDE_REPLY_TO": "Peer support <help@example.org>",
        "SIDEBYSIDE_SMALL_CELL": "1",
    }
    settings = config.load(env, base=tmp_path)
    return bootstrap.configure(
        settings=settings, store=app.store, mailer=make_mailer(smtp_server.target, SENDER)
    )


def test_invitations_carry_reply_to_and_list_unsubscribe_that_stops_reminders(replying, smtp_server):
    app = replying
    new_survey(app, closes=today(app) + timedelta(days=20))
    addresses = ["ann@example.org", "bob@example.org"]
    links.invite(app.store, app.settings, app.mailer, "y2026", addresses, today(app))
    first = smtp_server.messages[0].message
    assert first["Reply-To"] == "Peer support <help@example.org>"
    assert first["List-Unsubscribe"] == "<mailto:help@example.org?subject=unsubscribe%20y2026>"

    # Ann writes to unsubscribe; a coordinator runs the command with her address.
    result = CliRunner().invoke(cli, ["surveys", "unsubscribe", "y2026", "ANN@example.org", "cy@example.org"])
    assert (result.exit_code, result.output) == (
        0,
        "Reminders stopped for 1 address. 1 address was never invited to y2026.\n",
    )
    run = links.remind(
        app.store, app.settings, app.mailer, "y2026", addresses, today(app) + timedelta(days=1)
    )
    assert (run.sent, run.skipped) == (1, {"unsubscribed": 1})
    assert [m.rcpt_tos for m in smtp_server.messages[2:]] == [("bob@example.org",)]
    reminder = smtp_server.messages[2].message
    assert reminder["List-Unsubscribe"] == "<mailto:help@example.org?subject=unsubscribe%20y2026>"
    # Nothing but the keyed hash marks it: the address is stored nowhere.
    assert all("ann@" not in repr(link) for link in app.store.invitations("y2026"))


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("MAIL_FROM", "not an address", "an email address"),
        ("MAIL_FROM", "a@example.org, b@example.org", "not one email address"),
        ("REPLY_TO", "help at example.org", "an email address"),
        ("COORDINATORS", f"a@example.org, {ACCENTED}", "non-ASCII"),
        ("ADMIN_TOKEN", "a", "at least 32 characters"),
    ],
)
def test_bad_addresses_and_short_admin_tokens_stop_the_start(tmp_path, name, value, says):
    with pytest.raises(config.ConfigError) as caught:
        config.load({f"SIDEBYSIDE_{name}": value}, base=tmp_path)
    message = str(caught.value)
    assert message.startswith(f"SIDEBYSIDE_{name}=") and says in message and "\n" not in message
    if name == "ADMIN_TOKEN":
        assert "'a'" not in message  # a secret is never echoed


def test_a_unicode_sender_domain_and_name_are_kept_readable(tmp_path):
    settings = config.load({"SIDEBYSIDE_MAIL_FROM": "Programme Côté <pairs@Exämple.org>"}, base=tmp_path)
    assert settings.mail_from == "Programme Côté <pairs@xn--exmple-cua.org>"


def test_no_double_full_stop_after_an_alias(app):
    added = CliRunner().invoke(cli, ["supporters", "add", "Sam R."])
    assert added.stderr == "Added Sam R. Their personal link (send it to them alone):\n"
    relinked = CliRunner().invoke(cli, ["supporters", "relink", "Sam R."])
    assert relinked.stderr == "New link for Sam R. Their personal link (send it to them alone):\n"
    CliRunner().invoke(cli, ["supporters", "revoke", "Sam R."])
    again = CliRunner().invoke(cli, ["supporters", "revoke", "Sam R."])
    assert again.output == "Sam R. was already revoked.\n"
