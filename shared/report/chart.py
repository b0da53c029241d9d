"""The barrier comparison as a PNG bar chart (matplotlib's Agg canvas, no display needed).

A Figure with its own Agg canvas keeps no global pyplot state, so two reports drawn in two
threads at once cannot draw into each other's figure.
"""

from __future__ import annotations

import io
import math
import struct
import textwrap

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from shared.report.model import Report
from shared.report.words import pct, t

COLOURS = ("#1f5f8b", "#e08a1e", "#5b8c3a", "#8b1f5f")  # distinguishable in grey and for colour-blind readers


DPI = 200  # drawn at twice the size it is shown (600 CSS px), so it is sharp on phones
WIDTH_INCHES = 6


def png_size(png: bytes) -> tuple[int, int]:
    """The chart's size in CSS pixels (half its pixels), from the PNG's IHDR chunk."""
    width, height = struct.unpack(">II", png[16:24])
    return width * 100 // DPI, height * 100 // DPI


def has_chart(report: Report) -> bool:
    """Whether :func:`barrier_chart` has anything to draw (a page links the image only then): not
    when the shareable copy withholds the barriers."""
    survey = report.survey
    return bool(survey and survey.barriers and survey.respondents and not survey.suppressed)


def barrier_chart(report: Report) -> bytes | None:
    """A horizontal bar chart of percent per service for each barrier, or None with nothing to draw."""
    survey = report.survey
    if not survey or not has_chart(report):
        return None
    barriers = survey.barriers
    services = survey.services
    lang = str(report.lang or "en")
    height = 1.4 + 0.6 * len(barriers) * max(1, len(services)) / 2
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    bar = 0.8 / max(1, len(services))
    positions = list(range(len(barriers)))
    for k, service in enumerate(services):
        values = [b.percent[service.id] or 0.0 for b in barriers]
        ys = [p + (k - (len(services) - 1) / 2) * bar for p in positions]
        bars = axes.barh(ys, values, height=bar, label=service.label, color=COLOURS[k % len(COLOURS)])
        axes.bar_label(bars, labels=[pct(v, lang) for v in values], padding=2, fontsize=7)
    axes.set_yticks(positions, ["\n".join(textwrap.wrap(b.label, 24)) for b in barriers], fontsize=7)
    axes.invert_yaxis()  # first barrier at the top, as in the table
    axes.set_xlabel(t(lang, "chart_axis", n=survey.respondents), fontsize=8)
    highest = max((b.percent[s.id] or 0.0) for b in barriers for s in services)
    axes.set_xlim(0, min(112.0, 10.0 * math.ceil((highest + 12.0) / 10.0)))  # room for the labels
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="best", fontsize=8)
    axes.set_title(t(lang, "chart_title"), fontsize=10)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
