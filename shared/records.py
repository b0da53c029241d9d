"""The records the program keeps, as plain dataclasses. No storage or HTTP here.

Privacy rules built into these shapes:
- an Interaction holds the supporter's id and the form answers, never who the student was;
- an Answer holds a random id, the survey id, the day and the answers, nothing else;
- a Link holds only a hash of its token and, for invitations, a keyed hash of the address;
- a redemption (see the store port) holds only the link hash, never an answer id;
- an answer is first stored sealed beside its redemption and released later, in batches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

# ``sidebyside demo``'s supporter and survey (shared/services/demo.py): in no report.
DEMO_ALIAS = "demo-supporter"
DEMO_SURVEY = "demo"
# A report's ``compare`` value meaning "compare with no earlier survey"; no survey may take it as id.
NO_COMPARISON = "none"


def alias_key(alias: str) -> str:
    """What makes an alias unique: "Alice", "alice" and " ALICE " are one supporter's name."""
    return alias.strip().casefold()


@dataclass(frozen=True)
class Supporter:
    id: str
    alias: str
    email: str | None
    version: int = 1
    active: bool = True
    created_on: date | None = None
    digest: bool = True  # the weekly email of follow-ups due (when there is an email); opt-out link


@dataclass(frozen=True)
class Interaction:
    id: str  # the submission id: the idempotency key
    supporter_id: str
    occurred_on: date
    answers: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class FollowUp:
    """A follow-up a supporter planned, keyed by the id of the interaction that planned it.

    ``state``: open, done (``done_by`` is the follow-up interaction, which ``follows`` the
    original), not_needed or could_not_reach. ``uptake``: when the original made a referral,
    whether the student connected with the service (connected, not_yet, declined, unknown).
    Nothing here says who the student is: only the supporter and the dates.
    """

    id: str  # the original interaction's id
    supporter_id: str
    due: date
    referral: str = "none"  # the original's referral destination, for uptake by destination
    state: str = "open"
    done_by: str | None = None
    ended_on: date | None = None
    uptake: str | None = None


@dataclass(frozen=True)
class Alert:
    """An urgent-concern alert waiting to be mailed: stored with the interaction, in one write
    (or with the correction that made it, or took away, an urgent concern)."""

    id: str
    interaction_id: str
    created_at: datetime
    state: str = "pending"  # pending, sending, sent
    attempts: int = 0
    claimed_at: datetime | None = None
    last_error: str = ""
    kind: str = "urgent"  # urgent (logged so), urgent_now, urgent_withdrawn, urgent_deleted (corrections)
    supporter_id: str = ""  # who logged it: still known once a deleted entry is gone


@dataclass(frozen=True)
class Survey:
    id: str
    form: str = "end_of_year_survey"
    opens: date | None = None
    closes: date | None = None
    k10: bool = False  # kept for surveys stored before blocks: True is the same as "k10" in blocks
    closed_on: date | None = None
    purged_on: date | None = None
    links_issued: int = 0
    created_on: date | None = None
    blocks: tuple[str, ...] = ()  # the form's optional blocks this survey asks (forms/blocks/)
    # A test or pilot survey: never the report's current or compared survey unless named.
    excluded: bool = False

    def asked_blocks(self) -> frozenset[str]:
        """The form's blocks this survey asks, "k10" included for a survey stored with ``k10``."""
        return frozenset(self.blocks) | (frozenset({"k10"}) if self.k10 else frozenset())


@dataclass(frozen=True)
class Link:
    """A single-use survey link, known only by the hash of its token."""

    hash: str
    survey_id: str
    email_key: str | None = None  # keyed hash of the invited address, for reminders only
    invited_on: date | None = None
    reminded_on: date | None = None


@dataclass(frozen=True)
class Answer:
    id: str  # random, never derived from the link
    survey_id: str
    day: date
    answers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SealedAnswer:
    """An answer waiting to be released: encrypted under a key the store never holds, padded to a
    fixed size (``shared.services.sealing``). Written with the redemption; released into the
    answers, under a new random id, in batches of at least the small-cell threshold."""

    id: str  # random, never derived from the link, and not the id the answer gets on release
    survey_id: str
    box: bytes


@dataclass(frozen=True)
class ReportRun:
    period: str
    state: str  # claimed, sent, failed
    attempt: int
    updated_at: datetime
    detail: str = ""


# -- the coordinators' console -------------------------------------------------------------


@dataclass(frozen=True)
class Coordinator:
    """Someone who may sign in to the console. ``role``: ``coordinator`` (everything) or
    ``viewer`` (dashboard and report only). ``email`` is stored lowercased: it is the key."""

    email: str
    role: str = "coordinator"
    added_on: date | None = None
    reports: bool = True  # receives the emailed report and urgent alerts (False: opted out)
    language: str | None = None  # the emailed report's language; None: SIDEBYSIDE_REPORT_LANGUAGE


@dataclass(frozen=True)
class SignInToken:
    """A one-time sign-in link, known only by the SHA-256 hash of its token."""

    hash: str
    email: str
    expires_at: datetime


@dataclass(frozen=True)
class ConsoleSession:
    """A signed-in browser, known only by the hash of the id its cookie carries."""

    hash: str
    email: str
    created_at: datetime
    seen_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    """One console, API or CLI action: who, when, what. Never a token or a student's answer."""

    id: str  # sorts by time: ``{at as ISO}|{random}``
    at: datetime
    actor: str  # an email, or "cli" / "api"
    kind: str  # sign_in, supporter_added, survey_closed, ...
    detail: str = ""


@dataclass(frozen=True)
class AlertAck:
    """Who acknowledged an urgent alert, and when (one per alert)."""

    alert_id: str
    by: str
    at: datetime
