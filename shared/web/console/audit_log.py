"""The Audit log page (coordinators): filter by dates and kind, download as CSV."""

from __future__ import annotations

from typing import Any

import flask

from shared.days import parse_day
from shared.errors import Invalid
from shared.services import audit
from shared.web.console.blueprint import bp, coordinator_only, field_errors, page
from shared.web.context import get_app

SHOWN = 200  # the page shows the newest entries; the CSV has them all


def _filtered() -> tuple[list[Any], dict[str, list[str]]]:
    args = flask.request.args
    app = get_app()
    try:
        since = parse_day(args.get("since"), "since")
        until = parse_day(args.get("until"), "until")
        found = audit.entries(app.store, app.settings.timezone, since, until, args.get("kind") or None)
    except Invalid as error:
        return [], field_errors(error.errors)
    return found, {}


@bp.route("/audit")
@coordinator_only
def audit_page() -> Any:
    found, errors = _filtered()
    return page(
        "audit.html",
        status=400 if errors else 200,
        entries=found[:SHOWN],
        more=max(0, len(found) - SHOWN),
        kinds=audit.KINDS,
        args=flask.request.args,
        errors=errors,
        tz=get_app().settings.timezone,
    )


@bp.route("/audit.csv")
@coordinator_only
def audit_csv() -> Any:
    found, errors = _filtered()
    if errors:
        flask.abort(400)
    return flask.Response(
        "\ufeff" + audit.to_csv(found, get_app().settings.timezone),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
