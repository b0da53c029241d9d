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
   failure, the failures in a row and when the policy would try again. Only while the claim
   still holds the unit (``Claim.finish_over``): a worker that went stale and was taken over
   never frees the unit its successor holds, and its "done" ends the unit for good.
3. The daily job deletes finished claims once nothing can claim their unit again
   (``shared/jobs.py``, ``KEEP``).

Who waits for a failed unit's ``next_try``: the callers that pass often. Urgent alerts are
tried by every pass of the local loop (20 s), every log and every cloud call, so they look at
their claim first and wait (``Claim.waiting``). The report, the digest and the day's maintenance
are called by something that paces itself (the local loop waits ``REPORTS.wait`` between report
runs, Cloud Scheduler has its own ``retry_config``, and an operator who fixed the mail settings
must not be made to wait), so their claim is taken again at once.

A job made of several units (the day's maintenance: each survey's purge, each survey's
release, the sign-in purge, the digest ...) runs each through :class:`Failures`: a unit that
raises is logged and kept, the others still run, and the job records afterwards what failed
(on its claim, so the next call does the day again).

The one way work is done twice: a worker does it and dies (or loses the store) before it records
"done"; after ``stale_after`` another takes the claim over and does it again, once. Recording
"done" first would close that window but could lose an urgent alert or a report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from shared.records import Claim

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """``first`` after the first failure, doubling up to ``most``; a claim older than
    ``stale_after`` belongs to a worker that died, and is taken over."""

    first: timedelta
    most: timedelta
    stale_after: timedelta

    def wait(self, failures: int) -> timedelta:
        """How long to wait after ``failures`` failed tries in a row (0: none).

        Doubled only until it reaches ``most``: ``first * 2 ** (failures - 1)`` itself would
        overflow ``timedelta`` after some 40 failures in a row (a mail outage of days), and the
        caller recording the failure would then raise instead."""
        if failures <= 0:
            return timedelta(0)
        wait = self.first
        for _ in range(failures - 1):  # at most log2(most / first) doublings: then it is capped
            if wait >= self.most:
                break
            wait *= 2
        return min(wait, self.most)

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


class Failures:
    """The units of one job that failed, each alone: :meth:`run` does a unit and, should it
    raise, logs the exception (with its traceback: only the log may hold its message, which
    can name anything) and keeps it, so the caller goes on with the next unit and, once all
    were tried, records (:meth:`summary`) or raises (:meth:`raise_first`) what failed. One
    survey whose purge is refused must not keep every other survey, the release, the digest
    and the purge of old claims from running, day after day."""

    def __init__(self, log: logging.Logger) -> None:
        self.log = log
        self.failed: list[tuple[str, Exception]] = []

    def run(self, unit: str, work: Callable[..., T], *args: Any) -> T | None:
        """``work(*args)``'s result, or None when it raised (logged and kept under ``unit``)."""
        try:
            return work(*args)
        except Exception as exc:  # each unit fails alone; what failed is recorded after all ran
            self.log.exception("%s failed", unit)
            self.failed.append((unit, exc))
            return None

    def __bool__(self) -> bool:
        return bool(self.failed)

    def summary(self) -> str:
        """What failed, as a claim's error: each unit with its exception's kind (the log has
        the messages)."""
        return "; ".join(f"{unit}: {type(exc).__name__}" for unit, exc in self.failed)

    def raise_first(self) -> None:
        """Raise the first failure kept, if any: the caller's caller maps it as usual (a
        :class:`~shared.errors.Conflict` stays a 409, the store down a 503)."""
        if self.failed:
            raise self.failed[0][1]
