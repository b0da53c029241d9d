"""One rule for claimed work that may fail: when a claim is stale, and how long to wait
before the next try. Every job uses it: urgent alerts (claimed one by one), the scheduled
report (claimed per period and attempt) and the local job loop's report retries.

The claims themselves are atomic store operations, one per kind of record
(``Store.claim_alert``, ``Store.claim_report_attempt``): what they share is this policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    """``first`` after the first failure, doubling up to ``most``; a claim older than
    ``stale_after`` belongs to a sender that died, and is taken over."""

    first: timedelta
    most: timedelta
    stale_after: timedelta

    def wait(self, failures: int) -> timedelta:
        """How long to wait after ``failures`` failed tries in a row (0: none)."""
        if failures <= 0:
            return timedelta(0)
        return min(self.first * 2 ** (failures - 1), self.most)

    def due(self, failures: int, last_try: datetime | None, now: datetime) -> bool:
        return last_try is None or now >= last_try + self.wait(failures)

    def stale_before(self, now: datetime) -> datetime:
        """Claims made before this moment are stale."""
        return now - self.stale_after

    def is_stale(self, claimed_at: datetime, now: datetime) -> bool:
        return claimed_at < self.stale_before(now)


# An alert send takes seconds (the mail timeout is 15 s): retry fast, take over after 5 minutes.
ALERTS = RetryPolicy(first=timedelta(seconds=20), most=timedelta(minutes=5), stale_after=timedelta(minutes=5))
# The report: the send_report function may run 9 minutes; a missing setting logs 4 times a day.
REPORTS = RetryPolicy(first=timedelta(minutes=5), most=timedelta(hours=6), stale_after=timedelta(minutes=15))
