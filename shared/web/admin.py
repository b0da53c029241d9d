"""The admin function: a small JSON API for coordinators, behind ``SIDEBYSIDE_ADMIN_TOKEN``.

Every route is behind :func:`authorize`; the routes live in one blueprint per feature:
:mod:`~shared.web.admin_supporters` (``/supporters``), :mod:`~shared.web.admin_surveys`
(``/surveys``), :mod:`~shared.web.admin_report` (``/report``) and
:mod:`~shared.web.admin_data` (``/export/...``).
"""

from __future__ import annotations

import flask

from shared.web import admin_data, admin_report, admin_supporters, admin_surveys
from shared.web.context import get_app
from shared.web.errors import HttpError
from shared.web.throttle import require_bearer

bp = flask.Blueprint("admin", __name__)


@bp.before_app_request  # every request to the admin app, unknown paths too
def authorize() -> None:
    expected = get_app().settings.admin_token
    if not expected:
        raise HttpError(401, "unauthorized", "The admin API is off: set SIDEBYSIDE_ADMIN_TOKEN to use it.")
    require_bearer(expected, "Send Authorization: Bearer <SIDEBYSIDE_ADMIN_TOKEN>.")


for _feature in (admin_supporters.bp, admin_surveys.bp, admin_report.bp, admin_data.bp):
    bp.register_blueprint(_feature)
