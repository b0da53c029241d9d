"""Admin routes for CSV exports, the same files as ``sidebyside export``, streamed.

GET /export/interactions.csv[?from=YYYY-MM-DD&to=YYYY-MM-DD]
GET /export/responses.csv?survey=ID
"""

from __future__ import annotations

from datetime import date

import flask
from flask import request

from shared.days import parse_day
from shared.services import exports
from shared.web.context import get_app
from shared.web.errors import HttpError

bp = flask.Blueprint("admin_data", __name__)


def _day(request: flask.Request, name: str) -> date | None:
    return parse_day(request.args.get(name), name)


def _csv(table: exports.Table) -> flask.Response:
    # Everything that can fail before the first row (a bad date, an unknown survey, the store)
    # has failed by now, while an error can still be a proper status code. The BOM lets Excel,
    # where most coordinators open these, read accents; the import accepts it.
    body = (chunk.encode("utf-8") for chunk in table.chunks(bom=True))
    response = flask.Response(body, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{table.filename}"'
    response.headers["Cache-Control"] = "no-store"  # the rows are the program's confidential records
    return response


@bp.route("/export/interactions.csv", methods=("GET",))
def interactions_csv() -> flask.Response:
    start, end = _day(request, "from"), _day(request, "to")
    return _csv(exports.export_interactions(get_app().store, start, end))


@bp.route("/export/responses.csv", methods=("GET",))
def responses_csv() -> flask.Response:
    survey_id = request.args.get("survey", "").strip()
    if not survey_id:
        raise HttpError(
            400, "invalid", "Name the survey: ?survey=ID.", errors={"survey": ["Give the survey's id."]}
        )
    return _csv(exports.export_responses(get_app().store, survey_id))
