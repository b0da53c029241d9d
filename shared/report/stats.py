"""Statistics for the coordinators' report, as pure functions of plain values.

The end-of-year survey asks every student about the same barriers for two services, so the
two answers of one student are paired: :func:`shared.report.paired.compare_paired` is the analysis for the report.
:func:`compare_independent` reproduces the independent-groups analysis that the published
program used, so its figures can be checked and compared.

Nothing here returns NaN. When a figure cannot be computed it is ``None`` and the result's
``note`` says why in words a coordinator can read. Bad input (a 2 in a 0/1 answer, more
people checking a box than answered) raises :class:`ValueError`.

scipy is imported here and nowhere else in ``shared``: this module is only loaded on the
report path.
"""

from __future__ import annotations

import math
import numbers
import operator
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from scipy import stats as _sp

from shared.i18n import N_, translate
from shared.report.numbers import whole_number

Z95 = float(_sp.norm.ppf(0.975))

PAIRED_CI_METHOD = "Newcombe hybrid score, paired (Newcombe 1998, method 10)"
INDEPENDENT_CI_METHOD = "Newcombe hybrid score (Newcombe 1998, method 10)"
MCNEMAR = "exact McNemar"
CHI_SQUARE = "chi-square (Yates)"
FISHER = "Fisher's exact"

# Andrews & Slade (2001) bands for the Kessler K10 total (10 to 50).
K10_BANDS: tuple[tuple[str, int, int], ...] = (
    ("low", 10, 15),
    ("moderate", 16, 21),
    ("high", 22, 29),
    ("very_high", 30, 50),
)


@dataclass(frozen=True)
class Comparison:
    """One barrier compared between two services (or two groups), ready for the report.

    ``n``, ``counts`` and ``percent`` are keyed by the two labels, first then second.
    ``difference`` and ``ci95`` are in percentage points, first minus second. Anything that
    cannot be computed is ``None`` and ``note`` explains it.
    """

    design: str  # "paired" or "independent"
    n: dict[str, int]
    counts: dict[str, int]
    percent: dict[str, float | None]
    difference: float | None
    ci95: tuple[float, float] | None
    ci_method: str
    test: str
    p: float | None
    note: str = ""
    # Paired only: (checked for the first service only, checked for the second only).
    discordant: tuple[int, int] | None = None


def compare_independent(
    x1: int,
    n1: int,
    x2: int,
    n2: int,
    *,
    labels: tuple[str, str] = ("a", "b"),
    empty_groups: tuple[str, str] | None = None,
    lang: str = "en",
) -> Comparison:
    """Compare ``x1`` of ``n1`` with ``x2`` of ``n2`` as two independent groups.

    The test is Pearson's chi-square with Yates' correction, or Fisher's exact test
    (two-sided) when any expected count is under 5; the interval is Newcombe's method 10.
    ``empty_groups`` (two msgids, as :func:`missing_in` takes; :data:`NO_RESPONDENTS` by default)
    say why when a group is empty, naming the groups by ``labels``.
    """
    x1, n1, x2, n2 = (whole_number(v, name) for v, name in ((x1, "x1"), (n1, "n1"), (x2, "x2"), (n2, "n2")))
    if x1 > n1 or x2 > n2:
        raise ValueError(f"a count cannot exceed its group size: {x1} of {n1}, {x2} of {n2}")
    counts = {labels[0]: x1, labels[1]: x2}
    denominators = {labels[0]: n1, labels[1]: n2}
    percent = {
        labels[0]: 100.0 * x1 / n1 if n1 else None,
        labels[1]: 100.0 * x2 / n2 if n2 else None,
    }
    if n1 == 0 or n2 == 0:
        empty = [label for label, size in denominators.items() if size == 0]
        note = missing_in(lang, empty, empty_groups or NO_RESPONDENTS)
        return Comparison(
            design="independent",
            n=denominators,
            counts=counts,
            percent=percent,
            difference=None,
            ci95=None,
            ci_method=INDEPENDENT_CI_METHOD,
            test="none",
            p=None,
            note=note,
        )
    table = [[x1, n1 - x1], [x2, n2 - x2]]
    total = n1 + n2
    checked, unchecked = x1 + x2, total - x1 - x2
    smallest_expected = min(size * margin / total for size in (n1, n2) for margin in (checked, unchecked))
    notes = []
    if smallest_expected < 5:
        test = FISHER
        # With nobody (or everybody) checked there is only one possible table: P is exactly 1.
        p = min(1.0, float(_sp.fisher_exact(np.asarray(table), alternative="two-sided").pvalue))
        if checked == 0:
            notes.append(
                translate(
                    lang, "Nobody in either group checked this barrier, so the test has no information."
                )
            )
        elif unchecked == 0:
            notes.append(
                translate(
                    lang, "Everybody in both groups checked this barrier, so the test has no information."
                )
            )
        else:
            notes.append(
                translate(lang, "Fisher's exact test was used because an expected count was under 5.")
            )
    else:
        test = CHI_SQUARE
        p = min(1.0, float(_sp.chi2_contingency(table, correction=True).pvalue))
    if min(n1, n2) == 1:
        notes.append(translate(lang, "A group of one respondent: the interval is very wide."))
    low, high = newcombe_independent_ci(x1, n1, x2, n2)
    return Comparison(
        design="independent",
        n=denominators,
        counts=counts,
        percent=percent,
        difference=100.0 * (x1 / n1 - x2 / n2),
        ci95=(100.0 * low, 100.0 * high),
        ci_method=INDEPENDENT_CI_METHOD,
        test=test,
        p=p,
        note=" ".join(notes),
    )


def wilson_interval(x: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for ``x`` of ``n`` (n >= 1), as proportions."""
    if n < 1 or not 0 <= x <= n:
        raise ValueError(f"Wilson interval needs 0 <= x <= n and n >= 1, got {x} of {n}")
    z2 = z * z
    centre = (x + z2 / 2) / (n + z2)
    half = z * math.sqrt(x * (n - x) / n + z2 / 4) / (n + z2)
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_independent_ci(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> tuple[float, float]:
    """Newcombe's method 10 interval for p1 - p2 of independent groups (Stat Med 1998;17:873-90)."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, z)
    l2, u2 = wilson_interval(x2, n2, z)
    delta = p1 - p2
    low = delta - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = delta + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return max(-1.0, low), min(1.0, high)


def newcombe_paired_ci(e: int, f: int, g: int, h: int, z: float = Z95) -> tuple[float, float]:
    """Newcombe's method 10 interval for a paired difference (Stat Med 1998;17:2635-50).

    Cells follow the paper: ``e`` both checked, ``f`` first only, ``g`` second only,
    ``h`` neither; the difference is (f - g) / n. The two Wilson intervals are combined with
    the paper's corrected phi: (eh - fg - n/2) / sqrt(product of margins) when eh - fg > n/2,
    0 when 0 <= eh - fg <= n/2, (eh - fg) / sqrt(...) when negative, and 0 whenever a
    margin is 0. This is the form in Newcombe's chapter of Altman et al., *Statistics with
    Confidence* (2000), and in Fagerland, Lydersen & Laake (2017).
    """
    n = e + f + g + h
    if n < 1:
        raise ValueError("the paired interval needs at least one respondent")
    p1, p2 = (e + f) / n, (e + g) / n
    l1, u1 = wilson_interval(e + f, n, z)
    l2, u2 = wilson_interval(e + g, n, z)
    margins = (e + f) * (g + h) * (e + g) * (f + h)
    cross = e * h - f * g
    if margins == 0 or 0 <= cross <= n / 2:
        phi = 0.0
    elif cross > n / 2:
        phi = (cross - n / 2) / math.sqrt(margins)
    else:
        phi = cross / math.sqrt(margins)
    d_low1, d_up1 = p1 - l1, u1 - p1
    d_low2, d_up2 = p2 - l2, u2 - p2
    delta = p1 - p2
    # |phi| <= 1 keeps both radicands >= (x - y)^2 >= 0; max() only absorbs rounding.
    low = delta - math.sqrt(max(0.0, d_low1**2 - 2 * phi * d_low1 * d_up2 + d_up2**2))
    high = delta + math.sqrt(max(0.0, d_up1**2 - 2 * phi * d_up1 * d_low2 + d_low2**2))
    return max(-1.0, low), min(1.0, high)


def holm(pvalues: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjustment; ``None`` stays ``None`` and does not count towards m.

    Adjusted values are monotone in the order of the raw values and capped at 1.
    """
    present = [(i, _as_probability(p)) for i, p in enumerate(pvalues) if p is not None]
    m = len(present)
    adjusted: list[float | None] = [None] * len(pvalues)
    running = 0.0
    for rank, (index, p) in enumerate(sorted(present, key=lambda item: item[1])):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[index] = running
    return adjusted


def format_p(p: float | None) -> str:
    """Journal style: "P < .001", "P = .004", "P = .02", "P = .048", "P > .99".

    Two decimals, or three below .01. When two decimals would read ".05" for a P below .05,
    more decimals are shown so the reader is not misled about the threshold.
    """
    if p is None:
        return "not computable"
    p = _as_probability(p)
    if p < 0.001:
        return "P < .001"
    if p >= 0.995:
        return "P > .99"
    if p < 0.01:
        return f"P = {_decimals(p, 3)}"
    shown = _decimals(p, 2)
    if p < 0.05 and shown == ".05":
        for places in (3, 4):
            shown = _decimals(p, places)
            if Decimal(shown) < Decimal("0.05"):
                return f"P = {shown}"
        return "P < .05"
    return f"P = {shown}"


def k10_summary(totals: Sequence[int], lang: str = "en") -> dict[str, object]:
    """Mean, sample SD (ddof=1) and Andrews & Slade band counts of K10 totals (10 to 50).

    Returns ``{"n", "mean", "sd", "bands": {band: count}, "note"}``; mean is ``None``
    with no scores and sd is ``None`` with fewer than two.
    """
    scores = [whole_number(value, f"K10 total {i}") for i, value in enumerate(totals)]
    for i, value in enumerate(scores):
        if not 10 <= value <= 50:
            raise ValueError(f"K10 totals run from 10 to 50; K10 total {i} is {value}")
    n = len(scores)
    bands = {name: sum(low <= s <= high for s in scores) for name, low, high in K10_BANDS}
    note = ""
    if n == 0:
        note = translate(lang, "No K10 scores were submitted.")
    elif n == 1:
        note = translate(lang, "Only one K10 score: the standard deviation needs at least two.")
    return {
        "n": n,
        "mean": statistics.fmean(scores) if n else None,
        "sd": statistics.stdev(scores) if n >= 2 else None,
        "bands": bands,
        "note": note,
    }


def as_binary(value: object, where: str) -> int:
    # Answers often arrive as numpy or pandas values, so accept any integer-like 0/1.
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    try:
        number = operator.index(value)  # type: ignore[arg-type]  # any object: TypeError if not integer-like
    except TypeError:
        number = None
    if number not in (0, 1):
        raise ValueError(f"answers are 0/1 (or True/False); {where} is {value!r}")
    return number


def _as_probability(p: object) -> float:
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, numbers.Real) or not 0.0 <= float(p) <= 1.0:
        # NaN fails the range check too, so it never travels further.
        raise ValueError(f"a P value is a number from 0 to 1, got {p!r}")
    return float(p)


def _decimals(p: float, places: int) -> str:
    # Decimal from repr rounds the number as printed, so .045 shows as .05, not .04.
    quantum = Decimal(1).scaleb(-places)
    text = str(Decimal(repr(p)).quantize(quantum, rounding=ROUND_HALF_UP))
    return text[1:] if text.startswith("0.") else text


NO_RESPONDENTS = (
    N_("No respondents in %(first)s and %(second)s, so the groups cannot be compared."),
    N_("No respondents in %(group)s, so the groups cannot be compared."),
)


def missing_in(lang: str, empty: list[str], messages: tuple[str, str]) -> str:
    """Why nothing can be compared: ``messages`` (msgids) say it of both groups, or of the one
    in ``empty``, in ``lang``."""
    if len(empty) == 2:
        return translate(lang, messages[0], first=empty[0], second=empty[-1])
    return translate(lang, messages[1], group=empty[0])
