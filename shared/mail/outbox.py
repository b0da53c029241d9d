"""The outbox adapter: mail lands as files in a folder, for local use and tests.

Survey links in invitations and reminders are withheld unless ``keep_links`` is set: the
outbox is a copy kept beside the store, and with it the links would pair addresses with answers.

Each message is a ``.eml`` file (open it in any mail client, or parse it) and an
``.html`` twin a browser shows directly, inline images included.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import logging
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from shared.mail.message import POLICY, Message, build_mime, message_id_of
from shared.mail.port import Mailer, MailError

log = logging.getLogger(__name__)


def browser_html(message: Message) -> str:
    """The HTML body with ``cid:`` images inlined as data URLs, or the text in ``<pre>``."""
    if message.html is None:
        return f'<!doctype html>\n<meta charset="utf-8">\n<pre>{html.escape(message.text)}</pre>\n'
    body = message.html
    for image in message.inline_images:
        data = base64.b64encode(image.content).decode("ascii")
        body = body.replace(f"cid:{image.cid}", f"data:{image.mimetype};base64,{data}")
    return body


WITHHELD = "[survey link withheld: the outbox keeps no survey links; see SIDEBYSIDE_MAIL in the README]"


def withhold_links(message: Message) -> Message:
    """``message`` with its survey links replaced: a folder of kept mail plus the store would
    otherwise pair each invitation, hence each address, with its link and its sealed answer."""
    text, body = message.text, message.html
    for link in message.secret_links:
        text = text.replace(link, WITHHELD)
        body = body.replace(link, html.escape(WITHHELD)) if body is not None else None
    return dataclasses.replace(message, text=text, html=body, secret_links=())


def _write_atomically(path: Path, data: bytes) -> None:
    # mkstemp makes the file readable by its owner only: mail may carry secret links.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class OutboxMailer(Mailer):
    """Writes ``<UTC timestamp>-<id>.eml`` and ``.html`` files; names sort by time."""

    def __init__(self, directory: str | os.PathLike[str], sender: str, keep_links: bool = False) -> None:
        super().__init__(sender)
        self.directory = Path(directory)
        self.keep_links = keep_links  # ``outbox:DIR?keep_links=1``: for trying the survey locally

    def send(self, message: Message) -> str:
        if not self.keep_links:
            message = withhold_links(message)
        mime = build_mime(message, self.sender)
        message_id = message_id_of(mime)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        stem = f"{stamp}-{message_id.partition('@')[0]}"
        try:
            # Mail holds secret links: the folder is its owner's alone, like each file in it.
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(self.directory, 0o700)
            _write_atomically(self.directory / f"{stem}.eml", mime.as_bytes(policy=POLICY))
            _write_atomically(self.directory / f"{stem}.html", browser_html(message).encode("utf-8"))
        except OSError as error:
            raise MailError(
                f"could not write to the outbox {self.directory}: {error.strerror or error}"
            ) from error
        log.info("mail %s for %d recipient(s) written to the outbox", message_id, len(message.to))
        return message_id
