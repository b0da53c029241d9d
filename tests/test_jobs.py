"""The background loop: alerts within seconds of a kick, the report at each cron tick (in the
program's time zone), the survey purge once a day."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shared import bootstrap, config, jobs
from shared.errors import Conflict
from shared.mail import make_mailer
from shared.records import Link, Survey
from shared.services import release
from shared.services.retry import ALERTS, DAILY, DIGESTS, REPORTS, Failures
from shared.services.sealing import seal
from shared.store.memory import MemoryStore
from shared.store.port import Unavailable
from tests.test_alerts import SENDER, log

TORONTO = ZoneInfo("America/Toronto")


def toronto(*args: int) -> datetime:
    return datetime(*args, tzinfo=TORONTO)


def test_next_tick_reads_the_schedule_in_the_program_time_zone():
    assert jobs.next_tick("0 7 1 * *", TORONTO, toronto(2026, 3, 1, 6, 59)) == toronto(2026, 3, 1, 7, 0)
    # Across the change to daylight time: still 07:00 on the wall clock, an hour earlier in UTC.
    after = jobs.next_tick("0 7 1 * *", TORONTO, toronto(2026, 3, 1, 7, 0))
    assert after == toronto(2026, 4, 1, 7, 0)
    assert after.astimezone(UTC) == datetime(2026, 4, 1, 11, 0, tzinfo=UTC)


class Calls:
    """A report hook that records when it ran (and can be told to fail, as a down store would)."""

    def __init__(self, fail: int = 0) -> None:
        self.at: list[datetime] = []
        self.fail = fail

    def __call__(self, app: object, now: datetime) -> None:
        self.at.append(now)
        if self.fail:
            self.fail -= 1
            raise RuntimeError("store down")


def no_purge(app: object, today: date) -> None:
    pass


@pytest.fixture
def plain_app(settings_env, tmp_path):
    """The program on SQLite alone: the schedule tests make thousands of passes, each reading alerts."""
    return bootstrap.App(config.load(settings_env, base=tmp_path))


def test_the_report_runs_at_each_tick_and_once_per_tick(plain_app):
    report = Calls()
    start = toronto(2026, 2, 20, 12, 0)
    loop = jobs.Jobs(plain_app, start, report=report, purge=no_purge)
    for minutes in range(0, 60 * 24 * 40, 30):  # 40 days, a pass every half hour
        loop.run_due(start + timedelta(minutes=minutes))
    assert report.at == [toronto(2026, 3, 1, 7, 0), toronto(2026, 4, 1, 7, 0)]


def test_a_tick_missed_while_the_server_was_down_runs_at_start_within_a_day(plain_app):
    report = Calls()
    jobs.Jobs(plain_app, toronto(2026, 3, 1, 9, 30), report=report, purge=no_purge).run_due(
        toronto(2026, 3, 1, 9, 30)
    )
    assert report.at == [toronto(2026, 3, 1, 9, 30)]

    later = Calls()
    jobs.Jobs(plain_app, toronto(2026, 3, 3, 9, 30), report=later, purge=no_purge).run_due(
        toronto(2026, 3, 3, 9, 30)
    )
    assert later.at == []  # a fresh install mid-month does not mail a report at once


def test_a_failed_report_is_tried_again_after_5_then_10_then_20_minutes(plain_app):
    report = Calls(fail=3)
    start = toronto(2026, 2, 28, 12, 0)
    loop = jobs.Jobs(plain_app, start, report=report, purge=no_purge)
    for minutes in range(0, 60 * 24 * 33):
        loop.run_due(start + timedelta(minutes=minutes))
    assert report.at == [
        toronto(2026, 3, 1, 7, 0),
        toronto(2026, 3, 1, 7, 5),
        toronto(2026, 3, 1, 7, 15),
        toronto(2026, 3, 1, 7, 35),  # sent: the next try is the next tick
        toronto(2026, 4, 1, 7, 0),
    ]


def test_the_purge_runs_once_a_day_on_the_real_service(app):
    store = app.store
    today = date.today()
    store.add_survey(Survey(id="y2024", created_on=today - timedelta(days=90)))
    store.add_links("y2024", [Link(hash="a" * 64, survey_id="y2024")])
    close(store, "y2024", today - timedelta(days=30))
    loop = jobs.Jobs(app, datetime.now(UTC), report=Calls())

    loop.run_due(datetime.now(UTC))
    assert store.get_link("a" * 64) is None
    assert store.get_survey("y2024").purged_on is not None
    assert loop.purged_on == datetime.now(app.settings.timezone).date()


def close(store, survey_id: str, day: date) -> None:
    """Close the survey on ``day`` (links are issued only while a survey is open)."""
    survey = store.get_survey(survey_id)
    assert store.update_survey(survey, replace(survey, closed_on=day))


@pytest.fixture
def loop_app(app, smtp_server, settings_env, tmp_path):
    """The program mailing through the SMTP server, with a report schedule far from today (so the
    loop's own report hook stays quiet)."""
    month = (datetime.now(UTC).month + 5) % 12 + 1
    settings = config.load({**settings_env, "SIDEBYSIDE_REPORT_SCHEDULE": f"0 7 1 {month} *"}, base=tmp_path)
    return bootstrap.configure(
        settings=settings, store=app.store, mailer=make_mailer(smtp_server.target, SENDER)
    )


def wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_the_loop_sends_an_urgent_alert_within_seconds_of_a_kick(loop_app, smtp_server):
    stop = threading.Event()
    thread = threading.Thread(target=jobs.run_forever, args=(loop_app, stop), daemon=True)
    thread.start()
    try:
        assert wait_for(loop_app.jobs_running.is_set)
        time.sleep(0.2)  # let the first pass finish and the loop go to sleep for 20 s
        started = time.monotonic()
        interaction_id = log("Sam")
        [alert] = [a for a in loop_app.store.pending_alerts() if a.interaction_id == interaction_id]
        jobs.deliver_soon(loop_app, alert.id)  # the loop runs here, so this only wakes it
        assert wait_for(lambda: len(smtp_server.messages) == 1, seconds=5)
        assert time.monotonic() - started < 5
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()
    assert not loop_app.jobs_running.is_set()
    assert [m.message["Subject"] for m in smtp_server.messages] == [
        "[Side-by-Side] Urgent concern logged by Sam / Inquiétude urgente consignée par Sam"
    ]


def test_without_a_loop_deliver_soon_sends_at_once(loop_app, smtp_server):
    interaction_id = log("Sam")
    [alert] = [a for a in loop_app.store.pending_alerts() if a.interaction_id == interaction_id]
    jobs.deliver_soon(loop_app, alert.id)
    assert len(smtp_server.messages) == 1
    jobs.deliver_soon(loop_app, alert.id)
    assert len(smtp_server.messages) == 1


def test_the_daily_job_is_done_once_a_day_whoever_calls_and_again_after_a_failure(app):
    """Two scheduler calls of a day (Cloud Scheduler delivers at least once), or the loop and a
    call: the day's work is claimed, so it runs once; a failed day runs again on the next call."""
    days: list[date] = []

    def maintain(app: object, today: date) -> None:
        days.append(today)
        if len(days) == 1:
            raise RuntimeError("store down")

    now = datetime.now(UTC)
    today = now.astimezone(app.settings.timezone).date()
    with pytest.raises(RuntimeError):
        jobs.daily_job(app, now, maintain)
    failed = app.store.get_claim(jobs.DAILY_JOB, today.isoformat())
    assert (failed.state, failed.error, failed.next_try) == (
        "failed",
        "maintenance: RuntimeError",
        now + timedelta(minutes=1),
    )
    assert jobs.daily_job(app, now + timedelta(seconds=5), maintain)["daily"] == "done"
    assert jobs.daily_job(app, now + timedelta(minutes=1), maintain) == {"daily": "already_done"}
    loop = jobs.Jobs(app, now, report=Calls(), purge=maintain)
    loop.run_due(now + timedelta(minutes=2))
    assert days == [today, today] and loop.purged_on == today
    tomorrow = now + timedelta(days=1)
    assert jobs.daily_job(app, tomorrow, maintain)["daily"] == "done"
    assert days[-1] == tomorrow.astimezone(app.settings.timezone).date()


def test_the_daily_job_purges_the_claims_nothing_will_claim_again(app):
    store = app.store
    now = datetime.now(UTC)

    def finished(job: str, key: str, days_ago: float) -> None:
        at = now - timedelta(days=days_ago)
        store.finish_claim(store.claim(job, key, at, at), at)

    finished("alert-mail", "sam_window", 2)  # a five-minute window two days ago: gone
    finished("alert", "al-1", 3)  # kept a week
    finished("digest", "2026-W01-sam", 31)  # its week is long over: gone
    finished("report", "2026-01", 40)  # the month's report stays a year ...
    finished("report", "2024-01", 401)  # ... and then goes
    store.claim("report", "2026-02", now - timedelta(days=60), now)  # never finished: kept
    finished("some-future-job", "x", 900)  # a job with no retention: kept

    jobs.run_job(app, "daily", now)

    kept = {
        (job, key)
        for job, key in [
            ("alert-mail", "sam_window"),
            ("alert", "al-1"),
            ("digest", "2026-W01-sam"),
            ("report", "2026-01"),
            ("report", "2024-01"),
            ("report", "2026-02"),
            ("some-future-job", "x"),
        ]
        if store.get_claim(job, key) is not None
    }
    assert kept == {("alert", "al-1"), ("report", "2026-01"), ("report", "2026-02"), ("some-future-job", "x")}


# -- failures that must stay the failing unit's own ---------------------------------------------


@pytest.mark.parametrize("policy", [REPORTS, ALERTS, DAILY, DIGESTS])
def test_the_backoff_doubles_up_to_its_most_and_stays_there_however_many_failures(policy):
    """attack2 M1: ``first * 2 ** (n - 1)`` overflowed timedelta at about 40 failures in a row
    (REPORTS at 40, DAILY at 42, ALERTS at 43), so recording the next failure raised."""
    assert policy.wait(0) == timedelta(0)
    assert policy.wait(1) == policy.first
    assert policy.wait(2) == min(2 * policy.first, policy.most)
    for failures in (39, 40, 42, 43, 64, 10**6):
        assert policy.wait(failures) == policy.most


def test_the_local_loop_survives_nine_days_of_failed_reports(plain_app):
    """attack2 M1: 60 failed report sends in a row (5, 10, 20 minutes ... then every 6 hours:
    some nine days of mail outage). The loop's bookkeeping raised OverflowError at the 40th,
    outside its guard, and the thread running every job died."""
    report = Calls(fail=60)
    now = toronto(2026, 11, 2, 12, 0)
    loop = jobs.Jobs(plain_app, now, report=report, purge=no_purge)
    for _ in range(60):
        now = max(now, loop.next_report)
        loop.run_due(now)
    assert loop.report_failures == 60 and len(report.at) == 60
    assert loop.next_report == now + REPORTS.most
    assert report.at[-1] - report.at[0] > timedelta(days=8)


def test_a_day_failing_at_every_pass_records_its_own_error_every_time(app):
    """attack2 M1: a day whose maintenance is refused at every pass of the local loop (20 s)
    records the refusal each time; from the 42nd failure the backoff overflowed, and the day
    raised OverflowError instead of the refusal."""

    def maintain(app: object, today: date) -> None:
        raise Conflict("some answers do not open with the current secret key")

    now = datetime(2026, 11, 2, 12, tzinfo=UTC)
    for i in range(50):
        with pytest.raises(Conflict):
            jobs.daily_job(app, now + timedelta(seconds=20 * i), maintain)
    failed = app.store.get_claim(jobs.DAILY_JOB, "2026-11-02")
    assert (failed.state, failed.failures, failed.error) == ("failed", 50, "maintenance: Conflict")
    assert failed.next_try == now + timedelta(seconds=20 * 49) + DAILY.most


def test_one_survey_whose_purge_fails_does_not_stop_the_others_nor_the_day(app):
    """attack2 L3: a survey whose purge is refused (an answer sealed under another secret key)
    stopped the daily job at the first survey: no other survey was purged, and the digest and
    the claims purge never ran, day after day. Each unit fails alone; the day's claim says what
    failed, so the next call does the day again."""
    store = app.store
    now = datetime.now(UTC)
    today = now.astimezone(app.settings.timezone).date()
    for survey_id in ("a-stuck", "b-free"):  # purged in id order: the stuck one first
        store.add_survey(Survey(survey_id, created_on=today - timedelta(days=90)))
        store.add_links(survey_id, [Link(survey_id * 8, survey_id)])
    store.redeem(
        "a-stuck" * 8, seal("another-secret-key-0123456789abcdef", "a-stuck", {"year_of_study": "year2"})
    )
    for survey_id in ("a-stuck", "b-free"):
        close(store, survey_id, today - timedelta(days=30))
    old = now - timedelta(days=40)
    store.finish_claim(store.claim("digest", "2026-W01-sam", old, old), old)  # to be purged today

    with pytest.raises(Conflict):
        jobs.daily_job(app, now)
    assert store.get_survey("b-free").purged_on == today and store.get_link("b-free" * 8) is None
    assert store.get_survey("a-stuck").purged_on is None and store.count_sealed("a-stuck") == 1
    assert store.get_claim("digest", "2026-W01-sam") is None  # the claims purge still ran
    failed = store.get_claim(jobs.DAILY_JOB, today.isoformat())
    assert (failed.state, failed.error) == ("failed", "maintenance: Conflict")
    with pytest.raises(Conflict):  # the next call does the day again, and says why again
        jobs.daily_job(app, now + timedelta(minutes=1))


class DownForOneSurvey(MemoryStore):
    """A store that cannot read one survey's sealed answers (the fault injected, through the port)."""

    def sealed_answers(self, survey_id: str) -> list:
        if survey_id == "a-down":
            raise Unavailable("the store did not answer")
        return super().sealed_answers(survey_id)


def test_one_survey_whose_release_fails_does_not_stop_the_others(settings_env, tmp_path):
    """The daily release said each survey fails alone, and did not: the first survey that raised
    left every later one sealed."""
    store = DownForOneSurvey()
    app = bootstrap.configure(settings=config.load(settings_env, base=tmp_path), store=store)
    try:
        today = datetime.now(app.settings.timezone).date()
        k = release.minimum_batch(app.settings)
        for survey_id in ("a-down", "b-up"):
            store.add_survey(Survey(survey_id, created_on=today))
            hashes = [f"{survey_id}-{n}" for n in range(2 * k)]
            store.add_links(survey_id, [Link(h, survey_id) for h in hashes])
            for h in hashes:
                store.redeem(h, seal(app.settings.secret_key, survey_id, {"year_of_study": "year2"}))
        with pytest.raises(Unavailable):
            release.release_pending(store, app.settings, today)
        assert store.count_answers("b-up") == k and store.count_sealed("b-up") == k
        failures = Failures(logging.getLogger("test"))
        assert set(release.release_pending(store, app.settings, today, failures)) == {"b-up"}
        assert failures.summary() == "release of survey a-down: Unavailable"
    finally:
        bootstrap.reset()
