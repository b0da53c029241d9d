"""An acknowledged SQLite write survives ``kill -9`` of the writing process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from shared.store.sqlite import SqliteStore

WRITER = """
import sys, uuid
from datetime import UTC, date, datetime
from shared.records import Interaction
from shared.store.sqlite import SqliteStore
store = SqliteStore(sys.argv[1])
while True:
    item = Interaction(str(uuid.uuid4()), "s1", date(2026, 3, 1), {"format": "phone"}, datetime.now(UTC))
    store.add_interaction(item)
    print(item.id, flush=True)  # acknowledged: the commit returned
"""


def test_acknowledged_writes_survive_kill_9(tmp_path: Path):
    db = tmp_path / "durable.db"
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    acknowledged = []
    assert proc.stdout is not None
    while len(acknowledged) < 200:
        line = proc.stdout.readline()
        assert line, "the writer stopped early"
        acknowledged.append(line.strip())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = SqliteStore(db)
    try:
        for interaction_id in acknowledged:
            assert store.get_interaction(interaction_id) is not None
    finally:
        store.close()


def test_a_store_from_before_case_blind_aliases_is_keyed_on_opening(tmp_path):
    """Rows written when the alias column held the alias as given are keyed, so "alice" finds
    "Alice" and cannot be added beside her."""
    import sqlite3

    from shared.records import Supporter
    from shared.store.port import AlreadyExists
    from shared.store.sqlite import SqliteStore

    path = tmp_path / "old.db"
    SqliteStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO supporters (id, alias, doc) VALUES ('id-a', 'Alice', ?)",
            (
                '{"id": "id-a", "alias": "Alice", "email": null, "version": 1, "active": true, "created_on": null}',
            ),
        )
    store = SqliteStore(path)
    assert store.find_supporter("alice") == Supporter("id-a", "Alice", None)
    with pytest.raises(AlreadyExists):
        store.add_supporter(Supporter("id-b", "ALICE", None))
    store.close()
