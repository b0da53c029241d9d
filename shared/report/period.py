"""Which days a report covers and which scheduled period a run belongs to. Standard library only.

An interactive report covers the academic year to date by default: from the first day of
``academic_year_start_month`` on or before today, to today, both in the program's time zone.

A scheduled run covers only complete months: the academic year through the last day of the
month before the run (:func:`scheduled_period`). So the run on 1 September sends the final
report of the academic year that just ended (August included), and no run counts a few hours
of the day it runs on. A scheduled run is keyed by its month ("2026-11"), so a monthly schedule
sends at most one report a month whatever the retries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from shared.report.words import period_label


@dataclass(frozen=True)
class Period:
    """The days a report covers, both ends included."""

    start: date
    end: date

    @property
    def label(self) -> str:
        """The period in English words ("1 September 2025 to 31 August 2026")."""
        return period_label(self.start, self.end, "en")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


YEARS_AHEAD = 100  # how far past today a report period may end


def allowed_days(program_start: date, today: date) -> Period:
    """The days a report may ask about: from 1 January of the program's first year to
    ``YEARS_AHEAD`` years past today. Anything outside is a typing slip, and the far ends of the
    calendar would overflow date arithmetic (``9999-12-31`` plus one day)."""
    return Period(date(program_start.year, 1, 1), date(min(today.year + YEARS_AHEAD, 9998), 12, 31))


def academic_year_start(day: date, start_month: int) -> date:
    """The first day of the academic year that ``day`` falls in."""
    year = day.year if day.month >= start_month else day.year - 1
    return date(year, start_month, 1)


def default_period(today: date, start_month: int) -> Period:
    """The academic year to date."""
    return Period(academic_year_start(today, start_month), today)


def scheduled_period(today: date, start_month: int) -> Period:
    """What a scheduled run on ``today`` covers: the academic year through the end of last month."""
    end = today.replace(day=1) - timedelta(days=1)
    return Period(academic_year_start(end, start_month), end)


def is_final(period: Period, start_month: int) -> bool:
    """True when ``period`` is a whole academic year (it ends the day before the next one starts)."""
    following = period.end + timedelta(days=1)
    return (
        following.day == 1
        and following.month == start_month
        and period.start == academic_year_start(period.end, start_month)
    )


def local_today(now: datetime, tz: ZoneInfo) -> date:
    """The date in the program's time zone at the instant ``now`` (naive means UTC)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=ZoneInfo("UTC"))
    return now.astimezone(tz).date()


def period_key(now: datetime, tz: ZoneInfo) -> str:
    """The scheduled period a run at ``now`` belongs to: its month in the program's time zone."""
    today = local_today(now, tz)
    return f"{today.year:04d}-{today.month:02d}"
