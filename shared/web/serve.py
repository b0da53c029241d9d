"""The local server: every function of ``functions/main.py`` under ``/<function_name>/``.

functions-framework serves one target per process, so this is a small WSGI dispatcher
over one Flask app per function, served by gunicorn (one process, a few threads: measured
in bench/ as the fastest on this kind of machine; more threads or processes only contend for
the interpreter and SQLite's write lock). Background jobs (the report schedule, alert retries,
the daily purge and reseal) run in a thread of that process.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

import flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import WSGIRequestHandler

log = logging.getLogger("sidebyside.serve")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class AccessLog:
    """One log line per request naming the function and the status, never the rest of the URL:
    survey links carry their token in the path and supporter links in the query string."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen: list[str] = []
        function = (
            environ.get("PATH_INFO", "/").lstrip("/").split("/", 1)[0]
        )  # before the dispatcher shifts it

        def record(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen.append(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        result = self.app(environ, record)
        log.info(
            '%s "%s /%s/..." %s',
            environ.get("REMOTE_ADDR", "-"),
            environ.get("REQUEST_METHOD"),
            function,
            seen[0] if seen else "-",
        )
        return result


class QuietHandler(WSGIRequestHandler):
    """For werkzeug's server in tests: its own request lines would show whole URLs."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


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
    body = b"Side-by-Side is running. Functions: /log_interaction/ /survey/ /admin/ /send_report/ /console/\n"
    status = "200 OK" if environ.get("PATH_INFO", "/") in ("", "/") else "404 Not Found"
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]


def wsgi_app() -> AccessLog:
    main = importlib.import_module("functions.main")
    mounts = {f"/{name}": function_app(name, getattr(main, name)) for name in main.FUNCTIONS}
    return AccessLog(DispatcherMiddleware(index, mounts))


def start_background(stop: threading.Event) -> threading.Thread | None:
    """Run the scheduled jobs (report schedule, alert retries) until ``stop`` is set."""
    try:
        jobs = importlib.import_module("shared.jobs")
    except ModuleNotFoundError:
        return None
    thread = threading.Thread(target=jobs.run_forever, args=(stop,), name="sidebyside-jobs", daemon=True)
    thread.start()
    return thread


def serve(host: str = "127.0.0.1", port: int = 8080, background: bool = True, threads: int = 4) -> None:
    """Serve until interrupted: gunicorn, one worker process with ``threads`` threads."""
    from gunicorn.app.base import BaseApplication

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            settings = {
                "bind": f"{host}:{port}",
                "workers": 1,
                "worker_class": "gthread",
                "threads": threads,
                "accesslog": None,  # AccessLog writes its own, redacted
                "loglevel": "warning",
                # The jobs start in the worker, after the fork, so they share its store.
                "post_worker_init": lambda worker: background and start_background(stop),
                "worker_exit": lambda arbiter, worker: stop.set(),
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> AccessLog:
            return wsgi_app()

    Server().run()
