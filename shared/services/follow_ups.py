"""Follow-ups (issue 14): planned with an interaction, logged as a new interaction that
``follows`` it, or closed as "not needed" / "could not reach"; and, for a follow-up of a
referral, whether the student connected with the service.

The log page sends three fields besides the log form's answers (``forms/follow_up.yaml``):
``follow_up_due`` (a date, default a week after the interaction), ``follows`` (the id of one of
the supporter's own interactions with an open follow-up) and ``referral_uptake``. They are
checked here and kept in :class:`~shared.records.FollowUp` records, never in the interaction's
answers, so the report, exports and tallies read the same answers as before. Nothing about the
student is stored: the supporter, the dates, the referral's destination and its outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from shared.errors import Conflict, Invalid, NotFoundError
from shared.forms import FormInvalid, ValidationContext, load_form
from shared.forms import validate as validate_form
from shared.i18n import N_, translate
from shared.records import FollowUp, Interaction, Supporter
from shared.report.follow_up_counts import ENDINGS, LONGEST_DAYS
from shared.services import interactions
from shared.store.port import Store

FORM = "follow_up"  # forms/follow_up.yaml: the due date and the referral's uptake
FOLLOWS = "follows"
EXTRA_FIELDS = ("follow_up_due", FOLLOWS, "referral_uptake")
DEFAULT_DAYS = 7

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
}


def _text(code: str, lang: str, **params: object) -> str:
    return translate(lang, MESSAGES[code], **params)


@dataclass(frozen=True)
class Prepared:
    """What logging one interaction does to follow-ups: the one it ``plans``, the one it ``ends``."""

    plans: FollowUp | None = None
    ends: FollowUp | None = None


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


def split(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The log form's answers, and the follow-up fields beside them."""
    answers = {k: v for k, v in data.items() if k not in EXTRA_FIELDS}
    extras = {k: data[k] for k in EXTRA_FIELDS if k in data and data[k] not in (None, "")}
    return answers, extras


def follow_up_form() -> Any:
    return load_form(FORM)


def _clean_extras(extras: Mapping[str, Any], today: date, lang: str) -> dict[str, Any]:
    data = {k: v for k, v in extras.items() if k != FOLLOWS}
    # The due date lies ahead: from today on, so the context sets a minimum and no maximum.
    context = ValidationContext(lang=lang, min_date=today)
    try:
        clean = validate_form(follow_up_form(), data, context)
    except FormInvalid as exc:
        raise Invalid(_text("invalid", lang), errors=exc.errors) from None
    if "follow_up_due" in clean and date.fromisoformat(clean["follow_up_due"]) > today + timedelta(
        days=LONGEST_DAYS
    ):
        raise Invalid(
            _text("invalid", lang),
            errors={"follow_up_due": [_text("too_far", lang, days=LONGEST_DAYS)]},
        )
    return clean


def prepare(
    store: Store,
    supporter: Supporter,
    submission: str,
    answers: Mapping[str, Any],
    extras: Mapping[str, Any],
    today: date,
    lang: str = "en",
) -> Prepared:
    """Check the follow-up fields of a submission whose log answers validated; :class:`Invalid`
    (400) for a ``follows`` that is not one of the supporter's own open follow-ups (another
    supporter's, a deleted or unknown one, the submission itself), :class:`Conflict` (409) when
    that follow-up was already logged or closed. A repeat of a submission already stored
    prepares nothing, so the store's atomic create reports it as a duplicate."""
    clean = _clean_extras(extras, today, lang)
    follows = extras.get(FOLLOWS)
    ends = None
    if follows is not None:
        ends = _ending(store, supporter, submission, follows, clean.get("referral_uptake"), today, lang)
        if ends is None:
            return Prepared()
    elif "referral_uptake" in clean:
        raise Invalid(_text("invalid", lang), errors={"referral_uptake": [_text("no_referral", lang)]})
    plans = None
    if answers.get("follow_up_planned") is True:
        due = (
            date.fromisoformat(clean["follow_up_due"])
            if "follow_up_due" in clean
            else today + timedelta(days=DEFAULT_DAYS)
        )
        referral = answers.get("referral")
        plans = FollowUp(
            id=submission,
            supporter_id=supporter.id,
            due=due,
            referral=referral if isinstance(referral, str) else "none",
        )
    return Prepared(plans=plans, ends=ends)


def check_submission(
    store: Store,
    supporter: Supporter,
    submission: str,
    data: Mapping[str, Any],
    context: ValidationContext,
) -> tuple[dict[str, Any], Prepared]:
    """A log submission's answers (for :func:`shared.services.interactions.record`) and what it
    does to follow-ups; one :class:`Invalid` with every field's message, log and follow-up alike."""
    answers, extras = split(data)
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    try:
        clean = interactions.validate(answers, context)
    except Invalid as exc:
        errors.update(exc.errors or {})
    prepared = Prepared()
    try:
        prepared = prepare(
            store, supporter, submission, clean, extras, context.today or date.today(), context.lang
        )
    except Invalid as exc:
        errors.update(exc.errors or {})
    if errors:
        raise Invalid(_text("invalid", context.lang), errors=errors)
    return answers, prepared


def _ending(
    store: Store,
    supporter: Supporter,
    submission: str,
    follows: object,
    uptake: str | None,
    today: date,
    lang: str,
) -> FollowUp | None:
    if not isinstance(follows, str) or follows == submission:
        raise Invalid(_text("own", lang), errors={FOLLOWS: [_text("own", lang)]})
    original = store.get_interaction(follows) if len(follows) <= 64 else None
    planned = store.get_follow_up(follows) if original is not None else None
    # One message for "unknown", "deleted" and "someone else's": nobody learns another's ids.
    if original is None or planned is None or original.supporter_id != supporter.id:
        raise Invalid(_text("not_yours", lang), errors={FOLLOWS: [_text("not_yours", lang)]})
    if planned.state != "open":
        if planned.done_by == submission:
            return None  # this very submission logged it before: a repeat
        raise Conflict(MESSAGES["ended"], code="follow_up_ended")
    if uptake is not None and planned.referral == "none":
        raise Invalid(_text("invalid", lang), errors={"referral_uptake": [_text("no_referral", lang)]})
    return replace(
        planned,
        state="done",
        done_by=submission,
        ended_on=today,
        uptake=(uptake or "unknown") if planned.referral != "none" else None,
    )


def close(
    store: Store, supporter: Supporter, follow_up_id: object, ending: object, today: date, lang: str = "en"
) -> FollowUp:
    """Close one of the supporter's open follow-ups as not needed or could not reach."""
    if ending not in ENDINGS:
        raise Invalid(_text("bad_ending", lang), errors={"state": [_text("bad_ending", lang)]})
    planned = (
        store.get_follow_up(follow_up_id)
        if isinstance(follow_up_id, str) and len(follow_up_id) <= 64
        else None
    )
    if planned is None or planned.supporter_id != supporter.id:
        raise NotFoundError(MESSAGES["not_yours"], code="no_follow_up")
    ended = replace(
        planned, state=str(ending), ended_on=today, uptake="unknown" if planned.referral != "none" else None
    )
    if planned.state != "open" or not store.end_follow_up(ended):
        raise Conflict(MESSAGES["ended"], code="follow_up_ended")
    return ended


def due_for(store: Store, supporter: Supporter, today: date, within_days: int = DEFAULT_DAYS) -> list[Due]:
    """The supporter's open follow-ups due within ``within_days`` or overdue, soonest first:
    one query for the follow-ups, one read of their originals together."""
    due = store.follow_ups(supporter.id, open_only=True, due_to=today + timedelta(days=within_days))
    originals = store.get_interactions(f.id for f in due)
    # An original deleted since leaves nothing to follow up.
    return [_line(f, originals[f.id], today) for f in due if f.id in originals]


def _line(planned: FollowUp, original: Interaction, today: date) -> Due:
    topics = original.answers.get("topics")
    fmt = original.answers.get("format")
    return Due(
        id=planned.id,
        due=planned.due,
        overdue=planned.due < today,
        occurred_on=original.occurred_on,
        format=fmt if isinstance(fmt, str) else None,
        topics=tuple(t for t in topics if isinstance(t, str)) if isinstance(topics, list) else (),
        referral=planned.referral,
    )


def following(store: Store, supporter: Supporter, follow_up_id: str, today: date) -> Due:
    """The line for one of the supporter's open follow-ups (the page logging it); 404 otherwise."""
    planned = store.get_follow_up(follow_up_id) if len(follow_up_id) <= 64 else None
    original = store.get_interaction(follow_up_id) if planned is not None else None
    if planned is None or original is None or planned.supporter_id != supporter.id or planned.state != "open":
        raise NotFoundError(MESSAGES["not_yours"], code="no_follow_up")
    return _line(planned, original, today)


def stop_digest(store: Store, supporter: Supporter) -> None:
    """The supporter's opt-out of the weekly email (idempotent)."""
    if supporter.digest:
        store.save_supporter(replace(supporter, digest=False))
