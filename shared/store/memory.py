"""In-memory adapter: the store port held in Python dicts, for the fast test tier.

It is an adapter of its own, not a mock: the same contract suite (``tests/contract``) runs on it,
on SQLite and on the Firestore emulator, so behaviour tests that cannot differ between stores run
once, here. What it keeps is what the other two keep: each record as its :func:`to_doc` dict (the
same shapes, datetimes in UTC), deep-copied on the way in and out so no caller can change stored
state through a record it passed or got back.

Every method runs under one lock, and every write goes through :meth:`MemoryStore._write`, a
small unit of work: changes are staged, reads inside it see them, and they are applied only if
the whole write finished without an exception. So "create if absent" (``tx.create``) detects
repeats, and a multi-record write (an interaction with its alert, a redemption with its answer,
links with the survey's count) lands whole or not at all, as a SQLite transaction or a Firestore
batch would. A new port method is a read under ``self._lock`` or one ``self._write`` block.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from shared import tally
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
    alias_key,
)
from shared.store.codec import audit_key, from_doc, stamp, to_doc
from shared.store.port import (
    RELEASE_MAX,
    AlreadyExists,
    FollowUpChange,
    LastCoordinator,
    NotFound,
    Store,
    same_record,
    takes_links,
)

T = TypeVar("T")
Doc = dict[str, Any]

# One dict per table, keyed like the other adapters' primary keys.
TABLES = (
    "supporters",  # id -> supporter
    "aliases",  # alias -> {"id": supporter id}: the alias is unique, as in SQLite and Firestore
    "interactions",  # id -> interaction
    "alerts",  # id -> alert
    "follow_ups",  # the planning interaction's id -> follow-up
    "surveys",  # id -> survey
    "links",  # hash -> link
    "redemptions",  # hash -> {"survey_id": ...}: never the answer's id
    "sealed_answers",  # id -> {"id", "survey_id", "box"}: answers waiting to be released
    "answers",  # id -> answer
    "claims",  # (job, key) -> claim: scheduled work taken, done or failed
    "coordinators",  # email -> coordinator
    "sign_in_tokens",  # hash -> token
    "console_sessions",  # hash -> session
    "audit",  # audit_key (time, then id) -> entry: append-only
    "alert_acks",  # alert id -> acknowledgement
)


class _Tx:
    """The staged changes of one write. Reads see committed rows overlaid with staged ones."""

    def __init__(self, tables: dict[str, dict[Any, Doc]]) -> None:
        self._tables = tables
        self._staged: dict[str, dict[Any, Doc | None]] = {}

    def get(self, table: str, key: Any) -> Doc | None:
        staged = self._staged.get(table, {})
        if key in staged:
            return staged[key]
        return self._tables[table].get(key)

    def rows(self, table: str) -> Iterator[tuple[Any, Doc]]:
        """Every row of the table as this write sees it."""
        staged = self._staged.get(table, {})
        for key, doc in self._tables[table].items():
            if key not in staged:
                yield key, doc
        for key, staged_doc in staged.items():
            if staged_doc is not None:  # None: deleted in this write
                yield key, staged_doc

    def create(self, table: str, key: Any, doc: Doc) -> None:
        """Add a row; AlreadyExists if the key is taken (the precondition SQLite's primary key
        and Firestore's ``create`` enforce)."""
        if self.get(table, key) is not None:
            raise AlreadyExists(f"{table} {key!r} already exists")
        self.put(table, key, doc)

    def put(self, table: str, key: Any, doc: Doc) -> None:
        self._staged.setdefault(table, {})[key] = copy.deepcopy(doc)

    def swap(self, table: str, key: Any, before: Any, after: Any) -> bool:
        """Stage ``after`` if the row is stored as the record ``before`` (compare and set);
        False, staging nothing, when it is not; NotFound when there is no row."""
        stored = self.get(table, key)
        if stored is None:
            raise NotFound(f"no {table} {key!r}")
        if from_doc(type(before), copy.deepcopy(stored)) != before:
            return False
        self.put(table, key, to_doc(after))
        return True

    def update(self, table: str, key: Any, doc: Doc) -> None:
        """Replace a row; NotFound if it is not there."""
        if self.get(table, key) is None:
            raise NotFound(f"no {table} {key!r}")
        self.put(table, key, doc)

    def delete(self, table: str, key: Any) -> None:
        self._staged.setdefault(table, {})[key] = None  # staged deletes are None

    def apply(self) -> None:
        for table, changes in self._staged.items():
            rows = self._tables[table]
            for key, doc in changes.items():
                if doc is None:
                    rows.pop(key, None)
                else:
                    rows[key] = doc


class MemoryStore(Store):
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._tables: dict[str, dict[Any, Doc]] = {name: {} for name in TABLES}

    # -- plumbing -------------------------------------------------------------
    def _write(self, work: Callable[[_Tx], T]) -> T:
        """Run ``work`` against staged changes and apply them only if it returns normally."""
        with self._lock:
            tx = _Tx(self._tables)
            result = work(tx)
            tx.apply()
            return result

    def _one(self, cls: type[T], table: str, key: Any) -> T | None:
        with self._lock:
            doc = self._tables[table].get(key)
            return from_doc(cls, copy.deepcopy(doc)) if doc is not None else None

    def _select(
        self, cls: type[T], table: str, where: Callable[[Doc], bool], order: Callable[[Doc], Any]
    ) -> list[T]:
        """The matching rows, sorted, as fresh records (a snapshot: later writes do not show)."""
        with self._lock:
            docs = sorted((d for d in self._tables[table].values() if where(d)), key=order)
            docs = copy.deepcopy(docs)
        return [from_doc(cls, d) for d in docs]

    # -- supporters -----------------------------------------------------------
    def add_supporter(self, supporter: Supporter) -> None:
        def work(tx: _Tx) -> None:
            tx.create("aliases", alias_key(supporter.alias), {"id": supporter.id})
            tx.create("supporters", supporter.id, to_doc(supporter))

        self._write(work)

    def get_supporter(self, supporter_id: str) -> Supporter | None:
        return self._one(Supporter, "supporters", supporter_id)

    def find_supporter(self, alias: str) -> Supporter | None:
        with self._lock:  # re-entrant: the alias and the supporter are read as one
            entry = self._tables["aliases"].get(alias_key(alias))
            return self.get_supporter(entry["id"]) if entry is not None else None

    def list_supporters(self) -> list[Supporter]:
        return self._select(Supporter, "supporters", lambda d: True, lambda d: d["alias"])

    def update_supporter(self, before: Supporter, after: Supporter) -> bool:
        same_record(before, after, "id", "alias")  # a new alias is rename_supporter's (its lock moves)
        return self._write(lambda tx: tx.swap("supporters", before.id, before, after))

    def rename_supporter(self, supporter_id: str, alias: str) -> None:
        self._write(
            lambda tx: self._replace_supporter(tx, supporter_id, lambda before: {**before, "alias": alias})
        )

    @staticmethod
    def _replace_supporter(tx: _Tx, supporter_id: str, change: Callable[[Doc], Doc]) -> None:
        before = tx.get("supporters", supporter_id)
        if before is None:
            raise NotFound(f"no supporter {supporter_id}")
        after = change(before)
        tx.put("supporters", supporter_id, after)
        if alias_key(before["alias"]) != alias_key(after["alias"]):  # a new alias must be free, as in SQLite
            tx.create("aliases", alias_key(after["alias"]), {"id": supporter_id})
            tx.delete("aliases", alias_key(before["alias"]))

    # -- interactions ---------------------------------------------------------
    def add_interaction(
        self,
        interaction: Interaction,
        alert: Alert | None = None,
        *,
        plans: FollowUp | None = None,
        ends: FollowUp | None = None,
    ) -> None:
        def work(tx: _Tx) -> None:
            tx.create("interactions", interaction.id, to_doc(interaction))
            if alert is not None:
                tx.create("alerts", alert.id, to_doc(alert))
            if ends is not None and not self._swap_follow_up(tx, ends.reopened(), ends):
                raise AlreadyExists(f"follow-up {ends.id} was ended before")  # nothing is applied
            if plans is not None:
                tx.create("follow_ups", plans.id, to_doc(plans))

        self._write(work)

    def add_interactions(self, interactions: list[Interaction]) -> int:
        return self._create_new("interactions", [(i.id, to_doc(i)) for i in interactions])

    def _create_new(self, table: str, rows: list[tuple[str, Doc]]) -> int:
        """Create the rows whose keys are free, skipping the others; returns how many were new."""

        def work(tx: _Tx) -> int:
            added = 0
            for key, doc in rows:
                if tx.get(table, key) is None:
                    tx.put(table, key, doc)
                    added += 1
            return added

        return self._write(work)

    def get_interaction(self, interaction_id: str) -> Interaction | None:
        return self._one(Interaction, "interactions", interaction_id)

    def get_interactions(self, interaction_ids: Iterable[str]) -> dict[str, Interaction]:
        found = (self.get_interaction(i) for i in set(interaction_ids))
        return {i.id: i for i in found if i is not None}

    def _period(self, start: date, end: date) -> list[Interaction]:
        low, high = start.isoformat(), end.isoformat()
        return self._select(
            Interaction,
            "interactions",
            lambda d: low <= d["occurred_on"] <= high,
            lambda d: (d["occurred_on"], d["id"]),
        )

    def iter_interactions(self, start: date, end: date) -> Iterator[Interaction]:
        yield from self._period(start, end)

    def interaction_tallies(self, start: date, end: date) -> Iterator[tuple[str, str, dict[str, Any], int]]:
        # Counted on reading, as SQLite does: a dict scan is cheap, only Firestore keeps a tally.
        yield from tally.recount(self.iter_interaction_answers(start, end))

    def iter_interaction_answers(self, start: date, end: date) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for item in self._period(start, end):
            yield item.occurred_on.isoformat(), item.supporter_id, item.answers

    def interaction_tallies_built(self) -> bool:
        return True  # counted on reading: there is no tally to build

    def rebuild_interaction_tallies(self) -> int:
        with self._lock:
            return len(self._tables["interactions"])

    def supporter_activity(self, supporter_id: str, since: date) -> tuple[int, Interaction | None]:
        mine = self._select(
            Interaction,
            "interactions",
            lambda d: d["supporter_id"] == supporter_id,
            lambda d: d["created_at"],
        )
        return sum(1 for i in mine if i.occurred_on >= since), (mine[-1] if mine else None)

    def last_interaction_date(self, supporter_id: str) -> date | None:
        with self._lock:
            days = [
                d["occurred_on"]
                for d in self._tables["interactions"].values()
                if d["supporter_id"] == supporter_id
            ]
        return date.fromisoformat(max(days)) if days else None

    def latest_interactions(self, supporter_id: str, limit: int) -> list[Interaction]:
        mine = self._select(
            Interaction,
            "interactions",
            lambda d: d["supporter_id"] == supporter_id,
            lambda d: (d["created_at"], d["id"]),
        )
        return mine[::-1][:limit]

    def change_interaction(
        self,
        before: Interaction,
        after: Interaction | None,
        alert: Alert | None = None,
        *,
        follow_ups: Sequence[FollowUpChange] = (),
    ) -> None:
        # The tally is counted on reading here, as on SQLite.
        def work(tx: _Tx) -> None:
            stored = tx.get("interactions", before.id)
            if stored is None or from_doc(Interaction, stored) != before:
                raise NotFound(f"interaction {before.id} is not stored as it was read")
            if after is None:
                tx.delete("interactions", before.id)
            else:
                tx.put("interactions", before.id, to_doc(after))
            if alert is not None:
                tx.create("alerts", alert.id, to_doc(alert))
            for was, becomes in follow_ups:
                if not self._swap_follow_up(tx, was, becomes):
                    raise NotFound("a follow-up changed while it was being corrected")  # nothing applied

        self._write(work)

    # -- follow-ups -----------------------------------------------------------
    @staticmethod
    def _swap_follow_up(tx: _Tx, before: FollowUp | None, after: FollowUp | None) -> bool:
        """Stage ``after`` (None: a deletion) if the stored follow-up is ``before`` (None: absent)."""
        key = (before or after).id  # type: ignore[union-attr]  # one of them is given
        stored = tx.get("follow_ups", key)
        if (from_doc(FollowUp, stored) if stored is not None else None) != before:
            return False
        if after is None:
            tx.delete("follow_ups", key)
        else:
            tx.put("follow_ups", key, to_doc(after))
        return True

    def get_follow_up(self, follow_up_id: str) -> FollowUp | None:
        return self._one(FollowUp, "follow_ups", follow_up_id)

    def follow_ups(
        self,
        supporter_id: str | None = None,
        *,
        open_only: bool = False,
        due_from: date | None = None,
        due_to: date | None = None,
    ) -> list[FollowUp]:
        low = due_from.isoformat() if due_from is not None else ""
        high = due_to.isoformat() if due_to is not None else "~"  # "~" sorts after every date

        def wanted(d: Doc) -> bool:
            return (
                (supporter_id is None or d["supporter_id"] == supporter_id)
                and (not open_only or d["state"] == "open")
                and low <= d["due"] <= high
            )

        return self._select(FollowUp, "follow_ups", wanted, lambda d: (d["due"], d["id"]))

    def change_follow_up(self, before: FollowUp, after: FollowUp | None) -> bool:
        return self._write(lambda tx: self._swap_follow_up(tx, before, after))

    def follow_up_done_by(self, interaction_id: str) -> FollowUp | None:
        found = self._select(
            FollowUp, "follow_ups", lambda d: d.get("done_by") == interaction_id, lambda d: d["id"]
        )
        return found[0] if found else None

    # -- alerts ---------------------------------------------------------------
    def pending_alerts(self) -> list[Alert]:
        return self._select(Alert, "alerts", lambda d: d["state"] != "sent", lambda d: d["id"])

    def mark_alerts_sent(self, alert_ids: list[str]) -> None:
        def work(tx: _Tx) -> None:
            for alert_id in alert_ids:
                doc = tx.get("alerts", alert_id)
                tx.update("alerts", alert_id, {**(doc or {}), "state": "sent"})

        self._write(work)

    # -- surveys --------------------------------------------------------------
    def add_survey(self, survey: Survey) -> None:
        self._write(lambda tx: tx.create("surveys", survey.id, to_doc(survey)))

    def get_survey(self, survey_id: str) -> Survey | None:
        return self._one(Survey, "surveys", survey_id)

    def list_surveys(self) -> list[Survey]:
        return self._select(Survey, "surveys", lambda d: True, lambda d: d["id"])

    def update_survey(self, before: Survey, after: Survey) -> bool:
        same_record(before, after, "id")
        return self._write(lambda tx: tx.swap("surveys", before.id, before, after))

    def delete_survey(self, survey_id: str) -> bool:
        def work(tx: _Tx) -> bool:
            if tx.get("surveys", survey_id) is None:
                raise NotFound(f"no survey {survey_id}")
            if any(
                d["survey_id"] == survey_id
                for table in ("answers", "sealed_answers")
                for _, d in tx.rows(table)
            ):
                return False
            for table in ("links", "redemptions"):
                for key in [key for key, d in tx.rows(table) if d["survey_id"] == survey_id]:
                    tx.delete(table, key)
            tx.delete("surveys", survey_id)
            return True

        return self._write(work)

    def add_links(self, survey_id: str, links: list[Link]) -> bool:
        def work(tx: _Tx) -> bool:
            survey = tx.get("surveys", survey_id)
            if survey is None:
                raise NotFound(f"no survey {survey_id}")
            if not takes_links(from_doc(Survey, copy.deepcopy(survey))):
                return False
            for link in links:
                tx.create("links", link.hash, to_doc(link))
            tx.put(
                "surveys", survey_id, {**survey, "links_issued": survey.get("links_issued", 0) + len(links)}
            )
            return True

        return self._write(work)

    def get_link(self, link_hash: str) -> Link | None:
        return self._one(Link, "links", link_hash)

    def is_redeemed(self, link_hash: str) -> bool:
        with self._lock:
            return link_hash in self._tables["redemptions"]

    def invitations(self, survey_id: str) -> list[Link]:
        return self._select(
            Link,
            "links",
            lambda d: d["survey_id"] == survey_id and d["email_key"] is not None,
            lambda d: d["hash"],
        )

    def mark_reminded(self, link_hashes: Iterable[str], day: date) -> int:
        def work(tx: _Tx) -> int:
            marked = 0
            for link_hash in link_hashes:
                doc = tx.get("links", link_hash)
                if doc is not None:
                    tx.put("links", link_hash, {**doc, "reminded_on": day.isoformat()})
                    marked += 1
            return marked

        return self._write(work)

    def redeem(self, link_hash: str, sealed: SealedAnswer) -> None:
        def work(tx: _Tx) -> None:
            tx.create("redemptions", link_hash, {"survey_id": sealed.survey_id})
            tx.create(
                "sealed_answers",
                sealed.id,
                {"id": sealed.id, "survey_id": sealed.survey_id, "box": sealed.box},
            )

        self._write(work)

    def sealed_answers(self, survey_id: str) -> list[SealedAnswer]:
        with self._lock:
            rows = [d for d in self._tables["sealed_answers"].values() if d["survey_id"] == survey_id]
        return [SealedAnswer(d["id"], d["survey_id"], d["box"]) for d in sorted(rows, key=lambda d: d["id"])]

    def count_sealed(self, survey_id: str) -> int:
        with self._lock:
            return sum(1 for d in self._tables["sealed_answers"].values() if d["survey_id"] == survey_id)

    def release_answers(self, sealed_ids: list[str], answers: list[Answer]) -> None:
        if len(sealed_ids) > RELEASE_MAX or len(answers) > RELEASE_MAX:
            raise ValueError(f"at most {RELEASE_MAX} answers per release")

        def work(tx: _Tx) -> None:
            for sealed_id in sealed_ids:
                if tx.get("sealed_answers", sealed_id) is None:
                    raise NotFound(f"sealed answer {sealed_id} was already released")
                tx.delete("sealed_answers", sealed_id)
            for answer in answers:
                if tx.get("answers", answer.id) is not None:
                    raise NotFound(f"answer {answer.id} was already released")
                tx.put("answers", answer.id, to_doc(answer))

        self._write(work)
        self._forget_order()

    def add_answers(self, survey: Survey, answers: list[Answer]) -> int:
        _of_survey(survey, answers)

        def work(tx: _Tx) -> int:
            stored = tx.get("surveys", survey.id)
            if stored is None or from_doc(Survey, copy.deepcopy(stored)) != survey:
                raise NotFound(f"survey {survey.id} is not stored as it was read")
            added = 0
            for answer in answers:
                if tx.get("answers", answer.id) is None:
                    tx.put("answers", answer.id, to_doc(answer))
                    added += 1
            if added:
                tx.put("surveys", survey.id, {**stored, "answers_imported": survey.answers_imported + added})
            return added

        return self._write(work)

    def iter_answers(self, survey_id: str) -> Iterator[Answer]:
        yield from self._select(Answer, "answers", lambda d: d["survey_id"] == survey_id, lambda d: d["id"])

    def count_answers(self, survey_id: str) -> int:
        with self._lock:
            return sum(1 for d in self._tables["answers"].values() if d["survey_id"] == survey_id)

    def purge_links(self, survey_id: str) -> int:
        def work(tx: _Tx) -> int:
            doomed = [key for key, d in tx.rows("links") if d["survey_id"] == survey_id]
            for key in doomed:
                tx.delete("links", key)
            for key in [key for key, d in tx.rows("redemptions") if d["survey_id"] == survey_id]:
                tx.delete("redemptions", key)
            return len(doomed)

        count = self._write(work)
        self._forget_order()
        return count

    def _forget_order(self) -> None:
        # A dict remembers insertion order, which is arrival order: the one trace this store
        # keeps of when each answer came. Rebuilding the table in key order (keyed ids)
        # forgets it, as SQLite's VACUUM and WAL truncation do.
        with self._lock:
            answers = self._tables["answers"]
            self._tables["answers"] = {key: answers[key] for key in sorted(answers)}

    # -- claimed work ---------------------------------------------------------
    def claim(
        self, job: str, key: str, now: datetime, stale_before: datetime, *, redo: bool = False
    ) -> Claim | None:
        def work(tx: _Tx) -> Claim | None:
            doc = tx.get("claims", (job, key))
            if doc is None:
                mine = Claim(job, key, now)
            else:
                held = from_doc(Claim, copy.deepcopy(doc))
                if not held.takeable(stale_before, redo):
                    return None
                mine = held.taken(now)
            tx.put("claims", (job, key), to_doc(mine))
            return mine

        return self._write(work)

    def finish_claim(
        self,
        claim: Claim,
        now: datetime,
        *,
        error: str | None = None,
        retry_at: datetime | None = None,
        note: str = "",
    ) -> Claim:
        def work(tx: _Tx) -> Claim:
            doc = tx.get("claims", (claim.job, claim.key))
            stored = from_doc(Claim, copy.deepcopy(doc)) if doc is not None else None
            finished = claim.finish_over(stored, now, error, retry_at, note)
            if finished is None:
                return stored  # type: ignore[return-value]  # None only when there was one
            tx.put("claims", (claim.job, claim.key), to_doc(finished))
            return finished

        return self._write(work)

    def get_claim(self, job: str, key: str) -> Claim | None:
        return self._one(Claim, "claims", (job, key))

    def purge_claims(self, job: str, finished_before: datetime) -> int:
        def gone(doc: Doc) -> bool:
            finished_at = from_doc(Claim, doc).finished_at
            return finished_at is not None and finished_at < finished_before

        def work(tx: _Tx) -> int:
            doomed = [k for k, doc in tx.rows("claims") if k[0] == job and gone(doc)]
            for k in doomed:
                tx.delete("claims", k)
            return len(doomed)

        return self._write(work)

    # -- the coordinators' console --------------------------------------------
    def add_coordinator(self, coordinator: Coordinator) -> None:
        self._write(lambda tx: tx.create("coordinators", coordinator.email, to_doc(coordinator)))

    def get_coordinator(self, email: str) -> Coordinator | None:
        return self._one(Coordinator, "coordinators", email)

    def list_coordinators(self) -> list[Coordinator]:
        return self._select(Coordinator, "coordinators", lambda d: True, lambda d: d["email"])

    def update_coordinator(
        self, before: Coordinator, after: Coordinator, *, keep_a_coordinator: bool = False
    ) -> bool:
        same_record(before, after, "email")

        def work(tx: _Tx) -> bool:
            if not tx.swap("coordinators", before.email, before, after):
                return False
            if keep_a_coordinator and before.role == "coordinator":  # as stored: swap compared it
                _keep_a_coordinator(tx)
            return True

        return self._write(work)

    def remove_coordinator(self, email: str, *, keep_a_coordinator: bool = False) -> bool:
        def work(tx: _Tx) -> bool:
            for key in [key for key, d in tx.rows("console_sessions") if d["email"] == email]:
                tx.delete("console_sessions", key)
            stored = tx.get("coordinators", email)
            if stored is None:
                return False
            tx.delete("coordinators", email)
            if keep_a_coordinator and stored.get("role") == "coordinator":
                _keep_a_coordinator(tx)
            return True

        return self._write(work)

    def add_sign_in_token(self, token: SignInToken) -> None:
        self._write(lambda tx: tx.create("sign_in_tokens", token.hash, to_doc(token)))

    def use_sign_in_token(self, token_hash: str, now: datetime) -> SignInToken | None:
        def work(tx: _Tx) -> SignInToken | None:
            doc = tx.get("sign_in_tokens", token_hash)
            if doc is None:
                return None
            tx.delete("sign_in_tokens", token_hash)  # spent, expired or not
            token = from_doc(SignInToken, copy.deepcopy(doc))
            return token if token.expires_at > now else None

        return self._write(work)

    def add_session(self, session: ConsoleSession) -> None:
        self._write(lambda tx: tx.create("console_sessions", session.hash, to_doc(session)))

    def get_session(self, session_hash: str) -> ConsoleSession | None:
        return self._one(ConsoleSession, "console_sessions", session_hash)

    def touch_session(self, session_hash: str, seen_at: datetime) -> None:
        seen = to_doc(ConsoleSession("", "", seen_at, seen_at))["seen_at"]

        def work(tx: _Tx) -> None:
            doc = tx.get("console_sessions", session_hash)
            if doc is not None:  # signed out or removed meanwhile: nothing to touch
                tx.put("console_sessions", session_hash, {**doc, "seen_at": seen})

        self._write(work)

    def delete_session(self, session_hash: str) -> None:
        self._write(lambda tx: tx.delete("console_sessions", session_hash))

    def purge_sign_ins(self, now: datetime, seen_before: datetime, created_before: datetime) -> int:
        def dead(table: str, doc: Doc) -> bool:
            if table == "sign_in_tokens":
                return from_doc(SignInToken, copy.deepcopy(doc)).expires_at <= now
            session = from_doc(ConsoleSession, copy.deepcopy(doc))
            return session.seen_at < seen_before or session.created_at < created_before

        def work(tx: _Tx) -> int:
            doomed = [
                (table, key)
                for table in ("sign_in_tokens", "console_sessions")
                for key, doc in tx.rows(table)
                if dead(table, doc)
            ]
            for table, key in doomed:
                tx.delete(table, key)
            return len(doomed)

        return self._write(work)

    def add_audit(self, entry: AuditEntry) -> None:
        self._write(lambda tx: tx.create("audit", audit_key(entry), to_doc(entry)))

    def iter_audit(self, since: datetime, until: datetime) -> Iterator[AuditEntry]:
        low, high = stamp(since), stamp(until)
        with self._lock:
            keys = sorted(key for key in self._tables["audit"] if low <= key < high)
            docs = copy.deepcopy([self._tables["audit"][key] for key in keys])
        for doc in docs:
            yield from_doc(AuditEntry, doc)

    def alerts_since(self, since: datetime) -> list[Alert]:
        with self._lock:
            docs = copy.deepcopy(list(self._tables["alerts"].values()))
        found = (from_doc(Alert, d) for d in docs)
        return sorted((a for a in found if a.created_at >= since), key=lambda a: (a.created_at, a.id))

    def acknowledge_alert(self, ack: AlertAck) -> None:
        self._write(lambda tx: tx.create("alert_acks", ack.alert_id, to_doc(ack)))

    def alert_acks_since(self, since: datetime) -> list[AlertAck]:
        with self._lock:
            docs = copy.deepcopy(list(self._tables["alert_acks"].values()))
        found = (from_doc(AlertAck, d) for d in docs)
        return sorted((a for a in found if a.at >= since), key=lambda a: (a.at, a.alert_id))


def _of_survey(survey: Survey, answers: list[Answer]) -> None:
    if any(answer.survey_id != survey.id for answer in answers):
        raise ValueError(f"add_answers takes answers of survey {survey.id} only")


def _keep_a_coordinator(tx: _Tx) -> None:
    """Raise (so the staged write is dropped) when no stored record has the coordinator role."""
    if not any(doc.get("role") == "coordinator" for _, doc in tx.rows("coordinators")):
        raise LastCoordinator("no coordinator would be left")
