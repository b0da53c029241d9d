"""The console's Surveys pages, after a new-user trial: answers waiting sealed are counted (a survey
said "Answers: 0" and offered "Delete this survey (it has no answers)" while 7 answers were
sealed), blocks are named by their instruments for coordinators (K10 and PHQ-9 were both "How you
have been feeling"), every error in the summary links to a field with its message beside it,
and a pilot can be left out of the report's default choices."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from click.testing import CliRunner

from shared.cli import cli
from shared.services import links, sealing
from shared.services.surveys import today_in
from tests.console.support import csrf, sign_in

COORD = "coord2@example.org"


def post(c, path, data=None, form_page=None):
    return c.post(path, data={**(data or {}), "csrf_token": csrf(c, form_page or path)})


def seal_answers(app, survey_id: str, n: int) -> None:
    links.issue_links(app.store, app.settings, survey_id, n, today_in(app.settings))
    for i in range(n):
        app.store.redeem(
            f"h{survey_id}{i}", sealing.seal(app.settings.secret_key, survey_id, {"suggestions": "ok"})
        )


def test_sealed_answers_are_counted_and_the_survey_is_not_offered_for_deletion(app):
    c = sign_in(app, COORD)
    post(c, "/console/surveys", {"id": "y2026"})
    seal_answers(app, "y2026", 7)
    page = c.get("/console/surveys/y2026").get_data(as_text=True)
    assert "Answers: 0 released, 7 waiting to be released." in page
    assert "Delete this survey" not in page
    assert "0 (+7 waiting)" in c.get("/console/surveys").get_data(as_text=True)
    closed = CliRunner().invoke(cli, ["surveys", "close", "y2026"])
    assert "Answers: 0 released, 7 waiting to be released." in closed.output
    french = c.get("/console/surveys/y2026?lang=fr").get_data(as_text=True)
    assert "Réponses\u00a0: 0 publiées, 7 en attente de publication." in french


def test_blocks_are_named_by_their_instruments_for_coordinators(app):
    c = sign_in(app, COORD)
    page = c.get("/console/surveys").get_data(as_text=True)
    for name in ("K10", "PHQ-9", "GAD-7", "Help-seeking", "Service use"):
        assert f"<strong>{name}</strong>" in page
    assert "Patient Health Questionnaire: depressive symptoms over the last 2 weeks" in page
    assert "How you have been feeling" not in page  # the students' wording
    post(c, "/console/surveys", {"id": "y2026", "block": ["k10", "phq9"]})
    post(c, "/console/surveys", {"id": "y2027"})
    listed = c.get("/console/surveys").get_data(as_text=True)
    rows = {m[0]: m[1] for m in re.findall(r">(y202\d)</a></td><td>[^<]*</td><td>([^<]*)</td>", listed)}
    assert rows == {"y2026": "K10, PHQ-9", "y2027": "–"}
    assert "Question blocks: K10, PHQ-9." in c.get("/console/surveys/y2026").get_data(as_text=True)
    french = c.get("/console/surveys?lang=fr").get_data(as_text=True)
    assert "<strong>Recherche d'aide</strong>" in french or "<strong>Recherche d&#39;aide</strong>" in french
    assert "Questionnaire sur la santé du patient\u00a0: symptômes dépressifs" in french


def test_every_error_in_the_summary_links_to_its_field_with_the_message_beside_it(app):
    c = sign_in(app, COORD)
    for data, field in (
        ({"id": "y2026", "block": "phq10"}, "blocks"),
        ({"id": "BAD ID"}, "id"),
        ({"id": "y2026", "closes": "2001-01-01"}, "closes"),
        ({"id": "y2026", "opens": "soon"}, "opens"),
    ):
        answer = post(c, "/console/surveys", data)
        html = answer.get_data(as_text=True)
        assert answer.status_code == 400, data
        targets = re.findall(r'<a href="#([\w-]+)">', html)
        assert targets == [f"f-{field}"], (data, targets)
        assert f'id="f-{field}"' in html, data  # the link leads somewhere
        assert re.search(rf'<p class="err" id="f-{field}-e">', html), data  # and the message is there
    assert app.store.list_surveys() == []
    chosen = post(c, "/console/surveys", {"id": "y2026", "block": ["phq9", "phq10"]}).get_data(as_text=True)
    assert re.search(r'value="phq9"[^>]*checked', chosen)  # the answers are kept


def test_a_pilot_is_left_out_of_the_reports_default_choices_and_back(app):
    c = sign_in(app, COORD)
    post(c, "/console/surveys", {"id": "pilot"})
    path = "/console/surveys/pilot"
    done = post(c, f"{path}/exclude", {"excluded": "1"}, form_page=path)
    assert done.status_code == 200 and app.store.get_survey("pilot").excluded
    assert "left out of the report's default choices" in done.get_data(as_text=True)
    assert "(left out of reports)" in c.get("/console/surveys").get_data(as_text=True)
    post(c, f"{path}/exclude", {"excluded": "0"}, form_page=path)
    assert not app.store.get_survey("pilot").excluded
    details = [
        e.detail
        for e in app.store.iter_audit(datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC))
        if e.kind == "survey_changed"
    ]
    assert details == [
        "pilot: left out of the report's default choices",
        "pilot: back in the report's default choices",
    ]
    viewer = sign_in(app, "viewer@example.org", role="viewer")
    assert post(viewer, f"{path}/exclude", {"excluded": "1"}, form_page="/console/").status_code == 403
    assert not app.store.get_survey("pilot").excluded
