"""``sidebyside supporters ...`` through click's CliRunner on the real CLI group, on the in-memory store (the contract suite holds SQLite and Firestore to the same behaviour)."""

# Fixtures are imported by name from tests/test_log_support.py; pytest injects them as arguments.
# ruff: noqa: F811

from __future__ import annotations

from click.testing import CliRunner

from shared.cli import cli
from tests.test_log_support import log_client  # noqa: F401  (fixture)


def run(*args: str):
    return CliRunner().invoke(cli, ["supporters", *args])


def test_add_prints_a_working_link(app, log_client):
    result = run("add", "Sam", "--email", "sam@example.org")
    assert result.exit_code == 0, result.output
    link = result.stdout.strip()
    assert link.startswith("http://127.0.0.1:8080/log_interaction/?t=")
    assert "\n" not in link  # stdout is the link alone: LINK=$(sidebyside supporters add Sam)
    assert result.stderr == (
        "Emailed the link to sam@example.org.\nAdded Sam. Their personal link (send it to them alone):\n"
    )
    token = link.split("?t=")[1]
    assert log_client.get(f"/?t={token}").status_code == 200
    # Emailed as the console does; --no-email keeps the address without mailing.
    from tests.console.support import outbox, text_of

    [mail] = outbox(app)
    assert mail["To"] == "sam@example.org" and link in text_of(mail)
    quiet = run("add", "Kim", "--email", "kim@example.org", "--no-email")
    assert quiet.exit_code == 0 and len(outbox(app)) == 1 and "Emailed" not in quiet.stderr


def test_list(app):
    assert run("list").stdout == ""
    run("add", "Sam", "--email", "sam@example.org")
    run("add", "Kim")
    run("revoke", "Kim")
    result = run("list")
    assert result.exit_code == 0
    ids = {s.alias: s.id for s in app.store.list_supporters()}
    assert result.stdout.splitlines() == [
        "ALIAS  STATUS   EMAIL            ID",
        f"Kim    revoked  -                {ids['Kim']}",
        f"Sam    active   sam@example.org  {ids['Sam']}",
    ]


def test_revoke_turns_the_link_off(app, log_client):
    token = run("add", "Sam").stdout.strip().split("?t=")[1]
    result = run("revoke", "Sam")
    assert (result.exit_code, result.stdout) == (0, "Revoked Sam: their link no longer works.\n")
    assert log_client.get(f"/?t={token}").status_code == 401
    again = run("revoke", "Sam")
    assert (again.exit_code, again.stdout) == (0, "Sam was already revoked.\n")


def test_relink_gives_a_new_link_and_retires_the_old(app, log_client):
    old = run("add", "Sam").stdout.strip().split("?t=")[1]
    result = run("relink", "Sam")
    assert result.exit_code == 0
    new = result.stdout.strip().split("?t=")[1]
    assert new != old
    assert log_client.get(f"/?t={old}").status_code == 401
    assert log_client.get(f"/?t={new}").status_code == 200


def test_refusals_are_one_line_and_exit_1(app):
    run("add", "Sam")
    cases = {
        ("add", "Sam"): "Error: A supporter called 'Sam' already exists.\n",
        (
            "add",
            "../etc",
        ): "Error: The alias must be 1 to 40 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit.\n",
        (
            "add",
            "Kim",
            "--email",
            "kim",
        ): "Error: 'kim' is not an email address the program can mail (an email address must have an @-sign).\n",
        ("revoke", "Nobody"): "Error: There is no supporter called 'Nobody'.\n",
        ("relink", "Nobody"): "Error: There is no supporter called 'Nobody'.\n",
    }
    for args, message in cases.items():
        result = run(*args)
        assert (result.exit_code, result.stderr) == (1, message), args
    assert [s.alias for s in app.store.list_supporters()] == ["Sam"]


def test_every_command_has_help():
    for name in ("add", "list", "revoke", "relink"):
        result = run(name, "--help")
        assert result.exit_code == 0
        assert result.stdout.split("\n\n")[1].strip()
