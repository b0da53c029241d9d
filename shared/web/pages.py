"""Rendering student and supporter pages: language choice, the page layout, static files.

The stylesheet is inlined into every page (one request, smallest transfer) and allowed by
its hash in the Content-Security-Policy, so no ``unsafe-inline`` is needed.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import flask
import jsmin

from shared.forms import template_env
from shared.i18n import translate
from shared.web.context import get_app

STATIC = Path(__file__).resolve().parents[2] / "forms" / "static"
LANGS = ("en", "fr")
COMMENT = re.compile(r"/\*.*?\*/\s*", re.S)  # a CSS comment and the blank after it
LANG_COOKIE = "lang"  # the survey's remembered language: "en" or "fr", nothing else (issue 12, item 15)
# Each language in its own words, the same on every page (the link to the other language),
# so a name, not a message: it has no translation.
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


def other_lang(lang: str) -> str:
    return "fr" if lang == "en" else "en"


def texts(lang: str, msgids: Mapping[str, str]) -> dict[str, str]:
    """A page's words in ``lang``: each English msgid of ``msgids`` (a table of ``N_`` marks,
    by name) translated through the one catalogue, for templates that name them (``text.save``)."""
    return {name: translate(lang, msgid) for name, msgid in msgids.items()}


@cache
def inline_css(text: str) -> str:
    """A stylesheet as a page inlines it: its comments (which document the file) left out, so
    every page carries only the rules (the pages' 14 KB budget)."""
    return COMMENT.sub("", text).strip()


def stylesheet() -> str:
    """The log and survey pages' styles: app.css (which the console shares) and public.css."""
    return "".join(
        inline_css((STATIC / name).read_text(encoding="utf-8")) for name in ("app.css", "public.css")
    )


def _style_hash() -> str:
    digest = hashlib.sha256(stylesheet().encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


STYLE_HASH = _style_hash()


def pick_lang(request: flask.Request) -> str:
    """``?lang=`` when given, else the language remembered in the ``lang`` cookie (the survey
    sets it, scoped to its own path), else the browser's preference, else English.

    Only the URL and headers are read, never the body: this also runs for bodies that were refused.
    """
    for asked in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if asked in LANGS:
            return asked
    return request.accept_languages.best_match(LANGS) or "en"


def remember_lang(response: flask.Response, request: flask.Request, max_age: int = 400 * 86400) -> None:
    """Keep a language chosen with ``?lang=`` in a cookie for this function's path only.

    The cookie holds "en" or "fr" and nothing else: the same for every student who chose that
    language, so it links no answer to a link. 400 days is the longest lifetime browsers keep.
    """
    asked = request.args.get("lang")
    if asked in LANGS and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(
            LANG_COOKIE,
            asked,
            max_age=max_age,
            path=(request.script_root or "") + "/",
            secure=request.is_secure,
            httponly=True,
            samesite="Lax",
        )


def render_page(template: str, *, lang: str, status: int = 200, **context: Any) -> flask.Response:
    """Render ``forms/templates/<template>`` (which extends base.html) as an HTML response."""
    settings = get_app().settings
    html = (
        template_env()
        .get_template(template)
        .render(
            lang=lang,
            status=status,
            css=stylesheet(),
            crisis_line=settings.crisis_line[lang],
            program_name=settings.program_title(lang),
            **context,
        )
    )
    return flask.Response(html, status=status, mimetype="text/html")


@cache
def static_bytes(name: str) -> bytes:
    """A static file's bytes as served, read once: scripts minified (comments and spaces
    dropped), which takes about a third off their compressed size on a first visit; the
    repository keeps the readable source."""
    path = STATIC / name
    if name.endswith(".js"):
        return jsmin.jsmin(path.read_text(encoding="utf-8")).encode("utf-8")
    return path.read_bytes()


def static_file(name: str, max_age: int = 3600) -> flask.Response:
    """A file from forms/static by bare name (no paths), or 404."""
    path = STATIC / name
    if "/" in name or name.startswith(".") or not path.is_file():
        flask.abort(404)
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if name.endswith(".webmanifest"):
        mimetype = "application/manifest+json"
    response = flask.Response(static_bytes(name), mimetype=mimetype)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response
