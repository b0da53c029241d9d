"""The Report page (coordinators and viewers): the report for a chosen survey and period, in the
console's language, with its chart, its CSV, and Send now (coordinators).

Which copy: a coordinator sees the coordinators' copy (interactions per supporter as they are;
they manage supporters) and may ask for the shared one to see what a pass-on copy holds; a
viewer always gets the shared copy (small cells suppressed, per supporter too), whatever the
query says. The page, the chart and the CSV are built from the same options, so none of them
shows a viewer more than the page does. Send now mails the coordinators' copy to the report's
recipients, each in their own language (:func:`shared.services.reports.send_now`).
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any

import flask
from flask_babel import gettext as _

from shared.errors import Invalid
from shared.records import DEMO_SURVEY
from shared.services import coordinators as coordinator_service
from shared.services import reports
from shared.web.console.blueprint import bp, coordinator_only, field_errors, page, pick_locale, record
from shared.web.console.context import now
from shared.web.context import get_app

KNOWN = ("survey", "compare", "from", "to", "test", "audience")


def _source() -> Any:
    return flask.request.form if flask.request.method == "POST" else flask.request.args


def _audience() -> str:
    """The copy this person may see: a viewer's is always the shared one."""
    if not flask.g.viewer.can_act:
        return "shared"
    return "shared" if _source().get("audience") == "shared" else "coordinators"


def _options(fmt: str = "json") -> reports.ReportOptions:
    """The report asked for, in the console's language and for this person's audience."""
    source = _source()
    raw = {key: source.get(key) for key in KNOWN if key != "audience"}
    options = reports.parse_options({"format": fmt, **raw}, reports.allowed_period(get_app()))
    return replace(options, audience=_audience(), lang=pick_locale())


def _query() -> dict[str, Any]:
    """The chosen options, for the chart, CSV and Send now links (the audience only when shared)."""
    source = _source()
    query = {key: source[key] for key in KNOWN if key != "audience" and source.get(key)}
    if flask.g.viewer.can_act and _audience() == "shared":
        query["audience"] = "shared"
    return query


def _surveys() -> list[str]:
    """Survey ids for the chooser, the one that ran last first (the report's own order)."""
    from shared.report.build import survey_order

    found = [s for s in get_app().store.list_surveys() if s.id != DEMO_SURVEY]
    return [s.id for s in sorted(found, key=survey_order, reverse=True)]


def _page(status: int = 200, **context: Any) -> flask.Response:
    me = get_app().store.get_coordinator(flask.g.viewer.email)
    return page(
        "report.html",
        status=status,
        args=_source(),
        surveys=_surveys(),
        audience_choice=_audience(),
        my_language=None if me is None else (me.language or coordinator_service.DEFAULT_LANGUAGE),
        **context,
    )


def _audit(kind: str, options: reports.ReportOptions, what: str = "") -> None:
    """Record a look at the report: which survey and period, and which audience's copy."""
    record(kind, what + " ".join(f"{k}={v}" for k, v in {**_query(), "audience": options.audience}.items()))


@bp.route("/report")
def report() -> Any:
    # The report path is the only one that loads pandas, scipy and matplotlib, and only here.
    from shared.report.chart import has_chart
    from shared.report.render import page_context

    app = get_app()
    try:
        options = _options()
        built = reports.build(app, options)
    except Invalid as error:
        return _page(400, errors=field_errors(error.errors))
    query = _query()
    _audit("report_viewed", options)
    # The chart is its own request (report_chart), which keeps this page light.
    return _page(
        query=query,
        errors={},
        send_key=secrets.token_urlsafe(24),  # Send now sends once per page shown
        has_chart=has_chart(built),  # no <img> that would 404
        **page_context(built, None),
    )


@bp.route("/report/chart.png")
def report_chart() -> Any:
    from shared.report.chart import barrier_chart

    options = _options()
    png = barrier_chart(reports.build(get_app(), options))
    if png is None:
        flask.abort(404)
    _audit("report_viewed", options, "chart ")  # the chart shows the report's figures too
    return flask.Response(png, mimetype="image/png")


@bp.route("/report.csv")
def report_csv() -> Any:
    from shared.report.render import to_csv

    options = _options()
    built = reports.build(get_app(), options)
    name = "report-shared.csv" if options.audience == "shared" else "report.csv"
    _audit("report_downloaded", options)
    return flask.Response(
        "\ufeff" + to_csv(built),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/report/send", methods=("POST",))
@coordinator_only
def send_report() -> Any:
    # The mailed copy is always the coordinators' one, each recipient in their own language:
    # neither the page's audience nor its language applies.
    options = replace(_options(), audience="coordinators", lang=None)
    sent_before = reports.send_once(get_app(), options, flask.request.form.get("send_key"), now())
    query = _query()
    if sent_before is None:
        record("report_sent", " ".join(f"{k}={v}" for k, v in query.items()))
        flask.flash(_("The report was emailed to the coordinators, each in their own language."))
    else:  # the same form again (a double click, a reload): nothing more is sent
        when = sent_before.astimezone(get_app().settings.timezone).strftime("%H:%M")
        flask.flash(
            _(
                "This report was already sent from this page at %(time)s; nothing more was sent. To send it again, press the button below.",
                time=when,
            )
        )
    return flask.redirect(flask.url_for("console.report", **query))


@bp.route("/report/language", methods=("POST",))
def my_language() -> Any:
    """Anyone signed in sets the language of the reports mailed to them."""
    app = get_app()
    email = flask.g.viewer.email
    try:
        changed = coordinator_service.set_language(app.store, email, flask.request.form.get("language"))
    except Invalid as error:
        return _page(400, errors=field_errors(error.errors))
    record("role_changed", f"{changed.email}: report language {changed.language or 'default'}")
    flask.flash(_("Saved: your report language."))
    return flask.redirect(flask.url_for("console.report", **_query()))
