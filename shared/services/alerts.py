"""Urgent-concern alerts: email the coordinators when a supporter logs an urgent concern.

The log stores an :class:`~shared.records.Alert` in the same atomic write as the interaction,
so an alert exists exactly when its interaction does. This module delivers it:

- claim it (``store.claim_alert``: only one process wins), send, then mark it sent;
- on a mail failure put it back as pending with the error: it is kept and retried, never lost;
- a claim older than ``STALE_AFTER`` is taken over (its sender died mid-way).

The only way an alert goes out twice: a process sends it and dies (or loses the store)
before ``finish_alert`` records "sent". After ``STALE_AFTER`` another run takes the stale
claim and sends it again, once. Marking it sent *before* sending would close that window
but could lose the alert, which is worse for an urgent concern.

The email says who logged it and how to follow up, nothing about the student: no note,
year of study or topics.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.forms import load_form
from shared.mail import Message
from shared.mail.port import MailError
from shared.records import Alert
from shared.services.coordinators import recipients
from shared.store.port import Unavailable

if TYPE_CHECKING:
    from shared.bootstrap import App

log = logging.getLogger("sidebyside.alerts")

STALE_AFTER = timedelta(minutes=5)  # longer than a send can take (the mail timeout is 15 s)
MAX_BACKOFF = timedelta(minutes=5)
RETRY_STEP = timedelta(seconds=20)
LOG_FORM = "interaction_log"
SHOWN = ("occurred_on", "format", "referral", "follow_up_planned")  # all the email tells of the interaction
ERROR_CHARS = 500


def _due(alert: Alert, now: datetime) -> bool:
    """A failed alert waits 20 s, 40 s, 80 s ... up to 5 minutes before its next try."""
    if alert.state != "pending" or not alert.attempts or alert.claimed_at is None:
        return True
    wait = min(RETRY_STEP * 2 ** (alert.attempts - 1), MAX_BACKOFF)
    return now >= alert.claimed_at + wait


def message_for(app: App, alert: Alert) -> Message:
    """The email for an alert. ``ValueError`` when no coordinator address is set."""
    settings = app.settings
    interaction = app.store.get_interaction(alert.interaction_id)
    supporter = app.store.get_supporter(interaction.supporter_id) if interaction else None
    alias = supporter.alias if supporter else "a supporter"
    lines = [
        f"{alias} logged an interaction with an urgent level of concern for the student.",
        "Please contact the supporter to follow up.",
        "",
    ]
    if interaction is None:  # cannot happen (one atomic write) but must not stop the alert
        lines.append(f"The interaction's details could not be read (id {alert.interaction_id}).")
    else:
        form = load_form(LOG_FORM)
        labels = form.labels("en")
        for field_id in SHOWN:
            value = interaction.answers.get(field_id)
            lines.append(f"{labels[field_id]}: {_shown(labels, field_id, value)}")
    lines += [
        "",
        f"Logged at {alert.created_at.astimezone(settings.timezone):%Y-%m-%d %H:%M %Z}.",
        "",
        settings.program_name,
    ]
    to = recipients(app.store, settings)
    if not to:
        raise ValueError(
            "no coordinator address is set (SIDEBYSIDE_COORDINATORS or sidebyside coordinators add)"
        )
    return Message(
        to=to,
        subject=f"[Side-by-Side] Urgent concern logged by {alias}",
        text="\n".join(lines),
    )


def _shown(labels: dict[str, str], field_id: str, value: Any) -> str:
    if value is None or value == "":
        return "not answered"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return labels.get(f"{field_id}.{value}", str(value))


def deliver(app: App, alert: Alert, now: datetime) -> str:
    """Claim, send and record one alert: "sent", "failed" (kept for a retry) or "taken" (someone else has it)."""
    store = app.store
    claim = store.claim_alert(alert, now)
    if claim is None:
        return "taken"
    try:
        app.mailer.send(message_for(app, claim))
    except (MailError, ValueError) as exc:
        error = str(exc)[:ERROR_CHARS]
        log.warning("urgent alert %s not sent (attempt %d): %s", alert.id, claim.attempts, error)
        store.finish_alert(claim, sent=False, error=error)
        return "failed"
    store.finish_alert(claim, sent=True)
    return "sent"


def send_pending_alerts(app: App, now: datetime | None = None) -> dict[str, int]:
    """Send every alert that is waiting (and due); returns how many were sent, failed or taken."""
    now = now or datetime.now(UTC)
    counts: Counter[str] = Counter(sent=0, failed=0, taken=0)
    for alert in app.store.pending_alerts(stale_before=now - STALE_AFTER):
        if _due(alert, now):
            counts[deliver(app, alert, now)] += 1
    return dict(counts)


def send_alert_now(app: App, alert_id: str, now: datetime | None = None) -> bool:
    """Send one just-stored alert right away (the cloud has no background loop); True if sent.

    Safe to call from the log request: claim-based, so it never sends what another process
    is sending or has sent, and it raises nothing for delivery problems. An alert it could
    not send stays pending for :func:`send_pending_alerts`.
    """
    now = now or datetime.now(UTC)
    try:
        for alert in app.store.pending_alerts(stale_before=now - STALE_AFTER):
            if alert.id == alert_id:
                return deliver(app, alert, now) == "sent"
    except Unavailable as exc:
        log.warning("urgent alert %s left for the retry loop: %s", alert_id, exc)
    return False
