"""The dashboard (everyone) and acknowledging an urgent alert (coordinators)."""

from __future__ import annotations

from typing import Any

import flask
from flask_babel import gettext as _

from shared.services import dashboard as service
from shared.web.console.blueprint import bp, coordinator_only, page, record
from shared.web.console.context import now, signed_in
from shared.web.context import get_app


def _quiet_days() -> int:
    raw = flask.request.args.get("days", "30")
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= 365 else 30


@bp.route("/")
def dashboard() -> Any:
    app = get_app()
    return page("dashboard.html", board=service.build(app.store, app.settings, now(), _quiet_days()))


@bp.route("/alerts/<alert_id>/acknowledge", methods=("POST",))
@coordinator_only
def acknowledge(alert_id: str) -> Any:
    app = get_app()
    if service.acknowledge(app.store, alert_id, signed_in().email, now()):
        record("alert_acknowledged", alert_id)
        flask.flash(_("Alert acknowledged."))
    else:
        flask.flash(_("Someone had already acknowledged this alert."))
    return flask.redirect(flask.url_for("console.dashboard"))
