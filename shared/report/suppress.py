"""Small-cell protection for published tables of counts (by year of study, per supporter...).

What a reader sees:

- a count from 1 to ``threshold - 1`` is hidden and shown as ``"<5"`` (``"<threshold"``;
  primary suppression);
- a zero is shown as ``"0"``: it is the absence of people, and hiding zeros would also hide
  which cells are small. The rule cuts both ways, so the audit below assumes the reader
  knows every hidden cell holds at least 1;
- more cells are hidden and shown as ``"x"`` (complementary suppression) so that no hidden
  count can be worked out from the cells and totals that are shown. An ``"x"`` is never a
  small count: complements are picked only from counts of ``threshold`` or more. A zero is
  never picked, because a hidden zero would make ``"x"`` mean "0 or large" and the marks
  would stop saying what they say;
- row, column and grand totals are shown as given. Only when a small count cannot be
  protected any other way (``[1, 1]`` with its total 2 gives both away) is a total hidden,
  shown as ``"x"``, and a note suggests merging small categories.

The usual rule (every row and column with a hidden cell needs a second one) is not enough
here: it ignores what the marks say, so a "<5" beside an "x" of exactly 5 in a row totalling
6 would still give away a 1. Instead an exact audit (:func:`_exposed_2d`, :func:`_exposed_1d`)
works out whether a reader could pin down a hidden number from the shown numbers, the
totals and the meaning of each mark, and complements are added, smallest first, until it
finds nothing. "Cannot be worked out" means at least two whole numbers fit everything shown;
it does not promise a wide range.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from shared.i18n import translate
from shared.report.numbers import whole_number

PRIMARY = "primary"
COMPLEMENTARY = "complementary"
HIDDEN_MARK = "x"
DEFAULT_THRESHOLD = 5


@dataclass(frozen=True)
class Cell:
    """One published number: ``count`` is ``None`` when hidden; ``display`` is what to print."""

    count: int | None
    suppressed: bool
    display: str
    reason: str | None = None  # PRIMARY, COMPLEMENTARY or None

    def to_dict(self) -> dict[str, object]:
        return {"count": self.count, "suppressed": self.suppressed, "display": self.display}


@dataclass(frozen=True)
class SuppressedTable:
    """A table ready to publish, in the input's shape plus totals.

    ``cells`` is always a grid (a 1-D input is one row). ``row_totals`` and ``col_totals``
    are ``None`` for a 1-D input; ``total`` is the grand total. All totals are ``None``
    when the table was made without totals.
    """

    cells: tuple[tuple[Cell, ...], ...]
    row_totals: tuple[Cell, ...] | None
    col_totals: tuple[Cell, ...] | None
    total: Cell | None
    threshold: int
    one_dimensional: bool
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict; ``cells`` is a flat list again for a 1-D input."""
        grid = [[cell.to_dict() for cell in row] for row in self.cells]
        return {
            "cells": grid[0] if self.one_dimensional else grid,
            "row_totals": None if self.row_totals is None else [c.to_dict() for c in self.row_totals],
            "col_totals": None if self.col_totals is None else [c.to_dict() for c in self.col_totals],
            "total": None if self.total is None else self.total.to_dict(),
            "threshold": self.threshold,
            "notes": list(self.notes),
        }


def suppress_table(
    counts: Sequence[int] | Sequence[Sequence[int]],
    threshold: int = DEFAULT_THRESHOLD,
    with_totals: bool = True,
    lang: str = "en",
) -> SuppressedTable:
    """Hide small counts in a 1-D list or a 2-D grid of counts, and enough others to protect them.

    Without totals nothing links the cells, so only the small counts themselves are hidden.
    """
    threshold = whole_number(threshold, "threshold")
    if threshold < 3:
        # With a threshold of 2 the mark "<2" would itself say "exactly 1".
        raise ValueError(f"threshold must be 3 or more, got {threshold}")
    if hasattr(counts, "tolist"):  # a numpy array or pandas object
        counts = counts.tolist()
    nested = [row for row in counts if not isinstance(row, (str, bytes)) and isinstance(row, Sequence)]
    if counts and len(nested) == len(counts):
        grid = [
            [whole_number(v, f"counts[{i}][{j}]") for j, v in enumerate(row)] for i, row in enumerate(nested)
        ]
        if len({len(row) for row in grid}) != 1:
            raise ValueError("every row of the table must have the same number of columns")
        return _table_2d(grid, threshold, with_totals, lang)
    values = [whole_number(v, f"counts[{i}]") for i, v in enumerate(counts)]
    cells, total, notes = _protect_1d(values, threshold, with_totals, lang)
    return SuppressedTable(((*cells,),), None, None, total, threshold, True, tuple(notes))


def _table_2d(grid: list[list[int]], threshold: int, with_totals: bool, lang: str = "en") -> SuppressedTable:
    rows, cols = len(grid), len(grid[0])
    if rows == 1 or cols == 1:
        # One row (or column): each column (row) total *is* a cell, so the table is really
        # 1-D and those totals repeat the cells with the same marks.
        line = grid[0] if rows == 1 else [row[0] for row in grid]
        line_cells, total, line_notes = _protect_1d(line, threshold, with_totals, lang)
        grid_cells: tuple[tuple[Cell, ...], ...]
        row_t: tuple[Cell, ...] | None = None
        col_t: tuple[Cell, ...] | None = None
        if rows == 1:
            grid_cells = ((*line_cells,),)
            if total is not None:  # None exactly when made without totals
                row_t, col_t = (total,), (*line_cells,)
        else:
            grid_cells = tuple((c,) for c in line_cells)
            if total is not None:
                row_t, col_t = (*line_cells,), (total,)
        return SuppressedTable(grid_cells, row_t, col_t, total, threshold, False, tuple(line_notes))

    aug = [[*row, sum(row)] for row in grid]
    aug.append([*(sum(grid[i][j] for i in range(rows)) for j in range(cols)), sum(map(sum, grid))])
    status = {(i, j): PRIMARY for i in range(rows) for j in range(cols) if 0 < grid[i][j] < threshold}
    notes: list[str] = []
    if with_totals:
        _complement_2d(aug, status, threshold)
        notes += _total_notes_2d(aug, status, threshold, lang)

    def cell(i: int, j: int) -> Cell:
        return _make_cell(aug[i][j], status.get((i, j)), threshold)

    cells = tuple(tuple(cell(i, j) for j in range(cols)) for i in range(rows))
    if not with_totals:
        return SuppressedTable(cells, None, None, None, threshold, False, ())
    return SuppressedTable(
        cells,
        tuple(cell(i, cols) for i in range(rows)),
        tuple(cell(rows, j) for j in range(cols)),
        cell(rows, cols),
        threshold,
        False,
        tuple(notes),
    )


def _complement_2d(aug: list[list[int]], status: dict[tuple[int, int], str], threshold: int) -> None:
    """Add complements until no hidden entry can be worked out.

    For an exposed entry the cheapest rectangle through it is hidden (two rows by two
    columns: the smallest cycle that lets counts move while keeping every total), ranked by
    how many totals it hides, then how many cells, then their sum, so small cells are
    preferred as the usual rule asks. If no rectangle is enough on its own, the smallest
    single neighbour is hidden and the loop looks again. Each pass hides at least one more
    entry, so it ends; at worst everything non-zero is hidden.
    """
    while True:
        exposed = [e for e in sorted(status) if _exposed_2d(e, aug, status, threshold)]
        if not exposed:
            return
        target = exposed[0]
        plan = _rectangle(target, aug, status, threshold) or _neighbour(target, aug, status, threshold)
        if not plan:
            return  # everything non-zero is hidden already; unreachable in practice
        for entry in plan:
            status[entry] = COMPLEMENTARY


def _rectangle(
    target: tuple[int, int], aug: list[list[int]], status: dict[tuple[int, int], str], threshold: int
) -> list[tuple[int, int]]:
    rows, cols = len(aug) - 1, len(aug[0]) - 1
    i, j = target
    options = []
    for k in range(rows + 1):
        for m in range(cols + 1):
            if k == i or m == j:
                continue
            new = [c for c in ((i, m), (k, j), (k, m)) if c not in status]
            # A shown zero cannot be hidden, and a fully hidden rectangle adds nothing.
            if not new or any(aug[a][b] == 0 for a, b in new):
                continue
            cost = (
                sum(_kind_rank(c, rows, cols) for c in new),
                len(new),
                sum(aug[a][b] for a, b in new),
                new,
            )
            options.append(cost)
    for *_, new in sorted(options):
        if not _exposed_2d(target, aug, {**status, **dict.fromkeys(new, COMPLEMENTARY)}, threshold):
            return new
    return []


def _neighbour(
    target: tuple[int, int], aug: list[list[int]], status: dict[tuple[int, int], str], threshold: int
) -> list[tuple[int, int]]:
    rows, cols = len(aug) - 1, len(aug[0]) - 1
    shown = [
        (i, j) for i in range(rows + 1) for j in range(cols + 1) if (i, j) not in status and aug[i][j] > 0
    ]
    near = [f for f in shown if f[0] == target[0] or f[1] == target[1]]
    candidates = sorted(near or shown, key=lambda f: (_kind_rank(f, rows, cols), aug[f[0]][f[1]], f))
    for f in candidates:
        if not _exposed_2d(target, aug, {**status, f: COMPLEMENTARY}, threshold):
            return [f]
    return candidates[:1]


def _exposed_2d(
    entry: tuple[int, int], aug: list[list[int]], status: dict[tuple[int, int], str], threshold: int
) -> bool:
    """True when the hidden ``entry`` has only one value consistent with what is shown.

    Write every row and column, totals included, as "cells minus total = 0". Any other
    filling that fits the shown numbers differs from the real one by a sum of cycles that
    alternate +1 and -1 around rows and columns, each moving entries only towards that
    filling. So ``entry`` can take another value exactly when one step of 1 along some cycle
    through it stays within what each mark allows (1 to threshold-1 for "<t", threshold or
    more for an "x" cell, 0 or more for a total); finding such a cycle is a path search.
    """
    rows, cols = len(aug) - 1, len(aug[0]) - 1
    can_rise, can_fall = _moves(entry, aug, status, threshold, rows, cols)
    if not (can_rise or can_fall):
        return True
    # Arcs: an entry that may fall leads from its column to its row, one that may rise
    # from its row to its column. Raising ``entry`` needs a path column -> row through others.
    arcs: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for other in status:
        if other == entry:
            continue
        rise, fall = _moves(other, aug, status, threshold, rows, cols)
        r, c = ("r", other[0]), ("c", other[1])
        if fall:
            arcs.setdefault(c, []).append(r)
        if rise:
            arcs.setdefault(r, []).append(c)
    r0, c0 = ("r", entry[0]), ("c", entry[1])
    if can_rise and _reachable(arcs, c0, r0):
        return False
    return not (can_fall and _reachable(arcs, r0, c0))


def _moves(
    entry: tuple[int, int],
    aug: list[list[int]],
    status: dict[tuple[int, int], str],
    threshold: int,
    rows: int,
    cols: int,
) -> tuple[bool, bool]:
    """Whether ``entry`` may go up / down by 1 in signed terms (totals carry a minus sign)."""
    i, j = entry
    value = aug[i][j]
    is_total = (i == rows) != (j == cols)  # a row or column total, not the grand total
    if i < rows and j < cols:
        low, high = (1, threshold - 1) if status[entry] == PRIMARY else (threshold, None)
    else:
        low, high = 0, None
    up_ok = high is None or value + 1 <= high
    down_ok = value - 1 >= low
    return (down_ok, up_ok) if is_total else (up_ok, down_ok)


def _reachable(
    arcs: dict[tuple[str, int], list[tuple[str, int]]], start: tuple[str, int], goal: tuple[str, int]
) -> bool:
    seen, queue = {start}, deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            return True
        for nxt in arcs.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return False


def _kind_rank(entry: tuple[int, int], rows: int, cols: int) -> int:
    i, j = entry
    if i < rows and j < cols:
        return 0
    return 2 if (i, j) == (rows, cols) else 1


def _protect_1d(
    values: list[int], threshold: int, with_totals: bool, lang: str = "en"
) -> tuple[list[Cell], Cell | None, list[str]]:
    status = {i: PRIMARY for i, v in enumerate(values) if 0 < v < threshold}
    total_hidden = False
    notes: list[str] = []
    if with_totals:
        while exposed := [i for i in sorted(status) if _exposed_1d(i, values, status, threshold)]:
            target = exposed[0]
            candidates = sorted((v, i) for i, v in enumerate(values) if i not in status and v > 0)
            if not candidates:
                total_hidden = True
                notes.append(
                    translate(
                        lang,
                        "The total is hidden because the small counts could not be protected "
                        "otherwise; consider merging small categories.",
                    )
                )
                break
            choice = candidates[0][1]
            for _, i in candidates:
                if not _exposed_1d(target, values, {**status, i: COMPLEMENTARY}, threshold):
                    choice = i
                    break
            status[choice] = COMPLEMENTARY
    cells = [_make_cell(v, status.get(i), threshold) for i, v in enumerate(values)]
    if not with_totals:
        return cells, None, notes
    total_value = sum(values)
    if total_hidden:
        total = Cell(None, True, HIDDEN_MARK, COMPLEMENTARY)
    else:
        total = Cell(total_value, False, str(total_value))
        if 0 < total_value < threshold:
            notes.append(
                translate(
                    lang,
                    "The total is only %(total)s; consider merging with another group.",
                    total=total_value,
                )
            )
    return cells, total, notes


def _exposed_1d(index: int, values: list[int], status: dict[int, str], threshold: int) -> bool:
    """True when the hidden ``values[index]`` is the only value that fits the shown total."""
    hidden_sum = sum(values[i] for i in status)

    def bounds(i: int) -> tuple[int, int | None]:
        return (1, threshold - 1) if status[i] == PRIMARY else (threshold, None)

    low, high = bounds(index)
    others = [bounds(i) for i in status if i != index]
    others_low = sum(lo for lo, _ in others)
    highs = [hi for _, hi in others if hi is not None]
    others_high = sum(highs) if len(highs) == len(others) else None
    can_low = max(low, hidden_sum - others_high) if others_high is not None else low
    can_high = hidden_sum - others_low if high is None else min(high, hidden_sum - others_low)
    return can_low >= can_high


def _total_notes_2d(
    aug: list[list[int]], status: dict[tuple[int, int], str], threshold: int, lang: str = "en"
) -> list[str]:
    rows, cols = len(aug) - 1, len(aug[0]) - 1
    notes = []
    hidden_totals = [e for e in status if _kind_rank(e, rows, cols) > 0]
    if hidden_totals:
        notes.append(
            translate(
                lang,
                "Some totals are hidden because the small counts could not be protected "
                "otherwise; consider merging small categories.",
            )
        )
    for i in range(rows):
        if (i, cols) not in status and 0 < aug[i][cols] < threshold:
            notes.append(
                f"Row {i + 1} has only {aug[i][cols]} in total; consider merging it with another row."
            )
    for j in range(cols):
        if (rows, j) not in status and 0 < aug[rows][j] < threshold:
            notes.append(
                f"Column {j + 1} has only {aug[rows][j]} in total; consider merging it with another."
            )
    return notes


def _make_cell(value: int, reason: str | None, threshold: int) -> Cell:
    if reason == PRIMARY:
        return Cell(None, True, f"<{threshold}", PRIMARY)
    if reason == COMPLEMENTARY:
        return Cell(None, True, HIDDEN_MARK, COMPLEMENTARY)
    return Cell(value, False, str(value))
