"""The Data page: an import is previewed (rows, first rows, every error by line) and stored
only on Confirm; exports download and are audited."""

from __future__ import annotations

import io
import re
from datetime import date
from html import unescape

from shared.services import supporters
from tests.console.support import csrf, sign_in

HEADER = "supporter,occurred_on,format,initiated_by,topics,concern_level,referral,follow_up_planned\n"
GOOD = "Sam,2024-01-15,phone,student,academic,none,none,no\n"
EVERYTHING = (date.min, date.max)


def upload(c, text: str, **fields):
    data = {
        "file-interactions": (io.BytesIO(text.encode()), "log.csv"),
        "csrf_token": csrf(c, "/console/data"),
        **fields,
    }
    return c.post("/console/data/import?kind=interactions", data=data, content_type="multipart/form-data")


def upload_latin1(c, name: str):
    """A file as Excel's plain "CSV (Comma delimited)" saves it: in the legacy code page."""
    data = {
        "file-interactions": (io.BytesIO((HEADER + "Zoé,2024-01-15\n").encode("latin-1")), name),
        "csrf_token": csrf(c, "/console/data"),
    }
    return c.post("/console/data/import?kind=interactions", data=data, content_type="multipart/form-data")


def confirm(c, preview: str):
    """Press the preview's Confirm as a browser would: its form's fields, in its encoding."""
    forms = re.finditer(r'<form method="post" action="([^"]+)"([^>]*)>(.*?)</form>', preview, re.S)
    form = next((f for f in forms if 'name="confirm"' in f.group(3)), None)
    assert form, "no Confirm form"
    fields = {
        unescape(n): unescape(v) for n, v in re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(3))
    }
    multipart = 'enctype="multipart/form-data"' in form.group(2)
    return c.post(
        unescape(form.group(1)),
        data=fields,
        content_type="multipart/form-data" if multipart else "application/x-www-form-urlencoded",
    )


def test_an_import_with_errors_lists_them_by_line_and_stores_nothing(app):
    supporters.add_supporter(app.store, app.settings, "Sam")
    c = sign_in(app, "coord@example.org")
    response = upload(c, HEADER + GOOD + "Sam,2024-01-16,carrier pigeon,student,academic,none,none,no\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "line 3" in html and "Confirm" not in html
    assert list(app.store.iter_interactions(*EVERYTHING)) == []


def test_a_good_import_is_previewed_then_stored_on_confirm(app):
    supporters.add_supporter(app.store, app.settings, "Sam")
    c = sign_in(app, "coord@example.org")
    response = upload(c, HEADER + GOOD + GOOD.replace("15", "16"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "2 rows, all valid" in html and "<td>2024-01-16</td>" in html
    assert list(app.store.iter_interactions(*EVERYTHING)) == []  # nothing before Confirm
    response = confirm(c, html)
    assert "Imported 2 rows: 2 new, 0 already there." in response.get_data(as_text=True)
    assert len(list(app.store.iter_interactions(*EVERYTHING))) == 2


def test_exports_download_and_are_audited(app):
    c = sign_in(app, "coord@example.org")
    response = c.get("/console/data/interactions.csv?from=2024-01-01")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.get_data(as_text=True).lstrip("\ufeff").startswith("id,supporter,")
    assert c.get("/console/data/interactions.csv?from=soon").status_code == 400
    assert "data_exported" in c.get("/console/audit").get_data(as_text=True)


def test_a_file_too_big_is_refused_beside_the_field(app):
    c = sign_in(app, "coord@example.org")
    big = HEADER + GOOD * 50_000  # about 2.6 MB
    response = upload(c, big)
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert 'id="f-file-interactions-e"' in html and "too big" in html
    assert list(app.store.iter_interactions(*EVERYTHING)) == []


def test_download_responses_works_through_the_pages_own_form(app):
    """The Data page's form, submitted with the field names it renders, downloads the CSV."""
    from shared.services import surveys
    from tests.console.forms import submit

    surveys.create_survey(app.store, "y2026", today=date(2026, 3, 1))
    c = sign_in(app, "coord@example.org")
    response = submit(c, "/console/data", "/console/data/responses.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].endswith('"responses_y2026.csv"')
    response = submit(c, "/console/data", "/console/data/interactions.csv", **{"from": "2024-01-01"})
    assert response.status_code == 200 and response.mimetype == "text/csv"


def test_an_unknown_survey_export_is_shown_beside_its_field(app):
    c = sign_in(app, "coord@example.org")
    response = c.get("/console/data/responses.csv?survey=nosuch")
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and 'id="f-survey-export-e"' in html


def test_every_get_form_on_every_console_page_is_read_by_its_view(app):
    """Submitting each GET form with what the page fills in never lands on a 404 or a 5xx."""
    from shared.services import surveys
    from tests.console.forms import forms_on

    surveys.create_survey(app.store, "y2026", today=date(2026, 3, 1))
    c = sign_in(app, "coord@example.org")
    from urllib.parse import urlencode

    for path in (
        "/console/",
        "/console/supporters",
        "/console/surveys",
        "/console/data",
        "/console/report",
        "/console/audit",
    ):
        for form in forms_on(c.get(path).get_data(as_text=True)):
            if form["method"] != "get":
                continue
            response = c.get(form["action"] + "?" + urlencode(form["fields"]))
            assert response.status_code < 400, (path, form)


def test_unknown_supporters_in_the_console_point_to_the_pages_checkbox_not_the_cli(app):
    c = sign_in(app, "coord@example.org")
    html = unescape(upload(c, HEADER + GOOD).get_data(as_text=True))
    assert "no supporter has the alias 'Sam' (line 2)" in html
    assert 'tick "Add supporters the file names who are not on the list"' in html
    assert "--create-supporters" not in html and "sidebyside" not in html
    # The page's own checkbox then imports them.
    response = upload(c, HEADER + GOOD, create_supporters="on")
    assert response.status_code == 200 and "1 rows, all valid" in response.get_data(as_text=True)


def test_a_file_in_a_wrong_encoding_reads_as_a_whole_sentence(app):
    c = sign_in(app, "coord@example.org")
    html = unescape(upload_latin1(c, "log.csv").get_data(as_text=True))
    assert "Fix these lines" not in html and "Fix the file and upload it again" in html
    assert "<li>log.csv is not UTF-8 text" in html


def test_a_utf16_file_is_previewed_and_imported(app):
    """Excel's "Unicode Text" (UTF-16 with a byte order mark) is read by the import service, so
    its preview must show too (it was a 500), and Confirm must import it."""
    supporters.add_supporter(app.store, app.settings, "Sam")
    c = sign_in(app, "coord@example.org")
    text = HEADER + GOOD + GOOD.replace("15", "16")
    data = {
        "file-interactions": (io.BytesIO(text.encode("utf-16")), "log.txt"),
        "csrf_token": csrf(c, "/console/data"),
    }
    response = c.post("/console/data/import?kind=interactions", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "2 rows, all valid" in html and "<td>2024-01-16</td>" in html
    response = confirm(c, html)
    assert "Imported 2 rows: 2 new, 0 already there." in response.get_data(as_text=True)
    assert len(list(app.store.iter_interactions(*EVERYTHING))) == 2


def test_a_file_the_preview_calls_valid_can_be_confirmed_though_about_1_mb_of_accents(app):
    """The Confirm form carries the file back: URL-encoded, 1 MB of accented notes grows past
    the 2 MB upload limit (a 413 after "all valid"); multipart carries it as it is."""
    supporters.add_supporter(app.store, app.settings, "Sam")
    c = sign_in(app, "coord@example.org")
    note = "é" * 270
    lines = [HEADER.rstrip("\n") + ",note\n"]
    day = date(2024, 1, 1)
    for n in range(1900):
        lines.append(
            f"Sam,{date.fromordinal(day.toordinal() + n % 360)},phone,student,academic,none,none,no,{n} {note}\n"
        )
    text = "".join(lines)
    assert 0.9e6 < len(text.encode()) < 1.2e6
    response = upload(c, text)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "1900 rows, all valid" in html
    response = confirm(c, html)
    assert response.status_code == 200
    assert "Imported 1900 rows: 1900 new" in response.get_data(as_text=True)


def test_import_problems_are_said_in_the_consoles_language(app):
    """Trial 2 item 6: on the French console, "ansi.csv is not UTF-8 text…" and "line 2:
    occurred_on: “Date of the interaction”: …" were English."""
    supporters.add_supporter(app.store, app.settings, "Sam")
    c = sign_in(app, "coord@example.org")
    c.get("/console/data?lang=fr")
    html = unescape(upload_latin1(c, "ansi.csv").get_data(as_text=True))
    assert "<li>ansi.csv n’est pas du texte UTF-8 (la ligne 2 contient d’autres caractères)" in html
    assert "is not UTF-8" not in html
    bad = upload(
        c,
        HEADER
        + "Sam,2099-01-15,phone,student,academic,none,none,no\nSam,x,phone,student,academic,none,none,no\n",
    )
    html = unescape(bad.get_data(as_text=True))
    assert bad.status_code == 400
    assert "<li>ligne 2\u00a0: occurred_on\u00a0: «\u00a0Date de l'interaction\u00a0»" in html
    assert "line 2" not in html and "Date of the interaction" not in html
    header = unescape(upload(c, "supporter,colour\nSam,red\n").get_data(as_text=True))
    assert "l’en-tête (ligne 1) a ce problème\u00a0: colonne inconnue 'colour'" in header
