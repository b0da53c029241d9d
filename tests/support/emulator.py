"""The Firestore protocol server the tests run against.

``FIRESTORE_EMULATOR_HOST`` set: use that server (the official emulator, say). Otherwise start
the npm package ``@firestore-emulator/server`` (installed by ``make test`` with ``npm ci``) on a
free loopback port, and stop it afterwards.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = ROOT / "tests" / "support" / "firestore_emulator.cjs"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def firestore_emulator() -> Iterator[str]:
    """Yield ``host:port`` of a running Firestore protocol server."""
    existing = os.environ.get("FIRESTORE_EMULATOR_HOST")
    if existing:
        yield existing
        return
    if not (ROOT / "node_modules" / "@firestore-emulator" / "server").is_dir():
        raise RuntimeError("the Firestore emulator is not installed: run `make test` (it runs `npm ci`)")
    port = free_port()
    proc = subprocess.Popen(
        ["node", str(LAUNCHER), str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError(f"the Firestore emulator did not start: {line} {proc.stdout.read()[:500]}")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
