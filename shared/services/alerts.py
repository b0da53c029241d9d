"""Urgent-concern alerts: email the coordinators when a supporter logs an urgent concern.

The log stores an :class:`~shared.records.Alert` in the same atomic write as the interaction,
so an alert exists exactly when its interaction does. This module delivers it:

- claim it (job ``ALERT``, keyed by its id: only one process wins, see
  :mod:`shared.services.retry`), send, then mark it sent and its claim done;
- on a mail failure its claim records the error, the failure and the next try: the alert stays
  pending and is retried after 20 s, 40 s ... up to 5 minutes (``ALERTS``), never lost;
- a claim older than ``STALE_AFTER`` is taken over (its sender died mid-way).

The only way an alert goes out twice: a process sends it and dies (or loses the store)
before it records "sent". After ``STALE_AFTER`` another run takes the stale claim and sends
it again, once. Marking it sent *before* sending would close that window but could lose the
alert, which is worse for an urgent concern.

Floods are coalesced: at most one alert email per supporter in ``COALESCE`` (5 minutes). The
first urgent log goes out at once; those that follow within the window wait (pending, never
dropped) and go out together, in one email listing every one, when the window is over (the
local server's loop looks every 20 s; in the cloud, the maintenance job every 5 minutes). Each
supporter's window is a unit of work of its own (job ``BATCH``, keyed by supporter and window),
claimed the same way, so two processes never both mail the same supporter's alerts in it.

The email says who logged it, how to reach them (their email, also as ``Reply-To``) and how
to follow up, nothing about the student: no note, year of study or topics. It is in English then
French, like the program's other mail (one email goes to every coordinator), its words from the
one catalogue (:mod:`shared.i18n`).
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.forms import load_form
from shared.i18n import N_, bilingual, translate
from shared.mail import Message
from shared.mail.port import MailError
from shared.records import Alert, Claim, Interaction, Supporter
from shared.services.coordinators import recipients
from shared.services.retry import ALERTS
from shared.store.port import Store, Unavailable
from shared.text import sentence

if TYPE_CHECKING:
    from shared.bootstrap import App

log = logging.getLogger("sidebyside.alerts")

STALE_AFTER = ALERTS.stale_after
ALERT = "alert"  # the job of mailing one alert, keyed by its id
BATCH = "alert-mail"  # the job of one supporter's alert email in one window (_batch_key)
LOG_FORM = "interaction_log"
# All the email tells of an interaction, in the report's words (a question as a label reads "?:").
SHOWN = {
    "occurred_on": N_("Date"),
    "format": N_("Format"),
    "referral": N_("Referral"),
    "follow_up_planned": N_("Follow-up planned"),
}
COALESCE = timedelta(minutes=5)  # at most one alert email per supporter in this time
# What a supporter's correction did (issue 12, item 13), for the email; "urgent" is a new entry.
CHANGES = {
    "urgent_now": N_("Changed to urgent: an interaction they had logged now has an urgent level of concern."),
    "urgent_withdrawn": N_("No longer urgent: they changed an interaction they had logged as urgent."),
    "urgent_deleted": N_("Deleted: they deleted an interaction they had logged as urgent."),
}
SUBJECTS = {
    "urgent": N_("Urgent concern logged by %(alias)s"),
    "urgent_now": N_("Interaction changed to urgent by %(alias)s"),
    "urgent_withdrawn": N_("Urgent concern withdrawn by %(alias)s"),
    "urgent_deleted": N_("Urgent interaction deleted by %(alias)s"),
}
SUBJECT_PREFIX = "[Side-by-Side] "
ERROR_CHARS = 500


def _due(store: Store, alert: Alert, now: datetime) -> bool:
    """Whether the alert is to be tried now: nobody is sending it, and after a failure its next
    try has come (20 s, 40 s, 80 s ... up to 5 minutes: ``ALERTS``). A supporter's alerts are
    tried when one of them is due, and then all go in one email."""
    held = store.get_claim(ALERT, alert.id)
    return held is None or (held.takeable(ALERTS.stale_before(now)) and not held.waiting(now))


def _batch_key(supporter_key: str, window: datetime) -> str:
    # A valid Firestore document id (no "/").
    return f"{supporter_key}_{window:%Y%m%dT%H%M}"


def _window(now: datetime) -> datetime:
    start = now.astimezone(UTC).replace(second=0, microsecond=0)
    return start - timedelta(minutes=start.minute % int(COALESCE.total_seconds() // 60))


def message_for(app: App, batch: list[Alert], supporter: Supporter | None) -> Message:
    """The email for a supporter's urgent alerts (one or more), in English then French.
    ``ValueError`` when no coordinator address is set."""
    settings = app.settings
    to = recipients(app.store, settings)
    if not to:
        raise ValueError(
            "no coordinator address is set (SIDEBYSIDE_COORDINATORS or sidebyside coordinators add)"
        )
    batch = sorted(batch, key=lambda a: (a.created_at, a.id))
    interactions = {alert.id: app.store.get_interaction(alert.interaction_id) for alert in batch}

    def body(lang: str) -> str:
        alias = supporter.alias if supporter else translate(lang, N_("a supporter"))
        lines = [_headline(lang, batch, alias), _contact(lang, supporter)]
        labels = load_form(LOG_FORM).labels(lang)
        for alert in batch:
            lines.append("")
            if len(batch) > 1 and alert.kind in CHANGES:
                lines.append(translate(lang, CHANGES[alert.kind]))
            lines += _details(lang, alert, interactions[alert.id], labels)
            when = f"{alert.created_at.astimezone(settings.timezone):%Y-%m-%d %H:%M %Z}"
            lines.append(translate(lang, N_("Logged at: %(when)s"), when=when))
        return "\n".join([*lines, "", settings.program_title(lang)])

    return Message(
        to=to,
        subject=SUBJECT_PREFIX + " / ".join(_subject(lang, batch, supporter) for lang in ("en", "fr")),
        text=bilingual(body),
        reply_to=supporter.email if supporter and supporter.email else None,
    )


def _headline(lang: str, batch: list[Alert], alias: str) -> str:
    count = len(batch)
    if {alert.kind for alert in batch} == {"urgent"}:
        if count > 1:
            text = N_(
                "%(alias)s logged %(count)s interactions with an urgent level of concern for the student"
            )
        else:
            text = N_("%(alias)s logged an interaction with an urgent level of concern for the student")
        return sentence(translate(lang, text, alias=alias, count=count))
    if count > 1:
        text = N_(
            "%(alias)s logged or corrected %(count)s interactions with an urgent level of concern for the student, listed below"
        )
        return sentence(translate(lang, text, alias=alias, count=count))
    change = translate(lang, CHANGES[batch[0].kind])
    return sentence(
        translate(lang, N_("%(alias)s corrected an interaction: %(change)s"), alias=alias, change=change)
    )


def _contact(lang: str, supporter: Supporter | None) -> str:
    if supporter and supporter.email:
        return translate(
            lang,
            N_("Please contact %(alias)s to follow up: %(email)s (replying to this email reaches them)."),
            alias=supporter.alias,
            email=supporter.email,
        )
    return translate(
        lang,
        N_(
            "Please contact the supporter to follow up (no email is on file for them: see `sidebyside supporters list`)."
        ),
    )


def _details(lang: str, alert: Alert, interaction: Interaction | None, labels: dict[str, str]) -> list[str]:
    """What the email shows of the alert's interaction: its date, format, referral and follow-up."""
    if interaction is None and alert.supporter_id:  # deleted by its supporter since
        return [translate(lang, N_("The entry is deleted: nothing else of it is kept."))]
    if interaction is None:  # cannot happen (one atomic write) but must not stop the alert
        return [
            translate(
                lang, N_("The interaction's details could not be read (id %(id)s)."), id=alert.interaction_id
            )
        ]
    return [
        translate(
            lang,
            N_("%(label)s: %(value)s"),
            label=translate(lang, label),
            value=_shown(lang, labels, field_id, interaction.answers.get(field_id)),
        )
        for field_id, label in SHOWN.items()
    ]


def _subject(lang: str, batch: list[Alert], supporter: Supporter | None) -> str:
    alias = supporter.alias if supporter else translate(lang, N_("a supporter"))
    if len(batch) == 1:
        return translate(lang, SUBJECTS.get(batch[0].kind, SUBJECTS["urgent"]), alias=alias)
    if {alert.kind for alert in batch} == {"urgent"}:
        text = N_("%(count)s urgent concerns logged by %(alias)s")
    else:
        text = N_("%(count)s urgent concerns logged or corrected by %(alias)s")
    return translate(lang, text, count=len(batch), alias=alias)


def _shown(lang: str, labels: dict[str, str], field_id: str, value: Any) -> str:
    if value is None or value == "":
        return translate(lang, N_("not answered"))
    if isinstance(value, bool):
        return translate(lang, N_("Yes") if value else N_("No"))
    return labels.get(f"{field_id}.{value}", str(value))


def _supporter_of(app: App, alert: Alert) -> tuple[str, Supporter | None]:
    """The key alerts are grouped by (the supporter id) and the supporter, if found."""
    interaction = app.store.get_interaction(alert.interaction_id)
    supporter_id = interaction.supporter_id if interaction is not None else alert.supporter_id
    if not supporter_id:
        return f"alert-{alert.id}", None
    return supporter_id, app.store.get_supporter(supporter_id)


def _may_mail(store: Store, key: str, now: datetime) -> bool:
    """False when an email about this supporter's alerts went out less than ``COALESCE`` ago
    (or is going out)."""
    window = _window(now)
    before = store.get_claim(BATCH, _batch_key(key, window - COALESCE))
    if before is not None and before.state != "failed":
        if (before.finished_at or before.claimed_at) > now - COALESCE:
            return False
    current = store.get_claim(BATCH, _batch_key(key, window))
    return current is None or current.state == "failed"


def deliver_batch(
    app: App, key: str, batch: list[Alert], supporter: Supporter | None, now: datetime
) -> Counter[str]:
    """Mail one supporter's waiting alerts as one email, unless one went out less than
    ``COALESCE`` ago: then they wait ("held") for the next pass. Counts per alert."""
    store = app.store
    counts: Counter[str] = Counter()
    if not _may_mail(store, key, now):
        counts["held"] += len(batch)
        return counts
    stale_before = ALERTS.stale_before(now)
    window = store.claim(BATCH, _batch_key(key, _window(now)), now, stale_before)
    if window is None:  # another process is mailing this supporter's alerts right now
        counts["taken"] += len(batch)
        return counts
    claimed: list[tuple[Alert, Claim]] = []
    for alert in sorted(batch, key=lambda a: a.id):
        claim = store.claim(ALERT, alert.id, now, stale_before)
        if claim is None:
            counts["taken"] += 1
        else:
            claimed.append((alert, claim))
    if not claimed:
        store.finish_claim(window, now, error="nothing left to send")
        return counts
    try:
        app.mailer.send(message_for(app, [alert for alert, _ in claimed], supporter))
    except (MailError, ValueError) as exc:
        error = str(exc)[:ERROR_CHARS]
        log.warning("%d urgent alert(s) not sent: %s", len(claimed), error)
        for _, claim in claimed:
            store.finish_claim(claim, now, error=error, retry_at=ALERTS.next_try(claim, now))
        store.finish_claim(window, now, error=error)
        counts["failed"] += len(claimed)
        return counts
    # Sent first: an alert marked sent is never read as waiting again, whatever happens next.
    store.mark_alerts_sent([alert.id for alert, _ in claimed])
    store.finish_claim(window, now)
    for _, claim in claimed:
        store.finish_claim(claim, now)
    counts["sent"] += len(claimed)
    return counts


def _deliver(app: App, alerts: list[Alert], now: datetime) -> Counter[str]:
    """Group waiting alerts by supporter and mail each group that has a due alert."""
    groups: dict[str, tuple[Supporter | None, list[Alert]]] = {}
    for alert in alerts:
        key, supporter = _supporter_of(app, alert)
        groups.setdefault(key, (supporter, []))[1].append(alert)
    counts: Counter[str] = Counter(sent=0, failed=0, taken=0)
    for key, (supporter, batch) in groups.items():
        if any(_due(app.store, a, now) for a in batch):
            counts.update(deliver_batch(app, key, batch, supporter, now))
    return counts


def send_pending_alerts(app: App, now: datetime | None = None) -> dict[str, int]:
    """Send every alert that is waiting (and due); returns how many were sent, failed or taken."""
    now = now or datetime.now(UTC)
    counts = _deliver(app, app.store.pending_alerts(), now)
    return {k: v for k, v in counts.items() if v or k in ("sent", "failed", "taken")}


def send_alert_now(app: App, alert_id: str, now: datetime | None = None) -> bool:
    """Send one just-stored alert right away (the cloud has no background loop); True if sent.

    Safe to call from the log request: claim-based, so it never sends what another process
    is sending or has sent, and it raises nothing for delivery problems. An alert it could
    not send stays pending for :func:`send_pending_alerts`.
    """
    now = now or datetime.now(UTC)
    try:
        waiting = app.store.pending_alerts()
        mine = next((a for a in waiting if a.id == alert_id), None)
        if mine is None or not _due(app.store, mine, now):
            return False
        key, supporter = _supporter_of(app, mine)
        batch = [a for a in waiting if _supporter_of(app, a)[0] == key]
        return deliver_batch(app, key, batch, supporter, now)["sent"] > 0
    except Unavailable as exc:
        log.warning("urgent alert %s left for the retry loop: %s", alert_id, exc)
    return False


def deliver_soon(app: App, alert_id: str) -> None:
    """Get a just-stored urgent alert to the coordinators, for the log feature to call.

    When this process runs the loop (the local server) it is woken and sends within a
    second, off the request. Otherwise (a cloud function) the alert is sent now, before the
    response, since an instance gets no CPU after it; if that fails the alert stays pending
    for the next ``send_report`` call or loop pass. Never sends twice, never raises for mail.
    """
    if app.jobs_running.is_set():
        app.wake.set()
    else:
        send_alert_now(app, alert_id)
