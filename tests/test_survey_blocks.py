"""The instrument library (forms/blocks/): definitions in both languages, scoring, switching
blocks on per survey (CLI and admin API), blocks fixed once a survey opens, and the support
resources on the thank-you page (issue 14, items 3 and 5)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from click.testing import CliRunner
from werkzeug.datastructures import MultiDict

from shared.cli import cli
from shared.forms import LANGS, load_form, parse_form
from shared.forms.model import FormDefinitionError
from shared.report.stats import K10_BANDS
from shared.services import imports, surveys
from tests.conftest import ADMIN_TOKEN
from tests.support.answers import opened
from tests.test_survey_links import issue, new_survey, today

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
NO_BARRIERS: dict = {"barriers": {}}  # no service answered: neither a barrier nor "None of these" checked
BLOCKS = ["k10", "phq9", "gad7", "help_seeking", "service_use"]


# -- the definitions ------------------------------------------------------------------------------


def test_every_block_is_defined_in_both_languages_with_source_licence_and_scoring():
    form = load_form("end_of_year_survey")
    assert form.blocks() == BLOCKS
    for block in form.sections:
        instrument = block.instrument
        assert instrument is not None, block.id
        assert instrument.source and instrument.licence and instrument.scoring
        for lang in LANGS:
            assert block.label.get(lang) and block.help.get(lang)
            for field in block.fields:
                assert field.label.get(lang), (block.id, field.id, lang)
                assert all(c.label.get(lang) for c in field.choices)
            assert all(b.label.get(lang) for b in instrument.bands)
        # The French differs from the English (a missing translation would copy it).
        assert all(f.label.en != f.label.fr for f in block.fields if not f.label.en.isdigit())


@pytest.mark.parametrize(
    ("block", "items", "points", "low", "high"),
    [
        ("k10", 10, [1, 2, 3, 4, 5], 10, 50),
        ("phq9", 9, [0, 1, 2, 3], 0, 27),
        ("gad7", 7, [0, 1, 2, 3], 0, 21),
    ],
)
def test_scored_instruments_have_standard_items_points_and_contiguous_bands(block, items, points, low, high):
    instrument = load_form("end_of_year_survey").section(block).instrument
    section = load_form("end_of_year_survey").section(block)
    assert len(section.fields) == items == len(instrument.items)
    assert all([c.id for c in f.choices] == points for f in section.fields)
    bands = instrument.bands
    assert (bands[0].low, bands[-1].high) == (low, high)
    assert all(a.high + 1 == b.low for a, b in zip(bands, bands[1:], strict=False))


def test_k10_bands_are_the_reports_andrews_and_slade_bands():
    instrument = load_form("end_of_year_survey").section("k10").instrument
    assert [(b.id, b.low, b.high) for b in instrument.bands] == list(K10_BANDS)


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [
        # Kroenke 2001 bands: 4 minimal, 5 mild, 14 moderate, 15 moderately severe, 20 severe.
        ([0, 0, 0, 0, 0, 1, 1, 1, 1], 4, "minimal"),
        ([1, 1, 1, 1, 1, 0, 0, 0, 0], 5, "mild"),
        ([2, 2, 2, 2, 2, 2, 2, 0, 0], 14, "moderate"),
        ([3, 3, 3, 3, 3, 0, 0, 0, 0], 15, "moderately_severe"),
        ([3, 3, 3, 3, 3, 3, 2, 0, 0], 20, "severe"),
    ],
)
def test_phq9_scoring_and_bands(answers, total, band):
    instrument = load_form("end_of_year_survey").section("phq9").instrument
    given = {f"phq9_{i}": v for i, v in enumerate(answers, 1)}
    assert instrument.score(given) == total
    assert instrument.band(total).id == band
    partial = dict(given)
    del partial["phq9_3"]
    assert instrument.score(partial) is None  # a partial sum is no score


def test_phq9_item_9_is_for_the_whole_survey_only_and_shows_support():
    instrument = load_form("end_of_year_survey").section("phq9").instrument
    assert instrument.whole_survey_only == ("phq9_9",)
    assert load_form("end_of_year_survey").whole_survey_only() == {"phq9_9"}
    assert instrument.needs_support({"phq9_9": 1})
    assert not instrument.needs_support({"phq9_9": 0, "phq9_1": 3})
    k10 = load_form("end_of_year_survey").section("k10").instrument
    assert k10.needs_support({f"k10_{i}": 3 for i in range(1, 11)})  # 30: very high
    assert not k10.needs_support({f"k10_{i}": 3 for i in range(1, 10)} | {"k10_10": 2})  # 29: high


def test_a_block_that_is_not_in_the_library_is_a_definition_error(tmp_path):
    text = "id: f\ntitle: {en: F, fr: F}\nfields:\n  - {id: a, type: text, label: {en: A, fr: A}}\nblocks: [nope]\n"
    with pytest.raises(FormDefinitionError, match="no block 'nope'"):
        parse_form(text, blocks_dir=tmp_path)
    (tmp_path / "nope.yaml").write_text(
        "id: nope\nlabel: {en: N, fr: N}\nfields:\n  - {id: b, type: text, label: {en: B, fr: B}}\n"
    )
    with pytest.raises(FormDefinitionError, match="missing instrument"):
        parse_form(text, blocks_dir=tmp_path)


# -- switching blocks on ----------------------------------------------------------------------------


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_cli_creates_a_survey_with_blocks_and_keeps_the_k10_alias(app):
    created = run("surveys", "create", "y2026", "--block", "phq9", "--block", "help_seeking", "--k10")
    assert (created.exit_code, created.output) == (
        0,
        "Created survey y2026 (end_of_year_survey, with k10, phq9, help_seeking).\n",
    )
    survey = app.store.get_survey("y2026")
    assert (survey.blocks, survey.k10) == (("k10", "phq9", "help_seeking"), True)
    assert surveys.sections_of(survey) == {"k10", "phq9", "help_seeking"}


def test_cli_names_the_available_blocks_for_an_unknown_one(app):
    refused = run("surveys", "create", "y2026", "--block", "phq10")
    assert refused.exit_code != 0
    assert refused.output.strip().endswith(
        "Unknown block(s) phq10 for form 'end_of_year_survey'. "
        "Available blocks: k10, phq9, gad7, help_seeking, service_use."
    )
    assert app.store.get_survey("y2026") is None


def test_admin_api_creates_with_blocks_and_refuses_an_unknown_one(app, client_for):
    admin = client_for("admin")
    created = admin.post("/surveys", json={"id": "y2026", "blocks": ["gad7", "phq9"]}, headers=AUTH)
    assert created.status_code == 201
    assert created.get_json()["blocks"] == ["gad7", "phq9"]
    refused = admin.post("/surveys", json={"id": "y2027", "blocks": ["mbi"]}, headers=AUTH)
    assert refused.status_code == 400
    body = refused.get_json()
    assert body["error"] == "unknown_block" and "Available blocks: k10, phq9" in body["message"]
    assert app.store.get_survey("y2027") is None
    bad = admin.post("/surveys", json={"id": "y2027", "blocks": "phq9"}, headers=AUTH)
    assert bad.status_code == 400 and "blocks" in bad.get_json()["errors"]


def test_blocks_can_change_while_scheduled_and_are_fixed_once_open(app, client_for):
    admin = client_for("admin")
    opens = (today(app) + timedelta(days=3)).isoformat()
    new_survey(app, "later", opens=opens)
    changed = admin.put("/surveys/later/blocks", json={"blocks": ["phq9"]}, headers=AUTH)
    assert (changed.status_code, changed.get_json()["blocks"]) == (200, ["phq9"])
    new_survey(app, "now", blocks=["k10"])
    refused = admin.put("/surveys/now/blocks", json={"blocks": ["k10", "phq9"]}, headers=AUTH)
    assert (refused.status_code, refused.get_json()["error"]) == (409, "blocks_fixed")
    assert app.store.get_survey("now").blocks == ("k10",)
    same = admin.put("/surveys/now/blocks", json={"blocks": ["k10"]}, headers=AUTH)
    assert same.status_code == 200  # asking for what is already set changes nothing
    cli_refused = run("surveys", "blocks", "now", "--block", "gad7")
    assert cli_refused.exit_code != 0 and "blocks are fixed" in cli_refused.output


def test_blocks_are_fixed_once_an_answer_arrived_even_if_still_scheduled_on_paper(app, client_for):
    new_survey(app, "y2026", blocks=["phq9"])
    [token] = issue(app)
    client_for("survey").post(f"/{token}", data={"phq9_1": "1"})
    # Even if the opening date were moved later, an answer exists: the blocks stay as they were.
    survey = app.store.get_survey("y2026")
    assert app.store.update_survey(survey, replace(survey, opens=today(app) + timedelta(days=5)))
    with pytest.raises(surveys.Conflict):
        surveys.set_blocks(app.store, "y2026", ["phq9", "gad7"], today(app))


# -- answering, and the support resources -----------------------------------------------------------


def test_the_blocks_are_asked_and_their_answers_stored(app, client_for):
    new_survey(app, blocks=["phq9", "help_seeking", "service_use"])
    [token] = issue(app)
    client = client_for("survey")
    page = client.get(f"/{token}?lang=fr").get_data(as_text=True)
    assert 'name="phq9_9"' in page and 'name="seek_peers"' in page and 'name="used_physician"' in page
    assert 'name="k10_1"' not in page and 'name="gad7_1"' not in page
    assert "Presque tous les jours" in page
    sent = client.post(
        f"/{token}",
        data=MultiDict(
            [("phq9_2", "2"), ("seek_faculty", "3"), ("seek_peers", "6"), ("used_physician", "no")]
        ),
    )
    assert sent.status_code == 303
    assert opened(app) == [
        {**NO_BARRIERS, "phq9_2": 2, "seek_faculty": 3, "seek_peers": 6, "used_physician": False}
    ]


def test_a_block_the_survey_does_not_ask_is_refused(app, client_for):
    new_survey(app, blocks=["phq9"])
    [token] = issue(app)
    refused = client_for("survey").post(f"/{token}", data={"gad7_1": "2"})
    assert refused.status_code == 400
    assert opened(app) == []


@pytest.mark.parametrize(
    ("blocks", "answers", "fragment"),
    [
        (["phq9"], {"phq9_9": "1"}, "#resources"),
        (["phq9"], {"phq9_9": "0", "phq9_1": "3"}, "#thank-you"),
        (["k10"], {f"k10_{i}": "3" for i in range(1, 11)}, "#resources"),  # 30: very high
        (["k10"], {f"k10_{i}": "2" for i in range(1, 11)}, "#thank-you"),  # 20: moderate
        ([], {"year_of_study": "year2"}, "#thank-you"),
    ],
)
def test_the_thank_you_page_shows_support_only_by_fragment_and_stores_only_the_answer(
    app, client_for, blocks, answers, fragment
):
    new_survey(app, blocks=blocks)
    [token] = issue(app)
    client = client_for("survey")
    sent = client.post(f"/{token}", data=answers)
    assert sent.status_code == 303
    assert sent.headers["Location"].endswith(f"thanks?lang=en{fragment}")
    # The fragment never reaches the server: the page it fetches is the same for everyone.
    page = client.get("/thanks?lang=en").get_data(as_text=True)
    assert '<section id="resources" class="support"' in page
    assert "Student Affairs / Wellness" in page and "9-8-8" in page
    assert opened(app) == [{**NO_BARRIERS, **{k: int(v) if v.isdigit() else v for k, v in answers.items()}}]


def test_json_clients_are_told_to_show_support(app, client_for):
    new_survey(app, blocks=["phq9"])
    [token] = issue(app)
    sent = client_for("survey").post(f"/{token}", json={"phq9_9": 2})
    assert (sent.status_code, sent.get_json()) == (201, {"status": "stored", "show_support": True})


@pytest.mark.browser
def test_the_support_section_shows_prominently_only_for_the_resources_fragment(app, live_server, page, axe):
    new_survey(app, blocks=["phq9"])
    [token] = issue(app)
    page.goto(f"{live_server.url}/survey/{token}")
    page.locator("input[name='phq9_9'][value='1']").check()
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url(f"{live_server.url}/survey/thanks?lang=en#resources")
    support = page.locator("#resources")
    assert support.is_visible()
    assert "9-8-8" in support.inner_text() and "Student Affairs / Wellness" in support.inner_text()
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert axe(page) == []
    page.goto(f"{live_server.url}/survey/thanks?lang=en#thank-you")
    assert not page.locator("#resources").is_visible()
    assert axe(page) == []


def test_importing_responses_switches_on_the_blocks_the_file_answers(app):
    text = "year_of_study,phq9_9,seek_faculty,seek_peers\nyear1,0,3,6\nyear2,1,,5\n"
    result = imports.import_responses(app.store, app.settings, text.encode(), "y2025")
    assert result.added == 2
    assert app.store.get_survey("y2025").blocks == ("phq9", "help_seeking")
    assert sorted(a.answers.get("seek_peers") for a in app.store.iter_answers("y2025")) == [5, 6]


def test_the_console_creates_a_survey_with_blocks_and_refuses_an_unknown_one(app):
    from tests.console.support import csrf, sign_in

    c = sign_in(app, "coord@example.org")
    page = c.get("/console/surveys?lang=fr").get_data(as_text=True)
    assert 'name="block" value="phq9"' in page and "Blocs de questions facultatifs" in page

    def create(survey_id: str, *blocks: str):
        data = MultiDict([("id", survey_id), ("csrf_token", csrf(c, "/console/surveys"))])
        for block in blocks:
            data.add("block", block)
        return c.post("/console/surveys", data=data)

    assert create("y2027", "phq9", "k10").status_code == 201
    assert app.store.get_survey("y2027").blocks == ("k10", "phq9")
    refused = create("y2028", "mbi")
    assert refused.status_code == 400 and "gad7" in refused.get_data(as_text=True)
    assert app.store.get_survey("y2028") is None
