"""Changing a survey, from an attacker's and a new user's trial: a change never undoes another
written meanwhile (a closed survey never reopens), an import racing the survey's creation never
puts answers in a survey that does not ask them, past-dated surveys are an explicit opt-in in the
CLI, the API and the console alike, and the admin API's bodies are read strictly (no repeated
keys, no unknown keys, nothing echoed back unbounded)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner

from shared.cli import cli
from shared.errors import Conflict, Invalid
from shared.services import imports, links, surveys
from tests.conftest import ADMIN_TOKEN, ALL_STORES
from tests.test_export_import import RESPONSES_IN
from tests.test_survey_links import new_survey, today

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


class Meanwhile:
    """The store, where another request's write (``meanwhile``) commits right after this one's
    first read of a survey: the interleaving of two coordinators, or a coordinator and an import,
    acting at once. Only that interleaving is injected; every write is the real store's."""

    def __init__(self, store: Any, meanwhile: Callable[[], None]) -> None:
        self._store, self._meanwhile = store, meanwhile

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def get_survey(self, survey_id: str) -> Any:
        found = self._store.get_survey(survey_id)
        if self._meanwhile is not None:
            meanwhile, self._meanwhile = self._meanwhile, None
            meanwhile()
        return found


# -- L1: a change is written only over the survey as read ----------------------------------------


def test_changing_blocks_never_reopens_a_survey_closed_meanwhile(app):
    day = today(app)
    new_survey(app, opens=day + timedelta(days=7))
    racing = Meanwhile(app.store, lambda: surveys.close_survey(app.store, app.settings, "y2026", day))
    with pytest.raises(Conflict, match="is closed, so its blocks are fixed"):
        surveys.set_blocks(racing, "y2026", ["phq9"], day)
    survey = app.store.get_survey("y2026")
    assert (survey.closed_on, survey.blocks) == (day, ())


def test_changing_blocks_keeps_links_issued_meanwhile(app):
    day = today(app)
    new_survey(app, opens=day + timedelta(days=7))
    racing = Meanwhile(app.store, lambda: links.issue_links(app.store, app.settings, "y2026", 3, day))
    surveys.set_blocks(racing, "y2026", ["phq9"], day)
    survey = app.store.get_survey("y2026")
    assert (survey.links_issued, survey.blocks) == (3, ("phq9",))


def test_closing_keeps_links_issued_and_blocks_changed_meanwhile(app):
    day = today(app)
    new_survey(app, opens=day + timedelta(days=7))
    racing = Meanwhile(app.store, lambda: links.issue_links(app.store, app.settings, "y2026", 2, day))
    surveys.close_survey(racing, app.settings, "y2026", day)
    assert (app.store.get_survey("y2026").closed_on, app.store.get_survey("y2026").links_issued) == (day, 2)
    new_survey(app, "y2027", opens=day + timedelta(days=7))
    racing = Meanwhile(app.store, lambda: surveys.set_blocks(app.store, "y2027", ["gad7"], day))
    surveys.close_survey(racing, app.settings, "y2027", day)
    survey = app.store.get_survey("y2027")
    assert (survey.closed_on, survey.blocks) == (day, ("gad7",))


def test_purging_keeps_links_issued_meanwhile(app):
    day = today(app)
    new_survey(app)
    racing = Meanwhile(app.store, lambda: links.issue_links(app.store, app.settings, "y2026", 2, day))
    links.purge(racing, app.settings, "y2026", day)
    survey = app.store.get_survey("y2026")
    assert (survey.purged_on, survey.links_issued) == (day, 2)


# -- L15: the reason the blocks are fixed is the right one ----------------------------------------


def test_blocks_fixed_says_why(app, client_for):
    day = today(app)
    new_survey(app, "open-now")
    new_survey(app, "closed-early", opens=day + timedelta(days=7))
    surveys.close_survey(app.store, app.settings, "closed-early", day)
    new_survey(app, "answered", opens=day + timedelta(days=7))
    imports.import_responses(app.store, app.settings, b"suggestions\nmore hours\n", "answered")
    admin = client_for("admin")
    said = {
        survey_id: admin.put(
            f"/surveys/{survey_id}/blocks", json={"blocks": ["phq9"]}, headers=AUTH
        ).get_json()
        for survey_id in ("open-now", "closed-early", "answered")
    }
    assert {k: (v["error"], v["message"].split(",")[0]) for k, v in said.items()} == {
        "open-now": ("blocks_fixed", "Survey 'open-now' has opened"),
        "closed-early": ("blocks_fixed", "Survey 'closed-early' is closed"),
        "answered": ("blocks_fixed", "Survey 'answered' has answers"),
    }


# -- L2: an import racing the survey's creation ----------------------------------------------------


def test_an_import_racing_the_surveys_creation_uses_that_survey_and_refuses_what_it_does_not_ask(app):
    day = today(app)
    # The file has K10 answers; a coordinator creates the survey, without K10, just after the
    # import found no survey.
    racing = Meanwhile(app.store, lambda: surveys.create_survey(app.store, "y2025", today=day))
    with pytest.raises(Invalid, match="k10_1"):
        imports.import_responses(racing, app.settings, RESPONSES_IN.encode(), "y2025")
    assert app.store.count_answers("y2025") == 0
    assert app.store.get_survey("y2025").blocks == ()
    # A file the survey does ask: stored into that survey, which the import did not create.
    racing = Meanwhile(app.store, lambda: surveys.create_survey(app.store, "y2024", today=day))
    done = imports.import_responses(racing, app.settings, b"suggestions\nmore hours\n", "y2024")
    assert (done.added, done.created_survey, app.store.count_answers("y2024")) == (1, False, 1)


def test_answers_are_not_written_once_the_survey_stopped_asking_their_blocks(app):
    day = today(app)
    new_survey(app, "y2025", blocks=["k10"], opens=day + timedelta(days=7))

    class BlocksDroppedBeforeTheWrite:
        """The store, where the survey's K10 block is switched off between the import's check
        of its rows and its first write."""

        def __getattr__(self, name: str) -> Any:
            return getattr(app.store, name)

        def add_answers(self, survey: Any, answers: list) -> int:
            raise AssertionError("no answer may be written")

        def get_survey(self, survey_id: str) -> Any:
            survey = app.store.get_survey(survey_id)
            self.reads = getattr(self, "reads", 0) + 1
            if self.reads == 1:  # after the import's first read: the block goes
                surveys.set_blocks(app.store, "y2025", [], day)
            return survey

    with pytest.raises(Conflict, match="changed while its answers were being imported"):
        imports.import_responses(BlocksDroppedBeforeTheWrite(), app.settings, RESPONSES_IN.encode(), "y2025")
    assert app.store.count_answers("y2025") == 0


class AfterCall:
    """The store, where ``meanwhile`` commits right after the ``nth`` call of its method ``name``
    returned: another request's write landing between one's check and its write."""

    def __init__(self, store: Any, name: str, nth: int, meanwhile: Callable[[], object]) -> None:
        self._store, self._name, self._left, self._meanwhile = store, name, nth, meanwhile

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._store, name)
        if name != self._name:
            return found

        def call(*args: Any, **kwargs: Any) -> Any:
            result = found(*args, **kwargs)
            self._left -= 1
            if self._left == 0:
                self._meanwhile()
            return result

        return call


@pytest.mark.stores(*ALL_STORES)
def test_blocks_cannot_change_under_an_import_landing_after_the_no_answers_check(app):
    """attack2 M5: set_blocks counted the answers (none), an import landed, and the blocks were
    written: the survey no longer asked K10 while its answers held K10 items."""
    day = today(app)
    new_survey(app, "y2025", blocks=["k10"], opens=day + timedelta(days=10))
    racing = AfterCall(
        app.store,
        "count_sealed",
        1,
        lambda: imports.import_responses(app.store, app.settings, RESPONSES_IN.encode(), "y2025"),
    )
    with pytest.raises(Conflict, match="has answers, so its blocks are fixed"):
        surveys.set_blocks(racing, "y2025", [], day)
    survey = app.store.get_survey("y2025")
    assert surveys.sections_of(survey) == {"k10"} and survey.answers_imported == 4
    assert app.store.count_answers("y2025") == 4


@pytest.mark.stores(*ALL_STORES)
def test_an_import_never_writes_after_the_blocks_changed_under_its_check(app):
    """The import's other gap: each chunk read the survey, found it asking K10, and wrote after
    the blocks changed. Its write now holds only over the survey as read, so it reads again and
    refuses."""
    day = today(app)
    new_survey(app, "y2025", blocks=["k10"], opens=day + timedelta(days=10))
    racing = AfterCall(app.store, "get_survey", 2, lambda: surveys.set_blocks(app.store, "y2025", [], day))
    with pytest.raises(Conflict, match="changed while its answers were being imported"):
        imports.import_responses(racing, app.settings, RESPONSES_IN.encode(), "y2025")
    assert app.store.count_answers("y2025") == 0 and app.store.get_survey("y2025").blocks == ()


@pytest.mark.stores(*ALL_STORES)
def test_an_import_carries_on_over_a_change_that_keeps_its_blocks(app):
    """Links issued (or any change that keeps the blocks) between a chunk's check and its write:
    the write is refused, the survey read again, and the rows still go in."""
    day = today(app)
    new_survey(app, "y2025", blocks=["k10"], opens=day + timedelta(days=10))
    racing = AfterCall(
        app.store, "get_survey", 2, lambda: links.issue_links(app.store, app.settings, "y2025", 2, day)
    )
    assert imports.import_responses(racing, app.settings, RESPONSES_IN.encode(), "y2025").added == 4
    survey = app.store.get_survey("y2025")
    assert (survey.links_issued, survey.answers_imported, app.store.count_answers("y2025")) == (2, 4, 4)


# -- past dates: one opt-in, the same name everywhere -------------------------------------------


def test_a_past_dated_survey_is_an_explicit_opt_in_in_the_cli_and_the_api(app, client_for):
    day = today(app)
    opens, closes = (day - timedelta(days=400)).isoformat(), (day - timedelta(days=360)).isoformat()
    refused = run("surveys", "create", "y2025", "--opens", opens, "--closes", closes)
    assert refused.exit_code == 1 and "has already passed" in refused.output
    made = run("surveys", "create", "y2025", "--opens", opens, "--closes", closes, "--past")
    assert made.exit_code == 0, made.output
    assert app.store.get_survey("y2025").closes.isoformat() == closes
    admin = client_for("admin")
    body = {"id": "y2024", "opens": opens, "closes": closes}
    assert admin.post("/surveys", json=body, headers=AUTH).status_code == 400
    assert admin.post("/surveys", json={**body, "past": "yes"}, headers=AUTH).status_code == 400
    created = admin.post("/surveys", json={**body, "past": True}, headers=AUTH)
    assert created.status_code == 201 and created.get_json()["state"] == "closed"


# -- the admin API's bodies -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("put", "/surveys/y2026/blocks", '{"blocks": ["k10"], "blocks": ["phq9"]}'),
        ("post", "/surveys", '{"id": "y2027", "id": "y2028"}'),
        ("post", "/surveys/y2026/links", '{"count": 1, "count": 5}'),
        ("post", "/supporters", '{"alias": "Sam", "alias": "Kim"}'),
        ("post", "/surveys", '{"id": "y2027", "opens": {"a": 1, "a": 2}}'),  # nested objects too
    ],
)
def test_a_key_given_twice_is_refused_not_silently_the_last(app, client_for, method, path, body):
    new_survey(app, opens=today(app) + timedelta(days=7))
    admin = client_for("admin")
    answer = getattr(admin, method)(path, data=body, headers={**AUTH, "Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.get_json()["error"] == "bad_json"
    assert "given twice" in answer.get_json()["message"]
    assert app.store.get_survey("y2026").blocks == () and app.store.get_survey("y2026").links_issued == 0
    assert app.store.get_survey("y2027") is None and app.store.list_supporters() == []


def test_the_public_json_endpoints_refuse_repeated_keys_too(app, client_for):
    log = client_for("log_interaction")
    answer = log.post(
        "/follow-ups/x/close", data='{"state": "not_needed", "state": "could_not_reach"}',
        headers={"Content-Type": "application/json", "Authorization": "Bearer nope"},
    )  # fmt: skip
    assert answer.status_code == 400 and answer.get_json()["error"] == "bad_json"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("put", "/surveys/y2026/blocks", {"blocks": ["phq9"], "block": ["gad7"]}),
        ("post", "/surveys", {"id": "y2027", "closing": "2030-01-01"}),
        ("post", "/surveys/y2026/links", {"count": 1, "survey": "other"}),
        ("post", "/surveys/y2026/invite", {"emails": ["a@example.org"], "cc": "b@example.org"}),
        ("put", "/surveys/y2026/excluded", {"excluded": True, "why": "pilot"}),
    ],
)
def test_every_admin_route_refuses_unknown_keys(app, client_for, method, path, body):
    new_survey(app, opens=today(app) + timedelta(days=7))
    answer = getattr(client_for("admin"), method)(path, json=body, headers=AUTH)
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid"
    survey = app.store.get_survey("y2026")
    assert (survey.blocks, survey.links_issued, survey.excluded) == ((), 0, False)
    assert app.store.get_survey("y2027") is None


def test_a_huge_unknown_name_is_not_echoed_back(app, client_for):
    new_survey(app, opens=today(app) + timedelta(days=7))
    admin = client_for("admin")
    huge = "x" * 100_000
    for method, path, body in (
        ("put", "/surveys/y2026/blocks", {"blocks": [huge]}),
        ("post", "/surveys", {"id": "y2027", "blocks": [huge, "y" * 50_000]}),
        ("post", "/surveys", {"id": "y2027", "form": huge}),
        ("post", "/surveys", {"id": "y2027", huge: 1}),
        ("post", "/supporters", {"alias": "Sam", huge: 1}),
    ):
        answer = getattr(admin, method)(path, json=body, headers=AUTH)
        assert answer.status_code == 400, path
        assert len(answer.data) < 2_000, (path, len(answer.data))
    with pytest.raises(Invalid) as refused:
        surveys.create_survey(app.store, "y2027", blocks=[huge], today=today(app))
    assert len(refused.value.message) < 300 and "x" * 40 + "…" in refused.value.message
