"""Follow-up counts (issue 14): what coordinators see of the supporters' follow-ups, counts only.

Which follow-ups a period counts. The report and the dashboard count the follow-ups **planned in
the period**: those planned by an interaction that took place in it, each where it stands on the
day the figures are made (done, closed without a follow-up, still open, overdue). So a report for
November counts November's follow-ups whether they fell due, or were logged, in November or later,
and its follow-up counts and referral uptake are about the same interactions as its "Follow-ups
planned" and "Referrals" figures. (Counting by due date instead left out every follow-up logged
early: a follow-up done in November but due in December was in no report of November.)

Reads stay bounded by the period, never by the years kept: a follow-up is due on or after the day
its interaction was logged, which is on or after the day it took place, and at most
:data:`LONGEST_DAYS` after the day it was logged, which is no later than today. So the follow-ups
planned from ``start`` on are among those due from ``start`` to ``today + LONGEST_DAYS``: one
query, then one read of their originals together for the day each took place.

Standard library only: the console's dashboard and the log function's services read it without
loading the report's statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from shared.records import FollowUp
from shared.store.port import Store

ENDINGS = ("not_needed", "could_not_reach")  # the two ways to close a follow-up without logging it
UPTAKE = ("connected", "not_yet", "declined", "unknown")  # did the student reach the service?
LONGEST_DAYS = 366  # the furthest a due date may lie after the day it is set (a later one is a typo)
# How each referral's follow-up stands: logged (its uptake, one of UPTAKE), closed, or still open.
UPTAKE_ROW = (*UPTAKE, "closed", "open")


def planned_in(
    store: Store, start: date, end: date, today: date, *, exclude: frozenset[str] = frozenset()
) -> list[FollowUp]:
    """The follow-ups planned by interactions that took place from ``start`` to ``end`` (both
    included), as they stand today, except those of the supporters in ``exclude`` (the demo
    supporter). A follow-up whose interaction was deleted is left out, as on the supporter's list."""
    due = [
        f
        for f in store.follow_ups(due_from=start, due_to=today + timedelta(days=LONGEST_DAYS))
        if f.supporter_id not in exclude
    ]
    originals = store.get_interactions(f.id for f in due)
    return [f for f in due if f.id in originals and start <= originals[f.id].occurred_on <= end]


def follow_up_counts(follow_ups: Sequence[FollowUp], today: date) -> dict[str, int]:
    """Planned, done, closed (not needed or could not reach), still open, and overdue (the open
    ones past their due date): counts only. Planned = done + closed + open."""
    return {
        "planned": len(follow_ups),
        "done": sum(f.state == "done" for f in follow_ups),
        "closed": sum(f.state in ENDINGS for f in follow_ups),
        "open": sum(f.state == "open" for f in follow_ups),
        "overdue": sum(f.state == "open" and f.due < today for f in follow_ups),
    }


def uptake_counts(follow_ups: Sequence[FollowUp]) -> dict[str, dict[str, int]]:
    """Per referral destination, how its follow-ups stand (:data:`UPTAKE_ROW`): the ones logged by
    the uptake they recorded (a skipped answer is ``unknown``), then those closed without a
    follow-up (not needed, could not reach) and those still open. Only a logged follow-up says
    anything about uptake: a closed one is its own category, never an "unknown" outcome."""
    out: dict[str, dict[str, int]] = {}
    for f in follow_ups:
        if f.referral == "none":
            continue
        row = out.setdefault(f.referral, dict.fromkeys(UPTAKE_ROW, 0))
        if f.state == "done":
            row[f.uptake if f.uptake in UPTAKE else "unknown"] += 1
        elif f.state in ENDINGS:
            row["closed"] += 1
        else:
            row["open"] += 1
    return out
