"""The program's outcome statistics (issue 14), as pure functions of plain values.

Does peer support lead students to help? Four analyses answer the program's question:

* :func:`help_seeking_paired` - help-seeking intention (1-7) from Faculty services vs from
  peer supporters, the same students answering both: Wilcoxon signed-rank test, effect
  size r and the median difference;
* :func:`association_2x2` - professional service use among students who used peer support
  vs those who did not: Fisher's exact test, or chi-square (Yates) when every expected
  count is at least 5, with the odds ratio and its 95% interval. One survey shows an
  association, never proof of an effect (:data:`ASSOCIATION_CAVEAT`);
* :func:`referral_uptake` - of the referrals with a known outcome, the share where the
  student connected with the service, with Wilson's 95% interval; unknowns are counted and
  returned, never dropped silently;
* :func:`compare_years_scores` / :func:`compare_years_proportion` - this year against last
  year as independent groups: Mann-Whitney for scores, the 2x2 test above for yes/no.

Shapes. Every function returns either its result dataclass or :class:`NotComputable`;
nothing returns NaN. A result carries ``test`` (the method in words), ``n`` (respondents
analysed), ``statistic``, ``p``, an effect (``r``, ``odds_ratio`` or ``rate``) and
``ci95`` where one exists, ``labels`` naming the two sides, and ``note`` (extra words for
the reader, often empty). :class:`NotComputable` carries ``test``, ``n``, ``counts`` (the
counts that are known, for the report's tables) and ``reason`` in words a coordinator can
read. Bad input (a 9 on a 1-7 scale, a negative count) raises :class:`ValueError`.

Test choices follow R's defaults (``wilcox.test``, ``chisq.test``, ``fisher.test``) so R
reproduces every figure: exact P below 50 pairs (or per group) without ties or zero
differences, else the normal approximation with tie and continuity correction.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats as _sp
from scipy.stats.contingency import odds_ratio as _odds_ratio

from shared.i18n import N_, translate, translate_plural
from shared.report.numbers import whole_number
from shared.report.stats import NO_RESPONDENTS, Z95, missing_in, wilson_interval

WILCOXON_EXACT = "Wilcoxon signed-rank (exact)"
WILCOXON_NORMAL = "Wilcoxon signed-rank (normal approximation, tie and continuity corrected)"
MANN_WHITNEY_EXACT = "Mann-Whitney U (exact)"
MANN_WHITNEY_NORMAL = "Mann-Whitney U (normal approximation, tie and continuity corrected)"
FISHER = "Fisher's exact"
CHI_SQUARE = "chi-square (Yates)"
WILSON = "Wilson score interval"
OR_WOOLF = "sample odds ratio, Woolf (logit) interval"
OR_CONDITIONAL = "conditional maximum-likelihood odds ratio, exact interval (as R's fisher.test)"
# Below this many pairs (or per group) without ties R computes the exact P; so do we.
EXACT_BELOW = 50
NO_SCORES = (
    N_("No scores in %(first)s and %(second)s, so the years cannot be compared."),
    N_("No scores in %(group)s, so the years cannot be compared."),
)

ASSOCIATION_CAVEAT = (
    "This is an association in one survey, not proof that one thing caused the other: "
    "students who chose peer support may differ in other ways."
)


@dataclass(frozen=True)
class NotComputable:
    """A statistic that cannot be computed from these answers, and why."""

    test: str
    n: int
    reason: str
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PairedRanks:
    """Wilcoxon signed-rank test of paired 1-7 answers, first minus second.

    ``statistic`` is V, the sum of the ranks of positive differences (R's ``V``); ``z`` the
    standard normal deviate without continuity correction, signed (positive when the first
    is higher); ``r = z / sqrt(n)`` over all ``n`` pairs (Rosenthal 1991); ``median_difference``
    the median of first minus second over all pairs (zeros included); ``n_nonzero`` the pairs
    that differ, the ones the test ranks, of which ``n_positive`` have the first higher.
    """

    test: str
    n: int
    n_nonzero: int
    labels: tuple[str, str]
    medians: dict[str, float]
    median_difference: float
    statistic: float
    z: float
    r: float
    p: float
    note: str = ""
    n_positive: int = 0


@dataclass(frozen=True)
class Association:
    """A 2x2 table, exposure (rows) by outcome (columns), tested and summarised.

    ``table`` is ``((a, b), (c, d))``: a = exposed with the outcome, b = exposed without,
    c = unexposed with, d = unexposed without. ``percent`` is the share with the outcome in
    each row, keyed by ``labels``. ``odds_ratio`` is (odds in the first row) / (odds in the
    second); it and ``ci95`` can be 0 or ``math.inf`` when a cell is empty (``note`` says so),
    never NaN. ``statistic`` is chi-square for the chi-square test and ``None`` for Fisher's.
    """

    test: str
    n: int
    labels: tuple[str, str]
    table: tuple[tuple[int, int], tuple[int, int]]
    percent: dict[str, float]
    statistic: float | None
    p: float
    odds_ratio: float
    ci95: tuple[float, float]
    or_method: str
    note: str = ""
    caveat: str = ""


@dataclass(frozen=True)
class Uptake:
    """Referral uptake: ``connected`` of the ``known`` outcomes, with Wilson's interval.

    ``n`` is every referral followed up, ``unknown`` the ones whose outcome is not known
    (left out of the rate, always shown), ``rate`` and ``ci95`` proportions from 0 to 1.
    """

    test: str
    n: int
    known: int
    connected: int
    not_yet: int
    declined: int
    unknown: int
    rate: float
    ci95: tuple[float, float]
    note: str = ""


@dataclass(frozen=True)
class IndependentRanks:
    """Mann-Whitney U test of two independent groups' scores, first vs second.

    ``statistic`` is U of the first group (R's ``W``); ``z`` is signed, positive when the
    first tends higher, without continuity correction; ``r = z / sqrt(n1 + n2)``;
    ``superiority`` is U / (n1 n2), the chance a random first-group score beats a
    second-group one (ties count half): the probability of superiority, or common-language effect
    size (McGraw KO, Wong SP. Psychol Bull 1992;111:361-5; with ties counted half, Vargha A,
    Delaney HD. J Educ Behav Stat 2000;25:101-32). tests/test_report_readable.py checks it, and r,
    against R's documented example and by counting pairs.
    """

    test: str
    n: dict[str, int]
    labels: tuple[str, str]
    medians: dict[str, float]
    statistic: float
    z: float
    r: float
    superiority: float
    p: float
    note: str = ""


def _scores(values: Sequence[object], name: str, low: float | None, high: float | None) -> list[float | None]:
    """Answers as floats, ``None`` kept for a skipped question; anything else is a ValueError."""
    out: list[float | None] = []
    for i, value in enumerate(values):
        if value is None:
            out.append(None)
            continue
        if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)
        ):
            raise ValueError(f"{name}[{i}] must be a number, got {value!r}")
        number = float(value)
        if (
            not math.isfinite(number)
            or (low is not None and number < low)
            or (high is not None and number > high)
        ):
            raise ValueError(f"{name}[{i}] must be a number from {low} to {high}, got {value!r}")
        out.append(number)
    return out


def _signed_rank_z(nonzero: np.ndarray) -> float:
    """z of V for the non-zero differences, tie-corrected variance, no continuity correction."""
    ranks = _sp.rankdata(np.abs(nonzero))
    m = len(nonzero)
    v = float(ranks[nonzero > 0].sum())
    _, ties = np.unique(np.abs(nonzero), return_counts=True)
    variance = m * (m + 1) * (2 * m + 1) / 24 - float(np.sum(ties**3 - ties)) / 48
    return (v - m * (m + 1) / 4) / math.sqrt(variance)


def help_seeking_paired(
    first: Sequence[object],
    second: Sequence[object],
    *,
    labels: tuple[str, str] = ("faculty_services", "peer_supporters"),
    low: float = 1,
    high: float = 7,
    lang: str = "en",
) -> PairedRanks | NotComputable:
    """Wilcoxon signed-rank test of respondent i's ``first[i]`` against ``second[i]``.

    ``None`` is a skipped question; only pairs with both answers count. Zero differences
    are dropped before ranking (Wilcoxon's method, R's default).
    """
    if len(first) != len(second):
        raise ValueError(f"paired answers need one pair per respondent: got {len(first)} and {len(second)}")
    a = _scores(first, labels[0], low, high)
    b = _scores(second, labels[1], low, high)
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    n = len(pairs)
    test = WILCOXON_EXACT
    if n == 0:
        return NotComputable(
            test,
            0,
            translate(lang, "No respondent answered both questions, so nothing can be compared."),
        )
    if n == 1:
        return NotComputable(
            test,
            1,
            translate(lang, "Only one respondent answered both questions; a test needs at least two."),
        )
    diffs = np.array([x - y for x, y in pairs])
    nonzero = diffs[diffs != 0]
    if len(nonzero) == 0:
        return NotComputable(
            test,
            n,
            translate(
                lang,
                "Every respondent gave the same answer for both sources (all ties), so there is no difference to test.",
            ),
        )
    has_ties = len(np.unique(np.abs(nonzero))) < len(nonzero)
    exact = len(nonzero) < EXACT_BELOW and not has_ties and len(nonzero) == n
    if exact:
        p = float(_sp.wilcoxon(nonzero, method="exact").pvalue)
    else:
        test = WILCOXON_NORMAL
        p = float(_sp.wilcoxon(nonzero, method="approx", correction=True).pvalue)
    z = _signed_rank_z(nonzero)
    notes = []
    if len(nonzero) < n:
        notes.append(
            translate_plural(
                lang,
                "%(same)s of %(num)s respondent gave both sources the same answer; the test ranks the others.",
                "%(same)s of %(num)s respondents gave both sources the same answer; the test ranks the others.",
                n,
                same=n - len(nonzero),
            )
        )
    ranks = _sp.rankdata(np.abs(nonzero))
    return PairedRanks(
        test=test,
        n=n,
        n_nonzero=len(nonzero),
        labels=labels,
        medians={
            labels[0]: statistics.median(x for x, _ in pairs),
            labels[1]: statistics.median(y for _, y in pairs),
        },
        median_difference=float(statistics.median(diffs.tolist())),
        statistic=float(ranks[nonzero > 0].sum()),
        z=z,
        r=z / math.sqrt(n),
        p=min(1.0, p),
        note=" ".join(notes),
        n_positive=int((nonzero > 0).sum()),
    )


def association_2x2(
    a: int,
    b: int,
    c: int,
    d: int,
    *,
    labels: tuple[str, str] = ("used_peer_support", "did_not_use_peer_support"),
    outcome: str = "used professional services",
    empty_groups: tuple[str, str] = NO_RESPONDENTS,
    lang: str = "en",
) -> Association | NotComputable:
    """Test the 2x2 table ((a, b), (c, d)); rows are the two groups, columns outcome yes/no.

    Chi-square with Yates' correction when every expected count is at least 5, Fisher's
    exact test (two-sided) otherwise. The odds ratio is the sample one with Woolf's
    interval when the chi-square test is used and no cell is empty, otherwise the
    conditional maximum-likelihood estimate with its exact interval, as R's fisher.test.
    ``empty_groups`` (two msgids, as :func:`missing_in` takes) say why when a group is empty.
    """
    a, b, c, d = (whole_number(v, name) for v, name in ((a, "a"), (b, "b"), (c, "c"), (d, "d")))
    n = a + b + c + d
    counts = {"a": a, "b": b, "c": c, "d": d}
    rows = {labels[0]: a + b, labels[1]: c + d}
    empty = [label for label, size in rows.items() if size == 0]
    if empty:
        reason = missing_in(lang, empty, empty_groups)
        return NotComputable(FISHER, n, reason, counts)
    if a + c == 0:
        reason = translate(
            lang, "Nobody in either group %(outcome)s, so the groups cannot differ.", outcome=outcome
        )
        return NotComputable(FISHER, n, reason, counts)
    if b + d == 0:
        reason = translate(
            lang, "Everybody in either group %(outcome)s, so the groups cannot differ.", outcome=outcome
        )
        return NotComputable(FISHER, n, reason, counts)
    table = [[a, b], [c, d]]
    expected = [rows[labels[i]] * col / n for i in (0, 1) for col in (a + c, b + d)]
    notes = []
    if min(expected) >= 5:
        test = CHI_SQUARE
        chi = _sp.chi2_contingency(table, correction=True)
        statistic: float | None = float(chi.statistic)
        p = float(chi.pvalue)
    else:
        test = FISHER
        statistic = None
        p = float(_sp.fisher_exact(np.array(table), alternative="two-sided").pvalue)
        notes.append(translate(lang, "Fisher's exact test was used because an expected count was under 5."))
    if test == CHI_SQUARE and min(a, b, c, d) > 0:
        or_method = OR_WOOLF
        estimate = (a * d) / (b * c)
        half = Z95 * math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        ci = (math.exp(math.log(estimate) - half), math.exp(math.log(estimate) + half))
    else:
        or_method = OR_CONDITIONAL
        result = _odds_ratio(table, kind="conditional")
        interval = result.confidence_interval(confidence_level=0.95)
        estimate, ci = float(result.statistic), (float(interval.low), float(interval.high))
    if min(a, b, c, d) == 0:
        notes.append(
            translate(
                lang,
                "A cell of the table is empty, so the odds ratio or an end of its interval is 0 or unbounded.",
            )
        )
    return Association(
        test=test,
        n=n,
        labels=labels,
        table=((a, b), (c, d)),
        percent={labels[0]: 100.0 * a / (a + b), labels[1]: 100.0 * c / (c + d)},
        statistic=statistic,
        p=min(1.0, p),
        odds_ratio=estimate,
        ci95=ci,
        or_method=or_method,
        note=" ".join(notes),
        caveat=ASSOCIATION_CAVEAT,
    )


def association_from_answers(
    exposed: Sequence[object],
    outcome: Sequence[object],
    *,
    labels: tuple[str, str] = ("used_peer_support", "did_not_use_peer_support"),
    outcome_label: str = "used professional services",
    empty_groups: tuple[str, str] = NO_RESPONDENTS,
    lang: str = "en",
) -> Association | NotComputable:
    """:func:`association_2x2` from one (exposed, outcome) pair of booleans per respondent; ``None`` skips."""
    if len(exposed) != len(outcome):
        raise ValueError(f"one pair per respondent: got {len(exposed)} and {len(outcome)} answers")
    cells = {(True, True): 0, (True, False): 0, (False, True): 0, (False, False): 0}
    for i, (x, y) in enumerate(zip(exposed, outcome, strict=True)):
        if x is None or y is None:
            continue
        if not isinstance(x, (bool, np.bool_)) or not isinstance(y, (bool, np.bool_)):
            raise ValueError(f"answers are True/False or None; respondent {i} has {x!r}, {y!r}")
        cells[(bool(x), bool(y))] += 1
    return association_2x2(
        cells[(True, True)],
        cells[(True, False)],
        cells[(False, True)],
        cells[(False, False)],
        labels=labels,
        outcome=outcome_label,
        empty_groups=empty_groups,
        lang=lang,
    )


def referral_uptake(
    connected: int, not_yet: int, declined: int, unknown: int, *, lang: str = "en"
) -> Uptake | NotComputable:
    """Share of referrals with a known outcome where the student connected, Wilson 95% interval."""
    counts = {
        "connected": whole_number(connected, "connected"),
        "not_yet": whole_number(not_yet, "not_yet"),
        "declined": whole_number(declined, "declined"),
        "unknown": whole_number(unknown, "unknown"),
    }
    known = counts["connected"] + counts["not_yet"] + counts["declined"]
    n = known + counts["unknown"]
    if known == 0:
        reason = (
            translate(lang, "No referral has been followed up yet.")
            if n == 0
            else translate_plural(
                lang,
                "The %(num)s referral followed up has no known outcome, so no uptake rate can be given.",
                "None of the %(num)s referrals followed up has a known outcome, so no uptake rate can be given.",
                n,
            )
        )
        return NotComputable(WILSON, n, reason, counts)
    low, high = wilson_interval(counts["connected"], known)
    note = (
        translate_plural(
            lang,
            "Outcome not known: %(unknown)s of the %(num)s referral followed up (not in the rate).",
            "Outcome not known: %(unknown)s of the %(num)s referrals followed up (not in the rate).",
            n,
            unknown=counts["unknown"],
        )
        if counts["unknown"]
        else ""
    )
    return Uptake(
        test=WILSON,
        n=n,
        known=known,
        connected=counts["connected"],
        not_yet=counts["not_yet"],
        declined=counts["declined"],
        unknown=counts["unknown"],
        rate=counts["connected"] / known,
        ci95=(low, high),
        note=note,
    )


def compare_years_scores(
    this_year: Sequence[object],
    last_year: Sequence[object],
    *,
    labels: tuple[str, str] = ("this_year", "last_year"),
    low: float | None = None,
    high: float | None = None,
    lang: str = "en",
) -> IndependentRanks | NotComputable:
    """Mann-Whitney U test (two-sided) of one score between two independent surveys; ``None`` skips."""
    x = [v for v in _scores(this_year, labels[0], low, high) if v is not None]
    y = [v for v in _scores(last_year, labels[1], low, high) if v is not None]
    sizes = {labels[0]: len(x), labels[1]: len(y)}
    empty = [label for label, size in sizes.items() if size == 0]
    if empty:
        return NotComputable(
            MANN_WHITNEY_EXACT,
            len(x) + len(y),
            missing_in(lang, empty, NO_SCORES),
            sizes,
        )
    if len(set(x) | set(y)) == 1:
        return NotComputable(
            MANN_WHITNEY_EXACT,
            len(x) + len(y),
            translate(
                lang,
                "Every respondent in both years has the same score (all ties), so there is no difference to test.",
            ),
            sizes,
        )
    pooled = np.array(x + y)
    has_ties = len(np.unique(pooled)) < len(pooled)
    if len(x) < EXACT_BELOW and len(y) < EXACT_BELOW and not has_ties:
        test = MANN_WHITNEY_EXACT
        result = _sp.mannwhitneyu(x, y, alternative="two-sided", method="exact")
    else:
        test = MANN_WHITNEY_NORMAL
        result = _sp.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True)
    n1, n2 = len(x), len(y)
    u = float(result.statistic)
    _, ties = np.unique(pooled, return_counts=True)
    total = n1 + n2
    variance = n1 * n2 / 12 * ((total + 1) - float(np.sum(ties**3 - ties)) / (total * (total - 1)))
    z = (u - n1 * n2 / 2) / math.sqrt(variance)
    note = (
        translate(lang, "A group of one respondent: read the result with great care.")
        if min(n1, n2) == 1
        else ""
    )
    return IndependentRanks(
        test=test,
        n=sizes,
        labels=labels,
        medians={labels[0]: statistics.median(x), labels[1]: statistics.median(y)},
        statistic=u,
        z=z,
        r=z / math.sqrt(total),
        superiority=u / (n1 * n2),
        p=min(1.0, float(result.pvalue)),
        note=note,
    )


def compare_years_proportion(
    x_this: int,
    n_this: int,
    x_last: int,
    n_last: int,
    *,
    outcome: str = "said yes",
    labels: tuple[str, str] = ("this_year", "last_year"),
    lang: str = "en",
) -> Association | NotComputable:
    """A yes/no answer this year (``x_this`` of ``n_this``) against last year, by :func:`association_2x2`."""
    x_this, n_this, x_last, n_last = (
        whole_number(v, name)
        for v, name in ((x_this, "x_this"), (n_this, "n_this"), (x_last, "x_last"), (n_last, "n_last"))
    )
    if x_this > n_this or x_last > n_last:
        raise ValueError(f"a count cannot exceed its group size: {x_this} of {n_this}, {x_last} of {n_last}")
    result = association_2x2(
        x_this, n_this - x_this, x_last, n_last - x_last, labels=labels, outcome=outcome, lang=lang
    )
    # Two surveys are not an exposure: the causal caveat is for the peer-support comparison only.
    if isinstance(result, Association):
        return Association(**{**result.__dict__, "caveat": ""})
    return result
