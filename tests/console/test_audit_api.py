"""Admin API calls are in the audit log, as actor "api", without bodies or links."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import ADMIN_TOKEN

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def test_api_actions_are_audited(app, client_for):
    admin = client_for("admin")
    created = admin.post("/supporters", json={"alias": "Sam", "email": "sam@example.org"}, headers=AUTH)
    assert created.status_code == 201
    admin.post("/surveys", json={"id": "y2026"}, headers=AUTH)
    issued = admin.post("/surveys/y2026/links", json={"count": 2}, headers=AUTH)
    admin.post("/surveys", json={"id": "BAD ID"}, headers=AUTH)  # refused: not audited
    admin.get("/supporters", headers=AUTH)  # a read: not audited
    entries = list(app.store.iter_audit(datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC)))
    assert [(e.actor, e.kind, e.detail) for e in entries] == [
        ("api", "supporter_added", "supporters"),
        ("api", "survey_created", "surveys"),
        ("api", "survey_links_issued", "y2026"),
    ]
    secrets = [created.get_json()["link"], *issued.get_json()["links"]]
    assert not any(s in e.detail for s in secrets for e in entries)


def test_every_console_action_is_audited_even_when_it_stops(app):
    """A POST route of the console either says what it records when it stops part way
    (``STOPPED``) or records itself (signing in and out); a new route cannot escape."""
    from shared.web.console.blueprint import RECORDS_ITSELF, STOPPED
    from shared.web.factory import create_app

    posts = {
        rule.endpoint
        for rule in create_app("console", app).url_map.iter_rules()
        if "POST" in (rule.methods or ())
    }
    assert posts == set(STOPPED) | RECORDS_ITSELF
    assert not set(STOPPED) & RECORDS_ITSELF


def test_a_console_invitation_that_mailed_then_failed_is_audited_as_stopped(app):
    """As on the CLI and the admin API: two invitations mailed, then the store went away."""
    from tests.console.support import outbox, sign_in
    from tests.console.test_pages import post
    from tests.test_cli_audit import StoreGoesAwayAfterOneInvitation

    c = sign_in(app, "coord2@example.org")
    assert post(c, "/console/surveys", {"id": "y2026", "closes": "2099-05-15"}).status_code == 201
    path = "/console/surveys/y2026"
    kept = app.store
    app._store = StoreGoesAwayAfterOneInvitation(kept)
    try:
        emails = "ana@example.org ben@example.org cy@example.org"
        response = post(c, f"{path}/invite", {"confirm": "1", "emails": emails}, form_page=path)
    finally:
        app._store = kept
    assert response.status_code == 503
    assert len([m for m in outbox(app) if "survey" in m["Subject"]]) == 2
    entries = list(app.store.iter_audit(datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC)))
    assert (entries[-1].actor, entries[-1].kind, entries[-1].detail) == (
        "coord2@example.org",
        "survey_invited",
        "y2026 (stopped)",
    )
    assert not any("ana@" in e.detail for e in entries)
