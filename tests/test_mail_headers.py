"""Every header the program sets arrives as its standard says, read from the raw bytes a real SMTP
server (aiosmtpd on loopback) received, not from Python's parser, which decodes what a mail client
would not: a ``List-Unsubscribe`` longer than a line once arrived RFC 2047-encoded
(``=?utf-8?q?=3Chttp...?=``), which RFC 2369/8058 readers cannot use (trial 2, item 1)."""

# ruff: noqa: F811

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header

from shared import bootstrap, config, jobs
from shared.mail import make_mailer
from shared.services import links
from tests.test_addresses import SENDER
from tests.test_follow_up_digest import log, mail_app  # noqa: F401
from tests.test_log_support import log_client, sam, today  # noqa: F401
from tests.test_survey_links import new_survey
from tests.test_survey_links import today as survey_today


def raw_headers(raw: bytes) -> dict[str, str]:
    """The header block as sent, unfolded (RFC 5322 section 2.2.3) but not decoded."""
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0].decode("ascii")
    lines = head.splitlines()
    assert all(len(line) <= 998 for line in lines)  # RFC 5322 section 2.1.1
    unfolded = re.sub(r"\r?\n(?=[ \t])", "", head)
    return dict(line.split(": ", 1) for line in unfolded.splitlines())


def assert_no_needless_encoding(headers: dict[str, str]) -> None:
    """Encoded words only where the text needs them (a non-ASCII Subject), never on ASCII."""
    for name, value in headers.items():
        if "=?" in value:
            assert not str(make_header(decode_header(value))).isascii(), (name, value)


def test_the_digest_opt_out_headers_are_literal(mail_app, smtp_server, log_client, sam):
    log(log_client, sam.token, follow_up_due=today().isoformat())
    assert jobs.run_job(mail_app, "digest", datetime.now(UTC))["digests_sent"] == 1
    [sent] = smtp_server.messages
    headers = raw_headers(sent.raw)
    opt_out = headers["List-Unsubscribe"]
    assert re.fullmatch(r"<http://\S+/digest-off\?k=\S+>", opt_out), opt_out
    assert len(opt_out) > 78  # the case the folder used to encode
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["Auto-Submitted"] == "auto-generated"
    assert_no_needless_encoding(headers)


def test_the_invitation_headers_are_literal(app, smtp_server, settings_env, tmp_path):
    reply = "peer-support-coordination-office@faculty-of-medicine.university.example.org"
    settings = config.load({**settings_env, "SIDEBYSIDE_REPLY_TO": reply}, base=tmp_path)
    mailing = bootstrap.configure(
        settings=settings, store=app.store, mailer=make_mailer(smtp_server.target, SENDER)
    )
    new_survey(mailing, closes=survey_today(mailing) + timedelta(days=20))
    links.invite(mailing.store, settings, mailing.mailer, "y2026", ["ann@example.org"], survey_today(mailing))
    [sent] = smtp_server.messages
    headers = raw_headers(sent.raw)
    assert headers["List-Unsubscribe"] == f"<mailto:{reply}?subject=unsubscribe%20y2026>"
    assert headers["Reply-To"] == reply
    assert headers["To"] == "<ann@example.org>"
    assert_no_needless_encoding(headers)
