"""The tally's rebuild (issue 15, item 7): a Firestore deployment that logged interactions before
the per-day tally existed has no tally for them, and ``rebuild_interaction_tallies`` must make
the tally equal a full recount, also while supporters keep logging, and change nothing when run
again. SQLite and memory count on reading, so there it only counts; the same tests hold."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from shared import tally
from shared.records import Interaction
from tests.conftest import ALL_STORES

pytestmark = pytest.mark.stores(*ALL_STORES)

NOW = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
EVER = (date.min, date.max)
DAYS = [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 9), date(2026, 2, 28)]


def logged(id_: str, day: date, supporter: str = "s1", fmt: str = "phone", note: str = "") -> Interaction:
    answers = {"format": fmt, "topics": ["academic"], "duration_minutes": 15}
    if note:
        answers["note"] = note
    return Interaction(id_, supporter, day, answers, NOW)


def recounted(store, start: date = EVER[0], end: date = EVER[1]) -> list[tuple[str, str, dict, int]]:
    """The tally counted again from every stored interaction: what the tally must equal."""
    return tally.recount(store.iter_interaction_answers(start, end))


def tally_documents(store) -> dict[str, tuple[dict, object]]:
    """Firestore's tally documents, read through the emulator's client: content and update time."""
    return {
        snap.id: (snap.to_dict(), snap.update_time)
        for snap in store.client.collection("interaction_tallies").stream()
    }


def forget_tallies(store) -> None:
    """The state before the upgrade: interactions stored, no tally document counting them.
    SQLite and memory keep no tally, so there is nothing to take away."""
    if hasattr(store, "client"):
        for snap in store.client.collection("interaction_tallies").stream():
            snap.reference.delete()


def pre_upgrade(store) -> int:
    """Interactions logged before the tally existed, then some logged after the upgrade on the
    same days (whose tally documents then count only those). Returns how many in all."""
    before = [
        logged(f"old-{n}", DAYS[n % 4], f"s{n % 3}", ("phone", "video")[n % 2], note=f"#{n}")
        for n in range(23)
    ]
    store.add_interactions(before)
    forget_tallies(store)
    after = [logged(f"new-{n}", DAYS[n % 2], "s1") for n in range(3)]
    for item in after:
        store.add_interaction(item)
    return len(before) + len(after)


def test_a_rebuild_makes_the_tally_equal_a_full_recount(store):
    stored = pre_upgrade(store)
    if hasattr(store, "client"):  # what the upgrade gap is: the report would undercount
        assert sum(n for *_, n in store.interaction_tallies(*EVER)) == 3
        assert not store.interaction_tallies_built()
    assert store.rebuild_interaction_tallies() == stored
    assert store.interaction_tallies_built()
    assert list(store.interaction_tallies(*EVER)) == recounted(store)
    march = (date(2026, 3, 1), date(2026, 3, 31))
    assert list(store.interaction_tallies(*march)) == recounted(store, *march)
    assert sum(n for *_, n in store.interaction_tallies(*EVER)) == stored
    # Logging goes on counting on top of the rebuilt tally.
    store.add_interaction(logged("later", DAYS[0], "s2", "video"))
    assert list(store.interaction_tallies(*EVER)) == recounted(store)


def test_a_second_rebuild_changes_nothing(store):
    stored = pre_upgrade(store)
    store.rebuild_interaction_tallies()
    first = list(store.interaction_tallies(*EVER))
    documents = tally_documents(store) if hasattr(store, "client") else None
    writes = store.ops["writes"] if hasattr(store, "ops") else None
    assert store.rebuild_interaction_tallies() == stored
    assert list(store.interaction_tallies(*EVER)) == first == recounted(store)
    if documents is not None:  # not a document rewritten, not even with the same content
        assert tally_documents(store) == documents
        assert store.ops["writes"] == writes


def test_a_rebuild_during_concurrent_logging_still_ends_equal(store):
    """One rebuild while four supporters log on the same days. A single rebuild, so that no
    later quiet one could repair a count it lost; the next test makes the worst moment certain."""
    pre_upgrade(store)
    start = threading.Barrier(5)
    errors: list[BaseException] = []

    def log(worker: int) -> None:
        try:
            start.wait()
            for n in range(15):
                store.add_interaction(logged(f"live-{worker}-{n}", DAYS[n % 3], f"s{worker}"))
        except BaseException as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    workers = [threading.Thread(target=log, args=(w,)) for w in range(4)]
    for worker in workers:
        worker.start()
    start.wait()
    store.rebuild_interaction_tallies()
    for worker in workers:
        worker.join()
    assert errors == []
    assert list(store.interaction_tallies(*EVER)) == recounted(store)
    assert sum(n for *_, n in store.interaction_tallies(*EVER)) == 26 + 4 * 15


@pytest.mark.stores("firestore")
@pytest.mark.parametrize(
    "late_day",
    [DAYS[0], date(2026, 4, 1)],
    ids=["a day whose tally document was read", "a day that had no tally document"],
)
def test_a_count_logged_between_the_recount_and_the_rewrite_is_kept(store, monkeypatch, late_day):
    """The worst moment, made certain: an interaction is logged after the rebuild has counted
    every interaction but before it rewrites the tally, on a day whose tally document it read
    (an Increment changes it) or on a day that had none (the Increment creates it). A rewrite
    without a precondition would drop that count; the rebuild must notice and count again."""
    pre_upgrade(store)
    store.add_interaction(logged("only-old", date(2026, 4, 1), "s1"))
    forget_tallies(store)  # 1 April: stored, not counted, no tally document at all
    store.add_interaction(logged("after", DAYS[0], "s2"))  # 1 March: a document counting 1 of many
    pages = store._pages
    late = [logged("late", late_day, "s2")]

    def then_log_late(*args, **kwargs):
        yield from pages(*args, **kwargs)
        if late and args[0] == "interactions":  # once, after the first full count
            store.add_interaction(late.pop())

    monkeypatch.setattr(store, "_pages", then_log_late)
    store.rebuild_interaction_tallies()
    assert late == []
    assert list(store.interaction_tallies(*EVER)) == recounted(store)
    assert sum(n for *_, n in store.interaction_tallies(*EVER)) == 26 + 1 + 1 + 1


def test_the_tally_is_counted_from_interactions_of_any_day(store):
    """An empty store, and interactions far apart: the rebuild finds every day."""
    assert store.rebuild_interaction_tallies() == 0
    assert list(store.interaction_tallies(*EVER)) == []
    far = [logged(f"far-{n}", date(2020, 1, 1) + timedelta(days=400 * n), f"s{n}") for n in range(4)]
    store.add_interactions(far)
    forget_tallies(store)
    assert store.rebuild_interaction_tallies() == 4
    assert list(store.interaction_tallies(*EVER)) == recounted(store)
