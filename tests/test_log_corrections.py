"""Correcting a mistake (issue 12, item 13), through the log function (on the in-memory store; the contract suite holds SQLite and Firestore to the same behaviour): the
supporter's last entries on the thanks page and the form, editing and deleting one for 24
hours, validated like a new entry, the same id kept, the tally still a recount, and one email
to the coordinators for each change to or from urgent."""

# Fixtures are imported by name; pytest injects them as arguments.
# ruff: noqa: F811

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shared import bootstrap, tally
from shared.records import Interaction
from shared.services import alerts, corrections, interactions, supporters
from shared.store.port import NotFound
from tests.test_alerts import smtp_app  # noqa: F401  (fixture)
from tests.test_log_support import (  # noqa: F401  (fixtures)
    EVERYTHING,
    add_supporter,
    answers,
    as_form,
    log_client,
    sam,
    stored,
    today,
)


def logged(client, token: str, **changes) -> str:
    submission = str(uuid.uuid4())
    response = client.post("/?lang=en", data=as_form(answers(**changes), token, submission))
    assert response.status_code == 303
    return submission


def the_tally_is_a_recount() -> bool:
    store = bootstrap.app().store
    return list(store.interaction_tallies(*EVERYTHING)) == tally.recount(
        store.iter_interaction_answers(*EVERYTHING)
    )


def edit(client, token: str, entry_id: str, **changes):
    posted = as_form(answers(**changes), token)
    del posted["submission_id"]
    return client.post("/entry?lang=en", data={**posted, "id": entry_id})


def test_the_last_entries_are_listed_with_nothing_about_the_student(log_client, sam):
    first = logged(log_client, sam.token, format="video")
    second = logged(log_client, sam.token, topics=["academic", "burnout_stress"])
    html = log_client.get(f"/thanks?t={sam.token}&lang=en").get_data(as_text=True)
    day = today().isoformat()
    assert '<h2 id="recent-t">Your last entries</h2>' in html
    assert (
        f"<strong>{day}</strong> · Phone call · Academics (courses, exams, studying), Burnout or stress"
        in html
    )
    assert f"<strong>{day}</strong> · Video call · " in html
    assert html.index(second) < html.index(first)  # newest first
    assert f'href="entry?t={sam.token}&amp;id={second}&amp;lang=en">Edit' in html
    assert f'href="entry/delete?t={sam.token}&amp;id={second}&amp;lang=en">Delete' in html
    listed = html.split('id="recent-t"')[1].split("</section>")[0]
    for about_the_student in ("Exam stress", "Year 2", "Counselling", "Some concern", "The student"):
        assert about_the_student not in listed
    form = log_client.get(f"/?t={sam.token}&lang=fr").get_data(as_text=True)
    assert "Vos dernières entrées" in form and f"id={second}&amp;lang=fr" in form


def test_an_edit_is_validated_keeps_the_id_and_alerts_once_to_and_from_urgent(
    log_client, sam, smtp_app, smtp_server
):
    entry = logged(log_client, sam.token)
    [before] = stored()
    page = log_client.get(f"/entry?t={sam.token}&id={entry}&lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>Change an entry</h1>" in html and 'value="phone" checked' in html
    assert "Exam stress; suggested the study group." in html  # their own note, to correct it

    refused = edit(log_client, sam.token, entry, topics=None)  # validated like a new entry
    assert refused.status_code == 400
    assert 'id="error-summary"' in refused.get_data(as_text=True)
    assert stored() == [before]

    changed = edit(log_client, sam.token, entry, concern_level="urgent", format="video")
    assert (changed.status_code, changed.headers["Location"]) == (
        303,
        f"thanks?t={sam.token}&done=edited&lang=en",
    )
    [after] = stored()
    assert (after.id, after.created_at, after.answers["format"]) == (entry, before.created_at, "video")
    assert the_tally_is_a_recount()
    [mail] = smtp_server.messages
    assert mail.message["Subject"] == (
        "[Side-by-Side] Interaction changed to urgent by Sam / Interaction passée à urgent par Sam"
    )
    assert mail.message["Reply-To"] == "sam@example.org"
    text = mail.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith(
        "(Le français suit.)\n\n"
        "Sam corrected an interaction: Changed to urgent: an interaction they had logged now has an urgent"
    )
    assert "Format: Video call" in text and "Exam stress" not in text

    # The same edit sent again (a double tap, back and resubmit) changes and alerts nothing.
    assert edit(log_client, sam.token, entry, concern_level="urgent", format="video").status_code == 303
    assert stored() == [after]
    assert alerts.send_pending_alerts(smtp_app, datetime.now(UTC) + timedelta(minutes=6))["sent"] == 0

    # Back from urgent: one more email (after the five minutes the coordinators' mail waits).
    assert edit(log_client, sam.token, entry, concern_level="some", format="video").status_code == 303
    assert len(smtp_server.messages) == 1  # coalesced: at most one email per supporter in 5 minutes
    assert alerts.send_pending_alerts(smtp_app, datetime.now(UTC) + timedelta(minutes=6))["sent"] == 1
    assert smtp_server.messages[1].message["Subject"] == (
        "[Side-by-Side] Urgent concern withdrawn by Sam / Inquiétude urgente retirée par Sam"
    )
    thanks = log_client.get(f"/thanks?t={sam.token}&done=edited&lang=en").get_data(as_text=True)
    assert "<h1>Your changes were saved.</h1>" in thanks


def test_a_delete_asks_first_and_an_urgent_one_tells_the_coordinators(log_client, sam, smtp_app, smtp_server):
    entry = logged(log_client, sam.token, concern_level="urgent")
    other = logged(log_client, sam.token)
    assert len(smtp_server.messages) == 1  # the urgent entry's own alert
    confirm = log_client.get(f"/entry/delete?t={sam.token}&id={entry}&lang=en")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "<h1>Delete this entry?</h1>" in html
    assert f"The entry of {today().isoformat()} (Phone call) will be deleted." in html
    assert [r.id for r in stored()].count(entry) == 1  # asking deletes nothing

    done = log_client.post("/entry/delete?lang=en", data={"t": sam.token, "id": entry})
    assert (done.status_code, done.headers["Location"]) == (
        303,
        f"../thanks?t={sam.token}&done=deleted&lang=en",
    )
    assert [r.id for r in stored()] == [other]
    assert the_tally_is_a_recount()
    assert alerts.send_pending_alerts(smtp_app, datetime.now(UTC) + timedelta(minutes=6))["sent"] == 1
    mail = smtp_server.messages[1].message
    assert (
        mail["Subject"]
        == "[Side-by-Side] Urgent interaction deleted by Sam / Interaction urgente supprimée par Sam"
    )
    assert "The entry is deleted: nothing else of it is kept." in mail.get_body(("plain",)).get_content()
    again = log_client.post("/entry/delete?lang=en", data={"t": sam.token, "id": entry})
    assert again.status_code == 404  # the second tap: nothing left to delete, nothing mailed
    assert alerts.send_pending_alerts(smtp_app, datetime.now(UTC) + timedelta(minutes=12))["sent"] == 0


def test_after_24_hours_or_for_someone_else_nothing_can_be_changed(log_client, sam):
    store = bootstrap.app().store
    old = Interaction(
        str(uuid.uuid4()), sam.id, today(), answers(), datetime.now(UTC) - timedelta(hours=24, minutes=1)
    )
    store.add_interaction(old)
    html = log_client.get(f"/?t={sam.token}&lang=en").get_data(as_text=True)
    assert "Your last entries" in html and f"id={old.id}" not in html  # listed, no links
    assert log_client.get(f"/entry?t={sam.token}&id={old.id}").status_code == 403
    assert edit(log_client, sam.token, old.id, format="video").status_code == 403
    post = log_client.post("/entry/delete", data={"t": sam.token, "id": old.id})
    assert (post.status_code, "24 hours" in post.get_data(as_text=True)) == (403, True)
    jo = add_supporter("Jo")
    theirs = logged(log_client, jo.token)
    assert log_client.get(f"/entry?t={sam.token}&id={theirs}").status_code == 404
    assert edit(log_client, sam.token, theirs, format="video").status_code == 404
    assert log_client.post("/entry/delete", data={"t": sam.token, "id": theirs}).status_code == 404
    assert log_client.get(f"/entry?t={sam.token}&id=nope").status_code == 404
    # Said in the page's language (the service raises the msgid, the page translates it).
    late = log_client.get(f"/entry?t={sam.token}&id={old.id}&lang=fr").get_data(as_text=True)
    assert "Une entrée peut être modifiée pendant les 24\u00a0heures" in late
    gone = log_client.get(f"/entry?t={sam.token}&id=nope&lang=fr").get_data(as_text=True)
    assert "Il n&#39;y a ici aucune entrée à vous à modifier." in gone
    assert {r.id for r in stored()} == {old.id, theirs} and store.get_interaction(old.id) == old
    supporters.revoke(store, supporters.by_id(store, jo.id))
    assert edit(log_client, jo.token, theirs, format="video").status_code == 401
    assert store.get_interaction(theirs).answers["format"] == "phone"


def test_a_stale_edit_is_refused_whole_and_a_repeat_changes_nothing(log_client, sam):
    """Two tabs open on one entry: a save made from an older read changes nothing."""
    app = bootstrap.app()
    entry = logged(log_client, sam.token)
    supporter = supporters.by_id(app.store, sam.id)
    read = app.store.get_interaction(entry)
    app.store.replace_interaction(read, replace(read, answers={**read.answers, "format": "video"}))
    with pytest.raises(NotFound):
        app.store.replace_interaction(read, replace(read, answers={**read.answers, "format": "in_person"}))
    assert app.store.get_interaction(entry).answers["format"] == "video"
    context = interactions.validation_context(app.settings, "en")
    assert not corrections.edit(app.store, supporter, entry, answers(format="video"), context=context).changed
    assert corrections.edit(app.store, supporter, entry, answers(format="in_person"), context=context).changed
    assert app.store.get_interaction(entry).answers["format"] == "in_person"
    assert the_tally_is_a_recount()


def test_an_urgent_entry_deleted_before_its_alert_went_out_still_names_the_supporter(
    log_client, sam, smtp_app, smtp_server
):
    """The mail was down when the urgent entry was logged, and the supporter deleted it: the
    coordinators still get both, in one email that says who to contact and that it is deleted."""
    from tests.test_alerts import FailsFirst

    smtp_app._mailer = FailsFirst(smtp_app.mailer, failures=1)
    entry = logged(log_client, sam.token, concern_level="urgent")
    assert smtp_server.messages == []
    assert log_client.post("/entry/delete", data={"t": sam.token, "id": entry}).status_code == 303
    alerts.send_pending_alerts(smtp_app, datetime.now(UTC) + timedelta(minutes=6))
    [mail] = smtp_server.messages
    assert mail.message["Subject"] == (
        "[Side-by-Side] 2 urgent concerns logged or corrected by Sam"
        " / 2 inquiétudes urgentes consignées ou corrigées par Sam"
    )
    text = mail.message.get_body(("plain",)).get_content()
    assert "Please contact Sam to follow up: sam@example.org" in text
    assert "Deleted: they deleted an interaction they had logged as urgent." in text
    assert text.count("The entry is deleted: nothing else of it is kept.") == 2
    assert "could not be read" not in text
