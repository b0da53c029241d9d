"""Reading a CSV the way spreadsheet programs write it, for the imports.

What Excel, LibreOffice and Google Sheets write, and what this reader does with it:

- encodings: UTF-8 with or without a BOM ("CSV UTF-8", Sheets), and UTF-16 with a BOM (Excel's
  "Unicode Text", which is tab-separated). Excel's plain "CSV (Comma delimited)" is in the
  computer's legacy code page (Windows-1252, Mac Roman): without a marker the code page is a
  guess, so such a file is refused with how to save it as UTF-8;
- the delimiter: a comma, or the locale's list separator (``;`` in French and other
  comma-decimal locales), a tab (Unicode Text, ``.tsv``) or ``|``. The standard library's
  :class:`csv.Sniffer` picks it from the header line, limited to those four; Excel's own
  ``sep=;`` first line, when present, decides instead (and is not a record);
- line endings CRLF, LF or CR alone (old Mac Excel), and quoted cells with line breaks.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from shared.errors import Invalid
from shared.i18n import N_, translate

Progress = Callable[[int], None]  # called with the number of bytes read since the last call

DELIMITERS = ",;\t|"
_SEP_LINE = re.compile(r"\ufeff?sep=(.)\r?\n?", re.IGNORECASE)  # Excel's "sep=;" hint line


NOT_UTF8 = N_(
    "is not UTF-8 text (line %(line)s has other characters); save it as “CSV UTF-8 (Comma delimited)”."
)
NOT_UTF16 = N_("is not UTF-16 text; save it as “CSV UTF-8 (Comma delimited)”.")


class _Counting(io.RawIOBase):
    """A binary stream that reports how many bytes were read, for a progress bar."""

    def __init__(self, raw: IO[bytes], progress: Progress | None) -> None:
        self.raw = raw
        self.progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        if self.progress and data:
            self.progress(len(data))
        return len(data)


def delimiter_of(header_line: str) -> str:
    """The delimiter of a file whose header is ``header_line``; a comma when nothing tells."""
    try:
        return csv.Sniffer().sniff(header_line, delimiters=DELIMITERS).delimiter
    except csv.Error:  # one column: no delimiter to find
        return ","


def encoding_of(head: bytes) -> str:
    """How a CSV starting with ``head`` is decoded: UTF-16 when it starts with a UTF-16 byte
    order mark (Excel's "Unicode Text"), else UTF-8 with or without one."""
    return "utf-16" if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"


class CsvFile:
    """A CSV file (a path, or bytes already in memory) as spreadsheet programs write it."""

    def __init__(self, source: bytes | str | Path, name: str | None = None, lang: str = "en") -> None:
        self.source = source if isinstance(source, bytes) else Path(source)
        self.lang = lang  # of the problems it reports (the console's reader's; English on the CLI)
        self.name = name or (
            self.source.name if isinstance(self.source, Path) else translate(lang, "the file")
        )

    @contextmanager
    def _binary(self) -> Iterator[IO[bytes]]:
        if isinstance(self.source, bytes):
            yield io.BytesIO(self.source)
        else:
            try:
                with self.source.open("rb") as raw:
                    yield raw
            except OSError as exc:
                raise Invalid(
                    N_("Cannot read %(name)s: %(problem)s."),
                    params={"name": self.name, "problem": exc.strerror or exc},
                ) from None

    def _unreadable(self, problem: str) -> Invalid:
        """``problem``: a sentence about the file in its reader's language, after its name."""
        # The field message names the file too: alone, "is not UTF-8 text" reads as a fragment.
        named = translate(self.lang, "%(name)s %(problem)s", name=self.name, problem=problem)
        return Invalid(
            N_("%(name)s %(problem)s Nothing was imported."),
            params={"name": self.name, "problem": problem},
            errors={"file": [named]},
        )

    def header(self) -> list[str]:
        """The first record's cells, stripped; nothing more of the file is read."""
        for _, cells in self.records():
            return [c.strip() for c in cells]
        return []

    def _first_undecodable_line(self) -> int:
        # The decoder reads in blocks, so where it failed says little; a byte scan is exact
        # (a line break is one byte in UTF-8, so no character straddles two lines).
        with self._binary() as raw:
            for number, line in enumerate(raw, 1):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    return number
        return 1

    def records(self, progress: Progress | None = None) -> Iterator[tuple[int, list[str]]]:
        """Each record (the header first) with the line it starts on. :class:`Invalid` for bytes
        that are not UTF-8 (or UTF-16 with a BOM) or quoting that is not CSV: nothing after that
        can be trusted."""
        with self._binary() as raw:
            head = raw.read(4)
            raw.seek(0)
            counted = io.BufferedReader(_Counting(raw, progress))
            utf16 = encoding_of(head) == "utf-16"
            text = io.TextIOWrapper(counted, encoding=encoding_of(head), newline="")
            line = 0
            try:
                first = text.readline()
                hint = _SEP_LINE.fullmatch(first)
                if hint:
                    delimiter, line = hint.group(1), 1
                    first = text.readline()
                if not first:
                    return  # an empty file has no records, not an empty header
                if not hint:
                    delimiter = delimiter_of(first)
                reader = csv.reader(itertools.chain([first], text), delimiter=delimiter, strict=True)
                offset = line
                for cells in reader:
                    yield line + 1, cells
                    line = offset + reader.line_num
            except UnicodeDecodeError:
                problem = (
                    translate(self.lang, NOT_UTF16)
                    if utf16
                    else translate(self.lang, NOT_UTF8, line=self._first_undecodable_line())
                )
                raise self._unreadable(problem) from None
            except csv.Error as exc:
                problem = translate(
                    self.lang, "line %(line)s is not valid CSV (%(problem)s).", line=line + 1, problem=exc
                )
                raise self._unreadable(problem) from None
