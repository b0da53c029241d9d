"""The job runner: the program's scheduled work, one table of jobs run two ways, each unit of
it done once through one mechanism, claimed work (:mod:`shared.services.retry`).

- ``alerts``: urgent-concern alerts not yet sent, each a unit of its own (job ``alert``) and
  each supporter's email of a five-minute window another (``alert-mail``): retried with
  backoff, a stale claim taken over (:mod:`shared.services.alerts`);
- ``daily``: once per day (job ``daily``, keyed by the date in the program's time zone, so two
  scheduler calls of a day do it once): the survey purge (every survey whose grace period is
  over loses its links), the release of sealed answers in batches of at least the small-cell
  threshold, the purge of expired console sign-in links and sessions
  (:func:`shared.services.signin.purge_expired`), once after an upgrade from before the
  interaction tally its rebuild (:mod:`shared.services.tallies`), then the digest and the purge
  of finished claims nothing can claim again (``KEEP``);
- ``report``: the scheduled report, at most one per period whatever the retries (job ``report``
  keyed by period: :func:`shared.services.reports.send_scheduled_report`);
- ``digest``: the weekly email of follow-ups due to each supporter with an email, once per
  supporter and ISO week however often it runs (job ``digest``: :mod:`shared.services.digest`);
  run by ``daily``, so a week's digest goes out on its first day the job runs.

Locally, ``sidebyside serve`` runs :func:`run_forever` in a thread: alerts every ~20 s and
at once when :func:`deliver_soon` wakes it, the report at each tick of
``settings.report_schedule`` (cron, in the program's time zone), the daily job once a day.
In the cloud there is no loop: Cloud Scheduler calls the ``send_report`` function, whose
paths run the same jobs through :func:`run_job` (``/`` the report, ``/alerts``, ``/daily``),
and the log function sends an urgent alert itself right after storing it. Whichever runs a
unit, the claims decide who does it; the loop and the scheduler only decide when to look.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.bootstrap import App
from shared.services import alerts, digest, reports, tallies
from shared.services.alerts import deliver_soon as deliver_soon  # the log feature's way in; woken here
from shared.services.alerts import send_pending_alerts
from shared.services.digest import send_digests
from shared.services.links import purge_due as purge_surveys
from shared.services.release import release_pending
from shared.services.retry import DAILY, REPORTS, Failures
from shared.services.signin import purge_expired as purge_sign_ins
from shared.store.port import Store

log = logging.getLogger("sidebyside.jobs")

ALERT_INTERVAL = 20.0  # seconds between alert passes when nothing wakes the loop
POLL = 0.5  # how often a sleeping loop checks for stop and wake
CATCH_UP = timedelta(hours=24)  # a tick missed by at most this much (server restarting) still runs

Job = Callable[[App, datetime], dict[str, Any]]

DAILY_JOB = "daily"  # the claimed unit of the daily job, keyed by the date
ERROR_CHARS = 500  # most of a failed day's summary kept on its claim
# How long a finished claim is kept: until no caller can claim its unit again, since a unit
# is claimed only while its key is current (a month, a week, a day, a five-minute window; an
# alert once sent is never read as waiting again), with room to spare. The month's report
# stays a year (it must outlive every retry of its period; it also tells when it went).
# A job missing here is never purged.
KEEP = {
    alerts.ALERT: timedelta(days=7),
    alerts.BATCH: timedelta(days=1),
    reports.REPORT: timedelta(days=400),
    reports.SEND_NOW: timedelta(days=30),  # a console page resubmitted days later sends nothing
    digest.DIGEST: timedelta(days=30),
    DAILY_JOB: timedelta(days=30),
}


# -- the jobs -------------------------------------------------------------------------------
def alerts_job(app: App, now: datetime) -> dict[str, Any]:
    return {"alerts": send_pending_alerts(app, now)}


def purge_due(app: App, today: date) -> None:
    """The day's maintenance, which :func:`daily_job` claims and follows with the digest.

    Each unit alone (:class:`~shared.services.retry.Failures`): each survey's purge, each
    survey's release, the sign-in purge and the tally rebuild; one that fails is logged and the
    others still run, then the first failure is raised for the daily job to record."""
    store, failures = app.store, Failures(log)
    purged = purge_surveys(store, app.settings, today, failures)
    if purged:
        log.info("purged the links of surveys %s", ", ".join(purged))
    # The daily release: sealed answers go into the answers in batches (shared/services/release.py).
    release_pending(store, app.settings, today, failures)
    # Console sign-in links and sessions that can no longer be used (shared/services/signin.py).
    gone = failures.run("sign-in purge", purge_sign_ins, store, app.clock())
    if gone:
        log.info("purged %d expired console sign-in links and sessions", gone)
    # Once, on a Firestore store holding interactions from before the tally (one read otherwise).
    failures.run("tally rebuild", tallies.rebuild_if_never_built, store)
    failures.raise_first()


def purge_claims(store: Store, now: datetime) -> int:
    """Delete the finished claims kept long enough (``KEEP``); returns how many went."""
    return sum(store.purge_claims(job, now - keep) for job, keep in KEEP.items())


def digest_job(app: App, now: datetime) -> dict[str, Any]:
    return send_digests(app.store, app.settings, app.mailer, now)


def daily_job(app: App, now: datetime, maintain: Callable[[App, date], None] = purge_due) -> dict[str, Any]:
    """The day's maintenance, the digest and the purge of finished claims, once per day in the
    program's time zone: a second call that day finds the day done (or being done) and does
    nothing. Each of the three fails alone: the others still run, the failures are recorded on
    the day's claim (each with its kind) and the first is raised; the next call does the day
    again (each step is safe to repeat)."""
    today = now.astimezone(app.settings.timezone).date()
    store = app.store
    claim = store.claim(DAILY_JOB, today.isoformat(), now, DAILY.stale_before(now))
    if claim is None:
        held = store.get_claim(DAILY_JOB, today.isoformat())
        return {"daily": "already_done" if held is not None and held.state == "done" else "in_progress"}
    failures = Failures(log)
    failures.run("maintenance", maintain, app, today)
    result = failures.run("digest", digest_job, app, now) or {}
    failures.run("claims purge", purge_claims, store, app.clock())
    if failures:  # a message may name anything: the log has it, the record each unit and kind
        store.finish_claim(
            claim, now, error=failures.summary()[:ERROR_CHARS], retry_at=DAILY.next_try(claim, now)
        )
        failures.raise_first()
    store.finish_claim(claim, now)
    return {"daily": "done", **result}


def report_job(app: App, now: datetime) -> dict[str, Any]:
    return reports.send_scheduled_report(app, now)


JOBS: dict[str, Job] = {"alerts": alerts_job, "daily": daily_job, "report": report_job, "digest": digest_job}


def run_job(app: App, name: str, now: datetime) -> dict[str, Any]:
    """Run one job now (Cloud Scheduler's call). Pending alerts go first, whatever the job:
    in the cloud no loop sends them, and a report or purge must not wait on a failed alert."""
    result: dict[str, Any] = {}
    if name != "alerts":
        try:
            send_pending_alerts(app, now)
        except Exception:
            log.exception("pending alerts not flushed")
    result.update(JOBS[name](app, now))
    return result


# -- the local loop -------------------------------------------------------------------------
def next_tick(schedule: str, tz: ZoneInfo, after: datetime) -> datetime:
    """The first cron tick of ``schedule`` (read in ``tz``) strictly after ``after``."""
    from croniter import croniter  # only the job loop needs it: kept out of the functions' cold start

    return croniter(schedule, after.astimezone(tz)).get_next(datetime)


def previous_tick(schedule: str, tz: ZoneInfo, before: datetime) -> datetime:
    from croniter import croniter

    return croniter(schedule, before.astimezone(tz)).get_prev(datetime)


def send_scheduled_report(app: App, now: datetime) -> None:
    report_job(app, now)


class Jobs:
    """What is due when: :meth:`run_due` does it; the loop only sleeps in between.

    ``report`` and ``purge`` replace the report job and the daily maintenance (tests)."""

    def __init__(
        self,
        app: App,
        now: datetime,
        *,
        report: Callable[[App, datetime], Any] = send_scheduled_report,
        purge: Callable[[App, date], None] = purge_due,
    ) -> None:
        self.app = app
        self.report = report
        self.purge = purge
        settings = app.settings
        missed = previous_tick(settings.report_schedule, settings.timezone, now)
        self.next_report = missed if now - missed <= CATCH_UP else self._tick(now)
        self.report_failures = 0
        self.purged_on: date | None = None  # the day the daily job was last done or found done

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
        """Do what is due at ``now``. Each job with its own bookkeeping fails alone: whatever
        raises is logged, the other jobs still run and the loop goes on."""
        self._try("alerts", alerts_job, self.app, now)
        if now >= self.next_report:
            self._try("report schedule", self._report, now)
        if self.purged_on != now.astimezone(self.app.settings.timezone).date():
            self._try("daily", self._daily, now)

    def _report(self, now: datetime) -> None:
        # Until the bookkeeping below says otherwise, the next try is the longest wait: should
        # anything here raise, the report is not tried again at every pass of the loop.
        self.next_report = now + REPORTS.most
        if self._try("report", self.report, self.app, now):
            self.report_failures = 0
            self.next_report = self._tick(now)
        else:
            self.report_failures += 1
            self.next_report = now + REPORTS.wait(self.report_failures)

    def _daily(self, now: datetime) -> None:
        # Done for the day once done by anyone; while another holds it, look again next pass.
        if daily_job(self.app, now, self.purge)["daily"] != "in_progress":
            self.purged_on = now.astimezone(self.app.settings.timezone).date()

    def seconds_to_wait(self, now: datetime) -> float:
        return max(0.0, min(ALERT_INTERVAL, (self.next_report - now).total_seconds()))


def _sleep(app: App, stop: threading.Event, seconds: float) -> None:
    """Sleep until ``seconds`` pass, ``stop`` is set or :func:`deliver_soon` wakes the loop."""
    deadline = time.monotonic() + seconds
    while not stop.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        if app.wake.wait(min(POLL, remaining)):
            app.wake.clear()  # before the pass, so a wake during the pass wakes the next sleep
            return


def run_forever(app: App, stop: threading.Event) -> None:
    """Run the jobs until ``stop`` is set (``sidebyside serve`` calls this in a thread)."""
    jobs = Jobs(app, datetime.now(UTC))
    app.jobs_running.set()
    try:
        while not stop.is_set():
            wait = ALERT_INTERVAL
            try:  # run_due already keeps each job's failure to itself: this keeps the thread alive
                jobs.run_due(datetime.now(UTC))
                wait = jobs.seconds_to_wait(datetime.now(UTC))
            except Exception:
                log.exception("the job loop's pass failed; it runs again in %s s", ALERT_INTERVAL)
            _sleep(app, stop, wait)
    finally:
        app.jobs_running.clear()
