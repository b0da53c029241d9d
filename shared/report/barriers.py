"""The survey part of the report: barriers compared between the two services, and context.

One row per barrier (the choices of the survey's barrier matrix) comparing the first two
services (the matrix rows, in the form's order; the difference is first minus second):

- ``paired`` (the default): every respondent answered for both services, so the answers are
  pairs: exact McNemar test, Newcombe's paired interval;
- ``independent``: the two columns treated as separate groups, as the published program
  analysis did: chi-square with Yates' correction, or Fisher's exact test when an expected
  count is under 5; Newcombe's interval for independent proportions.

P values are adjusted across the barriers with Holm's method. The statistics themselves are
``stats``'s; this module shapes the counts and names what it did.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from shared.i18n import N_, translate, translate_plural
from shared.records import Survey
from shared.report import stats
from shared.report.columns import AnswerColumns, categories
from shared.report.model import (
    K10,
    Band,
    BarrierRow,
    Comparison,
    ProtectedCounts,
    Respondents,
    ResponseRate,
    YearOverYear,
    YearOverYearRow,
)
from shared.report.paired import compare_paired_cells, paired_cells
from shared.report.protect import Category, protect_counts
from shared.report.words import t

TESTS = ("paired", "independent")
# Why a barrier cannot be compared when nobody answered for a service (msgids, for stats.missing_in).
NO_BARRIER_ANSWERS = (
    N_("Nobody answered the barrier questions for %(first)s or %(second)s, so they cannot be compared."),
    N_("Nobody answered the barrier questions for %(group)s, so the services cannot be compared."),
)


def compare_barriers(columns: AnswerColumns, test: str, lang: str = "en") -> Comparison:
    """The barrier table, with the notes a reader needs.

    Each service counts only the respondents who answered for it (a barrier or "None of
    these"); the paired comparison only those who answered for both.
    """
    services = [sid for sid, _ in columns.services]
    notes: list[str] = []
    if len(services) < 2 or not columns.barriers:
        return Comparison(
            barriers=[],
            respondents=0,
            notes=[
                translate(
                    lang, "The survey form has no barrier matrix with two services, so nothing is compared."
                )
            ],
        )
    if len(services) > 2:
        notes.append(
            translate_plural(
                lang,
                "The form lists %(num)s service; the comparison is between the first two (%(first)s and %(second)s).",
                "The form lists %(num)s services; the comparison is between the first two (%(first)s and %(second)s).",
                len(services),
                first=columns.services[0][1],
                second=columns.services[1][1],
            )
        )
    first, second = services[0], services[1]
    matrix = columns.matrix  # respondents x services x barriers, 1 = checked
    total = matrix.shape[0]
    answered = columns.answered if total else np.zeros((0, len(services)), bool)
    masks = {sid: answered[:, s] for s, sid in enumerate(services)}
    both = masks[first] & masks[second]
    if test == "paired":  # the pairs: respondents who answered for both services
        masks[first] = masks[second] = both
        n = int(both.sum())
    else:
        n = int((masks[first] | masks[second]).sum())
    sizes = {sid: int(mask.sum()) for sid, mask in masks.items()}
    if columns.without_matrix:
        notes.append(
            translate_plural(
                lang,
                "%(num)s answer holds no barrier answers at all and is left out of this table.",
                "%(num)s answers hold no barrier answers at all and are left out of this table.",
                columns.without_matrix,
            )
        )
    for s, (_sid, name) in enumerate(columns.services):
        left = total - int(answered[:, s].sum())
        if left:
            notes.append(
                translate_plural(
                    lang,
                    "%(num)s answer checked nothing for %(service)s (neither a barrier nor “None of these”): "
                    "left out of its percentages.",
                    "%(num)s answers checked nothing for %(service)s (neither a barrier nor “None of these”): "
                    "left out of its percentages.",
                    left,
                    service=name,
                )
            )
    answered_any = int(answered.any(axis=1).sum()) if total else 0
    if test == "paired" and total and int(both.sum()) < answered_any:
        notes.append(
            translate_plural(
                lang,
                "The paired comparison uses the %(num)s respondent who answered for both services.",
                "The paired comparison uses the %(num)s respondents who answered for both services.",
                int(both.sum()),
            )
        )
    if columns.legacy:
        notes.append(
            translate_plural(
                lang,
                "%(num)s answer lists a service with nothing checked (stored before the survey offered "
                "“None of these”, or imported from a file): read, as before, as no barrier for that service.",
                "%(num)s answers list a service with nothing checked (stored before the survey offered "
                "“None of these”, or imported from a file): read, as before, as no barrier for that service.",
                columns.legacy,
            )
        )
    # The tests' notes name each service by its label, never by its id ("peer_support").
    names = (columns.services[0][1], columns.services[1][1])
    rows: list[dict[str, Any]] = []  # BarrierRow's fields, until the P values are adjusted
    results: list[stats.Comparison] = []
    for b, (barrier_id, label) in enumerate(columns.barriers):
        a = matrix[masks[first], 0, b]
        c = matrix[masks[second], 1, b]
        if test == "paired":
            result = compare_paired_cells(*paired_cells(a, c), labels=names, lang=lang)
        else:
            result = stats.compare_independent(
                int(a.sum()),
                sizes[first],
                int(c.sum()),
                sizes[second],
                labels=names,
                empty_groups=NO_BARRIER_ANSWERS,
                lang=lang,
            )
        results.append(result)
        counts = {sid: int(matrix[masks[sid], s, b].sum()) for s, sid in enumerate(services)}
        percent = {sid: (100.0 * counts[sid] / sizes[sid] if sizes[sid] else None) for sid in services}
        rows.append(
            {
                "id": barrier_id,
                "label": label,
                "n": dict(sizes),
                "counts": counts,
                "percent": percent,
                "difference": result.difference,
                "ci95": list(result.ci95) if result.ci95 else None,
                "ci_method": result.ci_method,
                "test": result.test,
                "p": result.p,
                "p_display": stats.format_p(result.p),
                "note": result.note,
                "discordant": list(result.discordant) if result.discordant is not None else None,
            }
        )
    adjusted = stats.holm([r.p for r in results])
    barrier_rows = [
        BarrierRow(**row, p_adjusted=p, p_adjusted_display=stats.format_p(p))
        for row, p in zip(rows, adjusted, strict=True)
    ]
    tested = sum(p is not None for p in adjusted)
    if n == 0:
        notes.append(
            translate(lang, "No respondent answered the barrier questions, so no statistic can be computed.")
        )
    elif n == 1:
        notes.append(
            translate(
                lang, "Only one respondent: percentages are shown, but the tests cannot show a difference."
            )
        )
    return Comparison(
        barriers=barrier_rows,
        respondents=n,
        first=first,
        second=second,
        adjustment=translate_plural(
            lang,
            "Holm's method across the %(num)s barrier with a P value.",
            "Holm's method across the %(num)s barriers with a P value.",
            tested,
        )
        if tested
        else "",
        notes=notes,
        answered=answered_any,
    )


def design_text(test: str, lang: str = "en") -> str:
    return t(lang, "m_paired" if test == "paired" else "m_independent")


def response_rate(survey: Survey, answers: int, imported: int = 0, lang: str = "en") -> ResponseRate:
    """Answers per link issued, only when every answer came through an issued link.

    Answers imported from last year's file, say, came through no link of this survey, so a
    rate over them is meaningless (it read "2700.0%"): the report then gives the number
    imported and no rate.
    """
    links = survey.links_issued
    if imported:
        note = translate(
            lang,
            "Answers imported from a file rather than given through a survey link: %(imported)s of "
            "%(answers)s, so there is no response rate.",
            imported=imported,
            answers=answers,
        )
    elif links <= 0:
        note = translate(lang, "No links were issued through the program, so there is no response rate.")
    elif answers > links:  # cannot happen through single-use links; said, not hidden
        note = translate(lang, "More answers than links issued, so there is no response rate.")
    else:
        return ResponseRate(links, imported, 100.0 * answers / links, "")
    return ResponseRate(links, imported, None, note)


def k10(columns: AnswerColumns, lang: str = "en") -> K10:
    """The K10 distribution: complete totals, and totals prorated over one skipped item."""
    summary = stats.k10_summary(columns.k10_totals, lang)
    notes = [str(summary["note"])] if summary["note"] else []
    notes.append(t(lang, "m_k10"))
    if columns.k10_prorated:
        notes.append(
            translate_plural(
                lang,
                "%(num)s total prorated over one skipped item.",
                "%(num)s totals prorated over one skipped item.",
                columns.k10_prorated,
            )
        )
    if columns.k10_incomplete:
        notes.append(
            translate_plural(
                lang,
                "%(num)s respondent skipped two or more K10 items; their total is left out.",
                "%(num)s respondents skipped two or more K10 items; their totals are left out.",
                columns.k10_incomplete,
            )
        )
    if columns.k10_missing:
        notes.append(
            translate_plural(
                lang,
                "%(num)s respondent skipped the K10 questions.",
                "%(num)s respondents skipped the K10 questions.",
                columns.k10_missing,
            )
        )
    bands = summary["bands"]
    assert isinstance(bands, dict)
    total = summary["n"]
    assert isinstance(total, int)
    mean, sd = summary["mean"], summary["sd"]
    assert mean is None or isinstance(mean, float)
    assert sd is None or isinstance(sd, float)
    return K10(
        n=total,
        mean=mean,
        sd=sd,
        bands=[
            Band(
                name,
                f"{t(lang, 'band_' + name)} ({low}-{high})",
                bands[name],
                100.0 * bands[name] / total if total else None,
            )
            for name, low, high in stats.K10_BANDS
        ],
        prorated=columns.k10_prorated,
        incomplete=columns.k10_incomplete,
        skipped=columns.k10_missing,
        notes=notes,
    )


def year_over_year(
    this: AnswerColumns, last: AnswerColumns, last_survey: Survey, lang: str = "en"
) -> YearOverYear:
    """Percent per service, this survey against the previous one, barrier by barrier."""
    services = [sid for sid, _ in this.services]
    n_this, n_last = this.matrix.shape[0], last.matrix.shape[0]
    previous_barriers = {bid: b for b, (bid, _) in enumerate(last.barriers)}
    previous_services = {sid: s for s, (sid, _) in enumerate(last.services)}
    rows = []
    for b, (barrier_id, label) in enumerate(this.barriers):
        # Each service over the respondents who answered for it.
        now = {sid: _answered_percent(this, s, b) for s, sid in enumerate(services)}
        then: dict[str, float | None] = {}
        for sid in services:
            lb, ls = previous_barriers.get(barrier_id), previous_services.get(sid)
            then[sid] = None if lb is None or ls is None else _answered_percent(last, ls, lb)
        difference: dict[str, float | None] = {}
        for sid in services:
            before, after = then[sid], now[sid]
            difference[sid] = after - before if after is not None and before is not None else None
        rows.append(YearOverYearRow(barrier_id, label, now, then, difference))
    notes = []
    if n_last == 0:
        notes.append(
            translate(
                lang,
                "The previous survey (%(survey)s) has no barrier answers to compare with.",
                survey=last_survey.id,
            )
        )
    if n_this == 0:
        notes.append(translate(lang, "This survey has no barrier answers yet."))
    return YearOverYear(last_survey.id, Respondents(n_this, n_last), rows, notes)


def respondents_by_year(
    columns: AnswerColumns, threshold: int, labels: dict[str, str], lang: str = "en"
) -> ProtectedCounts | None:
    """Respondents by year of study, small counts protected (the total is the answer count)."""
    year = columns.year_field
    if year is None:
        return None
    tally = columns.year_counts
    cats = categories(year, labels, tally, lang)
    rows = [Category(i, label) for i, label in zip(cats.ids, cats.labels, strict=True)]
    rows.append(Category("not_answered", t(lang, "not_answered")))
    table = protect_counts(rows, [*(tally.get(i, 0) for i in cats.ids), tally.get(None, 0)], threshold, lang)
    return replace(table, label=labels.get(year.id, year.id))


def _answered_percent(columns: AnswerColumns, s: int, b: int) -> float | None:
    if not columns.matrix.shape[0]:
        return None
    mask = columns.answered[:, s]
    n = int(mask.sum())
    return 100.0 * float(np.sum(columns.matrix[mask, s, b])) / n if n else None
