"""The supporter's follow-up list in headless Chromium at 320 px: it fits, passes axe-core
(WCAG 2.1 AA), logs a follow-up of a referral with its uptake, and closes another (issue 14)."""

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
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live_server.url}/log_interaction/?t={sam.token}")
    section = page.get_by_role("region", name="Your follow-ups due")
    assert section.is_visible()
    assert section.locator("li").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # no sideways scrolling
    assert axe(page) == []

    # Close the video-call one: it leaves the list.
    section.locator("li", has_text="Video call").get_by_role("button", name="Not needed").click()
    page.wait_for_url("**/log_interaction/?t=*")
    assert page.get_by_role("region", name="Your follow-ups due").locator("li").count() == 1
    assert bootstrap.app().store.get_follow_up(other).state == "not_needed"

    # Log the follow-up of the referral, with the student's uptake.
    page.get_by_role("link", name="Log the follow-up").click()
    assert "This logs your follow-up of the interaction of" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert axe(page) == []
    fill(page)
    page.get_by_label("No", exact=True).check()  # no further follow-up
    page.get_by_label("Yes, they connected").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/log_interaction/thanks?*")
    ended = bootstrap.app().store.get_follow_up(referred)
    assert (ended.state, ended.uptake) == ("done", "connected")
    page.goto(f"{live_server.url}/log_interaction/?t={sam.token}")
    assert page.get_by_role("region", name="Your follow-ups due").count() == 0
