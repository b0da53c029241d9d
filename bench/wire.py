"""Page weight on the wire: what headless Chromium receives for a first visit of a page.

Each URL is opened in a fresh browser context (empty cache, no service worker yet), on a phone
viewport; every response of the visit is counted, the service worker's own fetches (its
precache) included, as Chromium received it: response headers plus the encoded (compressed)
body. Also counts requests to any other host. Debian's Chromium through Playwright; never a
downloaded browser.

Run in a process of its own (Playwright reads the service-worker switch at start-up):
``python -m bench.wire URL...`` prints one JSON object per URL. :func:`weigh` does that.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
BUDGET = 14 * 1024  # bytes: about what the first round trip of a new connection carries
SW_EVENTS = "PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS"


def on_the_wire(response: Any) -> dict[str, Any]:
    """A response's header and encoded body bytes, as Chromium received them. A response it
    took from its HTTP cache (the service worker's precache of a file the page just loaded)
    cost nothing on the wire: Chromium reports 0 bytes received. For the service worker's
    own script Chromium reports the headers but no body: the body is then the
    ``Content-Length`` the server sent (the compressed size), or the decoded body's length."""
    sizes = response.request.sizes()
    headers, body = sizes["responseHeadersSize"], sizes["responseBodySize"]
    if headers + body <= 0:  # Chromium's encodedDataLength: nothing came over the network
        headers = body = 0
    elif body == 0 and response.status == 200:
        length = response.headers.get("content-length")
        body = int(length) if length and length.isdigit() else len(response.body() or b"")
    return {"encoding": response.headers.get("content-encoding", ""), "headers": headers, "body": body}


def visit(browser: Any, url: str) -> dict[str, Any]:
    origin = urlsplit(url).netloc
    responses: list[Any] = []
    foreign: list[str] = []
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    context.on("response", lambda r: responses.append(r))
    context.on("request", lambda r: urlsplit(r.url).netloc != origin and foreign.append(r.url))
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    if page.evaluate("'serviceWorker' in navigator && !!navigator.serviceWorker.controller || "
                     "('serviceWorker' in navigator && navigator.serviceWorker.getRegistrations().then(r => r.length > 0))"):  # fmt: skip
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.wait_for_timeout(700)  # the service worker's precache
    items = []
    for response in responses:
        if urlsplit(response.url).netloc != origin:
            continue
        items.append({"url": urlsplit(response.url).path, "status": response.status, **on_the_wire(response)})
    context.close()
    return {
        "url": urlsplit(url).path,
        "bytes": sum(i["headers"] + i["body"] for i in items),
        "body_bytes": sum(i["body"] for i in items),
        "responses": items,
        "foreign": len(set(foreign)),
    }


def main(urls: list[str]) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        for url in urls:
            print(json.dumps(visit(browser, url)), flush=True)
        browser.close()


def weigh(urls: list[str]) -> list[dict[str, Any]]:
    """Each URL's first visit, measured in a Chromium of its own (see the module's docstring)."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.wire", *urls],
        cwd=ROOT,
        env={**os.environ, SW_EVENTS: "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    if out.returncode:
        raise RuntimeError(f"measuring page weight failed: {out.stderr[-2000:]}")
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


if __name__ == "__main__":
    main(sys.argv[1:])
