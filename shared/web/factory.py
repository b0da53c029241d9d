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

Each function's blueprint module is imported when its app is built, not with this module: a
deployed function loads only its own routes (the admin API's exports and imports would add
about a fifth to the log and survey functions' cold start). To add a function, write its
loader below and list it in :data:`FUNCTIONS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import flask
from flask_compress import Compress

from shared.bootstrap import App
from shared.web.context import EXTENSION
from shared.web.http import install


@dataclass(frozen=True)
class FunctionSpec:
    blueprint: Callable[[], flask.Blueprint]  # imports the function's routes when called
    public_form: bool = False  # bodies limited to 64 KB
    json_errors: bool = False  # an API: errors are JSON whatever the Accept header
    # What the function adds to the shared hooks (the console: sessions, CSRF, translations,
    # its own rendering of errors), called before its blueprint is registered.
    setup: Callable[[flask.Flask], None] | None = None


def _log_interaction() -> flask.Blueprint:
    from shared.web.log_interaction import bp

    return bp


def _survey() -> flask.Blueprint:
    from shared.web.survey import bp

    return bp


def _admin() -> flask.Blueprint:
    from shared.web.admin import bp

    return bp


def _send_report() -> flask.Blueprint:
    from shared.web.send_report import bp

    return bp


def _console() -> flask.Blueprint:
    from shared.web.console import bp

    return bp


def _console_setup(app: flask.Flask) -> None:
    from shared.web.console import setup

    setup(app)


FUNCTIONS: dict[str, FunctionSpec] = {
    "log_interaction": FunctionSpec(_log_interaction, public_form=True),
    "survey": FunctionSpec(_survey, public_form=True),
    "admin": FunctionSpec(_admin, json_errors=True),
    "send_report": FunctionSpec(_send_report, json_errors=True),
    "console": FunctionSpec(_console, setup=_console_setup),
}


def create_app(function_name: str, services: App) -> flask.Flask:
    """The Flask app serving ``function_name`` with the program wired in ``services``."""
    spec = FUNCTIONS[function_name]
    # No static folder: Flask's default would serve ``static/`` from the working folder on every
    # function; each blueprint serves its own files by name.
    app = flask.Flask(f"sidebyside.{function_name}", static_folder=None)
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
        # Brotli's level 5 takes a fifth more time than flask-compress's default 4 (about 1 ms
        # for the form's script) for bodies a tenth smaller; files from about 256 bytes (the
        # icon) still shrink by more than the Content-Encoding header adds.
        COMPRESS_BR_LEVEL=5,
        COMPRESS_MIN_SIZE=256,
    )
    # Werkzeug would answer a missing or doubled slash with a redirect built from the Host
    # header; every address is matched as sent instead (see http.redirect_bare_root).
    app.url_map.strict_slashes = False
    app.url_map.merge_slashes = False
    app.extensions[EXTENSION] = services
    install(app, public_form=spec.public_form, json_errors=spec.json_errors)
    if spec.setup is not None:
        spec.setup(app)
    app.register_blueprint(spec.blueprint())
    Compress(app)
    return app
