"""The student-safety thank-you page (issue 14, item 5): the support resources show whenever a
block's answers call for them, a skipped item included; they survive a change of language; and
nothing a network observer sees tells a student who was shown them from one who was not."""

from __future__ import annotations

import gzip
import itertools
import json
import random

import pytest

from shared.forms import load_form
from shared.report.columns import k10_total
from shared.services import links
from tests.support.answers import opened
from tests.test_survey_links import issue, new_survey

SURVEY = load_form("end_of_year_survey")
BLOCKS = [s.id for s in SURVEY.sections if s.switchable]


def instrument(block: str):
    return SURVEY.section(block).instrument


def with_safety_band() -> list[str]:
    return [b for b in BLOCKS if instrument(b).safety_band is not None]


def test_the_blocks_with_a_safety_band_are_known():
    # If a block gains a safety band, the tests below cover it without change.
    assert with_safety_band() == ["k10", "phq9"]


@pytest.mark.parametrize("block", with_safety_band())
def test_a_skipped_item_never_hides_answers_already_in_the_safety_band(block):
    """Every item at its highest score but one skipped (any one): the lowest total the answers
    allow is already in the safety band, so the resources show, whichever item is skipped."""
    scored = instrument(block)
    low, high = scored.item_range
    for skipped in scored.items:
        answers = {item: high for item in scored.items if item != skipped}
        assert scored.needs_support(answers), f"{block} with {skipped} skipped"
        # Every item at its lowest, one skipped: nowhere near, no resources.
        assert not scored.needs_support({item: low for item in scored.items if item != skipped})


def test_the_reproductions_k10_nine_items_all_5_and_phq9_items_1_to_8_all_3():
    k10 = instrument("k10")
    assert k10.needs_support({f"k10_{i}": 5 for i in range(1, 10)})  # prorated 50, very high
    phq9 = instrument("phq9")
    assert phq9.needs_support({f"phq9_{i}": 3 for i in range(1, 9)})  # 24 already: severe


def test_the_thank_you_page_prorates_a_k10_exactly_as_the_report_does():
    """Every K10 with one item skipped, over random answers: the page shows the resources exactly
    when the report's prorated total (its own function, the PMHC MDS rule) is very high."""
    k10 = instrument("k10")
    very_high = next(b for b in k10.bands if b.id == "very_high")
    rng = random.Random(14)
    for _ in range(2000):
        given = {item: rng.randint(1, 5) for item in k10.items}
        skipped = rng.choice(k10.items)
        del given[skipped]
        total = k10_total(list(given.values()))
        assert k10.score(given) == total
        assert k10.needs_support(given) == (total >= very_high.low), (given, total)


def test_too_little_answered_shows_nothing_it_cannot_know():
    k10 = instrument("k10")
    # Two skipped, 8 x 3 = 24: the total could be anywhere from 26 to 34: not certain, no total.
    assert not k10.needs_support({f"k10_{i}": 3 for i in range(1, 9)})
    # Two skipped, 8 x 4 = 32 already with the lowest answers to the rest: very high for sure.
    assert k10.needs_support({f"k10_{i}": 4 for i in range(1, 9)})
    phq9 = instrument("phq9")
    # 19 on items 1-8, item 9 skipped: 19 to 22, moderately severe or severe: not certain.
    assert not phq9.needs_support(dict(zip(phq9.items[:8], [3, 3, 3, 3, 3, 2, 2, 0], strict=True)))
    assert not phq9.needs_support({})


@pytest.mark.parametrize(
    ("block", "answers"),
    [
        ("k10", {f"k10_{i}": "5" for i in range(1, 10)}),  # item 10 skipped: prorated 50
        ("phq9", {f"phq9_{i}": "3" for i in range(1, 9)}),  # item 9 skipped: 24, severe
        ("phq9", dict.fromkeys(("phq9_1", "phq9_2", "phq9_3", "phq9_4", "phq9_5", "phq9_6", "phq9_7"), "3")),
    ],
)
def test_the_survey_sends_a_student_with_skipped_items_to_the_resources(app, client_for, block, answers):
    new_survey(app, blocks=[block])
    [token] = issue(app)
    sent = client_for("survey").post(f"/{token}", data=answers)
    assert sent.status_code == 303
    assert sent.headers["Location"] == "thanks?lang=en#resources"
    assert opened(app) != []  # stored, and nothing beside the answer


# -- L7: what a network observer can see ---------------------------------------------------------


@pytest.mark.parametrize("encoding", ["identity", "gzip", "gzip, br"])
def test_json_replies_are_the_same_length_with_or_without_support(app, client_for, encoding):
    new_survey(app, blocks=["phq9"])
    calm, worried = issue(app, count=2)
    client = client_for("survey")
    replies = [
        client.post(f"/{token}", json={"phq9_9": value}, headers={"Accept-Encoding": encoding})
        for token, value in ((calm, 0), (worried, 2))
    ]
    bodies = [r.get_data() for r in replies]
    assert [r.status_code for r in replies] == [201, 201]
    assert len(bodies[0]) == len(bodies[1])
    assert [sorted(r.headers.items()) for r in replies][0] == [sorted(r.headers.items()) for r in replies][1]
    texts = [
        gzip.decompress(b) if r.headers.get("Content-Encoding") == "gzip" else b
        for r, b in zip(replies, bodies, strict=True)
    ]
    assert [json.loads(t) for t in texts] == [
        {"status": "stored", "show_support": False},
        {"status": "stored", "show_support": True},
    ]


def test_html_redirects_are_the_same_length_with_or_without_support(app, client_for):
    new_survey(app, blocks=["phq9"])
    calm, worried = issue(app, count=2)
    client = client_for("survey")
    replies = [client.post(f"/{t}", data={"phq9_9": v}) for t, v in ((calm, "0"), (worried, "2"))]
    assert [len(r.get_data()) for r in replies][0] == [len(r.get_data()) for r in replies][1]
    lengths = [sum(len(k) + len(v) for k, v in r.headers.items()) for r in replies]
    assert lengths[0] == lengths[1]


# -- L6: the resources survive a change of language --------------------------------------------


def test_the_thanks_page_offers_a_language_link_that_keeps_the_resources(app, client_for):
    page = client_for("survey").get("/thanks?lang=en").get_data(as_text=True)
    # Inside the support section (shown only by #resources), a link that keeps the fragment; the
    # page's own language link keeps the plain thank-you. Neither adds anything else to the URL.
    section = page[page.index('<section id="resources"') : page.index("</section>")]
    assert 'href="?lang=fr#resources"' in section
    assert 'href="?lang=fr#thank-you"' in page[: page.index('<section id="resources"')]


@pytest.mark.browser
@pytest.mark.parametrize(("fragment", "shown"), [("#resources", True), ("#thank-you", False)])
def test_switching_language_keeps_what_the_student_was_shown(app, live_server, page, axe, fragment, shown):
    page.goto(f"{live_server.url}/survey/thanks?lang=en{fragment}")
    assert page.locator("#resources").is_visible() == shown
    links = page.get_by_role("link", name="Français")
    assert links.count() == 1  # one visible language link, whichever the page shows
    links.click()
    page.wait_for_url(f"{live_server.url}/survey/thanks?lang=fr{fragment}")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("#resources").is_visible() == shown
    if shown:
        assert "9-8-8" in page.locator("#resources").inner_text()
    assert page.get_by_role("link", name="English").count() == 1
    assert axe(page) == []


def test_every_combination_of_blocks_scores_on_the_page_without_error(app, client_for):
    """Each block set a survey can have, every item at its highest: stored, and sent to the
    resources exactly when a block with a safety band is on."""
    client = client_for("survey")
    for n, combo in enumerate(
        itertools.chain.from_iterable(itertools.combinations(BLOCKS, k) for k in (1, 2))
    ):
        new_survey(app, f"s{n}", blocks=list(combo))
        [token] = issue(app, f"s{n}")
        answers = {}
        for block in combo:
            for f in SURVEY.section(block).fields:
                answers[f.id] = "yes" if f.type == "boolean" else str(max(int(c.id) for c in f.choices))
        sent = client.post(f"/{token}", data=answers)
        expected = "#resources" if set(combo) & set(with_safety_band()) else "#thank-you"
        assert sent.headers["Location"].endswith(expected), combo


# -- before the questions: how long, and what the blocks ask about --------------------------------


@pytest.mark.parametrize(
    ("blocks", "minutes", "notice"),
    [
        ([], 5, None),
        (["help_seeking", "service_use"], 7, None),
        (["k10"], 8, "Some questions ask how you have been feeling lately. Answer only"),
        (["gad7", "phq9"], 9, "including one about thoughts of death or of hurting yourself"),
        (BLOCKS, 14, "including one about thoughts of death or of hurting yourself"),
    ],
)
def test_the_intro_says_how_long_and_warns_gently_before_such_questions(
    app, client_for, blocks, minutes, notice
):
    new_survey(app, blocks=blocks)
    [token] = issue(app)
    page = client_for("survey").get(f"/{token}").get_data(as_text=True)
    intro = page[: page.index("<form")]
    assert f"It takes about {minutes} minutes." in intro
    if notice is None:
        assert "how you have been feeling" not in intro
    else:
        assert notice in intro and "skip any question" in intro
    survey = app.store.get_survey("y2026")
    mail = links.invitation_message(app.settings, survey, "ann@example.org", "http://x/", False).text
    assert f"end-of-year survey (about {minutes} minutes)." in mail
    assert f"(environ {minutes}\u00a0minutes)" in mail
    assert (notice is None) == ("how you have been feeling" not in mail)


def test_the_intro_in_french(app, client_for):
    new_survey(app, blocks=["phq9"])
    [token] = issue(app)
    page = client_for("survey").get(f"/{token}?lang=fr").get_data(as_text=True)
    intro = page[: page.index("<form")]
    assert "Il faut environ 7\u00a0minutes pour y répondre." in intro
    assert "pensées de mort" in intro and "n&#39;importe quelle question" in intro
