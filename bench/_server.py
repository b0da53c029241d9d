"""A server in a process of its own, as ``sidebyside serve`` runs it, so the load generator
does not share the server's interpreter lock and skew its figures."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THREADS = os.environ.get("BENCH_THREADS", "4")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(
    env: dict[str, str], module: Sequence[str] = ("shared.cli", "serve", "--no-jobs")
) -> Iterator[str]:
    """Run ``python -m <module> --port P --threads N`` with ``env`` on a free port (by default
    ``sidebyside serve --no-jobs``); yield its base URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", *module, "--port", str(port), "--threads", THREADS],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the benchmark server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
