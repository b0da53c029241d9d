"""The ``send_report`` function: Cloud Scheduler's monthly call to email the coordinators' report.

POST only. Sends this period's report at most once (see :mod:`shared.services.reports`):
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
failed) and ``POST /daily`` (purge surveys past their grace period; release sealed answers).
"""

from __future__ import annotations

import hmac
import logging
import os
from datetime import UTC, datetime
from typing import Any

import flask

from shared import bootstrap
from shared.services import reports
from shared.web.errors import HttpError
from shared.web.http import endpoint, require_methods

log = logging.getLogger("sidebyside.send_report")


def authorize(request: flask.Request) -> None:
    token = bootstrap.app().settings.admin_token
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return
    if os.environ.get("K_SERVICE"):
        return  # deployed: Cloud Run's IAM checked the caller's ID token before this ran
    raise HttpError(
        401,
        "unauthorized",
        "Send Authorization: Bearer <SIDEBYSIDE_ADMIN_TOKEN>."
        if token
        else "Set SIDEBYSIDE_ADMIN_TOKEN to call this locally.",
        headers={"WWW-Authenticate": "Bearer"},
    )


def _flush_alerts(now: datetime) -> None:
    from shared.services.alerts import send_pending_alerts

    try:
        send_pending_alerts(bootstrap.app(), now)
    except Exception:  # the report must go out even when an alert cannot
        log.exception("pending alerts not flushed")


def maintenance(task: str, now: datetime) -> dict[str, Any]:
    from shared import jobs
    from shared.services.alerts import send_pending_alerts

    app = bootstrap.app()
    if task == "alerts":
        return {"status": "done", "task": task, "alerts": send_pending_alerts(app, now)}
    _flush_alerts(now)
    jobs.purge_due(app, now.astimezone(app.settings.timezone).date())  # also releases sealed answers
    return {"status": "done", "task": task}


@endpoint()
def handle(request: flask.Request) -> Any:
    require_methods(request, ("POST",))
    task = request.path.strip("/")
    if task not in ("", "alerts", "daily"):
        raise HttpError(404, "not_found")
    authorize(request)
    now = datetime.now(UTC)
    if task:
        return maintenance(task, now)
    _flush_alerts(now)
    try:
        return reports.send_scheduled_report(bootstrap.app(), now)
    except reports.ReportInProgress as exc:
        raise HttpError(409, exc.code, exc.message, headers={"Retry-After": "300"}) from None
    except reports.ReportNotSent as exc:
        raise HttpError(503, exc.code, exc.message, headers={"Retry-After": "60"}) from None
