"""The daily job purges console sign-in links and sessions that can no longer be used, and on
Firestore the markers of spent links once they have expired (the adapters' purge itself is in
the contract suite, tests/contract/test_store_console.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from shared import jobs
from shared.services import coordinators, signin
from tests.console.support import local_path


def token_of(link: str) -> str:
    return local_path(link).rsplit("/", 1)[1]


@pytest.mark.stores("memory", "firestore")
def test_the_daily_job_purges_expired_sign_in_links_and_sessions(app):
    store, settings = app.store, app.settings
    now = datetime.now(UTC)
    coordinators.add(store, "a@example.org", today=date(2026, 3, 1))
    long_ago = now - timedelta(hours=13)
    expired_link = signin.issue_link(store, settings, "a@example.org", now - timedelta(minutes=16))
    spent_link = signin.issue_link(store, settings, "a@example.org", long_ago)
    old = signin.sign_in(store, settings, token_of(spent_link), long_ago)  # spent, now too old
    fresh = signin.sign_in(
        store, settings, token_of(signin.issue_link(store, settings, "a@example.org", now)), now
    )
    waiting_link = signin.issue_link(store, settings, "a@example.org", now)

    jobs.run_job(app, "daily", now)

    assert store.get_session(signin.digest(old.session_id)) is None
    assert store.get_session(signin.digest(fresh.session_id)) is not None
    assert store.use_sign_in_token(signin.digest(token_of(expired_link)), now - timedelta(minutes=20)) is None
    assert signin.sign_in(store, settings, token_of(waiting_link), now).coordinator.email == "a@example.org"
    if store.__class__.__name__ == "FirestoreStore":  # the old spent link's marker went, not the new ones'
        markers = {snap.id for snap in store._col("sign_in_uses").stream()}
        assert signin.digest(token_of(spent_link)) not in markers
        assert signin.digest(token_of(waiting_link)) in markers
    assert signin.purge_expired(store, now) == 0  # nothing left to purge: the job repeats harmlessly
