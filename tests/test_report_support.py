"""Helpers shared by the report tests (no tests here): stored surveys and interactions built
from the counts a test wants, and checks that every output format is clean."""

from __future__ import annotations

import json
import random
import re
import uuid
from datetime import UTC, date, datetime
from typing import Any

from shared.records import Answer, Interaction, Supporter, Survey

FIRST, SECOND = "faculty_services", "peer_support"  # the matrix rows of forms/end_of_year_survey.yaml
BARRIERS = (
    "career_impact",
    "not_helpful",
    "confidentiality",
    "stigma",
    "no_time",
    "dont_know_how",
    "prefer_self",
    "other",
)
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)  # a scheduled run: period "2026-11" in Toronto
TODAY = date(2026, 11, 1)


def paired_answers(
    cells: dict[str, tuple[int, int, int, int]], seed: int = 5, extra: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Answers whose barrier matrix has, for each barrier, Newcombe's paired cells
    (e: both services checked, f: the first only, g: the second only, h: neither).

    Each barrier's patterns are shuffled on their own, so barriers are not all checked by the
    same respondents. ``extra[i]`` is merged into respondent i's answers.
    """
    sizes = {sum(c) for c in cells.values()}
    assert len(sizes) == 1, "every barrier needs the same number of respondents"
    (n,) = sizes
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = [{"barriers": {FIRST: [], SECOND: []}} for _ in range(n)]
    for barrier in BARRIERS:  # the form's order, so each row lists barriers as the form does
        if barrier not in cells:
            continue
        e, f, g, h = cells[barrier]
        patterns = [(1, 1)] * e + [(1, 0)] * f + [(0, 1)] * g + [(0, 0)] * h
        rng.shuffle(patterns)
        for row, (first, second) in zip(rows, patterns, strict=True):
            if first:
                row["barriers"][FIRST].append(barrier)
            if second:
                row["barriers"][SECOND].append(barrier)
    for i, more in enumerate(extra or []):
        rows[i].update(more)
    return rows


def add_survey(store, survey_id: str, answers: list[dict[str, Any]], **fields: Any) -> Survey:
    survey = Survey(survey_id, **fields)
    store.add_survey(survey)
    if answers:
        store.add_answers(survey, [Answer(uuid.uuid4().hex, survey_id, date(2026, 4, 2), a) for a in answers])
    return store.get_survey(survey_id)


def log_answers(**overrides: Any) -> dict[str, Any]:
    """A valid interaction_log answer set, changed by ``overrides`` (None removes a key)."""
    answers = {
        "occurred_on": "2026-10-01",
        "format": "in_person",
        "initiated_by": "student",
        "duration_minutes": 30,
        "year_of_study": "year2",
        "topics": ["academic"],
        "concern_level": "none",
        "referral": "none",
        "follow_up_planned": False,
    }
    answers.update(overrides)
    return {k: v for k, v in answers.items() if v is not None}


def add_interactions(store, rows: list[tuple[str, date, dict[str, Any]]]) -> None:
    """Store (supporter_id, day, answers) rows as interactions."""
    store.add_interactions(
        [
            Interaction(uuid.uuid4().hex, supporter, day, {**answers, "occurred_on": day.isoformat()}, NOW)
            for supporter, day, answers in rows
        ]
    )


def add_supporters(store, count: int) -> list[str]:
    ids = [f"sup{i}" for i in range(count)]
    for i, sid in enumerate(ids):
        store.add_supporter(Supporter(sid, f"alias{i}", None, created_on=date(2026, 8, 1)))
    return ids


def strict_json(text: str) -> Any:
    """Parse JSON, refusing NaN and Infinity (which json.loads would otherwise accept)."""

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in the report's JSON")

    return json.loads(text, parse_constant=refuse)


def assert_clean(text: str) -> None:
    """No NaN or infinity (as a word of its own: "financial" is fine) and no traceback."""
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:", text)  # base64 may spell "nan"
    found = re.search(r"(?<![a-z])(nan|inf|infinity|traceback)(?![a-z])", text.lower())
    assert found is None, (
        f"{found.group()!r} in output near {text[max(0, found.start() - 40) : found.end() + 40]!r}"
    )
