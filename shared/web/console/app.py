"""``create_console_app(services)``: the console as a Flask app, from its blueprint.

Flask-WTF's CSRFProtect checks the ``csrf_token`` field of every POST before any view runs;
Flask-Babel picks the page's language; the session cookie (Flask's, signed) holds only the
CSRF secret, the chosen language and the random session id whose hash the store knows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import flask
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from shared.errors import Conflict, Forbidden, Gone, Invalid, NotFoundError, ServiceError, Unauthorized
from shared.mail.port import MailError
from shared.store.port import Unavailable
from shared.web.console import audit_log, auth, coordinators, dashboard, data, report, supporters, surveys  # noqa: F401 (routes)
from shared.web.console.blueprint import bp, current_viewer, page, pick_locale
from shared.web.console.limits import SignInLimits
from shared.web.http import discard_body

if TYPE_CHECKING:
    from shared.bootstrap import App

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "forms" / "templates"
STATIC = ROOT / "forms" / "static"
UPLOAD_LIMIT = 2 * 1024 * 1024  # a CSV of a few thousand rows; more is refused with 413

# One table from the services' errors to HTTP statuses (the most specific class first).
STATUS: tuple[tuple[type[ServiceError], int], ...] = (
    (Invalid, 400),
    (Unauthorized, 401),
    (Forbidden, 403),
    (NotFoundError, 404),
    (Conflict, 409),
    (Gone, 410),
    (ServiceError, 400),
)

logger = logging.getLogger("sidebyside.console")


def stylesheet() -> str:
    return "\n".join(
        (STATIC / name).read_text(encoding="utf-8").strip() for name in ("app.css", "console.css")
    )


def style_hash(css: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")


class CookieSession(SecureCookieSessionInterface):
    """Flask's signed-cookie session, scoped to wherever the console is mounted."""

    def get_cookie_path(self, app: flask.Flask) -> str:
        return (flask.request.script_root or "") + "/"


def create_console_app(services: App) -> flask.Flask:
    """The console app for this program (``services``: its settings, store and mailer)."""
    settings = services.settings
    app = flask.Flask("sidebyside.console", template_folder=str(TEMPLATES), static_folder=None)
    app.extensions["sidebyside"] = services
    https = (settings.console_url or settings.base_url).startswith("https://")
    app.config.update(
        # The session signing key is derived from the program's key, for this use alone.
        SECRET_KEY=hmac.new(settings.secret_key.encode(), b"console-session", hashlib.sha256).hexdigest(),
        SESSION_COOKIE_NAME="console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https,
        MAX_CONTENT_LENGTH=UPLOAD_LIMIT,
        WTF_CSRF_TIME_LIMIT=12 * 3600,  # a form may stay open as long as a session lasts
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "shared" / "translations"),
        BABEL_DEFAULT_LOCALE="en",
    )
    app.session_interface = CookieSession()
    app.url_map.strict_slashes = False
    CSRFProtect(app)
    Babel(app, locale_selector=pick_locale)
    app.extensions["console_limits"] = SignInLimits()
    css = stylesheet()
    csp = (
        f"default-src 'none'; style-src '{style_hash(css)}'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
    app.jinja_env.globals["console_css"] = css
    app.register_blueprint(bp)

    @app.after_request
    def headers(response: flask.Response) -> flask.Response:
        h = response.headers
        h.setdefault("Content-Security-Policy", csp)
        h["Referrer-Policy"] = "same-origin"  # CSRFProtect checks the Referer over https
        h["X-Content-Type-Options"] = "nosniff"
        h["X-Frame-Options"] = "DENY"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Cache-Control"] = "no-store"
        return response

    def error_page(status: int, message: str, headers: dict[str, str] | None = None) -> flask.Response:
        response = page("message.html", status=status, heading=_("Sorry"), message=message)
        for key, value in (headers or {}).items():
            response.headers[key] = value
        return response

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> flask.Response:
        return error_page(
            400,
            _(
                "This form has expired or did not come from the console. Nothing was changed: go back, reload the page and try again."
            ),
        )

    @app.errorhandler(ServiceError)
    def refused(error: ServiceError) -> flask.Response:
        status = next(code for kind, code in STATUS if isinstance(error, kind))
        return error_page(status, _(error.message))

    @app.errorhandler(MailError)
    def mail_down(error: MailError) -> flask.Response:
        logger.warning("mail not sent: %s", error)
        return error_page(
            503,
            _("The mail server did not answer. Nothing was sent: try again later."),
            {"Retry-After": "60"},
        )

    @app.errorhandler(Unavailable)
    def store_down(error: Unavailable) -> flask.Response:
        logger.warning("store unavailable: %s", error)
        return error_page(
            503, _("The database did not answer. Try again in a minute."), {"Retry-After": "30"}
        )

    @app.errorhandler(RequestEntityTooLarge)
    def too_big(error: RequestEntityTooLarge) -> Any:
        # Read and drop the rest of the body (or the client sees a reset, not this page), then
        # show the message beside the file field of the form that sent it.
        discard_body(flask.request)
        message = _("The file is too big (at most 2 MB).")
        viewer = flask.g.get("viewer") or current_viewer()  # the CSRF check runs before the sign-in gate
        endpoint = flask.request.endpoint
        if viewer is not None and viewer.can_act and endpoint in ("console.invite", "console.remind"):
            return surveys.detail(
                (flask.request.view_args or {})["survey_id"], 413, errors={"addresses": [message]}
            )
        if viewer is not None and viewer.can_act and endpoint == "console.import_data":
            kind = flask.request.args.get("kind", "interactions")
            return data.data_page(413, kind=kind, errors={f"file-{kind}": [message]})
        return error_page(413, message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        status = error.code or 400
        messages = {
            401: _("Your session has ended. Sign in again; nothing was changed."),
            403: _("Your role does not allow this. Nothing was changed."),
            404: _("There is no such page."),
            405: _("This page does not take that kind of request."),
            413: _("The file is too big (at most 2 MB)."),
            429: _("Too many sign-in requests. Wait a few minutes and try again."),
        }
        headers = {"Retry-After": "900"} if status == 429 else None
        return error_page(status, messages.get(status, _("The request could not be understood.")), headers)

    @app.errorhandler(Exception)
    def crashed(error: Exception) -> flask.Response:
        logger.exception("unexpected error in the console")  # the type and where; never the request
        return error_page(500, _("Something went wrong on our side. Nothing was changed; try again."))

    return app
