"""The contract of claimed work (``Store.claim``, ``finish_claim``, ``get_claim``,
``purge_claims``): the one mechanism that makes each unit of scheduled work happen once, on every
adapter (``stores`` marker, see tests/conftest.py)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from shared.records import Claim
from shared.services.retry import ALERTS, REPORTS
from tests.conftest import ALL_STORES

pytestmark = pytest.mark.stores(*ALL_STORES)

NOW = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
STALE = NOW - timedelta(minutes=5)  # claims made before this are stale


def race(claim, contenders: int = 8) -> list[Claim]:
    """``claim()`` called by ``contenders`` threads at once; the claims they got."""
    start = threading.Barrier(contenders)
    won: list[Claim] = []
    lock = threading.Lock()

    def contend() -> None:
        start.wait()
        got = claim()
        if got is not None:
            with lock:
                won.append(got)

    threads = [threading.Thread(target=contend) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return won


def test_a_unit_never_claimed_is_claimed_once_by_one_of_many(store):
    [won] = race(lambda: store.claim("report", "2026-03", NOW, STALE))
    assert won == Claim("report", "2026-03", NOW)
    assert store.get_claim("report", "2026-03") == won
    assert store.claim("report", "2026-03", NOW, STALE) is None  # held, and fresh
    # Another key, or the same key of another job, is another unit.
    assert store.claim("report", "2026-04", NOW, STALE) == Claim("report", "2026-04", NOW)
    assert store.claim("digest", "2026-03", NOW, STALE) == Claim("digest", "2026-03", NOW)
    assert store.get_claim("report", "2026-05") is None


def test_a_failed_unit_is_retaken_by_one_of_many(store):
    first = store.claim("alert", "al-1", NOW, STALE)
    store.finish_claim(first, NOW, error="refused", retry_at=NOW)
    later = NOW + timedelta(minutes=1)
    [won] = race(lambda: store.claim("alert", "al-1", later, later - timedelta(minutes=5)))
    assert (won.attempt, won.state, won.claimed_at) == (2, "claimed", later)
    assert store.get_claim("alert", "al-1") == won


def test_a_stale_claim_is_taken_over_and_a_fresh_one_is_not(store):
    store.claim("report", "2026-03", NOW, STALE)
    four_minutes = NOW + timedelta(minutes=4)
    assert store.claim("report", "2026-03", four_minutes, REPORTS.stale_before(four_minutes)) is None
    later = NOW + timedelta(minutes=16)  # its holder must have died: no run lasts 15 minutes
    [won] = race(lambda: store.claim("report", "2026-03", later, REPORTS.stale_before(later)))
    assert (won.attempt, won.state, won.claimed_at) == (2, "claimed", later)


def test_a_done_unit_is_never_claimed_again_unless_redone(store):
    claim = store.claim("report", "2026-03", NOW, STALE)
    done = store.finish_claim(claim, NOW + timedelta(seconds=3), note="id-1 id-2")
    assert done == Claim(
        "report", "2026-03", NOW, state="done", finished_at=NOW + timedelta(seconds=3), note="id-1 id-2"
    )
    assert store.get_claim("report", "2026-03") == done
    for later in (NOW, NOW + timedelta(days=40)):  # however late, however stale
        assert store.claim("report", "2026-03", later, later) is None
    # A deliberate second time (sidebyside report --send --force): the next attempt, by one.
    [again] = race(lambda: store.claim("report", "2026-03", NOW, STALE, redo=True), contenders=4)
    assert (again.attempt, again.state) == (2, "claimed")


def test_a_failure_records_the_error_the_count_and_the_next_try(store):
    claim = store.claim("alert", "al-1", NOW, STALE)
    failed = store.finish_claim(claim, NOW, error="451 try again later", retry_at=ALERTS.next_try(claim, NOW))
    assert store.get_claim("alert", "al-1") == failed
    assert (failed.state, failed.failures, failed.error, failed.next_try) == (
        "failed",
        1,
        "451 try again later",
        NOW + timedelta(seconds=20),
    )
    assert failed.waiting(NOW + timedelta(seconds=19)) and not failed.waiting(NOW + timedelta(seconds=20))

    second_at = NOW + timedelta(seconds=20)
    second = store.claim("alert", "al-1", second_at, ALERTS.stale_before(second_at))
    assert (second.attempt, second.failures, second.error) == (2, 1, "451 try again later")
    twice = store.finish_claim(
        second, second_at, error="timed out", retry_at=ALERTS.next_try(second, second_at)
    )
    assert (twice.failures, twice.error, twice.next_try) == (
        2,
        "timed out",
        second_at + timedelta(seconds=40),
    )

    third_at = second_at + timedelta(seconds=40)
    third = store.claim("alert", "al-1", third_at, ALERTS.stale_before(third_at))
    done = store.finish_claim(third, third_at)
    assert (done.attempt, done.state, done.failures, done.error, done.next_try) == (3, "done", 0, "", None)
    assert store.get_claim("alert", "al-1") == done


def test_finished_claims_are_purged_per_job_and_running_ones_never(store):
    def finished(job: str, key: str, at: datetime, error: str | None = None) -> None:
        store.finish_claim(store.claim(job, key, at, at), at, error=error)

    finished("alert-mail", "old-done", NOW - timedelta(days=3))
    finished("alert-mail", "old-failed", NOW - timedelta(days=2), error="refused")
    finished("alert-mail", "recent", NOW - timedelta(hours=1))
    store.claim("alert-mail", "running", NOW - timedelta(days=5), NOW)  # claimed long ago, never finished
    finished("report", "2026-01", NOW - timedelta(days=30))

    assert store.purge_claims("alert-mail", NOW - timedelta(days=1)) == 2
    assert store.get_claim("alert-mail", "old-done") is None
    assert store.get_claim("alert-mail", "old-failed") is None
    assert store.get_claim("alert-mail", "recent").state == "done"
    assert store.get_claim("alert-mail", "running").state == "claimed"
    assert store.get_claim("report", "2026-01").state == "done"  # another job: its own retention
    assert store.purge_claims("alert-mail", NOW - timedelta(days=1)) == 0
    # A purged unit is a new unit again: purge only what nothing will claim again.
    assert store.claim("alert-mail", "old-done", NOW, NOW).attempt == 1
