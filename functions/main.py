"""The HTTP entry points. Each is a plain ``def name(request)`` that hands the request to its
function's Flask app (:func:`shared.web.factory.create_app`: one blueprint of routes per
function); deployed one per Cloud Run function, mounted together locally by ``sidebyside serve``.

Deployed from the repository root with ``GOOGLE_FUNCTION_SOURCE=functions/main.py``, the
root is not on ``sys.path``, so it is added here to make the ``shared`` package importable.
Each app is built on its function's first request, from the process's one App
(:func:`shared.bootstrap.app`); heavy imports (pandas, scipy) happen only inside the report path.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import flask  # noqa: E402
from flask.ctx import RequestContext  # noqa: E402

from shared import bootstrap  # noqa: E402
from shared.web.factory import FUNCTIONS as FACTORY_FUNCTIONS  # noqa: E402
from shared.web.factory import create_app  # noqa: E402

_apps: dict[str, flask.Flask] = {}
_building = threading.Lock()


def app_for(name: str) -> flask.Flask:
    """The named function's app, built once. Concurrent first requests (a cold instance's
    threads) wait for one build: werkzeug compiles routes with ``ast``, which CPython 3.11
    does not guard across threads ("AST constructor recursion depth mismatch")."""
    app = _apps.get(name)
    if app is None:
        with _building:
            app = _apps.get(name)
            if app is None:
                app = _apps[name] = create_app(name, bootstrap.app())
    return app


def dispatch(name: str, request: flask.Request) -> flask.Response:
    """Run ``request`` through the named function's app: its routes, hooks and error handlers.
    The same request object, so the body is read once whichever app reads it."""
    app = app_for(name)
    with RequestContext(app, request.environ, request=request):
        return app.full_dispatch_request()


def log_interaction(request: flask.Request) -> flask.Response:
    """Supporters: the interaction log form (GET) and its submissions (POST)."""
    return dispatch("log_interaction", request)


def survey(request: flask.Request) -> flask.Response:
    """Students: the end-of-year survey behind a single-use link."""
    return dispatch("survey", request)


def admin(request: flask.Request) -> flask.Response:
    """Coordinators: the JSON admin API (supporters, surveys, links, exports, report)."""
    return dispatch("admin", request)


def send_report(request: flask.Request) -> flask.Response:
    """Cloud Scheduler: the scheduled report (``/``), alert retries (``/alerts``), purge (``/daily``)."""
    return dispatch("send_report", request)


def console(request: flask.Request) -> flask.Response:
    """Coordinators: the signed-in web console (dashboard, supporters, surveys, audit log)."""
    return dispatch("console", request)


FUNCTIONS = tuple(FACTORY_FUNCTIONS)  # one entry point above for each, checked by tests/test_web.py
