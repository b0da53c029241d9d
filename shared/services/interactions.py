"""Logging an interaction: validate the answers against forms/interaction_log.yaml, store them
once (the submission id is the record id, so a repeat is recognised by the store's atomic
create), and raise an urgent-concern alert in the same write.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from shared.config import Settings
from shared.errors import Conflict, Invalid, KeyReused
from shared.forms import Form, FormInvalid, ValidationContext, load_form
from shared.forms import validate as validate_form
from shared.i18n import N_, translate
from shared.records import Alert, FollowUp, Interaction, Supporter
from shared.store.port import AlreadyExists, Store

log = logging.getLogger("sidebyside.interactions")

FORM = "interaction_log"
URGENT = ("concern_level", "urgent")  # the answer that raises an alert to the coordinators

EDIT_WINDOW = timedelta(hours=24)  # an entry, or a follow-up's closing, can be undone this long after
KEY_REUSED = N_(
    "This Idempotency-Key (submission id) was already used with different answers; send the new answers with a new key."
)
SUBMISSION_ID_MESSAGE = N_("The submission id must be a UUID such as 3f2b8c1e-8d5a-4a61-9a57-2c1d0e4b7f90.")
# The Idempotency-Key header (IETF draft-ietf-httpapi-idempotency-key-header) is an opaque string
# chosen by the client. Accepted: 1 to 255 visible ASCII characters (what a header can carry
# without encoding), bare or as the draft's quoted Structured Field string ("abc-123").
MAX_KEY = 255
KEY = re.compile(rf"[\x21-\x7e]{{1,{MAX_KEY}}}")
KEY_NAMESPACE = uuid.UUID("0b5f6c1e-2d3a-5e4f-9a8b-7c6d5e4f3a2b")  # of interaction ids made from keys
KEY_MESSAGES = {
    "required": N_("An Idempotency-Key header (or a submission_id in the body) is required."),
    "invalid": N_(
        "The Idempotency-Key must be 1 to %(max_key)s visible ASCII characters, such as abc-123 or a UUID."
    ),
    "differ": N_("The body's submission_id and the Idempotency-Key differ."),
}


@dataclass(frozen=True)
class Recorded:
    id: str
    duplicate: bool  # True: this submission was stored before; nothing new was stored
    alert_id: str | None = None  # the urgent-concern alert stored with it, by this call


class StoredAlert(Protocol):
    """What stored an alert: a new entry (:class:`Recorded`) or a correction."""

    @property
    def alert_id(self) -> str | None: ...


@dataclass(frozen=True)
class Activity:
    count_this_month: int
    last_format: str | None


def log_form() -> Form:
    return load_form(FORM)


def today(settings: Settings) -> date:
    """Today where the program runs (a late-evening log must not land on tomorrow's date)."""
    return datetime.now(settings.timezone).date()


def validation_context(settings: Settings, lang: str) -> ValidationContext:
    return ValidationContext(lang=lang, today=today(settings), min_date=settings.program_start)


def submission_id(value: object, lang: str = "en") -> str:
    """The canonical form of a client's submission id; :class:`Invalid` unless it is a UUID."""
    try:
        if not isinstance(value, str) or len(value) > 64:
            raise ValueError(value)
        return str(uuid.UUID(value.strip()))
    except ValueError:
        text = translate(lang, SUBMISSION_ID_MESSAGE)
        raise Invalid(text, errors={"submission_id": [text]}) from None


def _key_error(kind: str, lang: str) -> Invalid:
    text = translate(lang, KEY_MESSAGES[kind], max_key=MAX_KEY)
    return Invalid(text, errors={"submission_id": [text]})


def idempotency_key(in_body: object, in_header: str | None, supporter: Supporter, lang: str = "en") -> str:
    """The interaction id for a JSON submission, from its ``Idempotency-Key`` header and/or the
    body's ``submission_id`` (the same key when both are sent).

    A UUID is the id itself (what the log page and the offline queue send). Any other key is
    opaque: the id is a UUIDv5 of the supporter and the key, so a key is scoped to the supporter
    who sent it (two supporters' "abc-123" are two interactions) and exports keep UUID ids.
    """
    given = []
    for value in (in_body, in_header):
        if value is None:
            continue
        key = value.strip() if isinstance(value, str) else value
        if isinstance(key, str) and len(key) >= 2 and key[0] == key[-1] == '"':
            key = key[1:-1].replace('\\"', '"').replace("\\\\", "\\")  # a Structured Field string
        if not isinstance(key, str) or not KEY.fullmatch(key):
            raise _key_error("invalid" if key not in ("", None) else "required", lang)
        given.append(key)
    if not given:
        raise _key_error("required", lang)
    ids = {_key_id(key, supporter) for key in given}
    if len(ids) > 1:
        raise _key_error("differ", lang)
    return ids.pop()


def _key_id(key: str, supporter: Supporter) -> str:
    try:
        return str(uuid.UUID(key))
    except ValueError:
        return str(uuid.uuid5(KEY_NAMESPACE, f"{supporter.id}\x1f{key}"))


def validate(data: Mapping[str, Any], context: ValidationContext) -> dict[str, Any]:
    """The clean answers, or :class:`Invalid` with a message per field in the context's language."""
    try:
        return validate_form(log_form(), data, context)
    except FormInvalid as exc:
        raise Invalid(N_("Some answers need a look."), errors=exc.errors) from None


def record(
    store: Store,
    supporter: Supporter,
    data: Mapping[str, Any],
    *,
    submission: str,
    context: ValidationContext,
    now: datetime | None = None,
    plans: FollowUp | None = None,
    ends: FollowUp | None = None,
) -> Recorded:
    """Validate and store one interaction, exactly once per submission id.

    A repeat of a stored submission (a retry after a lost response, a queued copy sent again,
    a double tap) stores nothing and reports ``duplicate``. ``plans`` and ``ends`` are the
    follow-ups it plans and logs (:func:`shared.services.follow_ups.check_submission`), in the same write. The check is the store's atomic
    create, so concurrent repeats store one record too. An id already used by another
    supporter is a :class:`Conflict`, so nobody learns or overwrites anything through it, and
    the same id with other answers is :class:`KeyReused` (never a silent drop of the new answers).
    """
    answers = validate(data, context)
    now = now or datetime.now(UTC)
    interaction = Interaction(
        id=submission,
        supporter_id=supporter.id,
        occurred_on=date.fromisoformat(answers["occurred_on"]),
        answers=answers,
        created_at=now,
    )
    field, value = URGENT
    alert = (
        Alert(id=str(uuid.uuid4()), interaction_id=submission, created_at=now, supporter_id=supporter.id)
        if answers.get(field) == value
        else None
    )
    try:
        store.add_interaction(interaction, alert, plans=plans, ends=ends)
    except AlreadyExists:
        stored = store.get_interaction(submission)
        if stored is not None and stored.supporter_id != supporter.id:
            raise Conflict(N_("This submission id is already used."), code="submission_id_taken") from None
        if stored is None:  # not a repeat: the follow-up it ``ends`` was ended meanwhile
            raise Conflict(
                N_("This follow-up was already logged or closed."), code="follow_up_ended"
            ) from None
        if stored is not None and stored.answers != answers:
            # Compared after validation, so key order, spacing and defaults do not matter.
            raise KeyReused(KEY_REUSED) from None
        return Recorded(submission, duplicate=True)
    return Recorded(submission, duplicate=False, alert_id=alert.id if alert else None)


def alert_coordinators(recorded: StoredAlert, deliver: Callable[[str], None]) -> None:
    """Hand an urgent-concern alert just stored (``recorded.alert_id``: a new entry's, or a
    correction's, :class:`shared.services.corrections.Corrected`) to ``deliver`` (the web passes
    ``alerts.deliver_soon``: services do not know how alerts are scheduled).

    The alert is already stored with its interaction, so a failure here loses nothing: the
    retry loop (or the next ``send_report`` call, in the cloud) sends it. Never raises, so a
    stored submission is always answered as stored.
    """
    if recorded.alert_id is None:
        return
    try:
        deliver(recorded.alert_id)
    except Exception:
        log.exception("urgent alert %s left for the retry loop", recorded.alert_id)


def activity(store: Store, supporter: Supporter, on: date) -> Activity:
    """What the form shows: how many the supporter logged this month, and their usual format."""
    count, latest = store.supporter_activity(supporter.id, on.replace(day=1))
    last_format = latest.answers.get("format") if latest is not None else None
    return Activity(count, last_format if isinstance(last_format, str) else None)
