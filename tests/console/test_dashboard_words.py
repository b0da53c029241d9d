"""The dashboard's words (new-user trial of issues 11 and 14, items 1, 6 and 8): counts that take
the plural that fits ("1 answer for 6 links", "0 réponse"), follow-ups counted as the report
counts them, and French typography from the catalogue (the page used to write
"sandbox: 1 réponses pour 6 liens (17 %): …" with no no-break space at all), checked with the
checker that the student's and supporter's pages use (tests/test_french_wording.py)."""

from __future__ import annotations

import re

from shared.records import Alert, Interaction, Supporter
from shared.services import links, sealing
from shared.services.surveys import today_in
from tests.console.support import csrf, sign_in
from tests.test_french_wording import faults, shown

COORD = "coord@example.org"


def post(c, path, data):
    return c.post(path, data={**data, "csrf_token": csrf(c, path)})


def seed(app, c) -> None:
    """Two open surveys (one answer, sealed, for six links; none for one link), a quiet
    supporter, an urgent alert and a follow-up planned today."""
    from datetime import UTC, datetime

    from shared.records import FollowUp

    today = today_in(app.settings)
    post(c, "/console/surveys", {"id": "sandbox"})
    links.issue_links(app.store, app.settings, "sandbox", 6, today)
    app.store.redeem("h0", sealing.seal(app.settings.secret_key, "sandbox", {"suggestions": "ok"}))
    post(c, "/console/surveys", {"id": "pilot"})
    links.issue_links(app.store, app.settings, "pilot", 1, today)
    app.store.add_supporter(Supporter("sup1", "Sam", None, created_on=today))
    now = datetime.now(UTC)
    answers = {"format": "phone", "concern_level": "urgent", "follow_up_planned": True}
    app.store.add_interaction(
        Interaction("i1", "sup1", today, answers, now),
        Alert("a1", "i1", now),
        plans=FollowUp("i1", "sup1", today),
    )


def words(html: str) -> str:
    """The page's text, ordinary spaces collapsed (no-break spaces kept)."""
    return re.sub(r" +", " ", " ".join(shown(html)))


def test_the_dashboard_counts_in_the_plural_that_fits(app):
    c = sign_in(app, COORD)
    seed(app, c)
    page = words(c.get("/console/?lang=en&days=1").get_data(as_text=True))
    assert "sandbox: 1 answer for 6 links (17%): 1 answer waiting to be released" in page
    assert "pilot: 0 answers for 1 link (0%)" in page
    assert "Supporters with nothing logged in 1 day" in page
    french = words(c.get("/console/?lang=fr&days=1").get_data(as_text=True))
    nb = "\u00a0"
    assert f"sandbox{nb}: 1 réponse pour 6 liens (17{nb}%){nb}: 1 réponse en attente de publication" in french
    assert f"pilot{nb}: 0 réponse pour 1 lien (0{nb}%)" in french
    assert "depuis 1 jour" in french
    assert "1 prévu" in french and "0 fait " in french and "1 encore ouvert" in french


def test_the_french_dashboard_has_french_typography(app):
    c = sign_in(app, COORD)
    seed(app, c)
    for query in ("lang=fr", "lang=fr&days=1"):
        html = c.get(f"/console/?{query}").get_data(as_text=True)
        found = [(text, faults(text)) for text in shown(html) if faults(text)]
        assert found == []
