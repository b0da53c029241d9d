"""Files only the service reads (issue 13 item 6): the SQLite store with its -wal and -shm files
0600, the data and outbox folders 0700, whatever the umask; older, looser ones are tightened."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared import config
from shared.mail import Message, OutboxMailer
from shared.records import Survey
from shared.store.sqlite import SqliteStore


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # the usual default, which gave 0644 files and 0755 folders
    try:
        yield
    finally:
        os.umask(previous)


def test_store_files_and_folders_are_the_owners_alone(tmp_path: Path, loose_umask):
    data = tmp_path / ".data"
    settings = config.load({}, base=tmp_path)  # generates the key into a new data folder
    store = SqliteStore(data / "sidebyside.db")
    store.add_survey(Survey(id="y2026"))
    db = data / "sidebyside.db"
    present = [p for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists()]
    assert [p.name for p in present] == ["sidebyside.db", "sidebyside.db-wal", "sidebyside.db-shm"]
    assert {p.name: mode(p) for p in present} == {p.name: 0o600 for p in present}
    assert mode(data) == 0o700 and not (data / "secret_key").exists()  # the key lives elsewhere
    assert mode(config.key_file(data, {})) == 0o600
    store.close()

    OutboxMailer(settings.mail.path, settings.mail_from).send(
        Message(to=("coord@example.org",), subject="s", text="t")
    )
    outbox = Path(settings.mail.path)
    assert mode(outbox) == 0o700
    assert {mode(p) for p in outbox.iterdir()} == {0o600}


def test_files_left_loose_by_an_older_version_are_tightened(tmp_path: Path, loose_umask):
    data = tmp_path / ".data"
    data.mkdir(mode=0o755)
    db = data / "sidebyside.db"
    SqliteStore(db).close()
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        path.touch()
        os.chmod(path, 0o644)
    os.chmod(data, 0o755)
    config.load({}, base=tmp_path)
    SqliteStore(db).close()
    assert mode(data) == 0o700
    assert {mode(p) for p in data.iterdir() if p.name.startswith("sidebyside.db")} == {0o600}
