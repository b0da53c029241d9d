"""Sign-in limits, per address and per client, with the ``limits`` library.

Counts live in this instance's memory (a deployed console may run a few instances, each
counting on its own); they only slow down someone hammering the sign-in forms.

- Per client: asking for links and opening them (``POST /sign-in/<token>``), 429 past it.
- Per address: past it the page is the usual "check your email" one but no more mail goes out;
  a 429 there would let anyone lock a coordinator out by asking for their address five times.
- Failed sign-ins are audited at most once per client a minute; the row says how many more
  there were since, so a flood cannot fill the audit log.
"""

from __future__ import annotations

import threading

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

PER_ADDRESS = parse("5 per 15 minutes")
PER_CLIENT = parse("20 per 15 minutes")
LINKS_PER_CLIENT = parse("20 per 15 minutes")
FAILURE_ROWS_PER_CLIENT = parse("1 per minute")
MAX_UNRECORDED = 10_000  # memory bound on the clients with failures not yet in the audit log


class SignInLimits:
    def __init__(self) -> None:
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self._unrecorded: dict[str, int] = {}
        self._lock = threading.Lock()

    def client_allowed(self, client: str) -> bool:
        """Count one request for a sign-in link; False when the client is over its limit."""
        return self.limiter.hit(PER_CLIENT, "client", client)

    def address_allowed(self, address: str) -> bool:
        """Count one link mailed to ``address``; False when no more may go to it for now."""
        return self.limiter.hit(PER_ADDRESS, "address", address.strip().lower())

    def link_allowed(self, client: str) -> bool:
        """Count one opened sign-in link (right or wrong); False past the client's limit."""
        return self.limiter.hit(LINKS_PER_CLIENT, "link", client)

    def failure_to_record(self, client: str) -> int | None:
        """None when this client's failure should only be counted; else how many earlier
        failures of this client went unrecorded (to say in this one's audit row)."""
        with self._lock:
            if self.limiter.hit(FAILURE_ROWS_PER_CLIENT, "failure", client):
                return self._unrecorded.pop(client, 0)
            if client in self._unrecorded or len(self._unrecorded) < MAX_UNRECORDED:
                self._unrecorded[client] = self._unrecorded.get(client, 0) + 1
            return None
