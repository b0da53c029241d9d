"""Surveys: instances of a form for one cohort or year, and answering them through a link.

A survey is scheduled until ``opens``, open through ``closes`` (inclusive), closed once
``closes`` has passed or a coordinator closed it, and purged once its links are deleted.
Answering checks the link, validates against the form and then, in one atomic store write,
marks the link used and stores the answer sealed (``sealing.py``); the daily job releases
sealed answers into the answers in batches (``release.py``), with the day of release only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from shared.config import Settings
from shared.errors import (
    AlreadyAnswered,
    BlankAnswer,
    Conflict,
    Invalid,
    SurveyClosed,
    SurveyNotOpen,
    UnknownLink,
)
from shared.forms import FormInvalid, ValidationContext, load_form, validate
from shared.forms.messages import message
from shared.forms.model import FormDefinitionError
from shared.i18n import N_
from shared.records import NO_COMPARISON, Survey
from shared.services.links import SENSITIVE_NOTICE as SENSITIVE_NOTICE  # the survey page's too
from shared.services.links import (
    SURVEY_ID,
    USE_SURVEY_ID,
    change_survey,
    find_survey,
    is_token,
    purge_due,
    token_hash,
)
from shared.services.sealing import seal
from shared.store.port import AlreadyExists, NotFound, Store
from shared.text import ECHO_MOST, cut, shown

DEFAULT_FORM = "end_of_year_survey"
MAX_ECHOED = 10  # unknown names an error lists
K10 = "k10"


def today_in(settings: Settings) -> date:
    """Today in the program's time zone: the only time an answer records."""
    return datetime.now(settings.timezone).date()


# -- errors a student can meet --------------------------------------------------------------


NO_LINK = N_("There is no survey at this link.")
USED_LINK = N_("This link was already used to answer. Thank you!")


# -- lifecycle --------------------------------------------------------------------------------


def state_of(survey: Survey, today: date) -> str:
    """One of ``scheduled``, ``open``, ``closed``, ``purged``."""
    if survey.purged_on is not None:
        return "purged"
    if survey.closed_on is not None or (survey.closes is not None and survey.closes < today):
        return "closed"
    if survey.opens is not None and survey.opens > today:
        return "scheduled"
    return "open"


def sections_of(survey: Survey) -> frozenset[str]:
    """The form's blocks (switchable sections) this survey asks."""
    return survey.asked_blocks()


def check_blocks(form_name: str, blocks: object) -> tuple[str, ...]:
    """The blocks as a tuple in the form's order; :class:`Invalid` names any unknown one and lists
    the form's available blocks."""
    if (
        isinstance(blocks, str)
        or not isinstance(blocks, (list, tuple))
        or not all(isinstance(b, str) for b in blocks)
    ):
        raise Invalid(
            N_("blocks must be a list of block names."),
            errors={"blocks": [N_("Give a list of block names.")]},
        )
    available = load_form(form_name).blocks()
    if unknown := sorted(set(blocks) - set(available)):
        listed = ", ".join(available) or "none"
        # The names are the caller's: each repeated cut short, and at most a few of them.
        named = ", ".join(cut(name) for name in unknown[:MAX_ECHOED]) + (
            f" (+{len(unknown) - MAX_ECHOED})" if len(unknown) > MAX_ECHOED else ""
        )
        raise Invalid(
            N_("Unknown block(s) %(unknown)s for form %(form)r. Available blocks: %(listed)s."),
            params={"unknown": named, "form": cut(form_name), "listed": listed},
            code="unknown_block",
            errors={"blocks": [N_("Choose among the available blocks.")]},
        )
    return tuple(b for b in available if b in blocks)


def _date(value: object, name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise Invalid(
        N_("%(name)s must be a date as YYYY-MM-DD, not %(value)r."),
        params={"name": name, "value": str(value)[:40]},
        errors={name: [N_("Enter a date as YYYY-MM-DD.")]},
    )


def check_form(form_name: object, k10: bool) -> None:
    """The form exists, and has a K10 section when the survey asks it."""
    if not isinstance(form_name, str):
        raise Invalid(
            N_("The form must be a form's name."), errors={"form": [N_("Give a form name, as text.")]}
        )
    try:
        form = load_form(form_name)
    except FormDefinitionError as exc:
        why = str(exc) if len(form_name) <= ECHO_MOST else "not a form name"  # never echoed whole
        raise Invalid(
            N_("No usable form %(form)s: %(problem)s"),
            params={"form": shown(form_name), "problem": why},
            errors={"form": [why]},
        ) from None
    if form.purpose != "survey":
        raise Invalid(
            N_("Form %(form)r is not a survey form."),
            params={"form": form_name},
            errors={"form": [N_("Choose a survey form (one whose definition says purpose: survey).")]},
        )
    if k10 and K10 not in form.blocks():
        raise Invalid(
            N_("Form %(form)r has no K10 section."),
            params={"form": form_name},
            errors={"k10": [N_("This form has no K10 section.")]},
        )


def create_survey(
    store: Store,
    survey_id: object,
    *,
    form: object = DEFAULT_FORM,
    opens: object = None,
    closes: object = None,
    k10: object = False,
    blocks: object = (),
    today: date,
    past_ok: bool = False,
) -> Survey:
    """Create a survey asking the form's ``blocks`` (``k10=True`` is the same as the block "k10").

    :class:`Invalid` on a bad id, date, form or block, :class:`Conflict` if the id is taken.
    ``past_ok``: allow a closing date in the past, for a survey whose answers will be imported
    (last year's survey entered with its real dates)."""
    if not isinstance(survey_id, str) or not SURVEY_ID.fullmatch(survey_id):
        raise Invalid(
            N_(
                "The survey id must be 1 to 40 lowercase letters, digits, '-' or '_', not both starting and ending with '__'."
            ),
            errors={"id": [USE_SURVEY_ID]},
        )
    if survey_id == NO_COMPARISON:
        raise Invalid(
            N_("%(id)r cannot be a survey id: reports read it as no comparison."),
            params={"id": NO_COMPARISON},
            errors={"id": [N_("Choose another id.")]},
        )
    if not isinstance(k10, bool):
        raise Invalid(N_("k10 must be true or false."), errors={"k10": [N_("Use true or false.")]})
    first, last = _date(opens, "opens"), _date(closes, "closes")
    if first and last and first > last:
        raise Invalid(
            N_("The survey cannot open (%(opens)s) after it closes (%(closes)s)."),
            params={"opens": first, "closes": last},
            errors={"closes": [N_("Must not be before opens.")]},
        )
    if last and last < today and not past_ok:
        raise Invalid(
            N_("The closing date %(closes)s has already passed."),
            params={"closes": last},
            errors={"closes": [N_("Must not be in the past.")]},
        )
    check_form(form, k10)
    asked = check_blocks(str(form), [*blocks, K10] if k10 and isinstance(blocks, (list, tuple)) else blocks)
    survey = Survey(
        id=survey_id,
        form=str(form),
        opens=first,
        closes=last,
        k10=K10 in asked,
        blocks=asked,
        created_on=today,
    )
    try:
        store.add_survey(survey)
    except AlreadyExists:
        raise Conflict(
            N_("A survey %(survey)r already exists."), params={"survey": survey_id}, code="survey_exists"
        ) from None
    return survey


get_survey = find_survey


def set_blocks(store: Store, survey_id: object, blocks: object, today: date) -> Survey:
    """Change which blocks a survey asks, only while nobody can have answered it.

    Blocks are fixed once the survey opens: a student's answers must all have been asked the
    same questions, so a change after opening, or once any answer (sealed, released or
    imported) exists, is a :class:`Conflict`. Checked against the survey as read and written
    only over it: an import counts its answers on the survey in the same write as them, so one
    landing between this check and this write fails the write, which checks again.
    """
    asked = check_blocks(get_survey(store, survey_id).form, blocks)

    def change(survey: Survey) -> Survey:
        if frozenset(asked) == sections_of(survey):
            return survey  # asking again for what is already set changes nothing
        why = blocks_fixed_because(store, survey, today)
        if why:
            raise Conflict(why, params={"survey": survey.id}, code="blocks_fixed")
        return replace(survey, blocks=asked, k10=K10 in asked)

    # Written only over the survey as checked: a close or links issued meanwhile is never undone.
    return change_survey(store, survey_id, change)


def blocks_fixed_because(store: Store, survey: Survey, today: date) -> str:
    """Why the survey's blocks can no longer change, as the conflict's message, or ""."""
    state = state_of(survey, today)
    if state == "open":
        return N_(
            "Survey %(survey)r has opened, so its blocks are fixed; create a new survey to ask other blocks."
        )
    if state in ("closed", "purged"):
        return N_(
            "Survey %(survey)r is closed, so its blocks are fixed; create a new survey to ask other blocks."
        )
    # The count of imported answers is on the survey itself, so the conditional write of the
    # blocks (change_survey) fails when an import lands after this read; the counts below find
    # answers stored earlier (released, sealed, or imported before the count was kept).
    if survey.answers_imported or store.count_answers(survey.id) or store.count_sealed(survey.id):
        return N_(
            "Survey %(survey)r has answers, so its blocks are fixed; create a new survey to ask other blocks."
        )
    return ""


@dataclass(frozen=True)
class SurveyStatus:
    survey: Survey
    state: str
    answers: int  # released: what reports and exports count
    pending: int  # sealed, waiting for a release (see shared/services/release.py)

    def as_dict(self) -> dict[str, Any]:
        s = self.survey
        return {
            "id": s.id,
            "form": s.form,
            "opens": s.opens.isoformat() if s.opens else None,
            "closes": s.closes.isoformat() if s.closes else None,
            "k10": s.k10,
            "blocks": sorted(sections_of(s)),
            "excluded": s.excluded,  # left out of the report's default choices
            "state": self.state,
            "closed_on": s.closed_on.isoformat() if s.closed_on else None,
            "purged_on": s.purged_on.isoformat() if s.purged_on else None,
            "links_issued": s.links_issued,
            "answers": self.answers,
            "pending": self.pending,
        }


def status(store: Store, survey: Survey, today: date) -> SurveyStatus:
    return SurveyStatus(
        survey, state_of(survey, today), store.count_answers(survey.id), store.count_sealed(survey.id)
    )


def list_surveys(store: Store, settings: Settings, today: date) -> list[SurveyStatus]:
    """Every survey with its state and counts, after purging those whose grace period is over."""
    purge_due(store, settings, today)
    return [status(store, s, today) for s in store.list_surveys()]


def close_survey(store: Store, settings: Settings, survey_id: object, today: date) -> SurveyStatus:
    """Stop taking answers now; the links are purged after ``purge_grace_days`` (now when 0)."""
    survey = change_survey(store, survey_id, lambda s: replace(s, closed_on=s.closed_on or today))
    purge_due(store, settings, today)
    return status(store, get_survey(store, survey.id), today)


def set_excluded(store: Store, survey_id: object, excluded: bool) -> Survey:
    """Leave a survey out of the report's default choices (a test or pilot survey), or put it
    back: an excluded survey is never the current survey nor the one compared with unless a
    report names it (``survey``, ``compare``)."""
    if not isinstance(excluded, bool):
        raise Invalid("excluded must be true or false.", errors={"excluded": ["Use true or false."]})
    return change_survey(store, survey_id, lambda s: replace(s, excluded=excluded))


def delete_survey(store: Store, survey_id: object) -> None:
    """Delete a survey that has no answers (a mistake, say), with its links; :class:`Conflict`
    when it has answers (close and purge it instead)."""
    survey = get_survey(store, survey_id)
    try:
        deleted = store.delete_survey(survey.id)
    except NotFound:  # deleted meanwhile by someone else: the same end
        return
    if not deleted:
        raise Conflict(
            N_("Survey %(survey)r has answers: close or purge it instead."),
            params={"survey": survey.id},
            code="survey_has_answers",
        )


# -- answering --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ballot:
    """A link that may be answered now: its survey, form and sections."""

    survey: Survey
    form: Any  # shared.forms.Form
    sections: frozenset[str]
    link_hash: str


def open_ballot(store: Store, token: str, today: date) -> Ballot:
    """The ballot behind ``token``, or why it cannot be answered (404, 410 or 403)."""
    if not isinstance(token, str) or not is_token(token):
        raise UnknownLink(NO_LINK)
    link_hash = token_hash(token)
    link = store.get_link(link_hash)
    survey = store.get_survey(link.survey_id) if link is not None else None
    if link is None or survey is None:
        raise UnknownLink(NO_LINK)
    if store.is_redeemed(link_hash):
        raise AlreadyAnswered(USED_LINK)
    state = state_of(survey, today)
    if state == "scheduled":
        raise SurveyNotOpen(survey)
    if state != "open":
        raise SurveyClosed(survey)

    return Ballot(survey, load_form(survey.form), sections_of(survey), link_hash)


def needs_support(ballot: Ballot, answers: Mapping[str, Any]) -> bool:
    """True when the answers fall where a block's instrument wants the student to see the support
    resources (PHQ-9 item 9 above "not at all", a K10 total in the highest band). Computed for the
    thank-you page only: nothing about it is stored or sent anywhere."""
    return any(
        s.instrument is not None and s.instrument.needs_support(answers)
        for s in ballot.form.sections
        if s.id in ballot.sections
    )


CONFIRM_BLANK = "confirm_blank"  # sent (as "1" or true) with an answer the student confirmed blank


def is_blank(clean: Mapping[str, Any]) -> bool:
    """True when a validated answer answers nothing (a matrix with no service answered included)."""
    return not any(value not in (None, "", [], {}) for value in clean.values())


def answer(
    store: Store,
    ballot: Ballot,
    data: Mapping[str, Any],
    lang: str,
    today: date,
    secret_key: str,
    *,
    confirmed_blank: bool = False,
) -> bool:
    """Validate ``data`` and store it, sealed under ``secret_key``, using the ballot's link up.

    Returns :func:`needs_support` of the answers, for the thank-you page. :class:`Invalid` (with
    per-question ``errors``) stores nothing; an answer with nothing in it gives
    :class:`BlankAnswer` unless confirmed (``confirmed_blank``, or ``confirm_blank`` in a JSON
    body); a link used meanwhile, even by a concurrent request, gives :class:`AlreadyAnswered`.
    """

    data = dict(data)
    confirmed_blank = confirmed_blank or data.pop(CONFIRM_BLANK, None) in (True, "1")
    try:
        clean = validate(
            ballot.form, data, ValidationContext(lang=lang, today=today, sections=ballot.sections)
        )
    except FormInvalid as exc:
        raise Invalid(N_("Some answers need a look."), errors=exc.errors) from None
    if is_blank(clean) and not confirmed_blank:
        text = message("confirm_blank", lang)
        raise BlankAnswer(text, errors={CONFIRM_BLANK: [text]})
    # Sealed, under a random id: what is stored beside the redemption cannot be read, and the
    # answer it holds is released later, in a batch, under another id (``release.py``).
    try:
        store.redeem(ballot.link_hash, seal(secret_key, ballot.survey.id, clean))
    except AlreadyExists:
        raise AlreadyAnswered(USED_LINK) from None
    return needs_support(ballot, clean)


def submit_answer(
    store: Store,
    token: str,
    data: Mapping[str, Any],
    lang: str,
    today: date,
    secret_key: str,
    *,
    confirmed_blank: bool = False,
) -> Ballot:
    """:func:`open_ballot` then :func:`answer`: answer the survey behind ``token``."""
    ballot = open_ballot(store, token, today)
    answer(store, ballot, data, lang, today, secret_key, confirmed_blank=confirmed_blank)
    return ballot
