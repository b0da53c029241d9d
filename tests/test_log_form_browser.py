"""The log form in headless Chromium, issue 12 items 9 to 12: the date of a form opened offline
days later, the error summary (with and without JavaScript), one request per tap, and the
month's count after the offline queue is sent."""

# Fixtures are imported by name from tests/test_log_support.py; pytest injects them as arguments.
# ruff: noqa: F811

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support.browser import PHONE
from tests.test_log_browser import fill, form_url
from tests.test_log_support import sam, stored, today  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def posts(page) -> list[str]:
    """The POST requests the page makes from now on (a list that fills as they happen)."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url) if request.method == "POST" else None)
    return seen


def date_value(page) -> str:
    return page.locator("input[name=occurred_on]").input_value()


def test_a_form_opened_offline_days_later_takes_the_phones_today_in_the_programs_zone(
    live_server, browser, sam
):
    """Item 9: the form is cached on day D; opened offline three days later, at 03:30 UTC on a
    phone set to UTC, it is still the evening before in Toronto (the program's zone): the date
    is D+2, neither D (the cached page) nor D+3 (the phone's own zone)."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, timezone_id="UTC", service_workers="allow")
    try:
        page = context.new_page()
        page.goto(form_url(live_server, sam))
        cached_day = today()
        assert date_value(page) == cached_day.isoformat()
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        context.set_offline(True)
        later = datetime.combine(cached_day + timedelta(days=3), time(3, 30), tzinfo=ZoneInfo("UTC"))
        assert later.astimezone(ZoneInfo("America/Toronto")).date() == cached_day + timedelta(days=2)
        page.clock.set_fixed_time(later)
        page.reload()
        expected = (cached_day + timedelta(days=2)).isoformat()
        assert page.locator("h1").inner_text() == "Log an interaction"  # the phone's copy
        assert date_value(page) == expected
        assert page.locator("input[name=occurred_on]").get_attribute("max") == expected
        # The supporter picks another day for this one; "log another" comes back to today.
        page.locator("input[name=occurred_on]").fill((cached_day + timedelta(days=1)).isoformat())
        fill(page)
        page.get_by_role("button", name="Save").click()
        page.get_by_text("Saved on this phone.", exact=False).wait_for()
        assert date_value(page) == expected
        fill(page)
        page.get_by_role("button", name="Save").click()
        page.wait_for_function("JSON.parse(localStorage.getItem('sbs-log-queue')).length === 2")
        days = page.evaluate("JSON.parse(localStorage.getItem('sbs-log-queue')).map(i => i.day)")
        assert days == [(cached_day + timedelta(days=1)).isoformat(), expected]
    finally:
        context.close()


def test_a_form_sent_back_to_fix_keeps_the_date_given(live_server, page, sam):
    page.goto(form_url(live_server, sam))
    yesterday = (today() - timedelta(days=1)).isoformat()
    page.locator("input[name=occurred_on]").fill(yesterday)
    page.get_by_label("Phone call").check()
    page.get_by_role("button", name="Save").click()
    page.locator("#error-summary").wait_for()
    assert date_value(page) == yesterday  # an answer, not a default: never replaced


def test_errors_far_down_the_page_are_summarised_at_the_top_and_posted_once(live_server, page, sam, axe):
    """Items 10 and 11: one missing answer; one POST; the summary takes focus and its link
    takes the supporter to the question."""
    page.goto(form_url(live_server, sam))
    fill(page)
    page.get_by_label("Academics (courses, exams, studying)").uncheck()
    page.get_by_label("Note").scroll_into_view_if_needed()
    sent = posts(page)
    page.get_by_role("button", name="Save").click()
    page.locator("#error-summary").wait_for()
    page.wait_for_timeout(300)  # time for any second request to show up
    assert sent == [f"{live_server.url}/log_interaction/?lang=en"]
    summary = page.locator("#error-summary")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert summary.is_visible() and summary.bounding_box()["y"] >= 0
    assert summary.get_by_role("heading").inner_text() == "Some answers need a look. Nothing was saved yet."
    link = summary.get_by_role("link")
    assert link.all_inner_texts() == ["“What did you talk about?”: please answer this question."]
    assert link.get_attribute("href") == "#q-topics"
    link.click()
    assert page.evaluate("[document.activeElement.name, document.activeElement.value]") == [
        "topics",
        "academic",
    ]
    assert page.get_by_label("Phone call").is_checked()  # every answer kept
    assert page.get_by_label("Note").input_value() == "Exam stress."
    assert axe(page) == []
    assert stored() == []
    # Fixed, it is stored once, with the same one-request-per-tap.
    page.get_by_label("Academics (courses, exams, studying)").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/thanks?*")
    assert len(sent) == 2 and len(stored()) == 1


def test_the_error_summary_without_javascript(live_server, browser, sam):
    context = browser.new_context(viewport=PHONE, is_mobile=True, java_script_enabled=False)
    try:
        page = context.new_page()
        sent = posts(page)
        page.goto(form_url(live_server, sam))
        fill(page)
        page.get_by_label("Academics (courses, exams, studying)").uncheck()
        page.get_by_role("button", name="Save").click()
        page.locator("#error-summary").wait_for()
        assert len(sent) == 1
        assert page.evaluate("document.activeElement.id") == "error-summary"  # autofocus
        page.locator("#error-summary a").click()
        assert page.url.endswith("#q-topics")
        assert page.locator("#q-topics").bounding_box()["y"] < PHONE["height"]
        # (axe-core needs scripts: the same page is checked with them on, above.)
    finally:
        context.close()


def test_the_months_count_follows_what_the_queue_sent(live_server, context, page, sam):
    """Item 12: two interactions logged offline; once sent, "Logged this month" says 2."""
    page.goto(form_url(live_server, sam))
    assert page.locator("#count").inner_text() == "Logged this month: 0"
    context.set_offline(True)
    for _ in range(2):
        fill(page)
        page.get_by_role("button", name="Save").click()
        page.get_by_text("Saved on this phone.", exact=False).wait_for()
    context.set_offline(False)
    page.get_by_text("Sent what was saved on this phone: 2.").wait_for()
    assert page.locator("#count").inner_text() == "Logged this month: 2"
    assert len(stored()) == 2


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_correct_a_mistaken_urgent_then_delete_it(live_server, browser, sam, axe, javascript):
    """Item 13 on a phone: logged as urgent by mistake, corrected from the thanks page's list,
    then deleted, with and without JavaScript."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, java_script_enabled=javascript)
    try:
        page = context.new_page()
        page.goto(form_url(live_server, sam))
        fill(page)
        page.get_by_label("Urgent").check()
        page.get_by_role("button", name="Save").click()
        page.wait_for_url("**/thanks?*")
        recent = page.get_by_role("region", name="Your last entries")
        assert (
            f"{today().isoformat()} · Phone call · Academics (courses, exams, studying)"
            in recent.inner_text()
        )
        if javascript:
            assert axe(page) == []
        recent.get_by_role("link", name=f"Edit the entry of {today().isoformat()}").click()
        assert page.locator("h1").inner_text() == "Change an entry"
        assert (
            page.get_by_label("Urgent").is_checked()
            and page.get_by_label("Note").input_value() == "Exam stress."
        )
        if javascript:
            assert axe(page) == []
        page.get_by_label("Some concern").check()
        page.get_by_label("Video call").check()
        page.get_by_role("button", name="Save changes").click()
        page.wait_for_url("**/thanks?*done=edited*")
        assert page.locator("h1").inner_text() == "Your changes were saved."
        [record] = stored()
        assert (record.answers["concern_level"], record.answers["format"]) == ("some", "video")
        page.get_by_role("link", name=f"Delete the entry of {today().isoformat()}").click()
        assert page.locator("h1").inner_text() == "Delete this entry?"
        if javascript:
            assert axe(page) == []
        page.get_by_role("button", name="Yes, delete it").click()
        page.wait_for_url("**/thanks?*done=deleted*")
        assert page.locator("h1").inner_text() == "The entry was deleted."
        assert stored() == []
        assert page.get_by_role("region", name="Your last entries").count() == 0
    finally:
        context.close()
