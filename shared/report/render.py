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

from shared.i18n import translate, translate_plural
from shared.report.model import Report, to_jsonable
from shared.report.summary import sentences
from shared.report.tables import Table, chart_alt, summary, tables
from shared.report.words import t
from shared.spreadsheet import spreadsheet_safe

FORMATS = ("text", "html", "json")
TEMPLATES = Path(__file__).resolve().parents[2] / "forms" / "templates"
CHART_WIDTH = 600  # CSS pixels: the email's reading width
WIDTH = 78  # RFC 5322's advice for a line of text; mail clients wrap longer ones and break tables

CSV_COLUMNS = (
    "table",
    "row",
    "column",
    "count",
    "percent",
    "value",
    "p",
    "p_adjusted",
    "ci_low",
    "ci_high",
    "suppressed",
    "note",
)


def title(report: Report) -> str:
    lang = _lang(report)
    period = report.period
    if period.final:
        years = f"{period.from_[:4]}-{period.to[:4]}"
        return t(lang, "title_final", program=report.program, years=years, period=period.label)
    return t(lang, "title", program=report.program, period=period.label)


def audience_line(report: Report) -> str:
    lang = _lang(report)
    if report.audience == "shared":
        return t(lang, "audience_shared", threshold=report.small_cell)
    return t(lang, "audience_coordinators")


def methods(report: Report) -> list[str]:
    """The short "How these numbers were computed" section, at the end of every format."""
    lang = _lang(report)
    out = []
    survey = report.survey
    if survey is not None:
        out.append(survey.design_text)
        tested = sum(b.p_adjusted is not None for b in survey.barriers)
        if tested:
            out.append(
                translate_plural(
                    lang,
                    "P values are adjusted for the %(num)s barrier compared with Holm's method (1979); a "
                    "difference is called unlikely to be chance only when its adjusted P is under .05.",
                    "P values are adjusted for the %(num)s barriers compared with Holm's method (1979); a "
                    "difference is called unlikely to be chance only when its adjusted P is under .05.",
                    tested,
                )
            )
        if survey.k10:
            out.append(t(lang, "m_k10"))
        if survey.outcomes or report.follow_ups:
            out.append(t(lang, "m_outcomes"))
    supporter = t(lang, "m_per_supporter") if report.audience == "shared" else ""
    out.append(t(lang, "m_small_cell", threshold=report.small_cell, supporter=supporter))
    return out


def to_json(report: Report) -> str:
    # allow_nan=False: a NaN that slipped through is a bug to hear about, not a "NaN" to print.
    return json.dumps(to_jsonable(report), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _wrap(text: str, first: str = "", rest: str = "") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False)


def to_text(report: Report) -> str:
    """The plain-text part: every line at most :data:`WIDTH` characters, every table written as
    one block per row ("Label" then "  column: value" lines), which no wrapping can break."""
    lang = _lang(report)
    heading = title(report)
    lines = [*_wrap(heading), "=" * min(WIDTH, len(heading)), "", *_wrap(audience_line(report)), ""]
    lines += [t(lang, "in_short"), "-" * len(t(lang, "in_short"))]
    for sentence in sentences(report):
        lines += _wrap(sentence, "* ", "  ")
    for table in tables(report):
        lines += ["", *_wrap(table.title), "-" * min(WIDTH, len(table.title)), *_blocks(table, lang)]
        for note in table.notes:
            lines += _wrap(note, "* ", "  ")
    heading = t(lang, "how_computed")
    lines += ["", heading, "-" * len(heading)]
    for line in methods(report):
        lines += _wrap(line, "* ", "  ")
    return "\n".join(lines) + "\n"


def _blocks(table: Table, lang: str) -> list[str]:
    if not table.rows:
        return [] if table.notes else [translate(lang, "(no rows)")]
    colon = "\u00a0:" if lang == "fr" else ":"
    out: list[str] = []
    if len(table.header) == 2:  # a two-column table reads as "label: value" lines
        for row in table.rows:
            out += _wrap(f"{row[0]}{colon} {row[1]}", "", "    ")
        return out
    for k, row in enumerate(table.rows):
        if k:
            out.append("")
        out += _wrap(row[0])
        for head, cell in zip(table.header[1:], row[1:], strict=True):
            out += _wrap(f"{head}{colon} {cell}", "  ", "    ")
    return out


def to_csv(report: Report) -> str:
    """Tidy data: one row per table cell, numbers as numbers (a point for the decimal in every
    language, so any program reads them), a hidden count empty with ``suppressed`` 1, and ``note``
    saying why an empty number is not missing (an odds ratio a zero cell makes infinite). Text
    cells (labels, supporter aliases, notes) are made spreadsheet-safe (:mod:`shared.spreadsheet`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for table in tables(report):
        for d in table.data:
            writer.writerow(
                (
                    spreadsheet_safe(table.id),
                    spreadsheet_safe(d.row),
                    spreadsheet_safe(d.column),
                    _number(d.count),
                    _number(d.percent),
                    _number(d.value),
                    _number(d.p),
                    _number(d.p_adjusted),
                    _number(d.ci_low),
                    _number(d.ci_high),
                    1 if d.suppressed else 0,
                    spreadsheet_safe(d.note),
                )
            )
    return buffer.getvalue()


def _number(value: float | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return repr(round(float(value), 10))


def _lang(report: Report) -> str:
    return str(report.lang or "en")


@cache
def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def context(
    report: Report, chart_src: str | None, chart_size: tuple[int, int] | None = None
) -> dict[str, Any]:
    """What both HTML templates show, in reading order: title, audience, summary sentences, key
    figures, chart, tables, then the methods."""
    lang = _lang(report)
    every = tables(report)
    return {
        "report_lang": lang,
        "title": title(report),
        "audience": audience_line(report),
        "in_short": t(lang, "in_short"),
        "sentences": sentences(report),
        "figures_title": every[0].title,
        "figures": summary(report),
        "tables": every[1:],
        "chart_src": chart_src,
        "chart_alt": chart_alt(report),
        "chart_size": chart_size or (CHART_WIDTH, CHART_WIDTH // 2),
        "how_computed": t(lang, "how_computed"),
        "methods": methods(report),
        "csv_attached": t(lang, "csv_attached"),
    }


def to_email_html(report: Report, chart_src: str | None, chart_size: tuple[int, int] | None = None) -> str:
    """One HTML document for mail clients: tables and inline styles. ``chart_src`` is the chart's
    address: ``cid:...`` in a mail, a data: URL in a file on its own; ``chart_size`` its width and
    height in CSS pixels (the image's attributes, which Outlook needs)."""
    return _env().get_template("report_email.html").render(**context(report, chart_src, chart_size))


def data_url(png: bytes | None) -> str | None:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii") if png else None


def page_context(report: Report, chart_png: bytes | None) -> dict[str, Any]:
    """What ``report_admin.html`` needs; the chart is a data: URL, which the site's CSP allows."""
    from shared.report.chart import png_size

    return context(report, data_url(chart_png), png_size(chart_png) if chart_png else None)
