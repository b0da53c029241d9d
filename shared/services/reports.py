"""The coordinators' report: build it, render it, and email it at most once per period.

Scheduled sends are units of claimed work (:mod:`shared.services.retry`), job ``REPORT`` keyed
by period (the run's month in the program's time zone, "2026-11"), and each Send now of the
console is one too (job ``SEND_NOW``, keyed by its form):

- a period whose report is done sends nothing and says so;
- the claim is atomic (``store.claim``), so of two concurrent callers only one sends; the other
  is told the report is in progress;
- a failed send, or a claim older than ``STALE_AFTER`` (its sender died), is retried under the
  next attempt number, at once: the callers pace the retries (``REPORTS``).

The one way a report goes out twice: the mail is handed over and then the store refuses
the "done" record (three tries) and the process dies; after ``STALE_AFTER`` a retry sends
it again. Recording "done" before sending would close that window but could lose the report.

pandas, scipy and matplotlib load inside these functions only, so importing this module
(the background job loop does) costs nothing.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from shared.errors import (
    Invalid,
    NoCoordinators,
    ReportInProgress,
    ReportNotSent,
    ServiceError,
)
from shared.i18n import N_
from shared.ids import is_document_id
from shared.mail.port import MailError
from shared.records import NO_COMPARISON, Claim
from shared.report.period import Period, allowed_days, local_today, period_key
from shared.services.coordinators import recipients as coordinator_addresses
from shared.services.retry import REPORTS
from shared.store.port import Store, Unavailable

if TYPE_CHECKING:
    from collections.abc import Mapping

    from shared.bootstrap import App
    from shared.report.build import ReportRequest
    from shared.report.model import Report

log = logging.getLogger("sidebyside.reports")

STALE_AFTER = REPORTS.stale_after
REPORT = "report"  # the job of the scheduled report, keyed by period
SEND_NOW = "send-now"  # the job of one Send now form, keyed by the form's send_key
FORMATS = ("text", "html", "json")
TESTS = ("paired", "independent")
AUDIENCES = ("coordinators", "shared")
LANGUAGES = ("en", "fr")
DETAIL_CHARS = 500
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class ReportOptions:
    """A checked request for a report (from the CLI or the admin API)."""

    format: str = "text"
    survey_id: str | None = None
    start: date | None = None
    end: date | None = None
    test: str = "paired"
    scheduled: bool = False  # a scheduled send: the default period closes at the end of last month
    audience: str = "coordinators"
    lang: str | None = None  # None: the SIDEBYSIDE_REPORT_LANGUAGE setting
    compare: str | None = None  # a survey id, NO_COMPARISON, or None: the previous survey

    def request(self) -> ReportRequest:
        from shared.report.build import ReportRequest

        return ReportRequest(
            survey_id=self.survey_id,
            start=self.start,
            end=self.end,
            test=self.test,
            scheduled=self.scheduled,
            audience=self.audience,
            compare=self.compare,
        )


def allowed_period(app: App) -> Period:
    """The days this program's reports may cover (see :func:`allowed_days`)."""
    return allowed_days(app.settings.program_start, local_today(datetime.now(UTC), app.settings.timezone))


def parse_options(raw: Mapping[str, Any], allowed: Period | None = None) -> ReportOptions:
    """Options from strings (query parameters, CLI values); :class:`Invalid` names each bad one.

    ``allowed``: the days a period may cover (:func:`allowed_days`; every entry point passes its
    program's), by default the years 1900 to 9000, so no date overflows the period arithmetic.
    """
    allowed = allowed or Period(date(1900, 1, 1), date(9000, 12, 31))
    errors: dict[str, list[str]] = {}
    fmt = _text(raw.get("format")) or "text"
    if fmt not in FORMATS:
        errors["format"] = [f"must be one of {', '.join(FORMATS)}"]
    test = _text(raw.get("test")) or "paired"
    if test not in TESTS:
        errors["test"] = [f"must be one of {', '.join(TESTS)}"]
    audience = _text(raw.get("audience")) or "coordinators"
    if audience not in AUDIENCES:
        errors["audience"] = [f"must be one of {', '.join(AUDIENCES)}"]
    lang = _text(raw.get("lang")) or None
    if lang is not None and lang not in LANGUAGES:
        errors["lang"] = [f"must be one of {', '.join(LANGUAGES)}"]
    survey = _text(raw.get("survey")) or None
    if survey is not None and (len(survey) > 100 or not survey.isprintable() or not is_document_id(survey)):
        errors["survey"] = ["is not a survey id"]
    compare = _text(raw.get("compare")) or None  # NO_COMPARISON: compare with no earlier survey
    if compare is not None and (
        len(compare) > 100 or not compare.isprintable() or not is_document_id(compare)
    ):
        errors["compare"] = ["is not a survey id"]
    days: dict[str, date | None] = {}
    for key in ("from", "to"):
        text = _text(raw.get(key))
        try:
            # fromisoformat alone would also take "20240131" and week dates.
            if text and not _ISO_DATE.fullmatch(text):
                raise ValueError(text)
            days[key] = date.fromisoformat(text) if text else None
        except ValueError:
            errors[key] = ["must be a date as YYYY-MM-DD"]
            days[key] = None
        day = days[key]
        if day is not None and not allowed.start <= day <= allowed.end:
            errors[key] = [f"must be from {allowed.start.isoformat()} to {allowed.end.isoformat()}"]
            days[key] = None
    if days["from"] and days["to"] and days["from"] > days["to"]:
        errors["from"] = ["must be on or before 'to'"]
    if errors:
        raise Invalid(N_("Some report options are not valid."), errors=errors)
    return ReportOptions(
        format=fmt,
        survey_id=survey,
        start=days["from"],
        end=days["to"],
        test=test,
        audience=audience,
        lang=lang,
        compare=compare,
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else str(value)


def build(
    app: App, options: ReportOptions, now: datetime | None = None, *, lang: str | None = None
) -> Report:
    """The report, as of ``now`` (default: the current time), in ``lang``
    (default: the options' language, else ``SIDEBYSIDE_REPORT_LANGUAGE``)."""
    from shared.report.build import build_report

    today = local_today(now or datetime.now(UTC), app.settings.timezone)
    chosen = lang or options.lang or app.settings.report_language
    return build_report(app.store, app.settings, options.request(), today=today, lang=chosen)


def render(report: Report, fmt: str) -> str:
    """The report as ``text`` or ``json``, or as an HTML email document for ``html``."""
    from shared.report import render as out

    if fmt == "json":
        return out.to_json(report)
    if fmt == "html":
        from shared.report.chart import barrier_chart, png_size

        # A file on its own has no cid: parts, so the chart goes in as a data: URL.
        png = barrier_chart(report)
        return out.to_email_html(report, out.data_url(png), png_size(png) if png else None)
    return out.to_text(report)


def recipients(app: App) -> list[tuple[str, str]]:
    """Who gets the scheduled report, as (address, language) pairs: the coordinators of
    :func:`shared.services.coordinators.recipients`, each in their own language (a stored
    coordinator's preference) or else ``SIDEBYSIDE_REPORT_LANGUAGE``."""
    preferred = {c.email: c.language for c in app.store.list_coordinators() if c.language}
    default = app.settings.report_language
    return [
        (address, preferred.get(address, default))
        for address in coordinator_addresses(app.store, app.settings)
    ]


def send_now(app: App, options: ReportOptions, now: datetime | None = None) -> str:
    """Build the report once per language and mail each copy to the coordinators who read that
    language (one message per language, all recipients of a language on it); the message ids."""
    from shared.report.email import report_message

    by_lang: dict[str, list[str]] = {}
    for address, lang in recipients(app):
        by_lang.setdefault(options.lang or lang, []).append(address)
    if not by_lang:
        raise NoCoordinators()
    ids = []
    for lang, addresses in by_lang.items():
        report = build(app, options, now, lang=lang)
        ids.append(app.mailer.send(report_message(report, tuple(addresses))))
    return " ".join(ids)


SEND_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def send_once(app: App, options: ReportOptions, key: object, now: datetime) -> datetime | None:
    """Send Now, once per ``key`` (a random value the console's form carries): a double click
    or a resubmitted form sends nothing more. Returns None when this call sent the report,
    else when it was sent (or is being sent) under this key. A failed send may be retried
    with the same key; a deliberate second send takes a fresh form, so a new key."""
    if not isinstance(key, str) or not SEND_KEY.fullmatch(key):
        raise Invalid(
            "The form is incomplete: reload the page.", errors={"send_key": ["missing or not valid"]}
        )
    store = app.store
    held = store.get_claim(SEND_NOW, key)
    if held is not None and held.state == "done":
        return held.finished_at or held.claimed_at
    claim = store.claim(SEND_NOW, key, now, REPORTS.stale_before(now))
    if claim is None:  # the other click of a double click has it
        return held.claimed_at if held is not None else now
    try:
        message_ids = send_now(app, options, now)
    except Exception as exc:
        store.finish_claim(claim, now, error=_detail(exc), retry_at=REPORTS.next_try(claim, now))
        raise
    _save_sent(store, claim, now, message_ids)
    return None


def send_scheduled_report(
    app: App, now: datetime, *, options: ReportOptions | None = None, force: bool = False
) -> dict[str, Any]:
    """Send this period's report unless it was sent already (``force``: send it again anyway).

    Returns ``{"status": "sent" | "already_sent", "period", "attempt"}``. Raises
    :class:`ReportInProgress` when another process is sending it, :class:`ReportNotSent`
    when this attempt failed (recorded, so a retry sends it), ``NoCoordinators`` when no
    address is configured (checked before anything is claimed).
    """
    if not coordinator_addresses(app.store, app.settings):
        raise NoCoordinators()
    store = app.store
    options = replace(options or ReportOptions(), scheduled=True)
    for field, named in (("survey", options.survey_id), ("compare", options.compare)):
        if named is not None and named != NO_COMPARISON and store.get_survey(named) is None:
            # Bad input is refused before anything is claimed, so it leaves no failed run behind.
            raise Invalid(f"There is no survey {named!r}.", errors={field: [f"no survey {named!r}"]})
    period = period_key(now, app.settings.timezone)
    held = store.get_claim(REPORT, period)
    claim = None
    if force or held is None or held.state != "done":
        claim = store.claim(REPORT, period, now, REPORTS.stale_before(now), redo=force)
        held = claim or store.get_claim(REPORT, period)
    if claim is None:
        if held is not None and held.state == "done":
            return {
                "status": "already_sent",
                "period": period,
                "attempt": held.attempt,
                "sent_at": _iso(held.finished_at or held.claimed_at),
                "covers": covered(app, options, now),
            }
        attempt = held.attempt if held is not None else 1
        raise ReportInProgress(
            f"The report for {period} is being sent by another process (attempt {attempt})."
        )
    attempt = claim.attempt
    try:
        message_id = send_now(app, options, now)
    except Exception as exc:  # any failure is recorded, so the next call retries under a new attempt
        detail = _detail(exc)
        if isinstance(exc, (MailError, Unavailable, ServiceError)):
            log.warning("report for %s not sent (attempt %d): %s", period, attempt, detail)
        else:  # a bug: keep the traceback (it holds no request data here)
            log.exception("report for %s not sent (attempt %d)", period, attempt)
        try:
            store.finish_claim(claim, now, error=detail, retry_at=REPORTS.next_try(claim, now))
        except Unavailable:
            log.warning(
                "could not record the failed report for %s; its claim goes stale and is retried", period
            )
        if isinstance(exc, ServiceError) and not isinstance(exc, Invalid):
            raise
        raise ReportNotSent(f"The report for {period} was not sent: {detail}") from exc
    _save_sent(store, claim, now, message_id)
    log.info("report for %s sent (attempt %d)", period, attempt)
    return {
        "status": "sent",
        "period": period,
        "attempt": attempt,
        "message_id": message_id,
        "covers": covered(app, options, now),
    }


def covered(app: App, options: ReportOptions, now: datetime) -> str:
    """The days a report built now with ``options`` covers, in words as the report names them
    ("1 September 2025 to 31 October 2025"); the scheduled run's key ("2025-11") is the month
    it runs in, not what it covers."""
    from shared.report.build import resolve_period

    today = local_today(now, app.settings.timezone)
    return resolve_period(options.request(), today, app.settings.academic_year_start_month).label


def _save_sent(store: Store, claim: Claim, now: datetime, message_ids: str) -> None:
    # The mail is out: try hard to record it, since a claim left unfinished is resent once stale.
    for pause in (0.0, 0.5, 2.0):
        time.sleep(pause)
        try:
            store.finish_claim(claim, now, note=message_ids)
            return
        except Unavailable as exc:
            log.warning("could not record the sent report %s yet: %s", claim.key, exc)
    log.error("report %s was sent but not recorded; it may be sent again after %s", claim.key, STALE_AFTER)


def _detail(exc: BaseException) -> str:
    # MailError and the store's errors are one line without secrets; others say only their type.
    if isinstance(exc, (MailError, Unavailable, ServiceError)):
        text = str(exc)
    else:
        text = f"{type(exc).__name__} while building the report"
    return text[:DETAIL_CHARS]


def _iso(moment: datetime) -> str:
    return moment.isoformat()
