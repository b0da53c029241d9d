"""The console's page budget, against a real local server on SQLite: every response Chromium
fetches to show each console page (signed in, desktop and phone alike), gzip-compressed as a
server with compression would send it; the heaviest page is the figure. And no request may
leave the server."""

from __future__ import annotations

import gzip
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench.bench_survey import BUDGET_BYTES, CHROMIUM, local_server
from shared import bootstrap
from shared.services import coordinators, signin, supporters, surveys

PAGES = ("", "report", "supporters", "surveys", "surveys/weight", "data", "audit", "coordinators")


def weights(base: str) -> tuple[dict[str, int], int]:
    """(gzip bytes per page, requests to another host) for a signed-in coordinator."""
    from playwright.sync_api import sync_playwright

    app = bootstrap.app()
    coordinators.add(app.store, "bench@example.org", today=surveys.today_in(app.settings))
    link = signin.issue_link(app.store, app.settings, "bench@example.org", datetime.now(UTC))
    assert link is not None
    path = urlsplit(link).path
    host = urlsplit(base).netloc
    found: dict[str, int] = {}
    foreign: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
        page.on("request", lambda r: foreign.append(r.url) if urlsplit(r.url).netloc != host else None)
        page.goto(base + path)
        page.get_by_role("button").click()
        page.wait_for_url("**/console/")
        responses: list = []
        page.on("response", lambda r: responses.append(r))
        for name in PAGES:
            responses.clear()
            page.goto(f"{base}/console/{name}", wait_until="networkidle")
            found[name or "dashboard"] = sum(len(gzip.compress(r.body(), 6)) for r in list(responses) if r.ok)
        browser.close()
    return found, len(foreign)


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp, local_server(Path(tmp)) as (base, store):
        app = bootstrap.app()
        for n in range(30):
            supporters.add_supporter(store, app.settings, f"Supporter {n}", f"s{n}@example.org")
        surveys.create_survey(store, "weight", today=surveys.today_in(app.settings))
        found, foreign = weights(base)
    heaviest = max(found, key=lambda name: found[name])
    return [
        {
            "name": "console heaviest page (gzip, all requests)",
            "value": found[heaviest],
            "unit": "bytes",
            "target": f"<= {BUDGET_BYTES}",
            "note": f"{heaviest}; " + ", ".join(f"{k} {v}" for k, v in found.items()),
        },
        {
            "name": "console third-party requests",
            "value": foreign,
            "unit": "requests",
            "target": "0",
            "note": "requests to any host but the server",
        },
    ]
