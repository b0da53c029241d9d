"""Each coordinator's report language: set on the Coordinators page, by oneself on the Report
page, and with ``sidebyside coordinators``; the scheduled report reaches each coordinator in
their language, end to end through the real SMTP test server."""

from __future__ import annotations

import dataclasses
import html
from datetime import date

from click.testing import CliRunner

from shared import bootstrap
from shared.cli import cli
from shared.mail import make_mailer
from shared.services import coordinators, reports
from tests.console.support import csrf, sign_in
from tests.test_report_support import NOW, add_interactions, add_supporters, log_answers

COORD = "coord@example.org"


def post(c, path, data, form_page="/console/coordinators"):
    return c.post(path, data={**data, "csrf_token": csrf(c, form_page)})


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_coordinators_page_adds_with_a_language_and_changes_it(app):
    c = sign_in(app, COORD)
    added = post(
        c, "/console/coordinators", {"email": "ana@example.org", "role": "coordinator", "language": "fr"}
    )
    assert added.status_code == 201
    assert app.store.get_coordinator("ana@example.org").language == "fr"
    page = c.get("/console/coordinators").get_data(as_text=True)
    assert '<option value="fr" selected>Français</option>' in page
    post(c, "/console/coordinators/language", {"email": "ana@example.org", "language": "en"})
    assert app.store.get_coordinator("ana@example.org").language == "en"
    post(c, "/console/coordinators/language", {"email": "ana@example.org", "language": "default"})
    assert app.store.get_coordinator("ana@example.org").language is None
    bad = post(c, "/console/coordinators/language", {"email": "ana@example.org", "language": "de"})
    assert bad.status_code == 400 and app.store.get_coordinator("ana@example.org").language is None
    refused = post(
        c, "/console/coordinators", {"email": "ben@example.org", "role": "viewer", "language": "xx"}
    )
    assert refused.status_code == 400 and 'id="f-language-e"' in refused.get_data(as_text=True)
    assert app.store.get_coordinator("ben@example.org") is None
    assert "report language en" in c.get("/console/audit").get_data(as_text=True)


def test_a_viewer_cannot_set_someone_elses_language(app):
    coordinators.add(app.store, "ana@example.org", today=date(2026, 3, 1))
    c = sign_in(app, "viewer@example.org", role="viewer")
    response = post(
        c, "/console/coordinators/language", {"email": "ana@example.org", "language": "fr"}, "/console/"
    )
    assert response.status_code == 403
    assert app.store.get_coordinator("ana@example.org").language is None


def test_cli_adds_with_a_language_and_changes_it(app):
    assert run("coordinators", "add", "ana@example.org", "--language", "fr").exit_code == 0
    assert app.store.get_coordinator("ana@example.org").language == "fr"
    assert "ana@example.org  coordinator  fr" in run("coordinators", "list").stdout
    changed = run("coordinators", "language", "ana@example.org", "en")
    assert changed.exit_code == 0 and changed.stdout == "ana@example.org gets reports in en.\n"
    assert run("coordinators", "language", "ana@example.org", "default").exit_code == 0
    assert app.store.get_coordinator("ana@example.org").language is None
    assert run("coordinators", "add", "ben@example.org", "--language", "de").exit_code == 2
    missing = run("coordinators", "language", "who@example.org", "fr")
    assert missing.exit_code == 1 and "not on the list" in missing.output
    fixed = run("coordinators", "language", "coord@example.org", "fr")
    assert fixed.exit_code == 1 and "comes from SIDEBYSIDE_COORDINATORS" in fixed.output


def test_recipients_carry_each_coordinators_language(app):
    coordinators.add(app.store, "ana@example.org", today=date(2026, 3, 1), language="fr")
    coordinators.add(app.store, "ben@example.org", today=date(2026, 3, 1))
    assert reports.recipients(app) == [
        ("coord@example.org", "en"),
        ("ana@example.org", "fr"),
        ("ben@example.org", "en"),
    ]


def test_the_scheduled_report_reaches_each_coordinator_in_their_language(app, smtp_server):
    ids = add_supporters(app.store, 2)
    add_interactions(app.store, [(ids[k % 2], date(2026, 10, 1 + k), log_answers()) for k in range(8)])
    coordinators.add(app.store, "ana@example.org", today=date(2026, 3, 1), language="fr")
    coordinators.add(app.store, "ben@example.org", today=date(2026, 3, 1), language="en")
    settings = dataclasses.replace(app.settings, coordinators=())
    mailed = bootstrap.configure(
        settings=settings, store=app.store, mailer=make_mailer(smtp_server.target, "report@example.org")
    )
    assert reports.send_scheduled_report(mailed, NOW)["status"] == "sent"
    by_rcpt = {m.rcpt_tos: m.message for m in smtp_server.messages}
    assert sorted(by_rcpt) == [("ana@example.org",), ("ben@example.org",)]
    french, english = by_rcpt[("ana@example.org",)], by_rcpt[("ben@example.org",)]
    assert "rapport du 1er septembre 2026 au 31 octobre 2026" in french["Subject"]
    assert "Report" in english["Subject"] or "report" in english["Subject"]
    assert '<html lang="fr">' in french.get_body(("html",)).get_content()
    assert '<html lang="en">' in english.get_body(("html",)).get_content()
    assert "En bref" in french.get_body(("plain",)).get_content()
    assert "In short" in english.get_body(("plain",)).get_content()


def test_a_service_error_is_in_the_page_s_language_and_english_in_the_cli(app):
    """Issue 9 item 6: "There is no survey 'x'" showed in English on French pages. The error
    carries its msgid and values; the console says it in the page's language, the CLI in English."""
    c = sign_in(app, COORD)
    french = c.get("/console/surveys/y1999?lang=fr")
    assert french.status_code == 404
    assert "Il n'y a aucun sondage 'y1999'." in html.unescape(french.get_data(as_text=True))
    english = c.get("/console/surveys/y1999?lang=en")
    assert "There is no survey 'y1999'." in html.unescape(english.get_data(as_text=True))
    c.get("/console/?lang=fr")
    refused = post(c, "/console/coordinators/remove", {"email": COORD})
    assert refused.status_code == 409
    said = html.unescape(refused.get_data(as_text=True))
    assert f"{COORD} est le seul coordonnateur et ne peut pas être retiré\u00a0: plus personne" in said
    cli = run("surveys", "close", "y1999")
    assert cli.exit_code == 1 and "There is no survey 'y1999'." in cli.output
