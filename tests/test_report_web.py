"""GET /admin/report through functions-framework's test client (and one real browser), on both
stores: the same report as the CLI in JSON, HTML and text, and a clear 400 for bad options."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from shared.report.period import academic_year_start
from tests.conftest import ADMIN_TOKEN
from tests.test_report_support import (
    FIRST,
    add_interactions,
    add_supporters,
    add_survey,
    assert_clean,
    log_answers,
    paired_answers,
    strict_json,
)

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def admin(app, client_for):
    add_survey(
        app.store, "2026", paired_answers({"career_impact": (2, 16, 0, 63), "not_helpful": (15, 19, 4, 43)})
    )
    ids = add_supporters(app.store, 2)
    today = datetime.now(UTC).astimezone(app.settings.timezone).date()
    add_interactions(app.store, [(ids[k % 2], today, log_answers()) for k in range(7)])
    return client_for("admin")


def test_json_by_default_with_the_default_period(app, admin):
    response = admin.get("/report", headers=AUTH)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    report = strict_json(response.get_data(as_text=True))
    today = datetime.now(UTC).astimezone(app.settings.timezone).date()
    start = academic_year_start(today, app.settings.academic_year_start_month)
    assert report["period"]["from"] == start.isoformat() and report["period"]["to"] == today.isoformat()
    assert report["test"] == "paired"
    assert report["activity"]["interactions"] == 7
    assert report["survey"]["barriers"][0]["counts"][FIRST] == 18


def test_query_options_reach_the_report(admin):
    response = admin.get(
        "/report?format=json&test=independent&survey=2026&from=2020-01-01&to=2020-12-31", headers=AUTH
    )
    report = strict_json(response.get_data(as_text=True))
    assert report["test"] == "independent"
    assert report["survey"]["barriers"][0]["p_display"] == "P < .001"
    assert report["period"] == {
        "from": "2020-01-01",
        "to": "2020-12-31",
        "label": "1 January 2020 to 31 December 2020",
        "final": False,
    }
    assert report["activity"]["interactions"] == 0


def test_html_is_plain_markup_under_the_strict_csp(admin):
    response = admin.get("/report?format=html", headers=AUTH)
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert_clean(html)
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "img-src 'self' data:" in csp
    assert not re.search(r"\sstyle=", html)  # no style attributes: the CSP would block them
    assert html.count("<style>") == 1  # the site's stylesheet, allowed by its hash
    assert '<img src="data:image/png;base64,' in html
    assert "Barriers to seeking help (81 respondents)" in html


def test_text(admin):
    response = admin.get("/report?format=text", headers=AUTH)
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "Interactions logged: 7" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("format=pdf", "format"),
        ("test=welch", "test"),
        ("from=yesterday", "from"),
        ("to=2026-02-30", "to"),
        ("from=2026-05-02&to=2026-05-01", "from"),
        ("survey=1999", "survey"),
        ("colour=blue", "colour"),
    ],
)
def test_bad_options_are_400_naming_the_field(admin, query, field):
    response = admin.get(f"/report?{query}", headers={**AUTH, "Accept": "application/json"})
    assert response.status_code == 400
    assert field in response.get_json()["errors"]


def test_needs_the_admin_token_and_a_get(admin):
    as_json = {"Accept": "application/json"}
    assert admin.get("/report", headers=as_json).status_code == 401
    assert admin.post("/report", headers={**AUTH, **as_json}).status_code == 405


@pytest.mark.browser
def test_admin_report_page_in_a_browser(app, live_server, page, axe):
    add_survey(app.store, "2026", paired_answers({"career_impact": (2, 16, 0, 63)}))
    ids = add_supporters(app.store, 2)
    add_interactions(app.store, [(ids[k % 2], date(2026, 10, 1), log_answers()) for k in range(3)])
    blocked: list[str] = []
    page.on(
        "console", lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    page.set_extra_http_headers(AUTH)
    response = page.goto(f"{live_server.url}/admin/report?format=html&from=2026-09-01&to=2026-10-31")
    assert response.status == 200
    assert page.locator("h1").inner_text().endswith("1 September 2026 to 31 October 2026")
    chart = page.locator("figure img")
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    assert blocked == []
    assert axe(page) == []
