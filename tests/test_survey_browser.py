"""The survey in headless Chromium on a phone-sized screen (on the in-memory store; the contract suite holds SQLite and Firestore to the same behaviour): open a link, switch
to French, answer, submit, reopen the link; axe-core finds no WCAG 2.1 AA violation on the
survey, the page of answers to fix, the thank-you page and the refusal pages."""

from __future__ import annotations

import pytest

from tests.support.answers import opened, received
from tests.test_survey_links import issue, new_survey


@pytest.mark.browser
def test_answer_in_french_on_a_phone_then_the_link_is_used(app, live_server, page, axe):
    new_survey(app, k10=True)
    [token] = issue(app)
    url = f"{live_server.url}/survey/{token}"

    page.goto(url)
    assert page.locator("html").get_attribute("lang") == "en"
    assert axe(page) == []
    page.get_by_role("link", name="Français").click()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text() == "Sondage de fin d'année"
    assert "9-8-8" in page.locator("footer").inner_text()
    # Nothing sticks out of a phone's screen, down to 320 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert axe(page) == []

    page.get_by_role("group", name="le programme de soutien par les pairs").get_by_label(
        "La stigmatisation"
    ).check()
    page.get_by_label("2e année").check()
    page.get_by_label("Très probable").check()
    page.locator("textarea").fill("Plus de plages horaires le soir. <b>merci</b>")
    # A value no option has, as a tampered form would send: the answers come back to fix.
    radio = page.locator("input[name='k10_1']").first
    radio.evaluate("e => e.value = '6'")
    radio.check()
    page.get_by_role("button", name="Envoyer mes réponses").click()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("#q-k10_1-e").is_visible()
    assert page.get_by_label("2e année").is_checked()
    assert page.locator("textarea").input_value() == "Plus de plages horaires le soir. <b>merci</b>"
    assert received(app) == 0
    assert axe(page) == []

    page.locator("input[name='k10_1'][value='2']").check()
    page.get_by_role("button", name="Envoyer mes réponses").click()
    page.wait_for_url(f"{live_server.url}/survey/thanks?lang=fr#thank-you")
    assert page.locator("h1").inner_text() == "Merci\u202f!"
    assert axe(page) == []
    assert opened(app) == [
        {
            "barriers": {"peer_support": ["stigma"]},  # faculty services left untouched: not answered
            "year_of_study": "year2",
            "would_recommend": 5,
            "suggestions": "Plus de plages horaires le soir. <b>merci</b>",
            "k10_1": 2,
        }
    ]

    # The link reopened as it is in the email (no ?lang=, an English browser): still French
    # (issue 12, item 15), from a cookie of the survey's path that holds only the language.
    response = page.goto(url)
    assert response.status == 410
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Vous avez déjà répondu" in page.locator("main").inner_text()
    assert axe(page) == []
    [cookie] = page.context.cookies()
    assert (cookie["name"], cookie["value"], cookie["path"]) == ("lang", "fr", "/survey/")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    # The other functions never see it: the supporter's form follows the browser (English).
    page.goto(f"{live_server.url}/log_interaction/?t=nope")
    assert page.locator("html").get_attribute("lang") == "en"
    # Switching back is kept too.
    page.goto(f"{url}?lang=en")
    page.goto(url)
    assert "You have already answered" in page.locator("main").inner_text()


@pytest.mark.browser
def test_refusal_pages_are_accessible(app, live_server, page, axe):
    response = page.goto(f"{live_server.url}/survey/{'A' * 43}")
    assert response.status == 404
    assert "9-8-8" in page.locator("footer").inner_text()
    assert axe(page) == []
