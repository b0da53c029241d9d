"""Spreadsheet-safe CSV cells (CSV injection), for every CSV this program writes.

A spreadsheet runs a cell as a formula when it starts with ``=``, ``+``, ``-`` or ``@`` (and
some strip a leading tab or carriage return first), so a note typed as ``=HYPERLINK(...)``
would run when a coordinator opens the export. OWASP's CSV injection guidance
(https://owasp.org/www-community/attacks/CSV_Injection) adds the part that is easy to miss:
a spreadsheet that splits lines on another character than the file's comma (French-locale
Excel splits on ``;``; a paste or a ``.tsv`` import splits on tabs) starts a new cell in the
middle of our cell, so ``a;=2*3`` or ``a<TAB>=2*3`` becomes a formula there.

The kind of fault is therefore "a formula character at any place where some spreadsheet may
start a cell": the start of the cell, or just after a character any spreadsheet may split on
(``,``, ``;``, tab, ``|``, a line break, a double quote), spaces in between included. Each such
character gets a ``'`` in front of it, which spreadsheets read as "text follows" (and show
without it). A ``'`` already standing at such a place gets one too, so :func:`from_spreadsheet`
can undo exactly what :func:`spreadsheet_safe` did and every text survives an export and an
import unchanged.

Use :func:`spreadsheet_safe` on every cell written to a CSV a person may open (the exports, the
report's CSV attachment); :func:`from_spreadsheet` on every cell an import reads.
"""

from __future__ import annotations

import re

QUOTE = "'"
FORMULA_START = "=+-@\t\r"  # what spreadsheets take as the start of a formula
CELL_BREAKS = ',;\t|\r\n"'  # where some spreadsheet may start a new cell inside ours

_START = rf"(^|[{re.escape(CELL_BREAKS)}])( *)"
_UNSAFE = re.compile(_START + rf"(?=[{re.escape(FORMULA_START + QUOTE)}])")
_PROTECTED = re.compile(_START + QUOTE + rf"(?=[{re.escape(FORMULA_START + QUOTE)}])")


def spreadsheet_safe(cell: str) -> str:
    """``cell`` with a ``'`` before every formula character where a spreadsheet may start a cell."""
    return _UNSAFE.sub(r"\1\2" + QUOTE, cell)


def from_spreadsheet(cell: str) -> str:
    """The inverse of :func:`spreadsheet_safe`: removes exactly the quotes it added."""
    return _PROTECTED.sub(r"\1\2", cell)
