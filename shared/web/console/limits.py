"""Sign-in request limits, per address and per client, with the ``limits`` library.

Counts live in this instance's memory (a deployed console may run a few instances, each
counting on its own); they only slow down someone hammering the sign-in form.
"""

from __future__ import annotations

import flask
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

PER_ADDRESS = parse("5 per 15 minutes")
PER_CLIENT = parse("20 per 15 minutes")


class SignInLimits:
    def __init__(self) -> None:
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def allow(self, address: str, client: str) -> bool:
        """Count one request; False when either the address or the client is over its limit."""
        by_address = self.limiter.hit(PER_ADDRESS, "address", address.strip().lower())
        by_client = self.limiter.hit(PER_CLIENT, "client", client)
        return by_address and by_client


def client_of(request: flask.Request) -> str:
    """The caller's address: behind Cloud Run's front end, the last X-Forwarded-For hop (the one
    Google added; earlier ones are whatever the client sent); else the socket's peer."""
    forwarded = request.headers.get("X-Forwarded-For", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-1] if hops else (request.remote_addr or "-")
