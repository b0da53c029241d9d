"""The HTTP entry points. Each is a plain ``def name(request)`` that hands the request to
one handler in ``shared/web``; deployed one per Cloud Run function, mounted together locally
by ``sidebyside serve``.

Deployed from the repository root with ``GOOGLE_FUNCTION_SOURCE=functions/main.py``, the
root is not on ``sys.path``, so it is added here to make the ``shared`` package importable.
Heavy imports (pandas, scipy) happen only inside the report path.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import flask  # noqa: E402


def log_interaction(request: flask.Request) -> flask.Response:
    """Supporters: the interaction log form (GET) and its submissions (POST)."""
    from shared.web.log_interaction import handle

    return handle(request)


def survey(request: flask.Request) -> flask.Response:
    """Students: the end-of-year survey behind a single-use link."""
    from shared.web.survey import handle

    return handle(request)


def admin(request: flask.Request) -> flask.Response:
    """Coordinators: the JSON admin API (supporters, surveys, links, exports, report)."""
    from shared.web.admin import handle

    return handle(request)


def send_report(request: flask.Request) -> flask.Response:
    """Cloud Scheduler: compute and email the period's report, at most once per period."""
    from shared.web.send_report import handle

    return handle(request)


def console(request: flask.Request) -> flask.Response:
    """Coordinators: the signed-in web console (dashboard, supporters, surveys, audit log)."""
    from shared.web.console import handle

    return handle(request)


FUNCTIONS = ("log_interaction", "survey", "admin", "send_report", "console")
