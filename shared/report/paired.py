"""The paired barrier comparison's four cells, counted with numpy instead of per-respondent lists.

``stats.compare_paired`` takes one 0/1 pair per respondent and checks each answer in Python,
which costs about half a second per barrier at 100,000 respondents. The report counts the
cells here with numpy instead and hands them to :func:`stats.compare_paired_cells`, which
builds the very same :class:`~shared.report.stats.Comparison` (tests/test_report_paired.py
compares the two on thousands of tables). This module imports ``stats``, never the reverse.
"""

from __future__ import annotations

import numpy as np

from shared.report.stats import compare_paired_cells

__all__ = ["compare_paired_cells", "paired_cells"]


def paired_cells(first: np.ndarray, second: np.ndarray) -> tuple[int, int, int, int]:
    """Newcombe's cells from two 0/1 columns: both, first only, second only, neither."""
    a, b = first.astype(bool), second.astype(bool)
    both = int(np.count_nonzero(a & b))
    first_only = int(np.count_nonzero(a & ~b))
    second_only = int(np.count_nonzero(~a & b))
    return both, first_only, second_only, len(a) - both - first_only - second_only
