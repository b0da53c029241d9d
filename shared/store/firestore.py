"""Firestore adapter (``google-cloud-firestore``), for programs that run on Google Cloud.

Atomicity comes from write batches, never from transactions: a batch commits all or nothing,
and ``batch.create`` carries an "exists: false" precondition, so "create if absent" is decided
by the server. Paging uses an ordered field plus ``limit`` (no offsets or cursors), and every
composite query is listed in ``infra/main.tf`` (a test checks this against the queries issued).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from google.api_core import exceptions as gexc
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared import tally
from shared.errors import Invalid
from shared.ids import is_document_id
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
from shared.store import legacy
from shared.store.codec import audit_key, from_doc, stamp, to_doc
from shared.store.port import (
    RELEASE_MAX,
    AlreadyExists,
    FollowUpChange,
    LastCoordinator,
    NotFound,
    Store,
    Unavailable,
    same_record,
    takes_links,
)

PAGE = 500  # also Firestore's limit of writes per batch
TALLY_MARKER = ("maintenance", "interaction_tallies")  # present once the tally was rebuilt
REBUILD_ATTEMPTS = 20  # tries at one day's rewrite while logging keeps changing it
GUARDED_TRIES = 20  # tries at a read-then-guarded write while concurrent writes keep failing it
T = TypeVar("T")

# A guarded write refused because its document changed since it was read: an update-time
# precondition failed (FAILED_PRECONDITION), or a create met a document created meanwhile.
_STALE = (gexc.FailedPrecondition, AlreadyExists, NotFound)

_UNAVAILABLE = (
    gexc.ServiceUnavailable,
    gexc.DeadlineExceeded,
    gexc.RetryError,
    gexc.InternalServerError,
    gexc.Unknown,
    gexc.Unauthenticated,
    gexc.PermissionDenied,
)


@dataclass(frozen=True)
class QueryShape:
    """What a query filters and orders on: enough to know which index it needs."""

    collection: str
    filters: tuple[tuple[str, str], ...]
    orders: tuple[tuple[str, str], ...]


def _call(action: Callable[[], T]) -> T:
    """Run one request, turning the client's errors into the port's exceptions.

    ``InvalidArgument`` means Firestore refused what it was sent (an id matching ``__.*__``, a
    value over its limits): bad input that got past the services' checks (``shared/ids.py``),
    so it becomes :class:`Invalid`, a 4xx at the edge, never a 500.
    """
    try:
        return action()
    except gexc.InvalidArgument as exc:
        raise Invalid(
            "Firestore refused this request as invalid (an id or value outside its limits).",
            code="refused_by_store",
        ) from exc
    except (gexc.AlreadyExists, gexc.Conflict) as exc:
        raise AlreadyExists(str(exc.message)) from exc
    except gexc.NotFound as exc:
        raise NotFound(str(exc.message)) from exc
    except _UNAVAILABLE as exc:
        raise Unavailable(f"Firestore did not answer: {exc.message}") from exc


class FirestoreStore(Store):
    def __init__(self, project: str, database: str = "(default)", client: Any = None) -> None:
        self.client = client or firestore.Client(project=project, database=database)
        self.queries: list[QueryShape] | None = None  # set to [] to record every query's shape
        self.ops = {"reads": 0, "writes": 0, "requests": 0}  # what each operation costs

    # -- plumbing -------------------------------------------------------------
    def _col(self, name: str) -> Any:
        return self.client.collection(name)

    def _snapshot(self, collection: str, doc_id: str) -> Any | None:
        """The document's snapshot (data, reference, update time), or None when it is absent."""
        if not is_document_id(doc_id):
            return None  # no document can have this id; the client would refuse to build its path
        snap = _call(lambda: self._col(collection).document(doc_id).get())
        self.ops["requests"] += 1
        self.ops["reads"] += 1
        return snap if snap.exists else None

    def _get(self, collection: str, doc_id: str) -> dict[str, Any] | None:
        snap = self._snapshot(collection, doc_id)
        return snap.to_dict() if snap is not None else None

    def _query(
        self,
        collection: str,
        filters: Iterable[tuple[str, str, Any]] = (),
        orders: Iterable[tuple[str, str]] = (),
        limit: int | None = None,
        read_time: datetime | None = None,
    ) -> list[dict[str, Any]]:
        return [snap.to_dict() for snap in self._snapshots(collection, filters, orders, limit, read_time)]

    def _snapshots(
        self,
        collection: str,
        filters: Iterable[tuple[str, str, Any]] = (),
        orders: Iterable[tuple[str, str]] = (),
        limit: int | None = None,
        read_time: datetime | None = None,
    ) -> list[Any]:
        filters, orders = tuple(filters), tuple(orders)
        if self.queries is not None:
            self.queries.append(QueryShape(collection, tuple((f, op) for f, op, _ in filters), orders))
        query: Any = self._col(collection)
        for field, op, value in filters:
            query = query.where(filter=FieldFilter(field, op, value))
        for field, direction in orders:
            query = query.order_by(field, direction=direction)
        if limit is not None:
            query = query.limit(limit)
        snaps = _call(lambda: list(query.stream(read_time=read_time)))
        self.ops["requests"] += 1
        self.ops["reads"] += max(1, len(snaps))  # an empty query is billed as one read
        return snaps

    def _commit(self, build: Callable[[Any], Any]) -> None:
        """Fill one batch with ``build`` and commit it: all of it is written, or none."""
        batch = self.client.batch()
        build(batch)
        if len(batch):
            _call(batch.commit)
            self.ops["requests"] += 1
            self.ops["writes"] += len(batch)

    def _pages(
        self,
        collection: str,
        equal: list[tuple[str, str, Any]],
        key: str,
        low: str,
        high: str | None = None,
        snapshot: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Stream documents ordered by ``key`` with low < key <= high, a page at a time.

        With ``snapshot``, every page is read as of the first page's read time, so writes
        committed meanwhile (a release) show in no page: each document is seen exactly once.
        """
        for snap in self._snapshot_pages(collection, equal, key, low, high, snapshot):
            yield snap.to_dict()

    def _snapshot_pages(
        self,
        collection: str,
        equal: list[tuple[str, str, Any]],
        key: str,
        low: str,
        high: str | None = None,
        snapshot: bool = False,
    ) -> Iterator[Any]:
        """:meth:`_pages` as the client's snapshots, which also carry each document's update time."""
        last, read_time = low, None
        while True:
            filters = [*equal, (key, ">", last)] + ([(key, "<=", high)] if high is not None else [])
            snaps = self._snapshots(collection, filters, [(key, "ASCENDING")], PAGE, read_time)
            if snapshot and read_time is None and snaps:
                read_time = snaps[0].read_time
            yield from snaps
            if len(snaps) < PAGE:
                return
            last = snaps[-1].get(key)

    # -- supporters -----------------------------------------------------------
    def add_supporter(self, supporter: Supporter) -> None:
        def build(batch: Any) -> None:
            # The alias document, named by alias_key, is the uniqueness lock (case-blind).
            batch.create(
                self._col("supporter_aliases").document(alias_key(supporter.alias)), {"id": supporter.id}
            )
            batch.create(self._col("supporters").document(supporter.id), to_doc(supporter))

        self._commit(build)

    def get_supporter(self, supporter_id: str) -> Supporter | None:
        doc = self._get("supporters", supporter_id)
        return from_doc(Supporter, doc) if doc else None

    def find_supporter(self, alias: str) -> Supporter | None:
        lock = self._get("supporter_aliases", alias_key(alias))
        if lock is not None:
            return self.get_supporter(lock["id"])
        docs = self._query("supporters", [("alias", "==", alias)], limit=1)  # locked before keys
        return from_doc(Supporter, docs[0]) if docs else None

    def list_supporters(self) -> list[Supporter]:
        return [from_doc(Supporter, d) for d in self._query("supporters", orders=[("alias", "ASCENDING")])]

    def update_supporter(self, before: Supporter, after: Supporter) -> bool:
        same_record(before, after, "id", "alias")  # a new alias is rename_supporter's (its lock moves)
        return self._swap_doc("supporters", before.id, before, after)

    def rename_supporter(self, supporter_id: str, alias: str) -> None:
        # The locks to move are those of the alias read: the supporter's update carries the read's
        # update time, so a rename that landed meanwhile fails this one, which reads again.
        for _ in range(GUARDED_TRIES):
            snap = self._snapshot("supporters", supporter_id)
            if snap is None:
                raise NotFound(f"no supporter {supporter_id}")
            doc = snap.to_dict()
            if doc["alias"] == alias:
                return
            same_key = alias_key(doc["alias"]) == alias_key(alias)
            unchanged = self.client.write_option(last_update_time=snap.update_time)

            def build(
                batch: Any, old: str = doc["alias"], same_key: bool = same_key, unchanged: Any = unchanged
            ) -> None:
                # The alias document is the uniqueness lock: creating the new one fails if it is taken.
                if not same_key:
                    batch.create(
                        self._col("supporter_aliases").document(alias_key(alias)), {"id": supporter_id}
                    )
                    batch.delete(self._col("supporter_aliases").document(alias_key(old)))
                    if old != alias_key(old):  # a lock written before locks were keys
                        batch.delete(self._col("supporter_aliases").document(old))
                batch.update(
                    self._col("supporters").document(supporter_id), {"alias": alias}, option=unchanged
                )

            try:
                self._commit(build)
            except gexc.FailedPrecondition:  # renamed (or changed) meanwhile: read it again
                continue
            return
        raise Unavailable(f"supporter {supporter_id} kept changing while it was being renamed")

    # -- interactions -----------------------------------------------------------
    @staticmethod
    def _interaction_doc(item: Interaction) -> dict[str, Any]:
        doc = to_doc(item)
        doc["sort_key"] = f"{doc['occurred_on']}|{item.id}"  # one ordered field for paging
        return doc

    def _tally(
        self, batch: Any, interactions: list[Interaction], uncount: Iterable[Interaction] = ()
    ) -> None:
        """Add ``interactions`` to their days' tally documents and take ``uncount`` (a changed or
        deleted entry's old version) off them, in ``batch`` (one write per day changed).

        Each combination is two top-level fields, its key and a server-side ``Increment`` of its
        count, so concurrent writers never lose a count and no dotted field path is needed.
        """
        days: dict[str, dict[str, Any]] = {}
        for item, delta in [(i, 1) for i in interactions] + [(i, -1) for i in uncount]:
            day = item.occurred_on.isoformat()
            combination = tally.key(item.supporter_id, item.answers)
            name = tally.field_id(combination)
            fields = days.setdefault(day, {"day": day})
            fields[f"k_{name}"] = combination
            fields[f"n_{name}"] = fields.get(f"n_{name}", 0) + delta
        for day, fields in days.items():
            if not any(v for f, v in fields.items() if f.startswith("n_")):
                continue  # an edit that changes nothing the tally counts
            counted = {f: firestore.Increment(v) if f.startswith("n_") else v for f, v in fields.items()}
            batch.set(self._col("interaction_tallies").document(day), counted, merge=True)

    def add_interaction(
        self,
        interaction: Interaction,
        alert: Alert | None = None,
        *,
        plans: FollowUp | None = None,
        ends: FollowUp | None = None,
    ) -> None:
        # The follow-up it ends, read for its update time: the write carries it as a precondition,
        # so of two writes that end (or correct) one follow-up, exactly one commits.
        checked = self._checked([(ends.reopened(), ends)]) if ends is not None else []
        if checked is None:
            raise AlreadyExists(f"follow-up {ends.id if ends else ''} was ended before")

        def build(batch: Any) -> None:
            for change in checked:
                # First: a batch is all or nothing, and the emulator (unlike Firestore) stops at
                # the first failed precondition without undoing the writes before it.
                self._swap(batch, *change)
            batch.create(
                self._col("interactions").document(interaction.id), self._interaction_doc(interaction)
            )
            if alert is not None:
                batch.create(self._col("alerts").document(alert.id), to_doc(alert))
            self._tally(batch, [interaction])  # same batch: counted if and only if stored
            if plans is not None:
                batch.create(self._col("follow_ups").document(plans.id), to_doc(plans))

        try:
            self._commit(build)
        except gexc.FailedPrecondition as exc:
            raise AlreadyExists(f"follow-up {ends.id if ends else ''} changed meanwhile") from exc

    # -- follow-ups ---------------------------------------------------------------
    def _checked(
        self, changes: Iterable[FollowUpChange]
    ) -> list[tuple[FollowUp | None, FollowUp | None, Any]] | None:
        """Each change with its follow-up's snapshot (for the update-time precondition), or None
        when a follow-up is not stored as its change's ``before`` (then nothing is written)."""
        out = []
        for before, after in changes:
            key = (before or after).id  # type: ignore[union-attr]  # one of them is given
            snap = None
            if is_document_id(key):
                snap = _call(self._col("follow_ups").document(key).get)
                self.ops["requests"] += 1
                self.ops["reads"] += 1
            stored = from_doc(FollowUp, snap.to_dict()) if snap is not None and snap.exists else None
            if stored != before or snap is None:
                return None
            out.append((before, after, snap))
        return out

    def _swap(self, batch: Any, before: FollowUp | None, after: FollowUp | None, snap: Any) -> None:
        """Stage one checked change: a create (exists: false) when there was none, else an update
        or a delete that holds only if the document was not written since ``snap`` was read."""
        ref = self._col("follow_ups").document(snap.id)
        if before is None:
            batch.create(ref, to_doc(after))
            return
        unchanged = self.client.write_option(last_update_time=snap.update_time)
        if after is None:
            batch.delete(ref, option=unchanged)
        else:
            batch.update(ref, to_doc(after), option=unchanged)

    def get_follow_up(self, follow_up_id: str) -> FollowUp | None:
        doc = self._get("follow_ups", follow_up_id)
        return from_doc(FollowUp, doc) if doc else None

    def follow_ups(
        self,
        supporter_id: str | None = None,
        *,
        open_only: bool = False,
        due_from: date | None = None,
        due_to: date | None = None,
    ) -> list[FollowUp]:
        # Equality filters need no composite index; with a range on the due date they do
        # (infra/main.tf declares supporter_id + due and supporter_id + state + due). The few
        # found are sorted here, so no order-by adds to the index.
        filters: list[tuple[str, str, Any]] = []
        if supporter_id is not None:
            filters.append(("supporter_id", "==", supporter_id))
        if open_only:
            filters.append(("state", "==", "open"))
        if due_from is not None:
            filters.append(("due", ">=", due_from.isoformat()))
        if due_to is not None:
            filters.append(("due", "<=", due_to.isoformat()))
        found = [from_doc(FollowUp, doc) for doc in self._query("follow_ups", filters)]
        return sorted(found, key=lambda f: (f.due, f.id))

    def follow_up_done_by(self, interaction_id: str) -> FollowUp | None:
        # One equality filter: Firestore's automatic single-field index serves it.
        found = [
            from_doc(FollowUp, doc) for doc in self._query("follow_ups", [("done_by", "==", interaction_id)])
        ]
        return min(found, key=lambda f: f.id) if found else None

    def change_follow_up(self, before: FollowUp, after: FollowUp | None) -> bool:
        checked = self._checked([(before, after)])
        if checked is None:
            return False
        try:
            self._commit(lambda batch: self._swap(batch, *checked[0]))
        except _STALE:
            return False
        return True

    def add_interactions(self, interactions: list[Interaction]) -> int:
        """Create a batch at a time, each with its tally updates; a batch that meets an id already
        stored fails whole (creates carry preconditions) and is retried one interaction at a time."""

        def build(batch: Any, chunk: list[Interaction]) -> None:
            for item in chunk:
                batch.create(self._col("interactions").document(item.id), self._interaction_doc(item))
            self._tally(batch, chunk)

        added = 0
        for start in range(0, len(interactions), PAGE // 2):  # creates plus at most as many days
            chunk = interactions[start : start + PAGE // 2]
            try:
                self._commit(partial(build, chunk=chunk))
                added += len(chunk)
            except AlreadyExists:
                for item in chunk:
                    try:
                        self._commit(partial(build, chunk=[item]))
                        added += 1
                    except AlreadyExists:
                        pass
        return added

    def get_interaction(self, interaction_id: str) -> Interaction | None:
        doc = self._get("interactions", interaction_id)
        return from_doc(Interaction, doc) if doc else None

    def get_interactions(self, interaction_ids: Iterable[str]) -> dict[str, Interaction]:
        refs = [
            self._col("interactions").document(i) for i in sorted(set(interaction_ids)) if is_document_id(i)
        ]
        if not refs:
            return {}
        snaps = _call(lambda: list(self.client.get_all(refs)))
        self.ops["requests"] += 1
        self.ops["reads"] += len(refs)
        found = (from_doc(Interaction, snap.to_dict()) for snap in snaps if snap.exists)
        return {i.id: i for i in found}

    def iter_interactions(self, start: date, end: date) -> Iterator[Interaction]:
        # "|" sorts below every id character and "~" above, so these bound whole days.
        for doc in self._pages(
            "interactions", [], "sort_key", f"{start.isoformat()}|", f"{end.isoformat()}|~"
        ):
            yield from_doc(Interaction, doc)

    def iter_interaction_answers(self, start: date, end: date) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for doc in self._pages(
            "interactions", [], "sort_key", f"{start.isoformat()}|", f"{end.isoformat()}|~"
        ):
            yield doc["occurred_on"], doc["supporter_id"], doc["answers"]

    def interaction_tallies(self, start: date, end: date) -> Iterator[tuple[str, str, dict[str, Any], int]]:
        low = (start - timedelta(days=1)).isoformat() if start > date.min else ""
        for doc in self._pages("interaction_tallies", [], "day", low, end.isoformat()):
            found = []
            for name, combination in doc.items():
                if name.startswith("k_"):
                    found.append((combination, doc.get(f"n_{name[2:]}", 0)))
            for combination, n in sorted(found):
                if n:
                    yield (doc["day"], *tally.parse(combination), n)

    # The tally's rebuild, for a deployment that logged interactions before the tally existed.
    # Each day's document is rewritten only if it still holds what was read before the day's
    # interactions were counted (an update-time precondition: compare and set). Logging an
    # interaction changes its day's document in the same commit, so a rewrite that would drop
    # a count logged meanwhile is refused by Firestore, and that day is read and counted again.
    # No count is lost (the rewrite waits for a quiet moment) and none is doubled (a count is
    # either in what was read, the rewrite replacing it, or added after, on top of the rewrite).

    def interaction_tallies_built(self) -> bool:
        return self._get(*TALLY_MARKER) is not None

    def rebuild_interaction_tallies(self) -> int:
        # Every tally document is read before any interaction, so each day's precondition
        # dates from before its count: one read per document and per interaction in all.
        built = self.interaction_tallies_built()
        held = {snap.id: snap for snap in self._snapshot_pages("interaction_tallies", [], "day", "")}
        days: dict[str, list[tuple[str, dict[str, Any]]]] = {day: [] for day in held}
        for doc in self._pages("interactions", [], "sort_key", ""):
            days.setdefault(doc["occurred_on"], []).append((doc["supporter_id"], doc["answers"]))
        rewrites = [
            (day, write)
            for day in sorted(days)
            if (write := self._tally_rewrite(day, held.get(day), days[day]))
        ]
        for start in range(0, len(rewrites), PAGE):
            chunk = rewrites[start : start + PAGE]
            try:
                self._commit(partial(_write_all, [write for _, write in chunk]))
            except _STALE:  # a day changed since it was read: redo each day of this batch alone
                for day, _ in chunk:
                    self._rebuild_day(day)
        if not built:  # so a second rebuild, finding the tally true, writes nothing at all
            marker = self._col(TALLY_MARKER[0]).document(TALLY_MARKER[1])
            self._commit(lambda batch: batch.set(marker, {"built": True}))
        return sum(len(rows) for rows in days.values())

    def _rebuild_day(self, day: str) -> None:
        """Read one day's tally document, then count its interactions, then rewrite it if it is
        still as read; again while logging keeps changing it."""
        ref = self._col("interaction_tallies").document(day)
        for _ in range(REBUILD_ATTEMPTS):
            snap = _call(ref.get)
            self.ops["requests"] += 1
            self.ops["reads"] += 1
            rows = [
                (doc["supporter_id"], doc["answers"])
                for doc in self._pages("interactions", [], "sort_key", f"{day}|", f"{day}|~")
            ]
            write = self._tally_rewrite(day, snap if snap.exists else None, rows)
            if write is None:
                return
            try:
                self._commit(write)
                return
            except _STALE:
                continue
        raise Unavailable(f"the tally of {day} kept changing while it was recounted; run it again")

    def _tally_rewrite(
        self, day: str, held: Any, rows: list[tuple[str, dict[str, Any]]]
    ) -> Callable[[Any], None] | None:
        """The write that makes ``held`` (a snapshot, or None when absent) count ``rows``, guarded
        by ``held``'s update time; None when it already does. A combination no longer found is
        set to 0 rather than deleted (the report skips zeros), so one plain update does it."""
        counts = Counter(tally.key(supporter_id, answers) for supporter_id, answers in rows)
        fields = held.to_dict() if held is not None else {}
        kept = {
            comb: fields.get(f"n_{name[2:]}", 0) for name, comb in fields.items() if name.startswith("k_")
        }
        if {c: n for c, n in kept.items() if n} == dict(counts):
            return None
        new: dict[str, Any] = {"day": day}
        for combination in kept.keys() | counts.keys():
            name = tally.field_id(combination)
            new[f"k_{name}"] = combination
            new[f"n_{name}"] = counts.get(combination, 0)
        ref = self._col("interaction_tallies").document(day)
        if held is None:
            return lambda batch: batch.create(ref, new)
        unchanged = self.client.write_option(last_update_time=held.update_time)
        return lambda batch: batch.update(ref, new, option=unchanged)

    def supporter_activity(self, supporter_id: str, since: date) -> tuple[int, Interaction | None]:
        recent = self._query(
            "interactions",
            [("supporter_id", "==", supporter_id), ("occurred_on", ">=", since.isoformat())],
            [("occurred_on", "ASCENDING")],
        )
        latest = self._query(
            "interactions", [("supporter_id", "==", supporter_id)], [("created_at", "DESCENDING")], 1
        )
        return len(recent), (from_doc(Interaction, latest[0]) if latest else None)

    def last_interaction_date(self, supporter_id: str) -> date | None:
        docs = self._query(
            "interactions", [("supporter_id", "==", supporter_id)], [("occurred_on", "DESCENDING")], 1
        )
        return from_doc(Interaction, docs[0]).occurred_on if docs else None

    def latest_interactions(self, supporter_id: str, limit: int) -> list[Interaction]:
        docs = self._query(
            "interactions", [("supporter_id", "==", supporter_id)], [("created_at", "DESCENDING")], limit
        )
        found = [from_doc(Interaction, d) for d in docs]
        return sorted(found, key=lambda i: (i.created_at, i.id), reverse=True)

    def change_interaction(
        self,
        before: Interaction,
        after: Interaction | None,
        alert: Alert | None = None,
        *,
        follow_ups: Sequence[FollowUpChange] = (),
    ) -> None:
        # The batch carries the read documents' update times as preconditions: if anything
        # wrote them since, the whole batch fails and the tally is not moved twice.
        snap = self._snapshot("interactions", before.id)
        if snap is None or from_doc(Interaction, snap.to_dict()) != before:
            raise NotFound(f"interaction {before.id} is not stored as it was read")
        ref = snap.reference
        unchanged = self.client.write_option(last_update_time=snap.update_time)
        checked = self._checked(follow_ups)
        if checked is None:
            raise NotFound("a follow-up changed while it was being corrected")

        def build(batch: Any) -> None:
            for change in checked:  # first, as in add_interaction
                self._swap(batch, *change)
            if after is None:
                batch.delete(ref, option=unchanged)
            else:
                batch.update(ref, self._interaction_doc(after), option=unchanged)
            if alert is not None:
                batch.create(self._col("alerts").document(alert.id), to_doc(alert))
            self._tally(batch, [after] if after is not None else [], uncount=[before])

        try:
            self._commit(build)
        except (gexc.FailedPrecondition, AlreadyExists) as exc:
            raise NotFound(f"interaction {before.id} changed while it was being changed") from exc

    # -- alerts -----------------------------------------------------------------
    def pending_alerts(self) -> list[Alert]:
        # An equality filter alone (no composite index). "sending": an alert stored before claims.
        docs = self._query("alerts", [("state", "in", ["pending", "sending"])])
        return sorted((from_doc(Alert, d) for d in docs), key=lambda a: a.id)

    def mark_alerts_sent(self, alert_ids: list[str]) -> None:
        def build(batch: Any) -> None:
            for alert_id in alert_ids:
                batch.update(self._col("alerts").document(alert_id), {"state": "sent"})

        self._commit(build)

    # -- surveys ----------------------------------------------------------------
    def add_survey(self, survey: Survey) -> None:
        self._commit(lambda b: b.create(self._col("surveys").document(survey.id), to_doc(survey)))

    def get_survey(self, survey_id: str) -> Survey | None:
        doc = self._get("surveys", survey_id)
        return from_doc(Survey, doc) if doc else None

    def list_surveys(self) -> list[Survey]:
        return [from_doc(Survey, d) for d in self._query("surveys", orders=[("id", "ASCENDING")])]

    def update_survey(self, before: Survey, after: Survey) -> bool:
        same_record(before, after, "id")
        return self._swap_doc("surveys", before.id, before, after)

    def _swap_doc(self, collection: str, doc_id: str, before: Any, after: Any) -> bool:
        """Compare and set: write ``after`` over the document if it holds the record ``before``.
        As change_interaction, the read document's update time is the write's precondition, so
        a change committed since the read (a close, a links count, a revocation) fails the write
        instead of being undone: False. NotFound when the document is absent."""
        snap = self._snapshot(collection, doc_id)
        if snap is None:
            raise NotFound(f"no {collection} {doc_id!r}")
        if from_doc(type(before), snap.to_dict()) != before:
            return False
        unchanged = self.client.write_option(last_update_time=snap.update_time)
        try:
            self._commit(lambda b: b.update(snap.reference, to_doc(after), option=unchanged))
        except gexc.FailedPrecondition:
            return False
        return True

    def delete_survey(self, survey_id: str) -> bool:
        for _ in range(GUARDED_TRIES):
            snap = self._snapshot("surveys", survey_id)
            if snap is None:
                raise NotFound(f"no survey {survey_id}")
            for collection in ("answers", "sealed_answers"):
                if self._query(collection, [("survey_id", "==", survey_id)], limit=1):
                    return False
            # Links first, the survey last: a failure midway leaves a survey that can be deleted
            # again. The survey goes only as read before its answers were counted: an import
            # counts its answers on it in the same write as them, so one landing meanwhile fails
            # the delete, and the survey is looked at again.
            self.purge_links(survey_id)
            unchanged = self.client.write_option(last_update_time=snap.update_time)

            def delete(batch: Any, ref: Any = snap.reference, unchanged: Any = unchanged) -> None:
                batch.delete(ref, option=unchanged)

            try:
                self._commit(delete)
            except gexc.FailedPrecondition:
                continue
            return True
        raise Unavailable(f"survey {survey_id} kept changing while it was being deleted")

    def add_links(self, survey_id: str, links: list[Link]) -> bool:
        # Each batch carries the survey's update time, as read when it was found open: a close
        # (or a purge, which closes first) committed since fails it, and the survey is read again.
        for start in range(0, len(links), PAGE - 1):
            if not self._add_links(survey_id, links[start : start + PAGE - 1]):
                return False
        return True

    def _add_links(self, survey_id: str, chunk: list[Link]) -> bool:
        for _ in range(GUARDED_TRIES):
            snap = self._snapshot("surveys", survey_id)
            if snap is None:
                raise NotFound(f"no survey {survey_id}")
            if not takes_links(from_doc(Survey, snap.to_dict())):
                return False
            unchanged = self.client.write_option(last_update_time=snap.update_time)

            def build(batch: Any, ref: Any = snap.reference, unchanged: Any = unchanged) -> None:
                batch.update(ref, {"links_issued": firestore.Increment(len(chunk))}, option=unchanged)
                for link in chunk:
                    batch.create(self._col("links").document(link.hash), to_doc(link))

            try:
                self._commit(build)
            except gexc.FailedPrecondition:  # the survey changed (closed, links issued): look again
                continue
            return True
        raise Unavailable(f"survey {survey_id} kept changing while links were added")

    def get_link(self, link_hash: str) -> Link | None:
        doc = self._get("links", link_hash)
        return from_doc(Link, doc) if doc else None

    def is_redeemed(self, link_hash: str) -> bool:
        return self._get("redemptions", link_hash) is not None

    def invitations(self, survey_id: str) -> list[Link]:
        # Only links with an address key: a string range leaves out the anonymous links, whose
        # key is null, so inviting or reminding reads the invitations and not every link.
        docs = self._query("links", [("survey_id", "==", survey_id), ("email_key", ">", "")])
        return sorted((from_doc(Link, d) for d in docs), key=lambda link: link.hash)

    def mark_reminded(self, link_hashes: Iterable[str], day: date) -> int:
        # An update needs its document: a batch meeting a link purged meanwhile fails whole
        # (NotFound), and only such a batch is done again one link at a time, skipping it.
        def build(batch: Any, chunk: list[str]) -> None:
            for link_hash in chunk:
                batch.update(self._col("links").document(link_hash), {"reminded_on": day.isoformat()})

        hashes = [h for h in link_hashes if is_document_id(h)]
        marked = 0
        for start in range(0, len(hashes), PAGE):
            chunk = hashes[start : start + PAGE]
            try:
                self._commit(partial(build, chunk=chunk))
                marked += len(chunk)
            except NotFound:
                for link_hash in chunk:
                    try:
                        self._commit(partial(build, chunk=[link_hash]))
                        marked += 1
                    except NotFound:
                        pass
        return marked

    def redeem(self, link_hash: str, sealed: SealedAnswer) -> None:
        def build(batch: Any) -> None:
            batch.create(
                self._col("redemptions").document(link_hash),
                {"hash": link_hash, "survey_id": sealed.survey_id},
            )
            batch.create(self._col("sealed_answers").document(sealed.id), to_doc(sealed))

        self._commit(build)

    def sealed_answers(self, survey_id: str) -> list[SealedAnswer]:
        docs = self._query("sealed_answers", [("survey_id", "==", survey_id)])
        return sorted((from_doc(SealedAnswer, d) for d in docs), key=lambda s: s.id)

    def count_sealed(self, survey_id: str) -> int:
        return self._count("sealed_answers", survey_id)

    def release_answers(self, sealed_ids: list[str], answers: list[Answer]) -> None:
        # One batch: the answers appear and their boxes go in the same commit, so a reader sees
        # each answer once, sealed or released. Creates carry "exists: false" and deletes
        # "exists: true": when a concurrent run (Cloud Scheduler delivers at least once)
        # released one of these first, the whole batch fails and nothing is doubled.
        if len(sealed_ids) > RELEASE_MAX or len(answers) > RELEASE_MAX:
            raise ValueError(f"at most {RELEASE_MAX} answers per release")
        must_exist = self.client.write_option(exists=True)

        def build(batch: Any) -> None:
            for answer in answers:
                batch.create(self._col("answers").document(answer.id), to_doc(answer))
            for sealed_id in sealed_ids:
                batch.delete(self._col("sealed_answers").document(sealed_id), option=must_exist)

        try:
            self._commit(build)
        except (AlreadyExists, NotFound) as exc:
            self._finish_released(sealed_ids, answers)
            raise NotFound(f"some of these answers were already released: {exc}") from exc

    def _finish_released(self, sealed_ids: list[str], answers: list[Answer]) -> None:
        """Delete the boxes whose answer is already stored.

        Firestore commits a batch whole, so after a failed release this finds nothing to do.
        The test emulator applies a batch's writes one by one up to the failing one; this
        finishes what such a half-applied batch started (the answers are created first, so a
        box is never gone without its answer), and the ids being fixed per box, no answer
        is ever stored twice.
        """
        refs = [self._col("answers").document(a.id) for a in answers]
        stored = {snap.id for snap in _call(lambda: list(self.client.get_all(refs))) if snap.exists}
        self.ops["requests"] += 1
        self.ops["reads"] += len(refs)

        def delete_sealed(batch: Any, sealed_id: str) -> None:
            batch.delete(self._col("sealed_answers").document(sealed_id))

        for sealed_id, answer in zip(sealed_ids, answers, strict=True):
            if answer.id in stored:
                try:
                    self._commit(partial(delete_sealed, sealed_id=sealed_id))
                except NotFound:
                    pass

    def add_answers(self, survey: Survey, answers: list[Answer]) -> int:
        # Each batch counts its answers on the survey under the update time read when the survey
        # was found as ``survey``: a change of blocks committed since fails it (nothing written),
        # and the count it adds fails a change of blocks decided on an earlier read in turn.
        if any(answer.survey_id != survey.id for answer in answers):
            raise ValueError(f"add_answers takes answers of survey {survey.id} only")
        added = 0
        for start in range(0, len(answers), PAGE - 1):
            expected = replace(survey, answers_imported=survey.answers_imported + added)
            added += self._add_answers(expected, answers[start : start + PAGE - 1])
        return added

    def _add_answers(self, survey: Survey, chunk: list[Answer]) -> int:
        snap = self._snapshot("surveys", survey.id)
        if snap is None or from_doc(Survey, snap.to_dict()) != survey:
            raise NotFound(f"survey {survey.id} is not stored as it was read")
        refs = [self._col("answers").document(a.id) for a in chunk]
        held = {s.id for s in _call(lambda: list(self.client.get_all(refs))) if s.exists} if refs else set()
        self.ops["requests"] += 1 if refs else 0
        self.ops["reads"] += len(refs)
        new = [a for a in chunk if a.id not in held]  # ids already stored are skipped
        if not new:
            return 0
        unchanged = self.client.write_option(last_update_time=snap.update_time)

        def build(batch: Any) -> None:
            batch.update(
                snap.reference, {"answers_imported": firestore.Increment(len(new))}, option=unchanged
            )
            for answer in new:
                batch.create(self._col("answers").document(answer.id), to_doc(answer))

        try:
            self._commit(build)
        except (gexc.FailedPrecondition, AlreadyExists) as exc:  # changed, or the same rows stored meanwhile
            raise NotFound(f"survey {survey.id} changed while its answers were being added") from exc
        return len(new)

    def iter_answers(self, survey_id: str) -> Iterator[Answer]:
        for doc in self._pages("answers", [("survey_id", "==", survey_id)], "id", "", snapshot=True):
            yield from_doc(Answer, doc)

    def _count(self, collection: str, survey_id: str) -> int:
        query = self._col(collection).where(filter=FieldFilter("survey_id", "==", survey_id)).count()
        if self.queries is not None:
            self.queries.append(QueryShape(collection, (("survey_id", "=="),), ()))
        result = _call(query.get)
        self.ops["requests"] += 1
        self.ops["reads"] += 1
        return int(result[0][0].value)

    def count_answers(self, survey_id: str) -> int:
        return self._count("answers", survey_id)

    def purge_links(self, survey_id: str) -> int:
        deleted = 0
        for collection in ("links", "redemptions"):
            while True:  # delete a page at a time until none are left
                docs = self._query(collection, [("survey_id", "==", survey_id)], limit=PAGE)
                if not docs:
                    break
                ids = [d["hash"] for d in docs]

                def build(batch: Any, ids: list[str] = ids, collection: str = collection) -> None:
                    for doc_id in ids:
                        batch.delete(self._col(collection).document(doc_id))

                self._commit(build)
                if collection == "links":
                    deleted += len(ids)
        return deleted

    # -- claimed work -------------------------------------------------------------
    # One document per unit of work, "<job>:<key>" in "claims". A unit never claimed is taken
    # with a create ("exists: false"), one claimed before with an update that carries the read
    # document's update time: of concurrent claimers, Firestore lets exactly one write through.

    def _claim_ref(self, job: str, key: str) -> Any:
        doc_id = f"{job}:{key}"
        if not is_document_id(doc_id):
            raise ValueError(f"not a claim key Firestore accepts: {doc_id!r}")
        return self._col("claims").document(doc_id)

    def _legacy_claim(self, job: str, key: str) -> Claim | None:
        """The run a version from before claims kept for this unit (``shared/store/legacy.py``)."""
        run_id = legacy.run_id(job, key) if job in legacy.READ_BACK else None
        doc = self._get("report_runs", run_id) if run_id is not None else None
        return legacy.claim_from_run(job, key, doc) if doc else None

    def claim(
        self, job: str, key: str, now: datetime, stale_before: datetime, *, redo: bool = False
    ) -> Claim | None:
        def take(held: Claim | None) -> Claim | None:
            if held is None:
                return Claim(job, key, now)
            return held.taken(now) if held.takeable(stale_before, redo) else None

        return self._swap_claim(job, key, take, legacy=True)[1]

    def finish_claim(
        self,
        claim: Claim,
        now: datetime,
        *,
        error: str | None = None,
        retry_at: datetime | None = None,
        note: str = "",
    ) -> Claim:
        stored, finished = self._swap_claim(
            claim.job, claim.key, lambda stored: claim.finish_over(stored, now, error, retry_at, note)
        )
        return finished or stored  # type: ignore[return-value]  # one of them: there was a claim

    def _swap_claim(
        self, job: str, key: str, decide: Callable[[Claim | None], Claim | None], legacy: bool = False
    ) -> tuple[Claim | None, Claim | None]:
        """Read the unit's claim, ``decide`` what it becomes (None: it stays as it is) and write
        that under the read's update time (a create, "exists: false", when there was none);
        when a concurrent write got there first, read and decide again. Returns the claim as
        last read and what was written (None: nothing). Of concurrent claimers exactly one
        writes; a finish racing a takeover is decided again on what the takeover wrote."""
        ref = self._claim_ref(job, key)
        for _ in range(GUARDED_TRIES):
            snap = _call(ref.get)
            self.ops["requests"] += 1
            self.ops["reads"] += 1
            stored: Claim | None = from_doc(Claim, snap.to_dict()) if snap.exists else None
            if stored is None and legacy:
                stored = self._legacy_claim(job, key)
            after = decide(stored)
            if after is None:
                return stored, None
            unchanged = self.client.write_option(last_update_time=snap.update_time) if snap.exists else None

            def write(batch: Any, after: Claim = after, unchanged: Any = unchanged) -> None:
                if unchanged is None:
                    batch.create(ref, to_doc(after))
                else:
                    batch.update(ref, to_doc(after), option=unchanged)

            try:
                self._commit(write)
            except _STALE:  # written meanwhile (taken, finished): decide again on what is there now
                continue
            return stored, after
        raise Unavailable(f"claim {job}:{key} kept changing while it was being written")

    def get_claim(self, job: str, key: str) -> Claim | None:
        doc = self._get("claims", f"{job}:{key}")
        return from_doc(Claim, doc) if doc else self._legacy_claim(job, key)

    def purge_claims(self, job: str, finished_before: datetime) -> int:
        # finished_at is ISO text in UTC (to_doc), so text order is time order; a claim still
        # running has none (null), which no string range matches.
        # Each delete holds only if the claim was not written since the query read it: one taken
        # again meanwhile (claimed, so no longer finished) stays, and a worker holding it keeps it.
        bound = to_doc(Claim(job, "", finished_before))["claimed_at"]
        doomed = self._snapshots("claims", [("job", "==", job), ("finished_at", "<", bound)])

        def delete(batch: Any, chunk: list[Any]) -> None:
            for snap in chunk:
                batch.delete(
                    snap.reference, option=self.client.write_option(last_update_time=snap.update_time)
                )

        deleted = 0
        for start in range(0, len(doomed), PAGE):
            chunk = doomed[start : start + PAGE]
            try:
                self._commit(partial(delete, chunk=chunk))
                deleted += len(chunk)
            except _STALE:  # one was written meanwhile: the others go one at a time
                for snap in chunk:
                    try:
                        self._commit(partial(delete, chunk=[snap]))
                        deleted += 1
                    except _STALE:
                        pass
        return deleted

    # -- the coordinators' console ----------------------------------------------
    def add_coordinator(self, coordinator: Coordinator) -> None:
        self._commit(
            lambda b: b.create(self._col("coordinators").document(coordinator.email), to_doc(coordinator))
        )

    def get_coordinator(self, email: str) -> Coordinator | None:
        doc = self._get("coordinators", email)
        return from_doc(Coordinator, doc) if doc else None

    def list_coordinators(self) -> list[Coordinator]:
        docs = self._query("coordinators", orders=[("email", "ASCENDING")])
        return [from_doc(Coordinator, d) for d in docs]

    def update_coordinator(
        self, before: Coordinator, after: Coordinator, *, keep_a_coordinator: bool = False
    ) -> bool:
        # Compare and set: the record's read update time is the write's precondition, so a role
        # changed since the read fails the write instead of being undone by this one.
        same_record(before, after, "email")
        for _ in range(GUARDED_TRIES):
            snap = self._snapshot("coordinators", before.email)
            if snap is None:
                raise NotFound(f"no coordinator {before.email}")
            if from_doc(Coordinator, snap.to_dict()) != before:
                return False
            demoted = keep_a_coordinator and before.role == "coordinator"
            guard = self._coordinators_guard(before.email, to_doc(after)) if demoted else _nothing
            unchanged = self.client.write_option(last_update_time=snap.update_time)

            def build(
                batch: Any, ref: Any = snap.reference, unchanged: Any = unchanged, guard: Any = guard
            ) -> None:
                guard(batch)  # first: see _coordinators_guard
                batch.update(ref, to_doc(after), option=unchanged)

            try:
                self._commit(build)
            except _STALE:  # this record or another coordinator changed: compare and check again
                continue
            return True
        raise Unavailable(f"coordinator {before.email} kept changing while it was being changed")

    def remove_coordinator(self, email: str, *, keep_a_coordinator: bool = False) -> bool:
        for _ in range(GUARDED_TRIES):
            snap = self._snapshot("coordinators", email)
            if snap is None:
                return False
            sessions = self._query("console_sessions", [("email", "==", email)])
            was_coordinator = keep_a_coordinator and snap.to_dict().get("role") == "coordinator"
            guard = self._coordinators_guard(email, None) if was_coordinator else _nothing
            unchanged = self.client.write_option(last_update_time=snap.update_time)

            def build(
                batch: Any,
                snap: Any = snap,
                sessions: list = sessions,
                guard: Any = guard,
                unchanged: Any = unchanged,
            ) -> None:
                guard(batch)  # first: see _coordinators_guard
                batch.delete(snap.reference, option=unchanged)  # as read: its role decided the guard
                for doc in sessions:
                    batch.delete(self._col("console_sessions").document(doc["hash"]))

            try:
                self._commit(build)
            except _STALE:  # this record or another coordinator changed: read and check again
                continue
            return True
        raise Unavailable(f"coordinator {email} kept changing while it was being removed")

    def _coordinators_guard(self, email: str, after: dict[str, Any] | None) -> Callable[[Any], None]:
        """Check that a coordinator stays once ``email``'s record (a coordinator) becomes
        ``after`` (None: removed), and return what the batch must also write so the check still
        holds when it commits: every other coordinator's record rewritten as read, under an
        update-time precondition. A concurrent change to any of them (another coordinator
        demoting this one) makes the batch fail, and the caller reads and checks again. The
        rewrites go first in the batch: the emulator
        (unlike Firestore) applies a batch's writes up to a failed precondition, and these
        change nothing."""
        snaps = self._snapshots("coordinators", [("role", "==", "coordinator")])
        others = [snap for snap in snaps if snap.id != email]
        if not others and not (after and after.get("role") == "coordinator"):
            raise LastCoordinator("no coordinator would be left")

        def guard(batch: Any) -> None:
            for snap in others:
                unchanged = self.client.write_option(last_update_time=snap.update_time)
                batch.update(snap.reference, snap.to_dict(), option=unchanged)

        return guard

    def add_sign_in_token(self, token: SignInToken) -> None:
        self._commit(lambda b: b.create(self._col("sign_in_tokens").document(token.hash), to_doc(token)))

    def use_sign_in_token(self, token_hash: str, now: datetime) -> SignInToken | None:
        doc = self._get("sign_in_tokens", token_hash)
        if doc is None:
            return None
        token = from_doc(SignInToken, doc)

        def build(batch: Any) -> None:
            # The "used" marker is created with a precondition: of two concurrent uses, one fails.
            batch.create(self._col("sign_in_uses").document(token_hash), {"expires_at": doc["expires_at"]})
            batch.delete(self._col("sign_in_tokens").document(token_hash))

        try:
            self._commit(build)
        except AlreadyExists:
            return None
        return token if token.expires_at > now else None

    def add_session(self, session: ConsoleSession) -> None:
        self._commit(
            lambda b: b.create(self._col("console_sessions").document(session.hash), to_doc(session))
        )

    def get_session(self, session_hash: str) -> ConsoleSession | None:
        doc = self._get("console_sessions", session_hash)
        return from_doc(ConsoleSession, doc) if doc else None

    def touch_session(self, session_hash: str, seen_at: datetime) -> None:
        seen = to_doc(ConsoleSession("", "", seen_at, seen_at))["seen_at"]
        try:
            self._commit(
                lambda b: b.update(self._col("console_sessions").document(session_hash), {"seen_at": seen})
            )
        except NotFound:
            pass  # signed out or removed meanwhile

    def delete_session(self, session_hash: str) -> None:
        self._commit(lambda b: b.delete(self._col("console_sessions").document(session_hash)))

    def purge_sign_ins(self, now: datetime, seen_before: datetime, created_before: datetime) -> int:
        def moment(at: datetime) -> Any:
            return to_doc(SignInToken("", "", at))["expires_at"]  # as stored

        # Each a single-field range, which Firestore indexes by itself.
        doomed = [
            ("sign_in_tokens", d["hash"])
            for d in self._query("sign_in_tokens", [("expires_at", "<=", moment(now))])
        ]
        # A spent token's marker guards against a second use only until the token expires.
        doomed += [
            ("sign_in_uses", snap.id)
            for snap in self._snapshots("sign_in_uses", [("expires_at", "<=", moment(now))])
        ]
        stale = {
            d["hash"]
            for field, before in (("seen_at", seen_before), ("created_at", created_before))
            for d in self._query("console_sessions", [(field, "<", moment(before))])
        }
        doomed += [("console_sessions", h) for h in sorted(stale)]
        for start in range(0, len(doomed), PAGE):
            chunk = doomed[start : start + PAGE]

            def build(batch: Any, chunk: list[tuple[str, str]] = chunk) -> None:
                for collection, doc_id in chunk:
                    batch.delete(self._col(collection).document(doc_id))

            self._commit(build)
        return sum(1 for collection, _ in doomed if collection != "sign_in_uses")

    def add_audit(self, entry: AuditEntry) -> None:
        doc = {**to_doc(entry), "sort_key": audit_key(entry)}
        self._commit(lambda b: b.create(self._col("audit").document(entry.id), doc))

    def iter_audit(self, since: datetime, until: datetime) -> Iterator[AuditEntry]:
        # Keys are "{stamp}|{id}": every key of the moment ``since`` sorts above its bare stamp,
        # and every key of ``until`` above the bare stamp of ``until``, which is excluded.
        for doc in self._pages("audit", [], "sort_key", stamp(since), stamp(until)):
            yield from_doc(AuditEntry, doc)

    def alerts_since(self, since: datetime) -> list[Alert]:
        since_doc = to_doc(Alert("", "", since))["created_at"]
        docs = self._query("alerts", [("created_at", ">=", since_doc)], [("created_at", "ASCENDING")])
        found = (from_doc(Alert, d) for d in docs)
        return sorted((a for a in found if a.created_at >= since), key=lambda a: (a.created_at, a.id))

    def acknowledge_alert(self, ack: AlertAck) -> None:
        doc = {**to_doc(ack), "stamp": stamp(ack.at)}
        self._commit(lambda b: b.create(self._col("alert_acks").document(ack.alert_id), doc))

    def alert_acks_since(self, since: datetime) -> list[AlertAck]:
        docs = self._query("alert_acks", [("stamp", ">=", stamp(since))], [("stamp", "ASCENDING")])
        return [from_doc(AlertAck, d) for d in docs]


def _nothing(batch: Any) -> None:
    """No guard: nothing more for the batch to write."""


def _write_all(writes: list[Callable[[Any], Any]], batch: Any) -> None:
    for write in writes:
        write(batch)
