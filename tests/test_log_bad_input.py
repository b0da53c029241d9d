"""Bad input to log_interaction: a clear 4xx, nothing stored, never a 5xx. Both stores."""

# Fixtures are imported by name from tests/test_log_support.py; pytest injects them as arguments.
# ruff: noqa: F811

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from itsdangerous import URLSafeSerializer

from shared import bootstrap
from shared.services import supporters
from tests.test_log_support import (  # noqa: F401  (fixtures)
    alerts,
    answers,
    as_form,
    log_client,
    post_json,
    sam,
    stored,
    today,
)


def forged(token: str) -> str:
    payload, _, signature = token.rpartition(".")
    return f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"


def other_key(token: str, supporter_id: str) -> str:
    return URLSafeSerializer("some-other-secret-key-0123456789", salt="log-link").dumps([supporter_id, 1])


def other_salt(token: str, supporter_id: str) -> str:
    key = bootstrap.app().settings.secret_key
    return URLSafeSerializer(key, salt="survey-link").dumps([supporter_id, 1])


def unknown_supporter(token: str, supporter_id: str) -> str:
    key = bootstrap.app().settings.secret_key
    return URLSafeSerializer(key, salt="log-link").dumps(["no-such-supporter", 1])


def wrong_shape(token: str, supporter_id: str) -> str:
    key = bootstrap.app().settings.secret_key
    return URLSafeSerializer(key, salt="log-link").dumps({"id": supporter_id})


def older_version(token: str, supporter_id: str) -> str:
    """An expired link: the supporter was given a newer one since."""
    app = bootstrap.app()
    supporters.relink(app.store, app.settings, supporters.by_id(app.store, supporter_id))
    return token


def revoked(token: str, supporter_id: str) -> str:
    store = bootstrap.app().store
    supporters.revoke(store, supporters.by_id(store, supporter_id))
    return token


BAD_TOKENS = {
    "missing": lambda token, sid: "",
    "garbage": lambda token, sid: "not-a-token",
    "forged signature": lambda token, sid: forged(token),
    "signed with another key": other_key,
    "signed for another purpose": other_salt,
    "unknown supporter": unknown_supporter,
    "wrong payload": wrong_shape,
    "replaced by a newer link": older_version,
    "revoked": revoked,
    "far too long": lambda token, sid: token * 20,
}


@pytest.mark.parametrize("make", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_bad_tokens_are_401_everywhere(log_client, sam, make):
    token = make(sam.token, sam.id)
    page = log_client.get("/", query_string={"t": token})
    assert page.status_code == 401
    assert "ask your coordinator for a new one" in page.get_data(as_text=True)
    assert log_client.get("/thanks", query_string={"t": token}).status_code == 401
    as_json = log_client.get("/", query_string={"t": token}, headers={"Accept": "application/json"})
    assert as_json.status_code == 401
    assert as_json.json["error"] in ("bad_link", "link_inactive")
    assert log_client.post("/", data=as_form(answers(), token)).status_code == 401
    api = post_json(log_client, token, answers(concern_level="urgent"), str(uuid.uuid4()))
    assert api.status_code == 401
    assert api.json["error"] in ("bad_link", "link_inactive")
    assert stored() == [] and alerts() == []


def test_json_without_authorization_is_401(log_client, sam):
    response = log_client.post("/", json=answers(), headers={"Idempotency-Key": str(uuid.uuid4())})
    assert response.status_code == 401
    basic = log_client.post(
        "/",
        json=answers(),
        headers={"Authorization": f"Basic {sam.token}", "Idempotency-Key": str(uuid.uuid4())},
    )
    assert basic.status_code == 401
    assert stored() == []


def long_note():
    return answers(note="x" * 281)


BAD_ANSWERS = {
    "nothing at all": (
        lambda: {},
        ["concern_level", "follow_up_planned", "format", "initiated_by", "occurred_on", "referral", "topics"],
    ),
    "a required answer missing": (lambda: answers(format=None), ["format"]),
    "no topic checked": (lambda: answers(topics=[]), ["topics"]),
    "a future date": (
        lambda: answers(occurred_on=(today() + timedelta(days=1)).isoformat()),
        ["occurred_on"],
    ),
    "a date before the program": (lambda: answers(occurred_on="2019-12-31"), ["occurred_on"]),
    "an impossible date": (lambda: answers(occurred_on="2024-02-30"), ["occurred_on"]),
    "a date in another format": (lambda: answers(occurred_on="03/04/2024"), ["occurred_on"]),
    "zero minutes": (lambda: answers(duration_minutes=0), ["duration_minutes"]),
    "601 minutes": (lambda: answers(duration_minutes=601), ["duration_minutes"]),
    "minutes as words": (lambda: answers(duration_minutes="twenty"), ["duration_minutes"]),
    "a 281-character note": (long_note, ["note"]),
    "control characters in the note": (lambda: answers(note="bell\x07"), ["note"]),
    "an unknown topic": (lambda: answers(topics=["academic", "gossip"]), ["topics"]),
    "an unknown format": (lambda: answers(format="pigeon"), ["format"]),
    "an unknown field": (lambda: answers(student_name="Alex"), ["student_name"]),
    "maybe instead of yes or no": (lambda: answers(follow_up_planned="maybe"), ["follow_up_planned"]),
}


@pytest.mark.parametrize(("make", "fields"), BAD_ANSWERS.values(), ids=BAD_ANSWERS.keys())
def test_bad_answers_are_400_with_a_message_per_field(log_client, sam, make, fields):
    api = post_json(log_client, sam.token, make(), str(uuid.uuid4()))
    assert api.status_code == 400
    assert sorted(api.json["errors"]) == fields
    assert all(isinstance(m, str) and m for ms in api.json["errors"].values() for m in ms)
    page = log_client.post("/", data=as_form(make(), sam.token))
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    for field in fields:
        if field != "student_name":
            assert f'id="q-{field}-e"' in html  # beside its question
    assert stored() == []


JSON_SHAPES = {
    "a list where an object belongs": ([answers()], 400, "bad_json"),
    "a string": ('"hello"', 400, "bad_json"),
    "null": ("null", 400, "bad_json"),
    "not JSON": ("{occurred_on: today", 400, "bad_json"),
    "not UTF-8": (b'{"note": "\xff\xfe"}', 400, "bad_json"),
}


@pytest.mark.parametrize(("body", "status", "code"), JSON_SHAPES.values(), ids=JSON_SHAPES.keys())
def test_json_that_is_not_an_object_is_400(log_client, sam, body, status, code):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    response = log_client.post(
        "/",
        data=data,
        content_type="application/json",
        headers={"Authorization": f"Bearer {sam.token}", "Idempotency-Key": str(uuid.uuid4())},
    )
    assert (response.status_code, response.json["error"]) == (status, code)
    assert stored() == []


NESTED = {
    "a list where a choice belongs": ({"format": ["phone"]}, "format"),
    "an object where a list belongs": ({"topics": {"academic": True}}, "topics"),
    "a string where a list belongs": ({"topics": "academic"}, "topics"),
    "a list where text belongs": ({"note": ["a", "b"]}, "note"),
    "a number where a date belongs": ({"occurred_on": 20240101}, "occurred_on"),
    "true where a number belongs": ({"duration_minutes": True}, "duration_minutes"),
}


@pytest.mark.parametrize(("change", "field"), NESTED.values(), ids=NESTED.keys())
def test_wrong_json_types_are_400(log_client, sam, change, field):
    response = post_json(log_client, sam.token, {**answers(), **change}, str(uuid.uuid4()))
    assert response.status_code == 400
    assert list(response.json["errors"]) == [field]
    assert stored() == []


def test_a_10_mb_body_is_413(log_client, sam):
    huge = answers(note="x" * (10 * 1024 * 1024))
    api = post_json(log_client, sam.token, huge, str(uuid.uuid4()))
    assert api.status_code == 413
    assert api.json["error"] == "too_large"
    page = log_client.post("/", data=as_form(huge, sam.token))
    assert page.status_code == 413
    assert stored() == []


def test_other_media_types_and_methods_are_refused(log_client, sam):
    text = log_client.post("/", data="format=phone", content_type="text/plain")
    assert text.status_code == 415
    assert log_client.put("/", json=answers()).status_code == 405
    assert log_client.delete(f"/?t={sam.token}").status_code == 405
    assert stored() == []


def test_markup_in_the_note_is_stored_as_text_and_shown_escaped(log_client, sam):
    note = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    key = str(uuid.uuid4())
    assert post_json(log_client, sam.token, answers(note=note), key).status_code == 201
    [record] = stored()
    assert record.answers["note"] == note
    # Shown back (a re-rendered form with another mistake): escaped, never markup.
    page = log_client.post("/", data=as_form(answers(note=note, format="pigeon"), sam.token))
    html = page.get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert len(stored()) == 1
