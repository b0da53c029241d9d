"""Changes written only over the record as read: the one loop behind every service that changes
a stored record (a survey, a coordinator, a supporter).

A service reads the record, computes the change, and asks the store to write it only if the
record is still stored as read (``Store.update_survey``, ``update_coordinator``,
``update_supporter``: compare and set, atomic on every adapter). When someone changed it
meanwhile (closed the survey, changed the role, revoked the supporter), the write is refused and
the loop reads it again and starts over, so a change of one field never writes back a stale copy
of the others: each lost race means another change landed, and a handful of tries is enough.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

TRIES = 20  # conditional writes of one record racing others; each lost race means one landed


def change_as_read(
    read: Callable[[], T],
    change: Callable[[T], T],
    write: Callable[[T, T], bool],
    busy: Callable[[], Exception],
) -> T:
    """``read()`` the record (raising when there is none), apply ``change`` (which raises to
    refuse) and ``write(before, after)`` it (False: it changed since it was read); again until a
    write lands, then the record as written (or as read, when ``change`` left it as it was).
    ``busy()`` is raised when it kept changing through every try."""
    for _ in range(TRIES):
        before = read()
        after = change(before)
        if after == before:
            return before
        if write(before, after):
            return after
    raise busy()
