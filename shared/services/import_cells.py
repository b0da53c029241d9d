"""Cells as people type them, turned into the codes the forms validate.

A program's spreadsheet says ``In person``, ``Year 1``, ``Yes`` or ``En personne`` where an
export writes ``in_person``, ``year1`` and ``yes``. For every field with options, a cell may
hold an option's code or its label in English or French, ignoring case, surrounding space and
the kind of apostrophe. A list of topics may be separated by ``;`` (what exports write) or by
``,`` (what Google Forms writes), when the commas can be read only one way: several labels
hold commas themselves (``Academics (courses, exams, studying)``). Sheets' checkboxes and
Excel's booleans come as ``TRUE``/``FALSE`` (``VRAI``/``FAUX`` in French): a yes/no question
and a matrix cell take those too.

Dates: a spreadsheet that opened an export and saved it again writes the dates in its
locale's short format (``1/15/2024`` in the United States, ``15/01/2024`` or ``15.01.2024`` in
most of Europe). Such a date is read when it can be read only one way (one of the first two
numbers is over 12, or both are the same); otherwise the row is refused with how to fix it.

Anything not recognised is left as it is, so the form's validation names it as usual.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date

from shared.errors import AmbiguousDate
from shared.forms import Form, FormInvalid
from shared.forms.messages import LANGS
from shared.forms.model import Field

LIST_SEPARATOR = ";"
_SPREADSHEET_BOOLEANS = {"true": "yes", "vrai": "yes", "false": "no", "faux": "no"}
_MATRIX_CELLS = {
    "true": "1",
    "vrai": "1",
    "yes": "1",
    "oui": "1",
    "false": "0",
    "faux": "0",
    "no": "0",
    "non": "0",
}


_LOCALE_DATE = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")


def iso_date(cell: str) -> str:
    """A locale date (D/M/YYYY or M/D/YYYY, with ``/`` or ``.``) as YYYY-MM-DD when it can be read
    only one way; any other text unchanged. :class:`AmbiguousDate` when it can be read two ways."""
    found = _LOCALE_DATE.fullmatch(cell.strip())
    if not found:
        return cell
    first, second, year = (int(g) for g in found.groups())
    readings = set()
    for day, month in ((first, second), (second, first)):
        try:
            readings.add(date(year, month, day).isoformat())
        except ValueError:
            pass
    if len(readings) > 1:
        raise AmbiguousDate(cell)
    return readings.pop() if readings else cell


def _key(text: str) -> str:
    """What two spellings of one option have in common."""
    folded = unicodedata.normalize("NFKC", text).replace("\u2019", "'").casefold()
    return " ".join(folded.split())


def _names(field: Field) -> dict[str, str]:
    """Every way to write each option (code, English and French labels) -> its code.

    A spelling shared by two options names neither, so it is left for validation to refuse."""
    options = field.choices or field.kind.builtin_choices
    found: dict[str, set[str]] = {}
    for choice in options:
        code = str(choice.id)
        for name in (code, *(choice.label.get(lang) for lang in LANGS)):
            found.setdefault(_key(name), set()).add(code)
    if field.type == "boolean":
        for name, code in _SPREADSHEET_BOOLEANS.items():
            found.setdefault(name, set()).add(code)
    return {name: codes.pop() for name, codes in found.items() if len(codes) == 1}


def _splits(pieces: list[str], names: Mapping[str, str], limit: int = 2) -> list[list[str]]:
    """Ways (at most ``limit``) to group consecutive comma-separated pieces into option names."""
    ways: list[list[list[str]]] = [[] for _ in range(len(pieces) + 1)]
    ways[len(pieces)] = [[]]
    for start in range(len(pieces) - 1, -1, -1):
        for end in range(start + 1, len(pieces) + 1):
            code = names.get(_key(",".join(pieces[start:end])))
            if code is not None:
                ways[start].extend([code, *rest] for rest in ways[end][:limit])
        ways[start] = ways[start][:limit]
    return ways[0]


class ChoiceCells:
    """Rewrites a row's option cells as codes and its dates as YYYY-MM-DD, for ``Form.from_row``."""

    def __init__(self, form: Form, sections: Iterable[str] = ()) -> None:
        fields = form.fields(sections)
        self.names = {f.id: _names(f) for f in fields if f.choices or f.kind.builtin_choices}
        self.fields = {f.id: f for f in fields if f.id in self.names}
        self.matrix_columns = {c for f in fields if f.type == "matrix" for c in f.kind.shape.columns(f)}
        self.dates = {f.id: f for f in fields if f.type == "date"}

    def codes(self, row: Mapping[str, str], lang: str = "en") -> dict[str, str]:
        """The row with codes for labels; :class:`FormInvalid` for a list that reads two ways."""
        out = dict(row)
        errors: dict[str, list[str]] = {}
        for column, cell in row.items():
            if not cell.strip():
                continue
            if column in self.dates:
                try:
                    out[column] = iso_date(cell)
                except AmbiguousDate:
                    label = self.dates[column].label.get(lang)
                    errors[column] = [
                        f"“{label}”: {cell.strip()!r} could be day/month or month/day; write dates as "
                        "YYYY-MM-DD (in the spreadsheet, format the column as yyyy-mm-dd before saving)."
                    ]
            elif column in self.matrix_columns:
                out[column] = _MATRIX_CELLS.get(_key(cell), cell)
            elif column in self.fields:
                field = self.fields[column]
                if field.type == "multi":
                    codes = self._list(column, cell)
                    if codes is None:
                        label = field.label.get(lang)
                        errors[column] = [
                            f"“{label}”: {cell.strip()[:80]!r} can be read more than one way; "
                            f"separate the choices with '{LIST_SEPARATOR}'."
                        ]
                        continue
                    out[column] = LIST_SEPARATOR.join(codes)
                else:
                    out[column] = self.names[column].get(_key(cell), cell)
        if errors:
            raise FormInvalid(errors)
        return out

    def _list(self, column: str, cell: str) -> list[str] | None:
        """The codes of a list cell (unknown parts kept as typed); None when it is ambiguous."""
        names = self.names[column]
        whole = names.get(_key(cell))
        if whole is not None:
            return [whole]
        if LIST_SEPARATOR in cell or "," not in cell:
            return [names.get(_key(p), p.strip()) for p in cell.split(LIST_SEPARATOR) if p.strip()]
        pieces = cell.split(",")
        ways = _splits(pieces, names)
        if len(ways) > 1:
            return None
        if ways:
            return ways[0]
        return [p.strip() for p in pieces if p.strip()]  # validation names them as not options
