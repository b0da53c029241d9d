"""The Report page: the shared report (small cells suppressed) for coordinators and viewers,
its chart and CSV; Send now for coordinators only."""

from __future__ import annotations

from tests.console.support import csrf, outbox, sign_in


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


def test_a_coordinator_sends_the_report_now(app):
    c = sign_in(app, "coord@example.org")
    before = len(outbox(app))
    response = c.post("/console/report/send", data={"csrf_token": csrf(c, "/console/report")})
    assert response.status_code == 302
    assert len(outbox(app)) == before + 1
    assert "report_sent" in c.get("/console/audit").get_data(as_text=True)


def test_bad_report_options_are_shown_beside_the_fields(app):
    c = sign_in(app, "coord@example.org")
    response = c.get("/console/report?from=2026-05-01&to=2026-01-01")
    assert response.status_code == 400 and 'id="f-from-e"' in response.get_data(as_text=True)
