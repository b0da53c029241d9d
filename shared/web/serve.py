"""The local server: every function's Flask app under ``/<function_name>/``, served by waitress.

functions-framework serves one target per process, so werkzeug's ``DispatcherMiddleware``
mounts the same apps the deployed functions run (:func:`shared.web.factory.create_app`).

Why waitress: its one event-loop thread reads each request whole (headers and body) before a
worker thread sees it, so a client that trickles its headers or body ties up a socket, never a
worker; and :class:`DeadlineServer` drops a connection whose request is not in within
:data:`HEADER_DEADLINE` / :data:`REQUEST_DEADLINE` seconds, or that sends nothing for
:data:`IDLE_DEADLINE`. The workers are a few threads of this one process (measured in bench/:
more threads only contend for the interpreter and SQLite's write lock). Background jobs (the
report schedule, alert retries, the daily purge and release) run in another thread of it.

What reaches the log: one access line per request naming the function and the status, with
the time to the hour and no client address (:class:`AccessLog`); never a request line, a URL,
a header or a token, malformed requests included (:class:`RedactWaitress`, :class:`PlainErrorTask`).
"""

from __future__ import annotations

import copy
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import WSGIRequestHandler
from werkzeug.wrappers import Response

from shared import jobs
from shared.bootstrap import App
from shared.web.console.app import UPLOAD_LIMIT
from shared.web.factory import FUNCTIONS, create_app
from shared.web.http import PUBLIC_BODY_LIMIT, security_headers

log = logging.getLogger("sidebyside.serve")
access_log = logging.getLogger("sidebyside.access")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

HEADER_DEADLINE = 5.0  # seconds from a request's first byte to the end of its headers
REQUEST_DEADLINE = 10.0  # seconds from a request's first byte to the end of its body
IDLE_DEADLINE = 5.0  # seconds a connection may send nothing (waitress's channel_timeout)
SWITCH_INTERVAL = 0.0005  # seconds; Python's default is 0.005
MAX_BODY = 4 * 1024 * 1024  # the largest: an invitation list (10,000 addresses) or a console upload
# The most body the server reads for each function before answering 413 itself: twice what its
# app accepts, so a body a little over the app's limit still gets the app's own answer (the
# page that says what was too large), while a public form can no longer make the server buffer
# 32 MB per connection before the app says no.
BODY_LIMITS = {"admin": MAX_BODY, "console": 2 * UPLOAD_LIMIT}  # both 4 MB
DEFAULT_BODY_LIMIT = 2 * PUBLIC_BODY_LIMIT  # log_interaction, survey, send_report


class HourFormatter(logging.Formatter):
    """Access lines carry the hour, not the millisecond: a finer time would line a survey
    answer's request up with its database commit."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return time.strftime("%Y-%m-%dT%H:00%z", time.localtime(record.created))


class AccessLog:
    """One log line per request naming the function and the status, never the rest of the URL
    (survey links carry their token in the path, supporter links in the query string) nor the
    client's address."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen: list[str] = []
        first = environ.get("PATH_INFO", "/").lstrip("/").split("/", 1)[0]  # before the dispatcher shifts it
        where = f"/{first}/..." if first in FUNCTIONS else ("/" if not first else "(other)")
        method = environ.get("REQUEST_METHOD", "")
        method = method if method.isalpha() and len(method) <= 8 else "(other)"

        def record(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen.append(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        result = self.app(environ, record)
        access_log.info('"%s %s" %s', method, where, seen[0] if seen else "-")
        return result


class RedactWaitress(logging.Filter):
    """waitress names the request path in two messages ("Client disconnected while serving
    /survey/TOKEN", "Exception while serving ..."): keep the words, drop the path."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if " while serving " in message:
            record.msg, record.args = message.split(" while serving ", 1)[0] + " while serving a request", ()
        return True


class PlainErrorTask(ErrorTask):
    """waitress's 400 for a malformed request echoes the offending line ("Malformed header line
    ..."), which may hold a token: answer with the status alone, and the usual headers."""

    def execute(self) -> None:
        error = self.request.error
        body = f"{error.code} {error.reason}\n".encode()
        self.status = f"{error.code} {error.reason}"
        headers = security_headers(Response()).headers
        self.response_headers.extend(
            (k, v) for k, v in headers.items() if k.lower() not in ("content-type", "content-length")
        )
        self.response_headers.append(("Content-Type", "text/plain; charset=utf-8"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class TimedParser(HTTPRequestParser):
    """waitress's request parser, remembering when the request's first byte came, and holding
    each request's body to its function's :data:`BODY_LIMITS` (waitress has one limit for
    the whole server; it reads this parser's ``adj`` for the body it is about to receive)."""

    adj: Any  # waitress's Adjustments (untyped)

    def __init__(self, adj: Any) -> None:
        super().__init__(adj)
        self.started = time.monotonic()

    def parse_header(self, header_plus: bytes) -> None:
        super().parse_header(header_plus)
        function = self.path.lstrip("/").split("/", 1)[0]
        limit = BODY_LIMITS.get(function, DEFAULT_BODY_LIMIT)
        if limit < self.adj.max_request_body_size:
            self.adj = copy.copy(self.adj)
            self.adj.max_request_body_size = limit


class DeadlineChannel(HTTPChannel):
    parser_class = TimedParser
    error_task_class = PlainErrorTask


class DeadlineServer(TcpWSGIServer):
    """waitress's server, whose periodic sweep also drops connections still sending a request
    past its deadline (waitress alone only drops connections that fall silent, so a client
    sending a byte a second would hold its socket for ever)."""

    channel_class = DeadlineChannel

    def __init__(self, *args: Any, header_deadline: float, request_deadline: float, **kwargs: Any) -> None:
        self.header_deadline = header_deadline
        self.request_deadline = request_deadline
        super().__init__(*args, **kwargs)

    def maintenance(self, now: float) -> None:
        super().maintenance(now)
        mono = time.monotonic()
        for channel in list(self.active_channels.values()):
            partial = channel.request
            if partial is None or channel.requests or channel.will_close:
                continue  # between requests (the idle deadline applies), or being served
            age = mono - partial.started
            if age > self.request_deadline or (not partial.headers_finished and age > self.header_deadline):
                channel.will_close = True


class QuietHandler(WSGIRequestHandler):
    """For werkzeug's server in tests: its own request lines would show whole URLs."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def index(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    names = " ".join(f"/{name}/" for name in FUNCTIONS)
    body = f"Side-by-Side is running. Functions: {names}\n"
    status = 200 if environ.get("PATH_INFO", "/") in ("", "/") else 404
    response = security_headers(Response(body, status=status, mimetype="text/plain"))
    return response(environ, start_response)


def mounts(app: App) -> dict[str, WSGIApp]:
    """What the local server serves under each prefix: every function's app (add a mount here)."""
    return {f"/{name}": create_app(name, app) for name in FUNCTIONS}


def wsgi_app(app: App) -> AccessLog:
    """Every mounted app under its prefix, the index at ``/``, with the redacting access log."""
    return AccessLog(DispatcherMiddleware(index, mounts(app)))


def start_background(app: App, stop: threading.Event) -> threading.Thread:
    """Run the scheduled jobs (report schedule, alert retries, daily purge) until ``stop`` is set."""
    thread = threading.Thread(target=jobs.run_forever, args=(app, stop), name="sidebyside-jobs", daemon=True)
    thread.start()
    return thread


def configure_logging() -> None:
    """Jobs and errors to stderr with their time; access lines with the hour only; waitress's
    own messages only from warnings up, without request paths."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if not access_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(HourFormatter("%(asctime)s %(name)s %(message)s"))
        access_log.addHandler(handler)
        access_log.propagate = False
    waitress_log = logging.getLogger("waitress")
    waitress_log.setLevel(logging.WARNING)
    if not any(isinstance(f, RedactWaitress) for f in waitress_log.filters):
        waitress_log.addFilter(RedactWaitress())


def make_server(
    application: WSGIApp,
    host: str = "127.0.0.1",
    port: int = 8080,
    threads: int = 4,
    header_deadline: float = HEADER_DEADLINE,
    request_deadline: float = REQUEST_DEADLINE,
    idle_deadline: float = IDLE_DEADLINE,
) -> DeadlineServer:
    """A waitress server for ``application`` with the deadlines above, listening at once.

    It also shortens the interpreter's thread switch interval: a thread woken by I/O (the
    SQLite writer after its fsync, a worker whose commit is done) otherwise waits up to 5 ms
    for a busy thread to let go of the interpreter, which at 50 connections cost about a third
    of the log's throughput (measured in bench/bench_throughput.py; the floor app runs with
    the same setting)."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    return DeadlineServer(
        application,
        host=host,
        port=port,
        threads=threads,
        header_deadline=header_deadline,
        request_deadline=request_deadline,
        channel_timeout=idle_deadline,
        cleanup_interval=1,  # how often the deadlines are checked (whole seconds)
        connection_limit=500,
        asyncore_use_poll=True,  # select() stops at 1,024 descriptors
        max_request_body_size=MAX_BODY,
        max_request_header_size=64 * 1024,
        ident="",  # no Server header naming the software
        expose_tracebacks=False,
        clear_untrusted_proxy_headers=True,
    )


def serve(
    app: App, host: str = "127.0.0.1", port: int = 8080, background: bool = True, threads: int = 4
) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM), running the jobs in a thread beside."""
    configure_logging()
    stop = threading.Event()
    server = make_server(wsgi_app(app), host, port, threads)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # waitress stops on SystemExit
    if background:
        start_background(app, stop)
    try:
        server.run()
    finally:
        stop.set()
        server.close()
