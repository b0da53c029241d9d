"""Small-cell protection for the report's tables by a student characteristic, built on ``suppress``.

``suppress.suppress_table`` protects the cells of one table given its totals. Two things in the
report go beyond one table, and this module handles them by merging categories first:

- the grand total of every breakdown is published elsewhere in the report (the number of
  interactions, of respondents), so a table whose total ``suppress`` would have to hide cannot
  be published as is: its smallest categories are merged until the total can stay;
- in a cross-table (year of study x concern level) the row totals are themselves a breakdown
  by year of study, so a row total under the threshold would be a small count in plain sight.
  Such rows are merged with the next smallest until every row total is 0 or at least the
  threshold. The column totals (concern levels) are published as is elsewhere, which is what
  ``suppress`` assumes of shown totals.

Merging is the remedy ``suppress``'s own notes suggest; every merge is named in ``notes``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.i18n import translate
from shared.report.model import Column, Crosstab, CrosstabRow, ProtectedCounts, ProtectedRow, Shown
from shared.report.suppress import Cell, SuppressedTable, suppress_table


@dataclass(frozen=True)
class Category:
    id: str
    label: str


def protect_counts(
    categories: Sequence[Category], counts: Sequence[int], threshold: int, lang: str = "en"
) -> ProtectedCounts:
    """A 1-D breakdown with its total: small counts hidden, the total always shown.

    ``threshold`` 0 shows every count as it is (the coordinators' own copy, per supporter).
    """
    groups = [[i] for i in range(len(categories))]
    while threshold:
        values = [sum(counts[i] for i in g) for g in groups]
        if len(groups) <= 1:
            # Everything combined: the one row is the total, which the report publishes anyway.
            table = _as_is([values])
            break
        table = suppress_table(values, threshold=threshold, lang=lang)
        if table.total is not None and not table.total.suppressed:
            break
        groups = _merge_smallest(groups, values)
    else:
        table = _as_is([list(counts)])
    rows = []
    for g, cell in zip(groups, table.cells[0], strict=True):
        group_id, label, merged = _group(categories, g)
        rows.append(ProtectedRow(group_id, label, cell.count, cell.suppressed, cell.display, merged))
    return ProtectedCounts(
        rows=rows,
        total=_shown(table.total),
        threshold=threshold,
        notes=[*_merge_notes(categories, groups, lang), *_notes(table)],
    )


def protect_crosstab(
    row_categories: Sequence[Category],
    col_categories: Sequence[Category],
    grid: Sequence[Sequence[int]],
    threshold: int,
    lang: str = "en",
) -> Crosstab:
    """A 2-D breakdown (rows: a student characteristic), with row and column totals."""
    groups = [[i] for i in range(len(row_categories))]
    while True:
        merged = [[sum(grid[i][j] for i in g) for j in range(len(col_categories))] for g in groups]
        totals = [sum(row) for row in merged]
        if len(groups) <= 1:
            table = _as_is(merged)  # one row: its cells are the (public) column totals
            break
        small = [k for k, t in enumerate(totals) if 0 < t < threshold]
        if small:
            groups = _merge_smallest(groups, totals)
            continue
        table = suppress_table(merged, threshold=threshold, lang=lang)
        hidden_total = (
            any(c.suppressed for c in table.row_totals or ())
            or any(c.suppressed for c in table.col_totals or ())
            or (table.total is not None and table.total.suppressed)
        )
        if hidden_total:
            groups = _merge_smallest(groups, totals)
            continue
        break
    rows = []
    for k, g in enumerate(groups):
        group_id, label, merged_ids = _group(row_categories, g)
        cells = [Shown(c.count, c.suppressed, c.display) for c in table.cells[k]]
        row_total = _shown(table.row_totals[k]) if table.row_totals else None
        rows.append(CrosstabRow(group_id, label, cells, row_total, merged_ids))
    return Crosstab(
        rows=rows,
        columns=[Column(c.id, c.label) for c in col_categories],
        column_totals=[Shown(c.count, c.suppressed, c.display) for c in table.col_totals]
        if table.col_totals
        else None,
        total=_shown(table.total),
        threshold=threshold,
        notes=[*_merge_notes(row_categories, groups, lang), *_notes(table)],
    )


def _as_is(grid: list[list[int]]) -> SuppressedTable:
    def shown(value: int) -> Cell:
        return Cell(value, False, str(value))

    cells = tuple(tuple(shown(v) for v in row) for row in grid)
    total = shown(sum(map(sum, grid)))
    col_totals = tuple(shown(sum(row[j] for row in grid)) for j in range(len(grid[0]) if grid else 0))
    return SuppressedTable(
        cells=cells,
        row_totals=tuple(shown(sum(row)) for row in grid),
        col_totals=col_totals,
        total=total,
        threshold=0,
        one_dimensional=False,
    )


def _shown(cell: Cell | None) -> Shown | None:
    return Shown(cell.count, cell.suppressed, cell.display) if cell is not None else None


def _merge_smallest(groups: list[list[int]], values: list[int]) -> list[list[int]]:
    """Merge the smallest non-empty group into the next smallest; ties go to the later one.

    Empty groups are left alone: a zero is published as 0 and hides nothing.
    """
    order = sorted((v, -k, k) for k, v in enumerate(values) if v > 0)
    if len(order) < 2:
        # Only one non-empty group: merge everything so the one row is the (public) total.
        return [sorted(i for g in groups for i in g)]
    first, second = order[0][2], order[1][2]
    keep, drop = min(first, second), max(first, second)
    out = [list(g) for g in groups]
    out[keep] = sorted(out[keep] + out[drop])
    del out[drop]
    return out


def _group(categories: Sequence[Category], group: list[int]) -> tuple[str, str, list[str] | None]:
    """(id, label, merged ids or None) of a group of categories shown as one row."""
    if len(group) == 1:
        c = categories[group[0]]
        return c.id, c.label, None
    return (
        "+".join(categories[i].id for i in group),
        " + ".join(categories[i].label for i in group),
        [categories[i].id for i in group],
    )


def _merge_notes(categories: Sequence[Category], groups: list[list[int]], lang: str = "en") -> list[str]:
    merged = [g for g in groups if len(g) > 1]
    return [
        translate(
            lang,
            "Combined to protect small counts: %(categories)s.",
            categories=", ".join(categories[i].label for i in g),
        )
        for g in merged
    ]


def _notes(table: SuppressedTable) -> list[str]:
    # suppress's notes name rows by number (in English: they never reach a report); the report's
    # merges already answer them.
    return [n for n in table.notes if not n.startswith(("Row ", "Column "))]
