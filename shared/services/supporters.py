"""Supporters and their personal links: add, list, revoke, re-link, and check a link.

A link is ``settings.log_link(token)`` where the token signs (supporter id, version); see
:mod:`shared.services.tokens`. Revoking marks the supporter inactive and bumps the version,
so every link issued before stops working at once; re-linking bumps it again and reactivates.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from shared.addresses import BadAddress, mail_address
from shared.config import Settings
from shared.errors import Conflict, Invalid, NotFoundError, Unauthorized
from shared.i18n import N_
from shared.ids import is_document_id
from shared.records import Supporter
from shared.services.as_read import change_as_read
from shared.services.tokens import BadToken, make_token, read_token
from shared.store.port import AlreadyExists, NotFound, Store, Unavailable

# Letters (any script), digits, '.', '_', '-' and spaces; the first character a letter or digit,
# which also keeps aliases valid as Firestore document ids (no ".", "..", "__x__").
ALIAS = re.compile(r"[^\W_][\w. -]{0,39}")


@dataclass(frozen=True)
class IssuedLink:
    """A supporter and the personal link just made for them (shown once, never stored)."""

    supporter: Supporter
    link: str


def clean_alias(alias: object) -> str:
    if not isinstance(alias, str) or not ALIAS.fullmatch(alias.strip()):
        raise Invalid(
            N_(
                "The alias must be 1 to 40 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit."
            ),
            errors={
                "alias": [
                    N_(
                        "Use 1 to 40 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit."
                    )
                ]
            },
        )
    return alias.strip()


def alias_taken(alias: str) -> Conflict:
    return Conflict(
        N_("A supporter called %(alias)r already exists."), params={"alias": alias}, code="alias_taken"
    )


def no_supporter_with_id(supporter_id: str) -> NotFoundError:
    return NotFoundError(N_("There is no supporter with id %(id)r."), params={"id": supporter_id})


def clean_email(email: object) -> str | None:
    if email is None or (isinstance(email, str) and not email.strip()):
        return None
    try:
        return mail_address(email)
    except BadAddress as exc:
        raise Invalid(
            N_("%(email)r is not an email address the program can mail (%(reason)s)."),
            params={"email": str(email)[:80], "reason": str(exc).rstrip(".")},
            errors={"email": [N_("Enter an email address such as name@example.org.")]},
        ) from None


def link_for(settings: Settings, supporter: Supporter) -> str:
    return settings.log_link(make_token(settings.secret_key, supporter.id, supporter.version))


def add_supporter(store: Store, settings: Settings, alias: object, email: object = None) -> IssuedLink:
    """Create a supporter and their first link; :class:`Conflict` when the alias is taken."""
    clean = clean_alias(alias)
    supporter = Supporter(
        id=uuid.uuid4().hex,
        alias=clean,
        email=clean_email(email),
        created_on=datetime.now(settings.timezone).date(),
    )
    if store.find_supporter(clean) is not None:
        raise alias_taken(clean)
    try:
        store.add_supporter(supporter)
    except AlreadyExists:  # another coordinator added the same alias a moment ago
        raise alias_taken(clean) from None
    return IssuedLink(supporter, link_for(settings, supporter))


def list_supporters(store: Store) -> list[Supporter]:
    return store.list_supporters()


def by_alias(store: Store, alias: str) -> Supporter:
    supporter = store.find_supporter(alias.strip())
    if supporter is None:
        raise NotFoundError(N_("There is no supporter called %(alias)r."), params={"alias": alias.strip()})
    return supporter


def by_id(store: Store, supporter_id: str) -> Supporter:
    # An id no store could hold names no supporter (and Firestore would refuse to look it up).
    supporter = store.get_supporter(supporter_id) if is_document_id(supporter_id) else None
    if supporter is None:
        raise no_supporter_with_id(supporter_id)
    return supporter


def change_supporter(store: Store, supporter_id: str, change: Callable[[Supporter], Supporter]) -> Supporter:
    """Read the supporter, apply ``change`` and write the result only over the record as read
    (:meth:`Store.update_supporter`); when it changed meanwhile (revoked, re-linked, opted out),
    read it again and start over, so no change writes back a stale copy of the others: an
    opt-out landing just after a revocation never reactivates the supporter, nor brings back
    the version (and so the link) a re-link replaced. Returns the supporter as written (or as
    read, when ``change`` left it as it was)."""

    def write(before: Supporter, after: Supporter) -> bool:
        try:
            return store.update_supporter(before, after)
        except NotFound:  # deleted meanwhile
            raise no_supporter_with_id(supporter_id) from None

    def busy() -> Unavailable:
        return Unavailable(f"supporter {supporter_id} kept changing while this change was made; try again")

    return change_as_read(lambda: by_id(store, supporter_id), change, write, busy)


def revoke(store: Store, supporter: Supporter) -> Supporter:
    """Turn the supporter's links off. Revoking twice changes nothing the second time."""
    return change_supporter(
        store, supporter.id, lambda s: replace(s, active=False, version=s.version + 1) if s.active else s
    )


def relink(store: Store, settings: Settings, supporter: Supporter) -> IssuedLink:
    """A fresh link; older ones stop working. Reactivates a revoked supporter."""
    fresh = change_supporter(store, supporter.id, lambda s: replace(s, active=True, version=s.version + 1))
    return IssuedLink(fresh, link_for(settings, fresh))


def authenticate(store: Store, secret_key: str, token: str) -> Supporter:
    """The active supporter a link token belongs to, or :class:`Unauthorized`.

    ``code`` tells the two cases apart for the page: ``bad_link`` (not one of ours) and
    ``link_inactive`` (ours, but revoked or replaced by a newer link).
    """
    try:
        claim = read_token(secret_key, token)
    except BadToken:
        raise Unauthorized(N_("This link is not valid."), code="bad_link") from None
    supporter = store.get_supporter(claim.supporter_id)
    if supporter is None or not supporter.active or supporter.version != claim.version:
        raise Unauthorized(N_("This link is no longer active."), code="link_inactive")
    return supporter


def change_email(store: Store, supporter: Supporter, email: object) -> Supporter:
    """Set (or clear, with a blank) the supporter's email address; their link stays the same."""
    clean = clean_email(email)
    return change_supporter(store, supporter.id, lambda s: replace(s, email=clean))


def rename(store: Store, supporter: Supporter, alias: object) -> Supporter:
    """Give the supporter a new alias (their link stays the same); :class:`Conflict` when taken."""
    clean = clean_alias(alias)
    try:
        store.rename_supporter(supporter.id, clean)
    except AlreadyExists:
        raise alias_taken(clean) from None
    except NotFound:
        raise no_supporter_with_id(supporter.id) from None
    return replace(supporter, alias=clean)
