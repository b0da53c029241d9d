"""The console's pages through the local server's WSGI app: supporters, surveys, audit log,
coordinators, alerts; viewers refused; French; page weight."""

from __future__ import annotations

import gzip
import re
from datetime import UTC, date, datetime

from shared.mail.port import Mailer, MailError
from shared.records import Alert, Interaction
from shared.services import coordinators
from tests.console.support import csrf, outbox, sign_in, text_of

COORD = "coord2@example.org"


def post(c, path, data=None, form_page=None, **kwargs):
    token = csrf(c, form_page or path)
    return c.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)


def test_adding_a_supporter_emails_their_link(app):
    c = sign_in(app, COORD)
    response = post(c, "/console/supporters", {"alias": "Sam R.", "email": "sam@example.org"})
    assert response.status_code == 201
    assert "emailed them their personal link" in response.get_data(as_text=True)
    [sam] = app.store.list_supporters()
    [mail] = [m for m in outbox(app) if m["To"] == "sam@example.org"]
    assert "/log_interaction/?t=" in text_of(mail)
    kinds = [e.kind for e in app.store.iter_audit(datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC))]
    assert kinds[-2:] == ["supporter_added", "supporter_link_sent"]


class DownMailer(Mailer):
    """The fault injected: the mail transport refuses every message."""

    def send(self, message):
        raise MailError("smtp://mail.example.org:587 refused the connection")


def test_mail_down_the_supporter_is_added_and_resend_works_later(app):
    c = sign_in(app, COORD)
    working = app.mailer
    app._mailer = DownMailer("x@example.org")
    response = post(c, "/console/supporters", {"alias": "Sam R.", "email": "sam@example.org"})
    assert response.status_code == 201
    assert "could not be sent" in response.get_data(as_text=True)
    [sam] = app.store.list_supporters()
    app._mailer = working
    path = f"/console/supporters/{sam.id}"
    response = post(c, f"{path}/resend", form_page=path)
    assert response.status_code == 200
    assert [m["To"] for m in outbox(app) if m["To"] == "sam@example.org"] == ["sam@example.org"]


def test_bad_supporter_input_shows_beside_the_field_and_stores_nothing(app):
    c = sign_in(app, COORD)
    response = post(c, "/console/supporters", {"alias": "<b>", "email": "not-an-address"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="f-alias-e"' in html and 'id="f-email-e"' in html and 'value="not-an-address"' in html
    assert app.store.list_supporters() == []


def test_a_taken_alias_says_so_beside_the_field_in_the_pages_language(app):
    c = sign_in(app, COORD)
    assert post(c, "/console/supporters", {"alias": "Sam R."}).status_code == 201
    again = post(c, "/console/supporters", {"alias": "Sam R.", "email": "x@example.org"})
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert 'id="f-alias-e"' in html and "already exists" in html and 'value="x@example.org"' in html
    c.get("/console/?lang=fr")  # the console remembers the chosen language
    french = post(c, "/console/supporters", {"alias": "Sam R."})
    assert french.status_code == 409 and "existe déjà" in french.get_data(as_text=True)
    assert [s.alias for s in app.store.list_supporters()] == ["Sam R."]


def test_new_link_and_revoke_twice(app):
    c = sign_in(app, COORD)
    post(c, "/console/supporters", {"alias": "Sam R."})
    [sam] = app.store.list_supporters()
    path = f"/console/supporters/{sam.id}"
    assert post(c, f"{path}/relink", form_page=path).status_code == 200
    assert app.store.get_supporter(sam.id).version == 2
    for _ in range(2):
        assert post(c, f"{path}/revoke", form_page=path).status_code == 200
    assert app.store.get_supporter(sam.id).version == 3 and not app.store.get_supporter(sam.id).active


def test_surveys_create_download_links_invite_with_preview_close_twice(app):
    c = sign_in(app, COORD)
    response = post(
        c, "/console/surveys", {"id": "y2025", "opens": "2025-04-01", "closes": "2025-05-15", "past": "on"}
    )
    assert response.status_code == 201
    response = post(c, "/console/surveys", {"id": "y2026", "closes": "2099-05-15"})
    assert response.status_code == 201
    path = "/console/surveys/y2026"
    response = post(c, f"{path}/links", {"count": "3"}, form_page=path)
    assert response.mimetype == "text/csv"
    assert len(response.get_data(as_text=True).split()) == 4
    assert app.store.get_survey("y2026").links_issued == 3
    upload = "email\nana@example.org\nnot an address\nben@example.org\n"
    import io

    response = post(
        c, f"{path}/invite", {"addresses": (io.BytesIO(upload.encode()), "list.csv")}, form_page=path,
        content_type="multipart/form-data",
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "2 valid addresses." in html and "line 3" in html
    assert not [m for m in outbox(app) if "survey" in m["Subject"]]  # nothing sent before Confirm
    emails = re.search(r'name="emails" value="([^"]+)"', html).group(1)
    response = post(c, f"{path}/invite", {"confirm": "1", "emails": emails}, form_page=path)
    assert "2 emails sent." in response.get_data(as_text=True)
    assert sorted(m["To"] for m in outbox(app) if "survey" in m["Subject"]) == [
        "ana@example.org",
        "ben@example.org",
    ]
    for _ in range(2):
        assert post(c, f"{path}/close", form_page=path).status_code == 200
    kinds = [e.kind for e in app.store.iter_audit(datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC))]
    assert kinds.count("survey_closed") == 1


def test_an_upload_in_a_wrong_encoding_is_refused_beside_the_field(app):
    import io

    c = sign_in(app, COORD)
    post(c, "/console/surveys", {"id": "y2026"})
    path = "/console/surveys/y2026"
    data = "émile@example.org\n".encode("utf-16")
    response = post(
        c,
        f"{path}/invite",
        {"addresses": (io.BytesIO(data), "list.csv")},
        form_page=path,
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and 'id="f-addresses-e"' in response.get_data(as_text=True)


def urgent_alert(app) -> str:
    app.store.add_supporter(
        __import__("shared.records", fromlist=["Supporter"]).Supporter("s1", "Sam R.", None)
    )
    now = datetime.now(UTC)
    app.store.add_interaction(
        Interaction("i1", "s1", now.date(), {"concern": "urgent"}, now), Alert("a1", "i1", now)
    )
    return "a1"


def test_acknowledging_an_alert_records_who_once(app):
    alert = urgent_alert(app)
    c = sign_in(app, COORD)
    assert "Sam R." in c.get("/console/").get_data(as_text=True)
    for _ in range(2):
        response = post(c, f"/console/alerts/{alert}/acknowledge", form_page="/console/")
        assert response.status_code == 302
    [ack] = app.store.alert_acks_since(datetime(2000, 1, 1, tzinfo=UTC))
    assert ack.by == COORD
    assert "Acknowledge</button>" not in c.get("/console/").get_data(as_text=True)


VIEWER_ACTIONS = [
    ("/console/supporters", {"alias": "Eve"}),
    ("/console/surveys", {"id": "evil"}),
    ("/console/surveys/y2026/close", {}),
    ("/console/surveys/y2026/links", {"count": "5"}),
    ("/console/alerts/a1/acknowledge", {}),
    ("/console/coordinators", {"email": "eve@example.org", "role": "coordinator"}),
    ("/console/coordinators/role", {"email": "viewer@example.org", "role": "coordinator"}),
    ("/console/coordinators/remove", {"email": COORD}),
]


def test_a_viewer_is_refused_every_coordinator_action_and_nothing_changes(app):
    from shared.services import surveys

    surveys.create_survey(app.store, "y2026", today=date.today())
    urgent_alert(app)
    coordinators.add(app.store, COORD, today=date.today())
    c = sign_in(app, "viewer@example.org", role="viewer")
    assert c.get("/console/").status_code == 200
    for path in ("/console/supporters", "/console/surveys", "/console/audit", "/console/coordinators"):
        assert c.get(path).status_code == 403, path
    before = (app.store.list_supporters(), app.store.list_surveys(), app.store.list_coordinators())
    for path, data in VIEWER_ACTIONS:
        assert post(c, path, data, form_page="/console/").status_code == 403, path
    assert (app.store.list_supporters(), app.store.list_surveys(), app.store.list_coordinators()) == before
    assert app.store.alert_acks_since(datetime(2000, 1, 1, tzinfo=UTC)) == []


def test_coordinators_page_adds_changes_role_and_removes(app):
    c = sign_in(app, COORD)
    assert post(c, "/console/coordinators", {"email": "Ana@Example.org", "role": "viewer"}).status_code == 201
    assert app.store.get_coordinator("ana@example.org").role == "viewer"
    assert post(c, "/console/coordinators", {"email": "ana@example.org", "role": "viewer"}).status_code == 409
    post(
        c,
        "/console/coordinators/role",
        {"email": "ana@example.org", "role": "coordinator"},
        form_page="/console/coordinators",
    )
    assert app.store.get_coordinator("ana@example.org").role == "coordinator"
    post(
        c,
        "/console/coordinators/reports",
        {"email": "ana@example.org", "reports": "off"},
        form_page="/console/coordinators",
    )
    assert app.store.get_coordinator("ana@example.org").reports is False
    post(c, "/console/coordinators/remove", {"email": "ana@example.org"}, form_page="/console/coordinators")
    assert app.store.get_coordinator("ana@example.org") is None


def test_audit_page_filters_and_csv_holds_no_token(app):
    c = sign_in(app, COORD)
    post(c, "/console/supporters", {"alias": "Sam R."})
    html = c.get("/console/audit?kind=supporter_added").get_data(as_text=True)
    assert "supporter_added · Sam R." in html and "· sign_in" not in html
    csv_text = c.get("/console/audit.csv").get_data(as_text=True)
    assert "sign_in" in csv_text and "supporter_added" in csv_text
    assert "/console/sign-in/" not in csv_text and "?t=" not in csv_text
    assert c.get("/console/audit?since=yesterday").status_code == 400


def test_french_is_remembered_and_every_page_is_small(app):
    c = sign_in(app, COORD)
    post(c, "/console/supporters", {"alias": "Sam R."})
    post(c, "/console/surveys", {"id": "y2026"})
    french = c.get("/console/?lang=fr").get_data(as_text=True)
    assert '<html lang="fr">' in french and "Tableau de bord" in french
    sam = app.store.list_supporters()[0].id
    pages = ["/console/", "/console/supporters", f"/console/supporters/{sam}", "/console/surveys",
             "/console/surveys/y2026", "/console/audit", "/console/coordinators"]  # fmt: skip
    for path in pages:
        response = c.get(path)
        body = response.get_data()
        assert response.status_code == 200 and b'lang="fr"' in body, path
        assert len(body) <= 14 * 1024, (path, len(body))
    c.get("/console/sign-in")
    assert len(gzip.compress(c.get("/console/").get_data())) < len(c.get("/console/").get_data())


def test_rename_a_supporter_and_delete_a_survey_without_answers(app):
    from shared.records import Link, SealedAnswer

    c = sign_in(app, COORD)
    post(c, "/console/supporters", {"alias": "Sam R."})
    post(c, "/console/supporters", {"alias": "Kim"})
    sam = app.store.find_supporter("Sam R.")
    path = f"/console/supporters/{sam.id}"
    assert post(c, f"{path}/rename", {"alias": "Kim"}, form_page=path).status_code == 409
    assert post(c, f"{path}/rename", {"alias": "Samuel R."}, form_page=path).status_code == 200
    assert app.store.get_supporter(sam.id).alias == "Samuel R."
    post(c, "/console/surveys", {"id": "oops"})
    post(c, "/console/surveys", {"id": "y2026"})
    app.store.add_links("y2026", [Link("h1", "y2026")])
    app.store.redeem("h1", SealedAnswer("s1", "y2026", b"box"))  # answered, not yet released
    confirm = {"confirm": "1"}
    assert (
        post(c, "/console/surveys/y2026/delete", confirm, form_page="/console/surveys/y2026").status_code
        == 409
    )
    asked = post(c, "/console/surveys/oops/delete", form_page="/console/surveys/oops")  # one click only asks
    assert "Delete survey oops?" in asked.get_data(as_text=True) and len(app.store.list_surveys()) == 2
    assert (
        post(c, "/console/surveys/oops/delete", confirm, form_page="/console/surveys/oops").status_code == 200
    )
    assert [s.id for s in app.store.list_surveys()] == ["y2026"]


def test_purge_deletes_the_links_releases_sealed_answers_and_is_audited_once(app):
    from shared.services import links, sealing
    from shared.services.surveys import today_in

    c = sign_in(app, COORD)
    post(c, "/console/surveys", {"id": "y2026"})
    path = "/console/surveys/y2026"
    links.issue_links(app.store, app.settings, "y2026", 3, today_in(app.settings))
    app.store.redeem("h-answered", sealing.seal(app.settings.secret_key, "y2026", {"suggestions": "ok"}))
    asked = post(c, f"{path}/purge", form_page=path)  # one click on the survey page only asks
    assert "This cannot be undone" in asked.get_data(as_text=True)
    assert app.store.get_survey("y2026").purged_on is None and app.store.count_sealed("y2026") == 1
    for _ in range(2):  # two coordinators purging at once: no error page, no double effect
        assert post(c, f"{path}/purge", {"confirm": "1"}, form_page=path).status_code == 200
    assert app.store.count_sealed("y2026") == 0 and app.store.count_answers("y2026") == 1
    assert app.store.get_survey("y2026").purged_on is not None
    kinds = [e.kind for e in app.store.iter_audit(datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC))]
    assert kinds.count("survey_purged") >= 1


def test_purge_and_delete_ask_first_through_the_pages_own_forms(app):
    """Purge and Delete acted on one click; now the survey page's button leads to a
    confirmation page whose own form does it (no JavaScript)."""
    from tests.console.forms import forms_on

    c = sign_in(app, COORD)
    post(c, "/console/surveys", {"id": "oops"})
    for action, gone in (
        ("purge", lambda: app.store.get_survey("oops").purged_on is not None),
        ("delete", lambda: app.store.get_survey("oops") is None),
    ):
        path = "/console/surveys/oops"
        [form] = [
            f for f in forms_on(c.get(path).get_data(as_text=True)) if f["action"].endswith(f"/{action}")
        ]
        asked = c.post(form["action"], data=form["fields"])
        assert asked.status_code == 200 and not gone()
        [again] = [f for f in forms_on(asked.get_data(as_text=True)) if f["action"].endswith(f"/{action}")]
        assert again["fields"].get("confirm") == "1"
        assert c.post(again["action"], data=again["fields"]).status_code == 200 and gone()


def test_the_dashboard_counts_answers_waiting_sealed_and_says_why(app):
    """Four students answered, none released yet: the dashboard said "0 answers"."""
    from shared.services import links, sealing
    from shared.services.surveys import today_in

    c = sign_in(app, COORD)
    post(c, "/console/surveys", {"id": "y2026"})
    links.issue_links(app.store, app.settings, "y2026", 4, today_in(app.settings))
    for i in range(4):
        app.store.redeem(f"h{i}", sealing.seal(app.settings.secret_key, "y2026", {"suggestions": "ok"}))
    html = c.get("/console/").get_data(as_text=True)
    assert "y2026: 4 answers for 4 links (100%): 4 answers waiting to be released" in html
    assert "released in batches of at least" in html


def test_the_report_page_links_no_chart_when_there_is_none(app):
    c = sign_in(app, COORD)
    html = c.get("/console/report").get_data(as_text=True)
    assert "chart.png" not in html  # no survey answers: no chart, so no broken image
    assert c.get("/console/report/chart.png").status_code == 404
    from tests.test_report_support import add_survey, paired_answers

    add_survey(app.store, "y2026", paired_answers({"career_impact": (1, 2, 3, 4)}), opens=date(2026, 3, 1))
    html = c.get("/console/report").get_data(as_text=True)
    assert 'src="/console/report/chart.png' in html and c.get("/console/report/chart.png").status_code == 200


def test_the_remind_preview_counts_only_the_addresses_that_would_be_reminded(app):
    """It said "3 valid addresses. Send 3 emails", then "0 emails sent. Skipped (never invited): 3"."""
    import io

    from shared.services import links
    from shared.services.surveys import today_in

    c = sign_in(app, COORD)
    post(c, "/console/surveys", {"id": "y2026"})
    links.invite(app.store, app.settings, app.mailer, "y2026", ["ana@example.org"], today_in(app.settings))
    path = "/console/surveys/y2026"
    listed = "ana@example.org\nben@example.org\ncy@example.org\ndee@example.org\n"
    response = post(
        c, f"{path}/remind", {"addresses": (io.BytesIO(listed.encode()), "list.csv")}, form_page=path,
        content_type="multipart/form-data",
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert "4 valid addresses." in html and "Skipped (never invited): 3." in html
    assert "Send 1 emails" in html and re.search(r'name="emails" value="ana@example.org"', html)
    none = post(
        c, f"{path}/remind", {"addresses": (io.BytesIO(b"ben@example.org\n"), "list.csv")}, form_page=path,
        content_type="multipart/form-data",
    )  # fmt: skip
    assert "Nobody on this list would get an email." in none.get_data(as_text=True)
    assert 'name="emails"' not in none.get_data(as_text=True)


def test_reversed_dates_in_the_audit_filter_are_an_error_beside_the_field(app):
    """since after until silently gave an empty list."""
    c = sign_in(app, COORD)
    response = c.get("/console/audit?since=2026-05-01&until=2026-01-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="f-until-e"' in html
    assert "Enter a day on or after the first day." in html
    assert c.get("/console/audit.csv?since=2026-05-01&until=2026-01-01").status_code == 400


def test_the_signed_out_page_shows_nobody_signed_in(app):
    c = sign_in(app, COORD)
    html = post(c, "/console/sign-out", form_page="/console/").get_data(as_text=True)
    assert "You are signed out." in html
    assert COORD not in html and "Sign out</button>" not in html


def test_a_notice_never_ends_an_alias_with_two_full_stops(app):
    c = sign_in(app, COORD)
    post(c, "/console/supporters", {"alias": "Sam R."})
    sam = app.store.find_supporter("Sam R.")
    path = f"/console/supporters/{sam.id}"
    html = post(c, f"{path}/rename", {"alias": "Samuel R."}, form_page=path).get_data(as_text=True)
    assert "Renamed Sam R. to Samuel R.</p>" in html and ".." not in html.replace("...", "")


def test_last_logged_is_the_latest_interaction_day_not_the_newest_entry(app):
    """Trial 2 item 2: an entry made last, for an earlier day, once showed as "Last logged"."""
    c = sign_in(app, COORD)
    post(c, "/console/supporters", {"alias": "Sam R."})
    [sam] = app.store.list_supporters()
    now = datetime.now(UTC)
    app.store.add_interaction(Interaction("i1", sam.id, date(2026, 3, 9), {}, now))
    app.store.add_interaction(Interaction("i2", sam.id, date(2026, 3, 2), {}, now.replace(year=now.year + 1)))
    row = re.search(
        r"Sam R\.</a></td><td>[^<]*</td><td>([^<]*)</td>", c.get("/console/supporters").get_data(as_text=True)
    )
    assert row.group(1) == "2026-03-09"


def test_a_withdrawn_urgent_alert_shows_once_as_withdrawn(app):
    """Trial 2 item 3: the urgent alert and its withdrawal once showed as two urgent alerts."""
    urgent_alert(app)
    before = app.store.get_interaction("i1")
    after = Interaction("i1", "s1", before.occurred_on, {"concern": "some"}, before.created_at)
    later = datetime.now(UTC)
    app.store.change_interaction(
        before, after, Alert("a2", "i1", later, kind="urgent_withdrawn", supporter_id="s1")
    )
    c = sign_in(app, COORD)
    alerts = (
        text_of_page(c.get("/console/")).split("Urgent alerts to acknowledge")[1].split("Open surveys")[0]
    )
    assert alerts.count("Acknowledge") == 1
    assert (
        f"{before.occurred_on.isoformat()}, urgent concern withdrawn by Sam R. (no longer urgent)" in alerts
    )
    assert "logged by" not in alerts
    french = text_of_page(c.get("/console/?lang=fr"))
    assert "retirée par Sam R." in french
    post(c, "/console/alerts/a2/acknowledge", form_page="/console/")
    assert "Acknowledge</button>" not in c.get("/console/").get_data(as_text=True)


def text_of_page(response) -> str:
    return re.sub(r"<[^>]+>", "", response.get_data(as_text=True))
