"""The program's activity in the report, from interactions stored in the in-memory store, checked against
counts made here with collections.Counter on the same rows; labels come from the form."""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

from shared.forms import FORMS_DIR, load_form, parse_form
from shared.report.build import ReportRequest, build_report
from shared.report.model import CategoryCount
from shared.services import reports
from tests.test_report_support import NOW, TODAY, add_interactions, add_supporters, log_answers, strict_json

ROOT = Path(__file__).resolve().parents[1]


def random_rows(ids: list[str], count: int, seed: int = 7) -> list[tuple[str, date, dict]]:
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        answers = log_answers(
            format=rng.choice(["in_person", "phone", "video", "text_or_online"]),
            initiated_by=rng.choice(["student", "supporter"]),
            duration_minutes=rng.choice([None, 5, 15, 30, 45, 60, 90]),
            topics=rng.sample(["academic", "burnout_stress", "mental_health", "finances"], rng.randint(1, 3)),
            concern_level=rng.choice(["none", "none", "some", "urgent"]),
            referral=rng.choice(["none", "none", "counselling", "physician", "faculty_wellness"]),
            follow_up_planned=rng.random() < 0.3,
        )
        rows.append((rng.choice(ids[:3]), date(2026, rng.choice([9, 10]), rng.randint(1, 30)), answers))
    return rows


def test_activity_matches_counts_made_by_hand(app):
    ids = add_supporters(app.store, 5)  # two never log anything
    fifth = app.store.get_supporter(ids[4])
    assert app.store.update_supporter(fifth, replace(fifth, active=False))
    rows = random_rows(ids, 150)
    outside = [(ids[0], date(2026, 8, 31), log_answers())]  # the day before the academic year
    add_interactions(app.store, rows + outside)
    report = strict_json(reports.render(reports.build(app, reports.parse_options({}), NOW), "json"))
    activity = report["activity"]
    answers = [a for _, _, a in rows]

    assert report["period"] == {
        "from": "2026-09-01",
        "to": "2026-11-01",
        "label": "1 September 2026 to 1 November 2026",
        "final": False,
    }
    assert activity["interactions"] == 150
    assert activity["supporters"] == {
        "active": len({s for s, _, _ in rows}),
        "all": 4,
        "revoked": len({s for s, _, _ in rows} & {ids[4]}),  # alias4 (revoked) logged nothing
    }  # the revoked supporter is not counted
    months = Counter(day.strftime("%Y-%m") for _, day, _ in rows)
    assert {m["month"]: m["count"] for m in activity["by_month"]} == dict(sorted(months.items()))

    breakdowns = {b["field"]: b for b in activity["breakdowns"]}
    assert list(breakdowns) == [
        "format",
        "initiated_by",
        "topics",
        "concern_level",
        "referral",
        "follow_up_planned",
    ]
    for field in ("format", "initiated_by", "concern_level", "referral"):
        expected = Counter(a[field] for a in answers)
        assert {r["id"]: r["count"] for r in breakdowns[field]["rows"] if r["count"]} == dict(expected), field
    topics = Counter(t for a in answers for t in a["topics"])
    assert {r["id"]: r["count"] for r in breakdowns["topics"]["rows"] if r["count"]} == dict(topics)
    assert breakdowns["topics"]["answered"] == 150
    labels = {r["id"]: r["label"] for r in breakdowns["format"]["rows"]}
    assert labels["text_or_online"] == "Text or online messaging"  # from the form

    referred = [a["referral"] for a in answers if a["referral"] != "none"]
    assert activity["referrals"]["count"] == len(referred)
    assert activity["referrals"]["rate"] == 100 * len(referred) / 150
    assert {d["id"]: d["count"] for d in activity["referrals"]["by_destination"] if d["count"]} == dict(
        Counter(referred)
    )
    assert activity["follow_ups"]["count"] == sum(a["follow_up_planned"] for a in answers)
    durations = [a["duration_minutes"] for a in answers if "duration_minutes" in a]
    assert activity["duration"] == {"n": len(durations), "median": statistics.median(durations), "note": ""}

    per_supporter = {r["label"]: r for r in activity["per_supporter"]["rows"]}
    assert "alias4" not in per_supporter  # revoked and silent: not listed
    assert per_supporter["alias3"]["count"] == 0


def test_a_topic_added_to_the_yaml_shows_up(app):
    yaml = (FORMS_DIR / "interaction_log.yaml").read_text(encoding="utf-8")
    marker = "      - {id: other, label: {en: Other, fr: Autre}}\n\n  - id: concern_level"
    assert marker in yaml
    added = yaml.replace(
        marker,
        "      - {id: housing, label: {en: Housing, fr: Logement}}\n" + marker,
    )
    form = parse_form(added)
    ids = add_supporters(app.store, 1)
    add_interactions(
        app.store, [(ids[0], date(2026, 10, 3), log_answers(topics=["housing", "academic"]))] * 2
    )

    def forms(name: str):
        return form if name == "interaction_log" else load_form(name)

    report = build_report(app.store, app.settings, ReportRequest(), today=TODAY, forms=forms)
    topics = next(b for b in report.activity.breakdowns if b.field == "topics")
    assert CategoryCount("housing", "Housing", 2, 100.0) in topics.rows


def test_a_stored_value_the_form_no_longer_has_is_still_counted(app):
    ids = add_supporters(app.store, 1)
    add_interactions(app.store, [(ids[0], date(2026, 10, 3), log_answers(format="carrier_pigeon"))])
    report = reports.build(app, reports.parse_options({}), NOW)
    formats = next(b for b in report.activity.breakdowns if b.field == "format")
    assert CategoryCount("carrier_pigeon", "carrier_pigeon (not in the form)", 1, 100.0) in formats.rows


def test_report_modules_load_without_pandas_scipy_or_matplotlib():
    """Importing the report's entry points (as the job loop, CLI and functions do) stays light;
    the heavy libraries load only when a report is built."""
    code = (
        "import sys, shared.services.reports, shared.web.send_report, shared.web.admin_report, shared.cli.report, shared.jobs\n"
        "heavy = sorted({'pandas', 'scipy', 'matplotlib'} & set(sys.modules))\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
