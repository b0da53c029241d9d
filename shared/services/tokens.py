"""Supporters' personal link tokens: a signed (supporter id, version) pair.

The token is not stored anywhere: it is re-derived from the secret key, so a database leak
leaks no links. Revoking a supporter bumps their version, which turns every older token away.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadData, URLSafeSerializer

from shared.errors import BadToken

SALT = "log-link"


@dataclass(frozen=True)
class LinkClaim:
    supporter_id: str
    version: int


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


def make_token(secret_key: str, supporter_id: str, version: int) -> str:
    """The token for this supporter at this version (the same inputs give the same token)."""
    return str(_serializer(secret_key).dumps([supporter_id, version]))


def read_token(secret_key: str, token: str) -> LinkClaim:
    """What a token claims, once its signature checks out; :class:`BadToken` otherwise."""
    if not token or len(token) > 512:
        raise BadToken("no token, or one far too long")
    try:
        payload = _serializer(secret_key).loads(token.strip())
    except (BadData, UnicodeError, ValueError):
        raise BadToken("signature does not match") from None
    match payload:
        case [str(supporter_id), int(version)] if supporter_id and not isinstance(version, bool):
            return LinkClaim(supporter_id, version)
    raise BadToken("payload is not [supporter_id, version]")


# -- the weekly follow-up email's opt-out key ----------------------------------------------------
# The digest's opt-out link and its List-Unsubscribe header are opened, prefetched and kept by
# mail providers. They carry this key, not the log-in token: signed with its own salt, it names
# the supporter and can do one thing, stop that email (shared/web/log_follow_ups.py). It has no
# version, so an email sent before a new link was issued can still stop the next ones.
DIGEST_SALT = "digest-off"


def make_digest_key(secret_key: str, supporter_id: str) -> str:
    """The opt-out key of this supporter's weekly email (the same inputs give the same key)."""
    return str(URLSafeSerializer(secret_key, salt=DIGEST_SALT).dumps(supporter_id))


def read_digest_key(secret_key: str, key: str) -> str:
    """The supporter id a digest key names; :class:`BadToken` for anything else (a log-in token
    included: another salt)."""
    if not key or len(key) > 256:
        raise BadToken("no key, or one far too long")
    try:
        supporter_id = URLSafeSerializer(secret_key, salt=DIGEST_SALT).loads(key.strip())
    except (BadData, UnicodeError, ValueError):
        raise BadToken("signature does not match") from None
    if not isinstance(supporter_id, str) or not supporter_id:
        raise BadToken("payload is not a supporter id")
    return supporter_id
