"""The store contract: every test runs against each adapter, in memory, on a SQLite file and on
the Firestore emulator (``stores`` marker, see tests/conftest.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import pytest

from shared.records import Alert, Answer, Interaction, Link, SealedAnswer, Supporter, Survey
from shared.store.port import RELEASE_MAX, AlreadyExists, NotFound
from tests.conftest import ALL_STORES
from tests.contract.test_store_coordinator_guard import at_once

pytestmark = pytest.mark.stores(*ALL_STORES)

NOW = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


def interaction(id_: str, day: date, supporter: str = "s1", minutes: int = 0) -> Interaction:
    return Interaction(
        id=id_,
        supporter_id=supporter,
        occurred_on=day,
        answers={"format": "phone", "topics": ["academic"]},
        created_at=NOW + timedelta(minutes=minutes),
    )


def test_supporters_add_get_find_list_save(store):
    b = Supporter("id-b", "bea", None, created_on=date(2026, 1, 5))
    a = Supporter("id-a", "al", "al@example.org", created_on=date(2026, 1, 6))
    store.add_supporter(b)
    store.add_supporter(a)
    assert store.get_supporter("id-a") == a
    assert store.find_supporter("bea") == b
    assert store.find_supporter("nobody") is None
    assert store.list_supporters() == [a, b]
    revoked = Supporter("id-a", "al", "al@example.org", version=2, active=False, created_on=date(2026, 1, 6))
    assert store.update_supporter(a, revoked)
    assert store.get_supporter("id-a") == revoked
    with pytest.raises(ValueError):  # a new alias is rename_supporter's (it moves the alias's lock)
        store.update_supporter(revoked, replace(revoked, alias="alan"))


def test_a_supporter_is_changed_only_as_it_was_read(store):
    """attack2 M4: an opt-out read before a revocation saved its copy back after it, active
    again with the old version: the revoked link worked again."""
    read = Supporter("id-a", "al", "al@example.org", created_on=date(2026, 1, 6))
    store.add_supporter(read)
    revoked = replace(read, active=False, version=2)
    assert store.update_supporter(read, revoked)  # a coordinator revokes
    assert not store.update_supporter(read, replace(read, digest=False))  # the opt-out, from its read
    assert store.get_supporter("id-a") == revoked
    assert store.update_supporter(revoked, replace(revoked, digest=False))
    assert store.get_supporter("id-a") == replace(revoked, digest=False)
    store.rename_supporter("id-a", "alan")  # a rename moves the record on too
    assert not store.update_supporter(replace(revoked, digest=False), replace(revoked, digest=True))


def from_the_same_read(update: Callable[[Any, Any], bool], read: Any, changes: list[Any]) -> list[object]:
    """``update(read, after)`` for every change at once, in threads released together: what
    each returned (whether it landed)."""
    return at_once(*[partial(update, read, after) for after in changes])


def test_concurrent_changes_of_one_supporter_each_apply_once(store):
    read = Supporter("id-a", "al", None)
    store.add_supporter(read)
    changes = [replace(read, digest=False), replace(read, active=False, version=2), replace(read, version=2)]
    assert sorted(from_the_same_read(store.update_supporter, read, changes)) == [False, False, True]
    assert store.get_supporter("id-a") in changes


def test_supporter_alias_and_id_are_unique(store):
    store.add_supporter(Supporter("id-a", "al", None))
    with pytest.raises(AlreadyExists):
        store.add_supporter(Supporter("id-b", "al", None))
    with pytest.raises(AlreadyExists):
        store.add_supporter(Supporter("id-a", "other", None))
    assert [s.id for s in store.list_supporters()] == ["id-a"]


def test_aliases_differing_only_in_case_or_space_are_one(store):
    store.add_supporter(Supporter("id-a", "Alice", None))
    for variant in ("alice", "ALICE", " Alice "):
        with pytest.raises(AlreadyExists):
            store.add_supporter(Supporter("id-b", variant, None))
    assert store.find_supporter("alice").alias == "Alice"  # shown as it was given
    store.add_supporter(Supporter("id-b", "Bob", None))
    with pytest.raises(AlreadyExists):
        store.rename_supporter("id-b", "aLiCe")
    store.rename_supporter("id-a", "ALICE")  # a change of case keeps the supporter's own alias
    assert store.get_supporter("id-a").alias == "ALICE" and store.find_supporter("alice").id == "id-a"
    store.add_supporter(Supporter("id-c", "Ålice", None))  # another letter is another alias
    assert [s.id for s in store.list_supporters()] == ["id-a", "id-b", "id-c"]


def test_updating_a_missing_supporter_is_not_found(store):
    with pytest.raises(NotFound):
        store.update_supporter(
            Supporter("ghost", "ghost", None), Supporter("ghost", "ghost", None, version=2)
        )


def test_interaction_create_is_atomic_and_idempotent(store):
    first = interaction("sub-1", date(2026, 3, 1))
    store.add_interaction(first)
    with pytest.raises(AlreadyExists):
        store.add_interaction(interaction("sub-1", date(2026, 3, 2)))
    assert store.get_interaction("sub-1") == first
    assert store.get_interaction("nope") is None


def test_interaction_with_alert_is_one_write(store):
    alert = Alert("al-1", "sub-1", NOW)
    store.add_interaction(interaction("sub-1", date(2026, 3, 1)), alert)
    assert store.pending_alerts() == [alert]
    # A repeat of the same submission stores neither the interaction nor a second alert.
    with pytest.raises(AlreadyExists):
        store.add_interaction(interaction("sub-1", date(2026, 3, 1)), Alert("al-2", "sub-1", NOW))
    assert store.pending_alerts() == [alert]


def test_iter_interactions_by_period_in_order_across_pages(store, monkeypatch):
    import shared.store.firestore as fs
    import shared.store.sqlite as sq

    monkeypatch.setattr(fs, "PAGE", 3)
    monkeypatch.setattr(sq, "PAGE", 3)
    days = [date(2026, 2, 27), date(2026, 3, 1), date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 1)]
    items = [interaction(f"id-{n}", d) for n, d in enumerate(days)]
    store.add_interactions(list(reversed(items)))
    got = list(store.iter_interactions(date(2026, 3, 1), date(2026, 3, 31)))
    assert [i.id for i in got] == ["id-1", "id-2", "id-3"]
    assert got[0] == items[1]
    assert len(list(store.iter_interactions(date(2026, 1, 1), date(2026, 12, 31)))) == 5


def test_add_interactions_skips_existing(store):
    store.add_interaction(interaction("a", date(2026, 3, 1)))
    added = store.add_interactions([interaction("a", date(2026, 3, 1)), interaction("b", date(2026, 3, 2))])
    assert added == 1
    assert store.add_interactions([interaction("a", date(2026, 3, 1))]) == 0


def test_supporter_activity_counts_since_and_finds_latest(store):
    store.add_interaction(interaction("old", date(2026, 2, 20), minutes=0))
    store.add_interaction(interaction("new", date(2026, 3, 3), minutes=5))
    store.add_interaction(interaction("mid", date(2026, 3, 1), minutes=2))
    store.add_interaction(interaction("other", date(2026, 3, 4), supporter="s2", minutes=9))
    count, latest = store.supporter_activity("s1", date(2026, 3, 1))
    assert (count, latest.id) == (2, "new")
    assert store.supporter_activity("s3", date(2026, 3, 1)) == (0, None)


def test_the_last_interaction_date_is_the_latest_day_logged_not_the_newest_entry(store):
    """Trial 2 item 2: an entry made last for an earlier day must not hide a later one."""
    assert store.last_interaction_date("s1") is None
    store.add_interaction(interaction("later-day", date(2026, 3, 9), minutes=0))
    store.add_interaction(interaction("made-last", date(2026, 3, 2), minutes=5))
    store.add_interaction(interaction("other", date(2026, 3, 20), supporter="s2", minutes=9))
    assert store.last_interaction_date("s1") == date(2026, 3, 9)
    assert store.last_interaction_date("s2") == date(2026, 3, 20)


def test_latest_interactions_are_the_supporters_newest_first(store):
    for n, (day, minutes) in enumerate([(1, 0), (3, 5), (2, 9), (4, 2)]):
        store.add_interaction(interaction(f"i{n}", date(2026, 3, day), minutes=minutes))
    store.add_interaction(interaction("other", date(2026, 3, 5), supporter="s2", minutes=20))
    assert [i.id for i in store.latest_interactions("s1", 3)] == ["i2", "i1", "i3"]
    assert store.latest_interactions("s1", 3)[0] == store.get_interaction("i2")
    assert [i.id for i in store.latest_interactions("s1", 10)] == ["i2", "i1", "i3", "i0"]
    assert store.latest_interactions("nobody", 3) == []


def test_an_interaction_is_replaced_or_deleted_only_as_it_was_read(store):
    """Issue 12, item 13: corrections keep the id, carry their alert in the same write, and
    a stale read (a second edit of the same entry, a delete after a delete) changes nothing."""
    first = interaction("sub-1", date(2026, 3, 1))
    store.add_interaction(first)
    edited = replace(
        first, occurred_on=date(2026, 2, 28), answers={"format": "video", "concern_level": "urgent"}
    )
    alert = Alert("al-1", "sub-1", NOW, kind="urgent_now", supporter_id="s1")
    store.replace_interaction(first, edited, alert)
    assert store.get_interaction("sub-1") == edited
    assert store.pending_alerts() == [alert]
    with pytest.raises(NotFound):  # read before the first edit: refused whole, alert included
        store.replace_interaction(
            first, replace(first, answers={"format": "phone"}), Alert("al-2", "sub-1", NOW)
        )
    with pytest.raises(NotFound):
        store.delete_interaction(first)
    assert store.get_interaction("sub-1") == edited and store.pending_alerts() == [alert]
    with pytest.raises(ValueError):
        store.replace_interaction(edited, replace(edited, id="sub-2"))
    store.delete_interaction(edited, Alert("al-3", "sub-1", NOW, kind="urgent_deleted", supporter_id="s1"))
    assert store.get_interaction("sub-1") is None
    assert list(store.iter_interactions(date(2026, 1, 1), date(2026, 12, 31))) == []
    assert [a.kind for a in store.pending_alerts()] == ["urgent_now", "urgent_deleted"]
    with pytest.raises(NotFound):
        store.delete_interaction(edited)
    with pytest.raises(NotFound):
        store.replace_interaction(edited, edited)
    assert store.get_interaction("sub-1") is None


def test_alerts_wait_until_marked_sent(store):
    alert = Alert("al-1", "sub-1", NOW)
    store.add_interaction(interaction("sub-1", date(2026, 3, 1)), alert)
    store.add_interaction(interaction("sub-2", date(2026, 3, 1)), Alert("al-2", "sub-2", NOW))
    with pytest.raises(NotFound):
        store.mark_alerts_sent(["al-2", "no-such-alert"])
    assert [a.id for a in store.pending_alerts()] == ["al-1", "al-2"]
    store.mark_alerts_sent(["al-2"])
    assert store.pending_alerts() == [alert]
    store.mark_alerts_sent(["al-1"])
    assert store.pending_alerts() == []
    assert [a.state for a in store.alerts_since(NOW)] == ["sent", "sent"]


def test_surveys_add_get_list_update(store):
    s2 = Survey(
        "2026", opens=date(2026, 4, 1), closes=date(2026, 5, 1), k10=True, created_on=date(2026, 3, 1)
    )
    s1 = Survey("2025")
    store.add_survey(s2)
    store.add_survey(s1)
    with pytest.raises(AlreadyExists):
        store.add_survey(Survey("2025"))
    assert store.get_survey("2026") == s2
    assert store.get_survey("none") is None
    assert store.list_surveys() == [s1, s2]
    closed = Survey("2025", closed_on=date(2026, 5, 2))
    assert store.update_survey(s1, closed)
    assert store.get_survey("2025") == closed
    with pytest.raises(NotFound):
        store.update_survey(Survey("none"), Survey("none", closed_on=date(2026, 5, 2)))


def test_a_survey_is_changed_only_as_it_was_read(store):
    """A change written over a survey that changed since it was read (closed, links issued,
    another change) is refused, so it can never undo the other: a closed survey never reopens."""
    read = Survey("2026", opens=date(2026, 9, 1), created_on=date(2026, 3, 1))
    store.add_survey(read)
    closed = replace(read, closed_on=date(2026, 3, 2))
    assert store.update_survey(read, closed)  # someone else closes it first
    assert not store.update_survey(read, replace(read, blocks=("phq9",)))  # from the stale read
    assert store.get_survey("2026") == closed
    assert (
        store.add_answers(closed, [Answer("a-1", "2026", date(2026, 3, 2), {})]) == 1
    )  # its count moves too
    assert not store.update_survey(closed, replace(closed, blocks=("phq9",)))
    now = store.get_survey("2026")
    assert now.answers_imported == 1 and now.closed_on == date(2026, 3, 2)
    assert store.update_survey(now, replace(now, blocks=("phq9",)))
    assert store.get_survey("2026") == replace(now, blocks=("phq9",))
    with pytest.raises(ValueError):
        store.update_survey(now, replace(now, id="other"))


def test_concurrent_changes_of_one_survey_each_apply_once(store):
    """Racing conditional writes from the same read: exactly one of them lands."""
    read = Survey("2026")
    store.add_survey(read)
    changes = [replace(read, blocks=(block,)) for block in ("k10", "phq9", "gad7", "help_seeking")]
    assert sorted(from_the_same_read(store.update_survey, read, changes)) == [False, False, False, True]
    assert store.get_survey("2026") in changes


def test_links_are_counted_and_found_by_hash(store):
    store.add_survey(Survey("2026"))
    store.add_links(
        "2026", [Link("h1", "2026"), Link("h2", "2026", email_key="k2", invited_on=date(2026, 4, 1))]
    )
    store.add_links("2026", [Link("h3", "2026", email_key="k3")])
    assert store.get_survey("2026").links_issued == 3
    assert store.get_link("h2") == Link("h2", "2026", email_key="k2", invited_on=date(2026, 4, 1))
    assert store.get_link("zz") is None
    assert [link.hash for link in store.invitations("2026")] == ["h2", "h3"]
    assert store.mark_reminded(["h3"], date(2026, 4, 8)) == 1
    assert store.get_link("h3").reminded_on == date(2026, 4, 8)
    assert store.mark_reminded(["h2", "gone"], date(2026, 4, 9)) == 1  # a link purged meanwhile is skipped
    assert store.get_link("h2").reminded_on == date(2026, 4, 9) and store.get_link("gone") is None
    with pytest.raises(AlreadyExists):
        store.add_links("2026", [Link("h1", "2026")])
    assert store.get_survey("2026").links_issued == 3
    with pytest.raises(NotFound):
        store.add_links("nope", [Link("h9", "nope")])


def test_links_are_added_only_while_the_survey_is_open_checked_in_the_same_write(store):
    """attack2 M2: links (invitations keyed by their address) were stored into a survey closed
    or purged since it was read, where no purge would ever delete them again."""
    read = Survey("2026")
    store.add_survey(read)
    assert store.add_links("2026", [Link("h1", "2026")]) is True
    now = store.get_survey("2026")
    closed = replace(now, closed_on=date(2026, 3, 2))
    assert store.update_survey(now, closed)
    assert store.add_links("2026", [Link("h2", "2026", email_key="k2")]) is False
    assert store.update_survey(closed, replace(closed, purged_on=date(2026, 3, 3)))
    assert store.add_links("2026", [Link("h3", "2026", email_key="k3")]) is False
    assert store.get_link("h2") is None and store.get_link("h3") is None
    assert [link.hash for link in store.invitations("2026")] == []
    assert store.get_survey("2026").links_issued == 1


def test_links_racing_a_close_are_stored_before_it_or_not_at_all(store):
    """Invitations added while the survey closes: each lands before the close (and is counted)
    or is refused; none after it."""
    store.add_survey(Survey("2026"))
    start = threading.Barrier(9)
    added: list[bool] = []

    def invite(n: int) -> None:
        start.wait()
        added.append(store.add_links("2026", [Link(f"h{n}", "2026", email_key=f"k{n}")]))

    def close() -> None:
        start.wait()
        for _ in range(20):
            read = store.get_survey("2026")
            if store.update_survey(read, replace(read, closed_on=date(2026, 3, 2))):
                return

    threads = [threading.Thread(target=invite, args=(n,)) for n in range(8)] + [
        threading.Thread(target=close)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    after = store.get_survey("2026")
    assert after.closed_on == date(2026, 3, 2)
    assert after.links_issued == added.count(True) == len(store.invitations("2026"))
    assert store.add_links("2026", [Link("late", "2026")]) is False


def sealed(id_: str, survey_id: str = "2026") -> SealedAnswer:
    return SealedAnswer(
        id_, survey_id, id_.encode() + bytes(range(256))
    )  # any bytes: the store never reads them


def test_redeem_once_stores_the_sealed_answer_and_marks_link(store):
    store.add_survey(Survey("2026"))
    store.add_links("2026", [Link("h1", "2026")])
    assert not store.is_redeemed("h1")
    store.redeem("h1", sealed("s-1"))
    assert store.is_redeemed("h1")
    with pytest.raises(AlreadyExists):
        store.redeem("h1", sealed("s-2"))
    assert store.sealed_answers("2026") == [sealed("s-1")]
    assert store.count_sealed("2026") == 1
    assert store.count_answers("2026") == 0 and list(store.iter_answers("2026")) == []


def test_concurrent_redeems_store_exactly_one_answer(store):
    store.add_survey(Survey("2026"))
    store.add_links("2026", [Link("h1", "2026")])
    outcomes: list[str] = []

    def attempt(n: int) -> None:
        try:
            store.redeem("h1", sealed(f"s-{n:02d}"))
            outcomes.append("stored")
        except AlreadyExists:
            outcomes.append("used")

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["stored"] + ["used"] * 19
    assert store.count_sealed("2026") == 1


def test_release_moves_sealed_answers_to_answers_in_one_write(store):
    store.add_survey(Survey("2026"))
    store.add_survey(Survey("2025"))
    store.add_links("2026", [Link(f"h{n}", "2026") for n in range(4)])
    store.add_links("2025", [Link("other", "2025")])
    for n, id_ in enumerate(["s-c", "s-a", "s-d", "s-b"]):
        store.redeem(f"h{n}", sealed(id_))
    store.redeem("other", sealed("s-x", "2025"))
    assert [s.id for s in store.sealed_answers("2026")] == ["s-a", "s-b", "s-c", "s-d"]
    answers = [Answer(f"a-{n}", "2026", date(2026, 4, 3), {"n": n}) for n in range(2)]
    store.release_answers(["s-a", "s-b"], answers)
    assert list(store.iter_answers("2026")) == answers
    assert [s.id for s in store.sealed_answers("2026")] == ["s-c", "s-d"]
    assert store.count_sealed("2026") == 2 and store.count_answers("2026") == 2
    # A box already released (its answer stored, the box gone) fails the write: nothing doubled.
    with pytest.raises(NotFound):
        store.release_answers(["s-b"], [Answer("a-1", "2026", date(2026, 4, 3), {"n": 1})])
    assert store.count_sealed("2026") == 2 and store.count_answers("2026") == 2
    assert store.sealed_answers("2025") == [sealed("s-x", "2025")]  # another survey's stay
    assert all(store.is_redeemed(f"h{n}") for n in range(4))  # redemptions stay until the purge
    with pytest.raises(ValueError):
        store.release_answers([f"s-{n}" for n in range(RELEASE_MAX + 1)], [])


def test_concurrent_releases_of_the_same_boxes_store_each_answer_once(store):
    store.add_survey(Survey("2026"))
    store.add_links("2026", [Link(f"h{n}", "2026") for n in range(6)])
    for n in range(6):
        store.redeem(f"h{n}", sealed(f"s-{n}"))
    outcomes: list[str] = []

    def attempt(n: int) -> None:
        answers = [
            Answer(f"a-{m}", "2026", date(2026, 4, 3), {"m": m}) for m in range(6)
        ]  # ids fixed per box
        try:
            store.release_answers([f"s-{m}" for m in range(6)], answers)
            outcomes.append("released")
        except NotFound:
            outcomes.append("gone")

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["gone"] * 7 + ["released"]
    assert store.count_answers("2026") == 6 and store.count_sealed("2026") == 0


def test_answers_stream_in_id_order_and_imports_skip_existing(store, monkeypatch):
    import shared.store.firestore as fs
    import shared.store.sqlite as sq

    monkeypatch.setattr(fs, "PAGE", 2)
    monkeypatch.setattr(sq, "PAGE", 2)
    store.add_survey(Survey("2026"))
    store.add_survey(Survey("2025"))
    answers = [Answer(f"id-{c}", "2026", date(2026, 4, 1), {"x": c}) for c in "dbeac"]
    assert store.add_answers(Survey("2026"), answers[:3]) == 3
    counted = store.get_survey("2026")
    assert counted.answers_imported == 3  # counted on the survey, in the same write
    assert store.add_answers(counted, answers) == 2
    counted = store.get_survey("2026")
    assert store.add_answers(counted, answers[:2]) == 0
    assert store.get_survey("2026") == replace(
        Survey("2026"), answers_imported=5
    )  # nothing new, nothing written
    store.add_answers(Survey("2025"), [Answer("other", "2025", date(2025, 4, 1), {})])
    assert [a.id for a in store.iter_answers("2026")] == ["id-a", "id-b", "id-c", "id-d", "id-e"]
    assert store.count_answers("2026") == 5
    with pytest.raises(ValueError):
        store.add_answers(counted, [Answer("stray", "2025", date(2025, 4, 1), {})])


def test_answers_are_added_only_over_the_survey_as_read(store):
    """attack2 M5: an import checked its rows against the survey's blocks, then wrote them after
    the blocks changed; the survey no longer asked K10 and its answers held K10 items."""
    read = Survey("2026", blocks=("k10",))
    store.add_survey(read)
    dropped = replace(read, blocks=())
    assert store.update_survey(read, dropped)  # a coordinator drops K10 after the import's read
    with pytest.raises(NotFound):
        store.add_answers(read, [Answer("a-1", "2026", date(2026, 4, 1), {"k10_1": 3})])
    assert store.count_answers("2026") == 0 and store.get_survey("2026") == dropped
    with pytest.raises(NotFound):  # a survey gone is not stored as read either
        store.add_answers(Survey("none"), [Answer("a-2", "none", date(2026, 4, 1), {})])


def test_a_change_of_blocks_read_before_an_import_is_refused(store):
    """The other order: the blocks change was checked ("no answers yet") on a read made before
    the import's write, and would have written over it."""
    read = Survey("2026", blocks=("k10",))
    store.add_survey(read)
    assert store.add_answers(read, [Answer("a-1", "2026", date(2026, 4, 1), {"k10_1": 3})]) == 1
    assert not store.update_survey(read, replace(read, blocks=()))
    assert store.get_survey("2026").blocks == ("k10",)


def test_an_import_racing_a_change_of_blocks_from_the_same_read_lands_alone(store):
    for n in range(6):
        survey_id = f"y{n}"
        read = Survey(survey_id, blocks=("k10",))
        store.add_survey(read)
        start = threading.Barrier(2)
        outcome: dict[str, object] = {}

        def add(read: Survey = read, survey_id: str = survey_id) -> None:
            start.wait()
            try:
                outcome["import"] = store.add_answers(
                    read, [Answer(f"{survey_id}-a", survey_id, date(2026, 4, 1), {})]
                )
            except NotFound:
                outcome["import"] = 0

        def change(read: Survey = read) -> None:
            start.wait()
            outcome["blocks"] = store.update_survey(read, replace(read, blocks=()))

        threads = [threading.Thread(target=add), threading.Thread(target=change)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted([outcome["import"] == 1, outcome["blocks"] is True]) == [False, True], outcome
        after = store.get_survey(survey_id)
        assert (after.blocks, store.count_answers(survey_id)) in ((("k10",), 1), ((), 0))


def test_purge_removes_links_and_redemptions_keeps_answers(store, monkeypatch):
    import shared.store.firestore as fs

    monkeypatch.setattr(fs, "PAGE", 2)
    store.add_survey(Survey("2026"))
    store.add_survey(Survey("2025"))
    store.add_links("2026", [Link(f"h{n}", "2026", email_key=f"k{n}") for n in range(5)])
    store.add_links("2025", [Link("keep", "2025")])
    store.redeem("h1", sealed("s-1"))
    store.release_answers(["s-1"], [Answer("r-1", "2026", date(2026, 4, 2), {})])
    assert store.purge_links("2026") == 5
    assert store.get_link("h1") is None and not store.is_redeemed("h1")
    assert store.invitations("2026") == []
    assert store.get_link("keep") is not None
    assert store.count_answers("2026") == 1
    assert store.get_survey("2026").links_issued == 5  # the response rate survives the purge


def test_interaction_answers_stream_like_the_records(store):
    days = [date(2026, 2, 27), date(2026, 3, 1), date(2026, 3, 1), date(2026, 4, 1)]
    store.add_interactions([interaction(f"id-{n}", d, supporter=f"s{n % 2}") for n, d in enumerate(days)])
    start, end = date(2026, 3, 1), date(2026, 3, 31)
    expected = [
        (i.occurred_on.isoformat(), i.supporter_id, i.answers) for i in store.iter_interactions(start, end)
    ]
    assert list(store.iter_interaction_answers(start, end)) == expected
    assert len(expected) == 2


# -- the interaction tally (issue 15, item 7) ----------------------------------------------------


def logged(id_: str, day: date, supporter: str, fmt: str, note: str = "", minutes: int = 0) -> Interaction:
    answers = {"format": fmt, "topics": ["academic", "finances"], "duration_minutes": 15}
    if note:
        answers["note"] = note
    return Interaction(id_, supporter, day, answers, NOW + timedelta(minutes=minutes))


def recounted(store, start: date, end: date) -> list[tuple[str, str, dict, int]]:
    """The tally counted again from every interaction of the period: what it must equal."""
    from shared import tally

    return tally.recount(store.iter_interaction_answers(start, end))


def test_the_tally_equals_a_full_recount_whatever_way_interactions_arrive(store, monkeypatch):
    import shared.store.firestore as fs

    monkeypatch.setattr(fs, "PAGE", 6)  # bulk batches of 3, tally pages of 6 days
    days = [date(2026, 3, d) for d in (1, 1, 1, 2, 9, 31)] + [date(2026, 2, 28), date(2026, 4, 1)]
    for n, day in enumerate(days):  # one at a time, some with an alert and a free-text note
        alert = Alert(f"al-{n}", f"one-{n}", NOW) if n % 3 == 0 else None
        store.add_interaction(logged(f"one-{n}", day, f"s{n % 2}", "phone", note=f"n{n}"), alert)
    with pytest.raises(AlreadyExists):  # a repeat counts nothing
        store.add_interaction(logged("one-0", days[0], "s0", "phone"))
    bulk = [
        logged(f"bulk-{n}", date(2026, 3, 1 + n % 10), "s1", ("phone", "video")[n % 2]) for n in range(11)
    ]
    assert store.add_interactions(bulk[:4]) == 4
    assert store.add_interactions(bulk) == 7  # a batch meeting stored ids is retried one by one
    assert store.add_interactions(bulk) == 0
    for start, end in [
        (date(2026, 3, 1), date(2026, 3, 31)),
        (date(2026, 3, 2), date(2026, 3, 2)),
        (date.min, date.max),
    ]:
        assert list(store.interaction_tallies(start, end)) == recounted(store, start, end)
    march = list(store.interaction_tallies(date(2026, 3, 1), date(2026, 3, 31)))
    assert sum(n for *_, n in march) == 6 + 11
    assert_tally_is_a_recount(store)
    # Notes are left out, so the phone calls of 1 March fold into one combination per supporter.
    first = [(s, a["format"], n) for day, s, a, n in march if day == "2026-03-01"]
    assert first == [("s0", "phone", 2), ("s1", "phone", 3)]
    assert all("note" not in answers for _, _, answers, _ in march)


def test_concurrent_interactions_are_all_counted(store):
    items = [logged(f"c-{n}", date(2026, 3, 5), "s1", "phone", minutes=n) for n in range(20)]
    threads = [threading.Thread(target=store.add_interaction, args=(item,)) for item in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert list(store.interaction_tallies(date(2026, 3, 5), date(2026, 3, 5))) == [
        (
            "2026-03-05",
            "s1",
            {"duration_minutes": 15, "format": "phone", "topics": ["academic", "finances"]},
            20,
        )
    ]


def assert_tally_is_a_recount(store) -> None:
    for start, end in [
        (date(2026, 3, 1), date(2026, 3, 31)),
        (date(2026, 3, 1), date(2026, 3, 1)),
        (date.min, date.max),
    ]:
        assert list(store.interaction_tallies(start, end)) == recounted(store, start, end)


def test_the_tally_equals_a_full_recount_after_edits_and_deletes(store):
    """Issue 12, item 13: corrections move a count from one combination (and day) to another,
    or take it off; a correction that changes only the note moves nothing; refused ones
    (a stale read) count nothing."""
    items = [logged(f"e-{n}", date(2026, 3, 1 + n % 3), f"s{n % 2}", "phone", note=f"n{n}") for n in range(6)]
    for item in items:
        store.add_interaction(item)
    changes = [
        replace(items[0], answers={**items[0].answers, "format": "video"}),  # another combination
        replace(items[1], occurred_on=date(2026, 2, 27)),  # another day, out of March
        replace(items[2], answers={**items[2].answers, "note": "only the note"}),  # nothing counted moves
        replace(items[3], occurred_on=date(2026, 3, 1), answers={"format": "in_person", "topics": []}),
    ]
    for before, after in zip(items, changes, strict=False):
        store.replace_interaction(before, after)
        assert_tally_is_a_recount(store)
    with pytest.raises(NotFound):
        store.replace_interaction(items[0], changes[0])
    store.delete_interaction(changes[1])
    store.delete_interaction(items[4])
    with pytest.raises(NotFound):
        store.delete_interaction(items[4])
    assert_tally_is_a_recount(store)
    march = list(store.interaction_tallies(date(2026, 3, 1), date(2026, 3, 31)))
    assert sum(n for *_, n in march) == 4
    assert list(store.interaction_tallies(date(2026, 2, 1), date(2026, 2, 28))) == []
    # Changed back and forth, deleted and logged again: still a recount.
    store.replace_interaction(changes[0], items[0])
    store.delete_interaction(items[5])
    store.add_interaction(items[5])
    assert_tally_is_a_recount(store)
    assert sum(n for *_, n in store.interaction_tallies(date.min, date.max)) == 4


def test_records_given_or_returned_cannot_change_what_is_stored(store):
    mine = interaction("sub-1", date(2026, 3, 1))
    store.add_interaction(mine)
    mine.answers["topics"].append("finances")  # the caller's record, changed after the write
    got = store.get_interaction("sub-1")
    got.answers["format"] = "changed"  # a record read back, changed by its reader
    next(store.iter_interactions(date(2026, 3, 1), date(2026, 3, 1))).answers.clear()
    assert store.get_interaction("sub-1").answers == {"format": "phone", "topics": ["academic"]}


def test_a_write_that_fails_part_way_stores_none_of_it(store):
    store.add_survey(Survey("2026"))
    store.add_links("2026", [Link("h1", "2026")])
    with pytest.raises(AlreadyExists):
        store.add_links("2026", [Link("h2", "2026"), Link("h1", "2026")])
    assert store.get_link("h2") is None and store.get_survey("2026").links_issued == 1
    store.redeem("h1", sealed("r-1"))
    store.add_links("2026", [Link("h3", "2026")])
    with pytest.raises(AlreadyExists):  # a fresh link, but a sealed answer id already used
        store.redeem("h3", sealed("r-1"))
    assert not store.is_redeemed("h3") and store.count_sealed("2026") == 1
