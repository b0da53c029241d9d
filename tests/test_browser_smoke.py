"""The browser tooling itself: Chromium starts, reaches the local server, and axe-core runs."""

from __future__ import annotations

import pytest


@pytest.mark.browser
def test_error_page_in_chromium_is_accessible(live_server, page, axe):
    response = page.goto(f"{live_server.url}/survey/not-a-real-token")
    assert response.status == 404
    assert page.locator("h1").inner_text()
    assert "9-8-8" in page.locator("footer").inner_text()
    assert axe(page) == []
