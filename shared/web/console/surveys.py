"""The Surveys page: create, issue anonymous links as CSV, invite and remind from an uploaded
list (with a preview before anything is sent), close, purge, and leave a pilot out of the
report's default choices. Every action calls :mod:`shared.services.surveys` or
:mod:`shared.services.links`. Blocks are shown to coordinators by their instruments' names
(K10, PHQ-9...), never by the students' wording of their questions."""

from __future__ import annotations

from typing import Any

import flask
from flask_babel import gettext as _

from shared.errors import Conflict, Invalid
from shared.forms import load_form
from shared.records import Survey
from shared.services import links, surveys
from shared.web.console.blueprint import bp, coordinator_only, field_errors, page, pick_locale, record
from shared.web.console.context import now
from shared.web.context import get_app


def _today() -> Any:
    return now().astimezone(get_app().settings.timezone).date()


def listing(status: int = 200, **context: Any) -> flask.Response:
    app = get_app()
    found = surveys.list_surveys(app.store, app.settings, _today())
    return page(
        "surveys.html",
        status=status,
        surveys=found,
        asked={s.survey.id: asked_blocks(s.survey) for s in found},
        blocks=_blocks(),
        **context,
    )


def _name(form_name: str, block: str) -> tuple[str, str]:
    """A block's name and one-line description for coordinators, in the page's language."""
    lang = str(pick_locale())
    section = load_form(form_name).section(block)
    if section.instrument is None:  # a switchable section of a form's own, not an instrument
        return section.label.get(lang), ""
    return section.instrument.name.get(lang), section.instrument.about.get(lang)


def _blocks() -> list[tuple[str, str, str]]:
    """The survey form's optional blocks (``forms/blocks/``): id, name and description."""
    return [
        (block, *_name(surveys.DEFAULT_FORM, block)) for block in load_form(surveys.DEFAULT_FORM).blocks()
    ]


def asked_blocks(survey: Survey) -> list[str]:
    """The names of the blocks the survey asks, in its form's order (K10, PHQ-9...)."""
    asked = surveys.sections_of(survey)
    return [_name(survey.form, block)[0] for block in load_form(survey.form).blocks() if block in asked]


def detail(survey_id: str, status: int = 200, **context: Any) -> flask.Response:
    app = get_app()
    survey = links.find_survey(app.store, survey_id)
    return page(
        "survey.html",
        status=status,
        s=surveys.status(app.store, survey, _today()),
        asked=asked_blocks(survey),
        small_cell=app.settings.small_cell,
        **context,
    )


@bp.route("/surveys")
@coordinator_only
def surveys_page() -> Any:
    return listing()


@bp.route("/surveys", methods=("POST",))
@coordinator_only
def create_survey() -> Any:
    form = flask.request.form
    try:
        survey = surveys.create_survey(
            get_app().store,
            form.get("id", "").strip(),
            opens=form.get("opens", ""),
            closes=form.get("closes", ""),
            k10=form.get("k10") == "on",  # the older page's checkbox, still understood
            blocks=form.getlist("block"),
            today=_today(),
            past_ok=form.get("past") == "on",
        )
    except Invalid as error:
        return listing(400, form=form, errors=field_errors(error.errors))
    record("survey_created", survey.id)
    return detail(survey.id, 201, notice=_("Survey %(id)s created.", id=survey.id))


@bp.route("/surveys/<survey_id>")
@coordinator_only
def survey(survey_id: str) -> Any:
    return detail(survey_id)


@bp.route("/surveys/<survey_id>/links", methods=("POST",))
@coordinator_only
def download_links(survey_id: str) -> Any:
    app = get_app()
    raw = flask.request.form.get("count", "")
    try:
        issued = links.issue_links(
            app.store, app.settings, survey_id, int(raw) if raw.strip().isdigit() else raw, _today()
        )
    except Invalid as error:
        return detail(survey_id, 400, form=flask.request.form, errors=field_errors(error.errors))
    record("survey_links_issued", f"{survey_id}: {len(issued)}")
    body = "link\r\n" + "".join(f"{link}\r\n" for link in issued)
    return flask.Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{survey_id}-links.csv"'},
    )


def _uploaded() -> tuple[list[str], list[str]] | str:
    """The uploaded list's (good addresses, bad lines), or why it cannot be read."""
    upload = flask.request.files.get("addresses")
    if upload is None or not upload.filename:
        return _("Choose a CSV file with an email column, or one address per line.")
    data = upload.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _("This file is not UTF-8 text. Save it as CSV UTF-8 and upload it again.")
    if "\x00" in text:
        return _("This is not a CSV file.")
    good, bad = links.preview_addresses(text)
    if len(good) > links.MAX_ADDRESSES:  # said now, not after a "Send" that Confirm would refuse
        return _(
            "This file has %(n)s addresses; at most %(max)s can be sent at a time. Split it and upload each part.",
            n=len(good),
            max=links.MAX_ADDRESSES,
        )
    return good, bad


def _mailing(survey_id: str, reminder: bool) -> Any:
    app = get_app()
    form = flask.request.form
    if form.get("confirm") != "1":
        found = _uploaded()
        if isinstance(found, str):
            return detail(survey_id, 400, errors={"addresses": [found]})
        good, bad = found
        send, skipped = links.plan_mailing(app.store, app.settings, survey_id, good, reminder, _today())
        return page(
            "survey_mailing.html",
            survey_id=survey_id,
            reminder=reminder,
            good=good,
            bad=bad,
            send=send,
            skipped=skipped,
        )
    addresses = links.clean_addresses((a, "line") for a in form.get("emails", "").split())
    run = (links.remind if reminder else links.invite)(
        app.store, app.settings, app.mailer, survey_id, addresses, _today()
    )
    record(
        "survey_reminded" if reminder else "survey_invited",
        f"{survey_id}: {run.sent} sent, {len(run.failed)} failed",
    )
    return detail(survey_id, run=run, reminder=reminder)


@bp.route("/surveys/<survey_id>/invite", methods=("POST",))
@coordinator_only
def invite(survey_id: str) -> Any:
    return _mailing(survey_id, reminder=False)


@bp.route("/surveys/<survey_id>/remind", methods=("POST",))
@coordinator_only
def remind(survey_id: str) -> Any:
    return _mailing(survey_id, reminder=True)


@bp.route("/surveys/<survey_id>/exclude", methods=("POST",))
@coordinator_only
def exclude(survey_id: str) -> Any:
    """Leave the survey out of the report's default choices (a pilot), or put it back."""
    leave_out = flask.request.form.get("excluded") == "1"
    survey = surveys.set_excluded(get_app().store, survey_id, leave_out)
    state = "left out of" if survey.excluded else "back in"
    record("survey_changed", f"{survey_id}: {state} the report's default choices")
    notice = (
        _("Survey %(id)s is left out of the report's default choices.", id=survey_id)
        if survey.excluded
        else _("Survey %(id)s is among the report's default choices again.", id=survey_id)
    )
    return detail(survey_id, notice=notice)


@bp.route("/surveys/<survey_id>/close", methods=("POST",))
@coordinator_only
def close(survey_id: str) -> Any:
    app = get_app()
    before = links.find_survey(app.store, survey_id)
    surveys.close_survey(app.store, app.settings, survey_id, _today())
    if before.closed_on is None:
        record("survey_closed", survey_id)
    return detail(survey_id, notice=_("Survey %(id)s is closed.", id=survey_id))


def confirmed(survey_id: str) -> bool:
    """Whether this POST comes from the confirmation page (one click on the survey page only
    asks; no JavaScript needed). The survey must exist either way (404 otherwise)."""
    links.find_survey(get_app().store, survey_id)
    return flask.request.form.get("confirm") == "1"


@bp.route("/surveys/<survey_id>/purge", methods=("POST",))
@coordinator_only
def purge(survey_id: str) -> Any:
    app = get_app()
    if not confirmed(survey_id):
        return page(
            "confirm.html",
            heading=_("Delete the links and invitations of %(id)s?", id=survey_id),
            message=_(
                "Every unused link stops working and the list of invited addresses is deleted; students who have not answered can no longer answer. The answers stay. This cannot be undone."
            ),
            button=_("Delete links and invitations"),
            action=flask.url_for("console.purge", survey_id=survey_id),
            back=flask.url_for("console.survey", survey_id=survey_id),
        )
    _survey, deleted = links.purge(app.store, app.settings, survey_id, _today())
    record("survey_purged", f"{survey_id}: {deleted} links")
    return detail(
        survey_id, notice=_("Links and invitations of %(id)s deleted; the answers stay.", id=survey_id)
    )


@bp.route("/surveys/<survey_id>/delete", methods=("POST",))
@coordinator_only
def delete(survey_id: str) -> Any:
    if not confirmed(survey_id):
        return page(
            "confirm.html",
            heading=_("Delete survey %(id)s?", id=survey_id),
            message=_("The survey and its unused links are deleted. This cannot be undone."),
            button=_("Delete this survey"),
            action=flask.url_for("console.delete", survey_id=survey_id),
            back=flask.url_for("console.survey", survey_id=survey_id),
        )
    try:
        surveys.delete_survey(get_app().store, survey_id)
    except Conflict:
        return detail(survey_id, 409, warning=_("This survey has answers: close or purge it instead."))
    record("survey_deleted", survey_id)
    return listing(notice=_("Survey %(id)s deleted.", id=survey_id))
