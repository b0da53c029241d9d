"""The local server: every function's Flask app under ``/<function_name>/``.

functions-framework serves one target per process, so werkzeug's ``DispatcherMiddleware``
mounts the same apps the deployed functions run (:func:`shared.web.factory.create_app`),
served by gunicorn (one process, a few threads: measured
in bench/ as the fastest on this kind of machine; more threads or processes only contend for
the interpreter and SQLite's write lock). Background jobs (the report schedule, alert retries,
the daily purge and release) run in a thread of that process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import WSGIRequestHandler
from werkzeug.wrappers import Response

from shared import jobs
from shared.bootstrap import App
from shared.web.factory import FUNCTIONS, create_app
from shared.web.http import security_headers

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


def index(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = "Side-by-Side is running. Functions: /log_interaction/ /survey/ /admin/ /send_report/ /console/\n"
    status = 200 if environ.get("PATH_INFO", "/") in ("", "/") else 404
    response = security_headers(Response(body, status=status, mimetype="text/plain"))
    return response(environ, start_response)


def wsgi_app(app: App) -> AccessLog:
    """Every function's app under its name, the index at ``/``, with the redacting access log."""
    mounts: dict[str, WSGIApp] = {f"/{name}": create_app(name, app) for name in FUNCTIONS}
    return AccessLog(DispatcherMiddleware(index, mounts))


def start_background(app: App, stop: threading.Event) -> threading.Thread:
    """Run the scheduled jobs (report schedule, alert retries, daily purge) until ``stop`` is set."""
    thread = threading.Thread(target=jobs.run_forever, args=(app, stop), name="sidebyside-jobs", daemon=True)
    thread.start()
    return thread


def serve(
    app: App, host: str = "127.0.0.1", port: int = 8080, background: bool = True, threads: int = 4
) -> None:
    """Serve until interrupted: gunicorn, one worker process with ``threads`` threads."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()

    class Server(BaseApplication):
        def load_config(self) -> None:
            settings = {
                "bind": f"{host}:{port}",
                "workers": 1,
                "worker_class": "gthread",
                "threads": threads,
                "accesslog": None,  # AccessLog writes its own, redacted
                "loglevel": "warning",
                # The jobs start in the worker, after the fork, so they share its store.
                "post_worker_init": lambda worker: background and start_background(app, stop),
                "worker_exit": lambda arbiter, worker: stop.set(),
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        # types-gunicorn declares environ a MutableMapping; gunicorn passes a dict (PEP 3333).
        def load(self) -> AccessLog:  # type: ignore[override]
            return wsgi_app(app)

    Server().run()
