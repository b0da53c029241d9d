"""The follow-up parts of the supporter's log page and of an entry's correction page, and their
routes (issue 14).

Kept apart from :mod:`shared.web.log_interaction` and :mod:`shared.web.log_corrections`, which
ask :func:`overview` and :func:`questions` for the HTML they place and register :data:`bp`:

- the overview of the supporter's own follow-ups (the original's date, format and topics;
  nothing about the student), one line above the form that opens, without JavaScript, to the
  ones due within a week or overdue and the later ones, each with "Log the follow-up" (the log
  form with ``?follows=ID``) and "Close" (not needed / could not reach);
- the questions, in the order a supporter answers them: on a follow-up, what it follows and
  (for a referral) whether the student connected with the named service first; the due date
  right after "Did you plan a follow-up?";
- ``POST /follow-ups/<id>/close`` and ``/reopen`` (the page then says what was done and offers
  to undo it), ``GET|POST /digest-off?k=KEY`` (the weekly email's opt-out: the GET asks, the
  POST, or a mail client's RFC 8058 one-click POST, does it; ``k`` is a key that can do nothing
  else) and ``POST /digest-on`` (from the form page: the email again). Like close and reopen,
  ``digest-on`` takes the form's token field ``t``, or a JSON body ``{}`` with
  ``Authorization: Bearer``; a JSON body to ``digest-off`` must be ``{}`` (the one-click POST is
  a form).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

import flask
import werkzeug
from markupsafe import Markup

from shared.errors import BadToken, NotFoundError
from shared.forms import Form, error_summary, render_fields, template_env
from shared.i18n import N_, translate
from shared.records import Supporter
from shared.services import follow_ups, interactions
from shared.services import supporters as supporter_service
from shared.services.tokens import read_digest_key
from shared.store.port import Store
from shared.web.context import get_app
from shared.web.errors import HttpError
from shared.web.http import json_body, no_body, require_form_or_json
from shared.web.pages import pick_lang, render_page, texts

# The list's and pages' words: English msgids of the one catalogue (shared/translations).
TEXT: dict[str, str] = {
    "heading": N_("Your follow-ups"),
    "heading_colon": N_("Your follow-ups:"),  # before the counts: French puts a space before ":"
    "due_now": N_("Due this week or overdue"),
    "due_later": N_("Due later"),
    "log": N_("Log the follow-up"),
    "not_needed": N_("Not needed"),
    "could_not_reach": N_("Could not reach"),
    "close": N_("Close it:"),
    "undo": N_("Undo"),
    "digest_title": N_("Weekly follow-up email"),
    "digest_ask": N_("Stop the weekly email of your follow-ups due?"),
    "digest_button": N_("Stop the weekly email"),
    "digest_off": N_("Done: you will no longer get the weekly email of your follow-ups due."),
    "digest_is_off": N_("You do not get the weekly email of your follow-ups due."),
    "digest_on_button": N_("Get it again"),
    "digest_on": N_("Done: you will get the weekly email of your follow-ups due again."),
}
OVERDUE = N_("Overdue since %(day)s")
DUE = N_("Due %(day)s")
OF = N_("Interaction of %(day)s, %(format)s: %(topics)s")
COUNTS = {"overdue": N_("%(num)s overdue"), "due": N_("%(num)s due this week"), "later": N_("%(num)s later")}
FOLLOWING = N_("This logs your follow-up of the interaction of %(day)s, %(format)s: %(topics)s.")
LOGGED = N_("This entry logs your follow-up of the interaction of %(day)s, %(format)s: %(topics)s.")
# After a close or a reopen, at the top of the form page (?closed=ID, ?reopened=ID).
CLOSED = N_("Closed as “%(ending)s”: the follow-up of the interaction of %(day)s.")
REOPENED = N_("Reopened: the follow-up of the interaction of %(day)s is open again.")

bp = flask.Blueprint("log_follow_ups", __name__)


def _labels(lang: str) -> dict[str, str]:
    return interactions.log_form().labels(lang)


def _summary(msgid: str, line: follow_ups.Due, lang: str) -> str:
    labels = _labels(lang)
    return translate(
        lang,
        msgid,
        day=line.occurred_on.isoformat(),
        format=labels.get(f"format.{line.format}", "-"),
        topics=", ".join(labels.get(f"topics.{t}", t) for t in line.topics) or "-",
    )


def _macros() -> Any:
    return template_env().get_template("_follow_ups.html").module  # its macros, unknown to the checker


# -- the overview above the form ---------------------------------------------------------------


def overview(store: Store, supporter: Supporter, token: str, lang: str, args: Any) -> dict[str, Markup]:
    """What the form page shows of follow-ups before its questions: ``feedback`` after a close or
    a reopen (with Undo), the one-line ``overview`` that opens to the lists, and ``digest``, the
    way back to the weekly email for a supporter who stopped it."""
    app = get_app()
    today = interactions.today(app.settings)
    listing = follow_ups.listing(store, supporter, today)
    text = texts(lang, TEXT)
    query = {"t": token, "lang": lang}

    def item(line: follow_ups.Due) -> dict[str, Any]:
        return {
            "when": translate(lang, OVERDUE if line.overdue else DUE, day=line.due.isoformat()),
            "overdue": line.overdue,
            "what": _summary(OF, line, lang),
            "log": "./?" + urlencode({**query, "follows": line.id}),
            "close": f"follow-ups/{line.id}/close?lang={lang}",
        }

    groups = [
        (text[key], [item(line) for line in lines])
        for key, lines in (("due_now", listing.due), ("due_later", listing.later))
        if lines
    ]
    numbers = {
        "overdue": sum(line.overdue for line in listing.due),
        "due": sum(not line.overdue for line in listing.due),
        "later": len(listing.later),
    }
    counts = [translate(lang, COUNTS[key], num=n) for key, n in numbers.items() if n]
    macros = _macros()
    return {
        "feedback": _feedback(store, supporter, token, lang, args, today),
        "overview": macros.overview(
            text,
            text["heading_colon" if counts else "heading"],
            counts,
            groups,
            token,
            numbers["overdue"] > 0,
        )
        if groups
        else Markup(""),
        "digest": macros.digest(text, "digest-on?" + urlencode(query), token)
        if supporter.email and not supporter.digest
        else Markup(""),
    }


def _feedback(store: Store, supporter: Supporter, token: str, lang: str, args: Any, today: date) -> Markup:
    """What a close (``?closed=ID``) or a reopen (``?reopened=ID``) did, with Undo while a close
    can be undone (24 hours: the page can be reloaded, or opened again from the history)."""
    text = texts(lang, TEXT)
    closed, reopened = args.get("closed"), args.get("reopened")
    if closed:
        line = follow_ups.closed_recently(store, supporter, closed, today)
        if line is None:
            return Markup("")
        message = translate(lang, CLOSED, ending=text[line.state], day=line.occurred_on.isoformat())
        undo = f"follow-ups/{line.id}/reopen?lang={lang}"
        closing: Markup = _macros().feedback(text, message, undo, token)  # a macro: escaped
        return closing
    if reopened:
        try:
            line = follow_ups.following(store, supporter, reopened, today)
        except NotFoundError:
            return Markup("")
        message = translate(lang, REOPENED, day=line.occurred_on.isoformat())
        reopening: Markup = _macros().feedback(text, message, "", token)
        return reopening
    return Markup("")


# -- the questions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Questions:
    """A page's questions as HTML, in answering order, and their error summary."""

    title: str
    fields: Markup
    summary: Markup


def _part(form: Form, fields: list[Any]) -> Form:
    return Form(id=form.id, title=form.title, children=tuple(fields))


def questions(
    lang: str,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    *,
    line: follow_ups.Due | None,
    follows: str | None,
    logged: bool = False,
) -> Questions:
    """The log form's questions with the follow-up ones where a supporter needs them: what this
    follows (``line``; ``follows``: the id the log page posts back) and whether the student
    connected with the named service at the top, the due date right after "Did you plan a
    follow-up?". ``logged``: an entry's correction page (the entry logged ``line``)."""
    app = get_app()
    today = interactions.today(app.settings)
    log_form = interactions.log_form()
    extra = follow_ups.service_form(line.referral if line else None)
    by_id = {f.id: f for f in extra.children}
    children = list(log_form.children)
    split = next((n + 1 for n, f in enumerate(children) if f.id == "follow_up_planned"), len(children))
    before, after = children[:split], children[split:]
    uptake = [by_id[follow_ups.UPTAKE]] if line is not None and line.referral != "none" else []
    due = [by_id[follow_ups.DUE]]
    own = {k: v for k, v in errors.items() if k != follow_ups.FOLLOWS}
    start = app.settings.program_start  # an interaction's date: from then, to today
    html = Markup("").join(
        [
            _macros().context(
                _summary(LOGGED if logged else FOLLOWING, line, lang) if line else "",
                follows,
                errors.get(follow_ups.FOLLOWS, []),
            ),
            render_fields(_part(extra, uptake), values=values, errors=own, lang=lang),
            render_fields(
                _part(log_form, before), values=values, errors=own, lang=lang, today=today, min_date=start
            ),
            render_fields(_part(extra, due), values=values, errors=own, lang=lang, min_date=today),
            render_fields(
                _part(log_form, after), values=values, errors=own, lang=lang, today=today, min_date=start
            ),
        ]
    )
    everything = _part(log_form, [*uptake, *before, *due, *after])
    title = extra.title if line is not None and not logged else log_form.title
    return Questions(title.get(lang), html, error_summary(everything, errors, lang=lang))


# -- routes -------------------------------------------------------------------------------------


def _posted(allowed: set[str]) -> tuple[str, str, Any]:
    """The token, the language and the posted fields of a close or reopen (a form, or a JSON
    object of the ``allowed`` keys with ``Authorization: Bearer``)."""
    request = flask.request
    require_form_or_json(request)
    if request.mimetype == "application/json":
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        body = json_body(request, allowed)
        return (token.strip() if scheme.lower() == "bearer" else ""), pick_lang(request), body
    return request.form.get("t", ""), pick_lang(request), request.form


def _back(token: str, lang: str, **shown: str) -> werkzeug.Response:
    return flask.redirect("../../?" + urlencode({"t": token, "lang": lang, **shown}), 303)


@bp.route("/follow-ups/<follow_up_id>/close", methods=("POST",))
def close(follow_up_id: str) -> Any:
    token, lang, posted = _posted({"state"})
    app = get_app()
    supporter = supporter_service.authenticate(app.store, app.settings.secret_key, token)
    ended = follow_ups.close(
        app.store, supporter, follow_up_id, posted.get("state"), interactions.today(app.settings), lang
    )
    if flask.request.mimetype == "application/json":
        return {"id": ended.id, "state": ended.state}
    return _back(token, lang, closed=ended.id)


@bp.route("/follow-ups/<follow_up_id>/reopen", methods=("POST",))
def reopen(follow_up_id: str) -> Any:
    token, lang, _ = _posted(set())
    app = get_app()
    supporter = supporter_service.authenticate(app.store, app.settings.secret_key, token)
    opened = follow_ups.reopen(app.store, supporter, follow_up_id)
    if flask.request.mimetype == "application/json":
        return {"id": opened.id, "state": opened.state}
    return _back(token, lang, reopened=opened.id)


def _digest_page(lang: str, body: str, button: str | None = None, action: str = "") -> flask.Response:
    text = texts(lang, TEXT)
    return render_page(
        "follow_up_digest.html",
        lang=lang,
        heading=text["digest_title"],
        body=body,
        button=button,
        action=action,
    )


@bp.route("/digest-off", methods=("GET", "POST"))
def digest_off() -> flask.Response:
    """The weekly email's opt-out link: ``?k=`` a key that can only stop that email (the email
    never carries the supporter's log-in link in a header or a link that mail providers open)."""
    request = flask.request
    lang = pick_lang(request)
    app = get_app()
    key, token = request.args.get("k", ""), request.args.get("t", "")
    if token and not key:  # a link from an email sent before the key: the log-in token did it
        supporter = supporter_service.authenticate(app.store, app.settings.secret_key, token)
    else:
        try:
            supporter = supporter_service.by_id(app.store, read_digest_key(app.settings.secret_key, key))
        except (BadToken, NotFoundError):
            raise HttpError(404, "not_found") from None
    text = texts(lang, TEXT)
    if request.method == "POST":
        if request.mimetype == "application/json":
            no_body(request)  # the page's button and the one-click POST are forms
        follow_ups.set_digest(app.store, supporter, False)
        return _digest_page(lang, text["digest_off"])
    ask = {"k": key} if key else {"t": token}
    return _digest_page(
        lang, text["digest_ask"], text["digest_button"], "digest-off?" + urlencode({**ask, "lang": lang})
    )


@bp.route("/digest-on", methods=("POST",))
def digest_on() -> Any:
    """Back to the weekly email, from the supporter's form page (their token in field ``t``), or
    as JSON ``{}`` with the token as a bearer, like close and reopen."""
    token, lang, _ = _posted(set())
    app = get_app()
    supporter = supporter_service.authenticate(app.store, app.settings.secret_key, token)
    follow_ups.set_digest(app.store, supporter, True)
    if flask.request.mimetype == "application/json":
        return {"digest": True}
    return _digest_page(lang, texts(lang, TEXT)["digest_on"])
