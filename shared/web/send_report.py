"""The ``send_report`` function: Cloud Scheduler's monthly call to email the coordinators' report.

POST only, with no body (an empty one, or ``{}`` as Cloud Scheduler sends; anything else is a
400, before any work). Sends this period's report at most once (see :mod:`shared.services.reports`):
200 {"status": "sent"} or {"status": "already_sent"} (nothing sent); 409 while another
call is sending it; 503 when this attempt failed, so the scheduler retries and the retry sends.

Who may call it: in the cloud, Cloud Run's IAM lets through only callers with the invoker role
(the scheduler's service account, with its ID token), so a request that reaches a deployed
function (``K_SERVICE`` is set) is already authorized. Anywhere else (``sidebyside serve``),
the caller must send ``Authorization: Bearer <SIDEBYSIDE_ADMIN_TOKEN>``; without an admin token
set, the local endpoint refuses every call (the local server's own job loop sends the report).

Each call also sends any urgent alerts still pending: in the cloud there is no background loop.
Two more paths do the local job loop's other work for the cloud, each called by a Cloud
Scheduler job of its own: ``POST /alerts`` (every 5 minutes: urgent alerts whose first try
failed) and ``POST /daily`` (purge surveys past their grace period; release sealed answers; the
weekly digest; once a day however often it is called: see :mod:`shared.jobs`).
"""

from __future__ import annotations

import os
from typing import Any

import flask

from shared import jobs
from shared.web.auth_audit import require_bearer_audited
from shared.web.context import get_app
from shared.web.errors import HttpError
from shared.web.http import no_body

bp = flask.Blueprint("send_report", __name__)

TASKS = {"": "report", "alerts": "alerts", "daily": "daily"}  # path -> job


@bp.before_request  # after routing: a wrong method or path is 405 or 404 first, as before
def authorize() -> None:
    if os.environ.get("K_SERVICE"):
        return  # deployed: Cloud Run's IAM checked the caller's ID token before this ran
    token = get_app().settings.admin_token
    if not token:
        raise HttpError(
            401,
            "unauthorized",
            "Set SIDEBYSIDE_ADMIN_TOKEN to call this locally.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    require_bearer_audited(token, "Send Authorization: Bearer <SIDEBYSIDE_ADMIN_TOKEN>.")


@bp.route("/", methods=("POST",), defaults={"task": ""})
@bp.route("/<any(alerts, daily):task>", methods=("POST",))
def run(task: str) -> dict[str, Any]:
    no_body(flask.request)
    app = get_app()
    result = jobs.run_job(app, TASKS[task], app.clock())
    if task:
        return {"status": "done", "task": task, **result}
    return result
