"""Releasing sealed answers into the answers, in batches that no copy of the store can split.

A redemption writes the link's hash and its answer, sealed (``sealing.py``), in one commit.
Whoever replays a copy of the store can tell which sealed box came with which link, but not
what the box holds. A release opens boxes and, in one write per batch, deletes them and
stores their answers under new ids (keyed hashes of the boxes' random ids, so a box released
twice gives one answer), all with the release's day. A copy then shows only
that a link's answer is one of its batch: each batch holds at least ``k`` answers (the
small-cell threshold), so the odds of pairing are at most 1 in ``k``.

- The daily job releases a survey's boxes when at least ``2k`` wait, keeping ``k`` back, so
  that what is left for the last batch is never fewer than ``k`` either.
- The purge releases what is left (every box) before it deletes the links and redemptions.
  Only a survey with fewer than ``k`` answers in all gets a smaller batch; its results are
  suppressed as a small cell anyway.
- Boxes are taken in order of their random ids, so concurrent runs (Cloud Scheduler delivers
  at least once) pick the same ones; the store's release fails whole, writing nothing, when
  another run took a box first, and the run then looks again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from shared.config import Settings
from shared.errors import Conflict
from shared.i18n import N_
from shared.records import Answer, SealedAnswer, Survey
from shared.services.retry import Failures
from shared.services.sealing import Unsealable, released_id, unseal
from shared.store.port import RELEASE_MAX, NotFound, Store

log = logging.getLogger("sidebyside.release")

ATTEMPTS = 5  # looks again this many times when concurrent runs keep taking the same boxes


@dataclass
class Released:
    """What a release did for one survey."""

    released: int = 0
    pending: int = 0
    unsealable: list[str] = field(default_factory=list)  # ids of boxes the key does not open


def batch_sizes(count: int, k: int) -> list[int]:
    """``count`` answers as nearly equal batches of at most :data:`RELEASE_MAX` (each >= ``k``
    whenever ``count`` >= ``k`` and ``k`` <= RELEASE_MAX / 2)."""
    if count <= 0:
        return []
    batches = -(-count // RELEASE_MAX)
    small, extra = divmod(count, batches)
    return [small + 1] * extra + [small] * (batches - extra)


def minimum_batch(settings: Settings) -> int:
    """``k``: the small-cell threshold, capped so a batch still fits one Firestore commit."""
    return min(settings.small_cell, RELEASE_MAX // 2)


def _open(secret_key: str, boxes: list[SealedAnswer], today: date, out: Released) -> list[tuple[str, Answer]]:
    opened = []
    for box in boxes:
        try:
            answers = unseal(secret_key, box)
        except Unsealable:
            out.unsealable.append(box.id)
            continue
        answer_id = released_id(secret_key, box.id)
        opened.append((box.id, Answer(id=answer_id, survey_id=box.survey_id, day=today, answers=answers)))
    return opened


def release_survey(store: Store, settings: Settings, survey_id: str, today: date, *, hold: int) -> Released:
    """Release the survey's sealed answers but ``hold`` of them, if at least ``k`` would go.

    ``hold=0`` releases them all (the purge). Boxes the key does not open stay sealed and are
    listed in the result.
    """
    k = minimum_batch(settings)
    out = Released()
    for _ in range(ATTEMPTS):
        out.unsealable.clear()
        opened = _open(settings.secret_key, store.sealed_answers(survey_id), today, out)
        count = len(opened) - hold
        if count <= 0 or (hold and count < k):
            break
        try:
            start = 0
            for size in batch_sizes(count, k):
                chunk = opened[start : start + size]
                store.release_answers([box_id for box_id, _ in chunk], [answer for _, answer in chunk])
                out.released += size
                start += size
        except NotFound:
            continue  # another run released some of these first: look again
        break
    out.pending = store.count_sealed(survey_id)
    return out


def release_pending(
    store: Store, settings: Settings, today: date, failures: Failures | None = None
) -> dict[str, Released]:
    """The daily release: every survey not yet purged, keeping ``k`` answers back.

    Each survey alone: one survey's failure (the store down, say) is logged and the others
    still run; it is kept in ``failures`` (the daily job records it on its claim, and the next
    run tries again) or, without, raised once every survey was tried.
    """
    own = failures if failures is not None else Failures(log)
    done = {}
    for survey in store.list_surveys():
        result = own.run(f"release of survey {survey.id}", _release_pending, store, settings, survey, today)
        if result is not None:
            done[survey.id] = result
    if failures is None:
        own.raise_first()
    return done


def _release_pending(store: Store, settings: Settings, survey: Survey, today: date) -> Released | None:
    if survey.purged_on is not None and not store.count_sealed(survey.id):
        return None
    hold = 0 if survey.purged_on is not None else minimum_batch(settings)
    result = release_survey(store, settings, survey.id, today, hold=hold)
    if result.unsealable:
        log.error(
            "%d sealed answers of survey %s do not open with the current secret key",
            len(result.unsealable),
            survey.id,
        )
    if result.released:
        log.info("released %d answers of survey %s", result.released, survey.id)
    return result


def release_all(store: Store, settings: Settings, survey: Survey, today: date) -> Released:
    """Release every sealed answer of ``survey`` (before its purge); :class:`Conflict` when
    some do not open with the current key, so that the purge waits instead of losing them."""
    result = release_survey(store, settings, survey.id, today, hold=0)
    if result.unsealable or result.pending:
        raise Conflict(
            N_(
                "%(pending)s answers of survey %(survey)r are still sealed, %(other)s of them under another secret key: set SIDEBYSIDE_SECRET_KEY to the key they were given under and purge again."
            )
            if result.unsealable
            else N_(
                "%(pending)s answers of survey %(survey)r are still sealed: set SIDEBYSIDE_SECRET_KEY to the key they were given under and purge again."
            ),
            params={"pending": result.pending, "survey": survey.id, "other": len(result.unsealable)},
            code="answers_sealed",
        )
    return result
