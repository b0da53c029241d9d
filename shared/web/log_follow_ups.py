"""The follow-up parts of the supporter's log page, and their routes (issue 14).

Kept apart from :mod:`shared.web.log_interaction`, which only asks :func:`parts` for the HTML
it places in the page and registers :data:`bp` under its own blueprint:

- the list of the supporter's own follow-ups due within a week or overdue (the original's
  date, format and topics; nothing about the student), each with "Log the follow-up" (the log
  form with ``?follows=ID``) and "Close" (not needed / could not reach);
- the follow-up fields of the form: the due date, and on a follow-up of a referral, uptake;
- ``POST /follow-ups/<id>/close`` and ``GET|POST /digest-off?t=TOKEN`` (the weekly email's
  opt-out: the GET asks, the POST, or a mail client's RFC 8058 one-click POST, does it).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import flask
from markupsafe import Markup

from shared.forms import Form, render_fields, template_env
from shared.i18n import N_, translate
from shared.records import Supporter
from shared.services import follow_ups, interactions
from shared.services import supporters as supporter_service
from shared.store.port import Store
from shared.web.context import get_app
from shared.web.http import require_form_or_json
from shared.web.pages import pick_lang, render_page, texts

# The list's and pages' words: English msgids of the one catalogue (shared/translations).
TEXT: dict[str, str] = {
    "heading": N_("Your follow-ups due"),
    "log": N_("Log the follow-up"),
    "not_needed": N_("Not needed"),
    "could_not_reach": N_("Could not reach"),
    "close": N_("Close it:"),
    "digest_title": N_("Weekly follow-up email"),
    "digest_ask": N_("Stop the weekly email of your follow-ups due?"),
    "digest_button": N_("Stop the weekly email"),
    "digest_off": N_("Done: you will no longer get the weekly email of your follow-ups due."),
}
OVERDUE = N_("Overdue since %(day)s")
DUE = N_("Due %(day)s")
OF = N_("Interaction of %(day)s, %(format)s: %(topics)s")
FOLLOWING = N_("This logs your follow-up of the interaction of %(day)s, %(format)s: %(topics)s.")

bp = flask.Blueprint("log_follow_ups", __name__)


def _sub_form(ids: tuple[str, ...]) -> Form:
    """The follow-up form with only these fields: the page shows uptake only where it applies."""
    form = follow_ups.follow_up_form()
    return Form(id=form.id, title=form.title, children=tuple(f for f in form.children if f.id in ids))


def _labels(lang: str) -> dict[str, str]:
    return interactions.log_form().labels(lang)


def _summary(msgid: str, line: Any, lang: str) -> str:
    labels = _labels(lang)
    return translate(
        lang,
        msgid,
        day=line.occurred_on.isoformat(),
        format=labels.get(f"format.{line.format}", "-"),
        topics=", ".join(labels.get(f"topics.{t}", t) for t in line.topics) or "-",
    )


def parts(
    store: Store,
    supporter: Supporter,
    token: str,
    lang: str,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    follows: str | None,
) -> dict[str, Markup]:
    """The HTML the log page places: ``list`` (above the form) and ``fields`` (inside it)."""
    today = interactions.today(get_app().settings)
    macros: Any = template_env().get_template("_follow_ups.html").module
    lines = [] if follows else follow_ups.due_for(store, supporter, today)
    items = [
        {
            "when": translate(lang, OVERDUE if line.overdue else DUE, day=line.due.isoformat()),
            "overdue": line.overdue,
            "what": _summary(OF, line, lang),
            "log": "./?" + urlencode({"t": token, "lang": lang, "follows": line.id}),
            "close": f"follow-ups/{line.id}/close?lang={lang}",
        }
        for line in lines
    ]
    shown: tuple[str, ...] = ("follow_up_due",)
    following = ""
    own = {k: v for k, v in errors.items() if k in follow_ups.EXTRA_FIELDS}
    if follows and follow_ups.FOLLOWS in own:
        follows = None  # a refused ``follows`` is not posted again: its message says why
    if follows:
        line = follow_ups.following(store, supporter, follows, today)  # 404 unless one of theirs, open
        following = _summary(FOLLOWING, line, lang)
        if line.referral != "none":
            shown = ("referral_uptake", "follow_up_due")
    fields = render_fields(_sub_form(shown), values=values, errors=own, lang=lang, min_date=today)
    return {
        "list": macros.due_list(texts(lang, TEXT), items, token) if items else Markup(""),
        "fields": macros.fields(following, follows, own.get(follow_ups.FOLLOWS, []), fields),
    }


@bp.route("/follow-ups/<follow_up_id>/close", methods=("POST",))
def close(follow_up_id: str) -> Any:
    request = flask.request
    require_form_or_json(request)
    lang = pick_lang(request)
    app = get_app()
    if request.mimetype == "application/json":
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
        state = (request.get_json(silent=True) or {}).get("state")
    else:
        token, state = request.form.get("t", ""), request.form.get("state")
    supporter = supporter_service.authenticate(app.store, app.settings.secret_key, token)
    ended = follow_ups.close(
        app.store, supporter, follow_up_id, state, interactions.today(app.settings), lang
    )
    if request.mimetype == "application/json":
        return {"id": ended.id, "state": ended.state}
    return flask.redirect("../../?" + urlencode({"t": token, "lang": lang}), 303)


@bp.route("/digest-off", methods=("GET", "POST"))
def digest_off() -> flask.Response:
    request = flask.request
    lang = pick_lang(request)
    app = get_app()
    token = request.args.get("t", "")
    supporter = supporter_service.authenticate(app.store, app.settings.secret_key, token)
    text = texts(lang, TEXT)
    if request.method == "POST":
        follow_ups.stop_digest(app.store, supporter)
        return render_page(
            "follow_up_digest.html",
            lang=lang,
            heading=text["digest_title"],
            body=text["digest_off"],
            button=None,
        )
    return render_page(
        "follow_up_digest.html",
        lang=lang,
        heading=text["digest_title"],
        body=text["digest_ask"],
        button=text["digest_button"],
        action="digest-off?" + urlencode({"t": token, "lang": lang}),
    )
