"""Stored rows streamed into compact columns, so a year of interactions fits in little memory.

The store yields one record at a time; each answer the report needs becomes a small integer
code in an ``array`` (-1 for "not answered") instead of a kept dict. A million interactions
take a few megabytes this way, and pandas/numpy read the arrays without copying them.

Categories come from the form, in the form's order. A stored value the form no longer has
(a topic removed from the YAML, say) gets a category of its own, labelled with the value,
so nothing stored is silently dropped from the counts.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from shared.forms import Field, Form
from shared.store.port import Store

CODED_TYPES = ("choice", "boolean", "likert")
NOT_ANSWERED = -1


@dataclass
class Coded:
    """A categorical answer per row: ``codes[i]`` indexes ``ids``/``labels``, or is -1."""

    field: Field
    ids: list[str]
    labels: list[str]
    lookup: dict[Hashable, int]
    codes: array = field(default_factory=lambda: array("h"))
    rows_answered: int = 0  # for multi fields: rows with at least one choice

    def code_of(self, value: Any) -> int:
        """The code of a stored value, adding a category for a value the form does not list."""
        try:
            code = self.lookup.get(value)
        except TypeError:  # an unhashable value: never valid, counted under its text
            value, code = str(value), None
        if code is None:
            code = self.lookup[value] = len(self.ids)
            self.ids.append(str(value))
            self.labels.append(f"{value} (not in the form)")
        return code

    def as_numpy(self) -> np.ndarray:
        return np.frombuffer(self.codes, dtype=np.int16) if len(self.codes) else np.zeros(0, np.int16)

    def counts(self) -> list[int]:
        """How many rows (or choices, for a multi field) fell in each category."""
        codes = self.as_numpy()
        return np.bincount(codes[codes >= 0], minlength=len(self.ids)).tolist()


def coded(f: Field, labels: Mapping[str, str]) -> Coded:
    """A :class:`Coded` for a choice, boolean, likert or multi field, keyed by stored values."""
    ids = [str(c.id) for c in f.choices]
    names = [labels.get(f"{f.id}.{c.id}", str(c.id)) for c in f.choices]
    lookup: dict[Hashable, int] = {}
    for i, c in enumerate(f.choices):
        if f.type == "boolean":
            lookup[c.id == "yes"] = i  # booleans are stored as true/false
        else:
            lookup[c.id] = i
    return Coded(f, ids, names, lookup)


@dataclass
class InteractionColumns:
    rows: int = 0
    months: array = field(default_factory=lambda: array("i"))  # year * 12 + month - 1
    supporters: array = field(default_factory=lambda: array("i"))
    supporter_ids: list[str] = field(default_factory=list)
    fields: dict[str, Coded] = field(default_factory=dict)  # choice, boolean, likert
    multi: dict[str, Coded] = field(default_factory=dict)  # codes of every choice made
    numbers: dict[str, array] = field(default_factory=dict)  # integers; NaN = not answered
    order: list[str] = field(default_factory=list)  # every field id, in the form's order

    def numbers_of(self, field_id: str) -> np.ndarray:
        values = np.frombuffer(self.numbers[field_id], dtype=np.float64)
        return values[~np.isnan(values)]


def load_interactions(
    store: Store, start: date, end: date, form: Form, lang: str = "en"
) -> InteractionColumns:
    """Every interaction with ``start <= occurred_on <= end``, as columns."""
    labels = form.labels(lang)
    out = InteractionColumns(order=[f.id for f in form.fields()])
    for f in form.fields():
        if f.type in CODED_TYPES:
            out.fields[f.id] = coded(f, labels)
        elif f.type == "multi":
            out.multi[f.id] = coded(f, labels)
        elif f.type == "integer":
            out.numbers[f.id] = array("d")
    # The loop below runs once per interaction: bind everything it touches to locals.
    scalar = [(fid, c.lookup, c.codes.append, c) for fid, c in out.fields.items()]
    multi = [(fid, c.lookup, c.codes.append, c) for fid, c in out.multi.items()]
    numbers = [(fid, values.append) for fid, values in out.numbers.items()]
    supporter_code: dict[str, int] = {}
    add_month, add_supporter = out.months.append, out.supporters.append
    nan = math.nan
    rows = 0
    for item in store.iter_interactions(start, end):
        rows += 1
        answers = item.answers
        day = item.occurred_on
        add_month(day.year * 12 + day.month - 1)
        code = supporter_code.get(item.supporter_id)
        if code is None:
            code = supporter_code[item.supporter_id] = len(supporter_code)
        add_supporter(code)
        for fid, lookup, append, column in scalar:
            value = answers.get(fid)
            if value is None:
                append(NOT_ANSWERED)
                continue
            try:
                code = lookup[value]
            except (KeyError, TypeError):
                code = column.code_of(value)
            append(code)
        for fid, lookup, append, column in multi:
            chosen = answers.get(fid)
            if not chosen:
                continue
            column.rows_answered += 1
            for value in chosen if isinstance(chosen, list) else (chosen,):
                try:
                    code = lookup[value]
                except (KeyError, TypeError):
                    code = column.code_of(value)
                append(code)
        for fid, append in numbers:
            value = answers.get(fid)
            append(value if type(value) is int or type(value) is float else nan)
    out.rows = rows
    out.supporter_ids = list(supporter_code)
    return out


@dataclass
class AnswerColumns:
    """A survey's answers: the barrier matrix as an array and the few other answers the report uses."""

    rows: int = 0
    services: list[tuple[str, str]] = field(default_factory=list)  # (id, label): the matrix rows
    barriers: list[tuple[str, str]] = field(default_factory=list)  # (id, label): its choices
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0), np.uint8))
    without_matrix: int = 0  # answers that hold no barrier matrix at all
    year: Coded | None = None
    k10_totals: list[int] = field(default_factory=list)
    k10_incomplete: int = 0  # answered some K10 items but not all
    k10_missing: int = 0  # answered none


def barrier_field(form: Form) -> Field | None:
    """The survey's barrier matrix: its rows are the services, its choices the barriers."""
    return next((f for f in form.all_fields() if f.type == "matrix"), None)


def k10_fields(form: Form) -> list[Field]:
    try:
        return list(form.section("k10").fields)
    except KeyError:
        return []


def load_answers(
    store: Store, survey_id: str, form: Form, *, year_field: str | None, k10: bool, lang: str = "en"
) -> AnswerColumns:
    """Every answer of the survey, as columns (only the answers the report uses are read)."""
    labels = form.labels(lang)
    out = AnswerColumns()
    matrix_field = barrier_field(form)
    services = [str(r.id) for r in matrix_field.rows] if matrix_field else []
    barriers = [str(c.id) for c in matrix_field.choices] if matrix_field else []
    matrix_id = matrix_field.id if matrix_field else None
    out.services = [(s, labels.get(f"{matrix_id}.{s}", s)) for s in services]
    out.barriers = [(b, labels.get(f"{matrix_id}.{b}", b)) for b in barriers]
    width = len(services) * len(barriers)
    position = {b: i for i, b in enumerate(barriers)}
    cells = bytearray()
    blank = bytes(width)
    year_column = None
    if year_field:
        try:
            year_column = coded(form.field(year_field), labels)
        except KeyError:
            year_column = None
    items = [f.id for f in k10_fields(form)] if k10 else []
    rows = 0
    for answer in store.iter_answers(survey_id):
        rows += 1
        answers = answer.answers
        grid = answers.get(matrix_id) if matrix_id else None
        if isinstance(grid, Mapping):
            base = len(cells)
            cells += blank
            for s, service in enumerate(services):
                chosen = grid.get(service) or ()
                for barrier in chosen if isinstance(chosen, list) else ():
                    b = position.get(barrier)
                    if b is not None:
                        cells[base + s * len(barriers) + b] = 1
        else:
            out.without_matrix += 1
        if year_column is not None:
            value = answers.get(year_column.field.id)
            year_column.codes.append(NOT_ANSWERED if value is None else year_column.code_of(value))
        if items:
            scores = [answers.get(i) for i in items]
            given = [s for s in scores if type(s) is int and 1 <= s <= 5]
            if len(given) == len(items):
                out.k10_totals.append(sum(given))
            elif given:
                out.k10_incomplete += 1
            else:
                out.k10_missing += 1
    out.rows = rows
    matrix = np.frombuffer(bytes(cells), dtype=np.uint8)
    out.matrix = matrix.reshape(-1, len(services), len(barriers)) if width else np.zeros((0, 0, 0), np.uint8)
    out.year = year_column
    return out
