"""Follow-ups through the log function, on the in-memory store (the contract suite holds SQLite and Firestore to the same behaviour) (issue 14): planned with a due date,
listed for their supporter only, logged as an interaction that ``follows`` the original
(referral uptake asked when it made a referral), closed, and every bad ``follows`` refused
with a 4xx and nothing stored."""

# ruff: noqa: F811

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from shared import bootstrap
from shared.report.follow_up_counts import follow_up_counts, planned_in, uptake_counts
from tests.test_log_support import (  # noqa: F401  (fixtures)
    add_supporter,
    answers,
    as_form,
    hidden,
    log_client,
    post_json,
    sam,
    stored,
    today,
)


def store():
    return bootstrap.app().store


def counts(app_store, day) -> dict[str, int]:
    """What coordinators see of the follow-ups planned this month, as they stand on ``day``."""
    return follow_up_counts(planned_in(app_store, today() - timedelta(days=30), today(), day), day)


def log(client, token: str, **changes) -> str:
    """Log an interaction by JSON; its id."""
    key = str(uuid.uuid4())
    response = post_json(client, token, answers(**changes), key=key)
    assert response.status_code == 201, response.get_json()
    return key


def test_a_planned_follow_up_is_due_in_a_week_unless_dated(log_client, sam):
    first = log(log_client, sam.token)
    dated = log(log_client, sam.token, follow_up_due=(today() + timedelta(days=3)).isoformat())
    none = log(
        log_client,
        sam.token,
        follow_up_planned=False,
        follow_up_due=(today() + timedelta(days=3)).isoformat(),
    )
    assert store().get_follow_up(first).due == today() + timedelta(days=7)
    assert store().get_follow_up(first).referral == "counselling"
    assert store().get_follow_up(dated).due == today() + timedelta(days=3)
    assert store().get_follow_up(none) is None
    assert "follow_up_due" not in store().get_interaction(dated).answers  # answers stay the log form's


@pytest.mark.parametrize("due", ["yesterday", "2999-01-01", "soon"])
def test_a_bad_due_date_is_a_400_beside_its_field_and_stores_nothing(log_client, sam, due):
    value = {"yesterday": (today() - timedelta(days=1)).isoformat()}.get(due, due)
    response = log_client.post("/", data=as_form(answers(follow_up_due=value), sam.token))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="q-follow_up_due-e"' in html or "follow_up_due-e" in html
    assert f'value="{value}"' in html  # the answer is kept
    assert stored() == []


def test_the_page_lists_own_follow_ups_due_and_overdue_only(log_client, sam, app):
    mine = log(log_client, sam.token, follow_up_due=today().isoformat(), topics=["finances"], format="video")
    later = log(log_client, sam.token, follow_up_due=(today() + timedelta(days=30)).isoformat())
    bea = add_supporter("Bea", None)
    log(log_client, bea.token, follow_up_due=today().isoformat(), topics=["career_residency"])
    page = log_client.get(f"/?t={sam.token}").get_data(as_text=True)
    html = page[page.index('<section class="fu"') : page.index("</section>")]
    assert "Your follow-ups due" in html
    assert f"Due {today().isoformat()}" in html
    assert f"Interaction of {today().isoformat()}, Video call: Finances" in html
    assert f"follows={mine}" in html and f"follows={later}" not in html
    assert "Career or residency" not in html  # Bea's is not Sam's
    assert "Exam stress" not in html and "Year 2" not in html  # nothing more about the student
    assert len(page.encode()) < 14 * 1024
    french = log_client.get(f"/?t={sam.token}&lang=fr").get_data(as_text=True)
    assert "Vos suivis à faire" in french and "Appel vidéo\u00a0: Finances" in french


def test_logging_the_follow_up_ends_it_and_asks_uptake_of_a_referral(log_client, sam):
    original = log(log_client, sam.token, referral="counselling")
    page = log_client.get(f"/?t={sam.token}&follows={original}").get_data(as_text=True)
    assert hidden(page, "follows") == original
    assert 'name="referral_uptake"' in page and "Did the student connect" in page
    submission = str(uuid.uuid4())
    posted = as_form(answers(follow_up_planned=False, referral="none"), sam.token, submission)
    posted.update({"follows": original, "referral_uptake": "connected"})
    response = log_client.post("/", data=posted)
    assert response.status_code == 303
    ended = store().get_follow_up(original)
    assert (ended.state, ended.done_by, ended.uptake, ended.ended_on) == (
        "done",
        submission,
        "connected",
        today(),
    )
    assert store().get_interaction(submission) is not None
    # The same submission again (a double tap) is a repeat, not an error, and changes nothing.
    assert log_client.post("/", data=posted).status_code == 303
    assert len(stored()) == 2
    # Logging it a second time, from another submission, is refused: it was logged.
    again = as_form(answers(follow_up_planned=False), sam.token)
    again["follows"] = original
    refused = log_client.post("/", data=again)
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "already logged or closed" in page
    assert "Exam stress; suggested the study group." in page  # the answers are kept
    assert 'name="follows"' not in page  # saving again logs a plain interaction
    assert len(stored()) == 2
    planned = planned_in(store(), today(), today(), today())
    assert uptake_counts(planned) == {
        "counselling": {"connected": 1, "not_yet": 0, "declined": 0, "unknown": 0, "closed": 0, "open": 0}
    }


def test_uptake_is_unknown_when_skipped_and_refused_without_a_referral(log_client, sam):
    referred = log(log_client, sam.token, referral="physician")
    log(log_client, sam.token, follow_up_planned=False, follows=referred)
    assert store().get_follow_up(referred).uptake == "unknown"
    plain = log(log_client, sam.token, referral="none")
    page = log_client.get(f"/?t={sam.token}&follows={plain}").get_data(as_text=True)
    assert 'name="referral_uptake"' not in page
    refused = post_json(log_client, sam.token, answers(follows=plain, referral_uptake="connected"), key="k-1")
    assert refused.status_code == 400 and "referral_uptake" in refused.get_json()["errors"]
    assert store().get_follow_up(plain).state == "open"


def bad_follows(sam_token: str, bea_token: str, client) -> dict[str, str]:
    theirs = log(client, bea_token)
    unplanned = log(client, sam_token, follow_up_planned=False)
    return {
        "another supporter's": theirs,
        "unknown or deleted": str(uuid.uuid4()),
        "no follow-up planned": unplanned,
        "not an id": "../../etc",
        "far too long": "x" * 600,
    }


@pytest.mark.parametrize(
    "case", ["another supporter's", "unknown or deleted", "no follow-up planned", "not an id", "far too long"]
)
def test_a_bad_follows_is_400_and_stores_nothing(log_client, sam, case):
    bea = add_supporter("Bea", None)
    target = bad_follows(sam.token, bea.token, log_client)[case]
    before = len(stored())
    response = post_json(log_client, sam.token, answers(follows=target), key="k-bad")
    assert response.status_code == 400
    assert "follows" in response.get_json()["errors"]
    html = log_client.post("/", data={**as_form(answers(), sam.token), "follows": target})
    assert html.status_code == 400 and "not one of your interactions" in html.get_data(as_text=True)
    assert len(stored()) == before
    assert store().get_interaction("k-bad") is None


def test_following_itself_is_refused(log_client, sam):
    submission = str(uuid.uuid4())
    response = log_client.post("/", data={**as_form(answers(), sam.token, submission), "follows": submission})
    assert response.status_code == 400
    assert stored() == []


def test_another_supporters_follow_up_page_is_404(log_client, sam):
    bea = add_supporter("Bea", None)
    theirs = log(log_client, bea.token)
    assert log_client.get(f"/?t={sam.token}&follows={theirs}").status_code == 404


def test_closing_a_follow_up(log_client, sam):
    first = log(log_client, sam.token, follow_up_due=today().isoformat())
    second = log(log_client, sam.token, follow_up_due=today().isoformat())
    closed = log_client.post(
        f"/follow-ups/{first}/close?lang=en", data={"t": sam.token, "state": "not_needed"}
    )
    assert closed.status_code == 303 and closed.headers["Location"].startswith("../../?t=")
    assert store().get_follow_up(first).state == "not_needed"
    again = log_client.post(f"/follow-ups/{first}/close", data={"t": sam.token, "state": "could_not_reach"})
    assert again.status_code == 409
    by_json = log_client.post(
        f"/follow-ups/{second}/close",
        json={"state": "could_not_reach"},
        headers={"Authorization": f"Bearer {sam.token}"},
    )
    assert (by_json.status_code, by_json.get_json()) == (200, {"id": second, "state": "could_not_reach"})
    html = log_client.get(f"/?t={sam.token}").get_data(as_text=True)
    assert "Your follow-ups due" not in html
    assert counts(store(), today()) == {
        "planned": 2,
        "done": 0,
        "closed": 2,
        "open": 0,
        "overdue": 0,
    }


@pytest.mark.parametrize("state", ["done", "open", "", "gone"])
def test_closing_needs_a_closing_state_and_an_own_follow_up(log_client, sam, state):
    first = log(log_client, sam.token)
    refused = log_client.post(f"/follow-ups/{first}/close", data={"t": sam.token, "state": state})
    assert refused.status_code == 400
    bea = add_supporter("Bea", None)
    not_theirs = log_client.post(f"/follow-ups/{first}/close", data={"t": bea.token, "state": "not_needed"})
    assert not_theirs.status_code == 404
    no_token = log_client.post(f"/follow-ups/{first}/close", data={"state": "not_needed"})
    assert no_token.status_code == 401
    assert store().get_follow_up(first).state == "open"


def test_counts_for_coordinators(log_client, sam):
    overdue = log(log_client, sam.token)
    done = log(log_client, sam.token)
    log(log_client, sam.token, follow_up_planned=False, follows=done)
    app_store = store()
    late = app_store.get_follow_up(overdue)
    assert counts(app_store, late.due + timedelta(days=1)) == {
        "planned": 2,
        "done": 1,
        "closed": 0,
        "open": 1,
        "overdue": 1,
    }
