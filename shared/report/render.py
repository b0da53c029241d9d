"""The report in each format: JSON (the dict itself), plain text, HTML and CSV.

Text, HTML and CSV show the same :mod:`tables`; JSON carries the raw figures. The HTML comes
in two flavours: ``email`` (one self-contained document with inline styles, which mail clients
need) and ``page`` (plain markup in the site's layout, served under the strict CSP, which
allows no inline styles).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from shared.report.tables import Table, chart_alt, summary, tables

FORMATS = ("text", "html", "json")
TEMPLATES = Path(__file__).resolve().parents[2] / "forms" / "templates"
WIDTH = 100


def title(report: dict[str, Any]) -> str:
    return f"{report['program']}: report for {report['period']['label']}"


def to_json(report: dict[str, Any]) -> str:
    # allow_nan=False: a NaN that slipped through is a bug to hear about, not a "NaN" to print.
    return json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def to_text(report: dict[str, Any]) -> str:
    lines = [title(report), "=" * min(WIDTH, len(title(report))), ""]
    figures = summary(report)
    width = max(len(what) for what, _ in figures)
    lines += [f"{what + ':':<{width + 1}} {value}" for what, value in figures]
    for table in tables(report)[1:]:
        lines += ["", table.title, "-" * min(WIDTH, len(table.title)), *_grid(table)]
        for note in table.notes:
            lines += textwrap.wrap(note, WIDTH, initial_indent="* ", subsequent_indent="  ")
    lines += ["", _method_line(report)]
    return "\n".join(lines) + "\n"


HEADER_WIDTH = 18  # long column names (the services) wrap over several header lines


def _grid(table: Table) -> list[str]:
    if not table.rows:
        return [] if table.notes else ["(no rows)"]
    data = [max(len(row[i]) for row in table.rows) for i in range(len(table.header))]
    wrapped = [textwrap.wrap(head, max(HEADER_WIDTH, data[i])) or [""] for i, head in enumerate(table.header)]
    widths = [max(data[i], *(len(part) for part in wrapped[i])) for i in range(len(table.header))]
    depth = max(len(parts) for parts in wrapped)
    # Bottom-align the header so every column name ends on the line above the rule.
    header_lines = [
        tuple(parts[k - (depth - len(parts))] if k >= depth - len(parts) else "" for parts in wrapped)
        for k in range(depth)
    ]

    def line(cells: tuple[str, ...]) -> str:
        first = f"{cells[0]:<{widths[0]}}"
        rest = [f"{cell:>{w}}" for cell, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    return [
        *(line(h) for h in header_lines),
        line(tuple("-" * w for w in widths)),
        *(line(row) for row in table.rows),
    ]


def _method_line(report: dict[str, Any]) -> str:
    return (
        f"Small-cell protection: counts under {report['small_cell']} by year of study or per supporter are "
        "hidden. Overall totals are shown as they are."
    )


def to_csv(report: dict[str, Any]) -> str:
    """Every table, one row per cell: table, title, row, column, value (as shown in the report)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(("table", "title", "row", "column", "value"))
    for table in tables(report):
        for row in table.rows:
            for column, value in zip(table.header[1:], row[1:], strict=True):
                writer.writerow((table.id, table.title, row[0], column, value))
    return buffer.getvalue()


@cache
def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def to_email_html(report: dict[str, Any], chart_src: str | None) -> str:
    """One HTML document for mail clients: tables and inline styles. ``chart_src`` is the chart's
    address: ``cid:...`` in a mail, a data: URL in a file on its own."""
    return (
        _env()
        .get_template("report_email.html")
        .render(
            title=title(report),
            figures=summary(report),
            tables=tables(report)[1:],
            chart_src=chart_src,
            chart_alt=chart_alt(report),
            method=_method_line(report),
        )
    )


def data_url(png: bytes | None) -> str | None:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii") if png else None


def page_context(report: dict[str, Any], chart_png: bytes | None) -> dict[str, Any]:
    """What ``report_admin.html`` needs; the chart is a data: URL, which the site's CSP allows."""
    return {
        "title": title(report),
        "figures": summary(report),
        "tables": tables(report)[1:],
        "chart_src": data_url(chart_png),
        "chart_alt": chart_alt(report),
        "method": _method_line(report),
    }
