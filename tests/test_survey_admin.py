"""The admin JSON routes for surveys, through functions-framework, on the in-memory store (the contract suite holds SQLite and Firestore to the same behaviour)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from shared.services import links
from tests.conftest import ADMIN_TOKEN
from tests.test_survey_links import today
from tests.test_survey_mail import ADDRESSES, by_recipient, mailed, token_in  # noqa: F401  (fixture)

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LINK = re.compile(r"http://127\.0\.0\.1:8080/survey/([A-Za-z0-9_-]{43})")


@pytest.fixture
def admin(client_for):
    return client_for("admin")


def post(admin, path: str, body: dict | None = None):
    return admin.post(path, json=body if body is not None else {}, headers=AUTH)


def test_create_list_links_close_purge(app, admin):
    closes = (today(app) + timedelta(days=14)).isoformat()
    created = post(admin, "/surveys", {"id": "y2026", "closes": closes, "k10": True})
    assert created.status_code == 201
    assert created.get_json() == {
        "id": "y2026",
        "form": "end_of_year_survey",
        "opens": None,
        "closes": closes,
        "k10": True,
        "blocks": ["k10"],
        "excluded": False,
        "state": "open",
        "closed_on": None,
        "purged_on": None,
        "links_issued": 0,
        "answers": 0,
        "pending": 0,
    }
    issued = post(admin, "/surveys/y2026/links", {"count": 5})
    assert issued.status_code == 201
    tokens = [LINK.fullmatch(url).group(1) for url in issued.get_json()["links"]]
    assert len(set(tokens)) == 5
    listed = admin.get("/surveys", headers=AUTH).get_json()["surveys"]
    assert [(s["id"], s["links_issued"], s["state"]) for s in listed] == [("y2026", 5, "open")]
    closed = post(admin, "/surveys/y2026/close")
    assert (closed.status_code, closed.get_json()["state"], closed.get_json()["closed_on"]) == (
        200,
        "closed",
        today(app).isoformat(),
    )
    purged = post(admin, "/surveys/y2026/purge")
    assert (purged.status_code, purged.get_json()["links_deleted"], purged.get_json()["state"]) == (
        200,
        5,
        "purged",
    )
    assert all(app.store.get_link(links.token_hash(t)) is None for t in tokens)


def test_invite_and_remind_by_json(mailed, smtp_server, admin, client_for):  # noqa: F811
    assert post(admin, "/surveys", {"id": "y2026"}).status_code == 201
    invited = post(admin, "/surveys/y2026/invite", {"emails": [*ADDRESSES, "ANN@example.org"]})
    assert invited.status_code == 200
    assert invited.get_json() == {
        "sent": 3,
        "skipped": {},
        "skipped_total": 0,
        "failed": [],
        "stopped": False,
    }
    tokens = {a: token_in(m) for a, m in by_recipient(smtp_server).items()}
    assert (
        client_for("survey").post(f"/{tokens['ann@example.org']}", json={"confirm_blank": True}).status_code
        == 201
    )
    smtp_server.messages.clear()
    reminded = post(admin, "/surveys/y2026/remind", {"emails": ADDRESSES})
    # ``mailed`` sets k = 1, so these three are told apart (the k rule: test_survey_mail).
    assert reminded.get_json() == {
        "sent": 2,
        "skipped": {"answered": 1},
        "skipped_total": 1,
        "failed": [],
        "stopped": False,
    }
    assert {a: token_in(m) for a, m in by_recipient(smtp_server).items()} == {
        a: tokens[a] for a in ("bob@example.org", "cy@example.ca")
    }


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/surveys", {"id": "Bad Id"}, 400, "id"),
        ("/surveys", {"id": "ok", "closes": 20260101}, 400, "closes"),
        ("/surveys", {"id": "ok", "k10": "yes"}, 400, "k10"),
        ("/surveys", {"id": "ok", "colour": "red"}, 400, "colour"),
        ("/surveys", {"id": "t1", "form": "interaction_log"}, 400, "form"),  # was 201: a log form as a survey
        ("/surveys/y2026/links", {"count": "5"}, 400, "count"),
        ("/surveys/y2026/links", {"count": 0}, 400, "count"),
        ("/surveys/y2026/links", {}, 400, "count"),
        ("/surveys/y2026/invite", {"emails": "ann@example.org"}, 400, "emails"),
        ("/surveys/y2026/invite", {"emails": ["ann@example.org", "nope"]}, 400, "emails"),
        ("/surveys/y2026/invite", {"emails": [42]}, 400, "emails"),
        ("/surveys/y2026/remind", {"emails": []}, 400, "emails"),
    ],
)
def test_bad_bodies_get_400_with_the_field(app, admin, path, body, status, field):
    assert post(admin, "/surveys", {"id": "y2026"}).status_code == 201
    response = post(admin, path, body)
    assert response.status_code == status
    assert field in response.get_json()["errors"]
    assert app.store.get_survey("y2026").links_issued == 0


@pytest.mark.parametrize(
    "path", ["/surveys/nope/close", "/surveys/nope/purge", "/surveys/nope/links", "/surveys/..%2F/close"]
)
def test_unknown_surveys_are_404(app, admin, path):
    response = post(admin, path, {"count": 1} if path.endswith("/links") else None)  # close takes none
    assert response.status_code == 404


def test_a_taken_id_is_409_and_a_closed_survey_issues_no_links(app, admin):
    post(admin, "/surveys", {"id": "y2026"})
    assert post(admin, "/surveys", {"id": "y2026"}).status_code == 409
    post(admin, "/surveys/y2026/close")
    refused = post(admin, "/surveys/y2026/links", {"count": 1})
    assert (refused.status_code, refused.get_json()["error"]) == (409, "survey_closed")


def test_the_routes_need_the_admin_token(app, admin):
    assert admin.get("/surveys", headers={"Accept": "application/json"}).status_code == 401
    assert (
        admin.post("/surveys", json={"id": "y2026"}, headers={"Authorization": "Bearer wrong"}).status_code
        == 401
    )
    assert app.store.list_surveys() == []
