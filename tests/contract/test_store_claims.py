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


# -- a worker whose claim went stale and was taken over (attack2 M6) ----------------------------

LATER = NOW + timedelta(minutes=16)  # A's claim is stale: B takes the unit over


def test_a_slow_workers_failure_never_frees_the_unit_its_successor_holds(store):
    """A claims, goes stale; B takes over; A's late failure was written over B's live claim, so
    a third worker got the unit while B was still sending: two sends."""
    a = store.claim("report", "2026-03", NOW, REPORTS.stale_before(NOW))
    b = store.claim("report", "2026-03", LATER, REPORTS.stale_before(LATER))
    assert b.attempt == 2
    kept = store.finish_claim(a, LATER + timedelta(seconds=5), error="SMTP timeout")
    assert kept == b == store.get_claim("report", "2026-03")  # dropped: B holds it, as it was
    soon = LATER + timedelta(seconds=10)
    assert store.claim("report", "2026-03", soon, REPORTS.stale_before(soon)) is None
    failed = store.finish_claim(b, soon, error="SMTP refused", retry_at=soon)  # B's own ending counts
    assert (failed.state, failed.attempt, failed.failures, failed.error) == ("failed", 2, 1, "SMTP refused")
    assert store.get_claim("report", "2026-03") == failed


def test_a_slow_workers_done_ends_the_unit_and_its_successors_failure_cannot_reopen_it(store):
    """A sent the report after all, then B's failure was written over A's "done": the unit was
    claimable again and the report went a second (third) time."""
    a = store.claim("report", "2026-04", NOW, REPORTS.stale_before(NOW))
    b = store.claim("report", "2026-04", LATER, REPORTS.stale_before(LATER))
    done = store.finish_claim(a, LATER + timedelta(seconds=1), note="id-a")
    assert done == Claim(
        "report",
        "2026-04",
        LATER,
        attempt=2,
        state="done",
        finished_at=LATER + timedelta(seconds=1),
        note="id-a",
    )
    assert store.finish_claim(b, LATER + timedelta(seconds=2), error="SMTP refused") == done  # dropped
    assert store.finish_claim(b, LATER + timedelta(seconds=3), note="id-b") == done  # already done
    assert store.get_claim("report", "2026-04") == done
    after = LATER + timedelta(minutes=1)
    assert store.claim("report", "2026-04", after, REPORTS.stale_before(after)) is None


def test_a_slow_workers_failure_after_its_successor_finished_changes_nothing(store):
    a = store.claim("alert", "al-9", NOW, ALERTS.stale_before(NOW))
    later = NOW + timedelta(minutes=6)
    b = store.claim("alert", "al-9", later, ALERTS.stale_before(later))
    done = store.finish_claim(b, later)
    assert store.finish_claim(a, later + timedelta(seconds=1), error="timed out", retry_at=later) == done
    failed_b = store.claim("alert", "al-9", later, later, redo=True)  # a deliberate redo, failing
    failed = store.finish_claim(failed_b, later, error="refused", retry_at=later)
    assert store.finish_claim(a, later + timedelta(seconds=2), error="timed out") == failed
    assert store.get_claim("alert", "al-9") == failed


def test_concurrent_endings_of_one_claim_and_its_takeover_leave_the_takeover_holding(store):
    """A's late failure racing B's takeover, many times over: either B took the unit first (A's
    failure is dropped) or A's failure landed first (B then took the failed unit); B holds it."""
    for n in range(6):
        key = f"2026-{n:02d}"
        a = store.claim("report", key, NOW, REPORTS.stale_before(NOW))
        start = threading.Barrier(2)
        got: list[Claim | None] = []

        def take(key: str = key) -> None:
            start.wait()
            got.append(store.claim("report", key, LATER, REPORTS.stale_before(LATER)))

        def fail(a: Claim = a) -> None:
            start.wait()
            store.finish_claim(a, LATER, error="SMTP timeout", retry_at=LATER)

        threads = [threading.Thread(target=take), threading.Thread(target=fail)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        [b] = got
        assert b is not None and store.get_claim("report", key) == b and b.state == "claimed"


@pytest.mark.stores("firestore")
def test_purging_finished_claims_never_deletes_one_taken_again_meanwhile(store):
    """attack2 L4: Firestore's purge deleted what its query had found without a precondition, so
    a claim retaken between the query and the delete was deleted, and a second worker could take
    the unit its holder was working on. (SQLite and memory query and delete in one transaction.)
    The retake is injected between the adapter's query and its delete."""
    failed = store.claim("alert", "al-1", NOW, NOW)
    store.finish_claim(failed, NOW, error="refused", retry_at=NOW)
    finished = store.claim("alert", "al-2", NOW, NOW)
    store.finish_claim(finished, NOW)
    later = NOW + timedelta(days=8)
    query = store._snapshots
    taken: list[Claim | None] = []

    def query_then_retake(*args, **kwargs):
        found = query(*args, **kwargs)
        if args and args[0] == "claims" and not taken:
            taken.append(store.claim("alert", "al-1", later, later - timedelta(minutes=5)))
        return found

    store._snapshots = query_then_retake
    try:
        assert store.purge_claims("alert", later - timedelta(days=7)) == 1
    finally:
        del store._snapshots
    assert taken[0] is not None and store.get_claim("alert", "al-1") == taken[0]
    assert store.get_claim("alert", "al-2") is None
