"""Follow-up counts (issue 14): what coordinators see of the supporters' follow-ups, counts only.

Standard library only: the console's dashboard and the log function's services read it without
loading the report's statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from shared.records import FollowUp

ENDINGS = ("not_needed", "could_not_reach")  # the two ways to close a follow-up without logging it
UPTAKE = ("connected", "not_yet", "declined", "unknown")  # did the student reach the service?


def follow_up_counts(follow_ups: Sequence[FollowUp], today: date) -> dict[str, int]:
    """Planned, done, closed (not needed or could not reach), open and overdue: counts only."""
    return {
        "planned": len(follow_ups),
        "done": sum(f.state == "done" for f in follow_ups),
        "closed": sum(f.state in ENDINGS for f in follow_ups),
        "open": sum(f.state == "open" for f in follow_ups),
        "overdue": sum(f.state == "open" and f.due < today for f in follow_ups),
    }


def uptake_counts(follow_ups: Sequence[FollowUp]) -> dict[str, dict[str, int]]:
    """Per referral destination, the ended follow-ups of a referral by uptake (unknown counted)."""
    out: dict[str, dict[str, int]] = {}
    for f in follow_ups:
        if f.referral == "none" or f.state == "open":
            continue
        row = out.setdefault(f.referral, dict.fromkeys(UPTAKE, 0))
        row[f.uptake if f.uptake in UPTAKE else "unknown"] += 1
    return out
