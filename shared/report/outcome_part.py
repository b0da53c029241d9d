"""The report's outcome sections (issue 14): what the survey's outcome blocks and the supporters'
follow-ups say about the program's question, does peer support lead students to help?

From the survey, when its blocks were on: help-seeking intention from Faculty services against
peer supporters (Wilcoxon signed-rank), professional service use by peer-support use (Fisher or
chi-square, odds ratio), the PHQ-8 and GAD-7 severity bands, and this survey against the previous
one for every instrument score and yes/no item. From the follow-ups planned by the period's
interactions (``follow_up_counts.planned_in``): planned, done, closed, open and overdue counts, and
referral uptake per destination with Wilson intervals, unknowns shown and closed follow-ups apart.

Privacy. Every figure here is about the whole survey: no outcome is broken down by year of study
or any other characteristic. An item an instrument marks ``whole_survey_only`` (PHQ-9 item 9, on
thoughts of death or self-harm) enters no figure at all, not even the whole survey's: the
responses export leaves it out but lists the other items row by row, so any figure computed with
it (a band count, a median total, a count of partial answers) could be set against the export's
items 1-8 to recover one student's item 9. The PHQ-9 is therefore reported as the PHQ-8, its first
eight items: a validated measure with the same severity cut-offs (0-4, 5-9, 10-14, 15-19, 20-24;
Kroenke K, Strine TW, Spitzer RL, et al. The PHQ-8 as a measure of current depression in the
general population. J Affect Disord 2009;114:163-73), so nothing the report prints depends on item
9, which :func:`extra_fields` never even reads. The shareable copy's small-cell rules, which span
several tables, are applied to the whole section afterwards (``shareable``).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from shared.forms import Form
from shared.forms.model import Instrument
from shared.i18n import N_, translate, translate_plural
from shared.records import FollowUp
from shared.report import outcomes as stats
from shared.report.columns import AnswerColumns
from shared.report.follow_up_counts import UPTAKE, follow_up_counts, uptake_counts
from shared.report.model import (
    CI_HIGH,
    ODDS_RATIO,
    Band,
    FollowUpOutcomes,
    HelpSeeking,
    Outcomes,
    ScoreChange,
    ServiceUse,
    Severity,
    UptakeRow,
)
from shared.report.words import t

HELP_SEEKING = "help_seeking"
SERVICE_USE = "service_use"
SEVERITY_BLOCKS = ("phq9", "gad7")
SCORED_BLOCKS = ("k10", "phq9", "gad7")
SEEK = ("seek_faculty", "seek_peers")
PROFESSIONAL = ("used_wellness", "used_counselling", "used_physician")
PEER_USE = "used_peer_supporters"
CORE_PEER_USE = "used_peer_support"  # the survey's own question: never, once, more_than_once
OUTCOME_BLOCKS = (HELP_SEEKING, SERVICE_USE, *SEVERITY_BLOCKS)
# What an instrument is called once its whole-survey-only items are left out (see above).
REPORTED_AS = {"phq9": "phq8"}
# Why the service-use table has no test when a group is empty (msgids, for stats.missing_in).
NO_PEER_GROUP = (
    N_(
        "No respondent answered both the peer-support and the service-use questions, so the groups cannot be compared."
    ),
    N_(
        "None of the respondents who %(group)s answered the service-use questions, so the groups cannot be compared."
    ),
)


def extra_fields(form: Form, blocks: frozenset[str]) -> tuple[str, ...]:
    """The questions :func:`survey_outcomes` reads, for ``load_answers(extra=...)``: never an item
    marked ``whole_survey_only``."""
    out: list[str] = []
    for block in OUTCOME_BLOCKS:
        if block in blocks and block in form.blocks():
            withheld = set(form.whole_survey_only())
            out += [f.id for f in form.section(block).fields if f.id not in withheld]
    if SERVICE_USE in blocks:
        out.append(CORE_PEER_USE)
    return tuple(out)


def _instrument(form: Form, block: str) -> Instrument | None:
    """The block's instrument as the report scores it: without its whole-survey-only items."""
    try:
        instrument = form.section(block).instrument
    except KeyError:
        return None
    if instrument is None or not instrument.whole_survey_only:
        return instrument
    kept = tuple(i for i in instrument.items if i not in instrument.whole_survey_only)
    return replace(instrument, items=kept, whole_survey_only=())


def reported_id(block: str) -> str:
    """The id of what the report shows for ``block`` ("phq8" for the PHQ-9 block)."""
    return REPORTED_AS.get(block, block)


def _scores(form: Form, block: str, columns: AnswerColumns) -> list[int]:
    """Each respondent's total on ``block`` (K10 prorated as the report's K10 table does)."""
    if block == "k10":
        return list(columns.k10_totals)
    instrument = _instrument(form, block)
    if instrument is None or not instrument.items:
        return []
    item_columns = [columns.extra.get(i, []) for i in instrument.items]
    totals = []
    for answers in zip(*item_columns, strict=True):
        total = instrument.score(dict(zip(instrument.items, answers, strict=True)))
        if total is not None:
            totals.append(total)
    return totals


def _yes_no(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _core_peer_use(columns: AnswerColumns, i: int) -> bool | None:
    """The survey's own question ("Did you use the peer support program this year?"): once or
    more is use, never is none, skipped is no answer."""
    core = columns.extra.get(CORE_PEER_USE, [None] * columns.rows)[i]
    return None if core is None else core != "never"


def _peer_use(columns: AnswerColumns, i: int) -> bool | None:
    """Peer-support use as the service-use table counts it: the block's own yes/no question (it
    sits with the other services and is the one compared year against year), else, when a
    respondent skipped it, the survey's own question."""
    used = _yes_no(columns.extra.get(PEER_USE, [None] * columns.rows)[i])
    return _core_peer_use(columns, i) if used is None else used


def _disagreeing(columns: AnswerColumns) -> int:
    """Respondents whose two answers on peer-support use disagree (the block's "yes" with the
    survey's "never", or its "no" with "once" or "more than once")."""
    block = columns.extra.get(PEER_USE, [None] * columns.rows)
    return sum(
        isinstance(block[i], bool) and core is not None and block[i] is not core
        for i in range(columns.rows)
        for core in (_core_peer_use(columns, i),)
    )


def peer_use_definition(form: Form, lang: str) -> str:
    """The report's note saying which answer counts as peer-support use, quoting both questions."""
    return translate(
        lang,
        "Peer-support use: the answer to “%(block)s” in the service-use questions; for a respondent "
        "who skipped it, the survey's question “%(core)s” (once or more counts as use).",
        block=_question(form, PEER_USE, lang),
        core=_question(form, CORE_PEER_USE, lang),
    )


def _question(form: Form, field_id: str, lang: str) -> str:
    try:
        return form.field(field_id).label.get(lang)
    except KeyError:
        return field_id


def disagree_note(disagree: int, lang: str) -> str:
    """The note counting respondents whose two peer-support answers disagree ("" when none)."""
    if not disagree:
        return ""
    return translate_plural(
        lang,
        "%(num)s respondent answered the two questions differently; the table follows the service-use answer.",
        "%(num)s respondents answered the two questions differently; the table follows the service-use answer.",
        disagree,
    )


def _professional_use(columns: AnswerColumns, i: int) -> bool | None:
    answers = [_yes_no(columns.extra.get(f, [None] * columns.rows)[i]) for f in PROFESSIONAL]
    if any(a is True for a in answers):
        return True
    return False if answers and all(a is False for a in answers) else None


def survey_outcomes(
    form: Form,
    blocks: frozenset[str],
    columns: AnswerColumns,
    previous: tuple[str, Form, frozenset[str], AnswerColumns] | None,
    *,
    lang: str,
) -> Outcomes | None:
    """The survey's outcome sections, or None when none of the outcome blocks was on."""
    asked = [b for b in (*SCORED_BLOCKS, HELP_SEEKING, SERVICE_USE) if b in blocks and b in form.blocks()]
    if not any(b in OUTCOME_BLOCKS for b in asked):
        return None
    return Outcomes(
        help_seeking=_help_seeking(columns, lang) if HELP_SEEKING in asked else None,
        service_use=_service_use(form, columns, lang) if SERVICE_USE in asked else None,
        severity=[_severity(form, b, columns, lang) for b in SEVERITY_BLOCKS if b in asked],
        previous=previous[0] if previous else "",
        by_year=_by_year(form, blocks, columns, previous, lang) if previous else [],
    )


def _help_seeking(columns: AnswerColumns, lang: str) -> HelpSeeking:
    faculty, peers = (columns.extra.get(f, [None] * columns.rows) for f in SEEK)
    result = stats.help_seeking_paired(faculty, peers, labels=SEEK, lang=lang)
    if isinstance(result, stats.NotComputable):
        return HelpSeeking(result.test, result.n, {}, None, None, None, None, result.reason)
    return HelpSeeking(
        test=result.test,
        n=result.n,
        medians=dict(result.medians),
        median_difference=result.median_difference,
        statistic=result.statistic,
        r=result.r,
        p=result.p,
        note=result.note,
        higher={SEEK[0]: result.n_positive, SEEK[1]: result.n_nonzero - result.n_positive},
    )


def bounded(
    odds_ratio: float, ci95: tuple[float, float]
) -> tuple[float | None, list[float | None], list[str]]:
    """An odds ratio and its interval with the infinite ones (a zero cell) as None, named."""
    unbounded = [
        name for name, value in ((ODDS_RATIO, odds_ratio), (CI_HIGH, ci95[1])) if value == float("inf")
    ]
    return (
        None if ODDS_RATIO in unbounded else odds_ratio,
        [ci95[0], None if CI_HIGH in unbounded else ci95[1]],
        unbounded,
    )


def _service_use(form: Form, columns: AnswerColumns, lang: str) -> ServiceUse:
    exposed = [_peer_use(columns, i) for i in range(columns.rows)]
    disagree = _disagreeing(columns)
    definition = peer_use_definition(form, lang)
    disagreement = disagree_note(disagree, lang)
    outcome = [_professional_use(columns, i) for i in range(columns.rows)]
    labels = (t(lang, "g_used_peers"), t(lang, "g_not_used_peers"))
    result = stats.association_from_answers(
        exposed,
        outcome,
        labels=labels,
        outcome_label=t(lang, "o_used_professional"),
        empty_groups=NO_PEER_GROUP,
        lang=lang,
    )
    if isinstance(result, stats.NotComputable):
        known = result.counts
        table = (
            [[known.get("a", 0), known.get("b", 0)], [known.get("c", 0), known.get("d", 0)]]
            if known
            else None
        )
        return ServiceUse(
            result.test,
            result.n,
            list(labels),
            table,
            {},
            None,
            None,
            None,
            result.reason,
            "",
            definition=definition,
            disagree=disagree,
            disagree_note=disagreement,
        )
    (a, b), (c, d) = result.table
    odds_ratio, ci95, unbounded = bounded(result.odds_ratio, result.ci95)
    return ServiceUse(
        test=result.test,
        n=result.n,
        labels=list(labels),
        table=[[a, b], [c, d]],
        percent=dict(result.percent),
        odds_ratio=odds_ratio,
        ci95=ci95,
        p=result.p,
        note=result.note,
        caveat=stats.ASSOCIATION_CAVEAT,
        unbounded=unbounded,
        definition=definition,
        disagree=disagree,
        disagree_note=disagreement,
    )


def service_use_table(form: Form, columns: AnswerColumns) -> list[list[int]] | None:
    """The service-use table's counts for ``columns`` (None without answer pairs), as the survey's
    own report makes it: what the shareable copy audits wherever the survey appears."""
    return _service_use(form, columns, "en").table


def _severity(form: Form, block: str, columns: AnswerColumns, lang: str) -> Severity:
    instrument = _instrument(form, block)
    assert instrument is not None  # asked blocks are the form's
    totals = _scores(form, block, columns)
    counts = {b.id: 0 for b in instrument.bands}
    for total in totals:
        band = instrument.band(total)
        if band is not None:
            counts[band.id] += 1
    n = len(totals)
    answered_some = sum(
        any(columns.extra.get(i, [None] * columns.rows)[r] is not None for i in instrument.items)
        for r in range(columns.rows)
    )
    shown = reported_id(block)
    return Severity(
        id=shown,
        label=t(lang, f"t_{shown}"),
        n=n,
        bands=[
            Band(b.id, b.label.get(lang), counts[b.id], 100.0 * counts[b.id] / n if n else None)
            for b in instrument.bands
        ],
        incomplete=answered_some - n,
        skipped=columns.rows - answered_some,
    )


def _by_year(
    form: Form,
    blocks: frozenset[str],
    columns: AnswerColumns,
    previous: tuple[str, Form, frozenset[str], AnswerColumns] | None,
    lang: str,
) -> list[ScoreChange]:
    """This survey against the previous one, for every score and yes/no item both asked."""
    assert previous is not None
    _, last_form, last_blocks, last = previous
    out: list[ScoreChange] = []
    for block in SCORED_BLOCKS:
        if block in blocks and block in last_blocks and block in last_form.blocks():
            this_scores, last_scores = _scores(form, block, columns), _scores(last_form, block, last)
            shown = reported_id(block)
            out.append(_score_change(shown, t(lang, f"score_{shown}"), this_scores, last_scores, lang))
    if HELP_SEEKING in blocks and HELP_SEEKING in last_blocks:
        for fid in SEEK:
            # "Help-seeking intention, Faculty services (median, 1-7)": the row says what it measures.
            out.append(
                _score_change(
                    fid, t(lang, f"year_{fid}"), columns.extra.get(fid, []), last.extra.get(fid, []), lang
                )
            )
    if SERVICE_USE in blocks and SERVICE_USE in last_blocks:
        for fid in (*PROFESSIONAL, PEER_USE):
            out.append(
                _share_change(
                    fid,
                    t(lang, f"score_{fid}"),
                    columns.extra.get(fid, []),
                    last.extra.get(fid, []),
                    t(lang, "o_said_yes"),
                    lang,
                )
            )
    return out


def _score_change(
    fid: str, label: str, this: Sequence[object], last: Sequence[object], lang: str
) -> ScoreChange:
    kept_this = [v for v in this if isinstance(v, int) and not isinstance(v, bool)]
    kept_last = [v for v in last if isinstance(v, int) and not isinstance(v, bool)]
    labels = (t(lang, "this_survey"), t(lang, "previous_survey"))
    result = stats.compare_years_scores(kept_this, kept_last, labels=labels, lang=lang)
    # The medians that exist are shown even when no test can be computed.
    this_median, last_median = (float(statistics.median(v)) if v else None for v in (kept_this, kept_last))
    shown = ScoreChange(
        fid, label, "median", len(kept_this), len(kept_last), this_median, last_median, p=None
    )
    if isinstance(result, stats.NotComputable):
        return replace(shown, note=result.reason)
    return replace(
        shown, p=result.p, note=result.note, test=result.test, r=result.r, superiority=result.superiority
    )


def _share_change(
    fid: str, label: str, this: Sequence[object], last: Sequence[object], said_yes: str, lang: str
) -> ScoreChange:
    yes_this, n_this = sum(v is True for v in this), sum(isinstance(v, bool) for v in this)
    yes_last, n_last = sum(v is True for v in last), sum(isinstance(v, bool) for v in last)
    share_this = 100.0 * yes_this / n_this if n_this else None
    share_last = 100.0 * yes_last / n_last if n_last else None
    shown = ScoreChange(fid, label, "percent", n_this, n_last, share_this, share_last, p=None)
    labels = (t(lang, "this_survey"), t(lang, "previous_survey"))
    result = stats.compare_years_proportion(
        yes_this, n_this, yes_last, n_last, outcome=said_yes, labels=labels, lang=lang
    )
    if isinstance(result, stats.NotComputable):
        return replace(shown, note=result.reason)
    odds_ratio, _, unbounded = bounded(result.odds_ratio, result.ci95)
    return replace(
        shown,
        p=result.p,
        note=result.note,
        test=result.test,
        odds_ratio=odds_ratio,
        unbounded=[u for u in unbounded if u == ODDS_RATIO],  # the interval is not reported here
    )


def follow_up_outcomes(
    planned: Sequence[FollowUp],
    today: date,
    destinations: dict[str, str],
    lang: str = "en",
    *,
    answered_yes: int | None = None,
) -> FollowUpOutcomes | None:
    """Counts of the follow-ups ``planned`` by the period's interactions, as they stand ``today``,
    and referral uptake per destination: of the referrals' follow-ups that were logged, the
    outcome each recorded; those closed without a follow-up and those still open in their own
    columns. ``answered_yes``: how many of the period's interactions said a follow-up was planned
    (the log's answers), to say when some have no follow-up record. None when none was planned."""
    if not planned and not answered_yes:
        return None
    counts = follow_up_counts(planned, today)
    notes = []
    if answered_yes is not None and answered_yes > counts["planned"]:
        notes.append(
            translate_plural(
                lang,
                "%(num)s interaction of the period said a follow-up was planned but has no follow-up to count "
                "(imported from a file, or logged before follow-ups had due dates).",
                "%(num)s interactions of the period said a follow-up was planned but have no follow-up to count "
                "(imported from a file, or logged before follow-ups had due dates).",
                answered_yes - counts["planned"],
            )
        )
    rows = []
    for destination, outcome in uptake_counts(planned).items():
        result = stats.referral_uptake(*(outcome[k] for k in UPTAKE), lang=lang)
        label = destinations.get(destination, destination)
        ended = {"closed": outcome["closed"], "open": outcome["open"]}
        referrals = sum(outcome.values())
        if isinstance(result, stats.NotComputable):
            known = 0
            rate, ci95, note = None, None, result.reason
        else:
            known = result.known
            rate, ci95, note = (
                100.0 * result.rate,
                [100.0 * result.ci95[0], 100.0 * result.ci95[1]],
                result.note,
            )
        rows.append(
            UptakeRow(
                id=destination,
                label=label,
                referrals=referrals,
                followed_up=sum(outcome[k] for k in UPTAKE),
                known=known,
                connected=outcome["connected"],
                not_yet=outcome["not_yet"],
                declined=outcome["declined"],
                unknown=outcome["unknown"],
                rate=rate,
                ci95=ci95,
                note=note,
                **ended,
            )
        )
    return FollowUpOutcomes(as_of=today.isoformat(), uptake=rows, notes=notes, **counts)
