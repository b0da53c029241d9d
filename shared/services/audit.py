"""The audit log: who did what, when, in the console, the admin API or the CLI.

Entries name the actor (an email, ``cli`` or ``api``), a kind from :data:`KINDS` and a short
detail (an alias, a survey id, a count). Never a token, a link or a student's answer: callers
pass only such plain facts. The store offers no way to change or delete an entry.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.errors import Invalid
from shared.records import AuditEntry
from shared.services.exports import protect
from shared.store.port import Store

KINDS = (
    "sign_in",
    "sign_in_failed",
    "sign_out",
    "sign_in_link_issued",
    "coordinator_added",
    "coordinator_removed",
    "role_changed",
    "supporter_added",
    "supporter_link_sent",
    "supporter_relinked",
    "supporter_revoked",
    "supporter_email_changed",
    "supporter_renamed",
    "survey_created",
    "survey_links_issued",
    "survey_invited",
    "survey_reminded",
    "survey_closed",
    "survey_purged",
    "survey_deleted",
    "alert_acknowledged",
    "data_imported",
    "data_exported",
    "report_viewed",
    "report_sent",
    "access_refused",
)


def record(store: Store, actor: str, kind: str, detail: str = "", now: datetime | None = None) -> AuditEntry:
    """Append one entry. ``kind`` must be one of :data:`KINDS` (a typo is a bug, not data)."""
    if kind not in KINDS:
        raise ValueError(f"unknown audit kind {kind!r}")
    entry = AuditEntry(
        id=secrets.token_hex(8), at=now or datetime.now(UTC), actor=actor, kind=kind, detail=detail[:200]
    )
    store.add_audit(entry)
    return entry


def parse_day(value: object, name: str) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise Invalid(
            f"{name} must be a date as YYYY-MM-DD.", errors={name: ["Enter a date as YYYY-MM-DD."]}
        ) from None


def entries(
    store: Store,
    tz: ZoneInfo,
    since: date | None = None,
    until: date | None = None,
    kind: str | None = None,
) -> list[AuditEntry]:
    """Entries from ``since`` through ``until`` (days in the program's time zone), newest first.

    Without ``since``: the last 30 days. ``kind`` keeps only that kind.
    """
    if kind and kind not in KINDS:
        raise Invalid(f"There is no kind {kind!r}.", errors={"kind": ["Choose a kind from the list."]})
    today = datetime.now(tz).date()
    first = since or (until or today) - timedelta(days=30)
    last = until or today
    low = datetime.combine(first, time.min, tz)
    high = datetime.combine(last + timedelta(days=1), time.min, tz)
    found = [e for e in store.iter_audit(low, high) if not kind or e.kind == kind]
    found.reverse()
    return found


def to_csv(found: Iterable[AuditEntry], tz: ZoneInfo) -> str:
    """The entries as CSV (``at`` in the program's time zone), formula-like cells neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["at", "actor", "kind", "detail"])
    for e in found:
        writer.writerow(
            [e.at.astimezone(tz).isoformat(timespec="seconds"), protect(e.actor), e.kind, protect(e.detail)]
        )
    return out.getvalue()
