"""Imports of files as Excel, LibreOffice and Google Sheets write them: the used range, short
rows, delimiters and encodings, labels instead of codes, locale dates, and problem counts
that agree with the rows listed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from shared.errors import Invalid
from shared.services import imports, supporters

EVERYTHING = (date.min, date.max)
HEADER = (
    "id,supporter,occurred_on,format,initiated_by,duration_minutes,year_of_study,topics,"
    "concern_level,referral,follow_up_planned,note"
)
ROW = ",Sam,2024-01-15,phone,student,20,year2,academic,none,none,no,fine"
STORED = {
    "occurred_on": "2024-01-15",
    "format": "phone",
    "initiated_by": "student",
    "duration_minutes": 20,
    "year_of_study": "year2",
    "topics": ["academic"],
    "concern_level": "none",
    "referral": "none",
    "follow_up_planned": False,
    "note": "fine",
}


@pytest.fixture
def sam(app):
    return supporters.add_supporter(app.store, app.settings, "Sam").supporter


def imported(app: Any, data: str | bytes) -> list[dict[str, Any]]:
    raw = data.encode() if isinstance(data, str) else data
    imports.import_interactions(app.store, app.settings, raw, name="log.csv")
    return [i.answers for i in app.store.iter_interactions(*EVERYTHING)]


def refused(app: Any, data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(Invalid) as failed:
        imports.import_interactions(app.store, app.settings, raw, name="log.csv")
    assert list(app.store.iter_interactions(*EVERYTHING)) == []
    return failed.value.message


def test_excel_used_range_blank_columns_are_ignored(app, sam):
    # Issue 12 item 1: the header and each row end in ",," (two unnamed, empty columns).
    assert imported(app, f"{HEADER},,\r\n{ROW},,\r\n") == [STORED]


def test_a_value_under_a_column_with_no_name_is_a_problem(app, sam):
    assert refused(app, f"{HEADER},,\r\n{ROW},,oops\r\n") == (
        "log.csv: nothing was imported; 1 row has problems:\n"
        "  line 2: has a value in column N, which has no name in the header."
    )


def test_short_rows_read_their_missing_last_cells_as_blank(app, sam):
    # Issue 12 item 2: 11 cells under a 12-column header (the note left off).
    short = ROW.rsplit(",", 1)[0]
    assert len(short.split(",")) == 11
    assert imported(app, f"{HEADER}\n{short}\n") == [{k: v for k, v in STORED.items() if k != "note"}]


def test_a_row_longer_than_the_header_stays_an_error(app, sam):
    assert refused(app, f"{HEADER}\n{ROW},extra\n") == (
        "log.csv: nothing was imported; 1 row has problems:\n"
        "  line 2: has 13 cells where the header has 12 columns."
    )


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"], ids=["comma", "semicolon", "tab", "pipe"])
def test_each_delimiter_spreadsheets_write(app, sam, delimiter):
    text = f"{HEADER}\r\n{ROW}\r\n".replace(",", delimiter)
    assert imported(app, text) == [STORED]


def test_excel_sep_line_decides_the_delimiter(app, sam):
    # A note holding commas would fool a guess; Excel's "sep=" line says it outright.
    row = ROW.replace("fine", "fine, really, fine").replace(",", ";").replace("fine; really; fine", "a, b, c")
    text = f"sep=;\r\n{HEADER.replace(',', ';')}\r\n{row}\r\n"
    assert imported(app, text) == [{**STORED, "note": "a, b, c"}]


def test_excel_unicode_text_utf16_tab_separated(app, sam):
    text = f"{HEADER}\r\n{ROW.replace('fine', 'Élise va bien')}\r\n".replace(",", "\t")
    assert imported(app, text.encode("utf-16")) == [{**STORED, "note": "Élise va bien"}]


def test_old_mac_line_endings(app, sam):
    assert imported(app, f"{HEADER}\r{ROW}\r") == [STORED]


def test_labels_in_either_language_and_any_case(app, sam):
    # Issue 12 item 4: "In person", "Year 1", "Yes", "En personne" were refused.
    rows = [
        ",Sam,2024-01-15, In person ,The student,20,Year 1,Mental health,No concern,No referral,Yes,",
        ",Sam,2024-01-16,En personne,moi,,1re année,santé mentale,URGENT,aucune orientation,oui,",
        ",Sam,2024-01-17,phone,student,,year2,academic,none,none,TRUE,",
        ",Sam,2024-01-18,Appel vidéo,Moi,,Autre ou inconnue,Études (cours; examens),Une certaine inquiétude,Other,FAUX,",
    ]
    assert refused(app, HEADER + "\n" + rows[3] + "\n").endswith(
        "line 2: topics: “What did you talk about?”: choose from the options given."
    )
    stored = imported(app, "\n".join([HEADER, *rows[:3]]) + "\n")
    assert [
        (
            a["format"],
            a["initiated_by"],
            a["year_of_study"],
            a["topics"],
            a["concern_level"],
            a["referral"],
            a["follow_up_planned"],
        )
        for a in stored
    ] == [
        ("in_person", "student", "year1", ["mental_health"], "none", "none", True),
        ("in_person", "supporter", "year1", ["mental_health"], "urgent", "none", True),
        ("phone", "student", "year2", ["academic"], "none", "none", True),
    ]


def test_topic_lists_each_way(app, sam):
    cells = [
        "academic;mental_health",
        "Mental health; Finances",
        "Burnout or stress, Finances",
        "Academics (courses, exams, studying)",
        # Google Forms joins checkbox labels with ", ", and this label holds commas itself.
        "Academics (courses, exams, studying), Mental health",
    ]
    rows = [ROW.replace(",academic,", f',"{c}",').replace(",20,", f",{20 + i},") for i, c in enumerate(cells)]
    stored = imported(app, "\n".join([HEADER, *rows]) + "\n")
    assert sorted((a["duration_minutes"], a["topics"]) for a in stored) == [
        (20, ["academic", "mental_health"]),
        (21, ["mental_health", "finances"]),
        (22, ["burnout_stress", "finances"]),
        (23, ["academic"]),
        (24, ["academic", "mental_health"]),
    ]


def test_locale_dates_read_one_way_are_taken_and_ambiguous_ones_explained(app, sam):
    rows = [
        ROW.replace("2024-01-15", d).replace(",20,", f",{20 + i},")
        for i, d in enumerate(["15/01/2024", "1/15/2024", "15.01.2024"])
    ]
    stored = imported(app, "\n".join([HEADER, *rows]) + "\n")
    assert [a["occurred_on"] for a in stored] == ["2024-01-15"] * 3
    app_rows = ROW.replace("2024-01-15", "03/04/2024")
    imports_message = refused_fresh(app, f"{HEADER}\n{app_rows}\n")
    assert imports_message == (
        "log.csv: nothing was imported; 1 row has problems:\n"
        "  line 2: occurred_on: “Date of the interaction”: '03/04/2024' could be day/month or month/day; "
        "write dates as YYYY-MM-DD (in the spreadsheet, format the column as yyyy-mm-dd before saving)."
    )


def refused_fresh(app: Any, text: str) -> str:
    with pytest.raises(Invalid) as failed:
        imports.import_interactions(app.store, app.settings, text.encode(), name="log.csv")
    return failed.value.message


def test_counts_agree_with_the_rows_listed_one_a_line(app, sam):
    # Issue 12 item 5: "3 rows have problems" then four problems, and ".;" between messages.
    rows = [
        ROW.replace("phone", "pigeon"),
        ROW.replace("Sam", "Kim"),
        ROW.replace(",no,", ",maybe,").replace(",2024-01-15,", ",,"),
        ROW + ",x",
        ROW.replace("Sam", "Lee").replace("none,none", "none,nowhere"),
    ]
    message = refused(app, "\n".join([HEADER, *rows]) + "\n")
    assert message == (
        "log.csv: nothing was imported; 4 rows have problems:\n"
        "  line 2: format: “How did you connect?”: choose from the options given.\n"
        "  line 4: occurred_on: “Date of the interaction”: please answer this question; "
        "follow_up_planned: “Did you plan a follow-up?”: answer yes or no.\n"
        "  line 5: has 13 cells where the header has 12 columns.\n"
        "  line 6: referral: “Did you refer the student to a resource?”: choose from the options given.\n"
        "  Also: no supporter has the alias 'Kim' (line 3); add them first (sidebyside supporters add ALIAS) "
        "or import with --create-supporters."
    )
    assert ".;" not in message and ".." not in message


def test_responses_take_labels_and_sheets_checkboxes(app):
    text = (
        "year_of_study,would_recommend,barriers.peer_support.stigma,barriers.faculty_services.stigma\n"
        "Year 1,Very likely,TRUE,FALSE\n"
        "2e année,Très improbable,vrai,0\n"
    )
    imports.import_responses(app.store, app.settings, text.encode(), "y2025", name="survey.csv")
    answers = sorted(
        (
            (
                a.answers["year_of_study"],
                a.answers["would_recommend"],
                a.answers["barriers"]["peer_support"],
                a.answers["barriers"]["faculty_services"],
            )
            for a in app.store.iter_answers("y2025")
        ),
    )
    assert answers == [
        ("year1", 5, ["stigma"], []),
        ("year2", 1, ["stigma"], []),
    ]


def test_rows_past_the_fiftieth_with_several_problems_count_once(app, sam):
    bad = ROW.replace("phone", "pigeon").replace(",no,", ",maybe,")  # two problems in one row
    message = refused(app, "\n".join([HEADER, *[bad] * 60]) + "\n")
    lines = message.split("\n  ")
    assert lines[0] == "log.csv: nothing was imported; 60 rows have problems:"
    assert len(lines) == 1 + 50 + 1 and lines[-1] == "... and 10 more rows."
