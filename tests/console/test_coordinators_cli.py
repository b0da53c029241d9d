"""``sidebyside coordinators`` and ``sidebyside audit`` on the real CLI group, and who gets the
report and urgent alerts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from click.testing import CliRunner

from shared.cli import cli
from shared.services import coordinators
from tests.console.support import client, csrf, local_path


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_add_list_remove(app):
    assert run("coordinators", "add", "Ana@Example.org").exit_code == 0
    assert run("coordinators", "add", "ben@example.org", "--role", "viewer").exit_code == 0
    again = run("coordinators", "add", "ana@example.org")
    assert again.exit_code == 1 and "already on the list" in again.output
    assert run("coordinators", "add", "nope").exit_code == 1
    assert run("coordinators", "list").stdout.splitlines() == [
        "ana@example.org  coordinator  default (en)",
        "ben@example.org  viewer  default (en)",
        "coord@example.org  coordinator  default (en)  (SIDEBYSIDE_COORDINATORS)",
    ]
    assert run("coordinators", "remove", "ana@example.org").exit_code == 0
    gone = run("coordinators", "remove", "ana@example.org")
    assert gone.exit_code == 1 and "not on the list" in gone.output
    fixed = run("coordinators", "remove", "coord@example.org")
    assert fixed.exit_code == 1 and "SIDEBYSIDE_COORDINATORS" in fixed.output


def test_sign_in_link_prints_a_link_that_signs_in_once(app):
    run("coordinators", "add", "ana@example.org")
    result = run("coordinators", "sign-in-link", "ana@example.org")
    assert result.exit_code == 0
    link = result.stdout.strip()
    assert link.startswith("http://127.0.0.1:8080/console/sign-in/")
    c = client(app)
    path = local_path(link)
    assert c.post(path, data={"csrf_token": csrf(c, path)}).status_code == 302
    assert c.get("/console/").status_code == 200
    refused = run("coordinators", "sign-in-link", "who@example.org")
    assert refused.exit_code == 1 and refused.stdout == ""


def test_audit_prints_the_log_without_tokens(app):
    run("coordinators", "add", "ana@example.org")
    link = run("coordinators", "sign-in-link", "ana@example.org").stdout.strip()
    lines = run("audit").stdout.splitlines()
    assert [line.split("  ")[1:3] for line in lines] == [
        ["cli", "coordinator_added"],
        ["cli", "sign_in_link_issued"],
    ]
    assert link.rsplit("/", 1)[1] not in run("audit").stdout
    assert run("audit", "--since", "2999-01-01").stdout == ""
    assert run("audit", "--since", "soon").exit_code == 1


def test_report_and_alert_recipients_are_coordinators_who_did_not_opt_out(app):
    today = date(2026, 3, 1)
    coordinators.add(app.store, "ana@example.org", today=today)
    coordinators.add(app.store, "ben@example.org", "viewer", today=today)
    quiet = coordinators.add(app.store, "cy@example.org", today=today)
    assert app.store.update_coordinator(quiet, replace(quiet, reports=False))
    assert coordinators.recipients(app.store, app.settings) == ("coord@example.org", "ana@example.org")


def test_the_last_coordinator_cannot_be_demoted_or_removed(app):
    """Alone on the list, a coordinator who made themselves a viewer (or removed themselves)
    locked everyone out; now the service refuses, for the console, the CLI and any caller."""
    from shared.errors import Conflict

    app.settings = replace(app.settings, coordinators=())  # nobody from SIDEBYSIDE_COORDINATORS
    assert run("coordinators", "add", "ana@example.org").exit_code == 0
    assert run("coordinators", "add", "ben@example.org", "--role", "viewer").exit_code == 0
    demoted = run("coordinators", "set-role", "ana@example.org", "viewer")
    assert demoted.exit_code == 1 and "only coordinator" in demoted.output
    removed = run("coordinators", "remove", "ana@example.org")
    assert removed.exit_code == 1 and "only coordinator" in removed.output
    for attempt in (
        lambda: coordinators.set_role(app.store, "ana@example.org", "viewer"),  # without settings too
        lambda: coordinators.remove(app.store, app.settings, "ana@example.org"),
    ):
        try:
            attempt()
            raise AssertionError("the last coordinator was let go")
        except Conflict as error:
            assert error.code == "last_coordinator"
    assert app.store.get_coordinator("ana@example.org").role == "coordinator"
    # The console refuses too, with the reason on the page.
    from tests.console.support import sign_in

    c = sign_in(app, "ana@example.org")
    token = csrf(c, "/console/coordinators")
    refused = c.post(
        "/console/coordinators/role", data={"email": "ana@example.org", "role": "viewer", "csrf_token": token}
    )
    assert refused.status_code == 409 and "only coordinator" in refused.get_data(as_text=True)
    refused = c.post("/console/coordinators/remove", data={"email": "ana@example.org", "csrf_token": token})
    assert refused.status_code == 409 and app.store.get_coordinator("ana@example.org") is not None
    # With a second coordinator (here: Ben promoted from the CLI), either may go.
    promoted = run("coordinators", "set-role", "ben@example.org", "coordinator")
    assert promoted.exit_code == 0 and promoted.output == "ben@example.org is now a coordinator.\n"
    assert run("coordinators", "set-role", "ana@example.org", "viewer").exit_code == 0
    assert run("coordinators", "remove", "ana@example.org").exit_code == 0


def test_cli_messages_say_what_they_mean(app):
    added = run("coordinators", "add", "cy@example.org")
    assert "Sign-in link:" not in added.output
    assert "run: sidebyside coordinators sign-in-link cy@example.org" in added.output
    assert "viewers (dashboard and report)" in " ".join(run("coordinators", "--help").output.split())
    from shared.services import surveys

    surveys.create_survey(app.store, "cli26", today=date(2026, 3, 1))
    none = run("surveys", "unsubscribe", "cli26", "ann@example.org")
    assert none.output == "1 address was never invited to cli26, so nothing was changed.\n"
