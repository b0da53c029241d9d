"""The report as an email to the coordinators: HTML and plain text, the chart inline, a CSV attached."""

from __future__ import annotations

from shared.errors import NoCoordinators
from shared.mail import Attachment, InlineImage, Message
from shared.report.chart import barrier_chart, png_size
from shared.report.model import Report
from shared.report.render import title, to_csv, to_email_html, to_text

CHART_CID = "barrier-chart"


def report_message(report: Report, to: tuple[str, ...]) -> Message:
    """The report, already built in its readers' language, as one message to ``to``."""
    if not to:
        raise NoCoordinators()
    chart = barrier_chart(report)
    period = report.period
    return Message(
        to=to,
        subject=title(report),
        text=to_text(report),
        html=to_email_html(report, f"cid:{CHART_CID}" if chart else None, png_size(chart) if chart else None),
        inline_images=(InlineImage(CHART_CID, chart),) if chart else (),
        attachments=(
            Attachment(
                f"report-{period.from_}-to-{period.to}.csv",
                to_csv(report).encode("utf-8-sig"),  # the BOM makes spreadsheet apps read UTF-8
                "text/csv",
            ),
        ),
    )
