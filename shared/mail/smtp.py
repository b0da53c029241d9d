"""The SMTP adapter: any mail server or relay, plain, STARTTLS or implicit TLS."""

from __future__ import annotations

import logging
import smtplib
import ssl

from shared.mail.message import Message, build_mime, message_id_of
from shared.mail.port import TIMEOUT_SECONDS, Mailer, MailError

log = logging.getLogger(__name__)

TLS_MODES = ("", "starttls", "ssl")


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}"


class SmtpMailer(Mailer):
    """Sends through ``host:port``, logging in only when ``user`` is set.

    ``context`` lets tests trust their own certificate; by default the system's
    trusted roots and hostname checking apply.
    """

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        user: str = "",
        password: str = "",
        tls: str = "",
        *,
        context: ssl.SSLContext | None = None,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        super().__init__(sender)
        if tls not in TLS_MODES:
            raise ValueError(f"tls must be one of {TLS_MODES}, not {tls!r}")
        self.host, self.port, self.user, self.tls = host, port, user, tls
        self._password = password
        self._context = context
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"SmtpMailer({self.host}:{self.port}, user={self.user!r}, tls={self.tls!r})"

    def _connect(self) -> smtplib.SMTP:
        context = self._context or ssl.create_default_context()
        if self.tls == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.tls == "starttls":
            try:
                smtp.starttls(context=context)
            except BaseException:
                smtp.close()
                raise
        return smtp

    def send(self, message: Message) -> str:
        mime = build_mime(message, self.sender)
        where = f"SMTP server {self.host}:{self.port}"
        try:
            with self._connect() as smtp:
                if self.user:
                    smtp.login(self.user, self._password)
                refused = smtp.send_message(mime, to_addrs=list(message.to))
        except smtplib.SMTPAuthenticationError as error:
            raise MailError(f"{where} refused the login for {self.user!r}: {_reply(*error.args)}") from error
        except smtplib.SMTPRecipientsRefused as error:
            raise MailError(f"{where} refused every recipient: {_refusals(error.recipients)}") from error
        except smtplib.SMTPSenderRefused as error:
            raise MailError(
                f"{where} refused the sender {error.sender}: {_reply(error.smtp_code, error.smtp_error)}"
            ) from error
        except smtplib.SMTPResponseException as error:
            raise MailError(
                f"{where} refused the message: {_reply(error.smtp_code, error.smtp_error)}"
            ) from error
        except smtplib.SMTPNotSupportedError as error:
            raise MailError(f"{where} does not support what the settings ask for: {error}") from error
        except smtplib.SMTPServerDisconnected as error:
            if isinstance(error.__context__, TimeoutError):  # smtplib turns a read timeout into this
                raise MailError(f"{where} did not answer within {self.timeout:g} s") from error
            raise MailError(f"{where} closed the connection: {error}") from error
        except smtplib.SMTPException as error:
            raise MailError(f"{where} failed: {error}") from error
        except ssl.SSLError as error:
            raise MailError(f"TLS with {where} failed: {error.reason or error}") from error
        except TimeoutError as error:
            raise MailError(f"{where} did not answer within {self.timeout:g} s") from error
        except OSError as error:
            raise MailError(f"{where} could not be reached: {error.strerror or error}") from error
        if refused:
            # Some recipients have the message already, so retrying would send it twice to them.
            raise MailError(
                f"{where} refused some recipients (the others were sent it): {_refusals(refused)}"
            )
        message_id = message_id_of(mime)
        log.info("mail %s for %d recipient(s) sent via %s", message_id, len(message.to), where)
        return message_id


def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{address} ({_reply(*reply)})" for address, reply in refused.items())
