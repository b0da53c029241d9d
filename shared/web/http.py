"""The shared web behaviour, applied to every function by :func:`endpoint`.

Security headers, a body limit on public form endpoints, 405/415 handling, JSON errors for
JSON clients and a friendly page for browsers, 503 with ``Retry-After`` when the store is
down, and never a stack trace. Tokens travel in URLs, so nothing here logs a URL.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

import flask
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from shared.errors import ServiceError
from shared.mail.port import MailError
from shared.store.port import Unavailable
from shared.web.errors import HttpError
from shared.web.pages import STYLE_HASH, pick_lang, render_page

log = logging.getLogger("sidebyside.web")

PUBLIC_BODY_LIMIT = 64 * 1024

CSP = (
    "default-src 'none'; "
    f"style-src '{STYLE_HASH}'; "
    "script-src 'self'; connect-src 'self'; img-src 'self' data:; manifest-src 'self'; worker-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

Handler = Callable[[flask.Request], Any]


def security_headers(response: flask.Response, token_page: bool) -> flask.Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["Referrer-Policy"] = "no-referrer"  # links carry tokens
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if token_page:
        headers.setdefault("Cache-Control", "no-store")  # static assets set their own
    return response


def wants_json(request: flask.Request) -> bool:
    """JSON clients: a JSON body, or an Accept header that prefers JSON to HTML."""
    if request.mimetype == "application/json":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes["application/json"] > 0


def json_body(request: flask.Request) -> dict[str, Any]:
    """The request's JSON object, or a 400 saying why not (never a 5xx on garbage)."""
    try:
        data = json.loads(request.get_data(cache=True) or b"null")
    except (ValueError, UnicodeDecodeError):
        raise HttpError(400, "bad_json", "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise HttpError(400, "bad_json", "The body must be a JSON object.")
    return data


def require_methods(request: flask.Request, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    if request.method not in allowed:
        raise HttpError(405, "method_not_allowed", headers={"Allow": ", ".join(allowed)})


def require_form_or_json(request: flask.Request) -> None:
    if request.mimetype not in (
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        raise HttpError(415, "unsupported_media_type")


def discard_body(request: flask.Request, most: int = 32 * 1024 * 1024) -> None:
    """Read and drop a refused body, so the client gets its 413 instead of a reset connection,
    and mark it read, so functions-framework's own drain of the body does not raise again."""
    stream = request.environ.get("wsgi.input")
    remaining = min(request.content_length or 0, most)
    while stream is not None and remaining > 0:
        chunk = stream.read(min(65536, remaining))
        if not chunk:
            break
        remaining -= len(chunk)
    request._cached_data = b""  # werkzeug's get_data() returns this instead of reading again


def error_response(request: flask.Request, error: HttpError) -> flask.Response:
    lang = pick_lang(request)
    if wants_json(request):
        body: dict[str, Any] = {"error": error.code, "message": error.text(lang), **error.extra}
        if error.errors:
            body["errors"] = error.errors
        response = flask.jsonify(body)
        response.status_code = error.status
    else:
        response = render_page(
            "error.html",
            lang=lang,
            status=error.status,
            message=error.text(lang),
            code=error.code,
            **error.extra,
        )
    for key, value in error.headers.items():
        response.headers[key] = value
    return response


def endpoint(*, public_form: bool = False, token_page: bool = False) -> Callable[[Handler], Handler]:
    """Wrap a function's handler with the shared behaviour.

    ``public_form``: limit request bodies to 64 KB. ``token_page``: the URL carries a secret,
    so the response must not be cached.
    """

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def run(request: flask.Request) -> flask.Response:
            if public_form:
                request.max_content_length = PUBLIC_BODY_LIMIT
            try:
                if public_form and (request.content_length or 0) > PUBLIC_BODY_LIMIT:
                    raise RequestEntityTooLarge()
                response = flask.make_response(handler(request))
            except HttpError as error:
                response = error_response(request, error)
            except ServiceError as error:
                http = HttpError(error.status, error.code, error.message, errors=error.errors)
                response = error_response(request, http)
            except MailError as error:
                log.warning("mail not sent: %s", error)
                response = error_response(
                    request, HttpError(503, "unavailable", headers={"Retry-After": "60"})
                )
            except RequestEntityTooLarge:
                discard_body(request)
                response = error_response(request, HttpError(413, "too_large"))
            except Unavailable as error:
                log.warning("store unavailable: %s", error)
                response = error_response(
                    request, HttpError(503, "unavailable", headers={"Retry-After": "30"})
                )
            except HTTPException as error:
                code = {405: "method_not_allowed", 404: "not_found", 415: "unsupported_media_type"}
                status = error.code or 400
                response = error_response(request, HttpError(status, code.get(status, "bad_request")))
            except Exception:
                # Log the type and where, never the request (its URL or body may hold a token).
                log.exception("unexpected error in %s", handler.__name__)
                response = error_response(request, HttpError(500, "internal"))
            return security_headers(response, token_page)

        return run

    return wrap
