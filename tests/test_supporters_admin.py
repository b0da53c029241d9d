"""The admin API for supporters (Bearer SIDEBYSIDE_ADMIN_TOKEN), on the in-memory store (the contract suite holds SQLite and Firestore to the same behaviour)."""

# Fixtures are imported by name from tests/test_log_support.py; pytest injects them as arguments.
# ruff: noqa: F811

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_TOKEN
from tests.test_log_support import log_client  # noqa: F401  (fixture)

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def admin(client_for):
    """An API client: it asks for JSON, errors included."""
    client = client_for("admin")
    client.environ_base["HTTP_ACCEPT"] = "application/json"
    return client


def test_add_list_revoke(admin, log_client, app):
    created = admin.post("/supporters", json={"alias": "Sam", "email": "sam@example.org"}, headers=AUTH)
    assert created.status_code == 201
    body = created.json
    assert sorted(body) == ["alias", "emailed", "id", "link"]
    assert body["alias"] == "Sam" and body["emailed"] is True  # mailed at once, as in the console
    from tests.console.support import outbox

    assert [m["To"] for m in outbox(app)] == ["sam@example.org"]
    token = body["link"].split("?t=")[1]
    assert log_client.get(f"/?t={token}").status_code == 200

    listed = admin.get("/supporters", headers=AUTH)
    [sam] = app.store.list_supporters()
    assert listed.json == {
        "supporters": [
            {
                "id": body["id"],
                "alias": "Sam",
                "email": "sam@example.org",
                "active": True,
                "created_on": sam.created_on.isoformat(),
            }
        ]
    }
    assert token not in listed.get_data(as_text=True)

    revoked = admin.delete(f"/supporters/{body['id']}", headers=AUTH)
    assert revoked.status_code == 200
    assert revoked.json["active"] is False
    assert log_client.get(f"/?t={token}").status_code == 401


def test_relink(admin, log_client, app):
    sam = admin.post("/supporters", json={"alias": "Sam"}, headers=AUTH).json
    fresh = admin.post(f"/supporters/{sam['id']}/link", headers=AUTH)
    assert fresh.status_code == 200
    assert fresh.json["id"] == sam["id"] and fresh.json["link"] != sam["link"]
    assert log_client.get(f"/?t={sam['link'].split('?t=')[1]}").status_code == 401
    assert log_client.get(f"/?t={fresh.json['link'].split('?t=')[1]}").status_code == 200


BAD = {
    "duplicate alias": ({"alias": "Sam"}, 409, None),
    "no alias": ({"email": "x@example.org"}, 400, "alias"),
    "empty alias": ({"alias": ""}, 400, "alias"),
    "41 characters": ({"alias": "x" * 41}, 400, "alias"),
    "markup in alias": ({"alias": "<b>Sam</b>"}, 400, "alias"),
    "alias not a string": ({"alias": ["Sam"]}, 400, "alias"),
    "bad email": ({"alias": "Kim", "email": "kim@"}, 400, "email"),
    "unknown field": ({"alias": "Kim", "token": "x"}, 400, "token"),
}


@pytest.mark.parametrize(("body", "status", "field"), BAD.values(), ids=BAD.keys())
def test_bad_requests(admin, app, body, status, field):
    admin.post("/supporters", json={"alias": "Sam"}, headers=AUTH)
    response = admin.post("/supporters", json=body, headers=AUTH)
    assert response.status_code == status
    if field:
        assert list(response.json["errors"]) == [field]
    assert [s.alias for s in app.store.list_supporters()] == ["Sam"]


def test_auth_and_unknown_ids(admin, app):
    refused = admin.get("/supporters")
    assert (refused.status_code, refused.json["error"]) == (401, "unauthorized")
    assert admin.get("/supporters", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert admin.post("/supporters", json={"alias": "Sam"}).status_code == 401
    assert app.store.list_supporters() == []
    assert admin.delete("/supporters/nope", headers=AUTH).status_code == 404
    assert admin.post("/supporters/nope/link", headers=AUTH).status_code == 404
    assert admin.post("/supporters", json=["Sam"], headers=AUTH).status_code == 400
    assert admin.put("/supporters", json={"alias": "Sam"}, headers=AUTH).status_code == 405


def test_field_errors_are_in_the_clients_language(admin, app):
    """The per-field messages of a domain error are translated at the edge, like its message."""
    english = admin.post("/supporters", json={"alias": "Sam", "email": "not an address"}, headers=AUTH)
    french = admin.post(
        "/supporters",
        json={"alias": "Sam", "email": "not an address"},
        headers={**AUTH, "Accept-Language": "fr"},
    )
    assert (english.status_code, french.status_code) == (400, 400)
    assert english.json["errors"] == {"email": ["Enter an email address such as name@example.org."]}
    assert french.json["errors"] == {"email": ["Entrez une adresse courriel comme nom@example.org."]}
    assert app.store.list_supporters() == []
