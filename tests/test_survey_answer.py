"""The survey function (on the in-memory store; the contract suite holds SQLite and Firestore to the same behaviour): the page, answers by form and by JSON, and every way a
submission can be wrong (clear 4xx, nothing stored, never a 5xx)."""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import pytest
import requests
from werkzeug.datastructures import MultiDict

from shared.records import Survey
from shared.services import links
from tests.conftest import REAL_STORES
from tests.support.answers import opened, received
from tests.test_survey_links import issue, new_survey, today

NO_BARRIERS: dict = {}  # no service answered: neither a barrier nor "None of these" checked


@pytest.fixture
def client(client_for):
    return client_for("survey")


def stored(app, survey_id: str = "y2026") -> list[dict]:
    return opened(app, survey_id)


def nothing_stored(app, token: str, survey_id: str = "y2026") -> bool:
    return stored(app, survey_id) == [] and not app.store.is_redeemed(links.token_hash(token))


# -- the page ---------------------------------------------------------------------------------


def test_the_page_in_english_and_french_without_script(app, client):
    new_survey(app)
    [token] = issue(app)
    english = client.get(f"/{token}", headers={"Accept-Language": "en-CA,en;q=0.9"})
    assert english.status_code == 200
    html = english.get_data(as_text=True)
    assert '<html lang="en">' in html and "End-of-year survey" in html
    assert '<a href="?lang=fr" lang="fr" hreflang="fr">Français</a>' in html
    assert "<script" not in html and "action=" not in html
    assert token not in html  # the form posts back to its own address: no token in the page
    assert "9-8-8" in html  # the crisis line
    assert english.headers["Cache-Control"] == "no-store"
    assert english.headers["Referrer-Policy"] == "no-referrer"
    french = client.get(f"/{token}?lang=fr", headers={"Accept-Language": "en"})
    assert '<html lang="fr">' in french.get_data(as_text=True)
    assert "Sondage de fin d&#39;année" in french.get_data(as_text=True)
    assert 'name="k10_1"' not in html  # K10 is off unless the survey asks it


def test_a_reopened_link_keeps_the_language_chosen(app, client):
    """Answered in French, the link reopened from the email (no ?lang=, an English browser)
    says "already answered" in French (issue 12, item 15). Only the language is kept."""
    new_survey(app)
    [token] = issue(app)
    english = {"Accept-Language": "en-CA,en;q=0.9"}
    chosen = client.get(f"/{token}?lang=fr", headers=english)
    assert chosen.headers.getlist("Set-Cookie") == [
        f"lang=fr; Expires={chosen.headers['Set-Cookie'].split('Expires=')[1].split(';')[0]}; "
        "Max-Age=34560000; HttpOnly; Path=/; SameSite=Lax"
    ]
    assert client.get(f"/{token}", headers=english).get_data(as_text=True).count('<html lang="fr">') == 1
    answered = client.post(f"/{token}?lang=fr", data={"year_of_study": "year1"}, headers=english)
    assert answered.status_code == 303 and "Set-Cookie" not in answered.headers  # already "fr"
    again = client.get(f"/{token}", headers=english)
    assert again.status_code == 410
    assert '<html lang="fr">' in again.get_data(as_text=True)
    assert "Vous avez déjà répondu" in again.get_data(as_text=True)
    # ?lang= still wins, and is what is remembered next.
    assert '<html lang="en">' in client.get(f"/{token}?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in client.get(f"/{token}", headers={"Accept-Language": "fr"}).get_data(
        as_text=True
    )


def test_k10_is_asked_when_the_survey_turns_it_on(app, client):
    new_survey(app, k10=True)
    [token] = issue(app)
    assert 'name="k10_10"' in client.get(f"/{token}").get_data(as_text=True)


# -- answering --------------------------------------------------------------------------------


def test_a_form_answer_is_stored_once_then_thanks(app, client):
    new_survey(app)
    [token] = issue(app)
    form = MultiDict(
        [
            ("barriers.peer_support", "stigma"),
            ("barriers.peer_support", "no_time"),
            ("year_of_study", "year2"),
            ("would_recommend", "4"),
            ("suggestions", "  More evening hours.  "),
            ("used_peer_support", ""),
        ]
    )
    response = client.post(f"/{token}?lang=fr", data=form)
    assert response.status_code == 303
    assert response.headers["Location"] == "thanks?lang=fr#thank-you"  # /survey/thanks from /survey/<TOKEN>
    assert stored(app) == [
        {
            "barriers": {"peer_support": ["stigma", "no_time"]},
            "year_of_study": "year2",
            "would_recommend": 4,
            "suggestions": "More evening hours.",
        }
    ]
    # Sealed until a release: a random id, a box of the fixed size, and nothing released yet.
    [box] = app.store.sealed_answers("y2026")
    assert len(box.id) == 32 and len(box.box) == 12 + 8192 + 16
    assert app.store.count_answers("y2026") == 0
    thanks = client.get("/thanks?lang=fr")
    assert thanks.status_code == 200 and "Merci\u202f!" in thanks.get_data(as_text=True)


def test_skipped_questions_are_no_answer_never_zero(app, client):
    new_survey(app, k10=True)
    [token] = issue(app)
    blank = {"suggestions": "", "would_recommend": "", "k10_3": ""}
    asked = client.post(f"/{token}", data=blank)
    # Nothing answered: the page asks first, so a stray tap does not spend the link.
    assert asked.status_code == 400
    page = asked.get_data(as_text=True)
    assert "You have not answered any question" in page
    assert '<input type="hidden" name="confirm_blank" value="1">' in page
    # Its own heading and button, not the fields' error summary above "Send my answers".
    assert '<h2 class="err" role="alert">You have not answered any question' in page
    assert "Please correct" not in page and ">Send without answers</button>" in page
    assert "Send my answers" not in page
    assert nothing_stored(app, token)
    assert client.post(f"/{token}", data={**blank, "confirm_blank": "1"}).status_code == 303
    assert stored(app) == [{"barriers": NO_BARRIERS}]


def test_a_json_answer_gets_201(app, client):
    new_survey(app, k10=True)
    [token] = issue(app)
    response = client.post(
        f"/{token}", json={"k10_1": 2, "barriers": {"faculty_services": ["career_impact"]}}
    )
    assert (response.status_code, response.get_json()) == (201, {"status": "stored", "show_support": False})
    assert stored(app) == [{"k10_1": 2, "barriers": {"faculty_services": ["career_impact"]}}]


def test_a_used_link_is_gone_with_thanks(app, client):
    new_survey(app)
    [token] = issue(app)
    assert client.post(f"/{token}", json={}).status_code == 400  # blank: confirm first
    assert client.post(f"/{token}", json={"confirm_blank": True}).status_code == 201
    page = client.get(f"/{token}")
    assert page.status_code == 410
    assert "already answered" in page.get_data(as_text=True)
    again = client.post(f"/{token}", data={"year_of_study": "year1"})
    assert again.status_code == 410
    as_json = client.post(f"/{token}", json={"year_of_study": "year1"})
    assert (as_json.status_code, as_json.get_json()["error"]) == (410, "already_answered")
    assert stored(app) == [{"barriers": NO_BARRIERS}]


@pytest.mark.stores(*REAL_STORES)  # concurrent redemptions on the real adapters
def test_fifty_concurrent_submissions_with_one_link_store_exactly_one(app, live_server):
    new_survey(app)
    [token] = issue(app)
    url = f"{live_server.url}/survey/{token}"
    start = threading.Barrier(50)

    def submit(n: int) -> int:
        with requests.Session() as session:
            start.wait()
            return session.post(url, json={"suggestions": f"copy {n}"}, timeout=60).status_code

    with ThreadPoolExecutor(50) as pool:
        codes = list(pool.map(submit, range(50)))
    assert sorted(codes) == [201] + [410] * 49
    assert len(stored(app)) == 1
    assert received(app) == 1


# -- bad input: clear 4xx, nothing stored -----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/thanks/x",
        "/abc",
        "/" + "A" * 43,  # the right shape, never issued
        "/" + "A" * 44,
        "/" + "x" * 5000,
        "/%00%ff",
        "/../admin/surveys",
        "/tok%2Fen",
    ],
)
def test_garbled_or_guessed_links_are_404(app, client, path):
    new_survey(app)
    response = client.get(path)
    assert response.status_code == 404
    assert client.post(path, json={}).status_code == 404
    assert stored(app) == []


def test_a_guessed_token_of_the_right_shape_is_404_in_json(app, client):
    new_survey(app)
    issue(app, count=5)
    response = client.post(f"/{secrets.token_urlsafe(32)}", json={})
    assert (response.status_code, response.get_json()["error"]) == (404, "unknown_link")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"barriers.peer_support": "not_a_barrier"}, "barriers.peer_support"),
        ({"barriers.no_such_service": "stigma"}, "barriers.no_such_service"),
        ({"year_of_study": "year9"}, "year_of_study"),
        ({"would_recommend": "6"}, "would_recommend"),
        ({"k10_1": "0"}, "k10_1"),
        ({"k10_10": "6"}, "k10_10"),
        ({"suggestions": "x" * 5000}, "suggestions"),
        ({"surprise": "field"}, "surprise"),
    ],
)
def test_invalid_form_answers_are_shown_again_with_every_answer_kept(app, client, data, field):
    new_survey(app, k10=True)
    [token] = issue(app)
    kept = {"year_of_study": "year3", "suggestions": "<script>alert(1)</script>", **data}
    if field == "year_of_study":
        kept["suggestions"] = "<script>alert(1)</script>"
    response = client.post(f"/{token}?lang=en", data=kept)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="error-summary"' in html  # every message, linked to its question when shown
    assert f'id="q-{field}-e"' in html or f"<li>“{field.split('.')[-1]}" in html
    if field != "year_of_study":
        assert 'value="year3" checked' in html
    if field != "suggestions":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in html
        assert "<script>alert" not in html
    assert nothing_stored(app, token)
    assert client.get(f"/{token}").status_code == 200  # the link still works


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"barriers": {"peer_support": ["stigma", "bogus"]}}, "barriers.peer_support"),
        ({"barriers": {"library": ["stigma"]}}, "barriers.library"),
        ({"barriers": ["stigma"]}, "barriers"),
        ({"k10_5": 0}, "k10_5"),
        ({"k10_5": 6}, "k10_5"),
        ({"k10_5": "3; DROP TABLE answers"}, "k10_5"),
        ({"suggestions": "y" * 5000}, "suggestions"),
        ({"suggestions": 42}, "suggestions"),
        ({"would_recommend": True}, "would_recommend"),
        ({"year_of_study": ["year1", "year2"]}, "year_of_study"),
        ({"answers": {}}, "answers"),
    ],
)
def test_invalid_json_answers_get_400_with_the_field(app, client, body, field):
    new_survey(app, k10=True)
    [token] = issue(app)
    response = client.post(f"/{token}", json=body)
    assert response.status_code == 400
    assert field in response.get_json()["errors"]
    assert nothing_stored(app, token)


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"data": b"{not json", "content_type": "application/json"}, 400),
        ({"data": b"[1, 2]", "content_type": "application/json"}, 400),
        ({"data": b"\xff\xfe", "content_type": "application/json"}, 400),
        ({"data": b"<x/>", "content_type": "application/xml"}, 415),
        ({"data": b"a=" + b"b" * 70_000, "content_type": "application/x-www-form-urlencoded"}, 413),
    ],
)
def test_malformed_bodies_are_refused(app, client, kwargs, status):
    new_survey(app)
    [token] = issue(app)
    assert client.post(f"/{token}", **kwargs).status_code == status
    assert nothing_stored(app, token)


def test_other_methods_are_405(app, client):
    new_survey(app)
    [token] = issue(app)
    for method in ("put", "delete", "patch"):
        response = getattr(client, method)(f"/{token}")
        assert response.status_code == 405
    assert client.post("/thanks").status_code == 405
    assert nothing_stored(app, token)


def test_a_script_in_the_suggestions_is_stored_as_text(app, client):
    new_survey(app)
    [token] = issue(app)
    text = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert client.post(f"/{token}", data={"suggestions": text}).status_code == 303
    assert stored(app) == [{"barriers": NO_BARRIERS, "suggestions": text}]


def _set_dates(app, **changes) -> Survey:
    before = app.store.get_survey("y2026")
    survey = replace(before, **changes)
    assert app.store.update_survey(before, survey)
    return survey


def test_a_closed_survey_refuses_answers_with_its_dates(app, client):
    day = today(app)
    new_survey(app, closes=day + timedelta(days=10))
    [token] = issue(app)
    _set_dates(app, closed_on=day)
    for response in (client.get(f"/{token}"), client.post(f"/{token}", data={"year_of_study": "year1"})):
        assert response.status_code == 410
        assert f"It closed on {day.isoformat()}" in response.get_data(as_text=True)
    as_json = client.post(f"/{token}", json={})
    assert (as_json.status_code, as_json.get_json()["error"]) == (410, "survey_closed")
    assert as_json.get_json()["closes"] == (day + timedelta(days=10)).isoformat()
    assert nothing_stored(app, token)


def test_a_survey_past_its_closing_date_refuses_answers(app, client):
    day = today(app)
    new_survey(app, closes=day)
    [token] = issue(app)
    _set_dates(app, opens=day - timedelta(days=20), closes=day - timedelta(days=1))
    response = client.post(f"/{token}?lang=fr", json={})
    assert response.status_code == 410
    assert f"Il prend fin le {(day - timedelta(days=1)).isoformat()}" in response.get_json()["message"]
    assert nothing_stored(app, token)


def test_a_survey_not_open_yet_is_403_with_its_dates(app, client):
    day = today(app)
    new_survey(app, opens=day + timedelta(days=2), closes=day + timedelta(days=9))
    [token] = issue(app)
    page = client.get(f"/{token}")
    assert page.status_code == 403
    assert f"It opens on {(day + timedelta(days=2)).isoformat()}" in page.get_data(as_text=True)
    as_json = client.post(f"/{token}", json={})
    assert as_json.status_code == 403
    assert as_json.get_json()["opens"] == (day + timedelta(days=2)).isoformat()
    assert nothing_stored(app, token)


def test_a_purged_survey_s_links_are_unknown(app, client):
    new_survey(app)
    [token] = issue(app)
    links.purge(app.store, app.settings, "y2026", today(app))
    page = client.get(f"/{token}")
    assert page.status_code == 404
    # Nothing is kept that ties the link to its survey, so the page covers both cases: the
    # student whose survey was purged learns it is closed, not only to check the link.
    assert "If the survey has ended, it is closed" in page.get_data(as_text=True)
    assert "il est fermé" in client.get(f"/{token}?lang=fr").get_data(as_text=True)
    assert client.post(f"/{token}", json={}).status_code == 404
    assert stored(app) == []


def test_a_trailing_slash_is_sent_back_to_the_link(app, client):
    new_survey(app)
    [token] = issue(app)
    response = client.get(f"/{token}/?lang=fr")
    assert (response.status_code, response.headers["Location"]) == (308, f"../{token}?lang=fr")
