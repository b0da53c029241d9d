"""Bearer-token checks that slow guessing down: after :data:`MAX_FAILURES` wrong tokens from
one client within :data:`WINDOW` seconds, that client gets 429 with ``Retry-After`` (and its
token is not even compared) until the oldest failure leaves the window.

A small in-process limiter rather than the ``limits`` library: the state is one process's
(the local server, or one Cloud Run instance) either way, only failures are counted, and
importing ``limits`` costs about 55 ms that every entry point's cold start would pay (the app
factory imports the admin blueprint). Clients are told apart by address, held in memory only.
"""

from __future__ import annotations

import hmac
import math
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

import flask

from shared.web.errors import HttpError

MAX_FAILURES = 10
WINDOW = 60.0  # seconds
MAX_CLIENTS = 10_000  # memory bound: the longest-quiet clients are forgotten first
EXTENSION = "sidebyside.failure_throttle"


class FailureThrottle:
    """Wrong-token attempts per client over a sliding window; thread-safe."""

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        self.max_failures, self.window, self.clock, self.max_clients = (
            max_failures,
            window,
            clock,
            max_clients,
        )
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> int:
        """Whole seconds ``client`` must wait before its next attempt counts; 0 when it may try."""
        with self._lock:
            recent = self._recent(client)
            if len(recent) < self.max_failures:
                return 0
            return max(1, math.ceil(recent[0] + self.window - self.clock()))

    def failed(self, client: str) -> None:
        with self._lock:
            recent = self._recent(client)
            recent.append(self.clock())
            self._failures[client] = recent
            self._failures.move_to_end(client)
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)

    def _recent(self, client: str) -> deque[float]:
        recent = self._failures.get(client, deque())
        cutoff = self.clock() - self.window
        while recent and recent[0] <= cutoff:
            recent.popleft()
        return recent


def client_of(request: flask.Request) -> str:
    """The caller's address. On Cloud Run (``K_SERVICE`` set) the socket's peer is Google's
    front end, which appends the caller's address to ``X-Forwarded-For`` (anything before it
    is the caller's to forge); locally, the socket's peer."""
    if os.environ.get("K_SERVICE"):
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.rsplit(",", 1)[-1].strip()
    return request.remote_addr or "-"


def throttle_of(app: flask.Flask) -> FailureThrottle:
    """The app's throttle, made on first use (each function's app counts its own failures)."""
    throttle = app.extensions.get(EXTENSION)
    if throttle is None:
        throttle = app.extensions.setdefault(EXTENSION, FailureThrottle())
    return throttle


def require_bearer(expected: str, hint: str) -> None:
    """Pass when ``Authorization: Bearer <expected>`` was sent; otherwise 401 with ``hint``,
    or 429 once this client has failed too often."""
    request = flask.request
    throttle, client = throttle_of(flask.current_app), client_of(request)
    wait = throttle.retry_after(client)
    if wait:
        raise HttpError(429, "too_many_failures", headers={"Retry-After": str(wait)})
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode()):
        return
    throttle.failed(client)
    raise HttpError(401, "unauthorized", hint, headers={"WWW-Authenticate": "Bearer"})
