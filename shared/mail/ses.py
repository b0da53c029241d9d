"""The Amazon SES adapter: the raw MIME goes through the SESv2 API unchanged.

boto3 finds credentials the usual way and honours ``AWS_ENDPOINT_URL`` (or
``AWS_ENDPOINT_URL_SESV2``) itself, which is how the tests point it at moto.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shared.mail.message import POLICY, Message, build_mime
from shared.mail.port import TIMEOUT_SECONDS, Mailer, MailError

log = logging.getLogger(__name__)


class SesMailer(Mailer):
    """Sends through SES in ``region``; the client is made on first use and then reused."""

    def __init__(self, region: str, sender: str, *, timeout: float = TIMEOUT_SECONDS) -> None:
        super().__init__(sender)
        self.region = region
        self.timeout = timeout
        self._client: Any = None
        self._lock = threading.Lock()

    def client(self) -> Any:
        """The sesv2 client, created once; a session of its own keeps creation thread-safe."""
        with self._lock:
            if self._client is None:
                config = Config(
                    connect_timeout=self.timeout,
                    read_timeout=self.timeout,
                    retries={"mode": "standard", "max_attempts": 2},
                )
                self._client = boto3.session.Session().client("sesv2", region_name=self.region, config=config)
            return self._client

    def send(self, message: Message) -> str:
        mime = build_mime(message, self.sender)
        where = f"SES in {self.region}"
        try:
            reply = self.client().send_email(
                FromEmailAddress=self.sender,
                Destination={"ToAddresses": list(message.to)},
                Content={"Raw": {"Data": mime.as_bytes(policy=POLICY)}},
            )
        except ClientError as error:
            detail = error.response.get("Error", {})
            code, text = detail.get("Code", "Error"), detail.get("Message", "")
            raise MailError(f"{where} refused the message: {code}: {text}") from error
        except BotoCoreError as error:
            raise MailError(f"{where} could not be reached: {error}") from error
        message_id = str(reply["MessageId"])
        log.info("mail %s for %d recipient(s) sent via %s", message_id, len(message.to), where)
        return message_id
