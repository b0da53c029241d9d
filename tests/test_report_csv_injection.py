"""The report's CSV attachment is spreadsheet-safe (issue 13 item 4): a supporter alias written as a
formula, after any separator a spreadsheet may split on, reaches no cell as a formula, while the
numeric columns stay numbers (a negative difference keeps its sign)."""

from __future__ import annotations

import csv
import io

from shared.records import Supporter
from shared.report.render import to_csv
from shared.services import reports
from tests.test_report_support import NOW, add_interactions, log_answers

HOSTILE = ['=HYPERLINK("http://x")', "a;=2*3", "b\t=1+1", "@SUM(A1)", "+1", "-1"]


def test_text_cells_never_start_a_formula_whatever_the_separator(app):
    ids = []
    for n, alias in enumerate(HOSTILE):
        app.store.add_supporter(Supporter(f"s{n}", alias, None))
        ids.append(f"s{n}")
    add_interactions(app.store, [(sid, NOW.date(), log_answers()) for sid in ids for _ in range(6)])
    text = to_csv(reports.build(app, reports.parse_options({}), NOW))
    rows = list(csv.DictReader(io.StringIO(text)))
    labels = {row["row"] for row in rows} | {row["column"] for row in rows} | {row["table"] for row in rows}
    assert any("2*3" in label for label in labels), "the aliases reach the CSV"
    for label in labels:
        for separator in (",", ";", "\t", "|"):
            for piece in label.split(separator):
                assert not piece.lstrip(" ").startswith(("=", "+", "-", "@")), (label, piece)
    for row in rows:
        for column in ("count", "percent", "value", "p", "p_adjusted", "ci_low", "ci_high"):
            if row[column]:
                float(row[column])  # numbers stay numbers
