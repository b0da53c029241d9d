"""The console in headless Chromium: the whole journey at phone and desktop sizes, and
axe-core (WCAG 2.1 AA) with no horizontal scroll at 320 px on every page in both languages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.records import Alert, Interaction, Supporter
from tests.console.support import last_sign_in_link, local_path, outbox
from tests.support.browser import PHONE

DESKTOP = {"width": 1280, "height": 800}
COORD = "coord@example.org"  # from SIDEBYSIDE_COORDINATORS in the test settings
HEADER = "supporter,occurred_on,format,initiated_by,topics,concern_level,referral,follow_up_planned\n"


def urgent_alert(app) -> None:
    app.store.add_supporter(Supporter("s0", "Ana B.", None))
    now = datetime.now(UTC)
    app.store.add_interaction(
        Interaction("i1", "s0", now.date(), {"concern": "urgent"}, now), Alert("a1", "i1", now)
    )


def sign_in(page, live_server, app) -> None:
    page.goto(f"{live_server.url}/console/")
    page.get_by_label("Your email address").fill(COORD)
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    page.goto(live_server.url + local_path(last_sign_in_link(app, COORD)))
    page.get_by_role("button", name="Continue to the console").click()
    page.get_by_role("heading", name="Dashboard").wait_for()


@pytest.mark.browser
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_coordinators_journey(app, live_server, browser, size, tmp_path):
    urgent_alert(app)
    viewport = PHONE if size == "phone" else DESKTOP
    context = browser.new_context(viewport=viewport, is_mobile=size == "phone", accept_downloads=True)
    page = context.new_page()
    try:
        sign_in(page, live_server, app)

        page.get_by_role("link", name="Supporters").click()
        page.get_by_label("Alias").fill("Sam R.")
        page.get_by_label("Email (optional)").fill("sam@example.org")
        page.get_by_role("button", name="Add", exact=True).click()
        page.get_by_text("Added Sam R. and emailed them their personal link.").wait_for()
        assert [m["To"] for m in outbox(app) if m["To"] == "sam@example.org"] == ["sam@example.org"]

        page.get_by_role("link", name="Surveys").click()
        page.get_by_label("Survey id").fill("y2026")
        page.get_by_role("button", name="Create", exact=True).click()
        page.get_by_role("heading", name="Survey y2026").wait_for()
        page.get_by_label("How many links").fill("5")
        with page.expect_download() as download:
            page.get_by_role("button", name="Download links as CSV").click()
        lines = open(download.value.path(), encoding="utf-8").read().split()
        assert lines[0] == "link" and len(lines) == 6

        addresses = tmp_path / "class.csv"
        addresses.write_text("email\nana@example.org\nnot-an-address\nben@example.org\n", encoding="utf-8")
        page.get_by_label("List of addresses").set_input_files(str(addresses))
        page.get_by_role("button", name="Check the list", exact=True).click()
        page.get_by_text("2 valid addresses.").wait_for()
        assert "line 3" in page.locator("main").inner_text()
        page.get_by_role("button", name="Send 2 emails").click()
        page.get_by_text("2 emails sent.").wait_for()

        page.get_by_role("link", name="Data").click()
        bad = tmp_path / "bad.csv"
        bad.write_text(
            HEADER + "Sam R.,2024-01-15,carrier pigeon,student,academic,none,none,no\n", encoding="utf-8"
        )
        page.get_by_label("CSV file of interactions").set_input_files(str(bad))
        page.get_by_role("button", name="Check the file").first.click()
        page.get_by_text("Nothing was imported.").wait_for()
        assert "line 2" in page.locator("main").inner_text()
        page.get_by_role("link", name="Back to Data").click()
        good = tmp_path / "good.csv"
        good.write_text(HEADER + "Sam R.,2024-01-15,phone,student,academic,none,none,no\n", encoding="utf-8")
        page.get_by_label("CSV file of interactions").set_input_files(str(good))
        page.get_by_role("button", name="Check the file").first.click()
        page.get_by_role("button", name="Confirm: import 1 rows").click()
        page.get_by_text("Imported 1 rows: 1 new, 0 already there.").wait_for()

        page.get_by_role("link", name="Report").click()
        page.get_by_role("heading", name="Report", exact=True).wait_for()
        page.get_by_role("button", name="Email this report to the coordinators now").click()
        page.get_by_text("The report was emailed to the coordinators, each in their own language.").wait_for()

        page.get_by_role("link", name="Dashboard").click()
        page.get_by_role("button", name="Acknowledge").click()
        page.get_by_text("Alert acknowledged.").wait_for()

        page.get_by_role("link", name="Audit log").click()
        log = page.locator("main").inner_text()
        for kind in (
            "sign_in",
            "supporter_added",
            "survey_created",
            "survey_links_issued",
            "survey_invited",
            "alert_acknowledged",
        ):
            assert kind in log, kind

        page.get_by_role("button", name="Sign out").click()
        page.get_by_text("You are signed out.").wait_for()
        page.goto(f"{live_server.url}/console/supporters")
        page.get_by_role("heading", name="Sign in to the console").wait_for()
    finally:
        context.close()


@pytest.mark.browser
def test_every_page_passes_axe_in_both_languages_without_scrolling_sideways_at_320px(
    app, live_server, page, axe
):
    urgent_alert(app)
    page.set_viewport_size({"width": 320, "height": 640})
    for lang in ("fr", "en"):  # signed out
        page.goto(f"{live_server.url}/console/sign-in?lang={lang}")
        assert axe(page) == [] and page.evaluate("document.documentElement.scrollWidth") <= 320
    page.set_viewport_size(PHONE)
    pages: dict[str, str] = {}
    sign_in(page, live_server, app)
    page.get_by_role("link", name="Supporters").click()
    page.get_by_label("Alias").fill("Sam R.")
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_role("link", name="Sam R.").click()
    pages["supporter"] = page.url
    page.get_by_role("link", name="Surveys").click()
    page.get_by_label("Survey id").fill("y2026")
    page.get_by_role("button", name="Create", exact=True).click()
    pages["survey"] = page.url
    base = f"{live_server.url}/console"
    pages |= {
        name: f"{base}/{name}" for name in ("", "supporters", "surveys", "data", "audit", "coordinators")
    }
    page.set_viewport_size({"width": 320, "height": 640})
    for lang in ("fr", "en"):
        for name, url in pages.items():
            page.goto(f"{url}{'&' if '?' in url else '?'}lang={lang}")
            assert page.locator("html").get_attribute("lang") == lang, name
            assert axe(page) == [], (lang, name)
            assert page.evaluate("document.documentElement.scrollWidth") <= 320, (lang, name)
    # An error page too (a form with a message beside each field).
    page.goto(f"{base}/supporters")
    page.get_by_label("Alias").fill("<b>")
    page.get_by_role("button", name="Add", exact=True).click()
    page.locator("#f-alias-e").wait_for()
    assert axe(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
