"""Copies of the store pair nothing: the attacks of issue 13 item 2, on both stores.

The attacker holds a copy of every file of the SQLite store (database, ``-wal``, ``-shm``,
``-journal``) taken after *every* write, or every Firestore document with its create and
update times, but not the secret key. They replay each copy's WAL commit by commit, read
page layouts and timestamps, and follow each link's redemption to the commit that wrote it,
the sealed box written beside it, the commit that released that box, and the answers that
commit stored. The answers so reached are the candidates for that link: there must always be
at least ``k`` (the small-cell threshold), and the true answer among them (else the attack
model, not the store, would be wrong). Today's answers-with-redemptions design gives one
candidate per link.

Also: two overlapping maintenance runs store each answer once; readers see each answer
exactly once while releases run; a manual purge releases on both stores; after the purge
no byte of a link hash or a sealed box is left in the files.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from shared.errors import Conflict
from shared.forms import load_form
from shared.records import Link
from shared.services import links, release, sealing, surveys
from shared.store.port import RELEASE_MAX
from shared.store.sqlite import SqliteStore
from tests.conftest import REAL_STORES
from tests.test_survey_links import new_survey, today

pytestmark = pytest.mark.stores(*REAL_STORES)

K = 5  # the default SIDEBYSIDE_SMALL_CELL
SUBMITTED = 23  # released as 7 (daily, 12 waiting, 5 kept), 11 (daily, 16 waiting), 5 (purge)
WAL_HEADER, FRAME_HEADER = 32, 24


@dataclass(frozen=True)
class State:
    """What one copy of the store shows, at one commit."""

    redemptions: frozenset[str]
    boxes: frozenset[str]
    answers: frozenset[str]


# -- reading copies -----------------------------------------------------------------------------


def _state_of(db_path: Path) -> State:
    db = sqlite3.connect(db_path)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def column(sql: str, table: str) -> frozenset[str]:
        return frozenset(r[0] for r in db.execute(sql)) if table in tables else frozenset()

    try:
        return State(
            column("SELECT hash FROM redemptions", "redemptions"),
            column("SELECT id FROM sealed_answers", "sealed_answers"),
            column("SELECT id FROM answers", "answers"),
        )
    finally:
        db.close()


def wal_commits(wal: bytes) -> list[int]:
    """Byte lengths of the WAL at each of its valid commits (frames whose salts match the header)."""
    if len(wal) < WAL_HEADER:
        return []
    page_size = int.from_bytes(wal[8:12], "big")
    salts = wal[16:24]
    ends = []
    offset = WAL_HEADER
    while offset + FRAME_HEADER + page_size <= len(wal):
        header = wal[offset : offset + FRAME_HEADER]
        if header[8:16] != salts:
            break  # a frame of an earlier WAL generation: SQLite ignores it, and so do we
        offset += FRAME_HEADER + page_size
        if int.from_bytes(header[4:8], "big"):  # "database size after commit": a commit frame
            ends.append(offset)
    return ends


def replay(copy: Path, work: Path) -> list[State]:
    """The store as of each commit in a copy: the database alone, then each WAL commit in turn."""
    db, wal = copy / "store.db", (copy / "store.db-wal")
    raw_wal = wal.read_bytes() if wal.exists() else b""
    states = []
    for end in [0, *wal_commits(raw_wal)]:
        target = work / f"replay-{end}"
        target.mkdir()
        shutil.copy(db, target / "store.db")
        if end:
            (target / "store.db-wal").write_bytes(raw_wal[:end])  # no -shm: SQLite rebuilds the index
        states.append(_state_of(target / "store.db"))
        shutil.rmtree(target)
    return states


def candidates(timeline: list[State]) -> dict[str, set[str]]:
    """For each redemption, the answers a copy-holder can narrow its answer down to.

    Its box is whatever box appeared in the same commit; the box's answer is one of those that
    appeared in the commit where the box disappeared.
    """
    boxes_of: dict[str, set[str]] = {}
    answers_of_box: dict[str, set[str]] = {}
    for before, after in zip(timeline, timeline[1:], strict=False):
        new_boxes = after.boxes - before.boxes
        for redemption in after.redemptions - before.redemptions:
            boxes_of.setdefault(redemption, set()).update(new_boxes)
        for box in before.boxes - after.boxes:
            answers_of_box.setdefault(box, set()).update(after.answers - before.answers)
    return {r: set().union(*(answers_of_box.get(b, set()) for b in boxes)) for r, boxes in boxes_of.items()}


# -- the scenario -------------------------------------------------------------------------------


class Observed:
    """The store, with ``snapshot`` called after each of its writes: a copy at every commit."""

    WRITES = frozenset(
        {"add_survey", "add_links", "update_survey", "redeem", "release_answers", "purge_links"}
    )

    def __init__(self, store: Any, snapshot: Callable[[], None]) -> None:
        self._store, self._snapshot = store, snapshot

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if name not in self.WRITES:
            return attribute

        def write(*args: Any, **kwargs: Any) -> Any:
            try:
                return attribute(*args, **kwargs)
            finally:
                self._snapshot()

        return write


def run_scenario(app: Any, snapshot: Callable[[], None]) -> dict[str, str]:
    """Issue links, answer them one by one, run the daily release twice and purge, calling
    ``snapshot`` after every write. Returns link hash -> the answer id it truly gave."""
    store = Observed(app.store, snapshot)
    surveys.create_survey(store, "y1", today=today(app))
    tokens = [
        url.rsplit("/", 1)[1] for url in links.issue_links(store, app.settings, "y1", SUBMITTED, today(app))
    ]
    key, day = app.settings.secret_key, today(app)
    truth: dict[str, str] = {}
    for n, token in enumerate(tokens):
        before = {b.id for b in store.sealed_answers("y1")}
        surveys.submit_answer(store, token, {"suggestions": f"answer number {n}"}, "en", day, key)
        [box] = [b.id for b in store.sealed_answers("y1") if b.id not in before]
        truth[links.token_hash(token)] = sealing.released_id(key, box)
        if n + 1 in (12, SUBMITTED):
            release.release_pending(store, app.settings, day)
    assert store.count_answers("y1") == 7 + 11 and store.count_sealed("y1") == K
    links.purge(store, app.settings, "y1", day)
    assert store.count_answers("y1") == SUBMITTED and store.count_sealed("y1") == 0
    return truth


def _copy_files(store: SqliteStore, into: Path) -> None:
    into.mkdir()
    for suffix in ("", "-wal", "-shm", "-journal"):
        source = Path(store.path + suffix)
        if source.exists():
            shutil.copy(source, into / ("store.db" + suffix))


def _firestore_state(store: Any) -> State:
    def ids(name: str) -> frozenset[str]:
        return frozenset(snap.id for snap in store.client.collection(name).stream())

    return State(ids("redemptions"), ids("sealed_answers"), ids("answers"))


def check_candidates(found: dict[str, set[str]], truth: dict[str, str]) -> None:
    assert set(found) == set(truth), "every redemption was seen arriving"
    sizes = sorted(len(found[h]) for h in truth)
    assert all(truth[h] in found[h] for h in truth), "the attack follows each answer (or it proves nothing)"
    assert sizes[0] >= K, f"a copy narrows some link's answer down to {sizes[0]} of them: {sizes}"


# -- the attacks --------------------------------------------------------------------------------


@pytest.mark.timeout(120)
def test_a_copy_after_every_commit_narrows_no_answer_below_k(app, tmp_path):
    if isinstance(app.store, SqliteStore):
        copies: list[Path] = []

        def snapshot() -> None:
            copies.append(tmp_path / f"copy-{len(copies):03d}")
            _copy_files(app.store, copies[-1])

        truth = run_scenario(app, snapshot)
        work = tmp_path / "work"
        work.mkdir()
        timeline = [state for copy in copies for state in replay(copy, work)]
        # Replays really see commits one by one: every redemption shows up in a state of its own.
        assert len({s.redemptions for s in timeline}) >= SUBMITTED
    else:
        timeline = []
        truth = run_scenario(app, lambda: timeline.append(_firestore_state(app.store)))
    check_candidates(candidates(timeline), truth)


@pytest.mark.stores("firestore")
def test_firestore_times_pair_nothing(app):
    """Create and update times: a redemption shares its commit time with its sealed box only,
    and answers share theirs with at least k - 1 others (their release batch)."""
    seen: dict[str, Any] = {}

    def snapshot() -> None:  # what a copy at each moment keeps of the boxes before they go
        for snap in app.store.client.collection("sealed_answers").stream():
            seen[snap.id] = snap.create_time

    truth = run_scenario(app, snapshot)
    redemptions = {s.id: s.create_time for s in app.store.client.collection("redemptions").stream()}
    answers = list(app.store.client.collection("answers").stream())
    assert len(answers) == SUBMITTED and not redemptions  # purged
    times = [a.create_time for a in answers]
    assert all(a.update_time == a.create_time for a in answers)
    batches = sorted(times.count(t) for t in set(times))
    assert batches[0] >= K, batches
    assert not set(times) & set(seen.values()), "no answer was written in a redemption's commit"
    assert len(seen) == len(truth)


@pytest.mark.stores("sqlite")
def test_page_layout_does_not_order_a_release_by_arrival(app, tmp_path):
    """Within a release, answers are written in the order of their keyed ids: pairing a batch's
    answers with its boxes by cell position (page order) gets chance-level results."""
    truth = run_scenario(app, lambda: None)
    raw = Path(app.store.path).read_bytes()
    arrival = list(truth)  # redemption (link hash) order = submission order
    ids = [truth[h] for h in arrival]
    by_position = sorted(ids, key=lambda a: raw.find(a.encode()))
    assert all(raw.find(a.encode()) >= 0 for a in ids)
    right = sum(a == b for a, b in zip(by_position, ids, strict=True))
    # A leak pairs all 23; chance about 1 per batch (3 batches). Bound far above chance.
    assert right < SUBMITTED // 2, f"{right} of {SUBMITTED} answers are in arrival order"


def shm_pages(shm: bytes) -> list[int]:
    """The page number the -shm's WAL index lists for each frame of the current WAL (SQLite's
    wal.c: two 48-byte headers and a 40-byte checkpoint record, then one native-endian u32 per
    frame; the frame count, mxFrame, is at byte 16 of the header)."""
    frames = int.from_bytes(shm[16:20], "little")
    return [int.from_bytes(shm[136 + 4 * i : 140 + 4 * i], "little") for i in range(min(frames, 4062))]


def tables_per_commit(copy: Path, work: Path) -> list[set[str]]:
    """For each WAL commit in a copy, the tables and indexes whose pages it wrote (each page
    named as of that commit, by SQLite's dbstat on the replayed copy)."""
    raw = (copy / "store.db-wal").read_bytes() if (copy / "store.db-wal").exists() else b""
    out, start = [], WAL_HEADER
    for end in wal_commits(raw):
        target = work / f"pages-{end}"
        target.mkdir()
        shutil.copy(copy / "store.db", target / "store.db")
        (target / "store.db-wal").write_bytes(raw[:end])
        db = sqlite3.connect(target / "store.db")
        names = {page: name for name, page in db.execute("SELECT name, pageno FROM dbstat")}
        size = db.execute("PRAGMA page_size").fetchone()[0]
        db.close()
        shutil.rmtree(target)
        pages = [int.from_bytes(raw[o : o + 4], "big") for o in range(start, end, FRAME_HEADER + size)]
        out.append({names.get(page, "free") for page in pages})
        start = end
    return out


@pytest.mark.stores("sqlite")
def test_wal_and_shm_frames_never_write_an_answer_with_a_redemption(app, tmp_path):
    """The -shm lists the page each WAL frame wrote, in order, and keeps listing earlier frames
    after a checkpoint. What it lists for the current WAL is the WAL's own frame list (checked
    here), and earlier frames were in earlier copies' WALs, all replayed: no commit writes a
    page of the answers together with a page of the redemptions, so adjacency pairs nothing."""
    copies: list[Path] = []

    def snapshot() -> None:
        copies.append(tmp_path / f"copy-{len(copies):03d}")
        _copy_files(app.store, copies[-1])

    run_scenario(app, snapshot)
    work = tmp_path / "work"
    work.mkdir()
    commits = together = shm_checked = 0
    for copy in copies:
        wal, shm = copy / "store.db-wal", copy / "store.db-shm"
        if wal.exists() and shm.exists() and wal.stat().st_size:
            raw = wal.read_bytes()
            size = int.from_bytes(raw[8:12], "big")
            listed = shm_pages(shm.read_bytes())
            framed = [
                int.from_bytes(raw[o : o + 4], "big")
                for o in range(WAL_HEADER, len(raw), FRAME_HEADER + size)
            ]
            assert listed == framed[: len(listed)]
            shm_checked += 1
        for written in tables_per_commit(copy, work):
            commits += 1
            if "sqlite_schema" in written:
                continue  # creating the tables, or the purge's VACUUM: every table at once
            if written & {"answers", "answers_by_survey"} and written & {
                "redemptions",
                "redemptions_by_survey",
            }:
                together += 1
    assert shm_checked and commits >= SUBMITTED  # there were frames to read
    assert together == 0, f"{together} commits wrote an answer and a redemption"


def test_after_the_purge_no_box_or_link_hash_is_left_even_for_the_key_holder(app, tmp_path):
    boxes: list[bytes] = []
    truth = run_scenario(app, lambda: boxes.extend(b.box for b in app.store.sealed_answers("y1")))
    if isinstance(app.store, SqliteStore):
        raw = b"".join(
            Path(app.store.path + s).read_bytes()
            for s in ("", "-wal", "-shm", "-journal")
            if Path(app.store.path + s).exists()
        )
    else:
        raw = json.dumps(
            {
                name: [s.to_dict() for s in app.store.client.collection(name).stream()]
                for name in ("sealed_answers", "redemptions", "links")
            },
            default=repr,
        ).encode()
    assert boxes and not [b for b in boxes if b[20:52] in raw], "a sealed box survived the purge"
    assert not [h for h in truth if h.encode() in raw], "a link hash survived the purge"


# -- maintenance under repeats, concurrency and readers -----------------------------------------


def _redeem_many(app: Any, survey_id: str, count: int) -> None:
    hashes = [f"{survey_id}-{n:04d}" for n in range(count)]
    app.store.add_links(survey_id, [Link(h, survey_id) for h in hashes])
    for n, link_hash in enumerate(hashes):
        app.store.redeem(link_hash, sealing.seal(app.settings.secret_key, survey_id, {"n": n}))


@pytest.mark.timeout(180)
def test_overlapping_releases_and_purges_store_each_answer_once(app):
    new_survey(app, "big")
    count = 600
    _redeem_many(app, "big", count)
    day = today(app)
    errors: list[BaseException] = []

    def run(job: Callable[[], Any]) -> None:
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    jobs = [lambda: release.release_pending(app.store, app.settings, day)] * 3
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert app.store.count_answers("big") == count - K and app.store.count_sealed("big") == K
    purges = [
        threading.Thread(target=run, args=(lambda: links.purge(app.store, app.settings, "big", day),))
        for _ in range(2)
    ]
    for t in purges:
        t.start()
    for t in purges:
        t.join()
    assert errors == []
    links.purge(app.store, app.settings, "big", day)  # Cloud Scheduler's retry: harmless
    release.release_pending(app.store, app.settings, day)
    stored = [a.answers["n"] for a in app.store.iter_answers("big")]
    assert sorted(stored) == list(range(count))  # each once: none lost, none doubled
    assert app.store.count_answers("big") == count and app.store.count_sealed("big") == 0


@pytest.mark.timeout(180)
def test_readers_see_each_answer_once_while_releases_run(app):
    new_survey(app, "big")
    count = 700
    _redeem_many(app, "big", count)
    day = today(app)
    done = threading.Event()
    reads: list[list[str]] = []
    present_before: list[set[str]] = []

    def reader() -> None:
        while not done.is_set():
            # Answers are only ever added: whatever an earlier read saw is there before this one.
            present_before.append(set(reads[-1]) if reads else set())
            reads.append([a.id for a in app.store.iter_answers("big")])

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        release.release_pending(app.store, app.settings, day)
        links.purge(app.store, app.settings, "big", day)
    finally:
        done.set()
        thread.join()
    assert reads
    for before, read in zip(present_before, reads, strict=True):
        assert len(read) == len(set(read)), "an answer was read twice"
        assert before <= set(read), "an answer present before the read was missed"
        assert len(read) <= count
    assert app.store.count_answers("big") == count


# -- what the boxes show ------------------------------------------------------------------------


def test_every_box_has_one_size_for_any_answer_the_form_accepts():
    """The largest answer the shipped survey form accepts still fits one padded box, so a box's
    size says nothing of its answer (and the small answers are padded up to it)."""
    form = load_form("end_of_year_survey")
    longest: dict[str, Any] = {}  # more than any valid answer: every choice, the longest texts
    for field in form.fields(frozenset({surveys.K10})):
        every = [choice.id for choice in field.choices]
        if field.rows:
            longest[field.id] = {row.id: every for row in field.rows}
        elif every:
            longest[field.id] = every
        else:  # text: at most max_length characters, 4 bytes each in UTF-8
            longest[field.id] = "\U0001f600" * (field.max_length or 0)
    assert any(isinstance(v, str) and len(v) >= 1000 for v in longest.values())
    big = sealing.seal("k" * 32, "y", longest)
    small = sealing.seal("k" * 32, "y", {})
    assert len(big.box) == len(small.box) == sealing.NONCE + sealing.PAD + 16
    assert sealing.unseal("k" * 32, big) == longest
    with pytest.raises(sealing.Unsealable):
        sealing.unseal("another key of 32 characters ...", big)


# -- what coordinators see ----------------------------------------------------------------------


def test_status_and_report_count_released_answers_and_say_how_many_wait(app):
    from shared.report.build import ReportRequest, build_report

    new_survey(app, "y1")
    _redeem_many(app, "y1", 2 * K - 1)  # one short of a release that keeps K back
    day = today(app)
    assert release.release_pending(app.store, app.settings, day)["y1"].released == 0
    status = surveys.status(app.store, app.store.get_survey("y1"), day).as_dict()
    assert (status["answers"], status["pending"]) == (0, 2 * K - 1)
    app.store.add_links("y1", [Link("last", "y1")])
    app.store.redeem("last", sealing.seal(app.settings.secret_key, "y1", {"n": 99}))
    assert release.release_pending(app.store, app.settings, day)["y1"].released == K
    status = surveys.status(app.store, app.store.get_survey("y1"), day).as_dict()
    assert (status["answers"], status["pending"]) == (K, K)
    survey = build_report(app.store, app.settings, ReportRequest(survey_id="y1"), today=day).survey
    assert (survey.answers, survey.pending) == (K, K)
    assert survey.notes[0].startswith(f"{K} more answers sealed, waiting to be released")


def test_answers_under_another_key_stay_sealed_and_hold_the_purge(app):
    from dataclasses import replace

    new_survey(app, "y1")
    _redeem_many(app, "y1", 3)
    other = replace(app.settings, secret_key="a different secret key, 32 chars")
    with pytest.raises(Conflict, match="3 answers of survey 'y1' are still sealed, 3 of them under another"):
        links.purge(app.store, other, "y1", today(app))
    assert app.store.count_sealed("y1") == 3 and app.store.count_answers("y1") == 0
    assert app.store.get_survey("y1").purged_on is None  # the links wait for the right key
    survey, _ = links.purge(app.store, app.settings, "y1", today(app))
    assert survey.purged_on == today(app) and app.store.count_answers("y1") == 3


def test_batches_hold_at_least_k_and_fit_one_commit():
    assert release.batch_sizes(0, K) == []
    assert release.batch_sizes(7, K) == [7]
    assert release.batch_sizes(RELEASE_MAX + 1, K) == [RELEASE_MAX // 2 + 1, RELEASE_MAX // 2]
    for count in range(K, 3 * RELEASE_MAX):
        sizes = release.batch_sizes(count, K)
        assert sum(sizes) == count and min(sizes) >= K and max(sizes) <= RELEASE_MAX


def test_before_any_release_the_summary_and_key_figures_say_answers_wait(app):
    """Trial 2 item 5: "0 students answered the survey (0.0% ...)" and "This survey has no answers
    yet" while the dashboard said 11 answers were waiting to be released."""
    from shared.report import summary, tables
    from shared.report.build import ReportRequest, build_report

    new_survey(app, "y1")
    _redeem_many(app, "y1", 2 * K - 1)  # fewer than a release needs: all of them wait
    for lang in ("en", "fr"):
        report = build_report(
            app.store, app.settings, ReportRequest(survey_id="y1"), today=today(app), lang=lang
        )
        text = " ".join(summary.sentences(report))
        figures = dict(tables.summary(report))
        if lang == "en":
            assert (
                f"No answers have been released yet: {2 * K - 1} answers are waiting to be released." in text
            )
            assert "answered the survey" not in text
            assert figures["Survey answers"] == f"0 released, {2 * K - 1} more waiting to be released"
            assert figures["Response rate"].endswith("links issued (released answers only)")
            assert "This survey has no answers yet." not in report.survey.notes
            assert "No answers have been released yet." in report.survey.notes
        else:
            assert (
                f"Aucune réponse n’a encore été publiée\u00a0: {2 * K - 1} réponses sont en attente de publication."
                in text
            )
            assert "Aucune réponse n’a encore été publiée." in report.survey.notes
    # Once some are released, the rest are still said to wait.
    app.store.add_links("y1", [Link("last", "y1")])
    app.store.redeem("last", sealing.seal(app.settings.secret_key, "y1", {"n": 99}))
    release.release_pending(app.store, app.settings, today(app))
    report = build_report(app.store, app.settings, ReportRequest(survey_id="y1"), today=today(app))
    sentences = summary.sentences(report)
    assert sentences[0].startswith(f"{K} students answered the survey (")
    assert sentences[1] == f"{K} more answers are waiting to be released."
