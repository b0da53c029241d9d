"""Sending mail: build a :class:`Message`, get a :class:`Mailer` from :func:`make_mailer`, send.

Every transport raises only :class:`MailError`. Message bodies are never logged: they
may hold survey and log links, which are secret tokens.
"""

from __future__ import annotations

from shared.config import MailTarget
from shared.mail.message import Attachment, InlineImage, Message, build_mime
from shared.mail.outbox import OutboxMailer
from shared.mail.port import Mailer, MailError
from shared.mail.smtp import SmtpMailer

__all__ = [
    "Attachment",
    "InlineImage",
    "MailError",
    "Mailer",
    "Message",
    "OutboxMailer",
    "SmtpMailer",
    "build_mime",
    "make_mailer",
]


def make_mailer(target: MailTarget, sender: str) -> Mailer:
    """The mailer for a configured target, sending as ``sender`` (``Settings.mail_from``)."""
    if target.kind == "outbox":
        return OutboxMailer(target.path, sender, keep_links=target.keep_links)
    if target.kind == "smtp":
        return SmtpMailer(target.host, target.port, sender, target.user, target.password, target.tls)
    if target.kind == "ses":
        # boto3 is imported only by deployments that mail through SES.
        from shared.mail.ses import SesMailer

        return SesMailer(target.region, sender)
    raise ValueError(f"unknown mail target kind: {target.kind!r}")
