"""Single-use survey links: tokens and their hashes, invitations, reminders and the purge.

What is stored, and why it cannot be joined to an answer:

- a link is stored only as ``sha256(token)``; the token itself is shown or mailed once;
- an invitation adds ``email_key``: HMAC-SHA256(secret key, survey id + address). Addresses
  are never stored; the key only lets a later command recognise an address it is given again;
- an invitation's token is *derived*, HMAC-SHA256(secret key, survey id + address), so a
  reminder can mail the same link again from the address list alone (no token is kept, and
  no second link is ever issued to one person, so nobody can answer twice);
- redeeming a link stores the answer sealed, with a random id and no reference to the link,
  and releases it later in a batch of at least k (``sealing.py``, ``release.py``).

The purge releases every answer still sealed (``release.py``), then deletes every link and
redemption of the survey; the answers stay.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import logging
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from urllib.parse import quote

from shared.addresses import LOCAL_DOMAIN, BadAddress, mail_address
from shared.config import Settings
from shared.errors import Conflict, Invalid, NotFoundError
from shared.forms import load_form
from shared.i18n import N_, bilingual, translate
from shared.mail import Mailer, MailError, Message
from shared.records import Link, Survey
from shared.services.as_read import change_as_read
from shared.services.release import release_all
from shared.services.retry import Failures
from shared.store.port import AlreadyExists, NotFound, Store
from shared.text import shown

log = logging.getLogger("sidebyside.links")

# A survey id is also a Firestore document id, which may not match __.*__ (shared/ids.py).
SURVEY_ID = re.compile(r"(?!__.*__\Z)[a-z0-9_-]{1,40}")
# The rule for a survey id, as the message beside the id's field (the whole messages say it too).
USE_SURVEY_ID = N_(
    "Use 1 to 40 lowercase letters, digits, '-' or '_', not both starting and ending with '__'."
)
TOKEN_BYTES = 32  # 256 bits; secrets.token_urlsafe(32) is 43 characters
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
MAX_LINKS_PER_CALL = 10_000
MAX_ADDRESSES = 10_000
MAX_FAILURES_IN_A_ROW = 5  # then the mail transport is down, not one mailbox
UNSUBSCRIBED = date.max  # an invitation's reminded_on when its address asked for no more reminders
UNSUBSCRIBE_SUBJECT = "unsubscribe"


# -- tokens and keys --------------------------------------------------------------------------


def new_token() -> str:
    """A fresh random token for an anonymous link (not an invitation)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What the store keeps of a token.

    A plain SHA-256 is enough here: every token carries 256 bits of entropy (random, or an
    HMAC output), so a hash cannot be reversed by trying candidates, and salting or a slow
    hash would add cost without adding safety.
    """
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def is_token(text: str) -> bool:
    """Whether ``text`` has the shape of one of our tokens (cheap check before any lookup)."""
    return bool(TOKEN.fullmatch(text))


def _mac(secret_key: str, purpose: str, survey_id: str, address: str) -> bytes:
    # The purpose keeps the address key and the token independent: knowing one tells nothing of the other.
    message = "\x1f".join((purpose, survey_id, address)).encode("utf-8")
    return hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).digest()


def email_key(secret_key: str, survey_id: str, address: str) -> str:
    """The keyed hash of an invited address, stored beside its link so reminders find it."""
    return _mac(secret_key, "survey-email-key", survey_id, address).hex()


def invitation_token(secret_key: str, survey_id: str, address: str) -> str:
    """The invitation's token, re-derivable from the address (so reminders resend the same link)."""
    digest = _mac(secret_key, "survey-invitation-token", survey_id, address)
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


# -- address lists ----------------------------------------------------------------------------


def normalize_email(address: str) -> str:
    """Trimmed and lower-cased, so one mailbox is one key however it is typed.

    (Mail systems treat the local part as case-insensitive in practice.) :func:`clean_addresses`
    then converts a Unicode domain to IDNA, so both spellings of a domain give one key too.
    """
    return address.strip().strip("<>").strip().lower()


def _numbered(text: str) -> list[tuple[object, str]]:
    """(value, "line N") for each non-blank entry: an ``email`` column of a CSV, or one per line."""
    lines = text.lstrip("\ufeff").splitlines()
    first = next((line for line in lines if line.strip()), "")
    header = [cell.strip().lower() for cell in next(csv.reader([first]))] if first else []
    if "email" in header:
        rows = csv.DictReader(io.StringIO("\n".join(lines)))
        column = next(name for name in rows.fieldnames or [] if name.strip().lower() == "email")
        numbered = [(n, (row.get(column) or "")) for n, row in enumerate(rows, start=2)]
    else:
        numbered = list(enumerate(lines, start=1))
    return [(value, f"line {n}") for n, value in numbered if value.strip()]


def read_addresses(text: str) -> list[str]:
    """Addresses from a CSV with an ``email`` column, or one per line; validated and de-duplicated.

    Raises :class:`Invalid` naming every bad line, so a typo never leads to half a mailing.
    """
    return clean_addresses(_numbered(text))


def preview_addresses(text: str) -> tuple[list[str], list[str]]:
    """What :func:`read_addresses` would find: the good addresses and the bad lines, both."""
    return _partition(_numbered(text))


def _partition(items: Iterable[tuple[object, str]]) -> tuple[list[str], list[str]]:
    seen: dict[str, None] = {}
    bad: list[str] = []
    for value, where in items:
        try:
            seen.setdefault(mail_address(normalize_email(value) if isinstance(value, str) else value))
        except BadAddress as exc:
            bad.append(f"{where}: {str(value)[:80]!r} ({str(exc).rstrip('.')})")
    return list(seen), bad


def clean_addresses(items: Iterable[tuple[object, str]]) -> list[str]:
    """Validate (value, where) pairs; the normalized addresses in first-seen order, each once."""
    seen, bad = _partition(items)
    if bad:
        more = len(bad) - 10
        raise Invalid(
            N_("Not email addresses (nothing was sent): %(shown)s; and %(more)s more")
            if more > 0
            else N_("Not email addresses (nothing was sent): %(shown)s"),
            params={"shown": "; ".join(bad[:10]), "more": more},
            errors={"emails": bad},
        )
    if len(seen) > MAX_ADDRESSES:
        raise Invalid(
            N_("At most %(most)s addresses at a time."),
            params={"most": MAX_ADDRESSES},
            errors={"emails": [N_("too many")]},
        )
    return seen


# -- survey checks ----------------------------------------------------------------------------


def no_survey(survey_id: object) -> NotFoundError:
    """The one "there is no such survey" error, however the survey was asked for."""
    return NotFoundError(
        N_("There is no survey %(survey)r."), params={"survey": str(survey_id)[:60]}, code="no_survey"
    )


def find_survey(store: Store, survey_id: object) -> Survey:
    """The survey with this id, or :class:`NotFoundError` (also for ids that cannot be one)."""
    survey = None
    if isinstance(survey_id, str) and SURVEY_ID.fullmatch(survey_id):
        survey = store.get_survey(survey_id)
    if survey is None:
        raise no_survey(survey_id)
    return survey


def change_survey(store: Store, survey_id: object, change: Callable[[Survey], Survey]) -> Survey:
    """Read the survey, apply ``change`` (which checks what it needs and raises to refuse) and
    write the result only if the survey is still as read (:meth:`Store.update_survey`); when
    someone changed it meanwhile (closed it, issued links), read it again and start over, so no
    change ever undoes another (:func:`~shared.services.as_read.change_as_read`). Returns the
    survey as written (or as read, if ``change`` left it as it was)."""

    def write(before: Survey, after: Survey) -> bool:
        try:
            return store.update_survey(before, after)
        except NotFound:  # deleted meanwhile
            raise no_survey(before.id) from None

    def busy() -> Conflict:
        return Conflict(
            N_("Survey %(survey)s kept changing while this change was made; try again."),
            params={"survey": shown(survey_id)},
            code="survey_busy",
        )

    return change_as_read(lambda: find_survey(store, survey_id), change, write, busy)


def survey_for_links(store: Store, survey_id: object, today: date) -> Survey:
    """The survey, if links may still be issued or mailed for it (it exists and is not over)."""
    survey = find_survey(store, survey_id)
    if survey.purged_on is not None:
        raise Conflict(
            N_("Survey %(survey)r was purged on %(day)s."),
            params={"survey": survey.id, "day": survey.purged_on},
            code="survey_purged",
        )
    if survey.closed_on is not None or (survey.closes is not None and survey.closes < today):
        raise Conflict(N_("Survey %(survey)r is closed."), params={"survey": survey.id}, code="survey_closed")
    return survey


# -- anonymous links --------------------------------------------------------------------------


def issue_links(store: Store, settings: Settings, survey_id: object, count: object, today: date) -> list[str]:
    """``count`` new single-use links (full URLs), stored only as hashes."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_LINKS_PER_CALL:
        raise Invalid(
            N_("The count must be a whole number from 1 to %(most)s."),
            params={"most": MAX_LINKS_PER_CALL},
            errors={"count": [f"Enter a whole number from 1 to {MAX_LINKS_PER_CALL}."]},
        )
    survey = survey_for_links(store, survey_id, today)
    tokens = [new_token() for _ in range(count)]
    if not store.add_links(survey.id, [Link(hash=token_hash(t), survey_id=survey.id) for t in tokens]):
        raise links_refused(store, survey.id, today)
    return [settings.survey_link(t) for t in tokens]


def links_refused(store: Store, survey_id: str, today: date) -> Conflict:
    """Why :meth:`Store.add_links` refused links a moment after :func:`survey_for_links` let
    them through (the survey was closed or purged meanwhile), as that check's own conflict."""
    try:
        survey_for_links(store, survey_id, today)
    except Conflict as refused:
        return refused
    return Conflict(N_("Survey %(survey)r is closed."), params={"survey": survey_id}, code="survey_closed")


# -- mail -------------------------------------------------------------------------------------


# Said before the questions (the survey's intro, and the invitation) when a block switched on asks
# about how the student has been feeling (a block's ``sensitive``), gently, in the catalogue.
SENSITIVE_NOTICE = {
    "mental_health": N_(
        "Some questions ask how you have been feeling lately. Answer only what you are comfortable "
        "with: you can skip any question. If you are going through a hard time, the crisis line "
        "below is there for you."
    ),
    "self_harm": N_(
        "Some questions ask how you have been feeling lately, including one about thoughts of death "
        "or of hurting yourself. Answer only what you are comfortable with: you can skip any "
        "question. If you are going through a hard time, the crisis line below is there for you."
    ),
}


def invitation_message(
    settings: Settings, survey: Survey, address: str, link: str, reminder: bool, today: date | None = None
) -> Message:
    """The invitation (or reminder), English then French, with the crisis line. The opening day
    is mentioned only while it is still ahead (``today`` before it): "It opens on" a day that has
    passed reads as if the link did not work yet."""
    name = settings.program_name  # the subject's English part; each language's text has its own
    ahead = survey.opens is not None and (today is None or survey.opens > today)
    form = load_form(survey.form)
    minutes = form.minutes_with(survey.asked_blocks())  # the survey's blocks included
    sensitive = form.sensitive_with(survey.asked_blocks())

    def body(lang: str) -> str:
        lead = (
            translate(
                lang,
                "A reminder: the %(name)s would still value your answers to its short end-of-year survey.",
                name=settings.program_title(lang),
            )
            if reminder
            else translate(
                lang,
                "The %(name)s invites you to answer its short, anonymous end-of-year survey (about %(minutes)s minutes).",
                name=settings.program_title(lang),
                minutes=minutes,
            )
            if minutes
            else translate(
                lang,
                "The %(name)s invites you to answer its short, anonymous end-of-year survey.",
                name=settings.program_title(lang),
            )
        )
        notice = "\n\n" + translate(lang, SENSITIVE_NOTICE[sensitive]) if sensitive else ""
        opens = (
            translate(lang, "It opens on %(day)s.", day=survey.opens.isoformat()) + " "
            if ahead and survey.opens
            else ""
        )
        closes = (
            translate(lang, "The survey closes on %(day)s.", day=survey.closes.isoformat()) + " "
            if survey.closes
            else ""
        )
        return (
            translate(lang, "Hello,")
            + f"\n\n{lead}\n\n{link}\n\n"
            + translate(
                lang,
                "This link is yours alone and works once. Every question may be skipped. Your answers are "
                "stored without your name, your address or this link: nobody can tell which answers are yours.",
            )
            + f"\n{opens}{closes}{notice}\n\n{settings.crisis_line[lang]}"
        )

    subject = (
        translate("en", "Reminder: %(name)s end-of-year survey", name=name)
        + " / "
        + translate("fr", "Reminder: end-of-year survey")
        if reminder
        else translate("en", "%(name)s: end-of-year survey", name=name)
        + " / "
        + translate("fr", "end-of-year survey")
    )
    text = bilingual(body)
    return Message(
        to=(address,),
        subject=subject,
        text=text,
        reply_to=settings.reply_to or None,
        headers=_unsubscribe_header(settings, survey),
        secret_links=(link,),
    )


def unsubscribe_address(settings: Settings) -> str | None:
    """Where "no more reminders" requests go: the reply address, else the sender's (not a local one)."""
    for candidate in (settings.reply_to, settings.mail_from):
        address = candidate.rpartition("<")[2].rstrip(">").strip() if candidate else ""
        if address and not address.endswith("@" + LOCAL_DOMAIN):
            return address
    return None


def _unsubscribe_header(settings: Settings, survey: Survey) -> tuple[tuple[str, str], ...]:
    """RFC 2369 ``List-Unsubscribe`` as a mailto: the request reaches the program's mailbox, and a
    coordinator runs ``sidebyside surveys unsubscribe`` with the sender's address, which stores
    nothing but the invitation's keyed hash being marked (see :func:`unsubscribe`)."""
    address = unsubscribe_address(settings)
    if address is None:
        return ()
    subject = quote(f"{UNSUBSCRIBE_SUBJECT} {survey.id}")
    return (("List-Unsubscribe", f"<mailto:{address}?subject={subject}>"),)


@dataclass
class MailRun:
    """What a mailing did. Addresses are echoed back only for the ones that need a retry.

    For a list of fewer than k addresses (``SIDEBYSIDE_SMALL_CELL``) the reasons are not told
    apart (``skipped`` is empty, ``skipped_total`` counts them): a one-address reminder would
    otherwise say whether that student answered.
    """

    sent: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> how many
    failed: list[str] = field(default_factory=list)
    stopped: bool = False  # gave up after MAX_FAILURES_IN_A_ROW: the transport looks down
    skipped_total: int = 0

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        self.skipped_total += 1

    def as_dict(self) -> dict[str, object]:
        return {
            "sent": self.sent,
            "skipped": dict(self.skipped),
            "skipped_total": self.skipped_total,
            "failed": list(self.failed),
            "stopped": self.stopped,
        }


def _skip_reason(store: Store, existing: Link | None, reminder: bool, today: date) -> str | None:
    """Why this address gets no mail in this mailing (a MailRun reason), or None: it gets one."""
    if not reminder:
        return "already_invited" if existing is not None else None
    if existing is None:
        return "not_invited"
    if existing.reminded_on == UNSUBSCRIBED:
        return "unsubscribed"
    if existing.reminded_on == today:
        return "reminded_today"
    if store.is_redeemed(existing.hash):
        return "answered"
    return None


def plan_mailing(
    store: Store, settings: Settings, survey_id: str, addresses: list[str], reminder: bool, today: date
) -> tuple[list[str], dict[str, int]]:
    """What :func:`invite` (or :func:`remind`) would do now, sending nothing: the addresses that
    would get a mail, and how many each reason would skip (the console's preview counts these,
    not every valid address)."""
    survey = survey_for_links(store, survey_id, today)
    invited = {link.email_key: link for link in store.invitations(survey.id)}
    send: list[str] = []
    skipped = MailRun()
    for address in addresses:
        existing = invited.get(email_key(settings.secret_key, survey.id, address))
        reason = _skip_reason(store, existing, reminder, today)
        if reason is None:
            send.append(address)
        else:
            skipped.skip(reason)
    return send, skipped.skipped


def _mailing(
    store: Store,
    settings: Settings,
    mailer: Mailer,
    survey: Survey,
    addresses: list[str],
    reminder: bool,
    today: date,
) -> MailRun:
    """Invite (or remind) each address; see :func:`invite` and :func:`remind` for the rules."""
    run = MailRun()
    invited = {link.email_key: link for link in store.invitations(survey.id)}
    in_a_row = 0
    for position, address in enumerate(addresses):
        key = email_key(settings.secret_key, survey.id, address)
        existing = invited.get(key)
        reason = _skip_reason(store, existing, reminder, today)
        if reason is not None:
            run.skip(reason)
            continue
        token = invitation_token(settings.secret_key, survey.id, address)
        message = invitation_message(settings, survey, address, settings.survey_link(token), reminder, today)
        try:
            mailer.send(message)
        except MailError:
            run.failed.append(address)
            in_a_row += 1
            if in_a_row >= MAX_FAILURES_IN_A_ROW:
                run.stopped = True
                run.failed.extend(addresses[position + 1 :])
                break
            continue
        in_a_row = 0
        # Mailed first, stored second: a failed mail leaves nothing behind, so running the
        # command again retries it; a failed store leaves a mailed link that the retry stores
        # (the derived token is the same), and mail arrives long after this write.
        # The survey closed or purged meanwhile (a coordinator, the daily job): the store refuses
        # the invitation, or finds the reminded link gone, and the mailing stops there. Its last
        # mail has gone, but no invitation (keyed by its address) is left where no purge would
        # ever delete it, and no more mail goes out.
        if reminder:
            assert existing is not None  # an address never invited was skipped above
            if not store.mark_reminded([existing.hash], today):
                raise links_refused(store, survey.id, today)
        else:
            link = Link(token_hash(token), survey.id, email_key=key, invited_on=today)
            try:
                if not store.add_links(survey.id, [link]):
                    raise links_refused(store, survey.id, today)
            except AlreadyExists:
                pass  # a concurrent run invited the same address with the same link
            invited[key] = link
        run.sent += 1
    if len(addresses) < settings.small_cell:
        run.skipped = {}  # a small list: totals only (see MailRun)
    return run


def invite(
    store: Store, settings: Settings, mailer: Mailer, survey_id: str, addresses: list[str], today: date
) -> MailRun:
    """Mail each address its own link; an address already invited to this survey is skipped."""
    survey = survey_for_links(store, survey_id, today)
    return _mailing(store, settings, mailer, survey, addresses, reminder=False, today=today)


def remind(
    store: Store, settings: Settings, mailer: Mailer, survey_id: str, addresses: list[str], today: date
) -> MailRun:
    """Mail the same link again to the invited addresses that have not answered.

    The program keeps no addresses, so the list must be given again; addresses are matched by
    their keyed hash. Addresses never invited, already reminded today, or whose link was used
    are skipped (and only counted).
    """
    survey = survey_for_links(store, survey_id, today)
    if survey.opens is not None and survey.opens > today:
        raise Conflict(
            N_("Survey %(survey)r opens on %(day)s: remind after that."),
            params={"survey": survey.id, "day": survey.opens},
            code="survey_not_open",
        )
    return _mailing(store, settings, mailer, survey, addresses, reminder=True, today=today)


def unsubscribe(store: Store, survey_id: str, settings: Settings, addresses: list[str]) -> dict[str, int]:
    """Stop reminders to these invited addresses (they asked, through List-Unsubscribe).

    Nothing new is stored: the invitation found by the address's keyed hash is marked, and the
    address itself is never kept. Returns how many were stopped and how many were not invited.
    """
    survey = find_survey(store, survey_id)
    invited = {link.email_key: link for link in store.invitations(survey.id)}
    found = [invited.get(email_key(settings.secret_key, survey.id, a)) for a in addresses]
    stopped = [link.hash for link in found if link is not None]
    if stopped:
        store.mark_reminded(stopped, UNSUBSCRIBED)
    return {"stopped": len(stopped), "not_invited": len(found) - len(stopped)}


# -- purge ------------------------------------------------------------------------------------


def purge(store: Store, settings: Settings, survey_id: object, today: date) -> tuple[Survey, int]:
    """Release every sealed answer, then delete the survey's links and redemptions (answers
    stay); closes it too.

    Returns the survey and how many links were deleted. Purging twice deletes nothing more.
    When some answers do not open with the current secret key, nothing is deleted
    (:class:`Conflict`): the links wait until the right key is set.
    """
    # Closed first, so no answer arrives after the last release.
    survey = change_survey(store, survey_id, lambda s: replace(s, closed_on=s.closed_on or today))
    release_all(store, settings, survey, today)
    # Links first, the mark second: if the mark fails, the next purge finds the survey still due.
    deleted = store.purge_links(survey.id)
    if survey.purged_on is None or deleted:
        survey = change_survey(
            store,
            survey.id,
            lambda s: replace(s, closed_on=s.closed_on or today, purged_on=s.purged_on or today),
        )
    return survey, deleted


def purge_due_on(survey: Survey, grace_days: int) -> date | None:
    """The day the survey's links are to be purged: ``grace_days`` after it closed."""
    if survey.closed_on is not None:
        return survey.closed_on + timedelta(days=grace_days)
    if survey.closes is not None:
        return survey.closes + timedelta(days=1 + grace_days)  # ``closes`` is its last open day
    return None


def purge_due(store: Store, settings: Settings, today: date, failures: Failures | None = None) -> list[str]:
    """Purge every survey whose grace period is over; the ids purged.

    Each survey alone: one whose purge fails (answers sealed under another key, the store
    down) is logged and the others are still purged; the failure is kept in ``failures`` (the
    daily job records it on its claim, so it is tried again) or, without, raised once every
    due survey was tried (closing a survey on the console still says why its purge failed).
    """
    own = failures if failures is not None else Failures(log)
    purged = []
    for survey in store.list_surveys():
        due = purge_due_on(survey, settings.purge_grace_days)
        if survey.purged_on is None and due is not None and due <= today:
            if own.run(f"purge of survey {survey.id}", purge, store, settings, survey.id, today) is not None:
                purged.append(survey.id)
    if failures is None:
        own.raise_first()
    return purged
