"""``sidebyside surveys`` end to end (on the in-memory store; the contract suite holds SQLite and Firestore to the same behaviour): exit codes and whole outputs."""

from __future__ import annotations

import csv
import re
import stat
from datetime import timedelta

import pytest
from click.testing import CliRunner

from shared.cli import cli
from shared.services import links
from tests.test_survey_links import today
from tests.test_survey_mail import ADDRESSES, by_recipient, mailed, token_in  # noqa: F401  (fixture)

LINE = re.compile(r"http://127\.0\.0\.1:8080/survey/[A-Za-z0-9_-]{43}")


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_every_survey_command_has_help():
    group = cli.commands["surveys"]
    assert group.help
    assert sorted(group.commands) == [
        "blocks",
        "close",
        "create",
        "exclude",
        "invite",
        "links",
        "list",
        "purge",
        "remind",
        "unsubscribe",
    ]
    for command in group.commands.values():
        assert command.help, command.name
        assert run("surveys", command.name, "--help").exit_code == 0


def test_create_links_list_close(app):
    day = today(app)
    closes = (day + timedelta(days=30)).isoformat()
    created = run("surveys", "create", "y2026", "--closes", closes, "--k10")
    assert (created.exit_code, created.output) == (
        0,
        "Created survey y2026 (end_of_year_survey, with k10).\n",
    )
    issued = run("surveys", "links", "y2026", "--count", "3")
    assert issued.exit_code == 0
    lines = issued.stdout.splitlines()
    assert len(lines) == 3 and all(LINE.fullmatch(line) for line in lines)
    listed = run("surveys", "list")
    assert listed.exit_code == 0
    assert listed.output.splitlines() == [
        "ID     FORM                    OPENS  CLOSES      STATE  LINKS  ANSWERS  PENDING",
        f"y2026  end_of_year_survey+k10  -      {closes}  open   3      0        0",
    ]
    closed = run("surveys", "close", "y2026")
    grace = app.settings.purge_grace_days
    assert closed.exit_code == 0
    assert closed.output == (
        f"Closed y2026. Answers: 0 released, 0 waiting to be released. Links and invitations are purged on {(day + timedelta(days=grace)).isoformat()}.\n"
    )


def test_links_to_a_csv_file_readable_by_its_owner_only(app, tmp_path):
    run("surveys", "create", "y2026")
    target = tmp_path / "links.csv"
    result = run("surveys", "links", "y2026", "--count", "4", "--csv", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    with target.open() as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 4 and all(LINE.fullmatch(row["link"]) for row in rows)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    again = run("surveys", "links", "y2026", "--count", "4", "--csv", str(target))
    assert again.exit_code == 1 and "already exists" in again.output
    assert app.store.get_survey("y2026").links_issued == 4  # the refused run issued nothing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "Bad Id"], "The survey id must be 1 to 40 lowercase letters"),
        (["create", "ok", "--opens", "2026-02-30"], "opens must be a date as YYYY-MM-DD"),
        (
            ["create", "ok", "--opens", "2099-02-01", "--closes", "2099-01-01"],
            "cannot open (2099-02-01) after",
        ),
        (["create", "ok", "--form", "nope"], "No usable form 'nope'"),
        (["close", "nope"], "There is no survey 'nope'."),
        (["links", "nope", "--count", "2"], "There is no survey 'nope'."),
        (["purge", "nope", "--yes"], "There is no survey 'nope'."),
    ],
)
def test_refusals_are_one_line_and_exit_1(app, args, message):
    result = run("surveys", *args)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_links_count_must_be_positive(app):
    run("surveys", "create", "y2026")
    result = run("surveys", "links", "y2026", "--count", "0")
    assert result.exit_code == 2 and "Invalid value for '--count'" in result.output


def test_invite_and_remind_from_a_csv_through_smtp(mailed, smtp_server, tmp_path, client_for):  # noqa: F811
    run("surveys", "create", "y2026")
    emails = tmp_path / "emails.csv"
    emails.write_text(
        "name,email\nAnn,ann@example.org\nBob,Bob@Example.org\nCy,cy@example.ca\nAnn again,ann@example.org\n"
    )
    invited = run("surveys", "invite", "y2026", str(emails))
    assert (invited.exit_code, invited.output) == (0, "Invited 3.\n")
    tokens = {a: token_in(m) for a, m in by_recipient(smtp_server).items()}
    assert sorted(tokens) == ADDRESSES
    assert (
        client_for("survey").post(f"/{tokens['cy@example.ca']}", json={"confirm_blank": True}).status_code
        == 201
    )
    smtp_server.messages.clear()
    reminded = run("surveys", "remind", "y2026", str(emails))
    assert (reminded.exit_code, reminded.output) == (
        0,
        "Reminded 2. Skipped: 1 already answered.\n",
    )
    assert sorted(by_recipient(smtp_server)) == ["ann@example.org", "bob@example.org"]
    again = run("surveys", "invite", "y2026", str(emails))
    assert (again.exit_code, again.output) == (
        0,
        "Invited 0. Skipped: 3 already invited.\n",
    )


def test_a_bad_address_list_sends_nothing(mailed, smtp_server, tmp_path):  # noqa: F811
    run("surveys", "create", "y2026")
    emails = tmp_path / "emails.txt"
    emails.write_text("ann@example.org\nbob at example.org\n")
    result = run("surveys", "invite", "y2026", str(emails))
    assert result.exit_code == 1
    assert "line 2: 'bob at example.org'" in result.output
    assert smtp_server.messages == []
    # As the console's Send after its preview: --skip-bad-lines mails the valid ones, lists the rest.
    skipped = run("surveys", "invite", "y2026", str(emails), "--skip-bad-lines")
    assert (skipped.exit_code, skipped.stdout) == (0, "Invited 1.\n")
    assert "Left out: line 2: 'bob at example.org'" in skipped.stderr
    assert sorted(by_recipient(smtp_server)) == ["ann@example.org"]


def test_failed_mail_is_reported_with_how_to_retry(mailed, smtp_server, tmp_path):  # noqa: F811
    run("surveys", "create", "y2026")
    emails = tmp_path / "emails.txt"
    emails.write_text("\n".join(ADDRESSES))
    smtp_server.refuse.add("bob@example.org")
    result = run("surveys", "invite", "y2026", str(emails))
    assert result.exit_code == 1
    assert result.stdout == "Invited 2.\n"
    assert "Not sent to 1: bob@example.org" in result.output
    assert "run `sidebyside surveys invite y2026` again with the same list" in result.output


def test_purge_asks_first(app):
    run("surveys", "create", "y2026")
    [url] = run("surveys", "links", "y2026", "--count", "1").stdout.split()
    declined = run("surveys", "purge", "y2026", input="n\n")
    assert declined.exit_code == 1
    assert app.store.get_link(links.token_hash(url.rsplit("/", 1)[1])) is not None
    done = run("surveys", "purge", "y2026", input="y\n")
    assert done.exit_code == 0 and done.output.endswith("Purged y2026: 1 links deleted; answers kept.\n")
    assert app.store.get_link(links.token_hash(url.rsplit("/", 1)[1])) is None
    assert "purged" in run("surveys", "list").output
