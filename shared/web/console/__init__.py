"""The coordinators' console: a server-rendered Flask app at ``/console/``.

``bp`` (in :mod:`.blueprint`) holds every route; :func:`create_console_app` builds the app
around it; :func:`handle` is what the ``console`` function entry point calls.
"""

from __future__ import annotations

import threading

import flask

from shared import bootstrap
from shared.web.console.app import create_console_app
from shared.web.console.blueprint import bp

__all__ = ["bp", "create_console_app", "handle"]

_lock = threading.Lock()
_built: list[tuple[object, flask.Flask]] = []  # (the App it was built for, the console app)


def console_app() -> flask.Flask:
    """The console app for the process's App, built once (again when tests configure a new one)."""
    services = bootstrap.app()
    with _lock:
        if not _built or _built[0][0] is not services:
            _built[:] = [(services, create_console_app(services))]
        return _built[0][1]


def handle(request: flask.Request) -> flask.Response:
    """Run the request through the console app (functions-framework hands us its request)."""
    app = console_app()
    with app.request_context(request.environ):
        response = app.full_dispatch_request()
    # The console's own request object read the body from the shared WSGI stream; mark the
    # framework's request read too, or its after-request drain would wait on an empty stream.
    request._cached_data = b""
    return response
