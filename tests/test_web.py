"""The shared web behaviour every function gets, checked through the functions themselves
(functions-framework's test client) and through the local dispatcher."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from werkzeug.test import Client

from shared.store.port import Unavailable
from tests.conftest import ADMIN_TOKEN

ROOT = Path(__file__).resolve().parents[1]
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def assert_security_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "http" not in csp  # no third-party origin
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_carry_security_headers_and_token_pages_are_not_cached(client_for):
    response = client_for("survey").get("/not-a-token-at-all")
    assert response.status_code == 404
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert "<style>" in response.get_data(as_text=True)  # inlined, allowed by its hash


def test_the_inline_stylesheet_matches_its_csp_hash(client_for):
    import base64
    import hashlib
    import re

    response = client_for("survey").get("/thanks")
    css = re.search(r"<style>(.*?)</style>", response.get_data(as_text=True), re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in response.headers["Content-Security-Policy"]


def test_files_and_scripts_get_a_csp_of_their_own_pages_the_full_one(client_for):
    """Issue 12 item 22: what is not a page gets a short CSP (every response still has one,
    issue 13 item 5); a script's lets it fetch from its own origin, as the service worker must."""
    client = client_for("log_interaction")
    page = client.get("/?t=forged")  # the page saying the link does not work
    assert page.status_code == 401 and "style-src 'sha256-" in page.headers["Content-Security-Policy"]
    assert page.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    for path, csp in (
        ("/sw.js", "default-src 'none'; connect-src 'self'; frame-ancestors 'none'"),
        ("/log.js", "default-src 'none'; connect-src 'self'; frame-ancestors 'none'"),
        ("/icon.svg", "default-src 'none'; frame-ancestors 'none'"),
        ("/manifest.webmanifest", "default-src 'none'; frame-ancestors 'none'"),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Content-Security-Policy"] == csp, path
        assert_security_headers(response)
        assert response.headers["X-Frame-Options"] == "DENY"


def test_scripts_are_served_minified_from_their_readable_source(client_for):
    source = (ROOT / "forms" / "static" / "log.js").read_text(encoding="utf-8")
    served = client_for("log_interaction").get("/log.js").get_data(as_text=True)
    assert "/*" in source and "/*" not in served and "\n  " not in served  # comments and indents gone
    assert len(served) < 0.7 * len(source)
    assert 'navigator.serviceWorker.register("sw.js")' in served  # the code itself is kept


def test_public_forms_refuse_bodies_over_64_kb_with_413(client_for):
    client = client_for("log_interaction")
    body = json.dumps({"note": "x" * 70_000})
    response = client.post(
        "/", data=body, content_type="application/json", headers={"Accept": "application/json"}
    )
    assert response.status_code == 413
    assert response.get_json()["error"] == "too_large"


def test_browsers_get_a_friendly_page_json_clients_get_json(client_for):
    client = client_for("survey")
    html = client.get("/nowhere/at/all", headers={"Accept": "text/html"})
    assert html.status_code == 404 and html.mimetype == "text/html"
    assert "Traceback" not in html.get_data(as_text=True)
    as_json = client.get("/nowhere/at/all", headers={"Accept": "application/json"})
    assert as_json.status_code == 404 and as_json.get_json()["error"] == "not_found"


@pytest.mark.parametrize("accept", ["text/html", "*/*", None])
def test_the_admin_api_answers_json_errors_whatever_the_accept_header(client_for, accept):
    """Issue 12 item 18: a plain curl gets JSON for 401, 404, 405 and report errors."""
    client = client_for("admin")
    headers = {"Accept": accept} if accept else {}
    cases = [
        (client.get("/supporters", headers=headers), 401),
        (client.get("/nothing-here", headers={**AUTH, **headers}), 404),
        (client.put("/supporters", headers={**AUTH, **headers}), 405),
        (client.get("/report?format=pdf", headers={**AUTH, **headers}), 400),
    ]
    for response, status in cases:
        assert response.status_code == status
        assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
        assert response.get_json()["error"]


def test_admin_405_names_the_allowed_methods_and_404_for_unknown_paths(client_for):
    client = client_for("admin")
    response = client.put("/supporters", headers={**AUTH, "Accept": "application/json"})
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {
        "GET",
        "HEAD",
        "POST",
    }  # HEAD: Flask answers it for GET
    assert client.get("/nothing-here", headers={**AUTH, "Accept": "application/json"}).status_code == 404


def test_wrong_admin_token_is_401(client_for):
    response = client_for("admin").get("/supporters", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


class DownStore:
    """The fault injected through the store port: every call finds the store unreachable."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise Unavailable("injected: the store is down")

        return fail


def test_an_unreachable_store_is_503_with_retry_after(app, client_for, monkeypatch):
    monkeypatch.setattr(app, "_store", DownStore())
    response = client_for("admin").get("/supporters", headers={**AUTH, "Accept": "application/json"})
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert response.get_json()["error"] == "unavailable"


def test_an_unexpected_error_is_a_500_page_without_a_stack_trace(app, client_for, monkeypatch):
    class Broken(DownStore):
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise RuntimeError("injected bug")

            return fail

    monkeypatch.setattr(app, "_store", Broken())
    response = client_for("admin").get("/supporters", headers=AUTH)
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Traceback" not in text and "injected bug" not in text


def test_the_local_dispatcher_mounts_every_function(app):
    from shared.web.serve import wsgi_app

    client = Client(wsgi_app(app))
    assert client.get("/").status_code == 200
    assert client.get("/nowhere").status_code == 404
    assert client.get("/survey/thanks").status_code == 200
    assert client.get("/admin/supporters").status_code == 401
    assert client.get("/send_report/").status_code == 405


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stdout.read())
        try:
            return urllib.request.urlopen(url, timeout=2).status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


# Runs functions-framework as deployed: the project is NOT installed (the editable-install finder
# is removed and cwd is elsewhere), so only functions/main.py's own path setup can make `shared`
# importable.
LAUNCH = """
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f)]
sys.path[:] = [p for p in sys.path if p not in ("", ".")]
try:
    import shared
    raise SystemExit("shared was importable before functions/main.py ran")
except ModuleNotFoundError:
    pass
from functions_framework._cli import _cli
sys.argv = ["functions-framework"] + sys.argv[1:]
_cli()
"""


@pytest.mark.parametrize("target", ["survey", "log_interaction"])
def test_functions_framework_serves_an_entry_point_as_deployed(tmp_path, settings_env, target):
    port = _free_port()
    env = {**os.environ, **settings_env, "SIDEBYSIDE_STORE": f"sqlite:///{tmp_path / 'ff.db'}"}
    env.pop("PYTHONPATH", None)
    source = str(ROOT / "functions" / "main.py")
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, "--source", source, "--target", target, "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        path = "/thanks" if target == "survey" else "/?t=forged"
        status = _wait_for(f"http://127.0.0.1:{port}{path}", proc)
        assert status == (200 if target == "survey" else 401)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_local_server_never_logs_tokens(app, caplog):
    import logging
    import threading
    import urllib.request

    from werkzeug.serving import make_server

    from shared.web.serve import QuietHandler, wsgi_app

    server = make_server("127.0.0.1", 0, wsgi_app(app), threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    secret = "SECRETTOKEN0123456789abcdefghijklmnopqrstu"
    try:
        with caplog.at_level(logging.DEBUG):
            for path in (f"/survey/{secret}", f"/log_interaction/?t={secret}"):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}{path}", timeout=5)
                except urllib.error.HTTPError:
                    pass
    finally:
        server.shutdown()
        server.server_close()
    assert any("/survey/..." in r.getMessage() for r in caplog.records)
    assert all(secret not in r.getMessage() for r in caplog.records)


def test_token_pages_are_not_cached_but_their_static_assets_are(app, client_for):
    client = client_for("log_interaction")
    assert client.get("/?t=forged").headers["Cache-Control"] == "no-store"
    assert client.get("/log.js").headers["Cache-Control"].startswith("public")
