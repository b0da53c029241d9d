"""Page weight on the wire (issue 12 item 22): the first visit of the supporter form, its
thanks page, the survey page and the console's sign-in page, as headless Chromium receives
them from ``sidebyside serve`` (headers plus compressed bodies of every response, the service
worker's precache included; see :mod:`bench.wire`). Target: at most 14 KB each, and no request to another host.
``tests/test_page_weight.py`` asserts the same budget in ``make test``."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.wire import BUDGET, weigh


def run() -> list[dict]:
    from tests.support.served import served

    with tempfile.TemporaryDirectory() as tmp, served(Path(tmp)) as server:
        pages = server.first_pages()
        measured = dict(zip(pages, weigh(list(pages.values())), strict=True))
    rows = []
    for name, visit in measured.items():
        fetched = [r for r in visit["responses"] if r["headers"] + r["body"] > 0]
        rows.append(
            {
                "name": f"{name} first visit, bytes on the wire",
                "value": visit["bytes"],
                "unit": "bytes",
                "target": f"<= {BUDGET}",
                "note": f"{len(fetched)} responses over the network ({len(visit['responses'])} in all), "
                f"bodies {visit['body_bytes']} bytes; {visit['foreign']} requests to other hosts",
            }
        )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
