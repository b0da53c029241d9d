"""The report as typed records, from build to every output (tables, text, HTML, chart, CSV, email).

``build.build_report`` makes a :class:`Report`; ``tables``, ``summary``, ``render``, ``chart``
and ``email`` read it. Every figure is a plain number, ``None`` where it cannot be computed
(never NaN), with the notes that say why. :func:`to_jsonable` gives the JSON the admin API and
``--format json`` print: the field names as keys (``from_`` as ``from``), nothing else added.
Standard library only, so importing the model costs nothing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

# -- small parts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportPeriod:
    from_: str  # ISO date, first day included
    to: str  # ISO date, last day included
    label: str  # in words, in the report's language
    final: bool = False  # the whole academic year that just ended


@dataclass(frozen=True)
class Shown:
    """One published count: ``count`` is None when hidden; ``display`` is what to print."""

    count: int | None
    suppressed: bool
    display: str


@dataclass(frozen=True)
class ProtectedRow:
    id: str
    label: str
    count: int | None
    suppressed: bool
    display: str
    merged: list[str] | None = None  # the categories combined into this row, if any


@dataclass(frozen=True)
class ProtectedCounts:
    """A 1-D breakdown, small counts protected; the total is always shown."""

    rows: list[ProtectedRow]
    total: Shown | None
    threshold: int
    notes: list[str]
    label: str = ""


@dataclass(frozen=True)
class Column:
    id: str
    label: str


@dataclass(frozen=True)
class CrosstabRow:
    id: str
    label: str
    cells: list[Shown]
    total: Shown | None
    merged: list[str] | None = None


@dataclass(frozen=True)
class Crosstab:
    """A 2-D breakdown (rows: a student characteristic), small counts protected."""

    rows: list[CrosstabRow]
    columns: list[Column]
    column_totals: list[Shown] | None
    total: Shown | None
    threshold: int
    notes: list[str]
    label: str = ""


# -- activity ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupporterCounts:
    active: int  # current supporters who logged in the period
    all: int  # current (not revoked) supporters, the demo one never
    revoked: int = 0  # supporters who logged in the period and have been revoked since


@dataclass(frozen=True)
class MonthCount:
    month: str  # "2026-10"
    label: str
    count: int


@dataclass(frozen=True)
class CategoryCount:
    id: str
    label: str
    count: int
    percent: float | None


@dataclass(frozen=True)
class Breakdown:
    field: str
    label: str
    multiple: bool
    answered: int
    not_answered: int
    rows: list[CategoryCount]
    note: str = ""


@dataclass(frozen=True)
class Referrals:
    count: int | None
    rate: float | None
    by_destination: list[CategoryCount]
    note: str = ""
    answered: int | None = None


@dataclass(frozen=True)
class FollowUps:
    count: int | None
    rate: float | None
    note: str = ""
    answered: int | None = None


@dataclass(frozen=True)
class Duration:
    n: int
    median: float | None
    note: str = ""


@dataclass(frozen=True)
class Activity:
    interactions: int
    supporters: SupporterCounts
    by_month: list[MonthCount]
    breakdowns: list[Breakdown]
    referrals: Referrals
    follow_ups: FollowUps
    duration: Duration
    by_year_of_study: ProtectedCounts | Crosstab | None
    per_supporter: ProtectedCounts
    notes: list[str]


# -- survey -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    id: str
    label: str  # as a table header
    name: str  # inside a sentence


@dataclass(frozen=True)
class BarrierRow:
    """One barrier compared between the first two services; percentage points, first minus second."""

    id: str
    label: str
    n: dict[str, int]
    counts: dict[str, int]
    percent: dict[str, float | None]
    difference: float | None
    ci95: list[float] | None
    ci_method: str
    test: str
    p: float | None
    p_display: str
    note: str
    discordant: list[int] | None = None
    p_adjusted: float | None = None
    p_adjusted_display: str = ""


@dataclass(frozen=True)
class Comparison:
    """The barrier table and what a reader needs to know about it."""

    barriers: list[BarrierRow]
    respondents: int
    notes: list[str]
    first: str = ""
    second: str = ""
    adjustment: str = ""
    answered: int = 0  # respondents who answered the barrier questions for at least one service


@dataclass(frozen=True)
class Band:
    id: str
    label: str
    count: int | None  # None when withheld (see ``shareable``)
    percent: float | None


@dataclass(frozen=True)
class K10:
    n: int
    mean: float | None
    sd: float | None
    bands: list[Band]
    prorated: int
    incomplete: int
    skipped: int
    notes: list[str]
    suppressed: bool = False  # withheld in the shareable copy: fewer respondents than the threshold


@dataclass(frozen=True)
class YearOverYearRow:
    id: str
    label: str
    this: dict[str, float | None]
    last: dict[str, float | None]
    difference: dict[str, float | None]


@dataclass(frozen=True)
class Respondents:
    this: int
    last: int


@dataclass(frozen=True)
class YearOverYear:
    survey: str
    respondents: Respondents
    barriers: list[YearOverYearRow]
    notes: list[str]
    suppressed: bool = False  # withheld in the shareable copy: fewer respondents than the threshold


@dataclass(frozen=True)
class ResponseRate:
    links_issued: int
    imported: int
    response_rate: float | None  # only when every answer came through an issued link
    response_rate_note: str


@dataclass(frozen=True)
class SurveySection:
    id: str
    form: str
    title: str
    answers: int
    links_issued: int
    imported: int
    response_rate: float | None
    response_rate_note: str
    design: str
    design_text: str
    services: list[Service]
    barriers: list[BarrierRow]
    respondents: int
    notes: list[str]
    first: str
    second: str
    adjustment: str
    k10: K10 | None
    by_year_of_study: ProtectedCounts | None
    previous: YearOverYear | None = None
    pending: int = 0  # answers still sealed, not yet released (so not in these figures)
    outcomes: Outcomes | None = None  # when the survey asked outcome blocks (issue 14)
    suppressed: bool = False  # barriers withheld in the shareable copy: fewer respondents than the threshold
    answered_barriers: int = 0  # respondents who answered the barrier questions for at least one service


# -- outcomes (issue 14) ----------------------------------------------------------------------

# An odds ratio, or an end of its interval, is unbounded when a cell of its 2x2 table is empty.
# JSON has no infinity, and an empty CSV cell reads as missing: the figure is written as None and
# its name listed in the result's ``unbounded`` ("odds_ratio", "ci95_high"), which every output
# turns into words.
ODDS_RATIO = "odds_ratio"
CI_HIGH = "ci95_high"


@dataclass(frozen=True)
class HelpSeeking:
    """Help-seeking intention (1-7), Faculty services against peer supporters, the same students:
    Wilcoxon signed-rank. ``medians`` keyed ``seek_faculty`` and ``seek_peers``; the difference
    is Faculty minus peers; ``r`` the effect size z / sqrt(n), positive when Faculty services were
    rated higher; ``higher`` how many respondents rated each source higher than the other (the
    rest gave both the same). ``note`` says why when not computable."""

    test: str
    n: int
    medians: dict[str, float]
    median_difference: float | None
    statistic: float | None
    r: float | None
    p: float | None
    note: str = ""
    higher: dict[str, int] = field(default_factory=dict)
    suppressed: bool = False  # withheld in the shareable copy: fewer respondents than the threshold


@dataclass(frozen=True)
class ServiceUse:
    """Professional service use (rows: used peer support, did not; columns: used a professional
    service, did not), with the odds ratio and its 95% interval. ``table`` is None when hidden
    (``suppressed``) or when no answer pairs exist; ``caveat``: an association, not an effect.
    ``unbounded`` names the figures that are None because a zero cell makes them infinite.

    Peer-support use is the service-use block's own question (peer supporters, yes or no), and
    the survey's question on using the peer support program only for a respondent who skipped
    it; ``definition`` says so in the report's language. ``disagree`` counts the respondents whose
    two answers disagree (None when the shareable copy withholds a small count), ``disagree_note``
    says it in words."""

    test: str
    n: int
    labels: list[str]
    table: list[list[int]] | None
    percent: dict[str, float]
    odds_ratio: float | None
    ci95: list[float | None] | None
    p: float | None
    note: str
    caveat: str
    suppressed: bool = False
    unbounded: list[str] = field(default_factory=list)
    definition: str = ""
    disagree: int | None = 0
    disagree_note: str = ""


@dataclass(frozen=True)
class Severity:
    """An instrument's severity bands over the whole survey (PHQ-8, GAD-7): complete totals only.
    ``id`` is what is scored ("phq8": the PHQ-9 without item 9, see ``outcome_part``)."""

    id: str
    label: str
    n: int
    bands: list[Band]
    incomplete: int  # answered some items, not all: no total
    skipped: int  # answered none
    suppressed: bool = False  # withheld in the shareable copy: fewer respondents than the threshold
    note: str = ""  # why it is withheld


@dataclass(frozen=True)
class ScoreChange:
    """One score (``measure`` "median") or yes/no item ("percent") this survey against the
    previous one: Mann-Whitney with its effect sizes for a score, ``r`` and ``superiority`` (the
    chance that a random score of this survey beats one of the previous survey, ties counted half:
    0.5 is no difference), chi-square or Fisher with the ``odds_ratio`` (this survey's odds of yes
    over the previous one's) for a yes/no item; the other effects are None. ``unbounded`` as in
    :class:`ServiceUse`."""

    id: str
    label: str
    measure: str
    n_this: int
    n_last: int
    this: float | None
    last: float | None
    p: float | None
    note: str = ""
    test: str = ""
    r: float | None = None
    odds_ratio: float | None = None
    unbounded: list[str] = field(default_factory=list)
    suppressed: bool = False  # withheld in the shareable copy (see ``shareable``)
    superiority: float | None = None  # a score's probability of superiority, 0 to 1


@dataclass(frozen=True)
class Outcomes:
    help_seeking: HelpSeeking | None
    service_use: ServiceUse | None
    severity: list[Severity]
    previous: str  # the previous survey's id, "" when there is none
    by_year: list[ScoreChange]


@dataclass(frozen=True)
class UptakeRow:
    """Referral uptake for one destination, over the referrals whose interaction (in the period)
    planned a follow-up: ``referrals`` of them, ``followed_up`` logged (with the outcome each
    recorded: ``connected``, ``not_yet``, ``declined`` or ``unknown``), ``closed`` without a
    follow-up (not needed, could not reach) and ``open``. ``rate`` is the share connected among
    the ``known`` outcomes (percent) with Wilson's 95% interval; unknowns are shown, never hidden,
    and a closed follow-up is never an outcome."""

    id: str
    label: str
    referrals: int
    followed_up: int
    known: int
    connected: int
    not_yet: int
    declined: int
    unknown: int
    closed: int
    open: int
    rate: float | None
    ci95: list[float] | None
    note: str = ""


@dataclass(frozen=True)
class FollowUpOutcomes:
    """The follow-ups planned in the period (by its interactions), as they stood on ``as_of`` (the
    day the report was made): counts only, and referral uptake by destination. ``planned`` = ``done``
    + ``closed`` + ``open``; ``overdue`` are the open ones past their due date. ``notes`` say what a
    reader needs (interactions that planned a follow-up with no record of it, say)."""

    as_of: str  # ISO date
    planned: int
    done: int
    closed: int
    open: int
    overdue: int
    uptake: list[UptakeRow]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    program: str
    lang: str
    generated_on: str
    period: ReportPeriod
    small_cell: int
    test: str
    audience: str  # "coordinators" or "shared"
    survey: SurveySection | None
    survey_note: str
    activity: Activity
    follow_ups: FollowUpOutcomes | None = None  # the follow-ups planned in the period, if any


def to_jsonable(report: Report) -> dict[str, Any]:
    """The report as JSON-ready dicts and lists (``from_`` written ``from``)."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        return {name.rstrip("_"): value for name, value in items}

    return dataclasses.asdict(report, dict_factory=pairs)
