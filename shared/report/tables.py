"""The report dict as display tables: what text, HTML, the email and the CSV all show.

Every number is formatted here once (percentages to one decimal, P values in journal style,
hidden counts as their marks), so the formats cannot disagree. A figure that cannot be
computed shows as an em dash and the table's notes say why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DASH = "—"


@dataclass(frozen=True)
class Table:
    id: str  # stable: the CSV's ``table`` column
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = ()
    total_row: bool = False  # the last row is a total (shown in bold)


def pct(value: float | None) -> str:
    return DASH if value is None else f"{value:.1f}%"


def num(value: float | None, places: int = 1) -> str:
    return DASH if value is None else f"{value:.{places}f}"


def count_pct(count: int | None, value: float | None) -> str:
    if count is None:
        return DASH
    return f"{count} ({pct(value)})" if value is not None else str(count)


def points(value: float | None) -> str:
    if value is None:
        return DASH
    shown = f"{value:+.1f}"
    return "0.0" if shown in ("+0.0", "-0.0") else shown


def interval(ci: list[float] | None) -> str:
    return DASH if ci is None else f"{ci[0]:.1f} to {ci[1]:.1f}"


def summary(report: dict[str, Any]) -> list[tuple[str, str]]:
    """The key figures, as (what, value) pairs, for the top of every format."""
    act = report["activity"]
    out = [
        ("Period", report["period"]["label"]),
        ("Interactions logged", str(act["interactions"])),
        ("Active supporters", f"{act['supporters']['active']} of {act['supporters']['all']}"),
    ]
    ref = act["referrals"]
    if ref["count"] is not None:
        out.append(("Referrals", count_pct(ref["count"], ref["rate"])))
    fu = act["follow_ups"]
    if fu["count"] is not None:
        out.append(("Follow-ups planned", count_pct(fu["count"], fu["rate"])))
    dur = act["duration"]
    median = dur["median"]
    shown = f"{median:g} minutes (n = {dur['n']})" if median is not None else dur["note"] or DASH
    out.append(("Median duration", shown))
    survey = report["survey"]
    if survey is None:
        out.append(("Survey", report["survey_note"]))
    else:
        out.append(("Survey", f"{survey['title']} ({survey['id']})"))
        out.append(("Survey answers", str(survey["answers"])))
        rate = survey["response_rate"]
        out.append(
            (
                "Response rate",
                survey["response_rate_note"] or DASH
                if rate is None
                else f"{pct(rate)} of {survey['links_issued']} links issued",
            )
        )
    return out


def tables(report: dict[str, Any]) -> list[Table]:
    """Every table of the report, survey first, in reading order."""
    out = [Table("summary", "Key figures", ("Figure", "Value"), tuple(summary(report)))]
    survey = report["survey"]
    if survey is not None:
        out.append(barrier_table(survey))
        if survey.get("previous"):
            out.append(year_over_year_table(survey))
        if survey.get("k10"):
            out.append(k10_table(survey["k10"]))
        if survey.get("by_year_of_study"):
            out.append(
                protected_counts_table(
                    "survey_by_year",
                    "Respondents by year of study",
                    "Year of study",
                    "Respondents",
                    survey["by_year_of_study"],
                )
            )
    act = report["activity"]
    out.append(
        Table(
            "by_month",
            "Interactions by month",
            ("Month", "Interactions"),
            tuple((m["label"], str(m["count"])) for m in act["by_month"]),
            tuple(act["notes"]),
        )
    )
    for b in act["breakdowns"]:
        out.append(breakdown_table(b))
    ref = act["referrals"]
    if ref["count"] is not None:
        out.append(
            Table(
                "referrals",
                "Referrals by destination",
                ("Destination", "Referrals", "Share of referrals"),
                tuple((d["label"], str(d["count"]), pct(d["percent"])) for d in ref["by_destination"]),
                (
                    f"{count_pct(ref['count'], ref['rate'])} of {ref['answered']} interactions led to a referral.",
                )
                + ((ref["note"],) if ref["note"] else ()),
            )
        )
    if act.get("by_year_of_study"):
        table = act["by_year_of_study"]
        if "columns" in table:
            out.append(
                crosstab_table("year_by_concern", "Interactions by year of study and level of concern", table)
            )
        else:
            out.append(
                protected_counts_table(
                    "year", "Interactions by year of study", "Year of study", "Interactions", table
                )
            )
    out.append(
        protected_counts_table(
            "per_supporter", "Interactions per supporter", "Supporter", "Interactions", act["per_supporter"]
        )
    )
    return out


def barrier_table(survey: dict[str, Any]) -> Table:
    services = survey["services"]
    header = (
        "Barrier",
        *(f"{s['label']}, n (%)" for s in services),
        "Difference (points)",
        "95% CI",
        "P",
        "Holm-adjusted P",
        "Test",
    )
    rows = []
    notes = [survey["design_text"]]
    if survey.get("adjustment"):
        notes.append(survey["adjustment"])
    methods = sorted({b["ci_method"] for b in survey["barriers"]})
    if methods:
        notes.append("Interval: " + "; ".join(methods) + ".")
    if services:
        first = next((s["label"] for s in services if s["id"] == survey.get("first")), "")
        second = next((s["label"] for s in services if s["id"] == survey.get("second")), "")
        if first and second:
            notes.append(f"Difference = {first} minus {second}, in percentage points.")
    for b in survey["barriers"]:
        rows.append(
            (
                b["label"],
                *(count_pct(b["counts"][s["id"]], b["percent"][s["id"]]) for s in services),
                points(b["difference"]),
                interval(b["ci95"]),
                b["p_display"],
                b["p_adjusted_display"],
                b["test"],
            )
        )
        if b["note"]:
            notes.append(f"{b['label']}: {b['note']}")
    notes += survey["notes"]
    title = f"Barriers to seeking help ({survey['respondents']} respondents)"
    return Table("barriers", title, header, tuple(rows), tuple(notes))


def year_over_year_table(survey: dict[str, Any]) -> Table:
    previous = survey["previous"]
    services = survey["services"]
    header = ["Barrier"]
    for s in services:
        header += [f"{s['label']}: this year", "last year", "change (points)"]
    rows = []
    for b in previous["barriers"]:
        row = [b["label"]]
        for s in services:
            sid = s["id"]
            row += [pct(b["this"][sid]), pct(b["last"][sid]), points(b["difference"][sid])]
        rows.append(tuple(row))
    title = (
        f"This survey ({survey['id']}, {previous['respondents']['this']} respondents) against the previous one "
        f"({previous['survey']}, {previous['respondents']['last']} respondents)"
    )
    return Table("year_over_year", title, tuple(header), tuple(rows), tuple(previous["notes"]))


def k10_table(k10: dict[str, Any]) -> Table:
    rows = tuple((b["label"], str(b["count"]), pct(b["percent"])) for b in k10["bands"])
    mean = DASH if k10["mean"] is None else f"{k10['mean']:.1f}"
    sd = DASH if k10["sd"] is None else f"{k10['sd']:.1f}"
    notes = (
        f"Mean {mean}, SD {sd}, from {k10['n']} K10 totals (10 to 50): {k10['prorated']} prorated, "
        f"{k10['incomplete']} left out.",
        *k10["notes"],
    )
    return Table(
        "k10",
        "Psychological distress (K10 bands, Andrews & Slade 2001)",
        ("Band", "Respondents", "Percent"),
        rows,
        notes,
    )


def breakdown_table(b: dict[str, Any]) -> Table:
    rows = tuple((r["label"], str(r["count"]), pct(r["percent"])) for r in b["rows"])
    notes = [f"{b['answered']} interactions answered this question."]
    if b["not_answered"]:
        notes.append(f"{b['not_answered']} did not.")
    if b["note"]:
        notes.append(b["note"])
    return Table(
        f"by_{b['field']}", b["label"], ("Answer", "Interactions", "Percent"), rows, (" ".join(notes),)
    )


def says_nothing(table: dict[str, Any]) -> bool:
    """True when protection left a breakdown with no information: every category merged into
    one row (which is then just the total, or the column totals shown elsewhere), or every
    count hidden."""
    rows = table["rows"]
    if len(rows) == 1 and rows[0].get("merged"):
        return True
    cells = [c for r in rows for c in r.get("cells", [r])]
    return bool(cells) and all(c.get("suppressed") for c in cells)


def dropped(table_id: str, title: str, table: dict[str, Any]) -> Table:
    """A table left out, with the one-line reason in its place."""
    why = (
        f"Not shown: once counts under {table['threshold']} are hidden, this table says nothing "
        "beyond the totals given elsewhere."
    )
    return Table(table_id, title, (), (), (why,))


def protected_counts_table(table_id: str, title: str, what: str, unit: str, table: dict[str, Any]) -> Table:
    if says_nothing(table):
        return dropped(table_id, title, table)
    rows = [(r["label"], r["display"]) for r in table["rows"]]
    total = table["total"]
    rows.append(("Total", total["display"] if total else DASH))
    return Table(table_id, title, (what, unit), tuple(rows), tuple(_protection_notes(table)), total_row=True)


def crosstab_table(table_id: str, title: str, table: dict[str, Any]) -> Table:
    if says_nothing(table):
        return dropped(table_id, title, table)
    header = ("Year of study", *(c["label"] for c in table["columns"]), "Total")
    rows = [
        (r["label"], *(c["display"] for c in r["cells"]), r["total"]["display"] if r["total"] else DASH)
        for r in table["rows"]
    ]
    col_totals = table["column_totals"] or []
    rows.append(
        ("Total", *(c["display"] for c in col_totals), table["total"]["display"] if table["total"] else DASH)
    )
    return Table(table_id, title, header, tuple(rows), tuple(_protection_notes(table)), total_row=True)


def _protection_notes(table: dict[str, Any]) -> list[str]:
    threshold = table["threshold"]
    notes = list(table["notes"])
    if threshold:
        notes.insert(
            0,
            f'Counts under {threshold} are shown as "<{threshold}", and "x" hides another count so '
            "that the small ones cannot be worked out from the totals.",
        )
    return notes


def chart_alt(report: dict[str, Any]) -> str:
    """A text alternative for the chart: the same numbers in words."""
    survey = report.get("survey") or {}
    parts = []
    for b in survey.get("barriers", []):
        shares = ", ".join(
            f"{s['label']} {b['percent'][s['id']]:.1f}%"
            for s in survey["services"]
            if b["percent"][s["id"]] is not None
        )
        parts.append(f"{b['label']}: {shares}")
    return "Bar chart of barriers by service. " + "; ".join(parts) + "."
