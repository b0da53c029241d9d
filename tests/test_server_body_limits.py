"""The local server holds each function's request body to that function's limit before any
worker sees it: a public form's 64 KB, with room for the app's own 413 page just above it, so
a client cannot make the server buffer the admin API's 4 MB on the log or survey function.

Real server (``sidebyside serve`` in its own process) on loopback; raw sockets, since the
point is what the server does with a body it has not received yet.
"""

from __future__ import annotations

import socket
import time

import pytest

from shared.web.http import PUBLIC_BODY_LIMIT
from shared.web.serve import BODY_LIMITS, DEFAULT_BODY_LIMIT, MAX_BODY
from tests.support.served import served


def first_response(port: int, head: bytes, body: bytes = b"", wait: float = 5.0) -> bytes:
    """Send ``head`` (and ``body``), then read what the server answers before the client sends
    anything more: the status line and headers of the first response, or b"" if none came."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(head + body)
        received = b""
        until = time.monotonic() + wait
        while b"\r\n\r\n" not in received and time.monotonic() < until:
            try:
                piece = sock.recv(4096)
            except TimeoutError:
                break
            if not piece:
                break
            received += piece
        return received


def post(path: str, length: int, extra: str = "") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n{extra}\r\n"
    ).encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    with served(tmp_path_factory.mktemp("limits"), survey_links=1) as s:
        yield s


def test_the_limits_keep_room_for_each_apps_own_answer():
    assert DEFAULT_BODY_LIMIT > PUBLIC_BODY_LIMIT
    assert BODY_LIMITS["admin"] == MAX_BODY
    assert DEFAULT_BODY_LIMIT < BODY_LIMITS["console"] <= MAX_BODY


@pytest.mark.parametrize("path", ["/log_interaction/", "/survey/abc", "/send_report/"])
def test_a_public_function_refuses_a_large_announced_body_before_it_arrives(server, path):
    answer = first_response(server.port, post(path, 10 * 1024 * 1024))  # headers only
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_chunked_body_is_stopped_at_the_functions_limit(server):
    head = (
        b"POST /log_interaction/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"%x\r\n%s\r\n" % (8192, b"[" * 8192)
    body = chunk * (DEFAULT_BODY_LIMIT // 8192 + 2)  # just over the limit, never terminated
    answer = first_response(server.port, head, body)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_just_over_the_public_limit_the_app_answers_itself(server):
    """Between the app's 64 KB and the server's limit, the body reaches the app, whose 413 is
    its own JSON error, as before the server had per-function limits."""
    length = PUBLIC_BODY_LIMIT + 1024
    answer = first_response(server.port, post("/log_interaction/", length), b" " * length)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"application/json" in answer


def test_the_admin_api_still_reads_a_large_body(server):
    """A body larger than any public limit (an invitation list) reaches the admin app (which
    refuses it here for want of a token, after reading it), rather than the server's 413."""
    length = 4 * DEFAULT_BODY_LIMIT
    answer = first_response(server.port, post("/admin/import/interactions", length), b" " * length)
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
