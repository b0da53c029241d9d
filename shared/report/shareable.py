"""The shareable copy's protection of a survey's results, applied to the whole survey section at
once, so that no table of the copy gives away what another one hides.

Two rules, on top of the protection of breakdowns by year of study and per supporter (``protect``):

1. **A table about fewer respondents than the threshold is withheld**: the barriers, this survey
   against the previous one, the K10, PHQ-8 and GAD-7 bands, help-seeking intention, the service
   use table, and each row of the outcomes against the previous survey. With one respondent every
   figure is that student's answer, and with a few the bands and percentages come close to it: the
   whole survey is then itself a small cell. A table about nobody is shown as it is (it has nothing
   to hide).
2. **The service-use table and the margins published elsewhere agree.** The table (professional
   service use by peer-support use) is a breakdown by a student characteristic: with a cell under
   the threshold its cells, percentages, odds ratio and P are hidden. Its margins, though, can be
   read from the outcomes-against-the-previous-survey table (the share who used peer supporters,
   and who used each professional service, with their numbers), and with a margin of 0% or 100%
   the hidden cells follow from the margins alone. So the table is audited by the machinery every
   other published table uses, :func:`shared.report.suppress.suppress_table`, which assumes that
   row and column totals are public and hides one only when the small cells could otherwise be
   worked out; the by-year rows that publish a total it hides (peer-support use for a row total,
   the three professional services for a column total) are withheld with the table. This copy
   shows less than the audited one (no cell at all, not even its mark), so every hidden count
   still has at least two values that fit everything the copy shows.

**What is withheld is a property of the survey's own answers** (:class:`Withheld`, worked out by
:func:`withheld` from that survey's answers alone), applied wherever its figures appear: as the
survey reported on (this survey's columns) and as the one another is compared with (the
"previous survey" columns, whichever survey a reader picks to compare, earlier or later). So
every shareable copy that shows a survey withholds the same of it: next year's default copy,
which shows this year's margins in its "previous survey" column, cannot rebuild this year's
hidden service-use table, nor can a copy of last year's survey compared with this one. The
barrier answers likewise go whenever any copy's barrier figures would be about fewer respondents
than the threshold (the pairs of the paired test, those of either service for the independent
one, each service's own for the comparison with another survey), whichever test a copy uses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from shared.forms import Form
from shared.i18n import translate, translate_plural
from shared.report.columns import AnswerColumns
from shared.report.model import (
    Band,
    BarrierRow,
    HelpSeeking,
    Outcomes,
    ScoreChange,
    ServiceUse,
    SurveySection,
)
from shared.report.outcome_part import PEER_USE, PROFESSIONAL, service_use_table
from shared.report.suppress import suppress_table


def few(n: int, threshold: int) -> bool:
    """True for a count of respondents that is itself a small cell (1 to threshold - 1)."""
    return 0 < n < threshold


def withheld_note(threshold: int, lang: str) -> str:
    return translate_plural(
        lang,
        "Withheld in this copy: fewer than %(num)s respondent.",
        "Withheld in this copy: fewer than %(num)s respondents.",
        threshold,
    )


@dataclass(frozen=True)
class Withheld:
    """What every shareable copy withholds of one survey's figures, wherever they appear.

    ``barriers``: its barrier answers (some copy's barrier figures would be about fewer
    respondents than the threshold). ``margins``: the by-year items (ids) whose share would give
    away the hidden cells of its service-use table.
    """

    barriers: bool = False
    margins: frozenset[str] = frozenset()


def withheld(form: Form, columns: AnswerColumns, threshold: int) -> Withheld:
    """:class:`Withheld` for the survey whose answers are ``columns``: from them alone, so that it
    is the same whichever survey it is shown beside and whichever test a copy uses."""
    return Withheld(
        barriers=any(few(n, threshold) for n in _barrier_respondents(columns)),
        margins=_margins(service_use_table(form, columns), threshold),
    )


def _barrier_respondents(columns: AnswerColumns) -> list[int]:
    """How many respondents each of a survey's barrier figures is about, in any copy: each
    service's own (its percentages against another survey), and for the first two services the
    pairs (the paired test) and those who answered either (the independent one)."""
    answered = columns.answered
    if not answered.size:
        return []
    counts = [int(answered[:, s].sum()) for s in range(answered.shape[1])]
    if answered.shape[1] >= 2:
        first, second = answered[:, 0], answered[:, 1]
        counts += [int((first & second).sum()), int((first | second).sum())]
    return counts


def _margins(table: list[list[int]] | None, threshold: int) -> frozenset[str]:
    """The by-year items publishing a total of ``table`` that the audit hides (see rule 2)."""
    if table is None or not any(few(n, threshold) for row in table for n in row):
        return frozenset()
    audit = suppress_table(table, threshold=threshold)
    margins: set[str] = set()
    if any(c.suppressed for c in audit.row_totals or ()):
        margins.add(PEER_USE)
    if any(c.suppressed for c in audit.col_totals or ()):
        margins.update(PROFESSIONAL)
    return frozenset(margins)


def protect_section(
    section: SurveySection,
    threshold: int,
    lang: str,
    own: Withheld,
    compared: Withheld | None = None,
) -> SurveySection:
    """``section`` as the shareable copy shows it (see the module's docstring): ``own`` is what
    is withheld of its survey, ``compared`` of the survey it is compared with (None: none)."""
    compared = compared or Withheld()
    note = withheld_note(threshold, lang)
    barriers, notes, suppressed = section.barriers, section.notes, False
    if (own.barriers or few(section.respondents, threshold)) and barriers:
        barriers, notes, suppressed = [_barrier(b) for b in barriers], [note, *notes], True
    previous = section.previous
    if previous is not None and previous.barriers:
        counts = (previous.respondents.this, previous.respondents.last)
        if own.barriers or compared.barriers or any(few(n, threshold) for n in counts):
            rows = [replace(b, this={}, last={}, difference={}) for b in previous.barriers]
            previous = replace(previous, barriers=rows, notes=[note, *previous.notes], suppressed=True)
    k10 = section.k10
    if k10 is not None and few(k10.n, threshold):
        k10 = replace(k10, mean=None, sd=None, bands=_bands(k10.bands), notes=[note], suppressed=True)
    outcomes = section.outcomes
    if outcomes is not None:
        outcomes = protect_outcomes(outcomes, threshold, lang, own.margins, compared.margins)
    return replace(
        section,
        barriers=barriers,
        notes=notes,
        suppressed=suppressed,
        previous=previous,
        k10=k10,
        outcomes=outcomes,
    )


def _barrier(row: BarrierRow) -> BarrierRow:
    """A barrier's row with every figure taken out: only its label stays."""
    return replace(
        row,
        n={},
        counts={},
        percent={},
        difference=None,
        ci95=None,
        p=None,
        p_display="",
        note="",
        discordant=None,
        p_adjusted=None,
        p_adjusted_display="",
    )


def _bands(bands: list[Band]) -> list[Band]:
    return [replace(b, count=None, percent=None) for b in bands]


def protect_outcomes(
    outcomes: Outcomes,
    threshold: int,
    lang: str,
    margins: frozenset[str] = frozenset(),
    compared_margins: frozenset[str] = frozenset(),
) -> Outcomes:
    """The outcome sections as the shareable copy shows them: ``margins`` are this survey's
    by-year items to withhold (:func:`withheld`), ``compared_margins`` the compared survey's."""
    note = withheld_note(threshold, lang)
    service_use = (
        protect_service_use(outcomes.service_use, threshold, lang)
        if outcomes.service_use is not None
        else None
    )
    return replace(
        outcomes,
        help_seeking=_help_seeking(outcomes.help_seeking, threshold, note),
        service_use=service_use,
        severity=[
            replace(s, bands=_bands(s.bands), suppressed=True, note=note) if few(s.n, threshold) else s
            for s in outcomes.severity
        ],
        by_year=[
            _change(c, threshold, margins, compared_margins, outcomes.previous, lang)
            for c in outcomes.by_year
        ],
    )


def _help_seeking(found: HelpSeeking | None, threshold: int, note: str) -> HelpSeeking | None:
    if found is None or not few(found.n, threshold):
        return found
    return HelpSeeking(found.test, found.n, {}, None, None, None, None, note, suppressed=True)


def protect_service_use(found: ServiceUse, threshold: int, lang: str) -> ServiceUse:
    """The table as the shareable copy shows it: hidden, with its figures, when a cell is small.
    The count of respondents whose two peer-support answers disagree is a count of respondents
    too: under the threshold it is said as "fewer than", and it goes with a hidden table."""
    cells = [n for row in found.table or [] for n in row]
    if found.disagree is not None and few(found.disagree, threshold):
        found = replace(
            found,
            disagree=None,
            disagree_note=translate_plural(
                lang,
                "Fewer than %(num)s respondent answered the two questions differently; the table follows "
                "the service-use answer.",
                "Fewer than %(num)s respondents answered the two questions differently; the table follows "
                "the service-use answer.",
                threshold,
            ),
        )
    if not any(few(n, threshold) for n in cells):
        return found
    return ServiceUse(
        test=found.test,
        n=found.n,
        labels=found.labels,
        table=None,
        percent={},
        odds_ratio=None,
        ci95=None,
        p=None,
        note=translate(
            lang, "Hidden in this copy: a cell of the table is under %(threshold)s.", threshold=threshold
        ),
        caveat="",
        suppressed=True,
        definition=found.definition,
        disagree=None,
    )


def _change(
    found: ScoreChange,
    threshold: int,
    margins: frozenset[str],
    compared_margins: frozenset[str],
    compared: str,
    lang: str,
) -> ScoreChange:
    if found.id in margins:
        reason = translate(
            lang,
            "Withheld in this copy: with the service-use table's hidden cells, it would give them away.",
        )
    elif found.id in compared_margins:
        # The compared survey's table is hidden in its own copies: its margins go here too.
        reason = translate(
            lang,
            "Withheld in this copy: with the hidden cells of survey %(survey)s's service-use table, "
            "it would give them away.",
            survey=compared,
        )
    elif few(found.n_this, threshold) or few(found.n_last, threshold):
        reason = withheld_note(threshold, lang)
    else:
        return found
    return ScoreChange(
        id=found.id,
        label=found.label,
        measure=found.measure,
        n_this=found.n_this,
        n_last=found.n_last,
        this=None,
        last=None,
        p=None,
        note=reason,
        suppressed=True,
    )
