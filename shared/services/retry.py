"""Claimed work: the one mechanism by which scheduled work is done once, retried when it fails
and taken over when its worker dies, and each job's policy for it.

Every unit of work that must happen once (one urgent alert, one supporter's alert email in a
five-minute window, a month's report, a Send now form, a supporter's weekly digest, a day's
maintenance) is a :class:`~shared.records.Claim`, keyed by its job and a key of its own:

1. ``store.claim(job, key, now, policy.stale_before(now))`` takes it, atomically: of any number
   of concurrent callers one gets the claim, the others None. A unit is claimable when it was
   never claimed, when it failed, or when its claim is older than ``stale_after`` (its worker
   died); once done, never again (unless ``redo``: ``sidebyside report --send --force``).
2. The worker does the work, then ``store.finish_claim(claim, now)`` records it done, or
   ``store.finish_claim(claim, now, error=..., retry_at=policy.next_try(claim, now))`` records the
   failure, the failures in a row and when the policy would try again.
3. The daily job deletes finished claims once nothing can claim their unit again
   (``shared/jobs.py``, ``KEEP``).

Who waits for a failed unit's ``next_try``: the callers that pass often. Urgent alerts are
tried by every pass of the local loop (20 s), every log and every cloud call, so they look at
their claim first and wait (``Claim.waiting``). The report, the digest and the day's maintenance
are called by something that paces itself (the local loop waits ``REPORTS.wait`` between report
runs, Cloud Scheduler has its own ``retry_config``, and an operator who fixed the mail settings
must not be made to wait), so their claim is taken again at once.

The one way work is done twice: a worker does it and dies (or loses the store) before it records
"done"; after ``stale_after`` another takes the claim over and does it again, once. Recording
"done" first would close that window but could lose an urgent alert or a report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.records import Claim


@dataclass(frozen=True)
class RetryPolicy:
    """``first`` after the first failure, doubling up to ``most``; a claim older than
    ``stale_after`` belongs to a worker that died, and is taken over."""

    first: timedelta
    most: timedelta
    stale_after: timedelta

    def wait(self, failures: int) -> timedelta:
        """How long to wait after ``failures`` failed tries in a row (0: none)."""
        if failures <= 0:
            return timedelta(0)
        return min(self.first * 2 ** (failures - 1), self.most)

    def next_try(self, claim: Claim, now: datetime) -> datetime:
        """When ``claim``'s unit, failing now, is to be tried again."""
        return now + self.wait(claim.failures + 1)

    def stale_before(self, now: datetime) -> datetime:
        """Claims made before this moment are stale."""
        return now - self.stale_after


# An alert send takes seconds (the mail timeout is 15 s): retry fast, take over after 5 minutes.
ALERTS = RetryPolicy(first=timedelta(seconds=20), most=timedelta(minutes=5), stale_after=timedelta(minutes=5))
# The report and Send now: the send_report function may run 9 minutes. The local loop runs a
# failed report again after 5, 10, 20 ... minutes, as Cloud Scheduler's retries do.
REPORTS = RetryPolicy(first=timedelta(minutes=5), most=timedelta(hours=6), stale_after=timedelta(minutes=15))
# The weekly digest: a refused one goes again with the next day's run.
DIGESTS = RetryPolicy(first=timedelta(days=1), most=timedelta(days=1), stale_after=timedelta(minutes=30))
# The day's maintenance: Cloud Scheduler retries a failed day after a minute, then two; a
# rebuild of the interaction tally may take minutes.
DAILY = RetryPolicy(first=timedelta(minutes=1), most=timedelta(hours=1), stale_after=timedelta(minutes=30))
