"""What `make run` does: `sidebyside demo` prints links, `sidebyside serve` answers them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.emulator import free_port


@pytest.mark.slow
def test_demo_links_answer_on_the_local_server(tmp_path: Path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIDEBYSIDE_")}
    env["SIDEBYSIDE_BASE_URL"] = f"http://127.0.0.1:{port}"
    cli = [sys.executable, "-m", "shared.cli"]
    demo = subprocess.run([*cli, "demo"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert demo.returncode == 0, demo.stderr
    links = re.findall(rf"http://127\.0\.0\.1:{port}/\S+", demo.stdout)
    assert len(links) == 3 and "/log_interaction/?t=" in links[0] and "/survey/" in links[1]
    assert "/console/sign-in/" in links[2]  # a local coordinator, created on the empty database
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--no-jobs"], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                statuses = [urllib.request.urlopen(link, timeout=5).status for link in links]
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert statuses == [200, 200, 200]
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    token = links[1].rsplit("/", 1)[1]
    assert token not in output and "/survey/..." in output  # the access log hides tokens
    assert (tmp_path / ".data" / "sidebyside.db").exists()
