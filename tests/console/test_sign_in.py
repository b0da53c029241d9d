"""Signing in without a password: one-time links, sessions, CSRF, rate limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.services import signin
from tests.console.support import client, csrf, last_sign_in_link, local_path, outbox, sign_in


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
    known = c.post(
        "/console/sign-in", data={"email": "coord@example.org", "csrf_token": csrf(c, "/console/sign-in")}
    )
    unknown = c.post(
        "/console/sign-in", data={"email": "who@example.org", "csrf_token": csrf(c, "/console/sign-in")}
    )
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


def test_sign_in_requests_are_rate_limited_per_address(app):
    c = client(app)
    statuses = []
    for _ in range(6):
        statuses.append(
            c.post(
                "/console/sign-in",
                data={"email": "coord@example.org", "csrf_token": csrf(c, "/console/sign-in")},
            ).status_code
        )
    assert statuses == [200] * 5 + [429]
    assert len(outbox(app)) == 5


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
