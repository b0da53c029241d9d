"""Forms as data: definitions, validation, the message catalogue, HTML, CSV and labels.

Small forms are written inline as YAML, the way pyxform's tests write small tables.
"""

from __future__ import annotations

import gzip
import re
from datetime import date
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from shared.forms import (
    CATALOGUE,
    FIELD_TYPES,
    LANGS,
    FormDefinitionError,
    FormInvalid,
    ValidationContext,
    error_summary,
    load_form,
    message,
    parse_form,
    render_fields,
    template_env,
    validate,
)

TESTS = Path(__file__).parent
TODAY = date(2024, 5, 2)
START = date(2018, 9, 1)
CTX = ValidationContext(today=TODAY, min_date=START)
ALL_OFF = {"faculty_services": [], "peer_support": []}


def one_field(body: str) -> str:
    """A whole form around one field written as YAML lines."""
    return "id: t\ntitle: {en: T, fr: T}\nfields:\n" + body


def errors(form, data, context=CTX) -> dict[str, list[str]]:
    with pytest.raises(FormInvalid) as caught:
        validate(form, data, context=context)
    return caught.value.errors


@pytest.fixture(scope="module")
def example():
    return load_form("example_form", TESTS)


@pytest.fixture(scope="module")
def log():
    return load_form("interaction_log")


@pytest.fixture(scope="module")
def survey():
    return load_form("end_of_year_survey")


# -- definitions -------------------------------------------------------------------------


def test_example_form_loads_from_a_directory(example):
    assert example.id == "example_form"
    assert [f.type for f in example.all_fields()] == [
        "date",
        "integer",
        "choice",
        "multi",
        "boolean",
        "text",
        "matrix",
        "likert",
    ]
    assert [s.id for s in example.sections] == ["extra"]
    assert [f.id for f in example.fields()] == ["day", "count", "colour", "pets", "happy", "comment", "grid"]
    assert example.field("mood").section == "extra"
    assert load_form("example_form", TESTS) is example  # cached


def test_every_field_type_is_a_row_of_the_table():
    assert sorted(FIELD_TYPES) == [
        "boolean",
        "choice",
        "date",
        "integer",
        "likert",
        "matrix",
        "multi",
        "text",
    ]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            "  - {id: a, type: radio, label: {en: A, fr: A}}\n",
            "field 'a': unknown type 'radio' (known: boolean",
        ),
        (
            "  - {id: a, type: date, label: {en: A, fr: A}}\n  - {id: a, type: date, label: {en: B, fr: B}}\n",
            "field 'a': duplicate id 'a'",
        ),
        ("  - {id: a, type: date, label: {en: A}}\n", "field 'a' label: missing fr"),
        ("  - {id: a, type: date, label: {en: A, fr: ' '}}\n", "field 'a' label: the fr text is empty"),
        ("  - {id: a, type: date}\n", "field 'a': missing label"),
        ("  - {id: a, type: date, requird: true, label: {en: A, fr: A}}\n", "unknown key(s) requird"),
        ("  - {id: a, type: date, max: 3, label: {en: A, fr: A}}\n", "unknown key(s) max"),
        ("  - {id: a, type: choice, label: {en: A, fr: A}}\n", "a choice field needs choices"),
        (
            "  - {id: a, type: integer, min: 5, max: 1, label: {en: A, fr: A}}\n",
            "min (5) is greater than max (1)",
        ),
        ("  - {id: a, type: integer, min: '1', label: {en: A, fr: A}}\n", "min must be a whole number"),
        (
            "  - {id: a, type: text, max_length: 0, label: {en: A, fr: A}}\n",
            "max_length must be a whole number of at least 1",
        ),
        ("  - {id: A b, type: date, label: {en: A, fr: A}}\n", "id 'A b' must be lowercase letters"),
        (
            "  - {id: a, type: date, required: yes please, label: {en: A, fr: A}}\n",
            "required must be true or false",
        ),
        (
            "  - {id: a, type: likert, choices: [{id: x, label: {en: X, fr: X}}], label: {en: A, fr: A}}\n",
            "id 'x' must be a whole number",
        ),
        (
            "  - {id: a, type: choice, choices: [{id: 1, label: {en: X, fr: X}}], label: {en: A, fr: A}}\n",
            "id 1 must be lowercase",
        ),
        (
            "  - {id: a, type: choice, choices: [{id: x, label: {en: X, fr: X}}, {id: x, label: {en: Y, fr: Y}}],"
            " label: {en: A, fr: A}}\n",
            "duplicate option id 'x'",
        ),
        ("  - {id: a, type: choice, choices: nope, label: {en: A, fr: A}}\n", "no choice list named 'nope'"),
        (
            "  - {id: a, type: multi, min_selected: 2, choices: [{id: x, label: {en: X, fr: X}}], label: {en: A, fr: A}}\n",
            "min_selected (2) is more than the 1 choices",
        ),
        (
            "  - {id: m, type: matrix, choices: [{id: x, label: {en: X, fr: X}}], label: {en: A, fr: A}}\n",
            "a matrix needs rows",
        ),
        (
            "  - {id: m, type: matrix, required: true, rows: [{id: r, label: {en: R, fr: R}}],"
            " choices: [{id: x, label: {en: X, fr: X}}], label: {en: A, fr: A}}\n",
            "a matrix is always answered",
        ),
        (
            "  - {id: m, type: matrix, rows: [{id: x, label: {en: R, fr: R}}],"
            " choices: [{id: x, label: {en: X, fr: X}}], label: {en: A, fr: A}}\n",
            "ids used both as row and as choice: x",
        ),
        (
            "  - {id: m, type: matrix, row_question: {en: '{row}?', fr: 'Q?'}, rows: [{id: r, label: {en: R, fr: R}}],"
            " choices: [{id: x, label: {en: X, fr: X}}], label: {en: A, fr: A}}\n",
            "row_question must contain {row} in every language",
        ),
        (
            "  - {id: s, type: section, label: {en: S, fr: S}, fields: [{id: t, type: section, label: {en: T, fr: T},"
            " fields: [{id: a, type: date, label: {en: A, fr: A}}]}]}\n",
            "sections cannot be nested",
        ),
        (
            "  - {id: s, type: section, label: {en: S, fr: S}, fields: []}\n",
            "fields must be a non-empty list",
        ),
        ("  - just a string\n", "item 1: expected a mapping"),
        ("  - {id: a, type: date, label: {en: A, fr: A}\n", "not valid YAML"),
    ],
)
def test_bad_definitions_are_named_clearly(body, problem):
    with pytest.raises(FormDefinitionError) as caught:
        parse_form(one_field(body), source="t.yaml")
    assert str(caught.value).startswith("t.yaml: ")
    assert problem in str(caught.value)


def test_bad_form_level_definitions():
    with pytest.raises(FormDefinitionError, match="form: missing fields, title"):
        parse_form("id: t\n")
    with pytest.raises(FormDefinitionError, match="form: expected a mapping"):
        parse_form("- 1\n")
    with pytest.raises(FormDefinitionError, match="no form 'nope'"):
        load_form("nope", TESTS)
    with pytest.raises(FormDefinitionError, match="is not a form name"):
        load_form("../forms/interaction_log")


def test_form_id_must_match_its_file_name(tmp_path):
    (tmp_path / "one.yaml").write_text(one_field("  - {id: a, type: date, label: {en: A, fr: A}}\n"))
    with pytest.raises(FormDefinitionError, match="one.yaml: id is 't', expected 'one'"):
        load_form("one", tmp_path)


def test_unknown_section_name_is_a_programming_error(survey):
    with pytest.raises(ValueError, match="no switchable section"):
        survey.columns({"k11"})
    with pytest.raises(ValueError, match="lang must be one of en, fr"):
        ValidationContext(lang="de")


# -- validation, type by type ------------------------------------------------------------

DATE = parse_form(one_field("  - {id: d, type: date, label: {en: When, fr: Quand}}\n"))


def test_date_good():
    assert validate(DATE, {"d": "2024-05-02"}, context=CTX) == {"d": "2024-05-02"}
    assert validate(DATE, {"d": "2018-09-01"}, context=CTX) == {"d": "2018-09-01"}
    assert validate(DATE, {"d": date(2020, 1, 31)}, context=CTX) == {"d": "2020-01-31"}
    assert validate(DATE, {"d": "2999-01-01"}, context=ValidationContext()) == {"d": "2999-01-01"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-03", "“When”: the date cannot be in the future."),
        ("2018-08-31", "“When”: the date cannot be before 2018-09-01."),
        ("2024-02-30", "“When”: enter a date as YYYY-MM-DD."),
        ("2024/05/01", "“When”: enter a date as YYYY-MM-DD."),
        ("20240501", "“When”: enter a date as YYYY-MM-DD."),
        (20240501, "“When”: enter a date as YYYY-MM-DD."),
        (["2024-05-01"], "“When”: enter a date as YYYY-MM-DD."),
        ("9" * 100_000, "“When”: enter a date as YYYY-MM-DD."),
    ],
)
def test_date_bad(value, expected):
    assert errors(DATE, {"d": value}) == {"d": [expected]}


INTEGER = parse_form(
    one_field("  - {id: n, type: integer, min: 0, max: 600, label: {en: Minutes, fr: Minutes}}\n")
)


def test_integer_good():
    assert validate(INTEGER, {"n": 30}, context=CTX) == {"n": 30}
    assert validate(INTEGER, {"n": "30"}, context=CTX) == {"n": 30}
    assert validate(INTEGER, {"n": " 600 "}, context=CTX) == {"n": 600}
    assert validate(INTEGER, {"n": 30.0}, context=CTX) == {"n": 30}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-1, "“Minutes”: enter a number of at least 0."),
        (601, "“Minutes”: enter a number no greater than 600."),
        ("601", "“Minutes”: enter a number no greater than 600."),
        (30.5, "“Minutes”: enter a whole number."),
        ("thirty", "“Minutes”: enter a whole number."),
        ("1e3", "“Minutes”: enter a whole number."),
        (True, "“Minutes”: enter a whole number."),
        ("9" * 5000, "“Minutes”: enter a whole number."),
        ({"n": 1}, "“Minutes”: enter a whole number."),
    ],
)
def test_integer_bad(value, expected):
    assert errors(INTEGER, {"n": value}) == {"n": [expected]}


CHOICE = parse_form(
    one_field(
        "  - id: c\n    type: choice\n    label: {en: Format, fr: Format}\n    choices:\n"
        "      - {id: phone, label: {en: Phone, fr: Téléphone}}\n      - {id: video, label: {en: Video, fr: Vidéo}}\n"
    )
)


def test_choice():
    assert validate(CHOICE, {"c": "video"}, context=CTX) == {"c": "video"}
    for bad in ["fax", "Phone", 1, ["phone"], {"phone": True}, "phone" * 10_000]:
        assert errors(CHOICE, {"c": bad}) == {"c": ["“Format”: choose from the options given."]}


MULTI = parse_form(
    one_field(
        "  - id: m\n    type: multi\n    min_selected: 2\n    label: {en: Topics, fr: Sujets}\n    choices:\n"
        "      - {id: a, label: {en: A, fr: A}}\n      - {id: b, label: {en: B, fr: B}}\n"
        "      - {id: c, label: {en: C, fr: C}}\n"
    )
)


def test_multi_is_sorted_in_definition_order_without_repeats():
    assert validate(MULTI, {"m": ["c", "a", "c"]}, context=CTX) == {"m": ["a", "c"]}


def test_multi_bad():
    assert errors(MULTI, {"m": ["a"]}) == {"m": ["“Topics”: choose at least 2 options."]}
    assert errors(MULTI, {"m": ["a", "z"]}) == {"m": ["“Topics”: choose from the options given."]}
    assert errors(MULTI, {"m": ["a", 1]}) == {"m": ["“Topics”: choose from the options given."]}
    assert errors(MULTI, {"m": "a"}) == {"m": ["“Topics”: the answer must be a list of options."]}
    assert errors(MULTI, {"m": {"a": 1}}) == {"m": ["“Topics”: the answer must be a list of options."]}


def test_required_multi_means_at_least_one(log):
    assert errors(log, {"topics": []})["topics"] == [
        "“What did you talk about?”: please answer this question."
    ]


BOOLEAN = parse_form(one_field("  - {id: b, type: boolean, label: {en: 'Follow-up?', fr: 'Suivi?'}}\n"))


def test_boolean():
    for value, stored in [
        (True, True),
        (False, False),
        ("yes", True),
        ("no", False),
        ("Yes ", True),
        ("false", False),
    ]:
        assert validate(BOOLEAN, {"b": value}, context=CTX) == {"b": stored}
    for bad in ["maybe", 1, 0, "on", ["yes"]]:
        assert errors(BOOLEAN, {"b": bad}) == {"b": ["“Follow-up?”: answer yes or no."]}


TEXT = parse_form(
    one_field(
        "  - {id: line, type: text, max_length: 10, label: {en: Line, fr: Ligne}}\n"
        "  - {id: note, type: text, multiline: true, max_length: 280, label: {en: Note, fr: Note}}\n"
    )
)


def test_text_is_kept_as_typed_trimmed():
    assert validate(TEXT, {"line": "  a\nb  ", "note": " one\r\ntwo\n"}, context=CTX) == {
        "line": "a b",
        "note": "one\ntwo",
    }
    assert validate(TEXT, {"note": "<script>alert(1)</script>"}, context=CTX) == {
        "note": "<script>alert(1)</script>"
    }
    assert validate(TEXT, {"line": "é" * 10}, context=CTX) == {"line": "é" * 10}


def test_text_bad():
    assert errors(TEXT, {"line": "x" * 11}) == {"line": ["“Line”: use at most 10 characters."]}
    assert errors(TEXT, {"note": "x" * 10_000_000}) == {"note": ["“Note”: use at most 280 characters."]}
    assert errors(TEXT, {"line": 12}) == {"line": ["“Line”: the answer must be text."]}
    assert errors(TEXT, {"note": ["a"]}) == {"note": ["“Note”: the answer must be text."]}
    bad = ["“Note”: the text contains control characters that are not allowed."]
    assert errors(TEXT, {"note": "a\x00b"}) == {"note": bad}
    assert errors(TEXT, {"note": "a\ud800b"}) == {"note": bad}


LIKERT = parse_form(
    one_field(
        "  - id: k\n    type: likert\n    label: {en: Nervous, fr: Nerveux}\n    choices:\n"
        + "".join(f"      - {{id: {n}, label: {{en: P{n}, fr: P{n}}}}}\n" for n in range(1, 6))
    )
)


def test_likert():
    assert validate(LIKERT, {"k": 1}, context=CTX) == {"k": 1}
    assert validate(LIKERT, {"k": "5"}, context=CTX) == {"k": 5}
    for bad in [0, 6, "0", "6", 2.5, "often", True, [3]]:
        assert errors(LIKERT, {"k": bad}) == {"k": ["“Nervous”: choose from the options given."]}


def test_matrix_rows_are_answered_by_a_barrier_or_none_of_these(survey):
    # A service nothing was checked for is no answer for it: left out, not "no barrier".
    assert validate(survey, {}, context=CTX) == {"barriers": {}}
    assert validate(survey, {"barriers": None}, context=CTX) == {"barriers": {}}
    assert validate(survey, {"barriers": {}}, context=CTX) == {"barriers": {}}
    assert validate(
        survey, {"barriers": {"peer_support": ["stigma", "career_impact", "stigma"]}}, context=CTX
    ) == {"barriers": {"peer_support": ["career_impact", "stigma"]}}
    assert validate(survey, {"barriers": {"faculty_services": ["none"]}}, context=CTX) == {
        "barriers": {"faculty_services": ["none"]}
    }
    assert errors(survey, {"barriers": {"peer_support": ["none", "stigma"]}}) == {
        "barriers.peer_support": [
            "“the peer support program”: choose “None of these” or the ones that apply, not both."
        ]
    }
    # An explicit empty row (a file's row of 0s, or an answer stored before the choice) stays "no barrier".
    assert validate(survey, {"barriers": {"faculty_services": None, "peer_support": ""}}, context=CTX) == {
        "barriers": ALL_OFF
    }


def test_matrix_bad(survey):
    assert errors(survey, {"barriers": {"library": ["stigma"], "peer_support": ["stigma", "cost"]}}) == {
        "barriers.library": ["“library” is not a question on this form."],
        "barriers.peer_support": ["“the peer support program”: choose from the options given."],
    }
    assert errors(survey, {"barriers": {"faculty_services": "stigma"}}) == {
        "barriers.faculty_services": [
            "“Faculty of Medicine services (Student Affairs / Wellness)”: the answer must be a list of options."
        ]
    }
    assert errors(survey, {"barriers": ["stigma"]}) == {
        "barriers": ["“Barriers to seeking help”: this answer is not valid."]
    }


# -- whole submissions ---------------------------------------------------------------------

LOG_ANSWERS = {
    "occurred_on": "2024-05-01",
    "format": "in_person",
    "initiated_by": "student",
    "duration_minutes": 45,
    "year_of_study": "year2",
    "topics": ["academic", "burnout_stress"],
    "concern_level": "some",
    "referral": "counselling",
    "follow_up_planned": True,
    "note": "Exam stress; will check in next week.",
}

SURVEY_ANSWERS = {
    "barriers": {"faculty_services": ["career_impact", "confidentiality"], "peer_support": []},
    "year_of_study": "year3",
    "used_peer_support": "once",
    "would_recommend": 4,
    "suggestions": "More evening hours.",
    "k10_1": 2,
    "k10_2": 3,
    "k10_10": 1,
}


def test_interaction_log_good(log):
    assert validate(log, LOG_ANSWERS, context=CTX) == LOG_ANSWERS
    minimal = {
        k: LOG_ANSWERS[k] for k in ["occurred_on", "format", "initiated_by", "topics", "concern_level"]
    }
    minimal |= {"referral": "none", "follow_up_planned": False, "duration_minutes": "", "note": "   "}
    assert validate(log, minimal, context=CTX) == {
        "occurred_on": "2024-05-01",
        "format": "in_person",
        "initiated_by": "student",
        "topics": ["academic", "burnout_stress"],
        "concern_level": "some",
        "referral": "none",
        "follow_up_planned": False,
    }


def test_interaction_log_has_no_identifying_field(log):
    ids = " ".join(f.id for f in log.all_fields())
    for word in ["name", "email", "phone_number", "student_number", "student_id"]:
        assert word not in ids
    assert log.field("note").help.en.startswith(
        "Do not write names or anything that could identify the student."
    )
    assert log.field("note").max_length == 280


def test_every_required_question_is_named_in_both_languages(log):
    assert errors(log, {}) == {
        "occurred_on": ["“Date of the interaction”: please answer this question."],
        "format": ["“How did you connect?”: please answer this question."],
        "initiated_by": ["“Who reached out first?”: please answer this question."],
        "topics": ["“What did you talk about?”: please answer this question."],
        "concern_level": ["“Your level of concern for the student”: please answer this question."],
        "referral": ["“Did you refer the student to a resource?”: please answer this question."],
        "follow_up_planned": ["“Did you plan a follow-up?”: please answer this question."],
    }
    french = errors(log, {"format": "fax"}, ValidationContext(lang="fr"))
    assert french["format"] == [
        "«\u00a0Comment avez-vous communiqué\u202f?\u00a0»\u00a0: choisissez parmi les options proposées."
    ]
    assert french["occurred_on"] == [
        "«\u00a0Date de l'interaction\u00a0»\u00a0: veuillez répondre à cette question."
    ]


def test_unknown_fields_are_rejected_under_their_key(log):
    got = errors(log, LOG_ANSWERS | {"student_name": "Alex", "submission_id": "x"})
    assert got == {
        "student_name": ["“student_name” is not a question on this form."],
        "submission_id": ["“submission_id” is not a question on this form."],
    }
    assert errors(log, LOG_ANSWERS | {"": ""}) == {"": ["“” is not a question on this form."]}


@pytest.mark.parametrize("garbage", [None, 7, "answers", ["occurred_on"], [LOG_ANSWERS], True])
def test_not_an_object(log, garbage):
    assert errors(log, garbage) == {
        "_form": ["The answers must be an object that maps question ids to answers."]
    }
    assert errors(log, garbage, ValidationContext(lang="fr")) == {
        "_form": [
            "Les réponses doivent être un objet qui associe chaque identifiant de question à sa réponse."
        ]
    }


def test_blank_is_no_answer_never_zero(survey, example):
    skipped = {"year_of_study": "", "used_peer_support": None, "would_recommend": " ", "suggestions": ""}
    assert validate(survey, skipped, context=CTX) == {"barriers": {}}  # no service answered
    assert validate(example, {"day": "2024-01-01", "count": 0}, context=CTX) == {
        "day": "2024-01-01",
        "count": 0,
        "grid": {"a": [], "b": []},
    }
    assert validate(example, {"day": "2024-01-01", "count": ""}, context=CTX) == {
        "day": "2024-01-01",
        "grid": {"a": [], "b": []},
    }


def test_every_survey_question_may_be_skipped(survey):
    assert not any(f.required for f in survey.all_fields())
    assert validate(survey, {}, context=ValidationContext(sections={"k10"})) == {"barriers": {}}


def test_k10_section_is_off_unless_switched_on(survey):
    on = ValidationContext(sections=frozenset({"k10"}))
    assert validate(survey, SURVEY_ANSWERS, context=on) == SURVEY_ANSWERS
    assert errors(survey, SURVEY_ANSWERS) == {
        "k10_1": ["“k10_1” is not a question on this form."],
        "k10_2": ["“k10_2” is not a question on this form."],
        "k10_10": ["“k10_10” is not a question on this form."],
    }
    assert errors(survey, {"k10_3": 0, "k10_4": 6}, on) == {
        "k10_3": [
            "“During the last 30 days, about how often did you feel so nervous that nothing could calm you down?”:"
            " choose from the options given."
        ],
        "k10_4": [
            "“During the last 30 days, about how often did you feel hopeless?”: choose from the options given."
        ],
    }


def test_k10_has_the_ten_standard_items_scored_1_to_5(survey):
    items = survey.section("k10").fields
    assert [f.id for f in items] == [f"k10_{n}" for n in range(1, 11)]
    assert all(f.type == "likert" and [c.id for c in f.choices] == [1, 2, 3, 4, 5] for f in items)
    assert [c.label.en for c in items[0].choices] == [
        "None of the time",
        "A little of the time",
        "Some of the time",
        "Most of the time",
        "All of the time",
    ]
    assert items[9].label.en == "During the last 30 days, about how often did you feel worthless?"
    assert survey.section("k10").switchable


# -- the catalogue -------------------------------------------------------------------------


def test_catalogue_codes_name_known_placeholders_and_have_french():
    # The French and the placeholders' agreement are checked for every message in
    # tests/test_translations.py; here: each code's template takes only what validation passes.
    for code, template in CATALOGUE.items():
        assert set(re.findall(r"%\((\w+)\)s", template)) <= {
            "label",
            "min",
            "max",
            "min_date",
            "max_length",
            "min_selected",
        }, code
        assert message(code, "fr", label="X", min=1, max=2, min_date="d", max_length=3, min_selected=4) != (
            message(code, "en", label="X", min=1, max=2, min_date="d", max_length=3, min_selected=4)
        ), code


def test_catalogue_messages_in_both_languages():
    assert (
        message("too_large", "en", label="Minutes", max=600)
        == "“Minutes”: enter a number no greater than 600."
    )
    assert message("too_large", "fr", label="Minutes", max=600) == (
        "«\u00a0Minutes\u00a0»\u00a0: entrez un nombre égal ou inférieur à 600."
    )
    assert message("date_too_early", "fr", label="Date", min_date="2018-09-01") == (
        "«\u00a0Date\u00a0»\u00a0: la date ne peut pas être antérieure au 2018-09-01."
    )
    assert message("no-such-code", "en", label="X") == "“X”: this answer is not valid."


def test_every_validation_code_is_in_the_catalogue():
    source = "".join(p.read_text() for p in (TESTS.parent / "shared" / "forms").glob("*.py"))
    raised = set(re.findall(r'ValidationError\("(\w+)"\)', source)) | {
        "required",
        "unknown_field",
        "not_an_object",
    }
    assert raised <= set(CATALOGUE)


# -- HTML ----------------------------------------------------------------------------------


def test_parse_html_gives_what_validate_takes(log):
    posted = MultiDict(
        [
            ("occurred_on", "2024-05-01"),
            ("format", "in_person"),
            ("initiated_by", "student"),
            ("duration_minutes", "45"),
            ("year_of_study", "year2"),
            ("topics", "burnout_stress"),
            ("topics", "academic"),
            ("concern_level", "some"),
            ("referral", "counselling"),
            ("follow_up_planned", "yes"),
            ("note", "Exam stress; will check in next week."),
            ("submission_id", "0f9c"),
            ("t", "token"),
            ("lang", "en"),
        ]
    )
    data = log.parse_html(posted, ignore={"submission_id", "t", "lang"})
    assert data == {
        "occurred_on": "2024-05-01",
        "format": "in_person",
        "initiated_by": "student",
        "duration_minutes": "45",
        "year_of_study": "year2",
        "topics": ["burnout_stress", "academic"],
        "concern_level": "some",
        "referral": "counselling",
        "follow_up_planned": "yes",
        "note": "Exam stress; will check in next week.",
    }
    assert validate(log, data, context=CTX) == LOG_ANSWERS


def test_parse_html_blanks_are_absent_and_strays_are_kept_for_rejection(log):
    posted = MultiDict(
        [("duration_minutes", ""), ("note", "  "), ("topics", ""), ("format", "a"), ("format", "b")]
    )
    posted.add("evil", "<script>")
    assert log.parse_html(posted) == {"format": ["a", "b"], "evil": "<script>"}
    got = errors(log, log.parse_html(posted))
    assert got["format"] == ["“How did you connect?”: choose from the options given."]
    assert got["evil"] == ["“evil” is not a question on this form."]


def test_parse_html_matrix(survey):
    posted = MultiDict(
        [("barriers.peer_support", "stigma"), ("barriers.peer_support", "no_time"), ("would_recommend", "5")]
    )
    data = survey.parse_html(posted)
    assert data == {
        "barriers": {"peer_support": ["stigma", "no_time"]},  # faculty_services not answered
        "would_recommend": "5",
    }
    assert validate(survey, data, context=CTX) == {
        "barriers": {"peer_support": ["stigma", "no_time"]},
        "would_recommend": 5,
    }
    assert survey.parse_html(MultiDict()) == {}
    assert errors(survey, survey.parse_html(MultiDict([("barriers.gym", "stigma")]))) == {
        "barriers.gym": ["“gym” is not a question on this form."]
    }


def test_render_keeps_values_on_re_render(log):
    html = str(render_fields(log, values=LOG_ANSWERS, errors={}, lang="en"))
    assert '<input type="date" id="q-occurred_on" name="occurred_on" value="2024-05-01" required="">' in html
    assert '<input type="radio" name="format" value="in_person" checked required="">' in html
    assert '<input type="radio" name="format" value="phone" required="">' in html
    assert 'name="duration_minutes" value="45"' in html
    assert '<input type="checkbox" name="topics" value="academic" checked>' in html
    assert '<input type="checkbox" name="topics" value="burnout_stress" checked>' in html
    assert '<input type="checkbox" name="topics" value="finances">' in html
    assert '<input type="radio" name="follow_up_planned" value="yes" checked required="">' in html
    assert "\nExam stress; will check in next week.</textarea>" in html


def test_render_round_trip_from_posted_values(survey):
    posted = MultiDict([("barriers.faculty_services", "stigma"), ("would_recommend", "4"), ("k10_2", "3")])
    html = str(
        render_fields(survey, values=survey.parse_html(posted), errors={}, lang="fr", sections={"k10"})
    )
    assert 'name="barriers.faculty_services" value="stigma" checked>' in html
    assert 'name="barriers.peer_support" value="stigma">' in html
    assert 'name="would_recommend" value="4" checked>' in html
    assert 'name="k10_2" value="3" checked>' in html
    assert (
        "<legend>Lesquels de ces éléments vous feraient hésiter à consulter le programme de soutien" in html
    )


def test_render_escapes_answers(log):
    html = str(render_fields(log, values={"note": "</textarea><script>x</script>"}, errors={}, lang="en"))
    assert "<script>" not in html
    assert "&lt;/textarea&gt;&lt;script&gt;x&lt;/script&gt;</textarea>" in html


def test_render_puts_each_error_beside_its_field(log, survey):
    errs = errors(log, {"format": "fax", "duration_minutes": "0"})
    html = str(render_fields(log, values={}, errors=errs, lang="en"))
    assert (
        '<fieldset class="q bad" id="q-format" aria-describedby="q-format-e"><legend>How did you connect? '
        '<span class="req">(required)</span></legend>\n'
        '<p class="err" id="q-format-e">“How did you connect?”: choose from the options given.</p>\n'
        '<label class="o"><input type="radio" name="format" value="in_person" required="" aria-invalid="true">'
    ) in html
    assert (
        '<p class="err" id="q-duration_minutes-e">“How long did it last?”: enter a number of at least 1.</p>\n'
        '<input type="text" inputmode="numeric" pattern="[0-9]*" class="n" id="q-duration_minutes"'
        ' name="duration_minutes" value="" aria-describedby="q-duration_minutes-h q-duration_minutes-e"'
        ' aria-invalid="true">'
    ) in html
    errs = {"barriers.peer_support": ["Bad row."], "mystery": ["“mystery” is not a question on this form."]}
    html = str(render_fields(survey, values={}, errors=errs, lang="en"))
    assert (
        '<fieldset class="q bad" id="q-barriers.peer_support" aria-describedby="q-barriers.peer_support-e">'
        in html
    )
    assert "mystery" not in html  # a message for no question shown is the summary's


def test_error_summary_links_each_message_to_its_question_in_form_order(log, survey):
    """Issue 12, item 10: the GOV.UK error summary, focused on load."""
    assert error_summary(log, {}) == ""
    errs = errors(log, {"format": "fax", "duration_minutes": "0"})
    html = str(error_summary(log, {**errs, "submission_id": ["Bad id."]}, lang="en"))
    assert html.startswith(
        '<div class="err summary" id="error-summary" role="alert" tabindex="-1" autofocus'
        ' aria-labelledby="error-summary-t">\n<h2 id="error-summary-t">Some answers need a look. Nothing was'
        " saved yet.</h2>\n<ul>\n"
    )
    links = re.findall(r'<li>(?:<a href="([^"]+)">)?([^<]+)', html)
    assert links[:3] == [
        ("#q-occurred_on", "“Date of the interaction”: please answer this question."),
        ("#q-format", "“How did you connect?”: choose from the options given."),
        ("#q-initiated_by", "“Who reached out first?”: please answer this question."),
    ]
    assert links[-1] == ("", "Bad id.")
    assert [href for href, _ in links] == [f"#q-{key}" for key in errs] + [""]
    # Every link names an element of the page that render_fields makes.
    page = str(render_fields(log, values={}, errors=errs, lang="en"))
    assert all(f'id="{href[1:]}"' in page for href, _ in links if href)
    rows = str(error_summary(survey, {"barriers.peer_support": ["Bad row."]}, lang="fr"))
    assert '<a href="#q-barriers.peer_support">Bad row.</a>' in rows
    assert "Certaines réponses sont à revoir." in rows


def test_rendered_markup_is_accessible_and_compact(log, survey):
    for form, sections in [(log, ()), (survey, ()), (survey, {"k10"})]:
        for lang in LANGS:
            html = str(render_fields(form, values={}, errors={}, lang=lang, sections=sections, today=TODAY))
            ids = re.findall(r' id="([^"]+)"', html)
            assert len(ids) == len(set(ids))
            for ref in re.findall(r'aria-describedby="([^"]+)"', html):
                assert all(r in ids for r in ref.split())
            for control in re.findall(r'<(?:input|textarea)[^>]* id="([^"]+)"[^>]*>', html):
                assert f'<label for="{control}">' in html
            groups = re.findall(r'<fieldset class="q[^"]*" id="([^"]+)"', html)  # error summary targets
            assert groups and all(g.startswith("q-") for g in groups)
            assert html.count("<fieldset") == html.count("<legend>") + html.count("<legend ")
            assert not re.search(r"\s(style|on[a-z]+)=|<script|<style", html)  # the CSP forbids them
            assert len(gzip.compress(html.encode())) < 6000
    html = str(render_fields(log, values={}, errors={}, lang="en", today=TODAY, min_date=START))
    assert (
        'type="date" id="q-occurred_on" name="occurred_on" value="" required="" min="2018-09-01" max="2024-05-02"'
        in html
    )


def test_k10_is_rendered_only_when_switched_on(survey):
    assert "k10_1" not in render_fields(survey, values={}, errors={}, lang="en")
    html = str(render_fields(survey, values={}, errors={}, lang="en", sections={"k10"}))
    assert html.count('type="radio" name="k10_') == 50
    assert '<fieldset class="sec" aria-describedby="s-k10-h"><legend>How you have been feeling' in html


def test_template_env_is_shared_strict_and_escaping():
    env = template_env()
    assert env is template_env()
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    with pytest.raises(Exception, match="undefined"):
        env.from_string("{{ missing }}").render()
    assert env.globals["render_fields"] is render_fields


def test_stylesheet_is_small_and_has_the_basics():
    css = (TESTS.parent / "forms" / "static" / "app.css").read_text()
    assert len(css.encode()) < 4096
    for rule in [":focus-visible{", "min-height:2.75rem", ".err{", "[aria-invalid=true]"]:
        assert rule in css


# -- CSV -------------------------------------------------------------------------------------


def test_survey_columns(survey):
    barriers = [
        "career_impact",
        "not_helpful",
        "confidentiality",
        "stigma",
        "no_time",
        "dont_know_how",
        "prefer_self",
        "other",
    ]
    base = [f"barriers.{s}.{b}" for s in ["faculty_services", "peer_support"] for b in barriers] + [
        "year_of_study",
        "used_peer_support",
        "would_recommend",
        "suggestions",
    ]
    assert survey.columns() == base
    assert survey.columns({"k10"}) == base + [f"k10_{n}" for n in range(1, 11)]


def test_log_columns(log):
    assert log.columns() == [
        "occurred_on",
        "format",
        "initiated_by",
        "duration_minutes",
        "year_of_study",
        "topics",
        "concern_level",
        "referral",
        "follow_up_planned",
        "note",
    ]


def test_log_row_round_trip(log):
    row = log.to_row(LOG_ANSWERS)
    assert row == {
        "occurred_on": "2024-05-01",
        "format": "in_person",
        "initiated_by": "student",
        "duration_minutes": "45",
        "year_of_study": "year2",
        "topics": "academic;burnout_stress",
        "concern_level": "some",
        "referral": "counselling",
        "follow_up_planned": "yes",
        "note": "Exam stress; will check in next week.",
    }
    assert validate(log, log.from_row(row), context=CTX) == LOG_ANSWERS


def test_survey_row_round_trip_and_blanks(survey):
    row = survey.to_row(SURVEY_ANSWERS, sections={"k10"})
    assert list(row) == survey.columns({"k10"})
    assert row["barriers.faculty_services.career_impact"] == "1"
    assert row["barriers.faculty_services.stigma"] == "0"
    assert row["barriers.peer_support.stigma"] == "0"
    assert [row[f"k10_{n}"] for n in range(1, 11)] == ["2", "3", "", "", "", "", "", "", "", "1"]
    on = ValidationContext(sections={"k10"})
    assert validate(survey, survey.from_row(row), context=on) == SURVEY_ANSWERS
    skipped = validate(survey, {}, context=CTX)
    assert survey.to_row(skipped) == dict.fromkeys(survey.columns(), "")  # no service answered: blank, not 0
    assert validate(survey, survey.from_row(survey.to_row(skipped)), context=CTX) == skipped


def test_from_row_missing_columns_mean_no_answer(survey, log):
    assert survey.from_row({}) == {}
    assert survey.from_row({"would_recommend": "3", "barriers.peer_support.stigma": "1"}) == {
        "would_recommend": "3",
        "barriers": {"faculty_services": [], "peer_support": ["stigma"]},
    }
    assert log.from_row({"topics": " academic ; finances;", "note": ""}) == {
        "topics": ["academic", "finances"]
    }


def test_from_row_rejects_a_matrix_cell_that_is_not_1_or_0(survey):
    with pytest.raises(FormInvalid) as caught:
        survey.from_row({"barriers.peer_support.stigma": "yes"}, lang="fr")
    assert caught.value.errors == {
        "barriers.peer_support.stigma": [
            "«\u00a0barriers.peer_support.stigma\u00a0»\u00a0: la cellule doit contenir 1 ou 0."
        ]
    }


def test_to_row_refuses_answers_outside_its_columns(survey):
    with pytest.raises(ValueError, match="k10_1"):
        survey.to_row({"k10_1": 3})


# -- labels ----------------------------------------------------------------------------------


def test_labels(example):
    assert example.labels("fr") == {
        "extra": "Supplément",
        "day": "Jour",
        "count": "Nombre",
        "colour": "Couleur",
        "colour.red": "Rouge",
        "colour.blue": "Bleu",
        "pets": "Animaux",
        "pets.cat": "Chat",
        "pets.dog": "Chien",
        "pets.fish": "Poisson",
        "happy": "Heureux",
        "happy.yes": "Oui",
        "happy.no": "Non",
        "comment": "Commentaire",
        "grid": "Grille",
        "grid.a": "Service A",
        "grid.b": "Service B",
        "grid.x": "X",
        "grid.y": "Y",
        "mood": "Humeur",
        "mood.1": "Pas d'accord",
        "mood.2": "Neutre",
        "mood.3": "D'accord",
    }


def test_survey_labels_for_the_report(survey):
    labels = survey.labels("en")
    assert labels["barriers.faculty_services"] == "Faculty of Medicine services (Student Affairs / Wellness)"
    assert labels["barriers.peer_support"] == "the peer support program"
    assert labels["barriers.dont_know_how"] == "Not knowing how to reach out"
    assert labels["would_recommend.5"] == "Very likely"
    assert labels["k10"].startswith("How you have been feeling")


# -- in a real browser -------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGS)
def test_forms_pass_axe_at_320px_with_big_tap_targets(page, axe, log, survey, lang):
    log_errors = errors(log, {"format": "fax", "duration_minutes": "0", "bogus": "1"})
    survey_errors = errors(
        survey, {"barriers": {"peer_support": ["x"]}, "k10_1": 9}, ValidationContext(sections={"k10"})
    )
    page.set_viewport_size({"width": 320, "height": 640})
    for form, errs in [(log, {}), (log, log_errors), (survey, {}), (survey, survey_errors)]:
        fields = render_fields(
            form,
            values={"topics": ["academic"]},
            errors=errs,
            lang=lang,
            sections={"k10"} if form is survey else (),
        )
        page.set_content(
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{form.title.get(lang)}</title>'
            f'</head><body><main><h1>{form.title.get(lang)}</h1><form method="post">{fields}'
            "<button>Send</button></form></main></body></html>"
        )
        page.add_style_tag(path=str(TESTS.parent / "forms" / "static" / "app.css"))
        assert axe(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        small = page.evaluate(
            "[...document.querySelectorAll('label.o, input[type=text], input[type=date], textarea, button')]"
            ".filter(e => e.getBoundingClientRect().height < 44).length"
        )
        assert small == 0
