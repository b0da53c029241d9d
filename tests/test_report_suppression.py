"""Small-cell protection in the report's tables by year of study and per supporter.

The attack: read the published report the way a curious reader would (every count shown, the
row and column totals, the overall figures published elsewhere in the report, and what the
marks mean: "<5" is 1 to 4, "x" is 5 or more, a shown 0 is 0) and list, by brute force, every
table of whole numbers that fits. A hidden count is protected when at least two values fit.
The brute force below enumerates tables; it shares nothing with ``suppress``'s path search.
"""

from __future__ import annotations

import csv
import io
import itertools
import random
from collections import defaultdict
from dataclasses import asdict
from datetime import date

import pytest

from shared.report.protect import Category, protect_counts, protect_crosstab
from shared.services import reports
from tests.test_report_support import (
    NOW,
    add_interactions,
    add_supporters,
    add_survey,
    log_answers,
    paired_answers,
    strict_json,
)

THRESHOLD = 5

YEARS = ["year1", "year2", "year3", "year4", "other", None]  # None: not recorded
LEVELS = ["none", "some", "urgent"]
GRID = [  # interactions by year (rows, as YEARS) and concern level (columns, as LEVELS)
    [20, 3, 0],
    [15, 8, 2],
    [12, 6, 1],
    [2, 1, 0],  # year 4 has only 3 in all: a small row total
    [9, 5, 0],
    [7, 0, 0],
]


def hidden_range(display: str, upper: int) -> range:
    """What the reader knows of a hidden count from its mark, and that it fits under a total."""
    if display.startswith("<"):
        return range(1, THRESHOLD)
    return range(THRESHOLD, upper + 1)


def fitting_values(
    cells: list[list[tuple[int | None, str]]], row_totals: list[int], col_totals: list[int]
) -> dict[tuple[int, int], set[int]]:
    """Every value each hidden cell takes in some table that fits all shown numbers."""
    per_row = []
    for i, row in enumerate(cells):
        hidden = [j for j, (count, _) in enumerate(row) if count is None]
        rest = row_totals[i] - sum(count for count, _ in row if count is not None)
        ranges = [hidden_range(row[j][1], rest) for j in hidden]
        per_row.append([(hidden, combo) for combo in itertools.product(*ranges) if sum(combo) == rest])
    found: dict[tuple[int, int], set[int]] = defaultdict(set)
    for choice in itertools.product(*per_row):
        filled = [[count for count, _ in row] for row in cells]
        for i, (hidden, combo) in enumerate(choice):
            for j, value in zip(hidden, combo, strict=True):
                filled[i][j] = value
        if all(sum(row[j] for row in filled) == col_totals[j] for j in range(len(col_totals))):
            for i, (hidden, combo) in enumerate(choice):
                for j, value in zip(hidden, combo, strict=True):
                    found[(i, j)].add(value)
    return found


def assert_cannot_be_worked_out(cells, row_totals, col_totals) -> int:
    hidden = [(i, j) for i, row in enumerate(cells) for j, (count, _) in enumerate(row) if count is None]
    found = fitting_values(cells, row_totals, col_totals)
    for spot in hidden:
        assert len(found[spot]) >= 2, f"hidden cell {spot} can only be {found[spot]}"
    return len(hidden)


def stored_report(app) -> dict:
    ids = add_supporters(app.store, 6)
    rows = []
    k = 0
    for year, counts in zip(YEARS, GRID, strict=True):
        for level, count in zip(LEVELS, counts, strict=True):
            for _ in range(count):
                # Supporters 0-3 share most of the work; 4 logs twice and 5 never.
                supporter = ids[4] if k in (0, 1) else ids[k % 4]
                rows.append(
                    (
                        supporter,
                        date(2026, 10, 1 + k % 28),
                        log_answers(year_of_study=year, concern_level=level),
                    )
                )
                k += 1
    add_interactions(app.store, rows)
    year_counts = {"year1": 20, "year2": 3, "year3": 15, "year4": 2}  # and 4 who did not say
    extra = [{"year_of_study": y} for y, n in year_counts.items() for _ in range(n)] + [{}] * 4
    add_survey(app.store, "2026", paired_answers({"career_impact": (3, 10, 2, 29)}, extra=extra))
    options = reports.parse_options({"format": "json", "audience": "shared"})
    return strict_json(reports.render(reports.build(app, options, NOW), "json"))


def test_year_by_concern_table_cannot_be_undone(app):
    report = stored_report(app)
    activity = report["activity"]
    table = activity["by_year_of_study"]
    concern = next(b for b in activity["breakdowns"] if b["field"] == "concern_level")
    public_columns = [r["count"] for r in concern["rows"]]  # published as is, elsewhere in the report

    # What is shown: no row total (a year of study) under the threshold, year 4 merged away.
    labels = [r["label"] for r in table["rows"]]
    assert not any(label == "Year 4" for label in labels)
    assert any("Year 4" in label and "+" in label for label in labels)
    assert any("Combined to protect small counts" in note for note in table["notes"])
    for row in table["rows"]:
        assert not row["total"]["suppressed"]
        assert row["total"]["count"] == 0 or row["total"]["count"] >= THRESHOLD
    assert [c["count"] for c in table["column_totals"]] == public_columns
    assert table["total"]["count"] == activity["interactions"] == sum(map(sum, GRID))

    cells = [[(c["count"], c["display"]) for c in row["cells"]] for row in table["rows"]]
    for row in table["rows"]:
        for c in row["cells"]:
            if c["suppressed"]:
                assert c["count"] is None and c["display"] in ("<5", "x")
            else:
                assert c["count"] is not None and not (0 < c["count"] < THRESHOLD)
    hidden = assert_cannot_be_worked_out(cells, [r["total"]["count"] for r in table["rows"]], public_columns)
    assert hidden >= 2


def test_year_tables_show_the_marks_in_every_format(app):
    stored_report(app)
    options = reports.parse_options({})
    built = reports.build(app, options, NOW)
    text = reports.render(built, "text")
    html = reports.render(built, "html")
    from shared.report.render import to_csv

    csv_text = to_csv(built)
    for shown in (text, html):
        assert "&lt;5" in shown or "<5" in shown
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    hidden = [r for r in rows if r["suppressed"] == "1"]
    assert hidden and all(r["count"] == "" for r in hidden)
    assert {r["table"] for r in hidden} == {"year_by_concern", "survey_by_year"}
    assert "year_by_concern" in csv_text and "survey_by_year" in csv_text and "per_supporter" in csv_text


def test_respondents_by_year_cannot_be_undone(app):
    report = stored_report(app)
    table = report["survey"]["by_year_of_study"]
    answers = report["survey"]["answers"]
    shown = [(r["count"], r["display"]) for r in table["rows"]]
    assert ("<5" in [d for _, d in shown]) and table["total"]["count"] == answers
    assert any(r["suppressed"] and r["count"] is None for r in table["rows"])
    # One row: the only link between the cells is the total (the number of answers).
    found = fitting_values([shown], [answers], [])
    for j, (count, _) in enumerate(shown):
        if count is None:
            assert len(found[(0, j)]) >= 2


def test_per_supporter_table_cannot_be_undone(app):
    report = stored_report(app)
    activity = report["activity"]
    table = activity["per_supporter"]
    shown = [(r["count"], r["display"]) for r in table["rows"]]
    assert table["total"]["count"] == activity["interactions"]
    assert {r["label"]: r["display"] for r in table["rows"]}["alias4"] == "<5"
    assert {r["label"]: r["display"] for r in table["rows"]}["alias5"] == "0"
    found = fitting_values([shown], [activity["interactions"]], [])
    hidden = [j for j, (count, _) in enumerate(shown) if count is None]
    assert len(hidden) >= 2
    for j in hidden:
        assert len(found[(0, j)]) >= 2


@pytest.mark.parametrize("seed", range(40))
def test_random_crosstabs_cannot_be_undone(seed):
    rng = random.Random(seed)
    rows = [Category(f"r{i}", f"Row {i}") for i in range(rng.randint(2, 5))]
    cols = [Category(f"c{j}", f"Col {j}") for j in range(rng.randint(2, 4))]
    grid = [[rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 14]) for _ in cols] for _ in rows]
    table = asdict(protect_crosstab(rows, cols, grid, THRESHOLD))  # as in the report's JSON
    col_totals = [sum(row[j] for row in grid) for j in range(len(cols))]
    assert [c["count"] for c in table["column_totals"]] == col_totals
    assert table["total"]["count"] == sum(col_totals)
    for row in table["rows"]:
        assert not row["total"]["suppressed"]
        assert row["total"]["count"] == 0 or row["total"]["count"] >= THRESHOLD or len(table["rows"]) == 1
    cells = [[(c["count"], c["display"]) for c in row["cells"]] for row in table["rows"]]
    if len(table["rows"]) > 1:
        assert_cannot_be_worked_out(cells, [r["total"]["count"] for r in table["rows"]], col_totals)


@pytest.mark.parametrize("seed", range(40))
def test_random_breakdowns_cannot_be_undone(seed):
    rng = random.Random(1000 + seed)
    counts = [rng.choice([0, 1, 2, 3, 4, 5, 8, 13]) for _ in range(rng.randint(2, 6))]
    table = asdict(
        protect_counts([Category(f"k{i}", f"K{i}") for i in range(len(counts))], counts, THRESHOLD)
    )
    assert table["total"]["count"] == sum(counts)  # the total is published elsewhere: never hidden
    shown = [(r["count"], r["display"]) for r in table["rows"]]
    found = fitting_values([shown], [sum(counts)], [])
    for j, (count, display) in enumerate(shown):
        if count is None:
            assert len(found[(0, j)]) >= 2, (counts, table)
        elif len(table["rows"]) > 1:
            assert not 0 < count < THRESHOLD
