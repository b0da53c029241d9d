"""Correcting a mistake: a supporter sees their last few entries and, for 24 hours after
logging one, edits or deletes it (issue 12, item 13).

What a supporter sees of an entry is its date, format and topics, never anything about the
student. An edit is validated like a new entry and keeps the entry's id and logging time (so
the 24 hours never restart). A change to or from an urgent level of concern (a deletion of an
urgent entry included) stores one alert for the coordinators in the same write as the change,
and the usual alert machinery (:mod:`shared.services.alerts`) mails it once. Each change is
made only to the entry as it was read, so two edits of one entry never both apply. The entry's
follow-ups change in the same write (:mod:`shared.services.follow_up_corrections`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from shared.errors import Conflict, Forbidden, Invalid, NotFoundError
from shared.forms import ValidationContext
from shared.i18n import N_
from shared.records import Alert, Interaction, Supporter
from shared.services import follow_up_corrections, follow_ups, interactions
from shared.store.port import FollowUpChange, NotFound, Store

EDIT_WINDOW = interactions.EDIT_WINDOW
SHOWN = 3  # entries listed on the form and the thanks page

# English msgids of the one catalogue (shared/translations): the web says them in the page's language.
MESSAGES = {
    "not_found": N_("There is no entry of yours to change here. It may have been deleted already."),
    "too_late": N_(
        "Entries can be changed for 24 hours after they are logged. Ask your coordinator to correct this one."
    ),
    "changed": N_(
        "This entry was changed meanwhile (on another phone or tab). Open it again to see it as it is now."
    ),
}


@dataclass(frozen=True)
class Entry:
    """One of the supporter's recent entries, as their pages list it."""

    id: str
    occurred_on: date
    format: str | None
    topics: tuple[str, ...]
    changeable: bool  # logged less than EDIT_WINDOW ago


@dataclass(frozen=True)
class Corrected:
    id: str
    alert_id: str | None = None  # the alert stored with the change, for the coordinators
    changed: bool = True  # False: the entry already was as asked (a repeated request)


def recent(store: Store, supporter: Supporter, now: datetime | None = None) -> list[Entry]:
    """The supporter's last few entries, newest first, and whether each can still be changed."""
    now = now or datetime.now(UTC)
    out = []
    for item in store.latest_interactions(supporter.id, SHOWN):
        topics = item.answers.get("topics")
        fmt = item.answers.get("format")
        out.append(
            Entry(
                id=item.id,
                occurred_on=item.occurred_on,
                format=fmt if isinstance(fmt, str) else None,
                topics=tuple(t for t in topics if isinstance(t, str)) if isinstance(topics, list) else (),
                changeable=now - item.created_at < EDIT_WINDOW,
            )
        )
    return out


def changeable(store: Store, supporter: Supporter, entry_id: str, now: datetime | None = None) -> Interaction:
    """The supporter's entry ``entry_id`` if they may still change it. Another supporter's
    entry is "not found", like a missing one: nobody learns anything through an id."""
    now = now or datetime.now(UTC)
    found = store.get_interaction(entry_id) if isinstance(entry_id, str) and len(entry_id) <= 64 else None
    if found is None or found.supporter_id != supporter.id:
        raise NotFoundError(MESSAGES["not_found"], code="entry_not_found")
    if now - found.created_at >= EDIT_WINDOW:
        raise Forbidden(MESSAGES["too_late"], code="too_late_to_change")
    return found


def _urgent(item: Interaction | None) -> bool:
    field, value = interactions.URGENT
    return item is not None and item.answers.get(field) == value


def _alert(
    before: Interaction, after: Interaction | None, supporter: Supporter, now: datetime
) -> Alert | None:
    """The coordinators' alert for a change to or from urgent, else None."""
    if _urgent(before) == _urgent(after):
        return None
    kind = "urgent_now" if _urgent(after) else ("urgent_deleted" if after is None else "urgent_withdrawn")
    return Alert(str(uuid.uuid4()), before.id, now, kind=kind, supporter_id=supporter.id)


def edit(
    store: Store,
    supporter: Supporter,
    entry_id: str,
    data: Mapping[str, Any],
    *,
    context: ValidationContext,
    now: datetime | None = None,
) -> Corrected:
    """Replace an entry's answers by ``data``, validated like a new entry (:class:`Invalid`
    with a message per question otherwise), with its follow-ups kept in step in the same write
    (:mod:`shared.services.follow_up_corrections`: ``data`` may hold the follow-up fields of the
    entry's page). The same edit sent twice changes it once."""
    now = now or datetime.now(UTC)
    before = changeable(store, supporter, entry_id, now)
    fields, extras = follow_ups.split(data)
    errors: dict[str, list[str]] = {}
    answers: dict[str, Any] | None = None
    try:
        answers = interactions.validate(fields, context)
    except Invalid as exc:
        errors.update(exc.errors or {})
    changes: list[FollowUpChange] = []
    try:
        today = context.today or now.date()
        changes = follow_up_corrections.for_edit(
            store, supporter, before, answers, extras, today, context.lang
        )
    except Invalid as exc:
        errors.update(exc.errors or {})
    if errors or answers is None:
        raise Invalid(N_("Some answers need a look."), errors=errors)
    after = replace(before, occurred_on=date.fromisoformat(answers["occurred_on"]), answers=answers)
    if after == before and not changes:
        return Corrected(before.id, changed=False)
    alert = _alert(before, after, supporter, now)
    try:
        store.replace_interaction(before, after, alert, follow_ups=changes)
    except NotFound:
        raise Conflict(MESSAGES["changed"], code="entry_changed") from None
    return Corrected(before.id, alert.id if alert else None)


def delete(store: Store, supporter: Supporter, entry_id: str, now: datetime | None = None) -> Corrected:
    """Delete an entry, with its follow-ups kept in step in the same write (the one it planned
    goes, the one it logged is open again). An entry already gone is "not found" (a second tap
    on Delete)."""
    now = now or datetime.now(UTC)
    before = changeable(store, supporter, entry_id, now)
    alert = _alert(before, None, supporter, now)
    try:
        store.delete_interaction(before, alert, follow_ups=follow_up_corrections.for_deletion(store, before))
    except NotFound:
        if store.get_interaction(before.id) is not None:  # there, but its follow-ups changed meanwhile
            raise Conflict(MESSAGES["changed"], code="entry_changed") from None
        raise NotFoundError(MESSAGES["not_found"], code="entry_not_found") from None
    return Corrected(before.id, alert.id if alert else None)
