"""The last coordinator stays, even when two coordinators change each other at the same moment:
``save_coordinator`` and ``remove_coordinator`` with ``keep_a_coordinator`` check and write in
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
        store.save_coordinator(replace(A, role="viewer"), keep_a_coordinator=True)
    with pytest.raises(LastCoordinator):
        store.remove_coordinator(A.email, keep_a_coordinator=True)
    assert roles(store) == {A.email: "coordinator", V.email: "viewer"}
    # Changes that leave a coordinator pass the guard.
    store.save_coordinator(replace(A, reports=False), keep_a_coordinator=True)
    assert store.remove_coordinator(V.email, keep_a_coordinator=True) is True
    store.add_coordinator(B)
    store.save_coordinator(replace(A, role="viewer"), keep_a_coordinator=True)
    assert roles(store) == {A.email: "viewer", B.email: "coordinator"}
    # Without the guard, the port does what it is told (the service decides when to guard).
    store.save_coordinator(replace(B, role="viewer"))
    assert roles(store) == {A.email: "viewer", B.email: "viewer"}


def test_two_coordinators_demoting_each_other_at_once_leave_one(store):
    for _ in range(ROUNDS):
        for c in (A, B):
            store.remove_coordinator(c.email)
            store.add_coordinator(c)
        results = at_once(
            lambda: store.save_coordinator(replace(A, role="viewer"), keep_a_coordinator=True),
            lambda: store.save_coordinator(replace(B, role="viewer"), keep_a_coordinator=True),
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
