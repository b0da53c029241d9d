"""The survey part of the report: barriers compared between the two services, and context.

One row per barrier (the choices of the survey's barrier matrix) comparing the first two
services (the matrix rows, in the form's order; the difference is first minus second):

- ``paired`` (the default): every respondent answered for both services, so the answers are
  pairs: exact McNemar test, Newcombe's paired interval;
- ``independent``: the two columns treated as separate groups, as the published program
  analysis did: chi-square with Yates' correction, or Fisher's exact test when an expected
  count is under 5; Newcombe's interval for independent proportions.

P values are adjusted across the barriers with Holm's method. The statistics themselves are
``stats``'s; this module shapes the counts and names what it did.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from shared.records import Survey
from shared.report import stats
from shared.report.columns import AnswerColumns, categories
from shared.report.paired import compare_paired_cells, paired_cells
from shared.report.protect import Category, protect_counts

TESTS = ("paired", "independent")


def compare_barriers(columns: AnswerColumns, test: str) -> dict[str, Any]:
    """The barrier table as JSON-ready dicts, with the notes a reader needs."""
    services = [sid for sid, _ in columns.services]
    notes: list[str] = []
    if len(services) < 2 or not columns.barriers:
        return {
            "barriers": [],
            "respondents": 0,
            "notes": ["The survey form has no barrier matrix with two services, so nothing is compared."],
        }
    if len(services) > 2:
        notes.append(
            f"The form lists {len(services)} services; the comparison is between the first two "
            f"({columns.services[0][1]} and {columns.services[1][1]})."
        )
    first, second = services[0], services[1]
    matrix = columns.matrix  # respondents x services x barriers, 1 = checked
    n = matrix.shape[0]
    if columns.without_matrix:
        notes.append(
            f"{columns.without_matrix} answer(s) hold no barrier answers at all and are left out of this table."
        )
    rows: list[dict[str, Any]] = []
    results: list[stats.Comparison] = []
    for b, (barrier_id, label) in enumerate(columns.barriers):
        a = matrix[:, 0, b] if n else np.zeros(0, np.uint8)
        c = matrix[:, 1, b] if n else np.zeros(0, np.uint8)
        if test == "paired":
            result = compare_paired_cells(*paired_cells(a, c), labels=(first, second))
        else:
            result = stats.compare_independent(int(a.sum()), n, int(c.sum()), n, labels=(first, second))
        results.append(result)
        counts = {sid: int(matrix[:, s, b].sum()) if n else 0 for s, sid in enumerate(services)}
        percent = {sid: (100.0 * counts[sid] / n if n else None) for sid in services}
        rows.append(
            {
                "id": barrier_id,
                "label": label,
                "n": {sid: n for sid in services},
                "counts": counts,
                "percent": percent,
                "difference": result.difference,
                "ci95": list(result.ci95) if result.ci95 else None,
                "ci_method": result.ci_method,
                "test": result.test,
                "p": result.p,
                "p_display": stats.format_p(result.p),
                "note": result.note,
                **({"discordant": list(result.discordant)} if result.discordant is not None else {}),
            }
        )
    adjusted = stats.holm([r.p for r in results])
    for row, p in zip(rows, adjusted, strict=True):
        row["p_adjusted"] = p
        row["p_adjusted_display"] = stats.format_p(p)
    tested = sum(p is not None for p in adjusted)
    if n == 0:
        notes.append("No respondent answered the barrier questions, so no statistic can be computed.")
    elif n == 1:
        notes.append("Only one respondent: percentages are shown, but the tests cannot show a difference.")
    return {
        "barriers": rows,
        "respondents": n,
        "first": first,
        "second": second,
        "adjustment": f"Holm's method across the {tested} barrier(s) with a P value." if tested else "",
        "notes": notes,
    }


def design_text(test: str) -> str:
    if test == "paired":
        return (
            "Paired analysis: each respondent answered for both services. Exact McNemar test; "
            "95% CI by Newcombe's paired method."
        )
    return (
        "Independent-groups analysis (as in the published program evaluation): chi-square with "
        "Yates' correction, or Fisher's exact test when an expected count is under 5; 95% CI by "
        "Newcombe's method for independent proportions."
    )


def response_rate(survey: Survey, answers: int) -> dict[str, Any]:
    if survey.links_issued <= 0:
        return {
            "links_issued": survey.links_issued,
            "response_rate": None,
            "response_rate_note": "No links were issued through the program, so there is no response rate.",
        }
    rate = 100.0 * answers / survey.links_issued
    note = ""
    if answers > survey.links_issued:
        note = "More answers than links issued: some answers were imported from elsewhere."
    return {"links_issued": survey.links_issued, "response_rate": rate, "response_rate_note": note}


def k10(columns: AnswerColumns) -> dict[str, Any]:
    """The K10 distribution: totals only for respondents who answered all ten items."""
    summary = stats.k10_summary(columns.k10_totals)
    notes = [summary["note"]] if summary["note"] else []
    if columns.k10_incomplete:
        notes.append(
            f"{columns.k10_incomplete} respondent(s) answered some but not all ten K10 items; "
            "their totals are left out."
        )
    if columns.k10_missing:
        notes.append(f"{columns.k10_missing} respondent(s) skipped the K10 questions.")
    bands = summary["bands"]
    assert isinstance(bands, dict)
    total = summary["n"]
    assert isinstance(total, int)
    return {
        "n": total,
        "mean": summary["mean"],
        "sd": summary["sd"],
        "bands": [
            {
                "id": name,
                "label": f"{name.replace('_', ' ').capitalize()} ({low}-{high})",
                "count": bands[name],
                "percent": 100.0 * bands[name] / total if total else None,
            }
            for name, low, high in stats.K10_BANDS
        ],
        "incomplete": columns.k10_incomplete,
        "skipped": columns.k10_missing,
        "notes": notes,
    }


def year_over_year(this: AnswerColumns, last: AnswerColumns, last_survey: Survey) -> dict[str, Any]:
    """Percent per service, this survey against the previous one, barrier by barrier."""
    services = [sid for sid, _ in this.services]
    n_this, n_last = this.matrix.shape[0], last.matrix.shape[0]
    previous_barriers = {bid: b for b, (bid, _) in enumerate(last.barriers)}
    previous_services = {sid: s for s, (sid, _) in enumerate(last.services)}
    rows = []
    for b, (barrier_id, label) in enumerate(this.barriers):
        now = {sid: _percent(this.matrix[:, s, b], n_this) for s, sid in enumerate(services)}
        then: dict[str, float | None] = {}
        for sid in services:
            lb, ls = previous_barriers.get(barrier_id), previous_services.get(sid)
            then[sid] = None if lb is None or ls is None else _percent(last.matrix[:, ls, lb], n_last)
        rows.append(
            {
                "id": barrier_id,
                "label": label,
                "this": now,
                "last": then,
                "difference": {sid: _difference(now[sid], then[sid]) for sid in services},
            }
        )
    notes = []
    if n_last == 0:
        notes.append(f"The previous survey ({last_survey.id}) has no barrier answers to compare with.")
    if n_this == 0:
        notes.append("This survey has no barrier answers yet.")
    return {
        "survey": last_survey.id,
        "respondents": {"this": n_this, "last": n_last},
        "barriers": rows,
        "notes": notes,
    }


def respondents_by_year(
    columns: AnswerColumns, threshold: int, labels: dict[str, str]
) -> dict[str, Any] | None:
    """Respondents by year of study, small counts protected (the total is the answer count)."""
    year = columns.year_field
    if year is None:
        return None
    tally = columns.year_counts
    cats = categories(year, labels, tally)
    rows = [Category(i, label) for i, label in zip(cats.ids, cats.labels, strict=True)]
    rows.append(Category("not_answered", "Not answered"))
    table = protect_counts(rows, [*(tally.get(i, 0) for i in cats.ids), tally.get(None, 0)], threshold)
    table["label"] = labels.get(year.id, year.id)
    return table


def _percent(column: Sequence[int] | np.ndarray, n: int) -> float | None:
    return 100.0 * float(np.sum(column)) / n if n else None


def _difference(now: float | None, then: float | None) -> float | None:
    return now - then if now is not None and then is not None else None
