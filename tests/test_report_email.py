"""The report email, read back from the real transports: the loopback SMTP server and moto's
SES. Checked part by part: plain text, HTML with inline styles, the chart as an inline PNG the
HTML points at by Content-ID, and the CSV attachment holding every table."""

from __future__ import annotations

import dataclasses
import io
import re
import struct
from datetime import date
from email.message import EmailMessage

import pandas as pd
import pytest

from shared import bootstrap
from shared.mail import make_mailer
from shared.report.email import CHART_CID, NoCoordinators
from shared.services import reports
from tests.test_report_statistics import PUBLISHED
from tests.test_report_support import (
    NOW,
    add_interactions,
    add_supporters,
    add_survey,
    assert_clean,
    log_answers,
    paired_answers,
)

SENDER = "report@example.org"
PERIOD = "1 September 2026 to 31 October 2026"  # a scheduled run covers complete months


def seed(store) -> None:
    add_survey(store, "2026", paired_answers(PUBLISHED), links_issued=100)
    ids = add_supporters(store, 3)
    add_interactions(
        store,
        [
            (ids[k % 3], date(2026, 9 + k % 2, 1 + k), log_answers(concern_level=("none", "some")[k % 2]))
            for k in range(12)
        ],
    )


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    return width, height


def check_report_mail(message: EmailMessage, program: str) -> None:
    assert message["Subject"] == f"{program}: report for {PERIOD}"
    assert message.get_content_type() == "multipart/mixed"
    kinds = [part.get_content_type() for part in message.walk()]
    assert kinds == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
        "text/csv",
    ]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert_clean(body)
        assert "Barriers to seeking help (81 respondents)" in body
        # Holm-adjusted over the 8 barriers, under the "Adjusted P" header: ".003", not "P = .003" again
        assert "18 (22.2%)" in body and ".003" in body and "P = .003" not in body
    assert f'src="cid:{CHART_CID}"' in html
    assert 'style="' in html  # mail clients need inline styles
    assert "<link" not in html and "<script" not in html

    [image] = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert image["Content-ID"] == f"<{CHART_CID}>"
    assert image.get_content_disposition() == "inline"
    width, height = png_size(image.get_content())
    assert width >= 600 and height >= 200

    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "report-2026-09-01-to-2026-10-31.csv"
    # The file's bytes as a mail client saves them: UTF-8 with a BOM, for spreadsheet apps.
    raw = attachment.get_payload(decode=True)
    assert raw.startswith(b"\xef\xbb\xbf")
    content = raw.decode("utf-8-sig")
    frame = pd.read_csv(io.StringIO(content))
    assert list(frame.columns) == [
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
    ]
    for column in ("count", "percent", "value", "p", "p_adjusted", "ci_low", "ci_high", "suppressed"):
        assert pd.api.types.is_numeric_dtype(frame[column]), column
    assert {
        "summary",
        "barriers",
        "by_month",
        "by_format",
        "referrals",
        "year_by_concern",
        "per_supporter",
    } <= set(frame["table"])
    barriers = frame[frame["table"] == "barriers"].set_index(["row", "column"])
    career = "Fear of impact on my career"
    assert barriers.loc[(career, "Faculty services, n (%)"), "count"] == 18
    assert round(barriers.loc[(career, "Faculty services, n (%)"), "percent"], 1) == 22.2
    assert barriers.loc[(career, "Difference (points)"), "p_adjusted"] < 0.01
    # Totals match the HTML: interactions per month and per supporter add up to the figure shown.
    shown_total = int(re.search(r"Interactions logged</td><td[^>]*>(\d+)<", html).group(1))
    assert shown_total == 12
    assert frame[frame["table"] == "by_month"]["count"].sum() == shown_total
    per_supporter = frame[(frame["table"] == "per_supporter") & (frame["row"] != "Total")]
    assert per_supporter["count"].sum() == shown_total
    summary = frame[frame["table"] == "summary"].set_index("row")
    assert summary.loc["Interactions logged", "count"] == 12
    assert summary.loc["Response rate", "percent"] == 81.0


def test_report_mail_through_smtp(app, smtp_server):
    seed(app.store)
    mailed = bootstrap.configure(
        settings=app.settings, store=app.store, mailer=make_mailer(smtp_server.target, SENDER)
    )
    result = reports.send_scheduled_report(mailed, NOW, options=reports.ReportOptions(test="independent"))
    assert result["status"] == "sent"
    [received] = smtp_server.messages
    assert received.rcpt_tos == ("coord@example.org",)
    check_report_mail(received.message, app.settings.program_name)


def test_report_mail_through_ses(app, ses_server):
    seed(app.store)
    ses_server.verify(SENDER)
    mailed = bootstrap.configure(
        settings=app.settings, store=app.store, mailer=make_mailer(ses_server.target, SENDER)
    )
    result = reports.send_scheduled_report(mailed, NOW, options=reports.ReportOptions(test="independent"))
    assert result["status"] == "sent"
    [sent] = ses_server.messages()
    assert sent.destinations == ("coord@example.org",)
    check_report_mail(sent.message, app.settings.program_name)


def test_no_coordinators_is_a_clear_error_and_claims_nothing(app, smtp_server):
    settings = dataclasses.replace(app.settings, coordinators=())
    mailed = bootstrap.configure(
        settings=settings, store=app.store, mailer=make_mailer(smtp_server.target, SENDER)
    )
    with pytest.raises(NoCoordinators, match="SIDEBYSIDE_COORDINATORS"):
        reports.send_scheduled_report(mailed, NOW)
    assert app.store.get_claim(reports.REPORT, "2026-11") is None
    assert smtp_server.messages == []
