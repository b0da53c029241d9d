"""Keeping the interaction tally true to the interactions (issue 15, item 7).

On Firestore each interaction is counted in its day's tally document in the same commit that
stores it, and the report reads only the tally. A deployment that logged interactions before
the tally existed has none for them, so its reports would undercount: the daily job rebuilds
the tally once, when the store says it was never built (one document read a day otherwise),
and ``sidebyside maintenance rebuild-tallies`` rebuilds it on demand. A rebuild is safe to
repeat and to run while supporters log (``Store.rebuild_interaction_tallies``). SQLite and the
in-memory store count on reading: for them both only count.
"""

from __future__ import annotations

import logging

from shared.store.port import Store

log = logging.getLogger("sidebyside.tallies")


def rebuild(store: Store) -> int:
    """Recount the tally from every interaction; returns how many interactions it counts."""
    counted = store.rebuild_interaction_tallies()
    log.info("interaction tally rebuilt from %d interactions", counted)
    return counted


def rebuild_if_never_built(store: Store) -> int | None:
    """The daily job's part: :func:`rebuild` once, on a store whose tally was never built."""
    if store.interaction_tallies_built():
        return None
    return rebuild(store)
