"""``sidebyside serve`` in a process of its own over a fresh SQLite store, as ``make run``
serves it, with a supporter link and survey links issued into the same store."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.emulator import free_port

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "served-admin-token-0123456789abcdef-xyz"


@dataclass
class Served:
    url: str
    port: int
    supporter_token: str
    survey_tokens: list[str]
    output: str = field(default="")  # everything the server wrote, once it has stopped

    def first_pages(self) -> dict[str, str]:
        """The pages a supporter, student or coordinator opens first, by name: the 14 KB
        budget's pages (the console's other pages need a session, which its sign-in gives)."""
        return {
            "supporter form": f"{self.url}/log_interaction/?t={self.supporter_token}",
            "supporter thanks page": f"{self.url}/log_interaction/thanks?t={self.supporter_token}",
            "survey page": f"{self.url}/survey/{self.survey_tokens[0]}",
            "console sign-in page": f"{self.url}/console/sign-in",
        }


@contextmanager
def served(tmp_path: Path, survey_links: int = 2, threads: int = 4) -> Iterator[Served]:
    """Start the server, yield what the test needs; stop it and keep its output."""
    from shared import config
    from shared.services import links, supporters, surveys
    from shared.store.sqlite import SqliteStore

    port = free_port()
    env = {
        "SIDEBYSIDE_SECRET_KEY": "served-secret-key-0123456789abcdef",
        "SIDEBYSIDE_ADMIN_TOKEN": ADMIN,
        "SIDEBYSIDE_MAIL": f"outbox:{tmp_path / 'outbox'}",
        "SIDEBYSIDE_STORE": f"sqlite:///{tmp_path / 'served.db'}",
        "SIDEBYSIDE_DATA_DIR": str(tmp_path / "data"),
        "SIDEBYSIDE_BASE_URL": f"http://127.0.0.1:{port}",
    }
    settings = config.load(env, base=tmp_path)
    store = SqliteStore(settings.store.path)
    supporter = supporters.add_supporter(store, settings, "Served").link.split("?t=")[1]
    today = surveys.today_in(settings)
    surveys.create_survey(store, "served", today=today)
    urls = links.issue_links(store, settings, "served", survey_links, today)
    store.close()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIDEBYSIDE_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "shared.cli", "serve", "--no-jobs", "--port", str(port), "--threads", str(threads)],
        cwd=ROOT, env={**clean, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    result = Served(f"http://127.0.0.1:{port}", port, supporter, [u.rsplit("/", 1)[1] for u in urls])
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        yield result
    finally:
        proc.terminate()
        result.output = proc.communicate(timeout=15)[0]
