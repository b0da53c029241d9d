"""Assemble the coordinators' report as one :class:`~shared.report.model.Report`; every output
format is made from it.

It holds plain numbers (``None`` where a figure cannot be computed, never NaN) and the notes
that say why, in the report's language. ``tables.py`` turns it into display tables for text,
HTML, email and CSV; ``model.to_jsonable`` into JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from shared.config import Settings
from shared.errors import Invalid
from shared.forms import Form, load_form
from shared.i18n import N_, translate, translate_plural
from shared.records import DEMO_ALIAS, DEMO_SURVEY, NO_COMPARISON, Survey
from shared.report import activity as activity_part
from shared.report import barriers as barrier_part
from shared.report import outcome_part, shareable
from shared.report.columns import load_answers, load_interactions
from shared.report.follow_up_counts import planned_in
from shared.report.model import Report, ReportPeriod, Service, SurveySection
from shared.report.period import Period, default_period, is_final, scheduled_period
from shared.report.words import period_label
from shared.store.port import Store
from shared.text import shown

LOG_FORM = "interaction_log"
# The note of a survey without released answers, by whether some wait sealed (pending).
NO_ANSWERS = {
    False: N_("This survey has no answers yet."),
    True: N_("No answers have been released yet."),
}


@dataclass(frozen=True)
class ReportRequest:
    """What to report on; ``None`` means the default (the current survey, academic year to date).

    ``scheduled``: a scheduled run, whose default period ends with the last complete month.
    """

    survey_id: str | None = None
    start: date | None = None
    end: date | None = None
    test: str = "paired"
    scheduled: bool = False
    audience: str = "coordinators"  # or "shared": per-supporter counts small-cell protected too
    compare: str | None = None  # the survey to compare with, NO_COMPARISON, or None: the previous one


def build_report(
    store: Store,
    settings: Settings,
    request: ReportRequest,
    *,
    today: date,
    lang: str = "en",
    forms: Callable[[str], Form] = load_form,
) -> Report:
    """The whole report for ``request`` as of ``today`` (in the program's time zone), in ``lang``."""
    period = resolve_period(request, today, settings.academic_year_start_month)
    # The demo survey, and surveys left out (a pilot), are reported on only when asked for by name.
    named = (request.survey_id, request.compare)
    surveys = [s for s in store.list_surveys() if (s.id != DEMO_SURVEY and not s.excluded) or s.id in named]
    survey = pick_survey(surveys, request.survey_id, today)
    log_form = forms(LOG_FORM)
    labels = log_form.report_labels(lang)
    # The demo supporter (``sidebyside demo``) and its interactions are in no report.
    everyone = store.list_supporters()
    supporters = [s for s in everyone if s.alias != DEMO_ALIAS]
    demo = frozenset(s.id for s in everyone if s.alias == DEMO_ALIAS)
    counts = load_interactions(store, period.start, period.end, log_form, exclude=demo)
    section = None
    shared = request.audience == "shared"
    if survey is not None:
        last = comparison_survey(surveys, survey, request.compare)
        section = survey_section(store, settings, survey, last, request.test, lang, forms, shared=shared)
    referral = next((f for f in log_form.fields() if f.id == "referral"), None)
    destinations = (
        {str(c.id): labels.get(f"referral.{c.id}", str(c.id)) for c in referral.choices} if referral else {}
    )
    activity = activity_part.activity(
        counts, supporters, settings.small_cell, labels, shared=shared, lang=lang
    )
    # The follow-ups planned by the period's interactions, as they stand today (not those due in
    # the period: a follow-up logged before its due date would fall in a later report, or none).
    planned = planned_in(store, period.start, period.end, today, exclude=demo)
    return Report(
        program=settings.program_title(lang),
        lang=lang,
        generated_on=today.isoformat(),
        period=ReportPeriod(
            from_=period.start.isoformat(),
            to=period.end.isoformat(),
            label=period_label(period.start, period.end, lang),
            final=is_final(period, settings.academic_year_start_month),
        ),
        small_cell=settings.small_cell,
        test=request.test,
        audience=request.audience,
        survey=section,
        survey_note=""
        if section
        else translate(lang, "No survey has been created yet, so there are no barrier results."),
        activity=activity,
        follow_ups=outcome_part.follow_up_outcomes(
            planned, today, destinations, lang, answered_yes=activity.follow_ups.count
        ),
    )


def resolve_period(request: ReportRequest, today: date, start_month: int) -> Period:
    if request.scheduled and request.start is None and request.end is None:
        return scheduled_period(today, start_month)
    default = default_period(today, start_month)
    start = request.start or (
        default.start if not request.end else default_period(request.end, start_month).start
    )
    end = request.end or today
    if start > end:
        raise Invalid(
            N_("The period ends before it starts."), errors={"from": [N_("must be on or before 'to'")]}
        )
    return Period(start, end)


def survey_order(survey: Survey) -> tuple[bool, date, date, str]:
    """Surveys in the order they ran: by their own dates (opening, then closing), never by when
    they were entered or imported. A survey without any date (one made by importing last
    year's answers, say) ranks below every dated survey, so it is never "this survey" while a
    dated one exists; undated surveys rank among themselves by their creation day."""
    dated = survey.opens is not None or survey.closes is not None
    fallback = survey.created_on or date.min
    opens = survey.opens or survey.closes or fallback
    return (dated, opens, survey.closes or opens, survey.id)


def pick_survey(surveys: list[Survey], survey_id: str | None, today: date) -> Survey | None:
    """The asked survey, or the current one: of those that have opened by ``today``, the one that
    ran last (:func:`survey_order`). A survey created ahead of time (opening next April) is not
    "this survey" before it opens; while no survey has opened, the newest one is."""
    if survey_id is not None:
        for survey in surveys:
            if survey.id == survey_id:
                return survey
        raise Invalid(
            N_("There is no survey %(survey)r."),
            params={"survey": survey_id},
            errors={"survey": [f"no survey {survey_id!r}"]},
        )
    opened = [s for s in surveys if s.opens is None or s.opens <= today]
    return max(opened or surveys, key=survey_order) if surveys else None


def previous_survey(surveys: list[Survey], survey: Survey) -> Survey | None:
    """The survey of the same form that ran just before ``survey`` (:func:`survey_order`)."""
    earlier = [s for s in surveys if s.form == survey.form and survey_order(s) < survey_order(survey)]
    return max(earlier, key=survey_order) if earlier else None


def comparison_survey(surveys: list[Survey], survey: Survey, compare: str | None) -> Survey | None:
    """The survey ``survey`` is compared with: the one ``compare`` names (of the same form, run
    before it or not), none for :data:`NO_COMPARISON`, else the previous one."""
    if compare is None:
        return previous_survey(surveys, survey)
    if compare == NO_COMPARISON:
        return None
    chosen = next((s for s in surveys if s.id == compare), None)
    if chosen is None:
        raise Invalid(
            N_("There is no survey %(survey)s to compare with."),
            params={"survey": shown(compare)},
            errors={"compare": [N_("Choose a survey on the list.")]},
        )
    if chosen.id == survey.id or chosen.form != survey.form:
        raise Invalid(
            N_(
                "Survey %(survey)r cannot be compared with %(other)s: choose another survey of the same form."
            ),
            params={"survey": survey.id, "other": shown(compare)},
            errors={"compare": [N_("Choose another survey of the same form.")]},
        )
    return chosen


def survey_section(
    store: Store,
    settings: Settings,
    survey: Survey,
    last: Survey | None,
    test: str,
    lang: str,
    forms: Callable[[str], Form],
    *,
    shared: bool = False,
) -> SurveySection:
    form = forms(survey.form)
    blocks = survey.asked_blocks()
    k10 = "k10" in blocks
    columns = load_answers(
        store,
        survey.id,
        form,
        year_field=activity_part.YEAR_FIELD,
        k10=k10,
        lang=lang,
        extra=outcome_part.extra_fields(form, blocks),
    )
    comparison = barrier_part.compare_barriers(columns, test, lang)
    rate = barrier_part.response_rate(survey, columns.rows, columns.imported, lang)
    previous = None
    earlier = None
    compared = None  # the compared survey's answers, for the shareable copy's rules
    if last is not None:
        last_form = forms(last.form)
        last_blocks = last.asked_blocks() & blocks  # only what both surveys asked is compared
        last_columns = load_answers(
            store,
            last.id,
            last_form,
            year_field=None,
            k10="k10" in last_blocks,
            lang=lang,
            extra=outcome_part.extra_fields(last_form, last_blocks),
        )
        previous = barrier_part.year_over_year(columns, last_columns, last, lang)
        earlier = (last.id, last_form, last_blocks, last_columns)
        compared = last_columns
    # Answers wait sealed until a release (shared/services/release.py): count them, say so.
    pending = store.count_sealed(survey.id)
    notes = (
        comparison.notes if columns.rows else [translate(lang, NO_ANSWERS[bool(pending)]), *comparison.notes]
    )
    if pending:
        notes = [
            translate_plural(
                lang,
                "%(num)s more answer sealed, waiting to be released: answers are released daily in "
                "batches of at least %(batch)s, and all of them when the survey's links are purged. The "
                "results above count released answers only.",
                "%(num)s more answers sealed, waiting to be released: answers are released daily in "
                "batches of at least %(batch)s, and all of them when the survey's links are purged. The "
                "results above count released answers only.",
                pending,
                batch=settings.small_cell,
            ),
            *notes,
        ]
    section = SurveySection(
        id=survey.id,
        form=survey.form,
        title=form.title.get(lang),
        answers=columns.rows,
        links_issued=rate.links_issued,
        imported=rate.imported,
        response_rate=rate.response_rate,
        response_rate_note=rate.response_rate_note,
        design=test,
        design_text=barrier_part.design_text(test, lang),
        # label: as a table header; name: inside a sentence ("... a barrier to peer supporters").
        services=[Service(sid, _sentence_case(label), label) for sid, label in columns.services],
        barriers=comparison.barriers,
        respondents=comparison.respondents,
        notes=notes,
        first=comparison.first,
        second=comparison.second,
        adjustment=comparison.adjustment,
        answered_barriers=comparison.answered,
        k10=barrier_part.k10(columns, lang) if k10 else None,
        by_year_of_study=barrier_part.respondents_by_year(
            columns, settings.small_cell, form.report_labels(lang), lang
        ),
        previous=previous,
        pending=pending,
        outcomes=outcome_part.survey_outcomes(form, blocks, columns, earlier, lang=lang),
    )
    if not shared:
        return section
    # The shareable copy's rules span several tables, so they apply to the whole section at once;
    # what they withhold of each survey comes from that survey's own answers, so a survey shown
    # as the compared one loses what its own copy withholds (shareable.Withheld).
    threshold = settings.small_cell
    return shareable.protect_section(
        section,
        threshold,
        lang,
        shareable.withheld(form, columns, threshold),
        shareable.withheld(forms(last.form), compared, threshold)
        if last is not None and compared is not None
        else None,
    )


def _sentence_case(label: str) -> str:
    # Matrix rows are written to sit inside a question ("... help from {row}?").
    return label[:1].upper() + label[1:]
