"""The store port: the few operations the features need, in domain terms.

Three adapters implement it (``sqlite.py``, ``firestore.py``, and ``memory.py`` for the fast
tests) and one contract suite (``tests/contract``) runs against all three. Every write that must
not half-happen is one method here, and each adapter makes it atomic (a SQLite transaction, a
Firestore batch whose creates carry an "exists: false" precondition, a staged in-memory write).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from shared.records import (
    Alert,
    AlertAck,
    Answer,
    AuditEntry,
    Claim,
    ConsoleSession,
    Coordinator,
    FollowUp,
    Interaction,
    Link,
    SealedAnswer,
    SignInToken,
    Supporter,
    Survey,
)

# One conditional change to a follow-up, made with a correction (:meth:`Store.change_interaction`):
# ``(before, after)``, the follow-up as it was read (None: there was none) and as it is to be
# (None: delete it). Refused unless the stored one is still ``before``.
FollowUpChange = tuple[FollowUp | None, FollowUp | None]


class StoreError(Exception):
    """Base of the store's own exceptions."""


class AlreadyExists(StoreError):
    """An atomic create found the record already there."""


class NotFound(StoreError):
    """The record to change is not there."""


class Unavailable(StoreError):
    """The store cannot be reached or did not answer; try again later."""


class LastCoordinator(StoreError):
    """A change to the coordinators (``keep_a_coordinator``) would leave no stored coordinator
    with the coordinator role; nothing was written."""


def same_record(before: Any, after: Any, *keys: str) -> None:
    """ValueError unless ``after`` keeps ``before``'s ``keys`` (a compare-and-set replaces one
    record by a new version of itself: an id, an email or an alias is never changed this way)."""
    changed = [key for key in keys if getattr(after, key) != getattr(before, key)]
    if changed:
        raise ValueError(
            f"a {type(before).__name__.lower()} keeps its {', '.join(changed)} when it is updated"
        )


def takes_links(survey: Survey) -> bool:
    """Whether :meth:`Store.add_links` may add links to ``survey`` as stored: neither closed nor
    purged. (A survey past its ``closes`` day is refused earlier, by the services: the store
    does not know the day in the program's time zone.)"""
    return survey.closed_on is None and survey.purged_on is None


RELEASE_MAX = 240  # most answers one release_answers call moves (Firestore: 500 writes a commit)


class Store(ABC):
    # -- supporters -------------------------------------------------------
    @abstractmethod
    def add_supporter(self, supporter: Supporter) -> None:
        """Create a supporter; AlreadyExists when the id or the alias is taken."""

    @abstractmethod
    def get_supporter(self, supporter_id: str) -> Supporter | None: ...

    @abstractmethod
    def find_supporter(self, alias: str) -> Supporter | None: ...

    @abstractmethod
    def list_supporters(self) -> list[Supporter]:
        """All supporters, ordered by alias."""

    @abstractmethod
    def update_supporter(self, before: Supporter, after: Supporter) -> bool:
        """Replace the stored supporter by ``after`` (same id and alias: a revocation bumps the
        version, an opt-out turns the digest off) only if it is still ``before``, in one atomic
        write; False, with nothing written, when it changed since it was read (revoked,
        re-linked), so an opt-out read before a revocation never undoes it. NotFound when
        absent; a new alias is :meth:`rename_supporter`'s."""

    @abstractmethod
    def rename_supporter(self, supporter_id: str, alias: str) -> None:
        """Give the supporter a new alias; AlreadyExists when another has it, NotFound when absent."""

    # -- interactions -----------------------------------------------------
    @abstractmethod
    def add_interaction(
        self,
        interaction: Interaction,
        alert: Alert | None = None,
        *,
        plans: FollowUp | None = None,
        ends: FollowUp | None = None,
    ) -> None:
        """Store an interaction (with its alert, the follow-up it ``plans`` and the follow-up it
        ``ends`` as done) atomically. AlreadyExists, with nothing written, if the id was used or
        ``ends`` is not stored as the open follow-up it ends any more (:meth:`FollowUp.reopened`:
        someone ended, corrected or deleted it first)."""

    @abstractmethod
    def add_interactions(self, interactions: list[Interaction]) -> int:
        """Store many at once, skipping ids already stored; returns how many were new."""

    @abstractmethod
    def get_interaction(self, interaction_id: str) -> Interaction | None: ...

    @abstractmethod
    def get_interactions(self, interaction_ids: Iterable[str]) -> dict[str, Interaction]:
        """The stored interactions among ``interaction_ids``, keyed by id (unknown ids are left
        out): one request on Firestore however many there are, for a list of one line each."""

    @abstractmethod
    def iter_interactions(self, start: date, end: date) -> Iterator[Interaction]:
        """Interactions with start <= occurred_on <= end, by date then id, streamed in pages."""

    @abstractmethod
    def iter_interaction_answers(self, start: date, end: date) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """``(occurred_on as YYYY-MM-DD, supporter_id, answers)`` for each interaction of the period,
        in the order of :meth:`iter_interactions`: the report's reading, without building records."""

    @abstractmethod
    def interaction_tallies(self, start: date, end: date) -> Iterator[tuple[str, str, dict[str, Any], int]]:
        """``(occurred_on, supporter_id, answers, n)``: how many interactions of the period share a
        day, a supporter and the same answers, free text left out (``shared/tally.py``), by day
        then combination. What the report reads: on Firestore a tally kept in the same write as
        each interaction, so the report reads one document per day, however many interactions."""

    @abstractmethod
    def interaction_tallies_built(self) -> bool:
        """False only on a store that keeps a tally (Firestore) and has never rebuilt it from the
        interactions: a deployment from before the tally may hold interactions it does not count.
        One document read on Firestore; SQLite and memory count on reading, so always True."""

    @abstractmethod
    def rebuild_interaction_tallies(self) -> int:
        """Recount the tally from every stored interaction and mark it built; returns how many
        interactions it counted. Idempotent (a tally that already equals the recount is not
        written) and safe while interactions are being logged: no count is lost or doubled.
        SQLite and memory keep no tally, so for them it only counts."""

    @abstractmethod
    def supporter_activity(self, supporter_id: str, since: date) -> tuple[int, Interaction | None]:
        """How many interactions the supporter logged on or after ``since``, and their latest one."""

    @abstractmethod
    def last_interaction_date(self, supporter_id: str) -> date | None:
        """The latest date the supporter logged an interaction *on* (not the newest entry: an
        entry can record an earlier day), or None: one read of one entry."""

    @abstractmethod
    def latest_interactions(self, supporter_id: str, limit: int) -> list[Interaction]:
        """The supporter's ``limit`` most recently logged interactions, newest first (by
        ``created_at``, then id): what their form lists for them to check or correct."""

    @abstractmethod
    def change_interaction(
        self,
        before: Interaction,
        after: Interaction | None,
        alert: Alert | None = None,
        *,
        follow_ups: Sequence[FollowUpChange] = (),
    ) -> None:
        """Replace the stored ``before`` by ``after`` (the same id), or delete it (``after`` is
        None), with the tally moved or uncounted, ``alert`` stored and each of ``follow_ups``
        made, in one atomic write. NotFound, with nothing written, when the stored record is not
        ``before`` any more (deleted, or changed since it was read), or a follow-up is not stored
        as its change's ``before`` any more: two edits of one entry never both count, and a
        correction never undoes what someone did to its follow-ups meanwhile."""

    def replace_interaction(
        self,
        before: Interaction,
        after: Interaction,
        alert: Alert | None = None,
        *,
        follow_ups: Sequence[FollowUpChange] = (),
    ) -> None:
        """A correction (issue 12, item 13): see :meth:`change_interaction`."""
        if after.id != before.id:
            raise ValueError("an interaction keeps its id when it is changed")
        self.change_interaction(before, after, alert, follow_ups=follow_ups)

    def delete_interaction(
        self, before: Interaction, alert: Alert | None = None, *, follow_ups: Sequence[FollowUpChange] = ()
    ) -> None:
        """A deletion (issue 12, item 13): see :meth:`change_interaction`."""
        self.change_interaction(before, None, alert, follow_ups=follow_ups)

    # -- follow-ups -------------------------------------------------------
    @abstractmethod
    def get_follow_up(self, follow_up_id: str) -> FollowUp | None: ...

    @abstractmethod
    def follow_ups(
        self,
        supporter_id: str | None = None,
        *,
        open_only: bool = False,
        due_from: date | None = None,
        due_to: date | None = None,
    ) -> list[FollowUp]:
        """The follow-ups of one supporter (or everyone's), by due date then id; with ``due_from``
        and ``due_to`` (both included) only those due in that period, which is what the report,
        the dashboard and the supporter's list read, so no read grows with the years kept."""

    @abstractmethod
    def follow_up_done_by(self, interaction_id: str) -> FollowUp | None:
        """The follow-up that the interaction ``interaction_id`` logged (its ``done_by``), if any:
        what a correction of that interaction must keep in step."""

    @abstractmethod
    def change_follow_up(self, before: FollowUp, after: FollowUp | None) -> bool:
        """Store ``after`` (the same id), or delete the follow-up (``after`` is None), if it is
        still stored exactly as ``before``; False, with nothing written, otherwise (ended,
        reopened, corrected or deleted since it was read). Of concurrent changes, one wins."""

    def end_follow_up(self, follow_up: FollowUp) -> bool:
        """Store ``follow_up`` (ended: not_needed or could_not_reach) if the stored one is still
        open, and as it was when it was read (:meth:`FollowUp.reopened`); False, with nothing
        written, when it was ended, corrected or deleted before."""
        return self.change_follow_up(follow_up.reopened(), follow_up)

    # -- alerts -----------------------------------------------------------
    @abstractmethod
    def pending_alerts(self) -> list[Alert]:
        """Alerts not yet mailed, by id (who is mailing them, and when to retry, is in their
        claims: see :meth:`claim`)."""

    @abstractmethod
    def mark_alerts_sent(self, alert_ids: list[str]) -> None:
        """Record these alerts as mailed, all or none: no later :meth:`pending_alerts` lists
        them. NotFound, with nothing written, when one is not stored."""

    # -- surveys ----------------------------------------------------------
    @abstractmethod
    def add_survey(self, survey: Survey) -> None:
        """AlreadyExists when the id is taken."""

    @abstractmethod
    def get_survey(self, survey_id: str) -> Survey | None: ...

    @abstractmethod
    def list_surveys(self) -> list[Survey]:
        """All surveys, by id."""

    @abstractmethod
    def update_survey(self, before: Survey, after: Survey) -> bool:
        """Replace the stored survey by ``after`` (the same id) only if it is still ``before``, in
        one atomic write; False, with nothing written, when it changed since it was read (closed,
        links issued, blocks changed), so the caller reads it again instead of undoing that
        change. NotFound when absent."""

    @abstractmethod
    def delete_survey(self, survey_id: str) -> bool:
        """Delete a survey that has no answers (released or sealed), with its links and
        redemptions; False (nothing deleted) when it has answers; NotFound when absent."""

    @abstractmethod
    def add_links(self, survey_id: str, links: list[Link]) -> bool:
        """Store new links and add their number to the survey's ``links_issued``, atomically,
        only while the survey is neither closed nor purged (``closed_on``, ``purged_on``),
        checked in the same atomic write: False, with nothing written, when it is, so no link
        (above all no invitation, keyed by its address) is stored after a close or a purge has
        begun (the purge closes first), where no purge would ever delete it. NotFound when the
        survey is absent; AlreadyExists, with nothing written, when a hash is taken. On
        Firestore more than 499 links are several such writes, each checked."""

    @abstractmethod
    def get_link(self, link_hash: str) -> Link | None: ...

    @abstractmethod
    def is_redeemed(self, link_hash: str) -> bool: ...

    @abstractmethod
    def invitations(self, survey_id: str) -> list[Link]:
        """The survey's links that carry an address key (invitations), in hash order."""

    @abstractmethod
    def mark_reminded(self, link_hashes: Iterable[str], day: date) -> int:
        """Set ``reminded_on`` of these links to ``day``; returns how many were marked. A link
        no longer stored (its survey was purged meanwhile) is skipped, not an error."""

    @abstractmethod
    def redeem(self, link_hash: str, sealed: SealedAnswer) -> None:
        """Mark the link used and store its sealed answer, atomically; AlreadyExists if already used."""

    @abstractmethod
    def sealed_answers(self, survey_id: str) -> list[SealedAnswer]:
        """The survey's answers waiting to be released, in id order (random, not arrival)."""

    @abstractmethod
    def count_sealed(self, survey_id: str) -> int: ...

    @abstractmethod
    def release_answers(self, sealed_ids: list[str], answers: list[Answer]) -> None:
        """In one atomic write, delete these sealed answers and store these answers (at most
        :data:`RELEASE_MAX`, ``answers[i]`` opened from ``sealed_ids[i]``, its id fixed by that
        box); NotFound, with nothing written, when a concurrent release got to any of them
        first (a box already gone, or its answer already stored). Afterwards nothing kept
        beside the rows (SQLite's WAL) still holds the deleted boxes."""

    @abstractmethod
    def add_answers(self, survey: Survey, answers: list[Answer]) -> int:
        """Store answers of ``survey`` without links (imports), skipping ids already stored, and
        add how many were new to its ``answers_imported``, in one atomic write, only if the
        survey is still stored as ``survey`` (as read when the answers were checked against its
        form and blocks); returns how many were new. NotFound, with nothing written, when it is
        not (changed, or deleted, since): answers never land in a survey that asks other blocks
        than they were checked against, and a change of blocks decided on a read made before
        them fails (:meth:`update_survey`), so a survey never holds answers to blocks it does
        not ask. On Firestore more than 499 answers are several such writes, each checked."""

    @abstractmethod
    def iter_answers(self, survey_id: str) -> Iterator[Answer]:
        """The survey's answers, in id order (random, so no insertion order), streamed in pages,
        all read as of one moment: each answer exactly once, even while a release runs."""

    @abstractmethod
    def count_answers(self, survey_id: str) -> int: ...

    @abstractmethod
    def purge_links(self, survey_id: str) -> int:
        """Delete the survey's links and redemptions (answers stay); returns links deleted.

        Afterwards no byte of them is left in the store's files (SQLite: secure_delete, VACUUM
        and a truncated WAL)."""

    # -- claimed work (shared/services/retry.py) ---------------------------
    @abstractmethod
    def claim(
        self, job: str, key: str, now: datetime, stale_before: datetime, *, redo: bool = False
    ) -> Claim | None:
        """Take unit ``key`` of ``job`` for the caller, atomically: the new claim (attempt 1, or
        the next attempt of a failed or stale one), or None when it may not be taken
        (:meth:`Claim.takeable`: done, unless ``redo``; or claimed at or after ``stale_before``
        by someone else). Of concurrent callers, exactly one wins."""

    @abstractmethod
    def finish_claim(
        self,
        claim: Claim,
        now: datetime,
        *,
        error: str | None = None,
        retry_at: datetime | None = None,
        note: str = "",
    ) -> Claim:
        """Record how the claimed work ended: done, or failed with ``error``, one more failure
        in a row and ``retry_at`` as its next try, if the unit is still held by ``claim``; read
        and written atomically (:meth:`Claim.finish_over`). A worker whose claim went stale and
        was taken over never frees the unit its successor holds: its failure is dropped, its
        "done" marks the unit done (the work was done), and the successor's own ending is then
        dropped. Returns the unit's record afterwards (written, or left as it was)."""

    @abstractmethod
    def get_claim(self, job: str, key: str) -> Claim | None: ...

    @abstractmethod
    def purge_claims(self, job: str, finished_before: datetime) -> int:
        """Delete the job's claims that finished (done or failed) before ``finished_before``,
        never one still claimed, even one taken again while this runs (it is checked and
        deleted atomically); returns how many went."""

    # -- the coordinators' console ---------------------------------------
    @abstractmethod
    def add_coordinator(self, coordinator: Coordinator) -> None:
        """AlreadyExists when the email is already on the list."""

    @abstractmethod
    def get_coordinator(self, email: str) -> Coordinator | None: ...

    @abstractmethod
    def list_coordinators(self) -> list[Coordinator]:
        """All coordinators and viewers, by email."""

    @abstractmethod
    def update_coordinator(
        self, before: Coordinator, after: Coordinator, *, keep_a_coordinator: bool = False
    ) -> bool:
        """Replace the stored coordinator by ``after`` (the same email: role, report opt-out,
        language) only if it is still ``before``, in one atomic write; False, with nothing
        written, when it changed since it was read (so a language change read before a role
        change never undoes it). NotFound when absent. With ``keep_a_coordinator``,
        :class:`LastCoordinator` (nothing written) when this change takes the coordinator role
        from the last stored record that has it: checked and written atomically, so two
        coordinators demoting each other at the same moment cannot both succeed."""

    @abstractmethod
    def remove_coordinator(self, email: str, *, keep_a_coordinator: bool = False) -> bool:
        """Delete the coordinator and every session of theirs, atomically; False when absent.
        With ``keep_a_coordinator``, :class:`LastCoordinator` (nothing written) when the record
        removed is, as stored at that moment, the last one with the coordinator role."""

    @abstractmethod
    def add_sign_in_token(self, token: SignInToken) -> None: ...

    @abstractmethod
    def use_sign_in_token(self, token_hash: str, now: datetime) -> SignInToken | None:
        """Spend a sign-in token: the token when it existed, had not expired at ``now`` and was
        not spent before (even by a concurrent call); else None. Spent or not, it is gone after."""

    @abstractmethod
    def add_session(self, session: ConsoleSession) -> None: ...

    @abstractmethod
    def get_session(self, session_hash: str) -> ConsoleSession | None: ...

    @abstractmethod
    def touch_session(self, session_hash: str, seen_at: datetime) -> None:
        """Record activity on a session (for its idle timeout); nothing when it is gone."""

    @abstractmethod
    def delete_session(self, session_hash: str) -> None:
        """End a session; nothing when it is already gone."""

    @abstractmethod
    def purge_sign_ins(self, now: datetime, seen_before: datetime, created_before: datetime) -> int:
        """Delete sign-in tokens expired at ``now`` (and any record that one was spent, once its
        expiry has passed) and sessions last seen before ``seen_before`` or created before
        ``created_before``; returns how many tokens and sessions went. None could be used again."""

    @abstractmethod
    def add_audit(self, entry: AuditEntry) -> None:
        """Append to the audit log (there is no method to change or delete an entry)."""

    @abstractmethod
    def iter_audit(self, since: datetime, until: datetime) -> Iterator[AuditEntry]:
        """Audit entries with since <= at < until, oldest first, streamed in pages."""

    @abstractmethod
    def alerts_since(self, since: datetime) -> list[Alert]:
        """Urgent alerts created at or after ``since``, oldest first, whatever their mail state."""

    @abstractmethod
    def acknowledge_alert(self, ack: AlertAck) -> None:
        """Record who acknowledged the alert; AlreadyExists when someone already did."""

    @abstractmethod
    def alert_acks_since(self, since: datetime) -> list[AlertAck]:
        """Acknowledgements made at or after ``since``."""

    # -- lifecycle ----------------------------------------------------------
    def close(self) -> None:
        """Release connections."""
