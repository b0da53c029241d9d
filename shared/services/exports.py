"""CSV exports of interactions and survey responses, streamed a row at a time.

The columns come from the form definitions (``Form.columns``), so the file an export writes
is the file an import reads (:mod:`shared.services.imports`). Rows are produced lazily from
the store's paged iterators and written in ~64 KB pieces, so a million rows never sit in
memory, whether they go to a terminal or down an HTTP response.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.errors import Invalid
from shared.forms import Form, load_form
from shared.i18n import N_
from shared.services.demo import is_demo_supporter
from shared.services.links import find_survey
from shared.services.surveys import sections_of
from shared.spreadsheet import from_spreadsheet, spreadsheet_safe
from shared.store.port import Store

INTERACTION_FORM = "interaction_log"
ID_COLUMN = "id"  # the interaction's id: an import of the file keeps it, so a re-import adds nothing
SUPPORTER_COLUMN = "supporter"  # the supporter's alias, never their id or email
DATE_FIELD = "occurred_on"  # the log form's date: Interaction.occurred_on
BOM = "\ufeff"  # lets Excel recognise UTF-8 (accents in French labels and notes)
CHUNK_CHARS = 64 * 1024

# Every cell goes through shared.spreadsheet, so no spreadsheet runs a note as a formula
# (whatever character it splits cells on); the import undoes exactly that.
protect = spreadsheet_safe
unprotect = from_spreadsheet


@dataclass(frozen=True)
class Table:
    """An export: its file name, header and rows (lists of cells in header order), not yet read."""

    filename: str
    columns: list[str]
    rows: Iterator[list[str]]

    def chunks(self, *, bom: bool = False) -> Iterator[str]:
        """The CSV text (RFC 4180: commas, CRLF, quotes as needed) in pieces of about 64 KB."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        if bom:
            buffer.write(BOM)
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow([protect(cell) for cell in row])
            if buffer.tell() >= CHUNK_CHARS:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()


def log_form() -> Form:
    return load_form(INTERACTION_FORM)


def interaction_columns(form: Form) -> list[str]:
    return [ID_COLUMN, SUPPORTER_COLUMN, *form.columns()]


def _known(form: Form, answers: Mapping[str, Any], sections: Iterable[str] = ()) -> dict[str, Any]:
    # A question later removed from the YAML has no column any more; its old answers are left
    # out rather than failing the whole export.
    ids = {f.id for f in form.fields(sections)}
    return {k: v for k, v in answers.items() if k in ids}


def export_interactions(
    store: Store, start: date | None = None, end: date | None = None, *, include_demo: bool = False
) -> Table:
    """Every interaction with ``start <= occurred_on <= end`` (both optional), by date then id.

    The demo supporter's interactions (``sidebyside demo``) are left out unless ``include_demo``."""
    if start and end and start > end:
        params = {"start": start.isoformat(), "end": end.isoformat()}
        message = N_("The start date %(start)s is after the end date %(end)s.")
        raise Invalid(message, params=params, errors={"from": [message % params]})
    form = log_form()
    columns = interaction_columns(form)
    answer_columns = columns[2:]
    people = store.list_supporters()  # read now: a bad store fails before any row
    aliases = {s.id: s.alias for s in people}
    skipped = set() if include_demo else {s.id for s in people if is_demo_supporter(s)}

    def rows() -> Iterator[list[str]]:
        for item in store.iter_interactions(start or date.min, end or date.max):
            if item.supporter_id in skipped:
                continue
            answers = {**_known(form, item.answers), DATE_FIELD: item.occurred_on.isoformat()}
            cells = form.to_row(answers)
            # A supporter record is never deleted; the id stands in should one be missing.
            alias = aliases.get(item.supporter_id, item.supporter_id)
            yield [item.id, alias, *(cells[c] for c in answer_columns)]

    return Table(_interactions_filename(start, end), columns, rows())


def _interactions_filename(start: date | None, end: date | None) -> str:
    if start and end:
        return f"interactions_{start.isoformat()}_{end.isoformat()}.csv"
    if start:
        return f"interactions_from_{start.isoformat()}.csv"
    if end:
        return f"interactions_to_{end.isoformat()}.csv"
    return "interactions.csv"


# The last column of a responses export: 1 on every row. A student may send the survey with
# every question skipped (after confirming); without this cell such a row would be all blank,
# which an import reads as a spreadsheet's empty row, so export then import lost it.
SUBMITTED_COLUMN = "submitted"


def export_responses(store: Store, survey_id: str, *, whole_survey_only: bool = False) -> Table:
    """The survey's responses, one row each, columns as its form defines them.

    Privacy: no answer id (it serves no analysis and would let two exports be joined row by
    row) and no day. Rows come in the store's order, which is the order of the random ids,
    so a row's position says nothing about when it was given. The day is left out because in
    a small program a date is a quasi-identifier: whoever knows that a student answered on
    the day a class met could pick out their row. The survey id already names the year,
    which is all an analysis of an end-of-year survey needs.

    The answers an instrument marks ``whole_survey_only`` (PHQ-9 item 9, on thoughts of death or
    self-harm) are left out unless ``whole_survey_only`` is asked: one row per respondent is the
    smallest breakdown there is, and the issue allows that answer only over the whole survey.
    Asked for (``--whole-survey-only-items``), the columns are there, for an analysis done where
    the program's ethics approval says it may be.
    """
    survey = find_survey(store, survey_id)
    form = load_form(survey.form)
    sections = sections_of(survey)
    hidden = set() if whole_survey_only else form.whole_survey_only()
    columns = [c for c in form.columns(sections) if c not in hidden]

    def rows() -> Iterator[list[str]]:
        for answer in store.iter_answers(survey.id):
            cells = form.to_row(_known(form, answer.answers, sections), sections=sections)
            yield [*(cells[c] for c in columns), "1"]

    return Table(f"responses_{survey.id}.csv", [*columns, SUBMITTED_COLUMN], rows())
