"""Issue 12 item 22: the supporter form, its thanks page, the survey page and the console's
sign-in page each weigh at most 14 KB on the wire for a first visit, measured as Chromium
receives them from the real local server (``sidebyside serve``): response headers plus
compressed bodies of every request the visit makes, the service worker's precache included
(a byte budget, not a timing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.wire import BUDGET, weigh
from tests.support.served import served


@pytest.mark.browser
def test_first_visits_fit_in_14_kb_on_the_wire(tmp_path: Path):
    with served(tmp_path) as server:
        pages = server.first_pages()
        measured = dict(zip(pages, weigh(list(pages.values())), strict=True))
    for name, visit in measured.items():
        first = visit["responses"][0]
        assert first["status"] == 200 and first["body"] > 500, (name, first)
        assert first["encoding"] in ("br", "gzip"), (name, first)  # compressed on the wire
        assert visit["foreign"] == 0, name
        assert visit["bytes"] <= BUDGET, f"{name}: {visit['bytes']} bytes on the wire: {visit['responses']}"
    # the form's visit really includes its script and the service worker's fetches
    paths = [r["url"] for r in measured["supporter form"]["responses"]]
    assert any(p.endswith("/log.js") for p in paths) and any(p.endswith("/sw.js") for p in paths)
