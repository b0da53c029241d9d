"""The ``survey`` function: the end-of-year survey behind a single-use link.

Routes (relative to the function's root): ``GET /<TOKEN>`` the survey, ``POST /<TOKEN>`` an
answer (an HTML form, or JSON: the answers object), ``GET /thanks`` the thank-you page. The
page has no script and no action URL: the form posts back to the address it was opened at,
so the token appears only in the address bar, never in the HTML. The work is in
:mod:`shared.services.surveys`; this module parses, maps errors and renders.
"""

from __future__ import annotations

import json
from typing import Any

import flask
import werkzeug
from werkzeug.exceptions import MethodNotAllowed

from shared.error_table import outcome_for
from shared.errors import Invalid, ServiceError
from shared.forms import error_summary, render_fields
from shared.i18n import N_, translate, translate_plural
from shared.records import Survey
from shared.services import surveys
from shared.web.context import get_app
from shared.web.errors import HttpError, message_in
from shared.web.http import error_response, json_body, require_form_or_json, wants_json
from shared.web.pages import LANGUAGE_NAMES, other_lang, pick_lang, remember_lang, render_page, texts

PAGE_FIELDS = ("lang", surveys.CONFIRM_BLANK)  # the page's own names, not answers
THANKED = ("thanks", "already_answered")  # notices headed "Thank you!", the others "Sorry"
THANKS = "thanks"  # the thank-you page: a fixed name no 43-character token can equal
# Where the thank-you redirect points. The support resources are asked for in the fragment, which a
# browser never sends: no server, proxy or log learns which student saw them. Both are 10 characters,
# so the redirect's length does not tell them apart either.
FRAGMENT = {False: "#thank-you", True: "#resources"}
# Why a link cannot be answered now: each is a page of its own (404, 410 or 403), not an error.
REFUSALS = (surveys.UnknownLink, surveys.AlreadyAnswered, surveys.SurveyNotOpen, surveys.SurveyClosed)

# The pages' words: English msgids of the one catalogue (shared/translations), French there.
TEXT: dict[str, str] = {
    "intro": N_(
        "This survey is anonymous: your answers are stored without your name, your email "
        "address or this link, so nobody can tell which answers are yours. Every question may be "
        "skipped. This link works once."
    ),
    "send": N_("Send my answers"),
    "send_blank": N_("Send without answers"),
    "thanks": N_("Thank you!"),
    "thanks_body": N_("Your answers were received. You can close this page."),
    "support_heading": N_("Support is here for you"),
    "not_found": N_("Sorry"),
}
# What each refusal (its error code) says to the student, instead of the service's message.
REFUSED = {
    "already_answered": N_("You have already answered this survey with this link. Thank you!"),
    "unknown_link": N_(
        "This link does not open a survey. If the survey has ended, it is closed and its links no longer work; otherwise, check that you opened the whole link from your email."
    ),
    "survey_not_open": N_("This survey is not open yet."),
    "survey_closed": N_("This survey is closed. Thank you for your interest."),
}
OPENS = N_("It opens on %(day)s.")

CLOSES = N_("It closes on %(day)s.")
CLOSED_ON = N_("It closed on %(day)s.")


bp = flask.Blueprint("survey", __name__)


@bp.after_app_request
def keep_language(response: flask.Response) -> flask.Response:
    """A language picked with ``?lang=`` is kept for the next visit (a reopened link comes back
    in it), in a cookie of this function's path that holds only the language."""
    remember_lang(response, flask.request)
    return response


def refused(error: ServiceError) -> flask.Response:
    """Why this link cannot be answered, as a page (browsers) or JSON with the dates."""
    request = flask.request
    lang = pick_lang(request)
    outcome = outcome_for(error)
    assert outcome is not None  # the error table has a row for ServiceError itself
    status = outcome.status
    survey: Survey | None = getattr(error, "survey", None)
    body = translate(lang, REFUSED[error.code]) if error.code in REFUSED else message_in(error, lang)
    if survey is not None:
        body = f"{body} {_dates(survey, lang, closed=error.code == 'survey_closed')}".strip()
    if wants_json(request):
        extra = {}
        if survey is not None:
            extra = {
                "opens": survey.opens.isoformat() if survey.opens else None,
                "closes": survey.closes.isoformat() if survey.closes else None,
            }
        return error_response(request, HttpError(status, error.code, body, extra=extra))
    return _notice(lang, error.code, status, body)


for _refusal in REFUSALS:
    bp.register_error_handler(_refusal, refused)


@bp.route("/thanks", methods=("GET",))
def thanks() -> flask.Response:
    lang = pick_lang(flask.request)
    settings = get_app().settings
    # Every student gets the same page; only "#resources" (never sent here) makes its
    # support section show, prominently, by CSS :target, with no script.
    switch = _switch(lang)
    support = {
        "switch": switch["href"] + FRAGMENT[True],
        "heading": translate(lang, TEXT["support_heading"]),
        "resources": settings.support_resources[lang],
        "crisis": settings.crisis_line[lang],
    }
    # The language links keep the fragment the student came with, so a change of language
    # neither hides the resources from one who was shown them nor shows them to another.
    switch["href"] += FRAGMENT[False]
    return _notice(lang, "thanks", 200, translate(lang, TEXT["thanks_body"]), support=support, switch=switch)


@bp.route("/<token>/", methods=("GET", "POST"))
def with_slash(token: str) -> werkzeug.Response:
    if not surveys.is_token(token):
        raise HttpError(404, "not_found")
    # Relative links ("thanks") are made for /<TOKEN>: send /<TOKEN>/ there, keeping the method.
    query = flask.request.query_string.decode("ascii", "replace")
    return flask.redirect(f"../{token}" + (f"?{query}" if query else ""), 308)


@bp.route("/<token>", methods=("GET",))
def survey_page(token: str) -> flask.Response:
    app = get_app()
    ballot = surveys.open_ballot(app.store, token, surveys.today_in(app.settings))
    return _render_survey(ballot, pick_lang(flask.request), {}, {})


@bp.route("/<token>", methods=("POST",))
def submit(token: str) -> Any:
    request = flask.request
    if token == THANKS:  # the thank-you page's own address only takes GET
        raise MethodNotAllowed(valid_methods=["GET", "HEAD"])
    require_form_or_json(request)
    app = get_app()
    lang = pick_lang(request)
    today = surveys.today_in(app.settings)
    as_json = request.mimetype == "application/json"
    # The link is checked first: a used or unknown link says so, whatever was sent.
    ballot = surveys.open_ballot(app.store, token, today)
    data = json_body(request) if as_json else ballot.form.parse_html(request.form, ignore=PAGE_FIELDS)
    try:
        confirmed = not as_json and flask.request.form.get(surveys.CONFIRM_BLANK) == "1"
        support = surveys.answer(
            app.store, ballot, data, lang, today, app.settings.secret_key, confirmed_blank=confirmed
        )
    except Invalid as error:
        if as_json:
            raise
        blank = error.code == surveys.BlankAnswer.code
        return _render_survey(ballot, lang, data, error.errors or {}, status=400, confirm_blank=blank)
    if as_json:
        return _stored(support)
    # Relative to /<TOKEN>, "thanks" is /thanks: a fixed name no 43-character token can equal.
    return flask.redirect(f"thanks?lang={lang}{FRAGMENT[support]}", 303)


def _stored(support: bool) -> flask.Response:
    """The JSON reply to a stored answer. ``true`` is a byte shorter than ``false``, so the body
    is padded with JSON whitespace to one length: a network observer, who sees lengths through
    TLS, cannot tell which students are told to show the support resources (the HTML redirects
    are the same length already: see :data:`FRAGMENT`)."""
    width = max(len(_reply_text(shown)) for shown in (False, True))
    body = _reply_text(support).ljust(width) + "\n"
    return flask.Response(body, status=201, mimetype="application/json")


def _reply_text(support: bool) -> str:
    return json.dumps({"show_support": support, "status": "stored"}, separators=(",", ":"))


# -- pages ----------------------------------------------------------------------------------
def _switch(lang: str) -> dict[str, str]:
    other = other_lang(lang)
    return {"href": f"?lang={other}", "lang": other, "text": LANGUAGE_NAMES[other]}


def _dates(survey: Survey, lang: str, closed: bool) -> str:
    parts = []
    if survey.opens and not closed:
        parts.append(translate(lang, OPENS, day=survey.opens.isoformat()))
    if closed and survey.closed_on:
        parts.append(translate(lang, CLOSED_ON, day=survey.closed_on.isoformat()))
    elif survey.closes:
        parts.append(translate(lang, CLOSES, day=survey.closes.isoformat()))
    return " ".join(parts)


def _notice(
    lang: str,
    code: str,
    status: int,
    body: str,
    heading: str | None = None,
    support: dict[str, str] | None = None,
    switch: dict[str, str] | None = None,
) -> flask.Response:
    return render_page(
        "survey_notice.html",
        lang=lang,
        status=status,
        heading=heading or translate(lang, TEXT["thanks" if code in THANKED else "not_found"]),
        body=body,
        switch=switch or _switch(lang),
        support=support,
    )


def _render_survey(
    ballot: surveys.Ballot,
    lang: str,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    status: int = 200,
    confirm_blank: bool = False,
) -> flask.Response:
    # Asking to confirm a blank answer is a question of the page, not a mistake in a field: it
    # gets its own heading and button, never the fields' "Please correct the following".
    asked = errors.get(surveys.CONFIRM_BLANK, []) if confirm_blank else []
    errors = {k: v for k, v in errors.items() if k != surveys.CONFIRM_BLANK} if confirm_blank else errors
    fields = render_fields(ballot.form, values=values, errors=errors, lang=lang, sections=ballot.sections)
    minutes = ballot.form.minutes_with(ballot.sections)
    sensitive = ballot.form.sensitive_with(ballot.sections)
    return render_page(
        "survey_form.html",
        lang=lang,
        status=status,
        title=ballot.form.title.get(lang),
        text=texts(lang, TEXT),
        dates=_dates(ballot.survey, lang, closed=False),
        # How long, with the survey's blocks, and what they ask about (before the questions).
        takes=translate_plural(
            lang, "It takes about %(num)s minute.", "It takes about %(num)s minutes.", minutes
        )
        if minutes
        else "",
        sensitive=translate(lang, surveys.SENSITIVE_NOTICE[sensitive]) if sensitive else "",
        fields=fields,
        # Nothing answered is a question, not an error: asked in a notice, the summary otherwise.
        summary=""
        if confirm_blank
        else error_summary(ballot.form, errors, lang=lang, sections=ballot.sections),
        blank=" ".join(errors.get(surveys.CONFIRM_BLANK, [])) if confirm_blank else "",
        confirm_blank=confirm_blank,
        confirm_question=asked[0] if asked else "",
        switch=_switch(lang),
    )
