"""The mail port: one operation, one exception, shared by the outbox, SMTP and SES adapters."""

from __future__ import annotations

from abc import ABC, abstractmethod

from shared.mail.message import Message

TIMEOUT_SECONDS = 15.0


class MailError(Exception):
    """The message could not be handed over; the text is one line fit for a log or the CLI.

    It names the server and what went wrong and never carries a password or the body,
    which may hold secret survey links.
    """


class Mailer(ABC):
    """Hands a message to a transport on behalf of one sender address."""

    def __init__(self, sender: str) -> None:
        self.sender = sender

    @abstractmethod
    def send(self, message: Message) -> str:
        """Send ``message``; return the transport's id for it, or raise :class:`MailError`."""
