"""The Report page: coordinators see the coordinators' copy (interactions per supporter as they
are), viewers the shared copy (small cells suppressed) whatever they ask, in the console's
language; the chart and CSV follow the page; Send now (coordinators only) mails each coordinator
the coordinators' copy in their own language; anyone signed in sets their own report language."""

from __future__ import annotations

import csv
import io
from datetime import date

from shared.services import coordinators
from tests.console.support import csrf, outbox, sign_in
from tests.test_report_support import add_interactions, add_supporters, log_answers

PERIOD = "from=2026-09-01&to=2026-10-31"
# alias2 logged 2 interactions: under SIDEBYSIDE_SMALL_CELL (5), so hidden in the shared copy.
SMALL_ROW = '<th scope="row">alias2</th><td>2</td>'
HIDDEN_ROW = '<th scope="row">alias2</th><td>&lt;5</td>'


def seed(app) -> None:
    ids = add_supporters(app.store, 3)
    counts = {ids[0]: 12, ids[1]: 9, ids[2]: 2}
    rows = [(s, date(2026, 10, 1 + k), log_answers()) for s, n in counts.items() for k in range(n)]
    add_interactions(app.store, rows)


def per_supporter_csv(c, query: str) -> dict[str, dict[str, str]]:
    response = c.get(f"/console/report.csv?{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
    return {r["row"]: r for r in rows if r["table"] == "per_supporter"}


def test_a_viewer_never_sees_a_small_per_supporter_count(app):
    seed(app)
    c = sign_in(app, "viewer@example.org", role="viewer")
    for query in (PERIOD, PERIOD + "&audience=coordinators"):  # asking for more changes nothing
        html = c.get(f"/console/report?{query}").get_data(as_text=True)
        assert SMALL_ROW not in html and HIDDEN_ROW in html
        assert "Shareable copy: counts under 5" in html and 'name="audience"' not in html
        alias2 = per_supporter_csv(c, query)["alias2"]
        assert (alias2["count"], alias2["suppressed"]) == ("", "1")


def test_a_coordinator_sees_every_per_supporter_count_and_may_preview_the_shared_copy(app):
    seed(app)
    c = sign_in(app, "coord@example.org")
    html = c.get(f"/console/report?{PERIOD}").get_data(as_text=True)
    assert SMALL_ROW in html and "copy: per-supporter counts are shown as they are" in html
    assert 'href="/console/report.csv?from=2026-09-01&amp;to=2026-10-31"' in html
    alias2 = per_supporter_csv(c, PERIOD)["alias2"]
    assert (alias2["count"], alias2["suppressed"]) == ("2", "0")
    shared = c.get(f"/console/report?{PERIOD}&audience=shared").get_data(as_text=True)
    assert SMALL_ROW not in shared and HIDDEN_ROW in shared
    assert "audience=shared" in shared  # the CSV and chart links carry the copy shown
    assert per_supporter_csv(c, PERIOD + "&audience=shared")["alias2"]["suppressed"] == "1"


def test_the_report_is_in_the_consoles_language(app):
    seed(app)
    c = sign_in(app, "coord@example.org")
    html = c.get(f"/console/report?{PERIOD}&lang=fr").get_data(as_text=True)
    assert '<html lang="fr">' in html and "En bref" in html and "In short" not in html
    assert "du 1er septembre 2026 au 31 octobre 2026" in html
    french = per_supporter_csv(c, PERIOD)  # the console remembers French
    assert french["alias2"]["count"] == "2"
    assert c.get(f"/console/report/chart.png?{PERIOD}").status_code in (200, 404)
    assert (
        'href="/console/report?from=2026-09-01&amp;to=2026-10-31&amp;lang=en"' in html
    )  # the switch keeps the period
    english = c.get(f"/console/report?{PERIOD}&lang=en").get_data(as_text=True)
    assert "In short" in english and "En bref" not in english


def test_a_viewer_reads_the_report_but_cannot_send_it(app):
    c = sign_in(app, "viewer@example.org", role="viewer")
    response = c.get("/console/report")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Email this report" not in html
    assert len(response.get_data()) <= 14 * 1024
    assert c.get("/console/report.csv").mimetype == "text/csv"
    token = csrf(c, "/console/report")
    assert c.post("/console/report/send", data={"csrf_token": token}).status_code == 403
    assert outbox(app) == [] or all("report" not in m["Subject"].lower() for m in outbox(app))


def test_send_now_mails_each_coordinator_the_coordinators_copy_in_their_language(app):
    seed(app)
    coordinators.add(app.store, "ana@example.org", today=date(2026, 3, 1), language="fr")
    c = sign_in(app, "coord@example.org")
    c.get("/console/report?lang=fr")  # the console's language is not the mail's
    before = len(outbox(app))
    token = csrf(c, "/console/report")
    form = {"csrf_token": token, "from": "2026-09-01", "to": "2026-10-31", "audience": "shared"}
    response = c.post("/console/report/send", data=form)
    assert response.status_code == 302
    sent = outbox(app)[before:]
    by_to = {m["To"]: m for m in sent}
    assert sorted(by_to) == ["ana@example.org", "coord@example.org"]
    french = by_to["ana@example.org"].get_body(("plain",)).get_content()
    english = by_to["coord@example.org"].get_body(("plain",)).get_content()
    assert "En bref" in french and "In short" in english
    for text in (french, english):  # the coordinators' copy, whatever the page showed
        assert "alias2: 2" in text.replace("\u00a0", " ") or "alias2 : 2" in text.replace("\u00a0", " ")
    assert "report_sent" in c.get("/console/audit").get_data(as_text=True)


def test_bad_report_options_are_shown_beside_the_fields(app):
    c = sign_in(app, "coord@example.org")
    response = c.get("/console/report?from=2026-05-01&to=2026-01-01")
    assert response.status_code == 400 and 'id="f-from-e"' in response.get_data(as_text=True)
    unknown = c.get("/console/report?survey=nope")
    assert unknown.status_code == 400 and 'id="f-survey-e"' in unknown.get_data(as_text=True)


def test_anyone_signed_in_sets_their_own_report_language(app):
    c = sign_in(app, "viewer@example.org", role="viewer")
    token = csrf(c, "/console/report")
    assert c.post("/console/report/language", data={"csrf_token": token, "language": "fr"}).status_code == 302
    assert app.store.get_coordinator("viewer@example.org").language == "fr"
    bad = c.post("/console/report/language", data={"csrf_token": token, "language": "de"})
    assert bad.status_code == 400 and 'id="f-language-e"' in bad.get_data(as_text=True)
    assert app.store.get_coordinator("viewer@example.org").language == "fr"
    french = c.post("/console/report/language?lang=fr", data={"csrf_token": token, "language": "xx"})
    assert "Choisissez l&#39;anglais, le français ou la langue par défaut" in french.get_data(as_text=True)
    c.post("/console/report/language", data={"csrf_token": token, "language": "default"})
    assert app.store.get_coordinator("viewer@example.org").language is None
