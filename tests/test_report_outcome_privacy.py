"""What the outcome sections (issue 14) must never give away, whatever outputs are put together:

- PHQ-9 item 9 (thoughts of death or self-harm): the responses export leaves it out, so no
  report figure may depend on it; the report scores the PHQ-8 (items 1-8) instead;
- in the shareable copy, the cells of a hidden service-use table, rebuilt from the margins the
  outcomes-against-the-previous-survey table publishes (a 0% or 100% item pins them);
- in the shareable copy, the answers of a survey (or a table) with fewer respondents than the
  small-cell threshold: with one respondent, every band and median is that student's.

Each was a reproduction in the attack on issue 14; here each is a kind of fault, tested as such.
"""

from __future__ import annotations

import csv
import io
import random
import re
from datetime import date

import pytest

from shared.records import Answer, Survey
from shared.report.build import ReportRequest, build_report
from shared.report.render import to_csv, to_json, to_text
from shared.services import exports, reports
from shared.store.memory import MemoryStore
from tests.test_report_support import TODAY, strict_json
from tests.test_suppress import enumerate_fillings

BLOCKS = ("k10", "phq9", "gad7", "help_seeking", "service_use")
THRESHOLD = 5  # SIDEBYSIDE_SMALL_CELL in the tests' settings


def phq(items_1_to_8: list[int], item_9: int | None) -> dict[str, int]:
    answers = {f"phq9_{i}": v for i, v in enumerate(items_1_to_8, 1)}
    if item_9 is not None:
        answers["phq9_9"] = item_9
    return answers


def store_with(surveys: dict[str, list[dict]], blocks: tuple[str, ...] = BLOCKS) -> MemoryStore:
    """A store holding one survey per entry (in the order given, a year apart) with these answers;
    answer ids are fixed, so two stores with the same answers export the same rows."""
    store = MemoryStore()
    for k, (survey_id, rows) in enumerate(surveys.items()):
        opens = date(2025 + k, 4, 1)
        survey = Survey(survey_id, opens=opens, closes=date(2025 + k, 4, 30), blocks=blocks)
        store.add_survey(survey)
        store.add_answers(
            survey,
            [
                Answer(f"{survey_id}-{n:04d}", survey_id, opens, {"barriers": {}, **r})
                for n, r in enumerate(rows)
            ],
        )
    return store


def every_output(store: MemoryStore, settings) -> dict[tuple[str, str, str], str]:
    """Every report format, both languages and both audiences."""
    out = {}
    for lang in ("en", "fr"):
        for audience in ("coordinators", "shared"):
            report = build_report(store, settings, ReportRequest(audience=audience), today=TODAY, lang=lang)
            out[(lang, audience, "json")] = to_json(report)
            out[(lang, audience, "text")] = to_text(report)
            out[(lang, audience, "csv")] = to_csv(report)
            out[(lang, audience, "html")] = reports.render(report, "html")
    return out


def exported(store: MemoryStore, survey_id: str) -> str:
    return "".join(exports.export_responses(store, survey_id).chunks())


# --- PHQ-9 item 9 ------------------------------------------------------------------------------


def test_the_attack_on_item_9_finds_nothing(app):
    """The reproduction: five respondents with items 1-8 all 0 and one (year 4) whose items 1-8
    add up to 4 and item 9 is 2. With the PHQ-9 total, the report's one "mild" told the export's
    reader that this student's item 9 was at least 1. Scored as the PHQ-8, the six totals are
    0, 0, 0, 0, 0, 4: all minimal, whatever item 9 holds."""
    rows = [{**phq([0] * 8, 0), "year_of_study": "year1"} for _ in range(5)]
    rows.append({**phq([1, 1, 1, 1, 0, 0, 0, 0], 2), "year_of_study": "year4"})
    store = store_with({"2026": rows}, blocks=("phq9",))
    report = build_report(store, app.settings, ReportRequest(audience="shared"), today=TODAY)
    [severity] = report.survey.outcomes.severity
    assert severity.id == "phq8"
    assert [(b.id, b.count) for b in severity.bands] == [
        ("minimal", 6),
        ("mild", 0),
        ("moderate", 0),
        ("moderately_severe", 0),
        ("severe", 0),
    ]
    assert (severity.n, severity.incomplete, severity.skipped) == (6, 0, 0)
    assert "phq9_9" not in next(csv.reader(io.StringIO(exported(store, "2026"))))


def test_no_output_changes_with_item_9(app):
    """Two programs whose students gave the same answers except item 9 (answered 0 to 3, or
    skipped) get the same report, byte for byte, in every format, language and audience, and the
    same export: nothing the program publishes can be differenced to recover item 9."""
    rng = random.Random(9)

    def answers(item_9: list[int | None]) -> dict[str, list[dict]]:
        def row(n: int, survey: int) -> dict:
            r = random.Random(100 * survey + n)  # the same other answers in both programs
            out = {f"k10_{i}": r.randint(1, 5) for i in range(1, 11)}
            out |= phq([r.randint(0, 3) for _ in range(8)], item_9[n] if survey else r.choice([0, 1]))
            out |= {f"gad7_{i}": r.randint(0, 3) for i in range(1, 8)}
            out |= {"seek_faculty": r.randint(1, 7), "seek_peers": r.randint(1, 7)}
            out |= {k: r.random() < 0.5 for k in ("used_wellness", "used_counselling", "used_physician")}
            return out | {"used_peer_supporters": r.random() < 0.5}

        return {"2025": [row(n, 0) for n in range(30)], "2026": [row(n, 1) for n in range(30)]}

    plain = answers([0] * 30)
    varied = answers([rng.choice([0, 1, 2, 3, None]) for _ in range(30)])
    assert plain != varied
    first, second = store_with(plain), store_with(varied)
    assert every_output(first, app.settings) == every_output(second, app.settings)
    assert exported(first, "2026") == exported(second, "2026")
    # And the report does show the PHQ-8: bands over all 30 totals, this year against last.
    report = build_report(first, app.settings, ReportRequest(), today=TODAY)
    [phq8] = [s for s in report.survey.outcomes.severity if s.id == "phq8"]
    assert phq8.n == 30 and sum(b.count for b in phq8.bands) == 30
    assert "phq8" in {c.id for c in report.survey.outcomes.by_year}


# --- The shareable copy: one table must not rebuild another's hidden cells ---------------------


def service_use_rows(table: list[list[int]]) -> list[dict]:
    """Respondents making the 2x2 (rows: used peer supporters yes/no; columns: used counselling
    yes/no), every other service-use item answered no, so the by-year rows are its margins."""
    (a, b), (c, d) = table
    rows = []
    for peers, counselling, n in ((True, True, a), (True, False, b), (False, True, c), (False, False, d)):
        rows += [
            {
                "used_peer_supporters": peers,
                "used_counselling": counselling,
                "used_wellness": False,
                "used_physician": False,
            }
        ] * n
    return rows


def shareable(settings, table: list[list[int]]):
    last_year = service_use_rows([[3, 3], [3, 3]])
    store = store_with({"2025": last_year, "2026": service_use_rows(table)}, blocks=("service_use",))
    return build_report(store, settings, ReportRequest(audience="shared"), today=TODAY)


def what_the_copy_tells(report) -> tuple[dict, dict, list]:
    """What a reader of the shareable copy knows about the service-use table, in the terms of
    tests/test_suppress.py's attack: shown cells and totals, hidden cells with their bounds, and
    the sums linking them. The by-year rows give the margins: the share who used peer supporters
    gives the row totals, the share who used counselling (the only professional service anyone
    used here) the column totals; the table's n is the grand total."""
    outcomes = report.survey.outcomes
    su = outcomes.service_use
    known: dict = {("grand",): su.n}
    unknown: dict = {}
    for i in range(2):
        for j in range(2):
            if su.table is None:
                unknown[("cell", i, j)] = (0, None)  # hidden without a mark: any count
            else:
                known[("cell", i, j)] = su.table[i][j]
    shown = {c.id: c for c in outcomes.by_year if not c.suppressed}
    for item, totals in (("used_peer_supporters", "row"), ("used_counselling", "col")):
        if item in shown:
            yes = round(shown[item].this * shown[item].n_this / 100)
            known[(totals, 0)], known[(totals, 1)] = yes, shown[item].n_this - yes
        else:
            unknown[(totals, 0)] = unknown[(totals, 1)] = (0, None)
    sums = [([("cell", i, 0), ("cell", i, 1)], ("row", i)) for i in range(2)]
    sums += [([("cell", 0, j), ("cell", 1, j)], ("col", j)) for j in range(2)]
    sums += [([("row", 0), ("row", 1)], ("grand",)), ([("col", 0), ("col", 1)], ("grand",))]
    return known, unknown, sums


def test_the_attack_on_the_hidden_service_use_table_finds_nothing(app):
    """The reproduction: 6 respondents, 2 used peer supporters, all 6 used counselling. The
    shareable copy hid the table [[2, 0], [4, 0]] but showed "used peer supporters 33.3% (6)"
    and "used counselling 100.0% (6)", which rebuild it. Now the peer-support row goes with it."""
    report = shareable(app.settings, [[2, 0], [4, 0]])
    outcomes = report.survey.outcomes
    assert outcomes.service_use.suppressed and outcomes.service_use.table is None
    rows = {c.id: c for c in outcomes.by_year}
    peers = rows["used_peer_supporters"]
    assert (peers.suppressed, peers.this, peers.last, peers.p) == (True, None, None, None)
    assert "give them away" in peers.note
    assert (rows["used_counselling"].this, rows["used_counselling"].suppressed) == (100.0, False)
    text = to_text(report)
    assert "33.3%" not in text
    known, unknown, sums = what_the_copy_tells(report)
    seen = enumerate_fillings(unknown, sums, known, cap=6)
    assert seen[("cell", 0, 0)] == {0, 1, 2, 3, 4, 5, 6}


def test_no_hidden_service_use_cell_can_be_worked_out_from_the_shareable_copy(app):
    """Every small count (1 to 4) of a hidden service-use table keeps at least two values that
    fit all the shareable copy shows, tables with empty margins and empty cells included."""
    rng = random.Random(14)
    tables = [[[2, 0], [4, 0]], [[0, 3], [0, 4]], [[1, 9], [0, 0]], [[4, 1], [1, 6]], [[5, 0], [3, 7]]]
    tables += [[[rng.choice([0, 1, 2, 3, 5, 8]) for _ in range(2)] for _ in range(2)] for _ in range(25)]
    hidden = 0
    for table in tables:
        if not sum(map(sum, table)):
            continue
        report = shareable(app.settings, table)
        known, unknown, sums = what_the_copy_tells(report)
        small = [(i, j) for i in range(2) for j in range(2) if 0 < table[i][j] < THRESHOLD]
        if not small:
            assert report.survey.outcomes.service_use.table == table  # nothing to hide: all shown
            continue
        hidden += 1
        seen = enumerate_fillings(unknown, sums, known, cap=sum(map(sum, table)))
        for i, j in small:
            assert len(seen[("cell", i, j)]) > 1, (table, (i, j), seen)
    assert hidden > 15  # the sample really exercised hidden tables


def test_margins_stay_when_they_give_nothing_away(app):
    """The by-year rows go only when the audit needs them gone: a hidden table whose margins are
    all large enough keeps both rows."""
    report = shareable(app.settings, [[4, 6], [6, 9]])
    assert report.survey.outcomes.service_use.suppressed
    assert not any(c.suppressed for c in report.survey.outcomes.by_year)


def test_the_shared_csv_writes_the_hidden_service_use_cells_as_suppressed(app):
    report = shareable(app.settings, [[4, 1], [1, 6]])
    rows = [r for r in csv.DictReader(io.StringIO(to_csv(report))) if r["table"] == "service_use"]
    assert [(r["row"], r["column"], r["count"], r["percent"], r["suppressed"]) for r in rows] == [
        ("Used peer support", "Used a professional service", "", "", "1"),
        ("Used peer support", "Did not", "", "", "1"),
        ("Did not use peer support", "Used a professional service", "", "", "1"),
        ("Did not use peer support", "Did not", "", "", "1"),
        ("Odds ratio", "Value", "", "", "1"),
    ]
    assert all(r["value"] == r["p"] == r["ci_low"] == r["ci_high"] == "" for r in rows)


# --- Every shareable copy together: what one withholds of a survey, all withhold -------------------

LATER = date(2027, 11, 1)  # the third survey of store_with (opening 1 April 2027) has opened
HIDDEN = [[2, 0], [4, 0]]  # 2 of 6 used peer supporters, all 6 counselling: the margins pin it


def copies_showing(store: MemoryStore, settings, survey_id: str, today: date) -> list:
    """Every shareable copy a reader (a console viewer, say) can ask for that shows ``survey_id``:
    the default copy, that survey compared with each other one, and each other one compared with
    it (the survey a copy is compared with may be earlier or later)."""
    others = [s.id for s in store.list_surveys() if s.id != survey_id]
    asked = [ReportRequest(audience="shared")]
    for other in others:
        asked.append(ReportRequest(audience="shared", survey_id=survey_id, compare=other))
        asked.append(ReportRequest(audience="shared", survey_id=other, compare=survey_id))
    return [build_report(store, settings, request, today=today) for request in asked]


def what_the_copies_tell(reports: list, survey_id: str) -> tuple[dict, dict, list]:
    """:func:`what_the_copy_tells`, for a reader who puts every copy in ``reports`` side by side:
    ``survey_id``'s service-use cells where its own copy shows them, and its margins from the
    by-year rows of any copy, in this survey's column ("this") or the compared one's ("last")."""
    known: dict = {}
    for report in reports:
        outcomes = report.survey.outcomes
        if report.survey.id == survey_id:
            known[("grand",)] = outcomes.service_use.n
            if outcomes.service_use.table is not None:
                for i in range(2):
                    for j in range(2):
                        known[("cell", i, j)] = outcomes.service_use.table[i][j]
            side = ("this", "n_this")
        elif outcomes.previous == survey_id:
            side = ("last", "n_last")
        else:
            continue
        rows = {c.id: c for c in outcomes.by_year if not c.suppressed}
        for item, totals in (("used_peer_supporters", "row"), ("used_counselling", "col")):
            if item in rows:
                share, n = (getattr(rows[item], side[0]), getattr(rows[item], side[1]))
                yes = round(share * n / 100)
                known[(totals, 0)], known[(totals, 1)] = yes, n - yes
    unknown = {
        key: (0, None)
        for key in [("cell", i, j) for i in range(2) for j in range(2)]
        + [(t, k) for t in ("row", "col") for k in range(2)]
        if key not in known
    }
    sums = [([("cell", i, 0), ("cell", i, 1)], ("row", i)) for i in range(2)]
    sums += [([("cell", 0, j), ("cell", 1, j)], ("col", j)) for j in range(2)]
    sums += [([("row", 0), ("row", 1)], ("grand",)), ([("col", 0), ("col", 1)], ("grand",))]
    return known, unknown, sums


def test_next_years_default_copy_keeps_this_years_hidden_margins_hidden(app):
    """The reproduction: 2026's table [[2, 0], [4, 0]] is hidden in 2026's copy with its
    peer-support row, but 2027's default copy published 2026's margins in its "previous survey"
    column (33.3% of 6 used peer supporters, 100% of 6 counselling), which rebuild it."""
    store = store_with({"2026": service_use_rows(HIDDEN), "2027": service_use_rows([[6, 6], [6, 6]])},
                       blocks=("service_use",))  # fmt: skip
    own = build_report(store, app.settings, ReportRequest(audience="shared", survey_id="2026"), today=LATER)
    assert own.survey.outcomes.service_use.table is None  # 2026 has no previous survey here
    report = build_report(store, app.settings, ReportRequest(audience="shared"), today=LATER)
    assert (report.survey.id, report.survey.outcomes.previous) == ("2027", "2026")
    rows = {c.id: c for c in report.survey.outcomes.by_year}
    peers, counselling = rows["used_peer_supporters"], rows["used_counselling"]
    assert (peers.suppressed, peers.this, peers.last, peers.p) == (True, None, None, None)
    assert "survey 2026" in peers.note and "give them away" in peers.note
    # Counselling's margin gives nothing away alone: shown, as in 2026's own copies.
    assert (counselling.suppressed, counselling.this, counselling.last) == (False, 50.0, 100.0)
    assert "33.3%" not in to_text(report)
    french = build_report(store, app.settings, ReportRequest(audience="shared"), today=LATER, lang="fr")
    assert "2026" in {c.id: c for c in french.survey.outcomes.by_year}["used_peer_supporters"].note
    # The coordinators' own copy still shows everything.
    mine = build_report(store, app.settings, ReportRequest(), today=LATER)
    assert {c.id: c.last for c in mine.survey.outcomes.by_year}["used_peer_supporters"] == pytest.approx(
        100 / 3
    )


def test_an_earlier_survey_compared_with_a_hidden_one_keeps_its_margins_hidden(app):
    """The other way round: a console viewer asks for 2025 compared with 2026."""
    store = store_with({"2025": service_use_rows([[6, 6], [6, 6]]), "2026": service_use_rows(HIDDEN)},
                       blocks=("service_use",))  # fmt: skip
    asked = ReportRequest(audience="shared", survey_id="2025", compare="2026")
    rows = {c.id: c for c in build_report(store, app.settings, asked, today=TODAY).survey.outcomes.by_year}
    assert (rows["used_peer_supporters"].suppressed, rows["used_peer_supporters"].last) == (True, None)
    known, unknown, sums = what_the_copies_tell(copies_showing(store, app.settings, "2026", TODAY), "2026")
    assert enumerate_fillings(unknown, sums, known, cap=6)[("cell", 0, 0)] == {0, 1, 2, 3, 4, 5, 6}


def test_no_hidden_service_use_cell_can_be_worked_out_from_all_the_shareable_copies_together(app):
    """Brute force across copies: a hidden table of the middle of three surveys, and every
    shareable copy that shows it (as the survey reported on or as the compared one, the default
    copies among them, before and after the next survey opens), put side by side. Every small
    count keeps at least two values that fit all of them."""
    rng = random.Random(27)
    tables = [
        HIDDEN,
        [[0, 3], [0, 4]],
        [[1, 9], [0, 0]],
        [[4, 1], [1, 6]],
        [[5, 0], [3, 7]],
        [[3, 3], [0, 0]],
    ]
    tables += [[[rng.choice([0, 1, 2, 3, 5, 8]) for _ in range(2)] for _ in range(2)] for _ in range(20)]
    hidden = 0
    for table in tables:
        small = [(i, j) for i in range(2) for j in range(2) if 0 < table[i][j] < THRESHOLD]
        if not small:
            continue
        hidden += 1
        surveys = {
            "2025": service_use_rows([[3, 3], [3, 3]]),
            "2026": service_use_rows(table),
            "2027": service_use_rows([[6, 6], [6, 6]]),
        }
        store = store_with(surveys, blocks=("service_use",))
        copies = [c for day in (TODAY, LATER) for c in copies_showing(store, app.settings, "2026", day)]
        assert {c.survey.id for c in copies} == {"2025", "2026", "2027"}
        known, unknown, sums = what_the_copies_tell(copies, "2026")
        seen = enumerate_fillings(unknown, sums, known, cap=sum(map(sum, table)))
        for i, j in small:
            assert len(seen[("cell", i, j)]) > 1, (table, (i, j), known, seen)
    assert hidden > 15  # the sample really exercised hidden tables


def barrier_rows(both: int, first_only: int) -> list[dict]:
    """Respondents who answered the barrier questions for both services, or for the first only."""
    pair = {"barriers": {"faculty_services": ["career_impact"], "peer_support": ["no_time"]}}
    alone = {"barriers": {"faculty_services": ["career_impact"]}}
    return [pair] * both + [alone] * first_only


def test_barriers_withheld_by_one_test_are_withheld_by_the_other_and_against_another_survey(app):
    """3 respondents answered for both services and 3 for Faculty services only: the paired
    copy's 3 pairs are withheld, and so are the independent copy's (peer supporters: 3 respondents)
    and the other survey's comparison with this one (whose peer-support column is those 3)."""
    store = store_with({"2025": barrier_rows(3, 3), "2026": barrier_rows(12, 0)}, blocks=())
    for test in ("paired", "independent"):
        asked = ReportRequest(audience="shared", survey_id="2025", test=test)
        survey = build_report(store, app.settings, asked, today=TODAY).survey
        assert survey.suppressed and all(b.counts == {} and b.percent == {} for b in survey.barriers), test
    current = build_report(store, app.settings, ReportRequest(audience="shared"), today=TODAY).survey
    assert current.id == "2026" and not current.suppressed  # 12 pairs: shown
    assert current.previous.respondents.last == 6  # the comparison is about 6 respondents...
    assert current.previous.suppressed  # ...but its peer-support column about 3
    assert all(row.last == {} for row in current.previous.barriers)
    own = build_report(store, app.settings, ReportRequest(test="independent", survey_id="2025"), today=TODAY)
    assert [b.n for b in own.survey.barriers][0] == {"faculty_services": 6, "peer_support": 3}


# --- The shareable copy: a survey, or a table, of fewer respondents than the threshold ---------


def lone_student() -> dict:
    return {
        **{f"k10_{i}": 5 for i in range(1, 11)},
        **phq([3] * 8, 2),
        **{f"gad7_{i}": 3 for i in range(1, 8)},
        "seek_faculty": 2,
        "seek_peers": 7,
        "used_counselling": True,
        "used_peer_supporters": True,
        "year_of_study": "year3",
        "barriers": {"faculty_services": ["career_impact"], "peer_support": ["no_time"]},
    }


def test_a_survey_of_one_shows_nothing_of_that_student_in_the_shareable_copy(app):
    store = store_with({"2026": [lone_student()]})
    report = build_report(store, app.settings, ReportRequest(audience="shared"), today=TODAY)
    survey = report.survey
    assert survey.answers == 1  # how many answered is no secret
    assert survey.suppressed and all(b.counts == {} and b.percent == {} for b in survey.barriers)
    assert survey.k10.suppressed and [b.count for b in survey.k10.bands] == [None] * 4
    assert survey.k10.mean is None
    outcomes = survey.outcomes
    for severity in outcomes.severity:
        assert severity.suppressed and {b.count for b in severity.bands} == {None}
    assert outcomes.help_seeking.suppressed and outcomes.help_seeking.medians == {}
    assert outcomes.service_use.suppressed and outcomes.service_use.table is None
    for lang in ("en", "fr"):
        shared = build_report(store, app.settings, ReportRequest(audience="shared"), today=TODAY, lang=lang)
        text = to_text(shared)
        assert "100.0%" not in text and "100,0" not in text
        assert re.search(r"\b1 \(\d", text) is None  # no "1 (100.0%)" anywhere
        assert text.count("Withheld in this copy" if lang == "en" else "Retiré de cette copie") >= 5
        strict_json(to_json(shared))
        for fmt in ("html", "text", "json"):  # the HTML without its barrier chart: nothing to draw
            assert "1 (100" not in reports.render(shared, fmt)
        withheld = {
            r["table"]
            for r in csv.DictReader(io.StringIO(to_csv(shared)))
            if r["suppressed"] == "1" and r["count"] == r["percent"] == r["value"] == ""
        }
        assert {"barriers", "k10", "phq8", "gad7", "help_seeking", "service_use"} <= withheld
    # The coordinators' own copy still shows everything.
    own = build_report(store, app.settings, ReportRequest(), today=TODAY).survey
    assert [b.count for b in own.k10.bands] == [0, 0, 0, 1]
    assert own.outcomes.service_use.table == [[1, 0], [0, 0]]
    assert [b.count for b in own.outcomes.severity[0].bands] == [0, 0, 0, 0, 1]  # PHQ-8 of 24: severe


def test_rows_against_a_small_previous_survey_are_withheld_in_the_shareable_copy(app):
    this_year = [
        {"seek_faculty": 3 + n % 4, "seek_peers": 4, "used_counselling": n % 2 == 0} for n in range(12)
    ]
    last_year = [{"seek_faculty": 6, "seek_peers": 2, "used_counselling": True}] * 3
    store = store_with({"2025": last_year, "2026": this_year}, blocks=("help_seeking", "service_use"))
    shared = build_report(store, app.settings, ReportRequest(audience="shared"), today=TODAY)
    rows = {c.id: c for c in shared.survey.outcomes.by_year}
    for fid in ("seek_faculty", "seek_peers", "used_counselling"):
        row = rows[fid]
        assert (row.suppressed, row.this, row.last, row.p, row.n_last) == (True, None, None, None, 3), fid
    assert not shared.survey.outcomes.help_seeking.suppressed  # this year's 12 are shown
    own = build_report(store, app.settings, ReportRequest(), today=TODAY)
    assert {c.id: c.last for c in own.survey.outcomes.by_year}["seek_faculty"] == 6


@pytest.mark.parametrize("respondents", [0, THRESHOLD])
def test_tables_of_none_or_enough_respondents_are_shown(app, respondents):
    store = store_with({"2026": [lone_student()] * respondents})
    survey = build_report(store, app.settings, ReportRequest(audience="shared"), today=TODAY).survey
    assert not survey.suppressed and not (survey.k10 and survey.k10.suppressed)
    assert not any(s.suppressed for s in survey.outcomes.severity)
    assert not survey.outcomes.help_seeking.suppressed
