"""The Report page (coordinators and viewers): the coordinators' report for a chosen survey and
period, its chart, its CSV, and Send now (coordinators). The report is the shared one: small
cells are already suppressed in it, so a viewer sees nothing a coordinator's email would not."""

from __future__ import annotations

from typing import Any

import flask
from flask_babel import gettext as _

from shared.errors import Invalid
from shared.services import reports
from shared.web.console.blueprint import bp, coordinator_only, field_errors, page, record
from shared.web.context import get_app

KNOWN = ("survey", "from", "to", "test")


def _options(fmt: str = "json") -> reports.ReportOptions:
    source = flask.request.form if flask.request.method == "POST" else flask.request.args
    return reports.parse_options({"format": fmt, **{key: source.get(key) for key in KNOWN}})


def _query() -> dict[str, Any]:
    source = flask.request.form if flask.request.method == "POST" else flask.request.args
    return {key: source[key] for key in KNOWN if source.get(key)}


@bp.route("/report")
def report() -> Any:
    # The report path is the only one that loads pandas, scipy and matplotlib, and only here.
    from shared.report.render import page_context

    app = get_app()
    try:
        options = _options()
    except Invalid as error:
        return page("report.html", status=400, errors=field_errors(error.errors), args=flask.request.args)
    built = reports.build(app, options)
    record("report_viewed", " ".join(f"{k}={v}" for k, v in _query().items()))
    # The chart is its own request (report_chart), which keeps this page light.
    return page(
        "report.html", args=flask.request.args, query=_query(), errors={}, **page_context(built, None)
    )


@bp.route("/report/chart.png")
def report_chart() -> Any:
    from shared.report.chart import barrier_chart

    png = barrier_chart(reports.build(get_app(), _options()))
    if png is None:
        flask.abort(404)
    return flask.Response(png, mimetype="image/png")


@bp.route("/report.csv")
def report_csv() -> Any:
    from shared.report.render import to_csv

    built = reports.build(get_app(), _options())
    return flask.Response(
        "\ufeff" + to_csv(built),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="report.csv"'},
    )


@bp.route("/report/send", methods=("POST",))
@coordinator_only
def send_report() -> Any:
    reports.send_now(get_app(), _options())
    record("report_sent", " ".join(f"{k}={v}" for k, v in _query().items()))
    flask.flash(_("The report was emailed to the coordinators."))
    return flask.redirect(flask.url_for("console.report", **_query()))
