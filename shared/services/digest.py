"""The weekly email of follow-ups due (issue 14): one per supporter with an email, per ISO
week, listing their open follow-ups due within a week or overdue, with their personal link
and a one-click opt-out.

Sent exactly once per supporter and week, whatever runs the job and how often: each send is a
unit of claimed work (:mod:`shared.services.retry`, as the monthly report is), job ``DIGEST``
keyed ``<week>-<supporter id>``; a failed send is retried under the next attempt on the next
run, a claim left by a crash is taken over after ``DIGESTS.stale_after``.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from shared.config import Settings
from shared.forms import load_form
from shared.mail import Mailer, MailError, Message
from shared.records import Supporter
from shared.services import follow_ups, interactions
from shared.services.retry import DIGESTS
from shared.services.tokens import make_token
from shared.store.port import Store

log = logging.getLogger("sidebyside.digest")

DIGEST = "digest"  # the job of one supporter's digest of one week, keyed "<week>-<supporter id>"


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _links(settings: Settings, supporter: Supporter) -> tuple[str, str]:
    form = settings.log_link(make_token(settings.secret_key, supporter.id, supporter.version))
    # The opt-out sits beside the form, at <log function>/digest-off?t=TOKEN.
    return form, form.replace("/?t=", "/digest-off?t=", 1)


def message_for(settings: Settings, supporter: Supporter, lines: list[follow_ups.Due]) -> Message:
    """The digest: dates, format and topics of each follow-up due; nothing about the student."""
    labels = load_form(interactions.FORM).labels("en")
    form, opt_out = _links(settings, supporter)
    rows = []
    for line in lines:
        when = f"overdue since {line.due}" if line.overdue else f"due {line.due}"
        what = ", ".join(labels.get(f"topics.{t}", t) for t in line.topics) or "-"
        rows.append(
            f"- {when}: interaction of {line.occurred_on}, {labels.get(f'format.{line.format}', '-')}: {what}"
        )
    text = "\n".join(
        [
            f"Hello {supporter.alias},",
            "",
            f"You have {len(lines)} follow-up(s) due this week or overdue:",
            *rows,
            "",
            f"Log or close them on your form: {form}",
            "",
            "Vous avez des suivis à faire cette semaine ou en retard : consignez-les ou fermez-les sur votre formulaire.",
            "",
            f"Stop this weekly email / Arrêter ce courriel hebdomadaire: {opt_out}",
            "",
            settings.program_name,
        ]
    )
    return Message(
        to=(supporter.email or "",),
        subject=f"[Side-by-Side] Your follow-ups due this week ({len(lines)})",
        text=text,
        headers=(
            ("List-Unsubscribe", f"<{opt_out}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ),
    )


def send_digests(store: Store, settings: Settings, mailer: Mailer, now: datetime) -> dict[str, Any]:
    """Send this week's digests not yet sent; returns counts. Never raises for one supporter's mail."""
    today = now.astimezone(settings.timezone).date()
    week = week_of(today)
    sent = failed = 0
    for supporter in store.list_supporters():
        if not (supporter.active and supporter.email and supporter.digest):
            continue
        lines = follow_ups.due_for(store, supporter, today)
        if not lines:
            continue
        claim = store.claim(DIGEST, f"{week}-{supporter.id}", now, DIGESTS.stale_before(now))
        if claim is None:
            continue  # sent this week, or being sent by another process
        try:
            mailer.send(message_for(settings, supporter, lines))
        except MailError as exc:
            failed += 1
            log.warning("follow-up digest for supporter %s not sent: %s", supporter.id, exc)
            store.finish_claim(claim, now, error=str(exc)[:200], retry_at=DIGESTS.next_try(claim, now))
            continue
        store.finish_claim(claim, now)
        sent += 1
    return {"digests_sent": sent, "digests_failed": failed}
