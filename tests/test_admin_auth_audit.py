"""Wrong admin and send_report bearer tokens are audited: at most one audit row per client a
minute, with the count, naming the client by a keyed hash, never the token or the address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.services import audit
from shared.web.factory import create_app
from tests.conftest import ADMIN_TOKEN

PATHS = {"admin": ("GET", "/supporters"), "send_report": ("POST", "/alerts")}
T0 = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


def rows(store) -> list[str]:
    return [e.detail for e in everything(store) if e.kind == "api_auth_failed"]


def everything(store) -> list:
    return list(store.iter_audit(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)))


@pytest.mark.parametrize("function", sorted(PATHS))
def test_wrong_tokens_are_audited_in_one_row_and_never_the_token(app, function, monkeypatch):
    monkeypatch.delenv("K_SERVICE", raising=False)
    flask_app = create_app(function, app)
    method, path = PATHS[function]

    def call(token: str, client: str = "192.0.2.1") -> int:
        return (
            flask_app.test_client()
            .open(
                path,
                method=method,
                headers={"Authorization": f"Bearer {token}"},
                environ_base={"REMOTE_ADDR": client},
            )
            .status_code
        )

    assert [call(f"guess-{n}-secretish") for n in range(5)] == [401] * 5
    assert call(ADMIN_TOKEN) == 200  # a right token is no failure
    [row] = rows(app.store)  # five failures within the minute: the first row, the rest pending
    assert row.startswith("client ") and row.endswith(": 1 failed")
    logged = " ".join(f"{e.actor} {e.kind} {e.detail}" for e in everything(app.store))
    assert "guess" not in logged and "192.0.2.1" not in logged and ADMIN_TOKEN not in logged


def test_failures_are_aggregated_per_client_and_minute(app):
    tally = audit.FailedAuthentications(app.store, app.settings.secret_key)
    for second in range(0, 50, 5):  # ten failures from one client within a minute
        tally.failed("192.0.2.1", T0 + timedelta(seconds=second))
    tally.failed("192.0.2.2", T0 + timedelta(seconds=7))
    assert len(rows(app.store)) == 2  # one row per client so far
    tally.flush(T0 + timedelta(seconds=30))
    assert len(rows(app.store)) == 2  # nothing due within the minute
    tally.flush(T0 + timedelta(seconds=61))  # the minute is over: the nine pending in one row
    details = rows(app.store)
    counts = sorted(int(d.rsplit(": ", 1)[1].split()[0]) for d in details)
    assert counts == [1, 1, 9]
    assert len({d.split(":")[0] for d in details}) == 2  # two clients, each always named by the same hash
    tally.flush(T0 + timedelta(minutes=5))
    assert len(rows(app.store)) == 3  # nothing pending, nothing written


def test_every_admin_route_that_changes_something_or_takes_data_out_is_audited(app):
    """A new route cannot be added unaudited: every method other than GET, and every GET that
    takes data or the report out, has its row in ``AUDITED``."""
    from shared.web.admin import AUDITED
    from shared.web.factory import create_app

    routes = {
        (method, rule.rule)
        for rule in create_app("admin", app).url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    must = {(m, r) for m, r in routes if m != "GET" or r.startswith(("/export", "/report"))}
    assert must - set(AUDITED) == set()
    assert set(AUDITED) <= routes  # and no row names a route that is gone


def test_an_api_call_that_failed_after_acting_is_audited_as_stopped_and_a_refusal_is_not(
    app, client_for, tmp_path
):
    """Two invitations mailed, then the store went away: the 503 is audited as stopped (the
    path's ids only, never an address); an unknown survey (404) acted on nothing and is not."""
    from shared import bootstrap
    from shared.services import surveys
    from tests.test_cli_audit import STUDENTS, StoreGoesAwayAfterOneInvitation, mailed

    surveys.create_survey(app.store, "s1", today=surveys.today_in(app.settings))
    client = client_for("admin")
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    emails = {"emails": [*STUDENTS, "cy@students.example.edu"]}
    broken = bootstrap.configure(settings=app.settings, store=StoreGoesAwayAfterOneInvitation(app.store))
    assert client.post("/surveys/nope/invite", json=emails, headers=headers).status_code == 404
    assert client.post("/surveys/s1/invite", json=emails, headers=headers).status_code == 503
    assert len(mailed(tmp_path)) == 2
    assert [(e.actor, e.kind, e.detail) for e in everything(broken.store)] == [
        ("api", "survey_invited", "s1 (stopped)")
    ]


def test_a_stopped_call_whose_entry_cannot_be_written_still_answers_its_own_503(app, client_for):
    from shared import bootstrap
    from tests.test_cli_audit import StoreDown

    bootstrap.configure(settings=app.settings, store=StoreDown(app.store))
    response = client_for("admin").post(
        "/surveys/s1/close", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert (response.status_code, response.get_json()["error"]) == (503, "unavailable")
