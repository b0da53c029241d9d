"""The console's Report page in headless Chromium with a real report (barrier chart and tables):
nothing scrolls sideways at a phone's 375 px or a laptop's 1280 px (the chart, a 1200 px image,
had no maximum width: the page was 1416 px wide at 1280 px and 1256 px at 375 px, and the
barrier table overflowed at 375 px). On a phone, tables of more than five columns (the barriers)
are one block per row, each value beside its column's name, and the others are set smaller; one
still too wide scrolls inside its own box, never the page."""

from __future__ import annotations

from datetime import date

import pytest

from shared.services import imports, surveys
from tests.console.test_browser import DESKTOP, sign_in
from tests.test_export_import import RESPONSES_IN

WIDTHS = (375, DESKTOP["width"])


def answered_survey(app) -> None:
    surveys.create_survey(
        app.store,
        "y2026",
        opens=date(2026, 4, 1),
        closes=date(2026, 5, 15),
        today=date(2020, 1, 1),
        blocks=["k10"],
    )
    imports.import_responses(app.store, app.settings, RESPONSES_IN.encode(), "y2026")


# What sticks out: every element whose right edge passes the viewport, outside a box that
# scrolls by itself (such a box's own width is checked instead).
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => { for (let p = el.parentElement; p; p = p.parentElement) {
      if (getComputedStyle(p).overflowX === 'auto' || getComputedStyle(p).overflowX === 'scroll') return true; }
    return false; };
  return [...document.querySelectorAll('body *')]
    .filter((el) => !scrolls(el) && el.getBoundingClientRect().right > width + 0.5)
    .map((el) => el.tagName + (el.className ? '.' + el.className : '') + ' ' + Math.round(el.getBoundingClientRect().right));
}"""


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_report_page_does_not_scroll_sideways_at_375_or_1280_px(app, live_server, browser, axe, lang):
    answered_survey(app)
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        sign_in(page, live_server, app)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(f"{live_server.url}/console/report?lang={lang}")
            chart = page.locator("figure img")
            chart.wait_for()
            page.wait_for_function("document.querySelector('figure img').complete")
            assert page.locator("table").count() >= 2  # the barrier tables are there
            assert page.evaluate("document.documentElement.scrollWidth") <= width, width
            assert page.evaluate(STICKING_OUT) == [], width
            barriers = "(() => { const w = document.querySelector('table.stack').parentElement; return w.scrollWidth - w.clientWidth; })()"
            assert page.evaluate(barriers) == 0, width  # the barrier table does not even scroll in its box
            assert axe(page) == [], width
            box = chart.bounding_box()
            assert box is not None and 0 < box["width"] <= width
            ratio = page.evaluate(
                "(() => { const i = document.querySelector('figure img'); return i.naturalWidth / i.naturalHeight; })()"
            )
            assert abs(box["width"] / box["height"] - ratio) < 0.02  # scaled, not squashed
    finally:
        context.close()
