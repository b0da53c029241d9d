"""The last coordinator stays, even when two coordinators change each other at the same moment:
``update_coordinator`` and ``remove_coordinator`` with ``keep_a_coordinator`` check and write in
one atomic step on every adapter (``stores`` marker, see tests/conftest.py), and the
coordinators service turns a refusal into its "only coordinator" conflict."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest

from shared.errors import Conflict
from shared.records import Coordinator
from shared.services import coordinators
from shared.store.port import LastCoordinator
from tests.conftest import ALL_STORES

pytestmark = pytest.mark.stores(*ALL_STORES)

A = Coordinator("a@example.org", "coordinator", date(2026, 1, 2))
B = Coordinator("b@example.org", "coordinator", date(2026, 1, 3))
V = Coordinator("v@example.org", "viewer", date(2026, 1, 4))
ROUNDS = 6  # each round races once; a store without the guard loses the last coordinator in most


def at_once(*calls: Callable[[], object]) -> list[object]:
    """Run ``calls`` in threads released together; each one's result or exception."""
    start = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:  # the outcome under test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def roles(store) -> dict[str, str]:
    return {c.email: c.role for c in store.list_coordinators()}


def test_the_guard_refuses_to_leave_no_coordinator_and_writes_nothing(store):
    store.add_coordinator(A)
    store.add_coordinator(V)
    with pytest.raises(LastCoordinator):
        store.update_coordinator(A, replace(A, role="viewer"), keep_a_coordinator=True)
    with pytest.raises(LastCoordinator):
        store.remove_coordinator(A.email, keep_a_coordinator=True)
    assert roles(store) == {A.email: "coordinator", V.email: "viewer"}
    # Changes that leave a coordinator pass the guard.
    quiet = replace(A, reports=False)
    assert store.update_coordinator(A, quiet, keep_a_coordinator=True)
    assert store.remove_coordinator(V.email, keep_a_coordinator=True) is True
    store.add_coordinator(B)
    assert store.update_coordinator(quiet, replace(quiet, role="viewer"), keep_a_coordinator=True)
    assert roles(store) == {A.email: "viewer", B.email: "coordinator"}
    # Without the guard, the port does what it is told (the service decides when to guard).
    assert store.update_coordinator(B, replace(B, role="viewer"))
    assert roles(store) == {A.email: "viewer", B.email: "viewer"}
    # The guard keeps the last coordinator, not a role nobody has: a viewer still goes.
    assert store.remove_coordinator(A.email, keep_a_coordinator=True) is True


def test_two_coordinators_demoting_each_other_at_once_leave_one(store):
    for _ in range(ROUNDS):
        for c in (A, B):
            store.remove_coordinator(c.email)
            store.add_coordinator(c)
        results = at_once(
            lambda: store.update_coordinator(A, replace(A, role="viewer"), keep_a_coordinator=True),
            lambda: store.update_coordinator(B, replace(B, role="viewer"), keep_a_coordinator=True),
        )
        assert "coordinator" in roles(store).values(), results
        refused = [r for r in results if isinstance(r, LastCoordinator)]
        assert len(refused) == 1, results


def test_removing_each_other_at_once_leaves_one(store):
    for _ in range(ROUNDS):
        for c in (A, B):
            store.remove_coordinator(c.email)
            store.add_coordinator(c)
        results = at_once(
            lambda: store.remove_coordinator(A.email, keep_a_coordinator=True),
            lambda: store.remove_coordinator(B.email, keep_a_coordinator=True),
        )
        assert list(roles(store).values()) == ["coordinator"], results
        assert sorted(map(type, results), key=str) == sorted([bool, LastCoordinator], key=str)


def test_the_service_says_only_coordinator_whichever_check_refuses(store):
    """Through the service (no SIDEBYSIDE_COORDINATORS): every refusal is the same conflict,
    whether its early read saw it or the store's guard did."""
    for _ in range(ROUNDS):
        for c in (A, B):
            store.remove_coordinator(c.email)
            store.add_coordinator(c)
        results = at_once(
            lambda: coordinators.set_role(store, A.email, "viewer"),
            lambda: coordinators.remove(store, _settings(), B.email),
        )
        assert "coordinator" in roles(store).values(), results
        refused = [r for r in results if isinstance(r, Exception)]
        assert len(refused) == 1, results
        assert isinstance(refused[0], Conflict) and refused[0].code == "last_coordinator"


def _settings():
    from shared.config import load

    return load({"SIDEBYSIDE_SECRET_KEY": "guard-secret-key-0123456789abcdef"})


class ReadThen:
    """Runs ``meanwhile`` right after the store's ``read_count``-th read of ``email`` (a change
    made on the console between a service's read and its write), through the port itself."""

    def __init__(self, store, email: str, read_count: int, meanwhile: Callable[[], object]) -> None:
        self.store, self.email, self.left, self.meanwhile = store, email, read_count, meanwhile
        self.read = store.get_coordinator

    def __enter__(self) -> None:
        def get(email: str):
            found = self.read(email)
            if email == self.email:
                self.left -= 1
                if self.left == 0:
                    self.meanwhile()
            return found

        self.store.get_coordinator = get

    def __exit__(self, *exc: object) -> None:
        del self.store.get_coordinator


def promote_x_then_x_demotes_a(store) -> Callable[[], None]:
    def meanwhile() -> None:
        coordinators.set_role(store, X.email, "coordinator", _settings())
        coordinators.set_role(store, A.email, "viewer", _settings())  # allowed: x is a coordinator

    return meanwhile


X = Coordinator("x@example.org", "viewer", date(2026, 1, 5))


# The read the change writes back: set_language reads x first to tell a stored coordinator from
# one of SIDEBYSIDE_COORDINATORS, then for the change.
@pytest.mark.parametrize("change,read", [("language", 2), ("reports", 1)])
def test_a_change_of_one_field_read_before_a_role_change_never_undoes_it(store, change, read):
    """attack2 M3: x's language change read x (a viewer); meanwhile a promoted x and x demoted a;
    the change wrote back x as read, a viewer, and nobody could manage the program."""
    store.add_coordinator(A)
    store.add_coordinator(X)
    with ReadThen(store, X.email, read, promote_x_then_x_demotes_a(store)):
        if change == "language":
            coordinators.set_language(store, X.email, "fr", _settings())
        else:
            coordinators.set_reports(store, X.email, False)
    assert roles(store) == {A.email: "viewer", X.email: "coordinator"}
    assert store.get_coordinator(X.email).language == ("fr" if change == "language" else None)


def test_removing_someone_read_as_a_viewer_who_became_the_last_coordinator_is_refused(store):
    """The removal read x as a viewer, so asked the store for no guard; meanwhile x became the
    only coordinator, and the removal left nobody. The store now guards by what it holds."""
    store.add_coordinator(A)
    store.add_coordinator(X)
    with ReadThen(store, X.email, 1, promote_x_then_x_demotes_a(store)):
        with pytest.raises(Conflict) as refused:
            coordinators.remove(store, _settings(), X.email)
    assert refused.value.code == "last_coordinator"
    assert roles(store) == {A.email: "viewer", X.email: "coordinator"}
