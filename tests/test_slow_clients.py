"""Issue 13 item 1: slow clients never stop the service.

50 clients on loopback trickle a request into the real local server (``sidebyside serve``, 4
worker threads): half send a header line every 1.5 s, half announce a 60,000-byte body and send
a few bytes at a time. Meanwhile a normal request must be answered within a second, and the
server must drop each trickler once its request misses the deadline. Bounded: ~15 s, loopback.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from pathlib import Path

import pytest

from shared.web.serve import HEADER_DEADLINE, REQUEST_DEADLINE
from tests.support.served import served

CLIENTS = 50
SLACK = 2.5  # the sweep runs every second, plus scheduling on a busy machine


def trickle(
    port: int, kind: str, dropped: dict[int, float], index: int, began: float, give_up: float
) -> None:
    """Send a request slowly until the server closes the connection (or ``give_up`` passes)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.settimeout(0.25)
    if kind == "headers":
        pieces = [b"GET /survey/x HTTP/1.1\r\n"] + [b"X-Slow-%d: 1\r\n" % i for i in range(100)]
        pause = 1.5
    else:
        head = b"POST /log_interaction/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        pieces = [head + b"Content-Length: 60000\r\n\r\n"] + [b"[[[[" for _ in range(15000)]
        pause = 0.3
    try:
        for piece in pieces:
            sock.sendall(piece)
            until = time.monotonic() + pause
            while time.monotonic() < until:
                try:
                    if sock.recv(4096) == b"":
                        dropped[index] = time.monotonic() - began
                        return
                except TimeoutError:
                    pass
                if time.monotonic() > give_up:
                    return
    except OSError:  # reset while sending: dropped too
        dropped[index] = time.monotonic() - began
    finally:
        sock.close()


@pytest.mark.slow
def test_fifty_slow_clients_leave_normal_requests_answered_within_a_second(tmp_path: Path):
    with served(tmp_path) as server:
        dropped: dict[int, float] = {}
        began = time.monotonic()
        give_up = began + REQUEST_DEADLINE + SLACK + 1
        kinds = ["headers" if i % 2 else "body" for i in range(CLIENTS)]
        threads = [
            threading.Thread(
                target=trickle, args=(server.port, kind, dropped, i, began, give_up), daemon=True
            )
            for i, kind in enumerate(kinds)
        ]
        for thread in threads:
            thread.start()
        time.sleep(2)  # every trickler connected and sending
        took = []
        for _ in range(4):  # a normal page, while all 50 are still trickling
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            start = time.monotonic()
            connection.request("GET", f"/survey/{server.survey_tokens[0]}")
            response = connection.getresponse()
            response.read()
            took.append(time.monotonic() - start)
            connection.close()
            assert response.status == 200
            time.sleep(0.5)
        for thread in threads:
            thread.join(timeout=REQUEST_DEADLINE + SLACK + 5)
    assert max(took) < 1.0, took
    headers = [dropped.get(i) for i, kind in enumerate(kinds) if kind == "headers"]
    bodies = [dropped.get(i) for i, kind in enumerate(kinds) if kind == "body"]
    # Every trickler was cut off at its deadline, not earlier and not never.
    assert all(t is not None and HEADER_DEADLINE - 0.5 <= t <= HEADER_DEADLINE + SLACK for t in headers), (
        headers
    )
    assert all(t is not None and REQUEST_DEADLINE - 0.5 <= t <= REQUEST_DEADLINE + SLACK for t in bodies), (
        bodies
    )
