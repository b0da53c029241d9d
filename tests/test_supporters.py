"""Supporters' links (signed tokens) and the supporter service, on the in-memory store (the contract suite holds SQLite and Firestore to the same behaviour)."""

from __future__ import annotations

import pytest

from shared import bootstrap
from shared.errors import Conflict, Invalid, NotFoundError, Unauthorized
from shared.services import follow_ups, supporters
from shared.services.tokens import BadToken, LinkClaim, make_token, read_token

KEY = "a-secret-key-for-tests-0123456789"


def test_token_round_trip_and_tampering():
    token = make_token(KEY, "abc123", 3)
    assert read_token(KEY, token) == LinkClaim("abc123", 3)
    assert make_token(KEY, "abc123", 3) == token  # derived, never stored
    assert make_token(KEY, "abc123", 4) != token
    for bad in (token[:-1], token + "x", "x" + token, "", "a.b", token.replace(".", "")):
        with pytest.raises(BadToken):
            read_token(KEY, bad)
    with pytest.raises(BadToken):
        read_token("another-key-entirely-0123456789", token)


@pytest.mark.parametrize(
    "alias", ["Sam", "sam.k", "Sam K", "Zoë-2", "a", "x" * 40, "  Padded  ", "under_score", "7th"]
)
def test_good_aliases(alias):
    assert supporters.clean_alias(alias) == alias.strip()


@pytest.mark.parametrize(
    "alias",
    ["", "   ", "x" * 41, ".hidden", "_x_", "-x", "a/b", "<b>", "a\nb", "semi;colon", None, 7, ["Sam"]],
)
def test_bad_aliases(alias):
    with pytest.raises(Invalid) as caught:
        supporters.clean_alias(alias)
    assert list(caught.value.errors) == ["alias"]


@pytest.mark.parametrize("email", ["sam@example.org", "s.k+log@mail.example.ca"])
def test_good_emails(email):
    assert supporters.clean_email(email) == email


@pytest.mark.parametrize(
    "email", ["sam", "sam@", "@example.org", "sam@example", "a b@example.org", "<x>@e.org", 5]
)
def test_bad_emails(email):
    with pytest.raises(Invalid) as caught:
        supporters.clean_email(email)
    assert list(caught.value.errors) == ["email"]


def test_add_list_revoke_relink(app):
    store, settings = app.store, app.settings
    sam = supporters.add_supporter(store, settings, " Sam ", "sam@example.org")
    kim = supporters.add_supporter(store, settings, "Kim")
    assert sam.supporter.alias == "Sam" and sam.supporter.version == 1 and sam.supporter.active
    assert sam.link == settings.log_link(make_token(settings.secret_key, sam.supporter.id, 1))
    assert sam.link.startswith("http://127.0.0.1:8080/log_interaction/?t=")
    assert [s.alias for s in supporters.list_supporters(store)] == ["Kim", "Sam"]
    token = sam.link.split("?t=")[1]
    assert supporters.authenticate(store, settings.secret_key, token) == sam.supporter

    gone = supporters.revoke(store, sam.supporter)
    assert (gone.active, gone.version) == (False, 2)
    assert supporters.revoke(store, gone) == gone  # twice changes nothing
    with pytest.raises(Unauthorized) as caught:
        supporters.authenticate(store, settings.secret_key, token)
    assert caught.value.code == "link_inactive"

    back = supporters.relink(store, settings, gone)
    assert (back.supporter.active, back.supporter.version) == (True, 3)
    assert supporters.authenticate(store, settings.secret_key, back.link.split("?t=")[1]) == back.supporter
    with pytest.raises(Unauthorized):
        supporters.authenticate(store, settings.secret_key, token)
    assert supporters.by_alias(store, "Kim") == kim.supporter


def test_duplicate_alias_and_missing_supporters(app):
    supporters.add_supporter(app.store, app.settings, "Sam")
    with pytest.raises(Conflict):
        supporters.add_supporter(app.store, app.settings, "Sam")
    with pytest.raises(NotFoundError):
        supporters.by_alias(app.store, "Nobody")
    with pytest.raises(NotFoundError):
        supporters.by_id(app.store, "nope")
    assert len(supporters.list_supporters(app.store)) == 1


def test_an_alias_differing_only_in_case_or_space_is_taken(app):
    sam = supporters.add_supporter(app.store, app.settings, "Alice").supporter
    for variant in ("alice", " ALICE "):
        with pytest.raises(Conflict):
            supporters.add_supporter(app.store, app.settings, variant)
    bob = supporters.add_supporter(app.store, app.settings, "Bob").supporter
    with pytest.raises(Conflict):
        supporters.rename(app.store, bob, "alice")
    assert supporters.rename(app.store, sam, "ALICE").alias == "ALICE"
    assert supporters.by_alias(app.store, "alice").id == sam.id
    assert [s.alias for s in supporters.list_supporters(app.store)] == ["ALICE", "Bob"]


def test_links_use_the_deployed_function_url_when_set(app, settings_env, tmp_path):
    from shared import config

    settings = config.load({**settings_env, "SIDEBYSIDE_LOG_URL": "https://log.example.org"}, base=tmp_path)
    bootstrap.configure(settings=settings, store=app.store)
    issued = supporters.add_supporter(app.store, settings, "Sam")
    assert issued.link.startswith("https://log.example.org/?t=")


def token_of(issued: supporters.IssuedLink) -> str:
    return issued.link.split("?t=", 1)[1]


CHANGES = {  # each made from a copy of the supporter read before the revocation or re-link
    "email": lambda app, stale: supporters.change_email(app.store, stale, "sam.k@example.org"),
    "digest off": lambda app, stale: follow_ups.set_digest(app.store, stale, False),
    "revoke again": lambda app, stale: supporters.revoke(app.store, stale),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_made_from_a_copy_read_before_a_revocation_keeps_it_revoked(app, change):
    """attack2 M4: the change saved its copy whole, active and with the old version, so the
    revoked link answered again."""
    first = supporters.add_supporter(app.store, app.settings, "Sam", "sam@example.org")
    stale = first.supporter
    supporters.revoke(app.store, stale)
    CHANGES[change](app, stale)
    after = app.store.get_supporter(stale.id)
    assert (after.active, after.version) == (False, 2)
    with pytest.raises(Unauthorized):
        supporters.authenticate(app.store, app.settings.secret_key, token_of(first))


@pytest.mark.parametrize("change", ["email", "digest off"])
def test_a_change_made_from_a_copy_read_before_a_relink_keeps_the_new_link_only(app, change):
    first = supporters.add_supporter(app.store, app.settings, "Sam", "sam@example.org")
    stale = first.supporter
    second = supporters.relink(app.store, app.settings, stale)
    CHANGES[change](app, stale)
    after = app.store.get_supporter(stale.id)
    assert (after.active, after.version) == (True, 2)
    assert (after.email, after.digest) == (
        ("sam.k@example.org", True) if change == "email" else ("sam@example.org", False)
    )
    with pytest.raises(Unauthorized):
        supporters.authenticate(app.store, app.settings.secret_key, token_of(first))
    assert supporters.authenticate(app.store, app.settings.secret_key, token_of(second)) == after


def test_a_relink_from_a_stale_copy_still_makes_a_new_version(app):
    """Two re-links from one read: each makes a version of its own, so the first one's link dies."""
    stale = supporters.add_supporter(app.store, app.settings, "Sam").supporter
    one = supporters.relink(app.store, app.settings, stale)
    two = supporters.relink(app.store, app.settings, stale)
    assert (one.supporter.version, two.supporter.version) == (2, 3)
    with pytest.raises(Unauthorized):
        supporters.authenticate(app.store, app.settings.secret_key, token_of(one))
