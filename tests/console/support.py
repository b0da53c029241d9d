"""Helpers for the console's tests: read the outbox, sign in through a test client."""

from __future__ import annotations

import email
import email.policy
import re
import time
from pathlib import Path
from typing import Any

from werkzeug.test import Client

from shared.services import coordinators

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SIGN_IN_LINK = re.compile(r"http://\S+/console/sign-in/[\w-]+")


def outbox(app: Any) -> list[email.message.EmailMessage]:
    """Every message the test program has sent, oldest first."""
    folder = Path(app.settings.mail.path)
    files = sorted(folder.glob("*.eml")) if folder.exists() else []
    return [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]  # type: ignore[misc]


def text_of(message: Any) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def client(app: Any) -> Client:
    from shared.web.serve import wsgi_app

    return Client(wsgi_app(app))


def machines(app: Any, *addresses: str) -> list[Client]:
    """Test clients of one served app (one set of in-memory limits), each from its own address."""
    from shared.web.serve import wsgi_app

    served = wsgi_app(app)

    def at(address: str) -> Client:
        return Client(lambda environ, start: served({**environ, "REMOTE_ADDR": address}, start))

    return [at(address) for address in addresses]


def csrf(client: Client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    found = CSRF.search(page)
    assert found, f"no csrf_token on {path}"
    return found.group(1)


def last_sign_in_link(app: Any, to: str, wait: float = 10.0) -> str:
    """The newest sign-in link mailed to ``to``. The mail goes out after the response is closed
    (so its timing says nothing), which on a served app is another thread: wait for it."""
    until = time.monotonic() + wait
    while True:
        links = [SIGN_IN_LINK.search(text_of(m)) for m in outbox(app) if to in m["To"]]
        found = [m.group(0) for m in links if m]
        if found or time.monotonic() > until:
            break
        time.sleep(0.05)
    assert found, f"no sign-in link mailed to {to}"
    return found[-1]


def ask_link(c: Client, email_address: str, **kwargs: Any) -> Any:
    """POST the sign-in form and close the response, as a server does once it is sent: the
    link's mail goes out only then."""
    response = c.post(
        "/console/sign-in", data={"email": email_address, "csrf_token": csrf(c, "/console/sign-in")}, **kwargs
    )
    response.get_data()
    response.close()
    return response


def local_path(url: str) -> str:
    return url.split("127.0.0.1:8080", 1)[1]


def sign_in(app: Any, email_address: str, role: str = "coordinator", client_: Client | None = None) -> Client:
    """A test client signed in as ``email_address`` (added to the store with ``role``)."""
    from datetime import date

    if app.store.get_coordinator(email_address) is None:
        coordinators.add(app.store, email_address, role, today=date(2026, 3, 1))
    c = client_ or client(app)
    response = ask_link(c, email_address)
    assert response.status_code == 200, response.get_data(as_text=True)
    path = local_path(last_sign_in_link(app, email_address))
    response = c.post(path, data={"csrf_token": csrf(c, path)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return c
