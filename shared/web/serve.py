"""The local server: every function of ``functions/main.py`` under ``/<function_name>/``.

functions-framework serves one target per process, so this is a small WSGI dispatcher
over one functions-framework app per function. Background jobs (the report schedule,
alert retries) run in a thread beside it.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

import flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import WSGIRequestHandler, make_server

log = logging.getLogger("sidebyside.serve")


class RedactingHandler(WSGIRequestHandler):
    """Access log lines name the function and the status, never the rest of the URL: survey
    links carry their token in the path and supporter links in the query string."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        function = self.path.lstrip("/").split("/", 1)[0].split("?", 1)[0]
        log.info('%s "%s /%s/..." %s', self.address_string(), self.command, function, code)


def function_app(name: str, function: Callable[[flask.Request], Any]) -> flask.Flask:
    """A Flask app calling ``function`` for every path and method, as functions-framework does."""
    app = flask.Flask(f"sidebyside.{name}")
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

    def view(path: str = "") -> Any:
        return function(flask.request)

    app.add_url_rule("/", "root", view, methods=methods)
    app.add_url_rule("/<path:path>", "path", view, methods=methods)
    app.url_map.strict_slashes = False
    return app


def index(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = b"Side-by-Side is running. Functions: /log_interaction/ /survey/ /admin/ /send_report/\n"
    status = "200 OK" if environ.get("PATH_INFO", "/") in ("", "/") else "404 Not Found"
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]


def wsgi_app() -> DispatcherMiddleware:
    main = importlib.import_module("functions.main")
    mounts = {f"/{name}": function_app(name, getattr(main, name)) for name in main.FUNCTIONS}
    return DispatcherMiddleware(index, mounts)


def start_background(stop: threading.Event) -> threading.Thread | None:
    """Run the scheduled jobs (report schedule, alert retries) until ``stop`` is set."""
    try:
        jobs = importlib.import_module("shared.jobs")
    except ModuleNotFoundError:
        return None
    thread = threading.Thread(target=jobs.run_forever, args=(stop,), name="sidebyside-jobs", daemon=True)
    thread.start()
    return thread


def serve(host: str = "127.0.0.1", port: int = 8080, background: bool = True) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    server = make_server(host, port, wsgi_app(), threaded=True, request_handler=RedactingHandler)
    stop = threading.Event()
    if background:
        start_background(stop)
    try:
        server.serve_forever()
    finally:
        stop.set()
        server.server_close()
