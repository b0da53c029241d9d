"""Issue 9's cold-start budget for the log and survey entry points, each in a fresh
interpreter, as ratios to a bare ``import functions_framework, google.cloud.firestore`` timed in
the same run (interleaved, the fastest of each):

- **entry point import**, the issue's constraint (<= 1.15) as it was measured when the issue was
  filed (``bench_log``'s "log handler cold import / firestore import", 0.84 then): what
  functions-framework does when an instance starts, importing the framework, ``functions/main.py``
  and the function's blueprint module with everything they import;
- **ready for the first request** (informative): the same plus the Firestore adapter the deployed
  function loads with its store and the function's Flask app built (route compilation), as on the
  first request;
- the same **over the library floor**: ``import functions_framework, google.cloud.firestore,
  marshmallow, email_validator``, the libraries the design requires on these paths (marshmallow
  validates every form; email-validator checks the configured coordinator addresses at start-up,
  where a bad one must stop the function). Alone, these two cost about as much as the 15 %
  budget, so the second row cannot meet 1.15 with them; the third shows what is ours.

Also checks that neither entry point loads pandas, scipy or matplotlib.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_IMPORT_RUNS", "9"))
HEAVY = ("pandas", "scipy", "matplotlib")

ENTRY = (
    "import sys, time; t = time.perf_counter(); "
    "import functions_framework, functions.main, shared.store.firestore; "
    "functions.main.app_for({name!r}); "
    "took = time.perf_counter() - t; "
    f"print(took, ','.join(m for m in {HEAVY!r} if m in sys.modules))"
)
# What functions-framework does when an instance starts: import the framework and main.py, here
# with the function's blueprint module (imported when its app is built).
IMPORT_ONLY = (
    "import sys, time; t = time.perf_counter(); "
    "import functions_framework, functions.main, shared.web.{name}; "
    "took = time.perf_counter() - t; "
    f"print(took, ','.join(m for m in {HEAVY!r} if m in sys.modules))"
)
BASELINE = (
    "import time; t = time.perf_counter(); import functions_framework, google.cloud.firestore; "
    "print(time.perf_counter() - t, '')"
)
LIBRARY_FLOOR = BASELINE.replace(
    "google.cloud.firestore;", "google.cloud.firestore, marshmallow, email_validator;"
)
BASE_NAME = "import functions_framework + firestore"
FLOOR_NAME = "import functions_framework + firestore + marshmallow + email_validator"


def timed(code: str, env: dict[str, str]) -> tuple[float, set[str]]:
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split(" ")
    return float(out[0]), set(filter(None, out[1].strip().split(","))) if len(out) > 1 else set()


def measure(label: str, code: str, env: dict[str, str], target: str, against: str = BASELINE) -> dict:
    ours: list[float] = []
    base: list[float] = []
    heavy: set[str] = set()
    for _ in range(RUNS):  # interleaved, so both see the same machine load
        took, loaded = timed(code, env)
        ours.append(took)
        heavy |= loaded
        base.append(timed(against, env)[0])
    # The fastest of the runs: what the code costs; slower runs measure the machine's other
    # load (2 shared cores), which only ever adds time.
    mine, theirs = min(ours), min(base)
    return {
        "name": f"{label} / {FLOOR_NAME if against == LIBRARY_FLOOR else BASE_NAME}",
        "value": round(mine / theirs, 3),
        "unit": "ratio",
        "target": target,
        "note": f"fastest of {RUNS}: {mine * 1000:.0f} ms vs {theirs * 1000:.0f} ms (medians "
        f"{statistics.median(ours) * 1000:.0f} vs {statistics.median(base) * 1000:.0f}); "
        f"pandas/scipy/matplotlib loaded: {', '.join(sorted(heavy)) or 'none'}",
    }


def run() -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SIDEBYSIDE_")},
            "SIDEBYSIDE_SECRET_KEY": "bench-secret-key-0123456789abcdef",
            "SIDEBYSIDE_STORE": "firestore://bench-project",
            "SIDEBYSIDE_DATA_DIR": tmp,
            "SIDEBYSIDE_MAIL": f"outbox:{tmp}/outbox",
            "SIDEBYSIDE_COORDINATORS": "coordinator@example.org",  # as deployed: addresses validated
        }
        for name in ("log_interaction", "survey"):
            entry, ready = IMPORT_ONLY.format(name=name), ENTRY.format(name=name)
            rows.append(measure(f"{name} entry point import", entry, env, "<= 1.15"))
            rows.append(measure(f"{name} ready for the first request", ready, env, "informative"))
            rows.append(
                measure(f"{name} ready for the first request", ready, env, "informative", LIBRARY_FLOOR)
            )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
