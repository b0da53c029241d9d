"""What to send, in plain values, and how it becomes one MIME message for every transport.

A feature builds a :class:`Message`; :func:`build_mime` turns it into the standard
nesting mail clients expect (mixed > alternative > related) so a report's chart shows
inline and its CSV arrives as an attachment, whichever transport carries it.
"""

from __future__ import annotations

import email.policy
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from shared.addresses import BadAddress, mail_address, mailbox


class _Policy(email.policy.EmailPolicy):
    """``email.policy.SMTP`` with two repairs.

    - An ASCII value the folder cannot break at a space (a ``List-Unsubscribe`` URL longer than
      a line) is RFC 2047-encoded by Python's folder (``=?utf-8?q?=3Chttp...?=``): encoded words
      belong only in free text (RFC 2047 section 5), and RFC 2369/8058 readers need the literal
      ``<https://...>``. Such a value goes out as it is, one line within RFC 5322's 998 limit.
    - When it folds a long non-ASCII Subject, Python 3.11's folder drops the space between two
      encoded words ("passée à" arrives "passéeà"); such a Subject is encoded whole by the email
      package's RFC 2047 encoder (:class:`email.header.Header`), which keeps every space.
    """

    def fold(self, name: str, value: str) -> str:
        text = str(value)
        if text.isascii():
            folded = super().fold(name, value)
            if "=?" in folded and "=?" not in text and len(name) + 2 + len(text) <= MAX_LINE:
                return f"{name}: {text}{self.linesep}"
            return folded
        if name.lower() != "subject":
            return super().fold(name, value)
        encoded = Header(text, "utf-8", header_name=name).encode(
            linesep=self.linesep, maxlinelen=self.max_line_length
        )
        return f"{name}: {encoded}{self.linesep}"

    def fold_binary(self, name: str, value: str) -> bytes:
        if str(value).isascii() or name.lower() == "subject":
            return self.fold(name, value).encode("ascii")
        return super().fold_binary(name, value)


# Every part stays 7-bit clean (non-ASCII text goes quoted-printable or base64) so any
# relay, with or without 8BITMIME, and SES's raw API accept the bytes unchanged.
POLICY = _Policy(linesep="\r\n", cte_type="7bit")
MAX_LINE = 998  # RFC 5322 section 2.1.1: a line's hard limit, CRLF aside
HEADER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")


@dataclass(frozen=True)
class Attachment:
    """A file sent along with the message, such as a CSV export."""

    filename: str
    content: bytes
    mimetype: str = "application/octet-stream"


@dataclass(frozen=True)
class InlineImage:
    """An image the HTML body shows through ``<img src="cid:{cid}">``."""

    cid: str
    content: bytes
    mimetype: str = "image/png"


@dataclass(frozen=True)
class Message:
    """One email to one or more recipients; ``html`` is optional, ``text`` is always sent."""

    to: tuple[str, ...]
    subject: str
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()
    inline_images: tuple[InlineImage, ...] = ()
    reply_to: str | None = None
    headers: tuple[tuple[str, str], ...] = ()  # extra headers, such as List-Unsubscribe
    # Links that open a student's survey: a transport that keeps copies (the outbox) withholds them.
    secret_links: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # A bare string would otherwise become one recipient per character.
        to = (self.to,) if isinstance(self.to, str) else tuple(self.to)
        if not to:
            raise ValueError("a message needs at least one recipient")
        # One rule for every transport (shared.addresses): IDNA domains, ASCII local parts.
        try:
            object.__setattr__(self, "to", tuple(mail_address(a) for a in to))
            if self.reply_to:
                object.__setattr__(self, "reply_to", mailbox(self.reply_to, local_ok=True))
        except BadAddress as exc:
            raise ValueError(f"not an email address the program can mail: {to!r}: {exc}") from None
        for name, value in self.headers:
            if not HEADER_NAME.fullmatch(name) or "\r" in value or "\n" in value:
                raise ValueError(f"bad header {name!r}")
        if self.inline_images and self.html is None:
            raise ValueError("inline images need an HTML body to show them")
        for image in self.inline_images:
            if not image.cid or any(c in image.cid for c in "<> \r\n"):
                raise ValueError(f"bad content id for an inline image: {image.cid!r}")


def _split_type(mimetype: str) -> tuple[str, str]:
    maintype, _, subtype = mimetype.partition("/")
    if not maintype or not subtype:
        raise ValueError(f"not a MIME type: {mimetype!r}")
    return maintype, subtype


def new_message_id(sender: str) -> str:
    """A globally unique Message-ID in the sender's domain (no DNS lookup, unlike make_msgid)."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


def build_mime(message: Message, sender: str) -> EmailMessage:
    """The message as MIME, with a fresh Message-ID and Date.

    The email package builds only the multiparts the content needs: plain text alone
    stays a single part, HTML adds an alternative, inline images wrap the HTML in a
    related part and attachments wrap everything in mixed.
    """
    mime = EmailMessage(policy=POLICY)
    mime["From"] = sender
    # In angle brackets: a bare To: address in a mail with HTML and an image is a spam signal
    # (SpamAssassin's TO_NO_BRKTS_HTML_IMG). Readers of the header still get the bare addresses.
    mime["To"] = ", ".join(f"<{address}>" for address in message.to)
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(datetime.now(UTC))
    mime["Message-ID"] = new_message_id(sender)
    if message.reply_to:
        mime["Reply-To"] = message.reply_to
    for name, value in message.headers:
        mime[name] = value
    # Everything this program sends is automatic: ask out-of-office responders not to answer.
    mime["Auto-Submitted"] = "auto-generated"
    # Quoted-printable, never base64, for text: base64 on readable text is a spam signal (Rspamd
    # scores it), and QP keeps an ASCII line as it is.
    mime.set_content(message.text, cte="quoted-printable")
    if message.html is not None:
        mime.add_alternative(message.html, subtype="html", cte="quoted-printable")
        html_part = list(mime.iter_parts())[-1]
        for image in message.inline_images:
            maintype, subtype = _split_type(image.mimetype)
            html_part.add_related(
                image.content,
                maintype,
                subtype,
                cid=f"<{image.cid}>",
                disposition="inline",
                filename=f"{image.cid}.{subtype}",
            )
    for attachment in message.attachments:
        maintype, subtype = _split_type(attachment.mimetype)
        params = {"charset": "utf-8"} if maintype == "text" else None  # our text is UTF-8
        mime.add_attachment(
            attachment.content, maintype, subtype, filename=attachment.filename, params=params
        )
    return mime


def message_id_of(mime: EmailMessage) -> str:
    """The Message-ID without its angle brackets, as the mailers return it."""
    return str(mime["Message-ID"]).strip().strip("<>")
