"""The interaction tally: how many interactions share a day, a supporter and the same answers.

The report needs counts, never single interactions, so on Firestore each day has one tally
document, updated in the same atomic write as each interaction it counts, and the monthly
report reads one document per day of its period instead of one per interaction (issue 15,
item 7). Free-text answers (the note) are left out of the tally: the report does not use them,
and with them every interaction would be a combination of its own.

A combination is a canonical JSON text, ``[supporter_id, {question: answer}]``, so equal answers
always give the same key whatever their order.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from functools import cache
from typing import Any

from shared.forms import load_form

LOG_FORM = "interaction_log"
Tally = tuple[str, str, dict[str, Any], int]  # (occurred_on as YYYY-MM-DD, supporter_id, answers, n)


@cache
def free_text() -> frozenset[str]:
    """The log form's free-text questions, which the tally leaves out."""
    return frozenset(f.id for f in load_form(LOG_FORM).fields() if f.type == "text")


def key(supporter_id: str, answers: dict[str, Any]) -> str:
    omit = free_text()
    kept = {name: value for name, value in answers.items() if name not in omit}
    return json.dumps([supporter_id, kept], sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def parse(combination: str) -> tuple[str, dict[str, Any]]:
    supporter_id, answers = json.loads(combination)
    return supporter_id, answers


def field_id(combination: str) -> str:
    """A short name for a combination, fit for a Firestore field name (letters and digits)."""
    return hashlib.sha256(combination.encode("utf-8")).hexdigest()[:24]


def recount(rows: Iterable[tuple[str, str, dict[str, Any]]]) -> list[Tally]:
    """The tally of ``(occurred_on, supporter_id, answers)`` rows, by day then combination."""
    counts = Counter((day, key(supporter_id, answers)) for day, supporter_id, answers in rows)
    return [(day, *parse(combination), n) for (day, combination), n in sorted(counts.items())]
