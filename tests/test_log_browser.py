"""The log form in headless Chromium at phone size: submit, fix a mistake, log offline,
and accessibility (axe-core, WCAG 2.1 AA) of every page a supporter sees."""

# Fixtures are imported by name from tests/test_log_support.py; pytest injects them as arguments.
# ruff: noqa: F811

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.support.browser import PHONE
from tests.test_log_support import sam, stored  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def form_url(live_server, sam) -> str:
    return f"{live_server.url}/log_interaction/?t={sam.token}"


def fill(page, note: str = "Exam stress.") -> None:
    """What a supporter taps: about ten touches, one thumb."""
    page.get_by_label("Phone call").check()
    page.get_by_label("The student").check()
    page.get_by_label("Academics (courses, exams, studying)").check()
    page.get_by_label("Some concern").check()
    page.get_by_label("No referral").check()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("Note").fill(note)


def test_log_an_interaction_and_see_thanks(live_server, page, sam, axe):
    page.goto(form_url(live_server, sam))
    assert page.locator("h1").inner_text() == "Log an interaction"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    assert axe(page) == []
    fill(page)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/log_interaction/thanks?*")
    assert page.locator("h1").inner_text() == "Saved. Thank you!"
    assert "Logged this month: 1" in page.locator("main").inner_text()
    assert axe(page) == []
    [record] = stored()
    assert record.supporter_id == sam.id
    assert record.answers["topics"] == ["academic"] and record.answers["note"] == "Exam stress."
    page.get_by_role("link", name="Log another interaction").click()
    assert page.locator("h1").inner_text() == "Log an interaction"
    assert page.get_by_label("Phone call").is_checked()  # the usual format, preselected


def test_usable_one_handed_at_320_px(live_server, page, sam):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(form_url(live_server, sam))
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    # Every option and the button are big tap targets (44 px), the whole option row tappable.
    heights = page.locator("label.o, button[type=submit], input[type=date], textarea").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert len(heights) > 25 and min(heights) >= 44
    page.locator("label.o", has_text="Video call").click(position={"x": 280, "y": 10})
    assert page.get_by_label("Video call").is_checked()


def test_a_mistake_keeps_every_answer(live_server, page, sam, axe):
    page.goto(form_url(live_server, sam))
    fill(page, note="<b>not bold</b>")
    page.get_by_label("Academics (courses, exams, studying)").uncheck()
    page.get_by_label("How long did it last?").fill("999")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("#q-topics-e")
    assert (
        page.locator("#q-topics-e").inner_text() == "“What did you talk about?”: please answer this question."
    )
    assert "no greater than 600" in page.locator("#q-duration_minutes-e").inner_text()
    assert page.get_by_label("Phone call").is_checked()
    assert page.get_by_label("Some concern").is_checked()
    assert page.get_by_label("How long did it last?").input_value() == "999"
    assert page.get_by_label("Note").input_value() == "<b>not bold</b>"
    assert page.locator("main b").count() == 0  # shown as text
    assert axe(page) == []
    assert stored() == []
    # Fixed, it goes through once.
    page.get_by_label("Academics (courses, exams, studying)").check()
    page.get_by_label("How long did it last?").fill("25")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/thanks?*")
    assert [r.answers["duration_minutes"] for r in stored()] == [25]


def test_offline_submission_waits_on_the_phone_and_is_sent_once(live_server, context, page, sam):
    page.goto(form_url(live_server, sam))
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    context.set_offline(True)
    fill(page, note="Logged on the subway.")
    queued_id = page.locator("input[name=submission_id]").input_value()
    page.get_by_role("button", name="Save").click()
    page.get_by_text(
        "Saved on this phone. It will be sent automatically when you are back online."
    ).wait_for()
    assert stored() == []
    # The form is ready for the next one, under a new id.
    assert page.locator("input[name=submission_id]").input_value() != queued_id
    assert not page.get_by_label("Phone call").is_checked()

    context.set_offline(False)
    page.get_by_text("Sent what was saved on this phone: 1.").wait_for()
    [record] = stored()
    assert (record.id, record.answers["note"]) == (queued_id, "Logged on the subway.")
    assert page.evaluate("localStorage.getItem('sbs-log-queue')") == "[]"


def test_the_form_opens_offline_once_visited(live_server, context, page, sam):
    page.goto(form_url(live_server, sam))
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    page.reload()
    assert page.locator("h1").inner_text() == "Log an interaction"
    fill(page)
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved on this phone.", exact=False).wait_for()
    context.set_offline(False)
    page.get_by_text("Sent what was saved on this phone: 1.").wait_for()
    assert len(stored()) == 1


def test_a_queued_submission_the_server_refuses_is_shown_not_retried(live_server, context, page, sam):
    from shared import bootstrap
    from shared.services import supporters

    page.goto(form_url(live_server, sam))
    context.set_offline(True)
    fill(page)
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved on this phone.", exact=False).wait_for()
    store = bootstrap.app().store
    supporters.revoke(store, supporters.by_id(store, sam.id))  # while the phone was offline
    context.set_offline(False)
    page.get_by_text("The server refused an interaction saved on this phone", exact=False).wait_for()
    assert "This link is no longer active." in page.locator("#status").inner_text()
    assert page.evaluate("localStorage.getItem('sbs-log-queue')") == "[]"
    assert stored() == []
    # Kept on the phone, never dropped unseen: only the supporter's own Discard removes it.
    assert len(page.evaluate("JSON.parse(localStorage.getItem('sbs-log-refused'))")) == 1
    page.get_by_role("button", name="Discard it").click()
    assert page.evaluate("localStorage.getItem('sbs-log-refused')") == "[]"
    assert "refused" not in page.locator("#status").inner_text()


def queue_with_a_follow_up_due_today(live_server, context, page, sam) -> date:
    """Offline, a supporter logs an interaction with a follow-up due today (the phone's day)."""
    page.goto(form_url(live_server, sam))
    context.set_offline(True)
    fill(page)
    day = date.fromisoformat(page.locator("input[name=occurred_on]").input_value())
    page.get_by_label("If you planned a follow-up: when is it due?").fill(day.isoformat())
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved on this phone.", exact=False).wait_for()
    return day


def server_day(monkeypatch, day: date) -> None:
    """The server's today (the program's time zone) moves on while the phone waits offline."""
    from shared.services import interactions

    monkeypatch.setattr(interactions, "today", lambda settings: day)


def test_a_queued_follow_up_due_the_day_it_was_made_is_stored_when_sent_the_next_day(
    live_server, context, page, sam, monkeypatch
):
    """The queue sends the day the entry was made (``entered_on``), and the server judges the due
    date against that day: due "today" on Monday, sent on Tuesday, is stored as due on Monday."""
    from shared import bootstrap

    day = queue_with_a_follow_up_due_today(live_server, context, page, sam)
    server_day(monkeypatch, day + timedelta(days=1))
    context.set_offline(False)
    page.get_by_text("Sent what was saved on this phone: 1.").wait_for()
    [record] = stored()
    assert bootstrap.app().store.get_follow_up(record.id).due == day
    assert page.evaluate("localStorage.getItem('sbs-log-refused')") in (None, "[]")


def test_a_queued_entry_the_server_refuses_stays_on_the_phone_to_fix(
    live_server, context, page, sam, monkeypatch
):
    """Sent 31 days later (longer than the server believes an entry's own day), the due date is
    refused. The entry is kept and shown; reloading the page loses nothing; "Fix it" opens the
    server's page with every answer and the message beside the due date; fixed, it is stored
    once, under the id it was queued with, and nothing is left on the phone."""
    from shared import bootstrap

    day = queue_with_a_follow_up_due_today(live_server, context, page, sam)
    queued_id = page.evaluate("JSON.parse(localStorage.getItem('sbs-log-queue'))[0].id")
    later = day + timedelta(days=31)
    server_day(monkeypatch, later)
    context.set_offline(False)
    page.get_by_text("The server refused an interaction saved on this phone", exact=False).wait_for()
    assert "cannot be before" in page.locator("#status").inner_text()
    page.reload()
    page.get_by_text("The server refused an interaction saved on this phone", exact=False).wait_for()
    assert stored() == []
    page.get_by_role("button", name="Fix it").click()
    page.wait_for_selector("#q-follow_up_due-e")
    assert page.get_by_label("Phone call").is_checked()
    assert page.get_by_label("Note").input_value() == "Exam stress."
    page.get_by_label("If you planned a follow-up: when is it due?").fill(later.isoformat())
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/thanks?*")
    [record] = stored()
    assert (record.id, record.answers["note"]) == (queued_id, "Exam stress.")
    assert bootstrap.app().store.get_follow_up(record.id).due == later
    assert page.evaluate("localStorage.getItem('sbs-log-refused')") == "[]"
    assert page.evaluate("localStorage.getItem('sbs-log-queue')") == "[]"


def test_without_javascript(live_server, browser, sam, axe):
    context = browser.new_context(viewport=PHONE, is_mobile=True, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(form_url(live_server, sam) + "&lang=fr")
        assert page.locator("h1").inner_text() == "Consigner une interaction"
        page.get_by_label("Appel téléphonique").check()
        page.get_by_role("button", name="Enregistrer").click()
        page.wait_for_selector("#q-topics-e")
        assert page.get_by_label("Appel téléphonique").is_checked()
        page.get_by_label("L'étudiant ou l'étudiante").check()
        page.get_by_label("Études (cours, examens, apprentissage)").check()
        page.get_by_label("Aucune inquiétude").check()
        page.get_by_label("Aucune orientation").check()
        page.get_by_label("Non", exact=True).check()
        page.get_by_role("button", name="Enregistrer").click()
        page.wait_for_url("**/thanks?*")
        assert page.locator("h1").inner_text() == "Enregistré. Merci\u202f!"
        assert len(stored()) == 1
    finally:
        context.close()
