"""Run every benchmark, print one table, and keep the figures in bench/results.json."""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def discover(only: list[str]) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    return [n for n in names if not only or any(o in n for o in only)]


def main(argv: list[str]) -> int:
    load_before = os.getloadavg()
    rows: list[dict] = []
    failed = 0
    for name in discover(argv):
        started = time.perf_counter()
        try:
            results = importlib.import_module(f"bench.{name}").run()
        except Exception as exc:  # one broken benchmark should not hide the others' figures
            traceback.print_exc()
            results = [{"name": name, "value": None, "unit": "", "target": "", "note": f"failed: {exc}"}]
            failed += 1
        for row in results:
            row.setdefault("note", "")
            row["bench"] = name
            rows.append(row)
        print(f"{name}: {time.perf_counter() - started:.1f}s", file=sys.stderr)
    width = max((len(r["name"]) for r in rows), default=10)
    print(f"{'benchmark':<{width}}  {'value':>12}  {'unit':<8}  {'target':<14}  note")
    for r in rows:
        value = r["value"]
        shown = "—" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))
        print(f"{r['name']:<{width}}  {shown:>12}  {r['unit']:<8}  {str(r['target']):<14}  {r['note']}")
    out = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            # other processes' load skews every figure: kept beside them
            "load_average_1min": {"start": load_before[0], "end": os.getloadavg()[0]},
        },
        "results": rows,
    }
    if not argv:  # a partial run does not overwrite the full record
        (HERE / "results.json").write_text(json.dumps(out, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
