"""The app factory: one Flask app per function, built from that function's blueprints.

=================  ==========================================  ===========================
function           blueprint (routes)                          what it serves
=================  ==========================================  ===========================
log_interaction    :mod:`shared.web.log_interaction`           supporters' form, offline files
survey             :mod:`shared.web.survey`                    students' single-use survey
admin              :mod:`shared.web.admin` (+ ``admin_*``)      coordinators' JSON API
send_report        :mod:`shared.web.send_report`               Cloud Scheduler's job calls
console            :mod:`shared.web.console` (one per page)    coordinators' signed-in pages
=================  ==========================================  ===========================

Each deployed function (``functions/main.py``) hands its request to its app, and
``sidebyside serve`` mounts the same apps under ``/<function_name>/`` (:mod:`shared.web.serve`),
so both run the same routes, hooks and error handling.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import flask
from flask_compress import Compress

from shared.bootstrap import App
from shared.web import admin, console, log_interaction, send_report, survey
from shared.web.context import EXTENSION
from shared.web.http import install


@dataclass(frozen=True)
class FunctionSpec:
    blueprint: flask.Blueprint
    public_form: bool = False  # bodies limited to 64 KB
    json_errors: bool = False  # an API: errors are JSON whatever the Accept header
    # What the function adds to the shared hooks (the console: sessions, CSRF, translations,
    # its own rendering of errors), called before its blueprint is registered.
    setup: Callable[[flask.Flask], None] | None = None


FUNCTIONS: dict[str, FunctionSpec] = {
    "log_interaction": FunctionSpec(log_interaction.bp, public_form=True),
    "survey": FunctionSpec(survey.bp, public_form=True),
    "admin": FunctionSpec(admin.bp, json_errors=True),
    "send_report": FunctionSpec(send_report.bp, json_errors=True),
    "console": FunctionSpec(console.bp, setup=console.setup),
}


def create_app(function_name: str, services: App) -> flask.Flask:
    """The Flask app serving ``function_name`` with the program wired in ``services``."""
    spec = FUNCTIONS[function_name]
    app = flask.Flask(f"sidebyside.{function_name}")
    app.config.update(
        PROVIDE_AUTOMATIC_OPTIONS=False,  # OPTIONS is a 405 like any method a route does not take
        # Compress pages, scripts and JSON (gzip or brotli, as the client accepts). No page
        # reflects text an attacker chooses beside a secret, so compression leaks nothing (BREACH).
        COMPRESS_MIMETYPES=[
            "text/html",
            "text/css",
            "text/plain",
            "text/javascript",
            "application/javascript",
            "application/json",
            "application/manifest+json",
            "image/svg+xml",
        ],
        COMPRESS_ALGORITHM=["br", "gzip"],
    )
    # Werkzeug would answer a missing or doubled slash with a redirect built from the Host
    # header; every address is matched as sent instead (see http.redirect_bare_root).
    app.url_map.strict_slashes = False
    app.url_map.merge_slashes = False
    app.extensions[EXTENSION] = services
    install(app, public_form=spec.public_form, json_errors=spec.json_errors)
    if spec.setup is not None:
        spec.setup(app)
    app.register_blueprint(spec.blueprint)
    Compress(app)
    return app
