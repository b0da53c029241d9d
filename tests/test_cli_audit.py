"""Every CLI command that changes or reveals the program's data leaves an audit entry with actor
``cli``, as the console and the admin API do (the README promised it; a new-user trial found
that only ``coordinators`` commands wrote one), and no entry holds a token, a link or a
student's address. The trail is installed in one place, ``shared/cli/trail.py``."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from shared import bootstrap
from shared.cli import cli, trail
from shared.error_table import exit_code
from shared.mail import Mailer, Message
from shared.services import imports
from shared.store.port import Unavailable
from tests.test_export_import import RESPONSES_IN
from tests.test_survey_links import today

STUDENTS = ["ann@students.example.edu", "bob@students.example.edu"]
INTERACTIONS = (
    "supporter,occurred_on,format,initiated_by,topics,concern_level,referral,follow_up_planned\n"
    "Kim,2024-01-15,phone,student,academic,none,none,no\n"
)
URL = re.compile(r"https?://[^\s\"'<>]+")


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def entries(app: Any) -> list:
    return list(app.store.iter_audit(datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=1)))


def test_every_command_is_in_the_audit_table_or_says_why_not():
    found = dict(trail.walk(cli))
    assert set(found) == set(trail.AUDITED) | set(trail.NOT_AUDITED)
    assert not set(trail.AUDITED) & set(trail.NOT_AUDITED)
    assert all(getattr(found[path].callback, "__sidebyside_audited__", False) for path in trail.AUDITED)
    # A command added without a row stops the program at start-up, so none can escape the trail.
    group = click.Group("g", commands=[click.Command("new-thing", callback=lambda: None)])
    with pytest.raises(RuntimeError, match="new-thing"):
        trail.install(group)


def test_each_command_that_changes_or_reveals_data_leaves_one_entry_by_the_cli(app, tmp_path: Path):
    day = today(app)
    opens, closes = (day + timedelta(days=10)).isoformat(), (day + timedelta(days=30)).isoformat()
    students = tmp_path / "students.csv"
    students.write_text("email\n" + "\n".join(STUDENTS) + "\n")
    logged = tmp_path / "interactions.csv"
    logged.write_text(INTERACTIONS)
    answers = tmp_path / "responses.csv"
    answers.write_text(RESPONSES_IN)
    # (command, arguments, the entry it leaves: kind and detail)
    steps = [
        ("demo", ["demo"], "demo_run", "local demo data: created; sign-in link for coordinator@example.org"),
        ("supporters add", ["supporters", "add", "Sam R.", "--email", "sam@example.org"], "supporter_added", "Sam R."),
        ("supporters relink", ["supporters", "relink", "Sam R."], "supporter_relinked", "Sam R."),
        ("supporters revoke", ["supporters", "revoke", "Sam R."], "supporter_revoked", "Sam R."),
        ("surveys create", ["surveys", "create", "pilot", "--opens", opens], "survey_created", "pilot"),
        ("surveys blocks", ["surveys", "blocks", "pilot", "--block", "phq9"], "survey_changed", "pilot: blocks phq9"),
        ("surveys exclude", ["surveys", "exclude", "pilot"], "survey_changed", "pilot: left out of the report's default choices"),
        ("surveys create", ["surveys", "create", "y2026", "--closes", closes], "survey_created", "y2026"),
        ("surveys links", ["surveys", "links", "y2026", "--count", "2"], "survey_links_issued", "y2026: 2"),
        ("surveys invite", ["surveys", "invite", "y2026", str(students)], "survey_invited", "y2026: 2 sent, 0 failed"),
        ("surveys remind", ["surveys", "remind", "y2026", str(students)], "survey_reminded", "y2026: 2 sent, 0 failed"),
        ("surveys unsubscribe", ["surveys", "unsubscribe", "y2026", STUDENTS[0]], "survey_unsubscribed", "y2026: 1 address(es)"),
        ("surveys close", ["surveys", "close", "y2026"], "survey_closed", "y2026"),
        ("surveys purge", ["surveys", "purge", "y2026", "--yes"], "survey_purged", "y2026: 4 links"),
        ("import interactions", ["import", "interactions", str(logged), "--create-supporters"], "data_imported", "interactions: 1 rows, 1 new"),
        ("import responses", ["import", "responses", str(answers), "--survey", "y2025"], "data_imported", "responses into y2025: 4 rows, 4 new"),
        ("export interactions", ["export", "interactions", "--from", "2024-01-01"], "data_exported", "interactions 2024-01-01.."),
        ("export responses", ["export", "responses", "--survey", "y2025", "--whole-survey-only-items"], "data_exported", "responses y2025, with the whole-survey-only items (PHQ-9 item 9)"),
        ("report", ["report", "--survey", "y2025", "--compare", "none"], "report_viewed", "survey=y2025 compare=none audience=coordinators"),
        ("report", ["report", "--send"], "report_sent", "audience=coordinators"),
        ("coordinators add", ["coordinators", "add", "Ana@Example.org"], "coordinator_added", "ana@example.org (coordinator)"),
        ("coordinators set-role", ["coordinators", "set-role", "ana@example.org", "viewer"], "role_changed", "ana@example.org: viewer"),
        ("coordinators language", ["coordinators", "language", "ana@example.org", "fr"], "role_changed", "ana@example.org: report language fr"),
        ("coordinators sign-in-link", ["coordinators", "sign-in-link", "ana@example.org"], "sign_in_link_issued", "ana@example.org"),
        ("coordinators remove", ["coordinators", "remove", "ana@example.org"], "coordinator_removed", "ana@example.org"),
        ("maintenance rebuild-tallies", ["maintenance", "rebuild-tallies"], "maintenance_run", "rebuild-tallies"),
    ]  # fmt: skip
    assert {path for path, *_ in steps} == set(trail.AUDITED)
    said = []
    for _path, args, kind, detail in steps:
        before = len(entries(app))
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
        said.append(result.output)
        assert [(e.actor, e.kind, e.detail) for e in entries(app)[before:]] == [("cli", kind, detail)], args

    # Reads leave nothing: lists and the audit log itself.
    before = len(entries(app))
    for args in (["supporters", "list"], ["surveys", "list"], ["coordinators", "list"], ["audit"]):
        assert run(*args).exit_code == 0
    assert len(entries(app)) == before

    # No token, link or student address in any entry: every link printed or mailed is looked for.
    details = "\n".join(f"{e.actor} {e.detail}" for e in entries(app))
    mailed = [path.read_text(errors="replace") for path in (tmp_path / "outbox").rglob("*") if path.is_file()]
    links = set(URL.findall("\n".join(said + mailed)))
    tokens = {part for link in links for part in re.split(r"[/?=&#]", link) if len(part) >= 20}
    assert links and tokens
    assert "http" not in details
    assert not [t for t in tokens if t in details]
    assert not [a for a in STUDENTS if a in details]


def test_a_command_refused_before_it_acts_leaves_nothing(app, tmp_path: Path):
    students = tmp_path / "students.csv"
    students.write_text("email\n" + "\n".join(STUDENTS) + "\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("year_of_study,nonsense\nyear1,1\n")
    for args in (
        ["surveys", "close", "nope"],
        ["surveys", "create", "BAD ID"],
        ["surveys", "invite", "nope", str(students)],
        ["export", "responses", "--survey", "nope"],
        ["import", "responses", str(bad), "--survey", "y2025"],
        ["supporters", "revoke", "nobody"],
        ["report", "--survey", "nope"],
    ):
        assert run(*args).exit_code != 0, args
    assert entries(app) == []
    assert app.store.get_survey("y2025") is None  # the refused import created nothing


class FailingMidway:
    """The store, whose interactions stop after the first one: the store going away while an
    export is already writing rows (the fault is injected through the store port)."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def iter_interactions(self, start: Any, end: Any):
        iterator = self._store.iter_interactions(start, end)
        yield next(iterator)
        raise Unavailable("the store went away")


# -- Commands that acted, then stopped: audited whatever stopped them ---------------------------


def invitation_run(app: Any, tmp_path: Path) -> Path:
    closes = (today(app) + timedelta(days=30)).isoformat()
    assert run("surveys", "create", "y2026", "--closes", closes).exit_code == 0
    students = tmp_path / "students.csv"
    students.write_text("email\n" + "\n".join([*STUDENTS, "cy@students.example.edu"]) + "\n")
    return students


def mailed(tmp_path: Path) -> list[Path]:
    return list((tmp_path / "outbox").rglob("*.eml"))


class StoreGoesAwayAfterOneInvitation:
    """The store, which fails on the second invitation it is asked to keep: two mails are out
    (each is mailed, then stored) when it fails."""

    def __init__(self, store: Any) -> None:
        self._store, self.calls = store, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def add_links(self, survey_id: str, links: Any) -> Any:
        self.calls += 1
        if self.calls > 1:
            raise Unavailable("the store went away")
        return self._store.add_links(survey_id, links)


def test_an_invitation_run_that_mailed_then_failed_is_audited_as_stopped(app, tmp_path: Path):
    students = invitation_run(app, tmp_path)
    broken = bootstrap.configure(settings=app.settings, store=StoreGoesAwayAfterOneInvitation(app.store))
    before = len(entries(broken))
    result = run("surveys", "invite", "y2026", str(students))
    assert result.exit_code != 0 and "went away" in result.output
    assert len(mailed(tmp_path)) == 2
    assert [(e.actor, e.kind, e.detail) for e in entries(broken)[before:]] == [
        ("cli", "survey_invited", "y2026 (stopped)")
    ]


class CtrlCOnTheSecondMail(Mailer):
    def __init__(self, mailer: Mailer) -> None:
        super().__init__(mailer.sender)
        self._mailer, self.sent = mailer, 0

    def send(self, message: Message) -> str:
        if self.sent == 1:
            raise KeyboardInterrupt
        self.sent += 1
        return self._mailer.send(message)


def test_an_invitation_run_stopped_with_ctrl_c_is_audited_as_stopped(app, tmp_path: Path):
    students = invitation_run(app, tmp_path)
    app._mailer = CtrlCOnTheSecondMail(app.mailer)
    before = len(entries(app))
    result = run("surveys", "invite", "y2026", str(students))
    assert result.exit_code == 1 and "Aborted" in result.output
    assert len(app.store.invitations("y2026")) == 1 and len(mailed(tmp_path)) == 1
    assert [(e.kind, e.detail) for e in entries(app)[before:]] == [("survey_invited", "y2026 (stopped)")]


class InterruptedMidway(FailingMidway):
    """As :class:`FailingMidway`, but Ctrl-C stops the export after its first row."""

    def iter_interactions(self, start: Any, end: Any):
        iterator = self._store.iter_interactions(start, end)
        yield next(iterator)
        raise KeyboardInterrupt


@pytest.mark.parametrize("fault,said", [("FailingMidway", "went away"), ("InterruptedMidway", "Aborted")])
def test_an_export_that_stops_part_way_is_still_audited(app, tmp_path: Path, fault: str, said: str):
    """The store going away, or Ctrl-C, after the first row went out."""
    logged = tmp_path / "interactions.csv"
    logged.write_text(INTERACTIONS + "Kim,2024-01-16,phone,student,academic,none,none,no\n")
    assert run("import", "interactions", str(logged), "--create-supporters").exit_code == 0
    broken = bootstrap.configure(settings=app.settings, store=globals()[fault](app.store))
    result = run("export", "interactions")
    assert result.exit_code == 1 and said in result.output
    assert [(e.kind, e.detail) for e in entries(broken)][-1] == ("data_exported", "interactions .. (stopped)")


class SurveyChangesAfterTheFirstChunk:
    """The store, on which someone changes the survey's form once the import has written a chunk:
    the import stops with a Conflict (a refusal) after storing part of the file."""

    def __init__(self, store: Any) -> None:
        self._store, self.written = store, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def add_answers(self, survey: Any, answers: Any) -> int:
        self.written = True
        return self._store.add_answers(survey, answers)

    def get_survey(self, survey_id: str) -> Any:
        found = self._store.get_survey(survey_id)
        return replace(found, form="another_form") if self.written and found is not None else found


def test_an_import_refused_part_way_is_audited_as_stopped(app, tmp_path: Path):
    rows = RESPONSES_IN.splitlines(keepends=True)
    answers = tmp_path / "responses.csv"
    answers.write_text(rows[0] + "".join(rows[1:3]) * (imports.CHUNK // 2 + 1))  # more than a chunk
    broken = bootstrap.configure(settings=app.settings, store=SurveyChangesAfterTheFirstChunk(app.store))
    result = run("import", "responses", str(answers), "--survey", "y2025")
    assert result.exit_code != 0 and "changed while its answers were being imported" in result.output
    assert app.store.count_answers("y2025") == imports.CHUNK  # the first chunk is stored
    assert [(e.kind, e.detail) for e in entries(broken)] == [
        ("data_imported", "responses into y2025 (stopped)")
    ]


class StoreDown:
    """The store, gone: every call fails."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        if name == "close":  # the test's own tidying up
            return self._store.close
        raise Unavailable("the store went away")


def test_a_stopped_command_whose_entry_cannot_be_written_ends_with_its_own_failure(app, tmp_path: Path):
    """A store failure may come after the command acted, so it is recorded as stopped; when the
    store is what went away, that record fails too: said on stderr, the exit code the command's."""
    bootstrap.configure(settings=app.settings, store=StoreDown(app.store))
    result = run("surveys", "close", "y2026")
    assert result.exit_code == exit_code(Unavailable("x"))
    assert "The audit entry of this stopped command could not be written" in result.output
