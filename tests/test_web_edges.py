"""The edges every function shares: redirects never built from the Host header, security
headers on every response, garbage JSON as a one-line 400, compressed pages."""

from __future__ import annotations

import gzip
import logging

import brotli
import pytest
from werkzeug.test import Client

from shared.web.serve import wsgi_app
from tests.conftest import ADMIN_TOKEN
from tests.test_log_support import sam  # noqa: F401  (fixture)
from tests.test_survey_links import issue, new_survey

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
SECURITY = ("Content-Security-Policy", "Referrer-Policy", "X-Content-Type-Options", "X-Frame-Options")


@pytest.fixture
def local(app):
    """Every function mounted as ``sidebyside serve`` mounts them."""
    return Client(wsgi_app(app))


def assert_headers(response, no_store: bool = True) -> None:
    for name in SECURITY:
        assert response.headers.get(name), (name, response.status_code)
    if no_store:
        assert response.headers["Cache-Control"] == "no-store"


# -- issue 13 item 5 -------------------------------------------------------------------------
def test_the_slash_redirect_is_a_path_never_the_host_header_and_carries_the_headers(local):
    response = local.get("/log_interaction?t=TOKEN", headers={"Host": "attacker.example"})
    assert response.status_code == 308
    assert response.headers["Location"] == "/log_interaction/?t=TOKEN"
    assert_headers(response)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/nowhere"),
        ("GET", "/survey/thanks"),
        ("GET", "/survey/not-a-token"),
        ("GET", "/survey/" + "a" * 43 + "/"),  # the survey's own 308
        ("PUT", "/survey/thanks"),
        ("GET", "/log_interaction/?t=forged"),
        ("POST", "/log_interaction/"),
        ("GET", "/admin/supporters"),
        ("GET", "/admin/nothing"),
        ("GET", "/send_report/"),
        ("POST", "/send_report/"),
    ],
)
def test_every_response_carries_the_security_headers(local, method, path):
    response = local.open(path, method=method, headers={"Host": "attacker.example"})
    assert "attacker.example" not in response.headers.get("Location", "")
    assert_headers(response, no_store=path != "/")


def test_admin_json_with_links_and_addresses_is_not_stored(local):
    added = local.post("/admin/supporters", json={"alias": "Sam", "email": "sam@example.org"}, headers=AUTH)
    assert added.status_code == 201 and "link" in added.get_json()
    assert added.headers["Cache-Control"] == "no-store"
    listed = local.get("/admin/supporters", headers=AUTH)
    assert listed.get_json()["supporters"][0]["email"] == "sam@example.org"
    assert listed.headers["Cache-Control"] == "no-store"


# -- issue 13 item 7 -------------------------------------------------------------------------
def json_endpoints(app, sam) -> list[tuple[str, str, dict[str, str]]]:  # noqa: F811
    new_survey(app)
    [token] = issue(app)
    return [
        ("log_interaction", "/", {"Authorization": f"Bearer {sam.token}", "Idempotency-Key": "k"}),
        ("survey", f"/{token}", {}),
        ("admin", "/supporters", AUTH),
        ("admin", "/surveys", AUTH),
        ("admin", "/surveys/y2026/links", AUTH),
        ("admin", "/surveys/y2026/invite", AUTH),
        ("admin", "/surveys/y2026/remind", AUTH),
    ]


@pytest.mark.parametrize("garbage", [b"[" * 60_000, b"{", b"\xff\xfe", b"[1, 2]", b'"text"'])
def test_garbage_json_is_a_400_with_one_line_and_no_traceback(app, client_for, sam, caplog, garbage):  # noqa: F811
    caplog.set_level(logging.INFO)
    for function, path, headers in json_endpoints(app, sam):
        response = client_for(function).post(
            path, data=garbage, content_type="application/json", headers=headers
        )
        assert response.status_code == 400, (function, path, response.get_data(as_text=True)[:200])
        body = response.get_json()
        assert body["error"] == "bad_json" and "\n" not in body["message"]
    assert [r for r in caplog.records if r.exc_info] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "t", "form": ["x"]}, "form"),
        ({"id": "t", "form": {"name": "x"}}, "form"),
        ({"id": ["t"]}, "id"),
        ({"id": "t", "opens": 5}, "opens"),
        ({"id": "t", "k10": "yes"}, "k10"),
    ],
)
def test_wrong_typed_json_is_a_400_naming_the_field(client_for, caplog, body, field):
    response = client_for("admin").post("/surveys", json=body, headers=AUTH)
    assert response.status_code == 400
    assert field in response.get_json()["errors"]
    assert [r for r in caplog.records if r.exc_info] == []


# -- issue 12 item 22 ------------------------------------------------------------------------
@pytest.mark.parametrize(("encoding", "decode"), [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_pages_are_compressed_for_clients_that_accept_it(app, client_for, sam, encoding, decode):  # noqa: F811
    plain = client_for("log_interaction").get(f"/thanks?t={sam.token}")
    packed = client_for("log_interaction").get(
        f"/thanks?t={sam.token}", headers={"Accept-Encoding": encoding}
    )
    assert packed.headers["Content-Encoding"] == encoding
    assert len(packed.data) < len(plain.data) / 2
    assert decode(packed.data).decode() == plain.get_data(as_text=True)
    assert_headers(packed)
