"""Nothing doubled: 50 clients posting the same submission at the same moment store one
record (and one alert, mailed once). Each thread has its own functions-framework test client."""

# Fixtures are imported by name from tests/test_log_support.py; pytest injects them as arguments.
# ruff: noqa: F811

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import REAL_STORES
from tests.test_log_support import alerts, answers, post_json, sam, stored  # noqa: F401  (fixtures)

# Concurrent writers against the real adapters: SQLite's writer queue, Firestore's preconditions.
pytestmark = pytest.mark.stores(*REAL_STORES)

CLIENTS = 50


def test_50_concurrent_repeats_store_exactly_one(client_for, sam, outbox):
    key = str(uuid.uuid4())
    data = answers(concern_level="urgent")
    clients = [client_for("log_interaction") for _ in range(CLIENTS)]
    start = threading.Barrier(CLIENTS)

    def post(client):
        start.wait()  # all 50 requests leave together
        response = post_json(client, sam.token, data, key)
        return response.status_code, response.json

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(post, clients))

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * (CLIENTS - 1) + [201]
    assert {body["id"] for _, body in results} == {key}
    assert sorted(body["duplicate"] for _, body in results) == [False] + [True] * (CLIENTS - 1)
    [record] = stored()
    assert (record.id, record.supporter_id, record.answers) == (key, sam.id, data)
    assert len(outbox.messages()) == 1  # one urgent alert, mailed once
    assert alerts() == []


def test_50_concurrent_distinct_submissions_all_land(client_for, sam):
    keys = [str(uuid.uuid4()) for _ in range(CLIENTS)]
    clients = [client_for("log_interaction") for _ in range(CLIENTS)]
    start = threading.Barrier(CLIENTS)

    def post(pair):
        client, key = pair
        start.wait()
        return post_json(client, sam.token, answers(), key).status_code

    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(pool.map(post, zip(clients, keys, strict=True)))

    assert statuses == [201] * CLIENTS
    assert sorted(r.id for r in stored()) == sorted(keys)
