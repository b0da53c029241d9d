"""CSV injection (issue 13 item 4): no exported cell becomes a formula, whichever character the
spreadsheet splits cells on, and every text survives an export and an import unchanged."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date

import pytest

from shared.services import exports, imports, interactions, supporters
from shared.spreadsheet import FORMULA_START, from_spreadsheet, spreadsheet_safe
from tests.test_log_support import answers

NASTY = [
    "=1+1",
    "a;=2*3",  # French-locale Excel splits on ";"
    "a\t=2*3",  # a paste or a .tsv import splits on tabs
    'a, =HYPERLINK("http://x")',
    "a|@SUM(A1)",
    "line one\n-2+3",
    "'=already quoted",
    "''",
    "\t\t=x",
    "a; '=x",
    "+",
    "plain text, with a comma; and a semicolon",
]


def cells_as_read(text: str, delimiter: str) -> list[str]:
    """Every cell a spreadsheet splitting on ``delimiter`` (quotes honoured) would see."""
    return [cell for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) for cell in row]


def runs_as_formula(cell: str) -> bool:
    # Spreadsheets may trim spaces before reading a cell; a leading "'" makes it text.
    return cell.lstrip(" ").startswith(tuple(FORMULA_START))


@pytest.mark.parametrize("text", NASTY)
def test_round_trip_is_exact(text):
    assert from_spreadsheet(spreadsheet_safe(text)) == text


def test_round_trip_of_every_short_text_over_the_dangerous_characters():
    alphabet = "=+-@\t\r\n,;|\"' a"
    for length in range(1, 5):
        for chars in itertools.product(alphabet, repeat=length):
            text = "".join(chars)
            assert from_spreadsheet(spreadsheet_safe(text)) == text, repr(text)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"], ids=["comma", "semicolon", "tab", "pipe"])
def test_no_cell_of_an_export_runs_as_a_formula_whatever_the_delimiter(app, delimiter):
    sam = supporters.add_supporter(app.store, app.settings, "Sam").supporter
    context = interactions.validation_context(app.settings, "en")
    for i, note in enumerate(NASTY):
        interactions.record(
            app.store,
            sam,
            answers(note=note, concern_level="none"),
            submission=f"00000000-0000-4000-8000-{i:012d}",
            context=context,
        )
    text = "".join(exports.export_interactions(app.store).chunks())
    # Before the fix, "a;=2*3" gave the cell "=2*3" to a spreadsheet splitting on ";".
    assert [cell for cell in cells_as_read(text, delimiter) if runs_as_formula(cell)] == []
    stored = {i.answers["note"] for i in app.store.iter_interactions(date.min, date.max)}
    # Undoing the protection gives back exactly the notes stored.
    assert {from_spreadsheet(row["note"]) for row in csv.DictReader(io.StringIO(text, newline=""))} == stored
    imported = imports.import_interactions(app.store, app.settings, text.encode())
    assert (imported.rows, imported.added) == (len(NASTY), 0)  # same content, same ids: nothing new
