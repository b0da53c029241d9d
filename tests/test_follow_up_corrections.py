"""Follow-ups kept in step with corrections (issue 14, with issue 12's 24-hour corrections):
whatever a supporter edits or deletes, the follow-up records, their list, the digest and the
coordinators' counts say the same as the entries. The store makes each correction and its
follow-up changes in one atomic write (tests/contract/test_store_follow_ups.py)."""

# ruff: noqa: F811

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from shared import bootstrap
from shared.report.follow_up_counts import follow_up_counts, uptake_counts
from shared.services import follow_ups
from tests.test_log_support import (  # noqa: F401  (fixtures)
    add_supporter,
    answers,
    as_form,
    log_client,
    post_json,
    sam,
    today,
)


def store():
    return bootstrap.app().store


def log(client, token: str, **changes) -> str:
    key = str(uuid.uuid4())
    response = post_json(client, token, answers(**changes), key=key)
    assert response.status_code == 201, response.get_json()
    return key


def edit(client, token: str, entry_id: str, extra: dict | None = None, **changes):
    """The entry's page sent back with these changes (as the browser posts it)."""
    posted = as_form(answers(**changes), token)
    del posted["submission_id"]
    return client.post("/entry?lang=en", data={**posted, "id": entry_id, **(extra or {})})


def delete(client, token: str, entry_id: str):
    return client.post("/entry/delete?lang=en", data={"t": token, "id": entry_id})


def listed(client, token: str) -> str:
    return client.get(f"/?t={token}").get_data(as_text=True)


def counts() -> dict[str, int]:
    return follow_up_counts(store().follow_ups(), today())


def test_unplanning_a_follow_up_removes_it_everywhere(log_client, sam):
    entry = log(log_client, sam.token, follow_up_due=today().isoformat())
    assert f"follows={entry}" in listed(log_client, sam.token)
    assert edit(log_client, sam.token, entry, follow_up_planned=False).status_code == 303
    assert store().get_interaction(entry).answers["follow_up_planned"] is False
    assert store().get_follow_up(entry) is None
    assert f"follows={entry}" not in listed(log_client, sam.token)
    assert follow_ups.due_for(store(), store().get_supporter(sam.id), today()) == []  # no digest line
    assert counts()["planned"] == 0
    assert log_client.get(f"/?t={sam.token}&follows={entry}").status_code == 404


def test_planning_a_follow_up_in_a_correction_creates_it(log_client, sam):
    entry = log(log_client, sam.token, follow_up_planned=False, referral="physician")
    due = (today() + timedelta(days=3)).isoformat()
    assert edit(log_client, sam.token, entry, follow_up_planned=True, referral="physician").status_code == 303
    made = store().get_follow_up(entry)
    assert (made.state, made.referral, made.due) == ("open", "physician", today() + timedelta(days=7))
    assert log_client.get(f"/?t={sam.token}&follows={entry}").status_code == 200
    # Its due date is on the entry's page, where it can be changed too.
    page = log_client.get(f"/entry?t={sam.token}&id={entry}").get_data(as_text=True)
    assert f'name="follow_up_due" value="{made.due.isoformat()}"' in page
    assert edit(log_client, sam.token, entry, {"follow_up_due": due}, referral="physician").status_code == 303
    assert store().get_follow_up(entry).due.isoformat() == due
    assert counts()["planned"] == 1


def test_a_corrected_referral_is_the_follow_ups_referral(log_client, sam):
    entry = log(log_client, sam.token, referral="none")
    assert edit(log_client, sam.token, entry, referral="counselling").status_code == 303
    assert store().get_follow_up(entry).referral == "counselling"
    page = log_client.get(f"/?t={sam.token}&follows={entry}").get_data(as_text=True)
    assert 'name="referral_uptake"' in page
    assert "Did the student connect with the service you referred them to (Counselling services)?" in page
    follow_up = str(uuid.uuid4())
    body = {**answers(follow_up_planned=False), "follows": entry, "referral_uptake": "connected"}
    assert post_json(log_client, sam.token, body, key=follow_up).status_code == 201
    assert uptake_counts(store().follow_ups()) == {
        "counselling": {"connected": 1, "not_yet": 0, "declined": 0, "unknown": 0, "closed": 0, "open": 0}
    }
    # Corrected again, to another destination: the uptake stays, counted for the right one.
    assert edit(log_client, sam.token, entry, referral="physician").status_code == 303
    assert uptake_counts(store().follow_ups()) == {
        "physician": {"connected": 1, "not_yet": 0, "declined": 0, "unknown": 0, "closed": 0, "open": 0}
    }
    # And to no referral: no uptake left to count.
    assert edit(log_client, sam.token, entry, referral="none").status_code == 303
    assert store().get_follow_up(entry).uptake is None and uptake_counts(store().follow_ups()) == {}


def test_a_referral_made_after_the_follow_up_was_logged_is_asked_on_the_follow_up(log_client, sam):
    entry = log(log_client, sam.token, referral="none")
    follow_up = str(uuid.uuid4())
    assert (
        post_json(
            log_client, sam.token, {**answers(follow_up_planned=False), "follows": entry}, key=follow_up
        ).status_code
        == 201
    )
    assert store().get_follow_up(entry).uptake is None
    assert edit(log_client, sam.token, entry, referral="counselling").status_code == 303
    assert store().get_follow_up(entry).uptake == "unknown"  # not asked yet: unknown, never hidden
    page = log_client.get(f"/entry?t={sam.token}&id={follow_up}").get_data(as_text=True)
    assert "Did the student connect with the service you referred them to (Counselling services)?" in page
    assert (
        edit(
            log_client, sam.token, follow_up, {"referral_uptake": "not_yet"}, follow_up_planned=False
        ).status_code
        == 303
    )
    assert store().get_follow_up(entry).uptake == "not_yet"


def test_deleting_the_original_takes_its_follow_up_with_it(log_client, sam):
    entry = log(log_client, sam.token, follow_up_due=today().isoformat())
    assert counts() == {"planned": 1, "done": 0, "closed": 0, "open": 1, "overdue": 0}
    assert delete(log_client, sam.token, entry).status_code == 303
    assert store().get_interaction(entry) is None and store().get_follow_up(entry) is None
    assert counts() == {"planned": 0, "done": 0, "closed": 0, "open": 0, "overdue": 0}
    assert store().follow_ups() == []  # nothing left to go overdue forever


def test_deleting_a_logged_original_keeps_its_follow_up_entry(log_client, sam):
    entry = log(log_client, sam.token)
    follow_up = log(log_client, sam.token, follow_up_planned=False, follows=entry)
    assert delete(log_client, sam.token, entry).status_code == 303
    assert store().get_follow_up(entry) is None
    assert store().get_interaction(follow_up) is not None  # an interaction it was, and stays
    assert counts()["done"] == 0


def test_deleting_the_follow_up_entry_opens_the_follow_up_again(log_client, sam):
    entry = log(log_client, sam.token, referral="counselling", follow_up_due=today().isoformat())
    follow_up = log(
        log_client, sam.token, follow_up_planned=False, follows=entry, referral_uptake="connected"
    )
    assert store().get_follow_up(entry).state == "done"
    assert delete(log_client, sam.token, follow_up).status_code == 303
    reopened = store().get_follow_up(entry)
    assert reopened == replace(
        reopened, state="open", done_by=None, ended_on=None, uptake=None, ended_at=None
    )
    assert reopened.due == today()
    assert uptake_counts(store().follow_ups())["counselling"] == {  # open again: no uptake now
        "connected": 0,
        "not_yet": 0,
        "declined": 0,
        "unknown": 0,
        "closed": 0,
        "open": 1,
    }
    assert f"follows={entry}" in listed(log_client, sam.token)
    assert counts() == {"planned": 1, "done": 0, "closed": 0, "open": 1, "overdue": 0}


def test_the_follow_up_entrys_page_asks_uptake_again_to_correct_it(log_client, sam):
    entry = log(log_client, sam.token, referral="counselling")
    follow_up = log(
        log_client, sam.token, follow_up_planned=False, follows=entry, referral_uptake="connected"
    )
    page = log_client.get(f"/entry?t={sam.token}&id={follow_up}").get_data(as_text=True)
    top = page[: page.index('id="q-occurred_on"')]
    assert "This entry logs your follow-up of the interaction of" in top
    assert "Did the student connect with the service you referred them to (Counselling services)?" in top
    assert 'name="referral_uptake" value="connected" checked' in top
    assert (
        edit(
            log_client, sam.token, follow_up, {"referral_uptake": "declined"}, follow_up_planned=False
        ).status_code
        == 303
    )
    assert store().get_follow_up(entry).uptake == "declined"
    assert uptake_counts(store().follow_ups())["counselling"]["declined"] == 1
    # The same page sent again changes nothing more.
    assert (
        edit(
            log_client, sam.token, follow_up, {"referral_uptake": "declined"}, follow_up_planned=False
        ).status_code
        == 303
    )
    # A bad uptake: a 400 beside the question, nothing changed.
    refused = edit(log_client, sam.token, follow_up, {"referral_uptake": "maybe"}, follow_up_planned=False)
    assert refused.status_code == 400 and 'id="q-referral_uptake-e"' in refused.get_data(as_text=True)
    assert store().get_follow_up(entry).uptake == "declined"


def test_a_logged_follow_up_cannot_be_unplanned_from_under_its_entry(log_client, sam):
    entry = log(log_client, sam.token)
    follow_up = log(log_client, sam.token, follow_up_planned=False, follows=entry)
    refused = edit(log_client, sam.token, entry, follow_up_planned=False, note="changed")
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert 'id="q-follow_up_planned-e"' in html and "You already logged a follow-up" in html
    assert "changed" in html  # the answers are kept
    assert store().get_interaction(entry).answers["note"] != "changed"
    assert store().get_follow_up(entry).done_by == follow_up


def test_dates_stay_in_order_through_corrections(log_client, sam):
    entry = log(log_client, sam.token, occurred_on=(today() - timedelta(days=3)).isoformat())
    two_days_ago = (today() - timedelta(days=2)).isoformat()
    follow_up = log(log_client, sam.token, follow_up_planned=False, follows=entry, occurred_on=two_days_ago)
    early = (today() - timedelta(days=5)).isoformat()
    refused = edit(log_client, sam.token, follow_up, follow_up_planned=False, occurred_on=early)
    assert refused.status_code == 400
    assert "cannot be dated before the interaction it follows" in refused.get_data(as_text=True)
    moved = edit(log_client, sam.token, entry, occurred_on=(today() - timedelta(days=1)).isoformat())
    assert moved.status_code == 400 and "cannot be dated after the follow-up" in moved.get_data(as_text=True)
    assert store().get_interaction(entry).occurred_on == today() - timedelta(days=3)


def test_a_due_date_already_stored_may_stay_when_the_entry_is_corrected(log_client, sam):
    """A follow-up due yesterday (logged yesterday, due the same day): the entry's page shows
    that date, and saving another change must not be refused for it."""
    entry = log(log_client, sam.token)
    planned = store().get_follow_up(entry)
    yesterday = today() - timedelta(days=1)
    assert store().change_follow_up(planned, replace(planned, due=yesterday))
    page = log_client.get(f"/entry?t={sam.token}&id={entry}").get_data(as_text=True)
    assert f'name="follow_up_due" value="{yesterday.isoformat()}"' in page
    kept = edit(log_client, sam.token, entry, {"follow_up_due": yesterday.isoformat()}, note="More.")
    assert kept.status_code == 303 and store().get_follow_up(entry).due == yesterday
    earlier = (yesterday - timedelta(days=1)).isoformat()
    assert edit(log_client, sam.token, entry, {"follow_up_due": earlier}).status_code == 400


@pytest.mark.parametrize("change", ["edit", "delete"])
def test_another_supporters_entry_is_still_not_found(log_client, sam, change):
    bea = add_supporter("Bea", None)
    theirs = log(log_client, bea.token)
    response = (
        edit(log_client, sam.token, theirs) if change == "edit" else delete(log_client, sam.token, theirs)
    )
    assert response.status_code == 404
    assert store().get_follow_up(theirs).state == "open"
