"""The console's dashboard figures: activity, follow-ups (counts only), urgent alerts to
acknowledge, open surveys, quiet supporters. Plain values from the store; no pandas (the console never imports it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from shared.config import Settings
from shared.errors import NotFoundError
from shared.i18n import N_
from shared.records import Alert, AlertAck, Supporter
from shared.report.follow_up_counts import follow_up_counts, planned_in
from shared.services import surveys
from shared.services.demo import is_demo_supporter
from shared.store.port import AlreadyExists, Store

ALERT_WINDOW = timedelta(days=90)  # older alerts are not shown for acknowledgement


# How the dashboard names an alert, by what the supporter did (shared.records.Alert.kind): a
# withdrawn or deleted urgent entry reads as such, as its email says (shared.services.alerts).
LINES = {
    "urgent": N_("%(day)s, logged by %(alias)s"),
    "urgent_now": N_("%(day)s, changed to urgent by %(alias)s"),
    "urgent_withdrawn": N_("%(day)s, urgent concern withdrawn by %(alias)s (no longer urgent)"),
    "urgent_deleted": N_("%(day)s, urgent interaction deleted by %(alias)s"),
}


@dataclass(frozen=True)
class OpenAlert:
    id: str
    created_at: datetime
    supporter: str  # the alias; nothing about the student
    occurred_on: date | None
    kind: str = "urgent"

    @property
    def line(self) -> str:
        """The message id of its line, for the page to translate."""
        return LINES.get(self.kind, LINES["urgent"])


@dataclass(frozen=True)
class SurveyRate:
    id: str
    answers: int  # released
    links: int
    pending: int = 0  # sealed, released in batches of at least k (shared/services/release.py)

    @property
    def percent(self) -> int | None:
        """Answers received (released and waiting) per link issued."""
        return round(100 * (self.answers + self.pending) / self.links) if self.links else None


@dataclass(frozen=True)
class Dashboard:
    month: int
    year: int
    year_start: date
    alerts: list[OpenAlert]
    surveys: list[SurveyRate]
    quiet: list[Supporter]
    quiet_days: int
    # follow-ups planned since the academic year began (by interactions from ``year_start`` on), as
    # they stand today: planned, done, closed, open, overdue (counts only), as the report counts them
    follow_ups: dict[str, int]


def year_start(today: date, start_month: int) -> date:
    return date(today.year if today.month >= start_month else today.year - 1, start_month, 1)


def open_alerts(store: Store, now: datetime) -> list[OpenAlert]:
    """Each interaction's newest alert, unless acknowledged: a later correction (urgent
    withdrawn, deleted, urgent again) supersedes the alerts before it, so a withdrawn urgent
    concern shows once, as withdrawn, not as the urgent alert it was."""
    since = now - ALERT_WINDOW
    acked = {ack.alert_id for ack in store.alert_acks_since(since)}
    newest: dict[str, Alert] = {}
    for alert in store.alerts_since(since):  # oldest first
        newest[alert.interaction_id] = alert
    found = []
    for alert in sorted(newest.values(), key=lambda a: a.created_at):
        if alert.id in acked:
            continue
        interaction = store.get_interaction(alert.interaction_id)
        supporter = store.get_supporter(interaction.supporter_id if interaction else alert.supporter_id)
        found.append(
            OpenAlert(
                alert.id,
                alert.created_at,
                supporter.alias if supporter else "?",
                interaction.occurred_on if interaction else None,
                alert.kind,
            )
        )
    return found


def acknowledge(store: Store, alert_id: str, by: str, now: datetime) -> bool:
    """Record the acknowledgement; False when someone already had (no error, no double)."""
    if not any(a.id == alert_id for a in store.alerts_since(now - ALERT_WINDOW)):
        raise NotFoundError(N_("There is no such alert."), code="no_alert")
    try:
        store.acknowledge_alert(AlertAck(alert_id, by, now))
    except AlreadyExists:
        return False
    return True


def build(store: Store, settings: Settings, now: datetime, quiet_days: int = 30) -> Dashboard:
    today = now.astimezone(settings.timezone).date()
    first = year_start(today, settings.academic_year_start_month)
    month_start = today.replace(day=1)
    # The demo supporter (``sidebyside demo``) counts nowhere, as in the report.
    everyone = store.list_supporters()
    demo = {s.id for s in everyone if is_demo_supporter(s)}
    month = year = 0
    for occurred_on, supporter, _answers in store.iter_interaction_answers(first, today):
        if supporter in demo:
            continue
        year += 1
        month += occurred_on >= month_start.isoformat()
    rates = [
        SurveyRate(s.survey.id, s.answers, s.survey.links_issued, s.pending)
        for s in surveys.list_surveys(store, settings, today)
        if s.state == "open"
    ]
    since = today - timedelta(days=quiet_days)
    quiet = [
        s for s in everyone if s.active and s.id not in demo and store.supporter_activity(s.id, since)[0] == 0
    ]
    # Planned since the year began, the report's definition (shared/report/follow_up_counts.py):
    # one period's follow-ups are read, never every one kept.
    planned = planned_in(store, first, today, today, exclude=frozenset(demo))
    return Dashboard(
        month,
        year,
        first,
        open_alerts(store, now),
        rates,
        quiet,
        quiet_days,
        follow_up_counts(planned, today),
    )
