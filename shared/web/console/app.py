"""``setup(app)``: what the console function adds to the shared hooks of the app factory.

Flask-WTF's CSRFProtect checks the ``csrf_token`` field of every POST before any view runs;
Flask-Babel picks the page's language; the session cookie (Flask's, signed) holds only the
CSRF secret, the chosen language and the random session id whose hash the store knows.
Errors go through the one error table (:mod:`shared.error_table`, via
:func:`shared.web.http.as_http_error`); the console renders its outcome as a friendly page in
the page's language.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import flask
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from shared.bootstrap import App
from shared.mail.port import MailError
from shared.web.console import audit_log, auth, coordinators, dashboard, data, report, supporters, surveys  # noqa: F401 (routes)
from shared.web.console.blueprint import current_viewer, page, pick_locale
from shared.web.console.limits import SignInLimits
from shared.web.context import EXTENSION
from shared.web.http import as_http_error, discard_body
from shared.web.pages import inline_css

ROOT = Path(__file__).resolve().parents[3]
STATIC = ROOT / "forms" / "static"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
UPLOAD_LIMIT = 2 * 1024 * 1024  # a CSV of a few thousand rows; more is refused with 413


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, as a browser writes it in the Origin header."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def stylesheet() -> str:
    return "\n".join(
        inline_css((STATIC / name).read_text(encoding="utf-8")) for name in ("app.css", "console.css")
    )


def style_hash(css: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")


class CookieSession(SecureCookieSessionInterface):
    """Flask's signed-cookie session, scoped to wherever the console is mounted."""

    def get_cookie_path(self, app: flask.Flask) -> str:
        return (flask.request.script_root or "") + "/"


def setup(app: flask.Flask) -> None:
    """Sessions, CSRF, translations, the console's headers and error pages, on the function's app."""
    services: App = app.extensions[EXTENSION]  # the factory sets it before setup runs
    settings = services.settings
    https = (settings.console_url or settings.base_url).startswith("https://")
    app.config.update(
        # The session signing key is derived from the program's key, for this use alone.
        SECRET_KEY=hmac.new(settings.secret_key.encode(), b"console-session", hashlib.sha256).hexdigest(),
        SESSION_COOKIE_NAME="console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https,
        MAX_CONTENT_LENGTH=UPLOAD_LIMIT,
        # The import's Confirm carries the previewed file back as a multipart text field (not
        # URL-encoded, which would inflate accents ninefold): allow it as large as an upload.
        MAX_FORM_MEMORY_SIZE=UPLOAD_LIMIT,
        WTF_CSRF_TIME_LIMIT=12 * 3600,  # a form may stay open as long as a session lasts
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "shared" / "translations"),
        BABEL_DEFAULT_LOCALE="en",
    )
    app.session_interface = CookieSession()
    app.url_map.strict_slashes = False
    own_origin = origin_of(settings.console_url or settings.base_url)

    @app.before_request  # before CSRFProtect's check: either refuses a cross-site POST
    def same_origin() -> None:
        """Defence in depth beside the CSRF token and SameSite: a state-changing request whose
        ``Origin`` names another site is refused (Flask-WTF checks only the Referer, only over
        https). No Origin (an older browser, a script) is left to the CSRF token."""
        sent = flask.request.headers.get("Origin")
        if flask.request.method in SAFE_METHODS or sent is None:
            return
        # The configured URL, or the host this request came to (the console reached by another
        # name, such as localhost); a page on another site cannot choose the Host header.
        if sent != own_origin and urlsplit(sent).netloc != flask.request.host:
            raise CSRFError("The Origin header names another site.")

    CSRFProtect(app)
    Babel(app, locale_selector=pick_locale)
    app.extensions["console_limits"] = SignInLimits()
    css = stylesheet()
    csp = (
        f"default-src 'none'; style-src '{style_hash(css)}'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
    app.jinja_env.globals["console_css"] = css

    @app.after_request  # runs before the shared security headers, which keep these
    def headers(response: flask.Response) -> flask.Response:
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers["Referrer-Policy"] = "same-origin"  # CSRFProtect checks the Referer over https
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

    @app.errorhandler(Exception)
    def refused(error: Exception) -> flask.Response:
        # The error table decides the status, headers and whether the message may be shown.
        # Logs what it does not show (never the request); a shown message is in the page's language.
        outcome = as_http_error(error, pick_locale())
        if outcome.message:
            message = outcome.message
        elif isinstance(error, MailError):
            message = _("The mail server did not answer. Nothing was sent: try again later.")
        elif outcome.code == "unavailable":
            message = _("The database did not answer. Try again in a minute.")
        elif outcome.status == 404:
            message = _("There is no such page.")
        else:
            message = _("Something went wrong on our side. Nothing was changed; try again.")
        return error_page(outcome.status, message, outcome.headers)

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
    def http_error(error: HTTPException) -> flask.Response:
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
