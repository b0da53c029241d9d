"""Stored rows streamed into compact counts, so a year of interactions fits in little memory.

The store yields one record at a time and none is kept. For interactions, the answers to the
single-choice questions (choice, yes/no, likert) of each row form a tuple, and only the number
of rows with each distinct tuple is kept: a few thousand combinations however many rows, and
one ``map`` and one dict update per row. Every breakdown, cross-table included, is a sum over
these combinations, which pandas does (``InteractionCounts.frame``).

Categories come from the form, in the form's order. A stored value the form no longer has
(a topic removed from the YAML, say) gets a category of its own, labelled with the value,
so nothing stored is silently dropped from the counts.
"""

from __future__ import annotations

from array import array
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from shared.forms import Field, Form
from shared.forms.model import prorated_total
from shared.i18n import translate
from shared.report.words import MESSAGES
from shared.store.port import Store

SINGLE_TYPES = ("choice", "boolean", "likert")


@dataclass(frozen=True)
class Categories:
    """A question's answer categories: the form's choices, then any other value found stored."""

    ids: list[str]
    labels: list[str]


def value_id(value: Any) -> str | None:
    """A stored answer as a category id: booleans as the form's yes/no, no answer as None."""
    if value is None:
        return None
    if value is True or value is False:
        return "yes" if value else "no"
    return str(value)


def categories(
    f: Field, labels: Mapping[str, str], seen: Iterable[str | None] = (), lang: str = "en"
) -> Categories:
    ids = [str(c.id) for c in f.choices]
    names = [labels.get(f"{f.id}.{c.id}", str(c.id)) for c in f.choices]
    for extra in sorted({v for v in seen if v is not None} - set(ids)):
        ids.append(extra)
        names.append(translate(lang, "%(answer)s (not in the form)", answer=extra))
    return Categories(ids, names)


def _hashable(values: Iterable[Any]) -> tuple[Any, ...]:
    # A list or dict where one value belongs is never valid; it is counted under its text.
    return tuple(v if isinstance(v, Hashable) else str(v) for v in values)


@dataclass
class InteractionCounts:
    rows: int = 0
    single: list[Field] = field(default_factory=list)  # the single-choice questions, in form order
    combos: dict[tuple[Any, ...], int] = field(default_factory=dict)  # their answers -> rows
    days: dict[tuple[str, str], int] = field(default_factory=dict)  # (occurred_on ISO, supporter_id) -> rows
    multi: dict[str, dict[Any, int]] = field(default_factory=dict)  # multi question -> choice -> times chosen
    multi_rows: dict[str, int] = field(default_factory=dict)  # multi question -> rows with any choice
    numbers: dict[str, array] = field(default_factory=dict)  # integer question -> the values given
    fields: dict[str, Field] = field(default_factory=dict)  # every question by id
    order: list[str] = field(default_factory=list)  # every question id, in the form's order

    def frame(self) -> pd.DataFrame:
        """One row per distinct combination of single-choice answers: category ids (None when
        not answered) and ``n``, the number of interactions with that combination."""
        ids = [f.id for f in self.single]
        frame = pd.DataFrame(list(self.combos), columns=ids, dtype=object)
        for fid in ids:
            frame[fid] = frame[fid].map(value_id, na_action=None).astype(object)
        frame["n"] = np.fromiter(self.combos.values(), dtype=np.int64, count=len(self.combos))
        return frame

    def day_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [(date.fromisoformat(day), supporter, n) for (day, supporter), n in self.days.items()],
            columns=["day", "supporter", "n"],
        )


def load_interactions(
    store: Store, start: date, end: date, form: Form, *, exclude: frozenset[str] = frozenset()
) -> InteractionCounts:
    """Counts of every interaction with ``start <= occurred_on <= end``, except those of the
    supporters in ``exclude`` (the demo supporter)."""
    out = InteractionCounts(order=[f.id for f in form.fields()], fields={f.id: f for f in form.fields()})
    out.single = [f for f in form.fields() if f.type in SINGLE_TYPES]
    for f in form.fields():
        if f.type == "multi":
            out.multi[f.id] = {}
            out.multi_rows[f.id] = 0
        elif f.type == "integer":
            out.numbers[f.id] = array("d")
    single_ids = [f.id for f in out.single]
    multi = [(fid, chosen_counts, chosen_counts.get) for fid, chosen_counts in out.multi.items()]
    numbers = [(fid, values.extend) for fid, values in out.numbers.items()]
    combos, days, multi_rows = out.combos, out.days, out.multi_rows
    combos_get, days_get = combos.get, days.get
    # itemgetter builds the tuple in C when every question was answered (the usual case);
    # a row with a blank falls back to dict.get, which gives None for it. Same tuples either way.
    all_answered = itemgetter(*single_ids) if len(single_ids) > 1 else None
    # Once per combination of day, supporter and answers (``n`` interactions each: the store's
    # tally, so Firestore reads one document per day), kept to a tuple, two dict updates and the
    # multi choices.
    for occurred_on, supporter_id, answers, n in store.interaction_tallies(start, end):
        if exclude and supporter_id in exclude:
            continue
        day = (occurred_on, supporter_id)
        days[day] = days_get(day, 0) + n
        try:
            key = all_answered(answers)  # type: ignore[misc]  # None is meant: calling it raises TypeError
        except (KeyError, TypeError):  # TypeError: fewer than two single-choice questions
            key = tuple(map(answers.get, single_ids))
        try:
            combos[key] = combos_get(key, 0) + n
        except TypeError:
            key = _hashable(key)
            combos[key] = combos_get(key, 0) + n
        for fid, chosen_counts, chosen_get in multi:
            chosen = answers.get(fid)
            if not chosen:
                continue
            multi_rows[fid] += n
            for value in chosen if type(chosen) is list else (chosen,):
                try:
                    chosen_counts[value] = chosen_get(value, 0) + n
                except TypeError:
                    chosen_counts[str(value)] = chosen_get(str(value), 0) + n
        for fid, extend in numbers:
            value = answers.get(fid)
            if type(value) is int or type(value) is float:
                extend((value,) * n)
    out.rows = sum(days.values())
    return out


@dataclass
class AnswerColumns:
    """A survey's answers: the barrier matrix as an array and the few other answers the report uses."""

    rows: int = 0
    services: list[tuple[str, str]] = field(default_factory=list)  # (id, label): the matrix rows
    barriers: list[tuple[str, str]] = field(default_factory=list)  # (id, label): its choices
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0), np.uint8))
    without_matrix: int = 0  # answers that hold no barrier matrix at all
    # respondents x services: True when the respondent answered for that service (a barrier or
    # "None of these", or, in answers from before that choice, the service listed at all)
    answered: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), bool))
    legacy: int = 0  # answers with a service listed with nothing checked: read as "no barrier"
    imported: int = 0  # answers imported from a file rather than given through a link
    year_field: Field | None = None
    year_counts: dict[str | None, int] = field(
        default_factory=dict
    )  # category id (None: no answer) -> answers
    k10_totals: list[int] = field(default_factory=list)  # complete and prorated totals
    k10_prorated: int = 0  # one item skipped: total prorated (:func:`k10_total`)
    k10_incomplete: int = 0  # answered some K10 items but skipped more than one: left out
    k10_missing: int = 0  # answered none
    # the outcome blocks' answers (shared/report/outcome_part.py): question id -> one value per
    # answer, None when skipped, in the store's order (so column i of each is one respondent)
    extra: dict[str, list[Any]] = field(default_factory=dict)


# Answers given through a survey link get ``uuid4().hex`` as id (32 hex digits, see
# shared/services/surveys.py); imported ones get ``imports.response_id``, an HMAC-SHA256 hex
# digest (64). The id is random either way and says nothing about who answered.
IMPORTED_ID_LENGTH = 64


def is_imported(answer_id: str) -> bool:
    return len(answer_id) == IMPORTED_ID_LENGTH


K10_ITEMS = 10
K10_MAX_MISSING = 1
K10_PRORATING = MESSAGES["m_k10"]  # the rule, in words; shared/report/words.py has it in French


def k10_total(given: list[int], items: int = K10_ITEMS) -> int | None:
    """The K10 total from the answered items, or None when more than one item is missing.

    With one item missing the total is the mean of the nine answered items times ten, rounded
    to a whole number (so it falls in exactly one Andrews & Slade band): :data:`K10_PRORATING`.
    The rule and its source are :func:`shared.forms.model.prorated_total`'s, which the survey's
    thank-you page uses too (the K10 block's ``prorate_missing``), so both read a total alike.
    """
    return prorated_total(given, items, K10_MAX_MISSING)


def barrier_field(form: Form) -> Field | None:
    """The survey's barrier matrix: its rows are the services, its choices the barriers."""
    return next((f for f in form.all_fields() if f.type == "matrix"), None)


def k10_fields(form: Form) -> list[Field]:
    try:
        return list(form.section("k10").fields)
    except KeyError:
        return []


def load_answers(
    store: Store,
    survey_id: str,
    form: Form,
    *,
    year_field: str | None,
    k10: bool,
    lang: str = "en",
    extra: tuple[str, ...] = (),
) -> AnswerColumns:
    """Every answer of the survey, as columns (only the answers the report uses are read);
    ``extra`` names further questions kept as they are, one value per answer."""
    labels = form.report_labels(lang)
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
    width_or_1 = width or 1
    answered = bytearray()  # respondents x services, 1 = answered for that service
    no_service = bytes(len(services))
    year = None
    if year_field:
        try:
            year = form.field(year_field)
        except KeyError:
            year = None
    year_counts = out.year_counts
    items = [f.id for f in k10_fields(form)] if k10 else []
    kept = [(fid, out.extra.setdefault(fid, []).append) for fid in extra]
    rows = 0
    for answer in store.iter_answers(survey_id):
        rows += 1
        out.imported += is_imported(answer.id)
        answers = answer.answers
        grid = answers.get(matrix_id) if matrix_id else None
        if isinstance(grid, Mapping):
            base = len(cells)
            cells += blank
            answered += no_service
            legacy = False
            for s, service in enumerate(services):
                if service not in grid:
                    continue  # not answered for this service (neither a barrier nor "None of these")
                answered[base // width_or_1 * len(services) + s] = 1
                chosen = grid.get(service) or ()
                legacy = legacy or not chosen
                for barrier in chosen if isinstance(chosen, list) else ():
                    b = position.get(barrier)
                    if b is not None:
                        cells[base + s * len(barriers) + b] = 1
            out.legacy += legacy
        else:
            out.without_matrix += 1
        if year is not None:
            value = value_id(answers.get(year.id))
            year_counts[value] = year_counts.get(value, 0) + 1
        for fid, keep in kept:
            keep(answers.get(fid))
        if items:
            scores = [answers.get(i) for i in items]
            given = [s for s in scores if type(s) is int and 1 <= s <= 5]
            total = k10_total(given, len(items))
            if total is not None:
                out.k10_totals.append(total)
                out.k10_prorated += len(given) < len(items)
            elif given:
                out.k10_incomplete += 1
            else:
                out.k10_missing += 1
    out.rows = rows
    matrix = np.frombuffer(bytes(cells), dtype=np.uint8)
    out.matrix = matrix.reshape(-1, len(services), len(barriers)) if width else np.zeros((0, 0, 0), np.uint8)
    mask = np.frombuffer(bytes(answered), dtype=np.uint8).astype(bool)
    out.answered = mask.reshape(-1, len(services)) if width else np.zeros((0, 0), bool)
    out.year_field = year
    return out
