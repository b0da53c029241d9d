"""Records to plain dicts and back, shared by both adapters so they store the same shapes."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import UTC, date, datetime
from typing import Any, TypeVar

T = TypeVar("T")


def to_doc(record: Any) -> dict[str, Any]:
    """A record as a dict of JSON-friendly values (dates as ISO strings, datetimes in UTC)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat()
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def _target(hint: Any) -> Any:
    """The date/datetime type inside ``date | None`` style hints, else None."""
    args = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    for arg in args:
        if arg in (datetime, date):
            return arg
    return None


_HINTS: dict[type, dict[str, Any]] = {}


def from_doc(cls: type[T], doc: dict[str, Any]) -> T:
    """Rebuild a record of type ``cls`` from :func:`to_doc` output, ignoring unknown keys."""
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    # cls is a record (a dataclass); T stays unbound so the adapters' generic helpers can share it.
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name not in doc:
            continue
        value = doc[f.name]
        kind = _target(hints[f.name])
        if isinstance(value, str) and kind is datetime:
            value = datetime.fromisoformat(value)
        elif isinstance(value, str) and kind is date:
            value = date.fromisoformat(value)
        elif isinstance(value, datetime) and kind is datetime:
            value = value.astimezone(UTC)
        elif isinstance(value, list) and typing.get_origin(hints[f.name]) is tuple:
            value = tuple(value)  # JSON and Firestore keep a tuple as a list
        kwargs[f.name] = value
    return cls(**kwargs)


def stamp(moment: datetime) -> str:
    """A moment as fixed-width UTC text, so that text order is time order (``isoformat`` drops
    zero microseconds, which would break that)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def audit_key(entry: Any) -> str:
    """The audit log's ordering key: its time, then its id (entries in the same microsecond)."""
    return f"{stamp(entry.at)}|{entry.id}"
