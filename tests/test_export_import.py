"""Exports and imports through the store port: whole files compared, round trips into an empty store,
repeated imports that add nothing, the CLI and the admin CSV routes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from shared.cli import cli
from shared.errors import Invalid
from shared.services import exports, imports, interactions, supporters
from shared.services.imports import Imported
from shared.store.port import Store
from tests.conftest import ADMIN_TOKEN, make_store

EVERYTHING = (date.min, date.max)
HEADER = (
    "id,supporter,occurred_on,format,initiated_by,duration_minutes,year_of_study,topics,"
    "concern_level,referral,follow_up_planned,note\r\n"
)
SEED: list[tuple[str, str, dict[str, Any]]] = [
    (
        "00000000-0000-4000-8000-000000000001",
        "Sam",
        {
            "occurred_on": "2024-01-15",
            "format": "phone",
            "initiated_by": "student",
            "duration_minutes": 20,
            "year_of_study": "year2",
            "topics": ["burnout_stress", "academic"],
            "concern_level": "some",
            "referral": "counselling",
            "follow_up_planned": True,
            "note": 'Said "hi", then left\nnext line',
        },
    ),
    (
        "00000000-0000-4000-8000-000000000002",
        "Kim",
        {
            "occurred_on": "2024-02-03",
            "format": "in_person",
            "initiated_by": "supporter",
            "topics": ["mental_health"],
            "concern_level": "none",
            "referral": "none",
            "follow_up_planned": False,
            "note": "=1+1 looked like a formula",
        },
    ),
    (
        "00000000-0000-4000-8000-000000000003",
        "Sam",
        {
            "occurred_on": "2024-02-20",
            "format": "video",
            "initiated_by": "student",
            "duration_minutes": 600,
            "year_of_study": "year4",
            "topics": ["other"],
            "concern_level": "urgent",
            "referral": "crisis_or_emergency",
            "follow_up_planned": True,
            "note": "'quoted already",
        },
    ),
    (
        "00000000-0000-4000-8000-000000000004",
        "Kim",
        {
            "occurred_on": "2024-03-01",
            "format": "text_or_online",
            "initiated_by": "student",
            "duration_minutes": 5,
            "year_of_study": "other",
            "topics": ["finances", "career_residency"],
            "concern_level": "none",
            "referral": "none",
            "follow_up_planned": False,
            "note": "Élise — café, ça va",
        },
    ),
    (
        "00000000-0000-4000-8000-000000000005",
        "Sam",
        {
            "occurred_on": "2024-03-01",
            "format": "phone",
            "initiated_by": "student",
            "duration_minutes": 1,
            "year_of_study": "year1",
            "topics": ["academic"],
            "concern_level": "none",
            "referral": "none",
            "follow_up_planned": False,
        },
    ),
]
ROWS = [
    "00000000-0000-4000-8000-000000000001,Sam,2024-01-15,phone,student,20,year2,academic;burnout_stress,"
    'some,counselling,yes,"Said ""hi"", then left\nnext line"\r\n',
    "00000000-0000-4000-8000-000000000002,Kim,2024-02-03,in_person,supporter,,,mental_health,"
    "none,none,no,'=1+1 looked like a formula\r\n",
    "00000000-0000-4000-8000-000000000003,Sam,2024-02-20,video,student,600,year4,other,"
    "urgent,crisis_or_emergency,yes,''quoted already\r\n",
    "00000000-0000-4000-8000-000000000004,Kim,2024-03-01,text_or_online,student,5,other,career_residency;finances,"
    'none,none,no,"Élise — café, ça va"\r\n',
    "00000000-0000-4000-8000-000000000005,Sam,2024-03-01,phone,student,1,year1,academic,none,none,no,\r\n",
]
EXPORT = HEADER + "".join(ROWS)


def seed(app: Any) -> None:
    """Log SEED through the log service, as supporters would."""
    people = {
        alias: supporters.add_supporter(app.store, app.settings, alias).supporter for alias in ("Sam", "Kim")
    }
    context = interactions.validation_context(app.settings, "en")
    for submission, alias, answers in SEED:
        interactions.record(app.store, people[alias], answers, submission=submission, context=context)


def text_of(table: exports.Table) -> str:
    return "".join(table.chunks())


def stored(store: Store) -> list[tuple[str, str, date, dict[str, Any]]]:
    aliases = {s.id: s.alias for s in store.list_supporters()}
    return [
        (i.id, aliases[i.supporter_id], i.occurred_on, i.answers)
        for i in store.iter_interactions(*EVERYTHING)
    ]


@pytest.fixture
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A second, empty store of the same kind as the test's ``store``."""
    made = make_store(request.node.callspec.params["store"], request, tmp_path / "other")
    yield made
    made.close()


# -- interactions ----------------------------------------------------------------------


def test_export_interactions_is_the_whole_file(app):
    seed(app)
    assert text_of(exports.export_interactions(app.store)) == EXPORT


def test_export_interactions_between_two_days(app):
    seed(app)
    table = exports.export_interactions(app.store, date(2024, 2, 1), date(2024, 2, 29))
    assert table.filename == "interactions_2024-02-01_2024-02-29.csv"
    assert text_of(table) == HEADER + ROWS[1] + ROWS[2]
    since = exports.export_interactions(app.store, date(2024, 3, 1))
    assert (since.filename, text_of(since)) == (
        "interactions_from_2024-03-01.csv",
        HEADER + ROWS[3] + ROWS[4],
    )
    until = exports.export_interactions(app.store, end=date(2024, 1, 31))
    assert (until.filename, text_of(until)) == ("interactions_to_2024-01-31.csv", HEADER + ROWS[0])


def test_interactions_round_trip_into_an_empty_store(app, empty_store):
    seed(app)
    result = imports.import_interactions(empty_store, app.settings, EXPORT.encode(), create_supporters=True)
    assert result == Imported(rows=5, added=5, created_supporters=("Kim", "Sam"))
    assert stored(empty_store) == stored(app.store)
    assert text_of(exports.export_interactions(empty_store)) == EXPORT


def test_importing_again_adds_nothing(app):
    seed(app)
    again = imports.import_interactions(app.store, app.settings, EXPORT.encode())
    assert again == Imported(rows=5, added=0)
    assert again.already_there == 5
    assert text_of(exports.export_interactions(app.store)) == EXPORT


def test_rows_without_ids_get_the_same_ids_on_every_import_and_identical_rows_stay_two(app, empty_store):
    supporters.add_supporter(app.store, app.settings, "Sam")
    no_ids = "supporter,occurred_on,format,initiated_by,topics,concern_level,referral,follow_up_planned\n"
    no_ids += "Sam,2024-01-15,phone,student,academic,none,none,no\n" * 2
    no_ids += "Sam,2024-01-16,video,student,academic,none,none,yes\n"

    assert imports.import_interactions(app.store, app.settings, no_ids.encode()) == Imported(rows=3, added=3)
    assert imports.import_interactions(app.store, app.settings, no_ids.encode()) == Imported(rows=3, added=0)
    first = stored(app.store)
    assert len(first) == 3
    # The same rows in another program's store get the same ids: an export of either re-imports cleanly.
    imports.import_interactions(empty_store, app.settings, no_ids.encode(), create_supporters=True)
    assert [row[0] for row in stored(empty_store)] == [row[0] for row in first]
    # A longer file taken later holds the earlier rows: only the new one is added.
    longer = no_ids + "Sam,2024-01-17,phone,student,finances,some,none,no\n"
    assert imports.import_interactions(app.store, app.settings, longer.encode()) == Imported(rows=4, added=1)


def test_imported_answers_are_what_the_log_form_would_store(app):
    supporters.add_supporter(app.store, app.settings, "Sam")
    text = (
        "supporter,occurred_on,format,initiated_by,duration_minutes,topics,concern_level,referral,follow_up_planned,note\n"
        "Sam,2024-01-15,phone,student, 15 ,burnout_stress;academic,none,none,Yes,  two  spaces \n"
    )
    imports.import_interactions(app.store, app.settings, text.encode())
    [(_, alias, day, answers)] = stored(app.store)
    assert (alias, day) == ("Sam", date(2024, 1, 15))
    assert answers == {
        "occurred_on": "2024-01-15",
        "format": "phone",
        "initiated_by": "student",
        "duration_minutes": 15,
        "topics": ["academic", "burnout_stress"],
        "concern_level": "none",
        "referral": "none",
        "follow_up_planned": True,
        "note": "two  spaces",
    }


# -- survey responses ------------------------------------------------------------------

RESPONSES_IN = (
    "year_of_study,would_recommend,barriers.peer_support.stigma,barriers.faculty_services.no_time,k10_1,k10_10,suggestions\n"
    'year1,5,1,0,2,3,"More evening hours, please"\n'
    "year2,,0,1,,,\n"
    "year2,,0,1,,,\n"
    ",,,,,,\n"  # a row of empty cells, as Excel leaves below the data: skipped
    "year4,1,,,5,5,=SUM(A1)\n"
)
SURVEY_HEADER = (
    "barriers.faculty_services.career_impact,barriers.faculty_services.not_helpful,"
    "barriers.faculty_services.confidentiality,barriers.faculty_services.stigma,barriers.faculty_services.no_time,"
    "barriers.faculty_services.dont_know_how,barriers.faculty_services.prefer_self,barriers.faculty_services.other,"
    "barriers.peer_support.career_impact,barriers.peer_support.not_helpful,barriers.peer_support.confidentiality,"
    "barriers.peer_support.stigma,barriers.peer_support.no_time,barriers.peer_support.dont_know_how,"
    "barriers.peer_support.prefer_self,barriers.peer_support.other,"
    "year_of_study,used_peer_support,would_recommend,suggestions,"
    "k10_1,k10_2,k10_3,k10_4,k10_5,k10_6,k10_7,k10_8,k10_9,k10_10,submitted\r\n"
)
SURVEY_ROWS = sorted(
    [
        '0,0,0,0,0,0,0,0,0,0,0,1,0,0,0,0,year1,,5,"More evening hours, please",2,,,,,,,,,3,1\r\n',
        "0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,year2,,,,,,,,,,,,,,1\r\n",
        "0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,year2,,,,,,,,,,,,,,1\r\n",
        # No barrier cell filled: the question was not answered, so no matrix is stored (not "all unchecked").
        ",,,,,,,,,,,,,,,,year4,,1,'=SUM(A1),5,,,,,,,,,5,1\r\n",
    ]
)


def body_rows(text: str) -> list[str]:
    header, _, body = text.partition("\r\n")
    return sorted(line + "\r\n" for line in body.split("\r\n") if line)


def test_responses_import_creates_the_survey_with_k10_and_exports_the_same_rows(app, empty_store):
    result = imports.import_responses(app.store, app.settings, RESPONSES_IN.encode(), "y2025")
    assert result == Imported(rows=4, added=4, created_survey=True)
    survey = app.store.get_survey("y2025")
    assert (survey.form, survey.k10) == ("end_of_year_survey", True)

    table = exports.export_responses(app.store, "y2025")
    text = text_of(table)
    assert table.filename == "responses_y2025.csv"
    assert text.startswith(SURVEY_HEADER)
    assert body_rows(text) == SURVEY_ROWS
    assert [a.id for a in app.store.iter_answers("y2025")] == sorted(
        a.id for a in app.store.iter_answers("y2025")
    )

    # Into another program's store and back out: the same file.
    assert imports.import_responses(empty_store, app.settings, text.encode(), "y2025") == Imported(
        rows=4, added=4, created_survey=True
    )
    assert text_of(exports.export_responses(empty_store, "y2025")) == text


def test_blank_answers_survive_export_then_import(app, empty_store):
    """A student may send the survey with every question skipped (after confirming). Such a row
    exported all blank, the import skipped it as a spreadsheet's empty row, and the count fell."""
    from shared.records import Answer

    imports.import_responses(app.store, app.settings, RESPONSES_IN.encode(), "y2025")
    blank = [Answer(f"blank{i}", "y2025", date(2025, 4, 2), {}) for i in range(2)]
    app.store.add_answers(app.store.get_survey("y2025"), blank)
    text = text_of(exports.export_responses(app.store, "y2025"))
    assert body_rows(text).count("," * 30 + "1\r\n") == 2  # every cell blank but the marker
    result = imports.import_responses(empty_store, app.settings, text.encode(), "y2026")
    assert result.added == app.store.count_answers("y2025") == 6
    assert body_rows(text_of(exports.export_responses(empty_store, "y2026"))) == body_rows(text)
    # A file without the marker column (made by hand) still imports; a wrong marker is refused.
    assert imports.import_responses(empty_store, app.settings, RESPONSES_IN.encode(), "y2027").added == 4
    bad = "year_of_study,submitted\nyear1,yes\n"
    with pytest.raises(Invalid, match="line 2"):
        imports.import_responses(empty_store, app.settings, bad.encode(), "y2028")


def test_importing_responses_again_adds_nothing_and_identical_rows_stay_two(app):
    imports.import_responses(app.store, app.settings, RESPONSES_IN.encode(), "y2025")
    again = imports.import_responses(app.store, app.settings, RESPONSES_IN.encode(), "y2025")
    assert again == Imported(rows=4, added=0)
    # The same rows re-saved with other line endings and a BOM are the same responses.
    resaved = "\ufeff" + RESPONSES_IN.replace("\n", "\r\n")
    assert imports.import_responses(app.store, app.settings, resaved.encode(), "y2025").added == 0
    assert app.store.count_answers("y2025") == 4


def test_response_ids_look_random_and_hold_nothing_but_a_keyed_hash(app):
    imports.import_responses(app.store, app.settings, RESPONSES_IN.encode(), "y2025")
    ids = [a.id for a in app.store.iter_answers("y2025")]
    assert all(len(i) == 64 and int(i, 16) >= 0 for i in ids)
    [answer] = [a for a in app.store.iter_answers("y2025") if a.answers.get("year_of_study") == "year1"]
    assert answer.id == imports.response_id(app.settings.secret_key, "y2025", answer.answers, 1)
    assert answer.id != imports.response_id("another-secret-key-0123456789", "y2025", answer.answers, 1)


def test_responses_export_of_a_survey_without_k10_has_no_k10_columns(app):
    supporters_free = "year_of_study\nyear3\n"
    imports.import_responses(app.store, app.settings, supporters_free.encode(), "y2026")
    assert app.store.get_survey("y2026").k10 is False
    text = text_of(exports.export_responses(app.store, "y2026"))
    assert text == SURVEY_HEADER.replace(
        ",k10_1,k10_2,k10_3,k10_4,k10_5,k10_6,k10_7,k10_8,k10_9,k10_10", ""
    ) + (",,,,,,,,,,,,,,,,year3,,,,1\r\n")


# -- the CLI ---------------------------------------------------------------------------


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_cli_export_and_import_interactions(app, tmp_path):
    seed(app)
    exported = run("export", "interactions")
    assert exported.exit_code == 0
    assert exported.stdout_bytes == EXPORT.encode()

    path = tmp_path / "interactions.csv"
    path.write_bytes(exported.stdout_bytes)
    again = run("import", "interactions", str(path))
    assert (again.exit_code, again.stdout) == (0, "Imported 0 interactions (5 already there).\n")

    between = run("export", "interactions", "--from", "2024-02-01", "--to", "2024-02-29", "--bom")
    assert between.stdout_bytes == ("\ufeff" + HEADER + ROWS[1] + ROWS[2]).encode()


def test_cli_import_into_an_empty_store_creates_supporters_when_asked(app, tmp_path):
    path = tmp_path / "from-excel.csv"
    path.write_text(EXPORT, encoding="utf-8-sig")

    refused = run("import", "interactions", str(path))
    assert refused.exit_code == 1
    assert refused.stderr == (
        "Error: from-excel.csv: nothing was imported:\n"
        "  no supporter has the alias 'Kim' (lines 4, 6), 'Sam' (lines 2, 5, 7); add them first "
        "(sidebyside supporters add ALIAS) or import with --create-supporters.\n"
    )
    assert app.store.list_supporters() == []

    done = run("import", "interactions", str(path), "--create-supporters")
    assert done.exit_code == 0
    assert done.stdout == "Imported 5 interactions.\n"
    assert (
        "Added supporters Kim, Sam; give each a link with `sidebyside supporters relink ALIAS`."
        in done.stderr
    )
    assert stored(app.store)[0][:3] == ("00000000-0000-4000-8000-000000000001", "Sam", date(2024, 1, 15))


def test_cli_import_and_export_responses(app, tmp_path):
    path = tmp_path / "google-forms.csv"
    path.write_text(RESPONSES_IN, encoding="utf-8")
    imported = run("import", "responses", str(path), "--survey", "y2025")
    assert (imported.exit_code, imported.stdout) == (0, "Imported 4 responses.\n")
    assert "Created survey y2025." in imported.stderr

    exported = run("export", "responses", "--survey", "y2025")
    assert exported.exit_code == 0
    assert body_rows(exported.stdout_bytes.decode()) == SURVEY_ROWS


def test_cli_errors_are_one_message_and_exit_code_1(app, tmp_path):
    missing = run("export", "responses", "--survey", "nope")
    assert (missing.exit_code, missing.stderr) == (1, "Error: There is no survey 'nope'.\n")
    backwards = run("export", "interactions", "--from", "2024-03-01", "--to", "2024-02-01")
    assert (backwards.exit_code, backwards.stderr) == (
        1,
        "Error: The start date 2024-03-01 is after the end date 2024-02-01.\n",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("supporter,colour\nSam,blue\n")
    refused = run("import", "interactions", str(bad))
    assert refused.exit_code == 1
    assert refused.stderr.startswith(
        "Error: bad.csv: the header (line 1) has unknown column 'colour'; nothing was imported.\n"
    )
    assert run("import", "interactions", str(tmp_path / "absent.csv")).exit_code == 2  # click: no such file


def test_cli_import_of_a_large_file_shows_progress_on_stderr(app, tmp_path, monkeypatch):
    from shared.cli import data

    monkeypatch.setattr(data, "PROGRESS_FROM_BYTES", 4096)  # "large" from 4 KB, to keep the test quick
    supporters.add_supporter(app.store, app.settings, "Sam")
    row = "Sam,2024-01-15,phone,student,academic,none,none,no,{}\n"
    lines = [
        "supporter,occurred_on,format,initiated_by,topics,concern_level,referral,follow_up_planned,note\n"
    ]
    lines += [row.format(f"note {i:03d} " + "x" * 200) for i in range(40)]
    path = tmp_path / "big.csv"
    path.write_text("".join(lines))
    small = tmp_path / "small.csv"
    small.write_text("".join(lines[:3]))

    result = run("import", "interactions", str(path))
    assert result.exit_code == 0
    assert "Importing big.csv" in result.stderr
    assert result.stdout == "Imported 40 interactions.\n"
    quiet = run("import", "interactions", str(small))
    assert (quiet.stdout, quiet.stderr) == ("Imported 0 interactions (2 already there).\n", "")


# -- the admin routes ------------------------------------------------------------------

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def test_admin_interactions_csv_streams_the_export_with_a_bom(app, client_for):
    seed(app)
    admin = client_for("admin")
    response = admin.get("/export/interactions.csv", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="interactions.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_data() == ("\ufeff" + EXPORT).encode()

    between = admin.get("/export/interactions.csv?from=2024-02-01&to=2024-02-29", headers=AUTH)
    assert (
        between.headers["Content-Disposition"]
        == 'attachment; filename="interactions_2024-02-01_2024-02-29.csv"'
    )
    assert between.get_data() == ("\ufeff" + HEADER + ROWS[1] + ROWS[2]).encode()


def test_admin_responses_csv(app, client_for):
    imports.import_responses(app.store, app.settings, RESPONSES_IN.encode(), "y2025")
    response = client_for("admin").get("/export/responses.csv?survey=y2025", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="responses_y2025.csv"'
    text = response.get_data().decode("utf-8-sig")
    assert text.startswith(SURVEY_HEADER) and body_rows(text) == SURVEY_ROWS


def test_admin_exports_need_the_token(app, client_for):
    admin = client_for("admin")
    json = {"Accept": "application/json"}  # the admin API is JSON
    for path in ("/export/interactions.csv", "/export/responses.csv?survey=y2025"):
        assert admin.get(path, headers=json).status_code == 401
        assert admin.get(path, headers={**json, "Authorization": "Bearer wrong"}).status_code == 401


def test_admin_export_bad_requests_are_4xx_with_reasons(app, client_for):
    admin = client_for("admin")
    headers = {**AUTH, "Accept": "application/json"}
    bad_day = admin.get("/export/interactions.csv?from=2024-13-01", headers=headers)
    assert bad_day.status_code == 400
    assert bad_day.get_json()["errors"] == {"from": ["Enter a date as YYYY-MM-DD."]}
    assert admin.get("/export/interactions.csv?to=20240101", headers=headers).status_code == 400
    backwards = admin.get("/export/interactions.csv?from=2024-03-01&to=2024-02-01", headers=headers)
    assert backwards.status_code == 400
    no_survey = admin.get("/export/responses.csv", headers=headers)
    assert (no_survey.status_code, no_survey.get_json()["errors"]) == (
        400,
        {"survey": ["Give the survey's id."]},
    )
    unknown = admin.get("/export/responses.csv?survey=nope", headers=headers)
    assert (unknown.status_code, unknown.get_json()["message"]) == (404, "There is no survey 'nope'.")
    assert admin.post("/export/interactions.csv", headers=headers).status_code == 405
