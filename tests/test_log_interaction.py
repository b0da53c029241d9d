"""The log_interaction function through functions-framework's test client, on the in-memory store (the contract suite holds SQLite and Firestore to the same behaviour)."""

# Fixtures are imported by name from tests/test_log_support.py; pytest injects them as arguments.
# ruff: noqa: F811

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from shared import bootstrap
from shared.mail import Mailer, MailError, Message
from shared.records import Interaction
from shared.services import alerts as alerts_service
from shared.services import supporters
from tests.test_log_support import (  # noqa: F401  (fixtures)
    add_supporter,
    alerts,
    answers,
    as_form,
    hidden,
    log_client,
    post_json,
    sam,
    stored,
    today,
)


def checked(html: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}" value="([^"]+)" checked', html)


# -- the form -----------------------------------------------------------------------------
def test_form_page_has_the_questions_defaults_and_the_token(log_client, sam):
    response = log_client.get(f"/?t={sam.token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "<h1>Log an interaction</h1>" in html
    assert hidden(html, "t") == sam.token
    assert uuid.UUID(hidden(html, "submission_id")).version == 4
    assert f'name="occurred_on" value="{today().isoformat()}"' in html
    assert f'max="{today().isoformat()}"' in html and 'min="2020-01-01"' in html
    assert checked(html, "format") == []  # nothing logged yet: no usual format
    assert "Logged this month: 0" in html
    assert f'href="./?t={sam.token}&amp;lang=fr" lang="fr" hreflang="fr">Français</a>' in html
    assert '<script src="log.js" defer></script>' in html
    assert f'href="manifest.webmanifest?t={sam.token}"' in html
    assert "<script>" not in html and "style=" not in html  # CSP: no inline script or style


def test_each_load_gets_a_fresh_submission_id(log_client, sam):
    first = hidden(log_client.get(f"/?t={sam.token}").get_data(as_text=True), "submission_id")
    second = hidden(log_client.get(f"/?t={sam.token}").get_data(as_text=True), "submission_id")
    assert first != second


def test_form_in_french(log_client, sam):
    html = log_client.get(f"/?t={sam.token}&lang=fr").get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "<h1>Consigner une interaction</h1>" in html
    assert "Consignées ce mois-ci\u00a0: 0" in html
    assert f'href="./?t={sam.token}&amp;lang=en" lang="en" hreflang="en">English</a>' in html
    assert 'action="./?lang=fr"' in html


def test_form_remembers_the_usual_format_and_counts_this_month(log_client, sam):
    last_month = today().replace(day=1) - timedelta(days=1)
    assert (
        post_json(
            log_client, sam.token, answers(occurred_on=last_month.isoformat()), str(uuid.uuid4())
        ).status_code
        == 201
    )
    for fmt in ("in_person", "video"):
        assert post_json(log_client, sam.token, answers(format=fmt), str(uuid.uuid4())).status_code == 201
    other = add_supporter("Kim")
    assert post_json(log_client, other.token, answers(format="phone"), str(uuid.uuid4())).status_code == 201

    html = log_client.get(f"/?t={sam.token}").get_data(as_text=True)
    assert checked(html, "format") == ["video"]
    assert "Logged this month: 2" in html


# -- HTML submissions ---------------------------------------------------------------------
def test_html_post_stores_once_and_goes_to_thanks(log_client, sam):
    sid = hidden(log_client.get(f"/?t={sam.token}").get_data(as_text=True), "submission_id")
    form = as_form(answers(), sam.token, sid)
    response = log_client.post("/?lang=en", data=form)
    assert response.status_code == 303
    assert response.headers["Location"] == f"thanks?t={sam.token}&lang=en"
    [record] = stored()
    assert record == Interaction(
        id=sid,
        supporter_id=sam.id,
        occurred_on=today(),
        answers=answers(),
        created_at=record.created_at,
    )
    # The same page posted again (double tap, back and resubmit): same thanks, nothing new.
    again = log_client.post("/?lang=en", data=form)
    assert again.status_code == 303
    assert stored() == [record]
    assert alerts() == []


def test_thanks_page_counts_and_offers_another(log_client, sam):
    log_client.post("/", data=as_form(answers(), sam.token))
    response = log_client.get(f"/thanks?t={sam.token}&lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Saved. Thank you!</h1>" in html
    assert "Logged this month: 1" in html
    assert f'<a class="button" href="./?t={sam.token}&amp;lang=en">Log another interaction</a>' in html


def test_html_errors_keep_every_answer_and_sit_beside_their_field(log_client, sam):
    note = 'Talked about <b>exams</b> & "stress"'
    form = as_form(answers(duration_minutes=None, note=note, occurred_on=None), sam.token)
    form["duration_minutes"] = "601"
    response = log_client.post("/?lang=en", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert stored() == []
    # Each message is under its own question, tied to its control.
    assert (
        '<p class="err" id="q-duration_minutes-e">“How long did it last?”: enter a number no greater than 600.</p>'
        in html
    )
    assert 'id="q-occurred_on-e">“Date of the interaction”: please answer this question.</p>' in html
    assert 'aria-describedby="q-duration_minutes-h q-duration_minutes-e"' in html
    # Every answer is still there, the note shown as text.
    assert 'name="duration_minutes" value="601"' in html
    assert checked(html, "format") == ["phone"]
    assert checked(html, "topics") == ["academic", "burnout_stress"]
    assert checked(html, "follow_up_planned") == ["yes"]
    assert "Talked about &lt;b&gt;exams&lt;/b&gt; &amp; &#34;stress&#34;</textarea>" in html
    assert hidden(html, "submission_id") == form["submission_id"]  # nothing stored under it yet
    assert hidden(html, "t") == sam.token


def test_html_errors_in_french(log_client, sam):
    form = as_form(answers(topics=None), sam.token)
    html = log_client.post("/?lang=fr", data=form).get_data(as_text=True)
    assert "«\u00a0De quoi avez-vous parlé\u202f?\u00a0»\u00a0: veuillez répondre à cette question." in html


def test_html_post_with_a_tampered_submission_id_is_refused_kindly(log_client, sam):
    form = as_form(answers(), sam.token, "not-a-uuid")
    response = log_client.post("/", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The submission id must be a UUID" in html
    assert uuid.UUID(hidden(html, "submission_id"))  # a good one to try again with
    assert checked(html, "format") == ["phone"]
    assert stored() == []


# -- JSON submissions ---------------------------------------------------------------------
def test_json_post_is_idempotent_by_key_or_body_id(log_client, sam):
    key = str(uuid.uuid4())
    first = post_json(log_client, sam.token, answers(), key)
    assert (first.status_code, first.json) == (201, {"id": key, "duplicate": False, "logged_this_month": 1})
    again = post_json(log_client, sam.token, {**answers(), "submission_id": key})
    assert (again.status_code, again.json) == (200, {"id": key, "duplicate": True, "logged_this_month": 1})
    assert [r.id for r in stored()] == [key]


def test_the_same_key_with_other_answers_is_422_and_stores_nothing(log_client, sam):
    """IETF Idempotency-Key draft: a reused key with a different payload is an error (it was a
    200 "duplicate" that silently dropped the new answers); an exact repeat stays a duplicate."""
    first = post_json(log_client, sam.token, answers(format="phone"), "abc-123")
    assert first.status_code == 201
    changed = post_json(log_client, sam.token, answers(format="in_person"), "abc-123")
    assert changed.status_code == 422
    assert (
        changed.json["error"] == "idempotency_key_reused" and "different answers" in changed.json["message"]
    )
    [kept] = stored()
    assert kept.answers["format"] == "phone"
    reordered = dict(reversed(list(answers(format="phone").items())))  # same answers, other key order
    again = post_json(log_client, sam.token, reordered, "abc-123")
    assert (again.status_code, again.json["duplicate"]) == (200, True)


def test_json_submission_id_is_normalised(log_client, sam):
    key = uuid.uuid4()
    first = post_json(log_client, sam.token, answers(), str(key).upper())
    assert first.json == {"id": str(key), "duplicate": False, "logged_this_month": 1}
    again = post_json(log_client, sam.token, answers(), key.hex)
    assert again.json == {"id": str(key), "duplicate": True, "logged_this_month": 1}


def test_json_needs_a_key_and_takes_any_opaque_one(log_client, sam):
    # Issue 12 item 14: "abc-123" was refused with "must be a UUID", and so was a missing key.
    missing = post_json(log_client, sam.token, answers())
    assert (missing.status_code, missing.json["errors"]) == (
        400,
        {"submission_id": ["An Idempotency-Key header (or a submission_id in the body) is required."]},
    )
    first = post_json(log_client, sam.token, answers(), "abc-123")
    assert first.status_code == 201
    key_id = first.json["id"]
    assert uuid.UUID(key_id).version == 5  # ids stay UUIDs (exports and imports rely on it)
    again = post_json(log_client, sam.token, {**answers(), "submission_id": "abc-123"})
    assert (again.status_code, again.json["id"], again.json["duplicate"]) == (200, key_id, True)
    quoted = post_json(log_client, sam.token, answers(), '"abc-123"')  # the draft's sf-string form
    assert (quoted.status_code, quoted.json["id"], quoted.json["duplicate"]) == (200, key_id, True)
    # A key is the client's own: another supporter's "abc-123" is another interaction.
    kim = add_supporter("Kim")
    other = post_json(log_client, kim.token, answers(), "abc-123")
    assert other.status_code == 201 and other.json["id"] != key_id
    for bad in ("x" * 256, "tab\there", "clé"):
        refused = post_json(log_client, sam.token, {**answers(), "submission_id": bad})
        assert refused.status_code == 400
        assert refused.json["errors"]["submission_id"] == [
            "The Idempotency-Key must be 1 to 255 visible ASCII characters, such as abc-123 or a UUID."
        ]
    assert post_json(log_client, sam.token, answers(), "x" * 255).status_code == 201
    differ = post_json(log_client, sam.token, {**answers(), "submission_id": "a"}, "b")
    assert differ.status_code == 400
    assert list(differ.json["errors"]) == ["submission_id"]
    assert len(stored()) == 3


def test_json_errors_name_each_field(log_client, sam):
    response = post_json(
        log_client, sam.token, answers(format="fax", duration_minutes=0, colour="blue"), str(uuid.uuid4())
    )
    assert response.status_code == 400
    assert response.json == {
        "error": "invalid",
        "message": "Some answers need a look.",
        "errors": {
            "colour": ["“colour” is not a question on this form."],
            "duration_minutes": ["“How long did it last?”: enter a number of at least 1."],
            "format": ["“How did you connect?”: choose from the options given."],
        },
    }
    assert stored() == []


def test_json_errors_in_french(log_client, sam):
    response = post_json(
        log_client, sam.token, answers(format="fax"), str(uuid.uuid4()), **{"Accept-Language": "fr"}
    )
    assert response.json["errors"] == {
        "format": [
            "«\u00a0Comment avez-vous communiqué\u202f?\u00a0»\u00a0: choisissez parmi les options proposées."
        ]
    }


def test_a_refusal_is_in_the_client_s_language(log_client, sam):
    """A domain error carries a msgid and its values; the edge says it in the request's language."""
    post_json(log_client, sam.token, answers(format="phone"), "abc-123")
    changed = post_json(
        log_client, sam.token, answers(format="in_person"), "abc-123", **{"Accept-Language": "fr"}
    )
    assert changed.status_code == 422
    assert changed.json["message"] == (
        "Cette Idempotency-Key (identifiant de soumission) a déjà servi avec d'autres réponses\u202f; "
        "envoyez les nouvelles réponses avec une nouvelle clé."
    )
    garbage = log_client.post(
        "/",
        data="[1]",
        headers={
            "Authorization": f"Bearer {sam.token}",
            "Content-Type": "application/json",
            "Accept-Language": "fr",
        },
    )
    assert (garbage.status_code, garbage.json["message"]) == (
        400,
        "Le corps de la requête doit être un objet JSON.",
    )


def test_urgent_concern_mails_the_coordinators_once(log_client, sam, outbox):
    key = str(uuid.uuid4())
    assert post_json(log_client, sam.token, answers(concern_level="urgent"), key).status_code == 201
    [mail] = outbox.messages()
    assert mail["To"] == "coord@example.org"
    assert "Exam stress" not in mail.as_string()  # nothing about the student
    # A repeat stores no second interaction and sends no second alert; other levels send none.
    assert post_json(log_client, sam.token, answers(concern_level="urgent"), key).status_code == 200
    assert (
        post_json(log_client, sam.token, answers(concern_level="some"), str(uuid.uuid4())).status_code == 201
    )
    assert len(outbox.messages()) == 1
    assert alerts() == []


class MailDown(Mailer):
    """The fault to inject: every send fails, through the project's own mail port."""

    def send(self, message: Message) -> str:
        raise MailError("smtp.example.org:587 refused the connection")


def test_urgent_alert_is_stored_with_the_interaction_and_kept_when_mail_fails(log_client, sam, app):
    app._mailer = MailDown("x@example.org")
    key = str(uuid.uuid4())
    response = post_json(log_client, sam.token, answers(concern_level="urgent"), key)
    assert (response.status_code, response.json["id"], response.json["duplicate"]) == (201, key, False)
    [alert] = alerts()
    claim = app.store.get_claim(alerts_service.ALERT, alert.id)
    assert (alert.interaction_id, alert.state, claim.attempt, claim.state) == (key, "pending", 1, "failed")
    assert claim.error == "smtp.example.org:587 refused the connection"
    assert uuid.UUID(alert.id)
    form = log_client.post("/", data=as_form(answers(concern_level="urgent"), sam.token))
    assert form.status_code == 303
    assert sorted(a.interaction_id for a in alerts()) == sorted(r.id for r in stored())


def test_a_submission_id_used_by_another_supporter_is_a_conflict(log_client, sam):
    key = str(uuid.uuid4())
    assert post_json(log_client, sam.token, answers(note="mine"), key).status_code == 201
    kim = add_supporter("Kim")
    response = post_json(log_client, kim.token, answers(note="theirs"), key)
    assert response.status_code == 409
    [record] = stored()
    assert (record.supporter_id, record.answers["note"]) == (sam.id, "mine")


# -- links --------------------------------------------------------------------------------
def test_revoked_link_gets_a_clear_page_and_stores_nothing(log_client, sam):
    app = bootstrap.app()
    supporters.revoke(app.store, supporters.by_id(app.store, sam.id))
    page = log_client.get(f"/?t={sam.token}")
    assert page.status_code == 401
    html = page.get_data(as_text=True)
    assert "<h1>This link is no longer active</h1>" in html
    assert "<p>This link is no longer active. Please ask your coordinator for a new one.</p>" in html
    assert "<h1>Ce lien n&#39;est plus actif</h1>" in log_client.get(f"/?t={sam.token}&lang=fr").get_data(
        as_text=True
    )
    posted = log_client.post("/", data=as_form(answers(), sam.token))
    assert posted.status_code == 401
    api = post_json(log_client, sam.token, answers(), str(uuid.uuid4()))
    assert api.status_code == 401
    assert api.json["error"] == "link_inactive"
    assert api.headers["WWW-Authenticate"].startswith("Bearer")
    assert log_client.get(f"/thanks?t={sam.token}").status_code == 401
    assert stored() == []


def test_relink_replaces_the_old_link(log_client, sam):
    app = bootstrap.app()
    fresh = supporters.relink(app.store, app.settings, supporters.by_id(app.store, sam.id))
    new_token = fresh.link.split("?t=")[1]
    assert log_client.get(f"/?t={sam.token}").status_code == 401
    assert log_client.get(f"/?t={new_token}").status_code == 200
    assert post_json(log_client, new_token, answers(), str(uuid.uuid4())).status_code == 201


# -- files --------------------------------------------------------------------------------
def test_static_files_for_the_offline_form(log_client, sam):
    script = log_client.get("/log.js")
    assert script.status_code == 200
    assert script.mimetype in ("text/javascript", "application/javascript")
    assert b"Idempotency-Key" in script.data
    worker = log_client.get("/sw.js")
    assert worker.status_code == 200 and b"caches" in worker.data
    assert log_client.get("/icon.svg").mimetype == "image/svg+xml"
    manifest = log_client.get(f"/manifest.webmanifest?t={sam.token}")
    assert manifest.mimetype == "application/manifest+json"
    assert manifest.json["start_url"] == f"./?t={sam.token}"
    assert manifest.json["scope"] == "./"
    assert log_client.get("/manifest.webmanifest?t=<script>").json["start_url"] == "./"
    assert log_client.get("/nothing-here").status_code == 404
    assert log_client.post("/log.js").status_code == 405
