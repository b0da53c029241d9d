"""Follow-ups kept in step with corrections (issue 14): what an edit or a deletion of an entry
does to the follow-up it planned and to the follow-up it logged, as changes the store makes in
the same atomic write as the correction (:meth:`shared.store.port.Store.change_interaction`).

- The follow-up an entry planned exists exactly while its answers say one was planned: editing
  "Did you plan a follow-up?" to Yes plans one (due by the same rule as a new entry), to No
  removes it (unless it was already logged: that entry must go first); its due date can be
  changed, and its referral follows the entry's, so the uptake question is asked (or not) and
  the report counts the right destination. Deleting the entry removes its follow-up.
- The follow-up an entry logged keeps the uptake the entry's form gives, and opens again when
  the entry is deleted.
- Dates stay in order: a follow-up is never dated before the interaction it follows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from shared.errors import Invalid
from shared.records import FollowUp, Interaction, Supporter
from shared.services import follow_ups
from shared.services.follow_ups import DUE, UPTAKE
from shared.store.port import FollowUpChange, Store


def current(store: Store, entry: Interaction) -> dict[str, Any]:
    """The follow-up fields as the entry's correction page shows them: its follow-up's due date
    and, when it logged a follow-up of a referral, the uptake it gave."""
    values: dict[str, Any] = {}
    planned = store.get_follow_up(entry.id)
    if planned is not None:
        values[DUE] = planned.due.isoformat()
    logged = store.follow_up_done_by(entry.id)
    if logged is not None and logged.uptake is not None:
        values[UPTAKE] = logged.uptake
    return values


def for_edit(
    store: Store,
    supporter: Supporter,
    entry: Interaction,
    answers: Mapping[str, Any] | None,
    extras: Mapping[str, Any],
    today: date,
    lang: str,
) -> list[FollowUpChange]:
    """The follow-up changes an edit of ``entry`` makes, given its new (valid) ``answers`` (None
    when they did not validate: then only the follow-up fields are checked, for their messages)
    and the follow-up fields sent with them. :class:`Invalid` with a message beside each field."""
    planned = store.get_follow_up(entry.id)
    logged = store.follow_up_done_by(entry.id)
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    try:
        clean = follow_ups.clean_extras(
            extras,
            today,
            lang,
            referral=logged.referral if logged is not None else "none",
            kept_due=planned.due if planned is not None else None,
        )
    except Invalid as exc:
        errors.update(exc.errors or {})
    changes: list[FollowUpChange] = []
    if answers is not None:
        occurred_on = date.fromisoformat(answers["occurred_on"])
        errors.update(_dates_in_order(store, planned, logged, occurred_on, lang))
        if not errors:
            changes = _planned_change(supporter, entry, planned, answers, clean, occurred_on, today, lang)
            if logged is not None:
                uptake = (clean.get(UPTAKE) or "unknown") if logged.referral != "none" else None
                if uptake != logged.uptake:
                    changes.append((logged, replace(logged, uptake=uptake)))
    if errors:
        raise Invalid(follow_ups.MESSAGES["invalid"], errors=errors)
    return changes


def _dates_in_order(
    store: Store, planned: FollowUp | None, logged: FollowUp | None, occurred_on: date, lang: str
) -> dict[str, list[str]]:
    """A follow-up entry not dated before its original, an original not after its follow-up."""
    out: list[str] = []
    original = store.get_interaction(logged.id) if logged is not None else None
    if original is not None and occurred_on < original.occurred_on:
        out.append(follow_ups.field_text("before_original", lang, day=original.occurred_on.isoformat()))
    follower = store.get_interaction(planned.done_by) if planned is not None and planned.done_by else None
    if follower is not None and occurred_on > follower.occurred_on:
        out.append(follow_ups.field_text("after_follow_up", lang, day=follower.occurred_on.isoformat()))
    return {"occurred_on": out} if out else {}


def _planned_change(
    supporter: Supporter,
    entry: Interaction,
    planned: FollowUp | None,
    answers: Mapping[str, Any],
    clean: Mapping[str, Any],
    occurred_on: date,
    today: date,
    lang: str,
) -> list[FollowUpChange]:
    referral = answers.get("referral")
    referral = referral if isinstance(referral, str) else "none"
    due = date.fromisoformat(clean[DUE]) if DUE in clean else None
    if answers.get("follow_up_planned") is not True:
        if planned is None:
            return []
        if planned.state == "done":
            raise Invalid(
                follow_ups.MESSAGES["invalid"],
                errors={"follow_up_planned": [follow_ups.field_text("logged_already", lang)]},
            )
        return [(planned, None)]
    if planned is None:
        made = FollowUp(
            id=entry.id,
            supporter_id=supporter.id,
            due=due or follow_ups.default_due(occurred_on, today),
            referral=referral,
        )
        return [(None, made)]
    uptake = planned.uptake
    if planned.state != "open" and referral != planned.referral:
        # Asked only of a referral: none now means no uptake; a referral where there was none,
        # not asked yet: unknown (the follow-up entry's page now asks it, to correct).
        uptake = None if referral == "none" else (uptake if planned.referral != "none" else "unknown")
    changed = replace(planned, referral=referral, due=due or planned.due, uptake=uptake)
    return [(planned, changed)] if changed != planned else []


def for_deletion(store: Store, entry: Interaction) -> list[FollowUpChange]:
    """The follow-up changes deleting ``entry`` makes: the follow-up it planned goes with it (in
    any state; a follow-up entry that logged it stays, as an interaction), and the follow-up it
    logged is open again, with no outcome."""
    changes: list[FollowUpChange] = []
    planned = store.get_follow_up(entry.id)
    if planned is not None:
        changes.append((planned, None))
    logged = store.follow_up_done_by(entry.id)
    if logged is not None:
        changes.append((logged, logged.reopened()))
    return changes
