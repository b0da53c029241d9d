"""The records the program keeps, as plain dataclasses. No storage or HTTP here.

Privacy rules built into these shapes:
- an Interaction holds the supporter's id and the form answers, never who the student was;
- an Answer holds a random id, the survey id, the day and the answers, nothing else;
- a Link holds only a hash of its token and, for invitations, a keyed hash of the address;
- a redemption (see the store port) holds only the link hash, never an answer id;
- an answer is first stored sealed beside its redemption and released later, in batches.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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
    ended_at: datetime | None = None  # when it was logged or closed: a close may be undone for 24 hours

    def reopened(self) -> FollowUp:
        """This follow-up as it was before it was logged or closed: open, with no outcome."""
        return replace(self, state="open", done_by=None, ended_on=None, uptake=None, ended_at=None)


@dataclass(frozen=True)
class Alert:
    """An urgent-concern alert waiting to be mailed: stored with the interaction, in one write
    (or with the correction that made it, or took away, an urgent concern)."""

    id: str
    interaction_id: str
    created_at: datetime
    # pending until mailed, then sent. Its tries, failures and backoff are its Claim's (job
    # "alert", keyed by its id); "sending" is a state only alerts stored before claims can have.
    state: str = "pending"
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
    # Answers imported into it, counted in the same write as them (Store.add_answers): that write
    # changes the survey, so a change of blocks read before it is refused (Store.update_survey).
    answers_imported: int = 0

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
class Claim:
    """One unit of scheduled work (``key`` of ``job``: this month's report, one alert, one
    supporter's digest of one week ...) taken by one process, so that it is done once.

    ``state``: claimed (someone is doing it), done, or failed (``error`` says why, ``next_try``
    when its job's policy would try it again). A claim older than its job's ``stale_after``
    belongs to a process that died and is taken over. ``attempt`` counts the claims,
    ``failures`` the failures in a row (back to 0 once done). The store decides who gets a unit
    (:meth:`takeable`, atomically, in ``Store.claim``); :mod:`shared.services.retry` holds each
    job's policy.
    """

    job: str
    key: str
    claimed_at: datetime
    attempt: int = 1
    state: str = "claimed"
    finished_at: datetime | None = None
    failures: int = 0
    next_try: datetime | None = None
    error: str = ""
    note: str = ""  # what the finished work left to say (the report's message ids)

    def takeable(self, stale_before: datetime, redo: bool = False) -> bool:
        """Whether a process may claim this unit: failed, or claimed before ``stale_before`` (its
        holder died), or done and ``redo`` (a deliberate second time). A failed unit may be
        taken before its ``next_try``: callers that pace themselves (an operator, the loop's
        report retries, Cloud Scheduler's) need not wait; those that pass often wait for it
        (:meth:`waiting`)."""
        if self.state == "done":
            return redo
        return self.state == "failed" or self.claimed_at < stale_before

    def waiting(self, now: datetime) -> bool:
        """Whether this unit failed and its next try has not come yet."""
        return self.state == "failed" and self.next_try is not None and now < self.next_try

    def taken(self, now: datetime) -> Claim:
        """This unit claimed again, by the next attempt (failures and the last error kept)."""
        return replace(
            self, state="claimed", attempt=self.attempt + 1, claimed_at=now, finished_at=None, next_try=None
        )

    def is_held_by(self, claim: Claim) -> bool:
        """Whether this stored record is ``claim``, still being worked on: the same attempt,
        claimed at the same moment, and not finished since."""
        return self.state == "claimed" and (self.attempt, self.claimed_at) == (
            claim.attempt,
            claim.claimed_at,
        )

    def finish_over(
        self,
        stored: Claim | None,
        now: datetime,
        error: str | None = None,
        retry_at: datetime | None = None,
        note: str = "",
    ) -> Claim | None:
        """What finishing this claim makes of its unit, stored as ``stored`` now; None: leave
        the record as it is (``Store.finish_claim`` decides this and writes it atomically).

        Still held by this claim: it is :meth:`finished`. Taken over meanwhile (this worker was
        slow, its claim went stale and another took the unit): a failure says nothing of the
        successor's try, so it is dropped, and the successor keeps its claim (nobody else can
        take the unit while it works); but "done" still counts, since the work was done: the
        unit ends done (unless it already is), so a later failure of the successor's, dropped
        in turn, cannot reopen it and have it done a third time."""
        if stored is None or stored.is_held_by(self):
            return self.finished(now, error, retry_at, note)
        if error is None and stored.state != "done":
            return stored.finished(now, note=note)
        return None

    def finished(
        self, now: datetime, error: str | None = None, retry_at: datetime | None = None, note: str = ""
    ) -> Claim:
        """This claim done (``error`` None), or failed with ``error``, to be tried again from
        ``retry_at`` (at once when None)."""
        if error is None:
            return replace(
                self, state="done", finished_at=now, failures=0, next_try=None, error="", note=note
            )
        return replace(
            self,
            state="failed",
            finished_at=now,
            failures=self.failures + 1,
            next_try=retry_at or now,
            error=error,
            note=note,
        )


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
