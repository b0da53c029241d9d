"""The audit log: who did what, when, in the console, the admin API or the CLI.

Entries name the actor (an email, ``cli`` or ``api``), a kind from :data:`KINDS` and a short
detail (an alias, a survey id, a count). Never a token, a link or a student's answer: callers
pass only such plain facts. The store offers no way to change or delete an entry.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets
import threading
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.errors import Invalid
from shared.i18n import N_
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
    "survey_changed",  # its blocks, or whether reports choose it by default
    "survey_links_issued",
    "survey_invited",
    "survey_reminded",
    "survey_unsubscribed",
    "survey_closed",
    "survey_purged",
    "survey_deleted",
    "alert_acknowledged",
    "data_imported",
    "data_exported",
    "report_viewed",
    "report_downloaded",
    "report_sent",
    "access_refused",
    "demo_run",  # sidebyside demo: local demo data, and a sign-in link for the local coordinator
    "maintenance_run",
    "api_auth_failed",  # wrong admin / send_report bearer tokens, at most one row per client a minute
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


class FailedAuthentications:
    """Counts failed API authentications per client and writes at most one audit row per client
    a minute, with the count since its last row, so a flood of guesses cannot flood the log.

    A client is named by a short keyed hash of its address (the log holds neither addresses nor
    tokens); the rows of one client share it. Counts still pending are written by :meth:`flush`,
    which each API request calls, so a lone failure is recorded once its minute is over.
    """

    WINDOW = timedelta(minutes=1)

    def __init__(self, store: Store, secret_key: str) -> None:
        self._store, self._key = store, secret_key.encode("utf-8")
        self._lock = threading.Lock()
        self._pending: dict[str, int] = {}  # client -> failures not yet in a row
        self._last: dict[str, datetime] = {}  # client -> when its last row was written

    def failed(self, address: str, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        client = hmac.new(self._key, address.encode("utf-8"), hashlib.sha256).hexdigest()[:12]
        with self._lock:
            self._pending[client] = self._pending.get(client, 0) + 1
        self.flush(now)

    def flush(self, now: datetime | None = None) -> None:
        """Write a row for each client with failures whose last row is a minute old (or none)."""
        now = now or datetime.now(UTC)
        with self._lock:
            due = {
                client: count
                for client, count in self._pending.items()
                if client not in self._last or now - self._last[client] >= self.WINDOW
            }
            for client in due:
                del self._pending[client]
                self._last[client] = now
            for client, at in list(self._last.items()):  # forget quiet clients: bounded memory
                if now - at >= self.WINDOW and client not in self._pending:
                    del self._last[client]
        for client, count in due.items():
            record(self._store, "api", "api_auth_failed", f"client {client}: {count} failed", now)


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
        raise Invalid(
            N_("There is no kind %(kind)r."),
            params={"kind": kind},
            errors={"kind": [N_("Choose a kind from the list.")]},
        )
    if since is not None and until is not None and since > until:  # not silently an empty list
        raise Invalid(
            N_("The last day (%(until)s) is before the first (%(since)s)."),
            params={"until": until, "since": since},
            errors={"until": [N_("Enter a day on or after the first day.")]},
        )
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
