"""The coordinators' report on a large SQLite store: 1,000,000 interactions and 100,000 answers.

Two figures, each measured in a fresh subprocess on the same file (so peak memory is the
job's own and neither run inherits the other's caches):

- wall time of building the report (every table and the statistics) and rendering it as
  text, JSON and the email (chart and CSV included), as a ratio to just reading the same rows
  into pandas with ``pd.read_sql`` (target <= 2);
- the report's peak resident memory (``ru_maxrss``; target <= 1.5 GB).

``SIDEBYSIDE_BENCH_SCALE`` scales the row counts (e.g. 0.1 for a quick run).
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from shared.forms import load_form

ROOT = Path(__file__).resolve().parents[1]
INTERACTIONS = 1_000_000
ANSWERS = 100_000
SUPPORTERS = 60
START, END = date(2025, 9, 1), date(2026, 6, 30)  # one academic year
SURVEY = "bench"

# The ids come from the forms, so the generated data follows any change to the YAML.
BARRIERS = [
    str(c.id)
    for c in next(f for f in load_form("end_of_year_survey").all_fields() if f.type == "matrix").choices
]
TOPICS = [str(c.id) for c in load_form("interaction_log").field("topics").choices]


def _scale() -> float:
    return float(os.environ.get("SIDEBYSIDE_BENCH_SCALE", "1"))


def _dump(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _interaction_pool(rng: random.Random, size: int = 4000) -> list[str]:
    """Distinct answer documents to draw from: generating a million JSON texts would take longer."""
    pool = []
    for _ in range(size):
        answers = {
            "format": rng.choice(["in_person", "phone", "video", "text_or_online"]),
            "initiated_by": rng.choice(["student", "supporter"]),
            "duration_minutes": rng.randint(5, 120),
            "year_of_study": rng.choice(["year1", "year2", "year3", "year4", "other"]),
            "topics": rng.sample(TOPICS, rng.randint(1, 3)),
            "concern_level": rng.choice(["none", "none", "some", "urgent"]),
            "referral": rng.choice(["none", "none", "none", "counselling", "physician", "faculty_wellness"]),
            "follow_up_planned": rng.random() < 0.3,
        }
        if rng.random() < 0.1:
            del answers["duration_minutes"]
        pool.append(answers)
    return pool


def generate(path: Path, interactions: int, answers: int) -> None:
    """A store file made by SqliteStore (its schema), filled with executemany in big batches."""
    sys.path.insert(0, str(ROOT))
    from shared.records import Supporter, Survey
    from shared.store.sqlite import SqliteStore

    store = SqliteStore(path)
    for i in range(SUPPORTERS):
        store.add_supporter(Supporter(f"s{i:03d}", f"supporter{i:03d}", None, created_on=START))
    store.add_survey(Survey(SURVEY, k10=True, links_issued=answers * 2, created_on=END))
    store.add_survey(Survey("previous", k10=False, created_on=START))
    store.close()

    rng = random.Random(2026)
    pool = _interaction_pool(rng)
    days = (END - START).days + 1
    created = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")  # bulk load of a throwaway file
    batch = 50_000
    for first in range(0, interactions, batch):
        rows = []
        for _ in range(min(batch, interactions - first)):
            day = (START + timedelta(days=rng.randrange(days))).isoformat()
            answers_doc = dict(rng.choice(pool), occurred_on=day)
            rows.append(
                (
                    f"{rng.getrandbits(64):016x}",
                    f"s{rng.randrange(SUPPORTERS):03d}",
                    day,
                    created,
                    _dump(answers_doc),
                )
            )
        db.executemany(
            "INSERT INTO interactions (id, supporter_id, occurred_on, created_at, answers) VALUES (?, ?, ?, ?, ?)",
            rows,
        )
        db.commit()
    for survey_id, count in ((SURVEY, answers), ("previous", answers // 4)):
        rows = []
        for _ in range(count):
            doc: dict[str, object] = {
                "barriers": {
                    "faculty_services": [b for b in BARRIERS if rng.random() < 0.25],
                    "peer_support": [b for b in BARRIERS if rng.random() < 0.12],
                },
                "year_of_study": rng.choice(["year1", "year2", "year3", "year4", "other"]),
            }
            if survey_id == SURVEY and rng.random() < 0.8:
                doc.update({f"k10_{k}": rng.randint(1, 5) for k in range(1, 11)})
            rows.append((f"{rng.getrandbits(64):016x}", survey_id, "2026-04-02", _dump(doc)))
        db.executemany("INSERT INTO answers (id, survey_id, day, answers) VALUES (?, ?, ?, ?)", rows)
        db.commit()
    db.close()


# -- the two measured jobs, each run in a child process ---------------------------------------


def _read_sql(path: str) -> dict[str, float]:
    import pandas as pd

    started = time.perf_counter()
    with sqlite3.connect(path) as db:
        interactions = pd.read_sql(
            "SELECT * FROM interactions WHERE occurred_on BETWEEN ? AND ?",
            db,
            params=(START.isoformat(), END.isoformat()),
        )
        answers = pd.read_sql(
            "SELECT * FROM answers WHERE survey_id IN (?, ?)", db, params=(SURVEY, "previous")
        )
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": len(interactions) + len(answers)}


def _iterate(path: str) -> dict[str, float]:
    """Only walk the store port's iterators, doing nothing with the records: the report's floor."""
    from shared.store.sqlite import SqliteStore

    store = SqliteStore(path)
    started = time.perf_counter()
    rows = sum(1 for _ in store.iter_interaction_answers(START, END))
    rows += sum(1 for survey in (SURVEY, "previous") for _ in store.iter_answers(survey))
    return {"seconds": time.perf_counter() - started, "rows": rows}


def _report(path: str) -> dict[str, float]:
    from shared import config
    from shared.report import render
    from shared.report.build import ReportRequest, build_report
    from shared.report.email import report_message
    from shared.store.sqlite import SqliteStore

    folder = Path(path).parent
    settings = config.load(
        {
            "SIDEBYSIDE_SECRET_KEY": "bench-secret-key-0123456789",
            "SIDEBYSIDE_COORDINATORS": "c@example.org",
            "SIDEBYSIDE_DATA_DIR": str(folder),
        },
        base=folder,
    )
    store = SqliteStore(path)
    started = time.perf_counter()
    report = build_report(store, settings, ReportRequest(survey_id=SURVEY, start=START, end=END), today=END)
    built = time.perf_counter()
    render.to_text(report)
    render.to_json(report)
    report_message(report, settings)
    finished = time.perf_counter()
    return {
        "seconds": finished - started,
        "build_seconds": built - started,
        "interactions": report["activity"]["interactions"],
        "answers": report["survey"]["answers"],
    }


def _child(job: str, path: str) -> None:
    import resource

    sys.path.insert(0, str(ROOT))
    # Import the libraries before the clock starts, in both jobs alike.
    import matplotlib  # noqa: F401
    import pandas  # noqa: F401
    import scipy.stats  # noqa: F401

    result = {"read_sql": _read_sql, "iterate": _iterate, "report": _report}[job](path)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps(result))


def _measure(job: str, path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_report", job, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run() -> list[dict]:
    scale = _scale()
    interactions, answers = int(INTERACTIONS * scale), int(ANSWERS * scale)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report-bench.db"
        started = time.perf_counter()
        generate(path, interactions, answers)
        generated = time.perf_counter() - started
        _measure("read_sql", path)  # warm the OS file cache, so neither job pays for the disk
        baseline = _measure("read_sql", path)
        report = _measure("report", path)
        floor = _measure("iterate", path)
    ratio = report["seconds"] / baseline["seconds"]
    size = f"{interactions:,} interactions, {answers:,} + {answers // 4:,} answers"
    return [
        {
            "name": "report time / pd.read_sql of the same rows",
            "value": round(ratio, 2),
            "unit": "x",
            "target": "<= 2",
            "note": f"{size}; report {report['seconds']:.1f}s (build {report['build_seconds']:.1f}s), "
            f"read_sql {baseline['seconds']:.1f}s; data generated in {generated:.0f}s",
        },
        {
            "name": "store iteration alone / pd.read_sql",
            "value": round(floor["seconds"] / baseline["seconds"], 2),
            "unit": "x",
            "target": "informative",
            "note": f"walking store.iter_interaction_answers/iter_answers (what the report reads) and nothing else: {floor['seconds']:.1f}s "
            "(each row's JSON parsed); the report's own work is the rest",
        },
        {
            "name": "report peak memory",
            "value": round(report["peak_mb"]),
            "unit": "MB",
            "target": "<= 1536",
            "note": f"ru_maxrss of the report process; read_sql alone peaked at {baseline['peak_mb']:.0f} MB",
        },
    ]


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2])
