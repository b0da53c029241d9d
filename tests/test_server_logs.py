"""Issue 13 item 3: the local server's logs keep no trail.

The real server (``sidebyside serve``) in its own process, its whole output captured: survey and
log requests, malformed requests whose request line or headers hold a token (a raw non-ASCII
byte in the URL, a folded header, a bad request line, a bare LF), and wrong admin tokens. No
token reaches the log or any response; access lines carry no client address and the time only
to the hour.
"""

from __future__ import annotations

import re
import socket
import urllib.parse
from pathlib import Path

import requests

from tests.support.served import served

SECRETS = [f"SeCrEtToKeN{i}" for i in range(7)]
MALFORMED = [
    b"GET /log_interaction/?t=%s\xff HTTP/1.1\r\nHost: x\r\n\r\n" % SECRETS[0].encode(),
    b"GET /survey/%s\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n" % SECRETS[1].encode(),
    b"GET / HTTP/1.1\r\n Authorization: Bearer %s\r\n\r\n" % SECRETS[2].encode(),
    b"GET /survey/%s HTTP/1.1 junk\r\nHost: x\r\n\r\n" % SECRETS[3].encode(),
    b"get /survey/%s HTTP/1.1\r\nHost: x\r\n\r\n" % SECRETS[4].encode(),
    b"GET /survey/x HTTP/1.1\r\nHost: x\r\nBad\nHeader: %s\r\n\r\n" % SECRETS[5].encode(),
]
ACCESS = re.compile(r'^(\S+) sidebyside\.access "(\S+) (\S+)" (\d{3}|-)$')


def raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def test_logs_and_error_bodies_hold_no_token_address_or_fine_time(tmp_path: Path):
    with served(tmp_path) as server:
        survey, log_form = f"{server.url}/survey/{server.survey_tokens[0]}", f"{server.url}/log_interaction/"
        assert requests.get(survey, timeout=5).status_code == 200
        answered = requests.post(survey, data={"year_of_study": "year2"}, allow_redirects=False, timeout=5)
        assert answered.status_code == 303
        assert requests.get(log_form, params={"t": server.supporter_token}, timeout=5).status_code == 200
        # a non-ASCII byte the client did escape reaches the app: a 4xx that does not echo it
        echoed = requests.get(f"{server.url}/survey/{SECRETS[6]}%FF{urllib.parse.quote('é')}", timeout=5)
        assert echoed.status_code in (400, 404) and SECRETS[6] not in echoed.text
        for request, secret in zip(MALFORMED, SECRETS, strict=False):
            answer = raw(server.port, request)
            assert answer.split(b" ", 2)[1] == b"400", answer
            assert secret.encode() not in answer and b"waitress" not in answer.lower()
        wrong = requests.get(
            f"{server.url}/admin/supporters", headers={"Authorization": f"Bearer {SECRETS[0]}"}
        )
        assert wrong.status_code == 401
    output = server.output
    tokens = [*SECRETS, server.supporter_token, *server.survey_tokens]
    assert not [t for t in tokens if t in output], output
    lines = output.splitlines()
    # The client's address is nowhere: only the start-up line names the server's own.
    assert [line for line in lines if "127.0.0.1" in line] == [
        f"Side-by-Side on {server.url}/ (store: sqlite)"
    ]
    access = [ACCESS.match(line) for line in lines if "sidebyside.access" in line]
    assert access and all(access), lines
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:00[+-]\d{4}", m.group(1)) for m in access if m)
    seen = [(m.group(2), m.group(3), m.group(4)) for m in access if m]
    assert ("GET", "/survey/...", "200") in seen and ("POST", "/survey/...", "303") in seen
    assert ("GET", "/log_interaction/...", "200") in seen and ("GET", "/admin/...", "401") in seen
    assert "Traceback" not in output
