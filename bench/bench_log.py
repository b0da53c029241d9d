"""The interaction log's latency, measured in one run:

- p50/p99 latency of ``POST /log_interaction/`` from 50 concurrent Python clients, each
  opening a new connection per request, against the real local server on SQLite;
- the same writes straight into the store, without HTTP.

Page weight is in bench_pages.py (on the wire, in Chromium), cold start in bench_coldstart.py,
throughput against the floor app in bench_throughput.py.
"""

from __future__ import annotations

import http.client
import json
import logging
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from bench._server import served

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 50
POSTS_PER_CLIENT = 20

ANSWERS = {
    "format": "phone",
    "initiated_by": "student",
    "duration_minutes": 20,
    "topics": ["academic"],
    "concern_level": "some",
    "referral": "none",
    "follow_up_planned": False,
    "note": "Benchmark.",
}


@contextmanager
def local_server() -> Iterator[tuple[str, str]]:
    """The whole local app on a loopback port with a fresh SQLite store; yields (url, token)."""
    from shared import bootstrap, config
    from shared.services import supporters
    from shared.store.sqlite import SqliteStore

    # The development server logs every URL, and log URLs carry tokens: keep it quiet here.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "SIDEBYSIDE_SECRET_KEY": "bench-secret-key-0123456789abcdef",
            "SIDEBYSIDE_DATA_DIR": tmp,
            "SIDEBYSIDE_STORE": f"sqlite:///{tmp}/bench.db",
            "SIDEBYSIDE_MAIL": f"outbox:{tmp}/outbox",
        }
        settings = config.load(env, base=Path(tmp))
        store = SqliteStore(settings.store.path)
        bootstrap.configure(settings=settings, store=store)
        issued = supporters.add_supporter(store, settings, "Bench")
        token = issued.link.split("?t=")[1]
        try:
            with served(env) as url:  # its own process, sharing the SQLite file
                yield url, token
        finally:
            bootstrap.reset()


# -- latency under load -------------------------------------------------------------------
def latency(url: str, token: str) -> list[dict]:
    from shared import bootstrap
    from shared.services.interactions import today

    host, port = urlparse(url).hostname, urlparse(url).port
    body = {**ANSWERS, "occurred_on": today(bootstrap.app().settings).isoformat()}
    payload = json.dumps(body).encode()
    timings: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def client() -> None:
        mine: list[tuple[float, int]] = []
        start.wait()
        for _ in range(POSTS_PER_CLIENT):
            connection = http.client.HTTPConnection(host, port, timeout=30)
            began = time.perf_counter()
            connection.request(
                "POST",
                "/log_interaction/",
                body=payload,
                headers={
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    "Authorization": f"Bearer {token}",
                    "Idempotency-Key": str(uuid.uuid4()),
                },
            )
            response = connection.getresponse()
            response.read()
            mine.append((time.perf_counter() - began, response.status))
            connection.close()
        with lock:
            timings.extend(t for t, _ in mine)
            statuses.extend(s for _, s in mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(timings)
    p50 = ordered[len(ordered) // 2] * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    stored = sum(1 for _ in bootstrap.app().store.iter_interactions(body_day(body), body_day(body)))
    note = f"{len(ordered)} POSTs, {statuses.count(201)} x 201, {stored} stored; SQLite synchronous=FULL"
    return [
        {
            "name": "POST /log_interaction/ p50, 50 clients",
            "value": round(p50, 1),
            "unit": "ms",
            "target": "informative",
            "note": note,
        },
        {
            "name": "POST /log_interaction/ p99, 50 clients",
            "value": round(p99, 1),
            "unit": "ms",
            "target": "<= 50",
            "note": "",
        },
    ]


def body_day(body: dict):
    from datetime import date

    return date.fromisoformat(body["occurred_on"])


def store_contention() -> list[dict]:
    """The same 50 x 20 writes straight into SqliteStore.add_interaction, without HTTP: shows
    how much of the POST tail is the store's (writers polling SQLite's busy handler)."""
    from datetime import UTC, date, datetime

    from shared.records import Interaction
    from shared.store.sqlite import SqliteStore

    timings: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "contention.db")

        def writer() -> None:
            mine = []
            start.wait()
            for _ in range(POSTS_PER_CLIENT):
                began = time.perf_counter()
                store.add_interaction(
                    Interaction(str(uuid.uuid4()), "s1", date(2026, 3, 1), dict(ANSWERS), datetime.now(UTC))
                )
                mine.append(time.perf_counter() - began)
            with lock:
                timings.extend(mine)

        threads = [threading.Thread(target=writer) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        store.close()
    ordered = sorted(timings)
    return [
        {
            "name": "store add_interaction p99, 50 threads",
            "value": round(ordered[int(len(ordered) * 0.99)] * 1000, 1),
            "unit": "ms",
            "target": "informative",
            "note": f"p50 {ordered[len(ordered) // 2] * 1000:.1f} ms; no HTTP, same load",
        }
    ]


def run() -> list[dict]:
    with local_server() as (url, token):
        rows = latency(url, token)
    return rows + store_contention()


if __name__ == "__main__":
    for row in run():
        print(row)
