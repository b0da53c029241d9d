"""Signing in to the console without a password, and the sessions that follow.

A sign-in link carries 256 random bits; the store keeps only their SHA-256 hash, for 15
minutes, and spends it on first use. An address that is not on the list gets no link and no
mail, and the caller shows the same page either way. A session is a random id in the
browser's (signed) cookie and a record in the store under the id's hash: signing out or
removing the coordinator deletes the record, which ends the session wherever the cookie is.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.config import Settings
from shared.errors import Unauthorized
from shared.i18n import N_
from shared.mail.message import Message
from shared.records import ConsoleSession, Coordinator, SignInToken
from shared.services import coordinators
from shared.store.port import Store

LINK_LIFETIME = timedelta(minutes=15)
IDLE_TIMEOUT = timedelta(minutes=30)
SESSION_LIFETIME = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)  # record activity at most this often (one write, not one per page)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def console_link(settings: Settings, path: str = "") -> str:
    """A URL in the console: the deployed function URL when set, else the local mount."""
    base = settings.console_url.rstrip("/") if settings.console_url else f"{settings.base_url}/console"
    return f"{base}/{path.lstrip('/')}"


def issue_link(store: Store, settings: Settings, email: str, now: datetime) -> str | None:
    """A one-time sign-in link for ``email``, or None when the address is not on the list."""
    coordinator = coordinators.find(store, settings, email)
    if coordinator is None:
        return None
    token = secrets.token_urlsafe(32)
    store.add_sign_in_token(SignInToken(digest(token), coordinator.email, now + LINK_LIFETIME))
    return console_link(settings, f"sign-in/{token}")


def link_message(settings: Settings, email: str, link: str) -> Message:
    """The sign-in email, English then French."""
    name = settings.program_name
    text = (
        "(Le français suit.)\n\n"
        f"To sign in to the {name} console, open this link within 15 minutes:\n\n{link}\n\n"
        "It works once. If you did not ask to sign in, ignore this email.\n\n-----\n\n"
        f"Pour vous connecter à la console du {settings.program_title('fr')}, ouvrez ce lien d'ici 15 minutes :\n\n{link}\n\n"
        "Il ne fonctionne qu'une fois. Si vous n'avez pas demandé à vous connecter, ignorez ce courriel.\n"
    )
    return Message(to=(email,), subject=f"{name}: sign-in link / lien de connexion", text=text)


@dataclass(frozen=True)
class SignedIn:
    session_id: str  # goes into the cookie only
    coordinator: Coordinator


def sign_in(store: Store, settings: Settings, token: str, now: datetime) -> SignedIn:
    """Spend a sign-in token and open a session; :class:`Unauthorized` for a link that is
    unknown, forged, expired or already used (``code`` ``bad_sign_in_link``)."""
    spent = store.use_sign_in_token(digest(token), now) if isinstance(token, str) and token else None
    coordinator = coordinators.find(store, settings, spent.email) if spent else None
    if spent is None or coordinator is None:
        raise Unauthorized(N_("This sign-in link is not valid any more."), code="bad_sign_in_link")
    session_id = secrets.token_urlsafe(32)
    store.add_session(ConsoleSession(digest(session_id), coordinator.email, now, now))
    return SignedIn(session_id, coordinator)


def current(store: Store, settings: Settings, session_id: object, now: datetime) -> Coordinator | None:
    """The coordinator signed in with ``session_id``, or None (ended, idle, too old, removed)."""
    if not isinstance(session_id, str) or not session_id:
        return None
    key = digest(session_id)
    session = store.get_session(key)
    if session is None:
        return None
    if now - session.seen_at > IDLE_TIMEOUT or now - session.created_at > SESSION_LIFETIME:
        store.delete_session(key)
        return None
    coordinator = coordinators.find(store, settings, session.email)
    if coordinator is None:
        store.delete_session(key)
        return None
    if now - session.seen_at > TOUCH_EVERY:
        store.touch_session(key, now)
    return coordinator


def sign_out(store: Store, session_id: object) -> None:
    if isinstance(session_id, str) and session_id:
        store.delete_session(digest(session_id))


def purge_expired(store: Store, now: datetime) -> int:
    """Delete what can no longer sign anyone in (the daily job): sign-in tokens past their 15
    minutes, sessions idle or older than their lifetime, and (Firestore) the markers of spent
    tokens once those have expired. :func:`current` refuses them anyway; this keeps the store
    from holding them. Returns how many tokens and sessions went."""
    return store.purge_sign_ins(now, now - IDLE_TIMEOUT, now - SESSION_LIFETIME)
