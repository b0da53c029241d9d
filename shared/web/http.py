"""The web behaviour every function's Flask app shares, installed by :func:`install`.

Security headers on every response (redirects and errors included), a body limit on public
form endpoints, and one error handler: domain exceptions through the error table
(:mod:`shared.error_table`), werkzeug's own (404, 405, 413, 415), and anything else as a 500
without a stack trace. JSON clients get JSON, browsers the friendly page; the admin and
scheduler APIs always answer JSON. Tokens travel in URLs, so nothing here logs a URL.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from typing import Any

import flask
import werkzeug
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, UnsupportedMediaType

from shared.error_table import outcome_for
from shared.i18n import N_, translate
from shared.text import cut, shown
from shared.web.errors import MESSAGES, HttpError, field_messages_in, message_in
from shared.web.pages import STYLE_HASH, pick_lang, render_page

log = logging.getLogger("sidebyside.web")

PUBLIC_BODY_LIMIT = 64 * 1024
JSON_ERRORS = "SIDEBYSIDE_JSON_ERRORS"  # app.config key: errors are JSON whatever the Accept header

CSP = (
    "default-src 'none'; "
    f"style-src '{STYLE_HASH}'; "
    "script-src 'self'; connect-src 'self'; img-src 'self' data:; manifest-src 'self'; worker-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# What is not a page needs none of the page's sources: a file (image, manifest, JSON) gets
# nothing at all, a script only its own fetches (a worker runs under the CSP of its script's
# response: the service worker's fetches are connect-src). Each is a few hundred bytes shorter
# than the page's policy, which counts on a first visit's budget (issue 12 item 22).
ASSET_CSP = "default-src 'none'; frame-ancestors 'none'"
SCRIPT_CSP = "default-src 'none'; connect-src 'self'; frame-ancestors 'none'"
SCRIPTS = ("text/javascript", "application/javascript")

HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type"}


def content_policy(response: werkzeug.Response) -> str:
    """The CSP for a response: the page's for HTML (pages, errors, redirects), else the
    script's or the file's (see :data:`ASSET_CSP`)."""
    if response.mimetype == "text/html":
        return CSP
    return SCRIPT_CSP if response.mimetype in SCRIPTS else ASSET_CSP


def security_headers(response: werkzeug.Response) -> werkzeug.Response:
    """Every response: a strict CSP, no referrer (links carry tokens), no framing or sniffing,
    and not cached (pages behind a token, admin JSON with links and addresses). Static assets
    set their own ``Cache-Control`` first. The opener policy only means something for a
    document, so only HTML carries it."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_policy(response))
    headers.setdefault("Referrer-Policy", "no-referrer")  # the console sends its own (same-origin)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    if response.mimetype == "text/html":
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Cache-Control", "no-store")
    return response


def limit_public_body() -> None:
    """Public forms take at most 64 KB; refused before the body is read."""
    flask.request.max_content_length = PUBLIC_BODY_LIMIT
    if (flask.request.content_length or 0) > PUBLIC_BODY_LIMIT:
        raise RequestEntityTooLarge()


def redirect_bare_root() -> werkzeug.Response | None:
    """``GET /log_interaction`` (mounted, no slash): relative links need the slash. The
    redirect is a path, never built from the Host header."""
    request = flask.request
    if request.environ.get("PATH_INFO") == "" and request.script_root and request.method in ("GET", "HEAD"):
        query = request.query_string.decode("ascii", "replace")
        return flask.redirect(f"{request.script_root}/" + (f"?{query}" if query else ""), 308)
    return None


def wants_json(request: flask.Request) -> bool:
    """JSON clients: a JSON-only API, a JSON body, or an Accept header preferring JSON to HTML."""
    if flask.current_app.config.get(JSON_ERRORS) or request.mimetype == "application/json":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes["application/json"] > 0


def _each_key_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object's pairs as a dict; a key given twice is refused, not silently the last one."""
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            message = N_("The key %(key)s is given twice; give each key once.")
            raise HttpError(400, "bad_json", translate(pick_lang(flask.request), message, key=shown(key)))
        data[key] = value
    return data


MAX_UNKNOWN_LISTED = 10


def json_body(request: flask.Request, allowed: Collection[str] | None = None) -> dict[str, Any]:
    """The request's JSON object, or a 400 saying why not (never a 5xx on garbage). A key given
    twice in any object is refused (``{"blocks": [...], "blocks": [...]}`` would otherwise mean
    the last one, unseen); with ``allowed``, so is any other key (each listed, cut short)."""
    try:
        data = json.loads(request.get_data(cache=True) or b"null", object_pairs_hook=_each_key_once)
    except (ValueError, UnicodeDecodeError, RecursionError):  # 60 KB of "[" is a RecursionError
        raise HttpError(400, "bad_json") from None
    if not isinstance(data, dict):
        raise HttpError(400, "bad_json", translate(pick_lang(request), MESSAGES["not_an_object"]))
    unknown = sorted(set(data) - set(allowed)) if allowed is not None else []
    if unknown:
        lang, known = pick_lang(request), ", ".join(sorted(allowed or ()))
        listed = ", ".join(shown(key) for key in unknown[:MAX_UNKNOWN_LISTED])
        if len(unknown) > MAX_UNKNOWN_LISTED:
            listed = translate(
                lang,
                N_("%(listed)s and %(more)s more"),
                listed=listed,
                more=len(unknown) - MAX_UNKNOWN_LISTED,
            )
        beside = translate(lang, N_("Not known here (known: %(known)s)."), known=known)
        raise HttpError(
            400,
            "invalid",
            translate(lang, N_("Unknown key(s): %(listed)s. Known: %(known)s."), listed=listed, known=known),
            errors={cut(key): [beside] for key in unknown[:MAX_UNKNOWN_LISTED]},
        )
    return data


def no_body(request: flask.Request) -> None:
    """For a route that takes no body: an empty one, or an empty JSON object ``{}`` (what Cloud
    Scheduler and many HTTP clients send), and nothing else; anything more is a 400 saying why,
    as :func:`json_body` says it (not JSON, not an object, a key given twice, a key not known
    here), before the route acts. A body it would ignore could hide a caller's mistake (a
    ``{"survey": "other"}`` that closes this one)."""
    if not request.get_data(cache=True).strip():
        return
    data = json_body(request)  # not JSON, not an object, a key given twice: as for any body
    if data:
        said = translate(pick_lang(request), N_("This request takes no body: send none, or {}."))
        raise HttpError(
            400, "invalid", said, errors={cut(key): [said] for key in sorted(data)[:MAX_UNKNOWN_LISTED]}
        )


def require_form_or_json(request: flask.Request) -> None:
    if request.mimetype not in (
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        raise UnsupportedMediaType()


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


def as_http_error(error: Exception, lang: str) -> HttpError:
    """Any exception as what the caller is told, in ``lang``: the error table decides for
    domain errors, whose message is translated here, at the edge."""
    if isinstance(error, HttpError):
        return error
    if isinstance(error, HTTPException):
        if isinstance(error, RequestEntityTooLarge):
            discard_body(flask.request)
        status = error.code or 400
        headers = {key: value for key, value in error.get_headers() if key.lower() == "allow"}
        return HttpError(status, HTTP_CODES.get(status, "bad_request"), headers=headers)
    outcome = outcome_for(error)
    if outcome is None:
        # Log the type and where, never the request (its URL or body may hold a token).
        log.exception("unexpected error in %s", flask.request.endpoint)
        return HttpError(500, "internal")
    headers = {"Retry-After": str(outcome.retry_after)} if outcome.retry_after else {}
    if not outcome.public:
        log.warning("%s: %s", type(error).__name__, error)
        return HttpError(outcome.status, outcome.code or "internal", headers=headers)
    code = getattr(error, "code", None) or "bad_request"
    message = message_in(error, lang)
    errors = field_messages_in(getattr(error, "errors", None), lang)
    return HttpError(outcome.status, code, message, errors=errors, headers=headers)


def handle_error(error: Exception) -> flask.Response:
    return error_response(flask.request, as_http_error(error, pick_lang(flask.request)))


def install(app: flask.Flask, *, public_form: bool = False, json_errors: bool = False) -> None:
    """Add the shared hooks to one function's app."""
    app.config[JSON_ERRORS] = json_errors
    app.before_request(redirect_bare_root)
    if public_form:
        app.before_request(limit_public_body)
    app.register_error_handler(Exception, handle_error)
    app.after_request(security_headers)
