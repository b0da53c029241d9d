"""Issue 9's speed floor: ``POST /log_interaction/`` throughput at 50 connections, as a ratio
to the floor app (:mod:`bench.floor_app`: Flask + a marshmallow schema + one durable SQLite
insert) measured in the same run on the same server settings. Target: at least 0.8.

Load from Debian's ``wrk`` (native, so the generator costs the server little interpreter
time): 50 keep-alive connections, each request a new JSON submission with a unique
``Idempotency-Key``. The two servers take turns, ROUNDS times, and the medians are compared.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import tempfile
from datetime import date
from pathlib import Path

from bench._server import served

CONNECTIONS = 50
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
WRK = "/usr/bin/wrk"
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

# Each wrk thread numbers its requests; the key is a UUID unique across threads and rounds.
SCRIPT = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  n = 0
  round = args[1]
end
function request()
  n = n + 1
  local key = string.format("%%08x-0000-4000-8%%03x-%%012x", tonumber(round), tid, n)
  return wrk.format("POST", "/log_interaction/", {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
    ["Accept-Encoding"] = "gzip, br",
    ["Authorization"] = "Bearer %(token)s",
    ["Idempotency-Key"] = key,
  }, [[%(body)s]])
end
function done(summary, latency, requests)
  io.write(string.format('{"requests": %%d, "micros": %%d, "bad": %%d, "p50": %%d, "p99": %%d}\\n',
    summary.requests, summary.duration, summary.errors.status + summary.errors.connect +
    summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def wrk(url: str, token: str, day: str, round_number: int, script_dir: Path) -> dict:
    script = script_dir / "post.lua"
    body = json.dumps({**ANSWERS, "occurred_on": day})
    script.write_text(SCRIPT % {"token": token, "body": body})
    out = subprocess.run(
        [WRK, "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--timeout", "10s", "-s", str(script),
         f"{url}/log_interaction/", "--", str(round_number)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    figures = json.loads(out.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / (figures["micros"] / 1e6)
    return figures


def run() -> list[dict]:
    if not shutil.which(WRK):
        raise RuntimeError("wrk is missing: `make bench` installs Debian's wrk")
    from shared import config
    from shared.services import supporters
    from shared.services.interactions import today
    from shared.store.sqlite import SqliteStore

    ours: list[dict] = []
    floor: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "SIDEBYSIDE_SECRET_KEY": "bench-secret-key-0123456789abcdef",
            "SIDEBYSIDE_DATA_DIR": tmp,
            "SIDEBYSIDE_STORE": f"sqlite:///{tmp}/bench.db",
            "SIDEBYSIDE_MAIL": f"outbox:{tmp}/outbox",
        }
        settings = config.load(env, base=Path(tmp))
        store = SqliteStore(settings.store.path)
        token = supporters.add_supporter(store, settings, "Bench").link.split("?t=")[1]
        store.close()
        day = today(settings).isoformat()
        floor_cmd = ("bench.floor_app", "--db", f"{tmp}/floor.db")
        with served(env) as url, served(env, floor_cmd) as floor_url:
            warm = wrk(url, token, day, 0, Path(tmp))  # warm both: first requests build apps and caches
            wrk(floor_url, token, day, 0, Path(tmp))
            for number in range(1, ROUNDS + 1):
                ours.append(wrk(url, token, day, number, Path(tmp)))
                floor.append(wrk(floor_url, token, day, number, Path(tmp)))
        store = SqliteStore(settings.store.path)
        on = date.fromisoformat(day)
        kept = sum(1 for _ in store.iter_interactions(on, on))
        store.close()
    answered = warm["requests"] + sum(r["requests"] for r in ours)
    ours_rps = statistics.median(r["rps"] for r in ours)
    floor_rps = statistics.median(r["rps"] for r in floor)
    # Each round's two runs are back to back: their ratio cancels most drift in machine load.
    ratios = [o["rps"] / f["rps"] for o, f in zip(ours, floor, strict=True)]
    ratio = statistics.median(ratios)
    rounds = ", ".join(f"{r:.2f}" for r in ratios)
    bad = sum(r["bad"] for r in ours + floor)
    return [
        {
            "name": "POST /log_interaction/ throughput / floor app, 50 connections",
            "value": round(ratio, 3),
            "unit": "ratio",
            "target": ">= 0.8",
            "note": f"median of {ROUNDS} rounds' ratios, {SECONDS}s each (wrk): {ours_rps:.0f} vs {floor_rps:.0f} requests/s; "
            f"rounds: {rounds}; "
            f"{bad} errors or non-2xx; {kept} stored, {answered} answered (wrk stops with requests in flight)",
        },
        {
            "name": "POST /log_interaction/ p50 / p99, 50 connections",
            "value": round(statistics.median(r["p50"] for r in ours) / 1000, 1),
            "unit": "ms",
            "target": "informative",
            "note": f"p99 {statistics.median(r['p99'] for r in ours) / 1000:.1f} ms; floor p50 "
            f"{statistics.median(r['p50'] for r in floor) / 1000:.1f} ms, p99 "
            f"{statistics.median(r['p99'] for r in floor) / 1000:.1f} ms",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
