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
    content = unescape(re.search(r'name="content" value="([^"]*)"', html).group(1))
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = c.post(
        "/console/data/import?kind=interactions",
        data={
            "confirm": "1",
            "name": "log.csv",
            "content": content,
            "csrf_token": token,
        },
    )
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
