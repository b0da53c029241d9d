"""Assemble the coordinators' report as one JSON-ready dict; every output format is made from it.

The dict holds plain numbers (``None`` where a figure cannot be computed, never NaN) and the
notes that say why. ``tables.py`` turns it into display tables for text, HTML, email and CSV.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.config import Settings
from shared.errors import Invalid
from shared.forms import Form, load_form
from shared.records import Survey
from shared.report import activity as activity_part
from shared.report import barriers as barrier_part
from shared.report.columns import load_answers, load_interactions
from shared.report.period import Period, default_period
from shared.store.port import Store

LOG_FORM = "interaction_log"


@dataclass(frozen=True)
class ReportRequest:
    """What to report on; ``None`` means the default (latest survey, academic year to date)."""

    survey_id: str | None = None
    start: date | None = None
    end: date | None = None
    test: str = "paired"


def build_report(
    store: Store,
    settings: Settings,
    request: ReportRequest,
    *,
    today: date,
    lang: str = "en",
    forms: Callable[[str], Form] = load_form,
) -> dict[str, Any]:
    """The whole report for ``request`` as of ``today`` (in the program's time zone)."""
    period = resolve_period(request, today, settings.academic_year_start_month)
    surveys = store.list_surveys()
    survey = pick_survey(surveys, request.survey_id)
    log_form = forms(LOG_FORM)
    labels = log_form.labels(lang)
    counts = load_interactions(store, period.start, period.end, log_form)
    supporters = store.list_supporters()
    report: dict[str, Any] = {
        "program": settings.program_name,
        "generated_on": today.isoformat(),
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat(), "label": period.label},
        "small_cell": settings.small_cell,
        "test": request.test,
        "survey": None,
        "survey_note": "",
        "activity": activity_part.activity(counts, supporters, settings.small_cell, labels),
    }
    if survey is None:
        report["survey_note"] = "No survey has been created yet, so there are no barrier results."
    else:
        report["survey"] = survey_section(store, settings, survey, surveys, request.test, lang, forms)
    return report


def resolve_period(request: ReportRequest, today: date, start_month: int) -> Period:
    default = default_period(today, start_month)
    start = request.start or (
        default.start if not request.end else default_period(request.end, start_month).start
    )
    end = request.end or today
    if start > end:
        raise Invalid("The period ends before it starts.", errors={"from": ["must be on or before 'to'"]})
    return Period(start, end)


def _order(survey: Survey) -> tuple[date, str]:
    return (survey.created_on or survey.opens or date.min, survey.id)


def pick_survey(surveys: list[Survey], survey_id: str | None) -> Survey | None:
    """The asked survey, or the latest one (by creation date, then id)."""
    if survey_id is not None:
        for survey in surveys:
            if survey.id == survey_id:
                return survey
        raise Invalid(f"There is no survey {survey_id!r}.", errors={"survey": [f"no survey {survey_id!r}"]})
    return max(surveys, key=_order, default=None)


def previous_survey(surveys: list[Survey], survey: Survey) -> Survey | None:
    """The survey of the same form just before ``survey`` (by creation date, then id)."""
    earlier = [s for s in surveys if s.form == survey.form and _order(s) < _order(survey)]
    return max(earlier, key=_order, default=None)


def survey_section(
    store: Store,
    settings: Settings,
    survey: Survey,
    surveys: list[Survey],
    test: str,
    lang: str,
    forms: Callable[[str], Form],
) -> dict[str, Any]:
    form = forms(survey.form)
    columns = load_answers(
        store, survey.id, form, year_field=activity_part.YEAR_FIELD, k10=survey.k10, lang=lang
    )
    comparison = barrier_part.compare_barriers(columns, test)
    section: dict[str, Any] = {
        "id": survey.id,
        "form": survey.form,
        "title": form.title.get(lang),
        "answers": columns.rows,
        **barrier_part.response_rate(survey, columns.rows),
        "design": test,
        "design_text": barrier_part.design_text(test),
        "services": [{"id": sid, "label": _sentence_case(label)} for sid, label in columns.services],
        **comparison,
        "k10": barrier_part.k10(columns) if survey.k10 else None,
        "by_year_of_study": barrier_part.respondents_by_year(columns, settings.small_cell, form.labels(lang)),
        "previous": None,
    }
    # Answers wait sealed until a release (shared/services/release.py): count them, say so.
    section["pending"] = pending = store.count_sealed(survey.id)
    if pending:
        section["notes"] = [
            f"{pending} more {'answer is' if pending == 1 else 'answers are'} sealed, waiting to be released: "
            f"answers are released daily in batches of at least {settings.small_cell}, and all of them when "
            "the survey's links are purged. The results above count released answers only.",
            *section["notes"],
        ]
    if columns.rows == 0:
        section["notes"] = ["This survey has no answers yet.", *section["notes"]]
    last = previous_survey(surveys, survey)
    if last is not None:
        last_form = forms(last.form)
        last_columns = load_answers(store, last.id, last_form, year_field=None, k10=False, lang=lang)
        section["previous"] = barrier_part.year_over_year(columns, last_columns, last)
    return section


def _sentence_case(label: str) -> str:
    # Matrix rows are written to sit inside a question ("... help from {row}?").
    return label[:1].upper() + label[1:]
