"""The barrier comparison as a PNG bar chart (matplotlib's Agg canvas, no display needed).

A Figure with its own Agg canvas keeps no global pyplot state, so two reports drawn in two
threads at once cannot draw into each other's figure.
"""

from __future__ import annotations

import io
import math
import textwrap
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

COLOURS = ("#1f5f8b", "#e08a1e", "#5b8c3a", "#8b1f5f")  # distinguishable in grey and for colour-blind readers


def barrier_chart(report: dict[str, Any]) -> bytes | None:
    """A horizontal bar chart of percent per service for each barrier, or None with nothing to draw."""
    survey = report.get("survey")
    if not survey or not survey.get("barriers") or not survey.get("respondents"):
        return None
    barriers = survey["barriers"]
    services = survey["services"]
    height = 1.2 + 0.55 * len(barriers) * max(1, len(services)) / 2
    figure = Figure(figsize=(8, height), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    bar = 0.8 / max(1, len(services))
    positions = list(range(len(barriers)))
    for k, service in enumerate(services):
        values = [b["percent"][service["id"]] or 0.0 for b in barriers]
        ys = [p + (k - (len(services) - 1) / 2) * bar for p in positions]
        bars = axes.barh(ys, values, height=bar, label=service["label"], color=COLOURS[k % len(COLOURS)])
        axes.bar_label(bars, labels=[f"{v:.1f}%" for v in values], padding=2, fontsize=8)
    axes.set_yticks(positions, ["\n".join(textwrap.wrap(b["label"], 28)) for b in barriers], fontsize=8)
    axes.invert_yaxis()  # first barrier at the top, as in the table
    axes.set_xlabel(f"Percent of respondents (n = {survey['respondents']})")
    highest = max((b["percent"][s["id"]] or 0.0) for b in barriers for s in services)
    axes.set_xlim(0, min(112.0, 10.0 * math.ceil((highest + 12.0) / 10.0)))  # room for the labels
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="best", fontsize=8)
    axes.set_title("Barriers to seeking help, by service", fontsize=11)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
