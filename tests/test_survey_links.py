"""Surveys and their single-use links (on the in-memory store; the contract suite holds SQLite and Firestore to the same behaviour): creating, listing, closing, issuing
links, address lists, and the purge (automatic after the grace period, or on demand)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import date, timedelta

import pytest

from shared.errors import Conflict, Invalid, NotFoundError
from shared.records import Survey
from shared.services import links, surveys
from shared.services.sealing import seal

TOKEN_URL = re.compile(r"http://127\.0\.0\.1:8080/survey/([A-Za-z0-9_-]{43})")


def today(app) -> date:
    return surveys.today_in(app.settings)


def new_survey(app, survey_id: str = "y2026", **options) -> Survey:
    return surveys.create_survey(app.store, survey_id, today=today(app), **options)


def issue(app, survey_id: str = "y2026", count: int = 1) -> list[str]:
    """Tokens of ``count`` new links (taken from the printed URLs)."""
    urls = links.issue_links(app.store, app.settings, survey_id, count, today(app))
    return [TOKEN_URL.fullmatch(url).group(1) for url in urls]


# -- tokens -------------------------------------------------------------------------------------


def test_tokens_are_random_256_bit_and_stored_only_as_their_sha256(app):
    new_survey(app)
    tokens = issue(app, count=20)
    assert len(set(tokens)) == 20
    for token in tokens:
        assert links.is_token(token)
        stored = app.store.get_link(hashlib.sha256(token.encode()).hexdigest())
        assert stored is not None and stored.survey_id == "y2026" and stored.email_key is None
        assert app.store.get_link(token) is None
    assert app.store.get_survey("y2026").links_issued == 20


def test_invitation_tokens_are_derived_per_survey_and_address_and_keyed():
    key = "k" * 32
    a = links.invitation_token(key, "y1", "ann@example.org")
    assert links.is_token(a)
    assert a == links.invitation_token(key, "y1", "ann@example.org")
    assert a != links.invitation_token(key, "y2", "ann@example.org")
    assert a != links.invitation_token(key, "y1", "bob@example.org")
    assert a != links.invitation_token("other" * 8, "y1", "ann@example.org")
    # The address key and the token are independent values.
    assert links.email_key(key, "y1", "ann@example.org") not in (a, links.token_hash(a))


@pytest.mark.parametrize("count", [0, -1, 10_001, "3", 2.5, True, None])
def test_a_bad_count_is_refused_and_nothing_is_issued(app, count):
    new_survey(app)
    with pytest.raises(Invalid):
        links.issue_links(app.store, app.settings, "y2026", count, today(app))
    assert app.store.get_survey("y2026").links_issued == 0


def test_links_are_refused_for_unknown_closed_and_purged_surveys(app):
    with pytest.raises(NotFoundError):
        issue(app, "nope")
    with pytest.raises(NotFoundError):
        issue(app, "../x")
    new_survey(app, "a")
    surveys.close_survey(app.store, app.settings, "a", today(app))
    with pytest.raises(Conflict, match="closed"):
        issue(app, "a")
    new_survey(app, "b")
    links.purge(app.store, app.settings, "b", today(app))
    with pytest.raises(Conflict, match="purged"):
        issue(app, "b")


# -- creating and listing ---------------------------------------------------------------------


def test_create_list_and_close(app):
    day = today(app)
    new_survey(
        app, "class-2027_y2", opens=day.isoformat(), closes=(day + timedelta(days=30)).isoformat(), k10=True
    )
    new_survey(app, "later", opens=day + timedelta(days=3))
    issue(app, "class-2027_y2", 2)
    rows = {s.survey.id: s for s in surveys.list_surveys(app.store, app.settings, day)}
    assert rows["class-2027_y2"].as_dict() == {
        "id": "class-2027_y2",
        "form": "end_of_year_survey",
        "opens": day.isoformat(),
        "closes": (day + timedelta(days=30)).isoformat(),
        "k10": True,
        "blocks": ["k10"],
        "excluded": False,
        "state": "open",
        "closed_on": None,
        "purged_on": None,
        "links_issued": 2,
        "answers": 0,
        "pending": 0,
    }
    assert rows["later"].state == "scheduled"
    closed = surveys.close_survey(app.store, app.settings, "class-2027_y2", day)
    assert (closed.state, closed.survey.closed_on) == ("closed", day)
    again = surveys.close_survey(app.store, app.settings, "class-2027_y2", day + timedelta(days=1))
    assert again.survey.closed_on == day  # closing twice keeps the first day


@pytest.mark.parametrize(
    ("survey_id", "options", "field"),
    [
        ("", {}, "id"),
        ("Upper", {}, "id"),
        ("a" * 41, {}, "id"),
        ("has space", {}, "id"),
        ("a/b", {}, "id"),
        ("ok", {"opens": "2026-13-01"}, "opens"),
        ("ok", {"closes": "tomorrow"}, "closes"),
        ("ok", {"opens": "2099-02-01", "closes": "2099-01-01"}, "closes"),
        ("ok", {"closes": "2001-01-01"}, "closes"),
        ("ok", {"form": "no_such_form"}, "form"),
        ("ok", {"form": "../etc/passwd"}, "form"),
        ("ok", {"form": "interaction_log"}, "form"),  # the supporters' log is no survey form
        ("ok", {"form": "interaction_log", "k10": True}, "form"),
        ("ok", {"k10": "yes"}, "k10"),
    ],
)
def test_bad_survey_settings_are_refused_with_the_field_named(app, survey_id, options, field):
    with pytest.raises(Invalid) as caught:
        new_survey(app, survey_id, **options)
    assert field in caught.value.errors
    assert app.store.list_surveys() == []


def test_a_survey_id_is_taken_once(app):
    new_survey(app)
    with pytest.raises(Conflict):
        new_survey(app)


# -- address lists ----------------------------------------------------------------------------


def test_addresses_one_a_line_are_trimmed_lowercased_and_deduplicated():
    text = "Ann@Example.org\n\n  bob@example.org \nann@example.ORG\n<cy@example.ca>\n"
    assert links.read_addresses(text) == ["ann@example.org", "bob@example.org", "cy@example.ca"]


def test_addresses_from_a_csv_with_an_email_column():
    text = "\ufeffname,Email\nAnn,ann@example.org\nBob,BOB@example.org\nNo address,\n"
    assert links.read_addresses(text) == ["ann@example.org", "bob@example.org"]


def test_one_bad_address_refuses_the_whole_list_naming_the_line():
    with pytest.raises(Invalid) as caught:
        links.read_addresses("ann@example.org\nnot an address\nbob@\n")
    assert caught.value.errors == {
        "emails": [
            "line 2: 'not an address' (an email address must have an @-sign)",
            "line 3: 'bob@' (there must be something after the @-sign)",
        ]
    }


# -- purge ------------------------------------------------------------------------------------


def test_purge_deletes_links_and_redemptions_but_keeps_answers(app):
    new_survey(app)
    used, unused = issue(app, count=2)
    box = seal(app.settings.secret_key, "y2026", {"year_of_study": "year1"})
    app.store.redeem(links.token_hash(used), box)
    survey, deleted = links.purge(app.store, app.settings, "y2026", today(app))
    assert deleted == 2
    assert (survey.purged_on, survey.closed_on) == (today(app), today(app))
    assert app.store.get_link(links.token_hash(unused)) is None
    assert not app.store.is_redeemed(links.token_hash(used))
    # The purge released the sealed answer first (a survey of one answer: a batch of one).
    assert [a.answers for a in app.store.iter_answers("y2026")] == [{"year_of_study": "year1"}]
    assert app.store.count_sealed("y2026") == 0
    assert links.purge(app.store, app.settings, "y2026", today(app))[1] == 0  # twice: nothing more


def test_purge_is_due_grace_days_after_closing(app):
    grace = app.settings.purge_grace_days
    day = today(app)
    new_survey(app, "closed-by-hand")
    new_survey(app, "closes-by-date", closes=day)
    new_survey(app, "still-open")
    issue(app, "closed-by-hand", 3)
    issue(app, "closes-by-date", 2)
    surveys.close_survey(app.store, app.settings, "closed-by-hand", day)

    assert links.purge_due(app.store, app.settings, day + timedelta(days=grace - 1)) == []
    assert links.purge_due(app.store, app.settings, day + timedelta(days=grace)) == ["closed-by-hand"]
    # ``closes`` is the last open day, so its grace period starts the day after.
    assert links.purge_due(app.store, app.settings, day + timedelta(days=grace + 1)) == ["closes-by-date"]
    assert links.purge_due(app.store, app.settings, day + timedelta(days=grace + 400)) == []
    states = {s.survey.id: s.state for s in surveys.list_surveys(app.store, app.settings, day)}
    assert states == {"closed-by-hand": "purged", "closes-by-date": "purged", "still-open": "open"}


def test_listing_purges_what_is_due(app):
    day = today(app)
    new_survey(app)
    [token] = issue(app)
    old = replace(
        app.store.get_survey("y2026"), closed_on=day - timedelta(days=app.settings.purge_grace_days)
    )
    assert app.store.update_survey(app.store.get_survey("y2026"), old)
    [row] = surveys.list_surveys(app.store, app.settings, day)
    assert row.state == "purged"
    assert app.store.get_link(links.token_hash(token)) is None
