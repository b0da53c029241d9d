"""Real mail servers on loopback for the tests: aiosmtpd for SMTP, moto's server for SES.

Register with ``pytest_plugins = ["tests.mailservers"]``. Fixtures:

- ``smtp_server``: a plain SMTP server that accepts any sender, optional login as
  ``SMTP_USER``/``SMTP_PASSWORD``, and refuses the addresses put in ``server.refuse``.
- ``ses_server``: moto's SES, emptied for each test, with the AWS environment pointed at it.
- ``outbox``: an empty outbox folder and a reader for what lands in it.

``run_smtp_server(tls=...)`` starts the SMTP server with STARTTLS or implicit TLS and
a throwaway certificate that ``server.client_context`` trusts.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import ipaddress
import json
import socket
import ssl
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import boto3
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from shared.config import MailTarget

SMTP_USER = "coordinator"
SMTP_PASSWORD = "correct horse battery staple"
SES_REGION = "ca-central-1"

_parser = BytesParser(policy=email.policy.default)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def parse(raw: bytes | str) -> EmailMessage:
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    return _parser.parsebytes(data)  # type: ignore[return-value]


# -- SMTP ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """One message as the SMTP server took it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    login: str | None
    tls: bool
    raw: bytes = b""  # the bytes as they came, to read headers as a mail client's parser sees them


@dataclass
class SmtpServer:
    host: str
    port: int
    tls: str = ""
    client_context: ssl.SSLContext | None = None
    messages: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    @property
    def target(self) -> MailTarget:
        """A MailTarget for this server, without login."""
        return MailTarget("smtp", host=self.host, port=self.port, tls=self.tls)


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.server.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        login = session.auth_data.login.decode() if session.authenticated else None
        self.server.messages.append(
            Received(
                mail_from=envelope.mail_from,
                rcpt_tos=tuple(envelope.rcpt_tos),
                message=parse(envelope.original_content or envelope.content),
                login=login,
                tls=server.transport.get_extra_info("ssl_object") is not None,
                raw=envelope.original_content or envelope.content,
            )
        )
        return "250 Message accepted for delivery"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        SMTP_USER.encode(),
        SMTP_PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False, auth_data=data)


def _certificate(directory: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1 and localhost it signed."""
    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Side-by-Side test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


@contextmanager
def run_smtp_server(tls: str = "") -> Iterator[SmtpServer]:
    """An SMTP server on a free loopback port; ``tls`` is "", "starttls" or "ssl"."""
    server = SmtpServer("127.0.0.1", free_port(), tls=tls)
    with tempfile.TemporaryDirectory() as folder:
        options: dict[str, Any] = {}
        if tls:
            ca, cert, key = _certificate(Path(folder))
            server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            server_context.load_cert_chain(cert, key)
            server.client_context = ssl.create_default_context(cafile=str(ca))
            options["ssl_context" if tls == "ssl" else "tls_context"] = server_context
        controller = Controller(
            _Handler(server),
            hostname=server.host,
            port=server.port,
            server_hostname="localhost",  # skips aiosmtpd's getfqdn(), slow where DNS is missing
            authenticator=_authenticate,
            auth_require_tls=False,
            **options,
        )
        controller.start()
        try:
            yield server
        finally:
            controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with run_smtp_server() as server:
        yield server


# -- SES (moto) ------------------------------------------------------------------------


@dataclass(frozen=True)
class SentSes:
    """One message SES accepted: its envelope as moto recorded it and the parsed MIME."""

    id: str
    source: str
    destinations: tuple[str, ...]
    message: EmailMessage


@dataclass(frozen=True)
class SesServer:
    endpoint_url: str
    region: str = SES_REGION

    @property
    def target(self) -> MailTarget:
        return MailTarget("ses", region=self.region)

    def verify(self, address: str) -> None:
        """Verify a sender identity; moto, like SES's sandbox, refuses unverified senders."""
        client = boto3.client("sesv2", region_name=self.region, endpoint_url=self.endpoint_url)
        client.create_email_identity(EmailIdentity=address)

    def messages(self) -> list[SentSes]:
        """Raw messages sent so far, read over HTTP from moto's own state dump."""
        with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/data.json", timeout=10) as reply:
            state = json.load(reply)
        return [
            SentSes(
                id=raw["id"],
                source=raw["source"],
                # moto appends the To/Cc header addresses to the API's list; keep each once.
                destinations=tuple(dict.fromkeys(raw["destinations"])),
                message=parse(raw["raw_data"]),
            )
            for raw in state.get("ses", {}).get("RawMessage", [])
        ]

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()


@pytest.fixture(scope="session")
def _moto_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def ses_server(_moto_server: str, monkeypatch: pytest.MonkeyPatch) -> SesServer:
    """moto's SES with no identities or messages, and AWS_* pointed at it for this test."""
    server = SesServer(_moto_server)
    server.reset()
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_SESV2"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", _moto_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", server.region)
    return server


# -- outbox ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outbox:
    path: Path

    @property
    def target(self) -> MailTarget:
        return MailTarget("outbox", path=str(self.path), keep_links=True)  # tests read the links

    def messages(self) -> list[EmailMessage]:
        """The .eml files written so far, oldest first."""
        if not self.path.exists():
            return []
        return [parse(eml.read_bytes()) for eml in sorted(self.path.glob("*.eml"))]


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return Outbox(tmp_path / "outbox")
