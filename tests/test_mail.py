"""The mail transports against real servers on loopback: files, aiosmtpd and moto's SES."""

from __future__ import annotations

import base64
import logging
import socket
import stat
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from shared.config import MailTarget
from shared.mail import (
    Attachment,
    InlineImage,
    MailError,
    Message,
    OutboxMailer,
    SmtpMailer,
    build_mime,
    make_mailer,
)
from shared.mail.ses import SesMailer
from tests.mailservers import (
    SMTP_PASSWORD,
    SMTP_USER,
    Outbox,
    SesServer,
    SmtpServer,
    free_port,
    run_smtp_server,
)

SENDER = "Side-by-Side <no-reply@sidebyside.example>"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)
CSV = b"month,interactions\r\n2024-10,12\r\n"
SECRET_LINK = "https://sidebyside.example/survey/s3cr3t-t0ken"

REPORT = Message(
    to=("coordinator@med.example", "lead@med.example"),
    subject="Rapport mensuel — octobre",
    text=f"Twelve interactions this month.\nSurvey: {SECRET_LINK}\n",
    html=f'<p>Twelve interactions this month.</p><img src="cid:chart"><a href="{SECRET_LINK}">Survey</a>',
    attachments=(Attachment("interactions.csv", CSV, "text/csv"),),
    inline_images=(InlineImage("chart", PNG),),
    reply_to="coordinator@med.example",
)


def parts(mime: EmailMessage) -> list[str]:
    return [part.get_content_type() for part in mime.walk()]


def assert_report(mime: EmailMessage) -> None:
    """The whole of REPORT arrived: headers, both bodies, the inline chart and the CSV."""
    assert mime["From"] == SENDER
    assert mime["To"] == "coordinator@med.example, lead@med.example"
    assert mime["Subject"] == "Rapport mensuel — octobre"
    assert mime["Reply-To"] == "coordinator@med.example"
    assert mime["Message-ID"].endswith("@sidebyside.example>")
    assert mime["Date"]
    assert parts(mime) == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
        "text/csv",
    ]
    # On the wire lines end in CRLF, and parsing keeps them.
    assert mime.get_body(("plain",)).get_content().replace("\r\n", "\n") == REPORT.text
    assert mime.get_body(("html",)).get_content().replace("\r\n", "\n") == REPORT.html + "\n"
    [image] = [p for p in mime.walk() if p.get_content_type() == "image/png"]
    assert (image["Content-ID"], image.get_content_disposition(), image.get_content()) == (
        "<chart>",
        "inline",
        PNG,
    )
    [attachment] = list(mime.iter_attachments())
    assert (attachment.get_filename(), attachment.get_payload(decode=True)) == ("interactions.csv", CSV)


# -- building the message ----------------------------------------------------------------


def test_build_mime_nests_text_html_images_and_attachments() -> None:
    mime = build_mime(REPORT, SENDER)
    assert_report(mime)
    assert mime["Auto-Submitted"] == "auto-generated"
    assert mime.as_bytes().isascii()  # 7-bit clean for any relay


def test_plain_text_message_is_a_single_part() -> None:
    mime = build_mime(Message(to=("a@med.example",), subject="Hi", text="Hello"), SENDER)
    assert parts(mime) == ["text/plain"]
    assert mime["Reply-To"] is None


def test_message_ids_differ_between_builds() -> None:
    assert build_mime(REPORT, SENDER)["Message-ID"] != build_mime(REPORT, SENDER)["Message-ID"]


def test_message_checks_its_values() -> None:
    assert Message(to="a@med.example", subject="s", text="t").to == ("a@med.example",)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one recipient"):
        Message(to=(), subject="s", text="t")
    with pytest.raises(ValueError, match="not an email address"):
        Message(to=("nobody",), subject="s", text="t")
    with pytest.raises(ValueError, match="need an HTML body"):
        Message(to=("a@med.example",), subject="s", text="t", inline_images=(InlineImage("c", PNG),))


# -- outbox ------------------------------------------------------------------------------


def test_outbox_writes_eml_and_browser_copy(outbox: Outbox) -> None:
    message_id = make_mailer(outbox.target, SENDER).send(REPORT)
    [mime] = outbox.messages()
    assert_report(mime)
    assert mime["Message-ID"] == f"<{message_id}>"
    [eml] = outbox.path.glob("*.eml")
    assert eml.name.endswith(f"-{message_id.partition('@')[0]}.eml")
    assert stat.S_IMODE(eml.stat().st_mode) == 0o600
    page = eml.with_suffix(".html").read_text()
    assert page == REPORT.html.replace("cid:chart", "data:image/png;base64," + base64.b64encode(PNG).decode())
    assert sorted(p.name for p in outbox.path.iterdir()) == sorted([eml.name, eml.with_suffix(".html").name])


def test_outbox_wraps_plain_text_in_pre(outbox: Outbox) -> None:
    OutboxMailer(outbox.path, SENDER).send(Message(to=("a@med.example",), subject="s", text="1 < 2 & ok"))
    [page] = outbox.path.glob("*.html")
    assert "<pre>1 &lt; 2 &amp; ok</pre>" in page.read_text()


def test_outbox_names_sort_in_sending_order(outbox: Outbox) -> None:
    mailer = OutboxMailer(outbox.path, SENDER)
    for subject in ("first", "second", "third"):
        mailer.send(Message(to=("a@med.example",), subject=subject, text="t"))
    assert [m["Subject"] for m in outbox.messages()] == ["first", "second", "third"]


def test_outbox_that_cannot_be_written_is_a_mail_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(MailError, match="could not write to the outbox"):
        OutboxMailer(blocker / "outbox", SENDER).send(REPORT)


# -- SMTP --------------------------------------------------------------------------------


def test_smtp_delivers_the_whole_message(smtp_server: SmtpServer) -> None:
    message_id = make_mailer(smtp_server.target, SENDER).send(REPORT)
    [received] = smtp_server.messages
    assert (received.mail_from, received.rcpt_tos) == ("no-reply@sidebyside.example", REPORT.to)
    assert (received.login, received.tls) == (None, False)
    assert_report(received.message)
    assert received.message["Message-ID"] == f"<{message_id}>"


def test_a_long_subject_in_two_languages_arrives_with_every_space(smtp_server: SmtpServer) -> None:
    """Python 3.11's header folder joined "passée à" into "passéeà" in a long subject (an
    alert's, in English then French); every word and space must arrive as sent."""
    subject = "[Side-by-Side] Interaction changed to urgent by Sam / Interaction passée à urgent par Sam"
    make_mailer(smtp_server.target, SENDER).send(
        Message(to=("coord@example.org",), subject=subject, text="x")
    )
    [received] = smtp_server.messages
    assert received.message["Subject"] == subject


def test_smtp_logs_in_when_a_user_is_set(smtp_server: SmtpServer) -> None:
    target = MailTarget(
        "smtp", host=smtp_server.host, port=smtp_server.port, user=SMTP_USER, password=SMTP_PASSWORD
    )
    make_mailer(target, SENDER).send(REPORT)
    [received] = smtp_server.messages
    assert received.login == SMTP_USER
    assert_report(received.message)


def test_smtp_wrong_password_is_a_mail_error_without_the_password(smtp_server: SmtpServer) -> None:
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, SENDER, SMTP_USER, "hunter2-wrong")
    with pytest.raises(
        MailError, match=rf"^SMTP server 127.0.0.1:{smtp_server.port} refused the login"
    ) as error:
        mailer.send(REPORT)
    assert "hunter2" not in str(error.value) and "hunter2" not in repr(mailer)
    assert "\n" not in str(error.value)
    assert smtp_server.messages == []


def test_smtp_refusing_every_recipient_is_a_mail_error(smtp_server: SmtpServer) -> None:
    smtp_server.refuse.update(REPORT.to)
    with pytest.raises(MailError, match="refused every recipient: coordinator@med.example .550 5.1.1"):
        make_mailer(smtp_server.target, SENDER).send(REPORT)
    assert smtp_server.messages == []


def test_smtp_refusing_some_recipients_is_a_mail_error_naming_them(smtp_server: SmtpServer) -> None:
    smtp_server.refuse.add("lead@med.example")
    with pytest.raises(MailError, match=r"refused some recipients .* lead@med.example \(550 5.1.1"):
        make_mailer(smtp_server.target, SENDER).send(REPORT)
    [received] = smtp_server.messages
    assert received.rcpt_tos == ("coordinator@med.example",)


def test_smtp_closed_port_fails_fast() -> None:
    port = free_port()
    started = time.monotonic()
    with pytest.raises(
        MailError, match=rf"^SMTP server 127.0.0.1:{port} could not be reached: Connection refused"
    ):
        SmtpMailer("127.0.0.1", port, SENDER).send(REPORT)
    assert time.monotonic() - started < 5


def test_smtp_silent_server_times_out() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(MailError, match="did not answer within 0.3 s"):
            SmtpMailer("127.0.0.1", port, SENDER, timeout=0.3).send(REPORT)


@pytest.mark.parametrize("tls", ["starttls", "ssl"])
def test_smtp_over_tls_with_login(tls: str) -> None:
    with run_smtp_server(tls) as server:
        mailer = SmtpMailer(
            server.host, server.port, SENDER, SMTP_USER, SMTP_PASSWORD, tls, context=server.client_context
        )
        mailer.send(REPORT)
        [received] = server.messages
        assert (received.login, received.tls) == (SMTP_USER, True)
        assert_report(received.message)


@pytest.mark.parametrize("tls", ["starttls", "ssl"])
def test_smtp_untrusted_certificate_is_a_mail_error(tls: str) -> None:
    with run_smtp_server(tls) as server:
        with pytest.raises(MailError, match="^TLS with SMTP server .* failed: CERTIFICATE_VERIFY_FAILED"):
            make_mailer(server.target, SENDER).send(REPORT)
        assert server.messages == []


def test_smtp_starttls_to_a_server_without_it_is_a_mail_error(smtp_server: SmtpServer) -> None:
    with pytest.raises(MailError, match="does not support"):
        SmtpMailer(smtp_server.host, smtp_server.port, SENDER, tls="starttls").send(REPORT)


# -- SES ---------------------------------------------------------------------------------


def test_ses_sends_the_raw_message(ses_server: SesServer) -> None:
    ses_server.verify("no-reply@sidebyside.example")
    message_id = make_mailer(ses_server.target, SENDER).send(REPORT)
    [sent] = ses_server.messages()
    assert (sent.id, sent.source, sent.destinations) == (message_id, SENDER, REPORT.to)
    assert_report(sent.message)


def test_ses_client_is_made_once(ses_server: SesServer) -> None:
    ses_server.verify("no-reply@sidebyside.example")
    mailer = SesMailer(ses_server.region, SENDER)
    mailer.send(REPORT)
    client = mailer.client()
    mailer.send(REPORT)
    assert mailer.client() is client
    assert client.meta.endpoint_url == ses_server.endpoint_url
    assert len(ses_server.messages()) == 2


def test_ses_unverified_sender_is_a_mail_error(ses_server: SesServer) -> None:
    with pytest.raises(MailError, match="^SES in ca-central-1 refused the message: MessageRejected: "):
        make_mailer(ses_server.target, SENDER).send(REPORT)
    assert ses_server.messages() == []


def test_ses_unreachable_is_a_mail_error(ses_server: SesServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    with pytest.raises(MailError, match="^SES in ca-central-1 could not be reached: "):
        SesMailer(ses_server.region, SENDER, timeout=2).send(REPORT)
    assert time.monotonic() - started < 10


# -- the factory and logging -------------------------------------------------------------


def test_make_mailer_picks_the_adapter(tmp_path: Path) -> None:
    assert isinstance(make_mailer(MailTarget("outbox", path=str(tmp_path)), SENDER), OutboxMailer)
    assert isinstance(make_mailer(MailTarget("smtp", host="h", port=25), SENDER), SmtpMailer)
    assert isinstance(make_mailer(MailTarget("ses", region="ca-central-1"), SENDER), SesMailer)
    with pytest.raises(ValueError, match="unknown mail target kind"):
        make_mailer(MailTarget("pigeon"), SENDER)


def test_no_transport_logs_the_body(
    outbox: Outbox, smtp_server: SmtpServer, ses_server: SesServer, caplog: pytest.LogCaptureFixture
) -> None:
    ses_server.verify("no-reply@sidebyside.example")
    caplog.set_level(logging.DEBUG, logger="shared.mail")
    for target in (outbox.target, smtp_server.target, ses_server.target):
        make_mailer(target, SENDER).send(REPORT)
    assert [r.name for r in caplog.records if r.name.startswith("shared.mail")] == [
        "shared.mail.outbox",
        "shared.mail.smtp",
        "shared.mail.ses",
    ]
    assert "s3cr3t" not in caplog.text and "Twelve" not in caplog.text


def test_text_attachments_declare_utf8():
    from shared.mail import Attachment, Message, build_mime

    message = Message(
        to=("a@example.org",),
        subject="s",
        text="t",
        attachments=(Attachment("r.csv", "é,1\n".encode(), "text/csv"),),
    )
    [part] = list(build_mime(message, "b@example.org").iter_attachments())
    assert (part.get_param("charset"), part.get_content()) == ("utf-8", "é,1\n")
