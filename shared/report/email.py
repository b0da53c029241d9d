"""The report as an email to the coordinators: HTML and plain text, the chart inline, a CSV attached."""

from __future__ import annotations

from typing import Any

from shared.config import Settings
from shared.errors import NoCoordinators  # defined with the other domain errors; kept importable here
from shared.mail import Attachment, InlineImage, Message
from shared.report.chart import barrier_chart
from shared.report.render import title, to_csv, to_email_html, to_text

CHART_CID = "barrier-chart"


def report_message(report: dict[str, Any], settings: Settings, to: tuple[str, ...] | None = None) -> Message:
    """The report email to ``to`` (default: SIDEBYSIDE_COORDINATORS; the services pass
    :func:`shared.services.coordinators.recipients`, which adds the console's coordinators)."""
    to = settings.coordinators if to is None else to
    if not to:
        raise NoCoordinators(
            "No coordinators to send the report to: set SIDEBYSIDE_COORDINATORS to their email addresses."
        )
    chart = barrier_chart(report)
    period = report["period"]
    return Message(
        to=to,
        subject=title(report),
        text=to_text(report),
        html=to_email_html(report, f"cid:{CHART_CID}" if chart else None),
        inline_images=(InlineImage(CHART_CID, chart),) if chart else (),
        attachments=(
            Attachment(
                f"report-{period['from']}-to-{period['to']}.csv",
                to_csv(report).encode("utf-8-sig"),  # the BOM makes spreadsheet apps read UTF-8
                "text/csv",
            ),
        ),
    )
