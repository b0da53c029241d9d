"""The ``log_interaction`` function: a supporter's personal form, its submissions, and the
files that let it open and queue submissions offline.

Routes (relative to the function's root): ``GET /?t=TOKEN`` the form, ``POST /`` a submission
(an HTML form with the token in field ``t``, or JSON with ``Authorization: Bearer TOKEN``),
``GET /thanks?t=TOKEN``, and the static ``log.js``, ``sw.js``, ``icon.svg`` and
``manifest.webmanifest``. The handler only parses and maps; the work is in
:mod:`shared.services.interactions` and :mod:`shared.services.supporters`.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from typing import Any
from urllib.parse import urlencode

import flask
import werkzeug

from shared.errors import Conflict, Invalid, NotFoundError, Unauthorized
from shared.i18n import N_, translate
from shared.records import Supporter
from shared.services import alerts, follow_ups, interactions
from shared.services import supporters as supporter_service
from shared.web import log_corrections, log_follow_ups
from shared.web.context import get_app
from shared.web.errors import HttpError, message_in
from shared.web.http import error_response, json_body, require_form_or_json, wants_json
from shared.web.pages import LANGUAGE_NAMES, STATIC, other_lang, pick_lang, render_page, static_file, texts

PAGE_FIELDS = ("t", "submission_id")  # the page's own hidden fields, not answers
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_.-]{1,512}")

# The page's words: English msgids of the one catalogue (shared/translations), French there.
TEXT: dict[str, str] = {
    "save": N_("Save"),
    "saved": N_("Saved. Thank you!"),
    "another": N_("Log another interaction"),
    "bad_link_title": N_("This link does not work"),
    "link_inactive_title": N_("This link is no longer active"),
    "bad_link": N_(
        "This link is not valid. Check that you opened the whole link, or ask your coordinator for a new one."
    ),
    "link_inactive": N_("This link is no longer active. Please ask your coordinator for a new one."),
}
THIS_MONTH = N_("Logged this month: %(count)s")
# Read by log.js, so its messages are in the page's language. Its placeholders are {name}: the
# page hands them over as "{name}" for the script to fill in.
JS_TEXT: dict[str, str] = {
    "sending": N_("Sending…"),
    "queued": N_("Saved on this phone. It will be sent automatically when you are back online."),
    "pending": N_("Waiting to be sent from this phone: %(n)s."),
    "sent": N_("Sent what was saved on this phone: %(n)s."),
    "refused": N_(
        "The server refused an interaction saved on this phone (%(date)s): %(message)s It stays on "
        "this phone until you fix it or discard it."
    ),
    "fix": N_("Fix it"),
    "discard": N_("Discard it"),
    "count": THIS_MONTH,
}
JS_PLACEHOLDERS = {name: "{" + name + "}" for name in ("n", "date", "message", "count")}


bp = flask.Blueprint("log_interaction", __name__)
bp.register_blueprint(log_follow_ups.bp)  # follow-ups: their list, close and digest opt-out routes
bp.register_blueprint(log_corrections.bp)  # editing and deleting recent entries (item 13)


@bp.errorhandler(Unauthorized)
def link_refused(refused: Unauthorized) -> flask.Response:
    """A token not ours, or no longer active: its own page for browsers, JSON for clients."""
    lang = pick_lang(flask.request)
    text = texts(lang, TEXT)
    if wants_json(flask.request):
        headers = {"WWW-Authenticate": 'Bearer realm="log_interaction"'}
        return error_response(
            flask.request, HttpError(401, refused.code, text[refused.code], headers=headers)
        )
    return render_page(
        "log_link.html",
        lang=lang,
        status=401,
        heading=text[f"{refused.code}_title"],
        text=text,
        message=text[refused.code],
    )


@bp.route("/<any('log.js', 'sw.js', 'icon.svg'):name>", methods=("GET",))
def asset(name: str) -> flask.Response:
    # Offline copies live in the service worker's cache, which keeps them whatever the headers.
    return static_file(name)


@bp.route("/", methods=("GET",))
def form_page() -> flask.Response:
    request = flask.request
    lang = pick_lang(request)
    token = request.args.get("t", "")
    supporter = _supporter(token)
    app = get_app()
    activity = interactions.activity(app.store, supporter, interactions.today(app.settings))
    values: dict[str, Any] = {"occurred_on": interactions.today(app.settings).isoformat()}
    if activity.last_format:
        values["format"] = activity.last_format
    follows = request.args.get(follow_ups.FOLLOWS) or None
    return _render_form(
        lang, token, supporter, values, {}, str(uuid.uuid4()), activity=activity, follows=follows, fresh=True
    )


@bp.route("/thanks", methods=("GET",))
def thanks() -> flask.Response:
    request = flask.request
    lang = pick_lang(request)
    token = request.args.get("t", "")
    supporter = _supporter(token)
    app = get_app()
    activity = interactions.activity(app.store, supporter, interactions.today(app.settings))
    done = log_corrections.DONE.get(request.args.get("done", ""), TEXT["saved"])
    return render_page(
        "log_thanks.html",
        lang=lang,
        text=texts(lang, TEXT),
        heading=translate(lang, done),
        recent=log_corrections.recent_entries(supporter, token, lang),
        count=translate(lang, THIS_MONTH, count=activity.count_this_month),
        links=_links(token, lang),
        js=_js_texts(lang),
    )


@bp.route("/", methods=("POST",))
def submit() -> Any:
    request = flask.request
    require_form_or_json(request)
    if request.mimetype == "application/json":
        return _submit_json(request)
    return _submit_html(request)


@bp.route("/manifest.webmanifest", methods=("GET",))
def manifest() -> flask.Response:
    """The web app manifest; with ``?t=`` its start URL is the supporter's own link, so the
    home-screen icon opens their form (the file stays on their phone)."""
    data = json.loads((STATIC / "manifest.webmanifest").read_text(encoding="utf-8"))
    token = flask.request.args.get("t", "")
    if TOKEN_SHAPE.fullmatch(token):
        data["start_url"] = "./?" + urlencode({"t": token})
    return flask.Response(json.dumps(data, ensure_ascii=False), mimetype="application/manifest+json")


# -- the supporter behind a token ---------------------------------------------------------
def _supporter(token: str | None) -> Supporter:
    """The active supporter behind ``token``; else :class:`Unauthorized` (see link_refused)."""
    app = get_app()
    return supporter_service.authenticate(app.store, app.settings.secret_key, token or "")


def _links(token: str, lang: str) -> dict[str, str]:
    other = other_lang(lang)
    return {
        "self": "./?" + urlencode({"t": token, "lang": lang}),
        "switch": "./?" + urlencode({"t": token, "lang": other}),
        "thanks": "thanks?" + urlencode({"t": token, "lang": lang}),
        "manifest": "manifest.webmanifest?" + urlencode({"t": token}),
        "other": other,
        "other_name": LANGUAGE_NAMES[other],
    }


# -- pages --------------------------------------------------------------------------------
def _render_form(
    lang: str,
    token: str,
    supporter: Supporter,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    submission: str,
    status: int = 200,
    activity: interactions.Activity | None = None,
    follows: str | None = None,
    fresh: bool = False,
) -> flask.Response:
    """The form page. ``fresh``: a new form, whose date is today's default (log.js replaces it
    with the phone's today in the program's time zone); not a form sent back to fix. ``follows``:
    the follow-up it logs (a new form's ``?follows=``: 404 unless one of the supporter's open
    ones; a form sent back: kept unless refused, its message then at the top of the questions)."""
    app = get_app()
    today = interactions.today(app.settings)
    activity = activity or interactions.activity(app.store, supporter, today)
    if (
        follows is None
        and isinstance(values.get(follow_ups.FOLLOWS), str)
        and follow_ups.FOLLOWS not in errors
    ):
        follows = values[follow_ups.FOLLOWS]
    line = None
    if follows is not None:
        try:
            line = follow_ups.following(app.store, supporter, follows, today)
        except NotFoundError:
            if fresh:
                raise
            follows = None  # ended or gone since the page was opened: said beside it, not a 404
    questions = log_follow_ups.questions(lang, values, errors, line=line, follows=follows)
    return render_page(
        "log_form.html",
        lang=lang,
        status=status,
        title=questions.title,
        text=texts(lang, TEXT),
        count=translate(lang, THIS_MONTH, count=activity.count_this_month),
        fields=questions.fields,
        summary=questions.summary,
        recent=log_corrections.recent_entries(supporter, token, lang),
        tz=app.settings.timezone.key if fresh else "",
        token=token,
        submission_id=submission,
        links=_links(token, lang),
        js=_js_texts(lang),
        # Logging a follow-up: that follow-up is the page's subject, the list would be in the way.
        follow_ups=log_follow_ups.overview(app.store, supporter, token, lang, flask.request.args)
        if line is None
        else dict.fromkeys(("feedback", "overview", "digest"), ""),
    )


def _js_texts(lang: str) -> dict[str, str]:
    """log.js's messages from the catalogue, handed to it as data-* attributes so the script
    needs no catalogue of its own (``count``: the "Logged this month" line it rewrites after
    sending what was queued), their placeholders left as ``{name}`` for the script to fill."""
    return {name: translate(lang, msgid, **JS_PLACEHOLDERS) for name, msgid in JS_TEXT.items()}


# -- submissions --------------------------------------------------------------------------
def _submit_json(request: flask.Request) -> tuple[dict[str, Any], int]:
    lang = pick_lang(request)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    supporter = _supporter(token.strip() if scheme.lower() == "bearer" else "")
    data = json_body(request)
    in_body = data.pop("submission_id", None)
    entered_on = data.pop(follow_ups.ENTERED_ON, None)  # the offline queue's: the day it was filled in
    # A refusal (Invalid, KeyReused...) goes to the one error table, which answers in ``lang``.
    submission = interactions.idempotency_key(
        in_body, request.headers.get("Idempotency-Key"), supporter, lang
    )
    app = get_app()
    context = interactions.validation_context(app.settings, lang)
    recorded = follow_ups.log(
        app.store, supporter, data, submission=submission, context=context, entered_on=entered_on
    )
    interactions.alert_coordinators(recorded, functools.partial(alerts.deliver_soon, app))
    # The month's count after this one, so an offline queue just sent can show it (item 12).
    activity = interactions.activity(app.store, supporter, interactions.today(app.settings))
    body = {
        "id": recorded.id,
        "duplicate": recorded.duplicate,
        "logged_this_month": activity.count_this_month,
    }
    return body, 200 if recorded.duplicate else 201


def _submit_html(request: flask.Request) -> werkzeug.Response:  # a page, or the redirect to thanks
    lang = pick_lang(request)
    posted = request.form
    token = posted.get("t", "")
    supporter = _supporter(token)
    data = interactions.log_form().parse_html(posted, ignore=PAGE_FIELDS)
    try:
        submission = interactions.submission_id(posted.get("submission_id", ""), lang)
    except Invalid as exc:  # a tampered page: say so at the top, keep the answers, issue a good id
        return _render_form(lang, token, supporter, data, exc.errors or {}, str(uuid.uuid4()), status=400)
    app = get_app()
    try:
        context = interactions.validation_context(app.settings, lang)
        recorded = follow_ups.log(app.store, supporter, data, submission=submission, context=context)
    except Invalid as exc:
        # Nothing was stored: show the same answers with each message beside its question.
        return _render_form(lang, token, supporter, data, exc.errors or {}, submission, status=400)
    except Conflict as exc:
        if exc.code != "follow_up_ended":
            raise
        # Logged or closed meanwhile (another tab, the offline queue): keep the answers, say why.
        errors = {follow_ups.FOLLOWS: [message_in(exc, lang)]}
        return _render_form(lang, token, supporter, data, errors, str(uuid.uuid4()), status=409)
    interactions.alert_coordinators(recorded, functools.partial(alerts.deliver_soon, app))
    # A repeat (double tap, back-and-resubmit) lands on the same thanks page: it was saved once.
    return flask.redirect(_links(token, lang)["thanks"], 303)
