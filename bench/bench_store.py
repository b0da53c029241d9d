"""The embedded store's write path: durable commits per second, SQLite vs Firestore emulator."""

from __future__ import annotations

import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from shared.records import Interaction
from shared.store.sqlite import SqliteStore

N = 300


def _writes_per_second(store) -> float:
    started = time.perf_counter()
    for _ in range(N):
        store.add_interaction(
            Interaction(str(uuid.uuid4()), "s1", date(2026, 3, 1), {"format": "phone"}, datetime.now(UTC))
        )
    return N / (time.perf_counter() - started)


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = SqliteStore(Path(tmp) / "bench.db")
        rate = _writes_per_second(sqlite)
        sqlite.close()
    return [
        {
            "name": "sqlite durable interaction writes",
            "value": round(rate),
            "unit": "per s",
            "target": "informative",
            "note": "synchronous=FULL, WAL, one transaction per write",
        }
    ]
