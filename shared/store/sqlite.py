"""SQLite adapter: the embedded default (stdlib ``sqlite3``, WAL, durable commits).

One connection per thread. Every write runs in ``BEGIN IMMEDIATE`` so concurrent writers
queue instead of failing, and ``synchronous=FULL`` makes an acknowledged commit survive
``kill -9`` and power loss. Redemptions, sealed answers and answers live in ``WITHOUT ROWID``
tables keyed by random values; answers arrive only in release batches, never beside their
redemption (``shared/services/release.py``), and a purge leaves no byte of the deleted rows in
the file or its WAL.
"""

from __future__ import annotations

import json
import os
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from shared import tally
from shared.records import (
    Alert,
    AlertAck,
    Answer,
    AuditEntry,
    Claim,
    ConsoleSession,
    Coordinator,
    FollowUp,
    Interaction,
    Link,
    SealedAnswer,
    SignInToken,
    Supporter,
    Survey,
    alias_key,
)
from shared.store import legacy
from shared.store.codec import audit_key, from_doc, stamp, to_doc
from shared.store.port import (
    RELEASE_MAX,
    AlreadyExists,
    FollowUpChange,
    LastCoordinator,
    NotFound,
    Store,
    Unavailable,
    same_record,
    takes_links,
)

# supporters.alias holds alias_key(alias) (the alias as shown is in the doc): UNIQUE is case-blind.
SCHEMA = """
CREATE TABLE IF NOT EXISTS supporters (
    id TEXT PRIMARY KEY, alias TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS interactions (
    id TEXT PRIMARY KEY, supporter_id TEXT NOT NULL, occurred_on TEXT NOT NULL,
    created_at TEXT NOT NULL, answers TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS interactions_by_day ON interactions (occurred_on, id);
CREATE INDEX IF NOT EXISTS interactions_by_supporter ON interactions (supporter_id, occurred_on);
CREATE INDEX IF NOT EXISTS interactions_latest ON interactions (supporter_id, created_at);
CREATE TABLE IF NOT EXISTS follow_ups (
    id TEXT PRIMARY KEY, supporter_id TEXT NOT NULL, state TEXT NOT NULL, due TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS follow_ups_by_supporter ON follow_ups (supporter_id, due, id);
CREATE INDEX IF NOT EXISTS follow_ups_by_due ON follow_ups (due, id);
CREATE INDEX IF NOT EXISTS follow_ups_by_done_by ON follow_ups (json_extract(doc, '$.done_by'));
CREATE TABLE IF NOT EXISTS alerts (id TEXT PRIMARY KEY, state TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS alerts_by_state ON alerts (state);
CREATE TABLE IF NOT EXISTS surveys (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS links (
    hash TEXT PRIMARY KEY, survey_id TEXT NOT NULL, email_key TEXT, doc TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS links_by_survey ON links (survey_id, hash);
CREATE TABLE IF NOT EXISTS redemptions (hash TEXT PRIMARY KEY, survey_id TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS redemptions_by_survey ON redemptions (survey_id);
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY, survey_id TEXT NOT NULL, day TEXT NOT NULL, answers TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS answers_by_survey ON answers (survey_id, id);
CREATE TABLE IF NOT EXISTS sealed_answers (
    id TEXT PRIMARY KEY, survey_id TEXT NOT NULL, box BLOB NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sealed_by_survey ON sealed_answers (survey_id, id);
CREATE TABLE IF NOT EXISTS claims (
    job TEXT NOT NULL, key TEXT NOT NULL, finished_at TEXT, doc TEXT NOT NULL,
    PRIMARY KEY (job, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS claims_by_finish ON claims (job, finished_at);
CREATE TABLE IF NOT EXISTS coordinators (email TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sign_in_tokens (hash TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS console_sessions (
    hash TEXT PRIMARY KEY, email TEXT NOT NULL, doc TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS console_sessions_by_email ON console_sessions (email);
CREATE TABLE IF NOT EXISTS audit (key TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alert_acks (alert_id TEXT PRIMARY KEY, at TEXT NOT NULL, doc TEXT NOT NULL);
"""
# A database made before claims has, besides, report_runs and report_claims (copied into claims
# and dropped on opening: SqliteStore._adopt_runs), and a claimed_at column in alerts (unused).

PAGE = 1000
GROUP = 256  # most writes committed together in one transaction
ID_SLICE = 500  # most ids asked for in one statement
T = TypeVar("T")


class _Job:
    """One queued write and, once committed, its outcome."""

    __slots__ = ("done", "error", "outside", "result", "work")

    def __init__(self, work: Callable[[sqlite3.Connection], Any], outside: bool = False) -> None:
        self.work = work
        self.outside = outside  # run outside any transaction (VACUUM, checkpoints)
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = threading.Event()

    def finish(self, error: BaseException | None = None) -> None:
        self.error = error or self.error
        self.done.set()


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _private_files(path: Path) -> None:
    """Make the database readable by its owner only, before SQLite opens it.

    SQLite creates the ``-wal`` and ``-shm`` files with the database file's permissions, so a
    0600 database gives 0600 companions; ones left by an older version are tightened too. A
    folder created here is 0700 (an existing one is the data folder's, see ``shared.config``).
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        if name.exists():
            os.chmod(name, 0o600)


class SqliteStore(Store):
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        try:
            _private_files(Path(self.path))
            self._db().executescript(f"BEGIN IMMEDIATE;{SCHEMA}COMMIT;")
            self._key_aliases()
            self._adopt_runs()
        except (OSError, sqlite3.Error) as exc:
            raise Unavailable(f"cannot open the SQLite store at {self.path}: {exc}") from exc

    def _key_aliases(self) -> None:
        """Rows written before aliases were compared case-blind hold the alias itself: key them
        (two that differ only in case stay as they are, each still found by its exact alias)."""
        db = self._db()
        for supporter_id, column, doc in db.execute("SELECT id, alias, doc FROM supporters").fetchall():
            key = alias_key(json.loads(doc)["alias"])
            if column != key:
                try:
                    db.execute("UPDATE supporters SET alias = ? WHERE id = ?", (key, supporter_id))
                except sqlite3.IntegrityError:
                    pass

    def _adopt_runs(self) -> None:
        """A database from before claims kept its scheduled work in ``report_runs`` (and the
        attempts claimed in ``report_claims``): copy each run into claims as the claim that says
        the same (``shared/store/legacy.py``), then drop both tables, in one transaction, so a
        report sent before the upgrade is not sent again."""
        db = self._db()
        exists = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'report_runs'"
        if db.execute(exists).fetchone() is None:
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            if db.execute(exists).fetchone() is not None:  # not adopted by another process meanwhile
                for period, doc in db.execute("SELECT period, doc FROM report_runs").fetchall():
                    claim = legacy.claim_from_run(*legacy.split_run_id(period), json.loads(doc))
                    db.execute(
                        "INSERT OR IGNORE INTO claims (job, key, finished_at, doc) VALUES (?, ?, ?, ?)",
                        self._claim_row(claim),
                    )
                db.execute("DROP TABLE report_runs")
                db.execute("DROP TABLE IF EXISTS report_claims")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    # -- connection handling ------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA busy_timeout=30000")
        db.execute("PRAGMA secure_delete=ON")  # deleted links and keys are zeroed, not left in free pages
        return db

    def _db(self) -> sqlite3.Connection:
        """This thread's connection for reads."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._connect()
            self._local.db = db
            with self._lock:
                self._all.append(db)
        return db

    def _write(self, work: Callable[[sqlite3.Connection], T], outside: bool = False) -> T:
        """Run ``work`` atomically and durably; return its result once committed.

        Writes go through one writer thread that commits whatever is queued in a single
        transaction (group commit: one fsync for many writes), each job in a savepoint of its
        own, so one job's failure (a duplicate, say) rolls back only that job.
        """
        job = _Job(work, outside)
        with self._lock:
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(target=self._write_loop, name="sqlite-writer", daemon=True)
                self._writer.start()
            self._queue.put(job)
        job.done.wait()
        if job.error is not None:
            raise job.error
        return job.result

    def _write_loop(self) -> None:
        db = self._connect()
        try:
            while True:
                first = self._queue.get()
                if first is None:
                    return
                if first.outside:
                    self._alone(db, first)
                    continue
                batch = [first]
                while len(batch) < GROUP:
                    try:
                        job = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if job is None or job.outside:
                        self._queue.put(job)  # after this batch (puts it behind later jobs: fine)
                        break
                    batch.append(job)
                self._commit(db, batch)
        finally:
            db.close()

    @staticmethod
    def _alone(db: sqlite3.Connection, job: _Job) -> None:
        try:
            job.result = job.work(db)
        except sqlite3.OperationalError as exc:
            job.error = Unavailable(f"the SQLite store could not finish maintenance: {exc}")
        except Exception as exc:
            job.error = exc
        job.finish()

    @staticmethod
    def _commit(db: sqlite3.Connection, batch: list[_Job]) -> None:
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            for job in batch:
                job.finish(error=Unavailable(f"the SQLite store is busy: {exc}"))
            return
        for job in batch:
            db.execute("SAVEPOINT job")
            try:
                job.result = job.work(db)
            except sqlite3.IntegrityError as exc:
                job.error = AlreadyExists(str(exc))
            except sqlite3.OperationalError as exc:
                job.error = Unavailable(f"the SQLite store could not write: {exc}")
            except Exception as exc:  # the port's own errors (NotFound) and bugs travel to the caller
                job.error = exc
            if job.error is not None:
                db.execute("ROLLBACK TO job")
            db.execute("RELEASE job")
        try:
            db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            db.execute("ROLLBACK")
            for job in batch:
                job.error = job.error or Unavailable(f"the SQLite store could not commit: {exc}")
        for job in batch:
            job.finish()

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        try:
            return self._db().execute(sql, tuple(params)).fetchall()
        except sqlite3.OperationalError as exc:
            raise Unavailable(f"the SQLite store could not be read: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            if self._writer is not None and self._writer.is_alive():
                self._queue.put(None)
                self._writer.join(timeout=10)
            self._writer = None
            for db in self._all:
                db.close()
            self._all.clear()
        self._local = threading.local()

    # -- supporters ---------------------------------------------------------
    def add_supporter(self, supporter: Supporter) -> None:
        def work(db: sqlite3.Connection) -> Any:
            db.execute(
                "INSERT INTO supporters (id, alias, doc) VALUES (?, ?, ?)",
                (supporter.id, alias_key(supporter.alias), _dump(to_doc(supporter))),
            )

        self._write(work)

    def get_supporter(self, supporter_id: str) -> Supporter | None:
        rows = self._read("SELECT doc FROM supporters WHERE id = ?", (supporter_id,))
        return from_doc(Supporter, json.loads(rows[0][0])) if rows else None

    def find_supporter(self, alias: str) -> Supporter | None:
        rows = self._read(
            "SELECT doc FROM supporters WHERE alias IN (?, ?) ORDER BY alias = ? DESC",
            (alias_key(alias), alias, alias_key(alias)),
        )
        return from_doc(Supporter, json.loads(rows[0][0])) if rows else None

    def list_supporters(self) -> list[Supporter]:
        rows = self._read("SELECT doc FROM supporters ORDER BY alias")
        return [from_doc(Supporter, json.loads(r[0])) for r in rows]

    def update_supporter(self, before: Supporter, after: Supporter) -> bool:
        same_record(before, after, "id", "alias")  # a new alias is rename_supporter's (its column moves)
        return self._write(lambda db: _swap(db, "supporters", "id", before, after))

    def rename_supporter(self, supporter_id: str, alias: str) -> None:
        def work(db: sqlite3.Connection) -> Any:
            row = db.execute("SELECT doc FROM supporters WHERE id = ?", (supporter_id,)).fetchone()
            if row is None:
                raise NotFound(f"no supporter {supporter_id}")
            doc = {**json.loads(row[0]), "alias": alias}
            db.execute(
                "UPDATE supporters SET alias = ?, doc = ? WHERE id = ?",
                (alias_key(alias), _dump(doc), supporter_id),
            )

        self._write(work)

    # -- interactions -------------------------------------------------------
    @staticmethod
    def _insert_interaction(db: sqlite3.Connection, item: Interaction, verb: str = "INSERT") -> int:
        doc = to_doc(item)
        cur = db.execute(
            f"{verb} INTO interactions (id, supporter_id, occurred_on, created_at, answers)"
            " VALUES (?, ?, ?, ?, ?)",
            (item.id, item.supporter_id, doc["occurred_on"], doc["created_at"], _dump(item.answers)),
        )
        return cur.rowcount

    def add_interaction(
        self,
        interaction: Interaction,
        alert: Alert | None = None,
        *,
        plans: FollowUp | None = None,
        ends: FollowUp | None = None,
    ) -> None:
        def work(db: sqlite3.Connection) -> Any:
            self._insert_interaction(db, interaction)
            if alert is not None:
                self._insert_alert(db, alert)
            if ends is not None and not self._swap_follow_up(db, ends.reopened(), ends):
                raise AlreadyExists(f"follow-up {ends.id} was ended before")  # the savepoint rolls back
            if plans is not None:
                db.execute(
                    "INSERT INTO follow_ups (id, supporter_id, state, due, doc) VALUES (?, ?, ?, ?, ?)",
                    (plans.id, plans.supporter_id, plans.state, plans.due.isoformat(), _dump(to_doc(plans))),
                )

        self._write(work)

    # -- follow-ups -----------------------------------------------------------
    @staticmethod
    def _swap_follow_up(db: sqlite3.Connection, before: FollowUp | None, after: FollowUp | None) -> bool:
        """Write ``after`` (None: delete) if the stored follow-up is ``before`` (None: absent).
        Read and written in the one writer's transaction, so nothing comes between."""
        key = (before or after).id  # type: ignore[union-attr]  # one of them is given
        row = db.execute("SELECT doc FROM follow_ups WHERE id = ?", (key,)).fetchone()
        if (from_doc(FollowUp, json.loads(row[0])) if row else None) != before:
            return False
        if after is None:
            db.execute("DELETE FROM follow_ups WHERE id = ?", (key,))
        else:
            db.execute(
                "INSERT OR REPLACE INTO follow_ups (id, supporter_id, state, due, doc) VALUES (?, ?, ?, ?, ?)",
                (key, after.supporter_id, after.state, after.due.isoformat(), _dump(to_doc(after))),
            )
        return True

    def get_follow_up(self, follow_up_id: str) -> FollowUp | None:
        rows = self._read("SELECT doc FROM follow_ups WHERE id = ?", (follow_up_id,))
        return from_doc(FollowUp, json.loads(rows[0][0])) if rows else None

    def follow_ups(
        self,
        supporter_id: str | None = None,
        *,
        open_only: bool = False,
        due_from: date | None = None,
        due_to: date | None = None,
    ) -> list[FollowUp]:
        where, params = [], []
        if supporter_id is not None:
            where.append("supporter_id = ?")
            params.append(supporter_id)
        if open_only:
            where.append("state = 'open'")
        if due_from is not None:
            where.append("due >= ?")
            params.append(due_from.isoformat())
        if due_to is not None:
            where.append("due <= ?")
            params.append(due_to.isoformat())
        sql = (
            "SELECT doc FROM follow_ups"
            + (f" WHERE {' AND '.join(where)}" if where else "")
            + " ORDER BY due, id"
        )
        return [from_doc(FollowUp, json.loads(r[0])) for r in self._read(sql, params)]

    def change_follow_up(self, before: FollowUp, after: FollowUp | None) -> bool:
        return self._write(lambda db: self._swap_follow_up(db, before, after))

    def follow_up_done_by(self, interaction_id: str) -> FollowUp | None:
        rows = self._read(
            "SELECT doc FROM follow_ups WHERE json_extract(doc, '$.done_by') = ? ORDER BY id LIMIT 1",
            (interaction_id,),
        )
        return from_doc(FollowUp, json.loads(rows[0][0])) if rows else None

    def add_interactions(self, interactions: list[Interaction]) -> int:
        def work(db: sqlite3.Connection) -> Any:
            return sum(self._insert_interaction(db, i, "INSERT OR IGNORE") for i in interactions)

        return self._write(work)

    @staticmethod
    def _interaction(row: sqlite3.Row | tuple) -> Interaction:
        id_, supporter_id, occurred_on, created_at, answers = row
        return Interaction(
            id=id_,
            supporter_id=supporter_id,
            occurred_on=date.fromisoformat(occurred_on),
            created_at=datetime.fromisoformat(created_at),
            answers=json.loads(answers),
        )

    _COLS = "id, supporter_id, occurred_on, created_at, answers"

    def get_interaction(self, interaction_id: str) -> Interaction | None:
        rows = self._read(f"SELECT {self._COLS} FROM interactions WHERE id = ?", (interaction_id,))
        return self._interaction(rows[0]) if rows else None

    def get_interactions(self, interaction_ids: Iterable[str]) -> dict[str, Interaction]:
        wanted = sorted(set(interaction_ids))
        found: dict[str, Interaction] = {}
        # SQLite caps the parameters of one statement (999 before 3.32), so ask in slices.
        for k in range(0, len(wanted), ID_SLICE):
            part = wanted[k : k + ID_SLICE]
            marks = ", ".join("?" * len(part))
            for row in self._read(f"SELECT {self._COLS} FROM interactions WHERE id IN ({marks})", part):
                found[row[0]] = self._interaction(row)
        return found

    def iter_interactions(self, start: date, end: date) -> Iterator[Interaction]:
        last = (start.isoformat(), "")
        while True:
            rows = self._read(
                f"SELECT {self._COLS} FROM interactions WHERE (occurred_on, id) > (?, ?) AND occurred_on <= ?"
                " ORDER BY occurred_on, id LIMIT ?",
                (*last, end.isoformat(), PAGE),
            )
            for row in rows:
                yield self._interaction(row)
            if len(rows) < PAGE:
                return
            last = (rows[-1][2], rows[-1][0])

    def iter_interaction_answers(self, start: date, end: date) -> Iterator[tuple[str, str, dict[str, Any]]]:
        last = (start.isoformat(), "")
        loads = json.loads
        while True:
            rows = self._read(
                "SELECT occurred_on, supporter_id, answers, id FROM interactions"
                " WHERE (occurred_on, id) > (?, ?) AND occurred_on <= ? ORDER BY occurred_on, id LIMIT ?",
                (*last, end.isoformat(), PAGE),
            )
            for occurred_on, supporter_id, answers, _ in rows:
                yield occurred_on, supporter_id, loads(answers)
            if len(rows) < PAGE:
                return
            last = (rows[-1][0], rows[-1][3])

    def interaction_tallies(self, start: date, end: date) -> Iterator[tuple[str, str, dict[str, Any], int]]:
        # Counted on reading: SQLite reads a year of interactions in a fraction of a second, and
        # no second table can drift from the first.
        yield from tally.recount(self.iter_interaction_answers(start, end))

    def interaction_tallies_built(self) -> bool:
        return True  # counted on reading: there is no tally to build

    def rebuild_interaction_tallies(self) -> int:
        return int(self._read("SELECT count(*) FROM interactions")[0][0])

    def supporter_activity(self, supporter_id: str, since: date) -> tuple[int, Interaction | None]:
        count = self._read(
            "SELECT count(*) FROM interactions WHERE supporter_id = ? AND occurred_on >= ?",
            (supporter_id, since.isoformat()),
        )[0][0]
        rows = self._read(
            f"SELECT {self._COLS} FROM interactions WHERE supporter_id = ? ORDER BY created_at DESC LIMIT 1",
            (supporter_id,),
        )
        return count, (self._interaction(rows[0]) if rows else None)

    def last_interaction_date(self, supporter_id: str) -> date | None:
        rows = self._read("SELECT max(occurred_on) FROM interactions WHERE supporter_id = ?", (supporter_id,))
        return date.fromisoformat(rows[0][0]) if rows and rows[0][0] else None

    def latest_interactions(self, supporter_id: str, limit: int) -> list[Interaction]:
        rows = self._read(
            f"SELECT {self._COLS} FROM interactions WHERE supporter_id = ?"
            " ORDER BY created_at DESC, id DESC LIMIT ?",
            (supporter_id, limit),
        )
        return [self._interaction(row) for row in rows]

    def change_interaction(
        self,
        before: Interaction,
        after: Interaction | None,
        alert: Alert | None = None,
        *,
        follow_ups: Sequence[FollowUpChange] = (),
    ) -> None:
        # The tally is counted on reading here, so there is nothing else to keep in step.

        def work(db: sqlite3.Connection) -> Any:
            rows = db.execute(f"SELECT {self._COLS} FROM interactions WHERE id = ?", (before.id,)).fetchall()
            if not rows or self._interaction(rows[0]) != before:
                raise NotFound(f"interaction {before.id} is not stored as it was read")
            db.execute("DELETE FROM interactions WHERE id = ?", (before.id,))
            if after is not None:
                self._insert_interaction(db, after)
            if alert is not None:
                self._insert_alert(db, alert)
            for was, becomes in follow_ups:
                if not self._swap_follow_up(db, was, becomes):
                    raise NotFound("a follow-up changed while it was being corrected")  # rolled back

        self._write(work)

    # -- alerts -------------------------------------------------------------
    @staticmethod
    def _insert_alert(db: sqlite3.Connection, alert: Alert) -> None:
        db.execute(
            "INSERT INTO alerts (id, state, doc) VALUES (?, ?, ?)",
            (alert.id, alert.state, _dump(to_doc(alert))),
        )

    def pending_alerts(self) -> list[Alert]:
        # Not only 'pending': an alert stored before claims may say 'sending'.
        rows = self._read("SELECT doc FROM alerts WHERE state != 'sent' ORDER BY id")
        return [from_doc(Alert, json.loads(r[0])) for r in rows]

    def mark_alerts_sent(self, alert_ids: list[str]) -> None:
        def work(db: sqlite3.Connection) -> None:
            for alert_id in alert_ids:
                row = db.execute("SELECT doc FROM alerts WHERE id = ?", (alert_id,)).fetchone()
                if row is None:
                    raise NotFound(f"no alert {alert_id}")
                doc = {**json.loads(row[0]), "state": "sent"}
                db.execute("UPDATE alerts SET state = 'sent', doc = ? WHERE id = ?", (_dump(doc), alert_id))

        self._write(work)

    # -- surveys ------------------------------------------------------------
    def add_survey(self, survey: Survey) -> None:
        def work(db: sqlite3.Connection) -> Any:
            db.execute("INSERT INTO surveys (id, doc) VALUES (?, ?)", (survey.id, _dump(to_doc(survey))))

        self._write(work)

    def get_survey(self, survey_id: str) -> Survey | None:
        rows = self._read("SELECT doc FROM surveys WHERE id = ?", (survey_id,))
        return from_doc(Survey, json.loads(rows[0][0])) if rows else None

    def list_surveys(self) -> list[Survey]:
        return [from_doc(Survey, json.loads(r[0])) for r in self._read("SELECT doc FROM surveys ORDER BY id")]

    def update_survey(self, before: Survey, after: Survey) -> bool:
        same_record(before, after, "id")
        return self._write(lambda db: _swap(db, "surveys", "id", before, after))

    def delete_survey(self, survey_id: str) -> bool:
        def work(db: sqlite3.Connection) -> bool:
            if db.execute("SELECT 1 FROM surveys WHERE id = ?", (survey_id,)).fetchone() is None:
                raise NotFound(f"no survey {survey_id}")
            for table in ("answers", "sealed_answers"):
                if db.execute(f"SELECT 1 FROM {table} WHERE survey_id = ? LIMIT 1", (survey_id,)).fetchone():
                    return False
            db.execute("DELETE FROM links WHERE survey_id = ?", (survey_id,))
            db.execute("DELETE FROM redemptions WHERE survey_id = ?", (survey_id,))
            db.execute("DELETE FROM surveys WHERE id = ?", (survey_id,))
            return True

        return self._write(work)

    def add_links(self, survey_id: str, links: list[Link]) -> bool:
        # Checked and written in the write transaction: a close committed before is seen here.
        def work(db: sqlite3.Connection) -> bool:
            row = db.execute("SELECT doc FROM surveys WHERE id = ?", (survey_id,)).fetchone()
            if row is None:
                raise NotFound(f"no survey {survey_id}")
            if not takes_links(from_doc(Survey, json.loads(row[0]))):
                return False
            db.executemany(
                "INSERT INTO links (hash, survey_id, email_key, doc) VALUES (?, ?, ?, ?)",
                [(link.hash, survey_id, link.email_key, _dump(to_doc(link))) for link in links],
            )
            doc = json.loads(row[0])
            doc["links_issued"] = doc.get("links_issued", 0) + len(links)
            db.execute("UPDATE surveys SET doc = ? WHERE id = ?", (_dump(doc), survey_id))
            return True

        return self._write(work)

    def get_link(self, link_hash: str) -> Link | None:
        rows = self._read("SELECT doc FROM links WHERE hash = ?", (link_hash,))
        return from_doc(Link, json.loads(rows[0][0])) if rows else None

    def is_redeemed(self, link_hash: str) -> bool:
        return bool(self._read("SELECT 1 FROM redemptions WHERE hash = ?", (link_hash,)))

    def invitations(self, survey_id: str) -> list[Link]:
        rows = self._read(
            "SELECT doc FROM links WHERE survey_id = ? AND email_key IS NOT NULL ORDER BY hash", (survey_id,)
        )
        return [from_doc(Link, json.loads(r[0])) for r in rows]

    def mark_reminded(self, link_hashes: Iterable[str], day: date) -> int:
        def work(db: sqlite3.Connection) -> int:
            marked = 0
            for link_hash in link_hashes:
                row = db.execute("SELECT doc FROM links WHERE hash = ?", (link_hash,)).fetchone()
                if row is not None:
                    doc = {**json.loads(row[0]), "reminded_on": day.isoformat()}
                    db.execute("UPDATE links SET doc = ? WHERE hash = ?", (_dump(doc), link_hash))
                    marked += 1
            return marked

        return self._write(work)

    def redeem(self, link_hash: str, sealed: SealedAnswer) -> None:
        def work(db: sqlite3.Connection) -> Any:
            db.execute(
                "INSERT INTO redemptions (hash, survey_id) VALUES (?, ?)", (link_hash, sealed.survey_id)
            )
            db.execute(
                "INSERT INTO sealed_answers (id, survey_id, box) VALUES (?, ?, ?)",
                (sealed.id, sealed.survey_id, sealed.box),
            )

        self._write(work)

    def sealed_answers(self, survey_id: str) -> list[SealedAnswer]:
        rows = self._read("SELECT id, box FROM sealed_answers WHERE survey_id = ? ORDER BY id", (survey_id,))
        return [SealedAnswer(id_, survey_id, bytes(box)) for id_, box in rows]

    def count_sealed(self, survey_id: str) -> int:
        return self._read("SELECT count(*) FROM sealed_answers WHERE survey_id = ?", (survey_id,))[0][0]

    def release_answers(self, sealed_ids: list[str], answers: list[Answer]) -> None:
        if len(sealed_ids) > RELEASE_MAX or len(answers) > RELEASE_MAX:
            raise ValueError(f"at most {RELEASE_MAX} answers per release")

        def work(db: sqlite3.Connection) -> Any:
            for sealed_id in sealed_ids:
                if db.execute("DELETE FROM sealed_answers WHERE id = ?", (sealed_id,)).rowcount != 1:
                    raise NotFound(f"sealed answer {sealed_id} was already released")
            for answer in sorted(answers, key=lambda a: a.id):  # cells in the (keyed) ids' order
                if not self._insert_answer(db, answer, "INSERT OR IGNORE"):
                    raise NotFound(f"answer {answer.id} was already released")

        self._write(work)
        # The WAL still holds the page images with the boxes (and, frame by frame, when each
        # arrived); a truncating checkpoint copies the pages home and empties it. Best effort:
        # the boxes are sealed, and the next release or the purge tries again.
        try:
            self._write(self._truncate_wal, outside=True)
        except Unavailable:
            pass

    @staticmethod
    def _insert_answer(db: sqlite3.Connection, answer: Answer, verb: str = "INSERT") -> int:
        return db.execute(
            f"{verb} INTO answers (id, survey_id, day, answers) VALUES (?, ?, ?, ?)",
            (answer.id, answer.survey_id, answer.day.isoformat(), _dump(answer.answers)),
        ).rowcount

    def add_answers(self, survey: Survey, answers: list[Answer]) -> int:
        if any(answer.survey_id != survey.id for answer in answers):
            raise ValueError(f"add_answers takes answers of survey {survey.id} only")

        # Compared, stored and counted in the write transaction: no other writer between.
        def work(db: sqlite3.Connection) -> int:
            row = db.execute("SELECT doc FROM surveys WHERE id = ?", (survey.id,)).fetchone()
            if row is None or from_doc(Survey, json.loads(row[0])) != survey:
                raise NotFound(f"survey {survey.id} is not stored as it was read")
            added = sum(self._insert_answer(db, a, "INSERT OR IGNORE") for a in answers)
            if added:
                doc = {**json.loads(row[0]), "answers_imported": survey.answers_imported + added}
                db.execute("UPDATE surveys SET doc = ? WHERE id = ?", (_dump(doc), survey.id))
            return added

        return self._write(work)

    def iter_answers(self, survey_id: str) -> Iterator[Answer]:
        # A connection of its own, in one read transaction: every page comes from one snapshot,
        # so a release committed meanwhile shows whole or not at all. Closing it ends the read.
        db = self._connect()
        try:
            db.execute("BEGIN")
            last = ""
            while True:
                try:
                    rows = db.execute(
                        "SELECT id, day, answers FROM answers WHERE survey_id = ? AND id > ? ORDER BY id LIMIT ?",
                        (survey_id, last, PAGE),
                    ).fetchall()
                except sqlite3.OperationalError as exc:
                    raise Unavailable(f"the SQLite store could not be read: {exc}") from exc
                for id_, day, answers in rows:
                    yield Answer(id_, survey_id, date.fromisoformat(day), json.loads(answers))
                if len(rows) < PAGE:
                    return
                last = rows[-1][0]
        finally:
            db.close()

    def count_answers(self, survey_id: str) -> int:
        return self._read("SELECT count(*) FROM answers WHERE survey_id = ?", (survey_id,))[0][0]

    def purge_links(self, survey_id: str) -> int:
        def work(db: sqlite3.Connection) -> Any:
            count = db.execute("DELETE FROM links WHERE survey_id = ?", (survey_id,)).rowcount
            db.execute("DELETE FROM redemptions WHERE survey_id = ?", (survey_id,))
            return count

        def compact(db: sqlite3.Connection) -> None:
            # secure_delete zeroed the rows in place; VACUUM rebuilds every table in key order
            # (random ids, hashes), forgetting the layout that followed arrival, and the
            # truncating checkpoint empties the WAL that still held the deleted rows.
            db.execute("VACUUM")
            if not self._truncate_wal(db):
                raise Unavailable("a reader kept the SQLite WAL from being emptied; purge again")

        count = self._write(work)
        self._write(compact, outside=True)
        return count

    @staticmethod
    def _truncate_wal(db: sqlite3.Connection) -> bool:
        """Checkpoint every WAL frame into the database and empty the WAL; False when a reader
        still needed an older frame (the WAL then keeps it)."""
        busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return not busy

    # -- claimed work -------------------------------------------------------
    @staticmethod
    def _claim_row(claim: Claim) -> tuple[str, str, str | None, str]:
        finished = stamp(claim.finished_at) if claim.finished_at is not None else None
        return claim.job, claim.key, finished, _dump(to_doc(claim))

    def claim(
        self, job: str, key: str, now: datetime, stale_before: datetime, *, redo: bool = False
    ) -> Claim | None:
        # Read and written in one write transaction (BEGIN IMMEDIATE): no other writer between.
        def work(db: sqlite3.Connection) -> Claim | None:
            row = db.execute("SELECT doc FROM claims WHERE job = ? AND key = ?", (job, key)).fetchone()
            if row is None:
                mine = Claim(job, key, now)
            else:
                held = from_doc(Claim, json.loads(row[0]))
                if not held.takeable(stale_before, redo):
                    return None
                mine = held.taken(now)
            db.execute(
                "INSERT OR REPLACE INTO claims (job, key, finished_at, doc) VALUES (?, ?, ?, ?)",
                self._claim_row(mine),
            )
            return mine

        return self._write(work)

    def finish_claim(
        self,
        claim: Claim,
        now: datetime,
        *,
        error: str | None = None,
        retry_at: datetime | None = None,
        note: str = "",
    ) -> Claim:
        # Read and written in one write transaction, as claim() is: no other writer between.
        def work(db: sqlite3.Connection) -> Claim:
            row = db.execute(
                "SELECT doc FROM claims WHERE job = ? AND key = ?", (claim.job, claim.key)
            ).fetchone()
            stored = from_doc(Claim, json.loads(row[0])) if row is not None else None
            finished = claim.finish_over(stored, now, error, retry_at, note)
            if finished is None:
                return stored  # type: ignore[return-value]  # None only when there was one
            db.execute(
                "INSERT OR REPLACE INTO claims (job, key, finished_at, doc) VALUES (?, ?, ?, ?)",
                self._claim_row(finished),
            )
            return finished

        return self._write(work)

    def get_claim(self, job: str, key: str) -> Claim | None:
        rows = self._read("SELECT doc FROM claims WHERE job = ? AND key = ?", (job, key))
        return from_doc(Claim, json.loads(rows[0][0])) if rows else None

    def purge_claims(self, job: str, finished_before: datetime) -> int:
        def work(db: sqlite3.Connection) -> int:
            return db.execute(
                "DELETE FROM claims WHERE job = ? AND finished_at < ?", (job, stamp(finished_before))
            ).rowcount

        return self._write(work)

    # -- the coordinators' console --------------------------------------------
    def add_coordinator(self, coordinator: Coordinator) -> None:
        doc = _dump(to_doc(coordinator))
        self._write(lambda db: db.execute("INSERT INTO coordinators VALUES (?, ?)", (coordinator.email, doc)))

    def get_coordinator(self, email: str) -> Coordinator | None:
        rows = self._read("SELECT doc FROM coordinators WHERE email = ?", (email,))
        return from_doc(Coordinator, json.loads(rows[0][0])) if rows else None

    def list_coordinators(self) -> list[Coordinator]:
        rows = self._read("SELECT doc FROM coordinators ORDER BY email")
        return [from_doc(Coordinator, json.loads(r[0])) for r in rows]

    def update_coordinator(
        self, before: Coordinator, after: Coordinator, *, keep_a_coordinator: bool = False
    ) -> bool:
        same_record(before, after, "email")

        def work(db: sqlite3.Connection) -> bool:
            if not _swap(db, "coordinators", "email", before, after):
                return False
            if keep_a_coordinator and before.role == "coordinator":  # as stored: _swap compared it
                _keep_a_coordinator(db)  # in the same transaction
            return True

        return self._write(work)

    def remove_coordinator(self, email: str, *, keep_a_coordinator: bool = False) -> bool:
        def work(db: sqlite3.Connection) -> bool:
            db.execute("DELETE FROM console_sessions WHERE email = ?", (email,))
            row = db.execute("SELECT doc FROM coordinators WHERE email = ?", (email,)).fetchone()
            if row is None:
                return False
            db.execute("DELETE FROM coordinators WHERE email = ?", (email,))
            if keep_a_coordinator and json.loads(row[0]).get("role") == "coordinator":
                _keep_a_coordinator(db)
            return True

        return self._write(work)

    def add_sign_in_token(self, token: SignInToken) -> None:
        doc = _dump(to_doc(token))
        self._write(lambda db: db.execute("INSERT INTO sign_in_tokens VALUES (?, ?)", (token.hash, doc)))

    def use_sign_in_token(self, token_hash: str, now: datetime) -> SignInToken | None:
        def work(db: sqlite3.Connection) -> SignInToken | None:
            row = db.execute("SELECT doc FROM sign_in_tokens WHERE hash = ?", (token_hash,)).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM sign_in_tokens WHERE hash = ?", (token_hash,))
            token = from_doc(SignInToken, json.loads(row[0]))
            return token if token.expires_at > now else None

        return self._write(work)

    def add_session(self, session: ConsoleSession) -> None:
        doc = _dump(to_doc(session))
        self._write(
            lambda db: db.execute(
                "INSERT INTO console_sessions VALUES (?, ?, ?)", (session.hash, session.email, doc)
            )
        )

    def get_session(self, session_hash: str) -> ConsoleSession | None:
        rows = self._read("SELECT doc FROM console_sessions WHERE hash = ?", (session_hash,))
        return from_doc(ConsoleSession, json.loads(rows[0][0])) if rows else None

    def touch_session(self, session_hash: str, seen_at: datetime) -> None:
        def work(db: sqlite3.Connection) -> Any:
            row = db.execute("SELECT doc FROM console_sessions WHERE hash = ?", (session_hash,)).fetchone()
            if row is not None:
                touched = replace(from_doc(ConsoleSession, json.loads(row[0])), seen_at=seen_at)
                db.execute(
                    "UPDATE console_sessions SET doc = ? WHERE hash = ?",
                    (_dump(to_doc(touched)), session_hash),
                )

        self._write(work)

    def delete_session(self, session_hash: str) -> None:
        self._write(lambda db: db.execute("DELETE FROM console_sessions WHERE hash = ?", (session_hash,)))

    def purge_sign_ins(self, now: datetime, seen_before: datetime, created_before: datetime) -> int:
        def work(db: sqlite3.Connection) -> int:
            tokens = [
                h
                for h, doc in db.execute("SELECT hash, doc FROM sign_in_tokens")
                if from_doc(SignInToken, json.loads(doc)).expires_at <= now
            ]
            sessions = [
                h
                for h, doc in db.execute("SELECT hash, doc FROM console_sessions")
                if (lambda s: s.seen_at < seen_before or s.created_at < created_before)(
                    from_doc(ConsoleSession, json.loads(doc))
                )
            ]
            db.executemany("DELETE FROM sign_in_tokens WHERE hash = ?", [(h,) for h in tokens])
            db.executemany("DELETE FROM console_sessions WHERE hash = ?", [(h,) for h in sessions])
            return len(tokens) + len(sessions)

        return self._write(work)

    def add_audit(self, entry: AuditEntry) -> None:
        key, doc = audit_key(entry), _dump(to_doc(entry))
        self._write(lambda db: db.execute("INSERT INTO audit VALUES (?, ?)", (key, doc)))

    def iter_audit(self, since: datetime, until: datetime) -> Iterator[AuditEntry]:
        last, high = stamp(since), stamp(until)
        while True:
            rows = self._read(
                "SELECT key, doc FROM audit WHERE key >= ? AND key < ? ORDER BY key LIMIT ?",
                (last, high, PAGE),
            )
            for _, doc in rows:
                yield from_doc(AuditEntry, json.loads(doc))
            if len(rows) < PAGE:
                return
            last = rows[-1][0] + "\x00"  # just after the last key seen

    def alerts_since(self, since: datetime) -> list[Alert]:
        rows = self._read("SELECT doc FROM alerts")
        found = (from_doc(Alert, json.loads(r[0])) for r in rows)
        return sorted((a for a in found if a.created_at >= since), key=lambda a: (a.created_at, a.id))

    def acknowledge_alert(self, ack: AlertAck) -> None:
        doc = to_doc(ack)
        self._write(
            lambda db: db.execute(
                "INSERT INTO alert_acks VALUES (?, ?, ?)", (ack.alert_id, stamp(ack.at), _dump(doc))
            )
        )

    def alert_acks_since(self, since: datetime) -> list[AlertAck]:
        rows = self._read("SELECT doc FROM alert_acks WHERE at >= ? ORDER BY at", (stamp(since),))
        return [from_doc(AlertAck, json.loads(r[0])) for r in rows]


def _swap(db: sqlite3.Connection, table: str, key: str, before: Any, after: Any) -> bool:
    """Write ``after`` over the row of ``table`` keyed ``key`` if it is stored as the record
    ``before`` (compare and set, in the writer's transaction: no other writer between); False,
    writing nothing, when it is not; NotFound when there is no row."""
    value = getattr(before, key)
    row = db.execute(f"SELECT doc FROM {table} WHERE {key} = ?", (value,)).fetchone()
    if row is None:
        raise NotFound(f"no {table} {value!r}")
    if from_doc(type(before), json.loads(row[0])) != before:
        return False
    db.execute(f"UPDATE {table} SET doc = ? WHERE {key} = ?", (_dump(to_doc(after)), value))
    return True


def _keep_a_coordinator(db: sqlite3.Connection) -> None:
    """Raise (rolling the job back) when no stored record has the coordinator role."""
    roles = (json.loads(row[0]).get("role") for row in db.execute("SELECT doc FROM coordinators"))
    if "coordinator" not in roles:
        raise LastCoordinator("no coordinator would be left")
