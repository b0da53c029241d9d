"""The program's activity in the period, from the interaction log.

Every categorical question of the log form gets a breakdown, labelled from the form, so a
topic (or a whole question) added to the YAML shows up here without code. A few questions
have a role on top of that, named below: the referral summary, follow-ups, duration, and the
student characteristic (year of study) whose breakdowns are protected against small counts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from shared.records import Supporter
from shared.report.columns import Coded, InteractionColumns
from shared.report.period import month_label
from shared.report.protect import Category, protect_counts, protect_crosstab

REFERRAL_FIELD = "referral"
NO_REFERRAL = "none"  # the referral choice that means "no referral"
FOLLOW_UP_FIELD = "follow_up_planned"
DURATION_FIELD = "duration_minutes"
CONCERN_FIELD = "concern_level"
YEAR_FIELD = "year_of_study"
STUDENT_FIELDS = frozenset({YEAR_FIELD})  # breakdowns by these are small-cell protected


def activity(
    columns: InteractionColumns, supporters: list[Supporter], threshold: int, labels: dict[str, str]
) -> dict[str, Any]:
    total = columns.rows
    notes = [] if total else ["No interactions were logged in this period."]
    breakdowns = [
        _breakdown(column, total, labels, multi=False)
        for fid, column in columns.fields.items()
        if fid not in STUDENT_FIELDS
    ]
    breakdowns += [_breakdown(column, total, labels, multi=True) for column in columns.multi.values()]
    breakdowns.sort(key=lambda b: columns.order.index(b["field"]))
    active = len(set(np.frombuffer(columns.supporters, dtype=np.int32).tolist())) if total else 0
    return {
        "interactions": total,
        "supporters": {
            "active": active,
            "all": len({s.id for s in supporters} | set(columns.supporter_ids)),
        },
        "by_month": by_month(columns),
        "breakdowns": breakdowns,
        "referrals": referrals(columns, total),
        "follow_ups": follow_ups(columns),
        "duration": duration(columns),
        "by_year_of_study": year_by_concern(columns, threshold, labels),
        "per_supporter": per_supporter(columns, supporters, threshold),
        "notes": notes,
    }


def _breakdown(column: Coded, total: int, labels: dict[str, str], *, multi: bool) -> dict[str, Any]:
    counts = column.counts()
    answered = column.rows_answered if multi else int((column.as_numpy() >= 0).sum())
    rows = [
        {"id": cid, "label": label, "count": count, "percent": 100.0 * count / answered if answered else None}
        for cid, label, count in zip(column.ids, column.labels, counts, strict=True)
    ]
    return {
        "field": column.field.id,
        "label": labels.get(column.field.id, column.field.id),
        "multiple": multi,
        "answered": answered,
        "not_answered": total - answered,
        "rows": rows,
        "note": "More than one answer per interaction is possible, so percentages add up to more than 100."
        if multi
        else "",
    }


def by_month(columns: InteractionColumns) -> list[dict[str, Any]]:
    """Interactions per calendar month, every month from the first to the last with any."""
    if not columns.rows:
        return []
    months = pd.Series(np.frombuffer(columns.months, dtype=np.int32))
    counts = months.value_counts()
    first, last = int(months.min()), int(months.max())
    return [
        {
            "month": f"{m // 12:04d}-{m % 12 + 1:02d}",
            "label": month_label(m // 12, m % 12 + 1),
            "count": int(counts.get(m, 0)),
        }
        for m in range(first, last + 1)
    ]


def referrals(columns: InteractionColumns, total: int) -> dict[str, Any]:
    column = columns.fields.get(REFERRAL_FIELD)
    if column is None:
        return {
            "count": None,
            "rate": None,
            "by_destination": [],
            "note": "The log form does not ask about referrals.",
        }
    counts = column.counts()
    answered = int((column.as_numpy() >= 0).sum())
    referred = sum(c for cid, c in zip(column.ids, counts, strict=True) if cid != NO_REFERRAL)
    return {
        "count": referred,
        "rate": 100.0 * referred / answered if answered else None,
        "answered": answered,
        "by_destination": [
            {"id": cid, "label": label, "count": c, "percent": 100.0 * c / referred if referred else None}
            for cid, label, c in zip(column.ids, column.labels, counts, strict=True)
            if cid != NO_REFERRAL
        ],
        "note": "" if answered else "No interaction in the period recorded a referral answer.",
    }


def follow_ups(columns: InteractionColumns) -> dict[str, Any]:
    column = columns.fields.get(FOLLOW_UP_FIELD)
    if column is None:
        return {"count": None, "rate": None, "note": "The log form does not ask about follow-ups."}
    counts = dict(zip(column.ids, column.counts(), strict=True))
    answered = int((column.as_numpy() >= 0).sum())
    planned = counts.get("yes", 0)
    return {
        "count": planned,
        "answered": answered,
        "rate": 100.0 * planned / answered if answered else None,
        "note": "" if answered else "No interaction in the period answered the follow-up question.",
    }


def duration(columns: InteractionColumns) -> dict[str, Any]:
    if DURATION_FIELD not in columns.numbers:
        return {"n": 0, "median": None, "note": "The log form does not ask for the duration."}
    values = columns.numbers_of(DURATION_FIELD)
    if not len(values):
        return {"n": 0, "median": None, "note": "No interaction in the period recorded its duration."}
    return {"n": len(values), "median": float(np.median(values)), "note": ""}


def year_by_concern(
    columns: InteractionColumns, threshold: int, labels: dict[str, str]
) -> dict[str, Any] | None:
    """Interactions by the student's year of study and concern level, small counts protected.

    Unanswered years and levels get a row and a column of their own, so the table's totals
    are the period's totals that the report shows elsewhere (which the protection assumes).
    """
    year, concern = columns.fields.get(YEAR_FIELD), columns.fields.get(CONCERN_FIELD)
    if year is None:
        return None
    rows = [Category(i, label) for i, label in zip(year.ids, year.labels, strict=True)]
    rows.append(Category("not_recorded", "Not recorded"))
    year_codes = _with_missing_last(year)
    if concern is None:
        counts = np.bincount(year_codes, minlength=len(rows)).tolist() if columns.rows else [0] * len(rows)
        table = protect_counts(rows, counts, threshold)
        table["label"] = labels.get(YEAR_FIELD, YEAR_FIELD)
        return table
    cols = [Category(i, label) for i, label in zip(concern.ids, concern.labels, strict=True)]
    cols.append(Category("not_recorded", "Not recorded"))
    frame = pd.DataFrame(
        {
            "year": pd.Categorical.from_codes(year_codes, categories=range(len(rows))),
            "concern": pd.Categorical.from_codes(_with_missing_last(concern), categories=range(len(cols))),
        }
    )
    grid = pd.crosstab(frame["year"], frame["concern"], dropna=False)
    grid = grid.reindex(index=range(len(rows)), columns=range(len(cols)), fill_value=0)
    # Columns nobody used in the period (often "not recorded") would only add zeros.
    keep = [j for j in range(len(cols)) if grid[j].sum() > 0 or cols[j].id != "not_recorded"]
    keep_rows = [i for i in range(len(rows)) if grid.loc[i].sum() > 0 or rows[i].id != "not_recorded"]
    table = protect_crosstab(
        [rows[i] for i in keep_rows],
        [cols[j] for j in keep],
        grid.loc[keep_rows, keep].to_numpy().tolist(),
        threshold,
    )
    table["label"] = (
        f"{labels.get(YEAR_FIELD, YEAR_FIELD)} by {labels.get(CONCERN_FIELD, CONCERN_FIELD).lower()}"
    )
    return table


def per_supporter(columns: InteractionColumns, supporters: list[Supporter], threshold: int) -> dict[str, Any]:
    """Interactions per supporter (by alias), small counts protected."""
    counts_by_id = dict(
        zip(
            columns.supporter_ids,
            np.bincount(
                np.frombuffer(columns.supporters, dtype=np.int32), minlength=len(columns.supporter_ids)
            ).tolist()
            if columns.rows
            else [0] * len(columns.supporter_ids),
            strict=True,
        )
    )
    known = {s.id: s for s in supporters}
    listed = [s for s in supporters if s.active or s.id in counts_by_id]
    categories = [Category(s.id, s.alias) for s in listed]
    counts = [counts_by_id.get(s.id, 0) for s in listed]
    unknown = sum(c for sid, c in counts_by_id.items() if sid not in known)
    if unknown:
        categories.append(Category("unknown", "Supporters no longer on file"))
        counts.append(unknown)
    return protect_counts(categories, counts, threshold)


def _with_missing_last(column: Coded) -> np.ndarray:
    """Codes with "not answered" (-1) moved to one past the last category."""
    codes = column.as_numpy().astype(np.int64)
    codes[codes < 0] = len(column.ids)
    return codes
