"""Imports that must store nothing: wrong headers, bad values anywhere in the file, unknown
aliases, files that are not UTF-8 CSV. Each says what is wrong and where, on the in-memory store (the contract suite holds SQLite and Firestore to the same behaviour)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest

from shared.errors import Invalid
from shared.records import Survey
from shared.services import imports, supporters

HEADER = "supporter,occurred_on,format,initiated_by,topics,concern_level,referral,follow_up_planned\n"
GOOD = "Sam,2024-01-15,phone,student,academic,none,none,no\n"
EVERYTHING = (date.min, date.max)


def refused(app: Any, text: str | bytes, **options: Any) -> str:
    """The message of an import that must fail, after checking that it stored nothing at all."""
    data = text.encode() if isinstance(text, str) else text
    before = [s.alias for s in app.store.list_supporters()]
    with pytest.raises(Invalid) as failed:
        imports.import_interactions(app.store, app.settings, data, name="log.csv", **options)
    assert list(app.store.iter_interactions(*EVERYTHING)) == []
    assert [s.alias for s in app.store.list_supporters()] == before
    return failed.value.message


@pytest.fixture
def sam(app):
    return supporters.add_supporter(app.store, app.settings, "Sam").supporter


def test_a_header_from_another_tool_names_the_unknown_columns_and_the_expected_ones(app, sam):
    message = refused(app, "Timestamp,Email Address,Format\n2024-01-15,a@b.c,phone\n")
    assert message == (
        "log.csv: the header (line 1) has unknown columns 'Timestamp', 'Email Address', 'Format'; "
        "missing column 'supporter'; nothing was imported.\n"
        "  Expected columns (supporter required): id, supporter, occurred_on, format, initiated_by, "
        "duration_minutes, year_of_study, topics, concern_level, referral, follow_up_planned, note"
    )


def test_a_header_of_thousands_of_long_names_is_repeated_back_short(app, sam):
    """A header is the caller's text: its problem names at most ten columns, each cut short."""
    names = [f"column-{n}-" + "x" * 200 for n in range(3000)]
    message = refused(app, "supporter," + ",".join(names) + "\n")
    assert len(message) < 2000
    assert "'column-0-xxx" in message and "(+2990)" in message and "column-10-" not in message


def test_one_unknown_or_repeated_column_is_an_error(app, sam):
    assert refused(app, HEADER.replace("\n", ",mood\n") + GOOD.replace("\n", ",fine\n")).startswith(
        "log.csv: the header (line 1) has unknown column 'mood'; nothing was imported."
    )
    assert refused(app, HEADER.replace("\n", ",format\n") + GOOD.replace("\n", ",phone\n")).startswith(
        "log.csv: the header (line 1) has column 'format' appears twice; nothing was imported."
    )


def test_a_bad_value_on_line_40000_stores_nothing_and_says_where(app, sam):
    lines = [HEADER] + [GOOD] * 39_998 + [GOOD.replace("phone", "carrier pigeon")] + [GOOD] * 5
    message = refused(app, "".join(lines), create_supporters=True)
    assert message == (
        "log.csv: nothing was imported; 1 row has problems:\n"
        "  line 40000: format: “How did you connect?”: choose from the options given."
    )


def test_every_bad_row_is_listed_up_to_fifty_then_counted(app, sam):
    future = GOOD.replace("2024-01-15", "2999-01-01")
    early = GOOD.replace("2024-01-15", "2019-12-31")
    rows = [HEADER, GOOD, future, early, "Sam,2024-01-15,phone\n"] + [future] * 60
    message = refused(app, "".join(rows))
    listed = message.split("\n  ")
    assert listed[0] == "log.csv: nothing was imported; 63 rows have problems:"
    assert listed[1:4] == [
        "line 3: occurred_on: “Date of the interaction”: the date cannot be in the future.",
        "line 4: occurred_on: “Date of the interaction”: the date cannot be before 2020-01-01.",
        # A short row reads its missing cells as blank (Excel leaves off trailing delimiters).
        "line 5: initiated_by: “Who reached out first?”: please answer this question; "
        "topics: “What did you talk about?”: please answer this question; "
        "concern_level: “Your level of concern for the student”: please answer this question; "
        "referral: “Did you refer the student to a resource?”: please answer this question; "
        "follow_up_planned: “Did you plan a follow-up?”: please answer this question.",
    ]
    assert len(listed) == 1 + 50 + 1
    assert listed[-1] == "... and 13 more rows."


def test_several_problems_in_one_row_are_all_named(app, sam):
    row = "Sam,,phone,student,,none,nowhere,maybe\n"
    assert refused(app, HEADER + row) == (
        "log.csv: nothing was imported; 1 row has problems:\n"
        "  line 2: occurred_on: “Date of the interaction”: please answer this question; "
        "topics: “What did you talk about?”: please answer this question; "
        "referral: “Did you refer the student to a resource?”: choose from the options given; "
        "follow_up_planned: “Did you plan a follow-up?”: answer yes or no."
    )


def test_unknown_aliases_are_listed_unless_supporters_may_be_created(app, sam):
    text = (
        HEADER + GOOD + GOOD.replace("Sam", "Kim") + GOOD.replace("Sam", "Lee") + GOOD.replace("Sam", "Kim")
    )
    assert refused(app, text) == (
        "log.csv: nothing was imported:\n"
        "  no supporter has the alias 'Kim' (lines 3, 5), 'Lee' (line 4); add them first "
        "(sidebyside supporters add ALIAS) or import with --create-supporters."
    )
    assert refused(app, text + GOOD.replace("Sam", "_bad alias!"), create_supporters=True).startswith(
        "log.csv: nothing was imported; 1 row has problems:\n  line 6: supporter: '_bad alias!' cannot be an alias."
    )
    assert refused(app, HEADER + GOOD.replace("Sam,", ",")) == (
        "log.csv: nothing was imported; 1 row has problems:\n  line 2: supporter: the supporter's alias is missing."
    )
    done = imports.import_interactions(app.store, app.settings, text.encode(), create_supporters=True)
    assert done.created_supporters == ("Kim", "Lee")
    assert [s.alias for s in app.store.list_supporters()] == ["Kim", "Lee", "Sam"]


def test_aliases_in_rows_match_supporters_whatever_their_case(app, sam):
    """ "sam" and " KIM " are Sam and Kim: an import with create makes no case-variant twin."""
    text = HEADER + GOOD.replace("Sam", "sam") + GOOD.replace("Sam", "Kim") + GOOD.replace("Sam,", "KIM ,")
    done = imports.import_interactions(app.store, app.settings, text.encode(), create_supporters=True)
    assert done.created_supporters == ("Kim",)
    assert [s.alias for s in app.store.list_supporters()] == ["Kim", "Sam"]
    counts = Counter(i.supporter_id for i in app.store.iter_interactions(*EVERYTHING))
    assert counts == {sam.id: 1, app.store.find_supporter("Kim").id: 2}


def test_ids_must_be_uuids_and_each_used_once(app, sam):
    with_ids = "id," + HEADER
    first = "3f2b8c1e-8d5a-4a61-9a57-2c1d0e4b7f90," + GOOD
    assert refused(app, with_ids + first + "row-7," + GOOD + first) == (
        "log.csv: nothing was imported; 2 rows have problems:\n"
        "  line 3: id: 'row-7' is not a UUID (or leave the cell empty).\n"
        "  line 4: id: 3f2b8c1e-8d5a-4a61-9a57-2c1d0e4b7f90 is also on line 2."
    )


def test_files_that_are_not_utf8_csv(app, sam):
    assert refused(app, b"") == "log.csv is empty: it needs a header line; nothing was imported."
    latin1 = (
        HEADER.replace("\n", ",note\n") + GOOD.replace("\n", ",ok\n") + GOOD.replace("\n", ",Élise\n")
    ).encode("cp1252")
    assert refused(app, latin1) == (
        "log.csv is not UTF-8 text (line 3 has other characters); save it as “CSV UTF-8 (Comma delimited)”. "
        "Nothing was imported."
    )
    assert refused(app, (HEADER + GOOD + "Sam,2024-01-15,\ud800\n").encode("utf-16", "surrogatepass")) == (
        "log.csv is not UTF-16 text; save it as “CSV UTF-8 (Comma delimited)”. Nothing was imported."
    )
    assert refused(app, HEADER + GOOD + 'Sam,"2024-01-15"x,phone\n') == (
        "log.csv line 3 is not valid CSV (',' expected after '\"'). Nothing was imported."
    )
    assert refused(app, HEADER + GOOD + GOOD.replace("phone", "ph\x00one")) == (
        "log.csv: nothing was imported; 1 row has problems:\n"
        "  line 3: format: “How did you connect?”: choose from the options given."
    )


def test_a_bom_excel_semicolons_and_blank_rows_are_accepted(app, sam):
    excel = "\ufeff" + (HEADER + GOOD).replace(",", ";").replace("\n", "\r\n") + ";;;;;;;\r\n"
    result = imports.import_interactions(app.store, app.settings, excel.encode())
    assert (result.rows, result.added) == (1, 1)
    [stored] = app.store.iter_interactions(*EVERYTHING)
    assert stored.answers["topics"] == ["academic"] and stored.occurred_on == date(2024, 1, 15)


def test_a_header_only_file_imports_nothing_without_error(app, sam):
    assert imports.import_interactions(app.store, app.settings, HEADER.encode()).rows == 0


# -- responses -------------------------------------------------------------------------


def refused_responses(app: Any, text: str, survey_id: str = "y2025") -> str:
    with pytest.raises(Invalid) as failed:
        imports.import_responses(app.store, app.settings, text.encode(), survey_id, name="survey.csv")
    assert app.store.count_answers(survey_id) == 0 if app.store.get_survey(survey_id) else True
    return failed.value.message


def test_responses_with_a_bad_value_create_no_survey_and_store_nothing(app):
    text = "year_of_study,would_recommend,barriers.peer_support.stigma\nyear1,5,1\nyear9,6,maybe\n"
    assert refused_responses(app, text) == (
        "survey.csv: nothing was imported; 1 row has problems:\n"
        "  line 3: barriers.peer_support.stigma: “barriers.peer_support.stigma”: the cell must be 1 or 0."
    )
    assert app.store.get_survey("y2025") is None
    assert refused_responses(app, "year_of_study,would_recommend\nyear9,6\n") == (
        "survey.csv: nothing was imported; 1 row has problems:\n"
        "  line 2: year_of_study: “Your year of study”: choose from the options given; "
        "would_recommend: “How likely are you to recommend the peer support program to a classmate?”: "
        "choose from the options given."
    )


def test_k10_columns_in_a_survey_run_without_k10_are_refused(app):
    app.store.add_survey(Survey(id="y2025", k10=False))
    message = refused_responses(app, "year_of_study,k10_1\nyear1,3\n")
    assert message.startswith(
        "survey.csv: the header (line 1) has unknown column 'k10_1'; nothing was imported."
    )
    assert message.endswith("Survey 'y2025' was run without the K10 questions, so K10 columns do not belong.")


def test_a_survey_id_that_cannot_be_one_is_refused(app):
    with pytest.raises(Invalid) as failed:
        imports.import_responses(app.store, app.settings, b"year_of_study\nyear1\n", "Year 2025!")
    assert (
        failed.value.message
        == "'Year 2025!' cannot be a survey id: use 1 to 40 lowercase letters, digits, '-' or '_',"
        " not both starting and ending with '__'."
    )
    assert app.store.list_surveys() == []
