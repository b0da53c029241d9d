"""The admin function: a small JSON API for coordinators, behind ``SIDEBYSIDE_ADMIN_TOKEN``.

Every route is behind :func:`authorize`; the routes live in one blueprint per feature:
:mod:`~shared.web.admin_supporters` (``/supporters``), :mod:`~shared.web.admin_surveys`
(``/surveys``), :mod:`~shared.web.admin_report` (``/report``) and
:mod:`~shared.web.admin_data` (``/export/...``). Each successful call that changes something, or
takes data or the report out, is audited (actor ``api``, the path's ids only) by
:func:`audit_call`, and so is such a call that failed on the way (a 5xx: the store or the mail
transport went away), which may have acted first (invitations mailed before the store failed),
marked "(stopped)"; a refusal (4xx) acted on nothing and is not. ``tests/test_admin_auth_audit.py``
fails when a route that changes something is missing from :data:`AUDITED`. Listing supporters or
surveys is not audited, as on the console.
"""

from __future__ import annotations

import logging

import flask

from shared.services import audit
from shared.web import admin_data, admin_report, admin_supporters, admin_surveys
from shared.web.auth_audit import require_bearer_audited
from shared.web.context import get_app
from shared.web.errors import HttpError

log = logging.getLogger("sidebyside.web")

bp = flask.Blueprint("admin", __name__)


@bp.before_app_request  # every request to the admin app, unknown paths too
def authorize() -> None:
    expected = get_app().settings.admin_token
    if not expected:
        raise HttpError(401, "unauthorized", "The admin API is off: set SIDEBYSIDE_ADMIN_TOKEN to use it.")
    require_bearer_audited(expected, "Send Authorization: Bearer <SIDEBYSIDE_ADMIN_TOKEN>.")


# What each successful API call adds to the audit log (actor "api"): the kind, by method and
# route. The detail is the path's ids only; never a body, which may hold links or addresses.
AUDITED = {
    ("POST", "/supporters"): "supporter_added",
    ("DELETE", "/supporters/<supporter_id>"): "supporter_revoked",
    ("POST", "/supporters/<supporter_id>/link"): "supporter_relinked",
    ("POST", "/surveys"): "survey_created",
    ("PUT", "/surveys/<survey_id>/blocks"): "survey_changed",
    ("PUT", "/surveys/<survey_id>/excluded"): "survey_changed",
    ("POST", "/surveys/<survey_id>/close"): "survey_closed",
    ("POST", "/surveys/<survey_id>/purge"): "survey_purged",
    ("POST", "/surveys/<survey_id>/links"): "survey_links_issued",
    ("POST", "/surveys/<survey_id>/invite"): "survey_invited",
    ("POST", "/surveys/<survey_id>/remind"): "survey_reminded",
    ("GET", "/export/interactions.csv"): "data_exported",
    ("GET", "/export/responses.csv"): "data_exported",
    ("GET", "/report"): "report_viewed",
}


@bp.after_app_request
def audit_call(response: flask.Response) -> flask.Response:
    rule = flask.request.url_rule
    kind = AUDITED.get((flask.request.method, rule.rule)) if rule is not None else None
    if kind is None or 400 <= response.status_code < 500:
        return response  # not audited, or refused before it acted
    ids = " ".join(str(value) for value in (flask.request.view_args or {}).values())
    detail = ids or rule.rule.strip("/")  # type: ignore[union-attr]
    if response.status_code < 400:
        audit.record(get_app().store, "api", kind, detail)
        return response
    try:  # failed on the way, perhaps after acting; the caller still gets its own 5xx
        audit.record(get_app().store, "api", kind, f"{detail} (stopped)")
    except Exception as exc:
        log.warning("the audit entry of a stopped %s could not be written: %s", kind, type(exc).__name__)
    return response


for _feature in (admin_supporters.bp, admin_surveys.bp, admin_report.bp, admin_data.bp):
    bp.register_blueprint(_feature)
