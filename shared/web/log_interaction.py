"""The ``log_interaction`` function: a supporter's personal form, its submissions, and the
files that let it open and queue submissions offline.

Routes (relative to the function's root): ``GET /?t=TOKEN`` the form, ``POST /`` a submission
(an HTML form with the token in field ``t``, or JSON with ``Authorization: Bearer TOKEN``),
``GET /thanks?t=TOKEN``, and the static ``log.js``, ``sw.js``, ``icon.svg`` and
``manifest.webmanifest``. The handler only parses and maps; the work is in
:mod:`shared.services.interactions` and :mod:`shared.services.supporters`.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import urlencode

import flask

from shared import bootstrap
from shared.errors import Invalid, Unauthorized
from shared.forms import render_fields
from shared.records import Supporter
from shared.services import interactions
from shared.services import supporters as supporter_service
from shared.web.errors import HttpError
from shared.web.http import endpoint, json_body, require_form_or_json, require_methods, wants_json
from shared.web.pages import STATIC, pick_lang, render_page, static_file

ASSETS = ("/log.js", "/sw.js", "/icon.svg")
PAGE_FIELDS = ("t", "submission_id")  # the page's own hidden fields, not answers
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_.-]{1,512}")

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "other_lang": "Français",
        "this_month": "Logged this month: {count}",
        "save": "Save",
        "saved": "Saved. Thank you!",
        "another": "Log another interaction",
        "bad_link_title": "This link does not work",
        "link_inactive_title": "This link is no longer active",
        "bad_link": "This link is not valid. Check that you opened the whole link, or ask your coordinator for a new one.",
        "link_inactive": "This link is no longer active. Please ask your coordinator for a new one.",
        # Read by log.js, so its messages are in the page's language.
        "js_sending": "Sending…",
        "js_queued": "Saved on this phone. It will be sent automatically when you are back online.",
        "js_pending": "Waiting to be sent from this phone: {n}.",
        "js_sent": "Sent what was saved on this phone: {n}.",
        "js_refused": "The server refused an interaction saved on this phone ({date}): {message} Please log it again.",
        "js_dismiss": "Dismiss",
    },
    "fr": {
        "other_lang": "English",
        "this_month": "Consignées ce mois-ci : {count}",
        "save": "Enregistrer",
        "saved": "Enregistré. Merci!",
        "another": "Consigner une autre interaction",
        "bad_link_title": "Ce lien ne fonctionne pas",
        "link_inactive_title": "Ce lien n'est plus actif",
        "bad_link": "Ce lien n'est pas valide. Vérifiez que vous avez ouvert le lien au complet, ou demandez-en un nouveau à votre coordination.",
        "link_inactive": "Ce lien n'est plus actif. Demandez-en un nouveau à votre coordination.",
        "js_sending": "Envoi en cours…",
        "js_queued": "Enregistré sur ce téléphone. L'envoi se fera automatiquement dès le retour de la connexion.",
        "js_pending": "En attente d'envoi depuis ce téléphone : {n}.",
        "js_sent": "Envoyé ce qui était enregistré sur ce téléphone : {n}.",
        "js_refused": "Le serveur a refusé une interaction enregistrée sur ce téléphone ({date}) : {message} Veuillez la consigner de nouveau.",
        "js_dismiss": "Fermer",
    },
}


class LinkRefused(Exception):
    """The token is not one of ours, or no longer active: shown as its own page (browsers)."""

    def __init__(self, code: str, lang: str):
        super().__init__(code)
        self.code = code
        self.lang = lang


@endpoint(public_form=True, token_page=True)
def handle(request: flask.Request) -> Any:
    try:
        return _route(request)
    except LinkRefused as refused:
        text = TEXT[refused.lang]
        return render_page(
            "log_link.html",
            lang=refused.lang,
            status=401,
            heading=text[f"{refused.code}_title"],
            text=text,
            message=text[refused.code],
        )


def _route(request: flask.Request) -> Any:
    path = request.path
    if path in ASSETS:
        require_methods(request, ("GET", "HEAD"))
        # token_page makes every response no-store; the service worker keeps the copies offline.
        return static_file(path[1:])
    if path == "/manifest.webmanifest":
        require_methods(request, ("GET", "HEAD"))
        return _manifest(request)
    if path == "/thanks":
        require_methods(request, ("GET", "HEAD"))
        return _thanks(request)
    if path == "/":
        require_methods(request, ("GET", "HEAD", "POST"))
        if request.method == "POST":
            return _submit(request)
        if request.environ.get("PATH_INFO") == "" and request.script_root:
            # Served at /log_interaction (no slash): relative links need the slash.
            return flask.redirect(
                f"{request.script_root}/?{request.query_string.decode('ascii', 'replace')}", 308
            )
        return _form_page(request)
    raise HttpError(404, "not_found")


# -- the supporter behind a token ---------------------------------------------------------
def _supporter(request: flask.Request, token: str | None, lang: str) -> Supporter:
    """The active supporter behind ``token``; else a 401 page (browsers) or JSON (clients)."""
    app = bootstrap.app()
    try:
        return supporter_service.authenticate(app.store, app.settings.secret_key, token or "")
    except Unauthorized as exc:
        if not wants_json(request):
            raise LinkRefused(exc.code, lang) from None
        headers = {"WWW-Authenticate": 'Bearer realm="log_interaction"'}
        raise HttpError(401, exc.code, TEXT[lang][exc.code], headers=headers) from None


def _links(token: str, lang: str) -> dict[str, str]:
    other = "fr" if lang == "en" else "en"
    return {
        "self": "./?" + urlencode({"t": token, "lang": lang}),
        "switch": "./?" + urlencode({"t": token, "lang": other}),
        "thanks": "thanks?" + urlencode({"t": token, "lang": lang}),
        "manifest": "manifest.webmanifest?" + urlencode({"t": token}),
        "other": other,
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
) -> flask.Response:
    app = bootstrap.app()
    today = interactions.today(app.settings)
    activity = activity or interactions.activity(app.store, supporter, today)
    form = interactions.log_form()
    fields = render_fields(
        form, values=values, errors=errors, lang=lang, today=today, min_date=app.settings.program_start
    )
    text = TEXT[lang]
    return render_page(
        "log_form.html",
        lang=lang,
        status=status,
        title=form.title.get(lang),
        text=text,
        count=text["this_month"].format(count=activity.count_this_month),
        fields=fields,
        token=token,
        submission_id=submission,
        links=_links(token, lang),
        has_errors=bool(errors),
        js=_js_texts(lang),
    )


def _form_page(request: flask.Request) -> flask.Response:
    lang = pick_lang(request)
    token = request.args.get("t", "")
    supporter = _supporter(request, token, lang)
    app = bootstrap.app()
    activity = interactions.activity(app.store, supporter, interactions.today(app.settings))
    values: dict[str, Any] = {"occurred_on": interactions.today(app.settings).isoformat()}
    if activity.last_format:
        values["format"] = activity.last_format
    return _render_form(lang, token, supporter, values, {}, str(uuid.uuid4()), activity=activity)


def _thanks(request: flask.Request) -> flask.Response:
    lang = pick_lang(request)
    token = request.args.get("t", "")
    supporter = _supporter(request, token, lang)
    app = bootstrap.app()
    activity = interactions.activity(app.store, supporter, interactions.today(app.settings))
    text = TEXT[lang]
    return render_page(
        "log_thanks.html",
        lang=lang,
        text=text,
        count=text["this_month"].format(count=activity.count_this_month),
        links=_links(token, lang),
        js=_js_texts(lang),
    )


def _js_texts(lang: str) -> dict[str, str]:
    """log.js's messages, handed to it as data-* attributes so the script needs no catalogue."""
    return {key[3:]: value for key, value in TEXT[lang].items() if key.startswith("js_")}


# -- submissions --------------------------------------------------------------------------
def _submit(request: flask.Request) -> Any:
    require_form_or_json(request)
    if request.mimetype == "application/json":
        return _submit_json(request)
    return _submit_html(request)


def _submit_json(request: flask.Request) -> tuple[dict[str, Any], int]:
    lang = pick_lang(request)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    supporter = _supporter(request, token.strip() if scheme.lower() == "bearer" else "", lang)
    data = json_body(request)
    in_body = data.pop("submission_id", None)
    try:
        submission = interactions.idempotency_key(
            in_body, request.headers.get("Idempotency-Key"), supporter, lang
        )
        app = bootstrap.app()
        recorded = interactions.record(
            app.store,
            supporter,
            data,
            submission=submission,
            context=interactions.validation_context(app.settings, lang),
        )
    except Invalid as exc:
        raise HttpError(400, "invalid", errors=exc.errors) from None
    interactions.alert_coordinators(app, recorded)
    return {"id": recorded.id, "duplicate": recorded.duplicate}, 200 if recorded.duplicate else 201


def _submit_html(request: flask.Request) -> flask.Response:
    lang = pick_lang(request)
    posted = request.form
    token = posted.get("t", "")
    supporter = _supporter(request, token, lang)
    data = interactions.log_form().parse_html(posted, ignore=PAGE_FIELDS)
    try:
        submission = interactions.submission_id(posted.get("submission_id", ""), lang)
    except Invalid as exc:  # a tampered page: say so at the top, keep the answers, issue a good id
        return _render_form(lang, token, supporter, data, exc.errors or {}, str(uuid.uuid4()), status=400)
    app = bootstrap.app()
    try:
        recorded = interactions.record(
            app.store,
            supporter,
            data,
            submission=submission,
            context=interactions.validation_context(app.settings, lang),
        )
    except Invalid as exc:
        # Nothing was stored: show the same answers with each message beside its question.
        return _render_form(lang, token, supporter, data, exc.errors or {}, submission, status=400)
    interactions.alert_coordinators(app, recorded)
    # A repeat (double tap, back-and-resubmit) lands on the same thanks page: it was saved once.
    return flask.redirect(_links(token, lang)["thanks"], 303)


# -- files --------------------------------------------------------------------------------
def _manifest(request: flask.Request) -> flask.Response:
    """The web app manifest; with ``?t=`` its start URL is the supporter's own link, so the
    home-screen icon opens their form (the file stays on their phone)."""
    manifest = json.loads((STATIC / "manifest.webmanifest").read_text(encoding="utf-8"))
    token = request.args.get("t", "")
    if TOKEN_SHAPE.fullmatch(token):
        manifest["start_url"] = "./?" + urlencode({"t": token})
    return flask.Response(json.dumps(manifest, ensure_ascii=False), mimetype="application/manifest+json")
