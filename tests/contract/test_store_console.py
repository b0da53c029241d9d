"""The store contract for the coordinators' console (coordinators, sign-in tokens, sessions,
the audit log, alert acknowledgements): every test runs on the three adapters (memory, SQLite and
the Firestore emulator; ``stores`` marker, see tests/conftest.py)."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from shared.records import Alert, AlertAck, AuditEntry, ConsoleSession, Coordinator, Interaction, SignInToken
from shared.store.firestore import FirestoreStore
from shared.store.port import AlreadyExists, NotFound
from shared.store.sqlite import SqliteStore
from tests.conftest import ALL_STORES
from tests.contract.test_store import from_the_same_read

pytestmark = pytest.mark.stores(*ALL_STORES)

NOW = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


def test_coordinators_add_get_list_save_remove(store):
    b = Coordinator("b@example.org", "viewer", date(2026, 1, 2))
    a = Coordinator("a@example.org", "coordinator", date(2026, 1, 3))
    store.add_coordinator(b)
    store.add_coordinator(a)
    with pytest.raises(AlreadyExists):
        store.add_coordinator(Coordinator("a@example.org", "viewer"))
    assert store.get_coordinator("a@example.org") == a
    assert store.get_coordinator("nobody@example.org") is None
    assert store.list_coordinators() == [a, b]
    opted_out = Coordinator("b@example.org", "coordinator", date(2026, 1, 2), reports=False)
    assert store.update_coordinator(b, opted_out)
    assert store.get_coordinator("b@example.org") == opted_out
    with pytest.raises(NotFound):
        store.update_coordinator(Coordinator("ghost@example.org"), Coordinator("ghost@example.org", "viewer"))
    with pytest.raises(ValueError):
        store.update_coordinator(opted_out, replace(opted_out, email="c@example.org"))
    assert store.remove_coordinator("a@example.org") is True
    assert store.remove_coordinator("a@example.org") is False
    assert store.list_coordinators() == [opted_out]


def test_a_coordinators_report_language_is_stored_and_changed(store):
    store.add_coordinator(Coordinator("a@example.org", "coordinator", date(2026, 1, 3), language="fr"))
    assert store.get_coordinator("a@example.org").language == "fr"
    english = Coordinator("a@example.org", "coordinator", date(2026, 1, 3), language="en")
    assert store.update_coordinator(replace(english, language="fr"), english)
    assert store.list_coordinators() == [english]
    assert store.update_coordinator(english, replace(english, language=None))
    assert store.get_coordinator("a@example.org").language is None


def test_a_coordinator_is_changed_only_as_it_was_read(store):
    """attack2 M3: a change of one field (the report language, the opt-out) wrote back the whole
    record as read before, undoing a role changed meanwhile on the console."""
    read = Coordinator("x@example.org", "viewer", date(2026, 1, 2))
    store.add_coordinator(read)
    promoted = replace(read, role="coordinator")
    assert store.update_coordinator(read, promoted)  # someone promotes x
    assert not store.update_coordinator(read, replace(read, language="fr"))  # from the stale read
    assert store.get_coordinator("x@example.org") == promoted
    assert store.update_coordinator(promoted, replace(promoted, language="fr"))
    assert store.get_coordinator("x@example.org") == replace(promoted, language="fr")


def test_concurrent_changes_of_one_coordinator_each_apply_once(store):
    read = Coordinator("x@example.org", "viewer", date(2026, 1, 2))
    store.add_coordinator(read)
    changes = [replace(read, language="fr"), replace(read, reports=False), replace(read, role="coordinator")]
    assert sorted(from_the_same_read(store.update_coordinator, read, changes)) == [False, False, True]
    assert store.get_coordinator("x@example.org") in changes


def put_stored_before_languages(store, doc: dict) -> None:
    """Write a coordinator as the store held it before coordinators had a report language
    (the document without the field), through each adapter's own storage."""
    if isinstance(store, SqliteStore):
        store._write(
            lambda db: db.execute("INSERT INTO coordinators VALUES (?, ?)", (doc["email"], json.dumps(doc)))
        )
    elif isinstance(store, FirestoreStore):
        store._col("coordinators").document(doc["email"]).set(doc)
    else:
        store._write(lambda tx: tx.create("coordinators", doc["email"], doc))


def test_a_coordinator_stored_before_report_languages_still_loads(store):
    put_stored_before_languages(
        store, {"email": "old@example.org", "role": "coordinator", "added_on": "2026-01-02", "reports": True}
    )
    old = Coordinator("old@example.org", "coordinator", date(2026, 1, 2), reports=True, language=None)
    assert store.get_coordinator("old@example.org") == old
    assert store.list_coordinators() == [old]
    assert store.update_coordinator(old, replace(old, language="fr"))
    assert store.get_coordinator("old@example.org").language == "fr"


def test_removing_a_coordinator_ends_their_sessions_only(store):
    store.add_coordinator(Coordinator("a@example.org"))
    store.add_coordinator(Coordinator("b@example.org"))
    for n, email in enumerate(["a@example.org", "a@example.org", "b@example.org"]):
        store.add_session(ConsoleSession(f"h{n}", email, NOW, NOW))
    store.remove_coordinator("a@example.org")
    assert store.get_session("h0") is None and store.get_session("h1") is None
    assert store.get_session("h2") == ConsoleSession("h2", "b@example.org", NOW, NOW)


def test_sign_in_token_is_spent_once(store):
    token = SignInToken("hash-1", "a@example.org", NOW + timedelta(minutes=15))
    store.add_sign_in_token(token)
    assert store.use_sign_in_token("hash-1", NOW) == token
    assert store.use_sign_in_token("hash-1", NOW) is None
    assert store.use_sign_in_token("never-issued", NOW) is None


def test_expired_sign_in_token_is_refused_and_spent(store):
    store.add_sign_in_token(SignInToken("hash-1", "a@example.org", NOW))
    assert store.use_sign_in_token("hash-1", NOW) is None  # expires_at is exclusive
    store.add_sign_in_token(SignInToken("hash-2", "a@example.org", NOW + timedelta(seconds=1)))
    assert store.use_sign_in_token("hash-2", NOW + timedelta(minutes=1)) is None
    assert store.use_sign_in_token("hash-2", NOW) is None  # gone, even for an earlier clock


def test_concurrent_uses_of_one_token_let_one_through(store):
    store.add_sign_in_token(SignInToken("hash-1", "a@example.org", NOW + timedelta(minutes=15)))
    results: list[object] = []
    barrier = threading.Barrier(4)

    def use() -> None:
        barrier.wait()
        results.append(store.use_sign_in_token("hash-1", NOW))

    threads = [threading.Thread(target=use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r is not None for r in results) == 1


def test_sessions_get_touch_delete(store):
    session = ConsoleSession("h1", "a@example.org", NOW, NOW)
    store.add_session(session)
    with pytest.raises(AlreadyExists):
        store.add_session(session)
    later = NOW + timedelta(minutes=5)
    store.touch_session("h1", later)
    assert store.get_session("h1") == ConsoleSession("h1", "a@example.org", NOW, later)
    store.delete_session("h1")
    assert store.get_session("h1") is None
    store.delete_session("h1")  # again: nothing
    store.touch_session("h1", later)  # a session ended meanwhile stays ended
    assert store.get_session("h1") is None


def test_audit_log_in_time_order_within_bounds_across_pages(store, monkeypatch):
    import shared.store.firestore as fs
    import shared.store.sqlite as sq

    monkeypatch.setattr(fs, "PAGE", 2)
    monkeypatch.setattr(sq, "PAGE", 2)
    moments = [NOW + timedelta(seconds=s) for s in (3, 0, 1, 1, 2, 5)]  # two in the same second
    entries = [AuditEntry(f"e{n}", at, "a@example.org", "sign_in", f"#{n}") for n, at in enumerate(moments)]
    for entry in entries:
        store.add_audit(entry)
    got = list(store.iter_audit(NOW + timedelta(seconds=1), NOW + timedelta(seconds=5)))
    assert [e.id for e in got] == ["e2", "e3", "e4", "e0"]
    assert got[0] == entries[2]
    assert [e.id for e in store.iter_audit(NOW - timedelta(days=1), NOW + timedelta(days=1))] == [
        "e1",
        "e2",
        "e3",
        "e4",
        "e0",
        "e5",
    ]


def test_alerts_since_and_acknowledgements(store):
    def urgent(n: int, at: datetime) -> None:
        item = Interaction(f"i{n}", "s1", at.date(), {"concern": "urgent"}, at)
        store.add_interaction(item, Alert(f"a{n}", f"i{n}", at))

    urgent(1, NOW - timedelta(days=40))
    urgent(2, NOW - timedelta(days=1))
    urgent(3, NOW)
    assert [a.id for a in store.alerts_since(NOW - timedelta(days=30))] == ["a2", "a3"]
    ack = AlertAck("a2", "a@example.org", NOW + timedelta(hours=1))
    store.acknowledge_alert(ack)
    with pytest.raises(AlreadyExists):
        store.acknowledge_alert(AlertAck("a2", "b@example.org", NOW + timedelta(hours=2)))
    assert store.alert_acks_since(NOW - timedelta(days=30)) == [ack]
    assert store.alert_acks_since(NOW + timedelta(hours=3)) == []


def test_rename_supporter_keeps_aliases_unique(store):
    from shared.records import Supporter

    store.add_supporter(Supporter("id-a", "al", None))
    store.add_supporter(Supporter("id-b", "bea", None))
    store.rename_supporter("id-a", "alan")
    assert store.get_supporter("id-a") == Supporter("id-a", "alan", None)
    assert store.find_supporter("alan").id == "id-a" and store.find_supporter("al") is None
    with pytest.raises(AlreadyExists):
        store.rename_supporter("id-b", "alan")
    assert store.get_supporter("id-b").alias == "bea"
    store.add_supporter(Supporter("id-c", "al", None))  # the old alias is free again
    store.rename_supporter("id-a", "alan")  # to the same alias: nothing
    with pytest.raises(NotFound):
        store.rename_supporter("ghost", "x")


def test_delete_survey_only_without_answers(store):
    from shared.records import Answer, Link, SealedAnswer, Survey

    store.add_survey(Survey("empty"))
    store.add_links("empty", [Link("h1", "empty")])
    store.add_survey(Survey("sealed"))  # answered, the answer still sealed (not yet released)
    store.add_links("sealed", [Link("h2", "sealed")])
    store.redeem("h2", SealedAnswer("s-1", "sealed", b"box"))
    store.add_survey(Survey("released"))  # answered, the answer released (or imported)
    store.add_answers(store.get_survey("released"), [Answer("ans-1", "released", date(2026, 3, 2), {})])
    assert store.delete_survey("empty") is True
    assert store.get_survey("empty") is None and store.get_link("h1") is None
    for answered in ("sealed", "released"):
        assert store.delete_survey(answered) is False
        assert store.get_survey(answered) is not None
    assert store.get_link("h2") is not None and store.count_sealed("sealed") == 1
    with pytest.raises(NotFound):
        store.delete_survey("empty")


def test_a_survey_is_never_deleted_from_under_an_import(store):
    """An import whose write lands after the delete checked for answers: the survey stays with
    its answers (SQLite and memory check and delete in one transaction; Firestore deletes the
    survey only as read before the check, and an import counts its answers on it). The import
    is injected between the adapter's check and its delete."""
    from shared.records import Answer, Survey

    store.add_survey(Survey("late"))
    imported = []

    def import_now() -> None:
        if not imported:
            imported.append(
                store.add_answers(store.get_survey("late"), [Answer("ans-9", "late", date(2026, 3, 2), {})])
            )

    if isinstance(store, FirestoreStore):
        query = store._query

        def query_then_import(*args, **kwargs):
            found = query(*args, **kwargs)
            if args[0] == "sealed_answers":
                import_now()
            return found

        store._query = query_then_import
        try:
            assert store.delete_survey("late") is False
        finally:
            del store._query
    else:  # one transaction: the import lands wholly before or after
        import_now()
        assert store.delete_survey("late") is False
    assert imported == [1] and store.get_survey("late").answers_imported == 1
    assert store.count_answers("late") == 1


def test_purge_sign_ins_removes_what_can_no_longer_be_used(store):
    store.add_coordinator(Coordinator("a@example.org"))
    store.add_sign_in_token(SignInToken("expired", "a@example.org", NOW - timedelta(seconds=1)))
    store.add_sign_in_token(SignInToken("valid", "a@example.org", NOW + timedelta(minutes=5)))
    store.add_sign_in_token(SignInToken("spent", "a@example.org", NOW - timedelta(minutes=1)))
    assert store.use_sign_in_token("spent", NOW - timedelta(minutes=2)) is not None
    idle = ConsoleSession("idle", "a@example.org", NOW - timedelta(hours=1), NOW - timedelta(minutes=31))
    old = ConsoleSession("old", "a@example.org", NOW - timedelta(hours=13), NOW - timedelta(minutes=1))
    live = ConsoleSession("live", "a@example.org", NOW - timedelta(hours=1), NOW - timedelta(minutes=1))
    for session in (idle, old, live):
        store.add_session(session)
    purged = store.purge_sign_ins(NOW, NOW - timedelta(minutes=30), NOW - timedelta(hours=12))
    assert purged == 3  # the expired token, the idle and the old session
    assert store.get_session("idle") is None and store.get_session("old") is None
    assert store.get_session("live") == live
    assert store.use_sign_in_token("valid", NOW) is not None  # the unexpired token was kept
    assert store.use_sign_in_token("expired", NOW - timedelta(minutes=1)) is None  # gone
    assert store.use_sign_in_token("spent", NOW - timedelta(minutes=2)) is None  # still spent
    assert store.purge_sign_ins(NOW, NOW - timedelta(minutes=30), NOW - timedelta(hours=12)) == 0
