"""Signing in without a password: one-time links, sessions, CSRF, rate limits."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

import flask
import pytest

from shared.bootstrap import App
from shared.mail.message import Message
from shared.mail.port import Mailer
from shared.services import audit, signin
from shared.web.factory import create_app
from tests.console.support import (
    ask_link,
    client,
    csrf,
    last_sign_in_link,
    local_path,
    machines,
    outbox,
    sign_in,
)


def test_a_coordinator_signs_in_with_the_emailed_link_and_out_again(app):
    c = sign_in(app, "coord@example.org")
    page = c.get("/console/")
    assert page.status_code == 200
    assert "coord@example.org" in page.get_data(as_text=True)
    cookie = page.headers.get("Set-Cookie") or ""
    token = csrf(c, "/console/")
    assert c.post("/console/sign-out", data={"csrf_token": token}).status_code == 200
    assert c.get("/console/").status_code == 302  # back to the sign-in page
    assert cookie == "" or "HttpOnly" in cookie


def test_the_session_cookie_is_httponly_lax_and_scoped_to_the_console(app):
    c = client(app)
    response = c.get("/console/sign-in")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console/" in cookie
    assert "Secure" not in cookie  # the base URL is http here


def test_an_unknown_address_sees_the_same_page_and_no_mail_is_sent(app):
    c = client(app)
    known = ask_link(c, "coord@example.org")
    unknown = ask_link(c, "who@example.org")
    assert known.status_code == unknown.status_code == 200
    strip = lambda r, a: r.get_data(as_text=True).replace(a, "")  # noqa: E731
    assert strip(known, "coord@example.org") == strip(unknown, "who@example.org")
    assert [m["To"] for m in outbox(app)] == ["coord@example.org"]  # from SIDEBYSIDE_COORDINATORS


def test_a_link_works_once(app):
    c = sign_in(app, "a@example.org")
    path = local_path(last_sign_in_link(app, "a@example.org"))
    other = client(app)
    response = other.post(path, data={"csrf_token": csrf(other, path)})
    assert response.status_code == 401
    assert other.get("/console/").status_code == 302
    assert c.get("/console/").status_code == 200


def test_an_expired_link_is_refused(app):
    from shared.services import coordinators

    coordinators.add(app.store, "a@example.org", today=datetime.now(UTC).date())
    link = signin.issue_link(
        app.store, app.settings, "a@example.org", datetime.now(UTC) - timedelta(minutes=16)
    )
    c = client(app)
    path = local_path(link)
    assert c.post(path, data={"csrf_token": csrf(c, path)}).status_code == 401
    assert c.get("/console/").status_code == 302


def test_a_forged_link_is_refused(app):
    c = client(app)
    path = "/console/sign-in/" + "A" * 43
    assert c.post(path, data={"csrf_token": csrf(c, path)}).status_code == 401


def test_a_post_without_a_valid_csrf_token_changes_nothing(app):
    c = sign_in(app, "coord@example.org")
    for token in (None, "forged"):
        data = {"alias": "Sam R."} | ({"csrf_token": token} if token else {})
        response = c.post("/console/supporters", data=data)
        assert response.status_code == 400
        assert "expired" in response.get_data(as_text=True)
    assert app.store.list_supporters() == []


def test_a_tampered_session_cookie_is_a_fresh_sign_in(app):
    c = sign_in(app, "coord@example.org")
    cookie = c.get_cookie("console", path="/console/")
    c.set_cookie("console", cookie.value[:-3] + "abc", path="/console/")
    assert c.get("/console/").status_code == 302


def test_removing_a_coordinator_ends_their_session(app):
    c = sign_in(app, "a@example.org")
    assert c.get("/console/").status_code == 200
    app.store.remove_coordinator("a@example.org")
    assert c.get("/console/").status_code == 302


def test_idle_and_old_sessions_end(app):
    from shared.services import coordinators

    coordinators.add(app.store, "a@example.org", today=datetime.now(UTC).date())
    now = datetime.now(UTC)
    done = signin.sign_in(
        app.store,
        app.settings,
        local_path(signin.issue_link(app.store, app.settings, "a@example.org", now)).rsplit("/", 1)[1],
        now,
    )
    assert signin.current(app.store, app.settings, done.session_id, now + timedelta(minutes=29)) is not None
    assert signin.current(app.store, app.settings, done.session_id, now + timedelta(minutes=29 + 31)) is None
    # still gone afterwards
    assert signin.current(app.store, app.settings, done.session_id, now + timedelta(minutes=30)) is None


def test_past_the_per_address_limit_no_more_mail_goes_but_nobody_is_locked_out(app):
    """Five requests for a coordinator's address from anywhere must not give the real
    coordinator a 429: the page stays the usual one, only the mail stops."""
    attacker, real = machines(app, "198.51.100.9", "192.0.2.7")
    statuses = [ask_link(attacker, "coord@example.org").status_code for _ in range(7)]
    assert statuses == [200] * 7
    assert len(outbox(app)) == 5
    page = ask_link(real, "coord@example.org")
    assert page.status_code == 200 and "coord@example.org" in page.get_data(as_text=True)
    assert len(outbox(app)) == 5


def test_sign_in_requests_are_rate_limited_per_client(app):
    c, other = machines(app, "198.51.100.9", "192.0.2.7")
    statuses = [ask_link(c, f"who{n}@example.org").status_code for n in range(21)]
    assert statuses == [200] * 20 + [429]
    assert ask_link(other, "who@example.org").status_code == 200


def test_an_ended_session_says_so_on_the_sign_in_page(app):
    c = sign_in(app, "a@example.org")
    app.store.remove_coordinator("a@example.org")
    response = c.get("/console/", follow_redirects=True)
    assert "Your session has ended. Sign in again." in response.get_data(as_text=True)


def test_the_deployed_entry_point_serves_the_console_at_its_root(app, client_for):
    """Deployed, the console is its own function: functions-framework hands it every path."""
    console = client_for("console")
    page = console.get("/sign-in")
    assert page.status_code == 200 and "Path=/;" in page.headers["Set-Cookie"]
    token = csrf(console, "/sign-in")
    assert (
        console.post("/sign-in", data={"email": "coord@example.org", "csrf_token": token}).status_code == 200
    )
    assert console.post("/sign-in", data={"email": "coord@example.org"}).status_code == 400  # no CSRF token
    assert console.get("/").status_code == 302


def test_the_cookie_is_secure_when_the_console_is_served_over_https(app):
    from dataclasses import replace

    from shared.bootstrap import App
    from shared.web.factory import create_app

    secure = App(replace(app.settings, console_url="https://console.example.org"), app.store, app.mailer)
    cookie = create_app("console", secure).test_client().get("/sign-in").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


class SlowMailer(Mailer):
    """The program's own mail transport, slowed like a distant SMTP server (the fault injected)."""

    def __init__(self, inner: Mailer, seconds: float) -> None:
        super().__init__(inner.sender)
        self.inner, self.seconds = inner, seconds

    def send(self, message: Message) -> str:
        time.sleep(self.seconds)
        return self.inner.send(message)


def test_a_known_address_is_answered_as_fast_as_an_unknown_one(app):
    """Which addresses can sign in must not leak through timing: the mail goes out after the
    response, so a slow mail server does not slow the known address's page."""
    app._mailer = SlowMailer(app.mailer, 0.2)
    c = client(app)

    def took(address: str) -> float:
        token = csrf(c, "/console/sign-in")
        start = time.perf_counter()
        response = c.post("/console/sign-in", data={"email": address, "csrf_token": token})
        elapsed = time.perf_counter() - start
        assert response.status_code == 200
        response.close()  # the server's close: now the mail goes
        return elapsed

    known = [took("coord@example.org") for _ in range(4)]
    unknown = [took(f"who{n}@example.org") for n in range(4)]
    assert statistics.median(known) < 0.1 + 2 * statistics.median(unknown)
    assert len(outbox(app)) == 4  # every link did go out, after its response


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(app, monkeypatch):
    """Without a proxy in front, a made-up X-Forwarded-For must not make each request a new client."""
    monkeypatch.delenv("K_SERVICE", raising=False)
    (c,) = machines(app, "198.51.100.9")
    statuses = [
        ask_link(c, f"who{n}@example.org", headers={"X-Forwarded-For": f"10.0.0.{n}"}).status_code
        for n in range(21)
    ]
    assert statuses[-1] == 429


def test_behind_a_configured_proxy_the_forwarded_client_is_counted(app, monkeypatch):
    from dataclasses import replace
    from ipaddress import ip_network

    from shared.web.throttle import client_of

    monkeypatch.delenv("K_SERVICE", raising=False)
    proxied = replace(app.settings, trusted_proxies=(ip_network("10.0.0.0/8"),))
    flask_app = create_app("console", App(proxied, app.store, app.mailer))
    headers = {"X-Forwarded-For": "6.6.6.6, 203.0.113.5, 10.1.1.1"}
    for peer, expected in (("10.0.0.2", "203.0.113.5"), ("198.51.100.9", "198.51.100.9")):
        with flask_app.test_request_context(headers=headers, environ_base={"REMOTE_ADDR": peer}):
            assert client_of(flask.request) == expected
    monkeypatch.setenv("K_SERVICE", "sbs-console")  # Cloud Run: Google's front end added the last hop
    with flask_app.test_request_context(headers=headers, environ_base={"REMOTE_ADDR": "169.254.1.1"}):
        assert client_of(flask.request) == "10.1.1.1"


def test_a_bad_trusted_proxies_setting_stops_the_program_with_one_line(tmp_path):
    from shared.config import ConfigError, load

    with pytest.raises(ConfigError, match="SIDEBYSIDE_TRUSTED_PROXIES='nope' is not valid"):
        load({"SIDEBYSIDE_TRUSTED_PROXIES": "nope"}, base=tmp_path)


def test_opening_sign_in_links_is_rate_limited_per_client_and_failures_are_audited_once_a_minute(app):
    c, other = machines(app, "198.51.100.9", "192.0.2.7")
    path = "/console/sign-in/" + "A" * 43
    token = csrf(c, path)
    statuses = [c.post(path, data={"csrf_token": token}).status_code for _ in range(21)]
    assert statuses == [401] * 20 + [429]
    assert other.post(path, data={"csrf_token": csrf(other, path)}).status_code == 401
    failed = audit.entries(app.store, app.settings.timezone, kind="sign_in_failed")
    assert len(failed) == 2  # one per client this minute, not one per attempt
