"""The paired barrier comparison from the four cells of the 2x2 table instead of per-respondent lists.

``compare_paired`` takes one 0/1 pair per respondent and checks each answer in Python,
which costs about half a second per barrier at 100,000 respondents. The report counts the
cells with numpy instead and hands them here. This builds the very same
:class:`~shared.report.stats.Comparison` (tests/test_report_paired.py compares the two on
thousands of tables), reusing ``stats``'s interval and test; only the counting differs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats as _sp

from shared.i18n import translate
from shared.report import stats


def paired_cells(first: np.ndarray, second: np.ndarray) -> tuple[int, int, int, int]:
    """Newcombe's cells from two 0/1 columns: both, first only, second only, neither."""
    a, b = first.astype(bool), second.astype(bool)
    both = int(np.count_nonzero(a & b))
    first_only = int(np.count_nonzero(a & ~b))
    second_only = int(np.count_nonzero(~a & b))
    return both, first_only, second_only, len(a) - both - first_only - second_only


def compare_paired_cells(
    e: int, f: int, g: int, h: int, *, labels: tuple[str, str] = ("a", "b"), lang: str = "en"
) -> stats.Comparison:
    """``compare_paired`` for a table with cells e (both), f (first only), g (second only), h (neither)."""
    for name, value in (("e", e), ("f", f), ("g", g), ("h", h)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"cell {name} must be a whole number, 0 or more; got {value!r}")
    n = e + f + g + h
    x1, x2 = e + f, e + g
    counts = {labels[0]: x1, labels[1]: x2}
    denominators = {labels[0]: n, labels[1]: n}
    if n == 0:
        return stats.Comparison(
            design="paired",
            n=denominators,
            counts=counts,
            percent={labels[0]: None, labels[1]: None},
            difference=None,
            ci95=None,
            ci_method=stats.PAIRED_CI_METHOD,
            test=stats.MCNEMAR,
            p=None,
            note=translate(lang, "No respondents answered for both services, so nothing can be compared."),
            discordant=(0, 0),
        )
    low, high = stats.newcombe_paired_ci(e, f, g, h)
    discordant = f + g
    p = 1.0 if discordant == 0 else min(1.0, float(_sp.binomtest(f, discordant, 0.5).pvalue))
    notes = []
    if n == 1:
        notes.append(
            translate(
                lang, "Only one respondent: the interval is very wide and no test can show a difference."
            )
        )
    if x1 == 0 and x2 == 0:
        notes.append(translate(lang, "Nobody checked this barrier for either service."))
    elif x1 == n and x2 == n:
        notes.append(translate(lang, "Every respondent checked this barrier for both services."))
    if discordant == 0:
        notes.append(
            translate(
                lang,
                "Every respondent gave the same answer for both services, so there are no "
                "discordant pairs and the exact McNemar test gives P = 1.",
            )
        )
    return stats.Comparison(
        design="paired",
        n=denominators,
        counts=counts,
        percent={labels[0]: 100.0 * x1 / n, labels[1]: 100.0 * x2 / n},
        difference=100.0 * (f - g) / n,
        ci95=(100.0 * low, 100.0 * high),
        ci_method=stats.PAIRED_CI_METHOD,
        test=stats.MCNEMAR,
        p=p,
        note=" ".join(notes),
        discordant=(f, g),
    )


def compare_paired(
    a: Sequence[int | bool],
    b: Sequence[int | bool],
    *,
    labels: tuple[str, str] = ("a", "b"),
    lang: str = "en",
) -> stats.Comparison:
    """Compare one barrier between two services answered by the same respondents.

    ``a[i]`` and ``b[i]`` are respondent i's answers (1 = checked) for the two services.
    The interval is Newcombe's paired method 10; the test is the exact McNemar test, a
    two-sided binomial test on the discordant pairs, with P = 1 when there are none. The
    work is done on the 2x2 cells by :func:`shared.report.paired.compare_paired_cells`.
    """

    if len(a) != len(b):
        raise ValueError(f"paired answers need one pair per respondent: got {len(a)} and {len(b)} answers")
    first = [stats.as_binary(v, f"{labels[0]}[{i}]") for i, v in enumerate(a)]
    second = [stats.as_binary(v, f"{labels[1]}[{i}]") for i, v in enumerate(b)]
    both = sum(x & y for x, y in zip(first, second, strict=True))
    first_only = sum(x & (1 - y) for x, y in zip(first, second, strict=True))
    second_only = sum((1 - x) & y for x, y in zip(first, second, strict=True))
    neither = len(first) - both - first_only - second_only
    return compare_paired_cells(both, first_only, second_only, neither, labels=labels, lang=lang)
