"""Unlinkability, attacked with everything stored: issue links and invitations, answer in a known
order through the function, then read every table (SQLite) or collection (Firestore) and try to
join an answer to its link, invitation or address. Each attempt must fail:

(a) no answer row holds, or contains, a token, link hash, address key, address or redemption value,
    and no other record holds an answer id;
(b) answers are stored and returned in the order of their random ids, not of their arrival
    (until released, an answer is a sealed box: see tests/test_answer_release.py);
(c) an answer's only time is its day (a date);
(d) the application logs hold no token, hash or address.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from shared.services import links, release
from shared.store import firestore as firestore_adapter
from shared.store.sqlite import SqliteStore
from tests.conftest import REAL_STORES
from tests.test_survey_links import issue, new_survey, today

# The attacks read the SQLite file and the Firestore documents themselves.
pytestmark = pytest.mark.stores(*REAL_STORES)

ADDRESSES = [f"student{n}@example.org" for n in range(4)]
PER_SURVEY = 12
K = 5  # the default small-cell threshold: the daily release keeps this many sealed
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
COLLECTION = re.compile(r'(?:_col|_get|_query|_pages)\(\s*"([a-z_]+)"')
TIME = re.compile(r"\d{2}:\d{2}|T\d{2}|\d{10,}")  # clock times, ISO datetimes, epoch numbers


def dump(store: Any) -> dict[str, list[dict[str, Any]]]:
    """Every stored record, table by table (or collection by collection), in stored order."""
    if isinstance(store, SqliteStore):
        db = sqlite3.connect(store.path)
        db.row_factory = sqlite3.Row
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        out = {name: [dict(row) for row in db.execute(f'SELECT * FROM "{name}"')] for name in names}
        db.close()
        return out
    # Every collection the adapter writes, read from its source (the emulator cannot list them).
    names = sorted(set(COLLECTION.findall(Path(firestore_adapter.__file__).read_text())))
    assert {"answers", "links", "redemptions", "surveys"} <= set(names)
    out = {}
    for name in names:
        out[name] = [{"__id__": snap.id, **snap.to_dict()} for snap in store.client.collection(name).stream()]
    return out


def text_of(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, default=str)


@pytest.fixture
def scenario(app, client_for, caplog):
    """Three surveys, each with anonymous links and invitations, answered in a known order."""
    caplog.set_level(logging.DEBUG)
    client = client_for("survey")
    secrets_: set[str] = set()
    hashes: dict[tuple[str, int], str] = {}
    for survey_id in ("y1", "y2", "y3"):
        new_survey(app, survey_id)
        tokens = issue(app, survey_id, PER_SURVEY - len(ADDRESSES))
        run = links.invite(app.store, app.settings, app.mailer, survey_id, ADDRESSES, today(app))
        assert run.sent == len(ADDRESSES)
        for address in ADDRESSES:
            tokens.append(links.invitation_token(app.settings.secret_key, survey_id, address))
            secrets_.update({address, address.split("@")[0]})
            secrets_.add(links.email_key(app.settings.secret_key, survey_id, address))
        secrets_.update(tokens)
        secrets_.update(links.token_hash(t) for t in tokens)
        hashes.update({(survey_id, n): links.token_hash(t) for n, t in enumerate(tokens)})
        for n, token in enumerate(tokens):  # submission order n = 0, 1, 2, ...
            if n % 2:
                response = client.post(f"/{token}", json={"suggestions": f"answer number {n}"})
                assert response.status_code == 201
            else:
                response = client.post(f"/{token}", data={"suggestions": f"answer number {n}"})
                assert response.status_code == 303
        links.remind(app.store, app.settings, app.mailer, survey_id, ADDRESSES, today(app))
    release.release_pending(app.store, app.settings, today(app))  # 7 of each survey's 12 released
    return {"secrets": secrets_, "hashes": hashes, "logs": caplog}


def test_no_stored_value_joins_an_answer_to_its_link_or_address(app, scenario):
    tables = dump(app.store)
    answers = tables.pop("answers")
    assert len(answers) == 3 * (PER_SURVEY - K)
    sealed = tables["sealed_answers"]
    assert len(sealed) == 3 * K
    # A sealed answer is its random id, its survey and the box: nothing readable besides.
    assert {key for row in sealed for key in row} - {"__id__"} == {"id", "survey_id", "box"}
    assert not [row for row in sealed if b"answer number" in bytes(row["box"])]
    others = [row for rows in tables.values() for row in rows]
    assert others, "the links and redemptions are there to attack"
    redemption_values = {
        str(value) for row in tables["redemptions"] for key, value in row.items() if key != "survey_id"
    }
    assert redemption_values  # the redemption hashes
    forbidden = scenario["secrets"] | redemption_values
    for row in answers:
        text = text_of(row)
        assert not [s for s in forbidden if s in text], row
        # An answer holds its random id, its survey, its day and the answers: nothing else.
        assert set(row) - {"__id__"} == {"id", "survey_id", "day", "answers"}
    answer_ids = {row["id"] for row in answers}
    for row in others:
        assert not [a for a in answer_ids if a in text_of(row)], row
    # A redemption holds the link hash and the survey id, never an answer id.
    assert {key for row in tables["redemptions"] for key in row} - {"__id__"} == {"hash", "survey_id"}


def test_answers_are_kept_in_random_id_order_not_arrival_order(app, scenario):
    answers = dump(app.store)["answers"]
    if isinstance(app.store, SqliteStore):
        # The table's own order (a scan without ORDER BY) is the random ids' order.
        assert [r["id"] for r in answers] == sorted(r["id"] for r in answers)
    else:
        # Firestore lists a collection by document id, and the id is the random answer id. (The
        # npm emulator lists in insertion order instead, so its raw listing proves nothing here;
        # Firestore's create_time metadata is the caveat noted in the README.)
        assert all(r["__id__"] == r["id"] for r in answers)
    orders = []
    for survey_id in ("y1", "y2", "y3"):
        returned = list(app.store.iter_answers(survey_id))
        assert [a.id for a in returned] == sorted(a.id for a in returned)
        orders.append([int(a.answers["suggestions"].split()[-1]) for a in returned])
    # Three runs of the same arrival order: the released orders are shuffles, and differ.
    # (A leak would give arrival order every time; chance gives it with p = 1/5040 per run.)
    assert any(order != sorted(order) for order in orders)
    assert len({tuple(order) for order in orders}) > 1
    if isinstance(app.store, SqliteStore):
        db = sqlite3.connect(app.store.path)
        for table in ("answers", "redemptions", "links"):
            with pytest.raises(sqlite3.OperationalError, match="no such column"):
                db.execute(f"SELECT rowid FROM {table}")
        db.close()


def test_an_answer_records_the_day_and_no_finer_time(app, scenario):
    for row in dump(app.store)["answers"]:
        assert DAY.fullmatch(row["day"]) and row["day"] == today(app).isoformat()
        answers = row["answers"] if isinstance(row["answers"], dict) else json.loads(row["answers"])
        assert not TIME.search(json.dumps(answers)), row
    for link in dump(app.store)["links"]:
        for key in ("invited_on", "reminded_on"):
            value = (json.loads(link["doc"]) if "doc" in link else link).get(key)
            assert value is None or DAY.fullmatch(value)


def test_no_token_hash_or_address_reaches_the_logs(app, scenario):
    records = scenario["logs"].records
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in records)
    assert not [s for s in scenario["secrets"] if s in logged]


def test_the_whole_store_holds_no_token_and_no_address(app, scenario):
    if isinstance(app.store, SqliteStore):  # the file's bytes, WAL included, not only its rows
        paths = [Path(app.store.path), Path(app.store.path + "-wal")]
        raw = b"".join(p.read_bytes() for p in paths if p.exists())
    else:  # every document of every collection, ids included
        raw = json.dumps(dump(app.store), default=str).encode()
    tokens = {s for s in scenario["secrets"] if links.is_token(s)}
    assert len(tokens) == 3 * PER_SURVEY
    assert not [t for t in tokens if t.encode() in raw]
    assert not [a for a in ADDRESSES if a.encode() in raw]
    assert links.token_hash(sorted(tokens)[0]).encode() in raw  # the hashes are there, as expected


# Attacks on what the store keeps besides its rows (WAL frames replayed commit by commit, page
# layout, the -shm, Firestore's create and update times, concurrent maintenance) are in
# tests/test_answer_release.py.


def test_after_the_purge_no_link_hash_or_address_key_is_left(app, scenario):
    for survey_id in ("y1", "y2", "y3"):
        links.purge(app.store, app.settings, survey_id, today(app))
    if isinstance(app.store, SqliteStore):  # the bytes of the file and its WAL, free pages included
        paths = [Path(app.store.path), Path(app.store.path + "-wal")]
        raw = b"".join(p.read_bytes() for p in paths if p.exists())
    else:
        raw = json.dumps(dump(app.store), default=str).encode()
    assert sum(app.store.count_answers(s) for s in ("y1", "y2", "y3")) == 3 * PER_SURVEY
    left = [s for s in scenario["secrets"] if not links.is_token(s) and s.encode() in raw]
    assert left == [], f"{len(left)} hashes or keys still readable after the purge"
