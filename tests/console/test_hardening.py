"""What an attacker's tour of the console found (issue 10): limits said at the preview, report
views audited, cross-site POSTs refused."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from shared.services import links
from tests.console.support import csrf, sign_in

COORD = "coord2@example.org"


def post(c, path, data=None, form_page=None, **kwargs):
    token = csrf(c, form_page or path)
    return c.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)


def kinds(app) -> list[str]:
    return [e.kind for e in app.store.iter_audit(datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC))]


def test_an_invitation_list_over_the_limit_is_refused_at_the_preview_not_at_confirm(app):
    c = sign_in(app, COORD)
    post(c, "/console/surveys", {"id": "y2026", "closes": "2099-05-15"})
    path = "/console/surveys/y2026"
    upload = "".join(f"s{n}@example.org\n" for n in range(links.MAX_ADDRESSES + 1))
    response = post(
        c, f"{path}/invite", {"addresses": (io.BytesIO(upload.encode()), "list.csv")}, form_page=path,
        content_type="multipart/form-data",
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Send 10001 emails" not in html and "at most 10000" in html and 'id="f-addresses-e"' in html


def test_the_report_csv_and_chart_are_audited_like_the_page(app):
    """The README says report views are audited: the CSV and the chart show the same figures."""
    from tests.test_report_support import add_survey, paired_answers

    add_survey(app.store, "2026", paired_answers({"career_impact": (4, 3, 2, 3), "stigma": (2, 2, 4, 4)}))
    c = sign_in(app, COORD)
    before = len(kinds(app))
    assert c.get("/console/report.csv?survey=2026").status_code == 200
    assert c.get("/console/report/chart.png?survey=2026").status_code == 200
    entries = app.store.iter_audit(datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC))
    new = [(e.actor, e.kind, e.detail) for e in list(entries)[before:]]
    assert [(actor, kind) for actor, kind, _ in new] == [
        (COORD, "report_downloaded"),
        (COORD, "report_viewed"),
    ]
    assert all("survey=2026" in detail for _, _, detail in new)


def test_a_post_whose_origin_names_another_site_is_refused_and_changes_nothing(app):
    c = sign_in(app, COORD)
    path = "/console/supporters"
    for origin in ("https://evil.example", "null"):
        response = c.post(
            path, data={"alias": "Sam R.", "csrf_token": csrf(c, path)}, headers={"Origin": origin}
        )
        assert response.status_code == 400 and "did not come from the console" in response.get_data(
            as_text=True
        )
    assert app.store.list_supporters() == []
    # The console's own origin (configured, or the host the request came to) is accepted.
    for origin in (app.settings.base_url, "http://localhost"):
        response = c.post(
            path,
            data={"alias": f"Sam {origin[7:12]}", "csrf_token": csrf(c, path)},
            headers={"Origin": origin},
        )
        assert response.status_code == 201
    assert len(app.store.list_supporters()) == 2
