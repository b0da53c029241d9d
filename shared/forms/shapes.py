"""How an answer maps to flat name/value pairs: HTML form names and CSV columns.

There are three shapes: one value (most types), a list of choice ids (checkboxes) and a
matrix of rows of choice ids. Posted and CSV values stay strings here; validation converts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.forms.model import Field


def _filled(values: list[str]) -> list[str]:
    return [v for v in values if isinstance(v, str) and v.strip()]


def _as_set(value: Any) -> set[str]:
    if isinstance(value, (list, tuple)):
        return {str(v) for v in value}
    return set() if value is None else {str(value)}


class Scalar:
    """One value under the field's id."""

    def owns(self, f: Field, key: str) -> bool:
        return key == f.id

    def from_html(self, f: Field, form: Any) -> str | list[str] | None:
        values = _filled(form.getlist(f.id))
        if not values:
            return None
        return values[0] if len(values) == 1 else values  # two values for one name: invalid

    def shown(self, f: Field, value: Any) -> str:
        return "" if value is None else f.kind.text(value)

    def columns(self, f: Field) -> list[str]:
        return [f.id]

    def to_cells(self, f: Field, value: Any) -> dict[str, str]:
        return {f.id: self.shown(f, value)}

    def from_cells(self, f: Field, row: Mapping[str, str]) -> tuple[Any, list[str]]:
        cell = row.get(f.id) or ""
        return (cell if cell.strip() else None), []


class Checklist:
    """A list of choice ids under the field's id; in CSV, one cell joined with ";"."""

    SEPARATOR = ";"

    def owns(self, f: Field, key: str) -> bool:
        return key == f.id

    def from_html(self, f: Field, form: Any) -> list[str] | None:
        return _filled(form.getlist(f.id)) or None

    def shown(self, f: Field, value: Any) -> set[str]:
        return _as_set(value)

    def columns(self, f: Field) -> list[str]:
        return [f.id]

    def to_cells(self, f: Field, value: Any) -> dict[str, str]:
        return {f.id: self.SEPARATOR.join(value or [])}

    def from_cells(self, f: Field, row: Mapping[str, str]) -> tuple[Any, list[str]]:
        chosen = [v.strip() for v in (row.get(f.id) or "").split(self.SEPARATOR) if v.strip()]
        return (chosen or None), []


class Grid:
    """Rows of choice ids. HTML: checkboxes named ``<id>.<row>`` valued with the choice id.
    CSV: one column ``<id>.<row>.<choice>`` per cell, 1 when checked, 0 when not."""

    def owns(self, f: Field, key: str) -> bool:
        return key.startswith(f.id + ".")

    def from_html(self, f: Field, form: Any) -> dict[str, list[str]] | None:
        # Rows are read from the posted names, so an unknown row reaches validation and fails.
        names = [k for k in form.keys() if self.owns(f, k)]
        if not names:
            return None  # nothing checked: validation fills in the empty matrix
        # With "None of these", a row nothing was checked in is no answer: left out.
        out: dict[str, list[str]] = {} if f.none_choice is not None else {str(r.id): [] for r in f.rows}
        for name in names:
            out[name[len(f.id) + 1 :]] = _filled(form.getlist(name))
        return out

    def shown(self, f: Field, value: Any) -> dict[str, set[str]]:
        value = value if isinstance(value, Mapping) else {}
        return {str(r.id): _as_set(value.get(str(r.id))) for r in f.rows}

    def columns(self, f: Field) -> list[str]:
        return [f"{f.id}.{r.id}.{c.id}" for r in f.rows for c in f.choices]

    def to_cells(self, f: Field, value: Any) -> dict[str, str]:
        cells = {}
        for r in f.rows:
            chosen = (
                value.get(str(r.id), None if f.none_choice else []) if isinstance(value, Mapping) else None
            )
            for c in f.choices:
                cells[f"{f.id}.{r.id}.{c.id}"] = "" if chosen is None else "1" if c.id in chosen else "0"
        return cells

    def from_cells(self, f: Field, row: Mapping[str, str]) -> tuple[Any, list[str]]:
        out: dict[str, list[str]] = {str(r.id): [] for r in f.rows}
        bad: list[str] = []
        seen = False
        for r in f.rows:
            for c in f.choices:
                column = f"{f.id}.{r.id}.{c.id}"
                cell = (row.get(column) or "").strip()
                seen = seen or bool(cell)
                if cell == "1":
                    out[str(r.id)].append(str(c.id))
                elif cell not in ("0", ""):
                    bad.append(column)
        return (out if seen else None), bad
