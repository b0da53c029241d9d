"""Admin route for the coordinators' report, the same report as ``sidebyside report``.

GET /admin/report[?format=json|html|text&survey=ID&compare=ID|none&from=YYYY-MM-DD&to=YYYY-MM-DD&test=paired|independent]

JSON by default. The HTML is plain markup in the site's layout under the site's strict CSP
(no inline styles); the chart is a data: URL, which that CSP allows.
"""

from __future__ import annotations

import flask
from flask import request

from shared.services import reports
from shared.web.context import get_app
from shared.web.errors import HttpError
from shared.web.pages import render_page

bp = flask.Blueprint("admin_report", __name__)

KNOWN = {"format", "survey", "compare", "from", "to", "test", "lang", "audience"}


@bp.route("/report", methods=("GET",))
def report() -> flask.Response:
    unknown = sorted(set(request.args) - KNOWN)
    if unknown:
        raise HttpError(
            400,
            "invalid",
            "Unknown report option(s): " + ", ".join(name[:40] for name in unknown),
            errors={
                name[:40]: [f"is not a report option (known: {', '.join(sorted(KNOWN))})"] for name in unknown
            },
        )
    raw = {key: request.args.get(key) for key in KNOWN}
    app = get_app()
    options = reports.parse_options({**raw, "format": raw["format"] or "json"}, reports.allowed_period(app))
    built = reports.build(app, options)
    if options.format == "html":
        from shared.report.chart import barrier_chart
        from shared.report.render import page_context

        response = render_page(
            "report_admin.html", lang=built.lang, **page_context(built, barrier_chart(built))
        )
    elif options.format == "json":
        response = flask.Response(reports.render(built, "json"), mimetype="application/json")
    else:
        response = flask.Response(reports.render(built, "text"), mimetype="text/plain")
        response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"  # the program's confidential figures
    return response
