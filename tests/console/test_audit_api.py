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
