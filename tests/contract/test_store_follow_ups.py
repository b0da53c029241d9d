"""The store contract for follow-ups (issue 14), in memory, on SQLite and the Firestore emulator:
planned with the interaction in one write, ended exactly once (by a follow-up interaction or
closed), listed by supporter and due date; the interaction tally counts exactly the interactions
stored, whatever follow-ups they plan or end."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date

import pytest

from shared import tally
from shared.records import FollowUp
from shared.store.port import AlreadyExists, NotFound
from tests.conftest import ALL_STORES
from tests.contract.test_store import interaction

pytestmark = pytest.mark.stores(*ALL_STORES)

DUE = date(2026, 3, 9)


def planned(id_: str, supporter: str = "s1", due: date = DUE, referral: str = "none") -> FollowUp:
    return FollowUp(id=id_, supporter_id=supporter, due=due, referral=referral)


def test_a_planned_follow_up_is_stored_with_its_interaction(store):
    plan = planned("a", referral="counselling")
    store.add_interaction(interaction("a", date(2026, 3, 2)), plans=plan)
    assert store.get_follow_up("a") == plan
    assert store.get_interaction("a") is not None
    # A repeat of the same submission stores neither again.
    with pytest.raises(AlreadyExists):
        store.add_interaction(interaction("a", date(2026, 3, 2)), plans=plan)
    assert store.follow_ups() == [plan]


def test_follow_ups_are_listed_by_supporter_due_date_and_state(store):
    store.add_interaction(interaction("late", date(2026, 3, 1)), plans=planned("late", due=date(2026, 3, 20)))
    store.add_interaction(interaction("soon", date(2026, 3, 1)), plans=planned("soon", due=date(2026, 3, 5)))
    store.add_interaction(
        interaction("theirs", date(2026, 3, 1), supporter="s2"), plans=planned("theirs", "s2")
    )
    store.add_interaction(
        interaction("closed", date(2026, 3, 1)), plans=planned("closed", due=date(2026, 3, 6))
    )
    assert store.end_follow_up(replace(planned("closed", due=date(2026, 3, 6)), state="not_needed"))
    assert [f.id for f in store.follow_ups("s1")] == ["soon", "closed", "late"]
    assert [f.id for f in store.follow_ups("s1", open_only=True)] == ["soon", "late"]
    assert [f.id for f in store.follow_ups(open_only=True)] == ["soon", "theirs", "late"]
    assert store.follow_ups("nobody") == []


def test_follow_ups_are_read_by_due_period(store):
    """The report, the dashboard and the supporter's list read one period's follow-ups, not
    every one ever kept: both ends included, with or without a supporter and the open ones."""
    days = {"march": date(2026, 3, 1), "april": date(2026, 4, 1), "may": date(2026, 5, 1)}
    for name, due in days.items():
        store.add_interaction(interaction(name, date(2026, 2, 1)), plans=planned(name, due=due))
        other = f"{name}-s2"
        store.add_interaction(
            interaction(other, date(2026, 2, 1), supporter="s2"), plans=planned(other, "s2", due=due)
        )
    assert store.end_follow_up(replace(planned("april", due=days["april"]), state="not_needed"))
    march, april, may = days.values()
    assert [f.id for f in store.follow_ups(due_from=april, due_to=may)] == [
        "april",
        "april-s2",
        "may",
        "may-s2",
    ]
    assert [f.id for f in store.follow_ups(due_from=april, due_to=april)] == ["april", "april-s2"]
    assert [f.id for f in store.follow_ups("s1", due_to=april)] == ["march", "april"]
    assert [f.id for f in store.follow_ups("s1", open_only=True, due_to=april)] == ["march"]
    assert [f.id for f in store.follow_ups("s2", open_only=True, due_to=may)] == [
        "march-s2",
        "april-s2",
        "may-s2",
    ]
    assert store.follow_ups(due_from=date(2026, 5, 2), due_to=date(2027, 1, 1)) == []
    assert store.follow_ups(due_from=may, due_to=march) == []


def test_interactions_are_read_many_at_once(store):
    for name in ("a", "b", "c"):
        store.add_interaction(interaction(name, date(2026, 3, 2)))
    found = store.get_interactions(["c", "a", "ghost", "a", "x" * 2000])
    assert found == {"a": store.get_interaction("a"), "c": store.get_interaction("c")}
    assert store.get_interactions([]) == {}
    many = [f"m{n:04d}" for n in range(1200)]  # more than one SQLite statement may ask for
    store.add_interactions([interaction(name, date(2026, 3, 3)) for name in many])
    assert set(store.get_interactions(many)) == set(many)


def test_logging_the_follow_up_ends_the_original_in_the_same_write(store):
    store.add_interaction(interaction("a", date(2026, 3, 2)), plans=planned("a", referral="physician"))
    done = replace(
        planned("a", referral="physician"), state="done", done_by="b", ended_on=DUE, uptake="connected"
    )
    store.add_interaction(interaction("b", DUE), ends=done, plans=planned("b", due=date(2026, 3, 16)))
    assert store.get_follow_up("a") == done
    assert store.get_follow_up("b") == planned("b", due=date(2026, 3, 16))
    # Ended once: a second follow-up of "a" stores nothing at all, not even its interaction.
    with pytest.raises(AlreadyExists):
        store.add_interaction(interaction("c", DUE), ends=replace(done, done_by="c"))
    assert store.get_interaction("c") is None
    assert store.get_follow_up("a").done_by == "b"
    assert not store.end_follow_up(replace(done, state="could_not_reach"))
    assert store.get_follow_up("a") == done


def test_ending_an_unknown_follow_up_writes_nothing(store):
    assert not store.end_follow_up(replace(planned("ghost"), state="not_needed"))
    assert store.get_follow_up("ghost") is None


def test_concurrent_ends_end_a_follow_up_once(store):
    store.add_interaction(interaction("a", date(2026, 3, 2)), plans=planned("a"))
    results: list[bool] = []
    barrier = threading.Barrier(6)

    def end(state: str) -> None:
        barrier.wait()
        results.append(store.end_follow_up(replace(planned("a"), state=state, ended_on=DUE)))

    threads = [threading.Thread(target=end, args=(s,)) for s in ["not_needed", "could_not_reach"] * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 5 + [True]
    assert store.get_follow_up("a").state in ("not_needed", "could_not_reach")


def test_the_tally_counts_follow_up_interactions_once_and_refused_ones_never(store):
    everything = (date.min, date.max)
    store.add_interaction(interaction("a", date(2026, 3, 2)), plans=planned("a", referral="physician"))
    store.add_interaction(interaction("b", date(2026, 3, 2)), plans=planned("b"))
    done = replace(planned("a", referral="physician"), state="done", done_by="c", ended_on=DUE)
    store.add_interaction(interaction("c", DUE), ends=done, plans=planned("c", due=date(2026, 3, 16)))
    # Refused writes: a second end of "a", a repeated id. Neither may be counted.
    with pytest.raises(AlreadyExists):
        store.add_interaction(interaction("d", DUE), ends=replace(done, done_by="d"))
    with pytest.raises(AlreadyExists):
        store.add_interaction(interaction("b", date(2026, 3, 2)), plans=planned("b"))
    kept = list(store.interaction_tallies(*everything))
    assert kept == tally.recount(store.iter_interaction_answers(*everything))
    assert sum(n for *_, n in kept) == 3
    assert {(day, n) for day, _, _, n in kept} == {("2026-03-02", 2), ("2026-03-09", 1)}
    assert store.rebuild_interaction_tallies() == 3
    assert list(store.interaction_tallies(*everything)) == kept


# -- kept in step with corrections (issue 14 follow-ups: edits and deletes, undoing a close) --------


def test_a_follow_up_changes_only_from_what_was_read(store):
    plan = planned("a", referral="counselling")
    store.add_interaction(interaction("a", date(2026, 3, 2)), plans=plan)
    closed = replace(plan, state="not_needed", ended_on=DUE)
    assert store.change_follow_up(plan, closed)
    assert not store.change_follow_up(plan, replace(plan, state="could_not_reach"))  # read before the close
    assert store.get_follow_up("a") == closed
    assert store.change_follow_up(closed, plan)  # undone: open again
    assert store.get_follow_up("a") == plan
    assert store.end_follow_up(replace(plan, state="could_not_reach", ended_on=DUE))  # ends again
    assert not store.change_follow_up(planned("ghost"), None)
    assert store.get_follow_up("ghost") is None


def test_ending_refuses_a_follow_up_corrected_since_it_was_read(store):
    plan = planned("a", referral="counselling")
    store.add_interaction(interaction("a", date(2026, 3, 2)), plans=plan)
    corrected = replace(plan, referral="physician", due=date(2026, 3, 20))
    assert store.change_follow_up(plan, corrected)
    # Read before the correction: it would write the old referral back. Refused, nothing written.
    stale_end = replace(plan, state="done", done_by="b", ended_on=DUE, uptake="connected")
    with pytest.raises(AlreadyExists):
        store.add_interaction(interaction("b", DUE), ends=stale_end)
    assert store.get_interaction("b") is None
    assert not store.end_follow_up(replace(plan, state="not_needed"))
    assert store.get_follow_up("a") == corrected


def test_a_correction_and_its_follow_up_changes_are_one_write(store):
    first = interaction("a", date(2026, 3, 2))
    plan = planned("a", referral="counselling")
    store.add_interaction(first, plans=plan)
    edited = replace(first, answers={**first.answers, "format": "video"})
    later = replace(plan, due=date(2026, 3, 30))
    store.replace_interaction(first, edited, follow_ups=[(plan, later), (None, planned("x"))])
    assert store.get_interaction("a") == edited
    assert store.get_follow_up("a") == later and store.get_follow_up("x") == planned("x")
    # A follow-up not as read: nothing at all is written, the interaction neither.
    again = replace(edited, answers={**edited.answers, "format": "phone"})
    with pytest.raises(NotFound):
        store.replace_interaction(edited, again, follow_ups=[(plan, None)])
    with pytest.raises(NotFound):
        store.replace_interaction(edited, again, follow_ups=[(later, None), (None, planned("x"))])
    assert store.get_interaction("a") == edited and store.get_follow_up("a") == later
    # A deletion takes its follow-up with it.
    store.delete_interaction(edited, follow_ups=[(later, None)])
    assert store.get_interaction("a") is None and store.get_follow_up("a") is None
    everything = (date.min, date.max)
    assert list(store.interaction_tallies(*everything)) == tally.recount(
        store.iter_interaction_answers(*everything)
    )


def test_the_follow_up_an_interaction_logged_is_found_by_it(store):
    plan = planned("a", referral="physician")
    store.add_interaction(interaction("a", date(2026, 3, 2)), plans=plan)
    store.add_interaction(interaction("c", date(2026, 3, 2)), plans=planned("c"))
    assert store.follow_up_done_by("b") is None
    done = replace(plan, state="done", done_by="b", ended_on=DUE, uptake="not_yet")
    store.add_interaction(interaction("b", DUE), ends=done)
    assert store.follow_up_done_by("b") == done
    assert store.follow_up_done_by("a") is None and store.follow_up_done_by("c") is None
    # Deleting the follow-up interaction reopens what it logged, in one write.
    store.delete_interaction(store.get_interaction("b"), follow_ups=[(done, done.reopened())])
    assert store.get_follow_up("a") == plan and store.follow_up_done_by("b") is None


def test_a_deleted_original_cannot_be_ended_after_all(store):
    """The follow-up goes with its original; a follow-up interaction read before cannot bring it
    back (on Firestore a plain set would recreate the document)."""
    first = interaction("a", date(2026, 3, 2))
    plan = planned("a")
    store.add_interaction(first, plans=plan)
    store.delete_interaction(first, follow_ups=[(plan, None)])
    with pytest.raises(AlreadyExists):
        store.add_interaction(
            interaction("b", DUE), ends=replace(plan, state="done", done_by="b", ended_on=DUE)
        )
    assert not store.end_follow_up(replace(plan, state="not_needed"))
    assert store.get_follow_up("a") is None and store.get_interaction("b") is None


def test_deleting_an_original_while_its_follow_up_is_logged_leaves_one_consistent_outcome(store):
    first = interaction("a", date(2026, 3, 2))
    plan = planned("a")
    store.add_interaction(first, plans=plan)
    barrier = threading.Barrier(2)
    outcome: dict[str, bool] = {}

    def log_follow_up() -> None:
        barrier.wait()
        try:
            store.add_interaction(
                interaction("b", DUE), ends=replace(plan, state="done", done_by="b", ended_on=DUE)
            )
            outcome["logged"] = True
        except AlreadyExists:
            outcome["logged"] = False

    def delete_original() -> None:
        barrier.wait()
        try:
            store.delete_interaction(first, follow_ups=[(plan, None)])
            outcome["deleted"] = True
        except NotFound:
            outcome["deleted"] = False

    threads = [threading.Thread(target=log_follow_up), threading.Thread(target=delete_original)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcome.values()) == [False, True]
    if outcome["logged"]:
        assert store.get_follow_up("a").done_by == "b" and store.get_interaction("a") == first
    else:
        assert store.get_follow_up("a") is None and store.get_interaction("b") is None
