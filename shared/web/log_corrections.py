"""Correcting a mistake on the supporter's form: the list of their last entries (on the form
and the thanks page), and the pages to edit or delete one for 24 hours after logging it
(issue 12, item 13). Plain links and forms, so it works without JavaScript; every change is a
POST carrying the supporter's token in field ``t``, like a new entry.

Routes (nested in the ``log_interaction`` blueprint, so its link-refused page applies):
``GET /entry?t=TOKEN&id=ID`` the entry's form, ``POST /entry`` its changes,
``GET /entry/delete?t=TOKEN&id=ID`` "delete this entry?", ``POST /entry/delete`` the deletion.
The work is in :mod:`shared.services.corrections`.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlencode

import flask
from markupsafe import Markup

from shared.errors import Invalid
from shared.forms import template_env
from shared.i18n import N_, translate
from shared.records import Interaction, Supporter
from shared.services import alerts, corrections, follow_up_corrections, follow_ups, interactions
from shared.services import supporters as supporter_service
from shared.web import log_follow_ups
from shared.web.context import get_app
from shared.web.pages import pick_lang, render_page, texts

PAGE_FIELDS = ("t", "id")  # the page's own hidden fields, not answers

# The pages' words: English msgids of the one catalogue (shared/translations), French there.
TEXT: dict[str, str] = {
    "recent": N_("Your last entries"),
    "recent_help": N_("You can change or delete an entry for 24 hours after logging it."),
    "edit": N_("Edit"),
    "delete": N_("Delete"),
    "edit_title": N_("Change an entry"),
    "save_changes": N_("Save changes"),
    "cancel": N_("Cancel"),
    "delete_title": N_("Delete this entry?"),
    "delete_yes": N_("Yes, delete it"),
}
ENTRY_OF = N_("the entry of %(day)s")  # read out after "Edit" and "Delete" in the list
DELETE_BODY = N_("The entry of %(day)s (%(format)s) will be deleted. This cannot be undone.")
# ?done= on the thanks page after a change, and its heading there.
DONE = {"edited": N_("Your changes were saved."), "deleted": N_("The entry was deleted.")}

bp = flask.Blueprint("log_corrections", __name__)


def _supporter(token: str) -> Supporter:
    app = get_app()
    return supporter_service.authenticate(app.store, app.settings.secret_key, token or "")


def _query(token: str, lang: str, **more: str) -> str:
    return urlencode({"t": token, **more, "lang": lang})


def recent_entries(supporter: Supporter, token: str, lang: str) -> Markup:
    """The supporter's last entries (date, format, topics: nothing about the student), with
    Edit and Delete links while they can still be changed; empty when there are none."""
    app = get_app()
    entries = corrections.recent(app.store, supporter)
    if not entries:
        return Markup("")
    labels = interactions.log_form().labels(lang)
    shown = [
        {
            "day": entry.occurred_on.isoformat(),
            "of": translate(lang, ENTRY_OF, day=entry.occurred_on.isoformat()),
            "format": labels.get(f"format.{entry.format}", ""),
            "topics": ", ".join(labels.get(f"topics.{t}", t) for t in entry.topics),
            "edit": f"entry?{_query(token, lang, id=entry.id)}" if entry.changeable else "",
            "delete": f"entry/delete?{_query(token, lang, id=entry.id)}" if entry.changeable else "",
        }
        for entry in entries
    ]
    macros: Any = template_env().get_template("_recent.html").module  # its macros, unknown to the checker
    recent: Markup = macros.recent(texts(lang, TEXT), shown)
    return recent


def _entry_page(
    lang: str,
    token: str,
    entry: Interaction,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    status: int = 200,
) -> flask.Response:
    """The entry's form: its answers, and its follow-up fields (the due date of the follow-up it
    planned; what it followed and, for a referral, whether the student connected, so a wrong
    answer can be put right within the 24 hours)."""
    app = get_app()
    line = follow_ups.logged_by(app.store, entry, interactions.today(app.settings))
    questions = log_follow_ups.questions(lang, values, errors, line=line, follows=None, logged=True)
    return render_page(
        "log_entry.html",
        lang=lang,
        status=status,
        text=texts(lang, TEXT),
        save=translate(lang, TEXT["save_changes"]),
        fields=questions.fields,
        summary=questions.summary,
        token=token,
        entry_id=entry.id,
        back="./?" + urlencode({"t": token, "lang": lang}),
        delete=f"entry/delete?{_query(token, lang, id=entry.id)}",
    )


def _asked() -> tuple[str, str, Interaction]:
    """The language, the token and the entry a GET names (``?t=&id=``), if it can be changed."""
    request = flask.request
    lang = pick_lang(request)
    token = request.args.get("t", "")
    entry = corrections.changeable(get_app().store, _supporter(token), request.args.get("id", ""))
    return lang, token, entry


@bp.route("/entry", methods=("GET",))
def entry_page() -> flask.Response:
    lang, token, entry = _asked()
    values = {**entry.answers, **follow_up_corrections.current(get_app().store, entry)}
    return _entry_page(lang, token, entry, values, {})


@bp.route("/entry", methods=("POST",))
def save_entry() -> Any:
    request = flask.request
    lang = pick_lang(request)
    posted = request.form
    token, entry_id = posted.get("t", ""), posted.get("id", "")
    supporter = _supporter(token)
    app = get_app()
    data = interactions.log_form().parse_html(posted, ignore=PAGE_FIELDS)
    try:
        done = corrections.edit(
            app.store,
            supporter,
            entry_id,
            data,
            context=interactions.validation_context(app.settings, lang),
        )
    except Invalid as exc:  # validated like a new entry: nothing changed, the answers kept
        entry = corrections.changeable(app.store, supporter, entry_id)
        return _entry_page(lang, token, entry, data, exc.errors or {}, status=400)
    interactions.alert_coordinators(done, functools.partial(alerts.deliver_soon, app))
    return flask.redirect(f"thanks?{_query(token, lang, done='edited')}", 303)


@bp.route("/entry/delete", methods=("GET",))
def delete_page() -> flask.Response:
    lang, token, entry = _asked()
    labels = interactions.log_form().labels(lang)
    fmt = entry.answers.get("format")
    return render_page(
        "log_delete.html",
        lang=lang,
        text=texts(lang, TEXT),
        body=translate(
            lang, DELETE_BODY, day=entry.occurred_on.isoformat(), format=labels.get(f"format.{fmt}", "")
        ),
        token=token,
        entry_id=entry.id,
        back="../?" + urlencode({"t": token, "lang": lang}),
    )


@bp.route("/entry/delete", methods=("POST",))
def delete_entry() -> Any:
    request = flask.request
    lang = pick_lang(request)
    posted = request.form
    token = posted.get("t", "")
    supporter = _supporter(token)
    app = get_app()
    done = corrections.delete(app.store, supporter, posted.get("id", ""))
    interactions.alert_coordinators(done, functools.partial(alerts.deliver_soon, app))
    return flask.redirect(f"../thanks?{_query(token, lang, done='deleted')}", 303)
