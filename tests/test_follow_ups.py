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
from shared.services import follow_ups
from shared.web.factory import create_app
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
from tests.test_survey_links import issue, new_survey


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


def overview(page: str) -> str:
    return page[page.index('<details class="fu') : page.index("</details>")]


def test_the_page_lists_own_follow_ups_due_now_then_later_ones(log_client, sam, app):
    mine = log(log_client, sam.token, follow_up_due=today().isoformat(), topics=["finances"], format="video")
    later = log(log_client, sam.token, follow_up_due=(today() + timedelta(days=30)).isoformat())
    bea = add_supporter("Bea", None)
    log(log_client, bea.token, follow_up_due=today().isoformat(), topics=["career_residency"])
    page = log_client.get(f"/?t={sam.token}").get_data(as_text=True)
    html = overview(page)
    assert "<summary><strong>Your follow-ups:</strong> 1 due this week · 1 later</summary>" in html
    assert f"Due {today().isoformat()}" in html
    assert f"Interaction of {today().isoformat()}, Video call: Finances" in html
    # Due within a week first, then a later one: reachable too, logged or closed the same way.
    assert html.index(f"follows={mine}") < html.index("Due later") < html.index(f"follows={later}")
    assert "Career or residency" not in html  # Bea's is not Sam's
    assert "Exam stress" not in html and "Year 2" not in html  # nothing more about the student
    assert len(page.encode()) < 14 * 1024
    french = log_client.get(f"/?t={sam.token}&lang=fr").get_data(as_text=True)
    assert "Vos suivis" in french and "Appel vidéo\u00a0: Finances" in french


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


# -- issue 14 attack and trial findings: the kinds of fault, fixed ---------------------------------


def closed_elsewhere(client, token: str, follow_up_id: str) -> None:
    """The follow-up closed in another tab (or from the offline queue) meanwhile."""
    response = client.post(
        f"/follow-ups/{follow_up_id}/close",
        json={"state": "not_needed"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200


def refused_follows(client, sam_token: str, bea_token: str, case: str) -> str:
    original = log(client, sam_token)
    if case == "closed meanwhile":
        closed_elsewhere(client, sam_token, original)
        return original
    if case == "deleted meanwhile":
        assert client.post("/entry/delete", data={"t": sam_token, "id": original}).status_code == 303
        return original
    return log(client, bea_token)  # someone else's


@pytest.mark.parametrize(
    ("case", "status"), [("closed meanwhile", 409), ("deleted meanwhile", 400), ("someone else's", 400)]
)
def test_a_follows_gone_with_another_mistake_keeps_every_answer_and_says_both(log_client, sam, case, status):
    """M6: the form opened to log a follow-up no longer open (closed in another tab, deleted, not
    theirs) and a past due date: every answer kept, each message beside its field, never a 404."""
    bea = add_supporter("Bea", None)
    follows = refused_follows(log_client, sam.token, bea.token, case)
    before = len(stored())
    posted = as_form(answers(note="kept note"), sam.token)
    posted.update({"follows": follows, "follow_up_due": (today() - timedelta(days=1)).isoformat()})
    response = log_client.post("/?lang=en", data=posted)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "kept note" in html and 'name="follow_up_due"' in html
    assert 'id="q-follow_up_due-e"' in html  # the date's message beside the date
    assert 'id="q-follows"' in html  # and why the follow-up cannot be logged, at the top
    assert 'name="follows"' not in html  # saving again logs a plain interaction
    assert len(stored()) == before
    # Alone, the follows is what is wrong: the page says so with its own status.
    posted["follow_up_due"] = ""
    alone = log_client.post("/?lang=en", data=posted)
    assert alone.status_code == status and "kept note" in alone.get_data(as_text=True)
    assert len(stored()) == before


@pytest.mark.parametrize("body", ['"x"', "5", "[1]", "true", "null", "{bad json"])
def test_every_json_route_refuses_a_body_that_is_not_an_object(app, log_client, client_for, sam, body):
    """M7: a JSON body that is no object is a 400 on every route of the log and survey functions
    that takes JSON, never a 500: each route is found from the apps' own URL maps."""
    original = log(log_client, sam.token)
    new_survey(app, blocks=["phq9"])
    [link] = issue(app)
    headers = {"Authorization": f"Bearer {sam.token}", "Content-Type": "application/json"}
    checked = 0
    for name, client in (("log_interaction", log_client), ("survey", client_for("survey"))):
        for rule in create_app(name, bootstrap.app()).url_map.iter_rules():
            if "POST" not in (rule.methods or ()):
                continue
            path = rule.rule.replace("<follow_up_id>", original).replace("<token>", link)
            response = client.post(path, data=body, headers=headers)
            assert response.status_code < 500, (name, path, response.status_code)
            if path.startswith("/follow-ups/") or path in ("/", f"/{link}"):
                assert (response.status_code, response.get_json()["error"]) == (400, "bad_json"), path
            checked += 1
    assert checked >= 5
    assert store().get_follow_up(original).state == "open"


def test_a_repeated_key_must_repeat_every_follow_up_field(log_client, sam):
    """L3: the same Idempotency-Key with another uptake, due date or follows is 422, as with other
    answers; sent again exactly, it is the 200 duplicate."""
    original = log(log_client, sam.token)
    key = str(uuid.uuid4())
    body = {**answers(follow_up_planned=False), "follows": original, "referral_uptake": "connected"}
    assert post_json(log_client, sam.token, body, key=key).status_code == 201
    assert post_json(log_client, sam.token, body, key=key).status_code == 200
    for changed in ({"referral_uptake": "declined"}, {"referral_uptake": None}, {"follows": None}):
        repeat = {k: v for k, v in {**body, **changed}.items() if v is not None}
        response = post_json(log_client, sam.token, repeat, key=key)
        assert (response.status_code, response.get_json()["error"]) == (422, "idempotency_key_reused"), (
            changed
        )
    assert store().get_follow_up(original).uptake == "connected"
    planned_key = str(uuid.uuid4())
    soon, later = (today() + timedelta(days=2)).isoformat(), (today() + timedelta(days=20)).isoformat()
    assert post_json(log_client, sam.token, answers(follow_up_due=soon), key=planned_key).status_code == 201
    assert post_json(log_client, sam.token, answers(follow_up_due=soon), key=planned_key).status_code == 200
    assert post_json(log_client, sam.token, answers(follow_up_due=later), key=planned_key).status_code == 422
    assert store().get_follow_up(planned_key).due.isoformat() == soon


def test_closing_twice_the_same_way_is_the_same_success(log_client, sam):
    """L4: a double tap on "Not needed" lands on the same page as the first tap."""
    original = log(log_client, sam.token)
    taps = [
        log_client.post(f"/follow-ups/{original}/close?lang=en", data={"t": sam.token, "state": "not_needed"})
        for _ in range(2)
    ]
    assert [t.status_code for t in taps] == [303, 303]
    assert taps[0].headers["Location"] == taps[1].headers["Location"]
    auth = {"Authorization": f"Bearer {sam.token}"}
    again = log_client.post(f"/follow-ups/{original}/close", json={"state": "not_needed"}, headers=auth)
    assert (again.status_code, again.get_json()) == (200, {"id": original, "state": "not_needed"})
    other = log_client.post(f"/follow-ups/{original}/close", json={"state": "could_not_reach"}, headers=auth)
    assert other.status_code == 409  # another ending is not the same outcome
    assert store().get_follow_up(original).state == "not_needed"


@pytest.mark.parametrize("follows", [42, [], ["x"], {"a": 1}, True])
def test_a_follows_that_is_no_id_says_so(log_client, sam, follows):
    """L4: not "An interaction cannot follow itself.", which is for a submission naming itself."""
    response = post_json(log_client, sam.token, {**answers(), "follows": follows}, key=str(uuid.uuid4()))
    assert response.status_code == 400
    assert response.get_json()["errors"]["follows"] == [follow_ups.MESSAGES["not_yours"]]
    assert stored() == []


def test_a_follow_up_cannot_be_dated_before_its_original(log_client, sam):
    """L5: refused beside the date, whatever the gap; the same day is fine."""
    original = log(log_client, sam.token, occurred_on=(today() - timedelta(days=2)).isoformat())
    for days in (200, 3):
        early = (today() - timedelta(days=days)).isoformat()
        body = {**answers(follow_up_planned=False, occurred_on=early), "follows": original}
        response = post_json(log_client, sam.token, body, key=str(uuid.uuid4()))
        assert response.status_code == 400
        assert (
            "cannot be dated before the interaction it follows"
            in response.get_json()["errors"]["occurred_on"][0]
        )
    same_day = {**answers(follow_up_planned=False, occurred_on=(today() - timedelta(days=2)).isoformat())}
    assert (
        post_json(log_client, sam.token, {**same_day, "follows": original}, key=str(uuid.uuid4())).status_code
        == 201
    )


@pytest.mark.parametrize(("days_ago", "due_in"), [(0, 7), (2, 5), (7, 0), (10, 0), (30, 0)])
def test_the_default_due_date_is_a_week_after_the_interaction_never_past(log_client, sam, days_ago, due_in):
    """Logged the same day: due in a week. Logged late: a week after the interaction, as planned
    with the student, but never a date already past (due today then, not overdue from the start)."""
    entry = log(log_client, sam.token, occurred_on=(today() - timedelta(days=days_ago)).isoformat())
    assert store().get_follow_up(entry).due == today() + timedelta(days=due_in)


# -- the supporter's form: what comes first, what a close says, where each question sits ----------


def test_the_form_comes_first_however_many_follow_ups_are_due(log_client, sam):
    """On a phone the list sat above the form: now one closed line opens to it (no script)."""
    for _ in range(7):
        log(log_client, sam.token, follow_up_due=today().isoformat())
    page = log_client.get(f"/?t={sam.token}").get_data(as_text=True)
    details = page[page.index('<details class="fu') : page.index("</details>")]
    assert " open" not in details[: details.index(">")]  # closed: one line, the summary
    assert "<summary><strong>Your follow-ups:</strong> 7 due this week</summary>" in details
    assert details.count("Log the follow-up") == 7
    assert page.index("</details>") < page.index('<form method="post" action="./?lang=en" id="log"')
    assert len(page.encode()) < 24 * 1024  # about 4 KB compressed (the wire budget: the browser test)
    french = log_client.get(f"/?t={sam.token}&lang=fr").get_data(as_text=True)
    assert "<summary><strong>Vos suivis\u00a0:</strong> 7 " in french  # French spacing before ":"


def test_a_close_says_what_it_did_and_can_be_undone(log_client, sam):
    original = log(log_client, sam.token, topics=["finances"])
    closed = log_client.post(
        f"/follow-ups/{original}/close?lang=en", data={"t": sam.token, "state": "could_not_reach"}
    )
    assert closed.status_code == 303
    page = log_client.get(closed.headers["Location"].replace("../../", "/")).get_data(as_text=True)
    top = page[: page.index('id="log"')]
    assert f"Closed as “Could not reach”: the follow-up of the interaction of {today().isoformat()}." in top
    undo = f'action="follow-ups/{original}/reopen?lang=en"'
    assert undo in top and ">Undo</button>" in top
    assert f"follows={original}" not in page  # no longer listed as due
    reopened = log_client.post(f"/follow-ups/{original}/reopen?lang=en", data={"t": sam.token})
    assert reopened.status_code == 303 and store().get_follow_up(original).state == "open"
    again = log_client.get(reopened.headers["Location"].replace("../../", "/")).get_data(as_text=True)
    assert "is open again" in again and f"follows={original}" in again
    # A second tap on Undo: the same success.
    assert log_client.post(f"/follow-ups/{original}/reopen?lang=en", data={"t": sam.token}).status_code == 303
    french = log_client.post(
        f"/follow-ups/{original}/close?lang=fr", data={"t": sam.token, "state": "not_needed"}
    )
    page = log_client.get(french.headers["Location"].replace("../../", "/")).get_data(as_text=True)
    assert "Fermé comme «\u00a0Pas nécessaire\u00a0»\u00a0: le suivi de l&#39;interaction du" in page


def test_a_close_can_be_undone_for_24_hours_only_and_only_by_its_supporter(log_client, sam):
    from datetime import UTC, datetime

    from shared.errors import Conflict, Forbidden, NotFoundError

    original = log(log_client, sam.token)
    supporter = store().get_supporter(sam.id)
    now = datetime.now(UTC)
    follow_ups.close(store(), supporter, original, "not_needed", today(), now=now)
    bea = add_supporter("Bea", None)
    with pytest.raises(NotFoundError):
        follow_ups.reopen(store(), store().get_supporter(bea.id), original, now=now)
    with pytest.raises(Forbidden):
        follow_ups.reopen(store(), supporter, original, now=now + timedelta(hours=24))
    assert follow_ups.reopen(store(), supporter, original, now=now + timedelta(hours=23)).state == "open"
    logged = log(log_client, sam.token, follow_up_planned=False, follows=original)
    with pytest.raises(Conflict):  # logged: undone by deleting that entry, not by reopening
        follow_ups.reopen(store(), supporter, original, now=now)
    assert store().get_follow_up(original).done_by == logged
    refused = log_client.post(
        f"/follow-ups/{original}/reopen", json={}, headers={"Authorization": f"Bearer {sam.token}"}
    )
    assert refused.status_code == 409


def test_a_follow_up_page_puts_its_context_first_and_names_the_service(log_client, sam):
    original = log(log_client, sam.token, referral="counselling", topics=["finances"])
    page = log_client.get(f"/?t={sam.token}&follows={original}").get_data(as_text=True)
    assert "<h1>Log a follow-up</h1>" in page and "<title>Log a follow-up" in page
    first_question = page.index('id="q-occurred_on"')
    context = page.index("This logs your follow-up of the interaction of")
    uptake = page.index(
        "Did the student connect with the service you referred them to (Counselling services)?"
    )
    assert context < uptake < first_question
    french = log_client.get(f"/?t={sam.token}&follows={original}&lang=fr").get_data(as_text=True)
    assert (
        "a pris contact avec le service recommandé (Services de consultation psychologique)\u202f?" in french
    )
    assert "<h1>Consigner un suivi</h1>" in french


@pytest.mark.parametrize("page_of", ["form", "follow-up form", "entry"])
def test_the_due_date_sits_right_after_did_you_plan_a_follow_up(log_client, sam, page_of):
    original = log(log_client, sam.token)
    url = {
        "form": f"/?t={sam.token}",
        "follow-up form": f"/?t={sam.token}&follows={original}",
        "entry": f"/entry?t={sam.token}&id={original}",
    }[page_of]
    page = log_client.get(url).get_data(as_text=True)
    order = [
        page.index(f'id="q-{field}"') for field in ("referral", "follow_up_planned", "follow_up_due", "note")
    ]
    assert order == sorted(order)
    between = page[order[1] : order[2]]
    assert between.count('class="q') == 1  # nothing else between the question and its date


def test_the_error_summary_links_the_follow_up_fields_in_page_order(log_client, sam):
    original = log(log_client, sam.token, referral="counselling")
    posted = as_form(answers(note="x" * 300), sam.token)
    posted.update({"follows": original, "referral_uptake": "maybe", "follow_up_due": "soon"})
    html = log_client.post("/?lang=en", data=posted).get_data(as_text=True)
    summary = html[html.index('id="error-summary"') : html.index("</div>", html.index('id="error-summary"'))]
    links = [summary.index(f'href="#q-{f}"') for f in ("referral_uptake", "follow_up_due", "note")]
    assert links == sorted(links)


@pytest.mark.parametrize(
    "field,value,stored_as",
    [
        (
            "follow_up_due",
            lambda: f" {(today() + timedelta(days=3)).isoformat()} ",
            lambda: today() + timedelta(days=3),
        ),
        ("follow_up_due", lambda: "   ", lambda: today() + timedelta(days=7)),  # blank: the default
        ("referral_uptake", lambda: " connected", lambda: "connected"),
    ],
)
def test_an_exact_repeat_is_the_duplicate_whatever_the_spacing(
    log_client, sam, monkeypatch, field, value, stored_as
):
    """A byte-for-byte repeat is the 200 duplicate: its follow-up fields are compared cleaned with
    what was stored cleaned (a due date " 2026-12-03 " is 2026-12-03), like the log's answers; and
    so is the same repeat sent after the due date passed (the queue retrying days later)."""
    if field == "referral_uptake":
        original = log(log_client, sam.token)
        body = {**answers(follow_up_planned=False), "follows": original, field: value()}
    else:
        body = {**answers(follow_up_planned=True), field: value()}
    key = str(uuid.uuid4())
    assert post_json(log_client, sam.token, body, key=key).status_code == 201
    again = post_json(log_client, sam.token, body, key=key)
    assert (again.status_code, again.get_json()["duplicate"]) == (200, True)
    found = (
        store().get_follow_up(original).uptake
        if field == "referral_uptake"
        else store().get_follow_up(key).due
    )
    assert found == stored_as()
    from shared.services import interactions

    later = today() + timedelta(days=10)
    monkeypatch.setattr(interactions, "today", lambda settings: later)
    assert post_json(log_client, sam.token, body, key=key).status_code == 200


@pytest.mark.parametrize(
    "entered,due,sent,status",
    [
        (0, 0, 1, 201),  # made offline with a follow-up due that day, sent the next day
        (0, 0, 30, 201),  # sent 30 days later: still believed
        (0, 0, 31, 400),  # 31 days: longer than the day is believed (the phone keeps it to fix)
        (-3, -1, 1, 400),  # a day before the interaction it logs is not believed
        (5, 0, 1, 400),  # nor a day after the server's today (a phone clock ahead): today
        (5, 1, 1, 201),
        (None, 0, 1, 400),  # no day given: judged against the day it is sent, as a plain form
    ],
)
def test_a_queued_entrys_due_date_is_judged_against_the_day_it_was_made(
    log_client, sam, monkeypatch, entered, due, sent, status
):
    """The offline queue sends ``entered_on``, the day the entry was filled in. The due date may
    not be before that day; the day is the phone's word, believed from the interaction's date to
    the server's today and at most 30 days back. Days are counted from the interaction's."""
    from shared.services import interactions

    day = today()
    body = answers(follow_up_due=(day + timedelta(days=due)).isoformat())
    if entered is not None:
        body["entered_on"] = (day + timedelta(days=entered)).isoformat()
    monkeypatch.setattr(interactions, "today", lambda settings: day + timedelta(days=sent))
    response = post_json(log_client, sam.token, body, key=str(uuid.uuid4()))
    assert response.status_code == status, response.get_json()
    if status == 400:
        assert list(response.get_json()["errors"]) == ["follow_up_due"]
        assert stored() == []
    else:
        [record] = stored()
        assert store().get_follow_up(record.id).due == day + timedelta(days=due)
        assert "entered_on" not in record.answers


@pytest.mark.parametrize("entered", ["yesterday", "2026-02-30", "2026-W05-1", 20260101, ["2026-01-01"]])
def test_an_entered_on_that_is_no_date_is_a_400_beside_it(log_client, sam, entered):
    body = {**answers(), "entered_on": entered}
    response = post_json(log_client, sam.token, body, key=str(uuid.uuid4()))
    assert response.status_code == 400
    assert response.get_json()["errors"] == {
        "entered_on": ["Give the day the entry was made as a date (YYYY-MM-DD), or leave it out."]
    }
    assert stored() == []
