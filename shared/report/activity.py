"""The program's activity in the period, from the interaction log.

Every categorical question of the log form gets a breakdown, labelled from the form, so a
topic (or a whole question) added to the YAML shows up here without code. A few questions
have a role on top of that, named below: the referral summary, follow-ups, duration, and the
student characteristic (year of study) whose breakdowns are protected against small counts.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from shared.i18n import translate
from shared.records import Supporter
from shared.report.columns import Categories, InteractionCounts, categories
from shared.report.model import (
    Activity,
    Breakdown,
    CategoryCount,
    Crosstab,
    Duration,
    FollowUps,
    MonthCount,
    ProtectedCounts,
    Referrals,
    SupporterCounts,
)
from shared.report.protect import Category, protect_counts, protect_crosstab
from shared.report.words import month_label, t

REFERRAL_FIELD = "referral"
NO_REFERRAL = "none"  # the referral choice that means "no referral"
FOLLOW_UP_FIELD = "follow_up_planned"
DURATION_FIELD = "duration_minutes"
CONCERN_FIELD = "concern_level"
YEAR_FIELD = "year_of_study"
STUDENT_FIELDS = frozenset({YEAR_FIELD})  # breakdowns by these are small-cell protected
NOT_RECORDED = "not_recorded"


def activity(
    counts: InteractionCounts,
    supporters: list[Supporter],
    threshold: int,
    labels: dict[str, str],
    *,
    shared: bool = False,
    lang: str = "en",
) -> Activity:
    """The activity section. ``shared``: the shareable copy, whose per-supporter counts are
    small-cell protected too (the coordinators' copy shows them as they are)."""
    total = counts.rows
    frame = counts.frame()
    days = counts.day_frame()
    tallies = {f.id: _tally(frame, f.id) for f in counts.single}
    breakdowns = []
    for fid in counts.order:
        if fid in STUDENT_FIELDS:
            continue
        if fid in tallies:
            answered = sum(tallies[fid].values())
            breakdowns.append(
                _breakdown(counts, fid, tallies[fid], answered, total, labels, multi=False, lang=lang)
            )
        elif fid in counts.multi:
            chosen = {k if isinstance(k, str) else str(k): v for k, v in counts.multi[fid].items()}
            breakdowns.append(
                _breakdown(counts, fid, chosen, counts.multi_rows[fid], total, labels, multi=True, lang=lang)
            )
    return Activity(
        interactions=total,
        supporters=supporter_counts(days, supporters),
        by_month=by_month(days, lang),
        breakdowns=breakdowns,
        referrals=referrals(counts, tallies, labels, lang),
        follow_ups=follow_ups(tallies, lang),
        duration=duration(counts, lang),
        by_year_of_study=year_by_concern(counts, frame, threshold, labels, lang),
        per_supporter=per_supporter(days, supporters, threshold if shared else 0, lang),
        notes=[] if total else [translate(lang, "No interactions were logged in this period.")],
    )


def supporter_counts(days: pd.DataFrame, supporters: list[Supporter]) -> SupporterCounts:
    """Current supporters (not revoked) and how many of them logged in the period.

    A revoked supporter is in neither number (their interactions still count, and the
    per-supporter table lists them); the demo supporter is never passed in.
    """
    current = {s.id for s in supporters if s.active}
    logged = set(days["supporter"])
    return SupporterCounts(active=len(current & logged), all=len(current))


def _tally(frame: pd.DataFrame, fid: str) -> dict[str, int]:
    """Interactions per category id of one question (unanswered left out)."""
    sums = frame.groupby(fid, dropna=True)["n"].sum()
    return {str(k): int(v) for k, v in sums.items()}


def _categories(
    counts: InteractionCounts, fid: str, seen: dict[str, int], labels: dict[str, str], lang: str = "en"
) -> Categories:
    return categories(counts.fields[fid], labels, seen, lang)


def _breakdown(
    counts: InteractionCounts,
    fid: str,
    tally: dict[str, int],
    answered: int,
    total: int,
    labels: dict[str, str],
    *,
    multi: bool,
    lang: str = "en",
) -> Breakdown:
    cats = _categories(counts, fid, tally, labels, lang)
    rows = [
        CategoryCount(
            cid, label, tally.get(cid, 0), 100.0 * tally.get(cid, 0) / answered if answered else None
        )
        for cid, label in zip(cats.ids, cats.labels, strict=True)
    ]
    return Breakdown(
        field=fid,
        label=labels.get(fid, fid),
        multiple=multi,
        answered=answered,
        not_answered=total - answered,
        rows=rows,
        note=t(lang, "multi_note") if multi else "",
    )


def by_month(days: pd.DataFrame, lang: str = "en") -> list[MonthCount]:
    """Interactions per calendar month, every month from the first to the last with any."""
    if days.empty:
        return []
    months = days["day"].map(lambda d: d.year * 12 + d.month - 1)
    counts = days["n"].groupby(months).sum()
    first, last = int(counts.index.min()), int(counts.index.max())
    return [
        MonthCount(
            f"{m // 12:04d}-{m % 12 + 1:02d}", month_label(m // 12, m % 12 + 1, lang), int(counts.get(m, 0))
        )
        for m in range(first, last + 1)
    ]


def referrals(
    counts: InteractionCounts, tallies: dict[str, dict[str, int]], labels: dict[str, str], lang: str = "en"
) -> Referrals:
    tally = tallies.get(REFERRAL_FIELD)
    if tally is None:
        return Referrals(None, None, [], translate(lang, "The log form does not ask about referrals."))
    answered = sum(tally.values())
    referred = sum(c for cid, c in tally.items() if cid != NO_REFERRAL)
    cats = _categories(counts, REFERRAL_FIELD, tally, labels, lang)
    return Referrals(
        count=referred,
        rate=100.0 * referred / answered if answered else None,
        answered=answered,
        by_destination=[
            CategoryCount(
                cid, label, tally.get(cid, 0), 100.0 * tally.get(cid, 0) / referred if referred else None
            )
            for cid, label in zip(cats.ids, cats.labels, strict=True)
            if cid != NO_REFERRAL
        ],
        note="" if answered else translate(lang, "No interaction in the period recorded a referral answer."),
    )


def follow_ups(tallies: dict[str, dict[str, int]], lang: str = "en") -> FollowUps:
    tally = tallies.get(FOLLOW_UP_FIELD)
    if tally is None:
        return FollowUps(None, None, translate(lang, "The log form does not ask about follow-ups."))
    answered = sum(tally.values())
    planned = tally.get("yes", 0)
    return FollowUps(
        count=planned,
        answered=answered,
        rate=100.0 * planned / answered if answered else None,
        note=""
        if answered
        else translate(lang, "No interaction in the period answered the follow-up question."),
    )


def duration(counts: InteractionCounts, lang: str = "en") -> Duration:
    if DURATION_FIELD not in counts.numbers:
        return Duration(0, None, translate(lang, "The log form does not ask for the duration."))
    values = np.frombuffer(counts.numbers[DURATION_FIELD], dtype=np.float64)
    if not len(values):
        return Duration(0, None, translate(lang, "No interaction in the period recorded its duration."))
    return Duration(len(values), float(np.median(values)))


def year_by_concern(
    counts: InteractionCounts, frame: pd.DataFrame, threshold: int, labels: dict[str, str], lang: str = "en"
) -> ProtectedCounts | Crosstab | None:
    """Interactions by the student's year of study and concern level, small counts protected.

    Unanswered years and levels get a row and a column of their own, so the table's totals
    are the period's totals that the report shows elsewhere (which the protection assumes).
    """
    if YEAR_FIELD not in frame.columns:
        return None
    years = frame[YEAR_FIELD].fillna(NOT_RECORDED)
    row_cats = _categories(counts, YEAR_FIELD, dict.fromkeys(years.unique(), 1), labels, lang)
    rows = [
        Category(i, label)
        for i, label in zip(row_cats.ids, row_cats.labels, strict=True)
        if i != NOT_RECORDED
    ]
    rows.append(Category(NOT_RECORDED, t(lang, "not_recorded")))
    if CONCERN_FIELD not in frame.columns:
        by_year = frame["n"].groupby(years).sum()
        table = protect_counts(rows, [int(by_year.get(r.id, 0)) for r in rows], threshold, lang)
        return replace(table, label=labels.get(YEAR_FIELD, YEAR_FIELD))
    levels = frame[CONCERN_FIELD].fillna(NOT_RECORDED)
    col_cats = _categories(counts, CONCERN_FIELD, dict.fromkeys(levels.unique(), 1), labels, lang)
    cols = [
        Category(i, label)
        for i, label in zip(col_cats.ids, col_cats.labels, strict=True)
        if i != NOT_RECORDED
    ]
    cols.append(Category(NOT_RECORDED, t(lang, "not_recorded")))
    grid = (
        frame["n"]
        .groupby([years, levels])
        .sum()
        .unstack(fill_value=0)
        .reindex(index=[r.id for r in rows], columns=[c.id for c in cols], fill_value=0)
    )
    # "Not recorded" only when it happened: otherwise it is a row or column of zeros.
    keep_rows = [r for r in rows if r.id != NOT_RECORDED or grid.loc[r.id].sum() > 0]
    keep_cols = [c for c in cols if c.id != NOT_RECORDED or grid[c.id].sum() > 0]
    values = grid.loc[[r.id for r in keep_rows], [c.id for c in keep_cols]].to_numpy(dtype=np.int64).tolist()
    crosstab = protect_crosstab(keep_rows, keep_cols, values, threshold, lang)
    return replace(crosstab, label=t(lang, "t_year_by_concern"))


def per_supporter(
    days: pd.DataFrame, supporters: list[Supporter], threshold: int, lang: str = "en"
) -> ProtectedCounts:
    """Interactions per supporter (by alias), small counts protected unless ``threshold`` is 0."""
    by_supporter = days["n"].groupby(days["supporter"]).sum()
    known = {s.id for s in supporters}
    listed = [s for s in supporters if s.active or s.id in by_supporter.index]
    categories_ = [Category(s.id, s.alias) for s in listed]
    values = [int(by_supporter.get(s.id, 0)) for s in listed]
    unknown = int(by_supporter[[sid for sid in by_supporter.index if sid not in known]].sum())
    if unknown:
        categories_.append(Category("unknown", t(lang, "no_longer_on_file")))
        values.append(unknown)
    return protect_counts(categories_, values, threshold, lang)
