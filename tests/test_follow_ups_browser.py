"""The supporter's follow-up list in headless Chromium at 320 px: the form comes first however
many are due, the list opens without script, fits, passes axe-core (WCAG 2.1 AA), closes one
with Undo, logs a follow-up of a referral with its uptake (online and from the offline queue),
and the page stays within the 14 KB first-visit budget (issue 14)."""

# ruff: noqa: F811

from __future__ import annotations

import uuid

import pytest
import requests

from shared import bootstrap
from tests.test_log_browser import fill
from tests.test_log_support import answers, sam, today  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def log(live_server, token: str, **changes) -> str:
    key = str(uuid.uuid4())
    response = requests.post(
        f"{live_server.url}/log_interaction/",
        json=answers(**changes),
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return key


def test_the_follow_up_list_at_320_px(live_server, page, sam, axe):
    referred = log(live_server, sam.token, follow_up_due=today().isoformat(), referral="counselling")
    other = log(live_server, sam.token, follow_up_due=today().isoformat(), referral="none", format="video")
    for _ in range(5):  # seven due: the form still comes first on the phone
        log(live_server, sam.token, follow_up_due=today().isoformat(), referral="none")
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live_server.url}/log_interaction/?t={sam.token}")
    date = page.get_by_label("Date of the interaction")
    assert date.bounding_box()["y"] + date.bounding_box()["height"] < 640  # on the first screen
    overview = page.locator("details.fu")
    assert overview.locator("summary").inner_text() == "Your follow-ups: 7 due this week"
    assert not overview.locator("li").first.is_visible()  # closed until tapped
    assert axe(page) == []
    overview.locator("summary").click()
    assert overview.locator("li").count() == 7 and overview.locator("li").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # no sideways scrolling
    assert axe(page) == []

    # Close the video-call one: the page says so, with Undo; undone, it is due again.
    overview.locator("li", has_text="Video call").get_by_role("button", name="Not needed").click()
    page.wait_for_url("**/log_interaction/?t=*closed=*")
    status = page.get_by_role("status").filter(has_text="Closed as")
    assert "Closed as “Not needed”" in status.inner_text()
    assert bootstrap.app().store.get_follow_up(other).state == "not_needed"
    assert axe(page) == []
    status.get_by_role("button", name="Undo").click()
    page.wait_for_url("**/log_interaction/?t=*reopened=*")
    assert "is open again" in page.get_by_role("status").filter(has_text="open again").inner_text()
    assert bootstrap.app().store.get_follow_up(other).state == "open"

    # Log the follow-up of the referral: its context and the named service come first.
    page.locator("details.fu summary").click()
    page.locator(f"a[href*='follows={referred}']").click()
    assert page.locator("h1").inner_text() == "Log a follow-up"
    uptake = page.get_by_role(
        "group", name="Did the student connect with the service you referred them to (Counselling services)?"
    )
    assert uptake.bounding_box()["y"] < page.get_by_label("Date of the interaction").bounding_box()["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert axe(page) == []
    fill(page)
    page.get_by_label("No", exact=True).check()  # no further follow-up
    uptake.get_by_label("Yes, they connected").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/log_interaction/thanks?*")
    ended = bootstrap.app().store.get_follow_up(referred)
    assert (ended.state, ended.uptake) == ("done", "connected")
    page.goto(f"{live_server.url}/log_interaction/?t={sam.token}")
    assert page.locator("details.fu summary").inner_text() == "Your follow-ups: 6 due this week"


def test_a_follow_up_logged_offline_is_sent_as_a_follow_up(live_server, context, page, sam):
    """The offline queue sends JSON from the form's fields: "follows" (a hidden field) too."""
    original = log(live_server, sam.token, follow_up_due=today().isoformat(), referral="physician")
    page.goto(f"{live_server.url}/log_interaction/?t={sam.token}&follows={original}")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    context.set_offline(True)
    fill(page, note="Followed up on the subway.")
    page.get_by_label("No", exact=True).check()
    page.get_by_label("Not yet").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved on this phone.", exact=False).wait_for()
    context.set_offline(False)
    page.get_by_text("Sent what was saved on this phone: 1.").wait_for()
    ended = bootstrap.app().store.get_follow_up(original)
    assert (ended.state, ended.uptake) == ("done", "not_yet")


def test_the_form_with_follow_ups_due_fits_14_kb_on_the_wire(tmp_path):
    """The 14 KB first-visit budget (tests/test_page_weight.py), with seven follow-ups listed."""
    from bench.wire import BUDGET, weigh
    from tests.support.served import served

    with served(tmp_path) as server:
        for _ in range(7):
            key = str(uuid.uuid4())
            response = requests.post(
                f"{server.url}/log_interaction/",
                json=answers(follow_up_due=today().isoformat(), topics=["academic", "mental_health"]),
                headers={"Authorization": f"Bearer {server.supporter_token}", "Idempotency-Key": key},
                timeout=10,
            )
            assert response.status_code == 201
        [visit] = weigh([f"{server.url}/log_interaction/?t={server.supporter_token}"])
    assert visit["responses"][0]["status"] == 200
    assert visit["bytes"] <= BUDGET, visit["responses"]
