"""Records of scheduled work from before claims, read so that an upgrade sends nothing twice.

Until claims (issue 9, item 4) the report, Send now, the alert emails' five-minute windows and
the weekly digest each kept one "report run" per period or key (state claimed, sent or failed,
an attempt number, the time of its last change, a detail), under an id that said which: the
period itself ("2026-11"), ``send-now-<key>``, ``alert-mail_<key>`` or ``digest-<key>``. The
SQLite adapter copies them into its claims table when it opens, once; the Firestore adapter
reads one when a claim is not found (see README, Updating). The job names here are the
services' (``reports.REPORT``, ``reports.SEND_NOW``, ``alerts.BATCH``, ``digest.DIGEST``); the
upgrade tests fail if they drift apart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.records import Claim

REPORT = "report"
PREFIXES = {"send-now": "send-now-", "alert-mail": "alert-mail_", "digest": "digest-"}
STATES = {"sent": "done", "failed": "failed", "claimed": "claimed"}
# What the Firestore adapter looks up when a claim is missing: an alert email's window matters
# for ten minutes, not worth a read on every alert email for ever after.
READ_BACK = frozenset({REPORT, "send-now", "digest"})


def run_id(job: str, key: str) -> str | None:
    """The id the run of unit ``key`` of ``job`` had, when that job kept runs."""
    if job == REPORT:
        return key
    prefix = PREFIXES.get(job)
    return prefix + key if prefix is not None else None


def split_run_id(period: str) -> tuple[str, str]:
    """The job and key of an old run's id."""
    for job, prefix in PREFIXES.items():
        if period.startswith(prefix):
            return job, period[len(prefix) :]
    return REPORT, period


def claim_from_run(job: str, key: str, doc: dict[str, Any]) -> Claim:
    """An old run (as stored: ``state``, ``attempt``, ``updated_at``, ``detail``) as the claim
    that says the same: sent is done, failed is failed (claimable at once, as it was), claimed
    is claimed since its last change."""
    state = STATES.get(str(doc.get("state")), "failed")
    at = doc["updated_at"]
    moment = at if isinstance(at, datetime) else datetime.fromisoformat(at)
    detail = str(doc.get("detail") or "")
    return Claim(
        job=job,
        key=key,
        claimed_at=moment,
        attempt=int(doc.get("attempt") or 1),
        state=state,
        finished_at=None if state == "claimed" else moment,
        failures=1 if state == "failed" else 0,
        next_try=moment if state == "failed" else None,
        error=detail if state == "failed" else "",
        note=detail if state == "done" else "",
    )
