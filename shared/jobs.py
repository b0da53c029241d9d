"""Background jobs of the local server (``sidebyside serve`` runs :func:`run_forever` in a thread).

- urgent-concern alerts: sent every ~20 s, and at once when :func:`kick` wakes the loop, so
  coordinators hear within a minute even when a first try fails;
- the scheduled report: at each tick of ``settings.report_schedule`` (cron, in the program's
  time zone), :func:`shared.services.reports.send_scheduled_report`, which sends at most one
  report per period whatever the retries;
- the survey purge: once a day, every survey whose grace period is over loses its links, and
  sealed answers are released in batches of at least the small-cell threshold.

In the cloud there is no loop: the log function sends an urgent alert itself right after
storing it (:func:`deliver_soon`), and Cloud Scheduler's calls to ``send_report`` flush any
alert left pending.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from shared.services.alerts import send_alert_now, send_pending_alerts
from shared.services.release import release_pending

if TYPE_CHECKING:
    from shared.bootstrap import App

log = logging.getLogger("sidebyside.jobs")

ALERT_INTERVAL = 20.0  # seconds between alert passes when nothing wakes the loop
POLL = 0.5  # how often a sleeping loop checks for stop and kick
REPORT_RETRY = timedelta(minutes=5)  # after a failed scheduled report (the store was down, say),
MAX_REPORT_RETRY = timedelta(hours=6)  # doubling up to this (a missing setting logs 4 times a day)
CATCH_UP = timedelta(hours=24)  # a tick missed by at most this much (server restarting) still runs

_wake = threading.Event()
_running = threading.Event()  # set while this process runs the loop


def kick() -> None:
    """Wake the loop now: an urgent concern was just logged."""
    _wake.set()


def deliver_soon(app: App, alert_id: str) -> None:
    """Get a just-stored urgent alert to the coordinators, for the log feature to call.

    When this process runs the loop (the local server) it is woken and sends within a
    second, off the request. Otherwise (a cloud function) the alert is sent now, before the
    response, since an instance gets no CPU after it; if that fails the alert stays pending
    for the next ``send_report`` call or loop pass. Never sends twice, never raises for mail.
    """
    if _running.is_set():
        kick()
    else:
        send_alert_now(app, alert_id)


def next_tick(schedule: str, tz: ZoneInfo, after: datetime) -> datetime:
    """The first cron tick of ``schedule`` (read in ``tz``) strictly after ``after``."""
    from croniter import croniter  # here, not at the top: the log function imports this module

    return croniter(schedule, after.astimezone(tz)).get_next(datetime)


def previous_tick(schedule: str, tz: ZoneInfo, before: datetime) -> datetime:
    from croniter import croniter

    return croniter(schedule, before.astimezone(tz)).get_prev(datetime)


def _optional(module: str, name: str) -> Callable[..., Any] | None:
    """A function from a feature module that may not be installed yet."""
    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return None


def send_scheduled_report(app: App, now: datetime) -> None:
    report = _optional("shared.services.reports", "send_scheduled_report")
    if report is not None:
        report(app, now)


def purge_due(app: App, today: date) -> None:
    from shared.services.links import purge_due as purge

    purged = purge(app.store, app.settings, today)
    if purged:
        log.info("purged the links of surveys %s", ", ".join(purged))
    # The daily release: sealed answers go into the answers in batches (shared/services/release.py).
    release_pending(app.store, app.settings, today)


class Jobs:
    """What is due when: :meth:`run_due` does it; the loop only sleeps in between."""

    def __init__(
        self,
        app: App,
        now: datetime,
        *,
        report: Callable[[App, datetime], None] = send_scheduled_report,
        purge: Callable[[App, date], None] = purge_due,
    ) -> None:
        self.app = app
        self.report = report
        self.purge = purge
        settings = app.settings
        missed = previous_tick(settings.report_schedule, settings.timezone, now)
        self.next_report = missed if now - missed <= CATCH_UP else self._tick(now)
        self.report_failures = 0
        self.purged_on: date | None = None

    def _tick(self, after: datetime) -> datetime:
        return next_tick(self.app.settings.report_schedule, self.app.settings.timezone, after)

    def _try(self, name: str, job: Callable[..., Any], *args: Any) -> bool:
        # A failing job must not stop the others or the loop; it is tried again on its next turn.
        try:
            job(*args)
        except Exception:
            log.exception("background job %s failed", name)
            return False
        return True

    def run_due(self, now: datetime) -> None:
        self._try("alerts", send_pending_alerts, self.app, now)
        if now >= self.next_report:
            if self._try("report", self.report, self.app, now):
                self.report_failures = 0
                self.next_report = self._tick(now)
            else:
                self.report_failures += 1
                self.next_report = now + min(REPORT_RETRY * 2 ** (self.report_failures - 1), MAX_REPORT_RETRY)
        today = now.astimezone(self.app.settings.timezone).date()
        if self.purged_on != today and self._try("purge", self.purge, self.app, today):
            self.purged_on = today

    def seconds_to_wait(self, now: datetime) -> float:
        return max(0.0, min(ALERT_INTERVAL, (self.next_report - now).total_seconds()))


def _sleep(stop: threading.Event, seconds: float) -> None:
    """Sleep until ``seconds`` pass, ``stop`` is set or :func:`kick` is called."""
    deadline = time.monotonic() + seconds
    while not stop.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        if _wake.wait(min(POLL, remaining)):
            _wake.clear()  # before the pass, so a kick during the pass wakes the next sleep
            return


def run_forever(stop: threading.Event) -> None:
    """Run the jobs until ``stop`` is set (``sidebyside serve`` calls this in a thread)."""
    from shared import bootstrap

    app = bootstrap.app()
    jobs = Jobs(app, datetime.now(UTC))
    _running.set()
    try:
        while not stop.is_set():
            now = datetime.now(UTC)
            jobs.run_due(now)
            _sleep(stop, jobs.seconds_to_wait(datetime.now(UTC)))
    finally:
        _running.clear()
