"""Real-browser fixtures: the whole local app on a loopback port, Debian's Chromium driven by
Playwright for Python (never a downloaded browser), and axe-core from node_modules.

Registered from tests/conftest.py. Browser tests are marked ``@pytest.mark.browser``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 360, "height": 740}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LiveServer:
    url: str  # e.g. http://127.0.0.1:41234 (no trailing slash)


@pytest.fixture
def live_server(app: Any) -> Iterator[LiveServer]:
    """Every function of functions/main.py served like ``sidebyside serve``, on the test's store."""
    from werkzeug.serving import make_server

    from shared.web.serve import QuietHandler, wsgi_app

    server = make_server("127.0.0.1", 0, wsgi_app(app), threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, service_workers="allow")
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Iterator[Any]:
    yield context.new_page()


def run_axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the current page at WCAG 2.0/2.1 A and AA."""
    if not AXE.exists():
        raise RuntimeError("axe-core is missing: run `make test`, which runs `npm ci`")
    # Evaluated through the DevTools protocol, so the page's CSP (script-src 'self') does not apply.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => JSON.stringify(await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}))"
    )
    violations = json.loads(result)["violations"]
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in violations
    ]


@pytest.fixture
def axe() -> Any:
    """``axe(page)`` returns the list of WCAG 2.1 AA violations (empty when the page passes)."""
    return run_axe
