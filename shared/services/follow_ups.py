"""Follow-ups (issue 14): planned with an interaction, logged as a new interaction that
``follows`` it, or closed as "not needed" / "could not reach" (a close can be undone for 24
hours, like a correction); and, for a follow-up of a referral, whether the student connected
with the service.

The log page sends three fields besides the log form's answers (``forms/follow_up.yaml``):
``follow_up_due`` (a date; by default a week after the interaction, never before today),
``follows`` (the id of one of the supporter's own interactions with an open follow-up) and
``referral_uptake``. They are checked here and kept in :class:`~shared.records.FollowUp`
records, never in the interaction's answers, so the report, exports and tallies read the same
answers as before. Nothing about the student is stored: the supporter, the dates, the referral's
destination and its outcome. Corrections keep the records in step:
:mod:`shared.services.follow_up_corrections`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.errors import Conflict, Forbidden, Invalid, KeyReused, NotFoundError
from shared.forms import Form, FormInvalid, Label, ValidationContext, load_form
from shared.forms import validate as validate_form
from shared.i18n import N_, translate
from shared.records import FollowUp, Interaction, Supporter
from shared.report.follow_up_counts import ENDINGS, LONGEST_DAYS
from shared.services import interactions
from shared.services.supporters import change_supporter
from shared.store.port import Store

FORM = "follow_up"  # forms/follow_up.yaml: the due date and the referral's uptake
FOLLOWS = "follows"
DUE = "follow_up_due"
UPTAKE = "referral_uptake"
EXTRA_FIELDS = (DUE, FOLLOWS, UPTAKE)
SERVICE = "{service}"  # in the uptake question: the referral's destination, named on the page
DEFAULT_DAYS = 7
ENTERED_ON = "entered_on"  # beside the answers: the day the entry was made (the offline queue's)
QUEUE_DAYS = 30  # how far back an entry's own day is believed (see :func:`entry_day`)
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
UNDO_WINDOW = interactions.EDIT_WINDOW  # a close can be undone as long as an entry can be changed

# English msgids of the one catalogue (shared/translations), French there. A field's message is
# translated here (the page shows it beside the field); an error's, at the edge.
MESSAGES = {
    "not_yours": N_("This is not one of your interactions with a follow-up planned."),
    "ended": N_("This follow-up was already logged or closed."),
    "own": N_("An interaction cannot follow itself."),
    "no_referral": N_("The interaction this follows made no referral."),
    "bad_ending": N_("Close a follow-up as not_needed or could_not_reach."),
    "too_far": N_("Choose a date within %(days)s days."),
    "invalid": N_("Some answers need a look."),
    "before_original": N_("A follow-up cannot be dated before the interaction it follows (%(day)s)."),
    "after_follow_up": N_("This interaction cannot be dated after the follow-up you logged of it (%(day)s)."),
    "logged_already": N_(
        "You already logged a follow-up of this interaction. If none was planned, delete that entry first."
    ),
    "not_closed": N_("This follow-up is not closed, so there is nothing to undo."),
    "entered_on": N_("Give the day the entry was made as a date (YYYY-MM-DD), or leave it out."),
    "too_late": N_(
        "A closed follow-up can be reopened for 24 hours after closing it. Log a new interaction instead."
    ),
}


def field_text(code: str, lang: str, **params: object) -> str:
    """A message of :data:`MESSAGES` in ``lang``, for the page to show beside its field."""
    return translate(lang, MESSAGES[code], **params)


def _invalid(lang: str, field: str, code: str, **params: object) -> Invalid:
    return Invalid(field_text("invalid", lang), errors={field: [field_text(code, lang, **params)]})


@dataclass(frozen=True)
class Asked:
    """The follow-up fields of a submission as they would be stored (:func:`_as_asked`): what a
    repeat of it is compared with."""

    follows: object = None
    uptake: object = None
    due: object = None


def _as_asked(extras: Mapping[str, Any]) -> Asked:
    """A submission's follow-up fields cleaned as their field types clean them (spacing, blanks),
    so that a repeat is compared cleaned with cleaned, like the log's own answers; but without
    the limits of the day (a repeat sent after its due date passed is still the same request).
    A value no cleaning accepts stays as sent: it was never stored, so it matches nothing."""

    def cleaned(field: str) -> object:
        if field not in extras:
            return None
        try:
            return validate_form(follow_up_form(), {field: extras[field]}, ValidationContext()).get(field)
        except FormInvalid:
            return extras[field]

    return Asked(extras.get(FOLLOWS), cleaned(UPTAKE), cleaned(DUE))


@dataclass(frozen=True)
class Prepared:
    """What logging one interaction does to follow-ups: the one it ``plans``, the one it ``ends``."""

    plans: FollowUp | None = None
    ends: FollowUp | None = None
    asked: Asked = Asked()


@dataclass(frozen=True)
class Due:
    """One line of the supporter's list: the original's date, format and topics, nothing more."""

    id: str
    due: date
    overdue: bool
    occurred_on: date
    format: str | None
    topics: tuple[str, ...]
    referral: str
    state: str = "open"


@dataclass(frozen=True)
class Listing:
    """The supporter's open follow-ups on their form: ``due`` within a week or overdue, ``later``."""

    due: list[Due]
    later: list[Due]


def split(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The log form's answers, and the follow-up fields beside them."""
    answers = {k: v for k, v in data.items() if k not in EXTRA_FIELDS}
    extras = {k: data[k] for k in EXTRA_FIELDS if k in data and data[k] not in (None, "")}
    return answers, extras


def follow_up_form() -> Form:
    return load_form(FORM)


@functools.cache  # one per destination: a form caches its validation schema
def service_form(referral: str | None) -> Form:
    """The follow-up form with the uptake question naming the referral's destination (its label
    on the log form, in each language); without a destination, the question names none."""
    form = follow_up_form()
    service = None
    if referral not in (None, "none"):
        labels = {lang: interactions.log_form().labels(lang) for lang in ("en", "fr")}
        service = {lang: labels[lang].get(f"referral.{referral}", str(referral)) for lang in labels}

    def named(text: str, lang: str) -> str:
        return text.replace(SERVICE, service[lang]) if service else text.replace(f" ({SERVICE})", "")

    fields = tuple(
        replace(f, label=Label(en=named(f.label.en, "en"), fr=named(f.label.fr, "fr"))) for f in form.children
    )
    return Form(id=form.id, title=form.title, children=fields)


def default_due(occurred_on: date, today: date) -> date:
    """When a follow-up is due unless the supporter says: a week after the interaction, as planned
    with the student, but never before today (an interaction logged late is due now, not overdue)."""
    return max(occurred_on + timedelta(days=DEFAULT_DAYS), today)


def entry_day(today: date, entered_on: date | None, occurred_on: date | None) -> date:
    """The day an entry was made, against which its due date is judged: today, or for an entry
    kept on a phone and sent later, the day the offline queue says it was filled in
    (``entered_on``). That day is the client's word, so it is believed only as far as it can be
    true: not before the interaction it logs, not after today, and at most :data:`QUEUE_DAYS`
    back (an entry kept longer is refused beside its due date, and the phone keeps it to fix)."""
    if entered_on is None:
        return today
    low = today - timedelta(days=QUEUE_DAYS)
    if occurred_on is not None:
        low = max(low, occurred_on)
    return min(today, max(entered_on, low))


def read_entered_on(value: object, lang: str) -> date | None:
    """The ``entered_on`` a client sent (a date, YYYY-MM-DD), None when it sent none; else
    :class:`Invalid` naming it."""
    if value is None:
        return None
    if isinstance(value, str) and ISO_DAY.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:  # 2026-02-30
            pass
    raise _invalid(lang, ENTERED_ON, "entered_on")


def clean_extras(
    extras: Mapping[str, Any],
    today: date,
    lang: str,
    *,
    referral: str | None,
    kept_due: date | None = None,
    made_on: date | None = None,
) -> dict[str, Any]:
    """The due date and uptake, validated. The due date lies ahead: from the day the entry was
    made on (``made_on``, :func:`entry_day`; today by default), or is the one already stored,
    ``kept_due``, when an entry is corrected; within :data:`LONGEST_DAYS` of today. Uptake
    is asked only of a follow-up of a referral: ``referral`` is the original's destination,
    "none" when there is no original or it made no referral, None when the original is unknown
    (its own message says why, so uptake gets none)."""
    data = {k: v for k, v in extras.items() if k in (DUE, UPTAKE)}
    earliest = min(d for d in (today, kept_due, made_on) if d is not None)
    try:
        clean = validate_form(service_form(referral), data, ValidationContext(lang=lang, min_date=earliest))
    except FormInvalid as exc:
        raise Invalid(field_text("invalid", lang), errors=exc.errors) from None
    if DUE in clean and date.fromisoformat(clean[DUE]) > today + timedelta(days=LONGEST_DAYS):
        raise _invalid(lang, DUE, "too_far", days=LONGEST_DAYS)
    if UPTAKE in clean and referral == "none":
        raise _invalid(lang, UPTAKE, "no_referral")
    return clean


def _own(store: Store, supporter: Supporter, follow_up_id: object) -> FollowUp | None:
    """One of the supporter's follow-ups, else None (another's, unknown, not an id)."""
    if not isinstance(follow_up_id, str) or len(follow_up_id) > 64:
        return None
    found = store.get_follow_up(follow_up_id)
    return found if found is not None and found.supporter_id == supporter.id else None


def _original(
    store: Store, supporter: Supporter, submission: str, follows: object, lang: str
) -> tuple[Interaction, FollowUp]:
    """The interaction a submission ``follows`` and its open follow-up: :class:`Invalid` for one
    that is not the supporter's own planned follow-up (one message for another's, a deleted one,
    an unknown id or no id at all: nobody learns another's ids), :class:`Conflict` once ended."""
    if follows == submission:
        raise _invalid(lang, FOLLOWS, "own")
    planned = _own(store, supporter, follows)
    original = store.get_interaction(planned.id) if planned is not None else None
    if planned is None or original is None:
        raise _invalid(lang, FOLLOWS, "not_yours")
    if planned.state != "open":
        raise Conflict(MESSAGES["ended"], code="follow_up_ended")
    return original, planned


def check_submission(
    store: Store,
    supporter: Supporter,
    submission: str,
    data: Mapping[str, Any],
    context: ValidationContext,
    now: datetime | None = None,
    entered_on: object = None,
) -> tuple[dict[str, Any], Prepared]:
    """A log submission's answers (for :func:`shared.services.interactions.record`) and what it
    does to follow-ups. Every field is checked, log and follow-up alike, and one :class:`Invalid`
    carries every field's message; a ``follows`` whose follow-up was ended meanwhile is a
    :class:`Conflict` (409) when nothing else is wrong, else one more message beside its field.

    A repeat of a submission already stored is not refused for what changed since (its follow-up
    is no longer open, its due date has passed): :func:`log` compares it with what was stored.
    Only a submission with something to refuse is looked up as a repeat (one read, not on every
    submission).

    ``entered_on``: the day the entry was made, as the client says (the offline queue sends it,
    see :func:`entry_day`); a due date is judged against it instead of today."""
    answers, extras = split(data)
    asked = _as_asked(extras)
    lang, today = context.lang, context.today or date.today()
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    try:
        clean = interactions.validate(answers, context)
    except Invalid as exc:
        errors.update(exc.errors or {})
    answered = not errors
    original = planned = None
    ended: Conflict | None = None
    if FOLLOWS in extras:
        try:
            original, planned = _original(store, supporter, submission, extras[FOLLOWS], lang)
        except Invalid as exc:
            errors.update(exc.errors or {})
        except Conflict as exc:
            ended = exc
    referral = planned.referral if planned else (None if FOLLOWS in extras else "none")
    occurred_on = date.fromisoformat(clean["occurred_on"]) if "occurred_on" in clean else None
    more: dict[str, Any] = {}
    try:
        made_on = entry_day(today, read_entered_on(entered_on, lang), occurred_on)
        more = clean_extras(extras, today, lang, referral=referral, made_on=made_on)
    except Invalid as exc:
        errors.update(exc.errors or {})
    if original is not None and occurred_on is not None and occurred_on < original.occurred_on:
        errors.setdefault("occurred_on", []).append(
            field_text("before_original", lang, day=original.occurred_on.isoformat())
        )
    if (ended is not None or errors) and answered and _repeat(store, supporter, submission):
        # Sent before (its follow-up is no longer open, its due date may have passed since): a
        # repeat, which :func:`log` records as a duplicate and compares with what was stored.
        return answers, Prepared(asked=asked)
    if ended is not None and errors:
        errors.setdefault(FOLLOWS, []).append(field_text("ended", lang))
    if errors:
        raise Invalid(field_text("invalid", lang), errors=errors)
    if ended is not None:
        raise ended
    now = now or datetime.now(UTC)
    ends = None
    if planned is not None:
        uptake = (more.get(UPTAKE) or "unknown") if planned.referral != "none" else None
        ends = replace(planned, state="done", done_by=submission, ended_on=today, ended_at=now, uptake=uptake)
    plans = None
    if clean.get("follow_up_planned") is True and occurred_on is not None:
        referral_made = clean.get("referral")
        plans = FollowUp(
            id=submission,
            supporter_id=supporter.id,
            due=date.fromisoformat(more[DUE]) if DUE in more else default_due(occurred_on, today),
            referral=referral_made if isinstance(referral_made, str) else "none",
        )
    return answers, Prepared(plans=plans, ends=ends, asked=asked)


def _repeat(store: Store, supporter: Supporter, submission: str) -> bool:
    stored = store.get_interaction(submission)
    return stored is not None and stored.supporter_id == supporter.id


def log(
    store: Store,
    supporter: Supporter,
    data: Mapping[str, Any],
    *,
    submission: str,
    context: ValidationContext,
    now: datetime | None = None,
    entered_on: object = None,
) -> interactions.Recorded:
    """Log one interaction with what it does to follow-ups, exactly once per submission id.

    A repeat stores nothing and is a duplicate only if it asks exactly what was stored: the same
    answers, the same ``follows`` and uptake, the same due date when it gives one. Otherwise it is
    :class:`KeyReused` (422), never a silent drop of the new values."""
    answers, prepared = check_submission(store, supporter, submission, data, context, now, entered_on)
    recorded = interactions.record(
        store,
        supporter,
        answers,
        submission=submission,
        context=context,
        now=now,
        plans=prepared.plans,
        ends=prepared.ends,
    )
    if recorded.duplicate and not _as_stored(store, submission, prepared.asked):
        raise KeyReused(interactions.KEY_REUSED)
    return recorded


def _as_stored(store: Store, submission: str, asked: Asked) -> bool:
    """True when a repeat of ``submission`` asks of follow-ups what its first sending stored."""
    logged = store.follow_up_done_by(submission)
    if (logged.id if logged else None) != asked.follows:
        return False
    if logged is not None and logged.referral != "none" and (asked.uptake or "unknown") != logged.uptake:
        return False
    if logged is not None and logged.referral == "none" and asked.uptake is not None:
        return False
    planned = store.get_follow_up(submission)
    return asked.due is None or planned is None or asked.due == planned.due.isoformat()


# -- closing, and undoing a close -------------------------------------------------------------


def close(
    store: Store,
    supporter: Supporter,
    follow_up_id: object,
    ending: object,
    today: date,
    lang: str = "en",
    now: datetime | None = None,
) -> FollowUp:
    """Close one of the supporter's open follow-ups as not needed or could not reach. Closing it
    the same way again (a double tap) is the same success; any other ending is a Conflict."""
    if ending not in ENDINGS:
        raise Invalid(field_text("bad_ending", lang), errors={"state": [field_text("bad_ending", lang)]})
    planned = _own(store, supporter, follow_up_id)
    if planned is None:
        raise NotFoundError(MESSAGES["not_yours"], code="no_follow_up")
    if planned.state == ending:
        return planned
    if planned.state != "open":
        raise Conflict(MESSAGES["ended"], code="follow_up_ended")
    ended = replace(
        planned,
        state=str(ending),
        ended_on=today,
        ended_at=now or datetime.now(UTC),
        uptake="unknown" if planned.referral != "none" else None,
    )
    if store.end_follow_up(ended):
        return ended
    again = store.get_follow_up(planned.id)  # ended meanwhile: by this same close, or otherwise
    if again is not None and again.state == ending:
        return again
    raise Conflict(MESSAGES["ended"], code="follow_up_ended")


def reopen(store: Store, supporter: Supporter, follow_up_id: object, now: datetime | None = None) -> FollowUp:
    """Undo a close, for :data:`UNDO_WINDOW` after it (as a correction): the follow-up is open
    again, due as before. Reopening one already open is the same success (a double tap)."""
    now = now or datetime.now(UTC)
    planned = _own(store, supporter, follow_up_id)
    if planned is None:
        raise NotFoundError(MESSAGES["not_yours"], code="no_follow_up")
    if planned.state == "open":
        return planned
    if planned.state not in ENDINGS:  # logged: undone by deleting the follow-up entry
        raise Conflict(MESSAGES["not_closed"], code="follow_up_not_closed")
    if planned.ended_at is None or now - planned.ended_at >= UNDO_WINDOW:
        raise Forbidden(MESSAGES["too_late"], code="too_late_to_reopen")
    if not store.change_follow_up(planned, planned.reopened()):
        raise Conflict(MESSAGES["ended"], code="follow_up_ended")
    return planned.reopened()


# -- what the supporter sees -------------------------------------------------------------------


def _line(planned: FollowUp, original: Interaction, today: date) -> Due:
    topics = original.answers.get("topics")
    fmt = original.answers.get("format")
    return Due(
        id=planned.id,
        due=planned.due,
        overdue=planned.state == "open" and planned.due < today,
        occurred_on=original.occurred_on,
        format=fmt if isinstance(fmt, str) else None,
        topics=tuple(t for t in topics if isinstance(t, str)) if isinstance(topics, list) else (),
        referral=planned.referral,
        state=planned.state,
    )


def _lines(store: Store, planned: list[FollowUp], today: date) -> list[Due]:
    """Each follow-up's line, its original read with the others in one request; an original
    deleted since (before deletions took their follow-ups along) leaves nothing to follow up."""
    originals = store.get_interactions(f.id for f in planned)
    return [_line(f, originals[f.id], today) for f in planned if f.id in originals]


def due_for(store: Store, supporter: Supporter, today: date, within_days: int = DEFAULT_DAYS) -> list[Due]:
    """The supporter's open follow-ups due within ``within_days`` or overdue, soonest first:
    one query for the follow-ups, one read of their originals together."""
    due = store.follow_ups(supporter.id, open_only=True, due_to=today + timedelta(days=within_days))
    return _lines(store, due, today)


def listing(store: Store, supporter: Supporter, today: date) -> Listing:
    """All the supporter's open follow-ups: due within a week or overdue, then later ones. Only
    open ones are read, so the page's reads do not grow with the follow-ups of past years."""
    soon = today + timedelta(days=DEFAULT_DAYS)
    lines = _lines(store, store.follow_ups(supporter.id, open_only=True), today)  # one read of originals
    return Listing(due=[x for x in lines if x.due <= soon], later=[x for x in lines if x.due > soon])


def closed_recently(
    store: Store, supporter: Supporter, follow_up_id: str, today: date, now: datetime | None = None
) -> Due | None:
    """The line of one of the supporter's follow-ups closed less than :data:`UNDO_WINDOW` ago
    (what the page says after a close, with Undo), else None."""
    now = now or datetime.now(UTC)
    planned = _own(store, supporter, follow_up_id)
    if planned is None or planned.state not in ENDINGS or planned.ended_at is None:
        return None
    original = store.get_interaction(planned.id) if now - planned.ended_at < UNDO_WINDOW else None
    return _line(planned, original, today) if original is not None else None


def following(store: Store, supporter: Supporter, follow_up_id: str, today: date) -> Due:
    """The line for one of the supporter's open follow-ups (the page logging it); 404 otherwise."""
    planned = _own(store, supporter, follow_up_id)
    original = store.get_interaction(follow_up_id) if planned is not None else None
    if planned is None or original is None or planned.state != "open":
        raise NotFoundError(MESSAGES["not_yours"], code="no_follow_up")
    return _line(planned, original, today)


def logged_by(store: Store, entry: Interaction, today: date) -> Due | None:
    """The line of the follow-up that ``entry`` logged (its original's), if it logged one."""
    logged = store.follow_up_done_by(entry.id)
    original = store.get_interaction(logged.id) if logged is not None else None
    return _line(logged, original, today) if logged is not None and original is not None else None


def set_digest(store: Store, supporter: Supporter, on: bool) -> Supporter:
    """Opt in or out of the weekly email of follow-ups due (idempotent). Only the digest
    changes, on the supporter as stored when it is written (a revocation or a new link made
    since ``supporter`` was read stays)."""
    return change_supporter(store, supporter.id, lambda s: replace(s, digest=on))
