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
from shared.i18n import N_, bilingual, translate, translate_plural
from shared.mail import Mailer, MailError, Message
from shared.records import Supporter
from shared.services import follow_ups, interactions
from shared.services.retry import DIGESTS
from shared.services.tokens import make_digest_key, make_token
from shared.store.port import Store

log = logging.getLogger("sidebyside.digest")

DIGEST = "digest"  # the job of one supporter's digest of one week, keyed "<week>-<supporter id>"


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _links(settings: Settings, supporter: Supporter) -> tuple[str, str]:
    form = settings.log_link(make_token(settings.secret_key, supporter.id, supporter.version))
    # The opt-out sits beside the form, at <log function>/digest-off?k=KEY. Mail providers open,
    # scan and keep List-Unsubscribe addresses, so it carries a key that can only stop this email
    # (shared/services/tokens.py), never the log-in token, which the body's own link carries.
    base = form[: form.index("/?t=")]
    return form, f"{base}/digest-off?k={make_digest_key(settings.secret_key, supporter.id)}"


def message_for(settings: Settings, supporter: Supporter, lines: list[follow_ups.Due]) -> Message:
    """The digest: dates, format and topics of each follow-up due; nothing about the student. In
    English then French, like the program's other mail to supporters (their language is unknown)."""
    form, opt_out = _links(settings, supporter)

    def body(lang: str) -> str:
        labels = load_form(interactions.FORM).labels(lang)
        rows = [
            translate(
                lang,
                "- %(when)s: interaction of %(day)s, %(format)s: %(topics)s",
                when=translate(
                    lang, N_("overdue since %(day)s") if line.overdue else N_("due %(day)s"), day=line.due
                ),
                day=line.occurred_on,
                format=labels.get(f"format.{line.format}", "-"),
                topics=", ".join(labels.get(f"topics.{t}", t) for t in line.topics) or "-",
            )
            for line in lines
        ]
        return "\n".join(
            [
                translate(lang, "Hello %(alias)s,", alias=supporter.alias),
                "",
                translate_plural(
                    lang,
                    "You have %(num)s follow-up due this week or overdue:",
                    "You have %(num)s follow-ups due this week or overdue:",
                    len(lines),
                ),
                *rows,
                "",
                translate(lang, "Log or close them on your form: %(link)s", link=form),
                "",
                translate(lang, "Stop this weekly email: %(link)s", link=opt_out),
                "",
                settings.program_title(lang),
            ]
        )

    subject = " / ".join(
        translate(lang, "Your follow-ups due this week (%(count)s)", count=len(lines))
        for lang in ("en", "fr")
    )
    return Message(
        to=(supporter.email or "",),
        subject=f"[Side-by-Side] {subject}",
        text=bilingual(body),
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
